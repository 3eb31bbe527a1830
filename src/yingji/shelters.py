"""Emergency shelters: per-capita area where people live, capacitated assignment, new sites.

A county-wide ratio (total shelter area ÷ population) hides the neighbourhoods with no shelter
within walking distance. This module measures shelter provision where people live:

* :func:`assess` — county-wide and *reachable* (two-step floating catchment, 2SFCA) per-capita
  effective area, the assignment of residents to shelters within walking reach under shelter
  capacity (a transportation LP: most people sheltered, then least walking), the people left
  without a place by township and demand point, the full shelters, and pass/fail for each
  shelter rule with its id (``S4-*`` / ``S1-145`` of the rules table).
* :func:`plan` — new shelter sites from the candidate table (``uses`` containing ``shelter``)
  that shelter everyone who can walk to a shelter or candidate, at least cost (a capacitated
  location MIP with the existing shelters fixed open), and the trade-off of people sheltered
  against budget.
* Building blocks: :func:`shelter_norms` (class norms as data), :func:`two_step_fca`,
  :func:`assign_residents` / :func:`build_assignment_model` and the checker
  :func:`is_feasible_assignment`.

Units (DESIGN.md): distance in metres along the network (walking: one-way ignored), area in m²,
population in persons.

References
----------
.. [1] GB 21734-2008 地震应急避难场所 场址及配套设施, 5.4 (per-capita living area > 1.5 m²;
   effective site area > 2000 m²).
.. [2] GB 50413-2007 城市抗震防灾规划标准, 8.2.8-8.2.10 (per-capita area, site size and service
   radius of emergency / fixed / central shelters).
.. [3] GB 51143-2015 防灾避难场所设计规范 (shelter classes, per-capita and evacuation distance
   tables).
.. [4] Luo, W. and Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
   environment: synthesis and a case study in the Chicago region. Environment and Planning B
   30(6), 865-884. (two-step floating catchment area method)
.. [5] Hitchcock, F. L. (1941). The distribution of a product from several sources to numerous
   localities. Journal of Mathematics and Physics 20, 224-230. (transportation problem)
.. [6] Sridharan, R. (1995). The capacitated plant location problem. European Journal of
   Operational Research 87(2), 203-213.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._deadline import Deadline
from yingji._validation import Problems, describe_positions, to_bool
from yingji.exceptions import ValidationError
from yingji.results import to_jsonable
from yingji.solvers import SparseModel, solve

__all__ = [
    "CLASSES",
    "shelter_norms",
    "shelter_rules",
    "two_step_fca",
    "build_assignment_model",
    "safe_weight",
    "assign_residents",
    "AssignmentResult",
    "is_feasible_assignment",
    "assess",
    "ShelterAssessment",
    "plan",
    "ShelterPlan",
]

#: Shelter classes (GB 51143-2015 3.1.4; GB 50413-2007 8.2): emergency / fixed / central.
CLASSES = ("emergency", "fixed", "central")

#: Default largest distance (metres) between a shelter's coordinates and its network node
#: before the shelter counts as "off the network" (a 500 m walk is the emergency radius itself).
MAX_SNAP_M = 500.0

_NORM_COLS = ("per_capita_m2", "radius_m", "min_site_m2")
_FLOW_TOL = 1e-6


# --------------------------------------------------------------------------------------------
# norms and rules (package data)
# --------------------------------------------------------------------------------------------
def _read_profile_csv(name: str) -> pd.DataFrame:
    with resources.files("yingji.profiles").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def shelter_norms(profile: str = "plan") -> pd.DataFrame:
    """Shelter class norms: per-capita area, walking radius and minimum site size, as data.

    Parameters
    ----------
    profile : {"plan", "GB50413", "GB51143"}
        ``"plan"`` (default): 1.5 m² per person for every class, as the county plan and
        GB 21734-2008 5.4 set, with the GB 50413-2007 radii (500 m emergency, 3000 m fixed).
        ``"GB50413"``: 1.0 m² (emergency) / 2.0 m² (fixed) per person, GB 50413-2007 8.2.8.
        ``"GB51143"``: GB 51143-2015 per-capita and evacuation-distance tables (UNCONFIRMED:
        read from memory, see the rules table notes).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``shelter_class`` (emergency, fixed, central) with ``per_capita_m2``
        (m²/person), ``radius_m`` (metres of walking along the network), ``min_site_m2`` (m²)
        and, for each, the rule id and how sure it is (``*_rule``, ``*_status``), and a note.

    Raises
    ------
    ValidationError
        Unknown profile.

    Examples
    --------
    >>> float(shelter_norms().loc["emergency", "radius_m"])
    500.0
    """
    table = _read_profile_csv("shelter_norms.csv")
    profiles = sorted(set(table["profile"]))
    if profile not in profiles:
        probs = Problems("shelter_norms")
        probs.param("profile", f"one of {profiles}", profile)
        probs.raise_if_any()
    out = table[table["profile"] == profile].drop(columns="profile").set_index("shelter_class")
    for c in _NORM_COLS:
        out[c] = out[c].astype(float)
    out.attrs["profile"] = profile
    return out


def shelter_rules() -> pd.DataFrame:
    """The shelter rules :func:`assess` checks (ids as in the rules table, with provenance).

    Returns
    -------
    pandas.DataFrame
        Indexed by rule ``id`` with ``clause``, ``name_en``, ``metric``, ``operator``,
        ``threshold`` (float), ``unit``, ``scope`` (how yingji computes the value) and ``notes``.
    """
    out = _read_profile_csv("shelter_rules.csv").set_index("id")
    out["threshold"] = out["threshold"].astype(float)
    return out


def _resolve_norms(norms, probs: Problems) -> pd.DataFrame:
    """Norms as a DataFrame indexed by class with the three numeric columns."""
    if norms is None:
        return shelter_norms("plan")
    if isinstance(norms, str):
        try:
            return shelter_norms(norms)
        except ValidationError as exc:
            probs.param("norms", "a profile name (plan, GB50413, GB51143), a DataFrame or a dict",
                        norms)
            del exc
            return shelter_norms("plan")
    if isinstance(norms, dict):
        norms = pd.DataFrame([dict(v) if isinstance(v, dict) else {} for v in norms.values()],
                             index=list(norms.keys()))
    if not isinstance(norms, pd.DataFrame):
        probs.param("norms", "a profile name, a DataFrame or a dict", type(norms).__name__)
        return shelter_norms("plan")
    df = norms.copy()
    if "shelter_class" in df.columns:
        df = df.set_index("shelter_class")
    df.index = df.index.astype(str)
    missing = [c for c in ("per_capita_m2", "radius_m") if c not in df.columns]
    if missing:
        probs.add(f"The 'norms' parameter of {probs.func} must have columns per_capita_m2 and "
                  f"radius_m. Missing columns: {missing}.")
        return shelter_norms("plan")
    if "min_site_m2" not in df.columns:
        base = shelter_norms("plan")["min_site_m2"]
        df["min_site_m2"] = [float(base.get(k, 0.0)) for k in df.index]
    for c in _NORM_COLS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    bad = df.index[~(df["per_capita_m2"] > 0) | ~np.isfinite(df["per_capita_m2"])].tolist()
    if bad:
        probs.add(f"The 'norms' parameter of {probs.func} must have a positive finite "
                  f"per_capita_m2 for every class. Got bad values for {bad}.")
    bad = df.index[~(df["radius_m"] >= 0) | ~np.isfinite(df["radius_m"])].tolist()
    if bad:
        probs.add(f"The 'norms' parameter of {probs.func} must have a finite radius_m >= 0 for "
                  f"every class. Got bad values for {bad}.")
    df.attrs["profile"] = "custom"
    return df


# --------------------------------------------------------------------------------------------
# 2SFCA
# --------------------------------------------------------------------------------------------
def two_step_fca(population, area, distances, radius):
    """Two-step floating catchment area (2SFCA) ratio of shelter area to population.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point.
    area : array_like, shape (m,)
        Effective area of each shelter, m².
    distances : array_like, shape (n, m)
        Walking distance in metres from each demand point to each shelter (``inf`` = no path).
    radius : float or array_like, shape (m,)
        Walking radius of each shelter (its class's service radius), metres. Within reach means
        ``distance <= radius`` (inclusive, tolerance ``COVER_TOL``).

    Returns
    -------
    access : numpy.ndarray, shape (n,)
        m² per person reachable from each demand point (step 2).
    ratio : numpy.ndarray, shape (m,)
        Each shelter's area divided by the population within its radius (step 1); 0 for a shelter
        nobody can reach.

    Notes
    -----
    Step 1: :math:`R_j = S_j / \\sum_{i: d_{ij} \\le r_j} P_i`. Step 2:
    :math:`A_i = \\sum_{j: d_{ij} \\le r_j} R_j`. The population-weighted mean
    :math:`\\sum_i P_i A_i / \\sum_i P_i` equals the area of the shelters somebody can reach
    divided by the whole population, so it never exceeds the county-wide ratio; the per-point
    values show *where* the area is.

    References
    ----------
    .. [1] Luo, W. and Wang, F. (2003). Environment and Planning B 30(6), 865-884.

    Examples
    --------
    >>> a, r = two_step_fca([100, 100], [300.0], [[0.0], [900.0]], 500.0)
    >>> a.tolist(), r.tolist()
    ([3.0, 0.0], [3.0])
    """
    P = np.asarray(population, dtype=np.float64).ravel()
    S = np.asarray(area, dtype=np.float64).ravel()
    D = np.asarray(distances, dtype=np.float64).reshape(P.size, S.size)
    r = np.broadcast_to(np.asarray(radius, dtype=np.float64), S.shape)
    reach = sp.csr_matrix(D <= r[None, :] + config.COVER_TOL)
    catch = reach.T @ P
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(catch > 0, S / np.where(catch > 0, catch, 1.0), 0.0)
    access = reach @ ratio
    return np.asarray(access, dtype=np.float64), np.asarray(ratio, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# transportation LP
# --------------------------------------------------------------------------------------------
def _pairs(D: np.ndarray, radius: np.ndarray, P: np.ndarray, K: np.ndarray):
    """Demand/shelter pairs within walking reach with people and room on both sides."""
    reach = D <= radius[None, :] + config.COVER_TOL
    reach &= (P > 0)[:, None]
    reach &= (K > 0)[None, :]
    ii, jj = np.nonzero(reach)
    return ii.astype(np.int64), jj.astype(np.int64)


def safe_weight(population, capacity, distances, radius) -> float:
    r"""Weight per person sheltered that makes one weighted LP solve the lexicographic problem.

    Returns :math:`M = \min(n', m') \, d_{\max} + 1`, where :math:`n'`, :math:`m'` count the
    demand points and shelters with a pair in reach and :math:`d_{\max}` is the longest walk
    in reach, metres. See :func:`build_assignment_model` (Notes) for why it is safe.
    """
    P = np.ascontiguousarray(population, dtype=np.float64).ravel()
    K = np.ascontiguousarray(capacity, dtype=np.float64).ravel()
    D = np.asarray(distances, dtype=np.float64).reshape(P.size, K.size)
    r = np.broadcast_to(np.asarray(radius, dtype=np.float64), K.shape)
    ii, jj = _pairs(D, np.ascontiguousarray(r), P, K)
    return _weight(D[ii, jj], ii, jj)


def _weight(d: np.ndarray, ii: np.ndarray, jj: np.ndarray) -> float:
    if d.size == 0:
        return 1.0
    hops = min(np.unique(ii).size, np.unique(jj).size)
    return float(hops * float(d.max()) + 1.0)


def build_assignment_model(population, capacity, distances, radius, *, stage="weighted",
                           sheltered=None, tol=None) -> SparseModel:
    r"""The transportation LP assigning residents to shelters within walking reach.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point.
    capacity : array_like, shape (m,)
        Places in each shelter (persons): effective area ÷ per-capita norm.
    distances : array_like, shape (n, m)
        Walking distance, metres (``inf`` = no path).
    radius : float or array_like, shape (m,)
        Walking radius of each shelter, metres.
    stage : {"weighted", "people", "distance"}
        ``"weighted"`` (default): one LP, minimise :math:`\sum (d_{ij} - M) x_{ij}` with the
        safe weight :math:`M` of :func:`safe_weight` — most people first, then least walking.
        ``"people"``: maximise people sheltered. ``"distance"``: minimise person-metres among
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
        Columns are the pairs in reach (``model.meta["pairs"]`` = (rows, cols) positions;
        ``model.meta["weight"]`` = :math:`M` for the weighted stage).

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

    Why :math:`M` is safe: let :math:`C(v)` be the least person-metres that shelter
    :math:`v` people. :math:`C` is convex and piecewise linear, and its slope at :math:`v` is
    the cost of a shortest augmenting path in the residual network (successive shortest paths
    [2]_). Such a path is simple, alternates demand → shelter arcs (cost
    :math:`d_{ij} \le d_{\max}`) and shelter → demand arcs (cost :math:`-d_{ij} \le 0`), and
    visits each demand point and shelter at most once, so its cost is at most
    :math:`\min(n', m') d_{\max} < M`. Hence :math:`C(v) - M v` decreases up to the maximum
    flow and the weighted optimum shelters the most people, at the least person-metres. A
    single LP is much faster for HiGHS than the degenerate all-ones first stage.

    References
    ----------
    .. [1] Hitchcock, F. L. (1941). Journal of Mathematics and Physics 20, 224-230.
    .. [2] Ahuja, R. K., Magnanti, T. L. and Orlin, J. B. (1993). Network Flows, ch. 9
       (successive shortest path algorithm). Prentice Hall.
    """
    P = np.ascontiguousarray(population, dtype=np.float64).ravel()
    K = np.ascontiguousarray(capacity, dtype=np.float64).ravel()
    D = np.asarray(distances, dtype=np.float64).reshape(P.size, K.size)
    r = np.broadcast_to(np.asarray(radius, dtype=np.float64), K.shape)
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


@dataclass(frozen=True)
class AssignmentResult:
    """The optimal assignment of residents to shelters (positions, no labels).

    Attributes
    ----------
    flow : scipy.sparse.csr_matrix, shape (n, m)
        People from demand point i sheltered in shelter j.
    sheltered : float
        People sheltered (the first-stage optimum).
    person_metres : float
        Σ people × walking metres (the second-stage optimum).
    status : str
        ``"optimal"`` or ``"time_limit"``.
    seconds : float
        Solve time of both stages.
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
    x = np.where(np.asarray(x) > _FLOW_TOL, x, 0.0)
    F = sp.csr_matrix((x, (ii, jj)), shape=(n, m))
    F.eliminate_zeros()
    return F


def assign_residents(population, capacity, distances, radius, *, method="weighted",
                     time_limit=config.TIME_LIMIT, solver=None) -> AssignmentResult:
    """Assign residents to shelters within walking reach: most people sheltered, then least walking.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point (finite, >= 0).
    capacity : array_like, shape (m,)
        Places in each shelter, persons (finite, >= 0).
    distances : array_like, shape (n, m)
        Walking distance, metres (``inf`` = no path; NaN and negative values are errors).
    radius : float or array_like, shape (m,)
        Walking radius of each shelter, metres.
    method : {"weighted", "lexicographic"}
        ``"weighted"`` (default): one LP with the provably safe weight of
        :func:`build_assignment_model`. ``"lexicographic"``: maximise people, fix, minimise
        person-metres (two LPs; the same optimum, slower on large degenerate instances).
    time_limit : float
        Seconds for the whole call (model build and LP solves). When the LP finds no point in
        time, a greedy feasible assignment (shortest walks first) is returned with
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

    Examples
    --------
    >>> r = assign_residents([30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    >>> r.sheltered, r.person_metres
    (50.0, 11500.0)
    """
    t0 = time.perf_counter()
    probs = Problems("assign_residents")
    P = np.asarray(population, dtype=np.float64).ravel()
    K = np.asarray(capacity, dtype=np.float64).ravel()
    D = np.asarray(distances, dtype=np.float64)
    if D.shape != (P.size, K.size):
        probs.param("distances", f"an array of shape ({P.size}, {K.size}) (demand × shelters)",
                    f"shape {D.shape}")
        probs.raise_if_any()
    r = np.asarray(radius, dtype=np.float64)
    for name, a in (("population", P), ("capacity", K), ("radius", r)):
        bad = np.nonzero(~np.isfinite(a.ravel()) | (a.ravel() < 0))[0]
        if bad.size:
            probs.add(f"The {name!r} parameter of assign_residents must be finite and "
                      f"non-negative. Got bad values at positions {describe_positions(bad)}.")
    with np.errstate(invalid="ignore"):
        badd = np.isnan(D) | (D < 0)
    if badd.any():
        probs.add("The 'distances' parameter of assign_residents must not contain NaN or negative "
                  f"values. Got some in rows {describe_positions(np.unique(np.nonzero(badd)[0]))}.")
    from yingji.siting._inputs import check_time_limit

    time_limit = check_time_limit(time_limit, probs)
    _check_method(method, probs)
    probs.raise_if_any()
    return _assign(P, K, D, np.broadcast_to(r, K.shape).astype(np.float64), Deadline(time_limit, t0),
                   solver, method)


def _check_method(method, probs: Problems) -> None:
    if method not in ("weighted", "lexicographic"):
        probs.param("method", "'weighted' or 'lexicographic'", method)


def _integral(a: np.ndarray) -> bool:
    return bool(np.all(np.abs(a - np.round(a)) <= 1e-9))


def _greedy(P, K, d, ii, jj) -> np.ndarray:
    """A feasible assignment: pairs by increasing walk, each taking what is left (fallback)."""
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
    """Whether a flow respects population, shelter capacity and walking radius.

    Parameters
    ----------
    flow : array_like or scipy.sparse matrix, shape (n, m)
        People from demand point i in shelter j.
    population, capacity, distances, radius
        As for :func:`assign_residents`.
    tol : float
        Absolute tolerance, people.

    Returns
    -------
    bool
        True when no flow is negative, no demand point sends more than its people, no shelter
        takes more than its capacity and nobody walks beyond the shelter's radius.
    """
    F = sp.csr_matrix(flow, dtype=np.float64) if not sp.issparse(flow) else flow.tocsr()
    P = np.asarray(population, dtype=np.float64).ravel()
    K = np.asarray(capacity, dtype=np.float64).ravel()
    D = np.asarray(distances, dtype=np.float64).reshape(P.size, K.size)
    r = np.broadcast_to(np.asarray(radius, dtype=np.float64), K.shape)
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


# --------------------------------------------------------------------------------------------
# input tables
# --------------------------------------------------------------------------------------------
def _table(obj, name: str, func: str) -> pd.DataFrame | None:
    if obj is None:
        return None
    if isinstance(obj, pd.DataFrame):
        return obj
    raise ValidationError(f"The {name!r} parameter of {func} must be a pandas DataFrame indexed by "
                          f"id. Got {type(obj).__name__} instead.")


def _check_columns(df: pd.DataFrame, name: str, required, probs: Problems) -> bool:
    missing = [c for c in required if c not in df.columns]
    if missing:
        probs.add(f"The {name!r} table of {probs.func} must have columns {list(required)}. "
                  f"Missing columns: {missing}.")
        return False
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique().tolist()
        probs.add(f"The {name!r} table of {probs.func} must have unique ids. "
                  f"Duplicated ids: {describe_positions(range(len(dup)), dup)}.")
        return False
    return True


def _numeric(df: pd.DataFrame, col: str, name: str, probs: Problems, *, positive=False) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(v) | (v < 0) | ((v <= 0) if positive else False)
    if bad.any():
        ids = df.index[bad].tolist()
        what = "positive" if positive else "non-negative"
        probs.add(f"The {name!r} table of {probs.func} must have finite, {what} {col!r} values. "
                  f"Got bad values for ids {describe_positions(range(len(ids)), ids)}: "
                  f"{describe_positions(range(len(ids)), v[bad].tolist())}.")
    return np.where(np.isfinite(v), v, 0.0)


def _node_set(net):
    """The node labels of a Network, when it exposes them (None otherwise)."""
    for attr in ("nodes", "node_ids", "node_labels"):
        v = getattr(net, attr, None)
        if v is None:
            continue
        try:
            if callable(v) and not hasattr(v, "__iter__"):
                v = v()
            return set(pd.Index(list(v)).tolist())
        except TypeError:  # pragma: no cover - an attribute of another kind
            continue
    g = getattr(net, "graph", None) or getattr(net, "G", None)
    if g is not None and hasattr(g, "nodes"):
        return set(g.nodes)
    return None


def _check_nodes(df: pd.DataFrame, name: str, net, probs: Problems, max_snap_m) -> None:
    """Shelters (or candidates) must sit on the network: a node that exists, near their x, y."""
    if "node" not in df.columns:
        probs.add(f"The {name!r} table of {probs.func} must have a 'node' column (the network node "
                  f"of each row) when walking distances come from a network.")
        return
    nodes = df["node"]
    na = nodes.isna().to_numpy()
    if na.any():
        ids = df.index[na].tolist()
        probs.add(f"The {name!r} table of {probs.func} has rows off the network (no node): ids "
                  f"{describe_positions(range(len(ids)), ids)}.")
    known = _node_set(net)
    if known is not None:
        off = np.array([(not a) and (v not in known) for v, a in zip(nodes.tolist(), na)], dtype=bool)
        if off.any():
            ids = df.index[off].tolist()
            probs.add(f"The {name!r} table of {probs.func} has rows off the network (their node is "
                      f"not a node of the network): ids {describe_positions(range(len(ids)), ids)}.")
    if max_snap_m is not None and {"x", "y"} <= set(df.columns) and hasattr(net, "snap") and len(df):
        xy = df[["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(xy).all(axis=1)
        if ok.any():
            try:
                _, d = net.snap(xy[ok, 0], xy[ok, 1], return_distance=True)
            except (TypeError, AttributeError, NotImplementedError):  # pragma: no cover
                return
            d = np.asarray(d, dtype=float)
            far = np.zeros(len(df), dtype=bool)
            far[np.nonzero(ok)[0]] = d > float(max_snap_m)
            if far.any():
                ids = df.index[far].tolist()
                probs.add(f"The {name!r} table of {probs.func} has rows off the network: more than "
                          f"{float(max_snap_m):g} m from the nearest network node (max_snap_m): ids "
                          f"{describe_positions(range(len(ids)), ids)}.")


def _rule_groups(cls) -> list:
    """Column masks of the service-radius rules: every shelter (S4-010), fixed/central (S4-011)."""
    c = np.asarray(cls, dtype=object)
    return [np.ones(c.size, dtype=bool), np.isin(c, ["fixed", "central"])]


def _cutoff(radius: np.ndarray) -> float:
    """Search cutoff, metres: the largest class radius or rule distance (farther = ``inf``)."""
    rules = shelter_rules()
    walk = rules.loc[rules["unit"] == "m", "threshold"].to_numpy(float)
    return float(max(radius.max(initial=0.0), walk.max(initial=0.0)))


def _distances(demand: pd.DataFrame, sites: pd.DataFrame, distances, network, cutoff,
               probs: Problems, label: str, groups=()) -> np.ndarray | None:
    """Walking metres, demand × sites, from a DataFrame / array or a Network.

    ``groups``: boolean column masks; a demand row with no site of a group within ``cutoff``
    is searched again without the cutoff (its nearest distance is reported exactly).
    """
    n, m = len(demand), len(sites)
    if m == 0:
        return np.zeros((n, 0))
    if distances is not None and not hasattr(distances, "distances"):
        if isinstance(distances, pd.DataFrame):
            rows = pd.Index(demand.index)
            miss_r = rows.difference(distances.index)
            miss_c = pd.Index(sites.index).difference(distances.columns)
            if len(miss_r) or len(miss_c):
                hint = ""
                if (pd.Index(sites.index).isin(distances.index).all()
                        and rows.isin(distances.columns).all()):
                    hint = " (it looks transposed: pass demand × shelters, e.g. distances.T)"
                probs.add(f"The 'distances' parameter of {probs.func} must be a DataFrame indexed by "
                          f"demand id with a column per {label} id{hint}. Missing demand ids: "
                          f"{describe_positions(range(len(miss_r)), miss_r.tolist())}; missing "
                          f"{label} ids: {describe_positions(range(len(miss_c)), miss_c.tolist())}.")
                return None
            D = distances.loc[demand.index, sites.index].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            D = np.asarray(distances, dtype=np.float64)
            if D.shape != (n, m):
                probs.param("distances", f"an array of shape ({n}, {m}) (demand × {label})",
                            f"shape {D.shape}")
                return None
        with np.errstate(invalid="ignore"):
            bad = np.isnan(D) | (D < 0)
        if bad.any():
            r = np.unique(np.nonzero(bad)[0])
            probs.add(f"The 'distances' parameter of {probs.func} must not contain NaN or negative "
                      f"metres. Got some in demand rows {describe_positions(r, list(demand.index))}.")
            return None
        return np.ascontiguousarray(D)
    net = distances if distances is not None else network
    if net is None:
        probs.add(f"{probs.func} needs walking distances: pass distances= (a DataFrame demand × "
                  f"{label} in metres) or a county / network with .distances().")
        return None
    if "node" not in demand.columns:
        probs.add(f"The 'demand' table of {probs.func} must have a 'node' column when walking "
                  f"distances come from a network.")
        return None
    if demand["node"].isna().any() or sites["node"].isna().any():
        return None
    d_nodes = pd.unique(demand["node"].to_numpy(dtype=object))
    s_nodes = pd.unique(sites["node"].to_numpy(dtype=object))
    L = _net_distances(net, d_nodes, s_nodes, cutoff)
    di = pd.Index(d_nodes).get_indexer(demand["node"].to_numpy(dtype=object))
    si = pd.Index(s_nodes).get_indexer(sites["node"].to_numpy(dtype=object))
    D = np.ascontiguousarray(L[np.ix_(di, si)])
    if cutoff is not None and groups:
        # demand points with no shelter (of a group) within the cutoff: their true distance to
        # the nearest one is wanted for the service-radius rules, so search again, uncut
        need = np.zeros(n, dtype=bool)
        for g in groups:
            if g.any():
                need |= ~np.isfinite(D[:, g].min(axis=1))
        if need.any():
            far = pd.unique(demand["node"].to_numpy(dtype=object)[need])
            L2 = _net_distances(net, far, s_nodes, None)
            fi = pd.Index(far).get_indexer(demand["node"].to_numpy(dtype=object)[need])
            D[need] = L2[np.ix_(fi, si)]
    return D


def _net_distances(net, d_nodes, s_nodes, cutoff) -> np.ndarray:
    """``net.distances`` demand nodes × site nodes (metres), from the smaller side."""
    # Walking distances ignore one-way, so the matrix is symmetric: search from the smaller
    # side (usually the shelters) and transpose.
    flip = len(s_nodes) < len(d_nodes)
    o, d = (s_nodes, d_nodes) if flip else (d_nodes, s_nodes)
    try:
        L = net.distances(list(o), list(d), cutoff=cutoff)
    except TypeError:
        L = net.distances(list(o), list(d))
    if isinstance(L, pd.DataFrame):
        L = L.to_numpy(dtype=np.float64, na_value=np.inf)
    L = np.asarray(L, dtype=np.float64).reshape(len(o), len(d))
    return L.T if flip else L


def _demand_inputs(county, demand, probs: Problems):
    demand = _table(demand if demand is not None else getattr(county, "demand", None), "demand",
                    probs.func)
    if demand is None:
        probs.add(f"{probs.func} needs a demand table (county.demand or demand=) with a "
                  f"'population' column.")
        return None, None, None
    if not _check_columns(demand, "demand", ("population",), probs):
        return demand, None, None
    P = _numeric(demand, "population", "demand", probs)
    if len(demand) == 0 or P.sum() <= 0:
        probs.add(f"The 'demand' table of {probs.func} must hold people: got {len(demand)} rows "
                  f"with total population {P.sum():g}.")
    town = (demand["township"].astype(object).where(demand["township"].notna(), "").astype(str)
            .to_numpy(dtype=object) if "township" in demand.columns
            else np.full(len(demand), "", dtype=object))
    if "urban" in demand.columns:
        _, bad = to_bool(demand["urban"])
        if bad:
            ids = demand.index[bad].tolist()
            probs.add(f"The 'demand' table of {probs.func} has an 'urban' column that is not yes/no in rows "
                      f"{describe_positions(range(len(ids)), ids)} (values "
                      f"{demand['urban'].iloc[bad[:5]].tolist()}); use true/false, 1/0 or 是/否.")
    return demand, P, town


def _shelter_inputs(shelters, norms: pd.DataFrame, probs: Problems, *, name="shelters"):
    req = ("shelter_class", "area_m2")
    if not _check_columns(shelters, name, req, probs):
        return None, None
    area = _numeric(shelters, "area_m2", name, probs)
    cls = shelters["shelter_class"].astype(object).to_numpy(dtype=object)
    bad = np.array([c not in norms.index for c in cls], dtype=bool)
    if bad.any():
        ids = shelters.index[bad].tolist()
        probs.add(f"The {name!r} table of {probs.func} must have a shelter_class among "
                  f"{list(norms.index)}. Got {sorted(set(map(str, cls[bad])))} for ids "
                  f"{describe_positions(range(len(ids)), ids)}.")
    return area, cls


# --------------------------------------------------------------------------------------------
# assessment
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShelterAssessment:
    """Shelter provision of a county: ratios, assignment, unsheltered people, rules.

    Attributes
    ----------
    per_capita_m2 : float
        County-wide effective shelter area per person (Σ area ÷ population), m²/person.
    reachable_per_capita_m2 : float
        Population-weighted mean 2SFCA ratio: m² per person within walking reach.
    sheltered_share : float
        People assigned a place ÷ population (0-1).
    population, sheltered, unsheltered : float
        Persons.
    capacity : float
        Places in all shelters (area ÷ class norm), persons.
    total_area_m2 : float
        Σ effective area, m².
    person_metres : float
        Σ people × walking metres of the assignment.
    mean_walk_m : float
        Mean walking distance of the sheltered, metres.
    assignment : pandas.DataFrame
        One row per (demand point, shelter) used: ``demand``, ``shelter``, ``shelter_class``,
        ``people``, ``metres``.
    demand : pandas.DataFrame
        Per demand point (index: demand id): ``township``, ``population``, ``nearest_shelter``,
        ``nearest_m``, ``access_m2_per_capita`` (2SFCA), ``sheltered``, ``unsheltered``.
    shelters : pandas.DataFrame
        Per shelter (index: shelter id): ``shelter_class``, ``area_m2``, ``per_capita_m2``
        (norm), ``radius_m``, ``capacity``, ``assigned``, ``spare``, ``full``,
        ``catchment_population``, ``ratio_m2_per_capita`` (2SFCA step 1), ``reachable``.
    unsheltered_by_township : pandas.DataFrame
        Index township: ``population``, ``sheltered``, ``unsheltered``, ``unsheltered_share``.
    unsheltered_points : pandas.DataFrame
        Demand points with people left without a place (``township``, ``population``,
        ``unsheltered``, ``nearest_shelter``, ``nearest_m``), most unsheltered first.
    full_shelters : list
        Ids of the shelters filled to capacity.
    rules : pandas.DataFrame
        Pass/fail per rule (index: rule id): ``name``, ``operator``, ``threshold``, ``unit``,
        ``value``, ``passed``, ``scope``, ``detail``, ``clause``, ``provenance``.
    norms : pandas.DataFrame
        The class norms used (see :func:`shelter_norms`).
    status : str
        ``"optimal"`` or ``"time_limit"`` (the assignment LP).
    seconds : float
        Wall-clock seconds of the call.
    extras : dict
        ``solver``, ``lp_seconds``, ``cutoff_m`` (distance search cutoff, metres) and, when the
        tables have coordinates, ``demand_xy`` / ``shelter_xy`` for :meth:`plot`.
    """

    per_capita_m2: float
    reachable_per_capita_m2: float
    sheltered_share: float
    population: float
    sheltered: float
    unsheltered: float
    capacity: float
    total_area_m2: float
    person_metres: float
    mean_walk_m: float
    assignment: pd.DataFrame
    demand: pd.DataFrame
    shelters: pd.DataFrame
    unsheltered_by_township: pd.DataFrame
    unsheltered_points: pd.DataFrame
    full_shelters: list
    rules: pd.DataFrame
    norms: pd.DataFrame
    status: str
    seconds: float
    extras: dict = field(default_factory=dict)

    @property
    def passed(self) -> dict:
        """``{rule id: bool}``."""
        return {str(k): bool(v) for k, v in self.rules["passed"].items()}

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def to_frame(self) -> pd.DataFrame:
        """One row per demand point (see ``demand``)."""
        return self.demand.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable summary (``json.dumps`` works on it)."""
        return to_jsonable({
            "per_capita_m2": self.per_capita_m2,
            "reachable_per_capita_m2": self.reachable_per_capita_m2,
            "sheltered_share": self.sheltered_share,
            "population": self.population,
            "sheltered": self.sheltered,
            "unsheltered": self.unsheltered,
            "capacity": self.capacity,
            "total_area_m2": self.total_area_m2,
            "person_metres": self.person_metres,
            "mean_walk_m": self.mean_walk_m,
            "full_shelters": [str(s) for s in self.full_shelters],
            "unsheltered_by_township": self.unsheltered_by_township.reset_index(),
            "rules": self.rules.reset_index(),
            "assignment": self.assignment,
            "status": self.status,
            "seconds": self.seconds,
            "norms_profile": self.norms.attrs.get("profile", "custom"),
        })

    def summary(self) -> str:
        """Short text: the two ratios, people without a place, full shelters, failed rules."""
        lines = [
            f"Shelters: {len(self.shelters)} ({self.total_area_m2:,.0f} m² effective, "
            f"{self.capacity:,.0f} places) for {self.population:,.0f} people",
            f"  per-capita area, county-wide: {self.per_capita_m2:.2f} m²/person",
            f"  per-capita area within walking reach (2SFCA): "
            f"{self.reachable_per_capita_m2:.2f} m²/person",
            f"  sheltered within walking distance: {self.sheltered:,.0f} "
            f"({100 * self.sheltered_share:.1f} %), mean walk {self.mean_walk_m:,.0f} m; "
            f"{self.unsheltered:,.0f} without a place",
        ]
        if not self.optimal:
            lines.append("  (the assignment LP stopped at its time limit: the assignment is "
                         "feasible, not proven optimal)")
        if len(self.unsheltered_by_township):
            worst = self.unsheltered_by_township.sort_values("unsheltered", ascending=False)
            worst = worst[worst["unsheltered"] > 0].head(3)
            if len(worst):
                lines.append("  most unsheltered: " + ", ".join(
                    f"{t or '(no township)'} {u:,.0f}" for t, u in worst["unsheltered"].items()))
        if self.full_shelters:
            lines.append(f"  full shelters: {len(self.full_shelters)} "
                         f"({describe_positions(range(len(self.full_shelters)), self.full_shelters, 5)})")
        for rid, row in self.rules.iterrows():
            mark = "PASS" if row["passed"] else "FAIL"
            val = (f"{row['value']:.4g}" if np.isfinite(row["value"]) else
                   f"none within {self.extras.get('cutoff_m', np.inf):g} m")
            lines.append(f"  [{mark}] {rid} {row['name']}: {val} {row['operator']} "
                         f"{row['threshold']:g} {row['unit']}")
        return "\n".join(lines)

    def plot(self, ax=None, *, demand_xy=None, shelter_xy=None, lines=True):
        """Map of access: demand points coloured by 2SFCA m²/person, shelters sized by area.

        Needs the ``plot`` extra (matplotlib) and ``x``, ``y`` columns in the demand and shelter
        tables (or ``demand_xy`` / ``shelter_xy`` arrays of shape (n, 2)).

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 7))
        dxy = self.extras.get("demand_xy") if demand_xy is None else np.asarray(demand_xy, float)
        sxy = self.extras.get("shelter_xy") if shelter_xy is None else np.asarray(shelter_xy, float)
        if dxy is None or sxy is None:
            raise ValidationError("ShelterAssessment.plot needs x, y of demand points and shelters "
                                  "(columns x, y in the tables, or demand_xy= / shelter_xy=).")
        if lines and len(self.assignment):
            di = self.demand.index.get_indexer(self.assignment["demand"])
            si = self.shelters.index.get_indexer(self.assignment["shelter"])
            for a, b in zip(di, si):
                ax.plot([dxy[a, 0], sxy[b, 0]], [dxy[a, 1], sxy[b, 1]], color="0.8", lw=0.5,
                        zorder=1)
        pop = self.demand["population"].to_numpy(float)
        sc = ax.scatter(dxy[:, 0], dxy[:, 1], c=self.demand["access_m2_per_capita"].to_numpy(float),
                        s=8 + 40 * pop / max(pop.max(), 1.0), cmap="RdYlGn", vmin=0, vmax=3.0,
                        zorder=2, label="demand (2SFCA m²/person)")
        area = self.shelters["area_m2"].to_numpy(float)
        full = self.shelters["full"].to_numpy(bool)
        ax.scatter(sxy[:, 0], sxy[:, 1], s=30 + 200 * area / max(area.max(initial=1.0), 1.0),
                   marker="^", c=np.where(full, "tab:red", "tab:blue"), edgecolor="k", zorder=3,
                   label="shelter (red = full)")
        ax.figure.colorbar(sc, ax=ax, label="m² per person within walking reach")
        ax.set_aspect("equal")
        ax.set_title(f"Shelters: {self.per_capita_m2:.2f} m²/person county-wide, "
                     f"{self.reachable_per_capita_m2:.2f} within reach")
        ax.legend(loc="best", fontsize="small")
        return ax


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - the plot extra is installed in tests
        raise ImportError("Shelter maps need matplotlib: pip install 'yingji[plot]'") from exc
    return plt


def _xy(df: pd.DataFrame):
    if {"x", "y"} <= set(df.columns):
        xy = df[["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return xy
    return None


def _evaluate_rules(*, per_capita, reachable, P, D, demand_ids, shelters, cls, area, K,
                    population, urban=None) -> pd.DataFrame:
    """The shelter rules on one assessment. The service radii S4-010 / S4-011 (GB 50413-2007
    8.2.10) are judged over the populated *urban* demand points only: GB 50413-2007 is the urban
    seismic-disaster-prevention planning standard (城市抗震防灾规划标准), its radii apply to the
    city planning area, as fire's GB 51080 scope is urban; rural villages are reported by their
    nearest shelter (``demand.nearest_m``) but not judged by these rules. Without an ``urban``
    column every point is urban."""
    rules = shelter_rules()
    urban = np.ones(len(P), dtype=bool) if urban is None else np.asarray(urban, dtype=bool)
    rows = []

    def add(rid, value, passed, detail):
        r = rules.loc[rid]
        rows.append({"rule": rid, "name": r["name_en"], "metric": r["metric"],
                     "operator": r["operator"], "threshold": float(r["threshold"]),
                     "unit": r["unit"], "value": float(value), "passed": bool(passed),
                     "scope": r["scope"], "detail": detail, "clause": r["clause"],
                     "provenance": r["notes"]})

    # S1-145 and S4-001 are the same 1.5 m² target (rules README); both are judged where people
    # live (2SFCA within walking reach, as the S1-145 note asks); the county-wide ratio is shown.
    cw = (f"within walking reach {reachable:.3g} m²/person; county-wide {per_capita:.3g} "
          f"m²/person ({area.sum():,.0f} m² for {population:,.0f} people)")
    for rid in ("S1-145", "S4-001"):
        thr = float(rules.loc[rid, "threshold"])
        add(rid, reachable, reachable > thr, cw)
    populated = (P > 0) & urban
    is_fixed = np.array([c in ("fixed", "central") for c in cls], dtype=bool)
    for rid, mask, what in (("S4-010", np.ones(len(cls), dtype=bool), "any shelter"),
                            ("S4-011", is_fixed, "a fixed or central shelter")):
        thr = float(rules.loc[rid, "threshold"])
        if mask.any() and D.shape[0]:
            near = D[:, mask].min(axis=1)
        else:
            near = np.full(D.shape[0], np.inf)
        near_p = near[populated]
        value = float(near_p.max()) if near_p.size else 0.0
        beyond = populated & (near > thr + config.COVER_TOL)
        ids = [demand_ids[i] for i in np.nonzero(beyond)[0]]
        detail = ("not applicable: no populated urban demand points" if not populated.any() else
                  f"every populated urban demand point within {thr:g} m of {what}" if not ids else
                  f"{len(ids)} urban demand points ({P[beyond].sum():,.0f} people) beyond {thr:g} m of "
                  f"{what}: {describe_positions(range(len(ids)), ids)}")
        add(rid, value, not ids, detail)
    sid = list(shelters.index)
    small = area <= 2000.0
    add("S4-002", float(area.min()) if area.size else 0.0, bool(area.size) and not small.any(),
        "no shelters" if not area.size else
        (f"all {area.size} shelters above 2000 m²" if not small.any() else
         f"{int(small.sum())} shelters at or below 2000 m²: "
         f"{describe_positions(np.nonzero(small)[0], sid)}"))
    site = area
    if "site_area_m2" in shelters.columns:
        s = pd.to_numeric(shelters["site_area_m2"], errors="coerce").to_numpy(float, na_value=np.nan)
        site = np.where(np.isfinite(s), s, area)
    for rid, c in (("S4-007", "emergency"), ("S4-008", "fixed"), ("S4-009", "central")):
        mask = cls == c
        if not mask.any():
            continue
        thr_m2 = float(rules.loc[rid, "threshold"]) * 1e4
        low = mask & (site < thr_m2 - 1e-9)
        add(rid, float(site[mask].min()) / 1e4, not low.any(),
            f"all {int(mask.sum())} {c} shelters at least {thr_m2:,.0f} m²" if not low.any() else
            f"{int(low.sum())} {c} shelters below {thr_m2:,.0f} m²: "
            f"{describe_positions(np.nonzero(low)[0], sid)}")
    share = 100.0 * float(K[is_fixed].sum()) / population if population > 0 else 0.0
    add("S4-033", share, share >= 15.0,
        f"{K[is_fixed].sum():,.0f} places in fixed/central shelters for {population:,.0f} people")
    return pd.DataFrame(rows).set_index("rule")


def assess(county=None, *, shelters=None, demand=None, distances=None, network=None, norms=None,
           max_snap_m=MAX_SNAP_M, method="weighted", time_limit=config.TIME_LIMIT,
           solver=None) -> ShelterAssessment:
    """Assess a county's shelters where people live.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``demand`` (``population``, ``node``, ``township``), ``shelters``
        (``shelter_class``, ``area_m2`` effective area in m², ``node``; ``x``, ``y`` and
        ``site_area_m2`` optional) and ``network``. Any keyword below replaces its part.
    shelters, demand : pandas.DataFrame, optional
        Tables indexed by id (DESIGN.md, The county).
    distances : pandas.DataFrame, numpy.ndarray or Network, optional
        Walking metres, demand × shelters (a DataFrame labelled by demand and shelter ids, or
        an array in table order), or a network whose ``distances(origins, destinations)`` gives
        metres along the network. Default: ``county.network``.
    network : Network, optional
        Used when ``distances`` is None.
    norms : str, DataFrame or dict, optional
        Class norms (per-capita m², walking radius m): a profile name for
        :func:`shelter_norms` (default ``"plan"``: 1.5 m²/person, 500 m emergency, 3000 m fixed
        and central), or a table indexed by ``shelter_class``.
    max_snap_m : float or None
        A shelter whose ``x, y`` lies more than this many metres from the nearest network node
        is off the network (error). None skips the check.
    method : {"weighted", "lexicographic"}
        How the assignment LP is solved (see :func:`assign_residents`).
    time_limit : float
        Seconds for the whole call, counted from entry (distances, the assignment LP). When
        the LP finds no point in time, a greedy feasible assignment is used and
        ``status="time_limit"``.
    solver : None or a PuLP solver
        None: HiGHS.

    Returns
    -------
    ShelterAssessment

    Raises
    ------
    ValidationError
        Missing tables or columns, negative / NaN areas or populations, unknown classes,
        duplicated ids, shelters off the network, distances that do not match the tables — all
        problems reported at once.

    Notes
    -----
    Capacity of shelter *j* is :math:`K_j = \\lfloor S_j / a_{c(j)} \\rfloor` persons (effective
    area over its class norm). The assignment solves the transportation LP of
    :func:`build_assignment_model` (max people sheltered, then min person-metres). Walking
    distances are node to node along the network; the walk from a demand point's coordinates to
    its node is not added.

    References
    ----------
    .. [1] GB 21734-2008 5.4; GB 50413-2007 8.2.8-8.2.10; GB 51143-2015.
    .. [2] Luo, W. and Wang, F. (2003). Environment and Planning B 30(6), 865-884.

    Examples
    --------
    >>> import pandas as pd
    >>> dem = pd.DataFrame({"population": [1000, 600], "township": ["A", "B"]}, index=["d1", "d2"])
    >>> sh = pd.DataFrame({"shelter_class": ["emergency"], "area_m2": [2400.0]}, index=["s1"])
    >>> dist = pd.DataFrame({"s1": [200.0, 800.0]}, index=["d1", "d2"])
    >>> s = assess(demand=dem, shelters=sh, distances=dist)
    >>> round(s.per_capita_m2, 2), s.reachable_per_capita_m2, s.sheltered_share
    (1.5, 1.5, 0.625)
    """
    t0 = time.perf_counter()
    probs = Problems("assess")
    nrm = _resolve_norms(norms, probs)
    demand, P, town = _demand_inputs(county, demand, probs)
    sh = _table(shelters if shelters is not None else getattr(county, "shelters", None),
                "shelters", "assess")
    if sh is None:
        sh = pd.DataFrame({"shelter_class": pd.Series([], dtype=object),
                           "area_m2": pd.Series([], dtype=float)})
    area, cls = _shelter_inputs(sh, nrm, probs)
    from yingji.siting._inputs import check_time_limit

    time_limit = check_time_limit(time_limit, probs)
    _check_method(method, probs)
    net = network if network is not None else getattr(county, "network", None)
    uses_net = distances is None or hasattr(distances, "distances")
    if uses_net and (distances is not None or net is not None) and area is not None and len(sh):
        _check_nodes(sh, "shelters", distances if distances is not None else net, probs, max_snap_m)
    if P is None or area is None:
        probs.raise_if_any()
    radius = np.array([nrm.loc[c, "radius_m"] if c in nrm.index else 0.0 for c in cls], dtype=float)
    D = None
    if not probs.items:
        D = _distances(demand, sh, distances, net, _cutoff(radius), probs, "shelter",
                       groups=_rule_groups(cls))
    probs.raise_if_any()
    return _assess_arrays(demand, P, town, sh, area, cls, radius, D, nrm, Deadline(time_limit, t0), solver,
                          t0, method)


def _assess_arrays(demand, P, town, sh, area, cls, radius, D, nrm, time_limit, solver, t0,
                   method="weighted", res=None):
    norm = np.array([nrm.loc[c, "per_capita_m2"] for c in cls], dtype=float)
    K = np.floor(area / np.where(norm > 0, norm, 1.0) + 1e-9) if area.size else np.zeros(0)
    pop_total = float(P.sum())
    per_capita = float(area.sum()) / pop_total
    access, ratio = two_step_fca(P, area, D, radius)
    reachable = float(P @ access) / pop_total
    if res is None:
        res = _assign(P, K, D, radius, time_limit, solver, method)
    F = res.flow.tocoo()
    did = list(demand.index)
    sid = list(sh.index)
    order = np.lexsort((F.col, F.row))
    r_, c_, v_ = F.row[order], F.col[order], F.data[order]
    assignment = pd.DataFrame({
        "demand": pd.Series([did[i] for i in r_], dtype=object),
        "shelter": pd.Series([sid[j] for j in c_], dtype=object),
        "shelter_class": pd.Series([cls[j] for j in c_], dtype=object),
        "people": v_.astype(float),
        "metres": D[r_, c_].astype(float) if len(r_) else np.zeros(0),
    })
    got = np.asarray(res.flow.sum(axis=1)).ravel()
    used = np.asarray(res.flow.sum(axis=0)).ravel()
    if D.shape[1]:
        jn = np.argmin(np.where(np.isfinite(D), D, np.inf), axis=1)
        nm = D[np.arange(len(P)), jn]
        nearest = np.array([sid[j] if np.isfinite(d) else None for j, d in zip(jn, nm)], dtype=object)
    else:
        nm = np.full(len(P), np.inf)
        nearest = np.full(len(P), None, dtype=object)
    dem = pd.DataFrame({
        "township": town,
        "population": P,
        "nearest_shelter": nearest,
        "nearest_m": nm,
        "access_m2_per_capita": access,
        "sheltered": got,
        "unsheltered": np.maximum(P - got, 0.0),
    }, index=demand.index.copy())
    reach = D <= radius[None, :] + config.COVER_TOL
    catch = reach.T.astype(float) @ P if D.shape[1] else np.zeros(0)
    full = (K > 0) & (used >= K - 1e-6 * np.maximum(K, 1.0))
    shel = pd.DataFrame({
        "shelter_class": pd.Series(cls, dtype=object, index=sh.index),
        "area_m2": area,
        "per_capita_m2": norm,
        "radius_m": radius,
        "capacity": K,
        "assigned": used,
        "spare": np.maximum(K - used, 0.0),
        "full": full,
        "catchment_population": catch,
        "ratio_m2_per_capita": ratio,
        "reachable": catch > 0,
    }, index=sh.index.copy())
    by_town = dem.groupby("township", sort=True)[["population", "sheltered", "unsheltered"]].sum()
    by_town["unsheltered_share"] = np.where(by_town["population"] > 0,
                                            by_town["unsheltered"] / by_town["population"].where(
                                                by_town["population"] > 0, 1.0), 0.0)
    uns = dem[dem["unsheltered"] > _FLOW_TOL][["township", "population", "unsheltered",
                                               "nearest_shelter", "nearest_m"]]
    uns = uns.sort_values("unsheltered", ascending=False, kind="stable")
    sheltered = float(got.sum())
    urban = to_bool(demand["urban"])[0] if "urban" in demand.columns else np.ones(len(P), dtype=bool)
    rules = _evaluate_rules(per_capita=per_capita, reachable=reachable, P=P, D=D, demand_ids=did,
                            shelters=sh, cls=np.asarray(cls, dtype=object), area=area, K=K,
                            population=pop_total, urban=urban)
    extras = {"solver": res.solver, "lp_seconds": res.seconds, "cutoff_m": _cutoff(radius)}
    dxy, sxy = _xy(demand), _xy(sh)
    if dxy is not None and sxy is not None:
        extras["demand_xy"], extras["shelter_xy"] = dxy, sxy
    return ShelterAssessment(
        per_capita_m2=per_capita,
        reachable_per_capita_m2=reachable,
        sheltered_share=sheltered / pop_total,
        population=pop_total,
        sheltered=sheltered,
        unsheltered=float(np.maximum(P - got, 0.0).sum()),
        capacity=float(K.sum()),
        total_area_m2=float(area.sum()),
        person_metres=res.person_metres,
        mean_walk_m=res.person_metres / sheltered if sheltered > 0 else 0.0,
        assignment=assignment,
        demand=dem,
        shelters=shel,
        unsheltered_by_township=by_town,
        unsheltered_points=uns,
        full_shelters=[sid[j] for j in np.nonzero(full)[0]],
        rules=rules,
        norms=nrm,
        status=res.status,
        seconds=time.perf_counter() - t0,
        extras=extras,
    )


# --------------------------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShelterPlan:
    """New shelter sites and what they achieve.

    Attributes
    ----------
    new_shelters : list
        Ids of the candidates to open as shelters.
    cost : float
        Total cost of the new shelters (the candidates' ``cost``).
    target : float
        People the plan sets out to shelter: everyone who can walk to an existing shelter or a
        candidate within its class radius, as far as capacity allows (or the most a budget buys).
    sheltered : float
        People sheltered by the plan's MIP (>= ``target`` within tolerance).
    unreachable : pandas.DataFrame
        Demand points with people no shelter or candidate can take (out of walking reach or
        beyond all capacity): ``township``, ``population``, ``unshelterable``.
    before, after : ShelterAssessment
        The assessment with the existing shelters and with the new ones added.
    candidates : pandas.DataFrame
        Shelter candidates: ``shelter_class`` (given or inferred), ``area_m2``, ``capacity``,
        ``radius_m``, ``cost``, ``chosen``.
    tradeoff : pandas.DataFrame
        People sheltered against budget: ``budget``, ``cost``, ``sheltered``,
        ``sheltered_share``, ``n_new``, ``new_shelters``, ``optimal``.
    objective, bound, gap : float
        The cost MIP's objective, proven lower bound and relative gap.
    optimal : bool
    status : str
        ``"optimal"`` or ``"time_limit"``.
    seconds : float
    """

    new_shelters: list
    cost: float
    target: float
    sheltered: float
    unreachable: pd.DataFrame
    before: ShelterAssessment
    after: ShelterAssessment
    candidates: pd.DataFrame
    tradeoff: pd.DataFrame
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    seconds: float
    budget: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The shelter candidates with ``chosen`` (see ``candidates``)."""
        return self.candidates.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable summary."""
        return to_jsonable({
            "new_shelters": [str(s) for s in self.new_shelters],
            "cost": self.cost,
            "budget": self.budget,
            "target": self.target,
            "sheltered": self.sheltered,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "optimal": self.optimal,
            "status": self.status,
            "seconds": self.seconds,
            "unshelterable": float(self.unreachable["unshelterable"].sum()),
            "tradeoff": self.tradeoff.assign(
                new_shelters=self.tradeoff["new_shelters"].map(lambda v: [str(s) for s in v])),
            "before": {k: v for k, v in self.before.to_dict().items() if k != "assignment"},
            "after": {k: v for k, v in self.after.to_dict().items() if k != "assignment"},
        })

    def summary(self) -> str:
        """Short text: sites, cost, people sheltered before and after, the trade-off."""
        b, a = self.before, self.after
        lines = [
            f"Shelter plan: {len(self.new_shelters)} new shelters, cost {self.cost:,.6g} "
            f"({self.status}, gap {self.gap:.2g})",
            f"  new: {describe_positions(range(len(self.new_shelters)), self.new_shelters, 8)}"
            if self.new_shelters else "  new: none needed",
            f"  sheltered within walking distance: {b.sheltered:,.0f} -> {a.sheltered:,.0f} "
            f"of {a.population:,.0f} ({100 * b.sheltered_share:.1f} % -> "
            f"{100 * a.sheltered_share:.1f} %)",
            f"  per capita county-wide {b.per_capita_m2:.2f} -> {a.per_capita_m2:.2f} m²; within "
            f"reach {b.reachable_per_capita_m2:.2f} -> {a.reachable_per_capita_m2:.2f} m²",
        ]
        u = float(self.unreachable["unshelterable"].sum())
        if u > _FLOW_TOL:
            lines.append(f"  {u:,.0f} people cannot be sheltered by any shelter or candidate "
                         f"(out of walking reach, or beyond all capacity; "
                         f"{len(self.unreachable)} demand points)")
        if len(self.tradeoff) > 1:
            lines.append("  trade-off (budget: people sheltered): " + "; ".join(
                f"{r.budget:,.4g}: {r.sheltered:,.0f}" for r in self.tradeoff.itertuples()))
        return "\n".join(lines)

    def plot(self, ax=None):
        """The trade-off curve of people sheltered against cost (needs matplotlib)."""
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        t = self.tradeoff
        ax.step(t["cost"], t["sheltered"], where="post", marker="o")
        ax.axhline(self.target, color="0.6", ls="--", label="target")
        ax.set_xlabel("cost of new shelters")
        ax.set_ylabel("people sheltered within walking distance")
        ax.legend(loc="lower right")
        return ax


def _has_use(value, use: str) -> bool:
    """Whether a ``uses`` entry (";"-separated text or a list) includes ``use``."""
    if isinstance(value, (list, tuple, set, np.ndarray)):
        items = [str(v) for v in value]
    elif value is None or (isinstance(value, float) and np.isnan(value)):
        items = []
    else:
        items = str(value).split(";")
    return use in [u.strip().lower() for u in items]


def _infer_class(area: float, nrm: pd.DataFrame) -> str:
    """Largest of emergency / fixed whose minimum site size the area reaches (GB 50413 8.2.9)."""
    if "fixed" in nrm.index and area >= float(nrm.loc["fixed", "min_site_m2"]):
        return "fixed"
    return "emergency" if "emergency" in nrm.index else str(nrm.index[0])


#: Largest number of candidate pairs for which ``strong="auto"`` adds the strong linking rows.
STRONG_LINK_MAX = 50_000


def _plan_model(P, K, D, r, cost, n_exist, *, objective, target=None, budget=None,
                strong=True):
    """The capacitated location MIP over existing (fixed open) and candidate shelters.

    Columns: x (pairs in reach, as in :func:`build_assignment_model`) then y (one binary per
    candidate). ``objective``: ``"cost"`` (min Σ f y, with ``target`` people) or ``"people"``
    (max Σ x, with a ``budget``).
    """
    ii, jj = _pairs(D, r, P, K)
    n, m, k = P.size, K.size, ii.size
    q = m - n_exist
    cols = np.arange(k)
    # demand rows and capacity rows (capacity of candidate j scales with y_j)
    rows = [ii, n + jj]
    cidx = [cols, cols]
    vals = [np.ones(k), np.ones(k)]
    cand_cols = k + np.arange(q)
    rows.append(n + n_exist + np.arange(q))
    cidx.append(cand_cols)
    vals.append(-K[n_exist:])
    nr = n + m
    ub = np.minimum(P[ii], K[jj])
    cp = np.nonzero(jj >= n_exist)[0]
    if strong == "auto":
        strong = cp.size <= STRONG_LINK_MAX
    if strong:
        # strong linking x_ij <= min(P_i, K_j) y_j for candidate pairs (tighter LP bound)
        rows += [nr + np.arange(cp.size), nr + np.arange(cp.size)]
        cidx += [cp, k + (jj[cp] - n_exist)]
        vals += [np.ones(cp.size), -ub[cp]]
        nr += cp.size
    row_lo = np.full(nr, -np.inf)
    row_hi = np.concatenate([P, K[:n_exist], np.zeros(q), np.zeros(nr - n - m)])
    extra_rows, extra_lo, extra_hi = [], [], []
    if target is not None:
        extra_rows.append(sp.csr_matrix((np.ones(k), (np.zeros(k, int), cols)), shape=(1, k + q)))
        extra_lo.append(target)
        extra_hi.append(np.inf)
    if budget is not None:
        extra_rows.append(sp.csr_matrix((cost, (np.zeros(q, int), cand_cols)), shape=(1, k + q)))
        extra_lo.append(-np.inf)
        extra_hi.append(budget)
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))),
                      shape=(nr, k + q))
    if extra_rows:
        A = sp.vstack([A] + extra_rows).tocsr()
        row_lo = np.concatenate([row_lo, extra_lo])
        row_hi = np.concatenate([row_hi, extra_hi])
    if objective == "cost":
        c = np.concatenate([np.zeros(k), cost])
        sense = "min"
    else:
        c = np.concatenate([np.ones(k), np.zeros(q)])
        sense = "max"
    integ = np.concatenate([np.zeros(k, bool), np.ones(q, bool)])
    col_hi = np.concatenate([ub, np.ones(q)])
    return SparseModel(c, A, row_lo, row_hi, np.zeros(k + q), col_hi, integ, sense=sense,
                       name=f"shelter_plan_{objective}",
                       meta={"pairs": (ii, jj), "k": k, "strong": bool(strong)})


