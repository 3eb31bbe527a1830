"""Independent reference formulations of the coverage models, for tests.

Built differently from ``yingji.siting.coverage``: brute-force enumeration of site subsets
(small instances) and a plain per-variable PuLP model (no reductions, no aggregation, no
heuristics, dense loops).
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp


def cover_matrix(cost, radius):
    return np.asarray(cost, dtype=float) <= radius + 1e-9


def brute_lscp(A, site_cost=None, fixed=()):
    """Cheapest set of columns covering every row (exhaustive); None when impossible."""
    A = np.asarray(A, dtype=bool)
    n, m = A.shape
    c = np.ones(m) if site_cost is None else np.asarray(site_cost, float)
    fixed = set(int(f) for f in fixed)
    free = [j for j in range(m) if j not in fixed]
    best = None
    for k in range(len(free) + 1):
        for S in itertools.combinations(free, k):
            sites = sorted(fixed | set(S))
            if A[:, sites].any(axis=1).all() if sites else n == 0:
                v = float(c[sites].sum())
                if best is None or v < best:
                    best = v
    return best


def brute_mclp(A, w, p, fixed=()):
    """Largest covered weight with exactly p columns (fixed included)."""
    A = np.asarray(A, dtype=bool)
    w = np.asarray(w, float)
    m = A.shape[1]
    fixed = sorted(set(int(f) for f in fixed))
    free = [j for j in range(m) if j not in fixed]
    best = -1.0
    for S in itertools.combinations(free, p - len(fixed)):
        sites = fixed + list(S)
        v = float(w[A[:, sites].any(axis=1)].sum()) if sites else 0.0
        best = max(best, v)
    return best


def covered_weight_of(A, w, mask):
    """Weight of the rows an open-site mask covers (A: dense bool rows x sites)."""
    return float(w[A[:, mask].any(axis=1)].sum())


def brute_mclp_free(A, w, p_free, fixed_mask):
    """Largest covered weight with the ``fixed_mask`` sites open and ``p_free`` more (fewer
    when fewer are left): the form the max-cover kernels take their budget in."""
    m = A.shape[1]
    free = [j for j in range(m) if not fixed_mask[j]]
    best = -1.0
    for S in itertools.combinations(free, min(p_free, len(free))):
        mask = fixed_mask.copy()
        mask[list(S)] = True
        best = max(best, covered_weight_of(A, w, mask))
    return best


def milp_set_cover(A, c):
    """The independent set-cover oracle: scipy's HiGHS (``scipy.optimize.milp``) on the plain
    model of the whole 0/1 matrix; the optimal cost rounded to 6 decimals."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    A = np.asarray(A, dtype=float)
    c = np.asarray(c, dtype=float)
    res = milp(c, constraints=LinearConstraint(A, lb=1, ub=np.inf), integrality=np.ones(c.size),
               bounds=Bounds(0, 1))
    assert res.status == 0
    return float(np.round(res.fun, 6))


def brute_backup(A, w, p, fixed=(), tradeoff=None, B=None):
    """Backup coverage by enumeration: lexicographic (first, then twice) or weighted."""
    A = np.asarray(A, dtype=bool).astype(int)
    w = np.asarray(w, float)
    m = A.shape[1]
    fixed = sorted(set(int(f) for f in fixed))
    free = [j for j in range(m) if j not in fixed]
    best = None
    for S in itertools.combinations(free, p - len(fixed)):
        sites = fixed + list(S)
        if B is not None and not np.asarray(B)[:, sites].any(axis=1).all():
            continue
        cnt = A[:, sites].sum(axis=1)
        first = float(w[cnt >= 1].sum())
        twice = float(w[cnt >= 2].sum())
        key = (first, twice) if tradeoff is None else (tradeoff * first + (1 - tradeoff) * twice,)
        if best is None or key > best:
            best = key
    return best


def pulp_mclp(A, w, p, fixed=(), solver=None):
    """MCLP written the textbook way, one PuLP variable and constraint at a time."""
    import pulp

    A = np.asarray(A, dtype=bool)
    n, m = A.shape
    prob = pulp.LpProblem("naive_mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(m)]
    y = [pulp.LpVariable(f"y{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(float(w[i]) * y[i] for i in range(n))
    for i in range(n):
        prob += y[i] <= pulp.lpSum(x[j] for j in range(m) if A[i, j])
    prob += pulp.lpSum(x) == p
    for f in fixed:
        prob += x[int(f)] == 1
    prob.solve(solver or pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(prob.objective) or 0.0)


def pulp_lscp(A, site_cost=None, fixed=(), solver=None):
    import pulp

    A = np.asarray(A, dtype=bool)
    n, m = A.shape
    c = np.ones(m) if site_cost is None else np.asarray(site_cost, float)
    prob = pulp.LpProblem("naive_lscp", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(m)]
    prob += pulp.lpSum(float(c[j]) * x[j] for j in range(m))
    for i in range(n):
        prob += pulp.lpSum(x[j] for j in range(m) if A[i, j]) >= 1
    for f in fixed:
        prob += x[int(f)] == 1
    prob.solve(solver or pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(prob.objective))


def cover_arrays(A):
    """The 0/1 matrix ``A`` as the kernels take it: ``(a_ptr, a_rows, ar_ptr, ar_cols)``, CSC
    then CSR, sorted, int64."""
    A = sp.csr_matrix(np.asarray(A, dtype=np.int64))
    c = sp.csc_matrix(A)
    c.sort_indices()
    A.sort_indices()
    return (c.indptr.astype(np.int64), c.indices.astype(np.int64), A.indptr.astype(np.int64),
            A.indices.astype(np.int64))
