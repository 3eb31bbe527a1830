"""Fire kernels against the naive references (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest

import naive_fire as naive
from yingji._kernels.fire import _district_totals, _kth_arrival, _nearest_station

pytestmark = pytest.mark.kernels


def _random_T(seed, n=30, m=6, p_inf=0.2):
    rng = np.random.default_rng(seed)
    T = np.round(rng.uniform(0, 10, (n, m)), 1)  # rounding makes ties
    T[rng.random((n, m)) < p_inf] = np.inf
    T[0] = np.inf  # an unreachable row
    return np.ascontiguousarray(T)


@pytest.mark.parametrize("seed", range(5))
def test_nearest_station_matches_naive(seed):
    T = _random_T(seed)
    st, tm = _nearest_station(T)
    st0, tm0 = naive.nearest_station(T)
    np.testing.assert_array_equal(st, st0)
    np.testing.assert_array_equal(tm, tm0)
    assert st[0] == -1 and np.isinf(tm[0])


def test_nearest_station_ties_go_to_first_column():
    T = np.array([[2.0, 2.0, 1.0, 1.0], [3.0, 3.0, 3.0, 3.0]])
    st, tm = _nearest_station(T)
    assert st.tolist() == [2, 0]
    assert tm.tolist() == [1.0, 3.0]


def test_nearest_station_no_columns():
    st, tm = _nearest_station(np.zeros((3, 0)))
    assert st.tolist() == [-1, -1, -1] and np.isinf(tm).all()


@pytest.mark.parametrize("seed", range(5))
def test_district_totals_matches_naive(seed):
    rng = np.random.default_rng(seed)
    T = _random_T(seed)
    st, tm = _nearest_station(T)
    area = rng.uniform(0, 2, T.shape[0])
    pop = rng.integers(0, 100, T.shape[0]).astype(float)
    scope = rng.random(T.shape[0]) < 0.7
    got = _district_totals(st, tm, area, pop, scope, T.shape[1])
    exp = naive.district_totals(st, tm, area, pop, scope, T.shape[1])
    for g, e in zip(got, exp):
        np.testing.assert_allclose(g, e, equal_nan=True)


def test_district_totals_hand():
    st = np.array([0, 0, 1, -1], dtype=np.int64)
    tm = np.array([1.0, 3.0, 2.0, np.inf])
    a, p, e, c = _district_totals(st, tm, np.array([1.0, 2.0, 4.0, 8.0]), np.array([10.0, 20.0, 40.0, 80.0]),
                                  np.array([True, True, False, True]), 3)
    assert a.tolist() == [3.0, 0.0, 0.0]
    assert p.tolist() == [30.0, 0.0, 0.0]
    assert e[0] == 3.0 and np.isnan(e[1]) and np.isnan(e[2])
    assert c.tolist() == [2, 0, 0]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [0, 1, 3, 7])
def test_kth_arrival_matches_naive(seed, k):
    rng = np.random.default_rng(seed)
    T = _random_T(seed)
    units = rng.integers(0, 3, T.shape[1]).astype(np.int64)
    np.testing.assert_array_equal(_kth_arrival(T, units, k), naive.kth_arrival(T, units, k))


def test_kth_arrival_hand():
    T = np.array([[1.0, 2.0, 5.0], [np.inf, 4.0, np.inf]])
    units = np.array([2, 1, 3], dtype=np.int64)
    # row 0: arrivals 1,1,2,5,5,5 ; row 1: only one unit can come
    assert _kth_arrival(T, units, 3).tolist() == [2.0, np.inf]
    assert _kth_arrival(T, units, 4).tolist() == [5.0, np.inf]
    assert _kth_arrival(T, units, 7).tolist() == [np.inf, np.inf]
    assert _kth_arrival(T, units, 1).tolist() == [1.0, 4.0]
