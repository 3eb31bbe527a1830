"""Numba kernels of the large-scale MCLP engine: the volume algorithm for the Lagrangian
(= LP) bound and an iterated local search for the incumbent.

Same conventions as :mod:`yingji._kernels.coverage`: the coverage matrix is passed as its CSC
index arrays ``(a_ptr, a_rows)`` and, where needed, its CSR arrays ``(ar_ptr, ar_cols)``.
Both kernels keep their state in arrays owned by the caller, so the Python wrapper can run
them in short chunks and check the clock between chunks (``time_limit`` holds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji._kernels.coverage import _loss_of, _toggle
from yingji.config import NJIT_KW

__all__ = ["_mc_lagrangian_value", "_mc_volume", "_mc_ils", "_mc_cover_value"]

# positions in the volume state vector ``st``
_L_HAT, _THETA, _ALPHA, _REDS, _ITER, _LAST_GOOD, _L_AT_CHECK = 0, 1, 2, 3, 4, 5, 6


@njit(**NJIT_KW)
def _mc_lagrangian_value(a_ptr, a_rows, n_rows, w, fixed, p_free, lam, s, x, y):
    """Numba JIT-compiled Lagrangian function of MCLP at multipliers ``lam``.

    Relaxing ``y_i <= sum_{j in N_i} x_j`` with ``lam >= 0`` gives
    ``L(lam) = sum_i max(0, w_i - lam_i) + sum_{j fixed} s_j + (p_free largest s_j of the free
    columns, positive ones only)`` with ``s_j = sum_{i in N_j} lam_i``; ``L(lam)`` is an upper
    bound on the optimum for every ``lam >= 0``.

    Fills ``s`` (column values), ``x`` (0/1 maximiser over the columns) and ``y`` (0/1
    maximiser over the rows) in place and returns ``L(lam)``.
    """
    m = fixed.size
    L = 0.0
    for i in range(n_rows):
        if w[i] > lam[i]:
            L += w[i] - lam[i]
            y[i] = 1.0
        else:
            y[i] = 0.0
    n_free = 0
    for j in range(m):
        v = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            v += lam[a_rows[k]]
        s[j] = v
        x[j] = 0.0
        if fixed[j]:
            L += v
            x[j] = 1.0
        else:
            n_free += 1
    take = min(p_free, n_free)
    if take > 0:
        key = np.empty(n_free, dtype=np.float64)
        idx = np.empty(n_free, dtype=np.int64)
        q = 0
        for j in range(m):
            if not fixed[j]:
                key[q] = -s[j]
                idx[q] = j
                q += 1
        order = np.argsort(key)
        for q in range(take):
            j = idx[order[q]]
            if s[j] > 0.0:
                L += s[j]
                x[j] = 1.0
    return L


@njit(**NJIT_KW)
def _row_cover(a_ptr, a_rows, n_rows, x, out):
    """Numba JIT-compiled ``out = A x`` for a fractional column vector ``x`` (CSC arrays)."""
    for i in range(n_rows):
        out[i] = 0.0
    for j in range(x.size):
        xj = x[j]
        if xj != 0.0:
            for k in range(a_ptr[j], a_ptr[j + 1]):
                out[a_rows[k]] += xj


@njit(**NJIT_KW)
def _mc_volume(a_ptr, a_rows, n_rows, w, fixed, p_free, lower, lh, xb, yb, axb, st, n_iter, stall_iter, stall_tol):
    """Numba JIT-compiled volume algorithm for the MCLP Lagrangian dual (Barahona and Anbil).

    Minimises ``L(lam)`` (see :func:`_mc_lagrangian_value`) over ``0 <= lam <= w``. The step
    direction is the constraint slack of the running convex combination ``(xb, yb)`` of the
    subproblem solutions (an approximate LP primal), which damps the zig-zag of the plain
    subgradient method; the step length is Polyak's, ``theta (L_hat - lower) / ||g||^2``.
    A step that lowers ``L`` ("green") moves the centre ``lh``; ``theta`` shrinks after 20
    steps without progress ("red") and grows after green steps along the direction.

    State (modified in place, so the caller can run the kernel in chunks): ``lh`` the centre
    (best multipliers), ``xb``, ``yb`` the primal averages, ``axb`` = ``A xb`` (kept up to date
    incrementally, which halves the work per iteration), ``st`` =
    ``[L_hat, theta, alpha, reds, iterations, last green iteration, L_hat at last check]``.
    Initialise ``st[0]`` with ``L(lh)`` and ``xb``, ``yb`` with its maximiser.

    Returns
    -------
    int
        0: ran ``n_iter`` iterations; 1: ``L_hat - lower <= 0`` (closed); 2: stalled (``L_hat``
        fell by less than ``stall_tol`` relative over ``stall_iter`` iterations); 3: zero
        direction (``lh`` optimal).
    """
    m = fixed.size
    lam = np.empty(n_rows, dtype=np.float64)
    g = np.empty(n_rows, dtype=np.float64)
    gt = np.empty(n_rows, dtype=np.float64)
    ax = np.empty(n_rows, dtype=np.float64)
    s = np.empty(m, dtype=np.float64)
    x = np.empty(m, dtype=np.float64)
    y = np.empty(n_rows, dtype=np.float64)
    for _ in range(n_iter):
        if st[_L_HAT] - lower <= 0.0:
            return 1
        nn = 0.0
        for i in range(n_rows):
            gi = axb[i] - yb[i]
            if lh[i] <= 0.0 and gi > 0.0:
                gi = 0.0
            elif lh[i] >= w[i] and gi < 0.0:
                gi = 0.0
            g[i] = gi
            nn += gi * gi
        if nn <= 0.0:
            return 3
        t = st[_THETA] * (st[_L_HAT] - lower) / nn
        _box_step(lh, g, t, w, lam, n_rows)
        L = _mc_lagrangian_value(a_ptr, a_rows, n_rows, w, fixed, p_free, lam, s, x, y)
        _row_cover(a_ptr, a_rows, n_rows, x, ax)
        gd = 0.0
        dd = 0.0
        gg = 0.0
        for i in range(n_rows):
            gt[i] = ax[i] - y[i]
            d = gt[i] - g[i]
            gd += g[i] * d
            dd += d * d
            gg += gt[i] * g[i]
        amax = st[_ALPHA]
        a = amax
        if dd > 0.0:
            a = -gd / dd
            if a > amax:
                a = amax
            if a < amax / 10.0:
                a = amax / 10.0
        for j in range(m):
            xb[j] = a * x[j] + (1.0 - a) * xb[j]
        for i in range(n_rows):
            yb[i] = a * y[i] + (1.0 - a) * yb[i]
            axb[i] = a * ax[i] + (1.0 - a) * axb[i]
        st[_ITER] += 1.0
        if L < st[_L_HAT]:
            if gg >= 0.0:
                st[_THETA] = min(st[_THETA] * 1.1, 2.0)
            for i in range(n_rows):
                lh[i] = lam[i]
            st[_L_HAT] = L
            st[_REDS] = 0.0
            st[_LAST_GOOD] = st[_ITER]
        else:
            st[_REDS] += 1.0
            if st[_REDS] >= 20.0:
                st[_THETA] *= 0.67
                st[_REDS] = 0.0
        if st[_ITER] % stall_iter == 0:
            if st[_L_AT_CHECK] - st[_L_HAT] <= stall_tol * abs(st[_L_HAT]):
                return 2
            st[_L_AT_CHECK] = st[_L_HAT]
    return 0


@njit(**NJIT_KW)
def _mc_cover_value(a_ptr, a_rows, n_rows, w, open_cols):
    """Numba JIT-compiled covered weight ``sum_i w_i [row i covered by an open column]``."""
    return _cover_value_into(a_ptr, a_rows, n_rows, w, open_cols, np.zeros(n_rows, dtype=np.bool_))


@njit(**NJIT_KW)
def _box_step(src, g, t, w, out, n_rows):
    """``out = clip(src - t g, 0, w)``: a subgradient step on the MCLP's coverage multipliers,
    projected on their box ``0 <= lambda_i <= w_i`` (a multiplier above its row's weight never
    helps the bound)."""
    for i in range(n_rows):
        v = src[i] - t * g[i]
        if v < 0.0:
            v = 0.0
        elif v > w[i]:
            v = w[i]
        out[i] = v


@njit(**NJIT_KW)
def _cover_value_into(a_ptr, a_rows, n_rows, w, open_cols, hit):
    """:func:`_mc_cover_value` with the caller's row buffer ``hit`` (overwritten)."""
    for i in range(n_rows):
        hit[i] = False
    for j in range(open_cols.size):
        if open_cols[j]:
            for k in range(a_ptr[j], a_ptr[j + 1]):
                hit[a_rows[k]] = True
    v = 0.0
    for i in range(n_rows):
        if hit[i]:
            v += w[i]
    return v


