"""Emergency supplies: reserve norms and stock compliance, prepositioning across disaster
scenarios (two-stage stochastic programme), and transfer plans after an event.

The county plan (task 14) asks for an emergency-supply reserve plan and needs plan, a reserve
management system and a coordinated transfer mechanism. Three layers:

* :func:`requirements` — what each township needs: people at risk × the item norm
  (quantity per person per day) × days. Norms come from the county's ``items`` table, each row
  with its ``source`` (Sphere handbook rows of ``rules.csv`` S5 where they exist; the rest are
  marked as assumptions); users pass their own with ``norms=``.
* :func:`assess` — each township's needs fall on the depot that reaches it first (its seat, the
  most populous demand point, routed on the network); ``required`` per depot is the sum over
  the townships that fall on it. Per depot and item: usable stock (not expired at ``as_of``),
  stock expiring within ``horizon_days``, requirement and shortfall; the share of the population
  whose needs stock can meet within the delivery limit (a transportation LP); pass/fail per
  rule id (S5-001 county depot evacuee capacity, S5-007 first supplies within 12 h).
* :func:`preposition` — which depots to open or enlarge and what to hold, against a set of
  disaster :class:`Scenarios` (probability, demand per township and item, closed depots and
  roads): minimise purchase + opening cost plus the expected shipping cost and unmet-demand
  penalty. Solved as the deterministic equivalent (one sparse MIP) or by the L-shaped method
  (Benders decomposition, multi-cut) with scenario subproblems on any
  ``concurrent.futures.Executor`` (including a dask.distributed client). The value of the
  stochastic solution (VSS) is reported.
* :func:`transfer` — after an event: the min-cost (or min-max-time) transfer plan from depot
  stock to demand points, with priorities; shipments and unmet demand.

Units: times in minutes (hours where a norm says so, e.g. ``delivery_hours``); quantities in
each item's own ``unit``; volumes in m³ (``unit_volume`` m³ per unit, depot ``capacity`` m³).

References
----------
.. [1] Sphere Association (2018). *The Sphere Handbook*: water supply standard 1 (15 L per person
   per day), food security (2,100 kcal per person per day), shelter standard 3 (3.5 m² covered
   space per person). ``rules.csv`` S5-009, S5-018, S5-020.
.. [2] 建标121-2009《救灾物资储备库建设标准》, table 1: a county depot serves 5,000–7,000 evacuees
   (``rules.csv`` S5-001). Hunan nine-department guidance: first relief supplies within 12 h
   (S5-007).
.. [3] Van Slyke, R. M. and Wets, R. (1969). L-shaped linear programs with applications to optimal
   control and stochastic programming. SIAM J. Appl. Math. 17(4), 638-663.
.. [4] Birge, J. R. and Louveaux, F. (2011). *Introduction to Stochastic Programming*, 2nd ed.,
   Springer. (Multi-cut L-shaped method; the value of the stochastic solution, ch. 4.)
.. [5] Rawls, C. G. and Turnquist, M. A. (2010). Pre-positioning of emergency supplies for disaster
   response. Transportation Research Part B 44(4), 521-534.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._deadline import Deadline
from yingji._validation import Problems, describe_positions
from yingji.exceptions import SolverError, ValidationError
from yingji.results import to_jsonable
from yingji._odtimes import od_minutes
from yingji.solvers import SparseModel, solve, solve_lexicographic

__all__ = [
    "Scenarios",
    "SupplyAssessment",
    "StockPlan",
    "TransferPlan",
    "requirements",
    "assess",
    "preposition",
    "sample_scenarios",
    "transfer",
    "DEFAULT_EVACUATION_SHARE",
    "DEFAULT_HOUSEHOLD_SIZE",
]

#: Share of residents to evacuate and supply, by the demand point's ``risk`` level. An
#: ASSUMPTION of yingji (no national norm found); pass ``evacuation_share=`` or ``at_risk=``.
DEFAULT_EVACUATION_SHARE = {"high": 0.20, "normal": 0.05}

#: Persons per household, used to turn per-household norms (``per_household_per_day``) into
#: per-person quantities: 2.62, the average size of a family household in China's 7th national
#: population census (2020). Pass ``household_size=`` for the county's own figure.
DEFAULT_HOUSEHOLD_SIZE = 2.62

_ITEM_COLS = ("per_person_per_day", "days")


# =========================================================================== helpers
def _table(county, name, given):
    if given is not None:
        return given
    if county is None:
        return None
    return getattr(county, name, None)


def _as_date(d) -> pd.Timestamp:
    if d is None:
        return pd.Timestamp(_dt.date.today())
    return pd.Timestamp(d)


def _norms(county, norms, probs: Problems, household_size: float = None) -> pd.DataFrame:
    """Item norms indexed by item; a ``per_household_per_day`` norm is folded into
    ``per_person_per_day`` (divided by ``household_size``, default
    :data:`DEFAULT_HOUSEHOLD_SIZE`) and kept as ``household_norm``."""
    if household_size is None:  # the county's own figure (county.toml) or the census average
        meta = getattr(county, "meta", None) or {}
        household_size = meta.get("household_size", DEFAULT_HOUSEHOLD_SIZE) if isinstance(meta, dict) \
            else DEFAULT_HOUSEHOLD_SIZE
    items = _table(county, "items", norms)
    if items is None or not isinstance(items, pd.DataFrame) or len(items) == 0:
        probs.param("norms", "a DataFrame of item norms (or a county with an items table)", None if items is None else "an empty table")
        return pd.DataFrame()
    items = items.copy()
    if "item" in items.columns:
        items = items.set_index("item")
    items.index = items.index.map(str)
    has_hh = "per_household_per_day" in items.columns
    missing = [c for c in _ITEM_COLS if c not in items.columns and not (has_hh and c == "per_person_per_day")]
    if missing:
        probs.add(f"The 'norms' table of {probs.func} is missing column(s) {missing}; it has {list(items.columns)}.")
        return items
    if has_hh:
        # per-household norms: a row may give either norm (or both); the missing one counts as 0
        pp = pd.to_numeric(items["per_person_per_day"], errors="coerce") if "per_person_per_day" in items.columns \
            else pd.Series(np.nan, index=items.index)
        ph = pd.to_numeric(items["per_household_per_day"], errors="coerce")
        neither = items.index[pp.isna().to_numpy() & ph.isna().to_numpy()]
        if len(neither):
            probs.add(f"The 'norms' table of {probs.func} needs 'per_person_per_day' or 'per_household_per_day' "
                      f"for items {list(neither)}.")
        bad = items.index[(ph < 0).to_numpy() | np.isinf(ph.to_numpy(float))]
        if len(bad):
            probs.add(f"The 'norms' table of {probs.func} has negative or infinite 'per_household_per_day' for "
                      f"items {list(bad)}.")
        hs = float(household_size) if household_size is not None else float("nan")
        if not (np.isfinite(hs) and hs > 0):
            probs.param("household_size", "a positive number of persons per household", household_size)
            hs = 1.0
        items["per_person_per_day"] = pp.where(pp.notna() | ph.isna(), 0.0) + ph.fillna(0.0) / hs
        items = items.rename(columns={"per_household_per_day": "household_norm"})
        items["household_size"] = hs
    for c in ("per_person_per_day", "days", "unit_volume", "unit_cost"):
        if c in items.columns:
            v = pd.to_numeric(items[c], errors="coerce")
            bad = items.index[(~np.isfinite(v.to_numpy(float))) | (v < 0).to_numpy()]
            if len(bad):
                probs.add(f"The 'norms' table of {probs.func} has negative or missing {c!r} for items {list(bad)}.")
            items[c] = v
    for c, default in (("unit_volume", 0.0), ("unit_cost", 0.0), ("unit", ""), ("source", "")):
        if c not in items.columns:
            items[c] = default
    if items.index.has_duplicates:
        probs.add(f"The 'norms' table of {probs.func} has duplicate items {items.index[items.index.duplicated()].tolist()}.")
    return items


def _townships(demand: pd.DataFrame) -> pd.DataFrame:
    """Population and reference node (the most populous point, the seat) of each township."""
    d = demand.copy()
    if "township" not in d.columns:
        d["township"] = "all"
    d["township"] = d["township"].astype(str)
    seat = d.sort_values("population", ascending=False).groupby("township", sort=True).head(1)
    out = pd.DataFrame({"population": d.groupby("township", sort=True)["population"].sum()})
    out["seat"] = seat.set_index("township").reindex(out.index).index.map(
        dict(zip(seat["township"], seat.index))
    )
    out["node"] = seat.set_index("township").reindex(out.index)["node"].to_numpy() if "node" in d.columns else None
    return out


def _people_at_risk(demand: pd.DataFrame, at_risk, share, probs: Problems) -> pd.Series:
    """People to evacuate and supply, per demand point."""
    if at_risk is not None:
        s = pd.Series(at_risk, dtype=float)
        s.index = s.index.map(str)
        if set(s.index) <= set(demand.index):
            out = s.reindex(demand.index).fillna(0.0)
        elif "township" in demand.columns and set(s.index) <= set(demand["township"].astype(str)):
            # township totals spread by population
            tw = demand["township"].astype(str)
            pop = demand["population"].astype(float)
            tot = pop.groupby(tw).transform("sum").replace(0, np.nan)
            out = (tw.map(s).fillna(0.0) * pop / tot).fillna(0.0)
        else:
            probs.add("The 'at_risk' parameter must be indexed by demand ids or township names; "
                      f"unknown labels {sorted(set(s.index) - set(demand.index))[:10]}.")
            return pd.Series(0.0, index=demand.index)
        if (out < 0).any():
            probs.add("The 'at_risk' parameter must be non-negative.")
        return out
    if "at_risk" in demand.columns:
        return demand["at_risk"].astype(float)
    share = dict(DEFAULT_EVACUATION_SHARE if share is None else share)
    risk = demand["risk"].astype(str) if "risk" in demand.columns else pd.Series("normal", index=demand.index)
    unknown = sorted(set(risk) - set(share))
    if unknown:
        probs.add(f"The 'evacuation_share' parameter has no share for risk levels {unknown}.")
    return demand["population"].astype(float) * risk.map(share).fillna(0.0)


def _minutes(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems,
             names: tuple = ("depots", "township seats")):
    """Origins × destinations minutes (see :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, origins, dests, county, what, probs, names)


