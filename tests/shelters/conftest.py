"""Small counties for the shelter tests: a line of roads and a grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naive_shelters import grid_network, line_network  # noqa: F401
from yingji.county import County


@pytest.fixture
def line_county():
    """Hand-checked county: 4000 people on a 1 km road, an emergency and a fixed shelter."""
    net = line_network()
    demand = pd.DataFrame({"id": ["d0", "d1", "d2"], "x": [0.0, 500.0, 1000.0],
                           "y": [0.0, 0.0, 0.0], "population": [1000.0, 1000.0, 2000.0],
                           "township": ["A", "A", "B"]})
    shelters = pd.DataFrame({"id": ["s0", "s1"], "x": [250.0, 1000.0], "y": [0.0, 0.0],
                             "shelter_class": ["emergency", "fixed"],
                             "area_m2": [1800.0, 12000.0]})
    candidates = pd.DataFrame({"id": ["c0", "c1", "c2"], "x": [0.0, 500.0, 750.0],
                               "y": [0.0, 0.0, 0.0], "cost": [5.0, 3.0, 1.0],
                               "uses": ["shelter", "shelter;fire", "fire"],
                               "area_m2": [3000.0, 1500.0, 90000.0]})
    return County(net, demand=demand, shelters=shelters, candidates=candidates)


@pytest.fixture
def grid_county():
    """A 1.1 km square town, 120 demand points, two shelters, 8 candidates (seeded)."""
    rng = np.random.default_rng(7)
    net = grid_network()
    n = 120
    demand = pd.DataFrame({"id": [f"d{i}" for i in range(n)],
                           "x": rng.uniform(0, 1100, n), "y": rng.uniform(0, 1100, n),
                           "population": rng.integers(0, 400, n).astype(float),
                           "township": rng.choice(["East", "West"], n)})
    shelters = pd.DataFrame({"id": ["s0", "s1"], "x": [100.0, 900.0], "y": [100.0, 900.0],
                             "shelter_class": ["emergency", "fixed"],
                             "area_m2": [4000.0, 15000.0]})
    q = 8
    candidates = pd.DataFrame({"id": [f"c{i}" for i in range(q)],
                               "x": rng.uniform(0, 1100, q), "y": rng.uniform(0, 1100, q),
                               "cost": rng.integers(1, 10, q).astype(float),
                               "uses": ["shelter"] * (q - 1) + ["depot"],
                               "area_m2": rng.integers(2000, 20000, q).astype(float)})
    return County(net, demand=demand, shelters=shelters, candidates=candidates)
