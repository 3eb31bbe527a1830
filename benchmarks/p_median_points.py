"""Peak memory and result of the p-median on TSPLIB points, with and without the n x n matrix (issue 23).

Usage: ``python benchmarks/p_median_points.py brd14051 100 60 points`` (instance, p, limit in
seconds, then ``points`` for :func:`yingji.p_median_points` or ``matrix`` for :func:`yingji.p_median`
on the full Euclidean matrix, method ``auto``; one per process, so each peak is its own). Each line
gives wall and CPU seconds, objective, bound, gap, status, the process's peak RSS before and after
the call (``ru_maxrss``) and, with ``--tracemalloc``, the peak of the memory numpy and Python
allocated during the call. Not a suite: it checks memory and a limit, it does not time a peer.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

import yingji as yj
from yingji.datasets import load_tsplib, tsplib_cost


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv):
    trace = "--tracemalloc" in argv
    argv = [a for a in argv if a != "--tracemalloc"]
    name, p, tl, mode = argv[0], int(argv[1]), float(argv[2]), argv[3]
    root = Path(os.environ.get("YINGJI_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    xy = load_tsplib(root / "tsplib" / f"{name}.tsp").xy
    # warm the kernels on a small instance (compilation is not part of the figure)
    small = np.random.default_rng(0).uniform(0, 9, (60, 2))
    yj.p_median_points(small, 3)
    C = tsplib_cost(xy) if mode == "matrix" else None
    if C is not None:
        yj.p_median(tsplib_cost(small), 3)
    before = _rss_mib()
    print(f"{name} n={xy.shape[0]} p={p} limit={tl}s mode={mode} (load {os.getloadavg()[0]:.1f}, "
          f"peak RSS before the call {before:.0f} MiB)", flush=True)
    if trace:
        tracemalloc.start()
    t, c = time.perf_counter(), time.process_time()
    r = yj.p_median_points(xy, p, time_limit=tl) if mode == "points" else yj.p_median(C, p, time_limit=tl)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    traced = f" traced peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB" if trace else ""
    ex = r.extras
    print(f"  {mode:7s} wall {wall:6.2f}s cpu {cpu:6.2f}s obj {r.objective:.2f} bound {r.bound:.2f} "
          f"gap {r.gap:.2e} {r.status} peak RSS {_rss_mib():.0f} MiB{traced}", flush=True)
    keys = ("list_length", "heuristic_objective", "swaps", "lagrangian_bound", "lagrangian_iterations",
            "n_fixed_open", "n_fixed_closed", "knn_rounds", "knn_model_size", "knn_skipped", "knn_deferred", "kernel",
            "more_rounds", "more_rounds_from", "stage_seconds")
    print("  extras: " + ", ".join(f"{k}={ex[k]}" for k in keys if k in ex), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
