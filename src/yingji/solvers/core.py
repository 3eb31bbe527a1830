"""One way to solve a :class:`~yingji.solvers.model.SparseModel`: HiGHS by default, any PuLP solver
through the bridge."""

from __future__ import annotations

import numpy as np

from yingji import config
from yingji._validation import Problems
from yingji.solvers.model import Solution, SparseModel

__all__ = ["solve", "gap_of"]


def gap_of(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-9)``; ``inf`` when either is not finite."""
    if objective is None or bound is None or not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    return abs(objective - bound) / max(abs(objective), 1e-9)


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
        HiGHS threads.
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
    if time_limit is None or not np.isfinite(float(time_limit)) or float(time_limit) <= 0:
        probs.param("time_limit", "a positive finite number of seconds", time_limit)
    if not (0 <= float(mip_gap) < 1):
        probs.param("mip_gap", "a float in [0, 1)", mip_gap)
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
