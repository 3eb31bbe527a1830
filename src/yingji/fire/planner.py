"""The fire plan: new stations that bring a county to the standard (:func:`plan`).

Validates the plan's inputs, builds the siting data from the assessment before, solves the
model of :mod:`yingji.fire.model` (LSCP / partial cover, MCLP when a budget binds), assesses
the county after, and traces the coverage against the number of new stations (:func:`_tradeoff`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from yingji import config
from yingji._render.display import displayable
from yingji.fire import display as _display
from yingji._validation import MIP_GAP, TIME_LIMIT, Interval, check_param
from yingji._deadline import Deadline
from yingji._validation import describe_positions
from yingji.exceptions import InfeasibleError
from yingji.fire.apparatus import ApparatusPlan, place_apparatus
from yingji.fire.assessment import FireAssessment, _check_availability, _evaluate, _fmt, _pct
from yingji.fire.availability import SERVICE_MINUTES, _choose_available
from yingji.geo.features import GeoRef, _GeoOut, point_layer
from yingji.fire.inputs import _check_stations, _fire_candidates, _numeric, _prepare, _times
from yingji.fire.model import (_build_fire_model, _covered_by, _district_areas, _greedy_plan, _primary, _Sol,
                               _siting_lscp, _siting_mclp, _solve)
from yingji.results import SolveResult, to_jsonable
from yingji.solvers import gap_of


@displayable
@dataclass(frozen=True)
class FirePlan(_GeoOut, SolveResult):
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
        when ``budget`` binds), with ``availability``: ``"reliable_cover"`` (fewest new stations
        giving every coverable point the engines the reliability needs) or ``"mexclp"`` (most
        expected covered population with ``budget``), or ``"none"`` (nothing to decide).
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
        Whether the district-area limits were part of the model (False for an
        ``availability=`` plan, whose model has none; ``notes`` says so).
    seconds : float
    notes : tuple of str
    stages : tuple of yingji.solvers.Stage
        For ``objective="count"`` with candidate costs, the two stages of the lexicographic
        solve: ``count`` (new stations; ``bound`` proven over all plans) and ``cost`` (their
        cost; ``bound`` proven over the plans with that many new stations). Empty otherwise.
    availability : dict or None
        With ``availability=``: ``alpha``, ``busy`` (busy fraction of an engine after the plan),
        ``required_engines``, ``engines``, ``service_minutes``; the expected and reliable
        coverage before and after are in ``before.availability`` / ``after.availability``.
    """

    new_stations: list
    before: FireAssessment
    after: FireAssessment
    model: str
    cost: float
    target: float
    target_met: bool
    unreachable: list
    tradeoff: pd.DataFrame
    relaxed_limits: dict
    backup_short: list
    apparatus: ApparatusPlan | None
    area_limits: bool
    notes: tuple = ()
    stages: tuple = ()
    availability: dict | None = None
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        """Stations after the plan (``new`` marks the chosen candidates), demand points with
        ``covered_before``/``covered`` (after), and the districts after."""
        a = self.after._geo_layers()
        st = self.after.stations.copy()
        st.insert(0, "new", st.index.isin([str(i) for i in self.new_stations]))
        pts = self.after.points.copy()
        pts.insert(0, "covered_before", self.before.points["covered"].reindex(pts.index).to_numpy())
        return [point_layer("station", st), point_layer("demand", pts), a[2]]

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

    def plot(self, ax=None, *, lang: str = "en", county=None):
        """The plan on the county map style (needs matplotlib): new stations starred, demand
        reached / not reached after the plan; with the ``county`` it was made on, also roads,
        districts, service areas and township names."""
        from yingji._render.figures import new_figure

        if ax is None:
            ax = new_figure(8.6, 6.4, lang).subplots()
        ax = _display.draw_map(self.after, ax, lang, self.new_stations, county=county)
        ax.set_title(f"Fire plan: {self.n_new} new station(s), {_pct(self.before.coverage_share)} -> "
                     f"{_pct(self.after.coverage_share)} reached", fontsize=10)
        return ax

    def _summary_(self, lang: str = "en") -> dict:
        return _display.plan_summary(self, lang)

    def _map_(self, ax, lang: str = "en", county=None):
        return _display.draw_map(self.after, ax, lang, self.new_stations, county=county)

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
            "availability": self.availability,
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
        if self.availability:
            av, bv = self.after.availability, self.before.availability
            lines.append(f"Counting busy engines (busy {self.availability['busy']:.1%}, reliability "
                         f"{self.availability['alpha']:.0%} needs {self.availability['required_engines']} engine(s) in "
                         f"reach): expected share reached {_pct(bv.get('expected_share', np.nan))} -> "
                         f"{_pct(av.get('expected_share', np.nan))}; reliably {_pct(bv.get('reliable_share', np.nan))}"
                         f" -> {_pct(av.get('reliable_share', np.nan))}.")
        if self.relaxed_limits:
            lines.append("Area limits no plan can meet (minimal districts used): " + ", ".join(
                f"{k} {v:.2f} km²" for k, v in self.relaxed_limits.items()) + ".")
        if self.apparatus is not None:
            lines.append(self.apparatus.summary())
        return "\n".join(lines)


