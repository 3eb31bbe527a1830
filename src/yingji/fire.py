"""Fire stations: standards, response districts, assessment and the plan that reaches compliance.

The county plan asks that "the layout and size of fire stations meet the standard"
(消防站的布局、消防站建设规模符合标准要求). This module measures that on the road network
and plans the new stations that close the gap.

* Standard profiles are data (TOML files in ``yingji/profiles``): :func:`load_standard`
  reads ``"GB51080"`` (China, default: GB 51080-2015 with 建标152-2017) or ``"NFPA1710"``,
  a file of your own, or your own values. Every threshold keeps its rule id, clause and how
  sure it is (``CONFIRMED`` / ``UNCONFIRMED`` / ``ASSUMPTION``).
* :func:`assess` partitions the in-scope (urban) demand points into response districts
  (each point to the station that reaches it first), and checks district areas, edge
  times, coverage shares, staffing, vehicles and setbacks, rule by rule.
* :func:`plan` chooses new stations among the candidate sites whose ``uses`` include
  ``fire``, existing stations kept, so that every in-scope point any site can reach is
  reached within the standard (LSCP) or the best share is reached within a budget (MCLP),
  with district-area limits formulated in the model (closest-assignment constraints), and
  reports the trade-off of coverage against the number of new stations.
* :func:`place_apparatus` places engines and ladder trucks at open stations so that
  high-risk points are reached by both (FLEET).

Units follow DESIGN.md: minutes, metres, m² (district areas reported in km²).
"""

from __future__ import annotations

import math
import re
import time
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._deadline import Deadline
from yingji._kernels.fire import _district_totals, _kth_arrival, _nearest_station
from yingji._validation import Problems, describe_positions
from yingji._validation import to_bool as _to_bool
from yingji.exceptions import InfeasibleError, ValidationError
from yingji.results import to_jsonable
from yingji.solvers import gap_of, solve_lexicographic

__all__ = [
    "Threshold",
    "FireStandard",
    "load_standard",
    "available_standards",
    "FireAssessment",
    "FirePlan",
    "ApparatusPlan",
    "assess",
    "plan",
    "place_apparatus",
    "weighted_percentile",
]

#: Station classes (DESIGN.md, "The county"): 一级 / 二级 / 小型 / 特勤 / 战勤保障.
STATION_CLASSES = ("class1", "class2", "small", "special", "logistics")

_UNIT_TO_MIN = {"min": 1.0, "minute": 1.0, "minutes": 1.0, "s": 1.0 / 60.0, "sec": 1.0 / 60.0,
                "seconds": 1.0 / 60.0, "h": 60.0, "hour": 60.0, "hours": 60.0}
_UNIT_TO_M = {"m": 1.0, "metre": 1.0, "metres": 1.0, "meter": 1.0, "meters": 1.0, "km": 1000.0}
_UNIT_TO_KM2 = {"km2": 1.0, "km²": 1.0, "m2": 1e-6, "m²": 1e-6, "ha": 1e-2}


# =====================================================================================
# Standards (profiles are data)
# =====================================================================================


@dataclass(frozen=True)
class Threshold:
    """One value of a standard profile with its provenance.

    Attributes
    ----------
    key : str
        Name in the profile (``"response_minutes"``, ``"area_limit_class1_km2"``...).
    value : float
        Value in yingji's unit (minutes, metres, km², persons, vehicles).
    unit : str
        yingji's unit of ``value``.
    rule : str
        Id of the rule in the compliance table (``"S3-001"``), empty when none.
    clause : str
        Clause of the standard.
    status : str
        How sure the value is: ``CONFIRMED``, ``CONFIRMED (secondary)``, ``UNCONFIRMED``,
        ``ASSUMPTION`` or ``USER`` (a value you passed).
    note : str
        Remarks (ranges, what is not checked).
    source_value, source_unit :
        The value and unit as written in the profile (e.g. 240 s).
    """

    key: str
    value: float
    unit: str
    rule: str = ""
    clause: str = ""
    status: str = ""
    note: str = ""
    source_value: float | None = None
    source_unit: str = ""

    @property
    def confirmed(self) -> bool:
        return self.status.upper().startswith("CONFIRMED")


def _canonical(key: str, value: float, unit: str, probs: Problems) -> tuple[float, str]:
    """Convert a profile value to yingji's unit, chosen by the key's suffix."""
    u = (unit or "").strip()
    if key.endswith("_minutes"):
        if u.lower() not in _UNIT_TO_MIN:
            probs.add(f"Profile value {key!r} must be in min, s or h. Got unit {unit!r} instead.")
            return value, "min"
        return value * _UNIT_TO_MIN[u.lower()], "min"
    if key.endswith("_m"):
        if u.lower() not in _UNIT_TO_M:
            probs.add(f"Profile value {key!r} must be in m or km. Got unit {unit!r} instead.")
            return value, "m"
        return value * _UNIT_TO_M[u.lower()], "m"
    if key.endswith("_km2"):
        if u.lower() not in _UNIT_TO_KM2:
            probs.add(f"Profile value {key!r} must be in km2, m2 or ha. Got unit {unit!r} instead.")
            return value, "km2"
        return value * _UNIT_TO_KM2[u.lower()], "km2"
    return value, u


@dataclass(frozen=True)
class FireStandard:
    """A fire-station standard profile (values with provenance), in yingji's units.

    Build one with :func:`load_standard`. ``budget_basis="response"`` (GB 51080) means the
    travel budget is ``response_minutes - turnout_minutes``; ``"travel"`` (NFPA 1710) means
    the profile gives the first-engine ``travel_minutes`` directly.

    Attributes
    ----------
    name, title : str
    budget_basis : {"response", "travel"}
    percentile : float
        Share of incidents that must meet the travel budget (1.0: every in-scope point,
        GB 51080; 0.9: NFPA 1710's 90th percentile).
    scope : str
        Which demand points the standard covers (``"urban"``: points with ``urban`` True).
    classes : tuple of str
    no_district_classes : tuple of str
        Classes that hold no district (logistics / 战勤保障).
    values : dict of str to Threshold
    sources : tuple of str
    origin : str
        Where the profile was read from.
    """

    name: str
    title: str
    budget_basis: str
    percentile: float
    scope: str
    classes: tuple
    no_district_classes: tuple
    values: Mapping[str, Threshold]
    sources: tuple = ()
    origin: str = ""

    # -------------------------------------------------------------- accessors
    def get(self, key: str, default: float = float("nan")) -> float:
        t = self.values.get(key)
        return float(t.value) if t is not None else float(default)

    def threshold(self, key: str) -> Threshold | None:
        return self.values.get(key)

    @property
    def turnout_minutes(self) -> float:
        """Turnout (dispatch order to wheels rolling), minutes."""
        return self.get("turnout_minutes", 0.0)

    @property
    def travel_budget(self) -> float:
        """Minutes of driving the standard leaves after turnout (station to demand point)."""
        if self.budget_basis == "travel":
            return self.get("travel_minutes")
        return self.get("response_minutes") - self.turnout_minutes

    @property
    def response_minutes(self) -> float:
        """Turnout plus travel budget, minutes."""
        if self.budget_basis == "travel":
            return self.turnout_minutes + self.get("travel_minutes")
        return self.get("response_minutes")

    @property
    def rural_travel_budget(self) -> float:
        """Driving minutes for rural (out-of-scope) points: township response minus turnout."""
        r = self.get("rural_response_minutes")
        return r - self.turnout_minutes if np.isfinite(r) else float("nan")

    @property
    def budget_key(self) -> str:
        return "travel_minutes" if self.budget_basis == "travel" else "response_minutes"

    @property
    def full_alarm_minutes(self) -> float:
        """Travel minutes for the full first-alarm assignment (NaN when the profile has none)."""
        return self.get("full_alarm_minutes")

    @property
    def full_alarm_companies(self) -> int:
        """Companies (units) of the full first alarm: ceil(personnel / crew per company)."""
        pers = self.get("full_alarm_personnel")
        crew = self.get("crew_per_company")
        if not (np.isfinite(pers) and np.isfinite(crew) and crew > 0):
            return 0
        return int(math.ceil(pers / crew - 1e-9))

    def has_district(self, station_class: str) -> bool:
        return station_class not in self.no_district_classes

    def area_limit(self, station_class: str, edge: bool = False) -> float:
        """District-area limit in km² (NaN where the class has no district or no limit).

        ``edge`` is True for stations on the urban edge or in a new district (15 km² in
        GB 51080-2015 4.1.3-2).
        """
        if not self.has_district(station_class):
            return float("nan")
        if edge and f"area_limit_edge_km2" in self.values:
            return self.get("area_limit_edge_km2")
        return self.get(f"area_limit_{station_class}_km2")

    def area_rule(self, station_class: str, edge: bool = False) -> Threshold | None:
        if edge and "area_limit_edge_km2" in self.values:
            return self.values["area_limit_edge_km2"]
        return self.values.get(f"area_limit_{station_class}_km2")

    # -------------------------------------------------------------- output
    def replace(self, **values) -> "FireStandard":
        """A copy with some values replaced (yingji units; marked ``status="USER"``).

        Keys are the profile's value names (``turnout_minutes``, ``area_limit_class1_km2``...)
        or the fields ``percentile``, ``scope``, ``name``, ``title``.
        """
        return load_standard(self, **values)

    def to_frame(self) -> pd.DataFrame:
        """One row per value: value, unit, rule, clause, status, note, as written in the source."""
        rows = [
            {"key": t.key, "value": t.value, "unit": t.unit, "rule": t.rule, "clause": t.clause,
             "status": t.status, "note": t.note, "source_value": t.source_value,
             "source_unit": t.source_unit}
            for t in self.values.values()
        ]
        return pd.DataFrame(rows).set_index("key")

    def to_dict(self) -> dict:
        return to_jsonable({
            "name": self.name, "title": self.title, "budget_basis": self.budget_basis,
            "percentile": self.percentile, "scope": self.scope, "classes": list(self.classes),
            "no_district_classes": list(self.no_district_classes),
            "travel_budget": self.travel_budget, "turnout_minutes": self.turnout_minutes,
            "values": {k: {"value": t.value, "unit": t.unit, "rule": t.rule, "clause": t.clause,
                           "status": t.status, "note": t.note} for k, t in self.values.items()},
            "sources": list(self.sources), "origin": self.origin,
        })

    def summary(self) -> str:
        unconf = [k for k, t in self.values.items() if not t.confirmed]
        return (f"{self.name}: travel budget {self.travel_budget:g} min "
                f"(response {self.response_minutes:g} min, turnout {self.turnout_minutes:g} min), "
                f"percentile {self.percentile:g}, scope {self.scope}; "
                f"{len(self.values)} values, not confirmed: {', '.join(unconf) or 'none'}")


def _profile_dir():
    return resources.files("yingji") / "profiles"


def available_standards() -> list[str]:
    """Names of the standard profiles shipped with yingji (``["GB51080", "NFPA1710"]``)."""
    return sorted(p.name[:-5] for p in _profile_dir().iterdir() if p.name.endswith(".toml"))


