"""p-median on TSPLIB instances, the large-scale test bed of the literature (issue 23).

Every node is a demand point of weight 1 and a candidate site; the cost is the Euclidean distance,
not rounded (Avella, Sassano and Vasil'ev 2007; García, Labbé and Marín 2011). Each case times
``p_median(C, p, method="auto", time_limit=...)`` (the run builds nothing: the matrix is built in
the untimed setup) and reports its objective, proven bound, gap and status; the peer is HiGHS
alone on the reduced K-nearest formulation (each row's ``K`` nearest sites plus a slack priced at
the ``(K+1)``-th distance, ``K = ceil(4 n / p)`` capped at 64, García et al. 2011), solved once
within the same limit: its optimum is a valid lower bound, its p-set an upper one.

Published optima: the dataset README (``../shared/datasets/tsplib/SOURCE.md``) gives no table,
so ``OPTIMA`` below is empty and the cases report yingji's own certified gap; fill it from
García et al. (2011), Tables 2-4, or Avella et al. (2007), Tables 4-6, once checked against the
paper (distances not rounded there), and ``gap_to_published`` appears.

Cases
-----
* quick: fl1400 at p = 50, 100 and 500 (60 s limit each), sized for a 2-core machine.
* ``--full``: fl1400 at p = 10, 50, 100, 200, 500; pcb3038 at p = 10, 100, 500; rl5934 at
  p = 10, 100, 1000 (300 s limit each, the issue's target; the matrix of rl5934 alone takes
  282 MB). Run them one at a time on a shared machine (``-k fl1400_p10_``).

Each case also reports ``over_limit`` (wall time over the limit, as a fraction: every method
must stop within ``time_limit`` + 10 %) and the reduced model's rounds (``knn_lp_rounds`` of
its LP, ``knn_rounds`` of its MIP; ``knn_lp_unfinished`` when an LP hit its share of the time or its
iteration cap, ``knn_deferred`` the first model's kept sites when it was too large to try) and the
Lagrangian tree's ``bnb_nodes``; with a kernel search, ``kernel_sizes``, ``kernel_proven`` and
``kernel_to`` (its best value).

The data come from ``../shared/datasets/tsplib`` (or ``$YINGJI_SHARED_DATASETS``); cases whose file is
missing report ``status: data missing``.
"""

from __future__ import annotations

import math
import time
from functools import partial
from pathlib import Path

from benchmarks import Case, Suite, shared_datasets

QUICK_LIMIT = 60.0
FULL_LIMIT = 300.0

#: (instance, p) -> published optimum; empty until checked against the papers (see the docstring).
OPTIMA: dict[tuple[str, int], float] = {}

#: (instance, p) -> optimum proven by HiGHS on the reduced formulation, as measured in issue 23 (not a
#: published table): reported as ``reference`` / ``diff_to_reference``, never used by the run.
REFERENCE: dict[tuple[str, int], float] = {("fl1400", 50): 29090.225, ("fl1400", 100): 16552.22}


def _data() -> Path | None:
    return shared_datasets("tsplib")


def _setup(name, p, limit):
    import numpy as np

    import yingji as yj
    from yingji.datasets import load_tsplib, tsplib_cost

    d = _data()
    if d is None or not (d / f"{name}.tsp").is_file():
        return {"missing": True}
    C = tsplib_cost(load_tsplib(d / f"{name}.tsp").xy)
    rng = np.random.default_rng(1)
    c = rng.uniform(0, 50, (60, 20))
    yj.p_median(c, 3)  # warm the kernels (and HiGHS) outside the timed run
    yj.p_median(c, 3, method="heuristic")
    return {"C": C, "p": p, "name": name, "limit": limit}


