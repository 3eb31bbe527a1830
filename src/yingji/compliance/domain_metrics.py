"""The metrics the compliance engine computes with the domain models (planning · compliance layer).

The compliance engine lists here, explicitly, which domain function computes which rule metric:
fire-station districts and travel percentiles (:mod:`yingji.fire`), shelter radii and capacity
(:mod:`yingji.shelters`), mutual aid (:mod:`yingji.teams`), stock and first-supplies time
(:mod:`yingji.supplies`) and simulated response (:mod:`yingji.simulation`). No domain module
imports the compliance package or registers itself into it; :func:`register_domain_metrics`
runs once, when the engine first needs its metrics (:func:`yingji.compliance.metrics.load_metric_plugins`),
and an import error here is an error, never a silently missing metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji import config, fire, shelters, simulation, supplies, teams
from yingji.compliance.metrics import MetricUnavailable, register_metric
from yingji.exceptions import ValidationError

__all__ = ["register_domain_metrics", "METRIC_REPLICATIONS", "METRIC_HORIZON_HOURS"]


# ==========================================================================================
# fire
# ==========================================================================================
_fire_CACHE: dict = {}


def _fire_cached_assess(county, standard: str) -> fire.FireAssessment:
    """``fire.assess(county, standard=...)`` once per county object and standard (metrics share it)."""
    import weakref

    key = (id(county), standard)
    hit = _fire_CACHE.get(key)
    if hit is not None and hit[0]() is county:
        return hit[1]
    a = fire.assess(county, standard=standard)
    try:
        ref = weakref.ref(county)
    except TypeError:  # pragma: no cover - counties are weak-referenceable
        return a
    _fire_CACHE.clear()  # keep one county at a time
    _fire_CACHE[key] = (ref, a)
    return a


def _fire_district_max(a: fire.FireAssessment, *, classes=None, edge=None) -> float:
    s = a.stations[a.stations["has_district"]]
    if classes is not None:
        s = s[s["station_class"].isin(classes)]
    if edge is not None:
        s = s[s["urban_edge"] == edge]
    if len(s) == 0:
        raise MetricUnavailable(f"the county has no such stations with a district (classes {classes}, edge {edge})")
    return float(s["area_km2"].max())


def _register_fire() -> None:
    @register_metric("fire_response_edge_minutes", unit="min", requires=("stations", "demand"),
                     description="slowest in-scope (urban) point: turnout + driving from the first station "
                                 "(yingji.fire.assess, GB51080)")
    def _edge(county, **kw):
        a = _fire_cached_assess(county, "GB51080")
        if not a.points["in_scope"].any():
            raise MetricUnavailable("no urban (in-scope) demand points")
        return float(a.travel_percentile + a.standard.turnout_minutes)

    @register_metric("fire_district_area_standard_km2", unit="km2", requires=("stations", "demand"),
                     description="largest district of a station not on the urban edge (yingji.fire.assess)")
    def _std_area(county, **kw):
        return _fire_district_max(_fire_cached_assess(county, "GB51080"), edge=False)

    @register_metric("fire_district_area_edge_km2", unit="km2", requires=("stations", "demand"),
                     description="largest district of an urban-edge / new-district station (yingji.fire.assess)")
    def _edge_area(county, **kw):
        return _fire_district_max(_fire_cached_assess(county, "GB51080"), edge=True)

    def _class_area(cls):
        @register_metric(f"district_area_{cls}_km2", unit="km2", requires=("stations", "demand"),
                         description=f"largest district of a {cls} station not on the urban edge "
                                     f"(yingji.fire.assess)")
        def _f(county, **kw):
            return _fire_district_max(_fire_cached_assess(county, "GB51080"), classes=[cls], edge=False)

    for cls in ("class1", "class2", "small", "special"):
        _class_area(cls)

    def _setback(kind_col, what):
        def _f(county, **kw):
            a = _fire_cached_assess(county, "GB51080")
            v = a.stations[kind_col].to_numpy(float)
            if not np.isfinite(v).any():
                raise MetricUnavailable(f"no {what} with coordinates in the venues table")
            return float(np.nanmin(v))
        return _f

    register_metric("station_exit_to_crowd_exit_m", unit="m", requires=("stations", "venues"),
                    description="closest crowded venue to a station (straight line from the station point)")(
        _setback("crowded_venue_m", "crowded venues"))
    register_metric("station_to_hazmat_m", unit="m", requires=("stations", "venues"),
                    description="closest hazardous-goods site to a station (straight line)")(
        _setback("hazardous_m", "hazardous-goods sites"))

    @register_metric("first_engine_travel_s_p90", unit="min", requires=("stations", "demand"),
                     description="first-engine driving minutes at the 90th percentile of incidents "
                                 "(yingji.fire.assess, NFPA1710)")
    def _p90(county, **kw):
        a = _fire_cached_assess(county, "NFPA1710")
        if not a.points["in_scope"].any():
            raise MetricUnavailable("no urban (in-scope) demand points")
        return float(a.travel_percentile)

    @register_metric("full_alarm_travel_s_p90", unit="min", requires=("stations", "demand", "units"),
                     description="minutes until the full first alarm (4 companies) is on scene, 90th "
                                 "percentile of incidents (yingji.fire.assess, NFPA1710)")
    def _fa(county, **kw):
        a = _fire_cached_assess(county, "NFPA1710")
        if not np.isfinite(a.full_alarm_percentile) and not a.points["in_scope"].any():
            raise MetricUnavailable("no urban (in-scope) demand points")
        return float(a.full_alarm_percentile)

    @register_metric("company_staffing_min", unit="persons", requires=("stations",),
                     description="fewest staff per engine/ladder company over stations (staff / (engines + ladders))")
    def _crew(county, **kw):
        st_ = getattr(county, "stations", None)
        if st_ is None or len(st_) == 0 or "staff" not in st_.columns:
            raise MetricUnavailable("no stations with staff")
        comp = (pd.to_numeric(st_.get("engines", 0), errors="coerce").fillna(0)
                + pd.to_numeric(st_.get("ladders", 0), errors="coerce").fillna(0)).to_numpy(float)
        staff = pd.to_numeric(st_["staff"], errors="coerce").to_numpy(float)
        ok = comp > 0
        if not ok.any():
            raise MetricUnavailable("no station has engines or ladders")
        return float(np.nanmin(staff[ok] / comp[ok]))


# ==========================================================================================
# shelters
# ==========================================================================================
# --------------------------------------------------------------------------------------------
# computed metrics for the compliance engine (yingji.compliance.metrics)
# --------------------------------------------------------------------------------------------
_shelters_METRIC_CACHE: dict = {}


def _shelters_fingerprint(county) -> tuple:
    parts = []
    for name in ("demand", "shelters"):
        t = getattr(county, name, None)
        if isinstance(t, pd.DataFrame):
            try:
                h = int(pd.util.hash_pandas_object(t.astype(str), index=True).sum())
            except TypeError:  # pragma: no cover - unhashable cells
                h = id(t)
            parts.append((name, t.shape, h))
    parts.append(("network", id(getattr(county, "network", None))))
    return tuple(parts)


def _shelters_metric_assessment(county, time_limit=None) -> shelters.ShelterAssessment:
    """``shelters.assess(county)`` for the metric functions, computed once per county state."""
    sh = getattr(county, "shelters", None)
    if not isinstance(sh, pd.DataFrame) or sh.empty:
        raise MetricUnavailable("the county has no shelters table")
    fp = _shelters_fingerprint(county)
    hit = _shelters_METRIC_CACHE.get("last")
    if hit is not None and hit[0] is county and hit[1] == fp:
        return hit[2]
    tl = config.TIME_LIMIT if time_limit is None else max(float(time_limit), 1.0)
    try:
        s = shelters.assess(county, time_limit=tl)
    except ValidationError as exc:
        raise MetricUnavailable(f"yingji.shelters.assess cannot run on this county: {exc}") from exc
    _shelters_METRIC_CACHE["last"] = (county, fp, s)
    return s


def _shelters_rule_value(rule: str):
    def metric(county, *, time_limit=None, **kw):
        s = _shelters_metric_assessment(county, time_limit)
        return float(s.rules.loc[rule, "value"])

    metric.__name__ = metric.__qualname__ = f"_metric_{rule.replace('-', '_')}"
    return metric


def _register_shelters() -> None:
    reg = [
        ("shelter_area_per_capita", "S1-145", "m2/person",
         "effective shelter area per resident within walking reach: population-weighted 2SFCA "
         "ratio over the network (yingji.shelters.assess)"),
        ("emergency_shelter_walk_distance_m", "S4-010", "m",
         "walking metres along the network from the farthest populated urban demand point to its "
         "nearest shelter of any class (yingji.shelters.assess; GB 50413 scope: urban points)"),
        ("evac_distance_emergency_m", "S4-010", "m",
         "walking metres from the farthest populated urban demand point to its nearest shelter "
         "(yingji.shelters.assess; GB 50413 scope: urban points)"),
        ("fixed_shelter_walk_distance_m", "S4-011", "m",
         "walking metres from the farthest populated urban demand point to its nearest fixed or "
         "central shelter (yingji.shelters.assess; GB 50413 scope: urban points)"),
        ("fixed_shelter_capacity_share", "S4-033", "%",
         "places in fixed and central shelters (area / class norm) per 100 residents, "
         "county-wide (yingji.shelters.assess)"),
    ]
    for metric, rule, unit, desc in reg:
        register_metric(metric, unit=unit, description=desc,
                        requires=("shelters", "demand", "network"), replace=True)(_shelters_rule_value(rule))

    def _site(classes, label):
        def metric(county, **kw):
            sh = getattr(county, "shelters", None)
            if not isinstance(sh, pd.DataFrame) or sh.empty or "area_m2" not in sh.columns:
                raise MetricUnavailable("the county has no shelters table with area_m2")
            cls = sh["shelter_class"].astype(str).str.strip().str.lower().to_numpy(dtype=object)
            mask = np.isin(cls, list(classes))
            if not mask.any():
                raise MetricUnavailable(f"the county has no {label} shelters")
            a = pd.to_numeric(sh["area_m2"], errors="coerce").to_numpy(float, na_value=np.nan)
            if "site_area_m2" in sh.columns:
                site = pd.to_numeric(sh["site_area_m2"], errors="coerce").to_numpy(
                    float, na_value=np.nan)
                a = np.where(np.isfinite(site), site, a)
            return float(np.nanmin(a[mask]))

        metric.__name__ = metric.__qualname__ = f"_metric_site_{label}"
        return metric

    for metric, classes, label in (("emergency_shelter_site_hm2", ("emergency",), "emergency"),
                                   ("fixed_shelter_site_hm2", ("fixed",), "fixed"),
                                   ("central_shelter_site_hm2", ("central",), "central")):
        register_metric(metric, unit="m2", requires=("shelters",), replace=True,
                        description=f"smallest site area among {label} shelters (site_area_m2 "
                                    f"when given, else the effective area_m2)")(
            _site(classes, label))

    def _classes_assigned(county, **kw):
        sh = getattr(county, "shelters", None)
        if not isinstance(sh, pd.DataFrame) or sh.empty:
            raise MetricUnavailable("the county has no shelters table")
        cls = sh["shelter_class"].astype(str).str.strip().str.lower()
        return bool(cls.isin(shelters.CLASSES).all())

    register_metric("shelter_class_assigned", unit="bool", requires=("shelters",), replace=True,
                    description="every shelter has a class: emergency / fixed / central "
                                "(GB 51143-2015 3.1.4)")(_classes_assigned)


# ==========================================================================================
# teams
# ==========================================================================================
def _register_teams() -> None:
    @register_metric("small_firm_rescue_arrangement_rate", unit="%", requires=("enterprises", "teams"),
                     description="enterprises without a team that get a mutual-aid agreement with a team "
                                 "of their skill within 30 min (yingji.teams.allocate)")
    def _aid_rate(county, *, time_limit=None, **kw):
        ent = getattr(county, "enterprises", None)
        if ent is None or len(ent) == 0:
            raise MetricUnavailable("the county has no enterprises table")
        al = teams.allocate(county, time_limit=time_limit or config.TIME_LIMIT)
        return 100.0 * len(al.mutual_aid) / len(ent)


# ==========================================================================================
# supplies
# ==========================================================================================
def _register_supplies() -> None:
    def _supplies_assessment(county, time_limit):
        if getattr(county, "depots", None) is None or len(county.depots) == 0:
            raise MetricUnavailable("the county has no depots")
        return supplies.assess(county, time_limit=time_limit or config.TIME_LIMIT)

    @register_metric("county_depot_evacuee_capacity", unit="persons", requires=("depots", "stock", "items"),
                     description="evacuees whose full item norm the usable stock covers (scarcest item decides)")
    def _evac(county, *, time_limit=None, **kw):
        return _supplies_assessment(county, time_limit).evacuee_capacity

    @register_metric("first_supplies_arrival_h", unit="h", requires=("depots", "demand"),
                     description="latest arrival, over townships, of the first supplies each needs: per item, "
                                 "from the nearest depot that holds it (yingji.supplies.assess)")
    def _first(county, *, time_limit=None, **kw):
        a = _supplies_assessment(county, time_limit)
        return float(a.townships["first_supplies_minutes"].max()) / 60.0

    @register_metric("water_lpcd", unit="L/person/day", requires=("items",),
                     description="water norm of the county's item table (litres per person per day)")
    def _water(county, **kw):
        items = getattr(county, "items", None)
        if items is None or len(items) == 0:
            raise MetricUnavailable("the county has no items table")
        it = items.set_index("item") if "item" in items.columns else items
        if "water" not in it.index:
            raise MetricUnavailable("the items table has no 'water' row")
        return float(it.loc["water", "per_person_per_day"])


# ==========================================================================================
# simulation
# ==========================================================================================
#: Replications and horizon of the simulation behind the ``simulated_*`` compliance metrics.
METRIC_REPLICATIONS = 5


METRIC_HORIZON_HOURS = 24.0 * 365.0


_simulation_METRIC_CACHE: dict = {}


def _simulation_metric_simulation(county, seed, standard) -> simulation.SimulationResult:
    """One simulation per (county, seed, standard), shared by the ``simulated_*`` metrics."""
    key = (id(county), seed, standard)
    hit = _simulation_METRIC_CACHE.get(key)
    if hit is not None and hit[0] is county:
        return hit[1]
    sim = simulation.simulate(county, horizon_hours=METRIC_HORIZON_HOURS, replications=METRIC_REPLICATIONS,
                   seed=seed, standard=standard)
    _simulation_METRIC_CACHE.clear()  # keep one county's figures only
    _simulation_METRIC_CACHE[key] = (county, sim)
    return sim


def _register_simulation() -> None:
    """Register the simulated figures in the compliance metric registry.

    ``simulated_p90_minutes`` (turnout + travel, 90th percentile of calls),
    ``simulated_mean_minutes``, ``simulated_within_standard`` (share of calls within
    the GB 51080 5-minute limit) and ``simulated_first_due_busy`` (share): one simulation of
    ``METRIC_REPLICATIONS`` × ``METRIC_HORIZON_HOURS`` with the check's ``seed`` (0 when none).
    Rules may name them (a user's rules file or a county's own targets); ``metric_kw`` may pass
    ``standard=``.
    """

    def make(attr, unit, desc):
        def metric(county, *, seed=None, standard="GB51080", **kw):
            if county is None or getattr(county, "stations", None) is None or county.stations.empty:
                raise MetricUnavailable("the county has no stations")
            demand = getattr(county, "demand", None)
            if demand is None or demand.empty or "incidents_per_year" not in demand.columns:
                raise MetricUnavailable("the county's demand table has no incidents_per_year")
            sim = _simulation_metric_simulation(county, 0 if seed is None else seed, standard)
            return float(getattr(sim, attr))

        metric.__name__ = metric.__qualname__ = f"_metric_simulated_{attr}"
        register_metric(f"simulated_{attr}", unit=unit, description=desc,
                        requires=("stations", "units", "demand", "network"), replace=True)(metric)

    make("p90_minutes", "min", "90th percentile of simulated response (turnout + travel) over calls, "
                               "nearest available engine, busy units (yingji.simulation.simulate)")
    make("mean_minutes", "min", "mean simulated response (turnout + travel) over calls "
                                "(yingji.simulation.simulate)")
    make("within_standard", "share", "share of simulated calls answered within the standard's limit "
                                     "(GB 51080: 5 min) (yingji.simulation.simulate)")
    make("first_due_busy", "share", "share of simulated calls whose first-due unit was busy "
                                    "(yingji.simulation.simulate)")


_REGISTERED = False


def register_domain_metrics() -> None:
    """Register every domain metric above (once; later calls do nothing)."""
    global _REGISTERED
    if _REGISTERED:
        return
    for reg in (_register_fire, _register_shelters, _register_teams, _register_supplies, _register_simulation):
        reg()
    _REGISTERED = True
