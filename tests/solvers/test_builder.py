"""ModelBuilder assembles the same SparseModel as a hand-built one, and its solutions read back by
block agree with brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.exceptions import ValidationError
from yingji.solvers import ModelBuilder, SparseModel, solve


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_builder_equals_hand_assembled_model(seed):
    rng = np.random.default_rng(seed)
    n1, n2, r1, r2 = rng.integers(1, 6, size=4)
    A1 = sp.random(r1, n1 + n2, density=0.5, random_state=seed, format="coo")
    A2 = rng.normal(size=(r2, n2))
    c1, c2 = rng.normal(size=n1), rng.normal(size=n2)
    b = ModelBuilder("t", sense="min")
    x = b.add_columns("x", n1, cost=c1, hi=1.0, integer=True)
    y = b.add_columns("y", n2, cost=c2, lo=-2.0, hi=3.0)
    rows_a = b.add_rows(A1.row, A1.col, A1.data, lo=-1.0, hi=np.arange(r1, dtype=float), n_rows=r1)
    rows_b = b.add_matrix(A2, y.start, hi=5.0)
    m = b.build()
    hand = SparseModel(np.r_[c1, c2],
                       sp.vstack([A1.tocsr(), sp.hstack([sp.csr_matrix((r2, n1)), sp.csr_matrix(A2)])]).tocsr(),
                       np.r_[np.full(r1, -1.0), np.full(r2, -np.inf)], np.r_[np.arange(r1, dtype=float), np.full(r2, 5.0)],
                       np.r_[np.zeros(n1), np.full(n2, -2.0)], np.r_[np.ones(n1), np.full(n2, 3.0)],
                       np.r_[np.ones(n1, bool), np.zeros(n2, bool)])
    assert (m.A != hand.A).nnz == 0 or np.allclose(m.A.toarray(), hand.A.toarray())
    for f in ("c", "row_lo", "row_hi", "col_lo", "col_hi", "integrality"):
        np.testing.assert_array_equal(getattr(m, f), getattr(hand, f), err_msg=f)
    assert rows_a.tolist() == list(range(r1)) and rows_b.tolist() == list(range(r1, r1 + r2))
    assert (x.start, x.stop, y.start, y.stop) == (0, n1, n1, n1 + n2)


@pytest.mark.parametrize("seed", range(6))
def test_knapsack_by_blocks_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 8
    value, weight = rng.integers(1, 20, n).astype(float), rng.integers(1, 10, n).astype(float)
    cap = float(weight.sum() // 2)
    b = ModelBuilder("knap", sense="max")
    x = b.add_columns("x", n, cost=value, hi=1.0, integer=True)
    b.add_rows(np.zeros(n, int), x.index(np.arange(n)), weight, hi=cap)
    sol = solve(b.build())
    best = max(sum(value[list(s)]) for k in range(n + 1) for s in itertools.combinations(range(n), k)
               if weight[list(s)].sum() <= cap)
    assert sol.objective == pytest.approx(best)
    assert b.take(sol.x, "x") @ value == pytest.approx(best)


def test_builder_refuses_bad_blocks():
    b = ModelBuilder()
    x = b.add_columns("x", 2)
    with pytest.raises(ValidationError, match="exists already"):
        b.add_columns("x", 1)
    with pytest.raises(ValidationError, match="cost of 'y' has 3 entries, expected 2"):
        b.add_columns("y", 2, cost=[1, 2, 3])
    with pytest.raises(IndexError, match="block 'x' has 2 columns"):
        x.index([2])
    with pytest.raises(ValidationError, match="rows has 2 entries but cols has 1"):
        b.add_rows([0, 1], [0], [1.0, 1.0], hi=1.0)
