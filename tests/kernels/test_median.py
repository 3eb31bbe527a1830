"""Kernels of the median family against plain-numpy references (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest

from naive_median import brute_p_median, greedy_p_median, is_swap_optimal, median_objective
from yingji._kernels.median import (
    _center_greedy_cover_level,
    _greedy_median,
    _interchange_median,
    _lagrangian_median,
    _median_objective,
    _nearest_two,
    _vns_median,
)

pytestmark = pytest.mark.kernels


def _inst(n=12, m=7, seed=0, integer=True):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, 30, (n, m)).astype(float) if integer else rng.uniform(0, 30, (n, m))
    w = rng.integers(1, 5, n).astype(float)
    return np.ascontiguousarray(C), w


def _rows(C, w, K):
    """Each row's K cheapest sites in increasing order (plain numpy, full sort)."""
    K = min(K, C.shape[1])
    idx = np.argsort(C, axis=1, kind="stable")[:, :K].astype(np.int32)
    return idx, w[:, None] * np.take_along_axis(C, idx.astype(np.int64), 1)


def _lagr(C, w, fixed, allowed, p, lam, ub, n_iter, theta0, delta, out, sel, rho, K=3):
    idx, wcs = _rows(C, w, K)
    return _lagrangian_median(C, w, idx, wcs, fixed, allowed, p, lam, ub, n_iter, theta0, delta, out, sel, rho,
                              np.full(C.shape[0], np.inf))


def test_objective_and_nearest_two():
    C, w = _inst()
    s = np.array([1, 4, 5], dtype=np.int64)
    assert _median_objective(C, w, s) == pytest.approx(median_objective(C, w, s))
    n = C.shape[0]
    a1, a2 = np.empty(n, np.int64), np.empty(n, np.int64)
    d1, d2 = np.empty(n), np.empty(n)
    _nearest_two(C, s, a1, d1, a2, d2)
    srt = np.sort(C[:, s], axis=1)
    assert np.allclose(d1, srt[:, 0]) and np.allclose(d2, srt[:, 1])
    assert np.allclose(C[np.arange(n), a1], d1) and np.allclose(C[np.arange(n), a2], d2)
    one = np.array([2], dtype=np.int64)
    _nearest_two(C, one, a1, d1, a2, d2)
    assert (a2 == -1).all() and np.isinf(d2).all()


def test_empty_open_set_is_inf():
    C, w = _inst()
    assert _median_objective(C, w, np.zeros(0, dtype=np.int64)) == np.inf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_matches_numpy(seed):
    C, w = _inst(seed=seed, integer=False)
    m = C.shape[1]
    fixed = np.zeros(m, dtype=np.bool_)
    fixed[3] = True
    got = _greedy_median(C, w, fixed, np.ones(m, dtype=np.bool_), 4)
    assert got.tolist() == greedy_p_median(C, w, 4, fixed=[3])


def test_greedy_respects_allowed_and_stops():
    C, w = _inst()
    m = C.shape[1]
    allowed = np.zeros(m, dtype=np.bool_)
    allowed[[0, 2]] = True
    got = _greedy_median(C, w, np.zeros(m, dtype=np.bool_), allowed, 3)
    assert sorted(got.tolist()) == [0, 2]  # only two allowed: stops early


@pytest.mark.parametrize("seed", range(4))
def test_interchange_reaches_swap_optimum(seed):
    C, w = _inst(n=15, m=8, seed=seed, integer=False)
    m = C.shape[1]
    fixed = np.zeros(m, dtype=np.bool_)
    fixed[0] = True
    o = np.array([0, 1, 2], dtype=np.int64)
    v = _interchange_median(C, w, fixed, np.ones(m, dtype=np.bool_), o, 1e-12)
    assert v == pytest.approx(median_objective(C, w, o))
    assert 0 in o.tolist()
    assert is_swap_optimal(C, w, o.tolist(), fixed=(0,))


