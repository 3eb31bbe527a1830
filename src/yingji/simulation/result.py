"""The result of a simulation: :class:`SimulationResult`, confidence intervals across
replications, and the reduction of the replications' figures to one result.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._validation import Interval, Problems, check_param
from yingji.config import COVER_TOL
from yingji.results import to_jsonable

__all__ = ["SimulationResult", "confidence_interval"]


_SCALARS = ("mean_minutes", "p90_minutes", "within_standard", "first_due_busy", "mean_wait_minutes",
            "share_queued", "full_mean_minutes", "full_p90_minutes", "full_within_limit", "n_incidents")
#: Figures that are shares in [0, 1] (their confidence intervals are clipped to it).
_SHARES = ("within_standard", "first_due_busy", "share_queued", "full_within_limit")
#: Per-unit-type figures (multi-type requirements): name, is a share.
_TYPE_FIGURES = (("share_of_calls", True), ("first_mean_minutes", False), ("first_p90_minutes", False),
                 ("last_mean_minutes", False), ("last_p90_minutes", False), ("first_within_standard", True))


@displayable
@dataclass(frozen=True)
class SimulationResult:
    """Figures of a response simulation, each with a 95 % confidence interval.

    Attributes
    ----------
    mean_minutes, p90_minutes : float
        Mean and 90th percentile of the response time (wait + turnout + travel, minutes),
        averaged over replications.
    within_standard : float
        Share of calls whose response meets the standard's limit.
    first_due_busy : float
        Share of calls whose first-due units (every unit with the shortest travel time, e.g.
        all engines of the nearest station) were all busy.
    mean_wait_minutes, share_queued : float
        Mean minutes calls waited for a free unit, and the share that waited at all.
    full_mean_minutes, full_p90_minutes : float
        Mean and 90th percentile of the minutes until the last of the call's units is on scene
        (``units_per_call`` units, or every unit ``requirements`` asks for: the full first
        alarm; equal to the response for one unit).
    full_within_limit : float
        Share of calls whose last required unit arrived within ``full_limit_minutes``.
    utilisation : pandas.Series
        Busy share of each unit (indexed by unit id).
    ci : dict
        ``{figure name: (low, high)}`` for every figure above, ``"mean_utilisation"`` and
        ``"utilisation[<unit id>]"`` per unit (Student-t over replications).
    per_replication : pandas.DataFrame
        One row per replication.
    by_point : pandas.DataFrame
        Per demand point: ``incidents`` (over all replications) and ``mean_minutes``.
    standard : str
        The standard's name (or the limit as text).
    limit_minutes, turnout_minutes : float
        The limit on turnout + travel and the turnout used.
    replications : int
    horizon_hours, warmup_hours : float
    seed : int or None
    seconds : float
        Wall-clock seconds of the call.
    events_per_second : float
        Calls + releases per wall-clock second of the whole call (all replications, end to end:
        drawing the calls, the event kernels, the figures); the kernels' own rate is
        ``extras["kernel_events_per_second"]``.
    static_within_standard : float
        Share of calls (by rate) whose nearest unit meets the standard when no unit is ever
        busy: what a static coverage model says. The gap to ``within_standard`` is the cost of
        busy units.
    policy : str
        ``"nearest"`` or ``"plan"``.
    full_limit_minutes : float
        Limit on the last required unit's arrival (NFPA 1710: turnout + 8 min for the initial
        full alarm; the first-arrival limit otherwise).
    requirements : pandas.DataFrame or None
        Units of each type asked for (rows: all calls, each demand point or each call type with
        its ``share``); None with ``units_per_call``.
    by_type : pandas.DataFrame or None
        With ``requirements``: per unit type, ``share_of_calls`` needing it, mean and 90th
        percentile of its first and of its last unit's arrival, and ``first_within_standard``,
        with ``<figure>_low`` / ``_high`` 95 % bounds (also in ``ci`` as ``"<figure>[<type>]"``).
    """

    mean_minutes: float
    p90_minutes: float
    within_standard: float
    first_due_busy: float
    mean_wait_minutes: float
    share_queued: float
    full_mean_minutes: float
    full_p90_minutes: float
    utilisation: pd.Series
    ci: dict
    per_replication: pd.DataFrame
    by_point: pd.DataFrame
    standard: str
    limit_minutes: float
    turnout_minutes: float
    replications: int
    horizon_hours: float
    warmup_hours: float
    seed: Any
    seconds: float
    events_per_second: float
    static_within_standard: float = float("nan")
    extras: dict = field(default_factory=dict)
    full_within_limit: float = float("nan")
    policy: str = "nearest"
    full_limit_minutes: float = float("nan")
    requirements: Any = None
    by_type: Any = None

    @property
    def mean_utilisation(self) -> float:
        return float(self.utilisation.mean())

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: ``value``, ``low``, ``high`` (95 % CI); utilisation per unit too."""
        rows = []
        for name in ("mean_minutes", "p90_minutes", "within_standard", "first_due_busy",
                     "mean_wait_minutes", "share_queued", "full_mean_minutes", "full_p90_minutes",
                     "full_within_limit", "mean_utilisation"):
            lo, hi = self.ci[name]
            rows.append((name, float(getattr(self, name)), lo, hi))
        if self.by_type is not None:
            for typ, r in self.by_type.iterrows():
                for name, _ in _TYPE_FIGURES:
                    rows.append((f"{name}[{typ}]", float(r[name]), float(r[f"{name}_low"]),
                                 float(r[f"{name}_high"])))
        for uid, v in self.utilisation.items():
            lo, hi = self.ci[f"utilisation[{uid}]"]
            rows.append((f"utilisation[{uid}]", float(v), lo, hi))
        return pd.DataFrame(rows, columns=["figure", "value", "low", "high"]).set_index("figure")

    def to_dict(self) -> dict:
        """JSON-serialisable figures."""
        return to_jsonable({
            "mean_minutes": self.mean_minutes,
            "p90_minutes": self.p90_minutes,
            "within_standard": self.within_standard,
            "first_due_busy": self.first_due_busy,
            "mean_wait_minutes": self.mean_wait_minutes,
            "share_queued": self.share_queued,
            "full_mean_minutes": self.full_mean_minutes,
            "full_p90_minutes": self.full_p90_minutes,
            "full_within_limit": self.full_within_limit,
            "full_limit_minutes": self.full_limit_minutes,
            "policy": self.policy,
            "requirements": None if self.requirements is None else
            {str(k): {str(c): float(v) for c, v in r.items()} for k, r in self.requirements.iterrows()},
            "by_type": None if self.by_type is None else
            {str(k): {c: float(v) for c, v in r.items()} for k, r in self.by_type.iterrows()},
            "mean_utilisation": self.mean_utilisation,
            "utilisation": {str(k): float(v) for k, v in self.utilisation.items()},
            "ci": {k: list(v) for k, v in self.ci.items()},
            "standard": self.standard,
            "limit_minutes": self.limit_minutes,
            "turnout_minutes": self.turnout_minutes,
            "replications": self.replications,
            "horizon_hours": self.horizon_hours,
            "warmup_hours": self.warmup_hours,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed),
            "seconds": self.seconds,
            "events_per_second": self.events_per_second,
            "static_within_standard": self.static_within_standard,
        })

    def summary(self) -> str:
        """A short paragraph a person reads."""
        c = self.ci
        return (
            f"Simulation ({self.replications} x {self.horizon_hours:g} h, standard {self.standard} "
            f"{self.limit_minutes:g} min): mean response {self.mean_minutes:.2f} min "
            f"[{c['mean_minutes'][0]:.2f}, {c['mean_minutes'][1]:.2f}], p90 {self.p90_minutes:.2f} min "
            f"[{c['p90_minutes'][0]:.2f}, {c['p90_minutes'][1]:.2f}], within standard "
            f"{self.within_standard:.1%} [{c['within_standard'][0]:.1%}, {c['within_standard'][1]:.1%}], "
            f"(static model: {self.static_within_standard:.1%}), first-due busy {self.first_due_busy:.1%}, "
            f"mean utilisation {self.mean_utilisation:.1%}"
            + ("" if self.full_mean_minutes == self.mean_minutes else
               f"; full complement ({self.policy} dispatch) mean {self.full_mean_minutes:.2f} min, p90 "
               f"{self.full_p90_minutes:.2f} min [{c['full_p90_minutes'][0]:.2f}, {c['full_p90_minutes'][1]:.2f}], "
               f"within {self.full_limit_minutes:g} min {self.full_within_limit:.1%}")
            + "."
        )



