"""Coverage models: LSCP, MCLP and backup coverage (DESIGN.md, Siting).

Each model has one builder (registered in :mod:`yingji.siting.build`), one exact path (the
sparse model solved by :func:`yingji.solvers.solve`, HiGHS by default or any PuLP solver) and a
numba heuristic (``yingji._kernels.coverage``) that always comes with a valid bound, so the
reported ``gap`` is honest whichever method produced the answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels import coverage as _k
from yingji._kernels import setcover as _sc
from yingji.siting import _lscp_engine as _lscp_eng
from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult, relative_gap
from yingji.siting import _inputs as inp
from yingji.siting._sparse import _lscp_arrays, csc_arrays, csr_arrays
from yingji.siting.build import BuiltModel, register
from yingji.solvers import Solution, SparseModel, solve

__all__ = ["lscp", "mclp", "backup_coverage", "build_lscp", "build_mclp", "build_backup_coverage"]

METHODS = ("auto", "exact", "heuristic")


# ----------------------------------------------------------------------------- input
@dataclass
class CovInput:
    """A validated coverage instance: labels, the cost matrix (if any) and the CSR 0/1 matrix."""

    ci: inp.CostInput
    C: np.ndarray | None
    A: sp.csr_matrix

    @property
    def n(self) -> int:
        return int(self.A.shape[0])

    @property
    def m(self) -> int:
        return int(self.A.shape[1])



#: Above this many nonzeros HiGHS's MIP presolve (which does not watch the time limit) is
#: switched off, so a dense county-size coverage model returns within ``time_limit``.
PRESOLVE_OFF_NNZ = 1_000_000


def _highs_options(model) -> dict | None:
    """HiGHS options for a coverage model: presolve off on large dense models (see above)."""
    return {"presolve": "off"} if model.A.nnz > PRESOLVE_OFF_NNZ else None

def prepare(func: str, cost, radius, coverage, probs: Problems, *, radius_name: str = "radius") -> CovInput | None:
    """Validate ``cost`` + ``radius`` or ``coverage``; record problems; None when unusable."""
    if coverage is not None and cost is not None:
        probs.add(f"Give either 'cost' with 'radius' or 'coverage' to {func}, not both.")
        return None
    if coverage is None:
        if cost is None:
            probs.param("cost", "a 2-D array or DataFrame of non-negative costs (demand × sites), "
                        "or pass 'coverage'", None)
            return None
        r = inp.check_radius(radius, probs, radius_name)
        n_before = len(probs.items)
        ci = inp.prepare_cost(cost, func, probs=probs)
        if len(probs.items) > n_before and (ci.C.ndim != 2 or 0 in ci.C.shape):
            return None
        if ci.C.ndim != 2 or 0 in ci.C.shape:
            return None
        with np.errstate(invalid="ignore"):
            A = sp.csr_matrix(ci.C <= r + config.COVER_TOL)
        return CovInput(ci, ci.C, A)
    if radius is not None:
        probs.add(f"The 'radius' parameter of {func} is not used with 'coverage'; pass one or the other.")
    n_before = len(probs.items)
    ci = inp.prepare_coverage(coverage, func, probs=probs)
    if len(probs.items) > n_before:
        return None
    A = sp.csr_matrix(ci.C, dtype=bool)
    return CovInput(ci, None, A)


def check_method(method, func: str, probs: Problems) -> str:
    if method not in METHODS:
        probs.param("method", f"one of {METHODS}", method)
    return method


# ----------------------------------------------------------------------------- sparse helpers
def empty_arrays(m: int, n: int):
    """CSC and CSR arrays of an all-zero n × m matrix (the unused matrix B of the kernels)."""
    return (np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64),
            np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))


def as_int(A) -> sp.csr_matrix:
    out = sp.csr_matrix(A, dtype=np.int64)
    out.sum_duplicates()
    out.data[:] = 1
    return out


def duplicate_groups(A, axis: int, rng_seed: int = 12345) -> np.ndarray:
    """For each column (axis=1) or row (axis=0) of a 0/1 matrix, the position of the first
    identical one (itself when unique). Exact: candidate groups from two random integer hashes
    are verified by sparse comparison."""
    A = as_int(A)
    M = A if axis == 1 else sp.csr_matrix(A.T)
    n_other, k = M.shape
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(rng_seed)
    r1 = rng.integers(0, 2**40, size=n_other, dtype=np.int64)
    r2 = rng.integers(0, 2**40, size=n_other, dtype=np.int64)
    MT = sp.csr_matrix(M.T)
    h1 = MT @ r1
    h2 = MT @ r2
    deg = np.diff(sp.csc_matrix(M).indptr)
    keys = np.stack([deg, h1, h2], axis=1)
    _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    rep = first[inv].astype(np.int64)
    dup = np.nonzero(rep != np.arange(k))[0]
    if dup.size:
        Mc = sp.csc_matrix(M)
        diff = Mc[:, dup] - Mc[:, rep[dup]]
        diff.eliminate_zeros()
        bad = np.diff(sp.csc_matrix(diff).indptr) > 0
        rep[dup[bad]] = dup[bad]
    return rep


# ----------------------------------------------------------------------------- assignment
def assign(cov: CovInput, sites: np.ndarray, A=None):
    """Nearest open covering site per row (by cost when a cost matrix exists, else the lowest
    open position), its cost, and whether the row is covered."""
    A = cov.A if A is None else A
    n = A.shape[0]
    sites = np.asarray(sites, dtype=np.int64)
    if sites.size == 0:
        return np.full(n, -1, np.int64), (np.full(n, np.inf) if cov.C is not None else None), np.zeros(n, bool)
    sub = sp.csr_matrix(A[:, sites], dtype=bool)
    covered = np.diff(sub.indptr) > 0
    if cov.C is not None:
        Cs = cov.C[:, sites]
        masked = np.where(sub.toarray(), Cs, np.inf)
        arg = np.argmin(masked, axis=1)
        best = masked[np.arange(n), arg]
        assignment = np.where(covered, sites[arg], -1)
        row_cost = np.where(covered, best, np.inf)
        return assignment.astype(np.int64), row_cost, covered
    first = np.full(n, -1, dtype=np.int64)
    s = sp.csr_matrix(sub)
    s.sort_indices()
    has = np.diff(s.indptr) > 0
    first[has] = sites[s.indices[s.indptr[:-1][has]]]
    return first, None, covered


def row_labels(cov: CovInput, rows) -> list:
    rows = [int(r) for r in rows]
    if cov.ci.row_ids is not None:
        return [cov.ci.row_ids[r] for r in rows]
    return rows


def describe_rows(cov: CovInput, rows) -> str:
    return describe_positions(list(rows), cov.ci.row_ids)


# ============================================================================ kernels glue
def _kernel_instance(A_int, B_int=None):
    """CSC/CSR arrays of A (and B, or an empty B) for the max-cover kernels."""
    n, m = A_int.shape
    a_ptr, a_rows = csc_arrays(A_int)
    ar_ptr, ar_cols = csr_arrays(A_int)
    if B_int is None:
        b_ptr, b_rows, br_ptr, br_cols = empty_arrays(m, n)
    else:
        b_ptr, b_rows = csc_arrays(B_int)
        br_ptr, br_cols = csr_arrays(B_int)
    return a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols


def _max_cover_heuristic(A_int, w1, w2, fixed_mask, p, *, B_int=None, w3=None, start=None,
                         max_passes=50):
    """Greedy (from ``start`` ∪ fixed) then swap local search. Returns the open mask."""
    n, m = A_int.shape
    arrs = _kernel_instance(A_int, B_int)
    w1 = np.ascontiguousarray(w1, dtype=np.float64)
    w2 = np.ascontiguousarray(w2, dtype=np.float64)
    w3 = np.zeros(n, dtype=np.float64) if w3 is None else np.ascontiguousarray(w3, dtype=np.float64)
    init = fixed_mask.copy()
    if start is not None:
        init |= start
    allowed = np.ones(m, dtype=np.bool_)
    op = _k._max_cover_greedy(*arrs, n, w1, w2, w3, init, allowed, int(p))
    scale = float(np.abs(w1).sum() + np.abs(w2).sum() + np.abs(w3).sum())
    op, _ = _k._max_cover_swap(*arrs, n, w1, w2, w3, op, fixed_mask, allowed, 1e-12 * max(scale, 1.0),
                               int(max_passes))
    return op


def _max_cover_bound(A_int, w1, w2, fixed_mask, p_free, lower, *, lam0=None, max_iter=400):
    """Lagrangian upper bound (valid for any multipliers) and the multipliers."""
    n, m = A_int.shape
    a_ptr, a_rows = csc_arrays(A_int)
    w1 = np.ascontiguousarray(w1, dtype=np.float64)
    w2 = np.ascontiguousarray(w2, dtype=np.float64)
    if lam0 is None:
        lam0 = np.maximum(w1, 0.5 * (w1 + w2))
    tol = 1e-9 * max(1.0, abs(lower))
    ub, lam = _k._max_cover_lagrangian(a_ptr, a_rows, n, w1, w2, fixed_mask, int(p_free),
                                       np.ascontiguousarray(lam0, dtype=np.float64), float(lower),
                                       int(max_iter), tol)
    # every row at its best value is a bound too (the LP bound is often exactly this when p is
    # large against the overlap of the columns)
    trivial = float(np.maximum(np.maximum(w1, w1 + w2), 0.0).sum())
    return float(min(ub, trivial)), lam


def _fill_sites(cov: CovInput, open_mask: np.ndarray, p: int, weights: np.ndarray) -> np.ndarray:
    """Open more sites until ``p`` are open: the greedy on (first + second) coverage picks them."""
    if int(open_mask.sum()) >= p:
        return open_mask
    A = as_int(cov.A)
    n, m = A.shape
    arrs = _kernel_instance(A)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    return _k._max_cover_greedy(*arrs, n, w, w, np.zeros(n), open_mask.copy(), np.ones(m, np.bool_), int(p))


def _integral(v: np.ndarray) -> bool:
    v = np.asarray(v, dtype=float)
    return bool(np.all(np.isfinite(v)) and np.all(np.abs(v - np.round(v)) <= 1e-9))


# ============================================================================ LSCP
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
    for _ in range(50):
        r_idx = np.nonzero(active)[0]
        c_idx = np.nonzero(keep)[0]
        if r_idx.size == 0:
            break
        sub = sp.csr_matrix(A[r_idx][:, c_idx])
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
        cdeg = np.diff(sp.csc_matrix(sub).indptr)
        changed = False
        empty = cdeg == 0
        if empty.any():
            keep[c_idx[empty]] = False
            changed = True
        # row domination: cols(i) ⊆ cols(k) → covering i covers k; drop k (numba kernel)
        a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(sub)
        kk = np.nonzero(_sc._set_cover_row_dominated(ar_ptr, ar_cols, a_ptr, a_rows))[0]
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
    lb, u, ub2, bx = _k._set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, n, c, active,
                                              np.ascontiguousarray(u0, dtype=np.float64), ub, ch,
                                              int(max_iter), integral, 1e-9)
    raw = float(lb)
    if integral:
        lb = float(np.ceil(lb - 1e-6))
    return bx, float(ub2), float(lb), raw, u


#: Below this many seconds left, ``lscp`` returns its heuristic cover instead of starting a MIP.
_LSCP_MIN_MIP_SECONDS = 0.05


def _lscp_strengthen(red: _LscpReduced, x_h, ub, lb, raw_lb, u, t0, tl, method, extras):
    """LP bound (HiGHS simplex on the reduced model) and local search from the heuristic cover
    (:mod:`yingji.siting._lscp_engine`); returns the heuristic's tuple, improved."""
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
    x2, stats = _lscp_eng.improve(red.A, red.c, x_h, lb, u=u_lp, x_lp=x_lp,
                                  deadline=time.perf_counter() + share * left)
    extras.update(stats)
    if red.c[x2].sum() < ub - 1e-9:
        x_h, ub = x2, float(red.c[x2].sum())
    return x_h, ub, lb, raw_lb, u


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


