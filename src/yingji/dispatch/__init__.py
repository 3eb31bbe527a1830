"""Dispatch: which units go to which incidents, and the nearest available unit.

:func:`plan` chooses units for one or many simultaneous incidents, each needing units of
several types (engines, ladders, ambulances, rescue teams...) and optionally a number of
persons (``crew``). Priorities, in order: send every required unit (shortfalls, weighted by
the incident's ``weight``, as few as possible; every required unit not sent, for a type the
fleet lacks too, is a shortfall row that says why), then send units that arrive within the
incident's ``target_minutes``, then (``objective="latest"``) make the latest arrival as early as
possible, then minimise the weighted sum of arrival minutes. :func:`is_feasible_dispatch`
checks any set of assignments independently. :func:`nearest_available` gives the k fastest free
units of a type for one call; :class:`NearestUnits` prepares the same look-up once for a dispatch
desk answering call after call in microseconds.

Without a crew requirement the problem splits by unit type into rectangular assignment problems
(one row per required unit, one column per available unit plus one "not sent" column per row),
solved exactly with the shortest augmenting path method; with a crew requirement the types
interact and a sparse MIP goes to HiGHS (or any PuLP solver) through :mod:`yingji.solvers`, one
stage per priority.

The modules (DESIGN.md, Layers: the domain is packages of small modules):

* :mod:`yingji.dispatch.inputs` — the requirement table, unit pools and travel minutes
  (``_prepare``, ``_Inputs``);
* :mod:`yingji.dispatch.shortfalls` — the shortfall table and its reasons (``_shortfalls``);
* :mod:`yingji.dispatch.result` — :class:`DispatchPlan` and how a plan is built from the units sent;
* :mod:`yingji.dispatch.assignment_method` — the per-type rectangular assignment method;
* :mod:`yingji.dispatch.mip_method` — the staged MIP method (crew requirements);
* :mod:`yingji.dispatch.planner` — :func:`plan`;
* :mod:`yingji.dispatch.checks` — :func:`dispatch_problems`, :func:`is_feasible_dispatch`;
* :mod:`yingji.dispatch.nearest` — :func:`nearest_available`, :class:`NearestUnits`.
"""

from __future__ import annotations

from yingji.dispatch.checks import dispatch_problems, is_feasible_dispatch
from yingji.dispatch.nearest import NearestUnits, nearest_available
from yingji.dispatch.planner import plan
from yingji.dispatch.result import DispatchPlan

__all__ = ["plan", "DispatchPlan", "is_feasible_dispatch", "dispatch_problems", "nearest_available",
           "NearestUnits"]
