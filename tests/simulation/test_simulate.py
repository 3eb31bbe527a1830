"""Tests of yingji.simulation.simulate against queueing theory, determinism and input errors."""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from naive_dispatch import erlang_c
from yingji.exceptions import ValidationError
from yingji.simulation import (
    MINUTES_PER_YEAR,
    confidence_interval,
    hypercube,
    response_standard,
    simulate,
)
from yingji.simulation.engine import _draw_calls


def _three_units():
    units = pd.DataFrame({"type": ["engine"] * 3, "station": ["s1", "s2", "s3"]}, index=["u1", "u2", "u3"])
    demand = pd.DataFrame({"incidents_per_year": [4000.0, 2000.0, 3000.0]}, index=["a", "b", "c"])
    T = np.array([[2.0, 6.0, 4.0], [5.0, 3.0, 7.0], [4.0, 4.0, 1.0]])  # units x points
    return units, demand, T


def _within(est, lo, hi, truth, slack=1.0):
    half = (hi - lo) / 2.0
    return abs(est - truth) <= slack * half + 1e-12


def test_mmc_queue_matches_erlang_formulas():
    # one station, c = 3 units, zero travel and turnout: an M/M/3 queue
    c, svc, rho = 3, 30.0, 0.7
    lam = rho * c / svc  # calls per minute
    units = pd.DataFrame({"type": ["engine"] * c}, index=[f"u{i}" for i in range(c)])
    demand = pd.DataFrame({"incidents_per_year": [lam * MINUTES_PER_YEAR]}, index=["d"])
    sim = simulate(units=units, demand=demand, times=np.zeros((c, 1)), horizon_hours=4000, replications=10,
                   seed=42, turnout_minutes=0.0, travel_in_service=False, service_minutes=svc)
    pw = erlang_c(c, lam * svc)
    wq = pw / (c / svc - lam)
    assert _within(sim.share_queued, *sim.ci["share_queued"], pw, slack=1.5)
    assert _within(sim.mean_wait_minutes, *sim.ci["mean_wait_minutes"], wq, slack=1.5)
    assert _within(sim.mean_minutes, *sim.ci["mean_minutes"], wq, slack=1.5)
    assert _within(sim.mean_utilisation, *sim.ci["mean_utilisation"], rho, slack=1.5)
    # response <= 0 only for calls that did not wait: share within a 1e-6 "standard" = 1 - P(wait)
    assert abs(sim.share_queued - pw) < 0.01
    # the three units are tied first-due units: all busy exactly when a call waits
    assert sim.first_due_busy == pytest.approx(sim.share_queued, abs=1e-12)
    assert _within(sim.first_due_busy, *sim.ci["first_due_busy"], pw, slack=1.5)


def test_simulation_matches_exact_hypercube():
    units, demand, T = _three_units()
    svc = 0.55 * 3 * MINUTES_PER_YEAR / demand["incidents_per_year"].sum()
    kw = dict(units=units, demand=demand, times=T, service_minutes=svc)
    hc = hypercube(**kw, turnout_minutes=0.0, method="exact")
    sim = simulate(**kw, turnout_minutes=0.0, travel_in_service=False, horizon_hours=20000, replications=8, seed=3)
    for u in units.index:
        assert _within(sim.utilisation[u], *sim.ci[f"utilisation[{u}]"], hc.workload[u], slack=1.5)
    assert _within(sim.first_due_busy, *sim.ci["first_due_busy"], hc.first_due_busy, slack=1.5)
    assert _within(sim.mean_minutes, *sim.ci["mean_minutes"], hc.mean_response_minutes, slack=1.5)
    assert _within(sim.within_standard, *sim.ci["within_standard"], hc.within_standard, slack=1.5)
    assert _within(sim.share_queued, *sim.ci["share_queued"], hc.p_all_busy, slack=1.5)


