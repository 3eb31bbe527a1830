"""Slow, obvious reference implementations for yingji.fire (kernels and figures)."""

from __future__ import annotations

import math

import numpy as np


def nearest_station(T):
    n, m = T.shape
    st = np.full(n, -1, dtype=np.int64)
    tm = np.full(n, np.inf)
    for i in range(n):
        for j in range(m):
            if T[i, j] < tm[i]:
                tm[i] = T[i, j]
                st[i] = j
    return st, tm


def district_totals(station, minutes, area, pop, in_scope, m):
    a = [0.0] * m
    p = [0.0] * m
    e = [math.nan] * m
    c = [0] * m
    for i, j in enumerate(station):
        if j < 0 or not in_scope[i]:
            continue
        a[j] += area[i]
        p[j] += pop[i]
        e[j] = minutes[i] if c[j] == 0 else max(e[j], minutes[i])
        c[j] += 1
    return np.array(a), np.array(p), np.array(e), np.array(c, dtype=np.int64)


def kth_arrival(T, units, k):
    n, m = T.shape
    out = np.full(n, np.inf)
    for i in range(n):
        if k <= 0:
            out[i] = 0.0
            continue
        arrivals = []
        for j in range(m):
            if np.isfinite(T[i, j]):
                arrivals += [T[i, j]] * int(units[j])
        arrivals.sort()
        if len(arrivals) >= k:
            out[i] = arrivals[k - 1]
    return out


def coverage_share(T, pop, in_scope, budget, tol=1e-9):
    """Population share of in-scope points whose fastest station is within the budget."""
    tot = cov = 0.0
    for i in range(T.shape[0]):
        if not in_scope[i]:
            continue
        tot += pop[i]
        if T.shape[1] and min(T[i]) <= budget + tol:
            cov += pop[i]
    return cov / tot if tot else math.nan


def district_areas(T, area, in_scope):
    """Dict station column -> summed area over in-scope points it reaches first (ties: lowest column)."""
    out = {}
    for i in range(T.shape[0]):
        if not in_scope[i] or not np.isfinite(T[i]).any():
            continue
        j = int(np.argmin(T[i]))
        out[j] = out.get(j, 0.0) + area[i]
    return out
