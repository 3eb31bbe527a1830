"""allocate and plan_bases share one deadline across their phases (the deadline is switched off by
hand through tests/fake_deadline.py; no wall-clock timing)."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import yingji.teams.allocation as allocation_mod
import yingji.teams.allocation_model as model_mod
import yingji.teams.bases as bases_mod
import yingji.teams.mutual_aid as aid_mod
from cases_teams import small_case
from fake_deadline import install, no_solution
from yingji.exceptions import ValidationError
from yingji.teams import allocate, is_feasible_allocation, plan_bases


def _enterprises(teams):
    ent = pd.DataFrame({"skill": ["flood", "flood", "flood", "rail_transit", "construction"]},
                       index=["E1", "E2", "E3", "E4", "E5"])
    et = pd.DataFrame([[5, 6, 7, 1, 50], [9, 9, 9, 1, 40], [1, 1, 1, 1, 1]], index=teams.index, columns=ent.index)
    return ent, et


def test_mutual_aid_without_a_point_is_a_greedy_matching(monkeypatch):
    teams, hazards, times = small_case()
    ent, et = _enterprises(teams)
    exact = allocate(teams=teams, hazards=hazards, times=times, enterprises=ent, enterprise_times=et,
                     max_agreements=1, aid_minutes=30)
    real = aid_mod.solve

    def aid_times_out(model, **kw):
        return no_solution(model) if model.name == "mutual_aid" else real(model, **kw)

    # the allocation MIP and the mutual-aid LP look up solve in their own modules
    monkeypatch.setattr(model_mod, "solve", aid_times_out)
    monkeypatch.setattr(aid_mod, "solve", aid_times_out)
    al = allocate(teams=teams, hazards=hazards, times=times, enterprises=ent, enterprise_times=et,
                  max_agreements=1, aid_minutes=30)
    assert al.status == "time_limit" and not al.optimal
    # the allocation itself is untouched; the matching is feasible (one team per enterprise,
    # at most max_agreements per team, within aid_minutes, with the skill)
    pd.testing.assert_frame_equal(al.assignments, exact.assignments)
    aid = al.mutual_aid
    assert aid["enterprise"].is_unique and aid["team"].value_counts().max() <= 1
    assert (aid["minutes"] <= 30).all()
    assert len(aid) == len(exact.mutual_aid)  # nearest-first reaches the same count here
    assert set(al.unassigned_enterprises["enterprise"]) == set(ent.index) - set(aid["enterprise"])


def test_allocate_limits_shrink_with_the_time_left(monkeypatch):
    teams, hazards, times = small_case()
    ent, et = _enterprises(teams)
    D = install(monkeypatch, allocation_mod)  # allocate makes its Deadline there
    real = model_mod.solve
    limits = []

    def record_then_expire(model, **kw):
        limits.append((model.name, kw["time_limit"]))
        sol = real(model, **kw)
        D.expire()
        return sol

    monkeypatch.setattr(model_mod, "solve", record_then_expire)  # the allocation MIP
    monkeypatch.setattr(aid_mod, "solve", record_then_expire)  # the mutual-aid LP
    al = allocate(teams=teams, hazards=hazards, times=times, enterprises=ent, enterprise_times=et,
                  time_limit=10.0)
    assert limits[0] == ("team_allocation", pytest.approx(9.0))  # a tenth kept for the aid LP
    assert limits[1][0] == "mutual_aid" and limits[1][1] < 0.1  # only what was left
    assert is_feasible_allocation(al, teams, hazards, times)


def test_plan_bases_phases_share_the_deadline(monkeypatch):
    teams, hazards, times = small_case()
    # as in test_teams_bases_and_errors: C2 closes H5's reach gap, C3 closes H4's
    cand = pd.DataFrame({"cost": [5.0, 3.0, 4.0, 1.0], "uses": ["team_base", "fire;team_base", "team_base", "fire"]},
                        index=["C1", "C2", "C3", "C4"])
    ct = pd.DataFrame([[50, 50, 50, 70, 5], [50, 50, 50, 70, 8], [50, 50, 50, 30, 40], [1, 1, 1, 1, 1]],
                      index=cand.index, columns=hazards.index, dtype=float)
    exact = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct)
    D = install(monkeypatch, bases_mod, allocation_mod)  # plan_bases and allocate make their Deadlines there
    real = bases_mod.allocate
    calls = []

    def allocate_then_expire(*a, **kw):
        calls.append(kw["time_limit"])
        out = real(*a, **kw)
        D.expire()  # the "before" allocation uses up the time
        return out

    monkeypatch.setattr(bases_mod, "allocate", allocate_then_expire)  # where plan_bases looks it up
    bp = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct,
                    time_limit=10.0)
    assert len(calls) == 2 and all(isinstance(c, D) for c in calls)  # one deadline, not 10 s each
    # the set cover still runs (briefly) and its answer is valid on this small instance
    assert bp.status in ("optimal", "time_limit")
    if bp.optimal:
        assert bp.new_bases == exact.new_bases


def test_tiny_limit_returns_quickly():
    teams, hazards, times = small_case()
    t0 = time.perf_counter()
    al = allocate(teams=teams, hazards=hazards, times=times, time_limit=0.05)
    assert time.perf_counter() - t0 < 0.05 + 5  # generous sanity check, not a timing test
    assert al.status in ("optimal", "time_limit")
    assert is_feasible_allocation(al, teams, hazards, times)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "soon"])
def test_bad_time_limit(bad):
    teams, hazards, times = small_case()
    with pytest.raises(ValidationError, match="'time_limit' parameter of allocate"):
        allocate(teams=teams, hazards=hazards, times=times, time_limit=bad)
    with pytest.raises(ValidationError, match="'time_limit' parameter of plan_bases"):
        plan_bases(teams=teams, hazards=hazards, candidates=pd.DataFrame({"cost": [1.0]}, index=["C"]),
                   times=times, time_limit=bad)