def test_same_seed_same_figures_whatever_the_executor():
    units, demand, T = _three_units()
    kw = dict(units=units, demand=demand, times=T, horizon_hours=300, replications=4, seed=123)
    a = simulate(**kw)
    b = simulate(**kw)
    with ThreadPoolExecutor(2) as ex:
        c = simulate(**kw, executor=ex)
    with ProcessPoolExecutor(2) as ex:
        d = simulate(**kw, executor=ex)
    for other in (b, c, d):
        pd.testing.assert_frame_equal(a.per_replication, other.per_replication)
        pd.testing.assert_series_equal(a.utilisation, other.utilisation)
        assert a.ci == other.ci
    e = simulate(**{**kw, "seed": 124})
    assert not a.per_replication.equals(e.per_replication)
    # a SeedSequence works as a seed too
    s = simulate(**{**kw, "seed": np.random.SeedSequence(123)})
    pd.testing.assert_frame_equal(a.per_replication, s.per_replication)


def test_county_like_object_with_network_and_outputs():
    class Net:
        def travel_times(self, origins, destinations):
            return np.abs(np.subtract.outer(np.asarray(origins, float), np.asarray(destinations, float)))

    stations = pd.DataFrame({"node": [0, 10], "engines": [2, 1], "ladders": [0, 1]}, index=["s1", "s2"])
    demand = pd.DataFrame({"node": [1, 3, 9], "incidents_per_year": [300.0, 200.0, 100.0]}, index=["a", "b", "c"])
    county = SimpleNamespace(stations=stations, units=pd.DataFrame(columns=["station", "type"]), demand=demand,
                             network=Net())
    sim = simulate(county, horizon_hours=24 * 30, replications=3, seed=0, progress=True)
    assert list(sim.utilisation.index) == ["s1-engine1", "s1-engine2", "s2-engine1"]
    fr = sim.to_frame()
    assert {"mean_minutes", "p90_minutes", "within_standard", "first_due_busy", "utilisation[s2-engine1]"} <= set(fr.index)
    assert list(fr.columns) == ["value", "low", "high"]
    assert (fr["low"] <= fr["value"] + 1e-12).all() and (fr["value"] <= fr["high"] + 1e-12).all()
    json.dumps(sim.to_dict())
    assert "p90" in sim.summary()
    assert sim.by_point["incidents"].sum() == sim.per_replication["n_incidents"].sum()
    assert sim.events_per_second > 0
    # every unit, ladders included
    sim2 = simulate(county, horizon_hours=24, replications=2, seed=0, unit_types=None)
    assert len(sim2.utilisation) == 4
    # explicit units with station ids and a times DataFrame indexed by station (or transposed)
    units = pd.DataFrame({"type": ["engine", "engine"], "station": ["s1", "s2"]}, index=["e1", "e2"])
    times = pd.DataFrame([[1.0, 3.0, 9.0], [9.0, 7.0, 1.0]], index=["s1", "s2"], columns=["a", "b", "c"])
    s1 = simulate(units=units, stations=stations, demand=demand, times=times, horizon_hours=100, replications=2, seed=5)
    s2 = simulate(units=units, stations=stations, demand=demand, times=times.T, horizon_hours=100, replications=2, seed=5)
    pd.testing.assert_frame_equal(s1.per_replication, s2.per_replication)
    s3 = simulate(units=units.assign(node=[0, 10]), demand=demand, times=Net(), horizon_hours=100,
                  replications=2, seed=5)
    assert len(s3.utilisation) == 2