def _lscp_inputs(func, cost, radius, coverage, site_cost, fixed, uncoverable, probs):
    cov = prepare(func, cost, radius, coverage, probs)
    if cov is None:
        probs.raise_if_any()
    m = cov.m
    if site_cost is None:
        c = np.ones(m, dtype=np.float64)
    else:
        c = np.asarray(site_cost.to_numpy() if hasattr(site_cost, "to_numpy") else site_cost, dtype=np.float64).ravel()
        if c.size != m:
            probs.param("site_cost", f"an array of {m} non-negative costs (one per candidate site)", f"{c.size} values")
            c = np.ones(m)
        else:
            bad = np.nonzero(~np.isfinite(c) | (c < 0))[0]
            if bad.size:
                probs.add(f"The 'site_cost' parameter of {func} must be finite and non-negative. "
                          f"Got bad values at columns {describe_positions(bad, cov.ci.col_ids)}.")
    fx = inp.check_fixed(fixed, m, probs, labels=cov.ci.col_ids)
    if uncoverable not in ("raise", "drop"):
        probs.param("uncoverable", "'raise' or 'drop'", uncoverable)
    return cov, np.ascontiguousarray(c), fx


def _uncoverable_rows(cov: CovInput) -> np.ndarray:
    return np.nonzero(np.diff(cov.A.indptr) == 0)[0]


