"""Numba kernels for the Lagrangian relaxation of capacitated facility location.

Every function here is ``@njit(**NJIT_KW)`` and takes only contiguous
``float64`` / ``int64`` arrays and scalars. The public wrapper lives in
:mod:`yingji.siting.capacitated`.

Relaxing the demand constraints ``sum_j x_ij = 1`` with multipliers ``u_i``
(Beasley 1988) splits the strong formulation into one continuous knapsack per
site (:func:`_cflp_site_values`) and a 0-1 covering knapsack on the site
variables that keeps the aggregate capacity inequality
``sum_j s_j y_j >= sum_i d_i`` (:func:`_cover_knapsack`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_cflp_site_values", "_cover_knapsack", "_cover_knapsack_flips", "_cflp_node_subgradient",
           "_site_values_open", "_transport_ssp"]


@njit(**NJIT_KW)
def _cflp_site_values(C, d, cap, f, u, X):
    """Numba JIT-compiled per-site Lagrangian subproblems of capacitated facility location.

    For every site j solves the continuous knapsack
    ``v_j = f_j + min sum_i (C[i, j] - u[i]) x_i  s.t.  sum_i d_i x_i <= cap_j, 0 <= x <= 1``
    greedily (most negative reduced cost per unit of demand first, the last item
    split), writing the optimal ``x`` into column j of ``X``.

    Parameters
    ----------
    C : ndarray of float64, shape (n, m)
        Cost of serving all of row i from site j (finite).
    d : ndarray of float64, shape (n,)
        Demands (>= 0).
    cap : ndarray of float64, shape (m,)
        Capacities (``inf`` allowed).
    f : ndarray of float64, shape (m,)
        Fixed costs.
    u : ndarray of float64, shape (n,)
        Multipliers of the demand constraints.
    X : ndarray of float64, shape (n, m)
        Output: the subproblem solutions.

    Returns
    -------
    v : ndarray of float64, shape (m,)
        Subproblem values, fixed cost included.
    """
    n, m = C.shape
    v = np.empty(m)
    key = np.empty(n)
    idx = np.empty(n, dtype=np.int64)
    for j in range(m):
        v[j] = _one_site_value(C, d, cap[j], f[j], u, j, X, key, idx)
    return v


@njit(**NJIT_KW)
def _one_site_value(C, d, cap_j, f_j, u, j, X, key, idx):
    """Numba JIT-compiled continuous knapsack of one site (see :func:`_cflp_site_values`):
    writes column j of ``X`` and returns ``v_j``; ``key`` / ``idx`` are scratch of length n."""
    n = C.shape[0]
    k = 0
    val = f_j
    left = cap_j
    for i in range(n):
        X[i, j] = 0.0
        r = C[i, j] - u[i]
        if r < 0.0:
            if d[i] <= 0.0:
                X[i, j] = 1.0
                val += r
            else:
                key[k] = r / d[i]
                idx[k] = i
                k += 1
    if k > 0:
        order = np.argsort(key[:k])
        for t in range(k):
            if left <= 0.0:
                break
            i = idx[order[t]]
            r = C[i, j] - u[i]
            if d[i] <= left:
                X[i, j] = 1.0
                val += r
                left -= d[i]
            else:
                share = left / d[i]
                X[i, j] = share
                val += r * share
                left = 0.0
    return val


@njit(**NJIT_KW)
def _cover_knapsack(v, a, b, state):
    """Numba JIT-compiled 0-1 covering knapsack on the site variables.

    Minimises ``sum_j v_j y_j`` subject to ``sum_j a_j y_j >= b``, ``y_j = 1``
    where ``state[j] == 1``, ``y_j = 0`` where ``state[j] == 0`` (free where
    ``-1``), by dynamic programming over the covered amount (capped at ``b``).
    Free sites with ``v_j <= 0`` are always taken.

    Parameters
    ----------
    v : ndarray of float64, shape (m,)
        Item costs.
    a : ndarray of int64, shape (m,)
        Item sizes (>= 0, integer units).
    b : int
        Amount to cover.
    state : ndarray of int64, shape (m,)
        1 forced in, 0 forced out, -1 free.

    Returns
    -------
    value : float
        Optimal cost (``inf`` when no choice covers ``b``).
    y : ndarray of int64, shape (m,)
        Optimal choice (0/1).
    """
    m = v.shape[0]
    y = np.zeros(m, dtype=np.int64)
    val = 0.0
    rem = b
    nfree = 0
    for j in range(m):
        if state[j] == 1 or (state[j] == -1 and v[j] <= 0.0):
            y[j] = 1
            val += v[j]
            rem -= a[j]
        elif state[j] == -1:
            nfree += 1
    if rem <= 0:
        return val, y
    items = np.empty(nfree, dtype=np.int64)
    k = 0
    for j in range(m):
        if state[j] == -1 and v[j] > 0.0:
            items[k] = j
            k += 1
    dp = np.full(rem + 1, np.inf)
    dp[0] = 0.0
    choice = np.full((nfree, rem + 1), -1, dtype=np.int64)
    for t in range(nfree):
        j = items[t]
        for c in range(rem, -1, -1):
            if dp[c] < np.inf:
                nc = c + a[j]
                if nc > rem:
                    nc = rem
                cand = dp[c] + v[j]
                if cand < dp[nc]:
                    dp[nc] = cand
                    choice[t, nc] = c
    if dp[rem] == np.inf:
        return np.inf, y
    c = rem
    for t in range(nfree - 1, -1, -1):
        if choice[t, c] >= 0:
            y[items[t]] = 1
            c = choice[t, c]
    return val + dp[rem], y


@njit(**NJIT_KW)
def _cover_knapsack_flips(v, a, b, state):
    """Numba JIT-compiled covering knapsack with every free item forced each way.

    Solves the problem of :func:`_cover_knapsack` and, for every free item j
    (``state[j] == -1``), the same problem with ``y_j`` forced to 1 and with
    ``y_j`` forced to 0, by a forward and a backward dynamic programme over the
    items with positive cost (``O(T * R)`` for T such items and ``R`` the
    amount left to cover), instead of one knapsack per item.

    Parameters
    ----------
    v, a, b, state
        As in :func:`_cover_knapsack`.

    Returns
    -------
    value : float
        Optimal cost (``inf`` when no choice covers ``b``).
    y : ndarray of int64, shape (m,)
        An optimal choice.
    v_in, v_out : ndarray of float64, shape (m,)
        Optimal cost with ``y_j`` forced to 1 / to 0 (``inf`` when infeasible);
        for items that are not free, both equal ``value``.
    """
    m = v.shape[0]
    inf = np.inf
    # items forced in and free items of non-positive cost are taken
    base = 0.0
    rem = b
    max_neg = 0
    T = 0
    for j in range(m):
        if state[j] == 1 or (state[j] == -1 and v[j] <= 0.0):
            base += v[j]
            rem -= a[j]
            if state[j] == -1 and a[j] > max_neg:
                max_neg = a[j]
        elif state[j] == -1:
            T += 1
    items = np.empty(T, dtype=np.int64)
    k = 0
    for j in range(m):
        if state[j] == -1 and v[j] > 0.0:
            items[k] = j
            k += 1
    r0 = rem if rem > 0 else 0
    R = rem + max_neg
    if R < r0:
        R = r0
    if R < 0:
        R = 0
    # F[t, c]: least cost of a subset of items[:t] covering min(sum, R) == c exactly
    F = np.full((T + 1, R + 1), inf)
    F[0, 0] = 0.0
    for t in range(T):
        j = items[t]
        for c in range(R + 1):
            F[t + 1, c] = F[t, c]
        for c in range(R + 1):
            if F[t, c] < inf:
                nc = c + a[j]
                if nc > R:
                    nc = R
                cand = F[t, c] + v[j]
                if cand < F[t + 1, nc]:
                    F[t + 1, nc] = cand
    # G[t, c]: least cost of a subset of items[t:] covering at least c (suffix minimum taken)
    G = np.full((T + 1, R + 1), inf)
    G[T, 0] = 0.0
    for t in range(T - 1, -1, -1):
        j = items[t]
        for c in range(R + 1):
            G[t, c] = G[t + 1, c]
        for c in range(R + 1):
            if G[t + 1, c] < inf:
                nc = c + a[j]
                if nc > R:
                    nc = R
                cand = G[t + 1, c] + v[j]
                if cand < G[t, nc]:
                    G[t, nc] = cand
    for t in range(T + 1):
        for c in range(R - 1, -1, -1):
            if G[t, c + 1] < G[t, c]:
                G[t, c] = G[t, c + 1]
    value = base + G[0, r0]
    # recover an optimal choice: walk forward through G
    y = np.zeros(m, dtype=np.int64)
    for j in range(m):
        if state[j] == 1 or (state[j] == -1 and v[j] <= 0.0):
            y[j] = 1
    if value < inf:
        c = r0
        for t in range(T):
            if c <= 0:
                break
            j = items[t]
            if G[t + 1, c] <= G[t, c]:
                continue  # skipping item t keeps the optimum
            y[j] = 1
            c = c - a[j]
            if c < 0:
                c = 0
    v_in = np.full(m, value)
    v_out = np.full(m, value)
    for t in range(T):
        j = items[t]
        # best cover of at least r by items other than t: min_c F[t, c] + G[t + 1, r - c]
        for side in range(2):
            r = r0 if side == 0 else r0 - a[j]
            if r < 0:
                r = 0
            best = inf
            for c in range(R + 1):
                if F[t, c] < inf:
                    rr = r - c
                    if rr < 0:
                        rr = 0
                    s = F[t, c] + G[t + 1, rr]
                    if s < best:
                        best = s
            if side == 0:
                v_out[j] = base + best
            else:
                v_in[j] = base + v[j] + best
    for j in range(m):
        if state[j] == -1 and v[j] <= 0.0:
            r = rem + a[j]
            if r < 0:
                r = 0
            v_out[j] = base - v[j] + G[0, r]
    return value, y, v_in, v_out


@njit(**NJIT_KW)
def _cflp_node_subgradient(C, d, cap, f, a, b, state, u, stop, target, lam, max_iter, stall_max, y_best, ybar):
    """Numba JIT-compiled subgradient optimisation of Beasley's Lagrangian at one tree node.

    Sites with ``state[j] == 0`` are closed, ``1`` open, ``-1`` free. Each step
    solves the per-site continuous knapsacks (closed sites skipped) and the
    covering knapsack, then moves the multipliers ``u`` along the subgradient
    ``1 - sum_j x_ij y_j`` with Polyak's step ``lam * (target - L) / ||g||^2``;
    ``lam`` is halved after ``stall_max`` steps without a better bound. Stops
    early once the bound reaches ``stop`` (the node can be pruned), when the
    subgradient vanishes (the relaxed solution is feasible, so optimal for the
    node) or when ``lam`` falls below 1e-4.

    Parameters
    ----------
    C : ndarray of float64, shape (n, m)
        Finite costs.
    d, cap, f : ndarray of float64
        Demands (n,), capacities (m,), fixed costs (m,).
    a : ndarray of int64, shape (m,)
        Integer knapsack sizes of the capacities; ``b`` the integer target.
    b : int
    state : ndarray of int64, shape (m,)
    u : ndarray of float64, shape (n,)
        Start multipliers; overwritten with the best ones found.
    stop : float
        Bound at which the node is pruned (the incumbent value less the tolerance).
    target : float
        Step target, above ``stop`` (a target equal to it makes the bound creep up to it
        without ever reaching it).
    lam : float
        Start step parameter.
    max_iter, stall_max : int
    y_best : ndarray of int64, shape (m,)
        Output: the covering-knapsack choice at the best multipliers.
    ybar : ndarray of float64, shape (m,)
        Output: exponentially smoothed average of the choices (a primal estimate).

    Returns
    -------
    bound : float
        Best Lagrangian bound (``inf`` when the node's fixings leave too little capacity).
    lam : float
        Step parameter at the end.
    feasible : bool
        True when the relaxed solution at the best multipliers satisfies every
        demand constraint (then ``bound`` is the node's optimum).
    """
    n, m = C.shape
    X = np.zeros((n, m))
    g = np.empty(n)
    u_best = u.copy()
    best = -np.inf
    stall = 0
    feasible = False
    first = True
    for it in range(max_iter):
        v = _site_values_open(C, d, cap, f, u, state, X)
        kv, y = _cover_knapsack(v, a, b, state)
        if kv == np.inf:
            return np.inf, lam, False
        su = 0.0
        for i in range(n):
            su += u[i]
        L = su + kv
        for j in range(m):
            if first:
                ybar[j] = y[j]
            else:
                ybar[j] = 0.8 * ybar[j] + 0.2 * y[j]
        first = False
        for i in range(n):
            s = 1.0
            for j in range(m):
                if y[j] == 1:
                    s -= X[i, j]
            g[i] = s
        gg = 0.0
        for i in range(n):
            gg += g[i] * g[i]
        if L > best:
            if L > best + 1e-12 * (1.0 + abs(L)):
                stall = 0
            best = L
            for i in range(n):
                u_best[i] = u[i]
            for j in range(m):
                y_best[j] = y[j]
            feasible = gg <= 1e-18
        else:
            stall += 1
            if stall >= stall_max:
                lam = lam / 2.0
                stall = 0
        if best >= stop or feasible or lam < 1e-4:
            break
        if gg <= 1e-18:
            break
        step = lam * (target - L) / gg
        if step <= 0.0:
            break
        for i in range(n):
            u[i] += step * g[i]
    for i in range(n):
        u[i] = u_best[i]
    return best, lam, feasible


@njit(**NJIT_KW)
def _site_values_open(C, d, cap, f, u, state, X):
    """Numba JIT-compiled :func:`_cflp_site_values` restricted to the sites not closed
    (``state[j] != 0``; closed sites get value 0 and are left untouched in ``X``)."""
    n, m = C.shape
    v = np.zeros(m)
    key = np.empty(n)
    idx = np.empty(n, dtype=np.int64)
    for j in range(m):
        if state[j] != 0:
            v[j] = _one_site_value(C, d, cap[j], f[j], u, j, X, key, idx)
    return v


@njit(**NJIT_KW)
def _transport_ssp(C, d, cap, max_aug):
    """Numba JIT-compiled transportation problem by successive shortest paths between sites.

    Minimises ``sum_ij C[i, j] x_ij`` subject to ``sum_j x_ij = 1`` and
    ``sum_i d_i x_ij <= cap_j`` (``x >= 0``; ``C[i, j] = inf`` forbids the pair).
    Every row starts at its cheapest site; while a site holds more than its
    capacity, the cheapest way to move one unit of demand from an overloaded
    site to a site with room is found by Bellman-Ford on the sites (the edge
    ``j -> l`` costs the least ``(C[i, l] - C[i, j]) / d_i`` over the rows ``i``
    served by ``j``), and as much demand as the path allows is moved along it.
    The start is a minimum-cost pseudo-flow (every row at its cheapest site), so
    augmenting along shortest paths keeps it one and the final flow is optimal
    (Ahuja, Magnanti and Orlin 1993, ch. 9).

    Parameters
    ----------
    C : ndarray of float64, shape (n, k)
        Cost of serving all of row i from site j (``inf`` allowed).
    d : ndarray of float64, shape (n,)
        Demands (>= 0).
    cap : ndarray of float64, shape (k,)
        Capacities (``inf`` allowed).
    max_aug : int
        Most augmentations before giving up.

    Notes
    -----
    A path counts as shorter only by more than ``1e-11`` times the largest unit
    cost, so the result can exceed the optimum by about that much per unit moved.

    Returns
    -------
    cost : float
        Optimal allocation cost (``inf`` when infeasible or not solved within ``max_aug``).
    X : ndarray of float64, shape (n, k)
        Shares of each row served by each site.
    """
    n, k = C.shape
    X = np.zeros((n, k))
    load = np.zeros(k)
    D = 0.0
    for i in range(n):
        D += d[i]
    eps = 1e-12 * (D + 1.0)
    for i in range(n):
        bj = -1
        bc = np.inf
        for j in range(k):
            if C[i, j] < bc:
                bc = C[i, j]
                bj = j
        if bj < 0:
            return np.inf, X
        X[i, bj] = 1.0
        load[bj] += d[i]
    # relaxation tolerance: rounding must not create spurious negative cycles (zero-cost
    # back-and-forth moves of a split row)
    scale = 0.0
    for i in range(n):
        if d[i] > 0.0:
            for j in range(k):
                if C[i, j] < np.inf and abs(C[i, j]) / d[i] > scale:
                    scale = abs(C[i, j]) / d[i]
    tol = 1e-11 * (scale + 1.0)
    T = k  # the sink: spare capacity
    dist = np.empty(k + 1)
    pred = np.empty(k + 1, dtype=np.int64)
    via = np.empty(k + 1, dtype=np.int64)
    ecost = np.empty((k, k))
    erow = np.empty((k, k), dtype=np.int64)
    for it in range(max_aug):
        # overloaded sites are the sources
        any_excess = False
        for j in range(k):
            if load[j] > cap[j] + eps:
                any_excess = True
        if not any_excess:
            cost = 0.0
            for i in range(n):
                for j in range(k):
                    if X[i, j] > 0.0:
                        cost += C[i, j] * X[i, j]
            return cost, X
        # cheapest single-row move between every pair of sites
        for j in range(k):
            for l in range(k):
                ecost[j, l] = np.inf
                erow[j, l] = -1
        for i in range(n):
            if d[i] <= 0.0:
                continue
            for j in range(k):
                if X[i, j] <= 0.0:
                    continue
                for l in range(k):
                    if l == j or C[i, l] == np.inf:
                        continue
                    c = (C[i, l] - C[i, j]) / d[i]
                    if c < ecost[j, l]:
                        ecost[j, l] = c
                        erow[j, l] = i
        # Bellman-Ford from every overloaded site to the sink
        for v in range(k + 1):
            dist[v] = np.inf
            pred[v] = -1
            via[v] = -1
        for j in range(k):
            if load[j] > cap[j] + eps:
                dist[j] = 0.0
        for _ in range(k + 1):
            changed = False
            for j in range(k):
                if dist[j] == np.inf:
                    continue
                for l in range(k):
                    if erow[j, l] >= 0 and (dist[l] == np.inf or dist[j] + ecost[j, l] < dist[l] - tol):
                        dist[l] = dist[j] + ecost[j, l]
                        pred[l] = j
                        via[l] = erow[j, l]
                        changed = True
                if load[j] < cap[j] - eps and dist[j] < dist[T]:
                    dist[T] = dist[j]
                    pred[T] = j
                    changed = True
            if not changed:
                break
        if dist[T] == np.inf:
            return np.inf, X  # no site with room can be reached: infeasible
        # bottleneck along the path (walk back from the sink)
        last = pred[T]
        amt = cap[last] - load[last]
        v = last
        steps = 0
        while pred[v] >= 0 and not (load[v] > cap[v] + eps and dist[v] == 0.0):
            i = via[v]
            u = pred[v]
            a = X[i, u] * d[i]
            if a < amt:
                amt = a
            v = u
            steps += 1
            if steps > k:
                return np.inf, X  # a cycle in the predecessors (numerical trouble)
        src = v
        ex = load[src] - cap[src]
        if ex < amt:
            amt = ex
        if amt <= 0.0:
            return np.inf, X
        # move the demand
        v = last
        while v != src:
            i = via[v]
            u = pred[v]
            s = amt / d[i]
            if s > X[i, u]:
                s = X[i, u]
            X[i, u] -= s
            X[i, v] += s
            if X[i, u] < 1e-14:
                X[i, v] += X[i, u]
                X[i, u] = 0.0
            v = u
        load[src] -= amt
        load[last] += amt
    return np.inf, X
