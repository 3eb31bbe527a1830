"""The registered coverage model builders: ``yj.siting.build("lscp" | "mclp" | "backup_coverage", ...)``.

Each builds the sparse model of its model family (with the reductions only when asked) and
the ``decode`` that turns a solver :class:`~yingji.solvers.Solution` into the family's
:class:`~yingji.results.SitingResult` (:mod:`yingji.siting.registry`).
"""

from __future__ import annotations

import numpy as np

from yingji._validation import Problems
from yingji.results import SitingResult
from yingji.siting.registry import BuiltModel, register
from yingji.siting.coverage.backup_model import _backup_inputs, _backup_result
from yingji.siting.coverage.common import _fill_sites, _raise_uncoverable, _uncoverable_rows, row_labels
from yingji.siting.coverage.maxcover import _maxcov_inputs, _maxcov_model, _maxcov_reduce, _mc_sites, _mclp_result
from yingji.siting.coverage.setcover import _lscp_inputs, _lscp_model, _lscp_reduce, _lscp_result
from yingji.solvers import Solution

__all__ = ["build_lscp", "build_mclp", "build_backup_coverage"]


@register("lscp")
def build_lscp(cost=None, radius=None, *, coverage=None, site_cost=None, fixed=None,
               uncoverable="raise", reduce=False) -> BuiltModel:
    """Build the LSCP as a :class:`~yingji.siting.registry.BuiltModel` (see :func:`lscp`).

    ``reduce=True`` applies the exact reductions of :func:`lscp` (fewer rows and columns; the
    columns keep the names ``x_<position>``); the default keeps every row and column so that
    constraints added through ``.to_pulp()`` can name any site.

    Parameters
    ----------
    cost, radius, coverage, site_cost, fixed, uncoverable
        As in :func:`lscp` (minutes or metres; ``inf`` = unreachable).
    reduce : bool, default False
        Apply the exact row / column reductions before building.

    Returns
    -------
    yingji.siting.registry.BuiltModel
        ``.solve(time_limit=...)`` gives the :class:`~yingji.results.SitingResult` of
        :func:`lscp`; ``.to_pulp()`` the model as a :class:`pulp.LpProblem`.

    Raises
    ------
    ValidationError, InfeasibleError
        As :func:`lscp`.

    References
    ----------
    .. [1] C. Toregas, R. Swain, C. ReVelle and L. Bergman, "The location of emergency service
       facilities", Operations Research 19(6), 1363-1373, 1971.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> m = yj.siting.build("lscp", np.array([[1.0, 9.0], [9.0, 1.0]]), 2.0)
    >>> m.solve().objective
    2.0
    """
    probs = Problems("lscp")
    cov, c, fx = _lscp_inputs("lscp", cost, radius, coverage, site_cost, fixed, uncoverable, probs)
    probs.raise_if_any()
    bad = _uncoverable_rows(cov)
    if bad.size and uncoverable == "raise":
        _raise_uncoverable("lscp", cov, bad)
    red = _lscp_reduce(cov.A, c, fx, bad, reduce=reduce)
    model = _lscp_model(red)

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        x = sol.x
        sites = np.union1d(red.base, red.cols[x > 0.5]).astype(np.int64)
        return _lscp_result(cov, c, sites, sol.bound, bad, red.info, seconds, method,
                            stopped=sol.status if sol.status != "optimal" else "time_limit",
                            extras={"solver_status": sol.solver_status, "solver": sol.solver})

    return BuiltModel("lscp", model, decode, info={"reductions": red.info, "uncovered_rows": row_labels(cov, bad)})


