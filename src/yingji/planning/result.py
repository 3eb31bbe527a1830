"""The county plan's results: :class:`PlanSection` and :class:`CountyPlan`, and their constants."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._version import __version__
from yingji.geo.features import GeoRef, _GeoOut, point_layer
from yingji.planning.formatting import (
    _indent,
    _money,
    _pct,
)
from yingji._render import render
from yingji._render.display import repr_html
from yingji._render.fmt import number
from yingji.planning.document import document
from yingji.results import to_jsonable

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


@displayable
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
class CountyPlan(_GeoOut):
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
    geo : yingji.geo.GeoRef or None
        The county's CRS (set by :func:`~yingji.planning.plan`): :meth:`to_geojson` writes
        every item of every section as a point (layer ``item``: ``section``, ``site``,
        ``what``, ``action``, ``quantity``, ``unit``, ``cost``, ``detail``).
    """

    county: str
    sections: tuple
    time_limit: float
    seed: int
    seconds: float
    generated_at: str
    notes: tuple = ()
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        """``item`` points: what every section builds or buys, where (:meth:`to_frame` rows)."""
        items = self.to_frame()
        items.index = pd.Index([f"{s}/{i}/{k}" for k, (s, i) in enumerate(zip(items["section"], items["id"]))])
        return [point_layer("item", items.rename(columns={"id": "site"}))]

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

    def to_markdown(self, lang: str = "en") -> str:
        """A Markdown report: status table, then per section its items and figures."""
        return render(document(self, lang, plots=False), "md")

    def to_html(self, *, plots: bool = True, lang: str = "en", county=None) -> str:
        """One self-contained HTML page (inline CSS and SVG, printable on A4): the parts'
        status, what to build or buy, before/after figures, the fire-station and shelter
        trade-off curves (``plots``, with matplotlib) and, given the ``county``, a map of the
        new stations with their districts and service areas."""
        return render(document(self, lang, plots=plots, county=county), "html")

    def _summary_(self, lang: str = "en") -> dict:
        doc = document(self, lang, plots=False)
        return {"title": doc.title, "facts": [*doc.sections[0].blocks[0].items],
                "tables": [doc.sections[0].blocks[2]]}

    def __repr__(self) -> str:
        return (f"CountyPlan(county={self.county!r}, sections="
                f"{[f'{s.part}:{s.status}' for s in self.sections]}, "
                f"total_cost={number(self.total_cost)} yuan)")

    _repr_html_ = repr_html
