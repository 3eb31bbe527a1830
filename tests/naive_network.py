"""Naive references for the road-network tests: pure-Python Dijkstra and brute-force snapping."""

from __future__ import annotations

import heapq

import numpy as np


def naive_arcs(u, v, w, oneway):
    """Directed arc list (a, b, w) of segments: two-way segments give both arcs."""
    arcs = []
    for a, b, x, o in zip(u, v, w, oneway):
        arcs.append((a, b, x))
        if not o:
            arcs.append((b, a, x))
    return arcs


def naive_dijkstra(n, arcs, source, cutoff=None):
    """Shortest distances from ``source`` (list of n floats, inf unreachable/beyond cutoff)."""
    adj = [[] for _ in range(n)]
    for a, b, x in arcs:
        adj[a].append((b, x))
    dist = [float("inf")] * n
    dist[source] = 0.0
    pq = [(0.0, source)]
    done = [False] * n
    while pq:
        d, a = heapq.heappop(pq)
        if done[a]:
            continue
        done[a] = True
        for b, x in adj[a]:
            nd = d + x
            if nd < dist[b]:
                dist[b] = nd
                heapq.heappush(pq, (nd, b))
    out = np.asarray(dist)
    if cutoff is not None:
        out[out > cutoff] = np.inf
    return out


def naive_matrix(n, arcs, origins, destinations, cutoff=None):
    return np.array([naive_dijkstra(n, arcs, o, cutoff)[list(destinations)] for o in origins])


def brute_snap(coords, x, y):
    """Nearest node position and distance for each point, by scanning every node."""
    coords = np.asarray(coords, dtype=float)
    pts = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]).astype(float)
    d = np.sqrt(((pts[:, None, :] - coords[None, :, :]) ** 2).sum(axis=2))
    return d.argmin(axis=1), d.min(axis=1)
