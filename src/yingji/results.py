"""Result types shared by every model.

:class:`SolveResult` is the base of every optimisation result (siting, fire plans and
apparatus, shelter plans, team allocations and bases, supply stocks and transfers): it carries
the figures of the solve — ``objective``, ``bound``, ``gap``, ``optimal``, ``status``,
``seconds`` — once, with one meaning. Every siting function returns one :class:`SitingResult`
(DESIGN.md, Siting).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yingji._render.display import displayable

__all__ = ["SitingResult", "SolveResult", "to_jsonable"]

STATUSES = ("optimal", "time_limit", "heuristic")
_INF = float("inf")


#: Element types a list may hold to be returned as it is by :func:`to_jsonable` (floats are
#: converted one by one: NaN and infinities become None and "inf").
_PLAIN_TYPES = frozenset((int, str, bool, type(None)))


def to_jsonable(obj: Any) -> Any:
    """Convert numpy / pandas values (recursively) to plain JSON-serialisable Python."""
    t = type(obj)
    if t is str or t is int or t is bool or obj is None:  # the leaves most results hold
        return obj
    if t is float:
        if math.isnan(obj):
            return None
        if obj in (_INF, -_INF):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if set(map(type, obj)) <= _PLAIN_TYPES:   # e.g. 300 row positions: one C-level pass
            return list(obj)
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biu" or (obj.dtype.kind == "f" and bool(np.isfinite(obj).all())):
            return obj.tolist()                    # plain bools, ints or finite floats
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        if np.isnan(f):
            return None
        if np.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


@dataclass(frozen=True, kw_only=True)
class SolveResult:
    """The figures of the solve behind a result; the base of every optimisation result.

    Subclasses add their own fields; these six are keyword-only in every constructor.

    Attributes
    ----------
    objective : float
        The model's objective at the returned solution, in the unit the subclass documents
        (NaN when no solution was found).
    bound : float
        Proven bound on the optimum: lower for minimisation, upper for maximisation (``inf`` /
        ``-inf`` when nothing was proven, equal to ``objective`` when solved exactly).
    gap : float
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``
        (:func:`yingji.solvers.gap_of`): 0 when proven optimal, ``inf`` when unknown.
    optimal : bool
        Proven optimal within the requested ``mip_gap``.
    status : str
        ``"optimal"``, ``"time_limit"`` (stopped at the time limit: the best found, with its
        ``gap``) or ``"heuristic"`` (no bound was sought); a subclass may add its own (and says so).
    seconds : float
        Wall-clock seconds of the call (not a target: it depends on the machine).
    """

    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    seconds: float

    @staticmethod
    def figures(sol, seconds: float) -> dict:
        """The six fields from a :class:`yingji.solvers.Solution` (or any object with
        ``objective``, ``bound``, ``gap``, ``optimal`` and ``status``), as keyword arguments."""
        return {"objective": float(sol.objective), "bound": float(sol.bound), "gap": float(sol.gap),
                "optimal": bool(sol.optimal), "status": str(sol.status), "seconds": float(seconds)}

    def solve_dict(self) -> dict:
        """The six fields as a plain dict (JSON-ready; NaN as None, inf as ``"inf"``)."""
        return to_jsonable({k: getattr(self, k) for k in _SOLVE_FIELDS})


_SOLVE_FIELDS = ("objective", "bound", "gap", "optimal", "status", "seconds")


@displayable
@dataclass(frozen=True)
class SitingResult(SolveResult):
    """The result of a siting model (LSCP, MCLP, backup, p-median, p-center, capacitated).

    Attributes
    ----------
    model : str
        ``"lscp"``, ``"mclp"``, ``"backup_coverage"``, ``"p_median"``, ``"p_center"`` or
        ``"capacitated_location"``.
    sites : numpy.ndarray of int
        Column positions of the open sites (fixed ones included), sorted.
    site_ids : list or None
        Labels of the open sites when the cost matrix carried labels (a DataFrame).
    objective : float
        The model's objective (DESIGN.md): LSCP total site cost (count without costs), MCLP
        covered weight, backup weight covered twice, p-median total weighted cost, p-center the
        max weighted cost, capacitated fixed + allocation costs.
    bound : float
        Proven bound on the optimum: lower for minimisation, upper for maximisation.
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)``.
    optimal : bool
        True when ``gap <= mip_gap``.
    status : str
        ``"optimal"``, ``"time_limit"`` or ``"heuristic"``.
    assignment : numpy.ndarray of int
        Per demand row, the column position of its assigned site (nearest open site; for
        coverage models the nearest open covering site, or -1).
    seconds : float
        Wall-clock seconds of the call.
    method : str
        What produced the solution (``"exact"``, ``"heuristic"``, ``"auto"``, solver name...).
    sense : str
        ``"min"`` or ``"max"``.
    covered : float or None
        Weight covered (coverage models; first coverage for backup).
    mean_cost : float or None
        Weighted mean cost of the assignment (p-median, p-center).
    allocation : scipy.sparse matrix or numpy.ndarray or None
        Share of each row's demand served by each site (capacitated).
    row_cost : numpy.ndarray or None
        Cost from each row to its assigned site (``inf`` where unassigned).
    row_covered : numpy.ndarray of bool or None
        Whether each row is covered (coverage models).
    row_ids, col_ids : list or None
        Labels of rows / columns when the input carried them.
    extras : dict
        Model-specific figures (e.g. ``uncovered_rows``, ``covered_twice``, solver log data).
    """

    model: str
    sites: np.ndarray
    assignment: np.ndarray
    method: str = "exact"
    sense: str = "min"
    site_ids: list | None = None
    covered: float | None = None
    mean_cost: float | None = None
    allocation: Any = None
    row_cost: np.ndarray | None = None
    row_covered: np.ndarray | None = None
    row_ids: list | None = None
    col_ids: list | None = None
    extras: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def n_sites(self) -> int:
        return int(len(self.sites))

    def to_frame(self) -> pd.DataFrame:
        """One row per demand point: ``row``, ``site``, ``site_id``, ``cost``, ``covered``.

        The index carries the row labels when the input had them.
        """
        n = len(self.assignment)
        site = np.asarray(self.assignment, dtype=np.int64)
        data: dict[str, Any] = {"row": np.arange(n), "site": site}
        if self.col_ids is not None:
            ids = np.asarray(self.col_ids, dtype=object)
            data["site_id"] = np.where(site >= 0, ids[np.clip(site, 0, None)] if len(ids) else None, None)
        data["cost"] = (
            np.asarray(self.row_cost, dtype=float) if self.row_cost is not None else np.full(n, np.nan)
        )
        if self.row_covered is not None:
            data["covered"] = np.asarray(self.row_covered, dtype=bool)
        else:  # median / center / capacitated: served by an open site
            data["covered"] = site >= 0
        index = pd.Index(self.row_ids, name="id") if self.row_ids is not None else None
        return pd.DataFrame(data, index=index)

    def to_dict(self) -> dict:
        """JSON-serialisable summary (``json.dumps`` works on it)."""
        d = {
            "model": self.model,
            "sites": [int(s) for s in self.sites],
            "site_ids": to_jsonable(self.site_ids) if self.site_ids is not None else None,
            "objective": to_jsonable(self.objective),
            "bound": to_jsonable(self.bound),
            "gap": to_jsonable(self.gap),
            "optimal": bool(self.optimal),
            "status": self.status,
            "method": self.method,
            "sense": self.sense,
            "seconds": float(self.seconds),
            "covered": to_jsonable(self.covered),
            "mean_cost": to_jsonable(self.mean_cost),
            "assignment": [int(a) for a in np.asarray(self.assignment)],
            "extras": to_jsonable(self.extras),
        }
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    def summary(self) -> str:
        """One short paragraph a person reads."""
        ids = self.site_ids if self.site_ids is not None else [int(s) for s in self.sites]
        parts = [
            f"{self.model}: {len(self.sites)} sites {list(ids)[:20]}{' ...' if len(ids) > 20 else ''}",
            f"objective {self.objective:.6g} (bound {self.bound:.6g}, gap {self.gap:.3%}, {self.status})",
        ]
        if self.covered is not None:
            parts.append(f"covered {self.covered:.6g}")
        if self.mean_cost is not None:
            parts.append(f"mean cost {self.mean_cost:.6g}")
        parts.append(f"{self.seconds:.2f} s")
        return "; ".join(parts)


def relative_gap(objective: float, bound: float) -> float:
    """The one gap formula of yingji: ``|objective - bound| / max(|objective|, 1e-9)``;
    ``inf`` when either is missing or not finite (DESIGN.md; ``yingji.solvers.gap_of`` is this
    function)."""
    if objective is None or bound is None or not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    return abs(objective - bound) / max(abs(objective), 1e-9)
