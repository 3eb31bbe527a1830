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

__all__ = ["_cflp_site_values", "_cover_knapsack"]


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
        k = 0
        val = f[j]
        left = cap[j]
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
        v[j] = val
    return v


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
