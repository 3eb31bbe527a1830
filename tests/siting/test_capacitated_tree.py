"""Lagrangian branch-and-bound of capacitated facility location (yingji.siting._cap_bnb, issue 5):
the tree against HiGHS on the strong formulation, valid bounds, time limits and the MIP fallback."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji.siting._cap_lagrangian as lag
import yingji.siting._capacitated_models as cmodels
import yingji.siting.capacitated as cm
from yingji.siting._cap_bnb import compress_knapsack, cflp_tree
from yingji.siting.capacitated import capacitated_location


def _inst(n, m, seed, tight=1.3, spread=True):
    rng = np.random.default_rng(seed)
    xy_d = rng.uniform(0, 100, (n, 2))
    xy_s = rng.uniform(0, 100, (m, 2))
    d = rng.integers(1, 20, n).astype(float)
    C = d[:, None] * np.sqrt(((xy_d[:, None] - xy_s[None]) ** 2).sum(-1))
    base = np.ceil(tight * d.sum() / max(1, m // 3))
    cap = base * rng.uniform(0.6, 1.4, m).round(1) if spread else np.full(m, base)
    f = rng.uniform(200, 800, m)
    return C, d, cap, f


def _tree_from_scratch(C, d, cap, f, fixed=(), deadline_s=30.0, mip_gap=1e-6):
    """Run the tree from a poor start (every site open, multipliers at the second-cheapest cost), so
    that it has to branch."""
    n, m = C.shape
    fm = np.zeros(m, dtype=bool)
    fm[list(fixed)] = True
    sites = np.arange(m)
    tc, Xs = cm._transport(C, d, cap, sites, 10)
    UB = tc + f.sum()
    a, b = cm._knapsack_data(d, cap)
    kn = (a, b, np.where(fm, 1, -1).astype(np.int64))
    u0 = np.sort(C, axis=1)[:, 1].copy()
    tol = mip_gap * UB
    return cm._run_tree(C, d, cap, f, fm, u0, kn, UB, sites, Xs, -np.inf, time.perf_counter() + deadline_s, tol)


@settings(max_examples=15)
@given(st.integers(0, 10_000), st.sampled_from([1.05, 1.3, 2.0]), st.booleans(), st.booleans())
def test_tree_agrees_with_strong_formulation(seed, tight, spread, with_fixed):
    C, d, cap, f = _inst(50, 12, seed, tight, spread)
    fixed = [int(seed % 12)] if with_fixed else []
    ref = capacitated_location(C, d, cap, f, method="mip", fixed=fixed or None, time_limit=30)
    assert ref.optimal
    tree = _tree_from_scratch(C, d, cap, f, fixed)
    assert tree.finished
    assert tree.UB == pytest.approx(ref.objective, rel=1e-6)
    assert tree.bound <= ref.objective + 1e-6 * ref.objective  # a valid bound
    assert tree.bound >= tree.UB - 1e-6 * tree.UB  # and a proof
    # the incumbent is what it claims: its allocation costs UB and fits the capacities
    X = np.zeros_like(C)
    X[:, tree.sites] = tree.Xs
    assert np.allclose(X.sum(axis=1), 1.0)
    assert np.all(d @ X <= cap + 1e-6 * cap.max())
    used = tree.sites
    assert float((X * C).sum() + f[used].sum()) == pytest.approx(tree.UB, rel=1e-9)
    assert set(fixed) <= set(used.tolist())


def test_tree_branches_and_keeps_the_bound_valid_when_stopped():
    C, d, cap, f = _inst(80, 20, 4, 1.1)
    ref = capacitated_location(C, d, cap, f, method="mip", time_limit=60)
    full = _tree_from_scratch(C, d, cap, f)
    assert full.finished and full.nodes > 5
    assert full.UB == pytest.approx(ref.objective, rel=1e-6)
    for nodes in (0, 1, 3):
        # stopped after a few nodes: not finished, and the bound (open nodes included) stays below the optimum
        n, m = C.shape
        sites = np.arange(m)
        tc, Xs = cm._transport(C, d, cap, sites, 10)
        a, b = cm._knapsack_data(d, cap)

        def price(mask):
            S = np.nonzero(cm._repair(mask, f, cap, d.sum()))[0]
            v, X = cm._transport(C, d, cap, S, 10)
            return (v + f[S].sum(), S, X) if X is not None else (np.inf, None, None)

        r = cflp_tree(C, d, cap, f, np.full(m, -1, dtype=np.int64), a, b, np.sort(C, axis=1)[:, 1].copy(),
                      tc + f.sum(), sites, Xs, price, time.perf_counter() + 30, 1e-6, max_nodes=nodes)
        assert not r.finished and r.nodes == nodes
        assert r.bound <= ref.objective + 1e-6 * ref.objective
        assert r.UB >= ref.objective - 1e-6 * ref.objective


def test_tree_with_no_time_returns_the_start():
    C, d, cap, f = _inst(30, 8, 2)
    r = _tree_from_scratch(C, d, cap, f, deadline_s=-1.0)
    assert not r.finished and r.nodes == 0 and r.bound == -np.inf


def test_compress_knapsack_divides_by_the_gcd():
    a, b = compress_knapsack(np.array([6, 12, 0, 18]), 25)
    assert a.tolist() == [1, 2, 0, 3] and b == 5
    a, b = compress_knapsack(np.array([5, 7]), 9)
    assert a.tolist() == [5, 7] and b == 9
    a, b = compress_knapsack(np.array([0, 0]), 3)
    assert a.tolist() == [0, 0] and b == 3


@pytest.fixture(scope="module")
def mid():
    """100 x 25 instance on which the root leaves a gap, so the tree runs; with HiGHS's optimum."""
    C, d, cap, f = _inst(100, 25, 4, 1.1)
    ref = capacitated_location(C, d, cap, f, method="mip", time_limit=60)
    assert ref.optimal
    return C, d, cap, f, ref