def confidence_interval(values, level: float = 0.95, *, bounds=(-np.inf, np.inf)) -> tuple[float, float]:
    """Student-t confidence interval of the mean of independent replications.

    Parameters
    ----------
    values : array_like
        One figure per replication (NaN entries are ignored).
    level : float
        Confidence level.
    bounds : (float, float)
        Range the figure can take (``(0, 1)`` for a share, ``(0, inf)`` for minutes); the
        interval is clipped to it, so a utilisation near 0 never gets a negative lower end.

    Returns
    -------
    (low, high) : tuple of float
        ``mean ± t_{(1+level)/2, R-1} · s / sqrt(R)`` clipped to ``bounds``; ``(nan, nan)`` with
        fewer than two values.

    Raises
    ------
    ValidationError
        ``level`` not in (0, 1).

    References
    ----------
    .. [1] Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
       section 9.4.1 (fixed-sample-size confidence intervals from independent replications).
    """
    from scipy.special import stdtrit  # Student t quantile; lighter than importing scipy.stats

    probs = Problems("confidence_interval")
    level = check_param(probs, "level", level, Interval(float, 0, 1, closed="neither"))
    probs.raise_if_any()
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return (float("nan"), float("nan"))
    m = float(v.mean())
    half = float(stdtrit(v.size - 1, 0.5 + level / 2.0) * v.std(ddof=1) / math.sqrt(v.size))
    lo, hi = float(bounds[0]), float(bounds[1])
    return (min(max(m - half, lo), hi), max(min(m + half, hi), lo))


