"""Tests of yingji.osm.read_osm on a handmade extract and the shared OSM extracts."""

from __future__ import annotations

import sys
import warnings

import networkx as nx
import numpy as np
import pytest

from yingji import DisconnectedNetworkWarning, ValidationError

osmium = pytest.importorskip("osmium")
from yingji.osm import EARTH_RADIUS_M, read_osm  # noqa: E402

LAT0, LON0 = 60.0, 25.0
DLAT = 0.001  # ~111.2 m


def _node(i, k_east, k_north=0.0):
    return (f'<node id="{i}" version="1" lat="{LAT0 + k_north * DLAT:.7f}" '
            f'lon="{LON0 + k_east * DLAT * 2:.7f}"/>')


def _way(i, refs, **tags):
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    tg = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}" version="1">{nds}{tg}</way>'


@pytest.fixture
def handmade(tmp_path):
    nodes = [_node(1, 0), _node(2, 1), _node(3, 2), _node(4, 3), _node(5, 4), _node(6, 5),
             _node(7, 1, 1), _node(8, 0, 1)]
    ways = [
        _way(101, [1, 2, 3], highway="residential"),
        _way(102, [3, 4], highway="primary", oneway="yes", maxspeed="30 mph"),
        _way(103, [4, 5], highway="secondary", oneway="-1"),
        _way(104, [5, 6], highway="footway"),
        _way(105, [2, 7], highway="service", service="parking_aisle"),
        _way(106, [1, 8], highway="service"),
        _way(107, [3, 99], highway="residential"),             # node 99 is outside the extract
        _way(108, [5, 1], highway="residential", access="private"),
        _way(109, [6, 7], highway="tertiary", area="yes"),
    ]
    text = ('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">'
            + "".join(nodes) + "".join(ways) + "</osm>")
    p = tmp_path / "tiny.osm"
    p.write_text(text)
    return p


def test_handmade_extract(handmade):
    net = read_osm(handmade)
    assert sorted(net.nodes.tolist()) == [1, 2, 3, 4, 5]
    e = net.to_edges().sort_values(["u", "v"]).reset_index(drop=True)
    assert list(zip(e["u"], e["v"], e["oneway"])) == [(1, 2, False), (2, 3, False), (3, 4, True),
                                                       (5, 4, True)]
    # lengths: haversine along a parallel, 0.002 degrees of longitude at 60 N
    L = EARTH_RADIUS_M * np.radians(0.002) * np.cos(np.radians(LAT0))
    np.testing.assert_allclose(e["metres"], L, rtol=1e-6)
    np.testing.assert_allclose(e["minutes"], [L / 1000 / 30 * 60, L / 1000 / 30 * 60,
                                              L / 1000 / (30 * 1.609344) * 60, L / 1000 / 50 * 60])
    T = net.travel_times([1, 5], [4])
    assert np.isfinite(T[0, 0]) and np.isfinite(T[1, 0])
    assert np.isinf(net.travel_times([4], [3, 5])).all()          # both one-way away from 4
    assert net.crs.startswith("EPSG:326")
    # snapping works in metres
    assert net.snap(*net.node_xy([3])[0]).item() == 3


def test_handmade_drive_service_and_errors(handmade, tmp_path):
    svc = read_osm(handmade, "drive_service")
    assert 8 in svc.nodes and 7 not in svc.nodes
    assert svc.travel_times([8], [2]).item() == pytest.approx(
        svc.travel_times([8], [1]).item() + svc.travel_times([1], [2]).item())
    with pytest.raises(ValidationError, match="'network_type' parameter of read_osm"):
        read_osm(handmade, "walk")
    with pytest.raises(ValidationError, match="'path' parameter of read_osm"):
        read_osm(tmp_path / "nope.osm.pbf")
    with pytest.raises(ValidationError, match=r"no speed for highway class\(es\) \['residential'\] \(e.g. way 101\)"):
        read_osm(handmade, speeds={"secondary": 50.0})
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6">' + _node(1, 0) + "</osm>")
    with pytest.raises(ValidationError, match="no drivable"):
        read_osm(empty)


def test_local_projection_without_pyproj(handmade, monkeypatch):
    with_utm = read_osm(handmade)
    monkeypatch.setitem(sys.modules, "pyproj", None)          # import pyproj -> ImportError
    local = read_osm(handmade)
    assert local.crs.startswith("+proj=eqc")
    # straight-line distances between nodes against the great-circle distance: the local
    # projection is true to scale here; UTM 2 degrees off its central meridian is ~0.3 % long
    lon = LON0 + np.array([0, 1, 2, 3, 4]) * DLAT * 2
    lat = np.full(5, LAT0)
    h = 2 * EARTH_RADIUS_M * np.arcsin(np.cos(np.radians(LAT0)) * np.abs(np.sin(np.radians(lon[:, None] - lon[None, :]) / 2)))
    for net, rtol in ((local, 1e-4), (with_utm, 5e-3)):
        a = net.node_xy([1, 2, 3, 4, 5])
        d = np.hypot(*(a[:, None, :] - a[None, :, :]).transpose(2, 0, 1))
        np.testing.assert_allclose(d, h, rtol=rtol, atol=1e-6)
    assert lat.size == 5


@pytest.mark.parametrize("name, min_nodes", [("test.osm.pbf", 500), ("Helsinki.osm.pbf", 1000),
                                             ("West-Oakland.osm.bz2", 80),
                                             ("planet_10.068,48.135_10.071,48.137.osm", 10)])
def test_shared_extracts(shared_datasets, name, min_nodes):
    path = shared_datasets / "osm" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        net = read_osm(path)
        main = net.largest_component()
    assert net.n_nodes >= min_nodes and net.has_lengths and net.has_coords
    e = net.to_edges()
    assert (e["metres"] > 0).all() and (e["minutes"] > 0).all()
    speeds = e["metres"] / 1000 / (e["minutes"] / 60)
    assert speeds.between(5, 130).all()
    # travel times agree with networkx on the largest component
    G = nx.DiGraph()
    me = main.to_edges()
    for a, b, w, o in zip(me["u"], me["v"], me["minutes"], me["oneway"]):
        for s, t in ((a, b),) if o else ((a, b), (b, a)):
            if not G.has_edge(s, t) or G[s][t]["w"] > w:
                G.add_edge(s, t, w=w)
    src = main.nodes[:5].tolist()
    T = main.travel_times(src)
    for i, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="w")
        got = {lab: T[i, j] for j, lab in enumerate(main.nodes.tolist())}
        assert all(np.isfinite(got[k]) for k in ref)
        np.testing.assert_allclose([got[k] for k in ref], [ref[k] for k in ref], rtol=1e-12)
        assert np.isfinite(T[i]).all()   # strongly connected: every node reachable
