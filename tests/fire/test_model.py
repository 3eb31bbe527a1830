"""The fire siting model: closest-assignment formulation agrees with plain LSCP/MCLP and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import yingji as yj
from yingji.fire.model import _build_fire_model, _district_areas, _solve


def _instance(seed, n=9, m=6, n_fixed=1):
    rng = np.random.default_rng(seed)
    C = np.round(rng.uniform(0, 8, (n, m)), 1)
    C[rng.random((n, m)) < 0.1] = np.inf
    w = rng.integers(1, 50, n).astype(float)
    a = rng.uniform(0.5, 3.0, n)
    fixed = np.zeros(m, dtype=bool)
    fixed[:n_fixed] = True
    return C, w, a, fixed


def _brute(C, w, a, fixed, limit, budget, forced):
    """Fewest new sites (then the list) meeting coverage of forced rows and area limits."""
    m = C.shape[1]
    free = np.nonzero(~fixed)[0]
    for k in range(len(free) + 1):
        for extra in itertools.combinations(free, k):
            op = fixed.copy()
            op[list(extra)] = True
            cov = (C[:, op] <= budget + 1e-9).any(axis=1)
            if not cov[forced].all():
                continue
            fin = np.isfinite(C[:, op]).any(axis=1)
            da = _district_areas(np.where(np.isfinite(C[fin]), C[fin], np.inf), a[fin], np.nonzero(op)[0])
            if (da <= limit + 1e-9).all():
                return k
    return None


@pytest.mark.parametrize("seed", range(8))
def test_lscp_area_model_matches_brute_force(seed):
    C, w, a, fixed = _instance(seed)
    keep = np.isfinite(C).any(axis=1)
    C, w, a = C[keep], w[keep], a[keep]
    budget = 4.0
    forced = (C <= budget).any(axis=1)
    limit = np.full(C.shape[1], 6.0)
    exp = _brute(C, w, a, fixed, limit, budget, forced)
    fm = _build_fire_model(C, w, a, fixed, limit, budget, mode="min", site_obj=np.ones(C.shape[1]),
                           forced=forced, area=True)
    if exp is None:
        from yingji.exceptions import InfeasibleError

        with pytest.raises(InfeasibleError):
            _solve(fm.model, None, 30, 1e-6)
        return
    sol = _solve(fm.model, None, 30, 1e-6)
    y = sol.x[: C.shape[1]] > 0.5
    assert int((y & ~fixed).sum()) == exp
    # the chosen set really meets the limits (recomputed, not the model's word)
    da = _district_areas(C, a, np.nonzero(y)[0])
    assert (da <= limit + 1e-7).all()
    assert ((C[:, y] <= budget + 1e-9).any(axis=1) | ~forced).all()


@pytest.mark.parametrize("seed", range(6))
def test_models_without_limits_agree_with_siting_engine(seed):
    C, w, a, fixed = _instance(seed, n=15, m=7)
    keep = np.isfinite(C).any(axis=1)
    C, w, a = C[keep], w[keep], a[keep]
    budget = 3.0
    cov = (C <= budget).any(axis=1)
    inf = np.full(C.shape[1], np.inf)
    ones = np.ones(C.shape[1])
    r = yj.lscp(C[cov], budget, fixed=np.nonzero(fixed)[0])
    for area in (False, True):
        fm = _build_fire_model(C, w, a, fixed, inf, budget, mode="min", site_obj=ones, forced=cov, area=area)
        sol = _solve(fm.model, None, 30, 1e-6)
        assert int(round(sol.objective)) + int(fixed.sum()) == int(round(r.objective))
    for k in (1, 2):
        r = yj.mclp(C, budget, int(fixed.sum()) + k, weights=w, fixed=np.nonzero(fixed)[0])
        for area in (False, True):
            fm = _build_fire_model(C, w, a, fixed, inf, budget, mode="max", site_obj=ones,
                                   forced=np.zeros(len(C), dtype=bool), max_new=k, area=area)
            sol = _solve(fm.model, None, 30, 1e-6)
            assert sol.objective == pytest.approx(r.objective)


def test_model_is_sparse_matrix_form():
    C, w, a, fixed = _instance(0, n=40, m=10)
    C = np.where(np.isfinite(C), C, 50.0)
    fm = _build_fire_model(C, w, a, fixed, np.full(10, 5.0), 4.0, mode="min", site_obj=np.ones(10),
                           forced=(C <= 4).any(axis=1), area=True)
    import scipy.sparse as sp

    assert sp.issparse(fm.model.A)
    # O(sum of list lengths) non-zeros, not O(n m^2)
    assert fm.model.A.nnz <= 9 * fm.n_u + 2 * 10
    assert fm.model.to_pulp() is not None


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 6, 7, 10])
def test_greedy_start_is_feasible(seed):
    import naive_fire as naive
    from yingji.fire.model import _greedy_plan

    C, w, a, fixed = _instance(seed, n=30, m=10)
    keep = np.isfinite(C).any(axis=1)
    C, w, a = C[keep], w[keep], a[keep]
    budget = 4.0
    forced = (C <= budget).any(axis=1)
    limit = np.full(C.shape[1], 12.0)
    ones = np.ones(C.shape[1])
    y = _greedy_plan(C, a, fixed, limit, budget, forced, ones, area=True)
    assert y is not None
    assert y[fixed].all()
    assert ((C[:, y] <= budget + 1e-9).any(axis=1) | ~forced).all()
    open_idx = np.nonzero(y)[0]
    areas = naive.district_areas(C[:, open_idx], a, np.ones(len(C), dtype=bool))
    assert all(v <= 12.0 + 1e-9 for v in areas.values())
    # a MIP start the model accepts
    for area in (True, False):
        fm = _build_fire_model(C, w, a, fixed, limit, budget, mode="min", site_obj=ones, forced=forced, area=area)
        assert fm.model.is_feasible(fm.start(y))
    fm = _build_fire_model(C, w, a, fixed, limit, budget, mode="max", site_obj=ones,
                           forced=np.zeros(len(C), dtype=bool), area=False)
    assert fm.model.is_feasible(fm.start(y))