def _raise_uncoverable(func, cov, bad, what="radius"):
    raise InfeasibleError(
        f"{func}: {bad.size} demand rows cannot be covered by any candidate site within the {what}: "
        f"rows {describe_rows(cov, bad)}. Pass uncoverable='drop' to solve for the others, or add "
        f"candidates / widen the {what}.",
        rows=row_labels(cov, bad), reason=f"no candidate site within the {what}")


@register("lscp")
def build_lscp(cost=None, radius=None, *, coverage=None, site_cost=None, fixed=None,
               uncoverable="raise", reduce=False) -> BuiltModel:
    """Build the LSCP as a :class:`~yingji.siting.build.BuiltModel` (see :func:`lscp`).

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
    yingji.siting.build.BuiltModel
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
        ``"exact"``: the MIP; ``"auto"``: heuristic, then the MIP from its cover when the gap
        is still open.
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
        Subgradient iterations of the heuristic.
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` total site cost (fixed sites included), ``bound`` a proven lower bound
        (rounded up when all costs are integers), ``covered`` the number of covered rows.
        ``extras``: ``reductions``, ``lagrangian_bound``, ``heuristic_objective``, and when
        they ran ``lp_bound``, ``local_search_swaps``, ``solver_status``, ``mip_bound``.

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
    lb = -np.inf
    extras = {}
    if method in ("heuristic", "auto"):
        x_h, ub_h, lb_h, raw_lb, u_h = _lscp_heuristic(red_h, max_iter)
        extras["lagrangian_bound"] = lb_h + red_h.offset
        extras["heuristic_objective"] = ub_h + red_h.offset
        if relative_gap(ub_h + red_h.offset, lb_h + red_h.offset) > mip_gap:
            x_h, ub_h, lb_h, raw_lb, u_h = _lscp_strengthen(red_h, x_h, ub_h, lb_h, raw_lb, u_h, t0, tl,
                                                            method, extras)
        lb = lb_h + red_h.offset
        sites_h = np.union1d(red_h.base, red_h.cols[x_h]).astype(np.int64)
        gap_h = relative_gap(ub_h + red_h.offset, lb)
        if method == "heuristic" or gap_h <= mip_gap:
            return _lscp_result(cov, c, sites_h, lb, bad, red_h.info, done(), method, "heuristic", extras,
                                mip_gap=mip_gap)
    if reduce and sites_h is not None:
        n_cols = red.cols.size
        red, _ = _lscp_price_out(red, x_h, ub_h, raw_lb, u_h)
        if red.cols.size < n_cols:
            red = _lscp_rereduce(red)
    remaining = tl - done()
    if sites_h is not None and remaining < _LSCP_MIN_MIP_SECONDS:
        # no time left for a MIP worth the name: the heuristic cover with its proven bound
        return _lscp_result(cov, c, sites_h, lb, bad, red_h.info, done(), method, "time_limit", extras,
                            mip_gap=mip_gap)
    model = _lscp_model(red)
    # keep a margin for HiGHS's own set-up and the result, so that the call returns within tl
    remaining = max(tl - done() - min(0.02 * tl, 0.5) - 0.005, 1e-3)
    start = _lscp_start(red, sites_h) if sites_h is not None else None
    sol = solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, start=start, verbose=verbose,
                options=_highs_options(model))
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

# ============================================================================ MCLP / backup
@dataclass
class _MaxCov:
    """A (reduced) max-cover instance: model rows are groups of identical demand rows."""

    cov: CovInput
    w: np.ndarray            # original row weights
    fixed: np.ndarray        # original fixed positions
    p: int
    cols: np.ndarray         # original positions of the model columns
    A: sp.csr_matrix         # int 0/1, rows × cols
    wy: np.ndarray           # aggregated row weights
    col_lo: np.ndarray       # 1 for fixed columns kept in the model
    base: np.ndarray         # original sites open outside the model (MCLP: the fixed ones)
    offset: float            # weight covered by ``base`` (MCLP)
    p_free: int              # budget on the model's columns
    B: sp.csr_matrix | None  # radius2 rows (backup), rows × cols
    twice: bool
    info: dict


def _aggregate_rows(A_rows: sp.csr_matrix, w: np.ndarray):
    """Merge identical rows (summing weights): (matrix, weights, group of each input row)."""
    if A_rows.shape[0] == 0:
        return A_rows, w, np.zeros(0, np.int64)
    rep = duplicate_groups(A_rows, axis=0)
    uniq, inv = np.unique(rep, return_inverse=True)
    wa = np.bincount(inv.ravel(), weights=w, minlength=uniq.size)
    return sp.csr_matrix(A_rows[uniq]), wa, inv.ravel()


def _maxcov_reduce(cov, w, fixed, p, *, twice, B_full=None, reduce=True) -> _MaxCov:
    A = as_int(cov.A)
    n, m = A.shape
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[fixed] = True
    info = {"rows": n, "cols": m}
    if not reduce:
        Bm = None if B_full is None else as_int(B_full)
        return _MaxCov(cov, w, fixed, p, np.arange(m), A, w.astype(float), fixed_mask.astype(float),
                       np.zeros(0, np.int64), 0.0, p, Bm, twice, info)
    Ac = sp.csc_matrix(A)
    deg = np.diff(A.indptr)
    if not twice:
        by_fixed = np.asarray(Ac[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else np.zeros(n, bool)
        offset = float(w[by_fixed].sum())
        active = (~by_fixed) & (w > 0) & (deg > 0)
        r_idx = np.nonzero(active)[0]
        c_idx = np.nonzero(~fixed_mask)[0]
        sub = sp.csr_matrix(A[r_idx][:, c_idx])
        cdeg = np.diff(sp.csc_matrix(sub).indptr)
        keep = cdeg > 0
        # identical columns: one is enough (coverage counts once)
        rep = duplicate_groups(sub, axis=1)
        keep &= rep == np.arange(c_idx.size)
        info["cols_duplicate"] = int(((rep != np.arange(c_idx.size)) & (cdeg > 0)).sum())
        kk = np.nonzero(keep)[0]
        # a column whose rows another covers too (more rows, or as many and earlier) is never needed:
        # the set-covering column-domination kernel with equal costs
        dom = _sc._set_cover_col_dominated(*_lscp_arrays(sub[:, kk]), np.ones(kk.size))
        info["cols_dominated"] = int(dom.sum())
        kk = kk[~dom]
        cols = c_idx[kk]
        Ar, wa, _ = _aggregate_rows(sp.csr_matrix(A[r_idx][:, cols]), w[r_idx])
        info["model_rows"] = int(Ar.shape[0])
        info["model_cols"] = int(cols.size)
        return _MaxCov(cov, w, fixed, p, cols, Ar, wa, np.zeros(cols.size), fixed.astype(np.int64), offset,
                       p - fixed.size, None, False, info)
    # backup: fixed columns stay in the model (they count towards second coverage)
    active = (w > 0) & (deg > 0)
    r_idx = np.nonzero(active)[0]
    useful = (np.diff(sp.csc_matrix(A[r_idx]).indptr) > 0) | fixed_mask
    Bm = None
    if B_full is not None:
        Bi = as_int(B_full)
        Bc = sp.csc_matrix(Bi)
        by_fixed = np.asarray(Bc[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else np.zeros(n, bool)
        b_rows = np.nonzero(~by_fixed)[0]
        useful |= np.diff(sp.csc_matrix(Bi[b_rows]).indptr) > 0
    cols = np.nonzero(useful)[0]
    Ar, wa, _ = _aggregate_rows(sp.csr_matrix(A[r_idx][:, cols]), w[r_idx])
    if B_full is not None:
        Bsub = sp.csr_matrix(Bi[b_rows][:, cols])
        rep = duplicate_groups(Bsub, axis=0) if Bsub.shape[0] else np.zeros(0, np.int64)
        Bm = sp.csr_matrix(Bsub[np.unique(rep)]) if Bsub.shape[0] else Bsub
    info["model_rows"] = int(Ar.shape[0])
    info["model_cols"] = int(cols.size)
    return _MaxCov(cov, w, fixed, p, cols, Ar, wa, fixed_mask[cols].astype(float), np.zeros(0, np.int64),
                   0.0, p, Bm, True, info)


def _maxcov_model(mc: _MaxCov, alpha: float, beta: float, min_first: float | None = None,
                  name: str = "mclp") -> SparseModel:
    """MCLP (Church and ReVelle 1974) or BACOP (Hogan and ReVelle 1986) in sparse form.

    Columns: x (sites, binary), y (covered, continuous in [0, 1]) and, for backup, u (covered
    twice, binary)."""
    A = sp.csr_matrix(mc.A, dtype=np.float64)
    n, k = A.shape
    I = sp.identity(n, format="csr")
    blocks, lo, hi = [], [], []
    if mc.twice:
        blocks.append(sp.hstack([-A, I, I]))
        blocks.append(sp.hstack([sp.csr_matrix((n, k)), -I, I]))
        lo += [np.full(2 * n, -np.inf)]
        hi += [np.zeros(2 * n)]
        nv = k + 2 * n
        c = np.concatenate([np.zeros(k), alpha * mc.wy, beta * mc.wy])
        integ = np.concatenate([np.ones(k, bool), np.zeros(n, bool), np.ones(n, bool)])
        pad = 2 * n
    else:
        blocks.append(sp.hstack([-A, I]))
        lo += [np.full(n, -np.inf)]
        hi += [np.zeros(n)]
        nv = k + n
        c = np.concatenate([np.zeros(k), alpha * mc.wy])
        integ = np.concatenate([np.ones(k, bool), np.zeros(n, bool)])
        pad = n
    blocks.append(sp.hstack([sp.csr_matrix(np.ones((1, k))), sp.csr_matrix((1, pad))]))
    lo.append(np.array([-np.inf]))
    hi.append(np.array([float(mc.p_free)]))
    row_names = [f"cover_{i}" for i in range(n)] + ([f"twice_{i}" for i in range(n)] if mc.twice else []) + ["budget"]
    if mc.B is not None and mc.B.shape[0]:
        nb = mc.B.shape[0]
        blocks.append(sp.hstack([sp.csr_matrix(mc.B, dtype=np.float64), sp.csr_matrix((nb, pad))]))
        lo.append(np.ones(nb))
        hi.append(np.full(nb, np.inf))
        row_names += [f"radius2_{i}" for i in range(nb)]
    if min_first is not None:
        row = np.concatenate([np.zeros(k), mc.wy, np.zeros(pad - n)])
        blocks.append(sp.csr_matrix(row[None, :]))
        lo.append(np.array([float(min_first)]))
        hi.append(np.array([np.inf]))
        row_names.append("first_coverage")
    M = sp.vstack(blocks, format="csr")
    col_names = [f"x_{j}" for j in mc.cols] + [f"y_{i}" for i in range(n)] + ([f"u_{i}" for i in range(n)] if mc.twice else [])
    col_lo = np.concatenate([mc.col_lo, np.zeros(nv - k)])
    return SparseModel(c=c, A=M, row_lo=np.concatenate(lo), row_hi=np.concatenate(hi), col_lo=col_lo,
                       col_hi=np.ones(nv), integrality=integ, sense="max",
                       offset=mc.offset * alpha if not mc.twice else 0.0,
                       col_names=col_names, row_names=row_names, name=name)


def _mc_start(mc: _MaxCov, xmask: np.ndarray) -> np.ndarray:
    """Full start vector (x, y[, u]) of the model from an open mask over the model columns."""
    cnt = np.asarray(sp.csr_matrix(mc.A, dtype=np.int64) @ xmask.astype(np.int64)).ravel()
    y = np.minimum(cnt, 1).astype(float)
    parts = [xmask.astype(float), y]
    if mc.twice:
        parts.append((cnt >= 2).astype(float))
    return np.concatenate(parts)


def _mc_heuristic(mc: _MaxCov, w1, w2, start_mask=None, w3_big=None):
    """Greedy + swap on the model instance; returns the open mask over model columns."""
    n, k = mc.A.shape
    fixed_mask = mc.col_lo > 0.5
    if mc.B is not None and mc.B.shape[0]:
        nb = mc.B.shape[0]
        A2 = sp.vstack([mc.A, sp.csr_matrix((nb, k), dtype=np.int64)], format="csr")
        B2 = sp.vstack([sp.csr_matrix((n, k), dtype=np.int64), mc.B], format="csr")
        W1 = np.concatenate([w1, np.zeros(nb)])
        W2 = np.concatenate([w2, np.zeros(nb)])
        W3 = np.concatenate([np.zeros(n), np.full(nb, w3_big)])
        return _max_cover_heuristic(as_int(A2), W1, W2, fixed_mask, mc.p_free,
                                    B_int=as_int(B2), w3=W3, start=start_mask)
    return _max_cover_heuristic(as_int(mc.A), w1, w2, fixed_mask, mc.p_free, start=start_mask)


def _mc_sites(mc: _MaxCov, xmask: np.ndarray) -> np.ndarray:
    return np.union1d(mc.base, mc.cols[xmask]).astype(np.int64)


def _mc_start_mask(mc: _MaxCov, start_sites) -> np.ndarray | None:
    if start_sites is None:
        return None
    pos = {int(c): q for q, c in enumerate(mc.cols)}
    mask = np.zeros(mc.cols.size, dtype=bool)
    for s in np.asarray(start_sites, dtype=np.int64):
        q = pos.get(int(s))
        if q is not None:
            mask[q] = True
    return mask


def _maxcov_inputs(func, cost, radius, coverage, p, weights, fixed, probs):
    cov = prepare(func, cost, radius, coverage, probs)
    if cov is None:
        probs.raise_if_any()
    w = inp.check_weights(weights, cov.n, func, probs)
    fx = inp.check_fixed(fixed, cov.m, probs, labels=cov.ci.col_ids)
    pp = inp.check_p(p, cov.m, fx.size, probs)
    return cov, w, fx, pp


def _mclp_result(cov, w, sites, bound, seconds, method, stopped, extras, mip_gap=config.MIP_GAP,
                 model="mclp"):
    assignment, row_cost, covered = assign(cov, sites)
    obj = float(w[covered].sum())
    tot = float(w.sum())
    ex = {"covered_share": obj / tot if tot > 0 else 1.0,
          "uncovered_rows": row_labels(cov, np.nonzero(~covered)[0]),
          "n_uncovered_rows": int((~covered).sum()),
          "covered_rows_share": float(covered.mean()) if covered.size else 1.0}
    ex.update(extras or {})
    return inp.make_result(model, sites=sites, objective=obj, bound=bound, sense="max", ci=cov.ci,
                           assignment=assignment, seconds=seconds, method=method, stopped=stopped,
                           mip_gap=mip_gap, row_cost=row_cost, row_covered=covered, covered=obj, extras=ex)


@register("mclp")
def build_mclp(cost=None, radius=None, p=None, *, coverage=None, weights=None, fixed=None,
               reduce=False) -> BuiltModel:
    """Build the MCLP as a :class:`~yingji.siting.build.BuiltModel` (see :func:`mclp`).

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
    yingji.siting.build.BuiltModel
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


