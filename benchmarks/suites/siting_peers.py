"""Siting against spopt: MCLP, p-median, LSCP and p-center end to end (build + solve) on the same
seeded instances, yingji (HiGHS + numba heuristics) against spopt 0.7.0 with CBC (through PuLP).

Instances: demand points and candidate sites uniform in a 50 km × 50 km square (seeded), cost =
straight-line distance in km, weights uniform integers 1–100. Sizes follow issue 5:
(1,000 × 100) in the quick tier, (5,000 × 300) and (20,000 × 1,000) with ``--full``. Every solve
has a 120 s limit; a peer that runs out of time is reported with its status.

Needs the ``bench`` extra (``pip install -e '.[bench]'``); without spopt the peer column is empty.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite

TIME_LIMIT = 120.0


def _instance(n, m, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 50, (n, 2))
    s = rng.uniform(0, 50, (m, 2))
    cost = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 101, n).astype(float)
    return cost, w


def _setup(model, n, m, p, radius):
    import yingji as yj

    cost, w = _instance(n, m)
    c0, w0 = _instance(30, 8, seed=1)
    _call(yj, model, c0, w0, 3, 15.0)  # warm numba kernels and imports (untimed)
    return {"model": model, "cost": cost, "w": w, "p": p, "radius": radius}


def _call(yj, model, cost, w, p, radius):
    if model == "mclp":
        return yj.mclp(cost, radius, p, weights=w, time_limit=TIME_LIMIT)
    if model == "p_median":
        return yj.p_median(cost, p, weights=w, time_limit=TIME_LIMIT)
    if model == "lscp":
        return yj.lscp(cost, radius, time_limit=TIME_LIMIT)
    if model == "p_center":
        return yj.p_center(cost, p, time_limit=TIME_LIMIT)
    raise ValueError(model)


def _run(s):
    import yingji as yj

    r = _call(yj, s["model"], s["cost"], s["w"], s["p"], s["radius"])
    s["obj"] = float(r.objective)
    return {"objective": round(r.objective, 6), "gap": r.gap, "status": r.status, "sites": len(r.sites)}


def _peer(s):
    try:
        import pulp
        from spopt.locate import LSCP, MCLP, PCenter, PMedian
    except ImportError:
        s["peer_obj"] = None
        return {"status": "spopt not installed (pip install -e '.[bench]')"}
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=TIME_LIMIT)
    cost, w, p, radius = s["cost"], s["w"], s["p"], s["radius"]
    if s["model"] == "mclp":
        mdl = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
    elif s["model"] == "p_median":
        mdl = PMedian.from_cost_matrix(cost, w, p_facilities=p)
    elif s["model"] == "lscp":
        mdl = LSCP.from_cost_matrix(cost, service_radius=radius)
    else:
        mdl = PCenter.from_cost_matrix(cost, p_facilities=p)
    try:
        mdl = mdl.solve(solver, results=False)
    except Exception as exc:  # noqa: BLE001 - spopt raises RuntimeError on a non-optimal status
        s["peer_obj"] = None
        return {"status": f"failed: {type(exc).__name__}: {str(exc)[:80]}"}
    status = pulp.LpStatus[mdl.problem.status]
    obj = pulp.value(mdl.problem.objective)
    s["peer_obj"] = None if obj is None else float(obj)
    return {"objective": None if obj is None else round(float(obj), 6), "status": status}


def _check(s):
    if s.get("peer_obj") is None:
        return {"same_objective": None}
    return {"same_objective": abs(s["obj"] - s["peer_obj"]) <= 1e-6 * max(1.0, abs(s["obj"])),
            "obj_diff": s["obj"] - s["peer_obj"]}


def _case(model, n, m, p, radius):
    return Case(f"{model}_{n}x{m}", setup=partial(_setup, model, n, m, p, radius), run=_run, peer=_peer,
                check=_check, peer_name="spopt 0.7.0 + CBC (PuLP)",
                params={"model": model, "n_demand": n, "n_sites": m, "p": p, "radius_km": radius, "seed": 0,
                        "time_limit_s": TIME_LIMIT},
                description=f"{model} {n} x {m}" + (f", p={p}" if model != "lscp" else "")
                + (f", radius {radius} km" if model in ("mclp", "lscp") else ""))


SUITE = Suite(
    "siting_peers",
    quick=[
        _case("mclp", 1000, 100, 10, 6.0),
        _case("p_median", 1000, 100, 10, 0.0),
        _case("lscp", 1000, 100, 0, 8.0),
        _case("p_center", 500, 50, 5, 0.0),
    ],
    full=[
        _case("p_center", 1000, 100, 10, 0.0),
        _case("mclp", 5000, 300, 30, 4.0),
        _case("p_median", 5000, 300, 30, 0.0),
        _case("lscp", 5000, 300, 0, 6.0),
        _case("mclp", 20000, 1000, 60, 3.0),
        _case("p_median", 20000, 1000, 60, 0.0),
        _case("lscp", 20000, 1000, 0, 4.0),
    ],
    budget_s=420,
    full_budget_s=3000,
    description="MCLP / p-median / LSCP / p-center against spopt + CBC, same seeded instances",
)
