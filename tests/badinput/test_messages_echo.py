"""Messages echo the offending value (issue 18): "must be non-negative" and its kin name the
function or table, the parameter or column, the value that was given and what is allowed
(one template, :mod:`yingji._validation`). Each case below said only "must be non-negative" /
"bad values at ..." before.

Also the one coercion rule: text is refused for a numeric parameter, even text that reads as a
number (``mclp(radius='4')`` was accepted while ``p='3'`` was refused); the CLI and the JSON API
parse their text before they call.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import yingji as yj
from yingji._validation import (Interval, MIP_GAP, Problems, SEED, TIME_LIMIT, check_array, check_param,
                                describe_values)
from yingji.exceptions import ValidationError

_INC = pd.DataFrame({"engine": [1, 1], "target_minutes": [5.0, 5.0]}, index=["fire1", "fire2"])
_UNITS = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
_TIMES = pd.DataFrame([[3.0, 5.0], [6.0, 2.0]], index=_INC.index, columns=_UNITS.index)


def _dispatch(**cols):
    return lambda: yj.dispatch.plan(_INC.assign(**cols), _UNITS, _TIMES)


def _line_network(minutes=(1.0, 1.0)):
    edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": list(minutes), "metres": [100.0, 100.0]})
    nodes = pd.DataFrame({"x": [0.0, 100.0, 200.0], "y": [0.0, 0.0, 0.0]})
    return yj.Network.from_edges(edges, nodes=nodes)


CASES = {
    "dispatch weight": (_dispatch(weight=[1.0, -2.5]), ["'weight'", "-2.5", "fire2"]),
    "dispatch target_minutes": (_dispatch(target_minutes=[5.0, -7.0]), ["'target_minutes'", "-7", "fire2"]),
    "dispatch engine count": (_dispatch(engine=[1.5, 1]), ["'engine'", "1.5", "fire1"]),
    "dispatch crew": (_dispatch(crew=[-3.0, 0.0]), ["'crew'", "-3", "fire1"]),
    "nearest_available times": (
        lambda: yj.dispatch.nearest_available("c", _UNITS, pd.DataFrame([[1.0, -4.0]], index=["c"],
                                                                        columns=_UNITS.index)),
        ["'times'", "nearest_available", "-4", "E2"]),
    "NearestUnits times": (
        lambda: yj.dispatch.NearestUnits(_UNITS, np.array([[1.0, math.nan], [2.0, 3.0]])),
        ["'times'", "NearestUnits", "nan", "E2"]),
    "Scenarios probabilities": (
        lambda: yj.supplies.Scenarios(pd.Series([1.5, -0.5], index=["a", "b"]), pd.DataFrame()),
        ["'probabilities'", "-0.5"]),
    "capacitated allocation": (
        lambda: yj.location_cost(np.ones((2, 2)), np.array([[1.0, 0.0], [-0.25, 1.0]]), [1.0, 1.0]),
        ["'allocation'", "-0.25"]),
    "Network.snap coordinates": (lambda: _line_network().snap([0.0, math.nan], [0.0, 1.0]),
                                 ["'x' and 'y'", "Network.snap", "(nan, 1)"]),
    "Network edge minutes": (
        lambda: _line_network((1.0, -3.5)),
        ["'minutes'", "-3.5"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_message_echoes_the_value(name):
    call, needles = CASES[name]
    with pytest.raises(ValidationError) as ei:
        call()
    msg = str(ei.value)
    for n in needles:
        assert n in msg, (n, msg)


@pytest.mark.parametrize("kw, needles", [
    ({"requirements": {"engine": -1}}, ["'requirements'", "Got -1", "'all calls'"]),
    ({"requirements": {"engine": 1.5}}, ["'requirements'", "Got 1.5"]),
    ({"incidents_per_year": "neg"}, ["'incidents_per_year'", "Got -2", "'D000'"]),
])
def test_simulation_messages_echo(kw, needles):
    from api.conftest import make_tiny_county

    c = make_tiny_county()
    if kw.get("incidents_per_year") == "neg":
        kw = {"incidents_per_year": [-2.0] * len(c.demand)}
    with pytest.raises(ValidationError) as ei:
        yj.simulation.simulate(c, replications=1, horizon_hours=10, **kw)
    for n in needles:
        assert n in str(ei.value), str(ei.value)


def test_county_table_values_are_echoed():
    from county.test_county import _tables, grid_network, small_tables

    dem = small_tables()["demand"]
    dem.loc[dem.index[0], "population"] = -12.0
    dem.loc[dem.index[1], "area_m2"] = math.inf
    with pytest.raises(ValidationError) as ei:
        yj.County(grid_network(), **_tables(demand=dem))
    msg = str(ei.value)
    assert "column 'population': must be non-negative, got [-12.0]" in msg
    assert "column 'area_m2': must be finite, got [inf]" in msg


def test_describe_values():
    assert describe_values([1.0, -5.0, math.nan], [1, 2]) == "-5, nan"
    assert describe_values(["a", 2]) == "'a', 2"
    assert describe_values(range(6), limit=2) == "0, 1 and 4 more"


# ------------------------------------------------------------------ one coercion rule: no text
NUMERIC = [("time_limit", TIME_LIMIT), ("mip_gap", MIP_GAP), ("seed", SEED),
           ("p", Interval(int, 1, None)), ("radius", Interval(float, 0, None))]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(NUMERIC),
       st.one_of(st.floats(0.001, 1e6).map(lambda v: f"{v:g}"), st.integers(0, 10 ** 6).map(str),
                 st.text(max_size=6), st.floats(0.001, 1e6).map(lambda v: f" {v} ")))
def test_text_is_refused_for_numbers(param, text):
    name, c = param
    probs = Problems("f")
    assert check_param(probs, name, text, c, default="refused") == "refused"
    assert probs.items == [f"The {name!r} parameter of f must be {c.describe()}. Got {text!r} instead."]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1e6), st.integers(0, 10 ** 6).map(str)), min_size=1, max_size=6)
       .filter(lambda xs: any(isinstance(x, str) for x in xs)))
def test_text_is_refused_in_number_arrays(values):
    probs = Problems("g")
    assert check_array(probs, "weights", values, len(values)) is None
    first = next(x for x in values if isinstance(x, str))
    assert len(probs.items) == 1 and "'weights' parameter of g must hold numbers" in probs.items[0]
    assert repr(first) in probs.items[0]


_COST = np.array([[1.0, 5.0], [4.0, 1.0], [2.0, 2.0]])
STRING_CALLS = [
    ("mclp", "radius", lambda v: yj.mclp(_COST, v, 1)),
    ("mclp", "p", lambda v: yj.mclp(_COST, 2.0, v)),
    ("lscp", "radius", lambda v: yj.lscp(_COST, v)),
    ("p_median", "p", lambda v: yj.p_median(_COST, v)),
    ("p_median", "time_limit", lambda v: yj.p_median(_COST, 1, time_limit=v)),
    ("mclp", "mip_gap", lambda v: yj.mclp(_COST, 2.0, 1, mip_gap=v)),
    ("backup_coverage", "radius", lambda v: yj.backup_coverage(_COST, v, 2)),
    ("coverage_curve", "radius", lambda v: yj.coverage_curve(_COST, v)),
    ("mclp", "weights", lambda v: yj.mclp(_COST, 2.0, 1, weights=[v, 1.0, 1.0])),
]


@pytest.mark.parametrize("func, param, call", STRING_CALLS, ids=[f"{f}-{p}" for f, p, _ in STRING_CALLS])
@pytest.mark.parametrize("text", ["3", "0.5", " 4 "])
def test_public_functions_refuse_numeric_text(func, param, call, text):
    with pytest.raises(ValidationError) as ei:
        call(text)
    msg = str(ei.value)
    assert f"'{param}' parameter of {func}" in msg and repr(text) in msg, msg