def test_hourly_profile_and_draws():
    cfg = {"horizon": 24 * 60.0 * 3, "rate_per_min": np.array([1.0, 3.0]), "profile": np.r_[24.0, np.zeros(23)],
           "start_hour": 0, "service_mean": np.array([5.0, 10.0]), "service_distribution": "fixed", "service_cv": 1.0}
    t, pts, scene = _draw_calls(cfg, np.random.default_rng(0))
    assert np.all(np.diff(t) >= 0)
    assert np.all((t % 1440.0) < 60.0)  # only in hour 0 of each day
    assert set(np.unique(scene)) <= {5.0, 10.0}
    assert abs(np.mean(pts == 1) - 0.75) < 0.02
    cfg["service_distribution"] = "lognormal"
    cfg["service_cv"] = 0.5
    _, pts, scene = _draw_calls(cfg, np.random.default_rng(1))
    m0 = scene[pts == 0].mean()
    assert abs(m0 - 5.0) < 0.3
    # a profile passed to simulate is used (calls only at night: fewer than a flat profile? same count)
    units, demand, T = _three_units()
    prof = np.r_[np.ones(6), np.zeros(18)]
    s = simulate(units=units, demand=demand, times=T, horizon_hours=240, replications=2, seed=1, hourly_profile=prof)
    assert s.per_replication["n_incidents"].gt(0).all()


def test_warmup_and_standard_profiles():
    units, demand, T = _three_units()
    s = simulate(units=units, demand=demand, times=T, horizon_hours=200, replications=3, seed=9, warmup_hours=50,
                 standard="NFPA1710")
    assert s.limit_minutes == pytest.approx(80 / 60 + 4)
    assert s.turnout_minutes == pytest.approx(80 / 60)
    assert response_standard("GB51080") == (5.0, 1.0)
    assert response_standard(8) == (8.0, 1.0)
    s2 = simulate(units=units, demand=demand, times=T, horizon_hours=200, replications=3, seed=9, standard=1e5)
    assert s2.within_standard == 1.0


def test_confidence_interval():
    lo, hi = confidence_interval([1.0, 2.0, 3.0])
    half = 2.0 * 0 + 4.302652729911275 * 1.0 / math.sqrt(3)
    assert (lo, hi) == pytest.approx((2 - half, 2 + half))
    assert all(math.isnan(v) for v in confidence_interval([1.0]))
    units, demand, T = _three_units()
    s = simulate(units=units, demand=demand, times=T, horizon_hours=10, replications=1, seed=0)
    assert math.isnan(s.ci["mean_minutes"][0])


# ---------------------------------------------------------------- validation (one per raise)
@pytest.mark.parametrize("kw, match", [
    (dict(horizon_hours=-1), "'horizon_hours' parameter of simulate"),
    (dict(horizon_hours="x"), "'horizon_hours' parameter of simulate"),
    (dict(replications=0), "'replications' parameter of simulate"),
    (dict(warmup_hours=500), "'warmup_hours' parameter of simulate"),
    (dict(warmup_hours="x"), "'warmup_hours' parameter of simulate"),
    (dict(service_distribution="gamma"), "'service_distribution' parameter"),
    (dict(service_cv=0), "'service_cv' parameter"),
    (dict(start_hour=24), "'start_hour' parameter"),
    (dict(units_per_call=0), "'units_per_call' parameter"),
    (dict(turnout_minutes=-1), "'turnout_minutes' parameter"),
    (dict(turnout_minutes="x", service_cv="y", standard="ZZ"), "3 problems with the input of simulate"),
    (dict(hourly_profile=[1, 2]), "'hourly_profile' parameter"),
    (dict(service_minutes=[1.0, 2.0]), "'service_minutes' parameter"),
    (dict(service_minutes=-3.0), "'service_minutes' parameter"),
    (dict(unit_types=["engine", "hazmat"]), r"unknown unit type\(s\) \['hazmat'\]"),
    (dict(incidents_per_year=[-1.0, 5.0, np.nan]), "must be finite and non-negative. Got -1, nan at demand points 'a', 'c' instead"),
    (dict(incidents_per_year=[0.0, 0.0, 0.0]), "must have a positive total"),
    (dict(incidents_per_year=[1.0, 2.0]), "one rate per demand point"),
    (dict(times=np.ones((3, 2))), r"shape \(n_units, n_points\) = \(3, 3\)"),
    (dict(times=-np.ones((3, 3))), "NaN or negative values for demand points 'a', 'b', 'c'"),
    (dict(times=np.full((3, 3), np.inf)), "no unit can reach demand points 'a', 'b', 'c'"),
    (dict(times=None), "needs travel times"),
    (dict(standard="GB00000"), "'standard' parameter of simulate must be one of"),
    (dict(standard=-5), "'standard' parameter of simulate must be a profile name or a positive number"),
    (dict(demand=[1, 2]), "'demand' parameter of simulate must be a DataFrame"),
    (dict(units=pd.DataFrame({"kind": [1]})), "'units' parameter of simulate must be a DataFrame"),
])
def test_simulate_rejects_bad_input(kw, match):
    units, demand, T = _three_units()
    base = dict(units=units, demand=demand, times=T, horizon_hours=10, replications=2, seed=0)
    base.update(kw)
    with pytest.raises(ValidationError, match=match):
        simulate(**base)


