"""Availability suite: MEXCLP (expected coverage with busy units) next to MCLP on the same instances.

Instances are county-like (the clustered layout of ``siting_coverage``: towns, villages and a rural
background in a 30 km square, 500 m/min, an 8 minute standard), busy fraction 0.3. yingji's
:func:`yingji.mexclp` (greedy + swap, Lagrangian bound, then the MIP; ``time_limit=60``) is timed
against :func:`yingji.mclp` on the same matrix, weights and ``p`` (the peer column): what counting
busy units costs over plain coverage. The quick tier also solves the textbook MEXCLP in PuLP + CBC
(Daskin's model, one variable per row and level) on a small instance and checks the objective.

Full tier: 5,000 × 300 (p = 20) and 20,000 × 1,000 (p = 40), the sizes of issue 22.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite
from benchmarks.suites.siting_coverage import _clustered_xy, _minutes

BUSY = 0.3
RADIUS = 8.0


def _warm():
    import yingji as yj

    c = np.array([[1.0, 9.0, 3.0], [9.0, 1.0, 3.0], [2.0, 2.0, 9.0]])
    yj.mclp(c, 2.5, 2)
    yj.mexclp(c, 2.5, 2, busy=BUSY)


def _setup(n, m, p, seed=0):
    _warm()
    xy_d, xy_s, w = _clustered_xy(n, m, seed)
    return {"cost": _minutes(xy_d, xy_s), "w": w, "p": p}


def _run(s, method="auto"):
    import yingji as yj

    r = yj.mexclp(s["cost"], RADIUS, s["p"], weights=s["w"], busy=BUSY, max_per_site=1, method=method, time_limit=60)
    s["obj"], s["r"] = r.objective, r
    return {"objective": r.objective, "bound": r.bound, "gap": r.gap, "status": r.status,
            "expected_share": r.extras["expected_share"], "covered_share": r.covered / float(s["w"].sum()),
            "levels": r.extras["levels"], "seconds_reported": r.seconds}


def _mclp_peer(s):
    import yingji as yj

    r = yj.mclp(s["cost"], RADIUS, s["p"], weights=s["w"], time_limit=60)
    s["mclp"] = r
    return {"objective": r.objective, "gap": r.gap, "status": r.status}


def _mclp_check(s):
    import yingji as yj

    r, mc = s["r"], s["mclp"]
    # the MCLP sites' expected coverage: what planning for busy units gains
    mc_exp = yj.siting.expected_coverage(s["cost"], RADIUS, mc.sites, weights=s["w"], busy=BUSY)
    return {"mclp_expected": mc_exp, "mexclp_expected": r.objective,
            "expected_gain_share": (r.objective - mc_exp) / float(s["w"].sum()),
            "mexclp_not_worse": bool(r.objective >= mc_exp - 1e-6 * max(1.0, mc_exp))}


def _pulp_peer(s):
    import pulp

    A = s["cost"] <= RADIUS + 1e-9
    n, m = A.shape
    p = s["p"]
    prob = pulp.LpProblem("mexclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(m)]
    levels = [min(p, int(A[i].sum())) for i in range(n)]
    y = {(i, k): pulp.LpVariable(f"y{i}_{k}", lowBound=0, upBound=1) for i in range(n) for k in range(levels[i])}
    prob += pulp.lpSum(float(s["w"][i]) * (1 - BUSY) * BUSY ** k * y[i, k] for (i, k) in y)
    for i in range(n):
        if levels[i]:
            prob += pulp.lpSum(y[i, k] for k in range(levels[i])) <= pulp.lpSum(x[j] for j in np.nonzero(A[i])[0])
    prob += pulp.lpSum(x) <= p
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=120))
    s["peer_obj"] = float(pulp.value(prob.objective))
    return {"objective": s["peer_obj"], "status": pulp.LpStatus[prob.status]}


def _pulp_check(s):
    return {"same_objective": abs(s["obj"] - s["peer_obj"]) <= 1e-5 * max(1.0, abs(s["obj"]))}


def _case(name, n, m, p, *, peer="mclp", method="auto"):
    kw = dict(peer=_mclp_peer, check=_mclp_check, peer_name="yingji.mclp (plain MCLP, same instance)") \
        if peer == "mclp" else dict(peer=_pulp_peer, check=_pulp_check, peer_name="PuLP + CBC (Daskin's model)")
    return Case(name, setup=partial(_setup, n, m, p), run=partial(_run, method=method),
                params={"n_demand": n, "n_sites": m, "p": p, "busy": BUSY, "radius_min": RADIUS, "layout": "clustered",
                        "seed": 0, "method": method, "time_limit": 60},
                description=f"MEXCLP {n} x {m}, p={p}, q={BUSY}, method={method}", **kw)


SUITE = Suite(
    "siting_availability",
    quick=[_case("mexclp_1k_100_cbc", 1000, 100, 8, peer="pulp"), _case("mexclp_2k_200", 2000, 200, 10)],
    full=[_case("mexclp_5k_300", 5000, 300, 20), _case("mexclp_20k_1k", 20_000, 1000, 40),
          _case("mexclp_20k_1k_heur", 20_000, 1000, 40, method="heuristic")],
    budget_s=180,
    full_budget_s=1200,
    description="MEXCLP (busy units) next to MCLP; textbook MEXCLP in PuLP/CBC on the quick instance",
)
