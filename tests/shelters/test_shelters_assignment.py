"""The transportation LP against networkx min-cost flow, capacity and radius never exceeded."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from naive_shelters import naive_2sfca, nx_assignment
from yingji import ValidationError
from yingji.shelters import (
    assign_residents,
    build_assignment_model,
    is_feasible_assignment,
    safe_weight,
    two_step_fca,
)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    P = rng.integers(0, 60, n).astype(float)
    K = rng.integers(0, 80, m).astype(float)
    D = rng.integers(0, 1200, (n, m)).astype(float)
    D[rng.random((n, m)) < 0.15] = np.inf
    r = rng.choice([300.0, 500.0, 1000.0], m)
    return P, K, D, r


@pytest.mark.parametrize("method", ["weighted", "lexicographic"])
@given(inst=instances())
def test_lp_matches_networkx_min_cost_flow(method, inst):
    P, K, D, r = inst
    res = assign_residents(P, K, D, r, method=method, time_limit=10)
    people, cost = nx_assignment(P, K, D, r)
    assert res.optimal
    assert res.sheltered == pytest.approx(people, abs=1e-6)
    assert res.person_metres == pytest.approx(cost, abs=1e-6 * max(1.0, cost))
    assert is_feasible_assignment(res.flow, P, K, D, r)
    F = res.flow.toarray()
    # never beyond capacity, population or radius
    assert (F.sum(axis=0) <= K + 1e-6).all()
    assert (F.sum(axis=1) <= P + 1e-6).all()
    assert (F[D > r[None, :]] == 0).all()
    # integral data -> integral flows (total unimodularity)
    assert np.allclose(F, np.round(F))


def test_hand_checked_instance():
    # d1 (30 people) reaches both shelters; d2 (20) only s1 (s2 is 900 m > 500 m)
    r = assign_residents([30, 20], [25, 40], [[100, 400], [50, 900]], 500)
    assert r.sheltered == 50
    assert r.person_metres == 20 * 50 + 5 * 100 + 25 * 400
    assert r.flow.toarray().tolist() == [[5, 25], [20, 0]]


def test_capacity_binds_and_people_left():
    r = assign_residents([100], [30, 20], [[10, 20]], 500)
    assert r.sheltered == 50
    assert r.flow.toarray().tolist() == [[30, 20]]


def test_nobody_in_reach():
    r = assign_residents([10, 5], [100], [[600], [np.inf]], 500)
    assert r.sheltered == 0 and r.person_metres == 0 and r.flow.nnz == 0
    assert r.optimal


def test_lexicographic_people_before_distance():
    # Sending d1 to the near shelter would block d2 (who reaches only that one):
    # the LP must shelter both and walk more.
    r = assign_residents([10, 10], [10, 10], [[0, 400], [100, np.inf]], 500)
    assert r.sheltered == 20
    assert r.flow.toarray().tolist() == [[0, 10], [10, 0]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_solver_matrix(solver):
    if solver == "cbc":
        if "PULP_CBC_CMD" not in pulp.listSolvers(onlyAvailable=True):
            pytest.skip("CBC not available")
        s = pulp.PULP_CBC_CMD(msg=False)
    else:
        s = None
    rng = np.random.default_rng(3)
    P = rng.integers(0, 50, 12).astype(float)
    K = rng.integers(10, 60, 4).astype(float)
    D = rng.integers(0, 900, (12, 4)).astype(float)
    r = np.full(4, 500.0)
    res = assign_residents(P, K, D, r, solver=s, time_limit=20)
    people, cost = nx_assignment(P, K, D, r)
    assert res.sheltered == pytest.approx(people)
    assert res.person_metres == pytest.approx(cost)


def test_model_to_pulp_and_stage_checks():
    m = build_assignment_model([5, 5], [4, 8], [[0, 100], [50, 600]], 500)
    # weighted: M = min(2 demand, 2 shelters) * 100 m + 1
    assert m.sense == "min" and m.n_cols == 3 and m.meta["weight"] == 201
    assert safe_weight([5, 5], [4, 8], [[0, 100], [50, 600]], 500) == 201
    assert build_assignment_model([5], [4], [[0]], 500, stage="people").sense == "max"
    prob = m.to_pulp()
    assert len(prob.variables()) == 3
    with pytest.raises(ValidationError, match="'sheltered' parameter of build_assignment_model"):
        build_assignment_model([5], [4], [[0]], 500, stage="distance")
    with pytest.raises(ValidationError, match="'stage' parameter of build_assignment_model"):
        build_assignment_model([5], [4], [[0]], 500, stage="cost")
    m2 = build_assignment_model([5], [4], [[0]], 500, stage="distance", sheltered=3.5)
    assert m2.row_lo[-1] == pytest.approx(3.5 - 3.5e-9)
    m3 = build_assignment_model([5], [4], [[0]], 500, stage="distance", sheltered=4, tol=0.5)
    assert m3.row_lo[-1] == 3.5


def test_is_feasible_assignment_rejects_violations():
    P, K, D, r = [10, 10], [10, 10], [[0, 400], [100, 900]], [500, 500]
    assert is_feasible_assignment([[0, 10], [10, 0]], P, K, D, r)
    assert not is_feasible_assignment([[11, 0], [0, 0]], P, K, D, r)  # beyond capacity/people
    assert not is_feasible_assignment([[0, 0], [0, 5]], P, K, D, r)  # beyond radius
    assert not is_feasible_assignment([[-1, 0], [0, 0]], P, K, D, r)
    assert not is_feasible_assignment([[0, 0]], P, K, D, r)  # wrong shape
    assert not is_feasible_assignment([[6, 0], [6, 0]], P, [11, 100], D, r)  # shelter over


def test_assign_residents_validation():
    with pytest.raises(ValidationError, match=r"'distances' parameter of assign_residents must be an array of shape \(2, 1\)"):
        assign_residents([1, 2], [3], [[1, 2]], 500)
    with pytest.raises(ValidationError, match="'population' parameter of assign_residents must be non-negative. Got -1 at positions 0"):
        assign_residents([-1, 2], [3], [[1], [2]], 500)
    with pytest.raises(ValidationError, match="'distances' parameter of assign_residents must not contain NaN"):
        assign_residents([1, 2], [3], [[np.nan], [2]], 500)
    with pytest.raises(ValidationError, match="'time_limit' parameter"):
        assign_residents([1, 2], [3], [[1], [2]], 500, time_limit=0)
    with pytest.raises(ValidationError, match="'method' parameter of assign_residents must be "
                                              "'weighted' or 'lexicographic'"):
        assign_residents([1, 2], [3], [[1], [2]], 500, method="fast")


def test_weight_is_needed_for_people_first():
    # A chain where sheltering one more person needs a long detour: d1 -> s0 blocks d0
    # unless d1 walks 400 m to s1. Person-metres alone would leave d0 out.
    P, K = [1, 1], [1, 1]
    D = [[10, np.inf], [0, 400]]
    r = assign_residents(P, K, D, 500)
    assert r.sheltered == 2 and r.person_metres == 410


def test_greedy_fallback_is_feasible():
    from yingji.siting.assignment import _greedy, _pairs  # moved out of shelters (layers issue)

    rng = np.random.default_rng(0)
    P = rng.integers(0, 50, 30).astype(float)
    K = rng.integers(0, 80, 6).astype(float)
    D = rng.uniform(0, 1000, (30, 6))
    r = np.full(6, 500.0)
    ii, jj = _pairs(D, r, P, K)
    x = _greedy(P, K, D[ii, jj], ii, jj)
    import scipy.sparse as sp

    F = sp.csr_matrix((x, (ii, jj)), shape=D.shape)
    assert is_feasible_assignment(F, P, K, D, r)
    assert x.sum() > 0


@given(instances())
def test_2sfca_matches_loops(inst):
    P, K, D, r = inst
    S = K * 1.7
    a, ratio = two_step_fca(P, S, D, r)
    a2, ratio2 = naive_2sfca(P, S, D, r)
    np.testing.assert_allclose(a, a2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ratio, ratio2, rtol=1e-12, atol=1e-12)
    # population-weighted mean = area of reachable shelters / population (<= county-wide)
    if P.sum() > 0:
        reach = ((D <= r[None, :]) & (P[:, None] > 0)).any(axis=0)
        assert P @ a / P.sum() == pytest.approx(S[reach].sum() / P.sum())
