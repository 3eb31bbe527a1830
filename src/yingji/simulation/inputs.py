"""Inputs of a simulation: the county (or tables) turned into units, a demand × units travel
matrix and call rates; the hourly profile; multi-type requirements and each type's pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from yingji._odtimes import od_minutes
from yingji._validation import Problems, describe_positions, describe_values


@dataclass
class _System:
    unit_ids: list
    unit_types: list
    point_ids: list
    travel: np.ndarray  # n_points x n_units, minutes
    rate_per_year: np.ndarray  # n_points


def _units_from_stations(stations: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for sid, r in stations.iterrows():
        for col, typ in (("engines", "engine"), ("ladders", "ladder")):
            if col in stations.columns and pd.notna(r[col]):
                for k in range(int(r[col])):
                    rows.append((f"{sid}-{typ}{k + 1}", str(sid), typ))
    return pd.DataFrame(rows, columns=["id", "station", "type"]).set_index("id")


def _travel_matrix(times, units, stations, demand, func, probs, row_mask=None):
    """Minutes from each unit's station to each demand point, shape (n_points, n_units) (see
    :func:`yingji._odtimes.od_minutes`): units route from their own ``node`` or their station's, and
    a DataFrame's rows may be labelled by unit or by station ids."""
    via = (units["station"].astype(object).tolist(), stations, "stations") if "station" in units.columns else None
    T = od_minutes(times, units, demand, None, "times", probs, ("units", "demand points"), row_mask=row_mask,
                   via=via)
    return None if T is None else np.ascontiguousarray(T.T)


def _resolve_system(county, *, func, stations, units, demand, times, unit_types, incidents_per_year,
                    probs: Problems) -> _System | None:
    if county is not None:
        stations = county.stations if stations is None else stations
        units = getattr(county, "units", None) if units is None else units
        demand = county.demand if demand is None else demand
        if times is None:
            times = getattr(county, "network", None)
    if demand is None or not isinstance(demand, pd.DataFrame):
        probs.param("demand", "a DataFrame of demand points (or a county)", type(demand).__name__)
        return None
    if units is None or (isinstance(units, pd.DataFrame) and len(units) == 0):
        if isinstance(stations, pd.DataFrame) and ("engines" in stations.columns or "ladders" in stations.columns):
            units = _units_from_stations(stations)
    if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
        probs.param("units", "a DataFrame indexed by unit id with a 'type' column (or a county)",
                    type(units).__name__ if not isinstance(units, pd.DataFrame) else f"columns {list(units.columns)}")
        return None
    types_present = set(units["type"].astype(str))
    if unit_types is not None:
        wanted = [unit_types] if isinstance(unit_types, str) else list(unit_types)
        unknown = [t for t in wanted if t not in types_present]
        if unknown:
            probs.add(
                f"The 'unit_types' parameter of {func} names unknown unit type(s) {unknown}; "
                f"the units have types {sorted(types_present)}."
            )
            return None
        row_mask = units["type"].astype(str).isin(wanted).to_numpy()
        units = units[row_mask]
    else:
        row_mask = None
    if len(units) == 0:
        probs.add(f"{func} needs at least one unit.")
        return None
    # rates
    if incidents_per_year is None:
        if "incidents_per_year" not in demand.columns:
            probs.add(f"The 'demand' parameter of {func} needs an 'incidents_per_year' column "
                      f"(or pass incidents_per_year=).")
            return None
        rate = demand["incidents_per_year"]
    else:
        rate = incidents_per_year
    if isinstance(rate, pd.Series):
        rate = rate.reindex(demand.index)
    rate = np.asarray(rate, dtype=float).ravel()
    if rate.size == 1 and len(demand) != 1:
        rate = np.full(len(demand), float(rate[0]))
    if rate.size != len(demand):
        probs.param("incidents_per_year", f"one rate per demand point ({len(demand)})", f"{rate.size} values")
        return None
    bad = np.nonzero(~np.isfinite(rate) | (rate < 0))[0]
    if bad.size:
        probs.add(
            f"The 'incidents_per_year' parameter of {func} must be finite and non-negative. "
            f"Got {describe_values(rate, bad)} at demand points {describe_positions(bad, list(demand.index))} "
            f"instead."
        )
    if rate.sum() <= 0 and not bad.size:
        probs.add(f"The 'incidents_per_year' parameter of {func} must have a positive total. Got 0 instead.")
    T = _travel_matrix(times, units, stations, demand, func, probs, row_mask=row_mask)
    if T is None:
        return None
    unreachable = np.nonzero(np.isinf(T).all(axis=1) & (rate > 0))[0]
    if unreachable.size:
        probs.add(
            f"{func}: no unit can reach demand points {describe_positions(unreachable, list(demand.index))} "
            f"(all travel times are inf) although they have incidents."
        )
    probs.raise_if_any()
    return _System(list(units.index), units["type"].astype(str).tolist(), list(demand.index),
                   np.ascontiguousarray(T, dtype=np.float64), rate)


def _hourly(profile, probs: Problems) -> np.ndarray:
    if profile is None:
        return np.ones(24)
    p = np.asarray(profile, dtype=float).ravel()
    if p.size != 24 or not np.all(np.isfinite(p)) or (p < 0).any() or p.sum() <= 0:
        probs.param("hourly_profile", "24 non-negative weights (one per hour of day) with a positive sum",
                    p.tolist() if p.size <= 30 else f"{p.size} values")
        return np.ones(24)
    return p * (24.0 / p.sum())