@register("mclp")
def build_mclp(cost=None, radius=None, p=None, *, coverage=None, weights=None, fixed=None,
               reduce=False) -> BuiltModel:
    """Build the MCLP as a :class:`~yingji.siting.registry.BuiltModel` (see :func:`mclp`).

    Columns ``x_<site position>`` (binary) then ``y_<row>`` (covered, continuous in [0, 1]);
    with ``reduce=True`` the rows are groups of identical demand rows.

    Parameters
    ----------
    cost, radius, p, coverage, weights, fixed
        As in :func:`mclp` (``p`` counts the fixed sites).
    reduce : bool, default False
        Merge identical demand rows and drop dominated columns before building.

    Returns
    -------
    yingji.siting.registry.BuiltModel
        ``.solve(time_limit=...)`` gives the :class:`~yingji.results.SitingResult` of
        :func:`mclp`; ``.to_pulp()`` the model as a :class:`pulp.LpProblem`.

    Raises
    ------
    ValidationError
        As :func:`mclp`.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> m = yj.siting.build("mclp", np.array([[1.0, 9.0], [9.0, 1.0], [1.0, 9.0]]), 2.0, p=1)
    >>> m.solve().objective
    2.0
    """
    probs = Problems("mclp")
    cov, w, fx, pp = _maxcov_inputs("mclp", cost, radius, coverage, p, weights, fixed, probs)
    probs.raise_if_any()
    mc = _maxcov_reduce(cov, w, fx, pp, twice=False, reduce=reduce)
    model = _maxcov_model(mc, 1.0, 0.0, name="mclp")

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        k = mc.cols.size
        sites = _mc_sites(mc, sol.x[:k] > 0.5)
        open_mask = np.zeros(cov.m, bool)
        open_mask[sites] = True
        sites = np.nonzero(_fill_sites(cov, open_mask, pp, w))[0]
        return _mclp_result(cov, w, sites, sol.bound, seconds, method, "time_limit",
                            {"solver_status": sol.solver_status, "solver": sol.solver})

    return BuiltModel("mclp", model, decode, info={"reductions": mc.info})


@register("backup_coverage")
def build_backup_coverage(cost=None, radius=None, p=None, *, coverage=None, weights=None, radius2=None,
                          fixed=None, tradeoff=None, min_first=None, reduce=False) -> BuiltModel:
    """Build the backup coverage model (see :func:`backup_coverage`) as a BuiltModel.

    The objective is ``tradeoff·covered + (1 - tradeoff)·covered_twice`` (``tradeoff=None``
    means 0: pure second coverage, optionally with ``min_first`` as a floor on first coverage).
    Columns ``x_<site>``, ``y_<row>`` (covered), ``u_<row>`` (covered twice, binary).

    Parameters
    ----------
    cost, radius, p, coverage, weights, radius2, fixed, tradeoff
        As in :func:`backup_coverage`.
    min_first : float, optional
        Floor on the first-covered weight (the lexicographic second stage of
        :func:`backup_coverage` sets it to the first stage's optimum).
    reduce : bool, default False
        Merge identical demand rows and drop dominated columns before building.

    Returns
    -------
    yingji.siting.registry.BuiltModel

    Raises
    ------
    ValidationError, InfeasibleError
        As :func:`backup_coverage`.

    References
    ----------
    .. [1] K. Hogan and C. ReVelle, "Concepts and applications of backup coverage",
       Management Science 32(11), 1434-1444, 1986.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cov = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool)
    >>> yj.siting.build("backup_coverage", coverage=cov, p=3).solve().objective
    3.0
    """
    probs = Problems("backup_coverage")
    cov, w, fx, pp, B = _backup_inputs(cost, radius, coverage, p, weights, radius2, fixed, tradeoff, probs)
    probs.raise_if_any()
    mc = _maxcov_reduce(cov, w, fx, pp, twice=True, B_full=B, reduce=reduce)
    th = 0.0 if tradeoff is None else float(tradeoff)
    model = _maxcov_model(mc, th, 1.0 - th, min_first=min_first, name="backup_coverage")

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        k = mc.cols.size
        sites = np.union1d(mc.base, mc.cols[sol.x[:k] > 0.5]).astype(np.int64)
        return _backup_result(cov, w, sites, pp, sol.bound, th if tradeoff is not None else None, seconds,
                              method, "time_limit", {"solver_status": sol.solver_status})

    return BuiltModel("backup_coverage", model, decode, info={"reductions": mc.info})
