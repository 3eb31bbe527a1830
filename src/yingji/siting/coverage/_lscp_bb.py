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
every node against the incumbent, a greedy cover from every node's LP as a primal heuristic,
and reliability branching (Achterberg, Koch and Martin 2005): strong branching (Applegate et al.
1995) among the most fractional columns until a column's pseudocosts rest on ``BB_RELIABLE``
strong-branching results, its pseudocosts after that; the up branch first. Integer costs only: a node whose bound exceeds ``incumbent - 1`` holds no cheaper cover.
The tree stops after a deterministic budget of nodes and LPs (or at a deadline, the safety
net); the caller then hands the reduced model to HiGHS's MIP solver with the incumbent found.

References
----------
.. [1] A. H. Land and A. G. Doig, "An automatic method of solving discrete programming
   problems", Econometrica 28(3), 497-520, 1960.
.. [2] E. Balas and A. Ho, "Set covering algorithms using cutting planes, heuristics, and
   subgradient optimization: a computational study", Mathematical Programming Study 12, 37-60,
   1980.
.. [3] J. E. Beasley, "An algorithm for set covering problem", European Journal of Operational
   Research 31(1), 85-93, 1987.
.. [4] D. Applegate, R. Bixby, V. Chvátal and W. Cook, "Finding cuts in the TSP (a preliminary
   report)", DIMACS Technical Report 95-05, 1995 (strong branching).
.. [5] T. Achterberg, T. Koch and A. Martin, "Branching rules revisited", Operations Research
   Letters 33(1), 42-54, 2005 (reliability branching).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji._kernels import setcover as _sc
from yingji.siting._sparse import _lscp_arrays
from yingji.solvers.highs import _time_limit_until

#: Nodes of the tree before it hands over to HiGHS's MIP solver (with ``BB_WORK`` below, a
#: deterministic budget). 10,000 since reliability branching (2,000 before): its nodes cost one
#: LP each where strong branching on every node cost nine.
BB_MAX_NODES = 10_000
#: Fractional columns tried by strong branching at each node (the most fractional ones): on a
#: 5,000 x 300 unit-cost family instance (189 x 136 reduced, LP 85.2, optimum 88) the most
#: fractional column alone needed 1,105 nodes (1.5 CPU s), 4 candidates 43 nodes and 276 LPs
#: (0.23 s), 8 35 nodes and 386 LPs (0.36 s).
BB_STRONG = 4
#: Dual simplex iterations of one strong-branching LP: this share of the node's own iterations
#: (the root's, from scratch, at the root), at least ``BB_STRONG_MIN_ITER``. Uncapped, one
#: strong-branching LP of a 20,000 x 1,000 unit-cost instance (10 % dense) took seconds.
BB_STRONG_ITER_SHARE = 0.5
BB_STRONG_MIN_ITER = 50
#: Reliability branching: the most fractional ``BB_CANDIDATES`` columns are the candidates; those
#: with fewer than ``BB_RELIABLE`` strong-branching results go through strong branching (at most
#: ``BB_STRONG`` of them), the others are scored by their pseudocosts.
BB_CANDIDATES = 8
BB_RELIABLE = 2
#: Each strong-branching LP starts from the node's optimal basis (else from the last child's).
BB_STRONG_FROM_NODE_BASIS = True
#: Each node's LP starts from its parent's optimal basis (kept with the open node), not from the
#: basis of the last LP solved, which after a finished subtree is a far-away node's: on a
#: 1,712 x 413 unit-cost family model (seed 401, LP 19.7, optimum 21) the node LPs took 600-1,000
#: dual simplex iterations from the last LP's basis, ~0.1 s each (issue 23, fifth round).
BB_PARENT_BASIS = True
#: LPs of the tree (nodes and strong branching) times the model's nonzeros, at most (with at
#: least ``BB_MIN_LPS`` LPs): a deterministic budget that scales with the cost of one LP.
BB_WORK = 5e7
BB_MIN_LPS = 50
#: Share of the time left that the tree may use (the safety net behind ``BB_MAX_NODES``).
BB_TIME_SHARE = 0.5
#: :func:`yingji.lscp` runs the tree only when its cover costs at most this many units above the
#: rounded-up bound: each unit of gap multiplies the nodes (a 10,000 x 500 unit-cost family
#: instance, seed 103, 4 units above: 374 nodes and 2,316 strong-branching LPs, 22 CPU s, found
#: and proved a cover one unit cheaper, which HiGHS did not in 120 s). Nor on the models of
#: the core phase (many columns per row: rail582's 498 x 3,880 priced-out model took 117 nodes,
#: 6.7 s, without a proof; HiGHS's MIP proves it).
BB_MAX_GAP = 5.0
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


_NO_LIMIT = 2_147_483_647