# ------------------------------------------------------------------------------------------
# multi-type requirements
# ------------------------------------------------------------------------------------------
@dataclass
class _Requirements:
    types: list  # unit types with a positive count somewhere, in order
    mode: str  # "const", "point" or "mix"
    table: np.ndarray  # rows (1, n_points or n_call_types) x n_types, int64
    share: np.ndarray | None  # call-type probabilities ("mix")
    labels: list  # row labels


def _parse_requirements(req, system: _System, probs: Problems) -> _Requirements | None:
    """Read ``requirements=``: a mapping, a per-demand-point table or a call-type mix."""
    func = probs.func
    present = list(dict.fromkeys(system.unit_types))
    if isinstance(req, pd.DataFrame):
        df = req.copy()
        if "share" in df.columns:
            mode = "mix"
            share = pd.to_numeric(df.pop("share"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            badsh = np.nonzero(~np.isfinite(share) | (share < 0))[0]
            if badsh.size:
                probs.add(f"The 'requirements' parameter of {func} must have finite non-negative shares. "
                          f"Got {describe_values(share, badsh)} for call types "
                          f"{describe_positions(badsh, list(df.index))} instead.")
                return None
            if share.sum() <= 0:
                probs.add(f"The 'requirements' parameter of {func} must have shares with a positive total. "
                          f"Got 0 instead.")
                return None
            share = share / share.sum()
        else:
            mode = "point"
            share = None
            miss = [p for p in system.point_ids if p not in df.index]
            if miss:
                probs.add(f"The 'requirements' parameter of {func} needs a row per demand point. "
                          f"Missing: {describe_positions(range(len(miss)), miss)}.")
                return None
            df = df.loc[system.point_ids]
    elif isinstance(req, (Mapping, pd.Series)):
        mode = "const"
        share = None
        df = pd.DataFrame([dict(req)], index=["all calls"])
    else:
        probs.param("requirements", "a mapping {unit type: count}, a DataFrame per demand point, or a "
                                    "DataFrame of call types with a 'share' column", type(req).__name__)
        return None
    cols = [str(c) for c in df.columns]
    df.columns = cols
    unknown = [c for c in cols if c not in present]
    if unknown:
        probs.add(f"The 'requirements' parameter of {func} names unknown unit type(s) {unknown}; "
                  f"the units have types {sorted(present)}.")
        return None
    vals = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan) if cols else \
        np.zeros((len(df), 0))
    bad = np.nonzero((~np.isfinite(vals) | (vals < 0) | (vals != np.round(vals))).any(axis=1))[0]
    if bad.size:
        probs.add(f"The 'requirements' parameter of {func} must hold non-negative whole numbers of units. "
                  f"Got {describe_values(vals[bad][~np.isfinite(vals[bad]) | (vals[bad] < 0) | (vals[bad] != np.round(vals[bad]))])} "
                  f"in rows {describe_positions(bad, list(df.index))} instead.")
        return None
    table = vals.astype(np.int64)
    total = table.sum(axis=1)
    if mode == "point":
        empty = np.nonzero((total < 1) & (system.rate_per_year > 0))[0]
    elif mode == "mix":
        empty = np.nonzero((total < 1) & (share > 0))[0]
    else:
        empty = np.nonzero(total < 1)[0]
    if empty.size:
        probs.add(f"The 'requirements' parameter of {func} must ask for at least one unit per call. "
                  f"No unit asked for rows {describe_positions(empty, list(df.index))}.")
        return None
    keep = table.sum(axis=0) > 0
    types = [c for c, k in zip(cols, keep) if k]
    return _Requirements(types, mode, np.ascontiguousarray(table[:, keep]), share, list(df.index))


def _pools(system: _System, reqs: _Requirements, turnout: float, probs: Problems) -> list | None:
    """Per required type: the pool's units, travel sub-matrix and preference lists."""
    from yingji._kernels.simulation import _preference_order

    utypes = np.asarray(system.unit_types, dtype=object)
    pools = []
    for k, t in enumerate(reqs.types):
        glob = np.nonzero(utypes == t)[0].astype(np.int64)
        T = np.ascontiguousarray(system.travel[:, glob])
        if reqs.mode == "point":
            used = (reqs.table[:, k] > 0) & (system.rate_per_year > 0)
        else:
            used = system.rate_per_year > 0
        reps = T.shape[0] // max(used.size, 1)   # several hourly blocks of rows (simulate(by_hour=True))
        bad = np.unique(np.nonzero(np.tile(used, reps) & np.isinf(T).all(axis=1))[0] % max(used.size, 1))
        if bad.size:
            probs.add(f"{probs.func}: no unit of type {t!r} can reach demand points "
                      f"{describe_positions(bad, system.point_ids)}, which need it (see 'requirements').")
            continue
        pref, npref = _preference_order(T)
        pools.append({"type": t, "glob": glob, "travel": T, "pref": pref, "npref": npref,
                      "best": turnout + T.min(axis=1)})
    return None if len(pools) < len(reqs.types) else pools
