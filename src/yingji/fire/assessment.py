"""The fire assessment: response districts and the standard's checks, rule by rule.

Each in-scope demand point belongs to the district of the station that reaches it first;
:func:`assess` measures districts (area, edge and percentile travel times), coverage shares,
the full first alarm, staffing, vehicles and setbacks against a :class:`FireStandard`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from yingji import config
from yingji._render.display import displayable
from yingji._kernels.fire import _district_totals, _kth_arrival, _nearest_station
from yingji._validation import Interval, Problems, check_array, check_param
from yingji.exceptions import ValidationError
from yingji.fire import display as _display
from yingji.fire.availability import SERVICE_MINUTES, _assess_figures, _engines
from yingji.fire.inputs import _Demand, _prepare, _times
from yingji.fire.standard import FireStandard
from yingji.geo.features import GeoRef, _GeoOut, district_layer, point_layer
from yingji.results import to_jsonable


def weighted_percentile(values, weights=None, q: float = 0.9) -> float:
    """Smallest value whose cumulative weight share reaches ``q`` (inverse weighted CDF).

    ``q = 1`` gives the maximum among positive-weight values. Zero-weight values are ignored;
    ``nan`` when there is no positive weight. ``inf`` values count (unreached incidents).
    ``q`` must lie in (0, 1] (a ``ValidationError`` otherwise).

    Examples
    --------
    >>> weighted_percentile([1, 2, 3, 4], [1, 1, 1, 1], 0.5)
    2.0
    >>> weighted_percentile([1, 2, 3, 4], [1, 1, 1, 7], 0.5)
    4.0
    """
    probs = Problems("weighted_percentile")
    q = check_param(probs, "q", q, Interval(float, 0, 1, closed="right"))
    n = int(np.size(values)) if not isinstance(values, (str, bytes, dict)) else 1
    v = check_array(probs, "values", values, n, nonneg=False, allow_inf=True, what="minutes or any one unit")
    w = np.ones(n) if weights is None else check_array(probs, "weights", weights, n,
                                                        what="one per entry of 'values'")
    probs.raise_if_any()
    keep = w > 0
    v, w = v[keep], w[keep]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w) / w.sum()
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[min(k, v.size - 1)])


def _venue_kind(kind: str) -> str:
    k = re.sub(r"[_\-]+", " ", str(kind).strip().lower())
    if "crowd" in k or "人员密集" in k:
        return "crowded"
    if "hazard" in k or "危险" in k or "hazmat" in k:
        return "hazardous"
    return "other"


@displayable
@dataclass(frozen=True)
class FireAssessment(_GeoOut):
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
    availability : dict
        Coverage with busy engines (see :mod:`yingji.fire.availability`): ``busy`` (busy
        fraction of an engine: the county's calls × ``service_minutes`` over its engines, or the
        ``busy`` given), ``engines``, ``expected_population`` and ``expected_share`` (in-scope
        population reached in time counting busy engines, :math:`\\sum_i p_i (1 - q^{n_i})`
        with :math:`n_i` the engines of the stations within the budget), and with
        ``availability=alpha``: ``required_engines`` (:math:`b`), ``reliable_population``,
        ``reliable_share`` (points with :math:`n_i \\ge b`). NaN without call rates.
    geo : yingji.geo.GeoRef or None
        The CRS of ``x``/``y`` (set by :func:`assess` from the county): :meth:`to_geojson`
        writes layers ``station``, ``demand`` (``covered``, ``district`` ...) and ``district``
        (polygons: Voronoi cells of the in-scope points of each district, unioned).
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
    availability: dict = field(default_factory=dict)
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        pts, st = self.points, self.stations
        inscope = pts["in_scope"].to_numpy(bool) & pts[["x", "y"]].notna().all(axis=1).to_numpy() \
            if {"x", "y"} <= set(pts.columns) else np.zeros(len(pts), dtype=bool)
        dl = district_layer("district", pts[["x", "y"]].to_numpy(float)[inscope] if inscope.any()
                            else np.empty((0, 2)), pts["district"].to_numpy(object)[inscope],
                            st.index[st["has_district"].to_numpy(bool)])
        # the standard's district area (urban built-up points) beside the polygon's land area
        dl.props["district_area_km2"] = st["area_km2"].reindex(dl.props.index).to_numpy(float)
        # one name for the standard's district area in every layer (stations["area_km2"])
        return [point_layer("station", st.rename(columns={"area_km2": "district_area_km2"})),
                point_layer("demand", pts), dl]

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
            "availability": dict(self.availability),
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
        av = self.availability or {}
        if np.isfinite(av.get("expected_share", float("nan"))):
            lines.append(f"Counting busy engines (each busy {av['busy']:.1%} of the time): "
                         f"{_pct(av['expected_share'])} of the in-scope population expected to be reached in time"
                         + (f"; {_pct(av['reliable_share'])} with {av['required_engines']} engine(s) in reach "
                            f"(reliability {av['alpha']:.0%})" if av.get("required_engines") else "") + ".")
        if unconf:
            lines.append(f"Thresholds used that are not confirmed: {', '.join(unconf)}.")
        lines.append("Overall: " + ("COMPLIANT" if self.compliant else "NOT COMPLIANT") + ".")
        return "\n".join(lines)

    def plot(self, ax=None, *, lang: str = "en", county=None):
        """The county map style (needs matplotlib): demand points reached / not reached within
        the driving budget, the stations; km axes, scale bar and north arrow. With the
        ``county`` it was made on: roads, districts, service areas and township names too."""
        from yingji._render.figures import new_figure

        if ax is None:
            ax = new_figure(8.6, 6.4, lang).subplots()
        ax = _display.draw_map(self, ax, lang, county=county)
        ax.set_title(f"Fire districts ({self.standard.name}, {self.travel_budget:g} min)"
                     if lang == "en" else f"消防站辖区({self.standard.name},{self.travel_budget:g}分钟)",
                     fontsize=10)
        return ax

    def _summary_(self, lang: str = "en") -> dict:
        return _display.assessment_summary(self, lang)

    def _map_(self, ax, lang: str = "en", county=None):
        return _display.draw_map(self, ax, lang, county=county)


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
              units: pd.DataFrame | None, notes: list[str], avail: dict | None = None) -> FireAssessment:
    """The assessment of stations ``st`` (normalised) over demand ``dm`` with times ``T`` (n × s).

    Districts and coverage here; the per-point table (:func:`_points_frame`), the rural figures
    (:func:`_rural_figures`), the travel percentiles (:func:`_incident_weights`,
    :func:`_district_percentiles`, :func:`_full_alarm`) and the stations with their checks
    (:func:`_station_checks`) in helpers. ``notes`` is appended to, in this order.
    """
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
    w_inc, w_name = _incident_weights(dm.incidents, pop, in_scope, scope_pop)
    travel_pct = weighted_percentile(tmin[in_scope], w_inc[in_scope], std.percentile) if in_scope.any() else float("nan")
    st_pct = _district_percentiles(std, edge, pos, in_scope, tmin, w_inc, pop)
    full_alarm, fa_pct = _full_alarm(std, st, units, act, Ta, in_scope, w_inc, notes)
    notes.append(f"Percentiles weighted by {w_name}.")
    pts = _points_frame(dm, st, pos, in_scope, pop, tmin, budget, rural_budget, full_alarm)
    rural = _rural_figures(std, pop, in_scope, tmin, rural_budget, ids_arr)
    stf, ck = _station_checks(std, st, venues, units, notes, has_d=has_d, count=count, a_sum=a_sum, p_sum=p_sum,
                              edge=edge, st_pct=st_pct, budget=budget, in_scope=in_scope, travel_pct=travel_pct,
                              full_alarm=full_alarm, fa_pct=fa_pct)
    compliant = not bool(ck["passed"].eq(False).fillna(False).any())
    av = {"busy": None, "service_minutes": SERVICE_MINUTES, "alpha": None, **(avail or {})}
    avail_fig = _assess_figures(dm, pop, in_scope, Ta, _engines(st.iloc[act]), budget, **av)
    return FireAssessment(
        standard=std, travel_budget=float(budget), coverage_share=float(coverage_share),
        area_share=float(area_share), covered_population=cov_pop, scope_population=scope_pop,
        stations=stf, points=pts, checks=ck, uncovered=uncovered, unreachable=unreachable,
        travel_percentile=float(travel_pct), full_alarm_percentile=float(fa_pct), rural=rural,
        compliant=compliant, notes=tuple(dict.fromkeys(notes)), availability=avail_fig,
    )


def _incident_weights(inc: np.ndarray, pop: np.ndarray, in_scope: np.ndarray, scope_pop: float):
    """Weights of the travel percentiles and their name: incidents per year where recorded in scope,
    else population, else one per point."""
    if np.isfinite(inc).any() and np.nansum(inc[in_scope]) > 0:
        return np.nan_to_num(inc), "incidents_per_year"
    if scope_pop > 0:
        return pop, "population"
    return np.ones(len(pop)), "points"


def _district_percentiles(std: FireStandard, edge, pos, in_scope, tmin, w_inc, pop) -> np.ndarray:
    """Per station: the standard's percentile of driving minutes over its own district."""
    s = len(edge)
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
    return st_pct


