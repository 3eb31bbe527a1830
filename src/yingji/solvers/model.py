"""The one sparse model type of yingji: ``min/max c·x + offset  s.t.  row_lo <= A x <= row_hi,
col_lo <= x <= col_hi, x_j integer where integrality[j]``.

Every siting and domain model is built as a :class:`SparseModel` with numpy / scipy.sparse
(never a Python loop per variable) and solved by :func:`yingji.solvers.solve`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji.exceptions import ValidationError
from yingji.results import relative_gap

__all__ = ["SparseModel", "Solution", "Stage", "gap_of"]


#: ``|objective - bound| / max(|objective|, 1e-9)``: the one gap formula (yingji.results).
gap_of = relative_gap



@dataclass(frozen=True)
class Stage:
    """One objective of a lexicographic solve: its value at the returned point and what was proven.

    Attributes
    ----------
    name : str
        The caller's name for the objective (e.g. ``"count"``, ``"cost"``).
    sense : {"min", "max"}
    objective : float
        Value of this objective at the returned point.
    bound : float
        Proven bound on this objective among points optimal (to tolerance) in every earlier stage;
        for the first stage, among all feasible points.
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)``.
    optimal : bool
        Proven within the stage's gap.
    status : str
        ``"optimal"``, ``"time_limit"``, ``"failed"`` (the solver failed on it; the previous
        stage's point is kept) or ``"not_run"`` (no time was left, or an earlier stage failed).
    """

    name: str
    sense: str
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str

    def to_dict(self) -> dict:
        return {"name": self.name, "sense": self.sense, "objective": self.objective, "bound": self.bound,
                "gap": self.gap, "optimal": self.optimal, "status": self.status}


@dataclass(frozen=True)
class Solution:
    """What a solver returned for a :class:`SparseModel`.

    Attributes
    ----------
    x : numpy.ndarray or None
        Column values, or None when no feasible point was found (time limit).
    objective : float
        ``c·x + offset`` of ``x`` (``nan`` without a solution).
    bound : float
        Proven bound on the optimum (lower for minimise, upper for maximise), offset included.
        For an LP solved to optimality it equals ``objective``.
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)``.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    optimal : bool
        True when the solver proved optimality within ``mip_gap``.
    solver_status : str
        The solver's own status text.
    seconds : float
        Solve time in seconds.
    solver : str
        ``"highs"`` or ``"pulp:<SOLVER>"``.
    duals : numpy.ndarray or None
        Row duals of an LP solved to optimality.
    stages : tuple of Stage
        For a lexicographic solve (:func:`yingji.solvers.solve_lexicographic`), one entry per
        objective in priority order; ``objective``/``bound``/``gap`` above are the last stage's.
        Empty for a plain solve.
    """

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str
    optimal: bool
    solver_status: str
    seconds: float
    solver: str = "highs"
    duals: np.ndarray | None = None
    stages: tuple = ()

    @property
    def has_solution(self) -> bool:
        return self.x is not None


@dataclass(frozen=True, eq=False)
class SparseModel:
    """A linear (mixed-integer) programme in sparse matrix form.

    Parameters
    ----------
    c : array_like, shape (n_cols,)
        Objective coefficients.
    A : scipy.sparse matrix, shape (n_rows, n_cols)
        Constraint matrix.
    row_lo, row_hi : array_like, shape (n_rows,)
        Row bounds (``-inf`` / ``inf`` for one-sided rows).
    col_lo, col_hi : array_like, shape (n_cols,)
        Column bounds.
    integrality : array_like of bool, shape (n_cols,)
        True for integer columns.
    sense : {"min", "max"}
        Direction of optimisation.
    offset : float
        Constant added to the objective.
    col_names, row_names : sequence of str, optional
        Names (used by the PuLP bridge and ``write``).
    name : str
        Model name.
    """

    c: np.ndarray
    A: sp.spmatrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray
    sense: str = "min"
    offset: float = 0.0
    col_names: list | None = None
    row_names: list | None = None
    name: str = "yingji"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        c = np.ascontiguousarray(self.c, dtype=np.float64).ravel()
        A = sp.csr_matrix(self.A, dtype=np.float64) if not sp.issparse(self.A) else self.A.tocsr().astype(np.float64)
        n_rows, n_cols = A.shape
        if n_cols != c.size and not (c.size == 0 and n_cols == 0):
            if n_rows == 0 and n_cols == 0:
                A = sp.csr_matrix((0, c.size))
                n_rows, n_cols = A.shape
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "A", A)
        problems = []

        def vec(name, v, n, fill=None):
            if v is None:
                v = np.full(n, fill, dtype=np.float64)
            arr = np.asarray(v, dtype=np.float64).ravel()
            if arr.size == 1 and n != 1:
                arr = np.full(n, float(arr[0]))
            if arr.size != n:
                problems.append(f"{name} has {arr.size} entries, expected {n}")
            object.__setattr__(self, name, np.ascontiguousarray(arr))

        if n_cols != c.size:
            problems.append(f"A has {n_cols} columns but c has {c.size} entries")
        vec("row_lo", self.row_lo, n_rows, -np.inf)
        vec("row_hi", self.row_hi, n_rows, np.inf)
        vec("col_lo", self.col_lo, n_cols, 0.0)
        vec("col_hi", self.col_hi, n_cols, np.inf)
        integ = np.zeros(n_cols, dtype=bool) if self.integrality is None else np.asarray(self.integrality, dtype=bool).ravel()
        if integ.size != n_cols:
            problems.append(f"integrality has {integ.size} entries, expected {n_cols}")
        object.__setattr__(self, "integrality", integ)
        if self.sense not in ("min", "max"):
            problems.append(f"sense must be 'min' or 'max', got {self.sense!r}")
        if np.isnan(c).any():
            problems.append("c contains NaN")
        elif np.isinf(c).any():
            problems.append(f"c contains inf at columns {self._where(np.isinf(c), self.col_names)}")
        if A.nnz and not np.isfinite(A.data).all():
            problems.append("A contains NaN or inf coefficients")
        # the safety net behind the inputs' own checks (config.MAX_INPUT): a coefficient or a
        # finite bound this large is infinity to HiGHS (kHighsInf = 1e20) or swamps every other
        # digit, and the solve fails with an unhelpful status (kUnknown) or a meaningless answer
        big = config.MAX_COEF
        with np.errstate(invalid="ignore"):
            if (np.abs(c) > big).any() and np.isfinite(c).all():
                problems.append(f"objective coefficients larger than {big:g} at columns "
                                f"{self._where(np.abs(c) > big, self.col_names)} (rescale the costs or weights)")
            if A.nnz and (np.abs(A.data) > big).any() and np.isfinite(A.data).all():
                rows = np.unique(A.tocoo().row[np.abs(A.tocoo().data) > big])
                problems.append(f"constraint coefficients larger than {big:g} in rows "
                                f"{self._where(rows, self.row_names)} (rescale the input)")
            for nm in ("row_lo", "row_hi", "col_lo", "col_hi"):
                v = getattr(self, nm)
                if v.size and (np.isfinite(v) & (np.abs(v) > big)).any():
                    names = self.row_names if nm.startswith("row") else self.col_names
                    problems.append(f"{nm} has finite bounds larger than {big:g} at "
                                    f"{self._where(np.isfinite(v) & (np.abs(v) > big), names)} "
                                    f"(use inf for no bound, or rescale)")
        if problems:
            raise ValidationError("Invalid SparseModel: " + "; ".join(problems), problems)

    @staticmethod
    def _where(mask_or_idx, names, limit: int = 5) -> str:
        idx = np.asarray(mask_or_idx)
        idx = np.flatnonzero(idx) if idx.dtype == bool else idx
        shown = [str(names[i]) if names is not None and i < len(names) else str(int(i)) for i in idx[:limit]]
        return ", ".join(shown) + (f" and {idx.size - limit} more" if idx.size > limit else "")

    # ------------------------------------------------------------------ shape
    @property
    def n_cols(self) -> int:
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    def objective_value(self, x) -> float:
        """``c·x + offset``."""
        return float(self.c @ np.asarray(x, dtype=float) + self.offset)

    def is_feasible(self, x, tol: float = 1e-6) -> bool:
        """Whether ``x`` satisfies every row, bound and integrality (within ``tol``)."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_cols,):
            return False
        ax = self.A @ x
        ok = (ax >= self.row_lo - tol).all() and (ax <= self.row_hi + tol).all()
        ok &= (x >= self.col_lo - tol).all() and (x <= self.col_hi + tol).all()
        xi = x[self.integrality]
        ok &= bool((np.abs(xi - np.round(xi)) <= tol).all())
        return bool(ok)

    def relax(self) -> "SparseModel":
        """The LP relaxation (same model, no integrality)."""
        return SparseModel(self.c, self.A, self.row_lo, self.row_hi, self.col_lo, self.col_hi,
                           np.zeros(self.n_cols, dtype=bool), self.sense, self.offset,
                           self.col_names, self.row_names, self.name + "_lp", dict(self.meta))

    def names(self) -> tuple[list[str], list[str]]:
        cols = list(self.col_names) if self.col_names is not None else [f"x{j}" for j in range(self.n_cols)]
        rows = list(self.row_names) if self.row_names is not None else [f"r{i}" for i in range(self.n_rows)]
        return cols, rows

    # ------------------------------------------------------------------ bridges
    def to_pulp(self):
        """This model as a :class:`pulp.LpProblem` a user can add constraints to.

        Variables are named after ``col_names`` (``x0, x1, ...`` by default); the returned
        problem has an attribute ``yingji_vars`` with the variables in column order.
        """
        from yingji.solvers.pulp_bridge import to_pulp

        return to_pulp(self)

    def solve(self, **kw) -> Solution:
        """Solve with :func:`yingji.solvers.solve` (keyword arguments passed through)."""
        from yingji.solvers.core import solve

        return solve(self, **kw)
