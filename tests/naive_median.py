"""Slow, obviously-correct reference implementations for the median family (tests only)."""

from __future__ import annotations

from itertools import combinations

import numpy as np


def median_objective(C, w, sites):
    d = np.asarray(C)[:, list(sites)].min(axis=1)
    return float(np.sum(np.where(np.asarray(w) > 0, np.asarray(w) * d, 0.0)))


def center_objective(C, w, sites):
    d = np.asarray(C)[:, list(sites)].min(axis=1)
    return float(np.max(np.where(np.asarray(w) > 0, np.asarray(w) * d, 0.0)))


def _subsets(m, p, fixed):
    fixed = sorted(set(int(f) for f in (fixed or [])))
    free = [j for j in range(m) if j not in fixed]
    for comb in combinations(free, p - len(fixed)):
        yield tuple(sorted(fixed + list(comb)))


def brute_p_median(C, p, w=None, fixed=None):
    """Optimum of the p-median over every p-subset containing ``fixed``: (value, sites)."""
    C = np.asarray(C, dtype=float)
    w = np.ones(C.shape[0]) if w is None else np.asarray(w, dtype=float)
    best = (np.inf, None)
    for s in _subsets(C.shape[1], p, fixed):
        v = median_objective(C, w, s)
        if v < best[0]:
            best = (v, s)
    return best


def brute_p_center(C, p, w=None, fixed=None):
    C = np.asarray(C, dtype=float)
    w = np.ones(C.shape[0]) if w is None else np.asarray(w, dtype=float)
    best = (np.inf, None)
    for s in _subsets(C.shape[1], p, fixed):
        v = center_objective(C, w, s)
        if v < best[0]:
            best = (v, s)
    return best


def greedy_p_median(C, w, p, fixed=()):
    """Plain-numpy greedy add (same tie rule as the kernel: first best)."""
    C = np.asarray(C, dtype=float)
    n, m = C.shape
    d = 2.0 * C.max(axis=1) + 1.0
    out = []
    for j in fixed:
        out.append(int(j))
        d = np.minimum(d, C[:, j])
    while len(out) < p:
        gain = (w[:, None] * np.maximum(d[:, None] - C, 0.0)).sum(axis=0)
        gain[out] = -1.0
        j = int(np.argmax(gain))
        out.append(j)
        d = np.minimum(d, C[:, j])
    return out


def is_swap_optimal(C, w, sites, fixed=(), tol=1e-9):
    """No single swap (closing a non-fixed open site, opening a closed one) improves the cost."""
    C = np.asarray(C, dtype=float)
    base = median_objective(C, w, sites)
    sites = list(sites)
    for g in sites:
        if g in fixed:
            continue
        for f in range(C.shape[1]):
            if f in sites:
                continue
            s2 = [f if x == g else x for x in sites]
            if median_objective(C, w, s2) < base - tol:
                return False
    return True


def pulp_facility_location(C, d, cap, f, single_source=False, fixed=()):
    """Classic capacitated / uncapacitated facility location through PuLP + CBC: optimum value."""
    import pulp

    C = np.asarray(C, dtype=float)
    n, m = C.shape
    prob = pulp.LpProblem("cflp", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
    cat = "Binary" if single_source else "Continuous"
    x = [[pulp.LpVariable(f"x{i}_{j}", 0, 1, cat=cat) for j in range(m)] for i in range(n)]
    prob += pulp.lpSum(f[j] * y[j] for j in range(m)) + pulp.lpSum(C[i, j] * x[i][j] for i in range(n) for j in range(m))
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
        for j in range(m):
            prob += x[i][j] <= y[j]
    if cap is not None:
        for j in range(m):
            prob += pulp.lpSum(d[i] * x[i][j] for i in range(n)) <= cap[j] * y[j]
    for j in fixed:
        prob += y[j] == 1
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[prob.status] != "Optimal":
        return None
    return float(pulp.value(prob.objective))
