"""The registry of siting model builders: ``yj.siting.build(name, ...)`` (DESIGN.md, contract).

A builder turns validated inputs into a :class:`BuiltModel`: the sparse model
(:class:`yingji.solvers.SparseModel`) plus the function that reads a solver
:class:`~yingji.solvers.Solution` back into a :class:`~yingji.results.SitingResult`.
Builders register themselves with :func:`register`::

    @register("p_median")
    def build_p_median(cost, p, *, weights=None, fixed=None) -> BuiltModel:
        ...
        return BuiltModel("p_median", model, decode)

``decode(solution, seconds, method) -> SitingResult`` receives the solver's solution (``x``
has a value for every column of ``model``), the wall-clock seconds and a method label.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Callable

from yingji import config
from yingji._validation import Problems
from yingji.exceptions import SolverError
from yingji.results import SitingResult

__all__ = ["BuiltModel", "build", "register", "registered_models"]

_REGISTRY: dict[str, Callable[..., "BuiltModel"]] = {}

#: Modules whose import registers builders (imported on demand by :func:`build`).
_BUILDER_MODULES = ("yingji.siting.coverage.builders", "yingji.siting.median", "yingji.siting.capacitated")


@dataclass(frozen=True)
class BuiltModel:
    """A siting model in sparse matrix form, ready to solve or to extend.

    Attributes
    ----------
    name : str
        Registry name (``"lscp"``, ``"mclp"``, ...).
    model : yingji.solvers.SparseModel
        The model. Column and row names follow the builder's docstring.
    decode : callable
        ``decode(solution, seconds, method) -> SitingResult``.
    info : dict
        Builder notes (reductions applied, dropped rows, ...).
    """

    name: str
    model: object
    decode: Callable
    info: dict = field(default_factory=dict)

    def solve(self, *, solver=None, time_limit: float = config.TIME_LIMIT, mip_gap: float = config.MIP_GAP,
              start=None, verbose: bool = False) -> SitingResult:
        """Solve with :func:`yingji.solvers.solve` and decode into a :class:`SitingResult`.

        Parameters
        ----------
        solver : None or PuLP solver object
            None: HiGHS via highspy.
        time_limit : float
            Seconds.
        mip_gap : float
            Relative gap at which the solve stops.
        start : array_like, optional
            Full-length MIP start over the model's columns.
        verbose : bool
            Print the solver log.
        """
        from yingji.solvers import solve

        t0 = time.perf_counter()
        sol = solve(self.model, solver=solver, time_limit=time_limit, mip_gap=mip_gap, start=start, verbose=verbose)
        if not sol.has_solution:

            raise SolverError(f"{self.name}: the solver found no feasible solution within {time_limit:g} s.",
                              status=sol.solver_status)
        return self.decode(sol, time.perf_counter() - t0, "exact" if solver is None else f"exact:{sol.solver}")

    def to_pulp(self):
        """The model as a :class:`pulp.LpProblem` (add constraints, then solve it with PuLP)."""
        return self.model.to_pulp()


def register(name: str):
    """Decorator registering a builder under ``name`` (the function is returned unchanged)."""

    def deco(fn):
        _REGISTRY[name] = fn
        return fn

    return deco


def _load_builders() -> None:
    """Import the modules that register the builders (:data:`_BUILDER_MODULES`, all in the
    siting layer); an import error is raised, never a silently missing model."""
    for mod in _BUILDER_MODULES:
        importlib.import_module(mod)


def registered_models() -> list[str]:
    """Names accepted by :func:`build`."""
    _load_builders()
    return sorted(_REGISTRY)


def build(model_name: str, *args, **kwargs) -> BuiltModel:
    """Build a siting model by name, without solving it.

    Parameters
    ----------
    model_name : str
        One of :func:`registered_models` (``"lscp"``, ``"mclp"``, ``"backup_coverage"``, and the
        median family once registered).
    *args, **kwargs
        The inputs of the model's function (e.g. ``cost, radius, p=5`` for ``"mclp"``).

    Returns
    -------
    BuiltModel
        ``.model`` (SparseModel), ``.solve(...)`` → SitingResult, ``.to_pulp()``.

    Raises
    ------
    ValidationError
        Unknown model name, or bad inputs for that model.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> m = yj.siting.build("mclp", np.array([[1.0, 5.0], [5.0, 1.0]]), 2.0, p=1)
    >>> m.model.n_cols, m.solve().objective
    (4, 1.0)
    """
    _load_builders()
    if model_name not in _REGISTRY:
        probs = Problems("build")
        probs.param("model_name", f"one of {sorted(_REGISTRY)}", model_name)
        probs.raise_if_any()
    return _REGISTRY[model_name](*args, **kwargs)
