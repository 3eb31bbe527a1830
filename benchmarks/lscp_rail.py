"""yingji against plain HiGHS on OR-Library set-covering files, in one process (issue 23).

Usage: ``python benchmarks/lscp_rail.py 60 120 rail516 rail582 rail507 scpclr10`` (yingji's time
limit, HiGHS's time limit — 0 skips HiGHS — then instance names in ``../shared/datasets/orlib/scp``).
Prints, per instance, yingji's cover, bound and status, wall and CPU seconds (``process_time``,
all threads; on a loaded machine compare those), its core-phase counters, then HiGHS
(``scipy.optimize.milp`` on the whole 0/1 matrix) and both ratios.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import yingji as yj
from yingji.datasets import load_scp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lscp_family as fam  # noqa: E402


def main(argv):
    tl, ptl, names = float(argv[0]), float(argv[1]), argv[2:]
    root = Path(os.environ.get("YINGJI_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    fam._warm()
    print(f"load {os.getloadavg()[0]:.1f}; yingji limit {tl} s, HiGHS limit {ptl} s")
    for nm in names:
        A, c = load_scp(root / "orlib" / "scp" / f"{nm}.txt")
        t, tc = time.perf_counter(), time.process_time()
        r = yj.lscp(coverage=A, site_cost=c, time_limit=tl)
        wy, cy = time.perf_counter() - t, time.process_time() - tc
        core = {k: r.extras.get(k) for k in ("core_columns", "core_status", "core_objective", "core_priced_out_left",
                                             "core_skipped", "solver_status")}
        print(f"{nm} {A.shape[0]}x{A.shape[1]} yingji: {r.objective:g} / {r.bound:g} {r.status}, wall {wy:.1f} s, "
              f"cpu {cy:.1f} s {core}", flush=True)
        if ptl > 0:
            t, tc = time.perf_counter(), time.process_time()
            _, oh, ph = fam.highs(A, c, ptl)
            wh, ch = time.perf_counter() - t, time.process_time() - tc
            print(f"{nm} HiGHS: {oh:g} {'proven' if ph else 'not proven'}, wall {wh:.1f} s, cpu {ch:.1f} s; "
                  f"ratio wall {wh / wy:.2f}, cpu {ch / max(cy, 1e-9):.2f}; load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
