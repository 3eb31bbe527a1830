"""Emergency shelters: per-capita area where people live, capacitated assignment, new sites.

A county-wide ratio (total shelter area ÷ population) hides the neighbourhoods with no shelter
within walking distance. This package measures shelter provision where people live:

* :func:`assess` — county-wide and *reachable* (two-step floating catchment, 2SFCA) per-capita
  effective area, the assignment of residents to shelters within walking reach under shelter
  capacity (a transportation LP: most people sheltered, then least walking), the people left
  without a place by township and demand point, the full shelters, and pass/fail for each
  shelter rule with its id (``S4-*`` / ``S1-145`` of the rules table).
* :func:`plan` — new shelter sites from the candidate table (``uses`` containing ``shelter``)
  that shelter everyone who can walk to a shelter or candidate, at least cost (a capacitated
  location MIP with the existing shelters fixed open), and the trade-off of people sheltered
  against budget.
* Building blocks: :func:`shelter_norms` (class norms as data), :func:`two_step_fca`,
  :func:`assign_residents` / :func:`build_assignment_model` and the checker
  :func:`is_feasible_assignment`. The 2SFCA method and the capacitated assignment are general
  model families on a cost matrix: they live in the siting layer
  (:mod:`yingji.siting.accessibility`, :mod:`yingji.siting.assignment`) and are re-exported
  here under their old names.

The modules (DESIGN.md, Layers: the domain is packages of small modules):

* :mod:`yingji.shelters.norms` — class norms and rules (package data), ``CLASSES``;
* :mod:`yingji.shelters.inputs` — table checks, walking distances, snapping to the network;
* :mod:`yingji.shelters.assessment` — :class:`ShelterAssessment`, the rules, :func:`assess`;
* :mod:`yingji.shelters.model` — the plan's capacitated location MIP and its helpers;
* :mod:`yingji.shelters.planner` — :class:`ShelterPlan`, :func:`plan`.

Units (DESIGN.md): distance in metres along the network (walking: one-way ignored), area in m²,
population in persons.

References
----------
.. [1] GB 21734-2008 地震应急避难场所 场址及配套设施, 5.4 (per-capita living area > 1.5 m²;
   effective site area > 2000 m²).
.. [2] GB 50413-2007 城市抗震防灾规划标准, 8.2.8-8.2.10 (per-capita area, site size and service
   radius of emergency / fixed / central shelters).
.. [3] GB 51143-2015 防灾避难场所设计规范 (shelter classes, per-capita and evacuation distance
   tables).
.. [4] Luo, W. and Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
   environment: synthesis and a case study in the Chicago region. Environment and Planning B
   30(6), 865-884. (two-step floating catchment area method)
.. [5] Hitchcock, F. L. (1941). The distribution of a product from several sources to numerous
   localities. Journal of Mathematics and Physics 20, 224-230. (transportation problem)
.. [6] Sridharan, R. (1995). The capacitated plant location problem. European Journal of
   Operational Research 87(2), 203-213.
"""

from __future__ import annotations

from yingji.shelters.assessment import ShelterAssessment, assess
from yingji.shelters.model import STRONG_LINK_MAX  # noqa: F401 - a module constant, as before
from yingji.shelters.norms import MAX_SNAP_M  # noqa: F401 - a module constant, as before
from yingji.shelters.norms import CLASSES, shelter_norms, shelter_rules
from yingji.shelters.planner import ShelterPlan, plan
from yingji.siting.accessibility import two_step_fca
from yingji.siting.assignment import (
    AssignmentResult,
    assign_residents,
    build_assignment_model,
    is_feasible_assignment,
    safe_weight,
)

__all__ = [
    "CLASSES",
    "shelter_norms",
    "shelter_rules",
    "two_step_fca",
    "build_assignment_model",
    "safe_weight",
    "assign_residents",
    "AssignmentResult",
    "is_feasible_assignment",
    "assess",
    "ShelterAssessment",
    "plan",
    "ShelterPlan",
]
