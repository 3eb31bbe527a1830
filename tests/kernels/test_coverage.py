"""Kernel tests of yingji._kernels.coverage against plain NumPy (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from naive_siting import cover_arrays as _arrays
from yingji._kernels import coverage as K

pytestmark = pytest.mark.kernels


def _empty(n, m):
    return (np.zeros(m + 1, np.int64), np.zeros(0, np.int64), np.zeros(n + 1, np.int64), np.zeros(0, np.int64))


def _instance(seed, n=14, m=7, density=0.3):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < density
    w = rng.integers(1, 10, size=n).astype(float)
    return A, w


def _value(A, w1, w2, w3, B, mask):
    ca = A[:, mask].sum(axis=1)
    cb = B[:, mask].sum(axis=1)
    return float((w1 * (ca >= 1) + w2 * (ca >= 2) + w3 * (cb >= 1)).sum())


@pytest.mark.parametrize("seed", [0, 1])
def test_coverage_count_and_value(seed):
    A, w = _instance(seed)
    B, _ = _instance(seed + 10)
    n, m = A.shape
    mask = np.zeros(m, bool)
    mask[[0, 2, 3]] = True
    a_ptr, a_rows, _, _ = _arrays(A)
    b_ptr, b_rows, _, _ = _arrays(B)
    cnt = K._coverage_count(a_ptr, a_rows, n, mask)
    np.testing.assert_array_equal(cnt, A[:, mask].sum(axis=1))
    w2 = w * 0.5
    w3 = w * 2.0
    tot, once, twice = K._max_cover_value(a_ptr, a_rows, b_ptr, b_rows, n, w, w2, w3, mask)
    assert tot == pytest.approx(_value(A, w, w2, w3, B, mask))
    assert once == pytest.approx(w[cnt >= 1].sum())
    assert twice == pytest.approx(w2[cnt >= 2].sum())


@pytest.mark.parametrize("seed", [0, 3])
def test_greedy_then_swap_is_locally_optimal(seed):
    A, w = _instance(seed)
    B, _ = _instance(seed + 5, density=0.2)
    n, m = A.shape
    w2 = 0.3 * w
    w3 = np.where(np.arange(n) % 3 == 0, 5.0, 0.0)
    arrs = _arrays(A) + _arrays(B)
    fixed = np.zeros(m, bool)
    fixed[1] = True
    allowed = np.ones(m, bool)
    p = 3
    op = K._max_cover_greedy(*arrs, n, w, w2, w3, fixed, allowed, p)
    assert op.sum() == p and op[1]
    # greedy: the first free pick has the largest marginal value
    base = _value(A, w, w2, w3, B, fixed)
    gains = [(_value(A, w, w2, w3, B, fixed | (np.arange(m) == j)) - base) if not fixed[j] else -1 for j in range(m)]
    first = [j for j in range(m) if op[j] and not fixed[j]]
    assert max(gains[j] for j in first) == pytest.approx(max(gains))
    op2, swaps = K._max_cover_swap(*arrs, n, w, w2, w3, op, fixed, allowed, 1e-12, 50)
    assert op2.sum() == p and op2[1] and swaps >= 0
    v = _value(A, w, w2, w3, B, op2)
    assert v >= _value(A, w, w2, w3, B, op) - 1e-9
    # no single swap improves it
    for r in np.nonzero(op2 & ~fixed)[0]:
        for a in np.nonzero(~op2)[0]:
            t = op2.copy()
            t[r], t[a] = False, True
            assert _value(A, w, w2, w3, B, t) <= v + 1e-9


def test_greedy_stops_when_nothing_allowed():
    A, w = _instance(2)
    n, m = A.shape
    arrs = _arrays(A) + _empty(n, m)
    z = np.zeros(n)
    op = K._max_cover_greedy(*arrs, n, w, z, z, np.zeros(m, bool), np.zeros(m, bool), 3)
    assert op.sum() == 0


@pytest.mark.parametrize("seed,w2scale", [(0, 0.0), (4, 1.0), (7, 0.5)])
def test_max_cover_lagrangian_bounds_the_optimum(seed, w2scale):
    A, w = _instance(seed, n=10, m=6)
    n, m = A.shape
    w2 = w2scale * w
    a_ptr, a_rows, _, _ = _arrays(A)
    fixed = np.zeros(m, bool)
    fixed[0] = True
    p_free = 2
    best = max(_value(A, w, w2, np.zeros(n), np.zeros_like(A), fixed | np.isin(np.arange(m), S))
               for S in itertools.combinations(range(1, m), p_free))
    lam0 = np.maximum(w, 0.5 * (w + w2))
    ub, lam = K._max_cover_lagrangian(a_ptr, a_rows, n, w, w2, fixed, p_free, lam0, 0.0, 200, 1e-9)
    assert ub >= best - 1e-7
    assert (lam >= 0).all()
    # a lower target that equals the optimum stops at once when reached
    ub2, _ = K._max_cover_lagrangian(a_ptr, a_rows, n, w, w2, fixed, p_free, lam0, ub, 5, 1e-9)
    assert ub2 >= best - 1e-7


def test_max_cover_lagrangian_zero_subgradient_stops():
    # one row, one column, p=1: L(lam) at lam=w has subgradient 0
    A = np.array([[1]])
    a_ptr, a_rows, _, _ = _arrays(A)
    ub, _ = K._max_cover_lagrangian(a_ptr, a_rows, 1, np.array([3.0]), np.array([0.0]), np.zeros(1, bool), 1,
                                    np.array([3.0]), -10.0, 50, 1e-9)
    assert ub == pytest.approx(3.0)


def _brute_cover(A, c):
    n, m = A.shape
    best = np.inf
    for k in range(m + 1):
        for S in itertools.combinations(range(m), k):
            if A[:, list(S)].any(axis=1).all():
                best = min(best, c[list(S)].sum())
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_set_cover_greedy_redundant_lagrangian(seed):
    rng = np.random.default_rng(seed)
    n, m = 12, 8
    A = rng.random((n, m)) < 0.35
    A[np.arange(n), rng.integers(0, m, n)] = True  # coverable
    c = rng.integers(1, 6, m).astype(float)
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    active = np.ones(n, bool)
    ch, ok = K._set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, n, c, np.zeros(m, bool), active)
    assert ok and A[:, ch].any(axis=1).all()
    fixed = np.zeros(m, bool)
    ch2 = K._set_cover_redundant(a_ptr, a_rows, n, c, ch | ~fixed, fixed, active)
    assert A[:, ch2].any(axis=1).all()
    for j in np.nonzero(ch2)[0]:  # nothing redundant left
        t = ch2.copy()
        t[j] = False
        assert not A[:, t].any(axis=1).all()
    opt = _brute_cover(A, c)
    u0 = np.full(n, 0.5)
    lb, u, ub, bx = K._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, n, c, active, u0, float(c[ch].sum()),
                                            ch, 300, True, 1e-9)
    assert lb <= opt + 1e-7 <= ub + 2e-7
    assert A[:, bx].any(axis=1).all() and c[bx].sum() == pytest.approx(ub)
    lb2, *_ = K._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, n, c, active, u0, float(c[ch].sum()),
                                      ch, 300, False, 1e-9)
    assert lb2 <= opt + 1e-7


def test_set_cover_greedy_reports_uncoverable_and_inactive_rows():
    A = np.array([[1, 0], [0, 0], [0, 1]], dtype=bool)
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    c = np.array([1.0, 1.0])
    ch, ok = K._set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, 3, c, np.zeros(2, bool), np.ones(3, bool))
    assert not ok
    active = np.array([True, False, False])
    ch, ok = K._set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, 3, c, np.array([True, False]), active)
    assert ok and ch.tolist() == [True, False]
    # inactive rows are ignored by the Lagrangian; a zero subgradient stops it
    lb, u, ub, bx = K._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, 3, c, active, np.ones(3), 1.0,
                                            np.array([True, False]), 50, True, 1e-9)
    assert lb == pytest.approx(1.0) and ub == pytest.approx(1.0) and u[1] == 0.0
    lb, u, ub, bx = K._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, 3, c, active, np.zeros(3), 5.0,
                                            np.array([True, True]), 50, False, 1e-9)
    assert ub == pytest.approx(1.0) and lb <= 1.0 + 1e-9
