"""Numba kernels of the contraction hierarchy (CH) and its PHAST one-to-all query.

Contraction [1]_: nodes are removed one at a time, least important first. Removing ``v``
replaces every path ``u -> v -> w`` (``u``, ``w`` still present) by a *shortcut* arc
``u -> w`` of weight ``d(u, v) + d(v, w)`` unless a *witness search* (a Dijkstra search from
``u`` that avoids ``v``, stopped after ``settle_limit`` settled nodes or beyond the shortcut's
length) finds another path at most as long. An unfinished witness search only adds a
superfluous shortcut, never a wrong one, so the limit trades size for build time and never
exactness. The order is chosen by a priority kept in an indexed heap with *lazy updates*: the
node on top is re-evaluated before it is contracted and pushed back when it is no longer the
least; the priority is ``2 * edge_difference + contracted_neighbours + level``, where the edge
difference is the number of shortcuts the removal would add minus the arcs it removes,
``contracted_neighbours`` spreads the contraction uniformly and ``level`` (one more than the
highest level of a contracted neighbour) keeps the hierarchy shallow. The neighbours of a
contracted node are re-evaluated at once.

The result is the *rank* of every node and the arcs of the hierarchy: the original arcs plus
the shortcuts, each parallel pair merged to its lighter arc. An arc to a higher-ranked node
is *upward*, the others *downward*. For every ``s`` and ``t`` a shortest ``s-t`` path exists
that goes only up and then only down, so the distance from ``s`` to every node is found by
PHAST [2]_: a Dijkstra search from ``s`` over the upward arcs, then one linear sweep over the
nodes from the most important down, each taking the minimum over its incoming downward arcs
(``d[v] = min(d[v], d[u] + w(u, v))``, ``u`` above ``v`` and therefore final). The sweep
visits the nodes by descending level, and by the given (spatially local) numbering within a
level, reading the downward arcs front to back, while the labels stay in the given numbering
(a downward arc's ends are near each other on the road, so their labels are near in memory,
and a result for all nodes is read out in order); ``K`` origins share one sweep (the labels of a node for
the ``K`` origins lie side by side), which reads every arc once per ``K`` origins.

Every function is ``@njit`` and takes contiguous ``float64`` / ``int64`` arrays; weights are
non-negative and finite (zero is legal).

References
----------
.. [1] R. Geisberger, P. Sanders, D. Schultes and D. Delling, "Contraction hierarchies:
   faster and simpler hierarchical routing in road networks", Proc. WEA 2008, LNCS 5038,
   319-333.
.. [2] D. Delling, A. V. Goldberg, A. Nowatzyk and R. F. Werneck, "PHAST: hardware-accelerated
   shortest path trees", Journal of Parallel and Distributed Computing 73(7) (2013) 940-952
   (IPDPS 2011).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from yingji.config import NJIT_KW

__all__ = ["_ih_push", "_ih_pop", "_ch_contract", "_ch_levels", "_ch_query_graphs", "_phast_block",
           "_phast_many"]


# ---------------------------------------------------------------- indexed binary min-heap
@njit(**NJIT_KW)
def _ih_sift_up(hkey, hnode, hpos, i):
    """Numba JIT-compiled sift-up of heap slot ``i``."""
    v = hnode[i]
    k = hkey[i]
    while i > 0:
        p = (i - 1) >> 1
        if hkey[p] <= k:
            break
        hkey[i] = hkey[p]
        hnode[i] = hnode[p]
        hpos[hnode[i]] = i
        i = p
    hkey[i] = k
    hnode[i] = v
    hpos[v] = i


@njit(**NJIT_KW)
def _ih_sift_down(hkey, hnode, hpos, i, size):
    """Numba JIT-compiled sift-down of heap slot ``i`` in a heap of ``size`` entries."""
    v = hnode[i]
    k = hkey[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hkey[c + 1] < hkey[c]:
            c += 1
        if hkey[c] >= k:
            break
        hkey[i] = hkey[c]
        hnode[i] = hnode[c]
        hpos[hnode[i]] = i
        i = c
    hkey[i] = k
    hnode[i] = v
    hpos[v] = i


@njit(**NJIT_KW)
def _ih_push(hkey, hnode, hpos, size, v, key):
    """Numba JIT-compiled insert of ``v`` with ``key``, or re-key when ``v`` is in the heap
    (``hpos[v] >= 0``; up or down). Returns the new size."""
    i = hpos[v]
    if i < 0:
        i = size
        size += 1
        hkey[i] = key
        hnode[i] = v
        hpos[v] = i
        _ih_sift_up(hkey, hnode, hpos, i)
    elif key < hkey[i]:
        hkey[i] = key
        _ih_sift_up(hkey, hnode, hpos, i)
    else:
        hkey[i] = key
        _ih_sift_down(hkey, hnode, hpos, i, size)
    return size


@njit(**NJIT_KW)
def _ih_pop(hkey, hnode, hpos, size):
    """Numba JIT-compiled removal of the minimum: returns ``(node, key, new_size)``."""
    v = hnode[0]
    k = hkey[0]
    hpos[v] = -1
    size -= 1
    if size > 0:
        hkey[0] = hkey[size]
        hnode[0] = hnode[size]
        hpos[hnode[0]] = 0
        _ih_sift_down(hkey, hnode, hpos, 0, size)
    return v, k, size


# ---------------------------------------------------------------- contraction
@njit(**NJIT_KW)
def _append(start, length, cap, nb, wt, used, v, x, w):
    """Numba JIT-compiled append of ``(x, w)`` to node ``v``'s block of a pooled adjacency
    (``start``/``length``/``cap`` per node, pool ``nb``/``wt`` filled up to ``used``). A full
    block moves to the end of the pool with twice the room; the pool doubles when needed.
    Returns ``(nb, wt, used)``."""
    if length[v] == cap[v]:
        newcap = max(4, 2 * cap[v])
        if used + newcap > nb.shape[0]:
            size = max(2 * nb.shape[0], used + newcap)
            nb2 = np.empty(size, dtype=np.int64)
            wt2 = np.empty(size, dtype=np.float64)
            nb2[:used] = nb[:used]
            wt2[:used] = wt[:used]
            nb = nb2
            wt = wt2
        s0 = start[v]
        for i in range(length[v]):
            nb[used + i] = nb[s0 + i]
            wt[used + i] = wt[s0 + i]
        start[v] = used
        cap[v] = newcap
        used += newcap
    k = start[v] + length[v]
    nb[k] = x
    wt[k] = w
    length[v] += 1
    return nb, wt, used


@njit(**NJIT_KW)
def _remove(start, length, nb, wt, v, x):
    """Numba JIT-compiled removal of neighbour ``x`` from node ``v``'s block (swap with the
    last)."""
    s0 = start[v]
    last = s0 + length[v] - 1
    for k in range(s0, last + 1):
        if nb[k] == x:
            nb[k] = nb[last]
            wt[k] = wt[last]
            length[v] -= 1
            return


@njit(**NJIT_KW)
def _witness(src, skip, limit, settle_limit, o_start, o_len, o_nb, o_wt, dist, touched, hkey,
             hnode, hpos):
    """Numba JIT-compiled witness search: Dijkstra from ``src`` over the remaining graph,
    avoiding ``skip``, settling at most ``settle_limit`` nodes and no label above ``limit``.
    Leaves labels in ``dist`` (the caller resets the ``touched`` entries); returns the number
    of touched nodes."""
    dist[src] = 0.0
    touched[0] = src
    nt = 1
    size = _ih_push(hkey, hnode, hpos, 0, src, 0.0)
    settled = 0
    while size > 0:
        u, d, size = _ih_pop(hkey, hnode, hpos, size)
        settled += 1
        if d > limit or settled > settle_limit:
            break
        s0 = o_start[u]
        for k in range(s0, s0 + o_len[u]):
            x = o_nb[k]
            if x != skip:
                nd = d + o_wt[k]
                if nd < dist[x] and nd <= limit:
                    if dist[x] == np.inf:
                        touched[nt] = x
                        nt += 1
                    dist[x] = nd
                    size = _ih_push(hkey, hnode, hpos, size, x, nd)
    while size > 0:  # empty the heap
        u, d, size = _ih_pop(hkey, hnode, hpos, size)
    return nt


@njit(**NJIT_KW)
def _contract_node(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len, i_nb, i_wt,
                   dist, touched, hkey, hnode, hpos, sc_u, sc_x, sc_w, record):
    """Numba JIT-compiled (simulated) contraction of ``v``: the shortcuts its removal needs.

    With ``record`` the shortcuts ``(sc_u[i], sc_x[i], sc_w[i])`` are written (room for
    ``in-degree * out-degree`` entries). Returns the number of shortcuts.
    """
    so = o_start[v]
    no = o_len[v]
    if no == 0:
        return 0
    wmax = 0.0
    for k in range(so, so + no):
        if o_wt[k] > wmax:
            wmax = o_wt[k]
    shortcuts = 0
    si = i_start[v]
    for ki in range(si, si + i_len[v]):
        u = i_nb[ki]
        wu = i_wt[ki]
        if no == 1 and o_nb[so] == u:
            continue
        nt = _witness(u, v, wu + wmax, settle_limit, o_start, o_len, o_nb, o_wt, dist, touched,
                      hkey, hnode, hpos)
        for k in range(so, so + no):
            x = o_nb[k]
            if x != u and dist[x] > wu + o_wt[k]:
                if record:
                    sc_u[shortcuts] = u
                    sc_x[shortcuts] = x
                    sc_w[shortcuts] = wu + o_wt[k]
                shortcuts += 1
        for i in range(nt):
            dist[touched[i]] = np.inf
    return shortcuts


@njit(**NJIT_KW)
def _priority(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len, i_nb, i_wt, dist,
              touched, hkey, hnode, hpos, sc_u, sc_x, sc_w, deleted, level):
    """Numba JIT-compiled contraction priority of ``v``: ``2 * (shortcuts - arcs removed) +
    contracted neighbours + level``."""
    s = _contract_node(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len, i_nb, i_wt,
                       dist, touched, hkey, hnode, hpos, sc_u, sc_x, sc_w, False)
    return 2.0 * (s - o_len[v] - i_len[v]) + deleted[v] + level[v]


@njit(**NJIT_KW)
def _ch_contract(n, indptr, indices, weights, settle_limit):
    """Numba JIT-compiled contraction hierarchy of a directed graph in CSR form.

    Parameters
    ----------
    n : int
        Number of nodes.
    indptr, indices : int64 arrays
        CSR structure (no self-loops, at most one arc per ordered pair).
    weights : float64 array
        Arc weights, non-negative and finite.
    settle_limit : int
        Nodes a witness search may settle (larger: fewer shortcuts, slower build).

    Returns
    -------
    rank : int64 array (n)
        Contraction order (0 first, least important).
    e_from, e_to : int64 arrays
    e_w : float64 array
        The hierarchy's arcs (original and shortcuts, parallel ones merged): the arcs of each
        node to the nodes still present when it was contracted.
    n_shortcuts : int
        Shortcuts added.
    """
    m = indices.shape[0]
    # the remaining graph: pooled per-node out- and in-blocks
    o_start = np.zeros(n, dtype=np.int64)
    o_len = np.zeros(n, dtype=np.int64)
    o_cap = np.zeros(n, dtype=np.int64)
    i_start = np.zeros(n, dtype=np.int64)
    i_len = np.zeros(n, dtype=np.int64)
    i_cap = np.zeros(n, dtype=np.int64)
    indeg = np.zeros(n, dtype=np.int64)
    for k in range(m):
        indeg[indices[k]] += 1
    used_o = 0
    used_i = 0
    for v in range(n):
        o_start[v] = used_o
        o_cap[v] = 2 * (indptr[v + 1] - indptr[v]) + 2
        used_o += o_cap[v]
        i_start[v] = used_i
        i_cap[v] = 2 * indeg[v] + 2
        used_i += i_cap[v]
    o_nb = np.empty(2 * used_o, dtype=np.int64)
    o_wt = np.empty(2 * used_o, dtype=np.float64)
    i_nb = np.empty(2 * used_i, dtype=np.int64)
    i_wt = np.empty(2 * used_i, dtype=np.float64)
    for a in range(n):
        for k in range(indptr[a], indptr[a + 1]):
            b = indices[k]
            o_nb[o_start[a] + o_len[a]] = b
            o_wt[o_start[a] + o_len[a]] = weights[k]
            o_len[a] += 1
            i_nb[i_start[b] + i_len[b]] = a
            i_wt[i_start[b] + i_len[b]] = weights[k]
            i_len[b] += 1
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    whk = np.empty(n, dtype=np.float64)
    whn = np.empty(n, dtype=np.int64)
    whp = np.full(n, -1, dtype=np.int64)
    sc_cap = 64
    sc_u = np.empty(sc_cap, dtype=np.int64)
    sc_x = np.empty(sc_cap, dtype=np.int64)
    sc_w = np.empty(sc_cap, dtype=np.float64)
    deleted = np.zeros(n, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    pk = np.empty(n, dtype=np.float64)
    pn = np.empty(n, dtype=np.int64)
    pp = np.full(n, -1, dtype=np.int64)
    size = 0
    for v in range(n):
        size = _ih_push(pk, pn, pp, size, v,
                        _priority(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len,
                                  i_nb, i_wt, dist, touched, whk, whn, whp, sc_u, sc_x, sc_w,
                                  deleted, level))
    rank = np.full(n, -1, dtype=np.int64)
    ecap = max(16, 2 * m)
    e_from = np.empty(ecap, dtype=np.int64)
    e_to = np.empty(ecap, dtype=np.int64)
    e_w = np.empty(ecap, dtype=np.float64)
    ne = 0
    n_done = 0
    n_short = 0
    while size > 0:
        v, key, size = _ih_pop(pk, pn, pp, size)
        prio = _priority(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len, i_nb, i_wt,
                         dist, touched, whk, whn, whp, sc_u, sc_x, sc_w, deleted, level)
        if size > 0 and prio > pk[0]:
            size = _ih_push(pk, pn, pp, size, v, prio)   # lazy update: not the least any more
            continue
        need = o_len[v] * i_len[v]
        if need > sc_cap:
            sc_cap = 2 * need
            sc_u = np.empty(sc_cap, dtype=np.int64)
            sc_x = np.empty(sc_cap, dtype=np.int64)
            sc_w = np.empty(sc_cap, dtype=np.float64)
        s = _contract_node(v, settle_limit, o_start, o_len, o_nb, o_wt, i_start, i_len, i_nb,
                           i_wt, dist, touched, whk, whn, whp, sc_u, sc_x, sc_w, True)
        # v's arcs to and from the remaining nodes are arcs of the hierarchy
        deg = o_len[v] + i_len[v]
        if ne + deg > ecap:
            ecap = max(2 * ecap, ne + deg)
            e_from2 = np.empty(ecap, dtype=np.int64)
            e_to2 = np.empty(ecap, dtype=np.int64)
            e_w2 = np.empty(ecap, dtype=np.float64)
            e_from2[:ne] = e_from[:ne]
            e_to2[:ne] = e_to[:ne]
            e_w2[:ne] = e_w[:ne]
            e_from = e_from2
            e_to = e_to2
            e_w = e_w2
        for k in range(o_start[v], o_start[v] + o_len[v]):
            x = o_nb[k]
            e_from[ne] = v
            e_to[ne] = x
            e_w[ne] = o_wt[k]
            ne += 1
            _remove(i_start, i_len, i_nb, i_wt, x, v)
        for k in range(i_start[v], i_start[v] + i_len[v]):
            x = i_nb[k]
            e_from[ne] = x
            e_to[ne] = v
            e_w[ne] = i_wt[k]
            ne += 1
            _remove(o_start, o_len, o_nb, o_wt, x, v)
        # add the shortcuts (merged with an existing arc when there is one)
        for i in range(s):
            a = sc_u[i]
            b = sc_x[i]
            w = sc_w[i]
            found = False
            for k in range(o_start[a], o_start[a] + o_len[a]):
                if o_nb[k] == b:
                    found = True
                    if w < o_wt[k]:
                        o_wt[k] = w
                        for k2 in range(i_start[b], i_start[b] + i_len[b]):
                            if i_nb[k2] == a:
                                i_wt[k2] = w
                                break
                    break
            if not found:
                o_nb, o_wt, used_o = _append(o_start, o_len, o_cap, o_nb, o_wt, used_o, a, b, w)
                i_nb, i_wt, used_i = _append(i_start, i_len, i_cap, i_nb, i_wt, used_i, b, a, w)
                n_short += 1
        rank[v] = n_done
        n_done += 1
        # re-evaluate the remaining neighbours
        for side in range(2):
            st = o_start[v] if side == 0 else i_start[v]
            ln = o_len[v] if side == 0 else i_len[v]
            for k in range(st, st + ln):
                x = o_nb[k] if side == 0 else i_nb[k]
                deleted[x] += 1
                if level[v] + 1 > level[x]:
                    level[x] = level[v] + 1
        for side in range(2):
            st = o_start[v] if side == 0 else i_start[v]
            ln = o_len[v] if side == 0 else i_len[v]
            for k in range(st, st + ln):
                x = o_nb[k] if side == 0 else i_nb[k]
                if pp[x] >= 0:
                    size = _ih_push(pk, pn, pp, size, x,
                                    _priority(x, settle_limit, o_start, o_len, o_nb, o_wt,
                                              i_start, i_len, i_nb, i_wt, dist, touched, whk,
                                              whn, whp, sc_u, sc_x, sc_w, deleted, level))
        o_len[v] = 0
        i_len[v] = 0
    return rank, e_from[:ne].copy(), e_to[:ne].copy(), e_w[:ne].copy(), n_short


# ---------------------------------------------------------------- query graphs and PHAST
@njit(**NJIT_KW)
def _ch_levels(n, rank, e_from, e_to):
    """Numba JIT-compiled level of every node in the hierarchy: 0 without arcs to lower-ranked
    nodes, else one more than the highest level among them. Every arc joins a higher level to
    a lower one."""
    m = e_from.shape[0]
    ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        a = e_from[e]
        b = e_to[e]
        hi = a if rank[a] > rank[b] else b
        ptr[hi + 1] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
    fill = ptr[:n].copy()
    low = np.empty(m, dtype=np.int64)
    for e in range(m):
        a = e_from[e]
        b = e_to[e]
        if rank[a] > rank[b]:
            low[fill[a]] = b
            fill[a] += 1
        else:
            low[fill[b]] = a
            fill[b] += 1
    by_rank = np.empty(n, dtype=np.int64)
    for v in range(n):
        by_rank[rank[v]] = v
    level = np.zeros(n, dtype=np.int64)
    for r in range(n):
        v = by_rank[r]
        for k in range(ptr[v], ptr[v + 1]):
            if level[low[k]] + 1 > level[v]:
                level[v] = level[low[k]] + 1
    return level


@njit(**NJIT_KW)
def _ch_query_graphs(n, rank, e_from, e_to, e_w):
    """Numba JIT-compiled upward and downward query graphs.

    The sweep visits the nodes by descending level (:func:`_ch_levels`) and, within a level,
    by their given number [2]_, so every node comes after the more important ends of its
    downward arcs. Labels stay indexed by the given node number, which keeps the locality of
    the network's numbering (neighbours' labels nearby) and lets a result for all nodes be
    read front to back.

    Returns ``(node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w)``: ``node_at[p]`` is the
    node visited ``p``-th by the sweep; the upward arcs leaving node ``v`` are
    ``up_to[up_ptr[v]:up_ptr[v + 1]]`` (all to higher-ranked nodes); the downward arcs
    entering ``node_at[p]`` come from ``dn_from[dn_ptr[p]:dn_ptr[p + 1]]`` (nodes visited
    before ``p``, ascending), with the matching weights.
    """
    level = _ch_levels(n, rank, e_from, e_to)
    top = 0
    for v in range(n):
        if level[v] > top:
            top = level[v]
    key = np.empty(n, dtype=np.int64)
    for v in range(n):
        key[v] = (top - level[v]) * n + v
    node_at = np.argsort(key)
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[node_at[i]] = i
    m = e_from.shape[0]
    up_cnt = np.zeros(n + 1, dtype=np.int64)
    dn_cnt = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        a = e_from[e]
        b = e_to[e]
        if rank[b] > rank[a]:
            up_cnt[a + 1] += 1
        else:
            dn_cnt[pos[b] + 1] += 1
    for i in range(n):
        up_cnt[i + 1] += up_cnt[i]
        dn_cnt[i + 1] += dn_cnt[i]
    up_ptr = up_cnt.copy()
    dn_ptr = dn_cnt.copy()
    up_to = np.empty(up_ptr[n], dtype=np.int64)
    up_w = np.empty(up_ptr[n], dtype=np.float64)
    dn_from = np.empty(dn_ptr[n], dtype=np.int64)
    dn_w = np.empty(dn_ptr[n], dtype=np.float64)
    for e in range(m):
        a = e_from[e]
        b = e_to[e]
        if rank[b] > rank[a]:
            k = up_cnt[a]
            up_cnt[a] += 1
            up_to[k] = b
            up_w[k] = e_w[e]
        else:
            k = dn_cnt[pos[b]]
            dn_cnt[pos[b]] += 1
            dn_from[k] = a
            dn_w[k] = e_w[e]
    for i in range(n):   # sources ascending: nearby labels read in order
        lo = dn_ptr[i]
        hi = dn_ptr[i + 1]
        if hi - lo > 1:
            o = np.argsort(dn_from[lo:hi])
            f = dn_from[lo:hi][o]
            w = dn_w[lo:hi][o]
            dn_from[lo:hi] = f
            dn_w[lo:hi] = w
    return node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w


@njit(**NJIT_KW)
def _phast_block(node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w, srcs, K, cutoff, D, hkey,
                 hnode, hpos):
    """Numba JIT-compiled PHAST from up to ``K`` origins at once.

    Parameters
    ----------
    node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w :
        Query graphs of :func:`_ch_query_graphs`.
    srcs : int64 array
        Origin nodes, at most ``K``.
    K : int
        Labels per node in ``D``.
    cutoff : float
        Upward labels above it are dropped (the downward part only adds).
    D : float64 array (n K)
        Output: ``D[v K + k]`` is the distance from ``srcs[k]`` to ``v`` (``inf`` when
        unreachable; exact up to rounding at most ``cutoff``; columns ``k >= len(srcs)`` are
        ``inf``).
    hkey, hnode, hpos : arrays of n entries
        Heap workspace, ``hpos`` all -1 on entry and on exit.
    """
    D[:] = np.inf
    for k in range(srcs.shape[0]):
        s = srcs[k]
        D[s * K + k] = 0.0
        size = _ih_push(hkey, hnode, hpos, 0, s, 0.0)
        while size > 0:
            u, d, size = _ih_pop(hkey, hnode, hpos, size)
            for e in range(up_ptr[u], up_ptr[u + 1]):
                x = up_to[e]
                nd = d + up_w[e]
                if nd < D[x * K + k] and nd <= cutoff:
                    D[x * K + k] = nd
                    size = _ih_push(hkey, hnode, hpos, size, x, nd)
    if K == 16:
        _sweep16(node_at, dn_ptr, dn_from, dn_w, D)
    else:
        _sweep(node_at, dn_ptr, dn_from, dn_w, D, K)


@njit(**NJIT_KW)
def _sweep(node_at, dn_ptr, dn_from, dn_w, D, K):
    """Numba JIT-compiled PHAST sweep with ``K`` labels per node (see :func:`_phast_block`):
    each node's labels are kept in a small local array while its incoming downward arcs are
    scanned."""
    acc = np.empty(K)
    for p in range(dn_ptr.shape[0] - 1):
        bv = node_at[p] * K
        for k in range(K):
            acc[k] = D[bv + k]
        for e in range(dn_ptr[p], dn_ptr[p + 1]):
            bu = dn_from[e] * K
            w = dn_w[e]
            for k in range(K):
                acc[k] = min(acc[k], D[bu + k] + w)
        for k in range(K):
            D[bv + k] = acc[k]


@njit(**NJIT_KW)
def _sweep16(node_at, dn_ptr, dn_from, dn_w, D):
    """Numba JIT-compiled :func:`_sweep` for ``K = 16``: a constant trip count lets the
    compiler unroll and vectorise the inner loop (about twice as fast)."""
    acc = np.empty(16)
    for p in range(dn_ptr.shape[0] - 1):
        bv = node_at[p] * 16
        for k in range(16):
            acc[k] = D[bv + k]
        for e in range(dn_ptr[p], dn_ptr[p + 1]):
            bu = dn_from[e] * 16
            w = dn_w[e]
            for k in range(16):
                acc[k] = min(acc[k], D[bu + k] + w)
        for k in range(16):
            D[bv + k] = acc[k]


@njit(parallel=True, **NJIT_KW)
def _phast_many(node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w, src, dest, cutoff, K,
                n_chunks, out):
    """Numba JIT-compiled many-to-many distances by PHAST sweeps, ``K`` origins per sweep, in
    parallel over ``n_chunks`` chunks of origins.

    ``src`` and ``dest`` are node numbers; ``out[i, j]`` receives the
    distance from ``src[i]`` to ``dest[j]``, ``inf`` when unreachable or above ``cutoff``.
    Returns the number of finite entries.
    """
    n = up_ptr.shape[0] - 1
    n_src = src.shape[0]
    n_dst = dest.shape[0]
    n_groups = (n_src + K - 1) // K
    if n_chunks < 1:
        n_chunks = 1
    found = np.zeros(n_chunks, dtype=np.int64)
    # destinations in label order: the labels are read front to back (for all nodes in the
    # network's order, the writes too)
    order = np.argsort(dest)
    dsorted = dest[order]
    for c in prange(n_chunks):
        glo = (n_groups * c) // n_chunks
        ghi = (n_groups * (c + 1)) // n_chunks
        if ghi > glo:
            D = np.empty(n * K, dtype=np.float64)
            hkey = np.empty(n, dtype=np.float64)
            hnode = np.empty(n, dtype=np.int64)
            hpos = np.full(n, -1, dtype=np.int64)
            for g in range(glo, ghi):
                lo = g * K
                hi = min(lo + K, n_src)
                _phast_block(node_at, up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w, src[lo:hi], K,
                             cutoff, D, hkey, hnode, hpos)
                cnt = 0
                for i in range(n_dst):
                    b = dsorted[i] * K
                    j = order[i]
                    for k in range(hi - lo):
                        val = D[b + k]
                        if val <= cutoff and val < np.inf:
                            out[lo + k, j] = val
                            cnt += 1
                        else:
                            out[lo + k, j] = np.inf
                found[c] += cnt
    return found.sum()
