"""Before and after a hazard scenario: :func:`compare` re-runs fire reach, shelter capacity and
assignment, supply reach and transfers, and team reach on the county and on the county under
the scenario; :func:`sweep` does it for many scenarios on any executor and returns one table."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji import config
from yingji._executor import map_ordered
from yingji._render.display import displayable
from yingji._render.fmt import number
from yingji._validation import Problems
from yingji.exceptions import InfeasibleError, ValidationError
from yingji.network.hours import check_hour
from yingji.results import to_jsonable
from yingji.scenarios.effects import ScenarioEffects, _check, _county_after, effects
from yingji.scenarios.zones import Scenario

__all__ = ["DOMAINS", "ScenarioComparison", "baseline", "compare", "sweep"]

#: The domains :func:`compare` re-runs, in report order.
DOMAINS = ("network", "fire", "shelters", "supplies", "teams")

_COLUMNS = ["domain", "figure", "unit", "value"]


@displayable
@dataclass(frozen=True)
class ScenarioComparison:
    """Figures of a county before and after a hazard scenario.

    Attributes
    ----------
    scenario : str
    table : DataFrame
        ``domain``, ``figure``, ``unit``, ``before``, ``after``, ``change`` (after − before).
    unreachable : DataFrame
        Located rows of the county under the scenario that no road reaches: ``table``, ``id``,
        ``node``, ``reason`` ("junction destroyed" or "cut off from the main road network").
    effects : ScenarioEffects
    notes : list of str
        Domains that could not be run (and why), solves stopped by their time limit.
    """

    scenario: str
    table: pd.DataFrame
    unreachable: pd.DataFrame
    effects: ScenarioEffects
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The figures with a leading ``scenario`` column."""
        t = self.table.copy()
        t.insert(0, "scenario", self.scenario)
        return t

    def to_dict(self) -> dict:
        return to_jsonable({"scenario": self.scenario, "figures": self.table, "unreachable": self.unreachable,
                            "effects": self.effects.to_dict(), "notes": list(self.notes)})

    def figure(self, domain: str, figure: str, unit: str | None = None) -> tuple[float, float]:
        """``(before, after)`` of one figure (``unit`` picks among figures given in two units,
        e.g. ``"%"`` or ``"persons"``; default the first)."""
        t = self.table
        r = t[(t["domain"] == domain) & (t["figure"] == figure) & ((t["unit"] == unit) if unit else True)]
        if len(r) == 0:
            raise ValidationError(f"ScenarioComparison.figure: no figure {figure!r} in domain {domain!r}; "
                                  f"figures: {sorted(set(zip(self.table['domain'], self.table['figure'])))}.")
        return float(r["before"].iloc[0]), float(r["after"].iloc[0])

    def summary(self) -> str:
        lines = [self.effects.summary()]
        for r in self.table.itertuples(index=False):
            if r.before != r.after and not (pd.isna(r.before) and pd.isna(r.after)):
                lines.append(f"  {r.domain}: {r.figure} {_fmt(r.before)} -> {_fmt(r.after)} {r.unit}")
        if len(self.unreachable):
            by = self.unreachable.groupby("table").size().to_dict()
            lines.append("  unreachable: " + ", ".join(f"{n} {t}" for t, n in by.items()))
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


    def _summary_(self, lang: str = "en") -> dict:
        """Notebook display: the effects and the figures before and after (changed ones first)."""
        from yingji._render import Table

        t = self.table
        moved = ~((t["before"] == t["after"]) | (t["before"].isna() & t["after"].isna()))
        t = pd.concat([t[moved], t[~moved]])
        rows = tuple((r.domain, r.figure, r.unit, number(r.before, lang=lang), number(r.after, lang=lang))
                     for r in t.itertuples(index=False))
        e = self.effects
        facts = [("scenario", self.scenario), ("junctions destroyed", number(len(e.closed_nodes))),
                 ("segments cut", number(len(e.closed_edges))), ("facilities unavailable", number(len(e.unavailable))),
                 ("residents displaced", number(float(e.displaced.sum()), lang=lang)),
                 ("places unreachable", number(len(self.unreachable))), ("figures changed", number(int(moved.sum())))]
        return {"title": f"Scenario {self.scenario!r}: before and after", "facts": facts,
                "tables": [Table(("domain", "figure", "unit", "before", "after"), rows, ("l", "l", "l", "r", "r"))]}


def _fmt(v) -> str:
    return number(v, dash="n/a")   # thousands separated, never an exponent


def _rows(domain, items) -> list:
    return [{"domain": domain, "figure": f, "unit": u, "value": (np.nan if v is None else float(v))}
            for f, u, v in items]


