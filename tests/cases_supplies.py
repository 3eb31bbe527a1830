"""Toy county for the supplies tests: 4 demand points in 3 townships, 2 depots, 1 candidate."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd


def toy_county():
    demand = pd.DataFrame(
        {"population": [1000, 500, 2000, 800], "township": ["A", "A", "B", "C"],
         "risk": ["high", "normal", "normal", "high"], "node": [1, 2, 3, 4], "x": [0, 1, 5, 9], "y": [0, 0, 0, 0]},
        index=["d1", "d2", "d3", "d4"],
    )
    items = pd.DataFrame(
        {"per_person_per_day": [15.0, 1.0], "days": [3, 1], "unit": ["L", "kit"], "unit_volume": [0.001, 0.01],
         "unit_cost": [0.002, 5.0], "source": ["Sphere WASH std 1", "assumption"]},
        index=["water", "kit"],
    )
    depots = pd.DataFrame({"node": [1, 4], "capacity": [100.0, 50.0], "open_cost": [0.0, 0.0], "x": [0, 9], "y": [0, 0]},
                          index=["DA", "DC"])
    stock = pd.DataFrame({"depot": ["DA", "DA", "DC", "DA"], "item": ["water", "kit", "water", "kit"],
                          "quantity": [5000.0, 100.0, 3000.0, 50.0],
                          "expires": ["2030-01-01", "2027-01-15", "2030-01-01", "2020-01-01"]})
    candidates = pd.DataFrame({"node": [3], "cost": [50.0], "uses": ["depot;shelter"], "x": [5], "y": [0]}, index=["CB"])
    return SimpleNamespace(demand=demand, items=items, depots=depots, stock=stock, candidates=candidates, network=None)


def township_times():
    # sites (DA, DC, CB) × townships (A, B, C), minutes
    return pd.DataFrame([[5, 60, 200], [200, 50, 5], [40, 2, 40]], index=["DA", "DC", "CB"], columns=["A", "B", "C"])
