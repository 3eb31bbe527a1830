"""What to build or buy to pass: the county plan (``yingji plan``).

:func:`plan` runs the four planning models of yingji on one county, each under its own
time limit, and gathers what they say to build or buy into one frozen :class:`CountyPlan`:

* **fire** — new fire stations (:func:`yingji.fire.plan`: fewest stations reaching every
  coverable urban point within the GB 51080 travel budget, district-area limits in the model);
* **shelters** — new shelter sites (:func:`yingji.shelters.plan`: least cost sheltering
  everyone a shelter or candidate can reach on foot);
* **teams** — new rescue-team bases (:func:`yingji.teams.plan_bases`: close the reach and
  crew gaps of the hazard sites);
* **supplies** — stock to buy and depots to open (:func:`yingji.supplies.preposition` on
  scenarios drawn by :func:`yingji.supplies.sample_scenarios` with ``seed``).

A part that fails (bad data, an infeasible model, a time-out when isolated) is reported in
its section (``status="error"``/``"infeasible"``/``"timeout"``) and the other parts go on::

    import yingji as yj
    p = yj.planning.plan(yj.datasets.sample_county(), time_limit=20, seed=0)
    print(p.summary())
    p.to_frame()            # every item: section, id, what, action, quantity, unit, cost, ...
    p.figures()             # before/after figures of every section
    p.to_markdown(); p.to_html(); p.to_dict()

The command line: ``yingji plan [PATH] [--format table|md|html|json] [--out FILE]
[--time-limit S]`` (exit 0 when the plan was made, 1 with ``--strict`` when a part did not
complete, 2 for bad input).
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import html as _html
import io
import json
import math
import multiprocessing as mp
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from yingji._validation import SEED, TIME_LIMIT, Interval, check_param
from yingji._deadline import Deadline
from yingji._fork import fork_safe
from yingji.exceptions import InfeasibleError, SolverError, ValidationError, YingjiError
from yingji.results import to_jsonable

__all__ = ["PARTS", "SECTION_STATUSES", "PLAN_SCHEMA_VERSION", "ITEM_COLUMNS", "PlanSection",
           "CountyPlan", "plan"]

#: The parts of a county plan, in the order they run.
PARTS = ("fire", "shelters", "teams", "supplies")

#: ``PlanSection.status`` values: the solver's ``optimal`` / ``time_limit``, or why none.
SECTION_STATUSES = ("optimal", "time_limit", "infeasible", "error", "timeout")

#: Version of :meth:`CountyPlan.to_dict` documents.
PLAN_SCHEMA_VERSION = "1.0"

#: Columns of :meth:`PlanSection.items` / :meth:`CountyPlan.to_frame`.
ITEM_COLUMNS = ("id", "what", "action", "quantity", "unit", "cost", "x", "y", "detail")

_TITLES = {
    "fire": ("Fire stations", "消防站"),
    "shelters": ("Shelters", "应急避难场所"),
    "teams": ("Rescue team bases", "救援队伍驻地"),
    "supplies": ("Emergency supplies", "应急物资储备"),
}


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("quantity", "cost", "x", "y")
                                      else object) for c in ITEM_COLUMNS})


def _f(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


# ----------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSection:
    """One part of a :class:`CountyPlan` (frozen).

    Attributes
    ----------
    part : str
        ``"fire"``, ``"shelters"``, ``"teams"`` or ``"supplies"``.
    title, title_zh : str
        Heading in English and Chinese.
    status : str
        One of :data:`SECTION_STATUSES`: the decisive solve's ``"optimal"`` or
        ``"time_limit"``; ``"infeasible"`` (the model has no solution), ``"error"`` (the
        part failed: bad or missing data), ``"timeout"`` (stopped at its hard limit, or not
        started because the plan's ``time_limit`` was used up).
    items : pandas.DataFrame
        What to build or buy, columns :data:`ITEM_COLUMNS`: ``id`` (candidate / depot id),
        ``what``, ``action`` (``"build"``, ``"open"``, ``"buy"``), ``quantity``, ``unit``,
        ``cost`` (yuan; NaN where the data give none), ``x``, ``y`` (metres), ``detail``.
    cost : float
        Total cost of the section (yuan): build costs of new sites, purchase cost of stock
        (for supplies the first-stage cost: opening, enlarging and buying).
    before, after : dict
        Figures without and with the plan (``{name: value}``, units in the name).
    gap : float
        Relative MIP gap of the decisive solve (NaN when none ran).
    optimal : bool
    seconds : float
    text : str
        The domain result's own summary (or the error).
    error : dict or None
        ``{"type", "message"}`` when the part did not complete.
    notes : tuple of str
    result : object
        The domain result (:class:`yingji.fire.FirePlan`, ...), or None; not part of
        :meth:`to_dict`.
    """

    part: str
    title: str
    title_zh: str
    status: str
    items: pd.DataFrame
    cost: float
    before: dict
    after: dict
    gap: float
    optimal: bool
    seconds: float
    text: str
    error: dict | None = None
    notes: tuple = ()
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def completed(self) -> bool:
        """True when the part produced a plan (``optimal`` or ``time_limit``)."""
        return self.status in ("optimal", "time_limit")

    def figures(self) -> pd.DataFrame:
        """Before and after side by side: index ``figure``, columns ``before``, ``after``."""
        names = list(dict.fromkeys([*self.before, *self.after]))
        return pd.DataFrame({"before": [self.before.get(n) for n in names],
                             "after": [self.after.get(n) for n in names]},
                            index=pd.Index(names, name="figure"), dtype=object)

    def to_frame(self) -> pd.DataFrame:
        """The items (a copy)."""
        return self.items.copy()

    def summary(self) -> str:
        """Heading line plus the domain summary."""
        head = f"{self.title} ({self.title_zh}): {self.status}"
        if self.completed:
            head += (f", {len(self.items)} item(s), cost {_money(self.cost)}"
                     + ("" if self.optimal else f", gap {_pct(self.gap)}"))
        return head + f" [{self.seconds:.1f} s]\n" + _indent(self.text)

    def to_dict(self) -> dict:
        """JSON-serialisable (``result`` left out)."""
        return to_jsonable({
            "part": self.part, "title": self.title, "title_zh": self.title_zh,
            "status": self.status, "completed": self.completed,
            "items": self.items.astype(object).where(self.items.notna(), None),
            "cost": self.cost, "before": self.before, "after": self.after, "gap": self.gap,
            "optimal": self.optimal, "seconds": self.seconds, "summary": self.text,
            "error": self.error, "notes": list(self.notes),
        })


@dataclass(frozen=True)
class CountyPlan:
    """What a county should build or buy to pass, section by section (frozen).

    Attributes
    ----------
    county : str
        The county's name.
    sections : tuple of PlanSection
        In :data:`PARTS` order (those asked for).
    time_limit : float
        Seconds the whole plan was given (shared by the parts).
    seed : int
        Seed of the supply scenarios.
    seconds : float
        Wall-clock seconds of the whole plan.
    generated_at : str
        ISO 8601 time (UTC).
    notes : tuple of str
        Plan-wide remarks, e.g. a candidate site chosen by two parts.
    """

    county: str
    sections: tuple
    time_limit: float
    seed: int
    seconds: float
    generated_at: str
    notes: tuple = ()

    def __getitem__(self, part: str) -> PlanSection:
        for s in self.sections:
            if s.part == part:
                return s
        raise KeyError(part)

    @property
    def total_cost(self) -> float:
        """Sum of the completed sections' costs (yuan)."""
        return float(sum(s.cost for s in self.sections if s.completed and np.isfinite(s.cost)))

    @property
    def complete(self) -> bool:
        """True when every section produced a plan."""
        return all(s.completed for s in self.sections)

    def to_frame(self) -> pd.DataFrame:
        """Every item of every section: ``section`` then :data:`ITEM_COLUMNS`."""
        frames = [s.items.assign(section=s.part) for s in self.sections if len(s.items)]
        if not frames:
            return _empty_items().assign(section=pd.Series(dtype=object))[["section", *ITEM_COLUMNS]]
        return pd.concat(frames, ignore_index=True)[["section", *ITEM_COLUMNS]]

    def figures(self) -> pd.DataFrame:
        """Before/after figures of every section: ``section``, ``figure``, ``before``, ``after``."""
        frames = [s.figures().reset_index().assign(section=s.part) for s in self.sections]
        if not frames:
            return pd.DataFrame(columns=["section", "figure", "before", "after"])
        return pd.concat(frames, ignore_index=True)[["section", "figure", "before", "after"]]

    def status(self) -> pd.DataFrame:
        """One row per section: ``status``, ``items``, ``cost``, ``gap``, ``seconds``."""
        return pd.DataFrame(
            [{"section": s.part, "status": s.status, "items": len(s.items), "cost": s.cost,
              "gap": s.gap, "optimal": s.optimal, "seconds": s.seconds} for s in self.sections],
            columns=["section", "status", "items", "cost", "gap", "optimal", "seconds"])

    def to_dict(self) -> dict:
        """JSON-serialisable document (``schema`` ``"yingji.plan"``, ``version`` 1.0)."""
        from yingji._version import __version__

        return to_jsonable({
            "schema": "yingji.plan", "version": PLAN_SCHEMA_VERSION, "yingji_version": __version__,
            "county": self.county, "generated_at": self.generated_at,
            "time_limit": self.time_limit, "seed": self.seed, "seconds": self.seconds,
            "total_cost": self.total_cost, "complete": self.complete,
            "sections": [s.to_dict() for s in self.sections], "notes": list(self.notes),
        })

    def to_json(self, **kw) -> str:
        kw.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), allow_nan=False, **kw)

    def summary(self) -> str:
        """Plain text: one block per section, then the total."""
        lines = [f"County plan for {self.county}: {len(self.sections)} part(s), total cost "
                 f"{_money(self.total_cost)}"
                 + ("" if self.complete else " (some parts did not complete)")
                 + f" [{self.seconds:.1f} s]"]
        for s in self.sections:
            lines.append("")
            lines.append(s.summary())
        if self.notes:
            lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A Markdown report: status table, then per section its items and figures."""
        out = [f"# County plan: {_md(self.county)}", "",
               f"Generated {self.generated_at} by yingji; the parts shared a time limit of "
               f"{self.time_limit:g} s; supply scenarios seed {self.seed}.", "",
               f"**Total cost: {_money(self.total_cost)}**"
               + ("" if self.complete else " (some parts did not complete)"), "",
               "| section | status | items | cost | gap | seconds |",
               "|---|---|---:|---:|---:|---:|"]
        for s in self.sections:
            out.append(f"| {s.title} {s.title_zh} | {s.status} | {len(s.items)} | "
                       f"{_money(s.cost) if s.completed else '-'} | "
                       f"{_pct(s.gap) if s.completed else '-'} | {s.seconds:.1f} |")
        if self.notes:
            out += [""] + [f"* {_md(n)}" for n in self.notes]
        for s in self.sections:
            out += ["", f"## {s.title} ({s.title_zh})", ""]
            if s.error:
                out += [f"**{s.status}**: {_md(s.error.get('type', ''))}: "
                        f"{_md(s.error.get('message', ''))}", ""]
            if s.completed:
                out.append("Nothing to build or buy." if not len(s.items) else
                           _md_table(["id", "what", "action", "quantity", "unit", "cost", "detail"],
                                     [[r["id"], r["what"], r["action"], _num(r["quantity"]),
                                       r["unit"], _money(r["cost"]), r["detail"]]
                                      for r in s.items.to_dict(orient="records")]))
                fig = s.figures()
                if len(fig):
                    out += ["", _md_table(["figure", "before", "after"],
                                          [[k, _num(r["before"]), _num(r["after"])]
                                           for k, r in fig.iterrows()])]
            if s.notes:
                out += [""] + [f"* {_md(n)}" for n in s.notes]
        return "\n".join(out) + "\n"

    def to_html(self, *, plots: bool = True) -> str:
        """One self-contained HTML page (inline CSS; the fire-station and shelter trade-off
        curves as PNGs when matplotlib is installed and ``plots``)."""
        h = _html.escape
        css = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;max-width:75em}"
               "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
               "padding:.25em .5em;text-align:left}td.n{text-align:right}"
               ".optimal{color:#186a1f}.time_limit{color:#9a6b00}.error,.infeasible,.timeout"
               "{color:#a01010}")
        parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                 f"<title>County plan: {h(self.county)}</title><style>{css}</style></head><body>",
                 f"<h1>County plan: {h(self.county)}</h1>",
                 f"<p>Generated {h(self.generated_at)} by yingji; the parts shared a time limit of "
                 f"{self.time_limit:g} s; supply scenarios seed {self.seed}.</p>",
                 f"<p><b>Total cost: {h(_money(self.total_cost))}</b>"
                 + ("" if self.complete else " (some parts did not complete)") + "</p>",
                 _html_table(["section", "status", "items", "cost", "gap", "seconds"],
                             [[f"{s.title} {s.title_zh}", (s.status, s.status), len(s.items),
                               _money(s.cost) if s.completed else "-",
                               _pct(s.gap) if s.completed else "-", f"{s.seconds:.1f}"]
                              for s in self.sections])]
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{h(n)}</li>" for n in self.notes) + "</ul>")
        for s in self.sections:
            parts.append(f"<h2>{h(s.title)} ({h(s.title_zh)})</h2>")
            if s.error:
                parts.append(f"<p class='{h(s.status)}'><b>{h(s.status)}</b>: "
                             f"{h(str(s.error.get('type', '')))}: "
                             f"{h(str(s.error.get('message', '')))}</p>")
            if s.completed:
                if len(s.items):
                    parts.append(_html_table(
                        ["id", "what", "action", "quantity", "unit", "cost", "detail"],
                        [[r["id"], r["what"], r["action"], _num(r["quantity"]), r["unit"],
                          _money(r["cost"]), r["detail"]]
                         for r in s.items.to_dict(orient="records")]))
                else:
                    parts.append("<p>Nothing to build or buy.</p>")
                fig = s.figures()
                if len(fig):
                    parts.append(_html_table(["figure", "before", "after"],
                                             [[k, _num(r["before"]), _num(r["after"])]
                                              for k, r in fig.iterrows()]))
                if plots and s.part in _TRADEOFF_AXES and s.result is not None:
                    img = _tradeoff_png(s.result, s.part)
                    if img:
                        alt, caption = _TRADEOFF_AXES[s.part][4:]
                        parts.append(f"<figure><img alt='{h(alt)}' "
                                     f"src='data:image/png;base64,{img}'><figcaption>{h(caption)}"
                                     f"</figcaption></figure>")
            if s.notes:
                parts.append("<ul>" + "".join(f"<li>{h(n)}</li>" for n in s.notes) + "</ul>")
            parts.append(f"<details><summary>summary</summary><pre>{h(s.text)}</pre></details>")
        parts.append("</body></html>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return (f"CountyPlan(county={self.county!r}, sections="
                f"{[f'{s.part}:{s.status}' for s in self.sections]}, "
                f"total_cost={self.total_cost:.6g})")


# ----------------------------------------------------------------------------------------
# formatting helpers
# ----------------------------------------------------------------------------------------


def _money(v) -> str:
    v = _f(v)
    return "-" if not np.isfinite(v) else f"{v:,.0f}"


def _pct(v) -> str:
    v = _f(v)
    return "-" if not np.isfinite(v) else f"{100 * v:.2f} %"


def _num(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if v is None:
        return "-"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "-" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


def _md(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(_md("" if v is None else v) for v in r) + " |")
    return "\n".join(out)


def _html_table(header, rows) -> str:
    h = _html.escape
    out = ["<table><thead><tr>" + "".join(f"<th>{h(str(c))}</th>" for c in header)
           + "</tr></thead><tbody>"]
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, tuple):  # (text, css class)
                cells.append(f"<td class='{h(v[1])}'>{h(str(v[0]))}</td>")
            else:
                cells.append(f"<td>{h('' if v is None else str(v))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _indent(text: str) -> str:
    return "\n".join("  " + ln for ln in str(text).splitlines())


#: Trade-off curves drawn in the HTML plan: part -> (x column, y column, x label, y label,
#: alt text, caption); y columns that are shares are drawn in %.
_TRADEOFF_AXES = {
    "fire": ("new_stations", "covered_share", "new fire stations", "urban population reached (%)",
             "fire station trade-off", "Population share reached against new stations"),
    "shelters": ("cost", "sheltered_share", "cost of new shelters", "people sheltered within walking "
                 "distance (%)", "shelter trade-off", "Share of residents sheltered within walking "
                 "distance against the cost of new shelters"),
}


def _tradeoff_png(result, part: str = "fire") -> str | None:
    tr = getattr(result, "tradeoff", None)
    xcol, ycol, xlabel, ylabel = _TRADEOFF_AXES[part][:4]
    if not isinstance(tr, pd.DataFrame) or len(tr) < 2 or not {xcol, ycol} <= set(tr.columns):
        return None
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.2))
    try:
        ax.plot(tr[xcol].to_numpy(float), 100 * tr[ycol].to_numpy(float), marker="o")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=90)
        return base64.b64encode(buf.getvalue()).decode("ascii")
    finally:
        plt.close(fig)


# ----------------------------------------------------------------------------------------
# the parts
# ----------------------------------------------------------------------------------------


def _items(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty_items()
    df = pd.DataFrame(rows)
    for c in ITEM_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    df = df[list(ITEM_COLUMNS)]
    for c in ("quantity", "cost", "x", "y"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in ("id", "what", "action", "unit", "detail"):
        df[c] = df[c].astype(object)
    return df


def _at(table: pd.DataFrame, i, col: str, default=np.nan):
    """``table.at[i, col]``, or ``default`` when the row or the column is absent."""
    if i in table.index and col in table.columns:
        return table.at[i, col]
    return default


def _xy(table: pd.DataFrame, i) -> tuple[float, float]:
    if i in table.index and {"x", "y"} <= set(table.columns):
        return _f(table.at[i, "x"]), _f(table.at[i, "y"])
    return float("nan"), float("nan")


def _status(optimal: bool, status: str | None = None) -> str:
    if status in ("optimal", "time_limit"):
        return status
    return "optimal" if optimal else "time_limit"


def _fire_part(county, time_limit: float, *, target: float, seed: int, **_) -> dict:
    from yingji.fire import plan as fire_plan

    r = fire_plan(county, target=target, time_limit=time_limit)
    after = r.after.stations
    cand = county.candidates
    rows = []
    for sid in r.new_stations:
        cls = after.at[sid, "station_class"] if sid in after.index else "class1"
        x, y = _xy(cand, sid)
        det = ""
        if sid in after.index:
            det = (f"district {_f(after.at[sid, 'area_km2']):.2f} km², "
                   f"{_f(after.at[sid, 'population']):,.0f} people")
        rows.append({"id": str(sid), "what": f"fire station ({cls})", "action": "build",
                     "quantity": 1.0, "unit": "station",
                     "cost": _f(_at(cand, sid, "cost")),
                     "x": x, "y": y, "detail": det})
    cmp = r.compare()
    before = {f"{k}": _plain(v) for k, v in cmp["before"].items()}
    after_f = {f"{k}": _plain(v) for k, v in cmp["after"].items()}
    notes = list(r.notes)
    if r.unreachable:
        notes.append(f"{len(r.unreachable)} urban demand point(s) no station or candidate can "
                     f"reach within the travel budget: {r.unreachable[:10]}")
    if not r.target_met:
        notes.append("the coverage target is not met by this plan")
    return dict(status=_status(r.optimal, r.status), items=_items(rows), cost=_f(r.cost),
                before=before, after=after_f, gap=_f(r.gap), optimal=bool(r.optimal),
                text=r.summary(), notes=tuple(notes), result=r)


def _failed(rules: pd.DataFrame) -> int:
    """Rules of a domain assessment that fail (``passed`` False; NA is not a failure)."""
    if "passed" not in getattr(rules, "columns", ()):
        return 0
    return int(rules["passed"].astype("boolean").eq(False).sum())


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def _shelters_part(county, time_limit: float, *, curve_points: int = 0, **_) -> dict:
    from yingji.shelters import plan as shelter_plan

    r = shelter_plan(county, time_limit=time_limit, curve_points=curve_points)
    cand = r.candidates
    rows = []
    for sid in r.new_shelters:
        c = cand.loc[sid] if sid in cand.index else None
        x, y = _xy(county.candidates, sid)
        rows.append({"id": str(sid),
                     "what": f"{c['shelter_class'] if c is not None else ''} shelter".strip(),
                     "action": "build", "quantity": 1.0, "unit": "shelter",
                     "cost": _f(c["cost"]) if c is not None else np.nan, "x": x, "y": y,
                     "detail": (f"{_f(c['area_m2']):,.0f} m² effective, "
                                f"{_f(c['capacity']):,.0f} places") if c is not None else ""})

    def figs(a) -> dict:
        return {"sheltered_persons": _f(a.sheltered), "sheltered_share": _f(a.sheltered_share),
                "unsheltered_persons": _f(a.unsheltered), "per_capita_m2": _f(a.per_capita_m2),
                "reachable_per_capita_m2": _f(a.reachable_per_capita_m2),
                "shelters": int(len(a.shelters)), "capacity_places": _f(a.capacity),
                "rules_failed": _failed(a.rules)}

    notes = []
    u = float(r.unreachable["unshelterable"].sum()) if len(r.unreachable) else 0.0
    if u > 0.5:
        notes.append(f"{u:,.0f} people in {len(r.unreachable)} demand point(s) cannot be "
                     "sheltered by any shelter or candidate within walking reach")
    return dict(status=_status(r.optimal, r.status), items=_items(rows), cost=_f(r.cost),
                before=figs(r.before), after=figs(r.after), gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _teams_part(county, time_limit: float, **_) -> dict:
    from yingji.teams import plan_bases

    r = plan_bases(county, time_limit=time_limit)
    cand = county.candidates
    rows = []
    nt = r.new_teams
    for base in r.new_bases:
        sk = nt.loc[nt["candidate"] == base] if len(nt) else nt
        skills = ", ".join(str(s) for s in sk["skill"]) if len(sk) else ""
        crew = float(sk["crew"].sum()) if len(sk) else float("nan")
        x, y = _xy(cand, base)
        rows.append({"id": str(base), "what": f"rescue team base ({skills})" if skills else
                     "rescue team base", "action": "build", "quantity": 1.0, "unit": "base",
                     "cost": _f(_at(cand, base, "cost")),
                     "x": x, "y": y,
                     "detail": f"{len(sk)} team(s), crew {crew:,.0f}" if len(sk) else ""})

    def figs(al) -> dict:
        n_h = int(al.params.get("n_hazards", 0))
        served = n_h - (al.gaps["hazard"].nunique() if len(al.gaps) else 0)
        out = {"hazard_sites": n_h, "hazard_sites_fully_served": int(served),
               "gaps": int(len(al.gaps))}
        for reason in ("no_skill", "too_far", "crew_short"):
            out[f"gaps_{reason}"] = int((al.gaps["reason"] == reason).sum()) if len(al.gaps) else 0
        return out

    notes = []
    if len(r.remaining_gaps):
        notes.append(f"{len(r.remaining_gaps)} gap(s) no candidate base closes: " + ", ".join(
            f"{g.hazard} {g.skill} ({g.reason})" for g in r.remaining_gaps.head(10).itertuples()))
    return dict(status=_status(r.optimal), items=_items(rows), cost=_f(r.cost),
                before=figs(r.before), after=figs(r.after), gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _supplies_part(county, time_limit: float, *, seed: int, n_scenarios: int = 5, **_) -> dict:
    from yingji.supplies import assess, preposition, sample_scenarios

    dl = Deadline(float(time_limit))  # the part's share: the plan, then both assessments
    scen = sample_scenarios(county, int(n_scenarios), int(seed))
    r = preposition(county, scen, time_limit=dl.limit(0.8))
    items_t = county.items.set_index("item") if "item" in county.items.columns else county.items
    rows = []
    sites = r.sites
    opened = sites[(sites["kind"] == "candidate") & sites["open"].astype(bool)]
    cand = county.candidates
    for s in opened.itertuples():
        x, y = _xy(cand, s.site)
        rows.append({"id": str(s.site), "what": "supply depot", "action": "open", "quantity": 1.0,
                     "unit": "depot",
                     "cost": _f(_at(cand, s.site, "cost")),
                     "x": x, "y": y, "detail": f"capacity {_f(s.capacity_m3):,.0f} m³"})
    enl = sites[sites["level"].astype(int) >= 0]
    for s in enl.itertuples():
        rows.append({"id": str(s.site), "what": "depot enlargement", "action": "build",
                     "quantity": 1.0, "unit": "level", "cost": np.nan, "x": np.nan, "y": np.nan,
                     "detail": f"level {int(s.level)}, capacity {_f(s.capacity_m3):,.0f} m³"})
    buy = r.stock[r.stock["buy"] > 1e-6]
    for s in buy.itertuples():
        unit = str(_at(items_t, s.item, "unit", ""))
        uc = _f(_at(items_t, s.item, "unit_cost"))
        q = float(math.ceil(s.buy - 1e-6))
        x, y = _xy(county.depots, s.depot)
        if not np.isfinite(x):
            x, y = _xy(cand, s.depot)
        rows.append({"id": str(s.depot), "what": str(s.item), "action": "buy", "quantity": q,
                     "unit": unit, "cost": q * uc if np.isfinite(uc) else np.nan, "x": x, "y": y,
                     "detail": f"hold {_f(s.quantity):,.0f} (now {_f(s.existing):,.0f})"})
    before_a = assess(county, time_limit=dl.limit(0.5))
    after_a = None
    notes = [f"{int(n_scenarios)} scenarios from sample_scenarios(seed={int(seed)}); expected "
             f"cost {_money(r.expected_cost)} (first stage {_money(r.first_stage_cost)}), "
             f"value of the stochastic solution {_money(r.vss)}"]
    try:
        after_a = assess(_with_stock(county, r, opened), time_limit=dl.limit())
    except YingjiError as exc:  # the after figures are a courtesy: say why they are missing
        notes.append(f"figures after the plan not computed: {exc}")

    def figs(a) -> dict:
        if a is None:
            return {}
        it = a.items
        return {"stocks_short_of_norm": int((it["shortfall"] > 1e-6).sum()),
                "depot_item_stocks": int(len(it)),
                "needs_met_in_time_share": _f(a.reach_share),
                "evacuees_covered": _f(a.evacuee_capacity),
                "rules_failed": _failed(a.rules)}

    b, a = figs(before_a), figs(after_a)
    b["expected_unmet_units"] = None
    a["expected_unmet_units"] = _f(r.expected_unmet["quantity"].sum()) if len(r.expected_unmet) else 0.0
    return dict(status=_status(r.optimal, r.status), items=_items(rows),
                cost=_f(r.first_stage_cost), before=b, after=a, gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _with_stock(county, r, opened: pd.DataFrame):
    """The county with the plan's depots opened and its stock bought (for the after figures)."""
    depots = county.depots
    changes: dict = {}
    if len(opened):
        cand = county.candidates
        new = pd.DataFrame({
            "x": [cand.at[s, "x"] for s in opened["site"]],
            "y": [cand.at[s, "y"] for s in opened["site"]],
            "capacity": opened["capacity_m3"].to_numpy(float),
            "open_cost": [_f(cand.at[s, "cost"]) if "cost" in cand else 0.0 for s in opened["site"]],
        }, index=pd.Index([str(s) for s in opened["site"]], name=depots.index.name))
        keep = [c for c in new.columns if c in depots.columns or c in ("x", "y")]
        changes["depots"] = pd.concat([depots.drop(columns="node", errors="ignore"), new[keep]])
    buy = r.stock[r.stock["buy"] > 1e-6]
    if len(buy):
        add = pd.DataFrame({"depot": buy["depot"].astype(str).to_numpy(),
                            "item": buy["item"].astype(str).to_numpy(),
                            "quantity": np.ceil(buy["buy"].to_numpy(float) - 1e-6)})
        if "expires" in county.stock.columns:
            add["expires"] = pd.NaT
        changes["stock"] = pd.concat([county.stock, add], ignore_index=True)
    return county.replace(**changes) if changes else county


