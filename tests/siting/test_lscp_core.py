"""LSCP MIP phase of issue 23: the core problem (Caprara, Fischetti and Toth 1999), the incumbent
cutoff handed to HiGHS, and their proofs, against plain HiGHS on the full 0/1 matrix."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_siting import milp_set_cover

import yingji as yj
from yingji.siting.coverage import setcover as sc

_milp_opt = milp_set_cover  # the independent oracle (scipy's HiGHS, whole matrix)


def _inst(seed, n, m, d, weighted):
    rng = np.random.default_rng(seed)
    A = rng.random((n, m)) < d
    A[np.arange(n), rng.integers(0, m, n)] = True
    c = rng.integers(1, 4, m).astype(float) if weighted else np.ones(m)
    return A, c


@pytest.fixture
def core_always(monkeypatch):
    """Run the core phase on small instances too."""
    monkeypatch.setattr(sc, "CORE_MIN_COLS", 0)
    monkeypatch.setattr(sc, "CORE_COLS_PER_ROW", 0)
    monkeypatch.setattr(sc, "CORE_PER_ROW", 1)


@pytest.mark.parametrize("seed,weighted", [(0, False), (1, True), (2, True), (3, False), (4, True)])
def test_core_phase_reaches_the_optimum(core_always, seed, weighted):
    # 80 x 60 at 8 %: the heuristic leaves a gap, so price-out, the core MIP and (where the core
    # misses a column) the MIP on the priced-out model all run
    A, c = _inst(seed, 80, 60, 0.08, weighted)
    r = yj.lscp(coverage=A, site_cost=c, time_limit=60)
    opt = _milp_opt(A, c)
    assert r.objective == opt and r.optimal and r.bound == opt
    assert yj.is_covering(coverage=A, sites=r.sites)
    if "core_columns" in r.extras:
        assert 0 < r.extras["core_columns"] <= A.shape[1]
        assert r.extras["core_objective"] >= opt


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 40), m=st.integers(4, 25),
       d=st.floats(0.05, 0.4), weighted=st.booleans())
def test_auto_with_core_and_cutoff_matches_the_exact_path(seed, n, m, d, weighted):
    A, c = _inst(seed, n, m, d, weighted)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sc, "CORE_MIN_COLS", 0)
        mp.setattr(sc, "CORE_COLS_PER_ROW", 0)
        mp.setattr(sc, "CORE_PER_ROW", 1)
        r = yj.lscp(coverage=A, site_cost=c, time_limit=30)
    e = yj.lscp(coverage=A, site_cost=c, method="exact", reduce=False, time_limit=30)
    assert r.optimal and e.optimal
    assert r.objective == pytest.approx(e.objective) and r.bound <= r.objective + 1e-9
    assert yj.is_covering(coverage=A, sites=r.sites)


def test_core_mask_keeps_the_least_reduced_cost_columns_of_each_row():
    # rows {0,1,2}, {2,3}, {3,4}; u = 0 so the reduced cost is the cost
    A = sp.csr_matrix(np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 1]], dtype=np.int64))
    c = np.array([3.0, 1.0, 2.0, 5.0, 4.0])
    red = sc._LscpReduced(np.arange(3), np.arange(5), A, c, np.zeros(5), np.zeros(0, np.int64), 0.0, {})
    none = np.zeros(5, dtype=bool)
    m = sc._lscp_core_mask(red, none, np.zeros(3), per_row=1)
    assert np.nonzero(m)[0].tolist() == [1, 2, 4]
    # the LP support and the incumbent join; a tie in reduced cost goes to the larger LP value
    x = np.array([False, False, False, True, False])
    m = sc._lscp_core_mask(red, x, np.array([0.0, 0.0, 1.0]), x_lp=np.array([0.0, 0, 0, 0, 0.5]), per_row=1)
    assert m.tolist() == [False, True, True, True, True]
    rc = c - A.T @ np.array([0.0, 0.0, 1.0])  # [3, 1, 2, 4, 3]: row 2's columns 3 and 4
    assert rc.tolist() == [3.0, 1.0, 2.0, 4.0, 3.0]


@pytest.mark.parametrize("cutoff", [False, True])
def test_cutoff_proof_returns_the_incumbent_as_optimal(monkeypatch, cutoff):
    monkeypatch.setattr(sc, "HIGHS_CUTOFF", cutoff)
    # a 5-cycle: every cover needs 3 columns; the incumbent {0, 2, 4} is optimal and the cutoff
    # 2.5 leaves HiGHS nothing to find
    A = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 1],
                                [1, 0, 0, 0, 1]], dtype=np.int64))
    red = sc._LscpReduced(np.arange(5), np.arange(5), A, np.ones(5), np.zeros(5), np.zeros(0, np.int64), 0.0, {})
    model = sc._lscp_model(red)
    assert sc._cutoff_options(model, model.c, 3.0)["objective_bound"] == 2.5
    assert "objective_bound" not in (sc._cutoff_options(model, model.c + 0.3, 3.3) or {})  # costs not integral
    sol, proven = sc._solve_cut(model, np.array([1.0, 0, 1, 0, 1]), 3.0, solver=None, time_limit=10,
                                mip_gap=0.0, verbose=False)
    assert proven or (sol.optimal and sol.objective == 3.0)
    # no incumbent to cut against: the plain solve
    sol, proven = sc._solve_cut(model, None, np.inf, solver=None, time_limit=10, mip_gap=0.0, verbose=False)
    assert not proven and sol.objective == 3.0


def test_core_phase_honours_a_short_time_limit(core_always, monkeypatch):
    # no wall-clock assertion (the machine is shared): every HiGHS call gets a limit inside what
    # is left of the call's, the core MIP at most CORE_TIME_SHARE of it
    limits = []
    real = sc.solve

    def spy(model, **kw):
        limits.append((model.name, kw["time_limit"]))
        return real(model, **kw)

    monkeypatch.setattr(sc, "solve", spy)
    A, c = _inst(7, 400, 120, 0.03, True)
    # with the JIT off (NUMBA_DISABLE_JIT=1) the heuristics alone take longer than 0.5 s, and
    # the call would end before any HiGHS call: a limit that still reaches the MIPs
    import numba

    tl = 8.0 if numba.config.DISABLE_JIT else 0.5
    r = yj.lscp(coverage=A, site_cost=c, time_limit=tl)
    assert yj.is_covering(coverage=A, sites=r.sites) and r.bound <= r.objective + 1e-9
    assert limits and all(0 < t <= tl for _, t in limits)
    assert all(t <= sc.CORE_TIME_SHARE * tl + 1e-9 for name, t in limits if name == "lscp_core")


@pytest.mark.parametrize("seed,weighted", [(0, False), (2, True), (3, False)])
def test_a_core_that_misses_columns_falls_back_to_the_priced_out_mip(core_always, monkeypatch, seed, weighted):
    # a core of the incumbent's columns alone: the core MIP proves only the incumbent, the
    # columns outside it survive reduced-cost fixing, and the MIP on them (with the cutoff)
    # must find the optimum
    monkeypatch.setattr(sc, "_lscp_core_mask", lambda red, x, u, x_lp=None, per_row=1: x.copy())
    monkeypatch.setattr(sc, "_lscp_core_cannot_close", lambda *a: 0)
    monkeypatch.setattr(sc._lscp_bb, "BB_MAX_NODES", 0)  # the LP tree (third round) would prove it first
    A, c = _inst(seed, 80, 60, 0.08, weighted)
    r = yj.lscp(coverage=A, site_cost=c, time_limit=60)
    opt = _milp_opt(A, c)
    assert r.extras["core_priced_out_left"] > 0 and "solver_status" in r.extras
    assert r.objective == opt and r.optimal


@pytest.mark.slow
def test_rail516_proven_by_the_core(shared_datasets):
    # issue 23: 516 x 47,311, costs 1-2, optimum 182 (= the LP bound); the core of least LP
    # reduced cost holds an optimal cover and reduced-cost fixing leaves no column outside it
    # (or, when the incumbent is already 183, the core is skipped and the priced-out MIP proves it)
    from yingji.datasets import load_scp

    A, c = load_scp(shared_datasets / "orlib" / "scp" / "rail516.txt")
    r = yj.lscp(coverage=A, site_cost=c, time_limit=120)
    assert r.objective == 182.0 and r.optimal and yj.is_covering(coverage=A, sites=r.sites)
    assert r.seconds <= 120 * 1.1


@pytest.mark.slow
def test_rail582_proven(shared_datasets):
    # issue 23, second round: 582 x 55,515, optimum 211, LP bound 209.7; the core takes the
    # incumbent to 211 and the MIP on the priced-out model (no objective_bound) proves it
    from yingji.datasets import load_scp

    A, c = load_scp(shared_datasets / "orlib" / "scp" / "rail582.txt")
    r = yj.lscp(coverage=A, site_cost=c, time_limit=300)
    assert r.objective == 211.0 and r.optimal and r.bound == 211.0
    assert yj.is_covering(coverage=A, sites=r.sites)


def test_a_pulp_solver_skips_the_core(core_always, monkeypatch):
    # the core MIP is a HiGHS model: with a PuLP solver the call goes straight to that solver
    pulp = pytest.importorskip("pulp")
    called = []
    monkeypatch.setattr(sc, "_lscp_core_phase", lambda *a, **k: called.append(1))
    A, c = _inst(0, 80, 60, 0.08, False)
    r = yj.lscp(coverage=A, site_cost=c, solver=pulp.PULP_CBC_CMD(msg=False), time_limit=60)
    assert not called and r.objective == _milp_opt(A, c)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60), m=st.integers(4, 40),
       d=st.floats(0.04, 0.3), weighted=st.booleans(), cutoff=st.booleans())
def test_second_round_paths_match_scipy_milp(seed, n, m, d, weighted, cutoff):
    # issue 23, second round: the core phase on every instance (so its skip test decides), the
    # MIPs with or without HiGHS's objective_bound; the optimum is plain scipy.optimize.milp's
    A, c = _inst(seed, n, m, d, weighted)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sc, "CORE_MIN_COLS", 0)
        mp.setattr(sc, "CORE_COLS_PER_ROW", 0)
        mp.setattr(sc, "CORE_PER_ROW", 1)
        mp.setattr(sc, "HIGHS_CUTOFF", cutoff)
        r = yj.lscp(coverage=A, site_cost=c, time_limit=30)
    opt = _milp_opt(A, c)
    assert r.optimal and r.objective == opt and r.bound <= opt + 1e-9
    assert yj.is_covering(coverage=A, sites=r.sites)


@pytest.mark.parametrize("seed", range(8))
def test_core_skip_test_is_sound(seed, monkeypatch):
    # the claim behind the skip: a core phase run anyway proves its cover optimal only at the
    # bound ceil(L) or where the test finds no survivor outside the core at ceil(L) + 1
    A, c = _inst(seed, 70, 50, 0.07, False)
    red = sc._lscp_reduce(A, c, np.zeros(0, np.int64), np.zeros(0, np.int64))
    x, ub, _lb, raw, u = sc._lscp_heuristic(red, 200)
    opt = _milp_opt(A, c) - red.offset
    ceil_l = float(np.ceil(raw - 1e-6))
    monkeypatch.setattr(sc, "_lscp_core_cannot_close", lambda *a: 0)
    for per_row in (1, 2, 3):
        core = _real_mask(red, x, u, per_row=per_row)
        monkeypatch.setattr(sc, "_lscp_core_mask", lambda *a, core=core: core)
        left = _real_skip(red, core, raw, u, ceil_l + 1.0)
        _x2, z, proven = sc._lscp_core_phase(red, x.copy(), ub, raw, u, None, t0=time.perf_counter(), tl=30,
                                            mip_gap=0.0, extras={})
        assert z >= opt - 1e-9
        if proven:
            assert z == opt
            assert z == ceil_l or left == 0
        if left:
            # counted directly: columns outside the core with L + max(0, rc) <= ceil(L)
            rc = red.c - np.asarray(sp.csc_matrix(red.A, dtype=float).T @ u).ravel()
            assert left == int(((raw + np.maximum(rc, 0) <= ceil_l + 1e-6) & ~core).sum())
        # a dearer incumbent: never skipped
        assert _real_skip(red, core, raw, u, ceil_l + 2.0) == 0


_real_skip = sc._lscp_core_cannot_close
_real_mask = sc._lscp_core_mask
