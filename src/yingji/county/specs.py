"""The county tables: :class:`TableSpec`, :data:`TABLES` (every table, its columns and kinds,
defaults, allowed values), the keys of ``county.toml`` and the small value helpers that table
coercion, the folder and the JSON document share (missing values, text columns, yes/no words,
the kind of a column)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yingji._validation import FALSE_TEXT, TRUE_TEXT


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

#: The yes/no words (one vocabulary: :data:`yingji._validation.TRUE_TEXT`); an empty cell is False.
_TRUE = TRUE_TEXT
_FALSE = FALSE_TEXT | {""}


# ----------------------------------------------------------------------------------------
# values
# ----------------------------------------------------------------------------------------


def _is_missing(v) -> bool:
    if v is None or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _missing_mask(s: pd.Series) -> np.ndarray:
    """Which cells are empty (None, NaN, NaT, pd.NA): one vectorised ``isna`` (it looks at each
    object cell the way :func:`_is_missing` does, and a list or dict in a cell is a value)."""
    return np.asarray(s.isna(), dtype=bool)


def _to_str(s: pd.Series) -> pd.Series:
    miss = _missing_mask(s)
    if s.dtype == object and not miss.any() and all(type(v) is str for v in s):
        return s.astype("str")
    vals = ["" if m else (v if isinstance(v, str) else str(v)) for v, m in zip(s, miss)]
    return pd.Series(vals, index=s.index, dtype="str")


def _split(v) -> list[str]:
    return [t.strip() for t in str(v).split(";") if t.strip()]


def _dtype_name(s: pd.Series) -> str:
    """One of float, int, bool, date, str (nullable ints with gaps -> float, bools -> str)."""
    k = s.dtype.kind
    name = {"M": "date", "b": "bool", "i": "int", "u": "int", "f": "float"}.get(k, "str")
    if name in ("int", "bool") and s.isna().any():
        return "float" if name == "int" else "str"
    return name