def _start(F: sp.csr_matrix, ii, jj, n_exist: int, q: int) -> np.ndarray:
    """MIP start from a flow (n × sites): x on the pairs, y = 1 for candidates it uses."""
    x = np.asarray(F.tocsr()[ii, jj]).ravel() if ii.size else np.zeros(0)
    used = np.asarray(F.sum(axis=0)).ravel()[n_exist:] > 0 if q else np.zeros(0, bool)
    return np.concatenate([x, used.astype(float)])


class _MaxFlow:
    """Bipartite max flow (scipy's Dinic) with shelters switched on and off, integral data only.

    Source → demand point i (``P_i``), i → shelter j for pairs in reach, j → sink (``K_j``, or 0
    when the shelter is closed).
    """

    def __init__(self, P, K, ii, jj):
        n, m, k = P.size, K.size, ii.size
        self.n, self.m, self.k = n, m, k
        self.N = n + m + 2
        s, t = n + m, n + m + 1
        rows = np.concatenate([np.full(n, s), ii, n + np.arange(m)])
        cols = np.concatenate([np.arange(n), n + jj, np.full(m, t)])
        self.cap = np.concatenate([P, np.minimum(P[ii], K[jj]), K]).astype(np.int64)
        self.K = K.astype(np.int64)
        order = np.lexsort((cols, rows))
        self.rows, self.cols = rows[order], cols[order]
        inv = np.empty_like(order)
        inv[order] = np.arange(order.size)
        self.pos_pair = inv[n:n + k]
        self.pos_sink = inv[n + k:]
        self.cap = self.cap[order]

    def run(self, open_mask: np.ndarray):
        from scipy.sparse.csgraph import maximum_flow

        cap = self.cap.copy()
        cap[self.pos_sink] = np.where(open_mask, self.K, 0)
        G = sp.csr_matrix((cap, (self.rows, self.cols)), shape=(self.N, self.N))
        G.sort_indices()
        r = maximum_flow(G, self.n + self.m, self.n + self.m + 1, method="dinic")
        F = r.flow.tocsr()
        x = np.asarray(F[self.rows[self.pos_pair], self.cols[self.pos_pair]]).ravel()
        return float(r.flow_value), np.maximum(x, 0).astype(np.float64)


