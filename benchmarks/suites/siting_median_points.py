"""p-median from coordinates without an n x n matrix (issue 23): time, peak memory and gap.

Each case times ``p_median_points(xy, p, time_limit=...)`` on a TSPLIB instance (every node a
demand point of weight 1 and a candidate, Euclidean distances not rounded) and reports its
objective, proven bound, gap and status; ``peak_MiB`` is the runner's (peak RSS of the timed call
above its starting RSS). The setup builds no matrix for yingji's run. The peer, where the matrix
fits the machine, is ``p_median`` (method ``auto``) on the full matrix, built inside the timed
peer call, so its time and memory include it, as a user without the coordinate entry point pays
them. For brd14051 (14,051 points: the matrix alone is 1.5 GB, and issue 23 measured the matrix
path at 6.4 GB peak and 155 s for a 60 s limit) there is no peer.

Cases
-----
* quick: fl1400 at p = 100 (with the matrix peer), brd14051 at p = 100 (no peer); 60 s each.
* ``--full``: the same and fl1400 at p = 50, pcb3038 at p = 100 (with the peer), rl11849 and
  brd14051 at p = 100, 600 s each.

The data come from ``../shared/datasets/tsplib`` (or ``$YINGJI_SHARED_DATASETS``); cases whose file
is missing report ``status: data missing``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from benchmarks import Case, Suite, shared_datasets

QUICK_LIMIT = 60.0
FULL_LIMIT = 600.0

#: Instances whose n x n matrix is small enough for the peer on a shared 2-core machine.
_PEER_MAX_N = 6000


def _data() -> Path | None:
    return shared_datasets("tsplib")


def _setup(name, p, limit):
    import numpy as np

    import yingji as yj
    from yingji.datasets import load_tsplib, tsplib_cost

    d = _data()
    if d is None or not (d / f"{name}.tsp").is_file():
        return {"missing": True}
    xy = load_tsplib(d / f"{name}.tsp").xy
    small = np.random.default_rng(1).uniform(0, 50, (80, 2))
    yj.p_median_points(small, 3)  # warm the kernels (and HiGHS) outside the timed run
    yj.p_median(tsplib_cost(small), 3)
    return {"xy": xy, "p": p, "name": name, "limit": limit}


def _fields(r):
    return {"objective": round(r.objective, 4), "bound": round(r.bound, 4), "gap": r.gap, "status": r.status,
            "seconds": round(r.seconds, 2)}


def _run(s):
    import yingji as yj

    if s.get("missing"):
        return {"status": "data missing"}
    r = yj.p_median_points(s["xy"], s["p"], time_limit=s["limit"])
    s["r"] = r
    out = _fields(r)
    out.update(list_length=r.extras.get("list_length"), swaps=r.extras.get("swaps"),
               lagrangian_iterations=r.extras.get("lagrangian_iterations"), knn_rounds=r.extras.get("knn_rounds", 0),
               knn_skipped=bool(r.extras.get("knn_skipped", False)))
    return out


def _peer_matrix(s):
    """``p_median`` auto on the full Euclidean matrix, built inside this timed call."""
    import yingji as yj
    from yingji.datasets import tsplib_cost

    if s.get("missing"):
        return {"status": "data missing"}
    r = yj.p_median(tsplib_cost(s["xy"]), s["p"], time_limit=s["limit"])
    s["peer_r"] = r
    return _fields(r)


def _check(s):
    if s.get("missing") or "r" not in s:
        return None
    r, q = s["r"], s.get("peer_r")
    out = {"bound_le_objective": bool(r.bound <= r.objective * (1 + 1e-12))}
    if q is not None:
        out["objective_minus_peer"] = round(r.objective - q.objective, 4)
        # both bounds are valid: neither may exceed the other's objective
        out["bounds_consistent"] = bool(r.bound <= q.objective * (1 + 1e-7) and q.bound <= r.objective * (1 + 1e-7))
    return out


def _case(name, n, p, limit):
    peer = n <= _PEER_MAX_N
    return Case(f"{name}_p{p}_{limit:g}s", setup=partial(_setup, name, p, limit), run=_run,
                peer=_peer_matrix if peer else None, check=_check,
                peer_name=f"p_median auto on the full matrix, built in the call ({limit:g} s limit)" if peer else "",
                params={"instance": name, "n": n, "p": p, "time_limit_s": limit},
                description=f"TSPLIB {name}, p = {p}: p_median_points (no matrix)"
                + (" vs p_median on the matrix" if peer else ""))


SUITE = Suite(
    "siting_median_points",
    quick=[_case("fl1400", 1400, 100, QUICK_LIMIT), _case("brd14051", 14051, 100, QUICK_LIMIT)],
    full=[_case(k, n, p, FULL_LIMIT) for k, n, p in
          [("fl1400", 1400, 50), ("fl1400", 1400, 100), ("pcb3038", 3038, 100), ("rl11849", 11849, 100),
           ("brd14051", 14051, 100)]],
    budget_s=400,
    full_budget_s=5 * 2 * FULL_LIMIT + 600,
    description="p-median from TSPLIB coordinates without an n x n matrix (issue 23): time, peak memory, gap",
)