def _strong_branch(h, At, c, lo, hi, cand, L, limit, iters, record=None):
    """Strong branching (Applegate, Bixby, Chvátal and Cook 1995) over the columns ``cand`` of the
    node ``lo <= x <= hi`` with bound ``L``: each child's LP (dual simplex, warm, at most
    ``iters`` iterations) and its Lagrangian bound. A child whose bound exceeds ``limit`` holds no cheaper cover, so its column
    is fixed the other way in ``lo``/``hi`` (in place); both children over it prune the node.

    Returns ``(j, pruned, lps)``: the column of largest product of the two bound gains (-1 when
    a column was fixed, so the node is to be solved again), whether the node is pruned, and the
    number of LPs solved. ``record(j, down, up)``, when given, receives every evaluated column's
    two child bounds (the pseudocosts of :func:`branch_and_bound`)."""
    import highspy

    inf_status = highspy.HighsModelStatus.kInfeasible
    ok_status = highspy.HighsModelStatus.kOptimal
    it_status = highspy.HighsModelStatus.kIterationLimit
    best_j, best_score, fixed, lps = -1, -1.0, False, 0
    basis = h.getBasis() if BB_STRONG_FROM_NODE_BASIS else None

    def child(j, lo_j, hi_j):
        h.changeColBounds(int(j), float(lo_j), float(hi_j))
        if basis is not None:
            h.setBasis(basis)  # each child from the node's optimal basis, not the last child's
        h.run()
        st = h.getModelStatus()
        if st == inf_status:
            return np.inf
        u = np.asarray(h.getSolution().row_dual, dtype=np.float64)
        if st not in (ok_status, it_status) or u.size != At.shape[1] or not np.isfinite(u).all():
            return L  # no information: a valid bound of the child
        # at the iteration limit too: the dual simplex's duals bound the child like any u >= 0
        lo2, hi2 = lo.copy(), hi.copy()
        lo2[j], hi2[j] = lo_j, hi_j
        return max(L, node_bound(At, c, u, lo2, hi2)[0])

    h.setOptionValue("simplex_iteration_limit", int(iters))

    for j in cand:
        if lo[j] > 0.5 or hi[j] < 0.5:
            continue
        down = child(j, 0.0, 0.0)
        up = child(j, 1.0, 1.0)
        lps += 2
        if record is not None:
            record(int(j), down, up)
        h.changeColBounds(int(j), float(lo[j]), float(hi[j]))
        if down > limit and up > limit:
            h.setOptionValue("simplex_iteration_limit", _NO_LIMIT)
            return -1, True, lps
        if down > limit:
            lo[j] = 1.0
            h.changeColBounds(int(j), 1.0, 1.0)
            fixed = True
        elif up > limit:
            hi[j] = 0.0
            h.changeColBounds(int(j), 0.0, 0.0)
            fixed = True
        else:
            sc = max(down - L, 1e-6) * max(up - L, 1e-6)
            if sc > best_score:
                best_j, best_score = int(j), sc
    h.setOptionValue("simplex_iteration_limit", _NO_LIMIT)
    if basis is not None:
        h.setBasis(basis)
    return (-1 if fixed else best_j), False, lps


