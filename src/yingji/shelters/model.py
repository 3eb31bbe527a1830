"""The shelter plan's capacitated location MIP and its helpers (starts, max flow, bounds).

Existing shelters are fixed open, candidate shelters are binary; the assignment columns are the
pairs in walking reach of :func:`yingji.siting.build_assignment_model`. Units (DESIGN.md):
distance in metres, capacity and flows in persons, cost in the candidates' ``cost`` unit.

References
----------
.. [1] Sridharan, R. (1995). The capacitated plant location problem. European Journal of
   Operational Research 87(2), 203-213.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from yingji._deadline import Deadline
from yingji.siting.assignment import _integral, _pairs
from yingji.solvers import ModelBuilder, solve


#: Largest number of candidate pairs for which ``strong="auto"`` adds the strong linking rows.
STRONG_LINK_MAX = 50_000


def _plan_model(P, K, D, r, cost, n_exist, *, objective, target=None, budget=None,
                strong=True):
    """The capacitated location MIP over existing (fixed open) and candidate shelters.

    Columns: x (pairs in reach, as in :func:`build_assignment_model`) then y (one binary per
    candidate). ``objective``: ``"cost"`` (min Σ f y, with ``target`` people) or ``"people"``
    (max Σ x, with a ``budget``).
    """
    ii, jj = _pairs(D, r, P, K)
    m, k = K.size, ii.size
    q = m - n_exist
    b = ModelBuilder(f"shelter_plan_{objective}", sense="min" if objective == "cost" else "max")
    ub = np.minimum(P[ii], K[jj])
    x = b.add_columns("x", k, cost=0.0 if objective == "cost" else 1.0, hi=ub)
    y = b.add_columns("y", q, cost=cost if objective == "cost" else 0.0, hi=1.0, integer=True)
    # demand rows: Σ_j x_ij <= P_i
    b.add_rows(ii, x.index(np.arange(k)), 1.0, hi=P)
    # capacity rows: Σ_i x_ij <= K_j (existing), <= K_j y_j (candidates)
    cand = np.arange(q)
    b.add_rows(np.r_[jj, n_exist + cand], np.r_[x.index(np.arange(k)), y.index(cand)],
               np.r_[np.ones(k), -K[n_exist:]], hi=np.r_[K[:n_exist], np.zeros(q)])
    cp = np.nonzero(jj >= n_exist)[0]
    if strong == "auto":
        strong = cp.size <= STRONG_LINK_MAX
    if strong and cp.size:
        # strong linking x_ij <= min(P_i, K_j) y_j for candidate pairs (tighter LP bound)
        pos = np.arange(cp.size)
        b.add_rows(np.r_[pos, pos], np.r_[x.index(cp), y.index(jj[cp] - n_exist)], np.r_[np.ones(cp.size), -ub[cp]],
                   hi=np.zeros(cp.size))
    if target is not None:
        b.add_rows(np.zeros(k, int), x.index(np.arange(k)), 1.0, lo=target, n_rows=1)
    if budget is not None:
        b.add_rows(np.zeros(q, int), y.index(cand), cost, hi=budget, n_rows=1)
    return b.build(pairs=(ii, jj), k=k, strong=bool(strong))


def _start(F: sp.csr_matrix, ii, jj, n_exist: int, q: int) -> np.ndarray:
    """MIP start from a flow (n × sites): x on the pairs, y = 1 for candidates it uses."""
    x = np.asarray(F.tocsr()[ii, jj]).ravel() if ii.size else np.zeros(0)
    used = np.asarray(F.sum(axis=0)).ravel()[n_exist:] > 0 if q else np.zeros(0, bool)
    return np.concatenate([x, used.astype(float)])


class _MaxFlow:
    """Bipartite max flow (scipy's Dinic) with shelters switched on and off, integral data only.

    Source → demand point i (``P_i``), i → shelter j for pairs in reach, j → sink (``K_j``, or 0
    when the shelter is closed).
    """

    def __init__(self, P, K, ii, jj):
        n, m, k = P.size, K.size, ii.size
        self.n, self.m, self.k = n, m, k
        self.N = n + m + 2
        s, t = n + m, n + m + 1
        rows = np.concatenate([np.full(n, s), ii, n + np.arange(m)])
        cols = np.concatenate([np.arange(n), n + jj, np.full(m, t)])
        self.cap = np.concatenate([P, np.minimum(P[ii], K[jj]), K]).astype(np.int64)
        self.K = K.astype(np.int64)
        order = np.lexsort((cols, rows))
        self.rows, self.cols = rows[order], cols[order]
        inv = np.empty_like(order)
        inv[order] = np.arange(order.size)
        self.pos_pair = inv[n:n + k]
        self.pos_sink = inv[n + k:]
        self.cap = self.cap[order]

    def run(self, open_mask: np.ndarray):
        from scipy.sparse.csgraph import maximum_flow

        cap = self.cap.copy()
        cap[self.pos_sink] = np.where(open_mask, self.K, 0)
        G = sp.csr_matrix((cap, (self.rows, self.cols)), shape=(self.N, self.N))
        G.sort_indices()
        r = maximum_flow(G, self.n + self.m, self.n + self.m + 1, method="dinic")
        F = r.flow.tocsr()
        x = np.asarray(F[self.rows[self.pos_pair], self.cols[self.pos_pair]]).ravel()
        return float(r.flow_value), np.maximum(x, 0).astype(np.float64)


def _drop_heuristic(P, K, D, r, cost, n_exist, target, chosen, seconds):
    """Close chosen candidates, dearest per place first, while the rest still shelter ``target``.

    Needs integral populations and capacities (scipy's max flow is integral). Returns
    ``(chosen, x)`` with x on the pairs of :func:`_pairs`, or None.
    """
    if not (_integral(P) and _integral(K)) or P.sum() >= 2**62:
        return None
    t0 = time.perf_counter()
    ii, jj = _pairs(D, r, P, K)
    mf = _MaxFlow(P, K, ii, jj)
    is_open = np.ones(K.size, dtype=bool)
    is_open[n_exist:] = False
    is_open[n_exist + np.asarray(chosen, dtype=np.int64)] = True
    val, x = mf.run(is_open)
    if val < target - 1e-6:
        return None
    # least value for money first: highest cost per place
    for j in sorted(chosen, key=lambda j: (-cost[j] / max(K[n_exist + j], 1.0), -cost[j])):
        if time.perf_counter() - t0 > seconds:
            break
        is_open[n_exist + j] = False
        v2, x2 = mf.run(is_open)
        if v2 >= target - 1e-6:
            x = x2
        else:
            is_open[n_exist + j] = True
    return np.nonzero(is_open[n_exist:])[0], x


def _knapsack_bound(K_cand, cost, need: float) -> float:
    """Lower bound on the cost of new shelters: fractional knapsack, capacity >= ``need``.

    Valid because removing the new shelters from any assignment loses at most their capacity,
    so their capacity must cover ``target - (people the existing shelters alone take)``.
    """
    if need <= 1e-9:
        return 0.0
    ok = K_cand > 0
    K_c, f = K_cand[ok], cost[ok]
    order = np.argsort(f / K_c, kind="stable")
    lb, left = 0.0, float(need)
    for j in order:
        take = min(1.0, left / K_c[j])
        lb += take * f[j]
        left -= take * K_c[j]
        if left <= 1e-9:
            break
    return float(lb)


def _people_target(got: float) -> float:
    # a whole number of people (integral data) is kept exactly; otherwise a 1e-9 relative slack
    return float(round(got)) if abs(got - round(got)) <= 1e-6 else got - max(1e-9, 1e-9 * got)


_HOME_PID = os.getpid()


def _after_fork() -> None:
    """In a forked worker (a fork-context process pool), give HiGHS a fresh thread scheduler.

    The parent's HiGHS worker threads do not exist in a forked child; without a reset the
    child's first solve waits for them forever.
    """
    global _HOME_PID
    if os.getpid() != _HOME_PID:
        _HOME_PID = os.getpid()
        try:
            import highspy

            highspy.Highs.resetGlobalScheduler(False)
        except (ImportError, AttributeError):  # pragma: no cover - older highspy
            pass


def _solve_plan(args):
    """Solve one plan point: (max people within ``budget``, then) min cost keeping them.

    ``target`` given: only the cost MIP (people fixed). ``F0``: a flow feasible for the first
    MIP, used as MIP start.
    """
    P, K, D, r, cost, n_exist, budget, target, F0, strong, time_limit, mip_gap, solver = args
    _after_fork()
    # time_limit: a Deadline shared with plan() (perf_counter is system-wide, so it holds in
    # forked workers too), or seconds from now
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit))
    q = K.size - n_exist
    optimal = True
    start = None
    if target is None:
        m1 = _plan_model(P, K, D, r, cost, n_exist, objective="people", budget=budget,
                         strong=strong)
        ii, jj = m1.meta["pairs"]
        x0 = _start(F0, ii, jj, n_exist, q) if F0 is not None else None
        if dl.expired() and x0 is not None:  # no time for the MIP: its start stands
            s1 = SimpleNamespace(has_solution=True, x=x0, optimal=False)
        else:
            s1 = solve(m1, solver=solver, time_limit=dl.limit(), mip_gap=mip_gap, start=x0)
        if not s1.has_solution:  # pragma: no cover - a start is always given by plan()
            return None
        k = m1.meta["k"]
        target = _people_target(float(s1.x[:k].sum()))
        optimal = s1.optimal
        start = s1.x
    m2 = _plan_model(P, K, D, r, cost, n_exist, objective="cost", target=target, budget=budget,
                     strong=strong)
    k = m2.meta["k"]
    if start is None and F0 is not None:
        ii, jj = m2.meta["pairs"]
        start = _start(F0, ii, jj, n_exist, q)
        # improve the start: close the dearest candidates the target can do without
        used = np.nonzero(start[k:] > 0.5)[0]
        h = _drop_heuristic(P, K, D, r, cost, n_exist, target, used, 0.25 * dl.left())
        if h is not None:
            y = np.zeros(q)
            y[h[0]] = 1.0
            start = np.concatenate([h[1], y])
    if dl.expired() and start is not None:
        # no time for the cost MIP (its setup alone takes seconds at 10^4 x 200): the start stands
        s2 = SimpleNamespace(has_solution=False, optimal=False)
    else:
        s2 = solve(m2, solver=solver, time_limit=dl.limit(), mip_gap=mip_gap, start=start)
    if s2.has_solution:
        x, objective, bound, gap = s2.x, s2.objective, s2.bound, s2.gap
    else:  # the start is feasible for the cost MIP
        x = start
        objective = float(cost @ np.round(x[k:]))
        bound, gap = float("-inf"), float("inf")
    y = np.round(x[k:]).astype(bool)
    return {"budget": budget, "cost": float(cost[y].sum()), "sheltered": float(x[:k].sum()),
            "chosen": np.nonzero(y)[0], "optimal": bool(optimal and s2.optimal),
            "objective": float(objective), "bound": float(bound), "gap": float(gap)}