def _drop_heuristic(P, K, D, r, cost, n_exist, target, chosen, seconds):
    """Close chosen candidates, dearest per place first, while the rest still shelter ``target``.

    Needs integral populations and capacities (scipy's max flow is integral). Returns
    ``(chosen, x)`` with x on the pairs of :func:`_pairs`, or None.
    """
    if not (_integral(P) and _integral(K)) or P.sum() >= 2**62:
        return None
    t0 = time.perf_counter()
    ii, jj = _pairs(D, r, P, K)
    mf = _MaxFlow(P, K, ii, jj)
    is_open = np.ones(K.size, dtype=bool)
    is_open[n_exist:] = False
    is_open[n_exist + np.asarray(chosen, dtype=np.int64)] = True
    val, x = mf.run(is_open)
    if val < target - 1e-6:
        return None
    # least value for money first: highest cost per place
    for j in sorted(chosen, key=lambda j: (-cost[j] / max(K[n_exist + j], 1.0), -cost[j])):
        if time.perf_counter() - t0 > seconds:
            break
        is_open[n_exist + j] = False
        v2, x2 = mf.run(is_open)
        if v2 >= target - 1e-6:
            x = x2
        else:
            is_open[n_exist + j] = True
    return np.nonzero(is_open[n_exist:])[0], x


