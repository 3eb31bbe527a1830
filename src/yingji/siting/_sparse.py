"""Sparse 0/1 matrices as the index arrays the set-cover kernels take (siting layer, private)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["csc_arrays", "csr_arrays", "_lscp_arrays"]


def csc_arrays(A) -> tuple[np.ndarray, np.ndarray]:
    """(col_ptr, col_rows) int64 of a 0/1 matrix."""
    c = sp.csc_matrix(A)
    c.sort_indices()
    return np.ascontiguousarray(c.indptr, dtype=np.int64), np.ascontiguousarray(c.indices, dtype=np.int64)


def csr_arrays(A) -> tuple[np.ndarray, np.ndarray]:
    """(row_ptr, row_cols) int64 of a 0/1 matrix."""
    r = sp.csr_matrix(A)
    r.sort_indices()
    return np.ascontiguousarray(r.indptr, dtype=np.int64), np.ascontiguousarray(r.indices, dtype=np.int64)


def _lscp_arrays(A):
    """Sorted CSC and CSR index arrays (int64) of a sparse 0/1 matrix, for the set-cover kernels."""
    return (*csc_arrays(A), *csr_arrays(A))
