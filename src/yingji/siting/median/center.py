"""p-center: a search over the sorted distinct weighted costs, each level a set-cover test (greedy
first, then a small MIP with row generation), and the builder :func:`build_p_center_cover`."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Interval, Problems, check_param
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult
from yingji.siting._inputs import check_fixed, check_weights, make_result, prepare_cost
from yingji.siting.median.common import _assign, _check_common, _penalised, _raise_unreachable
from yingji.solvers import SparseModel, solve

__all__ = ["p_center", "build_p_center_cover"]


def build_p_center_cover(cost, level, *, weights=None, fixed=None) -> SparseModel:
    r"""The set-cover test of :func:`p_center` at one level, as a :class:`~yingji.solvers.SparseModel`.

    Minimises the number of non-fixed sites needed so that every row not
    already served by a fixed site within ``level`` has an open site with
    :math:`w_i c_{ij} \le level`. ``p`` sites suffice at ``level`` iff the
    optimum is at most ``p - len(fixed)``.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
    level : float
        The weighted cost within which a row counts as covered.
    weights : array_like, shape (n,), optional
    fixed : sequence of int, optional

    Returns
    -------
    SparseModel
        One binary per non-fixed site (``model.meta["sites"]``), one row per row to cover.
    """
    probs = Problems("build_p_center_cover")
    ci = prepare_cost(cost, "build_p_center_cover", probs=probs)
    check_param(probs, "level", level,
                     Interval(float, text="a number (the weighted cost within which a row counts as covered)"))
    if ci.C.ndim != 2 or ci.C.size == 0:
        probs.raise_if_any()
    w = check_weights(weights, ci.n, "build_p_center_cover", probs)
    fx = check_fixed(fixed, ci.m, probs, labels=ci.col_ids)
    probs.raise_if_any()
    WC = _weighted(ci.C, w)
    fm = np.zeros(ci.m, dtype=bool)
    fm[fx] = True
    return _cover_model(WC, float(level), fm)


def _weighted(C, w):
    with np.errstate(invalid="ignore"):
        WC = np.where(w[:, None] > 0, w[:, None] * C, np.where(np.isfinite(C), 0.0, np.inf))
    return np.ascontiguousarray(WC)


def _cover_model(WC, level, fixed_mask) -> SparseModel:
    cov = WC <= level + config.COVER_TOL * max(1.0, abs(level))
    done = cov[:, fixed_mask].any(axis=1) if fixed_mask.any() else np.zeros(WC.shape[0], dtype=bool)
    free = ~fixed_mask
    sub = cov[~done][:, free]
    A = sp.csr_matrix(sub.astype(np.float64))
    k = int(free.sum())
    return SparseModel(
        np.ones(k), A, np.ones(A.shape[0]), np.full(A.shape[0], np.inf), np.zeros(k), np.ones(k),
        np.ones(k, dtype=bool), "min", 0.0, name="p_center_cover",
        meta={"sites": np.nonzero(free)[0], "level": level},
    )


def p_center(
    cost,
    p,
    *,
    weights=None,
    fixed=None,
    method="auto",
    time_limit=config.TIME_LIMIT,
    mip_gap=config.MIP_GAP,
    solver=None,
    seed=0,
    verbose=False,
) -> SitingResult:
    r"""Open ``p`` sites minimising the largest weighted cost from a row to its nearest open site.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        Demand x sites costs (minutes, metres; ``inf`` = unreachable).
    p : int
        Number of open sites, fixed ones included.
    weights : array_like, shape (n,), optional
        Row weights (default 1): the objective is :math:`\max_i w_i \min_j c_{ij}`.
        Rows of weight 0 are served but do not count.
    fixed : sequence of int, optional
        Existing sites that stay open.
    method : {"auto", "heuristic"}
        ``"auto"``: exact search over the sorted distinct weighted costs;
        ``"heuristic"``: the greedy set-cover search only (upper bound) with the
        proven lower bound found on the way.
    time_limit : float
        Seconds for the whole call.
    mip_gap : float
        Relative gap at which the optimum counts as proven.
    solver : None or PuLP solver
        Solver of the set-cover tests (HiGHS by default).
    seed : int
        Unused (the search is deterministic); kept for a uniform signature.
    verbose : bool
        Print solver logs.

    Returns
    -------
    SitingResult
        ``objective`` the largest weighted cost, ``bound`` a proven lower bound,
        ``mean_cost`` the weighted mean cost; ``extras["levels_tested"]`` and
        ``extras["cover_solves"]`` describe the search.

    Raises
    ------
    ValidationError
        Bad input.
    InfeasibleError
        A row cannot be reached from any site, or no ``p`` sites reach every row.
    SolverError
        The time limit ran out before any set of ``p`` sites serving every row was found
        (only when the greedy cover fails even at the largest level; there is no result to return).

    See Also
    --------
    center_cost, build_p_center_cover, p_median

    Notes
    -----
    The optimum :math:`r^*` is one of the distinct values :math:`w_i c_{ij}` and
    is the smallest ``r`` with

    .. math::

        \min \Big\{ \sum_j y_j : \sum_{j:\, w_i c_{ij} \le r} y_j \ge 1\ \forall i,\
        y_j = 1\ (j \in F),\ y \in \{0,1\}^m \Big\} \le p

    (Minieka 1970 [7]_; Daskin 2000 [8]_). The search starts from the lower
    bound :math:`\max_i \min_j w_i c_{ij}` and the upper bound of a greedy
    cover search, then bisects over the distinct values between them: a greedy
    cover of at most ``p`` sites proves feasibility cheaply, otherwise the
    set-cover MIP decides.

    References
    ----------
    .. [7] Minieka, E. (1970). The m-center problem. SIAM Review 12(1), 138-139.
    .. [8] Daskin, M. S. (2000). A new approach to solving the vertex p-center problem to
       optimality: algorithm and computational results. Communications of the
       Operations Research Society of Japan 45(9), 428-436.
    .. [9] Contardo, C., Iori, M. and Kramer, R. (2019). A scalable exact algorithm for
       the vertex p-center problem. Computers & Operations Research 103, 211-220 (the
       row generation of each set-cover test).

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0., 4., 9.], [4., 0., 5.], [9., 5., 0.], [8., 4., 1.]])
    >>> r = p_center(cost, 2)
    >>> r.objective, r.optimal
    (4.0, True)
    """
    t0 = time.perf_counter()
    ci, w, fx, p, tl = _check_common("p_center", cost, p, weights, fixed, time_limit, mip_gap, method,
                                     ("auto", "heuristic"))
    mip_gap = float(mip_gap)
    C = ci.C
    _raise_unreachable("p_center", C, ci)
    n, m = C.shape
    deadline = t0 + tl
    fixed_mask = np.zeros(m, dtype=np.bool_)
    fixed_mask[fx] = True
    allowed = np.ones(m, dtype=np.bool_)
    WC = _weighted(C, w)
    levels = np.unique(WC[np.isfinite(WC)])
    # lower bound: every row needs some site
    row_best = WC.min(axis=1)
    lb = float(row_best.max())
    lo = int(np.searchsorted(levels, lb - 1e-12 * max(1.0, abs(lb))))
    extras = {"levels_tested": 0, "cover_solves": 0}
    best_sites = _greedy_search(WC, levels, lo, fixed_mask, allowed, p, solver, deadline, mip_gap, verbose, extras)
    best_val = float(_weighted_center(WC, best_sites))
    hi = int(np.searchsorted(levels, best_val - 1e-12 * max(1.0, abs(best_val))))
    lo_level = lo
    timed_out = False
    if method == "auto":
        best_sites, lo_level, timed_out = _exact_search(WC, levels, lo_level, hi, best_sites, fixed_mask, p, solver,
                                                        deadline, mip_gap, verbose, extras)
    best_sites = _pad_sites(C, w, best_sites, fixed_mask, p)
    best_val = float(_weighted_center(WC, best_sites))
    bound = float(levels[lo_level]) if lo_level < levels.size else best_val
    bound = min(bound, best_val)
    sites = np.sort(np.asarray(best_sites, dtype=np.int64))
    asg, d = _assign(C, sites)
    wt = float(w.sum())
    with np.errstate(invalid="ignore"):
        mean = float(np.where(w > 0, w * d, 0.0).sum() / wt) if wt > 0 else float("nan")
    return make_result(
        "p_center", sites=sites, objective=best_val, bound=bound, sense="min", ci=ci, assignment=asg,
        seconds=time.perf_counter() - t0, method=method, stopped="heuristic" if method == "heuristic" and not timed_out
        else "time_limit", mip_gap=mip_gap, row_cost=d, mean_cost=mean, extras=extras,
    )


def _greedy_search(WC, levels, lo, fixed_mask, allowed, p, solver, deadline, mip_gap, verbose, extras):
    """The upper bound of :func:`p_center`: bisection over ``levels[lo:]`` on greedy feasibility
    (greedy is not monotone; the best sites found are kept). When even the largest level fails
    greedily the set-cover MIP decides it; raises when it is infeasible or undecided in time."""
    from yingji._kernels.median import _center_greedy_cover_level

    hi_idx = levels.size - 1

    def greedy(k):
        extras["levels_tested"] += 1
        return _center_greedy_cover_level(WC, float(levels[k]) + config.COVER_TOL * max(1.0, abs(levels[k])),
                                          fixed_mask, allowed, p)

    # greedy upper bound: bisection on greedy feasibility (greedy is not monotone; keep the best found)
    g_hi = greedy(hi_idx)
    if g_hi.size == 0:
        # even the largest level fails greedily: decide with the MIP
        res = _cover_exact(WC, float(levels[hi_idx]), fixed_mask, p, solver, deadline, mip_gap, verbose, extras)
        if isinstance(res, str):
            raise SolverError("p_center: the time limit was reached before any feasible set of p sites was found.",
                              status="time_limit")
        if isinstance(res, tuple):
            raise InfeasibleError(
                f"p_center: no choice of {p} sites reaches every demand row; at least {res[1]} sites "
                f"(fixed ones included) are needed.",
                rows=[], reason=f"needs at least {res[1]} sites",
            )
        best_sites = res
    else:
        best_sites = g_hi
    a, b = lo, hi_idx
    while a < b:
        mid = (a + b) // 2
        g = greedy(mid)
        if g.size:
            best_sites = g
            b = mid
        else:
            a = mid + 1
    return best_sites


def _exact_search(WC, levels, lo_level, hi, best_sites, fixed_mask, p, solver, deadline, mip_gap, verbose, extras):
    """Exact bisection of :func:`p_center` on ``levels[lo_level:hi]``: is level k feasible with p sites
    (:func:`_cover_exact`)? Returns ``(best_sites, lowest level index not ruled out, timed_out)``."""
    timed_out = False
    # exact bisection on [lo, hi): is level k feasible with p sites?
    pool: set = set()
    a, b = lo_level, hi
    while a < b:
        if time.perf_counter() >= deadline:
            timed_out = True
            break
        mid = (a + b) // 2
        res = _cover_exact(WC, float(levels[mid]), fixed_mask, p, solver, deadline, mip_gap, verbose, extras,
                           pool)
        if isinstance(res, str):  # "timeout": undecided
            timed_out = True
            break
        if isinstance(res, tuple):
            a = mid + 1
        else:
            best_sites = res
            b = mid
    return best_sites, a, timed_out


def _weighted_center(WC, sites):
    return WC[:, np.asarray(sites, dtype=np.int64)].min(axis=1).max()


def _pad_sites(C, w, sites, fixed_mask, p):
    """Extend ``sites`` to ``p`` sites greedily by total weighted cost (never worsens a row)."""
    from yingji._kernels.median import _greedy_median

    sites = np.unique(np.asarray(sites, dtype=np.int64))
    if len(sites) >= p:
        return sites
    fm = fixed_mask.copy()
    fm[sites] = True
    allowed = np.ones(C.shape[1], dtype=np.bool_)
    out = _greedy_median(_penalised(C, w), w, fm, allowed, p)
    return np.sort(out)


def _cover_exact(WC, level, fixed_mask, p, solver, deadline, mip_gap, verbose, extras, pool=None):
    """Sites covering every row within ``level`` with at most ``p`` sites; ``("infeasible", k)``
    if impossible (``k`` a lower bound on the sites needed, fixed included); ``"timeout"`` when
    undecided.

    Row generation (Contardo, Iori and Kramer 2019): the minimum cover is solved on a subset of
    the rows (a relaxation: more than ``p`` sites there means infeasible); rows the chosen sites
    leave uncovered are added until the chosen sites cover every row. ``pool`` (a set of row
    positions) carries hard rows from one level to the next.
    """
    n = WC.shape[0]
    n_fx = int(fixed_mask.sum())
    k_free = p - n_fx
    cov = WC <= level + config.COVER_TOL * max(1.0, abs(level))
    need = ~cov[:, fixed_mask].any(axis=1) if n_fx else np.ones(n, dtype=bool)
    if not need.any():
        return np.nonzero(fixed_mask)[0]
    free_sites = np.nonzero(~fixed_mask)[0]
    covf = cov[:, free_sites]
    cnt = covf.sum(axis=1)
    if (need & (cnt == 0)).any():
        return ("infeasible", np.inf)
    if k_free <= 0:
        return ("infeasible", n_fx + 1)
    pool = set() if pool is None else pool
    need_idx = np.nonzero(need)[0]
    hard = need_idx[np.argsort(cnt[need_idx], kind="stable")]
    S = set(int(i) for i in hard[: max(10, 2 * k_free)]) | {i for i in pool if need[i]}
    gap = min(mip_gap if mip_gap > 0 else 1.0, 0.5 / (k_free + 2))
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            return "timeout"
        rows = np.fromiter(sorted(S), dtype=np.int64)
        A = sp.csr_matrix(covf[rows].astype(np.float64))
        k = free_sites.size
        model = SparseModel(np.ones(k), A, np.ones(rows.size), np.full(rows.size, np.inf), np.zeros(k), np.ones(k),
                            np.ones(k, dtype=bool), "min", 0.0, name="p_center_cover_rows")
        extras["cover_solves"] += 1
        sol = solve(model, solver=solver, time_limit=remaining, mip_gap=gap, verbose=verbose)
        if np.isfinite(sol.bound) and np.ceil(sol.bound - 1e-6) > k_free:
            pool.update(S)
            return ("infeasible", int(np.ceil(sol.bound - 1e-6)) + n_fx)
        if sol.x is None or sol.objective > k_free + 0.5:
            return "timeout"
        chosen = free_sites[sol.x > 0.5]
        unc = need & ~cov[:, chosen].any(axis=1)
        if not unc.any():
            pool.update(S)
            return np.concatenate([np.nonzero(fixed_mask)[0], chosen]).astype(np.int64)
        ui = np.nonzero(unc)[0]
        ui = ui[np.argsort(cnt[ui], kind="stable")][: max(10, k_free)]
        S.update(int(i) for i in ui)
