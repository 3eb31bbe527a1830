"""Shared parts of the coverage models (LSCP, MCLP, backup coverage).

Input preparation (:func:`prepare`: ``cost`` + ``radius`` or ``coverage`` into a :class:`CovInput`,
:func:`check_method`), the 0/1 matrix helpers (:func:`as_int`, :func:`duplicate_groups`), the
assignment of rows to open sites and the pieces of result assembly that every model uses
(row labels, the top-up to ``p`` sites, the uncoverable-rows error, HiGHS options).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._kernels import coverage as _k
from yingji._validation import Problems, describe_positions
from yingji.exceptions import InfeasibleError
from yingji.siting import _inputs as inp
from yingji.siting._sparse import csc_arrays, csr_arrays

__all__ = ["METHODS", "CovInput", "prepare", "check_method", "as_int", "duplicate_groups", "assign",
           "row_labels", "describe_rows", "empty_arrays"]


# -------------------------------------------------------------------------------------------- input
METHODS = ("auto", "exact", "heuristic")


@dataclass
class CovInput:
    """A validated coverage instance: labels, the cost matrix (if any) and the CSR 0/1 matrix."""

    ci: inp.CostInput
    C: np.ndarray | None
    A: sp.csr_matrix

    @property
    def n(self) -> int:
        return int(self.A.shape[0])

    @property
    def m(self) -> int:
        return int(self.A.shape[1])


#: Above this many nonzeros HiGHS's MIP presolve (which does not watch the time limit) is
#: switched off, so a dense county-size coverage model returns within ``time_limit``.
PRESOLVE_OFF_NNZ = 1_000_000


def _highs_options(model) -> dict | None:
    """HiGHS options for a coverage model: presolve off on large dense models (see above)."""
    return {"presolve": "off"} if model.A.nnz > PRESOLVE_OFF_NNZ else None


def prepare(func: str, cost, radius, coverage, probs: Problems, *, radius_name: str = "radius") -> CovInput | None:
    """Validate ``cost`` + ``radius`` or ``coverage``; record problems; None when unusable."""
    if coverage is not None and cost is not None:
        probs.add(f"Give either 'cost' with 'radius' or 'coverage' to {func}, not both.")
        return None
    if coverage is None:
        if cost is None:
            probs.param("cost", "a 2-D array or DataFrame of non-negative costs (demand × sites), "
                        "or pass 'coverage'", None)
            return None
        r = inp.check_radius(radius, probs, radius_name)
        n_before = len(probs.items)
        ci = inp.prepare_cost(cost, func, probs=probs)
        if len(probs.items) > n_before and (ci.C.ndim != 2 or 0 in ci.C.shape):
            return None
        if ci.C.ndim != 2 or 0 in ci.C.shape:
            return None
        with np.errstate(invalid="ignore"):
            A = sp.csr_matrix(ci.C <= r + config.COVER_TOL)
        return CovInput(ci, ci.C, A)
    if radius is not None:
        probs.add(f"The 'radius' parameter of {func} is not used with 'coverage'; pass one or the other.")
    n_before = len(probs.items)
    ci = inp.prepare_coverage(coverage, func, probs=probs)
    if len(probs.items) > n_before:
        return None
    A = sp.csr_matrix(ci.C, dtype=bool)
    return CovInput(ci, None, A)


def check_method(method, func: str, probs: Problems) -> str:
    if method not in METHODS:
        probs.param("method", f"one of {METHODS}", method)
    return method


# ----------------------------------------------------------------------------------- sparse helpers
def empty_arrays(m: int, n: int):
    """CSC and CSR arrays of an all-zero n × m matrix (the unused matrix B of the kernels)."""
    return (np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64),
            np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))


def as_int(A) -> sp.csr_matrix:
    out = sp.csr_matrix(A, dtype=np.int64)
    out.sum_duplicates()
    out.data[:] = 1
    return out


def duplicate_groups(A, axis: int, rng_seed: int = 12345) -> np.ndarray:
    """For each column (axis=1) or row (axis=0) of a 0/1 matrix, the position of the first
    identical one (itself when unique). Exact: candidate groups from two random integer hashes
    (and the count of ones) are verified by comparing the index lists.

    Works on the index arrays of one compressed copy (CSR for rows, CSC for columns): hashes by
    prefix sums over the index lists, groups by a stable lexicographic sort, verification by one
    gather over the candidate pairs, so a small matrix costs a few array operations, not a
    chain of sparse-matrix products and slices."""
    M = sp.csr_matrix(A) if axis == 0 else sp.csc_matrix(A)
    if not M.has_canonical_format:     # sorted indices, no repeats (on a copy: A is not touched)
        M = M.copy()
        M.sum_duplicates()
    k = int(M.shape[0] if axis == 0 else M.shape[1])
    n_other = int(M.shape[1] if axis == 0 else M.shape[0])
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    ptr = np.asarray(M.indptr, dtype=np.int64)
    idx = np.asarray(M.indices, dtype=np.int64)
    rng = np.random.default_rng(rng_seed)
    r1 = rng.integers(0, 2**40, size=n_other, dtype=np.int64)
    r2 = rng.integers(0, 2**40, size=n_other, dtype=np.int64)
    deg = np.diff(ptr)
    # hash of each vector: the sum of r over its ones (int64 prefix sums; wrapping is harmless)
    c1 = np.concatenate([[0], np.cumsum(r1[idx])])
    c2 = np.concatenate([[0], np.cumsum(r2[idx])])
    h1 = c1[ptr[1:]] - c1[ptr[:-1]]
    h2 = c2[ptr[1:]] - c2[ptr[:-1]]
    order = np.lexsort((h2, h1, deg))  # stable: within a key, the lowest position first
    ds, s1, s2 = deg[order], h1[order], h2[order]
    new_key = np.ones(k, dtype=bool)
    new_key[1:] = (ds[1:] != ds[:-1]) | (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1])
    head = order[np.nonzero(new_key)[0]]
    rep = np.empty(k, dtype=np.int64)
    rep[order] = head[np.cumsum(new_key) - 1]
    dup = np.nonzero(rep != np.arange(k))[0]
    if dup.size:
        # same count of ones (same key): compare the sorted index lists position by position
        lens = deg[dup]
        total = int(lens.sum())
        if total:
            owner = np.repeat(np.arange(dup.size), lens)
            offs = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
            differ = idx[ptr[dup][owner] + offs] != idx[ptr[rep[dup]][owner] + offs]
            bad = np.bincount(owner[differ], minlength=dup.size) > 0
            rep[dup[bad]] = dup[bad]
    return rep


# --------------------------------------------------------------------------------------- assignment
def assign(cov: CovInput, sites: np.ndarray, A=None):
    """Nearest open covering site per row (by cost when a cost matrix exists, else the lowest
    open position), its cost, and whether the row is covered."""
    A = cov.A if A is None else A
    n = A.shape[0]
    sites = np.asarray(sites, dtype=np.int64)
    if sites.size == 0:
        return np.full(n, -1, np.int64), (np.full(n, np.inf) if cov.C is not None else None), np.zeros(n, bool)
    sub = sp.csr_matrix(A[:, sites], dtype=bool)
    covered = np.diff(sub.indptr) > 0
    if cov.C is not None:
        Cs = cov.C[:, sites]
        masked = np.where(sub.toarray(), Cs, np.inf)
        arg = np.argmin(masked, axis=1)
        best = masked[np.arange(n), arg]
        assignment = np.where(covered, sites[arg], -1)
        row_cost = np.where(covered, best, np.inf)
        return assignment.astype(np.int64), row_cost, covered
    first = np.full(n, -1, dtype=np.int64)
    s = sp.csr_matrix(sub)
    s.sort_indices()
    has = np.diff(s.indptr) > 0
    first[has] = sites[s.indices[s.indptr[:-1][has]]]
    return first, None, covered


def row_labels(cov: CovInput, rows) -> list:
    rows = [int(r) for r in rows]
    if cov.ci.row_ids is not None:
        return [cov.ci.row_ids[r] for r in rows]
    return rows


def describe_rows(cov: CovInput, rows) -> str:
    return describe_positions(list(rows), cov.ci.row_ids)


# ---------------------------------------------------------------------------------- result assembly
def _kernel_instance(A_int, B_int=None):
    """CSC/CSR arrays of A (and B, or an empty B) for the max-cover kernels."""
    n, m = A_int.shape
    a_ptr, a_rows = csc_arrays(A_int)
    ar_ptr, ar_cols = csr_arrays(A_int)
    if B_int is None:
        b_ptr, b_rows, br_ptr, br_cols = empty_arrays(m, n)
    else:
        b_ptr, b_rows = csc_arrays(B_int)
        br_ptr, br_cols = csr_arrays(B_int)
    return a_ptr, a_rows, ar_ptr, ar_cols, b_ptr, b_rows, br_ptr, br_cols


def _fill_sites(cov: CovInput, open_mask: np.ndarray, p: int, weights: np.ndarray) -> np.ndarray:
    """Open more sites until ``p`` are open: the greedy on (first + second) coverage picks them."""
    if int(open_mask.sum()) >= p:
        return open_mask
    A = as_int(cov.A)
    n, m = A.shape
    arrs = _kernel_instance(A)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    return _k._max_cover_greedy(*arrs, n, w, w, np.zeros(n), open_mask.copy(), np.ones(m, np.bool_), int(p))


def _integral(v: np.ndarray) -> bool:
    v = np.asarray(v, dtype=float)
    return bool(np.all(np.isfinite(v)) and np.all(np.abs(v - np.round(v)) <= 1e-9))


def _uncoverable_rows(cov: CovInput) -> np.ndarray:
    return np.nonzero(np.diff(cov.A.indptr) == 0)[0]


def _raise_uncoverable(func, cov, bad, what="radius"):
    raise InfeasibleError(
        f"{func}: {bad.size} demand rows cannot be covered by any candidate site within the {what}: "
        f"rows {describe_rows(cov, bad)}. Pass uncoverable='drop' to solve for the others, or add "
        f"candidates / widen the {what}.",
        rows=row_labels(cov, bad), reason=f"no candidate site within the {what}")
