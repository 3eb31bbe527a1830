"""Raises of the coverage input checks (each message names the parameter and the value)."""

from __future__ import annotations

import numpy as np
import pytest

import yingji as yj
from yingji.exceptions import ValidationError

C = np.array([[1.0, 5.0, 9.0], [4.0, 2.0, 8.0], [7.0, 6.0, 1.0], [3.0, 9.0, 2.0]])


@pytest.mark.parametrize("p", [2.5, "2", None, True])
def test_p_must_be_an_int(p):
    with pytest.raises(ValidationError, match=r"The 'p' parameter of mclp must be an int\. Got"):
        yj.mclp(C, 3.0, p)


def test_cost_must_be_2d():
    with pytest.raises(ValidationError, match=r"The 'cost' parameter of lscp must be a 2-D array \(demand"):
        yj.lscp(np.ones(4), 3.0)


def test_cost_must_be_numbers():
    with pytest.raises(ValidationError, match=r"The 'cost' parameter of mclp must be a 2-D array of numbers"):
        yj.mclp([["a", "b"], ["c", "d"]], 3.0, 1)


def test_checker_needs_cost_or_coverage():
    with pytest.raises(ValidationError, match=r"'cost' parameter of is_covering"):
        yj.is_covering(None, 3.0, [0])


@pytest.mark.parametrize("radius", [-1.0, np.nan, np.inf, "far", None])
def test_radius_must_be_a_finite_nonnegative_float(radius):
    with pytest.raises(ValidationError, match=r"The 'radius' parameter of mclp must be a float in \[0, inf\)"):
        yj.mclp(C, radius, 2)


@pytest.mark.parametrize("model", ["lscp", "mclp"])
def test_time_limit_returns_best_found_with_its_gap(monkeypatch, model):
    """A solver stopped by its time limit with an incumbent: status 'time_limit', honest gap."""
    import dataclasses

    from yingji.siting.coverage import maxcover, setcover
    from yingji.solvers import solve as real_solve

    def stopped(m, **kw):
        s = real_solve(m, **kw)
        loose = s.bound - 1.0 if m.sense == "min" else s.bound + 1.0
        gap = abs(s.objective - loose) / max(abs(s.objective), 1e-9)
        return dataclasses.replace(s, bound=loose, gap=gap, status="time_limit", optimal=False,
                                   solver_status="kTimeLimit")

    # lscp looks ``solve`` up in coverage.setcover, mclp in coverage.maxcover
    monkeypatch.setattr(setcover, "solve", stopped)
    monkeypatch.setattr(maxcover, "solve", stopped)
    rng = np.random.default_rng(5)
    cost = rng.uniform(0, 10, (60, 25))
    if model == "lscp":
        r = yj.lscp(cost, 3.5, method="exact", time_limit=10, reduce=False)
        assert yj.is_covering(cost, 3.5, r.sites)
        assert r.objective - 1.0 - 1e-9 <= r.bound < r.objective
    else:
        r = yj.mclp(cost, 3.0, 3, method="exact", time_limit=10, reduce=False)
        assert r.objective == yj.covered_weight(cost, 3.0, None, r.sites)
        assert r.objective < r.bound <= r.objective + 1.0 + 1e-9
    assert r.status == "time_limit" and not r.optimal
    assert r.gap == pytest.approx(abs(r.objective - r.bound) / r.objective)
