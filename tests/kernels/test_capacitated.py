"""Kernels of the capacitated facility location Lagrangian against brute force / scipy
(also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from yingji._kernels.capacitated import (
    _cflp_node_subgradient,
    _cflp_site_values,
    _cover_knapsack,
    _cover_knapsack_flips,
    _site_values_open,
    _transport_ssp,
)

pytestmark = pytest.mark.kernels


def _brute_cover(v, a, b, state):
    best, arg = np.inf, None
    for bits in itertools.product([0, 1], repeat=v.size):
        y = np.array(bits)
        if np.any((state == 1) & (y == 0)) or np.any((state == 0) & (y == 1)):
            continue
        if (a * y).sum() >= b and (v * y).sum() < best - 1e-12:
            best, arg = float((v * y).sum()), y
    return best, arg


@pytest.mark.parametrize("seed", range(40))
def test_cover_knapsack_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 7))
    v = rng.normal(size=m)
    a = rng.integers(0, 5, m).astype(np.int64)
    b = int(rng.integers(0, 12))
    state = rng.integers(-1, 2, m).astype(np.int64)
    val, y = _cover_knapsack(v, a, b, state)
    best, _ = _brute_cover(v, a, b, state)
    if np.isinf(best):
        assert np.isinf(val)
    else:
        assert val == pytest.approx(best)
        assert (a * y).sum() >= b and float((v * y).sum()) == pytest.approx(val)
        assert np.all(y[state == 1] == 1) and np.all(y[state == 0] == 0)


def test_cover_knapsack_nothing_to_cover():
    val, y = _cover_knapsack(np.array([1.0, -2.0]), np.array([3, 3], dtype=np.int64), 0,
                             np.array([-1, -1], dtype=np.int64))
    assert val == -2.0 and y.tolist() == [0, 1]


@pytest.mark.parametrize("seed", range(10))
def test_site_values_match_lp(seed):
    rng = np.random.default_rng(seed)
    n, m = 9, 4
    C = rng.uniform(0, 10, (n, m))
    d = rng.integers(0, 6, n).astype(float)
    cap = np.array([5.0, 12.0, np.inf, 0.0])
    f = rng.uniform(0, 3, m)
    u = rng.uniform(0, 12, n)
    X = np.empty((n, m))
    v = _cflp_site_values(C, d, cap, f, u, X)
    for j in range(m):
        r = C[:, j] - u
        ub = [[*d]] if np.isfinite(cap[j]) else None
        lp = linprog(r, A_ub=ub, b_ub=[cap[j]] if ub else None, bounds=[(0, 1)] * n, method="highs")
        assert v[j] == pytest.approx(f[j] + lp.fun, abs=1e-9)
        assert float(r @ X[:, j]) + f[j] == pytest.approx(v[j], abs=1e-9)
        assert np.all((X[:, j] >= 0) & (X[:, j] <= 1))
        if np.isfinite(cap[j]):
            assert d @ X[:, j] <= cap[j] + 1e-9


@pytest.mark.parametrize("seed", range(60))
def test_cover_knapsack_flips_match_forced_knapsacks(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 8))
    v = rng.normal(size=m)
    a = rng.integers(0, 6, m).astype(np.int64)
    b = int(rng.integers(0, 15))
    state = rng.integers(-1, 2, m).astype(np.int64)
    val, y, v_in, v_out = _cover_knapsack_flips(v, a, b, state)
    ref, _ = _cover_knapsack(v, a, b, state)
    if np.isinf(ref):
        assert np.isinf(val)
    else:
        assert val == pytest.approx(ref)
        assert (a * y).sum() >= b and float((v * y).sum()) == pytest.approx(val)
        assert np.all(y[state == 1] == 1) and np.all(y[state == 0] == 0)
    for j in range(m):
        if state[j] != -1:
            assert v_in[j] == v_out[j] == val or (np.isinf(val) and np.isinf(v_in[j]))
            continue
        for forced, got in ((1, v_in[j]), (0, v_out[j])):
            st = state.copy()
            st[j] = forced
            want, _ = _brute_cover(v, a, b, st)
            assert (np.isinf(want) and np.isinf(got)) or got == pytest.approx(want)


def test_cover_knapsack_flips_all_negative_and_covered():
    # every free item has negative cost, so all are taken; forcing one out needs another to cover b
    v = np.array([-1.0, -2.0, 3.0])
    a = np.array([2, 2, 2], dtype=np.int64)
    val, y, v_in, v_out = _cover_knapsack_flips(v, a, 2, np.full(3, -1, dtype=np.int64))
    assert val == -3.0 and y.tolist() == [1, 1, 0]
    assert v_out.tolist() == [-2.0, -1.0, -3.0] and v_in.tolist() == [-3.0, -3.0, 0.0]


def _tiny_cflp(seed, n=8, m=4):
    rng = np.random.default_rng(seed)
    C = rng.uniform(1, 20, (n, m))
    d = rng.integers(1, 6, n).astype(float)
    cap = np.full(m, np.ceil(0.6 * d.sum()))
    f = rng.uniform(5, 30, m)
    return C, d, cap, f


def _node_optimum(C, d, cap, f, state):
    """Brute force over the open sets allowed by ``state``, each priced by an LP."""
    m = C.shape[1]
    best = np.inf
    for bits in itertools.product([0, 1], repeat=m):
        y = np.array(bits)
        if np.any((state == 1) & (y == 0)) or np.any((state == 0) & (y == 1)) or cap[y == 1].sum() < d.sum():
            continue
        S = np.nonzero(y)[0]
        k = S.size
        n = C.shape[0]
        A_eq = np.kron(np.eye(n), np.ones(k))
        A_ub = np.zeros((k, n * k))
        for t in range(k):
            A_ub[t, t::k] = d
        lp = linprog(C[:, S].ravel(), A_ub=A_ub, b_ub=cap[S], A_eq=A_eq, b_eq=np.ones(n), bounds=(0, 1),
                     method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + f[S].sum())
    return best


@pytest.mark.parametrize("seed", range(6))
def test_node_subgradient_bound_is_below_the_node_optimum(seed):
    C, d, cap, f = _tiny_cflp(seed)
    n, m = C.shape
    a = np.full(m, int(cap[0]), dtype=np.int64)
    b = int(d.sum())
    state = np.full(m, -1, dtype=np.int64)
    state[seed % m] = 0 if seed % 2 else 1
    opt = _node_optimum(C, d, cap, f, state)
    u = np.sort(C, axis=1)[:, 1].copy()
    y_best = np.zeros(m, dtype=np.int64)
    ybar = np.zeros(m)
    L, lam, feas = _cflp_node_subgradient(C, d, cap, f, a, b, state, u, opt + 1.0, opt * 1.05, 2.0, 300, 5,
                                          y_best, ybar)
    assert L <= opt + 1e-7 * opt
    assert L >= 0.9 * opt  # the relaxation is close on such instances
    assert (a * y_best).sum() >= b and np.all(y_best[state == 1] == 1) and np.all(y_best[state == 0] == 0)
    assert np.all((ybar >= 0) & (ybar <= 1)) and 0 < lam <= 2.0
    # the multipliers returned are the best ones: evaluating them again gives the same bound
    L2, _, _ = _cflp_node_subgradient(C, d, cap, f, a, b, state, u.copy(), opt + 1.0, opt * 1.05, 2.0, 1, 5,
                                      y_best, ybar)
    assert L2 == pytest.approx(L)


def test_node_subgradient_stops_at_the_pruning_bound_and_on_infeasible_fixings():
    C, d, cap, f = _tiny_cflp(0)
    m = C.shape[1]
    a = np.full(m, int(cap[0]), dtype=np.int64)
    b = int(d.sum())
    y_best = np.zeros(m, dtype=np.int64)
    ybar = np.zeros(m)
    u = np.sort(C, axis=1)[:, 1].copy()
    # a stop value below the first bound: one step
    L, lam, _ = _cflp_node_subgradient(C, d, cap, f, a, b, np.full(m, -1, dtype=np.int64), u, -1e9, 0.0, 1.0,
                                       50, 5, y_best, ybar)
    assert np.isfinite(L) and lam == 1.0
    # every site closed: no capacity, no solution
    L, _, feas = _cflp_node_subgradient(C, d, cap, f, a, b, np.zeros(m, dtype=np.int64), u, 1e9, 2e9, 1.0,
                                        50, 5, y_best, ybar)
    assert np.isinf(L) and not feas


def test_node_subgradient_reports_a_feasible_relaxed_solution():
    # one site, open, room for everyone, multipliers above every cost: the relaxed solution serves all
    C = np.array([[1.0], [2.0]])
    d = np.array([1.0, 1.0])
    cap = np.array([5.0])
    f = np.array([3.0])
    u = np.array([10.0, 10.0])
    L, _, feas = _cflp_node_subgradient(C, d, cap, f, np.array([5], dtype=np.int64), 2, np.array([1], dtype=np.int64),
                                        u, 1e9, 2e9, 1.0, 50, 5, np.zeros(1, dtype=np.int64), np.zeros(1))
    assert feas and L == pytest.approx(6.0)


def test_node_subgradient_halves_the_step_when_stalled():
    C, d, cap, f = _tiny_cflp(3)
    m = C.shape[1]
    a = np.full(m, int(cap[0]), dtype=np.int64)
    u = np.sort(C, axis=1)[:, 1].copy()
    # a target far above the optimum overshoots, so the bound stalls and the step parameter shrinks
    _, lam, _ = _cflp_node_subgradient(C, d, cap, f, a, int(d.sum()), np.full(m, -1, dtype=np.int64), u, 1e12,
                                       1e12, 2.0, 200, 2, np.zeros(m, dtype=np.int64), np.zeros(m))
    assert lam < 2.0


@pytest.mark.parametrize("seed", range(4))
def test_site_values_open_match_all_sites(seed):
    C, d, cap, f = _tiny_cflp(seed)
    n, m = C.shape
    u = np.random.default_rng(seed).uniform(0, 25, n)
    X = np.empty((n, m))
    v = _cflp_site_values(C, d, cap, f, u, X)
    state = np.array([1, 0, -1, -1], dtype=np.int64)
    X2 = np.zeros((n, m))
    v2 = _site_values_open(C, d, cap, f, u, state, X2)
    assert v2[1] == 0.0 and np.all(X2[:, 1] == 0.0)
    keep = state != 0
    assert np.allclose(v2[keep], v[keep]) and np.allclose(X2[:, keep], X[:, keep])


def _transport_lp(C, d, cap):
    n, k = C.shape
    fin = np.isfinite(C)
    cost = np.where(fin, C, 0.0).ravel()
    A_eq = np.kron(np.eye(n), np.ones(k))
    A_ub = np.zeros((k, n * k))
    for t in range(k):
        A_ub[t, t::k] = d
    ok = np.isfinite(cap)
    bounds = [(0, 1 if fin.ravel()[q] else 0) for q in range(n * k)]
    lp = linprog(cost, A_ub=A_ub[ok] if ok.any() else None, b_ub=cap[ok] if ok.any() else None, A_eq=A_eq,
                 b_eq=np.ones(n), bounds=bounds, method="highs")
    return lp.fun if lp.status == 0 else np.inf


@pytest.mark.parametrize("seed", range(40))
def test_transport_ssp_matches_lp(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 14)), int(rng.integers(1, 5))
    C = rng.uniform(0, 50, (n, k))
    if seed % 2:
        C = np.round(C / 10)  # ties
    if seed % 3 == 0:
        C[rng.random((n, k)) < 0.3] = np.inf
        C[np.arange(n), rng.integers(0, k, n)] = rng.uniform(0, 50, n)  # every row keeps a site
    d = rng.integers(0, 8, n).astype(float)
    cap = rng.uniform(0.4, 1.6, k) * max(d.sum(), 1.0) / k * (1.3 if seed % 4 else 0.9)
    if seed % 5 == 0:
        cap[0] = np.inf
    val, X = _transport_ssp(C, d, cap, 10_000)
    ref = _transport_lp(C, d, cap)
    if np.isinf(ref):
        assert np.isinf(val)
        return
    assert val == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert np.allclose(X.sum(axis=1), 1.0) and np.all(X >= 0)
    assert np.all(d @ X <= cap + 1e-9 * max(1.0, d.sum()))
    assert np.all(X[~np.isfinite(C)] == 0.0)
    assert float(np.sum(np.where(X > 0, C, 0.0) * X)) == pytest.approx(val, rel=1e-12, abs=1e-12)


def test_transport_ssp_moves_along_a_chain():
    # site 0 is everyone's cheapest but holds one unit: the second row moves to site 1 and pushes
    # the third one on to site 2 (a path through a full site), the optimum of the LP
    C = np.array([[0.0, 10.0, 30.0], [1.0, 2.0, 50.0], [20.0, 3.0, 4.0]])
    d = np.ones(3)
    cap = np.array([1.0, 1.0, 1.0])
    val, X = _transport_ssp(C, d, cap, 100)
    assert val == pytest.approx(_transport_lp(C, d, cap)) and val == pytest.approx(6.0)
    assert X[:, 2].sum() == pytest.approx(1.0)


def test_transport_ssp_gives_up_and_reports_infeasible():
    C = np.array([[1.0, 2.0], [1.0, 2.0]])
    d = np.array([2.0, 2.0])
    val, _ = _transport_ssp(C, d, np.array([2.0, 1.0]), 100)  # capacity 3 < demand 4
    assert np.isinf(val)
    val, _ = _transport_ssp(C, d, np.array([2.0, 2.0]), 0)  # no augmentation allowed
    assert np.isinf(val)
    val, _ = _transport_ssp(np.array([[np.inf, np.inf]]), np.array([1.0]), np.array([5.0, 5.0]), 100)
    assert np.isinf(val)  # a row no site can serve
