"""Kernel tests of yingji._kernels.maxcover (volume bound, iterated local search) against
plain NumPy and brute force (also run with NUMBA_DISABLE_JIT=1, so instances stay tiny)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from naive_siting import brute_mclp_free, covered_weight_of
from naive_siting import cover_arrays as _arrays
from yingji._kernels import maxcover as K

pytestmark = pytest.mark.kernels


def _instance(seed, n=18, m=8, density=0.3):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < density
    w = rng.integers(1, 10, size=n).astype(float)
    return A, w


_covered = covered_weight_of
_brute = brute_mclp_free


def _lp(A, w, p, fixed):
    """LP relaxation of the MCLP: max w.y, y <= A x, sum_free x <= p, 0 <= x, y <= 1."""
    n, m = A.shape
    c = np.concatenate([np.zeros(m), -w])
    A_ub = np.vstack([np.hstack([-A.astype(float), np.eye(n)]),
                      np.concatenate([(~fixed).astype(float), np.zeros(n)])[None, :]])
    b_ub = np.concatenate([np.zeros(n), [p]])
    bounds = [(1.0 if f else 0.0, 1.0) for f in fixed] + [(0.0, 1.0)] * n
    return -linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs").fun


def _naive_L(A, w, fixed, p_free, lam):
    s = A.T.astype(float) @ lam
    free = np.sort(s[~fixed])[::-1][:p_free]
    return float(np.maximum(w - lam, 0).sum() + s[fixed].sum() + free[free > 0].sum())


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_value_matches_numpy(seed):
    A, w = _instance(seed)
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0, 1, w.size) * w
    fixed = np.zeros(A.shape[1], bool)
    fixed[seed % A.shape[1]] = seed % 2 == 1
    a_ptr, a_rows, _, _ = _arrays(A)
    s, x, y = np.empty(A.shape[1]), np.empty(A.shape[1]), np.empty(w.size)
    L = K._mc_lagrangian_value(a_ptr, a_rows, w.size, w, fixed, 3, lam, s, x, y)
    assert L == pytest.approx(_naive_L(A, w, fixed, 3, lam))
    assert np.allclose(s, A.T @ lam)
    assert x[fixed].all() and int(x[~fixed].sum()) <= 3
    assert np.array_equal(y, (w > lam).astype(float))


def test_lagrangian_value_no_free_budget():
    A, w = _instance(7)
    a_ptr, a_rows, _, _ = _arrays(A)
    m = A.shape[1]
    L = K._mc_lagrangian_value(a_ptr, a_rows, w.size, w, np.zeros(m, bool), 0, 0.5 * w, np.empty(m), np.empty(m),
                               np.empty(w.size))
    assert L == pytest.approx(0.5 * w.sum())


def test_row_cover_and_cover_value():
    A, w = _instance(3)
    a_ptr, a_rows, _, _ = _arrays(A)
    x = np.linspace(0, 1, A.shape[1])
    out = np.empty(w.size)
    K._row_cover(a_ptr, a_rows, w.size, x, out)
    assert np.allclose(out, A @ x)
    mask = x > 0.5
    assert K._mc_cover_value(a_ptr, a_rows, w.size, w, mask) == pytest.approx(_covered(A, w, mask))


def _run_volume(A, w, fixed, p, lower, n_iter=400, lam0=None):
    a_ptr, a_rows, _, _ = _arrays(A)
    n, m = A.shape
    lam = 0.5 * w if lam0 is None else lam0.copy()
    xb, yb = np.empty(m), np.empty(n)
    L0 = K._mc_lagrangian_value(a_ptr, a_rows, n, w, fixed, p, lam, np.empty(m), xb, yb)
    axb = np.empty(n)
    K._row_cover(a_ptr, a_rows, n, xb, axb)
    st = np.array([L0, 0.1, 0.1, 0.0, 0.0, 0.0, L0, 0.0])
    code = K._mc_volume(a_ptr, a_rows, n, w, fixed, p, lower, lam, xb, yb, axb, st, n_iter, 50, 1e-9)
    return code, st, lam, xb


@pytest.mark.parametrize("seed", range(5))
def test_volume_bound_is_valid_and_near_lp(seed):
    A, w = _instance(seed, n=16, m=7)
    fixed = np.zeros(A.shape[1], bool)
    if seed % 2:
        fixed[0] = True
    p = 2
    opt = _brute(A, w, p, fixed)
    lp = _lp(A, w, p, fixed)
    code, st, lam, xb = _run_volume(A, w, fixed, p, 0.9 * opt)
    assert code in (0, 1, 2, 3)
    L = st[0]
    assert L == pytest.approx(_naive_L(A, w, fixed, p, lam))  # the reported bound is L at lam
    assert lp >= opt - 1e-6
    assert L >= lp - 1e-6 * max(1.0, lp)
    assert L <= lp * 1.05 + 1e-9  # converges close to the LP value
    assert np.all(xb >= -1e-12) and np.all(xb <= 1 + 1e-12)


def test_volume_stops_when_target_reached():
    A, w = _instance(11)
    fixed = np.zeros(A.shape[1], bool)
    code, st, _, _ = _run_volume(A, w, fixed, 2, lower=10 * w.sum())
    assert code == 1 and st[4] == 0


def test_volume_zero_direction_and_stall():
    # every row covered by every column, p = 1: lam = w/2 gives y = 1 ... any step direction is
    # zero once the average is exactly feasible; with an all-ones matrix the subgradient of the
    # averaged primal vanishes
    A = np.ones((4, 2), bool)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    fixed = np.zeros(2, bool)
    code, st, lam, _ = _run_volume(A, w, fixed, 1, lower=0.0, n_iter=500, lam0=np.zeros(4))
    assert code in (2, 3)
    assert st[0] >= w.sum() - 1e-9
    # stall branch: a target far below the optimum and a strict stall window
    A2, w2 = _instance(5)
    code2, _, _, _ = _run_volume(A2, w2, np.zeros(A2.shape[1], bool), 2, lower=0.0, n_iter=2000)
    assert code2 in (2, 3)


@pytest.mark.parametrize("seed", range(5))
def test_ils_never_worse_and_consistent(seed):
    A, w = _instance(seed, n=20, m=9, density=0.25)
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    m = A.shape[1]
    fixed = np.zeros(m, bool)
    if seed % 2:
        fixed[1] = True
    start = np.zeros(m, bool)
    start[[1, 2, 3]] = True
    allowed = np.ones(m, bool)
    if seed == 4:
        allowed[5:] = False
    x, v, nb = K._mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, w.size, w, start, fixed, allowed, 30, seed, 1e-9)
    assert int(x.sum()) == 3
    assert x[fixed].all()
    assert not (x & ~allowed & ~start).any()
    assert v == pytest.approx(_covered(A, w, x))
    assert v >= _covered(A, w, start) - 1e-9
    if seed != 4:
        assert v == pytest.approx(_brute(A, w, 3 - int(fixed.sum()), fixed))  # tiny: ILS finds the optimum


def test_ils_nothing_to_swap():
    A, w = _instance(2, n=10, m=4)
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    all_fixed = np.ones(4, bool)
    x, v, nb = K._mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, w.size, w, all_fixed, all_fixed, np.ones(4, bool), 5, 0,
                         1e-9)
    assert x.all() and nb == 0 and v == pytest.approx(_covered(A, w, x))
    none_allowed = np.zeros(4, bool)
    start = np.array([True, False, False, False])
    x, v, nb = K._mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, w.size, w, start, np.zeros(4, bool), none_allowed, 5, 0,
                         1e-9)
    assert np.array_equal(x, start) and nb == 0


def test_ils_from_the_optimum_keeps_it():
    # kicks away from the optimum lead to worse local optima that are undone
    A, w = _instance(21, n=30, m=12, density=0.2)
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    m = A.shape[1]
    fixed = np.zeros(m, bool)
    best, opt = None, -1.0
    for S in itertools.combinations(range(m), 3):
        mask = np.zeros(m, bool)
        mask[list(S)] = True
        v = _covered(A, w, mask)
        if v > opt:
            best, opt = mask, v
    x, v, nb = K._mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, w.size, w, best, fixed, np.ones(m, bool), 40, 3, 1e-9)
    assert v == pytest.approx(opt) and nb == 0 and _covered(A, w, x) == pytest.approx(opt)


# ------------------------------------------------------- branch and bound: the quick-try options
# (MCLP's one search, yingji._kernels.maxcover_bb via its driver, with the submodular bound and
# the Lagrangian one at fixed multipliers, no subgradient steps: the quick tries of ``mclp``)
def _bb(A, w, p, *, lam=None, base=None, best_x=None, cap=10**6, lagrangian=None, node_iter=0):
    import scipy.sparse as sp

    from yingji.siting._bounds import max_cover_branch_and_bound

    m = A.shape[1]
    base = np.zeros(m, bool) if base is None else base
    x0 = base.copy() if best_x is None else best_x.copy()
    lagr = lam is not None if lagrangian is None else lagrangian
    x, v, ub, info = max_cover_branch_and_bound(sp.csr_matrix(A.astype(np.int64)), w, x0, base, p, lam0=lam,
                                                max_nodes=cap, root_iter=node_iter, node_iter=node_iter,
                                                lagrangian=lagr, submodular=True)
    return v, ub, info["nodes"], info["complete"], x


def _brute_at_most(A, w, p, base, cand):
    best = _covered(A, w, base)
    for k in range(1, min(p, len(cand)) + 1):
        for S in itertools.combinations(cand, k):
            mask = base.copy()
            mask[list(S)] = True
            best = max(best, _covered(A, w, mask))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_branch_bound_matches_brute_force(seed):
    """Random tiny instances (weights with ties and zeros, or real weights; random valid
    multipliers or none; with and without subgradient steps): the optimum, a mask that
    reaches it, a bound at least the optimum."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 16)), int(rng.integers(1, 9))
    A = rng.random((n, m)) < rng.uniform(0.1, 0.7)
    w = rng.integers(0, 4, n).astype(float) if seed % 2 else np.round(rng.uniform(0, 5, n), 3)
    p = int(rng.integers(1, m + 1))
    lam = rng.uniform(0, 1, n) * w if seed % 3 else None
    v, ub, nodes, done, bx = _bb(A, w, p, lam=lam, node_iter=5 * (seed % 5 == 4))
    best = _brute_at_most(A, w, p, np.zeros(m, bool), list(range(m)))
    assert done and v == pytest.approx(best, abs=1e-9)
    assert _covered(A, w, bx) == pytest.approx(best, abs=1e-9) and bx.sum() <= p
    assert best - 1e-9 <= ub <= best + 1e-6
    assert 1 <= nodes


