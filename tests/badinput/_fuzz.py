"""JSON API fuzzing (issue 18): requests generated from ``api_schema/request.json`` and then
mutated (wrong types, missing and extra keys, huge numbers, deep nesting, long strings).

Every response must validate against ``response.json``, none may be an ``InternalError``, and
none may take longer than its time limit + 10 % (the limit is the request's ``params.time_limit``
capped by ``handle(max_time_limit=)``, or ``default_time_limit``; at least :data:`FLOOR_S`).
``test_api_fuzz.py`` runs a
small sample; ``benchmarks/suites/api_fuzz.py`` runs 10,000. Deterministic for a seed.

``python tests/badinput/_fuzz.py [N] [SEED]`` prints the tally.
"""

from __future__ import annotations

import collections
import copy
import json
import math
import time
from functools import lru_cache
from importlib import resources

import numpy as np

#: handle()'s caps during fuzzing (seconds)
MAX_TIME_LIMIT = 4.0
DEFAULT_TIME_LIMIT = 4.0
SLACK = 0.10  # the share over the time limit a response may take
#: a time limit below this many seconds (the schema allows 1e-320) is held to it: reading the
#: request and its inline county alone takes that long
FLOOR_S = 0.25

MUTATIONS = ("none", "wrong-type", "drop-key", "extra-key", "huge-number", "deep-nesting",
             "long-string", "null", "negative", "empty")


