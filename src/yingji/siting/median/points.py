r"""p-median on points in the plane without an ``n x m`` matrix: K-nearest lists from a k-d tree,
a heuristic and a Lagrangian bound on those lists, then the reduced K-nearest (radius) model,
enlarged until exact (García, Labbé and Marín 2011).

Memory is ``O(n K)`` (``K`` the list length, a few times ``m / p``), never ``O(n m)``: the true
cost of a set of sites is computed from a k-d tree over the open sites, a site beyond a row's list
is at least as far as the row's ``K``-th listed one, and the Lagrangian multipliers are held at or
below that distance, so the bound needs no cost outside the lists.

References
----------
.. [1] García, S., Labbé, M. and Marín, A. (2011). Solving large p-median problems with a radius
   formulation. INFORMS Journal on Computing 23(4), 546-556.
.. [2] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank accounts to
   optimize float. Management Science 23(8), 789-810.
.. [3] Resende, M. G. C. and Werneck, R. F. (2007). A fast swap-based local search procedure for
   location problems. Annals of Operations Research 150(1), 205-230.
.. [4] Bentley, J. L. (1975). Multidimensional binary search trees used for associative
   searching. Communications of the ACM 18(9), 509-517.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from yingji import config
from yingji._validation import Problems
from yingji.results import SitingResult
from yingji.siting._inputs import (
    CostInput,
    check_fixed,
    check_mip_gap,
    check_p,
    check_time_limit,
    check_weights,
    make_result,
)
from yingji.siting.median.kernel import _KERNEL_MIN_GAP, _KERNEL_SHARE, _bracket_order_lists, _kernel_search, _points_sub
from yingji.siting.median.knn import _knn_lists_xy, _Lists, _run_knn

__all__ = ["p_median_points"]

#: Bytes the K-nearest lists may take (16 bytes an entry: a site and its distance).
_LIST_BYTES = 4e8


def p_median_points(
    xy,
    p,
    *,
    weights=None,
    candidates_xy=None,
    fixed=None,
    time_limit=config.TIME_LIMIT,
    mip_gap=config.MIP_GAP,
    seed=0,
    verbose=False,
) -> SitingResult:
    r"""p-median on points in the plane (Euclidean distances) without an ``n x m`` cost matrix.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Demand points, projected coordinates (metres, or any planar unit: costs are
        straight-line distances in that unit, as in TSPLIB's ``EUC_2D`` without rounding).
    p : int
        Number of open sites, fixed ones included.
    weights : array_like, shape (n,), optional
        Demand weights (e.g. population); default 1.
    candidates_xy : array_like, shape (m, 2), optional
        Candidate sites; default the demand points themselves (every point a candidate).
    fixed : sequence of int, optional
        Positions of candidates that stay open.
    time_limit : float
        Seconds for the whole call; the best solution found by then is returned with
        ``status="time_limit"``.
    mip_gap : float
        Relative gap at which the optimum counts as proven (default 1e-6).
    seed : int
        Seed of the random tie-breaks of the local search.
    verbose : bool
        Print HiGHS's log.

    Returns
    -------
    SitingResult
        As :func:`p_median`: ``objective`` = :math:`\sum_i w_i \min_{j \in S} \|x_i - y_j\|`,
        ``bound`` proven, ``row_cost`` each row's distance to its open site. ``extras``:
        ``list_length`` (K of the lists), ``heuristic_objective``, ``lagrangian_bound``,
        ``lagrangian_iterations``, ``n_fixed_open``, ``n_fixed_closed``, ``swaps``, ``vns_shakes``,
        ``stage_seconds`` (wall seconds per stage), and with the reduced model ``knn_rounds``,
        ``knn_model_size``, ``knn_skipped``, ``knn_rc_fixed``; ``more_rounds`` (and
        ``more_rounds_from``, the incumbent before them) when the time left after the subgradient
        steps went to rounds of VNS and restarted subgradient steps.

    Raises
    ------
    ValidationError
        Bad input (every problem named at once): coordinates not an (n, 2) array of finite
        numbers, ``p`` out of range, bad weights, fixed sites or limits.

    See Also
    --------
    p_median : the same model on any cost matrix.

    Notes
    -----
    1. Each row's ``K`` nearest candidates (k-d tree [4]_), ``K = max(32, 3 ceil(m / p))``.
    2. Greedy on the lists, then best-improvement swaps whose profit is computed on the lists
       (Resende and Werneck [3]_): a swap's listed profit never exceeds its true profit, and
       each swap is checked on the k-d tree of the open sites; then variable neighbourhood
       search [5]_ (random shakes of 1-10 sites, each followed by the swap search).
    3. Lagrangian bound [2]_ with reduced-cost fixing; each multiplier is held at or below its
       row's ``K``-th weighted distance, so unlisted sites add nothing to the bound.
    4. The reduced K-nearest model [1]_ on the sites fixing left, with HiGHS, enlarged (a new
       k-d-tree query) for the rows it serves beyond their kept sites, until it is exact.

    References
    ----------
    .. [1] García, S., Labbé, M. and Marín, A. (2011). Solving large p-median problems with a
       radius formulation. INFORMS Journal on Computing 23(4), 546-556.
    .. [2] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank accounts
       to optimize float. Management Science 23(8), 789-810.
    .. [3] Resende, M. G. C. and Werneck, R. F. (2007). A fast swap-based local search
       procedure for location problems. Annals of Operations Research 150(1), 205-230.
    .. [4] Bentley, J. L. (1975). Multidimensional binary search trees used for associative
       searching. Communications of the ACM 18(9), 509-517.
    .. [5] Hansen, P. and Mladenovic, N. (1997). Variable neighborhood search for the p-median.
       Location Science 5(4), 207-226.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0., 0.], [1., 0.], [10., 0.], [11., 0.]])
    >>> r = p_median_points(xy, 2)
    >>> r.objective, r.optimal
    (2.0, True)
    """
    t0 = time.perf_counter()
    pr = _prepare(xy, p, weights, candidates_xy, fixed, time_limit, mip_gap, seed, verbose, t0)
    ex = pr.extras
    # 1. the lists
    m, p = pr.m, pr.p
    K = int(min(m, max(32, 3 * -(-m // p), 4), max(8, int(_LIST_BYTES // (16 * pr.n)))))
    lists = _knn_lists_xy(pr.xy, pr.sxy, K)
    ex["list_length"] = lists.K
    # 2. heuristic
    secs = ex["stage_seconds"] = {"lists": time.perf_counter() - t0}
    o = _greedy_lists(lists, pr, until=t0 + 0.3 * pr.tl)
    secs["greedy"] = time.perf_counter() - t0 - sum(secs.values())
    sd = _swap_data(lists, pr)
    sites, ub = _swap_search(lists, pr, o, until=t0 + 0.4 * pr.tl, sd=sd)
    secs["swaps"] = time.perf_counter() - t0 - sum(secs.values())
    sites, ub = _vns_points(lists, pr, sites, ub, until=t0 + 0.4 * pr.tl, sd=sd)
    secs["vns"] = time.perf_counter() - t0 - sum(secs.values())
    del sd
    ex["heuristic_objective"] = ub
    # 3. Lagrangian bound with fixing
    fm, am, lam, bound = _lagrangian_lists(lists, pr, ub, until=t0 + 0.75 * pr.tl)
    secs["lagrangian"] = time.perf_counter() - t0 - sum(secs.values())
    if not pr.closed(bound, ub) and time.perf_counter() < pr.deadline:
        # 4. the reduced K-nearest model, enlarged until exact
        # (its LP rounds as in p_median's auto: a share of the time left and a simplex iteration cap)
        # (and a first model over _KNN_FIRST_MAX_KEPT kept sites is not tried: brd14051, p = 100, built
        # one of 2.2 M rows whose LP never finished and took the process to 3.95 GB)
        from yingji.siting.median.driver import (
            _KNN_FIRST_MAX_KEPT,
            _KNN_LP_SHARE,
            _knn_lp_iter,
        )

        left = pr.deadline - time.perf_counter()
        sites, ub, bound, lists = _run_knn(pr, sites, ub, bound, pr.deadline, fm, am, lam=lam, lists=lists,
                                           value=pr.value, more=pr.more_lists,
                                           lp_until=time.perf_counter() + _KNN_LP_SHARE * left,
                                           lp_iter=_knn_lp_iter(pr.tl), max_first=_KNN_FIRST_MAX_KEPT)
        ex["list_length"] = lists.K
        secs["reduced_model"] = time.perf_counter() - t0 - sum(secs.values())
        if (ex.get("knn_skipped") or ex.get("knn_lp_unfinished") or ex.get("knn_deferred")) and \
                ub - bound > _KERNEL_MIN_GAP * abs(ub) and pr.deadline - time.perf_counter() > 0.1 * pr.tl:
            # the reduced model is out of reach: a kernel search on the sites of smallest Lagrangian
            # bracket (as in p_median's auto) for a better incumbent
            kt = time.perf_counter() + _KERNEL_SHARE * (pr.deadline - time.perf_counter())
            order = _bracket_order_lists(lists, pr.wk, lam, fm | am)
            sites, ub, kb = _kernel_search(pr, sites, ub, order, fm, am, lam, kt, _points_sub(pr),
                                           lp_iter=_knn_lp_iter(pr.tl))
            bound = max(bound, min(kb, ub))
            secs["kernel"] = time.perf_counter() - t0 - sum(secs.values())
        if (ex.get("knn_skipped") or ex.get("knn_lp_unfinished") or ex.get("knn_deferred")) and not pr.closed(bound, ub) and \
                pr.deadline - time.perf_counter() > 0.1 * pr.tl:
            # the reduced model is out of reach, or its LP did not finish: the rest of the time goes to
            # more subgradient steps
            used = ex["lagrangian_iterations"]
            _, _, _, b2 = _lagrangian_lists(lists, pr, ub, until=pr.deadline - 0.05 * pr.tl, state=(fm, am, lam))
            ex["lagrangian_iterations"] += used
            ex["lagrangian_bound"] = max(ex["lagrangian_bound"], min(b2, ub))
            bound = max(bound, b2)
            secs["lagrangian_more"] = time.perf_counter() - t0 - sum(secs.values())
            # 5. time still left (the subgradient steps end at their iteration cap or when their step
            # has shrunk to nothing: brd14051, p = 100, left 300 s of 600 s unused): more VNS from the
            # incumbent, each round with a fresh seed, then subgradient steps restarted from the
            # multipliers reached, with the better incumbent as their target
            sites, ub, bound = _more_rounds(lists, pr, sites, ub, bound, (fm, am, lam))
            secs["more_rounds"] = time.perf_counter() - t0 - sum(secs.values())
    return pr.finish(sites, bound)


def _more_rounds(lists: _Lists, pr: _Points, sites, ub, bound, state):
    """Rounds of VNS (:func:`_vns_points`, a fresh seed each) and subgradient steps from ``state``
    until 5 % before the deadline, the gap closes, or a round improves neither the incumbent nor
    the bound. Returns ``(sites, ub, bound)``; ``extras["more_rounds"]`` counts the rounds,
    ``more_rounds_from`` is the incumbent's value before them."""
    ex = pr.extras
    ex["more_rounds_from"] = float(ub)
    rounds = 0
    end = pr.deadline - 0.05 * pr.tl
    while not pr.closed(bound, ub) and end - time.perf_counter() > 0.02 * pr.tl:
        rounds += 1
        left = end - time.perf_counter()
        sd = _swap_data(lists, pr)
        s2, v2 = _vns_points(lists, pr, sites, ub, until=time.perf_counter() + 0.5 * left, sd=sd,
                             max_shakes=400, seed=pr.seed + 1 + 7919 * rounds)
        del sd
        better = v2 < ub - pr.tol
        if better:
            sites, ub = s2, v2
            ex["heuristic_objective"] = ub
        used = ex["lagrangian_iterations"]
        lb_before = ex["lagrangian_bound"]
        _, _, _, b2 = _lagrangian_lists(lists, pr, ub, until=end, state=state)
        ex["lagrangian_iterations"] += used
        ex["lagrangian_bound"] = max(lb_before, min(b2, ub))
        lifted = b2 > bound + pr.tol
        bound = max(bound, b2)
        if not (better or lifted):
            break
    ex["more_rounds"] = rounds
    return sites, ub, bound