def test_simulate_rejects_bad_tables():
    units, demand, T = _three_units()
    with pytest.raises(ValidationError, match="needs an 'incidents_per_year' column"):
        simulate(units=units, demand=demand.drop(columns="incidents_per_year"), times=T, horizon_hours=1, seed=0)
    with pytest.raises(ValidationError, match="needs at least one unit"):
        simulate(units=units.iloc[:0], demand=demand, times=T[:0], horizon_hours=1, seed=0, unit_types=None)
    df = pd.DataFrame(T, index=units.index, columns=demand.index)
    with pytest.raises(ValidationError, match="missing origin ids none and destination ids 'c'"):
        simulate(units=units, demand=demand, times=df[["a", "b"]], horizon_hours=1, seed=0)
    with pytest.raises(ValidationError, match="missing origin ids 'u3' and destination ids none"):
        simulate(units=units, demand=demand, times=df.iloc[:2], horizon_hours=1, seed=0)

    class Net:
        def travel_times(self, o, d):
            return np.ones((len(o), len(d)))

    with pytest.raises(ValidationError, match=r"needs a 'node' column, or stations\['node'\]"):
        simulate(units=units, demand=demand.assign(node=[1, 2, 3]), times=Net(), horizon_hours=1, seed=0)
    st = pd.DataFrame({"node": [1]}, index=["s1"])
    with pytest.raises(ValidationError, match="names stations not in 'stations': 's2', 's3'"):
        simulate(units=units, stations=st, demand=demand.assign(node=[1, 2, 3]), times=Net(), horizon_hours=1, seed=0)
    with pytest.raises(ValidationError, match="needs a 'node' column to use a Network"):
        simulate(units=units.assign(node=[1, 2, 3]), demand=demand, times=Net(), horizon_hours=1, seed=0)


def test_times_by_unit_scalar_rate_and_progress_with_executor():
    units, demand, T = _three_units()
    df = pd.DataFrame(T, index=units.index, columns=demand.index)
    a = simulate(units=units, demand=demand, times=df, horizon_hours=50, replications=2, seed=4,
                 incidents_per_year=3000.0)
    b = simulate(units=units, demand=demand, times=T, horizon_hours=50, replications=2, seed=4,
                 incidents_per_year=[3000.0] * 3)
    pd.testing.assert_frame_equal(a.per_replication, b.per_replication)
    with ThreadPoolExecutor(2) as ex:
        c = simulate(units=units, demand=demand, times=T, horizon_hours=50, replications=2, seed=4,
                     incidents_per_year=3000.0, executor=ex, progress=True)
    pd.testing.assert_frame_equal(a.per_replication, c.per_replication)


def test_units_per_call_first_alarm():
    units, demand, T = _three_units()
    kw = dict(units=units, demand=demand, times=T, horizon_hours=2000, replications=3, seed=8)
    one = simulate(**kw)
    assert one.full_mean_minutes == pytest.approx(one.mean_minutes)
    two = simulate(**kw, units_per_call=2)
    assert two.full_mean_minutes > two.mean_minutes
    assert two.full_p90_minutes >= two.p90_minutes
    # sending two units per call keeps the fleet busier
    assert two.mean_utilisation > 1.5 * one.mean_utilisation
    assert {"full_mean_minutes", "full_p90_minutes"} <= set(two.to_frame().index)


