"""Check a fire-station plan by simulation: busy units make coverage worse than the static model says.

A coverage model (``yj.fire.plan``, ``yj.mclp``) counts a demand point as covered when a station is
within the limit; it does not know that the station's engines may be out on another call. This
script plans new stations for the sample county, then simulates a year of calls (Poisson by demand
point, nearest available engine, 45 min on scene) before and after the plan, at the county's call
rate and at a heavier one, and compares with Larson's hypercube model.

Run: ``python examples/simulate_fire_plan.py`` (a few seconds).
"""

from __future__ import annotations

import yingji as yj


def main(*, replications: int = 5, loads=(1.0, 20.0), time_limit: float = 30.0, seed: int = 2026) -> list[dict]:
    """Print and return the figures before and after the fire plan for each call-rate multiplier."""
    county = yj.datasets.sample_county()
    fp = yj.fire.plan(county, standard="GB51080", tradeoff=False, time_limit=time_limit)
    print(fp.summary().splitlines()[0])
    after_tables = yj.simulation.with_new_stations(county, fp.new_stations, engines=1)
    rows = []
    for load in loads:
        rate = county.demand["incidents_per_year"] * load
        for name, extra in (("existing stations", {}), (f"+ {len(fp.new_stations)} planned", after_tables)):
            sim = yj.simulation.simulate(county, horizon_hours=24 * 365, replications=replications, seed=seed,
                                         incidents_per_year=rate, **extra)
            hc = yj.simulation.hypercube(county, incidents_per_year=rate, service_minutes=45.0, **extra)
            lo, hi = sim.ci["within_standard"]
            row = {"load": load, "configuration": name, "p90_minutes": sim.p90_minutes,
                   "within_standard": sim.within_standard, "ci": (lo, hi),
                   "static_within_standard": sim.static_within_standard,
                   "hypercube_within_standard": hc.within_standard,
                   "first_due_busy": sim.first_due_busy, "mean_utilisation": sim.mean_utilisation}
            rows.append(row)
            print(f"{load:>4g}x calls  {name:<22} p90 {sim.p90_minutes:6.2f} min  within 5 min "
                  f"{sim.within_standard:6.1%} [{lo:.1%}, {hi:.1%}]  static model "
                  f"{sim.static_within_standard:6.1%}  hypercube {hc.within_standard:6.1%}  "
                  f"first-due busy {sim.first_due_busy:5.1%}  utilisation {sim.mean_utilisation:5.1%}")
    return rows


if __name__ == "__main__":
    main()
