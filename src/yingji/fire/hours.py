"""The fire assessment hour by hour: :func:`assess_hours` runs :func:`~yingji.fire.assess` on the
road network of each hour of day (speed factors by road class, :mod:`yingji.network.hours`) and
names the worst hour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._validation import Problems
from yingji.fire.assessment import FireAssessment, assess
from yingji.network.hours import check_hour
from yingji.results import to_jsonable

__all__ = ["HourlyFireAssessment", "assess_hours"]


@displayable
@dataclass(frozen=True)
class HourlyFireAssessment:
    """Fire coverage at each hour of day, and the worst hour.

    Attributes
    ----------
    table : DataFrame
        One row per hour: ``hour``, ``coverage_share`` (in-scope population reached within the
        travel budget, 0-1), ``covered_population``, ``area_share``, ``travel_percentile``
        (minutes, the standard's percentile of driving time), ``unreachable`` (points),
        ``compliant``.
    worst_hour : int
        The hour with the lowest ``coverage_share`` (ties: the highest travel percentile, then the
        earliest hour).
    worst : FireAssessment
        The full assessment at the worst hour.
    """

    table: pd.DataFrame
    worst_hour: int
    worst: FireAssessment

    def to_frame(self) -> pd.DataFrame:
        """The hourly table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable: the table and the worst hour."""
        return {"worst_hour": int(self.worst_hour), "hours": to_jsonable(self.table)}

    def summary(self) -> str:
        """Short text: the range of coverage over the hours and the worst hour."""
        t = self.table
        best = t.loc[t["coverage_share"].idxmax()]
        w = t.loc[t["hour"] == self.worst_hour].iloc[0]
        return (f"Fire coverage by hour of day ({len(t)} hours): in-scope population reached "
                f"{w['coverage_share']:.1%} at the worst hour {self.worst_hour:02d}:00 "
                f"(travel percentile {w['travel_percentile']:.2f} min) to {best['coverage_share']:.1%} "
                f"at {int(best['hour']):02d}:00.")


def assess_hours(county=None, *, hours=range(24), times=None, **assess_kw) -> HourlyFireAssessment:
    """Run :func:`~yingji.fire.assess` at each hour of day and report the worst hour.

    Parameters
    ----------
    county : yingji.County, optional
    hours : iterable of int
        Hours of day 0-23 (default all 24). Hours whose speed factors are all 1 share one run.
    times : Network, optional
        The road network (default the county's); it must carry road classes or a profile with a
        ``"*"`` row (see :meth:`yingji.Network.at_hour`).
    **assess_kw
        Any other argument of :func:`~yingji.fire.assess` (``standard``, ``stations``, ...).

    Returns
    -------
    HourlyFireAssessment

    Raises
    ------
    ValidationError
        Bad hours (named), ``hour=`` given here (use ``hours``), and the input errors of
        :func:`~yingji.fire.assess`.

    Examples
    --------
    >>> import yingji as yj
    >>> r = yj.fire.assess_hours(yj.datasets.sample_county(), hours=[3, 8])
    >>> r.worst_hour
    8
    """
    probs = Problems("fire.assess_hours")
    if "hour" in assess_kw:
        probs.param("hour", "not given (use 'hours', the hours to compare)", assess_kw["hour"])
    try:
        hs = list(hours)
    except TypeError:
        hs = None
    if not hs:
        probs.param("hours", "a non-empty iterable of hours of day 0-23", hours)
    else:
        for h in hs:
            check_hour(h, "fire.assess_hours", probs)
    probs.raise_if_any()
    hs = [int(h) for h in dict.fromkeys(int(h) for h in hs)]
    net = times if times is not None else getattr(county, "network", None)
    runs: dict = {}
    rows = []
    by_hour = {}
    for h in hs:
        key = id(net.at_hour(h)) if net is not None and hasattr(net, "at_hour") else h
        if key not in runs:
            runs[key] = assess(county, times=times, hour=h, **assess_kw)
        a = runs[key]
        by_hour[h] = a
        rows.append({"hour": h, "coverage_share": float(a.coverage_share),
                     "covered_population": float(a.covered_population), "area_share": float(a.area_share),
                     "travel_percentile": float(a.travel_percentile),
                     "unreachable": int(len(a.unreachable)), "compliant": bool(a.compliant)})
    table = pd.DataFrame(rows)
    order = np.lexsort((table["hour"].to_numpy(), -table["travel_percentile"].to_numpy(),
                        table["coverage_share"].to_numpy()))
    worst = int(table["hour"].iloc[order[0]])
    return HourlyFireAssessment(table, worst, by_hour[worst])
