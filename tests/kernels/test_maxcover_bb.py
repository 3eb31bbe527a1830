"""Kernel tests of yingji._kernels.maxcover_bb (MCLP Lagrangian branch and bound) against brute
force on small random instances (also run with NUMBA_DISABLE_JIT=1, so instances stay tiny)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from naive_siting import brute_mclp_free, covered_weight_of

from yingji.siting._bounds import max_cover_branch_and_bound

pytestmark = pytest.mark.kernels


def _instance(seed, n, m, density, integral=True):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < density
    w = rng.integers(1, 30, size=n).astype(float) if integral else rng.uniform(0.1, 3.0, size=n)
    return A, w, rng


_covered = covered_weight_of
_brute = brute_mclp_free


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("options", [(True, False), (True, True), (False, True)])
def test_branch_and_bound_proves_the_brute_force_optimum(seed, options):
    integral = seed % 3 != 0
    A, w, rng = _instance(seed, 12 + seed % 9, 9 + seed % 4, 0.2 + 0.02 * (seed % 5),
                          integral=integral)
    m = A.shape[1]
    fixed = np.zeros(m, bool)
    if seed % 4 == 1:
        fixed[rng.integers(0, m)] = True
    p_free = 1 + seed % 4
    x0 = fixed.copy()  # the weakest start: only the fixed sites
    x, v, ub, info = max_cover_branch_and_bound(sp.csr_matrix(A.astype(np.int64)), w, x0, fixed, p_free,
                                                 root_iter=50, node_iter=10, lagrangian=options[0],
                                                 submodular=options[1])
    best = _brute(A, w, p_free, fixed)
    assert info["complete"]
    assert v == pytest.approx(best)
    assert _covered(A, w, x) == pytest.approx(v)  # the returned mask has the returned value
    assert x.sum() <= p_free + fixed.sum() and (x[fixed]).all()
    assert ub >= best - 1e-9 and ub <= best * (1 + 1e-6) + 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_an_interrupted_search_returns_a_valid_bound(seed):
    A, w, _ = _instance(100 + seed, 20, 12, 0.2)
    fixed = np.zeros(12, bool)
    x, v, ub, info = max_cover_branch_and_bound(sp.csr_matrix(A.astype(np.int64)), w, fixed.copy(), fixed, 3,
                                                 max_nodes=2, root_iter=5, node_iter=2)
    best = _brute(A, w, 3, fixed)
    assert info["nodes"] <= 2
    assert v <= best + 1e-9 and ub >= best - 1e-9
    assert _covered(A, w, x) == pytest.approx(v)


def test_a_passed_deadline_stops_before_the_first_node():
    import time

    A, w, _ = _instance(7, 20, 12, 0.2)
    fixed = np.zeros(12, bool)
    x0 = np.zeros(12, bool)
    x0[:3] = True
    x, v, ub, info = max_cover_branch_and_bound(sp.csr_matrix(A.astype(np.int64)), w, x0, fixed, 3,
                                                 deadline=time.perf_counter() - 1.0)
    assert info["nodes"] == 0 and info["stop"] == "time" and not info["complete"]
    assert (x == x0).all() and v == pytest.approx(_covered(A, w, x0))
    assert ub >= _brute(A, w, 3, fixed) - 1e-9