def plan(county=None, *, standard="GB51080", target: float = 1.0, budget: int | None = None,
         cost_budget: float | None = None, objective: str = "count", stations=None, demand=None,
         candidates=None, times=None, hour: int | None = None, venues=None, units=None,
         area_limits: bool = True,
         backup_minutes: float | None = None, tradeoff: bool = True, tradeoff_max: int | None = None,
         fleet: dict | None = None, turnout_minutes: float | None = None,
         rural_response_minutes: float | None = None, availability: float | None = None,
         busy: float | None = None, service_minutes: float = SERVICE_MINUTES, solver=None,
         time_limit: float = config.TIME_LIMIT, mip_gap: float = config.MIP_GAP) -> FirePlan:
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
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
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
        place the apparatus at the open stations with :func:`place_apparatus` (a missing
        ``engines`` or ``ladders`` is 0; other keys are an error).
    turnout_minutes, rural_response_minutes : float, optional
        Replace the profile's values.
    availability : float in (0, 1), optional
        Plan for busy engines (:mod:`yingji.fire.availability`): without ``budget``, the fewest
        new stations that give every coverable in-scope point the engines within the travel
        budget that make one of them free with this probability (ReVelle and Hogan's
        reliability); with ``budget``, the most expected covered population (MEXCLP, Daskin
        1983, each station's engines its units). Not with ``cost_budget`` or
        ``backup_minutes``; district-area limits are not modelled then.
    busy : float in [0, 1), optional
        Busy fraction of an engine; default from ``incidents_per_year`` and
        ``service_minutes`` over the engines after the plan.
    service_minutes : float
        Mean minutes an engine is busy per call (default 45).
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
    cand, ccost, tgt, tl = _check_plan_args(func, county, candidates, std, st, probs, objective=objective,
                                            target=target, budget=budget, cost_budget=cost_budget,
                                            backup_minutes=backup_minutes, time_limit=time_limit, mip_gap=mip_gap)
    fleet = _fleet_kwargs(fleet, probs)
    avail = _check_availability(probs, availability, busy, service_minutes)
    if availability is not None and (cost_budget is not None or backup_minutes is not None):
        probs.add(f"The 'availability' parameter of {func} cannot be combined with 'cost_budget' or "
                  f"'backup_minutes'.")
    probs.raise_if_any()
    dl = Deadline(tl, t0)  # every phase below gets the time that is left, not tl again
    sites_df = pd.concat([st, cand]) if len(cand) else st
    T_all = _times(times, county, dm, sites_df, dm_raw, probs, attr="sites", hour=hour)
    probs.raise_if_any()
    notes: list[str] = []
    s = len(st)
    before = _evaluate(std, st, dm, np.ascontiguousarray(T_all[:, :s]), ven, un, list(notes), avail)
    d = _site_data(std, st, cand, dm, T_all, before, ccost, objective=objective, tgt=tgt, area_limits=area_limits,
                   backup_minutes=backup_minutes, notes=notes)
    avail_info = None
    if availability is None:
        model_name, sol, y_open = _choose_sites(d, budget=budget, cost_budget=cost_budget, area_limits=area_limits,
                                                tl=tl, dl=dl, solver=solver, mip_gap=mip_gap, notes=notes)
    else:
        model_name, sol, y_open, avail_info = _choose_available(
            d, dm, alpha=avail["alpha"], busy=avail["busy"], service_minutes=avail["service_minutes"], budget=budget,
            new_engines=_new_engines(std, d), dl=dl, solver=solver, mip_gap=mip_gap, notes=notes)
    new_mask = y_open & ~d.fixed
    new_ids = [str(i) for i in d.site_st.index[new_mask]]
    st_after, T_after, after = _assess_after(std, st, cand, new_ids, T_all, dm, ven, un, notes, avail)
    cov_after = float(after.points.loc[after.points["in_scope"], "population"][
        after.points.loc[after.points["in_scope"], "covered"]].sum())
    target_met = bool(cov_after >= tgt * d.W_cov - 1e-6 * max(1.0, d.W_cov))

    # ------------------------------------------------------------- trade-off
    tr = _tradeoff(d.C, d.w, d.a, d.fixed, d.limit, d.budget_min, d.site_st, before.scope_population, dl,
                   (tradeoff_max if tradeoff_max is not None else (budget if budget is not None else len(new_ids)))
                   if tradeoff and len(d.rows) else -1, solver, mip_gap)
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
    obj, bound, gap, optimal, status = _plan_figures(sol, len(new_ids))
    geo = GeoRef.of(county, tables=False)
    before, after = replace(before, geo=geo), replace(after, geo=geo)
    return FirePlan(
        new_stations=new_ids, before=before, after=after, model=model_name, objective=obj, bound=bound,
        gap=gap, optimal=optimal, status=status, cost=float(d.cost_full[new_mask].sum()), target=tgt,
        target_met=target_met, unreachable=d.unreachable, tradeoff=tr, relaxed_limits=d.relaxed,
        backup_short=d.backup_short, apparatus=apparatus, area_limits=bool(area_limits) and availability is None,
        seconds=time.perf_counter() - t0, notes=tuple(dict.fromkeys(notes)), stages=stages,
        availability=avail_info, geo=geo,
    )


_FLEET_KEYS = ("engines", "ladders", "engine_minutes", "ladder_minutes")


def _fleet_kwargs(fleet, probs) -> dict | None:
    """``fleet`` of :func:`plan` as keyword arguments of :func:`place_apparatus` (a missing
    ``engines`` or ``ladders`` is 0); problems are added to ``probs``."""
    if fleet is None:
        return None
    if not isinstance(fleet, dict):
        probs.param("fleet", "a dict with 'engines', 'ladders' (ints >= 0) and optional 'engine_minutes', "
                    "'ladder_minutes'", type(fleet).__name__)
        return None
    unknown = sorted(set(map(str, fleet)) - set(_FLEET_KEYS))
    if unknown:
        probs.param("fleet", f"a dict with keys among {list(_FLEET_KEYS)}", f"unknown keys {unknown}")
        return None
    out = {"engines": 0, "ladders": 0, **fleet}
    for key in ("engines", "ladders"):
        out[key] = check_param(probs, f"fleet[{key!r}]", out[key], Interval(int, 0, None), default=0)
    for key in ("engine_minutes", "ladder_minutes"):
        if key in out:
            out[key] = check_param(probs, f"fleet[{key!r}]", out[key], Interval(float, 0, None, closed="neither"),
                                   None)
    return out


def _check_plan_args(func, county, candidates, std, st, probs, *, objective, target, budget, cost_budget,
                     backup_minutes, time_limit, mip_gap=config.MIP_GAP):
    """The fire candidates (normalised), their costs, the target share and the time limit of :func:`plan`;
    every bad argument is added to ``probs`` (the caller raises)."""
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
    tgt = check_param(probs, "target", target, Interval(float, 0, 1, closed="right"), default=float("nan"))
    if budget is not None and (isinstance(budget, (bool, np.bool_)) or not isinstance(budget, (int, np.integer))
                               or budget < 0):
        probs.param("budget", "a non-negative int (new stations) or None", budget)
    check_param(probs, "cost_budget", cost_budget, Interval(float, 0, None), None)
    check_param(probs, "backup_minutes", backup_minutes, Interval(float, 0, None, text="a non-negative float (minutes)"),
                None)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=float("nan"))
    check_param(probs, "mip_gap", mip_gap, MIP_GAP)
    return cand, ccost, tgt, tl


