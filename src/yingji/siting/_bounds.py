"""Large-scale MCLP engine pieces: a volume-algorithm bound and an iterated local search.

Both run their numba kernels (:mod:`yingji._kernels.maxcover`) in short chunks and check a
deadline between chunks, so callers can hold ``time_limit`` including these phases.

References
----------
.. [1] F. Barahona and R. Anbil, "The volume algorithm: producing primal solutions with a
   subgradient method", Mathematical Programming 87(3), 385-399, 2000.
.. [2] R. D. Galvão and C. ReVelle, "A Lagrangean heuristic for the maximal covering location
   problem", European Journal of Operational Research 88(1), 114-123, 1996.
.. [3] H. R. Lourenço, O. C. Martin and T. Stützle, "Iterated local search", in Handbook of
   Metaheuristics, Kluwer, 321-353, 2003.
.. [4] M. B. Teitz and P. Bart, "Heuristic methods for estimating the generalized vertex median
   of a weighted graph", Operations Research 16(5), 955-961, 1968.
"""

from __future__ import annotations

import time

import numpy as np

from yingji._kernels import maxcover as _km

__all__ = ["volume_bound", "iterated_local_search"]

#: Volume iterations per kernel call between two clock checks.
VOLUME_CHUNK = 25
#: The bound stops when it fell by less than this (relative) over ``VOLUME_STALL_ITER`` iterations.
VOLUME_STALL_TOL = 2e-5
VOLUME_STALL_ITER = 100
#: Kicks per kernel call of the iterated local search.
ILS_CHUNK = 50


def _next_chunk(done: int, seconds: float, deadline, cap: int) -> int:
    """Size of the next kernel call: as many units as fit before ``deadline`` at the pace of
    the last call (at most ``cap``, at least 1), so no call runs far past the deadline."""
    if deadline is None:
        return cap
    per = seconds / max(done, 1)
    left = deadline - time.perf_counter()
    if per <= 0.0:
        return cap
    return int(max(1, min(cap, left / per)))


def _csc(A_int):
    import scipy.sparse as sp

    c = sp.csc_matrix(A_int)
    c.sort_indices()
    return np.ascontiguousarray(c.indptr, dtype=np.int64), np.ascontiguousarray(c.indices, dtype=np.int64)


def volume_bound(A_int, w, fixed_mask, p_free, lower, *, lam0=None, max_iter=3000, deadline=None,
                 tol=0.0, csc=None):
    r"""Upper bound on the MCLP optimum by the volume algorithm on its Lagrangian dual.

    Relaxing the coverage rows ``y_i <= sum_{j in N_i} x_j`` with multipliers
    :math:`0 \le \lambda \le w` gives

    .. math::
        L(\lambda) = \sum_i (w_i - \lambda_i) + \sum_{j \in F} s_j
        + \max_{|S| \le p_{free}} \sum_{j \in S} s_j, \qquad s_j = \sum_{i \in N_j} \lambda_i,

    an upper bound for every :math:`\lambda`; its minimum is the LP bound (the subproblem has
    the integrality property, Galvão and ReVelle 1996). The volume algorithm (Barahona and
    Anbil 2000) minimises it along the slack of a running average of subproblem solutions,
    which converges much closer to the LP value than plain subgradient steps.

    Parameters
    ----------
    A_int : scipy.sparse matrix, int 0/1, shape (n, m)
    w : float64 array, shape (n,)
        Non-negative row weights.
    fixed_mask : bool array, shape (m,)
    p_free : int
        Columns that may be opened besides the fixed ones.
    lower : float
        Value of a known solution (the Polyak target; the search stops once the bound reaches
        ``lower + tol``).
    lam0 : float64 array, optional
        Starting multipliers (clipped to ``[0, w]``); default ``w / 2``.
    max_iter : int
        Iteration cap.
    deadline : float, optional
        ``time.perf_counter()`` value after which no further chunk starts.
    tol : float
        Absolute gap at which to stop.
    csc : tuple, optional
        Precomputed CSC index arrays of ``A_int``.

    Returns
    -------
    (float, numpy.ndarray, dict)
        The bound, its multipliers and ``{"iterations", "stop"}``.

    References
    ----------
    .. [1] F. Barahona and R. Anbil, Mathematical Programming 87(3), 385-399, 2000.
    """
    a_ptr, a_rows = _csc(A_int) if csc is None else csc
    n = int(A_int.shape[0])
    m = int(A_int.shape[1])
    w = np.ascontiguousarray(w, dtype=np.float64)
    fixed = np.ascontiguousarray(fixed_mask, dtype=np.bool_)
    lam = 0.5 * w if lam0 is None else np.clip(np.asarray(lam0, dtype=np.float64), 0.0, w)
    lam = np.ascontiguousarray(lam)
    s = np.empty(m)
    xb = np.empty(m)
    yb = np.empty(n)
    L0 = _km._mc_lagrangian_value(a_ptr, a_rows, n, w, fixed, int(p_free), lam, s, xb, yb)
    axb = np.empty(n)
    _km._row_cover(a_ptr, a_rows, n, xb, axb)
    st = np.array([L0, 0.1, 0.1, 0.0, 0.0, 0.0, L0, 0.0])
    stop = "iterations"
    target = float(lower) + float(tol)
    chunk = 5
    while st[4] < max_iter:
        t_chunk = time.perf_counter()
        if deadline is not None and t_chunk >= deadline:
            stop = "time"
            break
        chunk = int(max(1, min(chunk, max_iter - st[4])))
        code = _km._mc_volume(a_ptr, a_rows, n, w, fixed, int(p_free), target, lam, xb, yb, axb, st, chunk,
                              VOLUME_STALL_ITER, VOLUME_STALL_TOL)
        if code:
            stop = {1: "closed", 2: "stalled", 3: "optimal"}[int(code)]
            break
        chunk = _next_chunk(chunk, time.perf_counter() - t_chunk, deadline, VOLUME_CHUNK)
    return float(st[0]), lam, {"iterations": int(st[4]), "stop": stop, "primal_x": xb}


