"""p-median heuristics: greedy + fast interchange (Whitaker 1983), the caller's start, and variable
neighbourhood search (Hansen and Mladenovic 1997), also on the sites reduced-cost fixing left."""

from __future__ import annotations

import time

import numpy as np

from yingji.exceptions import SolverError


def _median_heuristic(Cp, w, fixed_mask, allowed, p, seed, budget_s, tol):
    """Greedy + interchange + VNS within ``budget_s`` seconds. Returns (open sites, value)."""
    from yingji._kernels.median import _greedy_median, _interchange_median

    t0 = time.perf_counter()
    o = _greedy_median(Cp, w, fixed_mask, allowed, p)
    if len(o) < p:  # pragma: no cover - p <= allowed count is checked by the caller
        raise SolverError("greedy could not open p sites", status="heuristic")
    val = _interchange_median(Cp, w, fixed_mask, allowed, o, tol)
    n_free = int(allowed.sum()) - p
    if n_free <= 0 or fixed_mask.sum() >= p:
        return o, val
    # VNS in chunks until the budget is spent or five chunks bring nothing
    return _reduced_vns(Cp, w, fixed_mask, allowed, o, val, seed, budget_s - (time.perf_counter() - t0), tol,
                        -np.inf, max_stale=5)


def _start_sites(Cp, w, fixed_mask, allowed, p, st, sites, ub, tol, extras):
    """Complete the caller's ``st`` to ``p`` sites (greedy, ``st`` kept open), improve it by
    interchange (only the truly fixed sites kept) and return the better of it and ``(sites, ub)``."""
    from yingji._kernels.median import _greedy_median, _interchange_median

    keep = fixed_mask.copy()
    keep[st] = True
    o = _greedy_median(Cp, w, keep, allowed, p) if st.size < p else np.ascontiguousarray(st, dtype=np.int64)
    v = _interchange_median(Cp, w, fixed_mask, allowed, o, tol)
    extras["start_objective"] = float(v)
    return (np.sort(o), v) if v < ub - tol else (sites, ub)


def _reduced_vns(Cp, w, fmask, amask, sites, ub, seed, budget_s, tol, stop, max_stale=3, max_iter=None):
    """VNS (in chunks) over the sites ``fmask | amask``, ``fmask`` never closed (after reduced-cost
    fixing: the sites left), until ``max_stale`` chunks bring nothing, ``max_iter`` iterations
    ran, ``budget_s`` is spent or ``ub`` reaches ``stop``. Returns (sites, value)."""
    from yingji._kernels.median import _vns_median

    t0 = time.perf_counter()
    o = np.ascontiguousarray(np.sort(np.asarray(sites, dtype=np.int64)))
    live = fmask | amask
    n_free = int(live.sum()) - o.size
    if n_free <= 0:
        return sites, ub
    k_max = int(min(10, o.size, n_free))
    chunk, stale, rs = 8, 0, int(seed)
    per_it = 0.0
    done_it = 0
    while stale < max_stale and ub > stop + tol and time.perf_counter() - t0 < budget_s:
        if max_iter is not None:
            if done_it >= max_iter:
                break
            chunk = min(chunk, max_iter - done_it)
        rs += 1
        left = budget_s - (time.perf_counter() - t0)
        if per_it > 0:
            chunk = int(max(1, min(chunk, left / per_it)))
        done_it += chunk
        tc = time.perf_counter()
        v = _vns_median(Cp, w, fmask, live, o, chunk, k_max, rs, tol)
        per_it = max(per_it, (time.perf_counter() - tc) / chunk)
        if v < ub - tol:
            ub, sites, stale = v, np.sort(o), 0
        else:
            stale += 1
        chunk = min(2 * chunk, 64)
    return sites, ub