def _knapsack_bound(K_cand, cost, need: float) -> float:
    """Lower bound on the cost of new shelters: fractional knapsack, capacity >= ``need``.

    Valid because removing the new shelters from any assignment loses at most their capacity,
    so their capacity must cover ``target - (people the existing shelters alone take)``.
    """
    if need <= 1e-9:
        return 0.0
    ok = K_cand > 0
    K_c, f = K_cand[ok], cost[ok]
    order = np.argsort(f / K_c, kind="stable")
    lb, left = 0.0, float(need)
    for j in order:
        take = min(1.0, left / K_c[j])
        lb += take * f[j]
        left -= take * K_c[j]
        if left <= 1e-9:
            break
    return float(lb)


def _people_target(got: float) -> float:
    # a whole number of people (integral data) is kept exactly; otherwise a 1e-9 relative slack
    return float(round(got)) if abs(got - round(got)) <= 1e-6 else got - max(1e-9, 1e-9 * got)


_HOME_PID = os.getpid()


def _after_fork() -> None:
    """In a forked worker (a fork-context process pool), give HiGHS a fresh thread scheduler.

    The parent's HiGHS worker threads do not exist in a forked child; without a reset the
    child's first solve waits for them forever.
    """
    global _HOME_PID
    if os.getpid() != _HOME_PID:
        _HOME_PID = os.getpid()
        try:
            import highspy

            highspy.Highs.resetGlobalScheduler(False)
        except (ImportError, AttributeError):  # pragma: no cover - older highspy
            pass