@pytest.mark.parametrize("seed", range(12))
def test_branch_bound_base_open_and_incumbent(seed):
    """Columns open in every solution and a good incumbent: the search answers the
    restricted problem and keeps the incumbent when nothing beats it."""
    rng = np.random.default_rng(100 + seed)
    n, m = 14, 8
    A = rng.random((n, m)) < 0.3
    w = rng.integers(1, 6, n).astype(float)
    base = np.zeros(m, bool)
    base[rng.choice(m, 2, replace=False)] = True
    p = 2
    best = _brute_at_most(A, w, p, base, [j for j in range(m) if not base[j]])
    v, _, _, done, bx = _bb(A, w, p, base=base)
    assert done and v == pytest.approx(best) and bx[base].all() and bx.sum() <= p + 2
    # the optimum as incumbent: nothing better is found, the mask is left as it was
    inc = bx.copy()
    v2, ub2, _, done2, bx2 = _bb(A, w, p, base=base, best_x=inc)
    assert done2 and v2 == best and np.array_equal(bx2, inc) and ub2 == pytest.approx(best)


def test_branch_bound_node_cap_is_honest():
    """Stopped at its node cap: not complete, the bound still valid, the best mask a real
    solution with the value reported."""
    rng = np.random.default_rng(5)
    A = rng.random((30, 12)) < 0.25
    w = rng.integers(1, 9, 30).astype(float)
    v, ub, nodes, done, bx = _bb(A, w, 4, cap=3)
    best = _brute_at_most(A, w, 4, np.zeros(12, bool), list(range(12)))
    assert not done and nodes == 3 and ub >= best - 1e-9
    assert _covered(A, w, bx) == pytest.approx(v) and bx.sum() <= 4
    assert v <= best


def test_branch_bound_degenerate():
    A = np.zeros((3, 2), bool)
    w = np.ones(3)
    v, ub, _, done, bx = _bb(A, w, 1)           # nothing coverable
    assert done and v == 0.0 and ub == 0.0 and not bx.any()
    A = np.ones((3, 2), bool)
    v, _, _, done, bx = _bb(A, w, 0)            # no budget
    assert done and v == 0.0 and not bx.any()