@njit(**NJIT_KW)
def _swap_descent(a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols, w, z, op, fixed,
                  allowed, ca, cb, gain, ov, tol, max_passes):
    """Numba JIT-compiled swap local search on a live state (counts ``ca``, gains ``gain``).

    For an open column ``r`` the value of swapping it for a closed ``a`` is
    ``gain[a] + ov[a] - loss(r)``, where ``ov[a]`` is the weight of the rows covered by ``a``
    and by ``r`` only: one scatter over ``r``'s uniquely covered rows prices every ``a`` without
    touching the state (the state changes only when a swap is made). ``ov`` is scratch
    (zeros, length m). Returns the change of the covered weight.
    """
    m = op.size
    delta = 0.0
    for _ in range(max_passes):
        improved = False
        for r in range(m):
            if not op[r] or fixed[r]:
                continue
            loss = 0.0
            for k in range(a_ptr[r], a_ptr[r + 1]):
                i = a_rows[k]
                if ca[i] == 1:
                    wi = w[i]
                    loss += wi
                    for q in range(ar_ptr[i], ar_ptr[i + 1]):
                        ov[ar_cols[q]] += wi
            best = -1
            bv = -np.inf
            for j in range(m):
                if not op[j] and allowed[j]:
                    v = gain[j] + ov[j]
                    if v > bv:
                        bv = v
                        best = j
                ov[j] = 0.0
            if best >= 0 and bv > loss + tol:
                delta += bv - loss
                op[r] = False
                _toggle(r, -1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols, w, z, z, ca, cb, gain)
                op[best] = True
                _toggle(best, 1, a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols, w, z, z, ca, cb,
                        gain)
                improved = True
        if not improved:
            break
    return delta


