"""Kernels of the capacitated facility location Lagrangian against brute force / scipy
(also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from yingji._kernels.capacitated import _cflp_site_values, _cover_knapsack

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