_PART_FUNCS: dict[str, Callable] = {"fire": _fire_part, "shelters": _shelters_part,
                                    "teams": _teams_part, "supplies": _supplies_part}


def _run_part(part: str, county, time_limit: float, kw: dict) -> PlanSection:
    title, title_zh = _TITLES[part]
    t0 = time.perf_counter()
    try:
        out = _PART_FUNCS[part](county, time_limit, **kw)
    except Exception as exc:  # noqa: BLE001 - one part's failure goes in the plan
        status = "infeasible" if isinstance(exc, InfeasibleError) else "error"
        etype = type(exc).__name__ if isinstance(exc, (ValidationError, InfeasibleError,
                                                       SolverError)) else (
            "YingjiError" if isinstance(exc, YingjiError) else "InternalError")
        msg = str(exc) if etype != "InternalError" else f"{type(exc).__name__}: {exc}"
        return PlanSection(part, title, title_zh, status, _empty_items(), float("nan"), {}, {},
                           float("nan"), False, time.perf_counter() - t0,
                           f"{etype}: {msg}", {"type": etype, "message": msg[:4000]})
    return PlanSection(part, title, title_zh, out["status"], out["items"], out["cost"],
                       out["before"], out["after"], out["gap"], out["optimal"],
                       time.perf_counter() - t0, out["text"], None, out["notes"], out["result"])


