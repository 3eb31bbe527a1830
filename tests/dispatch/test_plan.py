"""Tests of yingji.dispatch.plan and is_feasible_dispatch."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naive_dispatch import brute_force_plan
from yingji import dispatch
from yingji.dispatch import DispatchPlan, dispatch_problems, is_feasible_dispatch, plan
from yingji.exceptions import ValidationError

TYPES = ["engine", "ladder", "ambulance"]


def _instance(seed, n_inc, n_units, n_types=2, scarce=False, with_targets=True, with_inf=True, crew=False):
    rng = np.random.default_rng(seed)
    types = TYPES[:n_types]
    units = pd.DataFrame({"type": rng.choice(types, n_units)}, index=[f"U{u}" for u in range(n_units)])
    hi = 3 if scarce else 2
    inc = pd.DataFrame({t: rng.integers(0, hi, n_inc) for t in types}, index=[f"I{i}" for i in range(n_inc)])
    inc["weight"] = rng.integers(1, 4, n_inc).astype(float)
    if with_targets:
        inc["target_minutes"] = rng.choice([4.0, 8.0, np.nan], n_inc)
    T = rng.integers(1, 12, (n_inc, n_units)).astype(float)
    if with_inf:
        T[rng.random(T.shape) < 0.15] = np.inf
    if crew:
        units["crew"] = rng.integers(1, 6, n_units)
        inc["crew"] = rng.integers(0, 10, n_inc)
    return inc, units, pd.DataFrame(T, index=inc.index, columns=units.index)


def _brute(inc, units, times, busy=(), objective="total", strict=False, crew=False):
    # every required type, also one the fleet lacks (its units are all missing)
    types = [t for t in TYPES if t in inc.columns]
    need = inc[types].to_numpy(dtype=np.int64)
    w = inc["weight"].to_numpy(float) if "weight" in inc else np.ones(len(inc))
    tg = inc["target_minutes"].to_numpy(float) if "target_minutes" in inc else np.full(len(inc), np.inf)
    tg = np.where(np.isnan(tg), np.inf, tg)
    tpos = np.array([types.index(t) if t in types else -1 for t in units["type"]])
    avail = ~units.index.isin(list(busy))
    return brute_force_plan(need, w, tg, times.to_numpy(float), tpos, avail, objective=objective, strict=strict,
                            crew_need=inc["crew"].to_numpy(float) if crew else None,
                            unit_crew=units["crew"].to_numpy(float) if crew else None)


def _key(dp: DispatchPlan, objective, crew=False):
    s = dp.stages
    k = [round(s["missing"], 6)]
    if crew:
        k.append(round(s["crew_missing"], 6))
    k.append(round(s["late"], 6))
    if objective == "latest":
        k.append(round(s["latest"] if np.isfinite(s["latest"]) else 0.0, 6))
    k.append(round(s["total"], 6))
    return tuple(k)


def test_reference_example():
    incidents = pd.DataFrame({"engine": [2, 1], "ladder": [1, 0], "target_minutes": [5.0, 5.0]},
                             index=["fire1", "fire2"])
    units = pd.DataFrame({"type": ["engine", "engine", "engine", "ladder"]}, index=["E1", "E2", "E3", "L1"])
    times = pd.DataFrame([[3.0, 5.0, 9.0, 4.0], [6.0, 2.0, 4.0, 7.0]], index=incidents.index, columns=units.index)
    for method in ("assignment", "mip"):
        dp = plan(incidents, units, times, method=method)
        got = set(map(tuple, dp.assignments[["incident", "unit"]].to_numpy().tolist()))
        assert got == {("fire1", "E1"), ("fire1", "E2"), ("fire2", "E3"), ("fire1", "L1")}
        assert dp.total_weighted_minutes == 16.0
        assert dp.latest_minutes == 5.0
        assert dp.late_units == 0 and dp.missing_units == 0
        assert dp.shortfalls.empty
        assert list(dp.shortfalls.columns) == ["incident", "type", "needed", "sent", "missing", "reason"]
        assert list(dp.assignments.columns[:4]) == ["incident", "unit", "type", "minutes"]
        assert dp.optimal and dp.status == "optimal"
    # latest arrival: fire1 E1+E2 (latest 5) is already optimal; with target 4 for fire1 the plan
    # keeps E2 late rather than missing
    incidents.loc["fire1", "target_minutes"] = 4.0
    dp = plan(incidents, units, times, objective="latest")
    assert dp.late_units == 1 and dp.missing_units == 0
    dp = plan(incidents, units, times, strict_targets=True)
    assert dp.missing_units == 1
    row = dp.shortfalls.iloc[0]
    assert (row["incident"], row["type"], row["missing"]) == ("fire1", "engine", 1)


def test_shortfalls_named_when_units_are_scarce():
    inc = pd.DataFrame({"engine": [3, 2], "rescue": [1, 0], "weight": [2.0, 1.0]}, index=["big", "small"])
    units = pd.DataFrame({"type": ["engine", "engine", "engine", "rescue"]}, index=list("ABCR"))
    times = pd.DataFrame(1.0, index=inc.index, columns=units.index)
    dp = plan(inc, units, times, busy=["R"])
    sf = dp.shortfalls.set_index(["incident", "type"])["missing"].to_dict()
    # weight 2 incident gets all three engines; small misses 2, big misses its rescue unit
    assert sf == {("small", "engine"): 2, ("big", "rescue"): 1}
    assert dp.missing_units == 3
    assert "R" not in set(dp.assignments["unit"])
    by = dp.by_incident()
    assert by.loc["big", "sent"] == 3 and by.loc["small", "missing"] == 2
    assert "shortfalls" in dp.summary()


@given(seed=st.integers(0, 100_000), n_inc=st.integers(1, 3), n_units=st.integers(1, 6),
       n_types=st.integers(1, 2), objective=st.sampled_from(["total", "latest"]),
       strict=st.booleans(), scarce=st.booleans(), n_busy=st.integers(0, 2))
@settings(max_examples=40)
def test_plan_agrees_with_brute_force(seed, n_inc, n_units, n_types, objective, strict, scarce, n_busy):
    inc, units, times = _instance(seed, n_inc, n_units, n_types, scarce)
    busy = list(units.index[:n_busy])
    key, _ = _brute(inc, units, times, busy, objective, strict)
    for method in ("assignment", "mip"):
        dp = plan(inc, units, times, objective=objective, busy=busy, strict_targets=strict, method=method)
        assert _key(dp, objective) == pytest.approx(key, abs=1e-6), method
        assert is_feasible_dispatch(inc, units, times, dp, busy=busy, strict_targets=strict)
        # shortfalls = needed - sent, recomputed independently
        sent = dp.assignments.groupby(["incident", "type"]).size()
        for t in [c for c in TYPES if c in inc.columns]:
            for i in inc.index:
                miss = int(inc.loc[i, t]) - int(sent.get((i, t), 0))
                rows = dp.shortfalls[(dp.shortfalls["incident"] == i) & (dp.shortfalls["type"] == t)]
                assert (miss > 0) == (len(rows) == 1)
                if miss > 0:
                    assert int(rows["missing"].iloc[0]) == miss


@given(seed=st.integers(0, 100_000), n_inc=st.integers(1, 3), n_units=st.integers(1, 5))
@settings(max_examples=15)
def test_crew_mip_agrees_with_brute_force(seed, n_inc, n_units):
    inc, units, times = _instance(seed, n_inc, n_units, 2, crew=True)
    key, _ = _brute(inc, units, times, crew=True)
    dp = plan(inc, units, times)
    assert dp.method.startswith("mip")
    assert _key(dp, "total", crew=True) == pytest.approx(key, abs=1e-6)
    assert is_feasible_dispatch(inc, units, times, dp)


def test_crew_shortfall_reported_in_persons():
    inc = pd.DataFrame({"engine": [1], "crew": [8]}, index=["f"])
    units = pd.DataFrame({"type": ["engine", "engine"], "crew": [4, 6]}, index=["E1", "E2"])
    times = pd.DataFrame([[1.0, 5.0]], index=["f"], columns=["E1", "E2"])
    dp = plan(inc, units, times)
    assert dp.assignments["unit"].tolist() == ["E2"]  # more crew beats arriving sooner
    row = dp.shortfalls.iloc[0]
    assert (row["type"], row["needed"], row["sent"], row["missing"]) == ("crew", 8.0, 6.0, 2.0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cbc_through_pulp_agrees():
    pulp = pytest.importorskip("pulp")
    if "PULP_CBC_CMD" not in pulp.listSolvers(onlyAvailable=True):
        pytest.skip("CBC not available")
    inc, units, times = _instance(7, 3, 8, 2, crew=True)
    a = plan(inc, units, times, method="mip")
    b = plan(inc, units, times, method="mip", solver=pulp.PULP_CBC_CMD(msg=False))
    assert "pulp" in b.method
    assert _key(a, "total", True) == pytest.approx(_key(b, "total", True), abs=1e-6)


def test_network_times_and_ndarray_times():
    class Net:
        def travel_times(self, origins, destinations):
            return np.abs(np.subtract.outer(np.asarray(origins, float), np.asarray(destinations, float)))

    inc = pd.DataFrame({"engine": [1, 1], "node": [0, 10]}, index=["a", "b"])
    units = pd.DataFrame({"type": ["engine", "engine"], "node": [9, 1]}, index=["E1", "E2"])
    dp = plan(inc, units, Net())
    assert dict(zip(dp.assignments["incident"], dp.assignments["unit"])) == {"a": "E2", "b": "E1"}
    dp2 = plan(inc, units, np.array([[9.0, 1.0], [1.0, 9.0]]))
    assert dp2.total_weighted_minutes == dp.total_weighted_minutes == 2.0


def test_outputs_serialise():
    inc, units, times = _instance(3, 3, 6)
    dp = plan(inc, units, times)
    d = dp.to_dict()
    json.dumps(d)
    assert d["status"] == "optimal"
    assert dp.to_frame().equals(dp.assignments)
    assert "Dispatch" in dp.summary()


def test_live_size_is_fast_enough():
    # tens of incidents x hundreds of units: the assignment method (no wall-clock assert here;
    # benchmarks/suites/dispatch.py measures the time) must agree with the MIP
    inc, units, times = _instance(11, 30, 300, 3)
    a = plan(inc, units, times, method="assignment")
    b = plan(inc, units, times, method="mip")
    assert _key(a, "total") == pytest.approx(_key(b, "total"), rel=1e-9, abs=1e-6)


def test_checker_finds_every_problem():
    inc = pd.DataFrame({"engine": [1, 0], "ladder": [0, 1], "target_minutes": [2.0, np.nan]}, index=["f", "g"])
    units = pd.DataFrame({"type": ["engine", "engine", "ladder"]}, index=["E1", "E2", "L1"])
    times = pd.DataFrame([[3.0, 1.0, 2.0], [np.inf, 1.0, 2.0]], index=inc.index, columns=units.index)
    bad = pd.DataFrame({
        "incident": ["f", "f", "g", "g", "zz", "f"],
        "unit": ["E1", "E2", "E1", "L1", "E1", "nope"],
        "minutes": [3.0, 1.0, 0.0, 9.0, 0.0, 0.0],
    })
    probs = dispatch_problems(inc, units, times, bad, busy=["L1"], strict_targets=True)
    text = "\n".join(probs)
    for frag in ["gets 2 units of type 'engine'", "sent twice", "needs no unit of type 'engine'",
                 "cannot reach", "is busy", "unknown incident 'zz'", "unknown unit 'nope'",
                 "after its target", "times says"]:
        assert frag in text, frag
    assert not is_feasible_dispatch(inc, units, times, bad)
    assert dispatch_problems(inc, units, times, pd.DataFrame({"x": [1]})) != []


# ---------------------------------------------------------------- validation (one per raise)
def _small():
    inc = pd.DataFrame({"engine": [1, 2]}, index=["a", "b"])
    units = pd.DataFrame({"type": ["engine", "ladder"]}, index=["E1", "L1"])
    times = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=inc.index, columns=units.index)
    return inc, units, times


def test_bad_objective_method_time_limit():
    inc, units, times = _small()
    with pytest.raises(ValidationError, match="'objective' parameter of plan"):
        plan(inc, units, times, objective="fastest")
    with pytest.raises(ValidationError, match="'method' parameter of plan"):
        plan(inc, units, times, method="greedy")
    with pytest.raises(ValidationError, match="'time_limit' parameter of plan"):
        plan(inc, units, times, time_limit=-1)
    with pytest.raises(ValidationError, match="'time_limit' parameter of plan"):
        plan(inc, units, times, time_limit="soon")


def test_bad_tables():
    inc, units, times = _small()
    with pytest.raises(ValidationError, match="'incidents' parameter of plan must be a DataFrame"):
        plan([1, 2], units, times)
    with pytest.raises(ValidationError, match="'units' parameter of plan must be a DataFrame"):
        plan(inc, units.drop(columns="type"), times)
    bad = inc.copy()
    bad["engine"] = [1.5, -1]
    bad["weight"] = [0.0, 1.0]
    bad["target_minutes"] = [-1.0, 3.0]
    with pytest.raises(ValidationError, match="3 problems") as ei:
        plan(bad, units, times)
    text = str(ei.value)
    assert "whole numbers of units. Got " in text and "at incidents 'a', 'b' instead" in text
    assert "'weight' column" in text and "'target_minutes' column" in text
    dup = pd.concat([inc, inc.iloc[:1]])
    with pytest.raises(ValidationError, match="duplicate ids: 'a'"):
        plan(dup, units, times)


def test_bad_times_busy_types():
    inc, units, times = _small()
    t2 = times.copy()
    t2.iloc[1, 0] = -2.0
    with pytest.raises(ValidationError, match="NaN or negative values for incidents 'b'"):
        plan(inc, units, t2)
    with pytest.raises(ValidationError, match="missing origin ids 'L1' and destination ids none"):
        plan(inc, units, times[["E1"]])
    with pytest.raises(ValidationError, match=r"shape \(n_incidents, n_units\)"):
        plan(inc, units, np.ones((3, 3)))
    with pytest.raises(ValidationError, match="'times' parameter of plan must be given: plan needs travel times"):
        plan(inc, units, None)
    with pytest.raises(ValidationError, match="'busy' parameter of plan names units that are not in 'units': 'X9'"):
        plan(inc, units, times, busy=["X9"])
    with pytest.raises(ValidationError, match="no column in 'incidents'"):
        plan(inc, units, times, types=["ladder"])
    with pytest.raises(ValidationError, match="needs a 'node' column"):

        class Net:
            def travel_times(self, o, d):  # pragma: no cover - never reached
                raise AssertionError

        plan(inc, units, Net())


def test_bad_crew_inputs():
    inc, units, times = _small()
    with pytest.raises(ValidationError, match="'units' has no 'crew' column"):
        plan(inc.assign(crew=[4, 4]), units, times)
    with pytest.raises(ValidationError, match="'crew' column of 'incidents'"):
        plan(inc.assign(crew=[-4, 4]), units.assign(crew=4), times)
    with pytest.raises(ValidationError, match="'crew' column of 'units'"):
        plan(inc.assign(crew=[4, 4]), units.assign(crew=[-1, 3]), times)
    with pytest.raises(ValidationError, match="must be 'mip' or 'auto' when incidents need crew"):
        plan(inc.assign(crew=[4, 4]), units.assign(crew=4), times, method="assignment")


def test_mip_time_limit_without_solution_returns_the_greedy_plan(monkeypatch):
    """No solver point in the time: the fastest-first greedy plan, marked time_limit (it was a
    SolverError before; a plan with honest status is what the time-limit rule asks for)."""
    inc, units, times = _small()
    from yingji.solvers import Solution

    def fake_solve(model, **kw):
        return Solution(None, float("nan"), float("nan"), float("inf"), "time_limit", False, "kTimeLimit", 0.0)

    monkeypatch.setattr("yingji.dispatch.mip_method.solve", fake_solve)
    dp = plan(inc, units, times, method="mip")
    assert dp.status == "time_limit" and not dp.optimal
    assert is_feasible_dispatch(inc, units, times, dp)


def test_module_exports():
    assert dispatch.__all__ == ["plan", "DispatchPlan", "is_feasible_dispatch", "dispatch_problems",
                                "nearest_available", "NearestUnits"]


def test_latest_differs_from_total():
    # total: E1->I1, E2->I2 (1 + 6 = 7, latest 6); latest: E2->I1, E1->I2 (4 + 4 = 8, latest 4)
    inc = pd.DataFrame({"engine": [1, 1]}, index=["I1", "I2"])
    units = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
    times = pd.DataFrame([[1.0, 4.0], [4.0, 6.0]], index=inc.index, columns=units.index)
    for method in ("assignment", "mip"):
        tot = plan(inc, units, times, method=method)
        lat = plan(inc, units, times, objective="latest", method=method)
        assert (tot.total_weighted_minutes, tot.latest_minutes) == (7.0, 6.0)
        assert (lat.total_weighted_minutes, lat.latest_minutes) == (8.0, 4.0)
        assert lat.stages["latest"] == 4.0


@given(seed=st.integers(0, 100_000), n_inc=st.integers(2, 4), n_units=st.integers(2, 7))
@settings(max_examples=20)
def test_latest_agrees_with_brute_force_on_continuous_times(seed, n_inc, n_units):
    inc, units, times = _instance(seed, n_inc, n_units, 1, with_targets=False, with_inf=False)
    times = times * np.random.default_rng(seed).uniform(0.5, 1.5, times.shape)
    key, _ = _brute(inc, units, times, objective="latest")
    for method in ("assignment", "mip"):
        dp = plan(inc, units, times, objective="latest", method=method)
        assert _key(dp, "latest") == pytest.approx(key, abs=1e-6)


def test_mip_reports_time_limit(monkeypatch):
    import dataclasses
    import time as _time

    from yingji.solvers import solve as real_solve

    inc, units, times = _instance(5, 3, 8, 2, crew=True)

    def not_proven(model, **kw):
        return dataclasses.replace(real_solve(model, **kw), optimal=False, status="time_limit")

    monkeypatch.setattr("yingji.dispatch.mip_method.solve", not_proven)
    dp = plan(inc, units, times)
    assert dp.status == "time_limit" and not dp.optimal
    assert is_feasible_dispatch(inc, units, times, dp)

    def slow(model, **kw):
        _time.sleep(0.05)
        return real_solve(model, **kw)

    monkeypatch.setattr("yingji.dispatch.mip_method.solve", slow)
    dp = plan(inc, units, times, time_limit=0.01)  # the first stage uses up the time
    assert dp.status == "time_limit"
    assert is_feasible_dispatch(inc, units, times, dp)

    # a solver that finds nothing in its time (HiGHS given a millisecond under load): the
    # greedy start is the plan, honestly marked, never an error
    def nothing(model, **kw):
        sol = real_solve(model, **kw)
        assert kw["start"] is not None and len(kw["start"]) == model.n_cols
        return dataclasses.replace(sol, x=None, optimal=False, status="time_limit")

    monkeypatch.setattr("yingji.dispatch.mip_method.solve", nothing)
    dp = plan(inc, units, times, time_limit=0.01)
    assert dp.status == "time_limit" and not dp.optimal and len(dp.assignments)
    assert is_feasible_dispatch(inc, units, times, dp)
