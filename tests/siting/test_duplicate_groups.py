"""``duplicate_groups`` (the exact row / column deduplication of the coverage reductions)
against its definition written out on a dense matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from yingji.siting.coverage.common import duplicate_groups


def _naive(D, axis):
    V = D if axis == 0 else D.T
    return np.array([min(j for j in range(len(V)) if np.array_equal(V[j], V[i])) for i in range(len(V))],
                    dtype=np.int64)


@pytest.mark.parametrize("seed", range(60))
def test_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(0, 30)), int(rng.integers(0, 12))
    D = rng.random((n, m)) < rng.uniform(0.0, 0.6)
    if n > 2:   # plant identical rows and columns
        D[rng.integers(0, n, n // 2)] = D[rng.integers(0, n, n // 2)]
    if m > 2:
        D[:, rng.integers(0, m, m // 2)] = D[:, rng.integers(0, m, m // 2)]
    for A in (D, sp.csr_matrix(D), sp.csc_matrix(D), sp.csr_matrix(D.astype(np.int64))):
        for axis in (0, 1):
            assert np.array_equal(duplicate_groups(A, axis), _naive(D, axis))


def test_unsorted_repeated_entries_and_input_untouched():
    # row 0 holds column 2 then 0 (unsorted), row 1 holds column 0 twice and 2: identical sets
    A = sp.csr_matrix((np.ones(5), np.array([2, 0, 0, 0, 2]), np.array([0, 2, 5])), shape=(2, 3))
    before = (A.indices.copy(), A.indptr.copy(), A.data.copy())
    assert duplicate_groups(A, 0).tolist() == [0, 0]
    assert duplicate_groups(A, 1).tolist() == [0, 1, 0]   # columns 0 and 2 both hold rows 0 and 1
    assert all(np.array_equal(a, b) for a, b in zip(before, (A.indices, A.indptr, A.data)))


def test_empty():
    assert duplicate_groups(sp.csr_matrix((0, 3)), 0).size == 0
    assert duplicate_groups(sp.csr_matrix((4, 0)), 1).size == 0
    assert duplicate_groups(sp.csr_matrix((3, 2)), 0).tolist() == [0, 0, 0]
