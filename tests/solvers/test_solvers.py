"""Solver layer: one sparse model, HiGHS and every available PuLP solver agree."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

from yingji.exceptions import InfeasibleError, SolverError, ValidationError
from yingji.solvers import SparseModel, available_pulp_solvers, gap_of, solve

PULP_SOLVERS = ["PULP_CBC_CMD", "HiGHS"]


def knapsack():
    A = sp.csr_matrix(np.array([[2, 3, 1], [4, 1, 2], [3, 4, 2]], float))
    return SparseModel([5, 4, 3], A, None, [5, 11, 8], 0, 1, [True] * 3, sense="max", name="knap")


def pulp_solver(name):
    if name not in available_pulp_solvers():
        pytest.skip(f"PuLP solver {name} not available")
    return pulp.getSolver(name, msg=False)


def test_highs_mip_optimum_and_bound():
    s = solve(knapsack())
    assert s.optimal and s.status == "optimal"
    assert s.objective == pytest.approx(9.0)
    assert s.bound == pytest.approx(9.0)
    assert s.gap == pytest.approx(0.0)
    assert knapsack().is_feasible(s.x)


def test_lp_relaxation_bound_equals_objective_and_duals():
    s = solve(knapsack().relax())
    assert s.objective == pytest.approx(32 / 3)
    assert s.bound == pytest.approx(s.objective)
    assert s.duals is not None and s.duals.shape == (3,)


@pytest.mark.parametrize("name", PULP_SOLVERS)
def test_pulp_solvers_agree_with_highs(name):
    s = solve(knapsack(), solver=pulp_solver(name))
    assert s.optimal and s.objective == pytest.approx(9.0)
    assert s.solver == f"pulp:{name}"


def test_to_pulp_user_constraint():
    m = knapsack()
    prob = m.to_pulp()
    x = prob.yingji_vars
    prob += x[0] == 0, "user_rule"
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.value(prob.objective) == pytest.approx(7.0)  # x1 + x2 with x0 = 0


def test_offset_and_min_sense():
    A = sp.csr_matrix(np.array([[1.0, 1.0]]))
    m = SparseModel([1, 2], A, [1], None, 0, 1, [True, True], offset=10.0)
    s = solve(m)
    assert s.objective == pytest.approx(11.0) and s.bound == pytest.approx(11.0)


def test_mip_start_is_used_and_result_same():
    s = solve(knapsack(), start=np.array([1.0, 1.0, 0.0]))
    assert s.objective == pytest.approx(9.0)


def test_infeasible_raises():
    A = sp.csr_matrix(np.array([[1.0, 1.0]]))
    m = SparseModel([1, 1], A, [3], None, 0, 1, [True, True])
    with pytest.raises(InfeasibleError, match="infeasible"):
        solve(m)


@pytest.mark.parametrize("name", PULP_SOLVERS)
def test_infeasible_raises_pulp(name):
    A = sp.csr_matrix(np.array([[1.0, 1.0]]))
    m = SparseModel([1, 1], A, [3], None, 0, 1, [True, True])
    with pytest.raises(InfeasibleError, match="infeasible"):
        solve(m, solver=pulp_solver(name))


def test_unbounded_raises_solver_error():
    m = SparseModel([-1.0], sp.csr_matrix((0, 1)), [], [], 0, np.inf, [False])
    with pytest.raises(SolverError, match="nbounded"):
        solve(m)


def test_empty_model():
    m = SparseModel(np.zeros(0), sp.csr_matrix((0, 0)), [], [], [], [], [], offset=3.0)
    s = solve(m)
    assert s.objective == 3.0 and s.optimal


def test_time_limit_returns_best_found_with_gap():
    # A hard-ish random set-cover instance stopped almost at once: either solved or time_limit
    rng = np.random.default_rng(0)
    n, m = 400, 200
    A = sp.random(n, m, density=0.03, random_state=1, format="csr")
    A.data[:] = 1
    A = A + sp.csr_matrix((np.ones(n), (np.arange(n), rng.integers(0, m, n))), shape=(n, m))
    A.data[:] = 1
    c = rng.uniform(1, 100, m)
    model = SparseModel(c, A, np.ones(n), None, 0, 1, np.ones(m, bool))
    s = solve(model, time_limit=0.05)
    assert s.status in ("optimal", "time_limit")
    if s.has_solution:
        assert model.is_feasible(s.x)
        assert s.bound <= s.objective + 1e-6
        assert s.gap == pytest.approx(gap_of(s.objective, s.bound))


def test_validation_errors():
    with pytest.raises(ValidationError, match="A has 2 columns but c has 3"):
        SparseModel([1, 2, 3], sp.csr_matrix(np.ones((1, 2))), None, None, 0, 1, None)
    with pytest.raises(ValidationError, match="sense must be"):
        SparseModel([1], sp.csr_matrix(np.ones((1, 1))), None, None, 0, 1, None, sense="up")
    with pytest.raises(ValidationError, match="c contains NaN"):
        SparseModel([np.nan], sp.csr_matrix(np.ones((1, 1))), None, None, 0, 1, None)
    with pytest.raises(ValidationError, match="'time_limit' parameter of solve"):
        solve(knapsack(), time_limit=0)
    with pytest.raises(ValidationError, match="'start' parameter of solve"):
        solve(knapsack(), start=[1, 2])
    with pytest.raises(ValidationError, match="'mip_gap' parameter"):
        solve(knapsack(), mip_gap=2)
    with pytest.raises(SolverError, match="PuLP solver object"):
        solve(knapsack(), solver=42)


@given(st.integers(min_value=0, max_value=10_000))
def test_random_mips_agree_across_backends(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    A = sp.csr_matrix(rng.integers(0, 4, (n, m)).astype(float))
    c = rng.integers(-5, 6, m).astype(float)
    hi = rng.integers(1, 10, n).astype(float)
    model = SparseModel(c, A, None, hi, 0, 3, rng.random(m) < 0.7, sense="max" if seed % 2 else "min")
    a = solve(model)
    b = solve(model, solver=pulp.PULP_CBC_CMD(msg=False))
    assert a.objective == pytest.approx(b.objective, abs=1e-6)
    assert model.is_feasible(a.x) and model.is_feasible(b.x)


def test_solve_in_forked_process_pool_after_parent_solved():
    """HiGHS in a fork-context worker after the parent ran HiGHS must not hang."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork on this platform")
    solve(knapsack())  # start HiGHS's threads in the parent
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as ex:
        fut = ex.submit(_solve_knapsack_objective)
        assert fut.result(timeout=60) == pytest.approx(9.0)