def _full_alarm(std: FireStandard, st, units, act, Ta, in_scope, w_inc, notes: list[str]):
    """Minutes per point until the full first alarm is on scene, and their percentile (None, NaN
    when the standard has no full alarm)."""
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
    return full_alarm, fa_pct


def _points_frame(dm: _Demand, st, pos, in_scope, pop, tmin, budget, rural_budget, full_alarm) -> pd.DataFrame:
    """The per-point table of :attr:`FireAssessment.points`."""
    tol = config.COVER_TOL
    s = len(st)
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
    return pts


def _rural_figures(std: FireStandard, pop, in_scope, tmin, rural_budget, ids_arr) -> dict:
    """Out-of-scope points against the township profile (:attr:`FireAssessment.rural`)."""
    tol = config.COVER_TOL
    rural_mask = ~in_scope
    r_pop = float(pop[rural_mask].sum())
    r_cov = float(pop[rural_mask & (tmin <= rural_budget + tol)].sum()) if np.isfinite(rural_budget) else float("nan")
    rt = std.threshold("rural_response_minutes")
    return {
        "points": int(rural_mask.sum()),
        "population": r_pop,
        "travel_budget": rural_budget,
        "covered_population": r_cov,
        "covered_share": (r_cov / r_pop) if r_pop > 0 else float("nan"),
        "uncovered": ids_arr[rural_mask & ~(tmin <= rural_budget + tol)].tolist(),
        "status": rt.status if rt else "not in profile",
        "clause": rt.clause if rt else "",
    }