@dataclass(frozen=True)
class _Sites:
    """The siting data of :func:`plan`: in-scope rows any site reaches × sites (existing stations
    with a district, fixed, then the candidates), and what the model needs of them."""

    rows: np.ndarray           # demand positions of the model rows
    C: np.ndarray              # rows × sites driving minutes
    w: np.ndarray              # population of the rows
    a: np.ndarray              # area of the rows, km²
    fixed: np.ndarray          # site is an existing station
    limit: np.ndarray          # district-area limit per site, km² (inf: none)
    relaxed: dict              # existing stations whose minimal district is over its limit
    coverable: np.ndarray      # row some site reaches within the budget
    unreachable: list          # in-scope ids no site reaches within the budget
    W_cov: float               # coverable population
    site_st: pd.DataFrame      # the sites' station table
    cost_full: np.ndarray      # cost per site (0 for existing stations)
    count_obj: np.ndarray      # 1 per new site
    lexi: bool                 # count first, then cost (two stages)
    site_obj: np.ndarray       # the single-stage objective per site
    backup: list | None        # (sites within the backup radius, how many) per high-risk row
    backup_short: list         # high-risk ids with fewer than two sites in reach
    forced_all: np.ndarray     # rows that must be covered
    tw: float | None           # covered weight required (target < 1)
    budget_min: float          # travel budget, minutes
    tgt: float                 # target share
    nc: int                    # number of candidates

    @property
    def m(self) -> int:
        return self.C.shape[1]