@lru_cache(maxsize=1)
def request_schema() -> dict:
    return json.loads(resources.files("yingji").joinpath("api_schema/request.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def tiny_doc() -> dict:
    """The tiny county of the API tests as an inline ``County.to_json()`` document."""
    from api.conftest import make_tiny_county

    return json.loads(make_tiny_county().to_json())


class Generator:
    """Valid-by-schema instances drawn with a seeded numpy Generator (small sizes: arrays of at
    most 6 items, numbers within the schema's bounds or small ones)."""

    def __init__(self, schema: dict, rng: np.random.Generator):
        self.root, self.rng = schema, rng

    def resolve(self, s: dict) -> dict:
        while isinstance(s, dict) and "$ref" in s:
            node = self.root
            for part in s["$ref"].lstrip("#/").split("/"):
                node = node[part]
            s = {**node, **{k: v for k, v in s.items() if k != "$ref"}}
        return s

    def gen(self, s, depth: int = 0):
        r = self.rng
        s = self.resolve(s) if isinstance(s, dict) else {}
        if "const" in s:
            return copy.deepcopy(s["const"])
        if "enum" in s:
            return copy.deepcopy(s["enum"][int(r.integers(len(s["enum"])))])
        for key in ("anyOf", "oneOf"):
            if key in s:
                branch = self.resolve(s[key][int(r.integers(len(s[key])))])
                rest = {k: v for k, v in s.items() if k != key}
                if "type" in branch or "const" in branch or "enum" in branch or not rest:
                    return self.gen(branch, depth + 1)
                merged = {**rest, **branch, "properties": {**rest.get("properties", {}),
                                                           **branch.get("properties", {})}}
                return self.gen(merged, depth + 1)
        t = s.get("type")
        if isinstance(t, list):
            t = t[int(r.integers(len(t)))]
        if t is None:
            t = "object" if "properties" in s else ("array" if "items" in s else
                                                    ["number", "string", "boolean"][int(r.integers(3))])
        if depth > 6:
            t = t if t not in ("object", "array") else t
        if t == "object":
            out = {}
            props = s.get("properties", {})
            req = set(s.get("required", []))
            for k, sub in props.items():
                if k in req or (depth < 5 and r.random() < 0.4):
                    out[k] = self.gen(sub, depth + 1)
            return out
        if t == "array":
            lo = int(s.get("minItems", 0))
            hi = min(int(s.get("maxItems", lo + 6)), lo + 6)
            n = int(r.integers(lo, hi + 1))
            return [self.gen(s.get("items", {}), depth + 1) for _ in range(n)]
        if t in ("number", "integer"):
            lo = s.get("minimum", s.get("exclusiveMinimum", 0))
            hi = s.get("maximum", s.get("exclusiveMaximum", lo + 20))
            v = float(r.uniform(lo, hi))
            if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
                v = s["exclusiveMinimum"] + 0.5
            return int(math.ceil(v)) if t == "integer" else round(v, 3)
        if t == "boolean":
            return bool(r.random() < 0.5)
        if t == "null":
            return None
        n = int(r.integers(int(s.get("minLength", 1)), int(s.get("minLength", 1)) + 8))
        return "".join(chr(int(c)) for c in r.integers(97, 123, n))


def _paths(x, prefix=()):
    """Every (path, value) inside a JSON value (dict keys and list positions)."""
    yield prefix, x
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x[:6]):
            yield from _paths(v, prefix + (i,))


def _set(x, path, value):
    for p in path[:-1]:
        x = x[p]
    x[path[-1]] = value


def _drop(x, path):
    for p in path[:-1]:
        x = x[p]
    del x[path[-1]]


def _wrong_type(v, r):
    choices = [["a", 1], {"x": 1}, "text", 3.5, True, None, [[1, 2], [3]]]
    kinds = {dict: 1, list: 0, str: 2, float: 3, int: 3, bool: 4, type(None): 5}
    options = [c for i, c in enumerate(choices) if i != kinds.get(type(v), -1)]
    return copy.deepcopy(options[int(r.integers(len(options)))])


def mutate(req: dict, how: str, r: np.random.Generator) -> dict:
    """One mutation of ``req`` (a deep copy), at a random place inside it."""
    req = copy.deepcopy(req)
    if how == "none":
        return req
    paths = [p for p, _ in _paths(req) if p and not (p[0] == "county" and len(p) > 2)]
    path = paths[int(r.integers(len(paths)))]
    cur = req
    for p in path:
        cur = cur[p]
    if how == "wrong-type":
        _set(req, path, _wrong_type(cur, r))
    elif how == "drop-key":
        keyed = [p for p in paths if isinstance(p[-1], str)]
        _drop(req, keyed[int(r.integers(len(keyed)))])
    elif how == "extra-key":
        holders = [()] + [p for p in paths if isinstance(_get(req, p), dict)]
        h = holders[int(r.integers(len(holders)))]
        _get(req, h)["unexpected_" + str(int(r.integers(100)))] = _wrong_type(None, r)
    elif how == "huge-number":
        nums = [p for p in paths if isinstance(_get(req, p), (int, float)) and not isinstance(_get(req, p), bool)]
        target = nums[int(r.integers(len(nums)))] if nums else path
        _set(req, target, [1e308, -1e308, 10 ** 30, 2 ** 63, float(1e300) * 10, 1e-320][int(r.integers(6))])
    elif how == "deep-nesting":
        deep: object = 1
        for _ in range(int(r.integers(50, 3000))):
            deep = [deep] if r.random() < 0.5 else {"a": deep}
        _set(req, path, deep)
    elif how == "long-string":
        _set(req, path, "长" * int(r.integers(10_000, 200_000)))
    elif how == "null":
        _set(req, path, None)
    elif how == "negative":
        nums = [p for p in paths if isinstance(_get(req, p), (int, float)) and not isinstance(_get(req, p), bool)]
        if nums:
            t = nums[int(r.integers(len(nums)))]
            _set(req, t, -abs(_get(req, t)) - 1)
        else:
            _set(req, path, -1)
    elif how == "empty":
        _set(req, path, [[], {}, ""][int(r.integers(3))])
    return req


def _get(x, path):
    for p in path:
        x = x[p]
    return x


def _valid_siting(params: dict, r: np.random.Generator) -> None:
    """A rectangular cost matrix with ``p``, ``weights``, ``fixed`` that fit it (the schema
    cannot say that rows have one length), so that unmutated requests reach the solvers."""
    n, m = int(r.integers(2, 9)), int(r.integers(2, 7))
    params.pop("sites", None)
    params.pop("uses", None)
    params.pop("start", None)
    params["cost"] = np.round(r.uniform(0, 20, (n, m)), 2).tolist()
    if "p" in params:
        params["p"] = int(r.integers(1, m + 1))
    if "weights" in params:
        params["weights"] = np.round(r.uniform(0, 5, n), 2).tolist()
    if "site_cost" in params:
        params["site_cost"] = np.round(r.uniform(1, 5, m), 2).tolist()
    if "fixed" in params:
        params["fixed"] = [int(r.integers(m))]
        if "p" in params:
            params["p"] = max(params["p"], 1)
    if "radius" in params:
        params["radius"] = round(float(r.uniform(2, 15)), 2)


def requests(n: int, seed: int = 0):
    """``n`` fuzzed requests: ``(mutation, request)`` pairs, deterministic for ``seed``."""
    r = np.random.default_rng(seed)
    schema = request_schema()
    g = Generator(schema, r)
    actions = schema["properties"]["action"]["enum"]
    defs = {c["if"]["properties"]["action"]["const"]: c["then"]["properties"]["params"]
            for c in schema["allOf"] if "const" in c["if"]["properties"]["action"]}
    for k in range(n):
        action = actions[k % len(actions)]
        params = g.gen(defs.get(action, {"type": "object"}))
        if isinstance(params, dict) and "time_limit" in params:
            params["time_limit"] = round(float(r.uniform(1.0, 3.0)), 2)
        if action.startswith("siting.") and r.random() < 0.8:
            _valid_siting(params, r)
        req = {"version": 1, "id": k, "action": action, "params": params}
        u = r.random()
        if u < 0.6:
            req["county"] = tiny_doc()  # shared, never mutated in place (mutate copies)
        elif u < 0.8:
            req["county"] = g.gen(schema["$defs"]["county"])
        how = MUTATIONS[int(r.integers(len(MUTATIONS)))]
        if how != "none" and req.get("county") is tiny_doc():
            # mutate inside the county only sometimes (copying the document is the slow part)
            if r.random() < 0.8:
                county = req.pop("county")
                out = mutate(req, how, r)
                out["county"] = county
                yield how, out
                continue
        yield how, mutate(req, how, r) if how != "none" else req


def effective_limit(req) -> float:
    """The seconds the answer may take: the request's time limit (capped), +10 %."""
    tl = DEFAULT_TIME_LIMIT
    p = req.get("params") if isinstance(req, dict) else None
    if isinstance(p, dict) and isinstance(p.get("time_limit"), (int, float)) \
            and not isinstance(p.get("time_limit"), bool) and math.isfinite(p["time_limit"]) and p["time_limit"] > 0:
        tl = min(float(p["time_limit"]), MAX_TIME_LIMIT)
    return max(tl, FLOOR_S) * (1 + SLACK)


def warm_up(seed: int = 0, tries: int = 400, per_action: int = 1) -> dict:
    """Unmutated requests until every action answered ``per_action`` times with ``ok`` (or
    ``tries`` ran out): the first call of an action imports its modules and loads its numba
    kernels from the cache (or compiles them, on a machine whose cache is cold), which no time
    limit bounds; answers with other parameters reach more of an action's kernels. Returns the
    number of ok answers per action."""
    from yingji.api import handle

    seen = collections.Counter()
    actions = request_schema()["properties"]["action"]["enum"]
    for how, req in requests(tries, seed + 10 ** 6):
        if how != "none" or seen[req.get("action")] >= per_action:
            continue
        r = handle(req, allow_paths=False, max_time_limit=MAX_TIME_LIMIT, default_time_limit=DEFAULT_TIME_LIMIT)
        if r.get("ok"):
            seen[req["action"]] += 1
        if all(seen[a] >= per_action for a in actions):
            break
    return dict(seen)


def run(n: int, seed: int = 0, warm: bool = True) -> dict:
    """Fuzz ``n`` requests (after :func:`warm_up`); the tally and the offenders (at most 20 of
    each kind)."""
    from yingji.api import handle, validate_response

    warmed = warm_up(seed) if warm else {}

    tally = collections.Counter()
    by_mut = collections.defaultdict(collections.Counter)
    offenders = collections.defaultdict(list)
    worst = 0.0
    for k, (how, req) in enumerate(requests(n, seed)):
        t0 = time.perf_counter()
        resp = handle(req, allow_paths=False, max_time_limit=MAX_TIME_LIMIT,
                      default_time_limit=DEFAULT_TIME_LIMIT)
        dt = time.perf_counter() - t0
        lim = effective_limit(req)
        worst = max(worst, dt / lim)
        end = "ok" if resp.get("ok") else resp.get("error", {}).get("type", "?")
        tally[end] += 1
        by_mut[how][end] += 1
        action = req.get("action") if isinstance(req, dict) else None
        label = f"{action if isinstance(action, str) else '?'}/{how}/#{k}"
        try:
            validate_response(resp)
        except Exception as exc:  # noqa: BLE001 - the tally names it
            offenders["invalid response"].append(f"{label}: {str(exc)[:200]}")
        if end == "InternalError":
            offenders["InternalError"].append(f"{label}: {resp['error'].get('message', '')[:200]}")
        if dt > lim:
            offenders["over time"].append(f"{label}: {dt:.2f} s > {lim:.2f} s")
    return {"n": n, "seed": seed, "warmed_actions": len(warmed), "ends": dict(tally), "by_mutation": {k: dict(v) for k, v in by_mut.items()},
            "offenders": {k: v[:20] for k, v in offenders.items()},
            "counts": {k: len(v) for k, v in offenders.items()}, "worst_time_ratio": worst}


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    t0 = time.perf_counter()
    out = run(n, seed)
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=1, ensure_ascii=False))
