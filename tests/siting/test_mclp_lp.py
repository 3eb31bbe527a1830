"""The MCLP LP bound by the multi-cut Benders master (``siting.coverage._mclp_lp``): its value is
the compact LP's (scipy HiGHS), its bound is a certified Lagrangian bound at least the LP and at
least the integer optimum (brute force), and it stops at its deadline."""

from __future__ import annotations

import itertools
import os
import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from yingji.siting.coverage._mclp_lp import lagrangian_value, mclp_lp_benders


def _cover(seed, n, m, side=10.0, radius=2.5):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, side, (n, 2))
    s = rng.uniform(0, side, (m, 2))
    A = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1)) <= radius
    A = A[A.any(axis=1)]
    w = rng.integers(1, 100, A.shape[0]).astype(float)
    return sp.csr_matrix(A.astype(np.int64)), w, rng


def _lp(A, w, p, fixed):
    """The compact LP (x then y) by scipy's HiGHS."""
    n, k = A.shape
    Aub = sp.vstack([sp.hstack([-A, sp.identity(n)]), sp.hstack([sp.csr_matrix(np.ones((1, k))), sp.csr_matrix((1, n))])])
    bub = np.concatenate([np.zeros(n), [p + fixed.sum()]])
    bounds = [(1.0 if f else 0.0, 1.0) for f in fixed] + [(0.0, 1.0)] * n
    r = linprog(np.concatenate([np.zeros(k), -w]), A_ub=Aub, b_ub=bub, bounds=bounds, method="highs")
    assert r.status == 0
    return -r.fun


@pytest.mark.parametrize("seed", range(12))
def test_benders_lp_equals_the_compact_lp(seed):
    n, m, p = [(200, 30, 3), (400, 50, 6), (300, 40, 10)][seed % 3]
    A, w, rng = _cover(seed, n, m)
    k = A.shape[1]
    fixed = np.zeros(k, bool)
    if seed % 4 == 3:
        fixed[rng.choice(k, 2, replace=False)] = True
    lp = _lp(A, w, p, fixed)
    bound, lower, lam, x, info = mclp_lp_benders(A, w, fixed, p)
    assert info["stop"] in ("solved", "no_cut")
    assert bound >= lp - 1e-6 * lp                       # a valid bound cannot be below the LP
    assert bound == pytest.approx(lp, rel=1e-6)
    assert lower == pytest.approx(lp, rel=1e-6) and lower <= lp + 1e-6 * lp
    # x is LP-feasible and its value is lower
    assert x.min() >= 0 and x.max() <= 1 and x[~fixed].sum() <= p + 1e-7 and (x[fixed] == 1).all()
    assert float(w @ np.minimum(1.0, A @ x)) == pytest.approx(lower)
    # the bound is the Lagrangian value of the multipliers returned
    assert lagrangian_value(A, w, lam, fixed, p) == pytest.approx(bound)


@pytest.mark.parametrize("empty", [[2], [0], [0, 3], [1, 2, 3]])
def test_rows_no_site_covers_anywhere_in_the_matrix(empty):
    """A row nobody covers (a trailing one indexed past the end of the column indices)."""
    dense = np.array([[1, 0], [0, 1], [1, 1], [0, 1]])
    dense[empty] = 0
    A, w = sp.csr_matrix(dense), np.array([1.0, 2.0, 4.0, 8.0])
    bound, lower, _, _, info = mclp_lp_benders(A, w, np.zeros(2, bool), 1)
    best = max(float(w[dense[:, j] > 0].sum()) for j in range(2))
    assert bound == pytest.approx(best) and lower == pytest.approx(best), info


