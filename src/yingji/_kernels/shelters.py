"""Numba kernels of ``yingji.shelters`` (the greedy assignment used when the LP runs out of time)."""

from __future__ import annotations

import numpy as np
from numba import njit

from yingji.config import NJIT_KW

__all__ = ["_greedy_flow"]


@njit(**NJIT_KW)
def _greedy_flow(population, capacity, order, ii, jj):
    """Numba JIT-compiled greedy transportation flow: pairs in ``order``, each taking what is left.

    A feasible assignment of residents to shelters (no demand point sends more than its
    people, no shelter takes more than its places) built in one pass over the pairs, e.g. by
    increasing walking distance (the fallback of :func:`yingji.shelters.assign_residents`
    when the LP finds no point within its time limit).

    Parameters
    ----------
    population : ndarray of float64, shape (n,)
        People at each demand point.
    capacity : ndarray of float64, shape (m,)
        Places in each shelter.
    order : ndarray of int64, shape (p,)
        Order in which the pairs are served (a permutation of ``0..p-1``).
    ii, jj : ndarray of int64, shape (p,)
        Demand point and shelter of each pair.

    Returns
    -------
    ndarray of float64, shape (p,)
        Flow on each pair.
    """
    p_left = population.copy()
    k_left = capacity.copy()
    x = np.zeros(ii.shape[0], dtype=np.float64)
    for q in range(order.shape[0]):
        t = order[q]
        i = ii[t]
        j = jj[t]
        a = min(p_left[i], k_left[j])
        if a > 0.0:
            x[t] = a
            p_left[i] -= a
            k_left[j] -= a
    return x
