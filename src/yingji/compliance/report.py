"""The compliance report for people: text summary, Markdown, self-contained HTML and plots.

Works on a :class:`yingji.compliance.ComplianceReport` (``rep.to_markdown()``,
``rep.to_html()``, ``rep.plot()`` call these functions). :func:`document` describes the report
in the content model of :mod:`yingji._render` (the one renderer of yingji's reports, shared with
``yingji demo`` and ``yingji plan``); Markdown and HTML are that document rendered. Labels come
from the message catalogue in English (``lang="en"``) or Chinese (``lang="zh"``); numbers from
:mod:`yingji._render.fmt` (thousands separators, no scientific notation). Plots need matplotlib
(the ``plot`` extra); HTML without matplotlib is still complete, just without figures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from yingji._optional import missing
from yingji._render import Doc, Figure, KeyValues, Para, Section, Table, render
from yingji._render import figures as _figs
from yingji._render.fmt import number, percent, unit_text
from yingji._render.messages import LANGS, check_lang, t, term
from yingji.exceptions import ValidationError

__all__ = [
    "LABELS",
    "summary_text",
    "document",
    "to_markdown",
    "to_html",
    "plot_report",
    "plot_county_map",
    "format_value",
]

#: The report's labels per language, read from the one message catalogue
#: (:mod:`yingji._render.messages`); kept as a mapping for code that used it.
_LABEL_KEYS = {
    "title": "compliance_title", "county": "county", "as_of": "as_of", "rule_sets": "rule_sets",
    "generated": "generated", "rules": "rules", "pass": "pass", "fail": "fail",
    "missing": "missing", "not_due": "not_due", "veto_fail": "veto_fail", "by_area": "by_area",
    "fix_first": "fix_first", "missing_list": "missing_list", "all_rules": "all_rules",
    "area": "task_area", "total": "total", "pass_rate": "pass_rate", "rule": "rule",
    "name": "name", "value": "value", "threshold": "threshold", "unit": "unit",
    "status": "status", "source": "source", "confidence": "confidence", "basis": "basis",
    "veto": "veto", "margin": "margin", "shortfall": "shortfall", "due": "due",
    "reason": "reason", "reported": "reported", "computed": "computed", "yes": "yes",
    "no": "no", "unknown": "unknown", "none": "none", "nothing_fails": "nothing_fails",
    "discrepancy": "discrepancy", "figures": "figures", "map": "map",
    "areas_plot": "areas_plot", "margins_plot": "margins_plot",
    "confidence_note": "confidence_note",
}
LABELS = {lang: {**{k: t(v, lang) for k, v in _LABEL_KEYS.items()},
                 "name_col": "name_zh" if lang == "zh" else "name_en"} for lang in LANGS}

_STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "missing": "#9e9e9e",
                   "not_due": "#1565c0"}


def _lab(lang: str) -> dict:
    check_lang(lang, "the report")
    return LABELS[lang]


def format_value(v: Any, lang: str = "en") -> str:
    """Short text for a value cell: yes/no for booleans, thousands separators and 4 significant
    digits for numbers, never scientific notation (:func:`yingji._render.fmt.number`)."""
    return number(v, lang=lang if lang in LANGS else "en")


def _rule_name(row: dict, lang: str) -> str:
    L = LABELS[lang]
    name = row.get(L["name_col"]) or row.get("name_en") or row.get("name_zh") or row["metric"]
    return str(name)


_OPS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def _threshold_text(row: dict, lang: str) -> str:
    op = row["operator"]
    if op == "exists":
        return t("exists" if row["threshold"] in (True, None) else "absent", lang)
    thr = row["threshold"]
    if thr is None or (isinstance(thr, float) and thr != thr):
        return t("unspecified", lang)
    return f"{_OPS.get(op, op)} {format_value(thr, lang)}"


def _value_zh(v: str) -> str:
    v = v.strip()
    if v in ("yes", "no", "True", "False"):
        return "是" if v in ("yes", "True") else "否"
    try:
        return number(float(v.replace(",", "")), lang="zh")
    except ValueError:
        return v


def reason(text, lang: str = "en") -> str:
    """A rule row's ``reason`` in ``lang``. In Chinese each ``;``-separated part goes through
    :data:`yingji._render.messages.REASON_PATTERNS` (reported vs computed values, due dates, a
    threshold the source leaves open, how a metric is computed); a part no pattern knows is
    replaced by a pointer to the English report (the value and status cells say the rest)."""
    import re

    from yingji._render.messages import REASON_PATTERNS

    s = str(text or "")
    if lang != "zh" or not s:
        return s
    out = []
    for part in (p.strip() for p in s.split("; ")):
        for pat, zh in REASON_PATTERNS:
            m = re.fullmatch(pat, part, flags=re.S)
            if m is not None:
                out.append(zh(m) if callable(zh) else m.expand(zh))
                break
        else:
            m = re.fullmatch(r"reported value (.+) differs from the computed (.+)", part)
            if m is not None:
                out.append(f"上报值 {_value_zh(m.group(1))} 与计算值 {_value_zh(m.group(2))} 不一致")
            elif not re.search(r"[A-Za-z]{3,}", part):
                out.append(part)
            elif t("reason_en_only", lang) not in out:
                out.append(t("reason_en_only", lang))
    return ";".join(x for x in out if x)


def _unit(row: dict, lang: str) -> str:
    return unit_text(row.get("unit") or "", lang)


# ----------------------------------------------------------------------------- text


def summary_text(rep, lang: str = "en", n_fix: int = 5) -> str:
    """A few lines: what was checked, counts per status, vetoes and the first things to fix."""
    L = _lab(lang)
    low = (lambda w: w) if lang == "zh" else str.lower
    c = rep.counts
    head = (f"{L['title']}: {rep.county or '—'}, {L['as_of']} {rep.as_of.isoformat()}, "
            f"{L['rule_sets']} {', '.join(rep.rule_sets)} ({c['total']} {L['rules']})")
    counts = ", ".join(f"{c[s]} {L[s]}" for s in ("pass", "fail", "missing", "not_due"))
    lines = [head, counts + (f"; {c['veto_fail']} {L['veto_fail']}" if c["veto_fail"] else "")]
    ff = rep.fix_first(n_fix)
    if len(ff):
        items = []
        for row in ff.to_dict(orient="records"):
            v = format_value(row["value"], lang)
            items.append(f"{row['rule_id']} {_rule_name(row, lang)} "
                         f"({low(L['value'])} {v}; {low(L['threshold'])} {_threshold_text(row, lang)} "
                         f"{_unit(row, lang)})".replace(" )", ")"))
        lines.append(f"{L['fix_first']}: " + "; ".join(items))
    else:
        lines.append(L["nothing_fails"])
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the document


def _status(s: str, lang: str):
    return (t(s, lang), f"s-{s}")


def _rule_cells(row: dict, lang: str) -> list:
    L = LABELS[lang]
    basis = L.get(row["basis"], "") if row["basis"] else L["none"]
    if row.get("discrepancy"):
        basis += " ⚠"
    return [(row["rule_id"], "nw"), _rule_name(row, lang), format_value(row["value"], lang),
            (_threshold_text(row, lang), "nw"), _unit(row, lang), _status(row["status"], lang),
            basis, L.get(row["veto"], row["veto"]), row["source"], term(row["confidence"], lang)]


def _rule_header(lang: str) -> list:
    L = LABELS[lang]
    return [L["rule"], L["name"], L["value"], L["threshold"], L["unit"], L["status"],
            L["basis"], L["veto"], L["source"], L["confidence"]]


_RULE_ALIGN = ("l", "l", "r", "l", "l", "l", "l", "l", "l", "l")


def _area_name(a: dict, lang: str) -> str:
    return a["task_area"] if lang == "zh" else f"{a['task_area_en']} ({a['task_area']})"


def _area_table(rep, lang: str) -> Table:
    L = LABELS[lang]
    rows = []
    for a in rep.by_area().to_dict(orient="records"):
        pr = "—" if a["pass_rate"] != a["pass_rate"] else percent(a["pass_rate"], digits=0)
        rows.append((_area_name(a, lang), *(number(a[k]) for k in
                     ("total", "pass", "fail", "missing", "not_due", "veto_fail")), pr))
    return Table((L["area"], L["total"], L["pass"], L["fail"], L["missing"], L["not_due"],
                  L["veto_fail"], L["pass_rate"]), tuple(rows), ("l",) + ("r",) * 7)


def _shortfall_text(r: dict, lang: str) -> str:
    sf = r["shortfall"]
    sf_t = format_value(sf, lang) if sf == sf else LABELS[lang]["none"]
    rel = r["relative_shortfall"]
    thr0 = r["operator"] != "exists" and r["threshold"] == 0
    if thr0 or r["operator"] == "exists" or rel != rel:
        return sf_t
    if math.isinf(rel):
        return sf_t + " (∞)"
    if rel >= 0.095:
        return sf_t + f" ({rel:.0%})"
    return sf_t + (f" ({number(100 * rel, digits=3)}%)" if rel < 1e-3 else f" ({rel:.1%})")


def _fix_first_table(rep, lang: str) -> Table | None:
    L = LABELS[lang]
    ff = rep.fix_first()
    if not len(ff):
        return None
    recs = ff.to_dict(orient="records")
    rows = tuple(((r["rule_id"], "nw"), _rule_name(r, lang), format_value(r["value"], lang),
                  (_threshold_text(r, lang), "nw"), _unit(r, lang), _shortfall_text(r, lang),
                  L.get(r["veto"], r["veto"]), r["source"], term(r["confidence"], lang))
                 for r in recs)
    return Table((L["rule"], L["name"], L["value"], L["threshold"], L["unit"], L["shortfall"],
                  L["veto"], L["source"], L["confidence"]), rows,
                 ("l", "l", "r", "l", "l", "r", "l", "l", "l"),
                 row_classes=tuple("veto" if r["veto"] == "yes" else "" for r in recs))


def _figure_blocks(rep, lang: str, county, plots: bool, figures) -> list:
    """The report's figures as inline SVG (empty without matplotlib)."""
    out = []
    if _matplotlib() is None:
        return out
    fl = _figs.figure_lang(lang) if (plots or county is not None) else lang
    if plots and len(rep.rows):
        f1 = _figs.new_figure(7.6, max(2.4, 0.34 * len(rep.by_area()) + 1.2), fl)
        plot_report(rep, kind="areas", ax=f1.subplots(), lang=fl)
        out.append(Figure(_figs.to_svg(f1), t("areas_plot", lang)))
        if rep.rows["margin"].notna().any():
            n = int(min(rep.rows["margin"].notna().sum(), 40))
            f2 = _figs.new_figure(7.6, max(2.6, 0.2 * n + 1.2), fl)
            plot_report(rep, kind="margins", ax=f2.subplots(), lang=fl)
            out.append(Figure(_figs.to_svg(f2), t("margins_plot", lang)))
    if county is not None:
        f3 = _figs.new_figure(8.6, 6.4, fl)
        plot_county_map(county, ax=f3.subplots(), lang=fl)
        out.append(Figure(_figs.to_svg(f3), t("map", lang)))
    for item in figures:
        cap, fig = (str(item[0]), item[1]) if isinstance(item, tuple) else ("", item)
        out.append(Figure(_figs.to_svg(fig), cap))
    return out


