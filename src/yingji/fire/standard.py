"""Fire-station standards: profiles are data, every value keeps its provenance.

:func:`load_standard` reads a shipped profile (TOML in ``yingji/profiles``: ``"GB51080"``,
``"NFPA1710"``), a file or mapping of your own, or replaces some values of one; the values are
converted to yingji's units (minutes, metres, km²) when the profile is loaded.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._validation import Problems
from yingji.exceptions import ValidationError
from yingji.results import to_jsonable

#: Station classes (DESIGN.md, "The county"): 一级 / 二级 / 小型 / 特勤 / 战勤保障.
STATION_CLASSES = ("class1", "class2", "small", "special", "logistics")

_UNIT_TO_MIN = {"min": 1.0, "minute": 1.0, "minutes": 1.0, "s": 1.0 / 60.0, "sec": 1.0 / 60.0,
                "seconds": 1.0 / 60.0, "h": 60.0, "hour": 60.0, "hours": 60.0}
_UNIT_TO_M = {"m": 1.0, "metre": 1.0, "metres": 1.0, "meter": 1.0, "meters": 1.0, "km": 1000.0}
_UNIT_TO_KM2 = {"km2": 1.0, "km²": 1.0, "m2": 1e-6, "m²": 1e-6, "ha": 1e-2}


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


@displayable
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
        # text is refused even where it reads as a number (one rule for numeric parameters)
        if isinstance(v, (bool, np.bool_, str, bytes)) or not np.isfinite(fv) or fv < 0:
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
