"""Stock against norms per depot and item, and how much need stock meets within the delivery
limit (:func:`assess`, :class:`SupplyAssessment`)."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji._render.fmt import number as _number
from yingji._render.display import displayable
from yingji import config
from yingji._deadline import Deadline
from yingji._validation import check_param, Interval, Problems
from yingji.geo.features import _GeoOut, GeoRef, line_layer, point_layer
from yingji.results import to_jsonable
from yingji.siting._inputs import check_time_limit
from yingji.solvers import ModelBuilder, solve
from yingji.supplies.inputs import _as_date, _check_stock, _expiry, _minutes, _table
from yingji.supplies.norms import _norms, _townships, requirements


@displayable
@dataclass(frozen=True)
class SupplyAssessment(_GeoOut):
    """Stock against norms per depot and item, reach within the delivery limit, rule checks.

    Attributes
    ----------
    items : DataFrame
        ``depot``, ``item``, ``stock`` (usable: not expired at ``as_of``), ``expiring`` (usable
        stock that expires within the horizon), ``expired``, ``required`` (sum over the
        townships whose seat this depot reaches first), ``shortfall`` = max(required − stock, 0),
        ``covered_share`` = min(stock / required, 1).
    townships : DataFrame
        Per township: ``population``, ``people_at_risk``, ``depot`` (reaching it first),
        ``minutes`` (from that depot), ``met_share`` (share of its needs met within the limit),
        ``first_supplies_minutes`` (S5-007: for each item the township needs, the nearest depot
        that holds usable stock of it; the latest of those, minutes; ``inf`` when no depot holds
        an item it needs, 0 when it needs nothing).
    reach_share : float
        Population-weighted share of needs met from stock within ``delivery_hours`` (LP optimum).
    evacuee_capacity : float
        Persons whose full norm the usable stock covers (the scarcest item decides).
    rules : DataFrame
        ``rule``, ``name`` (as in the rule set's ``name_en``), ``metric``, ``value``, ``operator``,
        ``threshold``, ``unit``, ``passed``.
    as_of : Timestamp
    geo : yingji.geo.GeoRef or None
        Where the depots and the township seats are (set by :func:`assess`): :meth:`to_geojson`
        writes layers ``depot`` (``items``, ``items_short``: items with a shortfall,
        ``townships`` it reaches first), ``township`` (at its seat: population, met share, ...)
        and ``supply`` (lines depot → the townships it reaches first, with ``minutes``).
    """

    items: pd.DataFrame
    townships: pd.DataFrame
    reach_share: float
    evacuee_capacity: float
    rules: pd.DataFrame
    as_of: pd.Timestamp
    params: dict = field(default_factory=dict)
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    _units_ = {"evacuee_capacity": "people"}

    def _summary_(self, lang: str = "en") -> dict:
        from yingji._render.results import supplies_summary

        return supplies_summary(self, lang)

    def _geo_layers(self) -> list:
        g = self._geo_ref()
        depots = list(g.points.get("depots", pd.DataFrame(index=[])).index)
        it, tw = self.items, self.townships.set_index("township")
        dprops = pd.DataFrame({
            "items": it.groupby("depot").size().reindex(depots, fill_value=0).astype(int),
            "items_short": (it["shortfall"] > 0).groupby(it["depot"]).sum().reindex(depots, fill_value=0).astype(int),
            "townships": tw.groupby("depot").size().reindex(depots, fill_value=0).astype(int)},
            index=pd.Index(depots, name="depot"))
        lines = tw[["depot", "minutes"]].copy()
        lines.index = pd.Index([f"{d}->{t}" for d, t in zip(tw["depot"], tw.index)])
        return [point_layer("depot", dprops, g.xy("depots", depots)),
                point_layer("township", tw, g.xy("townships", tw.index)),
                line_layer("supply", lines, g.xy("depots", tw["depot"]), g.xy("townships", tw.index))]

    def to_frame(self) -> pd.DataFrame:
        """Per depot and item: stock, expiring, expired, required, shortfall."""
        return self.items.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (``json.dumps`` works on it)."""
        return to_jsonable({"items": self.items, "townships": self.townships, "reach_share": self.reach_share,
                            "evacuee_capacity": self.evacuee_capacity, "rules": self.rules,
                            "as_of": self.as_of, "params": self.params})

    def summary(self) -> str:
        """Short text a planner reads."""
        short = self.items[self.items["shortfall"] > 0]
        lines = [
            f"Supplies (as of {self.as_of.date()}): {len(short)} of {len(self.items)} depot-item "
            f"stocks short of the norm; needs met within {self.params.get('delivery_hours', '?')} h: "
            f"{self.reach_share:.1%} of population; stock covers {self.evacuee_capacity:,.0f} evacuees.",
        ]
        for _, r in short.sort_values("shortfall", ascending=False).head(8).iterrows():
            lines.append(f"  {r['depot']} {r['item']}: stock {r['stock']:,.0f} < required {r['required']:,.0f}")
        for _, r in self.rules.iterrows():
            lines.append(f"  [{'PASS' if r['passed'] else 'FAIL'}] {r['rule']} {r['name']}: {_number(r['value'])} "
                         f"{r['operator']} {_number(r['threshold'])} {r['unit']}")
        return "\n".join(lines)


def assess(
    county=None,
    *,
    as_of=None,
    norms: pd.DataFrame | None = None,
    depots: pd.DataFrame | None = None,
    stock: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    times=None,
    hour: int | None = None,
    at_risk=None,
    evacuation_share: dict | None = None,
    horizon_days: float = 90.0,
    delivery_hours: float = 12.0,
    household_size: float | None = None,
    time_limit: float = config.TIME_LIMIT,
) -> SupplyAssessment:
    """Stock compliance per depot and item, and how much need stock meets within the delivery limit.

    Parameters
    ----------
    county : yingji.County, optional
    as_of : date-like, optional
        Date at which stock counts as usable (default today).
    norms, depots, stock, demand : DataFrame, optional
        Replace the county's tables (``stock``: ``depot``, ``item``, ``quantity``, ``expires``;
        where ``expires`` is empty, a stock ``acquired`` date plus the item's
        ``shelf_life_days`` gives the expiry).
    times : Network, DataFrame or array, optional
        Depots × townships minutes (default: routed on the county's network to each township's seat).
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
    at_risk, evacuation_share
        See :func:`requirements`.
    horizon_days : float
        Stock expiring within this many days of ``as_of`` is listed as ``expiring``.
    delivery_hours : float
        Delivery time limit (S5-007: first supplies within 12 h).
    household_size : float, optional
        Persons per household for per-household norms (see :func:`requirements`).
    time_limit : float
        Seconds for the whole call, counted from entry; the reach LP gets the time left. When
        it is not solved in time, ``met_share`` (and ``reach_share``) are NaN.

    Returns
    -------
    SupplyAssessment

    Raises
    ------
    ValidationError
        No depots, stock or demand; stock with negative or missing quantities, unknown depots
        or unknown items (not in the norms); a non-positive ``delivery_hours``; times not
        labelled depots × townships; anything :func:`requirements` rejects.

    Notes
    -----
    ``required`` per depot: each township's requirement falls wholly on the depot that reaches
    its seat first, and a depot's requirement is the sum over those townships. ``reach_share``
    is the optimum of the LP

    .. math:: \\max \\sum_t P_t f_t / \\sum_t P_t \\;\\text{s.t.}\\; \\sum_{j: \\tau_{jt} \\le L} x_{jtk}
       \\ge f_t r_{tk},\\; \\sum_t x_{jtk} \\le s_{jk},\\; 0 \\le f_t \\le 1,

    the population-weighted share of needs met when stock of every depot may go to every
    township it reaches within the limit :math:`L`.

    References
    ----------
    .. [1] 建标121-2009《救灾物资储备库建设标准》, table 1: a county depot serves 5,000-7,000
       evacuees (``rules.csv`` S5-001).
    .. [2] Hunan nine-department guidance: first relief supplies reach the affected area within
       12 h (``rules.csv`` S5-007).
    """

    t0 = _time.perf_counter()
    probs = Problems("assess")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # raised with the other problems below
    as_of_ts = _as_date(as_of, "assess")
    hours = Interval(float, 0, None, closed="neither", text="a positive number of hours")
    delivery_hours = check_param(probs, "delivery_hours", delivery_hours, hours, default=12.0)
    horizon_days = check_param(probs, "horizon_days", horizon_days,
                               Interval(float, 0, 36_500, closed="neither", text="a positive number of days"),
                               default=90.0)
    items, depots, stock, demand = _assess_tables(county, norms, depots, stock, demand, delivery_hours,
                                                  household_size, probs)
    req = requirements(norms=items, demand=demand, at_risk=at_risk, evacuation_share=evacuation_share)
    tws = _townships(demand)
    seats = demand.loc[tws["seat"]].copy()
    seats.index = tws.index
    T = _minutes(times, depots, seats, county, "times", probs, hour=hour)
    probs.raise_if_any()

    agg = _stock_by_state(stock, items, as_of_ts, horizon_days)

    # each township falls on the depot that reaches its seat first
    first = np.argmin(T, axis=0) if len(depots) else np.zeros(len(tws), int)
    first_min = T[first, np.arange(len(tws))]
    tws = tws.assign(depot=[depots.index[j] for j in first], minutes=first_min)
    req = req.merge(tws[["depot"]], left_on="township", right_index=True)
    required = req.groupby(["depot", "item"])["quantity"].sum()
    tab = _depot_item_table(agg, required, depots, items)

    # reach LP
    L = float(delivery_hours) * 60.0
    req_tk = req.pivot_table(index="township", columns="item", values="quantity", aggfunc="sum").reindex(
        index=tws.index, columns=items.index).fillna(0.0).to_numpy(float)
    s_jk = tab.pivot(index="depot", columns="item", values="stock").reindex(index=depots.index, columns=items.index).to_numpy(float)
    f = _reach_lp(T <= L + config.COVER_TOL, req_tk, s_jk, tws["population"].to_numpy(float),
                  dl.limit())
    tws["met_share"] = f
    tws["people_at_risk"] = req.groupby("township")["people_at_risk"].first().reindex(tws.index).fillna(0.0)
    pop = tws["population"].to_numpy(float)
    reach_share = float((pop * f).sum() / pop.sum()) if pop.sum() > 0 else 1.0

    evac_cap = _evacuee_capacity(items, tab)
    first_need = _first_supplies_minutes(T, s_jk, req_tk, len(depots), len(tws))
    tws["first_supplies_minutes"] = first_need
    max_first_h = float(np.max(first_need) / 60.0) if len(first_need) else 0.0
    rules = _rule_checks(evac_cap, max_first_h)
    return SupplyAssessment(tab, tws.reset_index().rename(columns={"index": "township"}), reach_share, evac_cap, rules,
                            as_of_ts, {"delivery_hours": float(delivery_hours), "horizon_days": float(horizon_days),
                             "item_units": {str(k): str(v) for k, v in items["unit"].items()}
                             if "unit" in items.columns else {}},
                            geo=GeoRef.of(county, tables=False, depots=depots, townships=seats))


def _assess_tables(county, norms, depots, stock, demand, delivery_hours, household_size, probs: Problems):
    """The norms, depots, stock and demand :func:`assess` works on (copies, ids as strings),
    checked; raises every problem found (with those already in ``probs``)."""
    items = _norms(county, norms, probs, household_size)
    depots = _table(county, "depots", depots)
    stock = _table(county, "stock", stock)
    demand = _table(county, "demand", demand)
    if depots is None or not isinstance(depots, pd.DataFrame) or len(depots) == 0:
        probs.param("depots", "a non-empty DataFrame of depots (or a county with depots)", None if depots is None else "an empty table")
    if stock is None or not isinstance(stock, pd.DataFrame):
        probs.param("stock", "a DataFrame with depot, item, quantity, expires", None)
    if demand is None or not isinstance(demand, pd.DataFrame):
        probs.param("demand", "a DataFrame of demand points", None)
    probs.raise_if_any()
    depots = depots.copy()
    depots.index = depots.index.map(str)
    stock = stock.copy()
    _check_stock(stock, depots, items, probs)
    demand = demand.copy()
    demand.index = demand.index.map(str)
    return items, depots, stock, demand


def _stock_by_state(stock: pd.DataFrame, items: pd.DataFrame, as_of_ts: pd.Timestamp, horizon_days: float) -> pd.DataFrame:
    """Usable / expiring / expired stock per depot and item (indexed by depot, item)."""
    exp = _expiry(stock, items)
    usable = exp.isna() | (exp >= as_of_ts)
    expiring = usable & exp.notna() & (exp <= as_of_ts + pd.Timedelta(days=float(horizon_days)))
    st = stock.assign(usable=np.where(usable, stock["quantity"].astype(float), 0.0),
                      expiring=np.where(expiring, stock["quantity"].astype(float), 0.0),
                      expired=np.where(~usable, stock["quantity"].astype(float), 0.0))
    st["depot"] = st["depot"].astype(str)
    st["item"] = st["item"].astype(str)
    return st.groupby(["depot", "item"])[["usable", "expiring", "expired"]].sum()


def _depot_item_table(agg: pd.DataFrame, required: pd.Series, depots: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Every depot × item: stock, expiring, expired, required, shortfall, covered_share."""
    idx = pd.MultiIndex.from_product([list(depots.index), list(items.index)], names=["depot", "item"])
    tab = pd.DataFrame(index=idx)
    tab["stock"] = agg["usable"].reindex(idx).fillna(0.0)
    tab["expiring"] = agg["expiring"].reindex(idx).fillna(0.0)
    tab["expired"] = agg["expired"].reindex(idx).fillna(0.0)
    tab["required"] = required.reindex(idx).fillna(0.0)
    tab["shortfall"] = (tab["required"] - tab["stock"]).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tab["covered_share"] = np.where(tab["required"] > 0, np.minimum(tab["stock"] / tab["required"], 1.0), 1.0)
    return tab.reset_index()


def _evacuee_capacity(items: pd.DataFrame, tab: pd.DataFrame) -> float:
    """Persons whose full norm the county's usable stock covers (the scarcest item decides)."""
    per_person = (items["per_person_per_day"] * items["days"]).astype(float)
    total_stock = tab.groupby("item")["stock"].sum().reindex(items.index).fillna(0.0)
    with np.errstate(divide="ignore"):
        persons = np.where(per_person > 0, total_stock / per_person.replace(0, np.nan), np.inf)
    return float(np.nanmin(persons)) if len(persons) else 0.0


def _first_supplies_minutes(T: np.ndarray, s_jk: np.ndarray, req_tk: np.ndarray, n_depots: int,
                            n_townships: int) -> np.ndarray:
    """S5-007 per township: minutes until every item it needs can arrive, each from the nearest
    depot that holds it."""
    # S5-007: the first supplies a township needs come from the nearest depot that holds that item
    # (usable stock > 0); its first-supplies time is when every item it needs can arrive
    has_item = np.nan_to_num(s_jk) > 0  # depots × items
    need_tk = req_tk > 0                 # townships × items
    T_item = np.where(has_item[:, None, :], T[:, :, None], np.inf).min(axis=0) if n_depots \
        else np.full(need_tk.shape, np.inf)  # townships × items: nearest depot holding the item
    first_need = np.where(need_tk, T_item, -np.inf).max(axis=1) if need_tk.shape[1] else np.zeros(n_townships)
    first_need = np.where(need_tk.any(axis=1), first_need, 0.0) if need_tk.shape[1] else first_need
    return first_need


def _rule_checks(evac_cap: float, max_first_h: float) -> pd.DataFrame:
    """The S5-001 and S5-007 rows of :attr:`SupplyAssessment.rules`."""
    return pd.DataFrame(
        [
            {"rule": "S5-001", "name": "County depot sized for evacuees", "metric": "county_depot_evacuee_capacity", "value": evac_cap, "operator": ">=",
             "threshold": 5000.0, "unit": "persons", "passed": evac_cap >= 5000.0},
            {"rule": "S5-007", "name": "First relief supplies reach affected area", "metric": "first_supplies_arrival_h", "value": max_first_h, "operator": "<=",
             "threshold": 12.0, "unit": "h", "passed": max_first_h <= 12.0},
        ]
    )


def _reach_lp(reach: np.ndarray, req: np.ndarray, stock: np.ndarray, pop: np.ndarray, time_limit: float) -> np.ndarray:
    """Share f_t of each township's needs met within the limit (see :func:`assess`)."""
    nJ, nT = reach.shape
    nK = req.shape[1]
    pj, pt = np.nonzero(reach)
    nP = pj.size
    if nT == 0:
        return np.zeros(0)
    # columns: x[p, k] (nP*nK), f[t] (nT)
    n_x = nP * nK
    col_p = np.repeat(np.arange(nP), nK)
    col_k = np.tile(np.arange(nK), nP)
    b = ModelBuilder("supply_reach", sense="min")
    xb = b.add_columns("x", n_x)
    fb = b.add_columns("f", nT, cost=-pop / max(pop.sum(), 1e-12), hi=1.0)
    # demand rows (t, k): sum_j x - f_t r_tk >= 0
    r_dem = pt[col_p] * nK + col_k
    b.add_rows(np.r_[r_dem, np.arange(nT * nK)], np.r_[xb.index(np.arange(n_x)), fb.index(np.repeat(np.arange(nT), nK))],
               np.r_[np.ones(n_x), -req.ravel()], lo=np.zeros(nT * nK), n_rows=nT * nK)
    # stock rows (j, k): sum_t x <= s_jk
    b.add_rows(pj[col_p] * nK + col_k, xb.index(np.arange(n_x)), 1.0, hi=stock.ravel(), n_rows=nJ * nK)
    sol = solve(b.build(), time_limit=time_limit)
    # NaN (unknown) when the LP is not solved within the time limit: a stopped LP's point is not
    # the share the stock can meet, and 0 would be a silent wrong answer
    f = np.clip(sol.x[n_x:], 0.0, 1.0) if sol.optimal else np.full(nT, np.nan)
    # townships with no need are fully met
    f[req.sum(axis=1) <= 0] = 1.0
    return f
