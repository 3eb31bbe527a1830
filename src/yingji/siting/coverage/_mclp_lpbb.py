"""Best-first branch and bound for MCLP with the LP bound of the Benders master at every node.

The master of :mod:`._mclp_lp` (site variables, one ``theta`` per group of rows, closed-form
cuts valid for every ``x``) stays valid when site bounds change, so a node is the master with
the node's sites fixed open or shut, re-solved by warm-started dual simplex with a few rounds of
new cuts (``NODE_ROUNDS``): its value bounds the node's LP from above whether or not those rounds
reached the node's LP, and it is certified like the root's (the Lagrangian value at the
master's duals with the node's fixings). Nodes are taken best bound first (the global bound is
the largest open bound), the branching site is the most fractional one, and each node's LP
point rounded to its ``p`` largest sites is tried as an incumbent (Land and Doig 1960; the
LP-based search that Downs and Camm 1996 and Cordeau, Furini and Ljubić 2019 use for MCLP).

Measured offline on the 20,000 x 1,000 peers model (p = 60, seed 0, 7 Dec 2026, load 4-5): from
the LP bound 712,290.6 the global bound fell to 711,494 in 84 nodes and 40 s (2 rounds a node;
5 rounds: 711,670 in 38 nodes), where 10,028 nodes of the Lagrangian depth-first search leave the
root bound unchanged; HiGHS's root cuts reach 712,231 after 441 s.
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from yingji.solvers.highs import _time_limit_until

__all__ = ["lp_branch_and_bound"]

#: Cut rounds per node (the node's bound is valid after any number; 2 moved the global bound
#: fastest per second on the peers model, against 1 and 5).
NODE_ROUNDS = 2
#: Rounds for a node whose LP point is integral but above the master's cuts.
INTEGRAL_ROUNDS = 50


def _node_value(m, lam, lo, hi, p_total):
    """Certified bound at a node: ``L(lam)`` with the node's shut sites out and open sites in."""
    w = m.w
    lam = np.clip(lam, 0.0, w)
    c = np.asarray(m.A.T @ lam).ravel()
    opened = lo > 0.5
    free = (hi > 0.5) & ~opened
    q = int(p_total - opened.sum())
    cf = c[free]
    q = min(max(q, 0), cf.size)
    top = float(np.partition(cf, cf.size - q)[cf.size - q:].sum()) if q > 0 else 0.0
    return float((w - lam).sum() + c[opened].sum() + top)


def _solve_node(m, lo, hi, state, rounds, deadline, p_total):
    """Set the node's bounds (only those that differ from the master's current ones), then up
    to ``rounds`` rounds of solve + cuts. Returns (bound, x) or (None, None) when the node is
    infeasible, or ("time", None) when the master ran out of time."""
    import highspy

    h = m.h
    d = np.nonzero((lo != state["lo"]) | (hi != state["hi"]))[0].astype(np.int32)
    if d.size:
        h.changeColsBounds(d.size, d, lo[d], hi[d])
    state["lo"], state["hi"] = lo, hi
    k = m.k
    bound, x = np.inf, None
    for r in range(rounds):
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return "time", None
            _time_limit_until(h, deadline)   # HiGHS counts all its runs
        h.run()
        st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kUnknown:   # numerical trouble from the warm start: cold start
            h.clearSolver()
            h.run()
            st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kInfeasible:
            return None, None
        if st != highspy.HighsModelStatus.kOptimal:   # out of time, or numerical trouble: stop
            state["status"] = h.modelStatusToString(st)
            return "time" if st == highspy.HighsModelStatus.kTimeLimit else "master", None
        sol = h.getSolution()
        col = np.asarray(sol.col_value, dtype=np.float64)
        x = np.clip(col[:k], 0.0, 1.0)
        bound = min(bound, _node_value(m, m.multipliers(sol.row_dual), lo, hi, p_total))
        f, fg, c = m.value(x)
        if m.add_cuts(c, fg, col[k:]) == 0 or bound - f <= 1e-9 * max(abs(bound), 1.0):
            break
    return bound, x


