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
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError
from yingji.results import SitingResult
from yingji.siting._inputs import check_fixed, check_mip_gap, check_time_limit, make_result, prepare_cost
from yingji.siting.build import BuiltModel, register
from yingji.solvers import Solution, SparseModel, solve

__all__ = ["capacitated_location", "build_capacitated_location", "location_cost"]


def _vector(v, m, name, func, probs, *, allow_inf=False, default=None):
    if v is None:
        return default
    try:
        a = np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        probs.param(name, f"a number or an array of {m} numbers", v)
        return np.zeros(m)
    if a.size == 1:
        a = np.full(m, float(a[0]))
    if a.size != m:
        probs.param(name, f"a number or an array of {m} numbers", f"{a.size} values")
        return np.zeros(m)
    bad = np.nonzero(np.isnan(a) | (a < 0) | (np.isinf(a) if not allow_inf else False))[0]
    if bad.size:
        what = "non-negative numbers" + ("" if allow_inf else ", finite")
        probs.add(f"The {name!r} parameter of {func} must hold {what}. Got bad values at positions "
                  f"{describe_positions(bad)}.")
    return np.ascontiguousarray(a)


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
    X = sp.csr_matrix(allocation, dtype=float)
    if sites is None:
        sites = np.unique(X.nonzero()[1])
    Xc = X.tocoo()
    alloc = float(np.sum(Xc.data * ci.C[Xc.row, Xc.col]))
    return float(f[np.asarray(sites, dtype=np.int64)].sum() + alloc)


