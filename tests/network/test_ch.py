"""Network.travel_times/distances with method="ch" (contraction hierarchy + PHAST) against
scipy.sparse.csgraph.dijkstra on random graphs: zero-minute segments, one-way streets,
parallel segments, disconnected parts, removed nodes and cutoffs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from yingji import Network, ValidationError
from yingji.network import routing


@st.composite
def graphs(draw):
    """Random road graphs with float minutes (sums are rounded, unlike small integers),
    zero-minute segments, parallel segments and one-way streets; often disconnected."""
    n = draw(st.integers(2, 30))
    m = draw(st.integers(0, 70))
    u = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    v = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    w = np.array(draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 9.0)), min_size=m,
                               max_size=m)), dtype=float)
    ow = np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    return n, u, v, w, ow


def scipy_reference(n, u, v, w, ow, origins, dests, cutoff=None):
    """scipy's Dijkstra on the lightest arc of each ordered pair, zero weights stored as a
    tiny positive weight (csgraph reads a stored 0 as no arc) and reset to 0 after."""
    a = np.concatenate([u, v[~ow]])
    b = np.concatenate([v, u[~ow]])
    x = np.concatenate([w, w[~ow]])
    keep = a != b
    a, b, x = a[keep], b[keep], x[keep]
    best = {}
    for p, q, y in zip(a.tolist(), b.tolist(), x.tolist()):
        best[(p, q)] = min(y, best.get((p, q), np.inf))
    tiny = 1e-300
    if best:
        pa, pb = np.array(list(best)).T
        pw = np.array([max(y, tiny) for y in best.values()])
    else:
        pa = pb = np.empty(0, dtype=np.int64)
        pw = np.empty(0)
    G = sp.csr_array((pw, (pa, pb)), shape=(n, n))
    D = dijkstra(G, directed=True, indices=origins)[:, dests]
    D[D < 1e-200] = 0.0
    if cutoff is not None:
        D[D > cutoff + 1e-9] = np.inf
    return D


def assert_close(T, ref):
    np.testing.assert_array_equal(np.isinf(T), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(T[fin], ref[fin], rtol=0, atol=1e-9)


def net_of(n, u, v, w, ow):
    return Network(np.arange(n) * 10, u, v, w, w * 100.0, ow, warn_disconnected=False)


@given(graphs(), st.sampled_from([None, 0.0, 0.5, 3.0, 12.0]), st.data())
def test_ch_equals_scipy_dijkstra(g, cutoff, data):
    n, u, v, w, ow = g
    net = net_of(n, u, v, w, ow)
    o = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=40))   # repeats allowed
    d = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=12))
    ref = scipy_reference(n, u, v, w, ow, o, d, cutoff)
    T = net.travel_times(np.array(o) * 10, np.array(d) * 10, cutoff, method="ch")
    assert_close(T, ref)
    S = net.travel_times(np.array(o) * 10, np.array(d) * 10, cutoff, sparse=True, method="ch")
    dense = np.full(S.shape, np.inf)
    r = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
    dense[r, S.indices] = S.data
    assert_close(dense, ref)
    # distances: metres, one-way ignored
    Dm = net.distances(cutoff=None if cutoff is None else cutoff * 100.0, method="ch")
    refm = scipy_reference(n, u, v, w * 100.0, np.zeros_like(ow), list(range(n)), list(range(n)),
                           None if cutoff is None else cutoff * 100.0)
    np.testing.assert_array_equal(np.isinf(Dm), np.isinf(refm))
    np.testing.assert_allclose(Dm[np.isfinite(refm)], refm[np.isfinite(refm)], rtol=0, atol=1e-7)


@given(graphs(), st.data())
def test_ch_with_removed_nodes_matches_dijkstra(g, data):
    n, u, v, w, ow = g
    net = net_of(n, u, v, w, ow)
    gone = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
    damaged = net.without(nodes=np.array(gone) * 10)
    assert_close(damaged.travel_times(method="ch"), damaged.travel_times(method="numba"))


def test_hierarchy_is_kept_per_network():
    rng = np.random.default_rng(0)
    n, m = 60, 150
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.random(m) * 4
    ow = rng.random(m) < 0.3
    net = net_of(n, u, v, w, ow)
    info = net.prepare_ch()
    assert info["nodes"] == n and info["build_seconds"] >= 0
    assert info["upward_arcs"] + info["downward_arcs"] == info["arcs"] + info["shortcuts"]
    assert net.prepare_ch() == info                                  # built once
    hub = net._cache["ch_time"]
    net.travel_times(method="ch")
    assert net._cache["ch_time"] is hub
    slow = net.slowed(0.5, nodes=net.nodes[:30])
    assert "ch_time" not in slow._cache                              # a different network
    assert_close(slow.travel_times(method="ch"),
                 scipy_reference(n, u, v, np.where((u < 30) & (v < 30), w / 0.5, w), ow,
                                 list(range(n)), list(range(n))))
    cut = net.without(edges=[(net.nodes[u[0]], net.nodes[v[0]])]) if u[0] != v[0] else net
    if cut is not net:
        assert "ch_time" not in cut._cache
        assert_close(cut.travel_times(method="ch"), cut.travel_times(method="scipy"))


def test_hour_networks_get_their_own_hierarchy():
    edges = pd.DataFrame({"u": [0, 1, 2, 0], "v": [1, 2, 3, 3], "minutes": [1.0, 1.0, 1.0, 2.5],
                          "road_class": ["primary", "primary", "primary", "residential"]})
    net = Network.from_edges(edges, warn_disconnected=False)
    for hour in (3, 8, 17):
        np.testing.assert_allclose(net.travel_times([0], hour=hour, method="ch"),
                                   net.travel_times([0], hour=hour, method="numba"), atol=1e-12)
    rush = net.at_hour(8)
    assert rush is not net and not np.array_equal(rush._w, net._w)    # slower at 8:00
    assert rush._cache["ch_time"] is not net._cache.get("ch_time")   # its own hierarchy


def test_bad_method_and_weight_are_named():
    net = Network.from_edges(pd.DataFrame({"u": [0], "v": [1], "minutes": [1.0]}))
    with pytest.raises(ValidationError, match="method.*'ch'.*Got 'fast'"):
        net.travel_times(method="fast")
    with pytest.raises(ValidationError, match="weight.*Got 'km'"):
        net.prepare_ch(weight="km")
    with pytest.raises(ValidationError, match="needs segment lengths"):
        net.prepare_ch(weight="metres")


def test_auto_uses_the_hierarchy_when_it_pays(monkeypatch):
    side = 40
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = np.random.default_rng(1).uniform(0.2, 1.0, len(u))
    net = Network(np.arange(side * side), u, v, w, None, None, warn_disconnected=False)
    csr = net._csr("time")
    bw = routing._bucket_width(csr[2])
    src = np.arange(0, 1600, 20)                                     # 80 origins
    rules = Network._auto_method.__globals__      # the module the method reads its constants from
    monkeypatch.setitem(rules, "CH_BUILD_ORIGINS", 50)
    assert net._auto_method("time", csr, src, np.inf, bw) == "ch"   # 80 x 100 % >= 50
    assert net._auto_method("time", csr, src, 0.5, bw) == "numba"    # tiny reach
    assert net._auto_method("time", csr, src[:10], np.inf, bw) == "numba"
    net.prepare_ch()
    monkeypatch.setitem(rules, "CH_BUILD_ORIGINS", 10 ** 9)
    assert net._auto_method("time", csr, src, np.inf, bw) == "ch"   # built: used
    assert net._auto_method("time", csr, src, 0.5, bw) == "numba"
    T = net.travel_times(src, method="auto")
    assert_close(T, net.travel_times(src, method="scipy"))
