"""LSCP pipeline: numba reductions, LP bound, local search, MIP only when needed (issue 5)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import yingji as yj
from yingji.siting import coverage as cv
from yingji.siting.coverage import _lscp_engine as eng

from naive_siting import brute_lscp, pulp_lscp


def _inst(seed, n, m, d):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < d
    A[np.arange(n), rng.integers(0, m, n)] = True
    return A


def _geo(n, m, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 50, (n, 2))
    s = rng.uniform(0, 50, (m, 2))
    return np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1))


@pytest.mark.parametrize("seed", [0, 2, 3, 5])
def test_lscp_matches_an_independent_model(seed):
    # 60 x 30 random covers: the Lagrangian heuristic leaves a gap, so the LP bound, the local
    # search and (for some seeds) reduced-cost fixing + the MIP all run
    A = _inst(seed, 60, 30, 0.1)
    r = yj.lscp(coverage=A, time_limit=30)
    assert r.objective == pulp_lscp(A) and r.optimal and r.bound == r.objective
    assert yj.is_covering(coverage=A, sites=r.sites)
    assert "lp_bound" in r.extras and r.extras["lp_bound"] <= r.objective
    assert r.extras["local_search_swaps"] >= 0


@pytest.mark.parametrize("seed", [0, 1])
def test_lscp_weighted_and_fixed_against_brute_force(seed):
    A = _inst(seed, 30, 12, 0.2)
    c = np.random.default_rng(seed).integers(1, 9, A.shape[1]).astype(float)
    for fixed in ([], [4]):
        r = yj.lscp(coverage=A, site_cost=c, fixed=fixed or None)
        assert r.objective == brute_lscp(A, c, fixed=fixed) and r.optimal
        assert set(fixed) <= set(r.sites.tolist())
        h = yj.lscp(coverage=A, site_cost=c, fixed=fixed or None, method="heuristic")
        assert h.bound <= r.objective + 1e-9 <= h.objective + 1e-9
        assert yj.is_covering(coverage=A, sites=h.sites)


def test_lscp_heuristic_method_certifies_with_the_lp_bound():
    A = _inst(3, 60, 30, 0.1)
    h = yj.lscp(coverage=A, method="heuristic")
    opt = pulp_lscp(A)
    assert h.bound <= opt <= h.objective
    assert h.bound >= h.extras["lagrangian_bound"] and "solver_status" not in h.extras


def test_lscp_geometric_instance_needs_no_mip():
    # row / column domination leave a small core; the local search meets ceil(LP)
    cost = _geo(1500, 120)
    r = yj.lscp(cost, 9.0)
    assert r.optimal and yj.is_covering(cost, 9.0, r.sites)
    assert r.extras["reductions"]["rows_dominated"] > 1000
    assert "solver_status" not in r.extras or r.extras["solver_status"] == "kOptimal"
    assert r.objective == yj.lscp(cost, 9.0, method="exact", reduce=False).objective


def test_lscp_reduction_keeps_the_optimum():
    A = _inst(7, 80, 25, 0.12)
    c = np.ones(25)
    red = cv._lscp_reduce(sp.csr_matrix(A), c, np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert red.A.shape[0] < 80
    # the reduced core plus forced columns is as good as the full instance
    sub = pulp_lscp(red.A.toarray().astype(bool)) if red.rows.size else 0.0
    assert sub + red.offset == pulp_lscp(A)


def test_lscp_tiny_time_limit_returns_a_cover():
    A = _inst(2, 400, 120, 0.04)
    r = yj.lscp(coverage=A, time_limit=0.05)
    assert yj.is_covering(coverage=A, sites=r.sites)
    assert r.bound <= r.objective and r.status in ("time_limit", "optimal")


def test_engine_pieces():
    A = sp.csr_matrix(_inst(0, 60, 30, 0.1).astype(np.int64))
    c = np.ones(30)
    model = cv._lscp_model(cv._LscpReduced(np.arange(60), np.arange(30), A, c, np.zeros(30),
                                           np.zeros(0, np.int64), 0.0, {}))
    lb, u, x = eng.lp_bound(model, A, c, 10.0)
    opt = pulp_lscp(A.toarray().astype(bool))
    assert lb <= opt and u.min() >= 0 and x.shape == (30,)
    assert eng.lagrangian_value(A, c, np.zeros(60)) == 0.0
    assert eng.lp_bound(model, A, c, 0.0)[0] == -np.inf
    start = np.ones(30, bool)
    best, stats = eng.improve(A, c, start, np.ceil(lb - 1e-6), u=u, x_lp=x, swaps=5000)
    assert best.sum() == opt and A[:, best].sum(axis=1).min() >= 1
    best_nolb, _ = eng.improve(A, c, start, -np.inf, swaps=2000)  # no bound: the budget stops it
    assert A[:, best_nolb].sum(axis=1).min() >= 1 and best_nolb.sum() >= opt
    # weighted costs: the per-cost local search runs too (until the budget, with no useful bound)
    cw = np.arange(1.0, 31.0)
    best_w, stats_w = eng.improve(A, cw, start, 0.0, u=u, swaps=3000)
    assert stats_w["local_search_swaps"] > 0 and cw[best_w].sum() < cw.sum()
    assert A[:, best_w].sum(axis=1).min() >= 1


def test_weighted_local_search_against_the_optimum():
    """Costs 1-2 (as the rail instances) and 1-5 on ten 80 x 40 random covers: from the worst
    start (every column) and no LP help, the weighted local search alone reaches the optimum CBC
    proves on the same model on at least 8 of 10 (measured: 8), stops there at the bound, and
    is never more than one unit above it (no restarts: where it misses, a larger budget gives
    the same cover)."""
    hits, worst = 0, 0.0
    for seed, hi in [(0, 3), (1, 3), (2, 3), (3, 6), (4, 6), (5, 6), (6, 3), (7, 3), (8, 6), (9, 6)]:
        A = sp.csr_matrix(_inst(seed, 80, 40, 0.08).astype(np.int64))
        c = np.random.default_rng(50 + seed).integers(1, hi, 40).astype(float)
        opt = pulp_lscp(A.toarray().astype(bool), site_cost=c)
        best, stats = eng.improve(A, c, np.ones(40, bool), opt, swaps=20_000, seed=seed)
        assert A[:, best].sum(axis=1).min() >= 1 and c[best].sum() >= opt
        if c[best].sum() == opt:
            hits += 1
            assert stats["local_search_swaps"] < 20_000  # stopped at the bound
        worst = max(worst, c[best].sum() - opt)
    assert hits >= 8 and worst <= 1.0


@pytest.mark.slow
def test_lscp_peer_instance_5000x300():
    from benchmarks.suites.siting_peers import _instance

    cost, _ = _instance(5000, 300)
    r = yj.lscp(cost, 8.0, time_limit=120)
    assert r.objective == 20.0 and r.optimal and yj.is_covering(cost, 8.0, r.sites)


def test_lscp_orlib_scp58_proven_after_reduced_cost_fixing(shared_datasets):
    # reduced-cost fixing leaves 15 single-column rows; without reducing again, HiGHS's presolve
    # fixes them and misprices the MIP start (281 for 283), and the bound stopped at 287
    from yingji.datasets import load_scp

    A, c = load_scp(shared_datasets / "orlib" / "scp" / "scp58.txt")[:2]
    r = yj.lscp(coverage=A, site_cost=c, time_limit=60)
    assert r.objective == 288.0 and r.bound == 288.0 and r.optimal
    assert r.extras["reductions"]["cols_reduced_cost"] > 0


def test_lscp_rereduce_and_start_completion():
    A = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 1]], dtype=np.int64))
    c = np.ones(4)
    red = cv._LscpReduced(np.arange(4), np.arange(4), A, c, np.zeros(4), np.zeros(0, np.int64), 0.0,
                          {"essential": 0, "rows_dominated": 0, "cols_dominated": 0, "cols_cost_test": 0})
    # drop column 3 as reduced-cost fixing would: rows 2 and 3 become single-column rows
    sub = cv._LscpReduced(red.rows, red.cols[:3], sp.csr_matrix(A[:, :3]), c[:3], np.zeros(3), red.base,
                          0.0, dict(red.info))
    rr = cv._lscp_rereduce(sub)
    assert rr.info["essential"] == 2 and set(rr.base.tolist()) == {0, 2} and rr.offset == 2.0
    assert rr.rows.size == 0
    # a start that lost a column to the reductions is completed into a cover
    x = cv._lscp_start(sub, np.array([3, 1]))
    assert (sub.A @ x >= 1).all()
    assert cv._lscp_start(sub, np.array([0, 2])).tolist() == [1.0, 0.0, 1.0]
