"""The JSON API under fuzzing (issue 18), a small sample of ``_fuzz.py``'s requests: every
response validates against response.json, none is an InternalError, none takes longer than its
time limit + 10 %. The 10,000-request run is ``python -m benchmarks api_fuzz``."""

from __future__ import annotations

from badinput._fuzz import MUTATIONS, mutate, requests, run


def test_fuzz_sample():
    out = run(50, seed=18)
    assert out["counts"] == {}, out["offenders"]
    assert sum(out["ends"].values()) == 50
    assert out["ends"].get("ok", 0) >= 3  # some requests reach the models, not only the schema check
    assert len(out["by_mutation"]) >= 6


def test_generator_is_deterministic_and_mutates():
    import sys

    a = [r for _, r in requests(30, seed=5)]
    b = [r for _, r in requests(30, seed=5)]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # deep-nesting requests are up to 3,000 levels deep
    try:
        assert a == b
    finally:
        sys.setrecursionlimit(old)
    hows = {h for h, _ in requests(200, seed=5)}
    assert hows == set(MUTATIONS)


def test_deep_nesting_is_a_bad_request():
    import numpy as np

    from yingji.api import handle, validate_response

    deep = mutate({"action": "siting.lscp", "params": {"cost": [[1.0]], "radius": 1}}, "deep-nesting",
                  np.random.default_rng(0))
    x: object = 1
    for _ in range(20_000):  # deeper than Python's recursion limit
        x = [x]
    for req in (deep, {"action": "siting.lscp", "id": x, "params": {}}):
        r = handle(req)
        validate_response(r)
        assert r["error"]["type"] == "BadRequest" and "nested deeper" in r["error"]["message"]


def test_missing_params_name_the_required_ones():
    from yingji.api import handle

    r = handle({"action": "dispatch.plan"})
    assert r["error"]["type"] == "BadRequest" and "incidents" in r["error"]["message"]


def test_fuzz_findings_are_named_errors(tiny_doc_for_fuzz=None):
    """Two requests of the 10,000-request run (seed 1, #2729 and #3637) were InternalErrors: a
    start site of 2**63 (OverflowError) and a budget of 1e30 sent as a JSON integer (np.isfinite
    on a Python int too large for a float64 array)."""
    from badinput._fuzz import tiny_doc
    from yingji.api import handle, validate_response

    cost = [[1.0, 4.0, 2.0], [3.0, 1.0, 5.0], [2.0, 2.0, 1.0]]
    r = handle({"action": "siting.p_median", "params": {"cost": cost, "p": 1, "start": [2 ** 63, 1]}})
    validate_response(r)
    assert r["error"]["type"] == "ValidationError" and "'start'" in r["error"]["message"]
    assert str(2 ** 63) in r["error"]["message"]
    r = handle({"action": "supplies.preposition", "county": tiny_doc(),
                "params": {"budget": 10 ** 30, "time_limit": 2}}, allow_paths=False)
    validate_response(r)
    assert r["error"]["type"] == "ValidationError" and "'budget'" in r["error"]["message"]
    assert "1000000000000000000000000000000" in r["error"]["message"]
