"""Numba kernels of the coverage models (LSCP, MCLP, backup coverage).

Every function here is ``@njit`` and takes contiguous ``float64`` / ``int64`` / ``bool``
arrays and scalars only. Sparse 0/1 matrices are passed as their index arrays:

* CSC form ``(col_ptr, col_rows)``: the rows covered by column ``j`` are
  ``col_rows[col_ptr[j]:col_ptr[j + 1]]``;
* CSR form ``(row_ptr, row_cols)``: the columns covering row ``i`` are
  ``row_cols[row_ptr[i]:row_ptr[i + 1]]``.

The max-cover kernels work on a *row value* ``f_i(a, b) = w1_i [a >= 1] + w2_i [a >= 2] +
w3_i [b >= 1]`` where ``a`` counts the open columns covering row ``i`` in matrix A and ``b``
those in matrix B. MCLP is ``w2 = w3 = 0``; backup coverage puts the twice-covered weight in
``w2`` (and, lexicographically, a large multiple of the weight in ``w1``); the second radius of
the backup model goes in B with a large ``w3``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji._kernels.setcover import _chvatal_add, _set_cover_prune
from yingji.config import NJIT_KW

__all__ = [
    "_coverage_count",
    "_max_cover_value",
    "_max_cover_greedy",
    "_max_cover_swap",
    "_max_cover_lagrangian",
    "_set_cover_greedy",
    "_set_cover_redundant",
    "_set_cover_lagrangian",
]


# ----------------------------------------------------------------------------- counting
@njit(**NJIT_KW)
def _coverage_count(col_ptr, col_rows, n_rows, open_cols):
    """Numba JIT-compiled count of the open columns covering each row.

    Parameters
    ----------
    col_ptr, col_rows : int64 arrays
        The coverage matrix in CSC form.
    n_rows : int
        Number of rows.
    open_cols : bool array, shape (m,)
        Open columns.

    Returns
    -------
    int64 array, shape (n_rows,)
    """
    cnt = np.zeros(n_rows, dtype=np.int64)
    for j in range(open_cols.size):
        if open_cols[j]:
            for k in range(col_ptr[j], col_ptr[j + 1]):
                cnt[col_rows[k]] += 1
    return cnt


@njit(**NJIT_KW)
def _row_value(i, ca, cb, w1, w2, w3):
    """Numba JIT-compiled value of row ``i`` at counts ``ca`` (matrix A) and ``cb`` (matrix B)."""
    v = 0.0
    if ca >= 1:
        v += w1[i]
    if ca >= 2:
        v += w2[i]
    if cb >= 1:
        v += w3[i]
    return v


@njit(**NJIT_KW)
def _delta_a(i, c, w1, w2):
    """Numba JIT-compiled gain of row ``i`` when its A-count goes from ``c`` to ``c + 1``."""
    if c == 0:
        return w1[i]
    if c == 1:
        return w2[i]
    return 0.0


@njit(**NJIT_KW)
def _delta_b(i, c, w3):
    """Numba JIT-compiled gain of row ``i`` when its B-count goes from ``c`` to ``c + 1``."""
    if c == 0:
        return w3[i]
    return 0.0


@njit(**NJIT_KW)
def _max_cover_value(a_ptr, a_rows, b_ptr, b_rows, n_rows, w1, w2, w3, open_cols):
    """Numba JIT-compiled total value ``sum_i f_i`` of a set of open columns.

    Returns
    -------
    (float, float, float)
        The total value, the weight ``w1`` of rows covered at least once in A and the weight
        ``w2`` of rows covered at least twice in A.
    """
    ca = _coverage_count(a_ptr, a_rows, n_rows, open_cols)
    cb = _coverage_count(b_ptr, b_rows, n_rows, open_cols)
    tot = 0.0
    once = 0.0
    twice = 0.0
    for i in range(n_rows):
        tot += _row_value(i, ca[i], cb[i], w1, w2, w3)
        if ca[i] >= 1:
            once += w1[i]
        if ca[i] >= 2:
            twice += w2[i]
    return tot, once, twice


# ----------------------------------------------------------------------------- max cover state
@njit(**NJIT_KW)
def _init_gains(a_ptr, a_rows, b_ptr, b_rows, m, w1, w2, w3, ca, cb):
    """Numba JIT-compiled marginal gain of adding each column at counts ``ca``, ``cb``."""
    gain = np.zeros(m, dtype=np.float64)
    for j in range(m):
        g = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            i = a_rows[k]
            g += _delta_a(i, ca[i], w1, w2)
        for k in range(b_ptr[j], b_ptr[j + 1]):
            i = b_rows[k]
            g += _delta_b(i, cb[i], w3)
        gain[j] = g
    return gain


@njit(**NJIT_KW)
def _toggle(j, sign, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
            w1, w2, w3, ca, cb, gain):
    """Numba JIT-compiled opening (``sign=+1``) or closing (``sign=-1``) of column ``j``.

    Updates the counts ``ca``, ``cb`` and the marginal gains of every column sharing a row.
    """
    for k in range(a_ptr[j], a_ptr[j + 1]):
        i = a_rows[k]
        old = ca[i]
        new = old + sign
        ca[i] = new
        d = _delta_a(i, new, w1, w2) - _delta_a(i, old, w1, w2)
        if d != 0.0:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                gain[ar_cols[q]] += d
    for k in range(b_ptr[j], b_ptr[j + 1]):
        i = b_rows[k]
        old = cb[i]
        new = old + sign
        cb[i] = new
        d = _delta_b(i, new, w3) - _delta_b(i, old, w3)
        if d != 0.0:
            for q in range(br_ptr[i], br_ptr[i + 1]):
                gain[br_cols[q]] += d


@njit(**NJIT_KW)
def _loss_of(r, a_ptr, a_rows, b_ptr, b_rows, w1, w2, w3, ca, cb):
    """Numba JIT-compiled value lost by closing the open column ``r``."""
    loss = 0.0
    for k in range(a_ptr[r], a_ptr[r + 1]):
        i = a_rows[k]
        loss += _delta_a(i, ca[i] - 1, w1, w2)
    for k in range(b_ptr[r], b_ptr[r + 1]):
        i = b_rows[k]
        loss += _delta_b(i, cb[i] - 1, w3)
    return loss


@njit(**NJIT_KW)
def _best_closed(gain, open_cols, allowed, skip):
    """Numba JIT-compiled closed, allowed column of largest gain (lowest index on ties), or -1."""
    best = -1
    bg = -np.inf
    for j in range(gain.size):
        if open_cols[j] or not allowed[j] or j == skip:
            continue
        if gain[j] > bg:
            bg = gain[j]
            best = j
    return best


@njit(**NJIT_KW)
def _max_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                      n_rows, w1, w2, w3, open_cols, allowed, p):
    """Numba JIT-compiled greedy construction for max cover: add the column of largest gain.

    Starting from ``open_cols`` (fixed sites and any warm start), columns are added one at a
    time, each time the allowed closed column with the largest marginal value, until ``p`` are
    open or no allowed column is left.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        Matrix A in CSC and CSR form.
    b_ptr, b_rows, br_ptr, br_cols : int64 arrays
        Matrix B in CSC and CSR form (empty columns when unused).
    n_rows : int
    w1, w2, w3 : float64 arrays, shape (n_rows,)
        Row weights of the value ``f_i`` (module docstring).
    open_cols : bool array, shape (m,)
        Initially open columns (copied, not modified).
    allowed : bool array, shape (m,)
        Columns that may be added.
    p : int
        Number of open columns wanted.

    Returns
    -------
    bool array, shape (m,)
        The open columns.
    """
    m = open_cols.size
    op = open_cols.copy()
    ca = _coverage_count(a_ptr, a_rows, n_rows, op)
    cb = _coverage_count(b_ptr, b_rows, n_rows, op)
    gain = _init_gains(a_ptr, a_rows, b_ptr, b_rows, m, w1, w2, w3, ca, cb)
    n_open = 0
    for j in range(m):
        if op[j]:
            n_open += 1
    while n_open < p:
        j = _best_closed(gain, op, allowed, -1)
        if j < 0:
            break
        op[j] = True
        n_open += 1
        _toggle(j, 1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                w1, w2, w3, ca, cb, gain)
    return op


@njit(**NJIT_KW)
def _max_cover_swap(a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                    n_rows, w1, w2, w3, open_cols, fixed, allowed, tol, max_passes):
    """Numba JIT-compiled swap (interchange) local search for max cover.

    For each open, non-fixed column ``r`` the best closed column ``a`` to replace it is found
    from incrementally maintained marginal gains (Teitz and Bart's vertex substitution); the
    swap is made when it raises the value by more than ``tol``. Passes repeat until one makes
    no swap or ``max_passes`` is reached.

    Returns
    -------
    (bool array, int)
        The open columns and the number of swaps made.
    """
    m = open_cols.size
    op = open_cols.copy()
    ca = _coverage_count(a_ptr, a_rows, n_rows, op)
    cb = _coverage_count(b_ptr, b_rows, n_rows, op)
    gain = _init_gains(a_ptr, a_rows, b_ptr, b_rows, m, w1, w2, w3, ca, cb)
    swaps = 0
    for _ in range(max_passes):
        improved = False
        for r in range(m):
            if not op[r] or fixed[r]:
                continue
            loss = _loss_of(r, a_ptr, a_rows, b_ptr, b_rows, w1, w2, w3, ca, cb)
            op[r] = False
            _toggle(r, -1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                    w1, w2, w3, ca, cb, gain)
            a = _best_closed(gain, op, allowed, r)
            if a >= 0 and gain[a] > loss + tol:
                op[a] = True
                _toggle(a, 1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                        w1, w2, w3, ca, cb, gain)
                swaps += 1
                improved = True
            else:
                op[r] = True
                _toggle(r, 1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols,
                        w1, w2, w3, ca, cb, gain)
        if not improved:
            break
    return op, swaps


@njit(**NJIT_KW)
def _max_cover_lagrangian(a_ptr, a_rows, n_rows, w1, w2, fixed, p_free, lam0, lower,
                          max_iter, tol):
    """Numba JIT-compiled Lagrangian upper bound for max cover (MCLP / backup coverage).

    The model ``max sum_i w1_i y_i + w2_i u_i`` s.t. ``y_i + u_i <= sum_j a_ij x_j``,
    ``u_i <= y_i``, ``sum_{j free} x_j <= p_free``, fixed ``x_j = 1``, binary ``x, y, u``
    is relaxed on the coverage rows with multipliers ``lam >= 0``:

    ``L(lam) = sum_i max(0, w1_i - lam_i, w1_i + w2_i - 2 lam_i) + sum_{j fixed} s_j
    + (sum of the p_free largest s_j over free j)``, with ``s_j = sum_{i in A_j} lam_i``.

    Every ``L(lam)`` is an upper bound on the optimum; the subgradient method (Polyak steps
    towards ``lower``, step factor halved after 20 iterations without progress) minimises it.
    MCLP is ``w2 = 0``.

    Parameters
    ----------
    a_ptr, a_rows : int64 arrays
        Coverage matrix in CSC form.
    n_rows : int
    w1, w2 : float64 arrays
    fixed : bool array, shape (m,)
    p_free : int
        Number of columns that may be opened besides the fixed ones.
    lam0 : float64 array, shape (n_rows,)
        Starting multipliers (non-negative).
    lower : float
        Value of a known feasible solution (target of the Polyak step).
    max_iter : int
    tol : float
        Stop when the bound is within ``tol`` of ``lower``.

    Returns
    -------
    (float, float64 array)
        The best (smallest) bound found and its multipliers.
    """
    m = fixed.size
    lam = lam0.copy()
    best = np.inf
    best_lam = lam.copy()
    theta = 1.0
    stall = 0
    s = np.zeros(m, dtype=np.float64)
    g = np.zeros(n_rows, dtype=np.float64)
    xs = np.zeros(m, dtype=np.bool_)
    n_free = 0
    for j in range(m):
        if not fixed[j]:
            n_free += 1
    take = min(p_free, n_free)
    sfree = np.zeros(n_free, dtype=np.float64)
    idx_free = np.zeros(n_free, dtype=np.int64)
    q = 0
    for j in range(m):
        if not fixed[j]:
            idx_free[q] = j
            q += 1
    for _ in range(max_iter):
        # column values
        for j in range(m):
            v = 0.0
            for k in range(a_ptr[j], a_ptr[j + 1]):
                v += lam[a_rows[k]]
            s[j] = v
        L = 0.0
        for i in range(n_rows):
            h0 = 0.0
            h1 = w1[i] - lam[i]
            h2 = w1[i] + w2[i] - 2.0 * lam[i]
            if h2 >= h1 and h2 > h0:
                L += h2
                g[i] = -2.0
            elif h1 > h0:
                L += h1
                g[i] = -1.0
            else:
                g[i] = 0.0
        for j in range(m):
            xs[j] = fixed[j]
            if fixed[j]:
                L += s[j]
        if take > 0:
            for q in range(n_free):
                sfree[q] = -s[idx_free[q]]
            order = np.argsort(sfree)
            for q in range(take):
                j = idx_free[order[q]]
                if s[j] > 0.0:
                    L += s[j]
                    xs[j] = True
        for j in range(m):
            if xs[j]:
                for k in range(a_ptr[j], a_ptr[j + 1]):
                    g[a_rows[k]] += 1.0
        if L < best - 1e-12 * max(1.0, abs(L)):
            best = L
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
        if best - lower <= tol or theta < 1e-4:
            break
        # projected subgradient step (decrease L): lam <- max(0, lam - t g)
        norm = 0.0
        for i in range(n_rows):
            gi = g[i]
            if lam[i] <= 0.0 and gi > 0.0:
                gi = 0.0
                g[i] = 0.0
            norm += gi * gi
        if norm == 0.0:
            break
        t = theta * max(L - lower, tol) / norm
        for i in range(n_rows):
            v = lam[i] - t * g[i]
            lam[i] = v if v > 0.0 else 0.0
    return best, best_lam


# ----------------------------------------------------------------------------- set cover
@njit(**NJIT_KW)
def _set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, n_rows, cost, chosen, active):
    """Numba JIT-compiled Chvátal greedy for weighted set cover.

    Starting from ``chosen``, repeatedly adds the column of least cost per newly covered
    active row until every active row is covered (Chvátal 1979;
    :func:`yingji._kernels.setcover._chvatal_add`).

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        Coverage matrix in CSC and CSR form.
    n_rows : int
    cost : float64 array, shape (m,)
    chosen : bool array, shape (m,)
        Initially chosen columns (copied).
    active : bool array, shape (n_rows,)
        Rows that must be covered.

    Returns
    -------
    (bool array, bool)
        The chosen columns and whether every active row is covered.
    """
    ch = chosen.copy()
    cnt = _coverage_count(a_ptr, a_rows, n_rows, ch)
    for i in range(n_rows):
        if not active[i]:
            cnt[i] = n_rows + 2  # needs no cover
    return ch, _chvatal_add(a_ptr, a_rows, ar_ptr, ar_cols, cost, ch, cnt)


@njit(**NJIT_KW)
def _set_cover_redundant(a_ptr, a_rows, n_rows, cost, chosen, fixed, active):
    """Numba JIT-compiled removal of redundant columns from a cover, dearest first.

    A chosen, non-fixed column is dropped when every active row it covers is covered by
    another chosen column (:func:`yingji._kernels.setcover._set_cover_prune`).

    Returns
    -------
    bool array, shape (m,)
    """
    cnt = _coverage_count(a_ptr, a_rows, n_rows, chosen)
    for i in range(n_rows):
        if not active[i]:
            cnt[i] = n_rows + 2  # never the last cover of a row that needs none
    return _set_cover_prune(a_ptr, a_rows, cost, chosen, cnt, fixed)


@njit(**NJIT_KW)
def _set_cover_lagrangian(a_ptr, a_rows, ar_ptr, ar_cols, n_rows, cost, active, u0,
                          upper, best_x, max_iter, integral, tol):
    """Numba JIT-compiled Lagrangian lower bound and Lagrangian heuristic for set cover.

    Relaxing the cover rows of ``min c.x s.t. A x >= 1`` with multipliers ``u >= 0`` gives
    ``L(u) = sum_i u_i + sum_j min(0, c_j - sum_{i in A_j} u_i)``, a lower bound for every
    ``u``. Subgradient optimisation follows Beasley (1990): Polyak steps towards the best
    cover, step factor halved after 30 iterations without progress; every 5 iterations the
    columns of negative reduced cost are completed greedily into a cover and pruned of
    redundant columns, which may improve ``upper``.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        Coverage matrix in CSC and CSR form.
    n_rows : int
    cost : float64 array, shape (m,)
    active : bool array, shape (n_rows,)
        Rows to cover (others are ignored).
    u0 : float64 array, shape (n_rows,)
        Starting multipliers.
    upper : float
        Cost of the best known cover ``best_x``.
    best_x : bool array, shape (m,)
        Best known cover (copied).
    max_iter : int
    integral : bool
        True when every cost is an integer (a bound ``L`` then proves ``ceil(L)``).
    tol : float
        Absolute optimality tolerance.

    Returns
    -------
    (float, float64 array, float, bool array)
        Best lower bound, its multipliers, best upper bound and its cover.
    """
    m = cost.size
    u = u0.copy()
    for i in range(n_rows):
        if not active[i]:
            u[i] = 0.0
    best_u = u.copy()
    bx = best_x.copy()
    ub = upper
    lb = -np.inf
    theta = 2.0
    stall = 0
    rc = np.zeros(m, dtype=np.float64)
    x = np.zeros(m, dtype=np.bool_)
    g = np.zeros(n_rows, dtype=np.float64)
    no_fixed = np.zeros(m, dtype=np.bool_)
    for it in range(max_iter):
        L = 0.0
        for i in range(n_rows):
            if active[i]:
                L += u[i]
                g[i] = 1.0
            else:
                g[i] = 0.0
        for j in range(m):
            v = cost[j]
            for k in range(a_ptr[j], a_ptr[j + 1]):
                v -= u[a_rows[k]]
            rc[j] = v
            if v < 0.0:
                L += v
                x[j] = True
                for k in range(a_ptr[j], a_ptr[j + 1]):
                    g[a_rows[k]] -= 1.0
            else:
                x[j] = False
        if L > lb + 1e-12 * max(1.0, abs(L)):
            lb = L
            best_u[:] = u
            stall = 0
        else:
            stall += 1
            if stall >= 30:
                theta *= 0.5
                stall = 0
        if it % 5 == 0:
            ch, ok = _set_cover_greedy(a_ptr, a_rows, ar_ptr, ar_cols, n_rows, cost, x, active)
            if ok:
                ch = _set_cover_redundant(a_ptr, a_rows, n_rows, cost, ch, no_fixed, active)
                val = 0.0
                for j in range(m):
                    if ch[j]:
                        val += cost[j]
                if val < ub - 1e-12:
                    ub = val
                    bx[:] = ch
        proven = lb
        if integral:
            proven = np.ceil(lb - 1e-6)
        if ub - proven <= tol or theta < 0.005:
            break
        norm = 0.0
        for i in range(n_rows):
            gi = g[i]
            if u[i] <= 0.0 and gi < 0.0:
                gi = 0.0
                g[i] = 0.0
            norm += gi * gi
        if norm == 0.0:
            break
        t = theta * max(1.05 * ub - L, tol) / norm
        for i in range(n_rows):
            if active[i]:
                v = u[i] + t * g[i]
                u[i] = v if v > 0.0 else 0.0
    return lb, best_u, ub, bx
