"""The one-step checks of large numeric lists (schema ``items``, nesting, matrix decoding)
against the element-by-element answers they replace: same verdicts, same messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.api import BadRequest, schemas
from yingji.api.decoding import _matrix
from yingji.api.envelope import too_deep
from yingji.api.validator import _BuiltinValidator, simple_items_valid

jsonschema = pytest.importorskip("jsonschema")

ITEM_SCHEMAS = [
    {"type": "array"}, {"type": "number"}, {"type": "integer", "minimum": 0},
    {"type": "string"}, {"type": "object"}, {"type": ["integer", "string"]},
    {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
    {"type": "number", "exclusiveMaximum": 1.5},
    {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},  # not simple
]

_scalar = st.one_of(
    st.integers(-5, 12), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-3, 12).map(round).map(float), st.booleans(), st.none(), st.text(max_size=2))
_elem = st.one_of(_scalar, st.lists(_scalar, max_size=3), st.dictionaries(st.text(max_size=1),
                                                                          _scalar, max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ITEM_SCHEMAS), st.lists(_elem, max_size=12))
def test_simple_items_never_passes_an_invalid_list(items, inst):
    expect = jsonschema.Draft202012Validator({"items": items}).is_valid(inst)
    if simple_items_valid(items, inst):
        assert expect, (items, inst)
    # and the built-in validator, which uses it, agrees with jsonschema
    assert _BuiltinValidator({}).valid({"items": items}, inst) == expect


@pytest.mark.parametrize("items,inst,fast", [
    ({"type": "number"}, [1, 2.5, -3], True),
    ({"type": "number"}, [1, True], False),                    # a bool is not a number
    ({"type": "integer", "minimum": 0}, [0, 3, 7], True),
    ({"type": "integer", "minimum": 0}, [0, -1], False),
    ({"type": "integer", "minimum": 0}, [1.0, 2], False),     # integral float: element checks
    ({"type": "number", "exclusiveMinimum": 0}, [math.nan, 1.0], False),  # NaN: not decided
    ({"type": "number", "exclusiveMinimum": 0}, [1.0, math.nan, -1.0], False),
    ({"type": "array"}, [[1], [2, 3]], True),
    ({"type": "array"}, [[1], (2, 3)], False),
    ({"type": ["integer", "string"]}, [1, "a"], True),
    ({"type": "number", "minItems": 2}, [1, 2], False),       # other keywords: not simple
    ({"type": "number"}, (1, 2), False),                      # not a list
])
def test_simple_items_cases(items, inst, fast):
    assert simple_items_valid(items, inst) is fast


def _big(seed=0, n=300, m=30):
    rng = np.random.default_rng(seed)
    return {"action": "siting.mclp", "params": {
        "cost": rng.uniform(0, 30, (n, m)).round(3).tolist(), "radius": 6.0, "p": 5,
        "weights": rng.integers(1, 100, n).tolist(), "fixed": [0, 3]}}


def _broken():
    out = []
    r = _big(1)
    r["params"]["weights"][17] = "many"
    out.append(r)
    r = _big(2)
    r["params"]["fixed"] = [1, -4, 2.5, True]
    out.append(r)
    r = _big(3)
    r["params"]["cost"][250] = 7
    out.append(r)
    r = _big(4)
    r["params"]["cost"] = {"data": r["params"]["cost"], "rows": list(range(300))}
    r["params"]["cost"]["data"][5] = {"x": 1}
    out.append(r)
    out.append({"action": "network.travel_times", "county": {"sample": True},
                "params": {"origins": [1, 2, 3.5, None], "destinations": [1, "n2"]}})
    return out


# the action conditions ("if the action is X then params are params_X"), decided directly
_ACTION_CASES = [{"params": {"radius": -1}}, {"action": 5, "params": {"p": 0}}, {"action": None},
                 {"action": "nope", "params": {"radius": -1}}, {"action": "check", "params": {"x": 1}},
                 {"action": "siting.lscp", "params": {"cost": "a", "radius": -1}}, [], "siting.mclp"]


@pytest.mark.parametrize("req", [_big(0), *_broken(), *_ACTION_CASES])
def test_request_problems_are_exactly_jsonschemas(req, monkeypatch):
    fast = schemas.validate_request(req)
    monkeypatch.setattr(schemas, "_fast_validator_class", lambda js: js.Draft202012Validator)
    monkeypatch.setattr(schemas, "_VALIDATORS", {})
    plain = schemas.validate_request(req)
    assert fast == plain
    assert bool(schemas.validate_request(req, builtin=True)) == bool(plain)


def test_too_deep_still_finds_deep_values_inside_rows():
    rows = [[1.0, 2.0, 3.0] for _ in range(50)]
    assert too_deep({"params": {"cost": rows}}, limit=4) is None   # rows are at depth 3
    assert too_deep({"params": {"cost": rows}}, limit=3) == "$.params.cost[49]"
    rows[7] = [1.0, [[2.0]], 3.0]
    assert too_deep({"params": {"cost": rows}}, limit=5) == "$.params.cost[7][1][0]"
    rows[7] = [1.0, "x", None, True, 3.0]
    assert too_deep({"params": {"cost": rows}}, limit=4) is None


def test_matrix_decoding_still_reads_inf_and_names_bad_entries():
    a = _matrix([[1, 2.5], ["inf", 3]], "params.cost")
    assert a.dtype == float and math.isinf(a[1, 0]) and a[0, 1] == 2.5
    with pytest.raises(BadRequest, match=r"bad entries at \(row, column\) \[\(0, 1\), \(1, 0\)\]"):
        _matrix([[1, True], [None, 3]], "params.cost")
    big = np.arange(9000, dtype=float).reshape(300, 30)
    assert np.array_equal(_matrix(big.tolist(), "c"), big)
