"""Deterministic work caps of HiGHS solves (issue 18, ``yingji.config.WORK_LIMITS``): a solve
stops at the same node count on an idle and on a loaded machine, says so (status
``time_limit``, solver status ``kSolutionLimit``, a warning naming the cap), and the caller's
``options`` override the cap."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from yingji import config
from yingji.solvers import SparseModel, solve


def _knapsacks(seed=3, n=40, m=20):
    """A multi-knapsack MIP that needs many branch-and-bound nodes."""
    rng = np.random.default_rng(seed)
    v = rng.integers(10, 120, n).astype(float)
    A = sp.csr_matrix(rng.integers(1, 50, (m, n)).astype(float))
    return SparseModel(-v, A, np.full(m, -np.inf), A.sum(axis=1).A1 * 0.3, np.zeros(n), np.ones(n),
                       np.ones(n, bool))


def test_defaults_are_set():
    assert config.WORK_LIMITS["mip_max_nodes"] >= 10_000


def test_node_cap_bites_the_same_way_and_says_so(monkeypatch):
    monkeypatch.setitem(config.WORK_LIMITS, "mip_max_nodes", 3)
    model = _knapsacks()
    with pytest.warns(RuntimeWarning, match=r"deterministic work cap \(mip_max_nodes=3"):
        a = solve(model, time_limit=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = solve(model, time_limit=60)
    assert a.status == "time_limit" and not a.optimal and a.solver_status == "kSolutionLimit"
    assert np.array_equal(a.x, b.x) and a.objective == b.objective and a.bound == b.bound
    assert model.is_feasible(a.x)


def test_callers_options_override_the_cap(monkeypatch):
    monkeypatch.setitem(config.WORK_LIMITS, "mip_max_nodes", 3)
    model = _knapsacks(n=12, m=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cap warning: the caller's value is used
        s = solve(model, time_limit=60, options={"mip_max_nodes": 10 ** 6})
    assert s.optimal
    # the oracle: every 0/1 vector of 12 items
    import itertools

    A = model.A.toarray()
    best = min(model.c @ x for x in (np.array(b, float) for b in itertools.product((0, 1), repeat=12))
               if (A @ x <= model.row_hi + 1e-9).all())
    assert s.objective == pytest.approx(best)
