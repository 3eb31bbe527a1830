"""Supplies suite: two-stage prepositioning, L-shaped decomposition against the deterministic
equivalent as the number of scenarios grows (10, 100, 1,000).

The instance is synthetic and seeded: 15 townships, 4 existing depots, 10 candidate depots,
6 items, scenarios with random demand multipliers and closed depots. ``run`` is the multi-cut
L-shaped method (``method="benders"``), the peer is the deterministic equivalent
(``method="extensive"``), one sparse MIP solved by HiGHS, both from yingji; ``check`` compares
their expected costs.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite


def _instance(n_scen: int, seed: int = 0):
    from types import SimpleNamespace

    import pandas as pd

    from yingji.supplies import Scenarios

    rng = np.random.default_rng(seed)
    n_t, n_d, n_c, n_k = 15, 4, 10, 6
    tw = [f"T{i:02d}" for i in range(n_t)]
    demand = pd.DataFrame({"population": rng.integers(5_000, 60_000, n_t), "township": tw, "node": np.arange(n_t),
                           "risk": rng.choice(["normal", "high"], n_t)}, index=[f"d{i}" for i in range(n_t)])
    items = pd.DataFrame({"per_person_per_day": [15.0, 1.0, 0.25, 3.0, 0.1, 1.0], "days": [3, 3, 1, 3, 1, 1],
                          "unit_volume": [0.001, 0.0005, 0.1, 0.002, 0.01, 0.02],
                          "unit_cost": [0.002, 2.0, 400.0, 5.0, 50.0, 80.0]},
                         index=["water", "food", "tent", "ration", "medkit", "quilt"])
    depots = pd.DataFrame({"node": rng.integers(0, n_t, n_d), "capacity": rng.uniform(200, 600, n_d),
                           "open_cost": 0.0}, index=[f"D{i}" for i in range(n_d)])
    cands = pd.DataFrame({"node": rng.integers(0, n_t, n_c), "cost": rng.uniform(2e5, 8e5, n_c),
                          "uses": "depot"}, index=[f"C{i}" for i in range(n_c)])
    stock = pd.DataFrame({"depot": np.repeat(depots.index, n_k), "item": np.tile(items.index, n_d),
                          "quantity": rng.uniform(0, 2000, n_d * n_k), "expires": None})
    county = SimpleNamespace(demand=demand, items=items, depots=depots, candidates=cands, stock=stock, network=None)
    sites = list(depots.index) + list(cands.index)
    times = pd.DataFrame(rng.uniform(5, 240, (len(sites), n_t)), index=sites, columns=tw)
    per = (items["per_person_per_day"] * items["days"]).to_numpy()
    ids = [f"S{i:04d}" for i in range(n_scen)]
    recs, closed = [], {}
    for s in ids:
        mult = rng.gamma(0.6, 0.1, n_t) * (rng.random(n_t) < 0.4)
        people = demand["population"].to_numpy() * np.minimum(mult, 0.8)
        for t, n in zip(tw, people):
            if n > 0:
                for k, v in zip(items.index, per):
                    recs.append((s, t, k, float(n * v)))
        closed[s] = [d for d in depots.index if rng.random() < 0.1]
    sc = Scenarios(pd.Series(1.0 / n_scen, index=ids), pd.DataFrame(recs, columns=["scenario", "township", "item", "quantity"]),
                   closed_depots=closed)
    return county, sc, times


def _setup(n_scen):
    county, sc, times = _instance(n_scen)
    return {"county": county, "scen": sc, "times": times}


def _run(s):
    from yingji.supplies import preposition

    p = preposition(s["county"], s["scen"], times=s["times"], method="benders", vss=False, time_limit=600, mip_gap=1e-5)
    s["obj"] = p.expected_cost
    return {"expected_cost": round(p.expected_cost, 2), "gap": p.gap, "iterations": p.iterations, "status": p.status}


def _peer(s):
    from yingji.supplies import preposition

    p = preposition(s["county"], s["scen"], times=s["times"], method="extensive", vss=False, time_limit=600, mip_gap=1e-5)
    s["peer_obj"] = p.expected_cost
    return {"expected_cost": round(p.expected_cost, 2), "gap": p.gap, "status": p.status}


def _check(s):
    return {"rel_diff": abs(s["obj"] - s["peer_obj"]) / max(1.0, abs(s["peer_obj"]))}


def _case(n):
    return Case(f"preposition_{n}_scenarios", setup=partial(_setup, n), run=_run, peer=_peer, check=_check,
                peer_name="yingji deterministic equivalent (HiGHS)",
                params={"scenarios": n, "townships": 15, "sites": 14, "items": 6, "seed": 0},
                description=f"two-stage prepositioning, {n} scenarios: L-shaped vs deterministic equivalent")


SUITE = Suite(
    "supplies",
    quick=[_case(10), _case(100)],
    full=[_case(1000)],
    budget_s=240,
    full_budget_s=1500,
    description="Two-stage supply prepositioning: decomposition vs deterministic equivalent",
)