@register("capacitated_location")
def build_capacitated_location(cost, demand, capacity, fixed_cost, *, single_source=False, fixed=None) -> BuiltModel:
    r"""The facility location model as a :class:`~yingji.siting.build.BuiltModel`
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


def _build(C, d, cap, f, fixed_mask, single_source) -> SparseModel:
    n, m = C.shape
    if cap is None and not single_source:
        from yingji.siting.median import _build_compact

        mm = _build_compact(C, np.ones(n), fixed_mask, np.ones(m, dtype=bool), None, site_cost=f)
        model = mm.model
        model.meta["kind"] = "ufl_compact"
        return model
    fin = np.isfinite(C)
    ii, jj = np.nonzero(fin)
    nx = ii.size
    xc = m + np.arange(nx)
    rows = [ii, n + np.arange(nx), n + np.arange(nx)]
    cols = [xc, xc, jj]
    vals = [np.ones(nx), np.ones(nx), -np.ones(nx)]
    lo = [np.ones(n), np.full(nx, -np.inf)]
    hi = [np.ones(n), np.zeros(nx)]
    r0 = n + nx
    if cap is not None:
        capf = np.where(np.isfinite(cap), cap, d.sum() + 1.0)  # inf capacity: never binding
        rows += [r0 + jj, r0 + np.arange(m)]
        cols += [xc, np.arange(m)]
        vals += [d[ii], -capf]
        lo.append(np.full(m, -np.inf))
        hi.append(np.zeros(m))
        # aggregate capacity cut
        rows.append(np.full(m, r0 + m))
        cols.append(np.arange(m))
        vals.append(capf)
        lo.append([d.sum()])
        hi.append([np.inf])
        r0 += m + 1
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, m + nx))
    c = np.concatenate([f, C[ii, jj]])
    col_lo = np.zeros(m + nx)
    col_lo[:m] = fixed_mask.astype(float)
    col_hi = np.ones(m + nx)
    integ = np.zeros(m + nx, dtype=bool)
    integ[:m] = True
    if single_source:
        integ[m:] = True
    return SparseModel(
        c, A, np.concatenate(lo), np.concatenate(hi), col_lo, col_hi, integ, "min", 0.0,
        name="capacitated_location",
        meta={"sites": np.arange(m), "n_y": m, "x_row": ii, "x_site": jj, "kind": "cflp"},
    )


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
            from yingji.exceptions import SolverError

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


#: Nonzeros HiGHS sets up per second (load + presolve), as measured for p-median
#: (:mod:`yingji.siting.median`): larger models than the time left allows are not handed to it.
_HIGHS_SETUP_NNZ_PER_S = 300_000.0


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


# ----------------------------------------------------------------------------- Lagrangian + reduced MIP
_KNAPSACK_UNITS = 4000
_LAGRANGIAN_MIN_SIZE = 20_000  # n * m from which "auto" takes the Lagrangian route  # resolution of the covering knapsack on the site variables


#: Open sets up to this size are priced by successive shortest paths (faster than HiGHS's LP there:
#: ~1 ms against ~35 ms at 1,000 rows x 12 sites; at 5,000 x 150, tight, it is 2x slower).
_SSP_MAX_SITES = 60
#: Conservative rate of the shortest-path kernel's inner steps (for its augmentation budget).
_SSP_STEPS_PER_S = 2e8


def _transport(C, d, cap, sites, time_limit):
    """Cheapest splittable allocation of every row to the open ``sites`` (a transportation LP).

    Returns ``(cost, X)`` with ``X`` the (n, len(sites)) shares, or ``(inf, None)``. Solved by
    successive shortest paths between the sites (numba, :func:`_transport_ssp`; ~1 ms at 1,000 rows
    against ~35 ms for HiGHS's LP), with HiGHS as the fallback when that gives up.
    """
    from yingji._kernels.capacitated import _transport_ssp

    n = C.shape[0]
    k = sites.size
    Cs = np.ascontiguousarray(C[:, sites], dtype=np.float64)
    if 0 < k <= _SSP_MAX_SITES:
        # augmentations within the time left (each costs ~n*k + k^3 steps); HiGHS takes over after
        max_aug = int(min(20 * (n + k) + 100, max(0.0, time_limit) * _SSP_STEPS_PER_S / (n * k + k ** 3)))
        val, Xf = _transport_ssp(Cs, np.ascontiguousarray(d, dtype=np.float64),
                                 np.ascontiguousarray(cap[sites], dtype=np.float64), max_aug)
        if np.isfinite(val):
            return float(val), Xf
    fin = np.isfinite(Cs)
    ii, kk = np.nonzero(fin)
    nx = ii.size
    capk = np.where(np.isfinite(cap[sites]), cap[sites], d.sum() + 1.0)
    A = sp.csr_matrix((np.concatenate([np.ones(nx), d[ii]]),
                       (np.concatenate([ii, n + kk]), np.concatenate([np.arange(nx), np.arange(nx)]))),
                      shape=(n + k, nx))
    model = SparseModel(Cs[ii, kk], A, np.concatenate([np.ones(n), np.full(k, -np.inf)]),
                        np.concatenate([np.ones(n), capk]), np.zeros(nx), np.ones(nx),
                        np.zeros(nx, dtype=bool), "min", 0.0, name="transportation")
    try:
        sol = solve(model, time_limit=max(0.05, time_limit))
    except InfeasibleError:
        return np.inf, None
    if sol.x is None or sol.status != "optimal":
        return np.inf, None
    X = np.zeros((n, k))
    X[ii, kk] = np.clip(sol.x, 0.0, 1.0)
    return float(np.sum(X[fin] * Cs[fin])), X


def _knapsack_data(d, cap):
    """Integer sizes ``a`` and target ``b`` of the covering knapsack Σ a_j y_j >= b: capacities and
    total demand in units of D / 4000, sizes rounded up and the target rounded up (a relaxation)."""
    D = float(d.sum())
    g = max(1.0, D / _KNAPSACK_UNITS)
    b = int(np.ceil(D / g - 1e-9))
    a = np.where(np.isfinite(cap), np.ceil(np.minimum(cap, D) / g - 1e-12), b).astype(np.int64)
    return np.ascontiguousarray(np.minimum(a, b)), max(b, 0)


def _repair(sites_mask, v, cap, D):
    """Open the cheapest further sites (by Lagrangian value) until capacity covers demand."""
    y = sites_mask.copy()
    if np.sum(np.where(y, cap, 0.0)) >= D:
        return y
    for j in np.argsort(v):
        if not y[j]:
            y[j] = True
            if np.sum(np.where(y, cap, 0.0)) >= D:
                break
    return y


def _lagrangian_cflp(C, d, cap, f, fm, deadline, max_iter=600, u0=None, ub0=np.inf, lam0=2.0, heuristic=True):
    """Subgradient optimisation of Beasley's Lagrangian relaxation with a transportation-LP heuristic.

    Returns ``(LB, u, UB, best_sites_mask, (sites, shares), (a, b, state), freq)``: ``freq`` is a
    decaying count of how often each site was open in the subproblem solutions.
    """
    from yingji._kernels.capacitated import _cflp_site_values, _cover_knapsack

    n, m = C.shape
    D = float(d.sum())
    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    a, b = _knapsack_data(d, cap)
    state = np.where(fm, 1, -1).astype(np.int64)
    srt = np.sort(Cf, axis=1)
    u = (srt[:, 1].copy() if m > 1 else srt[:, 0].copy()) if u0 is None else u0.copy()
    X = np.empty((n, m))
    capc = np.ascontiguousarray(cap)
    seen: dict = {}
    UB, best_mask, best_X = ub0, None, None
    LB, best_u = -np.inf, u.copy()
    lam, stall = lam0, 0
    freq = np.zeros(m)  # how often each site is open in the recent subproblem solutions

    def heur(mask, v):
        nonlocal UB, best_mask, best_X
        mask = _repair(mask, v, cap, D)
        key = mask.tobytes()
        if key in seen:
            return
        seen[key] = True
        sites = np.nonzero(mask)[0]
        tc, Xs = _transport(C, d, cap, sites, max(0.05, deadline - time.perf_counter()))
        if Xs is None:
            return
        # close sites the allocation leaves empty
        used = Xs.sum(axis=0) > 1e-12
        val = tc + float(f[sites[used | fm[sites]]].sum())
        if val < UB:
            UB = val
            keep = used | fm[sites]
            best_mask = np.zeros(m, dtype=bool)
            best_mask[sites[keep]] = True
            best_X = (sites[keep], Xs[:, keep])

    for it in range(max_iter):
        v = _cflp_site_values(Cf, d, capc, f, u, X)
        kv, y = _cover_knapsack(v, a, b, state)
        L = float(u.sum() + kv)
        freq *= 0.97
        freq += y
        if L > LB + 1e-12 * max(1.0, abs(L)):
            LB, best_u, stall = L, u.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                lam, stall = lam / 2.0, 0
        if heuristic and it < 3 or heuristic and (it % 5 == 0 and (it < 100 or it % 20 == 0)) or (
                np.isfinite(UB) and L > LB - 1e-3 * abs(LB) and it % 5 == 0):
            heur(y.astype(bool), v)
        if UB < np.inf and UB - LB <= 1e-7 * max(1.0, abs(UB)):
            break
        if lam < 1e-4 or time.perf_counter() > deadline:
            break
        g = 1.0 - X @ y.astype(np.float64)
        gg = float(g @ g)
        if gg <= 1e-18:
            break
        target = UB if np.isfinite(UB) else L + 0.05 * abs(L) + 1.0
        u = u + lam * (target - L) / gg * g
    return LB, best_u, UB, best_mask, best_X, (a, b, state), freq


def _site_fixing(C, d, cap, f, u, kn, UB, tol):
    """Reduced-cost fixing of site variables: the Lagrangian bound with ``y_j`` forced the other way.

    Returns ``(state, worst)``: ``state[j]`` 1 fixed open, 0 fixed closed, -1 free, and the smallest
    forced bound among the fixed sites (a bound on every solution the fixing excludes).
    """
    from yingji._kernels.capacitated import _cflp_site_values, _cover_knapsack

    n, m = C.shape
    a, b, base = kn
    X = np.empty((n, m))
    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    v = _cflp_site_values(Cf, d, np.ascontiguousarray(cap), f, u, X)
    kv, y = _cover_knapsack(v, a, b, base)
    su = float(u.sum())
    state = base.copy()
    worst = np.inf
    for j in range(m):
        if base[j] != -1:
            continue
        st = base.copy()
        st[j] = 0 if y[j] else 1
        kj, _ = _cover_knapsack(v, a, b, st)
        Lj = su + kj
        if Lj > UB - tol:
            state[j] = 1 if y[j] else 0
            worst = min(worst, Lj)
    return state, worst


def _capacitated_lagrangian(ci, d, cap, f, fm, tl, t0, mip_gap, verbose):
    """Lagrangian bound + heuristic, site fixing, then HiGHS on the reduced strong formulation."""
    C = ci.C
    n, m = C.shape
    deadline = t0 + tl
    lag_deadline = t0 + 0.4 * tl
    LB, u, UB, mask, bestX, kn, freq = _lagrangian_cflp(C, d, cap, f, fm, lag_deadline)
    if bestX is None:
        return None  # no heuristic solution: let the plain model decide
    sites, Xs = bestX
    if UB - LB > mip_gap * max(1.0, abs(UB)):
        # Kernel search: the strong formulation restricted to the sites the subproblems keep opening
        # (a restriction, so any solution is feasible) for a better incumbent before fixing.
        ker = np.zeros(m, dtype=bool)
        ker[np.argsort(-freq)[: max(2 * int(mask.sum()), 10)]] = True
        ker &= freq > 0.05
        ker |= mask | fm
        cand = np.nonzero(ker)[0]
        cand = cand[np.argsort(-freq[cand], kind="stable")]
        UB, sites, Xs = _local_search(C, d, cap, f, fm, sites, Xs, UB, cand,
                                      time.perf_counter() + _LOCAL_SEARCH_SHARE * (deadline - time.perf_counter()))
    info = {"lagrangian_bound": LB, "heuristic_objective": UB}
    tol = mip_gap * max(1.0, abs(UB))
    if UB - LB <= tol:
        X = _alloc_matrix(Xs, sites, n, m)
        return _result_from_alloc(ci, d, f, sites, X, LB, time.perf_counter() - t0, "lagrangian", mip_gap,
                                  {**info, "sites_fixed": m, "reduced_sites": 0})
    info["kernel_objective"] = UB
    # Lagrangian branch-and-bound on the sites (yingji.siting._cap_bnb); the reduced MIP below is the
    # fallback when the tree cannot be exhausted in its share of the time.
    tree = _run_tree(C, d, cap, f, fm, u, kn, UB, sites, Xs, LB,
                     time.perf_counter() + _TREE_SHARE * max(0.0, deadline - time.perf_counter() - 0.05), tol)
    UB, sites, Xs = tree.UB, tree.sites, tree.Xs
    tree_bound = max(LB, tree.bound)
    info.update(tree_nodes=tree.nodes, tree_lp_calls=tree.lp_calls, tree_finished=tree.finished,
                tree_bound=tree_bound)
    tol = mip_gap * max(1.0, abs(UB))
    if tree.finished or UB - tree_bound <= tol:
        X = _alloc_matrix(Xs, sites, n, m)
        return _result_from_alloc(ci, d, f, sites, X, tree_bound, time.perf_counter() - t0, "lagrangian+tree",
                                  mip_gap, info)
    state, worst = _site_fixing(C, d, cap, f, u, kn, UB, tol)
    keep = np.nonzero(state != 0)[0]
    info.update(sites_fixed=int((state != -1).sum() - fm.sum()), reduced_sites=int(keep.size))
    sub_open = state[keep] == 1
    model, start = _reduced_model(C, d, cap, f, keep, sub_open, sites, Xs)
    remaining = deadline - time.perf_counter() - 0.05  # decoding the MIP solution takes a moment too
    if model.A.nnz > 0.5 * _HIGHS_SETUP_NNZ_PER_S * remaining:
        # too little time left for HiGHS to set the reduced model up and search: the tree's answer stands
        X = _alloc_matrix(Xs, sites, n, m)
        info["mip_status"] = "skipped"
        return _result_from_alloc(ci, d, f, sites, X, tree_bound, time.perf_counter() - t0, "lagrangian+tree",
                                  mip_gap, info)
    # with the Lagrangian incumbent as start, HiGHS's primal heuristics only cost time
    sol = solve(model, time_limit=max(0.05, remaining), mip_gap=mip_gap * 0.5, start=start, verbose=verbose,
                options={"mip_heuristic_effort": 0.0} if start is not None else None)
    bound = min(sol.bound, worst) if np.isfinite(sol.bound) else LB
    bound = max(bound, tree_bound)  # both are valid lower bounds
    if sol.x is not None and sol.objective < UB:
        ks = keep.size
        ysub = sol.x[:ks] > 0.5
        xv = np.clip(sol.x[ks:], 0.0, 1.0)
        xv[xv < 1e-9] = 0.0
        Xsub = np.zeros((n, ks))
        Xsub[model.meta["x_row"], model.meta["x_site"]] = xv
        used = ysub & ((Xsub.sum(axis=0) > 0) | sub_open)
        sites, Xs = keep[used], Xsub[:, used]
    X = _alloc_matrix(Xs, sites, n, m)
    info["mip_status"] = sol.solver_status
    return _result_from_alloc(ci, d, f, sites, X, bound, time.perf_counter() - t0, "lagrangian+exact", mip_gap, info)


#: Share of the time left after the root subgradient that the local search may take at most.
_LOCAL_SEARCH_SHARE = 0.5
#: Share of the time left after the root that the branch-and-bound gets before the reduced MIP takes over.
_TREE_SHARE = 0.75
#: Step target of the node subgradient: the incumbent plus this share of it (a target at the pruning
#: threshold itself makes node bounds creep towards it without reaching it).
_TREE_TARGET_SLACK = 0.02


def _run_tree(C, d, cap, f, fm, u, kn, UB, sites, Xs, LB, deadline, tol):
    """Lagrangian branch-and-bound (:func:`yingji.siting._cap_bnb.cflp_tree`) from the root multipliers
    ``u``, with each open set priced by the transportation LP."""
    from yingji.siting._cap_bnb import cflp_tree

    n, m = C.shape
    D = float(d.sum())
    fmi = np.nonzero(fm)[0]

    def price(mask):
        mask = _repair(mask | fm, f, cap, D)
        S = np.nonzero(mask)[0]
        tc, X = _transport(C, d, cap, S, max(0.05, deadline - time.perf_counter()))
        if X is None:
            return np.inf, None, None
        used = (X.sum(axis=0) > 1e-12) | np.isin(S, fmi)
        return tc + float(f[S[used]].sum()), S[used], X[:, used]

    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    a, b, state = kn
    return cflp_tree(Cf, d, cap, f, state, a, b, u, UB, np.asarray(sites), Xs, price, deadline, 0.5 * tol,
                     slack=max(tol, _TREE_TARGET_SLACK * abs(UB)))


def _local_search(C, d, cap, f, fm, sites, Xs, UB, cand, deadline):
    """Add / drop / swap moves over the candidate sites ``cand``, each open set priced by a
    transportation LP (first improvement, best move order: add, drop, swap)."""
    D = float(d.sum())
    capx = np.where(np.isfinite(cap), cap, D + 1.0)
    cur = set(int(j) for j in sites)
    seen = {frozenset(cur)}

    def price(S):
        S = np.array(sorted(S))
        if capx[S].sum() < D:
            return np.inf, None, None
        tc, X = _transport(C, d, cap, S, max(0.05, deadline - time.perf_counter()))
        if X is None:
            return np.inf, None, None
        used = (X.sum(axis=0) > 1e-12) | fm[S]
        return tc + float(f[S[used]].sum()), S[used], X[:, used]

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        outside = [int(j) for j in cand if int(j) not in cur]  # cand comes most promising first
        inside = [j for j in sorted(cur) if not fm[j]]
        moves = [cur | {j} for j in outside] + [cur - {j} for j in inside] + [
            (cur - {j}) | {k} for j in inside for k in outside]
        for S in moves:
            key = frozenset(S)
            if key in seen or not S:
                continue
            seen.add(key)
            if time.perf_counter() > deadline:
                break
            val, S2, X2 = price(S)
            if val < UB - 1e-9 * abs(UB):
                UB, sites, Xs = val, S2, X2
                cur = set(int(j) for j in S2)
                improved = True
                break
    return UB, np.asarray(sites), Xs


def _reduced_model(C, d, cap, f, keep, sub_open, sites, Xs):
    """The strong formulation on the sites ``keep`` (``sub_open`` forced open) and, when the
    incumbent (``sites``, shares ``Xs``) fits it, that incumbent as a start vector."""
    n = C.shape[0]
    model = _build(C[:, keep], d, cap[keep], f[keep], sub_open, False)
    pos = np.full(C.shape[1], -1)
    pos[keep] = np.arange(keep.size)
    start = None
    if np.all(pos[sites] >= 0) and np.all(np.isin(keep[sub_open], sites)):
        start = np.zeros(model.n_cols)
        start[pos[sites]] = 1.0
        full = np.zeros((n, keep.size))
        full[:, pos[sites]] = Xs
        start[keep.size:] = full[model.meta["x_row"], model.meta["x_site"]]
    return model, start


def _restricted_mip(C, d, cap, f, fm, kk, sites, Xs, time_limit, gap):
    """Best solution of the strong formulation restricted to sites ``kk`` within ``time_limit``:
    ``(objective, sites, shares)`` or None."""
    n = C.shape[0]
    if np.sum(np.where(np.isfinite(cap[kk]), cap[kk], np.inf)) < d.sum():
        return None
    model, start = _reduced_model(C, d, cap, f, kk, fm[kk], sites, Xs)
    sol = solve(model, time_limit=time_limit, mip_gap=gap, start=start)
    if sol.x is None:
        return None
    ks = kk.size
    y = sol.x[:ks] > 0.5
    xv = np.clip(sol.x[ks:], 0.0, 1.0)
    Xsub = np.zeros((n, ks))
    Xsub[model.meta["x_row"], model.meta["x_site"]] = xv
    used = y & ((Xsub.sum(axis=0) > 1e-12) | fm[kk])
    obj = float(f[kk[used]].sum() + np.sum(Xsub[:, used] * C[:, kk[used]]))
    return obj, kk[used], Xsub[:, used]


def _alloc_matrix(Xs, sites, n, m):
    Xs = np.where(Xs < 1e-9, 0.0, Xs)
    rs = Xs.sum(axis=1, keepdims=True)
    Xs = Xs / np.where(rs > 0, rs, 1.0)
    r, k = np.nonzero(Xs)
    return sp.csr_matrix((Xs[r, k], (r, np.asarray(sites)[k])), shape=(n, m))


def _result_from_alloc(ci, d, f, sites, X, bound, seconds, method, mip_gap, info):
    C = ci.C
    n, m = C.shape
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    Xc = X.tocoo()
    contrib = Xc.data * C[Xc.row, Xc.col]
    alloc_cost = float(contrib.sum())
    fixed_total = float(f[sites].sum())
    obj = fixed_total + alloc_cost
    row_cost = np.bincount(Xc.row, weights=contrib, minlength=n)
    load = np.asarray((sp.diags(d) @ X).sum(axis=0)).ravel()
    a = np.asarray(X.argmax(axis=1)).ravel()
    return make_result(
        "capacitated_location", sites=sites, objective=obj, bound=min(bound, obj) if obj - bound < 0
        and obj - bound > -1e-7 * max(1.0, obj) else bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method, stopped="time_limit", mip_gap=mip_gap, row_cost=row_cost,
        mean_cost=float(row_cost @ d / d.sum()) if d.sum() > 0 else None, allocation=X,
        extras={"fixed_cost": fixed_total, "allocation_cost": alloc_cost,
                "load": {int(j): float(load[j]) for j in sites}, "single_source": False, **info},
    )