@njit(**NJIT_KW)
def _mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, n_rows, w, open_cols, fixed, allowed, n_kicks, seed, tol):
    """Numba JIT-compiled iterated local search for MCLP (kick + swap descent).

    From the local optimum ``open_cols``, each kick closes ``k`` (1-3, random) open free
    columns and opens ``k`` random allowed closed ones, then runs the swap descent (Teitz and
    Bart interchange) on the incrementally maintained counts and gains. The new local optimum
    is accepted when it covers at least as much weight as the current one (so the search can
    drift across plateaus), otherwise the kick is undone. The best solution is returned.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        Coverage matrix in CSC and CSR form.
    n_rows : int
    w : float64 array, shape (n_rows,)
    open_cols : bool array, shape (m,)
        Starting solution (copied).
    fixed, allowed : bool arrays, shape (m,)
        Columns that stay open; columns that may be opened.
    n_kicks : int
    seed : int
    tol : float
        Least improvement counted by the swap descent.

    Returns
    -------
    (bool array, float, int)
        Best open columns, their covered weight and the number of kicks that improved it.
    """
    np.random.seed(seed)
    m = open_cols.size
    z = np.zeros(n_rows, dtype=np.float64)
    e_ptr = np.zeros(m + 1, dtype=np.int64)
    e_rows = np.zeros(0, dtype=np.int64)
    er_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    op = open_cols.copy()
    ca = np.zeros(n_rows, dtype=np.int64)
    for j in range(m):
        if op[j]:
            for k in range(a_ptr[j], a_ptr[j + 1]):
                ca[a_rows[k]] += 1
    cb = np.zeros(n_rows, dtype=np.int64)
    gain = np.zeros(m, dtype=np.float64)
    for j in range(m):
        gv = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            if ca[a_rows[k]] == 0:
                gv += w[a_rows[k]]
        gain[j] = gv
    cur = 0.0
    for i in range(n_rows):
        if ca[i] > 0:
            cur += w[i]
    ov = np.zeros(m, dtype=np.float64)
    cur += _swap_descent(a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, op, fixed,
                         allowed, ca, cb, gain, ov, tol, 100)
    best = op.copy()
    best_v = cur
    saved = op.copy()
    free_open = np.empty(m, dtype=np.int64)
    closed = np.empty(m, dtype=np.int64)
    n_better = 0
    for _ in range(n_kicks):
        nf = 0
        nc = 0
        for j in range(m):
            if op[j] and not fixed[j]:
                free_open[nf] = j
                nf += 1
            elif not op[j] and allowed[j]:
                closed[nc] = j
                nc += 1
        if nf == 0 or nc == 0:
            break
        k = 1 + np.random.randint(3)
        if k > nf:
            k = nf
        if k > nc:
            k = nc
        saved[:] = op
        v = cur
        for q in range(k):  # partial Fisher-Yates draws without replacement
            a = q + np.random.randint(nf - q)
            t = free_open[a]
            free_open[a] = free_open[q]
            free_open[q] = t
            r = free_open[q]
            v -= _loss_of(r, a_ptr, a_rows, e_ptr, e_rows, w, z, z, ca, cb)
            op[r] = False
            _toggle(r, -1, a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, z, ca, cb, gain)
        for q in range(k):
            a = q + np.random.randint(nc - q)
            t = closed[a]
            closed[a] = closed[q]
            closed[q] = t
            c = closed[q]
            v += gain[c]
            op[c] = True
            _toggle(c, 1, a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, z, ca, cb, gain)
        v += _swap_descent(a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, op, fixed,
                           allowed, ca, cb, gain, ov, tol, 100)
        if v >= cur - tol:
            cur = v
            if v > best_v + tol:
                best_v = v
                best[:] = op
                n_better += 1
        else:  # undo: back to the saved local optimum
            for j in range(m):
                if op[j] and not saved[j]:
                    op[j] = False
                    _toggle(j, -1, a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, z, ca, cb,
                            gain)
            for j in range(m):
                if saved[j] and not op[j]:
                    op[j] = True
                    _toggle(j, 1, a_ptr, a_rows, ar_ptr, ar_cols, e_ptr, e_rows, er_ptr, e_rows, w, z, z, ca, cb,
                            gain)
    return best, best_v, n_better