def test_interchange_all_fixed_is_noop():
    C, w = _inst()
    m = C.shape[1]
    fixed = np.zeros(m, dtype=np.bool_)
    fixed[[1, 2]] = True
    o = np.array([1, 2], dtype=np.int64)
    v = _interchange_median(C, w, fixed, np.ones(m, dtype=np.bool_), o, 1e-12)
    assert o.tolist() == [1, 2] and v == pytest.approx(median_objective(C, w, [1, 2]))


@pytest.mark.parametrize("seed", range(3))
def test_vns_finds_brute_force_optimum(seed):
    C, w = _inst(n=14, m=9, seed=seed)
    m = C.shape[1]
    fixed = np.zeros(m, dtype=np.bool_)
    allowed = np.ones(m, dtype=np.bool_)
    o = _greedy_median(C, w, fixed, allowed, 3)
    _interchange_median(C, w, fixed, allowed, o, 1e-9)
    v = _vns_median(C, w, fixed, allowed, o, 60, 3, seed, 1e-9)
    best, _ = brute_p_median(C, 3, w)
    assert v == pytest.approx(best)
    assert median_objective(C, w, o) == pytest.approx(v)


def test_vns_nothing_to_move():
    C, w = _inst()
    m = C.shape[1]
    fixed = np.zeros(m, dtype=np.bool_)
    fixed[[0, 1]] = True
    o = np.array([0, 1], dtype=np.int64)
    assert _vns_median(C, w, fixed, np.ones(m, dtype=np.bool_), o, 5, 2, 0, 1e-9) == pytest.approx(
        median_objective(C, w, [0, 1]))


@pytest.mark.parametrize("K", [1, 3, 8])
@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_bound_is_valid_and_fixing_keeps_optimum(seed, K):
    C, w = _inst(n=16, m=8, seed=seed)
    m = C.shape[1]
    opt, best_sites = brute_p_median(C, 3, w)
    fixed = np.zeros(m, dtype=np.bool_)
    allowed = np.ones(m, dtype=np.bool_)
    lam = w * C.min(axis=1)
    out = np.zeros(4)
    sel = np.zeros(m, dtype=np.bool_)
    rho = np.zeros(m)
    ub = opt + 5.0  # a non-optimal incumbent: fixing must keep every better solution
    L = _lagr(C, w, fixed, allowed, 3, lam, ub, 300, 2.0, 0.0, out, sel, rho, K=K)
    assert L <= opt + 1e-7
    assert out[1] >= 1
    if out[2] == 0:
        assert sel.sum() == 3
        # the optimum (better than ub) survives the fixing
        assert all(allowed[j] or fixed[j] for j in best_sites)
        assert all(j in best_sites for j in np.nonzero(fixed)[0])


@pytest.mark.parametrize("K", [2, 6])
def test_lagrangian_with_optimal_incumbent_proves_or_reports(K):
    C, w = _inst(n=10, m=6, seed=5)
    m = C.shape[1]
    opt, _ = brute_p_median(C, 2, w)
    fixed = np.zeros(m, dtype=np.bool_)
    fixed[0] = True
    allowed = np.ones(m, dtype=np.bool_)
    out = np.zeros(4)
    sel = np.zeros(m, dtype=np.bool_)
    rho = np.zeros(m)
    lam = w * C.min(axis=1)
    L = _lagr(C, w, fixed, allowed, 2, lam, opt, 2000, 2.0, 1 - 1e-4, out, sel, rho, K=K)
    fopt, _ = brute_p_median(C, 2, w, fixed=[0])
    assert L <= fopt + 1e-7 or out[2] == 1


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_sorted_rows_change_nothing(seed):
    """Walking each row's K cheapest sites (any K, the rest scanned in full when the multiplier
    passes them) is the same arithmetic as the full scan: bound, multipliers, fixings agree."""
    C, w = _inst(n=30, m=9, seed=seed, integer=False)
    m = C.shape[1]
    runs = []
    for K in (1, 2, 4, 9):
        fixed = np.zeros(m, dtype=np.bool_)
        allowed = np.ones(m, dtype=np.bool_)
        allowed[seed] = False
        lam = w * C.min(axis=1)
        out, sel, rho = np.zeros(4), np.zeros(m, dtype=np.bool_), np.zeros(m)
        L = _lagr(C, w, fixed, allowed, 3, lam, 1e9, 120, 2.0, 0.0, out, sel, rho, K=K)
        runs.append((L, lam, fixed, allowed, sel, rho, out[1]))
    for r in runs[1:]:
        assert r[0] == runs[0][0] and r[6] == runs[0][6]
        for a, b in zip(r[1:6], runs[0][1:6]):
            assert np.array_equal(a, b)


