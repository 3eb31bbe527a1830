"""Inputs of the fire functions: county tables, their columns, and the travel times.

Resolves the tables a call gets (its arguments, else the county's), checks their columns and
ids, and builds the demand × sites matrix of driving minutes from a labelled DataFrame, an
array or a road network; every problem is collected and raised together (``Problems``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji._odtimes import od_minutes
from yingji._validation import Problems, describe_positions, describe_values
from yingji._validation import to_bool as _to_bool
from yingji.fire.standard import FireStandard, _resolve_standard

_EDGE_COLUMNS = ("urban_edge", "new_district", "edge")


def _ids(index) -> pd.Index:
    return pd.Index([str(i) for i in index], name=index.name or "id", dtype=object)


def _table(county, given, attr: str, probs: Problems, *, required: bool) -> pd.DataFrame:
    df = given if given is not None else (getattr(county, attr, None) if county is not None else None)
    if df is None:
        if required:
            probs.param(attr, f"a DataFrame of {attr} (or a county that has one)", None)
        return pd.DataFrame(index=pd.Index([], name="id", dtype=object))
    if not isinstance(df, pd.DataFrame):
        probs.param(attr, "a pandas DataFrame indexed by id", type(df).__name__)
        return pd.DataFrame(index=pd.Index([], name="id", dtype=object))
    df = df.copy()
    df.index = _ids(df.index)
    dup = df.index[df.index.duplicated()].unique().tolist()
    if dup:
        probs.add(f"The {attr!r} parameter of {probs.func} must have unique ids. Got duplicated ids "
                  f"{describe_positions(range(len(dup)), dup)}.")
    return df


def _numeric(df: pd.DataFrame, col: str, attr: str, probs: Problems, *, required: bool, what: str,
             default: float = float("nan")) -> np.ndarray:
    if col not in df.columns:
        if required:
            probs.add(f"The {attr!r} parameter of {probs.func} must have a column {col!r} ({what}). "
                      f"Got columns {list(df.columns)} instead.")
        return np.full(len(df), default, dtype=np.float64)
    vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ids = list(df.index)
    if required:
        nan = np.nonzero(np.isnan(vals))[0]
        if nan.size:
            probs.add(f"The {attr!r} parameter of {probs.func} must have a number in {col!r} ({what}) for every "
                      f"row. Missing or not a number for ids {describe_positions(nan, ids)}.")
    with np.errstate(invalid="ignore"):
        neg = np.nonzero((vals < 0) | np.isinf(vals))[0]
    if neg.size:
        probs.add(f"The {attr!r} parameter of {probs.func} must have finite non-negative {col!r} ({what}). "
                  f"Got {describe_values(vals, neg)} for ids {describe_positions(neg, ids)} instead.")
    return np.ascontiguousarray(vals)


@dataclass(frozen=True)
class _Demand:
    ids: list
    population: np.ndarray
    area_m2: np.ndarray
    urban: np.ndarray
    high_risk: np.ndarray
    incidents: np.ndarray
    xy: np.ndarray | None
    frame: pd.DataFrame


def _check_demand(df: pd.DataFrame, probs: Problems) -> _Demand:
    pop = _numeric(df, "population", "demand", probs, required=True, what="persons")
    area = _numeric(df, "area_m2", "demand", probs, required=True, what="area of the point's zone, m²")
    if "urban" in df.columns:
        urban, bad = _to_bool(df["urban"])
        if bad:
            probs.add(f"The 'demand' parameter of {probs.func} must have a boolean 'urban' column "
                      f"(urban built-up land). Got values that are not booleans for ids "
                      f"{describe_positions(bad, list(df.index))}.")
    else:
        probs.add(f"The 'demand' parameter of {probs.func} must have a column 'urban' (bool: urban built-up "
                  f"land, the scope of the standard). Got columns {list(df.columns)} instead.")
        urban = np.zeros(len(df), dtype=bool)
    risk = df["risk"].astype(str).str.lower().to_numpy() if "risk" in df.columns else np.full(len(df), "normal")
    inc = _numeric(df, "incidents_per_year", "demand", probs, required=False, what="incidents per year")
    xy = None
    if {"x", "y"} <= set(df.columns):
        xy = np.column_stack([pd.to_numeric(df["x"], errors="coerce").to_numpy(float, na_value=np.nan),
                              pd.to_numeric(df["y"], errors="coerce").to_numpy(float, na_value=np.nan)])
    high = risk == "high"
    for col in ("highrise", "high_rise"):
        if col in df.columns:
            hr, bad = _to_bool(df[col].astype(object).where(df[col].notna(), False))
            if bad:
                probs.add(f"The 'demand' parameter of {probs.func} must have a boolean {col!r} column. Got values "
                          f"that are not booleans for ids {describe_positions(bad, list(df.index))}.")
            high = high | hr
    return _Demand(list(df.index), pop, area, urban, high, inc, xy, df)


def _edge_flags(df: pd.DataFrame, attr: str, probs: Problems) -> np.ndarray:
    flags = np.zeros(len(df), dtype=bool)
    for col in _EDGE_COLUMNS:
        if col in df.columns:
            vals, bad = _to_bool(df[col].fillna(False) if df[col].dtype == object else df[col])
            if bad:
                probs.add(f"The {attr!r} parameter of {probs.func} must have a boolean {col!r} column "
                          f"(station on the urban edge / in a new district). Got values that are not booleans "
                          f"for ids {describe_positions(bad, list(df.index))}.")
            flags |= vals
    return flags


def _check_stations(df: pd.DataFrame, std: FireStandard, probs: Problems, attr: str = "stations",
                    default_class: str | None = None) -> pd.DataFrame:
    """Normalised station table: station_class, urban_edge, engines, ladders, staff, x, y, node."""
    ids = list(df.index)
    if "station_class" in df.columns:
        cls = df["station_class"].astype(object).where(df["station_class"].notna(), None).tolist()
        if default_class is not None:
            cls = [default_class if (c is None or str(c).strip() == "") else c for c in cls]
    elif default_class is not None:
        cls = [default_class] * len(df)
    else:
        probs.add(f"The {attr!r} parameter of {probs.func} must have a column 'station_class' "
                  f"(one of {list(std.classes)}). Got columns {list(df.columns)} instead.")
        cls = ["class1"] * len(df)
    cls = [str(c).strip().lower() if c is not None else "None" for c in cls]
    bad = [k for k, c in enumerate(cls) if c not in std.classes]
    if bad:
        got = sorted({cls[k] for k in bad})
        probs.add(f"The {attr!r} parameter of {probs.func} has an unknown station_class {got} for ids "
                  f"{describe_positions(bad, ids)}; expected one of {list(std.classes)}.")
    out = pd.DataFrame(index=df.index.copy())
    out["station_class"] = cls
    out["urban_edge"] = _edge_flags(df, attr, probs)
    for col in ("engines", "ladders", "staff", "x", "y"):
        out[col] = _numeric(df, col, attr, probs, required=False, what=col) if col in df.columns else np.nan
    out["node"] = df["node"].astype(object) if "node" in df.columns else None
    return out


def _times(times, county, dm: _Demand, sites: pd.DataFrame, demand_df: pd.DataFrame, probs: Problems,
           attr: str = "stations", hour=None) -> np.ndarray | None:
    """Demand × sites driving minutes (station → demand), C-contiguous float64 (see
    :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, sites, demand_df, county, "times", probs, (attr, "demand"), dest_major=True,
                      hour=hour)


