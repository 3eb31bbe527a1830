"""Tests of yingji.dispatch.nearest_available."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from naive_dispatch import naive_nearest
from yingji.dispatch import nearest_available
from yingji.exceptions import ValidationError


@given(seed=st.integers(0, 100_000), m=st.integers(1, 25), k=st.integers(1, 6),
       use_type=st.booleans(), n_busy=st.integers(0, 5))
def test_matches_brute_force_sort(seed, m, k, use_type, n_busy):
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": rng.choice(["engine", "ladder"], m)}, index=[f"U{u}" for u in range(m)])
    row = rng.integers(0, 6, m).astype(float)
    row[rng.random(m) < 0.2] = np.inf
    times = pd.DataFrame([row, row[::-1]], index=["call", "other"], columns=units.index)
    busy = list(rng.choice(units.index, min(n_busy, m), replace=False))
    unit_type = "engine" if use_type else None
    if use_type and "engine" not in set(units["type"]):
        return
    got = nearest_available("call", units, times, busy=busy, unit_type=unit_type, k=k)
    avail = ~units.index.isin(busy)
    if use_type:
        avail &= (units["type"] == "engine").to_numpy()
    ref = naive_nearest(row, avail, k)
    assert got["unit"].tolist() == [units.index[u] for u in ref]
    np.testing.assert_array_equal(got["minutes"].to_numpy(), row[ref])
    assert list(got.columns) == ["unit", "type", "minutes"]


def test_array_and_network_times():
    units = pd.DataFrame({"type": ["engine", "engine", "ladder"], "node": [0, 5, 9]}, index=["E1", "E2", "L1"])
    got = nearest_available(0, units, np.array([[3.0, 1.0, 2.0], [0.0, 0.0, 0.0]]), k=2)
    assert got["unit"].tolist() == ["E2", "L1"]
    got = nearest_available(None, units, np.array([3.0, 1.0, 2.0]), unit_type=["engine"])
    assert got["unit"].tolist() == ["E2"]

    class Net:
        def travel_times(self, origins, destinations):
            return np.abs(np.subtract.outer(np.asarray(origins, float), np.asarray(destinations, float)))

    got = nearest_available(8, units, Net(), k=3)
    assert got["unit"].tolist() == ["L1", "E2", "E1"]
    assert got["minutes"].tolist() == [1.0, 3.0, 8.0]


def test_nothing_available_gives_empty_frame():
    units = pd.DataFrame({"type": ["engine"]}, index=["E1"])
    got = nearest_available("c", units, pd.DataFrame([[1.0]], index=["c"], columns=["E1"]), busy=["E1"])
    assert got.empty and list(got.columns) == ["unit", "type", "minutes"]


def test_errors():
    units = pd.DataFrame({"type": ["engine", "ladder"]}, index=["E1", "L1"])
    times = pd.DataFrame([[1.0, 2.0]], index=["c"], columns=units.index)
    with pytest.raises(ValidationError, match="'k' parameter of nearest_available must be a positive int"):
        nearest_available("c", units, times, k=0)
    with pytest.raises(ValidationError, match=r"unknown unit type\(s\) \['hazmat'\]"):
        nearest_available("c", units, times, unit_type="hazmat")
    with pytest.raises(ValidationError, match="names units that are not in 'units': 'X'"):
        nearest_available("c", units, times, busy="X")
    with pytest.raises(ValidationError, match="must be a row label of 'times'. Got 'nowhere'"):
        nearest_available("nowhere", units, times)
    with pytest.raises(ValidationError, match="lacks unit columns 'L1'"):
        nearest_available("c", units, times[["E1"]])
    dup = pd.concat([times, times])
    with pytest.raises(ValidationError, match="several rows labelled 'c'"):
        nearest_available("c", units, dup)
    with pytest.raises(ValidationError, match="must be non-negative minutes. Got -1 for units 'L1' instead"):
        nearest_available("c", units, times.assign(L1=-1.0))
    with pytest.raises(ValidationError, match=r"'node' parameter of nearest_available must be a row position"):
        nearest_available(5, units, np.ones((2, 2)))
    with pytest.raises(ValidationError, match="one entry \\(column\\) per unit"):
        nearest_available(0, units, np.ones(3))
    with pytest.raises(ValidationError, match="'times' parameter of nearest_available must be a DataFrame"):
        nearest_available(0, units, None)
    with pytest.raises(ValidationError, match="'units' parameter of nearest_available"):
        nearest_available(0, [1], times)

    class Net:
        def travel_times(self, o, d):
            raise KeyError(d[0])

    with pytest.raises(ValidationError, match="needs a 'node' column"):
        nearest_available(0, units, Net())
    with pytest.raises(ValidationError, match="must be a node of the network"):
        nearest_available(0, units.assign(node=[1, 2]), Net())


@given(seed=st.integers(0, 100_000), m=st.integers(1, 25), k=st.integers(1, 6), n_busy=st.integers(0, 5))
def test_prepared_lookup_matches_function(seed, m, k, n_busy):
    from yingji.dispatch import NearestUnits

    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": rng.choice(["engine", "ladder"], m)}, index=[f"U{u}" for u in range(m)])
    T = rng.integers(0, 6, (3, m)).astype(float)
    T[rng.random(T.shape) < 0.2] = np.inf
    times = pd.DataFrame(T, index=["x", "y", "z"], columns=units.index)
    busy = list(rng.choice(units.index, min(n_busy, m), replace=False))
    near = NearestUnits(units, times)
    near_arr = NearestUnits(units, T)
    for i, node in enumerate(["x", "y", "z"]):
        for ut in (None, sorted(set(units["type"])), units["type"].iloc[0]):
            ref = nearest_available(node, units, times, busy=busy, unit_type=ut, k=k)
            got = near(node, busy=busy, unit_type=ut, k=k)
            pd.testing.assert_frame_equal(got, ref)
            assert near_arr.ids(i, busy=busy, unit_type=ut, k=k) == ref["unit"].tolist()


def test_prepared_lookup_errors():
    from yingji.dispatch import NearestUnits

    units = pd.DataFrame({"type": ["engine", "ladder"]}, index=["E1", "L1"])
    times = pd.DataFrame([[1.0, 2.0]], index=["c"], columns=units.index)
    with pytest.raises(ValidationError, match="'units' parameter of NearestUnits"):
        NearestUnits([1], times)
    with pytest.raises(ValidationError, match="lacks unit columns 'L1'"):
        NearestUnits(units, times[["E1"]])
    with pytest.raises(ValidationError, match="duplicate row labels"):
        NearestUnits(units, pd.concat([times, times]))
    with pytest.raises(ValidationError, match=r"array locations x units \(2 columns\)"):
        NearestUnits(units, np.ones((2, 3)))
    with pytest.raises(ValidationError, match="must be non-negative minutes. Got nan for units 'E1' instead"):
        NearestUnits(units, times.assign(E1=np.nan))
    near = NearestUnits(units, times)
    with pytest.raises(ValidationError, match="'k' parameter of NearestUnits"):
        near("c", k=0)
    with pytest.raises(ValidationError, match="'node' parameter of NearestUnits"):
        near("nowhere")
    with pytest.raises(ValidationError, match=r"unknown unit type\(s\) \['hazmat'\]"):
        near("c", unit_type="hazmat")
    with pytest.raises(ValidationError, match="names units that are not in 'units': 'X'"):
        near("c", busy="X")
    assert near("c", busy=["E1"], unit_type="engine").empty
