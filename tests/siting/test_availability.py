"""MEXCLP, MALP I / II and the hypercube-adjusted MEXCLP against brute force and the exact hypercube.

The oracles here enumerate every placement of ``p`` units (combinations, or multisets when a site
may hold several) and compute the expected / reliable coverage directly from the cost matrix, with
their own busy-fraction and required-count arithmetic (no call into yingji.siting.availability).
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import scipy.sparse as sp
import pytest

import yingji as yj
from yingji.exceptions import ValidationError


def _instance(seed, n=10, m=6, spread=10.0):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.0, spread, size=(n, m))
    cost[rng.random((n, m)) < 0.15] = np.inf
    w = rng.integers(1, 20, size=n).astype(float)
    return cost, w


def _placements(m, p, multi, fixed=()):
    it = itertools.combinations_with_replacement(range(m), p) if multi else itertools.combinations(range(m), p)
    for units in it:
        if all(f in units for f in fixed):
            yield units


def _counts(cost, radius, units):
    cov = cost <= radius + 1e-9
    return np.array([sum(int(cov[i, j]) for j in units) for i in range(cost.shape[0])])


def _brute_mexclp(cost, radius, p, w, q, multi, fixed=()):
    best = -1.0
    for units in _placements(cost.shape[1], p, multi, fixed):
        n = _counts(cost, radius, units)
        val = sum(w[i] * (1.0 - q ** n[i]) for i in range(len(w)))
        best = max(best, val)
    return best


def _b_system(alpha, q):
    b = 1
    while 1.0 - q ** b < alpha - 1e-12:
        b += 1
    return b


def _b_local(alpha, load):
    b = 1
    while not (load / b < 1 and 1.0 - (load / b) ** b >= alpha - 1e-12):
        b += 1
    return b


def _brute_malp(cost, radius, p, w, b, multi=False, fixed=()):
    best = -1.0
    for units in _placements(cost.shape[1], p, multi, fixed):
        n = _counts(cost, radius, units)
        best = max(best, float(sum(w[i] for i in range(len(w)) if n[i] >= b[i])))
    return best


# ------------------------------------------------------------------------------------------ MEXCLP
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("multi", [False, True])
def test_mexclp_matches_brute_force(seed, multi):
    cost, w = _instance(seed)
    q = [0.1, 0.35, 0.6][seed % 3]
    p = 2 + seed % 2
    r = yj.mexclp(cost, 5.0, p, weights=w, busy=q, max_per_site=None if multi else 1, method="exact")
    best = _brute_mexclp(cost, 5.0, p, w, q, multi)
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert r.status == "optimal" and r.bound >= r.objective - 1e-9
    units = r.extras["unit_sites"]
    assert len(units) == p
    assert yj.siting.expected_coverage(cost, 5.0, units, weights=w, busy=q) == pytest.approx(r.objective)
    h = yj.mexclp(cost, 5.0, p, weights=w, busy=q, max_per_site=None if multi else 1, method="heuristic")
    assert h.objective <= best + 1e-9 <= h.bound + 2e-9


@pytest.mark.parametrize("seed", range(4))
def test_mexclp_fixed_sites(seed):
    cost, w = _instance(100 + seed)
    r = yj.mexclp(cost, 5.0, 3, weights=w, busy=0.4, fixed=[seed], max_per_site=1)
    assert seed in r.sites.tolist()
    assert r.objective == pytest.approx(_brute_mexclp(cost, 5.0, 3, w, 0.4, False, fixed=(seed,)), rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_mexclp_at_q0_is_mclp(seed):
    cost, w = _instance(200 + seed, n=30, m=8)
    a = yj.mexclp(cost, 5.0, 3, weights=w, busy=0.0, max_per_site=1)
    b = yj.mclp(cost, 5.0, 3, weights=w)
    assert a.objective == pytest.approx(b.objective) and a.covered == pytest.approx(b.objective)
    assert a.optimal and b.optimal


def test_mexclp_busy_from_rates():
    cost, w = _instance(7)
    rate = np.full(cost.shape[0], 3000.0)
    q = 3000.0 * cost.shape[0] * 40.0 / (525600.0 * 3)
    r = yj.mexclp(cost, 5.0, 3, weights=w, incidents_per_year=rate, service_minutes=40.0)
    assert r.extras["busy"] == pytest.approx(q)
    assert r.objective == pytest.approx(_brute_mexclp(cost, 5.0, 3, w, q, True), rel=1e-9)


def test_mexclp_large_heuristic_has_honest_gap():
    rng = np.random.default_rng(3)
    xy_d, xy_s = rng.uniform(0, 20, (400, 2)), rng.uniform(0, 20, (60, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_s[None, :, :]).transpose(2, 0, 1))
    r = yj.mexclp(cost, 4.0, 12, busy=0.3, method="heuristic", time_limit=10)
    units = r.extras["unit_sites"]
    assert yj.siting.expected_coverage(cost, 4.0, units, busy=0.3) == pytest.approx(r.objective)
    assert r.bound >= r.objective and r.gap == pytest.approx(abs(r.bound - r.objective) / r.objective)
    e = yj.mexclp(cost, 4.0, 12, busy=0.3, method="auto", time_limit=20)
    assert e.objective >= r.objective - 1e-9 and e.bound <= r.bound + 1e-9


# -------------------------------------------------------------------------------------------- MALP
@pytest.mark.parametrize("seed", range(6))
def test_malp1_matches_brute_force(seed):
    cost, w = _instance(300 + seed)
    q, alpha = [(0.3, 0.9), (0.5, 0.8), (0.2, 0.95)][seed % 3]
    p = 3
    r = yj.malp(cost, 5.0, p, weights=w, busy=q, alpha=alpha, method="exact")
    b = np.full(len(w), _b_system(alpha, q))
    assert r.extras["required"].tolist() == b.tolist()
    assert r.objective == pytest.approx(_brute_malp(cost, 5.0, p, w, b), rel=1e-9)
    assert r.status == "optimal"
    h = yj.malp(cost, 5.0, p, weights=w, busy=q, alpha=alpha, method="heuristic")
    assert h.objective <= r.objective + 1e-9 <= h.bound + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_malp2_matches_brute_force(seed):
    cost, w = _instance(400 + seed)
    rng = np.random.default_rng(seed)
    own = rng.uniform(0.0, 0.25, size=len(w))
    alpha = 0.85
    cov = cost <= 5.0 + 1e-9
    # local load: every row sharing a covering site with the row
    load = np.array([sum(own[k] for k in range(len(w)) if (cov[i] & cov[k]).any()) for i in range(len(w))])
    b = np.array([_b_local(alpha, L) for L in load])
    r = yj.malp(cost, 5.0, 4, weights=w, load=own, alpha=alpha, method="exact", max_per_site=2)
    assert r.extras["required"].tolist() == b.tolist()
    assert max(r.extras["units"].values()) <= 2
    brute2 = -1.0
    for units in _placements(cost.shape[1], 4, True):
        if max(units.count(j) for j in set(units)) > 2:
            continue
        n = _counts(cost, 5.0, units)
        brute2 = max(brute2, float(sum(w[i] for i in range(len(w)) if n[i] >= b[i])))
    assert r.objective == pytest.approx(brute2, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_malp_with_b1_is_mclp(seed):
    cost, w = _instance(500 + seed, n=30, m=8)
    a = yj.malp(cost, 5.0, 3, weights=w, busy=0.02, alpha=0.95)
    assert (a.extras["required"] == 1).all()
    assert a.objective == pytest.approx(yj.mclp(cost, 5.0, 3, weights=w).objective)


def test_malp_tiebreak_keeps_first_coverage():
    # site 0 covers rows 0 and 1, site 1 row 0 only, site 2 row 2; b = 2 for every row
    cost = np.array([[1.0, 1.0, 9.0], [1.0, 9.0, 9.0], [9.0, 9.0, 1.0]])
    r = yj.malp(cost, 2.0, 3, weights=[5, 1, 1], busy=0.3, alpha=0.9, method="exact")
    assert r.objective == 5.0 and r.covered == 7.0


def test_required_units_and_busy_fraction():
    assert yj.siting.required_units(0.9, busy=0.3) == 2
    assert yj.siting.required_units(0.95, busy=0.0) == 1
    assert yj.siting.required_units(0.99, busy=0.5) == math.ceil(math.log(0.01) / math.log(0.5))
    np.testing.assert_array_equal(yj.siting.required_units(0.95, load=[0.1, 1.0, 2.5]),
                                  [_b_local(0.95, 0.1), _b_local(0.95, 1.0), _b_local(0.95, 2.5)])
    assert yj.siting.busy_fraction([1000.0, 2000.0], 60.0, 4) == pytest.approx(3000 * 60 / 525600 / 4)


# ------------------------------------------------------------------------------ hypercube-adjusted
@pytest.mark.parametrize("seed", range(3))
def test_hypercube_adjusted_busy_against_exact_hypercube(seed):
    rng = np.random.default_rng(600 + seed)
    xy_d, xy_s = rng.uniform(0, 10, (12, 2)), rng.uniform(0, 10, (6, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_s[None, :, :]).transpose(2, 0, 1))
    rate = rng.uniform(2000, 8000, 12)
    r = yj.mexclp(cost, 4.0, 4, weights=rate, adjust="hypercube", incidents_per_year=rate, service_minutes=30.0,
                  max_per_site=1)
    units = r.extras["unit_sites"]
    exact = yj.siting.hypercube(cost[:, units], rate, service_minutes=30.0, limit_minutes=4.0, method="exact")
    np.testing.assert_allclose(r.extras["unit_busy"], exact.workload.to_numpy(), atol=0.03)
    rho = rate.sum() * 30.0 / 525600.0 / 4
    assert r.extras["system_busy"] == pytest.approx(rho)
    assert np.mean(r.extras["unit_busy"]) == pytest.approx(rho)  # Larson's normalisation
    assert r.extras["rounds"] >= 1 and r.bound >= r.objective - 1e-9
    # the objective is the corrected expected coverage with the busy fractions of the last solve
    n = r.extras["coverage_count"]
    Q, q = r.extras["correction"], np.asarray(r.extras["busy"])
    val = sum(rate[i] * sum(Q[k] * (1 - q[i]) * q[i] ** k for k in range(n[i])) for i in range(12))
    assert r.objective == pytest.approx(val, rel=1e-9)


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("kwargs, match", [
    ({"busy": 1.0}, "'busy' parameter of mexclp must be a float in \\[0, 1\\)"),
    ({"busy": -0.1}, "'busy' parameter"),
    ({}, "needs 'busy'"),
    ({"busy": 0.2, "max_per_site": 0}, "'max_per_site'"),
    ({"busy": 0.2, "adjust": "queue"}, "'adjust'"),
    ({"busy": 0.2, "adjust": "hypercube"}, "needs 'cost'"),
    ({"busy": 0.2, "incidents_per_year": [1.0, -1.0, 1.0]}, "incidents_per_year"),
])
def test_mexclp_bad_inputs(kwargs, match):
    cost = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    with pytest.raises(ValidationError, match=match):
        yj.mexclp(cost, 2.0, 1, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"busy": 0.2, "alpha": 1.0}, "'alpha' parameter of malp must be a float in \\(0, 1\\)"),
    ({"busy": 0.2, "alpha": 0}, "'alpha'"),
    ({"alpha": 0.9}, "exactly one of 'busy'"),
    ({"busy": 0.2, "load": [0.1, 0.1, 0.1], "alpha": 0.9}, "exactly one of 'busy'"),
    ({"load": [0.1, 0.1], "alpha": 0.9}, "'load'"),
])
def test_malp_bad_inputs(kwargs, match):
    cost = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    with pytest.raises(ValidationError, match=match):
        yj.malp(cost, 2.0, 1, **kwargs)


def test_busy_fraction_refuses_overload():
    with pytest.raises(ValidationError, match="busy fraction 1.14"):
        yj.siting.busy_fraction(10000.0, 60.0, 1)
    with pytest.raises(ValidationError, match="'units'"):
        yj.siting.busy_fraction(100.0, 60.0, 0)


@pytest.mark.parametrize("seed", range(4))
def test_mexclp_site_units_matches_brute_force(seed):
    cost, w = _instance(700 + seed)
    u = np.random.default_rng(seed).integers(1, 4, size=cost.shape[1])
    q = 0.4
    r = yj.mexclp(cost, 5.0, 2, weights=w, busy=q, site_units=u, fixed=[1])
    cov = cost <= 5.0 + 1e-9
    best = max(float((w * (1 - q ** (cov[:, list(s)] @ u[list(s)]))).sum())
               for s in itertools.combinations(range(cost.shape[1]), 2) if 1 in s)
    assert r.objective == pytest.approx(best, rel=1e-9) and r.optimal
    assert r.extras["coverage_count"].tolist() == (cov[:, r.sites] @ u[r.sites]).tolist()


@pytest.mark.parametrize("seed", range(3))
def test_mexclp_warm_lagrangian_bound_is_valid_and_no_weaker(seed):
    """The subgradient starts from the incumbent's next-unit values when that is lower: the bound
    must stay above the proven optimum and be no weaker than a cold start's (mu = V_i0,
    300 steps)."""
    from yingji.siting import _avail_core as core
    from yingji.siting.availability import _mexclp_levels

    rng = np.random.default_rng(40 + seed)
    n, m, p, radius = 600, 80, 12, 6.0
    towns = rng.uniform(0, 30, (5, 2))
    xy_d = towns[rng.integers(0, 5, n)] + rng.normal(0, 2, (n, 2))
    xy_s = rng.uniform(0, 30, (m, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_s[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 50, n).astype(float)
    ex = yj.mexclp(cost, radius, p, weights=w, busy=0.3, max_per_site=1, method="exact", mip_gap=1e-9,
                   time_limit=60)
    assert ex.optimal
    h = yj.mexclp(cost, radius, p, weights=w, busy=0.3, max_per_site=1, method="heuristic", time_limit=10)
    assert h.objective <= ex.objective + 1e-6 <= h.bound + 2e-6
    L, _ = _mexclp_levels(sp.csr_matrix((cost <= radius).astype(np.int64)), w, 0.3, np.zeros(m, np.int64),
                          np.ones(m, np.int64), p)
    units = np.zeros(m, np.int64)
    units[h.sites] = 1
    far = time.perf_counter() + 60
    warm, _ = core._lagrangian_bound(L, h.objective, deadline=far, x=units)
    cold, _ = core._lagrangian_bound(L, h.objective, deadline=far, max_iter=300)
    assert ex.objective - 1e-6 <= warm <= cold + 1e-8 * abs(cold)
