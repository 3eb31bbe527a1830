"""End-to-end throughput of ``simulate()`` and the seconds spent drawing calls (issue 23).

Usage: ``python benchmarks/simulation_throughput.py RATE_FACTOR YEARS`` (the sample county's
incident rates times RATE_FACTOR, 8 replications of YEARS years, one process, kernels warmed
first). Prints the wall seconds, calls + releases, ``events_per_second`` (end to end since
issue 23), the kernels' seconds and the seconds in ``_draw_calls``. Run it with
``PYTHONPATH`` pointing at two checkouts to compare them. Not a suite.
"""

from __future__ import annotations

import sys
import time

import yingji
from yingji.datasets import sample_county
from yingji.simulation import engine, simulate


def main(argv):
    factor, years = float(argv[0]), int(argv[1])
    c = sample_county()
    kw = {"incidents_per_year": c.demand["incidents_per_year"] * factor}
    simulate(c, horizon_hours=24, replications=1, seed=0)  # warm the kernels
    orig = engine._draw_calls
    spent = [0.0]

    def timed(cfg, rng):
        t = time.perf_counter()
        out = orig(cfg, rng)
        spent[0] += time.perf_counter() - t
        return out

    engine._draw_calls = timed  # measured around the one draw function the replications call
    try:
        t = time.perf_counter()
        sim = simulate(c, horizon_hours=24 * 365 * years, replications=8, seed=0, **kw)
        wall = time.perf_counter() - t
    finally:
        engine._draw_calls = orig
    ev = sim.extras["events"]
    print(f"{yingji.__file__.split('/src/')[0]}: wall {wall:.2f}s calls+releases {ev} "
          f"events_per_second {sim.events_per_second / 1e6:.2f} M/s (end to end {ev / wall / 1e6:.2f} M/s) "
          f"kernel {sim.extras['kernel_seconds']:.2f}s draw {spent[0]:.2f}s within {sim.within_standard:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
