"""supplies.transfer is exactly lexicographic: the most priority-weighted demand met, then least cost.

Oracle: an independent two-stage LP written here with ``scipy.optimize.linprog`` on a formulation
of its own (met quantities per depot and demand row, stock per depot and item): maximise the
priority-weighted met demand, then minimise m³·minutes with that level held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from yingji.exceptions import ValidationError
from yingji.supplies import transfer


def _oracle(depots, stock, demands, times, vol):
    pairs = [(j, r) for r in range(len(demands)) for j, d in enumerate(depots)
             if np.isfinite(times.loc[d, demands["destination"].iloc[r]])
             and stock.query("depot == @d and item == @demands['item'].iloc[@r]")["quantity"].sum() > 0]
    n = len(pairs)
    pri = demands["priority"].to_numpy(float)
    qty = demands["quantity"].to_numpy(float)
    met_w = np.array([pri[r] for j, r in pairs])
    cost = np.array([vol[demands["item"].iloc[r]] * times.loc[depots[j], demands["destination"].iloc[r]]
                     for j, r in pairs])
    A, b = [], []
    for r in range(len(demands)):  # met at most the demand of the row
        A.append([1.0 if rr == r else 0.0 for j, rr in pairs]); b.append(qty[r])
    for j, d in enumerate(depots):  # at most the stock of each item at each depot
        for it in demands["item"].unique():
            cap = stock.query("depot == @d and item == @it")["quantity"].sum()
            A.append([1.0 if (jj == j and demands["item"].iloc[rr] == it) else 0.0 for jj, rr in pairs]); b.append(cap)
    A, b = np.array(A), np.array(b)
    s1 = linprog(-met_w, A_ub=A, b_ub=b, bounds=(0, None), method="highs")
    z = -s1.fun
    s2 = linprog(cost, A_ub=np.vstack([A, -met_w]), b_ub=np.r_[b, -z * (1 - 1e-10)], bounds=(0, None),
                 method="highs")
    return z, float(s2.fun)


def _figures(tp, demands, times, vol):
    pri = dict(zip(zip(demands["destination"], demands["item"]), demands["priority"]))
    met = tp.shipments.apply(lambda r: pri[(r["destination"], r["item"])] * r["quantity"], axis=1).sum() \
        if len(tp.shipments) else 0.0
    cost = (tp.shipments["quantity"] * tp.shipments["minutes"] * tp.shipments["item"].map(vol)).sum()
    return float(met), float(cost)


def test_chain_of_depots_every_unit_delivered():
    """A chain: the near depot of each town is the far depot of the next; delivering the last unit
    needs every depot's stock moved one step along the chain (long routes, low priority)."""
    k = 6
    depots = [f"D{i}" for i in range(k)]
    towns = [f"T{i}" for i in range(k)]
    T = np.full((k, k), np.inf)
    for i in range(k):
        T[i, i] = 1.0             # the town's own depot, cheap
        T[(i + 1) % k, i] = 100.0  # the next depot, a long route
    times = pd.DataFrame(T, index=depots, columns=towns)
    stock = pd.DataFrame({"depot": depots, "item": "tent", "quantity": [10.0] * k})
    stock.loc[0, "quantity"] = 9.0   # one short at D0 ...
    stock.loc[1, "quantity"] = 11.0  # ... one spare at D1, which only reaches T1 and T0
    demands = pd.DataFrame({"destination": towns, "item": "tent", "quantity": [10.0] * k,
                            "priority": [0.05] * k})
    tp = transfer(None, demands, stock=stock, depots=pd.DataFrame(index=depots), times=times)
    assert tp.optimal and len(tp.unmet) == 0
    assert tp.shipments["quantity"].sum() == pytest.approx(60.0)
    # the spare unit at D1 goes to T0 over the 100-minute route
    assert tp.objective == pytest.approx(59 * 1.0 + 1 * 100.0)


def test_low_priority_long_route_is_still_served():
    times = pd.DataFrame([[100.0]], index=["D"], columns=["far"])
    stock = pd.DataFrame({"depot": ["D"], "item": ["water"], "quantity": [50.0]})
    demands = pd.DataFrame({"destination": ["far"], "item": ["water"], "quantity": [30.0], "priority": [0.05]})
    tp = transfer(None, demands, stock=stock, depots=pd.DataFrame(index=["D"]), times=times)
    assert len(tp.unmet) == 0 and tp.shipments["quantity"].sum() == pytest.approx(30.0)


@pytest.mark.parametrize("seed", range(12))
def test_matches_two_stage_lp(seed):
    rng = np.random.default_rng(seed)
    nd, nt = int(rng.integers(2, 6)), int(rng.integers(2, 7))
    depots = [f"D{i}" for i in range(nd)]
    towns = [f"T{i}" for i in range(nt)]
    T = np.round(rng.uniform(1, 150, (nd, nt)), 1)
    T[rng.random((nd, nt)) < 0.3] = np.inf  # some routes cut
    times = pd.DataFrame(T, index=depots, columns=towns)
    items = ["water", "tent"]
    vol = {"water": 0.001, "tent": 0.2}
    stock = pd.DataFrame([{"depot": d, "item": it, "quantity": float(rng.integers(0, 40))}
                          for d in depots for it in items])
    rows = [{"destination": t, "item": it, "quantity": float(rng.integers(1, 50)),
             "priority": float(rng.choice([0.01, 0.05, 0.3, 1.0, 5.0]))}
            for t in towns for it in items if rng.random() < 0.8]
    demands = pd.DataFrame(rows)
    it_tab = pd.DataFrame({"unit_volume": [vol[i] for i in items], "per_person_per_day": 1.0, "days": 1.0},
                          index=items)
    tp = transfer(None, demands, stock=stock, depots=pd.DataFrame(index=depots), times=times, items=it_tab)
    z, c = _oracle(depots, stock, demands, times, vol)
    met, cost = _figures(tp, demands, times, vol)
    assert tp.optimal
    assert met == pytest.approx(z, rel=1e-9, abs=1e-9)
    assert cost == pytest.approx(c, rel=1e-7, abs=1e-9)
    assert tp.objective == pytest.approx(cost, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "high"])
