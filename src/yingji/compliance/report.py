"""Reports for people: text summary, Markdown, self-contained HTML and plots.

Works on a :class:`yingji.compliance.ComplianceReport` (``rep.to_markdown()``,
``rep.to_html()``, ``rep.plot()`` call these functions). Labels come in English (``lang="en"``)
or Chinese (``lang="zh"``); rule names are shown in the chosen language with the other one in
the detail tables. Plots need matplotlib (the ``plot`` extra); HTML without matplotlib is still
complete, just without figures.
"""

from __future__ import annotations

import base64
import html
import io
import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

__all__ = [
    "LABELS",
    "summary_text",
    "to_markdown",
    "to_html",
    "plot_report",
    "plot_county_map",
    "format_value",
]

LABELS = {
    "en": {
        "title": "Compliance report", "county": "County", "as_of": "As of",
        "rule_sets": "Rule sets", "generated": "Generated", "rules": "rules",
        "pass": "pass", "fail": "fail", "missing": "missing", "not_due": "not due",
        "veto_fail": "failing vetoes", "by_area": "By task area", "fix_first": "Fix first",
        "missing_list": "Missing figures", "all_rules": "All rules", "area": "Task area",
        "total": "Total", "pass_rate": "Pass rate", "rule": "Rule", "name": "Name",
        "value": "Value", "threshold": "Threshold", "unit": "Unit", "status": "Status",
        "source": "Source", "confidence": "Confidence", "basis": "Basis", "veto": "Veto",
        "margin": "Margin", "shortfall": "Shortfall", "due": "Due", "reason": "Note",
        "reported": "reported", "computed": "computed", "yes": "yes", "no": "no",
        "unknown": "unknown", "none": "—", "nothing_fails": "No rule fails.",
        "discrepancy": "reported and computed values disagree",
        "figures": "Figures", "map": "County map", "areas_plot": "Rules by task area and status",
        "margins_plot": "Relative margin of numeric rules (positive = passing side)",
        "confidence_note": ("Confidence: CONFIRMED = read in the standard or an official page; "
                            "SEED = read from the county plan; SECONDARY = from a secondary "
                            "source; DRAFT = consultation draft; UNCONFIRMED = from memory, check "
                            "before relying on it."),
        "name_col": "name_en",
    },
    "zh": {
        "title": "合规检查报告", "county": "县", "as_of": "评估日期",
        "rule_sets": "规则集", "generated": "生成时间", "rules": "条规则",
        "pass": "达标", "fail": "未达标", "missing": "缺数据", "not_due": "未到期",
        "veto_fail": "否决项未达标", "by_area": "按任务领域", "fix_first": "优先整改",
        "missing_list": "缺少的数据", "all_rules": "全部规则", "area": "任务领域",
        "total": "合计", "pass_rate": "达标率", "rule": "编号", "name": "名称",
        "value": "数值", "threshold": "阈值", "unit": "单位", "status": "状态",
        "source": "依据", "confidence": "可信度", "basis": "数据来源", "veto": "否决项",
        "margin": "余量", "shortfall": "差距", "due": "期限", "reason": "说明",
        "reported": "上报", "computed": "计算", "yes": "是", "no": "否",
        "unknown": "未知", "none": "—", "nothing_fails": "没有未达标的规则。",
        "discrepancy": "上报值与计算值不一致",
        "figures": "图表", "map": "县域分布图", "areas_plot": "各任务领域规则状态",
        "margins_plot": "数值型规则的相对余量(正值为达标一侧)",
        "confidence_note": ("可信度:CONFIRMED=已在标准原文或官方页面核实;SEED=取自县实施方案;"
                            "SECONDARY=二手来源核实;DRAFT=征求意见稿;UNCONFIRMED=凭记忆,使用前请核实。"),
        "name_col": "name_zh",
    },
}

_STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "missing": "#9e9e9e",
                   "not_due": "#1565c0"}


def _lab(lang: str) -> dict:
    if lang not in LABELS:
        from yingji.exceptions import ValidationError

        raise ValidationError(f"The 'lang' parameter of the report must be one of 'en', 'zh'. "
                              f"Got {lang!r} instead.")
    return LABELS[lang]