def requirements(
    county=None,
    *,
    norms: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    at_risk=None,
    evacuation_share: dict | None = None,
    household_size: float | None = None,
) -> pd.DataFrame:
    """What each township needs: people at risk × norm per person per day × days.

    Parameters
    ----------
    county : yingji.County, optional
    norms : DataFrame, optional
        Item norms indexed by item (or with an ``item`` column): ``per_person_per_day`` (item
        units per person per day) and/or ``per_household_per_day`` (item units per household
        per day; a row may give either, the other counting as 0), ``days``, optional ``unit``,
        ``unit_volume`` (m³/unit), ``unit_cost``, ``source``. Default: the county's ``items``
        table.
    demand : DataFrame, optional
        Demand points with ``population``, ``township`` and ``risk`` (default: the county's).
    at_risk : Series, optional
        People to evacuate per demand id or per township (replaces the default shares).
    evacuation_share : dict, optional
        Share of residents at risk by ``risk`` level (default :data:`DEFAULT_EVACUATION_SHARE`,
        an assumption).
    household_size : float, optional
        Persons per household for per-household norms (default: ``household_size`` in the
        county's meta / ``county.toml``, else :data:`DEFAULT_HOUSEHOLD_SIZE`, 2.62 from the
        2020 census):
        quantity = people × (per person + per household / household size) × days.

    Returns
    -------
    DataFrame
        One row per township and item: ``township``, ``item``, ``people_at_risk``, ``quantity``,
        ``unit``, ``volume_m3``, ``source``.

    Raises
    ------
    ValidationError
        No norms or demand; norms missing ``days`` or both per-person and per-household
        norms, negative or missing values, duplicate items; ``at_risk`` labels that are
        neither demand ids nor townships, or negative; risk levels without an
        ``evacuation_share``; a non-positive ``household_size``.

    References
    ----------
    .. [1] Sphere Association (2018). *The Sphere Handbook*, water supply standard 1 (15 L per
       person per day), food security (2,100 kcal per person per day), shelter standard 3 (3.5 m²);
       ``rules.csv`` S5-009, S5-020, S5-018.
    .. [2] National Bureau of Statistics of China (2021). Main data of the seventh national
       population census: 2.62 persons per family household (``DEFAULT_HOUSEHOLD_SIZE``).

    Examples
    --------
    >>> import pandas as pd
    >>> demand = pd.DataFrame({"population": [1000, 3000], "township": ["A", "B"],
    ...                        "risk": ["high", "normal"]}, index=["d1", "d2"])
    >>> norms = pd.DataFrame({"per_person_per_day": [15.0], "days": [3], "unit": ["L"]},
    ...                      index=["water"])
    >>> requirements(norms=norms, demand=demand)[["township", "people_at_risk", "quantity"]].values.tolist()
    [['A', 200.0, 9000.0], ['B', 150.0, 6750.0]]
    """
    probs = Problems("requirements")
    items = _norms(county, norms, probs, household_size)
    demand = _table(county, "demand", demand)
    if demand is None or not isinstance(demand, pd.DataFrame) or "population" not in getattr(demand, "columns", []):
        probs.param("demand", "a DataFrame with a 'population' column (or a county)", type(demand).__name__)
    probs.raise_if_any()
    demand = demand.copy()
    demand.index = demand.index.map(str)
    people = _people_at_risk(demand, at_risk, evacuation_share, probs)
    probs.raise_if_any()
    tw = demand["township"].astype(str) if "township" in demand.columns else pd.Series("all", index=demand.index)
    per_t = people.groupby(tw).sum().sort_index()
    recs = []
    for t, n in per_t.items():
        for it, row in items.iterrows():
            qty = float(n) * float(row["per_person_per_day"]) * float(row["days"])
            recs.append({"township": t, "item": it, "people_at_risk": float(n), "quantity": qty,
                         "unit": row.get("unit", ""), "volume_m3": qty * float(row.get("unit_volume", 0.0)),
                         "source": row.get("source", "")})
    return pd.DataFrame(recs, columns=["township", "item", "people_at_risk", "quantity", "unit", "volume_m3", "source"])


