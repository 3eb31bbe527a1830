"""Beasley's Lagrangian route of :func:`~yingji.siting.capacitated.capacitated_location`
(splittable demand): the demand constraints relaxed (one continuous knapsack per site plus a
covering knapsack on the sites), subgradient optimisation with a transportation-LP heuristic, a
kernel local search, the Lagrangian branch and bound of :mod:`yingji.siting._cap_bnb`, and, when
the tree cannot be exhausted in time, HiGHS on the strong formulation reduced by reduced-cost
fixing.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from yingji.siting._capacitated_models import _HIGHS_SETUP_NNZ_PER_S, _reduced_model, _transport
from yingji.siting._inputs import make_result
from yingji.solvers import solve

#: Resolution of the covering knapsack on the site variables.
_KNAPSACK_UNITS = 4000


def _knapsack_data(d, cap):
    """Integer sizes ``a`` and target ``b`` of the covering knapsack Σ a_j y_j >= b: capacities and
    total demand in units of D / 4000, sizes rounded up and the target rounded up (a relaxation)."""
    D = float(d.sum())
    g = max(1.0, D / _KNAPSACK_UNITS)
    b = int(np.ceil(D / g - 1e-9))
    a = np.where(np.isfinite(cap), np.ceil(np.minimum(cap, D) / g - 1e-12), b).astype(np.int64)
    return np.ascontiguousarray(np.minimum(a, b)), max(b, 0)


def _repair(sites_mask, v, cap, D):
    """Open the cheapest further sites (by Lagrangian value) until capacity covers demand."""
    y = sites_mask.copy()
    if np.sum(np.where(y, cap, 0.0)) >= D:
        return y
    for j in np.argsort(v):
        if not y[j]:
            y[j] = True
            if np.sum(np.where(y, cap, 0.0)) >= D:
                break
    return y


def _lagrangian_cflp(C, d, cap, f, fm, deadline, max_iter=600, u0=None, ub0=np.inf, lam0=2.0, heuristic=True):
    """Subgradient optimisation of Beasley's Lagrangian relaxation with a transportation-LP heuristic.

    Returns ``(LB, u, UB, best_sites_mask, (sites, shares), (a, b, state), freq)``: ``freq`` is a
    decaying count of how often each site was open in the subproblem solutions.
    """
    from yingji._kernels.capacitated import _cflp_site_values, _cover_knapsack

    n, m = C.shape
    D = float(d.sum())
    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    a, b = _knapsack_data(d, cap)
    state = np.where(fm, 1, -1).astype(np.int64)
    srt = np.sort(Cf, axis=1)
    u = (srt[:, 1].copy() if m > 1 else srt[:, 0].copy()) if u0 is None else u0.copy()
    X = np.empty((n, m))
    capc = np.ascontiguousarray(cap)
    seen: dict = {}
    UB, best_mask, best_X = ub0, None, None
    LB, best_u = -np.inf, u.copy()
    lam, stall = lam0, 0
    freq = np.zeros(m)  # how often each site is open in the recent subproblem solutions

    def heur(mask, v):
        nonlocal UB, best_mask, best_X
        mask = _repair(mask, v, cap, D)
        key = mask.tobytes()
        if key in seen:
            return
        seen[key] = True
        sites = np.nonzero(mask)[0]
        tc, Xs = _transport(C, d, cap, sites, max(0.05, deadline - time.perf_counter()))
        if Xs is None:
            return
        # close sites the allocation leaves empty
        used = Xs.sum(axis=0) > 1e-12
        val = tc + float(f[sites[used | fm[sites]]].sum())
        if val < UB:
            UB = val
            keep = used | fm[sites]
            best_mask = np.zeros(m, dtype=bool)
            best_mask[sites[keep]] = True
            best_X = (sites[keep], Xs[:, keep])

    for it in range(max_iter):
        v = _cflp_site_values(Cf, d, capc, f, u, X)
        kv, y = _cover_knapsack(v, a, b, state)
        L = float(u.sum() + kv)
        freq *= 0.97
        freq += y
        if L > LB + 1e-12 * max(1.0, abs(L)):
            LB, best_u, stall = L, u.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                lam, stall = lam / 2.0, 0
        if heuristic and it < 3 or heuristic and (it % 5 == 0 and (it < 100 or it % 20 == 0)) or (
                np.isfinite(UB) and L > LB - 1e-3 * abs(LB) and it % 5 == 0):
            heur(y.astype(bool), v)
        if UB < np.inf and UB - LB <= 1e-7 * max(1.0, abs(UB)):
            break
        if lam < 1e-4 or time.perf_counter() > deadline:
            break
        g = 1.0 - X @ y.astype(np.float64)
        gg = float(g @ g)
        if gg <= 1e-18:
            break
        target = UB if np.isfinite(UB) else L + 0.05 * abs(L) + 1.0
        u = u + lam * (target - L) / gg * g
    return LB, best_u, UB, best_mask, best_X, (a, b, state), freq


def _site_fixing(C, d, cap, f, u, kn, UB, tol):
    """Reduced-cost fixing of site variables: the Lagrangian bound with ``y_j`` forced the other way.

    Returns ``(state, worst)``: ``state[j]`` 1 fixed open, 0 fixed closed, -1 free, and the smallest
    forced bound among the fixed sites (a bound on every solution the fixing excludes).
    """
    from yingji._kernels.capacitated import _cflp_site_values, _cover_knapsack

    n, m = C.shape
    a, b, base = kn
    X = np.empty((n, m))
    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    v = _cflp_site_values(Cf, d, np.ascontiguousarray(cap), f, u, X)
    kv, y = _cover_knapsack(v, a, b, base)
    su = float(u.sum())
    state = base.copy()
    worst = np.inf
    for j in range(m):
        if base[j] != -1:
            continue
        st = base.copy()
        st[j] = 0 if y[j] else 1
        kj, _ = _cover_knapsack(v, a, b, st)
        Lj = su + kj
        if Lj > UB - tol:
            state[j] = 1 if y[j] else 0
            worst = min(worst, Lj)
    return state, worst


def _capacitated_lagrangian(ci, d, cap, f, fm, tl, t0, mip_gap, verbose):
    """Lagrangian bound + heuristic, site fixing, then HiGHS on the reduced strong formulation."""
    C = ci.C
    n, m = C.shape
    deadline = t0 + tl
    lag_deadline = t0 + 0.4 * tl
    LB, u, UB, mask, bestX, kn, freq = _lagrangian_cflp(C, d, cap, f, fm, lag_deadline)
    if bestX is None:
        return None  # no heuristic solution: let the plain model decide
    sites, Xs = bestX
    if UB - LB > mip_gap * max(1.0, abs(UB)):
        # Kernel search: the strong formulation restricted to the sites the subproblems keep opening
        # (a restriction, so any solution is feasible) for a better incumbent before fixing.
        ker = np.zeros(m, dtype=bool)
        ker[np.argsort(-freq)[: max(2 * int(mask.sum()), 10)]] = True
        ker &= freq > 0.05
        ker |= mask | fm
        cand = np.nonzero(ker)[0]
        cand = cand[np.argsort(-freq[cand], kind="stable")]
        UB, sites, Xs = _local_search(C, d, cap, f, fm, sites, Xs, UB, cand,
                                      time.perf_counter() + _LOCAL_SEARCH_SHARE * (deadline - time.perf_counter()))
    info = {"lagrangian_bound": LB, "heuristic_objective": UB}
    tol = mip_gap * max(1.0, abs(UB))
    if UB - LB <= tol:
        X = _alloc_matrix(Xs, sites, n, m)
        return _result_from_alloc(ci, d, f, sites, X, LB, time.perf_counter() - t0, "lagrangian", mip_gap,
                                  {**info, "sites_fixed": m, "reduced_sites": 0})
    info["kernel_objective"] = UB
    # Lagrangian branch-and-bound on the sites (yingji.siting._cap_bnb); the reduced MIP below is the
    # fallback when the tree cannot be exhausted in its share of the time.
    tree = _run_tree(C, d, cap, f, fm, u, kn, UB, sites, Xs, LB,
                     time.perf_counter() + _TREE_SHARE * max(0.0, deadline - time.perf_counter() - 0.05), tol)
    UB, sites, Xs = tree.UB, tree.sites, tree.Xs
    tree_bound = max(LB, tree.bound)
    info.update(tree_nodes=tree.nodes, tree_lp_calls=tree.lp_calls, tree_finished=tree.finished,
                tree_bound=tree_bound)
    tol = mip_gap * max(1.0, abs(UB))
    if tree.finished or UB - tree_bound <= tol:
        X = _alloc_matrix(Xs, sites, n, m)
        return _result_from_alloc(ci, d, f, sites, X, tree_bound, time.perf_counter() - t0, "lagrangian+tree",
                                  mip_gap, info)
    state, worst = _site_fixing(C, d, cap, f, u, kn, UB, tol)
    keep = np.nonzero(state != 0)[0]
    info.update(sites_fixed=int((state != -1).sum() - fm.sum()), reduced_sites=int(keep.size))
    sub_open = state[keep] == 1
    model, start = _reduced_model(C, d, cap, f, keep, sub_open, sites, Xs)
    remaining = deadline - time.perf_counter() - 0.05  # decoding the MIP solution takes a moment too
    if model.A.nnz > 0.5 * _HIGHS_SETUP_NNZ_PER_S * remaining:
        # too little time left for HiGHS to set the reduced model up and search: the tree's answer stands
        X = _alloc_matrix(Xs, sites, n, m)
        info["mip_status"] = "skipped"
        return _result_from_alloc(ci, d, f, sites, X, tree_bound, time.perf_counter() - t0, "lagrangian+tree",
                                  mip_gap, info)
    # with the Lagrangian incumbent as start, HiGHS's primal heuristics only cost time
    sol = solve(model, time_limit=max(0.05, remaining), mip_gap=mip_gap * 0.5, start=start, verbose=verbose,
                options={"mip_heuristic_effort": 0.0} if start is not None else None)
    bound = min(sol.bound, worst) if np.isfinite(sol.bound) else LB
    bound = max(bound, tree_bound)  # both are valid lower bounds
    if sol.x is not None and sol.objective < UB:
        ks = keep.size
        ysub = sol.x[:ks] > 0.5
        xv = np.clip(sol.x[ks:], 0.0, 1.0)
        xv[xv < 1e-9] = 0.0
        Xsub = np.zeros((n, ks))
        Xsub[model.meta["x_row"], model.meta["x_site"]] = xv
        used = ysub & ((Xsub.sum(axis=0) > 0) | sub_open)
        sites, Xs = keep[used], Xsub[:, used]
    X = _alloc_matrix(Xs, sites, n, m)
    info["mip_status"] = sol.solver_status
    return _result_from_alloc(ci, d, f, sites, X, bound, time.perf_counter() - t0, "lagrangian+exact", mip_gap, info)


#: Share of the time left after the root subgradient that the local search may take at most.
_LOCAL_SEARCH_SHARE = 0.5
#: Share of the time left after the root that the branch-and-bound gets before the reduced MIP takes over.
_TREE_SHARE = 0.75
#: Step target of the node subgradient: the incumbent plus this share of it (a target at the pruning
#: threshold itself makes node bounds creep towards it without reaching it).
_TREE_TARGET_SLACK = 0.02


def _run_tree(C, d, cap, f, fm, u, kn, UB, sites, Xs, LB, deadline, tol):
    """Lagrangian branch-and-bound (:func:`yingji.siting._cap_bnb.cflp_tree`) from the root multipliers
    ``u``, with each open set priced by the transportation LP."""
    from yingji.siting._cap_bnb import cflp_tree

    n, m = C.shape
    D = float(d.sum())
    fmi = np.nonzero(fm)[0]

    def price(mask):
        mask = _repair(mask | fm, f, cap, D)
        S = np.nonzero(mask)[0]
        tc, X = _transport(C, d, cap, S, max(0.05, deadline - time.perf_counter()))
        if X is None:
            return np.inf, None, None
        used = (X.sum(axis=0) > 1e-12) | np.isin(S, fmi)
        return tc + float(f[S[used]].sum()), S[used], X[:, used]

    Cf = np.ascontiguousarray(np.where(np.isfinite(C), C, 1e3 * (np.nanmax(np.where(np.isfinite(C), C, 0)) + 1)
                                       + f.sum()))
    a, b, state = kn
    return cflp_tree(Cf, d, cap, f, state, a, b, u, UB, np.asarray(sites), Xs, price, deadline, 0.5 * tol,
                     slack=max(tol, _TREE_TARGET_SLACK * abs(UB)))


def _local_search(C, d, cap, f, fm, sites, Xs, UB, cand, deadline):
    """Add / drop / swap moves over the candidate sites ``cand``, each open set priced by a
    transportation LP (first improvement, best move order: add, drop, swap)."""
    D = float(d.sum())
    capx = np.where(np.isfinite(cap), cap, D + 1.0)
    cur = set(int(j) for j in sites)
    seen = {frozenset(cur)}

    def price(S):
        S = np.array(sorted(S))
        if capx[S].sum() < D:
            return np.inf, None, None
        tc, X = _transport(C, d, cap, S, max(0.05, deadline - time.perf_counter()))
        if X is None:
            return np.inf, None, None
        used = (X.sum(axis=0) > 1e-12) | fm[S]
        return tc + float(f[S[used]].sum()), S[used], X[:, used]

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        outside = [int(j) for j in cand if int(j) not in cur]  # cand comes most promising first
        inside = [j for j in sorted(cur) if not fm[j]]
        moves = [cur | {j} for j in outside] + [cur - {j} for j in inside] + [
            (cur - {j}) | {k} for j in inside for k in outside]
        for S in moves:
            key = frozenset(S)
            if key in seen or not S:
                continue
            seen.add(key)
            if time.perf_counter() > deadline:
                break
            val, S2, X2 = price(S)
            if val < UB - 1e-9 * abs(UB):
                UB, sites, Xs = val, S2, X2
                cur = set(int(j) for j in S2)
                improved = True
                break
    return UB, np.asarray(sites), Xs



def _alloc_matrix(Xs, sites, n, m):
    Xs = np.where(Xs < 1e-9, 0.0, Xs)
    rs = Xs.sum(axis=1, keepdims=True)
    Xs = Xs / np.where(rs > 0, rs, 1.0)
    r, k = np.nonzero(Xs)
    return sp.csr_matrix((Xs[r, k], (r, np.asarray(sites)[k])), shape=(n, m))


def _result_from_alloc(ci, d, f, sites, X, bound, seconds, method, mip_gap, info):
    C = ci.C
    n, m = C.shape
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    Xc = X.tocoo()
    contrib = Xc.data * C[Xc.row, Xc.col]
    alloc_cost = float(contrib.sum())
    fixed_total = float(f[sites].sum())
    obj = fixed_total + alloc_cost
    row_cost = np.bincount(Xc.row, weights=contrib, minlength=n)
    load = np.asarray((sp.diags(d) @ X).sum(axis=0)).ravel()
    a = np.asarray(X.argmax(axis=1)).ravel()
    return make_result(
        "capacitated_location", sites=sites, objective=obj, bound=min(bound, obj) if obj - bound < 0
        and obj - bound > -1e-7 * max(1.0, obj) else bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method, stopped="time_limit", mip_gap=mip_gap, row_cost=row_cost,
        mean_cost=float(row_cost @ d / d.sum()) if d.sum() > 0 else None, allocation=X,
        extras={"fixed_cost": fixed_total, "allocation_cost": alloc_cost,
                "load": {int(j): float(load[j]) for j in sites}, "single_source": False, **info},
    )
