"""Kernel tests of yingji._kernels.dispatch (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from naive_dispatch import naive_nearest
from yingji._kernels.dispatch import _nearest_available

pytestmark = pytest.mark.kernels


@given(seed=st.integers(0, 10_000), m=st.integers(0, 30), k=st.integers(1, 8), ties=st.booleans())
def test_nearest_available_matches_sort(seed, m, k, ties):
    rng = np.random.default_rng(seed)
    row = rng.integers(0, 5, m).astype(float) if ties else rng.uniform(0, 20, m)
    row[rng.random(m) < 0.2] = np.inf
    avail = rng.random(m) < 0.7
    got = _nearest_available(row, avail, k)
    assert got.tolist() == naive_nearest(row, avail, k)


def test_nearest_available_small_cases():
    row = np.array([5.0, 1.0, 1.0, np.inf, 0.5])
    avail = np.array([True, True, True, True, False])
    assert _nearest_available(row, avail, 1).tolist() == [1]
    assert _nearest_available(row, avail, 2).tolist() == [1, 2]
    assert _nearest_available(row, avail, 10).tolist() == [1, 2, 0]
    assert _nearest_available(row, ~avail, 3).tolist() == [4]
