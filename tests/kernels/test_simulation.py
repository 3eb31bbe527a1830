"""Kernel tests of yingji._kernels.simulation (also run with NUMBA_DISABLE_JIT=1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import importlib.util
from pathlib import Path

from naive_dispatch import event_simulation
from yingji._kernels.simulation import _combine_pools, _preference_order, _simulate_nearest, _simulate_pool


def _load_naive():
    path = Path(__file__).resolve().parents[1] / "simulation" / "naive_multitype.py"
    spec = importlib.util.spec_from_file_location("naive_multitype", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


naive = _load_naive()

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


# ---------------------------------------------------------------- several unit types
def _run_multi(arrival, point, scene, need, travel, unit_type, turnout, tis, warmup, horizon):
    """Each type's pool through _simulate_pool on the same calls, merged by _combine_pools."""
    N = arrival.size
    n_types = need.shape[1]
    first_t = np.empty((n_types, N))
    last_t = np.empty((n_types, N))
    wait_t = np.empty((n_types, N))
    unit_t = np.empty((n_types, N), dtype=np.int64)
    best_t = np.empty((n_types, travel.shape[0]))
    busy = np.zeros(travel.shape[1])
    for k in range(n_types):
        glob = np.nonzero(unit_type == k)[0].astype(np.int64)
        T = np.ascontiguousarray(travel[:, glob])
        pref, npref = _preference_order(T)
        b = np.zeros(glob.size)
        nk = np.ascontiguousarray(need[:, k])
        chosen = np.empty(max(int(nk.max()) if N else 1, 1), dtype=np.int64)
        _simulate_pool(arrival, point, scene, nk, pref, npref, T, glob, turnout, tis, warmup, horizon, chosen,
                       np.zeros(glob.size), first_t[k], last_t[k], unit_t[k], wait_t[k], b)
        busy[glob] += b
        best_t[k] = turnout + T.min(axis=1)
    out = (np.empty(N), np.empty(N), np.empty(N, dtype=np.int64), np.empty(N), np.empty(N, dtype=np.bool_))
    _combine_pools(point, first_t, last_t, unit_t, wait_t, best_t, *out)
    return (*out[:2], out[2], out[3], out[4], busy)


@given(seed=st.integers(0, 10_000), n_points=st.integers(1, 3), n_per_type=st.lists(st.integers(1, 3), min_size=1,
       max_size=3), n_calls=st.integers(0, 30), load=st.sampled_from([0.02, 0.2, 0.6]), tis=st.booleans())
@settings(max_examples=40)
def test_pools_match_multitype_event_simulation(seed, n_points, n_per_type, n_calls, load, tis):
    rng = np.random.default_rng(seed)
    unit_type = np.repeat(np.arange(len(n_per_type)), n_per_type).astype(np.int64)
    travel, arrival, point, scene = _case(seed, n_points, unit_type.size, n_calls, load)
    need = rng.integers(0, 3, (n_calls, len(n_per_type))).astype(np.int64)
    need[need.sum(axis=1) == 0, 0] = 1  # every call needs at least one unit
    need = np.minimum(need, np.array(n_per_type)[None, :])  # never more than the pool has
    need[need.sum(axis=1) == 0, 0] = 1
    horizon = float(arrival[-1]) * 0.8 if n_calls else 10.0
    got = _run_multi(arrival, point, scene, need, travel, unit_type, 1.0, tis, horizon * 0.1, horizon)
    ref = naive.event_simulation_multi(arrival, point, scene, need, travel, unit_type, 1.0, tis, horizon * 0.1,
                                       horizon)
    for name, g, r in zip(("response", "full", "unit", "wait", "fdb", "busy"), got, ref):
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(r, dtype=float), rtol=1e-12, atol=1e-9,
                                   err_msg=name)


def test_one_type_pool_equals_simulate_nearest():
    travel, arrival, point, scene = _case(7, 3, 4, 60, 0.3)
    need = np.full((60, 1), 2, dtype=np.int64)
    got = _run_multi(arrival, point, scene, need, travel, np.zeros(4, dtype=np.int64), 1.0, True, 0.0, 1e9)
    pref, npref = _preference_order(travel)
    ref = _simulate_nearest(arrival, point, scene, pref, npref, travel, 1.0, True, 0.0, 1e9, 2)
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)


def test_pool_skips_calls_without_need_and_unreachable_points():
    travel = np.array([[1.0, 2.0], [np.inf, np.inf]])
    pref, npref = _preference_order(travel)
    arrival = np.array([0.0, 1.0, 2.0])
    point = np.array([0, 0, 1], dtype=np.int64)
    scene = np.full(3, 5.0)
    need = np.array([0, 2, 1], dtype=np.int64)
    first, last, wait = np.empty(3), np.empty(3), np.empty(3)
    unit = np.empty(3, dtype=np.int64)
    busy = np.zeros(2)
    glob = np.array([4, 7], dtype=np.int64)
    _simulate_pool(arrival, point, scene, need, pref, npref, travel, glob, 0.0, False, 0.0, 100.0,
                   np.empty(2, dtype=np.int64), np.zeros(2), first, last, unit, wait, busy)
    assert first[0] == np.inf and last[0] == -np.inf and unit[0] == -1 and wait[0] == np.inf
    np.testing.assert_allclose([first[1], last[1], wait[1]], [1.0, 2.0, 0.0])
    assert unit[1] == 4  # the global position of the pool's nearest unit
    assert first[2] == np.inf and last[2] == np.inf and unit[2] == -1 and wait[2] == 0.0
    np.testing.assert_allclose(busy, [5.0, 5.0])
    # merging with a second pool that answers call 0 only
    first2 = np.array([3.0, np.inf, np.inf])
    last2 = np.array([3.0, -np.inf, -np.inf])
    out = (np.empty(3), np.empty(3), np.empty(3, dtype=np.int64), np.empty(3), np.empty(3, dtype=np.bool_))
    best = np.array([[1.0, np.inf], [2.0, np.inf]])
    _combine_pools(point, np.vstack([first, first2]), np.vstack([last, last2]),
                   np.vstack([unit, np.array([9, -1, -1])]), np.vstack([wait, np.array([0.0, np.inf, np.inf])]),
                   best, *out)
    resp, full, u, w, fdb = out
    np.testing.assert_allclose(resp, [3.0, 1.0, np.inf])
    np.testing.assert_allclose(full, [3.0, 2.0, np.inf])
    assert u.tolist() == [9, 4, -1]
    assert fdb.tolist() == [True, False, False]  # call 0 needed only type 1: first-due 2 min, came in 3
