"""Network suite: travel-time matrices on a synthetic county road network.

The network is a jittered street grid with arterials every 8th line and expressways every
40th (realistic free-flow speeds: 30 / 50-60 / 80 km/h, some one-way local streets), seeded.
Cases (DESIGN.md scale: 10^5 road nodes, 10^3 sites, 10^4 demand points):

* ``cutoff``: 1,000 origins to every node with a 15-minute cutoff, kept sparse
  (``travel_times(..., cutoff=15, sparse=True)``);
* ``dense``: a full 1,000 x 10,000 matrix (``travel_times(origins, destinations)``).

Peer: networkx ``single_source_dijkstra_path_length`` (with the same cutoff) from a sample of
the origins, its time scaled to all origins (the table marks it ``*``); the check compares the
sampled rows with yingji's (max abs difference in minutes, number of reached pairs).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite

SPACING_M = 180.0


def synthetic_road_network(n_nodes: int, seed: int = 0):
    """A ~``n_nodes`` jittered grid road network as ``(edges, nodes)`` DataFrames.

    Local streets 30 km/h (10 % one-way, alternating), arterials (every 8th row/column)
    50-60 km/h, expressways (every 40th) 80 km/h; speeds scaled by a random 0.8-1.0
    congestion factor; 3 % of local segments missing (dead ends). Coordinates in metres.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(n_nodes)))
    n = side * side
    ii, jj = np.divmod(np.arange(n), side)
    x = jj * SPACING_M + rng.uniform(-25, 25, n)
    y = ii * SPACING_M + rng.uniform(-25, 25, n)
    idx = np.arange(n).reshape(side, side)
    hu, hv = idx[:, :-1].ravel(), idx[:, 1:].ravel()          # east-west segments, row = ii
    vu, vv = idx[:-1, :].ravel(), idx[1:, :].ravel()          # north-south segments, col = jj
    line = np.concatenate([ii[hu], jj[vu]])
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    kph = np.full(len(u), 30.0)
    art = line % 8 == 0
    kph[art] = rng.choice([50.0, 60.0], art.sum())
    kph[line % 40 == 0] = 80.0
    kph *= rng.uniform(0.8, 1.0, len(u))
    metres = np.hypot(x[u] - x[v], y[u] - y[v])
    minutes = metres / 1000.0 / kph * 60.0
    local = ~art & (line % 40 != 0)
    oneway = local & (rng.random(len(u)) < 0.10)
    flip = oneway & (line % 2 == 1)
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    keep = ~(local & (rng.random(len(u)) < 0.03))
    edges = pd.DataFrame({"u": u[keep], "v": v[keep], "minutes": minutes[keep],
                          "metres": metres[keep], "oneway": oneway[keep]})
    nodes = pd.DataFrame({"x": x, "y": y}, index=pd.Index(np.arange(n), name="node"))
    return edges, nodes


def _build(n_nodes, n_origins, n_dest, n_sample, seed):
    import warnings

    import yingji as yj

    edges, nodes = synthetic_road_network(n_nodes, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", yj.DisconnectedNetworkWarning)
        net = yj.Network.from_edges(edges, nodes=nodes).largest_component()
    rng = np.random.default_rng(seed + 1)
    labels = np.asarray(net.nodes)
    origins = rng.choice(labels, n_origins, replace=False)
    dests = rng.choice(labels, n_dest, replace=False) if n_dest else None
    net.travel_times(origins[:2], dests if dests is not None else origins[:2], cutoff=1.0)  # warm
    return {"net": net, "edges": edges, "origins": origins, "dests": dests,
            "sample": origins[:n_sample]}


def _setup_cutoff(n_nodes, n_origins, n_sample, seed=0):
    s = _build(n_nodes, n_origins, 0, n_sample, seed)
    s["cutoff"] = 15.0
    return s


def _setup_dense(n_nodes, n_origins, n_dest, n_sample, seed=0):
    s = _build(n_nodes, n_origins, n_dest, n_sample, seed)
    s["cutoff"] = None
    return s


def _run_cutoff(s):
    T = s["net"].travel_times(s["origins"], cutoff=s["cutoff"], sparse=True)
    s["T"] = T
    return {"n_nodes": s["net"].n_nodes, "n_origins": len(s["origins"]), "pairs_reached": int(T.nnz),
            "mean_reached_per_origin": T.nnz / max(len(s["origins"]), 1),
            "result_MiB": (T.data.nbytes + T.indices.nbytes + T.indptr.nbytes) / 2**20}


def _run_dense(s):
    T = s["net"].travel_times(s["origins"], s["dests"])
    s["T"] = T
    fin = np.isfinite(T)
    return {"n_nodes": s["net"].n_nodes, "shape": f"{T.shape[0]}x{T.shape[1]}",
            "reachable_share": float(fin.mean()), "mean_minutes": float(T[fin].mean()),
            "result_MiB": T.nbytes / 2**20}


def _nx_graph(s):
    import networkx as nx

    e = s["net"].to_edges()
    G = nx.DiGraph()
    G.add_nodes_from(s["net"].nodes.tolist())
    u, v, w, ow = e["u"].to_numpy(), e["v"].to_numpy(), e["minutes"].to_numpy(), e["oneway"].to_numpy()
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()), weight="minutes")
    two = ~ow
    G.add_weighted_edges_from(zip(v[two].tolist(), u[two].tolist(), w[two].tolist()), weight="minutes")
    return G