def _solve_plan(args):
    """Solve one plan point: (max people within ``budget``, then) min cost keeping them.

    ``target`` given: only the cost MIP (people fixed). ``F0``: a flow feasible for the first
    MIP, used as MIP start.
    """
    P, K, D, r, cost, n_exist, budget, target, F0, strong, time_limit, mip_gap, solver = args
    _after_fork()
    # time_limit: a Deadline shared with plan() (perf_counter is system-wide, so it holds in
    # forked workers too), or seconds from now
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit))
    q = K.size - n_exist
    optimal = True
    start = None
    if target is None:
        m1 = _plan_model(P, K, D, r, cost, n_exist, objective="people", budget=budget,
                         strong=strong)
        ii, jj = m1.meta["pairs"]
        x0 = _start(F0, ii, jj, n_exist, q) if F0 is not None else None
        if dl.expired() and x0 is not None:  # no time for the MIP: its start stands
            s1 = SimpleNamespace(has_solution=True, x=x0, optimal=False)
        else:
            s1 = solve(m1, solver=solver, time_limit=dl.limit(), mip_gap=mip_gap, start=x0)
        if not s1.has_solution:  # pragma: no cover - a start is always given by plan()
            return None
        k = m1.meta["k"]
        target = _people_target(float(s1.x[:k].sum()))
        optimal = s1.optimal
        start = s1.x
    m2 = _plan_model(P, K, D, r, cost, n_exist, objective="cost", target=target, budget=budget,
                     strong=strong)
    k = m2.meta["k"]
    if start is None and F0 is not None:
        ii, jj = m2.meta["pairs"]
        start = _start(F0, ii, jj, n_exist, q)
        # improve the start: close the dearest candidates the target can do without
        used = np.nonzero(start[k:] > 0.5)[0]
        h = _drop_heuristic(P, K, D, r, cost, n_exist, target, used, 0.25 * dl.left())
        if h is not None:
            y = np.zeros(q)
            y[h[0]] = 1.0
            start = np.concatenate([h[1], y])
    if dl.expired() and start is not None:
        # no time for the cost MIP (its setup alone takes seconds at 10^4 x 200): the start stands
        s2 = SimpleNamespace(has_solution=False, optimal=False)
    else:
        s2 = solve(m2, solver=solver, time_limit=dl.limit(), mip_gap=mip_gap, start=start)
    if s2.has_solution:
        x, objective, bound, gap = s2.x, s2.objective, s2.bound, s2.gap
    else:  # the start is feasible for the cost MIP
        x = start
        objective = float(cost @ np.round(x[k:]))
        bound, gap = float("-inf"), float("inf")
    y = np.round(x[k:]).astype(bool)
    return {"budget": budget, "cost": float(cost[y].sum()), "sheltered": float(x[:k].sum()),
            "chosen": np.nonzero(y)[0], "optimal": bool(optimal and s2.optimal),
            "objective": float(objective), "bound": float(bound), "gap": float(gap)}


