"""fire.plan and place_apparatus share one deadline across their phases (no wall-clock timing:
the deadline is switched off by hand through tests/fake_deadline.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from fake_deadline import install
from yingji.fire import apparatus, model, planner, plan

#: The fire modules that look up ``_solve`` and ``Deadline`` (the package's code moved into them).
SOLVE_USERS = (planner, model, apparatus)
DEADLINE_USERS = (planner, apparatus)


def _expire_after_main_solve(monkeypatch, D):
    real = model._solve
    seen = []

    def solve_then_expire(model, solver, time_limit, mip_gap, start=None, stages=None):
        seen.append(float(time_limit))
        sol = real(model, solver, time_limit, mip_gap, start=start, stages=stages)
        D.expire()  # the wall clock passes the limit during this solve
        return sol

    for mod in SOLVE_USERS:
        monkeypatch.setattr(mod, "_solve", solve_then_expire)
    return seen


def test_tradeoff_cut_when_the_main_solve_uses_up_the_time(area_case, monkeypatch):
    D = install(monkeypatch, *DEADLINE_USERS)
    seen = _expire_after_main_solve(monkeypatch, D)
    p = plan(**area_case, time_limit=5.0)
    # the main plan is whole and proven; no time was left for the curve
    assert p.new_stations == ["A", "B"] and p.optimal and p.status == "optimal"
    assert seen == [5.0]  # the first phase got the whole limit, nothing ran after it
    tr = p.tradeoff
    assert list(tr["new_stations"]) == [0, 1, 2]
    assert np.isfinite(tr.loc[0, "covered_population"])
    cut = tr[tr["new_stations"] >= 1]
    assert cut["covered_population"].isna().all() and not cut["optimal"].any()
    # a valid (upper) bound: all the coverable population
    assert (cut["bound"] == 600.0).all()
    assert any("Trade-off curve cut by time_limit" in n for n in p.notes)
    assert "cut_at" not in tr.attrs


def test_no_time_at_all_still_returns_a_valid_plan(area_case, monkeypatch):
    D = install(monkeypatch, *DEADLINE_USERS)
    D.expire()  # e.g. the inputs took the whole limit
    p = plan(**area_case, time_limit=0.5)
    # the solver still gets a (tiny) positive limit; whatever it returns is reported as such
    assert p.status in ("optimal", "time_limit")
    assert p.new_stations in ([], ["A", "B"])
    assert p.optimal == (p.status == "optimal")
    # no trade-off point past the plan's own was solved
    later = p.tradeoff[p.tradeoff["new_stations"] >= 1]
    assert later["covered_population"].isna().all()


def test_every_phase_gets_the_time_left(area_case, monkeypatch):
    """Without the fake clock: the limits handed to the solves never exceed the time left."""
    real = model._solve
    log = []
    t0 = time.perf_counter()

    def record(model, solver, time_limit, mip_gap, start=None, stages=None):
        log.append((time.perf_counter() - t0, float(time_limit)))
        return real(model, solver, time_limit, mip_gap, start=start, stages=stages)

    for mod in SOLVE_USERS:
        monkeypatch.setattr(mod, "_solve", record)
    plan(**area_case, time_limit=30.0, fleet={"engines": 3, "ladders": 1})
    assert log
    for started, limit in log:
        assert started + limit <= 30.0 + 1e-3  # the clock is read just after the limit


def test_tiny_limit_returns_quickly(area_case):
    t0 = time.perf_counter()
    p = plan(**area_case, time_limit=0.05)
    assert time.perf_counter() - t0 < 0.05 + 5  # generous sanity check, not a timing test
    assert p.status in ("optimal", "time_limit")
    assert np.isfinite(p.bound) or p.status == "time_limit"


def test_invalid_time_limit_still_rejected(area_case):
    from yingji.exceptions import ValidationError

    with pytest.raises(ValidationError, match="'time_limit' parameter of fire.plan"):
        plan(**area_case, time_limit=0)
