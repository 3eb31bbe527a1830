"""The small-instance exact path of ``mclp`` (greedy + swap, then the branch and bound of
the quick tries of MCLP's one branch and bound, ``yingji._kernels.maxcover_bb``, before any
Lagrangian or MIP work): the same
optimum as brute force and as an independent compact MILP, on random instances it was not
tuned on (the service benchmark uses seeds 0-7 of a 300 x 30 geometric layout)."""

from __future__ import annotations

import numpy as np
import pytest
from naive_siting import brute_mclp, cover_matrix
from scipy.optimize import Bounds, LinearConstraint, milp

import yingji as yj
from yingji.siting.coverage import maxcover


def _geometric(seed, n, m, *, clustered=False, weights="int"):
    rng = np.random.default_rng(seed)
    if clustered:
        centres = rng.uniform(0, 30, (4, 2))
        dem = centres[rng.integers(0, 4, n)] + rng.normal(0, 3, (n, 2))
    else:
        dem = rng.uniform(0, 30, (n, 2))
    sites = rng.uniform(0, 30, (m, 2))
    cost = np.sqrt(((dem[:, None, :] - sites[None, :, :]) ** 2).sum(-1)).round(3)
    if weights == "int":
        w = rng.integers(1, 100, n).astype(float)
    elif weights == "ties":
        w = np.ones(n)
    elif weights == "zeros":
        w = rng.integers(0, 3, n).astype(float)
    else:
        w = np.round(rng.uniform(0.1, 50, n), 4)
    return cost, w


def _milp_optimum(A, w, p, fixed=()):
    """max w.y s.t. y_i <= sum_j a_ij x_j, sum x <= p, fixed x = 1, x binary, y in [0, 1]:
    the textbook model, dense, no reductions (scipy's HiGHS)."""
    n, m = A.shape
    c = np.concatenate([np.zeros(m), -w])
    cover = np.hstack([-A.astype(float), np.eye(n)])
    budget = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    lo = np.zeros(m + n)
    lo[list(fixed)] = 1.0
    res = milp(c, constraints=[LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(budget, 0, p)],
               integrality=np.concatenate([np.ones(m), np.zeros(n)]), bounds=Bounds(lo, np.ones(m + n)),
               options={"mip_rel_gap": 0.0})
    assert res.status == 0
    return -res.fun


@pytest.mark.parametrize("seed", range(200, 212))
def test_service_shaped_instances_match_an_independent_milp(seed):
    """300 x 30 like the service benchmark (seeds it never used), p from 3 to 8, uniform or
    clustered demand, integer, tied or real weights."""
    rng = np.random.default_rng(seed)
    p = int(rng.integers(3, 9))
    kind = ("int", "ties", "real", "zeros")[seed % 4]
    cost, w = _geometric(seed, 300, 30, clustered=seed % 3 == 0, weights=kind)
    r = yj.mclp(cost, 6.0, p, weights=w, time_limit=30)
    best = _milp_optimum(cover_matrix(cost, 6.0), w, p)
    assert r.status == "optimal" and r.optimal
    assert r.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert r.objective <= r.bound + 1e-9 and r.gap <= 1e-6
    assert len(r.sites) == p


@pytest.mark.parametrize("seed", range(30))
def test_small_instances_match_brute_force(seed):
    rng = np.random.default_rng(1000 + seed)
    n, m = int(rng.integers(5, 40)), int(rng.integers(3, 11))
    p = int(rng.integers(1, min(m, 5) + 1))
    kind = ("int", "ties", "real", "zeros")[seed % 4]
    cost, w = _geometric(seed, n, m, weights=kind)
    radius = float(rng.uniform(3, 12))
    fixed = sorted(rng.choice(m, int(rng.integers(0, min(p, 2) + 1)), replace=False).tolist())
    best = brute_mclp(cover_matrix(cost, radius), w, p, fixed)
    for reduce in (True, False):   # without the reductions fixed sites stay in the model
        r = yj.mclp(cost, radius, p, weights=w, fixed=fixed or None, reduce=reduce)
        assert r.status == "optimal"
        assert r.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert set(fixed) <= {int(s) for s in r.sites} and len(r.sites) == p


def test_benchmark_instances_are_proven_without_the_mip():
    """The service's 300 x 30 requests: the branch and bound proves them (no HiGHS)."""
    for seed in range(8):
        cost, w = _geometric(seed, 300, 30)
        r = yj.mclp(cost, 6.0, 5, weights=w)
        assert r.optimal and r.extras.get("bb_complete_first") is True
        assert "mip_seconds" not in r.extras and "volume_iterations" not in r.extras