# =========================================================================== assessment
@dataclass(frozen=True)
class SupplyAssessment:
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
        ``rule``, ``metric``, ``value``, ``operator``, ``threshold``, ``unit``, ``passed``.
    as_of : Timestamp
    """

    items: pd.DataFrame
    townships: pd.DataFrame
    reach_share: float
    evacuee_capacity: float
    rules: pd.DataFrame
    as_of: pd.Timestamp
    params: dict = field(default_factory=dict)

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
            lines.append(f"  {r['rule']} {r['metric']} = {r['value']:.4g} {r['operator']} {r['threshold']:g} {r['unit']}: "
                         + ("pass" if r["passed"] else "FAIL"))
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
    from yingji.siting._inputs import check_time_limit

    t0 = _time.perf_counter()
    probs = Problems("assess")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # raised with the other problems below
    as_of_ts = _as_date(as_of)
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
    if not (np.isfinite(delivery_hours) and delivery_hours > 0):
        probs.param("delivery_hours", "a positive number of hours", delivery_hours)
    probs.raise_if_any()
    depots = depots.copy()
    depots.index = depots.index.map(str)
    stock = stock.copy()
    _check_stock(stock, depots, items, probs)
    demand = demand.copy()
    demand.index = demand.index.map(str)
    req = requirements(norms=items, demand=demand, at_risk=at_risk, evacuation_share=evacuation_share)
    tws = _townships(demand)
    seats = demand.loc[tws["seat"]].copy()
    seats.index = tws.index
    T = _minutes(times, depots, seats, county, "times", probs)
    probs.raise_if_any()

    # usable / expiring stock per depot and item
    exp = _expiry(stock, items)
    usable = exp.isna() | (exp >= as_of_ts)
    expiring = usable & exp.notna() & (exp <= as_of_ts + pd.Timedelta(days=float(horizon_days)))
    st = stock.assign(usable=np.where(usable, stock["quantity"].astype(float), 0.0),
                      expiring=np.where(expiring, stock["quantity"].astype(float), 0.0),
                      expired=np.where(~usable, stock["quantity"].astype(float), 0.0))
    st["depot"] = st["depot"].astype(str)
    st["item"] = st["item"].astype(str)
    agg = st.groupby(["depot", "item"])[["usable", "expiring", "expired"]].sum()

    # each township falls on the depot that reaches its seat first
    first = np.argmin(T, axis=0) if len(depots) else np.zeros(len(tws), int)
    first_min = T[first, np.arange(len(tws))]
    tws = tws.assign(depot=[depots.index[j] for j in first], minutes=first_min)
    req = req.merge(tws[["depot"]], left_on="township", right_index=True)
    required = req.groupby(["depot", "item"])["quantity"].sum()
    idx = pd.MultiIndex.from_product([list(depots.index), list(items.index)], names=["depot", "item"])
    tab = pd.DataFrame(index=idx)
    tab["stock"] = agg["usable"].reindex(idx).fillna(0.0)
    tab["expiring"] = agg["expiring"].reindex(idx).fillna(0.0)
    tab["expired"] = agg["expired"].reindex(idx).fillna(0.0)
    tab["required"] = required.reindex(idx).fillna(0.0)
    tab["shortfall"] = (tab["required"] - tab["stock"]).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tab["covered_share"] = np.where(tab["required"] > 0, np.minimum(tab["stock"] / tab["required"], 1.0), 1.0)
    tab = tab.reset_index()

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

    per_person = (items["per_person_per_day"] * items["days"]).astype(float)
    total_stock = tab.groupby("item")["stock"].sum().reindex(items.index).fillna(0.0)
    with np.errstate(divide="ignore"):
        persons = np.where(per_person > 0, total_stock / per_person.replace(0, np.nan), np.inf)
    evac_cap = float(np.nanmin(persons)) if len(persons) else 0.0
    # S5-007: the first supplies a township needs come from the nearest depot that holds that item
    # (usable stock > 0); its first-supplies time is when every item it needs can arrive
    has_item = np.nan_to_num(s_jk) > 0  # depots × items
    need_tk = req_tk > 0                 # townships × items
    T_item = np.where(has_item[:, None, :], T[:, :, None], np.inf).min(axis=0) if len(depots) \
        else np.full(need_tk.shape, np.inf)  # townships × items: nearest depot holding the item
    first_need = np.where(need_tk, T_item, -np.inf).max(axis=1) if need_tk.shape[1] else np.zeros(len(tws))
    first_need = np.where(need_tk.any(axis=1), first_need, 0.0) if need_tk.shape[1] else first_need
    tws["first_supplies_minutes"] = first_need
    max_first_h = float(np.max(first_need) / 60.0) if len(first_need) else 0.0
    rules = pd.DataFrame(
        [
            {"rule": "S5-001", "metric": "county_depot_evacuee_capacity", "value": evac_cap, "operator": ">=",
             "threshold": 5000.0, "unit": "persons", "passed": evac_cap >= 5000.0},
            {"rule": "S5-007", "metric": "first_supplies_arrival_h", "value": max_first_h, "operator": "<=",
             "threshold": 12.0, "unit": "h", "passed": max_first_h <= 12.0},
        ]
    )
    return SupplyAssessment(tab, tws.reset_index().rename(columns={"index": "township"}), reach_share, evac_cap, rules,
                            as_of_ts, {"delivery_hours": float(delivery_hours), "horizon_days": float(horizon_days)})


def _check_stock(stock: pd.DataFrame, depots: pd.DataFrame, items: pd.DataFrame, probs: Problems) -> None:
    miss = [c for c in ("depot", "item", "quantity") if c not in stock.columns]
    if miss:
        probs.add(f"The 'stock' table is missing column(s) {miss}; it has {list(stock.columns)}.")
        probs.raise_if_any()
    q = pd.to_numeric(stock["quantity"], errors="coerce")
    bad = stock.index[(~np.isfinite(q.to_numpy(float))) | (q < 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'stock' table has negative or missing quantity in rows {list(map(str, bad[:10]))}.")
    unk_d = sorted(set(stock["depot"].astype(str)) - set(depots.index))
    if unk_d:
        probs.add(f"The 'stock' table names unknown depots {unk_d[:10]}.")
    unk_i = sorted(set(stock["item"].astype(str)) - set(items.index))
    if unk_i:
        probs.add(f"The 'stock' table names unknown items {unk_i[:10]} (not in the norms table).")
    probs.raise_if_any()


def _expiry(stock: pd.DataFrame, items: pd.DataFrame | None) -> pd.Series:
    """Expiry date of each stock row: ``expires`` where given, else ``acquired`` + the item's
    ``shelf_life_days`` (when both are known); NaT = does not expire."""
    exp = (pd.to_datetime(stock["expires"], errors="coerce") if "expires" in stock.columns
           else pd.Series(pd.NaT, index=stock.index, dtype="datetime64[ns]"))
    if ("acquired" in stock.columns and items is not None and len(items)
            and "shelf_life_days" in items.columns):
        life = pd.to_numeric(items["shelf_life_days"], errors="coerce")
        days = stock["item"].astype(str).map(life)
        acq = pd.to_datetime(stock["acquired"], errors="coerce")
        derived = acq + pd.to_timedelta(days, unit="D")
        exp = exp.where(exp.notna(), derived)
    return exp


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
    c = np.concatenate([np.zeros(n_x), -pop / max(pop.sum(), 1e-12)])
    # demand rows (t, k): sum_j x - f_t r_tk >= 0
    r_dem = pt[col_p] * nK + col_k
    need = req.ravel()
    Ad = sp.csr_matrix((np.concatenate([np.ones(n_x), -need]),
                        (np.concatenate([r_dem, np.arange(nT * nK)]),
                         np.concatenate([np.arange(n_x), n_x + np.repeat(np.arange(nT), nK)]))),
                       shape=(nT * nK, n_x + nT))
    # stock rows (j, k): sum_t x <= s_jk
    As = sp.csr_matrix((np.ones(n_x), (pj[col_p] * nK + col_k, np.arange(n_x))), shape=(nJ * nK, n_x + nT))
    A = sp.vstack([Ad, As]).tocsr()
    lo = np.concatenate([np.zeros(nT * nK), np.full(nJ * nK, -np.inf)])
    hi = np.concatenate([np.full(nT * nK, np.inf), stock.ravel()])
    colhi = np.concatenate([np.full(n_x, np.inf), np.ones(nT)])
    sol = solve(SparseModel(c, A, lo, hi, 0, colhi, None, name="supply_reach"), time_limit=time_limit)
    # NaN (unknown) when the LP is not solved within the time limit: a stopped LP's point is not
    # the share the stock can meet, and 0 would be a silent wrong answer
    f = np.clip(sol.x[n_x:], 0.0, 1.0) if sol.optimal else np.full(nT, np.nan)
    # townships with no need are fully met
    f[req.sum(axis=1) <= 0] = 1.0
    return f


# =========================================================================== scenarios
@dataclass(frozen=True)
class Scenarios:
    """Disaster scenarios for :func:`preposition`.

    Attributes
    ----------
    probabilities : Series
        Probability by scenario id, summing to 1.
    demand : DataFrame
        ``scenario``, ``township``, ``item``, ``quantity`` (item units).
    closed_depots : dict
        Scenario id → list of depot / site ids out of action.
    closed_edges : dict
        Scenario id → list of ``(u, v)`` road edges cut (routed with ``Network.without``).
    """

    probabilities: pd.Series
    demand: pd.DataFrame
    closed_depots: dict = field(default_factory=dict)
    closed_edges: dict = field(default_factory=dict)

    def __post_init__(self):
        probs = Problems("Scenarios")
        p = pd.Series(self.probabilities, dtype=float)
        p.index = p.index.map(str)
        if len(p) == 0:
            probs.param("probabilities", "a non-empty Series of probabilities", "an empty Series")
        elif (~np.isfinite(p.to_numpy()) | (p.to_numpy() < 0)).any():
            probs.param("probabilities", "non-negative numbers", p[(p < 0) | ~np.isfinite(p)].index.tolist())
        elif abs(p.sum() - 1.0) > 1e-6:
            probs.param("probabilities", "probabilities summing to 1", f"a sum of {p.sum():.6g}")
        d = self.demand
        miss = [c for c in ("scenario", "township", "item", "quantity") if c not in getattr(d, "columns", [])]
        if miss:
            probs.add(f"The 'demand' table of Scenarios is missing column(s) {miss}.")
        else:
            d = d.copy()
            d["scenario"] = d["scenario"].astype(str)
            d["township"] = d["township"].astype(str)
            d["item"] = d["item"].astype(str)
            q = pd.to_numeric(d["quantity"], errors="coerce")
            if (~np.isfinite(q.to_numpy(float)) | (q < 0).to_numpy()).any():
                probs.add("The 'demand' table of Scenarios has negative or missing quantities in rows "
                          f"{d.index[(~np.isfinite(q.to_numpy(float))) | (q < 0).to_numpy()].tolist()[:10]}.")
            unk = sorted(set(d["scenario"]) - set(p.index))
            if unk:
                probs.add(f"The 'demand' table of Scenarios names scenarios without a probability: {unk[:10]}.")
            object.__setattr__(self, "demand", d)
        probs.raise_if_any()
        object.__setattr__(self, "probabilities", p)
        object.__setattr__(self, "closed_depots", {str(k): [str(x) for x in v] for k, v in dict(self.closed_depots).items()})
        object.__setattr__(self, "closed_edges", {str(k): list(v) for k, v in dict(self.closed_edges).items()})

    @property
    def ids(self) -> list[str]:
        return list(self.probabilities.index)

    def __len__(self) -> int:
        return len(self.probabilities)

    def mean(self) -> "Scenarios":
        """The mean-value scenario (expected demand, nothing closed), for the VSS."""
        d = self.demand.merge(self.probabilities.rename("p"), left_on="scenario", right_index=True)
        d["quantity"] = d["quantity"] * d["p"]
        m = d.groupby(["township", "item"], as_index=False)["quantity"].sum()
        m.insert(0, "scenario", "mean")
        return Scenarios(pd.Series({"mean": 1.0}), m)


def sample_scenarios(county, n: int, seed: int, *, items: pd.DataFrame | None = None,
                     kinds=("earthquake", "flood", "chemical")) -> Scenarios:
    """Random disaster scenarios for a county (earthquake zones, floods along a river, chemical releases).

    * earthquake: a random epicentre; the share of residents displaced falls with distance
      (``0.5·exp(−d/8 km)``), roads within 3 km of the epicentre may be cut and depots within
      5 km closed (each with probability 0.5);
    * flood: a random straight "river" across the county; townships whose seat lies within
      4 km of it displace 15–40 % of residents, depots within 2 km are flooded;
    * chemical release: around a hazardous-chemicals site (or a random point), 2 km evacuation.

    Demand = displaced persons × item norm × days, aggregated to townships (so 1,000 scenarios
    stay a model of manageable size). Equal probabilities ``1/n``. Deterministic for a seed.

    Parameters
    ----------
    county : yingji.County
    n : int
        Number of scenarios.
    seed : int
    items : DataFrame, optional
        Item norms (default the county's ``items``).
    kinds : sequence of str
        Which kinds to draw from (cycled in order).

    Returns
    -------
    Scenarios
    """
    probs = Problems("sample_scenarios")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        probs.param("n", "an int >= 1", n)
    unknown = sorted(set(kinds) - {"earthquake", "flood", "chemical"})
    if unknown or not kinds:
        probs.param("kinds", "a non-empty subset of ('earthquake', 'flood', 'chemical')", list(kinds))
    norms = _norms(county, items, probs)
    probs.raise_if_any()
    rng = np.random.default_rng(seed)
    demand = county.demand.copy()
    demand.index = demand.index.map(str)
    tw = demand["township"].astype(str)
    xy = demand[["x", "y"]].to_numpy(float)
    pop = demand["population"].to_numpy(float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    depots = county.depots.copy()
    depots.index = depots.index.map(str)
    dxy = depots[["x", "y"]].to_numpy(float) if len(depots) else np.zeros((0, 2))
    net = getattr(county, "network", None)
    edges = None
    if net is not None and hasattr(net, "to_edges"):
        try:
            edges = net.to_edges()
        except Exception:  # pragma: no cover - a network without an edge export
            edges = None
    node_xy = None
    if edges is not None and net is not None and hasattr(net, "to_nodes"):
        try:
            node_xy = net.to_nodes()
            if not {"x", "y"} <= set(node_xy.columns):
                node_xy = None
        except Exception:  # pragma: no cover - a network without coordinates
            node_xy = None
    hz = getattr(county, "hazards", pd.DataFrame())
    chem = hz[hz["skill"].astype(str).str.contains("hazardous_chemicals")] if len(hz) and "skill" in hz.columns else hz.iloc[:0]
    per_person = (norms["per_person_per_day"] * norms["days"]).astype(float)
    ids = [f"S{i:04d}" for i in range(n)]
    recs, closed_d, closed_e = [], {}, {}
    for i, sid in enumerate(ids):
        kind = kinds[i % len(kinds)]
        if kind == "earthquake":
            c = lo + rng.random(2) * (hi - lo)
            d = np.hypot(*(xy - c).T) / 1000.0
            share = 0.5 * np.exp(-d / 8.0) * rng.uniform(0.6, 1.4)
            dd = np.hypot(*(dxy - c).T) / 1000.0 if len(dxy) else np.zeros(0)
            closed_d[sid] = [depots.index[j] for j in np.nonzero((dd < 5.0) & (rng.random(len(dd)) < 0.5))[0]]
            if edges is not None and node_xy is not None:
                cut = _edges_near(edges, node_xy, c, 3000.0)
                keep = rng.random(len(cut)) < 0.5
                closed_e[sid] = [tuple(e) for e, k in zip(cut, keep) if k]
        elif kind == "flood":
            a = lo + rng.random(2) * (hi - lo)
            ang = rng.uniform(0, np.pi)
            u = np.array([np.cos(ang), np.sin(ang)])
            dist = np.abs((xy - a) @ np.array([-u[1], u[0]])) / 1000.0
            share = np.where(dist < 4.0, rng.uniform(0.15, 0.40), 0.0)
            dd = np.abs((dxy - a) @ np.array([-u[1], u[0]])) / 1000.0 if len(dxy) else np.zeros(0)
            closed_d[sid] = [depots.index[j] for j in np.nonzero(dd < 2.0)[0]]
        else:
            if len(chem):
                c = chem[["x", "y"]].to_numpy(float)[rng.integers(len(chem))]
            else:
                c = lo + rng.random(2) * (hi - lo)
            d = np.hypot(*(xy - c).T) / 1000.0
            share = np.where(d < 2.0, rng.uniform(0.5, 1.0), 0.0)
        displaced = pd.Series(pop * np.clip(share, 0.0, 1.0), index=demand.index).groupby(tw).sum()
        for t, v in displaced.items():
            if v <= 0:
                continue
            for it, pp in per_person.items():
                recs.append({"scenario": sid, "township": t, "item": it, "quantity": float(v * pp)})
    dem = pd.DataFrame(recs, columns=["scenario", "township", "item", "quantity"])
    return Scenarios(pd.Series(1.0 / n, index=ids), dem, closed_d, closed_e)


def _edges_near(edges: pd.DataFrame, nodes: pd.DataFrame, c, radius: float) -> list:
    cols = list(edges.columns)
    u, v = cols[0], cols[1]
    near = set(nodes.index[np.hypot(nodes["x"].to_numpy(float) - c[0], nodes["y"].to_numpy(float) - c[1]) < radius])
    sel = edges[edges[u].isin(near) & edges[v].isin(near)]
    return list(zip(sel[u], sel[v]))


# =========================================================================== prepositioning
@dataclass(frozen=True)
class StockPlan:
    """Prepositioning decision and its expected cost.

    Attributes
    ----------
    stock : DataFrame
        ``depot``, ``item``, ``quantity`` (total to hold), ``existing``, ``buy``.
    sites : DataFrame
        ``site``, ``kind`` ("depot" or "candidate"), ``open``, ``level`` (enlargement level or -1),
        ``capacity_m3``, ``used_m3``.
    expected_cost : float
        First-stage cost + expected second-stage cost (shipping + unmet penalty).
    first_stage_cost : float
    expected_unmet : DataFrame
        Expected unmet quantity per item.
    scenario_costs : Series
        Second-stage cost per scenario.
    vss : float
        Value of the stochastic solution: EEV − RP ≥ 0 (nan when not computed).
    bound, gap : float
    optimal : bool
    status : str
    method : str
        "extensive" or "benders".
    iterations : int
    seconds : float
    """

    stock: pd.DataFrame
    sites: pd.DataFrame
    expected_cost: float
    first_stage_cost: float
    expected_unmet: pd.DataFrame
    scenario_costs: pd.Series
    vss: float
    bound: float
    gap: float
    optimal: bool
    status: str
    method: str
    iterations: int
    seconds: float
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The stock to hold: depot, item, quantity, existing, buy."""
        return self.stock.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (``json.dumps`` works on it)."""
        return to_jsonable({
            "stock": self.stock, "sites": self.sites, "expected_cost": self.expected_cost,
            "first_stage_cost": self.first_stage_cost, "expected_unmet": self.expected_unmet,
            "scenario_costs": self.scenario_costs, "vss": self.vss, "bound": self.bound, "gap": self.gap,
            "optimal": self.optimal, "status": self.status, "method": self.method,
            "iterations": self.iterations, "seconds": self.seconds, "params": self.params,
        })

    def summary(self) -> str:
        """Short text a planner reads."""
        opened = self.sites[(self.sites["kind"] == "candidate") & self.sites["open"]]["site"].tolist()
        return (
            f"Prepositioning ({self.method}, {self.params.get('n_scenarios', '?')} scenarios): expected cost "
            f"{self.expected_cost:,.0f} (first stage {self.first_stage_cost:,.0f}; bound {self.bound:,.0f}, "
            f"gap {self.gap:.2%}, {self.status}); new depots {opened}; VSS {self.vss:,.0f}; "
            f"expected unmet {self.expected_unmet['quantity'].sum():,.0f} units"
        )


@dataclass(frozen=True)
class _Instance:
    """Numeric form of a prepositioning problem (arrays only: picklable for executors)."""

    site_ids: list
    kinds: list
    item_ids: list
    township_ids: list
    scen_ids: list
    prob: np.ndarray          # (S,)
    open_cost: np.ndarray     # (J,)
    fixed_open: np.ndarray    # (J,) bool: existing depots
    base_cap: np.ndarray      # (J,) m3
    level_cap: np.ndarray     # (L,)
    level_cost: np.ndarray    # (L,)
    existing: np.ndarray      # (J, K)
    unit_cost: np.ndarray     # (K,)
    vol: np.ndarray           # (K,)
    penalty: np.ndarray       # (K,)
    ship: list                # per scenario: (J, T) cost per unit volume (inf = no route / closed)
    demand: np.ndarray        # (S, T, K)
    ship_base: np.ndarray | None = None  # (J, T) with nothing closed (mean-value problem)


def _first_stage_layout(inst: _Instance):
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    o = 0
    off_open = o; o += J
    off_lvl = o; o += J * L
    off_buy = o; o += J * K
    return off_open, off_lvl, off_buy, o


def _first_stage_rows(inst: _Instance, budget):
    """First-stage constraints: capacity per site, one level per open site, budget."""
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    rows = []
    # capacity: sum_k vol_k buy_jk - cap_j open_j - sum_l Lcap_l e_jl <= -sum_k vol_k existing_jk
    r_i = np.concatenate([np.repeat(np.arange(J), K), np.arange(J), np.repeat(np.arange(J), L)])
    r_j = np.concatenate([off_buy + np.arange(J * K), off_open + np.arange(J), off_lvl + np.arange(J * L)])
    r_v = np.concatenate([np.tile(inst.vol, J), -inst.base_cap, -np.tile(inst.level_cap, J)])
    cap = sp.csr_matrix((r_v, (r_i, r_j)), shape=(J, n1))
    rows.append((cap, np.full(J, -np.inf), -(inst.existing @ inst.vol)))
    if L:
        # sum_l e_jl - open_j <= 0
        r_i = np.concatenate([np.repeat(np.arange(J), L), np.arange(J)])
        r_j = np.concatenate([off_lvl + np.arange(J * L), off_open + np.arange(J)])
        r_v = np.concatenate([np.ones(J * L), -np.ones(J)])
        rows.append((sp.csr_matrix((r_v, (r_i, r_j)), shape=(J, n1)), np.full(J, -np.inf), np.zeros(J)))
    c1 = _first_stage_cost_vec(inst)
    if budget is not None:
        rows.append((sp.csr_matrix(c1.reshape(1, -1)), np.array([-np.inf]), np.array([float(budget)])))
    A = sp.vstack([r[0] for r in rows]).tocsr()
    return A, np.concatenate([r[1] for r in rows]), np.concatenate([r[2] for r in rows]), c1


def _first_stage_cost_vec(inst: _Instance) -> np.ndarray:
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    c = np.zeros(n1)
    c[off_open:off_open + J] = np.where(inst.fixed_open, 0.0, inst.open_cost)
    c[off_lvl:off_lvl + J * L] = np.tile(inst.level_cost, J)
    c[off_buy:off_buy + J * K] = np.tile(inst.unit_cost, J)
    return c


def _first_stage_bounds(inst: _Instance):
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    lo = np.zeros(n1)
    hi = np.full(n1, np.inf)
    hi[off_open:off_open + J] = 1
    lo[off_open:off_open + J] = inst.fixed_open.astype(float)
    hi[off_lvl:off_lvl + J * L] = 1
    integ = np.zeros(n1, bool)
    integ[off_open:off_lvl + J * L] = True
    return lo, hi, integ


def _second_stage(inst: _Instance, s: int):
    """Scenario s's LP pieces (see :func:`_second_stage_arrays`)."""
    return _second_stage_arrays(inst.ship[s], inst.demand[s], inst.vol, inst.penalty)


def _second_stage_arrays(ship: np.ndarray, demand: np.ndarray, vol: np.ndarray, penalty: np.ndarray):
    """One scenario's LP pieces: columns x (routes × items) then u (T × K).

    Returns (c2, A_dem (T·K × n2), rhs_dem, A_stock (J·K × n2), meta).
    """
    J, T = ship.shape
    K = vol.size
    pj, pt = np.nonzero(np.isfinite(ship))
    nP = pj.size
    n_x = nP * K
    col_p = np.repeat(np.arange(nP), K)
    col_k = np.tile(np.arange(K), nP)
    c2 = np.concatenate([ship[pj[col_p], pt[col_p]] * vol[col_k], np.tile(penalty, T)])
    n2 = n_x + T * K
    A_dem = sp.csr_matrix((np.ones(n2), (np.concatenate([pt[col_p] * K + col_k, np.arange(T * K)]), np.arange(n2))),
                          shape=(T * K, n2))
    A_stock = sp.csr_matrix((np.ones(n_x), (pj[col_p] * K + col_k, np.arange(n_x))), shape=(J * K, n2))
    return c2, A_dem, demand.ravel(), A_stock, (pj, pt, col_p, col_k, n_x)


def _solve_subproblem(args):
    """Scenario LP for a fixed first stage: (cost, gradient wrt held stock (J·K), unmet (K,)).

    Module-level and fed only this scenario's arrays, so executors (process pools, dask)
    pickle little.
    """
    ship, demand, vol, penalty, hold, time_limit = args
    if isinstance(time_limit, Deadline):  # shared with the caller (perf_counter is system-wide)
        if time_limit.expired():
            return None  # no time left: no valid cost or cut for this scenario
        time_limit = time_limit.limit()
    hold = np.maximum(hold, 0.0)  # solver tolerances must not make the scenario infeasible
    c2, A_dem, d, A_stock, _ = _second_stage_arrays(ship, demand, vol, penalty)
    n2 = c2.size
    A = sp.vstack([A_dem, A_stock]).tocsr()
    JK = A_stock.shape[0]
    lo = np.concatenate([d, np.full(JK, -np.inf)])
    hi = np.concatenate([d, hold])
    sol = solve(SparseModel(c2, A, lo, hi, 0, np.inf, None, name="scenario"), time_limit=time_limit)
    if not sol.optimal:
        return None  # stopped by the time limit: its cost and duals are not those of the optimum
    TK = A_dem.shape[0]
    grad = sol.duals[TK:] if sol.duals is not None else np.zeros(JK)
    unmet = sol.x[n2 - TK:].reshape(-1, vol.size).sum(axis=0)
    return float(sol.objective), np.asarray(grad, dtype=float), unmet


def _hold_from_x1(inst: _Instance, x1: np.ndarray) -> np.ndarray:
    """Stock held per (site, item) given first-stage columns; closed sites hold nothing usable."""
    J, K = len(inst.site_ids), len(inst.item_ids)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    # a MIP solution may hold buy = -2e-7 within the solver's feasibility tolerance; a negative
    # stock bound would make the scenario LP infeasible (seen with 10 scenarios on the sample county)
    return (inst.existing + np.maximum(x1[off_buy:off_buy + J * K], 0.0).reshape(J, K)).ravel()


def _hold_matrix_for(inst: _Instance, s: int, hold: np.ndarray, closed_mask: np.ndarray) -> np.ndarray:
    h = hold.copy().reshape(len(inst.site_ids), -1)
    h[closed_mask] = 0.0
    return h.ravel()


def _extensive(inst: _Instance, budget, closed: list, max_unmet_probability, time_limit, mip_gap, start=None):
    """Deterministic equivalent as one sparse MIP."""
    J, K, T, S = len(inst.site_ids), len(inst.item_ids), len(inst.township_ids), len(inst.scen_ids)
    A1, lo1, hi1, c1 = _first_stage_rows(inst, budget)
    n1 = c1.size
    clo, chi, integ1 = _first_stage_bounds(inst)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    blocks_c, blocks_A, row_lo, row_hi = [c1], [], [lo1], [hi1]
    top = [A1]
    col_lo, col_hi, integ = [clo], [chi], [integ1]
    offs = []
    n_tot = n1
    stock_rows = []
    for s in range(S):
        c2, A_dem, d, A_stock, meta = _second_stage(inst, s)
        offs.append((n_tot, c2.size, meta))
        blocks_c.append(inst.prob[s] * c2)
        col_lo.append(np.zeros(c2.size)); col_hi.append(np.full(c2.size, np.inf)); integ.append(np.zeros(c2.size, bool))
        stock_rows.append((A_dem, d, A_stock, n_tot))
        n_tot += c2.size
    z_off = n_tot
    if max_unmet_probability is not None:
        blocks_c.append(np.zeros(S)); col_lo.append(np.zeros(S)); col_hi.append(np.ones(S)); integ.append(np.ones(S, bool))
        n_tot += S
    mats = [sp.hstack([A1, sp.csr_matrix((A1.shape[0], n_tot - n1))]).tocsr()]
    for s, (A_dem, d, A_stock, off) in enumerate(stock_rows):
        n2 = A_dem.shape[1]
        left = sp.csr_matrix((A_dem.shape[0], off))
        right = sp.csr_matrix((A_dem.shape[0], n_tot - off - n2))
        mats.append(sp.hstack([left, A_dem, right]).tocsr())
        row_lo.append(d); row_hi.append(d)
        # stock: sum_t x_jtk - buy_jk <= existing_jk (0 where the site is closed in s)
        closed_mask = closed[s]
        ex = inst.existing.copy()
        Ab = sp.csr_matrix((-np.ones(J * K), (np.arange(J * K), off_buy + np.arange(J * K))), shape=(J * K, n1))
        Ab = Ab.tolil()
        for j in np.nonzero(closed_mask)[0]:
            Ab[j * K:(j + 1) * K, :] = 0
            ex[j] = 0.0
        Ab = Ab.tocsr()
        mats.append(sp.hstack([Ab, sp.csr_matrix((J * K, off - n1)), A_stock, sp.csr_matrix((J * K, n_tot - off - n2))]).tocsr())
        row_lo.append(np.full(J * K, -np.inf)); row_hi.append(ex.ravel())
        # stock only at open sites: sum_t x_jtk - M open_j <= 0 ... implied by capacity for candidates
        # (a closed candidate has capacity 0 so buy_jk = 0 and existing = 0).
        if max_unmet_probability is not None:
            TK = T * K
            u_cols = off + n2 - TK + np.arange(TK)
            dem = np.maximum(d, 0.0)
            Au = sp.csr_matrix((np.concatenate([np.ones(TK), -dem]),
                                (np.concatenate([np.arange(TK), np.arange(TK)]),
                                 np.concatenate([u_cols, np.full(TK, z_off + s)]))), shape=(TK, n_tot))
            mats.append(Au); row_lo.append(np.full(TK, -np.inf)); row_hi.append(np.zeros(TK))
    if max_unmet_probability is not None:
        Ap = sp.csr_matrix((inst.prob, (np.zeros(S, int), z_off + np.arange(S))), shape=(1, n_tot))
        mats.append(Ap); row_lo.append(np.array([-np.inf])); row_hi.append(np.array([float(max_unmet_probability)]))
    A = sp.vstack(mats).tocsr()
    model = SparseModel(np.concatenate(blocks_c), A, np.concatenate(row_lo), np.concatenate(row_hi),
                        np.concatenate(col_lo), np.concatenate(col_hi), np.concatenate(integ), name="preposition_de")
    sol = solve(model, time_limit=time_limit.limit() if isinstance(time_limit, Deadline) else time_limit,
                mip_gap=mip_gap)
    if not sol.has_solution:
        return None, sol, None
    K = len(inst.item_ids)
    ev = []
    for s, (off, n2, _meta) in enumerate(offs):
        xs = sol.x[off:off + n2]
        c2 = blocks_c[1 + s] / inst.prob[s] if inst.prob[s] > 0 else _second_stage(inst, s)[0]
        ev.append((float(c2 @ xs), None, xs[n2 - T * K:].reshape(-1, K).sum(axis=0)))
    return sol.x[:n1], sol, ev


def _evaluate(inst: _Instance, x1: np.ndarray, closed: list, executor, time_limit, progress=False):
    """Second-stage cost, gradient and unmet per scenario for a fixed first stage.

    ``time_limit`` is a :class:`Deadline` shared by all scenarios (or seconds per scenario); a
    scenario it leaves no time for comes back as None.
    """
    hold = _hold_from_x1(inst, x1)
    args = [(inst.ship[s], inst.demand[s], inst.vol, inst.penalty, _hold_matrix_for(inst, s, hold, closed[s]), time_limit)
            for s in range(len(inst.scen_ids))]
    if executor is None:
        it = map(_solve_subproblem, args)
    else:
        it = executor.map(_solve_subproblem, args)
    out = []
    bar = _progress(progress, len(args), "scenarios")
    for r in it:
        out.append(r)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _progress(progress, total, desc):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False)
    except ImportError:  # pragma: no cover - tqdm is optional
        return None


