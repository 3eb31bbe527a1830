"""dispatch.plan: the MIP's time limit counts from entry (input checks and model build too)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import yingji.dispatch.planner as planner  # plan() looks up _prepare here
from yingji.dispatch import is_feasible_dispatch, plan
from yingji.exceptions import SolverError


def _instance(seed=0, n_inc=4, n_units=8):
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": rng.choice(["engine", "ladder"], n_units),
                          "crew": rng.integers(1, 6, n_units)}, index=[f"U{u}" for u in range(n_units)])
    inc = pd.DataFrame({"engine": rng.integers(0, 2, n_inc), "ladder": rng.integers(0, 2, n_inc),
                        "crew": rng.integers(0, 8, n_inc)}, index=[f"I{i}" for i in range(n_inc)])
    T = pd.DataFrame(rng.integers(1, 12, (n_inc, n_units)).astype(float), index=inc.index, columns=units.index)
    return inc, units, T


def test_mip_limit_counts_from_entry(monkeypatch):
    inc, units, T = _instance()
    real_prepare = planner._prepare
    real_solve = __import__("yingji.solvers", fromlist=["solve"]).solve
    limits = []

    def slow_prepare(*a, **kw):
        time.sleep(0.3)  # slow inputs: they count against the limit
        return real_prepare(*a, **kw)

    def record(model, **kw):
        limits.append(kw["time_limit"])
        return real_solve(model, **kw)

    monkeypatch.setattr(planner, "_prepare", slow_prepare)
    monkeypatch.setattr("yingji.dispatch.mip_method.solve", record)
    dp = plan(inc, units, T, method="mip", time_limit=5.0)
    assert limits and limits[0] <= 5.0 - 0.3 + 1e-6
    assert all(a >= b for a, b in zip(limits, limits[1:]))  # each stage gets what is left
    assert is_feasible_dispatch(inc, units, T, dp)


def test_first_stage_runs_even_when_the_inputs_use_up_the_limit(monkeypatch):
    inc, units, T = _instance(1)
    real_prepare = planner._prepare

    def slow_prepare(*a, **kw):
        time.sleep(0.2)
        return real_prepare(*a, **kw)

    monkeypatch.setattr(planner, "_prepare", slow_prepare)
    t0 = time.perf_counter()
    try:
        dp = plan(inc, units, T, method="mip", time_limit=0.1)
    except SolverError as exc:  # no point in the first stage's brief run: documented
        assert exc.status == "time_limit"
    else:
        assert dp.status == "time_limit" and not dp.optimal  # later stages skipped
        assert is_feasible_dispatch(inc, units, T, dp)
    assert time.perf_counter() - t0 < 0.1 + 5  # generous sanity check, not a timing test