#: Shares of the time left that the volume bound and the iterated local search may use
#: (``method="heuristic"``; with ``"auto"`` they get half of these and the MIP the rest).
MC_VOLUME_SHARE = 0.55
MC_ILS_SHARE = 0.4
#: Share of the time left (after the set-up allowance) given to HiGHS as its own limit.
MC_MIP_TIME_SHARE = 0.85
#: Columns with a volume primal value above this are the candidates of the local search
#: kicks (with the incumbent's sites).
MC_SUPPORT_TOL = 1e-3


def _mc_reserve(cov_nnz: int, tl: float) -> float:
    """Seconds kept back from ``time_limit`` for decoding the result (assignment, top-up);
    measured 1.6 s for the 5 M-nonzero 50,000 x 2,000 coverage matrix on a loaded machine."""
    return min(0.1 * tl, 0.3 + 4e-7 * cov_nnz)


def _mc_mip_overrun(model_nnz: int) -> float:
    """Seconds HiGHS may run past its ``time_limit`` on a coverage MIP of this size: it does
    not watch the clock while setting up and during its first LP (measured: a 10 s limit on
    the 4.2 M-nonzero 50,000 x 2,000 model returned after 25.5 s on a loaded 2-core machine;
    the 20,000 x 1,000 MCLP of the peers suite ended 1.5 s past its 120 s limit)."""
    return 1.0 + 4e-6 * model_nnz