def document(rep, lang: str = "en", *, county=None, plots: bool = True, figures=(),
             details: bool = True) -> Doc:
    """The report as a :class:`yingji._render.Doc` (what :func:`to_html`, :func:`to_markdown`
    and ``yingji check`` render).

    Parameters
    ----------
    rep : ComplianceReport
    lang : {"en", "zh"}
    county : County, optional
        Adds a county map (roads, station districts, service areas, unreached demand).
    plots : bool
        Add the status-by-area and margin charts (needs matplotlib).
    figures : iterable of matplotlib Figure or (caption, Figure)
        Extra figures, e.g. a trade-off curve from ``yj.coverage_curve``.
    details : bool
        Add the table of every rule, by task area.
    """
    L = _lab(lang)
    c = rep.counts
    meta = ((L["as_of"], rep.as_of.isoformat()),
            (L["rule_sets"], f"{', '.join(rep.rule_sets)} ({number(c['total'])} {L['rules']})"),
            (L["generated"], str(rep.generated_at)))
    counts = KeyValues(tuple((L[s], number(c[s])) for s in ("pass", "fail", "missing", "not_due"))
                       + ((L["veto_fail"], number(c["veto_fail"])),))
    secs = [Section(L["summary"] if "summary" in L else t("summary", lang),
                    (counts, Para(summary_text(rep, lang).splitlines()[-1]))),
            Section(L["by_area"], (_area_table(rep, lang),))]
    ff = _fix_first_table(rep, lang)
    secs.append(Section(L["fix_first"], (ff,) if ff is not None else (Para(L["nothing_fails"]),)))
    miss = rep.rows[rep.rows["status"] == "missing"]
    if len(miss):
        secs.append(Section(f"{L['missing_list']} ({len(miss)})", (Table(
            (L["rule"], L["name"], L["unit"], L["reason"]),
            tuple((r["rule_id"], _rule_name(r, lang), _unit(r, lang), reason(r["reason"], lang))
                  for r in miss.to_dict(orient="records"))),)))
    figs = _figure_blocks(rep, lang, county, plots, figures)
    if figs:
        secs.append(Section(L["figures"], tuple(figs)))
    if details:
        frame = rep.rows
        subs = []
        for area, en in _areas_in(frame):
            recs = frame[frame["task_area"] == area].to_dict(orient="records")
            subs.append(Section(area if lang == "zh" else f"{en} ({area})", (Table(
                tuple(_rule_header(lang) + [L["reason"]]),
                tuple(tuple(_rule_cells(r, lang) + [(reason(r["reason"], lang), "note")])
                      for r in recs),
                _RULE_ALIGN + ("l",),
                row_classes=tuple("veto" if (r["veto"] == "yes" and r["status"] == "fail")
                                  else "" for r in recs)),)))
        disc = frame[frame["discrepancy"]]
        if len(disc):
            subs.append(Para(f"⚠ {L['discrepancy']}: " + ", ".join(disc["rule_id"]), "warn"))
        secs.append(Section(L["all_rules"], tuple(subs)))
    return Doc(f"{L['title']}: {rep.county or '—'}", tuple(secs), meta,
               (L["confidence_note"],), lang)


