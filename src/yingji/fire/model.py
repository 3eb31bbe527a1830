"""The fire-siting model: a sparse MIP with district-area limits, its greedy start and solves.

:func:`_build_fire_model` writes the LSCP / MCLP over the sites with closest-assignment rows
and district-area limits; :func:`_greedy_plan` finds a feasible start; :func:`_siting_lscp` and
:func:`_siting_mclp` solve the plain models (no area limits) through :mod:`yingji.siting`.
District helpers (:func:`_district_areas`, :func:`_covered_by`) read an open set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels.fire import _nearest_station
from yingji.solvers import ModelBuilder, solve, solve_lexicographic


@dataclass(frozen=True)
class _FireModel:
    """A built fire-siting model and how to read it."""

    model: Any                 # yingji.solvers.SparseModel
    m: int                     # number of site columns (y come first)
    cov_cols: np.ndarray       # per model row: column of its coverage indicator (-1: never, -2: always)
    n_u: int
    u_rows: np.ndarray | None = None   # area model: row of each u column
    u_sites: np.ndarray | None = None  # area model: the ranked site lists, per u column (k_ir) ...
    u_first: np.ndarray | None = None  # ... and whether the column is rank 0 of its row
    z_within: Any = None               # model without areas: CSR rows-within-budget of the z columns

    def start(self, y_open: np.ndarray) -> np.ndarray:
        """A full column vector for the open set ``y_open`` (MIP start): u / z follow from y."""
        n_cols = self.model.n_cols
        x = np.zeros(n_cols)
        x[: self.m] = y_open.astype(float)
        if self.u_rows is not None and self.n_u:
            # u_ir = 1 once one of the r+1 nearest sites is open: a running max along each row's list
            v = y_open[self.u_sites].astype(float)
            grp = np.cumsum(self.u_first) - 1
            # running max within groups: offset each group so maxima do not leak across rows
            cm = np.maximum.accumulate(v + 2.0 * grp) - 2.0 * grp
            x[self.m:self.m + self.n_u] = np.clip(cm, 0.0, 1.0)
        elif self.z_within is not None and self.z_within.shape[0]:
            zc = self.cov_cols[self.cov_cols >= self.m]
            x[zc] = (self.z_within @ y_open.astype(float) > 0).astype(float)
        return x


def _build_fire_model(C, w, a, fixed, limit, budget, *, mode, site_obj, forced, target_weight=None,
                      max_new=None, cost=None, cost_budget=None, backup=None, area=True):
    """Sparse MIP for fire-station siting with district-area limits.

    Columns: ``y_j`` (site open, binary; fixed sites have lower bound 1), then per model row
    ``i`` and rank ``r`` of its sorted site list a cumulative ``u_ir`` = "one of the r+1 nearest
    sites is open" (continuous, exact given binary ``y``); without area limits a coverage
    indicator ``z_i`` per row instead.

    Parameters
    ----------
    C : ndarray (n, m)
        Station → demand minutes of the in-scope rows that some site can reach.
    w, a : ndarray (n,)
        Population weights, areas (km²).
    fixed : ndarray of bool (m,)
    limit : ndarray (m,)
        District-area limit (km², ``inf`` for none).
    budget : float
        Travel budget (minutes).
    mode : {"min", "max"}
        ``"min"``: minimise ``site_obj · y`` (LSCP / partial cover); ``"max"``: maximise the
        covered weight (MCLP).
    forced : ndarray of bool (n,)
        Rows that must be covered.
    target_weight : float, optional
        Covered weight required over the rows not forced ("min" mode).
    max_new, cost, cost_budget : optional
        At most ``max_new`` new sites; total ``cost`` of new sites at most ``cost_budget``.
    backup : list of (ndarray of int, int), optional
        ``(sites within the backup radius, how many must be open)`` per high-risk row.
    area : bool
        Add the closest-assignment rows and the district-area limits.

    Notes
    -----
    Assembled with :class:`yingji.solvers.ModelBuilder`: the site columns ``y``, then the
    blocks of :func:`_closest_assignment_rows` (``area``: columns ``u``) or
    :func:`_coverage_rows` (columns ``z``), then :func:`_side_rows`.
    """
    tol = config.COVER_TOL
    n, m = C.shape
    b = ModelBuilder(f"fire_{mode}", sense=mode)
    new = ~fixed
    b.add_columns("y", m, cost=np.where(new, site_obj, 0.0) if mode == "min" else 0.0,
                  lo=np.where(fixed, 1.0, 0.0), hi=1.0, integer=True)
    cov_cols = np.full(n, -1, dtype=np.int64)
    if area:
        extra = _closest_assignment_rows(b, C, a, fixed, limit, budget, forced, cov_cols)
    else:
        extra = _coverage_rows(b, C <= budget + tol, fixed, forced, cov_cols)
    n_u = b.blocks["u"].size if area else 0
    if mode == "max":  # covered weight: w_i on each row's coverage column, constant for rows always covered
        var = cov_cols >= 0
        b.set_cost(cov_cols[var], w[var])
        b.offset = float(w[cov_cols == -2].sum())
    _side_rows(b, w, new, forced, cov_cols, target_weight=target_weight, max_new=max_new, cost=cost,
               cost_budget=cost_budget, backup=backup)
    model = b.build()
    return _FireModel(model=model, m=m, cov_cols=cov_cols, n_u=n_u, **extra)


def _closest_assignment_rows(b, C, a, fixed, limit, budget, forced, cov_cols):
    """The cumulative assignment columns ``u_ir`` (block ``"u"`` of the builder ``b``) and their
    rows: closest assignment (a)-(c), the district-area limits (d) and their aggregate cut. Sets
    ``cov_cols`` (each row's ``u`` at its last rank within the budget); returns the
    :class:`_FireModel` fields that read the ``u`` columns."""
    tol = config.COVER_TOL
    n, m = C.shape
    order = np.argsort(C, axis=1, kind="stable")
    Cs = np.take_along_axis(C, order, axis=1)
    fin = np.isfinite(Cs)
    fx = fixed[order] & fin
    n_fin = fin.sum(axis=1)
    has_fx = fx.any(axis=1)
    cut = np.where(has_fx, fx.argmax(axis=1) + 1, n_fin)
    n_within = (Cs <= budget + tol).sum(axis=1)
    R = np.where(forced, np.minimum(cut, n_within), cut)
    keep = np.arange(m)[None, :] < R[:, None]
    n_u = int(keep.sum())
    uid = np.full((n, m), -1, dtype=np.int64)
    uid[keep] = m + np.arange(n_u)
    ii, rr = np.nonzero(keep)
    kk = order[ii, rr]
    prev = np.where(rr > 0, uid[ii, np.maximum(rr - 1, 0)], -1)
    has_prev = prev >= 0
    ulo = np.zeros(n_u)
    last = uid[np.arange(n), np.maximum(R - 1, 0)]
    must = (R > 0) & (forced | (has_fx & (cut == R)))
    ulo[last[must] - m] = 1.0
    u = b.add_columns("u", n_u, lo=ulo, hi=1.0).index(np.arange(n_u))
    e = np.arange(n_u)
    # (a) u_ir - y_k >= 0 : the row is assigned as soon as one of its r+1 nearest is open
    b.add_rows(np.r_[e, e], np.r_[u, kk], np.r_[np.ones(n_u), -np.ones(n_u)], lo=0.0, n_rows=n_u)
    # (b) u_ir - u_i,r-1 - y_k <= 0 : x_ik = u_ir - u_i,r-1 only where k is open
    pe = e[has_prev]
    b.add_rows(np.r_[e, e, pe], np.r_[u, kk, prev[has_prev]],
               np.r_[np.ones(n_u), -np.ones(n_u), -np.ones(pe.size)], hi=0.0, n_rows=n_u)
    # (c) u_ir - u_i,r-1 >= 0
    k2 = pe.size
    ep = np.arange(k2)
    b.add_rows(np.r_[ep, ep], np.r_[u[has_prev], prev[has_prev]], np.r_[np.ones(k2), -np.ones(k2)], lo=0.0,
               n_rows=k2)
    # (d) district area: sum_i a_i (u_ir - u_i,r-1) - L_j y_j <= 0 for sites with a limit
    lim_sites = np.nonzero(np.isfinite(limit))[0]
    if lim_sites.size:
        row_of = np.full(m, -1, dtype=np.int64)
        row_of[lim_sites] = np.arange(lim_sites.size)
        sel = row_of[kk] >= 0
        ai = a[ii]
        r1, c1, v1 = row_of[kk[sel]], u[sel], ai[sel]
        selp = sel & has_prev
        r2, c2, v2 = row_of[kk[selp]], prev[selp], -ai[selp]
        b.add_rows(np.r_[r1, r2, np.arange(lim_sites.size)], np.r_[c1, c2, lim_sites],
                   np.r_[v1, v2, -limit[lim_sites]], hi=0.0, n_rows=lim_sites.size)
        # aggregate cut: the districts of all open sites hold every row that is surely assigned
        if np.isfinite(limit).all():
            sure = np.nonzero(must)[0]
            b.add_rows(np.zeros(m, dtype=np.int64), np.arange(m), limit, lo=float(a[sure].sum()), n_rows=1)
    # coverage of row i = u at its last rank within the budget
    b = np.minimum(n_within, R) - 1
    okb = b >= 0
    cov_cols[okb] = uid[np.nonzero(okb)[0], b[okb]]
    return {"u_rows": ii, "u_sites": kk, "u_first": rr == 0}


def _coverage_rows(b, within, fixed, forced, cov_cols):
    """Without area limits: ``sum_{j within} y_j >= 1`` for the forced rows and a coverage indicator
    ``z_i <= sum_{j within} y_j`` (block ``"z"`` of the builder ``b``) for the others. Sets
    ``cov_cols`` (-2: always covered); returns the :class:`_FireModel` fields that read the ``z``
    columns."""
    # forced rows: sum_{j within} y_j >= 1 (rows a fixed site covers are dropped)
    fixed_cov = (within & fixed[None, :]).any(axis=1)
    cov_cols[fixed_cov] = -2
    fr = np.nonzero(forced & ~fixed_cov)[0]
    if fr.size:
        sub = sp.csr_matrix(within[fr])
        sub.sort_indices()
        rr_ = np.repeat(np.arange(fr.size), np.diff(sub.indptr))
        b.add_rows(rr_, sub.indices, np.ones(sub.nnz), lo=1.0, n_rows=fr.size)
        cov_cols[fr] = -2
    zr = np.nonzero(~forced & ~fixed_cov & within.any(axis=1))[0]
    if zr.size:
        nz = zr.size
        zc = b.add_columns("z", nz, lo=0.0, hi=1.0).index(np.arange(nz))
        sub = sp.csr_matrix(within[zr])
        rr_ = np.repeat(np.arange(nz), np.diff(sub.indptr))
        # z_i - sum_{j within} y_j <= 0
        b.add_rows(np.r_[np.arange(nz), rr_], np.r_[zc, sub.indices], np.r_[np.ones(nz), -np.ones(sub.nnz)],
                   hi=0.0, n_rows=nz)
        cov_cols[zr] = zc
        return {"z_within": sp.csr_matrix(within[zr].astype(np.float64))}
    return {}


def _side_rows(b, w, new, forced, cov_cols, *, target_weight, max_new, cost, cost_budget, backup):
    """The rows beside coverage: the covered-weight target, at most ``max_new`` new sites, their cost
    within ``cost_budget``, and the backup coverage of high-risk rows."""
    tol = config.COVER_TOL
    # covered-weight target over the rows not forced
    if target_weight is not None and np.isfinite(target_weight):
        var = (cov_cols >= 0) & ~forced
        const = float(w[(cov_cols == -2) | forced].sum())
        need = target_weight - const
        if need > tol:
            b.add_rows(np.zeros(var.sum(), dtype=np.int64), cov_cols[var], w[var], lo=need, n_rows=1)
    if max_new is not None:
        nn = np.nonzero(new)[0]
        b.add_rows(np.zeros(nn.size, dtype=np.int64), nn, np.ones(nn.size), hi=float(max_new), n_rows=1)
    if cost_budget is not None:
        nn = np.nonzero(new)[0]
        b.add_rows(np.zeros(nn.size, dtype=np.int64), nn, np.nan_to_num(cost[nn]), hi=float(cost_budget), n_rows=1)
    if backup:
        br, bc, bl = [], [], []
        for k, (sites, need) in enumerate(backup):
            br.append(np.full(len(sites), k))
            bc.append(np.asarray(sites, dtype=np.int64))
            bl.append(need)
        b.add_rows(np.concatenate(br), np.concatenate(bc), np.ones(sum(len(x) for x in bc)), lo=np.asarray(bl, float),
                   n_rows=len(bl))


def _covered_by(C, open_mask, budget):
    if not open_mask.any():
        return np.zeros(C.shape[0], dtype=bool)
    return (C[:, open_mask] <= budget + config.COVER_TOL).any(axis=1)


def _district_areas(C, a, open_idx):
    """Area (km²) of each open site's district over the rows of C (nearest open site, ties: lowest column)."""
    out = np.zeros(C.shape[1])
    if open_idx.size == 0:
        return out
    sub = np.ascontiguousarray(C[:, open_idx])
    loc, _ = _nearest_station(sub)
    ok = loc >= 0
    np.add.at(out, open_idx[loc[ok]], a[ok])
    return out


def _solve(model, solver, time_limit, mip_gap, start=None, stages=None):
    """Solve a fire model: one objective (its own), or ``stages`` in priority order
    (:func:`yingji.solvers.solve_lexicographic`)."""
    if stages:
        return solve_lexicographic(model, stages, solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                                   start=start)
    return solve(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap, start=start)


def _area_excess(C, a, open_mask, limit) -> float:
    da = _district_areas(C, a, np.nonzero(open_mask)[0])
    return float(np.maximum(da - limit, 0.0)[np.isfinite(limit)].sum())


def _greedy_plan(C, a, fixed, limit, budget, forced, site_obj, area=True):
    """A feasible open set for the LSCP with district-area limits (MIP start), or None.

    Greedy cover of the forced rows (most uncovered rows per unit of objective), then, while a
    district is over its limit, open the candidate that most reduces the total excess area
    (evaluated for every candidate at once), then close new sites that are not needed
    (costliest first).
    """
    tol = config.COVER_TOL
    n, m = C.shape
    within = C <= budget + tol
    op = fixed.copy()
    obj = np.where(site_obj > 0, site_obj, 1e-9)
    unc = forced & ~within[:, op].any(axis=1)
    while unc.any():
        gain = within[unc].sum(axis=0).astype(float)
        gain[op] = 0.0
        if gain.max() <= 0:
            return None
        j = int(np.argmax(gain / obj))
        op[j] = True
        unc &= ~within[:, j]
    fin_lim = np.isfinite(limit)

    def excess_of(mask):
        return _area_excess(C, a, mask, limit) if area else 0.0

    if area:
        for _ in range(m):
            idx = np.nonzero(op)[0]
            loc, t = _nearest_station(np.ascontiguousarray(C[:, idx]))
            cur = np.where(loc >= 0, idx[np.clip(loc, 0, None)], -1)
            da = np.zeros(m)
            ok = cur >= 0
            np.add.at(da, cur[ok], a[ok])
            exc = float(np.maximum(da - limit, 0.0)[fin_lim].sum())
            if exc <= 1e-9:
                break
            col = np.arange(m)[None, :]
            switch = (C < t[:, None]) | ((C == t[:, None]) & (col < cur[:, None]) & np.isfinite(C))
            switch[:, op] = False
            # area each candidate would take, and from whom
            take = (switch * a[:, None]).sum(axis=0)
            onehot = sp.csr_matrix((a[ok], (np.nonzero(ok)[0], cur[ok])), shape=(n, m))
            lost = (sp.csr_matrix(switch.astype(np.float64)).T @ onehot).toarray()  # lost[k, j]
            new_da = da[None, :] - lost
            new_da[np.arange(m), np.arange(m)] += take
            new_exc = np.where(fin_lim[None, :], np.maximum(new_da - limit[None, :], 0.0), 0.0).sum(axis=1)
            new_exc[op] = np.inf
            k = int(np.argmin(new_exc + 1e-12 * obj))
            if not new_exc[k] < exc - 1e-12:
                return None
            op[k] = True
    # drop new sites that are not needed, costliest first
    for j in sorted(np.nonzero(op & ~fixed)[0], key=lambda j: -obj[j]):
        op[j] = False
        if (forced & ~within[:, op].any(axis=1)).any() or (area and excess_of(op) > 1e-9):
            op[j] = True
    return op


@dataclass(frozen=True)
class _Sol:
    x: np.ndarray
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    stages: tuple = ()


def _primary(sol):
    """The plan's objective/bound/gap from a solve: the first stage's for a lexicographic solve
    (new stations, or cost), the solve's own otherwise; ``optimal`` only when every stage is proven."""
    if sol is None or not getattr(sol, "stages", ()):
        return sol
    st0 = sol.stages[0]
    return _Sol(sol.x, float(st0.objective), float(st0.bound), float(st0.gap), bool(sol.optimal),
                "optimal" if sol.optimal else "time_limit", tuple(sol.stages))


def _siting_lscp(C, coverable, budget, fixed, site_obj, time_limit, solver=None, mip_gap=config.MIP_GAP):
    """Plain LSCP through the siting engine (:func:`yingji.lscp`), own model when it is absent."""
    try:
        from yingji.siting import lscp
    except ImportError:
        lscp = None
    m = C.shape[1]
    if lscp is None:
        fm = _build_fire_model(C, np.ones(C.shape[0]), np.zeros(C.shape[0]), fixed, np.full(m, np.inf), budget,
                               mode="min", site_obj=site_obj, forced=coverable, area=False)
        return _solve(fm.model, solver, time_limit, mip_gap)
    r = lscp(np.ascontiguousarray(C[coverable]), budget, site_cost=np.where(fixed, 0.0, site_obj),
             fixed=np.nonzero(fixed)[0], time_limit=time_limit, solver=solver, mip_gap=mip_gap)
    x = np.zeros(m)
    x[np.asarray(r.sites, dtype=np.int64)] = 1.0
    return _Sol(x, float(r.objective), float(r.bound), float(r.gap), bool(r.optimal), r.status)


def _siting_mclp(C, w, budget, fixed, k, time_limit, solver=None, mip_gap=config.MIP_GAP):
    """Plain MCLP (at most k new sites) through :func:`yingji.mclp`, own model when it is absent."""
    try:
        from yingji.siting import mclp
    except ImportError:
        mclp = None
    m = C.shape[1]
    n_fixed = int(fixed.sum())
    if mclp is None or n_fixed + k < 1:
        fm = _build_fire_model(C, w, np.zeros(C.shape[0]), fixed, np.full(m, np.inf), budget, mode="max",
                               site_obj=np.ones(m), forced=np.zeros(C.shape[0], dtype=bool), max_new=k, area=False)
        return _solve(fm.model, solver, time_limit, mip_gap)
    r = mclp(np.ascontiguousarray(C), budget, min(n_fixed + k, m), weights=w, fixed=np.nonzero(fixed)[0],
             time_limit=time_limit, solver=solver, mip_gap=mip_gap)
    x = np.zeros(m)
    x[np.asarray(r.sites, dtype=np.int64)] = 1.0
    return _Sol(x, float(r.objective), float(r.bound), float(r.gap), bool(r.optimal), r.status)
