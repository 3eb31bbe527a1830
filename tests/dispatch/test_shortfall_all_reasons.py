"""Every required unit that is not sent is a shortfall, whatever the reason (issue 17, item 4).

Before the fix, a requirement column for a unit type the fleet lacks (an incident needing a
rescue unit in a county without one) was dropped when the inputs were read: no shortfall row,
``missing_units`` 0, ``by_incident`` showing nothing missing. These tests pin one regression
case per reason and compare both methods, on seeded random instances with types missing from
the fleet, against an independent ``scipy.optimize.milp`` model of the first priority.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from yingji.dispatch import is_feasible_dispatch, plan
from yingji.dispatch import planner, shortfalls

METHODS = ("assignment", "mip")
ALL_TYPES = ["engine", "ladder", "ambulance", "rescue"]


def _rows(dp):
    """{(incident, type): (missing, reason)} of the unit shortfall rows."""
    sf = dp.shortfalls[dp.shortfalls["type"] != "crew"]
    return {(r.incident, r.type): (r.missing, r.reason) for r in sf.itertuples()}


# ------------------------------------------------------------------------- one case per reason
@pytest.mark.parametrize("method", METHODS)
def test_type_missing_from_fleet_is_a_shortfall(method):
    inc = pd.DataFrame({"engine": [1, 1], "rescue": [1, 0]}, index=["crash", "fire"])
    units = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
    times = pd.DataFrame(1.0, index=inc.index, columns=units.index)
    dp = plan(inc, units, times, method=method)
    assert _rows(dp) == {("crash", "rescue"): (1, "none in fleet")}
    assert dp.missing_units == 1
    assert dp.stages["missing"] == 1.0
    by = dp.by_incident()
    assert by.loc["crash", ["needed", "sent", "missing"]].tolist() == [2, 1, 1]
    assert by.loc["fire", ["needed", "sent", "missing"]].tolist() == [1, 1, 0]
    assert "crash: 1 rescue (none in fleet)" in dp.summary()
    assert is_feasible_dispatch(inc, units, times, dp)


@pytest.mark.parametrize("method", METHODS)
def test_type_named_in_types_but_missing_from_fleet(method):
    # an explicit requirement for a type no unit has is a shortfall, not an error
    inc = pd.DataFrame({"engine": [1], "hazmat": [2], "note": ["tanker leak"]}, index=["spill"])
    units = pd.DataFrame({"type": ["engine"]}, index=["E1"])
    times = pd.DataFrame([[4.0]], index=inc.index, columns=units.index)
    dp = plan(inc, units, times, types=["engine", "hazmat"], method=method)
    assert _rows(dp) == {("spill", "hazmat"): (2, "none in fleet")}
    assert dp.missing_units == 2
    only = plan(inc, units, times, types="hazmat", method=method)
    assert only.assignments.empty and only.missing_units == 2


@pytest.mark.parametrize("method", METHODS)
def test_all_busy(method):
    inc = pd.DataFrame({"engine": [1], "rescue": [1]}, index=["crash"])
    units = pd.DataFrame({"type": ["engine", "rescue", "rescue"]}, index=["E1", "R1", "R2"])
    times = pd.DataFrame(2.0, index=inc.index, columns=units.index)
    dp = plan(inc, units, times, busy=["R1", "R2"], method=method)
    assert _rows(dp) == {("crash", "rescue"): (1, "all busy")}
    assert dp.missing_units == 1


@pytest.mark.parametrize("method", METHODS)
def test_unreachable(method):
    inc = pd.DataFrame({"rescue": [1]}, index=["island"])
    units = pd.DataFrame({"type": ["rescue", "rescue"]}, index=["R1", "R2"])
    times = pd.DataFrame([[np.inf, np.inf]], index=inc.index, columns=units.index)
    dp = plan(inc, units, times, busy=["R1"], method=method)
    assert _rows(dp) == {("island", "rescue"): (1, "unreachable")}


@pytest.mark.parametrize("method", METHODS)
def test_none_in_time_with_strict_targets(method):
    inc = pd.DataFrame({"ambulance": [1], "target_minutes": [8.0]}, index=["cardiac"])
    units = pd.DataFrame({"type": ["ambulance", "ambulance"]}, index=["A1", "A2"])
    times = pd.DataFrame([[12.0, np.inf]], index=inc.index, columns=units.index)
    dp = plan(inc, units, times, strict_targets=True, method=method)
    assert _rows(dp) == {("cardiac", "ambulance"): (1, "none in time")}
    # without strict targets the late unit goes, and nothing is missing
    loose = plan(inc, units, times, method=method)
    assert loose.missing_units == 0 and loose.late_units == 1


@pytest.mark.parametrize("method", METHODS)
def test_too_few_and_sent_elsewhere(method):
    # two engines for "big" (needs 3, weight 2) and "small" (needs 1): big keeps both; even
    # alone it would be short ("too few"), while small could have had one ("sent elsewhere")
    inc = pd.DataFrame({"engine": [3, 1], "weight": [2.0, 1.0]}, index=["big", "small"])
    units = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
    times = pd.DataFrame(1.0, index=inc.index, columns=units.index)
    dp = plan(inc, units, times, method=method)
    assert _rows(dp) == {("big", "engine"): (1, "too few"), ("small", "engine"): (1, "sent elsewhere")}
    assert dp.missing_units == 2


def test_left_unused_when_the_solver_stopped(monkeypatch):
    # a plan stopped at its time limit before sending anything: the free unit was left unused
    inc = pd.DataFrame({"engine": [1]}, index=["f"])
    units = pd.DataFrame({"type": ["engine"]}, index=["E1"])
    times = pd.DataFrame([[3.0]], index=inc.index, columns=units.index)

    def stopped(inp, *args, **kwargs):
        none = np.zeros(0, dtype=np.int64)
        return none, none, "time_limit", False, {"solver": "highs"}

    monkeypatch.setattr(planner, "_plan_mip", stopped)  # where plan() looks it up
    dp = plan(inc, units, times, method="mip")
    assert dp.status == "time_limit"
    assert _rows(dp) == {("f", "engine"): (1, "left unused")}
    assert dp.missing_units == 1


def test_crew_rows_say_why():
    # "a" needs 8 persons: its engine carries 6 at most (too few); "b" needs 4 and could have
    # had the 6-person engine, which went to the heavier "a" (sent elsewhere)
    inc = pd.DataFrame({"engine": [1, 1], "crew": [8, 4], "weight": [3.0, 1.0]}, index=["a", "b"])
    units = pd.DataFrame({"type": ["engine", "engine"], "crew": [6, 2]}, index=["E1", "E2"])
    times = pd.DataFrame(1.0, index=inc.index, columns=units.index)
    dp = plan(inc, units, times)
    crew = dp.shortfalls[dp.shortfalls["type"] == "crew"].set_index("incident")
    assert crew.loc["a", ["missing", "reason"]].tolist() == [2.0, "too few"]
    assert crew.loc["b", ["missing", "reason"]].tolist() == [2.0, "sent elsewhere"]
    assert dp.missing_units == 0


def test_which_columns_are_requirements():
    # numeric columns are requirements, fleet or not; place descriptions, flags and text are not
    inc = pd.DataFrame({"engine": [1], "rescue": [1], "population": [5400], "area_m2": [1e6],
                        "incidents_per_year": [3.5], "urban": [True], "township": ["T1"],
                        "x": [10.0], "y": [20.0]}, index=["d1"])
    units = pd.DataFrame({"type": ["engine"]}, index=["E1"])
    times = pd.DataFrame([[1.0]], index=inc.index, columns=units.index)
    dp = plan(inc, units, times)
    assert _rows(dp) == {("d1", "rescue"): (1, "none in fleet")}
    assert dp.by_incident().loc["d1", "needed"] == 2


def test_reasons_are_the_documented_ones():
    assert shortfalls._SHORTFALL_REASONS == ("none in fleet", "all busy", "unreachable", "none in time",
                                             "left unused", "too few", "sent elsewhere")


# ------------------------------------------------------------------------- independent oracle
def _random_instance(seed):
    """Small instance whose fleet lacks some of the required types."""
    rng = np.random.default_rng(seed)
    req_types = list(rng.choice(ALL_TYPES, size=rng.integers(1, 4), replace=False))
    fleet_types = [t for t in req_types if rng.random() < 0.6] or [str(rng.choice(ALL_TYPES))]
    n_inc, n_units = int(rng.integers(1, 5)), int(rng.integers(1, 8))
    inc = pd.DataFrame({t: rng.integers(0, 3, n_inc) for t in req_types}, index=[f"I{i}" for i in range(n_inc)])
    inc["weight"] = rng.choice([1.0, 2.0, 5.0], n_inc)
    inc["target_minutes"] = rng.choice([5.0, 9.0, np.nan], n_inc)
    units = pd.DataFrame({"type": rng.choice(fleet_types, n_units)}, index=[f"U{u}" for u in range(n_units)])
    T = rng.integers(1, 13, (n_inc, n_units)).astype(float)
    T[rng.random(T.shape) < 0.2] = np.inf
    times = pd.DataFrame(T, index=inc.index, columns=units.index)
    busy = [u for u in units.index if rng.random() < 0.2]
    return inc, units, times, busy, req_types


def _oracle(inc, units, times, busy, req_types, strict, weighted):
    """Most units (or weight) that can be sent: a MILP over allowed (incident, unit) pairs.

    x_iu ∈ {0, 1} for unit u free, reaching incident i (by its target when ``strict``), of a
    type i requires; Σ_u x_iu ≤ need_it per incident and type; Σ_i x_iu ≤ 1 per unit.
    """
    need = {(i, t): int(inc.loc[i, t]) for i in inc.index for t in req_types}
    target = inc["target_minutes"].fillna(np.inf)
    pairs = [(i, u) for i in inc.index for u in units.index
             if u not in busy and units.loc[u, "type"] in req_types
             and need[(i, units.loc[u, "type"])] > 0 and np.isfinite(times.loc[i, u])
             and (not strict or times.loc[i, u] <= target[i] + 1e-9)]
    if not pairs:
        return 0.0
    rows, ub = [], []
    for (i, t), r in need.items():
        rows.append([1.0 if (pi == i and units.loc[pu, "type"] == t) else 0.0 for pi, pu in pairs])
        ub.append(r)
    for u in units.index:
        rows.append([1.0 if pu == u else 0.0 for _, pu in pairs])
        ub.append(1)
    gain = np.array([inc.loc[i, "weight"] if weighted else 1.0 for i, _ in pairs])
    res = milp(-gain, constraints=LinearConstraint(np.array(rows), -np.inf, np.array(ub, float)),
               integrality=np.ones(len(pairs)), bounds=Bounds(0, 1))
    assert res.success
    return float(-res.fun)


@pytest.mark.parametrize("seed", range(40))
def test_shortfalls_agree_with_an_independent_milp(seed):
    inc, units, times, busy, req_types = _random_instance(seed)
    strict = bool(seed % 3 == 0)
    need = inc[req_types].to_numpy(dtype=np.int64)
    w = inc["weight"].to_numpy(float)
    max_sent = _oracle(inc, units, times, busy, req_types, strict, weighted=False)
    max_weight = _oracle(inc, units, times, busy, req_types, strict, weighted=True)
    for method in METHODS:
        dp = plan(inc, units, times, busy=busy, strict_targets=strict, method=method)
        assert dp.status == "optimal"
        assert is_feasible_dispatch(inc, units, times, dp, busy=busy, strict_targets=strict)
        # the weighted-missing optimum is a basis of a transversal matroid: it also sends the
        # most units, so the unit count is fixed
        assert dp.missing_units == int(need.sum()) - round(max_sent), method
        assert dp.stages["missing"] == pytest.approx(float((w[:, None] * need).sum()) - max_weight)
        sf = dp.shortfalls
        assert int(sf["missing"].sum()) == dp.missing_units
        # invariant: sent + shortfall == required, for every incident and required type
        sent = dp.assignments.groupby(["incident", "type"]).size()
        rows = _rows(dp)
        for i in inc.index:
            for t in req_types:
                s = int(sent.get((i, t), 0))
                miss, why = rows.get((i, t), (0, None))
                assert s + miss == int(inc.loc[i, t]), (method, i, t)
                if t not in set(units["type"]) and int(inc.loc[i, t]) > 0:
                    assert why == "none in fleet"
                elif miss:
                    assert why in shortfalls._SHORTFALL_REASONS and why != "left unused"
        assert set(rows) <= {(i, t) for i in inc.index for t in req_types}
        by = dp.by_incident()
        assert by["needed"].tolist() == need.sum(axis=1).tolist()
        assert by["sent"].tolist() == [int((dp.assignments["incident"] == i).sum()) for i in inc.index]
        per_inc = sf.groupby("incident")["missing"].sum().reindex(inc.index, fill_value=0)
        assert by["missing"].tolist() == per_inc.astype(int).tolist()
        assert int(by["missing"].sum()) == dp.missing_units


@pytest.mark.parametrize("seed", range(8))
def test_crew_plans_keep_every_required_type(seed):
    # the MIP with a crew requirement goes through the same requirement table
    inc, units, times, busy, req_types = _random_instance(100 + seed)
    rng = np.random.default_rng(seed)
    inc["crew"] = rng.integers(1, 8, len(inc))
    units["crew"] = rng.integers(1, 5, len(units))
    dp = plan(inc, units, times, busy=busy)
    assert dp.method.startswith("mip")
    need = inc[req_types].to_numpy(dtype=np.int64)
    max_sent = _oracle(inc, units, times, busy, req_types, False, weighted=False)
    assert dp.missing_units == int(need.sum()) - round(max_sent)
    unit_rows = dp.shortfalls[dp.shortfalls["type"] != "crew"]
    assert int(unit_rows["missing"].sum()) == dp.missing_units == int(dp.by_incident()["missing"].sum())