def _mc_mip_floor(model_nnz: int) -> float:
    """Least time worth starting the MIP with: its overrun allowance plus a little search."""
    return 1.0 + 2e-6 * model_nnz + _mc_mip_overrun(model_nnz)


def _mc_improve(mc, w1, x, val, ub_trivial, *, deadline_vol, deadline_ils, lam0, max_iter, mip_gap, seed=0,
                min_ils_s=0.0):
    """MCLP only: volume-algorithm bound, then iterated local search on the volume primal's
    support (started only when at least ``min_ils_s`` seconds, the cost of one swap descent, are
    left: a kernel call cannot be interrupted). Returns (x, value, bound, lam, extras)."""
    from yingji.siting import _bounds

    A_int = as_int(mc.A)
    fixed_mask = mc.col_lo > 0.5
    p_free = mc.p_free - int(fixed_mask.sum())
    arrs = csc_arrays(A_int)
    tol = 0.5 * mip_gap * max(abs(val), 1.0)
    ub, lam, vinfo = _bounds.volume_bound(A_int, w1, fixed_mask, p_free, val, lam0=lam0, max_iter=max_iter,
                                          deadline=deadline_vol, tol=tol, csc=arrs)
    ub = min(ub, ub_trivial)
    extras = {"volume_iterations": vinfo["iterations"], "volume_stop": vinfo["stop"], "lagrangian_bound": ub,
              "greedy_swap_objective": val}
    if relative_gap(val, ub) > mip_gap and time.perf_counter() + min_ils_s < deadline_ils:
        allowed = (vinfo["primal_x"] > MC_SUPPORT_TOL) | x | fixed_mask
        ra, rc = csr_arrays(A_int)
        x2, v2, iinfo = _bounds.iterated_local_search(A_int, w1, x, fixed_mask, allowed=allowed,
                                                      deadline=deadline_ils, seed=seed,
                                                      arrays=(arrs[0], arrs[1], ra, rc))
        extras.update(ils_kicks=iinfo["kicks"], ils_improvements=iinfo["improvements"], ils_stop=iinfo["stop"])
        if v2 > val:
            x, val = x2, v2
    return x, val, ub, lam, extras


