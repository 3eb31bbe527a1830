"""Rescue teams: allocation of specialised teams to hazard sites, gaps, new bases, mutual aid.

The county plan (task 15) asks for professional rescue teams for non-coal mines, construction,
hazardous chemicals and rail transit, and for small enterprises to sign mutual-aid agreements
with a nearby team. This package answers three questions:

* :func:`allocate` — which team answers which hazard site (primary, optionally backup), so each
  site gets every skill and the crew it needs within its maximum response time, no team's crew
  is promised beyond what it has when several sites need it at once, and the total
  risk-weighted response time is least. Sites that cannot be served are *gaps*, each with its
  reason: ``"no_skill"`` (no team in the county has the skill), ``"too_far"`` (teams with the
  skill exist but none reaches the site in time) or ``"crew_short"`` (the teams that answer it
  promise less crew than it needs; only for a site without a reach gap). One definition
  (``yingji.teams.gaps._site_gaps``) serves :func:`allocate` and :func:`is_feasible_allocation`.
* :func:`plan_bases` — the fewest (or cheapest) new team bases among the candidate sites whose
  ``uses`` include ``team_base`` that close the ``too_far`` / ``no_skill`` gaps per skill,
  existing teams kept (a set-cover model through :func:`yingji.lscp`).
* mutual aid (part of :func:`allocate`) — each enterprise without its own team is assigned to
  the nearest team with its skill within a time limit, no team holding more than
  ``max_agreements`` agreements (a bipartite b-matching solved as a totally unimodular LP).

All times are minutes of driving from the team's base node to the hazard's node (mobilisation
excluded), origin × destination as :meth:`yingji.Network.travel_times` returns them.

References
----------
.. [1] 国务院安委会办公室, 《国家安全发展示范城市评价与管理办法》(2019), and the county plan's
   task 15 (professional rescue teams, mutual-aid agreements); ``rules.csv`` rows S1-*.
.. [2] Ogryczak, W. and Tamir, A. (2003). Minimizing the sum of the k largest functions in
   linear time. Information Processing Letters 85(3), 117-122. (The linear form of "the k
   largest crew promises of a team fit in its crew".)
.. [3] Church, R. and ReVelle, C. (1974). The maximal covering location problem. Papers of the
   Regional Science Association 32, 101-118; Toregas, C. et al. (1971). The location of emergency
   service facilities. Operations Research 19(6), 1363-1373 (set covering for new bases).

The modules (DESIGN.md, Layers: the domain is packages of small modules):

* :mod:`yingji.teams.skills` — the known skills (:data:`SKILLS`), :data:`GAP_REASONS`,
  tolerances and how skill lists are read;
* :mod:`yingji.teams.inputs` — the tables (from the call or the county), their checks, minutes;
* :mod:`yingji.teams.gaps` — ``_site_gaps``, the one gap definition;
* :mod:`yingji.teams.allocation_model` — eligible pairs and the allocation MIP;
* :mod:`yingji.teams.mutual_aid` — the mutual-aid b-matching LP;
* :mod:`yingji.teams.allocation` — :class:`TeamAllocation`, :func:`allocate`,
  :func:`is_feasible_allocation`;
* :mod:`yingji.teams.bases` — :class:`BasePlan`, :func:`plan_bases` and the relocation model.
"""

from __future__ import annotations

from yingji.teams.allocation import TeamAllocation, allocate, is_feasible_allocation
from yingji.teams.bases import BasePlan, plan_bases
from yingji.teams.skills import GAP_REASONS, SKILLS

__all__ = [
    "TeamAllocation",
    "BasePlan",
    "allocate",
    "plan_bases",
    "is_feasible_allocation",
    "GAP_REASONS",
    "SKILLS",
]
