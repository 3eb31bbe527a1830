"""Capacitated and uncapacitated facility location."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji as yj
from naive_median import pulp_facility_location
from yingji.exceptions import InfeasibleError, ValidationError
from yingji.siting.capacitated import build_capacitated_location, capacitated_location, location_cost

C3 = np.array([[1.0, 4.0], [4.0, 1.0], [2.0, 2.0]])


def _rand(n, m, seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(1, 10, n).astype(float)
    C = d[:, None] * rng.uniform(1, 10, (n, m))
    cap = rng.integers(5, 30, m).astype(float)
    f = rng.uniform(5, 40, m)
    return C, d, cap, f


def _cbc_or_skip():
    pulp = pytest.importorskip("pulp")
    if "PULP_CBC_CMD" not in pulp.listSolvers(onlyAvailable=True):
        pytest.skip("CBC not available")


def test_small_example():
    r = capacitated_location(C3, [1, 1, 1], [2, 2], [5.0, 5.0])
    assert r.sites.tolist() == [0, 1] and r.objective == 14.0 and r.optimal
    A = r.allocation
    assert sp.issparse(A) and np.allclose(np.asarray(A.sum(axis=1)).ravel(), 1.0)
    assert r.extras["fixed_cost"] == 10.0 and r.extras["allocation_cost"] == 4.0
    assert location_cost(C3, A, [5.0, 5.0]) == r.objective
    assert yj.capacitated_location is capacitated_location
    json.dumps(r.to_dict())


def test_split_demand_pays_pro_rata():
    # one site cannot hold row 0 alone: it is split 3/4 + 1/4
    C = np.array([[4.0, 8.0]])
    r = capacitated_location(C, [4], [3, 10], [0.0, 0.0])
    assert r.objective == pytest.approx(0.75 * 4 + 0.25 * 8)
    assert r.allocation.toarray().tolist() == [[0.75, 0.25]]
    assert r.assignment.tolist() == [0]
    s = capacitated_location(C, [4], [3, 10], [0.0, 0.0], single_source=True)
    assert s.objective == 8.0 and s.assignment.tolist() == [1]


def test_uncapacitated_and_fixed_and_labels():
    df = pd.DataFrame(C3, index=list("abc"), columns=["s", "t"])
    r = capacitated_location(df, [1, 1, 1], None, [5.0, 6.0])
    assert r.objective == 5.0 + 1.0 + 4.0 + 2.0 and r.site_ids == ["s"]
    r2 = capacitated_location(df, [1, 1, 1], None, [5.0, 6.0], fixed=["t"])
    assert r2.objective == 6.0 + 4 + 1 + 2 and r2.site_ids == ["t"]  # fixed t: opening s too costs more
    assert list(r2.to_frame().index) == ["a", "b", "c"]


def test_builder_registry():
    b = yj.siting.build("capacitated_location", C3, [1, 1, 1], [2, 2], [5.0, 5.0])
    assert b.solve().objective == 14.0
    assert len(b.to_pulp().variables()) == b.model.n_cols
    u = build_capacitated_location(C3, [1, 1, 1], None, 5.0)
    assert u.solve().objective == 12.0 and u.info["kind"] == "ufl_compact"


def test_infeasible_capacity_messages():
    with pytest.raises(InfeasibleError, match="short by 2"):
        capacitated_location(C3, [2, 2, 2], [2, 2], 1.0)
    with pytest.raises(InfeasibleError, match="exceeds it by 1") as ei:
        capacitated_location(C3, [1, 1, 6], [3, 5], 1.0, single_source=True)
    assert ei.value.rows == [2]
    C = C3.copy()
    C[1, :] = np.inf
    with pytest.raises(InfeasibleError, match="cannot be served by any site"):
        capacitated_location(C, [1, 1, 1], None, 1.0)
    # enough capacity in total, but rows can only use site 0
    C2 = np.array([[1.0, np.inf], [1.0, np.inf], [1.0, 1.0]])
    with pytest.raises(InfeasibleError, match="no allocation of the demand fits the capacities"):
        capacitated_location(C2, [2, 2, 1], [3, 5], 1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"demand": [1, 1]}, r"The 'demand' parameter of capacitated_location must be a number or an array of 3"),
        ({"demand": [1, -1, 1]}, "'demand' parameter of capacitated_location must be non-negative. Got -1 at positions 1"),
        ({"capacity": [1, np.nan]}, "'capacity' parameter of capacitated_location must not hold NaN. Got NaN at positions 1"),
        ({"fixed_cost": None}, "'fixed_cost' parameter of capacitated_location must be a number or an array"),
        ({"fixed_cost": [1, np.inf]}, "'fixed_cost' parameter of capacitated_location must be finite. Got inf at positions 1"),
        ({"fixed": [5]}, "'fixed' parameter of capacitated_location must be column positions"),
        ({"method": "lagrange"}, "'method' parameter of capacitated_location must be one of \{'auto', 'lagrangian', 'mip'\}"),
        ({"time_limit": -1}, "'time_limit' parameter of capacitated_location must be a positive"),
        ({"mip_gap": "x"}, r"'mip_gap' parameter of capacitated_location must be a float in \[0, 1\)"),
        ({"capacity": "big"}, "'capacity' parameter of capacitated_location must be a number or an array of 2"),
    ],
)
def test_validation(kwargs, match):
    args = {"cost": C3, "demand": [1, 1, 1], "capacity": [2, 2], "fixed_cost": [5.0, 5.0]}
    args.update(kwargs)
    with pytest.raises(ValidationError, match=match):
        capacitated_location(**args)


def test_location_cost_validates():
    with pytest.raises(ValidationError, match="'fixed_cost' parameter of location_cost"):
        location_cost(C3, np.eye(3, 2), [1.0, -1.0])


@settings(max_examples=15)
@given(n=st.integers(1, 7), m=st.integers(1, 4), seed=st.integers(0, 10**6), single=st.booleans(),
       uncap=st.booleans(), with_fixed=st.booleans())
def test_matches_pulp_classic(n, m, seed, single, uncap, with_fixed):
    _cbc_or_skip()
    C, d, cap, f = _rand(n, m, seed)
    cap = None if uncap else np.maximum(cap, d.max() if single else 0) * (1 + (d.sum() > cap.sum()) * d.sum())
    fixed = [0] if with_fixed else None
    ref = pulp_facility_location(C, d, cap, f, single_source=single, fixed=fixed or [])
    r = capacitated_location(C, d, cap, f, single_source=single, fixed=fixed)
    assert ref is not None
    assert r.objective == pytest.approx(ref, rel=1e-6)
    assert r.optimal
    assert location_cost(C, r.allocation, f, r.sites) == pytest.approx(r.objective)
    if cap is not None:
        load = d @ r.allocation.toarray()
        assert (load <= cap + 1e-6).all()


def test_orlib_cap41_and_uncap_cap71(shared_datasets):
    from yingji.datasets.orlib import load_cap, load_cap_optima, load_uncap_opt

    opt = load_cap_optima(shared_datasets / "orlib" / "cap" / "capopt.txt")
    ref = float(opt.loc[opt.instance == "cap41", "optimum"].iloc[0])
    r = capacitated_location(*load_cap(shared_datasets / "orlib" / "cap" / "cap41.txt"), time_limit=60)
    assert r.objective == pytest.approx(ref, rel=1e-9) and r.optimal
    inst = load_cap(shared_datasets / "orlib" / "uncap" / "cap71.txt")
    assign, val = load_uncap_opt(shared_datasets / "orlib" / "uncap" / "cap71.txt.opt")
    u = capacitated_location(inst.cost, inst.demand, None, inst.fixed_cost, time_limit=60)
    assert u.objective == pytest.approx(val, rel=1e-9) and u.optimal
    assert len(assign) == inst.cost.shape[0]


@pytest.mark.parametrize("single_source,capacity", [(False, "cap"), (True, "cap"), (False, None)])
def test_time_limit_without_solution_returns_greedy_fallback(monkeypatch, single_source, capacity):
    """When the solver finds nothing in time, a feasible allocation comes back with status time_limit."""
    import yingji.siting.capacitated as capmod
    from yingji.solvers import Solution

    def no_solution(model, **kw):
        return Solution(None, float("nan"), float("-inf"), float("inf"), "time_limit", False, "kTimeLimit", 0.0)

    monkeypatch.setattr(capmod, "solve", no_solution)
    rng = np.random.default_rng(3)
    n, m = 12, 4
    C = rng.uniform(1, 10, (n, m))
    d = rng.integers(1, 5, n).astype(float)
    cap = np.full(m, d.sum() / 2) if capacity else None
    r = capmod.capacitated_location(C, d, cap, np.full(m, 3.0), single_source=single_source, method="mip")
    assert r.status == "time_limit" and not r.optimal and r.method == "greedy_fallback"
    X = r.allocation.toarray()
    assert np.allclose(X.sum(axis=1), 1.0)
    if cap is not None:
        assert (d @ X <= cap + 1e-9).all()
    if single_source:
        assert set(np.unique(X)) <= {0.0, 1.0}
    assert r.objective == pytest.approx(3.0 * len(r.sites) + float((X * C).sum()))


def test_model_too_big_for_time_left_is_skipped(monkeypatch):
    """A model HiGHS could not set up in the time left is never handed to it (the limit holds)."""
    import yingji.siting.capacitated as capmod

    called = []
    monkeypatch.setattr(capmod, "_HIGHS_SETUP_NNZ_PER_S", 1.0)  # pretend HiGHS is very slow
    monkeypatch.setattr(capmod, "solve", lambda *a, **k: called.append(1))
    rng = np.random.default_rng(5)
    C = rng.uniform(1, 10, (20, 5))
    d = np.ones(20)
    r = capmod.capacitated_location(C, d, np.full(5, 10.0), np.full(5, 2.0), method="mip", time_limit=1)
    assert not called and r.status == "time_limit" and r.extras["mip_skipped"]
    assert r.bound == -np.inf and np.allclose(r.allocation.toarray().sum(axis=1), 1.0)
