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
