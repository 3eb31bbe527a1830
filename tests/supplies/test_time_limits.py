"""Supply assessment, pre-positioning and transfers share one deadline across their phases (the
deadline is switched off by hand through tests/fake_deadline.py; no wall-clock timing).

The fakes are patched into the submodule of yingji.supplies that looks each name up:
``Deadline`` and ``solve_lexicographic`` in ``transfers`` (transfer), ``Deadline`` in
``prepositioning`` (preposition makes the deadline every phase shares) and ``stochastic``
(Benders, the scenario LPs), ``solve`` and ``_solve_subproblem`` in ``stochastic`` (every MIP and
LP of the two-stage programme), ``solve`` in ``assessment`` (the reach LP of assess)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from yingji.supplies import assessment, prepositioning, stochastic, transfers
from cases_supplies import township_times, toy_county
from fake_deadline import install, no_solution
from yingji.exceptions import SolverError, ValidationError
from yingji.supplies import Scenarios, assess, preposition, transfer


def scen():
    d = []
    for s, mult in (("s1", 1.0), ("s2", 3.0), ("s3", 0.2)):
        for t, n in (("A", 300), ("B", 200), ("C", 100)):
            d.append({"scenario": s, "township": t, "item": "water", "quantity": n * 45 * mult})
            d.append({"scenario": s, "township": t, "item": "kit", "quantity": n * mult})
    return Scenarios(pd.Series({"s1": 0.5, "s2": 0.2, "s3": 0.3}), pd.DataFrame(d), closed_depots={"s2": ["DC"]})


def _transfer_case():
    demands = pd.DataFrame({"destination": ["d3", "d3", "d4"], "item": ["water", "kit", "water"],
                            "quantity": [6000.0, 500.0, 1000.0], "priority": [1, 1, 5]})
    times = pd.DataFrame([[60, 200], [50, 5]], index=["DA", "DC"], columns=["d3", "d4"])
    return demands, times


def _check_transfer(tp, demands):
    shipped = tp.shipments.groupby(["destination", "item"])["quantity"].sum()
    unmet = tp.unmet.groupby(["destination", "item"])["quantity"].sum()
    need = demands.groupby(["destination", "item"])["quantity"].sum()
    for k, q in need.items():
        assert shipped.get(k, 0.0) + unmet.get(k, 0.0) == pytest.approx(q)
    total = tp.shipments.groupby(["depot", "item"])["quantity"].sum()
    assert total.get(("DA", "water"), 0) <= 5000 + 1e-6 and total.get(("DC", "water"), 0) <= 3000 + 1e-6


def test_transfer_time_search_cut_keeps_a_valid_plan(monkeypatch):
    c = toy_county()
    demands, times = _transfer_case()
    exact = transfer(c, demands, times=times, objective="time", as_of="2026-12-01")
    D = install(monkeypatch, transfers)
    real = transfers.solve_lexicographic

    def solve_then_expire(model, **kw):
        sol = real(model, **kw)
        D.expire()  # the first LP uses up the time: the search over arrival times is cut
        return sol

    monkeypatch.setattr(transfers, "solve_lexicographic", solve_then_expire)
    tp = transfer(c, demands, times=times, objective="time", as_of="2026-12-01")
    assert tp.status == "time_limit" and not tp.optimal
    _check_transfer(tp, demands)
    # the same demand is met; the latest arrival is only an upper bound on the optimum
    assert tp.unmet["quantity"].sum() == pytest.approx(exact.unmet["quantity"].sum())
    assert tp.max_minutes >= exact.max_minutes - 1e-9
    assert tp.max_minutes == pytest.approx(tp.shipments["minutes"].max())


def test_transfer_without_a_point_ships_nothing(monkeypatch):
    c = toy_county()
    demands, times = _transfer_case()
    monkeypatch.setattr(transfers, "solve_lexicographic", lambda model, **kw: no_solution(model))
    tp = transfer(c, demands, times=times, as_of="2026-12-01")
    assert tp.status == "time_limit" and not tp.optimal
    assert len(tp.shipments) == 0
    assert tp.unmet["quantity"].sum() == pytest.approx(demands["quantity"].sum())


def test_benders_stops_between_iterations_with_a_valid_plan(monkeypatch):
    c = toy_county()
    exact = preposition(c, scen(), times=township_times(), method="benders", vss=False, max_iter=300)
    D = install(monkeypatch, prepositioning, stochastic)
    real = stochastic.solve

    def master_then_expire(model, **kw):
        sol = real(model, **kw)
        if model.name == "benders_master":
            D.expire()  # the first master solve uses up the time
        return sol

    monkeypatch.setattr(stochastic, "solve", master_then_expire)
    p = preposition(c, scen(), times=township_times(), method="benders", vss=False, time_limit=10.0)
    assert p.iterations == 2  # iteration 2 found no time left before evaluating
    assert p.status == "time_limit" and not p.optimal
    # the plan is the one evaluated in iteration 1; its cost is exact, the bound valid
    assert p.bound <= exact.expected_cost + 1e-6 * abs(exact.expected_cost)
    assert p.expected_cost >= exact.expected_cost - 1e-6 * abs(exact.expected_cost)
    prob = np.array([0.5, 0.2, 0.3])
    assert p.expected_cost == pytest.approx(p.first_stage_cost + float(prob @ p.scenario_costs.to_numpy()))


def test_benders_cut_inside_an_evaluation_uses_no_partial_cuts(monkeypatch):
    c = toy_county()
    D = install(monkeypatch, prepositioning, stochastic)
    real = stochastic._solve_subproblem
    n = {"calls": 0}

    def first_then_expire(args):
        n["calls"] += 1
        out = real(args)
        D.expire()  # the deadline passes after the first scenario LP
        return out

    monkeypatch.setattr(stochastic, "_solve_subproblem", first_then_expire)
    with pytest.raises(SolverError, match="no first-stage decision within the time limit") as ei:
        preposition(c, scen(), times=township_times(), method="benders", vss=False, time_limit=10.0)
    assert ei.value.status == "time_limit"
    assert n["calls"] == 3  # the other scenarios came back empty at once


def test_vss_skipped_when_no_time_is_left(monkeypatch):
    c = toy_county()
    D = install(monkeypatch, prepositioning, stochastic)
    real = stochastic.solve

    def solve_then_expire(model, **kw):
        sol = real(model, **kw)
        D.expire()
        return sol

    monkeypatch.setattr(stochastic, "solve", solve_then_expire)
    p = preposition(c, scen(), times=township_times(), method="extensive", vss=True, time_limit=10.0)
    assert np.isnan(p.vss)
    assert p.status in ("optimal", "time_limit")


def test_tiny_limit_returns_quickly():
    c = toy_county()
    t0 = time.perf_counter()
    try:
        p = preposition(c, scen(), times=township_times(), time_limit=0.05)
        assert p.status in ("optimal", "time_limit") and p.gap >= 0
    except SolverError as exc:  # no first-stage decision in 0.05 s is a documented outcome
        assert exc.status == "time_limit"
    assert time.perf_counter() - t0 < 0.05 + 5  # generous sanity check, not a timing test


@pytest.mark.parametrize("bad", [0, -2.0, "soon"])
def test_bad_time_limit(bad):
    c = toy_county()
    demands, times = _transfer_case()
    with pytest.raises(ValidationError, match="'time_limit' parameter of transfer"):
        transfer(c, demands, times=times, time_limit=bad)
    with pytest.raises(ValidationError, match="'time_limit' parameter of preposition"):
        preposition(c, scen(), times=township_times(), time_limit=bad)
    with pytest.raises(ValidationError, match="'time_limit' parameter of assess"):
        assess(c, times=township_times(), time_limit=bad)


def test_assess_reach_share_unknown_when_the_lp_runs_out_of_time(monkeypatch):
    c = toy_county()
    exact = assess(c, times=township_times())
    assert np.isfinite(exact.reach_share)
    monkeypatch.setattr(assessment, "solve", lambda model, **kw: no_solution(model))
    a = assess(c, times=township_times())
    assert np.isnan(a.reach_share)  # not a silent 0
    pd.testing.assert_frame_equal(a.items, exact.items)  # the stock tables need no solve
