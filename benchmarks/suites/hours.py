"""Hours suite: travel times at an hour of day (speed factors by road class) on a synthetic
county road network.

The network is the network suite's seeded street grid (``synthetic_road_network``), its segments
classed by their speed: expressways (64-80 km/h) ``national``, arterials (40-60 km/h)
``urban_arterial``, local streets (24-30 km/h) ``urban_street``; the default speed profile
(:data:`yingji.network.hours.DEFAULT_SPEED_PROFILE`, an assumption) applies. Case:

* ``peak08_20k``: 1,000 origins to every node, 15-minute cutoff, sparse, at 08 h
  (``travel_times(..., hour=8)``). The timed call includes building the 08 h network (scaling
  every segment, :meth:`Network.at_hour`, cached afterwards); its time is reported apart
  (``at_hour_s``) together with the same routing on the free-flow network (``free_flow_s``).

Peer: networkx ``single_source_dijkstra_path_length`` (same cutoff) on an edge table scaled here,
independently of yingji (free-flow minutes / the profile's factor of the segment's class at
08 h), from a sample of the origins, its time scaled to all origins (marked ``*``); the check
compares the sampled rows with yingji's.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

from benchmarks import Case, Suite
from benchmarks.suites.network import synthetic_road_network

HOUR = 8
CUTOFF = 15.0
PEER = "networkx.single_source_dijkstra_path_length on the independently scaled edge table"


def _classes(edges) -> np.ndarray:
    kph = edges["metres"].to_numpy(float) / 1000.0 / (edges["minutes"].to_numpy(float) / 60.0)
    return np.where(kph > 62.0, "national", np.where(kph > 35.0, "urban_arterial", "urban_street"))


def _setup(n_nodes, n_origins, n_sample, seed=0):
    import warnings

    import networkx as nx

    import yingji as yj
    from yingji.network.hours import DEFAULT_SPEED_PROFILE

    edges, nodes = synthetic_road_network(n_nodes, seed)
    edges = edges.assign(road_class=_classes(edges))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", yj.DisconnectedNetworkWarning)
        net = yj.Network.from_edges(edges, nodes=nodes).largest_component()
    rng = np.random.default_rng(seed + 1)
    labels = np.asarray(net.nodes)
    origins = rng.choice(labels, n_origins, replace=False)
    net.travel_times(origins[:2], cutoff=1.0, sparse=True, hour=12)   # warm the kernels (12 h != 8 h)
    # the peer's graph: free-flow minutes / factor of the class at the hour, scaled here
    factor = DEFAULT_SPEED_PROFILE[HOUR].reindex(edges["road_class"]).fillna(1.0).to_numpy(float)
    w = edges["minutes"].to_numpy(float) / factor
    u, v, ow = edges["u"].to_numpy(), edges["v"].to_numpy(), edges["oneway"].to_numpy(bool)
    G = nx.DiGraph()
    G.add_nodes_from(labels.tolist())
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()), weight="minutes")
    G.add_weighted_edges_from(zip(v[~ow].tolist(), u[~ow].tolist(), w[~ow].tolist()), weight="minutes")
    G = G.subgraph(labels.tolist()).copy()
    return {"net": net, "origins": origins, "sample": origins[:n_sample], "G": G}


def _run(s):
    net = s["net"]
    T = net.travel_times(s["origins"], cutoff=CUTOFF, sparse=True, hour=HOUR)
    s["T"] = T
    return {"n_nodes": net.n_nodes, "n_origins": len(s["origins"]), "pairs_reached": int(T.nnz)}


def _peer(s):
    import networkx as nx

    s["nx"] = {o: nx.single_source_dijkstra_path_length(s["G"], o, cutoff=CUTOFF, weight="minutes")
               for o in s["sample"].tolist()}
    return {"sampled_origins": len(s["sample"]), "scale": len(s["origins"]) / len(s["sample"])}


def _check(s):
    """Sampled rows against networkx; then, untimed here, the hour's network build and the
    same routing on the free-flow network, each timed alone (fresh copies, no cache)."""
    net, T = s["net"], s["T"]
    rows = {o: i for i, o in enumerate(s["origins"].tolist())}
    labels = np.asarray(net.nodes)
    worst, mismatches = 0.0, 0
    for o, dist in s["nx"].items():
        r = rows[o]
        full = np.full(T.shape[1], np.inf)
        sl = slice(T.indptr[r], T.indptr[r + 1])
        full[T.indices[sl]] = T.data[sl]
        ref = np.array([dist.get(lab.item(), np.inf) for lab in labels])
        both = np.isfinite(ref) & np.isfinite(full)
        mismatches += int((np.isfinite(ref) != np.isfinite(full)).sum())
        if both.any():
            worst = max(worst, float(np.abs(ref[both] - full[both]).max()))
    fresh = net.with_speed_profile(net.speed_profile)          # a copy without the hour cache
    t = time.perf_counter()
    fresh.at_hour(HOUR)
    at_hour_s = time.perf_counter() - t
    t = time.perf_counter()
    free = net.travel_times(s["origins"], cutoff=CUTOFF, sparse=True)
    free_s = time.perf_counter() - t
    return {"max_abs_diff_min": worst, "reach_mismatches": mismatches, "at_hour_s": round(at_hour_s, 4),
            "free_flow_s": round(free_s, 4), "pairs_reached_free_flow": int(free.nnz)}


def _case(name, n_nodes, n_origins, n_sample):
    return Case(name, setup=partial(_setup, n_nodes, n_origins, n_sample), run=_run, peer=_peer,
                peer_name=PEER + f" (cutoff 15, {n_sample} sampled origins)", check=_check,
                params={"n_nodes": n_nodes, "n_origins": n_origins, "hour": HOUR, "cutoff_min": CUTOFF,
                        "peer_sample": n_sample, "profile": "default (assumption)", "seed": 0},
                description=f"{n_origins:,} origins -> all nodes at {HOUR:02d} h, 15-min cutoff, "
                            f"~{n_nodes:,}-node grid")


SUITE = Suite(
    "hours",
    quick=[_case("peak08_20k", 20_000, 1000, 10)],
    full=[_case("peak08_100k", 100_000, 1000, 6)],
    budget_s=120,
    full_budget_s=400,
    description="travel times at an hour of day (default speed profile) vs networkx on scaled edges",
)