def format_value(v: Any, lang: str = "en") -> str:
    """Short text for a value cell: yes/no for booleans, 4 significant digits for numbers."""
    L = LABELS.get(lang, LABELS["en"])
    if v is None:
        return L["none"]
    if isinstance(v, (bool, np.bool_)):
        return L["yes"] if v else L["no"]
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return L["none"]
        if math.isinf(f):
            return "∞" if f > 0 else "-∞"
        if f == int(f) and abs(f) < 1e15:
            return str(int(f))
        return f"{f:.4g}"
    s = str(v)
    return s if s else L["none"]


def _status_text(s: str, lang: str) -> str:
    return LABELS[lang].get(s, s)


def _rule_name(row: dict, lang: str) -> str:
    L = LABELS[lang]
    name = row.get(L["name_col"]) or row.get("name_en") or row.get("name_zh") or row["metric"]
    return str(name)


def _threshold_text(row: dict, lang: str) -> str:
    op = row["operator"]
    if op == "exists":
        return "exists" if row["threshold"] in (True, None) else "absent"
    return f"{op} {format_value(row['threshold'], lang)}"


# ----------------------------------------------------------------------------- text


def summary_text(rep, lang: str = "en", n_fix: int = 5) -> str:
    """A few lines: what was checked, counts per status, vetoes and the first things to fix."""
    L = _lab(lang)
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
                         f"({v} vs {_threshold_text(row, lang)} {row['unit']})".rstrip())
        lines.append(f"{L['fix_first']}: " + "; ".join(items))
    else:
        lines.append(L["nothing_fails"])
    return "\n".join(lines)


# ----------------------------------------------------------------------------- markdown


def _md_cell(v: Any) -> str:
    s = str(v).replace("|", "\\|").replace("\n", " ")
    return s


def _md_table(header: list[str], rows: Iterable[list]) -> str:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_md_cell(x) for x in r) + " |")
    return "\n".join(out)


def _rule_cells(row: dict, lang: str) -> list:
    L = LABELS[lang]
    basis = L.get(row["basis"], "") if row["basis"] else L["none"]
    if row.get("discrepancy"):
        basis += " ⚠"
    return [row["rule_id"], _rule_name(row, lang), format_value(row["value"], lang),
            _threshold_text(row, lang), row["unit"], _status_text(row["status"], lang),
            basis, L.get(row["veto"], row["veto"]), row["source"], row["confidence"]]


def _rule_header(lang: str) -> list:
    L = LABELS[lang]
    return [L["rule"], L["name"], L["value"], L["threshold"], L["unit"], L["status"],
            L["basis"], L["veto"], L["source"], L["confidence"]]


def _area_cells(a: dict, lang: str) -> list:
    area = a["task_area"] if lang == "zh" else f"{a['task_area_en']} ({a['task_area']})"
    pr = "—" if a["pass_rate"] != a["pass_rate"] else f"{a['pass_rate']:.0%}"
    return [area, a["total"], a["pass"], a["fail"], a["missing"], a["not_due"], a["veto_fail"], pr]


def _area_header(lang: str) -> list:
    L = LABELS[lang]
    return [L["area"], L["total"], L["pass"], L["fail"], L["missing"], L["not_due"],
            L["veto_fail"], L["pass_rate"]]


