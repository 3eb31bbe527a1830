"""The LSCP heuristic's excess over the optimum on weighted OR-Library instances (issue 23).

Usage: ``python benchmarks/lscp_weighted_heuristic.py [--method=auto] 30 rail507 rail516 scp41``
(time limit in seconds, then instance names in ``../shared/datasets/orlib/scp``; the method
defaults to ``heuristic``). Runs ``yj.lscp(coverage=A,
site_cost=c, method="heuristic")`` (greedy, Lagrangian bound, LP bound and the local search; no
MIP) and prints its cover's cost, the bound, the best known value of
``orlib/scp/scp_optima.csv`` (or, for the rail instances, of ``fontanf_setcoveringsolver_data.csv``) and the excess over it. Not a suite: run it on
two commits to compare heuristics.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

import yingji as yj
from yingji.datasets import load_scp, load_scp_optima


def main(argv):
    method = "heuristic"
    if argv and argv[0].startswith("--method="):
        method, argv = argv[0].split("=", 1)[1], argv[1:]
    tl, names = float(argv[0]), argv[1:]
    root = Path(os.environ.get("YINGJI_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    tab = load_scp_optima(root / "orlib" / "scp" / "scp_optima.csv")
    opt = {k: float(v) for k, v in tab["bks"].items()}
    # the rail instances: "Best known solution value" of fontanf's table (optima, per issue 23)
    ff = pd.read_csv(root / "orlib" / "scp" / "fontanf_setcoveringsolver_data.csv")
    for path, v in zip(ff["Path"], ff["Best known solution value"]):
        opt.setdefault(Path(str(path)).stem, float(v))
    print(f"method {method}, limit {tl}s, load {os.getloadavg()[0]:.1f}")
    for name in names:
        f = root / "orlib" / "scp" / f"{name}.txt"
        A, c = load_scp(f)  # the rail files too (format detected)
        t = time.perf_counter()
        r = yj.lscp(coverage=A, site_cost=c, method=method, time_limit=tl)
        o = opt.get(name)
        ex = f"{100 * (r.objective - o) / o:.2f} %" if o else "n/a"
        print(f"  {name:8s} {A.shape[0]}x{A.shape[1]} cover {r.objective:.0f} bound {r.bound:.1f} optimum {o} "
              f"excess {ex} wall {time.perf_counter() - t:.1f}s swaps {r.extras.get('local_search_swaps')}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
