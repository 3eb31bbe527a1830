"""Travel times by hour of day: speed profiles, Network.at_hour / travel_times(hour=), the county's
own profile file, and ``hour=`` through the shared resolver into the domain calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

import yingji as yj
from yingji.exceptions import ValidationError
from yingji.network import DEFAULT_SPEED_PROFILE, speed_profile


def _random_edges(seed: int, n: int = 60, m: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    keep = u != v
    classes = np.array(["urban_arterial", "urban_street", "national", "track_x", ""])
    return pd.DataFrame({"u": u[keep], "v": v[keep], "minutes": rng.uniform(0.0, 5.0, keep.sum()),
                         "oneway": rng.random(keep.sum()) < 0.3,
                         "road_class": classes[rng.integers(0, len(classes), keep.sum())]})


def _oracle(edges: pd.DataFrame, profile: pd.DataFrame, hour: int, nodes) -> np.ndarray:
    """All-pairs minutes by scipy's Dijkstra on the edge table scaled by hand (parallel arcs
    keep the fastest scaled arc; unlisted classes drive at free flow)."""
    pos = {x: i for i, x in enumerate(nodes)}
    f = np.array([profile.loc[c, hour] if c in profile.index else 1.0 for c in edges["road_class"]])
    w = edges["minutes"].to_numpy() / f
    best: dict = {}
    for a, b, ww, ow in zip(edges["u"], edges["v"], w, edges["oneway"]):
        for s, t in ([(a, b)] if ow else [(a, b), (b, a)]):
            key = (pos[s], pos[t])
            best[key] = min(best.get(key, np.inf), ww)
    n = len(nodes)
    rows = [k[0] for k in best]
    cols = [k[1] for k in best]
    vals = [v + 1e-300 if v == 0 else v for v in best.values()]  # keep zero arcs as arcs
    G = sp.csr_array((vals, (rows, cols)), shape=(n, n))
    D = dijkstra(G, directed=True)
    D[D < 1e-200] = 0.0
    return D


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("hour", [3, 8, 18])
def test_hour_times_match_dijkstra_on_scaled_edges(seed, hour):
    edges = _random_edges(seed)
    rng = np.random.default_rng(100 + seed)
    prof = {c: list(rng.uniform(0.3, 1.2, 24)) for c in ("urban_arterial", "urban_street", "national")}
    net = yj.Network.from_edges(edges, warn_disconnected=False).with_speed_profile(prof)
    nodes = net.nodes.tolist()
    got = net.travel_times(hour=hour)
    want = _oracle(edges, net.speed_profile, hour, nodes)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    # scipy's path and the numba path agree at the hour, and the cache returns the same network
    np.testing.assert_allclose(net.travel_times(hour=hour, method="scipy"), want, rtol=1e-9, atol=1e-12)
    assert net.at_hour(hour) is net.at_hour(hour)


def test_default_profile_on_the_sample_county_is_slower_at_the_peak_and_free_at_night():
    c = yj.datasets.sample_county()
    net = c.network
    assert net.road_classes is not None and not net.has_own_profile
    st = c.stations["node"].tolist()
    dm = c.demand["node"].tolist()[:300]
    free = net.travel_times(st, dm)
    np.testing.assert_array_equal(net.travel_times(st, dm, hour=3), free)
    peak = net.travel_times(st, dm, hour=18)
    fin = np.isfinite(free)
    assert (peak[fin] >= free[fin] - 1e-12).all() and (peak[fin] > free[fin]).mean() > 0.9
    # no segment is slower than its class's peak factor allows: times at most free / min factor
    fmin = DEFAULT_SPEED_PROFILE[18].min()
    assert (peak[fin] <= free[fin] / fmin + 1e-9).all()


def test_profile_table_forms_and_errors():
    long = pd.DataFrame([("a", h, 0.5 + h / 100) for h in range(24)], columns=["road_class", "hour", "speed_factor"])
    p = speed_profile(long)
    assert p.shape == (1, 24) and p.loc["a", 10] == pytest.approx(0.6)
    assert speed_profile({"a": [0.5 + h / 100 for h in range(24)]}).equals(p)
    with pytest.raises(ValidationError, match=r"all 24 hours.*'a': hours \[23\]"):
        speed_profile(long.iloc[:23])
    bad = long.copy()
    bad.loc[5, "speed_factor"] = 0.0
    with pytest.raises(ValidationError, match=r"speed factors in \(0, 10\].*\('a', 5\) = 0.0"):
        speed_profile(bad)
    bad = long.copy()
    bad.loc[3, "hour"] = 24
    with pytest.raises(ValidationError, match=r"whole hours 0-23; rows 3"):
        speed_profile(bad)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['speed_factor'\]"):
        speed_profile(long[["road_class", "hour"]])
    twice = pd.concat([long, long.iloc[:1]], ignore_index=True)
    with pytest.raises(ValidationError, match="same \\(road_class, hour\\) twice"):
        speed_profile(twice)


def test_bad_hour_and_network_without_classes_are_refused():
    df = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 2.0]})
    net = yj.Network.from_edges(df)
    with pytest.raises(ValidationError, match="'hour' parameter of Network.at_hour must be an int in \\[0, 23\\]"):
        net.travel_times(hour=24)
    with pytest.raises(ValidationError, match="'hour' parameter.*Got True"):
        net.at_hour(True)
    with pytest.raises(ValidationError, match="needs the road class of each segment"):
        net.travel_times(hour=8)
    # a "*" row applies to every segment
    star = net.with_speed_profile({"*": [0.5] * 24})
    assert star.travel_times([0], [2], hour=8).item() == pytest.approx(6.0)


def test_classes_survive_without_simplify_dedupe_and_tables():
    df = pd.DataFrame({"u": [0, 1, 2, 3, 0], "v": [1, 2, 3, 4, 1], "minutes": [1.0, 1.0, 1.0, 1.0, 3.0],
                       "road_class": ["a", "a", "b", "b", "c"]})
    net = yj.Network.from_edges(df).with_speed_profile({"a": [0.5] * 24, "b": [0.25] * 24,
                                                        "c": [1.0] * 12 + [10.0] * 12})
    # the parallel (0, 1) of class c is slower at free flow but faster after noon: kept
    assert sorted(net.road_classes.tolist()) == ["a", "a", "b", "b", "c"]
    assert net.travel_times([0], [4], hour=1).item() == pytest.approx(2 / 0.5 + 2 / 0.25)
    assert net.travel_times([0], [4], hour=13).item() == pytest.approx(0.3 + 2 + 8)
    # two parallel segments of the same class keep the fastest
    same = yj.Network.from_edges(df.assign(road_class=["a", "a", "b", "b", "a"]))
    assert sorted(same.road_classes.tolist()) == ["a", "a", "b", "b"]
    small = net.simplify()   # nodes 1 and 2 are where the class changes: kept; 3 goes
    assert small.nodes.tolist() == [0, 1, 2, 4]
    assert small.travel_times([0], [4], hour=1).item() == pytest.approx(12.0)
    assert small.travel_times([0], [4], hour=13).item() == pytest.approx(10.3)
    assert sorted(small.road_classes.tolist()) == ["a", "a", "b", "c"]
    cut = net.without(edges=[(2, 3)])
    assert np.isinf(cut.travel_times([0], [4], hour=1).item())
    assert sorted(cut.to_edges()["road_class"].tolist()) == ["a", "a", "b", "c"]
    back = yj.Network.from_edges(net.to_edges()).with_speed_profile(net.speed_profile)
    assert back.travel_times([0], [4], hour=5).item() == pytest.approx(12.0)
    G = net.to_networkx()
    assert yj.Network.from_networkx(G, weight="minutes", unit="min").road_classes is not None


def test_county_profile_file_round_trip_and_errors(tmp_path):
    c = yj.datasets.sample_county()
    prof = {"urban_arterial": [0.5] * 24, "urban_street": [0.5] * 24, "*": [1.0] * 24}
    c2 = c.replace(network=c.network.with_speed_profile(prof))
    c2.save(tmp_path / "cty")
    txt = (tmp_path / "cty" / "county.toml").read_text(encoding="utf-8")
    assert 'speed_profile = "speed_profile.csv"' in txt
    back = yj.County.load(tmp_path / "cty")
    assert back.network.has_own_profile
    assert back.network.speed_profile.loc["urban_street", 8] == 0.5
    js = yj.County.from_json(c2.to_json())
    assert js.network.speed_profile.loc["urban_arterial", 3] == 0.5
    # a bad file is named with its row
    f = tmp_path / "cty" / "speed_profile.csv"
    df = pd.read_csv(f)
    df.loc[7, "speed_factor"] = -1
    df.to_csv(f, index=False)
    with pytest.raises(ValidationError, match="speed_profile.csv.*speed factors in \\(0, 10\\]"):
        yj.County.load(tmp_path / "cty")


def test_hour_goes_through_the_resolver_into_the_domain_calls():
    c = yj.datasets.sample_county()
    net = c.network
    a3 = yj.fire.assess(c, hour=3)
    a0 = yj.fire.assess(c)
    a8 = yj.fire.assess(c, hour=8)
    assert a3.to_frame().equals(a0.to_frame())
    # the hour's figures are those of the hour's network passed as times
    assert a8.to_frame().equals(yj.fire.assess(c, times=net.at_hour(8)).to_frame())
    assert a8.coverage_share < a0.coverage_share
    assert a8.travel_percentile > a0.travel_percentile
    s8 = yj.supplies.assess(c, hour=8)
    assert s8.to_frame().equals(yj.supplies.assess(c, times=net.at_hour(8)).to_frame())
    t8 = yj.teams.allocate(c, hour=8, time_limit=20)
    assert t8.objective == pytest.approx(yj.teams.allocate(c, times=net.at_hour(8), time_limit=20).objective)
    # fixed minutes cannot be re-timed
    T = net.travel_times(c.stations["node"].tolist(), c.demand["node"].tolist()).T
    with pytest.raises(ValidationError, match="'hour' parameter of fire.assess needs travel times from a road network"):
        yj.fire.assess(c, times=T, hour=8)
    with pytest.raises(ValidationError, match="'hour' parameter of fire.assess must be an int in \\[0, 23\\]"):
        yj.fire.assess(c, hour=-1)


@pytest.mark.parametrize("requirements", [None, {"engine": 1, "ladder": 1}])
def test_simulation_routes_each_call_at_its_hour(requirements):
    c = yj.datasets.sample_county()
    prof = {"urban_arterial": [1.0] * 8 + [0.4] + [1.0] * 15, "urban_street": [1.0] * 8 + [0.4] + [1.0] * 15}
    net = c.network.with_speed_profile(prof)
    c = c.replace(network=net)
    only = lambda h: [1.0 if k == h else 0.0 for k in range(24)]  # noqa: E731 - every call in hour h
    kw = dict(horizon_hours=24 * 20, replications=2, seed=7, requirements=requirements)
    at8 = yj.simulation.simulate(c, by_hour=True, hourly_profile=only(8), **kw)
    fixed8 = yj.simulation.simulate(c, times=net.at_hour(8), hourly_profile=only(8), **kw)
    at3 = yj.simulation.simulate(c, by_hour=True, hourly_profile=only(3), **kw)
    free3 = yj.simulation.simulate(c, hourly_profile=only(3), **kw)
    assert at8.mean_minutes == pytest.approx(fixed8.mean_minutes, rel=1e-12)
    assert at8.within_standard == pytest.approx(fixed8.within_standard, rel=1e-12)
    assert at3.mean_minutes == pytest.approx(free3.mean_minutes, rel=1e-12)
    assert at8.mean_minutes > at3.mean_minutes
    with pytest.raises(ValidationError, match="'by_hour' parameter of simulate needs travel times from a road network"):
        yj.simulation.simulate(c, by_hour=True, times=pd.DataFrame(net.at_hour(8).travel_times(
            c.stations["node"].tolist(), c.demand["node"].tolist()), index=c.stations.index,
            columns=c.demand.index), **kw)