def test_lagrangian_infeasible_restriction():
    C, w = _inst(n=6, m=4)
    fixed = np.ones(4, dtype=np.bool_)  # 4 fixed > p = 2
    out = np.zeros(4)
    L = _lagr(C, w, fixed, np.ones(4, dtype=np.bool_), 2, np.zeros(6), 1e9, 10, 2.0, 0.0, out,
                           np.zeros(4, dtype=np.bool_), np.zeros(4))
    assert out[2] == 1.0 and L == np.inf


def test_lagrangian_zero_subgradient_stops():
    # p = m: every site open, the relaxation is exact at once
    C, w = _inst(n=5, m=3)
    out = np.zeros(4)
    lam = w * C.min(axis=1)
    L = _lagr(C, w, np.zeros(3, dtype=np.bool_), np.ones(3, dtype=np.bool_), 3, lam, 1e9, 50, 2.0, 0.0,
                           out, np.zeros(3, dtype=np.bool_), np.zeros(3))
    assert L == pytest.approx(median_objective(C, w, [0, 1, 2]))


def test_center_greedy_cover_level():
    C = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    fixed = np.zeros(3, dtype=np.bool_)
    allowed = np.ones(3, dtype=np.bool_)
    got = _center_greedy_cover_level(C, 5.0, fixed, allowed, 1)
    assert got.tolist() == [1]
    assert _center_greedy_cover_level(C, 4.0, fixed, allowed, 1).size == 0
    fixed[0] = True
    assert sorted(_center_greedy_cover_level(C, 0.0, fixed, allowed, 3).tolist()) == [0, 1, 2]
    assert _center_greedy_cover_level(C, 0.0, fixed, allowed, 2).size == 0
    fixed[:] = True
    assert _center_greedy_cover_level(C, 0.0, fixed, allowed, 2).size == 0
    # a row nobody allowed covers
    fixed[:] = False
    allowed[:] = False
    assert _center_greedy_cover_level(C, 0.0, fixed, allowed, 3).size == 0


@pytest.mark.parametrize("seed,K,p", [(0, 3, 2), (1, 4, 3), (2, 2, 1)])
def test_lagrangian_capped_multipliers_need_no_matrix(seed, K, p):
    """With each multiplier capped at its row's K-th weighted cost the kernel never reads C: a
    (1, 1) placeholder gives the same bound as the full matrix, and the bound stays valid."""
    C, w = _inst(n=14, m=8, seed=seed, integer=False)
    n, m = C.shape
    idx, wcs = _rows(C, w, K)
    cap = np.ascontiguousarray(wcs[:, -1])
    res = []
    for CC in (C, np.zeros((1, 1))):
        lam = np.minimum(w * C.min(axis=1), cap)
        out, sel, rho = np.zeros(4), np.zeros(m, dtype=np.bool_), np.zeros(m)
        L = _lagrangian_median(CC, w, idx, wcs, np.zeros(m, dtype=np.bool_), np.ones(m, dtype=np.bool_), p, lam,
                               1e9, 200, 2.0, 0.0, out, sel, rho, cap)
        assert (lam <= cap + 1e-12).all()
        res.append((L, lam.copy()))
    assert res[0][0] == res[1][0] and np.array_equal(res[0][1], res[1][1])
    best, _ = brute_p_median(C, p, w)
    assert res[0][0] <= best + 1e-9
