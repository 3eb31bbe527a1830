"""Solver matrix: the same coverage cases through each available PuLP solver (skip the others)."""

from __future__ import annotations

import numpy as np
import pulp
import pytest

import yingji as yj

from naive_siting import brute_backup, brute_lscp, brute_mclp, cover_matrix, pulp_lscp, pulp_mclp

AVAILABLE = set(pulp.listSolvers(onlyAvailable=True))


def _solver(name):
    if name not in AVAILABLE:
        pytest.skip(f"PuLP solver {name} not available")
    return {"PULP_CBC_CMD": lambda: pulp.PULP_CBC_CMD(msg=False), "HiGHS": lambda: pulp.HiGHS(msg=False),
            "HiGHS_CMD": lambda: pulp.HiGHS_CMD(msg=False), "GLPK_CMD": lambda: pulp.GLPK_CMD(msg=False)}[name]()


SOLVERS = ["PULP_CBC_CMD", "HiGHS", "HiGHS_CMD", "GLPK_CMD"]


def _instance(seed=5, n=12, m=7):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 10, (n, m)).round(1)
    w = rng.integers(1, 20, n).astype(float)
    return cost, w


@pytest.mark.parametrize("name", SOLVERS)
def test_lscp_with_pulp_solver(name):
    solver = _solver(name)
    cost, _ = _instance()
    c = 1.0 + np.arange(cost.shape[1]) % 2
    r = yj.lscp(cost, 6.0, site_cost=c, fixed=[2], method="exact", solver=solver)
    A = cover_matrix(cost, 6.0)
    assert r.objective == brute_lscp(A, c, [2]) == pulp_lscp(A, c, [2])
    assert r.optimal and yj.is_covering(cost, 6.0, r.sites)


@pytest.mark.parametrize("name", SOLVERS)
@pytest.mark.parametrize("p", [2, 3])
def test_mclp_with_pulp_solver(name, p):
    solver = _solver(name)
    cost, w = _instance()
    A = cover_matrix(cost, 3.0)
    r = yj.mclp(cost, 3.0, p, weights=w, fixed=[0], method="exact", solver=solver)
    assert r.objective == pytest.approx(brute_mclp(A, w, p, [0]))
    assert r.objective == pytest.approx(pulp_mclp(A, w, p, [0]))
    assert r.optimal


@pytest.mark.parametrize("name", SOLVERS)
def test_backup_with_pulp_solver(name):
    solver = _solver(name)
    cost, w = _instance()
    r = yj.backup_coverage(cost, 4.0, 3, weights=w, method="exact", solver=solver)
    first, twice = brute_backup(cover_matrix(cost, 4.0), w, 3)
    assert r.covered == pytest.approx(first) and r.objective == pytest.approx(twice)


@pytest.mark.parametrize("name", SOLVERS)
def test_built_model_with_pulp_solver_and_user_constraint(name):
    solver = _solver(name)
    cost, w = _instance()
    m = yj.siting.build("mclp", cost, 3.0, p=2, weights=w)
    r = m.solve(solver=solver)
    assert r.objective == pytest.approx(brute_mclp(cover_matrix(cost, 3.0), w, 2))
    # the PuLP problem takes user constraints: forbid the chosen sites, the objective cannot rise
    prob = m.to_pulp()
    v = {var.name: var for var in prob.variables()}
    for s in r.sites:
        prob += v[f"x_{s}"] == 0
    prob.solve(_solver(name))
    assert pulp.value(prob.objective) <= r.objective + 1e-6
