"""The location set covering problem (LSCP): :func:`lscp` and its parts.

The exact reductions (:func:`_lscp_reduce`), the sparse model, the Lagrangian heuristic with its
bound, the LP bound and local search of :mod:`yingji.siting.coverage._lscp_engine`, reduced-cost
fixing, and the MIP from the heuristic cover.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels import coverage as _k
from yingji._kernels import setcover as _sc
from yingji._validation import Problems, check_array
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult, relative_gap
from yingji.siting import _inputs as inp
from yingji.siting._sparse import _lscp_arrays, csc_arrays, csr_arrays
from yingji.siting.coverage import _lscp_bb
from yingji.siting.coverage import _lscp_engine as _lscp_eng
from yingji.siting.coverage.common import (
    _highs_options,
    _integral,
    _raise_uncoverable,
    _uncoverable_rows,
    as_int,
    assign,
    check_method,
    prepare,
    row_labels,
)
from yingji.solvers import SparseModel, solve

__all__ = ["lscp"]


# ----------------------------------------------------------------------------- reductions and model
@dataclass
class _LscpReduced:
    rows: np.ndarray        # original positions of the rows in the model
    cols: np.ndarray        # original positions of the model's columns
    A: sp.csr_matrix        # int 0/1, len(rows) × len(cols)
    c: np.ndarray
    col_lo: np.ndarray
    base: np.ndarray        # sites open whatever the model says (fixed, essential)
    offset: float
    info: dict


def _lscp_reduce(A_full, cost, fixed, drop_rows, *, reduce: bool = True) -> _LscpReduced:
    """Exact reductions of the set-covering instance (Beasley 1987; Toregas and ReVelle 1973)."""
    A = as_int(A_full)
    n, m = A.shape
    active = np.ones(n, dtype=bool)
    active[drop_rows] = False
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[fixed] = True
    info = {"essential": 0, "rows_dominated": 0, "cols_dominated": 0, "cols_cost_test": 0,
            "skipped": []}
    if not reduce:
        rows = np.nonzero(active)[0]
        col_lo = fixed_mask.astype(float)
        return _LscpReduced(rows, np.arange(m), A[rows], cost.copy(), col_lo,
                            np.zeros(0, np.int64), 0.0, info)
    Ac = sp.csc_matrix(A)
    if fixed.size:
        active &= ~(np.asarray(Ac[:, fixed].sum(axis=1)).ravel() > 0)
    keep = ~fixed_mask
    forced = np.zeros(m, dtype=bool)
    weighted = not np.all(cost == cost[0]) if cost.size else False
    # rows that lost a column since the last row-domination scan: only they can dominate a row
    # now (``_set_cover_row_dominated_by``); every row before the first scan
    cand = np.ones(n, dtype=bool)
    prev = None  # (rows, columns, matrix) of the last pass: the next one is sliced from it
    for _ in range(50):
        r_idx = np.nonzero(active)[0]
        c_idx = np.nonzero(keep)[0]
        if r_idx.size == 0:
            break
        src_A, src_r, src_c = prev if prev is not None else (A, np.arange(n), np.arange(m))
        sub = sp.csr_matrix(src_A[np.searchsorted(src_r, r_idx)][:, np.searchsorted(src_c, c_idx)])
        prev = (sub, r_idx, c_idx)
        rdeg = np.diff(sub.indptr)
        # essential columns: the only cover of some row
        ess = rdeg == 1
        if ess.any():
            cols = np.unique(sub.indices[sub.indptr[:-1][ess]])
            orig = c_idx[cols]
            forced[orig] = True
            keep[orig] = False
            active &= ~(np.asarray(Ac[:, orig].sum(axis=1)).ravel() > 0)
            info["essential"] += int(orig.size)
            continue
        cdeg = np.bincount(sub.indices, minlength=c_idx.size)
        changed = False
        empty = cdeg == 0
        if empty.any():
            keep[c_idx[empty]] = False
            changed = True
        # row domination: cols(i) ⊆ cols(k) → covering i covers k; drop k (numba kernel); after
        # the first scan only the rows that lost columns since can dominate (0.19 -> 0.13 CPU s
        # on a 20,000 x 1,000 family instance at 5 %, seed 307; issue 23, fifth round)
        a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(sub)
        kk = np.nonzero(_sc._set_cover_row_dominated_by(ar_ptr, ar_cols, a_ptr, a_rows,
                                                         np.ascontiguousarray(cand[r_idx])))[0]
        cand[:] = False
        if kk.size:
            active[r_idx[kk]] = False
            info["rows_dominated"] += int(kk.size)
            changed = True
            sub = sp.csr_matrix(sub[np.setdiff1d(np.arange(r_idx.size), kk)])
            a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(sub)
        # column domination: rows(j) ⊆ rows(k) and k first in the strict order (c, -deg, pos)
        jj = np.nonzero(_sc._set_cover_col_dominated(a_ptr, a_rows, ar_ptr, ar_cols,
                                                      np.ascontiguousarray(cost[c_idx])))[0]
        jj = jj[~empty[jj]]
        if jj.size:
            keep[c_idx[jj]] = False
            cand |= np.asarray(Ac[:, c_idx[jj]].sum(axis=1)).ravel() > 0
            info["cols_dominated"] += int(jj.size)
            changed = True
        if weighted and not changed:
            # Beasley's test: drop j when it costs more than the cheapest other cover of its rows
            vals = cost[c_idx][sub.indices]
            starts = sub.indptr[:-1]
            rmin = np.minimum.reduceat(vals, starts)
            row_of = np.repeat(np.arange(r_idx.size), rdeg)
            at_min = np.nonzero(vals == rmin[row_of])[0]
            _, first = np.unique(row_of[at_min], return_index=True)
            argpos = at_min[first]
            v2 = vals.copy()
            v2[argpos] = np.inf
            rsecond = np.minimum.reduceat(v2, starts)
            argcol = sub.indices[argpos]
            alt = np.where(sub.indices == argcol[row_of], rsecond[row_of], rmin[row_of])
            tot = np.bincount(sub.indices, weights=alt, minlength=c_idx.size)
            cc = cost[c_idx]
            drop = cc > tot * (1 + 1e-12) + 1e-12
            if drop.any():
                keep[c_idx[drop]] = False
                cand |= np.asarray(Ac[:, c_idx[drop]].sum(axis=1)).ravel() > 0
                info["cols_cost_test"] += int(drop.sum())
                changed = True
        if not changed:
            break
    info["skipped"] = sorted(set(info["skipped"]))
    rows = np.nonzero(active)[0]
    cols = np.nonzero(keep)[0]
    base = np.nonzero(fixed_mask | forced)[0]
    Ared = sp.csr_matrix(A[rows][:, cols]) if rows.size else sp.csr_matrix((0, cols.size), dtype=np.int64)
    return _LscpReduced(rows, cols, Ared, cost[cols].copy(), np.zeros(cols.size), base,
                        float(cost[base].sum()), info)


def _lscp_model(red: _LscpReduced, name="lscp") -> SparseModel:
    k = red.cols.size
    return SparseModel(
        c=red.c, A=sp.csr_matrix(red.A, dtype=np.float64),
        row_lo=np.ones(red.rows.size), row_hi=np.full(red.rows.size, np.inf),
        col_lo=red.col_lo, col_hi=np.ones(k), integrality=np.ones(k, dtype=bool),
        sense="min", offset=red.offset,
        col_names=[f"x_{j}" for j in red.cols], row_names=[f"cover_{i}" for i in red.rows], name=name)


# ----------------------------------------------------------------------------- heuristic and bounds
def _lscp_heuristic(red: _LscpReduced, max_iter: int):
    """Greedy + Lagrangian on the reduced instance: (cover mask, cost, lower bound)."""
    A = red.A
    n, k = A.shape
    if n == 0:
        return np.zeros(k, bool), 0.0, 0.0, 0.0, np.zeros(0)
    a_ptr, a_rows = csc_arrays(A)
    ar_ptr, ar_cols = csr_arrays(A)
    c = np.ascontiguousarray(red.c, dtype=np.float64)
    active = np.ones(n, dtype=np.bool_)
    fixed = red.col_lo > 0.5
    ch, ok = _k._set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, n, c, fixed, active)
    ch = _k._set_cover_redundant(a_ptr, a_rows, n, c, ch, fixed, active)
    ub = float(c[ch].sum())
    # starting multipliers: cheapest cost per row covered among the row's columns
    ratio = c / np.maximum(np.diff(a_ptr), 1)
    vals = ratio[ar_cols]
    has = np.diff(ar_ptr) > 0
    u0 = np.zeros(n)
    if has.any():
        u0[has] = np.minimum.reduceat(vals, ar_ptr[:-1][has])
    integral = _integral(c)
    # on large reduced instances the LP bound that follows is the stronger and the cheaper one:
    # at most LAGRANGIAN_WORK nonzero visits (20,000 x 1,000 at 10 %: 1.65 CPU s in all with
    # 200 steps against 3.3 s with 1,000, the same LP-proven optimum; issue 23)
    iters = min(int(max_iter), max(LAGRANGIAN_MIN_ITER, int(LAGRANGIAN_WORK // max(A.nnz, 1))))
    lb, u, ub2, bx = _k._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, n, c, active,
                                              np.ascontiguousarray(u0, dtype=np.float64), ub, ch,
                                              iters, integral, 1e-9)
    raw = float(lb)
    if integral:
        lb = float(np.ceil(lb - 1e-6))
    return bx, float(ub2), float(lb), raw, u


#: Subgradient work cap of the heuristic: steps x nonzeros of the reduced matrix, and the fewest
#: steps whatever the size (``max_iter`` permitting). 1e8 until the fifth round of issue 23; the
#: LP bound follows whenever the gap is open (13 family seeds: 10.6 -> 9.5 CPU s in all).
LAGRANGIAN_WORK = 2e7
LAGRANGIAN_MIN_ITER = 100

#: Below this many seconds left, ``lscp`` returns its heuristic cover instead of starting a MIP.
_LSCP_MIN_MIP_SECONDS = 0.05


def _lscp_strengthen(red: _LscpReduced, x_h, ub, lb, raw_lb, u, t0, tl, method, extras):
    """LP bound (HiGHS simplex on the reduced model) and local search from the heuristic cover
    (:mod:`yingji.siting.coverage._lscp_engine`); returns the heuristic's tuple, improved, and
    the LP solution (None when the LP did not finish)."""
    integral = _integral(red.c)
    left = tl - (time.perf_counter() - t0)
    lp_raw, u_lp, x_lp = _lscp_eng.lp_bound(_lscp_model(red), red.A, red.c, 0.25 * left)
    if np.isfinite(lp_raw):
        lp_lb = float(np.ceil(lp_raw - 1e-6)) if integral else lp_raw
        extras["lp_bound"] = lp_lb + red.offset
        if lp_raw > raw_lb:
            raw_lb, u = lp_raw, u_lp
        lb = max(lb, lp_lb)
    left = tl - (time.perf_counter() - t0)
    share = 0.9 if method == "heuristic" else _lscp_eng.LS_TIME_SHARE
    swaps = None
    if method != "heuristic" and red.c.size and not np.all(red.c == red.c[0]):
        # column costs and a MIP to follow: a short search, the MIP proves the optimum
        share = _lscp_eng.LS_TIME_SHARE_WEIGHTED
        per = _lscp_eng.LS_SWAPS_PER_ELEMENT_WEIGHTED
        if integral and red.c.size <= max(CORE_MIN_COLS, CORE_COLS_PER_ROW * red.A.shape[0]):
            # a model the LP tree takes (no core phase): the tree proves the last units
            per = _lscp_eng.LS_SWAPS_PER_ELEMENT_WEIGHTED_TREE
        swaps = per * (red.A.shape[0] + red.c.size)
    elif method != "heuristic":
        # unit costs and a MIP to follow: enough to meet a tight bound, no more (issue 23)
        share = _lscp_eng.LS_TIME_SHARE_UNIT_MIP
        swaps = _lscp_eng.LS_SWAPS_PER_ELEMENT_UNIT_MIP * (red.A.shape[0] + red.c.size)
    x2, stats = _lscp_eng.improve(red.A, red.c, x_h, lb, u=u_lp, x_lp=x_lp,
                                  deadline=time.perf_counter() + share * left, swaps=swaps)
    extras.update(stats)
    if red.c[x2].sum() < ub - 1e-9:
        x_h, ub = x2, float(red.c[x2].sum())
    return x_h, ub, lb, raw_lb, u, x_lp


def _lscp_price_out(red: _LscpReduced, x_h: np.ndarray, ub: float, raw_lb: float, u: np.ndarray):
    """Lagrangian reduced-cost fixing: drop every column that cannot be in a cover cheaper than
    the incumbent (``L(u) + max(0, c_j - u·A_j) > ub - 1`` for integer costs, ``> ub`` otherwise),
    except the incumbent's own columns (the model keeps a feasible point; its optimum and bound
    are then those of the full instance)."""
    rc = red.c - np.asarray(sp.csc_matrix(red.A, dtype=np.float64).T @ u).ravel()
    worst = raw_lb + np.maximum(rc, 0.0)
    limit = ub - 1.0 + 1e-6 if _integral(red.c) else ub + 1e-9 * max(1.0, abs(ub))
    keep = (worst <= limit) | x_h
    if keep.all():
        return red, x_h
    info = dict(red.info)
    info["cols_reduced_cost"] = int((~keep).sum())
    sub = _LscpReduced(red.rows, red.cols[keep], sp.csr_matrix(red.A[:, keep]), red.c[keep], red.col_lo[keep],
                       red.base, red.offset, info)
    return sub, x_h[keep]


def _lscp_rereduce(red: _LscpReduced) -> _LscpReduced:
    """The exact reductions again after reduced-cost fixing, which leaves new essential columns and
    dominations. Besides a smaller model, this leaves HiGHS's presolve no column to fix at 1:
    HiGHS 1.16 then values a MIP start without that fixed cost ("MIP start solution is feasible
    in the reduced space: objective value is 281" for a start of 283 on OR-Library scp58) and
    stops with a weaker bound."""
    if red.rows.size == 0 or red.cols.size == 0:
        return red
    sub = _lscp_reduce(red.A, red.c, np.nonzero(red.col_lo > 0.5)[0], np.zeros(0, np.int64))
    info = dict(red.info)
    for key in ("essential", "rows_dominated", "cols_dominated", "cols_cost_test"):
        info[key] = info.get(key, 0) + sub.info[key]
    base = np.union1d(red.base, red.cols[sub.base]).astype(np.int64)
    return _LscpReduced(red.rows[sub.rows], red.cols[sub.cols], sub.A, sub.c, sub.col_lo, base,
                        red.offset + sub.offset, info)


def _lscp_start(red: _LscpReduced, sites) -> np.ndarray:
    """MIP start on the model's columns: the heuristic cover's columns, completed greedily where
    the reductions dropped some of them."""
    x = np.isin(red.cols, sites) | (red.col_lo > 0.5)
    if red.rows.size == 0 or (red.A @ x.astype(np.int64)).min() >= 1:
        return x.astype(float)
    a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(red.A)
    c = np.ascontiguousarray(red.c, dtype=np.float64)
    x, ok = _sc._set_cover_complete(a_ptr, a_rows, ar_ptr, ar_cols, c, c, np.ascontiguousarray(x))
    return x.astype(float)


# ------------------------------------------------------------------------------------- core problem
#: The MIP phase first solves a core problem when the priced-out model keeps more columns than
#: this and more than ``CORE_COLS_PER_ROW`` per row (the rail instances: 30,000+ columns, 400-600
#: rows, an LP bound at the optimum and many columns of small reduced cost).
CORE_MIN_COLS = 3_000
CORE_COLS_PER_ROW = 8
#: Columns of least LP reduced cost kept in the core for every row (Caprara, Fischetti and Toth
#: 1999 keep 5 per row of least Lagrangian cost).
CORE_PER_ROW = 5
#: Share of the time left that the core MIP may use.
CORE_TIME_SHARE = 0.4


def _lscp_core_mask(red: _LscpReduced, x: np.ndarray, u: np.ndarray, x_lp=None,
                    per_row: int = CORE_PER_ROW) -> np.ndarray:
    """Core columns of ``red``: the LP solution's support, in every row the ``per_row`` columns
    of least LP reduced cost ``c_j - u.A_j`` (ties, frequent on degenerate LPs such as the rail
    instances', to the larger LP value), every column of negative reduced cost, and the cover
    ``x``'s columns."""
    A = sp.csr_matrix(red.A)
    rc = red.c - np.asarray(sp.csc_matrix(A, dtype=np.float64).T @ u).ravel()
    xl = np.zeros(rc.size) if x_lp is None or len(x_lp) != rc.size else np.asarray(x_lp, dtype=np.float64)
    n = A.shape[0]
    row_of = np.repeat(np.arange(n), np.diff(A.indptr))
    # by row, then reduced cost (rounded so that LP round-off does not decide), then LP value
    order = np.lexsort((A.indices, -xl[A.indices], np.round(rc[A.indices], 9), row_of))
    rank = np.arange(order.size) - A.indptr[row_of[order]]
    mask = np.zeros(red.cols.size, dtype=bool)
    mask[A.indices[order[rank < per_row]]] = True
    return mask | (rc < 0) | x | (xl > 1e-9)


def _lscp_subset(red: _LscpReduced, keep: np.ndarray) -> _LscpReduced:
    return _LscpReduced(red.rows, red.cols[keep], sp.csr_matrix(red.A[:, keep]), red.c[keep], red.col_lo[keep],
                        red.base, red.offset, dict(red.info))


#: Whether the MIPs of :func:`lscp` hand HiGHS 1.x the incumbent as ``objective_bound`` besides the
#: MIP start. Off: measured on the issue-23 instances (second round), the bound made HiGHS
#: slower, never faster — rail582's priced-out MIP (498 x 3,880, start 211) took 26.7 CPU s
#: with it and 9.9 without, a 10,000 x 500 unit-cost family instance (seed 106, 1,036 x 261
#: reduced, start 14) 5.2 against 2.9; HiGHS already prunes against the start it accepts.
HIGHS_CUTOFF = False


def _cutoff_options(model: SparseModel, c_model: np.ndarray, ub_total: float) -> dict | None:
    """HiGHS options of a set-covering MIP with an incumbent of total cost ``ub_total``: its own
    (:func:`_highs_options`) and, with integer costs, the objective cutoff ``ub_total - 1/2``
    (no better cover costs more than ``ub_total - 1``), so that HiGHS prunes against it from
    the start."""
    opts = dict(_highs_options(model) or {})
    if np.isfinite(ub_total) and _integral(c_model) and _integral(np.array([model.offset])):
        opts["objective_bound"] = float(ub_total) - 0.5
    return opts or None


def _solve_cut(model: SparseModel, start, ub_total: float, *, solver, time_limit, mip_gap, verbose):
    """Solve ``model`` with the incumbent cutoff; ``(solution or None, proven)``: None with
    ``proven`` True when HiGHS proved that no cover beats the incumbent (the cutoff left the
    model infeasible). With ``HIGHS_CUTOFF`` False (the default) the incumbent goes in as the MIP
    start only."""
    if solver is not None:
        opts = None
    elif HIGHS_CUTOFF:
        opts = _cutoff_options(model, model.c, ub_total)
    else:
        opts = _highs_options(model)
    try:
        sol = solve(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap, start=start, verbose=verbose,
                    options=opts)
    except InfeasibleError:
        if opts and "objective_bound" in opts:
            return None, True
        raise
    return sol, False


def _lscp_core_cannot_close(red: _LscpReduced, core: np.ndarray, raw_lb: float, u: np.ndarray,
                            ub: float) -> int:
    """How many columns outside ``core`` survive reduced-cost fixing against the cheapest cover
    the core could prove optimal without meeting the bound; 0 when the core phase can prove.

    The core phase proves a core optimum ``z`` for the whole model either by the bound
    (``z`` = ``ceil(L)`` with integer costs, ``L`` the Lagrangian bound ``raw_lb`` of ``u``;
    the MIP that follows proves that as well) or by reduced-cost fixing against ``z``, which
    keeps every column ``j`` with ``L + max(0, c_j - u.A_j) <= z - 1`` (``<= z`` for other
    costs). That set only grows with ``z``, so if it holds columns outside the core at the
    least ``z`` above the bound, ``ceil(L) + 1``, it does at every ``z`` the core can return
    but the bound (other costs have no least ``z`` above the bound: no test, the core runs).
    When the incumbent ``ub`` is that least ``z`` already, the core can neither prove it nor
    improve it but to the bound, and the priced-out MIP that follows holds the core's columns
    and those survivors: the core phase would repeat its work. A dearer incumbent keeps the core (rail582: the core takes 213 to 211, and reduced-cost
    fixing against 211 leaves 3,880 of 26,000 columns).

    Returns the number of survivors outside the core in that case, else 0."""
    if _integral(red.c):
        z = float(np.ceil(raw_lb - 1e-6)) + 1.0
        if ub > z + 1e-9:
            return 0
    else:
        return 0
    sub, _ = _lscp_price_out(red, core.copy(), z, raw_lb, u)
    return int((~np.isin(sub.cols, red.cols[core])).sum())


def _lscp_core_phase(red: _LscpReduced, x: np.ndarray, ub: float, raw_lb: float, u: np.ndarray, x_lp, *, t0,
                     tl, mip_gap, extras):
    """Core problem (Caprara, Fischetti and Toth 1999): the MIP on the columns of least LP
    reduced cost, from the incumbent ``x`` (cost ``ub`` on ``red``) with the cutoff.

    Returns ``(x, ub, proven)``: the better cover, its cost, and whether it is proven optimal
    for all of ``red`` — the core MIP proved it optimal on the core, and reduced-cost fixing
    against it (:func:`_lscp_price_out`) leaves no column outside the core (any cover using one
    costs at least ``ub``)."""
    extras["core_start_objective"] = ub + red.offset
    core = _lscp_core_mask(red, x, u, x_lp)
    left_out = _lscp_core_cannot_close(red, core, raw_lb, u, ub)
    if left_out:
        # the core could prove nothing that the MIP on the priced-out model does not, whose
        # model holds the core (issue 23, second round)
        extras.update(core_columns=int(core.sum()), core_skipped=left_out)
        return x, ub, False
    sub = _lscp_subset(red, core)
    model = _lscp_model(sub, name="lscp_core")
    left = tl - (time.perf_counter() - t0)
    t_core = time.perf_counter()
    sol, cut_proof = _solve_cut(model, x[core].astype(float), ub + red.offset, solver=None,
                                time_limit=max(CORE_TIME_SHARE * left, 1e-3), mip_gap=0.0, verbose=False)
    extras.update(core_columns=int(core.sum()), core_seconds=time.perf_counter() - t_core)
    proven_core = cut_proof
    if sol is not None and sol.has_solution:
        xc = np.zeros(red.cols.size, dtype=bool)
        xc[np.nonzero(core)[0][sol.x > 0.5]] = True
        val = float(red.c[xc].sum())
        if val < ub - 1e-9 and (red.A @ xc.astype(np.int64)).min() >= 1:
            x, ub = xc, val
        proven_core = sol.optimal and mip_gap >= 0
        extras["core_status"] = sol.solver_status
    extras["core_objective"] = ub + red.offset
    if not proven_core:
        return x, ub, False
    sub2, _ = _lscp_price_out(red, x, ub, raw_lb, u)
    outside = ~np.isin(sub2.cols, red.cols[core])
    extras["core_priced_out_left"] = int(outside.sum())
    return x, ub, not outside.any()


# -------------------------------------------------------------------------------- inputs and result
def _lscp_inputs(func, cost, radius, coverage, site_cost, fixed, uncoverable, probs):
    cov = prepare(func, cost, radius, coverage, probs)
    if cov is None:
        probs.raise_if_any()
    m = cov.m
    if site_cost is None:
        c = np.ones(m, dtype=np.float64)
    else:
        c = check_array(probs, "site_cost", site_cost, m, labels=cov.ci.col_ids,
                        default=np.ones(m), what="one per candidate site")
    fx = inp.check_fixed(fixed, m, probs, labels=cov.ci.col_ids)
    if uncoverable not in ("raise", "drop"):
        probs.param("uncoverable", "'raise' or 'drop'", uncoverable)
    return cov, np.ascontiguousarray(c), fx


def _lscp_result(cov, c, sites, bound, dropped, info, seconds, method, stopped, extras=None,
                 mip_gap=config.MIP_GAP):
    obj = float(c[sites].sum())
    if _integral(c) and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    assignment, row_cost, covered = assign(cov, sites)
    ex = {"uncovered_rows": row_labels(cov, dropped), "reductions": info, "n_covered_rows": int(covered.sum())}
    ex.update(extras or {})
    return inp.make_result("lscp", sites=sites, objective=obj, bound=bound, sense="min", ci=cov.ci,
                           assignment=assignment, seconds=seconds, method=method, stopped=stopped,
                           mip_gap=mip_gap, row_cost=row_cost, row_covered=covered,
                           covered=float(covered.sum()), extras=ex)


# --------------------------------------------------------------------------------------------- lscp
def lscp(cost=None, radius=None, *, coverage=None, site_cost=None, fixed=None, method="auto",
         time_limit=config.TIME_LIMIT, solver=None, mip_gap=config.MIP_GAP, uncoverable="raise",
         reduce=True, max_iter=1000, verbose=False) -> SitingResult:
    r"""Location set covering problem: the cheapest set of sites covering every demand row.

    Parameters
    ----------
    cost : array_like or pandas.DataFrame, shape (n, m), optional
        Demand × sites cost (minutes or metres); ``inf`` = unreachable. Give either ``cost`` with
        ``radius`` or ``coverage``.
    radius : float, optional
        Coverage standard in the unit of ``cost``: row ``i`` is covered by site ``j`` when
        ``cost[i, j] <= radius`` (1e-9 tolerance).
    coverage : array_like of bool or scipy.sparse matrix, shape (n, m), optional
        The coverage matrix itself (e.g. an OR-Library instance).
    site_cost : array_like, shape (m,), optional
        Cost of opening each site; default 1 (minimise the number of sites).
    fixed : sequence of int, optional
        Column positions (or labels) of existing sites that stay open; counted in the objective.
    method : {"auto", "exact", "heuristic"}
        ``"heuristic"``: Chvátal greedy + Lagrangian subgradient (Beasley 1990), then, while the
        gap is open, the LP bound (HiGHS simplex on the reduced model), greedy covers on the LP
        reduced costs and, for unit costs, a row-weighting local search (Gao et al. 2015);
        ``"exact"``: the MIP; ``"auto"``: heuristic, then (integer costs, a small reduced
        model, a gap of at most a few cost units) an LP branch and bound with strong branching,
        then the MIP from the best cover when the gap is still open.
    time_limit : float
        Seconds for the whole call (the MIP gets what the heuristic left).
    solver : None or PuLP solver object
        None: HiGHS through highspy; e.g. ``pulp.PULP_CBC_CMD(msg=False)`` goes through PuLP.
    mip_gap : float
        Relative gap at which the result counts as optimal.
    uncoverable : {"raise", "drop"}
        What to do with rows no candidate covers: raise :class:`InfeasibleError` naming them,
        or solve for the others and list them in ``extras["uncovered_rows"]``.
    reduce : bool
        Apply the exact reductions (essential columns, row and column domination, Beasley's
        cost test) before solving.
    max_iter : int
        Subgradient iterations of the heuristic (at most; on large reduced instances fewer, by
        ``LAGRANGIAN_WORK`` nonzero visits, since the LP bound follows).
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` total site cost (fixed sites included), ``bound`` a proven lower bound
        (rounded up when all costs are integers), ``covered`` the number of covered rows.
        ``extras``: ``reductions``, ``lagrangian_bound``, ``heuristic_objective``, and when
        they ran ``lp_bound``, ``local_search_swaps``, ``solver_status``, ``mip_bound``, and
        of the core phase ``core_columns``, ``core_objective``, ``core_status``,
        ``core_priced_out_left`` or ``core_skipped``, and of the LP branch and bound
        (:mod:`yingji.siting.coverage._lscp_bb`) ``bb_nodes``, ``bb_strong_lps``,
        ``bb_root_bound``, ``bb_seconds``, ``bb_bound`` (the tree's proven lower bound).

    Raises
    ------
    ValidationError
        Bad inputs (NaN / negative costs, mismatched shapes, fixed out of range, ...).
    InfeasibleError
        Some rows cannot be covered (``uncoverable="raise"``).

    See Also
    --------
    is_covering : check a set of sites.
    mclp : the best coverage with p sites.

    Notes
    -----
    .. math::
        \min \sum_j c_j x_j \quad \text{s.t.} \quad \sum_{j \in N_i} x_j \ge 1 \;\forall i,
        \quad x_j = 1 \;\forall j \in F, \quad x_j \in \{0, 1\}

    with :math:`N_i = \{j : d_{ij} \le S\}`. Reductions (exact, repeated to a fixpoint): rows
    covered by fixed sites leave; a row with one candidate forces it; a row whose candidates
    contain another row's candidates leaves; a column whose rows are a subset of a no dearer
    column's leaves; a column dearer than the cheapest other covers of its rows leaves.

    References
    ----------
    .. [1] C. Toregas, R. Swain, C. ReVelle and L. Bergman, "The location of emergency service
       facilities", Operations Research 19(6), 1363-1373, 1971.
    .. [2] V. Chvátal, "A greedy heuristic for the set-covering problem", Mathematics of
       Operations Research 4(3), 233-235, 1979.
    .. [3] J. E. Beasley, "A Lagrangian heuristic for set-covering problems", Naval Research
       Logistics 37(1), 151-164, 1990.
    .. [4] A. Caprara, M. Fischetti and P. Toth, "A heuristic method for the set covering
       problem", Operations Research 47(5), 730-743, 1999.
    .. [5] C. Gao, T. Weise and J. Li, "An efficient local search heuristic with row weighting
       for the unicost set covering problem", European Journal of Operational Research 246(3),
       750-761, 2015.
    .. [6] A. H. Land and A. G. Doig, "An automatic method of solving discrete programming
       problems", Econometrica 28(3), 497-520, 1960.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cost = np.array([[1.0, 9.0], [9.0, 1.0], [2.0, 2.0]])
    >>> r = yj.lscp(cost, radius=2.0)
    >>> r.sites.tolist(), r.objective, r.status
    ([0, 1], 2.0, 'optimal')
    """
    t0 = time.perf_counter()
    probs = Problems("lscp")
    cov, c, fx = _lscp_inputs("lscp", cost, radius, coverage, site_cost, fixed, uncoverable, probs)
    check_method(method, "lscp", probs)
    tl = inp.check_time_limit(time_limit, probs)
    inp.check_mip_gap(mip_gap, probs)
    probs.raise_if_any()
    bad = _uncoverable_rows(cov)
    if bad.size and uncoverable == "raise":
        _raise_uncoverable("lscp", cov, bad)
    done = lambda: time.perf_counter() - t0  # noqa: E731
    # the heuristic always works on the reduced instance; ``reduce`` decides what the MIP sees
    red_h = _lscp_reduce(cov.A, c, fx, bad, reduce=True) if (reduce or method != "exact") else None
    red = red_h if reduce else _lscp_reduce(cov.A, c, fx, bad, reduce=False)
    if red_h is not None and red_h.rows.size == 0:
        return _lscp_result(cov, c, red_h.base, float(c[red_h.base].sum()), bad, red_h.info, done(), method,
                            "heuristic", mip_gap=mip_gap)
    sites_h = None
    x_lp = None
    lb = -np.inf
    extras = {}
    if method in ("heuristic", "auto"):
        x_h, ub_h, lb_h, raw_lb, u_h = _lscp_heuristic(red_h, max_iter)
        extras["lagrangian_bound"] = lb_h + red_h.offset
        extras["heuristic_objective"] = ub_h + red_h.offset
        if relative_gap(ub_h + red_h.offset, lb_h + red_h.offset) > mip_gap:
            x_h, ub_h, lb_h, raw_lb, u_h, x_lp = _lscp_strengthen(red_h, x_h, ub_h, lb_h, raw_lb, u_h, t0, tl,
                                                                  method, extras)
        lb = lb_h + red_h.offset
        sites_h = np.union1d(red_h.base, red_h.cols[x_h]).astype(np.int64)
        gap_h = relative_gap(ub_h + red_h.offset, lb)
        if method == "heuristic" or gap_h <= mip_gap:
            return _lscp_result(cov, c, sites_h, lb, bad, red_h.info, done(), method, "heuristic", extras,
                                mip_gap=mip_gap)
    if reduce and sites_h is not None:
        n_cols = red.cols.size
        red, x_p = _lscp_price_out(red, x_h, ub_h, raw_lb, u_h)
        big = red.cols.size > max(CORE_MIN_COLS, CORE_COLS_PER_ROW * red.rows.size)
        if (solver is None and big and u_h is not None and u_h.size == red.rows.size
                and tl - done() > 4 * _LSCP_MIN_MIP_SECONDS):
            xl = None if x_lp is None else x_lp[np.isin(red_h.cols, red.cols)]
            x_p, ub_c, proven = _lscp_core_phase(red, x_p, ub_h, raw_lb, u_h, xl, t0=t0, tl=tl, mip_gap=mip_gap,
                                                 extras=extras)
            if ub_c < ub_h - 1e-9:
                ub_h = ub_c
                sites_h = np.union1d(red.base, red.cols[x_p]).astype(np.int64)
            if proven:
                return _lscp_result(cov, c, sites_h, float(c[sites_h].sum()), bad, red.info, done(), method,
                                    "time_limit", extras, mip_gap=mip_gap)
            red, x_p = _lscp_price_out(red, x_p, ub_h, raw_lb, u_h)
        if red.cols.size < n_cols:
            red = _lscp_rereduce(red)
        if (solver is None and not big and _integral(red.c) and tl - done() > 4 * _LSCP_MIN_MIP_SECONDS
                and float(c[sites_h].sum()) - lb <= _lscp_bb.BB_MAX_GAP + 1e-9):
            # a small model whose cover is within BB_MAX_GAP cost units of the bound: the LP tree
            # (the many-column models of the core phase and wider gaps go to HiGHS's MIP directly)
            sites_h, proven = _lscp_tree(red, sites_h, c, t0=t0, tl=tl, extras=extras)
            if np.isfinite(extras.get("bb_bound", -np.inf)):
                # the open nodes' least bound (the tree's model keeps every cover cheaper than
                # the incumbent, so it bounds the instance); HiGHS's MIP bound may add to it
                lb = max(lb, float(np.ceil(extras["bb_bound"] - 1e-6)))
            if proven:
                return _lscp_result(cov, c, sites_h, float(c[sites_h].sum()), bad, red.info, done(), method,
                                    "time_limit", extras, mip_gap=mip_gap)
    return _lscp_mip(cov, c, red, red_h, sites_h, lb, bad, extras, t0=t0, tl=tl, method=method,
                     solver=solver, mip_gap=mip_gap, verbose=verbose)


def _lscp_tree(red: _LscpReduced, sites_h: np.ndarray, c: np.ndarray, *, t0, tl, extras):
    """The LP branch and bound of :mod:`yingji.siting.coverage._lscp_bb` on ``red`` from the
    cover ``sites_h`` (original site positions), within ``BB_MAX_NODES`` nodes and
    ``BB_TIME_SHARE`` of the time left; ``(sites, proven)`` with the better cover."""
    x0 = _lscp_start(red, sites_h) > 0.5
    left = tl - (time.perf_counter() - t0)
    x, _, proven, stats = _lscp_bb.branch_and_bound(red.A, red.c, x0, max_nodes=_lscp_bb.BB_MAX_NODES,
                                                    deadline=time.perf_counter() + _lscp_bb.BB_TIME_SHARE * left)
    stats["bb_bound"] += red.offset  # the instance's terms, like ``lp_bound``
    extras.update(stats)
    sites = np.union1d(red.base, red.cols[x]).astype(np.int64)
    if c[sites].sum() < c[sites_h].sum() - 1e-9:
        extras["bb_objective"] = float(c[sites].sum())
        return sites, proven
    return sites_h, proven


def _lscp_mip(cov, c, red, red_h, sites_h, lb, bad, extras, *, t0, tl, method, solver, mip_gap, verbose):
    """The MIP phase of :func:`lscp`: the model of ``red`` solved from the heuristic cover
    ``sites_h`` (None with ``method="exact"``) in what is left of ``tl`` seconds after ``t0``;
    the cheaper cover with the better of the MIP bound and ``lb``. When too little time is left
    to start the MIP, the heuristic cover (of ``red_h``) with its proven bound."""
    done = lambda: time.perf_counter() - t0  # noqa: E731
    remaining = tl - done()
    if sites_h is not None and remaining < _LSCP_MIN_MIP_SECONDS:
        # no time left for a MIP worth the name: the heuristic cover with its proven bound
        return _lscp_result(cov, c, sites_h, lb, bad, red_h.info, done(), method, "time_limit", extras,
                            mip_gap=mip_gap)
    model = _lscp_model(red)
    # keep a margin for HiGHS's own set-up and the result, so that the call returns within tl
    remaining = max(tl - done() - min(0.02 * tl, 0.5) - 0.005, 1e-3)
    start = _lscp_start(red, sites_h) if sites_h is not None else None
    if sites_h is not None and solver is None:
        # the incumbent's cost as the cutoff (integer costs): HiGHS prunes against it from the start
        sol, cut_proof = _solve_cut(model, start, float(c[sites_h].sum()), solver=None, time_limit=remaining,
                                    mip_gap=mip_gap, verbose=verbose)
    else:
        sol, cut_proof = solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, start=start,
                               verbose=verbose, options=_highs_options(model)), False
    if cut_proof:
        # HiGHS proved that no cover is cheaper than the incumbent by the smallest cost step
        extras.update(solver_status="kInfeasible (below the incumbent)", solver="highs")
        return _lscp_result(cov, c, sites_h, float(c[sites_h].sum()), bad, red.info, done(), method, "time_limit",
                            extras, mip_gap=mip_gap)
    extras.update(solver_status=sol.solver_status, solver=sol.solver, mip_bound=sol.bound)
    sites = None
    if sol.has_solution:
        sites = np.union1d(red.base, red.cols[sol.x > 0.5]).astype(np.int64)
    if sites_h is not None and (sites is None or c[sites_h].sum() < c[sites].sum() - 1e-9):
        sites = sites_h
    if sites is None:
        raise SolverError(f"lscp: the solver found no cover within {tl:g} s; raise time_limit or use "
                          f"method='auto' for a heuristic cover.", status=sol.solver_status)
    bound = max(sol.bound, lb)
    return _lscp_result(cov, c, sites, bound, bad, red.info, done(), method, "time_limit", extras,
                        mip_gap=mip_gap)