def _round(m, x, lo, hi, p_total):
    """The node's open sites plus its LP point's largest others, up to ``p_total`` sites."""
    z = np.where(hi > 0.5, x, -1.0)
    z[lo > 0.5] = 2.0
    pick = np.argsort(-z, kind="stable")[:p_total]
    pick = pick[z[pick] > 1e-9]
    xr = np.zeros(m.k, bool)
    xr[pick] = True
    return xr, float(m.value(xr.astype(np.float64))[0])


def lp_branch_and_bound(m, fixed_mask, p_free, x_inc, val_inc, root_bound, *, deadline=None, max_nodes=1000,
                        integral=False):
    """Best-first branch and bound on the Benders master ``m`` (module docstring) from the
    incumbent ``x_inc`` (value ``val_inc``) and the root's bound ``root_bound``, for at most
    ``max_nodes`` node solves and until ``deadline``. With ``integral`` weights a node is pruned
    when its bound is under the incumbent + 1. Returns ``(x, value, bound, info)``: ``bound`` is
    the largest bound of the open nodes (the incumbent's value when none is left: proven),
    ``info`` ``nodes``, ``open``, ``improvements``, ``complete``, ``stop``."""
    k = m.k
    fixed = np.asarray(fixed_mask, dtype=bool)
    p_total = int(p_free) + int(fixed.sum())
    lo0, hi0 = fixed.astype(np.float64), np.ones(k)
    state = {"lo": lo0.copy(), "hi": hi0.copy()}
    x_best, v_best = np.asarray(x_inc, dtype=bool).copy(), float(val_inc)
    prune_at = (lambda v: v + 1.0 - 1e-6) if integral else (lambda v: v + 1e-9 * max(abs(v), 1.0))
    info = {"nodes": 0, "open": 0, "improvements": 0, "complete": False, "stop": "nodes"}
    pruned_max = -np.inf
    root, x = _solve_node(m, lo0, hi0, state, NODE_ROUNDS, deadline, p_total)
    if root is None or isinstance(root, str):
        info["stop"] = root if isinstance(root, str) else "infeasible"
        return x_best, v_best, float(root_bound), info
    heap = [(-min(root, root_bound), 0, np.zeros(0, np.int64), np.zeros(0), x)]
    serial = 1
    while heap:
        if info["nodes"] >= max_nodes:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            info["stop"] = "time"
            break
        nb, _, cols, vals, x = heap[0]
        if -nb < prune_at(v_best):   # best first: every open node is below the incumbent
            pruned_max = max(pruned_max, -nb)
            heap = []
            break
        heapq.heappop(heap)
        frac = np.abs(x - 0.5)
        frac[(x <= 1e-6) | (x >= 1.0 - 1e-6)] = np.inf
        j = int(np.argmin(frac))
        if not np.isfinite(frac[j]):  # integral LP point: exact value, or more cuts
            lo, hi = lo0.copy(), hi0.copy()
            lo[cols[vals > 0.5]] = 1.0
            hi[cols[vals < 0.5]] = 0.0
            b, x2 = _solve_node(m, lo, hi, state, INTEGRAL_ROUNDS, deadline, p_total)
            info["nodes"] += 1
            if isinstance(b, str):
                heapq.heappush(heap, (nb, serial, cols, vals, x))
                info["stop"] = b
                break
            if b is None:
                continue
            xr, fr = _round(m, x2, lo, hi, p_total)
            if fr > v_best:
                x_best, v_best = xr, fr
                info["improvements"] += 1
            b = min(b, -nb)
            solved = not np.any(np.abs(x2 - np.round(x2)) > 1e-6) and b <= fr + 1e-9 * max(abs(fr), 1.0)
            if not solved and b >= prune_at(v_best):   # not settled yet: back in the queue
                heapq.heappush(heap, (-b, serial, cols, vals, x2))
                serial += 1
            else:
                pruned_max = max(pruned_max, b)
            continue
        for v in (1.0, 0.0):
            c2, v2 = np.append(cols, j), np.append(vals, v)
            lo, hi = lo0.copy(), hi0.copy()
            lo[c2[v2 > 0.5]] = 1.0
            hi[c2[v2 < 0.5]] = 0.0
            b, xc = _solve_node(m, lo, hi, state, NODE_ROUNDS, deadline, p_total)
            info["nodes"] += 1
            if isinstance(b, str):  # not solved: the child keeps its parent's bound
                heapq.heappush(heap, (nb, serial, c2, v2, x))
                serial += 1
                info["stop"] = b
                continue
            if b is None:
                continue
            b = min(b, -nb)
            xr, fr = _round(m, xc, lo, hi, p_total)
            if fr > v_best:
                x_best, v_best = xr, fr
                info["improvements"] += 1
            if b < prune_at(v_best):
                pruned_max = max(pruned_max, b)
                continue
            heapq.heappush(heap, (-b, serial, c2, v2, xc))
            serial += 1
        if info["stop"] in ("time", "master"):
            break
    info["open"] = len(heap)
    if "status" in state:
        info["master_status"] = state["status"]
    bound = max([v_best] + [-e[0] for e in heap] + ([] if integral else [pruned_max]))
    if not heap:
        info["complete"] = True
        info["stop"] = "complete"
    return x_best, v_best, float(min(bound, root_bound)), info


