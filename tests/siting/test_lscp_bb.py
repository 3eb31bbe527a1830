"""LSCP third round (issue 23): the LP branch and bound before HiGHS's MIP, against brute force
and plain HiGHS (scipy.optimize.milp) on the whole 0/1 matrix."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_siting import brute_lscp, milp_set_cover

import yingji as yj
from yingji.siting.coverage import _lscp_bb as bb
from yingji.siting.coverage import setcover as sc

_milp_opt = milp_set_cover  # the independent oracle (scipy's HiGHS, whole matrix)


def _inst(seed, n, m, d, weighted):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < d
    A[np.arange(n), rng.integers(0, m, n)] = True
    c = rng.integers(1, 5, m).astype(float) if weighted else np.ones(m)
    return A, c


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_tree_from_the_trivial_cover_reaches_the_brute_force_optimum(seed, weighted):
    # every column open as the start: the tree must find the optimum itself and prove it
    A, c = _inst(seed, 40, 13, 0.15, weighted)
    x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(13, bool), max_nodes=100_000)
    assert proven and ub == brute_lscp(A, c) == c[x].sum()
    assert A[:, x].any(axis=1).all()
    assert stats["bb_nodes"] >= 1 and stats["bb_root_bound"] <= ub + 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 80), m=st.integers(4, 45), d=st.floats(0.04, 0.3),
       weighted=st.booleans())
def test_tree_matches_scipy_milp(seed, n, m, d, weighted):
    A, c = _inst(seed, n, m, d, weighted)
    x, ub, proven, _ = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(m, bool), max_nodes=100_000)
    opt = _milp_opt(A, c)
    assert proven and ub == opt and A[:, x].any(axis=1).all()


def test_node_bound_is_a_valid_lower_bound():
    # any u >= 0 and any box of the node: L(u) <= the best cover inside the box (brute force)
    rng = np.random.default_rng(3)
    A, c = _inst(3, 25, 10, 0.2, True)
    At = sp.csr_matrix(A.T, dtype=float)
    for _ in range(30):
        lo = np.zeros(10)
        hi = np.ones(10)
        j1, j0 = rng.choice(10, 2, replace=False)
        lo[j1] = 1.0
        hi[j0] = 0.0
        sub = [j for j in range(10) if j != j0]
        best = brute_lscp(A[:, sub], c[sub], fixed=[sub.index(j1)])
        L, _ = bb.node_bound(At, c, rng.random(25) * rng.integers(0, 3), lo, hi)
        if best is not None:
            assert L <= best + 1e-9


def test_node_budget_and_deadline_leave_an_unproven_cover():
    # 60 x 40 unit costs whose LP bound rounds up below the optimum (11.67 against 13): one node
    # cannot prove, the cover stays valid
    A, c = _inst(21, 60, 40, 0.08, False)
    opt = _milp_opt(A, c)
    x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(40, bool), max_nodes=1)
    assert np.ceil(stats["bb_root_bound"] - 1e-6) < opt  # the premise: the root cannot prove it
    assert not proven and stats["bb_nodes"] == 1 and ub >= opt and A[:, x].any(axis=1).all()
    x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(40, bool),
                                                deadline=time.perf_counter() - 1.0)
    assert not proven and stats["bb_nodes"] == 0 and ub == 40


@pytest.mark.parametrize("seed,weighted", [(0, False), (1, True), (2, False), (3, True), (4, False)])
def test_lscp_route_through_the_tree_matches_scipy_milp(seed, weighted, monkeypatch):
    # lscp with the tree (default) and with the tree off (straight to HiGHS's MIP): same optimum
    A, c = _inst(seed, 150, 60, 0.06, weighted)
    opt = _milp_opt(A, c)
    r = yj.lscp(coverage=A, site_cost=c, time_limit=60)
    assert r.optimal and r.objective == opt and yj.is_covering(coverage=A, sites=r.sites)
    assert r.extras["bb_nodes"] >= 1 and "solver_status" not in r.extras  # the tree proved it
    monkeypatch.setattr(sc._lscp_bb, "BB_MAX_NODES", 0)
    r0 = yj.lscp(coverage=A, site_cost=c, time_limit=60)
    assert r0.optimal and r0.objective == opt and r0.extras["bb_nodes"] == 0 and "solver_status" in r0.extras


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("nodes", [1, 3, 12])
def test_stopped_tree_bound_is_a_valid_lower_bound(seed, nodes):
    # a tree stopped after a few nodes: its open nodes' least bound is at most the optimum
    # (scipy's MILP), at least the root's when the root finished, and the optimum when proven
    A, c = _inst(100 + seed, 70, 30, 0.08, seed % 2 == 1)
    opt = _milp_opt(A, c)
    _x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(30, bool), max_nodes=nodes)
    assert stats["bb_bound"] <= opt + 1e-9 and ub >= opt
    assert stats["bb_bound"] >= min(stats["bb_root_bound"], ub) - 1e-9
    if proven:
        assert stats["bb_bound"] == ub == opt


def test_tree_runs_until_its_deadline_not_half_of_it():
    # HiGHS's time_limit counts on the instance's cumulative run clock: the tree must still run
    # to its own deadline (it stopped at about half of it), and not much past it
    A, c = _inst(7, 1000, 200, 0.03, False)
    t = time.perf_counter()
    x, _ub, proven, _stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(200, bool), max_nodes=10**9,
                                                deadline=time.perf_counter() + 3.0)
    took = time.perf_counter() - t
    assert A[:, x].any(axis=1).all()
    if not proven:  # (a fast machine may finish the tree: then there is nothing to check)
        assert 2.6 <= took <= 3.3 + 0.5, took


@pytest.mark.parametrize("reliable", [0, 1, 10**6])
@pytest.mark.parametrize("seed", range(5))
def test_reliability_branching_settings_reach_the_milp_optimum(seed, reliable, monkeypatch):
    # pseudocosts only (0), after one strong-branching result (1), strong branching always
    # (10**6): the branching rule changes the tree, never the proven optimum (scipy's MILP)
    monkeypatch.setattr(bb, "BB_RELIABLE", reliable)
    A, c = _inst(300 + seed, 90, 35, 0.07, seed % 2 == 0)
    x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(35, bool), max_nodes=100_000)
    assert proven and ub == _milp_opt(A, c) == c[x].sum() and A[:, x].any(axis=1).all()
    if reliable == 0:
        assert stats["bb_strong_lps"] == 0


@pytest.mark.parametrize("parent_basis", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_nodes_from_their_parents_basis_reach_the_milp_optimum(seed, parent_basis, monkeypatch):
    # fifth round: each node's LP warm-started from its parent's stored basis (True) or from the
    # last LP's (False); the LPs' vertices differ, the proven optimum (scipy's MILP) does not
    monkeypatch.setattr(bb, "BB_PARENT_BASIS", parent_basis)
    A, c = _inst(500 + seed, 200, 60, 0.08, False)  # unit costs: 11-108 nodes each
    x, ub, proven, stats = bb.branch_and_bound(sp.csr_matrix(A), c, np.ones(60, bool), max_nodes=100_000)
    assert proven and ub == _milp_opt(A, c) == c[x].sum() and A[:, x].any(axis=1).all()
    assert stats["bb_nodes"] > 1
