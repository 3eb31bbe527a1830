"""Hazard scenarios across domains: flood extents, chemical plumes, damaged roads and bridges,
applied to a county and compared before and after.

* :class:`Zone` — a polygon, a circle (a plume radius around a hazardous-goods site) or a set of
  road nodes, with what it does: roads closed, slowed or left open; facilities inside
  unavailable; a share of the residents displaced. :class:`Scenario` — zones plus road segments
  (a bridge) and junctions closed outright.
* :func:`effects` / :func:`apply` — what a scenario does to a county, and the county with it
  (a damaged network, facilities removed, a ``displaced`` column on demand).
* :func:`compare` — fire reach, shelter capacity and assignment, supply reach and transfers,
  and team reach, each before and after (:class:`ScenarioComparison`, ``.to_frame()``); located
  rows no road reaches any more are listed and counted.
* :func:`sweep` — many scenarios on any executor (a ``concurrent.futures`` executor or a dask
  ``Client``), one table.
* :func:`supply_scenarios` — the same scenarios as the disaster scenarios of
  :func:`yingji.supplies.preposition`.

The package is in the planning layer (it runs every domain). Modules, each importing only the
ones before it: :mod:`~yingji.scenarios.zones`, :mod:`~yingji.scenarios.effects`,
:mod:`~yingji.scenarios.compare`, :mod:`~yingji.scenarios.stochastic`.

References
----------
.. [1] GB 51143-2015 《防灾避难场所设计规范》 (shelters: places inside a hazard zone are not
   counted).
.. [2] Rawls, C. G. and Turnquist, M. A. (2010). Pre-positioning of emergency supplies for
   disaster response. Transportation Research Part B 44(4), 521-534 (scenarios with closed
   facilities and damaged links).
"""

from yingji.scenarios.compare import DOMAINS, ScenarioComparison, baseline, compare, sweep
from yingji.scenarios.effects import FACILITY_TABLES, ScenarioEffects, apply, effects
from yingji.scenarios.stochastic import supply_scenarios
from yingji.scenarios.zones import Scenario, Zone, points_in_polygon

__all__ = [
    "DOMAINS",
    "FACILITY_TABLES",
    "Scenario",
    "ScenarioComparison",
    "ScenarioEffects",
    "Zone",
    "apply",
    "baseline",
    "compare",
    "effects",
    "points_in_polygon",
    "supply_scenarios",
    "sweep",
]

#: The docstring examples of the public names, which live in the submodules.
__test__ = {name: globals()[name] for name in __all__ if callable(globals()[name])}