def _peer(s):
    import networkx as nx

    G = s.get("G")
    if G is None:  # built untimed on first use; the build is excluded below
        raise RuntimeError("peer graph missing")
    res = {}
    for o in s["sample"].tolist():
        res[o] = nx.single_source_dijkstra_path_length(G, o, cutoff=s["cutoff"], weight="minutes")
    s["nx"] = res
    return {"sampled_origins": len(s["sample"]), "scale": len(s["origins"]) / len(s["sample"])}


def _with_nx(setup):
    def wrapped(*a, **k):
        s = setup(*a, **k)
        s["G"] = _nx_graph(s)
        return s
    return wrapped


def _check(s):
    net, T = s["net"], s["T"]
    rows = {o: i for i, o in enumerate(s["origins"].tolist())}
    cols = (np.arange(net.n_nodes) if s["dests"] is None
            else net.positions(s["dests"]))
    labels = np.asarray(net.nodes)
    worst, mismatched_pairs = 0.0, 0
    for o, dist in s["nx"].items():
        r = rows[o]
        row = T[[r]].toarray().ravel() if hasattr(T, "tocsr") else T[r]
        if hasattr(T, "tocsr"):  # sparse: missing = inf, stored zeros are real zeros
            full = np.full(T.shape[1], np.inf)
            sl = slice(T.indptr[r], T.indptr[r + 1])
            full[T.indices[sl]] = T.data[sl]
            row = full
        ref = np.full(len(cols), np.inf)
        for j, c in enumerate(cols.tolist()):
            d = dist.get(labels[c].item())
            if d is not None:
                ref[j] = d
        both = np.isfinite(ref) & np.isfinite(row)
        mismatched_pairs += int((np.isfinite(ref) != np.isfinite(row)).sum())
        if both.any():
            worst = max(worst, float(np.abs(ref[both] - row[both]).max()))
    return {"max_abs_diff_min": worst, "reach_mismatches": mismatched_pairs}


PEER = "networkx.single_source_dijkstra_path_length"


def _setup_simplify(n_check=200, seed=0):
    import yingji as yj

    net = yj.datasets.sample_county().network
    net.simplify()  # warm the kernel (untimed)
    return {"net": net, "n_check": n_check, "seed": seed}


def _run_simplify(s):
    small = s["net"].simplify()
    s["small"] = small
    return {"nodes_before": s["net"].n_nodes, "nodes_after": small.n_nodes,
            "edges_before": s["net"].n_edges, "edges_after": small.n_edges}


def _check_simplify(s):
    """Travel times between a seeded sample of the kept nodes, before and after."""
    net, small = s["net"], s["small"]
    rng = np.random.default_rng(s["seed"])
    kept = np.asarray(small.nodes)
    pick = kept[rng.choice(kept.size, min(s["n_check"], kept.size), replace=False)]
    a = net.travel_times(pick, pick)
    b = small.travel_times(pick, pick)
    both = np.isfinite(a) & np.isfinite(b)
    return {"max_abs_diff_min": float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0,
            "reach_mismatches": int((np.isfinite(a) != np.isfinite(b)).sum())}


def _cutoff_case(name, n_nodes, n_origins, n_sample):
    return Case(name, setup=partial(_with_nx(_setup_cutoff), n_nodes, n_origins, n_sample),
                run=_run_cutoff, peer=_peer, peer_name=PEER + f" (cutoff 15, {n_sample} sampled origins)",
                check=_check, params={"n_nodes": n_nodes, "n_origins": n_origins, "cutoff_min": 15,
                                      "peer_sample": n_sample, "seed": 0},
                description=f"{n_origins:,} origins -> all nodes, 15-min cutoff, sparse, ~{n_nodes:,}-node grid")


def _dense_case(name, n_nodes, n_origins, n_dest, n_sample):
    return Case(name, setup=partial(_with_nx(_setup_dense), n_nodes, n_origins, n_dest, n_sample),
                run=_run_dense, peer=_peer, peer_name=PEER + f" (full, {n_sample} sampled origins)",
                check=_check, params={"n_nodes": n_nodes, "n_origins": n_origins, "n_dest": n_dest,
                                      "peer_sample": n_sample, "seed": 0},
                description=f"dense {n_origins:,} x {n_dest:,} matrix, ~{n_nodes:,}-node grid")


SUITE = Suite(
    "network",
    quick=[_cutoff_case("cutoff15_20k", 20_000, 1000, 10),
           _dense_case("dense_20k_1000x10000", 20_000, 1000, 10_000, 10),
           Case("simplify_sample_county", setup=_setup_simplify, run=_run_simplify, check=_check_simplify,
                params={"network": "sample county XX县 roads", "check_nodes": 200, "seed": 0},
                description="Network.simplify on the sample county's 21,179-node roads; times kept exactly")],
    full=[_cutoff_case("cutoff15_100k", 100_000, 1000, 10),
          _dense_case("dense_100k_1000x10000", 100_000, 1000, 10_000, 6)],
    budget_s=180,
    full_budget_s=600,
    description="travel-time matrices on a synthetic grid+arterial road network vs networkx",
)
