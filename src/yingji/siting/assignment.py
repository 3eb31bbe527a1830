"""Capacitated assignment of people to facilities within a radius, on a cost matrix.

Demand points hold people, facilities hold places, and a person may only be assigned to a
facility within its radius (e.g. shelters within walking reach). The assignment shelters the
most people, then the fewest person-metres among those that do: a transportation LP (Hitchcock
1941) solved as one weighted LP with a provably safe weight, or lexicographically (two LPs).
A greedy flow (shortest pairs first) stands in when the LP finds no point in time.
:mod:`yingji.shelters` uses it to assign residents to shelters.

* :func:`assign_residents` — the solved assignment (:class:`AssignmentResult`).
* :func:`build_assignment_model` — the LP stages as :class:`~yingji.solvers.SparseModel`.
* :func:`safe_weight` — the weight per person of the single weighted LP.
* :func:`is_feasible_assignment` — the checker.

Units (DESIGN.md): distances and radii in metres, population and capacity in persons, flows in
persons, person-metres in persons × metres.

References
----------
.. [1] Hitchcock, F. L. (1941). The distribution of a product from several sources to numerous
   localities. Journal of Mathematics and Physics 20, 224-230.
.. [2] Ahuja, R. K., Magnanti, T. L. and Orlin, J. B. (1993). Network Flows: Theory,
   Algorithms, and Applications, ch. 9 (successive shortest path algorithm). Prentice Hall.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import scipy.sparse as sp

from yingji._render.display import displayable
from yingji import config
from yingji._deadline import Deadline
from yingji._validation import Problems, check_array, check_magnitude, describe_positions, describe_values
from yingji.exceptions import ValidationError
from yingji.siting._inputs import check_time_limit
from yingji.solvers import SparseModel, solve

__all__ = [
    "build_assignment_model",
    "safe_weight",
    "assign_residents",
    "AssignmentResult",
    "is_feasible_assignment",
]

#: Flows at or below this many people are zero (solver noise), persons.
_FLOW_TOL = 1e-6


def _inputs(func: str, population, capacity, distances, radius, probs: Problems | None = None,
            supply: str = "capacity"):
    """``(P, K, D, r)`` checked and as float arrays (r broadcast to one radius per facility).

    Text where a number belongs, NaN, negative, inf (population, capacity, radius), values
    beyond :data:`yingji.config.MAX_INPUT`, and a distance matrix that is not population ×
    capacity are refused with one :class:`~yingji.ValidationError` naming the parameter.
    """
    own = probs is None
    probs = probs or Problems(func)
    n = int(np.size(population)) if not isinstance(population, (str, bytes)) else 1
    m = int(np.size(capacity)) if not isinstance(capacity, (str, bytes)) else 1
    P = check_array(probs, "population", population, n, default=np.zeros(n))
    K = check_array(probs, supply, capacity, m, default=np.zeros(m), what="one per facility")
    r = check_array(probs, "radius", radius, m, scalar_ok=True, default=np.zeros(m),
                    what="one per facility")
    try:
        D = np.asarray(distances.toarray() if sp.issparse(distances) else distances, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        probs.param("distances", f"an array of shape ({n}, {m}) of metres (demand × facilities)",
                    f"values that are not numbers ({str(exc)[:60]})")
        D = None
    if D is not None and D.shape != (n, m):
        probs.param("distances", f"an array of shape ({n}, {m}) (one row per 'population' entry, one "
                    f"column per {supply!r} entry)", f"shape {D.shape}")
        D = None
    if D is not None:
        with np.errstate(invalid="ignore"):
            badd = np.isnan(D) | (D < 0)
        if badd.any():
            probs.add(f"The 'distances' parameter of {func} must not contain NaN or negative "
                      f"values. Got {describe_values(D[badd])} in rows "
                      f"{describe_positions(np.unique(np.nonzero(badd)[0]))} instead.")
        check_magnitude(D, "distances", probs)
    if own:
        probs.raise_if_any()
    return P, K, D, r


def _pairs(D: np.ndarray, radius: np.ndarray, P: np.ndarray, K: np.ndarray):
    """Demand/facility pairs within reach (``D <= radius``) with people and room on both sides.

    Returns the row and column positions (int64 arrays) of the pairs.
    """
    reach = D <= radius[None, :] + config.COVER_TOL
    reach &= (P > 0)[:, None]
    reach &= (K > 0)[None, :]
    ii, jj = np.nonzero(reach)
    return ii.astype(np.int64), jj.astype(np.int64)


def safe_weight(population, capacity, distances, radius) -> float:
    r"""Weight per person assigned that makes one weighted LP solve the lexicographic problem.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point, persons.
    capacity : array_like, shape (m,)
        Places in each facility, persons.
    distances : array_like, shape (n, m)
        Distance from each demand point to each facility, metres (``inf`` = no path).
    radius : float or array_like, shape (m,)
        Radius of each facility, metres.

    Returns
    -------
    float
        :math:`M = \min(n', m') \, d_{\max} + 1`, metres per person, where :math:`n'`,
        :math:`m'` count the demand points and facilities with a pair in reach and
        :math:`d_{\max}` is the longest distance in reach, metres; 1 when no pair is in reach.
        See :func:`build_assignment_model` (Notes) for why it is safe.

    References
    ----------
    .. [1] Ahuja, R. K., Magnanti, T. L. and Orlin, J. B. (1993). Network Flows, ch. 9
       (successive shortest path algorithm). Prentice Hall.

    Examples
    --------
    >>> safe_weight([30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    801.0
    """
    P, K, D, r = _inputs("safe_weight", population, capacity, distances, radius)
    ii, jj = _pairs(D, np.ascontiguousarray(r), P, K)
    return _weight(D[ii, jj], ii, jj)


def _weight(d: np.ndarray, ii: np.ndarray, jj: np.ndarray) -> float:
    """:func:`safe_weight` from the distances ``d`` of the pairs ``(ii, jj)`` in reach."""
    if d.size == 0:
        return 1.0
    hops = min(np.unique(ii).size, np.unique(jj).size)
    return float(hops * float(d.max()) + 1.0)


def build_assignment_model(population, capacity, distances, radius, *, stage="weighted",
                           sheltered=None, tol=None) -> SparseModel:
    r"""The transportation LP assigning people to capacitated facilities within their radius.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point, persons.
    capacity : array_like, shape (m,)
        Places in each facility, persons (for shelters: effective area ÷ per-capita norm).
    distances : array_like, shape (n, m)
        Distance from each demand point to each facility, metres (``inf`` = no path).
    radius : float or array_like, shape (m,)
        Radius of each facility (for shelters: the walking radius of its class), metres.
    stage : {"weighted", "people", "distance"}
        ``"weighted"`` (default): one LP, minimise :math:`\sum (d_{ij} - M) x_{ij}` with the
        safe weight :math:`M` of :func:`safe_weight` — most people first, then least distance.
        ``"people"``: maximise people assigned. ``"distance"``: minimise person-metres among
        assignments sheltering at least ``sheltered - tol`` people (``"people"`` then
        ``"distance"`` is the solve-fix-re-solve form of the same lexicographic problem).
    sheltered : float, optional
        The optimum of the ``"people"`` stage (needed for ``"distance"``).
    tol : float, optional
        Slack on ``sheltered``, people (default 0 when ``sheltered`` is a whole number up to
        1e-6, else ``1e-9 * sheltered``).

    Returns
    -------
    SparseModel
        Columns are the pairs in reach, persons (``model.meta["pairs"]`` = (rows, cols)
        positions; ``model.meta["weight"]`` = :math:`M` for the weighted stage, metres per
        person). Its name is ``shelter_assignment_<stage>``, as before the model moved here.

    Raises
    ------
    ValidationError
        Unknown ``stage``; ``stage="distance"`` without ``sheltered``.

    Notes
    -----
    .. math::

        \max \sum_{(i,j) \in R} x_{ij} \quad \text{s.t.} \quad
        \sum_j x_{ij} \le P_i, \; \sum_i x_{ij} \le K_j, \;
        0 \le x_{ij} \le \min(P_i, K_j)

    with :math:`R = \{(i, j): d_{ij} \le r_j\}`, then the least :math:`\sum d_{ij} x_{ij}`
    among the maximisers. With integral populations and capacities the constraint matrix is
    totally unimodular, so the optimal vertex is integral [1]_.

    Why :math:`M` is safe: let :math:`C(v)` be the least person-metres that assign
    :math:`v` people. :math:`C` is convex and piecewise linear, and its slope at :math:`v` is
    the cost of a shortest augmenting path in the residual network (successive shortest paths
    [2]_). Such a path is simple, alternates demand → facility arcs (cost
    :math:`d_{ij} \le d_{\max}`) and facility → demand arcs (cost :math:`-d_{ij} \le 0`), and
    visits each demand point and facility at most once, so its cost is at most
    :math:`\min(n', m') d_{\max} < M`. Hence :math:`C(v) - M v` decreases up to the maximum
    flow and the weighted optimum assigns the most people, at the least person-metres. A
    single LP is much faster for HiGHS than the degenerate all-ones first stage.

    References
    ----------
    .. [1] Hitchcock, F. L. (1941). The distribution of a product from several sources to
       numerous localities. Journal of Mathematics and Physics 20, 224-230.
    .. [2] Ahuja, R. K., Magnanti, T. L. and Orlin, J. B. (1993). Network Flows, ch. 9
       (successive shortest path algorithm). Prentice Hall.

    Examples
    --------
    >>> m = build_assignment_model([30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    >>> m.n_cols, m.meta["weight"]
    (3, 801.0)
    """
    P, K, D, r = _inputs("build_assignment_model", population, capacity, distances, radius)
    ii, jj = _pairs(D, np.ascontiguousarray(r), P, K)
    n, m, k = P.size, K.size, ii.size
    cols = np.arange(k)
    rows = np.concatenate([ii, n + jj])
    A = sp.csr_matrix((np.ones(2 * k), (rows, np.concatenate([cols, cols]))), shape=(n + m, k))
    row_hi = np.concatenate([P, K])
    row_lo = np.full(n + m, -np.inf)
    col_hi = np.minimum(P[ii], K[jj])
    d = D[ii, jj].copy()
    meta = {"pairs": (ii, jj)}
    if stage == "weighted":
        M = _weight(d, ii, jj)
        c = d - M
        sense = "min"
        meta["weight"] = M
    elif stage == "people":
        c = np.ones(k)
        sense = "max"
    elif stage == "distance":
        if sheltered is None:
            raise ValidationError("The 'sheltered' parameter of build_assignment_model is required "
                                  "when stage='distance'. Got None instead.")
        s = float(sheltered)
        if tol is None:
            # A people count from integral data is integral (total unimodularity): snap the
            # solver's noise so the second stage cannot shave a fraction of a person off.
            t = 0.0 if abs(s - round(s)) <= 1e-6 else max(1e-9, 1e-9 * s)
            s = float(round(s)) if t == 0.0 else s
        else:
            t = float(tol)
        A = sp.vstack([A, sp.csr_matrix(np.ones((1, k)))]).tocsr()
        row_lo = np.append(row_lo, s - t)
        row_hi = np.append(row_hi, np.inf)
        c = d
        sense = "min"
    else:
        raise ValidationError(f"The 'stage' parameter of build_assignment_model must be "
                              f"'weighted', 'people' or 'distance'. Got {stage!r} instead.")
    return SparseModel(c, A, row_lo, row_hi, np.zeros(k), col_hi, np.zeros(k, dtype=bool),
                       sense=sense, name=f"shelter_assignment_{stage}", meta=meta)


@displayable
@dataclass(frozen=True)
class AssignmentResult:
    """The optimal assignment of people to facilities (positions, no labels).

    Attributes
    ----------
    flow : scipy.sparse.csr_matrix, shape (n, m)
        People from demand point i assigned to facility j, persons.
    sheltered : float
        People assigned (the first-stage optimum), persons.
    person_metres : float
        Σ people × metres (the second-stage optimum), person-metres.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    seconds : float
        Solve time of both stages, seconds.
    solver : str
        Solver name.
    """

    flow: Any
    sheltered: float
    person_metres: float
    status: str
    seconds: float
    solver: str = "highs"

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def _flow_matrix(x, ii, jj, n, m) -> sp.csr_matrix:
    """The pair flows ``x`` as an n × m sparse matrix, flows up to ``_FLOW_TOL`` dropped."""
    x = np.where(np.asarray(x) > _FLOW_TOL, x, 0.0)
    F = sp.csr_matrix((x, (ii, jj)), shape=(n, m))
    F.eliminate_zeros()
    return F


def assign_residents(population, capacity, distances, radius, *, method="weighted",
                     time_limit=config.TIME_LIMIT, solver=None) -> AssignmentResult:
    """Assign people to facilities within reach: most people assigned, then least distance.

    For shelters: residents to shelters within walking reach, most people sheltered, then
    least walking.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point, persons (finite, >= 0).
    capacity : array_like, shape (m,)
        Places in each facility, persons (finite, >= 0).
    distances : array_like, shape (n, m)
        Distance from each demand point to each facility, metres (``inf`` = no path; NaN and
        negative values are errors).
    radius : float or array_like, shape (m,)
        Radius of each facility, metres.
    method : {"weighted", "lexicographic"}
        ``"weighted"`` (default): one LP with the provably safe weight of
        :func:`build_assignment_model`. ``"lexicographic"``: maximise people, fix, minimise
        person-metres (two LPs; the same optimum, slower on large degenerate instances).
    time_limit : float
        Seconds for the whole call (model build and LP solves). When the LP finds no point in
        time, a greedy feasible assignment (shortest distances first) is returned with
        ``status="time_limit"``; ``"lexicographic"`` skips its second LP when no time is left.
    solver : None or a PuLP solver
        None: HiGHS (default); a PuLP solver object goes through the bridge.

    Returns
    -------
    AssignmentResult

    Raises
    ------
    ValidationError
        Shapes that do not match, NaN / negative inputs, a bad time limit.

    See Also
    --------
    build_assignment_model : the two LP stages as sparse models.
    is_feasible_assignment : check a flow against population, capacity and radius.

    References
    ----------
    .. [1] Hitchcock, F. L. (1941). The distribution of a product from several sources to
       numerous localities. Journal of Mathematics and Physics 20, 224-230.

    Examples
    --------
    >>> r = assign_residents([30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    >>> r.sheltered, r.person_metres
    (50.0, 11500.0)
    """
    t0 = time.perf_counter()
    probs = Problems("assign_residents")
    P, K, D, r = _inputs("assign_residents", population, capacity, distances, radius, probs)

    time_limit = check_time_limit(time_limit, probs)
    _check_method(method, probs)
    probs.raise_if_any()
    return _assign(P, K, D, np.broadcast_to(r, K.shape).astype(np.float64), Deadline(time_limit, t0),
                   solver, method)


def _check_method(method, probs: Problems) -> None:
    """Record a problem unless ``method`` is ``"weighted"`` or ``"lexicographic"``."""
    if method not in ("weighted", "lexicographic"):
        probs.param("method", "'weighted' or 'lexicographic'", method)


def _integral(a: np.ndarray) -> bool:
    """Whether every value is a whole number (up to 1e-9)."""
    return bool(np.all(np.abs(a - np.round(a)) <= 1e-9))


def _greedy(P, K, d, ii, jj) -> np.ndarray:
    """A feasible assignment: pairs by increasing distance, each taking what is left (fallback).

    The numba kernel lives in :mod:`yingji._kernels.shelters` (named after its first user).
    """
    from yingji._kernels.shelters import _greedy_flow

    return _greedy_flow(np.ascontiguousarray(P, dtype=np.float64), np.ascontiguousarray(K, dtype=np.float64),
                        np.argsort(d, kind="stable").astype(np.int64), np.ascontiguousarray(ii, dtype=np.int64),
                        np.ascontiguousarray(jj, dtype=np.int64))


def _assign(P, K, D, r, time_limit, solver, method="weighted") -> AssignmentResult:
    """The assignment LP(s); ``time_limit`` is seconds from now or a shared :class:`Deadline`."""
    t0 = time.perf_counter()
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit), t0)
    n, m = P.size, K.size
    if method == "lexicographic":
        m1 = build_assignment_model(P, K, D, r, stage="people")
    else:
        m1 = build_assignment_model(P, K, D, r, stage="weighted")
    ii, jj = m1.meta["pairs"]
    d = D[ii, jj]
    if m1.n_cols == 0:
        return AssignmentResult(sp.csr_matrix((n, m)), 0.0, 0.0, "optimal",
                                time.perf_counter() - t0, "none")
    if dl.expired():
        # no time left for the LP (its setup alone can take seconds on 10^6 pairs)
        s1 = SimpleNamespace(optimal=False, x=None, solver="none")
    else:
        s1 = solve(m1, solver=solver, time_limit=dl.limit())
    optimal = s1.optimal
    x = s1.x
    if x is not None and method == "lexicographic":
        if dl.expired():
            optimal = False  # no time for the walking stage: the most-people flow as it is
        else:
            m2 = build_assignment_model(P, K, D, r, stage="distance", sheltered=float(s1.objective))
            s2 = solve(m2, solver=solver, time_limit=dl.limit())
            optimal = optimal and s2.optimal
            x = s2.x if s2.has_solution else x
    if x is None:
        # the LP found no point within the time limit: a feasible greedy assignment instead
        x = _greedy(P, K, d, ii, jj)
        optimal = False
    x = np.asarray(x, dtype=np.float64)
    if _integral(P) and _integral(K):
        # the optimal vertex is integral: remove the solver's rounding noise
        xr = np.round(x)
        x = np.where(np.abs(x - xr) <= 1e-6, xr, x)
    F = _flow_matrix(x, ii, jj, n, m)
    pm = float(d @ np.where(x > _FLOW_TOL, x, 0.0))
    return AssignmentResult(F, float(F.sum()), pm, "optimal" if optimal else "time_limit",
                            time.perf_counter() - t0, s1.solver)


def is_feasible_assignment(flow, population, capacity, distances, radius, *, tol=1e-6) -> bool:
    """Whether a flow respects population, facility capacity and radius.

    Parameters
    ----------
    flow : array_like or scipy.sparse matrix, shape (n, m)
        People from demand point i at facility j, persons.
    population, capacity, distances, radius
        As for :func:`assign_residents` (persons, persons, metres, metres).
    tol : float
        Absolute tolerance, persons.

    Returns
    -------
    bool
        True when no flow is negative, no demand point sends more than its people, no facility
        takes more than its capacity and nobody travels beyond the facility's radius
        (tolerance ``COVER_TOL``, metres).

    References
    ----------
    .. [1] Hitchcock, F. L. (1941). Journal of Mathematics and Physics 20, 224-230.

    Examples
    --------
    >>> is_feasible_assignment([[25, 5], [0, 20]], [30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    False
    >>> is_feasible_assignment([[25, 5], [0, 0]], [30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    True
    """
    F = sp.csr_matrix(flow, dtype=np.float64) if not sp.issparse(flow) else flow.tocsr()
    P, K, D, r = _inputs("is_feasible_assignment", population, capacity, distances, radius)
    if F.shape != D.shape:
        return False
    if F.nnz and F.data.min() < -tol:
        return False
    if (np.asarray(F.sum(axis=1)).ravel() > P + tol).any():
        return False
    if (np.asarray(F.sum(axis=0)).ravel() > K + tol).any():
        return False
    coo = F.tocoo()
    used = coo.data > tol
    return bool((D[coo.row[used], coo.col[used]] <= r[coo.col[used]] + config.COVER_TOL).all())
