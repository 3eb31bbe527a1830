"""HiGHS back end (through highspy) for :class:`~yingji.solvers.model.SparseModel`.

References
----------
.. [1] Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
   Mathematical Programming Computation 10, 119-142. (HiGHS, https://highs.dev)
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji.exceptions import InfeasibleError, SolverError
from yingji.solvers.model import Solution, SparseModel, gap_of

__all__ = ["solve_highs", "STATUS_MAP"]

# HiGHS model status -> ("optimal" | "time_limit" | "infeasible" | "error")
STATUS_MAP = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "time_limit",
    "kSolutionLimit": "time_limit",
    "kInterrupt": "time_limit",
    "kHighsInterrupt": "time_limit",
    "kObjectiveBound": "time_limit",
    "kObjectiveTarget": "time_limit",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "unbounded_or_infeasible",
    "kUnbounded": "unbounded",
    "kNotset": "error",
    "kLoadError": "error",
    "kModelError": "error",
    "kPresolveError": "error",
    "kSolveError": "error",
    "kPostsolveError": "error",
    "kModelEmpty": "empty",
    "kUnknown": "error",
    "kMemoryLimit": "error",
}


_BANNER_DONE = False


def _reset_scheduler_after_fork() -> None:  # pragma: no cover - runs in forked children
    """A forked child (fork-context process pool) does not inherit the parent's HiGHS worker
    threads; without a fresh scheduler its first solve waits for them forever."""
    import sys

    hs = sys.modules.get("highspy")
    if hs is not None:
        try:
            hs.Highs.resetGlobalScheduler(False)
        except Exception:
            pass


try:
    import os as _os

    _os.register_at_fork(after_in_child=_reset_scheduler_after_fork)
except AttributeError:  # pragma: no cover - platforms without fork
    pass


def _time_limit_until(h, deadline: float, floor: float = 1e-3) -> None:
    """Make ``h``'s next ``run()`` stop at ``deadline`` (``time.perf_counter()`` seconds; inf: no
    limit). HiGHS's ``time_limit`` is measured on the instance's run clock, which adds up over
    every ``run()`` of that instance, so a warm-started sequence of runs (a branch and bound, a
    cutting-plane loop) needs that clock plus the seconds left: a limit of just the seconds left
    stopped the set-cover tree at half its time. At least ``floor`` seconds are given."""
    if not np.isfinite(deadline):
        h.setOptionValue("time_limit", np.inf)
        return
    h.setOptionValue("time_limit", h.getRunTime() + max(deadline - time.perf_counter(), floor))


def _new_highs(verbose: bool):
    """A ``highspy.Highs`` instance; the first one per process prints a banner on the C stdout,
    which is swallowed unless ``verbose`` (yingji is silent by default)."""
    global _BANNER_DONE
    import os
    import sys

    import highspy

    if _BANNER_DONE or verbose:
        _BANNER_DONE = True
        return highspy.Highs()
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno() if hasattr(sys.stdout, "fileno") else 1
    except Exception:  # pragma: no cover - e.g. captured stdout without a file descriptor
        fd = 1
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover
        _BANNER_DONE = True
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _BANNER_DONE = True
    del fd
    return h


def _status_name(st) -> str:
    name = getattr(st, "name", None) or str(st).split(".")[-1]
    return name


def _clip_inf(v: np.ndarray, inf: float) -> np.ndarray:
    out = np.array(v, dtype=np.float64, copy=True)
    out[out == np.inf] = inf
    out[out == -np.inf] = -inf
    return out


#: Nonzeros HiGHS's presolve gets through per second (measured on this project's 2-core machine);
#: a model larger than this times the time left is solved with presolve off.
PRESOLVE_NNZ_PER_S = 1_000_000


#: With a MIP start, HiGHS's feasibility-jump heuristic (whose only aim is a first feasible point) is
#: switched off: it looks neither at the time limit nor at the interrupt callbacks (HiGHS 1.16 on the
#: reduced p-median model of TSPLIB fl1400, p = 500, 26 k rows: a 5 s limit ended after 11.3 s wall
#: with it, 5.3 s without; Luteberget and Sartor 2023, "Feasibility jump", Math. Prog. Comp. 15).
_NO_FJ_WITH_START = True


def solve_highs(
    model: SparseModel,
    *,
    time_limit: float,
    mip_gap: float,
    start=None,
    verbose: bool = False,
    threads: int | None = None,
    options: dict | None = None,
) -> Solution:
    """Solve ``model`` with HiGHS. See :func:`yingji.solvers.solve` for the contract."""
    import highspy

    t0 = time.perf_counter()
    n = model.n_cols
    if n == 0:
        # Nothing to decide: feasible iff every row admits 0.
        ok = bool((model.row_lo <= 1e-9).all() and (model.row_hi >= -1e-9).all())
        if not ok:
            raise InfeasibleError("The model has no columns and a row that excludes 0.", reason="empty model")
        return Solution(np.zeros(0), model.offset, model.offset, 0.0, "optimal", True, "kModelEmpty",
                        time.perf_counter() - t0, "highs")
    h = _new_highs(verbose)
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    caps = {k: v for k, v in config.WORK_LIMITS.items() if v is not None and k not in (options or {})}
    for key, val in {**caps, **(options or {})}.items():
        st_opt = h.setOptionValue(str(key), val)
        if st_opt == highspy.HighsStatus.kError:
            raise SolverError(f"HiGHS rejected the option {key!r} = {val!r}.", status="kOptionError")
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.c
    lp.col_lower_ = _clip_inf(model.col_lo, inf)
    lp.col_upper_ = _clip_inf(model.col_hi, inf)
    lp.row_lower_ = _clip_inf(model.row_lo, inf)
    lp.row_upper_ = _clip_inf(model.row_hi, inf)
    lp.offset_ = float(model.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize
    A = sp.csc_matrix(model.A)
    A.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = model.n_rows
    is_mip = model.is_mip
    if is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                           for b in model.integrality]
    st = h.passModel(lp)
    if st == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (passModel returned an error).", status="kLoadError")
    if start is not None and is_mip:
        if "mip_heuristic_run_feasibility_jump" not in (options or {}):
            h.setOptionValue("mip_heuristic_run_feasibility_jump", not _NO_FJ_WITH_START)
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=np.float64))
        sol.value_valid = True
        h.setSolution(sol)
    # The limit counts from the call: what building and loading the model took (seconds on models
    # of millions of nonzeros) comes off HiGHS's own clock, which starts only at run().
    left = max(float(time_limit) - (time.perf_counter() - t0), 1e-3)
    h.setOptionValue("time_limit", left)
    if "presolve" not in (options or {}) and model.A.nnz > PRESOLVE_NNZ_PER_S * left:
        # HiGHS's presolve does not watch the clock (~1 M nonzeros per second here: a 10⁴ × 200
        # assignment LP took 4.8 s at a 1 s limit with it, 1.9 s without); when it could not
        # finish in the time left, solve without it so the limit holds.
        h.setOptionValue("presolve", "off")
    stop_at = t0 + float(time_limit)
    _watch_clock(h, stop_at)
    h.run()
    secs = time.perf_counter() - t0
    ms = h.getModelStatus()
    name = _status_name(ms)
    kind = STATUS_MAP.get(name, "error")
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if kind == "infeasible":
        raise InfeasibleError("The model is infeasible (HiGHS: kInfeasible).", reason="infeasible model")
    if kind in ("unbounded", "unbounded_or_infeasible"):
        raise SolverError(f"HiGHS reports the model {name[1:]}; check the bounds of the columns.", status=name)
    if kind in ("error", "empty"):
        if name == "kNotset" and threads is not None:
            # HiGHS keeps one thread scheduler per process, sized by its first solve: a solve that
            # asks for another count refuses to run (HiGHS >= 1.7)
            raise SolverError(f"HiGHS did not run: the 'threads' parameter is {int(threads)}, and HiGHS "
                              "allows one thread count per process, set by its first solve; pass "
                              "threads=None or the same count as every other solve in this process.",
                              status=name)
        raise SolverError(f"HiGHS failed with model status {name}.", status=name)
    if name in ("kSolutionLimit", "kIterationLimit") and caps:
        used = {"mip_max_nodes": int(getattr(info, "mip_node_count", 0)),
                "simplex_iteration_limit": int(getattr(info, "simplex_iteration_count", 0))}
        hit = [k for k in caps if k in used and used[k] >= caps[k]]
        if hit:
            warnings.warn(f"HiGHS stopped at a deterministic work cap ({', '.join(f'{k}={caps[k]:,}' for k in hit)}; "
                          f"yingji.config.WORK_LIMITS) after {secs:.1f} s, before its time limit of "
                          f"{float(time_limit):g} s: the answer is the best found, with its gap "
                          f"(status 'time_limit'). Raise the cap (options={{{hit[0]!r}: ...}}) for a "
                          f"longer search.", RuntimeWarning, stacklevel=3)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
    obj = float(info.objective_function_value) if has_sol else float("nan")
    if not has_sol and is_mip and start is not None and kind != "optimal":
        # Stopped (time limit) before HiGHS accepted any solution: the caller's start is still
        # a valid answer when it satisfies the model, so return it rather than nothing.
        xs = np.asarray(start, dtype=np.float64)
        if np.isfinite(xs).all() and model.is_feasible(xs):
            x, has_sol = xs, True
            obj = float(model.c @ xs + model.offset)
    if has_sol and x is not None and not _objective_matches(model, x, obj):
        # HiGHS (seen with 1.16) can report the objective of a solution it found in the presolved
        # space while getSolution() still holds the caller's start: the objective then describes a
        # point that was never returned. Solve again without the start and keep whichever point
        # is consistent and better; the reported objective is always c·x of the point returned.
        if start is not None:
            return _resolve_without_start(model, start, t0, time_limit=time_limit, mip_gap=mip_gap,
                                          verbose=verbose, threads=threads, options=options)
        obj = model.objective_value(x)  # pragma: no cover - only the start path was seen to do this
    if is_mip:
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound):
            bound = float("inf") if model.sense == "max" else float("-inf")
    else:
        # An LP at optimality: the bound is the optimum itself; on a time limit nothing is proven.
        bound = obj if kind == "optimal" else (float("inf") if model.sense == "max" else float("-inf"))
    if has_sol:
        if model.sense == "min":
            bound = min(bound, obj)
        else:
            bound = max(bound, obj)
    gap = gap_of(obj, bound) if has_sol else float("inf")
    optimal = kind == "optimal" and has_sol
    duals = None
    if not is_mip and has_sol:
        try:
            duals = np.asarray(h.getSolution().row_dual, dtype=np.float64)
        except Exception:  # pragma: no cover - highspy versions without duals
            duals = None
    return Solution(x, obj, bound, gap, "optimal" if optimal else "time_limit", optimal, name, secs,
                    "highs", duals)


def _watch_clock(h, stop_at: float) -> None:
    """Interrupt ``h`` from its interior-point and MIP callbacks once the wall clock passes
    ``stop_at``: HiGHS's own ``time_limit`` is not checked everywhere in the MIP solver (on the
    reduced p-median model of TSPLIB pcb3038, p = 100, a 59 s limit ended after 64.6 s, issue 23).
    The check is one clock read per call. (The feasibility-jump heuristic calls neither: see
    :data:`_NO_FJ_WITH_START`.)"""
    clock = time.perf_counter

    def cb(e):
        if clock() >= stop_at:
            e.interrupt()

    try:
        # not the simplex callback: it is called every iteration (20 % more CPU on a 26 k-row MIP), and
        # the simplex already honours time_limit
        h.cbIpmInterrupt.subscribe(cb)
        h.cbMipInterrupt.subscribe(cb)
    except AttributeError:  # pragma: no cover - highspy without the callback interface
        pass


def _objective_matches(model: SparseModel, x: np.ndarray, obj: float) -> bool:
    """Whether the solver's objective ``obj`` is ``c·x + offset`` of the point ``x`` it returned."""
    val = model.objective_value(x)
    return bool(np.isfinite(val) and abs(val - obj) <= 1e-7 * max(1.0, abs(obj), abs(val)))


def _resolve_without_start(model: SparseModel, start, t0: float, **kw) -> Solution:
    """Solve ``model`` again without the MIP start (the first run returned the start unchanged
    under a better objective); the start is the answer only when the second run finds nothing
    better. ``seconds`` counts both runs."""
    left = max(float(kw.pop("time_limit")) - (time.perf_counter() - t0), 1e-3)
    sol = solve_highs(model, time_limit=left, start=None, **kw)
    xs = np.asarray(start, dtype=np.float64)
    s_obj = model.objective_value(xs)
    better = sol.x is not None and (sol.objective <= s_obj if model.sense == "min" else sol.objective >= s_obj)
    if better or not (np.isfinite(xs).all() and model.is_feasible(xs)):
        return replace(sol, seconds=time.perf_counter() - t0)
    bound = min(sol.bound, s_obj) if model.sense == "min" else max(sol.bound, s_obj)
    gap = gap_of(s_obj, bound)
    return Solution(xs, s_obj, bound, gap, "time_limit", False, sol.solver_status + " (start kept)",
                    time.perf_counter() - t0, "highs")
