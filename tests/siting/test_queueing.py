"""yingji.siting.hypercube: Larson's hypercube on a demand × units travel matrix.

The model's own tests (exact chain against M/M/N and by hand, Larson's approximation against the
book and the exact chain) are in ``tests/simulation/test_hypercube.py`` and
``test_larson_approx.py``, through :func:`yingji.simulation.hypercube`; these check that the
matrix-level function is the same model, keeps labels and checks its input.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import yingji.siting as siting
import yingji.simulation as simulation
from naive_dispatch import erlang_c
from yingji.exceptions import ValidationError, YingjiWarning
from yingji.siting.queueing import MINUTES_PER_YEAR, HypercubeResult, hypercube


def _fleet(seed, N, n, rho):
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(N)]
    points = [f"d{j}" for j in range(n)]
    rate = pd.Series(rng.uniform(100, 1000, n), index=points)
    travel = pd.DataFrame(rng.uniform(1, 10, (n, N)), index=points, columns=units)  # demand x units
    svc = rho * N * MINUTES_PER_YEAR / rate.sum()
    return travel, rate, svc


def test_exported_from_siting_and_simulation():
    assert siting.hypercube is hypercube
    assert siting.HypercubeResult is HypercubeResult is simulation.HypercubeResult
    assert "hypercube" in siting.__all__ and "HypercubeResult" in siting.__all__
    assert simulation.MINUTES_PER_YEAR == MINUTES_PER_YEAR


@pytest.mark.parametrize("method, N", [("exact", 4), ("larson", 4), ("auto", 12)])
def test_same_model_as_the_county_face(method, N):
    travel, rate, svc = _fleet(N, N, 2 * N, 0.6)
    units = pd.DataFrame({"type": ["engine"] * N}, index=travel.columns)
    demand = pd.DataFrame({"incidents_per_year": rate})
    a = simulation.hypercube(units=units, demand=demand, times=travel.T.to_numpy(), service_minutes=svc,
                             method=method)  # GB 51080: limit 5 min with 1 min turnout
    b = hypercube(travel, rate, service_minutes=svc, limit_minutes=5.0, turnout_minutes=1.0, method=method)
    assert a.method == b.method and a.iterations == b.iterations
    pd.testing.assert_series_equal(a.workload, b.workload, rtol=0, atol=0)
    pd.testing.assert_frame_equal(a.dispatch, b.dispatch, rtol=0, atol=0)
    for f in ("mean_travel_minutes", "mean_response_minutes", "mean_wait_minutes", "p_all_busy",
              "first_due_busy", "within_standard", "limit_minutes", "turnout_minutes"):
        assert getattr(a, f) == getattr(b, f), f


def test_labels_positions_and_rates_aligned():
    travel, rate, svc = _fleet(1, 3, 5, 0.5)
    hc = hypercube(travel, rate.iloc[::-1], service_minutes=svc, limit_minutes=4.0)  # Series aligned by id
    assert list(hc.workload.index) == list(travel.columns) and hc.workload.index.name == "unit"
    assert list(hc.dispatch.index) == list(travel.index)
    np.testing.assert_allclose(hc.dispatch.sum(axis=1).to_numpy(), (rate / rate.sum()).to_numpy())
    plain = hypercube(travel.to_numpy(), rate.to_numpy(), service_minutes=svc, limit_minutes=4.0)
    assert list(plain.workload.index) == [0, 1, 2] and list(plain.dispatch.index) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(plain.workload.to_numpy(), hc.workload.to_numpy())
    assert hc.workload.sum() == pytest.approx(3 * 0.5, rel=1e-9)
    assert hc.p_all_busy == pytest.approx(erlang_c(3, 1.5), rel=1e-9)
    assert hc.turnout_minutes == 0.0 and hc.limit_minutes == 4.0


def test_within_standard_counts_turnout_and_limit():
    # one unit 3 minutes away, hardly ever busy: every call meets a 5-minute limit with 1 minute
    # turnout and none meets a 3.5-minute one
    travel = np.array([[3.0]])
    ok = hypercube(travel, [1.0], service_minutes=1.0, limit_minutes=5.0, turnout_minutes=1.0)
    late = hypercube(travel, [1.0], service_minutes=1.0, limit_minutes=3.5, turnout_minutes=1.0)
    assert ok.within_standard == pytest.approx(1.0, abs=1e-5) and late.within_standard == 0.0
    assert ok.mean_response_minutes == pytest.approx(4.0, abs=1e-5)


def test_errors():
    travel, rate, svc = _fleet(0, 2, 3, 0.5)
    good = dict(service_minutes=svc, limit_minutes=5.0)
    with pytest.raises(ValidationError, match="'method' parameter of hypercube"):
        hypercube(travel, rate, **good, method="approx")
    with pytest.raises(ValidationError, match="'service_minutes' parameter of hypercube"):
        hypercube(travel, rate, service_minutes=0.0, limit_minutes=5.0)
    with pytest.raises(ValidationError, match="'limit_minutes' parameter of hypercube"):
        hypercube(travel, rate, service_minutes=svc, limit_minutes=-1.0)
    with pytest.raises(ValidationError, match="'turnout_minutes' parameter of hypercube"):
        hypercube(travel, rate, **good, turnout_minutes=float("nan"))
    bad = travel.copy()
    bad.iloc[1, 0] = np.nan
    with pytest.raises(ValidationError, match="'travel' parameter of hypercube must not contain NaN.*'d1'"):
        hypercube(bad, rate, **good)
    bad.iloc[1, 0] = -1.0
    with pytest.raises(ValidationError, match="'travel' parameter of hypercube must be non-negative"):
        hypercube(bad, rate, **good)
    with pytest.raises(ValidationError, match="'travel' parameter of hypercube must be a 2-D array"):
        hypercube(np.ones(3), rate.to_numpy(), **good)
    with pytest.raises(ValidationError, match="'incidents_per_year' parameter of hypercube must be an array of 3"):
        hypercube(travel, rate.to_numpy()[:2], **good)
    with pytest.raises(ValidationError, match="'incidents_per_year' parameter of hypercube must not hold NaN. Got NaN at positions 2"):
        hypercube(travel, rate.drop(index="d2"), **good)  # a Series without d2: NaN after alignment
    with pytest.raises(ValidationError, match="must have a positive total"):
        hypercube(travel, np.zeros(3), **good)
    with pytest.raises(ValidationError, match="the system is unstable"):
        hypercube(travel, rate, service_minutes=svc * 3, limit_minutes=5.0)
    far = travel.copy()
    far.iloc[0, 1] = np.inf
    with pytest.raises(ValidationError, match="needs every unit to reach every demand point; units 'u1'"):
        hypercube(far, rate, **good)
    big, big_rate, big_svc = _fleet(0, 21, 3, 0.5)
    with pytest.raises(ValidationError, match="N = 21 units is too many"):
        hypercube(big, big_rate, service_minutes=big_svc, limit_minutes=5.0, method="exact")


def test_non_convergence_warning_names_the_caller():
    travel, rate, svc = _fleet(2, 5, 8, 0.7)
    units = pd.DataFrame({"type": ["engine"] * 5}, index=travel.columns)
    demand = pd.DataFrame({"incidents_per_year": rate})
    for call in (lambda: hypercube(travel, rate, service_minutes=svc, limit_minutes=5.0, method="larson",
                                   max_iter=1),
                 lambda: simulation.hypercube(units=units, demand=demand, times=travel.T.to_numpy(),
                                              service_minutes=svc, method="larson", max_iter=1)):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            call()
        hits = [w for w in got if issubclass(w.category, YingjiWarning)]
        assert len(hits) == 1 and "did not converge" in str(hits[0].message)
        assert hits[0].filename == __file__
