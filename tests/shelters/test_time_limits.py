"""Shelter assignment, assessment and plan share one deadline across their phases (the deadline is
switched off by hand through tests/fake_deadline.py; no wall-clock timing)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import yingji.shelters.assessment as assessment
import yingji.shelters.model as plan_model
import yingji.shelters.planner as planner
import yingji.siting.assignment as assignment
from fake_deadline import install, no_solution
from yingji.shelters import assign_residents, is_feasible_assignment, plan

#: Where the shelter code looks up ``Deadline`` (and, for assignment and model, ``solve``) since
#: shelters became a package and the assignment moved to the siting layer.
DEADLINE_MODULES = (assignment, assessment, plan_model, planner)
SOLVE_MODULES = (assignment, plan_model)


def _arrays(seed=0, n=30, m=6):
    rng = np.random.default_rng(seed)
    P = rng.integers(0, 40, n).astype(float)
    K = rng.integers(10, 80, m).astype(float)
    D = rng.uniform(0, 1500, (n, m))
    D[rng.random(D.shape) < 0.2] = np.inf
    return P, K, D, 1000.0


def test_lp_without_a_point_falls_back_to_greedy(monkeypatch):
    P, K, D, r = _arrays()
    monkeypatch.setattr(assignment, "solve", lambda model, **kw: no_solution(model))
    res = assign_residents(P, K, D, r, time_limit=1.0)
    assert res.status == "time_limit" and not res.optimal
    assert is_feasible_assignment(res.flow, P, K, D, r)
    assert res.sheltered > 0


def test_no_time_left_skips_the_lp(monkeypatch):
    P, K, D, r = _arrays(1)
    D_ = install(monkeypatch, *DEADLINE_MODULES)
    D_.expire()
    called = []
    for mod in SOLVE_MODULES:
        monkeypatch.setattr(mod, "solve", lambda model, **kw: called.append(1))
    res = assign_residents(P, K, D, r, time_limit=1.0)
    assert called == []  # the LP's setup alone can take seconds on a big instance
    assert res.status == "time_limit" and is_feasible_assignment(res.flow, P, K, D, r)


def test_lexicographic_skips_its_second_lp_when_time_is_up(monkeypatch):
    P, K, D, r = _arrays(2)
    D_ = install(monkeypatch, *DEADLINE_MODULES)
    real = assignment.solve
    names = []

    def solve_then_expire(model, **kw):
        names.append(model.name)
        sol = real(model, **kw)
        D_.expire()
        return sol

    monkeypatch.setattr(assignment, "solve", solve_then_expire)
    res = assign_residents(P, K, D, r, method="lexicographic", time_limit=5.0)
    assert len(names) == 1 and res.status == "time_limit"
    assert is_feasible_assignment(res.flow, P, K, D, r)
    # the first stage is the most-people LP: nobody is left out who could be sheltered
    best = assign_residents(P, K, D, r, time_limit=5.0)
    assert res.sheltered == pytest.approx(best.sheltered)


def _tables(seed, n, e, q):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"population": rng.integers(1, 40, n).astype(float)},
                          index=[f"d{i}" for i in range(n)])
    sh = pd.DataFrame({"shelter_class": ["emergency"] * e, "area_m2": rng.integers(0, 30, e) * 1.5},
                      index=[f"s{i}" for i in range(e)])
    ca = pd.DataFrame({"shelter_class": ["emergency"] * q, "area_m2": rng.integers(10, 60, q) * 1.5,
                       "cost": rng.integers(1, 9, q).astype(float), "uses": "shelter"},
                      index=[f"c{i}" for i in range(q)])
    D = rng.integers(0, 600, (n, e + q)).astype(float)
    dist = pd.DataFrame(D, index=demand.index, columns=list(sh.index) + list(ca.index))
    return dict(demand=demand, shelters=sh, candidates=ca, distances=dist)


def test_plan_leaves_out_curve_points_when_time_is_up(monkeypatch):
    kw = _tables(3, 12, 1, 4)
    full = plan(**kw, curve_points=3, time_limit=30)
    assert len(full.tradeoff) == 4
    D_ = install(monkeypatch, *DEADLINE_MODULES)
    real = planner._solve_plan

    def main_then_expire(args):
        out = real(args)
        D_.expire()  # the main MIPs use up the time
        return out

    monkeypatch.setattr(planner, "_solve_plan", main_then_expire)  # plan looks it up there
    with pytest.warns(RuntimeWarning, match="left no time for 3 of 3 trade-off points"):
        p = plan(**kw, curve_points=3, time_limit=30)
    # the plan itself is the same; the curve keeps only the plan's own point, and says so
    assert p.new_shelters == full.new_shelters and p.cost == pytest.approx(full.cost)
    assert len(p.tradeoff) == 1
    assert full.status == "optimal" and p.status == "time_limit"


def test_plan_tiny_limit_is_valid():
    kw = _tables(4, 15, 1, 5)
    t0 = time.perf_counter()
    p = plan(**kw, curve_points=2, time_limit=0.05)
    assert time.perf_counter() - t0 < 0.05 + 5  # generous sanity check, not a timing test
    assert p.status in ("optimal", "time_limit")
    assert p.gap >= 0 and (p.optimal or p.status == "time_limit")


def test_plan_with_no_time_left_returns_its_start(monkeypatch):
    kw = _tables(5, 12, 1, 4)
    D_ = install(monkeypatch, *DEADLINE_MODULES)
    D_.expire()  # e.g. the distances took the whole limit
    called = []
    for mod in SOLVE_MODULES:  # the assignment LPs (siting) and the plan MIPs (shelters.model)
        monkeypatch.setattr(mod, "solve", lambda model, **k: called.append(model.name))
    p = plan(**kw, curve_points=2, time_limit=5)
    assert called == []  # no LP or MIP setup once the time is up
    assert p.status == "time_limit" and not p.optimal
    # the greedy flow with every candidate open is the start: feasible, with a valid bound
    assert p.sheltered == pytest.approx(p.target)
    assert p.objective == pytest.approx(p.cost)
    assert p.bound <= p.objective + 1e-9 and p.gap >= 0
    assert len(p.tradeoff) == 1