@pytest.mark.parametrize("seed", range(4))
def test_capped_search_falls_back_and_stays_exact(seed, monkeypatch):
    """With a node budget too small to finish, the first search hands over to the volume
    bound, a second search, the local search and the MIP: the answer is still the optimum."""
    monkeypatch.setattr(maxcover, "MC_BB_WORK", 5_000)
    monkeypatch.setattr(maxcover, "MC_BB_MIN_NODES", 1)
    cost, w = _geometric(300 + seed, 120, 20, clustered=True)
    r = yj.mclp(cost, 5.0, 6, weights=w)
    best = _milp_optimum(cover_matrix(cost, 5.0), w, 6)
    assert r.extras.get("bb_complete_first") is False
    assert r.optimal and r.objective == pytest.approx(best)


def test_heuristic_and_exact_methods_do_not_use_it():
    cost, w = _geometric(7, 100, 15)
    for method in ("heuristic", "exact"):
        r = yj.mclp(cost, 6.0, 4, weights=w, method=method)
        assert not any(k.startswith("bb_") for k in r.extras)


def test_large_instances_skip_it():
    """A node would cost more than the work budget allows a useful search: not tried."""
    assert maxcover._BBBudget(5_000_000, 2_000, 60.0).quick < maxcover.MC_BB_MIN_NODES
    assert maxcover._BBBudget(1_000, 30, 60.0).quick >= maxcover.MC_BB_MIN_NODES


@pytest.mark.parametrize("seed", [0, 5])
def test_second_search_replaces_the_mip(seed, monkeypatch):
    """Without the first search, these two instances (an LP gap the volume bound cannot close)
    go through the volume bound and the local search; the second search (volume multipliers,
    whole node cap) then proves the optimum, where HiGHS ran before."""
    monkeypatch.setattr(maxcover, "MC_BB_FIRST_SHARE", 0.0)
    cost, w = _geometric(seed, 300, 30)
    r = yj.mclp(cost, 6.0, 5, weights=w)
    assert "bb_complete_first" not in r.extras and "ils_kicks" in r.extras
    assert r.extras["bb_complete"] is True and "mip_seconds" not in r.extras
    assert r.optimal and r.objective == pytest.approx(_milp_optimum(cover_matrix(cost, 6.0), w, 5))


def test_many_columns_with_a_large_p():
    """Many columns and a large p (the former enumerative search skipped these: its tables grew
    with levels x columns): the search's state is linear in the columns, so it runs, and
    proves the disjoint-columns optimum (the p heaviest columns)."""
    import scipy.sparse as sp

    from yingji.siting._sparse import csc_arrays

    n, m = 3000, 1500
    A = sp.csr_matrix((np.ones(n, np.int64), np.arange(n) % m, np.arange(n + 1)), shape=(n, m))
    w = 1.0 + (np.arange(n) % 7)
    col_w = np.bincount(np.arange(n) % m, weights=w, minlength=m)
    x = np.zeros(m, bool)
    far = 1e18
    for p in (1400, 5):
        budget = maxcover._BBBudget(A.nnz, m, 60.0)
        args = (A, csc_arrays(A), w, x, 0.0, np.inf, None, np.zeros(m, bool), p, 1e-9, far, budget)
        _, v, ub, info = maxcover._mc_small_exact(*args)
        assert info["bb_complete"] and info["bb_nodes"] >= 1 and budget.used == info["bb_nodes"]
        assert v == pytest.approx(np.sort(col_w)[::-1][:p].sum()) and ub == pytest.approx(v)


def test_one_node_budget_is_shared_by_the_phases(monkeypatch):
    """The quick tries and the Lagrangian search draw from one node budget per call."""
    monkeypatch.setattr(maxcover, "MC_BB_FIRST_SHARE", 0.0)
    cost, w = _geometric(5, 300, 30)
    seen = []
    orig = maxcover._mc_branch_and_bound

    def spy(*a):
        seen.append(a[7].used)     # the budget: what the quick try used before
        return orig(*a)

    monkeypatch.setattr(maxcover, "_mc_branch_and_bound", spy)
    monkeypatch.setattr(maxcover, "MC_BB_WORK", 2_000)   # quick cap too small to finish
    monkeypatch.setattr(maxcover, "MC_BB_MIN_NODES", 1)
    r = yj.mclp(cost, 6.0, 5, weights=w)
    assert r.optimal and seen and seen[0] >= 1
