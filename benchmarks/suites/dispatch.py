"""Dispatch and simulation suite.

Cases (all seeded):

* ``plan_30x300`` / ``plan_latest_30x300``: a live dispatch call, 30 simultaneous incidents
  needing engines, ladders and ambulances from 300 units with arrival targets
  (``yj.dispatch.plan``, assignment method), against the same lexicographic model as a MIP
  through PuLP + CBC; check: the same stage values (missing, late, latest, total minutes).
* ``nearest_1000`` / ``nearest_desk_1000``: 1,000 ``yj.dispatch.nearest_available`` calls
  (k = 3 engines, 20 busy) on a 2,000 x 500 travel-time DataFrame, and the same 1,000 calls to a
  ``yj.dispatch.NearestUnits`` prepared once, against a pandas ``sort_values`` per call;
  reports ms per call.
* ``sim_kernel_2m``: the simulation's event loop (``_simulate_nearest``) on about 2 million calls
  at 2,000 demand points with 60 units, against a pure-Python event-list simulation (heapq, FIFO
  queue) timed on 1/100 of the calls and scaled; reports events (calls + releases) per second
  (target: >= 1,000,000 per core) and checks both give the same responses on the sample.
* ``sim_replications_2w``: ``yj.simulation.simulate`` on the sample county with 50 times its
  call rate (about 620,000 calls per replication), 8 replications x 10 years, with a 2-process
  pool, against the same call in one process; ratio = the speed-up with 2 workers; check:
  identical figures.
"""

from __future__ import annotations

import importlib.util
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks import Case, Suite

TYPES = ["engine", "ladder", "ambulance"]


# ------------------------------------------------------------------------------- dispatch plan
def _plan_setup(n_inc, n_units, objective, seed=0):
    import pandas as pd

    import yingji as yj

    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": rng.choice(TYPES, n_units, p=[0.6, 0.2, 0.2])},
                         index=[f"U{u:03d}" for u in range(n_units)])
    inc = pd.DataFrame({"engine": rng.integers(1, 5, n_inc), "ladder": rng.integers(0, 2, n_inc),
                        "ambulance": rng.integers(0, 3, n_inc), "weight": rng.integers(1, 4, n_inc).astype(float),
                        "target_minutes": rng.choice([8.0, 10.0, 15.0], n_inc)},
                       index=[f"I{i:02d}" for i in range(n_inc)])
    times = pd.DataFrame(rng.gamma(4.0, 3.0, (n_inc, n_units)), index=inc.index, columns=units.index)
    yj.dispatch.plan(inc.iloc[:2], units.iloc[:10], times.iloc[:2, :10], objective=objective)  # warm imports
    return {"inc": inc, "units": units, "times": times, "objective": objective}


def _plan_run(s):
    import yingji as yj

    dp = yj.dispatch.plan(s["inc"], s["units"], s["times"], objective=s["objective"], method="assignment")
    s["dp"] = dp
    return {"units_sent": len(dp.assignments), "missing": dp.missing_units, "late": dp.late_units,
            "total_weighted_minutes": dp.total_weighted_minutes, "latest_minutes": dp.latest_minutes,
            "status": dp.status}


def _plan_peer(s):
    import pulp

    import yingji as yj

    solver = pulp.PULP_CBC_CMD(msg=False)
    dp = yj.dispatch.plan(s["inc"], s["units"], s["times"], objective=s["objective"], method="mip",
                          solver=solver, time_limit=300)
    s["peer"] = dp
    return {"total_weighted_minutes": dp.total_weighted_minutes, "latest_minutes": dp.latest_minutes}


def _plan_check(s):
    a, b = s["dp"].stages, s["peer"].stages
    diff = max(abs(a[k] - b[k]) for k in a if k in b)
    return {"max_stage_diff": diff, "same_plan_value": bool(diff <= 1e-6 * max(1.0, abs(a["total"])))}


