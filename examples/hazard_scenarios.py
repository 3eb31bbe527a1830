"""Hazard scenarios on the sample county: a river flood around the county seat and a chemical
plume around a hazard site, compared before and after across fire, shelters, supplies and teams,
then swept together (docs/scenarios.md).

Run: ``python examples/hazard_scenarios.py``
"""

import time

import yingji as yj
from yingji.scenarios import Scenario, Zone

c = yj.datasets.sample_county()
x, y = c.depots[["x", "y"]].iloc[0]          # the county depot, in the county seat
hx, hy = c.hazards[["x", "y"]].iloc[0]       # hazard site H01
flood = Scenario("flood", zones=[Zone.circle("river flood", x, y, 2500.0, roads="slowed", speed_factor=0.3,
                                             displaced=0.4)])
plume = Scenario("plume", zones=[Zone.circle("plume", hx, hy, 1500.0, roads="closed", displaced=1.0)])

t = time.perf_counter()
r = yj.scenarios.compare(c, flood, time_limit=20)
print(f"compare: {time.perf_counter() - t:.1f} s")
print(r.summary())
print(r.to_frame().to_string(index=False, float_format=lambda v: f"{v:,.2f}"))

t = time.perf_counter()
table = yj.scenarios.sweep(c, [flood, plume], domains=["network", "fire", "teams"], time_limit=20)
print(f"sweep: {time.perf_counter() - t:.1f} s")
print(table.drop(columns="notes").to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
