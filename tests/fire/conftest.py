"""Hand-checkable fire instances shared by the fire tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

INF = np.inf


@pytest.fixture
def gb_case():
    """Six demand points, three stations (one logistics), venues for the setbacks.

    Districts (driving minutes, budget 4): s1 = {d1 (1), d2 (3, tie with s2 -> s1)},
    s2 = {d3 (2), d4 (4.5)}; d5 is rural (10 min from s1); d6 is unreachable (only the
    logistics station, which holds no district, reaches it).
    """
    demand = pd.DataFrame(
        {
            "population": [100, 200, 300, 400, 500, 50],
            "area_m2": [1e6, 2e6, 1e6, 3e6, 1e6, 0.5e6],
            "urban": [True, True, True, True, False, True],
            "risk": ["normal", "high", "normal", "normal", "normal", "normal"],
            "x": [0.0, 100.0, 900.0, 1500.0, -3000.0, 9000.0],
            "y": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        index=["d1", "d2", "d3", "d4", "d5", "d6"],
    )
    stations = pd.DataFrame(
        {
            "station_class": ["class2", "class1", "logistics"],
            "engines": [2, 3, 8],
            "ladders": [0, 1, 0],
            "staff": [15, 25, 48],
            "x": [0.0, 1000.0, 5000.0],
            "y": [0.0, 0.0, 0.0],
        },
        index=["s1", "s2", "s3"],
    )
    times = pd.DataFrame(
        [[1, 5, 0.5], [3, 3, 9], [6, 2, 1], [7, 4.5, 1], [10, 13, 1], [INF, INF, 1]],
        index=demand.index, columns=stations.index, dtype=float,
    )
    venues = pd.DataFrame(
        {"x": [30.0, 1100.0, 0.0], "y": [0.0, 0.0, 10.0], "kind": ["crowded venue", "hazardous goods", "school"]},
        index=["v1", "v2", "v3"],
    )
    return dict(demand=demand, stations=stations, times=times, venues=venues)


@pytest.fixture
def area_case():
    """Plan instance where the district-area limit changes the answer.

    Existing s (small station, limit 2 km²), candidates A (cost 10), B (cost 5), class1.
    Without limits {B} covers all (1 new); with limits s would hold d0, d1, d2 = 3 km², so the
    plan needs {A, B}: s = {d0, d1}, A = {d2, d3}, B = {d4, d5}.
    """
    demand = pd.DataFrame(
        {"population": [100] * 6, "area_m2": [1e6] * 6, "urban": [True] * 6},
        index=[f"d{i}" for i in range(6)],
    )
    stations = pd.DataFrame({"station_class": ["small"]}, index=["s"])
    candidates = pd.DataFrame({"cost": [10.0, 5.0], "uses": ["fire", "fire;shelter"]}, index=["A", "B"])
    times = pd.DataFrame(
        [[1, 9, 9], [2, 9, 9], [3, 2.5, 9], [3.5, 2, 3], [9, 3, 2], [9, 8, 1]],
        index=demand.index, columns=["s", "A", "B"], dtype=float,
    )
    return dict(demand=demand, stations=stations, candidates=candidates, times=times)
