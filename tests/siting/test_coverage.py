"""Coverage models: reference values, fixed/p semantics, methods, labels, errors, builder registry."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import yingji as yj
from yingji.exceptions import InfeasibleError, SolverError, ValidationError

from naive_siting import brute_backup, brute_lscp, brute_mclp, cover_matrix

# 5 demand rows × 4 sites (minutes); radius 5
COST = np.array([
    [1.0, 4.0, 9.0, 4.0],
    [2.0, 3.0, 9.0, 9.0],
    [9.0, 2.0, 9.0, 9.0],
    [9.0, 9.0, 1.0, 5.0],
    [9.0, 6.0, 2.0, np.inf],
])
W = np.array([10.0, 20.0, 30.0, 40.0, 50.0])


# ----------------------------------------------------------------------------- LSCP
@pytest.mark.parametrize("method", ["auto", "exact", "heuristic"])
def test_lscp_reference(method):
    r = yj.lscp(COST, 5.0, method=method)
    assert r.objective == 2.0 and r.sites.tolist() == [1, 2]  # unique optimum
    assert r.bound == 2.0 and r.optimal and r.status == "optimal" and r.gap == 0.0
    assert yj.is_covering(COST, 5.0, r.sites)
    assert r.assignment.tolist() == [1, 1, 1, 2, 2]
    np.testing.assert_allclose(r.row_cost, [4.0, 3.0, 2.0, 1.0, 2.0])
    assert r.covered == 5.0 and r.model == "lscp" and r.sense == "min"


def test_lscp_site_cost_and_fixed():
    c = np.array([1.0, 5.0, 1.0, 1.0])
    r = yj.lscp(COST, 5.0, site_cost=c)
    assert r.objective == brute_lscp(cover_matrix(COST, 5.0), c) == 6.0
    rf = yj.lscp(COST, 5.0, site_cost=c, fixed=[3])
    assert 3 in rf.sites and rf.objective == brute_lscp(cover_matrix(COST, 5.0), c, fixed=[3])
    assert yj.is_covering(COST, 5.0, rf.sites)


def test_lscp_coverage_matrix_dense_and_sparse():
    A = cover_matrix(COST, 5.0)
    r1 = yj.lscp(coverage=A)
    r2 = yj.lscp(coverage=sp.csr_matrix(A))
    assert r1.objective == r2.objective == 2.0
    assert r1.row_cost is None or np.isnan(r1.to_frame()["cost"]).all()


def test_lscp_uncoverable_raise_and_drop():
    cost = COST.copy()
    cost[4] = [9.0, 9.0, 9.0, 9.0]
    with pytest.raises(InfeasibleError, match=r"1 demand rows cannot be covered.*rows 4") as ei:
        yj.lscp(cost, 5.0)
    assert ei.value.rows == [4]
    r = yj.lscp(cost, 5.0, uncoverable="drop")
    assert r.extras["uncovered_rows"] == [4] and r.optimal
    assert yj.is_covering(cost, 5.0, r.sites, rows=[0, 1, 2, 3])
    assert r.row_covered.tolist() == [True, True, True, True, False]


def test_lscp_labels_and_serialisation():
    df = pd.DataFrame(COST, index=[f"d{i}" for i in range(5)], columns=list("ABCD"))
    r = yj.lscp(df, 5.0, fixed=["A"])
    assert r.site_ids[0] == "A" and set(r.site_ids) <= set("ABCD")
    fr = r.to_frame()
    assert list(fr.index) == list(df.index) and fr["covered"].all()
    json.dumps(r.to_dict())
    assert "lscp" in r.summary()
    with pytest.raises(InfeasibleError, match=r"'d4'"):
        yj.lscp(df.assign(C=9.0), 5.0)


def test_lscp_reductions_reported_and_optional():
    rng = np.random.default_rng(3)
    A = rng.random((40, 30)) < 0.15
    A[np.arange(40), rng.integers(0, 30, 40)] = True
    c = rng.integers(1, 5, 30).astype(float)
    r1 = yj.lscp(coverage=A, site_cost=c)
    r2 = yj.lscp(coverage=A, site_cost=c, reduce=False, method="exact")
    r3 = yj.lscp(coverage=A, site_cost=c, reduce=False, method="heuristic", fixed=[0])
    r4 = yj.lscp(coverage=A, site_cost=c, reduce=False, method="auto", fixed=[0])
    assert r1.objective == r2.objective
    assert 0 in r3.sites and 0 in r4.sites and r3.bound <= r4.objective <= r3.objective
    assert r4.objective == yj.lscp(coverage=A, site_cost=c, fixed=[0]).objective
    info = r1.extras["reductions"]
    assert info["essential"] + info["cols_dominated"] + info["cols_cost_test"] + info["rows_dominated"] > 0


def test_lscp_all_rows_covered_by_fixed():
    r = yj.lscp(COST, 100.0, fixed=[0])
    assert r.sites.tolist() == [0] and r.optimal and r.objective == 1.0


# ----------------------------------------------------------------------------- MCLP
@pytest.mark.parametrize("method", ["auto", "exact", "heuristic"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_mclp_reference(method, p):
    A = cover_matrix(COST, 5.0)
    r = yj.mclp(COST, 5.0, p, weights=W, method=method)
    assert r.objective == pytest.approx(brute_mclp(A, W, p))
    assert r.bound >= r.objective - 1e-9 and len(r.sites) == p
    assert yj.covered_weight(COST, 5.0, W, r.sites) == pytest.approx(r.objective)
    assert r.covered == r.objective


def test_mclp_fixed_counts_in_p():
    r = yj.mclp(COST, 5.0, 2, weights=W, fixed=[0])
    assert 0 in r.sites and len(r.sites) == 2
    assert r.objective == pytest.approx(brute_mclp(cover_matrix(COST, 5.0), W, 2, fixed=[0]))
    r = yj.mclp(COST, 5.0, 1, weights=W, fixed=[3])
    assert r.sites.tolist() == [3] and r.optimal


def test_mclp_p_larger_than_useful_sites_fills_up():
    cost = np.array([[1.0, 1.0, 9.0], [1.0, 1.0, 9.0]])
    r = yj.mclp(cost, 2.0, 3)
    assert len(r.sites) == 3 and r.objective == 2.0 and r.optimal


def test_mclp_zero_weights_and_start():
    r = yj.mclp(COST, 5.0, 2, weights=np.zeros(5))
    assert r.objective == 0.0 and len(r.sites) == 2
    r = yj.mclp(COST, 5.0, 2, weights=W, start=[0, 3], method="heuristic")
    assert r.objective == pytest.approx(brute_mclp(cover_matrix(COST, 5.0), W, 2))


def test_mclp_labels():
    df = pd.DataFrame(COST, index=list("vwxyz"), columns=["s1", "s2", "s3", "s4"])
    r = yj.mclp(df, 5.0, 1, weights=pd.Series(W, index=df.index))
    assert r.site_ids == ["s3"] and r.extras["uncovered_rows"] == ["v", "w", "x"]


# ----------------------------------------------------------------------------- backup
@pytest.mark.parametrize("method", ["auto", "exact"])
def test_backup_lexicographic(method):
    A = cover_matrix(COST, 6.0)
    for p in (2, 3):
        r = yj.backup_coverage(COST, 6.0, p, weights=W, method=method)
        first, twice = brute_backup(A, W, p)
        assert r.covered == pytest.approx(first) and r.objective == pytest.approx(twice)
        assert r.optimal
        assert yj.covered_weight(COST, 6.0, W, r.sites, times=2) == pytest.approx(r.objective)
        assert json.loads(r.to_json())["extras"]["coverage_count"] == r.extras["coverage_count"].tolist()
        assert r.to_frame()["covered"].tolist() == r.row_covered.tolist()


def test_backup_heuristic_bound_is_valid():
    A = cover_matrix(COST, 6.0)
    r = yj.backup_coverage(COST, 6.0, 3, weights=W, method="heuristic")
    first, twice = brute_backup(A, W, 3)
    assert r.bound >= twice - 1e-9 and r.status in ("optimal", "heuristic")


@pytest.mark.parametrize("theta", [0.0, 0.3, 1.0])
def test_backup_tradeoff(theta):
    A = cover_matrix(COST, 6.0)
    r = yj.backup_coverage(COST, 6.0, 2, weights=W, tradeoff=theta)
    (best,) = brute_backup(A, W, 2, tradeoff=theta)
    assert r.objective == pytest.approx(best) and r.optimal
    assert r.extras["covered_twice"] == pytest.approx(yj.covered_weight(COST, 6.0, W, r.sites, times=2))


def test_backup_radius2_and_fixed():
    A = cover_matrix(COST, 3.0)
    B = cover_matrix(COST, 6.0)
    r = yj.backup_coverage(COST, 3.0, 2, weights=W, radius2=6.0, fixed=[1])
    first, twice = brute_backup(A, W, 2, fixed=[1], B=B)
    assert 1 in r.sites and r.covered == pytest.approx(first) and r.objective == pytest.approx(twice)
    assert B[:, r.sites].any(axis=1).all()
    with pytest.raises(InfeasibleError, match="within the radius2"):
        yj.backup_coverage(COST, 3.0, 2, radius2=1.5)
    with pytest.raises(InfeasibleError, match="no 1 sites put every row within radius2"):
        yj.backup_coverage(COST, 3.0, 1, radius2=6.0)


# ----------------------------------------------------------------------------- errors
def test_validation_errors_collect_everything():
    bad = COST.copy()
    bad[1, 2] = np.nan
    bad[3, 0] = -1
    with pytest.raises(ValidationError, match=r"(?s)2 problems.*NaN in rows 1.*negative values in rows 3"):
        yj.mclp(bad, 5.0, 2)
    with pytest.raises(ValidationError, match=r"'p' parameter of mclp must be an int in \[1, 4\]"):
        yj.mclp(COST, 5.0, 5)
    with pytest.raises(ValidationError, match=r"'p' parameter of mclp must be at least the number of fixed"):
        yj.mclp(COST, 5.0, 1, fixed=[0, 1])
    with pytest.raises(ValidationError, match=r"'fixed' parameter of lscp must be column positions in \[0, 4\)"):
        yj.lscp(COST, 5.0, fixed=[7])
    with pytest.raises(ValidationError, match=r"'weights' parameter of mclp must be an array of 5"):
        yj.mclp(COST, 5.0, 2, weights=[1, 2])
    with pytest.raises(ValidationError, match=r"'radius' parameter of lscp must be a float in \[0, inf\)"):
        yj.lscp(COST, -5)
    with pytest.raises(ValidationError, match=r"non-empty"):
        yj.lscp(np.zeros((0, 3)), 1.0)
    with pytest.raises(ValidationError, match=r"'coverage' parameter of mclp must be a non-empty"):
        yj.mclp(coverage=np.zeros((3, 0), bool), p=1)
    with pytest.raises(ValidationError, match=r"(?s)'weights' parameter of backup_coverage must not hold NaN. Got NaN at positions 1.*must be non-negative. Got -1 at positions 3"):
        yj.backup_coverage(COST, 5.0, 2, weights=[1, np.nan, 1, -1, 1])
    with pytest.raises(ValidationError, match=r"'cost' parameter of mclp must be"):
        yj.mclp(None, 5.0, 2)
    with pytest.raises(ValidationError, match=r"not both"):
        yj.lscp(COST, 5.0, coverage=COST < 5)
    with pytest.raises(ValidationError, match=r"'radius' parameter of lscp is not used with 'coverage'"):
        yj.lscp(radius=5.0, coverage=COST < 5)
    with pytest.raises(ValidationError, match=r"'start' parameter of mclp must be at most p=2 column positions"):
        yj.mclp(COST, 5.0, 2, start=[0, 1, 2])
    with pytest.raises(ValidationError, match=r"'start' parameter of mclp must be at most p=2"):
        yj.mclp(COST, 5.0, 2, start=["a"])
    with pytest.raises(ValidationError, match=r"'method' parameter of lscp must be one of"):
        yj.lscp(COST, 5.0, method="magic")
    with pytest.raises(ValidationError, match=r"'time_limit' parameter of mclp"):
        yj.mclp(COST, 5.0, 2, time_limit=0)
    with pytest.raises(ValidationError, match=r"'site_cost' parameter of lscp must be an array of 4"):
        yj.lscp(COST, 5.0, site_cost=[1, 2])
    with pytest.raises(ValidationError, match=r"(?s)'site_cost' parameter of lscp must not hold NaN. Got NaN at positions 3.*must be non-negative. Got -2 at positions 1"):
        yj.lscp(COST, 5.0, site_cost=[1, -2, 1, np.nan])
    with pytest.raises(ValidationError, match=r"'uncoverable' parameter of lscp must be 'raise' or 'drop'"):
        yj.lscp(COST, 5.0, uncoverable="ignore")
    with pytest.raises(ValidationError, match=r"'tradeoff' parameter of backup_coverage"):
        yj.backup_coverage(COST, 5.0, 2, tradeoff=1.5)
    with pytest.raises(ValidationError, match=r"'radius2' parameter of backup_coverage needs a 'cost' matrix"):
        yj.backup_coverage(coverage=COST < 5, p=2, radius2=3.0)
    with pytest.raises(ValidationError, match=r"'coverage' parameter of lscp must be a boolean"):
        yj.lscp(coverage=np.array([[0, 2], [1, 0]]))
    with pytest.raises(ValidationError, match=r"'coverage' parameter of lscp must be a 2-D boolean"):
        yj.lscp(coverage=np.array([1, 0]))


def test_solver_errors_without_a_solution(monkeypatch):
    from yingji.siting.coverage import backup_model, maxcover, setcover
    from yingji.solvers import Solution

    def nothing(model, **kw):
        return Solution(None, float("nan"), float("inf") if model.sense == "max" else -float("inf"), float("inf"),
                        "time_limit", False, "kTimeLimit", 0.0)

    # each model looks ``solve`` up in its own module (backup with a tradeoff goes through maxcover)
    for mod in (setcover, maxcover, backup_model):
        monkeypatch.setattr(mod, "solve", nothing)
    rng = np.random.default_rng(0)
    A = rng.random((30, 20)) < 0.2
    A[np.arange(30), rng.integers(0, 20, 30)] = True
    with pytest.raises(SolverError, match="found no cover"):
        yj.lscp(coverage=A, method="exact")
    with pytest.raises(SolverError, match="mclp: the solver found no solution"):
        yj.mclp(coverage=A, p=3, method="exact")
    with pytest.raises(SolverError, match="no solution found in the first stage"):
        yj.backup_coverage(coverage=A, p=3, method="exact")
    with pytest.raises(SolverError, match="no solution found within the time limit"):
        yj.backup_coverage(coverage=A, p=3, method="exact", tradeoff=0.5)
    built = yj.siting.build("mclp", coverage=A, p=3)
    monkeypatch.setattr("yingji.solvers.solve", nothing)
    with pytest.raises(SolverError, match="no feasible solution"):
        built.solve()
    # auto keeps the heuristic answer, with its honest gap, when the MIP finds nothing
    r = yj.mclp(coverage=A, p=3, method="auto")
    assert r.objective <= r.bound
    r = yj.lscp(coverage=A, method="auto")
    assert r.objective >= r.bound


def test_backup_heuristic_radius2_failure(monkeypatch):
    from yingji.siting.coverage import backup_model

    monkeypatch.setattr(backup_model, "_mc_heuristic", lambda mc, *a, **k: np.zeros(mc.cols.size, bool))
    with pytest.raises(SolverError, match="heuristic found no set of sites meeting radius2"):
        yj.backup_coverage(COST, 3.0, 2, radius2=6.0, method="heuristic")


# ----------------------------------------------------------------------------- builder
def test_build_registry_and_pulp():
    assert {"lscp", "mclp", "backup_coverage"} <= set(yj.siting.registered_models())
    m = yj.siting.build("lscp", COST, 5.0)
    assert m.model.n_cols == 4 and m.solve().objective == 2.0
    lp = m.to_pulp()
    assert lp.numVariables() == 4
    m = yj.siting.build("mclp", COST, 5.0, p=2, weights=W, fixed=[0])
    r = m.solve()
    assert r.objective == pytest.approx(brute_mclp(cover_matrix(COST, 5.0), W, 2, fixed=[0]))
    m = yj.siting.build("backup_coverage", COST, 6.0, 2, weights=W, tradeoff=0.5)
    r = m.solve()
    assert r.objective == pytest.approx(brute_backup(cover_matrix(COST, 6.0), W, 2, tradeoff=0.5)[0])
    m = yj.siting.build("mclp", COST, 5.0, p=2, reduce=True)
    assert m.info["reductions"]["model_cols"] <= 4
    with pytest.raises(ValidationError, match=r"'model_name' parameter of build must be one of"):
        yj.siting.build("nope")


def test_checkers():
    assert yj.coverage_count(COST, 5.0, [0, 1, 2]).tolist() == [2, 2, 1, 1, 1]
    assert yj.uncovered_rows(COST, 5.0, [2]).tolist() == [0, 1, 2]
    assert not yj.is_covering(coverage=cover_matrix(COST, 5.0), sites=[2])
    assert yj.covered_weight(COST, 5.0, W, [0, 1, 2], times=2) == 30.0
    with pytest.raises(ValidationError, match=r"'sites' parameter of coverage_count must be column positions"):
        yj.coverage_count(COST, 5.0, [9])
    with pytest.raises(ValidationError, match=r"'sites' parameter of coverage_count must be a sequence"):
        yj.coverage_count(COST, 5.0, None)
    with pytest.raises(ValidationError, match=r"'times' parameter of covered_weight must be an int >= 1"):
        yj.covered_weight(COST, 5.0, W, [1], times=0)
    with pytest.raises(ValidationError, match=r"not both"):
        yj.coverage_count(COST, 5.0, [1], coverage=COST < 5)