def _solve_knapsack_objective():
    return solve(knapsack()).objective


def test_highs_options_pass_through():
    s = solve(knapsack(), options={"presolve": "off"})
    assert s.objective == pytest.approx(9.0)
    with pytest.raises(SolverError, match="rejected the option"):
        solve(knapsack(), options={"no_such_option": 1})
    with pytest.raises(ValidationError, match="'options' parameter"):
        solve(knapsack(), options=[("presolve", "off")])


def test_feasible_start_returned_when_stopped_before_any_solution(monkeypatch):
    """A MIP stopped (time limit) before HiGHS holds a solution still returns the caller's start:
    an assignment problem with a feasible start, stopped at once. HiGHS is kept from seeing the
    start (as when its presolve runs out the clock first), so the fallback is what answers."""
    import highspy

    monkeypatch.setattr(highspy.Highs, "setSolution", lambda self, *a, **k: None)
    n = 60
    rng = np.random.default_rng(3)
    c = rng.uniform(1.0, 10.0, n * n)
    rows = np.repeat(np.arange(2 * n), n)
    cols = np.concatenate([np.arange(i * n, (i + 1) * n) for i in range(n)]
                          + [np.arange(j, n * n, n) for j in range(n)])
    A = sp.csr_matrix((np.ones(2 * n * n), (rows, cols)), shape=(2 * n, n * n))
    model = SparseModel(c, A, 1.0, 1.0, 0.0, 1.0, np.ones(n * n, bool), name="assign")
    start = np.zeros(n * n)
    start[np.arange(n) * n + np.arange(n)] = 1.0  # the identity assignment
    s = solve(model, time_limit=1e-9, start=start)
    assert s.status == "time_limit" and not s.optimal
    assert s.x is not None and model.is_feasible(s.x)
    assert s.objective <= float(c @ start) + 1e-9
    assert s.bound <= s.objective + 1e-9


def _set_cover(n=400, m=200, seed=0):
    rng = np.random.default_rng(seed)
    A = sp.random(n, m, density=0.03, random_state=1, format="csr")
    A.data[:] = 1
    A = A + sp.csr_matrix((np.ones(n), (np.arange(n), rng.integers(0, m, n))), shape=(n, m))
    A.data[:] = 1
    return SparseModel(rng.uniform(1, 100, m), A, np.ones(n), None, 0, 1, np.ones(m, bool))


def test_wall_clock_callback_interrupts_the_mip(monkeypatch):
    """The MIP / IPM interrupt callbacks stop HiGHS once the wall clock passes the limit, even
    where HiGHS's own time_limit is not looked at (issue 23): with the callback's deadline moved
    to the past, a MIP HiGHS would prove stops as a time limit, with a consistent bound."""
    import yingji.solvers.highs as H

    model = _set_cover()
    assert solve(model, time_limit=60).optimal
    orig = H._watch_clock
    monkeypatch.setattr(H, "_watch_clock", lambda h, stop_at: orig(h, stop_at - 1e9))
    s = solve(model, time_limit=60)
    assert s.status == "time_limit" and not s.optimal
    assert s.solver_status == "kInterrupt"
    if s.has_solution:
        assert model.is_feasible(s.x) and s.bound <= s.objective + 1e-6


def test_feasibility_jump_off_with_a_start(monkeypatch):
    """With a MIP start the feasibility-jump heuristic (which ignores the time limit) is switched
    off, unless the caller's options say otherwise; without a start it is left as HiGHS has it."""
    import highspy

    seen = []
    orig = highspy.Highs.setOptionValue

    def record(self, key, val):
        seen.append((key, val))
        return orig(self, key, val)

    monkeypatch.setattr(highspy.Highs, "setOptionValue", record)
    key = "mip_heuristic_run_feasibility_jump"
    x0 = solve(knapsack()).x
    seen.clear()
    s = solve(knapsack(), start=x0)
    assert s.optimal and (key, False) in seen
    seen.clear()
    solve(knapsack())
    assert not any(k == key for k, _ in seen)
    seen.clear()
    solve(knapsack(), start=x0, options={key: True})
    assert (key, False) not in seen and (key, True) in seen
