"""Numba kernels of the discrete-event response simulation (``yingji.simulation``).

Only ``@njit`` functions live here: contiguous float64 / int64 / bool arrays and scalars
in, arrays out; no pandas, no ``None``, no I/O (STYLE.md, Numba isolation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_simulate_nearest", "_preference_order"]


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
    release events produces, without a heap.

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
    m = travel.shape[1]
    free_at = np.zeros(m, dtype=np.float64)
    busy_minutes = np.zeros(m, dtype=np.float64)
    response = np.empty(N, dtype=np.float64)
    full_response = np.empty(N, dtype=np.float64)
    unit = np.empty(N, dtype=np.int64)
    wait = np.zeros(N, dtype=np.float64)
    first_due_busy = np.zeros(N, dtype=np.bool_)
    chosen = np.empty(k_units, dtype=np.int64)
    for i in range(N):
        t = arrival[i]
        j = point[i]
        k = npref[j]
        if k == 0:
            response[i] = np.inf
            full_response[i] = np.inf
            unit[i] = -1
            continue
        need = k_units if k_units < k else k
        c = 0
        for q in range(k):  # free units, nearest first
            u = pref[j, q]
            if free_at[u] <= t:
                chosen[c] = u
                c += 1
                if c == need:
                    break
        while c < need:  # the rest: the reachable units that free first, not yet taken
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
        first = np.inf
        last = -np.inf
        first_unit = -1
        min_wait = np.inf
        for r in range(need):
            u = chosen[r]
            start = free_at[u] if free_at[u] > t else t
            tt = travel[j, u]
            arr = (start - t) + turnout + tt
            if arr < first:
                first = arr
                first_unit = u
            if arr > last:
                last = arr
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
        response[i] = first
        full_response[i] = last
        unit[i] = first_unit
        wait[i] = min_wait
        first_due_busy[i] = first > turnout + travel[j, pref[j, 0]]
    return response, full_response, unit, wait, first_due_busy, busy_minutes
