"""Tests of yingji.network: travel times against networkx, snapping, validation, scenarios."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji as yj
from naive_network import brute_snap, naive_arcs, naive_matrix
from yingji import DisconnectedNetworkWarning, Network, ValidationError
from yingji.network import ROAD_SPEEDS_KPH, edge_minutes, parse_maxspeed

WEIGHTS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.25, 7.0]


# ----------------------------------------------------------------------------- helpers
@st.composite
def road_graphs(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(0, 30))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.sampled_from(WEIGHTS), min_size=m, max_size=m))
    mode = draw(st.sampled_from(["undirected", "directed", "mixed"]))
    if mode == "mixed":
        ow = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    else:
        ow = [mode == "directed"] * m
    return n, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(w, dtype=float), np.array(ow, dtype=bool)


def nx_reference(n, u, v, w, ow, origins, dests, cutoff=None):
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for a, b, x, o in zip(u.tolist(), v.tolist(), w.tolist(), ow.tolist()):
        G.add_edge(a, b, w=x)
        if not o:
            G.add_edge(b, a, w=x)
    out = np.full((len(origins), len(dests)), np.inf)
    for i, s in enumerate(origins):
        d = nx.single_source_dijkstra_path_length(G, s, cutoff=cutoff, weight="w")
        for j, t in enumerate(dests):
            if t in d:
                out[i, j] = d[t]
    return out


def make_net(n, u, v, w, ow, lengths=None, coords=None):
    return Network(np.arange(n), u, v, w, lengths, ow, coords, warn_disconnected=False)


def sparse_to_dense(M):
    M = sp.csr_array(M)
    out = np.full(M.shape, np.inf)
    r = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    out[r, M.indices] = M.data
    return out


@pytest.fixture
def small():
    """A 6-node net: 0-1-2-3 chain, one-way 3->4, zero-minute 4-5, and a slow 0-3 bypass."""
    edges = pd.DataFrame({
        "u": [0, 1, 2, 3, 4, 0],
        "v": [1, 2, 3, 4, 5, 3],
        "minutes": [1.0, 2.0, 3.0, 1.5, 0.0, 10.0],
        "metres": [500.0, 1000.0, 1500.0, 700.0, 0.0, 2000.0],
        "oneway": [False, False, False, True, False, False],
    })
    nodes = pd.DataFrame({"x": [0, 500, 1500, 3000, 3700, 3700.0], "y": [0, 0, 0, 0, 0, 0.0]},
                         index=pd.Index([0, 1, 2, 3, 4, 5], name="node"))
    return Network.from_edges(edges, nodes=nodes)


# ----------------------------------------------------------------------------- property tests
@given(road_graphs(), st.sampled_from([None, 0.0, 1.0, 2.5, 4.0]), st.sampled_from(["numba", "scipy"]))
def test_travel_times_equal_networkx(g, cutoff, method):
    n, u, v, w, ow = g
    net = make_net(n, u, v, w, ow)
    T = net.travel_times(cutoff=cutoff, method=method)
    ref = nx_reference(n, u, v, w, ow, list(range(n)), list(range(n)), cutoff)
    np.testing.assert_array_equal(T, ref)


@given(road_graphs(), st.sampled_from([None, 1.0, 3.0]), st.data())
def test_sparse_and_subsets_equal_dense(g, cutoff, data):
    n, u, v, w, ow = g
    net = make_net(n, u, v, w, ow)
    o = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    d = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    ref = naive_matrix(n, naive_arcs(u, v, w, ow), o, d, cutoff)
    np.testing.assert_array_equal(net.travel_times(o, d, cutoff), ref)
    for method in ("numba", "scipy"):
        S = net.travel_times(o, d, cutoff, sparse=True, method=method)
        assert isinstance(S, sp.csr_array) and S.shape == (len(o), len(d))
        np.testing.assert_array_equal(sparse_to_dense(S), ref)
        S2 = S.copy()
        S2.has_sorted_indices = False
        S2.sort_indices()                              # the claimed order is the real one
        np.testing.assert_array_equal(S2.indices, S.indices)


@given(road_graphs())
def test_distances_ignore_oneway_and_are_symmetric(g):
    n, u, v, w, ow = g
    lengths = w * 100.0
    net = make_net(n, u, v, w, ow, lengths=lengths)
    D = net.distances()
    ref = nx_reference(n, u, v, lengths, np.zeros(len(u), bool), list(range(n)), list(range(n)))
    np.testing.assert_array_equal(D, ref)
    np.testing.assert_array_equal(D, D.T)


@settings(max_examples=30)
@given(st.integers(1, 40), st.integers(1, 15), st.integers(0, 10_000))
def test_snap_equals_brute_force(n, k, seed):
    rng = np.random.default_rng(seed)
    coords = rng.uniform(0, 1000, (n, 2)).round(1)
    net = Network(np.arange(n) * 10, [], [], [], None, None, coords, warn_disconnected=False)
    x, y = rng.uniform(-200, 1200, k), rng.uniform(-200, 1200, k)
    nodes, dist = net.snap(x, y, return_distance=True)
    pos, bd = brute_snap(coords, x, y)
    np.testing.assert_allclose(dist, bd, rtol=0, atol=1e-9)
    # ties may pick another equidistant node: compare distances of the chosen nodes
    chosen = coords[np.asarray(nodes) // 10]
    np.testing.assert_allclose(np.hypot(chosen[:, 0] - x, chosen[:, 1] - y), bd, atol=1e-9)


# ----------------------------------------------------------------------------- exactness
def test_zero_minute_edges_stay_exact_with_scipy():
    # csgraph can read a stored 0 as "no arc"; the epsilon shift must keep zero paths at 0 and
    # leave sums of positive weights bit-identical.
    u = np.array([0, 1, 2, 3, 4])
    v = np.array([1, 2, 3, 4, 5])
    w = np.array([0.0, 0.1, 0.0, 0.2, 0.0])
    net = make_net(6, u, v, w, np.ones(5, bool))
    for method in ("numba", "scipy"):
        T = net.travel_times([0], method=method)[0]
        assert T[1] == 0.0
        assert T[2] == 0.1 and T[3] == 0.1
        assert T[4] == 0.1 + 0.2 and T[5] == 0.1 + 0.2   # same float as the naive sum
    only_zero = make_net(3, np.array([0, 1]), np.array([1, 2]), np.zeros(2), np.zeros(2, bool))
    for method in ("numba", "scipy"):
        np.testing.assert_array_equal(only_zero.travel_times(method=method), np.zeros((3, 3)))
        S = only_zero.travel_times(sparse=True, method=method)
        assert S.nnz == 9 and (S.data == 0).all()   # stored zeros are real zero-minute trips


def test_cutoff_is_inclusive(small):
    T = small.travel_times([0], [1, 2, 3], cutoff=3.0)
    assert T.tolist() == [[1.0, 3.0, np.inf]]
    assert small.travel_times([0], [3], cutoff=6.0).item() == 6.0


def test_oneway_respected_and_small_network(small):
    T = small.travel_times([0, 5], [0, 3, 4, 5])
    assert T[0].tolist() == [0.0, 6.0, 7.5, 7.5]
    assert np.isinf(T[1, :2]).all()      # 4 -> 3 is against the one-way
    assert T[1, 2:].tolist() == [0.0, 0.0]
    D = small.distances([0], [5])
    assert D.item() == 2000 + 700          # the bypass is shorter in metres
    D2 = small.distances([5], [0])
    assert D2.item() == D.item()           # walking ignores one-way


def test_parallel_edges_keep_fastest():
    df = pd.DataFrame({"u": ["a", "b", "a", "a"], "v": ["b", "a", "b", "c"],
                       "minutes": [5.0, 2.0, 9.0, 1.0]})
    net = Network.from_edges(df)
    assert net.n_edges == 2
    assert net.travel_times(["a"], ["b"]).item() == 2.0
    e = net.to_edges()
    assert sorted(e["minutes"].tolist()) == [1.0, 2.0]


# ----------------------------------------------------------------------------- networkx / OSMnx
def osmnx_like():
    G = nx.MultiDiGraph(crs="EPSG:32650")
    for i, (x, y) in enumerate([(0, 0), (100, 0), (200, 0), (200, 100)]):
        G.add_node(1000 + i, x=x, y=y)
    G.add_edge(1000, 1001, 0, length=100.0, travel_time=12.0, highway="residential")
    G.add_edge(1001, 1000, 0, length=100.0, travel_time=12.0, highway="residential")
    G.add_edge(1000, 1001, 1, length=120.0, travel_time=6.0, highway="primary")   # faster parallel
    G.add_edge(1001, 1002, 0, length=100.0, travel_time=30.0, highway="residential")  # one-way
    G.add_edge(1002, 1003, 0, length=120.0, speed_kph=36.0)             # no travel_time
    G.add_edge(1003, 1002, 0, length=100.0, maxspeed="30 mph")
    G.add_edge(1003, 1001, 0, length=150.0, highway="tertiary")
    return G


def test_from_networkx_osmnx_style():
    G = osmnx_like()
    net = Network.from_networkx(G, weight="travel_time", unit="s")
    assert net.n_nodes == 4 and net.crs == "EPSG:32650" and net.has_lengths
    T = net.travel_times([1000], [1001, 1002, 1003])
    assert T[0, 0] == pytest.approx(0.1)                 # the 6 s parallel arc
    assert T[0, 1] == pytest.approx(0.6)
    assert T[0, 2] == pytest.approx(0.6 + 0.12 / 36 * 60)
    back = net.travel_times([1002], [1001]).item()
    assert back == pytest.approx(0.12 / 36 * 60 + 0.15 / 40 * 60)   # via 1003, not against one-way
    assert net.travel_times([1003], [1002]).item() == pytest.approx(0.1 / (30 * 1.609344) * 60)
    assert net.snap(190.0, 20.0).item() == 1002


def test_from_networkx_string_attributes_and_undirected():
    G = nx.Graph()
    G.add_node("a", x="0", y="0")
    G.add_node("b", x="10", y="0")
    G.add_edge("a", "b", minutes="2.5", length="10")
    net = Network.from_networkx(G, weight="minutes", unit="min")
    assert net.travel_times(["b"], ["a"]).item() == 2.5
    assert not net.directed


def test_from_networkx_units():
    G = nx.DiGraph()
    G.add_edge(0, 1, t=0.5)
    assert Network.from_networkx(G, weight="t", unit="h").travel_times([0], [1]).item() == 30.0


def test_from_networkx_errors():
    G = nx.MultiDiGraph()
    G.add_node(1, x=0.0, y=0.0)
    G.add_node(2, x=1.0)              # y missing
    G.add_node(3, x=2.0, y=0.0)
    G.add_edge(1, 2, travel_time=-3.0, length=5.0)
    G.add_edge(2, 3, travel_time=float("nan"), length=5.0)
    G.add_edge(3, 1)                  # nothing to derive a time from
    with pytest.raises(ValidationError, match=r"missing on 1 edges.*\(3, 1\)") as ei:
        Network.from_networkx(G)
    msg = str(ei.value)
    assert "non-negative" in msg and "(1, 2)" in msg
    assert "NaN" in msg and "(2, 3)" in msg
    assert "lack numeric coordinates" in msg
    assert "'length' is missing on 1 of 3 edges" in msg
    assert len(ei.value.problems) == 5
    with pytest.raises(ValidationError, match="'unit' parameter of Network.from_networkx"):
        Network.from_networkx(G, unit="fortnights")
    H = nx.DiGraph()
    H.add_edge(0, 1, travel_time="fast")
    with pytest.raises(ValidationError, match="Could not read travel_time='fast'"):
        Network.from_networkx(H)


def test_graphml_round_trip(tmp_path, small):
    path = tmp_path / "roads.graphml"
    small.to_graphml(path)
    net = Network.from_graphml(path, weight="minutes", unit="min")
    assert list(net.nodes) == list(small.nodes)
    np.testing.assert_array_equal(net.travel_times(), small.travel_times())
    np.testing.assert_array_equal(net.distances(), small.distances())
    np.testing.assert_allclose(net.node_xy(), small.node_xy())


def test_graphml_osmnx_style_text_ids(tmp_path):
    G = osmnx_like()
    path = tmp_path / "osm.graphml"
    nx.write_graphml(nx.relabel_nodes(G, str), path)
    net = Network.from_graphml(path)
    assert net.nodes.dtype.kind == "i" and 1000 in net.nodes


# ----------------------------------------------------------------------------- edge tables
def test_from_edges_round_trip(small):
    e, n = small.to_frames()
    assert list(e.columns) == ["u", "v", "minutes", "metres", "oneway"]
    assert n.index.name == "node" and list(n.columns) == ["x", "y"]
    net = Network.from_edges(e, nodes=n)
    np.testing.assert_array_equal(net.travel_times(), small.travel_times())
    # through CSV text, as the county saves roads.csv + nodes.csv
    import io

    buf_e, buf_n = io.StringIO(), io.StringIO()
    e.to_csv(buf_e, index=False)
    n.to_csv(buf_n)
    buf_e.seek(0)
    buf_n.seek(0)
    net2 = Network.from_edges(pd.read_csv(buf_e), nodes=pd.read_csv(buf_n, index_col="node"))
    np.testing.assert_array_equal(net2.travel_times(), small.travel_times())
    assert net2.to_dict()["edges"][0]["u"] == 0


def test_from_edges_node_table_keeps_isolated_nodes_and_string_ids():
    df = pd.DataFrame({"from": ["n1", "n2"], "to": ["n2", "n3"], "sec": [60.0, 120.0]})
    nodes = pd.DataFrame({"id": ["n1", "n2", "n3", "n4"], "x": [0, 1, 2, 50.0], "y": [0, 0, 0, 0.0]})
    with pytest.warns(DisconnectedNetworkWarning, match="2 weakly connected pieces"):
        net = Network.from_edges(df, source="from", target="to", weight="sec", unit="s",
                                 nodes=nodes, node_id="id", length=None)
    assert net.n_nodes == 4 and not net.has_lengths
    assert net.travel_times(["n1"], ["n3", "n4"]).tolist() == [[3.0, np.inf]]
    assert net.snap(49.0, 0.0) == "n4"


def test_from_edges_int_text_harmonised():
    df = pd.DataFrame({"u": ["1", "2"], "v": ["2", "3"], "minutes": [1.0, 1.0]})
    nodes = pd.DataFrame({"x": [0, 1, 2.0], "y": [0, 0, 0.0]}, index=[1, 2, 3])
    net = Network.from_edges(df, nodes=nodes)
    assert net.travel_times([1], [3]).item() == 2.0


def test_from_edges_validation_collects_everything():
    df = pd.DataFrame({"u": [1, 2, 3, 4], "v": [2, 3, 9, 1],
                       "minutes": [1.0, np.nan, -2.0, 1.0], "metres": [1.0, 1.0, 1.0, -5.0],
                       "oneway": ["yes", "no", "maybe", "0"]},
                      index=["r1", "r2", "r3", "r4"])
    nodes = pd.DataFrame({"x": [0.0, 1.0, np.nan, 3.0], "y": [0.0] * 4}, index=[1, 2, 3, 4])
    with pytest.raises(ValidationError, match=r"6 problems with the input of Network.from_edges") as ei:
        Network.from_edges(df, nodes=nodes)
    msg = str(ei.value)
    assert "'oneway' must hold booleans; rows 'r3'" in msg
    assert "rows 'r3' have end nodes not in the nodes table: 9" in msg
    assert "Nodes 3 have missing or non-finite coordinates" in msg
    assert "'minutes' must not be NaN or missing; 1 edge(s): 'r2'" in msg
    assert "'minutes' must be non-negative; 1 edge(s) are negative: 'r3'" in msg
    assert "'metres' must be non-negative; 1 edge(s) are negative: 'r4'" in msg


def test_from_edges_column_errors():
    df = pd.DataFrame({"a": [1], "b": [2], "minutes": [1.0]})
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['u', 'v'\]"):
        Network.from_edges(df)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['len'\]"):
        Network.from_edges(df, source="a", target="b", length="len")
    with pytest.raises(ValidationError, match=r"nodes table is missing column\(s\) \['y'\]"):
        Network.from_edges(df, source="a", target="b", nodes=pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValidationError, match="'df' parameter of Network.from_edges must be a pandas DataFrame"):
        Network.from_edges([1, 2])
    with pytest.raises(ValidationError, match="'unit' parameter"):
        Network.from_edges(df, source="a", target="b", unit="days")
    bad = pd.DataFrame({"u": [1], "v": [2], "minutes": ["slow"]})
    with pytest.raises(ValidationError, match="'minutes' must hold numbers; rows 0"):
        Network.from_edges(bad)
    nan_end = pd.DataFrame({"u": ["a", None], "v": ["b", "c"], "minutes": [1.0, 1.0]})
    with pytest.raises(ValidationError, match="rows 1 have a missing end node"):
        Network.from_edges(nan_end)
    dup = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 0.0]}, index=[1, 1])
    with pytest.raises(ValidationError, match="must be unique; duplicated: 1"):
        Network.from_edges(pd.DataFrame({"u": [1], "v": [1], "minutes": [1.0]}), nodes=dup)


def test_constructor_errors():
    with pytest.raises(ValidationError, match="Node labels must be unique"):
        Network([1, 1], [0], [1], [1.0])
    with pytest.raises(ValidationError, match="same length"):
        Network([1, 2], [0], [1], [1.0, 2.0])
    with pytest.raises(ValidationError, match="outside \\[0, 2\\)"):
        Network([1, 2], [0], [5], [1.0])
    with pytest.raises(ValidationError, match=r"(?s)2 problems.*'minutes' must not be NaN.*\(1, 2\).*'metres' must be non-negative.*\(2, 1\)"):
        Network([1, 2], [0, 1], [1, 0], [np.nan, 1.0], [1.0, -1.0], [True, True])
    with pytest.raises(ValidationError, match="coords must have shape"):
        Network([1, 2], [0], [1], [1.0], coords=np.zeros((3, 2)))


# ----------------------------------------------------------------------------- queries
def test_query_errors(small):
    with pytest.raises(ValidationError, match=r"'origins' parameter of Network.travel_times.*Unknown node\(s\) at positions 1: 99"):
        small.travel_times([0, 99], [1])
    with pytest.raises(ValidationError, match="'destinations' parameter"):
        small.travel_times([0], ["x"])
    with pytest.raises(ValidationError, match="'cutoff' parameter of Network.travel_times"):
        small.travel_times([0], [1], cutoff=-1)
    with pytest.raises(ValidationError, match="'cutoff' parameter"):
        small.travel_times([0], [1], cutoff="soon")
    with pytest.raises(ValidationError, match="'method' parameter"):
        small.travel_times([0], [1], method="bellman")
    with pytest.raises(ValidationError, match="would hold 30,000 x 20,000 entries"):
        small.travel_times([0] * 30_000, [1] * 20_000)
    with pytest.raises(ValidationError, match="'chunk_size' parameter"):
        next(small.iter_travel_times(chunk_size=0))
    nolen = Network.from_edges(pd.DataFrame({"u": [0], "v": [1], "minutes": [1.0]}))
    with pytest.raises(ValidationError, match="needs segment lengths"):
        nolen.distances()
    with pytest.raises(ValidationError, match="Network.snap needs node coordinates"):
        nolen.snap(0, 0)


def test_duplicates_iter_and_labels(small):
    T = small.travel_times([0, 0, 5], [3, 3, 0])
    assert T.tolist() == [[6.0, 6.0, 0.0], [6.0, 6.0, 0.0], [np.inf, np.inf, np.inf]]
    S = small.travel_times([0, 0, 5], [3, 3, 0], sparse=True)
    np.testing.assert_array_equal(sparse_to_dense(S), T)
    blocks = list(small.iter_travel_times(chunk_size=4, cutoff=5))
    assert [len(o) for o, _ in blocks] == [4, 2]
    np.testing.assert_array_equal(np.vstack([b for _, b in blocks]), small.travel_times(cutoff=5))
    sb = list(small.iter_travel_times([0, 1], chunk_size=1, sparse=True))
    assert all(isinstance(b, sp.csr_array) for _, b in sb)
    assert small.travel_times(pd.Series([0]), pd.Index([5])).item() == 7.5
    assert small.positions(np.array([5, 0])).tolist() == [5, 0]
    assert "6 nodes" in repr(small) and "strongly connected" in small.summary()


def test_snap_options(small):
    assert small.snap(10.0, 5.0) == 0
    nodes, d = small.snap([10.0, 1490.0], [0.0, 0.0], return_distance=True)
    assert nodes.tolist() == [0, 2] and d.tolist() == [10.0, 10.0]
    node, d1 = small.snap(0.0, 30.0, return_distance=True)
    assert node == 0 and d1 == 30.0
    with pytest.raises(ValidationError, match=r"2 point\(s\) lie farther than max_snap=100 m.*positions 1, 2 at 400 m, 1000 m"):
        small.snap([0.0, 0.0, 1500.0], [0.0, 400.0, 1000.0], max_snap=100)
    with pytest.raises(ValidationError, match="same length"):
        small.snap([0.0, 1.0], [0.0])
    with pytest.raises(ValidationError, match="Points 1 have missing or non-finite"):
        small.snap([0.0, np.nan], [0.0, 0.0])
    with pytest.raises(ValidationError, match="'max_snap' parameter of Network.snap"):
        small.snap(0.0, 0.0, max_snap=-1)


# ----------------------------------------------------------------------------- damage & components
def test_without_edges_and_nodes(small):
    cut = small.without(edges=[(3, 0)])
    assert cut.travel_times([0], [3]).item() == 6.0
    cut2 = small.without(edges=pd.DataFrame({"u": [1], "v": [2]}))
    assert cut2.travel_times([0], [2]).item() == 13.0       # round the bypass
    gone = small.without(nodes=[2])
    T = gone.travel_times([0, 2], [1, 2, 3])
    assert T.tolist() == [[1.0, np.inf, 10.0], [np.inf] * 3]
    assert gone.snap(1500.0, 0.0) in (1, 3)
    assert list(gone.removed_nodes) == [2] and list(small.removed_nodes) == []
    both = gone.without(nodes=[1], edges=[(0, 3)])
    assert np.isinf(both.travel_times([0], [3])).all()
    np.testing.assert_array_equal(sparse_to_dense(gone.travel_times([0, 2], [1, 2, 3], sparse=True)), T)
    np.testing.assert_array_equal(gone.travel_times([0, 2], [1, 2, 3], method="scipy"), T)
    assert gone.distances([0], [3]).item() == 2000.0
    assert small.travel_times([0], [2]).item() == 3.0        # original untouched
    only = Network([1], [], [], []).without(nodes=[1])
    with pytest.raises(ValidationError, match="no nodes left to snap to"):
        Network([1], [], [], [], coords=np.zeros((1, 2))).without(nodes=[1]).snap(0, 0)
    assert np.isinf(only.travel_times()).all()


def test_without_errors(small):
    with pytest.raises(ValidationError, match=r"joined by no road segment: \(0, 2\)"):
        small.without(edges=[(0, 2)])
    with pytest.raises(ValidationError, match="'edges' parameter of Network.without"):
        small.without(edges=[(0, 42)])
    with pytest.raises(ValidationError, match=r"must hold \(u, v\) pairs; entries 0"):
        small.without(edges=[(0, 1, 2)])
    with pytest.raises(ValidationError, match="'nodes' parameter of Network.without"):
        small.without(nodes=["nope"])


def two_piece_net():
    df = pd.DataFrame({"u": [0, 1, 2, 10, 20], "v": [1, 2, 0, 11, 21], "minutes": [1.0] * 5,
                       "oneway": [False, False, False, False, True]})
    nodes = pd.DataFrame({"x": np.arange(7.0), "y": np.zeros(7)}, index=[0, 1, 2, 10, 11, 20, 21])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        return Network.from_edges(df, nodes=nodes)


def test_components_and_checks():
    with pytest.warns(DisconnectedNetworkWarning, match="3 weakly connected pieces; the largest holds 3 of 7"):
        Network.from_edges(pd.DataFrame({"u": [0, 1, 2, 10, 20], "v": [1, 2, 0, 11, 21],
                                         "minutes": [1.0] * 5}))
    net = two_piece_net()
    comp = net.components()
    assert comp["n_nodes"].tolist() == [3, 2, 1, 1]      # one-way 20->21 splits strongly
    assert comp.loc[0, "example_node"] in (0, 1, 2)
    assert net.components(strong=False)["n_nodes"].tolist() == [3, 2, 2]
    bad = net.check_connected([0, 11, 21], ids=["d1", "d2", "d3"])
    assert bad["id"].tolist() == ["d2", "d3"] and bad["component_size"].tolist() == [2, 1]
    assert net.check_connected([0, 1]).empty
    with pytest.warns(DisconnectedNetworkWarning, match=r"2 of 3 points sit outside.*ids 'd2', 'd3'"):
        net.check_connected([0, 11, 21], ids=["d1", "d2", "d3"], warn=True)
    with pytest.raises(ValidationError, match="2 of 3 points sit outside"):
        net.check_connected([0, 11, 21], raise_error=True)
    with pytest.raises(ValidationError, match="'ids' parameter of Network.check_connected"):
        net.check_connected([0, 11], ids=["a"])
    with pytest.warns(DisconnectedNetworkWarning, match="dropped 4 nodes in 3 smaller"):
        main = net.largest_component()
    assert main.n_nodes == 3 and list(main.nodes) == [0, 1, 2]
    assert main.largest_component() is main
    assert np.isfinite(main.travel_times()).all()


def test_to_networkx(small):
    G = small.to_networkx()
    assert G.number_of_nodes() == 6 and G.number_of_edges() == 11   # 5 two-way x2 + 1 one-way
    assert G.nodes[3]["x"] == 3000.0
    assert G[3][4][0]["travel_time"] == 90.0 and not G.has_edge(4, 3)


# ----------------------------------------------------------------------------- speeds
def test_parse_maxspeed_and_edge_minutes():
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed(60) == 60.0
    assert parse_maxspeed("30 mph") == pytest.approx(48.28032)
    assert parse_maxspeed("50;70") == 60.0
    assert parse_maxspeed("['40', '60']") == 50.0
    assert parse_maxspeed("walk") == 5.0
    assert parse_maxspeed("10 knots") == pytest.approx(18.52)
    for v in ("RU:urban", "none", "", None, float("nan"), 0, "[]"):
        assert parse_maxspeed(v) is None
    assert edge_minutes(1000.0, highway="residential") == 2.0
    assert edge_minutes(1000.0, speed_kph=60, highway="residential") == 1.0
    assert edge_minutes(1000.0, maxspeed="RU:urban", highway=["primary", "secondary"]) == pytest.approx(60 / 55)
    assert edge_minutes(1000.0, highway="['primary', 'secondary']") == pytest.approx(60 / 55)
    assert edge_minutes(1000.0, highway="bridleway") is None
    assert edge_minutes(1000.0, highway="county", speeds={"county": 40.0}) == 1.5
    assert edge_minutes(None, speed_kph=50) is None
    assert ROAD_SPEEDS_KPH["national"] == 80.0


def test_exported():
    assert yj.Network is Network and "Network" in yj.__all__ and "read_osm" in yj.__all__


def test_concurrent_calls_from_threads(small):
    from concurrent.futures import ThreadPoolExecutor

    ref = small.travel_times()
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda i: small.travel_times(sparse=bool(i % 2)), range(16)))
    for i, g in enumerate(got):
        np.testing.assert_array_equal(sparse_to_dense(g) if i % 2 else g, ref)


def test_internal_reordering_is_invisible():
    # a 12 x 12 grid whose node table is shuffled: the kernels run on a Cuthill-McKee numbering
    rng = np.random.default_rng(4)
    side = 12
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = rng.choice([0.0, 0.5, 1.0, 2.0], len(u))
    ow = rng.random(len(u)) < 0.3
    perm = rng.permutation(side * side)
    nodes = pd.DataFrame({"x": (perm % side) * 100.0, "y": (perm // side) * 100.0}, index=perm)
    df = pd.DataFrame({"u": u, "v": v, "minutes": w, "metres": w * 500, "oneway": ow})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        net = Network.from_edges(df, nodes=nodes)
    rank = net._order()[0]
    assert not np.array_equal(rank, np.arange(net.n_nodes))
    o, d = [5, 17, 140], list(range(0, 144, 7))
    ref = nx_reference(144, u, v, w, ow, o, d, None)
    for method in ("numba", "scipy"):
        np.testing.assert_array_equal(net.travel_times(o, d, method=method), ref)
        np.testing.assert_array_equal(sparse_to_dense(net.travel_times(o, d, 2.0, sparse=True, method=method)),
                                      np.where(ref <= 2.0, ref, np.inf))
    comp = net.component_labels()
    G = nx.DiGraph()
    G.add_nodes_from(range(144))
    for a, b, o_ in zip(u, v, ow):
        G.add_edge(a, b)
        if not o_:
            G.add_edge(b, a)
    sizes = sorted((len(c) for c in nx.strongly_connected_components(G)), reverse=True)
    assert np.bincount(comp).tolist() == sizes
    big = max(nx.strongly_connected_components(G), key=len)
    assert set(np.asarray(net.nodes)[comp == 0].tolist()) == big


def test_from_networkx_projects_lonlat_graphs():
    G = nx.MultiDiGraph(crs="epsg:4326")
    G.add_node(1, x=25.0, y=60.0)
    G.add_node(2, x=25.002, y=60.0)
    G.add_edge(1, 2, length=111.2, travel_time=10.0)
    G.add_edge(2, 1, length=111.2, travel_time=10.0)
    net = Network.from_networkx(G)
    assert net.crs is not None and "4326" not in net.crs
    xy = net.node_xy()
    assert np.hypot(*(xy[0] - xy[1])) == pytest.approx(111.2, rel=5e-3)   # metres, not degrees
    assert net.snap(*xy[1]).item() == 2


def test_huge_and_infinite_weights():
    # 1e300-minute segments (nearly impassable) and inf (impassable) stay exact
    df = pd.DataFrame({"u": [0, 1, 0, 2], "v": [1, 2, 2, 3], "minutes": [1.0, 1e300, np.inf, 2.0]})
    net = Network.from_edges(df)
    for method in ("numba", "scipy"):
        assert net.travel_times([0], [1, 2, 3], method=method).tolist() == [[1.0, 1e300, 1e300 + 2.0]]
