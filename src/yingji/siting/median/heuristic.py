"""p-median heuristics: greedy + fast interchange (Whitaker 1983), the caller's start, and variable
neighbourhood search (Hansen and Mladenovic 1997), also on the sites reduced-cost fixing left.

Every helper here takes the moment it must stop (``until``, a ``time.perf_counter()`` value) or a
budget in seconds, and runs its kernel in chunks sized from the time one unit of work was measured
to take, so that the caller's ``time_limit`` holds at any size (a full interchange pass on a
14,000 x 14,000 matrix takes seconds)."""

from __future__ import annotations

import time

import numpy as np

from yingji.exceptions import SolverError

#: First guess of the seconds one interchange evaluation (one candidate, ``O(n)``) takes per row;
#: replaced by the measured time after the first chunk.
_EVAL_S_PER_ROW = 3e-9


def _greedy(Cp, w, fixed_mask, allowed, p, until):
    """Greedy (add) heuristic in chunks of steps until ``until``; when the time runs out first,
    the sites still missing are the allowed closed ones evenly spread over the column order (a
    feasible p-set that interchange then improves). Returns the open sites (int64, ``p``)."""
    from yingji._kernels.median import _greedy_init, _greedy_steps

    n, m = Cp.shape
    out = np.empty(p, dtype=np.int64)
    is_open = np.zeros(m, dtype=np.bool_)
    d = np.empty(n, dtype=np.float64)
    k = _greedy_init(Cp, fixed_mask, is_open, d, out)
    per = None
    while k < p:
        left = until - time.perf_counter()
        step = 1 if per is None else int(min(p - k, 8, left / per))  # re-measured every 8 steps
        if step <= 0:
            break
        tc = time.perf_counter()
        k2 = _greedy_steps(Cp, w, allowed, is_open, d, out, k, k + step)
        per = max(per or 0.0, (time.perf_counter() - tc) / max(1, k2 - k))
        if k2 < k + step:  # pragma: no cover - p <= allowed count is checked by the caller
            raise SolverError("greedy could not open p sites", status="heuristic")
        k = k2
    if k < p:
        rest = np.nonzero(allowed & ~is_open)[0]
        pick = rest[np.linspace(0, rest.size - 1, p - k).round().astype(np.int64)]
        out[k:] = np.unique(pick) if np.unique(pick).size == p - k else rest[: p - k]
    return out


def _interchange(Cp, w, fixed_mask, allowed, o, tol, until):
    """Fast interchange on ``o`` (in place) until a local optimum or ``until``. Returns the value."""
    from yingji._kernels.median import _interchange_budget

    n, m = Cp.shape
    state = np.zeros(3, dtype=np.int64)
    per = _EVAL_S_PER_ROW * n
    first = True
    while True:
        left = until - time.perf_counter()
        cap = max(1, m // 4) if first else max(m, 8 * o.size)
        ev = int(max(1, min(cap, left / per)))
        tc = time.perf_counter()
        v = _interchange_budget(Cp, w, fixed_mask, allowed, o, tol, ev, state)
        if state[2] > 0:
            per = (time.perf_counter() - tc) / state[2]
        first = False
        if state[1] >= m or time.perf_counter() >= until:
            return v


def _median_heuristic(Cp, w, fixed_mask, allowed, p, seed, budget_s, tol, until=None):
    """Greedy + interchange + VNS within ``budget_s`` seconds (greedy and interchange stop at
    ``until`` when given). Returns (open sites, value)."""
    t0 = time.perf_counter()
    until = np.inf if until is None else until
    o = _greedy(Cp, w, fixed_mask, allowed, p, until)
    val = _interchange(Cp, w, fixed_mask, allowed, o, tol, until)
    n_free = int(allowed.sum()) - p
    if n_free <= 0 or fixed_mask.sum() >= p:
        return o, val
    # VNS in chunks until the budget is spent or five chunks bring nothing
    budget = min(budget_s - (time.perf_counter() - t0), until - time.perf_counter())
    return _reduced_vns(Cp, w, fixed_mask, allowed, o, val, seed, budget, tol, -np.inf, max_stale=5)


def _start_sites(Cp, w, fixed_mask, allowed, p, st, sites, ub, tol, extras, until=np.inf):
    """Complete the caller's ``st`` to ``p`` sites (greedy, ``st`` kept open), improve it by
    interchange (only the truly fixed sites kept) and return the better of it and ``(sites, ub)``."""
    keep = fixed_mask.copy()
    keep[st] = True
    o = _greedy(Cp, w, keep, allowed, p, until) if st.size < p else np.ascontiguousarray(st, dtype=np.int64)
    v = _interchange(Cp, w, fixed_mask, allowed, o, tol, until)
    extras["start_objective"] = float(v)
    return (np.sort(o), v) if v < ub - tol else (sites, ub)


def _reduced_vns(Cp, w, fmask, amask, sites, ub, seed, budget_s, tol, stop, max_stale=3, max_iter=None):
    """VNS (in chunks) over the sites ``fmask | amask``, ``fmask`` never closed (after reduced-cost
    fixing: the sites left), until ``max_stale`` chunks bring nothing, ``max_iter`` iterations
    ran, ``budget_s`` is spent or ``ub`` reaches ``stop``. Each chunk is also held to the
    interchange evaluations that fit in the time left. Returns (sites, value)."""
    from yingji._kernels.median import _vns_budget

    t0 = time.perf_counter()
    o = np.ascontiguousarray(np.sort(np.asarray(sites, dtype=np.int64)))
    live = fmask | amask
    n_free = int(live.sum()) - o.size
    if n_free <= 0:
        return sites, ub
    k_max = int(min(10, o.size, n_free))
    chunk, stale, rs = 8, 0, int(seed)
    per_ev = _EVAL_S_PER_ROW * Cp.shape[0]
    used = np.zeros(1, dtype=np.int64)
    done_it = 0
    while stale < max_stale and ub > stop + tol and time.perf_counter() - t0 < budget_s:
        if max_iter is not None:
            if done_it >= max_iter:
                break
            chunk = min(chunk, max_iter - done_it)
        rs += 1
        left = budget_s - (time.perf_counter() - t0)
        done_it += chunk
        tc = time.perf_counter()
        v = _vns_budget(Cp, w, fmask, live, o, chunk, k_max, rs, tol, int(max(1, left / per_ev)), used)
        if used[0] > 0:
            per_ev = (time.perf_counter() - tc) / used[0]
        if v < ub - tol:
            ub, sites, stale = v, np.sort(o), 0
        else:
            stale += 1
        chunk = min(2 * chunk, 64)
    return sites, ub
