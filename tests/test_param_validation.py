"""The declarative parameter checks (yingji._validation): one template, conversions, and the
same time_limit / mip_gap rule at every public entry point."""

from __future__ import annotations

import math

import pandas as pd

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import yingji as yj
from yingji._validation import MIP_GAP, SEED, TIME_LIMIT, Interval, Options, Problems, check_param
from yingji.exceptions import ValidationError


@pytest.mark.parametrize("value, ok, out", [
    (60, True, 60.0), (np.float32(0.5), True, 0.5), (np.int64(7), True, 7.0), (1e-9, True, 1e-9),
    ("60", False, None), (" 0.5 ", False, None), (b"60", False, None), (0, False, None), (-1, False, None), (math.nan, False, None), (math.inf, False, None),
    ("soon", False, None), (None, False, None), (True, False, None), ([1], False, None),
])
def test_time_limit(value, ok, out):
    probs = Problems("f")
    got = check_param(probs, "time_limit", value, TIME_LIMIT, default="dflt")
    if ok:
        assert got == out and not probs.items
    else:
        assert got == "dflt"
        assert probs.items == [f"The 'time_limit' parameter of f must be a positive number of seconds. "
                               f"Got {value!r} instead."]


def test_int_interval_options_none():
    probs = Problems("g")
    assert check_param(probs, "seed", 3.0, SEED) == 3 and isinstance(check_param(probs, "seed", 3.0, SEED), int)
    assert check_param(probs, "seed", 2.5, SEED, default=0) == 0
    assert check_param(probs, "k", None, Interval(int, 1, None), None) is None
    assert check_param(probs, "m", "mip", Options("mip", "assignment")) == "mip"
    assert check_param(probs, "m", "MIP", Options("mip", "assignment"), default="x") == "x"
    assert probs.items == ["The 'seed' parameter of g must be a non-negative int below 2**63. Got 2.5 instead.",
                           "The 'm' parameter of g must be one of 'mip', 'assignment'. Got 'MIP' instead."]
    assert Interval(float, 0, 1, closed="neither").describe() == "a float in (0, 1)"
    assert MIP_GAP.describe() == "a float in [0, 1)"


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10), st.text(max_size=5),
                 st.booleans(), st.none()))
def test_interval_never_accepts_outside(value):
    probs = Problems("h")
    got = check_param(probs, "x", value, Interval(float, 0, 1, closed="left"), default="bad")
    if got != "bad":
        assert 0 <= got < 1 and not isinstance(value, (bool, str))
    else:
        assert len(probs.items) == 1 and "'x' parameter of h must be a float in [0, 1)" in probs.items[0]


# every public entry point that takes time_limit / mip_gap gives the same message, naming itself
_COST = np.array([[1.0, 5.0], [4.0, 1.0], [2.0, 2.0]])
ENTRY_POINTS = [
    ("lscp", lambda **kw: yj.lscp(_COST, 2.0, **kw)),
    ("mclp", lambda **kw: yj.mclp(_COST, 2.0, 1, **kw)),
    ("backup_coverage", lambda **kw: yj.backup_coverage(_COST, 2.0, 2, **kw)),
    ("p_median", lambda **kw: yj.p_median(_COST, 1, **kw)),
    ("capacitated_location", lambda **kw: yj.capacitated_location(_COST, [1.0, 1.0, 1.0], [5.0, 5.0], [1.0, 1.0], **kw)),
    ("coverage_curve", lambda **kw: yj.coverage_curve(_COST, 2.0, **kw)),
]


