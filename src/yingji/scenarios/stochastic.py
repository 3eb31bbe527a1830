"""Hazard scenarios as the disaster scenarios of supply prepositioning: :func:`supply_scenarios`
turns :class:`~yingji.scenarios.Scenario` objects into a :class:`yingji.supplies.Scenarios`
(the one place where a scenario's zones become closed depots, cut roads and relief demand for
:func:`yingji.supplies.preposition`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems
from yingji.scenarios.effects import effects
from yingji.scenarios.zones import Scenario
from yingji.supplies import Scenarios, requirements

__all__ = ["supply_scenarios"]


def supply_scenarios(county, scenarios, *, probabilities=None, items: pd.DataFrame | None = None) -> Scenarios:
    """The scenarios of :func:`yingji.supplies.preposition` from hazard scenarios.

    Per scenario: depots inside a zone are closed; the segments named by the scenario and every
    segment touching a destroyed junction are cut; the relief demand is the needs of the
    displaced residents (:func:`yingji.supplies.requirements` with ``at_risk`` = displaced
    persons), per township and item. Slowed roads are not carried (the prepositioning model
    routes cut networks only).

    Parameters
    ----------
    county : yingji.County
    scenarios : iterable of Scenario
    probabilities : sequence of float, optional
        One per scenario, summing to 1. Default: each scenario's ``probability`` when all have
        one, else equal.
    items : DataFrame, optional
        Item norms (default the county's).

    Returns
    -------
    yingji.supplies.Scenarios

    Raises
    ------
    ValidationError
        Not scenarios, duplicated names, probabilities of the wrong length, and the errors of
        :func:`yingji.scenarios.effects` and :class:`yingji.supplies.Scenarios`.
    """
    probs = Problems("scenarios.supply_scenarios")
    scen = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    if not scen or any(not isinstance(s, Scenario) for s in scen):
        probs.param("scenarios", "a non-empty iterable of Scenario", scenarios)
        probs.raise_if_any()
    names = [s.name for s in scen]
    if len(set(names)) != len(names):
        probs.add(f"The 'scenarios' parameter of scenarios.supply_scenarios names scenarios twice: "
                  f"{sorted({n for n in names if names.count(n) > 1})}.")
    if probabilities is None:
        given = [s.probability for s in scen]
        p = given if all(g is not None for g in given) else [1.0 / len(scen)] * len(scen)
    else:
        p = list(probabilities)
        if len(p) != len(scen):
            probs.param("probabilities", f"{len(scen)} probabilities (one per scenario)", f"{len(p)} values")
    probs.raise_if_any()
    edges = county.network.to_edges() if county.network is not None else None
    recs, closed_d, closed_e = [], {}, {}
    for s in scen:
        eff = effects(county, s)
        closed_d[s.name] = eff.unavailable.loc[eff.unavailable["table"] == "depots", "id"].tolist()
        cut = list(eff.closed_edges)
        if eff.closed_nodes and edges is not None:
            gone = set(eff.closed_nodes)
            hit = edges["u"].isin(gone) | edges["v"].isin(gone)
            cut += list(zip(edges.loc[hit, "u"].tolist(), edges.loc[hit, "v"].tolist()))
        closed_e[s.name] = list(dict.fromkeys(cut))
        if len(eff.displaced):
            need = requirements(county, norms=items, at_risk=eff.displaced)
            for r in need.itertuples(index=False):
                if r.quantity > 0:
                    recs.append({"scenario": s.name, "township": str(r.township), "item": str(r.item),
                                 "quantity": float(r.quantity)})
    demand = pd.DataFrame(recs, columns=["scenario", "township", "item", "quantity"])
    return Scenarios(pd.Series(np.asarray(p, dtype=float), index=names), demand, closed_d, closed_e)