def to_markdown(rep, lang: str = "en", *, details: bool = True) -> str:
    """The report as Markdown: header, counts, per-area table, fix-first list, all rules.

    Parameters
    ----------
    rep : ComplianceReport
    lang : {"en", "zh"}
    details : bool, default True
        Include the table of every rule (grouped by task area).
    """
    return render(document(rep, lang, plots=False, details=details), "md")


def _areas_in(frame: pd.DataFrame):
    from yingji.compliance.rules import TASK_AREAS

    present = set(frame["task_area"])
    return [(a, en) for a, en in TASK_AREAS.items() if a in present]


def to_html(rep, lang: str = "en", *, county=None, plots: bool = True, figures=()) -> str:
    """A self-contained HTML document (inline CSS, figures as inline SVG), printable on A4.

    Parameters
    ----------
    rep : ComplianceReport
    lang : {"en", "zh"}
    county : County, optional
        When given (and matplotlib is installed), a county map is included: roads by class,
        station districts and service areas, demand not reached, township names.
    plots : bool, default True
        Include the status-by-area and margin plots (needs matplotlib; skipped without it).
    figures : iterable of matplotlib Figure or (caption, Figure)
        Extra figures to embed, e.g. a trade-off curve from ``yj.coverage_curve``.
    """
    return render(document(rep, lang, county=county, plots=plots, figures=figures), "html")