def plan(county=None, *, candidates=None, shelters=None, demand=None, distances=None,
         network=None, norms=None, budget=None, candidate_class=None, curve_points=5,
         max_snap_m=MAX_SNAP_M, strong="auto", method="weighted", time_limit=config.TIME_LIMIT,
         mip_gap=config.MIP_GAP, solver=None, executor=None) -> ShelterPlan:
    """New shelter sites that shelter everyone within walking distance at least cost.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``demand``, ``shelters`` (existing, kept open), ``candidates`` (rows whose
        ``uses`` include ``shelter``; ``cost``, ``area_m2`` usable area, ``node``, optional
        ``shelter_class``) and ``network``. Keywords replace any part.
    candidates, shelters, demand : pandas.DataFrame, optional
    distances : pandas.DataFrame, numpy.ndarray or Network, optional
        Walking metres, demand × (existing shelters then shelter candidates): a DataFrame with
        a column per shelter id and candidate id, or a network (default ``county.network``).
    network : Network, optional
    norms : str, DataFrame or dict, optional
        Class norms, as for :func:`assess`.
    budget : float, optional
        Spend at most this much: the plan then shelters as many people as the budget allows
        (and spends least for that many). Default: no budget, shelter everyone reachable.
    candidate_class : str, optional
        Class of every new shelter. Default: the candidates' ``shelter_class`` column, else
        ``"fixed"`` when the area reaches the fixed site size (1 hm², GB 50413-2007 8.2.9) and
        ``"emergency"`` otherwise.
    curve_points : int
        Budgets on the trade-off curve (evenly spaced from 0 to the plan's cost; 0 skips it).
    max_snap_m : float or None
        As for :func:`assess`, applied to shelters and candidates.
    strong : bool or "auto"
        Add the strong linking rows :math:`x_{ij} \\le \\min(P_i, K_j) y_j` (a tighter LP
        bound, one row per candidate pair). ``"auto"``: when there are at most
        :data:`STRONG_LINK_MAX` candidate pairs.
    method : {"weighted", "lexicographic"}
        How the assignment LPs (before, all candidates open, after) are solved.
    time_limit : float
        Seconds for the whole call, counted from entry: every phase (distances, three
        assignment LPs, one MIP — two with a ``budget`` — and two MIPs per curve point) gets
        the time left, not the whole limit again. Each MIP starts from a feasible assignment,
        so a time limit still returns a plan (``status="time_limit"``, with its gap); curve
        points no time is left for are left out of ``tradeoff``.
    mip_gap : float
        Relative MIP gap (default 1e-6).
    solver : None or a PuLP solver
    executor : concurrent.futures.Executor, optional
        Runs the trade-off curve's budget points in parallel.

    Returns
    -------
    ShelterPlan

    Raises
    ------
    ValidationError
        As for :func:`assess`, plus bad candidates (negative area or cost, missing columns) and
        bad ``budget`` / ``curve_points``.

    Notes
    -----
    With existing shelters :math:`E` (open), candidates :math:`C`, pairs in reach :math:`R`:

    .. math::

        \\min \\sum_{j \\in C} f_j y_j \\quad \\text{s.t.} \\quad
        \\sum_{(i,j) \\in R} x_{ij} \\ge S^*, \\;
        \\sum_j x_{ij} \\le P_i, \\;
        \\sum_i x_{ij} \\le K_j \\; (j \\in E), \\;
        \\sum_i x_{ij} \\le K_j y_j, \\;
        x_{ij} \\le \\min(P_i, K_j) y_j \\; (j \\in C), \\; y \\in \\{0, 1\\}

    where :math:`S^*` is the most people any choice (within the budget) can shelter, found by a
    first solve (lexicographic: people first, then cost). The after-assessment re-solves the
    assignment with the chosen shelters, so ``after.sheltered`` is checked, not assumed.

    References
    ----------
    .. [1] Sridharan, R. (1995). European Journal of Operational Research 87(2), 203-213.
    .. [2] GB 50413-2007 8.2.8-8.2.10; GB 21734-2008 5.4.
    """
    t0 = time.perf_counter()
    probs = Problems("plan")
    nrm = _resolve_norms(norms, probs)
    demand, P, town = _demand_inputs(county, demand, probs)
    sh = _table(shelters if shelters is not None else getattr(county, "shelters", None),
                "shelters", "plan")
    if sh is None:
        sh = pd.DataFrame({"shelter_class": pd.Series([], dtype=object),
                           "area_m2": pd.Series([], dtype=float)})
    area, cls = _shelter_inputs(sh, nrm, probs)
    cand = _table(candidates if candidates is not None else getattr(county, "candidates", None),
                  "candidates", "plan")
    if cand is None:
        cand = pd.DataFrame({"cost": pd.Series([], dtype=float),
                             "area_m2": pd.Series([], dtype=float)})
    if "uses" in cand.columns:
        cand = cand[np.array([_has_use(u, "shelter") for u in cand["uses"].tolist()], dtype=bool)]
    c_area = c_cost = c_cls = None
    if _check_columns(cand, "candidates", ("cost", "area_m2"), probs):
        c_area = _numeric(cand, "area_m2", "candidates", probs)
        c_cost = _numeric(cand, "cost", "candidates", probs)
        if candidate_class is not None:
            if candidate_class not in nrm.index:
                probs.param("candidate_class", f"one of {list(nrm.index)}", candidate_class)
            c_cls = np.array([candidate_class] * len(cand), dtype=object)
        elif "shelter_class" in cand.columns:
            given = cand["shelter_class"].astype(object).to_numpy(dtype=object)
            c_cls = np.array([g if isinstance(g, str) and g else _infer_class(a, nrm)
                              for g, a in zip(given, c_area)], dtype=object)
            bad = np.array([c not in nrm.index for c in c_cls], dtype=bool)
            if bad.any():
                ids = cand.index[bad].tolist()
                probs.add(f"The 'candidates' table of plan must have a shelter_class among "
                          f"{list(nrm.index)}. Got bad classes for ids "
                          f"{describe_positions(range(len(ids)), ids)}.")
        else:
            c_cls = np.array([_infer_class(a, nrm) for a in c_area], dtype=object)
    overlap = pd.Index(sh.index).intersection(cand.index)
    if len(overlap):
        probs.add(f"Shelter and candidate ids of plan must differ. Shared ids: "
                  f"{describe_positions(range(len(overlap)), overlap.tolist())}.")
    if budget is not None:
        try:
            b = float(budget)
            if not np.isfinite(b) or b < 0:
                raise ValueError
            budget = b
        except (TypeError, ValueError):
            probs.param("budget", "a finite number >= 0", budget)
    if (isinstance(curve_points, (bool, np.bool_)) or not isinstance(curve_points, (int, np.integer))
            or curve_points < 0):
        probs.param("curve_points", "an int >= 0", curve_points)
    if not (isinstance(strong, (bool, np.bool_)) or strong == "auto"):
        probs.param("strong", "True, False or 'auto'", strong)
    _check_method(method, probs)
    from yingji.siting._inputs import check_time_limit

    time_limit = check_time_limit(time_limit, probs)
    dl = Deadline(time_limit, t0)  # one deadline for every phase below
    net = network if network is not None else getattr(county, "network", None)
    uses_net = distances is None or hasattr(distances, "distances")
    src = distances if distances is not None else net
    if uses_net and src is not None:
        if area is not None and len(sh):
            _check_nodes(sh, "shelters", src, probs, max_snap_m)
        if c_area is not None and len(cand):
            _check_nodes(cand, "candidates", src, probs, max_snap_m)
    if P is None or area is None or c_area is None:
        probs.raise_if_any()
    all_sites = pd.concat([sh.assign(shelter_class=cls),
                           cand.assign(shelter_class=c_cls)], axis=0)
    all_cls = np.concatenate([np.asarray(cls, dtype=object), c_cls])
    radius = np.array([nrm.loc[c, "radius_m"] if c in nrm.index else 0.0 for c in all_cls])
    D = None
    if not probs.items:
        D = _distances(demand, all_sites, distances, net, _cutoff(radius), probs,
                       "shelter and candidate", groups=_rule_groups(all_cls))
    probs.raise_if_any()

    n_exist = len(sh)
    all_area = np.concatenate([area, c_area])
    norm = np.array([nrm.loc[c, "per_capita_m2"] for c in all_cls], dtype=float)
    K = np.floor(all_area / norm + 1e-9) if all_area.size else np.zeros(0)
    q = len(cand)
    # the existing shelters alone (the "before" assessment; its flow starts the budget MIPs)
    bres = _assign(P, K[:n_exist], D[:, :n_exist], radius[:n_exist], dl, solver, method)
    before = _assess_arrays(demand, P, town, sh, area, cls, radius[:n_exist], D[:, :n_exist], nrm,
                            dl, solver, time.perf_counter(), method, res=bres)
    F_before = sp.hstack([bres.flow, sp.csr_matrix((len(P), q))]).tocsr()
    # most people anyone can shelter: all candidates open (the transportation LP)
    best = _assign(P, K, D, radius, dl, solver, method)
    got = np.asarray(best.flow.sum(axis=1)).ravel()
    unreach = pd.DataFrame({"township": town, "population": P,
                            "unshelterable": np.maximum(P - got, 0.0)}, index=demand.index.copy())
    unreach = unreach[unreach["unshelterable"] > _FLOW_TOL].sort_values(
        "unshelterable", ascending=False, kind="stable")
    mkargs = (P, K, D, radius, c_cost, n_exist)
    tail = (strong, dl, mip_gap, solver)
    if budget is None and bres.sheltered >= _people_target(best.sheltered):
        # the existing shelters already shelter everyone who can be: nothing to build
        main = {"chosen": np.zeros(0, dtype=np.int64), "sheltered": bres.sheltered,
                "objective": 0.0, "bound": 0.0, "gap": 0.0, "optimal": bres.optimal}
        target = best.sheltered
    elif budget is None:
        main = _solve_plan((*mkargs, None, _people_target(best.sheltered), best.flow, *tail))
        target = best.sheltered
        if not main["optimal"]:
            from yingji.solvers import gap_of

            kb = _knapsack_bound(K[n_exist:], c_cost, best.sheltered - bres.sheltered)
            if kb > main["bound"]:
                main["bound"] = min(kb, main["objective"])
                main["gap"] = gap_of(main["objective"], main["bound"])
                main["optimal"] = main["gap"] <= mip_gap
    else:
        main = _solve_plan((*mkargs, budget, None, F_before, *tail))
        target = main["sheltered"]
    chosen = main["chosen"]
    sheltered = main["sheltered"]
    objective, bound, gap, optimal = main["objective"], main["bound"], main["gap"], main["optimal"]
    if budget is None and not best.optimal:
        optimal = False  # the target (most people anyone can shelter) itself is not proven
    cost = float(c_cost[chosen].sum()) if q else 0.0
    cand_ids = list(cand.index)
    new_ids = [cand_ids[j] for j in chosen]
    # the after assessment re-solves the assignment: what the plan claims is checked
    keep = np.concatenate([np.arange(n_exist), n_exist + chosen]).astype(int)
    after_sites = all_sites.iloc[keep]
    after = _assess_arrays(demand, P, town, after_sites, all_area[keep], all_cls[keep],
                           radius[keep], D[:, keep], nrm, dl, solver, time.perf_counter(),
                           method)
    # trade-off curve: most people (then least cost) for evenly spaced budgets
    curve_rows = []
    if curve_points and q and cost > 0:
        budgets = np.linspace(0.0, cost, int(curve_points) + 1)[:-1]
        jobs = [(*mkargs, float(bgt), None, F_before, *tail) for bgt in budgets]
        if executor is not None:
            outs = list(executor.map(_solve_plan, jobs)) if not dl.expired() else []
        else:
            # points the deadline leaves no time for are left out of the curve
            outs = [_solve_plan(j) for j in jobs if not dl.expired()]
        curve_rows += [o for o in outs if o is not None]
    curve_rows.append({"budget": cost if budget is None else budget, "cost": cost,
                       "sheltered": sheltered, "chosen": chosen, "optimal": bool(optimal)})
    pop_total = float(P.sum())
    tradeoff = pd.DataFrame({
        "budget": [r["budget"] for r in curve_rows],
        "cost": [r["cost"] for r in curve_rows],
        "sheltered": [r["sheltered"] for r in curve_rows],
        "sheltered_share": [r["sheltered"] / pop_total for r in curve_rows],
        "n_new": [len(r["chosen"]) for r in curve_rows],
        "new_shelters": [[cand_ids[j] for j in r["chosen"]] for r in curve_rows],
        "optimal": [r["optimal"] for r in curve_rows],
    })
    chosen_mask = np.zeros(len(cand), dtype=bool)
    chosen_mask[chosen] = True
    cframe = pd.DataFrame({
        "shelter_class": pd.Series(c_cls, dtype=object, index=cand.index),
        "area_m2": c_area,
        "capacity": K[n_exist:],
        "radius_m": radius[n_exist:],
        "cost": c_cost,
        "chosen": chosen_mask,
    }, index=cand.index.copy())
    return ShelterPlan(
        new_shelters=new_ids, cost=cost, target=float(target), sheltered=float(sheltered),
        unreachable=unreach, before=before, after=after, candidates=cframe, tradeoff=tradeoff,
        objective=float(objective), bound=float(bound), gap=float(gap), optimal=bool(optimal),
        status="optimal" if optimal else "time_limit", seconds=time.perf_counter() - t0,
        budget=budget,
    )
