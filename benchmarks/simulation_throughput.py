"""End-to-end throughput of ``simulate()`` and the seconds spent drawing calls (issue 23).

Usage: ``python benchmarks/simulation_throughput.py RATE_FACTOR YEARS`` (the sample county's
incident rates times RATE_FACTOR, 8 replications of YEARS years, one process, kernels warmed
first). Prints the wall seconds, calls + releases, ``events_per_second`` (end to end since
issue 23), the kernels' seconds and the seconds in ``_draw_calls``. Run it with
``PYTHONPATH`` pointing at two checkouts to compare them. Not a suite.
"""
import time, sys, numpy as np
import yingji
from yingji.datasets import sample_county
from yingji.simulation import simulate
from yingji.simulation import engine
c = sample_county()
kw = dict(incidents_per_year=c.demand["incidents_per_year"] * float(sys.argv[1]))
simulate(c, horizon_hours=24, replications=1, seed=0)
orig = engine._draw_calls
tot = [0.0]
def timed(cfg, rng):
    t = time.perf_counter(); out = orig(cfg, rng); tot[0] += time.perf_counter() - t; return out
engine._draw_calls = timed  # measured around the one draw function the replications call
t = time.perf_counter()
sim = simulate(c, horizon_hours=24 * 365 * int(sys.argv[2]), replications=8, seed=0, **kw)
w = time.perf_counter() - t
ev = sim.extras["events"]
print(f"{yingji.__file__.split('/src/')[0]}: wall {w:.2f}s calls+releases {ev} events_per_second {sim.events_per_second/1e6:.2f} M/s "
      f"(end to end {ev/w/1e6:.2f} M/s) kernel {sim.extras['kernel_seconds']:.2f}s draw {tot[0]:.2f}s within {sim.within_standard:.4f}")
