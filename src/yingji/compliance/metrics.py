"""The computed-metric registry: one place that maps a rule metric to the code computing it.

A compliance rule names a *metric* (``shelter_area_per_capita``, ``fire_response_edge_minutes``,
...). A county may *report* it in its ``indicators`` table; a model may *compute* it. This module
holds the functions that compute metrics, keyed by the metric name used in the rules table.

The metrics computed with the domain models are listed in
:mod:`yingji.compliance.domain_metrics` (the compliance layer names what it uses; no domain
module registers itself here). Registering a metric (a county's own, or a plugin's)::

    from yingji.compliance.metrics import register_metric, MetricUnavailable

    @register_metric("fire_response_edge_minutes", unit="min",
                     description="max over demand of the time from the nearest station",
                     requires=("stations", "demand"))
    def _edge_minutes(county, *, time_limit=None, **kw):
        ...
        return worst_minutes          # a float in `unit`; bool for 'exists' rules

The function takes the county first and keyword arguments after (the engine passes
``time_limit`` — seconds left of the check's budget — ``seed`` and whatever the caller gave in
``metric_kw``; accept ``**kw`` and ignore what you do not use). It returns the value in the
declared ``unit``; the engine converts it to the rule's unit (``s``/``min``/``h``,
``m``/``km``, ``m2``/``hm2``/``km2``, ``%``/``share``). To say "cannot be computed for this
county" return ``None`` or raise :class:`MetricUnavailable` with the reason; the rule is then
reported ``missing`` (or decided by a reported figure) with that reason.

Registrations marked ``provisional=True`` (the county-wide figures this module computes from
county tables) give way silently when a domain metric of the same name is registered.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from yingji.compliance.rules import METRIC_ALIASES, canonical_metric, metric_aliases
from yingji.exceptions import ValidationError, YingjiError

__all__ = [
    "MetricSpec",
    "MetricUnavailable",
    "register_metric",
    "unregister_metric",
    "get_metric",
    "metric_chain",
    "registered_metrics",
    "load_metric_plugins",
    "PLUGIN_MODULES",
    "DOMAIN_METRIC_MODULES",
]

#: The modules listing the metrics computed by the domain models: each has a function
#: ``register_domain_metrics()`` that :func:`load_metric_plugins` calls once. An error in one is
#: raised (a broken domain module must not silently drop metrics from a verdict).
DOMAIN_METRIC_MODULES = ("yingji.compliance.domain_metrics",)

#: Extra modules (e.g. a county's own metrics) imported before a check; one that fails to import
#: is reported with a warning and skipped. Third-party packages may also use the
#: ``yingji.metrics`` entry-point group.
PLUGIN_MODULES: tuple = ()


class MetricUnavailable(YingjiError):
    """A metric cannot be computed for this county (say why in the message)."""


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric function.

    Attributes
    ----------
    name : str
        Canonical metric name (as in the rules table).
    func : callable
        ``func(county, **kw) -> value`` in ``unit``.
    unit : str
        Unit of the returned value.
    description : str
        One line saying what is computed (shown in reports).
    requires : tuple of str
        County tables the function reads (for documentation and quick "missing" reasons).
    provisional : bool
        True for fallback registrations that a later registration replaces silently.
    module : str
        Module that registered it.
    """

    name: str
    func: Callable[..., Any]
    unit: str
    description: str = ""
    requires: tuple = field(default_factory=tuple)
    provisional: bool = False
    module: str = ""


_REGISTRY: dict[str, MetricSpec] = {}
#: Provisional (county-wide) registrations, kept as fallbacks after a domain module replaces them.
_BUILTIN: dict[str, MetricSpec] = {}