def _norm_name(s: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", s.upper())


_FIELDS = ("name", "title", "budget_basis", "percentile", "scope", "classes", "no_district_classes",
           "sources")


def _from_mapping(doc: Mapping, origin: str, probs: Problems) -> FireStandard:
    vals = doc.get("values")
    if not isinstance(vals, Mapping) or not vals:
        probs.add(f"A standard profile needs a [values] table; {origin} has none.")
        probs.raise_if_any()
    out: dict[str, Threshold] = {}
    for key, spec in vals.items():
        if not isinstance(spec, Mapping):
            spec = {"value": spec}
        raw = spec.get("value")
        try:
            v = float(raw)
        except (TypeError, ValueError):
            probs.add(f"Profile value {key!r} must be a number. Got {raw!r} instead.")
            continue
        if not np.isfinite(v) or v < 0:
            probs.add(f"Profile value {key!r} must be a finite non-negative number. Got {raw!r} instead.")
            continue
        unit = str(spec.get("unit", "min" if key.endswith("_minutes") else
                              "m" if key.endswith("_m") else "km2" if key.endswith("_km2") else ""))
        cv, cu = _canonical(key, v, unit, probs)
        out[key] = Threshold(key=key, value=cv, unit=cu, rule=str(spec.get("rule", "")),
                             clause=str(spec.get("clause", "")), status=str(spec.get("status", "")),
                             note=str(spec.get("note", "")), source_value=v, source_unit=unit)
    basis = str(doc.get("budget_basis", "response"))
    if basis not in ("response", "travel"):
        probs.add(f"Profile field 'budget_basis' must be 'response' or 'travel'. Got {basis!r} instead.")
    pct = doc.get("percentile", 1.0)
    try:
        pct = float(pct)
    except (TypeError, ValueError):
        pct = float("nan")
    if not (0 < pct <= 1):
        probs.add(f"Profile field 'percentile' must be a float in (0, 1]. Got {doc.get('percentile')!r} instead.")
    std = FireStandard(
        name=str(doc.get("name", "custom")),
        title=str(doc.get("title", "")),
        budget_basis=basis,
        percentile=pct,
        scope=str(doc.get("scope", "urban")),
        classes=tuple(doc.get("classes", STATION_CLASSES)),
        no_district_classes=tuple(doc.get("no_district_classes", ("logistics",))),
        values=out,
        sources=tuple(doc.get("sources", ())),
        origin=origin,
    )
    _check_standard(std, probs)
    return std


def _check_standard(std: FireStandard, probs: Problems) -> None:
    need = ("travel_minutes",) if std.budget_basis == "travel" else ("response_minutes",)
    for k in need:
        if k not in std.values:
            probs.add(f"Profile {std.name!r} with budget_basis={std.budget_basis!r} needs the value {k!r}.")
    if not probs.items:
        tb = std.travel_budget
        if not np.isfinite(tb) or tb < 0:
            probs.add(f"The turnout of profile {std.name!r} ({std.turnout_minutes:g} min) must not exceed its "
                      f"response time ({std.response_minutes:g} min): the travel budget would be {tb:g} min.")
    if std.scope not in ("urban", "all"):
        probs.add(f"Profile field 'scope' must be 'urban' or 'all'. Got {std.scope!r} instead.")


def load_standard(source: Any = "GB51080", **values) -> FireStandard:
    """Load a fire-station standard profile, optionally replacing some of its values.

    Parameters
    ----------
    source : str, path, dict or FireStandard
        A shipped profile name (``"GB51080"`` default, ``"NFPA1710"``; case and punctuation
        ignored, so ``"GB 51080-2015"`` works), a path to a TOML profile of the same layout
        as the shipped ones, a mapping of that layout (with a ``values`` table), a flat
        mapping of values replacing those of ``"GB51080"``, or a :class:`FireStandard`.
    **values
        Values replacing the profile's, in yingji's units (minutes, metres, km²), e.g.
        ``turnout_minutes=1.5`` or ``area_limit_class1_km2=6``; also ``percentile``, ``scope``,
        ``name``, ``title``. Replaced values are marked ``status="USER"``.

    Returns
    -------
    FireStandard

    Raises
    ------
    ValidationError
        Unknown profile name or file, a value that is not a non-negative number, an unknown
        unit, an unknown key, or a turnout longer than the response time.

    Notes
    -----
    Seconds (NFPA 1710) and hours are converted to minutes, km to m, m² and ha to km² when
    the profile is loaded. The GB 51080 profile: 5 min from dispatch to the district edge
    (4.1.3-1, S3-001) less a 1 min turnout (configurable; the commentary's split) leaves
    4 min of driving; district limits 7 / 4 / 2 km² for class 1 / class 2 / small stations
    (建标152-2017 第十四条), special stations as class 1, logistics stations no district,
    15 km² on the urban edge or in new districts (4.1.3-2).

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范 (Code for urban fire protection planning), 4.1.2-4.1.5.
    .. [2] 建标152-2017 城市消防站建设标准 (Construction standard of urban fire stations).
    .. [3] NFPA 1710 (2020), Standard for the Organization and Deployment of Fire Suppression
       Operations, Emergency Medical Operations, and Special Operations to the Public by
       Career Fire Departments, 4.1.2.1 and 5.2.

    Examples
    --------
    >>> std = load_standard("GB51080", turnout_minutes=1.5)
    >>> std.travel_budget
    3.5
    >>> round(load_standard("NFPA1710").travel_budget, 6)
    4.0
    """
    probs = Problems("load_standard")
    if isinstance(source, FireStandard):
        std = source
    elif isinstance(source, Mapping):
        if "values" in source:
            std = _from_mapping(source, "<mapping>", probs)
            probs.raise_if_any()
        else:
            std = load_standard("GB51080")
            values = {**dict(source), **values}
            values.setdefault("name", "custom")
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if isinstance(source, str) and not path.suffix:
            names = {_norm_name(n): n for n in available_standards()}
            key = _norm_name(source)
            key = next((k for k in names if key == k or key.startswith(k)), key)  # "GB 51080-2015"
            if key not in names:
                probs.param("source", f"a profile name in {available_standards()} or a path to a TOML file",
                            source)
                probs.raise_if_any()
            text = (_profile_dir() / f"{names[key]}.toml").read_text(encoding="utf-8")
            origin = f"yingji/profiles/{names[key]}.toml"
        else:
            if not path.is_file():
                probs.param("source", "a profile name or the path of an existing TOML file", str(source))
                probs.raise_if_any()
            text = path.read_text(encoding="utf-8")
            origin = str(path)
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            probs.add(f"The profile {origin} is not valid TOML: {exc}.")
            probs.raise_if_any()
        std = _from_mapping(doc, origin, probs)
        probs.raise_if_any()
    else:
        probs.param("source", "a profile name, a path, a mapping or a FireStandard", type(source).__name__)
        probs.raise_if_any()
    if not values:
        return std
    new_vals = dict(std.values)
    fields: dict[str, Any] = {}
    for key, v in values.items():
        if key in ("percentile", "scope", "name", "title", "budget_basis"):
            fields[key] = v
            continue
        if not (key.endswith(("_minutes", "_m", "_km2")) or key in new_vals or key.startswith(("staff_", "vehicles_"))
                or key in ("full_alarm_personnel", "crew_per_company", "staff_per_vehicle")):
            probs.add(f"Unknown value {key!r} for standard {std.name!r}; known: {sorted(new_vals)}.")
            continue
        try:
            fv = float(v)
        except (TypeError, ValueError):
            fv = float("nan")
        if isinstance(v, (bool, np.bool_)) or not np.isfinite(fv) or fv < 0:
            probs.add(f"The {key!r} value of load_standard must be a finite non-negative number. Got {v!r} instead.")
            continue
        old = new_vals.get(key)
        unit = "min" if key.endswith("_minutes") else "m" if key.endswith("_m") else \
            "km2" if key.endswith("_km2") else (old.unit if old else "")
        new_vals[key] = Threshold(key=key, value=fv, unit=unit, rule=old.rule if old else "",
                                  clause=old.clause if old else "", status="USER",
                                  note=(f"replaces {old.value:g} {old.unit} ({old.status})" if old else "user value"),
                                  source_value=fv, source_unit=unit)
    if "percentile" in fields:
        try:
            p = float(fields["percentile"])
        except (TypeError, ValueError):
            p = float("nan")
        if not (0 < p <= 1):
            probs.param("percentile", "a float in (0, 1]", fields["percentile"])
        fields["percentile"] = p
    probs.raise_if_any()
    out = replace(std, values=new_vals, **fields)
    _check_standard(out, probs)
    probs.raise_if_any()
    return out


def _resolve_standard(standard, func: str, **values) -> FireStandard:
    values = {k: v for k, v in values.items() if v is not None}
    if isinstance(standard, FireStandard) and not values:
        return standard
    try:
        return load_standard(standard, **values)
    except ValidationError as exc:
        raise ValidationError(f"The 'standard' parameter of {func} is invalid: {exc}", exc.problems) from None


def weighted_percentile(values, weights=None, q: float = 0.9) -> float:
    """Smallest value whose cumulative weight share reaches ``q`` (inverse weighted CDF).

    ``q = 1`` gives the maximum among positive-weight values. Zero-weight values are ignored;
    ``nan`` when there is no positive weight. ``inf`` values count (unreached incidents).

    Examples
    --------
    >>> weighted_percentile([1, 2, 3, 4], [1, 1, 1, 1], 0.5)
    2.0
    >>> weighted_percentile([1, 2, 3, 4], [1, 1, 1, 7], 0.5)
    4.0
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = w > 0
    v, w = v[keep], w[keep]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w) / w.sum()
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[min(k, v.size - 1)])


# =====================================================================================
# Inputs: county tables, keyword replacements, travel times
# =====================================================================================

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
                  f"Got bad values for ids {describe_positions(neg, ids)}.")
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


def _node_list(series: pd.Series) -> list:
    vals = series.astype(object).tolist()
    out = []
    for v in vals:
        if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            v = int(v)
        elif isinstance(v, np.integer):
            v = int(v)
        out.append(v)
    return out


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)) or v is pd.NA


def _times(times, county, dm: _Demand, sites: pd.DataFrame, demand_df: pd.DataFrame, probs: Problems,
           attr: str = "stations") -> np.ndarray | None:
    """Demand × sites driving minutes (station → demand), C-contiguous float64."""
    n, m = len(dm.ids), len(sites)
    if times is None:
        times = getattr(county, "network", None) if county is not None else None
        if times is None:
            probs.param("times", "a Network or a DataFrame of minutes labelled by demand and station ids "
                        "(or a county with a network)", None)
            return None
    if isinstance(times, pd.DataFrame):
        rows = [str(i) for i in times.index]
        cols = [str(c) for c in times.columns]
        df = times.copy()
        df.index, df.columns = rows, cols
        site_ids = list(sites.index)
        if set(dm.ids) <= set(rows) and set(site_ids) <= set(cols):
            mat = df.loc[dm.ids, site_ids]
        elif set(dm.ids) <= set(cols) and set(site_ids) <= set(rows):
            mat = df.loc[site_ids, dm.ids].T
        else:
            miss_d = [i for i in dm.ids if i not in set(rows) and i not in set(cols)]
            miss_s = [i for i in site_ids if i not in set(rows) and i not in set(cols)]
            probs.add(f"The 'times' parameter of {probs.func} must be labelled by every demand id and every "
                      f"{attr[:-1] if attr.endswith('s') else attr} id (demand × sites or sites × demand). "
                      f"Missing demand ids {describe_positions(range(len(miss_d)), miss_d) or 'none'}; "
                      f"missing {attr} ids {describe_positions(range(len(miss_s)), miss_s) or 'none'}.")
            return None
        T = pd.DataFrame(mat).apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    elif hasattr(times, "travel_times"):
        bad_d = list(range(n)) if "node" not in demand_df.columns else \
            [k for k, v in enumerate(demand_df["node"].astype(object).tolist()) if _is_missing(v)]
        bad_s = [k for k, v in enumerate(sites["node"].astype(object).tolist()) if _is_missing(v)] \
            if "node" in sites.columns else list(range(m))
        if bad_s:
            probs.add(f"{attr.capitalize()} off the network: ids {describe_positions(bad_s, list(sites.index))} "
                      f"have no road node ('node' column) in {probs.func}.")
        if bad_d:
            probs.add(f"Demand points off the network: ids {describe_positions(bad_d, dm.ids)} have no road node "
                      f"('node' column) in {probs.func}.")
        if bad_s or bad_d:
            return None
        s_nodes, d_nodes = _node_list(sites["node"]), _node_list(demand_df["node"])
        known = _network_nodes(times)
        if known is not None:
            off_s = [k for k, v in enumerate(s_nodes) if v not in known]
            off_d = [k for k, v in enumerate(d_nodes) if v not in known]
            if off_s:
                probs.add(f"{attr.capitalize()} off the network: ids {describe_positions(off_s, list(sites.index))} "
                          f"have nodes {describe_positions(off_s, s_nodes)} that are not in the road network.")
            if off_d:
                probs.add(f"Demand points off the network: ids {describe_positions(off_d, dm.ids)} have nodes "
                          f"{describe_positions(off_d, d_nodes)} that are not in the road network.")
            if off_s or off_d:
                return None
        try:
            T = np.asarray(times.travel_times(s_nodes, d_nodes), dtype=np.float64).T
        except (KeyError, IndexError, ValueError) as exc:
            probs.add(f"The road network could not give travel times for {attr} and demand nodes in "
                      f"{probs.func} (nodes off the network?): {exc}")
            return None
    else:
        T = np.asarray(times, dtype=np.float64) if not sp.issparse(times) else times.toarray()
        if T.shape != (n, m):
            probs.param("times", f"a matrix of shape ({n}, {m}) (demand × {attr}), a labelled DataFrame or a "
                        f"Network", f"shape {T.shape}")
            return None
    if T.shape != (n, m):  # pragma: no cover - guarded by the branches above
        probs.param("times", f"shape ({n}, {m})", T.shape)
        return None
    nan = np.nonzero(np.isnan(T).any(axis=1))[0]
    if nan.size:
        probs.add(f"The 'times' parameter of {probs.func} must not contain NaN (use inf for unreachable). "
                  f"Got NaN for demand ids {describe_positions(nan, dm.ids)}.")
    with np.errstate(invalid="ignore"):
        neg = np.nonzero((T < 0).any(axis=1))[0]
    if neg.size:
        probs.add(f"The 'times' parameter of {probs.func} must be non-negative minutes. Got negative values "
                  f"for demand ids {describe_positions(neg, dm.ids)}.")
    return np.ascontiguousarray(T)


def _network_nodes(net):
    """The set of node labels of a Network, when it exposes them (None otherwise)."""
    for name in ("nodes", "node_ids", "node_labels", "labels"):
        v = getattr(net, name, None)
        if v is None or callable(v):
            continue
        try:
            return set(v.tolist() if hasattr(v, "tolist") else list(v))
        except TypeError:  # pragma: no cover - exotic containers
            return None
    return None


# =====================================================================================
# Assessment
# =====================================================================================


def _venue_kind(kind: str) -> str:
    k = re.sub(r"[_\-]+", " ", str(kind).strip().lower())
    if "crowd" in k or "人员密集" in k:
        return "crowded"
    if "hazard" in k or "危险" in k or "hazmat" in k:
        return "hazardous"
    return "other"


@dataclass(frozen=True)
class FireAssessment:
    """Fire stations measured against a standard (frozen; built by :func:`assess`).

    Attributes
    ----------
    standard : FireStandard
    travel_budget : float
        Minutes of driving the standard leaves after turnout (station → demand point).
    coverage_share : float
        Population share of in-scope demand points reached within ``travel_budget``
        (``nan`` when the in-scope population is 0).
    area_share : float
        Area share of in-scope points reached within ``travel_budget``.
    covered_population, scope_population : float
    stations : pandas.DataFrame
        Indexed by station id: ``station_class``, ``urban_edge``, ``has_district``,
        ``n_points``, ``area_km2``, ``population``, ``edge_minutes`` (slowest driving minutes in
        the district, turnout excluded), ``travel_percentile_minutes`` (driving minutes at the
        standard's percentile of the district's incidents: the slowest point under GB 51080, the
        90th percentile under NFPA 1710; the figure ``edge_ok`` and the travel rule judge),
        ``area_limit_km2`` (NaN where the class has no limit), ``area_ok``, ``edge_ok``, ``staff``,
        ``staff_required``, ``staff_ok``, ``vehicles`` (fire vehicles, :func:`station_vehicles`),
        ``vehicles_required``, ``vehicles_ok``, ``crowded_venue_m``, ``hazardous_m``,
        ``setback_ok``, ``setback_violations``, ``failed_rules``, ``compliant``.
    points : pandas.DataFrame
        Indexed by demand id: ``in_scope``, ``population``, ``area_m2``, ``station`` (the
        station that reaches it first), ``district`` (the same, in-scope points only),
        ``travel_minutes``, ``budget_minutes``, ``covered``, ``high_risk`` and, when the
        standard has a full alarm, ``full_alarm_minutes``.
    checks : pandas.DataFrame
        One row per rule evaluated: ``scope`` (station id or ``"county"``), ``rule``,
        ``clause``, ``check``, ``value``, ``operator``, ``threshold``, ``unit``, ``passed``
        (NA where the data are missing), ``status`` (provenance of the threshold).
    uncovered : list of str
        In-scope demand points not reached within the standard.
    unreachable : list of str
        In-scope demand points no station can reach at all.
    travel_percentile : float
        Driving minutes of the first unit at the standard's percentile of incidents
        (weights: ``incidents_per_year`` when given, else population); for
        ``percentile=1`` the slowest in-scope point.
    full_alarm_percentile : float
        Minutes until the full first alarm (several stations' units together) is on scene,
        at the same percentile; NaN when the standard has no full alarm.
    rural : dict
        Out-of-scope (rural) points against the township profile: ``points``,
        ``population``, ``travel_budget``, ``covered_population``, ``covered_share``,
        ``uncovered``, ``status`` (provenance).
    compliant : bool
        Every county-level check and every station passed.
    notes : tuple of str
    """

    standard: FireStandard
    travel_budget: float
    coverage_share: float
    area_share: float
    covered_population: float
    scope_population: float
    stations: pd.DataFrame
    points: pd.DataFrame
    checks: pd.DataFrame
    uncovered: list
    unreachable: list
    travel_percentile: float
    full_alarm_percentile: float
    rural: dict
    compliant: bool
    notes: tuple = ()

    @property
    def n_uncovered(self) -> int:
        return len(self.uncovered)

    def to_frame(self, kind: str = "stations") -> pd.DataFrame:
        """``"stations"`` (one row per station), ``"points"`` (per demand point) or ``"checks"``."""
        frames = {"stations": self.stations, "points": self.points, "checks": self.checks}
        if kind not in frames:
            raise ValidationError(
                f"The 'kind' parameter of FireAssessment.to_frame must be one of {sorted(frames)}. "
                f"Got {kind!r} instead.")
        return frames[kind].copy()

    def to_dict(self) -> dict:
        """JSON-serialisable figures (``json.dumps`` works on it)."""
        st = self.stations.reset_index()
        return to_jsonable({
            "standard": self.standard.name,
            "travel_budget": self.travel_budget,
            "turnout_minutes": self.standard.turnout_minutes,
            "coverage_share": self.coverage_share,
            "area_share": self.area_share,
            "covered_population": self.covered_population,
            "scope_population": self.scope_population,
            "travel_percentile": self.travel_percentile,
            "percentile": self.standard.percentile,
            "full_alarm_percentile": self.full_alarm_percentile,
            "uncovered": list(self.uncovered),
            "unreachable": list(self.unreachable),
            "compliant": self.compliant,
            "stations": st,
            "checks": self.checks,
            "rural": self.rural,
            "notes": list(self.notes),
        })

    def summary(self) -> str:
        """A short text a planner reads."""
        s = self.standard
        st = self.stations
        dist = st[st["has_district"]]
        lines = [
            f"Fire stations against {s.name}: {len(st)} stations ({len(dist)} with districts); travel budget "
            f"{self.travel_budget:g} min (response {s.response_minutes:g} min less turnout {s.turnout_minutes:g} min).",
            f"In-scope ({s.scope}) population reached: {_pct(self.coverage_share)} "
            f"({self.covered_population:,.0f} of {self.scope_population:,.0f}); area {_pct(self.area_share)}; "
            f"{len(self.uncovered)} points not reached ({len(self.unreachable)} unreachable).",
            (f"Slowest in-scope point: {self.travel_percentile:.2f} min of driving" if s.percentile >= 1 else
             f"Driving at the {s.percentile:.0%} percentile of incidents: {self.travel_percentile:.2f} min")
            + (f"; full alarm: {self.full_alarm_percentile:.2f} min (limit {s.full_alarm_minutes:g})"
               if np.isfinite(s.full_alarm_minutes) else "") + ".",
        ]
        over = dist[dist["area_ok"].eq(False)]
        if len(over):
            lines.append("Districts over their area limit: " + ", ".join(
                f"{i} {r.area_km2:.2f}/{r.area_limit_km2:g} km²" for i, r in over.iterrows()) + ".")
        bad = st[~st["compliant"]]
        lines.append(f"Stations compliant: {len(st) - len(bad)}/{len(st)}"
                     + (f" (failing: {', '.join(f'{i} [{r}]' for i, r in bad['failed_rules'].items())})" if len(bad) else "")
                     + ".")
        if self.rural.get("points", 0):
            lines.append(f"Rural points (township profile {self.rural['travel_budget']:g} min driving, "
                         f"{self.rural['status']}): {_pct(self.rural['covered_share'])} of population reached.")
        ev = self.checks[self.checks["passed"].notna()]
        unconf = sorted({r for r, st_ in zip(ev["rule"], ev["status"])
                         if r and not str(st_).upper().startswith("CONFIRMED")})
        if unconf:
            lines.append(f"Thresholds used that are not confirmed: {', '.join(unconf)}.")
        lines.append("Overall: " + ("COMPLIANT" if self.compliant else "NOT COMPLIANT") + ".")
        return "\n".join(lines)

    def plot(self, ax=None, *, demand_xy=None, station_xy=None):
        """District map coloured by station, points not reached marked ``x`` (needs matplotlib).

        Coordinates come from the ``x``/``y`` columns kept in ``points`` / ``stations``.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - optional extra
            raise ImportError("FireAssessment.plot needs matplotlib: pip install 'yingji[plot]'") from exc
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 7))
        pts, st = self.points, self.stations
        codes = pd.Categorical(pts["station"].astype(object).where(pts["station"].notna(), None),
                               categories=list(st.index)).codes
        inscope = pts["in_scope"].to_numpy(bool)
        ax.scatter(pts["x"][inscope], pts["y"][inscope], c=codes[inscope], cmap="tab20", s=14,
                   label="in-scope points (colour = district)")
        ax.scatter(pts["x"][~inscope], pts["y"][~inscope], c="lightgrey", s=8, label="rural points")
        unc = pts.index.isin(self.uncovered)
        ax.scatter(pts["x"][unc], pts["y"][unc], marker="x", c="red", s=30, label="not reached")
        ax.scatter(st["x"], st["y"], marker="^", c="black", s=80, label="stations")
        for i, r in st.iterrows():
            ax.annotate(str(i), (r["x"], r["y"]), fontsize=8)
        ax.set_aspect("equal")
        ax.set_title(f"Fire districts ({self.standard.name}, {self.travel_budget:g} min)")
        ax.legend(loc="best", fontsize=7)
        return ax


