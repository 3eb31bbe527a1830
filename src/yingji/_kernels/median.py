"""Numba kernels for p-median, p-center and facility location.

Every function here is ``@njit(**NJIT_KW)`` and takes only contiguous
``float64`` / ``int64`` / ``bool`` arrays and scalars. The public wrappers live in
:mod:`yingji.siting.median` and :mod:`yingji.siting.capacitated`.

Conventions: ``C`` is the demand x sites cost matrix (finite: the wrappers replace
``inf`` with a penalty large enough that leaving a row unserved is never worth
it), ``w`` the row weights, ``fixed`` a bool mask of sites that must stay open,
``allowed`` a bool mask of sites that may be opened at all.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = [
    "_median_objective",
    "_nearest_two",
    "_greedy_init",
    "_greedy_steps",
    "_greedy_median",
    "_interchange_median",
    "_interchange_budget",
    "_vns_median",
    "_vns_budget",
    "_lagrangian_median",
    "_center_greedy_cover_level",
]


@njit(**NJIT_KW)
def _median_objective(C, w, open_sites):
    """Numba JIT-compiled weighted p-median objective of an open set.

    Parameters
    ----------
    C : ndarray of float64, shape (n, m)
    w : ndarray of float64, shape (n,)
    open_sites : ndarray of int64, shape (k,)

    Returns
    -------
    float
        ``sum_i w_i * min_{j in open_sites} C[i, j]`` (``inf`` when no site is open).
    """
    n = C.shape[0]
    total = 0.0
    for i in range(n):
        best = np.inf
        for t in range(open_sites.shape[0]):
            c = C[i, open_sites[t]]
            if c < best:
                best = c
        total += w[i] * best
    return total


@njit(**NJIT_KW)
def _nearest_two(C, open_sites, a1, d1, a2, d2):
    """Numba JIT-compiled nearest and second-nearest open site of every row (in place).

    ``a1``/``d1`` receive the nearest open site and its cost, ``a2``/``d2`` the
    second nearest (``-1``/``inf`` when only one site is open).
    """
    n = C.shape[0]
    k = open_sites.shape[0]
    for i in range(n):
        b1 = np.inf
        b2 = np.inf
        j1 = -1
        j2 = -1
        for t in range(k):
            j = open_sites[t]
            c = C[i, j]
            if c < b1 or j1 < 0:
                b2 = b1
                j2 = j1
                b1 = c
                j1 = j
            elif c < b2 or j2 < 0:
                b2 = c
                j2 = j
        a1[i] = j1
        d1[i] = b1
        a2[i] = j2
        d2[i] = b2


@njit(**NJIT_KW)
def _greedy_init(C, fixed, is_open, d, out):
    """Numba JIT-compiled start of the greedy heuristic: every row charged twice its largest cost
    (so the first pick is the 1-median), then the fixed sites opened (at most ``out.size``).

    Returns
    -------
    int
        The number of sites opened (written to ``out``, marked in ``is_open``, ``d`` lowered).
    """
    n, m = C.shape
    p = out.shape[0]
    for i in range(n):
        mx = 0.0
        for j in range(m):
            if C[i, j] > mx:
                mx = C[i, j]
        d[i] = 2.0 * mx + 1.0
    k = 0
    for j in range(m):
        if fixed[j] and k < p:
            out[k] = j
            k += 1
            is_open[j] = True
            for i in range(n):
                if C[i, j] < d[i]:
                    d[i] = C[i, j]
    return k


@njit(**NJIT_KW)
def _greedy_steps(C, w, allowed, is_open, d, out, k, k_stop):
    """Numba JIT-compiled greedy (add) steps: open the allowed site that lowers the weighted cost
    ``sum_i w_i d_i`` most, until ``k_stop`` sites are open (one step costs ``O(n m)``; the caller
    runs the steps in chunks so that a time limit holds).

    Returns
    -------
    int
        The number of open sites (``k_stop`` unless no allowed site is left).
    """
    n, m = C.shape
    gain = np.empty(m, dtype=np.float64)
    while k < k_stop:
        for j in range(m):
            gain[j] = 0.0
        for i in range(n):
            wi = w[i]
            di = d[i]
            for j in range(m):
                c = C[i, j]
                if c < di:
                    gain[j] += wi * (di - c)
        best = -1.0
        bj = -1
        for j in range(m):
            if allowed[j] and not is_open[j] and gain[j] > best:
                best = gain[j]
                bj = j
        if bj < 0:
            break
        out[k] = bj
        k += 1
        is_open[bj] = True
        for i in range(n):
            if C[i, bj] < d[i]:
                d[i] = C[i, bj]
    return k


@njit(**NJIT_KW)
def _greedy_median(C, w, fixed, allowed, p):
    """Numba JIT-compiled greedy (add) heuristic for the weighted p-median.

    Starts from the fixed sites, then repeatedly opens the allowed site that
    lowers the weighted cost most, until ``p`` sites are open
    (:func:`_greedy_init`, then :func:`_greedy_steps`).

    Parameters
    ----------
    C : ndarray of float64, shape (n, m)
    w : ndarray of float64, shape (n,)
    fixed, allowed : ndarray of bool, shape (m,)
    p : int

    Returns
    -------
    ndarray of int64, shape (p,)
        The open sites, fixed ones first, in the order they were opened.
    """
    n, m = C.shape
    out = np.empty(p, dtype=np.int64)
    is_open = np.zeros(m, dtype=np.bool_)
    d = np.empty(n, dtype=np.float64)
    k = _greedy_init(C, fixed, is_open, d, out)
    k = _greedy_steps(C, w, allowed, is_open, d, out, k, p)
    return out[:k]


@njit(**NJIT_KW)
def _interchange_median(C, w, fixed, allowed, open_sites, tol):
    """Numba JIT-compiled fast interchange (Whitaker 1983) to a local optimum
    (:func:`_interchange_budget` without a budget).

    Returns
    -------
    float
        The weighted cost of the final open set.
    """
    state = np.zeros(3, dtype=np.int64)
    return _interchange_budget(C, w, fixed, allowed, open_sites, tol, 1 << 62, state)


@njit(**NJIT_KW)
def _interchange_budget(C, w, fixed, allowed, open_sites, tol, max_evals, state):
    """Numba JIT-compiled fast interchange (Whitaker 1983) local search for the p-median.

    Improves ``open_sites`` in place by single swaps until no swap lowers the
    weighted cost by more than ``tol``. For each closed candidate ``f`` the gain
    of opening it and, for every open site ``g``, the loss of closing ``g`` are
    computed in one pass over the rows using the cached nearest and second-nearest
    open sites, so a full neighbourhood scan costs O(n m) instead of O(n m p).
    Fixed sites are never closed; sites not ``allowed`` are never opened.

    At most ``max_evals`` candidates are evaluated (``O(n)`` each), so that a caller can
    keep a time limit; ``state`` (int64, 3) carries the scan between calls: ``[next
    candidate, candidates scanned since the last swap, evaluations made by this call]``.
    A call starting from ``state = 0`` and ending with ``state[1] >= m`` reached a local
    optimum.

    Returns
    -------
    float
        The weighted cost of the final open set.
    """
    n, m = C.shape
    k = open_sites.shape[0]
    a1 = np.empty(n, dtype=np.int64)
    a2 = np.empty(n, dtype=np.int64)
    d1 = np.empty(n, dtype=np.float64)
    d2 = np.empty(n, dtype=np.float64)
    _nearest_two(C, open_sites, a1, d1, a2, d2)
    slot = np.full(m, -1, dtype=np.int64)
    for t in range(k):
        slot[open_sites[t]] = t
    loss = np.zeros(m, dtype=np.float64)
    n_closable = 0
    for t in range(k):
        if not fixed[open_sites[t]]:
            n_closable += 1
    state[2] = 0
    if n_closable == 0:
        state[1] = m
        return _median_objective(C, w, open_sites)
    last_improved = state[0] % m
    f = 0
    scanned = state[1]
    evals = 0
    while scanned < m and evals < max_evals:
        cand = (last_improved + f) % m
        f += 1
        scanned += 1
        if slot[cand] >= 0 or not allowed[cand]:
            continue
        evals += 1
        gain = 0.0
        for t in range(k):
            loss[open_sites[t]] = 0.0
        for i in range(n):
            c = C[i, cand]
            if c < d1[i]:
                gain += w[i] * (d1[i] - c)
            else:
                extra = d2[i] if d2[i] < c else c
                loss[a1[i]] += w[i] * (extra - d1[i])
        bg = -1
        bl = np.inf
        for t in range(k):
            g = open_sites[t]
            if not fixed[g] and loss[g] < bl:
                bl = loss[g]
                bg = g
        if gain - bl > tol:
            # apply the swap: cand in, bg out
            t = slot[bg]
            open_sites[t] = cand
            slot[bg] = -1
            slot[cand] = t
            for i in range(n):
                if a1[i] == bg or a2[i] == bg:
                    b1 = np.inf
                    b2 = np.inf
                    j1 = -1
                    j2 = -1
                    for s in range(k):
                        j = open_sites[s]
                        c = C[i, j]
                        if c < b1 or j1 < 0:
                            b2 = b1
                            j2 = j1
                            b1 = c
                            j1 = j
                        elif c < b2 or j2 < 0:
                            b2 = c
                            j2 = j
                    a1[i] = j1
                    d1[i] = b1
                    a2[i] = j2
                    d2[i] = b2
                else:
                    c = C[i, cand]
                    if c < d1[i]:
                        a2[i] = a1[i]
                        d2[i] = d1[i]
                        a1[i] = cand
                        d1[i] = c
                    elif c < d2[i]:
                        a2[i] = cand
                        d2[i] = c
            last_improved = cand
            f = 1
            scanned = 0
    state[0] = (last_improved + f) % m
    state[1] = scanned
    state[2] = evals
    total = 0.0
    for i in range(n):
        total += w[i] * d1[i]
    return total


@njit(**NJIT_KW)
def _vns_median(C, w, fixed, allowed, open_sites, n_iter, k_max, seed, tol):
    """Numba JIT-compiled variable neighbourhood search for the p-median
    (:func:`_vns_budget` without a budget).

    Returns
    -------
    float
        The weighted cost of the best open set found (left in ``open_sites``).
    """
    used = np.zeros(1, dtype=np.int64)
    return _vns_budget(C, w, fixed, allowed, open_sites, n_iter, k_max, seed, tol, 1 << 62, used)


@njit(**NJIT_KW)
def _vns_budget(C, w, fixed, allowed, open_sites, n_iter, k_max, seed, tol, max_evals, used_out):
    """Numba JIT-compiled variable neighbourhood search for the p-median.

    Basic VNS (Hansen and Mladenovic 1997): shake the incumbent by ``k`` random
    swaps (k = 1 ... ``k_max``), repair with :func:`_interchange_budget`, move
    when it improves and restart from ``k = 1``. ``open_sites`` (a local
    optimum) is improved in place. Deterministic for a given ``seed``. Stops after
    ``n_iter`` iterations or ``max_evals`` interchange evaluations in all (``O(n)`` each;
    the last repair may then stop before its local optimum: its value is still exact);
    ``used_out[0]`` receives the number of evaluations made.

    Returns
    -------
    float
        The weighted cost of the best open set found (left in ``open_sites``).
    """
    np.random.seed(seed)
    m = C.shape[1]
    k = open_sites.shape[0]
    used_out[0] = 0
    best = _median_objective(C, w, open_sites)
    closable = np.empty(k, dtype=np.int64)
    n_cl = 0
    for t in range(k):
        if not fixed[open_sites[t]]:
            closable[n_cl] = t
            n_cl += 1
    n_free = 0
    for j in range(m):
        if allowed[j]:
            n_free += 1
    n_free -= k
    if n_cl == 0 or n_free <= 0:
        return best
    cur = open_sites.copy()
    is_open = np.zeros(m, dtype=np.bool_)
    state = np.zeros(3, dtype=np.int64)
    used = 0
    kk = 1
    it = 0
    while it < n_iter and used < max_evals:
        it += 1
        for t in range(k):
            cur[t] = open_sites[t]
        for j in range(m):
            is_open[j] = False
        for t in range(k):
            is_open[cur[t]] = True
        shakes = kk if kk < n_cl else n_cl
        for s in range(shakes):
            t = closable[np.random.randint(0, n_cl)]
            # a random allowed closed site
            for _ in range(4 * m):
                j = np.random.randint(0, m)
                if allowed[j] and not is_open[j]:
                    is_open[cur[t]] = False
                    cur[t] = j
                    is_open[j] = True
                    break
        state[0] = 0
        state[1] = 0
        val = _interchange_budget(C, w, fixed, allowed, cur, tol, max_evals - used, state)
        used += state[2]
        if val < best - tol:
            best = val
            for t in range(k):
                open_sites[t] = cur[t]
            kk = 1
        else:
            kk += 1
            if kk > k_max:
                kk = 1
    used_out[0] = used
    return best


@njit(**NJIT_KW)
def _lagrangian_median(C, w, idx, wcs, fixed, allowed, p, lam, ub, n_iter, theta0, delta, out, sel, rho_out,
                       lam_cap):
    """Numba JIT-compiled Lagrangian bound for the p-median by subgradient optimisation.

    Relaxing the assignment constraints ``sum_j x_ij = 1`` with multipliers
    ``lam_i`` gives ``L(lam) = sum_i lam_i + sum_{j in S} rho_j`` with
    ``rho_j = sum_i min(0, w_i C_ij - lam_i)`` and ``S`` the fixed sites plus
    the ``p - |fixed|`` allowed sites of smallest ``rho`` (Cornuejols, Fisher and
    Nemhauser 1977). The multipliers follow Polyak steps
    ``t = theta (ub - L) / ||s||^2`` along the subgradient
    ``s_i = 1 - #{j in S: w_i C_ij < lam_i}``; ``theta`` halves after 30 steps
    without improvement.

    Reduced-cost fixing runs every 10 steps at the current multipliers: an
    allowed closed site ``j`` whose forced opening gives
    ``L + rho_j - rho_(p) >= ub - delta`` cannot appear in a solution better
    than ``ub - delta`` and is removed from ``allowed``; an open non-fixed site
    whose closing gives ``L - rho_j + rho_(p+1) >= ub - delta`` is added to
    ``fixed``. (``delta`` is 1 minus a tolerance for integer data: no integer
    objective lies strictly between ``ub - 1`` and ``ub``.)

    Only the pairs with ``w_i C_ij < lam_i`` contribute to ``rho`` and to the
    subgradient, and ``lam_i`` stays near the cost of a row's few nearest
    sites, so every row is walked in increasing cost order (``idx``, ``wcs``:
    its ``K`` cheapest sites, see :func:`_sorted_rows`) and left at the first
    pair that does not contribute. A row whose multiplier exceeds its ``K``-th
    cheapest cost is scanned in full. An iteration thus costs about
    ``n * m / p`` instead of ``n * m`` (Avella, Sassano and Vasil'ev 2007
    exploit the same sparsity of the p-median's relaxation).

    Parameters
    ----------
    idx : ndarray of int32, shape (n, K)
        Each row's ``K`` cheapest sites in increasing cost order (``K <= m``).
    wcs : ndarray of float64, shape (n, K)
        ``w_i * C[i, idx[i, t]]``.
    lam : ndarray of float64, shape (n,)
        Starting multipliers; overwritten with the best ones found.
    ub : float
        Objective of a known solution.
    theta0 : float
        Starting step factor (2.0 is customary).
    out : ndarray of float64, shape (4,)
        Receives ``[best bound, iterations used, 1.0 if the restricted problem
        became infeasible (then ``ub`` is optimal) else 0.0, final theta]``.
    sel : ndarray of bool, shape (m,)
        Receives the sites chosen at the best multipliers (a p-set for a
        Lagrangian heuristic).
    rho_out : ndarray of float64, shape (m,)
        Receives the brackets ``rho_j`` at the best multipliers (used to choose
        a branching site).
    lam_cap : ndarray of float64, shape (n,)
        Upper limit of each multiplier after every step (``inf``: none). With
        ``lam_cap[i] <= wcs[i, K - 1]`` row ``i`` is never scanned in full, so ``C``
        is never read and may be a ``(1, 1)`` placeholder: a site beyond a row's
        ``K`` listed ones then contributes ``min(0, w_i C_ij - lam_i) = 0`` (its cost
        is at least the ``K``-th), and the bound stays valid with sorted K-nearest
        lists alone (:func:`yingji.siting.median.points.p_median_points`).

    Returns
    -------
    float
        The best Lagrangian bound found (valid for the problem restricted by the
        fixings made; the overall bound is ``min(ub, returned value)``).
    """
    n = lam.shape[0]
    m = sel.shape[0]
    rho = np.empty(m, dtype=np.float64)
    s = np.empty(n, dtype=np.float64)
    cur = lam.copy()
    best = -np.inf
    theta = theta0
    since = 0
    chosen = np.zeros(m, dtype=np.bool_)
    lv = np.zeros(m, dtype=np.bool_)
    order = np.empty(m, dtype=np.int64)
    K = idx.shape[1]
    out[2] = 0.0
    it = 0
    while it < n_iter:
        it += 1
        n_fixed = 0
        n_allowed = 0
        for j in range(m):
            rho[j] = 0.0
            if fixed[j]:
                n_fixed += 1
            elif allowed[j]:
                n_allowed += 1
        need = p - n_fixed
        if need < 0 or need > n_allowed:
            out[2] = 1.0
            best = np.inf
            break
        live = np.empty(n_fixed + n_allowed, dtype=np.int64)
        nl = 0
        for j in range(m):
            if fixed[j] or allowed[j]:
                live[nl] = j
                nl += 1
        for j in range(m):
            lv[j] = fixed[j] or allowed[j]
        for i in range(n):
            li = cur[i]
            if wcs[i, K - 1] >= li:
                for t in range(K):
                    v = wcs[i, t] - li
                    if v >= 0.0:
                        break
                    jx = idx[i, t]
                    if lv[jx]:
                        rho[jx] += v
            else:
                wi = w[i]
                for t in range(nl):
                    j = live[t]
                    v = wi * C[i, j] - li
                    if v < 0.0:
                        rho[j] += v
        # choose the need smallest rho among allowed, non-fixed
        cnt = 0
        for j in range(m):
            chosen[j] = False
            if allowed[j] and not fixed[j]:
                order[cnt] = j
                cnt += 1
        vals = np.empty(cnt, dtype=np.float64)
        for t in range(cnt):
            vals[t] = rho[order[t]]
        rank = np.argsort(vals)
        L = 0.0
        for i in range(n):
            L += cur[i]
        for j in range(m):
            if fixed[j]:
                chosen[j] = True
                L += rho[j]
        for t in range(need):
            j = order[rank[t]]
            chosen[j] = True
            L += rho[j]
        rho_p = vals[rank[need - 1]] if need > 0 else -np.inf
        rho_p1 = vals[rank[need]] if need < cnt else np.inf
        if L > best:
            best = L
            since = 0
            for i in range(n):
                lam[i] = cur[i]
            for j in range(m):
                sel[j] = chosen[j]
                rho_out[j] = rho[j]
        else:
            since += 1
            if since >= 30:
                theta *= 0.5
                since = 0
        if best >= ub - delta:
            break
        if it % 10 == 0 or it == 1:
            for t in range(cnt):
                j = order[rank[t]]
                if t >= need:
                    if need > 0 and L + rho[j] - rho_p >= ub - delta:
                        allowed[j] = False
                    elif need == 0:
                        allowed[j] = False
                else:
                    if L - rho[j] + rho_p1 >= ub - delta:
                        fixed[j] = True
        # subgradient (only the p chosen sites matter)
        n_ch = 0
        for t in range(nl):
            if chosen[live[t]]:
                order[n_ch] = live[t]
                n_ch += 1
        norm = 0.0
        for i in range(n):
            li = cur[i]
            cnt_i = 0.0
            if wcs[i, K - 1] >= li:
                for t in range(K):
                    if wcs[i, t] >= li:
                        break
                    if chosen[idx[i, t]]:
                        cnt_i += 1.0
            else:
                wi = w[i]
                for t in range(n_ch):
                    if wi * C[i, order[t]] < li:
                        cnt_i += 1.0
            s[i] = 1.0 - cnt_i
            norm += s[i] * s[i]
        if norm == 0.0:
            # x = y-feasible: L is the value of a feasible solution -> optimal for the restriction
            break
        step = theta * (ub - L) / norm
        if step <= 0.0:
            step = theta * 1e-6 * (abs(L) + 1.0) / norm
        for i in range(n):
            cur[i] = min(cur[i] + step * s[i], lam_cap[i])
        if theta < 1e-6:
            break
    out[0] = best
    out[1] = it
    out[3] = theta
    return best


@njit(**NJIT_KW)
def _center_greedy_cover_level(WC, level, fixed, allowed, p):
    """Numba JIT-compiled test: does greedy set cover use at most ``p`` sites at ``level``?

    A row is covered by site ``j`` when ``WC[i, j] <= level`` (``WC`` the weighted
    costs). Starting from the fixed sites, greedily opens the allowed site that
    covers most uncovered rows.

    Returns
    -------
    ndarray of int64
        The open sites when at most ``p`` suffice, else an empty array.
    """
    n, m = WC.shape
    need = np.ones(n, dtype=np.bool_)
    left = n
    out = np.empty(p, dtype=np.int64)
    k = 0
    used = np.zeros(m, dtype=np.bool_)
    for j in range(m):
        if fixed[j]:
            used[j] = True
            if k >= p:
                return np.empty(0, dtype=np.int64)
            out[k] = j
            k += 1
            for i in range(n):
                if need[i] and WC[i, j] <= level:
                    need[i] = False
                    left -= 1
    cnt = np.zeros(m, dtype=np.int64)
    while left > 0:
        if k >= p:
            return np.empty(0, dtype=np.int64)
        for j in range(m):
            cnt[j] = 0
        for i in range(n):
            if need[i]:
                for j in range(m):
                    if WC[i, j] <= level:
                        cnt[j] += 1
        bj = -1
        bc = 0
        for j in range(m):
            if allowed[j] and not used[j] and cnt[j] > bc:
                bc = cnt[j]
                bj = j
        if bj < 0:
            return np.empty(0, dtype=np.int64)
        used[bj] = True
        out[k] = bj
        k += 1
        for i in range(n):
            if need[i] and WC[i, bj] <= level:
                need[i] = False
                left -= 1
    return out[:k]
