"""Kernel tests of yingji._kernels.ch (contraction hierarchy, PHAST) against a plain Dijkstra
(also run with NUMBA_DISABLE_JIT=1, so the graphs stay small)."""

from __future__ import annotations

import numpy as np
import pytest

from naive_network import naive_dijkstra
from yingji._kernels.ch import (
    _ch_contract,
    _ch_levels,
    _ch_query_graphs,
    _ih_pop,
    _ih_push,
    _phast_block,
    _phast_many,
)

pytestmark = pytest.mark.kernels


def _csr(n, a, b, w):
    """CSR without self-loops, parallel arcs merged to the lightest (as Network._csr)."""
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    o = np.lexsort((w, b, a))
    a, b, w = a[o], b[o], w[o]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, b.astype(np.int64), w.astype(np.float64), list(zip(a.tolist(), b.tolist(), w.tolist()))


def _random(seed, n, m, zero_share=0.25):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    w = rng.random(m) * rng.integers(1, 6, m)          # non-integer weights: rounding matters
    w[rng.random(m) < zero_share] = 0.0
    return _csr(n, a, b, w)


def test_indexed_heap_orders_and_rekeys():
    n = 12
    rng = np.random.default_rng(3)
    keys = rng.random(n)
    hk, hn, hp = np.empty(n), np.empty(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    size = 0
    for v in range(n):
        size = _ih_push(hk, hn, hp, size, v, keys[v])
    keys[4] = -1.0                                     # decrease
    size = _ih_push(hk, hn, hp, size, 4, -1.0)
    keys[7] = 5.0                                      # increase
    size = _ih_push(hk, hn, hp, size, 7, 5.0)
    got = []
    while size > 0:
        v, k, size = _ih_pop(hk, hn, hp, size)
        assert k == keys[v]
        got.append(v)
    assert got == list(np.argsort(keys, kind="stable")) or sorted(keys[got]) == list(keys[got])
    assert (hp == -1).all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("settle_limit", [1, 3, 100])   # tiny limits: superfluous shortcuts, still exact
def test_ch_phast_equals_dijkstra(seed, settle_limit):
    n = 18
    indptr, indices, weights, arcs = _random(seed, n, 45)
    rank, ef, et, ew, n_short = _ch_contract(n, indptr, indices, weights, settle_limit)
    assert sorted(rank.tolist()) == list(range(n))
    assert len(ef) == len(indices) + n_short
    g = _ch_query_graphs(n, rank, ef, et, ew)
    node_at, up_ptr, up_to, dn_ptr, dn_from = g[0], g[1], g[2], g[4], g[5]
    level = _ch_levels(n, rank, ef, et)
    hi = np.where(rank[ef] > rank[et], ef, et)
    lo = np.where(rank[ef] > rank[et], et, ef)
    assert (level[hi] > level[lo]).all()                # arcs join a higher level to a lower one
    assert sorted(node_at.tolist()) == list(range(n))
    pos = np.empty(n, dtype=np.int64)
    pos[node_at] = np.arange(n)
    for v in range(n):                                  # upward arcs go to higher ranks
        assert (rank[up_to[up_ptr[v]:up_ptr[v + 1]]] > rank[v]).all()
    for p in range(n):                                  # the sweep sees sources first
        assert (pos[dn_from[dn_ptr[p]:dn_ptr[p + 1]]] < p).all()
        assert (rank[dn_from[dn_ptr[p]:dn_ptr[p + 1]]] > rank[node_at[p]]).all()
    allpos = np.arange(n)
    out = np.empty((n, n))
    _phast_many(*g, allpos, allpos, np.inf, 4, 3, out)
    for s in range(n):
        ref = np.asarray(naive_dijkstra(n, arcs, s))
        np.testing.assert_array_equal(np.isinf(out[s]), np.isinf(ref))
        fin = np.isfinite(ref)
        np.testing.assert_allclose(out[s][fin], ref[fin], rtol=0, atol=1e-9)


@pytest.mark.parametrize("cutoff", [0.0, 0.7, 2.0])
def test_phast_cutoff_and_subsets(cutoff):
    n = 16
    indptr, indices, weights, arcs = _random(11, n, 40)
    rank, ef, et, ew, _ = _ch_contract(n, indptr, indices, weights, 50)
    g = _ch_query_graphs(n, rank, ef, et, ew)
    src = np.array([3, 0, 9, 15, 3 + 1], dtype=np.int64)
    dst = np.array([5, 1, 0, 12], dtype=np.int64)
    out = np.empty((len(src), len(dst)))
    found = _phast_many(*g, src, dst, cutoff, 2, 2, out)
    ref = np.array([np.asarray(naive_dijkstra(n, arcs, s))[dst] for s in src])
    ref[ref > cutoff] = np.inf
    np.testing.assert_array_equal(np.isinf(out), np.isinf(ref))
    np.testing.assert_allclose(out[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=0, atol=1e-9)
    assert found == int(np.isfinite(ref).sum())


def test_phast_block_unused_columns_stay_inf():
    n = 10
    indptr, indices, weights, arcs = _random(5, n, 25, zero_share=0.0)
    rank, ef, et, ew, _ = _ch_contract(n, indptr, indices, weights, 10)
    g = _ch_query_graphs(n, rank, ef, et, ew)
    K = 4
    D = np.empty(n * K)
    hk, hn, hp = np.empty(n), np.empty(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    _phast_block(*g, np.array([2, 7]), K, np.inf, D, hk, hn, hp)
    D = D.reshape(n, K)
    assert np.isinf(D[:, 2:]).all()
    for k, s in enumerate([2, 7]):
        ref = np.asarray(naive_dijkstra(n, arcs, s))
        got = D[:, k]
        np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    assert (hp == -1).all()


def test_graph_without_arcs_and_isolated_nodes():
    n = 5
    indptr = np.zeros(n + 1, dtype=np.int64)
    rank, ef, et, ew, n_short = _ch_contract(n, indptr, np.empty(0, np.int64), np.empty(0), 10)
    assert n_short == 0 and len(ef) == 0
    g = _ch_query_graphs(n, rank, ef, et, ew)
    out = np.empty((n, n))
    nodes = np.arange(n)
    assert _phast_many(*g, nodes, nodes, np.inf, 16, 1, out) == n
    np.testing.assert_array_equal(out, np.where(np.eye(n, dtype=bool), 0.0, np.inf))


def test_high_degree_node_and_zero_cycles():
    # a hub joined both ways to every node with zero-weight arcs, plus a slow ring:
    # every distance is 0 through the hub; shortcuts pile up on the hub's neighbours
    n = 12
    a = np.concatenate([np.zeros(n - 1, int), np.arange(1, n), np.arange(1, n)])
    b = np.concatenate([np.arange(1, n), np.zeros(n - 1, int), np.r_[np.arange(2, n), 1]])
    w = np.concatenate([np.zeros(2 * (n - 1)), np.full(n - 1, 3.0)])
    indptr, indices, weights, arcs = _csr(n, a, b, w)
    rank, ef, et, ew, _ = _ch_contract(n, indptr, indices, weights, 2)
    g = _ch_query_graphs(n, rank, ef, et, ew)
    out = np.empty((n, n))
    nodes = np.arange(n)
    _phast_many(*g, nodes, nodes, np.inf, 5, 2, out)
    np.testing.assert_array_equal(out, np.zeros((n, n)))
