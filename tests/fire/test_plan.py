"""fire.plan: hand-checked plans, verification by travel times, minimality, properties, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import yingji as yj
from yingji.exceptions import InfeasibleError, ValidationError
from yingji.fire import assess, load_standard, place_apparatus, plan


def test_area_limits_change_the_plan(area_case):
    p0 = plan(**area_case, area_limits=False)
    assert p0.new_stations == ["B"] and p0.optimal
    assert p0.after.stations.loc["s", "area_km2"] == pytest.approx(3.0)
    assert not bool(p0.after.stations.loc["s", "area_ok"])
    p = plan(**area_case)
    assert p.new_stations == ["A", "B"] and p.optimal and p.model == "lscp"
    assert p.gap <= 1e-6 and p.status == "optimal"
    s = p.after.stations
    assert s.loc["s", "area_km2"] == pytest.approx(2.0)
    assert s.loc["A", "area_km2"] == pytest.approx(2.0) and s.loc["B", "area_km2"] == pytest.approx(2.0)
    assert s["area_ok"].all()
    assert p.after.coverage_share == 1.0 and p.target_met and p.unreachable == []
    assert p.before.coverage_share == pytest.approx(4 / 6)
    assert p.cost == 15.0
    # the contract
    assert p.after.stations.index.tolist() == ["s", "A", "B"]
    cmp = p.compare()
    assert cmp.loc["coverage_share", "before"] == pytest.approx(4 / 6) and cmp.loc["coverage_share", "after"] == 1.0
    json.dumps(p.to_dict())
    assert "2 new station(s)" in p.summary()
    assert p.to_frame().index.tolist() == ["A", "B"]


def test_budget_switches_to_mclp(area_case):
    p = plan(**area_case, budget=1)
    # {B} breaks s's limit; {A} keeps s = {d0, d1} and reaches d0..d4
    assert p.model == "mclp" and p.new_stations == ["A"] and p.optimal
    assert p.after.covered_population == 500 and not p.target_met
    q = plan(**area_case, budget=1, area_limits=False)
    assert q.new_stations == ["B"] and q.after.covered_population == 600
    with pytest.raises(InfeasibleError, match="with at most 0 new station"):
        plan(**area_case, budget=0)


def test_tradeoff(area_case):
    p = plan(**area_case)
    tr = p.tradeoff
    assert tr["new_stations"].tolist() == [0, 1, 2]
    assert tr["covered_population"].tolist() == [400, 600, 600]
    assert tr["covered_share"].tolist() == pytest.approx([4 / 6, 1.0, 1.0])
    assert tr["area_ok"].tolist() == [False, False, True]
    assert tr["optimal"].all()
    assert plan(**area_case, tradeoff=False).tradeoff.empty


def test_ties_broken_by_cost_and_cost_objective():
    demand = pd.DataFrame({"population": [1.0, 1.0], "area_m2": [1e5, 1e5], "urban": [True, True]}, index=["a", "b"])
    stations = pd.DataFrame({"station_class": ["class1"]}, index=["S"])
    cands = pd.DataFrame({"cost": [100.0, 10.0, 10.0, 99.0]}, index=["big", "ca", "cb", "big2"])
    times = pd.DataFrame([[9, 1, 1, 9, 1], [9, 1, 9, 1, 1]], index=["a", "b"],
                         columns=["S", "big", "ca", "cb", "big2"], dtype=float)
    p = plan(stations=stations, demand=demand, candidates=cands, times=times, tradeoff=False)
    assert p.new_stations == ["big2"]  # one station; the cheaper of the two that cover both
    q = plan(stations=stations, demand=demand, candidates=cands, times=times, objective="cost", tradeoff=False)
    assert sorted(q.new_stations) == ["ca", "cb"] and q.cost == 20.0


def test_uncoverable_points_listed_not_raised():
    demand = pd.DataFrame({"population": [1.0, 1.0, 5.0], "area_m2": [1e5] * 3, "urban": [True, True, False]},
                          index=["a", "far", "rural"])
    stations = pd.DataFrame({"station_class": ["class1"]}, index=["S"])
    cands = pd.DataFrame({"cost": [1.0], "uses": ["fire"]}, index=["c"])
    times = pd.DataFrame([[9, 1], [9, 9], [20, 30]], index=demand.index, columns=["S", "c"], dtype=float)
    p = plan(stations=stations, demand=demand, candidates=cands, times=times)
    assert p.new_stations == ["c"] and p.unreachable == ["far"] and p.target_met
    assert p.after.uncovered == ["far"]


def test_candidates_filtered_by_uses():
    demand = pd.DataFrame({"population": [1.0], "area_m2": [1e5], "urban": [True]}, index=["a"])
    stations = pd.DataFrame({"station_class": ["class1"]}, index=["S"])
    cands = pd.DataFrame({"cost": [1.0, 1.0], "uses": ["shelter;depot", "team_base;fire"]}, index=["sh", "fi"])
    times = pd.DataFrame([[9, 1, 1]], index=["a"], columns=["S", "sh", "fi"], dtype=float)
    p = plan(stations=stations, demand=demand, candidates=cands, times=times)
    assert p.new_stations == ["fi"]


def test_partial_target(area_case):
    # 5/6 of the population: {A} alone keeps s within its limit and reaches d0..d4
    p = plan(**area_case, target=0.8)
    assert p.model == "partial" and p.new_stations == ["A"] and p.target_met


def test_backup_coverage(area_case):
    area_case["demand"]["risk"] = ["normal", "normal", "normal", "high", "normal", "normal"]
    # d3 high risk: within 3.5 min of s, A and B -> with area limits {A, B} already gives 3
    p = plan(**area_case, backup_minutes=2.5, area_limits=False)
    # within 2.5 min of d3 only A (2) -> one site: listed as short, needs A
    assert p.backup_short == ["d3"] and "A" in p.new_stations
    q = plan(**area_case, backup_minutes=3.0, area_limits=False)
    assert q.backup_short == [] and sorted(q.new_stations) == ["A", "B"]


def test_relaxed_limit_reported():
    demand = pd.DataFrame({"population": [1.0, 1.0], "area_m2": [3e6, 1e6], "urban": [True, True]}, index=["a", "b"])
    stations = pd.DataFrame({"station_class": ["small"]}, index=["S"])
    cands = pd.DataFrame({"cost": [1.0]}, index=["c"])
    times = pd.DataFrame([[1, 9], [9, 1]], index=["a", "b"], columns=["S", "c"], dtype=float)
    p = plan(stations=stations, demand=demand, candidates=cands, times=times)
    assert p.relaxed_limits == {"S": pytest.approx(3.0)} and p.new_stations == ["c"]
    assert "no plan can meet" in p.summary()


def test_infeasible_area_limits():
    # c alone would hold both points (6 km² > 2 km² small-station limit) and S cannot reach b
    demand = pd.DataFrame({"population": [1.0, 1.0], "area_m2": [1e6, 5e6], "urban": [True, True]}, index=["a", "b"])
    stations = pd.DataFrame({"station_class": ["class1"]}, index=["S"])
    cands = pd.DataFrame({"cost": [1.0], "station_class": ["small"]}, index=["c"])
    times = pd.DataFrame([[1, 0.5], [np.inf, 1]], index=["a", "b"], columns=["S", "c"], dtype=float)
    with pytest.raises(InfeasibleError, match="district-area limits"):
        plan(stations=stations, demand=demand, candidates=cands, times=times)
    p = plan(stations=stations, demand=demand, candidates=cands, times=times, area_limits=False)
    assert p.new_stations == ["c"]


def test_fleet(area_case):
    area_case["demand"]["risk"] = ["high"] * 3 + ["normal"] * 3
    p = plan(**area_case, fleet={"engines": 3, "ladders": 1})
    ap = p.apparatus
    assert ap is not None and ap.optimal
    assert ap.allocation["engines"].tolist() == [1, 1, 1]  # one engine per open station
    # one ladder at s reaches d0, d1, d2 (1, 2, 3 min): all high-risk points
    assert ap.allocation.loc["s", "ladders"] == 1 and ap.covered_share == 1.0
    json.dumps(ap.to_dict())
    assert "Apparatus" in p.summary()


def test_place_apparatus_direct(gb_case):
    ap = place_apparatus(**{k: gb_case[k] for k in ("demand", "stations", "times")}, engines=1, ladders=1,
                         targets="in_scope")
    # 1 engine, 1 ladder: both at s1 reach d1, d2 (300); both at s2 reach d2, d3 (200 + 300 = 500)
    assert ap.covered_weight == 500 and ap.allocation.loc["s2"].tolist() == [1, 1]
    assert ap.covered_share == pytest.approx(500 / 1050) and ap.not_covered == ["d1", "d4", "d6"]
    assert ap.allocation.loc["s3"].tolist() == [0, 0]  # logistics stations get none
    with pytest.raises(ValidationError, match="'engines' parameter of fire.place_apparatus"):
        place_apparatus(**{k: gb_case[k] for k in ("demand", "stations", "times")}, engines=-1, ladders=1)
    with pytest.raises(ValidationError, match="'targets' parameter"):
        place_apparatus(**{k: gb_case[k] for k in ("demand", "stations", "times")}, engines=1, ladders=1,
                        targets="all")
    with pytest.raises(ValidationError, match="'engine_minutes' parameter"):
        place_apparatus(**{k: gb_case[k] for k in ("demand", "stations", "times")}, engines=1, ladders=1,
                        engine_minutes=-3)
    with pytest.raises(ValidationError, match="'max_per_station' parameter"):
        place_apparatus(**{k: gb_case[k] for k in ("demand", "stations", "times")}, engines=1, ladders=1,
                        max_per_station=0)


def test_cbc_through_pulp(area_case):
    pulp = pytest.importorskip("pulp")
    if "PULP_CBC_CMD" not in pulp.listSolvers(onlyAvailable=True):
        pytest.skip("CBC not available")
    p = plan(**area_case, solver=pulp.PULP_CBC_CMD(msg=False), tradeoff=False)
    assert p.new_stations == ["A", "B"]


def test_sample_county_plan():
    c = yj.datasets.sample_county()
    p = yj.fire.plan(c, standard="GB51080", target=1.0, tradeoff=False, time_limit=60)
    assert p.n_new >= 1 and p.target_met
    assert set(c.stations.index) <= set(p.after.stations.index)
    # every in-scope point some site reaches is reached, checked on the network
    nodes = list(c.stations["node"]) + list(c.candidates.loc[p.new_stations, "node"])
    T = c.network.travel_times(nodes, c.demand["node"].tolist()).T
    urban = c.demand["urban"].to_numpy(bool)
    reached = T.min(axis=1) <= p.after.travel_budget + 1e-9
    not_reached = set(c.demand.index[urban & ~reached])
    assert not_reached == set(p.unreachable)
    lim = p.after.stations["area_limit_km2"].to_numpy(float)
    area = p.after.stations["area_km2"].to_numpy(float)
    ok = np.isnan(lim) | (area <= lim + 1e-9)
    assert set(p.after.stations.index[~ok]) <= set(p.relaxed_limits)


# ------------------------------------------------------------------ minimality and properties


def _random_plan_instance(seed, n=10, m_new=6):
    rng = np.random.default_rng(seed)
    n_st = 1
    xy_d = rng.uniform(0, 6, (n, 2))
    xy_c = np.r_[rng.uniform(0, 6, (n_st, 2)), xy_d[rng.choice(n, m_new, replace=False)]]
    T = np.round(np.sqrt(((xy_d[:, None] - xy_c[None]) ** 2).sum(-1)), 2)
    demand = pd.DataFrame({"population": rng.integers(1, 100, n).astype(float),
                           "area_m2": rng.uniform(0.2e6, 1.5e6, n), "urban": True},
                          index=[f"d{i}" for i in range(n)])
    stations = pd.DataFrame({"station_class": ["class1"]}, index=["S"])
    cands = pd.DataFrame({"cost": rng.uniform(1, 2, m_new)}, index=[f"c{j}" for j in range(m_new)])
    times = pd.DataFrame(T, index=demand.index, columns=["S", *cands.index])
    return dict(demand=demand, stations=stations, candidates=cands, times=times)


def _feasible(inst, open_ids, budget, area=True):
    """Independent check: coverage of every coverable point and district-area limits (class1: 7 km²)."""
    times = inst["times"]
    allc = times.to_numpy()
    coverable = allc.min(axis=1) <= budget + 1e-9
    T = times[open_ids].to_numpy()
    ok = ((T.min(axis=1) <= budget + 1e-9) | ~coverable).all()
    if area:
        a = assess(stations=pd.concat([inst["stations"], pd.DataFrame({"station_class": "class1"},
                                                                       index=[i for i in open_ids if i != "S"])]),
                   demand=inst["demand"], times=times[open_ids], turnout_minutes=5 - budget)
        ok &= bool(a.stations["area_ok"].all())
    return ok


@pytest.mark.parametrize("seed", range(4))
def test_plan_is_verified_and_minimal(seed):
    inst = _random_plan_instance(seed)
    budget = 2.0
    p = plan(**inst, turnout_minutes=3.0, tradeoff=False)
    assert p.optimal
    open_ids = ["S", *p.new_stations]
    assert _feasible(inst, open_ids, budget)
    for drop in p.new_stations:
        assert not _feasible(inst, [i for i in open_ids if i != drop], budget)


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1))
def test_tighter_standard_never_needs_fewer_stations(seed):
    inst = _random_plan_instance(seed, n=8, m_new=8)
    # every demand point has a co-located candidate (time 0): all coverable at any budget
    inst["times"] = inst["times"].copy()
    for i in range(8):
        inst["times"].iloc[i, 1 + i] = 0.0
    loose = plan(**inst, turnout_minutes=2.0, tradeoff=False)
    tight = plan(**inst, turnout_minutes=3.5, tradeoff=False)
    assert tight.n_new >= loose.n_new
    assert "S" in tight.after.stations.index and "S" in loose.after.stations.index  # fixed kept
    assert tight.target_met and loose.target_met and tight.after.coverage_share == 1.0


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1), st.integers(0, 3))
def test_mclp_budget_properties(seed, k):
    inst = _random_plan_instance(seed, n=8, m_new=5)
    p = plan(**inst, budget=k, turnout_minutes=3.0, area_limits=False)
    assert p.n_new <= max(k, 0) or p.model == "lscp"
    tr = p.tradeoff["covered_population"].to_numpy()
    assert (np.diff(tr) >= -1e-9).all()  # each added station never lowers the best coverage
    assert p.after.coverage_share >= p.before.coverage_share - 1e-12


# ------------------------------------------------------------------ errors


def test_plan_errors(area_case):
    with pytest.raises(ValidationError) as ei:
        plan(**area_case, target=1.5, budget=-1, objective="speed", cost_budget=-3, backup_minutes="x",
             time_limit=0)
    msg = str(ei.value)
    for name in ("'target'", "'budget'", "'objective'", "'cost_budget'", "'backup_minutes'", "'time_limit'"):
        assert name in msg


def test_plan_cost_objective_needs_costs(area_case):
    area_case["candidates"].loc["A", "cost"] = np.nan
    with pytest.raises(ValidationError, match="needs a 'cost' for every candidate.*'A'"):
        plan(**area_case, objective="cost")


def test_plan_candidate_id_clash_and_class(area_case):
    area_case["candidates"].index = ["s", "B"]
    area_case["times"].columns = ["s", "s", "B"]
    with pytest.raises(ValidationError, match="ids different from the stations'"):
        plan(**area_case)


def test_plan_logistics_candidate(area_case):
    area_case["candidates"]["station_class"] = ["logistics", "class1"]
    with pytest.raises(ValidationError, match="must not have classes without a district.*'A'"):
        plan(**area_case)


def test_plan_times_without_candidates(area_case):
    with pytest.raises(ValidationError, match="missing origin ids 'A', 'B'"):
        plan(**{**area_case, "times": area_case["times"][["s"]]})


def test_plan_no_candidates(area_case):
    p = plan(**{**area_case, "candidates": area_case["candidates"].iloc[:0]})
    assert p.new_stations == [] and p.model == "none"
    assert any("No candidate" in n for n in p.notes)


def test_cost_budget(area_case):
    p = plan(**area_case, cost_budget=12.0)  # A+B cost 15 > 12 -> best single station: A (feasible)
    assert p.model == "mclp" and p.new_stations == ["A"]


def test_nfpa_plan(area_case):
    p = plan(**area_case, standard=load_standard("NFPA1710"))
    assert p.after.travel_budget == pytest.approx(4.0)
    assert math.isnan(p.after.stations.loc["s", "area_limit_km2"])  # NFPA: no area limits
    assert p.new_stations == ["B"]


def test_highrise_counts_as_high_risk(gb_case):
    d = gb_case["demand"].assign(highrise=[False, False, False, True, False, False])
    ap = place_apparatus(demand=d, stations=gb_case["stations"], times=gb_case["times"], engines=2, ladders=1,
                         engine_minutes=5, ladder_minutes=5)
    # targets: d2 (risk high) and d4 (highrise); s2 reaches both within 5 min
    assert ap.allocation.loc["s2", "ladders"] == 1 and ap.covered_share == 1.0
    with pytest.raises(ValidationError, match="boolean 'highrise' column"):
        place_apparatus(demand=d.assign(highrise=["x"] * 6), stations=gb_case["stations"], times=gb_case["times"],
                        engines=2, ladders=1)


def test_time_limit_reports_gap_with_relaxation_bound(area_case, monkeypatch):
    """A solve stopped early: the plan keeps its solution and takes the bound of the plan without
    area limits (a relaxation) when that is stronger."""
    import dataclasses

    from yingji.fire import apparatus, model, planner

    real = model._solve

    def early(model, solver, time_limit, mip_gap, start=None, stages=None):
        sol = real(model, solver, time_limit, mip_gap, start=start, stages=stages)
        if model.name == "fire_min":
            first = dataclasses.replace(sol.stages[0], bound=0.0, gap=1.0, optimal=False, status="time_limit")
            return dataclasses.replace(sol, optimal=False, status="time_limit", stages=(first, *sol.stages[1:]))
        return sol

    for mod in (planner, model, apparatus):  # every fire module that looks _solve up
        monkeypatch.setattr(mod, "_solve", early)
    p = plan(**area_case, tradeoff=False)
    assert p.new_stations == ["A", "B"] and not p.optimal and p.status == "time_limit"
    # objective = new stations (count first); bound = the no-limit LSCP: one station (B)
    assert p.bound == 1.0 and p.objective == 2.0 and p.cost == 15.0
    assert p.gap == pytest.approx((p.objective - p.bound) / p.objective)
    assert p.stages[0].bound == 1.0 and not p.stages[0].optimal
    assert any("relaxation" in n for n in p.notes)


def test_time_limit_without_solution(area_case, monkeypatch):
    import dataclasses

    from yingji.fire import apparatus, model, planner

    real = model._solve

    def nothing(model, solver, time_limit, mip_gap, start=None, stages=None):
        sol = real(model, solver, time_limit, mip_gap, stages=stages)
        return dataclasses.replace(sol, x=None, objective=float("nan"), gap=float("inf"), optimal=False,
                                   status="time_limit")

    for mod in (planner, model, apparatus):  # every fire module that looks _solve up
        monkeypatch.setattr(mod, "_solve", nothing)
    p = plan(**area_case, tradeoff=False)
    assert p.new_stations == [] and p.status == "time_limit" and not p.optimal
    assert any("No feasible plan found" in n for n in p.notes)