#: Node budget of the phase in ``mclp(method="auto")``: this many units of work per second of
#: ``time_limit``, a node costing the model's nonzeros plus 50 per site (the master's cuts), so
#: the budget follows the inputs, not the clock (the clock is the safety net). Sized so that the
#: budget, not the clock, ends the phase on an unloaded machine (default results must not depend
#: on load): 89 nodes on the 20,000 x 1,000 peers model at 120 s, where nodes took 0.5-0.93 CPU
#: s (60-160 ran in the time left at load 2-5; the first setting, 4e5 = 308 nodes, was never
#: reached, so the bound depended on the load). At 8e4 (59 nodes) seed 3 ended at 0.125 % in
#: 46.6 s (load 1.5), against 0.091 % after 160 clock-bound nodes. The cost model (nonzeros + 50
#: per site) under-counts nodes whose master carries many cuts: a 20,000 x 1,000 instance at
#: radius 1.6 / 20, p = 40, time_limit 30 ran 6 of its 12 nodes at ~1.7 s each before the clock
#: (review, 8 Dec 2026), and the LP phase before it has only its time share — there the bound
#: still depends on the machine's speed.
LPBB_RATE = 1.2e5


def lp_bb_phase(m, x, val, ub, w1, fixed_mask, p_free, end, tl):
    """MCLP ``auto`` on large models, after the Lagrangian search left a gap: the LP branch and
    bound on the master ``m`` of the LP phase until ``end``, on a node budget of ``LPBB_RATE *
    tl`` units of work. Returns ``(x, value, bound, extras)`` in model units."""
    nnz = int(m.A.nnz)
    max_nodes = int(max(1, LPBB_RATE * tl / (nnz + 50 * m.k)))
    t = time.perf_counter()
    integral = bool(np.all(w1 == np.round(w1)))
    xb, vb, bb, info = lp_branch_and_bound(m, fixed_mask, p_free, x, val, ub, deadline=end, max_nodes=max_nodes,
                                           integral=integral)
    if integral:
        bb = max(vb, float(np.floor(bb + 1e-6)))
    extras = {"lpbb_nodes": info["nodes"], "lpbb_node_cap": max_nodes, "lpbb_open": info["open"],
              "lpbb_complete": info["complete"], "lpbb_stop": info["stop"], "lpbb_improvements": info["improvements"],
              "lpbb_bound": bb, "lpbb_seconds": time.perf_counter() - t}
    if "master_status" in info:
        extras["lpbb_master_status"] = info["master_status"]
    if vb > val:
        x, val = xb, vb
    return x, val, min(ub, bb), extras
