"""Dispatch inputs: the requirement table, the unit pools and the travel minutes.

:func:`_prepare` checks the tables of :func:`yingji.dispatch.plan` (and of the checker) and
returns :class:`_Inputs`: which unit types each incident requires (every required type, the
fleet's or not), weights, targets, crew, which units are free and the incidents × units minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji._odtimes import od_minutes
from yingji._validation import Problems, describe_positions, describe_values

_RESERVED = ("node", "weight", "target_minutes", "crew", "x", "y")
# numeric columns of the county's located tables (DESIGN.md) that describe a place, not units: an
# incident table built from demand rows keeps them, and they are never read as requirements
_DESCRIPTIVE = ("population", "area_m2", "incidents_per_year")
_TOL = 1e-9


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


def _times_matrix(times, inc: pd.DataFrame, units: pd.DataFrame, func: str, probs: Problems, hour=None):
    """Incidents × units minutes (unit → scene), C-contiguous float64 (see
    :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, units, inc, None, "times", probs, ("units", "incidents"), dest_major=True,
                      hour=hour)


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


def _prepare(incidents, units, times, *, busy, types, func: str, hour=None) -> _Inputs:
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
                f"Got {describe_values(incidents[t].to_numpy(), bad)} at incidents "
                f"{describe_positions(bad, list(incidents.index))} instead."
            )
        need[:, k] = np.where(np.isfinite(col), np.round(np.maximum(col, 0)), 0).astype(np.int64)
    if "weight" in incidents.columns:
        w = pd.to_numeric(incidents["weight"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.nonzero(~np.isfinite(w) | (w <= 0))[0]
        if bad.size:
            probs.add(
                f"The 'weight' column of 'incidents' in {func} must be positive and finite. "
                f"Got {describe_values(incidents['weight'].to_numpy(), bad)} at incidents "
                f"{describe_positions(bad, list(incidents.index))} instead."
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
                f"Got {describe_values(tg, bad)} at incidents {describe_positions(bad, list(incidents.index))} "
                f"instead."
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
                f"Got {describe_values(cn, bad)} at incidents {describe_positions(bad, list(incidents.index))} "
                f"instead."
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
                        f"Got {describe_values(units['crew'].to_numpy(), badu)} at units "
                        f"{describe_positions(badu, list(units.index))} instead."
                    )
                unit_crew = np.where(np.isfinite(uc) & (uc >= 0), uc, 0.0)
            crew_need = np.maximum(cn, 0.0)
    avail = _busy_mask(busy, list(units.index), func, probs)
    T = _times_matrix(times, incidents, units, func, probs, hour)
    probs.raise_if_any()
    return _Inputs(list(incidents.index), list(units.index), req, need, w, tg, crew_need, unit_type,
                   unit_crew, avail, T)