def _fire(county, hour, notes):
    from yingji import fire

    n = len(county.stations)
    if n == 0 or len(county.demand) == 0:
        notes.append("fire: no stations" if len(county.demand) else "fire: no demand points")
        return _rows("fire", [("stations", "count", n), ("in-scope population reached", "%", 0.0 if n == 0 else None),
                              ("in-scope population reached", "persons", 0.0 if n == 0 else None),
                              ("travel time percentile", "min", None), ("in-scope points unreachable", "count", None)])
    a = fire.assess(county, hour=hour)
    return _rows("fire", [("stations", "count", n), ("in-scope population reached", "%", 100 * a.coverage_share),
                          ("in-scope population reached", "persons", a.covered_population),
                          ("travel time percentile", "min", a.travel_percentile),
                          ("in-scope points unreachable", "count", len(a.unreachable))])


def _shelters(county, time_limit, notes):
    from yingji import shelters

    n = len(county.shelters)
    disp = float(county.demand["displaced"].sum()) if "displaced" in county.demand.columns else 0.0
    if n == 0 or len(county.demand) == 0:
        notes.append("shelters: no shelters" if len(county.demand) else "shelters: no demand points")
        return _rows("shelters", [("shelters", "count", n), ("capacity", "places", 0.0 if n == 0 else None),
                                  ("sheltered within walking distance", "persons", 0.0 if n == 0 else None),
                                  ("sheltered within walking distance", "%", 0.0 if n == 0 else None),
                                  ("displaced residents", "persons", disp)])
    a = shelters.assess(county, time_limit=time_limit)
    if a.status != "optimal":
        notes.append(f"shelters: assignment status {a.status}")
    return _rows("shelters", [("shelters", "count", n), ("capacity", "places", a.capacity),
                              ("sheltered within walking distance", "persons", a.sheltered),
                              ("sheltered within walking distance", "%", 100 * a.sheltered_share),
                              ("displaced residents", "persons", disp)])


def _supplies(county, hour, time_limit, notes):
    from yingji import supplies

    n = len(county.depots)
    if n == 0 or len(county.items) == 0 or len(county.demand) == 0:
        notes.append("supplies: no depots, items or demand points")
        return _rows("supplies", [("depots", "count", n)])
    a = supplies.assess(county, hour=hour, time_limit=time_limit)
    rules = a.rules.set_index("rule") if "rule" in a.rules.columns else pd.DataFrame()
    first_h = rules.loc["S5-007", "value"] if "S5-007" in rules.index and "value" in rules.columns else None
    rows = [("depots", "count", n), ("population whose needs stock meets in time", "%", 100 * a.reach_share),
            ("evacuees the stock covers", "persons", a.evacuee_capacity),
            ("first supplies arrive", "h", first_h)]
    return _rows("supplies", rows)


def _transfers(county, displaced: pd.Series, hour, time_limit, notes):
    """The transfer of the displaced residents' needs (the same needs before and after) from depot
    stock to their township seats."""
    from yingji import supplies
    from yingji.supplies.norms import _townships

    if len(displaced) == 0 or len(county.items) == 0:
        return []
    if len(county.depots) == 0:
        notes.append("supplies: no depot left for the transfers")
        return _rows("supplies", [("displaced needs delivered", "%", 0.0), ("latest transfer arrival", "min", None)])
    need = supplies.requirements(county, at_risk=displaced)
    need = need[need["quantity"] > 0]
    seats = _townships(county.demand)["seat"]
    dem = pd.DataFrame({"destination": need["township"].map(seats).to_numpy(), "item": need["item"].to_numpy(),
                        "quantity": need["quantity"].to_numpy(float)})
    plan = supplies.transfer(county, dem, hour=hour, time_limit=time_limit)
    if plan.status != "optimal":
        notes.append(f"supplies: transfer status {plan.status}")
    total = float(dem["quantity"].sum())
    unmet = float(plan.unmet["quantity"].sum()) if len(plan.unmet) else 0.0
    latest = plan.max_minutes if unmet < total else None   # nothing delivered: no arrival time
    return _rows("supplies", [("displaced needs delivered", "%", 100 * (1 - unmet / total) if total > 0 else 100.0),
                              ("latest transfer arrival", "min", latest)])


def _teams(county, hour, time_limit, notes):
    from yingji import teams

    n = len(county.teams)
    if n == 0 or len(county.hazards) == 0:
        notes.append("teams: no teams or hazard sites")
        return _rows("teams", [("teams", "count", n)])
    a = teams.allocate(county, hour=hour, time_limit=time_limit)
    if a.status != "optimal":
        notes.append(f"teams: allocation status {a.status}")
    cov = a.coverage
    served, total = float(cov["served"].sum()), float(cov["hazards"].sum())
    too_far = int((a.gaps["reason"] == "too_far").sum()) if len(a.gaps) else 0
    return _rows("teams", [("teams", "count", n), ("hazard sites fully served", "count", served),
                           ("hazard sites fully served", "%", 100 * served / total if total else np.nan),
                           ("hazard sites no team reaches in time", "count", too_far)])


