"""Bound and primal heuristics of the LSCP on its reduced instance (used by :func:`yingji.lscp`).

* :func:`lp_bound` — the LP relaxation by HiGHS simplex; its row duals ``u`` give the
  Lagrangian bound ``L(u) = sum(u) + sum_j min(0, c_j - u.A_j)``, recomputed here so that the
  bound is valid whatever the LP's tolerances (any ``u >= 0`` gives a lower bound).
* :func:`improve` — a cover as good as the time allows: greedy on the LP reduced costs
  (Caprara, Fischetti and Toth 1999), pruning, then the row-weighting local search of Gao, Weise
  and Li (2015) — for unit costs as published, with column costs with every choice made per unit
  of cost (Chvátal 1979) — until the cover meets the bound or the budget is spent.

References
----------
.. [1] A. Caprara, M. Fischetti and P. Toth, "A heuristic method for the set covering
   problem", Operations Research 47(5), 730-743, 1999.
.. [2] C. Gao, T. Weise and J. Li, "An efficient local search heuristic with row weighting for
   the unicost set covering problem", European Journal of Operational Research 246(3), 750-761,
   2015.
.. [3] V. Chvátal, "A greedy heuristic for the set-covering problem", Mathematics of Operations
   Research 4(3), 233-235, 1979.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import scipy.sparse as sp

from yingji._kernels import setcover as _sc
from yingji.exceptions import SolverError
from yingji.siting._sparse import _lscp_arrays
from yingji.solvers import SparseModel, solve

#: Local-search swaps per row + column of the reduced instance (a deterministic budget; the
#: time budget below stops it earlier on a loaded machine).
LS_SWAPS_PER_ELEMENT = 200
#: Swaps per kernel call between two clock checks.
LS_CHUNK = 5_000
#: Share of the time left that the local search may use when a MIP follows.
LS_TIME_SHARE = 0.35
#: The same with column costs, and its swaps per row + column: there the search rarely meets the
#: LP bound, so the MIP has to prove the optimum anyway and gets the time sooner (rail516 with
#: a 60 s limit: 26.6 s in all with the unit-cost share, 11.4 s with no search; issue 23).
LS_TIME_SHARE_WEIGHTED = 0.05
LS_SWAPS_PER_ELEMENT_WEIGHTED = 20
#: The same on integer-cost models small enough for the LP branch and bound of
#: :func:`yingji.lscp` (no core phase), which proves the last units itself and finds covers from
#: its nodes' LPs (issue 23, fifth round): seed 308 of the family (1,411 x 414 reduced, cover 46 =
#: optimum, LP 44.7) spent 0.38 of 0.58 CPU s in 36,498 swaps looking for a cover of 45 that does
#: not exist, 1,824 swaps then the tree take 0.20 s; seed 226 1.6 -> 1.1 CPU s. With no search at
#: all, seeds 307 and 226 were slower (the tree from a cover 4 units above the bound).
LS_SWAPS_PER_ELEMENT_WEIGHTED_TREE = 2
#: The same with unit costs and a MIP to follow: where the bound is below the optimum the search
#: cannot stop early and its whole share went before the MIP (a 10,000 x 500 instance of the
#: issue-23 family: 43.5 s of search for the cover the MIP then proved in 21 s); 50 swaps per
#: row + column still take the 5,000 x 300 peer instance to its bound (~20,000 swaps). Since the LP
#: branch and bound (:mod:`yingji.siting.coverage._lscp_bb`) follows, 5: on that family instance
#: (seed 106, optimum 14, LP 12.97) 50 swaps per element spent 3.1 CPU s of 3.9 looking for a
#: cover of 13 that does not exist, 5 spend 0.35 s; the peer instance then leaves the search at
#: 21 and the tree finds and proves 20 (0.9 CPU s in all against 0.24, HiGHS alone: > 20 s).
LS_TIME_SHARE_UNIT_MIP = 0.1
LS_SWAPS_PER_ELEMENT_UNIT_MIP = 5


def lagrangian_value(A: sp.csr_matrix, c: np.ndarray, u: np.ndarray) -> float:
    """``L(u) = sum(u) + sum_j min(0, c_j - u.A_j)`` for ``u >= 0`` (clipped): a lower bound."""
    u = np.maximum(np.asarray(u, dtype=np.float64), 0.0)
    rc = c - np.asarray(A.T @ u).ravel()
    return float(u.sum() + np.minimum(rc, 0.0).sum())


def lp_bound(model: SparseModel, A: sp.csr_matrix, c: np.ndarray, time_limit: float):
    """LP relaxation of the (reduced) set-covering model.

    Returns
    -------
    (float, numpy.ndarray or None, numpy.ndarray or None)
        The Lagrangian bound of the LP duals (``-inf`` when the LP did not finish), the duals
        and the LP solution.
    """
    if time_limit <= 0 or model.n_rows == 0:
        return -np.inf, None, None
    lp = dataclasses.replace(model, integrality=np.zeros(model.n_cols, dtype=bool))
    try:
        # presolve off: the model is reduced already (essential columns, dominations), and HiGHS's
        # presolve only added time: 0.26 -> 0.17 CPU s on a 5,382 x 904 family model (seed 307),
        # 0.066 -> 0.029 on seed 319's, 1.68 -> 1.33 on rail507's, never slower (issue 23)
        sol = solve(lp, time_limit=time_limit, options={"presolve": "off"})
    except SolverError:  # pragma: no cover - HiGHS failure on a feasible LP: skip the bound
        return -np.inf, None, None
    if sol.duals is None or sol.x is None or not sol.optimal:
        return -np.inf, None, None
    u = np.maximum(np.asarray(sol.duals, dtype=np.float64), 0.0)
    return lagrangian_value(A, c, u), u, np.asarray(sol.x, dtype=np.float64)


def improve(A: sp.csr_matrix, c: np.ndarray, start: np.ndarray, lower: float, *, u=None, x_lp=None,
            deadline: float = np.inf, swaps: int | None = None, seed: int = 0):
    """Improve the cover ``start`` of the reduced instance ``(A, c)``.

    Parameters
    ----------
    A : scipy.sparse.csr_matrix
        Reduced 0/1 matrix (every row coverable).
    c : numpy.ndarray
        Column costs.
    start : numpy.ndarray of bool
        A cover.
    lower : float
        A proven lower bound: the search stops at a cover of this cost.
    u, x_lp : numpy.ndarray, optional
        LP duals and LP solution: their greedy covers are tried as starts.
    deadline : float
        ``time.perf_counter()`` value at which to stop.
    swaps : int, optional
        Local-search budget (default ``LS_SWAPS_PER_ELEMENT * (rows + columns)``).
    seed : int

    Returns
    -------
    (numpy.ndarray of bool, dict)
        The best cover and counters (``local_search_swaps``).
    """
    a_ptr, a_rows, ar_ptr, ar_cols = _arrays(A)
    c = np.ascontiguousarray(c, dtype=np.float64)
    best = np.ascontiguousarray(start, dtype=np.bool_)
    best_val = float(c[best].sum())
    stats = {"local_search_swaps": 0}
    m = c.size
    none = np.zeros(m, dtype=np.bool_)
    cands = []
    if u is not None:
        rc = c - np.asarray(A.T @ u).ravel()
        cands.append(np.maximum(rc, 0.0) + 1e-3 * c.mean())
    if x_lp is not None:
        cands.append(c * (1.0 - np.clip(x_lp, 0.0, 1.0)) + 1e-3 * c.mean())
    starts = [best]
    for sc in cands:
        ch, ok = _sc._set_cover_complete(a_ptr, a_rows, ar_ptr, ar_cols, c, np.ascontiguousarray(sc), none)
        if ok:
            starts.append(ch)
            if c[ch].sum() < best_val - 1e-9:
                best, best_val = ch, float(c[ch].sum())
    unit = m > 0 and bool(np.all(c == c[0])) and c[0] > 0
    if m == 0 or best_val <= lower + 1e-9 or not (c > 0).all():
        return best, stats
    if unit:
        target = max(int(np.ceil(lower / c[0] - 1e-6)), 0) if np.isfinite(lower) else 0
        stop_at = target * float(c[0])

        def search(cur, w, step, sd):
            return _sc._set_cover_local_search(a_ptr, a_rows, ar_ptr, ar_cols, cur, w, step, target, sd)
    else:
        # costs: the same search with every choice per unit of cost (rail instances: costs 1 and 2)
        target_c = float(lower) if np.isfinite(lower) else 0.0
        if np.all(c == np.round(c)):
            target_c = float(np.ceil(target_c - 1e-6))  # integer costs: no cover between
        stop_at = target_c

        def search(cur, w, step, sd):
            return _sc._set_cover_local_search_weighted(a_ptr, a_rows, ar_ptr, ar_cols, c, cur, w, step, target_c,
                                                        sd)
    budget = LS_SWAPS_PER_ELEMENT * (A.shape[0] + m) if swaps is None else int(swaps)
    # one chain per start (the incoming cover and the LP-guided greedy covers), each with its own
    # row weights, run in turns of ``chunk`` swaps so that the clock is checked often
    chains = [[st, np.ones(A.shape[0], dtype=np.float64), budget // len(starts)] for st in starts]
    chunk = max(LS_CHUNK, budget // 40)
    active = True
    while active and time.perf_counter() < deadline:
        active = False
        for k, (cur, w, left) in enumerate(chains):
            if left <= 0 or time.perf_counter() >= deadline:
                continue
            step = min(chunk, left)
            cur, done = search(cur, w, step, seed + 7919 * k + stats["local_search_swaps"])
            stats["local_search_swaps"] += int(done)
            chains[k][0] = cur
            chains[k][2] = left - step
            active = active or chains[k][2] > 0
            if c[cur].sum() < best_val - 1e-9:
                best, best_val = cur, float(c[cur].sum())
            if best_val <= stop_at + 1e-9:
                return best, stats
    return best, stats


def _arrays(A):
    return _lscp_arrays(A)
