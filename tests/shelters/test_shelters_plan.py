"""yj.shelters.plan: against brute force, shelters everyone it claims, budget, trade-off."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naive_shelters import brute_plan
from yingji.shelters import ShelterAssessment, ShelterPlan, is_feasible_assignment, plan


def _tables(seed, n, e, q):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"population": rng.integers(0, 40, n).astype(float),
                           "township": rng.choice(["A", "B"], n)},
                          index=[f"d{i}" for i in range(n)])
    shelters = pd.DataFrame({"shelter_class": rng.choice(["emergency", "fixed"], e),
                             "area_m2": rng.integers(0, 60, e) * 1.5},
                            index=[f"s{i}" for i in range(e)])
    cands = pd.DataFrame({"shelter_class": rng.choice(["emergency", "fixed"], q),
                          "area_m2": rng.integers(1, 60, q) * 1.5,
                          "cost": rng.integers(1, 9, q).astype(float), "uses": "shelter"},
                         index=[f"c{i}" for i in range(q)])
    ids = list(shelters.index) + list(cands.index)
    D = rng.integers(0, 4000, (n, e + q)).astype(float)
    D[rng.random(D.shape) < 0.2] = np.inf
    dist = pd.DataFrame(D, index=demand.index, columns=ids)
    return demand, shelters, cands, dist


def _arrays(p: ShelterPlan, demand, shelters, cands, dist):
    cls = list(shelters["shelter_class"]) + list(cands["shelter_class"])
    r = np.array([500.0 if c == "emergency" else 3000.0 for c in cls])
    K = np.concatenate([shelters["area_m2"], cands["area_m2"]]) / 1.5
    return demand["population"].to_numpy(float), np.floor(K + 1e-9), dist.to_numpy(), r


@settings(max_examples=25)
@given(st.integers(0, 2**31 - 1), st.integers(1, 6), st.integers(0, 2), st.integers(0, 4))
def test_plan_matches_brute_force(seed, n, e, q):
    demand, shelters, cands, dist = _tables(seed, n, e, q)
    p = plan(demand=demand, shelters=shelters, candidates=cands, distances=dist,
             curve_points=0, time_limit=20)
    P, K, D, r = _arrays(p, demand, shelters, cands, dist)
    people, cost = brute_plan(P, K, D, r, cands["cost"].to_numpy(float), len(shelters))
    assert p.target == pytest.approx(people)
    assert p.cost == pytest.approx(cost)
    assert p.optimal
    # the plan really shelters everyone it claims (re-assessed, not assumed)
    assert p.after.sheltered >= p.target - 1e-6
    assert p.sheltered >= p.target - 1e-6
    assert set(p.new_shelters) <= set(cands.index)
    assert list(p.after.shelters.index) == list(shelters.index) + p.new_shelters


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1), st.integers(0, 12))
def test_budget_matches_brute_force(seed, budget):
    demand, shelters, cands, dist = _tables(seed, 5, 1, 4)
    p = plan(demand=demand, shelters=shelters, candidates=cands, distances=dist,
             budget=float(budget), curve_points=0, time_limit=20)
    P, K, D, r = _arrays(p, demand, shelters, cands, dist)
    people, cost = brute_plan(P, K, D, r, cands["cost"].to_numpy(float), len(shelters),
                              budget=float(budget))
    assert p.sheltered == pytest.approx(people)
    assert p.cost == pytest.approx(cost)
    assert p.cost <= budget + 1e-9
    assert p.after.sheltered >= p.sheltered - 1e-6


def test_plan_on_county(line_county):
    p = plan(line_county)
    # c2 has no shelter use; c0 (3000 m² at d0, emergency) and c1 (1500 m² at d1)
    assert list(p.candidates.index) == ["c0", "c1"]
    assert p.before.sheltered == 4000 and p.new_shelters == [] and p.cost == 0
    sh = line_county.shelters.copy()
    sh.loc["s1", "area_m2"] = 1500.0  # 1000 places: 1800 people wait
    p = plan(line_county, shelters=sh)
    assert isinstance(p.after, ShelterAssessment)
    # d2 (2000) reaches only s1 (1000 places) and c1 (1000, 500 m): c1 is needed; then the
    # 3200 places are short of 4000, so c0 (2000 places) too: cost 5 + 3
    assert p.target == 4000 and p.after.sheltered == 4000
    assert p.new_shelters == ["c0", "c1"] and p.cost == 8 and p.optimal
    assert p.after.sheltered_share == 1.0
    assert p.before.sheltered == 2200
    json.dumps(p.to_dict())
    assert "new shelters" in p.summary()


def test_plan_grid_everyone_claimed(grid_county):
    p = plan(grid_county, curve_points=3, time_limit=30)
    assert "c7" not in p.candidates.index  # a depot candidate
    a = p.after
    F = np.zeros((len(a.demand), len(a.shelters)))
    np.add.at(F, (a.demand.index.get_indexer(a.assignment["demand"]),
                  a.shelters.index.get_indexer(a.assignment["shelter"])),
              a.assignment["people"].to_numpy(float))
    net = grid_county.network
    nodes = pd.concat([grid_county.shelters["node"], grid_county.candidates["node"]])
    D = net.distances(grid_county.demand["node"].tolist(), nodes.loc[a.shelters.index].tolist())
    assert is_feasible_assignment(F, a.demand["population"], a.shelters["capacity"], D,
                                  a.shelters["radius_m"])
    assert a.sheltered >= p.target - 1e-6
    assert p.target == pytest.approx(a.population - p.unreachable["unshelterable"].sum())
    t = p.tradeoff
    assert (np.diff(t["sheltered"].to_numpy()) >= -1e-6).all()
    assert (t["cost"] <= t["budget"] + 1e-9).all()
    assert t["sheltered"].iloc[0] == pytest.approx(p.before.sheltered)
    assert t["sheltered"].iloc[-1] == pytest.approx(p.sheltered)
    with ThreadPoolExecutor(2) as ex:
        p2 = plan(grid_county, curve_points=3, time_limit=30, executor=ex)
    assert p2.tradeoff["sheltered"].tolist() == pytest.approx(t["sheltered"].tolist())
    assert p2.cost == pytest.approx(p.cost)


def test_candidate_class_inference(line_county):
    c = line_county.candidates.copy()
    c.loc["c0", "area_m2"] = 20000.0  # >= 1 hm2: fixed
    p = plan(line_county, candidates=c, curve_points=0)
    assert p.candidates.loc["c0", "shelter_class"] == "fixed"
    assert p.candidates.loc["c1", "shelter_class"] == "emergency"
    p = plan(line_county, candidates=c, candidate_class="emergency", curve_points=0)
    assert p.candidates["shelter_class"].eq("emergency").all()


def test_plan_plot(line_county):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    sh = line_county.shelters.copy()
    sh.loc["s1", "area_m2"] = 1500.0
    p = plan(line_county, shelters=sh, curve_points=2)
    ax = p.plot(kind="tradeoff")
    assert ax.get_xlabel().startswith("cost")
    ax = p.plot()  # the county map style
    assert ax.get_xlabel() == "x (km)" and ax.get_title().startswith("Shelter plan: 2 new")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_max_flow_and_drop_heuristic_against_networkx():
    from naive_shelters import max_people
    from yingji.shelters.model import _drop_heuristic, _knapsack_bound, _MaxFlow
    from yingji.siting.assignment import _pairs

    rng = np.random.default_rng(11)
    for _ in range(10):
        n, e, q = 8, 2, 5
        P = rng.integers(0, 40, n).astype(float)
        K = rng.integers(0, 50, e + q).astype(float)
        D = rng.uniform(0, 1000, (n, e + q))
        r = np.full(e + q, 600.0)
        ii, jj = _pairs(D, r, P, K)
        mf = _MaxFlow(P, K, ii, jj)
        is_open = rng.random(e + q) < 0.6
        val, x = mf.run(is_open)
        keep = np.nonzero(is_open)[0]
        assert val == pytest.approx(max_people(P, K[keep], D[:, keep], r[keep]))
        assert x.sum() == pytest.approx(val)
        assert (x[~is_open[jj]] == 0).all()
        cost = rng.integers(1, 9, q).astype(float)
        target = mf.run(np.ones(e + q, bool))[0]
        h = _drop_heuristic(P, K, D, r, cost, e, target, np.arange(q), 10.0)
        chosen, xh = h
        keep = np.concatenate([np.arange(e), e + chosen])
        assert max_people(P, K[keep], D[:, keep], r[keep]) == pytest.approx(target)
        assert xh.sum() == pytest.approx(target)
        # the knapsack bound never exceeds the true optimum
        opt = brute_plan(P, K, D, r, cost, e)[1]
        assert _knapsack_bound(K[e:], cost, target - mf.run(np.arange(e + q) < e)[0]) <= opt + 1e-9
    assert _drop_heuristic(P + 0.5, K, D, r, cost, e, target, np.arange(q), 10.0) is None


def test_fork_process_pool_does_not_hang(tmp_path):
    """A fork-context process pool after HiGHS ran in the parent (HiGHS scheduler reset)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent('''
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        import numpy as np, pandas as pd
        from yingji.shelters import plan
        rng = np.random.default_rng(1)
        dem = pd.DataFrame({"population": rng.integers(1, 40, 6).astype(float)},
                           index=[f"d{i}" for i in range(6)])
        sh = pd.DataFrame({"shelter_class": ["emergency"], "area_m2": [30.0]}, index=["s0"])
        ca = pd.DataFrame({"shelter_class": ["emergency"] * 3, "area_m2": [60.0, 90.0, 45.0],
                           "cost": [3.0, 5.0, 2.0]}, index=["c0", "c1", "c2"])
        dist = pd.DataFrame(rng.integers(0, 600, (6, 4)).astype(float), index=dem.index,
                            columns=["s0", "c0", "c1", "c2"])
        kw = dict(demand=dem, shelters=sh, candidates=ca, distances=dist, curve_points=3)
        a = plan(**kw)
        with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
            b = plan(**kw, executor=ex)
        assert a.tradeoff["sheltered"].tolist() == b.tradeoff["sheltered"].tolist()
        print("ok")
    ''')
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().endswith("ok")


def test_formulation_options_agree(grid_county):
    base = plan(grid_county, curve_points=0, time_limit=30)
    weak = plan(grid_county, curve_points=0, strong=False, time_limit=30)
    lex = plan(grid_county, curve_points=0, method="lexicographic", time_limit=30)
    assert weak.cost == pytest.approx(base.cost) and lex.cost == pytest.approx(base.cost)
    assert lex.after.person_metres == pytest.approx(base.after.person_metres)
    from yingji import ValidationError

    with pytest.raises(ValidationError, match="'strong' parameter of plan must be True, False "
                                              "or 'auto'"):
        plan(grid_county, strong="yes")
    with pytest.raises(ValidationError, match="'method' parameter of plan must be 'weighted' or "
                                              "'lexicographic'"):
        plan(grid_county, method="exact")
