"""S4-010 / S4-011 (GB 50413-2007 8.2.10 service radii) are judged over urban demand points only.

Oracle: the farthest populated urban point's distance to its nearest shelter (of any class; of a
fixed or central one), by a plain loop over the distance matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yingji.exceptions import ValidationError
from yingji.shelters import assess


def _case(seed):
    rng = np.random.default_rng(seed)
    n, m = 25, 5
    demand = pd.DataFrame({"population": rng.integers(0, 400, n).astype(float),
                           "urban": rng.random(n) < 0.6}, index=[f"d{i}" for i in range(n)])
    demand.iloc[0, 0] = 100.0
    shelters = pd.DataFrame({"shelter_class": rng.choice(["emergency", "fixed"], m),
                             "area_m2": rng.uniform(3000, 20000, m)}, index=[f"s{j}" for j in range(m)])
    D = pd.DataFrame(rng.uniform(50, 4000, (n, m)).round(1), index=demand.index, columns=shelters.index)
    return demand, shelters, D


def _oracle(demand, shelters, D, classes=None):
    worst = 0.0
    for i, row in demand.iterrows():
        if row["population"] <= 0 or not row["urban"]:
            continue
        cols = [j for j in shelters.index if classes is None or shelters.loc[j, "shelter_class"] in classes]
        near = min((D.loc[i, j] for j in cols), default=np.inf)
        worst = max(worst, near)
    return worst


@pytest.mark.parametrize("seed", range(8))
def test_service_radii_over_urban_points(seed):
    demand, shelters, D = _case(seed)
    a = assess(demand=demand, shelters=shelters, distances=D)
    r = a.rules
    v10 = _oracle(demand, shelters, D)
    assert r.loc["S4-010", "value"] == pytest.approx(v10)
    assert bool(r.loc["S4-010", "passed"]) == (v10 <= 500 + 1e-9)
    if (shelters["shelter_class"] == "fixed").any():
        v11 = _oracle(demand, shelters, D, classes={"fixed", "central"})
        assert r.loc["S4-011", "value"] == pytest.approx(v11)


def test_rural_village_far_from_shelters_does_not_fail_the_urban_rule():
    demand = pd.DataFrame({"population": [500.0, 80.0], "urban": [True, False]}, index=["town", "village"])
    shelters = pd.DataFrame({"shelter_class": ["emergency"], "area_m2": [5000.0]}, index=["s"])
    D = pd.DataFrame([[300.0], [6000.0]], index=demand.index, columns=shelters.index)
    a = assess(demand=demand, shelters=shelters, distances=D)
    assert a.rules.loc["S4-010", "value"] == 300.0 and a.rules.loc["S4-010", "passed"]
    # without an urban column every point counts
    b = assess(demand=demand.drop(columns="urban"), shelters=shelters, distances=D)
    assert b.rules.loc["S4-010", "value"] == 6000.0 and not b.rules.loc["S4-010", "passed"]


def test_bad_urban_cell_named():
    demand = pd.DataFrame({"population": [500.0, 80.0], "urban": [True, "maybe"]}, index=["town", "village"])
    shelters = pd.DataFrame({"shelter_class": ["emergency"], "area_m2": [5000.0]}, index=["s"])
    D = pd.DataFrame([[300.0], [600.0]], index=demand.index, columns=shelters.index)
    with pytest.raises(ValidationError, match="urban.*village"):
        assess(demand=demand, shelters=shelters, distances=D)