def _simulation_result(results, system, reqs, pools, rep_ids, rep_types, *, standard, limit, turnout, full_limit,
                       replications, H, W, seed, policy, t_start) -> SimulationResult:
    """One :class:`SimulationResult` from the replications' figures (in submission order)."""
    per, util, ci = _replication_figures(results, rep_ids)
    by_type = req_frame = None
    if pools is not None:
        by_type, req_frame = _type_figures(results, reqs, ci)
    psum = np.sum([r["point_sum"] for r in results], axis=0)
    pn = np.sum([r["point_n"] for r in results], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_point = pd.DataFrame({"incidents": pn, "mean_minutes": np.where(pn > 0, psum / np.maximum(pn, 1), np.nan)},
                                index=pd.Index(system.point_ids, name="id"))
    ksec = sum(r["kernel_seconds"] for r in results)
    events = 2 * sum(r["events"] for r in results)
    seed_out = seed if isinstance(seed, (int, np.integer, type(None))) else repr(seed)
    static = _static_within_standard(system, reqs, pools, turnout, limit)
    wall = time.perf_counter() - t_start
    return SimulationResult(
        mean_minutes=float(per["mean_minutes"].mean()),
        p90_minutes=float(per["p90_minutes"].mean()),
        within_standard=float(per["within_standard"].mean()),
        first_due_busy=float(per["first_due_busy"].mean()),
        mean_wait_minutes=float(per["mean_wait_minutes"].mean()),
        share_queued=float(per["share_queued"].mean()),
        full_mean_minutes=float(per["full_mean_minutes"].mean()),
        full_p90_minutes=float(per["full_p90_minutes"].mean()),
        utilisation=pd.Series(util.mean(axis=0), index=pd.Index(rep_ids, name="unit"), name="utilisation"),
        ci=ci,
        per_replication=per,
        by_point=by_point,
        standard=str(standard),
        limit_minutes=float(limit),
        turnout_minutes=float(turnout),
        replications=int(replications),
        horizon_hours=H,
        warmup_hours=W,
        seed=int(seed_out) if isinstance(seed_out, np.integer) else seed_out,
        seconds=wall,
        events_per_second=events / wall if wall > 0 else float("nan"),
        static_within_standard=static,
        extras={"unit_types": rep_types, "kernel_seconds": ksec, "events": events,
                "kernel_events_per_second": events / ksec if ksec > 0 else float("nan")},
        full_within_limit=float(per["full_within_limit"].mean()),
        policy=str(policy),
        full_limit_minutes=float(full_limit),
        requirements=req_frame,
        by_type=by_type,
    )


def _replication_figures(results, rep_ids) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Per-replication table, utilisation (replications × units) and the confidence intervals."""
    per = pd.DataFrame([{k: r[k] for k in _SCALARS} for r in results])
    per.index.name = "replication"
    util = np.vstack([r["utilisation"] for r in results])
    per["mean_utilisation"] = util.mean(axis=1)
    share = (0.0, 1.0)
    ci = {k: confidence_interval(per[k], bounds=share if k in _SHARES else (0.0, np.inf))
          for k in _SCALARS if k != "n_incidents"}
    ci["mean_utilisation"] = confidence_interval(per["mean_utilisation"], bounds=share)
    for q, uid in enumerate(rep_ids):
        ci[f"utilisation[{uid}]"] = confidence_interval(util[:, q], bounds=share)
    return per, util, ci


def _type_figures(results, reqs, ci: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit type figures with their bounds (added to ``ci``), and the requirements table."""
    share = (0.0, 1.0)
    rows = {}
    for typ in reqs.types:
        vals = np.array([r["by_type"][typ] for r in results])  # replications x figures
        row = {}
        for f_i, (name, is_share) in enumerate(_TYPE_FIGURES):
            row[name] = float(np.nanmean(vals[:, f_i])) if np.isfinite(vals[:, f_i]).any() else float("nan")
            lo, hi = confidence_interval(vals[:, f_i], bounds=share if is_share else (0.0, np.inf))
            row[f"{name}_low"], row[f"{name}_high"] = lo, hi
            ci[f"{name}[{typ}]"] = (lo, hi)
        rows[typ] = row
    by_type = pd.DataFrame.from_dict(rows, orient="index")
    by_type.index.name = "type"
    req_frame = pd.DataFrame(reqs.table, index=pd.Index(reqs.labels, name="calls"), columns=reqs.types)
    if reqs.share is not None:
        req_frame.insert(0, "share", reqs.share)
    return by_type, req_frame


def _static_within_standard(system, reqs, pools, turnout: float, limit: float) -> float:
    """Share of calls (by rate) a static coverage model says meet the standard: no unit busy."""
    lam_all = system.rate_per_year
    if pools is None:
        best = system.travel.min(axis=1)
        static = float(np.sum(lam_all * (turnout + best <= limit + COVER_TOL)) / lam_all.sum())
    else:  # first arrival of a needed type with every unit free, by call row
        best_t = np.vstack([p["best"] for p in pools])  # n_types x n_points (turnout included)
        ok_t = best_t <= limit + COVER_TOL
        if reqs.mode == "point":
            hit = ((reqs.table.T > 0) & ok_t).any(axis=0).astype(float)
        else:
            per_row = ((reqs.table[:, :, None] > 0) & ok_t[None, :, :]).any(axis=1)  # rows x points
            w_rows = np.ones(1) if reqs.share is None else reqs.share
            hit = w_rows @ per_row.astype(float)
        static = float(np.sum(lam_all * hit) / lam_all.sum())
    return static
