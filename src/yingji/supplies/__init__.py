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

The package is made of small modules, each importing only those listed before it:
:mod:`~yingji.supplies.inputs` (county tables, dates, travel minutes, stock checks),
:mod:`~yingji.supplies.norms` (norms, people at risk, :func:`requirements`),
:mod:`~yingji.supplies.assessment` (:func:`assess`, the reach LP),
:mod:`~yingji.supplies.scenarios` (:class:`Scenarios`, :func:`sample_scenarios`),
:mod:`~yingji.supplies.stochastic` (the two-stage programme: instance, extensive form, Benders),
:mod:`~yingji.supplies.prepositioning` (:func:`preposition`, :class:`StockPlan`) and
:mod:`~yingji.supplies.transfers` (:func:`transfer`, :class:`TransferPlan`). The public names
are imported here; use them as ``yingji.supplies.<name>``.

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

from yingji.supplies.assessment import SupplyAssessment, assess
from yingji.supplies.norms import DEFAULT_EVACUATION_SHARE, DEFAULT_HOUSEHOLD_SIZE, requirements
from yingji.supplies.prepositioning import StockPlan, preposition
from yingji.supplies.scenarios import Scenarios, sample_scenarios
from yingji.supplies.transfers import MAX_PRIORITY_CLASSES, TransferPlan, transfer

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


#: The docstring examples of the public functions and classes, which live in the submodules:
#: ``doctest.testmod(yingji.supplies)`` runs only what the package defines or lists here.
__test__ = {name: globals()[name] for name in __all__ if callable(globals()[name])}