def _fmt(x: float) -> str:
    """A figure a planner reads: thousands separated, no exponent."""
    if x is None or not np.isfinite(x):
        return str(x)
    return f"{x:,.0f}" if abs(x) >= 1000 or float(x).is_integer() else f"{x:,.4g}"


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.1%}"


#: Unit types that count as fire vehicles (消防车) for the 建标152-2017 vehicle and staffing rules
#: (S3-021..S3-025). 建标152-2017 (城市消防站建设标准) 第十五条 lists a station's 消防车 as fire-fighting
#: (水罐/泡沫 engines, tankers), aerial (云梯/登高平台/举高喷射 ladders), special-service (抢险救援 rescue,
#: 化学事故抢险救援/防化洗消 hazmat, 排烟, 照明, 通信指挥, 供气) and logistics-support (器材, 供液, 供水)
#: vehicles; an ambulance (救护车) is a medical vehicle, not a 消防车, and does not count.
FIRE_VEHICLE_TYPES = frozenset({
    "engine", "pumper", "tanker", "foam", "ladder", "aerial", "truck", "platform", "rescue", "hazmat",
    "smoke", "lighting", "command", "air", "supply", "equipment", "water_supply"})


def station_vehicles(stations: pd.DataFrame, units: pd.DataFrame | None = None) -> np.ndarray:
    """Fire vehicles (消防车) per station: the one count the fire assessment and the compliance
    metrics (S3-021 staff per vehicle, S3-022..S3-025 vehicles per class) both use.

    A station listed in the ``units`` table (columns ``station``, ``type``) has as many vehicles
    as it has units whose type is in :data:`FIRE_VEHICLE_TYPES` (case-insensitive; ambulances
    and other non-fire units are not counted); a station the units table does not list counts
    its ``engines + ladders``; NaN when neither is known.

    Parameters
    ----------
    stations : pandas.DataFrame
        Indexed by station id; optional columns ``engines``, ``ladders`` (vehicles).
    units : pandas.DataFrame, optional
        One row per unit: ``station`` (id), ``type``.

    Returns
    -------
    numpy.ndarray of float
        Vehicles per station, in the order of ``stations``.

    References
    ----------
    .. [1] 建标152-2017 城市消防站建设标准, 第十五条 (消防车辆配备) and 第二十二条 (执勤人员按每车平均
       6 人计算).
    """
    ids = [str(i) for i in stations.index]
    e = pd.to_numeric(stations["engines"], errors="coerce").to_numpy(float) if "engines" in stations.columns \
        else np.full(len(ids), np.nan)
    lad = pd.to_numeric(stations["ladders"], errors="coerce").to_numpy(float) if "ladders" in stations.columns \
        else np.full(len(ids), np.nan)
    known = np.isfinite(e) | np.isfinite(lad)
    out = np.where(known, np.nan_to_num(e) + np.nan_to_num(lad), np.nan)
    if units is not None and isinstance(units, pd.DataFrame) and len(units) \
            and {"station", "type"} <= set(units.columns):
        ust = units["station"].astype(str)
        fire_rows = units["type"].astype(str).str.strip().str.lower().isin(FIRE_VEHICLE_TYPES)
        listed = set(ust)
        counts = ust[fire_rows].value_counts()
        out = np.array([float(counts.get(i, 0)) if i in listed else v for i, v in zip(ids, out)])
    return out


