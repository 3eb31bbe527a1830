"""MCLP reduced-cost fixing before the MIP (``_mc_rc_fix``): a site is fixed only when forcing it
the other way cannot beat the incumbent, and ``mclp`` with fixing agrees with the plain MIP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import yingji as yj
from naive_siting import brute_mclp, cover_matrix
from yingji._validation import Problems
from yingji.siting.coverage import _maxcov_reduce, _mc_rc_fix, maxcover, prepare


def _instance(seed, n, m):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 10, (n, 2))
    s = rng.uniform(0, 10, (m, 2))
    cost = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 50, n).astype(float)
    return cost, w, rng


@settings(max_examples=40)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_fixed_sites_cannot_beat_the_incumbent(seed, p):
    cost, w, rng = _instance(seed, 14, 7)
    radius = 3.0
    cov = prepare("mclp", cost, radius, None, Problems("mclp"))
    mc = _maxcov_reduce(cov, w, np.zeros(0, np.int64), p, twice=False, reduce=False)
    A = cover_matrix(cost, radius)
    k = mc.A.shape[1]
    x = np.zeros(k, bool)
    x[rng.choice(k, p, replace=False)] = True
    lower = float(w[(A[:, mc.cols[x]]).any(axis=1)].sum())
    lam = rng.uniform(0, 1, mc.wy.size) * mc.wy
    shut, keep, worst = _mc_rc_fix(mc, mc.wy.astype(float), lam, x, lower)
    assert not (shut & x).any() and not (keep & ~x).any()
    for j in np.nonzero(shut)[0]:  # best solution using site j is no better than the incumbent
        others = [c for c in range(k) if c != j]
        best = max(float(w[(A[:, mc.cols[[j, *rest]]]).any(axis=1)].sum())
                   for rest in itertools.combinations(others, p - 1))
        assert best <= lower + 1e-9 and best <= worst + 1e-9
    for j in np.nonzero(keep)[0]:  # best solution without site j is no better either
        others = [c for c in range(k) if c != j]
        best = max(float(w[(A[:, mc.cols[list(rest)]]).any(axis=1)].sum())
                   for rest in itertools.combinations(others, p))
        assert best <= lower + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_auto_with_fixing_matches_brute_force(seed):
    cost, w, _ = _instance(seed, 60, 12)
    r = yj.mclp(cost, 2.5, 3, weights=w, method="auto")
    best = brute_mclp(cover_matrix(cost, 2.5), w, 3, [])
    assert r.objective == pytest.approx(best) and r.optimal
    assert r.objective <= r.bound + 1e-9


def test_fixing_shrinks_the_mip_and_keeps_the_optimum(monkeypatch):
    # an instance where greedy + local search + the volume bound leave a gap, so the MIP runs
    # (with both branch and bounds switched off: by default they close this gap before the MIP)
    monkeypatch.setattr(maxcover, "_mc_branch_and_bound",
                        lambda mc, w1, x, val, ub, lam, end, budget, max_nodes: (x, val, ub, {"bb_skipped": "test"}))
    cost, w, _ = _instance(2, 1000, 80)
    c = yj.mclp(cost, 1.5, 10, weights=w, method="auto", time_limit=60)
    monkeypatch.setattr(maxcover, "MC_BB_WORK", 0)
    a = yj.mclp(cost, 1.5, 10, weights=w, method="auto", time_limit=60)
    b = yj.mclp(cost, 1.5, 10, weights=w, method="exact", time_limit=60)
    assert a.extras["rc_fixed_closed"] > 0 and a.extras["solver_status"] == "kOptimal"
    assert a.optimal and b.optimal and c.optimal
    assert a.objective == pytest.approx(b.objective) and c.objective == pytest.approx(b.objective)
    assert a.bound >= a.objective - 1e-9
