"""Fixtures of the JSON API and plan tests: a tiny county every action solves in well under a second."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yingji as yj


def make_tiny_county(seed: int = 7) -> yj.County:
    """A 10 x 10 street grid (250 m blocks, 0.6 min each) with every table of a county.

    The item norms and the reported indicators are the sample county's, so the compliance
    check and the supply models have real rules and norms to work with.
    """
    rng = np.random.default_rng(seed)
    n = 10
    rows = []
    for i in range(n):
        for j in range(n):
            k = n * i + j
            if i < n - 1:
                rows.append((k, k + n, 0.6, 250.0))
            if j < n - 1:
                rows.append((k, k + 1, 0.6, 250.0))
    roads = pd.DataFrame(rows, columns=["u", "v", "minutes", "metres"])
    nodes = pd.DataFrame({"x": [250.0 * (k // n) for k in range(n * n)],
                          "y": [250.0 * (k % n) for k in range(n * n)]})
    net = yj.Network.from_edges(roads, nodes=nodes, source="u", target="v", weight="minutes",
                                directed=False, length="metres")
    ids = [f"D{k:03d}" for k in range(n * n)]
    urban = np.array([(k // n) < 6 for k in range(n * n)])
    demand = pd.DataFrame({
        "id": ids, "x": nodes["x"] + 5.0, "y": nodes["y"] + 5.0,
        "population": rng.integers(50, 400, n * n).astype(float),
        "area_m2": np.full(n * n, 62500.0),
        "township": np.where(np.arange(n * n) % n < 5, "东镇", "西镇"),
        "urban": urban, "risk": np.where(rng.random(n * n) < 0.1, "high", "normal"),
        "incidents_per_year": rng.random(n * n),
    })
    stations = pd.DataFrame({"id": ["S1"], "x": [250.0], "y": [250.0], "station_class": ["class2"],
                             "engines": [2], "ladders": [0], "staff": [20]})
    units = pd.DataFrame({"id": ["S1-E1", "S1-E2"], "station": ["S1", "S1"],
                          "type": ["engine", "engine"]})
    cand_nodes = [22, 27, 55, 72, 77, 45, 91, 9]
    candidates = pd.DataFrame({
        "id": [f"C{k}" for k in range(len(cand_nodes))],
        "x": [250.0 * (k // n) for k in cand_nodes], "y": [250.0 * (k % n) for k in cand_nodes],
        "cost": [1.0e7 + 1.0e6 * k for k in range(len(cand_nodes))],
        "uses": ["fire;shelter;team_base;depot"] * len(cand_nodes),
        "area_m2": [6000.0, 12000.0, 8000.0, 15000.0, 5000.0, 9000.0, 7000.0, 11000.0],
    })
    teams = pd.DataFrame({"id": ["T1", "T2"], "x": [0.0, 2000.0], "y": [0.0, 2000.0],
                          "skills": ["construction", "flood;hazardous_chemicals"],
                          "crew": [20, 15], "vehicles": [3, 2]})
    hazards = pd.DataFrame({"id": ["H1", "H2", "H3"], "x": [500.0, 2250.0, 1000.0],
                            "y": [2000.0, 250.0, 1000.0], "hazard_type": ["site", "river", "plant"],
                            "skill": ["construction", "flood", "hazardous_chemicals"],
                            "crew_needed": [10, 12, 30], "max_minutes": [6.0, 8.0, 4.0],
                            "weight": [1.0, 2.0, 3.0]})
    enterprises = pd.DataFrame({"id": ["E1"], "x": [1500.0], "y": [1500.0],
                                "skill": ["hazardous_chemicals"]})
    venues = pd.DataFrame({"id": ["V1"], "x": [1200.0], "y": [300.0], "kind": ["crowded venue"]})
    depots = pd.DataFrame({"id": ["P1"], "x": [0.0], "y": [2250.0], "capacity": [300.0],
                           "open_cost": [0.0]})
    sample = yj.datasets.sample_county()
    items = sample.items.copy()
    stock = pd.DataFrame({"depot": ["P1"] * len(items), "item": items["item"].to_numpy(),
                          "quantity": np.full(len(items), 500.0),
                          "expires": pd.to_datetime(["2099-12-31"] * len(items))})
    shelters = pd.DataFrame({"id": ["SH1", "SH2"], "x": [500.0, 1750.0], "y": [500.0, 1750.0],
                             "shelter_class": ["emergency", "fixed"], "area_m2": [4000.0, 12000.0]})
    return yj.County(net, demand=demand, stations=stations, units=units, candidates=candidates,
                     teams=teams, hazards=hazards, enterprises=enterprises, venues=venues,
                     depots=depots, stock=stock, items=items, shelters=shelters,
                     indicators=sample.indicators.copy(),
                     meta={"name": "小县", "crs": "EPSG:4547", "area_km2": 5.06})


@pytest.fixture(scope="session")
def tiny_county() -> yj.County:
    return make_tiny_county()


@pytest.fixture(scope="session")
def tiny_doc(tiny_county) -> dict:
    """The tiny county as an inline JSON document (County.to_dict())."""
    return tiny_county.to_dict()