# ----------------------------------------------------------------------------- nearest available
def _nearest_setup(n_nodes=2000, n_units=500, n_calls=1000, seed=0):
    import pandas as pd

    import yingji as yj

    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": rng.choice(TYPES, n_units)}, index=[f"U{u:03d}" for u in range(n_units)])
    times = pd.DataFrame(rng.uniform(1, 40, (n_nodes, n_units)), index=[f"N{i}" for i in range(n_nodes)],
                         columns=units.index)
    calls = list(rng.choice(times.index, n_calls))
    busy = list(rng.choice(units.index, 20, replace=False))
    yj.dispatch.nearest_available(calls[0], units, times, busy=busy, unit_type="engine", k=3)  # compile / load
    return {"units": units, "times": times, "calls": calls, "busy": busy}


def _nearest_run(s):
    import time

    import yingji as yj

    t0 = time.perf_counter()
    s["got"] = [yj.dispatch.nearest_available(c, s["units"], s["times"], busy=s["busy"], unit_type="engine", k=3)
                ["unit"].tolist() for c in s["calls"]]
    return {"calls": len(s["calls"]), "ms_per_call": (time.perf_counter() - t0) * 1e3 / len(s["calls"])}


def _desk_setup():
    import yingji as yj

    s = _nearest_setup()
    s["near"] = yj.dispatch.NearestUnits(s["units"], s["times"])  # prepared once, untimed
    return s


def _desk_run(s):
    import time

    near = s["near"]
    t0 = time.perf_counter()
    s["got"] = [near.ids(c, busy=s["busy"], unit_type="engine", k=3) for c in s["calls"]]
    return {"calls": len(s["calls"]), "ms_per_call": (time.perf_counter() - t0) * 1e3 / len(s["calls"])}


def _nearest_peer(s):
    units, times = s["units"], s["times"]
    ok = (units["type"] == "engine") & ~units.index.isin(s["busy"])
    cols = units.index[ok]
    s["peer"] = [times.loc[c, cols].sort_values(kind="stable").index[:3].tolist() for c in s["calls"]]
    return {"calls": len(s["calls"])}


def _nearest_check(s):
    return {"same_units": s["got"] == s["peer"]}