def _mc_rc_fix(mc: _MaxCov, w1: np.ndarray, lam: np.ndarray, x: np.ndarray, lower: float):
    """Lagrangian reduced-cost fixing for MCLP before the MIP.

    With the coverage rows ``y_i <= sum_j a_ij x_j`` relaxed by ``lam`` in ``[0, w]``,
    ``L(lam) = sum_i max(0, w_i - lam_i) + sum_{fixed} c_j + (the p_free largest c_j)`` with
    ``c_j = sum_i a_ij lam_i`` bounds every solution (Galvao and ReVelle 1996). Forcing a site that
    is not among the largest open changes the bound to ``L + c_j - c_(p)``; forcing one of them
    shut, to ``L - c_j + c_(p+1)``. A site whose forced bound is at most ``lower`` (the
    incumbent's value) cannot be in a better solution that way, so it is fixed the other way,
    unless the incumbent ``x`` itself uses it that way (the restricted model keeps the incumbent,
    so its optimum is the whole problem's). Returns (close mask, open mask, largest forced bound
    among the fixed sites, or -inf)."""
    k = mc.A.shape[1]
    none = (np.zeros(k, bool), np.zeros(k, bool), -np.inf)
    if lam is None or x is None:
        return none
    lam = np.clip(np.asarray(lam, dtype=np.float64), 0.0, w1)
    fixed = mc.col_lo > 0.5
    p_free = int(mc.p_free) - int(fixed.sum())
    free = np.nonzero(~fixed)[0]
    if p_free <= 0 or p_free >= free.size:
        return none
    c = np.asarray(sp.csr_matrix(mc.A, dtype=np.float64).T @ lam).ravel()
    cf = c[free]
    order = np.argsort(-cf, kind="stable")
    top = np.zeros(free.size, bool)
    top[order[:p_free]] = True
    c_p, c_p1 = cf[order[p_free - 1]], cf[order[p_free]]
    L = float(np.maximum(w1 - lam, 0.0).sum() + c[fixed].sum() + cf[top].sum())
    tol = 1e-9 * max(abs(lower), 1.0)
    forced_in = np.where(top, L, L + cf - c_p)     # bound with x_j = 1
    forced_out = np.where(top, L - cf + c_p1, L)   # bound with x_j = 0
    xf = x[free]
    close = (~top) & (forced_in <= lower - tol) & (~xf)
    open_ = top & (forced_out <= lower - tol) & xf
    close_m = np.zeros(k, bool)
    open_m = np.zeros(k, bool)
    close_m[free[close]] = True
    open_m[free[open_]] = True
    worst = max(float(forced_in[close].max()) if close.any() else -np.inf,
                float(forced_out[open_].max()) if open_.any() else -np.inf)
    return close_m, open_m, worst


