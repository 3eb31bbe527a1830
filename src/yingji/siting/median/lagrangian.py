"""Lagrangian bound of the p-median (Cornuejols, Fisher and Nemhauser 1977): each row's cheapest
sites, the subgradient kernel in chunks with reduced-cost fixing and a Lagrangian heuristic, and
the best-bound branch and bound on the site variables with Lagrangian bounds (Beasley 1985)."""

from __future__ import annotations

import heapq
import itertools
import time

import numpy as np

from yingji.siting.median.heuristic import _interchange


def _sorted_rows(Cp: np.ndarray, w: np.ndarray, p: int, block: int = 1024, max_bytes: float = 3e8, until=None):
    """Each row's ``K`` cheapest sites in increasing cost order, for the Lagrangian kernel.

    ``K = min(m, max(16, 4 * ceil(m / p)))``: the multiplier of a row stays near the cost
    of its few nearest sites (a row's open site is about its ``m / p``-th nearest), and
    a row whose multiplier exceeds the ``K``-th cost is scanned in full by the kernel.
    ``K`` is also held to ``max_bytes`` of output (12 bytes an entry; small ``p`` on a large
    matrix would otherwise copy it whole). Returns ``(idx int32 (n, K), wcs float64 (n, K))``
    with ``wcs = w_i * Cp[i, idx]``; built in blocks of rows, so the only temporaries are
    ``block x m``. With ``until`` (a ``time.perf_counter()`` value) it gives up between blocks once
    that moment has passed and returns None (a time limit holds at any size).
    """
    n, m = Cp.shape
    K = int(min(m, max(16, 4 * -(-m // max(int(p), 1))), max(16, int(max_bytes // (12 * max(n, 1))))))
    idx = np.empty((n, K), dtype=np.int32)
    wcs = np.empty((n, K), dtype=np.float64)
    for a in range(0, n, block):
        if until is not None and time.perf_counter() >= until:
            return None
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
    from yingji._kernels.median import _lagrangian_median

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
    no_cap = np.full(Cp.shape[0], np.inf)
    while used < max_iter and time.perf_counter() - t0 < budget_s:
        # chunks sized to the budget left, so a large instance (20 ms an iteration) does not overrun it
        left = budget_s - (time.perf_counter() - t0)
        chunk = int(max(1, min(100, max_iter - used, left / per_it)))
        tc = time.perf_counter()
        L = _lagrangian_median(Cp, w, srt[0], srt[1], fixed_mask, allowed, p, lam, ub, chunk, theta, delta, out,
                               sel, rho, no_cap)
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
                v = _interchange(Cp, w, fixed_mask, fixed_mask | allowed, o, tol, t0 + budget_s)
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
    from yingji._kernels.median import _lagrangian_median, _median_objective

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
    no_cap = np.full(Cp.shape[0], np.inf)
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
                               rho, no_cap)
        per_it = max(per_it, (time.perf_counter() - tc) / max(1.0, out[1]))
        L = max(L, b)  # a child's region lies inside its parent's
        if out[2] > 0 or L >= ub - delta:
            continue
        if int(sel.sum()) == p:
            o = np.nonzero(sel)[0].astype(np.int64)
            v = _median_objective(Cp, w, o)
            if v < ub - tol or (nodes % 10 == 1):
                # Lagrangian heuristic: the chosen set, improved by interchange within the node
                v = _interchange(Cp, w, fm, fm | am, o, tol, deadline)
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
