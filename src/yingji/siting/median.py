r"""p-median and p-center on any demand x sites cost matrix.

:func:`p_median` minimises the total weighted cost of serving every demand row
from its nearest open site; :func:`p_center` minimises the largest weighted cost.
Both take ``fixed`` existing sites (counted in ``p``), a ``time_limit`` that holds,
and return a :class:`~yingji.results.SitingResult` with a proven ``bound``.

How p-median is solved (``method="auto"``)

1. a numba greedy + fast interchange heuristic (Whitaker 1983) refined by
   variable neighbourhood search (Hansen and Mladenovic 1997);
2. a Lagrangian bound (assignment constraints relaxed, subgradient steps) with
   reduced-cost variable fixing, and a Lagrangian heuristic from the best
   multipliers;
3. when the gap is still open, the compact sorted-distance formulation of
   Elloumi (2010) on the reduced problem, handed to HiGHS with the heuristic
   solution as MIP start.

p-center searches the sorted distinct weighted costs: the optimum is the
smallest level ``r`` at which the rows can be covered (``w_i c_ij <= r``) by at
most ``p`` sites; each test is a set-cover problem (greedy first, then a small
MIP), never the big-M formulation.

References
----------
.. [1] Hakimi, S. L. (1964). Optimum locations of switching centers and the
   absolute centers and medians of a graph. Operations Research 12(3), 450-459.
.. [2] ReVelle, C. S. and Swain, R. W. (1970). Central facilities location.
   Geographical Analysis 2(1), 30-42.
.. [3] Whitaker, R. A. (1983). A fast algorithm for the greedy interchange for
   large-scale clustering and median location problems. INFOR 21(2), 95-108.
.. [4] Hansen, P. and Mladenovic, N. (1997). Variable neighborhood search for the
   p-median. Location Science 5(4), 207-226.
.. [5] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank
   accounts to optimize float. Management Science 23(8), 789-810.
.. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
   Combinatorial Optimization 19(1), 69-83.
.. [7] Minieka, E. (1970). The m-center problem. SIAM Review 12(1), 138-139.
.. [8] Daskin, M. S. (2000). A new approach to solving the vertex p-center problem to
   optimality: algorithm and computational results. Communications of the
   Operations Research Society of Japan 45(9), 428-436.
.. [9] Contardo, C., Iori, M. and Kramer, R. (2019). A scalable exact algorithm for
   the vertex p-center problem. Computers & Operations Research 103, 211-220.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError, SolverError
from yingji.results import SitingResult
from yingji.siting.build import BuiltModel, register
from yingji.siting._inputs import (
    CostInput,
    check_fixed,
    check_p,
    check_mip_gap,
    check_time_limit,
    check_weights,
    make_result,
    prepare_cost,
)
from yingji.solvers import Solution, SparseModel, solve

__all__ = [
    "p_median",
    "p_center",
    "median_cost",
    "center_cost",
    "build_p_median",
    "build_p_center_cover",
]

_METHODS = ("auto", "exact", "heuristic", "classic")

#: Rows of the compact model HiGHS is given per second left (beyond that the MIP stage is skipped).
_MIP_ROWS_PER_S = 2000.0

#: Nonzeros per second HiGHS (1.16) needs just to load, presolve and set up a p-median model before
#: it first looks at its time limit (measured here: 450-700 k/s for the compact model with a MIP
#: start, 1.6 M/s for the classic one, which then overran a 2 s limit by 2.5 s; taken low, for a
#: loaded machine). Any method given a model that cannot be set up in the time left skips the MIP
#: (``extras["mip_skipped"]``) and returns the incumbent with ``status="time_limit"``, so the
#: ``time_limit`` holds.
_HIGHS_SETUP_NNZ_PER_S = {"compact": 300_000.0, "classic": 300_000.0}


def _too_big_for_highs(model: SparseModel, formulation: str, remaining: float, solver) -> bool:
    """True when HiGHS could not even set ``model`` up within ``remaining`` seconds."""
    if solver is not None:
        return False
    return model.A.nnz > _HIGHS_SETUP_NNZ_PER_S[formulation] * max(remaining, 0.0)


# ----------------------------------------------------------------------------- helpers
def _check_common(func, cost, p, weights, fixed, time_limit, mip_gap, method=None, methods=_METHODS, extra=None):
    """Validate the shared arguments; ``extra(probs, m, ci, fx, p)`` adds function-specific checks (all raised
    at once)."""
    probs = Problems(func)
    ci = prepare_cost(cost, func, probs=probs)
    C = ci.C
    if C.ndim != 2 or C.size == 0:
        probs.raise_if_any()
    n, m = C.shape
    # a writable copy: pandas' copy-on-write hands out read-only arrays, a distinct numba type
    w = np.array(check_weights(weights, n, func, probs), dtype=np.float64, copy=True)
    fx = check_fixed(fixed, m, probs, labels=ci.col_ids)
    p = check_p(p, m, len(fx), probs)
    tl = check_time_limit(time_limit, probs)
    check_mip_gap(mip_gap, probs)
    if method is not None and method not in methods:
        probs.param("method", "one of " + ", ".join(repr(x) for x in methods), method)
    if extra is not None:
        extra(probs, m, ci, fx, p)
    probs.raise_if_any()
    return ci, w, fx, p, tl


def _unreachable_rows(C: np.ndarray) -> np.ndarray:
    return np.nonzero(~np.isfinite(C).any(axis=1))[0]


def _raise_unreachable(func: str, C: np.ndarray, ci: CostInput):
    bad = _unreachable_rows(C)
    if bad.size:
        raise InfeasibleError(
            f"{func}: {bad.size} demand rows cannot be reached from any candidate site (every cost is inf): "
            f"rows {describe_positions(bad, ci.row_ids)}.",
            rows=[ci.row_ids[i] for i in bad] if ci.row_ids is not None else bad.tolist(),
            reason="unreachable from every site",
        )


def _penalised(C: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``C`` with ``inf`` replaced by a penalty larger than any served configuration costs."""
    inf = ~np.isfinite(C)
    if not inf.any():
        return C
    fin = np.where(inf, 0.0, C)
    rowmax = fin.max(axis=1)
    pos = w[w > 0]
    wmin = pos.min() if pos.size else 1.0
    M = 1.0 + 2.0 * float(w @ rowmax) / wmin + float(rowmax.max())
    out = np.where(inf, M, C)
    return np.ascontiguousarray(out)


def _is_integral(C: np.ndarray, w: np.ndarray) -> bool:
    fin = C[np.isfinite(C)]
    return bool(np.all(fin == np.round(fin)) and np.all(w == np.round(w)) and fin.size and np.abs(fin).max() < 2**50)


def _assign(C: np.ndarray, sites: np.ndarray):
    sites = np.asarray(sites, dtype=np.int64)
    sub = C[:, sites]
    k = np.argmin(sub, axis=1)
    return sites[k], sub[np.arange(C.shape[0]), k]


