"""Numba kernels of ``yingji.dispatch`` (k nearest available units)."""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_nearest_available"]


@njit(**NJIT_KW)
def _nearest_available(minutes, available, k):
    """Numba JIT-compiled k fastest available units of one row of travel times.

    A bounded insertion sort keeps the ``k`` best candidates seen so far, so one pass over
    the row costs ``O(m k)`` with no allocation beyond the output (k is small in dispatch:
    the first few due units).

    Parameters
    ----------
    minutes : ndarray of float64, shape (m,)
        Travel minutes from each unit to the incident; ``inf`` = unreachable.
    available : ndarray of bool, shape (m,)
        Whether each unit may be sent (right type, not busy).
    k : int
        How many units to return.

    Returns
    -------
    ndarray of int64
        Positions of up to ``k`` available, reachable units in increasing travel time; ties
        are broken by position (a stable order).
    """
    m = minutes.shape[0]
    best = np.empty(k, dtype=np.int64)
    bestv = np.empty(k, dtype=np.float64)
    c = 0
    for u in range(m):
        if not available[u]:
            continue
        v = minutes[u]
        if not v < np.inf:
            continue
        if c == k and v >= bestv[c - 1]:
            continue
        # insert keeping ascending order; equal values stay after earlier positions
        pos = c if c < k else k - 1
        while pos > 0 and bestv[pos - 1] > v:
            best[pos] = best[pos - 1]
            bestv[pos] = bestv[pos - 1]
            pos -= 1
        best[pos] = u
        bestv[pos] = v
        if c < k:
            c += 1
    return best[:c].copy()