# ----------------------------------------------------------------------------- plots


def _matplotlib():
    try:
        import matplotlib  # noqa: F401

        return matplotlib
    except ImportError:
        return None


def _require_mpl():
    mpl = _matplotlib()
    if mpl is None:
        raise ImportError(missing("matplotlib", "plotting"))
    return mpl


def _new_ax(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_report(rep, kind: str = "areas", *, ax=None, lang: str = "en", top: int = 40):
    """Plot a compliance report.

    Parameters
    ----------
    rep : ComplianceReport
    kind : {"areas", "margins"}
        ``"areas"``: a stacked bar per task area of rules by status. ``"margins"``: the
        relative margin (margin / |threshold|) of numeric rules with a value, the ``top``
        worst first; bars are green for pass, red for fail, blue for not yet due.
    ax : matplotlib Axes, optional
    lang : {"en", "zh"}
        Chinese labels only when a CJK font is installed (English otherwise, with a warning).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_mpl()
    _lab(lang)
    lang = _figs.figure_lang(lang)
    font = _figs.cjk_font_name() if lang == "zh" else None
    fontkw = {"fontfamily": font} if font else {}
    if kind == "areas":
        ax = _new_ax(ax, (8, 3.2))
        ba = rep.by_area()
        names = list(ba["task_area"] if lang == "zh" else ba["task_area_en"])
        left = np.zeros(len(ba))
        for s in ("pass", "fail", "missing", "not_due"):
            vals = ba[s].to_numpy(dtype=float)
            ax.barh(names, vals, left=left, color=_STATUS_COLOURS[s], label=t(s, lang))
            left += vals
        ax.invert_yaxis()
        ax.set_xlabel(t("rules", lang), **fontkw)
        if font:
            for tx in ax.get_yticklabels():
                tx.set_fontfamily(font)
        ax.legend(loc="lower right", fontsize="small", prop={"family": font} if font else None)
        ax.set_title(t("areas_plot", lang), **fontkw)
        return ax
    if kind == "margins":
        ax = _new_ax(ax, (8, 4.5))
        r = rep.rows[rep.rows["margin"].notna()].copy()
        thr = pd.to_numeric(r["threshold"], errors="coerce").abs()
        r["rel"] = r["margin"] / thr.where(thr > 0, 1.0)
        r = r.sort_values("rel").head(top)
        cols = [_STATUS_COLOURS.get(s, "#9e9e9e") for s in r["status"]]
        ax.barh(list(r["rule_id"]), r["rel"].clip(-2, 2), color=cols)
        ax.axvline(0, color="k", lw=0.8)
        ax.invert_yaxis()
        ax.set_xlabel(t("margin_axis", lang), **fontkw)
        ax.set_title(t("margins_plot", lang), **fontkw)
        ax.tick_params(axis="y", labelsize=7)
        return ax

    raise ValidationError(f"The 'kind' parameter of plot_report must be one of 'areas', "
                          f"'margins'. Got {kind!r} instead.")


def plot_county_map(county, *, ax=None, report=None, lang: str = "en"):
    """The county map (:func:`yingji._render.maps.county_map`): roads by class, station
    districts and service areas, demand not reached, township names, km axes, scale bar and
    north arrow; with ``report`` the title gives its pass / fail counts. Needs matplotlib.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_mpl()
    from yingji._render.maps import county_map

    lang = _figs.figure_lang(lang)
    title = str((getattr(county, "meta", None) or {}).get("name", "") or
                getattr(county, "name", "") or "")
    if report is not None:
        c = report.counts
        title = (f"{title} — {number(c['pass'])} {t('pass', lang)}, "
                 f"{number(c['fail'])} {t('fail', lang)}").strip(" —")
    if not title.isascii() and _figs.cjk_font_name() is None:
        title = "".join(ch for ch in title if ch.isascii()).strip(" —")  # no CJK glyphs here
    if ax is None:
        ax = _new_ax(None, (8.6, 6.4))
    return county_map(county, ax=ax, lang=lang, title=title, shelters=True)