def _site_data(std, st, cand, dm, T_all, before, ccost, *, objective, tgt, area_limits, backup_minutes,
               notes: list[str]) -> _Sites:
    """The model data of :func:`plan` (a district limit no plan can meet is relaxed and noted)."""
    s, nc = len(st), len(cand)
    budget_min = std.travel_budget
    tol = config.COVER_TOL
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
    return _Sites(rows=rows, C=C, w=w, a=a, fixed=fixed, limit=limit, relaxed=relaxed, coverable=coverable,
                  unreachable=unreachable, W_cov=W_cov, site_st=site_st, cost_full=cost_full, count_obj=count_obj,
                  lexi=lexi, site_obj=site_obj, backup=backup, backup_short=backup_short, forced_all=forced_all,
                  tw=tw, budget_min=budget_min, tgt=tgt, nc=nc)


def _solve_min(d: _Sites, *, area_limits, dl, solver, mip_gap):
    """The fewest (or cheapest) new stations reaching the target: the model with area limits (and
    backup), a greedy MIP start, and the two stages count then cost where candidates have costs."""
    C, w, a, fixed, limit, budget_min, m = d.C, d.w, d.a, d.fixed, d.limit, d.budget_min, d.m
    site_obj, forced_all, tw, cost_full, backup, lexi = d.site_obj, d.forced_all, d.tw, d.cost_full, d.backup, d.lexi
    count_obj = d.count_obj
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
    return _solve(fm.model, solver, dl.limit(), mip_gap, start=start, stages=stages)