def test_public_route_reports_the_tree(mid):
    C, d, cap, f, ref = mid
    r = capacitated_location(C, d, cap, f, method="lagrangian", time_limit=60)
    assert r.optimal and r.objective == pytest.approx(ref.objective, rel=1e-6)
    assert r.bound <= ref.objective * (1 + 1e-6)
    assert r.method == "lagrangian+tree"
    assert r.extras["tree_finished"] and r.extras["tree_nodes"] > 1


def test_mip_fallback_when_the_tree_gets_no_time(monkeypatch, mid):
    C, d, cap, f, ref = mid
    monkeypatch.setattr(lag, "_TREE_SHARE", 0.0)
    r = capacitated_location(C, d, cap, f, method="lagrangian", time_limit=60)
    assert r.method == "lagrangian+exact" and not r.extras["tree_finished"]
    assert r.optimal and r.objective == pytest.approx(ref.objective, rel=1e-6)


def test_mip_fallback_skipped_without_time_keeps_status_honest(monkeypatch, mid):
    C, d, cap, f, ref = mid
    monkeypatch.setattr(lag, "_TREE_SHARE", 0.0)
    monkeypatch.setattr(lag, "_HIGHS_SETUP_NNZ_PER_S", 0.0)  # the Lagrangian route's reduced-MIP guard
    r = capacitated_location(C, d, cap, f, method="lagrangian", time_limit=60)
    assert r.bound <= ref.objective + 1e-6 * ref.objective
    assert r.objective >= ref.objective - 1e-6 * ref.objective
    assert r.optimal == (r.gap <= 1e-6)
    assert r.method == "lagrangian+tree" and r.extras["mip_status"] == "skipped"


def test_transport_pricing_shortest_paths_agree_with_highs(monkeypatch):
    C, d, cap, f = _inst(80, 20, 5, 1.1)
    sites = np.array([0, 3, 5, 8, 11, 14, 17])
    fast, Xf = cm._transport(C, d, cap, sites, 10)
    monkeypatch.setattr(cmodels, "_SSP_MAX_SITES", 0)  # HiGHS's transportation LP only
    lp, Xl = cm._transport(C, d, cap, sites, 10)
    assert np.isfinite(fast) and fast == pytest.approx(lp, rel=1e-9)
    for X in (Xf, Xl):
        assert np.allclose(X.sum(axis=1), 1.0) and np.all(d @ X <= cap[sites] + 1e-6)
    monkeypatch.setattr(cmodels, "_SSP_MAX_SITES", 60)
    # no time for the shortest paths: HiGHS answers
    slow, _ = cm._transport(C, d, cap, sites, 0.0)
    assert slow == pytest.approx(lp, rel=1e-9)
    # too little capacity: infeasible either way
    inf, X = cm._transport(C, d, cap, sites[:1], 10)
    assert np.isinf(inf) and X is None


@settings(max_examples=10)
@given(st.integers(0, 10_000), st.booleans())
def test_uncapacitated_through_the_tree_matches_the_sorted_cost_mip(seed, with_fixed):
    """capacity=None, method="lagrangian": the tree with never-binding capacities reaches the
    proven optimum of the uncapacitated (Elloumi) MIP."""
    C, d, _, f = _inst(40, 10, seed)
    fixed = [seed % 10] if with_fixed else None
    a = capacitated_location(C, d, None, f, fixed=fixed, method="lagrangian", time_limit=30)
    b = capacitated_location(C, d, None, f, fixed=fixed, method="mip", time_limit=30)
    assert a.optimal and b.optimal
    assert a.objective == pytest.approx(b.objective, rel=1e-6)
    assert a.bound <= b.objective * (1 + 1e-6)
    if fixed:
        assert fixed[0] in a.sites.tolist()