def median_cost(cost, sites, weights=None) -> float:
    """Total weighted cost ``sum_i w_i min_{j in sites} cost[i, j]`` (the p-median objective).

    The checker that goes with :func:`p_median` (recompute the objective from the sites).

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
    sites : sequence of int
        Column positions of the open sites.
    weights : array_like, shape (n,), optional
        Row weights (default 1).

    Returns
    -------
    float
        ``inf`` when some row (of any weight: every row must be served) reaches no open site.

    Examples
    --------
    >>> median_cost([[1, 5], [4, 2]], [0, 1])
    3.0
    """
    probs = Problems("median_cost")
    ci = prepare_cost(cost, "median_cost", probs=probs)
    w = check_weights(weights, ci.n, "median_cost", probs)
    s = check_fixed(sites, ci.m, probs, labels=ci.col_ids)
    if len(s) == 0:
        probs.param("sites", "a non-empty sequence of column positions", sites)
    probs.raise_if_any()
    _, d = _assign(ci.C, s)
    if not np.isfinite(d).all():
        return float("inf")
    return float(np.where(w > 0, w * d, 0.0).sum())


def center_cost(cost, sites, weights=None) -> float:
    """Largest weighted cost ``max_i w_i min_{j in sites} cost[i, j]`` (the p-center objective).

    The checker that goes with :func:`p_center`.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
    sites : sequence of int
        Column positions of the open sites.
    weights : array_like, shape (n,), optional
        Row weights (default 1); rows of weight 0 do not count.

    Returns
    -------
    float

    Examples
    --------
    >>> center_cost([[1, 5], [4, 2]], [0])
    4.0
    """
    probs = Problems("center_cost")
    ci = prepare_cost(cost, "center_cost", probs=probs)
    w = check_weights(weights, ci.n, "center_cost", probs)
    s = check_fixed(sites, ci.m, probs, labels=ci.col_ids)
    if len(s) == 0:
        probs.param("sites", "a non-empty sequence of column positions", sites)
    probs.raise_if_any()
    _, d = _assign(ci.C, s)
    if not np.isfinite(d).all():
        return float("inf")
    return float(np.where(w > 0, w * d, 0.0).max())


# ----------------------------------------------------------------------------- heuristic
def _median_heuristic(Cp, w, fixed_mask, allowed, p, seed, budget_s, tol):
    """Greedy + interchange + VNS within ``budget_s`` seconds. Returns (open sites, value)."""
    from yingji._kernels.median import _greedy_median, _interchange_median

    t0 = time.perf_counter()
    o = _greedy_median(Cp, w, fixed_mask, allowed, p)
    if len(o) < p:  # pragma: no cover - p <= allowed count is checked by the caller
        raise SolverError("greedy could not open p sites", status="heuristic")
    val = _interchange_median(Cp, w, fixed_mask, allowed, o, tol)
    n_free = int(allowed.sum()) - p
    if n_free <= 0 or fixed_mask.sum() >= p:
        return o, val
    # VNS in chunks until the budget is spent or five chunks bring nothing
    return _reduced_vns(Cp, w, fixed_mask, allowed, o, val, seed, budget_s - (time.perf_counter() - t0), tol,
                        -np.inf, max_stale=5)


def _start_sites(Cp, w, fixed_mask, allowed, p, st, sites, ub, tol, extras):
    """Complete the caller's ``st`` to ``p`` sites (greedy, ``st`` kept open), improve it by
    interchange (only the truly fixed sites kept) and return the better of it and ``(sites, ub)``."""
    from yingji._kernels.median import _greedy_median, _interchange_median

    keep = fixed_mask.copy()
    keep[st] = True
    o = _greedy_median(Cp, w, keep, allowed, p) if st.size < p else np.ascontiguousarray(st, dtype=np.int64)
    v = _interchange_median(Cp, w, fixed_mask, allowed, o, tol)
    extras["start_objective"] = float(v)
    return (np.sort(o), v) if v < ub - tol else (sites, ub)


def _reduced_vns(Cp, w, fmask, amask, sites, ub, seed, budget_s, tol, stop, max_stale=3, max_iter=None):
    """VNS (in chunks) over the sites ``fmask | amask``, ``fmask`` never closed (after reduced-cost
    fixing: the sites left), until ``max_stale`` chunks bring nothing, ``max_iter`` iterations
    ran, ``budget_s`` is spent or ``ub`` reaches ``stop``. Returns (sites, value)."""
    from yingji._kernels.median import _vns_median

    t0 = time.perf_counter()
    o = np.ascontiguousarray(np.sort(np.asarray(sites, dtype=np.int64)))
    live = fmask | amask
    n_free = int(live.sum()) - o.size
    if n_free <= 0:
        return sites, ub
    k_max = int(min(10, o.size, n_free))
    chunk, stale, rs = 8, 0, int(seed)
    per_it = 0.0
    done_it = 0
    while stale < max_stale and ub > stop + tol and time.perf_counter() - t0 < budget_s:
        if max_iter is not None:
            if done_it >= max_iter:
                break
            chunk = min(chunk, max_iter - done_it)
        rs += 1
        left = budget_s - (time.perf_counter() - t0)
        if per_it > 0:
            chunk = int(max(1, min(chunk, left / per_it)))
        done_it += chunk
        tc = time.perf_counter()
        v = _vns_median(Cp, w, fmask, live, o, chunk, k_max, rs, tol)
        per_it = max(per_it, (time.perf_counter() - tc) / chunk)
        if v < ub - tol:
            ub, sites, stale = v, np.sort(o), 0
        else:
            stale += 1
        chunk = min(2 * chunk, 64)
    return sites, ub


