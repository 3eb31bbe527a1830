r"""Capacitated and uncapacitated facility location (fixed + allocation costs).

:func:`capacitated_location` opens sites with a fixed cost each and allocates
every demand row to them within their capacities, minimising fixed plus
allocation costs. ``cost[i, j]`` is the cost of serving *all* of row i's demand
from site j (the OR-Library convention); a row split between sites pays each
site's cost pro rata. With ``capacity=None`` it is the uncapacitated facility
location problem.

References
----------
.. [1] Balinski, M. L. (1965). Integer programming: methods, uses, computation.
   Management Science 12(3), 253-313 (the strong formulation ``x_ij <= y_j``).
.. [2] Beasley, J. E. (1988). An algorithm for solving large capacitated warehouse
   location problems. European Journal of Operational Research 33, 314-325.
.. [3] Cornuejols, G., Sridharan, R. and Thizy, J. M. (1991). A comparison of
   heuristics and relaxations for the capacitated plant location problem.
   European Journal of Operational Research 50, 280-297 (the aggregate capacity
   inequality).
.. [4] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
   Combinatorial Optimization 19(1), 69-83 (the sorted-cost formulation used for
   the uncapacitated case).
.. [5] Görtz, S. and Klose, A. (2012). A simple but usually fast branch-and-bound
   algorithm for the capacitated facility location problem. INFORMS Journal on
   Computing 24(4), 597-610 (the tree search of :mod:`yingji.siting._cap_bnb`).

Here: the public functions, their checks, the MIP route and its greedy fallback. The models
(strong formulation, transportation LP, reduced model) are in
:mod:`yingji.siting._capacitated_models`, Beasley's Lagrangian route in
:mod:`yingji.siting._cap_lagrangian`, its branch and bound in :mod:`yingji.siting._cap_bnb`.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Problems, check_array, describe_positions
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult
from yingji.siting._cap_lagrangian import _capacitated_lagrangian
from yingji.siting._capacitated_models import _HIGHS_SETUP_NNZ_PER_S, _build
from yingji.siting._inputs import check_fixed, check_mip_gap, check_time_limit, make_result, prepare_cost
from yingji.siting.registry import BuiltModel, register
from yingji.solvers import Solution, solve

# internals that tests call through this module (they live in the modules above; patch their
# constants there, where they are looked up)
from yingji.siting._cap_lagrangian import _knapsack_data, _repair, _run_tree  # noqa: F401
from yingji.siting._capacitated_models import _transport  # noqa: F401

__all__ = ["capacitated_location", "build_capacitated_location", "location_cost"]

#: n * m from which "auto" takes the Lagrangian route.
_LAGRANGIAN_MIN_SIZE = 20_000


def _vector(v, m, name, func, probs, *, allow_inf=False, default=None):
    if v is None:
        return default
    return check_array(probs, name, v, m, scalar_ok=True, allow_inf=allow_inf,
                       default=np.zeros(m), what="one per site")


def _check(func, cost, demand, capacity, fixed_cost, fixed, time_limit, mip_gap):
    probs = Problems(func)
    ci = prepare_cost(cost, func, probs=probs)
    if ci.C.ndim != 2 or ci.C.size == 0:
        probs.raise_if_any()
    n, m = ci.C.shape
    d = _vector(demand, n, "demand", func, probs, default=np.ones(n))
    cap = _vector(capacity, m, "capacity", func, probs, allow_inf=True, default=None)
    f = _vector(fixed_cost, m, "fixed_cost", func, probs, default=np.zeros(m))
    if fixed_cost is None:
        probs.param("fixed_cost", f"a number or an array of {m} non-negative numbers", None)
    fx = check_fixed(fixed, m, probs, labels=ci.col_ids)
    tl = check_time_limit(time_limit, probs)
    check_mip_gap(mip_gap, probs)
    probs.raise_if_any()
    return ci, d, cap, f, fx, tl


def location_cost(cost, allocation, fixed_cost, sites=None) -> float:
    """Fixed costs of the open sites plus pro-rata allocation costs: the checker of
    :func:`capacitated_location`.

    Parameters
    ----------
    cost : array_like, shape (n, m)
        Cost of serving all of row i from site j.
    allocation : array_like or scipy.sparse matrix, shape (n, m)
        Share of each row served by each site (rows sum to 1).
    fixed_cost : float or array_like, shape (m,)
    sites : sequence of int, optional
        Open sites (default: every site with a positive share).

    Examples
    --------
    >>> location_cost([[1., 3.], [2., 2.]], [[1, 0], [0.5, 0.5]], [10., 20.])
    33.0
    """
    probs = Problems("location_cost")
    ci = prepare_cost(cost, "location_cost", probs=probs)
    f = _vector(fixed_cost, ci.m, "fixed_cost", "location_cost", probs)
    probs.raise_if_any()
    try:
        X = sp.csr_matrix(allocation, dtype=float)
    except (TypeError, ValueError) as exc:
        probs.param("allocation", f"a {ci.n} × {ci.m} array of shares", f"values that are not numbers "
                    f"({str(exc)[:60]})")
        probs.raise_if_any()
    if X.shape != (ci.n, ci.m):
        probs.param("allocation", f"a {ci.n} × {ci.m} array of shares (the shape of 'cost')",
                    f"an array with shape {X.shape}")
    elif X.nnz and not (np.isfinite(X.data).all() and (X.data >= 0).all()):
        badv = X.data[~(np.isfinite(X.data) & (X.data >= 0))]
        probs.param("allocation", "shares that are finite and non-negative",
                    f"shares {', '.join(f'{x:g}' for x in badv[:3])}{' and more' if badv.size > 3 else ''}")
    if sites is not None:
        sites = check_fixed(sites, ci.m, probs, labels=ci.col_ids, name="sites")
    probs.raise_if_any()
    if sites is None:
        sites = np.unique(X.nonzero()[1])
    Xc = X.tocoo()
    alloc = float(np.sum(Xc.data * ci.C[Xc.row, Xc.col]))
    return float(f[np.asarray(sites, dtype=np.int64)].sum() + alloc)


@register("capacitated_location")
def build_capacitated_location(cost, demand, capacity, fixed_cost, *, single_source=False, fixed=None) -> BuiltModel:
    r"""The facility location model as a :class:`~yingji.siting.registry.BuiltModel`
    (``yj.siting.build("capacitated_location", ...)``): ``.model``, ``.solve()``, ``.to_pulp()``.

    Columns: ``y`` (one per site, in ``model.meta["sites"]`` order), then the
    allocation shares ``x`` of the finite entries of ``cost`` (row-major), or,
    when uncapacitated, the sorted-cost variables of Elloumi's formulation.

    Parameters
    ----------
    cost, demand, capacity, fixed_cost, single_source, fixed
        As in :func:`capacitated_location`.

    Returns
    -------
    BuiltModel

    Raises
    ------
    ValidationError, InfeasibleError
        As in :func:`capacitated_location` (the capacity checks run before building).

    Notes
    -----
    Capacitated (strong formulation: Balinski 1965; Cornuejols, Sridharan and Thizy 1991, see the module References):

    .. math::

        \min \sum_j f_j y_j + \sum_{ij} c_{ij} x_{ij}\quad \text{s.t.}\quad
        \sum_j x_{ij} = 1,\;
        \sum_i d_i x_{ij} \le s_j y_j,\;
        x_{ij} \le y_j,\;
        \sum_j s_j y_j \ge \sum_i d_i,\;
        y \in \{0, 1\},\ x \in [0, 1]\ (\{0,1\} \text{ single source}).
    """
    ci, d, cap, f, fx, _ = _check("build_capacitated_location", cost, demand, capacity, fixed_cost, fixed, 60, 0.0)
    fm = np.zeros(ci.m, dtype=bool)
    fm[fx] = True
    _infeasibility_checks("capacitated_location", ci.C, d, cap, single_source, ci)
    model = _build(ci.C, d, cap, f, fm, single_source)

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        return _decode(sol, model, ci, d, f, seconds, method, config.MIP_GAP, single_source)

    return BuiltModel("capacitated_location", model, decode, info={"kind": model.meta["kind"]})


def capacitated_location(
    cost,
    demand,
    capacity,
    fixed_cost,
    *,
    single_source=False,
    fixed=None,
    method="auto",
    time_limit=config.TIME_LIMIT,
    mip_gap=config.MIP_GAP,
    solver=None,
    verbose=False,
) -> SitingResult:
    r"""Open sites and allocate demand to them at least total fixed + allocation cost.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        ``cost[i, j]``: cost of serving *all* of row i's demand from site j
        (e.g. demand x unit transport cost; ``inf`` = not allowed). A split row
        pays each site's cost pro rata.
    demand : array_like, shape (n,)
        Demand of each row (persons, tonnes...), in the unit of ``capacity``.
    capacity : float, array_like of shape (m,), or None
        Site capacities (``inf`` = unlimited); None: uncapacitated facility location.
    fixed_cost : float or array_like, shape (m,)
        Cost of opening each site.
    single_source : bool
        Serve each row from one site only (default: demand may be split).
    fixed : sequence of int, optional
        Existing sites that stay open (their fixed cost is counted).
    method : {"auto", "lagrangian", "mip"}
        ``"mip"``: the strong formulation solved by HiGHS (uncapacitated: the
        compact sorted-cost formulation). ``"lagrangian"`` (splittable
        demand only, capacitated or not; with ``single_source`` as ``"mip"``;
        uncapacitated runs it with every capacity at the total demand): Beasley's Lagrangian
        relaxation [2]_ of the demand constraints (one continuous knapsack per
        site plus a covering knapsack on the sites that keeps the aggregate
        capacity inequality) optimised by subgradient, with a
        transportation-LP heuristic and local search on the sites it opens;
        then a depth-first branch and bound on the sites with that Lagrangian
        bound at every node [5]_ (warm-started multipliers, penalty tests,
        transportation-LP incumbents), and, when the tree cannot be exhausted
        in time, HiGHS on the strong formulation restricted to the sites left
        by reduced-cost fixing, with the incumbent as MIP start. ``"auto"``:
        ``"lagrangian"`` when ``n * m >= 20000`` and the default solver is
        used, else ``"mip"``.
    time_limit : float
        Seconds; the best solution found by then is returned with
        ``status="time_limit"``.
    mip_gap : float
        Relative gap at which the optimum counts as proven.
    solver : None or PuLP solver
        HiGHS by default; a PuLP solver object goes through the bridge.
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` fixed + allocation cost, ``allocation`` a CSR matrix of
        shares (rows sum to 1), ``assignment`` the site serving each row's
        largest share; ``extras`` holds ``fixed_cost``, ``allocation_cost``
        and ``load`` (demand served per open site).

    Raises
    ------
    ValidationError
        Bad input.
    InfeasibleError
        Total capacity below total demand (splittable), a row larger than every
        capacity (single source), rows no site can serve, or no feasible
        allocation at all; the message says by how much.

    See Also
    --------
    location_cost : recompute the objective from an allocation.
    build_capacitated_location : the model itself.
    p_median

    Notes
    -----
    See :func:`build_capacitated_location` for the formulation. The
    uncapacitated case uses the sorted-cost formulation of Elloumi [4]_ with
    fixed costs on the site variables.

    The Lagrangian route reports its figures in ``extras``:
    ``lagrangian_bound``, ``heuristic_objective``, ``tree_nodes``,
    ``tree_lp_calls``, ``tree_finished``, ``tree_bound`` and, when the MIP
    fallback runs, ``sites_fixed`` (sites fixed open or closed by reduced
    costs), ``reduced_sites`` (sites left in the MIP) and ``mip_status``. Its
    ``bound`` is the smallest Lagrangian bound over the pruned nodes, the
    fixed-away branches and the nodes still open (after a fallback, the larger
    of that and the reduced MIP's bound), so ``optimal`` holds for the whole
    problem.

    References
    ----------
    .. [1] Balinski (1965); Cornuejols, Sridharan and Thizy (1991); Elloumi
       (2010): full entries in :mod:`yingji.siting.capacitated`.
    .. [2] Beasley, J. E. (1988). An algorithm for solving large capacitated
       warehouse location problems. European Journal of Operational Research
       33, 314-325.
    .. [4] Elloumi, S. (2010). A tighter formulation of the p-median problem.
       Journal of Combinatorial Optimization 19(1), 69-83.
    .. [5] Görtz, S. and Klose, A. (2012). A simple but usually fast
       branch-and-bound algorithm for the capacitated facility location
       problem. INFORMS Journal on Computing 24(4), 597-610.

    Examples
    --------
    >>> r = capacitated_location([[1., 4.], [4., 1.], [2., 2.]], [1, 1, 1], [2, 2], [5., 5.])
    >>> r.sites.tolist(), r.objective
    ([0, 1], 14.0)
    """
    t0 = time.perf_counter()
    func = "capacitated_location"
    ci, d, cap, f, fx, tl = _check(func, cost, demand, capacity, fixed_cost, fixed, time_limit, mip_gap)
    probs = Problems(func)
    if method not in ("auto", "lagrangian", "mip"):
        probs.param("method", "one of {'auto', 'lagrangian', 'mip'}", method)
    probs.raise_if_any()
    mip_gap = float(mip_gap)
    C = ci.C
    n, m = C.shape
    _infeasibility_checks(func, C, d, cap, single_source, ci)
    fm = np.zeros(m, dtype=bool)
    fm[fx] = True
    lagr = not single_source and solver is None and (
        method == "lagrangian" or (method == "auto" and n * m >= _LAGRANGIAN_MIN_SIZE))
    if lagr:
        # Uncapacitated: the same tree with every capacity at the total demand (never binding);
        # it proves OR-Library capa/b/c in ~2 s where the sorted-cost MIP takes 45-95 s.
        cap_l = np.full(m, float(d.sum())) if cap is None else cap
        res = _capacitated_lagrangian(ci, d, cap_l, f, fm, tl, t0, mip_gap, verbose)
        if res is not None:
            return res
    return _mip_route(ci, d, cap, f, fm, single_source, solver, tl, t0, mip_gap, verbose)


def _mip_route(ci, d, cap, f, fm, single_source, solver, tl, t0, mip_gap, verbose) -> SitingResult:
    """The strong formulation (uncapacitated: the sorted-cost one) handed to the solver; a greedy
    allocation when HiGHS could not set the model up in the time left or found no solution."""
    func = "capacitated_location"
    C = ci.C
    model = _build(C, d, cap, f, fm, single_source)
    remaining = max(0.05, tl - (time.perf_counter() - t0))
    if solver is None and model.A.nnz > _HIGHS_SETUP_NNZ_PER_S * remaining:
        # HiGHS does not watch the time limit while it loads and presolves; a model it could not
        # even set up in the time left is skipped so the limit holds (greedy incumbent, no bound).
        fb = _greedy_fallback(C, d, cap, f, fm, single_source)
        if fb is not None:
            sites, X = fb
            return _result_from_allocation(ci, d, f, sites, X, -np.inf, time.perf_counter() - t0,
                                           "greedy_fallback", mip_gap, single_source,
                                           {"mip_skipped": True, "model_nnz": int(model.A.nnz)})
    try:
        sol = solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, verbose=verbose)
    except InfeasibleError as exc:
        raise InfeasibleError(
            f"{func}: no allocation of the demand fits the capacities (every row is servable on its own, but "
            f"not all together" + (", each from a single site" if single_source else "") + ").",
            rows=[], reason="capacities",
        ) from exc
    if sol.x is None:
        # A time limit is not an error (DESIGN.md): return a greedy feasible allocation with the
        # solver's bound (if any) and status "time_limit".
        fb = _greedy_fallback(C, d, cap, f, fm, single_source)
        if fb is None:

            raise SolverError(f"{func}: no feasible solution found within the time limit of {tl:g} s "
                              "(and the greedy fallback found none either).", status=sol.solver_status)
        sites, X = fb
        return _result_from_allocation(ci, d, f, sites, X, sol.bound, time.perf_counter() - t0,
                                       "greedy_fallback", mip_gap, single_source,
                                       {"solver_status": sol.solver_status})
    return _decode(sol, model, ci, d, f, time.perf_counter() - t0,
                   "exact" if sol.solver == "highs" else sol.solver, mip_gap, single_source)


def _decode(sol, model, ci, d, f, seconds, method, mip_gap, single_source) -> SitingResult:
    C = ci.C
    n, m = C.shape
    func = "capacitated_location"
    y = sol.x[:m] > 0.5
    sites = np.nonzero(y)[0]
    if model.meta["kind"] == "ufl_compact":
        a = sites[np.argmin(C[:, sites], axis=1)]
        X = sp.csr_matrix((np.ones(n), (np.arange(n), a)), shape=(n, m))
    else:
        xv = np.clip(sol.x[m:], 0.0, 1.0)
        xv[xv < 1e-9] = 0.0
        X = sp.csr_matrix((xv, (model.meta["x_row"], model.meta["x_site"])), shape=(n, m))
        X.eliminate_zeros()
        rs = np.asarray(X.sum(axis=1)).ravel()
        X = sp.csr_matrix(sp.diags(1.0 / np.where(rs > 0, rs, 1.0)) @ X)
        a = np.asarray(X.argmax(axis=1)).ravel()
    Xc = X.tocoo()
    alloc_cost = float(np.sum(Xc.data * C[Xc.row, Xc.col]))
    fixed_total = float(f[sites].sum())
    obj = fixed_total + alloc_cost
    row_cost = np.asarray(sp.csr_matrix((Xc.data * C[Xc.row, Xc.col], (Xc.row, Xc.col)), shape=(n, m)).sum(axis=1)).ravel()
    load = np.asarray((sp.diags(d) @ X).sum(axis=0)).ravel()
    bound = min(sol.bound, obj) if np.isfinite(sol.bound) else -np.inf
    return make_result(
        func, sites=sites, objective=obj, bound=bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method,
        stopped="time_limit", mip_gap=mip_gap, row_cost=row_cost,
        mean_cost=float(row_cost @ d / d.sum()) if d.sum() > 0 else None, allocation=X,
        extras={"fixed_cost": fixed_total, "allocation_cost": alloc_cost,
                "load": {int(j): float(load[j]) for j in sites}, "single_source": bool(single_source),
                "model_size": {"rows": model.n_rows, "cols": model.n_cols, "nnz": int(model.A.nnz)}},
    )



def _greedy_fallback(C, d, cap, f, fixed_mask, single_source):
    """A feasible (not good) solution when the solver found none in time, or None.

    Uncapacitated: every site open, each row from its cheapest site. Capacitated: rows in
    decreasing demand, each to its cheapest sites with room left (split across them unless
    ``single_source``). Rows only reachable at infinite cost are never assigned.
    """
    n, m = C.shape
    fin = np.isfinite(C)
    if cap is None:
        a = np.argmin(np.where(fin, C, np.inf), axis=1)
        sites = np.unique(np.concatenate([a, np.nonzero(fixed_mask)[0]]))
        return sites, sp.csr_matrix((np.ones(n), (np.arange(n), a)), shape=(n, m))
    room = cap.astype(float).copy()
    rows, cols, vals = [], [], []
    for i in np.argsort(-d, kind="stable"):
        need = float(d[i])
        order = np.argsort(np.where(fin[i], C[i], np.inf), kind="stable")
        order = order[fin[i, order]]
        if need <= 0:
            rows.append(i); cols.append(int(order[0])); vals.append(1.0)
            continue
        if single_source:
            ok = order[room[order] >= need - 1e-9]
            if ok.size == 0:
                return None
            j = int(ok[0]); room[j] -= need
            rows.append(i); cols.append(j); vals.append(1.0)
            continue
        left = need
        for j in order:
            if room[j] <= 1e-12:
                continue
            take = min(left, room[j]); room[j] -= take; left -= take
            rows.append(i); cols.append(int(j)); vals.append(take / need)
            if left <= 1e-9 * max(1.0, need):
                break
        if left > 1e-9 * max(1.0, need):
            return None
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n, m))
    sites = np.unique(np.concatenate([np.asarray(cols, dtype=np.int64), np.nonzero(fixed_mask)[0]]))
    return sites, X


def _result_from_allocation(ci, d, f, sites, X, bound, seconds, method, mip_gap, single_source, extras):
    """A :class:`SitingResult` from open sites and an allocation (shares per row)."""
    C = ci.C
    n, m = C.shape
    Xc = X.tocoo()
    row_cost = np.zeros(n)
    np.add.at(row_cost, Xc.row, Xc.data * C[Xc.row, Xc.col])
    alloc_cost = float(row_cost.sum())
    fixed_total = float(f[sites].sum())
    obj = fixed_total + alloc_cost
    a = np.asarray(X.argmax(axis=1)).ravel()
    load = np.asarray((sp.diags(d) @ X).sum(axis=0)).ravel()
    bound = min(bound, obj) if np.isfinite(bound) else -np.inf
    return make_result(
        "capacitated_location", sites=sites, objective=obj, bound=bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method, stopped="time_limit", mip_gap=mip_gap, row_cost=row_cost,
        mean_cost=float(row_cost @ d / d.sum()) if d.sum() > 0 else None, allocation=X.tocsr(),
        extras={"fixed_cost": fixed_total, "allocation_cost": alloc_cost,
                "load": {int(j): float(load[j]) for j in sites}, "single_source": bool(single_source),
                **extras},
    )


def _infeasibility_checks(func, C, d, cap, single_source, ci):
    fin = np.isfinite(C)
    unreach = np.nonzero(~fin.any(axis=1))[0]
    if unreach.size:
        raise InfeasibleError(
            f"{func}: {unreach.size} demand rows cannot be served by any site (every cost is inf): rows "
            f"{describe_positions(unreach, ci.row_ids)}.",
            rows=[ci.row_ids[i] for i in unreach] if ci.row_ids is not None else unreach.tolist(),
            reason="unreachable from every site",
        )
    if cap is None:
        return
    total_d = float(d.sum())
    total_s = float(cap.sum())
    if total_s < total_d - 1e-9 * max(1.0, total_d):
        raise InfeasibleError(
            f"{func}: total capacity {total_s:g} is below total demand {total_d:g} (short by {total_d - total_s:g}).",
            rows=[], reason=f"capacity short by {total_d - total_s:g}",
        )
    if single_source:
        reach_cap = np.where(fin, cap[None, :], 0.0).max(axis=1)
        big = np.nonzero(d > reach_cap + 1e-9 * np.maximum(1.0, d))[0]
        if big.size:
            by = (d[big] - reach_cap[big]).max()
            raise InfeasibleError(
                f"{func}: with single_source=True, {big.size} rows have more demand than any site able to serve "
                f"them can hold (rows {describe_positions(big, ci.row_ids)}; the worst exceeds it by {by:g}).",
                rows=[ci.row_ids[i] for i in big] if ci.row_ids is not None else big.tolist(),
                reason=f"demand above every capacity by up to {by:g}",
            )
