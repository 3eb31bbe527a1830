"""Fire stations: standards, response districts, assessment and the plan that reaches compliance.

The county plan asks that "the layout and size of fire stations meet the standard"
(消防站的布局、消防站建设规模符合标准要求). This package measures that on the road network
and plans the new stations that close the gap.

* Standard profiles are data (TOML files in ``yingji/profiles``): :func:`load_standard`
  reads ``"GB51080"`` (China, default: GB 51080-2015 with 建标152-2017) or ``"NFPA1710"``,
  a file of your own, or your own values. Every threshold keeps its rule id, clause and how
  sure it is (``CONFIRMED`` / ``UNCONFIRMED`` / ``ASSUMPTION``).
* :func:`assess` partitions the in-scope (urban) demand points into response districts
  (each point to the station that reaches it first), and checks district areas, edge
  times, coverage shares, staffing, vehicles and setbacks, rule by rule.
* :func:`plan` chooses new stations among the candidate sites whose ``uses`` include
  ``fire``, existing stations kept, so that every in-scope point any site can reach is
  reached within the standard (LSCP) or the best share is reached within a budget (MCLP),
  with district-area limits formulated in the model (closest-assignment constraints), and
  reports the trade-off of coverage against the number of new stations.
* :func:`place_apparatus` places engines and ladder trucks at open stations so that
  high-risk points are reached by both (FLEET).

The package is small modules that import one way (each only those above it in this list):

* :mod:`~yingji.fire.standard` — :class:`FireStandard`, :func:`load_standard`,
  :func:`available_standards` (profiles are data);
* :mod:`~yingji.fire.inputs` — county tables, their columns, travel times;
* :mod:`~yingji.fire.assessment` — :class:`FireAssessment`, :func:`assess`,
  :func:`station_vehicles`, :func:`weighted_percentile`;
* :mod:`~yingji.fire.model` — the sparse siting model, its greedy start, the solves;
* :mod:`~yingji.fire.hours` — :class:`HourlyFireAssessment`, :func:`assess_hours` (the
  assessment at each hour of day, the worst hour);
* :mod:`~yingji.fire.apparatus` — :class:`ApparatusPlan`, :func:`place_apparatus`;
* :mod:`~yingji.fire.planner` — :class:`FirePlan`, :func:`plan` and its trade-off curve;
* :mod:`~yingji.fire.areas` — :func:`service_areas` (what each station reaches along the roads,
  and its district, as polygons).

Units follow DESIGN.md: minutes, metres, m² (district areas reported in km²).
"""

from __future__ import annotations

from yingji.fire.apparatus import ApparatusPlan, place_apparatus
from yingji.fire.areas import service_areas
from yingji.fire.assessment import FIRE_VEHICLE_TYPES, FireAssessment, assess, station_vehicles, weighted_percentile
from yingji.fire.hours import HourlyFireAssessment, assess_hours
from yingji.fire.planner import FirePlan, plan
from yingji.fire.standard import STATION_CLASSES, FireStandard, Threshold, available_standards, load_standard

__all__ = [
    "HourlyFireAssessment",
    "assess_hours",
    "Threshold",
    "FireStandard",
    "load_standard",
    "available_standards",
    "FireAssessment",
    "FirePlan",
    "ApparatusPlan",
    "assess",
    "plan",
    "place_apparatus",
    "service_areas",
    "weighted_percentile",
]

#: ``doctest.testmod(yingji.fire)`` runs the examples of the names this package re-exports (their
#: code, and so their docstrings, live in the submodules, which doctest would otherwise skip).
__test__ = {name: globals()[name] for name in __all__}
