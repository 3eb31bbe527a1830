"""Shared parts of p-median and p-center: argument checks, cost helpers (unreachable rows, the
penalised matrix, nearest open site), the p-median result, and the checkers :func:`median_cost` and
:func:`center_cost`."""

from __future__ import annotations

import numpy as np

from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError
from yingji.siting._inputs import (
    CostInput,
    check_fixed,
    check_p,
    check_mip_gap,
    check_time_limit,
    check_weights,
    make_result,
    prepare_cost,
)

__all__ = ["median_cost", "center_cost"]

_METHODS = ("auto", "exact", "heuristic", "classic", "knearest")


# ----------------------------------------------------------------------------- helpers
def _check_common(func, cost, p, weights, fixed, time_limit, mip_gap, method=None, methods=_METHODS, extra=None):
    """Validate the shared arguments; ``extra(probs, m, ci, fx, p)`` adds function-specific checks (all raised
    at once)."""
    probs = Problems(func)
    ci = prepare_cost(cost, func, probs=probs)
    C = ci.C
    if C.ndim != 2 or C.size == 0:
        probs.raise_if_any()
    n, m = C.shape
    # a writable copy: pandas' copy-on-write hands out read-only arrays, a distinct numba type
    w = np.array(check_weights(weights, n, func, probs), dtype=np.float64, copy=True)
    fx = check_fixed(fixed, m, probs, labels=ci.col_ids)
    p = check_p(p, m, len(fx), probs)
    tl = check_time_limit(time_limit, probs)
    check_mip_gap(mip_gap, probs)
    if method is not None and method not in methods:
        probs.param("method", "one of " + ", ".join(repr(x) for x in methods), method)
    if extra is not None:
        extra(probs, m, ci, fx, p)
    probs.raise_if_any()
    return ci, w, fx, p, tl


def _unreachable_rows(C: np.ndarray) -> np.ndarray:
    return np.nonzero(~np.isfinite(C).any(axis=1))[0]


def _raise_unreachable(func: str, C: np.ndarray, ci: CostInput):
    bad = _unreachable_rows(C)
    if bad.size:
        raise InfeasibleError(
            f"{func}: {bad.size} demand rows cannot be reached from any candidate site (every cost is inf): "
            f"rows {describe_positions(bad, ci.row_ids)}.",
            rows=[ci.row_ids[i] for i in bad] if ci.row_ids is not None else bad.tolist(),
            reason="unreachable from every site",
        )


def _penalised(C: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``C`` with ``inf`` replaced by a penalty larger than any served configuration costs."""
    inf = ~np.isfinite(C)
    if not inf.any():
        return C
    fin = np.where(inf, 0.0, C)
    rowmax = fin.max(axis=1)
    pos = w[w > 0]
    wmin = pos.min() if pos.size else 1.0
    M = 1.0 + 2.0 * float(w @ rowmax) / wmin + float(rowmax.max())
    out = np.where(inf, M, C)
    return np.ascontiguousarray(out)


def _is_integral(C: np.ndarray, w: np.ndarray, block: int = 1024) -> bool:
    """True when every finite cost and every weight is an integer below 2**50 (checked in blocks of
    rows: no copy of a large matrix)."""
    if not np.all(w == np.round(w)):
        return False
    any_fin = False
    for a in range(0, C.shape[0], block):
        B = C[a:a + block]
        fin = np.isfinite(B)
        if not fin.any():
            continue
        any_fin = True
        v = np.where(fin, B, 0.0)
        if np.abs(v).max() >= 2**50 or not np.all(v == np.round(v)):
            return False
    return any_fin


def _assign(C: np.ndarray, sites: np.ndarray):
    sites = np.asarray(sites, dtype=np.int64)
    sub = C[:, sites]
    k = np.argmin(sub, axis=1)
    return sites[k], sub[np.arange(C.shape[0]), k]


def median_cost(cost, sites, weights=None) -> float:
    """Total weighted cost ``sum_i w_i min_{j in sites} cost[i, j]`` (the p-median objective).

    The checker that goes with :func:`p_median` (recompute the objective from the sites).

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
    sites : sequence of int
        Column positions of the open sites.
    weights : array_like, shape (n,), optional
        Row weights (default 1).

    Returns
    -------
    float
        ``inf`` when some row (of any weight: every row must be served) reaches no open site.

    Examples
    --------
    >>> median_cost([[1, 5], [4, 2]], [0, 1])
    3.0
    """
    probs = Problems("median_cost")
    ci = prepare_cost(cost, "median_cost", probs=probs)
    w = check_weights(weights, ci.n, "median_cost", probs)
    s = check_fixed(sites, ci.m, probs, labels=ci.col_ids)
    if len(s) == 0:
        probs.param("sites", "a non-empty sequence of column positions", sites)
    probs.raise_if_any()
    _, d = _assign(ci.C, s)
    if not np.isfinite(d).all():
        return float("inf")
    return float(np.where(w > 0, w * d, 0.0).sum())


def center_cost(cost, sites, weights=None) -> float:
    """Largest weighted cost ``max_i w_i min_{j in sites} cost[i, j]`` (the p-center objective).

    The checker that goes with :func:`p_center`.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
    sites : sequence of int
        Column positions of the open sites.
    weights : array_like, shape (n,), optional
        Row weights (default 1); rows of weight 0 do not count.

    Returns
    -------
    float

    Examples
    --------
    >>> center_cost([[1, 5], [4, 2]], [0])
    4.0
    """
    probs = Problems("center_cost")
    ci = prepare_cost(cost, "center_cost", probs=probs)
    w = check_weights(weights, ci.n, "center_cost", probs)
    s = check_fixed(sites, ci.m, probs, labels=ci.col_ids)
    if len(s) == 0:
        probs.param("sites", "a non-empty sequence of column positions", sites)
    probs.raise_if_any()
    _, d = _assign(ci.C, s)
    if not np.isfinite(d).all():
        return float("inf")
    return float(np.where(w > 0, w * d, 0.0).max())



def _median_result(ci, C, w, sites, bound, integral, seconds, method, stopped, mip_gap, extras):
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    a, d = _assign(C, sites)
    with np.errstate(invalid="ignore"):
        # every row must be served (weight 0 rows too): an unreachable row makes the objective inf
        obj = float(np.where(w > 0, w * d, 0.0).sum()) if np.isfinite(d).all() else float("inf")
    if integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    bound = min(bound, obj)
    wt = float(w.sum())
    return make_result(
        "p_median", sites=sites, objective=obj, bound=bound, sense="min", ci=ci, assignment=a,
        seconds=seconds, method=method, stopped=stopped, mip_gap=mip_gap,
        row_cost=d, mean_cost=obj / wt if wt > 0 else float("nan"), extras=extras,
    )