def register_metric(name: str, *, unit: str, description: str = "", requires=(),
                    provisional: bool = False, replace: bool = False):
    """Decorator registering ``func(county, **kw) -> value`` as the computation of ``name``.

    Parameters
    ----------
    name : str
        Metric name as in the rules table (an alias is stored under its canonical name).
    unit : str
        Unit of the returned value (converted to each rule's unit by the engine).
    description : str
        One line for reports.
    requires : tuple of str
        County tables read by the function.
    provisional : bool, default False
        Mark a fallback that any later registration of the same name replaces.
    replace : bool, default False
        Replace an existing non-provisional registration (otherwise that is an error, unless
        it is the same function registered again, e.g. on module reload).

    Raises
    ------
    ValidationError
        ``name`` is already registered by another function and ``replace`` is False.

    Examples
    --------
    >>> @register_metric("example_count", unit="count", replace=True)
    ... def _n(county, **kw):
    ...     return 3
    >>> get_metric("example_count").unit
    'count'
    >>> unregister_metric("example_count")
    """
    canon = canonical_metric(name)

    def deco(func):
        if not provisional:
            # the domain metrics first, so that a later registration of the same name is the
            # one that either replaces them (replace=True) or is refused, never the other way
            load_metric_plugins()
        old = _REGISTRY.get(canon)
        same = old is not None and (getattr(old.func, "__qualname__", None) == getattr(
            func, "__qualname__", None) and old.module == getattr(func, "__module__", ""))
        if old is not None and not (replace or old.provisional or same or provisional):
            raise ValidationError(
                f"The 'name' parameter of register_metric must be a metric not registered yet "
                f"(or pass replace=True). Got {name!r} instead, already registered by "
                f"{old.module}.{getattr(old.func, '__qualname__', old.func)!s}.")
        spec = MetricSpec(canon, func, str(unit), description, tuple(requires),
                          bool(provisional), getattr(func, "__module__", ""))
        if provisional:
            _BUILTIN[canon] = spec
        if old is not None and provisional and not old.provisional and not same:
            return func  # a fallback never displaces a real registration
        _REGISTRY[canon] = spec
        return func

    return deco


def unregister_metric(name: str) -> None:
    """Remove a registration (no error when absent)."""
    _REGISTRY.pop(canonical_metric(name), None)


def get_metric(name: str) -> MetricSpec | None:
    """The registration computing ``name`` (or one of its aliases), or None (the domain metrics
    are registered first, :func:`load_metric_plugins`)."""
    load_metric_plugins()
    for n in metric_aliases(name):
        if n in _REGISTRY:
            return _REGISTRY[n]
    return None


def metric_chain(name: str) -> list[MetricSpec]:
    """The functions to try for ``name``, in order: the registered one, then the provisional
    county-wide fallback it replaced (if any)."""
    chain: list[MetricSpec] = []
    first = get_metric(name)
    if first is not None:
        chain.append(first)
    for n in metric_aliases(name):
        b = _BUILTIN.get(n)
        if b is not None and all(b.func is not c.func for c in chain):
            chain.append(b)
            break
    return chain


def registered_metrics() -> pd.DataFrame:
    """Table of registered metrics: ``metric, unit, description, requires, provisional, module``."""
    load_metric_plugins()
    rows = [{"metric": s.name, "unit": s.unit, "description": s.description,
             "requires": ";".join(s.requires), "provisional": s.provisional, "module": s.module}
            for s in sorted(_REGISTRY.values(), key=lambda s: s.name)]
    return pd.DataFrame(rows, columns=["metric", "unit", "description", "requires",
                                       "provisional", "module"])


_PLUGINS_LOADED: set[str] = set()
_ENTRY_POINTS_READ = False  # the yingji.metrics entry points are read once per process


def load_metric_plugins() -> list[str]:
    """Register the domain metrics (:data:`DOMAIN_METRIC_MODULES`) and import extra metric
    modules (:data:`PLUGIN_MODULES`, the ``yingji.metrics`` entry points), once each.

    Returns the modules loaded by this call.
    """
    loaded = []
    for mod in DOMAIN_METRIC_MODULES:
        if mod in _PLUGINS_LOADED:
            continue
        _PLUGINS_LOADED.add(mod)  # before registering: a registration may look metrics up
        try:
            importlib.import_module(mod).register_domain_metrics()
        except BaseException:
            _PLUGINS_LOADED.discard(mod)
            raise
        loaded.append(mod)
    for mod in PLUGIN_MODULES:
        if mod in _PLUGINS_LOADED:
            continue
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:  # the module exists but one of its imports is missing
                warnings.warn(f"{mod} could not be imported ({exc}); its metrics are not "
                              f"computed", stacklevel=2)
            continue
        except Exception as exc:  # a half-written domain module must not break compliance
            warnings.warn(f"{mod} failed to import ({type(exc).__name__}: {exc}); its metrics "
                          f"are not computed", stacklevel=2)
            continue
        _PLUGINS_LOADED.add(mod)
        loaded.append(mod)
    global _ENTRY_POINTS_READ
    if _ENTRY_POINTS_READ:  # reading the installed packages' metadata costs ~10 ms: once a process
        return loaded
    _ENTRY_POINTS_READ = True
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="yingji.metrics"):
            if ep.value not in _PLUGINS_LOADED:
                ep.load()
                _PLUGINS_LOADED.add(ep.value)
                loaded.append(ep.value)
    except Exception as exc:  # pragma: no cover - depends on installed third-party packages
        warnings.warn(f"a yingji.metrics entry point failed to load: {exc}", stacklevel=2)
    return loaded