@pytest.mark.parametrize("name, call", ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
@pytest.mark.parametrize("param, bad", [("time_limit", 0), ("time_limit", "soon"), ("time_limit", math.nan),
                                        ("mip_gap", -0.1), ("mip_gap", 1.0), ("mip_gap", "x")])
def test_same_rule_everywhere(name, call, param, bad):
    with pytest.raises(ValidationError, match=rf"The '{param}' parameter of {name} must be "):
        call(**{param: bad})


def test_dispatch_and_compliance_time_limit():
    import pandas as pd

    inc = pd.DataFrame({"engine": [1]}, index=["i"])
    units = pd.DataFrame({"type": ["engine"]}, index=["u"])
    times = pd.DataFrame([[3.0]], index=["u"], columns=["i"])
    with pytest.raises(ValidationError, match="The 'time_limit' parameter of plan must be a positive number"):
        yj.dispatch.plan(inc, units, times, time_limit=0)
    with pytest.raises(ValidationError, match="The 'time_limit' parameter of check must be a positive number"):
        yj.compliance.check(yj.datasets.sample_county(), time_limit=0)


# ---- out-of-range values that used to come back as answers (issue 18) -------------------------

def test_confidence_level_and_percentile_q():
    from yingji.fire import weighted_percentile
    from yingji.simulation import confidence_interval

    with pytest.raises(ValidationError, match=r"The 'level' parameter of confidence_interval must be a float in \(0, 1\). Got 2 instead"):
        confidence_interval([1.0, 2.0, 3.0], level=2)
    with pytest.raises(ValidationError, match=r"The 'q' parameter of weighted_percentile must be a float in \(0, 1\]. Got 2 instead"):
        weighted_percentile([1, 2, 3], q=2)
    assert weighted_percentile([1, 2, 3], q=1) == 3.0


def test_evacuation_share_and_as_of():
    from cases_supplies import toy_county

    from yingji.supplies import assess, requirements

    c = toy_county()
    with pytest.raises(ValidationError, match=r"The \"evacuation_share\['high'\]\" parameter of requirements must be a float in \[0, 1\]. Got 2.0 instead"):
        requirements(norms=c.items, demand=c.demand, evacuation_share={"high": 2.0, "normal": 0.1})
    with pytest.raises(ValidationError, match=r"The 'as_of' parameter of assess must be a date .* Got 'yesterday' instead"):
        assess(c, as_of="yesterday", times=pd.DataFrame([[5, 60, 200], [200, 50, 5]], index=["DA", "DC"],
                                                        columns=["A", "B", "C"]))


def test_new_team_crew_and_max_snap_m_are_named():
    county = yj.datasets.sample_county()
    with pytest.raises(ValidationError, match=r"The 'new_team_crew' parameter of plan_bases must be a float in \(0, inf\) or None. Got -3 instead"):
        yj.teams.plan_bases(county, new_team_crew=-3)
    with pytest.raises(ValidationError, match=r"The 'max_snap_m' parameter of .* must be a float in \[0, inf\) or None. Got -5 instead"):
        yj.shelters.assess(county, max_snap_m=-5)


def test_fire_plan_fleet_from_the_api_schema():
    """A fleet the JSON API's schema allows (engines only) is a fleet with 0 ladders; unknown keys
    are named."""
    r = yj.api.handle({"action": "fire.plan", "county": {"sample": True},
                       "params": {"fleet": {"engines": 3}, "tradeoff": False}})
    assert r["ok"], r.get("error")
    with pytest.raises(ValidationError, match=r"'fleet' parameter of fire.plan .*unknown keys \['engine'\]"):
        yj.fire.plan(yj.datasets.sample_county(), fleet={"engine": 3}, tradeoff=False)
    with pytest.raises(ValidationError, match=r"\"fleet\['ladders'\]\" parameter of fire.plan must be an int"):
        yj.fire.plan(yj.datasets.sample_county(), fleet={"engines": 3, "ladders": -1}, tradeoff=False)


def test_nan_minutes_name_the_station_too():
    demand = pd.DataFrame({"population": [10.0, 20.0], "area_m2": 1e6, "urban": True}, index=["d1", "d2"])
    stations = pd.DataFrame({"station_class": ["class1", "class1"]}, index=["S1", "S2"])
    times = pd.DataFrame([[1.0, math.nan], [2.0, 3.0]], index=demand.index, columns=stations.index)
    with pytest.raises(ValidationError, match=r"'d1'.*from stations 'S2'|from sites 'S2'"):
        yj.fire.assess(stations=stations, demand=demand, times=times)


def test_one_yes_no_vocabulary_for_county_rules_and_evidence():
    """County cells, rule thresholds and reported evidence read yes/no with one vocabulary."""
    from yingji._validation import FALSE_TEXT, TRUE_TEXT, parse_yes_no, to_bool
    from yingji.compliance import engine
    from yingji.county import specs

    assert specs._TRUE is TRUE_TEXT and specs._FALSE == FALSE_TEXT | {""}
    for word in TRUE_TEXT:
        assert parse_yes_no(word.upper()) is True and engine._parse_bool(word) is True
    for word in FALSE_TEXT:
        assert parse_yes_no(f" {word} ") is False and engine._parse_bool(word) is False
    assert engine._parse_bool("done") is True and engine._parse_bool("fail") is False
    vals, bad = to_bool(["有", "无", "", "maybe", 1, 0.0])
    assert vals.tolist() == [True, False, False, False, True, False] and bad == [3]
    with pytest.raises(ValueError, match="not a yes/no value: 'maybe'"):
        parse_yes_no("maybe")
