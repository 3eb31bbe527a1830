"""Assembling a :class:`~yingji.solvers.SparseModel` block by block (solver layer).

Every hand-built model in yingji (fire, shelters, teams, supplies, dispatch, siting) is a few
blocks of columns (one decision family each: ``x_j`` open, ``y_ij`` assigned, ``s_i`` shortfall)
and a few blocks of rows (one constraint family each). :class:`ModelBuilder` numbers the columns
and rows in the order the blocks are added, keeps the coefficient triples, and hands back one
``SparseModel``; the solution is read back per column block with :meth:`ModelBuilder.take`.
One way to assemble a model, so that column offsets, bounds and integrality are not re-derived by
hand in each domain module (architecture issue 19).

Example
-------
>>> import numpy as np
>>> from yingji.solvers import ModelBuilder, solve
>>> b = ModelBuilder("knapsack", sense="max")
>>> x = b.add_columns("x", 3, cost=[5.0, 4.0, 3.0], hi=1.0, integer=True)
>>> b.add_rows([0, 0, 0], x.index([0, 1, 2]), [2.0, 3.0, 1.0], hi=[4.0])
array([0])
>>> sol = solve(b.build())
>>> sol.objective, [int(round(v)) for v in b.take(sol.x, "x")]
(8.0, [1, 0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji.exceptions import ValidationError
from yingji.solvers.model import SparseModel

__all__ = ["ModelBuilder", "ColumnBlock"]


@dataclass(frozen=True)
class ColumnBlock:
    """A block of consecutive columns: ``start`` is the first column, ``size`` how many."""

    name: str
    start: int
    size: int

    @property
    def stop(self) -> int:
        return self.start + self.size

    def index(self, k) -> np.ndarray:
        """Model column numbers of the block's local positions ``k`` (array or scalar)."""
        k = np.asarray(k, dtype=np.int64)
        if k.size and (k.min() < 0 or k.max() >= self.size):
            raise IndexError(f"column block {self.name!r} has {self.size} columns; got position(s) "
                             f"{int(k.min())}..{int(k.max())}")
        return k + self.start


def _vector(value, n: int, what: str, dtype=np.float64) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype).ravel()
    if arr.size == 1 and n != 1:
        return np.full(n, arr[0], dtype=dtype)
    if arr.size != n:
        raise ValidationError(f"ModelBuilder: {what} has {arr.size} entries, expected {n}")
    return arr


