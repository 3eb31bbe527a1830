"""``to_jsonable`` / the API's ``_json_safe``: lists and arrays of plain values take a one-step
path; what they give must equal the element-by-element conversion."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from yingji.api.envelope import _json_safe
from yingji.results import to_jsonable


def _slow(obj):
    """The element-by-element definition: NaN -> None, +-inf -> "inf"/"-inf", numpy -> Python."""
    if isinstance(obj, dict):
        return {str(k): _slow(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [_slow(v) for v in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [_slow(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) else ("inf" if f == math.inf else "-inf" if f == -math.inf else f)
    return obj


CASES = [
    [1, 2, 3], (4, 5), [True, False, None, "a", 7], [1.5, 2.0], [1.0, float("nan")], [float("inf"), 1],
    [-math.inf], [1, np.int64(3)], [np.float64(np.nan)], [[1, 2], [3.0, math.inf]], [],
    np.arange(5), np.array([True, False]), np.array([1.5, np.nan, np.inf, -np.inf]), np.array([[1.0, 2.0]]),
    np.array([1, 2], dtype=np.uint8), np.array([0.25, 3.0]), np.array(["a", "b"], dtype=object),
    {"a": [1, 2], "b": np.array([np.nan]), "c": (1.0, "x")},
]


@pytest.mark.parametrize("obj", CASES, ids=range(len(CASES)))
def test_same_as_element_by_element(obj):
    want = _slow(obj)
    assert to_jsonable(obj) == want
    got = _json_safe(obj)
    assert got == want
    json.dumps(got, allow_nan=False)
    if isinstance(obj, (list, tuple, np.ndarray)):
        assert all(type(a) is type(b) for a, b in zip(got, want))
