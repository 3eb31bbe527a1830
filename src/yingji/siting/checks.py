"""Checkers paired with the coverage solvers (``lscp`` ↔ :func:`is_covering`, ``mclp`` ↔
:func:`covered_weight`): they recompute what a set of sites achieves, independently of the solver.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels.coverage import _coverage_count
from yingji._validation import Problems
from yingji.siting import _inputs as inp

__all__ = ["coverage_count", "is_covering", "covered_weight", "uncovered_rows"]


def _matrix(func, cost, radius, coverage, probs):
    if coverage is not None and cost is not None:
        probs.add(f"Give either 'cost' with 'radius' or 'coverage' to {func}, not both.")
        probs.raise_if_any()
    if coverage is not None:
        ci = inp.prepare_coverage(coverage, func, probs=probs)
        probs.raise_if_any()
        return ci, sp.csc_matrix(ci.C, dtype=bool)
    r = inp.check_radius(radius, probs)
    ci = inp.prepare_cost(cost, func, probs=probs)
    probs.raise_if_any()
    with np.errstate(invalid="ignore"):
        return ci, sp.csc_matrix(ci.C <= r + config.COVER_TOL)


def _sites(sites, m, ci, probs) -> np.ndarray:
    if sites is None:
        probs.param("sites", "a sequence of column positions", None)
        return np.zeros(0, np.int64)
    return inp.check_fixed(sites, m, probs, labels=ci.col_ids, name="sites")


def coverage_count(cost=None, radius=None, sites=None, *, coverage=None) -> np.ndarray:
    """Number of the given sites covering each demand row.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m), optional
        Demand × sites cost; covered when ``cost <= radius`` (1e-9 tolerance).
    radius : float, optional
    sites : sequence of int
        Column positions (or labels) of the open sites.
    coverage : array_like of bool or scipy.sparse, optional
        Coverage matrix instead of ``cost`` / ``radius``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> coverage_count([[1.0, 2.0], [5.0, 1.0]], 2.0, [0, 1]).tolist()
    [2, 1]
    """
    return _count("coverage_count", cost, radius, sites, coverage)


def _count(func: str, cost, radius, sites, coverage) -> np.ndarray:
    """:func:`coverage_count` with its errors named after the public function ``func``."""
    probs = Problems(func)
    ci, A = _matrix(func, cost, radius, coverage, probs)
    s = _sites(sites, A.shape[1], ci, probs)
    probs.raise_if_any()
    mask = np.zeros(A.shape[1], dtype=np.bool_)
    mask[s] = True
    return _coverage_count(A.indptr.astype(np.int64), A.indices.astype(np.int64), A.shape[0], mask)


def is_covering(cost=None, radius=None, sites=None, *, coverage=None, rows=None) -> bool:
    """Whether the sites cover every demand row (or every row in ``rows``).

    Pairs with :func:`yingji.lscp`.

    Parameters
    ----------
    cost, radius, coverage
        As in :func:`coverage_count`.
    sites : sequence of int
        Open sites.
    rows : sequence of int, optional
        Only these rows need be covered (e.g. all but ``extras["uncovered_rows"]``).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_covering([[1.0, 9.0], [9.0, 1.0]], 2.0, [0])
    False
    """
    cnt = _count("is_covering", cost, radius, sites, coverage)
    if rows is not None:
        cnt = cnt[np.asarray(rows, dtype=np.int64)]
    return bool((cnt >= 1).all())


def covered_weight(cost=None, radius=None, weights=None, sites=None, *, coverage=None, times: int = 1) -> float:
    """Weight of the rows covered at least ``times`` times by the sites.

    Pairs with :func:`yingji.mclp` (``times=1``) and :func:`yingji.backup_coverage`
    (``times=2``: the twice-covered weight).

    Parameters
    ----------
    cost, radius, coverage
        As in :func:`coverage_count`.
    weights : array_like, shape (n,), optional
        Row weights; default 1.
    sites : sequence of int
        Open sites.
    times : int
        Required number of covering sites.

    Returns
    -------
    float

    Examples
    --------
    >>> covered_weight([[1.0, 9.0], [9.0, 1.0]], 2.0, [3, 4], [1])
    4.0
    """
    cnt = _count("covered_weight", cost, radius, sites, coverage)
    probs = Problems("covered_weight")
    w = inp.check_weights(weights, cnt.size, "covered_weight", probs)
    if not isinstance(times, (int, np.integer)) or isinstance(times, bool) or times < 1:
        probs.param("times", "an int >= 1", times)
    probs.raise_if_any()
    return float(w[cnt >= times].sum())


def uncovered_rows(cost=None, radius=None, sites=None, *, coverage=None) -> np.ndarray:
    """Positions of the rows no given site covers.

    Parameters
    ----------
    cost, radius, coverage
        As in :func:`coverage_count`.
    sites : sequence of int
        Open sites.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> uncovered_rows([[1.0, 9.0], [9.0, 1.0]], 2.0, [0]).tolist()
    [1]
    """
    return np.nonzero(_count("uncovered_rows", cost, radius, sites, coverage) == 0)[0]