def test_service_minutes_per_point_as_series():
    units, demand, T = _three_units()
    svc = pd.Series({"c": 30.0, "a": 10.0, "b": 20.0})  # any order: aligned by demand id
    a = simulate(units=units, demand=demand, times=T, horizon_hours=100, replications=2, seed=6, service_minutes=svc)
    b = simulate(units=units, demand=demand, times=T, horizon_hours=100, replications=2, seed=6,
                 service_minutes=[10.0, 20.0, 30.0])
    pd.testing.assert_frame_equal(a.per_replication, b.per_replication)


def test_confidence_interval_clipped_to_the_range_of_the_figure():
    # a rarely busy unit: the t-interval would reach below 0
    lo, hi = confidence_interval([0.0, 0.0, 0.003], bounds=(0.0, 1.0))
    assert lo == 0.0 and 0.0 < hi < 1.0
    lo, hi = confidence_interval([0.999, 1.0, 0.97], bounds=(0.0, 1.0))
    assert hi == 1.0 and lo < 1.0
    units, demand, T = _three_units()
    s = simulate(units=units, demand=demand, times=T, horizon_hours=200, replications=4, seed=1)
    for name, (lo, hi) in s.ci.items():
        assert lo >= 0.0, name
        if name.startswith("utilisation") or name in ("within_standard", "first_due_busy",
                                                      "share_queued", "mean_utilisation"):
            assert hi <= 1.0, name


def test_bad_horizon_is_reported_once():
    """A bad horizon is one problem, not also a warm-up 'beyond the horizon'."""
    units, demand, T = _three_units()
    with pytest.raises(ValidationError, match=r"'horizon_hours' parameter of simulate must be a positive") as ei:
        simulate(units=units, demand=demand, times=T, horizon_hours=-1, replications=2, seed=0)
    assert "warmup_hours" not in str(ei.value)
    with pytest.raises(ValidationError, match=r"'warmup_hours' parameter of simulate must be a number of hours in \[0, horizon"):
        simulate(units=units, demand=demand, times=T, horizon_hours=10, warmup_hours=10, replications=2, seed=0)


def test_call_draws_follow_the_profile_over_a_partial_day():
    """The drawn calls (integrated-rate inversion) follow the hourly profile and the start hour,
    count Poisson(integrated rate) on average, and stay sorted inside [0, H) on a horizon that
    ends inside a day and inside an hour."""
    prof = np.r_[np.linspace(0.2, 2.0, 12), np.zeros(3), np.linspace(1.5, 0.5, 9)]
    prof = prof * 24.0 / prof.sum()
    H = 2 * 1440.0 + 5 * 60.0 + 30.0  # 2 days, 5 h 30 min
    cfg = {"horizon": H, "rate_per_min": np.array([0.3, 0.5]), "profile": prof, "start_hour": 5,
           "service_mean": np.array([5.0, 10.0]), "service_distribution": "fixed", "service_cv": 1.0}
    counts = np.zeros(24)
    totals = []
    rng = np.random.default_rng(3)
    for _ in range(300):
        t, pts, _ = _draw_calls(cfg, rng)
        assert np.all(np.diff(t) >= 0) and (t.size == 0 or (t[0] >= 0 and t[-1] < H))
        totals.append(t.size)
        counts += np.bincount(((5 + t // 60).astype(int)) % 24, minlength=24)
    # expected: whole hours of the clock over the horizon (start 05:00, 53.5 hours)
    exp = np.zeros(24)
    for k in range(54):
        dur = min(60.0, H - 60.0 * k)
        exp[(5 + k) % 24] += 0.8 * prof[(5 + k) % 24] * dur
    assert abs(np.mean(totals) - exp.sum()) < 4 * np.sqrt(exp.sum() / 300)
    assert counts[12:15].sum() == 0  # hours of zero rate get no call
    big = exp > 0
    z = (counts[big] / 300 - exp[big]) / np.sqrt(exp[big] / 300)
    assert np.abs(z).max() < 5
