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
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError
from yingji.results import SitingResult
from yingji.siting._inputs import check_fixed, check_time_limit, make_result, prepare_cost
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
    try:
        g = float(mip_gap)
        if not (0 <= g < 1):
            raise ValueError
    except (TypeError, ValueError):
        probs.param("mip_gap", "a float in [0, 1)", mip_gap)
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
    Capacitated (strong formulation, [1]_ [3]_):

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
    method : {"auto"}
        Strong formulation solved by HiGHS (uncapacitated: the compact
        sorted-cost formulation).
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

    References
    ----------
    .. [1] Balinski (1965); Beasley (1988); Cornuejols, Sridharan and Thizy
       (1991); Elloumi (2010): full entries in :mod:`yingji.siting.capacitated`.

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
    if method not in ("auto",):
        probs.param("method", "'auto'", method)
    probs.raise_if_any()
    mip_gap = float(mip_gap)
    C = ci.C
    n, m = C.shape
    _infeasibility_checks(func, C, d, cap, single_source, ci)
    fm = np.zeros(m, dtype=bool)
    fm[fx] = True
    model = _build(C, d, cap, f, fm, single_source)
    remaining = max(0.05, tl - (time.perf_counter() - t0))
    try:
        sol = solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, verbose=verbose)
    except InfeasibleError as exc:
        raise InfeasibleError(
            f"{func}: no allocation of the demand fits the capacities (every row is servable on its own, but "
            f"not all together" + (", each from a single site" if single_source else "") + ").",
            rows=[], reason="capacities",
        ) from exc
    if sol.x is None:
        from yingji.exceptions import SolverError

        raise SolverError(f"{func}: no feasible solution found within the time limit of {tl:g} s.",
                          status=sol.solver_status)
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
