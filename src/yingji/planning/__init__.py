"""What to build or buy to pass: the county plan (``yingji plan``).

:func:`plan` runs the four planning models of yingji on one county, each under its own
time limit, and gathers what they say to build or buy into one frozen :class:`CountyPlan`:

* **fire** — new fire stations (:func:`yingji.fire.plan`: fewest stations reaching every
  coverable urban point within the GB 51080 travel budget, district-area limits in the model);
* **shelters** — new shelter sites (:func:`yingji.shelters.plan`: least cost sheltering
  everyone a shelter or candidate can reach on foot);
* **teams** — new rescue-team bases (:func:`yingji.teams.plan_bases`: close the reach and
  crew gaps of the hazard sites);
* **supplies** — stock to buy and depots to open (:func:`yingji.supplies.preposition` on
  scenarios drawn by :func:`yingji.supplies.sample_scenarios` with ``seed``).

A part that fails (bad data, an infeasible model, a time-out when isolated) is reported in
its section (``status="error"``/``"infeasible"``/``"timeout"``) and the other parts go on::

    import yingji as yj
    p = yj.planning.plan(yj.datasets.sample_county(), time_limit=20, seed=0)
    print(p.summary())
    p.to_frame()            # every item: section, id, what, action, quantity, unit, cost, ...
    p.figures()             # before/after figures of every section
    p.to_markdown(); p.to_html(); p.to_dict()

The command line: ``yingji plan [PATH] [--format table|md|html|json] [--out FILE]
[--time-limit S]`` (exit 0 when the plan was made, 1 with ``--strict`` when a part did not
complete, 2 for bad input).

The package is small modules that import one way (each only those above it in this list):

* :mod:`~yingji.planning.formatting` — numbers, money and shares in the plan's text (over
  :mod:`yingji._render.fmt`);
* :mod:`~yingji.planning.document` — the plan as a report document (:mod:`yingji._render`),
  trade-off curves and the county map included;
* :mod:`~yingji.planning.result` — :class:`PlanSection`, :class:`CountyPlan`, :data:`PARTS`,
  :data:`SECTION_STATUSES`, :data:`ITEM_COLUMNS`, :data:`PLAN_SCHEMA_VERSION`;
* :mod:`~yingji.planning.parts` — the fire, shelters, teams and supplies parts;
* :mod:`~yingji.planning.runner` — :func:`plan` (the time shares, isolation in forked children);
* :mod:`~yingji.planning.rendering` — :func:`render` in one of :data:`FORMATS`.
"""

from __future__ import annotations

from yingji.planning.rendering import FORMATS, render  # noqa: F401 - used by `yingji plan`
from yingji.planning.result import (
    ITEM_COLUMNS,
    PARTS,
    PLAN_SCHEMA_VERSION,
    SECTION_STATUSES,
    CountyPlan,
    PlanSection,
)
from yingji.planning.runner import plan

__all__ = ["PARTS", "SECTION_STATUSES", "PLAN_SCHEMA_VERSION", "ITEM_COLUMNS", "PlanSection",
           "CountyPlan", "plan"]