# ------------------------------------------------------------------------------ simulation kernel
def _naive_module():
    path = Path(__file__).resolve().parents[2] / "tests" / "naive_dispatch.py"
    spec = importlib.util.spec_from_file_location("naive_dispatch", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _kernel_setup(n_calls=2_000_000, n_points=2000, n_units=60, seed=0):
    from yingji._kernels.simulation import _preference_order, _simulate_nearest

    rng = np.random.default_rng(seed)
    travel = rng.uniform(1.0, 25.0, (n_points, n_units))
    pref, npref = _preference_order(travel)
    svc = 45.0
    rate = 0.4 * n_units / (svc + 20.0)  # calls per minute: ~40 % utilisation with travel both ways
    arrival = np.cumsum(rng.exponential(1.0 / rate, n_calls))
    point = rng.integers(0, n_points, n_calls).astype(np.int64)
    scene = rng.exponential(svc, n_calls)
    horizon = float(arrival[-1])
    _simulate_nearest(arrival[:100].copy(), point[:100].copy(), scene[:100].copy(), pref, npref, travel, 1.0, True,
                      0.0, horizon, 1)
    return {"args": (arrival, point, scene, pref, npref, travel, 1.0, True, 0.0, horizon, 1), "n": n_calls}


def _kernel_run(s):
    import time

    from yingji._kernels.simulation import _simulate_nearest

    t0 = time.perf_counter()
    out = _simulate_nearest(*s["args"])
    dt = time.perf_counter() - t0
    s["resp"] = out[0]
    return {"calls": s["n"], "events_per_s": 2 * s["n"] / dt, "mean_response": float(out[0].mean())}


def _kernel_peer(s):
    naive = _naive_module()
    arrival, point, scene, pref, npref, travel, turnout, tis, warm, hor, k_units = s["args"]
    k = s["n"] // 100
    r = naive.event_simulation(arrival[:k], point[:k], scene[:k], travel, turnout, tis, warm, hor, k_units)
    s["peer_resp"] = r[0]
    return {"calls": k, "scale": 100}


def _kernel_check(s):
    k = len(s["peer_resp"])
    return {"max_abs_diff_on_sample": float(np.max(np.abs(s["resp"][:k] - s["peer_resp"])))}


# ----------------------------------------------------------------------------- replications
def _rep_setup(reps=8, years=10.0, load=50.0):
    from yingji.datasets import sample_county
    from yingji.simulation import simulate

    county = sample_county()
    simulate(county, horizon_hours=24, replications=1, seed=0)  # warm kernels and the network
    ipy = county.demand["incidents_per_year"] * load
    return {"county": county, "kw": dict(horizon_hours=24 * 365 * years, replications=reps, seed=7,
                                         incidents_per_year=ipy)}


def _rep_run(s):
    from concurrent.futures import ProcessPoolExecutor

    from yingji.simulation import simulate

    with ProcessPoolExecutor(2) as ex:
        sim = simulate(s["county"], executor=ex, **s["kw"])
    s["par"] = sim
    return {"p90_minutes": sim.p90_minutes, "within_standard": sim.within_standard,
            "replications": sim.replications}


def _rep_peer(s):
    from yingji.simulation import simulate

    sim = simulate(s["county"], **s["kw"])
    s["ser"] = sim
    return {"p90_minutes": sim.p90_minutes}


def _rep_check(s):
    return {"identical": bool(s["par"].per_replication.equals(s["ser"].per_replication))}


SUITE = Suite(
    "dispatch",
    quick=[
        Case("plan_30x300", setup=partial(_plan_setup, 30, 300, "total"), run=_plan_run, peer=_plan_peer,
             check=_plan_check, peer_name="same lexicographic model as a MIP, PuLP + CBC",
             params={"incidents": 30, "units": 300, "types": 3, "objective": "total", "seed": 0},
             description="dispatch plan, 30 incidents x 300 units, 3 types, targets"),
        Case("plan_latest_30x300", setup=partial(_plan_setup, 30, 300, "latest"), run=_plan_run,
             peer=_plan_peer, check=_plan_check, peer_name="same lexicographic model as a MIP, PuLP + CBC",
             params={"incidents": 30, "units": 300, "types": 3, "objective": "latest", "seed": 0},
             description="dispatch plan minimising the latest arrival, 30 x 300"),
        Case("nearest_1000", setup=_nearest_setup, run=_nearest_run, peer=_nearest_peer, check=_nearest_check,
             peer_name="pandas sort_values per call",
             params={"nodes": 2000, "units": 500, "calls": 1000, "k": 3, "seed": 0},
             description="1,000 nearest_available calls (k=3 engines, 20 busy)"),
        Case("nearest_desk_1000", setup=_desk_setup, run=_desk_run, peer=_nearest_peer, check=_nearest_check,
             peer_name="pandas sort_values per call",
             params={"nodes": 2000, "units": 500, "calls": 1000, "k": 3, "seed": 0},
             description="1,000 calls to a prepared NearestUnits (k=3 engines, 20 busy)"),
        Case("sim_kernel_2m", setup=_kernel_setup, run=_kernel_run, peer=_kernel_peer, check=_kernel_check,
             peer_name="pure-Python heapq event simulation on 1/100 of the calls, scaled",
             params={"calls": 2_000_000, "points": 2000, "units": 60, "seed": 0},
             description="simulation event loop, ~2M calls, events per second"),
        Case("sim_replications_2w", setup=_rep_setup, run=_rep_run, peer=_rep_peer, check=_rep_check,
             peer_name="the same simulate() in one process",
             params={"county": "sample", "load": 50, "replications": 8, "years": 10, "workers": 2, "seed": 7},
             description="simulate(sample county, 50x calls) 8 x 10 years on 2 processes vs 1 (ratio = speed-up)"),
    ],
    full=[
        Case("plan_100x1000", setup=partial(_plan_setup, 100, 1000, "total"), run=_plan_run, peer=_plan_peer,
             check=_plan_check, peer_name="same lexicographic model as a MIP, PuLP + CBC",
             params={"incidents": 100, "units": 1000, "types": 3, "objective": "total", "seed": 0},
             description="dispatch plan, 100 incidents x 1,000 units"),
    ],
    budget_s=150,
    full_budget_s=600,
    description="Dispatch plans, nearest available unit and the response simulation",
)