class ModelBuilder:
    """Columns and rows gathered block by block; :meth:`build` returns the :class:`SparseModel`.

    Parameters
    ----------
    name : str
        Model name (shown in solver logs and errors).
    sense : {"min", "max"}
        Direction of optimisation.
    """

    def __init__(self, name: str = "yingji", sense: str = "min"):
        self.name = name
        self.sense = sense
        self.offset = 0.0
        self.blocks: dict[str, ColumnBlock] = {}
        self._cost: list[np.ndarray] = []
        self._col_lo: list[np.ndarray] = []
        self._col_hi: list[np.ndarray] = []
        self._integ: list[np.ndarray] = []
        self._i: list[np.ndarray] = []
        self._j: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._row_lo: list[np.ndarray] = []
        self._row_hi: list[np.ndarray] = []
        self.n_cols = 0
        self.n_rows = 0

    # ------------------------------------------------------------------ columns
    def add_columns(self, name: str, size: int, *, cost=0.0, lo=0.0, hi=np.inf, integer=False) -> ColumnBlock:
        """Append ``size`` columns named ``name``; scalars broadcast. Returns the block."""
        if name in self.blocks:
            raise ValidationError(f"ModelBuilder: a column block {name!r} exists already")
        size = int(size)
        blk = ColumnBlock(name, self.n_cols, size)
        self.blocks[name] = blk
        self._cost.append(_vector(cost, size, f"cost of {name!r}"))
        self._col_lo.append(_vector(lo, size, f"lo of {name!r}"))
        self._col_hi.append(_vector(hi, size, f"hi of {name!r}"))
        self._integ.append(_vector(integer, size, f"integer of {name!r}", dtype=bool))
        self.n_cols += size
        return blk

    def set_cost(self, cols, values) -> None:
        """Add ``values`` to the objective coefficients of model columns ``cols`` (repeats sum)."""
        cost = np.concatenate(self._cost) if self._cost else np.zeros(0)
        np.add.at(cost, np.asarray(cols, dtype=np.int64), np.asarray(values, dtype=np.float64))
        self._cost = [cost]

    # ------------------------------------------------------------------ rows
    def add_rows(self, rows, cols, values, *, lo=-np.inf, hi=np.inf, n_rows: int | None = None) -> np.ndarray:
        """Append a block of rows from coefficient triples.

        Parameters
        ----------
        rows : array_like of int
            Row numbers within the block (from 0).
        cols : array_like of int
            Model column numbers (use :meth:`ColumnBlock.index`).
        values : array_like of float
            Coefficients (repeated (row, col) pairs sum).
        lo, hi : float or array_like
            Row bounds; their length (or ``n_rows``) sets the number of rows in the block.
        n_rows : int, optional
            Number of rows when ``lo`` and ``hi`` are scalars (default: ``max(rows) + 1``).

        Returns
        -------
        numpy.ndarray of int
            The model row numbers of the block.
        """
        r = np.asarray(rows, dtype=np.int64).ravel()
        if n_rows is None:
            sizes = [np.size(b) for b in (lo, hi) if np.size(b) > 1]
            n_rows = sizes[0] if sizes else (int(r.max()) + 1 if r.size else np.size(lo))
        n_rows = int(n_rows)
        c = np.asarray(cols, dtype=np.int64).ravel()
        v = _vector(values, r.size, "values")
        if c.size != r.size:
            raise ValidationError(f"ModelBuilder: rows has {r.size} entries but cols has {c.size}")
        if r.size and (r.min() < 0 or r.max() >= n_rows):
            bad = r[(r < 0) | (r >= n_rows)]
            raise ValidationError(f"ModelBuilder: row numbers must lie in 0..{n_rows - 1}. Got "
                                  f"{bad[:3].tolist()} instead.")
        self._i.append(r + self.n_rows)
        self._j.append(c)
        self._v.append(v)
        self._row_lo.append(_vector(lo, n_rows, "lo"))
        self._row_hi.append(_vector(hi, n_rows, "hi"))
        out = np.arange(self.n_rows, self.n_rows + n_rows)
        self.n_rows += n_rows
        return out

    def add_matrix(self, A, col_offset: int = 0, *, lo=-np.inf, hi=np.inf) -> np.ndarray:
        """Append the rows of a (sparse or dense) matrix whose column 0 is model column ``col_offset``."""
        coo = sp.coo_matrix(A)
        return self.add_rows(coo.row, coo.col.astype(np.int64) + int(col_offset), coo.data, lo=lo, hi=hi,
                             n_rows=coo.shape[0])

    # ------------------------------------------------------------------ out
    def build(self, **meta) -> SparseModel:
        """The :class:`SparseModel` of everything added so far."""
        n, m = self.n_rows, self.n_cols
        if self._i:
            A = sp.csr_matrix((np.concatenate(self._v), (np.concatenate(self._i), np.concatenate(self._j))),
                              shape=(n, m))
            row_lo, row_hi = np.concatenate(self._row_lo), np.concatenate(self._row_hi)
        else:
            A, row_lo, row_hi = sp.csr_matrix((0, m)), np.zeros(0), np.zeros(0)

        def cat(parts, dtype=np.float64):
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return SparseModel(cat(self._cost), A, row_lo, row_hi, cat(self._col_lo), cat(self._col_hi),
                           cat(self._integ, bool), sense=self.sense, offset=float(self.offset), name=self.name,
                           meta=dict(meta))

    def take(self, x, name: str) -> np.ndarray:
        """The values of column block ``name`` in a full solution vector ``x``."""
        blk = self.blocks[name]
        return np.asarray(x, dtype=np.float64)[blk.start:blk.stop]