def _child(conn, part, county, time_limit, kw):  # pragma: no cover - runs in a forked child
    try:
        sec = _run_part(part, county, time_limit, kw)
        try:
            conn.send(sec)
        except Exception:  # noqa: BLE001 - an unpicklable result: send it without
            conn.send(PlanSection(**{**sec.__dict__, "result": None}))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}",
                   "".join(traceback.format_exception(exc)[-2:])))
    finally:
        conn.close()


def _run_isolated(part, county, time_limit, kw, hard_limit) -> PlanSection:
    title, title_zh = _TITLES[part]
    t0 = time.perf_counter()
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, part, county, time_limit, kw), daemon=False)
    p.start()
    child.close()
    got = None
    if parent.poll(hard_limit):
        try:
            got = parent.recv()
        except EOFError:
            got = ("error", "the part's process ended without a result", "")
    p.join(5) if got is not None else None
    if p.is_alive():
        p.kill()
        p.join(5)
    secs = time.perf_counter() - t0
    if isinstance(got, PlanSection):
        return got
    if got is None:
        msg = f"stopped at its hard limit of {hard_limit:g} s"
        return PlanSection(part, title, title_zh, "timeout", _empty_items(), float("nan"), {}, {},
                           float("nan"), False, secs, msg, {"type": "Timeout", "message": msg})
    msg = got[1]
    return PlanSection(part, title, title_zh, "error", _empty_items(), float("nan"), {}, {},
                       float("nan"), False, secs, msg, {"type": "InternalError", "message": msg})


