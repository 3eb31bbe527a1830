"""A county plan as a report document (:mod:`yingji._render`): what ``CountyPlan.to_html()``,
``.to_markdown()`` and ``yingji plan --format html|md`` render.

Duck-typed on the plan (``county``, ``sections``, ``total_cost``, …), so it imports neither the
plan's result module nor a face.
"""

from __future__ import annotations

import re

import pandas as pd

from yingji._render import Doc, Figure, KeyValues, Para, Pre, Section, Table
from yingji._render import figures as _figs
from yingji._render.fmt import money, number, percent, unit_text
from yingji._render.messages import MESSAGES, check_lang, note, t, term

__all__ = ["document"]

#: Trade-off curves: part -> (x column, y column, x label key, y label key, caption key).
TRADEOFFS = {
    "fire": ("new_stations", "covered_share", "new_stations", "covered_share", "tradeoff_fire"),
    "shelters": ("cost", "sheltered_share", "shelter_cost", "sheltered_share",
                 "tradeoff_shelters"),
}


def _tradeoff_figure(result, part: str, lang: str):
    tr = getattr(result, "tradeoff", None)
    xcol, ycol, xkey, ykey, cap = TRADEOFFS[part]
    if not isinstance(tr, pd.DataFrame) or len(tr) < 2 or not {xcol, ycol} <= set(tr.columns):
        return None
    if not _figs.have_matplotlib():
        return None
    fl = _figs.figure_lang(lang)
    x = tr[xcol].to_numpy(float)
    if xcol == "cost" and fl == "zh":  # 万元 on a Chinese axis
        x = x / 10_000
    fig = _figs.line_chart(x, 100 * tr[ycol].to_numpy(float),
                           xlabel=t(xkey, fl), ylabel=t(ykey, fl), lang=fl)
    return Figure(_figs.to_svg(fig), t(cap, lang), alt=f"{part} trade-off")


def _items_table(items: pd.DataFrame, lang: str) -> Table:
    rows = tuple((str(r["id"]), term(r["what"], lang), term(r["action"], lang),
                  number(r["quantity"], lang=lang), term(unit_text(r["unit"], lang), lang),
                  money(r["cost"], lang=lang), term(r["detail"] or "", lang))
                 for r in items.to_dict(orient="records"))
    return Table(tuple(t(k, lang) for k in ("id", "what", "action", "quantity", "unit", "cost",
                                            "detail")), rows, ("l", "l", "l", "r", "l", "r", "l"))


def _note(text: str, lang: str) -> str:
    """A plan note in ``lang`` (:func:`~yingji._render.messages.note`); the site lists' part
    names through the term catalogue."""
    s = note(text, lang)
    if lang == "zh" and s != text:
        s = re.sub(r"\(([a-z, ]+)\)",
                   lambda m: "(" + "、".join(term(w.strip(), lang) for w in m.group(1).split(","))
                   + ")", s)
    return s


def _figure_cell(key: str, v, lang: str) -> str:
    return percent(v) if key.endswith("_share") else number(v, lang=lang)


def _figures_table(fig: pd.DataFrame, lang: str) -> Table:
    """Before/after figures of a part, each named from the catalogue (``cmp_<key>``)."""
    rows = []
    for k, r in fig.iterrows():
        k = str(k)
        name = t("cmp_" + k, lang) if "cmp_" + k in MESSAGES else k
        rows.append((name, _figure_cell(k, r["before"], lang), _figure_cell(k, r["after"], lang)))
    return Table((t("figure", lang), t("before", lang), t("after", lang)), tuple(rows),
                 ("l", "r", "r"))


def document(p, lang: str = "en", *, plots: bool = True, county=None) -> Doc:
    """The plan as a :class:`yingji._render.Doc`.

    Parameters
    ----------
    p : CountyPlan
    lang : {"en", "zh"}
    plots : bool
        Trade-off curves (fire stations, shelters) when matplotlib is installed.
    county : County, optional
        Adds a county map with the new fire stations, their districts and service areas.
    """
    check_lang(lang, "CountyPlan.to_html")
    zh = lang == "zh"
    status = Table((t("section", lang), t("status", lang), t("items", lang), t("cost", lang),
                    t("gap", lang), t("run_time", lang)),
                   tuple((s.title_zh if zh else f"{s.title} {s.title_zh}",
                          (t(s.status, lang), f"s-{s.status}"), number(len(s.items)),
                          money(s.cost, lang=lang) if s.completed else "—",
                          percent(s.gap, digits=2) if s.completed else "—",
                          f"{number(s.seconds, digits=1)} {t('seconds', lang)}")
                         for s in p.sections), ("l", "l", "r", "r", "r", "r"))
    head = [KeyValues(((t("total_cost", lang), money(p.total_cost, lang=lang)
                        + ("" if p.complete else f" ({t('incomplete', lang)})")),)),
            Para(t("plan_meta", lang, tl=number(p.time_limit), seed=p.seed), "note"), status]
    head += [Para(_note(n, lang), "note") for n in p.notes]
    secs = [Section(t("summary", lang), tuple(head))]
    if county is not None and plots and _figs.have_matplotlib():
        fire = next((s for s in p.sections if s.part == "fire" and s.completed), None)
        new = None
        if fire is not None and len(fire.items):
            it = fire.items
            new = pd.DataFrame({"x": it["x"].to_numpy(float), "y": it["y"].to_numpy(float)})
            cand = getattr(county, "candidates", None)
            if isinstance(cand, pd.DataFrame) and "node" in cand.columns:
                new["node"] = cand["node"].reindex(it["id"].to_numpy()).to_numpy()
                new = new[pd.notna(new["node"])]
        from yingji._render.maps import map_figure

        fig = map_figure(county, lang=lang, new_sites=new)
        secs.append(Section(t("map", lang), (Figure(_figs.to_svg(fig), t("map_note", lang)),)))
    for s in p.sections:
        blocks = []
        if s.error:
            blocks.append(Para(f"{t(s.status, lang)}: {s.error.get('type', '')}: "
                               f"{s.error.get('message', '')}", "warn"))
        if s.completed:
            blocks.append(_items_table(s.items, lang) if len(s.items)
                          else Para(t("nothing_to_build", lang)))
            fig = s.figures()
            if len(fig):
                blocks.append(_figures_table(fig, lang))
            if plots and s.part in TRADEOFFS and s.result is not None:
                f = _tradeoff_figure(s.result, s.part, lang)
                if f is not None:
                    blocks.append(f)
        blocks += [Para(_note(n, lang), "note") for n in s.notes]
        if s.text and not zh:  # the Chinese plan says it in its tables and notes
            blocks.append(Pre(s.text))
        title = s.title_zh if zh else f"{s.title} ({s.title_zh})"
        secs.append(Section(title, tuple(blocks), status=s.status if not s.completed else "ok",
                            seconds=s.seconds, key=f"part-{s.part}"))
    return Doc(f"{t('plan_title', lang)}: {p.county}", tuple(secs),
               ((t("generated", lang), str(p.generated_at)),), (), lang)
