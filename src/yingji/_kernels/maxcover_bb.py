"""Numba kernel of MCLP's branch and bound: one depth-first search with two bounding options.

Depth-first search over the site variables (open first). A node is bounded by the smaller of

* the Lagrangian bound of Downs and Camm (1996): the coverage rows
  ``y_i <= sum_{j in N_i} x_j`` relaxed with multipliers ``lam`` (warm-started from the
  previous node) and lowered by a few subgradient steps with Polyak's step length towards the
  incumbent (none: the multipliers as given, e.g. the volume algorithm's);
* the submodular bound (Nemhauser, Wolsey and Fisher 1978): the weight the open sites cover
  plus the largest marginal gains of the free ones;

either or both (``lagr``, ``submod``). The node is pruned when the bound cannot beat the
incumbent by more than ``tol``; otherwise reduced-cost fixing on either bound closes or opens
free sites, the completions of both bounds (open sites plus the bound's top-ranked free sites)
are tried as incumbents, and the node branches on the free site the active bound ranks first.

The whole search state lives in arrays owned by the caller, so the Python driver runs the
kernel in chunks of nodes and checks the clock between chunks (``time_limit`` holds), and the
bound of the unexplored nodes is available when it stops.

References
----------
.. [1] B. T. Downs and J. D. Camm, "An exact algorithm for the maximal covering problem",
   Naval Research Logistics 43(3), 435-461, 1996.
.. [2] R. D. Galvão and C. ReVelle, "A Lagrangean heuristic for the maximal covering location
   problem", European Journal of Operational Research 88(1), 114-123, 1996.
.. [3] M. Held, P. Wolfe and H. P. Crowder, "Validation of subgradient optimization",
   Mathematical Programming 6, 62-88, 1974.
.. [4] G. L. Nemhauser, L. A. Wolsey and M. L. Fisher, "An analysis of approximations for
   maximizing submodular set functions - I", Mathematical Programming 14, 265-294, 1978.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji._kernels.maxcover import _box_step, _cover_value_into
from yingji.config import NJIT_KW

__all__ = ["_mc_bb_counts", "_mc_bb_init", "_mc_bb_run"]

# positions in the integer state vector ``ist``
_SP, _TP, _NODES, _NOPEN, _IMPROVED = 0, 1, 2, 3, 4
# positions in the float state vector ``fst``
_LOWER, _MAXPRUNED, _TOL, _THETA0, _CUR, _DEAD, _TOTAL = 0, 1, 2, 3, 4, 5, 6


@njit(**NJIT_KW)
def _set_state(a_ptr, a_rows, w, j, v, state, cov1, cntf, trail, ist, fst):
    """Set site ``j`` (free) to ``v`` (1 open, 2 closed), keep the row counters, the weight the
    open sites cover (``fst[_CUR]``) and the weight no open or free site covers
    (``fst[_DEAD]``), and record the change on the trail."""
    state[j] = v
    if v == 1:
        for q in range(a_ptr[j], a_ptr[j + 1]):
            i = a_rows[q]
            if cov1[i] == 0:
                fst[_CUR] += w[i]
            cov1[i] += 1
        ist[_NOPEN] += 1
    else:
        for q in range(a_ptr[j], a_ptr[j + 1]):
            i = a_rows[q]
            cntf[i] -= 1
            if cntf[i] == 0:
                fst[_DEAD] += w[i]
    trail[ist[_TP]] = j
    ist[_TP] += 1


@njit(**NJIT_KW)
def _undo_to(a_ptr, a_rows, w, pos, state, cov1, cntf, trail, ist, fst):
    """Undo the trail back to length ``pos`` (the sites fixed since become free again)."""
    while ist[_TP] > pos:
        ist[_TP] -= 1
        j = trail[ist[_TP]]
        if state[j] == 1:
            for q in range(a_ptr[j], a_ptr[j + 1]):
                i = a_rows[q]
                cov1[i] -= 1
                if cov1[i] == 0:
                    fst[_CUR] -= w[i]
            ist[_NOPEN] -= 1
        else:
            for q in range(a_ptr[j], a_ptr[j + 1]):
                i = a_rows[q]
                if cntf[i] == 0:
                    fst[_DEAD] -= w[i]
                cntf[i] += 1
        state[j] = 0


@njit(**NJIT_KW)
def _free_site_sums(a_ptr, a_rows, val, state, cov1, out, order):
    """For every free site ``j`` (``state[j] == 0``) ``out[j] = sum of val_i`` over the rows it
    covers that no open site covers (0 for fixed sites); the free sites listed in ``order``.
    Returns their number. The Lagrangian bound sums the multipliers, the submodular bound the
    weights."""
    nf = 0
    for j in range(state.size):
        if state[j] != 0:
            out[j] = 0.0
            continue
        v = 0.0
        for q in range(a_ptr[j], a_ptr[j + 1]):
            i = a_rows[q]
            if cov1[i] == 0:
                v += val[i]
        out[j] = v
        order[nf] = j
        nf += 1
    return nf


@njit(**NJIT_KW)
def _lag_eval(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, s, take, order):
    """Lagrangian bound of the node at ``lam``: rows covered by an open site count ``w_i``,
    rows no open or free site covers count 0, the others ``max(0, w_i - lam_i)``; plus the
    ``q_left`` largest (positive) ``s_j = sum_{active i in N_j} lam_i`` over the free sites.
    Fills ``s``, ``take`` (chosen free sites) and ``order`` (free sites, ``s`` descending);
    returns (bound, number of free sites, number taken)."""
    m = state.size
    L = 0.0
    for i in range(n_rows):
        if cov1[i] > 0:
            L += w[i]
        elif cntf[i] > 0 and w[i] > lam[i]:
            L += w[i] - lam[i]
    for j in range(m):
        take[j] = False
    nf = _free_site_sums(a_ptr, a_rows, lam, state, cov1, s, order)
    key = np.empty(nf, dtype=np.float64)
    for t in range(nf):
        key[t] = -s[order[t]]
    srt = np.argsort(key)
    tmp = order[:nf].copy()
    for t in range(nf):
        order[t] = tmp[srt[t]]
    nt = min(q_left, nf)
    for t in range(nt):
        j = order[t]
        L += s[j]
        take[j] = True
    return L, nf, nt




@njit(**NJIT_KW)
def _node_bound(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, best_lam, s, take, order, g,
                target, n_iter, theta0):
    """Subgradient steps on the node's Lagrangian dual from ``lam``; leaves the best multipliers
    in ``best_lam`` and their ``s`` / ``take`` / ``order``; returns (bound, free, taken)."""
    L, nf, nt = _lag_eval(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, s, take, order)
    if n_iter <= 0:
        return L, nf, nt
    best = L
    for i in range(n_rows):
        best_lam[i] = lam[i]
    theta = theta0
    fails = 0
    it = 0
    while it < n_iter and best > target:
        it += 1
        # subgradient over the active rows: (taken sites covering i) - y_i
        for i in range(n_rows):
            if cov1[i] > 0 or cntf[i] == 0:
                g[i] = 0.0
            else:
                g[i] = -1.0 if w[i] > lam[i] else 0.0
        for j in range(state.size):
            if take[j]:
                for q in range(a_ptr[j], a_ptr[j + 1]):
                    i = a_rows[q]
                    if cov1[i] == 0:
                        g[i] += 1.0
        nn = 0.0
        for i in range(n_rows):
            gi = g[i]
            if (lam[i] <= 0.0 and gi > 0.0) or (lam[i] >= w[i] and gi < 0.0):
                g[i] = 0.0
                gi = 0.0
            nn += gi * gi
        if nn <= 0.0:
            break
        t = theta * (L - target) / nn
        _box_step(lam, g, t, w, lam, n_rows)
        L, nf, nt = _lag_eval(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, s, take, order)
        if L < best - 1e-12 * abs(best):
            best = L
            for i in range(n_rows):
                best_lam[i] = lam[i]
            fails = 0
        else:
            fails += 1
            if fails >= 5:
                theta *= 0.5
                fails = 0
                if theta < 1e-4:
                    break
    for i in range(n_rows):
        lam[i] = best_lam[i]
    L, nf, nt = _lag_eval(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, s, take, order)
    return L, nf, nt


@njit(**NJIT_KW)
def _mc_bb_counts(a_ptr, a_rows, w, state, cov1, cntf, fst):
    """Row counters of the root: ``cov1`` open sites (``state == 1``) and ``cntf`` open or free
    sites covering each row; the weights covered, uncoverable and in all in ``fst``."""
    for i in range(cov1.size):
        cov1[i] = 0
        cntf[i] = 0
    for j in range(state.size):
        for q in range(a_ptr[j], a_ptr[j + 1]):
            i = a_rows[q]
            cntf[i] += 1
            if state[j] == 1:
                cov1[i] += 1
    cur = 0.0
    dead = 0.0
    tot = 0.0
    for i in range(cov1.size):
        tot += w[i]
        if cov1[i] > 0:
            cur += w[i]
        elif cntf[i] == 0:
            dead += w[i]
    fst[_CUR] = cur
    fst[_DEAD] = dead
    fst[_TOTAL] = tot


@njit(**NJIT_KW)
def _mc_bb_init(state, ist, fst, stack_pos, stack_col, stack_val, stack_bound, stack_depth, lower, tol, theta0,
                root_bound):
    """Put the root on the stack (``state`` holds the sites open from the start as 1)."""
    ist[_SP] = 1
    ist[_TP] = 0
    ist[_NODES] = 0
    ist[_IMPROVED] = 0
    n_open = 0
    for j in range(state.size):
        if state[j] == 1:
            n_open += 1
    ist[_NOPEN] = n_open
    fst[_LOWER] = lower
    fst[_MAXPRUNED] = -np.inf
    fst[_TOL] = tol
    fst[_THETA0] = theta0
    stack_pos[0] = 0
    stack_col[0] = -1
    stack_val[0] = 0
    stack_bound[0] = root_bound
    stack_depth[0] = 0


@njit(**NJIT_KW)
def _submod_bound(a_ptr, a_rows, w, state, cov1, q_left, gain, gorder, fst):
    """Submodular bound of the node (Nemhauser, Wolsey and Fisher 1978): the weight the open
    sites cover plus the ``q_left`` largest marginal gains of the free sites, or the weight of
    every row an open or free site covers when that is smaller. Fills ``gain`` (free sites'
    marginal gains) and ``gorder`` (the free sites, the ``q_left + 1`` largest gains first and
    in decreasing order); returns (bound, covered weight of the open sites plus the top gains,
    number of free sites)."""
    cur = fst[_CUR]
    reach = fst[_TOTAL] - cur - fst[_DEAD]
    nf = _free_site_sums(a_ptr, a_rows, w, state, cov1, gain, gorder)
    r = min(q_left + 1, nf)
    if r > 16:
        key = np.empty(nf, dtype=np.float64)
        for t in range(nf):
            key[t] = -gain[gorder[t]]
        srt = np.argsort(key, kind="mergesort")
        tmp = gorder[:nf].copy()
        for t in range(nf):
            gorder[t] = tmp[srt[t]]
    else:  # a few largest: partial selection in place (ties: the lower position first)
        for t in range(r):
            bt = t
            for u in range(t + 1, nf):
                ju = gorder[u]
                jb = gorder[bt]
                if gain[ju] > gain[jb] or (gain[ju] == gain[jb] and ju < jb):
                    bt = u
            tmp_j = gorder[t]
            gorder[t] = gorder[bt]
            gorder[bt] = tmp_j
    top = 0.0
    for t in range(min(q_left, nf)):
        top += gain[gorder[t]]
    return cur + min(top, reach), cur + top, nf


@njit(**NJIT_KW)
def _try_incumbent(a_ptr, a_rows, n_rows, w, sol, hit, fst, ist, best_x):
    """The covered weight of the site set ``sol``; when it beats the incumbent (``fst[_LOWER]``)
    it becomes the incumbent (``best_x``) and ``ist[_IMPROVED]`` counts it."""
    v = _cover_value_into(a_ptr, a_rows, n_rows, w, sol, hit)
    if v > fst[_LOWER]:
        fst[_LOWER] = v
        ist[_IMPROVED] += 1
        for j in range(sol.size):
            best_x[j] = sol[j]


@njit(**NJIT_KW)
def _mc_bb_run(a_ptr, a_rows, n_rows, w, p, state, cov1, cntf, lam, trail, stack_pos, stack_col, stack_val,
               stack_bound, stack_depth, ist, fst, best_x, max_nodes, root_iter, node_iter, lagr, submod):
    """Numba JIT-compiled branch and bound for MCLP, run for up to ``max_nodes`` nodes.

    One search, two bounding options, either or both (the smaller bound counts):

    * ``lagr``: the Lagrangian bound of Downs and Camm (1996) at ``lam`` (see :func:`_lag_eval`),
      lowered by ``root_iter`` / ``node_iter`` subgradient steps (0: ``lam`` as given, e.g. the
      volume multipliers), with Lagrangian reduced-cost fixing;
    * ``submod``: the submodular bound (:func:`_submod_bound`), cheap and strong when ``p`` and
      the sites are few, with the same fixing on the marginal gains (a site whose gain cannot
      lift the bound above the incumbent is closed, one the bound needs is opened).

    The node branches on the site the smaller bound ranks first (largest marginal gain, or the
    largest Lagrangian value among the sites the Lagrangian solution opens), open first; the
    completions of both bounds (open sites plus their top-ranked free sites) are tried as
    incumbents.

    ``state`` (0 free, 1 open, 2 closed per site), ``cov1`` (open sites covering each row),
    ``cntf`` (open or free sites covering each row), ``lam`` (multipliers), ``trail`` (the sites
    fixed on the current path), the node stack (trail length, branch site, branch value 1 open /
    2 closed, parent bound) and ``ist`` / ``fst`` (counters; incumbent value, largest pruned
    bound, pruning tolerance, first step factor) persist between calls. A node is pruned when
    its bound is at most ``incumbent + tol``; ``best_x`` receives every better incumbent.

    Returns 0 when the node budget is spent, 1 when the search is complete.

    The function stays long: one node loop with its state in locals (bound, fixing, incumbent,
    branching), where helper calls per node would cost on small instances.
    """
    m = state.size
    s = np.zeros(m, dtype=np.float64)
    take = np.zeros(m, dtype=np.bool_)
    order = np.empty(m, dtype=np.int64)
    gain = np.zeros(m, dtype=np.float64)
    gorder = np.empty(m, dtype=np.int64)
    g = np.empty(n_rows, dtype=np.float64)
    best_lam = np.empty(n_rows, dtype=np.float64)
    hit = np.empty(n_rows, dtype=np.bool_)
    sol = np.empty(m, dtype=np.bool_)
    done = 0
    while ist[_SP] > 0 and done < max_nodes:
        ist[_SP] -= 1
        sp_ = ist[_SP]
        pos = stack_pos[sp_]
        col = stack_col[sp_]
        val = stack_val[sp_]
        pb = stack_bound[sp_]
        depth = stack_depth[sp_]
        lower = fst[_LOWER]
        tol = fst[_TOL]
        if pb <= lower + tol:
            fst[_MAXPRUNED] = max(fst[_MAXPRUNED], pb)
            continue
        _undo_to(a_ptr, a_rows, w, pos, state, cov1, cntf, trail, ist, fst)
        if col >= 0:
            if val == 1 and ist[_NOPEN] >= p:
                continue  # no room: the parent's Lagrangian solution had it shut anyway
            _set_state(a_ptr, a_rows, w, col, val, state, cov1, cntf, trail, ist, fst)
        done += 1
        ist[_NODES] += 1
        n_iter = root_iter if ist[_NODES] == 1 else node_iter
        use_sub = False
        ng = 0
        nf = 0
        nt = 0
        rounds = 0  # bound, fixing, bound again: at most three rounds per node
        while True:
            q_left = p - ist[_NOPEN]
            L = np.inf
            v = -np.inf
            nf = 0
            nt = 0
            if q_left < 0:  # the fixings opened more than p sites: no better solution here
                L = -np.inf
                break
            if lagr:
                L, nf, nt = _node_bound(a_ptr, a_rows, n_rows, w, state, cov1, cntf, q_left, lam, best_lam, s,
                                        take, order, g, fst[_LOWER] + fst[_TOL], n_iter, fst[_THETA0])
                # the Lagrangian solution, completed, is a solution (worth evaluating only when
                # the bound leaves room above the incumbent, or when it is the node's optimum)
                if L > fst[_LOWER] + fst[_TOL] or nf <= q_left:
                    for j in range(m):  # the open sites plus the Lagrangian solution's
                        sol[j] = state[j] == 1 or take[j]
                    _try_incumbent(a_ptr, a_rows, n_rows, w, sol, hit, fst, ist, best_x)
            U = np.inf
            ng = 0
            if submod:
                U, u_top, ng = _submod_bound(a_ptr, a_rows, w, state, cov1, q_left, gain, gorder, fst)
                nf = ng
                if min(U, L) > fst[_LOWER] + fst[_TOL] or nf <= q_left:
                    for j in range(m):  # the open sites plus the largest gains
                        sol[j] = state[j] == 1
                    for t in range(min(q_left, ng)):
                        sol[gorder[t]] = True
                    _try_incumbent(a_ptr, a_rows, n_rows, w, sol, hit, fst, ist, best_x)
            use_sub = U < L
            B = min(min(L, U), pb)  # the parent's bound holds here too
            lower = fst[_LOWER]
            if B <= lower + tol:
                L = B
                break
            if nf <= q_left:  # every free site fits: the completed solution is the node's optimum
                L = v
                break
            changed = 0
            if lagr:  # Lagrangian reduced-cost fixing (nt == q_left here)
                s_last = s[order[nt - 1]] if nt > 0 else 0.0
                s_next = s[order[nt]] if nt < nf else 0.0
                for t in range(nf):
                    j = order[t]
                    if state[j] != 0:
                        continue
                    if take[j]:
                        if L - s[j] + s_next <= lower + tol:
                            _set_state(a_ptr, a_rows, w, j, 1, state, cov1, cntf, trail, ist, fst)
                            changed += 1
                    elif L + s[j] - s_last <= lower + tol:
                        _set_state(a_ptr, a_rows, w, j, 2, state, cov1, cntf, trail, ist, fst)
                        changed += 1
            if submod and q_left > 0:  # the same on the marginal gains
                g_last = gain[gorder[q_left - 1]]
                g_next = gain[gorder[q_left]] if q_left < ng else 0.0
                for t in range(ng):
                    j = gorder[t]
                    if state[j] != 0:
                        continue
                    if t < q_left:
                        if u_top - gain[j] + g_next <= lower + tol:
                            _set_state(a_ptr, a_rows, w, j, 1, state, cov1, cntf, trail, ist, fst)
                            changed += 1
                    elif u_top + gain[j] - g_last <= lower + tol:
                        _set_state(a_ptr, a_rows, w, j, 2, state, cov1, cntf, trail, ist, fst)
                        changed += 1
            L = B
            rounds += 1
            if changed == 0 or rounds >= 3:
                break
            pb = B
            n_iter = node_iter
        if L <= lower + tol:
            fst[_MAXPRUNED] = max(fst[_MAXPRUNED], L)
            continue
        # branch on the free site the active bound ranks first
        b = -1
        if use_sub:
            for t in range(ng):
                if state[gorder[t]] == 0:
                    b = gorder[t]
                    break
        else:
            for t in range(nf):
                j = order[t]
                if state[j] == 0 and take[j]:
                    b = j
                    break
            if b < 0:
                for t in range(nf):
                    if state[order[t]] == 0:
                        b = order[t]
                        break
        if b < 0:
            fst[_MAXPRUNED] = max(fst[_MAXPRUNED], L)
            continue
        tp = ist[_TP]
        stack_pos[ist[_SP]] = tp
        stack_col[ist[_SP]] = b
        stack_val[ist[_SP]] = 2
        stack_bound[ist[_SP]] = L
        stack_depth[ist[_SP]] = depth + 1
        ist[_SP] += 1
        stack_pos[ist[_SP]] = tp
        stack_col[ist[_SP]] = b
        stack_val[ist[_SP]] = 1
        stack_bound[ist[_SP]] = L
        stack_depth[ist[_SP]] = depth + 1
        ist[_SP] += 1
    return 1 if ist[_SP] == 0 else 0
