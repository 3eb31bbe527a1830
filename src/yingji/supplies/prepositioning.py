"""Where to hold which supplies against disaster scenarios: :func:`preposition` and its
:class:`StockPlan` (the model itself is in :mod:`yingji.supplies.stochastic`)."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji import config
from yingji._executor import as_executor
from yingji._deadline import Deadline
from yingji._validation import Interval, Problems, check_param
from yingji._validation import describe_values
from yingji.exceptions import SolverError
from yingji.results import SolveResult, to_jsonable
from yingji.siting._inputs import check_time_limit
from yingji.geo.features import GeoRef, _GeoOut, point_layer
from yingji.supplies.inputs import _as_date, _expiry, _minutes, _table
from yingji.supplies.norms import _norms, _townships
from yingji.supplies.scenarios import Scenarios
from yingji.supplies.stochastic import (_benders, _evaluate, _extensive, _first_stage_cost_vec, _first_stage_layout,
                                        _Instance, _mean_demand)


@displayable
@dataclass(frozen=True)
class StockPlan(_GeoOut, SolveResult):
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
    method : str
        "extensive" or "benders".
    iterations : int
    objective, bound, gap, optimal, status, seconds
        The solve (:class:`yingji.results.SolveResult`); ``objective`` is ``expected_cost``.
    """

    stock: pd.DataFrame
    sites: pd.DataFrame
    expected_cost: float
    first_stage_cost: float
    expected_unmet: pd.DataFrame
    scenario_costs: pd.Series
    vss: float
    method: str
    iterations: int
    params: dict = field(default_factory=dict)
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    _units_ = {"objective": "yuan", "bound": "yuan", "vss": "yuan"}

    def _summary_(self, lang: str = "en") -> dict:
        from yingji._render.results import stock_plan_summary

        return stock_plan_summary(self, lang)

    def _geo_layers(self) -> list:
        """``site`` points: every depot and candidate site (``kind``, ``open``, ``level``,
        ``capacity_m3``, ``used_m3``, ``items``: items held, ``items_bought``)."""
        g = self._geo_ref()
        si = self.sites.set_index("site")
        si.index = si.index.map(str)
        held = self.stock.groupby("depot").size()
        bought = (self.stock["buy"] > 0).groupby(self.stock["depot"]).sum()
        si["items"] = held.reindex(si.index, fill_value=0).astype(int).to_numpy()
        si["items_bought"] = bought.reindex(si.index, fill_value=0).astype(int).to_numpy()
        xy = np.where((si["kind"] == "depot").to_numpy()[:, None], g.xy("depots", si.index),
                      g.xy("candidates", si.index))
        return [point_layer("site", si, xy)]

    def to_frame(self) -> pd.DataFrame:
        """The stock to hold: depot, item, quantity, existing, buy."""
        return self.stock.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (``json.dumps`` works on it)."""
        return to_jsonable({
            "stock": self.stock, "sites": self.sites, "expected_cost": self.expected_cost,
            "first_stage_cost": self.first_stage_cost, "expected_unmet": self.expected_unmet,
            "scenario_costs": self.scenario_costs, "vss": self.vss, **self.solve_dict(), "method": self.method,
            "iterations": self.iterations, "params": self.params,
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


def _build_instance(county, scenarios: Scenarios, *, items, depots, candidates, demand, times, levels,
                    candidate_capacity, ship_cost, penalty, as_of, probs: Problems,
                    hour=None, dl: Deadline | None = None) -> tuple[_Instance, list]:
    """The numeric instance of :func:`preposition` and each scenario's closed-site mask; raises
    every problem found in the tables and scenarios."""
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
    sites = _sites(depots, cands, candidate_capacity, probs)
    tws = _townships(demand)
    _check_scenario_names(scenarios, tws, items, sites, probs)
    probs.raise_if_any()
    seats = demand.loc[tws["seat"]].copy()
    seats.index = tws.index
    base_T = _minutes(times, sites, seats, county, "times", probs, ("depots and candidate sites", "township seats"),
                      hour=hour)
    probs.raise_if_any()
    item_ids = list(items.index)
    existing = _existing_stock(stock, items, sites, item_ids, as_of)
    vol = items["unit_volume"].to_numpy(float)
    unit_cost = items["unit_cost"].to_numpy(float)
    pen = _penalties(penalty, item_ids, unit_cost, vol, ship_cost, base_T)
    levels = list(levels or [])
    lv_cap = np.array([float(a) for a, _ in levels]) if levels else np.zeros(0)
    lv_cost = np.array([float(b) for _, b in levels]) if levels else np.zeros(0)
    fixed_open = (sites["kind"] == "depot").to_numpy()
    base_cap = sites["capacity"].to_numpy(float)
    base_cap = np.maximum(base_cap, existing @ vol)  # existing stock always fits where it is
    scen_ids = scenarios.ids
    dem = _scenario_demand(scenarios.demand, scen_ids, tws.index, item_ids)
    ship_list, closed = _scenario_shipping(county, scenarios, sites, seats, times, base_T, ship_cost, hour, dl)
    inst = _Instance(list(sites.index), list(sites["kind"]), item_ids, list(tws.index), scen_ids,
                     scenarios.probabilities.to_numpy(float), sites["open_cost"].fillna(0.0).to_numpy(float),
                     fixed_open, base_cap, lv_cap, lv_cost, existing, unit_cost, vol, pen, ship_list, dem,
                     float(ship_cost) * base_T)
    return inst, closed


def _sites(depots: pd.DataFrame, cands, candidate_capacity, probs: Problems) -> pd.DataFrame:
    """Depots then candidate sites (those whose ``uses`` include ``depot``): ``node``,
    ``capacity`` (m³), ``open_cost``, ``kind``; a bad capacity is added to ``probs``."""
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
        cap = sites.loc[bad, "capacity"].to_numpy()
        probs.add(f"The 'capacity' of the depots (and 'candidate_capacity') of {probs.func} must be a "
                  f"non-negative number of m³. Got "
                  f"{describe_values(cap)} for {list(bad)[:10]} instead.")
    return sites


def _check_scenario_names(scenarios: Scenarios, tws: pd.DataFrame, items: pd.DataFrame, sites: pd.DataFrame,
                          probs: Problems) -> None:
    """Townships, items and closed depots the scenarios name must exist (problems go to ``probs``)."""
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


def _existing_stock(stock, items: pd.DataFrame, sites: pd.DataFrame, item_ids: list, as_of) -> np.ndarray:
    """Usable stock at ``as_of`` per site and item (sites × items)."""
    K = len(item_ids)
    J = len(sites)
    existing = np.zeros((J, K))
    if stock is not None and len(stock):
        st = stock.copy()
        exp = _expiry(st, items)
        asof = _as_date(as_of, "preposition")
        st = st[exp.isna() | (exp >= asof)]
        agg = st.groupby([st["depot"].astype(str), st["item"].astype(str)])["quantity"].sum()
        s_pos = {s: i for i, s in enumerate(sites.index)}
        k_pos = {k: i for i, k in enumerate(item_ids)}
        for (dep, it), qv in agg.items():
            if dep in s_pos and it in k_pos:
                existing[s_pos[dep], k_pos[it]] = float(qv)
    return existing


def _penalties(penalty, item_ids: list, unit_cost: np.ndarray, vol: np.ndarray, ship_cost,
               base_T: np.ndarray) -> np.ndarray:
    """Cost per unit of unmet demand by item (the default: 5 × unit cost + twice the dearest
    shipment of a unit + 1)."""
    K = len(item_ids)
    fin = base_T[np.isfinite(base_T)]
    tmax = float(fin.max()) if fin.size else 60.0
    if penalty is None:
        pen = 5.0 * unit_cost + 2.0 * float(ship_cost) * vol * tmax + 1.0
    elif isinstance(penalty, dict):
        pen = np.array([float(penalty.get(k, 0.0)) for k in item_ids])
    else:
        pen = np.broadcast_to(np.asarray(penalty, dtype=float), (K,)).copy()
    return pen


def _scenario_demand(d: pd.DataFrame, scen_ids: list, township_ids, item_ids: list) -> np.ndarray:
    """Demand per scenario, township and item (S × T × K)."""
    t_pos = {t: i for i, t in enumerate(township_ids)}
    k_pos = {k: i for i, k in enumerate(item_ids)}
    s_pos = {s: i for i, s in enumerate(scen_ids)}
    dem = np.zeros((len(scen_ids), len(township_ids), len(item_ids)))
    np.add.at(dem, (d["scenario"].map(s_pos).to_numpy(), d["township"].map(t_pos).to_numpy(),
                    d["item"].map(k_pos).to_numpy()), d["quantity"].to_numpy(float))
    return dem


def _scenario_shipping(county, scenarios: Scenarios, sites: pd.DataFrame, seats: pd.DataFrame, times,
                       base_T: np.ndarray, ship_cost, hour=None, dl: Deadline | None = None) -> tuple[list, list]:
    """Per scenario: shipping cost per m³ from each site to each township seat (``inf`` from a
    closed site; re-routed where roads are cut) and the closed-site mask. Re-routing is one
    shortest-path run per scenario with cut roads: when the deadline ``dl`` passes midway the
    call stops with a :class:`SolverError` (no first stage can be found without them)."""
    ship_list, closed = [], []
    net = times if hasattr(times, "travel_times") else (getattr(county, "network", None) if times is None else None)
    for k, sid in enumerate(scenarios.ids):
        if dl is not None and dl.expired():
            raise SolverError(f"preposition found no first-stage decision within the time limit "
                              f"({dl.time_limit:g} s): re-routing around cut roads reached scenario {k + 1} "
                              f"of {len(scenarios.ids)}; raise time_limit or use fewer scenarios.",
                              status="time_limit")
        cm = np.isin(np.asarray(sites.index), scenarios.closed_depots.get(sid, []))
        closed.append(cm)
        Ts = base_T
        ce = scenarios.closed_edges.get(sid, [])
        if ce and net is not None and hasattr(net, "without"):
            Ts = np.asarray(net.without(edges=ce).travel_times(sites["node"].to_numpy(), seats["node"].to_numpy(),
                                                               hour=hour), float)
        ship_list.append(np.where(cm[:, None], np.inf, float(ship_cost) * Ts))
    return ship_list, closed


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
    hour: int | None = None,
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
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
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
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the scenario subproblems of the Benders method (and the VSS evaluation), e.g. a
        ``ProcessPoolExecutor`` or a ``dask.distributed.Client`` (:mod:`yingji._executor`).
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
    time_limit = _check_options(scenarios, method, budget, max_unmet_probability, ship_cost, time_limit, probs)
    dl = Deadline(time_limit, t0)  # instance build, solve and the VSS share it
    executor = as_executor(executor)  # a dask Client works as its executor
    inst, closed = _build_instance(county, scenarios, hour=hour, items=items, depots=depots, candidates=candidates,
                                   demand=demand,
                                   times=times, levels=levels, candidate_capacity=candidate_capacity,
                                   ship_cost=ship_cost, penalty=penalty, as_of=as_of, probs=probs, dl=dl)
    S = len(inst.scen_ids)
    use = _choose_method(inst, method, max_unmet_probability)
    c1 = _first_stage_cost_vec(inst)
    x1, ev, ub, bound, status, iters = _solve_first_stage(inst, use, budget, closed, max_unmet_probability, executor,
                                                          dl, mip_gap, max_iter, progress, time_limit)
    gap = abs(ub - bound) / max(abs(ub), 1e-9) if np.isfinite(bound) else float("inf")
    optimal = gap <= max(mip_gap, 1e-9) * 1.0001
    status = "optimal" if optimal else "time_limit"
    J, K = len(inst.site_ids), len(inst.item_ids)
    stock, sites = _plan_tables(inst, x1)
    q = np.array([e[0] for e in ev])
    unmet = np.array([e[2] for e in ev])  # S × K
    exp_unmet = pd.DataFrame({"item": inst.item_ids, "quantity": inst.prob @ unmet})
    vss_val = float("nan")
    if vss and max_unmet_probability is None and not dl.expired():  # NaN when no time is left for it
        vss_val = _value_of_stochastic_solution(inst, scenarios, closed, budget, executor, dl, mip_gap, c1, ub, optimal)
    return StockPlan(stock=stock, sites=sites, expected_cost=float(ub), first_stage_cost=float(c1 @ x1),
                     expected_unmet=exp_unmet, scenario_costs=pd.Series(q, index=inst.scen_ids, name="cost"),
                     vss=vss_val, method=use, iterations=int(iters), objective=float(ub), bound=float(bound),
                     gap=float(gap), optimal=bool(optimal), status=status, seconds=_time.perf_counter() - t0,
                     params={"n_scenarios": S, "budget": budget, "ship_cost": ship_cost,
                      "penalty": dict(zip(inst.item_ids, inst.penalty.tolist())), "n_sites": J, "n_items": K,
                      "n_townships": len(inst.township_ids)},
                     geo=GeoRef.of(county, tables=False, depots=_table(county, "depots", depots),
                                   candidates=_table(county, "candidates", candidates)))


def _check_options(scenarios, method, budget, max_unmet_probability, ship_cost, time_limit, probs: Problems) -> float:
    """Check the options of :func:`preposition` (raises every problem found); the time limit in seconds."""
    if not isinstance(scenarios, Scenarios):
        probs.param("scenarios", "a Scenarios object", type(scenarios).__name__)
    if method not in ("auto", "extensive", "benders"):
        probs.param("method", "one of 'auto', 'extensive', 'benders'", method)
    check_param(probs, "budget", budget, None, Interval(float, 0, config.MAX_INPUT, text=(
        f"a non-negative number (at most {config.MAX_INPUT:g} yuan)")))
    check_param(probs, "max_unmet_probability", max_unmet_probability, None,
                Interval(float, 0, 1, text="a probability in [0, 1]"))
    if max_unmet_probability is not None and method == "benders":
        probs.add("The chance constraint 'max_unmet_probability' needs method='extensive' (its binaries break the L-shaped method).")
    check_param(probs, "ship_cost", ship_cost, Interval(float, 0, config.MAX_INPUT, text="a non-negative float"))

    time_limit = check_time_limit(time_limit, probs)
    probs.raise_if_any()
    return time_limit


def _choose_method(inst: _Instance, method: str, max_unmet_probability) -> str:
    """``method``, with ``"auto"`` resolved: the extensive form up to 200,000 second-stage
    columns (or with a chance constraint), Benders beyond."""
    S = len(inst.scen_ids)
    per_scen = int(sum(np.isfinite(sh).sum() for sh in inst.ship[:1]) * len(inst.item_ids) + len(inst.township_ids) * len(inst.item_ids))
    use = method
    if method == "auto":
        use = "extensive" if (per_scen * S <= 200_000 or max_unmet_probability is not None) else "benders"
    return use


def _solve_first_stage(inst: _Instance, use: str, budget, closed: list, max_unmet_probability, executor,
                       dl: Deadline, mip_gap, max_iter, progress, time_limit: float):
    """Solve by the extensive form or Benders: (x1, per-scenario evaluations, upper bound, lower
    bound, status, iterations); raises :class:`SolverError` when no first stage is found in time."""
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
    return x1, ev, ub, bound, status, iters


def _plan_tables(inst: _Instance, x1: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The :attr:`StockPlan.stock` and :attr:`StockPlan.sites` tables of a first stage ``x1``.

    Clears buys below 1e-9 (negatives within the solver's tolerance included) in ``x1`` itself,
    so the first-stage cost is then computed from the stock reported.
    """
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
    return stock, sites


def _value_of_stochastic_solution(inst: _Instance, scenarios: Scenarios, closed: list, budget, executor,
                                  dl: Deadline, mip_gap, c1: np.ndarray, ub: float, optimal: bool) -> float:
    """VSS = EEV − RP: the expected cost of the mean-value problem's first stage over the
    scenarios, less the stochastic optimum ``ub`` (NaN when the deadline cuts it)."""
    J = len(inst.site_ids)
    vss_val = float("nan")
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
    return vss_val