def _solve_max_cover(mc, w1, w2, *, method, tl, t0, solver, mip_gap, verbose, start_sites=None,
                     lam0=None, name="mclp", min_first=None, alpha=1.0, beta=0.0, max_iter=400,
                     known_lower=None):
    """Heuristic / bound / MIP for one max-cover objective on a reduced instance.

    For MCLP (no second coverage, no radius2 rows) the bound is the volume algorithm's and
    the greedy + swap solution is improved by iterated local search
    (:mod:`yingji.siting._bounds`); other objectives keep the subgradient bound. Every phase
    checks the clock, so the call returns within ``tl`` seconds of ``t0`` (the MIP is skipped
    when too little time is left to set it up).

    Returns (open mask over model columns, model value incl. offset, bound, extras dict, lam).
    """
    k = mc.cols.size
    extras = {}
    x = None
    val = -np.inf
    ub = np.inf
    lam = None
    fixed_mask = mc.col_lo > 0.5
    A_int = as_int(mc.A)
    off = mc.offset * alpha if not mc.twice else 0.0
    end = t0 + tl - _mc_reserve(int(mc.cov.A.nnz), tl)
    mclp_like = (not mc.twice) and (mc.B is None or mc.B.shape[0] == 0) and not np.any(w2) and min_first is None
    if method in ("heuristic", "auto"):
        w3_big = 2.0 * (float(np.abs(w1).sum() + np.abs(w2).sum()) + 1.0)
        t_heur = time.perf_counter()
        x = _mc_heuristic(mc, w1, w2, _mc_start_mask(mc, start_sites), w3_big)
        extras["heuristic_seconds"] = time.perf_counter() - t_heur
        if mc.B is not None and mc.B.shape[0]:
            bcnt = np.asarray(sp.csr_matrix(mc.B, dtype=np.int64) @ x.astype(np.int64)).ravel()
            if (bcnt == 0).any():
                x = None
        if x is not None:
            arrs_val = csc_arrays(A_int)
            e_ptr, e_rows, _, _ = empty_arrays(k, mc.A.shape[0])
            tot, _, _ = _k._max_cover_value(arrs_val[0], arrs_val[1], e_ptr, e_rows, mc.A.shape[0],
                                            np.ascontiguousarray(w1, dtype=np.float64),
                                            np.ascontiguousarray(w2, dtype=np.float64),
                                            np.zeros(mc.A.shape[0]), x)
            val = tot + off
            extras["heuristic_objective"] = val
    lower = val if np.isfinite(val) else (known_lower if known_lower is not None else 0.0)
    if mclp_like and x is not None:
        now = time.perf_counter()
        left = max(end - now, 0.0)
        # "auto" keeps half the time for the MIP, unless that half could not even set it up
        mip_nnz = int(mc.A.nnz) + int(mc.A.shape[0]) + k
        share = 1.0 if method == "heuristic" or 0.5 * left < _mc_mip_floor(mip_nnz) else 0.5
        d_vol = now + share * MC_VOLUME_SHARE * left
        d_ils = d_vol + share * MC_ILS_SHARE * left
        trivial = float(np.maximum(w1, 0.0).sum())
        x, v_m, ub_m, lam, ex = _mc_improve(mc, np.ascontiguousarray(w1, dtype=np.float64), x, val - off, trivial,
                                             deadline_vol=d_vol, deadline_ils=d_ils, lam0=lam0,
                                             max_iter=max_iter, mip_gap=mip_gap,
                                             min_ils_s=extras.get("heuristic_seconds", 0.0))
        val = v_m + off
        ub = ub_m + off
        ex["lagrangian_bound"] = ub
        extras.update(ex)
        extras["heuristic_objective"] = val
    else:
        ub_l, lam = _max_cover_bound(A_int, w1, w2, fixed_mask, mc.p_free - int(fixed_mask.sum()),
                                     lower - off, lam0=lam0, max_iter=max_iter)
        ub = ub_l + off
        extras["lagrangian_bound"] = ub
    if method == "heuristic" or (x is not None and relative_gap(val, ub) <= mip_gap and min_first is None):
        return x, val, ub, extras, lam
    model = _maxcov_model(mc, alpha, beta, min_first=min_first, name=name)
    fix_bound = -np.inf
    if mclp_like and x is not None and lam is not None:
        shut, keep_open, fix_bound = _mc_rc_fix(mc, np.ascontiguousarray(w1, dtype=np.float64), lam, x, val - off)
        if shut.any() or keep_open.any():
            model.col_hi[:k][shut] = 0.0
            model.col_lo[:k][keep_open] = 1.0
            fix_bound += off
        extras.update(rc_fixed_closed=int(shut.sum()), rc_fixed_open=int(keep_open.sum()))
    remaining = end - time.perf_counter()
    if remaining < _mc_mip_floor(int(model.A.nnz)):
        if x is not None:  # no time to set the MIP up: return the heuristic answer and its bound
            extras["mip_skipped"] = f"{max(remaining, 0.0):.1f} s left"
            return x, val, ub, extras, lam
        remaining = max(remaining, 0.5)  # nothing to return otherwise: try anyway
    start = _mc_start(mc, x) if x is not None else None
    if start is not None and min_first is not None:
        fc = float(mc.wy @ start[k:k + mc.A.shape[0]])
        if fc < min_first - 1e-9:
            start = None
    # HiGHS checks its clock coarsely (root LP, cut rounds): it ended 10.7 s past a 115.9 s limit
    # on the 20,000 x 1,000 model at load 5, so it gets 85 % of what is left after the set-up
    mip_tl = max(MC_MIP_TIME_SHARE * (remaining - _mc_mip_overrun(int(model.A.nnz))), 0.5)
    t_mip = time.perf_counter()
    sol = solve(model, solver=solver, time_limit=mip_tl, mip_gap=mip_gap, start=start, verbose=verbose,
                options=_highs_options(model))
    extras.update(solver_status=sol.solver_status, solver=sol.solver, mip_bound=sol.bound, mip_time_limit=mip_tl,
                  mip_seconds=time.perf_counter() - t_mip, mip_started_at=t_mip - t0)
    if sol.has_solution:
        xs = sol.x[:k] > 0.5
        if x is None or sol.objective >= val - 1e-9 * max(1.0, abs(val)):
            x, val = xs, sol.objective
    # the restricted model keeps the incumbent, so its bound covers the sites fixed by reduced cost
    ub = min(ub, max(sol.bound, fix_bound))
    return x, val, ub, extras, lam