def _benders(inst: _Instance, budget, closed: list, executor, time_limit, mip_gap, max_iter, progress):
    """Multi-cut L-shaped method [3]_ [4]_: master MIP over the first stage and one θ per scenario.

    ``time_limit``: a :class:`Deadline` (or seconds from now) for all iterations; an iteration
    whose scenario evaluation the deadline cuts adds no bound or cut (they would not be valid).
    """
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit))
    J, K, S = len(inst.site_ids), len(inst.item_ids), len(inst.scen_ids)
    A1, lo1, hi1, c1 = _first_stage_rows(inst, budget)
    n1 = c1.size
    clo, chi, integ1 = _first_stage_bounds(inst)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    # θ_s >= 0 is valid: second-stage costs are non-negative
    cuts_A, cuts_lo = [], []
    best_ub, best_x1, best_eval = np.inf, None, None
    lb = -np.inf
    x1 = np.zeros(n1)
    x1[off_open:off_open + J] = inst.fixed_open.astype(float)
    it = 0
    status = "time_limit"
    for it in range(1, max_iter + 1):
        if dl.expired():
            break
        ev = _evaluate(inst, x1, closed, executor, dl, progress=False)
        if any(e is None for e in ev):
            break  # the deadline cut the evaluation: no valid upper bound or cuts from it
        q = np.array([e[0] for e in ev])
        ub = float(c1 @ x1 + inst.prob @ q)
        if ub < best_ub:
            best_ub, best_x1, best_eval = ub, x1.copy(), ev
        # cuts: θ_s >= q_s + g_s·(hold - hold_bar), hold = existing + buy (zeroed where closed)
        for s, (qs, g, _) in enumerate(ev):
            g = g.reshape(J, K).copy()
            g[closed[s]] = 0.0
            g = g.ravel()
            hold_bar = _hold_matrix_for(inst, s, _hold_from_x1(inst, x1), closed[s])
            row = np.zeros(n1 + S)
            row[off_buy:off_buy + J * K] = -g
            row[n1 + s] = 1.0
            cuts_A.append(row)
            ex = inst.existing.copy()
            ex[closed[s]] = 0.0
            cuts_lo.append(qs - g @ hold_bar + g @ ex.ravel())
        if np.isfinite(lb) and (best_ub - lb) / max(abs(best_ub), 1e-9) <= mip_gap:
            status = "optimal"
            break
        # master
        Am = sp.vstack([sp.hstack([A1, sp.csr_matrix((A1.shape[0], S))]), sp.csr_matrix(np.array(cuts_A))]).tocsr()
        cm = np.concatenate([c1, inst.prob])
        master = SparseModel(cm, Am, np.concatenate([lo1, cuts_lo]), np.concatenate([hi1, np.full(len(cuts_lo), np.inf)]),
                             np.concatenate([clo, np.zeros(S)]), np.concatenate([chi, np.full(S, np.inf)]),
                             np.concatenate([integ1, np.zeros(S, bool)]), name="benders_master")
        if dl.expired():
            break
        msol = solve(master, time_limit=dl.limit(), mip_gap=mip_gap / 10)
        if not msol.has_solution:
            break
        lb = max(lb, float(msol.bound))
        x1 = msol.x[:n1]
        x1[off_open:off_lvl + len(inst.level_cap) * J] = np.round(x1[off_open:off_lvl + len(inst.level_cap) * J])
        if (best_ub - lb) / max(abs(best_ub), 1e-9) <= mip_gap:
            status = "optimal"
            break
        if progress:
            print(f"benders iteration {it}: lower {lb:,.2f} upper {best_ub:,.2f}")
    return best_x1, best_eval, best_ub, lb, status, it