def test_master_runs_after_another_highs_instance():
    """HiGHS keeps one thread scheduler per process: a master asking for another thread count
    than the process's first instance failed every run (it stopped as "master" in a full test
    run). A fresh process, so that the first instance here is HiGHS's default one."""
    code = """
import highspy, numpy as np, scipy.sparse as sp
from yingji.siting.coverage._mclp_lp import mclp_lp_benders
h = highspy.Highs(); h.setOptionValue("output_flag", False)
h.addVar(0.0, 1.0); h.changeColCost(0, -1.0); h.run()
rng = np.random.default_rng(1)
d, s = rng.uniform(0, 10, (200, 2)), rng.uniform(0, 10, (30, 2))
A = sp.csr_matrix((np.sqrt(((d[:, None] - s[None]) ** 2).sum(-1)) <= 2.5).astype(float))
bound, lower, _, _, info = mclp_lp_benders(A, rng.integers(1, 9, 200).astype(float), np.zeros(30, bool), 3)
print(info["stop"], bound, lower)
"""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr
    stop, bound, lower = out.stdout.split()[-3:]
    assert stop in ("solved", "no_cut") and float(bound) == pytest.approx(float(lower), rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_at_least_the_brute_force_optimum(seed):
    A, w, _ = _cover(100 + seed, 40, 9, side=6.0, radius=2.0)
    k = A.shape[1]
    Ad = A.toarray().astype(bool)
    for p in (1, 2, 3):
        best = max(float(w[Ad[:, list(c)].any(axis=1)].sum()) for c in itertools.combinations(range(k), p))
        bound, lower, *_ = mclp_lp_benders(A, w, np.zeros(k, bool), p)
        assert bound >= best - 1e-9 and lower <= bound + 1e-9


def test_lagrangian_value_bounds_the_optimum_for_any_multipliers():
    A, w, rng = _cover(7, 30, 8, side=6.0, radius=2.0)
    k = A.shape[1]
    Ad = A.toarray().astype(bool)
    best = max(float(w[Ad[:, list(c)].any(axis=1)].sum()) for c in itertools.combinations(range(k), 2))
    for _ in range(20):
        lam = rng.uniform(-0.5, 1.5, w.size) * w          # clipped into [0, w]
        assert lagrangian_value(A, w, lam, np.zeros(k, bool), 2) >= best - 1e-9


def test_deadline_and_empty_model():
    A, w, _ = _cover(3, 3000, 300, side=30.0, radius=4.0)
    t = time.perf_counter()
    bound, lower, lam, x, info = mclp_lp_benders(A, w, np.zeros(A.shape[1], bool), 8, deadline=t)
    assert info["stop"] == "time" and info["rounds"] == 0 and bound >= _lp(A, w, 8, np.zeros(A.shape[1], bool)) - 1e-6
    b0, l0, *_ = mclp_lp_benders(sp.csr_matrix((0, 4), dtype=np.int64), np.zeros(0), np.zeros(4, bool), 2)
    assert b0 == 0.0 and l0 == 0.0


def _large_path_case(monkeypatch, seed):
    """A 2,000 x 100 MCLP (p = 6, 3 km) solved by ``auto`` on the large-model path with a
    Lagrangian search that cannot finish, and by ``exact``: ``(cost, w, auto, exact)``."""
    import yingji as yj
    from yingji.siting.coverage import maxcover

    monkeypatch.setattr(maxcover, "MC_BB_MIN_NNZ", 0)   # the large-model path on a small model
    monkeypatch.setattr(maxcover, "MC_BB_MAX_NODES", 3)  # and a search that cannot finish
    monkeypatch.setattr(maxcover, "MC_BB_WORK", 0)       # nor its quick tries
    rng = np.random.default_rng(seed)
    d, s = rng.uniform(0, 15.8, (2000, 2)), rng.uniform(0, 15.8, (100, 2))
    cost = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 100, 2000).astype(float)
    a = yj.mclp(cost, 3.0, 6, weights=w, method="auto", time_limit=60)
    b = yj.mclp(cost, 3.0, 6, weights=w, method="exact", time_limit=60)
    return cost, w, a, b