def _sorted_rows(Cp: np.ndarray, w: np.ndarray, p: int, block: int = 4096, max_bytes: float = 3e8):
    """Each row's ``K`` cheapest sites in increasing cost order, for the Lagrangian kernel.

    ``K = min(m, max(16, 4 * ceil(m / p)))``: the multiplier of a row stays near the cost
    of its few nearest sites (a row's open site is about its ``m / p``-th nearest), and
    a row whose multiplier exceeds the ``K``-th cost is scanned in full by the kernel.
    ``K`` is also held to ``max_bytes`` of output (12 bytes an entry; small ``p`` on a large
    matrix would otherwise copy it whole). Returns ``(idx int32 (n, K), wcs float64 (n, K))``
    with ``wcs = w_i * Cp[i, idx]``; built in blocks of rows, so the only temporaries are
    ``block x m``.
    """
    n, m = Cp.shape
    K = int(min(m, max(16, 4 * -(-m // max(int(p), 1))), max(16, int(max_bytes // (12 * max(n, 1))))))
    idx = np.empty((n, K), dtype=np.int32)
    wcs = np.empty((n, K), dtype=np.float64)
    for a in range(0, n, block):
        B = Cp[a:a + block]
        part = np.argpartition(B, K - 1, axis=1)[:, :K] if K < m else np.broadcast_to(np.arange(m), B.shape)
        vals = np.take_along_axis(B, part, 1)
        o = np.argsort(vals, axis=1, kind="stable")
        idx[a:a + block] = np.take_along_axis(part, o, 1)
        wcs[a:a + block] = w[a:a + block, None] * np.take_along_axis(vals, o, 1)
    return idx, wcs


def _lagrangian(Cp, w, srt, fixed_mask, allowed, p, lam, ub, delta, budget_s, max_iter, tol=None):
    """Run the subgradient kernel in chunks (so the time budget holds). Mutates masks and ``lam``.

    With ``tol`` given, the sites chosen at the end of every chunk are improved by interchange
    (within the sites still allowed) as a Lagrangian heuristic, and a better incumbent replaces
    ``ub`` for the following chunks. Returns ``(bound, infeasible, sel, iterations, ub, sites)``
    (``sites`` None when the incumbent was not improved).
    """
    from yingji._kernels.median import _interchange_median, _lagrangian_median

    t0 = time.perf_counter()
    out = np.zeros(4)
    sel = np.zeros(Cp.shape[1], dtype=np.bool_)
    rho = np.zeros(Cp.shape[1])
    theta = 2.0
    best = -np.inf
    used = 0
    infeasible = False
    new_sites = None
    seen = set()
    per_it = 2e-9 * Cp.size  # seconds per iteration, first guess; measured below
    while used < max_iter and time.perf_counter() - t0 < budget_s:
        # chunks sized to the budget left, so a large instance (20 ms an iteration) does not overrun it
        left = budget_s - (time.perf_counter() - t0)
        chunk = int(max(1, min(100, max_iter - used, left / per_it)))
        tc = time.perf_counter()
        L = _lagrangian_median(Cp, w, srt[0], srt[1], fixed_mask, allowed, p, lam, ub, chunk, theta, delta, out,
                               sel, rho)
        per_it = max(per_it, (time.perf_counter() - tc) / max(1.0, out[1]))
        used += int(out[1])
        theta = out[3]
        if out[2] > 0:
            infeasible = True
            best = np.inf
            break
        best = max(best, L)
        if best >= ub - delta or theta < 1e-5 or int(out[1]) < chunk:
            break
        if tol is not None and int(sel.sum()) == p:
            o = np.nonzero(sel)[0].astype(np.int64)
            key = o.tobytes()
            if key not in seen:
                seen.add(key)
                v = _interchange_median(Cp, w, fixed_mask, fixed_mask | allowed, o, tol)
                if v < ub - tol:
                    ub, new_sites = v, np.sort(o)
    return best, infeasible, sel, used, ub, new_sites


def _lagrangian_bnb(Cp, w, srt, fixed_mask, allowed, p, lam, ub, sites, delta, deadline, tol, root_bound,
                    node_iter=100, max_nodes=10**6, open_bytes=2**28, rel=None):
    """Best-bound branch and bound on the site variables with Lagrangian bounds (Beasley 1985).

    Every node runs the subgradient kernel from its parent's multipliers, with
    reduced-cost fixing, and is pruned when its bound reaches ``ub - delta``.
    The chosen set at the best multipliers is evaluated as a Lagrangian
    heuristic. Branching: the chosen, not yet fixed site with the largest
    bracket ``rho_j``, the one nearest the selection threshold (both children
    then change their Lagrangian solution; branching on the most negative
    bracket moves only the closing child's bound and builds long chains of
    unchanged ones). The open node of
    smallest bound is expanded next (ties: the deepest, then the closing
    branch), so the proven bound, the smallest over the open nodes, rises as
    the tree grows (with a heuristic incumbent that is already optimal, as is
    usual here, best-bound search also expands the fewest nodes). When the
    open nodes' multipliers would take more than ``open_bytes``, the search
    turns depth-first below the current node (its children are expanded
    before the rest), which needs little memory.

    Each node's subgradient steps aim at ``ub + (ub - root_bound)``, one root gap above the
    incumbent, not at the incumbent: with the incumbent optimal and the bound short of it,
    steps aimed at it are too short (5,000 x 300, seed 1 of the ``siting_peers`` generator:
    59 s against 21 s; 47 s against 12 s when started from the optimum).

    ``delta``: nodes whose bound reaches ``ub - delta`` are pruned; with ``rel`` given,
    ``delta`` becomes ``rel * ub`` whenever the incumbent improves (a relative gap).

    Returns ``(ub, sites, bound, nodes, finished)``; ``bound`` is a proven lower
    bound (the incumbent when the tree was exhausted).
    """
    from yingji._kernels.median import _interchange_median, _lagrangian_median, _median_objective

    m = Cp.shape[1]
    out = np.zeros(4)
    sel = np.zeros(m, dtype=np.bool_)
    rho = np.zeros(m)
    heap = []  # (bound, -depth, -count, node): best bound first
    dive = []  # depth-first stack, used once the heap is too large
    count = itertools.count()
    node_bytes = 8 * Cp.shape[0] + 2 * m + 64

    def push(b, node, depth):
        if dive or (len(heap) + 1) * node_bytes > open_bytes:
            dive.append((b, depth, node))
        else:
            heapq.heappush(heap, (b, -depth, -next(count), node))

    def pop():
        if dive:
            b, depth, node = dive.pop()
        else:
            b, nd, _, node = heapq.heappop(heap)
            depth = -nd
        return (b,) + node, depth

    push(root_bound, (fixed_mask.copy(), allowed.copy(), lam.copy()), 0)
    nodes = 0
    per_it = 1e-9 * Cp.size  # seconds per subgradient iteration, first guess; measured below
    finished = True
    while heap or dive:
        if time.perf_counter() >= deadline or nodes >= max_nodes:
            finished = False
            break
        (b, fm, am, lm), depth = pop()
        if b >= ub - delta:
            continue
        nodes += 1
        nf = int(fm.sum())
        live = fm | am
        if nf > p or int(live.sum()) < p:
            continue
        if nf == p or int(live.sum()) == p:
            o = np.nonzero(fm if nf == p else live)[0].astype(np.int64)
            v = _median_objective(Cp, w, o)
            if v < ub - tol:
                ub, sites = v, np.sort(o)
                delta = delta if rel is None else rel * ub
            continue
        sel[:] = False
        # the node's iterations cut to the time left (a node of 20,000 x 1,000 takes about a second)
        it_node = int(max(1, min(node_iter, (deadline - time.perf_counter()) / per_it)))
        tc = time.perf_counter()
        # the Polyak step aims one root gap above the incumbent (ub + aim); delta + aim keeps the
        # kernel's pruning and fixing threshold at ub - delta
        aim = ub - root_bound if np.isfinite(root_bound) and root_bound < ub else 0.0
        L = _lagrangian_median(Cp, w, srt[0], srt[1], fm, am, p, lm, ub + aim, it_node, 1.0, delta + aim, out, sel,
                               rho)
        per_it = max(per_it, (time.perf_counter() - tc) / max(1.0, out[1]))
        L = max(L, b)  # a child's region lies inside its parent's
        if out[2] > 0 or L >= ub - delta:
            continue
        if int(sel.sum()) == p:
            o = np.nonzero(sel)[0].astype(np.int64)
            v = _median_objective(Cp, w, o)
            if v < ub - tol or (nodes % 10 == 1):
                # Lagrangian heuristic: the chosen set, improved by interchange within the node
                v = _interchange_median(Cp, w, fm, fm | am, o, tol)
            if v < ub - tol:
                ub, sites = v, np.sort(o)
                delta = delta if rel is None else rel * ub
                if L >= ub - delta:
                    continue
        cand = np.nonzero(sel & ~fm & am)[0]
        if cand.size == 0:  # the chosen sites were all fixed open by the node's reduced costs
            cand = np.nonzero(am & ~fm)[0]
            if cand.size == 0 or int(fm.sum()) >= p:
                push(L, (fm, am, lm), depth)  # re-examined as a fully decided node
                continue
        # the chosen site nearest the threshold (largest bracket): both children move their bound
        # (closing the site with the most negative bracket gives one strong, one unchanged child and
        # a chain of unchanged ones: 1,015 instead of 235 nodes on a 3,000 x 200 instance)
        j = cand[np.argmax(rho[cand])]
        f1, a1 = fm.copy(), am.copy()
        f1[j] = True
        a0 = am.copy()
        a0[j] = False
        push(L, (f1, a1, lm.copy()), depth + 1)
        push(L, (fm.copy(), a0, lm), depth + 1)
    if finished:
        bound = ub
    else:
        open_b = [e[0] for e in heap] + [e[0] for e in dive]
        bound = min([ub] + open_b)
    return ub, sites, bound, nodes, finished


# ----------------------------------------------------------------------------- compact model
@dataclass(frozen=True)
class _MedianModel:
    model: SparseModel
    cols: np.ndarray  # site position of each y column
    n_y: int


@register("p_median")
def build_p_median(cost, p, *, weights=None, fixed=None, formulation="compact", allowed=None) -> BuiltModel:
    r"""The p-median as a :class:`~yingji.siting.build.BuiltModel` (``yj.siting.build("p_median", ...)``).

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        Demand x sites costs (``inf`` = unreachable).
    p : int
        Number of open sites (fixed included).
    weights : array_like, shape (n,), optional
    fixed : sequence of int, optional
        Sites that must be open.
    formulation : {"compact", "classic"}
        ``"compact"``: the sorted-distance formulation of Elloumi (2010) [6]_
        (one binary per site, one continuous variable per row and distinct cost
        level); ``"classic"``: ReVelle and Swain (1970) [2]_ with ``n m``
        assignment variables.
    allowed : array_like of bool, shape (m,), optional
        Sites that may be opened (others are left out of the model).

    Returns
    -------
    BuiltModel
        ``.model`` is the :class:`~yingji.solvers.SparseModel`: its first
        columns are the site binaries ``y`` (named ``y<position>``, in the order
        of ``model.meta["sites"]``); ``.solve()`` returns a SitingResult and
        ``.to_pulp()`` a PuLP problem to extend.

    Raises
    ------
    ValidationError
        Bad input (``formulation``, ``allowed`` and the arguments of
        :func:`p_median`), every problem named at once.
    InfeasibleError
        A row reaches no site (or no allowed site), or fewer than ``p`` sites
        are allowed.

    Notes
    -----
    Compact formulation: for row ``i`` let :math:`D_i^1 < \dots < D_i^{K_i}` be
    its distinct costs to the allowed sites (only the first ``m' - p + 1``
    sites in cost order are kept: one of them is open in every solution) and
    :math:`L_i^k` the sites at level ``k``. With :math:`z_{ik} = 1` when no
    site within :math:`D_i^k` is open,

    .. math::

        \min \sum_i w_i \Big(D_i^1 + \sum_{k<K_i} (D_i^{k+1} - D_i^k)\, z_{ik}\Big)
        \quad\text{s.t.}\quad
        z_{i1} + \sum_{j \in L_i^1} y_j \ge 1,\;
        z_{ik} - z_{i,k-1} + \sum_{j \in L_i^k} y_j \ge 0,\;
        -z_{i,K_i-1} + \sum_{j \in L_i^{K_i}} y_j \ge 0,\;
        \sum_j y_j = p,\; y \in \{0,1\},\; z \ge 0.

    Classic formulation: :math:`\min \sum_{ij} w_i c_{ij} x_{ij}` s.t.
    :math:`\sum_j x_{ij} = 1`, :math:`x_{ij} \le y_j`, :math:`\sum_j y_j = p`.

    References
    ----------
    .. [2] ReVelle, C. S. and Swain, R. W. (1970). Central facilities location.
       Geographical Analysis 2(1), 30-42.
    .. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
       Combinatorial Optimization 19(1), 69-83.
    """
    checked = {}

    def extra(probs, m, ci, fx, p):
        if formulation not in ("compact", "classic"):
            probs.param("formulation", "'compact' or 'classic'", formulation)
        if allowed is not None:
            a = np.asarray(allowed)
            if a.shape != (m,) or not (a.dtype == bool or (a.dtype.kind in "iuf" and np.isin(a, (0, 1)).all())):
                probs.param("allowed", f"a boolean array of {m} values (one per site)",
                            f"an array of dtype {a.dtype} and shape {a.shape}")
            else:
                checked["allowed"] = a.astype(bool)

    ci, w, fx, p, _ = _check_common("build_p_median", cost, p, weights, fixed, 60, 0.0, extra=extra)
    C = ci.C
    _raise_unreachable("build_p_median", C, ci)
    fixed_mask = np.zeros(ci.m, dtype=bool)
    fixed_mask[fx] = True
    al = checked.get("allowed", np.ones(ci.m, dtype=bool))
    al |= fixed_mask
    if int(al.sum()) < p:
        raise InfeasibleError(
            f"build_p_median: only {int(al.sum())} sites are allowed (fixed ones included), fewer than p = {p}.",
            rows=[], reason=f"{p - int(al.sum())} sites short",
        )
    mm = (_build_classic if formulation == "classic" else _build_compact)(C, w, fixed_mask, al, p)
    integral = _is_integral(C, w)

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        sites = mm.cols[sol.x[: mm.n_y] > 0.5]
        return _median_result(ci, C, w, sites, sol.bound, integral, seconds, method, "time_limit", config.MIP_GAP,
                              {"solver_status": sol.solver_status, "model_size": _size(mm.model)})

    return BuiltModel("p_median", mm.model, decode, info={"formulation": formulation})


#: Above this many columns the models carry no names (building 10^6 strings costs seconds);
#: the PuLP bridge then names them x0, x1, ...
_MAX_NAMED_COLS = 200_000


def _names(cols, prefix, a, b):
    if len(cols) + len(a) > _MAX_NAMED_COLS:
        return None
    return [f"y{j}" for j in cols] + [f"{prefix}{i}_{k}" for i, k in zip(a.tolist(), b.tolist())]


def _build_compact(C, w, fixed_mask, allowed, p, site_cost=None) -> _MedianModel:
    """Compact (Elloumi) model; ``p=None`` drops the cardinality row (facility location with
    ``site_cost`` on the ``y`` columns)."""
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    Cs = C[:, cols]
    order = np.argsort(Cs, axis=1, kind="stable")
    Ds = np.take_along_axis(Cs, order, axis=1)
    finite = np.isfinite(Ds)
    nfin = finite.sum(axis=1)
    T = nfin.copy()
    # nearest open site is among the first (m' - p + 1) allowed sites
    if p is not None:
        T = np.minimum(T, mp - p + 1)
    # truncation at the first fixed site in cost order
    fx_sorted = fixed_mask[cols][order]
    has_fx = fx_sorted.any(axis=1)
    first_fx = np.where(has_fx, fx_sorted.argmax(axis=1) + 1, mp)
    T = np.minimum(T, first_fx)
    if (T <= 0).any():
        bad = np.nonzero(T <= 0)[0]
        raise InfeasibleError(
            f"p_median: rows {describe_positions(bad)} reach no allowed site (every allowed cost is inf).",
            rows=bad.tolist(), reason="unreachable from every allowed site",
        )
    pos = np.arange(mp)[None, :]
    keep = pos < T[:, None]
    # level index along each row: new level where the cost increases
    newlev = np.zeros_like(keep)
    newlev[:, 1:] = Ds[:, 1:] > Ds[:, :-1]
    newlev &= keep
    lev = np.cumsum(newlev, axis=1)  # 0-based level of each sorted entry
    K = lev[np.arange(n), T - 1] + 1  # levels per row
    row_base = np.concatenate([[0], np.cumsum(K)[:-1]])
    n_con = int(K.sum())
    zK = K - 1
    z_base = np.concatenate([[0], np.cumsum(zK)[:-1]])
    n_z = int(zK.sum())
    # y entries
    ii, tt = np.nonzero(keep)
    y_rows = row_base[ii] + lev[ii, tt]
    y_cols = order[ii, tt]  # position within cols
    # level distances: the first entry of each level
    starts = keep & (newlev | (pos == 0))
    si, st = np.nonzero(starts)
    lev_d = Ds[si, st]  # ordered by row then level (row-major nonzero)
    # z variables: for row i, level k in 0..K_i-2: coefficient w_i (D_{k+1} - D_k)
    zi = np.repeat(np.arange(n), zK)
    zk = np.arange(n_z) - np.repeat(z_base, zK)
    lev_base = row_base  # same layout as constraints: row_base[i] + k indexes lev_d
    dz = lev_d[lev_base[zi] + zk + 1] - lev_d[lev_base[zi] + zk]
    cz = w[zi] * dz
    offset = float(w @ lev_d[row_base])
    # z entries: +1 in constraint (i, k), -1 in constraint (i, k+1)
    z_col = mp + np.arange(n_z)
    card = 1 if p is not None else 0
    rows = np.concatenate([y_rows, row_base[zi] + zk, row_base[zi] + zk + 1, np.full(mp * card, n_con)])
    colsA = np.concatenate([y_cols, z_col, z_col, np.arange(mp * card)])
    vals = np.concatenate([np.ones(y_rows.size), np.ones(n_z), -np.ones(n_z), np.ones(mp * card)])
    A = sp.csr_matrix((vals, (rows, colsA)), shape=(n_con + card, mp + n_z))
    row_lo = np.zeros(n_con + card)
    row_lo[row_base] = 1.0
    row_hi = np.full(n_con + card, np.inf)
    if p is not None:
        row_lo[n_con] = p
        row_hi[n_con] = p
    yc = np.zeros(mp) if site_cost is None else np.asarray(site_cost, dtype=float)[cols]
    c = np.concatenate([yc, cz])
    col_lo = np.zeros(mp + n_z)
    col_lo[:mp] = fixed_mask[cols].astype(float)
    col_hi = np.full(mp + n_z, np.inf)
    col_hi[:mp] = 1.0
    integ = np.zeros(mp + n_z, dtype=bool)
    integ[:mp] = True
    model = SparseModel(
        c, A, row_lo, row_hi, col_lo, col_hi, integ, "min", offset,
        col_names=_names(cols, "z", zi, zk),
        name="p_median_compact",
        meta={"sites": cols, "n_y": mp, "formulation": "compact", "z_row": zi, "z_level_cost": lev_d[lev_base[zi] + zk]},
    )
    return _MedianModel(model, cols, mp)


def _build_classic(C, w, fixed_mask, allowed, p) -> _MedianModel:
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    Cs = C[:, cols]
    fin = np.isfinite(Cs)
    ii, jj = np.nonzero(fin)
    nx = ii.size
    x_col = mp + np.arange(nx)
    # rows: n assignment rows, nx linking rows x_ij - y_j <= 0, one cardinality row
    rows = np.concatenate([ii, n + np.arange(nx), n + np.arange(nx), np.full(mp, n + nx)])
    colsA = np.concatenate([x_col, x_col, jj, np.arange(mp)])
    vals = np.concatenate([np.ones(nx), np.ones(nx), -np.ones(nx), np.ones(mp)])
    A = sp.csr_matrix((vals, (rows, colsA)), shape=(n + nx + 1, mp + nx))
    row_lo = np.concatenate([np.ones(n), np.full(nx, -np.inf), [p]])
    row_hi = np.concatenate([np.ones(n), np.zeros(nx), [p]])
    c = np.concatenate([np.zeros(mp), w[ii] * Cs[ii, jj]])
    col_lo = np.zeros(mp + nx)
    col_lo[:mp] = fixed_mask[cols].astype(float)
    col_hi = np.ones(mp + nx)
    integ = np.zeros(mp + nx, dtype=bool)
    integ[:mp] = True
    model = SparseModel(
        c, A, row_lo, row_hi, col_lo, col_hi, integ, "min", 0.0,
        col_names=_names(cols, "x", ii, cols[jj]),
        name="p_median_classic",
        meta={"sites": cols, "n_y": mp, "formulation": "classic", "x_row": ii, "x_site": cols[jj]},
    )
    return _MedianModel(model, cols, mp)


def _compact_size_estimate(C, fixed_mask, allowed, p, sample=256) -> dict:
    """Rows and nonzeros of :func:`_build_compact`'s model, estimated from ``sample`` evenly spaced rows
    (without building it: the full model of a 20,000 x 1,000 instance needs gigabytes)."""
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, sample)).astype(np.int64))
    sub = C[rows][:, cols]
    order = np.argsort(sub, axis=1, kind="stable")
    Ds = np.take_along_axis(sub, order, axis=1)
    T = np.minimum(np.isfinite(Ds).sum(axis=1), mp - p + 1)
    fx = fixed_mask[cols][order]
    T = np.minimum(T, np.where(fx.any(axis=1), fx.argmax(axis=1) + 1, mp))
    keep = np.arange(mp)[None, :] < T[:, None]
    new = np.ones_like(keep)
    new[:, 1:] = Ds[:, 1:] > Ds[:, :-1]
    K = (new & keep).sum(axis=1)
    scale = n / rows.size
    n_rows = int(K.sum() * scale) + 1
    nnz = int((T.sum() + 2 * (K - 1).sum()) * scale) + mp
    return {"rows": n_rows, "cols": int((K - 1).sum() * scale) + mp, "nnz": nnz, "estimated": True}


def _start_vector(mm: _MedianModel, C, sites) -> np.ndarray | None:
    """A MIP start for ``mm`` from an open-site set (None when a site is not in the model)."""
    col_of = {int(s): k for k, s in enumerate(mm.cols)}
    if any(int(s) not in col_of for s in sites):
        return None
    x = np.zeros(mm.model.n_cols)
    for s in sites:
        x[col_of[int(s)]] = 1.0
    meta = mm.model.meta
    a, d = _assign(C, np.asarray(sites))
    if meta["formulation"] == "compact":
        zi = meta["z_row"]
        x[mm.n_y:] = (meta["z_level_cost"] < d[zi]).astype(float)
    else:
        xi = meta["x_row"]
        x[mm.n_y:] = (meta["x_site"] == a[xi]).astype(float)
    return x


# ----------------------------------------------------------------------------- p_median
def _median_result(ci, C, w, sites, bound, integral, seconds, method, stopped, mip_gap, extras):
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    a, d = _assign(C, sites)
    with np.errstate(invalid="ignore"):
        # every row must be served (weight 0 rows too): an unreachable row makes the objective inf
        obj = float(np.where(w > 0, w * d, 0.0).sum()) if np.isfinite(d).all() else float("inf")
    if integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    bound = min(bound, obj)
    wt = float(w.sum())
    return make_result(
        "p_median", sites=sites, objective=obj, bound=bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method, stopped=stopped, mip_gap=mip_gap,
        row_cost=d, mean_cost=obj / wt if wt > 0 else float("nan"), extras=extras,
    )


def p_median(
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
    start=None,
    verbose=False,
) -> SitingResult:
    r"""Open ``p`` sites minimising the total weighted cost of serving every row from its nearest one.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        Demand x sites costs: minutes, metres or any additive cost (``inf`` =
        unreachable). DataFrame labels are kept in the result.
    p : int
        Number of open sites, fixed ones included.
    weights : array_like, shape (n,), optional
        Demand weights (e.g. population); default 1.
    fixed : sequence of int, optional
        Column positions (or labels) of existing sites that stay open.
    method : {"auto", "exact", "heuristic", "classic"}
        ``"auto"``/``"exact"``: heuristic, Lagrangian bound with variable fixing,
        then the compact formulation on what is left (``"exact"`` skips the
        variable fixing). ``"heuristic"``: greedy + interchange, 300
        subgradient steps with reduced-cost fixing, then VNS on the sites the
        fixing left; no MIP (status ``"heuristic"`` unless the bound closes the
        gap). ``"classic"``: the n x m formulation of ReVelle and
        Swain solved directly (for comparison).
    time_limit : float
        Seconds for the whole call; the best solution found by then is returned
        with ``status="time_limit"``. HiGHS does not look at its limit while
        loading and presolving, so a model too large to set up in the time left
        is not handed to it (``extras["mip_skipped"]``; every method, default
        solver only).
    mip_gap : float
        Relative gap at which the optimum counts as proven (default 1e-6).
    solver : None or PuLP solver
        None: HiGHS through highspy; a PuLP solver object (e.g.
        ``pulp.PULP_CBC_CMD(msg=False)``) solves the MIP through the PuLP bridge.
    seed : int
        Seed of the randomised local search.
    start : sequence of int, optional
        Column positions (or labels) of at most ``p`` sites to start from, e.g. the answer of
        a previous what-if run: completed greedily to ``p`` sites (fixed ones included) and
        improved by interchange; the better of it and the heuristic's answer is the incumbent
        the bound, the branch and bound and the MIP start work from.
        ``extras["start_objective"]`` reports its value.
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` = :math:`\sum_i w_i \min_{j \in S} c_{ij}`, ``mean_cost`` =
        objective / total weight, ``bound`` a proven lower bound; ``extras``
        holds ``lagrangian_bound``, ``heuristic_objective``, ``n_fixed_open``,
        ``n_fixed_closed``, ``lagrangian_iterations`` and ``model_size``.

    Raises
    ------
    ValidationError
        Bad input (every problem named at once).
    InfeasibleError
        Some rows cannot be reached from any site, or from any ``p``-set.

    See Also
    --------
    median_cost : recompute the objective of a set of sites.
    p_center, build_p_median

    Notes
    -----
    .. math::

        \min_{S \subseteq J,\ |S| = p,\ F \subseteq S} \; \sum_i w_i \min_{j \in S} c_{ij}

    Lagrangian bound [5]_: relaxing :math:`\sum_j x_{ij} = 1` with multipliers
    :math:`\lambda_i` gives
    :math:`L(\lambda) = \sum_i \lambda_i + \sum_{j \in S(\lambda)} \sum_i \min(0, w_i c_{ij} - \lambda_i)`,
    ``S`` the ``p`` sites of smallest bracket. Sites whose forced opening (or
    closing) lifts ``L`` to the incumbent are fixed. With integer data a bound
    is rounded up. The rest is solved with the formulation of Elloumi [6]_
    (see :func:`build_p_median`).

    References
    ----------
    .. [1] Hakimi (1964), ReVelle and Swain (1970), Whitaker (1983), Hansen and
       Mladenovic (1997): full entries in :mod:`yingji.siting.median`.
    .. [5] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank
       accounts to optimize float. Management Science 23(8), 789-810.
    .. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
       Combinatorial Optimization 19(1), 69-83.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0., 6., 9.], [4., 0., 5.], [9., 5., 0.], [8., 4., 1.]])
    >>> r = p_median(cost, 2)
    >>> r.sites.tolist(), r.objective, r.optimal
    ([0, 2], 5.0, True)
    """
    t0 = time.perf_counter()
    st_box = []

    def extra(probs, m, ci, fx, p):
        if start is None:
            return
        st = np.union1d(check_fixed(start, m, probs, labels=ci.col_ids, name="start"), fx)
        if isinstance(p, int) and st.size > p:
            probs.param("start", f"at most p = {p} sites (fixed ones included)", f"{st.size} sites")
        st_box.append(st)

    ci, w, fx, p, tl = _check_common("p_median", cost, p, weights, fixed, time_limit, mip_gap, method, extra=extra)
    mip_gap = float(mip_gap)
    C = ci.C
    _raise_unreachable("p_median", C, ci)
    n, m = C.shape
    deadline = t0 + tl
    fixed_mask = np.zeros(m, dtype=np.bool_)
    fixed_mask[fx] = True
    allowed = np.ones(m, dtype=np.bool_)
    Cp = _penalised(C, w)
    wk = w
    zero_inf = (w == 0) & ~np.isfinite(C).all(axis=1)
    if zero_inf.any():
        # rows of weight 0 must still be served: cost 0 where reachable, the penalty where not
        wk = w.copy()
        wk[zero_inf] = 1.0
        Cp = Cp.copy()
        Cp[zero_inf] = np.where(np.isfinite(C[zero_inf]), 0.0, Cp[zero_inf])
    integral = _is_integral(C, w)
    tol = 1e-9 * max(1.0, float(np.abs(Cp).max()) * float(w.sum()) * 1e-6)
    extras: dict = {}

    def finish(sites, bound, method_name, stopped, extra=None):
        extras.update(extra or {})
        return _median_result(ci, C, w, sites, bound, integral, time.perf_counter() - t0, method_name, stopped,
                              mip_gap, extras)

    if method == "classic":
        mm = _build_classic(C, w, fixed_mask, allowed, p)
        remaining = deadline - time.perf_counter()
        if _too_big_for_highs(mm.model, "classic", remaining, solver):
            # HiGHS would overrun the time limit before its first node: the heuristic answers instead
            sites, _ = _median_heuristic(Cp, wk, fixed_mask, allowed, p, seed, max(0.0, 0.5 * remaining), tol)
            return finish(sites, -np.inf, "classic", "time_limit", {"model_size": _size(mm.model), "mip_skipped": True})
        sol = _solve_or_raise(mm.model, "p_median", C, ci, solver, deadline, mip_gap, None, verbose,
                              _highs_options(mm.model, solver, integral))
        if sol.x is None:
            # no incumbent: fall back on the heuristic so the result is usable
            sites, _ = _median_heuristic(Cp, wk, fixed_mask, allowed, p, seed, 0.2, tol)
            return finish(sites, sol.bound, "classic", "time_limit", {"model_size": _size(mm.model)})
        sites = mm.cols[sol.x[: mm.n_y] > 0.5]
        return finish(sites, sol.bound, "classic", "time_limit", {"model_size": _size(mm.model)})

    # 1. heuristic
    hb = min(0.25 + 3e-4 * n * m / 1e3, 0.25 * tl)
    # method="heuristic": greedy + interchange only here; the VNS runs after the Lagrangian fixing
    # (below), on the sites left, where it is both faster and better (pmed30: 1989 instead of 1991)
    sites, ub = _median_heuristic(Cp, wk, fixed_mask, allowed, p, seed, 0.0 if method == "heuristic" else hb, tol)
    sites = np.sort(sites)
    extras["heuristic_objective"] = float(ub)
    if st_box:
        # 1b. the caller's start: completed greedily, improved by interchange; the better one is kept
        sites, ub = _start_sites(Cp, wk, fixed_mask, allowed, p, st_box[0], sites, ub, tol, extras)
    # 2. Lagrangian bound with reduced-cost fixing (auto / heuristic)
    # dl(ub): solutions within dl(ub) of the incumbent ub may be cut off (integer data: none between ub-1
    # and ub); relative otherwise, so a proof stays within mip_gap of the final, lower incumbent
    rel = None if integral else 0.999 * mip_gap

    def dl(u):
        return (1.0 - 1e-4) if integral else rel * abs(u)

    lam = np.empty(n)
    _, d1 = _assign(Cp, sites)
    lam[:] = wk * d1
    fmask = fixed_mask.copy()
    amask = allowed.copy()
    lb_budget = max(0.0, min(0.3 * tl, deadline - time.perf_counter()))
    srt = None
    if method in ("auto", "heuristic"):
        if method == "heuristic":
            # fixed work (300 steps, a VNS of at most vns_iter iterations): the same answer at any
            # load; the time limit only stops it early
            lb_budget = max(0.0, deadline - time.perf_counter())
        srt = _sorted_rows(Cp, wk, p)
        L, infeasible, sel, iters, ub2, s2 = _lagrangian(Cp, wk, srt, fmask, amask, p, lam, ub, dl(ub), lb_budget,
                                                         300 if method == "heuristic" else 3000,
                                                         tol=tol)
        if s2 is not None:
            ub, sites = ub2, s2
            extras["heuristic_objective"] = float(ub)
        extras["lagrangian_iterations"] = iters
        extras["lagrangian_bound"] = float(min(L, ub))
        # 2b. Lagrangian heuristic from the best multipliers
        if not infeasible and sel.sum() == p:
            from yingji._kernels.median import _interchange_median

            o = np.nonzero(sel)[0].astype(np.int64)
            v = _interchange_median(Cp, wk, fixed_mask, allowed, o, tol)
            if v < ub - tol:
                ub, sites = v, np.sort(o)
                extras["heuristic_objective"] = float(ub)
                L2, infeasible, _, it2, _, _ = _lagrangian(
                    Cp, wk, srt, fmask, amask, p, lam, ub, dl(ub), max(0.0, min(0.1 * tl, deadline - time.perf_counter())),
                    300)
                L = max(L, L2)
                extras["lagrangian_iterations"] += it2
        bound = ub - dl(ub) if infeasible else min(L, ub - dl(ub))
        if not infeasible:
            # 2c. VNS on the sites reduced-cost fixing left open (any better solution lies there)
            stop = float(np.ceil(bound - 1e-6)) if integral else bound
            if method == "heuristic":
                vb, vns_iter = max(0.0, deadline - time.perf_counter()), int(min(512, max(16, 1.5e8 / (n * m))))
            else:
                vb, vns_iter = max(0.0, min(hb, 0.05 * tl, deadline - time.perf_counter())), None
            sites, ub = _reduced_vns(Cp, wk, fmask, amask, sites, ub, seed, vb, tol, stop, max_iter=vns_iter)
            extras["heuristic_objective"] = float(ub)
        extras["n_fixed_open"] = int(fmask.sum() - fixed_mask.sum())
        extras["n_fixed_closed"] = int((~amask & ~fmask).sum())
    else:
        bound = -np.inf
        infeasible = False

    def closed(b):
        bb = float(np.ceil(b - 1e-6)) if integral and np.isfinite(b) else b
        return bool(np.isfinite(ub) and (ub - bb) <= mip_gap * max(abs(ub), 1e-9))

    def done(sites, bound, stopped):
        if not np.isfinite(_assign(C, sites)[1]).all() and closed(bound):
            _, dd = _assign(C, sites)
            bad = np.nonzero(~np.isfinite(dd))[0]
            raise InfeasibleError(
                f"p_median: no choice of {p} sites reaches every demand row; rows "
                f"{describe_positions(bad, ci.row_ids)} stay unreachable in the best choice.",
                rows=[ci.row_ids[i] for i in bad] if ci.row_ids is not None else bad.tolist(),
                reason="no p-set reaches every row",
            )
        return finish(sites, bound, method, stopped)

    if method == "heuristic":
        return done(sites, bound, "heuristic")
    if closed(bound) or time.perf_counter() >= deadline:
        return done(sites, bound, "time_limit")
    def run_mip(sites, ub, bound, until, fm, am):
        """Compact MIP on the problem reduced by ``fm``/``am``; returns (sites, ub, bound, proven)."""
        remaining = until - time.perf_counter()
        est = _compact_size_estimate(C, fm, am | fm, p)
        if remaining <= 0.05 or (method == "auto" and est["rows"] > 1.25 * _MIP_ROWS_PER_S * remaining) or \
                (solver is None and est["nnz"] > 1.25 * _HIGHS_SETUP_NNZ_PER_S["compact"] * remaining):
            # clearly too large for the time left: not even built (at 20,000 x 1,000 the full model
            # took 6 GB to build, only to be skipped)
            extras["model_size"] = est
            extras["mip_skipped"] = True
            return sites, ub, bound, False
        mm = _build_compact(C, w, fm, am | fm, p)
        extras["model_size"] = _size(mm.model)
        remaining = until - time.perf_counter()
        if remaining <= 0.05 or (method == "auto" and mm.model.n_rows > _MIP_ROWS_PER_S * remaining) or \
                _too_big_for_highs(mm.model, "compact", remaining, solver):
            # too large to get anywhere in the time left (HiGHS's presolve alone would overrun it)
            extras["mip_skipped"] = True
            return sites, ub, bound, False
        start = _start_vector(mm, C, sites)
        try:
            # a little under mip_gap: HiGHS measures its gap on the model's objective, and a proof it calls
            # optimal must also close the gap measured here (a 2,000 x 300 case stopped at 1.0007e-6)
            sol = solve(mm.model, solver=solver, time_limit=remaining, mip_gap=0.9 * mip_gap, start=start,
                        verbose=verbose, options=_highs_options(mm.model, solver, integral))
        except InfeasibleError:
            if method == "auto":
                # no solution of the reduced problem beats the incumbent by dl(ub): it is optimal
                return sites, ub, max(bound, ub - dl(ub)), True
            raise InfeasibleError(
                f"p_median: no choice of {p} sites reaches every demand row.", rows=[],
                reason="no p-set reaches every row",
            ) from None
        mb = sol.bound if np.isfinite(sol.bound) else -np.inf
        if sol.x is not None:
            s2 = mm.cols[sol.x[: mm.n_y] > 0.5]
            if len(s2) == p:
                v2 = float(_assign(Cp, s2)[1] @ wk)
                if v2 < ub - tol:
                    ub, sites = v2, np.sort(s2)
        bound = max(bound, min(ub - dl(ub), mb) if method == "auto" else mb)
        return sites, ub, min(bound, ub), sol.optimal

    if method == "auto" and solver is None:
        # 3. Lagrangian branch and bound and / or the compact MIP on what is left. Branching on sites
        # suits few open sites (small p: weak LP bound, HiGHS branches slowly); with many open sites
        # and a nearly tight root bound the MIP goes first (HiGHS's primal heuristics find the optimum).
        rb = float(np.ceil(bound - 1e-6)) if integral else bound
        near = (ub - rb) <= 0.0015 * max(abs(ub), 1e-9)
        stages = ["mip", "bnb"] if (near and p - len(fx) > 50) else ["bnb", "mip"]
        if stages[0] == "bnb":
            # a MIP clearly out of reach even with all the time left: the tree gets all of it (a second
            # tree would restart from the root and lose the first one's progress)
            left = deadline - time.perf_counter()
            est = _compact_size_estimate(C, fmask, amask | fmask, p)
            if est["rows"] > 1.25 * _MIP_ROWS_PER_S * left or \
                    est["nnz"] > 1.25 * _HIGHS_SETUP_NNZ_PER_S["compact"] * left:
                extras["model_size"] = est
                extras["mip_skipped"] = True
                stages = ["bnb"]
        for k, stage in enumerate(stages):
            until = deadline if k == len(stages) - 1 else time.perf_counter() + 0.5 * (deadline - time.perf_counter())
            if stage == "bnb":
                ub2, sites2, bb, nodes, finished = _lagrangian_bnb(
                    Cp, wk, srt, fmask, amask, p, lam, ub, sites, dl(ub), until, tol, L, rel=rel)
                extras["bnb_nodes"] = extras.get("bnb_nodes", 0) + nodes
                if ub2 < ub - tol:
                    ub, sites = ub2, sites2
                bound = max(bound, min(bb, ub - dl(ub)))
            else:
                sites, ub, bound, _ = run_mip(sites, ub, bound, until, fmask, amask)
                if extras.get("mip_skipped") and k == len(stages) - 1 and "bnb" in stages[:k]:
                    stages.append("bnb")  # the MIP is out of reach: branch and bound gets the rest
            if closed(bound) or time.perf_counter() >= deadline:
                break
        return done(sites, bound, "time_limit")
    # 3'. compact MIP (method="exact", or a PuLP solver): on the problem reduced by fixing (auto)
    if method == "exact":
        fmask, amask = fixed_mask.copy(), allowed.copy()
    sites, ub, bound, _ = run_mip(sites, ub, bound, deadline, fmask, amask)
    if extras.get("mip_skipped") and method == "exact" and solver is None:
        # the model is out of HiGHS's reach in the time left: a Lagrangian bound instead of none
        left = deadline - time.perf_counter()
        if left > 0.02:
            srt = srt if srt is not None else _sorted_rows(Cp, wk, p)
            L, infeasible, _, iters, _, _ = _lagrangian(Cp, wk, srt, fixed_mask.copy(), allowed.copy(), p, lam, ub,
                                                        dl(ub), 0.8 * left, 3000)
            extras["lagrangian_iterations"] = iters
            bound = max(bound, ub - dl(ub) if infeasible else min(L, ub - dl(ub)))
    return done(sites, bound, "time_limit")


def _highs_options(model: SparseModel, solver, integral: bool) -> dict | None:
    """HiGHS options: with integer data an absolute gap just under 1 (no integer objective lies
    strictly between). (Switching presolve off, as the coverage models do on dense models, made the
    time-limit overrun worse here: 6 s instead of 2.5 s at 3,000 x 300 with a 1.5 s limit.)"""
    if solver is not None:
        return None
    opts = {}
    if integral:
        opts["mip_abs_gap"] = 1.0 - 1e-3
    return opts or None


def _size(model: SparseModel) -> dict:
    return {"rows": model.n_rows, "cols": model.n_cols, "nnz": int(model.A.nnz)}


def _solve_or_raise(model, func, C, ci, solver, deadline, mip_gap, start, verbose, options=None) -> Solution:
    remaining = max(0.05, deadline - time.perf_counter())
    try:
        return solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, start=start, verbose=verbose,
                     options=options)
    except InfeasibleError as exc:
        raise InfeasibleError(
            f"{func}: no choice of p sites reaches every demand row (some rows only reach sites that cannot "
            f"all be open together).",
            rows=exc.rows,
            reason="no p-set reaches every row",
        ) from exc


# ----------------------------------------------------------------------------- p_center
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
    try:
        lv = float(level)
        if np.isnan(lv):
            raise ValueError
    except (TypeError, ValueError):
        probs.param("level", "a number (the weighted cost within which a row counts as covered)", level)
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
    from yingji._kernels.median import _center_greedy_cover_level

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
    hi_idx = levels.size - 1
    extras = {"levels_tested": 0, "cover_solves": 0}

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
    best_val = float(_weighted_center(WC, best_sites))
    hi = int(np.searchsorted(levels, best_val - 1e-12 * max(1.0, abs(best_val))))
    lo_level = lo
    timed_out = False
    if method == "auto":
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
        lo_level = a
        hi = b
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
