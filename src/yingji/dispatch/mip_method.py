"""The MIP method: a staged lexicographic model through :mod:`yingji.solvers` (crew requirements).

One stage per priority (missing units, missing crew, late units, then the total weighted
minutes), each optimum kept as a constraint of the next; with ``objective="latest"`` the latest
arrival is found by bisection (:func:`_bisect_latest`: feasibility MIPs with slower pairs
forbidden) before the last stage.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji.dispatch.inputs import _TOL, _Inputs
from yingji.exceptions import InfeasibleError, SolverError
from yingji.solvers import ModelBuilder, SparseModel, solve


def _mip_model(inp: _Inputs, strict: bool):
    """The staged dispatch MIP: constraint rows, column bounds and one objective per stage.

    Columns: one binary per candidate pair (incident, unit) — the unit's type is needed, it
    can reach the incident, it is free (and, with ``strict``, in time) — then the shortfall
    of each required (incident, type) pair and the crew shortfall of each incident needing
    crew. Returns ``(A, row_lo, row_hi, col_lo, col_hi, integ, stages, pi, pu, P)``:
    ``stages`` the (name, cost vector) pairs in priority order, ``pi``/``pu`` the incident
    and unit positions of the ``P`` pair columns.
    """
    n, m = inp.T.shape
    type_pos = {t: k for k, t in enumerate(inp.types)}
    ut = np.array([type_pos.get(t, -1) for t in inp.unit_type], dtype=np.int64)
    # candidate pairs (incident, unit): unit's type needed, reachable, available
    need_iu = np.zeros((n, m), dtype=bool)
    has = ut >= 0
    need_iu[:, has] = inp.need[:, ut[has]] > 0
    lateM = inp.T > inp.target[:, None] + _TOL
    okM = need_iu & np.isfinite(inp.T) & inp.available[None, :]
    if strict:
        okM &= ~lateM
    pi, pu = np.nonzero(okM)
    P = pi.size
    # shortfall columns per (incident, type) with need > 0
    si, sk = np.nonzero(inp.need > 0)
    Sn = si.size
    crew = inp.crew_need is not None and bool((inp.crew_need > 0).any())
    ci = np.nonzero(inp.crew_need > 0)[0] if crew else np.zeros(0, dtype=np.int64)
    Cn = ci.size
    # the latest arrival is found by bisection on a threshold (_bisect_latest), not with a column z:
    # rows sum_i tau_iu x_iu <= z have a weak LP relaxation and made the MIP ~10x slower
    b = ModelBuilder("dispatch", sense="min")
    x = b.add_columns("x", P, hi=1.0, integer=True)
    s = b.add_columns("short", Sn, hi=inp.need[si, sk].astype(float), integer=True)
    cc = b.add_columns("crew_short", Cn)
    # demand rows: sum_u x_iu + s_ik = need_ik
    req_index = -np.ones((n, len(inp.types)), dtype=np.int64)
    req_index[si, sk] = np.arange(Sn)
    pr = req_index[pi, ut[pu]]
    need = inp.need[si, sk].astype(float)
    b.add_rows(np.r_[pr, np.arange(Sn)], np.r_[x.index(np.arange(P)), s.index(np.arange(Sn))], 1.0,
               lo=need, hi=need, n_rows=Sn)
    # unit rows: sum_i x_iu <= 1
    b.add_rows(pu, x.index(np.arange(P)), 1.0, hi=np.ones(m), n_rows=m)
    if crew:  # crew rows: sum_u crew_u x_iu + c_i >= crew_need_i
        crow = -np.ones(n, dtype=np.int64)
        crow[ci] = np.arange(Cn)
        sel = crow[pi] >= 0
        b.add_rows(np.r_[crow[pi[sel]], np.arange(Cn)], np.r_[x.index(np.arange(P)[sel]), cc.index(np.arange(Cn))],
                   np.r_[inp.unit_crew[pu[sel]], np.ones(Cn)], lo=inp.crew_need[ci], n_rows=Cn)
    base = b.build()
    ncol = base.n_cols
    wP = inp.weight[pi]
    stages = []
    c_miss = np.zeros(ncol)
    c_miss[s.start:s.stop] = inp.weight[si]
    stages.append(("missing", c_miss))
    if crew:
        c_crew = np.zeros(ncol)
        c_crew[cc.start:cc.stop] = inp.weight[ci]
        stages.append(("crew_missing", c_crew))
    c_late = np.zeros(ncol)
    c_late[:P] = wP * lateM[pi, pu]
    stages.append(("late", c_late))
    c_tot = np.zeros(ncol)
    c_tot[:P] = wP * inp.T[pi, pu]
    stages.append(("total", c_tot))
    x0 = _greedy_start(inp, pi, pu, ut, pr, need, ci, ncol, s.start, cc.start)
    return (base.A, base.row_lo, base.row_hi, base.col_lo, base.col_hi, base.integrality, stages, pi, pu, P,
            x0)


def _greedy_start(inp: _Inputs, pi, pu, ut, pr, need, ci, ncol, s0, c0):
    """A feasible point of the staged model: pairs taken fastest first while the unit is free
    and its (incident, type) requirement is open; the shortfall and crew-shortfall columns take
    what is left. The first stage starts from it, and it is the plan when the solver finds
    none within the time limit (HiGHS given a millisecond on a loaded machine)."""
    x0 = np.zeros(ncol)
    left = need.copy()
    free = np.ones(inp.T.shape[1], dtype=bool)
    for q in np.argsort(inp.T[pi, pu], kind="stable"):
        u, r = pu[q], pr[q]
        if free[u] and left[r] > 0:
            x0[q] = 1.0
            free[u] = False
            left[r] -= 1.0
    x0[s0:s0 + left.size] = left
    if ci.size:
        sent = np.zeros(inp.T.shape[0])
        np.add.at(sent, pi, x0[:pi.size] * inp.unit_crew[pu])
        x0[c0:c0 + ci.size] = np.maximum(inp.crew_need[ci] - sent[ci], 0.0)
    return x0


def _plan_mip(inp: _Inputs, objective: str, strict: bool, solver, time_limit: float, mip_gap: float,
              t_start: float | None = None):
    A, row_lo, row_hi, col_lo, col_hi, integ, stages, pi, pu, P, x0 = _mip_model(inp, strict)
    # the limit counts from t_start (plan()'s entry: input checks and the model build count too)
    t0 = time.perf_counter() if t_start is None else float(t_start)
    x = None
    all_opt = True
    status = "optimal"
    values = {}
    solver_name = "highs"
    tau = inp.T[pi, pu]
    for name, c in stages:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0 and x is not None:  # the first stage always runs (briefly): a plan or an error
            status, all_opt = "time_limit", False
            break
        if name == "total" and objective == "latest" and x is not None and P:
            z, proven, x = _bisect_latest(A, row_lo, row_hi, col_lo, col_hi, integ, tau, x, P, solver,
                                          t0 + time_limit)
            values["latest"] = z
            if not proven:
                status, all_opt = "time_limit", False
            col_hi = col_hi.copy()
            col_hi[:P][tau > z + _TOL] = 0.0
            left = max(time_limit - (time.perf_counter() - t0), 1e-3)
        model = SparseModel(c, A, row_lo, row_hi, col_lo, col_hi, integ, sense="min", name=f"dispatch_{name}")
        sol = solve(model, solver=solver, time_limit=max(left, 1e-3), mip_gap=mip_gap,
                    start=x0 if x is None else x)
        solver_name = sol.solver
        if not sol.has_solution:
            status, all_opt = "time_limit", False
            if x is None:  # the first stage found nothing in its time: the greedy plan
                x = x0
                values[name] = float(c @ x)
            break
        x = sol.x
        v = float(c @ x)
        values[name] = v
        if not sol.optimal:
            status, all_opt = "time_limit", False
        # keep this stage's value in later stages
        cz = sp.csr_matrix(c.reshape(1, -1))
        A = sp.vstack([A, cz], format="csr")
        row_lo = np.append(row_lo, -np.inf)
        row_hi = np.append(row_hi, v + 1e-7 * max(1.0, abs(v)))
    if x is None:
        raise SolverError("The dispatch MIP found no feasible point within the time limit.", status="time_limit")
    sel = x[:P] > 0.5
    return pi[sel].astype(np.int64), pu[sel].astype(np.int64), status, all_opt, {"solver": solver_name, **values}


def _bisect_latest(A, row_lo, row_hi, col_lo, col_hi, integ, tau, x, P, solver, deadline):
    """Smallest threshold on the arrival minutes that keeps the earlier stages' optima.

    ``x`` is feasible for the stage rows already in ``A``; each probe forbids the pairs slower
    than the threshold and asks for any feasible point (zero objective). Returns the threshold
    and whether the bisection finished (False when the time ran out: the threshold is then
    feasible but maybe not the smallest), and a feasible point within the threshold.
    """
    cands = np.unique(tau)
    cur = float(tau[x[:P] > 0.5].max()) if (x[:P] > 0.5).any() else 0.0
    lo, hi = 0, int(np.searchsorted(cands, cur + _TOL, side="right")) - 1
    if hi < 0:
        return cur, True, x
    zero = np.zeros(A.shape[1])
    while lo < hi:
        left = deadline - time.perf_counter()
        if left <= 0:
            return float(cands[hi]), False, x
        mid = (lo + hi) // 2
        ch = col_hi.copy()
        ch[:P][tau > cands[mid] + _TOL] = 0.0
        model = SparseModel(zero, A, row_lo, row_hi, col_lo, ch, integ, sense="min", name="dispatch_latest_probe")
        try:
            sol = solve(model, solver=solver, time_limit=max(left, 1e-3), mip_gap=1.0 - 1e-9)
        except InfeasibleError:
            lo = mid + 1
            continue
        if not sol.has_solution:
            return float(cands[hi]), False, x
        hi = mid
        x = sol.x
    return float(cands[hi]), True, x
