"""Network.simplify: chains of interior nodes contracted, shortest travel times kept exactly."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import yingji as yj
from yingji.exceptions import ValidationError


def _random_roads(seed: int, n_core: int = 8, max_sub: int = 4, p_oneway: float = 0.3):
    """Random core graph whose edges are subdivided into chains (one-way ones included),
    plus a few parallel segments, self-loops and an isolated ring; dyadic minutes so that
    sums are exact in floating point."""
    rng = np.random.default_rng(seed)
    rows = []
    nxt = n_core
    m_core = int(rng.integers(n_core, 3 * n_core))
    for _ in range(m_core):
        a, b = (int(x) for x in rng.integers(0, n_core, 2))
        k = int(rng.integers(0, max_sub + 1))
        chain = [a] + list(range(nxt, nxt + k)) + [b]
        nxt += k
        one = bool(rng.random() < p_oneway)
        for x, y in zip(chain[:-1], chain[1:]):
            rows.append((x, y, rng.integers(0, 16) / 4.0, float(rng.integers(1, 100)), one))
    for _ in range(3):   # parallel segments (one-way next to a two-way) and self-loops
        r = rows[int(rng.integers(len(rows)))]
        rows.append((r[0], r[1], r[2] + 0.5, r[3], not r[4]))
        x = int(rng.integers(0, nxt))
        rows.append((x, x, 1.0, 10.0, False))
    ring = list(range(nxt, nxt + 4))   # a ring of interior nodes only
    for x, y in zip(ring, ring[1:] + ring[:1]):
        rows.append((x, y, 0.75, 20.0, False))
    df = pd.DataFrame(rows, columns=["u", "v", "minutes", "metres", "oneway"])
    return yj.Network.from_edges(df, warn_disconnected=False)


def _nx_times(net, labels):
    G = net.to_networkx()
    out = np.full((len(labels), len(labels)), np.inf)
    for i, s in enumerate(labels):
        d = nx.single_source_dijkstra_path_length(G, s, weight="minutes")
        for j, t in enumerate(labels):
            out[i, j] = d.get(t, np.inf)
    return out


def test_chain_two_way():
    df = pd.DataFrame({"u": [0, 1, 2, 3], "v": [1, 2, 3, 4], "minutes": [1.0, 2.0, 3.0, 4.0],
                       "metres": [10.0, 20.0, 30.0, 40.0]})
    nodes = pd.DataFrame({"x": [0.0, 1, 2, 3, 4], "y": [0.0, 0, 0, 0, 0]}, index=range(5))
    net = yj.Network.from_edges(df, nodes=nodes)
    s = net.simplify()
    assert s is not net
    assert s.nodes.tolist() == [0, 4]
    e = s.to_edges()
    assert e[["u", "v", "minutes", "metres", "oneway"]].values.tolist() == [[0, 4, 10.0, 100.0, False]]
    assert s.node_xy().tolist() == [[0.0, 0.0], [4.0, 0.0]]
    assert net.n_nodes == 5 and net.n_edges == 4   # the original is unchanged


def test_keep_and_oneway_chain():
    df = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 3], "minutes": [1.0, 1.0, 1.0],
                       "oneway": [True, True, True]})
    net = yj.Network.from_edges(df)
    s = net.simplify()
    assert s.nodes.tolist() == [0, 3]
    assert s.to_edges()[["u", "v", "minutes", "oneway"]].values.tolist() == [[0, 3, 3.0, True]]
    assert s.travel_times([3], [0]).item() == np.inf
    s2 = net.simplify(keep=[2])
    assert s2.nodes.tolist() == [0, 2, 3]
    assert s2.travel_times([0], [2, 3]).tolist() == [[2.0, 3.0]]


def test_kept_nodes():
    # 1: one-way meets two-way; 3: parallel two-way + one-way; 5: self-loop; 7: two-way both
    # directions as separate one-way arcs with different times (interior)
    df = pd.DataFrame({
        "u": [0, 1, 10, 3, 3, 11, 5, 5, 12, 7, 7, 22],
        "v": [1, 10, 3, 20, 20, 5, 21, 5, 7, 12, 22, 7],
        "minutes": [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0],
        "oneway": [False, True, False, False, True, False, False, False, True, True, True, True]})
    net = yj.Network.from_edges(df, warn_disconnected=False)
    s = net.simplify()
    kept = set(s.nodes.tolist())
    assert {1, 3, 5}.issubset(kept)
    assert 7 not in kept
    e = s.to_edges()
    row = e[(e.u == 12) & (e.v == 22)]
    assert row.minutes.tolist() == [2.0] and row.oneway.all()
    assert e[(e.u == 22) & (e.v == 12)].minutes.tolist() == [5.0]


def test_ring_keeps_one_node_and_parallel_chains_keep_fastest():
    df = pd.DataFrame({"u": [0, 1, 2, 3, 10, 11, 10, 12, 9, 13],
                       "v": [1, 2, 3, 0, 11, 13, 12, 13, 10, 14],
                       "minutes": [1.0] * 4 + [1.0, 1.0, 3.0, 3.0, 1.0, 1.0]})
    net = yj.Network.from_edges(df, warn_disconnected=False)
    s = net.simplify(keep=[10, 13])
    assert s.nodes.tolist() == [0, 9, 10, 13, 14]
    e = s.to_edges()
    assert e[["u", "v", "minutes"]].values.tolist() == [[9, 10, 1.0], [13, 14, 1.0], [10, 13, 2.0]]
    # without keep, 10 and 13 are left with two neighbours once the parallel chains merge
    s = net.simplify()
    assert s.nodes.tolist() == [0, 9, 14]
    assert s.to_edges()[["u", "v", "minutes"]].values.tolist() == [[9, 14, 4.0]]


def test_removed_nodes_and_bad_keep():
    df = pd.DataFrame({"u": [0, 1, 2, 3], "v": [1, 2, 3, 4], "minutes": [1.0] * 4})
    net = yj.Network.from_edges(df).without(nodes=[2])
    s = net.simplify()
    assert s.removed_nodes.tolist() == [2]
    assert s.nodes.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValidationError, match="'keep' parameter of Network.simplify"):
        net.simplify(keep=[99])


def test_random_against_networkx():
    net = _random_roads(7, n_core=12)
    s = net.simplify()
    assert s.n_nodes < net.n_nodes
    lab = s.nodes.tolist()
    T = s.travel_times(lab, lab)
    assert np.array_equal(T, net.travel_times(lab, lab))
    assert np.array_equal(T, _nx_times(net, lab))
    # every path of the simplified network is a path of the original one
    assert (s.distances(lab, lab) >= net.distances(lab, lab)).all()


def test_random_float_times():
    rng = np.random.default_rng(3)
    net = _random_roads(11, n_core=15)
    df = net.to_edges()
    df["minutes"] = rng.random(len(df)) * 3.0
    net = yj.Network.from_edges(df, warn_disconnected=False)
    s = net.simplify()
    lab = s.nodes.tolist()
    np.testing.assert_allclose(s.travel_times(lab, lab), net.travel_times(lab, lab),
                               rtol=1e-12, atol=1e-12)


@given(seed=st.integers(0, 10_000), p_oneway=st.sampled_from([0.0, 0.3, 1.0]),
       n_keep=st.integers(0, 3))
def test_exact_times_property(seed, p_oneway, n_keep):
    net = _random_roads(seed, n_core=6, p_oneway=p_oneway)
    keep = net.nodes[np.random.default_rng(seed).choice(net.n_nodes, n_keep, replace=False)]
    s = net.simplify(keep=keep)
    assert set(keep.tolist()).issubset(s.nodes.tolist())
    lab = s.nodes.tolist()
    T = s.travel_times(lab, lab)
    assert np.array_equal(T, net.travel_times(lab, lab))
    assert np.array_equal(T, _nx_times(net, lab))
    # idempotent: a simplified network has no interior node left
    assert s.simplify(keep=keep).n_nodes == s.n_nodes


def _osm_text():
    def node(i, east, north=0.0):
        return f'<node id="{i}" version="1" lat="{60.0 + north * 0.001:.7f}" lon="{25.0 + east * 0.002:.7f}"/>'

    def way(i, refs, **tags):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        return f'<way id="{i}" version="1">{nds}' + "".join(
            f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>"

    nodes = [node(1, 0), node(2, 1), node(3, 2), node(4, 3), node(5, 4), node(6, 2, 1)]
    ways = [way(101, [1, 2, 3], highway="residential"),
            way(102, [3, 4, 5], highway="primary", oneway="yes"),
            way(103, [3, 6], highway="residential")]
    return ('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">'
            + "".join(nodes) + "".join(ways) + "</osm>")


def test_read_osm_simplify(tmp_path):
    pytest.importorskip("osmium")
    from yingji.osm import read_osm

    p = tmp_path / "chain.osm"
    p.write_text(_osm_text())
    raw = read_osm(p, warn_disconnected=False)
    net = read_osm(p, warn_disconnected=False, simplify=True)
    assert raw.n_nodes == 6 and net.nodes.tolist() == [1, 3, 5, 6]
    e = net.to_edges().set_index(["u", "v"])
    assert bool(e.loc[(3, 5), "oneway"]) and not bool(e.loc[(1, 3), "oneway"])
    re_ = raw.to_edges().set_index(["u", "v"])
    assert e.loc[(1, 3), "metres"] == pytest.approx(re_.loc[(1, 2), "metres"] + re_.loc[(2, 3), "metres"])
    lab = net.nodes.tolist()
    np.testing.assert_allclose(net.travel_times(lab, lab), raw.travel_times(lab, lab), rtol=1e-12)


def test_read_osm_simplify_shared_extract(shared_datasets):
    pytest.importorskip("osmium")
    import warnings

    from yingji.exceptions import DisconnectedNetworkWarning
    from yingji.osm import read_osm

    path = shared_datasets / "osm" / "Helsinki.osm.pbf"
    if not path.is_file():
        pytest.skip("shared Helsinki extract not available")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        raw = read_osm(path)
        net = read_osm(path, simplify=True)
    assert net.n_nodes < raw.n_nodes
    lab = net.nodes[np.random.default_rng(0).choice(net.n_nodes, 40, replace=False)]
    np.testing.assert_allclose(net.travel_times(lab, lab), raw.travel_times(lab, lab),
                               rtol=1e-9, atol=1e-9)