def _station_checks(std: FireStandard, st, venues, units, notes: list[str], *, has_d, count, a_sum, p_sum, edge,
                    st_pct, budget, in_scope, travel_pct, full_alarm, fa_pct) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The station table (:attr:`FireAssessment.stations`) and the checks rule by rule."""
    tol = config.COVER_TOL
    cls = st["station_class"].tolist()
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
    crowded_m, hazard_m, violations, sxy = _setbacks(std, st, venues, notes)
    ck = _checks(std, st, has_d=has_d, count=count, edge_flag=edge_flag, area_col=area_col, edge_col=edge_col,
                 pct_col=pct_col, staff=staff, vehicles=vehicles, crowded_m=crowded_m, hazard_m=hazard_m,
                 budget=budget, in_scope=in_scope, travel_pct=travel_pct, full_alarm=full_alarm, fa_pct=fa_pct)

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
    return stf, ck


def _setbacks(std: FireStandard, st, venues, notes: list[str]):
    """Straight-line metres from each station to the nearest crowded venue and hazardous-goods
    site, the venues closer than the setback per station, and the stations' x/y."""
    tol = config.COVER_TOL
    s = len(st)
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
    return crowded_m, hazard_m, violations, sxy


def _checks(std: FireStandard, st, *, has_d, count, edge_flag, area_col, edge_col, pct_col, staff, vehicles,
            crowded_m, hazard_m, budget, in_scope, travel_pct, full_alarm, fa_pct) -> pd.DataFrame:
    """One row per rule evaluated (:attr:`FireAssessment.checks`): per station, then county-wide."""
    tol = config.COVER_TOL
    cls = st["station_class"].tolist()
    spv = std.get("staff_per_vehicle")
    crew = std.get("crew_per_company")
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
    return ck


def _ok_col(value: np.ndarray, required: np.ndarray):
    out = pd.array([pd.NA] * len(value), dtype="boolean")
    ok = np.isfinite(value) & np.isfinite(required)
    with np.errstate(invalid="ignore"):
        out[ok] = value[ok] >= required[ok] - config.COVER_TOL
    return out


def assess(county=None, *, standard="GB51080", stations=None, demand=None, times=None, venues=None,
           units=None, turnout_minutes: float | None = None,
           rural_response_minutes: float | None = None, availability: float | None = None,
           busy: float | None = None, service_minutes: float = SERVICE_MINUTES,
           hour: int | None = None) -> FireAssessment:
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
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
    venues : DataFrame, optional
        ``x``, ``y``, ``kind`` ("crowded venue" / "hazardous goods" ...) for the setbacks.
    units : DataFrame, optional
        ``station``, ``type``: companies per station when ``stations`` has no engine/ladder counts.
    turnout_minutes, rural_response_minutes : float, optional
        Replace the profile's values (minutes).
    availability : float in (0, 1), optional
        Also report the share covered with this reliability (``availability["reliable_share"]``).
    busy : float in [0, 1), optional
        Busy fraction of an engine; default from ``incidents_per_year`` and ``service_minutes``.
    service_minutes : float
        Mean minutes an engine is busy per call (default 45).

    Returns
    -------
    FireAssessment
        ``availability`` holds the coverage counting busy engines (expected coverage, Daskin
        1983; with ``availability``, coverage with that reliability, ReVelle and Hogan 1989).

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
    avail = _check_availability(probs, availability, busy, service_minutes)
    T = _times(times, county, dm, st, dm_raw, probs, hour=hour) if not probs.items else None
    probs.raise_if_any()
    return replace(_evaluate(std, st, dm, T, ven, un, [], avail), geo=GeoRef.of(county, tables=False))


def _check_availability(probs, availability, busy, service_minutes) -> dict:
    """``availability``, ``busy`` and ``service_minutes`` of :func:`assess` / :func:`plan` (problems to
    ``probs``)."""
    a = check_param(probs, "availability", availability, Interval(float, 0, 1, closed="neither"), None)
    q = check_param(probs, "busy", busy, Interval(float, 0, 1, closed="left"), None)
    s = check_param(probs, "service_minutes", service_minutes, Interval(float, 0, None, closed="neither"),
                    default=SERVICE_MINUTES)
    return {"alpha": a, "busy": q, "service_minutes": s}
