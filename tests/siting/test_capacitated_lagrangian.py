"""Capacitated facility location by Lagrangian relaxation + site fixing + reduced MIP (issue 5)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji as yj
from yingji.exceptions import ValidationError
from yingji.siting.capacitated import capacitated_location, location_cost


def _inst(n, m, seed, tight=1.3):
    rng = np.random.default_rng(seed)
    xy_d = rng.uniform(0, 100, (n, 2))
    xy_s = rng.uniform(0, 100, (m, 2))
    d = rng.integers(1, 20, n).astype(float)
    C = d[:, None] * np.sqrt(((xy_d[:, None] - xy_s[None]) ** 2).sum(-1))
    cap = np.full(m, np.ceil(tight * d.sum() / max(1, m // 3)))
    f = rng.uniform(200, 800, m)
    return C, d, cap, f


def _assert_feasible(r, C, d, cap, f):
    X = r.allocation
    assert sp.issparse(X)
    assert np.allclose(np.asarray(X.sum(axis=1)).ravel(), 1.0)
    load = np.asarray((sp.diags(d) @ X).sum(axis=0)).ravel()
    assert np.all(load <= cap + 1e-6 * cap.max())
    assert set(np.unique(X.nonzero()[1])) <= set(r.sites.tolist())
    assert location_cost(C, X, f, r.sites) == pytest.approx(r.objective, rel=1e-9)
    assert r.bound <= r.objective + 1e-6 * abs(r.objective)


@settings(max_examples=12)
@given(st.integers(0, 10_000), st.sampled_from([1.05, 1.3, 2.0]), st.booleans())
def test_lagrangian_agrees_with_strong_formulation(seed, tight, with_fixed):
    C, d, cap, f = _inst(30, 9, seed, tight)
    fixed = [int(seed % 9)] if with_fixed else None
    a = capacitated_location(C, d, cap, f, method="lagrangian", fixed=fixed, time_limit=30)
    b = capacitated_location(C, d, cap, f, method="mip", fixed=fixed, time_limit=30)
    assert a.optimal and b.optimal
    assert a.objective == pytest.approx(b.objective, rel=1e-6)
    _assert_feasible(a, C, d, cap, f)
    if fixed:
        assert fixed[0] in a.sites.tolist()
    assert a.method.startswith("lagrangian")


def test_extras_report_the_reduction():
    C, d, cap, f = _inst(120, 25, 3)
    r = capacitated_location(C, d, cap, f, method="lagrangian", time_limit=60)
    ref = capacitated_location(C, d, cap, f, method="mip", time_limit=60)
    assert r.objective == pytest.approx(ref.objective, rel=1e-6) and r.optimal
    ex = r.extras
    assert ex["lagrangian_bound"] <= r.objective + 1e-6 * r.objective
    assert ex["heuristic_objective"] >= r.objective - 1e-6 * r.objective
    assert 0 <= ex["reduced_sites"] <= 25
    _assert_feasible(r, C, d, cap, f)


def test_auto_takes_lagrangian_route_on_large_models():
    C, d, cap, f = _inst(400, 50, 5)
    r = capacitated_location(C, d, cap, f, time_limit=60)
    assert r.method.startswith("lagrangian") and r.optimal
    _assert_feasible(r, C, d, cap, f)
    small = capacitated_location(C[:40, :10], d[:40], cap[:10] * 10, f[:10])
    assert small.method == "exact"


def test_short_time_limit_keeps_status_honest():
    C, d, cap, f = _inst(400, 50, 7, tight=1.02)
    r = capacitated_location(C, d, cap, f, method="lagrangian", time_limit=0.5)
    _assert_feasible(r, C, d, cap, f)
    assert r.status in ("optimal", "time_limit")
    assert r.optimal == (r.gap <= 1e-6)


def test_bad_method_is_named():
    with pytest.raises(ValidationError, match="'method' parameter of capacitated_location"):
        capacitated_location([[1.0, 2.0]], [1.0], [2.0, 2.0], [1.0, 1.0], method="lagrange")


CAP_ABC = [("capa", 8000), ("capa", 10000), ("capa", 12000), ("capa", 14000),
           ("capb", 5000), ("capb", 6000), ("capb", 7000), ("capb", 8000),
           ("capc", 5000), ("capc", 5750), ("capc", 6500), ("capc", 7250)]


@pytest.mark.slow
@pytest.mark.parametrize("name,capacity", CAP_ABC)
def test_orlib_capa_capb_capc_proven_optimal(shared_datasets, name, capacity):
    from yingji.datasets.orlib import load_cap, load_cap_optima

    d = shared_datasets / "orlib" / "cap"
    opt = load_cap_optima(d / "capopt.txt")
    ref = float(opt[(opt.instance == name) & (opt.capacity == capacity)].optimum.iloc[0])
    inst = load_cap(d / f"{name}.txt", capacity=capacity)
    r = yj.capacitated_location(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, time_limit=120)
    assert r.optimal and r.objective == pytest.approx(ref, abs=2e-3)
    assert r.bound <= ref + 2e-3
    _assert_feasible(r, np.asarray(inst.cost), np.asarray(inst.demand, float), np.asarray(inst.capacity, float),
                     np.asarray(inst.fixed_cost, float))
