"""fire.assess: hand-checked figures, independent recomputation, properties, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import naive_fire as naive
import yingji as yj
from yingji.exceptions import ValidationError
from yingji.fire import assess


def test_gb_hand_figures(gb_case):
    a = assess(**gb_case)
    assert a.travel_budget == 4
    assert a.coverage_share == pytest.approx(600 / 1050)
    assert a.area_share == pytest.approx(4 / 7.5)
    assert a.covered_population == 600 and a.scope_population == 1050
    assert a.uncovered == ["d4", "d6"] and a.unreachable == ["d6"]
    s = a.stations
    assert s.loc["s1", "area_km2"] == pytest.approx(3.0) and s.loc["s1", "population"] == 300
    assert s.loc["s1", "edge_minutes"] == 3 and s.loc["s1", "area_limit_km2"] == 4
    assert s.loc["s2", "area_km2"] == pytest.approx(4.0) and s.loc["s2", "population"] == 700
    assert s.loc["s2", "edge_minutes"] == 4.5 and s.loc["s2", "area_limit_km2"] == 7
    assert not s.loc["s3", "has_district"] and math.isnan(s.loc["s3", "area_limit_km2"])
    assert math.isnan(s.loc["s3", "area_km2"]) and s.loc["s3", "n_points"] == 0
    assert s["n_points"].tolist() == [2, 2, 0]
    # per-station rules
    assert s.loc["s1", "failed_rules"] == "S3-008"              # crowded venue 30 m < 50 m
    assert set(s.loc["s2", "failed_rules"].split(";")) == {"S3-001", "S3-016", "S3-022", "S3-009"}
    assert bool(s.loc["s3", "compliant"]) and not bool(s.loc["s1", "compliant"])
    assert s.loc["s1", "crowded_venue_m"] == pytest.approx(30.0)
    assert s.loc["s2", "hazardous_m"] == pytest.approx(100.0)
    assert "v1" in s.loc["s1", "setback_violations"] and "v3" not in s.loc["s1", "setback_violations"]
    assert bool(s.loc["s1", "staff_ok"]) and not bool(s.loc["s2", "staff_ok"])
    assert bool(s.loc["s1", "vehicles_ok"]) and not bool(s.loc["s2", "vehicles_ok"])
    assert not bool(s.loc["s2", "edge_ok"]) and bool(s.loc["s2", "area_ok"])
    # points
    p = a.points
    assert p["district"].tolist()[:4] == ["s1", "s1", "s2", "s2"]
    assert p.loc["d5", "district"] is None and p.loc["d5", "station"] == "s1"
    assert p.loc["d6", "station"] is None
    assert p.loc["d1", "travel_minutes"] == 1.0  # the faster logistics station does not count
    # rural
    assert a.rural["points"] == 1 and a.rural["covered_share"] == 1.0 and a.rural["travel_budget"] == 14
    assert a.rural["status"] == "ASSUMPTION"
    assert math.isinf(a.travel_percentile)
    assert not a.compliant
    ck = a.checks
    county = ck[ck["scope"] == "county"]
    assert county["rule"].tolist() == ["S3-001"] and not county["passed"].iloc[0]
    veh = ck[(ck["scope"] == "s2") & (ck["rule"] == "S3-022")]
    assert veh["status"].iloc[0] == "UNCONFIRMED"


def test_outputs(gb_case):
    a = assess(**gb_case)
    json.dumps(a.to_dict())
    assert a.to_frame().index.tolist() == ["s1", "s2", "s3"]
    assert len(a.to_frame("points")) == 6 and len(a.to_frame("checks")) == len(a.checks)
    text = a.summary()
    assert "57.1%" in text and "NOT COMPLIANT" in text and "S3-022" in text
    with pytest.raises(ValidationError, match="'kind' parameter of FireAssessment.to_frame"):
        a.to_frame("bogus")


def test_plot(gb_case):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    ax = assess(**gb_case).plot()
    assert ax.get_title().startswith("Fire districts")


def test_edge_station_gets_15_km2(gb_case):
    gb_case["stations"]["urban_edge"] = [False, True, False]
    a = assess(**gb_case)
    assert a.stations.loc["s2", "area_limit_km2"] == 15
    assert "S3-003" in set(a.checks.loc[a.checks["scope"] == "s2", "rule"])


def test_turnout_changes_budget(gb_case):
    a = assess(**gb_case, turnout_minutes=0.5)  # budget 4.5: d4 now reached
    assert a.travel_budget == 4.5 and a.uncovered == ["d6"]
    assert a.standard.threshold("turnout_minutes").status == "USER"


def test_transposed_and_array_times(gb_case):
    a = assess(**gb_case)
    b = assess(**{**gb_case, "times": gb_case["times"].T})
    c = assess(**{**gb_case, "times": gb_case["times"].to_numpy()})
    for other in (b, c):
        assert other.coverage_share == a.coverage_share
        pd.testing.assert_frame_equal(other.stations, a.stations)


def test_units_table_for_full_alarm():
    n = 10
    demand = pd.DataFrame({"population": [1.0] * n, "area_m2": [1e5] * n, "urban": [True] * n,
                           "incidents_per_year": [1.0] * n}, index=[f"p{i}" for i in range(n)])
    stations = pd.DataFrame({"station_class": ["class1", "class1"]}, index=["A", "B"])
    units = pd.DataFrame({"station": ["A", "A", "A", "B", "B"], "type": ["engine", "engine", "ladder", "engine", "ambulance"]})
    k = np.arange(1, n + 1, dtype=float)
    times = pd.DataFrame({"A": k, "B": 2 * k}, index=demand.index)
    a = assess(stations=stations, demand=demand, times=times, units=units, standard="NFPA1710")
    # first engine = k (1..10): 90th percentile of 10 equal incidents = 9
    assert a.travel_percentile == 9.0
    # full alarm: 4 companies = 3 at A + 1 at B -> arrives at 2k; p90 = 18
    assert a.points["full_alarm_minutes"].tolist() == (2 * k).tolist()
    assert a.full_alarm_percentile == 18.0
    county = a.checks[a.checks["scope"] == "county"].set_index("rule")
    assert not county.loc["S3-033", "passed"] and not county.loc["S3-036", "passed"]
    assert county.loc["S3-036", "threshold"] == pytest.approx(8.0)
    assert a.coverage_share == pytest.approx(0.4)  # k <= 4 min
    assert math.isnan(a.stations.loc["A", "area_limit_km2"])  # NFPA has no area limits


def test_nfpa_weights_by_incidents_and_crew_check():
    demand = pd.DataFrame({"population": [10.0, 10.0], "area_m2": [1e5, 1e5], "urban": [True, True],
                           "incidents_per_year": [9.0, 1.0]}, index=["a", "b"])
    stations = pd.DataFrame({"station_class": ["class1"], "engines": [2], "ladders": [1], "staff": [8]}, index=["S"])
    times = pd.DataFrame({"S": [3.0, 6.0]}, index=["a", "b"])
    a = assess(stations=stations, demand=demand, times=times, standard="NFPA1710")
    assert a.travel_percentile == 3.0  # 90 % of incidents at a
    assert a.full_alarm_percentile == math.inf  # 3 companies < 4
    crew = a.checks[a.checks["rule"] == "S3-041"]
    assert crew["threshold"].iloc[0] == 12 and not crew["passed"].iloc[0]


def test_network_times_and_county():
    edges = pd.DataFrame({"u": [0, 1, 2, 3], "v": [1, 2, 3, 4], "minutes": [1.0, 2.0, 2.0, 3.0]})
    nodes = pd.DataFrame({"x": [0.0, 500.0, 1000.0, 1500.0, 2000.0], "y": [0.0] * 5})
    net = yj.Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes")
    demand = pd.DataFrame({"node": [0, 2, 4], "population": [1.0, 2.0, 3.0], "area_m2": [1e6] * 3,
                           "urban": [True] * 3}, index=["a", "b", "c"])
    stations = pd.DataFrame({"node": [1], "station_class": ["class1"]}, index=["S"])
    a = assess(stations=stations, demand=demand, times=net)
    assert a.points["travel_minutes"].tolist() == [1.0, 2.0, 7.0]
    assert a.uncovered == ["c"]
    county = yj.County(net, demand=demand.assign(x=[0.0, 1000.0, 2000.0], y=0.0).drop(columns="node"),
                       stations=stations.assign(x=500.0, y=0.0).drop(columns="node"))
    b = assess(county)
    assert b.points["travel_minutes"].tolist() == [1.0, 2.0, 7.0]
    # stations off the network
    with pytest.raises(ValidationError, match="Sites off the network in fire.assess: stations with ids 'S'"):
        assess(stations=stations.assign(node=[None]), demand=demand, times=net)
    with pytest.raises(ValidationError, match="not in the road network"):
        assess(stations=stations.assign(node=[99]), demand=demand, times=net)
    with pytest.raises(ValidationError, match="demand table of fire.assess needs a 'node' column"):
        assess(stations=stations, demand=demand.drop(columns="node"), times=net)


def test_sample_county():
    c = yj.datasets.sample_county()
    a = yj.fire.assess(c, standard="GB51080")
    assert 0 <= a.coverage_share <= 1
    assert {"area_km2", "population", "edge_minutes", "area_limit_km2", "compliant"} <= set(a.stations.columns)
    # independent recomputation of the districts from the network
    dem = c.demand
    st_ = c.stations
    T = c.network.travel_times(st_["node"].tolist(), dem["node"].tolist()).T
    active = [k for k, cl in enumerate(st_["station_class"]) if cl != "logistics"]
    urban = dem["urban"].to_numpy(bool)
    areas = naive.district_areas(T[:, active], dem["area_m2"].to_numpy(float) / 1e6, urban)
    for k, area in areas.items():
        assert a.stations.iloc[active[k]]["area_km2"] == pytest.approx(area)
    assert a.coverage_share == pytest.approx(
        naive.coverage_share(T[:, active], dem["population"].to_numpy(float), urban, 4.0))


# ------------------------------------------------------------------ properties


@st.composite
def instances(draw):
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    T = np.round(rng.uniform(0, 8, (n, m)), 0)
    T[rng.random((n, m)) < 0.15] = np.inf
    demand = pd.DataFrame({"population": rng.integers(0, 50, n).astype(float),
                           "area_m2": rng.uniform(0, 2e6, n), "urban": rng.random(n) < 0.8},
                          index=[f"d{i}" for i in range(n)])
    classes = rng.choice(["class1", "class2", "small", "special", "logistics"], m)
    stations = pd.DataFrame({"station_class": classes}, index=[f"s{j}" for j in range(m)])
    return demand, stations, pd.DataFrame(T, index=demand.index, columns=stations.index)


@given(instances())
def test_partition_covers_each_in_scope_point_once(inst):
    demand, stations, times = inst
    a = assess(stations=stations, demand=demand, times=times)
    T = times.to_numpy()
    active = np.array([c != "logistics" for c in stations["station_class"]])
    urban = demand["urban"].to_numpy(bool)
    reach = urban & (np.isfinite(T[:, active]).any(axis=1) if active.any() else np.zeros(len(urban), bool))
    d = a.points["district"]
    assert d.notna().to_numpy().tolist() == reach.tolist()
    assert int(a.stations["n_points"].sum()) == int(reach.sum())
    # each district = the points its station reaches first
    act_idx = np.nonzero(active)[0]
    areas = naive.district_areas(T[:, active], demand["area_m2"].to_numpy() / 1e6, urban)
    for k, j in enumerate(act_idx):
        assert a.stations.iloc[j]["area_km2"] == pytest.approx(areas.get(k, 0.0))
    exp = naive.coverage_share(T[:, active], demand["population"].to_numpy(), urban, 4.0)
    if math.isnan(exp):
        assert math.isnan(a.coverage_share)
    else:
        assert a.coverage_share == pytest.approx(exp)


@given(instances(), st.integers(0, 2**31 - 1))
def test_adding_a_station_never_lowers_coverage(inst, seed):
    demand, stations, times = inst
    rng = np.random.default_rng(seed)
    extra = np.round(rng.uniform(0, 8, len(demand)), 0)
    a = assess(stations=stations, demand=demand, times=times)
    st2 = pd.concat([stations, pd.DataFrame({"station_class": ["class1"]}, index=["new"])])
    b = assess(stations=st2, demand=demand, times=times.assign(new=extra))
    if not math.isnan(a.coverage_share):
        assert b.coverage_share >= a.coverage_share - 1e-12
        assert b.area_share >= a.area_share - 1e-12
    # existing districts only shrink
    for sid in stations.index:
        if stations.loc[sid, "station_class"] != "logistics":
            assert b.stations.loc[sid, "area_km2"] <= a.stations.loc[sid, "area_km2"] + 1e-9


# ------------------------------------------------------------------ errors


def test_unknown_class(gb_case):
    gb_case["stations"]["station_class"] = ["class1", "suburban", "big"]
    with pytest.raises(ValidationError, match=r"unknown station_class \['big', 'suburban'\] for ids 's2', 's3'"):
        assess(**gb_case)


def test_missing_area_column(gb_case):
    gb_case["demand"] = gb_case["demand"].drop(columns="area_m2")
    with pytest.raises(ValidationError, match="must have a column 'area_m2'"):
        assess(**gb_case)


def test_missing_area_values(gb_case):
    gb_case["demand"].loc[["d2", "d4"], "area_m2"] = np.nan
    with pytest.raises(ValidationError, match="'area_m2'.*ids 'd2', 'd4'"):
        assess(**gb_case)


def test_negative_population(gb_case):
    gb_case["demand"].loc["d3", "population"] = -5
    with pytest.raises(ValidationError, match="non-negative 'population'.*'d3'"):
        assess(**gb_case)


def test_missing_urban_and_class_columns(gb_case):
    with pytest.raises(ValidationError) as ei:
        assess(demand=gb_case["demand"].drop(columns="urban"), stations=gb_case["stations"].drop(columns="station_class"),
               times=gb_case["times"])
    assert "column 'urban'" in str(ei.value) and "column 'station_class'" in str(ei.value)


def test_urban_not_boolean(gb_case):
    gb_case["demand"]["urban"] = gb_case["demand"]["urban"].astype(object)
    gb_case["demand"].loc["d1", "urban"] = "maybe"
    with pytest.raises(ValidationError, match="boolean 'urban' column.*'d1'"):
        assess(**gb_case)


def test_edge_column_not_boolean(gb_case):
    gb_case["stations"]["urban_edge"] = ["x", False, False]
    with pytest.raises(ValidationError, match="boolean 'urban_edge' column"):
        assess(**gb_case)


def test_duplicate_ids(gb_case):
    gb_case["stations"].index = ["s1", "s1", "s3"]
    with pytest.raises(ValidationError, match="unique ids.*'s1'"):
        assess(**gb_case)


def test_times_missing_ids(gb_case):
    with pytest.raises(ValidationError, match="missing origin ids 's3' and destination ids 'd6'"):
        assess(**{**gb_case, "times": gb_case["times"].drop(index="d6", columns="s3")})


def test_times_nan_and_negative(gb_case):
    t = gb_case["times"].copy()
    t.loc["d2", "s1"] = np.nan
    t.loc["d3", "s2"] = -1
    with pytest.raises(ValidationError) as ei:
        assess(**{**gb_case, "times": t})
    assert "must not contain NaN" in str(ei.value) and "'d2'" in str(ei.value)
    assert "non-negative minutes" in str(ei.value) and "'d3'" in str(ei.value)


def test_times_wrong_shape(gb_case):
    with pytest.raises(ValidationError, match=r"must be an array of shape \(n_demand, n_stations\) = \(6, 3\)"):
        assess(**{**gb_case, "times": np.zeros((2, 2))})


def test_no_times_no_county(gb_case):
    with pytest.raises(ValidationError, match="'times' parameter of fire.assess"):
        assess(**{**gb_case, "times": None})


def test_no_tables():
    with pytest.raises(ValidationError, match="'stations' parameter of fire.assess"):
        assess()
    with pytest.raises(ValidationError, match="pandas DataFrame"):
        assess(stations=[1, 2], demand=pd.DataFrame())


def test_empty_tables(gb_case):
    with pytest.raises(ValidationError) as ei:
        assess(stations=gb_case["stations"].iloc[:0], demand=gb_case["demand"].iloc[:0], times=np.zeros((0, 0)))
    assert "at least one station" in str(ei.value) and "at least one demand point" in str(ei.value)