def iterated_local_search(A_int, w, x0, fixed_mask, *, allowed=None, deadline=None, max_kicks=20_000,
                          stall_kicks=600, seed=0, arrays=None):
    """Improve an MCLP solution by iterated local search (random 1-3 site kicks + swap descent).

    Parameters
    ----------
    A_int : scipy.sparse matrix, int 0/1, shape (n, m)
    w : float64 array, shape (n,)
    x0 : bool array, shape (m,)
        Starting open columns (a swap local optimum is best).
    fixed_mask : bool array, shape (m,)
    allowed : bool array, shape (m,), optional
        Columns that kicks and swaps may open (default all); e.g. the support of an
        approximate LP solution, which makes random kicks far more often useful.
    deadline : float, optional
        ``time.perf_counter()`` value after which no further chunk starts.
    max_kicks : int
    stall_kicks : int
        Stop after this many kicks without improvement.
    seed : int
    arrays : tuple, optional
        Precomputed ``(a_ptr, a_rows, ar_ptr, ar_cols)``.

    Returns
    -------
    (numpy.ndarray, float, dict)
        Best open mask, its covered weight, ``{"kicks", "improvements", "stop"}``.

    References
    ----------
    .. [1] H. R. Lourenço, O. C. Martin and T. Stützle, "Iterated local search", Handbook of
       Metaheuristics, 321-353, 2003.
    """
    import scipy.sparse as sp

    if arrays is None:
        a_ptr, a_rows = _csc(A_int)
        r = sp.csr_matrix(A_int)
        r.sort_indices()
        ar_ptr = np.ascontiguousarray(r.indptr, dtype=np.int64)
        ar_cols = np.ascontiguousarray(r.indices, dtype=np.int64)
    else:
        a_ptr, a_rows, ar_ptr, ar_cols = arrays
    n = int(A_int.shape[0])
    w = np.ascontiguousarray(w, dtype=np.float64)
    fixed = np.ascontiguousarray(fixed_mask, dtype=np.bool_)
    allowed = (np.ones(fixed.size, dtype=np.bool_) if allowed is None
               else np.ascontiguousarray(allowed, dtype=np.bool_))
    best = np.ascontiguousarray(x0, dtype=np.bool_).copy()
    best_v = _km._mc_cover_value(a_ptr, a_rows, n, w, best)
    tol = 1e-12 * max(float(w.sum()), 1.0)
    kicks = since = improvements = 0
    stop = "kicks"
    chunk_no = 0
    k = 1  # one kick first: its time sizes the next chunks (see _next_chunk)
    while kicks < max_kicks:
        t_chunk = time.perf_counter()
        if deadline is not None and t_chunk >= deadline:
            stop = "time"
            break
        if since >= stall_kicks:
            stop = "stalled"
            break
        k = int(max(1, min(k, max_kicks - kicks)))
        x, _, _ = _km._mc_ils(a_ptr, a_rows, ar_ptr, ar_cols, n, w, best, fixed, allowed, k,
                              int(seed) * 1_000_003 + chunk_no, tol)
        chunk_no += 1
        kicks += k
        v = _km._mc_cover_value(a_ptr, a_rows, n, w, x)
        if v > best_v + tol:
            best, best_v = x, v
            improvements += 1
            since = 0
        else:
            since += k
        k = _next_chunk(k, time.perf_counter() - t_chunk, deadline, ILS_CHUNK)
    return best, float(best_v), {"kicks": kicks, "improvements": improvements, "stop": stop}