@dataclass
class _Points:
    """One :func:`p_median_points` call: the checked input, the limits and what the stages share
    (the attributes :func:`yingji.siting.median.knn._run_knn` reads from the driver's run)."""

    xy: np.ndarray
    sxy: np.ndarray
    wk: np.ndarray
    fx: np.ndarray
    fixed_mask: np.ndarray
    p: int
    t0: float
    tl: float
    deadline: float
    mip_gap: float
    seed: int
    verbose: bool
    integral: bool = False
    #: Share of the time left HiGHS is given for the reduced model (it overran a 59 s limit by
    #: 10 s on pcb3038, p = 100: the margin keeps the call within its limit + 10 %).
    highs_share: float = 0.85
    extras: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.xy.shape[0])

    @property
    def m(self) -> int:
        return int(self.sxy.shape[0])

    @property
    def tol(self) -> float:
        return 1e-9 * max(1.0, float(self.wk.sum()))

    @property
    def shape(self) -> tuple:
        return (self.n, self.m)

    def dl(self, u):
        """Solutions within ``dl(ub)`` of the incumbent may be cut off (relative, under ``mip_gap``)."""
        return 0.999 * self.mip_gap * abs(u)

    def closed(self, b, ub):
        return bool(np.isfinite(ub) and (ub - b) <= self.mip_gap * max(abs(ub), 1e-9))

    def assign(self, sites):
        """``(site of each row, its distance)`` for the open ``sites``: a k-d tree over them."""
        from scipy.spatial import cKDTree

        sites = np.asarray(sites, dtype=np.int64)
        d, k = cKDTree(self.sxy[sites]).query(self.xy, k=1)
        return sites[np.asarray(k, dtype=np.int64)], np.asarray(d, dtype=np.float64)

    def value(self, sites):
        """Each row's distance to its nearest open site (the reduced-model loop's ``value``)."""
        return self.assign(sites)[1]

    def more_lists(self, K):
        return _knn_lists_xy(self.xy, self.sxy, K)

    def finish(self, sites, bound):
        sites = np.sort(np.asarray(sites, dtype=np.int64))
        a, d = self.assign(sites)
        obj = float(self.wk @ d)
        wt = float(self.wk.sum())
        return make_result(
            "p_median", sites=sites, objective=obj, bound=min(bound, obj), sense="min",
            ci=CostInput(None, None, None), assignment=a, seconds=time.perf_counter() - self.t0,
            method="points", stopped="time_limit", mip_gap=self.mip_gap, row_cost=d,
            mean_cost=obj / wt if wt > 0 else float("nan"), extras=self.extras,
        )


