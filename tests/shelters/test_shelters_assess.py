"""yj.shelters.assess: hand-checked figures, contract fields, rules, network vs matrix input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yingji.shelters import (
    ShelterAssessment,
    assess,
    is_feasible_assignment,
    shelter_norms,
    shelter_rules,
)


def _flow(s: ShelterAssessment):
    F = np.zeros((len(s.demand), len(s.shelters)))
    di = s.demand.index.get_indexer(s.assignment["demand"])
    si = s.shelters.index.get_indexer(s.assignment["shelter"])
    np.add.at(F, (di, si), s.assignment["people"].to_numpy(float))
    return F


def test_hand_checked_line_county(line_county):
    s = assess(line_county)
    assert isinstance(s, ShelterAssessment)
    assert s.per_capita_m2 == pytest.approx(13800 / 4000)
    # 2SFCA: s0 serves d0+d1 (R=1800/2000), s1 serves everyone (R=12000/4000)
    assert s.demand["access_m2_per_capita"].tolist() == pytest.approx([3.9, 3.9, 3.0])
    assert s.reachable_per_capita_m2 == pytest.approx(3.45)
    assert s.sheltered_share == 1.0
    assert s.sheltered == 4000 and s.unsheltered == 0
    # s0 (1200 places) takes d0's 1000 and 200 of d1; the rest of d1 walks 500 m to s1
    assert list(s.assignment.columns[:2]) == ["demand", "shelter"]
    got = {(r.demand, r.shelter): (r.people, r.metres) for r in s.assignment.itertuples()}
    assert got == {("d0", "s0"): (1000, 250), ("d1", "s0"): (200, 250),
                   ("d1", "s1"): (800, 500), ("d2", "s1"): (2000, 0)}
    assert s.person_metres == 700_000
    assert s.full_shelters == ["s0"]
    assert s.shelters.loc["s0", "capacity"] == 1200 and s.shelters.loc["s1", "capacity"] == 8000
    assert s.optimal


def test_rules_pass_fail_with_ids(line_county):
    s = assess(line_county)
    r = s.rules
    assert set(r.index) >= {"S1-145", "S4-001", "S4-002", "S4-007", "S4-008", "S4-010",
                            "S4-011", "S4-033"}
    assert "S4-009" not in r.index  # no central shelter
    assert s.passed["S1-145"] and s.passed["S4-001"]
    assert r.loc["S4-010", "value"] == 250 and s.passed["S4-010"]
    assert r.loc["S4-011", "value"] == 1000 and s.passed["S4-011"]
    assert not s.passed["S4-002"] and "'s0'" in r.loc["S4-002", "detail"]
    assert r.loc["S4-033", "value"] == pytest.approx(200.0)
    assert r.loc["S4-008", "value"] == pytest.approx(1.2)  # hm2
    assert (r["provenance"].str.len() > 0).all() and (r["clause"].str.len() > 0).all()


def test_unsheltered_by_township_and_point(line_county):
    sh = line_county.shelters.copy()
    sh.loc["s1", "area_m2"] = 1500.0  # 1000 places
    s = assess(line_county, shelters=sh)
    assert s.sheltered == 2200
    assert s.unsheltered_by_township.loc["A", "unsheltered"] == 800
    assert s.unsheltered_by_township.loc["B", "unsheltered"] == 1000
    assert s.unsheltered_by_township.loc["B", "unsheltered_share"] == 0.5
    # d0 and d1 are both 250 m from s0: which of them waits is a tie; d2 waits most
    assert s.unsheltered_points.index[0] == "d2"
    assert s.unsheltered_points["unsheltered"].tolist() == [1000, 800]
    assert sorted(s.full_shelters) == ["s0", "s1"]
    assert s.sheltered_share == pytest.approx(2200 / 4000)
    assert s.person_metres == 300_000


def test_never_beyond_capacity_or_radius(grid_county):
    s = assess(grid_county)
    F = _flow(s)
    P = s.demand["population"].to_numpy(float)
    K = s.shelters["capacity"].to_numpy(float)
    D = grid_county.network.distances(grid_county.demand["node"].tolist(),
                                      grid_county.shelters["node"].tolist())
    r = s.shelters["radius_m"].to_numpy(float)
    assert is_feasible_assignment(F, P, K, D, r)
    assert (s.assignment["metres"] <= s.assignment["shelter"].map(s.shelters["radius_m"])).all()
    assert F.sum() == pytest.approx(s.sheltered)
    assert s.unsheltered_by_township["unsheltered"].sum() == pytest.approx(s.unsheltered)
    assert s.reachable_per_capita_m2 <= s.per_capita_m2 + 1e-12


def test_distance_matrix_input_matches_network(grid_county):
    s1 = assess(grid_county)
    D = grid_county.network.distances(grid_county.demand["node"].tolist(),
                                      grid_county.shelters["node"].tolist())
    dist = pd.DataFrame(D, index=grid_county.demand.index, columns=grid_county.shelters.index)
    # shuffled labels must be aligned by id
    dist = dist.sample(frac=1.0, random_state=1)[dist.columns[::-1]]
    s2 = assess(grid_county, distances=dist)
    s3 = assess(demand=grid_county.demand, shelters=grid_county.shelters, distances=D)
    for s in (s2, s3):
        assert s.sheltered == pytest.approx(s1.sheltered)
        assert s.person_metres == pytest.approx(s1.person_metres)
        assert s.reachable_per_capita_m2 == pytest.approx(s1.reachable_per_capita_m2)


def test_norm_profiles_change_capacity(line_county):
    s = assess(line_county, norms="GB50413")
    assert s.shelters["capacity"].tolist() == [1800, 6000]
    custom = pd.DataFrame({"shelter_class": ["emergency", "fixed"], "per_capita_m2": [2.0, 2.0],
                           "radius_m": [100.0, 100.0]})
    s2 = assess(line_county, norms=custom)
    assert s2.shelters["capacity"].tolist() == [900, 6000]
    # d2 sits on s1; d0 and d1 are 250 m from s0 (beyond 100 m)
    assert s2.sheltered == 2000
    s3 = assess(line_county, norms={"emergency": {"per_capita_m2": 1.5, "radius_m": 500},
                                    "fixed": {"per_capita_m2": 1.5, "radius_m": 3000}})
    assert s3.sheltered == 4000


def test_norms_and_rules_tables():
    for prof in ("plan", "GB50413", "GB51143"):
        t = shelter_norms(prof)
        assert list(t.index) == ["emergency", "fixed", "central"]
        assert (t["per_capita_m2"] > 0).all() and (t["radius_m"] > 0).all()
    assert shelter_norms()["per_capita_m2"].eq(1.5).all()
    assert shelter_norms("GB51143")["per_capita_status"].eq("UNCONFIRMED").all()
    r = shelter_rules()
    assert r.loc["S4-010", "threshold"] == 500 and r.loc["S4-001", "operator"] == ">"


def test_outputs_serialise_and_summarise(line_county):
    s = assess(line_county)
    d = s.to_dict()
    json.dumps(d)
    assert d["reachable_per_capita_m2"] == pytest.approx(3.45)
    assert len(d["rules"]) == len(s.rules)
    text = s.summary()
    assert "county-wide" in text and "2SFCA" in text and "[FAIL] S4-002" in text
    f = s.to_frame()
    assert list(f.index) == ["d0", "d1", "d2"] and "unsheltered" in f.columns


def test_no_shelters_gives_zero(line_county):
    empty = line_county.shelters.iloc[:0]
    s = assess(line_county, shelters=empty)
    assert s.per_capita_m2 == 0 and s.sheltered == 0 and s.unsheltered == 4000
    assert not s.passed["S4-010"] and not s.passed["S1-145"]
    assert len(s.assignment) == 0


def test_central_and_site_area(line_county):
    sh = line_county.shelters.copy()
    sh.loc["s1", "shelter_class"] = "central"
    sh["site_area_m2"] = [np.nan, 600_000.0]
    s = assess(line_county, shelters=sh)
    assert s.passed["S4-009"] and s.rules.loc["S4-009", "value"] == 60.0


def test_plot(line_county):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    s = assess(line_county)
    ax = s.plot()
    assert ax.get_title().startswith("Shelters")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_registered_metrics(line_county):
    from yingji.compliance.metrics import get_metric

    spec = get_metric("shelter_living_area_per_capita")
    assert spec.module == "yingji.compliance.domain_metrics"
    assert spec.func(line_county) == pytest.approx(3.45)
    assert get_metric("emergency_shelter_walk_distance_m").func(line_county) == 250
    assert get_metric("fixed_shelter_walk_distance_m").func(line_county) == 1000
    assert get_metric("fixed_shelter_capacity_share").func(line_county) == pytest.approx(200)
    assert get_metric("emergency_shelter_site_hm2").func(line_county) == 1800
    assert get_metric("shelter_class_assigned").func(line_county) is True
    from yingji.compliance.metrics import MetricUnavailable

    from types import SimpleNamespace

    no = SimpleNamespace(demand=line_county.demand, shelters=line_county.shelters.iloc[:0],
                         network=line_county.network)
    with pytest.raises(MetricUnavailable, match="no shelters table"):
        get_metric("shelter_area_per_capita").func(no)
    with pytest.raises(MetricUnavailable, match="no central shelters"):
        get_metric("central_shelter_site_hm2").func(line_county)


def test_nearest_distance_beyond_cutoff_is_exact():
    from naive_shelters import line_network

    from yingji.county import County

    net = line_network(n=8, step=1000.0)  # 7 km road
    demand = pd.DataFrame({"id": ["near", "far"], "x": [0.0, 7000.0], "y": [0.0, 0.0],
                           "population": [10.0, 10.0]})
    shelters = pd.DataFrame({"id": ["s"], "x": [0.0], "y": [0.0], "shelter_class": ["fixed"],
                             "area_m2": [12000.0]})
    s = assess(County(net, demand=demand, shelters=shelters))
    # the search stops at 3000 m; the farthest point is searched again without the cutoff
    assert s.rules.loc["S4-010", "value"] == 7000 and s.rules.loc["S4-011", "value"] == 7000
    assert s.demand.loc["far", "nearest_m"] == 7000
    assert s.sheltered == 10 and "'far'" in s.rules.loc["S4-011", "detail"]


def test_metrics_unavailable_reasons(line_county):
    from types import SimpleNamespace

    from yingji.compliance.metrics import MetricUnavailable, get_metric

    no_net = SimpleNamespace(demand=line_county.demand, shelters=line_county.shelters,
                             network=None)
    with pytest.raises(MetricUnavailable, match="assess cannot run on this county: assess needs "
                                                "walking distances"):
        get_metric("emergency_shelter_walk_distance_m").func(no_net)
    empty = SimpleNamespace(shelters=line_county.shelters.iloc[:0])
    with pytest.raises(MetricUnavailable, match="no shelters table with area_m2"):
        get_metric("fixed_shelter_site_hm2").func(empty)
    with pytest.raises(MetricUnavailable, match="the county has no shelters table"):
        get_metric("shelter_class_assigned").func(empty)
    sh = line_county.shelters.assign(site_area_m2=[5000.0, np.nan])
    assert get_metric("emergency_shelter_site_hm2").func(SimpleNamespace(shelters=sh)) == 5000


def test_norms_dict_without_columns(line_county):
    from yingji import ValidationError

    with pytest.raises(ValidationError, match="must have columns per_capita_m2 and radius_m"):
        assess(line_county, norms={"emergency": 1.5, "fixed": 2.0})


def test_time_limit_without_a_point_falls_back_to_greedy(line_county, monkeypatch):
    import yingji.siting.assignment as S  # assess solves the assignment LP there
    from yingji.solvers import Solution

    def no_point(model, **kw):
        return Solution(None, float("nan"), float("nan"), float("inf"), "time_limit", False,
                        "kTimeLimit", 0.0)

    monkeypatch.setattr(S, "solve", no_point)
    s = assess(line_county)
    assert s.status == "time_limit" and not s.optimal
    assert "time limit" in s.summary()
    # the greedy assignment is feasible: shortest walks first
    assert s.sheltered == 4000
    F = _flow(s)
    assert (F.sum(axis=0) <= s.shelters["capacity"].to_numpy() + 1e-9).all()