def test_bad_priority_named(bad):
    times = pd.DataFrame([[5.0]], index=["D"], columns=["t"])
    stock = pd.DataFrame({"depot": ["D"], "item": ["water"], "quantity": [5.0]})
    demands = pd.DataFrame({"destination": ["t"], "item": ["water"], "quantity": [3.0], "priority": [bad]})
    with pytest.raises(ValidationError, match="priority"):
        transfer(None, demands, stock=stock, depots=pd.DataFrame(index=["D"]), times=times)


def _per_class_oracle(depots, stock, demands, times):
    """Unmet quantity per priority, highest first, by an independent LP per item and class."""
    out = {}
    for it in demands["item"].unique():
        d = demands[demands["item"] == it].reset_index(drop=True)
        pairs = [(j, r) for r in range(len(d)) for j, dep in enumerate(depots)
                 if np.isfinite(times.loc[dep, d.loc[r, "destination"]])]
        A = [[1.0 if rr == r else 0.0 for j, rr in pairs] for r in range(len(d))]
        A += [[1.0 if jj == j else 0.0 for jj, rr in pairs] for j in range(len(depots))]
        b = list(d["quantity"]) + [stock[(stock.depot == dep) & (stock.item == it)].quantity.sum() for dep in depots]
        A, b = np.array(A).reshape(len(b), len(pairs)), np.array(b)
        for p in sorted(d["priority"].unique(), reverse=True):
            c = np.array([float(d.loc[r, "priority"] == p) for j, r in pairs])
            s = linprog(-c, A_ub=A, b_ub=b, bounds=(0, None), method="highs") if len(pairs) else None
            met = -s.fun if s is not None else 0.0
            out[p] = out.get(p, 0.0) + d.loc[d["priority"] == p, "quantity"].sum() - met
            if len(pairs):
                A, b = np.vstack([A, -c]), np.r_[b, -met + 1e-7]
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("prios", [(0.1, 1000.0), (1e-6, 1e4, 1.0), (1e-9, 0.05, 3.0)])
def test_wide_priority_ranges_and_large_quantities(seed, prios):
    """Priorities 10^4..10^13 apart and quantities to 1.5e5: each class met as far as stock reaches."""
    rng = np.random.default_rng(seed)
    nd, nt = int(rng.integers(2, 7)), int(rng.integers(3, 10))
    depots = [f"D{i}" for i in range(nd)]
    towns = [f"T{i}" for i in range(nt)]
    T = np.round(rng.uniform(5, 900, (nd, nt)), 1)
    T[rng.random((nd, nt)) < 0.4] = np.inf
    times = pd.DataFrame(T, index=depots, columns=towns)
    items = ["water", "tent"]
    stock = pd.DataFrame([{"depot": d, "item": it, "quantity": float(rng.integers(0, 200000 if it == "water" else 2000))}
                          for d in depots for it in items])
    demands = pd.DataFrame([{"destination": t, "item": it,
                             "quantity": float(rng.integers(1, 150000 if it == "water" else 1500)),
                             "priority": float(rng.choice(prios))}
                            for t in towns for it in items if rng.random() < 0.7])
    it_tab = pd.DataFrame({"unit_volume": [0.0015, 0.2], "per_person_per_day": 1.0, "days": 1.0}, index=items)
    tp = transfer(None, demands, stock=stock, depots=pd.DataFrame(index=depots), times=times, items=it_tab)
    want = _per_class_oracle(depots, stock, demands, times)
    got = tp.unmet.groupby("priority")["quantity"].sum().to_dict()
    for p, v in want.items():
        assert got.get(p, 0.0) == pytest.approx(v, abs=1e-6), (p, got, want)
    assert tp.optimal


@pytest.mark.parametrize("objective", ["cost", "time"])
def test_tiny_priority_beside_a_large_one(objective):
    times = pd.DataFrame([[1.0, 100.0]], index=["D"], columns=["near", "far"])
    stock = pd.DataFrame({"depot": ["D"], "item": ["water"], "quantity": [50.0]})
    dem = pd.DataFrame({"destination": ["near", "far"], "item": ["water"] * 2, "quantity": [10.0, 5.0],
                        "priority": [1.0, 1e-9]})
    tp = transfer(None, dem, stock=stock, depots=pd.DataFrame(index=["D"]), times=times, objective=objective)
    assert len(tp.unmet) == 0 and tp.shipments["quantity"].sum() == 15.0
    assert tp.max_minutes == 100.0
