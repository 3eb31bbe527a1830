"""One way to solve a :class:`~yingji.solvers.model.SparseModel`: HiGHS by default, any PuLP solver
through the bridge."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._deadline import Deadline
from yingji._validation import MIP_GAP, TIME_LIMIT, Interval, Problems, check_param
from yingji.exceptions import InfeasibleError, SolverError
from yingji.solvers.model import Solution, SparseModel, Stage, gap_of

__all__ = ["solve", "solve_lexicographic", "gap_of"]


def solve(
    model: SparseModel,
    *,
    solver=None,
    time_limit: float = config.TIME_LIMIT,
    mip_gap: float = config.MIP_GAP,
    start=None,
    verbose: bool = False,
    threads: int | None = None,
    options: dict | None = None,
) -> Solution:
    """Solve a sparse model.

    Parameters
    ----------
    model : SparseModel
    solver : None, "highs" or a PuLP solver object
        None / "highs": HiGHS through highspy (default). A PuLP solver instance (e.g.
        ``pulp.PULP_CBC_CMD(msg=False)`` or ``pulp.HiGHS()``) solves ``model.to_pulp()``;
        its time limit is set from ``time_limit`` when the solver has none.
    time_limit : float
        Seconds. The best solution found by then is returned with ``status="time_limit"``.
    mip_gap : float
        Relative gap at which a MIP counts as solved (default 1e-6).
    start : array_like, optional
        A full-length column vector used as MIP start (HiGHS) / warm start (PuLP where supported).
    verbose : bool
        Print the solver's log.
    threads : int, optional
        HiGHS threads. HiGHS keeps one thread scheduler per process, sized by its first solve:
        every solve of a process must ask for the same count or leave it ``None`` (another count
        raises :class:`~yingji.exceptions.SolverError` naming ``threads``).
    options : dict, optional
        Extra HiGHS options by name (e.g. ``{"presolve": "off"}``: HiGHS's MIP presolve does not
        watch the time limit, which matters on large dense coverage models). Ignored by PuLP
        solvers (configure the solver object instead).

    Returns
    -------
    Solution

    Raises
    ------
    InfeasibleError
        The model has no feasible solution.
    SolverError
        The solver failed, or reported unboundedness.
    """
    probs = Problems("solve")
    if not isinstance(model, SparseModel):
        probs.param("model", "a SparseModel", type(model).__name__)
    time_limit = check_param(probs, "time_limit", time_limit, TIME_LIMIT)
    mip_gap = check_param(probs, "mip_gap", mip_gap, MIP_GAP)
    if options is not None and not isinstance(options, dict):
        probs.param("options", "a dict of HiGHS option names to values", type(options).__name__)
    if start is not None and np.asarray(start).shape != (getattr(model, "n_cols", -1),):
        probs.param("start", f"a vector of length {getattr(model, 'n_cols', '?')}", f"shape {np.asarray(start).shape}")
    probs.raise_if_any()
    if solver is None or (isinstance(solver, str) and solver.lower() == "highs"):
        from yingji.solvers.highs import solve_highs

        return solve_highs(model, time_limit=float(time_limit), mip_gap=float(mip_gap), start=start,
                           verbose=verbose, threads=threads, options=options)
    from yingji.solvers.pulp_bridge import solve_pulp

    return solve_pulp(model, solver, time_limit=float(time_limit), mip_gap=float(mip_gap), start=start,
                      verbose=verbose)


def _integral_objective(model: SparseModel, c: np.ndarray) -> bool:
    """Whether ``c·x`` is an integer at every integer-feasible point (integer coefficients on
    integer columns only)."""
    nz = c != 0
    return bool(np.all(model.integrality[nz]) and np.all(c[nz] == np.round(c[nz])))


def solve_lexicographic(
    model: SparseModel,
    objectives,
    *,
    solver=None,
    time_limit: float = config.TIME_LIMIT,
    mip_gap: float = config.MIP_GAP,
    start=None,
    level_tol: float = 1e-9,
    verbose: bool = False,
    threads: int | None = None,
    options: dict | None = None,
) -> Solution:
    """Optimise several objectives in priority order over the rows and columns of ``model``.

    Stage 1 optimises the first objective; every later stage optimises its own objective with
    each earlier objective held at the value that stage reached (a row
    ``c_l·x <= z_l`` for a minimised, ``>= z_l`` for a maximised objective). This is the
    pre-emptive (lexicographic) goal programme [1]_: no weight, however large, is needed, and
    each stage's gap is about its own objective, so a tie-break can never be lost inside the
    first objective's MIP tolerance.

    Parameters
    ----------
    model : SparseModel
        Rows, columns and integrality; its own ``c``, ``sense`` and ``offset`` are not used.
    objectives : sequence of (name, c, sense)
        ``name`` (str, reported back), ``c`` (array of length ``model.n_cols``) and ``sense``
        (``"min"`` or ``"max"``), highest priority first.
    solver, mip_gap, verbose, threads, options
        As for :func:`solve`, for every stage.
    time_limit : float
        Seconds for all stages together (one deadline; a later stage gets what is left, and a
        stage with no time left is reported ``"not_run"``).
    start : array_like, optional
        MIP start for stage 1; each later stage starts from the previous stage's point, which
        is feasible for it by construction.
    level_tol : float
        Relative slack on a held level of a continuous objective (``z·(1 ± level_tol)``, at least
        ``level_tol`` absolute), so that the solver's feasibility tolerance cannot make the held
        row infeasible. An objective that is integral at every integer point (integer
        coefficients on integer columns) is held exactly at its integer value.

    Returns
    -------
    Solution
        The point of the last stage that ran; ``objective``, ``bound`` and ``gap`` are the last
        stage's, ``optimal`` is True only when every stage was proven, ``stages`` has one
        :class:`Stage` each (its objective evaluated at the returned point, its proven bound,
        status ``"optimal"``, ``"time_limit"``, ``"failed"`` or ``"not_run"``).

    Raises
    ------
    InfeasibleError, SolverError
        Stage 1 is infeasible, or the solver failed on it. A later stage that fails (even with
        its held levels loosened to ``1e-6``) is reported ``"failed"`` and the previous stage's
        point is returned.

    References
    ----------
    .. [1] Ignizio, J. P. (1976). Goal Programming and Extensions. Lexington Books, ch. 3
       (pre-emptive priorities solved as a sequence of single-objective programmes).
    """
    t0 = time.perf_counter()
    probs = Problems("solve_lexicographic")
    if not isinstance(model, SparseModel):
        probs.param("model", "a SparseModel", type(model).__name__)
        probs.raise_if_any()
    objs = []
    for k, ob in enumerate(objectives if objectives is not None else []):
        try:
            name, c, sense = ob
            c = np.asarray(c, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            probs.param(f"objectives[{k}]", "a (name, c, sense) triple with c numeric", repr(ob)[:80])
            continue
        if c.shape != (model.n_cols,) or not np.isfinite(c).all():
            probs.param(f"objectives[{k}]", f"finite coefficients, one per column ({model.n_cols})",
                        f"shape {c.shape}")
        if sense not in ("min", "max"):
            probs.param(f"objectives[{k}] sense", "'min' or 'max'", sense)
        objs.append((str(name), c, sense))
    if not objs:
        probs.param("objectives", "at least one (name, c, sense)", objectives)
    level_tol = check_param(probs, "level_tol", level_tol, Interval(float, 0, 1e-3, closed="left"), default=0.0)
    time_limit = check_param(probs, "time_limit", time_limit, TIME_LIMIT)
    check_param(probs, "mip_gap", mip_gap, MIP_GAP)
    probs.raise_if_any()
    dl = Deadline(float(time_limit), t0)
    held: list[tuple[np.ndarray, str, float, bool]] = []  # (c, sense, level, integral) of earlier stages

    def with_levels(tol: float):
        """The model's rows plus one row per earlier stage holding its level (slack ``tol``)."""
        if not held:
            return model.A, model.row_lo, model.row_hi
        lo, hi = [], []
        for c_, sense_, z_, integ_ in held:
            slack = 0.0 if integ_ else tol * max(1.0, abs(z_))
            lo.append(-np.inf if sense_ == "min" else z_ - slack)
            hi.append(z_ + slack if sense_ == "min" else np.inf)
        A_ = sp.vstack([model.A, sp.csr_matrix(np.vstack([h[0] for h in held]))], format="csr")
        return A_, np.r_[model.row_lo, lo], np.r_[model.row_hi, hi]

    stages: list[Stage] = []
    best: Solution | None = None
    x_prev = None if start is None else np.asarray(start, dtype=np.float64)
    stopped = False
    for k, (name, c, sense) in enumerate(objs):
        if k and (stopped or dl.expired() or best is None or best.x is None):
            val = float(c @ best.x) if best is not None and best.x is not None else float("nan")
            inf = float("-inf") if sense == "min" else float("inf")
            stages.append(Stage(name, sense, val, inf, float("inf"), False, "not_run"))
            continue
        sol = None
        for tol in dict.fromkeys((float(level_tol), max(float(level_tol), 1e-6))):
            A, row_lo, row_hi = with_levels(tol)
            mk = SparseModel(c, A, row_lo, row_hi, model.col_lo, model.col_hi, model.integrality, sense,
                             0.0, model.col_names, None, f"{model.name}_{name}", dict(model.meta))
            try:
                sol = solve(mk, solver=solver, time_limit=dl.limit(), mip_gap=mip_gap, start=x_prev,
                            verbose=verbose, threads=threads, options=options)
                break
            except (InfeasibleError, SolverError):
                if k == 0:
                    raise
                # the held levels may be one solver tolerance too tight: hold them a little looser
                sol = None
        if sol is None:
            # the stage failed even so: the previous point holds every level; report, do not raise
            val = float(c @ x_prev)
            inf = float("-inf") if sense == "min" else float("inf")
            stages.append(Stage(name, sense, val, inf, float("inf"), False, "failed"))
            stopped = True
            continue
        if sol.x is None and x_prev is not None and k:
            # nothing found in the time left: the previous stage's point still holds every level
            val = float(c @ x_prev)
            sol = replace(sol, x=x_prev, objective=val, gap=gap_of(val, sol.bound))
        bound = sol.bound
        integ = _integral_objective(mk, c)
        if integ and np.isfinite(bound):
            bound = float(np.ceil(bound - 1e-6) if sense == "min" else np.floor(bound + 1e-6))
        gap = gap_of(sol.objective, bound) if sol.x is not None else float("inf")
        stages.append(Stage(name, sense, float(sol.objective), float(bound), gap, bool(sol.optimal),
                            "optimal" if sol.optimal else "time_limit"))
        best = replace(sol, bound=float(bound), gap=gap)
        if sol.x is None:
            continue
        x_prev = sol.x
        # hold this objective at the level it reached for the stages after it
        z = float(c @ sol.x)
        held.append((c, sense, float(np.round(z)) if integ else z, integ))
    x = best.x if best is not None else None
    if x is not None:
        # every stage's figure at the point returned (a later stage may move an earlier objective
        # within its held level)
        fixed = []
        for st_, (_, c, _) in zip(stages, objs):
            val = float(c @ x)
            fixed.append(replace(st_, objective=val, gap=gap_of(val, st_.bound) if st_.status != "not_run"
                                 and st_.status != "failed" else st_.gap))
        stages = fixed
    last = stages[-1]
    optimal = all(s.optimal for s in stages)
    return Solution(x, last.objective, last.bound, last.gap, "optimal" if optimal else "time_limit", optimal,
                    best.solver_status if best is not None else "", time.perf_counter() - t0,
                    best.solver if best is not None else "highs", None, tuple(stages))
