"""LP-based depth-first branch and bound for the reduced set-covering model (used by :func:`yingji.lscp`).

The MIP phase of :func:`yingji.lscp` hands HiGHS's MIP solver the reduced model. On the unit-cost
and small-integer-cost instances of issue 23 the model is small (a few hundred to a few thousand
columns after the reductions and reduced-cost fixing), its LP bound is within one or two cost
units of the optimum, and HiGHS spends seconds at the root (cut separation, sub-MIP heuristics)
to lift the bound over the next integer: a 10,000 x 500 unit-cost instance of the family
(1,036 x 261 reduced, LP 12.97, optimum 14) took HiGHS 3.0 CPU s at one node, where branching
twice on the LP proves it in 0.27 CPU s (3 LPs).

:func:`branch_and_bound` is that plain tree (Land and Doig 1960; for set covering, Balas and Ho
1980 and Beasley 1987 branch on the LP/Lagrangian solution the same way): one HiGHS instance
kept for the whole tree, each node an LP warm-started by the dual simplex from its parent's
basis, the node pruned by the Lagrangian bound recomputed from the LP's row duals (valid for any
non-negative duals, so HiGHS's tolerances cannot make a wrong prune), reduced-cost fixing at
every node against the incumbent, a greedy cover from every node's LP as a primal heuristic, and
branching on the most fractional column, the up branch first. Integer costs only: a node whose
bound exceeds ``incumbent - 1`` holds no cheaper cover. The tree is cut off after ``max_nodes``
nodes (deterministic) or at a deadline (the safety net); the caller then hands the reduced model
to HiGHS's MIP solver with the incumbent found.

References
----------
.. [1] A. H. Land and A. G. Doig, "An automatic method of solving discrete programming
   problems", Econometrica 28(3), 497-520, 1960.
.. [2] E. Balas and A. Ho, "Set covering algorithms using cutting planes, heuristics, and
   subgradient optimization: a computational study", Mathematical Programming Study 12, 37-60,
   1980.
.. [3] J. E. Beasley, "An algorithm for set covering problem", European Journal of Operational
   Research 31(1), 85-93, 1987.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji._kernels import setcover as _sc
from yingji.siting._sparse import _lscp_arrays

#: Nodes of the tree before it hands over to HiGHS's MIP solver (a deterministic budget: at a
#: few milliseconds per warm-started LP on the reduced models of issue 23, 0.5-2 CPU s).
BB_MAX_NODES = 300
#: Share of the time left that the tree may use (the safety net behind ``BB_MAX_NODES``).
BB_TIME_SHARE = 0.3
#: :func:`yingji.lscp` runs the tree only when its cover costs at most this many units above the
#: rounded-up bound: each unit of gap multiplies the nodes (a 10,000 x 500 unit-cost family
#: instance with its cover 4 units above the LP bound was not proven in 2,000 nodes, nor by
#: HiGHS in 120 s). Nor on the models of the core phase (many columns per row: rail582's
#: 498 x 3,880 priced-out model took 117 nodes, 6.7 s, without a proof; HiGHS's MIP proves it).
BB_MAX_GAP = 2.0
#: Tolerance of the pruning test ``L > ub - 1 + BB_TOL`` (integer costs).
BB_TOL = 1e-6


def _highs_lp(A: sp.csr_matrix, c: np.ndarray):
    """A quiet HiGHS instance holding the LP relaxation ``min c.x, A x >= 1, 0 <= x <= 1``."""
    import highspy

    from yingji.solvers.highs import _new_highs

    n, m = A.shape
    h = _new_highs(False)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # each node's LP is warm-started from its parent's basis
    lp = highspy.HighsLp()
    lp.num_col_ = m
    lp.num_row_ = n
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.zeros(m)
    lp.col_upper_ = np.ones(m)
    lp.row_lower_ = np.ones(n)
    lp.row_upper_ = np.full(n, highspy.kHighsInf)
    Ac = sp.csc_matrix(A, dtype=np.float64)
    Ac.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = Ac.indptr.astype(np.int32)
    lp.a_matrix_.index_ = Ac.indices.astype(np.int32)
    lp.a_matrix_.value_ = Ac.data
    lp.a_matrix_.num_col_ = m
    lp.a_matrix_.num_row_ = n
    h.passModel(lp)
    return h


def node_bound(At: sp.csr_matrix, c: np.ndarray, u: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Lagrangian bound of the node ``lo <= x <= hi`` for multipliers ``u`` (clipped at 0):
    ``L = sum(u) + sum_j min(rc_j lo_j, rc_j hi_j)`` with ``rc = c - A^T u``; ``(L, rc)``.
    ``At`` is ``A`` transposed (CSR)."""
    u = np.maximum(u, 0.0)
    rc = c - At @ u
    return float(u.sum() + np.where(rc < 0, rc * hi, rc * lo).sum()), rc


