"""The coverage trade-off curve: the best covered weight for every number of sites."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._executor import as_executor, n_workers
from yingji._validation import Problems
from yingji.results import relative_gap
from yingji.siting import _inputs as inp
from yingji.siting.coverage import common as _common
from yingji.siting.coverage import maxcover as _maxcov
from yingji.siting.coverage import setcover as _setcov

__all__ = ["coverage_curve"]


def coverage_curve(cost=None, radius=None, *, coverage=None, weights=None, fixed=None, p_max=None,
                   method="auto", time_limit=config.TIME_LIMIT, solver=None, mip_gap=config.MIP_GAP,
                   max_iter=300, executor=None, verbose=False) -> pd.DataFrame:
    r"""Best covered weight for each number of sites: "how many stations for 90 / 95 / 100 %?".

    Parameters
    ----------
    cost : array_like or pandas.DataFrame, shape (n, m), optional
        Demand × sites cost (minutes or metres).
    radius : float, optional
        Coverage standard (covered when ``cost <= radius``).
    coverage : array_like of bool or scipy.sparse, optional
        Coverage matrix instead of ``cost`` / ``radius``.
    weights : array_like, shape (n,), optional
        Row weights; default 1.
    fixed : sequence of int, optional
        Existing sites that stay open in every row of the curve.
    p_max : int, optional
        Last p; default the smallest p that covers all coverable weight (an LSCP on the rows of
        positive weight that some candidate covers, fixed sites included).
    method : {"auto", "exact", "heuristic"}
        As in :func:`yingji.mclp`.
    time_limit : float
        Seconds for the whole curve, shared out over the values of p still to solve.
    solver : None or PuLP solver object
    mip_gap : float
    max_iter : int
        Subgradient iterations of each Lagrangian bound.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Solve the values of p in parallel (one :func:`yingji.mclp` per p, each with
        ``time_limit`` / (number of p) × (number of workers) seconds at most, no warm start
        between them); monotonicity and bound tightening are applied afterwards all the same.
    verbose : bool

    Returns
    -------
    pandas.DataFrame
        One row per p from ``max(1, len(fixed))`` to ``p_max``, columns ``p``, ``covered``,
        ``covered_share`` (of the total weight), ``bound`` (proven upper bound), ``optimal``,
        ``sites`` (list of positions; labels when the cost matrix had them), then ``gap``,
        ``status``, ``seconds``.

    Raises
    ------
    ValidationError
        Bad inputs, or ``p_max`` outside ``[max(1, len(fixed)), m]``.

    Notes
    -----
    Work is reused between consecutive p: the model is reduced once (identical rows merged,
    duplicate and dominated columns dropped), each p starts its greedy from the sites of p - 1
    (so ``covered`` never falls as p grows) and its Lagrangian bound from the multipliers of
    p - 1. Bounds are tightened with :math:`z^*(p) \le z^*(p+1)` (a running minimum from the
    right) and :math:`z^*(p) \le z^*(p-1) + \max_j \sum_{i \in N_j} w_i`.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cost = np.array([[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [9.0, 9.0, 1.0], [1.0, 9.0, 9.0]])
    >>> yj.coverage_curve(cost, 2.0)[["p", "covered", "optimal"]].to_dict("list")
    {'p': [1, 2, 3], 'covered': [2.0, 3.0, 4.0], 'optimal': [True, True, True]}
    """
    t0 = time.perf_counter()
    probs = Problems("coverage_curve")
    cov = _common.prepare("coverage_curve", cost, radius, coverage, probs)
    if cov is None:
        probs.raise_if_any()
    w = inp.check_weights(weights, cov.n, "coverage_curve", probs)
    fx = inp.check_fixed(fixed, cov.m, probs, labels=cov.ci.col_ids)
    _common.check_method(method, "coverage_curve", probs)
    tl = inp.check_time_limit(time_limit, probs)
    inp.check_mip_gap(mip_gap, probs)
    p0 = max(1, int(fx.size))
    if p_max is not None:
        if isinstance(p_max, bool) or not isinstance(p_max, (int, np.integer)) or not (p0 <= p_max <= cov.m):
            probs.param("p_max", f"an int in [{p0}, {cov.m}]", p_max)
    probs.raise_if_any()
    A = _common.as_int(cov.A)
    deg = np.diff(A.indptr)
    total = float(w.sum())
    coverable = float(w[deg > 0].sum())
    if p_max is None:
        rows = np.nonzero((deg > 0) & (w > 0))[0]
        if rows.size == 0:
            p_max = p0
        else:
            r = _setcov.lscp(coverage=A[rows], fixed=fx if fx.size else None, method=method,
                          time_limit=max(tl / 4, 1.0), solver=solver)
            p_max = max(p0, int(round(r.objective)))
    mc = _maxcov._maxcov_reduce(cov, w, fx, p0, twice=False, reduce=True)
    col_w = np.asarray(sp.csc_matrix(mc.A, dtype=float).T @ mc.wy).ravel()
    max_col = float(col_w.max()) if col_w.size else 0.0
    rows_out = []
    ps = list(range(p0, int(p_max) + 1))
    pre = {}
    executor = as_executor(executor)
    if executor is not None:
        per = max((tl - (time.perf_counter() - t0)) / len(ps) * n_workers(executor), 1.0)
        futs = {p: executor.submit(_maxcov.mclp, coverage=A, p=p, weights=w, fixed=fx if fx.size else None,
                                   method=method, time_limit=min(per, tl), solver=solver, mip_gap=mip_gap,
                                   max_iter=max_iter) for p in ps}
        for p, f in futs.items():
            r = f.result()
            pre[p] = (np.asarray(r.sites, dtype=np.int64), float(r.bound), float(r.seconds))
    prev_sites = fx.copy()
    prev_lam = None
    prev_bound = np.inf
    for q, p in enumerate(ps):
        ts = time.perf_counter()
        mc.p_free = p - int(fx.size)
        mc.p = p
        left = max(tl - (ts - t0), 0.0)
        per = max(left / (len(ps) - q), 0.5)
        best_prev = rows_out[-1]["covered"] if rows_out else -np.inf
        if p in pre:
            x_sites, bound, _ = pre[p]
        elif rows_out and best_prev >= coverable - 1e-9 * max(1.0, coverable):
            x_sites, bound = prev_sites, coverable
        elif mc.A.shape[0] == 0 or mc.cols.size == 0 or mc.p_free == 0:
            x_sites, bound = fx.copy(), mc.offset
        else:
            x, _, ub, ex, lam = _maxcov._solve_max_cover(
                mc, mc.wy, np.zeros_like(mc.wy), method=method, tl=per, t0=ts, solver=solver, mip_gap=mip_gap,
                verbose=verbose, start_sites=prev_sites, lam0=prev_lam, max_iter=max_iter)
            prev_lam = lam
            x_sites = _maxcov._mc_sites(mc, x) if x is not None else prev_sites
            bound = ub
        open_mask = np.zeros(cov.m, bool)
        open_mask[x_sites] = True
        sites = np.nonzero(_common._fill_sites(cov, open_mask, p, w))[0]
        covered = float(w[np.asarray(A[:, sites].sum(axis=1)).ravel() > 0].sum())
        if covered < best_prev:  # never worse than p - 1 plus one more site
            om = np.zeros(cov.m, bool)
            om[prev_sites] = True
            sites = np.nonzero(_common._fill_sites(cov, om, p, w))[0]
            covered = float(w[np.asarray(A[:, sites].sum(axis=1)).ravel() > 0].sum())
        bound = min(bound, prev_bound + max_col, coverable)
        prev_bound = bound
        prev_sites = sites
        rows_out.append({"p": p, "covered": covered, "bound": float(bound), "sites": sites,
                         "seconds": pre[p][2] if p in pre else time.perf_counter() - ts})
    # z*(p) <= z*(p+1): running minimum of the bounds from the right
    b = np.minimum.accumulate(np.array([r["bound"] for r in rows_out])[::-1])[::-1]
    out = []
    for r, bb in zip(rows_out, b):
        bb = max(float(bb), r["covered"]) if bb >= r["covered"] - 1e-7 * max(1.0, r["covered"]) else float(bb)
        gap = relative_gap(r["covered"], bb)
        opt = bool(gap <= mip_gap)
        sites = [cov.ci.col_ids[s] for s in r["sites"]] if cov.ci.col_ids is not None else [int(s) for s in r["sites"]]
        out.append({"p": r["p"], "covered": r["covered"], "covered_share": r["covered"] / total if total > 0 else 1.0,
                    "bound": bb, "optimal": opt, "sites": sites, "gap": gap,
                    "status": "optimal" if opt else ("heuristic" if method == "heuristic" else "time_limit"),
                    "seconds": r["seconds"]})
    return pd.DataFrame(out, columns=["p", "covered", "covered_share", "bound", "optimal", "sites", "gap",
                                      "status", "seconds"])