def to_markdown(rep, lang: str = "en", *, details: bool = True) -> str:
    """The report as Markdown: header, counts, per-area table, fix-first list, all rules.

    Parameters
    ----------
    rep : ComplianceReport
    lang : {"en", "zh"}
    details : bool, default True
        Include the table of every rule (grouped by task area).
    """
    L = _lab(lang)
    c = rep.counts
    parts = [f"# {L['title']}: {rep.county or '—'}", "",
             f"- {L['as_of']}: {rep.as_of.isoformat()}",
             f"- {L['rule_sets']}: {', '.join(rep.rule_sets)} ({c['total']} {L['rules']})",
             f"- " + ", ".join(f"{L[s]}: **{c[s]}**" for s in ("pass", "fail", "missing",
                                                             "not_due"))
             + f", {L['veto_fail']}: **{c['veto_fail']}**",
             f"- {L['generated']}: {rep.generated_at}", ""]
    parts += [f"## {L['by_area']}", "",
              _md_table(_area_header(lang), (_area_cells(a, lang) for a in
                                             rep.by_area().to_dict(orient="records"))), ""]
    ff = rep.fix_first()
    parts += [f"## {L['fix_first']}", ""]
    if len(ff):
        hdr = [L["rule"], L["name"], L["value"], L["threshold"], L["unit"], L["shortfall"],
               L["veto"], L["source"], L["confidence"]]
        rows = []
        for r in ff.to_dict(orient="records"):
            sf = r["shortfall"]
            sf_t = format_value(sf, lang) if sf == sf else L["none"]
            rel = r["relative_shortfall"]
            thr0 = r["operator"] != "exists" and r["threshold"] == 0
            if thr0 or r["operator"] == "exists":
                pass
            elif rel == rel and math.isinf(rel):
                sf_t += " (∞)"
            elif rel == rel:
                sf_t += f" ({rel:.0%})" if rel >= 0.095 else f" ({rel:.2g})" if rel < 1e-3 \
                    else f" ({rel:.1%})"
            rows.append([r["rule_id"], _rule_name(r, lang), format_value(r["value"], lang),
                         _threshold_text(r, lang), r["unit"], sf_t, L.get(r["veto"], r["veto"]),
                         r["source"], r["confidence"]])
        parts += [_md_table(hdr, rows), ""]
    else:
        parts += [L["nothing_fails"], ""]
    miss = rep.rows[rep.rows["status"] == "missing"]
    if len(miss):
        parts += [f"## {L['missing_list']} ({len(miss)})", "",
                  _md_table([L["rule"], L["name"], L["unit"], L["reason"]],
                            ([r["rule_id"], _rule_name(r, lang), r["unit"], r["reason"]]
                             for r in miss.to_dict(orient="records"))), ""]
    if details:
        parts += [f"## {L['all_rules']}", ""]
        frame = rep.rows
        for area, en in _areas_in(frame):
            g = frame[frame["task_area"] == area]
            parts += [f"### {area if lang == 'zh' else f'{en} ({area})'}", "",
                      _md_table(_rule_header(lang), (_rule_cells(r, lang) for r in
                                                     g.to_dict(orient="records"))), ""]
        disc = frame[frame["discrepancy"]]
        if len(disc):
            parts += [f"⚠ {L['discrepancy']}: " + ", ".join(disc["rule_id"]), ""]
    parts += [f"_{L['confidence_note']}_", ""]
    return "\n".join(parts)


def _areas_in(frame: pd.DataFrame):
    from yingji.compliance.rules import TASK_AREAS

    present = set(frame["task_area"])
    return [(a, en) for a, en in TASK_AREAS.items() if a in present]


