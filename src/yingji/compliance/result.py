"""The result of a compliance check: :class:`ComplianceReport` (planning · compliance layer).

One row per rule with its status, value, threshold, source and reason; renderers for people
live in :mod:`yingji.compliance.report`, the engine that fills it in :mod:`yingji.compliance.engine`.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from yingji._render.display import displayable
from yingji._version import __version__
from yingji.compliance.rules import TASK_AREAS
from yingji.exceptions import ValidationError
from yingji.results import to_jsonable

__all__ = ["ComplianceReport", "STATUSES", "SCHEMA_VERSION", "REPORT_COLUMNS"]


#: Status of a rule in a report.
STATUSES = ("pass", "fail", "missing", "not_due")


#: Version of the ``to_dict`` document (bumped on incompatible changes).
SCHEMA_VERSION = "1.0"


#: Columns of :meth:`ComplianceReport.to_frame`; the first nine are the contract.
REPORT_COLUMNS = (
    "rule_id", "metric", "value", "operator", "threshold", "status", "source", "confidence",
    "basis", "unit", "margin", "shortfall", "relative_shortfall", "met", "veto", "name_zh",
    "name_en", "standard", "clause", "rule_set", "task_area", "task_area_en", "deadline", "due",
    "deadline_kind", "reported_value", "computed_value", "discrepancy", "reason", "merged_ids",
    "source_metric", "notes", "origin",
)


_NUMERIC = ("value", "threshold", "margin", "shortfall", "relative_shortfall", "reported_value",
            "computed_value")


def _report_module():
    from yingji.compliance import report as _report

    return _report


@displayable
@dataclass(frozen=True, eq=False)
class ComplianceReport:
    """The result of :func:`check`: one row per rule, with status, value, threshold and source.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per rule, columns :data:`REPORT_COLUMNS` (use :meth:`to_frame` for a copy).
    county : str
        County name.
    as_of : datetime.date
        Date deadlines were judged against.
    rule_sets : tuple of str
        The rule sets checked, as given.
    computed : bool
        Whether computed metrics were evaluated.
    seconds : float
        Wall-clock seconds of the check.
    generated_at : str
        ISO time the report was made (UTC).
    warnings : tuple of str
        Problems met while computing metrics (also in each row's ``reason``).
    excluded : tuple of str
        Rule ids left out as not applicable (``check(..., exclude=...)``).
    """

    rows: pd.DataFrame
    county: str
    as_of: _dt.date
    rule_sets: tuple
    computed: bool = True
    seconds: float = 0.0
    generated_at: str = ""
    warnings: tuple = field(default_factory=tuple)
    excluded: tuple = field(default_factory=tuple)

    # ---- figures
    @property
    def counts(self) -> dict:
        """Rules per status (``pass, fail, missing, not_due``) and ``total``, ``veto_fail``."""
        vc = self.rows["status"].value_counts()
        d = {s: int(vc.get(s, 0)) for s in STATUSES}
        d["total"] = int(len(self.rows))
        d["veto_fail"] = int(((self.rows["status"] == "fail") & (self.rows["veto"] == "yes")).sum())
        return d

    @property
    def ok(self) -> bool:
        """True when no rule fails (missing values do not count)."""
        return not (self.rows["status"] == "fail").any()

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when nothing fails, 1 when a rule fails (with ``strict``, also when one is missing)."""
        bad = {"fail", "missing"} if strict else {"fail"}
        return int(self.rows["status"].isin(bad).any())

    def fix_first(self, n: int | None = None) -> pd.DataFrame:
        """Failing rules in the order to fix them: vetoes, then the largest relative shortfall."""
        f = self.rows[self.rows["status"] == "fail"].copy()
        f["_v"] = f["veto"].map({"yes": 0, "unknown": 1}).fillna(2)
        f["_s"] = -pd.to_numeric(f["relative_shortfall"], errors="coerce").fillna(0.0)
        f = f.sort_values(["_v", "_s", "rule_id"], kind="stable").drop(columns=["_v", "_s"])
        f = f.reset_index(drop=True)
        return f if n is None else f.head(n)

    def by_area(self) -> pd.DataFrame:
        """Rules per task area (源头治理, 风险防控, 监督管理, 应急救援, 宣传, 综合) and status."""
        r = self.rows
        out = []
        for area, en in TASK_AREAS.items():
            g = r[r["task_area"] == area]
            if g.empty:
                continue
            vc = g["status"].value_counts()
            p, f = int(vc.get("pass", 0)), int(vc.get("fail", 0))
            out.append({"task_area": area, "task_area_en": en, "total": int(len(g)),
                        "pass": p, "fail": f, "missing": int(vc.get("missing", 0)),
                        "not_due": int(vc.get("not_due", 0)),
                        "veto_fail": int(((g["status"] == "fail") & (g["veto"] == "yes")).sum()),
                        "pass_rate": (p / (p + f)) if (p + f) else float("nan")})
        return pd.DataFrame(out, columns=["task_area", "task_area_en", "total", "pass", "fail",
                                          "missing", "not_due", "veto_fail", "pass_rate"])

    def changes(self, before: "ComplianceReport") -> pd.DataFrame:
        """Rules whose status differs from an earlier report (e.g. before a plan is built).

        Returns ``rule_id, name_zh, name_en, status_before, status, value_before, value,
        threshold, unit`` for rules present in both reports whose status changed; rules only
        in one report are listed with ``None`` on the other side.
        """
        a = before.rows.set_index("rule_id")
        b = self.rows.set_index("rule_id")
        ids = list(dict.fromkeys(list(b.index) + list(a.index)))
        out = []
        for rid in ids:
            sa = a.at[rid, "status"] if rid in a.index else None
            sb = b.at[rid, "status"] if rid in b.index else None
            if sa == sb:
                continue
            src = b if rid in b.index else a
            out.append({"rule_id": rid, "name_zh": src.at[rid, "name_zh"],
                        "name_en": src.at[rid, "name_en"], "status_before": sa, "status": sb,
                        "value_before": a.at[rid, "value"] if rid in a.index else None,
                        "value": b.at[rid, "value"] if rid in b.index else None,
                        "threshold": src.at[rid, "threshold"], "unit": src.at[rid, "unit"]})
        return pd.DataFrame(out, columns=["rule_id", "name_zh", "name_en", "status_before",
                                          "status", "value_before", "value", "threshold",
                                          "unit"])

    # ---- views
    def to_frame(self) -> pd.DataFrame:
        """A copy of the per-rule table (columns :data:`REPORT_COLUMNS`), index ``rule_id``-ordered."""
        return self.rows.copy()

    def to_dict(self) -> dict:
        """The report as a JSON-serialisable document (schema: :func:`report_schema`)."""
        rules = []
        for rec in self.rows.to_dict(orient="records"):
            rules.append({k: _json_cell(rec[k]) for k in REPORT_COLUMNS})
        return {
            "schema": "yingji.compliance.report",
            "version": SCHEMA_VERSION,
            "yingji_version": _yingji_version(),
            "county": self.county,
            "as_of": self.as_of.isoformat(),
            "rule_sets": [str(s) for s in self.rule_sets],
            "computed": bool(self.computed),
            "generated_at": self.generated_at,
            "seconds": float(self.seconds),
            "ok": bool(self.ok),
            "counts": self.counts,
            "by_area": [{k: _json_cell(v) for k, v in rec.items()}
                        for rec in self.by_area().to_dict(orient="records")],
            "fix_first": [str(i) for i in self.fix_first()["rule_id"]],
            "rules": rules,
            "warnings": [str(w) for w in self.warnings],
            "excluded": [str(e) for e in self.excluded],
        }

    def to_json(self, **kw) -> str:
        """``json.dumps(self.to_dict())`` (keyword arguments go to :func:`json.dumps`)."""
        kw.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_dict(cls, doc: Mapping) -> "ComplianceReport":
        """Rebuild a report from :meth:`to_dict` output (e.g. read back from JSON)."""
        if doc.get("schema") != "yingji.compliance.report":
            raise ValidationError(f"The 'doc' parameter of ComplianceReport.from_dict must be a "
                                  f"compliance report document. Got schema "
                                  f"{doc.get('schema')!r} instead.")
        major = str(doc.get("version", "")).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise ValidationError(f"The 'doc' parameter of ComplianceReport.from_dict must have "
                                  f"schema version {SCHEMA_VERSION.split('.')[0]}.x. Got "
                                  f"{doc.get('version')!r} instead.")
        recs = [{k: (float(v) if isinstance(v, str) and v in ("inf", "-inf") and k in _NUMERIC
                     else v) for k, v in r.items()} for r in doc["rules"]]
        rows = pd.DataFrame.from_records(recs, columns=list(REPORT_COLUMNS))
        for c in ("margin", "shortfall", "relative_shortfall"):
            rows[c] = pd.to_numeric(rows[c], errors="coerce").astype(float)
        rows = rows.astype({c: object for c in ("value", "threshold", "reported_value",
                                                "computed_value", "met", "basis")})
        return cls(rows=rows, county=doc["county"], as_of=_dt.date.fromisoformat(doc["as_of"]),
                   rule_sets=tuple(doc["rule_sets"]), computed=bool(doc["computed"]),
                   seconds=float(doc.get("seconds", 0.0)),
                   generated_at=str(doc.get("generated_at", "")),
                   warnings=tuple(doc.get("warnings", ())),
                   excluded=tuple(doc.get("excluded", ())))

    def summary(self, lang: str = "en") -> str:
        """A few lines a person reads: counts, vetoes and the first things to fix."""
        return _report_module().summary_text(self, lang=lang)

    def to_markdown(self, lang: str = "en", *, details: bool = True) -> str:
        """The report as Markdown (:func:`yingji.compliance.report.to_markdown`)."""
        return _report_module().to_markdown(self, lang=lang, details=details)

    def to_html(self, lang: str = "en", *, county=None, plots: bool = True, figures=()) -> str:
        """A self-contained HTML report (:func:`yingji.compliance.report.to_html`)."""
        return _report_module().to_html(self, lang=lang, county=county, plots=plots,
                                        figures=figures)

    def plot(self, kind: str = "areas", *, ax=None, lang: str = "en"):
        """Plot the report with matplotlib (``plot`` extra): ``"areas"`` or ``"margins"``."""
        return _report_module().plot_report(self, kind=kind, ax=ax, lang=lang)

    def __repr__(self) -> str:
        c = self.counts
        return (f"ComplianceReport(county={self.county!r}, as_of={self.as_of.isoformat()}, "
                f"rules={c['total']}, pass={c['pass']}, fail={c['fail']}, "
                f"missing={c['missing']}, not_due={c['not_due']})")


def _yingji_version() -> str:
    try:

        return str(__version__)
    except Exception:  # pragma: no cover
        return ""


def _json_cell(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_json_cell(x) for x in v]
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    out = to_jsonable(v)
    return out
