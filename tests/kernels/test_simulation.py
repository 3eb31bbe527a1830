"""Kernel tests of yingji._kernels.simulation (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naive_dispatch import event_simulation
from yingji._kernels.simulation import _preference_order, _simulate_nearest

pytestmark = pytest.mark.kernels


def _case(seed, n_points, n_units, n_calls, load, reach_all=True):
    rng = np.random.default_rng(seed)
    travel = rng.uniform(0.5, 12.0, (n_points, n_units))
    if not reach_all:
        travel[rng.random((n_points, n_units)) < 0.3] = np.inf
    arrival = np.sort(rng.uniform(0.0, n_calls / load, n_calls))
    point = rng.integers(0, n_points, n_calls).astype(np.int64)
    scene = rng.exponential(20.0, n_calls)
    return travel, arrival, point, scene


def test_preference_order_matches_stable_argsort():
    travel = np.array([[3.0, 1.0, np.inf, 1.0], [np.inf, np.inf, np.inf, np.inf], [0.0, 2.0, 2.0, 5.0]])
    pref, npref = _preference_order(travel)
    assert npref.tolist() == [3, 0, 4]
    assert pref[0].tolist() == [1, 3, 0, -1]
    assert pref[1].tolist() == [-1, -1, -1, -1]
    assert pref[2].tolist() == [0, 1, 2, 3]


@given(seed=st.integers(0, 10_000), n_points=st.integers(1, 4), n_units=st.integers(1, 4),
       n_calls=st.integers(0, 40), load=st.sampled_from([0.01, 0.1, 0.5]),
       tis=st.booleans(), k_units=st.integers(1, 3))
@settings(max_examples=40)
def test_kernel_matches_event_simulation(seed, n_points, n_units, n_calls, load, tis, k_units):
    travel, arrival, point, scene = _case(seed, n_points, n_units, n_calls, load)
    pref, npref = _preference_order(travel)
    horizon = float(arrival[-1]) * 0.8 if n_calls else 10.0
    warmup = horizon * 0.1
    got = _simulate_nearest(arrival, point, scene, pref, npref, travel, 1.0, tis, warmup, horizon, k_units)
    ref = event_simulation(arrival, point, scene, travel, 1.0, tis, warmup, horizon, k_units)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(r, dtype=float), rtol=1e-12, atol=1e-9)


def test_kernel_queues_when_all_busy():
    # one unit, three calls while it is busy: first come, first served
    travel = np.array([[2.0]])
    pref, npref = _preference_order(travel)
    arrival = np.array([0.0, 1.0, 2.0])
    point = np.zeros(3, dtype=np.int64)
    scene = np.array([10.0, 10.0, 10.0])
    resp, full, unit, wait, fdb, busy = _simulate_nearest(arrival, point, scene, pref, npref, travel, 1.0, True, 0.0,
                                                          100.0, 1)
    np.testing.assert_allclose(full, resp)
    # busy per call: 1 + 2 + 10 + 2 = 15
    np.testing.assert_allclose(wait, [0.0, 14.0, 28.0])
    np.testing.assert_allclose(resp, [3.0, 17.0, 31.0])
    assert unit.tolist() == [0, 0, 0]
    assert fdb.tolist() == [False, True, True]
    np.testing.assert_allclose(busy, [45.0])


def test_kernel_unreachable_point_and_window_clipping():
    travel = np.array([[1.0, 4.0], [np.inf, np.inf]])
    pref, npref = _preference_order(travel)
    arrival = np.array([0.0, 5.0, 50.0])
    point = np.array([0, 1, 0], dtype=np.int64)
    scene = np.array([10.0, 10.0, 100.0])
    resp, full, unit, wait, fdb, busy = _simulate_nearest(arrival, point, scene, pref, npref, travel, 0.0, False, 5.0,
                                                          60.0, 1)
    assert unit.tolist() == [0, -1, 0]
    assert np.isinf(resp[1]) and np.isinf(full[1])
    # unit 0 busy [0, 10] and [50, 150]; window [5, 60] -> 5 + 10
    np.testing.assert_allclose(busy, [15.0, 0.0])


def test_kernel_second_unit_when_first_busy_and_partial_reach():
    travel = np.array([[1.0, 3.0, np.inf]])
    pref, npref = _preference_order(travel)
    arrival = np.array([0.0, 1.0, 2.0])
    point = np.zeros(3, dtype=np.int64)
    scene = np.array([50.0, 50.0, 50.0])
    resp, full, unit, wait, fdb, busy = _simulate_nearest(arrival, point, scene, pref, npref, travel, 0.0, False, 0.0,
                                                          1e9, 1)
    assert unit.tolist() == [0, 1, 0]  # third call waits for unit 0 (frees at 50, before unit 1 at 51)
    np.testing.assert_allclose(wait, [0.0, 0.0, 48.0])


def test_kernel_first_alarm_of_two_units():
    # two units; call 0 takes both; call 1 (t=1) needs two: waits for unit 0 (frees 10) and 1 (frees 20)
    travel = np.array([[1.0, 2.0]])
    pref, npref = _preference_order(travel)
    arrival = np.array([0.0, 1.0])
    point = np.zeros(2, dtype=np.int64)
    scene = np.array([10.0, 5.0])
    resp, full, unit, wait, fdb, busy = _simulate_nearest(arrival, point, scene, pref, npref, travel, 0.0, False, 0.0,
                                                          1e9, 2)
    np.testing.assert_allclose(resp, [1.0, 10.0])  # call 1: unit 0 starts at 10 -> 9 wait + 1 travel
    np.testing.assert_allclose(full, [2.0, 11.0])  # unit 1 starts at 10 as well (both freed at 10)
    np.testing.assert_allclose(wait, [0.0, 9.0])
    assert fdb.tolist() == [False, True]
    # three units wanted, only two reachable: two are sent
    resp, full, unit, wait, fdb, busy = _simulate_nearest(arrival[:1], point[:1], scene[:1], pref, npref, travel, 0.0,
                                                          False, 0.0, 1e9, 3)
    np.testing.assert_allclose(full, [2.0])
