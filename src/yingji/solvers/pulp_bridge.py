"""PuLP bridge: the same :class:`~yingji.solvers.model.SparseModel` as a :class:`pulp.LpProblem`.

For users who want CBC (or another PuLP solver) or who want to add their own constraints.
Not the hot path: building a PuLP model costs a Python object per variable.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji.exceptions import InfeasibleError, SolverError
from yingji.solvers.model import Solution, SparseModel

__all__ = ["to_pulp", "solve_pulp"]


def to_pulp(model: SparseModel):
    """Build a :class:`pulp.LpProblem` equal to ``model``.

    The problem gets an attribute ``yingji_vars`` (the variables in column order).
    """
    import pulp

    cols, rows = model.names()
    sense = pulp.LpMaximize if model.sense == "max" else pulp.LpMinimize
    prob = pulp.LpProblem(model.name or "yingji", sense)
    xs = []
    for j in range(model.n_cols):
        lo = None if not np.isfinite(model.col_lo[j]) else float(model.col_lo[j])
        hi = None if not np.isfinite(model.col_hi[j]) else float(model.col_hi[j])
        cat = pulp.LpInteger if model.integrality[j] else pulp.LpContinuous
        if hasattr(prob, "add_variable"):  # PuLP >= 3.3: variables attached to the problem
            xs.append(prob.add_variable(str(cols[j]), lo, hi, cat=cat))
        else:  # pragma: no cover - older PuLP
            xs.append(pulp.LpVariable(str(cols[j]), lowBound=lo, upBound=hi, cat=cat))
    obj = pulp.LpAffineExpression([(xs[j], float(model.c[j])) for j in np.nonzero(model.c)[0]])
    obj += float(model.offset)
    prob += obj
    A = sp.csr_matrix(model.A)
    for i in range(model.n_rows):
        s, e = A.indptr[i], A.indptr[i + 1]
        expr = pulp.LpAffineExpression([(xs[k], float(v)) for k, v in zip(A.indices[s:e], A.data[s:e])])
        lo, hi = model.row_lo[i], model.row_hi[i]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += (expr == float(lo)), str(rows[i])
        else:
            if np.isfinite(lo):
                prob += (expr >= float(lo)), str(rows[i]) + ("_lo" if np.isfinite(hi) else "")
            if np.isfinite(hi):
                prob += (expr <= float(hi)), str(rows[i]) + ("_hi" if np.isfinite(lo) else "")
    prob.yingji_vars = xs
    return prob


def solve_pulp(model: SparseModel, solver, *, time_limit: float, mip_gap: float, start=None,
               verbose: bool = False) -> Solution:
    """Solve ``model`` with a PuLP solver object; map PuLP's status to a Solution or an error."""
    import pulp

    if not isinstance(solver, pulp.LpSolver):
        raise SolverError(f"'solver' must be None, 'highs' or a PuLP solver object. Got {solver!r} instead.",
                          status="bad solver")
    if not solver.available():
        raise SolverError(f"The PuLP solver {solver.name} is not available on this machine.", status="unavailable")
    t0 = time.perf_counter()
    prob = to_pulp(model)
    xs = prob.yingji_vars
    if getattr(solver, "timeLimit", None) is None:
        solver.timeLimit = float(time_limit)
    if hasattr(solver, "optionsDict") and mip_gap is not None and getattr(solver, "gapRel", None) is None:
        try:
            solver.gapRel = float(mip_gap)
        except Exception:  # pragma: no cover
            pass
    if start is not None:
        for v, val in zip(xs, np.asarray(start, dtype=float)):
            v.setInitialValue(float(val))
        try:
            solver.optionsDict["warmStart"] = True
        except Exception:  # pragma: no cover
            pass
    if not verbose:
        try:
            solver.msg = False
        except Exception:  # pragma: no cover
            pass
    status = prob.solve(solver)
    secs = time.perf_counter() - t0
    sol_status = getattr(prob, "sol_status", None)
    st_text = pulp.LpStatus.get(status, str(status))
    if status == pulp.LpStatusInfeasible:
        raise InfeasibleError(f"The model is infeasible ({solver.name}: {st_text}).", reason="infeasible model")
    if status == pulp.LpStatusUnbounded:
        raise SolverError(f"{solver.name} reports the model unbounded.", status=st_text)
    vals = [v.varValue for v in xs]
    has_sol = len(xs) == 0 or all(v is not None for v in vals)
    if status == pulp.LpStatusOptimal and sol_status in (None, pulp.LpSolutionOptimal) and has_sol:
        x = np.asarray(vals, dtype=float) if xs else np.zeros(0)
        x[model.integrality] = np.round(x[model.integrality])
        obj = model.objective_value(x)
        return Solution(x, obj, obj, 0.0, "optimal", True, st_text, secs, f"pulp:{solver.name}")
    if has_sol and status in (pulp.LpStatusOptimal, pulp.LpStatusNotSolved) and sol_status in (
        pulp.LpSolutionIntegerFeasible, pulp.LpSolutionOptimal
    ):
        x = np.asarray(vals, dtype=float)
        x[model.integrality] = np.round(x[model.integrality])
        if model.is_feasible(x):
            obj = model.objective_value(x)
            # PuLP does not expose the dual bound: nothing is proven.
            bound = float("inf") if model.sense == "max" else float("-inf")
            return Solution(x, obj, bound, float("inf"), "time_limit", False, st_text + " (time limit)", secs,
                            f"pulp:{solver.name}")
    if status == pulp.LpStatusNotSolved or (status == pulp.LpStatusOptimal and not has_sol):
        bound = float("inf") if model.sense == "max" else float("-inf")
        return Solution(None, float("nan"), bound, float("inf"), "time_limit", False, st_text + " (no solution)",
                        secs, f"pulp:{solver.name}")
    raise SolverError(f"{solver.name} failed with status {st_text}.", status=st_text)
