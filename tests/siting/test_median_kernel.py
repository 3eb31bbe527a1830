"""Kernel search for the p-median (issue 23): each kernel's p-set is a true p-set of the whole
problem, never worse than the start, and a kernel holding every site proves the exact optimum;
``auto`` still proves the exact optimum with the kernel stage in either place it runs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from naive_median import brute_p_median
from yingji.siting.median import median_cost, p_median
from yingji.siting.median.driver import _knn_improver, _prepare
from yingji.siting.median.kernel import _bracket_order, _bracket_order_lists, _dense_sub, _kernel_search, _kernel_sizes


def _points(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    return cdist(xy, xy), rng.integers(1, 5, n).astype(float)


def _run(C, p, w, fixed=None, tl=60.0):
    run, _ = _prepare(C, p, w, fixed, "auto", tl, 1e-6, None, 0, None, False, time.perf_counter())
    return run


def test_bracket_order_is_the_lagrangian_bracket_order():
    rng = np.random.default_rng(4)
    C = rng.uniform(0, 50, (37, 23))
    w = rng.uniform(0.5, 2.0, 37)
    lam = rng.uniform(0, 60, 37)
    live = rng.random(23) < 0.7
    rho = np.array([sum(min(0.0, w[i] * C[i, j] - lam[i]) for i in range(37)) for j in range(23)])
    got = _bracket_order(C, w, lam, live, block=5)
    assert set(got.tolist()) == set(np.nonzero(live)[0].tolist())
    assert np.all(np.diff(rho[got]) >= -1e-9)


def test_kernel_sizes_grow_to_every_live_site():
    assert list(_kernel_sizes(10, 75)) == [30, 50, 70, 75]
    assert list(_kernel_sizes(200, 1400))[:3] == [300, 400, 500]
    assert list(_kernel_sizes(200, 1400))[-1] == 1400
    assert list(_kernel_sizes(5, 12)) == [12]


@pytest.mark.parametrize("seed,n,p", [(0, 14, 3), (1, 15, 4), (2, 16, 5)])
def test_kernel_of_every_site_proves_the_brute_force_optimum(seed, n, p):
    """From the first p sites (a poor start) the kernels grow to every site; the last one is the
    whole problem, so its bound is valid and its p-set optimal (brute force over every p-set)."""
    C, w = _points(n, seed)
    ref_v, _ = brute_p_median(C, p, w)
    run = _run(C, p, w)
    s0 = np.arange(p)
    ub0 = median_cost(C, s0, weights=w)
    lam = w * np.sort(C, axis=1)[:, 1]
    order = _bracket_order(run.Cp, run.wk, lam, np.ones(n, dtype=bool))
    sites, ub, bound = _kernel_search(run, s0, ub0, order, run.fixed_mask.copy(), run.allowed.copy(), lam,
                                      time.perf_counter() + 30, _dense_sub(run, _knn_improver))
    assert len(sites) == p and len(set(sites.tolist())) == p
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    assert ub == pytest.approx(ref_v, rel=1e-9)
    assert bound <= ref_v * (1 + 1e-9) and run.closed(bound, ub)
    rec = run.extras["kernel"]
    assert rec["sizes"][-1] == n and all(rec["proven"]) and rec["from"] == ub0


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_small_kernel_is_an_upper_bound_only(seed):
    """A kernel of a few sites gives a true p-set of the whole problem (never worse than the
    start, the fixed site kept, only live sites or the start's) and no bound."""
    C, w = _points(60, seed)
    p = 6
    run = _run(C, p, w, fixed=[7])
    amask = run.allowed.copy()
    amask[[7, 50, 51, 52]] = False  # 50-52 closed (as by fixing); 7 is fixed open
    fmask = run.fixed_mask.copy()
    s0 = np.array([7, 50, 1, 2, 3, 4])  # an incumbent site fixing closed (50) must stay usable
    ub0 = median_cost(C, s0, weights=w)
    lam = w * np.sort(C, axis=1)[:, 2]
    order = np.arange(60)[::-1]  # a poor ranking: the kernel is small and far from the optimum
    sites, ub, bound = _kernel_search(run, s0, ub0, order, fmask, amask, lam, time.perf_counter() + 30,
                                      _dense_sub(run, _knn_improver))
    assert 7 in sites.tolist() and not ({51, 52} & set(sites.tolist()))
    assert len(sites) == p and ub <= ub0 + 1e-9
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    keep = np.setdiff1d(np.arange(60), [51, 52])  # the sites the kernels may use
    ref = p_median(C[:, keep], p, weights=w, fixed=[7], method="exact")
    assert ref.optimal and ub >= ref.objective - 1e-9
    rec = run.extras["kernel"]
    assert rec["sizes"][0] == 32  # 1.5 p = 9 < p + 20 = 26 ranked sites (53-59, 32-49), the 6 of the start
    assert rec["values"][0] >= ub - 1e-9
    # a bound only once a kernel held every live site, and then one valid for the live sites (the
    # masks stand for reduced-cost fixing: the better p-sets avoid 50-52)
    live = np.setdiff1d(np.arange(60), [50, 51, 52])
    assert (bound == -np.inf) != (rec["sizes"][-1] == live.size and all(rec["proven"]))
    ref_live = p_median(C[:, live], p, weights=w, fixed=[7], method="exact")
    assert ref_live.optimal and bound <= ref_live.objective * (1 + 1e-9)


def test_kernel_search_honours_its_time():
    C, w = _points(80, 6)
    run = _run(C, 8, w)
    s0 = np.arange(8)
    ub0 = median_cost(C, s0, weights=w)
    sites, ub, bound = _kernel_search(run, s0, ub0, np.arange(80), run.fixed_mask.copy(), run.allowed.copy(),
                                      w * 1.0, time.perf_counter() - 1.0, _dense_sub(run, _knn_improver))
    assert np.array_equal(sites, s0) and ub == ub0 and bound == -np.inf
    assert run.extras["kernel"]["sizes"] == []


@pytest.mark.parametrize("where", ["lp", "deferred"])
@pytest.mark.parametrize("seed,n,p", [(0, 200, 60), (0, 250, 80)])
def test_auto_with_the_kernel_stage_proves_the_exact_optimum(monkeypatch, seed, n, p, where):
    """The kernel stage forced on (no minimum gap), after the reduced LP (its LP ranking) or in
    place of the deferred reduced model (the Lagrangian ranking): ``auto`` proves the optimum the
    compact MIP proves alone (``method="exact"``), and the stage ran."""
    import yingji.siting.median.driver as drv

    rng = np.random.default_rng(seed)
    C = rng.uniform(0, 100, (n, n))
    w = rng.integers(1, 5, n).astype(float)
    ref = p_median(C, p, weights=w, method="exact", time_limit=60)
    assert ref.optimal
    monkeypatch.setattr(drv, "_MIP_ROWS_PER_S", 1e-6)
    monkeypatch.setattr(drv, "_KERNEL_MIN_GAP", -1.0)
    if where == "deferred":
        monkeypatch.setattr(drv, "_KNN_FIRST_MAX_KEPT", 10)
    r = p_median(C, p, weights=w, method="auto", time_limit=60)
    assert r.optimal
    assert r.objective == pytest.approx(ref.objective, rel=1e-6)
    assert r.bound <= ref.objective * (1 + 1e-9)
    assert len(r.extras["kernel"]["sizes"]) >= 1
    if where == "deferred":
        assert r.extras.get("knn_deferred", 0) > 10
    else:
        assert r.extras.get("knn_lp_rounds", 0) >= 1


def test_bracket_order_from_lists_equals_the_dense_one():
    """With every multiplier at most its row's last listed weighted distance (as the coordinate
    entry point keeps them) the listed pairs give every bracket exactly."""
    from yingji.siting.median.knn import _knn_lists

    C, w = _points(70, 8)
    lists = _knn_lists(C, 9)
    rng = np.random.default_rng(8)
    lam = rng.uniform(0.0, 1.0, 70) * w * lists.dist[:, -1]
    live = rng.random(70) < 0.8
    a = _bracket_order(C, w, lam, live)
    b = _bracket_order_lists(lists, w, lam, live)
    rho = np.minimum(0.0, w[:, None] * C - lam[:, None]).sum(axis=0)
    np.testing.assert_allclose(rho[a], rho[b], rtol=1e-12, atol=1e-9)
    assert set(a.tolist()) == set(b.tolist())


@pytest.mark.parametrize("seed,n,p", [(9, 15, 4), (10, 16, 3)])
def test_points_kernel_of_every_site_proves_the_brute_force_optimum(seed, n, p):
    """The coordinate entry point's kernels (k-d tree lists of the kernel's points, no matrix) grow
    to every site and prove the brute-force optimum; a first kernel alone gives a true p-set."""
    from yingji.siting.median.kernel import _points_sub
    from yingji.siting.median.points import _prepare as _prepare_points

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    w = rng.integers(1, 5, n).astype(float)
    C = cdist(xy, xy)
    ref_v, _ = brute_p_median(C, p, w)
    pr = _prepare_points(xy, p, w, None, None, 60, 1e-6, 0, False, time.perf_counter())
    s0 = np.arange(p)
    ub0 = median_cost(C, s0, weights=w)
    lam = w * np.sort(C, axis=1)[:, 1]
    order = _bracket_order(C, w, lam, np.ones(n, dtype=bool))
    sites, ub, bound = _kernel_search(pr, s0, ub0, order, pr.fixed_mask.copy(), np.ones(n, dtype=bool), lam,
                                      time.perf_counter() + 30, _points_sub(pr))
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    assert ub == pytest.approx(ref_v, rel=1e-9)
    assert bound <= ref_v * (1 + 1e-9) and pr.closed(bound, ub)
    assert pr.extras["kernel"]["sizes"][-1] == n
