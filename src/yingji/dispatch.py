"""Dispatch: which units go to which incidents, and the nearest available unit.

:func:`plan` chooses units for one or many simultaneous incidents, each needing units of
several types (engines, ladders, ambulances, rescue teams...) and optionally a number of
persons (``crew``). Priorities, in order: send every required unit (shortfalls, weighted by
the incident's ``weight``, as few as possible; every required unit not sent, for a type the
fleet lacks too, is a shortfall row that says why), then send units that arrive within the
incident's ``target_minutes``, then (``objective="latest"``) make the latest arrival as early as
possible, then minimise the weighted sum of arrival minutes. :func:`is_feasible_dispatch`
checks any set of assignments independently. :func:`nearest_available` gives the k fastest free
units of a type for one call; :class:`NearestUnits` prepares the same look-up once for a dispatch
desk answering call after call in microseconds.

Without a crew requirement the problem splits by unit type into rectangular assignment problems
(one row per required unit, one column per available unit plus one "not sent" column per row),
solved exactly with the shortest augmenting path method; with a crew requirement the types
interact and a sparse MIP goes to HiGHS (or any PuLP solver) through :mod:`yingji.solvers`, one
stage per priority.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._validation import TIME_LIMIT, Problems, check_param, describe_positions
from yingji.exceptions import ValidationError
from yingji.results import to_jsonable

__all__ = ["plan", "DispatchPlan", "is_feasible_dispatch", "dispatch_problems", "nearest_available"]

_RESERVED = ("node", "weight", "target_minutes", "crew", "x", "y")
# numeric columns of the county's located tables (DESIGN.md) that describe a place, not units: an
# incident table built from demand rows keeps them, and they are never read as requirements
_DESCRIPTIVE = ("population", "area_m2", "incidents_per_year")
_TOL = 1e-9

# values of DispatchPlan.shortfalls["reason"] for unit rows, in the order they are tested (the
# first that holds is reported; see _shortfalls); crew rows use the last two
_SHORTFALL_REASONS = ("none in fleet", "all busy", "unreachable", "none in time", "left unused",
                     "too few", "sent elsewhere")


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
@dataclass
class _Inputs:
    inc_ids: list
    unit_ids: list
    types: list  # requirement types, in order
    need: np.ndarray  # n_inc x n_types int64
    weight: np.ndarray  # n_inc
    target: np.ndarray  # n_inc (inf = none)
    crew_need: np.ndarray | None  # n_inc persons or None
    unit_type: np.ndarray  # n_units object
    unit_crew: np.ndarray  # n_units float
    available: np.ndarray  # n_units bool
    T: np.ndarray  # n_inc x n_units minutes


def _busy_mask(busy, unit_ids, func: str, probs: Problems) -> np.ndarray:
    avail = np.ones(len(unit_ids), dtype=bool)
    if busy is None:
        return avail
    if isinstance(busy, (str, int, np.integer)):
        busy = [busy]
    busy = list(busy)
    if not busy:
        return avail
    index = unit_ids if isinstance(unit_ids, pd.Index) else pd.Index(unit_ids)
    if not index.is_unique:
        pos_map = {u: i for i, u in enumerate(index)}
        locs = np.array([pos_map.get(b, -1) for b in busy], dtype=np.int64)
    else:
        locs = np.empty(len(busy), dtype=np.int64)
        for q, b in enumerate(busy):  # a few hash look-ups: cheaper than building an Index
            try:
                locs[q] = index.get_loc(b)
            except (KeyError, TypeError):
                locs[q] = -1
    unknown = [b for b, q in zip(busy, locs) if q < 0]
    avail[locs[locs >= 0]] = False
    if unknown:
        probs.add(
            f"The 'busy' parameter of {func} names units that are not in 'units': "
            f"{describe_positions(range(len(unknown)), unknown)}."
        )
    return avail


def _times_matrix(times, inc: pd.DataFrame, units: pd.DataFrame, func: str, probs: Problems):
    inc_ids, unit_ids = list(inc.index), list(units.index)
    if times is not None and hasattr(times, "travel_times"):
        miss = []
        if "node" not in units.columns:
            miss.append("'units' needs a 'node' column")
        if "node" not in inc.columns:
            miss.append("'incidents' needs a 'node' column")
        if miss:
            probs.add(f"{func} was given a Network for 'times', so " + " and ".join(miss) + ".")
            return None
        unodes = units["node"].tolist()
        inodes = inc["node"].tolist()
        uu = list(dict.fromkeys(unodes))
        ui = list(dict.fromkeys(inodes))
        M = np.asarray(times.travel_times(uu, ui), dtype=float)  # units x incidents (station -> scene)
        pu = {u: k for k, u in enumerate(uu)}
        pi = {u: k for k, u in enumerate(ui)}
        return np.ascontiguousarray(M[np.ix_([pu[u] for u in unodes], [pi[v] for v in inodes])].T)
    if isinstance(times, pd.DataFrame):
        mi = [i for i in inc_ids if i not in times.index]
        mu = [u for u in unit_ids if u not in times.columns]
        if mi or mu:
            probs.add(
                f"The 'times' parameter of {func} must be a DataFrame incidents x units (minutes). "
                + (f"Missing incident rows: {describe_positions(range(len(mi)), mi)}. " if mi else "")
                + (f"Missing unit columns: {describe_positions(range(len(mu)), mu)}." if mu else "")
            )
            return None
        return np.ascontiguousarray(times.loc[inc_ids, unit_ids].to_numpy(dtype=float, na_value=np.nan))
    if times is None:
        probs.param("times", "a DataFrame incidents x units of minutes, an array or a Network", None)
        return None
    T = np.asarray(times, dtype=float)
    if T.shape != (len(inc_ids), len(unit_ids)):
        probs.param("times", f"an array of shape (n_incidents, n_units) = ({len(inc_ids)}, {len(unit_ids)})",
                    f"shape {T.shape}")
        return None
    return np.ascontiguousarray(T)


def _is_count_column(col: pd.Series) -> bool:
    """Whether a column holds numbers that can be unit counts (numeric, not boolean)."""
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _requirement_types(incidents: pd.DataFrame, fleet: set, types, func: str, probs: Problems) -> list:
    """The unit types the incidents require: the columns of the requirement table.

    Parameters
    ----------
    incidents : pandas.DataFrame
        The incidents table of :func:`plan`.
    fleet : set of str
        The unit types present in ``units`` (used only to recognise columns, never to drop one).
    types : str, sequence of str or None
        The ``types`` parameter of :func:`plan`.
    func : str
        Name of the public function, for messages.
    probs : Problems
        Collector of validation problems.

    Returns
    -------
    list of str
        With ``types=None``: every ``incidents`` column named like a unit type of the fleet, and
        every other string-named numeric (non-boolean) column that is neither read for something
        else (``node``, ``weight``, ``target_minutes``, ``crew``, ``x``, ``y``) nor a
        descriptive column of a county table (``population``, ``area_m2``,
        ``incidents_per_year``). Otherwise the columns named in ``types``, in that order, each
        once, whether or not the fleet has a unit of that type.
    """
    if types is None:
        skip = set(_RESERVED) | set(_DESCRIPTIVE)
        return [c for c in incidents.columns
                if c not in skip and (c in fleet or (isinstance(c, str) and _is_count_column(incidents[c])))]
    req = list(dict.fromkeys([types] if isinstance(types, str) else list(types)))
    missing_cols = [t for t in req if t not in incidents.columns]
    if missing_cols:
        probs.add(
            f"The 'types' parameter of {func} names unit types with no column in 'incidents': {missing_cols}."
        )
    return [t for t in req if t in incidents.columns]


def _prepare(incidents, units, times, *, busy, types, func: str) -> _Inputs:
    probs = Problems(func)
    if not isinstance(incidents, pd.DataFrame):
        probs.param("incidents", "a DataFrame indexed by incident id", type(incidents).__name__)
    if not isinstance(units, pd.DataFrame) or "type" not in getattr(units, "columns", []):
        probs.param("units", "a DataFrame indexed by unit id with a 'type' column",
                    type(units).__name__ if not isinstance(units, pd.DataFrame) else f"columns {list(units.columns)}")
    probs.raise_if_any()
    for name, df in (("incidents", incidents), ("units", units)):
        dup = df.index[df.index.duplicated()].unique().tolist()
        if dup:
            probs.add(f"The {name!r} parameter of {func} has duplicate ids: {describe_positions(range(len(dup)), dup)}.")
    unit_type = units["type"].astype(str).to_numpy(dtype=object)
    # The requirement table keeps every required type, whether or not the fleet has a unit of it:
    # a type the fleet lacks is a shortfall ("none in fleet"), never a silently dropped column.
    req = _requirement_types(incidents, set(unit_type.tolist()), types, func, probs)
    n = len(incidents)
    need = np.zeros((n, len(req)), dtype=np.int64)
    for k, t in enumerate(req):
        col = pd.to_numeric(incidents[t], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.nonzero(~np.isfinite(col) | (col < 0) | (np.abs(col - np.round(col)) > 1e-9))[0]
        if bad.size:
            probs.add(
                f"The {t!r} column of 'incidents' in {func} must hold non-negative whole numbers of units. "
                f"Bad values at incidents {describe_positions(bad, list(incidents.index))}."
            )
        need[:, k] = np.where(np.isfinite(col), np.round(np.maximum(col, 0)), 0).astype(np.int64)
    if "weight" in incidents.columns:
        w = pd.to_numeric(incidents["weight"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.nonzero(~np.isfinite(w) | (w <= 0))[0]
        if bad.size:
            probs.add(
                f"The 'weight' column of 'incidents' in {func} must be positive and finite. "
                f"Bad values at incidents {describe_positions(bad, list(incidents.index))}."
            )
            w = np.where(np.isfinite(w) & (w > 0), w, 1.0)
    else:
        w = np.ones(n)
    if "target_minutes" in incidents.columns:
        tg = pd.to_numeric(incidents["target_minutes"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.nonzero(tg < 0)[0]
        if bad.size:
            probs.add(
                f"The 'target_minutes' column of 'incidents' in {func} must be non-negative (NaN = none). "
                f"Bad values at incidents {describe_positions(bad, list(incidents.index))}."
            )
        tg = np.where(np.isnan(tg) | (tg < 0), np.inf, tg)
    else:
        tg = np.full(n, np.inf)
    crew_need = None
    unit_crew = np.zeros(len(units))
    if "crew" in incidents.columns:
        cn = pd.to_numeric(incidents["crew"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        cn = np.where(np.isnan(cn), 0.0, cn)
        bad = np.nonzero(cn < 0)[0]
        if bad.size:
            probs.add(
                f"The 'crew' column of 'incidents' in {func} must be a non-negative number of persons. "
                f"Bad values at incidents {describe_positions(bad, list(incidents.index))}."
            )
        if (cn > 0).any():
            if "crew" not in units.columns:
                probs.add(f"{func}: incidents need crew (persons) but 'units' has no 'crew' column.")
            else:
                uc = pd.to_numeric(units["crew"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                badu = np.nonzero(~np.isfinite(uc) | (uc < 0))[0]
                if badu.size:
                    probs.add(
                        f"The 'crew' column of 'units' in {func} must be a non-negative number of persons. "
                        f"Bad values at units {describe_positions(badu, list(units.index))}."
                    )
                unit_crew = np.where(np.isfinite(uc) & (uc >= 0), uc, 0.0)
            crew_need = np.maximum(cn, 0.0)
    avail = _busy_mask(busy, list(units.index), func, probs)
    T = _times_matrix(times, incidents, units, func, probs)
    if T is not None:
        bad = np.nonzero((np.isnan(T) | (T < 0)).any(axis=1))[0]
        if bad.size:
            probs.add(
                f"The 'times' parameter of {func} must be non-negative minutes (inf = unreachable). "
                f"NaN or negative values for incidents {describe_positions(bad, list(incidents.index))}."
            )
    probs.raise_if_any()
    return _Inputs(list(incidents.index), list(units.index), req, need, w, tg, crew_need, unit_type,
                   unit_crew, avail, T)


# ------------------------------------------------------------------------------------------
# result
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DispatchPlan:
    """Which units go to which incidents.

    Attributes
    ----------
    assignments : pandas.DataFrame
        One row per unit sent: ``incident``, ``unit``, ``type``, ``minutes`` (travel),
        ``late`` (arrives after the incident's ``target_minutes``).
    shortfalls : pandas.DataFrame
        ``incident``, ``type``, ``needed``, ``sent``, ``missing`` (needed − sent, in units) and
        ``reason``, one row per required (incident, type) pair with ``missing > 0``, whatever
        the cause, including types the fleet has no unit of; a crew requirement appears with
        type ``"crew"`` in persons. ``reason`` is the first that holds of ``"none in fleet"``
        (``units`` has no unit of the type), ``"all busy"`` (every unit of the type is busy),
        ``"unreachable"`` (no free unit of the type can reach the incident: ``inf`` minutes),
        ``"none in time"`` (``strict_targets``: every free unit of the type that can reach it
        arrives after ``target_minutes``), ``"left unused"`` (a free unit that could have come
        was sent nowhere: only when the solver stopped at its time limit), ``"too few"`` (the
        free units of the type that can come are fewer than the incident needs, even alone) and
        ``"sent elsewhere"`` (they would have sufficed alone, but some went to other incidents).
        Crew rows say ``"too few"`` or ``"sent elsewhere"``, in the same sense for persons.
    objective : str
        ``"total"`` or ``"latest"``.
    total_weighted_minutes : float
        Σ weight × minutes over the units sent.
    latest_minutes : float
        Latest arrival among the units sent (``nan`` when none is sent).
    missing_units : int
        Units required but not sent (the sum of ``missing`` over the unit rows of
        ``shortfalls``; persons of crew rows are not counted).
    late_units : int
        Units sent that arrive after their incident's target.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    optimal : bool
    method : str
        ``"assignment"`` or ``"mip"`` (with the solver's name).
    seconds : float
    stages : dict
        Value reached at each priority stage (``missing``, ``crew_missing``, ``late``, ``latest``,
        ``total``).
    """

    assignments: pd.DataFrame
    shortfalls: pd.DataFrame
    objective: str
    total_weighted_minutes: float
    latest_minutes: float
    missing_units: int
    late_units: int
    status: str
    optimal: bool
    method: str
    seconds: float
    stages: dict = field(default_factory=dict)
    incidents: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The assignments (one row per unit sent)."""
        return self.assignments.copy()

    def by_incident(self) -> pd.DataFrame:
        """Per incident: units ``needed``, ``sent``, ``missing``, ``late``, first and last arrival.

        Returns
        -------
        pandas.DataFrame
            Indexed by incident: ``needed`` (units over every required type, the fleet's types
            or not), ``sent``, ``missing`` (= ``needed − sent``, the sum of the incident's unit
            rows in ``shortfalls``), ``late`` (units), ``first_minutes`` and ``last_minutes``
            (arrival minutes, NaN when nothing is sent).
        """
        inc = self.incidents
        a = self.assignments
        g = a.groupby("incident", sort=False)["minutes"]
        df = pd.DataFrame(index=pd.Index(inc.index, name="incident"))
        df["needed"] = inc["needed"].to_numpy()
        df["sent"] = a.groupby("incident", sort=False).size().reindex(df.index, fill_value=0).astype(int)
        df["missing"] = df["needed"] - df["sent"]
        df["late"] = a.groupby("incident", sort=False)["late"].sum().reindex(df.index, fill_value=0).astype(int)
        df["first_minutes"] = g.min().reindex(df.index)
        df["last_minutes"] = g.max().reindex(df.index)
        return df

    def to_dict(self) -> dict:
        """JSON-serialisable plan."""
        return to_jsonable({
            "objective": self.objective,
            "total_weighted_minutes": self.total_weighted_minutes,
            "latest_minutes": self.latest_minutes,
            "missing_units": self.missing_units,
            "late_units": self.late_units,
            "status": self.status,
            "optimal": self.optimal,
            "method": self.method,
            "seconds": self.seconds,
            "stages": self.stages,
            "assignments": self.assignments,
            "shortfalls": self.shortfalls,
        })

    def summary(self) -> str:
        """A short paragraph a person reads."""
        s = (f"Dispatch ({self.objective}, {self.method}, {self.status}): {len(self.assignments)} units sent, "
             f"weighted minutes {self.total_weighted_minutes:.4g}, latest arrival {self.latest_minutes:.3g} min, "
             f"{self.late_units} late")
        if self.missing_units or len(self.shortfalls):
            short = ", ".join(f"{r.incident}: {r.missing:g} {r.type} ({r.reason})"
                              for r in self.shortfalls.head(8).itertuples())
            s += f"; shortfalls {short}{' ...' if len(self.shortfalls) > 8 else ''}"
        return s + "."


# ------------------------------------------------------------------------------------------
# assignment method (no crew requirement): independent per type
# ------------------------------------------------------------------------------------------
def _type_problem(inp: _Inputs, k: int, strict: bool):
    """Slots (incident per required unit) and candidate units of type ``types[k]``."""
    t = inp.types[k]
    slots = np.repeat(np.arange(len(inp.inc_ids)), inp.need[:, k])
    cand = np.nonzero((inp.unit_type == t) & inp.available)[0]
    M = inp.T[np.ix_(slots, cand)] if slots.size and cand.size else np.zeros((slots.size, cand.size))
    late = M > inp.target[slots][:, None] + _TOL
    ok = np.isfinite(M)
    if strict:
        ok &= ~late
    return slots, cand, M, late, ok


def _solve_type(inp, slots, cand, M, late, ok, threshold):
    """Lexicographic (missing, late, weighted minutes) assignment for one type; returns pairs."""
    from scipy.optimize import linear_sum_assignment

    S, U = M.shape
    if S == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    w = inp.weight[slots]
    allowed = ok & (M <= threshold + _TOL)
    wt = np.where(allowed, w[:, None] * np.where(np.isfinite(M), M, 0.0), 0.0)
    tmax = float(wt.max()) if wt.size else 0.0
    wmin, wmax = float(w.min()), float(w.max())
    big_late = (S * tmax + 1.0) / wmin
    big_miss = (S * (wmax * big_late + tmax) + 1.0) / wmin
    C = np.full((S, U + S), np.inf)
    C[:, :U] = np.where(allowed, wt + big_late * w[:, None] * late, np.inf)
    C[np.arange(S), U + np.arange(S)] = big_miss * w
    r, c = linear_sum_assignment(C)
    real = c < U
    return r[real], cand[c[real]]


def _plan_assignment(inp: _Inputs, objective: str, strict: bool):
    parts = [_type_problem(inp, k, strict) for k in range(len(inp.types))]

    def solve_all(threshold_per_type):
        out_i, out_u = [], []
        for k, (slots, cand, M, late, ok) in enumerate(parts):
            r, u = _solve_type(inp, slots, cand, M, late, ok, threshold_per_type[k])
            out_i.append(slots[r])
            out_u.append(u)
        return out_i, out_u

    inf = [np.inf] * len(parts)
    inc_parts, unit_parts = solve_all(inf)
    if objective == "latest" and parts:
        z_type = []
        for k, (slots, cand, M, late, ok) in enumerate(parts):
            ri, ru = inc_parts[k], unit_parts[k]
            if ri.size == 0:
                z_type.append(0.0)
                continue
            w = inp.weight[ri]
            ref_miss = float(np.sum(inp.weight[slots]) - np.sum(w))
            ref_late = float(np.sum(w * (inp.T[ri, ru] > inp.target[ri] + _TOL)))
            cands = np.unique(M[ok])
            lo, hi = 0, int(np.searchsorted(cands, float(inp.T[ri, ru].max()) + _TOL, side="right")) - 1
            hi = max(hi, 0)
            while lo < hi:  # smallest threshold keeping the missing and late values
                mid = (lo + hi) // 2
                r, u = _solve_type(inp, slots, cand, M, late, ok, float(cands[mid]))
                ii = slots[r]
                wm = inp.weight[ii]
                miss = float(np.sum(inp.weight[slots]) - np.sum(wm))
                lt = float(np.sum(wm * (inp.T[ii, u] > inp.target[ii] + _TOL)))
                if miss <= ref_miss + 1e-9 * max(1.0, ref_miss) and lt <= ref_late + 1e-9 * max(1.0, ref_late):
                    hi = mid
                else:
                    lo = mid + 1
            z_type.append(float(cands[lo]))
        z = max(z_type)
        inc_parts, unit_parts = solve_all([z] * len(parts))
    rows = np.concatenate(inc_parts) if inc_parts else np.zeros(0, dtype=np.int64)
    ups = np.concatenate(unit_parts) if unit_parts else np.zeros(0, dtype=np.int64)
    return rows.astype(np.int64), ups.astype(np.int64), "optimal", True, {}


# ------------------------------------------------------------------------------------------
# MIP method: staged lexicographic model through yingji.solvers
# ------------------------------------------------------------------------------------------
def _plan_mip(inp: _Inputs, objective: str, strict: bool, solver, time_limit: float, mip_gap: float,
              t_start: float | None = None):
    from yingji.solvers import SparseModel, solve

    n, m = inp.T.shape
    type_pos = {t: k for k, t in enumerate(inp.types)}
    ut = np.array([type_pos.get(t, -1) for t in inp.unit_type], dtype=np.int64)
    # candidate pairs (incident, unit): unit's type needed, reachable, available
    need_iu = np.zeros((n, m), dtype=bool)
    has = ut >= 0
    need_iu[:, has] = inp.need[:, ut[has]] > 0
    lateM = inp.T > inp.target[:, None] + _TOL
    okM = need_iu & np.isfinite(inp.T) & inp.available[None, :]
    if strict:
        okM &= ~lateM
    pi, pu = np.nonzero(okM)
    P = pi.size
    # shortfall columns per (incident, type) with need > 0
    si, sk = np.nonzero(inp.need > 0)
    Sn = si.size
    crew = inp.crew_need is not None and bool((inp.crew_need > 0).any())
    ci = np.nonzero(inp.crew_need > 0)[0] if crew else np.zeros(0, dtype=np.int64)
    Cn = ci.size
    # the latest arrival is found by bisection on a threshold (below), not with a column z:
    # rows sum_i tau_iu x_iu <= z have a weak LP relaxation and made the MIP ~10x slower
    use_z = False
    ncol = P + Sn + Cn + (1 if use_z else 0)
    zc = P + Sn + Cn
    rows_blocks, lo_blocks, hi_blocks = [], [], []
    # demand rows: sum_u x_iu + s_ik = need_ik
    req_index = -np.ones((n, len(inp.types)), dtype=np.int64)
    req_index[si, sk] = np.arange(Sn)
    pr = req_index[pi, ut[pu]]
    A1 = sp.csr_matrix((np.ones(P + Sn), (np.concatenate([pr, np.arange(Sn)]),
                                          np.concatenate([np.arange(P), P + np.arange(Sn)]))), shape=(Sn, ncol))
    rows_blocks.append(A1)
    lo_blocks.append(inp.need[si, sk].astype(float))
    hi_blocks.append(inp.need[si, sk].astype(float))
    # unit rows: sum_i x_iu <= 1
    A2 = sp.csr_matrix((np.ones(P), (pu, np.arange(P))), shape=(m, ncol))
    rows_blocks.append(A2)
    lo_blocks.append(np.full(m, -np.inf))
    hi_blocks.append(np.ones(m))
    if crew:
        crow = -np.ones(n, dtype=np.int64)
        crow[ci] = np.arange(Cn)
        sel = crow[pi] >= 0
        A3 = sp.csr_matrix((np.concatenate([inp.unit_crew[pu[sel]], np.ones(Cn)]),
                            (np.concatenate([crow[pi[sel]], np.arange(Cn)]),
                             np.concatenate([np.arange(P)[sel], P + Sn + np.arange(Cn)]))), shape=(Cn, ncol))
        rows_blocks.append(A3)
        lo_blocks.append(inp.crew_need[ci])
        hi_blocks.append(np.full(Cn, np.inf))
    if use_z and P:
        # per unit: sum_i tau_iu x_iu <= z (a unit goes to one incident at most, so this is the
        # bottleneck constraint aggregated by unit: m rows, and a tighter LP than one per pair)
        A4 = sp.csr_matrix((np.concatenate([inp.T[pi, pu], -np.ones(m)]),
                            (np.concatenate([pu, np.arange(m)]), np.concatenate([np.arange(P), np.full(m, zc)]))),
                           shape=(m, ncol))
        rows_blocks.append(A4)
        lo_blocks.append(np.full(m, -np.inf))
        hi_blocks.append(np.zeros(m))
    A = sp.vstack(rows_blocks, format="csr")
    row_lo = np.concatenate(lo_blocks)
    row_hi = np.concatenate(hi_blocks)
    col_lo = np.zeros(ncol)
    col_hi = np.concatenate([np.ones(P), inp.need[si, sk].astype(float), np.full(Cn, np.inf),
                             [np.inf] if use_z else []])
    integ = np.concatenate([np.ones(P, bool), np.ones(Sn, bool), np.zeros(Cn, bool),
                            np.zeros(1 if use_z else 0, bool)])
    wP = inp.weight[pi]
    stages = []
    c_miss = np.zeros(ncol)
    c_miss[P:P + Sn] = inp.weight[si]
    stages.append(("missing", c_miss))
    if crew:
        c_crew = np.zeros(ncol)
        c_crew[P + Sn:P + Sn + Cn] = inp.weight[ci]
        stages.append(("crew_missing", c_crew))
    c_late = np.zeros(ncol)
    c_late[:P] = wP * lateM[pi, pu]
    stages.append(("late", c_late))
    if use_z:
        c_z = np.zeros(ncol)
        c_z[zc] = 1.0
        stages.append(("latest", c_z))
    c_tot = np.zeros(ncol)
    c_tot[:P] = wP * inp.T[pi, pu]
    stages.append(("total", c_tot))
    # the limit counts from t_start (plan()'s entry: input checks and the model build count too)
    t0 = time.perf_counter() if t_start is None else float(t_start)
    x = None
    all_opt = True
    status = "optimal"
    values = {}
    solver_name = "highs"
    tau = inp.T[pi, pu]
    for name, c in stages:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0 and x is not None:  # the first stage always runs (briefly): a plan or an error
            status, all_opt = "time_limit", False
            break
        if name == "total" and objective == "latest" and x is not None and P:
            z, proven, x = _bisect_latest(A, row_lo, row_hi, col_lo, col_hi, integ, tau, x, P, solver,
                                          t0 + time_limit)
            values["latest"] = z
            if not proven:
                status, all_opt = "time_limit", False
            col_hi = col_hi.copy()
            col_hi[:P][tau > z + _TOL] = 0.0
            left = max(time_limit - (time.perf_counter() - t0), 1e-3)
        model = SparseModel(c, A, row_lo, row_hi, col_lo, col_hi, integ, sense="min", name=f"dispatch_{name}")
        sol = solve(model, solver=solver, time_limit=max(left, 1e-3), mip_gap=mip_gap, start=x)
        solver_name = sol.solver
        if not sol.has_solution:
            status, all_opt = "time_limit", False
            break
        x = sol.x
        v = float(c @ x)
        values[name] = v
        if not sol.optimal:
            status, all_opt = "time_limit", False
        # keep this stage's value in later stages
        cz = sp.csr_matrix(c.reshape(1, -1))
        A = sp.vstack([A, cz], format="csr")
        row_lo = np.append(row_lo, -np.inf)
        row_hi = np.append(row_hi, v + 1e-7 * max(1.0, abs(v)))
    if x is None:
        from yingji.exceptions import SolverError

        raise SolverError("The dispatch MIP found no feasible point within the time limit.", status="time_limit")
    sel = x[:P] > 0.5
    return pi[sel].astype(np.int64), pu[sel].astype(np.int64), status, all_opt, {"solver": solver_name, **values}


def _bisect_latest(A, row_lo, row_hi, col_lo, col_hi, integ, tau, x, P, solver, deadline):
    """Smallest threshold on the arrival minutes that keeps the earlier stages' optima.

    ``x`` is feasible for the stage rows already in ``A``; each probe forbids the pairs slower
    than the threshold and asks for any feasible point (zero objective). Returns the threshold
    and whether the bisection finished (False when the time ran out: the threshold is then
    feasible but maybe not the smallest), and a feasible point within the threshold.
    """
    from yingji.exceptions import InfeasibleError
    from yingji.solvers import SparseModel, solve

    cands = np.unique(tau)
    cur = float(tau[x[:P] > 0.5].max()) if (x[:P] > 0.5).any() else 0.0
    lo, hi = 0, int(np.searchsorted(cands, cur + _TOL, side="right")) - 1
    if hi < 0:
        return cur, True, x
    zero = np.zeros(A.shape[1])
    while lo < hi:
        left = deadline - time.perf_counter()
        if left <= 0:
            return float(cands[hi]), False, x
        mid = (lo + hi) // 2
        ch = col_hi.copy()
        ch[:P][tau > cands[mid] + _TOL] = 0.0
        model = SparseModel(zero, A, row_lo, row_hi, col_lo, ch, integ, sense="min", name="dispatch_latest_probe")
        try:
            sol = solve(model, solver=solver, time_limit=max(left, 1e-3), mip_gap=1.0 - 1e-9)
        except InfeasibleError:
            lo = mid + 1
            continue
        if not sol.has_solution:
            return float(cands[hi]), False, x
        hi = mid
        x = sol.x
    return float(cands[hi]), True, x


# ------------------------------------------------------------------------------------------
# public
# ------------------------------------------------------------------------------------------
def plan(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    *,
    objective: str = "total",
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
    method: str = "auto",
    solver=None,
    time_limit: float = 10.0,
    mip_gap: float = config.MIP_GAP,
) -> DispatchPlan:
    """Choose which units go to which incidents.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Indexed by incident id. ``weight`` (priority, positive, default 1), ``target_minutes``
        (arrival target, default none), ``crew`` (persons needed, counted over the units sent,
        read from ``units.crew``) and ``node`` (with a ``Network``) are read when present.
        Every other column named like a unit type of ``units``, and every other numeric column
        (not boolean; ``x``, ``y``, ``population``, ``area_m2`` and ``incidents_per_year`` are
        skipped), holds the number of units of that type needed — also for a type the fleet
        has no unit of: those units appear in ``shortfalls`` as ``"none in fleet"``.
    units : pandas.DataFrame
        Indexed by unit id with a ``type`` column, ``crew`` (persons) when incidents need crew,
        ``node`` when ``times`` is a Network.
    times : pandas.DataFrame, numpy.ndarray or Network
        Travel minutes, incidents × units (``inf`` = cannot reach); a ``Network`` gives
        ``net.travel_times(unit nodes, incident nodes).T``.
    objective : {"total", "latest"}
        After shortfalls and late arrivals: minimise Σ weight × minutes (``"total"``), or first
        the latest arrival and then that sum (``"latest"``).
    busy : iterable of unit ids
        Units that cannot be sent.
    types : sequence of str, optional
        Requirement columns to read (default: as described under ``incidents``). A type named
        here that no unit has is still required (shortfall ``"none in fleet"``).
    strict_targets : bool
        When True a unit that would arrive after the target is not sent (it counts as missing);
        by default it is sent and reported ``late``.
    method : {"auto", "assignment", "mip"}
        ``"assignment"``: exact per-type rectangular assignment (no crew requirement);
        ``"mip"``: staged MIP through :func:`yingji.solvers.solve`; ``"auto"`` picks the first
        when it applies.
    solver : None or a PuLP solver object
        For ``"mip"``: HiGHS (default) or e.g. ``pulp.PULP_CBC_CMD(msg=False)``.
    time_limit : float
        Seconds for the whole call with ``"mip"``, counted from entry (input checks, model
        build, all stages).
    mip_gap : float
        Relative MIP gap per stage.

    Returns
    -------
    DispatchPlan

    Raises
    ------
    ValidationError
        Bad tables (non-integer or negative requirements, non-positive weights, negative or NaN
        times, unknown busy units, ``types`` without a column, missing rows/columns), a bad ``objective`` or
        ``method``, or ``method="assignment"`` with a crew requirement.
    SolverError
        The MIP found no plan within ``time_limit``.

    See Also
    --------
    is_feasible_dispatch : the independent checker.
    nearest_available : the k fastest free units for one call.

    Notes
    -----
    With :math:`x_{iu} \\in \\{0,1\\}` (unit :math:`u` goes to incident :math:`i`, allowed when
    :math:`u`'s type :math:`t(u)` is needed and :math:`\\tau_{iu} < \\infty`), shortfalls
    :math:`s_{it} \\ge 0` and weights :math:`w_i`:

    .. math::
        \\operatorname{lexmin}\\; \\Big(\\sum w_i s_{it},\\; \\sum w_i [\\tau_{iu} > g_i] x_{iu},\\;
        (z),\\; \\sum w_i \\tau_{iu} x_{iu}\\Big)
        \\quad\\text{s.t.}\\quad \\sum_{u: t(u)=t} x_{iu} + s_{it} = r_{it},\\;
        \\sum_i x_{iu} \\le 1,\\; \\sum_i \\tau_{iu} x_{iu} \\le z,

    plus :math:`\\sum_u c_u x_{iu} + e_i \\ge C_i` for crews. The demand rows cover every
    required pair :math:`(i, t)` with :math:`r_{it} > 0`, also for a type no unit has (then
    :math:`s_{it} = r_{it}`), so :math:`\\sum_{i,t} s_{it}` is ``missing_units`` for either
    method; the shortfall rows and their reasons are derived from that table once, after either
    method has chosen the units. Without crews each type is an independent transportation
    problem (totally unimodular); expanding each requirement into :math:`r_{it}` rows with a
    private "not sent" column makes it a rectangular assignment problem, solved exactly [1]_
    with lexicographic costs; the latest arrival is minimised by bisection on a threshold
    (bottleneck assignment, [2]_). The MIP solves one stage per priority, keeping each optimum
    as a constraint; its latest-arrival stage is a bisection too (feasibility MIPs with the
    slower pairs forbidden).

    References
    ----------
    .. [1] Crouse, D. F. (2016). On implementing 2D rectangular assignment algorithms. *IEEE
       Transactions on Aerospace and Electronic Systems* 52(4), 1679-1696.
    .. [2] Burkard, R., Dell'Amico, M., Martello, S. (2012). *Assignment Problems*, SIAM, ch. 6
       (bottleneck assignment).

    Examples
    --------
    >>> import pandas as pd
    >>> incidents = pd.DataFrame({"engine": [2, 1], "ladder": [1, 0]}, index=["fire1", "fire2"])
    >>> units = pd.DataFrame({"type": ["engine", "engine", "engine", "ladder"]},
    ...                      index=["E1", "E2", "E3", "L1"])
    >>> times = pd.DataFrame([[3.0, 5.0, 9.0, 4.0], [6.0, 2.0, 4.0, 7.0]],
    ...                      index=incidents.index, columns=units.index)
    >>> dp = plan(incidents, units, times)
    >>> sorted(dp.assignments["unit"])
    ['E1', 'E2', 'E3', 'L1']
    >>> dp.total_weighted_minutes
    16.0
    """
    t0 = time.perf_counter()
    probs = Problems("plan")
    if objective not in ("total", "latest"):
        probs.param("objective", "one of 'total', 'latest'", objective)
    if method not in ("auto", "assignment", "mip"):
        probs.param("method", "one of 'auto', 'assignment', 'mip'", method)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=config.TIME_LIMIT)
    probs.raise_if_any()
    inp = _prepare(incidents, units, times, busy=busy, types=types, func="plan")
    crew = inp.crew_need is not None and bool((inp.crew_need > 0).any())
    if method == "assignment" and crew:
        raise ValidationError(
            "The 'method' parameter of plan must be 'mip' or 'auto' when incidents need crew "
            "(the types interact). Got 'assignment' instead."
        )
    use_mip = method == "mip" or (method == "auto" and crew)
    if use_mip:
        ri, uu, status, opt, info = _plan_mip(inp, objective, strict_targets, solver, tl, mip_gap, t0)
        mname = f"mip ({info.get('solver', 'highs')})"
    else:
        ri, uu, status, opt, info = _plan_assignment(inp, objective, strict_targets)
        mname = "assignment"
    return _make_plan(inp, ri, uu, objective, status, opt, mname, time.perf_counter() - t0, incidents,
                      strict_targets)


def _shortfalls(inp: _Inputs, ri: np.ndarray, uu: np.ndarray, strict: bool):
    """The shortfall table of a plan, with the reason for each row (the one place it is made).

    Every method (assignment, MIP) returns only the pairs it sends; the shortfalls are derived
    here from the requirement table, which holds every required (incident, type) pair, the
    fleet's types or not. So ``needed == sent + missing`` for every pair, whatever the cause.

    Parameters
    ----------
    inp : _Inputs
        The prepared inputs (requirement table ``need``, units, availability, minutes).
    ri, uu : numpy.ndarray of int
        Incident and unit positions of the units sent.
    strict : bool
        ``strict_targets`` of :func:`plan`: a unit arriving after the incident's
        ``target_minutes`` could not have been sent.

    Returns
    -------
    short : pandas.DataFrame
        ``incident``, ``type``, ``needed``, ``sent``, ``missing`` (units, or persons for the
        ``"crew"`` rows) and ``reason``, one row per (incident, type) with ``missing > 0``.
    sent : numpy.ndarray of int
        Units sent, incidents x requirement types.
    crew_miss : float
        Σ weight × persons missing (0 without a crew requirement).

    Notes
    -----
    For a unit row (incident *i*, type *t*), with *E* the units of type *t* that are free (not
    ``busy``), can reach *i* (finite minutes) and, with ``strict``, arrive by its target, the
    reason is the first of these that holds:

    ``"none in fleet"``: ``units`` has no unit of type *t*; ``"all busy"``: every unit of type
    *t* is busy; ``"unreachable"``: no free unit of type *t* can reach *i* (``inf`` minutes);
    ``"none in time"``: with ``strict_targets``, every free unit of type *t* that can reach *i*
    arrives after its target; ``"left unused"``: a unit of *E* was sent nowhere (only in a plan
    stopped at its time limit); ``"too few"``: *E* holds fewer units than *i* needs, even
    alone; ``"sent elsewhere"``: *E* would have filled *i* alone, but some of its units went to
    other incidents.

    A crew row (persons) says ``"too few"`` when the free units of the types *i* needs that can
    come (at most as many of each type as it needs) carry fewer persons than it needs, and
    ``"sent elsewhere"`` otherwise.
    """
    n, m = inp.T.shape
    K = len(inp.types)
    type_pos = {t: k for k, t in enumerate(inp.types)}
    ut = np.array([type_pos.get(t, -1) for t in inp.unit_type], dtype=np.int64)
    sent = np.zeros((n, K), dtype=np.int64)
    if ri.size:
        np.add.at(sent, (ri, ut[uu]), 1)
    missing = inp.need - sent
    # of_type[u, k]: unit u is of requirement type k (units of other types never count)
    of_type = np.zeros((m, K), dtype=np.int64)
    has = ut >= 0
    of_type[np.nonzero(has)[0], ut[has]] = 1
    in_fleet = of_type.sum(axis=0)
    free = of_type[inp.available].sum(axis=0)
    reach = np.isfinite(inp.T) & inp.available[None, :]  # n x m
    can = reach & (inp.T <= inp.target[:, None] + _TOL) if strict else reach
    used = np.zeros(m, dtype=bool)
    used[uu] = True
    n_reach = reach.astype(np.int64) @ of_type  # n x K
    n_can = can.astype(np.int64) @ of_type
    n_unused = (can & ~used[None, :]).astype(np.int64) @ of_type
    rows = []
    for i, k in zip(*np.nonzero(missing > 0)):
        if in_fleet[k] == 0:
            why = "none in fleet"
        elif free[k] == 0:
            why = "all busy"
        elif n_reach[i, k] == 0:
            why = "unreachable"
        elif n_can[i, k] == 0:
            why = "none in time"
        elif n_unused[i, k] > 0:
            why = "left unused"
        elif n_can[i, k] < inp.need[i, k]:
            why = "too few"
        else:
            why = "sent elsewhere"
        rows.append((inp.inc_ids[i], inp.types[k], int(inp.need[i, k]), int(sent[i, k]), int(missing[i, k]), why))
    crew_miss = 0.0
    if inp.crew_need is not None:
        got = np.bincount(ri, weights=inp.unit_crew[uu], minlength=n) if ri.size else np.zeros(n)
        for i in np.nonzero(inp.crew_need - got > 1e-9)[0]:
            alone = 0.0  # most persons incident i could get on its own
            for k in np.nonzero(inp.need[i] > 0)[0]:
                crews = np.sort(inp.unit_crew[can[i] & (ut == k)])[::-1]
                alone += float(crews[:inp.need[i, k]].sum())
            why = "too few" if alone < inp.crew_need[i] - 1e-9 else "sent elsewhere"
            rows.append((inp.inc_ids[i], "crew", float(inp.crew_need[i]), float(got[i]),
                         float(inp.crew_need[i] - got[i]), why))
            crew_miss += float(inp.weight[i] * (inp.crew_need[i] - got[i]))
    short = pd.DataFrame(rows, columns=["incident", "type", "needed", "sent", "missing", "reason"])
    short = short.astype({"incident": object, "type": object, "reason": object})
    return short, sent, crew_miss


def _make_plan(inp: _Inputs, ri, uu, objective, status, opt, method, seconds, incidents,
               strict: bool = False) -> DispatchPlan:
    order = np.lexsort((uu, ri))
    ri, uu = ri[order], uu[order]
    mins = inp.T[ri, uu]
    late = mins > inp.target[ri] + _TOL
    inc_ids = np.asarray(inp.inc_ids, dtype=object)
    unit_ids = np.asarray(inp.unit_ids, dtype=object)
    asg = pd.DataFrame({
        "incident": pd.Series(inc_ids[ri], dtype=object),
        "unit": pd.Series(unit_ids[uu], dtype=object),
        "type": pd.Series(inp.unit_type[uu], dtype=object),
        "minutes": mins.astype(float),
        "late": late,
    })
    short, sent, crew_miss = _shortfalls(inp, ri, uu, strict)
    w = inp.weight[ri]
    total = float(np.sum(w * mins))
    latest = float(mins.max()) if mins.size else float("nan")
    missing_units = int((inp.need - sent).sum())
    stages = {
        "missing": float(np.sum(inp.weight[:, None] * (inp.need - sent))),
        "late": float(np.sum(w * late)),
        "total": total,
    }
    if inp.crew_need is not None:
        stages["crew_missing"] = crew_miss
    if objective == "latest":
        stages["latest"] = latest
    inc_table = pd.DataFrame({"needed": inp.need.sum(axis=1)}, index=pd.Index(inp.inc_ids, name="incident"))
    return DispatchPlan(
        assignments=asg, shortfalls=short, objective=objective, total_weighted_minutes=total,
        latest_minutes=latest, missing_units=missing_units, late_units=int(late.sum()), status=status,
        optimal=bool(opt), method=method, seconds=float(seconds), stages=stages, incidents=inc_table,
    )


def dispatch_problems(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    assignments,
    *,
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
) -> list[str]:
    """Every reason why ``assignments`` is not a feasible dispatch (empty list when it is).

    Parameters
    ----------
    incidents, units, times, busy, types, strict_targets
        As in :func:`plan`.
    assignments : DispatchPlan or pandas.DataFrame
        A plan, or a table with ``incident`` and ``unit`` columns (``minutes`` is checked
        against ``times`` when present).

    Returns
    -------
    list of str
    """
    inp = _prepare(incidents, units, times, busy=busy, types=types, func="is_feasible_dispatch")
    a = assignments.assignments if isinstance(assignments, DispatchPlan) else assignments
    out: list[str] = []
    if not isinstance(a, pd.DataFrame) or not {"incident", "unit"} <= set(a.columns):
        return ["assignments must be a DispatchPlan or a DataFrame with 'incident' and 'unit' columns"]
    ipos = {v: k for k, v in enumerate(inp.inc_ids)}
    upos = {v: k for k, v in enumerate(inp.unit_ids)}
    tpos = {t: k for k, t in enumerate(inp.types)}
    count = np.zeros_like(inp.need)
    seen: dict = {}
    for r in a.itertuples(index=False):
        inc, u = getattr(r, "incident"), getattr(r, "unit")
        if inc not in ipos:
            out.append(f"unknown incident {inc!r}")
            continue
        if u not in upos:
            out.append(f"unknown unit {u!r}")
            continue
        i, q = ipos[inc], upos[u]
        if u in seen:
            out.append(f"unit {u!r} is sent twice ({seen[u]!r} and {inc!r})")
        seen[u] = inc
        if not inp.available[q]:
            out.append(f"unit {u!r} is busy")
        t = inp.unit_type[q]
        k = tpos.get(t)
        if k is None or inp.need[i, k] == 0:
            out.append(f"incident {inc!r} needs no unit of type {t!r} (unit {u!r})")
        else:
            count[i, k] += 1
        tm = inp.T[i, q]
        if not np.isfinite(tm):
            out.append(f"unit {u!r} cannot reach incident {inc!r}")
        elif strict_targets and tm > inp.target[i] + _TOL:
            out.append(f"unit {u!r} arrives at {inc!r} after its target ({tm:g} > {inp.target[i]:g} min)")
        if "minutes" in a.columns:
            mm = float(getattr(r, "minutes"))
            if np.isfinite(tm) and abs(mm - tm) > 1e-6 * max(1.0, abs(tm)):
                out.append(f"minutes of unit {u!r} to {inc!r} is {mm:g}, times says {tm:g}")
    for i, k in zip(*np.nonzero(count > inp.need)):
        out.append(f"incident {inp.inc_ids[i]!r} gets {count[i, k]} units of type {inp.types[k]!r}, needs {inp.need[i, k]}")
    return out


def is_feasible_dispatch(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    assignments,
    *,
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
) -> bool:
    """Whether ``assignments`` is a feasible dispatch of ``units`` to ``incidents``.

    Feasible means: every incident and unit exists, no unit is sent twice or while busy, each
    unit goes to an incident that needs its type, no incident gets more units of a type than
    it needs, every unit can reach its incident (and, with ``strict_targets``, within the target),
    and any ``minutes`` column agrees with ``times``. Shortfalls are allowed (see
    ``DispatchPlan.shortfalls``). :func:`dispatch_problems` lists the reasons.

    Parameters
    ----------
    incidents, units, times, busy, types, strict_targets
        As in :func:`plan`.
    assignments : DispatchPlan or pandas.DataFrame
        The plan to check.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> inc = pd.DataFrame({"engine": [1]}, index=["f"])
    >>> units = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
    >>> times = pd.DataFrame([[3.0, 1.0]], index=["f"], columns=["E1", "E2"])
    >>> is_feasible_dispatch(inc, units, times, plan(inc, units, times))
    True
    >>> is_feasible_dispatch(inc, units, times, pd.DataFrame({"incident": ["f", "f"], "unit": ["E1", "E2"]}))
    False
    """
    return not dispatch_problems(incidents, units, times, assignments, busy=busy, types=types,
                                 strict_targets=strict_targets)


def nearest_available(node, units: pd.DataFrame, times, *, busy: Iterable = (), unit_type=None,
                      k: int = 1) -> pd.DataFrame:
    """The ``k`` fastest available units for a call at ``node``.

    Parameters
    ----------
    node : label
        Where the call is: a row label of ``times`` (an incident id or node label), a network
        node when ``times`` is a ``Network``, or a row position for a 2-D array.
    units : pandas.DataFrame
        Indexed by unit id with ``type`` (and ``node`` for a Network).
    times : pandas.DataFrame, numpy.ndarray or Network
        Travel minutes to the call: a DataFrame with a row per call location and a column per
        unit, an array (1-D per unit, or 2-D locations × units) or a ``Network``.
    busy : iterable of unit ids
        Units that cannot be sent.
    unit_type : str or sequence of str, optional
        Only units of these types.
    k : int
        Number of units wanted.

    Returns
    -------
    pandas.DataFrame
        Up to ``k`` rows, fastest first (ties by unit order): ``unit``, ``type``, ``minutes``.
        Units that cannot reach the call (``inf``) are never returned.

    Raises
    ------
    ValidationError
        Unknown ``node``, busy ids or unit types; ``k`` not a positive int; bad ``times``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "ladder", "engine"]}, index=["E1", "L1", "E2"])
    >>> times = pd.DataFrame([[4.0, 2.0, 3.0]], index=["call"], columns=units.index)
    >>> nearest_available("call", units, times, unit_type="engine")["unit"].tolist()
    ['E2']
    """
    from yingji._kernels.dispatch import _nearest_available

    probs = Problems("nearest_available")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        probs.param("k", "a positive int", k)
    if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
        probs.param("units", "a DataFrame indexed by unit id with a 'type' column", type(units).__name__)
        probs.raise_if_any()
    unit_ids = units.index
    tcol = units["type"]
    avail = _busy_mask(busy, units.index, "nearest_available", probs)
    if unit_type is not None:
        wanted = [unit_type] if isinstance(unit_type, str) else list(unit_type)
        match = tcol.isin(wanted).to_numpy()
        if not match.any() or len(wanted) > 1:
            known = set(tcol.astype(str))
            unknown = [t for t in wanted if t not in known]
            if unknown:
                probs.add(f"The 'unit_type' parameter of nearest_available names unknown unit type(s) {unknown}; "
                          f"the units have types {sorted(known)}.")
        avail &= match
    row = None
    if times is not None and hasattr(times, "travel_times"):
        if "node" not in units.columns:
            probs.add("nearest_available was given a Network, so 'units' needs a 'node' column.")
        else:
            try:
                row = np.asarray(times.travel_times(units["node"].tolist(), [node]), dtype=float)[:, 0]
            except (KeyError, ValueError, IndexError) as e:
                probs.add(f"The 'node' parameter of nearest_available must be a node of the network. Got {node!r} instead ({e}).")
    elif isinstance(times, pd.DataFrame):
        try:
            pos = times.index.get_loc(node)
        except (KeyError, TypeError):
            pos = -1
        if not isinstance(pos, (int, np.integer)):
            pos = -2  # a slice or mask: the label is duplicated
        if pos == -2:
            probs.add(f"The 'times' parameter of nearest_available has several rows labelled {node!r}.")
        elif pos < 0:
            probs.add(f"The 'node' parameter of nearest_available must be a row label of 'times'. Got {node!r} instead.")
        else:
            if times.columns.equals(units.index):
                cols = None
            else:
                cols = times.columns.get_indexer(units.index)
                if (cols < 0).any():
                    miss = [unit_ids[q] for q in np.nonzero(cols < 0)[0]]
                    probs.add(f"The 'times' parameter of nearest_available lacks unit columns "
                              f"{describe_positions(range(len(miss)), miss)}.")
            if not probs.items:
                full = times.to_numpy()  # a view for a one-dtype frame: no copy per call
                row = np.asarray(full[pos] if cols is None else full[pos, cols], dtype=float)
    else:
        arr = np.asarray(times, dtype=float) if times is not None else None
        if arr is None:
            probs.param("times", "a DataFrame, an array or a Network", None)
        elif arr.ndim == 1 and arr.size == len(unit_ids):
            row = arr
        elif arr.ndim == 2 and arr.shape[1] == len(unit_ids):
            if isinstance(node, (int, np.integer)) and not isinstance(node, bool) and 0 <= node < arr.shape[0]:
                row = arr[int(node)]
            else:
                probs.param("node", f"a row position in [0, {arr.shape[0]})", node)
        else:
            probs.param("times", f"an array with one entry (column) per unit ({len(unit_ids)})", f"shape {arr.shape}")
    if row is not None:
        bad = np.nonzero(np.isnan(row) | (row < 0))[0]
        if bad.size:
            probs.add(f"The 'times' parameter of nearest_available must be non-negative minutes; "
                      f"bad values for units {describe_positions(bad, unit_ids)}.")
    probs.raise_if_any()
    idx = _nearest_available(np.ascontiguousarray(row, dtype=np.float64), np.ascontiguousarray(avail), int(k))
    return pd.DataFrame({
        "unit": pd.Series(np.asarray(unit_ids[idx], dtype=object), dtype=object),
        "type": pd.Series(np.asarray(tcol.to_numpy()[idx], dtype=object), dtype=object),
        "minutes": row[idx].astype(float),
    })


class NearestUnits:
    """Nearest available units for repeated calls, with the lookups prepared once.

    :func:`nearest_available` validates its tables on every call (about a millisecond with
    pandas); a dispatch desk answering call after call builds this once and queries it in
    microseconds.

    Parameters
    ----------
    units : pandas.DataFrame
        Indexed by unit id with a ``type`` column.
    times : pandas.DataFrame or numpy.ndarray
        Travel minutes, one row per call location (labels: node or incident ids) and a column
        per unit (a DataFrame with at least the units' columns, or an array locations × units
        addressed by row position).

    Raises
    ------
    ValidationError
        Bad tables, as in :func:`nearest_available`.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "ladder", "engine"]}, index=["E1", "L1", "E2"])
    >>> times = pd.DataFrame([[4.0, 2.0, 3.0]], index=["call"], columns=units.index)
    >>> near = NearestUnits(units, times)
    >>> near.ids("call", unit_type="engine", k=2)
    ['E2', 'E1']
    """

    def __init__(self, units: pd.DataFrame, times):
        probs = Problems("NearestUnits")
        if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
            probs.param("units", "a DataFrame indexed by unit id with a 'type' column", type(units).__name__)
            probs.raise_if_any()
        ids = list(units.index)
        if isinstance(times, pd.DataFrame):
            miss = [u for u in ids if u not in times.columns]
            if miss:
                probs.add(f"The 'times' parameter of NearestUnits lacks unit columns "
                          f"{describe_positions(range(len(miss)), miss)}.")
            if not times.index.is_unique:
                probs.add("The 'times' parameter of NearestUnits has duplicate row labels.")
            probs.raise_if_any()
            T = times.loc[:, ids].to_numpy(dtype=float, na_value=np.nan)
            self._rows = {lab: i for i, lab in enumerate(times.index)}
        else:
            T = np.asarray(times, dtype=float)
            if T.ndim != 2 or T.shape[1] != len(ids):
                probs.param("times", f"an array locations x units ({len(ids)} columns)", f"shape {T.shape}")
                probs.raise_if_any()
            self._rows = None
        bad = np.nonzero((np.isnan(T) | (T < 0)).any(axis=0))[0]
        if bad.size:
            probs.add(f"The 'times' parameter of NearestUnits must be non-negative minutes; "
                      f"bad values for units {describe_positions(bad, ids)}.")
        probs.raise_if_any()
        self._T = np.ascontiguousarray(T)
        self._ids = np.asarray(ids, dtype=object)
        self._upos = {u: i for i, u in enumerate(ids)}
        types = units["type"].astype(str).tolist()
        self._type_of = np.asarray(types, dtype=object)
        self._type_masks = {t: np.asarray([x == t for x in types]) for t in dict.fromkeys(types)}

    def __call__(self, node, *, busy: Iterable = (), unit_type=None, k: int = 1) -> pd.DataFrame:
        """The ``k`` fastest available units for a call at ``node``.

        Parameters
        ----------
        node : label or int
            Row label of ``times`` (row position for an array).
        busy, unit_type, k
            As in :func:`nearest_available`.

        Returns
        -------
        pandas.DataFrame
            ``unit``, ``type``, ``minutes``, fastest first (as :func:`nearest_available`).
        """
        r, idx = self._select(node, busy, unit_type, k)
        return pd.DataFrame({
            "unit": pd.Series(self._ids[idx], dtype=object),
            "type": pd.Series(self._type_of[idx], dtype=object),
            "minutes": self._T[r, idx],
        })

    def ids(self, node, *, busy: Iterable = (), unit_type=None, k: int = 1) -> list:
        """Only the unit ids of :meth:`__call__` (no DataFrame: the fastest form)."""
        _, idx = self._select(node, busy, unit_type, k)
        return self._ids[idx].tolist()

    def _select(self, node, busy, unit_type, k):
        from yingji._kernels.dispatch import _nearest_available

        probs = Problems("NearestUnits")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            probs.param("k", "a positive int", k)
        r = self._rows.get(node, -1) if self._rows is not None else (
            int(node) if isinstance(node, (int, np.integer)) and 0 <= node < self._T.shape[0] else -1)
        if r < 0:
            probs.param("node", "a row label (position) of 'times'", node)
        if unit_type is None:
            avail = np.ones(self._ids.size, dtype=bool)
        else:
            wanted = [unit_type] if isinstance(unit_type, str) else list(unit_type)
            unknown = [t for t in wanted if t not in self._type_masks]
            if unknown:
                probs.add(f"The 'unit_type' parameter of NearestUnits names unknown unit type(s) {unknown}; "
                          f"the units have types {sorted(self._type_masks)}.")
                avail = np.zeros(self._ids.size, dtype=bool)
            else:
                avail = self._type_masks[wanted[0]].copy()
                for t in wanted[1:]:
                    avail |= self._type_masks[t]
        if isinstance(busy, (str, int, np.integer)):
            busy = [busy]
        unknown_busy = []
        for b in busy:
            q = self._upos.get(b)
            if q is None:
                unknown_busy.append(b)
            else:
                avail[q] = False
        if unknown_busy:
            probs.add(f"The 'busy' parameter of NearestUnits names units that are not in 'units': "
                      f"{describe_positions(range(len(unknown_busy)), unknown_busy)}.")
        probs.raise_if_any()
        return r, _nearest_available(self._T[r], avail, int(k))


__all__ += ["NearestUnits"]