# ============================================================================ built-in metrics
# County-wide figures computed directly from the county tables (DESIGN.md, "The county").
# Model-based metrics (5-minute coverage, district areas, per-capita shelter within walking
# reach, team coverage, supply stock against norms, simulated response percentiles) are
# registered by their domain modules.


def _table(county, name: str) -> pd.DataFrame:
    t = getattr(county, name, None)
    if t is None and isinstance(county, dict):
        t = county.get(name)
    if t is None or not isinstance(t, pd.DataFrame) or t.empty:
        raise MetricUnavailable(f"the county has no {name!r} table")
    return t


def _column(t: pd.DataFrame, table: str, col: str) -> pd.Series:
    if col not in t.columns:
        raise MetricUnavailable(f"the county's {table!r} table has no {col!r} column")
    return t[col]


def _num(s: pd.Series, table: str, col: str) -> np.ndarray:
    a = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    if np.isnan(a).any():
        raise MetricUnavailable(f"{table}.{col} has {int(np.isnan(a).sum())} missing or "
                                f"non-numeric values")
    return a


def _population(county) -> float:
    d = _table(county, "demand")
    pop = _num(_column(d, "demand", "population"), "demand", "population").sum()
    if pop <= 0:
        raise MetricUnavailable("the county's total population (demand.population) is 0")
    return float(pop)


def _shelter_area(county, classes=None) -> np.ndarray:
    s = _table(county, "shelters")
    area = _num(_column(s, "shelters", "area_m2"), "shelters", "area_m2")
    if classes is not None:
        cls = _column(s, "shelters", "shelter_class").astype(str).str.strip().str.lower()
        area = area[cls.isin(classes).to_numpy()]
    return area


@register_metric("shelter_area_per_capita", unit="m2/person", provisional=True,
                 requires=("shelters", "demand"),
                 description="county-wide effective shelter area (shelters.area_m2) per resident "
                             "(demand.population)")
def _shelter_area_per_capita(county, **kw):
    return float(_shelter_area(county).sum()) / _population(county)


@register_metric("emergency_shelter_area_per_capita", unit="m2/person", provisional=True,
                 requires=("shelters", "demand"),
                 description="county-wide effective area of all shelters (fixed and central ones "
                             "also serve as emergency shelters) per resident")
def _emergency_shelter_area_per_capita(county, **kw):
    return float(_shelter_area(county).sum()) / _population(county)


@register_metric("fixed_shelter_area_per_capita", unit="m2/person", provisional=True,
                 requires=("shelters", "demand"),
                 description="county-wide effective area of fixed and central shelters per "
                             "resident")
def _fixed_shelter_area_per_capita(county, **kw):
    return float(_shelter_area(county, {"fixed", "central"}).sum()) / _population(county)


def _min_area(county, classes, label):
    a = _shelter_area(county, classes)
    if a.size == 0:
        raise MetricUnavailable(f"the county has no {label} shelters")
    return float(a.min())


@register_metric("shelter_effective_site_area", unit="m2", provisional=True,
                 requires=("shelters",),
                 description="smallest effective area among the shelters (each must exceed the "
                             "threshold)")
def _shelter_site_area(county, **kw):
    return _min_area(county, None, "")


@register_metric("emergency_shelter_site_hm2", unit="m2", provisional=True, requires=("shelters",),
                 description="smallest effective area among emergency shelters")
def _emergency_site(county, **kw):
    return _min_area(county, {"emergency"}, "emergency")


@register_metric("fixed_shelter_site_hm2", unit="m2", provisional=True, requires=("shelters",),
                 description="smallest effective area among fixed shelters")
def _fixed_site(county, **kw):
    return _min_area(county, {"fixed"}, "fixed")


@register_metric("central_shelter_site_hm2", unit="m2", provisional=True, requires=("shelters",),
                 description="smallest effective area among central shelters")
