"""Check the availability-aware fire plan by simulation (issue 22).

For two counties, plan ``k`` new fire stations twice with ``yj.fire.plan(..., budget=k)``: the plain
plan (MCLP: the most population within the travel budget) and the availability-aware plan
(``availability=0.95``: the most *expected* covered population when engines are busy, MEXCLP with each
station's engines as its units). Both are simulated with ``yj.simulation.simulate`` on the same
seeds (common random numbers: the same calls for both plans in each replication), and the table
gives the share of calls reached within the standard (GB 51080: 5 minutes including 1 minute
turnout) with 95 % confidence intervals, and the paired difference with its interval.

* the sample county (``yj.datasets.sample_county()``, 3 stations, 12 engines), at its own call
  rate and at 20 times that rate (the load at which the engines are busy often enough to matter);
* a county generated here from a seed (:func:`make_county`): a 12 km × 12 km area with three
  towns, three single-engine stations, 30 candidate sites and 15,000 calls a year.

New stations get ``engines_per_new_station`` engines in the plan and in the simulation alike. The
plans take an engine's busy time per call as ``service_minutes=55`` (the simulation's mean 45
minutes on scene plus turnout, travel and the drive back, roughly); both plans' expected shares
are computed with it.

Run: ``python examples/availability_check.py`` (about a minute with the defaults).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import yingji as yj
from yingji.simulation import confidence_interval

LIMIT_TEXT = "share of calls reached within 5 min"


def make_county(seed: int = 7, n_points: int = 400, n_candidates: int = 30, calls_per_year: float = 15000.0,
                size_km: float = 12.0):
    """A county of tables (demand, stations, candidates, travel minutes) from a seed.

    Demand points: 70 % around three town centres, 30 % spread over the ``size_km`` square; population
    lognormal; calls proportional to population. Travel minutes: straight-line distance × 1.3
    (road detour) at 40 km/h. Three existing stations with one engine each near the centres;
    candidates anywhere.
    """
    rng = np.random.default_rng(seed)
    f = size_km / 24.0
    centres = np.array([[7.0, 8.0], [16.0, 15.0], [9.0, 18.0]]) * f
    k_town = int(0.7 * n_points)
    town = centres[rng.integers(0, 3, k_town)] + rng.normal(0.0, 2.0 * f, (k_town, 2))
    rural = rng.uniform(0.0, size_km, (n_points - k_town, 2))
    xy = np.clip(np.vstack([town, rural]), 0.0, size_km)
    pop = np.round(rng.lognormal(6.0, 0.8, n_points))
    d_ids = [f"P{i:04d}" for i in range(n_points)]
    demand = pd.DataFrame({"x": xy[:, 0] * 1000, "y": xy[:, 1] * 1000, "population": pop, "area_m2": 4e5,
                           "urban": True, "incidents_per_year": calls_per_year * pop / pop.sum()}, index=d_ids)
    st_xy = centres + rng.normal(0.0, f, (3, 2))
    stations = pd.DataFrame({"x": st_xy[:, 0] * 1000, "y": st_xy[:, 1] * 1000, "station_class": "class2",
                             "engines": 1, "ladders": 0, "staff": 15}, index=["S1", "S2", "S3"])
    c_xy = rng.uniform(0.0, size_km, (n_candidates, 2))
    cands = pd.DataFrame({"x": c_xy[:, 0] * 1000, "y": c_xy[:, 1] * 1000, "station_class": "class2",
                          "uses": "fire", "cost": 1.0}, index=[f"C{j:02d}" for j in range(n_candidates)])
    sites = np.vstack([st_xy, c_xy])
    minutes = np.hypot(*(xy[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) * 1.3 / (40.0 / 60.0)
    times = pd.DataFrame(minutes, index=d_ids, columns=list(stations.index) + list(cands.index))
    return {"demand": demand, "stations": stations, "candidates": cands, "times": times}


def _simulate_tables(tables, plan, *, engines, replications, seed, rate_scale=1.0):
    st = pd.concat([tables["stations"], tables["candidates"].loc[plan.new_stations]
                    .assign(engines=engines, ladders=0)])
    times = tables["times"][list(st.index)].T  # station id x demand id
    demand = tables["demand"].assign(incidents_per_year=tables["demand"]["incidents_per_year"] * rate_scale)
    return yj.simulation.simulate(stations=st[["engines", "ladders"]], demand=demand, times=times,
                                  replications=replications, seed=seed, horizon_hours=24 * 365)


def _simulate_sample(county, plan, *, engines, replications, seed, rate_scale=1.0):
    extra = yj.simulation.with_new_stations(county, plan.new_stations, engines=engines)
    rate = county.demand["incidents_per_year"] * rate_scale
    return yj.simulation.simulate(county, replications=replications, seed=seed, horizon_hours=24 * 365,
                                  incidents_per_year=rate, **extra)


def _row(county_name, load, k, plain, aware, sp, sa, *, seconds):
    a = sa.per_replication["within_standard"].to_numpy()
    b = sp.per_replication["within_standard"].to_numpy()
    d_lo, d_hi = confidence_interval(a - b)
    return {"county": county_name, "load": load, "new_stations": k,
            "plain_sites": plain.new_stations, "aware_sites": aware.new_stations,
            "busy": aware.availability["busy"],
            "plain_within": sp.within_standard, "plain_ci": tuple(sp.ci["within_standard"]),
            "aware_within": sa.within_standard, "aware_ci": tuple(sa.ci["within_standard"]),
            "difference": float(np.mean(a - b)), "difference_ci": (float(d_lo), float(d_hi)),
            "plain_expected_share": plain.after.availability["expected_share"],
            "aware_expected_share": aware.after.availability["expected_share"],
            "replications": sp.replications, "seconds": seconds}


def main(*, replications: int = 20, seed: int = 2026, k_sample: int = 4, k_own: int = 3, loads=(1.0, 20.0),
         engines_per_new_station: int = 1, time_limit: float = 60.0, county_seed: int = 7,
         service_minutes: float = 55.0) -> list[dict]:
    """Plan, simulate and print the table; returns its rows."""
    import time

    rows = []
    county = yj.datasets.sample_county()
    cands = county.candidates.assign(engines=engines_per_new_station)
    for load in loads:
        t0 = time.perf_counter()
        # the plan's busy fraction: the county's calls (at this load) over the plan's engines
        rate = county.demand["incidents_per_year"] * load
        kw = dict(budget=k_sample, area_limits=False, tradeoff=False, time_limit=time_limit, candidates=cands,
                  demand=county.demand.assign(incidents_per_year=rate), service_minutes=service_minutes)
        plain = yj.fire.plan(county, **kw)
        aware = yj.fire.plan(county, availability=0.95, **kw)
        sim = dict(engines=engines_per_new_station, replications=replications, seed=seed, rate_scale=load)
        sp, sa = _simulate_sample(county, plain, **sim), _simulate_sample(county, aware, **sim)
        rows.append(_row("sample", load, k_sample, plain, aware, sp, sa, seconds=time.perf_counter() - t0))
    tables = make_county(county_seed)
    t0 = time.perf_counter()
    kw = dict(budget=k_own, area_limits=False, tradeoff=False, time_limit=time_limit, service_minutes=service_minutes,
              candidates=tables["candidates"].assign(engines=engines_per_new_station),
              stations=tables["stations"], demand=tables["demand"], times=tables["times"])
    plain = yj.fire.plan(**kw)
    aware = yj.fire.plan(availability=0.95, **kw)
    sim = dict(engines=engines_per_new_station, replications=replications, seed=seed)
    sp, sa = _simulate_tables(tables, plain, **sim), _simulate_tables(tables, aware, **sim)
    rows.append(_row(f"generated (seed {county_seed})", 1.0, k_own, plain, aware, sp, sa,
                     seconds=time.perf_counter() - t0))
    _print(rows)
    return rows


def _print(rows):
    print(f"{LIMIT_TEXT}, {rows[0]['replications']} replications of one year, same seeds for both plans")
    print(f"{'county':<22}{'load':>5}{'new':>4}{'busy':>7}  {'plain plan (MCLP)':<26}{'availability plan':<26}"
          f"{'difference (paired)':<26}")
    for r in rows:
        print(f"{r['county']:<22}{r['load']:>5g}{r['new_stations']:>4}{r['busy']:>7.1%}  "
              f"{r['plain_within']:6.2%} [{r['plain_ci'][0]:.2%}, {r['plain_ci'][1]:.2%}]  "
              f"{r['aware_within']:6.2%} [{r['aware_ci'][0]:.2%}, {r['aware_ci'][1]:.2%}]  "
              f"{r['difference']:+6.2%} [{r['difference_ci'][0]:+.2%}, {r['difference_ci'][1]:+.2%}]")
    for r in rows:
        print(f"  {r['county']} x{r['load']:g}: plain {r['plain_sites']}, availability {r['aware_sites']}; "
              f"expected share (model) {r['plain_expected_share']:.2%} -> {r['aware_expected_share']:.2%}")


if __name__ == "__main__":
    main()
