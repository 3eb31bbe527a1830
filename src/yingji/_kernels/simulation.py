"""Numba kernels of the discrete-event response simulation (``yingji.simulation``).

Only ``@njit`` functions live here: contiguous float64 / int64 / bool arrays and scalars
in, arrays out; no pandas, no ``None``, no I/O (STYLE.md, Numba isolation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_simulate_nearest", "_preference_order", "_simulate_pool", "_combine_pools"]


@njit(**NJIT_KW)
def _preference_order(travel):
    """Numba JIT-compiled dispatch preference lists: units sorted by travel time per point.

    Parameters
    ----------
    travel : ndarray of float64, shape (n_points, n_units)
        Minutes from each unit's home station to each demand point; ``inf`` = unreachable.

    Returns
    -------
    pref : ndarray of int64, shape (n_points, n_units)
        Unit positions in increasing travel time (ties by unit position); unreachable units
        are left out and the row is padded with -1.
    npref : ndarray of int64, shape (n_points,)
        Number of reachable units per point.
    """
    n, m = travel.shape
    pref = np.full((n, m), -1, dtype=np.int64)
    npref = np.zeros(n, dtype=np.int64)
    for j in range(n):
        order = np.argsort(travel[j], kind="mergesort")
        c = 0
        for q in range(m):
            u = order[q]
            if travel[j, u] < np.inf:
                pref[j, c] = u
                c += 1
        npref[j] = c
    return pref, npref


@njit(**NJIT_KW)
def _simulate_nearest(
    arrival, point, on_scene, pref, npref, travel, turnout, travel_in_service, warmup, horizon, k_units
):
    """Numba JIT-compiled event loop: nearest-available dispatch with a first-come queue.

    Calls are processed in time order. A call needing ``k_units`` units takes the free units
    first in its point's preference list; for each unit still missing it takes the reachable
    unit that frees first (the call waits, first come, first served). A free unit waits at its
    home station. Because calls are taken in arrival order and each waiting call takes the
    earliest releases, this is the same schedule an event-list simulation with arrival and
    release events produces, without a heap. One pool of units; the event loop itself is
    :func:`_simulate_pool` (this function allocates the outputs around it).

    Parameters
    ----------
    arrival : ndarray of float64, shape (N,)
        Call times in minutes, non-decreasing.
    point : ndarray of int64, shape (N,)
        Demand point of each call.
    on_scene : ndarray of float64, shape (N,)
        Minutes each call keeps its units on scene.
    pref, npref : ndarray of int64
        Preference lists from :func:`_preference_order`.
    travel : ndarray of float64, shape (n_points, n_units)
        Minutes from each unit's station to each point.
    turnout : float
        Minutes from dispatch to leaving the station.
    travel_in_service : bool
        When True a unit is busy for turnout + travel + on-scene + travel back; when False
        only for the on-scene time (the hypercube / M/M/c convention).
    warmup, horizon : float
        Busy time is counted inside ``[warmup, horizon]`` minutes.
    k_units : int
        Units sent to each call (fewer when fewer can reach the point).

    Returns
    -------
    response : ndarray of float64, shape (N,)
        Minutes from call to the first unit on scene (wait + turnout + travel); ``inf`` if no
        unit can reach the point.
    full_response : ndarray of float64, shape (N,)
        Minutes from call to the last of its units on scene.
    unit : ndarray of int64, shape (N,)
        First unit on scene (-1 when none can reach the point).
    wait : ndarray of float64, shape (N,)
        Minutes the call waited before its first unit was dispatched.
    first_due_busy : ndarray of bool, shape (N,)
        Whether the first unit arrived later than a first-due unit (one with the point's
        shortest travel time, e.g. any engine of the nearest station) would have: every
        first-due unit was busy.
    busy_minutes : ndarray of float64, shape (n_units,)
        Busy minutes of each unit inside ``[warmup, horizon]``.
    """
    N = arrival.shape[0]
    n_pts, m = travel.shape
    need = np.full(N, k_units, dtype=np.int64)
    glob = np.arange(m, dtype=np.int64)
    chosen = np.empty(max(k_units, 1), dtype=np.int64)
    free_at = np.zeros(m, dtype=np.float64)
    busy_minutes = np.zeros(m, dtype=np.float64)
    response = np.empty(N, dtype=np.float64)
    full_response = np.empty(N, dtype=np.float64)
    unit = np.empty(N, dtype=np.int64)
    wait = np.empty(N, dtype=np.float64)
    _simulate_pool(arrival, point, on_scene, need, pref, npref, travel, glob, turnout, travel_in_service,
                   warmup, horizon, chosen, free_at, response, full_response, unit, wait, busy_minutes)
    first_due_busy = np.zeros(N, dtype=np.bool_)
    for i in range(N):
        j = point[i]
        if npref[j] > 0:
            first_due_busy[i] = response[i] > turnout + travel[j, pref[j, 0]]
    return response, full_response, unit, wait, first_due_busy, busy_minutes


@njit(**NJIT_KW)
def _simulate_pool(
    arrival, point, on_scene, need, pref, npref, travel, glob, turnout, travel_in_service, warmup, horizon,
    chosen, free_at, first, last, unit, wait, busy_minutes
):
    """Numba JIT-compiled event loop of one pool of interchangeable units; allocation-free.

    Same rule as :func:`_simulate_nearest` (the free units nearest first, then for each unit
    still missing the reachable unit that frees first, first come first served), with the
    number of units wanted given per call, so one pool (one unit type) can serve its share of
    a stream of calls that need several types. Every array is supplied by the caller and
    written in place; nothing is allocated.

    Parameters
    ----------
    arrival, point, on_scene : ndarray
        Calls as in :func:`_simulate_nearest`.
    need : ndarray of int64, shape (N,)
        Units of this pool each call needs (0: the call does not use this pool).
    pref, npref : ndarray of int64
        Preference lists of this pool's units (:func:`_preference_order` of ``travel``).
    travel : ndarray of float64, shape (n_points, n_pool_units)
        Minutes from each pool unit's station to each point.
    glob : ndarray of int64, shape (n_pool_units,)
        Global position of each pool unit (written to ``unit``).
    turnout, travel_in_service, warmup, horizon
        As in :func:`_simulate_nearest`.
    chosen : ndarray of int64, shape (>= max(need),)
        Scratch space.
    free_at : ndarray of float64, shape (n_pool_units,)
        Minute each unit becomes free; zeros at the start, updated in place.
    first, last : ndarray of float64, shape (N,)
        Out: minutes from call to the first and to the last of this pool's units on scene
        (``inf`` and ``-inf`` for a call that does not use the pool; both ``inf`` when it needs
        the pool but no unit of it can reach the point).
    unit : ndarray of int64, shape (N,)
        Out: global position of this pool's first unit on scene (-1 when none).
    wait : ndarray of float64, shape (N,)
        Out: minutes before this pool's first unit was dispatched (``inf`` when not used,
        0 when unreachable).
    busy_minutes : ndarray of float64, shape (n_pool_units,)
        Busy minutes inside ``[warmup, horizon]``, added to in place.
    """
    N = arrival.shape[0]
    for i in range(N):
        t = arrival[i]
        j = point[i]
        k = npref[j]
        if need[i] <= 0:
            first[i] = np.inf
            last[i] = -np.inf
            unit[i] = -1
            wait[i] = np.inf
            continue
        if k == 0:
            first[i] = np.inf
            last[i] = np.inf
            unit[i] = -1
            wait[i] = 0.0
            continue
        nd = need[i] if need[i] < k else k
        c = 0
        for q in range(k):  # free units, nearest first
            u = pref[j, q]
            if free_at[u] <= t:
                chosen[c] = u
                c += 1
                if c == nd:
                    break
        while c < nd:  # the rest: the reachable units that free first, not yet taken
            best = np.inf
            pick = -1
            for q in range(k):
                u = pref[j, q]
                taken = False
                for r in range(c):
                    if chosen[r] == u:
                        taken = True
                        break
                if not taken and free_at[u] < best:
                    best = free_at[u]
                    pick = u
            chosen[c] = pick
            c += 1
        fa = np.inf
        la = -np.inf
        first_unit = -1
        min_wait = np.inf
        for r in range(nd):
            u = chosen[r]
            start = free_at[u] if free_at[u] > t else t
            tt = travel[j, u]
            arr = (start - t) + turnout + tt
            if arr < fa:
                fa = arr
                first_unit = u
            if arr > la:
                la = arr
            if start - t < min_wait:
                min_wait = start - t
            if travel_in_service:
                busy = turnout + tt + on_scene[i] + tt
            else:
                busy = on_scene[i]
            end = start + busy
            free_at[u] = end
            lo = start if start > warmup else warmup
            hi = end if end < horizon else horizon
            if hi > lo:
                busy_minutes[u] += hi - lo
        first[i] = fa
        last[i] = la
        unit[i] = glob[first_unit]
        wait[i] = min_wait


@njit(**NJIT_KW)
def _combine_pools(point, first_t, last_t, unit_t, wait_t, best_t, response, full_response, unit, wait,
                   first_due_busy):
    """Numba JIT-compiled merge of per-type pools into per-call figures; allocation-free.

    Parameters
    ----------
    point : ndarray of int64, shape (N,)
        Demand point of each call.
    first_t, last_t, wait_t : ndarray of float64, shape (n_types, N)
        Per pool, from :func:`_simulate_pool`.
    unit_t : ndarray of int64, shape (n_types, N)
        Per pool, global position of its first unit on scene.
    best_t : ndarray of float64, shape (n_types, n_points)
        Turnout + the shortest travel of each type to each point (``inf``: none reaches).
    response, full_response, wait : ndarray of float64, shape (N,)
        Out: first arrival over the types the call needs (the response), last arrival (the
        full complement on scene), shortest wait.
    unit : ndarray of int64, shape (N,)
        Out: the first unit on scene.
    first_due_busy : ndarray of bool, shape (N,)
        Out: the first arrival is later than the first-due unit of a needed type would have
        arrived with every unit free.
    """
    n_types, N = first_t.shape
    for i in range(N):
        f = np.inf
        la = -np.inf
        w = np.inf
        u = -1
        b = np.inf
        j = point[i]
        for k in range(n_types):
            if last_t[k, i] == -np.inf:  # the call does not need this type
                continue
            if first_t[k, i] < f or u == -1 and unit_t[k, i] >= 0 and first_t[k, i] <= f:
                f = first_t[k, i]
                u = unit_t[k, i]
            if last_t[k, i] > la:
                la = last_t[k, i]
            if wait_t[k, i] < w:
                w = wait_t[k, i]
            if best_t[k, j] < b:
                b = best_t[k, j]
        response[i] = f
        full_response[i] = la
        unit[i] = u
        wait[i] = w
        first_due_busy[i] = f > b
