"""Hazard scenarios: zones and their effects, apply, compare before/after, sweep on executors,
and the bridge to supply prepositioning."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.exceptions import ValidationError
from yingji.scenarios import Scenario, Zone, points_in_polygon


def _two_banks() -> yj.County:
    """A small county on two river banks joined by one bridge (node 4 - node 9, 3 minutes).

    West bank: a 3 x 3 grid of nodes 0-8 at x 0-1000 m, a fire station, a depot, a team, two
    shelters. East bank: nodes 9-17 at x 3000-4000 m, a shelter and a hazard site.
    """
    nodes, edges = [], []
    for bank, x0 in ((0, 0.0), (1, 3000.0)):
        for r in range(3):
            for k in range(3):
                nodes.append((bank * 9 + r * 3 + k, x0 + 500.0 * k, 500.0 * r))
        for r in range(3):
            for k in range(3):
                a = bank * 9 + r * 3 + k
                if k < 2:
                    edges.append((a, a + 1, 1.0, 500.0))
                if r < 2:
                    edges.append((a, a + 3, 1.0, 500.0))
    edges.append((5, 12, 3.0, 2000.0))   # the bridge: (1000, 500) to (3000, 500)
    nd = pd.DataFrame(nodes, columns=["id", "x", "y"]).set_index("id")
    ed = pd.DataFrame(edges, columns=["u", "v", "minutes", "metres"]).assign(road_class="urban_street")
    net = yj.Network.from_edges(ed, nodes=nd)
    pts = [(f"W{i}", x, y) for i, (x, y) in enumerate(nd.iloc[:9][["x", "y"]].to_numpy())] + \
          [(f"E{i}", x, y) for i, (x, y) in enumerate(nd.iloc[9:][["x", "y"]].to_numpy())]
    demand = pd.DataFrame({"id": [p[0] for p in pts], "x": [p[1] for p in pts], "y": [p[2] for p in pts],
                           "population": 1000.0, "area_m2": 250_000.0, "urban": True,
                           "township": ["west" if p[0][0] == "W" else "east" for p in pts]})
    stations = pd.DataFrame({"id": ["S1"], "x": [0.0], "y": [0.0], "station_class": ["class1"],
                             "engines": [2], "ladders": [1], "staff": [30]})
    shelters = pd.DataFrame({"id": ["SW1", "SW2", "SE1"], "x": [500.0, 0.0, 3500.0], "y": [500.0, 1000.0, 500.0],
                             "shelter_class": ["emergency"] * 3, "area_m2": [3000.0, 2000.0, 4000.0]})
    depots = pd.DataFrame({"id": ["P1"], "x": [500.0], "y": [0.0], "capacity": [1000.0], "open_cost": [0.0]})
    items = pd.DataFrame({"item": ["water"], "unit": ["L"], "per_person_per_day": [15.0], "days": [3.0],
                          "unit_volume": [0.001], "unit_cost": [1.0], "source": ["test"]})
    stock = pd.DataFrame({"depot": ["P1"], "item": ["water"], "quantity": [100_000.0], "expires": ["2099-01-01"]})
    teams = pd.DataFrame({"id": ["T1"], "x": [1000.0], "y": [0.0], "skills": ["flood"], "crew": [20], "vehicles": [2]})
    hazards = pd.DataFrame({"id": ["H1"], "x": [4000.0], "y": [1000.0], "hazard_type": ["river"], "skill": ["flood"],
                            "crew_needed": [10], "max_minutes": [30.0], "weight": [1.0]})
    return yj.County(net, demand=demand, stations=stations, shelters=shelters, depots=depots, items=items,
                     stock=stock, teams=teams, hazards=hazards, meta={"name": "two banks", "crs": "EPSG:4547"})


@pytest.fixture(scope="module")
def banks():
    return _two_banks()


def test_points_in_polygon_against_hand_cases():
    sq = [(0, 0), (10, 0), (10, 10), (0, 10)]
    L = [(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)]   # a concave L
    x = np.array([5.0, 5.0, 11.0, 2.0, 8.0, -1.0])
    y = np.array([5.0, 8.0, 5.0, 8.0, 2.0, 5.0])
    assert points_in_polygon(x, y, sq).tolist() == [True, True, False, True, True, False]
    assert points_in_polygon(x, y, L).tolist() == [False, False, False, True, True, False]


def test_a_zone_with_a_shelter_removes_its_capacity(banks):
    z = Zone.polygon("flood", [(400, 400), (600, 400), (600, 600), (400, 600)], roads="open")
    r = yj.scenarios.compare(banks, Scenario("flood", zones=[z]), domains=["shelters"], time_limit=20)
    assert r.effects.unavailable[["table", "id"]].values.tolist() == [["shelters", "SW1"]]
    before, after = r.figure("shelters", "capacity")
    full = yj.shelters.assess(banks).capacity
    without = yj.shelters.assess(banks, shelters=banks.shelters.drop(index="SW1")).capacity
    assert before == pytest.approx(full) and after == pytest.approx(without) and after < before
    assert r.figure("shelters", "shelters") == (3.0, 2.0)
    after_county = yj.scenarios.apply(banks, Scenario("flood", zones=[z]))
    assert "SW1" not in after_county.shelters.index and len(banks.shelters) == 3
    # notebook display: the changed figures first, before and after
    html = r._repr_html_()
    assert "before" in html and "after" in html and "capacity" in html
    assert repr(r).startswith("ScenarioComparison(scenario=flood") and "figures changed=" in repr(r)
    assert z.vertices[0] == (400.0, 400.0) and Zone.circle("c", 0, 0, 1).vertices is None


def test_cutting_the_only_bridge_cuts_the_far_side_off_and_says_so(banks):
    s = Scenario("bridge down", closed_edges=[(5, 12)])
    r = yj.scenarios.compare(banks, s, domains=["network", "fire", "teams"], time_limit=20)
    un = r.unreachable
    east = {f"E{i}" for i in range(9)}
    assert set(un.loc[un["table"] == "demand", "id"]) == east
    assert set(un.loc[un["table"] == "hazards", "id"]) == {"H1"}
    assert (un["reason"] == "cut off from the main road network").all()
    assert r.figure("network", "demand cut off") == (0.0, 9.0)
    assert r.figure("teams", "hazard sites fully served", "count") == (1.0, 0.0)
    assert r.figure("teams", "hazard sites fully served", "%") == (100.0, 0.0)
    assert r.figure("teams", "hazard sites no team reaches in time") == (0.0, 1.0)
    assert "unreachable: 9 demand, 1 hazards" in r.summary()
    # the east bank's points are inf from the station: the times say so too
    after = yj.scenarios.apply(banks, s)
    T = after.network.travel_times([banks.stations["node"].iloc[0]], banks.demand["node"].tolist())
    assert np.isinf(T[0, 9:]).all() and np.isfinite(T[0, :9]).all()


def test_closed_and_slowed_zones_match_the_network_methods(banks):
    z1 = Zone.node_set("washout", [13], roads="closed", displaced=0.5)
    z2 = Zone.circle("mud", 250.0, 0.0, 300.0, roads="slowed", speed_factor=0.25, facilities=False)
    s = Scenario("mix", zones=[z1, z2])
    eff = yj.scenarios.effects(banks, s)
    assert eff.closed_nodes == [13] and eff.slowed["mud"][0] == [0, 1]
    assert eff.displaced.to_dict() == {"E4": 500.0}
    after = yj.scenarios.apply(banks, s)
    want = banks.network.without(nodes=[13]).slowed(0.25, nodes=[0, 1])
    np.testing.assert_array_equal(after.network.travel_times(), want.travel_times())
    # 0-1 is slowed to 4 min; the detour 0-3-4-1 (3 min) now wins
    assert after.network.travel_times([0], [1]).item() == pytest.approx(3.0)
    assert after.network.travel_times([0], [3]).item() == pytest.approx(1.0)
    assert after.demand["displaced"].sum() == 500.0
    # the displaced residents' needs become a supply scenario, with the depot-free roads cut
    ss = yj.scenarios.supply_scenarios(banks, [s, Scenario("bridge", closed_edges=[(5, 12)], probability=0.5)],
                                       probabilities=[0.5, 0.5])
    q = ss.demand.loc[ss.demand["scenario"] == "mix", "quantity"].sum()
    assert q == pytest.approx(500.0 * 15.0 * 3.0)
    assert sorted(map(sorted, ss.closed_edges["mix"])) == [[10, 13], [12, 13], [13, 14], [13, 16]]
    assert ss.closed_edges["bridge"] == [(5, 12)] and ss.closed_depots["mix"] == []


def test_displaced_needs_behind_a_cut_bridge_are_not_delivered(banks):
    zone = Zone.node_set("east", [13], roads="open", facilities=False, displaced=0.5)
    cut = yj.scenarios.compare(banks, Scenario("cut", zones=[zone], closed_edges=[(5, 12)]),
                               domains=["supplies"], time_limit=20)
    assert cut.figure("supplies", "displaced needs delivered") == (100.0, 0.0)
    before, after = cut.figure("supplies", "latest transfer arrival")
    assert np.isfinite(before) and np.isnan(after)
    assert cut.figure("supplies", "population whose needs stock meets in time") == (100.0, 50.0)
    # the same displaced residents with the bridge standing: everything delivered, same arrival
    kept = yj.scenarios.compare(banks, Scenario("kept", zones=[zone]), domains=["supplies"], time_limit=20)
    assert kept.figure("supplies", "displaced needs delivered") == (100.0, 100.0)
    assert kept.figure("supplies", "latest transfer arrival") == (before, before)


def test_sweep_same_table_on_threads_and_dask(banks):
    scen = [Scenario("bridge", closed_edges=[(5, 12)]),
            Scenario("flood", zones=[Zone.circle("f", 500.0, 500.0, 100.0, roads="slowed", displaced=0.2)]),
            Scenario("plume", zones=[Zone.circle("p", 3500.0, 500.0, 600.0)])]
    kw = dict(domains=["network", "fire", "shelters"], time_limit=20)
    plain = yj.scenarios.sweep(banks, scen, **kw)
    with ThreadPoolExecutor(2) as ex:
        threads = yj.scenarios.sweep(banks, scen, executor=ex, **kw)
    pd.testing.assert_frame_equal(plain, threads)
    assert list(dict.fromkeys(plain["scenario"])) == ["bridge", "flood", "plume"]
    assert set(plain.columns) == {"scenario", "domain", "figure", "unit", "before", "after", "change", "notes"}
    one = yj.scenarios.compare(banks, scen[2], **kw).to_frame()
    got = plain[plain["scenario"] == "plume"].drop(columns="notes").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, one)
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as client:
        dk = yj.scenarios.sweep(banks, scen, executor=client, **kw)
    pd.testing.assert_frame_equal(plain, dk)


def test_hour_reaches_every_domain_of_compare(banks):
    prof = {"urban_street": [1.0] * 8 + [0.5] + [1.0] * 15}
    c8 = banks.replace(network=banks.network.with_speed_profile(prof))
    s = Scenario("none", zones=[Zone.circle("far", -5000.0, -5000.0, 1.0)])
    r3 = yj.scenarios.compare(c8, s, domains=["fire"], hour=3)
    r8 = yj.scenarios.compare(c8, s, domains=["fire"], hour=8)
    p3 = r3.figure("fire", "travel time percentile")[0]
    p8 = r8.figure("fire", "travel time percentile")[0]
    assert p8 == pytest.approx(2 * p3)


def test_bad_inputs_are_refused_with_named_errors(banks):
    with pytest.raises(ValidationError, match="'roads' parameter of Zone must be one of"):
        Zone.circle("z", 0, 0, 10, roads="flooded")
    with pytest.raises(ValidationError, match="'radius_m' parameter of Zone must be a finite float >= 0"):
        Zone.circle("z", 0, 0, -1)
    with pytest.raises(ValidationError, match="'vertices' parameter of Zone must be at least 3"):
        Zone.polygon("z", [(0, 0), (1, 1)])
    with pytest.raises(ValidationError, match="'displaced' parameter of Zone must be a float in \\[0, 1\\]"):
        Zone.node_set("z", [1], displaced=1.5)
    with pytest.raises(ValidationError, match="'speed_factor' parameter of Zone"):
        Zone.node_set("z", [1], speed_factor=0)
    with pytest.raises(ValidationError, match="names zones twice: \\['z'\\]"):
        Scenario("s", zones=[Zone.node_set("z", [1]), Zone.node_set("z", [2])])
    with pytest.raises(ValidationError, match="'county' parameter of scenarios.compare must be a yingji.County"):
        yj.scenarios.compare("county", Scenario("s"))
    with pytest.raises(ValidationError, match="names pairs joined by no road segment: \\(0, 17\\)"):
        yj.scenarios.apply(banks, Scenario("s", closed_edges=[(0, 17)]))
    with pytest.raises(ValidationError, match="zone 'z' nodes.*Unknown node"):
        yj.scenarios.apply(banks, Scenario("s", zones=[Zone.node_set("z", [999])]))
    with pytest.raises(ValidationError, match="'domains' parameter of scenarios.compare must be a non-empty subset"):
        yj.scenarios.compare(banks, Scenario("s"), domains=["police"])
    with pytest.raises(ValidationError, match="'hour' parameter of scenarios.sweep must be an int in \\[0, 23\\]"):
        yj.scenarios.sweep(banks, [Scenario("s")], hour=25)
    with pytest.raises(ValidationError, match="names scenarios twice: \\['s'\\]"):
        yj.scenarios.sweep(banks, [Scenario("s"), Scenario("s")])
    given_lonlat = banks.replace(meta={"input_crs": "EPSG:4326"})   # held in metres, given in lon/lat
    with pytest.raises(ValidationError, match="zone 'c' has coordinates \\(3500.0, 500.0\\), which are not "
                                              "longitude/latitude.*given in EPSG:4326"):
        yj.scenarios.apply(given_lonlat, Scenario("s", zones=[Zone.circle("c", 3500, 500, 1)]))
    # node-set zones need no CRS
    after = yj.scenarios.apply(given_lonlat, Scenario("s", zones=[Zone.node_set("n", [13], roads="open")]))
    assert "SE1" not in after.shelters.index


def test_zones_on_a_county_given_in_lonlat_are_projected_like_the_county(banks):
    pyproj = pytest.importorskip("pyproj")
    to_ll = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(3500.0, 500.0)                       # shelter SE1
    ring = [to_ll.transform(x, y) for x, y in ((-100, -100), (1100, -100), (1100, 1100), (-100, 1100))]
    given_lonlat = banks.replace(meta={"input_crs": "EPSG:4326"})
    after = yj.scenarios.apply(given_lonlat, Scenario("s", zones=[Zone.circle("plume", lon, lat, 50.0),
                                                                  Zone.polygon("west", ring, roads="open")]))
    assert sorted(after.shelters.index) == []                      # SE1 by the circle, SW1/SW2 by the ring
    assert after.stations.empty and after.depots.empty and after.teams.empty
    # the same zones drawn in metres on the county held in metres: the same effects
    same = yj.scenarios.apply(banks, Scenario("s", zones=[Zone.circle("plume", 3500.0, 500.0, 50.0),
                                                          Zone.polygon("west", [(-100, -100), (1100, -100),
                                                                                (1100, 1100), (-100, 1100)],
                                                                       roads="open")]))
    assert same.shelters.empty and same.stations.empty


def test_a_zone_outside_the_county_is_warned_about(banks):
    """A circle drawn in lon/lat degrees on a county held in metres changes nothing: say so."""
    from yingji.exceptions import YingjiWarning

    with pytest.warns(YingjiWarning, match="zone 'z' .* lies outside county"):
        eff = yj.scenarios.effects(banks, Scenario("s", zones=[Zone.circle("z", -1e6, -1e6, 3000.0)]))
    assert len(eff.unavailable) == 0 and not eff.closed_nodes
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", YingjiWarning)  # a zone inside: no warning
        yj.scenarios.effects(banks, Scenario("p", zones=[Zone.circle("p", 3500.0, 500.0, 600.0)]))
