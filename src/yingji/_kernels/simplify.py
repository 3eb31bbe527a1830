"""Numba kernels of road-network simplification: contracting chains of interior nodes.

Every function here is ``@njit`` and takes contiguous ``float64`` / ``int64`` / ``bool``
arrays and scalars only. The directed arcs of the network are given in CSR form: the arcs
leaving node ``u`` are ``indptr[u]:indptr[u + 1]``, going to ``dst`` with travel time ``w``,
length ``ln`` and ``sym`` True when the arc comes from a two-way segment.

An *interior* node (decided by the caller) has exactly two distinct neighbours and
pass-through flows only, so that a walk entering it leaves by the one arc that does not go
back where it came from. Walking from every kept node along every arc into an interior node
until the next kept node gives one arc per direction of each chain (Boeing 2017, the
``simplify_graph`` idea of OSMnx).

References
----------
.. [1] G. Boeing, "OSMnx: New methods for acquiring, constructing, analyzing, and visualizing
   complex street networks", Computers, Environment and Urban Systems 65 (2017) 126-139.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW


@njit(**NJIT_KW)
def _walk_chain(start, a, indptr, dst, w, ln, sym, kept, visited):
    """Numba JIT-compiled walk from kept node ``start`` along arc ``a`` to the next kept node.

    Returns ``(end, minutes, metres, all_sym)``; marks the interior nodes passed in
    ``visited``.
    """
    prev = start
    x = dst[a]
    tot_w = w[a]
    tot_l = ln[a]
    all_sym = sym[a]
    steps = 0
    n = kept.shape[0]
    while not kept[x] and steps <= n:
        visited[x] = True
        nxt = -1
        for b in range(indptr[x], indptr[x + 1]):
            if dst[b] != prev:
                nxt = b
                break
        if nxt < 0:  # cannot happen for interior nodes; stop defensively
            break
        tot_w += w[nxt]
        tot_l += ln[nxt]
        all_sym = all_sym and sym[nxt]
        prev = x
        x = dst[nxt]
        steps += 1
    return x, tot_w, tot_l, all_sym


@njit(**NJIT_KW)
def _simplify_chains(indptr, dst, w, ln, sym, kept, out_u, out_v, out_w, out_l, out_sym):
    """Numba JIT-compiled contraction of every chain of interior nodes into one arc.

    Parameters
    ----------
    indptr, dst, w, ln, sym : arrays
        Directed arcs in CSR form (see module notes).
    kept : bool array, ``n``
        True for kept nodes, False for interior ones. Updated in place: one node of each
        cycle made only of interior nodes is set True, so that no component vanishes.
    out_u, out_v, out_w, out_l, out_sym : arrays of length ``len(dst)``
        Filled with the new arcs (first ``k`` entries). A chain made only of two-way segments
        is written once, from its end with the lower position, with ``out_sym`` True (a
        two-way segment); other chains give one arc per direction. Chains that come back to
        their start (loops) are dropped: they never shorten a path.

    Returns
    -------
    int
        ``k``, the number of new arcs.
    """
    n = kept.shape[0]
    visited = np.zeros(n, dtype=np.bool_)
    k = 0
    for phase in range(2):
        for s in range(n):
            if phase == 1:
                if kept[s] or visited[s]:
                    continue
                kept[s] = True  # a cycle of interior nodes: keep one of them
            elif not kept[s]:
                continue
            for a in range(indptr[s], indptr[s + 1]):
                if kept[dst[a]]:
                    continue
                t, tw, tl, tsym = _walk_chain(s, a, indptr, dst, w, ln, sym, kept, visited)
                if t == s:
                    continue
                if tsym and t < s:
                    continue
                out_u[k] = s
                out_v[k] = t
                out_w[k] = tw
                out_l[k] = tl
                out_sym[k] = tsym
                k += 1
    return k
