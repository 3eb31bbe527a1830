r"""Lagrangian branch-and-bound on the site variables of capacitated facility location.

The tree search of Beasley (1988) [1]_, in the form of Görtz and Klose (2012) [2]_:
every node fixes some sites open or closed, and its bound is the Lagrangian
relaxation of the demand constraints (one continuous knapsack per site and a 0-1
covering knapsack on the sites that keeps the aggregate capacity inequality),
optimised by a short subgradient run warm-started from the parent's multipliers.
At each node

* the node is pruned when its bound reaches the incumbent;
* the open set the knapsack chooses is priced by a transportation LP (a new
  incumbent when cheaper);
* reduced-cost (penalty) tests fix free sites: the covering knapsack is re-solved
  with each free site forced the other way (all at once by a forward/backward
  dynamic programme, :func:`yingji._kernels.capacitated._cover_knapsack_flips`)
  and the site is fixed when that bound reaches the incumbent;
* the search branches, depth first, on the free site whose smoothed subgradient
  choice is the most fractional.

The bound on the whole problem is the smallest of the incumbent, the bounds of the
pruned nodes and fixed-away branches, and the parent bounds of the nodes still
open, so it stays valid when the time runs out.

References
----------
.. [1] Beasley, J. E. (1988). An algorithm for solving large capacitated warehouse
   location problems. European Journal of Operational Research 33, 314-325.
.. [2] Görtz, S. and Klose, A. (2012). A simple but usually fast branch-and-bound
   algorithm for the capacitated facility location problem. INFORMS Journal on
   Computing 24(4), 597-610.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TreeResult", "cflp_tree"]


@dataclass
class TreeResult:
    """Outcome of :func:`cflp_tree`: incumbent, bound and search statistics."""

    UB: float
    sites: np.ndarray
    Xs: np.ndarray
    bound: float
    finished: bool
    nodes: int = 0
    lp_calls: int = 0
    stats: dict = field(default_factory=dict)


def compress_knapsack(a, b):
    """Divide the covering knapsack ``sum a_j y_j >= b`` by the gcd of the sizes (an equivalent
    knapsack with a smaller target, so a faster dynamic programme)."""
    a = np.asarray(a, dtype=np.int64)
    pos = a[a > 0]
    g = int(np.gcd.reduce(pos)) if pos.size else 1
    if g <= 1:
        return np.ascontiguousarray(a), int(b)
    return np.ascontiguousarray(a // g), int(math.ceil(b / g))


def cflp_tree(C, d, cap, f, state0, a, b, u0, UB, sites, Xs, price, deadline, tol, *,
              node_iter=40, stall=6, root_iter=300, max_nodes=10**7, slack=None):
    """Depth-first Lagrangian branch-and-bound over the site variables.

    Parameters
    ----------
    C : ndarray of float64, shape (n, m)
        Finite costs (``inf`` replaced by a prohibitive value).
    d, cap, f : ndarray of float64
        Demands, capacities (``inf`` allowed) and fixed costs.
    state0 : ndarray of int64, shape (m,)
        Root fixings: 1 open, 0 closed, -1 free.
    a, b : ndarray of int64, int
        Covering knapsack data (see ``_knapsack_data`` in :mod:`yingji.siting._cap_lagrangian`).
    u0 : ndarray of float64, shape (n,)
        Root multipliers.
    UB, sites, Xs
        Incumbent value, open sites and their shares (n, len(sites)).
    price : callable
        ``price(mask) -> (value, sites, shares)`` or ``(inf, None, None)``: the cheapest
        allocation to an open set (a transportation LP), fixed costs included.
    deadline : float
        ``time.perf_counter()`` value at which the search stops.
    tol : float
        Absolute optimality tolerance: nodes with bound ``>= UB - tol`` are pruned.
    node_iter, stall, root_iter : int
        Subgradient steps per node (at the root), and steps without progress before the
        step parameter is halved.
    max_nodes : int
        Node limit.

    Returns
    -------
    TreeResult
    """
    from yingji._kernels.capacitated import _cflp_node_subgradient, _cover_knapsack_flips, _site_values_open

    n, m = C.shape
    C = np.ascontiguousarray(C, dtype=np.float64)
    d = np.ascontiguousarray(d, dtype=np.float64)
    cap = np.ascontiguousarray(cap, dtype=np.float64)
    f = np.ascontiguousarray(f, dtype=np.float64)
    a, b = compress_knapsack(a, b)
    if slack is None:
        slack = tol
    y_best = np.zeros(m, dtype=np.int64)
    ybar = np.zeros(m)
    X = np.zeros((n, m))
    seen: set = set()
    closed_min = np.inf  # smallest bound of the pruned nodes and fixed-away branches
    lp_calls = 0
    nodes = 0
    stack = [(-np.inf, np.ascontiguousarray(state0, dtype=np.int64), np.ascontiguousarray(u0, dtype=np.float64),
              1.0, True)]
    t_sub = t_lp = t_fix = 0.0

    def try_price(mask):
        nonlocal UB, sites, Xs, lp_calls, t_lp
        key = mask.tobytes()
        if key in seen:
            return
        seen.add(key)
        t = time.perf_counter()
        val, s2, x2 = price(mask)
        t_lp += time.perf_counter() - t
        lp_calls += 1
        if s2 is not None and val < UB:
            UB, sites, Xs = val, s2, x2

    finished = True
    while stack:
        if time.perf_counter() > deadline or nodes >= max_nodes:
            finished = False
            break
        pbound, state, u, lam, is_root = stack.pop()
        if pbound >= UB - tol:
            closed_min = min(closed_min, pbound)
            continue
        nodes += 1
        t = time.perf_counter()
        L, lam, feas = _cflp_node_subgradient(C, d, cap, f, a, b, state, u, UB - tol, UB + slack, lam,
                                              node_iter, stall, y_best, ybar)
        done = node_iter
        while is_root and done < root_iter and L < UB - tol and not feas and lam >= 1e-4 \
                and time.perf_counter() < deadline:
            # the root runs longer, in chunks so that the deadline is watched, while its bound improves
            L2, lam, feas = _cflp_node_subgradient(C, d, cap, f, a, b, state, u, UB - tol, UB + slack, lam,
                                                   node_iter, stall, y_best, ybar)
            done += node_iter
            if L2 <= L + 1e-9 * max(1.0, abs(L)):
                break
            L = L2
        t_sub += time.perf_counter() - t
        L = max(L, pbound)  # a child's region lies inside its parent's
        if L == np.inf:
            continue  # the fixings leave too little capacity: no solution here
        if L >= UB - tol:
            closed_min = min(closed_min, L)
            continue
        try_price(y_best.astype(bool))
        if L >= UB - tol:
            closed_min = min(closed_min, L)
            continue
        # penalty tests at the best multipliers
        t = time.perf_counter()
        v = _site_values_open(C, d, cap, f, u, state, X)
        _, _, v_in, v_out = _cover_knapsack_flips(v, a, b, state)
        su = float(u.sum())
        free = np.nonzero(state == -1)[0]
        lin = su + v_in[free]
        lout = su + v_out[free]
        cut = UB - tol
        to_open = free[lout >= cut]
        to_close = free[lin >= cut]
        both = np.intersect1d(to_open, to_close)
        t_fix += time.perf_counter() - t
        if both.size:
            closed_min = min(closed_min, float(np.max(np.minimum(lin, lout)[np.isin(free, both)])))
            continue
        if to_open.size or to_close.size:
            state = state.copy()
            state[to_open] = 1
            state[to_close] = 0
            closed_min = min(closed_min, float(np.min(np.concatenate([lout[lout >= cut], lin[lin >= cut]]))))
        free = np.nonzero(state == -1)[0]
        if free.size == 0:
            # every site fixed: the node is one transportation problem
            mask = state == 1
            try_price(mask)
            closed_min = min(closed_min, max(L, UB))
            continue
        # branch on the most fractional smoothed choice (ties: the larger penalty)
        frac = np.abs(ybar[free] - 0.5)
        pen = np.maximum(su + v_in[free], su + v_out[free])
        order = np.lexsort((-pen, frac))
        j = int(free[order[0]])
        up_first = ybar[j] >= 0.5
        s1 = state.copy()
        s1[j] = 1
        s0 = state.copy()
        s0[j] = 0
        lam_c = max(lam, 0.05)
        kids = [(L, s0, u.copy(), lam_c, False), (L, s1, u.copy(), lam_c, False)]
        if not up_first:
            kids.reverse()
        stack.extend(kids)  # the last one is explored first
    open_min = min((s[0] for s in stack), default=np.inf)
    bound = min(UB, closed_min, open_min)
    return TreeResult(UB=UB, sites=np.asarray(sites), Xs=Xs, bound=bound, finished=finished and not stack,
                      nodes=nodes, lp_calls=lp_calls,
                      stats={"subgradient_s": round(t_sub, 3), "lp_s": round(t_lp, 3), "fixing_s": round(t_fix, 3)})
