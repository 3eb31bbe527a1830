"""Numba kernels of the set-covering problem (LSCP): exact reductions, primal heuristics.

Every function here is ``@njit`` and takes contiguous ``float64`` / ``int64`` / ``bool``
arrays and scalars only. The 0/1 matrix is passed as its index arrays, with *sorted*
indices inside each row and each column:

* CSC form ``(a_ptr, a_rows)``: the rows covered by column ``j`` are
  ``a_rows[a_ptr[j]:a_ptr[j + 1]]``;
* CSR form ``(ar_ptr, ar_cols)``: the columns covering row ``i`` are
  ``ar_cols[ar_ptr[i]:ar_ptr[i + 1]]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = [
    "_set_cover_row_dominated",
    "_set_cover_row_dominated_by",
    "_set_cover_col_dominated",
    "_set_cover_cost",
    "_chvatal_add",
    "_set_cover_complete",
    "_set_cover_prune",
    "_set_cover_local_search",
    "_set_cover_local_search_weighted",
]


# ----------------------------------------------------------------------------- reductions
@njit(**NJIT_KW)
def _contains(ptr, idx, k, lo_list, lo, hi):
    """Numba JIT-compiled test: is every entry of ``lo_list[lo:hi]`` in the sorted list ``k``."""
    a = ptr[k]
    b = ptr[k + 1]
    for q in range(lo, hi):
        v = lo_list[q]
        # binary search of v in idx[a:b]; the entries of lo_list are sorted, so a only grows
        left = a
        right = b
        while left < right:
            mid = (left + right) >> 1
            if idx[mid] < v:
                left = mid + 1
            else:
                right = mid
        if left == b or idx[left] != v:
            return False
        a = left + 1
    return True


@njit(**NJIT_KW)
def _sparsest(idx, lo, hi, other_ptr):
    """Numba JIT-compiled pick, among ``idx[lo:hi]``, of the entry with the fewest entries of its
    own in the other orientation (``other_ptr``): the shortest list to draw candidates from."""
    best = idx[lo]
    dbest = other_ptr[best + 1] - other_ptr[best]
    for q in range(lo + 1, hi):
        t = idx[q]
        d = other_ptr[t + 1] - other_ptr[t]
        if d < dbest:
            dbest = d
            best = t
    return best


@njit(**NJIT_KW)
def _set_cover_row_dominated(ar_ptr, ar_cols, a_ptr, a_rows):
    """Numba JIT-compiled row domination of a set-covering matrix.

    Row ``k`` is redundant when another row ``i`` has ``cols(i) ⊆ cols(k)``: any cover of
    ``i`` covers ``k``. Equal rows keep the first. Candidates ``k`` of a row ``i`` are the
    rows of its least-covering column, each checked by binary search (Beasley 1987). The rows
    are visited by increasing number of columns: a row dominated by a shorter one is dropped
    before its own (longest) scan, and the rows dropped are the same in any order (those with
    a subset among the rows before them in the order (columns, position); issue 23: 2.6 of the
    3.3 s of reductions of a 20,000 x 1,000 instance at 10 % were this scan in row order).

    Parameters
    ----------
    ar_ptr, ar_cols : int64 arrays
        The matrix in CSR form (sorted column indices per row).
    a_ptr, a_rows : int64 arrays
        The same matrix in CSC form.

    Returns
    -------
    bool array, shape (n_rows,)
        True for the rows that can be dropped (a dominating row stays for each).
    """
    return _set_cover_row_dominated_by(ar_ptr, ar_cols, a_ptr, a_rows,
                                       np.ones(ar_ptr.size - 1, dtype=np.bool_))


@njit(**NJIT_KW)
def _set_cover_row_dominated_by(ar_ptr, ar_cols, a_ptr, a_rows, cand):
    """Numba JIT-compiled row domination scanning only the rows ``cand`` as dominators.

    :func:`_set_cover_row_dominated` with every row a candidate. After a full scan, removing
    columns can make a row ``i`` dominate another only when ``i`` lost a column (``cols(i)``
    unchanged and ``cols(i) ⊄ cols(k)`` before: ``cols(k)`` only shrank), so a later scan of
    the survivors needs as dominators only the rows that lost columns (``cand``); the rows
    dropped are then those of a full scan. A candidate whose columns equal those of an earlier
    row that is not a candidate is dropped as well (equal rows keep the first).

    Parameters
    ----------
    ar_ptr, ar_cols, a_ptr, a_rows : int64 arrays
        As in :func:`_set_cover_row_dominated`.
    cand : bool array, shape (n_rows,)
        The rows scanned as dominators.

    Returns
    -------
    bool array, shape (n_rows,)
        True for the rows that can be dropped.
    """
    n = ar_ptr.size - 1
    drop = np.zeros(n, dtype=np.bool_)
    order = np.argsort(ar_ptr[1:] - ar_ptr[:-1], kind="mergesort")
    for t in range(n):
        i = order[t]
        if drop[i] or not cand[i]:
            continue
        lo = ar_ptr[i]
        hi = ar_ptr[i + 1]
        di = hi - lo
        if di == 0:
            continue
        jbest = _sparsest(ar_cols, lo, hi, a_ptr)
        for p in range(a_ptr[jbest], a_ptr[jbest + 1]):
            k = a_rows[p]
            if k == i or drop[k]:
                continue
            dk = ar_ptr[k + 1] - ar_ptr[k]
            if dk < di:
                continue
            if dk == di and k < i:
                if not cand[k] and _contains(ar_ptr, ar_cols, k, ar_cols, lo, hi):
                    drop[i] = True  # an equal earlier row that scans nothing: it stays
                    break
                continue
            if _contains(ar_ptr, ar_cols, k, ar_cols, lo, hi):
                drop[k] = True
    return drop


@njit(**NJIT_KW)
def _set_cover_col_dominated(a_ptr, a_rows, ar_ptr, ar_cols, cost):
    """Numba JIT-compiled column domination of a set-covering matrix.

    Column ``j`` is redundant when another column ``k`` covers every row of ``j`` and comes
    first in the strict order (cost, -rows covered, position): an optimal cover without
    ``j`` then exists. Candidates ``k`` are the columns of the least-covered row of ``j``.

    Parameters
    ----------
    a_ptr, a_rows : int64 arrays
        The matrix in CSC form (sorted row indices per column).
    ar_ptr, ar_cols : int64 arrays
        The same matrix in CSR form.
    cost : float64 array, shape (m,)

    Returns
    -------
    bool array, shape (m,)
        True for the columns that can be dropped. Empty columns are dropped.
    """
    m = a_ptr.size - 1
    drop = np.zeros(m, dtype=np.bool_)
    for j in range(m):
        lo = a_ptr[j]
        hi = a_ptr[j + 1]
        dj = hi - lo
        if dj == 0:
            drop[j] = True
            continue
        ibest = _sparsest(a_rows, lo, hi, ar_ptr)
        for p in range(ar_ptr[ibest], ar_ptr[ibest + 1]):
            k = ar_cols[p]
            if k == j:
                continue
            dk = a_ptr[k + 1] - a_ptr[k]
            if dk < dj:
                continue
            before = cost[k] < cost[j] or (cost[k] == cost[j] and (dk > dj or (dk == dj and k < j)))
            if not before:
                continue
            if _contains(a_ptr, a_rows, k, a_rows, lo, hi):
                drop[j] = True
                break
    return drop


# ----------------------------------------------------------------------------- heuristics
@njit(**NJIT_KW)
def _set_cover_cost(cost, chosen):
    """Numba JIT-compiled total cost of the chosen columns."""
    v = 0.0
    for j in range(cost.size):
        if chosen[j]:
            v += cost[j]
    return v


@njit(**NJIT_KW)
def _chvatal_add(a_ptr, a_rows, ar_ptr, ar_cols, score_cost, ch, cnt):
    """Numba JIT-compiled Chvátal greedy (Chvátal 1979), in place.

    While some row has ``cnt == 0`` (no chosen column covers it; rows that need no cover
    carry a large count), adds the column of least ``score_cost`` per newly covered row
    (non-positive costs count as a tiny positive one, so among free columns the widest
    goes first), updating ``ch`` and ``cnt``. Returns whether every row got covered.
    """
    m = a_ptr.size - 1
    n = ar_ptr.size - 1
    unc = np.zeros(m, dtype=np.int64)
    left = 0
    for i in range(n):
        if cnt[i] == 0:
            left += 1
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                unc[ar_cols[q]] += 1
    while left > 0:
        best = -1
        br = np.inf
        for j in range(m):
            if ch[j] or unc[j] == 0:
                continue
            sc = score_cost[j]
            if sc < 1e-9:
                sc = 1e-9
            r = sc / unc[j]
            if r < br:
                br = r
                best = j
        if best < 0:
            return False
        ch[best] = True
        for k in range(a_ptr[best], a_ptr[best + 1]):
            i = a_rows[k]
            if cnt[i] == 0:
                left -= 1
                for q in range(ar_ptr[i], ar_ptr[i + 1]):
                    unc[ar_cols[q]] -= 1
            cnt[i] += 1
    return True


@njit(**NJIT_KW)
def _set_cover_complete(a_ptr, a_rows, ar_ptr, ar_cols, cost, score_cost, chosen):
    """Numba JIT-compiled greedy completion of a partial cover, then pruning.

    Adds, while some row is uncovered, the column of least ``score_cost`` per newly covered
    row (Chvátal's rule on ``score_cost``, which may be a Lagrangian cost; non-positive
    values count as a tiny positive cost), then removes redundant columns dearest first by
    ``cost``.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        The matrix in CSC and CSR form.
    cost : float64 array, shape (m,)
        True column costs (pruning order).
    score_cost : float64 array, shape (m,)
        Costs used by the greedy choice.
    chosen : bool array, shape (m,)
        Starting columns (copied).

    Returns
    -------
    (bool array, bool)
        The columns and whether every row is covered.
    """
    m = a_ptr.size - 1
    n = ar_ptr.size - 1
    ch = chosen.copy()
    cnt = np.zeros(n, dtype=np.int64)
    for j in range(m):
        if ch[j]:
            for k in range(a_ptr[j], a_ptr[j + 1]):
                cnt[a_rows[k]] += 1
    if not _chvatal_add(a_ptr, a_rows, ar_ptr, ar_cols, score_cost, ch, cnt):
        return ch, False
    ch = _set_cover_prune(a_ptr, a_rows, cost, ch, cnt, np.zeros(m, dtype=np.bool_))
    return ch, True


@njit(**NJIT_KW)
def _set_cover_prune(a_ptr, a_rows, cost, chosen, cnt, fixed):
    """Numba JIT-compiled removal of redundant columns (dearest first, then fewest rows).

    ``cnt`` holds, per row, how many chosen columns cover it (a large count for rows that
    need no cover); it is updated in place. Columns with ``fixed`` set stay. Returns the
    pruned columns (a copy).
    """
    m = a_ptr.size - 1
    ch = chosen.copy()
    deg = np.empty(m, dtype=np.int64)
    for j in range(m):
        deg[j] = a_ptr[j + 1] - a_ptr[j]
    by_deg = np.argsort(deg, kind="mergesort")
    order = by_deg[np.argsort(-cost[by_deg], kind="mergesort")]  # cost desc, then fewest rows
    for q in range(m):
        j = order[q]
        if not ch[j] or fixed[j]:
            continue
        red = True
        for k in range(a_ptr[j], a_ptr[j + 1]):
            if cnt[a_rows[k]] < 2:
                red = False
                break
        if red:
            ch[j] = False
            for k in range(a_ptr[j], a_ptr[j + 1]):
                cnt[a_rows[k]] -= 1
    return ch


@njit(**NJIT_KW)
def _lw_add(j, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list, n_unc, conf):
    """Numba JIT-compiled column addition of the row-weighting local search (scores updated)."""
    inS[j] = True
    for k in range(a_ptr[j], a_ptr[j + 1]):
        i = a_rows[k]
        c0 = cnt[i]
        cnt[i] = c0 + 1
        if c0 == 0:
            # row i becomes covered, by j alone
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                l = ar_cols[q]
                conf[l] = True
                if l != j:
                    score[l] -= w[i]
            p = unc_pos[i]
            last = unc_list[n_unc - 1]
            unc_list[p] = last
            unc_pos[last] = p
            unc_pos[i] = -1
            n_unc -= 1
        elif c0 == 1:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                l = ar_cols[q]
                conf[l] = True
                if l != j and inS[l]:
                    score[l] += w[i]
        else:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                conf[ar_cols[q]] = True
    s = 0.0
    for k in range(a_ptr[j], a_ptr[j + 1]):
        i = a_rows[k]
        if cnt[i] == 1:
            s -= w[i]
    score[j] = s
    return n_unc


@njit(**NJIT_KW)
def _lw_remove(j, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list, n_unc, conf):
    """Numba JIT-compiled column removal of the row-weighting local search (scores updated)."""
    inS[j] = False
    for k in range(a_ptr[j], a_ptr[j + 1]):
        i = a_rows[k]
        c0 = cnt[i]
        cnt[i] = c0 - 1
        if c0 == 1:
            # row i becomes uncovered
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                l = ar_cols[q]
                conf[l] = True
                if l != j:
                    score[l] += w[i]
            unc_pos[i] = n_unc
            unc_list[n_unc] = i
            n_unc += 1
        elif c0 == 2:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                l = ar_cols[q]
                conf[l] = True
                if l != j and inS[l]:
                    score[l] -= w[i]
        else:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                conf[ar_cols[q]] = True
    s = 0.0
    for k in range(a_ptr[j], a_ptr[j + 1]):
        i = a_rows[k]
        if cnt[i] == 0:
            s += w[i]
    score[j] = s
    conf[j] = False
    return n_unc


@njit(**NJIT_KW)
def _lw_state(a_ptr, ar_ptr):
    """Numba JIT-compiled empty state of the row-weighting local search (both cost kinds): no
    column chosen, every row uncovered (in the uncovered list), every column's configuration
    flag set. Returns ``(m, n, inS, cnt, score, conf, stamp, unc_pos, unc_list, n_unc)``."""
    m = a_ptr.size - 1
    n = ar_ptr.size - 1
    inS = np.zeros(m, dtype=np.bool_)
    cnt = np.zeros(n, dtype=np.int64)
    score = np.zeros(m, dtype=np.float64)
    conf = np.ones(m, dtype=np.bool_)
    stamp = np.zeros(m, dtype=np.int64)
    unc_pos = np.arange(n)
    unc_list = np.arange(n)
    return m, n, inS, cnt, score, conf, stamp, unc_pos, unc_list, n


@njit(**NJIT_KW)
def _set_cover_local_search(a_ptr, a_rows, ar_ptr, ar_cols, start, w, max_iter, target, seed):
    """Numba JIT-compiled row-weighting local search for unicost set cover (Gao et al. 2015).

    From the cover ``start``, each time the current set covers every row it is recorded and
    its least useful column removed; otherwise one column of the set is swapped out (the one
    whose removal uncovers the least row weight, not the column just added, oldest first on
    ties) and a column covering a random uncovered row is swapped in (the one covering the
    most uncovered weight among those whose neighbourhood changed since they were removed:
    configuration checking), after which the weight of every uncovered row grows by one.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        The matrix in CSC and CSR form; every row must be coverable.
    start : bool array, shape (m,)
        A cover.
    w : float64 array, shape (n,)
        Row weights, updated in place (pass them to the next call to continue the search).
    max_iter : int
        Swaps to perform.
    target : int
        Stop as soon as a cover of this many columns is found (a lower bound).
    seed : int

    Returns
    -------
    (bool array, int)
        The smallest cover found and the number of swaps done.

    References
    ----------
    .. [1] C. Gao, T. Weise and J. Li, "An efficient local search heuristic with row weighting
       for the unicost set covering problem", European Journal of Operational Research 246(3),
       750-761, 2015.
    """
    np.random.seed(seed)
    m, n, inS, cnt, score, conf, stamp, unc_pos, unc_list, n_unc = _lw_state(a_ptr, ar_ptr)
    for j in range(m):
        s = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            s += w[a_rows[k]]
        score[j] = s
    for j in range(m):
        if start[j]:
            n_unc = _lw_add(j, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                            n_unc, conf)
    best = inS.copy()
    size = 0
    for j in range(m):
        if inS[j]:
            size += 1
    best_size = size
    tabu = -1
    it = 0
    while True:
        while n_unc == 0:
            if size < best_size:
                best_size = size
                best[:] = inS
            if best_size <= target:
                return best, it
            # drop the least useful column
            jb = -1
            sb = -np.inf
            for j in range(m):
                if inS[j] and score[j] > sb:
                    sb = score[j]
                    jb = j
            n_unc = _lw_remove(jb, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                               n_unc, conf)
            stamp[jb] = it
            size -= 1
        if it >= max_iter:
            break
        it += 1
        # swap out: least loss, not tabu, oldest on ties
        jb = -1
        sb = -np.inf
        for j in range(m):
            if inS[j] and j != tabu:
                s = score[j]
                if s > sb or (s == sb and stamp[j] < stamp[jb]):
                    sb = s
                    jb = j
        if jb >= 0:
            n_unc = _lw_remove(jb, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                               n_unc, conf)
            stamp[jb] = it
            size -= 1
        # swap in: a column covering a random uncovered row
        i = unc_list[np.random.randint(0, n_unc)]
        kb = -1
        sb = -np.inf
        for q in range(ar_ptr[i], ar_ptr[i + 1]):
            k = ar_cols[q]
            if not conf[k]:
                continue
            s = score[k]
            if s > sb or (s == sb and stamp[k] < stamp[kb]):
                sb = s
                kb = k
        if kb < 0:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                k = ar_cols[q]
                s = score[k]
                if s > sb or (s == sb and stamp[k] < stamp[kb]):
                    sb = s
                    kb = k
        n_unc = _lw_add(kb, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                        n_unc, conf)
        stamp[kb] = it
        size += 1
        tabu = kb
        # row weighting
        for q in range(n_unc):
            r = unc_list[q]
            w[r] += 1.0
            for p in range(ar_ptr[r], ar_ptr[r + 1]):
                score[ar_cols[p]] += 1.0
    return best, it


@njit(**NJIT_KW)
def _set_cover_local_search_weighted(a_ptr, a_rows, ar_ptr, ar_cols, cost, start, w, max_iter, target, seed):
    """Numba JIT-compiled row-weighting local search for set cover with column costs.

    The unicost search of :func:`_set_cover_local_search` (Gao et al. 2015) with every choice
    made per unit of cost (the cost-effectiveness of Chvátal's greedy): each time the current set covers every row it is recorded when cheaper than the best cover,
    and columns are dropped (the one with the largest ``score / cost``: the least uncovered row
    weight per unit of cost saved; the dearest on ties) until the set costs less than the best cover by at least
    the cheapest column; otherwise the column dropped is the non-tabu one of largest
    ``score / cost`` and the column added, among those covering a random uncovered row (with
    configuration checking), is the one of largest ``score / cost`` (the most uncovered weight
    per unit of cost); then the weight of every uncovered row grows by one.

    Parameters
    ----------
    a_ptr, a_rows, ar_ptr, ar_cols : int64 arrays
        The matrix in CSC and CSR form; every row must be coverable.
    cost : float64 array, shape (m,)
        Column costs, positive.
    start : bool array, shape (m,)
        A cover.
    w : float64 array, shape (n,)
        Row weights, updated in place (pass them to the next call to continue the search).
    max_iter : int
        Swaps to perform.
    target : float
        Stop as soon as a cover of at most this cost is found (a lower bound).
    seed : int

    Returns
    -------
    (bool array, int)
        The cheapest cover found and the number of swaps done.

    References
    ----------
    .. [1] C. Gao, T. Weise and J. Li, "An efficient local search heuristic with row weighting
       for the unicost set covering problem", European Journal of Operational Research 246(3),
       750-761, 2015.
    .. [2] V. Chvátal, "A greedy heuristic for the set-covering problem", Mathematics of
       Operations Research 4(3), 233-235, 1979 (the choice per unit of cost).
    """
    np.random.seed(seed)
    m, n, inS, cnt, score, conf, stamp, unc_pos, unc_list, n_unc = _lw_state(a_ptr, ar_ptr)
    c_min = np.inf
    for j in range(m):
        s = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            s += w[a_rows[k]]
        score[j] = s
        if cost[j] < c_min:
            c_min = cost[j]
    # the columns of the set, in a list (a drop scans the set, not every column: rail507 has 63,009)
    mem_list = np.zeros(m, dtype=np.int64)
    mem_pos = np.full(m, -1, dtype=np.int64)
    n_mem = 0
    cur = 0.0
    for j in range(m):
        if start[j]:
            n_unc = _lw_add(j, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                            n_unc, conf)
            cur += cost[j]
            mem_pos[j] = n_mem
            mem_list[n_mem] = j
            n_mem += 1
    best = inS.copy()
    best_cost = cur
    eps = 1e-9 * max(1.0, cur)
    tabu = -1
    it = 0
    while True:
        if n_unc == 0 and cur < best_cost - eps:
            best_cost = cur
            best[:] = inS
        if best_cost <= target + eps:
            return best, it
        # drop columns until adding the cheapest column leaves the set cheaper than the best cover
        while cur > best_cost - 2.0 * c_min + eps:
            jb = -1
            sb = -np.inf
            for t in range(n_mem):
                j = mem_list[t]
                if j != tabu:
                    s = score[j] / cost[j]
                    # ties (e.g. columns whose rows are all covered twice): the dearest, then the oldest
                    if s > sb or (s == sb and (cost[j] > cost[jb] or (cost[j] == cost[jb] and stamp[j] < stamp[jb]))):
                        sb = s
                        jb = j
            if jb < 0:
                break
            n_unc = _lw_remove(jb, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                               n_unc, conf)
            stamp[jb] = it
            cur -= cost[jb]
            last = mem_list[n_mem - 1]
            mem_list[mem_pos[jb]] = last
            mem_pos[last] = mem_pos[jb]
            mem_pos[jb] = -1
            n_mem -= 1
            if n_unc == 0 and cur < best_cost - eps:
                best_cost = cur
                best[:] = inS
        if it >= max_iter:
            break
        it += 1
        if n_unc == 0:
            # only the tabu column was left to drop: free it
            tabu = -1
            continue
        # add: a column covering a random uncovered row, most uncovered weight per unit of cost
        i = unc_list[np.random.randint(0, n_unc)]
        kb = -1
        sb = -np.inf
        for q in range(ar_ptr[i], ar_ptr[i + 1]):
            k = ar_cols[q]
            # a column that would make the set at least as dear as the best cover is left for later
            if not conf[k]:
                continue
            s = score[k] / cost[k]
            if s > sb or (s == sb and stamp[k] < stamp[kb]):
                sb = s
                kb = k
        if kb < 0:
            for q in range(ar_ptr[i], ar_ptr[i + 1]):
                k = ar_cols[q]
                s = score[k] / cost[k]
                if s > sb or (s == sb and stamp[k] < stamp[kb]):
                    sb = s
                    kb = k
        n_unc = _lw_add(kb, a_ptr, a_rows, ar_ptr, ar_cols, inS, cnt, score, w, unc_pos, unc_list,
                        n_unc, conf)
        stamp[kb] = it
        cur += cost[kb]
        mem_pos[kb] = n_mem
        mem_list[n_mem] = kb
        n_mem += 1
        tabu = kb
        # row weighting
        for q in range(n_unc):
            r = unc_list[q]
            w[r] += 1.0
            for p in range(ar_ptr[r], ar_ptr[r + 1]):
                score[ar_cols[p]] += 1.0
    return best, it