def mclp(cost=None, radius=None, p=None, *, coverage=None, weights=None, fixed=None, method="auto",
         time_limit=config.TIME_LIMIT, solver=None, mip_gap=config.MIP_GAP, reduce=True, start=None,
         max_iter=3000, verbose=False) -> SitingResult:
    r"""Maximal covering location problem: ``p`` sites covering the most demand weight.

    Parameters
    ----------
    cost : array_like or pandas.DataFrame, shape (n, m), optional
        Demand × sites cost (minutes or metres); ``inf`` = unreachable.
    radius : float, optional
        Coverage standard in the unit of ``cost`` (covered when ``cost <= radius``).
    p : int
        Number of open sites, fixed ones included.
    coverage : array_like of bool or scipy.sparse matrix, shape (n, m), optional
        The coverage matrix, instead of ``cost`` and ``radius``.
    weights : array_like, shape (n,), optional
        Demand weight of each row (persons, incidents); default 1.
    fixed : sequence of int, optional
        Positions (or labels) of existing sites that stay open.
    method : {"auto", "exact", "heuristic"}
        ``"heuristic"``: greedy + swap local search improved by iterated local search, with
        the volume-algorithm Lagrangian (LP) upper bound; ``"exact"``: the MIP; ``"auto"``:
        heuristic (on half the time), then the MIP from it while the gap is open.
    time_limit : float
        Seconds for the whole call, input preparation and reductions included. The
        heuristic phases stop at their share of it, and the MIP is skipped when too little
        time is left to set it up.
    solver : None or PuLP solver object
        None: HiGHS via highspy; a PuLP solver object goes through the PuLP bridge.
    mip_gap : float
        Relative gap at which the result counts as optimal.
    reduce : bool
        Aggregate identical rows, drop duplicate and dominated columns, drop rows covered by fixed
        sites (all exact for MCLP).
    start : sequence of int, optional
        Sites to start the heuristic from (warm start).
    max_iter : int
        Iteration cap of the volume algorithm (it also stops when the bound stalls, meets the
        incumbent or its share of ``time_limit`` is spent).
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` = ``covered`` = weight covered; ``extras["covered_share"]``,
        ``extras["uncovered_rows"]``.

    Raises
    ------
    ValidationError
        Bad inputs: NaN / negative costs, ``p`` out of range or below ``len(fixed)``, ...

    See Also
    --------
    covered_weight : recompute the objective of a set of sites.
    coverage_curve : the best coverage for every p.

    Notes
    -----
    .. math::
        \max \sum_i w_i y_i \quad \text{s.t.} \quad y_i \le \sum_{j \in N_i} x_j,
        \quad \sum_j x_j \le p, \quad x_j = 1 \; (j \in F), \quad x_j \in \{0,1\},
        \; 0 \le y_i \le 1

    The Lagrangian bound relaxes the coverage rows with multipliers :math:`\lambda \ge 0`:
    :math:`L(\lambda) = \sum_i \max(0, w_i - \lambda_i) + \max_{|S| \le p} \sum_{j \in S}
    \sum_{i: j \in N_i} \lambda_i`, an upper bound for every :math:`\lambda` (it equals the LP
    bound at its minimum). Fewer than ``p`` useful sites are topped up by a greedy on backup
    coverage, so ``len(sites) == p``.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.
    .. [2] M. B. Teitz and P. Bart, "Heuristic methods for estimating the generalized vertex
       median of a weighted graph", Operations Research 16(5), 955-961, 1968.
    .. [3] R. D. Galvão and C. ReVelle, "A Lagrangean heuristic for the maximal covering location
       problem", European Journal of Operational Research 88(1), 114-123, 1996.
    .. [4] F. Barahona and R. Anbil, "The volume algorithm: producing primal solutions with a
       subgradient method", Mathematical Programming 87(3), 385-399, 2000.
    .. [5] H. R. Lourenço, O. C. Martin and T. Stützle, "Iterated local search", in Handbook of
       Metaheuristics, Kluwer, 321-353, 2003.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cost = np.array([[1.0, 9.0], [9.0, 1.0], [1.0, 9.0]])
    >>> r = yj.mclp(cost, radius=2.0, p=1, weights=[1, 5, 1])
    >>> r.sites.tolist(), r.objective, r.status
    ([1], 5.0, 'optimal')
    """
    t0 = time.perf_counter()
    probs = Problems("mclp")
    cov, w, fx, pp = _maxcov_inputs("mclp", cost, radius, coverage, p, weights, fixed, probs)
    check_method(method, "mclp", probs)
    tl = inp.check_time_limit(time_limit, probs)
    inp.check_mip_gap(mip_gap, probs)
    if start is not None:
        try:
            start = np.unique(np.asarray(start, dtype=np.int64).ravel())
            ok = start.size <= max(pp, 0) and ((start >= 0) & (start < cov.m)).all()
        except (TypeError, ValueError):
            ok = False
        if not ok:
            probs.param("start", f"at most p={p} column positions in [0, {cov.m})", start)
    probs.raise_if_any()
    mc = _maxcov_reduce(cov, w, fx, pp, twice=False, reduce=reduce)
    extras = {"reductions": mc.info}
    if mc.A.shape[0] == 0 or mc.p_free == 0 or mc.cols.size == 0:
        x = np.zeros(mc.cols.size, bool)
        if mc.p_free > 0:
            x[: mc.p_free] = True
        sites = _mc_sites(mc, x)
        ub = mc.offset
    else:
        x, _, ub, ex, _ = _solve_max_cover(mc, mc.wy, np.zeros_like(mc.wy), method=method, tl=tl, t0=t0,
                                           solver=solver, mip_gap=mip_gap, verbose=verbose, start_sites=start,
                                           max_iter=max_iter)
        extras.update(ex)
        if x is None:
            raise SolverError(f"mclp: the solver found no solution within {tl:g} s.", status=ex.get("solver_status", ""))
        sites = _mc_sites(mc, x)
    open_mask = np.zeros(cov.m, bool)
    open_mask[sites] = True
    sites = np.nonzero(_fill_sites(cov, open_mask, pp, w))[0]
    stopped = "heuristic" if method == "heuristic" else "time_limit"
    return _mclp_result(cov, w, sites, ub, time.perf_counter() - t0, method, stopped, extras, mip_gap)


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
    yingji.siting.build.BuiltModel

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
        try:
            t = float(tradeoff)
            ok = 0.0 <= t <= 1.0
        except (TypeError, ValueError):
            ok = False
        if not ok or isinstance(tradeoff, bool):
            probs.param("tradeoff", "None (lexicographic) or a float in [0, 1]", tradeoff)
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
    n = mc.A.shape[0]
    zeros = np.zeros(n)
    extras = {"reductions": mc.info}
    stopped = "heuristic" if method == "heuristic" else "time_limit"
    fixed_mask = mc.col_lo > 0.5
    A_int = as_int(mc.A)
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
    except InfeasibleError as exc:
        if B is None:
            raise
        raise InfeasibleError(
            f"backup_coverage: no {pp} sites put every row within radius2={radius2!r}; more sites are "
            f"needed (lscp(cost, {radius2!r}) gives the fewest).", rows=[], reason="radius2 needs more sites") from exc
