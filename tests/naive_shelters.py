"""Slow reference implementations for yingji.shelters tests (networkx flows, loops, brute force)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd


def naive_2sfca(P, S, D, r):
    """Two-step floating catchment with plain loops."""
    n, m = len(P), len(S)
    ratio = np.zeros(m)
    for j in range(m):
        pop = sum(P[i] for i in range(n) if D[i][j] <= r[j])
        ratio[j] = S[j] / pop if pop > 0 else 0.0
    access = np.zeros(n)
    for i in range(n):
        access[i] = sum(ratio[j] for j in range(m) if D[i][j] <= r[j])
    return access, ratio


def nx_assignment(P, K, D, r):
    """Max people sheltered, then min person-metres, by networkx's max-flow min-cost.

    Needs integral P, K, D. Returns ``(people, person_metres)``.
    """
    G = nx.DiGraph()
    n, m = len(P), len(K)
    for i in range(n):
        G.add_edge("s", ("d", i), capacity=int(P[i]), weight=0)
    for j in range(m):
        G.add_edge(("h", j), "t", capacity=int(K[j]), weight=0)
    for i in range(n):
        for j in range(m):
            if D[i][j] <= r[j]:
                G.add_edge(("d", i), ("h", j), capacity=int(P[i]), weight=int(D[i][j]))
    if ("d", 0) not in G and n == 0:
        return 0, 0
    G.add_nodes_from(["s", "t"])
    flow = nx.max_flow_min_cost(G, "s", "t")
    people = sum(flow["s"].values())
    return people, nx.cost_of_flow(G, flow)


def max_people(P, K, D, r):
    """Most people sheltered (max flow) with networkx."""
    G = nx.DiGraph()
    G.add_nodes_from(["s", "t"])
    for i in range(len(P)):
        G.add_edge("s", ("d", i), capacity=float(P[i]))
    for j in range(len(K)):
        G.add_edge(("h", j), "t", capacity=float(K[j]))
        for i in range(len(P)):
            if D[i][j] <= r[j]:
                G.add_edge(("d", i), ("h", j), capacity=float(P[i]))
    return nx.maximum_flow_value(G, "s", "t")


def brute_plan(P, K, D, r, cost, n_exist, budget=None):
    """Cheapest candidate subset sheltering the most people (within ``budget``).

    Returns ``(people, cost)``.
    """
    q = len(cost)
    best = (-1.0, np.inf)
    for size in range(q + 1):
        for sub in itertools.combinations(range(q), size):
            c = float(sum(cost[s] for s in sub))
            if budget is not None and c > budget + 1e-9:
                continue
            keep = list(range(n_exist)) + [n_exist + s for s in sub]
            ppl = max_people(P, [K[j] for j in keep], [[row[j] for j in keep] for row in D],
                             [r[j] for j in keep])
            if ppl > best[0] + 1e-9 or (abs(ppl - best[0]) <= 1e-9 and c < best[1]):
                best = (ppl, c)
    return best


# ---- small road networks for the shelter tests ------------------------------------------
def line_network(n=5, step=250.0):
    nodes = pd.DataFrame({"x": np.arange(n) * step, "y": np.zeros(n)})
    edges = pd.DataFrame({"u": np.arange(n - 1), "v": np.arange(1, n), "minutes": 1.0,
                          "metres": step})
    from yingji.network import Network

    return Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes",
                              length="metres")


def grid_network(k=12, step=100.0):
    idx = np.arange(k * k)
    nodes = pd.DataFrame({"x": (idx % k) * step, "y": (idx // k) * step})
    u, v = [], []
    for i in idx:
        if i % k < k - 1:
            u.append(i)
            v.append(i + 1)
        if i // k < k - 1:
            u.append(i)
            v.append(i + k)
    edges = pd.DataFrame({"u": u, "v": v, "minutes": step / 80.0, "metres": step})
    from yingji.network import Network

    return Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes",
                              length="metres")
