"""Hypothesis: every coverage model agrees with an independent brute-force formulation on small
seeded random instances (with and without fixed sites); heuristic bounds never cross the optimum;
checkers recompute every objective."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yingji as yj

from naive_siting import brute_backup, brute_lscp, brute_mclp, cover_matrix


@st.composite
def instances(draw, max_n=8, max_m=6):
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(2, max_m))
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 10, (n, m)).round(1)
    cost[rng.random((n, m)) < 0.1] = np.inf
    radius = float(draw(st.sampled_from([2.0, 3.5, 5.0])))
    w = rng.integers(0, 20, n).astype(float)
    n_fixed = draw(st.integers(0, min(2, m - 1)))
    fixed = sorted(rng.choice(m, n_fixed, replace=False).tolist())
    return cost, radius, w, fixed


@given(instances(), st.sampled_from(["auto", "exact", "heuristic"]), st.booleans())
def test_lscp_matches_brute_force(inst, method, reduce):
    cost, radius, w, fixed = inst
    A = cover_matrix(cost, radius)
    site_cost = 1.0 + (np.arange(cost.shape[1]) % 3)
    coverable = A.any(axis=1)
    if not coverable.all():
        with pytest.raises(yj.InfeasibleError):
            yj.lscp(cost, radius, site_cost=site_cost, fixed=fixed, method=method, reduce=reduce)
        r = yj.lscp(cost, radius, site_cost=site_cost, fixed=fixed, method=method, uncoverable="drop",
                    reduce=reduce)
        rows = np.nonzero(coverable)[0]
        best = brute_lscp(A[rows], site_cost, fixed) if rows.size else float(site_cost[fixed].sum())
    else:
        r = yj.lscp(cost, radius, site_cost=site_cost, fixed=fixed, method=method, reduce=reduce)
        rows = np.arange(cost.shape[0])
        best = brute_lscp(A, site_cost, fixed)
    assert yj.is_covering(cost, radius, r.sites, rows=rows)
    assert set(fixed) <= set(r.sites.tolist())
    assert r.objective == pytest.approx(float(site_cost[r.sites].sum()))
    assert r.bound <= best + 1e-9 <= r.objective + 2e-9
    if method != "heuristic":
        assert r.objective == pytest.approx(best) and r.optimal


@given(instances(), st.sampled_from(["auto", "exact", "heuristic"]), st.integers(1, 4), st.booleans())
def test_mclp_matches_brute_force(inst, method, p, reduce):
    cost, radius, w, fixed = inst
    m = cost.shape[1]
    p = min(max(p, len(fixed), 1), m)
    r = yj.mclp(cost, radius, p, weights=w, fixed=fixed, method=method, reduce=reduce)
    best = brute_mclp(cover_matrix(cost, radius), w, p, fixed)
    assert len(r.sites) == p and set(fixed) <= set(r.sites.tolist())
    assert r.objective == pytest.approx(yj.covered_weight(cost, radius, w, r.sites))
    assert r.objective <= best + 1e-9 <= r.bound + 2e-9
    if method != "heuristic":
        assert r.objective == pytest.approx(best) and r.optimal


@given(instances(max_n=7, max_m=5), st.sampled_from(["auto", "exact", "heuristic"]),
       st.sampled_from([None, 0.25]), st.booleans())
def test_backup_matches_brute_force(inst, method, tradeoff, reduce):
    cost, radius, w, fixed = inst
    m = cost.shape[1]
    p = min(max(3, len(fixed)), m)
    A = cover_matrix(cost, radius)
    r = yj.backup_coverage(cost, radius, p, weights=w, fixed=fixed, method=method, tradeoff=tradeoff,
                           reduce=reduce)
    best = brute_backup(A, w, p, fixed, tradeoff=tradeoff)
    twice = yj.covered_weight(cost, radius, w, r.sites, times=2)
    first = yj.covered_weight(cost, radius, w, r.sites)
    assert r.extras["covered_twice"] == pytest.approx(twice) and r.covered == pytest.approx(first)
    if tradeoff is None:
        assert r.objective == pytest.approx(twice)
        assert r.bound >= best[1] - 1e-9
        if method != "heuristic":
            assert (first, twice) == pytest.approx(best) and r.optimal
    else:
        assert r.objective == pytest.approx(tradeoff * first + (1 - tradeoff) * twice)
        assert r.objective <= best[0] + 1e-9 <= r.bound + 2e-9
        if method != "heuristic":
            assert r.objective == pytest.approx(best[0])


@given(instances(max_n=8, max_m=6))
def test_curve_monotone_and_exact(inst):
    cost, radius, w, fixed = inst
    A = cover_matrix(cost, radius)
    curve = yj.coverage_curve(cost, radius, weights=w, fixed=fixed)
    assert curve["p"].tolist() == list(range(max(1, len(fixed)), curve["p"].max() + 1))
    assert (np.diff(curve["covered"]) >= -1e-9).all()
    assert (curve["bound"] >= curve["covered"] - 1e-9).all()
    for row in curve.itertuples():
        assert row.covered == pytest.approx(brute_mclp(A, w, row.p, fixed))
        assert row.covered == pytest.approx(yj.covered_weight(cost, radius, w, row.sites))
    coverable = float(w[A.any(axis=1)].sum())
    assert curve["covered"].iloc[-1] == pytest.approx(coverable)


@given(instances(max_n=7, max_m=5), st.sampled_from(["auto", "exact", "heuristic"]))
def test_backup_radius2_matches_brute_force(inst, method):
    cost, radius, w, fixed = inst
    m = cost.shape[1]
    p = min(max(2, len(fixed)), m)
    radius2 = radius + 3.0
    A, B = cover_matrix(cost, radius), cover_matrix(cost, radius2)
    best = brute_backup(A, w, p, fixed, B=B)
    if best is None:
        with pytest.raises((yj.InfeasibleError, yj.SolverError)):
            yj.backup_coverage(cost, radius, p, weights=w, fixed=fixed, radius2=radius2, method=method)
        return
    try:
        r = yj.backup_coverage(cost, radius, p, weights=w, fixed=fixed, radius2=radius2, method=method)
    except yj.SolverError:
        assert method == "heuristic"  # the heuristic may miss a radius2-feasible set; it says so
        return
    assert B[:, r.sites].any(axis=1).all()
    assert r.bound >= best[1] - 1e-9
    if method != "heuristic":
        assert (r.covered, r.objective) == pytest.approx(best) and r.optimal
