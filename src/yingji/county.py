"""The county: a road network plus the tables emergency planning works on.

A county is one folder (CSV tables, ``roads.csv`` + ``nodes.csv`` or
``roads.graphml``, and ``county.toml``), the same tables as DataFrames, or one
JSON document. :class:`County` reads, validates, snaps and writes all three
forms; every domain function (``yj.fire``, ``yj.teams``, ``yj.supplies`` ...)
takes a county first.

Tables and columns follow DESIGN.md ("The county"); see ``docs/data-formats.md``
for the file formats and ``docs/concepts.md`` for units (minutes, metres, m²).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from yingji.exceptions import ValidationError

__all__ = ["County", "TABLES", "TableSpec", "COUNTY_JSON_VERSION"]

#: Version of the JSON document written by :meth:`County.to_json`.
COUNTY_JSON_VERSION = 1

_FORMAT = "yingji.county"

# ----------------------------------------------------------------------------------------
# table specifications
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """How one county table looks.

    Attributes
    ----------
    name : str
        Attribute name on :class:`County` and file stem (``demand`` -> ``demand.csv``).
    columns : dict
        Column -> kind, one of ``"float"``, ``"int"``, ``"str"``, ``"bool"``, ``"date"``,
        ``"node"`` (a network node label).
    index : str or None
        Name of the id column that becomes the (string) index; ``None`` keeps a
        default ``RangeIndex`` (tables keyed by their columns, e.g. ``stock``).
    located : bool
        Whether rows carry ``x``/``y`` (metres, county CRS) and a snapped ``node``.
    defaults : dict
        Columns that may be absent from the input, with the value they take.
    choices : dict
        Column -> allowed values (for ``";"``-separated columns, allowed tokens).
    lists : tuple
        Columns holding ``";"``-separated lists.
    nonneg : tuple
        Numeric columns that must be non-negative.
    alternatives : dict
        Required column -> an optional extra column that may stand in for it row by row (a
        missing value is accepted where the alternative has one; e.g. an item's norm per
        person or per household).
    """

    name: str
    columns: dict
    index: str | None = "id"
    located: bool = True
    defaults: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    lists: tuple = ()
    nonneg: tuple = ()
    alternatives: dict = field(default_factory=dict)

    @property
    def required(self) -> list[str]:
        """Columns the input must have (the others have defaults, or are snapped)."""
        return [c for c in self.columns if c not in self.defaults and c != "node"]


_XY = {"x": "float", "y": "float", "node": "node"}

#: Station classes of GB 51080-2015 (一级 / 二级 / 小型 / 特勤 / 战勤保障).
STATION_CLASSES = ("class1", "class2", "small", "special", "logistics")
SHELTER_CLASSES = ("emergency", "fixed", "central")
VENUE_KINDS = ("crowded venue", "hazardous goods", "school", "hospital")
CANDIDATE_USES = ("fire", "shelter", "team_base", "depot")
RISK_LEVELS = ("normal", "high")

#: Every county table, in file order.
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "demand",
            {**_XY, "population": "float", "area_m2": "float", "township": "str",
             "urban": "bool", "risk": "str", "incidents_per_year": "float"},
            defaults={"area_m2": np.nan, "township": "", "urban": True, "risk": "normal",
                      "incidents_per_year": 0.0},
            choices={"risk": RISK_LEVELS},
            nonneg=("population", "area_m2", "incidents_per_year"),
        ),
        TableSpec(
            "stations",
            {**_XY, "station_class": "str", "engines": "int", "ladders": "int", "staff": "int"},
            defaults={"engines": 0, "ladders": 0, "staff": 0},
            choices={"station_class": STATION_CLASSES},
            nonneg=("engines", "ladders", "staff"),
        ),
        TableSpec("units", {"station": "str", "type": "str"}, located=False),
        TableSpec(
            "candidates",
            {**_XY, "cost": "float", "uses": "str", "area_m2": "float"},
            defaults={"cost": 0.0, "uses": "fire", "area_m2": np.nan},
            choices={"uses": CANDIDATE_USES},
            lists=("uses",),
            nonneg=("cost", "area_m2"),
        ),
        TableSpec(
            "teams",
            {**_XY, "skills": "str", "crew": "int", "vehicles": "int"},
            defaults={"vehicles": 0},
            lists=("skills",),
            nonneg=("crew", "vehicles"),
        ),
        TableSpec(
            "hazards",
            {**_XY, "hazard_type": "str", "skill": "str", "crew_needed": "int",
             "max_minutes": "float", "weight": "float"},
            defaults={"hazard_type": "", "crew_needed": 0, "weight": 1.0},
            nonneg=("crew_needed", "max_minutes", "weight"),
        ),
        TableSpec("enterprises", {**_XY, "skill": "str"}),
        TableSpec("venues", {**_XY, "kind": "str"}, choices={"kind": VENUE_KINDS}),
        TableSpec(
            "depots",
            {**_XY, "capacity": "float", "open_cost": "float"},
            defaults={"open_cost": 0.0},
            nonneg=("capacity", "open_cost"),
        ),
        TableSpec(
            "stock",
            {"depot": "str", "item": "str", "quantity": "float", "expires": "date"},
            index=None,
            located=False,
            defaults={"expires": pd.NaT},
            nonneg=("quantity",),
        ),
        TableSpec(
            "items",
            {"item": "str", "unit": "str", "per_person_per_day": "float", "days": "float",
             "unit_volume": "float", "unit_cost": "float", "source": "str"},
            index=None,
            located=False,
            defaults={"unit": "", "days": 1.0, "unit_volume": np.nan, "unit_cost": np.nan,
                      "source": ""},
            nonneg=("per_person_per_day", "days", "unit_volume", "unit_cost"),
            alternatives={"per_person_per_day": "per_household_per_day"},
        ),
        TableSpec(
            "shelters",
            {**_XY, "shelter_class": "str", "area_m2": "float"},
            choices={"shelter_class": SHELTER_CLASSES},
            nonneg=("area_m2",),
        ),
        TableSpec("indicators", {"metric": "str", "value": "float"}, index=None, located=False),
    ]
}

#: Keys of ``county.toml`` with their defaults (other keys are kept as they are).
META_DEFAULTS: dict[str, Any] = {
    "name": "",
    "crs": "",
    "area_km2": float("nan"),
    "standard": "GB51080",
    "time_limits": {"solve": 60.0, "demo_section": 20.0},
}

_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否", ""}


# ----------------------------------------------------------------------------------------
# problem collection naming file, row and column
# ----------------------------------------------------------------------------------------


class _Report:
    """Collects problems as 'where, row ..., column ...: what'; raises once."""

    def __init__(self, func: str):
        self.func = func
        self.items: list[str] = []

    def add(self, where: str, msg: str, *, rows: Iterable = (), column: str | None = None,
            limit: int = 8) -> None:
        rows = list(rows)
        parts = [where]
        if rows:
            shown = ", ".join(repr(r) for r in rows[:limit])
            more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
            parts.append(f"row{'s' if len(rows) > 1 else ''} {shown}{more}")
        if column is not None:
            parts.append(f"column {column!r}")
        self.items.append(", ".join(parts) + ": " + msg)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            msg = f"Invalid county data ({self.func}): {self.items[0]}"
        else:
            msg = f"{len(self.items)} problems with the county data ({self.func}):\n" + "\n".join(
                f"  - {m}" for m in self.items
            )
        raise ValidationError(msg, self.items)


def _row_ids(df: pd.DataFrame, mask) -> list:
    """Labels of rows where ``mask`` is True (ids, or 0-based row numbers)."""
    mask = np.asarray(mask, dtype=bool)
    return [str(v) if isinstance(v, str) else int(v) if isinstance(v, (int, np.integer)) else v
            for v in df.index[mask]]


# ----------------------------------------------------------------------------------------
# coercion of one table
# ----------------------------------------------------------------------------------------


def _is_missing(v) -> bool:
    if v is None or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _missing_mask(s: pd.Series) -> np.ndarray:
    return np.array([_is_missing(v) for v in s], dtype=bool)


def _to_str(s: pd.Series) -> pd.Series:
    vals = ["" if _is_missing(v) else (str(v) if not isinstance(v, str) else v) for v in s]
    return pd.Series(vals, index=s.index, dtype="str")


def _coerce_table(spec: TableSpec, df: pd.DataFrame | None, where: str, rep: _Report,
                  node_kind: str) -> pd.DataFrame:
    """Validate and coerce one table; record every problem in ``rep``."""
    if df is None:
        return _empty_table(spec, node_kind)
    if not isinstance(df, pd.DataFrame):
        rep.add(where, f"expected a pandas DataFrame, got {type(df).__name__}")
        return _empty_table(spec, node_kind)
    df = df.copy()
    # --- id index -------------------------------------------------------------------
    if spec.index is not None:
        if spec.index in df.columns:
            df = df.set_index(spec.index)
        elif not isinstance(df.index, pd.RangeIndex) or df.index.name == spec.index:
            pass  # index already holds ids
        else:
            rep.add(where, f"missing id column {spec.index!r} (or an index of ids)")
            df.index = pd.Index([str(i) for i in range(len(df))])
        ids = ["" if _is_missing(v) else str(v) for v in df.index]
        empty = [i for i, v in enumerate(ids) if v.strip() == ""]
        if empty:
            rep.add(where, "empty id", rows=[f"#{i}" for i in empty], column=spec.index)
        df.index = pd.Index(ids, dtype="str", name=spec.index)
        dup = df.index[df.index.duplicated()].unique()
        if len(dup):
            rep.add(where, "duplicate ids", rows=list(dup), column=spec.index)
    else:
        df = df.reset_index(drop=True)
    # --- columns --------------------------------------------------------------------
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        rep.add(where, "missing column(s) " + ", ".join(repr(c) for c in missing)
                + f"; expected at least {spec.required}")
    for col, kind in spec.columns.items():
        if col not in df.columns:
            if col in spec.defaults:
                df[col] = spec.defaults[col]
            elif col == "node":
                continue  # snapped later
            else:
                df[col] = np.nan  # reported as missing above
                continue
        df[col] = _coerce_column(df, col, kind, spec, where, rep, node_kind)
    # known columns first, in spec order, then the caller's extras
    known = [c for c in spec.columns if c in df.columns]
    df = df[known + [c for c in df.columns if c not in spec.columns]]
    # --- values ---------------------------------------------------------------------
    for col in spec.nonneg:
        if col in df.columns and col not in missing:
            with np.errstate(invalid="ignore"):
                bad = np.asarray(df[col].astype(float) < 0)
            if bad.any():
                rep.add(where, "must be non-negative", rows=_row_ids(df, bad), column=col)
    for col, allowed in spec.choices.items():
        if col not in df.columns or col in missing:
            continue
        if col in spec.lists:
            bad = [not set(_split(v)) <= set(allowed) for v in df[col]]
        else:  # an empty value of a required column was reported as missing already
            bad = [v not in allowed and not (v == "" and col not in spec.defaults)
                   for v in df[col]]
        if any(bad):
            got = sorted({t for v, b in zip(df[col], bad) if b for t in
                          (_split(v) if col in spec.lists else [v]) if t not in allowed})
            rep.add(where, f"unknown value(s) {got}; expected one of {list(allowed)}",
                    rows=_row_ids(df, bad), column=col)
    return df


def _split(v) -> list[str]:
    return [t.strip() for t in str(v).split(";") if t.strip()]


def _coerce_column(df, col, kind, spec, where, rep, node_kind) -> pd.Series:
    s = df[col]
    required = col not in spec.defaults
    if kind == "node":
        kind = node_kind
    if kind in ("float", "int"):
        num = pd.to_numeric(s, errors="coerce")
        bad = np.asarray(num.isna(), dtype=bool) & ~_missing_mask(s)
        if bad.any():
            got = list(s[bad].astype(str).iloc[:3])
            rep.add(where, f"expected a number, got {got}", rows=_row_ids(df, bad), column=col)
        miss = _missing_mask(s)
        if kind == "int":
            if miss.any():
                if required:
                    rep.add(where, "missing value", rows=_row_ids(df, miss), column=col)
                num = num.fillna(spec.defaults.get(col, 0))
            num = num.fillna(0)
            frac = np.asarray(num.astype(float) % 1 != 0)
            if frac.any():
                rep.add(where, "expected a whole number", rows=_row_ids(df, frac), column=col)
            return num.astype(float).round().astype("int64")
        num = num.astype("float64")
        alt = spec.alternatives.get(col)
        if alt is not None and alt in df.columns:  # the alternative column stands in row by row
            miss = miss & _missing_mask(df[alt])
        if required and miss.any():
            rep.add(where, "missing value" + (f" (and no {alt!r})" if alt else ""),
                    rows=_row_ids(df, miss), column=col)
        if col in spec.defaults and miss.any():
            num = num.fillna(spec.defaults[col])
        inf = np.asarray(np.isinf(num))
        if inf.any():
            rep.add(where, "must be finite", rows=_row_ids(df, inf), column=col)
        return num
    if kind == "str":
        miss = _missing_mask(s)
        if required and miss.any() and col not in spec.defaults:
            rep.add(where, "missing value", rows=_row_ids(df, miss), column=col)
        if col in spec.defaults and miss.any():
            s = s.where(~miss, spec.defaults[col])
        return _to_str(s)
    if kind == "bool":
        if s.dtype == bool:
            return s.astype(bool)
        out, bad = [], []
        for v in s:
            if isinstance(v, (bool, np.bool_)):
                out.append(bool(v)); bad.append(False); continue
            if _is_missing(v):
                out.append(bool(spec.defaults.get(col, False))); bad.append(False); continue
            t = str(v).strip().lower()
            if t.endswith(".0"):
                t = t[:-2]
            out.append(t in _TRUE)
            bad.append(t not in _TRUE and t not in _FALSE)
        if any(bad):
            rep.add(where, "expected true/false", rows=_row_ids(df, bad), column=col)
        return pd.Series(out, index=s.index, dtype=bool)
    if kind == "date":
        miss = _missing_mask(s)
        conv = pd.to_datetime(s.where(~miss, None), errors="coerce", format="ISO8601")
        bad = np.asarray(conv.isna()) & ~miss
        if bad.any():
            rep.add(where, f"expected a date (YYYY-MM-DD), got {list(s[bad].astype(str).iloc[:3])}",
                    rows=_row_ids(df, bad), column=col)
        return conv.astype("datetime64[ns]")
    if kind == "label_int":
        num = pd.to_numeric(s, errors="coerce")
        miss = _missing_mask(s)
        bad = (np.asarray(num.isna()) & ~miss) | np.asarray((num.fillna(0) % 1) != 0)
        if bad.any():
            rep.add(where, "expected an integer node label", rows=_row_ids(df, bad), column=col)
        return num.fillna(-1).astype(float).round().astype("int64")
    if kind == "label_str":
        return _to_str(s)
    raise AssertionError(kind)  # pragma: no cover - programming error


def _empty_table(spec: TableSpec, node_kind: str) -> pd.DataFrame:
    data = {}
    for col, kind in spec.columns.items():
        if kind == "node":
            kind = node_kind
        dtype = {"float": "float64", "int": "int64", "str": "str", "bool": bool,
                 "date": "datetime64[ns]", "label_int": "int64", "label_str": "str"}[kind]
        data[col] = pd.Series([], dtype=dtype)
    df = pd.DataFrame(data)
    if spec.index is not None:
        df.index = pd.Index([], dtype="str", name=spec.index)
    return df


# ----------------------------------------------------------------------------------------
# the network as tables
# ----------------------------------------------------------------------------------------


def _network_frames(net) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """(edges, nodes, directed) of a Network: edges u, v, minutes[, metres], oneway."""
    edges, nodes = net.to_frames()
    return edges, nodes, bool(net.directed)


def _node_kind(net) -> str:
    if net is None:
        return "label_str"
    ids = net.node_ids
    if ids.dtype.kind in "iu":
        return "label_int"
    if len(ids) and all(isinstance(v, (int, np.integer)) for v in ids):
        return "label_int"
    return "label_str"


def _network_from_frames(edges: pd.DataFrame, nodes: pd.DataFrame | None, directed: bool,
                         crs=None):
    from yingji.network import Network

    length = "metres" if "metres" in edges.columns else None
    return Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes",
                              directed=directed, length=length, crs=crs or None,
                              warn_disconnected=False)


def _labels_from_text(values: list[str]) -> list:
    """Node labels read from text: ints when every label is an integer literal."""
    try:
        out = [int(v) for v in values]
    except (TypeError, ValueError):
        return list(values)
    if all(str(o) == str(v).strip() for o, v in zip(out, values)):
        return out
    return list(values)


# ----------------------------------------------------------------------------------------
# TOML writing (small subset: scalars, lists of scalars, one level of tables)
# ----------------------------------------------------------------------------------------


def _toml_scalar_or_list(v) -> bool:
    scalar = (str, bool, int, float, np.integer, np.floating, np.bool_)
    if isinstance(v, scalar):
        return True
    return isinstance(v, (list, tuple)) and all(isinstance(x, scalar) for x in v)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to county.toml")  # pragma: no cover


def _toml_dumps(d: Mapping) -> str:
    lines = []
    for k, v in d.items():
        if not isinstance(v, Mapping):
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in d.items():
        if isinstance(v, Mapping):
            lines.append("")
            lines.append(f"[{_toml_key(k)}]")
            for k2, v2 in v.items():
                if isinstance(v2, Mapping):
                    raise TypeError("one level of tables")  # pragma: no cover - meta checked
                lines.append(f"{_toml_key(k2)} = {_toml_value(v2)}")
    return "\n".join(lines) + "\n"


def _toml_key(k: str) -> str:
    k = str(k)
    if k and all(c.isalnum() and c.isascii() or c in "_-" for c in k):
        return k
    return json.dumps(k, ensure_ascii=False)


# ----------------------------------------------------------------------------------------
# JSON columns
# ----------------------------------------------------------------------------------------


def _json_col(s: pd.Series) -> list:
    kind = _dtype_name(s)
    if kind == "date":
        return [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in s]
    if kind == "bool":
        return [bool(v) for v in s]
    if kind == "int":
        return [int(v) for v in s]
    if kind == "float":
        return [None if _is_missing(v) or math.isnan(float(v)) else float(v) for v in s]
    return [None if _is_missing(v) else (v.item() if isinstance(v, np.generic) else v) for v in s]


def _dtype_name(s: pd.Series) -> str:
    """One of float, int, bool, date, str (nullable ints with gaps -> float, bools -> str)."""
    k = s.dtype.kind
    name = {"M": "date", "b": "bool", "i": "int", "u": "int", "f": "float"}.get(k, "str")
    if name in ("int", "bool") and s.isna().any():
        return "float" if name == "int" else "str"
    return name


def _restore_col(values: list, kind: str) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").astype(
            "datetime64[ns]")
    if kind == "bool":
        return pd.Series(values, dtype=bool)
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "float":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(["" if v is None else v for v in values], dtype="str")


# ----------------------------------------------------------------------------------------
# County
# ----------------------------------------------------------------------------------------


class County:
    """A county: road network, located tables and reported figures.

    Parameters
    ----------
    network : yingji.Network or None
        The road network (travel times in minutes, lengths in metres). ``None``
        only for tables that need no network (e.g. indicators alone); located
        rows then must carry their own ``node``.
    demand, stations, units, candidates, teams, hazards, enterprises, venues, depots, \