def _build_instance(county, scenarios: Scenarios, *, items, depots, candidates, demand, times, levels,
                    candidate_capacity, ship_cost, penalty, as_of, probs: Problems) -> tuple[_Instance, list]:
    items = _norms(county, items, probs)
    depots = _table(county, "depots", depots)
    demand = _table(county, "demand", demand)
    cands = _table(county, "candidates", candidates)
    stock = getattr(county, "stock", None) if county is not None else None
    if depots is None or not isinstance(depots, pd.DataFrame):
        probs.param("depots", "a DataFrame of depots", None)
    if demand is None or not isinstance(demand, pd.DataFrame):
        probs.param("demand", "a DataFrame of demand points", None)
    probs.raise_if_any()
    depots = depots.copy(); depots.index = depots.index.map(str)
    demand = demand.copy(); demand.index = demand.index.map(str)
    if cands is not None and len(cands) and "uses" in cands.columns:
        cands = cands[[("depot" in str(u).split(";")) for u in cands["uses"]]].copy()
        cands.index = cands.index.map(str)
    else:
        cands = pd.DataFrame(columns=["x", "y", "node", "cost"])
    sites = pd.concat([
        pd.DataFrame({"node": depots["node"] if "node" in depots.columns else None,
                      "capacity": pd.to_numeric(depots.get("capacity", np.inf), errors="coerce"),
                      "open_cost": pd.to_numeric(depots.get("open_cost", 0.0), errors="coerce"), "kind": "depot"}),
        pd.DataFrame({"node": cands["node"] if "node" in cands.columns else None,
                      "capacity": float(candidate_capacity),
                      "open_cost": pd.to_numeric(cands.get("cost", 0.0), errors="coerce") if len(cands) else [],
                      "kind": "candidate"}, index=cands.index),
    ])
    bad = sites.index[(~np.isfinite(sites["capacity"].to_numpy(float))) | (sites["capacity"] < 0).to_numpy()]
    if len(bad):
        probs.add(f"Depot capacity must be a non-negative number of m³; bad for {list(bad)[:10]}.")
    tws = _townships(demand)
    d = scenarios.demand
    unk_t = sorted(set(d["township"]) - set(tws.index))
    unk_i = sorted(set(d["item"]) - set(items.index))
    if unk_t:
        probs.add(f"The scenarios' demand names unknown townships {unk_t[:10]}.")
    if unk_i:
        probs.add(f"The scenarios' demand names unknown items {unk_i[:10]} (not in the norms table).")
    unk_d = sorted({x for v in scenarios.closed_depots.values() for x in v} - set(sites.index))
    if unk_d:
        probs.add(f"The scenarios close unknown depots {unk_d[:10]}.")
    probs.raise_if_any()
    seats = demand.loc[tws["seat"]].copy()
    seats.index = tws.index
    base_T = _minutes(times, sites, seats, county, "times", probs, ("depots and candidate sites", "township seats"))
    probs.raise_if_any()
    item_ids = list(items.index)
    K = len(item_ids)
    J = len(sites)
    existing = np.zeros((J, K))
    if stock is not None and len(stock):
        st = stock.copy()
        exp = _expiry(st, items)
        asof = _as_date(as_of)
        st = st[exp.isna() | (exp >= asof)]
        agg = st.groupby([st["depot"].astype(str), st["item"].astype(str)])["quantity"].sum()
        s_pos = {s: i for i, s in enumerate(sites.index)}
        k_pos = {k: i for i, k in enumerate(item_ids)}
        for (dep, it), qv in agg.items():
            if dep in s_pos and it in k_pos:
                existing[s_pos[dep], k_pos[it]] = float(qv)
    vol = items["unit_volume"].to_numpy(float)
    unit_cost = items["unit_cost"].to_numpy(float)
    fin = base_T[np.isfinite(base_T)]
    tmax = float(fin.max()) if fin.size else 60.0
    if penalty is None:
        pen = 5.0 * unit_cost + 2.0 * float(ship_cost) * vol * tmax + 1.0
    elif isinstance(penalty, dict):
        pen = np.array([float(penalty.get(k, 0.0)) for k in item_ids])
    else:
        pen = np.broadcast_to(np.asarray(penalty, dtype=float), (K,)).copy()
    levels = list(levels or [])
    lv_cap = np.array([float(a) for a, _ in levels]) if levels else np.zeros(0)
    lv_cost = np.array([float(b) for _, b in levels]) if levels else np.zeros(0)
    fixed_open = (sites["kind"] == "depot").to_numpy()
    base_cap = sites["capacity"].to_numpy(float)
    base_cap = np.maximum(base_cap, existing @ vol)  # existing stock always fits where it is
    scen_ids = scenarios.ids
    t_pos = {t: i for i, t in enumerate(tws.index)}
    k_pos = {k: i for i, k in enumerate(item_ids)}
    s_pos = {s: i for i, s in enumerate(scen_ids)}
    dem = np.zeros((len(scen_ids), len(tws), K))
    np.add.at(dem, (d["scenario"].map(s_pos).to_numpy(), d["township"].map(t_pos).to_numpy(),
                    d["item"].map(k_pos).to_numpy()), d["quantity"].to_numpy(float))
    ship_list, closed = [], []
    net = times if hasattr(times, "travel_times") else (getattr(county, "network", None) if times is None else None)
    for sid in scen_ids:
        cm = np.isin(np.asarray(sites.index), scenarios.closed_depots.get(sid, []))
        closed.append(cm)
        Ts = base_T
        ce = scenarios.closed_edges.get(sid, [])
        if ce and net is not None and hasattr(net, "without"):
            Ts = np.asarray(net.without(edges=ce).travel_times(sites["node"].to_numpy(), seats["node"].to_numpy()), float)
        ship_list.append(np.where(cm[:, None], np.inf, float(ship_cost) * Ts))
    inst = _Instance(list(sites.index), list(sites["kind"]), item_ids, list(tws.index), scen_ids,
                     scenarios.probabilities.to_numpy(float), sites["open_cost"].fillna(0.0).to_numpy(float),
                     fixed_open, base_cap, lv_cap, lv_cost, existing, unit_cost, vol, pen, ship_list, dem,
                     float(ship_cost) * base_T)
    return inst, closed