def _coords(value, name, probs, n=None):
    """An (n, 2) float64 array of finite coordinates, or None after recording the problem."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        probs.param(name, "an (n, 2) array of numbers (x, y)", type(value).__name__)
        return None
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] == 0:
        probs.param(name, "an (n, 2) array of numbers (x, y)", f"an array of shape {a.shape}")
        return None
    bad = np.nonzero(~np.isfinite(a).all(axis=1))[0]
    if bad.size:
        probs.param(name, "finite coordinates", f"{a[bad[0]].tolist()} at row {int(bad[0])}"
                    + (f" (and {bad.size - 1} more rows)" if bad.size > 1 else ""))
        return None
    return np.ascontiguousarray(a)


def _prepare(xy, p, weights, candidates_xy, fixed, time_limit, mip_gap, seed, verbose, t0) -> _Points:
    """Check the arguments of :func:`p_median_points` (every problem raised at once)."""
    from yingji._validation import SEED, check_param

    probs = Problems("p_median_points")
    pts = _coords(xy, "xy", probs)
    sxy = pts if candidates_xy is None else _coords(candidates_xy, "candidates_xy", probs)
    tl = check_time_limit(time_limit, probs)
    gap = check_mip_gap(mip_gap, probs)
    sd = check_param(probs, "seed", seed, SEED, default=0)
    if pts is None or sxy is None:
        probs.raise_if_any()
    n, m = pts.shape[0], sxy.shape[0]
    w = np.array(check_weights(weights, n, "p_median_points", probs), dtype=np.float64, copy=True)
    fx = check_fixed(fixed, m, probs)
    p = check_p(p, m, len(fx), probs)
    probs.raise_if_any()
    fmask = np.zeros(m, dtype=np.bool_)
    fmask[fx] = True
    return _Points(pts, sxy, w, fx, fmask, p, t0, tl, t0 + tl, float(gap), int(sd), bool(verbose))


def _greedy_lists(lists: _Lists, pr: _Points, until: float) -> np.ndarray:
    """Greedy (add) on the lists: a row not yet served within its list counts its last listed
    distance. Opening a site updates only the rows that list it (and the gains of the sites those
    rows list). The sites the time leaves no room for are spread evenly over the candidates."""
    m, p, w = pr.m, pr.p, pr.wk
    Kh = int(min(lists.K, max(16, 2 * -(-m // p))))
    I, D = np.ascontiguousarray(lists.idx[:, :Kh]), np.ascontiguousarray(lists.dist[:, :Kh])
    flat, dflat = I.ravel(), D.ravel()
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(m + 1))
    d = D[:, -1].copy()
    gain = np.bincount(flat, weights=(w[:, None] * np.maximum(d[:, None] - D, 0.0)).ravel(), minlength=m)
    is_open = np.zeros(m, dtype=np.bool_)

    def open_site(j):
        is_open[j] = True
        pos = order[starts[j]:starts[j + 1]]
        R, c = pos // Kh, dflat[pos]
        better = c < d[R]
        R, c = R[better], c[better]
        if R.size:
            DR = D[R]
            drop = w[R, None] * (np.maximum(d[R, None] - DR, 0.0) - np.maximum(c[:, None] - DR, 0.0))
            gain[:] -= np.bincount(I[R].ravel(), weights=drop.ravel(), minlength=m)
            d[R] = c

    for j in pr.fx:
        open_site(int(j))
    out = list(pr.fx)
    while len(out) < p and time.perf_counter() < until:
        j = int(np.argmax(np.where(is_open, -1.0, gain)))
        open_site(j)
        out.append(j)
    if len(out) < p:
        rest = np.nonzero(~is_open)[0]
        out.extend(rest[np.linspace(0, rest.size - 1, p - len(out)).round().astype(np.int64)].tolist())
        out = list(dict.fromkeys(out))
        if len(out) < p:  # pragma: no cover - rounding collisions on tiny instances
            out.extend([int(j) for j in np.nonzero(~np.isin(np.arange(m), out))[0][: p - len(out)]])
    return np.asarray(out[:p], dtype=np.int64)


@dataclass
class _SwapData:
    """What every swap search on the same lists shares: the first ``Ks`` listed sites of each row,
    the listed pairs of each site (``inv[jstart[j]:jstart[j + 1]]``) and a distance beyond any pair."""

    I: np.ndarray
    D: np.ndarray
    rows: np.ndarray
    inv: np.ndarray
    jstart: np.ndarray
    big: float

    @property
    def Ks(self) -> int:
        return int(self.I.shape[1])


def _swap_data(lists: _Lists, pr: _Points) -> _SwapData:
    n, m, p = pr.n, pr.m, pr.p
    Ks = int(min(lists.K, max(32, 2 * -(-m // p))))
    I, D = np.ascontiguousarray(lists.idx[:, :Ks]), np.ascontiguousarray(lists.dist[:, :Ks])
    lo = np.minimum(pr.xy.min(axis=0), pr.sxy.min(axis=0))
    hi = np.maximum(pr.xy.max(axis=0), pr.sxy.max(axis=0))
    flat = I.ravel()
    inv = np.argsort(flat, kind="stable")
    return _SwapData(I, D, np.repeat(np.arange(n), Ks), inv, np.searchsorted(flat[inv], np.arange(m + 1)),
                     2.0 * float(np.hypot(*(hi - lo))) + 1.0)


def _swap_search(lists: _Lists, pr: _Points, o: np.ndarray, until: float, sd: _SwapData | None = None):
    """Best-improvement swaps with the profit of Resende and Werneck (2007) on the listed pairs
    ``c_ij < d2_i`` (``d1``, ``d2``: a row's nearest and second-nearest open distances, from a k-d
    tree over the open sites). Unlisted pairs only add profit, so a listed profit > 0 is a true
    improvement; each swap is still re-evaluated. Returns ``(sites, value)``; adds the swaps made
    to ``extras["swaps"]``."""
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    n, m, p, w, tol = pr.n, pr.m, pr.p, pr.wk, pr.tol
    rng = np.random.default_rng(pr.seed)
    o = np.asarray(o, dtype=np.int64).copy()
    ks = 2 if p >= 2 else 1
    sd = _swap_data(lists, pr) if sd is None else sd
    I, D, rows, inv, jstart, big, Ks = sd.I, sd.D, sd.rows, sd.inv, sd.jstart, sd.big, sd.Ks
    swaps, batch = 0, []
    best_v, best_o = np.inf, o.copy()
    touched = np.zeros(n, dtype=np.bool_)
    while True:
        dd, kk = cKDTree(pr.sxy[o]).query(pr.xy, k=ks)
        dd = np.asarray(dd, dtype=np.float64).reshape(n, ks)
        kk = np.asarray(kk, dtype=np.int64).reshape(n, ks)
        d1, a1 = dd[:, 0], kk[:, 0]
        # one open site: no second one; a distance beyond any pair stands for it (it cancels out)
        d2 = dd[:, 1] if ks == 2 else np.full(n, big)
        v = float(w @ d1)
        if v > best_v - tol:
            if len(batch) <= 1:  # pragma: no cover - a listed profit > 0 always improves
                break
            # the batch did worse than its best swap alone: that one only
            o = best_o.copy()
            o[batch[0][1]] = batch[0][0]
            swaps -= len(batch) - 1
            batch = batch[:1]
            continue
        best_v, best_o = v, o.copy()
        if time.perf_counter() >= until or p >= m:
            break
        loss = np.bincount(a1, weights=w * (d2 - d1), minlength=p)
        loss[pr.fixed_mask[o]] = np.inf
        is_open = np.zeros(m, dtype=np.bool_)
        is_open[o] = True
        sel = (D < d2[:, None]).ravel() & ~is_open[I.ravel()]
        ri, cj, c = rows[sel], I.ravel()[sel], D.ravel()[sel]
        gain = np.bincount(cj, weights=w[ri] * np.maximum(d1[ri] - c, 0.0), minlength=m)
        ext = w[ri] * (d2[ri] - np.maximum(c, d1[ri]))
        E = sp.csr_matrix((ext, (cj, a1[ri])), shape=(m, p))
        E.sum_duplicates()
        # profit(j, r) = gain_j - loss_r + E[j, r]; E >= 0, so gain_j - min(loss) is a floor
        r0 = int(np.argmin(loss + rng.random(p) * 1e-12))
        prof = gain - loss[r0]
        best_r = np.full(m, r0, dtype=np.int64)
        if E.nnz:
            val = E.data - loss[E.indices]
            nz = np.diff(E.indptr) > 0
            starts = E.indptr[:-1][nz]
            mx = np.maximum.reduceat(val, starts)
            rows_nz = np.nonzero(nz)[0]
            pos = np.repeat(mx, np.diff(E.indptr)[nz]) == val
            arg = E.indices[np.nonzero(pos)[0]]
            first = np.unique(np.repeat(rows_nz, np.diff(E.indptr)[nz])[pos], return_index=True)[1]
            better = gain[rows_nz] + mx > prof[rows_nz]
            prof[rows_nz[better]] = gain[rows_nz[better]] + mx[better]
            best_r[rows_nz[better]] = arg[first][better]
        prof[is_open] = -np.inf
        batch = _independent_swaps(prof, best_r, a1, kk[:, -1], d2, inv, jstart, Ks, D.ravel(), touched, tol)
        if not batch:
            break
        for j, r in batch:
            o[r] = j
        swaps += len(batch)
    pr.extras["swaps"] = pr.extras.get("swaps", 0) + swaps
    return np.sort(best_o), best_v


def _vns_points(lists: _Lists, pr: _Points, sites, ub, until, sd: _SwapData, max_shakes: int = 200, seed=None):
    """Variable neighbourhood search (Hansen and Mladenovic 1997) around the swap search: replace
    ``k`` random open sites (never fixed ones) by random closed candidates, run the swap search,
    keep the result when better (then ``k = 1``), else try ``k + 1`` (up to 10, then 1 again),
    until three rounds of ``k = 1 ... 10`` bring nothing, ``max_shakes`` shakes or ``until``
    (the work is fixed, so the answer does not depend on the load unless the clock stops it);
    ``seed`` (default ``pr.seed + 1``) seeds the shakes. Returns ``(sites, value)``; ``extras["vns_shakes"]`` counts the shakes."""
    m, p, tol = pr.m, pr.p, pr.tol
    rng = np.random.default_rng(pr.seed + 1 if seed is None else seed)
    k_max = int(min(10, p - pr.fx.size, m - p))
    k, shakes, stale = 1, 0, 0
    while k_max >= 1 and time.perf_counter() < until and shakes < max_shakes and stale < 3 * k_max:
        o = np.array(sites, dtype=np.int64)
        free = np.nonzero(~pr.fixed_mask[o])[0]
        pos = rng.choice(free, size=k, replace=False)
        is_open = np.zeros(m, dtype=np.bool_)
        is_open[o] = True
        closed = np.nonzero(~is_open)[0]
        o[pos] = rng.choice(closed, size=k, replace=False)
        shakes += 1
        s2, v2 = _swap_search(lists, pr, o, until, sd)
        if v2 < ub - tol:
            sites, ub, k, stale = s2, v2, 1, 0
        else:
            k, stale = (k + 1 if k < k_max else 1), stale + 1
    pr.extras["vns_shakes"] = shakes
    return sites, ub


def _independent_swaps(prof, best_r, a1, a2, d2, inv, jstart, Ks, dflat, touched, tol, top=32):
    """Up to ``top`` improving swaps ``(j in, position r out)`` in decreasing profit whose rows do
    not meet: a swap touches the rows served first or second by ``r`` and the rows listing ``j``
    below their second distance. Disjoint swaps add up (on the listed pairs), so the batch does
    about as much as its swaps one after the other; the caller re-checks it on the k-d tree."""
    cand = np.argsort(-prof)[:top]
    cand = cand[prof[cand] > tol]
    touched[:] = False
    out, used_r = [], set()
    for j in cand:
        r = int(best_r[j])
        if r in used_r:
            continue
        pos = inv[jstart[j]:jstart[j + 1]]
        rj = pos // Ks
        rj = rj[dflat[pos] < d2[rj]]
        rr = np.nonzero((a1 == r) | (a2 == r))[0]
        if touched[rj].any() or touched[rr].any():
            continue
        touched[rj] = True
        touched[rr] = True
        used_r.add(r)
        out.append((int(j), r))
    return out


def _lagrangian_lists(lists: _Lists, pr: _Points, ub: float, until: float, max_iter: int = 3000, state=None):
    """Subgradient Lagrangian bound with reduced-cost fixing on the sorted lists (the kernel of
    :func:`p_median`, each multiplier held at or below its row's ``K``-th weighted distance);
    ``state`` = ``(fixed open mask, allowed mask, multipliers)`` of an earlier call to go on from
    (mutated). Returns ``(fixed open mask, allowed mask, multipliers, bound)``."""
    from yingji._kernels.median import _lagrangian_median

    m, p, w = pr.m, pr.p, pr.wk
    idx = np.ascontiguousarray(lists.idx, dtype=np.int32)
    wcs = np.ascontiguousarray(w[:, None] * lists.dist)
    cap = np.ascontiguousarray(wcs[:, -1])
    if state is None:
        fm, am = pr.fixed_mask.copy(), np.ones(m, dtype=np.bool_)
        lam = np.minimum(w * lists.dist[:, min(1, lists.K - 1)], cap)
    else:
        fm, am, lam = state
        np.minimum(lam, cap, out=lam)
    out, sel, rho = np.zeros(4), np.zeros(m, dtype=np.bool_), np.zeros(m)
    dummy = np.zeros((1, 1))
    best, theta, used, per_it, infeasible = -np.inf, 2.0, 0, 1e-8 * idx.size, False
    delta = pr.dl(ub)
    while used < max_iter and time.perf_counter() < until:
        chunk = int(max(1, min(100, max_iter - used, (until - time.perf_counter()) / per_it)))
        tc = time.perf_counter()
        L = _lagrangian_median(dummy, w, idx, wcs, fm, am, p, lam, ub, chunk, theta, delta, out, sel, rho, cap)
        per_it = max(per_it, (time.perf_counter() - tc) / max(1.0, out[1]))
        used += int(out[1])
        theta = out[3]
        if out[2] > 0:
            best, infeasible = np.inf, True
            break
        best = max(best, L)
        if best >= ub - delta or theta < 1e-5 or int(out[1]) < chunk:
            break
    ex = pr.extras
    ex["lagrangian_iterations"] = used
    ex["lagrangian_bound"] = float(min(best, ub))
    ex["n_fixed_open"] = int(fm.sum() - pr.fixed_mask.sum())
    ex["n_fixed_closed"] = int((~am & ~fm).sum())
    # no p-set of the restricted problem, or a bound above ub - delta: none beats ub by delta
    bound = ub - delta if infeasible or best >= ub - delta else best
    return fm, am, lam, float(bound)
