"""JSON API fuzzing suite (issue 18).

Requests are generated from ``src/yingji/api_schema/request.json`` (every action in turn; 60 %
with the tiny test county inline, 20 % with a generated county object, 20 % without) and then
mutated: wrong types, dropped and extra keys, huge numbers (1e308, 2**63, 1e-320), deep nesting
(50-3,000 levels), long strings (10,000-200,000 characters), null, negative, empty values, or
left as generated. The generator and the checks live in ``tests/badinput/_fuzz.py`` (the test
suite runs 50 of them).

Cases (seeded): ``fuzz_1000`` (quick) and ``fuzz_10000`` (``--full``). Each request goes to
``yingji.api.handle(allow_paths=False, max_time_limit=4, default_time_limit=4)`` after three
untimed warm-up answers per action (first calls load numba kernels from the cache, or compile
them on a fresh machine, which no time limit bounds). Quality fields: how the responses ended (ok / BadRequest / ValidationError /
InfeasibleError / SolverError / InternalError), responses that do not validate against
``response.json``, InternalErrors, responses slower than their time limit + 10 % (a limit below
0.25 s, which the schema allows down to 1e-320, counts as 0.25 s), and the
worst ratio of response time to time limit. No peer: the check is that the three offender
counts are 0.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from benchmarks import Case, Suite

TESTS = Path(__file__).resolve().parents[2] / "tests"


def _fuzz():
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from badinput import _fuzz

    return _fuzz


def _setup(n, seed):
    f = _fuzz()
    # three answers per action, untimed: on a fresh machine (cold numba cache) the first call
    # of each kernel compiles it (6-23 s seen), which is not what the time limits measure
    warmed = f.warm_up(seed, tries=2000, per_action=3)
    return {"n": n, "seed": seed, "warmed": len(warmed)}


def _run(s):
    out = _fuzz().run(s["n"], s["seed"], warm=False)
    s["out"] = out
    fields = {f"end_{k}": v for k, v in sorted(out["ends"].items())}
    fields.update(requests=out["n"], invalid_responses=out["counts"].get("invalid response", 0),
                  internal_errors=out["counts"].get("InternalError", 0),
                  over_time=out["counts"].get("over time", 0),
                  worst_time_ratio=round(out["worst_time_ratio"], 3))
    for how, ends in sorted(out["by_mutation"].items()):
        fields[f"mut_{how}"] = sum(ends.values())
    return fields


def _check(s):
    c = s["out"]["counts"]
    return {"clean": not c, "offenders": s["out"]["offenders"]}


def _case(name, n, seed):
    return Case(name, setup=partial(_setup, n, seed), run=_run, check=_check, repeat=1,
                params={"requests": n, "seed": seed, "max_time_limit_s": 4, "slack": 0.10},
                description=f"{n:,} fuzzed JSON API requests: schema-valid responses, no "
                            f"InternalError, none over its time limit + 10 %")


SUITE = Suite(
    "api_fuzz",
    quick=[_case("fuzz_1000", 1000, 0)],
    full=[_case("fuzz_10000", 10_000, 1)],
    budget_s=600,
    full_budget_s=5400,
    description="JSON API under fuzzing (requests from request.json, mutated)",
)
