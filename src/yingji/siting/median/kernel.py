r"""Kernel search for the p-median: the reduced (radius) model of :mod:`.knn` solved on a *kernel*,
the sites an LP or Lagrangian solution ranks most promising plus the incumbent's, then on larger
kernels (Angelelli, Mansini and Speranza 2010; Guastaroba and Speranza 2012, for facility
location). Each kernel is a p-median of its own (the columns of the kernel only), so its optimum
is a p-set of the whole problem and an upper bound, never a lower one; it starts from the
incumbent (kept in every kernel) and its branch and bound is cut off at it.

The ranking: the sites by increasing Lagrangian bracket
:math:`\rho_j = \sum_i \min(0, w_i c_{ij} - \lambda_i)` (Cornuejols, Fisher and Nemhauser 1977), the
sites the Lagrangian solution would open first (:func:`_bracket_order`).

Measured on TSPLIB (the driver's Lagrangian stage, then one kernel, 7-8 Dec 2026, load 1-5):
fl1400, p = 200, the 414 sites of smallest bracket: 9,355.3379 in 32 s, where the heuristic had
9,374.8540 and the whole reduced MIP 9,356.1338 after 300 s; p = 500, 896 sites: 4,049.8976 in
25 s, where every earlier run ended at 4,062-4,067; pcb3038, p = 100, 216 sites: 352,662.35 where
the Lagrangian tree reached 352,681.49 in 300 s.

References
----------
.. [1] Angelelli, E., Mansini, R. and Speranza, M. G. (2010). Kernel search: a general heuristic
   for the multi-dimensional knapsack problem. Computers & Operations Research 37(11), 2017-2026.
.. [2] Guastaroba, G. and Speranza, M. G. (2012). Kernel search for the capacitated facility
   location problem. Journal of Heuristics 18(6), 877-917.
.. [3] García, S., Labbé, M. and Marín, A. (2011). Solving large p-median problems with a radius
   formulation. INFORMS Journal on Computing 23(4), 546-556.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

__all__: list[str] = []

#: Relative gap (incumbent against the bound) below which no kernel is tried: then the exact
#: stages close it faster than a kernel could lower the incumbent (pcb3038, p = 500: 0.02-0.05 %
#: after the LP, one MIP round proves the optimum).
_KERNEL_MIN_GAP = 1e-3

#: Share of the time left that the kernel rounds may take.
_KERNEL_SHARE = 0.35


def _bracket_order(Cp: np.ndarray, wk: np.ndarray, lam: np.ndarray, live: np.ndarray, block: int = 512) -> np.ndarray:
    """The live sites by increasing Lagrangian bracket :math:`\\rho_j = \\sum_i \\min(0, w_i c_{ij} -
    \\lambda_i)` (ties by position), in blocks of rows (no n x m temporary)."""
    n, m = Cp.shape
    rho = np.zeros(m)
    for a in range(0, n, block):
        rho += np.minimum(0.0, wk[a:a + block, None] * Cp[a:a + block] - lam[a:a + block, None]).sum(axis=0)
    cand = np.nonzero(live)[0]
    return cand[np.argsort(rho[cand], kind="stable")]


def _kernel_sizes(p: int, n_live: int):
    """Kernel sizes tried in turn: 1.5 p (at least p + 20), then half of p (at least 20) more each
    round, up to every live site."""
    k = int(min(n_live, max(p + 20, -(-3 * p // 2))))
    step = max(20, p // 2)
    while True:
        yield k
        if k >= n_live:
            return
        k = min(n_live, k + step)


def _bracket_order_lists(lists, wk: np.ndarray, lam: np.ndarray, live: np.ndarray) -> np.ndarray:
    """:func:`_bracket_order` from each row's nearest-site lists (:class:`.knn._Lists`), exact when
    every multiplier is at most its row's last listed weighted distance (as
    :func:`yingji.siting.median.points._lagrangian_lists` keeps them): unlisted pairs add 0."""
    rho = np.zeros(live.size)
    np.add.at(rho, lists.idx.ravel(), np.minimum(0.0, wk[:, None] * lists.dist - lam[:, None]).ravel())
    cand = np.nonzero(live)[0]
    return cand[np.argsort(rho[cand], kind="stable")]


def _dense_sub(run, improver):
    """The kernel sub-problem maker of :func:`_kernel_search` for the driver's dense run: the
    columns of the kernel, and the driver's local search (``_knn_improver``) from each LP rounding."""

    def make(idx, until, fm_s, am_s):
        sub = dataclasses.replace(run, C=run.C[:, idx], Cp=np.ascontiguousarray(run.Cp[:, idx]),
                                  fixed_mask=run.fixed_mask[idx], allowed=run.allowed[idx], deadline=until,
                                  extras={})
        return sub, {"improve": improver(sub, fm_s, am_s)}

    return make


