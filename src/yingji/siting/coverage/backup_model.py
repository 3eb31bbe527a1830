"""Backup coverage (BACOP, Hogan and ReVelle 1986): :func:`backup_coverage` and its parts.

Inputs (``radius2``, ``tradeoff``), the result (first and second coverage), the weighted
objective through :func:`~yingji.siting.coverage.maxcover._solve_max_cover` and the
lexicographic two-stage solve.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Interval, Problems, check_param
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult, relative_gap
from yingji.siting import _inputs as inp
from yingji.siting.coverage.common import (
    _fill_sites,
    _highs_options,
    _raise_uncoverable,
    as_int,
    assign,
    check_method,
)
from yingji.siting.coverage.maxcover import (
    _max_cover_bound,
    _maxcov_inputs,
    _maxcov_model,
    _maxcov_reduce,
    _mc_heuristic,
    _mc_sites,
    _mc_start,
    _solve_max_cover,
)
from yingji.solvers import solve

__all__ = ["backup_coverage"]


# -------------------------------------------------------------------------------- inputs and result
def _backup_inputs(cost, radius, coverage, p, weights, radius2, fixed, tradeoff, probs):
    func = "backup_coverage"
    cov, w, fx, pp = _maxcov_inputs(func, cost, radius, coverage, p, weights, fixed, probs)
    B = None
    if radius2 is not None:
        if cov.C is None:
            probs.add(f"The 'radius2' parameter of {func} needs a 'cost' matrix, not 'coverage'.")
        else:
            r2 = inp.check_radius(radius2, probs, "radius2")
            with np.errstate(invalid="ignore"):
                B = sp.csr_matrix(cov.C <= r2 + config.COVER_TOL)
    if tradeoff is not None:
        check_param(probs, "tradeoff", tradeoff, Interval(float, 0, 1, text="None (lexicographic) or a float in [0, 1]"))
    return cov, w, fx, pp, B


def _backup_result(cov, w, sites, p, bound, tradeoff, seconds, method, stopped, extras,
                   mip_gap=config.MIP_GAP):
    open_mask = np.zeros(cov.m, bool)
    open_mask[sites] = True
    sites = np.nonzero(_fill_sites(cov, open_mask, p, w))[0]
    cnt = np.asarray(sp.csr_matrix(cov.A, dtype=np.int64)[:, sites].sum(axis=1)).ravel()
    first = float(w[cnt >= 1].sum())
    twice = float(w[cnt >= 2].sum())
    tot = float(w.sum())
    assignment, row_cost, covered = assign(cov, sites)
    ex = {"covered_twice": twice, "covered_share": first / tot if tot > 0 else 1.0,
          "covered_twice_share": twice / tot if tot > 0 else 1.0,
          "backup_rows_share": float((cnt >= 2).mean()) if cnt.size else 1.0,
          "coverage_count": cnt,
          "objective_definition": "weight covered at least twice" if tradeoff is None
          else f"{tradeoff:g} * covered + {1 - tradeoff:g} * covered_twice"}
    ex.update(extras or {})
    obj = twice if tradeoff is None else tradeoff * first + (1 - tradeoff) * twice
    return inp.make_result("backup_coverage", sites=sites, objective=obj, bound=bound, sense="max", ci=cov.ci,
                           assignment=assignment, seconds=seconds, method=method, stopped=stopped, mip_gap=mip_gap,
                           row_cost=row_cost, row_covered=covered, covered=first, extras=ex)


# ---------------------------------------------------------------------------------- backup_coverage
def backup_coverage(cost=None, radius=None, p=None, *, coverage=None, weights=None, radius2=None, fixed=None,
                    tradeoff=None, method="auto", time_limit=config.TIME_LIMIT, solver=None,
                    mip_gap=config.MIP_GAP, reduce=True, max_iter=400, verbose=False) -> SitingResult:
    r"""Backup coverage: ``p`` sites maximising the demand weight covered at least twice.

    Parameters
    ----------
    cost : array_like or pandas.DataFrame, shape (n, m), optional
        Demand × sites cost (minutes or metres).
    radius : float, optional
        Coverage standard (covered when ``cost <= radius``), for first and second coverage.
    p : int
        Number of open sites, fixed ones included.
    coverage : array_like of bool or scipy.sparse matrix, optional
        The coverage matrix instead of ``cost`` / ``radius`` (no ``radius2`` then).
    weights : array_like, shape (n,), optional
        Row weights; default 1.
    radius2 : float, optional
        Double standard: every row must have an open site within ``radius2`` (a hard
        constraint, Gendreau, Laporte and Semet 1997); rows no candidate reaches within
        ``radius2`` raise :class:`InfeasibleError`.
    fixed : sequence of int, optional
        Existing sites that stay open (they count towards second coverage).
    tradeoff : None or float in [0, 1]
        None (default): lexicographic — first coverage is held at its optimum (an MCLP solved
        first) and the twice-covered weight maximised among those solutions; ``objective`` is
        the weight covered at least twice. A float θ: maximise ``θ·covered + (1-θ)·covered_twice``
        (Hogan and ReVelle's BACOP2); ``objective`` and ``bound`` then refer to that weighted sum.
    method : {"auto", "exact", "heuristic"}
    time_limit : float
        Seconds for the call (split between the two lexicographic stages).
    solver : None or PuLP solver object
    mip_gap : float
    reduce : bool
        Aggregate identical rows and drop rows / columns that cannot matter.
    max_iter : int
        Subgradient iterations of the Lagrangian bounds.
    verbose : bool

    Returns
    -------
    SitingResult
        ``objective`` (weight covered twice, or the weighted sum), ``covered`` (first coverage),
        ``extras["covered_twice"]``, ``extras["covered_twice_share"]``,
        ``extras["coverage_count"]`` (open covering sites per row).

    Raises
    ------
    ValidationError
        Bad inputs.
    InfeasibleError
        ``radius2`` cannot be met (rows out of reach, or not with ``p`` sites).

    See Also
    --------
    covered_weight : with ``times=2`` recomputes the objective.
    mclp : first coverage only.

    Notes
    -----
    BACOP (Hogan and ReVelle 1986), with :math:`u_i` = covered twice:

    .. math::
        \max \sum_i w_i u_i \quad \text{s.t.} \quad y_i + u_i \le \sum_{j \in N_i} x_j,
        \quad u_i \le y_i, \quad \sum_j x_j \le p, \quad
        \sum_i w_i y_i \ge z_1^*, \quad x, u \in \{0,1\}, \; 0 \le y \le 1

    where :math:`z_1^*` is the MCLP optimum (lexicographic). With ``radius2``:
    :math:`\sum_{j: d_{ij} \le r_2} x_j \ge 1` for every row. The heuristic runs the greedy and
    swap search on ``w·covered + ε·w·covered_twice``; its bound is the Lagrangian bound of the
    twice-covered weight alone (a relaxation, hence valid). If the first stage is not proven
    optimal within the time limit the bound reported is that relaxation too.

    spopt's LSCP-B differs: it first finds the fewest sites covering *every* row, then
    maximises backup coverage with that many sites and all rows covered; here ``p`` is given
    and first coverage is maximised (not forced to 100 %). ``docs/siting.md`` compares both
    on the San Francisco case.

    References
    ----------
    .. [1] K. Hogan and C. ReVelle, "Concepts and applications of backup coverage",
       Management Science 32(11), 1434-1444, 1986.
    .. [2] M. Gendreau, G. Laporte and F. Semet, "Solving an ambulance location model by tabu
       search", Location Science 5(2), 75-88, 1997.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cov = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool)
    >>> r = yj.backup_coverage(coverage=cov, p=2)
    >>> r.objective, r.covered
    (1.0, 3.0)
    """
    t0 = time.perf_counter()
    probs = Problems("backup_coverage")
    cov, w, fx, pp, B = _backup_inputs(cost, radius, coverage, p, weights, radius2, fixed, tradeoff, probs)
    check_method(method, "backup_coverage", probs)
    tl = inp.check_time_limit(time_limit, probs)
    inp.check_mip_gap(mip_gap, probs)
    probs.raise_if_any()
    if B is not None:
        bad = np.nonzero(np.diff(B.indptr) == 0)[0]
        if bad.size:
            _raise_uncoverable("backup_coverage", cov, bad, what="radius2")
    mc = _maxcov_reduce(cov, w, fx, pp, twice=True, B_full=B, reduce=reduce)
    extras = {"reductions": mc.info}
    stopped = "heuristic" if method == "heuristic" else "time_limit"
    try:
        if tradeoff is not None:
            th = float(tradeoff)
            x, _, ub, ex, _ = _solve_max_cover(mc, th * mc.wy, (1 - th) * mc.wy, method=method, tl=tl, t0=t0,
                                               solver=solver, mip_gap=mip_gap, verbose=verbose,
                                               name="backup_coverage", alpha=th, beta=1 - th, max_iter=max_iter)
            extras.update(ex)
            if x is None:
                raise SolverError("backup_coverage: no solution found within the time limit.",
                                  status=ex.get("solver_status", ""))
            sites = _mc_sites(mc, x)
            return _backup_result(cov, w, sites, pp, ub, th, time.perf_counter() - t0, method, stopped,
                                  extras, mip_gap)
        return _backup_lexicographic(cov, w, mc, pp, extras, method=method, stopped=stopped, tl=tl, t0=t0,
                                     solver=solver, mip_gap=mip_gap, verbose=verbose, max_iter=max_iter)
    except InfeasibleError as exc:
        if B is None:
            raise
        raise InfeasibleError(
            f"backup_coverage: no {pp} sites put every row within radius2={radius2!r}; more sites are "
            f"needed (lscp(cost, {radius2!r}) gives the fewest).", rows=[], reason="radius2 needs more sites") from exc


def _backup_lexicographic(cov, w, mc, pp, extras, *, method, stopped, tl, t0, solver, mip_gap, verbose,
                          max_iter):
    """:func:`backup_coverage` with ``tradeoff=None``: the greedy + swap heuristic on
    ``w·first + ε·w·twice`` and the Lagrangian bounds of both objectives, then (unless
    ``method="heuristic"``) stage 1, first coverage (an MCLP with the radius2 rows), and stage 2,
    second coverage with first coverage held at the stage-1 value. Each stage gets what is left
    of ``tl`` seconds after ``t0`` (stage 1 at most half)."""
    n = mc.A.shape[0]
    zeros = np.zeros(n)
    fixed_mask = mc.col_lo > 0.5
    A_int = as_int(mc.A)
    # lexicographic: heuristic on w·first + eps·w·twice, bounds of both objectives
    wsum = float(mc.wy.sum())
    eps = (float(mc.wy[mc.wy > 0].min()) / (2.0 * wsum + 1.0)) if wsum > 0 else 0.0
    x_h = None
    if method in ("heuristic", "auto"):
        w3_big = 2.0 * (wsum * (1 + eps) + 1.0)
        x_h = _mc_heuristic(mc, mc.wy, eps * mc.wy, None, w3_big)
        if mc.B is not None and mc.B.shape[0]:
            bcnt = np.asarray(sp.csr_matrix(mc.B, dtype=np.int64) @ x_h.astype(np.int64)).ravel()
            if (bcnt == 0).any():
                x_h = None
    twice_lower = 0.0
    first_lower = 0.0
    if x_h is not None:
        cnt = np.asarray(A_int @ x_h.astype(np.int64)).ravel()
        first_lower = float(mc.wy[cnt >= 1].sum())
        twice_lower = float(mc.wy[cnt >= 2].sum())
    ub2, _ = _max_cover_bound(A_int, zeros, mc.wy, fixed_mask, mc.p_free - int(fixed_mask.sum()),
                              twice_lower, max_iter=max_iter)
    ub1, _ = _max_cover_bound(A_int, mc.wy, zeros, fixed_mask, mc.p_free - int(fixed_mask.sum()),
                              first_lower, max_iter=max_iter)
    extras.update(twice_relaxation_bound=ub2, first_coverage_bound=ub1)
    if method == "heuristic":
        if x_h is None:
            raise SolverError("backup_coverage: the heuristic found no set of sites meeting radius2; "
                              "use method='exact'.", status="heuristic")
        return _backup_result(cov, w, _mc_sites(mc, x_h), pp, ub2, None, time.perf_counter() - t0,
                              method, stopped, extras, mip_gap)
    # stage 1: first coverage (MCLP with the radius2 rows)
    x1, z1 = x_h, first_lower
    b1 = ub1
    if x_h is None or relative_gap(first_lower, ub1) > mip_gap:
        model1 = _maxcov_model(mc, 1.0, 0.0, name="backup_stage1")
        rem = max((tl - (time.perf_counter() - t0)) / 2, 0.5)
        s1 = solve(model1, solver=solver, time_limit=rem, mip_gap=mip_gap,
                   start=_mc_start(mc, x_h) if x_h is not None else None, verbose=verbose,
                   options=_highs_options(model1))
        b1 = min(b1, s1.bound)
        if s1.has_solution:
            xs = s1.x[: mc.cols.size] > 0.5
            cnt = np.asarray(A_int @ xs.astype(np.int64)).ravel()
            zs = float(mc.wy[cnt >= 1].sum())
            if x1 is None or zs >= z1:
                x1, z1 = xs, zs
        extras["stage1_solver_status"] = s1.solver_status
    if x1 is None:
        raise SolverError("backup_coverage: no solution found in the first stage within the time limit.",
                          status="time_limit")
    stage1_optimal = relative_gap(z1, b1) <= mip_gap
    extras.update(first_coverage_bound=b1, first_stage_optimal=bool(stage1_optimal))
    # stage 2: second coverage with first coverage held at z1
    cnt = np.asarray(A_int @ x1.astype(np.int64)).ravel()
    t1 = float(mc.wy[cnt >= 2].sum())
    model2 = _maxcov_model(mc, 0.0, 1.0, min_first=z1 - 1e-9 * max(1.0, abs(z1)), name="backup_stage2")
    rem = max(tl - (time.perf_counter() - t0), 0.5)
    s2 = solve(model2, solver=solver, time_limit=rem, mip_gap=mip_gap, start=_mc_start(mc, x1),
               verbose=verbose, options=_highs_options(model2))
    x2 = x1
    if s2.has_solution:
        xs = s2.x[: mc.cols.size] > 0.5
        c2 = np.asarray(A_int @ xs.astype(np.int64)).ravel()
        if float(mc.wy[c2 >= 1].sum()) >= z1 - 1e-9 * max(1.0, abs(z1)) and float(mc.wy[c2 >= 2].sum()) >= t1:
            x2 = xs
    extras["solver_status"] = s2.solver_status
    bound = min(s2.bound, ub2) if stage1_optimal else ub2
    return _backup_result(cov, w, _mc_sites(mc, x2), pp, bound, None, time.perf_counter() - t0, method,
                          stopped, extras, mip_gap)