def branch_and_bound(A: sp.csr_matrix, c: np.ndarray, x_start: np.ndarray, *, max_nodes: int = BB_MAX_NODES,
                     deadline: float = np.inf, strong: int = BB_STRONG):
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
        Nodes before giving up (and at most ``BB_WORK / nnz(A)`` LPs, nodes and strong
        branching together).
    strong : int
        Fractional columns tried by strong branching at each node (0: the most fractional one).
    deadline : float
        ``time.perf_counter()`` value at which to give up.

    Returns
    -------
    (numpy.ndarray of bool, float, bool, dict)
        The best cover, its cost, whether it is proven optimal (the tree was searched to the
        end), and counters (``bb_nodes``, ``bb_strong_lps``, ``bb_seconds``, ``bb_root_bound``,
        and ``bb_bound``: a lower bound on the optimum, the cost found when proven, else the
        least bound among the open nodes (each node's parent's Lagrangian bound; minus infinity
        when the root did not finish)).
    """
    import highspy

    t0 = time.perf_counter()
    A = sp.csr_matrix(A)
    n, m = A.shape
    c = np.ascontiguousarray(c, dtype=np.float64)
    best = np.asarray(x_start, dtype=bool).copy()
    ub = float(c[best].sum())
    stats = {"bb_nodes": 0, "bb_strong_lps": 0, "bb_root_bound": float("nan")}
    if m == 0 or n == 0:
        stats["bb_seconds"] = time.perf_counter() - t0
        return best, ub, True, stats
    At = sp.csr_matrix(A.T, dtype=np.float64)
    a_ptr, a_rows, ar_ptr, ar_cols = _lscp_arrays(A)
    h = _highs_lp(A, c)
    max_lps = max(BB_MIN_LPS, int(BB_WORK // max(A.nnz, 1)))
    cols = np.arange(m, dtype=np.int32)
    eps = 1e-3 * float(c.mean()) if c.size else 1e-3
    # each open node with its parent's bound: the least of them bounds the whole instance when
    # the tree stops early (``bb_bound``)
    # and its parent's optimal basis and number (see ``BB_PARENT_BASIS``)
    stack = [(np.zeros(m), np.ones(m), -np.inf, None, 0)]
    held = 0  # the node whose optimal basis HiGHS holds
    pc_sum = np.zeros((2, m))  # pseudocosts: summed bound gains per unit change, down and up
    pc_n = np.zeros((2, m))
    proven = True
    open_bound = np.inf
    while stack:
        if (stats["bb_nodes"] >= max_nodes or stats["bb_nodes"] + stats["bb_strong_lps"] >= max_lps
                or time.perf_counter() >= deadline):
            proven = False
            break
        lo, hi, L_parent, basis, parent = stack.pop()
        if BB_PARENT_BASIS and basis is not None and parent != held:
            h.setBasis(basis)  # a node of another subtree: from its parent's basis, not the last LP's
        h.changeColsBounds(m, cols, lo, hi)
        _time_limit_until(h, deadline)  # HiGHS's run clock adds up over the tree's runs
        # the root from scratch by the interior-point method with crossover (a vertex and its basis
        # for the warm starts below): 0.5 against 2.3 CPU s of dual simplex on a 2,875 x 790 model
        # (10 % dense), 0.08 against 0.12 on a 1,036 x 261 one; the nodes by the dual simplex
        h.setOptionValue("solver", "ipm" if stats["bb_nodes"] == 0 else "simplex")
        h.run()
        # every later LP by the dual simplex, the root's strong branching included (it ran by the
        # interior-point method, ~20x the time of a warm dual simplex child, before this line)
        h.setOptionValue("solver", "simplex")
        stats["bb_nodes"] += 1
        held = node = stats["bb_nodes"]
        node_iters = int(h.getInfo().simplex_iteration_count) + int(getattr(h.getInfo(), "crossover_iteration_count", 0))
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            continue
        if status != highspy.HighsModelStatus.kOptimal:
            proven = False  # time limit (or a numerical failure): this subtree is not searched
            open_bound = L_parent
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
        cand = np.argsort(-score, kind="stable")[:max(BB_CANDIDATES, strong, 1)]
        cand = cand[np.isfinite(score[cand])]
        if cand.size == 0:
            # every fractional column was fixed by its reduced cost: solve the node again
            stack.append((lo, hi, L, h.getBasis() if BB_PARENT_BASIS else None, node))
            continue
        # reliability branching (Achterberg, Koch and Martin 2005): strong branching only on the
        # candidates whose pseudocosts rest on fewer than ``BB_RELIABLE`` strong-branching
        # results; the others are scored by their pseudocosts (mean bound gain per unit change)
        reliable = np.minimum(pc_n[0, cand], pc_n[1, cand]) >= BB_RELIABLE
        j, pruned, j_score = int(cand[0]), False, -1.0
        if reliable.any():
            rc_ = cand[reliable]
            est = (np.maximum(pc_sum[0, rc_] / np.maximum(pc_n[0, rc_], 1.0) * x[rc_], 1e-6)
                   * np.maximum(pc_sum[1, rc_] / np.maximum(pc_n[1, rc_], 1.0) * (1.0 - x[rc_]), 1e-6))
            k = int(np.argmax(est))
            j, j_score = int(rc_[k]), float(est[k])
        sb = cand[~reliable][:strong]
        if sb.size:
            got = {}

            def record(jj, down, up, x=x, L=L, limit=limit, got=got):
                cap = max(limit - L, 0.0) + 1.0  # a child over the limit: its gain counts as this
                gd, gu = min(down - L, cap), min(up - L, cap)
                pc_sum[0, jj] += max(gd, 0.0) / max(x[jj], 1e-6)
                pc_sum[1, jj] += max(gu, 0.0) / max(1.0 - x[jj], 1e-6)
                pc_n[:, jj] += 1
                got[jj] = max(gd, 1e-6) * max(gu, 1e-6)

            j_sb, pruned, n_lp = _strong_branch(h, At, c, lo, hi, sb, L, limit,
                                                max(BB_STRONG_MIN_ITER, int(BB_STRONG_ITER_SHARE * node_iters)),
                                                record)
            stats["bb_strong_lps"] += n_lp
            if j_sb < 0 or got.get(j_sb, -1.0) >= j_score:
                j = j_sb
        if pruned:
            continue
        if j < 0:
            # strong branching fixed columns (a child with no cheaper cover): solve the node again
            stack.append((lo, hi, L, h.getBasis() if BB_PARENT_BASIS else None, node))
            continue
        down_hi = hi.copy()
        down_hi[j] = 0.0
        up_lo = lo.copy()
        up_lo[j] = 1.0
        basis = h.getBasis() if BB_PARENT_BASIS else None
        stack.append((lo, down_hi, L, basis, node))
        stack.append((up_lo, hi, L, basis, node))
    if proven:
        stats["bb_bound"] = ub
    else:
        stats["bb_bound"] = min(ub, open_bound, min((e[2] for e in stack), default=np.inf))
    stats["bb_seconds"] = time.perf_counter() - t0
    return best, ub, proven, stats