def _unreachable(county, closed_nodes) -> pd.DataFrame:
    cols = ["table", "id", "node", "reason"]
    if county.network is None:
        return pd.DataFrame(columns=cols)
    off = county.check_connected(strong=False)
    if len(off) == 0:
        return pd.DataFrame(columns=cols)
    closed = set(closed_nodes)
    reason = ["junction destroyed" if nd in closed else "cut off from the main road network"
              for nd in off["node"].tolist()]
    return pd.DataFrame({"table": off["table"].to_numpy(), "id": off["id"].astype(str).to_numpy(),
                         "node": off["node"].to_numpy(), "reason": reason})


def _figures(county, domains, hour, time_limit, closed_nodes=(), displaced=None) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """One county's figures (long table), its unreachable rows and notes."""
    notes: list = []
    rows: list = []
    unreach = _unreachable(county, closed_nodes)
    for d in domains:
        try:
            if d == "network":
                by = unreach.groupby("table").size() if len(unreach) else pd.Series(dtype=int)
                rows += _rows("network", [("junctions destroyed", "count", len(closed_nodes))]
                              + [(f"{t} cut off", "count", int(by.get(t, 0)))
                                 for t in ("demand", "stations", "shelters", "depots", "teams", "hazards")])
            elif d == "fire":
                rows += _fire(county, hour, notes)
            elif d == "shelters":
                rows += _shelters(county, time_limit, notes)
            elif d == "supplies":
                rows += _supplies(county, hour, time_limit, notes)
                if displaced is not None:
                    rows += _transfers(county, displaced, hour, time_limit, notes)
            elif d == "teams":
                rows += _teams(county, hour, time_limit, notes)
        except (ValidationError, InfeasibleError) as exc:   # a domain that cannot run under the scenario
            notes.append(f"{d}: not assessed ({type(exc).__name__}: {str(exc)[:300]})")
    return pd.DataFrame(rows, columns=_COLUMNS), unreach, notes


def _check_args(domains, hour, time_limit, func) -> tuple:
    probs = Problems(func)
    if isinstance(domains, str):
        domains = (domains,)
    try:
        domains = tuple(domains)
    except TypeError:
        domains = None
    if not domains or any(d not in DOMAINS for d in domains):
        probs.param("domains", f"a non-empty subset of {DOMAINS}", domains)
    hour = check_hour(hour, func, probs)
    if isinstance(time_limit, (bool, np.bool_)) or not isinstance(time_limit, (int, float, np.integer, np.floating)) \
            or not (time_limit > 0):
        probs.param("time_limit", "a float > 0 (seconds, per solve)", time_limit)
    probs.raise_if_any()
    return domains, hour


@dataclass(frozen=True)
class _Baseline:
    table: pd.DataFrame
    notes: list
    domains: tuple
    hour: int | None


def baseline(county, *, domains=DOMAINS, hour=None, time_limit: float = config.TIME_LIMIT) -> _Baseline:
    """The county's own figures, computed once for many :func:`compare` calls (``baseline=``)."""
    domains, hour = _check_args(domains, hour, time_limit, "scenarios.baseline")
    t, _, notes = _figures(county, domains, hour, time_limit)
    return _Baseline(t, notes, domains, hour)


