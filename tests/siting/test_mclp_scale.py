"""MCLP engine for large instances: volume bound, iterated local search, time-limit handling
(issue 5). Small seeded instances; the 50,000 x 2,000 runs live in benchmarks/suites/siting_coverage."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import yingji as yj
from yingji.siting import _bounds
from yingji.siting import coverage as cv
from yingji.siting.coverage import maxcover


def _geo(n, m, seed, side=10_000.0):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, side, (n, 2))
    s = rng.uniform(0, side, (m, 2))
    cost = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1]) / 500.0
    w = rng.integers(1, 100, n).astype(float)
    return cost, w


def _lp_value(A, w, p):
    n, m = A.shape
    c = np.concatenate([np.zeros(m), -w])
    A_ub = sp.vstack([sp.hstack([-sp.csr_matrix(A, dtype=float), sp.identity(n)]),
                      sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n))])]).tocsr()
    b_ub = np.concatenate([np.zeros(n), [p]])
    return -linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=(0, 1), method="highs").fun


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heuristic_bound_is_valid_and_objective_recomputes(seed):
    cost, w = _geo(600, 50, seed)
    r = yj.mclp(cost, 5.0, 6, weights=w, method="heuristic", time_limit=20)
    ex = yj.mclp(cost, 5.0, 6, weights=w, method="exact", time_limit=60)
    assert ex.optimal
    assert r.objective == pytest.approx(yj.covered_weight(cost, 5.0, w, r.sites))
    assert len(r.sites) == 6
    assert r.bound >= ex.objective - 1e-6 * ex.objective
    assert r.objective <= ex.objective + 1e-9
    assert r.gap == pytest.approx((r.bound - r.objective) / r.objective, rel=1e-9, abs=1e-12)
    assert "volume_iterations" in r.extras and r.extras["greedy_swap_objective"] <= r.objective


def test_volume_bound_reaches_the_lp_value():
    cost, w = _geo(800, 60, 5)
    A = cv.as_int(sp.csr_matrix(cost <= 4.0))
    keep = np.diff(A.indptr) > 0
    A, w = sp.csr_matrix(A[keep]), w[keep]
    lp = _lp_value(A, w, 5)
    x0 = cv._max_cover_heuristic(A, w, np.zeros(A.shape[0]), np.zeros(A.shape[1], bool), 5)
    v0 = float(w[np.asarray(A @ x0.astype(np.int64)).ravel() > 0].sum())
    ub, lam, info = _bounds.volume_bound(A, w, np.zeros(A.shape[1], bool), 5, v0, max_iter=3000)
    assert ub >= lp - 1e-6 * lp
    assert ub <= lp * 1.005  # within 0.5 % of the LP optimum
    assert info["iterations"] > 0 and info["stop"] in ("stalled", "iterations", "closed", "optimal")


def test_volume_and_ils_stop_at_the_deadline():
    cost, w = _geo(300, 30, 7)
    A = cv.as_int(sp.csr_matrix(cost <= 4.0))
    fx = np.zeros(A.shape[1], bool)
    past = time.perf_counter() - 1.0
    ub, lam, info = _bounds.volume_bound(A, w, fx, 3, 0.0, deadline=past)
    assert info["iterations"] == 0 and info["stop"] == "time" and np.isfinite(ub)
    x0 = np.zeros(A.shape[1], bool)
    x0[:3] = True
    x, v, iinfo = _bounds.iterated_local_search(A, w, x0, fx, deadline=past)
    assert iinfo["stop"] == "time" and np.array_equal(x, x0)
    x, v, iinfo = _bounds.iterated_local_search(A, w, x0, fx, stall_kicks=50, max_kicks=10_000)
    start_value = float(w[np.asarray(A @ x0.astype(np.int64)).ravel() > 0].sum())
    assert iinfo["stop"] in ("stalled", "kicks") and v >= start_value


def test_fixed_sites_kept_in_the_model_without_reductions():
    cost, w = _geo(400, 40, 3)
    r = yj.mclp(cost, 5.0, 5, weights=w, fixed=[0, 1], reduce=False, method="heuristic")
    ex = yj.mclp(cost, 5.0, 5, weights=w, fixed=[0, 1], method="exact")
    assert {0, 1} <= set(r.sites.tolist()) and len(r.sites) == 5
    assert r.bound >= ex.objective - 1e-6 * ex.objective >= r.objective - 1e-6 * ex.objective


def test_auto_skips_a_mip_it_cannot_set_up(monkeypatch):
    cost, w = _geo(500, 50, 1)  # the LP bound leaves a 0.4 % gap here
    monkeypatch.setattr(maxcover, "_mc_mip_floor", lambda nnz: 1e9)  # looked up by _solve_max_cover
    r = yj.mclp(cost, 3.0, 8, weights=w, method="auto", time_limit=5)
    assert r.objective == pytest.approx(yj.covered_weight(cost, 3.0, w, r.sites))
    if not r.optimal:
        assert "mip_skipped" in r.extras and r.status == "time_limit"
        assert "solver_status" not in r.extras


def test_auto_still_proves_small_instances():
    cost, w = _geo(300, 25, 4)
    r = yj.mclp(cost, 5.0, 4, weights=w)
    assert r.optimal and r.status == "optimal"