def preposition(
    county,
    scenarios: Scenarios,
    *,
    budget: float | None = None,
    items: pd.DataFrame | None = None,
    depots: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    times=None,
    levels: list | None = None,
    candidate_capacity: float = 2000.0,
    ship_cost: float = 1.0,
    penalty=None,
    max_unmet_probability: float | None = None,
    method: str = "auto",
    executor=None,
    max_iter: int = 200,
    vss: bool = True,
    as_of=None,
    progress: bool = False,
    time_limit: float = config.TIME_LIMIT,
    mip_gap: float = config.MIP_GAP,
) -> StockPlan:
    r"""Where to hold which supplies, against disaster scenarios (two-stage stochastic programme).

    First stage: open candidate depots (``candidates`` whose ``uses`` include ``depot``, at
    their ``cost``), enlarge any open site by one capacity level (``levels`` = list of
    ``(extra_m3, cost)``), and buy stock (``unit_cost`` per unit) on top of the usable existing
    stock, within each site's capacity (m³) and the ``budget``. Second stage, per scenario
    :math:`s` with probability :math:`p_s`: ship stock from the sites still standing to the
    townships over the roads still open (cost ``ship_cost`` per m³ per minute), and pay
    ``penalty`` per unit of unmet demand.

    .. math::

        \min\; f^\top o + g^\top e + c^\top b + \sum_s p_s \Big( \sum_{jtk} \kappa\, v_k \tau^s_{jt}
        x^s_{jtk} + \sum_{tk} \pi_k u^s_{tk} \Big)

        \text{s.t.}\; \sum_j x^s_{jtk} + u^s_{tk} = d^s_{tk},\quad
        \sum_t x^s_{jtk} \le a_{jk} + b_{jk} \;(0 \text{ if } j \text{ is closed in } s),\quad
        \sum_k v_k (a_{jk} + b_{jk}) \le C_j o_j + \sum_l L_l e_{jl}.

    Parameters
    ----------
    county : yingji.County
    scenarios : Scenarios
    budget : float, optional
        Upper limit of first-stage spending (opening + enlarging + buying).
    items, depots, candidates, demand : DataFrame, optional
        Replace the county's tables.
    times : Network, DataFrame or array, optional
        Sites × townships minutes (default routed on the county network to township seats;
        scenarios with closed edges are re-routed on ``network.without(edges=...)``).
    levels : list of (float, float), optional
        Enlargement options ``(extra capacity m³, cost)``; at most one per site.
    candidate_capacity : float
        Capacity of a new depot, m³.
    ship_cost : float
        Cost per m³ per minute of driving.
    penalty : float, dict or array, optional
        Cost per unit of unmet demand by item (default: 5 × unit cost + twice the dearest
        shipment of a unit, an assumption that makes holding stock worthwhile).
    max_unmet_probability : float, optional
        Probability of the scenarios allowed to leave any demand unmet (chance constraint,
        one binary per scenario; extensive form only).
    method : {"auto", "extensive", "benders"}
        ``auto``: extensive form up to 200,000 second-stage columns, Benders beyond.
    executor : concurrent.futures.Executor, optional
        Runs the scenario subproblems of the Benders method (and the VSS evaluation), e.g. a
        ``ProcessPoolExecutor`` or ``dask.distributed.Client(...).get_executor()``.
    max_iter : int
        Most Benders iterations.
    vss : bool
        Also solve the mean-value problem and report the value of the stochastic solution.
    as_of : date-like, optional
        Existing stock expired before this date is not counted.
    progress : bool
        Show progress on long runs (tqdm when installed).
    time_limit, mip_gap : float
        ``time_limit``: seconds for the whole call, counted from entry (instance build, the
        extensive MIP or every Benders iteration, then the VSS); each phase gets the time
        left. ``vss`` is NaN when no time is left for it.

    Returns
    -------
    StockPlan

    Raises
    ------
    ValidationError
        Bad scenarios, unknown townships / items / depots, negative capacities, bad options,
        depots or township seats off the network.
    SolverError
        No first-stage decision found within ``time_limit`` (status ``"time_limit"``).

    See Also
    --------
    sample_scenarios : scenarios for a county (earthquakes, floods, chemical releases).

    References
    ----------
    .. [1] Van Slyke, R. M. and Wets, R. (1969). L-shaped linear programs with applications to
       optimal control and stochastic programming. SIAM J. Appl. Math. 17(4), 638-663.
    .. [2] Birge, J. R. and Louveaux, F. (2011). *Introduction to Stochastic Programming*, 2nd ed.,
       Springer (multi-cut L-shaped method; the value of the stochastic solution).
    .. [3] Rawls, C. G. and Turnquist, M. A. (2010). Pre-positioning of emergency supplies for
       disaster response. Transportation Research Part B 44(4), 521-534.
    """
    t0 = _time.perf_counter()
    probs = Problems("preposition")
    if not isinstance(scenarios, Scenarios):
        probs.param("scenarios", "a Scenarios object", type(scenarios).__name__)
    if method not in ("auto", "extensive", "benders"):
        probs.param("method", "one of 'auto', 'extensive', 'benders'", method)
    if budget is not None and (not np.isfinite(budget) or budget < 0):
        probs.param("budget", "a non-negative number or None", budget)
    if max_unmet_probability is not None and not (0 <= max_unmet_probability <= 1):
        probs.param("max_unmet_probability", "a probability in [0, 1]", max_unmet_probability)
    if max_unmet_probability is not None and method == "benders":
        probs.add("The chance constraint 'max_unmet_probability' needs method='extensive' (its binaries break the L-shaped method).")
    if not (np.isfinite(ship_cost) and ship_cost >= 0):
        probs.param("ship_cost", "a non-negative float", ship_cost)
    from yingji.siting._inputs import check_time_limit

    time_limit = check_time_limit(time_limit, probs)
    probs.raise_if_any()
    dl = Deadline(time_limit, t0)  # instance build, solve and the VSS share it
    inst, closed = _build_instance(county, scenarios, items=items, depots=depots, candidates=candidates, demand=demand,
                                   times=times, levels=levels, candidate_capacity=candidate_capacity,
                                   ship_cost=ship_cost, penalty=penalty, as_of=as_of, probs=probs)
    S = len(inst.scen_ids)
    per_scen = int(sum(np.isfinite(sh).sum() for sh in inst.ship[:1]) * len(inst.item_ids) + len(inst.township_ids) * len(inst.item_ids))
    use = method
    if method == "auto":
        use = "extensive" if (per_scen * S <= 200_000 or max_unmet_probability is not None) else "benders"
    c1 = _first_stage_cost_vec(inst)
    if use == "extensive":
        x1, sol, ev = _extensive(inst, budget, closed, max_unmet_probability, dl, mip_gap)
        if x1 is None:
            raise SolverError("preposition found no first-stage decision within the time limit "
                              f"({time_limit:g} s); raise time_limit.", status="time_limit")
        bound, iters = float(sol.bound), 1
        ub = float(sol.objective)
        status = sol.status
    else:
        x1, ev, ub, bound, status, iters = _benders(inst, budget, closed, executor, dl, mip_gap, max_iter, progress)
        if x1 is None:
            raise SolverError("preposition evaluated no first-stage decision within the time limit "
                              f"({time_limit:g} s); raise time_limit.", status="time_limit")
    gap = abs(ub - bound) / max(abs(ub), 1e-9) if np.isfinite(bound) else float("inf")
    optimal = gap <= max(mip_gap, 1e-9) * 1.0001
    status = "optimal" if optimal else "time_limit"
    J, K = len(inst.site_ids), len(inst.item_ids)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    buy = x1[off_buy:off_buy + J * K].reshape(J, K)
    buy[buy < 1e-9] = 0.0  # also clears negatives within the solver's tolerance
    hold = inst.existing + buy
    stock = pd.DataFrame({"depot": np.repeat(inst.site_ids, K), "item": np.tile(inst.item_ids, J),
                          "quantity": hold.ravel(), "existing": inst.existing.ravel(), "buy": buy.ravel()})
    stock = stock[stock["quantity"] > 1e-9].reset_index(drop=True)
    opened = np.round(x1[off_open:off_open + J]).astype(bool)
    L = len(inst.level_cap)
    lvl = np.round(x1[off_lvl:off_lvl + J * L]).reshape(J, L) if L else np.zeros((J, 0))
    level = np.where(lvl.sum(axis=1) > 0.5, lvl.argmax(axis=1) if L else -1, -1)
    cap = inst.base_cap * opened + (lvl @ inst.level_cap if L else 0.0)
    sites = pd.DataFrame({"site": inst.site_ids, "kind": inst.kinds, "open": opened, "level": level,
                          "capacity_m3": cap, "used_m3": hold @ inst.vol})
    q = np.array([e[0] for e in ev])
    unmet = np.array([e[2] for e in ev])  # S × K
    exp_unmet = pd.DataFrame({"item": inst.item_ids, "quantity": inst.prob @ unmet})
    vss_val = float("nan")
    if vss and max_unmet_probability is None and not dl.expired():  # NaN when no time is left for it
        mean = scenarios.mean()
        inst_m = _Instance(inst.site_ids, inst.kinds, inst.item_ids, inst.township_ids, ["mean"], np.ones(1),
                           inst.open_cost, inst.fixed_open, inst.base_cap, inst.level_cap, inst.level_cost,
                           inst.existing, inst.unit_cost, inst.vol, inst.penalty, [inst.ship_base],
                           _mean_demand(inst, mean), inst.ship_base)
        x_ev, _, _ = _extensive(inst_m, budget, [np.zeros(J, bool)], None, dl, mip_gap)
        ev_ev = _evaluate(inst, x_ev, closed, executor, dl) if x_ev is not None and not dl.expired() else [None]
        if not any(e is None for e in ev_ev):
            eev = float(c1 @ x_ev + inst.prob @ np.array([e[0] for e in ev_ev]))
            vss_val = max(eev - ub, 0.0) if optimal else eev - ub
    return StockPlan(stock, sites, float(ub), float(c1 @ x1), exp_unmet, pd.Series(q, index=inst.scen_ids, name="cost"),
                     vss_val, float(bound), float(gap), bool(optimal), status, use, int(iters),
                     _time.perf_counter() - t0,
                     {"n_scenarios": S, "budget": budget, "ship_cost": ship_cost,
                      "penalty": dict(zip(inst.item_ids, inst.penalty.tolist())), "n_sites": J, "n_items": K,
                      "n_townships": len(inst.township_ids)})