def _central_site(county, **kw):
    return _min_area(county, {"central"}, "central")


# ---- fire stations (建标152-2017 per-class minima, GB 51080-2015 4.1.2) --------------------

STATION_CLASSES = ("class1", "class2", "small", "special", "logistics")


def _station_class(county) -> pd.Series:
    st = _table(county, "stations")
    return _column(st, "stations", "station_class").astype(str).str.strip().str.lower()


@register_metric("class1_station_exists", unit="bool", provisional=True, requires=("stations",),
                 description="at least one class1 (一级普通) station")
def _class1_exists(county, **kw):
    return bool((_station_class(county) == "class1").any())


@register_metric("special_and_logistics_station_exists", unit="bool", provisional=True,
                 requires=("stations",),
                 description="at least one special (特勤) and one logistics (战勤保障) station")
def _special_logistics_exists(county, **kw):
    cls = set(_station_class(county))
    return "special" in cls and "logistics" in cls


def _vehicles(county) -> np.ndarray:
    """Fire vehicles per station, counted as the fire assessment counts them
    (:func:`yingji.fire.station_vehicles`: fire-vehicle rows of the ``units`` table, else
    engines + ladders; ambulances do not count)."""
    from yingji.fire import station_vehicles

    st = _table(county, "stations")
    units = getattr(county, "units", None)
    v = station_vehicles(st, units if isinstance(units, pd.DataFrame) else None)
    if np.isnan(v).any():
        raise MetricUnavailable(f"{int(np.isnan(v).sum())} station(s) have no vehicles on record "
                                "(no units rows, no engines/ladders)")
    return v


def _per_class_min(county, cls, values, what):
    sc = _station_class(county).to_numpy()
    v = np.asarray(values, dtype=float)[sc == cls]
    if v.size == 0:
        raise MetricUnavailable(f"the county has no {cls} stations ({what} not applicable)")
    return float(v.min())


def _make_class_metrics(cls):
    @register_metric(f"staff_{cls}", unit="persons", provisional=True, requires=("stations",),
                     description=f"fewest staff at a {cls} station (each must meet the minimum)")
    def _staff(county, **kw):
        st = _table(county, "stations")
        return _per_class_min(county, cls, _num(_column(st, "stations", "staff"), "stations",
                                                "staff"), "staff")

    @register_metric(f"vehicles_{cls}", unit="vehicles", provisional=True,
                     requires=("stations", "units"),
                     description=f"fewest vehicles at a {cls} station (units table, else engines "
                                 f"+ ladders)")
    def _veh(county, **kw):
        return _per_class_min(county, cls, _vehicles(county), "vehicles")

    @register_metric(f"gfa_{cls}", unit="m2", provisional=True, requires=("stations",),
                     description=f"smallest gross floor area (stations.gfa_m2) of a {cls} station")
    def _gfa(county, **kw):
        st = _table(county, "stations")
        return _per_class_min(county, cls, _num(_column(st, "stations", "gfa_m2"), "stations",
                                                "gfa_m2"), "floor area")


for _cls in STATION_CLASSES:
    _make_class_metrics(_cls)


@register_metric("staff_per_vehicle", unit="persons/vehicle", provisional=True,
                 requires=("stations", "units"),
                 description="lowest staff-to-vehicle ratio over stations with vehicles")
def _staff_per_vehicle(county, **kw):
    st = _table(county, "stations")
    staff = _num(_column(st, "stations", "staff"), "stations", "staff")
    veh = _vehicles(county)
    ok = veh > 0
    if not ok.any():
        raise MetricUnavailable("no station has vehicles")
    return float((staff[ok] / veh[ok]).min())


# ---- the county plan's staffing row (S1-148) judged by 建标152-2017 per-class minima ----------
# (S1-034 "scale" and S1-036 "vehicles" are not derived: their 建标152 minima are UNCONFIRMED
# rows and the plan's rates also cover vehicle types; a reported figure decides them.)

_MINIMA: dict[str, dict[str, float]] = {}


def _class_minima(kind: str) -> dict[str, float]:
    """Per-class minimum ``kind`` ("staff", "vehicles", "gfa") from the shipped GB51080 rules."""
    if not _MINIMA:
        from yingji.compliance.rules import load_rules

        r = load_rules("GB51080", merge=False)
        for k in ("staff", "vehicles", "gfa"):
            _MINIMA[k] = {c: float(r.loc[r["metric"] == f"{k}_{c}", "threshold"].iloc[0])
                          for c in STATION_CLASSES
                          if (r["metric"] == f"{k}_{c}").any()}
    return _MINIMA[kind]