def _fork_safe() -> bool:
    return fork_safe()


def plan(county=None, *, parts=None, time_limit: float = 60.0, seed: int = 0,
         n_scenarios: int = 5, target: float = 1.0, shelter_curve_points: int = 0,
         isolate: bool = False, hard_limit: float | None = None) -> CountyPlan:
    """What a county should build or buy to pass: fire stations, shelters, team bases, stock.

    Parameters
    ----------
    county : yingji.County, optional
        Default: :func:`yingji.datasets.sample_county`.
    parts : sequence of str, optional
        Some of :data:`PARTS` (default all), run in that order.
    time_limit : float, default 60
        Seconds for the whole plan. Each part gets an equal share of the time left when it
        starts (a part that finishes early leaves its time to the ones after it) and spends
        it on all its solves. A part started with no time left is not run (status
        ``"timeout"``).
    seed : int, default 0
        Seed of the supply scenarios (:func:`yingji.supplies.sample_scenarios`).
    n_scenarios : int, default 5
        Supply scenarios drawn.
    target : float in (0, 1], default 1.0
        Share of the coverable urban population the fire plan must reach
        (:func:`yingji.fire.plan`).
    shelter_curve_points : int, default 0
        Points of the shelter budget trade-off curve (each costs two MIPs); drawn in
        :meth:`CountyPlan.to_html` with the fire-station curve.
    isolate : bool, default False
        Run each part in a forked process stopped at ``hard_limit`` (status ``"timeout"``);
        only where forking is safe (POSIX, no OpenMP pool started), else in-process.
    hard_limit : float, optional
        Seconds after which an isolated part is stopped (default ``3 * time_limit + 30``).

    Returns
    -------
    CountyPlan

    Raises
    ------
    ValidationError
        Unknown ``parts``, a non-positive ``time_limit``, ``n_scenarios < 1`` or a ``target``
        outside (0, 1]. Failures of the parts themselves are reported in their sections.

    See Also
    --------
    yingji.fire.plan, yingji.shelters.plan, yingji.teams.plan_bases,
    yingji.supplies.preposition, yingji.compliance.check

    Notes
    -----
    Each part is the exact model of its module (see their References): the fire plan is a
    location set covering problem with closest-assignment and district-area constraints
    [1]_, [3]_; shelters a capacitated set covering problem with walking radii per class
    [4]_; team bases a covering model over the hazard sites' reach and crew needs; supplies a
    two-stage stochastic programme [2]_. Items give the candidate (or depot) id, the cost from
    the county's ``candidates.cost`` / ``items.unit_cost`` and the coordinates.

    References
    ----------
    .. [1] Toregas, C., Swain, R., ReVelle, C., Bergman, L. (1971). The location of emergency
       service facilities. Operations Research 19(6), 1363-1373.
    .. [2] Rawls, C. G., Turnquist, M. A. (2010). Pre-positioning of emergency supplies for
       disaster response. Transportation Research Part B 44(4), 521-534.
    .. [3] GB 51080-2015 城市消防规划规范, 4.1.3; 建标152-2017 城市消防站建设标准.
    .. [4] GB 21734-2008 地震应急避难场所 场址及配套设施; GB 51143-2015 防灾避难场所设计规范.

    Examples
    --------
    >>> import yingji as yj
    >>> p = yj.planning.plan(yj.datasets.sample_county(), parts=["teams"], time_limit=10)
    >>> p["teams"].status, list(p.to_frame().columns[:4])
    ('optimal', ['section', 'id', 'what', 'action'])
    """
    from yingji._validation import Problems

    probs = Problems("yingji.planning.plan")
    todo = list(PARTS) if parts is None else ([parts] if isinstance(parts, str) else list(parts))
    bad = [p for p in todo if p not in PARTS]
    if bad:
        probs.param("parts", f"a list of {list(PARTS)}", bad)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=float("nan"))
    check_param(probs, "n_scenarios", n_scenarios, Interval(int, 1, None))
    tg = check_param(probs, "target", target, Interval(float, 0, 1, closed="right"))
    check_param(probs, "seed", seed, SEED)
    check_param(probs, "hard_limit", hard_limit, TIME_LIMIT, None)
    probs.raise_if_any()
    if county is None:
        from yingji.datasets import sample_county

        county = sample_county()
    t0 = time.perf_counter()
    kw = dict(seed=int(seed), n_scenarios=int(n_scenarios), target=tg,
              curve_points=int(shelter_curve_points))
    hl = float(hard_limit) if hard_limit is not None else 3.0 * tl + 30.0
    use_fork = bool(isolate) and _fork_safe()
    sections = []
    order = [p for p in PARTS if p in todo]
    dl = Deadline(tl, t0)
    for i, part in enumerate(order):
        if dl.expired():
            title, title_zh = _TITLES[part]
            msg = f"not started: the plan's time_limit of {tl:g} s was used up by the parts before it"
            sections.append(PlanSection(part, title, title_zh, "timeout", _empty_items(), float("nan"), {}, {},
                                        float("nan"), False, 0.0, msg, {"type": "Timeout", "message": msg}))
            continue
        share = dl.left() / (len(order) - i)  # an equal share of what is left
        if use_fork:
            sections.append(_run_isolated(part, county, share, kw, hl))
        else:
            sections.append(_run_part(part, county, share, kw))
    name = str(getattr(county, "meta", {}).get("name", "county"))
    return CountyPlan(name, tuple(sections), tl, int(seed), time.perf_counter() - t0,
                      _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
                      _shared_site_notes(sections))


