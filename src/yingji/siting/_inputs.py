"""Input preparation shared by every siting model: cost / coverage matrices, weights, ``fixed``,
``p``, radius and time limit checks, and one way to assemble a :class:`SitingResult`.

Every check records its problems in a :class:`~yingji._validation.Problems` collector so a
call reports all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._validation import (MIP_GAP, TIME_LIMIT, Interval, Problems, check_array, check_magnitude, check_param,
                                describe_positions)
from yingji.results import SitingResult, relative_gap

__all__ = [
    "CostInput",
    "prepare_cost",
    "prepare_coverage",
    "coverage_matrix",
    "check_weights",
    "check_fixed",
    "check_p",
    "check_radius",
    "check_time_limit",
    "check_mip_gap",
    "make_result",
]


@dataclass(frozen=True)
class CostInput:
    """A validated demand × sites matrix with its labels.

    ``C`` is a C-contiguous float64 array (cost models) or a CSR boolean matrix (coverage given
    directly). ``row_ids`` / ``col_ids`` are lists of labels when the input was a DataFrame.
    """

    C: object
    row_ids: list | None
    col_ids: list | None

    @property
    def n(self) -> int:
        return int(self.C.shape[0])

    @property
    def m(self) -> int:
        return int(self.C.shape[1])


def _labels(obj):
    if isinstance(obj, pd.DataFrame):
        return list(obj.index), list(obj.columns)
    return None, None


def prepare_cost(cost, func: str, name: str = "cost", probs: Problems | None = None,
                 allow_inf: bool = True) -> CostInput:
    """Validate a demand × sites cost matrix (array or DataFrame).

    NaN and negative entries are errors naming their rows; ``inf`` means unreachable.
    Raises at once unless a ``probs`` collector is given (then the caller raises).
    """
    own = probs is None
    probs = probs or Problems(func)
    row_ids, col_ids = _labels(cost)
    if cost is None:
        probs.param(name, "a 2-D array or DataFrame of non-negative costs (demand × sites)", None)
        probs.raise_if_any()
    if sp.issparse(cost):
        cost = cost.toarray()
    try:
        scalar = np.ndim(cost) == 0
    except ValueError:  # ragged rows: reported by the conversion below
        scalar = False
    if isinstance(cost, (str, bytes, dict, set)) or scalar and not isinstance(cost, pd.DataFrame):
        probs.param(name, "a 2-D array or DataFrame of non-negative costs (demand × sites)",
                    cost if not isinstance(cost, str) else cost[:80])
        probs.raise_if_any()
    try:
        C = np.array(cost.to_numpy(dtype=float) if isinstance(cost, pd.DataFrame) else cost, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        probs.param(name, "a 2-D array of numbers", f"values that are not numbers ({str(exc)[:80]})")
        probs.raise_if_any()
        raise  # pragma: no cover
    if C.ndim != 2:
        probs.param(name, "a 2-D array (demand × sites)", f"an array with shape {C.shape}")
        probs.raise_if_any()  # the checks of the other parameters need the matrix's shape
    elif C.shape[0] == 0 or C.shape[1] == 0:
        probs.param(name, "a non-empty 2-D array (demand × sites)", f"an array with shape {C.shape}")
        probs.raise_if_any()
    else:
        nan = np.isnan(C)
        if nan.any():
            rows = np.unique(np.nonzero(nan)[0])
            probs.add(f"The {name!r} parameter of {func} must not contain NaN. Got NaN in rows "
                      f"{describe_positions(rows, row_ids)}.")
        with np.errstate(invalid="ignore"):
            neg = C < 0
        if neg.any():
            rows = np.unique(np.nonzero(neg)[0])
            probs.add(f"The {name!r} parameter of {func} must be non-negative. Got negative values in rows "
                      f"{describe_positions(rows, row_ids)}.")
        check_magnitude(C, name, probs, row_ids)
        if not allow_inf and np.isinf(C).any():
            rows = np.unique(np.nonzero(np.isinf(C))[0])
            probs.add(f"The {name!r} parameter of {func} must be finite. Got inf in rows "
                      f"{describe_positions(rows, row_ids)}.")
    if own:
        probs.raise_if_any()
    return CostInput(np.ascontiguousarray(C), row_ids, col_ids)


def prepare_coverage(coverage, func: str, probs: Problems | None = None) -> CostInput:
    """Validate a boolean demand × sites coverage matrix (dense, DataFrame or scipy.sparse) → CSR bool."""
    own = probs is None
    probs = probs or Problems(func)
    row_ids, col_ids = _labels(coverage)
    if sp.issparse(coverage):
        A = sp.csr_matrix(coverage)
        A.eliminate_zeros()
        data = A.data
    else:
        arr = np.asarray(coverage.to_numpy() if isinstance(coverage, pd.DataFrame) else coverage)
        if arr.ndim != 2:
            probs.param("coverage", "a 2-D boolean matrix (demand × sites)", f"an array with shape {arr.shape}")
            probs.raise_if_any()
        A = sp.csr_matrix(arr)
        A.eliminate_zeros()
        data = A.data
    if A.shape[0] == 0 or A.shape[1] == 0:
        probs.param("coverage", "a non-empty 2-D boolean matrix", f"shape {A.shape}")
    elif data.size and not np.isin(data.astype(float), (0.0, 1.0)).all():
        probs.param("coverage", "a boolean (0/1) matrix", "values other than 0 and 1")
    if own:
        probs.raise_if_any()
    A = sp.csr_matrix(A, dtype=bool)
    return CostInput(A, row_ids, col_ids)


def coverage_matrix(C: np.ndarray, radius: float) -> sp.csr_matrix:
    """CSR boolean matrix of ``C <= radius + COVER_TOL`` (DESIGN.md: covered is inclusive)."""
    return sp.csr_matrix(np.asarray(C) <= float(radius) + config.COVER_TOL)


def check_weights(weights, n: int, func: str, probs: Problems, name: str = "weights") -> np.ndarray:
    """Row weights (default 1), length ``n``, finite and non-negative."""
    if weights is None:
        return np.ones(n, dtype=np.float64)
    return check_array(probs, name, weights, n, default=np.ones(n, dtype=np.float64))


def check_fixed(fixed, m: int, probs: Problems, labels=None, name: str = "fixed") -> np.ndarray:
    """Positions of sites that must stay open: unique, in ``[0, m)``. Labels are accepted when
    the cost matrix carried column labels and the entries are not integer positions. ``name`` is
    the parameter the errors name (``sites=``, ``start=`` take the same values)."""
    if fixed is None:
        return np.zeros(0, dtype=np.int64)
    vals = list(np.atleast_1d(np.asarray(fixed, dtype=object)))
    out = []
    bad = []
    for v in vals:
        if isinstance(v, (bool, np.bool_)):
            bad.append(v)
            continue
        if isinstance(v, (int, np.integer)):
            if 0 <= int(v) < m:  # (an int beyond int64, 2**63, is out of range too)
                out.append(int(v))
            else:
                bad.append(v)
        elif labels is not None and v in labels:
            out.append(list(labels).index(v))
        else:
            bad.append(v)
    arr = np.array(out, dtype=np.int64)
    oor = arr[(arr < 0) | (arr >= m)]
    if bad or oor.size:
        probs.param(name, f"column positions in [0, {m})", sorted({*map(str, bad), *map(str, oor.tolist())}))
    arr = arr[(arr >= 0) & (arr < m)]
    return np.unique(arr)


def check_p(p, m: int, n_fixed: int, probs: Problems) -> int:
    """``p`` counts all open sites, fixed ones included: ``n_fixed <= p <= m`` and ``p >= 1``."""
    if p is None or isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)):
        probs.param("p", "an int", p)
        return 0
    p = int(p)
    if p < 1 or p > m:
        probs.param("p", f"an int in [1, {m}] (the number of candidate sites)", p)
    elif p < n_fixed:
        probs.param("p", f"at least the number of fixed sites ({n_fixed}); p counts fixed sites too", p)
    return p


def check_radius(radius, probs: Problems, name: str = "radius") -> float:
    return check_param(probs, name, radius, Interval(float, 0, None), default=0.0)


def check_time_limit(t, probs: Problems) -> float:
    """``time_limit``: positive seconds (:data:`yingji._validation.TIME_LIMIT`)."""
    return check_param(probs, "time_limit", t, TIME_LIMIT, default=config.TIME_LIMIT)


def check_mip_gap(g, probs: Problems) -> float:
    """``mip_gap``: a relative gap in [0, 1) (:data:`yingji._validation.MIP_GAP`)."""
    return check_param(probs, "mip_gap", g, MIP_GAP, default=config.MIP_GAP)


def make_result(
    model: str,
    *,
    sites,
    objective: float,
    bound: float,
    sense: str,
    ci: CostInput,
    assignment,
    seconds: float,
    method: str,
    stopped: str = "time_limit",
    mip_gap: float = config.MIP_GAP,
    row_cost=None,
    row_covered=None,
    covered=None,
    mean_cost=None,
    allocation=None,
    extras: dict | None = None,
) -> SitingResult:
    """Assemble a :class:`SitingResult` with a consistent gap / optimal / status.

    ``stopped`` is the status when the gap is still open: ``"time_limit"`` (the solver ran out of
    time) or ``"heuristic"`` (stopped by choice).
    """
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    objective = float(objective)
    bound = float(bound)
    # A bound never lies on the wrong side of the objective (numerical noise only).
    if sense == "min" and bound > objective:
        bound = objective if bound - objective <= 1e-7 * max(1.0, abs(objective)) else bound
    if sense == "max" and bound < objective:
        bound = objective if objective - bound <= 1e-7 * max(1.0, abs(objective)) else bound
    gap = relative_gap(objective, bound)
    optimal = bool(gap <= mip_gap)
    status = "optimal" if optimal else stopped
    site_ids = [ci.col_ids[s] for s in sites] if ci.col_ids is not None else None
    return SitingResult(
        model=model,
        sites=sites,
        objective=objective,
        bound=bound,
        gap=gap,
        optimal=optimal,
        status=status,
        assignment=np.asarray(assignment, dtype=np.int64),
        seconds=float(seconds),
        method=method,
        sense=sense,
        site_ids=site_ids,
        covered=None if covered is None else float(covered),
        mean_cost=None if mean_cost is None else float(mean_cost),
        allocation=allocation,
        row_cost=None if row_cost is None else np.asarray(row_cost, dtype=float),
        row_covered=None if row_covered is None else np.asarray(row_covered, dtype=bool),
        row_ids=ci.row_ids,
        col_ids=ci.col_ids,
        extras=dict(extras or {}),
    )