def _solve_max(d: _Sites, k, cb=None, *, area_limits, dl, solver, mip_gap):
    """The most population reached with at most ``k`` new stations (and cost ``cb``)."""
    fm = _build_fire_model(d.C, d.w, d.a, d.fixed, d.limit, d.budget_min, mode="max", site_obj=d.site_obj,
                           forced=np.zeros(len(d.rows), dtype=bool), max_new=k, cost=d.cost_full,
                           cost_budget=cb, backup=d.backup, area=area_limits)
    return _solve(fm.model, solver, dl.limit(), mip_gap)


def _choose_sites(d: _Sites, *, budget, cost_budget, area_limits, tl, dl, solver, mip_gap, notes: list[str]):
    """The sites open after the plan: ``(model name, solution or None, open mask)``.

    The LSCP / partial cover first; the MCLP when a budget binds (or nothing was found).
    """
    tol = config.COVER_TOL
    C, w, fixed, budget_min, m, nc = d.C, d.w, d.fixed, d.budget_min, d.m, d.nc
    rows, coverable, site_obj, cost_full, backup, lexi, tw, tgt = (d.rows, d.coverable, d.site_obj, d.cost_full,
                                                                   d.backup, d.lexi, d.tw, d.tgt)
    kw = {"area_limits": area_limits, "dl": dl, "solver": solver, "mip_gap": mip_gap}
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
                sol = _solve_min(d, **kw)
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
            sol = _relaxation_bound(d, sol, dl=dl, solver=solver, mip_gap=mip_gap, notes=notes)
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
                    sol = _solve_max(d, k, cost_budget, **kw)
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
    return model_name, sol, y_open


def _relaxation_bound(d: _Sites, sol, *, dl, solver, mip_gap, notes: list[str]):
    """A solve stopped early: the plan without area limits is a relaxation, so its proven bound is
    a bound here too; the solution with that bound when it is stronger (noted), else ``sol``."""
    lexi = d.lexi
    # the plan without area limits is a relaxation: its proven bound is a bound here too
    rel = _siting_lscp(d.C, d.coverable, d.budget_min, d.fixed, d.site_obj, dl.limit(), solver, mip_gap)
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
    return sol


def _new_engines(std, d) -> np.ndarray:
    """Engines per site as :func:`_assess_after` equips new stations (candidates' own ``engines``, else
    their class's vehicles); existing sites get 0 here (their own count is used)."""
    st = d.site_st
    req = np.array([std.get(f"vehicles_{c}") for c in st["station_class"]], dtype=float)
    e = st["engines"].to_numpy(float) if "engines" in st.columns else np.full(len(st), np.nan)
    e = np.where(np.isfinite(e), e, req)
    return np.where(np.isfinite(e) & (e >= 1), np.round(e), 1).astype(np.int64)


def _assess_after(std, st, cand, new_ids, T_all, dm, ven, un, notes: list[str], avail: dict | None = None):
    """The stations after the plan (new ones staffed and equipped to their class unless the candidates
    say otherwise), their times, and their assessment (recomputed from travel times)."""
    s = len(st)
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
    after = _evaluate(std, st_after, dm, T_after, ven, un, list(notes), avail)
    return st_after, T_after, after


def _plan_figures(sol, n_new: int):
    """``objective, bound, gap, optimal, status`` of the plan from its decisive solve."""
    if sol is None:
        obj = bound = float(n_new)
        gap, optimal, status = 0.0, True, "optimal"
    elif sol.x is None:
        obj, bound, gap, optimal, status = float("nan"), float(sol.bound), float("inf"), False, "time_limit"
    else:
        obj, bound, gap = float(sol.objective), float(sol.bound), float(sol.gap)
        optimal, status = bool(sol.optimal), str(sol.status)
    return obj, bound, gap, optimal, status


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