def branch_and_bound(A: sp.csr_matrix, c: np.ndarray, x_start: np.ndarray, *, max_nodes: int = BB_MAX_NODES,
                     deadline: float = np.inf):
    """Prove or improve the cover ``x_start`` of ``min c.x, A x >= 1, x binary`` (integer ``c``).

    Parameters
    ----------
    A : scipy.sparse.csr_matrix
        Reduced 0/1 matrix (every row coverable).
    c : numpy.ndarray
        Integer column costs (as floats).
    x_start : numpy.ndarray of bool
        A cover (the incumbent).
    max_nodes : int
        Nodes (LPs) before giving up.
    deadline : float
        ``time.perf_counter()`` value at which to give up.

    Returns
    -------
    (numpy.ndarray of bool, float, bool, dict)
        The best cover, its cost, whether it is proven optimal (the tree was searched to the
        end), and counters (``bb_nodes``, ``bb_seconds``, ``bb_root_bound``).
    """
    import highspy

    t0 = time.perf_counter()
    A = sp.csr_matrix(A)
    n, m = A.shape
    c = np.ascontiguousarray(c, dtype=np.float64)
    best = np.asarray(x_start, dtype=bool).copy()
    ub = float(c[best].sum())
    stats = {"bb_nodes": 0, "bb_root_bound": float("nan")}
    if m == 0 or n == 0:
        stats["bb_seconds"] = time.perf_counter() - t0
        return best, ub, True, stats
    At = sp.csr_matrix(A.T, dtype=np.float64)
    a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(A)
    h = _highs_lp(A, c)
    cols = np.arange(m, dtype=np.int32)
    eps = 1e-3 * float(c.mean()) if c.size else 1e-3
    stack = [(np.zeros(m), np.ones(m))]
    proven = True
    while stack:
        if stats["bb_nodes"] >= max_nodes or time.perf_counter() >= deadline:
            proven = False
            break
        lo, hi = stack.pop()
        h.changeColsBounds(m, cols, lo, hi)
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1e-3) if np.isfinite(deadline) else np.inf)
        # the root from scratch by the interior-point method with crossover (a vertex and its basis
        # for the warm starts below): 0.5 against 2.3 CPU s of dual simplex on a 2,875 x 790 model
        # (10 % dense), 0.08 against 0.12 on a 1,036 x 261 one; the nodes by the dual simplex
        h.setOptionValue("solver", "ipm" if stats["bb_nodes"] == 0 else "simplex")
        h.run()
        stats["bb_nodes"] += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            continue
        if status != highspy.HighsModelStatus.kOptimal:
            proven = False  # time limit (or a numerical failure): this subtree is not searched
            break
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        L, rc = node_bound(At, c, np.asarray(sol.row_dual, dtype=np.float64), lo, hi)
        if stats["bb_nodes"] == 1:
            stats["bb_root_bound"] = L
        limit = ub - 1.0 + BB_TOL
        if L > limit:
            continue
        # a greedy cover from the node's LP (columns at 1 kept, the rest by c (1 - x))
        ch, ok = _sc._set_cover_complete(a_ptr, a_rows, ar_ptr, ar_cols, c,
                                         np.ascontiguousarray(c * (1.0 - np.clip(x, 0.0, 1.0)) + eps),
                                         np.ascontiguousarray(x > 1.0 - 1e-6))
        if ok and c[ch].sum() < ub - 0.5:
            best, ub = ch, float(c[ch].sum())
            limit = ub - 1.0 + BB_TOL
            if L > limit:
                continue
        frac = np.abs(x - np.round(x))
        if frac.max() <= 1e-6:
            xi = x > 0.5
            if c[xi].sum() < ub - 0.5 and (A @ xi.astype(np.int64)).min() >= 1:
                best, ub = xi, float(c[xi].sum())
            continue
        # reduced-cost fixing against the incumbent, inherited by the subtree
        free = (lo < 0.5) & (hi > 0.5)
        lo, hi = lo.copy(), hi.copy()
        hi[free & (rc > 0) & (L + rc > limit)] = 0.0
        lo[free & (rc < 0) & (L - rc > limit)] = 1.0
        score = np.where((frac > 1e-6) & (lo < 0.5) & (hi > 0.5), -np.abs(x - 0.5), -np.inf)
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            # every fractional column was fixed by its reduced cost: solve the node again
            stack.append((lo, hi))
            continue
        down_hi = hi.copy()
        down_hi[j] = 0.0
        up_lo = lo.copy()
        up_lo[j] = 1.0
        stack.append((lo, down_hi))
        stack.append((up_lo, hi))
    stats["bb_seconds"] = time.perf_counter() - t0
    return best, ub, proven, stats
