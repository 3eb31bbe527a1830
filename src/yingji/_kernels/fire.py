"""Numba kernels for fire-station assessment (response districts, multi-unit arrival).

Every function here is ``@njit(**NJIT_KW)`` and takes only contiguous ``float64`` /
``int64`` arrays and scalars. The public wrappers live in :mod:`yingji.fire`.

Conventions: ``T`` is the demand x stations matrix of driving minutes (station to demand),
``inf`` where a station cannot reach a point.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_nearest_station", "_district_totals", "_kth_arrival"]


@njit(**NJIT_KW)
def _nearest_station(T):
    """Numba JIT-compiled nearest station of every demand point.

    Parameters
    ----------
    T : ndarray of float64, shape (n, m)
        Station-to-demand driving minutes, ``inf`` where unreachable.

    Returns
    -------
    station : ndarray of int64, shape (n,)
        Column of the station that reaches the point first (ties: the lowest column);
        ``-1`` where no station reaches it.
    minutes : ndarray of float64, shape (n,)
        Its driving minutes (``inf`` where unreachable).
    """
    n, m = T.shape
    station = np.full(n, -1, dtype=np.int64)
    minutes = np.full(n, np.inf, dtype=np.float64)
    for i in range(n):
        best = np.inf
        arg = -1
        for j in range(m):
            t = T[i, j]
            if t < best:
                best = t
                arg = j
        station[i] = arg
        minutes[i] = best
    return station, minutes


@njit(**NJIT_KW)
def _district_totals(station, minutes, area, pop, in_scope, m):
    """Numba JIT-compiled per-station totals of the response districts.

    Parameters
    ----------
    station : ndarray of int64, shape (n,)
        District (station column) of each point, ``-1`` for none.
    minutes : ndarray of float64, shape (n,)
        Driving minutes from its station.
    area, pop : ndarray of float64, shape (n,)
        Area (any unit) and population of each point.
    in_scope : ndarray of bool, shape (n,)
        Points that belong to districts (urban built-up land).
    m : int
        Number of stations.

    Returns
    -------
    area_sum, pop_sum : ndarray of float64, shape (m,)
    edge : ndarray of float64, shape (m,)
        Slowest driving minutes inside the district, ``nan`` for an empty district.
    count : ndarray of int64, shape (m,)
        Number of points in the district.
    """
    area_sum = np.zeros(m, dtype=np.float64)
    pop_sum = np.zeros(m, dtype=np.float64)
    edge = np.full(m, np.nan, dtype=np.float64)
    count = np.zeros(m, dtype=np.int64)
    for i in range(station.shape[0]):
        j = station[i]
        if j < 0 or not in_scope[i]:
            continue
        area_sum[j] += area[i]
        pop_sum[j] += pop[i]
        if count[j] == 0 or minutes[i] > edge[j]:
            edge[j] = minutes[i]
        count[j] += 1
    return area_sum, pop_sum, edge, count


@njit(**NJIT_KW)
def _kth_arrival(T, units, k):
    """Numba JIT-compiled arrival time of the k-th unit at every demand point.

    Units leave their stations at once; the full alarm assignment is on scene when the
    ``k``-th unit arrives (NFPA 1710 4.1.2.1, initial full alarm).

    Parameters
    ----------
    T : ndarray of float64, shape (n, m)
        Station-to-demand driving minutes, ``inf`` where unreachable.
    units : ndarray of int64, shape (m,)
        Units (companies) at each station.
    k : int
        Units needed; ``k <= 0`` gives 0.

    Returns
    -------
    ndarray of float64, shape (n,)
        Minutes until ``k`` units are on scene, ``inf`` when fewer than ``k`` can come.
    """
    n, m = T.shape
    out = np.full(n, np.inf, dtype=np.float64)
    if k <= 0:
        out[:] = 0.0
        return out
    for i in range(n):
        order = np.argsort(T[i])
        cum = 0
        for r in range(m):
            j = order[r]
            t = T[i, j]
            if not t < np.inf:
                break
            cum += units[j]
            if cum >= k:
                out[i] = t
                break
    return out