# ----------------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.s-pass{color:#2e7d32;font-weight:600}.s-fail{color:#c62828;font-weight:600}
.s-missing{color:#777}.s-not_due{color:#1565c0}
.veto{background:#fdecea}.counts span{margin-right:1.2em}
.note{color:#555;font-size:0.85em}figure{margin:1em 0}
"""


def _h(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _html_table(header: list, rows: Iterable[list], row_classes: Iterable[str] | None = None,
                cell_classes: Iterable[list] | None = None) -> str:
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in header) +
           "</tr></thead>", "<tbody>"]
    rows = list(rows)
    rc = list(row_classes) if row_classes is not None else [""] * len(rows)
    cc = list(cell_classes) if cell_classes is not None else [[""] * len(header)] * len(rows)
    for r, k, cls in zip(rows, rc, cc):
        tds = "".join(f'<td class="{c}">{_h(x)}</td>' if c else f"<td>{_h(x)}</td>"
                      for x, c in zip(r, cls))
        out.append(f'<tr class="{k}">{tds}</tr>' if k else f"<tr>{tds}</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _fig_to_img(fig, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure><img alt="{_h(alt)}" src="data:image/png;base64,{data}"/>'
            f"<figcaption>{_h(alt)}</figcaption></figure>")


def to_html(rep, lang: str = "en", *, county=None, plots: bool = True, figures=()) -> str:
    """A self-contained HTML document (inline CSS, figures embedded as PNG data URIs).

    Parameters
    ----------
    rep : ComplianceReport
    lang : {"en", "zh"}
    county : County, optional
        When given (and matplotlib is installed), a map of demand, stations, shelters and
        candidates is included.
    plots : bool, default True
        Include the status-by-area and margin plots (needs matplotlib; skipped without it).
    figures : iterable of matplotlib Figure or (caption, Figure)
        Extra figures to embed, e.g. a trade-off curve from ``yj.coverage_curve``.
    """
    L = _lab(lang)
    c = rep.counts
    body = [f"<h1>{_h(L['title'])}: {_h(rep.county or '—')}</h1>",
            f"<p>{_h(L['as_of'])}: {_h(rep.as_of.isoformat())} · {_h(L['rule_sets'])}: "
            f"{_h(', '.join(rep.rule_sets))} ({c['total']} {_h(L['rules'])}) · "
            f"{_h(L['generated'])}: {_h(rep.generated_at)}</p>",
            '<p class="counts">' + "".join(
                f'<span class="s-{s}">{_h(L[s])}: {c[s]}</span>'
                for s in ("pass", "fail", "missing", "not_due"))
            + f"<span>{_h(L['veto_fail'])}: {c['veto_fail']}</span></p>"]
    body += [f"<h2>{_h(L['by_area'])}</h2>",
             _html_table(_area_header(lang), [_area_cells(a, lang) for a in
                                              rep.by_area().to_dict(orient="records")])]
    ff = rep.fix_first()
    body.append(f"<h2>{_h(L['fix_first'])}</h2>")
    if len(ff):
        recs = ff.to_dict(orient="records")
        body.append(_html_table(
            _rule_header(lang), [_rule_cells(r, lang) for r in recs],
            ["veto" if r["veto"] == "yes" else "" for r in recs],
            [["", "", "", "", "", f"s-{r['status']}", "", "", "", ""] for r in recs]))
    else:
        body.append(f"<p>{_h(L['nothing_fails'])}</p>")

    miss = rep.rows[rep.rows["status"] == "missing"]
    if len(miss):
        body.append(f"<h2>{_h(L['missing_list'])} ({len(miss)})</h2>")
        body.append(_html_table([L["rule"], L["name"], L["unit"], L["reason"]],
                                [[r["rule_id"], _rule_name(r, lang), r["unit"], r["reason"]]
                                 for r in miss.to_dict(orient="records")]))

    figs: list[tuple[str, Any]] = []
    mpl = _matplotlib()
    if mpl is not None and (plots or county is not None or figures):
        from matplotlib.figure import Figure

        if plots and len(rep.rows):
            f1 = Figure(figsize=(8, 3.2))
            plot_report(rep, kind="areas", ax=f1.subplots(), lang=lang)
            figs.append((L["areas_plot"], f1))
            if rep.rows["margin"].notna().any():
                f2 = Figure(figsize=(8, 4.5))
                plot_report(rep, kind="margins", ax=f2.subplots(), lang=lang)
                figs.append((L["margins_plot"], f2))
        if county is not None:
            f3 = Figure(figsize=(6.5, 6.5))
            plot_county_map(county, ax=f3.subplots())
            figs.append((L["map"], f3))
    for item in figures:
        if isinstance(item, tuple):
            figs.append((str(item[0]), item[1]))
        else:
            figs.append(("", item))
    if figs:
        body.append(f"<h2>{_h(L['figures'])}</h2>")
        body += [_fig_to_img(f, cap) for cap, f in figs]

    body.append(f"<h2>{_h(L['all_rules'])}</h2>")
    frame = rep.rows
    for area, en in _areas_in(frame):
        recs = frame[frame["task_area"] == area].to_dict(orient="records")
        body.append(f"<h3>{_h(area if lang == 'zh' else f'{en} ({area})')}</h3>")
        body.append(_html_table(
            _rule_header(lang) + [L["reason"]],
            [_rule_cells(r, lang) + [r["reason"]] for r in recs],
            ["veto" if (r["veto"] == "yes" and r["status"] == "fail") else "" for r in recs],
            [["", "", "", "", "", f"s-{r['status']}", "", "", "", "", "note"] for r in recs]))
    body.append(f'<p class="note">{_h(L["confidence_note"])}</p>')
    title = f"{L['title']}: {rep.county or '—'}"
    return ("<!DOCTYPE html>\n<html lang=\"" + ("zh-CN" if lang == "zh" else "en") + "\">\n"
            "<head><meta charset=\"utf-8\"/>"
            f"<title>{_h(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


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
        raise ImportError("plotting needs matplotlib: pip install 'yingji[plot]'")
    return mpl


def _cjk_font() -> str | None:
    """Name of an installed font with CJK glyphs, or None."""
    from matplotlib import font_manager

    for f in font_manager.fontManager.ttflist:
        n = f.name
        if any(k in n for k in ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi",
                                "SimHei", "Microsoft YaHei", "PingFang", "Heiti",
                                "AR PL", "Droid Sans Fallback")):
            return n
    return None


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
        Chinese labels only when a CJK font is installed (English otherwise).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_mpl()
    L = _lab(lang)
    font = _cjk_font() if lang == "zh" else None
    use_zh = font is not None
    Lp = LABELS["zh"] if use_zh else LABELS["en"]
    fontkw = {"fontfamily": font} if use_zh else {}
    if kind == "areas":
        ax = _new_ax(ax, (8, 3.2))
        ba = rep.by_area()
        names = list(ba["task_area"] if use_zh else ba["task_area_en"])
        left = np.zeros(len(ba))
        for s in ("pass", "fail", "missing", "not_due"):
            vals = ba[s].to_numpy(dtype=float)
            ax.barh(names, vals, left=left, color=_STATUS_COLOURS[s], label=Lp[s])
            left += vals
        ax.invert_yaxis()
        ax.set_xlabel(Lp["rules"] if use_zh else "rules", **fontkw)
        if use_zh:
            for t in ax.get_yticklabels():
                t.set_fontfamily(font)
        ax.legend(loc="lower right", fontsize="small", prop={"family": font} if use_zh else None)
        ax.set_title(Lp["areas_plot"], **fontkw)
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
        ax.set_xlabel("(value − threshold) / |threshold|, clipped to ±2")
        ax.set_title(Lp["margins_plot"], **fontkw)
        ax.tick_params(axis="y", labelsize=7)
        return ax
    from yingji.exceptions import ValidationError

    raise ValidationError(f"The 'kind' parameter of plot_report must be one of 'areas', "
                          f"'margins'. Got {kind!r} instead.")


def plot_county_map(county, *, ax=None, report=None):
    """Map of a county's demand points (size ~ population), stations, shelters and candidates.

    Uses the ``x``/``y`` columns (metres in the county's projected CRS) of the ``demand``,
    ``stations``, ``shelters``, ``candidates`` and ``depots`` tables that exist. Needs matplotlib.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_mpl()
    ax = _new_ax(ax, (6.5, 6.5))
    styles = {
        "demand": dict(c="#90a4ae", marker="o", alpha=0.6, label="demand"),
        "candidates": dict(c="#bdbdbd", marker="x", label="candidates"),
        "shelters": dict(c="#2e7d32", marker="s", label="shelters"),
        "depots": dict(c="#6d4c41", marker="D", label="depots"),
        "teams": dict(c="#f9a825", marker="P", label="teams"),
        "stations": dict(c="#c62828", marker="^", label="stations"),
    }
    for name, st in styles.items():
        t = getattr(county, name, None)
        if not isinstance(t, pd.DataFrame) or t.empty or not {"x", "y"} <= set(t.columns):
            continue
        x = pd.to_numeric(t["x"], errors="coerce")
        y = pd.to_numeric(t["y"], errors="coerce")
        size = 30.0
        if name == "demand" and "population" in t.columns:
            pop = pd.to_numeric(t["population"], errors="coerce").fillna(0).to_numpy(float)
            size = 8 + 120 * pop / max(pop.max(), 1.0)
        ax.scatter(x, y, s=size, **st)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    title = str(getattr(county, "name", "") or "")
    if report is not None:
        c = report.counts
        title = f"{title} — {c['pass']} pass, {c['fail']} fail".strip(" —")
    font = _cjk_font() if not title.isascii() else None
    if not title.isascii() and font is None:
        title = "".join(ch for ch in title if ch.isascii()).strip(" —")  # no CJK glyphs here
    ax.set_title(title, **({"fontfamily": font} if font else {}))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax
