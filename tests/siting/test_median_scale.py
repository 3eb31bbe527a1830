"""p-median at scale (issue 23): the reduced K-nearest (radius) model against the exact methods,
``auto`` never worse than ``heuristic``, the TSPLIB loader, and the time limit on TSPLIB sizes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from naive_median import brute_p_median
from yingji.datasets import load_tsplib, tsplib_cost
from yingji.exceptions import ValidationError
from yingji.siting.median import median_cost, p_median
from yingji.siting.median.driver import _prepare
from yingji.siting.median.knn import _build_knn, _knn_lists, _knn_lists_xy, _run_knn


def _points(n, seed, integer):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    C = cdist(xy, xy)
    if integer:
        C = np.round(C)
    return xy, C, rng.integers(1, 5, n).astype(float)


def _knn_alone(C, p, w, start):
    """The reduced model on its own (no Lagrangian bound or fixing before it), from ``start``."""
    run, _ = _prepare(C, p, w, None, "knearest", 60, 1e-6, None, 0, None, False, time.perf_counter())
    s0 = np.asarray(start, dtype=np.int64)
    sites, ub, bound, lists = _run_knn(run, s0, median_cost(C, s0, weights=w), -np.inf, run.deadline,
                                       run.fixed_mask.copy(), run.allowed.copy())
    return run, sites, ub, bound


# ----------------------------------------------------------------------------- K-nearest model
@pytest.mark.parametrize("seed,n,p", [(0, 50, 2), (0, 50, 5), (1, 60, 7), (2, 70, 4), (3, 70, 11)])
def test_knearest_model_reaches_the_exact_optimum(seed, n, p):
    """Started from a poor p-set (the first p sites), the reduced model is enlarged until exact and
    proves the optimum the compact MIP (a different formulation) finds."""
    _, C, w = _points(n, seed, integer=bool(seed % 2))
    ref = p_median(C, p, weights=w, method="exact")
    assert ref.optimal
    run, sites, ub, bound = _knn_alone(C, p, w, np.arange(p))
    assert ub == pytest.approx(ref.objective, rel=1e-9)
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    assert run.closed(bound, ub)  # proven, not just found
    assert bound <= ref.objective + 1e-9
    assert run.extras.get("knn_lp_rounds", 0) >= 1  # the LP phase always runs first


@pytest.mark.parametrize("seed,n,p", [(2, 70, 8), (10, 80, 12), (11, 80, 12), (20, 80, 12)])
def test_knearest_branches_when_the_lp_is_fractional(seed, n, p):
    """Instances whose LP relaxation is below the optimum: the LP phase ends exact but fractional,
    HiGHS's branch and bound on the reduced model proves the optimum of the compact MIP."""
    _, C, w = _points(n, seed, integer=bool(seed % 2))
    ref = p_median(C, p, weights=w, method="exact")
    assert ref.optimal
    run, sites, ub, bound = _knn_alone(C, p, w, np.arange(p))
    assert run.extras["knn_lp_bound"] < ref.objective * (1 - 1e-6)  # a real integrality gap
    assert run.extras["knn_rounds"] >= 1
    assert ub == pytest.approx(ref.objective, rel=1e-9) and run.closed(bound, ub)
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    assert bound <= ref.objective + 1e-9


def test_knearest_matches_brute_force_with_fixed_sites():
    rng = np.random.default_rng(7)
    C = rng.integers(0, 50, (14, 9)).astype(float)
    w = rng.integers(1, 4, 14).astype(float)
    for p, fixed in ((3, None), (4, [2]), (2, [5])):
        best, _ = brute_p_median(C, p, w, fixed=fixed)
        r = p_median(C, p, weights=w, fixed=fixed, method="knearest")
        assert r.optimal and r.objective == pytest.approx(best)
        assert r.method == "knearest"
        if fixed:
            assert set(fixed) <= set(r.sites.tolist())


def test_knearest_enlarges_lists_that_are_too_short():
    """Uniform points, p = 5 from the first five sites: the first lists (radius of the start) are
    too short for some rows of the reduced optimum, so they grow and the model is solved again."""
    _, C, w = _points(60, 0, integer=False)
    ref = p_median(C, 5, weights=w, method="exact")
    run, sites, ub, bound = _knn_alone(C, 5, w, np.arange(5))
    assert ub == pytest.approx(ref.objective, rel=1e-9) and run.closed(bound, ub)
    # enlarged at least once: in the LP phase (rows whose LP solution went beyond) or the MIP phase
    assert run.extras.get("knn_lp_rounds", 0) + run.extras["knn_rounds"] >= 2


def test_knearest_model_too_big_for_the_time_left_is_not_solved(monkeypatch):
    """The reduced model is not handed to HiGHS when its setup would overrun the limit: the
    incumbent comes back unchanged, with no bound claimed and ``knn_skipped`` set."""
    import yingji.siting.median.knn as knn

    calls = []
    monkeypatch.setattr(knn, "_SETUP_NNZ_PER_S", 1e-3)
    monkeypatch.setattr("yingji.solvers.solve", lambda *a, **k: calls.append(1))
    _, C, w = _points(40, 2, integer=False)
    run, sites, ub, bound = _knn_alone(C, 4, w, np.arange(4))
    assert calls == [] and run.extras["knn_skipped"] and "knn_rounds" in run.extras
    assert sites.tolist() == [0, 1, 2, 3] and ub == pytest.approx(median_cost(C, np.arange(4), weights=w))
    assert bound == -np.inf


def test_reduced_value_is_a_lower_bound_of_every_p_set():
    """The reduced model prices a row served beyond its kept sites at the first unkept distance, so
    its optimum never exceeds a p-set's true cost (checked on every p-set against brute force)."""
    from yingji.solvers import solve

    _, C, w = _points(11, 4, integer=False)
    best, _ = brute_p_median(C, 3, w)
    lists = _knn_lists(C, 11)
    mm = _build_knn(lists, w, np.zeros(11, bool), np.ones(11, bool), 3, np.full(11, 2))
    sol = solve(mm.model, time_limit=10)
    assert sol.optimal and sol.objective <= best + 1e-9


@pytest.mark.parametrize("seed,n,p,integer", [(40, 16, 3, False), (41, 16, 4, True), (42, 15, 5, False),
                                              (43, 17, 3, True)])
def test_lp_fixing_keeps_every_better_p_set(seed, n, p, integer):
    """Reduced-cost fixing from the reduced LP's duals (closed / opened sites, row radii) never cuts
    off a p-set below the cut: checked on every p-set (brute force) of random instances, with the
    cut above the 6 best p-set values, on the full model and on one with short lists."""
    from dataclasses import replace
    from itertools import combinations

    from yingji.siting.median.knn import _lp_fixing
    from yingji.solvers import solve

    _, C, w = _points(n, seed, integer)
    sets = [np.array(s) for s in combinations(range(n), p)]
    vals = np.array([w @ C[:, s].min(axis=1) for s in sets])
    cut = float(np.sort(vals)[5]) + 1e-9
    fixed_any = 0
    for kcap in (np.full(n, n), np.full(n, 4)):
        mm = _build_knn(_knn_lists(C, n), w, np.zeros(n, bool), np.ones(n, bool), p, kcap)
        sol = solve(replace(mm.model, integrality=np.zeros(mm.model.n_cols, bool)), time_limit=10)
        close, open_, rad = _lp_fixing(mm, sol, cut, np.zeros(n, bool))
        closed_sites, open_sites = set(mm.cols[close].tolist()), set(mm.cols[open_].tolist())
        fixed_any += len(closed_sites) + len(open_sites) + int(np.isfinite(rad).sum())
        for s, v in zip(sets, vals):
            if v < cut:
                assert not closed_sites & set(s.tolist())
                assert open_sites <= set(s.tolist())
                assert (C[:, s].min(axis=1) <= rad * (1 + 1e-12) + 1e-12).all()
    assert fixed_any > 0  # the test exercises some fixing


@pytest.mark.parametrize("seed,n,p", [(30, 80, 12), (31, 90, 10), (32, 80, 15)])
def test_knearest_with_lp_fixing_proves_the_exact_optimum(seed, n, p):
    """From the heuristic's p-set (a good incumbent, so the LP's reduced costs fix sites and rows)
    the reduced model, rebuilt on what fixing leaves, proves the compact MIP's optimum."""
    _, C, w = _points(n, seed, integer=bool(seed % 2))
    ref = p_median(C, p, weights=w, method="exact")
    assert ref.optimal
    h = p_median(C, p, weights=w, method="heuristic", time_limit=10)
    run, sites, ub, bound = _knn_alone(C, p, w, h.sites)
    fx = run.extras["knn_rc_fixed"]
    assert fx["closed"] + fx["rows"] > 0
    assert ub == pytest.approx(ref.objective, rel=1e-9) and run.closed(bound, ub)
    assert median_cost(C, sites, weights=w) == pytest.approx(ub, rel=1e-12)
    assert bound <= ref.objective + 1e-9


def test_knearest_lists_stay_short_when_the_model_is_exact():
    """The lists grow only for rows that need it (a bug compared each tail with an infinite
    radius and grew every list to all sites: twice the memory on TSPLIB pcb3038, p = 500)."""
    _, C, w = _points(240, 33, integer=False)
    h = p_median(C, 30, weights=w, method="heuristic", time_limit=10)
    run, _ = _prepare(C, 30, w, None, "knearest", 60, 1e-6, None, 0, None, False, time.perf_counter())
    _, ub, bound, lists = _run_knn(run, h.sites, h.objective, -np.inf, run.deadline, run.fixed_mask.copy(),
                                   run.allowed.copy())
    assert run.closed(bound, ub)
    assert lists.K < 120


def test_knn_lists_from_points_equal_lists_from_the_matrix():
    xy, C, _ = _points(300, 5, integer=False)
    a = _knn_lists(C, 12, block=64)
    b = _knn_lists_xy(xy, xy, 12)
    assert np.array_equal(a.idx, b.idx)
    np.testing.assert_allclose(a.dist, b.dist, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a.tail, b.tail, rtol=1e-12, atol=1e-9)
    full = _knn_lists(C, 300)
    assert np.isinf(full.tail).all() and full.K == 300


@pytest.mark.parametrize("seed,n,p", [(0, 200, 60), (3, 200, 60), (0, 250, 80)])
def test_auto_takes_the_reduced_model_when_the_compact_one_is_out_of_reach(monkeypatch, seed, n, p):
    """With the compact MIP out of reach (its row rate set to almost nothing), ``auto`` goes to the
    reduced K-nearest model whichever stage it would have run first (many open sites and a nearly
    tight bound put the MIP first: before, its skip left the whole limit to the tree) and proves the
    optimum the compact MIP proves on its own (``method="exact"``, a different formulation)."""
    import yingji.siting.median.driver as drv

    rng = np.random.default_rng(seed)
    C = rng.uniform(0, 100, (n, n))  # not metric: the Lagrangian bound leaves a gap here
    w = rng.integers(1, 5, n).astype(float)
    ref = p_median(C, p, weights=w, method="exact", time_limit=60)
    assert ref.optimal
    monkeypatch.setattr(drv, "_MIP_ROWS_PER_S", 1e-6)
    r = p_median(C, p, weights=w, method="auto", time_limit=60)
    assert r.optimal
    assert r.objective == pytest.approx(ref.objective, rel=1e-6)
    assert r.bound <= ref.objective * (1 + 1e-9)
    assert r.extras.get("mip_skipped")  # stage 3 was reached: the bound and fixing alone left a gap
    assert r.extras.get("knn_lp_rounds", 0) >= 1  # the reduced LP ran: no tree, no compact MIP
    assert "bnb_nodes" not in r.extras


@pytest.mark.parametrize("why", ["iterations", "too_large"])
@pytest.mark.parametrize("seed,n,p", [(0, 200, 60), (0, 250, 80)])
def test_auto_falls_back_to_the_tree_when_the_reduced_lp_stops(monkeypatch, seed, n, p, why):
    """The reduced LP stopped at its iteration cap (set to 1 here) gives no bound, and a first
    reduced model over ``_KNN_FIRST_MAX_KEPT`` (set to 10) is not tried; ``auto`` then hands the
    time left to the Lagrangian tree, which proves the optimum the compact MIP proves on its own
    (``method="exact"``). Before, the call ended with the root bound only."""
    import yingji.siting.median.driver as drv

    rng = np.random.default_rng(seed)
    C = rng.uniform(0, 100, (n, n))
    w = rng.integers(1, 5, n).astype(float)
    ref = p_median(C, p, weights=w, method="exact", time_limit=60)
    assert ref.optimal
    monkeypatch.setattr(drv, "_MIP_ROWS_PER_S", 1e-6)
    if why == "iterations":
        monkeypatch.setattr(drv, "_knn_lp_iter", lambda tl: 1)
    else:
        monkeypatch.setattr(drv, "_KNN_FIRST_MAX_KEPT", 10)
    r = p_median(C, p, weights=w, method="auto", time_limit=60)
    assert r.extras.get("mip_skipped")
    if why == "iterations":
        assert r.extras.get("knn_lp_unfinished") and r.extras.get("knn_lp_rounds") == 1
    else:
        assert r.extras.get("knn_deferred", 0) > 10 and "knn_lp_rounds" not in r.extras
    assert "knn_lp_bound" not in r.extras  # no LP finished
    assert r.extras.get("bnb_nodes", 0) >= 1
    assert r.optimal
    assert r.objective == pytest.approx(ref.objective, rel=1e-6)
    assert r.bound <= ref.objective * (1 + 1e-9)


# ----------------------------------------------------------------------------- auto vs heuristic
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auto_is_never_worse_than_heuristic(seed):
    """``auto`` runs the steps of ``heuristic`` first (same seed, fixed work), then only improves."""
    rng = np.random.default_rng(seed)
    C = rng.uniform(0, 100, (100, 40))
    w = rng.uniform(0.5, 3.0, 100)
    for p in (3, 9):
        h = p_median(C, p, weights=w, method="heuristic", seed=seed, time_limit=30)
        a = p_median(C, p, weights=w, method="auto", seed=seed, time_limit=30)
        assert a.objective <= h.objective + 1e-9 * abs(h.objective)
        assert a.bound <= a.objective + 1e-9


# ----------------------------------------------------------------------------- TSPLIB loader
def test_tsplib_loader_reads_a_small_file(tmp_path):
    f = tmp_path / "tiny.tsp"
    f.write_text("NAME : tiny\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
                 "2 3.0 4.0\n1 0 0\n3 6e0 8.0\nEOF\n")
    inst = load_tsplib(f)
    assert inst.name == "tiny" and inst.edge_weight_type == "EUC_2D"
    np.testing.assert_array_equal(inst.xy, [[0, 0], [3, 4], [6, 8]])
    D = tsplib_cost(inst.xy)
    np.testing.assert_allclose(D, [[0, 5, 10], [5, 0, 5], [10, 5, 0]])
    np.testing.assert_allclose(tsplib_cost(inst.xy, rows=[2]), [[10, 5, 0]])
    r = p_median(D, 1)
    assert r.sites.tolist() == [1] and r.objective == pytest.approx(10.0)


@pytest.mark.parametrize("body,match", [
    ("NAME : x\nDIMENSION : 2\n", "no NODE_COORD_SECTION"),
    ("DIMENSION : 2\nNODE_COORD_SECTION\n1 0 0\n2 1\nEOF\n", r"line 4: expected 'id x y'"),
    ("DIMENSION : 2\nNODE_COORD_SECTION\n1 0 0\n1 1 1\nEOF\n", "node id 1 appears more than once"),
    ("DIMENSION : 3\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n", "DIMENSION is 3 but"),
    ("DIMENSION : 2\nNODE_COORD_SECTION\n1 0 0\n5 1 1\nEOF\n", "node ids must lie in 1..2. Got 5"),
    ("EDGE_WEIGHT_TYPE : GEO\nNODE_COORD_SECTION\n1 0 0\nEOF\n", "EDGE_WEIGHT_TYPE must be one of"),
    ("DIMENSION : two\nNODE_COORD_SECTION\n1 0 0\nEOF\n", "DIMENSION must be an integer"),
])
def test_tsplib_loader_errors_name_the_file_and_line(tmp_path, body, match):
    f = tmp_path / "bad.tsp"
    f.write_text(body)
    with pytest.raises(ValidationError, match=match) as ei:
        load_tsplib(f)
    assert "bad.tsp" in str(ei.value)


def test_tsplib_loader_missing_file(tmp_path):
    with pytest.raises(ValidationError, match="'path' parameter of load_tsplib"):
        load_tsplib(tmp_path / "nope.tsp")


def test_tsplib_shared_files(shared_datasets):
    d = shared_datasets / "tsplib"
    if not d.is_dir():
        pytest.skip("tsplib/ not in the shared datasets")
    for name, n in (("fl1400", 1400), ("pcb3038", 3038), ("rl5934", 5934), ("brd14051", 14051)):
        inst = load_tsplib(d / f"{name}.tsp")
        assert inst.name == name and inst.xy.shape == (n, 2) and np.isfinite(inst.xy).all()


# ----------------------------------------------------------------------------- time limit at size
@pytest.mark.slow
@pytest.mark.parametrize("method", ["auto", "heuristic", "exact", "knearest", "classic"])
def test_time_limit_holds_on_pcb3038(shared_datasets, method):
    """A 3,038 x 3,038 matrix (74 MB): every method stops within the limit (+10 %, + slack for a
    loaded machine) with an honest bound."""
    f = shared_datasets / "tsplib" / "pcb3038.tsp"
    if not f.is_file():
        pytest.skip("pcb3038.tsp not in the shared datasets")
    C = tsplib_cost(load_tsplib(f).xy)
    t = time.perf_counter()
    r = p_median(C, 100, method=method, time_limit=6)
    wall = time.perf_counter() - t
    assert wall < 6 * 1.1 + 3, (wall, r.extras)
    assert len(r.sites) == 100 and r.bound <= r.objective * (1 + 1e-9)
    assert r.status in ("time_limit", "heuristic", "optimal")