# seeds whose volume bound and local search leave a gap (seed 501 is closed by them: its LP is integral)
@pytest.mark.parametrize("seed", [500, 502, 503])
def test_auto_reports_the_lp_bound_when_its_search_stops_early(seed, monkeypatch):
    cost, w, a, b = _large_path_case(monkeypatch, seed)
    A = sp.csr_matrix((cost <= 3.0).astype(np.int64))
    keep = np.asarray(A.sum(axis=1)).ravel() > 0
    lp = _lp(A[keep], w[keep], 6, np.zeros(100, bool))
    assert a.extras["lp_stop"] == "solved" and a.extras["lp_bound"] == pytest.approx(lp, rel=1e-7)
    assert a.objective <= b.objective + 1e-9 <= a.bound + 1e-6
    assert a.bound <= lp + 1e-6 * lp and a.bound <= a.extras["lagrangian_bound"] + 1e-6


def _brute(A, w, p, fixed):
    Ad = A.toarray().astype(bool)
    k = A.shape[1]
    fx = list(np.nonzero(fixed)[0])
    free = [j for j in range(k) if not fixed[j]]
    return max(float(w[Ad[:, fx + list(c)].any(axis=1)].sum()) for c in itertools.combinations(free, p))


@pytest.mark.parametrize("seed", range(8))
def test_lp_branch_and_bound_proves_the_brute_force_optimum(seed):
    from yingji.siting.coverage._mclp_lpbb import lp_branch_and_bound

    A, w, rng = _cover(200 + seed, 60, 12, side=8.0, radius=2.2)
    if seed % 2:
        w = w + rng.uniform(0, 1, w.size)          # non-integral weights
    k = A.shape[1]
    fixed = np.zeros(k, bool)
    if seed % 4 == 3:
        fixed[rng.choice(k, 1)] = True
    p = 2 + seed % 3
    best = _brute(A, w, p, fixed)
    bound, _, _, _, info = mclp_lp_benders(A, w, fixed, p)
    x0 = fixed.copy()
    v0 = float(w[A.toarray()[:, x0].any(axis=1)].sum())
    x, v, b, inf2 = lp_branch_and_bound(info["master"], fixed, p, x0, v0, bound, max_nodes=10_000,
                                        integral=seed % 2 == 0)
    assert inf2["complete"] and v == pytest.approx(best) and b == pytest.approx(best)
    assert x.sum() <= p + fixed.sum() and (x[fixed]).all()
    assert float(w[A.toarray()[:, x].any(axis=1)].sum()) == pytest.approx(v)
    # a search cut short by its node budget still returns a valid bound
    _, _, _, _, info2 = mclp_lp_benders(A, w, fixed, p)
    _, v2, b2, inf3 = lp_branch_and_bound(info2["master"], fixed, p, x0, v0, bound, max_nodes=1,
                                          integral=seed % 2 == 0)
    assert b2 >= best - 1e-6 and v2 <= best + 1e-9 and inf3["nodes"] <= 2


@pytest.mark.parametrize("seed", [500, 502, 503])
def test_auto_proves_with_the_lp_branch_and_bound(seed, monkeypatch):
    cost, w, a, b = _large_path_case(monkeypatch, seed)
    assert b.optimal and a.extras["lpbb_complete"] and a.optimal, a.extras
    assert a.objective == pytest.approx(b.objective)
    assert a.objective == pytest.approx(float(w[(cost[:, a.sites] <= 3.0).any(axis=1)].sum()))


def test_lp_branch_and_bound_stops_at_its_deadline_with_a_valid_bound():
    from yingji.siting.coverage._mclp_lpbb import lp_branch_and_bound

    A, w, _ = _cover(9, 400, 40, side=10.0, radius=2.5)
    k = A.shape[1]
    none = np.zeros(k, bool)
    bound, _, _, _, info = mclp_lp_benders(A, w, none, 4)
    x, v, b, inf2 = lp_branch_and_bound(info["master"], none, 4, none, 0.0, bound, deadline=time.perf_counter(),
                                        integral=True)
    assert inf2["stop"] == "time" and inf2["nodes"] == 0 and b == bound and v == 0.0 and not x.any()
