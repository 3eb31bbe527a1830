"""Wall time of every p_median method against its ``time_limit`` on one TSPLIB instance (issue 23).

Usage: ``python benchmarks/p_median_time_limits.py rl5934 100 10 auto heuristic exact knearest classic``
(instance, p, limit in seconds, methods). The cost matrix is built before the clock starts; each
line gives wall and CPU seconds, objective, bound, gap, status and the process's peak RSS so far.
Not a suite (it checks a limit, it does not compare with a peer).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

import yingji as yj
from yingji.datasets import load_tsplib, tsplib_cost


def main(argv):
    name, p, tl, methods = argv[0], int(argv[1]), float(argv[2]), argv[3:]
    root = Path(os.environ.get("YINGJI_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    t = time.perf_counter()
    C = tsplib_cost(load_tsplib(root / "tsplib" / f"{name}.tsp").xy)
    print(f"{name} n={C.shape[0]} p={p} limit={tl}s (matrix {time.perf_counter() - t:.1f}s, "
          f"load {os.getloadavg()[0]:.1f})", flush=True)
    yj.p_median(np.random.default_rng(0).uniform(0, 9, (30, 10)), 3)  # warm the kernels
    for method in methods:
        t, c = time.perf_counter(), time.process_time()
        r = yj.p_median(C, p, method=method, time_limit=tl)
        print(f"  {method:10s} wall {time.perf_counter() - t:6.2f}s cpu {time.process_time() - c:6.2f}s "
              f"obj {r.objective:.2f} bound {r.bound:.2f} gap {r.gap:.2e} {r.status} "
              f"maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}MiB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
