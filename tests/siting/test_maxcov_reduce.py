"""The MCLP reductions (``_maxcov_reduce``, on index arrays) against the earlier formulation
of the same reductions with scipy's sparse slicing, kept here as the reference."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from yingji._kernels import setcover as _sc
from yingji._validation import Problems
from yingji.siting._sparse import _lscp_arrays
from yingji.siting.coverage import maxcover
from yingji.siting.coverage.common import as_int, duplicate_groups, prepare


def _reference(A, w, fixed):
    """(cols, dense model matrix, aggregated weights, offset, info) by sparse slicing."""
    A = as_int(A)
    n, m = A.shape
    fixed_mask = np.zeros(m, bool)
    fixed_mask[fixed] = True
    Ac = sp.csc_matrix(A)
    deg = np.diff(A.indptr)
    by_fixed = np.asarray(Ac[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else np.zeros(n, bool)
    offset = float(w[by_fixed].sum())
    r_idx = np.nonzero((~by_fixed) & (w > 0) & (deg > 0))[0]
    c_idx = np.nonzero(~fixed_mask)[0]
    sub = sp.csr_matrix(A[r_idx][:, c_idx])
    cdeg = np.diff(sp.csc_matrix(sub).indptr)
    rep_c = duplicate_groups(sub, axis=1)
    keep = (cdeg > 0) & (rep_c == np.arange(c_idx.size))
    kk = np.nonzero(keep)[0]
    dom = _sc._set_cover_col_dominated(*_lscp_arrays(sub[:, kk]), np.ones(kk.size))
    kk = kk[~dom]
    cols = c_idx[kk]
    Ar = sp.csr_matrix(A[r_idx][:, cols])
    if Ar.shape[0]:
        rep = duplicate_groups(Ar, axis=0)
        uniq, inv = np.unique(rep, return_inverse=True)
        wa = np.bincount(inv.ravel(), weights=w[r_idx], minlength=uniq.size)
        Ar = sp.csr_matrix(Ar[uniq])
    else:
        wa = w[r_idx]
    info = {"cols_duplicate": int(((rep_c != np.arange(c_idx.size)) & (cdeg > 0)).sum()),
            "cols_dominated": int(dom.sum())}
    return cols, Ar.toarray(), wa, offset, info


@pytest.mark.parametrize("seed", range(60))
def test_same_model_as_the_sparse_slicing(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 60)), int(rng.integers(1, 15))
    D = rng.random((n, m)) < rng.uniform(0.05, 0.5)
    if n > 2:
        D[rng.integers(0, n, n // 3)] = D[rng.integers(0, n, n // 3)]
    if m > 2:
        D[:, rng.integers(0, m, m // 3)] = D[:, rng.integers(0, m, m // 3)]
    w = rng.integers(0, 5, n).astype(float)
    fixed = np.sort(rng.choice(m, int(rng.integers(0, min(3, m) + 1)), replace=False)).astype(np.int64)
    p = int(fixed.size + rng.integers(0, max(m - fixed.size, 0) + 1))
    cov = prepare("mclp", None, None, D, Problems("mclp"))
    mc = maxcover._maxcov_reduce(cov, w, fixed, p, twice=False)
    cols, Ad, wa, offset, info = _reference(cov.A, w, fixed)
    assert np.array_equal(mc.cols, cols)
    assert np.array_equal(mc.A.toarray(), Ad) and mc.A.dtype == np.int64
    assert np.allclose(mc.wy, wa) and mc.offset == pytest.approx(offset)
    assert mc.p_free == p - fixed.size and np.array_equal(mc.base, fixed)
    assert mc.info["cols_duplicate"] == info["cols_duplicate"]
    assert mc.info["cols_dominated"] == info["cols_dominated"]


def test_sub_csr_and_csc_of():
    rng = np.random.default_rng(3)
    D = rng.random((9, 7)) < 0.4
    A = sp.csr_matrix(D.astype(np.int64))
    rows, cols = np.array([0, 2, 3, 8]), np.array([1, 4, 6])
    ptr, idx = maxcover._sub_csr(A.indptr.astype(np.int64), A.indices.astype(np.int64), rows, cols, 7)
    S = sp.csr_matrix((np.ones(idx.size), idx, ptr), shape=(4, 3)).toarray() > 0
    assert np.array_equal(S, D[np.ix_(rows, cols)])
    cptr, crows = maxcover._csc_of(ptr, idx, 4, 3)
    C = sp.csc_matrix((np.ones(crows.size), crows, cptr), shape=(4, 3))
    assert np.array_equal(C.toarray() > 0, S)
    assert all(np.all(np.diff(crows[cptr[j]:cptr[j + 1]]) > 0) for j in range(3))
    e_ptr, e_idx = maxcover._sub_csr(A.indptr.astype(np.int64), A.indices.astype(np.int64),
                                     np.zeros(0, np.int64), cols, 7)
    assert e_ptr.tolist() == [0] and e_idx.size == 0
