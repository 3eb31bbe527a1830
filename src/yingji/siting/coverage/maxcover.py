"""The maximal covering location problem (MCLP) and the max-cover machinery backup coverage shares.

The max-cover instance (:class:`_MaxCov`) with its exact reductions, the sparse MCLP / BACOP
model, the greedy + swap heuristic and the subgradient bound of the numba kernels, the volume
algorithm and iterated local search of :mod:`yingji.siting._bounds`, the phases of MCLP's one
branch and bound with their shared node budget (:class:`_BBBudget`; quick tries
:func:`_mc_small_exact`, the Lagrangian phase :func:`_mc_branch_and_bound`), Lagrangian
reduced-cost fixing, the LP bound (:mod:`._mclp_lp`), the driver :func:`_solve_max_cover`, :func:`mclp`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels import coverage as _k
from yingji._kernels import setcover as _sc
from yingji._validation import Problems
from yingji.exceptions import SolverError
from yingji.results import SitingResult, relative_gap
from yingji.siting import _inputs as inp
from yingji.siting._sparse import csc_arrays, csr_arrays
from yingji.siting.coverage import _mclp_lp as _lp
from yingji.siting.coverage import _mclp_lpbb as _lpbb
from yingji.siting.coverage.common import (
    CovInput,
    _fill_sites,
    _highs_options,
    _kernel_instance,
    as_int,
    assign,
    check_method,
    duplicate_groups,
    empty_arrays,
    prepare,
    row_labels,
)
from yingji.solvers import SparseModel, solve

__all__ = ["mclp"]


# ------------------------------------------------------------------------------------- kernels glue
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


# ------------------------------------------------------------------- instance, reductions and model
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
    A_rows = A_rows if A_rows.has_sorted_indices else A_rows.sorted_indices()
    ptr, idx = _sub_csr(np.asarray(A_rows.indptr, np.int64), np.asarray(A_rows.indices, np.int64), uniq,
                        np.arange(A_rows.shape[1]), A_rows.shape[1])
    out = sp.csr_matrix((np.ones(idx.size, np.int64), idx, ptr), shape=(uniq.size, A_rows.shape[1]))
    return out, wa, inv.ravel()


def _sub_csr(ptr, idx, rows, cols, m):
    """CSR index arrays of ``A[rows][:, cols]`` from those of ``A`` (``m`` columns); ``rows``
    and ``cols`` increasing positions, so the indices stay sorted."""
    colmap = np.full(m, -1, np.int64)
    colmap[cols] = np.arange(cols.size)
    starts = ptr[rows]
    lens = ptr[rows + 1] - starts
    ends = np.cumsum(lens)
    pos = np.arange(int(ends[-1]) if lens.size else 0) + np.repeat(starts - (ends - lens), lens)
    c = colmap[idx[pos]]
    kept = c >= 0
    cnt = np.bincount(np.repeat(np.arange(rows.size), lens)[kept], minlength=rows.size)
    return np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64), c[kept]


def _csc_of(ptr, idx, n, m):
    """Sorted CSC index arrays ``(col_ptr, col_rows)`` of an ``n x m`` matrix given by sorted
    CSR index arrays (a stable sort by column keeps the rows of each column increasing)."""
    order = np.argsort(idx, kind="stable")
    cptr = np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=m))]).astype(np.int64)
    return cptr, np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))[order]


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
    deg = np.diff(A.indptr)
    if not twice:
        # on the index arrays of A (CSR): a few array operations instead of a chain of sparse
        # slices, which cost more than the solve itself on a 300 x 30 request
        ptr = np.asarray(A.indptr, dtype=np.int64)
        idx = np.asarray(A.indices, dtype=np.int64)
        by_fixed = np.zeros(n, bool)
        if fixed.size:
            by_fixed[np.repeat(np.arange(n), deg)[fixed_mask[idx]]] = True
        offset = float(w[by_fixed].sum())
        active = (~by_fixed) & (w > 0) & (deg > 0)
        r_idx = np.nonzero(active)[0]
        c_idx = np.nonzero(~fixed_mask)[0]
        s_ptr, s_idx = _sub_csr(ptr, idx, r_idx, c_idx, m)
        nr = r_idx.size
        sub = sp.csr_matrix((np.ones(s_idx.size, np.int64), s_idx, s_ptr), shape=(nr, c_idx.size))
        cdeg = np.bincount(s_idx, minlength=c_idx.size)
        keep = cdeg > 0
        # identical columns: one is enough (coverage counts once)
        rep = duplicate_groups(sub, axis=1)
        keep &= rep == np.arange(c_idx.size)
        info["cols_duplicate"] = int(((rep != np.arange(c_idx.size)) & (cdeg > 0)).sum())
        kk = np.nonzero(keep)[0]
        # a column whose rows another covers too (more rows, or as many and earlier) is never needed:
        # the set-covering column-domination kernel with equal costs
        k_ptr, k_idx = _sub_csr(s_ptr, s_idx, np.arange(nr), kk, c_idx.size)
        dom = _sc._set_cover_col_dominated(*_csc_of(k_ptr, k_idx, nr, kk.size), k_ptr, k_idx, np.ones(kk.size))
        info["cols_dominated"] = int(dom.sum())
        kk = kk[~dom]
        cols = c_idx[kk]
        f_ptr, f_idx = _sub_csr(ptr, idx, r_idx, cols, m)
        Ar, wa, _ = _aggregate_rows(sp.csr_matrix((np.ones(f_idx.size, np.int64), f_idx, f_ptr),
                                                  shape=(nr, cols.size)), w[r_idx])
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


# -------------------------------------------------------------------------------- inputs and result
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


# --------------------------------------------------------------------- bounds, local search and MIP
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


# ----------------------------------------------------------------------------- branch and bound
# One tree search (:func:`yingji.siting._bounds.max_cover_branch_and_bound`), one node budget per
# call (:class:`_BBBudget`) drawn by its phases: quick tries, then the Lagrangian phase.

#: Nodes per second of ``time_limit`` for one unit of node work (see :class:`_BBBudget`); measured
#: 25 M nonzero-nodes per second on the 111,689-nonzero model at load 7 (26,400 nodes in 116 s),
#: so the budget binds before the clock on a loaded 2-core machine.
MC_BB_NODE_RATE = 1e7
#: Most nodes of one call.
MC_BB_MAX_NODES = 2_000_000
#: Work (units of node work) of the quick tries together: their node cap is this over the
#: work of a node. About 10-30 ms of CPU; an instance whose cap would be under
#: :data:`MC_BB_MIN_NODES` nodes skips them.
MC_BB_WORK = 10_000_000
MC_BB_MIN_NODES = 200
#: Share of the quick cap for the first try (before the volume algorithm); the second try,
#: with the volume multipliers, gets the whole cap.
MC_BB_FIRST_SHARE = 0.125
#: Seconds of one unit of that work, conservatively (a quick try runs in one kernel call when
#: its whole cap fits before the deadline at this pace, else in clock-checked chunks).
MC_BB_SECONDS_PER_WORK = 1e-8
#: Reduced coverage matrices with at least this many nonzeros go to the Lagrangian search under
#: ``method="auto"`` instead of HiGHS: measured on the 20,000 x 1,000 MCLP of the peers suite
#: (9,956 x 994, 111,689 nonzeros) HiGHS's dual simplex needs 63 s for the root LP alone, while
#: on the 5,000 x 300 one (12,075 nonzeros) HiGHS proves the optimum in 1 s.
MC_BB_MIN_NNZ = 50_000
#: Below ``MC_BB_MIN_NNZ`` the Lagrangian search runs with at most this many nodes and this
#: share of the time left, then HiGHS's MIP from its incumbent (measured: on random 3,000 x 150
#: instances the search proves in 0.5 s what HiGHS proves in 11 s; on the 5,000 x 300 one of
#: the peers suite HiGHS takes 1 s and the search 3 s).
MC_BB_SMALL_NODES = 3_000
MC_BB_SMALL_SHARE = 0.25
#: Subgradient steps of the Lagrangian search at the root (started from the volume
#: multipliers) and at every other node.
MC_BB_ROOT_ITER = 100
MC_BB_NODE_ITER = 30
#: Seconds per nonzero and subgradient step assumed before the first node is timed (measured
#: 1.7e-9 on the 111,689-nonzero model, unloaded; four times that for a loaded machine).
MC_BB_STEP_S = 7e-9


def _mc_node_work(nnz: int, k: int) -> int:
    """Units of work of one node of the quick tries (the nonzeros plus the sort of the columns)."""
    return int(nnz) + 8 * int(k) + 16


class _BBBudget:
    """The node budget of one call, shared by the phases of the search:
    ``MC_BB_NODE_RATE * time_limit`` over the work of a node, at most ``MC_BB_MAX_NODES``
    (deterministic: the same instance gets the same budget whatever the machine's load).
    The quick tries may use at most ``MC_BB_WORK`` units of work."""

    def __init__(self, nnz: int, k: int, tl: float):
        self.per_node = _mc_node_work(nnz, k)
        self.total = int(max(1, min(MC_BB_MAX_NODES, MC_BB_NODE_RATE * tl / self.per_node)))
        self.quick = int(min(self.total, MC_BB_WORK // self.per_node))
        self.used = 0

    @property
    def left(self) -> int:
        return max(self.total - self.used, 0)

    def take(self, nodes: int) -> int:
        return int(max(0, min(nodes, self.left)))


def _mc_small_exact(A_int, csc, w1, x, val, ub, lam, fixed_mask, p_free, tol, deadline, budget, share=1.0):
    """A quick try of the branch and bound (:func:`yingji.siting._bounds.max_cover_branch_and_bound`
    with the submodular bound and the Lagrangian one at the fixed multipliers ``lam``, when
    given; no subgradient steps) from the incumbent ``x``, on ``share`` of the budget's quick
    cap. Skipped when that cap is under :data:`MC_BB_MIN_NODES`. A completed search proves its
    best solution optimal (to ``tol``): the bound becomes the search's. Otherwise the better
    solution found is kept and the bound stays. Returns (x, value, bound, extras)."""
    from yingji.siting import _bounds

    cap = budget.take(int(share * budget.quick))
    if budget.quick < MC_BB_MIN_NODES or cap < 1:
        return x, val, ub, {}
    now = time.perf_counter()
    one_call = now + cap * budget.per_node * MC_BB_SECONDS_PER_WORK <= deadline
    w = np.ascontiguousarray(w1, dtype=np.float64)
    base = np.ascontiguousarray(fixed_mask, dtype=np.bool_)
    xb, vb, ubb, info = _bounds.max_cover_branch_and_bound(
        A_int, w, np.ascontiguousarray(x, dtype=np.bool_), base, int(p_free), lam0=lam, max_nodes=cap,
        deadline=deadline, root_iter=0, node_iter=0, csc=csc, lagrangian=lam is not None, submodular=True,
        gap_tol=float(tol), first_chunk=cap if one_call else 1)
    budget.used += int(info["nodes"])
    if vb > val:
        x, val = xb, vb
    if info["complete"]:
        ub = min(ub, max(float(ubb), val))
    return x, val, ub, {"bb_nodes": int(info["nodes"]), "bb_node_cap": cap, "bb_complete": bool(info["complete"])}


def _mc_improve(mc, w1, x, val, ub_trivial, *, deadline_vol, deadline_ils, lam0, max_iter, mip_gap, seed=0,
                min_ils_s=0.0, exact_small=False, deadline_exact=None, budget=None):
    """MCLP only: volume-algorithm bound, then iterated local search on the volume primal's
    support (started only when at least ``min_ils_s`` seconds, the cost of one swap descent, are
    left: a kernel call cannot be interrupted), then (``exact_small``, while the gap is open)
    the second quick try of the branch and bound, with the volume multipliers and the
    submodular bound (:func:`_mc_small_exact`, on ``budget``, until ``deadline_exact``), in
    place of the MIP. Returns (x, value, bound, lam, extras)."""
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
    if exact_small and budget is not None and relative_gap(val, ub) > mip_gap:
        tol = 0.5 * mip_gap * max(abs(val), 1.0)
        x, val, ub, binfo = _mc_small_exact(A_int, arrs, w1, x, val, ub, lam, fixed_mask, p_free, tol,
                                             deadline_ils if deadline_exact is None else deadline_exact, budget)
        extras.update(binfo)
    return x, val, ub, lam, extras


def _mc_branch_and_bound(mc: _MaxCov, w1: np.ndarray, x: np.ndarray, val: float, ub: float, lam: np.ndarray,
                         end: float, budget: _BBBudget, max_nodes: int):
    """MCLP only: the Lagrangian phase of :func:`yingji.siting._bounds.max_cover_branch_and_bound`
    (subgradient steps at every node; the submodular bound too under ``MC_BB_MIN_NNZ`` nonzeros)
    from ``x`` (value ``val``, model units), the bound ``ub`` and its multipliers, until ``end`` or
    ``max_nodes`` of ``budget``; not started when the root might not fit. Returns (x, value, bound, extras)."""
    from yingji.siting import _bounds

    left = end - time.perf_counter()
    est_root = MC_BB_STEP_S * float(mc.A.nnz) * 2 * MC_BB_ROOT_ITER
    if left < 3.0 * est_root:
        return x, val, ub, {"bb_skipped": f"{max(left, 0.0):.1f} s left, root estimated at {est_root:.1f} s"}
    fixed_mask = mc.col_lo > 0.5
    t = time.perf_counter()
    nodes = budget.take(max_nodes)
    if nodes < 1:
        return x, val, ub, {"bb_skipped": "node budget spent"}
    xb, vb, ubb, info = _bounds.max_cover_branch_and_bound(
        as_int(mc.A), w1, x, fixed_mask, int(mc.p_free) - int(fixed_mask.sum()), lam0=lam, root_bound=ub,
        max_nodes=nodes, deadline=end, root_iter=MC_BB_ROOT_ITER, node_iter=MC_BB_NODE_ITER,
        lagrangian=True, submodular=int(mc.A.nnz) < MC_BB_MIN_NNZ)
    budget.used += int(info["nodes"])
    extras = {"bb_nodes": info["nodes"], "bb_complete": info["complete"], "bb_improvements": info["improvements"],
              "bb_stop": info["stop"], "bb_seconds": time.perf_counter() - t}
    if vb > val:
        x, val = xb, vb
    return x, val, min(ub, ubb), extras


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

    MCLP with ``method="auto"``: a quick try of the branch and bound (:func:`_mc_small_exact`,
    1/8 of the quick cap of the call's node budget, :class:`_BBBudget`); the volume bound and
    iterated local search (:mod:`yingji.siting._bounds`); a second quick try; on large models the
    LP bound (:mod:`._mclp_lp`), the Lagrangian search and the LP branch and bound
    (:mod:`._mclp_lpbb`), on small ones HiGHS's MIP. Other objectives keep the subgradient bound.
    Every phase checks the clock: the call returns within ``tl`` seconds of ``t0``.

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
    budget = _BBBudget(int(mc.A.nnz), k, tl)   # the call's one node budget (all phases of the search)
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
    if mclp_like and x is not None and method == "auto":
        # a small instance is often proven by a short branch and bound on the submodular bound
        # alone, before any Lagrangian work (a 300 x 30, p = 5 MCLP: 10-100 nodes, 0.1 ms)
        tol0 = 0.5 * mip_gap * max(abs(val - off), 1.0)
        x, v_m, ub_m, binfo = _mc_small_exact(A_int, arrs_val, w1, x, val - off, np.inf, None, fixed_mask,
                                              mc.p_free - int(fixed_mask.sum()), tol0, end, budget,
                                              share=MC_BB_FIRST_SHARE)
        val, ub = v_m + off, ub_m + off
        extras.update({f"{key}_first": v for key, v in binfo.items()})
        if relative_gap(val, ub) <= mip_gap:
            extras["heuristic_objective"] = val
            return x, val, ub, extras, lam
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
                                             min_ils_s=extras.get("heuristic_seconds", 0.0),
                                             exact_small=method == "auto", deadline_exact=end, budget=budget)
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
    if method == "auto" and mclp_like and x is not None and lam is not None:
        # large models: LP bound + branch and bound, all the time; small: a share, then HiGHS
        big = int(mc.A.nnz) >= MC_BB_MIN_NNZ
        now = time.perf_counter()
        bb_end = end if big else now + MC_BB_SMALL_SHARE * max(end - now, 0.0)
        wc, p_left, master = np.ascontiguousarray(w1, dtype=np.float64), mc.p_free - int(fixed_mask.sum()), None
        if big:  # the exact LP bound (Benders master, models of up to _lp.LP_MAX_NNZ nonzeros)
            ub_m, master, lp_ex = _lp.lp_phase(A_int, wc, fixed_mask, p_left, ub - off, end)
            ub = ub_m + off
            extras.update(lp_ex)
        x, val, ub, bb_extras = _mc_branch_and_bound(mc, wc, x, val - off, ub - off, lam, bb_end, budget,
                                                     MC_BB_MAX_NODES if big else MC_BB_SMALL_NODES)
        extras.update(bb_extras)
        if master is not None and not bb_extras.get("bb_complete") and relative_gap(val + off, ub + off) > mip_gap:
            x, val, ub, lpbb_ex = _lpbb.lp_bb_phase(master, x, val, ub, wc, fixed_mask, p_left, end, tl)
            extras.update(lpbb_ex)
            bb_extras["bb_complete"] = lpbb_ex["lpbb_complete"]
        val += off
        ub += off
        if big or bb_extras.get("bb_complete") or relative_gap(val, ub) <= mip_gap:
            if "bb_skipped" in bb_extras:
                extras["mip_skipped"] = bb_extras["bb_skipped"]
            elif big and not bb_extras.get("bb_complete"):
                extras["mip_skipped"] = "Lagrangian branch and bound instead (HiGHS's LP is slow at this size)"
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


# --------------------------------------------------------------------------------------------- mclp
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
        greedy + swap, then one branch and bound with one node budget per call, in phases: a
        quick try on the submodular bound [6]_ (a completed search proves the optimum and ends
        the call), then the heuristic (on half the time), a second quick try with the
        Lagrangian bound at the volume multipliers too, and, while the gap is open, the
        Lagrangian phase [7]_ (on large reduced models instead of the MIP, whose LP is too
        slow there; on small ones with at most 3,000 nodes, then the MIP from its incumbent).
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
    .. [6] G. L. Nemhauser, L. A. Wolsey and M. L. Fisher, "An analysis of approximations for
       maximizing submodular set functions - I", Mathematical Programming 14, 265-294, 1978.
    .. [7] B. T. Downs and J. D. Camm, "An exact algorithm for the maximal covering problem",
       Naval Research Logistics 43(3), 435-461, 1996.

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