def _mean_demand(inst: _Instance, mean: Scenarios) -> np.ndarray:
    d = np.zeros((1, len(inst.township_ids), len(inst.item_ids)))
    t_pos = {t: i for i, t in enumerate(inst.township_ids)}
    k_pos = {k: i for i, k in enumerate(inst.item_ids)}
    md = mean.demand
    np.add.at(d, (np.zeros(len(md), int), md["township"].map(t_pos).to_numpy(), md["item"].map(k_pos).to_numpy()),
              md["quantity"].to_numpy(float))
    return d


# =========================================================================== transfer
@dataclass(frozen=True)
class TransferPlan:
    """Shipments from depot stock to demand after an event.

    Attributes
    ----------
    shipments : DataFrame
        ``depot``, ``destination``, ``item``, ``quantity``, ``minutes``.
    unmet : DataFrame
        ``destination``, ``item``, ``quantity`` (demand not met), ``priority``.
    objective : float
        Total cost (``objective="cost"``: m³·minutes) or the latest arrival (``"time"``), minutes.
    max_minutes : float
        Latest arrival of any shipment.
    optimal : bool
    status : str
    """

    shipments: pd.DataFrame
    unmet: pd.DataFrame
    objective: float
    max_minutes: float
    optimal: bool
    status: str

    def to_frame(self) -> pd.DataFrame:
        """The shipments: depot, destination, item, quantity, minutes."""
        return self.shipments.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (``json.dumps`` works on it)."""
        return to_jsonable({"shipments": self.shipments, "unmet": self.unmet, "objective": self.objective,
                            "max_minutes": self.max_minutes, "optimal": self.optimal, "status": self.status})

    def summary(self) -> str:
        """Short text a planner reads."""
        return (f"Transfer: {len(self.shipments)} shipments, latest arrival {self.max_minutes:.1f} min, "
                f"unmet {self.unmet['quantity'].sum():,.0f} units ({self.status})")


#: Distinct priorities up to which :func:`transfer` solves one stage per priority class (exact
#: for any priority > 0); with more, one priority-weighted stage (priorities scaled to max 1).
MAX_PRIORITY_CLASSES = 12


def transfer(
    county,
    demands: pd.DataFrame,
    *,
    stock: pd.DataFrame | None = None,
    depots: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    times=None,
    objective: str = "cost",
    as_of=None,
    time_limit: float = config.TIME_LIMIT,
) -> TransferPlan:
    r"""The transfer plan from depot stock to demand points after an event.

    Parameters
    ----------
    county : yingji.County or None
    demands : DataFrame
        ``destination`` (demand id, or a ``node`` column), ``item``, ``quantity``, optional
        ``priority`` (higher first, default 1; finite, >= 0).
    stock, depots, items : DataFrame, optional
        Replace the county's tables; stock expired at ``as_of`` is not used.
    times : Network, DataFrame or array, optional
        Depots × destinations minutes.
    objective : {"cost", "time"}
        ``cost``: meet the most priority-weighted demand, then least m³·minutes. ``time``: meet the
        same demand with the least latest arrival (a search over the distinct times, each a
        feasibility LP), then least cost.
    as_of : date-like, optional
    time_limit : float
        Seconds for the whole call, counted from entry (every LP gets the time left). When the
        first LP finds no point in time nothing is shipped (all demand unmet) and
        ``status="time_limit"``; when the search over arrival times is cut, the best level it
        proved so far is returned with ``status="time_limit"``.

    Returns
    -------
    TransferPlan

    Raises
    ------
    ValidationError
        An unknown ``objective``; no depots or stock; demands missing ``item`` or ``quantity``,
        with negative or missing quantities, unknown items or unknown destinations; bad stock
        (see :func:`assess`); times not labelled depots × destinations.

    Notes
    -----
    With shipments :math:`x_{jr}` from depot :math:`j` for demand row :math:`r` (item
    :math:`k_r`, quantity :math:`q_r`, priority :math:`\pi_r`), unmet :math:`u_r`, stock
    :math:`s_{jk}`, volume :math:`v_k` (m³/unit) and minutes :math:`\tau_{jr}`:

    .. math::

        \operatorname{lexmin} \Big( \sum_r \pi_r u_r,\; \sum_{jr} v_{k_r} \tau_{jr} x_{jr} \Big)
        \;\text{s.t.}\; \sum_j x_{jr} + u_r = q_r,\quad \sum_{r: k_r = k} x_{jr} \le s_{jk},

    solved in stages (:func:`yingji.solvers.solve_lexicographic`): the least priority-weighted
    unmet demand first, then the least cost with that level held — no penalty weight, so a
    demand of any priority > 0 is met whenever stock can reach it, however long the route or
    however much other stock must be rerouted. The met quantities of a transportation problem
    form a polymatroid, on which the weighted optimum is the greedy one [2]_: the first stage is
    therefore split into one stage per priority class, highest first (each in units of quantity,
    so a priority of 1e-9 next to one of 1e4 is as exact as equal priorities); with more than
    :data:`MAX_PRIORITY_CLASSES` distinct priorities one weighted stage is used. Rows of priority 0 are met only where that
    costs nothing.
    ``objective="time"`` bisects over the distinct :math:`\tau` for the smallest latest arrival
    that meets the same demand (a bottleneck transportation problem).

    References
    ----------
    .. [1] Hammer, P. L. (1969). Time-minimizing transportation problems. Naval Research
       Logistics Quarterly 16(3), 345-357.
    .. [2] Edmonds, J. (1970). Submodular functions, matroids, and certain polyhedra. In
       Combinatorial Structures and Their Applications, 69-87 (the greedy algorithm is optimal
       for a linear objective over a polymatroid).
    """
    from yingji.siting._inputs import check_time_limit

    t0 = _time.perf_counter()
    probs = Problems("transfer")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # every LP below gets the time left
    if objective not in ("cost", "time"):
        probs.param("objective", "'cost' or 'time'", objective)
    items = _norms(county, items, probs) if (items is not None or county is not None) else pd.DataFrame()
    depots = _table(county, "depots", depots)
    stock = _table(county, "stock", stock)
    if depots is None or stock is None:
        probs.add("transfer needs depots and stock (from the county or as arguments).")
    miss = [c for c in ("item", "quantity") if c not in demands.columns]
    if miss:
        probs.add(f"The 'demands' table of transfer is missing column(s) {miss}.")
    probs.raise_if_any()
    depots = depots.copy(); depots.index = depots.index.map(str)
    dem = demands.copy()
    if "destination" not in dem.columns:
        dem["destination"] = dem.index.map(str)
    dem["destination"] = dem["destination"].astype(str)
    dem["item"] = dem["item"].astype(str)
    if "priority" not in dem.columns:
        dem["priority"] = 1.0
    q = pd.to_numeric(dem["quantity"], errors="coerce")
    if (~np.isfinite(q.to_numpy(float)) | (q < 0).to_numpy()).any():
        probs.add("The 'demands' table of transfer has negative or missing quantities.")
    pr = pd.to_numeric(dem["priority"], errors="coerce").to_numpy(float)
    bad_p = np.nonzero(~np.isfinite(pr) | (pr < 0))[0]
    if bad_p.size:
        probs.add(f"The 'demands' table of transfer needs a finite priority >= 0 in every row; rows "
                  f"{describe_positions(bad_p, list(dem.index))} have {dem['priority'].iloc[bad_p[:5]].tolist()}.")
    if len(items):
        unk = sorted(set(dem["item"]) - set(items.index))
        if unk:
            probs.add(f"The 'demands' table of transfer names unknown items {unk[:10]}.")
        _check_stock(stock, depots, items, probs)
    probs.raise_if_any()
    dests = dem.drop_duplicates("destination").set_index("destination")
    if "node" not in dests.columns and county is not None:
        dmd = county.demand.copy(); dmd.index = dmd.index.map(str)
        unknown = sorted(set(dests.index) - set(dmd.index))
        if unknown:
            probs.add(f"The 'demands' table of transfer names unknown destinations {unknown[:10]} (give a 'node' column).")
            probs.raise_if_any()
        dests["node"] = dmd.loc[dests.index, "node"]
    T = _minutes(times, depots, dests, county, "times", probs, ("depots", "destinations"))
    probs.raise_if_any()
    exp = _expiry(stock, items if len(items) else None)
    st = stock[exp.isna() | (exp >= _as_date(as_of))]
    avail = st.groupby([st["depot"].astype(str), st["item"].astype(str)])["quantity"].sum()
    vol = items["unit_volume"].to_dict() if len(items) and "unit_volume" in items.columns else {}
    d_pos = {d: i for i, d in enumerate(depots.index)}
    t_pos = {t: i for i, t in enumerate(dests.index)}
    # columns: one per (depot, demand row) pair with a route and the item in stock at the depot
    cols = []
    for r, row in enumerate(dem.itertuples(index=False)):
        for dep, j in d_pos.items():
            if avail.get((dep, row.item), 0.0) > 0 and np.isfinite(T[j, t_pos[row.destination]]):
                cols.append((r, j))
    R = len(dem)
    cols_arr = np.array(cols, dtype=np.int64).reshape(-1, 2)
    nX = len(cols_arr)
    tau = T[cols_arr[:, 1], dem["destination"].map(t_pos).to_numpy()[cols_arr[:, 0]]] if nX else np.zeros(0)
    v = dem["item"].map(lambda k: float(vol.get(k, 1.0)) or 1.0).to_numpy(float)
    cost = v[cols_arr[:, 0]] * tau if nX else np.zeros(0)
    pri = pd.to_numeric(dem["priority"]).to_numpy(float)
    qty = pd.to_numeric(dem["quantity"]).to_numpy(float)
    integral = bool(np.all(qty == np.round(qty)) and np.all(avail.to_numpy(float) == np.round(avail.to_numpy(float))))
    classes = sorted({float(c) for c in pri[pri > 0]}, reverse=True)

    def class_unmet(x: np.ndarray) -> np.ndarray:
        """Unmet quantity per priority class (highest first), from a column vector."""
        u_ = x[nX:]
        return np.array([float(u_[pri == c].sum()) for c in classes])

    def lp(allowed: np.ndarray, lexi_cost: bool = True):
        # x (nX), u (R) : x sum per row + u = qty ; stock per (depot,item)
        keys = sorted({(int(j), dem["item"].iloc[int(r)]) for r, j in cols_arr}) if nX else []
        k_pos = {k: i for i, k in enumerate(keys)}
        A_dem = sp.csr_matrix((np.ones(nX + R), (np.concatenate([cols_arr[:, 0], np.arange(R)]),
                                                 np.arange(nX + R))), shape=(R, nX + R))
        rows_s = np.array([k_pos[(int(j), dem["item"].iloc[int(r)])] for r, j in cols_arr], dtype=np.int64)
        A_st = sp.csr_matrix((np.ones(nX), (rows_s, np.arange(nX))), shape=(len(keys), nX + R))
        cap = np.array([avail.get((depots.index[j], it), 0.0) for j, it in keys])
        hi = np.concatenate([np.where(allowed, np.inf, 0.0), np.full(R, np.inf)])
        m = SparseModel(np.zeros(nX + R), sp.vstack([A_dem, A_st]).tocsr(),
                        np.concatenate([qty, np.full(len(keys), -np.inf)]), np.concatenate([qty, cap]), 0, hi, None,
                        name="transfer")
        # exactly as documented: least priority-weighted unmet demand, then (that level held) least
        # cost. Met quantities form a polymatroid (a transportation problem per item), so the
        # weighted optimum is the greedy one: the most of the highest priority class, then of the
        # next, ... (Edmonds 1970). One stage per class keeps every stage in units of quantity, so
        # no priority is too small or too large for the solver's tolerances.
        if len(classes) <= MAX_PRIORITY_CLASSES:
            stages = [(f"unmet (priority {c:g})", np.r_[np.zeros(nX), (pri == c).astype(float)], "min")
                      for c in classes]
        else:
            stages = [("unmet", np.r_[np.zeros(nX), pri / pri.max()], "min")]
        if lexi_cost:
            stages.append(("cost", np.r_[cost, np.zeros(R)], "min"))
        sol = solve_lexicographic(m, objectives=stages, time_limit=dl.limit(), level_tol=0.0)
        if sol.x is not None and integral:
            # integral stock and demand: the optimal vertex is integral; drop the solver's rounding noise
            xr = np.round(sol.x)
            sol = dataclasses.replace(sol, x=np.where(np.abs(sol.x - xr) <= 1e-6, xr, sol.x))
        return sol

    sol = lp(np.ones(nX, bool))
    if not sol.has_solution:  # nothing found in time: ship nothing (feasible, all demand unmet)
        from yingji.solvers import Solution

        sol = Solution(np.concatenate([np.zeros(nX), qty]), float("nan"), float("-inf"), float("inf"),
                       "time_limit", False, "kTimeLimit", 0.0, "none")
    unmet_ref = class_unmet(sol.x)
    max_t = float(tau[sol.x[:nX] > 1e-9].max()) if nX and (sol.x[:nX] > 1e-9).any() else 0.0
    obj = float(cost @ sol.x[:nX])
    if objective == "time" and nX:
        levels_t = np.unique(tau)
        lo_i, hi_i = 0, len(levels_t) - 1
        best = sol
        cut = not sol.optimal
        while lo_i < hi_i and not cut:
            if dl.expired():
                cut = True  # no time for the next step: the best level proven so far
                break
            mid = (lo_i + hi_i) // 2
            s2 = lp(tau <= levels_t[mid] + config.COVER_TOL, lexi_cost=False)
            if not s2.optimal:
                cut = True  # an LP stopped early proves nothing about this level
                break
            if np.all(class_unmet(s2.x) <= unmet_ref + 1e-9 * np.maximum(1.0, unmet_ref)):
                hi_i, best = mid, s2
            else:
                lo_i = mid + 1
        if cut:
            # `best` meets the same demand at level hi_i (or is the first LP's point)
            sol = dataclasses.replace(best, optimal=False, status="time_limit")
            used0 = sol.x[:nX] > 1e-9
            max_t = float(tau[used0].max()) if used0.any() else 0.0
        else:
            fin = lp(tau <= levels_t[lo_i] + config.COVER_TOL)
            if fin.optimal:
                sol = fin
                max_t = float(levels_t[lo_i]) if (sol.x[:nX] > 1e-9).any() else 0.0
            else:  # the last LP ran out of time: `best` is at the same level, least cost not proven
                sol = dataclasses.replace(best, optimal=False, status="time_limit")
                used0 = sol.x[:nX] > 1e-9
                max_t = float(tau[used0].max()) if used0.any() else 0.0
        obj = max_t
    x = sol.x[:nX]
    used = x > 1e-9
    ships = pd.DataFrame({
        "depot": [depots.index[j] for j in cols_arr[used, 1]],
        "destination": dem["destination"].to_numpy()[cols_arr[used, 0]],
        "item": dem["item"].to_numpy()[cols_arr[used, 0]],
        "quantity": x[used],
        "minutes": tau[used],
    })
    u = sol.x[nX:]
    unmet = pd.DataFrame({"destination": dem["destination"], "item": dem["item"], "quantity": u,
                          "priority": dem["priority"]})
    unmet = unmet[unmet["quantity"] > 1e-9].reset_index(drop=True)
    return TransferPlan(ships.reset_index(drop=True), unmet, obj, max_t, bool(sol.optimal), sol.status)
