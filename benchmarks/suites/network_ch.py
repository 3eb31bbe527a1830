"""Network CH suite: one-to-all and many-to-many travel times by the contraction hierarchy.

The network is the network suite's seeded synthetic county grid (``synthetic_road_network``:
arterials every 8th line, expressways every 40th, 10 % one-way local streets, 3 % of local
segments missing), its largest strongly connected part. Cases:

* ``ch_all``: 1,000 origins to every node, no cutoff, dense (``travel_times(origins,
  method="ch")``);
* ``ch_m2m``: a dense 1,000 x 10,000 matrix.

The hierarchy is built in the untimed setup (after the kernels are warmed on a tiny network, so
no compilation is counted) and its build seconds are reported as ``ch_build_s``. Peer:
``scipy.sparse.csgraph.dijkstra`` on the same CSR graph from all 1,000 origins (not sampled),
columns taken afterwards. The check compares every entry: max abs difference in minutes and
the number of entries finite in one result and not in the other.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite

PEER = "scipy.sparse.csgraph.dijkstra (same graph, all origins)"


def _setup(n_nodes, n_origins, n_dest, seed=0):
    import warnings

    import pandas as pd

    import yingji as yj
    from benchmarks.suites.network import synthetic_road_network

    tiny = yj.Network.from_edges(pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 2.0]}))
    tiny.travel_times([0], method="ch")                       # warm the kernels (untimed)
    edges, nodes = synthetic_road_network(n_nodes, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", yj.DisconnectedNetworkWarning)
        net = yj.Network.from_edges(edges, nodes=nodes).largest_component()
    info = net.prepare_ch()
    rng = np.random.default_rng(seed + 1)
    labels = np.asarray(net.nodes)
    origins = rng.choice(labels, n_origins, replace=False)
    dests = rng.choice(labels, n_dest, replace=False) if n_dest else None
    net.travel_times(origins[:2], dests if dests is not None else origins[:2], method="ch")
    import scipy.sparse as sp

    indptr, indices, weights = net._csr("time")
    G = sp.csr_array((weights, indices, indptr), shape=(net.n_nodes, net.n_nodes))
    return {"net": net, "info": info, "origins": origins, "dests": dests, "G": G}


def _run(s):
    net = s["net"]
    s["T"] = None
    T = net.travel_times(s["origins"], s["dests"], method="ch")
    s["T"] = T
    info = s["info"]   # statistics of T are taken in the untimed check (the peer has none)
    return {"n_nodes": net.n_nodes, "shape": f"{T.shape[0]}x{T.shape[1]}",
            "ch_build_s": round(info["build_seconds"], 2), "shortcuts": info["shortcuts"]}


def _peer(s):
    from scipy.sparse.csgraph import dijkstra

    net = s["net"]
    rank = net._order()[0]
    s["R"] = None
    s["R"] = dijkstra(s["G"], directed=True, indices=rank[net.positions(s["origins"])])
    return {"origins": len(s["origins"])}


def _check(s):
    net, T = s["net"], s["T"]
    rank = net._order()[0]
    cols = np.arange(net.n_nodes) if s["dests"] is None else net.positions(s["dests"])
    worst, mism, n_fin, total = 0.0, 0, 0, 0.0
    for start in range(0, T.shape[0], 100):              # row blocks: no second full copy
        R = s["R"][start:start + 100][:, rank[cols]]
        t = T[start:start + 100]
        mism += int((np.isfinite(R) != np.isfinite(t)).sum())
        both = np.isfinite(R) & np.isfinite(t)
        n_fin += int(np.isfinite(t).sum())
        total += float(t[np.isfinite(t)].sum())
        if both.any():
            worst = max(worst, float(np.abs(R[both] - t[both]).max()))
    return {"max_abs_diff_min": worst, "reach_mismatches": mism,
            "reachable_share": n_fin / T.size, "mean_minutes": total / max(n_fin, 1)}


def _case(name, n_nodes, n_origins, n_dest):
    what = (f"{n_origins:,} origins -> all nodes, no cutoff" if not n_dest
            else f"dense {n_origins:,} x {n_dest:,} matrix")
    return Case(name, setup=partial(_setup, n_nodes, n_origins, n_dest), run=_run, peer=_peer,
                peer_name=PEER, check=_check, repeat=2,
                params={"n_nodes": n_nodes, "n_origins": n_origins, "n_dest": n_dest,
                        "method": "ch", "seed": 0},
                description=f"{what}, ~{n_nodes:,}-node grid, contraction hierarchy + PHAST")


SUITE = Suite(
    "network_ch",
    quick=[_case("ch_all_20k", 20_000, 1000, 0),
           _case("ch_m2m_20k_1000x5000", 20_000, 1000, 5000)],
    full=[_case("ch_all_100k", 100_000, 1000, 0),
          _case("ch_m2m_100k_1000x10000", 100_000, 1000, 10_000)],
    budget_s=300,
    full_budget_s=1500,
    description="travel times by contraction hierarchy (PHAST) vs scipy's Dijkstra",
)
