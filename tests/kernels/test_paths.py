"""Kernel tests of yingji._kernels.paths (also run with NUMBA_DISABLE_JIT=1 for coverage)."""

from __future__ import annotations

import numpy as np
import pytest

from naive_network import naive_arcs, naive_dijkstra
from yingji._kernels.paths import (
    _bucket_row,
    _multi_source_dijkstra,
    _multi_source_dijkstra_sparse,
)

pytestmark = pytest.mark.kernels


def _csr(n, arcs):
    arcs = sorted(arcs)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a, _, _ in arcs:
        indptr[a + 1] += 1
    indptr = np.cumsum(indptr).astype(np.int64)
    indices = np.array([b for _, b, _ in arcs], dtype=np.int64)
    weights = np.array([w for _, _, w in arcs], dtype=np.float64)
    return indptr, indices, weights


def _random_graph(seed, n=25, m=70, zero_share=0.2):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.integers(0, 6, m).astype(float)
    w[rng.random(m) < zero_share] = 0.0
    ow = rng.random(m) < 0.5
    return n, naive_arcs(u, v, w, ow)


def _ws(n, n_buckets):
    return (np.full(n, np.inf), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
            np.full(n, -1, dtype=np.int64), np.full(n_buckets, -1, dtype=np.int64),
            np.zeros(n, dtype=np.bool_), np.empty(n, dtype=np.int64))


