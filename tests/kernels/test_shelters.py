"""Kernel tests of yingji._kernels.shelters (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji._kernels.shelters import _greedy_flow

pytestmark = pytest.mark.kernels


def _naive_greedy(P, K, order, ii, jj):
    x = np.zeros(ii.size)
    p, k = P.copy(), K.copy()
    for t in order:
        a = min(p[ii[t]], k[jj[t]])
        if a > 0:
            x[t] = a
            p[ii[t]] -= a
            k[jj[t]] -= a
    return x


@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), m=st.integers(1, 6))
def test_greedy_flow_matches_naive_and_is_feasible(seed, n, m):
    rng = np.random.default_rng(seed)
    P = rng.integers(0, 30, n).astype(np.float64)
    K = rng.integers(0, 30, m).astype(np.float64)
    ii, jj = np.nonzero(rng.random((n, m)) < 0.6)
    ii, jj = ii.astype(np.int64), jj.astype(np.int64)
    order = np.argsort(rng.uniform(0, 1000, ii.size), kind="stable").astype(np.int64)
    x = _greedy_flow(P, K, order, ii, jj)
    np.testing.assert_array_equal(x, _naive_greedy(P, K, order, ii, jj))
    assert (x >= 0).all()
    assert (np.bincount(ii, x, minlength=n) <= P + 1e-9).all()
    assert (np.bincount(jj, x, minlength=m) <= K + 1e-9).all()


def test_greedy_flow_by_hand():
    # two points (5, 3 people), one shelter of 6 places; the nearer pair (point 1) goes first
    x = _greedy_flow(np.array([5.0, 3.0]), np.array([6.0]), np.array([1, 0], dtype=np.int64),
                     np.array([0, 1], dtype=np.int64), np.array([0, 0], dtype=np.int64))
    assert x.tolist() == [3.0, 3.0]
    empty = _greedy_flow(np.array([1.0]), np.array([1.0]), np.zeros(0, dtype=np.int64),
                         np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert empty.shape == (0,)