def _units_per_station(st: pd.DataFrame, units: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Companies (engines + ladders) per station; from the units table when the stations lack counts."""
    e = st["engines"].to_numpy(float)
    l_ = st["ladders"].to_numpy(float)
    if np.nansum(e) + np.nansum(l_) > 0:
        return np.nan_to_num(e) + np.nan_to_num(l_), "stations' engines + ladders"
    if units is not None and len(units) and {"station", "type"} <= set(units.columns):
        kinds = units["type"].astype(str).str.lower()
        ok = kinds.isin(["engine", "ladder", "aerial", "truck"])
        counts = units.loc[ok, "station"].astype(str).value_counts()
        return np.array([float(counts.get(i, 0)) for i in st.index]), "units table (engines and ladders)"
    return np.ones(len(st)), "one company per station (no engines/ladders/units given)"


def _evaluate(std: FireStandard, st: pd.DataFrame, dm: _Demand, T: np.ndarray, venues: pd.DataFrame,
              units: pd.DataFrame | None, notes: list[str]) -> FireAssessment:
    """The assessment of stations ``st`` (normalised) over demand ``dm`` with times ``T`` (n × s)."""
    tol = config.COVER_TOL
    n, s = T.shape
    cls = st["station_class"].tolist()
    has_d = np.array([std.has_district(c) for c in cls], dtype=bool)
    act = np.nonzero(has_d)[0]
    Ta = np.ascontiguousarray(T[:, act]) if act.size else np.full((n, 0), np.inf)
    if act.size:
        loc, tmin = _nearest_station(Ta)
    else:
        loc, tmin = np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    pos = np.where(loc >= 0, act[np.clip(loc, 0, None)] if act.size else -1, -1).astype(np.int64)
    in_scope = dm.urban.copy() if std.scope == "urban" else np.ones(n, dtype=bool)
    area_km2 = np.ascontiguousarray(np.nan_to_num(dm.area_m2) / 1e6)
    pop = np.ascontiguousarray(np.nan_to_num(dm.population))
    a_sum, p_sum, edge, count = _district_totals(pos, np.ascontiguousarray(tmin), area_km2, pop, in_scope, s)
    budget = std.travel_budget
    rural_budget = std.rural_travel_budget
    covered_scope = in_scope & (tmin <= budget + tol)
    scope_pop = float(pop[in_scope].sum())
    cov_pop = float(pop[covered_scope].sum())
    scope_area = float(area_km2[in_scope].sum())
    coverage_share = cov_pop / scope_pop if scope_pop > 0 else float("nan")
    area_share = float(area_km2[covered_scope].sum()) / scope_area if scope_area > 0 else float("nan")
    ids_arr = np.asarray(dm.ids, dtype=object)
    uncovered = ids_arr[in_scope & ~covered_scope].tolist()
    unreachable = ids_arr[in_scope & (pos < 0)].tolist()
    inc = dm.incidents
    if np.isfinite(inc).any() and np.nansum(inc[in_scope]) > 0:
        w_inc, w_name = np.nan_to_num(inc), "incidents_per_year"
    elif scope_pop > 0:
        w_inc, w_name = pop, "population"
    else:
        w_inc, w_name = np.ones(n), "points"
    travel_pct = weighted_percentile(tmin[in_scope], w_inc[in_scope], std.percentile) if in_scope.any() else float("nan")
    # per station: the same percentile over its own district (the slowest point when percentile = 1,
    # as GB 51080-2015 4.1.3 reads; NFPA 1710 4.1.2.1 judges travel at the 90th percentile of incidents)
    if std.percentile >= 1.0:
        st_pct = edge.astype(float).copy()
    else:
        st_pct = np.full(s, np.nan)
        for j in np.unique(pos[in_scope & (pos >= 0)]):
            sel = in_scope & (pos == j)
            wj = w_inc[sel]
            if not (wj > 0).any():
                # a district with no recorded incidents: its population, else its points, weigh
                wj = pop[sel] if (pop[sel] > 0).any() else np.ones(int(sel.sum()))
            st_pct[j] = weighted_percentile(tmin[sel], wj, std.percentile)
    # full first alarm: k companies from several stations
    fa_limit = std.full_alarm_minutes
    full_alarm = None
    fa_pct = float("nan")
    companies, comp_src = _units_per_station(st, units)
    if np.isfinite(fa_limit) and std.full_alarm_companies > 0:
        comp_a = np.ascontiguousarray(np.round(companies[act]).astype(np.int64)) if act.size else np.zeros(0, np.int64)
        full_alarm = _kth_arrival(Ta, comp_a, int(std.full_alarm_companies))
        if in_scope.any():
            fa_pct = weighted_percentile(full_alarm[in_scope], w_inc[in_scope], std.percentile)
        notes.append(f"Full alarm = {std.full_alarm_companies} companies "
                     f"(ceil({std.get('full_alarm_personnel'):g} persons / {std.get('crew_per_company'):g} crew)); "
                     f"companies per station from {comp_src}.")
    notes.append(f"Percentiles weighted by {w_name}.")

    # ---------------------------------------------------------------- points
    st_ids = np.asarray(list(st.index), dtype=object)
    station_of = np.where(pos >= 0, st_ids[np.clip(pos, 0, None)] if s else None, None)
    pts = pd.DataFrame(index=pd.Index(dm.ids, name="id", dtype=object))
    pts["in_scope"] = in_scope
    pts["population"] = pop
    pts["area_m2"] = dm.area_m2
    pts["station"] = pd.Series(station_of, index=pts.index, dtype=object)
    pts["district"] = pd.Series(np.where(in_scope, station_of, None), index=pts.index, dtype=object)
    pts["travel_minutes"] = tmin
    pts["budget_minutes"] = np.where(in_scope, budget, rural_budget)
    pts["covered"] = tmin <= pts["budget_minutes"].to_numpy() + tol
    pts["high_risk"] = dm.high_risk
    if full_alarm is not None:
        pts["full_alarm_minutes"] = full_alarm
    if dm.xy is not None:
        pts["x"], pts["y"] = dm.xy[:, 0], dm.xy[:, 1]

    # ---------------------------------------------------------------- rural
    rural_mask = ~in_scope
    r_pop = float(pop[rural_mask].sum())
    r_cov = float(pop[rural_mask & (tmin <= rural_budget + tol)].sum()) if np.isfinite(rural_budget) else float("nan")
    rt = std.threshold("rural_response_minutes")
    rural = {
        "points": int(rural_mask.sum()),
        "population": r_pop,
        "travel_budget": rural_budget,
        "covered_population": r_cov,
        "covered_share": (r_cov / r_pop) if r_pop > 0 else float("nan"),
        "uncovered": ids_arr[rural_mask & ~(tmin <= rural_budget + tol)].tolist(),
        "status": rt.status if rt else "not in profile",
        "clause": rt.clause if rt else "",
    }

    # ---------------------------------------------------------------- stations
    edge_flag = st["urban_edge"].to_numpy(bool)
    limits = np.array([std.area_limit(c, e) for c, e in zip(cls, edge_flag)], dtype=float)
    area_col = np.where(has_d, a_sum, np.nan)
    pop_col = np.where(has_d, p_sum, np.nan)
    edge_col = np.where(has_d, edge, np.nan)
    pct_col = np.where(has_d, st_pct, np.nan)
    staff = st["staff"].to_numpy(float)
    vehicles = station_vehicles(st, units)
    staff_req = np.array([std.get(f"staff_{c}") for c in cls])
    veh_req = np.array([std.get(f"vehicles_{c}") for c in cls])
    spv = std.get("staff_per_vehicle")
    crew = std.get("crew_per_company")

    # setbacks (straight-line metres from the station point)
    crowded_m = np.full(s, np.nan)
    hazard_m = np.full(s, np.nan)
    violations: list[list[str]] = [[] for _ in range(s)]
    sxy = st[["x", "y"]].to_numpy(float)
    if venues is not None and len(venues) and {"x", "y"} <= set(venues.columns):
        kinds = np.array([_venue_kind(k) for k in venues.get("kind", pd.Series("", index=venues.index))])
        vxy = venues[["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        vids = np.asarray([str(i) for i in venues.index], dtype=object)
        for kind, out, key in (("crowded", crowded_m, "setback_crowded_m"),
                               ("hazardous", hazard_m, "setback_hazardous_m")):
            sel = (kinds == kind) & np.isfinite(vxy).all(axis=1)
            if not sel.any():
                continue
            d = np.sqrt(((sxy[:, None, :] - vxy[None, sel, :]) ** 2).sum(axis=2))
            with np.errstate(invalid="ignore"):
                out[:] = np.where(np.isfinite(sxy).all(axis=1), d.min(axis=1), np.nan)
            lim = std.get(key)
            if np.isfinite(lim):
                for j in range(s):
                    close = np.nonzero(d[j] < lim - tol)[0]
                    violations[j] += [f"{vids[sel][k]} ({kind}, {d[j, k]:.0f} m < {lim:g} m)" for k in close]
    elif std.threshold("setback_crowded_m") is not None:
        notes.append("Setbacks not checked: no venues with x/y given.")

    checks: list[dict] = []

    def add(scope, key, check, value, op, thr=None):
        t = std.threshold(key)
        thr_v = t.value if thr is None and t is not None else thr
        if thr_v is None or not np.isfinite(thr_v):
            return None
        if value is None or np.isnan(value):
            passed = pd.NA
        elif op == "<=":
            passed = bool(value <= thr_v + tol)
        else:
            passed = bool(value >= thr_v - tol)
        checks.append({"scope": scope, "rule": t.rule if t else "", "clause": t.clause if t else "",
                       "check": check, "value": value, "operator": op, "threshold": thr_v,
                       "unit": t.unit if t else "", "passed": passed,
                       "status": t.status if t else ""})
        return passed

    bkey = std.budget_key
    for j, sid in enumerate(st.index):
        c = cls[j]
        if has_d[j] and count[j] > 0:
            # the district's driving minutes (slowest point, or the standard's percentile of its
            # incidents) vs the travel budget (response less turnout)
            if std.percentile >= 1.0:
                add(sid, bkey, "edge_minutes <= travel_budget", float(edge_col[j]), "<=", budget)
            else:
                add(sid, bkey, f"travel at the {std.percentile:.0%} percentile of the district <= travel_budget",
                    float(pct_col[j]), "<=", budget)
        if has_d[j]:
            key = "area_limit_edge_km2" if edge_flag[j] and "area_limit_edge_km2" in std.values else f"area_limit_{c}_km2"
            add(sid, key, "area_km2 <= area_limit_km2", float(area_col[j]), "<=")
        add(sid, f"staff_{c}", f"staff >= staff_{c}", float(staff[j]), ">=")
        add(sid, f"vehicles_{c}", f"vehicles >= vehicles_{c}", float(vehicles[j]), ">=")
        if np.isfinite(spv) and np.isfinite(vehicles[j]):
            add(sid, "staff_per_vehicle", "staff >= staff_per_vehicle * vehicles", float(staff[j]), ">=",
                spv * vehicles[j])
        if np.isfinite(crew) and np.isfinite(vehicles[j]):
            add(sid, "crew_per_company", "staff >= crew_per_company * companies", float(staff[j]), ">=",
                crew * vehicles[j])
        add(sid, "setback_crowded_m", "nearest crowded venue >= setback", float(crowded_m[j]), ">=")
        add(sid, "setback_hazardous_m", "nearest hazardous-goods site >= setback", float(hazard_m[j]), ">=")
    # county level
    if in_scope.any():
        add("county", bkey, f"travel at the {std.percentile:.0%} percentile <= travel_budget", travel_pct, "<=", budget)
    if full_alarm is not None and in_scope.any():
        add("county", "full_alarm_minutes", f"full alarm travel at the {std.percentile:.0%} percentile",
            fa_pct, "<=")
    ck = pd.DataFrame(checks, columns=["scope", "rule", "clause", "check", "value", "operator", "threshold",
                                       "unit", "passed", "status"])
    ck["passed"] = ck["passed"].astype("boolean")

    failed = ck[ck["passed"].eq(False).fillna(False)]
    failed_by = failed.groupby("scope")["rule"].apply(lambda r: ";".join(x or "?" for x in r)).to_dict()
    stf = pd.DataFrame(index=pd.Index(list(st.index), name="id", dtype=object))
    stf["station_class"] = cls
    stf["urban_edge"] = edge_flag
    stf["has_district"] = has_d
    stf["n_points"] = np.where(has_d, count, 0).astype(np.int64)
    stf["area_km2"] = area_col
    stf["population"] = pop_col
    stf["edge_minutes"] = edge_col
    stf["travel_percentile_minutes"] = pct_col
    stf["area_limit_km2"] = limits
    with np.errstate(invalid="ignore"):
        stf["area_ok"] = pd.array(np.where(np.isfinite(limits), area_col <= limits + tol, True), dtype="boolean")
        stf["edge_ok"] = pd.array([pd.NA if (h and c > 0 and not np.isfinite(v)) else bool(v <= budget + tol)
                                   if (h and c > 0) else True for h, c, v in zip(has_d, count, pct_col)],
                                  dtype="boolean")
    stf["staff"] = staff
    stf["staff_required"] = staff_req
    stf["staff_ok"] = _ok_col(staff, staff_req)
    stf["vehicles"] = vehicles
    stf["vehicles_required"] = veh_req
    stf["vehicles_ok"] = _ok_col(vehicles, veh_req)
    stf["crowded_venue_m"] = crowded_m
    stf["hazardous_m"] = hazard_m
    stf["setback_ok"] = [len(v) == 0 for v in violations]
    stf["setback_violations"] = ["; ".join(v) for v in violations]
    stf["failed_rules"] = [failed_by.get(i, "") for i in stf.index]
    stf["compliant"] = stf["failed_rules"].eq("").to_numpy(bool)
    if {"x", "y"} <= set(st.columns):
        stf["x"], stf["y"] = sxy[:, 0], sxy[:, 1]
    compliant = not bool(ck["passed"].eq(False).fillna(False).any())
    return FireAssessment(
        standard=std, travel_budget=float(budget), coverage_share=float(coverage_share),
        area_share=float(area_share), covered_population=cov_pop, scope_population=scope_pop,
        stations=stf, points=pts, checks=ck, uncovered=uncovered, unreachable=unreachable,
        travel_percentile=float(travel_pct), full_alarm_percentile=float(fa_pct), rural=rural,
        compliant=compliant, notes=tuple(dict.fromkeys(notes)),
    )


def _ok_col(value: np.ndarray, required: np.ndarray):
    out = pd.array([pd.NA] * len(value), dtype="boolean")
    ok = np.isfinite(value) & np.isfinite(required)
    with np.errstate(invalid="ignore"):
        out[ok] = value[ok] >= required[ok] - config.COVER_TOL
    return out


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
    return probs, std, st, st_raw, dm, dm_raw, ven, un


def assess(county=None, *, standard="GB51080", stations=None, demand=None, times=None, venues=None,
           units=None, turnout_minutes: float | None = None,
           rural_response_minutes: float | None = None) -> FireAssessment:
    """Assess the fire stations of a county against a standard.

    Each in-scope demand point (``urban`` True under GB 51080) belongs to the district of the
    station that reaches it first (station → point driving minutes; ties go to the station
    listed first). Per station: district area (km², from the points' ``area_m2``), population,
    ``edge_minutes`` (the slowest point of its district, driving only) and the travel time at the
    standard's percentile of its district's incidents (judged against the travel budget), its
    class limit,
    staffing and vehicles against its class, setbacks; county-wide: the population and area
    shares reached within the travel budget, the points not reached, the travel time at the
    standard's percentile and (NFPA 1710) the full first alarm. Rural points are reported
    against the township profile.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``stations``, ``demand``, ``venues``, ``units`` and the ``network`` where
        those arguments are not given.
    standard : str, path, dict or FireStandard, default "GB51080"
        See :func:`load_standard`; None takes the county's profile (``county.meta["standard"]``).
    stations : DataFrame, optional
        Indexed by station id: ``station_class`` (class1 / class2 / small / special /
        logistics), ``node`` (when times come from a network), optional ``engines``,
        ``ladders``, ``staff``, ``x``, ``y`` (metres), ``urban_edge`` / ``new_district`` (bool).
    demand : DataFrame, optional
        Indexed by id: ``population``, ``area_m2``, ``urban`` (bool), optional ``risk``
        (``"high"`` marks high-risk points), ``highrise`` (bool, counted as high-risk),
        ``incidents_per_year``, ``x``, ``y``, ``node``.
    times : Network, DataFrame or array, optional
        Driving minutes. A DataFrame labelled by demand ids and station ids (either
        orientation), an array demand × stations, or a ``Network`` (then
        ``net.travel_times(station_nodes, demand_nodes).T``). Default: the county's network.
    venues : DataFrame, optional
        ``x``, ``y``, ``kind`` ("crowded venue" / "hazardous goods" ...) for the setbacks.
    units : DataFrame, optional
        ``station``, ``type``: companies per station when ``stations`` has no engine/ladder counts.
    turnout_minutes, rural_response_minutes : float, optional
        Replace the profile's values (minutes).

    Returns
    -------
    FireAssessment

    Raises
    ------
    ValidationError
        Missing tables or columns, unknown ``station_class``, demand without ``area_m2`` or
        ``population``, stations or demand off the network, times not matching the ids.

    See Also
    --------
    plan : new stations that bring the county into compliance.

    Notes
    -----
    With travel budget :math:`b`, district :math:`D_j = \\{i : j = \\arg\\min_k t_{ki}\\}` over
    in-scope points, area :math:`A_j = \\sum_{i \\in D_j} a_i`, edge
    :math:`e_j = \\max_{i \\in D_j} t_{ji}` and coverage share
    :math:`\\sum_i p_i [\\min_k t_{ki} \\le b] / \\sum_i p_i`. Setbacks are straight-line
    distances from the station point (the apparatus exit is not located separately), and
    the upwind condition of 4.1.5-3 is not checked.

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范, 4.1.3 (districts, 5 min), 4.1.5 (siting).
    .. [2] 建标152-2017 城市消防站建设标准, 第十四条 (district areas), staffing and vehicles.
    .. [3] NFPA 1710 (2020), 4.1.2.1 (turnout, travel, full alarm at the 90th percentile).

    Examples
    --------
    >>> import pandas as pd
    >>> demand = pd.DataFrame({"population": [100, 50], "area_m2": [2e6, 1e6], "urban": [True, True]},
    ...                       index=["d1", "d2"])
    >>> stations = pd.DataFrame({"station_class": ["class2"]}, index=["s1"])
    >>> times = pd.DataFrame({"s1": [3.0, 6.0]}, index=["d1", "d2"])
    >>> a = assess(stations=stations, demand=demand, times=times)
    >>> round(a.coverage_share, 4), a.uncovered, a.stations.loc["s1", "area_km2"]
    (0.6667, ['d2'], np.float64(3.0))
    """
    func = "fire.assess"
    probs, std, st, _, dm, dm_raw, ven, un = _prepare(
        func, county, standard, stations, demand, times, venues, units,
        {"turnout_minutes": turnout_minutes, "rural_response_minutes": rural_response_minutes})
    T = _times(times, county, dm, st, dm_raw, probs) if not probs.items else None
    probs.raise_if_any()
    return _evaluate(std, st, dm, T, ven, un, [])


# =====================================================================================
# Plan: new stations that reach the standard
# =====================================================================================


@dataclass(frozen=True)
class _FireModel:
    """A built fire-siting model and how to read it."""

    model: Any                 # yingji.solvers.SparseModel
    m: int                     # number of site columns (y come first)
    cov_cols: np.ndarray       # per model row: column of its coverage indicator (-1: never, -2: always)
    n_u: int
    u_rows: np.ndarray | None = None   # area model: row of each u column
    u_sites: np.ndarray | None = None  # area model: the ranked site lists, per u column (k_ir) ...
    u_first: np.ndarray | None = None  # ... and whether the column is rank 0 of its row
    z_within: Any = None               # model without areas: CSR rows-within-budget of the z columns

    def start(self, y_open: np.ndarray) -> np.ndarray:
        """A full column vector for the open set ``y_open`` (MIP start): u / z follow from y."""
        n_cols = self.model.n_cols
        x = np.zeros(n_cols)
        x[: self.m] = y_open.astype(float)
        if self.u_rows is not None and self.n_u:
            # u_ir = 1 once one of the r+1 nearest sites is open: a running max along each row's list
            v = y_open[self.u_sites].astype(float)
            grp = np.cumsum(self.u_first) - 1
            # running max within groups: offset each group so maxima do not leak across rows
            cm = np.maximum.accumulate(v + 2.0 * grp) - 2.0 * grp
            x[self.m:self.m + self.n_u] = np.clip(cm, 0.0, 1.0)
        elif self.z_within is not None and self.z_within.shape[0]:
            zc = self.cov_cols[self.cov_cols >= self.m]
            x[zc] = (self.z_within @ y_open.astype(float) > 0).astype(float)
        return x


def _build_fire_model(C, w, a, fixed, limit, budget, *, mode, site_obj, forced, target_weight=None,
                      max_new=None, cost=None, cost_budget=None, backup=None, area=True):
    """Sparse MIP for fire-station siting with district-area limits.

    Columns: ``y_j`` (site open, binary; fixed sites have lower bound 1), then per model row
    ``i`` and rank ``r`` of its sorted site list a cumulative ``u_ir`` = "one of the r+1 nearest
    sites is open" (continuous, exact given binary ``y``); without area limits a coverage
    indicator ``z_i`` per row instead.

    Parameters
    ----------
    C : ndarray (n, m)
        Station → demand minutes of the in-scope rows that some site can reach.
    w, a : ndarray (n,)
        Population weights, areas (km²).
    fixed : ndarray of bool (m,)
    limit : ndarray (m,)
        District-area limit (km², ``inf`` for none).
    budget : float
        Travel budget (minutes).
    mode : {"min", "max"}
        ``"min"``: minimise ``site_obj · y`` (LSCP / partial cover); ``"max"``: maximise the
        covered weight (MCLP).
    forced : ndarray of bool (n,)
        Rows that must be covered.
    target_weight : float, optional
        Covered weight required over the rows not forced ("min" mode).
    max_new, cost, cost_budget : optional
        At most ``max_new`` new sites; total ``cost`` of new sites at most ``cost_budget``.
    backup : list of (ndarray of int, int), optional
        ``(sites within the backup radius, how many must be open)`` per high-risk row.
    area : bool
        Add the closest-assignment rows and the district-area limits.
    """
    from yingji.solvers import SparseModel

    tol = config.COVER_TOL
    n, m = C.shape
    rows_i: list[np.ndarray] = []
    rows_j: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    n_rows = 0

    def add_rows(r, c, v, l_, h_):
        nonlocal n_rows
        rows_i.append(np.asarray(r, dtype=np.int64) + n_rows)
        rows_j.append(np.asarray(c, dtype=np.int64))
        rows_v.append(np.asarray(v, dtype=np.float64))
        lo.append(np.asarray(l_, dtype=np.float64))
        hi.append(np.asarray(h_, dtype=np.float64))
        n_rows += len(l_)

    new = ~fixed
    col_lo = [np.where(fixed, 1.0, 0.0)]
    col_hi = [np.ones(m)]
    integ = [np.ones(m, dtype=bool)]
    cov_cols = np.full(n, -1, dtype=np.int64)
    within = C <= budget + tol
    n_cols = m
    if area:
        order = np.argsort(C, axis=1, kind="stable")
        Cs = np.take_along_axis(C, order, axis=1)
        fin = np.isfinite(Cs)
        fx = fixed[order] & fin
        n_fin = fin.sum(axis=1)
        has_fx = fx.any(axis=1)
        cut = np.where(has_fx, fx.argmax(axis=1) + 1, n_fin)
        n_within = (Cs <= budget + tol).sum(axis=1)
        R = np.where(forced, np.minimum(cut, n_within), cut)
        keep = np.arange(m)[None, :] < R[:, None]
        n_u = int(keep.sum())
        uid = np.full((n, m), -1, dtype=np.int64)
        uid[keep] = m + np.arange(n_u)
        ii, rr = np.nonzero(keep)
        kk = order[ii, rr]
        prev = np.where(rr > 0, uid[ii, np.maximum(rr - 1, 0)], -1)
        has_prev = prev >= 0
        ulo = np.zeros(n_u)
        last = uid[np.arange(n), np.maximum(R - 1, 0)]
        must = (R > 0) & (forced | (has_fx & (cut == R)))
        ulo[last[must] - m] = 1.0
        col_lo.append(ulo)
        col_hi.append(np.ones(n_u))
        integ.append(np.zeros(n_u, dtype=bool))
        n_cols += n_u
        e = np.arange(n_u)
        u = m + e
        # (a) u_ir - y_k >= 0 : the row is assigned as soon as one of its r+1 nearest is open
        add_rows(np.r_[e, e], np.r_[u, kk], np.r_[np.ones(n_u), -np.ones(n_u)], np.zeros(n_u), np.full(n_u, np.inf))
        # (b) u_ir - u_i,r-1 - y_k <= 0 : x_ik = u_ir - u_i,r-1 only where k is open
        pe = e[has_prev]
        add_rows(np.r_[e, e, pe], np.r_[u, kk, prev[has_prev]],
                 np.r_[np.ones(n_u), -np.ones(n_u), -np.ones(pe.size)], np.full(n_u, -np.inf), np.zeros(n_u))
        # (c) u_ir - u_i,r-1 >= 0
        k2 = pe.size
        ep = np.arange(k2)
        add_rows(np.r_[ep, ep], np.r_[u[has_prev], prev[has_prev]], np.r_[np.ones(k2), -np.ones(k2)],
                 np.zeros(k2), np.full(k2, np.inf))
        # (d) district area: sum_i a_i (u_ir - u_i,r-1) - L_j y_j <= 0 for sites with a limit
        lim_sites = np.nonzero(np.isfinite(limit))[0]
        if lim_sites.size:
            row_of = np.full(m, -1, dtype=np.int64)
            row_of[lim_sites] = np.arange(lim_sites.size)
            sel = row_of[kk] >= 0
            ai = a[ii]
            r1, c1, v1 = row_of[kk[sel]], u[sel], ai[sel]
            selp = sel & has_prev
            r2, c2, v2 = row_of[kk[selp]], prev[selp], -ai[selp]
            add_rows(np.r_[r1, r2, np.arange(lim_sites.size)], np.r_[c1, c2, lim_sites],
                     np.r_[v1, v2, -limit[lim_sites]], np.full(lim_sites.size, -np.inf), np.zeros(lim_sites.size))
            # aggregate cut: the districts of all open sites hold every row that is surely assigned
            if np.isfinite(limit).all():
                sure = np.nonzero(must)[0]
                add_rows(np.zeros(m, dtype=np.int64), np.arange(m), limit, [float(a[sure].sum())], [np.inf])
        # coverage of row i = u at its last rank within the budget
        b = np.minimum(n_within, R) - 1
        okb = b >= 0
        cov_cols[okb] = uid[np.nonzero(okb)[0], b[okb]]
        extra = {"u_rows": ii, "u_sites": kk, "u_first": rr == 0}
    else:
        n_u = 0
        extra = {}
        # forced rows: sum_{j within} y_j >= 1 (rows a fixed site covers are dropped)
        fixed_cov = (within & fixed[None, :]).any(axis=1)
        cov_cols[fixed_cov] = -2
        fr = np.nonzero(forced & ~fixed_cov)[0]
        if fr.size:
            sub = sp.csr_matrix(within[fr])
            sub.sort_indices()
            rr_ = np.repeat(np.arange(fr.size), np.diff(sub.indptr))
            add_rows(rr_, sub.indices, np.ones(sub.nnz), np.ones(fr.size), np.full(fr.size, np.inf))
            cov_cols[fr] = -2
        zr = np.nonzero(~forced & ~fixed_cov & within.any(axis=1))[0]
        if zr.size:
            nz = zr.size
            zc = m + np.arange(nz)
            col_lo.append(np.zeros(nz))
            col_hi.append(np.ones(nz))
            integ.append(np.zeros(nz, dtype=bool))
            n_cols += nz
            sub = sp.csr_matrix(within[zr])
            rr_ = np.repeat(np.arange(nz), np.diff(sub.indptr))
            # z_i - sum_{j within} y_j <= 0
            add_rows(np.r_[np.arange(nz), rr_], np.r_[zc, sub.indices], np.r_[np.ones(nz), -np.ones(sub.nnz)],
                     np.full(nz, -np.inf), np.zeros(nz))
            cov_cols[zr] = zc
            extra = {"z_within": sp.csr_matrix(within[zr].astype(np.float64))}
    # objective
    c = np.zeros(n_cols)
    if mode == "min":
        c[:m] = np.where(new, site_obj, 0.0)
    else:
        var = cov_cols >= 0
        np.add.at(c, cov_cols[var], w[var])
    offset = 0.0
    if mode == "max":
        offset = float(w[cov_cols == -2].sum())
    # covered-weight target over the rows not forced
    if target_weight is not None and np.isfinite(target_weight):
        var = (cov_cols >= 0) & ~forced
        const = float(w[(cov_cols == -2) | forced].sum())
        need = target_weight - const
        if need > tol:
            add_rows(np.zeros(var.sum(), dtype=np.int64), cov_cols[var], w[var], [need], [np.inf])
    if max_new is not None:
        nn = np.nonzero(new)[0]
        add_rows(np.zeros(nn.size, dtype=np.int64), nn, np.ones(nn.size), [-np.inf], [float(max_new)])
    if cost_budget is not None:
        nn = np.nonzero(new)[0]
        add_rows(np.zeros(nn.size, dtype=np.int64), nn, np.nan_to_num(cost[nn]), [-np.inf], [float(cost_budget)])
    if backup:
        br, bc, bl = [], [], []
        for k, (sites, need) in enumerate(backup):
            br.append(np.full(len(sites), k))
            bc.append(np.asarray(sites, dtype=np.int64))
            bl.append(need)
        add_rows(np.concatenate(br), np.concatenate(bc), np.ones(sum(len(x) for x in bc)), bl,
                 np.full(len(bl), np.inf))
    if rows_i:
        A = sp.csr_matrix((np.concatenate(rows_v), (np.concatenate(rows_i), np.concatenate(rows_j))),
                          shape=(n_rows, n_cols))
        row_lo, row_hi = np.concatenate(lo), np.concatenate(hi)
    else:
        A = sp.csr_matrix((0, n_cols))
        row_lo = row_hi = np.zeros(0)
    model = SparseModel(c, A, row_lo, row_hi, np.concatenate(col_lo), np.concatenate(col_hi),
                        np.concatenate(integ), sense=mode, offset=offset, name=f"fire_{mode}")
    return _FireModel(model=model, m=m, cov_cols=cov_cols, n_u=n_u, **extra)


def _covered_by(C, open_mask, budget):
    if not open_mask.any():
        return np.zeros(C.shape[0], dtype=bool)
    return (C[:, open_mask] <= budget + config.COVER_TOL).any(axis=1)


def _district_areas(C, a, open_idx):
    """Area (km²) of each open site's district over the rows of C (nearest open site, ties: lowest column)."""
    out = np.zeros(C.shape[1])
    if open_idx.size == 0:
        return out
    sub = np.ascontiguousarray(C[:, open_idx])
    loc, tmin = _nearest_station(sub)
    ok = loc >= 0
    np.add.at(out, open_idx[loc[ok]], a[ok])
    return out


@dataclass(frozen=True)
class ApparatusPlan:
    """Engines and ladder trucks placed at open stations (FLEET; built by :func:`place_apparatus`).

    Attributes
    ----------
    allocation : pandas.DataFrame
        Indexed by station id: ``engines``, ``ladders``.
    covered_weight : float
        Weight of target points reached by an engine within ``engine_minutes`` and a ladder
        within ``ladder_minutes``.
    covered_share : float
        Its share of the target weight.
    not_covered : list of str
        Target points not reached by both.
    objective, bound, gap : float
    optimal : bool
    status : str
    """

    allocation: pd.DataFrame
    covered_weight: float
    covered_share: float
    not_covered: list
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    engine_minutes: float
    ladder_minutes: float

    def to_frame(self) -> pd.DataFrame:
        return self.allocation.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"allocation": self.allocation.reset_index(), "covered_weight": self.covered_weight,
                            "covered_share": self.covered_share, "not_covered": self.not_covered,
                            "objective": self.objective, "bound": self.bound, "gap": self.gap,
                            "optimal": self.optimal, "status": self.status,
                            "engine_minutes": self.engine_minutes, "ladder_minutes": self.ladder_minutes})

    def summary(self) -> str:
        al = self.allocation
        return (f"Apparatus: {int(al['engines'].sum())} engines and {int(al['ladders'].sum())} ladders at "
                f"{int(((al['engines'] + al['ladders']) > 0).sum())} stations; target points reached by both "
                f"(engine ≤ {self.engine_minutes:g} min, ladder ≤ {self.ladder_minutes:g} min): "
                f"{_pct(self.covered_share)} of weight; {len(self.not_covered)} not; "
                f"{'optimal' if self.optimal else f'gap {self.gap:.2%}'}.")