def _prepare(func, county, standard, stations, demand, times, venues, units, overrides):
    """Resolve and validate the inputs shared by :func:`assess` and :func:`plan`."""
    probs = Problems(func)
    if standard is None:
        standard = (getattr(county, "meta", None) or {}).get("standard", "GB51080") if county is not None else "GB51080"
    std = _resolve_standard(standard, func, **overrides)
    st_raw = _table(county, stations, "stations", probs, required=True)
    dm_raw = _table(county, demand, "demand", probs, required=True)
    ven = _table(county, venues, "venues", probs, required=False)
    un = units if units is not None else (getattr(county, "units", None) if county is not None else None)
    probs.raise_if_any()
    dm = _check_demand(dm_raw, probs)
    st = _check_stations(st_raw, std, probs)
    if len(st) == 0:
        probs.param("stations", "a table with at least one station (logistics stations hold no district)", "0 rows")
    if len(dm.ids) == 0:
        probs.param("demand", "a table with at least one demand point", "0 rows")
    _check_units(un, st_raw, probs)
    return probs, std, st, st_raw, dm, dm_raw, ven, un


def _check_units(un, st_raw, probs: Problems) -> None:
    """A ``units`` table given with the call: a DataFrame whose ``station`` ids are stations."""
    if un is None:
        return
    if not isinstance(un, pd.DataFrame):
        probs.param("units", "a DataFrame with columns 'station' and 'type'", type(un).__name__)
        return
    if "station" not in un.columns or not isinstance(st_raw, pd.DataFrame):
        return
    known = {str(i) for i in st_raw.index}
    sid = un["station"].astype(object).where(un["station"].notna(), "").map(str)
    bad = sid[~sid.isin(known)]
    if len(bad):
        probs.add(f"The 'units' table of {probs.func} names station(s) {sorted(set(bad))[:8]} that are not in "
                  f"'stations' (unit rows {describe_positions(list(bad.index))}).")


def _fire_candidates(county, candidates, probs: Problems) -> pd.DataFrame:
    df = _table(county, candidates, "candidates", probs, required=False)
    if len(df) and "uses" in df.columns:
        uses = df["uses"].astype(object).where(df["uses"].notna(), "").astype(str)
        keep = uses.map(lambda s: "fire" in {u.strip().lower() for u in s.split(";")}).to_numpy(bool)
        df = df.loc[keep]
    return df