def _shared_site_notes(sections) -> tuple:
    """Candidate sites that more than one part builds on (the parts are planned separately)."""
    by_site: dict[str, list[str]] = {}
    for s in sections:
        if not len(s.items):
            continue
        built = s.items[s.items["action"].isin(["build", "open"]) & (s.items["unit"] != "level")]
        for sid in dict.fromkeys(built["id"].astype(str)):
            by_site.setdefault(sid, []).append(s.part)
    shared = {sid: parts for sid, parts in by_site.items() if len(parts) > 1}
    if not shared:
        return ()
    return ("candidate sites chosen by more than one part (each part is planned on its own: "
            "check that the site can host all of them): "
            + ", ".join(f"{sid} ({', '.join(parts)})" for sid, parts in shared.items()),)


# ----------------------------------------------------------------------------------------
# CLI: yingji plan; demo section
# ----------------------------------------------------------------------------------------

FORMATS = ("table", "md", "html", "json")


def render(p: CountyPlan, fmt: str) -> str:
    """The plan as text in one of :data:`FORMATS`."""
    if fmt == "json":
        return p.to_json(indent=2) + "\n"
    if fmt == "md":
        return p.to_markdown()
    if fmt == "html":
        return p.to_html()
    lines = [p.summary(), ""]
    fr = p.to_frame()
    if len(fr):
        with pd.option_context("display.max_rows", None, "display.width", 200,
                               "display.max_colwidth", 50):
            show = fr[["section", "id", "what", "action", "quantity", "unit", "cost"]].copy()
            show["quantity"] = [_num(v) for v in show["quantity"]]
            show["cost"] = [_money(v) for v in show["cost"]]
            lines.append(show.to_string(index=False))
    return "\n".join(lines) + "\n"