def _solve(model, solver, time_limit, mip_gap, start=None, stages=None):
    """Solve a fire model: one objective (its own), or ``stages`` in priority order
    (:func:`yingji.solvers.solve_lexicographic`)."""
    from yingji.solvers import solve

    if stages:
        return solve_lexicographic(model, stages, solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                                   start=start)
    return solve(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap, start=start)


def _area_excess(C, a, open_mask, limit) -> float:
    da = _district_areas(C, a, np.nonzero(open_mask)[0])
    return float(np.maximum(da - limit, 0.0)[np.isfinite(limit)].sum())


def _greedy_plan(C, a, fixed, limit, budget, forced, site_obj, area=True):
    """A feasible open set for the LSCP with district-area limits (MIP start), or None.

    Greedy cover of the forced rows (most uncovered rows per unit of objective), then, while a
    district is over its limit, open the candidate that most reduces the total excess area
    (evaluated for every candidate at once), then close new sites that are not needed
    (costliest first).
    """
    tol = config.COVER_TOL
    n, m = C.shape
    within = C <= budget + tol
    op = fixed.copy()
    obj = np.where(site_obj > 0, site_obj, 1e-9)
    unc = forced & ~within[:, op].any(axis=1)
    while unc.any():
        gain = within[unc].sum(axis=0).astype(float)
        gain[op] = 0.0
        if gain.max() <= 0:
            return None
        j = int(np.argmax(gain / obj))
        op[j] = True
        unc &= ~within[:, j]
    fin_lim = np.isfinite(limit)

    def excess_of(mask):
        return _area_excess(C, a, mask, limit) if area else 0.0

    if area:
        for _ in range(m):
            idx = np.nonzero(op)[0]
            loc, t = _nearest_station(np.ascontiguousarray(C[:, idx]))
            cur = np.where(loc >= 0, idx[np.clip(loc, 0, None)], -1)
            da = np.zeros(m)
            ok = cur >= 0
            np.add.at(da, cur[ok], a[ok])
            exc = float(np.maximum(da - limit, 0.0)[fin_lim].sum())
            if exc <= 1e-9:
                break
            col = np.arange(m)[None, :]
            switch = (C < t[:, None]) | ((C == t[:, None]) & (col < cur[:, None]) & np.isfinite(C))
            switch[:, op] = False
            # area each candidate would take, and from whom
            take = (switch * a[:, None]).sum(axis=0)
            onehot = sp.csr_matrix((a[ok], (np.nonzero(ok)[0], cur[ok])), shape=(n, m))
            lost = (sp.csr_matrix(switch.astype(np.float64)).T @ onehot).toarray()  # lost[k, j]
            new_da = da[None, :] - lost
            new_da[np.arange(m), np.arange(m)] += take
            new_exc = np.where(fin_lim[None, :], np.maximum(new_da - limit[None, :], 0.0), 0.0).sum(axis=1)
            new_exc[op] = np.inf
            k = int(np.argmin(new_exc + 1e-12 * obj))
            if not new_exc[k] < exc - 1e-12:
                return None
            op[k] = True
    # drop new sites that are not needed, costliest first
    for j in sorted(np.nonzero(op & ~fixed)[0], key=lambda j: -obj[j]):
        op[j] = False
        if (forced & ~within[:, op].any(axis=1)).any() or (area and excess_of(op) > 1e-9):
            op[j] = True
    return op


