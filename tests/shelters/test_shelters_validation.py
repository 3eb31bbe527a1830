"""Bad input to yj.shelters: clear ValidationErrors naming the parameter and the ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yingji import ValidationError
from yingji.shelters import assess, plan, shelter_norms


@pytest.fixture
def tables(line_county):
    return line_county.demand.copy(), line_county.shelters.copy(), line_county.network


def test_negative_area(tables):
    dem, sh, net = tables
    sh.loc["s1", "area_m2"] = -5.0
    with pytest.raises(ValidationError, match=r"'shelters' table of assess must have finite, "
                                              r"non-negative 'area_m2' values\. Got bad values "
                                              r"for ids 's1'"):
        assess(demand=dem, shelters=sh, network=net)


def test_nan_area_and_negative_population_reported_together(tables):
    dem, sh, net = tables
    sh.loc["s0", "area_m2"] = np.nan
    dem.loc["d2", "population"] = -1.0
    with pytest.raises(ValidationError, match=r"2 problems with the input of assess") as exc:
        assess(demand=dem, shelters=sh, network=net)
    assert any("'d2'" in p for p in exc.value.problems)
    assert any("'s0'" in p for p in exc.value.problems)


def test_missing_columns(tables):
    dem, sh, net = tables
    with pytest.raises(ValidationError, match=r"Missing columns: \['area_m2'\]"):
        assess(demand=dem, shelters=sh.drop(columns="area_m2"), network=net)
    with pytest.raises(ValidationError, match=r"'demand' table of assess must have columns "
                                              r"\['population'\]"):
        assess(demand=dem.drop(columns="population"), shelters=sh, network=net)


def test_unknown_class_and_duplicate_ids(tables):
    dem, sh, net = tables
    sh.loc["s0", "shelter_class"] = "tent"
    with pytest.raises(ValidationError, match=r"shelter_class among \['emergency', 'fixed', "
                                              r"'central'\]\. Got \['tent'\] for ids 's0'"):
        assess(demand=dem, shelters=sh, network=net)
    dup = pd.concat([sh.iloc[[1]], sh.iloc[[1]]])
    with pytest.raises(ValidationError, match="must have unique ids. Duplicated ids: 's1'"):
        assess(demand=dem, shelters=dup, network=net)


def test_shelter_node_not_in_network(tables):
    dem, sh, net = tables
    sh.loc["s1", "node"] = 99
    with pytest.raises(ValidationError, match=r"rows off the network \(their node is not a node "
                                              r"of the network\): ids 's1'"):
        assess(demand=dem, shelters=sh, network=net)


def test_shelter_without_node(tables):
    dem, sh, net = tables
    sh["node"] = sh["node"].astype(object)
    sh.loc["s0", "node"] = None
    with pytest.raises(ValidationError, match=r"rows off the network \(no node\): ids 's0'"):
        assess(demand=dem, shelters=sh, network=net)
    with pytest.raises(ValidationError, match="must have a 'node' column"):
        assess(demand=dem, shelters=sh.drop(columns="node"), network=net)


def test_shelter_far_from_network(tables):
    dem, sh, net = tables
    sh.loc["s0", "y"] = 2000.0  # 2 km off the road, node kept
    with pytest.raises(ValidationError, match=r"more than 500 m from the nearest network node "
                                              r"\(max_snap_m\): ids 's0'"):
        assess(demand=dem, shelters=sh, network=net)
    s = assess(demand=dem, shelters=sh, network=net, max_snap_m=None)
    assert s.sheltered == 4000


def test_bad_distances(tables):
    dem, sh, net = tables
    D = pd.DataFrame(100.0, index=dem.index, columns=sh.index)
    with pytest.raises(ValidationError, match=r"it looks transposed"):
        assess(demand=dem, shelters=sh, distances=D.T)
    with pytest.raises(ValidationError, match=r"Missing demand ids: 'd2'"):
        assess(demand=dem, shelters=sh, distances=D.iloc[:2])
    bad = D.copy()
    bad.iloc[1, 0] = -3.0
    with pytest.raises(ValidationError, match=r"must not contain NaN or negative metres\. Got "
                                              r"some in demand rows 'd1'"):
        assess(demand=dem, shelters=sh, distances=bad)
    with pytest.raises(ValidationError, match=r"'distances' parameter of assess must be an array "
                                              r"of shape \(3, 2\)"):
        assess(demand=dem, shelters=sh, distances=np.zeros((2, 2)))
    with pytest.raises(ValidationError, match="assess needs walking distances"):
        assess(demand=dem, shelters=sh)
    with pytest.raises(ValidationError, match="'demand' table of assess must have a 'node'"):
        assess(demand=dem.drop(columns="node"), shelters=sh, network=net)


def test_bad_tables_and_population(tables):
    dem, sh, net = tables
    with pytest.raises(ValidationError, match="'demand' parameter of assess must be a pandas "
                                              "DataFrame"):
        assess(demand=[1, 2], shelters=sh, network=net)
    with pytest.raises(ValidationError, match="assess needs a demand table"):
        assess(shelters=sh, network=net)
    z = dem.assign(population=0.0)
    with pytest.raises(ValidationError, match="must hold people: got 3 rows with total "
                                              "population 0"):
        assess(demand=z, shelters=sh, network=net)


def test_bad_norms(tables):
    dem, sh, net = tables
    with pytest.raises(ValidationError, match=r"'norms' parameter of assess must be a profile "
                                              r"name"):
        assess(demand=dem, shelters=sh, network=net, norms="GB9999")
    with pytest.raises(ValidationError, match="must have columns per_capita_m2 and radius_m"):
        assess(demand=dem, shelters=sh, network=net,
               norms=pd.DataFrame({"per_capita_m2": [1.0]}, index=["emergency"]))
    neg = pd.DataFrame({"per_capita_m2": [0.0, 1.0], "radius_m": [500.0, -1.0]},
                       index=["emergency", "fixed"])
    with pytest.raises(ValidationError, match=r"positive finite per_capita_m2 for every class\. "
                                              r"Got bad values for \['emergency'\]"):
        assess(demand=dem, shelters=sh, network=net, norms=neg)
    with pytest.raises(ValidationError, match=r"finite radius_m >= 0 for every class\. Got bad "
                                              r"values for \['fixed'\]"):
        assess(demand=dem, shelters=sh, network=net, norms=neg)
    with pytest.raises(ValidationError, match="'norms' parameter of assess must be a profile "
                                              "name, a DataFrame or a dict"):
        assess(demand=dem, shelters=sh, network=net, norms=3)
    with pytest.raises(ValidationError, match="'profile' parameter of shelter_norms"):
        shelter_norms("nope")
    with pytest.raises(ValidationError, match="'time_limit' parameter"):
        assess(demand=dem, shelters=sh, network=net, time_limit=-1)


def test_plan_bad_candidates(line_county):
    c = line_county.candidates.copy()
    c.loc["c0", "cost"] = -1.0
    c.loc["c1", "area_m2"] = -10.0
    with pytest.raises(ValidationError, match=r"2 problems with the input of plan") as exc:
        plan(line_county, candidates=c)
    assert any("'cost'" in p and "'c0'" in p for p in exc.value.problems)
    assert any("'area_m2'" in p and "'c1'" in p for p in exc.value.problems)
    with pytest.raises(ValidationError, match=r"'candidates' table of plan must have columns "
                                              r"\['cost', 'area_m2'\]\. Missing columns: "
                                              r"\['cost'\]"):
        plan(line_county, candidates=line_county.candidates.drop(columns="cost"))


def test_plan_candidates_off_network(line_county):
    c = line_county.candidates.copy()
    c.loc["c1", "node"] = 42
    with pytest.raises(ValidationError, match=r"'candidates' table of plan has rows off the "
                                              r"network .*ids 'c1'"):
        plan(line_county, candidates=c)


def test_plan_bad_parameters(line_county):
    with pytest.raises(ValidationError, match="'budget' parameter of plan must be a finite "
                                              "number >= 0"):
        plan(line_county, budget=-3)
    with pytest.raises(ValidationError, match="'curve_points' parameter of plan must be an int"):
        plan(line_county, curve_points=2.5)
    with pytest.raises(ValidationError, match="'candidate_class' parameter of plan must be one "
                                              "of"):
        plan(line_county, candidate_class="park")
    c = line_county.candidates.copy()
    c["shelter_class"] = ["emergency", "tent", ""]
    with pytest.raises(ValidationError, match=r"bad classes for ids 'c1'"):
        plan(line_county, candidates=c)
    c = line_county.candidates.rename(index={"c0": "s0"})
    with pytest.raises(ValidationError, match="Shelter and candidate ids of plan must differ. "
                                              "Shared ids: 's0'"):
        plan(line_county, candidates=c)


def test_plot_needs_coordinates(line_county):
    D = pd.DataFrame([[250.0, 1000.0], [250.0, 500.0], [750.0, 0.0]],
                     index=line_county.demand.index, columns=line_county.shelters.index)
    s = assess(demand=line_county.demand[["population"]], shelters=line_county.shelters,
               distances=D)
    with pytest.raises(ValidationError, match="plot needs x, y"):
        s.plot()