stock, items, shelters, indicators : pandas.DataFrame, optional
        The tables of DESIGN.md ("The county"); an absent table is empty with the
        right columns. Located tables are indexed by string id (an ``id`` column or the
        index) and get a ``node`` column snapped to the nearest network node when they
        have none.
    meta : dict, optional
        ``name``, ``crs``, ``area_km2`` (km²), ``standard`` (profile name, default
        ``"GB51080"``), ``time_limits`` (seconds; ``solve``, ``demo_section``) and any
        other keys, as in ``county.toml``.
    max_snap : float, optional
        Largest distance (metres) between a point and the node it snaps to; farther
        points are an error naming them. Default: ``meta["max_snap_m"]`` if given, else
        no limit.

    Raises
    ------
    ValidationError
        Listing every problem found: missing columns, values of the wrong type,
        duplicate or empty ids, unknown classes, ``units.station`` not in
        ``stations``, ``stock.depot``/``stock.item`` not in ``depots``/``items``,
        ``node`` values not in the network.

    See Also
    --------
    County.load, County.from_json, yingji.datasets.sample_county

    Notes
    -----
    Coordinates ``x``, ``y`` are metres in the projected CRS named in ``meta["crs"]``;
    time is in minutes, distance in metres, area in m² (DESIGN.md, "Units").

    References
    ----------
    .. [1] GB 51080-2015 《城市消防规划规范》 (Code for urban fire protection planning),
       4.1 (station classes class1 / class2 / small / special / logistics).
    .. [2] 建标152-2017 《城市消防站建设标准》 (construction standard of urban fire
       stations): staffing and vehicles per station class.
    .. [3] GB 21734-2008 《地震应急避难场所 场址及配套设施》: emergency / fixed / central
       shelter classes and effective area.
    .. [4] The Sphere Handbook (2018), minimum standards behind the ``items`` norms.

    Examples
    --------
    >>> import pandas as pd, yingji as yj
    >>> edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 2.0]})
    >>> nodes = pd.DataFrame({"x": [0.0, 500.0, 1000.0], "y": [0.0, 0.0, 0.0]})
    >>> net = yj.Network.from_edges(edges, nodes=nodes, source="u", target="v",
    ...                             weight="minutes")
    >>> demand = pd.DataFrame({"id": ["a", "b"], "x": [10.0, 990.0], "y": [0.0, 5.0],
    ...                        "population": [100.0, 50.0]})
    >>> c = yj.County(net, demand=demand, meta={"name": "demo"})
    >>> c.demand["node"].tolist()
    [0, 2]
    """

    def __init__(self, network=None, *, demand=None, stations=None, units=None,
                 candidates=None, teams=None, hazards=None, enterprises=None, venues=None,
                 depots=None, stock=None, items=None, shelters=None, indicators=None,
                 meta: Mapping | None = None, max_snap: float | None = None,
                 _where: Mapping[str, str] | None = None, _func: str = "County"):
        tables = dict(demand=demand, stations=stations, units=units, candidates=candidates,
                      teams=teams, hazards=hazards, enterprises=enterprises, venues=venues,
                      depots=depots, stock=stock, items=items, shelters=shelters,
                      indicators=indicators)
        rep = _Report(_func)
        where = {n: f"table {n!r}" for n in TABLES}
        where.update(_where or {})
        if network is not None and not (hasattr(network, "snap") and hasattr(network, "to_frames")):
            rep.add("parameter 'network'", f"expected a yingji.Network, got {type(network).__name__}")
            network = None
        self.network = network
        self.meta = self._coerce_meta(meta, rep)
        nk = _node_kind(network)
        for name, spec in TABLES.items():
            setattr(self, name, _coerce_table(spec, tables[name], where[name], rep, nk))
        if max_snap is None:
            max_snap = self.meta.get("max_snap_m")
        self._check_refs(rep, where)
        rep.raise_if_any()  # stop before snapping when the tables are broken
        self._place_nodes(rep, where, nk, max_snap)
        rep.raise_if_any()
        if network is not None and hasattr(network, "check_connected"):
            self.check_connected(warn=True)

    # ---- connectivity -------------------------------------------------------------
    def check_connected(self, *, strong: bool = True, warn: bool = False) -> pd.DataFrame:
        """Located rows whose node sits outside the largest component of the road network.

        A network in several pieces is normal for OSM extracts; a demand point or site in a
        small piece cannot reach, or be reached from, the rest, so every travel time to or
        from it is ``inf``. The county constructor (and :meth:`load`, :meth:`from_json`) calls
        this with ``warn=True``.

        Parameters
        ----------
        strong : bool
            Strongly connected components (default; one-way streets respected) or weakly.
        warn : bool
            Warn (:class:`~yingji.DisconnectedNetworkWarning`) naming the tables and ids
            when there are any.

        Returns
        -------
        pandas.DataFrame
            One row per such located row: ``table``, ``id``, ``node``, ``component``
            (0 = largest), ``component_size`` (nodes). Empty when all points are in the
            largest component or the county has no network.

        See Also
        --------
        largest_component : keep the main piece and snap the points to it again.
        yingji.Network.components, yingji.Network.check_connected
        """
        cols = ["table", "id", "node", "component", "component_size"]
        net = self.network
        if net is None:
            return pd.DataFrame(columns=cols)
        parts = []
        for name, spec in TABLES.items():
            df = getattr(self, name)
            if not spec.located or len(df) == 0 or "node" not in df.columns:
                continue
            r = net.check_connected(df["node"].tolist(), ids=list(df.index), strong=strong)
            if len(r):
                parts.append(r.assign(table=name))
        out = (pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols))
        if warn and len(out):
            import warnings

            from yingji.exceptions import DisconnectedNetworkWarning

            by_table = "; ".join(f"{t}: {', '.join(map(repr, g['id'].tolist()[:8]))}"
                                 + (f" and {len(g) - 8} more" if len(g) > 8 else "")
                                 for t, g in out.groupby("table", sort=False))
            comp = net.components(strong)
            warnings.warn(
                f"{len(out)} located point(s) sit outside the largest "
                f"{'strongly' if strong else 'weakly'} connected component of the road network "
                f"({int(comp['n_nodes'].iloc[0]):,} of {net.n_nodes:,} nodes, {len(comp)} components): "
                f"{by_table}. Their travel times to the rest are inf. See County.check_connected(); "
                f"County.largest_component() keeps the main piece and snaps them to it.",
                DisconnectedNetworkWarning, stacklevel=3)
        return out

    def largest_component(self, *, strong: bool = True) -> "County":
        """The county on the largest component of its road network, every located table
        snapped to it again (from ``x``, ``y``).

        Warns
        -----
        DisconnectedNetworkWarning
            Saying how many nodes were dropped (from :meth:`yingji.Network.largest_component`).

        Returns
        -------
        County
            ``self`` when the network is already in one piece.
        """
        if self.network is None:
            return self
        net = self.network.largest_component(strong)
        if net is self.network:
            return self
        return self.replace(network=net)

    # ---- construction helpers -----------------------------------------------------
    @staticmethod
    def _coerce_meta(meta, rep) -> dict:
        out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in META_DEFAULTS.items()}
        if meta is None:
            return out
        if not isinstance(meta, Mapping):
            rep.add("parameter 'meta'", f"expected a mapping, got {type(meta).__name__}")
            return out
        for k, v in meta.items():
            if k == "time_limits" and isinstance(v, Mapping):
                out["time_limits"] = {**out["time_limits"], **dict(v)}
            else:
                out[k] = v
        try:
            out["area_km2"] = float("nan") if out["area_km2"] is None else float(out["area_km2"])
        except (TypeError, ValueError):
            rep.add("county.toml", f"'area_km2' must be a number (km²), got {out['area_km2']!r}")
        for k, v in out.items():
            if isinstance(v, Mapping):
                for k2, v2 in v.items():
                    if not _toml_scalar_or_list(v2):
                        rep.add("county.toml", f"key {k}.{k2} must be a string, number, boolean "
                                f"or list of those (one level of tables), got "
                                f"{type(v2).__name__}")
            elif not _toml_scalar_or_list(v):
                rep.add("county.toml", f"key {k!r} must be a string, number, boolean, list of "
                        f"those or a table of them, got {type(v).__name__}")
        for k, v in out["time_limits"].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                rep.add("county.toml", f"time limit {k!r} must be a positive number of seconds, "
                        f"got {v!r}")
        return out

    def _check_refs(self, rep: _Report, where) -> None:
        st = set(self.stations.index)
        if len(self.units):
            bad = ~self.units["station"].isin(st).to_numpy()
            if bad.any():
                rep.add(where["units"], f"unknown station id(s) "
                        f"{sorted(set(self.units['station'][bad]))[:8]} (not in stations)",
                        rows=_row_ids(self.units, bad), column="station")
        if len(self.stock):
            bad = ~self.stock["depot"].isin(set(self.depots.index)).to_numpy()
            if bad.any():
                rep.add(where["stock"], f"unknown depot id(s) "
                        f"{sorted(set(self.stock['depot'][bad]))[:8]} (not in depots)",
                        rows=_row_ids(self.stock, bad), column="depot")
            if len(self.items):
                bad = ~self.stock["item"].isin(set(self.items["item"])).to_numpy()
                if bad.any():
                    rep.add(where["stock"], f"unknown item(s) "
                            f"{sorted(set(self.stock['item'][bad]))[:8]} (not in items)",
                            rows=_row_ids(self.stock, bad), column="item")
        for name, key in (("items", "item"), ("indicators", "metric")):
            t = getattr(self, name)
            if len(t):
                dup = t[key][t[key].duplicated()].unique()
                if len(dup):
                    rep.add(where[name], f"duplicate {key}(s) {list(dup)[:8]}", column=key)
                empty = (t[key].str.strip() == "").to_numpy()
                if empty.any():
                    rep.add(where[name], "empty value", rows=_row_ids(t, empty), column=key)

    def _place_nodes(self, rep: _Report, where, nk: str, max_snap) -> None:
        net = self.network
        known = None
        for name, spec in TABLES.items():
            if not spec.located:
                continue
            df = getattr(self, name)
            if "node" not in df.columns:
                if len(df) == 0:
                    df.insert(2, "node", _empty_table(spec, nk)["node"])
                    continue
                if net is None:
                    rep.add(where[name], "no 'node' column and no network to snap to")
                    continue
                kw = {} if max_snap is None else {"max_snap": float(max_snap)}
                try:
                    nodes = net.snap(df["x"].to_numpy(float), df["y"].to_numpy(float), **kw)
                except ValidationError as exc:
                    rep.add(where[name], f"snapping to the network failed: {exc}")
                    continue
                nodes = np.asarray(nodes)
                df.insert(2, "node", pd.Series(nodes, index=df.index,
                                               dtype="int64" if nk == "label_int" else "str"))
                continue
            if net is None or len(df) == 0:
                continue
            if known is None:
                known = set(np.asarray(net.node_ids).tolist())
            bad = ~df["node"].isin(known).to_numpy()
            if bad.any():
                rep.add(where[name], f"node(s) {sorted(set(df['node'][bad].tolist()))[:8]} "
                        "not in the network", rows=_row_ids(df, bad), column="node")

    # ---- tables -------------------------------------------------------------------
    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in :data:`TABLES` order (the DataFrames themselves)."""
        return {n: getattr(self, n) for n in TABLES}

    def replace(self, **changes) -> "County":
        """A new county with some tables (or ``network``/``meta``) replaced.

        Parameters
        ----------
        **changes
            Table name -> DataFrame, ``network=``, ``meta=`` (merged into the current
            meta). Located tables without a ``node`` column are snapped again; when the
            network changes, every located table is snapped again.

        Returns
        -------
        County

        Raises
        ------
        ValidationError
            For an unknown name, or anything the constructor rejects.

        Examples
        --------
        >>> import yingji as yj
        >>> c = yj.datasets.sample_county()
        >>> c2 = c.replace(demand=c.demand[c.demand["urban"]])
        >>> bool(c2.demand["urban"].all()), len(c.demand) > len(c2.demand)
        (True, True)
        """
        unknown = sorted(set(changes) - set(TABLES) - {"network", "meta"})
        if unknown:
            raise ValidationError(
                f"The 'changes' parameter of County.replace must name tables from "
                f"{list(TABLES)} or 'network'/'meta'. Got {unknown} instead.")
        kw = {n: getattr(self, n) for n in TABLES}
        net = changes.pop("network", self.network)
        meta = {**self.meta, **(changes.pop("meta", None) or {})}
        if net is not self.network:
            kw = {n: (t.drop(columns="node") if TABLES[n].located and "node" in t.columns else t)
                  for n, t in kw.items()}
        kw.update(changes)
        return County(net, meta=meta, _func="County.replace", **kw)

    # ---- folder -------------------------------------------------------------------
    @classmethod
    def load(cls, folder, *, max_snap: float | None = None) -> "County":
        """Read a county folder.

        Parameters
        ----------
        folder : str or path
            Holding ``county.toml`` (optional), the road network as ``roads.csv`` +
            ``nodes.csv`` (or the files named in ``[network]`` of ``county.toml``), or
            ``roads.graphml``, and any of the table CSVs (``demand.csv``,
            ``stations.csv``, ... see ``docs/data-formats.md``). Absent tables are empty.
        max_snap : float, optional
            Largest snap distance, metres (see :class:`County`).

        Returns
        -------
        County

        Raises
        ------
        ValidationError
            Naming file, row and column of every problem (and the missing network).
        """
        folder = Path(folder)
        rep = _Report("County.load")
        if not folder.is_dir():
            raise ValidationError(f"The 'folder' parameter of County.load must be an existing "
                                  f"folder. Got {str(folder)!r} instead.")
        meta: dict = {}
        toml_path = folder / "county.toml"
        if toml_path.exists():
            try:
                meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                rep.add("county.toml", f"not valid TOML ({exc})")
        netcfg = meta.pop("network", {}) if isinstance(meta.get("network"), Mapping) else {}
        flat = meta.pop("dtypes", {}) if isinstance(meta.get("dtypes"), Mapping) else {}
        dtypes: dict[str, dict] = {}
        for key, kind in flat.items():
            t, _, c = str(key).partition(".")
            dtypes.setdefault(t, {})[c] = kind
        net = cls._load_network(folder, netcfg, rep, meta.get("crs"))
        tables, where = {}, {}
        for name, spec in TABLES.items():
            path = folder / f"{name}.csv"
            where[name] = path.name
            if not path.exists():
                continue
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                 encoding="utf-8")
            except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                rep.add(path.name, f"cannot be read as CSV ({exc})")
                continue
            extra = dtypes.get(name, {}) if isinstance(dtypes.get(name), Mapping) else {}
            for col, kind in extra.items():
                if col in df.columns and col not in spec.columns:
                    df[col] = _restore_text_col(df[col], kind)
            for col in df.columns:
                if col not in spec.columns and col != spec.index and col not in extra:
                    df[col] = _infer_text_col(df[col])
            tables[name] = df
        rep.raise_if_any()
        return cls(net, meta=meta, max_snap=max_snap, _where=where, _func="County.load",
                   **tables)

    @staticmethod
    def _load_network(folder: Path, cfg: Mapping, rep: _Report, crs=None):
        roads = folder / str(cfg.get("roads", "roads.csv"))
        graphml = folder / str(cfg.get("graphml", "roads.graphml"))
        directed = bool(cfg.get("directed", False))
        if roads.exists():
            nodes_path = folder / str(cfg.get("nodes", "nodes.csv"))
            edges = pd.read_csv(roads, encoding="utf-8", keep_default_na=False, na_values=[""])
            missing = [c for c in ("u", "v", "minutes") if c not in edges.columns]
            if missing:
                rep.add(roads.name, "missing column(s) " + ", ".join(map(repr, missing))
                        + "; expected u, v, minutes[, metres]")
                return None
            nodes = None
            if nodes_path.exists():
                nodes = pd.read_csv(nodes_path, encoding="utf-8", keep_default_na=False,
                                    na_values=[""])
                if "id" not in nodes.columns or not {"x", "y"} <= set(nodes.columns):
                    rep.add(nodes_path.name, "expected columns 'id', 'x', 'y'")
                    return None
                nodes = nodes.set_index("id")
                if nodes.index.dtype.kind not in "iu":
                    nodes.index = pd.Index(_labels_from_text([str(v) for v in nodes.index]))
            for c in ("u", "v"):
                if edges[c].dtype.kind not in "iu":
                    edges[c] = _labels_from_text([str(v) for v in edges[c]])
            try:
                return _network_from_frames(edges, nodes, directed, crs)
            except ValidationError as exc:
                rep.add(roads.name, str(exc))
                return None
        if graphml.exists():
            from yingji.network import Network

            try:
                return Network.from_graphml(graphml, weight="minutes", unit="min",
                                            warn_disconnected=False)
            except Exception as exc:  # noqa: BLE001 - networkx/XML parse errors of any kind
                rep.add(graphml.name, f"cannot be read as a road network "
                        f"({type(exc).__name__}: {exc})")
                return None
        rep.add(str(folder), "no road network: expected roads.csv (+ nodes.csv) or roads.graphml")
        return None

    def save(self, folder, *, network_format: str = "csv", overwrite: bool = True) -> Path:
        """Write the county to a folder that :meth:`load` reads back unchanged.

        Parameters
        ----------
        folder : str or path
            Created if absent.
        network_format : {"csv", "graphml"}
            ``roads.csv`` + ``nodes.csv`` (default) or ``roads.graphml``.
        overwrite : bool
            If False, an existing ``county.toml`` in the folder is an error.

        Returns
        -------
        pathlib.Path
            The folder.

        Raises
        ------
        ValidationError
            Bad ``network_format``, or ``overwrite=False`` and a county is there.
        """
        if network_format not in ("csv", "graphml"):
            raise ValidationError(f"The 'network_format' parameter of County.save must be "
                                  f"'csv' or 'graphml'. Got {network_format!r} instead.")
        folder = Path(folder)
        if not overwrite and (folder / "county.toml").exists():
            raise ValidationError(f"The 'folder' parameter of County.save must not hold a county "
                                  f"when overwrite=False. Got {str(folder)!r} instead.")
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta)
        dtypes = {}
        for name, spec in TABLES.items():
            df = getattr(self, name)
            extra = {c: _dtype_name(df[c]) for c in df.columns if c not in spec.columns}
            if extra:
                dtypes[name] = extra
            path = folder / f"{name}.csv"
            if len(df) == 0 and not extra:
                if path.exists():
                    path.unlink()
                continue
            out = df.copy()
            for c in out.columns:
                if out[c].dtype.kind == "M":
                    out[c] = out[c].dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace(
                        "T00:00:00", "", regex=False)
                elif out[c].dtype.kind == "f":
                    out[c] = [("" if math.isnan(v) else repr(float(v))) for v in out[c]]
            out.to_csv(path, index=spec.index is not None, encoding="utf-8",
                       lineterminator="\n")
        if self.network is not None:
            edges, nodes, directed = _network_frames(self.network)
            meta["network"] = {"directed": directed}
            for stale in ("roads.csv", "nodes.csv", "roads.graphml"):
                if (folder / stale).exists():
                    (folder / stale).unlink()
            if network_format == "csv":
                meta["network"].update(roads="roads.csv", nodes="nodes.csv")
                e = edges.copy()
                for c in e.columns:
                    if e[c].dtype.kind == "f":
                        e[c] = [("" if math.isnan(v) else repr(float(v))) for v in e[c]]
                e.to_csv(folder / "roads.csv", index=False, lineterminator="\n")
                n = nodes.copy()
                n.index.name = "id"
                for c in n.columns:
                    if n[c].dtype.kind == "f":
                        n[c] = [("" if math.isnan(v) else repr(float(v))) for v in n[c]]
                n.to_csv(folder / "nodes.csv", lineterminator="\n")
            else:
                meta["network"]["graphml"] = "roads.graphml"
                self.network.to_graphml(folder / "roads.graphml")
        # dtypes of extra columns, as "table.column" keys under [dtypes]
        meta.pop("dtypes", None)
        if dtypes:
            meta["dtypes"] = {f"{t}.{c}": k for t, m in dtypes.items() for c, k in m.items()}
        (folder / "county.toml").write_text(_toml_dumps(meta), encoding="utf-8")
        return folder

    # ---- JSON ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The county as one JSON-serialisable dict (see :meth:`to_json`)."""
        doc: dict[str, Any] = {"format": _FORMAT, "version": COUNTY_JSON_VERSION,
                               "meta": _jsonable_meta(self.meta)}
        if self.network is not None:
            edges, nodes, directed = _network_frames(self.network)
            doc["network"] = {
                "directed": directed,
                "nodes": {"id": _json_col(nodes.index.to_series()),
                          **{c: _json_col(nodes[c]) for c in nodes.columns}},
                "node_dtypes": {c: _dtype_name(nodes[c]) for c in nodes.columns},
                "edges": {c: _json_col(edges[c]) for c in edges.columns},
                "edge_dtypes": {c: _dtype_name(edges[c]) for c in edges.columns},
            }
        else:
            doc["network"] = None
        tables = {}
        for name, spec in TABLES.items():
            df = getattr(self, name)
            cols = {c: _json_col(df[c]) for c in df.columns}
            entry = {"columns": cols, "dtypes": {c: _dtype_name(df[c]) for c in df.columns}}
            if spec.index is not None:
                entry["index"] = [str(v) for v in df.index]
            tables[name] = entry
        doc["tables"] = tables
        return doc

    def to_json(self, path=None, *, indent: int | None = None) -> str:
        """The county as one JSON document (lossless: :meth:`from_json` rebuilds it).

        Parameters
        ----------
        path : str or path, optional
            Also write the document there (UTF-8).
        indent : int, optional
            Pretty-print indentation.

        Returns
        -------
        str
            ``{"format": "yingji.county", "version": 1, "meta": {...}, "network":
            {"directed", "nodes", "edges"}, "tables": {name: {"index", "columns",
            "dtypes"}}}``; columns are lists, NaN/NaT are ``null``, dates ISO 8601.
        """
        s = json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(s, encoding="utf-8")
        return s

    @classmethod
    def from_json(cls, s) -> "County":
        """Rebuild a county from :meth:`to_json` output (a string, bytes, dict or path).

        Raises
        ------
        ValidationError
            Not a county document, an unsupported version, or bad tables (naming the
            table, row and column).
        """
        if isinstance(s, Mapping):
            doc = s
        else:
            if isinstance(s, Path) or (isinstance(s, str) and not s.lstrip().startswith("{")
                                       and Path(s).exists()):
                s = Path(s).read_text(encoding="utf-8")
            try:
                doc = json.loads(s)
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValidationError(f"The 's' parameter of County.from_json must be a county "
                                      f"JSON document. Got text that is not JSON ({exc}).") from None
        if not isinstance(doc, Mapping) or doc.get("format") != _FORMAT:
            got = doc.get("format") if isinstance(doc, Mapping) else type(doc).__name__
            raise ValidationError(f"The 's' parameter of County.from_json must be a document with "
                                  f"format {_FORMAT!r}. Got {got!r} instead.")
        if doc.get("version") != COUNTY_JSON_VERSION:
            raise ValidationError(f"The 's' parameter of County.from_json must have version "
                                  f"{COUNTY_JSON_VERSION}. Got {doc.get('version')!r} instead.")
        net = None
        nd = doc.get("network")
        if nd:
            ndt = nd.get("node_dtypes", {})
            nodes = pd.DataFrame({c: _restore_col(v, ndt.get(c, "float"))
                                  for c, v in nd["nodes"].items() if c != "id"})
            nodes.index = pd.Index(nd["nodes"]["id"])
            edt = nd.get("edge_dtypes", {})
            edges = pd.DataFrame({c: (pd.Series(v) if c in ("u", "v") else
                                      _restore_col(v, edt.get(c, "float")))
                                  for c, v in nd["edges"].items()})
            net = _network_from_frames(edges, nodes, bool(nd.get("directed", False)),
                                       (doc.get("meta") or {}).get("crs"))
        tables, where = {}, {}
        for name, entry in (doc.get("tables") or {}).items():
            where[name] = f"JSON table {name!r}"
            if name not in TABLES or not isinstance(entry, Mapping):
                continue
            dt = entry.get("dtypes", {})
            df = pd.DataFrame({c: _restore_col(v, dt.get(c, "str"))
                               for c, v in (entry.get("columns") or {}).items()})
            if "index" in entry and TABLES[name].index is not None:
                df.index = pd.Index(entry["index"], dtype="str", name=TABLES[name].index)
            tables[name] = df
        return cls(net, meta=doc.get("meta"), _where=where, _func="County.from_json", **tables)

    # ---- display ------------------------------------------------------------------
    def summary(self) -> str:
        """A few lines: name, network size, population, table sizes."""
        name = self.meta.get("name") or "(unnamed county)"
        lines = [f"County {name}  crs={self.meta.get('crs') or '?'}  "
                 f"area={self.meta.get('area_km2', float('nan')):.0f} km²"]
        if self.network is not None:
            lines.append(f"  network: {self.network.n_nodes} nodes")
        pop = float(self.demand["population"].sum()) if len(self.demand) else 0.0
        urban = self.demand[self.demand["urban"]] if len(self.demand) else self.demand
        lines.append(f"  demand: {len(self.demand)} points, population {pop:,.0f}, urban "
                     f"{len(urban)} points / {float(urban['area_m2'].sum()) / 1e6:.1f} km²")
        lines.append("  " + ", ".join(f"{n} {len(getattr(self, n))}" for n in TABLES
                                      if n != "demand"))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per table: its name and number of rows."""
        return pd.DataFrame({"table": list(TABLES), "rows": [len(getattr(self, n))
                                                             for n in TABLES]})

    def __repr__(self) -> str:
        n = self.network.n_nodes if self.network is not None else 0
        return (f"<County {self.meta.get('name') or '?'}: {n} nodes, {len(self.demand)} demand "
                f"points, {len(self.stations)} stations>")


def _py(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def _jsonable_meta(meta: Mapping) -> dict:
    out = {}
    for k, v in meta.items():
        if isinstance(v, Mapping):
            out[k] = _jsonable_meta(v)
        elif isinstance(v, float) and not math.isfinite(v):
            out[k] = None if math.isnan(v) else str(v)
        else:
            out[k] = _py(v)
    return out


def _restore_text_col(s: pd.Series, kind: str) -> pd.Series:
    if kind == "float":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if kind == "int":
        return pd.to_numeric(s, errors="coerce").astype("int64")
    if kind == "bool":
        return s.fillna("").str.strip().str.lower().isin(_TRUE)
    if kind == "date":
        return pd.to_datetime(s, format="ISO8601").astype("datetime64[ns]")
    return _to_str(s)


def _infer_text_col(s: pd.Series) -> pd.Series:
    """Type of an extra CSV column without a recorded dtype: int, float, bool or str."""
    words = {str(v).strip().lower() for v in s.dropna()}
    if words and words <= {"true", "false"}:
        return s.fillna("").str.strip().str.lower().eq("true")
    num = pd.to_numeric(s, errors="coerce")
    if (num.notna() | s.isna()).all() and s.notna().any():
        if (num.dropna() % 1 == 0).all() and s.notna().all() and not s.str.contains(r"[.eE]").any():
            return num.astype("int64")
        return num.astype("float64")
    return _to_str(s)