def _nb(weights, delta):
    return int(weights.max(initial=0.0) // delta) + 2


NO_COLS = np.empty(0, dtype=np.int64)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("delta", [0.25, 1.0, 4.0])   # narrower, equal and wider than arcs
def test_bucket_row_matches_naive(seed, delta):
    n, arcs = _random_graph(seed)
    indptr, indices, weights = _csr(n, arcs)
    nb = _nb(weights, delta)
    ws = _ws(n, nb)
    dest_col = np.arange(n, dtype=np.int64)
    for s in range(n):
        row = np.full(n, np.inf)
        found = _bucket_row(indptr, indices, weights, s, dest_col, n, np.inf, delta, nb, *ws,
                            row, NO_COLS, False)
        ref = naive_dijkstra(n, arcs, s)
        np.testing.assert_array_equal(row, ref)
        assert found == np.isfinite(ref).sum()
        dist, _, _, bkt, heads, popped, _ = ws   # workspaces restored
        assert np.isinf(dist).all() and (bkt == -1).all() and (heads == -1).all() and not popped.any()


def test_bucket_row_cutoff_sparse_and_early_stop():
    n, arcs = _random_graph(42, n=30, m=90)
    indptr, indices, weights = _csr(n, arcs)
    delta = 0.7
    nb = _nb(weights, delta)
    ws = _ws(n, nb)
    ref = naive_dijkstra(n, arcs, 0, cutoff=4.0)
    dest_col = np.arange(n, dtype=np.int64)
    vals = np.empty(n)
    cols = np.empty(n, dtype=np.int64)
    k = _bucket_row(indptr, indices, weights, 0, dest_col, n, 4.0, delta, nb, *ws, vals, cols, True)
    got = np.full(n, np.inf)
    got[cols[:k]] = vals[:k]
    np.testing.assert_array_equal(got, ref)
    # only the two nearest destinations: early stop once both are final
    full = naive_dijkstra(n, arcs, 0)
    near = np.argsort(full, kind="stable")[1:3]
    dest_col = np.full(n, -1, dtype=np.int64)
    dest_col[near] = [0, 1]
    row = np.full(2, np.inf)
    found = _bucket_row(indptr, indices, weights, 0, dest_col, 2, np.inf, delta, nb, *ws, row,
                        NO_COLS, False)
    assert found == 2
    np.testing.assert_array_equal(row, full[near])
    assert (ws[4] == -1).all() and (ws[3] == -1).all()   # queued nodes unlinked on early stop
    # negative cutoff: nothing reached
    row = np.full(2, np.inf)
    assert _bucket_row(indptr, indices, weights, 0, dest_col, 2, -1.0, delta, nb, *ws, row,
                       NO_COLS, False) == 0


def test_bucket_row_zero_weights_exact():
    # a zero-weight chain and sums that are not exact in binary: results must equal the
    # naive left-to-right float sums
    arcs = [(0, 1, 0.0), (1, 2, 0.1), (2, 3, 0.0), (3, 4, 0.2), (0, 4, 0.30000000000000004 + 1e-12)]
    n = 5
    indptr, indices, weights = _csr(n, arcs)
    for delta in (1e-3, 0.1, 10.0):
        nb = _nb(weights, delta)
        row = np.full(n, np.inf)
        _bucket_row(indptr, indices, weights, 0, np.arange(n, dtype=np.int64), n, np.inf, delta,
                    nb, *_ws(n, nb), row, NO_COLS, False)
        assert row.tolist() == [0.0, 0.0, 0.1, 0.1, 0.1 + 0.2]


@pytest.mark.parametrize("n_blocks", [0, 1, 3, 50])
def test_multi_source_dense_and_sparse(n_blocks):
    n, arcs = _random_graph(7, n=20, m=60)
    indptr, indices, weights = _csr(n, arcs)
    src = np.array([0, 5, 19, 3], dtype=np.int64)
    dst = np.array([1, 2, 3, 10, 19], dtype=np.int64)
    dest_col = np.full(n, -1, dtype=np.int64)
    dest_col[dst] = np.arange(len(dst))
    ref = np.array([naive_dijkstra(n, arcs, s, cutoff=6.0)[dst] for s in src])
    out = np.zeros((len(src), len(dst)))
    delta = 1.5
    nb = _nb(weights, delta)
    total = _multi_source_dijkstra(indptr, indices, weights, src, dest_col, len(dst), 6.0,
                                   delta, nb, n_blocks, out)
    np.testing.assert_array_equal(out, ref)
    assert total == np.isfinite(ref).sum()
    vals = np.empty((len(src), len(dst)))
    cols = np.empty((len(src), len(dst)), dtype=np.int64)
    counts = np.zeros(len(src), dtype=np.int64)
    total = _multi_source_dijkstra_sparse(indptr, indices, weights, src, dest_col, len(dst), 6.0,
                                          delta, nb, n_blocks, vals, cols, counts)
    assert total == np.isfinite(ref).sum()
    for k in range(len(src)):
        assert np.all(np.diff(cols[k, :counts[k]]) > 0)   # rows come sorted by column
        got = np.full(len(dst), np.inf)
        got[cols[k, :counts[k]]] = vals[k, :counts[k]]
        np.testing.assert_array_equal(got, ref[k])


@pytest.mark.parametrize("span", [30, 10_000])       # bucketed read-back, and argsort
def test_sort_pairs(span):
    from yingji._kernels.paths import _sort_pairs

    rng = np.random.default_rng(span)
    c = 25
    cols = np.zeros(40, dtype=np.int64)
    cols[:c] = rng.choice(span, c, replace=False)
    vals = np.zeros(40)
    vals[:c] = cols[:c] * 0.5
    scratch = np.empty(span)
    flag = np.zeros(span, dtype=np.bool_)
    _sort_pairs(cols, vals, c, scratch, flag)
    assert np.all(np.diff(cols[:c]) > 0)
    np.testing.assert_array_equal(vals[:c], cols[:c] * 0.5)
    assert not flag.any() and (cols[c:] == 0).all()


def test_sparse_with_column_gaps():
    # destinations 1..4 in columns 0..3, but column 1 excluded (a destroyed node): n_targets=3
    n, arcs = _random_graph(11, n=12, m=40, zero_share=0.0)
    indptr, indices, weights = _csr(n, arcs)
    dest_col = np.full(n, -1, dtype=np.int64)
    dest_col[[1, 3, 4]] = [0, 2, 3]
    src = np.arange(n, dtype=np.int64)
    vals = np.empty((n, 3))
    cols = np.empty((n, 3), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    _multi_source_dijkstra_sparse(indptr, indices, weights, src, dest_col, 3, np.inf, 1.0,
                                  _nb(weights, 1.0), 2, vals, cols, counts)
    for s in range(n):
        ref = naive_dijkstra(n, arcs, s)[[1, 3, 4]]
        got = dict(zip(cols[s, :counts[s]].tolist(), vals[s, :counts[s]].tolist()))
        assert sorted(got) == [c for c, r in zip([0, 2, 3], ref) if np.isfinite(r)]
        for c, r in zip([0, 2, 3], ref):
            if np.isfinite(r):
                assert got[c] == r