def _points_sub(pr):
    """The kernel sub-problem maker of :func:`_kernel_search` for the coordinate entry point's run
    (:class:`yingji.siting.median.points._Points`): the kernel's site points, k-d tree lists and
    values, no matrix."""

    def make(idx, until, fm_s, am_s):
        sub = dataclasses.replace(pr, sxy=pr.sxy[idx], fixed_mask=pr.fixed_mask[idx],
                                  fx=np.searchsorted(idx, pr.fx), deadline=until, extras={})
        return sub, {"value": sub.value, "more": sub.more_lists}

    return make


def _kernel_search(run, sites, ub, order, fmask, amask, lam, until, make_sub, lp_iter=None):
    """Kernel search from the incumbent ``sites`` (value ``ub``): the reduced model
    (:func:`yingji.siting.median.knn._run_knn`) on the first sites of ``order`` plus the incumbent's
    and the fixed-open ones (all within ``fmask | amask``), on larger kernels while each is solved
    to optimality and time is left before ``until``. ``make_sub(idx, until, fm, am)`` gives the run
    of the p-median on the columns ``idx`` and the keywords of ``_run_knn`` for it
    (:func:`_dense_sub`, or the coordinate entry point's). ``extras["kernel"]`` records the rounds.

    Returns ``(sites, ub, bound)``: the best p-set, its value, and a lower bound of the whole
    problem (``-inf`` unless a kernel held every live site and was solved to optimality)."""
    from yingji.siting.median.knn import _run_knn

    live = fmask | amask
    order = np.asarray(order, dtype=np.int64)
    order = order[live[order]]
    n_live = int(live.sum())
    whole = order.size == n_live  # the ranking lists every live site (then the last kernel is the whole problem)
    rec = {"from": float(ub), "sizes": [], "values": [], "proven": []}
    run.extras["kernel"] = rec
    bound = -np.inf
    inc = np.zeros(live.size, dtype=bool)
    inc[np.asarray(sites, dtype=np.int64)] = True
    for k in _kernel_sizes(run.p, order.size):
        if until - time.perf_counter() <= 0.05:
            break
        ker = np.zeros(live.size, dtype=bool)
        ker[order[:k]] = True
        ker[fmask] = True
        ker &= live
        ker[sites] = True  # (an incumbent site fixing closed stays: the start must be feasible)
        idx = np.nonzero(ker)[0]
        fm_s = fmask[idx]
        am_s = (amask[idx] | inc[idx]) & ~fm_s
        sub, kw = make_sub(idx, until, fm_s, am_s)
        s_sub = np.searchsorted(idx, np.asarray(sites, dtype=np.int64))
        s2, v2, b2, _ = _run_knn(sub, s_sub, ub, -np.inf, until, fm_s, am_s, lam=lam.copy(), lp_iter=lp_iter, **kw)
        proven = bool(sub.closed(b2, v2)) and not sub.extras.get("knn_skipped")
        rec["sizes"].append(int(idx.size))
        rec["values"].append(float(min(v2, ub)))
        rec["proven"].append(proven)
        if v2 < ub - run.tol:
            sites, ub = np.sort(idx[np.asarray(s2, dtype=np.int64)]), float(v2)
            inc[:] = False
            inc[sites] = True
        if proven and whole and k >= order.size:
            bound = min(float(b2), ub)  # the kernel was the whole (reduced) problem
        if not proven:
            break
    rec["to"] = float(ub)
    return sites, ub, bound