@dataclass(frozen=True)
class FirePlan:
    """New fire stations that bring a county to the standard (frozen; built by :func:`plan`).

    Attributes
    ----------
    new_stations : list of str
        Candidate ids chosen (existing stations are kept).
    before, after : FireAssessment
        The assessment without and with the new stations (recomputed from travel times,
        not taken from the model).
    model : str
        ``"lscp"`` (fewest stations reaching every point any site can reach), ``"partial"``
        (fewest reaching ``target`` of the coverable population), ``"mclp"`` (best coverage
        when ``budget`` binds) or ``"none"`` (nothing to decide).
    objective, bound, gap : float
        Of the decisive solve's first objective (``gap = |objective - bound| / max(|objective|, 1e-9)``):
        the number of new stations (``objective="count"``), their cost (``"cost"``) or the covered
        population (``model="mclp"``).
    optimal : bool
        Every stage proven (for ``objective="count"`` with costs: the count and, among plans with
        that count, the cost).
    status : str
        ``"optimal"`` or ``"time_limit"``.
    cost : float
        Total ``cost`` of the new stations (NaN costs count as 0).
    target : float
        Share of the coverable in-scope population to reach.
    target_met : bool
        Checked on ``after`` by travel times.
    unreachable : list of str
        In-scope points no station or candidate reaches within the travel budget (listed,
        not raised).
    tradeoff : pandas.DataFrame
        Coverage against the number of *new* stations 0, 1, ...: ``new_stations``,
        ``covered_population``, ``covered_share`` (of the in-scope population), ``bound``
        (proven upper bound on the covered population), ``optimal``, ``area_ok`` (whether that
        set also meets the district-area limits) and ``sites``. The curve is the plain MCLP
        (:func:`yingji.mclp`): with area limits, few stations are often infeasible, and the
        curve shows what each station buys in coverage.
    relaxed_limits : dict
        Existing stations whose district cannot meet its limit whatever is built (their minimal
        district, km², used as their limit in the model).
    backup_short : list of str
        High-risk points with fewer than two sites within the backup radius.
    apparatus : ApparatusPlan or None
    area_limits : bool
    seconds : float
    notes : tuple of str
    stages : tuple of yingji.solvers.Stage
        For ``objective="count"`` with candidate costs, the two stages of the lexicographic
        solve: ``count`` (new stations; ``bound`` proven over all plans) and ``cost`` (their
        cost; ``bound`` proven over the plans with that many new stations). Empty otherwise.
    """

    new_stations: list
    before: FireAssessment
    after: FireAssessment
    model: str
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    cost: float
    target: float
    target_met: bool
    unreachable: list
    tradeoff: pd.DataFrame
    relaxed_limits: dict
    backup_short: list
    apparatus: ApparatusPlan | None
    area_limits: bool
    seconds: float
    notes: tuple = ()
    stages: tuple = ()

    @property
    def n_new(self) -> int:
        return len(self.new_stations)

    def compare(self) -> pd.DataFrame:
        """Before and after side by side (one row per figure)."""
        b, a = self.before, self.after
        rows = {
            "stations": (len(b.stations), len(a.stations)),
            "coverage_share": (b.coverage_share, a.coverage_share),
            "area_share": (b.area_share, a.area_share),
            "covered_population": (b.covered_population, a.covered_population),
            "points_not_reached": (len(b.uncovered), len(a.uncovered)),
            "travel_percentile_minutes": (b.travel_percentile, a.travel_percentile),
            "districts_over_area_limit": (int(b.stations["area_ok"].eq(False).sum()),
                                          int(a.stations["area_ok"].eq(False).sum())),
            "max_district_km2": (float(np.nanmax(np.r_[b.stations["area_km2"].to_numpy(float), 0])),
                                 float(np.nanmax(np.r_[a.stations["area_km2"].to_numpy(float), 0]))),
            "stations_compliant": (int(b.stations["compliant"].sum()), int(a.stations["compliant"].sum())),
            "compliant": (b.compliant, a.compliant),
        }
        if np.isfinite(b.full_alarm_percentile) or np.isfinite(a.full_alarm_percentile):
            rows["full_alarm_percentile_minutes"] = (b.full_alarm_percentile, a.full_alarm_percentile)
        return pd.DataFrame(rows, index=["before", "after"], dtype=object).T.rename_axis("figure")

    def plot(self, ax=None):
        """The districts after the plan, new stations starred (needs matplotlib)."""
        ax = self.after.plot(ax)
        new = self.after.stations.loc[[i for i in self.new_stations if i in self.after.stations.index]]
        if len(new):
            ax.scatter(new["x"], new["y"], marker="*", c="gold", edgecolors="black", s=180, label="new stations")
            ax.legend(loc="best", fontsize=7)
        ax.set_title(f"Fire plan: {self.n_new} new station(s), {_pct(self.before.coverage_share)} -> "
                     f"{_pct(self.after.coverage_share)} reached")
        return ax

    def to_frame(self) -> pd.DataFrame:
        """The new stations with their districts after the plan."""
        st = self.after.stations
        return st.loc[[i for i in self.new_stations if i in st.index]].copy()

    def to_dict(self) -> dict:
        return to_jsonable({
            "new_stations": list(self.new_stations), "n_new": self.n_new, "model": self.model,
            "objective": self.objective, "bound": self.bound, "gap": self.gap, "optimal": self.optimal,
            "status": self.status, "cost": self.cost, "target": self.target, "target_met": self.target_met,
            "unreachable": self.unreachable, "tradeoff": self.tradeoff,
            "relaxed_limits": self.relaxed_limits, "backup_short": self.backup_short,
            "area_limits": self.area_limits, "seconds": self.seconds,
            "before": self.before.to_dict(), "after": self.after.to_dict(),
            "apparatus": self.apparatus.to_dict() if self.apparatus is not None else None,
            "compare": {k: list(v) for k, v in self.compare().iterrows()},
            "notes": list(self.notes), "stages": [st.to_dict() for st in self.stages],
        })

    def summary(self) -> str:
        b, a = self.before, self.after
        lines = [
            f"Fire plan ({self.model}, {self.after.standard.name}, target {self.target:.0%} of coverable population"
            f"{', district-area limits in the model' if self.area_limits else ''}): "
            f"{self.n_new} new station(s) {self.new_stations}"
            + (f", cost {self.cost:,.0f}" if self.cost else "") + ".",
            f"Population reached within {a.travel_budget:g} min: {_pct(b.coverage_share)} -> {_pct(a.coverage_share)}; "
            f"points not reached {len(b.uncovered)} -> {len(a.uncovered)}"
            + (f" ({len(self.unreachable)} no site can reach: {self.unreachable[:10]})" if self.unreachable else "") + ".",
            (("Proven optimal" if self.optimal else f"Not proven ({self.status})") if self.stages else
             ("Proven optimal" if self.optimal else f"Gap {self.gap:.3%} ({self.status})"))
            + ("".join(f"; {st.name} {_fmt(st.objective)} (bound {_fmt(st.bound)}, {st.status})"
                       for st in self.stages))
            + f"; target met: {self.target_met}.",
        ]
        if len(self.tradeoff):
            tr = list(self.tradeoff.itertuples())
            shown = tr if len(tr) <= 12 else tr[:10] + tr[-1:]
            lines.append("Trade-off (new stations: population share reached): " + ", ".join(
                f"{int(r.new_stations)}: {_pct(r.covered_share)}" for r in shown)
                + (f" (rows 10-{len(tr) - 2} in .tradeoff)" if len(tr) > 12 else "") + ".")
        if self.relaxed_limits:
            lines.append("Area limits no plan can meet (minimal districts used): " + ", ".join(
                f"{k} {v:.2f} km²" for k, v in self.relaxed_limits.items()) + ".")
        if self.apparatus is not None:
            lines.append(self.apparatus.summary())
        return "\n".join(lines)


def _fire_candidates(county, candidates, probs: Problems) -> pd.DataFrame:
    df = _table(county, candidates, "candidates", probs, required=False)
    if len(df) and "uses" in df.columns:
        uses = df["uses"].astype(object).where(df["uses"].notna(), "").astype(str)
        keep = uses.map(lambda s: "fire" in {u.strip().lower() for u in s.split(";")}).to_numpy(bool)
        df = df.loc[keep]
    return df


