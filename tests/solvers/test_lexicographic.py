"""solve_lexicographic against brute force, and solve()'s report always describes the point it returns."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from yingji.exceptions import InfeasibleError, ValidationError
from yingji.solvers import SparseModel, solve, solve_lexicographic


def _cover_model(seed, n=9, m=8, density=0.35):
    """Set covering: every row covered by some column (binary)."""
    rng = np.random.default_rng(seed)
    A = (rng.random((n, m)) < density).astype(float)
    for i in range(n):
        if not A[i].any():
            A[i, rng.integers(m)] = 1.0
    return SparseModel(np.ones(m), sp.csr_matrix(A), np.ones(n), np.full(n, np.inf), np.zeros(m), np.ones(m),
                       np.ones(m, dtype=bool)), A


def _brute(A, objs):
    """Lexicographic optimum over all 0/1 vectors covering every row (tuple of stage values)."""
    n, m = A.shape
    best = None
    for bits in itertools.product((0, 1), repeat=m):
        x = np.array(bits, dtype=float)
        if (A @ x >= 1 - 1e-9).all():
            key = tuple((c @ x) * (1 if s == "min" else -1) for _, c, s in objs)
            best = key if best is None or key < best else best
    return tuple(v * (1 if s == "min" else -1) for v, (_, _, s) in zip(best, objs))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_matches_brute_force(seed):
    model, A = _cover_model(seed)
    rng = np.random.default_rng(seed + 1)
    m = A.shape[1]
    cost = 1e8 + rng.integers(0, 30, m) * 1e2  # a tie-break tiny against its scale
    spread = rng.integers(0, 5, m).astype(float)
    objs = [("count", np.ones(m), "min"), ("cost", cost, "min"), ("spread", spread, "max")]
    sol = solve_lexicographic(model, objs, time_limit=30)
    ref = _brute(A, objs)
    got = tuple(c @ sol.x for _, c, _ in objs)
    assert got[0] == ref[0] and got[1] == pytest.approx(ref[1], abs=1e-6) and got[2] == pytest.approx(ref[2])
    assert sol.optimal and [s.name for s in sol.stages] == ["count", "cost", "spread"]
    for s_, v in zip(sol.stages, got):
        assert s_.objective == pytest.approx(v) and s_.optimal
    assert sol.stages[0].bound == ref[0]  # an integral objective's bound is rounded up
    assert sol.objective == pytest.approx(got[-1])


def test_lp_levels_held_with_tolerance():
    # maximise x1 + x2 (<= 1 together), then minimise 3 x1 + x2: all of the level on x2
    A = sp.csr_matrix(np.array([[1.0, 1.0]]))
    model = SparseModel(np.zeros(2), A, [-np.inf], [1.0], [0, 0], [1, 1], [False, False])
    sol = solve_lexicographic(model, [("met", [1, 1], "max"), ("cost", [3, 1], "min")], time_limit=10)
    assert sol.x == pytest.approx([0.0, 1.0], abs=1e-7) and sol.objective == pytest.approx(1.0)
    assert [s.status for s in sol.stages] == ["optimal", "optimal"]


def test_infeasible_first_stage_raises():
    A = sp.csr_matrix(np.array([[1.0]]))
    model = SparseModel(np.zeros(1), A, [2.0], [np.inf], [0], [1], [True])
    with pytest.raises(InfeasibleError):
        solve_lexicographic(model, [("a", [1.0], "min")], time_limit=5)


@pytest.mark.parametrize("bad, name", [
    ([], "objectives"),
    ([("a", [1.0, 2.0], "min")], "objectives[0]"),
    ([("a", [np.nan], "min")], "objectives[0]"),
    ([("a", [1.0], "up")], "sense"),
    ([3], "objectives[0]"),
])
def test_bad_objectives_named(bad, name):
    model = SparseModel(np.zeros(1), sp.csr_matrix((0, 1)), [], [], [0], [1], [True])
    with pytest.raises(ValidationError, match=name.replace("[", r"\[").replace("]", r"\]")):
        solve_lexicographic(model, bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_reported_objective_is_that_of_the_returned_point(seed):
    """With a MIP start, HiGHS may improve the start inside presolve and report that objective
    while handing back the start; solve() must report c·x of the point it returns, and never a
    point worse than the start."""
    model, A = _cover_model(seed, n=14, m=10)
    rng = np.random.default_rng(seed)
    m = A.shape[1]
    cost = 1.0 + rng.integers(0, 50, m) / 1000.0
    model = SparseModel(cost, model.A, model.row_lo, model.row_hi, model.col_lo, model.col_hi, model.integrality)
    start = np.ones(m)  # open everything: feasible, far from optimal
    sol = solve(model, start=start, time_limit=10)
    assert sol.objective == pytest.approx(model.objective_value(sol.x), rel=1e-9)
    assert model.is_feasible(sol.x)
    ref = solve(model, time_limit=10)
    assert sol.objective == pytest.approx(ref.objective, rel=1e-9)


def test_a_later_stage_that_fails_keeps_the_earlier_point(monkeypatch):
    """A solver failure in a later stage (kUnknown) is reported as that stage 'failed', with the
    previous stage's point returned; a failure in stage 1 is raised."""
    import yingji.solvers.core as core
    from yingji.exceptions import SolverError

    model, A = _cover_model(3)
    m = A.shape[1]
    real = core.solve
    calls = []

    def flaky(mk, **kw):
        calls.append(mk.name)
        if len(calls) > 1:
            raise SolverError("HiGHS failed with model status kUnknown.", status="kUnknown")
        return real(mk, **kw)

    monkeypatch.setattr(core, "solve", flaky)
    objs = [("count", np.ones(m), "min"), ("cost", np.arange(m, dtype=float), "min"), ("x", np.ones(m), "max")]
    sol = solve_lexicographic(model, objs, time_limit=10)
    assert [s.status for s in sol.stages] == ["optimal", "failed", "not_run"]
    assert not sol.optimal and sol.status == "time_limit" and model.is_feasible(sol.x)
    assert sol.stages[0].objective == _brute(A, objs[:1])[0]
    calls.clear()
    monkeypatch.setattr(core, "solve", lambda mk, **kw: (_ for _ in ()).throw(SolverError("boom", status="x")))
    with pytest.raises(SolverError):
        solve_lexicographic(model, objs, time_limit=10)


def test_stage_figures_are_those_of_the_returned_point():
    model, A = _cover_model(11, n=12, m=9)
    rng = np.random.default_rng(5)
    m = A.shape[1]
    objs = [("count", np.ones(m), "min"), ("cost", rng.uniform(1e5, 1e6, m), "min")]
    sol = solve_lexicographic(model, objs, time_limit=10)
    for st_, (_, c, _) in zip(sol.stages, objs):
        assert st_.objective == pytest.approx(float(c @ sol.x), rel=1e-12)
