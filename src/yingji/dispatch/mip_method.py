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
    # the latest arrival is found by bisection on a threshold (below), not with a column z:
    # rows sum_i tau_iu x_iu <= z have a weak LP relaxation and made the MIP ~10x slower
    use_z = False
    ncol = P + Sn + Cn + (1 if use_z else 0)
    zc = P + Sn + Cn
    rows_blocks, lo_blocks, hi_blocks = [], [], []
    # demand rows: sum_u x_iu + s_ik = need_ik
    req_index = -np.ones((n, len(inp.types)), dtype=np.int64)
    req_index[si, sk] = np.arange(Sn)
    pr = req_index[pi, ut[pu]]
    A1 = sp.csr_matrix((np.ones(P + Sn), (np.concatenate([pr, np.arange(Sn)]),
                                          np.concatenate([np.arange(P), P + np.arange(Sn)]))), shape=(Sn, ncol))
    rows_blocks.append(A1)
    lo_blocks.append(inp.need[si, sk].astype(float))
    hi_blocks.append(inp.need[si, sk].astype(float))
    # unit rows: sum_i x_iu <= 1
    A2 = sp.csr_matrix((np.ones(P), (pu, np.arange(P))), shape=(m, ncol))
    rows_blocks.append(A2)
    lo_blocks.append(np.full(m, -np.inf))
    hi_blocks.append(np.ones(m))
    if crew:
        crow = -np.ones(n, dtype=np.int64)
        crow[ci] = np.arange(Cn)
        sel = crow[pi] >= 0
        A3 = sp.csr_matrix((np.concatenate([inp.unit_crew[pu[sel]], np.ones(Cn)]),
                            (np.concatenate([crow[pi[sel]], np.arange(Cn)]),
                             np.concatenate([np.arange(P)[sel], P + Sn + np.arange(Cn)]))), shape=(Cn, ncol))
        rows_blocks.append(A3)
        lo_blocks.append(inp.crew_need[ci])
        hi_blocks.append(np.full(Cn, np.inf))
    if use_z and P:
        # per unit: sum_i tau_iu x_iu <= z (a unit goes to one incident at most, so this is the
        # bottleneck constraint aggregated by unit: m rows, and a tighter LP than one per pair)
        A4 = sp.csr_matrix((np.concatenate([inp.T[pi, pu], -np.ones(m)]),
                            (np.concatenate([pu, np.arange(m)]), np.concatenate([np.arange(P), np.full(m, zc)]))),
                           shape=(m, ncol))
        rows_blocks.append(A4)
        lo_blocks.append(np.full(m, -np.inf))
        hi_blocks.append(np.zeros(m))
    A = sp.vstack(rows_blocks, format="csr")
    row_lo = np.concatenate(lo_blocks)
    row_hi = np.concatenate(hi_blocks)
    col_lo = np.zeros(ncol)
    col_hi = np.concatenate([np.ones(P), inp.need[si, sk].astype(float), np.full(Cn, np.inf),
                             [np.inf] if use_z else []])
    integ = np.concatenate([np.ones(P, bool), np.ones(Sn, bool), np.zeros(Cn, bool),
                            np.zeros(1 if use_z else 0, bool)])
    wP = inp.weight[pi]
    stages = []
    c_miss = np.zeros(ncol)
    c_miss[P:P + Sn] = inp.weight[si]
    stages.append(("missing", c_miss))
    if crew:
        c_crew = np.zeros(ncol)
        c_crew[P + Sn:P + Sn + Cn] = inp.weight[ci]
        stages.append(("crew_missing", c_crew))
    c_late = np.zeros(ncol)
    c_late[:P] = wP * lateM[pi, pu]
    stages.append(("late", c_late))
    if use_z:
        c_z = np.zeros(ncol)
        c_z[zc] = 1.0
        stages.append(("latest", c_z))
    c_tot = np.zeros(ncol)
    c_tot[:P] = wP * inp.T[pi, pu]
    stages.append(("total", c_tot))
    return A, row_lo, row_hi, col_lo, col_hi, integ, stages, pi, pu, P


def _plan_mip(inp: _Inputs, objective: str, strict: bool, solver, time_limit: float, mip_gap: float,
              t_start: float | None = None):
    from yingji.solvers import SparseModel, solve

    A, row_lo, row_hi, col_lo, col_hi, integ, stages, pi, pu, P = _mip_model(inp, strict)
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
        sol = solve(model, solver=solver, time_limit=max(left, 1e-3), mip_gap=mip_gap, start=x)
        solver_name = sol.solver
        if not sol.has_solution:
            status, all_opt = "time_limit", False
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
        from yingji.exceptions import SolverError

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
    from yingji.exceptions import InfeasibleError
    from yingji.solvers import SparseModel, solve

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