def plan(county=None, *, standard="GB51080", target: float = 1.0, budget: int | None = None,
         cost_budget: float | None = None, objective: str = "count", stations=None, demand=None,
         candidates=None, times=None, venues=None, units=None, area_limits: bool = True,
         backup_minutes: float | None = None, tradeoff: bool = True, tradeoff_max: int | None = None,
         fleet: dict | None = None, turnout_minutes: float | None = None,
         rural_response_minutes: float | None = None, solver=None, time_limit: float = config.TIME_LIMIT,
         mip_gap: float = config.MIP_GAP) -> FirePlan:
    """Plan new fire stations so that the county meets the standard.

    New stations are chosen among the candidate sites whose ``uses`` include ``fire``;
    existing stations stay open (logistics stations take no part). Without ``budget`` the
    plan opens the fewest new stations (ties broken by ``cost``; ``objective="cost"`` for the
    cheapest) that bring every in-scope point that any site can reach within the travel
    budget (LSCP; ``target < 1``: that share of the coverable population). When ``budget``
    (new stations) or ``cost_budget`` binds, it reaches the most population with what is
    allowed (MCLP). District-area limits are part of the model: each in-scope point is
    assigned to its nearest open station (closest-assignment constraints) and every
    district's area stays within its class limit.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``stations``, ``demand``, ``candidates``, ``venues``, ``units`` and the
        network where the arguments are not given.
    standard : str, path, dict or FireStandard, default "GB51080"
    target : float in (0, 1], default 1.0
        Share of the coverable in-scope population to reach.
    budget : int, optional
        At most this many new stations.
    cost_budget : float, optional
        Total ``cost`` of the new stations at most this.
    objective : {"count", "cost"}
        Fewest new stations (ties by cost) or cheapest.
    candidates : DataFrame, optional
        Indexed by id: ``node`` (with a network), ``cost``, ``uses`` (";"-separated; only
        those with ``fire`` are used when the column is present), optional ``station_class``
        (default class1), ``urban_edge``, ``x``, ``y``.
    times : Network, DataFrame or array, optional
        As in :func:`assess`, with columns for the stations followed by the fire candidates.
    area_limits : bool, default True
        Formulate the district-area limits. With False (and no backup) the model is a plain
        LSCP / MCLP solved by :func:`yingji.lscp` / :func:`yingji.mclp` when available.
    backup_minutes : float, optional
        High-risk in-scope points (``risk == "high"``) must have two open stations within this
        many minutes (backup coverage); those with fewer than two sites in reach need all
        they have and are listed in ``backup_short``.
    tradeoff : bool, default True
        Compute coverage against the number of new stations 0, 1, ... (``tradeoff_max``,
        default the plan's count, or ``budget``) with the plain MCLP; ``area_ok`` says whether
        each set meets the district-area limits.
    fleet : dict, optional
        ``{"engines": int, "ladders": int, "engine_minutes": float, "ladder_minutes": float}``:
        place the apparatus at the open stations with :func:`place_apparatus`.
    turnout_minutes, rural_response_minutes : float, optional
        Replace the profile's values.
    solver : None or PuLP solver
        None: HiGHS (highspy). Otherwise a PuLP solver object.
    time_limit : float
        Seconds for the whole call, counted from entry: the plan, its bound from the plan
        without area limits, the trade-off curve and ``fleet`` each get the time left, not
        the whole limit again. Trade-off points no time is left for have no plan (NaN
        coverage, the coverable population as bound) and a note says so.
    mip_gap : float

    Returns
    -------
    FirePlan

    Raises
    ------
    ValidationError
        Bad input (see :func:`assess`), candidate ids clashing with station ids, a bad
        ``target``/``budget``/``objective``.
    InfeasibleError
        No choice of candidates satisfies the district-area limits (or the backup coverage)
        together with the coverage target.

    Notes
    -----
    Sites :math:`j` (existing fixed, :math:`y_j = 1`), in-scope rows :math:`i` with weight
    :math:`w_i` and area :math:`a_i`, times :math:`t_{ij}`, budget :math:`b`. Each row's
    sites are sorted by time (ties by column) :math:`k_{i1}, k_{i2}, \\dots`, cut after the
    first fixed site (it is always open) and, for rows that must be covered, after the last
    site within :math:`b`. Cumulative assignment variables :math:`u_{ir} \\in [0, 1]`:

    .. math::

        u_{ir} \\ge y_{k_{ir}}, \\quad u_{ir} - u_{i,r-1} \\le y_{k_{ir}}, \\quad
        u_{ir} \\ge u_{i,r-1}, \\quad
        \\sum_{(i,r): k_{ir} = j} a_i (u_{ir} - u_{i,r-1}) \\le L_j y_j,

    so :math:`x_{ik_{ir}} = u_{ir} - u_{i,r-1}` is 1 exactly for the nearest open site
    (closest assignment, [3]_), in :math:`O(\\sum_i r_i)` non-zeros instead of
    :math:`O(\\sum_i r_i^2)`. Row :math:`i` is covered iff :math:`u_{i,b_i} = 1`
    (:math:`b_i` its last rank within :math:`b`). LSCP with :math:`u_{i,b_i} = 1` for every
    coverable row [1]_, solved lexicographically (:func:`yingji.solvers.solve_lexicographic`):
    first minimise :math:`N = \\sum_{j\\,new} y_j`, then minimise
    :math:`\\sum_{j\\,new} c_j y_j` subject to :math:`\\sum_{j\\,new} y_j \\le N^*`
    (``objective="cost"``: the cost alone). MCLP: maximise :math:`\\sum_i w_i u_{i,b_i}` with
    :math:`\\sum_{j\\,new} y_j \\le B` [2]_.

    References
    ----------
    .. [1] Toregas, C., Swain, R., ReVelle, C., Bergman, L. (1971). The location of emergency
       service facilities. Operations Research 19(6), 1363-1373.
    .. [2] Church, R., ReVelle, C. (1974). The maximal covering location problem. Papers of the
       Regional Science Association 32, 101-118.
    .. [3] Gerrard, R. A., Church, R. L. (1996). Closest assignment constraints and location
       models: properties and structure. Location Science 4(4), 251-270.
    .. [4] Schilling, D., Elzinga, D. J., Cohon, J., Church, R., ReVelle, C. (1979). The
       TEAM/FLEET models for simultaneous facility and equipment siting. Transportation
       Science 13(2), 163-175.
    .. [5] GB 51080-2015 城市消防规划规范 4.1.3; 建标152-2017 第十四条.
    """
    t0 = time.perf_counter()
    func = "fire.plan"
    probs, std, st, st_raw, dm, dm_raw, ven, un = _prepare(
        func, county, standard, stations, demand, times, venues, units,
        {"turnout_minutes": turnout_minutes, "rural_response_minutes": rural_response_minutes})
    cand_raw = _fire_candidates(county, candidates, probs)
    cand = _check_stations(cand_raw, std, probs, attr="candidates", default_class="class1")
    logi = [k for k, c in enumerate(cand["station_class"]) if not std.has_district(c)]
    if logi:
        probs.add(f"The 'candidates' parameter of {func} must not have classes without a district "
                  f"({list(std.no_district_classes)}): ids {describe_positions(logi, list(cand.index))}.")
    clash = sorted(set(cand.index) & set(st.index))
    if clash:
        probs.add(f"The 'candidates' parameter of {func} must use ids different from the stations'. "
                  f"Got shared ids {clash[:10]}.")
    ccost = _numeric(cand_raw, "cost", "candidates", probs, required=False, what="cost of building")
    if objective not in ("count", "cost"):
        probs.param("objective", "'count' or 'cost'", objective)
    elif objective == "cost" and len(cand) and np.isnan(ccost).any():
        bad = np.nonzero(np.isnan(ccost))[0]
        probs.add(f"With objective='cost', {func} needs a 'cost' for every candidate. Missing for ids "
                  f"{describe_positions(bad, list(cand.index))}.")
    try:
        tgt = float(target)
    except (TypeError, ValueError):
        tgt = float("nan")
    if isinstance(target, (bool, np.bool_)) or not (0 < tgt <= 1):
        probs.param("target", "a float in (0, 1]", target)
    if budget is not None and (isinstance(budget, (bool, np.bool_)) or not isinstance(budget, (int, np.integer))
                               or budget < 0):
        probs.param("budget", "a non-negative int (new stations) or None", budget)
    if cost_budget is not None:
        try:
            cb = float(cost_budget)
        except (TypeError, ValueError):
            cb = float("nan")
        if not np.isfinite(cb) or cb < 0:
            probs.param("cost_budget", "a non-negative float or None", cost_budget)
    if backup_minutes is not None:
        try:
            bm = float(backup_minutes)
        except (TypeError, ValueError):
            bm = float("nan")
        if not np.isfinite(bm) or bm < 0:
            probs.param("backup_minutes", "a non-negative float (minutes) or None", backup_minutes)
    try:
        tl = float(time_limit)
    except (TypeError, ValueError):
        tl = float("nan")
    if not np.isfinite(tl) or tl <= 0:
        probs.param("time_limit", "a positive number of seconds", time_limit)
    probs.raise_if_any()
    dl = Deadline(tl, t0)  # every phase below gets the time that is left, not tl again
    sites_df = pd.concat([st, cand]) if len(cand) else st
    T_all = _times(times, county, dm, sites_df, dm_raw, probs, attr="stations and candidates")
    probs.raise_if_any()
    notes: list[str] = []
    s, nc = len(st), len(cand)
    before = _evaluate(std, st, dm, np.ascontiguousarray(T_all[:, :s]), ven, un, list(notes))
    budget_min = std.travel_budget
    tol = config.COVER_TOL

    # ------------------------------------------------------------- model data
    has_d = np.array([std.has_district(c) for c in st["station_class"]], dtype=bool)
    site_cols = np.r_[np.nonzero(has_d)[0], s + np.arange(nc)].astype(np.int64)
    fixed = np.r_[np.ones(int(has_d.sum()), dtype=bool), np.zeros(nc, dtype=bool)]
    in_scope = before.points["in_scope"].to_numpy(bool)
    C_full = T_all[:, site_cols]
    reach = np.isfinite(C_full).any(axis=1)
    rows = np.nonzero(in_scope & reach)[0]
    C = np.ascontiguousarray(C_full[rows])
    w = np.nan_to_num(dm.population[rows])
    a = np.nan_to_num(dm.area_m2[rows]) / 1e6
    coverable = (C <= budget_min + tol).any(axis=1)
    ids_arr = np.asarray(dm.ids, dtype=object)
    unreachable = ids_arr[in_scope][~(C_full[in_scope] <= budget_min + tol).any(axis=1)].tolist()
    W_cov = float(w[coverable].sum())
    site_st = pd.concat([st.iloc[np.nonzero(has_d)[0]], cand]) if nc else st.iloc[np.nonzero(has_d)[0]]
    limit = np.array([std.area_limit(c, e) for c, e in zip(site_st["station_class"], site_st["urban_edge"])])
    limit = np.where(np.isfinite(limit), limit, np.inf)
    relaxed: dict[str, float] = {}
    if area_limits and len(rows):
        # a fixed site's district is smallest with every site open: if even that is over its limit,
        # no plan can meet it; use the minimal district as its limit and say so.
        dmin = _district_areas(C, a, np.arange(C.shape[1]))
        for j in np.nonzero(fixed & (dmin > limit + tol))[0]:
            relaxed[str(site_st.index[j])] = float(dmin[j])
            limit[j] = dmin[j] + 1e-9
        if relaxed:
            notes.append(f"District-area limits no plan can meet (their minimal districts are used): {relaxed}.")
    cvec = np.nan_to_num(ccost) if nc else np.zeros(0)
    m = C.shape[1]
    cost_full = np.r_[np.zeros(int(fixed.sum())), cvec]
    # count: fewest new stations, then (second stage, exact) the cheapest among those; cost: cheapest
    count_obj = np.where(fixed, 0.0, 1.0)
    lexi = objective == "count" and bool((cost_full[~fixed] > 0).any())
    if objective == "cost":
        site_obj = cost_full.copy()
    else:
        site_obj = count_obj.copy()
    backup = None
    backup_short: list[str] = []
    if backup_minutes is not None and len(rows):
        hr = dm.high_risk[rows]
        backup = []
        for i in np.nonzero(hr)[0]:
            sites_i = np.nonzero(C[i] <= float(backup_minutes) + tol)[0]
            need = min(2, sites_i.size)
            if sites_i.size < 2:
                backup_short.append(str(ids_arr[rows[i]]))
            if need:
                backup.append((sites_i, need))
    forced_all = coverable if tgt >= 1.0 - 1e-12 else np.zeros(len(rows), dtype=bool)
    tw = None if tgt >= 1.0 - 1e-12 else tgt * W_cov

    def solve_min():
        fm = _build_fire_model(C, w, a, fixed, limit, budget_min, mode="min", site_obj=site_obj,
                               forced=forced_all, target_weight=tw, cost=cost_full, backup=backup,
                               area=area_limits)
        start = None
        if tw is None and backup is None:
            # greedy by count, cheaper first among equal gains
            greedy_obj = site_obj + (cost_full / (1.0 + float(cost_full.sum())) if lexi else 0.0)
            y0 = _greedy_plan(C, a, fixed, limit, budget_min, forced_all, greedy_obj, area=area_limits)
            if y0 is not None:
                start = fm.start(y0)
                if not fm.model.is_feasible(start):  # pragma: no cover - guarded by construction
                    start = None
        stages = None
        if lexi:
            # the docs' order exactly: fewest new stations, then least cost with that count held
            nc_ = fm.model.n_cols
            stages = [("count", np.r_[count_obj, np.zeros(nc_ - m)], "min"),
                      ("cost", np.r_[np.where(fixed, 0.0, cost_full), np.zeros(nc_ - m)], "min")]
        return fm, _solve(fm.model, solver, dl.limit(), mip_gap, start=start, stages=stages)

    def solve_max(k, cb=None):
        fm = _build_fire_model(C, w, a, fixed, limit, budget_min, mode="max", site_obj=site_obj,
                               forced=np.zeros(len(rows), dtype=bool), max_new=k, cost=cost_full,
                               cost_budget=cb, backup=backup, area=area_limits)
        return fm, _solve(fm.model, solver, dl.limit(), mip_gap)

    model_name = "none"
    sol = None
    y_open = fixed.copy()
    if len(rows) and nc:
        use_siting = (not area_limits) and backup is None and not lexi
        model_name = "lscp" if tw is None else "partial"
        try:
            if use_siting and tw is None:
                res = _siting_lscp(C, coverable, budget_min, fixed, site_obj, dl.limit(), solver, mip_gap)
                sol = res
            else:
                fm, sol = solve_min()
        except InfeasibleError as exc:
            if budget is None and cost_budget is None:
                raise InfeasibleError(
                    f"fire.plan: no choice of candidate sites meets the district-area limits"
                    f"{' and the backup coverage' if backup else ''} while reaching "
                    f"{'every coverable in-scope point' if tw is None else f'{tgt:.0%} of the coverable population'}"
                    f" within {budget_min:g} min. Add candidates, or pass area_limits=False to see the plan "
                    f"without limits. ({exc})",
                    rows=getattr(exc, "rows", []),
                    reason="district-area limits" + (" / backup coverage" if backup else "")) from None
            sol = None
        sol = _primary(sol)
        if area_limits and sol is not None and sol.x is not None and not sol.optimal and tw is None \
                and backup is None and not dl.expired() and not (lexi and sol.stages[0].optimal):
            # the plan without area limits is a relaxation: its proven bound is a bound here too
            rel = _siting_lscp(C, coverable, budget_min, fixed, site_obj, dl.limit(), solver, mip_gap)
            if np.isfinite(rel.bound) and rel.bound > sol.bound:
                g = gap_of(sol.objective, rel.bound)
                first = g <= mip_gap or (lexi and rel.bound > sol.objective - 0.5)
                stages = sol.stages
                if lexi:
                    st0 = replace(stages[0], bound=float(np.ceil(rel.bound - 1e-6)), gap=g, optimal=first,
                                  status="optimal" if first else stages[0].status)
                    stages = (st0,) + tuple(stages[1:])
                proven = first and all(x.optimal for x in stages[1:])
                sol = _Sol(sol.x, float(sol.objective), float(rel.bound), g, proven,
                           "optimal" if proven else sol.status, stages)
                notes.append("Bound taken from the plan without district-area limits (a relaxation).")
        if sol is not None and sol.x is None:
            notes.append(f"No feasible plan found within time_limit={tl:g} s; nothing opened. Raise time_limit.")
        if sol is not None and sol.x is not None:
            y_open = np.asarray(sol.x[:m]) > 0.5
        n_new = int((y_open & ~fixed).sum())
        new_cost = float(cost_full[y_open & ~fixed].sum())
        over = sol is None or (budget is not None and n_new > budget) or \
            (cost_budget is not None and new_cost > float(cost_budget) + tol)
        if over:
            model_name = "mclp"
            k = budget if budget is not None else nc
            try:
                if (not area_limits) and backup is None and cost_budget is None:
                    sol = _siting_mclp(C, w, budget_min, fixed, k, dl.limit(), solver, mip_gap)
                else:
                    fm, sol = solve_max(k, cost_budget)
            except InfeasibleError as exc:
                raise InfeasibleError(
                    f"fire.plan: with at most {k} new station(s)"
                    f"{f' and cost {cost_budget:g}' if cost_budget is not None else ''} no choice of candidates "
                    f"meets the district-area limits{' and backup coverage' if backup else ''}. Raise the budget, or pass "
                    f"area_limits=False for the best coverage within the budget regardless of district areas. ({exc})",
                    rows=getattr(exc, "rows", []), reason="district-area limits under the budget") from None
            y_open = np.asarray(sol.x[:m]) > 0.5 if sol.x is not None else fixed.copy()
            if sol.x is None:
                notes.append(f"No feasible plan found within time_limit={tl:g} s; nothing opened. Raise time_limit.")
    elif len(rows) and not nc:
        notes.append("No candidate sites with 'fire' in their uses: nothing to open.")
    new_mask = y_open & ~fixed
    new_ids = [str(i) for i in site_st.index[new_mask]]

    # ------------------------------------------------------------- after (recomputed from times)
    new_pos = [cand.index.get_loc(i) for i in new_ids]
    st_new = cand.iloc[new_pos].copy()
    for col, key in (("staff", "staff_"), ("engines", "vehicles_")):
        req = np.array([std.get(f"{key}{c}") for c in st_new["station_class"]])
        st_new[col] = np.where(np.isfinite(st_new[col].to_numpy(float)), st_new[col].to_numpy(float), req)
    st_new["ladders"] = st_new["ladders"].fillna(0.0) if len(st_new) else st_new["ladders"]
    if new_ids:
        notes.append("New stations are assumed staffed and equipped to their class (建标152-2017) "
                     "unless the candidates say otherwise.")
    st_after = pd.concat([st, st_new]) if new_ids else st
    T_after = np.ascontiguousarray(np.c_[T_all[:, :s], T_all[:, [s + p for p in new_pos]]]) if new_ids \
        else np.ascontiguousarray(T_all[:, :s])
    after = _evaluate(std, st_after, dm, T_after, ven, un, list(notes))
    cov_after = float(after.points.loc[after.points["in_scope"], "population"][
        after.points.loc[after.points["in_scope"], "covered"]].sum())
    target_met = bool(cov_after >= tgt * W_cov - 1e-6 * max(1.0, W_cov))

    # ------------------------------------------------------------- trade-off
    tr = _tradeoff(C, w, a, fixed, limit, budget_min, site_st, before.scope_population, dl,
                   (tradeoff_max if tradeoff_max is not None else (budget if budget is not None else len(new_ids)))
                   if tradeoff and len(rows) else -1, solver, mip_gap)
    cut_at = tr.attrs.pop("cut_at", None)
    if cut_at is not None:
        notes.append(f"Trade-off curve cut by time_limit={tl:g} s from {cut_at} new stations on "
                     "(rows without a plan; their bound is the coverable population).")

    apparatus = None
    if fleet is not None:
        apparatus = place_apparatus(stations=st_after, demand=dm_raw, times=pd.DataFrame(
            T_after, index=dm.ids, columns=list(st_after.index)), standard=std, **fleet,
            solver=solver, time_limit=dl.limit(), mip_gap=mip_gap)
    stages = tuple(getattr(sol, "stages", ()) or ())
    if sol is None:
        obj = bound = float(len(new_ids))
        gap, optimal, status = 0.0, True, "optimal"
    elif sol.x is None:
        obj, bound, gap, optimal, status = float("nan"), float(sol.bound), float("inf"), False, "time_limit"
    else:
        obj, bound, gap = float(sol.objective), float(sol.bound), float(sol.gap)
        optimal, status = bool(sol.optimal), str(sol.status)
    return FirePlan(
        new_stations=new_ids, before=before, after=after, model=model_name, objective=obj, bound=bound,
        gap=gap, optimal=optimal, status=status, cost=float(cost_full[new_mask].sum()), target=tgt,
        target_met=target_met, unreachable=unreachable, tradeoff=tr, relaxed_limits=relaxed,
        backup_short=backup_short, apparatus=apparatus, area_limits=bool(area_limits),
        seconds=time.perf_counter() - t0, notes=tuple(dict.fromkeys(notes)), stages=stages,
    )


