r"""Coverage that counts busy units: MEXCLP, MALP I / II and the hypercube-adjusted MEXCLP.

A unit out on a call covers nobody. The models here plan for that on any demand × sites cost
matrix:

* :func:`mexclp` — maximum expected covering (Daskin 1983): ``p`` units, each busy with
  probability ``q``; a row covered by ``n`` units is reached with probability ``1 - q^n``.
  ``adjust="hypercube"`` corrects for units not being busy independently (Batta, Dolan and
  Krishnamurthy 1989) and iterates busy fractions from Larson's hypercube approximation
  (:mod:`yingji.siting.queueing`) on the chosen sites to a fixed point.
* :func:`malp` — maximum availability (ReVelle and Hogan 1989): the weight covered with
  reliability ``alpha``; a system-wide busy fraction (MALP I) or a local one per row from the
  demand around it (MALP II).
* :func:`busy_fraction`, :func:`required_units`, :func:`expected_coverage` — the busy fraction
  from call rates and service times, the number of covering units a reliability needs, and the
  checker that recomputes a plan's expected coverage.

The engine (levels instance, greedy + swap, Lagrangian bound, sparse MIP) is
:mod:`yingji.siting._avail_core`. Times in minutes, rates in calls per year.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import Interval, Options, Problems, check_param
from yingji.exceptions import SolverError, ValidationError
from yingji.results import SitingResult, relative_gap
from yingji.siting import _inputs as inp
from yingji.siting._avail_core import (_greedy, _lagrangian_bound, _levels_model, _levels_start, _Levels, _swap,
                                       _value)
from yingji.siting.coverage.common import as_int, assign, check_method, duplicate_groups, row_labels
from yingji.siting.coverage.maxcover import _maxcov_inputs
from yingji.solvers import SparseModel, solve, solve_lexicographic

__all__ = ["mexclp", "malp", "busy_fraction", "required_units", "expected_coverage"]

MINUTES_PER_YEAR = 365.0 * 24.0 * 60.0
#: ``busy``: a probability in [0, 1).
BUSY = Interval(float, 0, 1, closed="left")
#: ``alpha``: a reliability in (0, 1).
ALPHA = Interval(float, 0, 1, closed="neither")


# ------------------------------------------------------------------------------------ busy fractions
def busy_fraction(incidents_per_year, service_minutes, units) -> float:
    r"""System-wide busy fraction of ``units`` answering the calls: :math:`q = \lambda \bar t / N`.

    Parameters
    ----------
    incidents_per_year : float or array_like
        Calls per year (one total, or one rate per demand point, summed).
    service_minutes : float
        Mean minutes a unit is busy per call (turnout, travel, on scene and back).
    units : int
        Number of units sharing the calls.

    Returns
    -------
    float
        :math:`q = \sum_i \lambda_i \bar t / (525\,600 \, N)`, in [0, 1).

    Raises
    ------
    ValidationError
        Negative or NaN rates, a non-positive ``service_minutes`` or ``units``, or ``q >= 1``
        (the units cannot keep up with the calls).

    Notes
    -----
    Daskin [1]_ estimates the busy fraction as the offered load over the number of units;
    ReVelle and Hogan [2]_ do the same per area (MALP II, :func:`required_units` with ``load``).

    References
    ----------
    .. [1] M. S. Daskin, "A maximum expected covering location model: formulation, properties
       and heuristic solution", Transportation Science 17(1), 48-70, 1983.
    .. [2] C. ReVelle and K. Hogan, "The maximum availability location problem",
       Transportation Science 23(3), 192-200, 1989.

    Examples
    --------
    >>> round(busy_fraction([2000.0, 1000.0], 45.0, 3), 4)
    0.0856
    """
    probs = Problems("busy_fraction")
    rate = np.atleast_1d(np.asarray(incidents_per_year, dtype=float)).ravel()
    if not np.all(np.isfinite(rate)) or (rate < 0).any():
        probs.param("incidents_per_year", "finite non-negative calls per year", rate.tolist()[:10])
    s = check_param(probs, "service_minutes", service_minutes, Interval(float, 0, None, closed="neither"),
                    default=float("nan"))
    n = check_param(probs, "units", units, Interval(int, 1, None), default=0)
    probs.raise_if_any()
    q = float(rate.sum()) * s / (MINUTES_PER_YEAR * n)
    if q >= 1.0:
        raise ValidationError(f"busy_fraction: {rate.sum():.4g} calls a year of {s:g} minutes need {q * n:.4g} "
                              f"busy units on average, but there are {n} (busy fraction {q:.3f} >= 1).")
    return q


def required_units(alpha, busy=None, *, load=None):
    r"""Covering units a row needs to be covered with reliability ``alpha``.

    Parameters
    ----------
    alpha : float in (0, 1)
        Reliability: the probability that at least one covering unit is free.
    busy : float in [0, 1), optional
        System-wide busy fraction (MALP I): :math:`b = \lceil \ln(1-\alpha) / \ln q \rceil`.
    load : float or array_like, optional
        Offered load around each row in busy units (Erlangs: calls per minute × busy minutes;
        MALP II). With :math:`b` units there the busy fraction is :math:`L/b`, and :math:`b` is
        the least integer with :math:`1 - (L/b)^b \ge \alpha`.

    Returns
    -------
    int or numpy.ndarray of int
        At least 1.

    Raises
    ------
    ValidationError
        Bad ``alpha``, ``busy`` or ``load``, or both / neither of ``busy`` and ``load``.

    References
    ----------
    .. [1] C. ReVelle and K. Hogan, "The maximum availability location problem",
       Transportation Science 23(3), 192-200, 1989 (equations 6 and 12).

    Examples
    --------
    >>> required_units(0.9, busy=0.3)
    2
    >>> required_units(0.95, load=[0.1, 1.0]).tolist()
    [2, 3]
    """
    probs = Problems("required_units")
    a = check_param(probs, "alpha", alpha, ALPHA, default=0.5)
    if (busy is None) == (load is None):
        probs.add("required_units needs exactly one of 'busy' (MALP I) and 'load' (MALP II).")
    q = check_param(probs, "busy", busy, BUSY, None, default=0.0)
    L = None
    if load is not None:
        L = np.atleast_1d(np.asarray(load, dtype=float))
        if not np.all(np.isfinite(L)) or (L < 0).any():
            probs.param("load", "finite non-negative loads (busy units)", L.tolist()[:10])
    probs.raise_if_any()
    if L is None:
        return 1 if q == 0 else max(1, int(math.ceil(math.log(1.0 - a) / math.log(q) - 1e-12)))
    out = _b_local(L, a)
    return out if np.ndim(load) else int(out[0])


def _b_local(L: np.ndarray, alpha: float) -> np.ndarray:
    """MALP II counts: the least b >= 1 with L/b < 1 and (L/b)^b <= 1 - alpha."""
    b = np.maximum(np.floor(L).astype(np.int64) + 1, 1)
    out = np.empty(L.size, dtype=np.int64)
    for i, (Li, bi) in enumerate(zip(L, b)):
        while Li > 0 and (Li / bi) ** bi > 1.0 - alpha + 1e-15:
            bi += 1
        out[i] = bi
    return out


def expected_coverage(cost, radius, units, *, weights=None, busy=0.0) -> float:
    r"""Expected covered weight of a placement: :math:`\sum_i w_i (1 - q^{n_i})`.

    Parameters
    ----------
    cost : array_like, shape (n, m)
    radius : float
    units : array_like of int
        Site positions, one entry per unit (a position twice = two units there).
    weights : array_like, optional
    busy : float or array_like
        Busy fraction (one, or one per row).

    Returns
    -------
    float

    Examples
    --------
    >>> expected_coverage([[1.0, 1.0], [1.0, 9.0]], 2.0, [0, 1], busy=0.5)
    1.25
    """
    probs = Problems("expected_coverage")
    ci = inp.prepare_cost(cost, "expected_coverage", probs=probs)
    r = inp.check_radius(radius, probs)
    w = inp.check_weights(weights, ci.n, "expected_coverage", probs)
    probs.raise_if_any()
    A = inp.coverage_matrix(ci.C, r)
    x = np.bincount(np.asarray(units, dtype=np.int64).ravel(), minlength=ci.m)
    n = np.asarray(sp.csr_matrix(A, dtype=np.int64) @ x).ravel()
    q = np.broadcast_to(np.asarray(busy, dtype=float), n.shape)
    return float((w * (1.0 - q ** n)).sum())


# ----------------------------------------------------------------------------------- shared pieces
def _check_common(func, cost, radius, coverage, p, weights, fixed, max_per_site, method, time_limit, mip_gap,
                  probs):
    cov, w, fx, pp = _maxcov_inputs(func, cost, radius, coverage, p, weights, fixed, probs)
    check_method(method, func, probs)
    tl = inp.check_time_limit(time_limit, probs)
    inp.check_mip_gap(mip_gap, probs)
    mps = check_param(probs, "max_per_site", max_per_site, Interval(int, 1, None), None, default=1)
    return cov, w, fx, pp, tl, (pp if mps is None else mps)


def _reduce_rows(A: sp.csr_matrix, w: np.ndarray, key: np.ndarray | None = None):
    """Rows with weight and some covering site, identical rows (same ``key``) merged.

    Returns (A rows, summed weights, original row of each group, group of each kept row, kept)."""
    deg = np.diff(A.indptr)
    keep = np.nonzero((w > 0) & (deg > 0))[0]
    Ak = sp.csr_matrix(A[keep])
    M = Ak
    if key is not None:
        _, kc = np.unique(key[keep], return_inverse=True)
        M = sp.hstack([Ak, sp.csr_matrix((np.ones(keep.size), (np.arange(keep.size), kc.ravel())))], format="csr")
    rep = duplicate_groups(M, axis=0) if keep.size else np.zeros(0, np.int64)
    uniq, inv = np.unique(rep, return_inverse=True)
    wa = np.bincount(inv.ravel(), weights=w[keep], minlength=uniq.size)
    return sp.csr_matrix(Ak[uniq]), wa, keep[uniq], inv.ravel(), keep


def _bounds_per_site(m, fx, mps):
    lo = np.zeros(m, dtype=np.int64)
    lo[fx] = 1
    hi = np.full(m, int(mps), dtype=np.int64)
    return lo, hi


def _units_list(x: np.ndarray) -> list:
    return np.repeat(np.arange(x.size), x).tolist()


def _drive(L: _Levels, *, method, t0, tl, solver, mip_gap, verbose, build, start=None, stages=None):
    """Heuristic, Lagrangian bound and (unless ``method="heuristic"`` or the heuristic is proven)
    the MIP of ``build(L)`` from the heuristic's units.

    ``stages`` (a callable model -> objectives) makes the MIP lexicographic. Returns (x, bound of
    the levels objective, extras)."""
    end = t0 + 0.95 * tl
    ex: dict = {}
    x, val = None, 0.0
    if method in ("heuristic", "auto"):
        th = time.perf_counter()
        share = 1.0 if method == "heuristic" else 0.35
        x = _greedy(L, start)
        x, val, passes = _swap(L, x, deadline=th + share * max(end - th, 0.0))
        ex.update(heuristic_objective=val, swap_passes=passes, heuristic_seconds=time.perf_counter() - th)
    tb = time.perf_counter()
    share = 1.0 if method == "heuristic" else 0.15
    ub, _ = _lagrangian_bound(L, val, deadline=tb + share * max(end - tb, 0.0), x=x)
    ex["lagrangian_bound"] = ub
    if method == "heuristic" or (x is not None and relative_gap(val, ub) <= mip_gap and stages is None):
        return x, ub, ex
    model = build(L)
    st = _levels_start(L, x, model) if x is not None else None
    rem = max(end - time.perf_counter(), 0.5)
    tm = time.perf_counter()
    if stages is None:
        sol = solve(model, solver=solver, time_limit=rem, mip_gap=mip_gap, start=st, verbose=verbose)
        b = sol.bound
    else:
        sol = solve_lexicographic(model, stages(model), solver=solver, time_limit=rem, mip_gap=mip_gap, start=st,
                                  verbose=verbose)
        b = sol.stages[0].bound if sol.stages else np.inf
        ex["stages"] = [s.to_dict() for s in sol.stages]
    ex.update(solver_status=sol.solver_status, mip_bound=float(b), mip_seconds=time.perf_counter() - tm)
    if sol.has_solution:
        xs = np.round(sol.x[:L.A.shape[1]]).astype(np.int64)
        if x is None or _value(L, xs) >= _value(L, x) - 1e-9 * max(1.0, abs(val)) or stages is not None:
            x = xs
    if x is None:
        raise SolverError(f"{model.name}: no solution found within the time limit.", status=sol.solver_status)
    return x, min(ub, float(b)), ex


def _finish(func, cov, w, x, *, objective, bound, seconds, method, mip_gap, extras, A=None):
    sites = np.nonzero(x > 0)[0]
    assignment, row_cost, covered = assign(cov, sites)
    ex = {"units": {int(j): int(x[j]) for j in sites}, "unit_sites": _units_list(x),
          "coverage_count": np.asarray((as_int(cov.A) if A is None else A) @ x).ravel()}
    ex.update(extras)
    return inp.make_result(func, sites=sites, objective=objective, bound=bound, sense="max", ci=cov.ci,
                           assignment=assignment, seconds=seconds, method=method,
                           stopped="heuristic" if method == "heuristic" else "time_limit", mip_gap=mip_gap,
                           row_cost=row_cost, row_covered=covered, covered=float(w[covered].sum()), extras=ex)


# --------------------------------------------------------------------------------------------- mexclp
def _mexclp_levels(A, w, q, lo, hi, p, Qc=None, mip_gap=config.MIP_GAP, unit_cap=None):
    """Levels of MEXCLP (Q-corrected when ``Qc`` is given), truncated where the tail is negligible.

    Returns (levels, tail bound): the weight the dropped levels could add at most."""
    q = np.broadcast_to(np.asarray(q, dtype=float), w.shape)
    # most units that can cover a row
    cap = np.minimum(np.asarray(A @ hi).ravel(), p if unit_cap is None else unit_cap).astype(np.int64)
    kmax = int(cap.max()) if cap.size else 1
    qm = float(q.max()) if q.size else 0.0
    eps = max(1e-12, 0.01 * mip_gap)
    kq = 1 if qm <= 0 else int(math.ceil(math.log(eps) / math.log(qm)))
    K = max(1, min(kmax, kq))
    k = np.arange(K)
    corr = np.ones(K) if Qc is None else np.asarray(Qc, dtype=float)[:K]
    V = w[:, None] * (1.0 - q)[:, None] * q[:, None] ** k[None, :] * corr[None, :]
    V[k[None, :] >= cap[:, None]] = 0.0
    qmax = 1.0 if Qc is None else max(1.0, float(np.max(Qc)))
    tail = float((w * qmax * q ** K)[cap > K].sum())
    return _Levels(sp.csr_matrix(A, dtype=np.int64), V, lo, hi, int(p)), tail


def _expected(w, n, q, Qc=None):
    """Expected covered weight with ``n`` covering units per row: ``sum_k<n w (1-q) q^k Q_k``."""
    q = np.broadcast_to(np.asarray(q, dtype=float), w.shape)
    if Qc is None:
        return float((w * (1.0 - q ** n)).sum())
    nmax = int(n.max()) if n.size else 0
    if nmax == 0:
        return 0.0
    k = np.arange(nmax)
    terms = (1.0 - q)[:, None] * q[:, None] ** k[None, :] * np.asarray(Qc, dtype=float)[None, :nmax]
    terms[k[None, :] >= n[:, None]] = 0.0
    return float((w * terms.sum(axis=1)).sum())


def mexclp(cost=None, radius=None, p=None, *, coverage=None, weights=None, busy=None, fixed=None,
           max_per_site=None, site_units=None, adjust=None, incidents_per_year=None, service_minutes=None, max_rounds=10,
           method="auto", time_limit=config.TIME_LIMIT, solver=None, mip_gap=config.MIP_GAP,
           verbose=False) -> SitingResult:
    r"""Maximum expected covering: ``p`` units, each busy with probability ``busy``.

    Parameters
    ----------
    cost : array_like or pandas.DataFrame, shape (n, m), optional
        Demand × sites cost (minutes); ``inf`` = unreachable.
    radius : float, optional
        Coverage standard (covered when ``cost <= radius``).
    p : int
        Number of units, fixed ones included.
    coverage : array_like of bool or scipy.sparse matrix, optional
        The coverage matrix instead of ``cost`` and ``radius`` (not with ``adjust="hypercube"``).
    weights : array_like, shape (n,), optional
        Demand weight of each row (calls, persons); default 1.
    busy : float in [0, 1)
        Busy fraction of a unit. Default: :func:`busy_fraction` of ``incidents_per_year`` and
        ``service_minutes`` over ``p`` units when both are given, else an error.
    fixed : sequence of int, optional
        Existing sites that keep (at least) one unit.
    max_per_site : int, optional
        Units one site may hold. Default ``p``: as in Daskin's formulation [1]_, where
        :math:`x_j` is the number of vehicles at node :math:`j`. Pass 1 for one unit per
        station.
    site_units : array_like of int, shape (m,), optional
        Units that opening site ``j`` places there (the engines of a station): ``p`` then
        counts open sites, each site opens at most once, and a row covered by open sites
        :math:`S` counts :math:`\sum_{j \in S} u_j` units (needs ``busy``; not with
        ``adjust``).
    adjust : {None, "hypercube"}
        ``"hypercube"``: the expected coverage of [2]_ (each level multiplied by Larson's
        correction factor :math:`Q(p, \rho, k)`), then busy fractions per row from Larson's
        hypercube approximation on the chosen units (the mean workload of the units covering the
        row), re-solved until the units repeat (a fixed point) or ``max_rounds``. Needs ``cost``
        (finite everywhere a chosen unit drives), ``incidents_per_year`` and
        ``service_minutes``.
    incidents_per_year : array_like, shape (n,), optional
        Calls per year per row (busy fraction, hypercube).
    service_minutes : float, optional
        Mean busy minutes per call.
    max_rounds : int
        Rounds of the hypercube iteration.
    method : {"auto", "exact", "heuristic"}
        ``"heuristic"``: greedy + one-unit swaps with the Lagrangian bound; ``"exact"``: the
        MIP; ``"auto"``: heuristic first, the MIP from it while the gap is open.
    time_limit : float
        Seconds for the call (per round with ``adjust="hypercube"``).
    solver : None or PuLP solver object
    mip_gap : float
    verbose : bool

    Returns
    -------
    SitingResult
        ``objective`` = expected covered weight; ``covered`` = weight within reach of at least
        one unit; ``extras``: ``busy`` (per row for the hypercube), ``expected_share``,
        ``units`` ({site: units}), ``unit_sites`` (one entry per unit), ``coverage_count``,
        ``levels``, ``truncation`` (bound added for dropped levels); hypercube: ``unit_busy``
        (Larson workload per unit), ``rounds``, ``converged``, ``correction``.

    Raises
    ------
    ValidationError
        Bad inputs (as :func:`yingji.mclp`), ``busy`` outside [0, 1), missing busy fraction,
        ``adjust`` unknown or without its inputs.

    See Also
    --------
    malp : coverage with a reliability.
    expected_coverage : recompute the objective.

    Notes
    -----
    Daskin's model [1]_, :math:`y_{ik} = 1` when row :math:`i` is covered by at least
    :math:`k` units:

    .. math::
        \max \sum_i \sum_{k=1}^{p} w_i (1-q) q^{k-1} y_{ik} \quad \text{s.t.} \quad
        \sum_k y_{ik} \le \sum_{j \in N_i} x_j, \quad \sum_j x_j \le p, \quad
        x_j \in \{0, \dots, u_j\}, \; 0 \le y_{ik} \le 1.

    The coefficients fall with :math:`k`, so the :math:`y` need not be integer. Levels whose
    value is below ``mip_gap / 100`` of a row's weight are left out and their largest possible
    value :math:`\sum_i w_i q^{K}` added to the bound; ``objective`` is the exact expected
    coverage :math:`\sum_i w_i (1 - q^{n_i})` of the units chosen. The heuristic is a greedy
    (Daskin's own) followed by one-unit swaps; the bound relaxes the coverage rows with
    multipliers :math:`\mu_i \ge 0`. With :math:`q = 0` the model is the MCLP.

    References
    ----------
    .. [1] M. S. Daskin, "A maximum expected covering location model: formulation, properties
       and heuristic solution", Transportation Science 17(1), 48-70, 1983.
    .. [2] R. Batta, J. M. Dolan and N. N. Krishnamurthy, "The maximal expected covering
       location problem: revisited", Transportation Science 23(4), 277-287, 1989.
    .. [3] R. C. Larson, "Approximating the performance of urban emergency service systems",
       Operations Research 23(5), 845-868, 1975.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cost = np.array([[1.0, 9.0], [1.0, 1.0], [9.0, 1.0]])
    >>> r = yj.mexclp(cost, radius=2.0, p=2, weights=[10, 1, 1], busy=0.5)
    >>> r.extras["unit_sites"], r.objective, r.status
    ([0, 0], 8.25, 'optimal')
    """
    t0 = time.perf_counter()
    func = "mexclp"
    probs = Problems(func)
    cov, w, fx, pp, tl, mps = _check_common(func, cost, radius, coverage, p, weights, fixed, max_per_site, method,
                                            time_limit, mip_gap, probs)
    check_param(probs, "adjust", adjust, Options("hypercube"), None)
    rate = None if incidents_per_year is None else inp.check_weights(incidents_per_year, cov.n, func, probs,
                                                                     name="incidents_per_year")
    svc = check_param(probs, "service_minutes", service_minutes, Interval(float, 0, None, closed="neither"), None)
    max_rounds = check_param(probs, "max_rounds", max_rounds, Interval(int, 1, None), default=1)
    q = check_param(probs, "busy", busy, BUSY, None, default=0.0)
    if q is None and (rate is None or svc is None):
        probs.add(f"{func} needs 'busy' (a busy fraction in [0, 1)), or 'incidents_per_year' with "
                  f"'service_minutes' to compute it.")
    if adjust == "hypercube" and (rate is None or svc is None or cov.C is None):
        probs.add(f"adjust='hypercube' in {func} needs 'cost' (not 'coverage'), 'incidents_per_year' and "
                  f"'service_minutes'.")
    u = None
    if site_units is not None:
        u = np.asarray(site_units, dtype=float).ravel()
        if u.size != cov.m or not np.all(np.isfinite(u)) or (u < 1).any() or (u != np.round(u)).any():
            probs.param("site_units", f"{cov.m} ints >= 1 (units per site)", u.tolist()[:10])
        if busy is None or adjust is not None:
            probs.add(f"'site_units' in {func} needs 'busy' and no 'adjust'.")
        u = u.astype(np.int64)
        mps = 1
    probs.raise_if_any()
    if q is None:
        q = busy_fraction(rate, svc, pp)
    lo, hi = _bounds_per_site(cov.m, fx, mps)
    A = as_int(cov.A)
    kw = dict(method=method, solver=solver, mip_gap=mip_gap, verbose=verbose)
    if adjust == "hypercube":
        return _mexclp_hypercube(cov, w, A, lo, hi, pp, q, rate, svc, max_rounds, t0=t0, tl=tl, **kw)
    x, bound, ex = _mexclp_round(A, w, q, lo, hi, pp, None, t0=t0, tl=tl, u=u, **kw)
    if u is not None:
        A = sp.csr_matrix(A @ sp.diags(u.astype(np.int64), dtype=np.int64))
    n = np.asarray(A @ x).ravel()
    obj = _expected(w, n, q)
    tot = float(w.sum())
    ex.update(busy=q, expected_share=obj / tot if tot > 0 else 1.0)
    return _finish(func, cov, w, x, objective=obj, bound=bound, seconds=time.perf_counter() - t0, method=method,
                   mip_gap=mip_gap, extras=ex, A=A)


def _mexclp_round(A, w, q, lo, hi, p, Qc, *, t0, tl, method, solver, mip_gap, verbose, start=None, u=None):
    """One MEXCLP solve (rows merged where their coverage and busy fraction agree): (x, bound, extras)."""
    qv = np.broadcast_to(np.asarray(q, dtype=float), w.shape)
    key = None if np.ndim(q) == 0 else np.unique(qv, return_inverse=True)[1].ravel()
    Ar, wa, rep, _, _ = _reduce_rows(A, w, key)
    m = A.shape[1]
    if Ar.shape[0] == 0:
        x = _greedy(_Levels(sp.csr_matrix((0, m), dtype=np.int64), np.zeros((0, 1)), lo, hi, p))
        return x, 0.0, {"levels": 0, "truncation": 0.0, "model_rows": 0}
    cap = None
    if u is not None:
        Ar = sp.csr_matrix(Ar @ sp.diags(u.astype(np.int64), dtype=np.int64))
        cap = int(p * u.max())
    L, tail = _mexclp_levels(Ar, wa, qv[rep], lo, hi, p, Qc, mip_gap, cap)
    x, ub, ex = _drive(L, t0=t0, tl=tl, build=lambda L_: _levels_model(L_, "mexclp"), start=start, method=method,
                       solver=solver, mip_gap=mip_gap, verbose=verbose)
    ex.update(levels=L.K, truncation=tail, model_rows=int(Ar.shape[0]))
    return x, ub + tail, ex


def _mexclp_hypercube(cov, w, A, lo, hi, p, q0, rate, svc, max_rounds, *, t0, tl, method, solver, mip_gap, verbose):
    """Batta et al.'s corrected MEXCLP, then busy fractions per row from Larson's approximation on
    the chosen units, re-solved until the units repeat."""
    from yingji.siting.queueing import _erlang, _larson_q, hypercube

    lam = float(rate.sum()) / MINUTES_PER_YEAR
    a = lam * svc
    rho = a / p
    if rho >= 1:
        raise ValidationError(f"mexclp: {p} units cannot keep up with the calls (offered load {a:.3g} busy units).")
    p0, _ = _erlang(p, a)
    Qc = _larson_q(p, rho, p0) if rho > 0 else np.ones(p)
    qrow = np.full(w.size, rho)
    seen: list[tuple] = []
    x = None
    rounds = 0
    converged = False
    hc = None
    ex: dict = {}
    bound = np.nan
    while rounds < max_rounds:
        rounds += 1
        t_r = time.perf_counter()
        x, bound, ex = _mexclp_round(A, w, qrow, lo, hi, p, Qc, t0=t_r, tl=tl, method=method, solver=solver,
                                     mip_gap=mip_gap, verbose=verbose, start=x)
        units = _units_list(x)
        T = cov.C[:, units]
        if np.isinf(T).any():
            bad = sorted({units[k] for k in np.nonzero(np.isinf(T).any(axis=0))[0]})
            raise ValidationError(f"mexclp: adjust='hypercube' needs the chosen sites {bad} to reach every demand "
                                  f"row (their cost has inf entries).")
        hc = hypercube(T, rate, service_minutes=svc, limit_minutes=float(np.nanmax(T)) + 1.0, method="larson")
        work = hc.workload.to_numpy()
        per_site = np.bincount(np.asarray(units), weights=work, minlength=A.shape[1])
        n = np.asarray(A @ x).ravel()
        s = np.asarray(A @ per_site).ravel()
        q_new = np.where(n > 0, s / np.maximum(n, 1), rho)
        key = tuple(x.tolist())
        qrow_used = qrow
        qrow = q_new
        if key in seen:
            converged = True
            break
        seen.append(key)
    n = np.asarray(A @ x).ravel()
    obj = _expected(w, n, qrow_used, Qc)
    tot = float(w.sum())
    ex.update(busy=qrow_used, expected_share=obj / tot if tot > 0 else 1.0, rounds=rounds, converged=converged,
              unit_busy=hc.workload.to_numpy(), correction=np.asarray(Qc), system_busy=rho,
              next_busy=qrow)
    return _finish("mexclp", cov, w, x, objective=obj, bound=bound, seconds=time.perf_counter() - t0, method=method,
                   mip_gap=mip_gap, extras=ex)


# ----------------------------------------------------------------------------------------------- malp
def _local_load(A: sp.csr_matrix, load: np.ndarray) -> np.ndarray:
    """Offered load around each row: the rows that share a covering site with it, itself included."""
    Ab = sp.csr_matrix(A, dtype=np.float64)
    near = (Ab @ Ab.T).tocsr()
    near.data[:] = 1.0
    return np.asarray(near @ load).ravel()


def _malp_model(A: sp.csr_matrix, w, b, lo, hi, p, ok) -> SparseModel:
    """MALP in sparse form: x (units), z (row covered by at least b_i units, binary; rows in ``ok``),
    y (row covered at all, continuous: the tie-break). Rows ``b_i z_i <= sum_j a_ij x_j``,
    ``y_i <= sum_j a_ij x_j``, ``sum_j x_j <= p``."""
    n, m = A.shape
    Af = sp.csr_matrix(A, dtype=float)
    Z = sp.diags(b.astype(float), format="csr")
    I = sp.identity(n, format="csr")
    M = sp.vstack([sp.hstack([-Af, Z, sp.csr_matrix((n, n))]),
                   sp.hstack([-Af, sp.csr_matrix((n, n)), I]),
                   sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, 2 * n))])], format="csr")
    z_hi = np.where(ok, 1.0, 0.0)
    return SparseModel(c=np.r_[np.zeros(m), w, np.zeros(n)], A=M, row_lo=np.full(2 * n + 1, -np.inf),
                       row_hi=np.r_[np.zeros(2 * n), float(p)], col_lo=np.r_[lo.astype(float), np.zeros(2 * n)],
                       col_hi=np.r_[hi.astype(float), z_hi, np.ones(n)],
                       integrality=np.r_[np.ones(m, bool), np.ones(n, bool), np.zeros(n, bool)], sense="max",
                       name="malp")


def malp(cost=None, radius=None, p=None, *, coverage=None, weights=None, busy=None, alpha=0.95, load=None,
         fixed=None, max_per_site=1, tiebreak=True, method="auto", time_limit=config.TIME_LIMIT, solver=None,
         mip_gap=config.MIP_GAP, verbose=False) -> SitingResult:
    r"""Maximum availability: ``p`` units covering the most weight with reliability ``alpha``.

    Parameters
    ----------
    cost, radius, p, coverage, weights, fixed
        As in :func:`yingji.mclp`.
    busy : float in [0, 1), optional
        MALP I: the system-wide busy fraction of a unit.
    alpha : float in (0, 1)
        Required probability that at least one covering unit is free.
    load : array_like, shape (n,), optional
        MALP II: each row's own offered load in busy units (calls per minute × busy minutes,
        e.g. ``incidents_per_year * service_minutes / 525600``). A row's local load is the load
        of every row sharing a covering site with it (itself included), and its busy fraction
        with :math:`b` units there is that load over :math:`b`.
    max_per_site : int
        Units one site may hold (default 1; ReVelle and Hogan allow several, [1]_ section 2).
    tiebreak : bool
        Among the placements with the most reliably covered weight, take one covering the
        most weight at all (a second, lexicographic stage of the MIP).
    method, time_limit, solver, mip_gap, verbose
        As in :func:`mexclp`.

    Returns
    -------
    SitingResult
        ``objective`` = weight covered by at least ``b_i`` units; ``covered`` = weight covered
        at all; ``extras``: ``required`` (b per row), ``busy`` (per row), ``reliable_share``,
        ``unreliable_rows`` (rows that no placement can cover ``b_i`` times), ``units``,
        ``unit_sites``, ``coverage_count``, ``stages`` (with ``tiebreak``).

    Raises
    ------
    ValidationError
        Bad inputs, ``alpha`` outside (0, 1), not exactly one of ``busy`` and ``load``.

    Notes
    -----
    ReVelle and Hogan [1]_ require :math:`b_i` covering units, the least integer with
    :math:`1 - q_i^{b_i} \ge \alpha` (:func:`required_units`); with the local busy fraction
    :math:`q_i = L_i / b` (MALP II) it is the least :math:`b` with :math:`1 - (L_i/b)^b \ge
    \alpha`. Their linearisation keeps a chain :math:`y_{i1} \ge \dots \ge y_{ib_i}` with
    :math:`\sum_k y_{ik} \le \sum_{j \in N_i} x_j` and maximises
    :math:`\sum_i w_i y_{ib_i}`; the chain forces :math:`y_{ik} = y_{ib_i}` at an optimum, so
    it is written here with one binary :math:`z_i = y_{ib_i}` per row:

    .. math::
        \max \sum_i w_i z_i \quad \text{s.t.} \quad b_i z_i \le \sum_{j \in N_i} x_j, \quad
        \sum_j x_j \le p, \quad x_j \in \{0, \dots, u_j\}, \; z_i \in \{0, 1\}

    (the same LP relaxation). The heuristic bound relaxes the coverage rows (the LP relaxation
    gives each row :math:`w_i/b_i` per covering unit up to :math:`b_i`). With :math:`b_i = 1`
    for every row MALP is the MCLP.

    References
    ----------
    .. [1] C. ReVelle and K. Hogan, "The maximum availability location problem",
       Transportation Science 23(3), 192-200, 1989.

    Examples
    --------
    >>> import numpy as np, yingji as yj
    >>> cost = np.array([[1.0, 1.0, 9.0], [9.0, 1.0, 1.0], [9.0, 9.0, 1.0]])
    >>> r = yj.malp(cost, radius=2.0, p=2, weights=[5, 3, 1], busy=0.3, alpha=0.9)
    >>> int(r.extras["required"][0]), r.sites.tolist(), r.objective
    (2, [0, 1], 5.0)
    """
    t0 = time.perf_counter()
    func = "malp"
    probs = Problems(func)
    cov, w, fx, pp, tl, mps = _check_common(func, cost, radius, coverage, p, weights, fixed, max_per_site, method,
                                            time_limit, mip_gap, probs)
    a = check_param(probs, "alpha", alpha, ALPHA, default=0.5)
    if (busy is None) == (load is None):
        probs.add(f"{func} needs exactly one of 'busy' (MALP I) and 'load' (MALP II).")
    q = check_param(probs, "busy", busy, BUSY, None, default=0.0)
    own = None if load is None else inp.check_weights(load, cov.n, func, probs, name="load")
    probs.raise_if_any()
    A = as_int(cov.A)
    lo, hi = _bounds_per_site(cov.m, fx, mps)
    if own is None:
        b = np.full(cov.n, required_units(a, busy=q), dtype=np.int64)
        qrow = np.full(cov.n, q)
    else:
        Lr = _local_load(A, own)
        b = _b_local(Lr, a)
        qrow = Lr / b
    cap = np.minimum(np.asarray(A @ hi).ravel(), pp)
    ok = b <= cap
    Ar, wa, rep, _, _ = _reduce_rows(A, w, b * 2 + ok)
    br, okr = b[rep], ok[rep]
    extras = {"required": b, "busy": qrow, "alpha": a,
              "unreliable_rows": row_labels(cov, np.nonzero(~ok & (w > 0))[0]), "model_rows": int(Ar.shape[0]),
              "model": "MALP II" if own is not None else "MALP I"}
    if Ar.shape[0] == 0:
        x = _greedy(_Levels(sp.csr_matrix((0, cov.m), dtype=np.int64), np.zeros((0, 1)), lo, hi, pp))
        bound = 0.0
    else:
        K = int(max(1, br.max()))
        k = np.arange(K)
        # LP-relaxation levels (bound, greedy start) and true levels (swap): reliable weight first,
        # first coverage as a tie-break worth less than the smallest weight
        Vlp = np.where((k[None, :] < br[:, None]) & okr[:, None], (wa / br)[:, None], 0.0)
        eps = float(wa[wa > 0].min()) / (2.0 * float(wa.sum()) + 1.0) if tiebreak else 0.0
        Vt = np.where((k[None, :] == br[:, None] - 1) & okr[:, None], wa[:, None], 0.0)
        Vt[:, 0] += eps * wa
        Lp = _Levels(sp.csr_matrix(Ar, dtype=np.int64), Vlp, lo, hi, pp)
        Lt = _Levels(sp.csr_matrix(Ar, dtype=np.int64), Vt, lo, hi, pp)
        x0 = _greedy(Lp)
        end = t0 + 0.95 * tl
        share = 1.0 if method == "heuristic" else 0.35
        x, _, passes = _swap(Lt, _greedy(Lt, x0), deadline=time.perf_counter() + share * max(end - time.perf_counter(), 0))
        nrel = np.asarray(Ar @ x).ravel()
        val = float(wa[(nrel >= br) & okr].sum())
        ub, _ = _lagrangian_bound(Lp, val, deadline=time.perf_counter() + (1.0 if method == "heuristic" else 0.15)
                                  * max(end - time.perf_counter(), 0.0), x=x)
        extras.update(heuristic_objective=val, lagrangian_bound=ub, swap_passes=passes)
        bound = ub
        if method == "exact" or (method == "auto" and relative_gap(val, ub) > mip_gap):
            x, bound = _malp_mip(Ar, wa, br, okr, lo, hi, pp, x, ub, tiebreak=tiebreak, end=end, solver=solver,
                                 mip_gap=mip_gap, verbose=verbose, extras=extras)
    n = np.asarray(A @ x).ravel()
    obj = float(w[(n >= b) & ok].sum())
    tot = float(w.sum())
    extras.update(reliable_share=obj / tot if tot > 0 else 1.0,
                  expected_coverage=float((w * (1.0 - np.minimum(qrow, 1.0) ** n)).sum()))
    return _finish(func, cov, w, x, objective=obj, bound=bound, seconds=time.perf_counter() - t0, method=method,
                   mip_gap=mip_gap, extras=extras)


def _malp_mip(Ar, wa, br, okr, lo, hi, p, x, ub, *, tiebreak, end, solver, mip_gap, verbose, extras):
    """The MALP MIP from the heuristic ``x`` (lexicographic with the tie-break): (x, bound)."""
    model = _malp_model(Ar, wa, br, lo, hi, p, okr)
    m, n = Ar.shape[1], Ar.shape[0]
    cnt = np.asarray(Ar @ x).ravel()
    start = np.r_[x.astype(float), ((cnt >= br) & okr).astype(float), (cnt >= 1).astype(float)]
    rem = max(end - time.perf_counter(), 0.5)
    if tiebreak:
        objs = [("reliable", model.c, "max"), ("covered", np.r_[np.zeros(m + n), wa], "max")]
        sol = solve_lexicographic(model, objs, solver=solver, time_limit=rem, mip_gap=mip_gap, start=start,
                                  verbose=verbose)
        b1 = sol.stages[0].bound if sol.stages else np.inf
        extras["stages"] = [s.to_dict() for s in sol.stages]
    else:
        sol = solve(model, solver=solver, time_limit=rem, mip_gap=mip_gap, start=start, verbose=verbose)
        b1 = sol.bound
    extras.update(solver_status=sol.solver_status, mip_bound=float(b1))
    if sol.has_solution:
        xs = np.round(sol.x[:m]).astype(np.int64)
        c2 = np.asarray(Ar @ xs).ravel()
        if float(wa[(c2 >= br) & okr].sum()) >= float(wa[(cnt >= br) & okr].sum()) - 1e-9:
            x = xs
    return x, min(ub, float(b1))