def compare(county, scenario: Scenario, *, domains=DOMAINS, hour: int | None = None,
            time_limit: float = config.TIME_LIMIT, baseline: _Baseline | None = None) -> ScenarioComparison:
    """Re-run the county's figures under a hazard scenario and report each before and after.

    Parameters
    ----------
    county : yingji.County
    scenario : Scenario
    domains : iterable of str
        Any of :data:`DOMAINS`: ``network`` (junctions destroyed, located rows cut off),
        ``fire`` (:func:`yingji.fire.assess`: stations, in-scope population reached within the
        travel budget, travel percentile, unreachable points), ``shelters``
        (:func:`yingji.shelters.assess`: capacity, residents sheltered within walking distance,
        displaced residents), ``supplies`` (:func:`yingji.supplies.assess`: share of needs met
        in time, evacuees covered, first arrival; with displaced residents, a
        :func:`yingji.supplies.transfer` of their needs to their township seats) and ``teams``
        (:func:`yingji.teams.allocate`: hazard sites fully served, sites no team reaches).
    hour : int, optional
        Hour of day 0-23 for every travel time (:mod:`yingji.network.hours`).
    time_limit : float
        Seconds per solve (shelter assignment, supply LPs, team allocation).
    baseline : optional
        The county's figures from :func:`baseline` (same domains and hour), to skip recomputing.

    Returns
    -------
    ScenarioComparison

    Raises
    ------
    ValidationError
        Bad county, scenario, domains, hour or time limit; zones or segments not in the network.
        A domain that cannot run under the scenario (e.g. every station inside the zone) is not
        an error: its figures are NaN and ``notes`` says why.

    Examples
    --------
    >>> import yingji as yj
    >>> from yingji.scenarios import Scenario, Zone
    >>> c = yj.datasets.sample_county()
    >>> x, y = c.shelters[["x", "y"]].iloc[0]
    >>> r = yj.scenarios.compare(c, Scenario("plume", zones=[Zone.circle("p", x, y, 50.0, roads="open")]),
    ...                          domains=["shelters"])
    >>> b, a = r.figure("shelters", "shelters")
    >>> b - a
    1.0
    """
    domains, hour = _check_args(domains, hour, time_limit, "scenarios.compare")
    _check(county, scenario, "scenarios.compare")
    if baseline is not None and (tuple(baseline.domains) != domains or baseline.hour != hour):
        raise ValidationError("The 'baseline' parameter of scenarios.compare was computed for other domains "
                              f"or another hour ({baseline.domains}, hour {baseline.hour}); expected "
                              f"({domains}, hour {hour}).")
    base = baseline if baseline is not None else _Baseline(*_figures(county, domains, hour, time_limit)[::2],
                                                           domains, hour)
    eff = effects(county, scenario)
    after_county = _county_after(county, eff)
    after, unreach, notes = _figures(after_county, domains, hour, time_limit, eff.closed_nodes, eff.displaced)
    before = base.table
    tn: list = []
    if "supplies" in domains and len(eff.displaced):   # the same needs on the undamaged county
        try:
            before = pd.concat([before, pd.DataFrame(_transfers(county, eff.displaced, hour, time_limit, tn),
                                                     columns=_COLUMNS)], ignore_index=True)
        except (ValidationError, InfeasibleError) as exc:
            tn.append(f"supplies: transfers not assessed ({type(exc).__name__}: {str(exc)[:300]})")
    t = before.rename(columns={"value": "before"}).merge(
        after.rename(columns={"value": "after"}), on=["domain", "figure", "unit"], how="outer", sort=False)
    order = {d: k for k, d in enumerate(DOMAINS)}
    t["_o"] = t["domain"].map(order)
    t = t.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    t["change"] = t["after"] - t["before"]
    notes = [f"before: {n}" for n in base.notes + tn] + [f"after: {n}" for n in notes]
    return ScenarioComparison(scenario.name, t, unreach, eff, notes)


def _one(county, base, domains, hour, time_limit, scenario):
    r = compare(county, scenario, domains=domains, hour=hour, time_limit=time_limit, baseline=base)
    out = r.to_frame()
    out["notes"] = "; ".join(r.notes)
    return out


def sweep(county, scenarios, *, executor=None, domains=DOMAINS, hour: int | None = None,
          time_limit: float = config.TIME_LIMIT) -> pd.DataFrame:
    """:func:`compare` for many scenarios, on any executor, as one table.

    Parameters
    ----------
    county : yingji.County
    scenarios : iterable of Scenario
        Distinct names.
    executor : optional
        None (in this process), any ``concurrent.futures.Executor`` or a dask
        ``distributed.Client`` (:mod:`yingji._executor`); the county is computed on once for
        the baseline, here, and each scenario is one task.
    domains, hour, time_limit :
        As in :func:`compare`.

    Returns
    -------
    DataFrame
        One row per scenario and figure: ``scenario``, ``domain``, ``figure``, ``unit``,
        ``before``, ``after``, ``change``, ``notes``; scenarios in the order given.

    Raises
    ------
    ValidationError
        An empty list, entries that are not scenarios, duplicated names, and the errors of
        :func:`compare`.
    """
    probs = Problems("scenarios.sweep")
    scen = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    if not scen:
        probs.param("scenarios", "a non-empty iterable of Scenario", scenarios)
    bad = [i for i, s in enumerate(scen) if not isinstance(s, Scenario)]
    if bad:
        probs.add(f"The 'scenarios' parameter of scenarios.sweep must hold Scenario objects; entries "
                  f"{bad[:10]} are not.")
    names = [s.name for s in scen if isinstance(s, Scenario)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        probs.add(f"The 'scenarios' parameter of scenarios.sweep names scenarios twice: {dup}.")
    probs.raise_if_any()
    domains, hour = _check_args(domains, hour, time_limit, "scenarios.sweep")
    for s in scen:   # refuse bad zones and segments here, before any task starts
        effects(county, s)
    base = baseline(county, domains=domains, hour=hour, time_limit=time_limit)
    parts = map_ordered(functools.partial(_one, county, base, domains, hour, time_limit), scen, executor)
    return pd.concat(parts, ignore_index=True)
