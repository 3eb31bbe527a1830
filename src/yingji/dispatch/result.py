"""The dispatch result: :class:`DispatchPlan`, and :func:`_make_plan` that builds it from the units sent."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji._render.fmt import number as _number
from yingji._render.display import displayable
from yingji.dispatch.inputs import _TOL, _Inputs
from yingji.dispatch.shortfalls import _shortfalls
from yingji.geo.features import GeoRef, _GeoOut, line_layer, point_layer
from yingji.results import to_jsonable


@displayable
@dataclass(frozen=True)
class DispatchPlan(_GeoOut):
    """Which units go to which incidents.

    Attributes
    ----------
    assignments : pandas.DataFrame
        One row per unit sent: ``incident``, ``unit``, ``type``, ``minutes`` (travel),
        ``late`` (arrives after the incident's ``target_minutes``).
    shortfalls : pandas.DataFrame
        ``incident``, ``type``, ``needed``, ``sent``, ``missing`` (needed − sent, in units) and
        ``reason``, one row per required (incident, type) pair with ``missing > 0``, whatever
        the cause, including types the fleet has no unit of; a crew requirement appears with
        type ``"crew"`` in persons. ``reason`` is the first that holds of ``"none in fleet"``
        (``units`` has no unit of the type), ``"all busy"`` (every unit of the type is busy),
        ``"unreachable"`` (no free unit of the type can reach the incident: ``inf`` minutes),
        ``"none in time"`` (``strict_targets``: every free unit of the type that can reach it
        arrives after ``target_minutes``), ``"left unused"`` (a free unit that could have come
        was sent nowhere: only when the solver stopped at its time limit), ``"too few"`` (the
        free units of the type that can come are fewer than the incident needs, even alone) and
        ``"sent elsewhere"`` (they would have sufficed alone, but some went to other incidents).
        Crew rows say ``"too few"`` or ``"sent elsewhere"``, in the same sense for persons.
    objective : str
        ``"total"`` or ``"latest"``.
    total_weighted_minutes : float
        Σ weight × minutes over the units sent.
    latest_minutes : float
        Latest arrival among the units sent (``nan`` when none is sent).
    missing_units : int
        Units required but not sent (the sum of ``missing`` over the unit rows of
        ``shortfalls``; persons of crew rows are not counted).
    late_units : int
        Units sent that arrive after their incident's target.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    optimal : bool
    method : str
        ``"assignment"`` or ``"mip"`` (with the solver's name).
    seconds : float
    stages : dict
        Value reached at each priority stage (``missing``, ``crew_missing``, ``late``, ``latest``,
        ``total``).
    """

    assignments: pd.DataFrame
    shortfalls: pd.DataFrame
    objective: str
    total_weighted_minutes: float
    latest_minutes: float
    missing_units: int
    late_units: int
    status: str
    optimal: bool
    method: str
    seconds: float
    stages: dict = field(default_factory=dict)
    incidents: pd.DataFrame | None = None
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        """``incident`` points (:meth:`by_incident`), ``unit`` points (the units sent) and
        ``assignment`` lines unit → incident. Positions: ``x``/``y`` of the incidents and units
        tables, else their ``node`` on the network given as ``times``."""
        g = self._geo_ref()
        inc = self.by_incident()
        a = self.assignments
        sent = a.drop_duplicates("unit").set_index("unit")[["type"]]
        lines = a.set_index(pd.Index([f"{u}->{i}" for u, i in zip(a["unit"], a["incident"])]))
        return [point_layer("incident", inc, g.xy("incidents", inc.index)),
                point_layer("unit", sent, g.xy("units", sent.index)),
                line_layer("assignment", lines, g.xy("units", a["unit"]), g.xy("incidents", a["incident"]))]

    def to_frame(self) -> pd.DataFrame:
        """The assignments (one row per unit sent)."""
        return self.assignments.copy()

    def by_incident(self) -> pd.DataFrame:
        """Per incident: units ``needed``, ``sent``, ``missing``, ``late``, first and last arrival.

        Returns
        -------
        pandas.DataFrame
            Indexed by incident: ``needed`` (units over every required type, the fleet's types
            or not), ``sent``, ``missing`` (= ``needed − sent``, the sum of the incident's unit
            rows in ``shortfalls``), ``late`` (units), ``first_minutes`` and ``last_minutes``
            (arrival minutes, NaN when nothing is sent).
        """
        inc = self.incidents
        a = self.assignments
        g = a.groupby("incident", sort=False)["minutes"]
        df = pd.DataFrame(index=pd.Index(inc.index, name="incident"))
        df["needed"] = inc["needed"].to_numpy()
        df["sent"] = a.groupby("incident", sort=False).size().reindex(df.index, fill_value=0).astype(int)
        df["missing"] = df["needed"] - df["sent"]
        df["late"] = a.groupby("incident", sort=False)["late"].sum().reindex(df.index, fill_value=0).astype(int)
        df["first_minutes"] = g.min().reindex(df.index)
        df["last_minutes"] = g.max().reindex(df.index)
        return df

    def to_dict(self) -> dict:
        """JSON-serialisable plan."""
        return to_jsonable({
            "objective": self.objective,
            "total_weighted_minutes": self.total_weighted_minutes,
            "latest_minutes": self.latest_minutes,
            "missing_units": self.missing_units,
            "late_units": self.late_units,
            "status": self.status,
            "optimal": self.optimal,
            "method": self.method,
            "seconds": self.seconds,
            "stages": self.stages,
            "assignments": self.assignments,
            "shortfalls": self.shortfalls,
        })

    def summary(self) -> str:
        """A short paragraph a person reads."""
        s = (f"Dispatch ({self.objective}, {self.method}, {self.status}): {len(self.assignments)} units sent, "
             f"weighted minutes {_number(self.total_weighted_minutes)}, latest arrival {self.latest_minutes:.3g} min, "
             f"{self.late_units} late")
        if self.missing_units or len(self.shortfalls):
            short = ", ".join(f"{r.incident}: {r.missing:g} {r.type} ({r.reason})"
                              for r in self.shortfalls.head(8).itertuples())
            s += f"; shortfalls {short}{' ...' if len(self.shortfalls) > 8 else ''}"
        return s + "."


def _make_plan(inp: _Inputs, ri, uu, objective, status, opt, method, seconds, incidents,
               strict: bool = False, geo: GeoRef | None = None) -> DispatchPlan:
    order = np.lexsort((uu, ri))
    ri, uu = ri[order], uu[order]
    mins = inp.T[ri, uu]
    late = mins > inp.target[ri] + _TOL
    inc_ids = np.asarray(inp.inc_ids, dtype=object)
    unit_ids = np.asarray(inp.unit_ids, dtype=object)
    asg = pd.DataFrame({
        "incident": pd.Series(inc_ids[ri], dtype=object),
        "unit": pd.Series(unit_ids[uu], dtype=object),
        "type": pd.Series(inp.unit_type[uu], dtype=object),
        "minutes": mins.astype(float),
        "late": late,
    })
    short, sent, crew_miss = _shortfalls(inp, ri, uu, strict)
    w = inp.weight[ri]
    total = float(np.sum(w * mins))
    latest = float(mins.max()) if mins.size else float("nan")
    missing_units = int((inp.need - sent).sum())
    stages = {
        "missing": float(np.sum(inp.weight[:, None] * (inp.need - sent))),
        "late": float(np.sum(w * late)),
        "total": total,
    }
    if inp.crew_need is not None:
        stages["crew_missing"] = crew_miss
    if objective == "latest":
        stages["latest"] = latest
    inc_table = pd.DataFrame({"needed": inp.need.sum(axis=1)}, index=pd.Index(inp.inc_ids, name="incident"))
    return DispatchPlan(
        assignments=asg, shortfalls=short, objective=objective, total_weighted_minutes=total,
        latest_minutes=latest, missing_units=missing_units, late_units=int(late.sum()), status=status,
        optimal=bool(opt), method=method, seconds=float(seconds), stages=stages, incidents=inc_table,
        geo=geo,
    )
