"""Tests of yingji.simulation.hypercube (exact chain and Larson's approximation)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from naive_dispatch import erlang_c
from yingji.exceptions import ValidationError
from yingji.simulation import MINUTES_PER_YEAR, hypercube
from yingji.siting.queueing import _erlang, _larson_q


def _system(seed, N, n, rho):
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"type": ["engine"] * N}, index=[f"u{i}" for i in range(N)])
    demand = pd.DataFrame({"incidents_per_year": rng.uniform(100, 1000, n)}, index=[f"d{j}" for j in range(n)])
    T = rng.uniform(1, 10, (N, n))
    svc = rho * N * MINUTES_PER_YEAR / demand["incidents_per_year"].sum()
    return dict(units=units, demand=demand, times=T, service_minutes=svc)


def test_single_unit_is_mm1():
    kw = _system(0, 1, 3, 0.4)
    hc = hypercube(**kw, turnout_minutes=0.0)
    assert hc.method == "exact"
    assert hc.workload.iloc[0] == pytest.approx(0.4)
    assert hc.p_all_busy == pytest.approx(0.4)
    mu = 1 / kw["service_minutes"]
    assert hc.mean_wait_minutes == pytest.approx(0.4 / (mu - 0.4 * mu))
    assert hc.mean_travel_minutes == pytest.approx(float(np.average(kw["times"][0], weights=kw["demand"]["incidents_per_year"])))


@pytest.mark.parametrize("N", [2, 3, 5])
def test_exact_chain_totals_match_mmn(N):
    kw = _system(N, N, 4, 0.6)
    hc = hypercube(**kw, method="exact")
    assert hc.workload.sum() == pytest.approx(N * 0.6, rel=1e-9)
    assert hc.p_all_busy == pytest.approx(erlang_c(N, N * 0.6), rel=1e-9)
    assert hc.dispatch.to_numpy().sum() == pytest.approx(1.0)
    share = kw["demand"]["incidents_per_year"] / kw["demand"]["incidents_per_year"].sum()
    np.testing.assert_allclose(hc.dispatch.sum(axis=1).to_numpy(), share.to_numpy())


def test_two_units_by_hand():
    # one atom prefers u0 then u1; M/M/2 with states {0, {0}, {1}, {0,1}+queue}
    lam, mu = 1.0, 1.0
    units = pd.DataFrame({"type": ["engine", "engine"]}, index=["u0", "u1"])
    demand = pd.DataFrame({"incidents_per_year": [lam * MINUTES_PER_YEAR]}, index=["d"])
    hc = hypercube(units=units, demand=demand, times=np.array([[1.0], [2.0]]), service_minutes=1 / mu,
                   method="exact")
    rho = lam / (2 * mu)
    # balance: p0*lam = mu*(p1 + p2); p1 (u0 busy): (lam+mu) p1 = lam p0 + mu(1-rho) F; p2: (lam+mu) p2 = mu(1-rho) F
    # F (both busy, lumped): 2 mu (1-rho) F = lam (p1 + p2)
    A = np.array([[lam, -mu, -mu, 0.0],
                  [-lam, lam + mu, 0.0, -mu * (1 - rho)],
                  [0.0, 0.0, lam + mu, -mu * (1 - rho)],
                  [1.0, 1.0, 1.0, 1.0]])
    p0, p1, p2, F = np.linalg.solve(A, [0, 0, 0, 1])
    assert hc.workload["u0"] == pytest.approx(p1 + F)
    assert hc.workload["u1"] == pytest.approx(p2 + F)
    assert hc.p_all_busy == pytest.approx(F)
    # calls in state 0 or {1} go to u0; in {0} to u1; queued calls half/half
    assert hc.dispatch.loc["d", "u0"] == pytest.approx(p0 + p2 + F / 2)
    assert hc.dispatch.loc["d", "u1"] == pytest.approx(p1 + F / 2)
    assert hc.first_due_busy == pytest.approx(p1 + F)
    # tied first-due units (same station): first-due busy = all busy = Erlang C (1/3); Larson's
    # approximation, with its workload normalisation, gives 0.358 (measured; 0.350 without it)
    for method in ("exact", "larson"):
        tied = hypercube(units=units, demand=demand, times=np.array([[1.0], [1.0]]), service_minutes=1 / mu,
                         method=method)
        assert tied.first_due_busy == pytest.approx(erlang_c(2, lam / mu), rel=0.08 if method == "larson" else 1e-9)


def test_larson_correction_factor_by_hand():
    # Q(2, rho, 0) = 1 and Q(2, rho, 1) = 1 / (1 + rho) (M/M/2 with random server choice)
    rho = 0.3
    p0, pq = _erlang(2, 2 * rho)
    Q = _larson_q(2, rho, p0)
    assert Q[0] == pytest.approx(1.0)
    assert Q[1] == pytest.approx(1.0 / (1.0 + rho))
    assert pq == pytest.approx(erlang_c(2, 2 * rho))
    # Q(N, rho, 0) = 1 for every N
    for N in (1, 4, 9):
        p0, _ = _erlang(N, N * 0.5)
        assert _larson_q(N, 0.5, p0)[0] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_larson_close_to_exact(seed):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(3, 8))
    kw = _system(seed + 100, N, 3 * N, float(rng.uniform(0.3, 0.7)))
    e = hypercube(**kw, method="exact")
    a = hypercube(**kw, method="larson")
    assert a.method == "larson" and a.iterations > 0
    assert np.max(np.abs(e.workload - a.workload)) < 0.03
    assert a.mean_travel_minutes == pytest.approx(e.mean_travel_minutes, rel=0.03)
    assert a.first_due_busy == pytest.approx(e.first_due_busy, abs=0.02)
    assert a.p_all_busy == pytest.approx(e.p_all_busy, rel=1e-9)


def test_auto_switches_to_larson_and_outputs():
    kw = _system(1, 4, 6, 0.5)
    hc = hypercube(**kw, max_exact_units=3)
    assert hc.method == "larson"
    fr = hc.to_frame()
    assert list(fr.columns) == ["workload", "share_of_calls"]
    assert fr["share_of_calls"].sum() == pytest.approx(1.0)
    json.dumps(hc.to_dict())
    assert "Hypercube (larson" in hc.summary()
    assert 0 <= hc.within_standard <= 1
    assert math.isfinite(hc.mean_response_minutes)


def test_errors():
    kw = _system(0, 2, 3, 0.5)
    with pytest.raises(ValidationError, match="'method' parameter of hypercube"):
        hypercube(**kw, method="approx")
    with pytest.raises(ValidationError, match="'service_minutes' parameter of hypercube"):
        hypercube(**{**kw, "service_minutes": -1.0})
    with pytest.raises(ValidationError, match="'standard' parameter of hypercube"):
        hypercube(**kw, standard="ZZ")
    with pytest.raises(ValidationError, match="the system is unstable"):
        hypercube(**{**kw, "service_minutes": kw["service_minutes"] * 3})
    T = kw["times"].copy()
    T[1, 0] = np.inf
    with pytest.raises(ValidationError, match="needs every unit to reach every demand point; units 'u1'"):
        hypercube(**{**kw, "times": T})
    with pytest.raises(ValidationError, match=r"unknown unit type\(s\) \['ladder'\]"):
        hypercube(**kw, unit_types="ladder")
    big = _system(0, 21, 3, 0.5)
    with pytest.raises(ValidationError, match="N = 21 units is too many"):
        hypercube(**big, method="exact")
    assert hypercube(**big).method == "larson"


def test_points_without_calls_are_ignored():
    kw = _system(3, 3, 4, 0.5)
    rates = kw["demand"]["incidents_per_year"].to_numpy().copy()
    rates[1] = 0.0
    a = hypercube(**kw, incidents_per_year=rates)
    sub = {**kw, "demand": kw["demand"].drop(index="d1"), "times": np.delete(kw["times"], 1, axis=1)}
    b = hypercube(**sub, incidents_per_year=np.delete(rates, 1))
    np.testing.assert_allclose(a.workload.to_numpy(), b.workload.to_numpy())
    assert a.dispatch.loc["d1"].sum() == 0.0