def _meets_minimum(county, kind: str, values) -> np.ndarray:
    mins = _class_minima(kind)
    cls = _station_class(county).to_numpy(dtype=object)
    need = np.array([mins.get(c, np.nan) for c in cls], dtype=float)
    unknown = sorted({str(c) for c, n in zip(cls, need) if np.isnan(n)})
    if unknown:
        raise MetricUnavailable(f"stations of class {', '.join(unknown)} have no 建标152-2017 "
                                f"minimum for {kind}")
    return np.asarray(values, dtype=float) >= need


@register_metric("fire_team_on_duty_staffing_compliant", unit="bool", provisional=True,
                 requires=("stations",),
                 description="every station has at least its class's 建标152-2017 staff minimum "
                             "(S3-016..S3-020)")
def _staffing_ok(county, **kw):
    st = _table(county, "stations")
    return bool(_meets_minimum(county, "staff", _num(_column(st, "stations", "staff"),
                                                     "stations", "staff")).all())


# ---- fire-station layout (county plan 三(一)2, S1-033) ---------------------------------------

#: The GB 51080-2015 4.1.3 figures the layout of fire stations is judged by (rule ids of the
#: "GB51080" set); S1-033 "消防站布局符合标准要求" is met when every one of them that applies
#: to the county is met.
LAYOUT_RULES = ("S3-001", "S3-002", "S3-003")


@register_metric("fire_station_layout_compliant", unit="bool", provisional=True,
                 requires=("stations", "demand", "network"),
                 description="GB 51080-2015 4.1.3: 5 minutes to the district edge (S3-001) and the "
                             "district-area limits (S3-002, S3-003), from the registered fire "
                             "metrics; a limit that does not apply (no such stations) is skipped")
def _layout_ok(county, **kw):
    from yingji.compliance._units import convert
    from yingji.compliance.rules import evaluate, load_rules

    load_metric_plugins()
    rules = load_rules("GB51080")
    rules = rules[rules["id"].isin(LAYOUT_RULES)]
    checked, failed, why = [], [], []
    for r in rules.itertuples():
        value = None
        for spec in metric_chain(r.metric):
            try:
                value = spec.func(county, **kw)
            except MetricUnavailable as exc:
                why.append(f"{r.id}: {exc}")
                continue
            if value is not None:
                value = convert(float(value), spec.unit, r.unit)
                break
        if value is None:
            continue
        checked.append(r.id)
        if not evaluate(value, r.operator, r.threshold)[0]:
            failed.append(r.id)
    if "S3-001" not in checked:  # the 5-minute rule is the core of the layout standard
        raise MetricUnavailable("the 5-minute district-edge figure (S3-001) cannot be computed"
                                + (f" ({'; '.join(why)})" if why else ""))
    return not failed


# ---- specialised rescue teams (county plan 三(四)15) ----------------------------------------

_TEAM_SKILLS = {
    "rescue_team_hazchem_exists": ("hazchem", "hazmat", "chemical", "危化", "危险化学品"),
    "rescue_team_noncoal_mine_exists": ("mine", "mining", "矿山"),
    "rescue_team_construction_exists": ("construction", "building_collapse", "建筑施工"),
    "rescue_team_rail_transit_exists": ("rail", "metro", "subway", "轨道交通"),
}


def _make_team_metric(metric, words):
    @register_metric(metric, unit="bool", provisional=True, requires=("teams",),
                     description=f"a team with a skill naming one of {', '.join(words)}")
    def _team(county, **kw):
        t = getattr(county, "teams", None)
        if not isinstance(t, pd.DataFrame):
            raise MetricUnavailable("the county has no 'teams' table")
        if t.empty:
            return False
        skills = _column(t, "teams", "skills").astype(str).str.lower()
        toks = [w.strip() for w in skills.str.split(r"[;,]").explode() if isinstance(w, str)]
        # a skill token containing a keyword counts ("non_coal_mine", "hazardous_chemicals")
        return any(k in tok for tok in toks for k in words if tok)


for _m, _w in _TEAM_SKILLS.items():
    _make_team_metric(_m, _w)

del _cls, _m, _w
assert all(k not in METRIC_ALIASES for k in _REGISTRY)  # stored under canonical names