def _run(s):
    import yingji as yj

    if s.get("missing"):
        return {"status": "data missing"}
    t = time.perf_counter()
    r = yj.p_median(s["C"], s["p"], time_limit=s["limit"])
    s["wall"] = time.perf_counter() - t
    s["r"] = r
    out = {"objective": round(r.objective, 4), "bound": round(r.bound, 4), "gap": r.gap, "status": r.status,
           "mip_skipped": bool(r.extras.get("mip_skipped", False)), "knn_rounds": r.extras.get("knn_rounds", 0),
           "knn_lp_rounds": r.extras.get("knn_lp_rounds", 0),
           "lagrangian_iterations": r.extras.get("lagrangian_iterations", 0),
           "bnb_nodes": r.extras.get("bnb_nodes", 0), "knn_deferred": r.extras.get("knn_deferred", 0),
           "knn_lp_unfinished": bool(r.extras.get("knn_lp_unfinished", False))}
    k = r.extras.get("kernel")
    if k:
        # the kernel search (fifth round): its kernels' sizes, whether each was solved, its best value
        out["kernel_sizes"] = "/".join(str(x) for x in k["sizes"])
        out["kernel_proven"] = "/".join("y" if x else "n" for x in k["proven"])
        out["kernel_to"] = round(k["to"], 4) if "to" in k else None
    ref = REFERENCE.get((s["name"], s["p"]))
    if ref is not None:
        out["reference"] = ref
        out["diff_to_reference"] = round(r.objective - ref, 4)
    opt = OPTIMA.get((s["name"], s["p"]))
    if opt is not None:
        out["published"] = opt
        out["gap_to_published"] = (r.objective - opt) / opt
    return out


def _peer_reduced(s):
    """HiGHS alone on the reduced K-nearest model, one solve within the same limit."""
    import numpy as np

    from yingji.siting.median.knn import _build_knn, _knn_lists
    from yingji.solvers import solve

    if s.get("missing"):
        return {"status": "data missing"}
    C, p = s["C"], s["p"]
    n, m = C.shape
    K = int(min(m, 64, max(4, math.ceil(4 * n / p))))
    t = time.perf_counter()
    mm = _build_knn(_knn_lists(C, K + 1), np.ones(n), np.zeros(m, bool), np.ones(m, bool), p, np.full(n, K))
    sol = solve(mm.model, time_limit=max(1.0, s["limit"] - (time.perf_counter() - t)))
    out = {"K": K, "rows": mm.model.n_rows, "nnz": int(mm.model.A.nnz), "status": sol.status,
           "bound": round(sol.bound, 4) if np.isfinite(sol.bound) else None}
    if sol.x is not None:
        sites = mm.cols[sol.x[: mm.n_y] > 0.5]
        out["objective"] = round(float(C[:, sites].min(axis=1).sum()), 4)
        s["peer_objective"] = float(C[:, sites].min(axis=1).sum())
    s["peer_bound"] = float(sol.bound)
    s["peer"] = out
    return out


def _check(s):
    if s.get("missing") or "r" not in s:
        return None
    r = s["r"]
    po, pb = s.get("peer_objective"), s.get("peer_bound", -math.inf)
    out = {"yingji_bound_le_objective": bool(r.bound <= r.objective * (1 + 1e-12)),
           "over_limit": round(max(0.0, s["wall"] / s["limit"] - 1.0), 4)}
    if po is not None:
        out["yingji_minus_peer_objective"] = round(r.objective - po, 4)
    # both bounds are valid: neither may exceed the other's feasible objective (HiGHS's own tolerances: 1e-7)
    out["bounds_consistent"] = bool(pb <= r.objective * (1 + 1e-7)
                                    and r.bound <= (po if po is not None else math.inf) * (1 + 1e-7))
    return out


def _case(name, p, limit):
    return Case(f"{name}_p{p}_{limit:g}s", setup=partial(_setup, name, p, limit), run=_run, peer=_peer_reduced, check=_check,
                peer_name=f"HiGHS on the reduced K-nearest formulation, one solve ({limit:g} s limit)",
                params={"instance": name, "p": p, "time_limit_s": limit},
                description=f"TSPLIB {name}, p = {p}: p_median auto vs HiGHS on the reduced formulation")


FULL_CASES = [("fl1400", p) for p in (10, 50, 100, 200, 500)] + [("pcb3038", p) for p in (10, 100, 500)] + \
    [("rl5934", p) for p in (10, 100, 1000)]

SUITE = Suite(
    "siting_median_tsplib",
    quick=[_case("fl1400", p, QUICK_LIMIT) for p in (50, 100, 500)],
    full=[_case(k, p, FULL_LIMIT) for k, p in FULL_CASES],
    budget_s=600,
    full_budget_s=11 * 2 * FULL_LIMIT * 1.2 + 1200,
    description="p-median on TSPLIB fl1400 / pcb3038 / rl5934 (issue 23) vs HiGHS on the reduced formulation",
)
