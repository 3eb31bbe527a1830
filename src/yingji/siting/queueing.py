r"""Larson's hypercube queueing model of a fleet answering calls, on a travel-time matrix.

:func:`hypercube` takes a demand × units matrix of travel minutes (the siting convention:
``net.travel_times(unit_nodes, demand_nodes).T``), the call rate of each demand point and the
mean busy time of a unit, and returns each unit's workload, the share of calls each unit
answers from each demand point, and the response figures: exactly (a Markov chain on the 2^N
busy/free states; Larson 1974) for small fleets, or with Larson's approximation (Larson 1975;
Larson & Odoni 1981, section 5.5: its correction factors and workload normalisation) for large
ones.

:func:`yingji.simulation.hypercube` is the same model on a county's fleet: it builds the matrix
from the county's stations, units and road network and takes the response limit from a standard
(GB 51080, NFPA 1710), then calls the model here.

Times are minutes; rates are incidents per year.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._validation import Problems, describe_positions
from yingji.config import COVER_TOL
from yingji.exceptions import YingjiWarning
from yingji.results import to_jsonable
from yingji.siting import _inputs as inp

__all__ = ["hypercube", "HypercubeResult"]

MINUTES_PER_YEAR = 365.0 * 24.0 * 60.0


@displayable
@dataclass(frozen=True)
class HypercubeResult:
    """Larson's hypercube queueing model of a fleet answering calls from demand points.

    Attributes
    ----------
    workload : pandas.Series
        Busy probability (utilisation) of each unit.
    dispatch : pandas.DataFrame
        Share of all calls that come from each demand point (rows) and are answered by each
        unit (columns); sums to 1.
    mean_travel_minutes, mean_response_minutes, mean_wait_minutes : float
        Mean travel, mean response (wait + turnout + travel) and mean wait.
    p_all_busy : float
        Probability that every unit is busy (a call has to wait; Erlang C).
    first_due_busy : float
        Share of calls whose first-due units (every unit with the point's shortest travel
        time) are all busy.
    within_standard : float
        Share of calls with response at most the limit.
    method : str
        ``"exact"`` or ``"larson"``.
    iterations : int
        Fixed-point iterations (Larson's approximation; 0 for exact).
    limit_minutes, turnout_minutes : float
        The response limit (turnout + travel) behind ``within_standard``, and the turnout.
    seconds : float
        Wall-clock seconds of the call.
    """

    workload: pd.Series
    dispatch: pd.DataFrame
    mean_travel_minutes: float
    mean_response_minutes: float
    mean_wait_minutes: float
    p_all_busy: float
    first_due_busy: float
    within_standard: float
    method: str
    iterations: int
    limit_minutes: float
    turnout_minutes: float
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``workload``, ``share_of_calls``, ``mean_travel_minutes``."""
        d = self.dispatch
        share = d.sum(axis=0)
        return pd.DataFrame({"workload": self.workload, "share_of_calls": share})

    def to_dict(self) -> dict:
        return to_jsonable({
            "workload": {str(k): float(v) for k, v in self.workload.items()},
            "mean_travel_minutes": self.mean_travel_minutes,
            "mean_response_minutes": self.mean_response_minutes,
            "mean_wait_minutes": self.mean_wait_minutes,
            "p_all_busy": self.p_all_busy,
            "first_due_busy": self.first_due_busy,
            "within_standard": self.within_standard,
            "method": self.method,
            "iterations": self.iterations,
            "seconds": self.seconds,
        })

    def summary(self) -> str:
        return (
            f"Hypercube ({self.method}, {len(self.workload)} units): mean response "
            f"{self.mean_response_minutes:.2f} min, within standard {self.within_standard:.1%}, "
            f"all busy {self.p_all_busy:.2%}, first-due busy {self.first_due_busy:.1%}, "
            f"mean workload {float(self.workload.mean()):.1%}."
        )


def _erlang(N: int, a: float) -> tuple[float, float]:
    """M/M/N with offered load ``a``: (P0, probability of waiting)."""
    rho = a / N
    terms = [1.0]
    for k in range(1, N):
        terms.append(terms[-1] * a / k)
    tail = terms[-1] * a / N / (1.0 - rho)  # a^N / (N! (1 - rho))
    p0 = 1.0 / (sum(terms) + tail)
    return p0, tail * p0


def _larson_q(N: int, rho: float, p0: float) -> np.ndarray:
    """Larson's correction factors Q(N, rho, j), j = 0..N-1 (infinite queue).

    Larson (1975), Larson & Odoni (1981) eq. (5.48)::

        Q(N, rho, j) = sum_{k=j}^{N-1} (N-j-1)! (N-k) / (k-j)! * N^k rho^(k-j) / N! * P0 / (1 - rho)

    with ``P0`` the empty-system probability of the M/M/N queue with utilisation ``rho``.
    ``Q(N, rho, j) rho^j (1 - rho)`` is the M/M/N probability that j given units are busy and
    a given other unit is free when busy sets are equally likely; Q(3, 1/2, .) = 1, 14/19, 12/19.
    """
    lf = [math.lgamma(k + 1) for k in range(N + 1)]
    lr = math.log(rho)
    Q = np.zeros(N)
    for j in range(N):
        s = 0.0
        for k in range(j, N):
            s += (N - k) * math.exp(lf[N - j - 1] - lf[k - j] - lf[N] + k * math.log(N) + (k - j) * lr)
        Q[j] = s * p0 / (1.0 - rho)
    return Q


def hypercube(
    travel,
    incidents_per_year,
    *,
    service_minutes: float,
    limit_minutes: float,
    turnout_minutes: float = 0.0,
    method: str = "auto",
    max_exact_units: int = 10,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> HypercubeResult:
    """Larson's hypercube queueing model: unit workloads, dispatch shares and response times.

    Parameters
    ----------
    travel : array_like or pandas.DataFrame
        Travel minutes from each unit to each demand point, demand × units (a DataFrame keeps
        its labels: demand ids as the index, unit ids as the columns). Every unit must be able
        to reach every demand point (no ``inf``).
    incidents_per_year : array_like or pandas.Series
        Calls per year from each demand point (a Series is aligned on ``travel``'s index).
    service_minutes : float
        Mean busy time per call (exponential, the same for every unit).
    limit_minutes : float
        Largest response (turnout + travel, minutes) counted in ``within_standard``.
    turnout_minutes : float
        Minutes from the dispatch order to leaving the station, added to every response.
    method : {"auto", "exact", "larson"}
        ``"exact"`` solves the Markov chain on the 2^N busy/free states (N ≤ 20; 12 units take
        a few seconds); ``"larson"`` uses Larson's approximation; ``"auto"`` is exact up to
        ``max_exact_units`` units.
    max_exact_units : int
        Largest fleet solved exactly by ``"auto"``.
    tol, max_iter : float, int
        Convergence of Larson's fixed-point iteration: it stops when no workload moves by
        ``tol``; ``max_iter`` bounds the iterations (and root-solver evaluations).

    Returns
    -------
    HypercubeResult

    Raises
    ------
    ValidationError
        A bad ``travel`` matrix (NaN, negative, not 2-D), rates that are negative, NaN, of the
        wrong length or add up to 0, a bad ``service_minutes``, ``limit_minutes``,
        ``turnout_minutes`` or ``method``; then a unit that cannot reach a demand point,
        ``method="exact"`` with more than 20 units, or an unstable system (call rate ≥ service
        capacity).

    Warns
    -----
    YingjiWarning
        Larson's approximation did not converge within ``max_iter``; the result holds the last
        iterate.

    See Also
    --------
    yingji.simulation.hypercube : the same model on a county's fleet and a response standard.
    yingji.simulation.simulate : the same figures by discrete-event simulation.

    Notes
    -----
    The exact model [1]_ is a continuous-time Markov chain on subsets :math:`B` of busy units. A
    call from point :math:`j` (rate :math:`\\lambda_j`) takes the first free unit of :math:`j`'s
    preference list (units by travel time); each busy unit frees at rate :math:`\\mu`. With an
    infinite first-come queue the states "all busy with :math:`q` waiting" are lumped into one
    state left to "all but :math:`n` busy" at rate :math:`\\mu(1-\\rho)`,
    :math:`\\rho = \\lambda/(N\\mu)`, because the queue is geometric. Waiting calls are taken by
    the first unit to free (each unit with probability :math:`1/N`) and wait
    :math:`\\mathrm{Exp}(N\\mu-\\lambda)`.

    Larson's approximation [2]_ [3]_ replaces the chain by the unit workloads :math:`\\rho_n`,
    the fixed point of

    .. math:: \\rho_n \\leftarrow \\frac{V_n + \\rho P_Q}{1 + V_n}, \\quad
              V_n = \\sum_j \\frac{\\lambda_j}{\\mu} \\sum_{k=1}^{N} [a_{jk}=n]\\,
              Q(N,\\rho,k-1) \\prod_{l<k} \\rho_{a_{jl}}, \\qquad
              \\rho_n \\leftarrow \\rho_n \\frac{N\\rho}{\\sum_m \\rho_m}

    (the first is :math:`\\rho_n = (1-\\rho_n)V_n + \\rho P_Q`: calls that find unit :math:`n`
    first free on their list, plus a :math:`1/N` share of those that wait; the second is
    Larson's normalisation: the workloads add up to the offered load :math:`\\lambda/\\mu`),
    iterated from :math:`\\rho_n = \\rho`, with :math:`a_{jk}` the :math:`k`-th unit on point
    :math:`j`'s list and the correction factor of the M/M/N queue

    .. math:: Q(N,\\rho,j) = \\sum_{k=j}^{N-1} \\frac{(N-j-1)!\\,(N-k)}{(k-j)!}\\,
              \\frac{N^k \\rho^{k-j}}{N!}\\, \\frac{P_0}{1-\\rho}.

    On the three-unit example of [3]_ (section 5.5.3) the iterates are the book's; on random
    fleets of 3-6 units the workloads are within 0.011 of the exact chain (0.021 over 500
    fleets; ``tests/simulation/test_larson_approx.py``). Where the normalisation would lift a
    workload past 1 (long preference chains at 90 % load and more) that unit is held at 1, and
    an iteration that stops contracting is finished by a root solver on the same equations.
    Each point's approximate dispatch shares are rescaled to add up to :math:`1-P_Q` (its calls
    that do not wait).

    References
    ----------
    .. [1] Larson, R. C. (1974). A hypercube queuing model for facility location and
       redistricting in urban emergency services. *Computers & Operations Research* 1(1), 67-95.
    .. [2] Larson, R. C. (1975). Approximating the performance of urban emergency service
       systems. *Operations Research* 23(5), 845-868.
    .. [3] Larson, R. C., Odoni, A. R. (1981). *Urban Operations Research*, ch. 5.

    Examples
    --------
    >>> import numpy as np
    >>> travel = np.array([[2.0, 5.0], [6.0, 3.0]])      # demand points x units, minutes
    >>> hc = hypercube(travel, [2000.0, 1000.0], service_minutes=45.0, limit_minutes=5.0,
    ...                turnout_minutes=1.0)
    >>> hc.method, round(float(hc.dispatch.to_numpy().sum()), 9)
    ('exact', 1.0)
    """
    t0 = time.perf_counter()
    probs = Problems("hypercube")
    mu_min = _check_service_and_method(service_minutes, method, probs)
    limit = inp.check_radius(limit_minutes, probs, name="limit_minutes")
    turnout = inp.check_radius(turnout_minutes, probs, name="turnout_minutes")
    cost = inp.prepare_cost(travel, "hypercube", name="travel", probs=probs)
    C = cost.C
    if C.ndim != 2 or 0 in C.shape:
        probs.raise_if_any()
    rates = incidents_per_year
    if isinstance(rates, pd.Series) and cost.row_ids is not None:
        rates = rates.reindex(cost.row_ids)
    rate = inp.check_weights(rates, C.shape[0], "hypercube", probs, name="incidents_per_year")
    if not probs.items and rate.sum() <= 0:
        probs.add("The 'incidents_per_year' parameter of hypercube must have a positive total. Got 0 instead.")
    probs.raise_if_any()
    unit_ids = list(range(C.shape[1])) if cost.col_ids is None else cost.col_ids
    point_ids = list(range(C.shape[0])) if cost.row_ids is None else cost.row_ids
    return _hypercube_model(C, rate, mu_min, limit=limit, turnout=turnout, method=method,
                            max_exact_units=max_exact_units, tol=tol, max_iter=max_iter, unit_ids=unit_ids,
                            point_ids=point_ids, probs=probs, t0=t0)


def _check_service_and_method(service_minutes, method, probs: Problems) -> float:
    """The mean busy time in minutes (NaN when bad); problems with it or ``method`` go to ``probs``."""
    if method not in ("auto", "exact", "larson"):
        probs.param("method", "one of 'auto', 'exact', 'larson'", method)
    try:
        mu_min = float(service_minutes) if np.ndim(service_minutes) == 0 \
            and not isinstance(service_minutes, (bool, np.bool_, str, bytes)) else float("nan")
    except (TypeError, ValueError):
        mu_min = float("nan")
    if not (np.isfinite(mu_min) and mu_min > 0):
        probs.param("service_minutes", "a positive number of minutes", service_minutes)
    return mu_min


def _hypercube_model(T, rate_per_year, mu_min, *, limit, turnout, method, max_exact_units, tol, max_iter,
                     unit_ids, point_ids, probs: Problems, t0: float) -> HypercubeResult:
    """The hypercube on a checked demand × units matrix ``T`` (minutes) and rates per year.

    Adds the model's own problems to ``probs`` (a unit that cannot reach a demand point, an
    unstable system, an exact chain too large) and raises them with any already there; ``t0``
    is when the public call started (for ``seconds``). Shared by :func:`hypercube` and
    :func:`yingji.simulation.hypercube`.
    """
    bad = np.nonzero(np.isinf(T).any(axis=0))[0]
    if bad.size:
        probs.add(f"hypercube needs every unit to reach every demand point; units "
                  f"{describe_positions(bad, unit_ids)} cannot reach some.")
    lam_j = rate_per_year / MINUTES_PER_YEAR
    lam = float(lam_j.sum())
    N = T.shape[1]
    mu = 1.0 / mu_min if np.isfinite(mu_min) and mu_min > 0 else 1.0
    rho = lam / (N * mu)
    if rho >= 1:
        probs.add(f"hypercube: the system is unstable: the call rate {lam * MINUTES_PER_YEAR:.4g}/year "
                  f"needs {lam / mu:.4g} busy units on average but there are {N} (utilisation {rho:.3f} >= 1).")
    if method == "exact" and N > 20:
        probs.add(f"hypercube: method='exact' solves a chain with 2^N states; N = {N} units is too many "
                  f"(at most 20). Use method='larson'.")
    probs.raise_if_any()
    from yingji._kernels.simulation import _preference_order

    pref, _ = _preference_order(np.ascontiguousarray(T))
    use_exact = method == "exact" or (method == "auto" and N <= max_exact_units)
    p0, PQ = _erlang(N, lam / mu)
    iters = 0
    share = lam_j / lam
    if use_exact:
        work, f_nq, first_busy, PQ = _hypercube_exact(pref, lam_j, mu, N, rho, T)
    else:
        work, f_nq, first_busy, iters = _hypercube_larson(pref, lam_j, mu, N, rho, p0, PQ, tol, max_iter, T)
    # queued calls: any unit with probability 1/N
    f = f_nq + np.outer(share * PQ, np.full(N, 1.0 / N))
    mean_travel = float((f * T).sum())
    rate_w = N * mu - lam
    mean_wait = PQ / rate_w
    ok_nq = (turnout + T <= limit + COVER_TOL)
    within = float((f_nq * ok_nq).sum())
    slack = limit + COVER_TOL - turnout - T
    pw = np.where(slack >= 0, 1.0 - np.exp(-rate_w * np.maximum(slack, 0.0)), 0.0)
    within += float((np.outer(share * PQ, np.full(N, 1.0 / N)) * pw).sum())
    uid = pd.Index(unit_ids, name="unit")
    return HypercubeResult(
        workload=pd.Series(work, index=uid, name="workload"),
        dispatch=pd.DataFrame(f, index=pd.Index(point_ids, name="id"), columns=uid),
        mean_travel_minutes=mean_travel,
        mean_response_minutes=mean_wait + turnout + mean_travel,
        mean_wait_minutes=float(mean_wait),
        p_all_busy=float(PQ),
        first_due_busy=float(first_busy),
        within_standard=within,
        method="exact" if use_exact else "larson",
        iterations=iters,
        limit_minutes=float(limit),
        turnout_minutes=float(turnout),
        seconds=time.perf_counter() - t0,
    )


def _hypercube_exact(pref, lam_j, mu, N, rho, T):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    S = 1 << N
    full = S - 1
    states = np.arange(S, dtype=np.int64)
    # points with the same preference list behave as one: group them
    groups, inv = np.unique(pref, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    lam_g = np.bincount(inv, weights=lam_j, minlength=groups.shape[0])
    G = groups.shape[0]
    # first free unit of each group's preference list in each state (-1 in the full state)
    first_free = np.full((G, S), -1, dtype=np.int64)
    for g in range(G):
        undecided = np.ones(S, dtype=bool)
        for q in range(N):
            u = groups[g, q]
            hit = undecided & (((states >> u) & 1) == 0)
            first_free[g, hit] = u
            undecided &= ~hit
    rows, cols, vals = [], [], []
    for g in range(G):  # calls
        if lam_g[g] <= 0:
            continue
        ok = first_free[g] >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (1 << first_free[g, ok]))
        vals.append(np.full(int(ok.sum()), lam_g[g]))
    for u in range(N):  # releases
        src = states[((states >> u) & 1) == 1]
        rows.append(src)
        cols.append(src & ~(1 << u))
        vals.append(np.where(src == full, mu * (1.0 - rho), mu))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    Qm = sp.csr_matrix((v, (r, c)), shape=(S, S))
    Qm = Qm - sp.diags(np.asarray(Qm.sum(axis=1)).ravel())
    # pi Q = 0 with pi[0] = 1 (then normalise): balance of every state but the empty one
    At = Qm.T.tocsc()
    pi = np.empty(S)
    pi[0] = 1.0
    pi[1:] = spla.spsolve(At[1:, 1:], -At[1:, 0].toarray().ravel(), permc_spec="MMD_AT_PLUS_A")
    pi = np.maximum(pi, 0.0)
    pi /= pi.sum()
    busy_bits = ((states[:, None] >> np.arange(N)[None, :]) & 1).astype(float)
    work = pi @ busy_bits
    lam = lam_j.sum()
    fg = np.zeros((G, N))
    for g in range(G):
        ok = first_free[g] >= 0
        fg[g] = np.bincount(first_free[g, ok], weights=pi[ok], minlength=N)
    f = fg[inv] * (lam_j / lam)[:, None]
    # first-due units of each point: every unit tied with its shortest travel time
    masks = _first_due_masks(T)
    um, minv = np.unique(masks, return_inverse=True)
    p_all = np.array([pi[(states & m) == m].sum() for m in um])
    first_busy = float(np.sum(lam_j / lam * p_all[np.asarray(minv).ravel()]))
    return work, f, first_busy, float(pi[full])


def _first_due_masks(T):
    best = T.min(axis=1, keepdims=True)
    tied = T <= best
    return (tied.astype(np.int64) << np.arange(T.shape[1], dtype=np.int64)[None, :]).sum(axis=1)


def _larson_normalise(r: np.ndarray, total: float) -> np.ndarray:
    """Larson's workload normalisation: scale the workloads ``r`` to add up to ``total``.

    This is the published step (Larson 1975; Larson & Odoni 1981, Figure 5.19) whenever no
    scaled workload exceeds 1. Where one would (at the solution we met it only in preference
    chains of 12+ units at 90 % utilisation or more), the units it would push past 1 are held
    at 1 and the others scaled to make up the total, so the sum stays ``total``.
    """
    c = total / r.sum()
    if c * r.max() <= 1.0:
        return c * r
    rs = np.sort(r)[::-1]
    k = 0  # units held at 1 (total < len(r), so some are left to scale)
    while True:
        c = (total - k) / rs[k:].sum()
        if c * rs[k] <= 1.0:
            break
        k += 1
    return np.minimum(c * r, 1.0)


def _hypercube_larson(pref, lam_j, mu, N, rho, p0, PQ, tol, max_iter, T):
    """Larson's (1975) approximate hypercube: unit workloads, dispatch shares, first-due busy.

    Larson's iteration (Larson & Odoni 1981, Figure 5.19) from rho_n = rho: compute V_n from the
    current workloads, rho_n <- (V_n + rho P_Q) / (1 + V_n), normalise the rho_n to add up to
    N rho; stop when no workload moves by ``tol``. On the book's 3-unit, 10-atom example this
    gives the book's iterates (0.5627, 0.4716, 0.4657 after three). Should the iteration stop
    contracting (step not 10 % shorter than the last; we met it on chains of 10+ units), the same
    fixed point is solved with MINPACK's hybrid method (scipy ``root(method="hybr")``).
    """
    Q = _larson_q(N, rho, p0)
    n_pts = lam_j.size
    a = lam_j / mu
    D = rho * PQ  # calls that wait, shared equally: lambda P_Q / (N mu)

    def step(work):
        # prod_{l<k} rho_{a_jl} for k = 1..N
        rp = work[pref]  # n_pts x N
        prod = np.ones((n_pts, N))
        prod[:, 1:] = np.cumprod(rp[:, :-1], axis=1)
        V = np.bincount(pref.ravel(), weights=(a[:, None] * Q[None, :] * prod).ravel(), minlength=N)
        return _larson_normalise((V + D) / (1.0 + V), N * rho)

    work = np.full(N, rho)
    it = 0
    prev = np.inf
    converged = stalled = False
    while it < max_iter:
        it += 1
        new = step(work)
        delta = float(np.max(np.abs(new - work)))
        if delta < tol:
            work, converged = new, True
            break
        if delta > 0.9 * prev:
            stalled = True
            break
        work, prev = new, delta
    if stalled:
        from scipy.optimize import root

        sol = root(lambda x: step(x) - x, work, method="hybr",
                   options={"xtol": 1e-13, "maxfev": max(max_iter - it, N + 2)})
        it += int(sol.nfev)
        x = np.clip(sol.x, 0.0, 1.0)
        resid = float(np.max(np.abs(step(x) - x)))
        if np.all(np.isfinite(x)) and resid < float(np.max(np.abs(step(work) - work))):
            work = step(x)
            converged = resid < tol
    if not converged:
        warnings.warn(f"hypercube: Larson's approximation did not converge to tol={tol:g} in "
                      f"max_iter={max_iter} iterations; the workloads are the last iterate.",
                      YingjiWarning, stacklevel=4)
    rp = work[pref]
    prod = np.ones((n_pts, N))
    prod[:, 1:] = np.cumprod(rp[:, :-1], axis=1)
    lam = lam_j.sum()
    g = Q[None, :] * prod * (1.0 - rp)
    # the approximate shares of a point need not add up exactly: rescale them to 1 - P_Q
    tot = g.sum(axis=1, keepdims=True)
    g = (lam_j / lam)[:, None] * (1.0 - PQ) * g / np.where(tot > 0, tot, 1.0)
    f = np.zeros((n_pts, N))
    np.put_along_axis(f, pref, g, axis=1)
    # P(the k tied first-due units all busy) = 1 - P(first free is among the first k)
    k_tied = (T <= T.min(axis=1, keepdims=True)).sum(axis=1)
    raw = Q[None, :] * prod * (1.0 - rp)
    cum = np.cumsum(raw, axis=1)
    p_free = cum[np.arange(n_pts), k_tied - 1]
    first_busy = float(np.sum(lam_j / lam * np.clip(1.0 - p_free, 0.0, 1.0)))
    return work, f, first_busy, it