def _tradeoff(C, w, a, fixed, limit, budget, site_st, scope_pop, time_limit, kmax, solver=None,
              mip_gap=config.MIP_GAP) -> pd.DataFrame:
    """Coverage against the number of new stations 0..kmax (MCLP without area limits; ``area_ok`` says
    whether each set also meets the district-area limits).

    ``time_limit`` is the time for the whole curve: seconds, or a :class:`~yingji._deadline.Deadline`
    shared with the caller. Points the deadline leaves no time for get no plan, the coverable weight
    as their (valid) bound, and ``attrs["cut_at"]`` names the first of them."""
    cols = ["new_stations", "covered_population", "covered_share", "bound", "optimal", "area_ok", "sites"]
    if kmax < 0:
        return pd.DataFrame(columns=cols)
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit))
    cut_at = None
    m = C.shape[1]
    nc = int((~fixed).sum())
    n_fixed = int(fixed.sum())
    kmax = int(min(kmax, nc))
    sols: dict[int, tuple] = {0: (fixed.copy(), np.nan, True)}
    if kmax >= 1:
        curve = None
        try:
            from yingji.siting import coverage_curve
        except ImportError:  # pragma: no cover - siting engine absent
            coverage_curve = None
        if coverage_curve is not None and not dl.expired():
            curve = coverage_curve(np.ascontiguousarray(C), budget, weights=w, fixed=np.nonzero(fixed)[0],
                                   p_max=n_fixed + kmax, time_limit=dl.limit(),
                                   solver=solver, mip_gap=mip_gap)
            for r in curve.itertuples():
                k = int(r.p) - n_fixed
                if 1 <= k <= kmax:
                    op = np.zeros(m, dtype=bool)
                    op[np.asarray(list(r.sites), dtype=np.int64)] = True
                    sols[k] = (op, float(r.bound), bool(r.optimal))
        for k in range(1, kmax + 1):
            if k not in sols and dl.expired():
                # no time left for this point: no plan, and the coverable weight bounds its coverage
                cut_at = k if cut_at is None else cut_at
                sols[k] = (None, float(w[(C <= budget + config.COVER_TOL).any(axis=1)].sum()), False)
            if k not in sols:
                so = _siting_mclp(C, w, budget, fixed, k, dl.limit(), solver, mip_gap)
                sols[k] = (None, float(so.bound), False) if so.x is None else \
                    (np.asarray(so.x[:m]) > 0.5, float(so.bound), bool(so.optimal))
    rows = []
    for k in range(kmax + 1):
        op, bnd, opt = sols[k]
        if op is None:
            rows.append((k, np.nan, np.nan, bnd, False, pd.NA, []))
            continue
        cw = float(w[_covered_by(C, op, budget)].sum())
        if k == 0:
            bnd = cw
        da = _district_areas(C, a, np.nonzero(op)[0])
        rows.append((k, cw, cw / scope_pop if scope_pop > 0 else np.nan, bnd, opt,
                     bool((da <= limit + 1e-7).all()), [str(i) for i in site_st.index[op & ~fixed]]))
    out = pd.DataFrame(rows, columns=cols)
    out["area_ok"] = out["area_ok"].astype("boolean")
    out["bound"] = out["bound"].astype(float)
    out.attrs["cut_at"] = cut_at
    return out


@dataclass(frozen=True)
class _Sol:
    x: np.ndarray
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    stages: tuple = ()


def _primary(sol):
    """The plan's objective/bound/gap from a solve: the first stage's for a lexicographic solve
    (new stations, or cost), the solve's own otherwise; ``optimal`` only when every stage is proven."""
    if sol is None or not getattr(sol, "stages", ()):
        return sol
    st0 = sol.stages[0]
    return _Sol(sol.x, float(st0.objective), float(st0.bound), float(st0.gap), bool(sol.optimal),
                "optimal" if sol.optimal else "time_limit", tuple(sol.stages))


def _siting_lscp(C, coverable, budget, fixed, site_obj, time_limit, solver=None, mip_gap=config.MIP_GAP):
    """Plain LSCP through the siting engine (:func:`yingji.lscp`), own model when it is absent."""
    try:
        from yingji.siting import lscp
    except ImportError:
        lscp = None
    m = C.shape[1]
    if lscp is None:
        fm = _build_fire_model(C, np.ones(C.shape[0]), np.zeros(C.shape[0]), fixed, np.full(m, np.inf), budget,
                               mode="min", site_obj=site_obj, forced=coverable, area=False)
        return _solve(fm.model, solver, time_limit, mip_gap)
    r = lscp(np.ascontiguousarray(C[coverable]), budget, site_cost=np.where(fixed, 0.0, site_obj),
             fixed=np.nonzero(fixed)[0], time_limit=time_limit, solver=solver, mip_gap=mip_gap)
    x = np.zeros(m)
    x[np.asarray(r.sites, dtype=np.int64)] = 1.0
    return _Sol(x, float(r.objective), float(r.bound), float(r.gap), bool(r.optimal), r.status)


def _siting_mclp(C, w, budget, fixed, k, time_limit, solver=None, mip_gap=config.MIP_GAP):
    """Plain MCLP (at most k new sites) through :func:`yingji.mclp`, own model when it is absent."""
    try:
        from yingji.siting import mclp
    except ImportError:
        mclp = None
    m = C.shape[1]
    n_fixed = int(fixed.sum())
    if mclp is None or n_fixed + k < 1:
        fm = _build_fire_model(C, w, np.zeros(C.shape[0]), fixed, np.full(m, np.inf), budget, mode="max",
                               site_obj=np.ones(m), forced=np.zeros(C.shape[0], dtype=bool), max_new=k, area=False)
        return _solve(fm.model, solver, time_limit, mip_gap)
    r = mclp(np.ascontiguousarray(C), budget, min(n_fixed + k, m), weights=w, fixed=np.nonzero(fixed)[0],
             time_limit=time_limit, solver=solver, mip_gap=mip_gap)
    x = np.zeros(m)
    x[np.asarray(r.sites, dtype=np.int64)] = 1.0
    return _Sol(x, float(r.objective), float(r.bound), float(r.gap), bool(r.optimal), r.status)


def place_apparatus(county=None, *, engines: int, ladders: int, engine_minutes: float | None = None,
                    ladder_minutes: float | None = None, stations=None, demand=None, times=None,
                    standard="GB51080", targets: str = "high_risk", min_engines_per_station: int = 1,
                    max_per_station: int | None = None, solver=None, time_limit: float = config.TIME_LIMIT,
                    mip_gap: float = config.MIP_GAP) -> ApparatusPlan:
    """Place engines and ladder trucks at open stations so that target points have both (FLEET).

    Maximise the weight (population, at least 1 per point) of target points reached by an
    engine within ``engine_minutes`` **and** a ladder within ``ladder_minutes`` with at most
    ``engines`` engines and ``ladders`` ladders in all; every station with a district keeps
    ``min_engines_per_station`` engines where the fleet allows.

    Parameters
    ----------
    county : yingji.County, optional
    engines, ladders : int
        Fleet size.
    engine_minutes, ladder_minutes : float, optional
        Driving minutes; default the standard's travel budget.
    stations, demand, times, standard :
        As in :func:`assess` (stations of a class without a district get no apparatus).
    targets : {"high_risk", "in_scope"}
        High-risk in-scope points (all in-scope points when none is high-risk) or all in-scope.
    min_engines_per_station : int
    max_per_station : int, optional
        At most this many engines and this many ladders per station.
    solver, time_limit, mip_gap :
        As in :func:`plan`.

    Returns
    -------
    ApparatusPlan

    Raises
    ------
    ValidationError
        Bad fleet sizes or ``targets``, and the input errors of :func:`assess`.

    Notes
    -----
    .. math::

        \\max \\sum_i w_i z_i \\;\\text{s.t.}\\; z_i \\le \\sum_{j: t_{ji} \\le r_E} e_j,\\;
        z_i \\le \\sum_{j: t_{ji} \\le r_L} l_j,\\; \\sum_j e_j \\le E,\\; \\sum_j l_j \\le L,\\;
        0 \\le z_i \\le 1,\\; e_j, l_j \\in \\mathbb{Z}_{\\ge 0}.

    References
    ----------
    .. [1] Schilling, D., Elzinga, D. J., Cohon, J., Church, R., ReVelle, C. (1979). The
       TEAM/FLEET models for simultaneous facility and equipment siting. Transportation
       Science 13(2), 163-175.
    """
    from yingji.solvers import SparseModel

    t0 = time.perf_counter()  # the limit counts from here: inputs and the model build too
    func = "fire.place_apparatus"
    probs, std, st, _, dm, dm_raw, _, _ = _prepare(func, county, standard, stations, demand, times, None, None, {})
    for name, v in (("engines", engines), ("ladders", ladders), ("min_engines_per_station", min_engines_per_station)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            probs.param(name, "a non-negative int", v)
    if max_per_station is not None and (not isinstance(max_per_station, (int, np.integer)) or max_per_station < 1):
        probs.param("max_per_station", "a positive int or None", max_per_station)
    if targets not in ("high_risk", "in_scope"):
        probs.param("targets", "'high_risk' or 'in_scope'", targets)
    radii = {}
    for name, v in (("engine_minutes", engine_minutes), ("ladder_minutes", ladder_minutes)):
        if v is None:
            radii[name] = std.travel_budget
            continue
        try:
            fv = float(v)
        except (TypeError, ValueError):
            fv = float("nan")
        if not np.isfinite(fv) or fv < 0:
            probs.param(name, "a non-negative float (minutes) or None", v)
        radii[name] = fv
    T = _times(times, county, dm, st, dm_raw, probs) if not probs.items else None
    probs.raise_if_any()
    tol = config.COVER_TOL
    has_d = np.array([std.has_district(c) for c in st["station_class"]], dtype=bool)
    act = np.nonzero(has_d)[0]
    in_scope = dm.urban if std.scope == "urban" else np.ones(len(dm.ids), dtype=bool)
    tgt = in_scope & dm.high_risk if targets == "high_risk" else in_scope.copy()
    if targets == "high_risk" and not tgt.any():
        tgt = in_scope.copy()
    rows = np.nonzero(tgt)[0]
    w = np.maximum(np.nan_to_num(dm.population[rows]), 1.0)
    Ca = T[np.ix_(rows, act)] if act.size else np.zeros((rows.size, 0))
    E = sp.csr_matrix((Ca <= radii["engine_minutes"] + tol).astype(np.float64))
    L = sp.csr_matrix((Ca <= radii["ladder_minutes"] + tol).astype(np.float64))
    m, n = act.size, rows.size
    cap = float(max_per_station) if max_per_station is not None else np.inf
    min_e = min_engines_per_station if engines >= min_engines_per_station * m else 0
    # columns: e (m), l (m), z (n)
    I_n = sp.identity(n, format="csr")
    A = sp.vstack([
        sp.hstack([-E, sp.csr_matrix((n, m)), I_n]),
        sp.hstack([sp.csr_matrix((n, m)), -L, I_n]),
        sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, m)), sp.csr_matrix((1, n))]),
        sp.hstack([sp.csr_matrix((1, m)), sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n))]),
    ]).tocsr()
    row_lo = np.r_[np.full(2 * n, -np.inf), -np.inf, -np.inf]
    row_hi = np.r_[np.zeros(2 * n), float(engines), float(ladders)]
    c = np.r_[np.zeros(2 * m), w]
    col_lo = np.r_[np.full(m, float(min_e)), np.zeros(m), np.zeros(n)]
    col_hi = np.r_[np.full(2 * m, cap), np.ones(n)]
    integ = np.r_[np.ones(2 * m, dtype=bool), np.zeros(n, dtype=bool)]
    model = SparseModel(c, A, row_lo, row_hi, col_lo, col_hi, integ, sense="max", name="fleet")
    try:
        tl = float(time_limit)
    except (TypeError, ValueError):
        tl = float("nan")
    # the time left of the limit (a bad value goes on to solve(), which reports it)
    tl = Deadline(tl, t0).limit() if np.isfinite(tl) and tl > 0 else time_limit
    sol = _solve(model, solver, tl, mip_gap)
    x = np.round(sol.x).astype(np.int64)
    e, l_ = x[:m], x[m:2 * m]
    got = np.zeros(n, dtype=bool)
    if n:
        got = (E @ e > 0) & (L @ l_ > 0)
    ids_arr = np.asarray(dm.ids, dtype=object)
    alloc = pd.DataFrame({"engines": np.zeros(len(st), dtype=np.int64), "ladders": np.zeros(len(st), dtype=np.int64)},
                         index=pd.Index(list(st.index), name="id", dtype=object))
    alloc.iloc[act, 0] = e
    alloc.iloc[act, 1] = l_
    cw = float(w[got].sum())
    return ApparatusPlan(
        allocation=alloc, covered_weight=cw, covered_share=cw / float(w.sum()) if n else float("nan"),
        not_covered=ids_arr[rows[~got]].tolist(), objective=float(sol.objective), bound=float(sol.bound),
        gap=float(sol.gap), optimal=bool(sol.optimal), status=str(sol.status),
        engine_minutes=radii["engine_minutes"], ladder_minutes=radii["ladder_minutes"])
