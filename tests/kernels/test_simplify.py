"""Kernels of yingji._kernels.simplify on small hand-checked chains (fast under NUMBA_DISABLE_JIT)."""

from __future__ import annotations

import numpy as np

from yingji._kernels.simplify import _simplify_chains, _walk_chain


def _csr(n, src, dst, w, ln, sym):
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return (indptr, np.ascontiguousarray(dst[order]),
            np.ascontiguousarray(np.asarray(w, dtype=np.float64)[order]),
            np.ascontiguousarray(np.asarray(ln, dtype=np.float64)[order]),
            np.ascontiguousarray(np.asarray(sym, dtype=bool)[order]))


def _run(n, arcs, kept):
    src, dst, w, ln, sym = (list(c) for c in zip(*arcs))
    g = _csr(n, src, dst, w, ln, sym)
    m = len(src)
    out = (np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m), np.empty(m),
           np.empty(m, dtype=bool))
    kept = np.asarray(kept, dtype=bool)
    k = _simplify_chains(*g, kept, *out)
    return kept, sorted(zip(out[0][:k].tolist(), out[1][:k].tolist(), out[2][:k].tolist(),
                            out[3][:k].tolist(), out[4][:k].tolist()))


def test_two_way_chain_written_once():
    # 0 - 1 - 2 - 3, two-way segments (both arcs sym)
    arcs = []
    for a, b, w in [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 4.0)]:
        arcs += [(a, b, w, 10 * w, True), (b, a, w, 10 * w, True)]
    kept, out = _run(4, arcs, [True, False, False, True])
    assert out == [(0, 3, 7.0, 70.0, True)]


def test_one_way_and_mixed_directions():
    # 0 -> 1 -> 2 one-way; 2 - 3 - 4 with 2->3, 3->4 one-way and 4->3->2 one-way (other times)
    arcs = [(0, 1, 1.0, 1.0, False), (1, 2, 1.0, 1.0, False),
            (2, 3, 1.0, 1.0, False), (3, 4, 2.0, 1.0, False),
            (4, 3, 3.0, 1.0, False), (3, 2, 5.0, 1.0, False)]
    kept, out = _run(5, arcs, [True, False, True, False, True])
    assert out == [(0, 2, 2.0, 2.0, False), (2, 4, 3.0, 2.0, False), (4, 2, 8.0, 2.0, False)]


def test_ring_keeps_one_node_and_loops_dropped():
    arcs = []
    for a, b in [(0, 1), (1, 2), (2, 0)]:
        arcs += [(a, b, 1.0, 1.0, True), (b, a, 1.0, 1.0, True)]
    kept, out = _run(3, arcs, [False, False, False])
    assert kept.tolist() == [True, False, False]
    assert out == []


def test_walk_chain_direct():
    arcs = [(0, 1, 1.5, 2.0, True), (1, 0, 1.5, 2.0, True), (1, 2, 0.5, 1.0, False),
            (2, 1, 0.5, 1.0, False)]
    g = _csr(3, *zip(*arcs))
    kept = np.array([True, False, True])
    visited = np.zeros(3, dtype=bool)
    t, w, ln, sym = _walk_chain(0, 0, *g, kept, visited)
    assert (t, w, ln, sym) == (2, 2.0, 3.0, False)
    assert visited.tolist() == [False, True, False]
