"""The one report renderer of yingji: a small content model, rendered to HTML, Markdown or JSON.

Base layer on purpose: results of every layer (a county, a fire assessment, a compliance report,
a county plan) describe themselves as a :class:`Doc` of :class:`Section` s holding blocks
(:class:`Para`, :class:`KeyValues`, :class:`Table`, :class:`Figure`, :class:`Pre`), and this
package renders it — ``yingji demo``, ``yingji check``, ``yingji plan``, ``rep.to_html()`` and
a notebook's ``_repr_html_`` all go through :func:`render`. The HTML comes from the Jinja2
templates in ``templates/`` (package data): one self-contained file (CSS inline, figures as inline
SVG), printable on A4. The package imports nothing of yingji above the base layer: maps draw any
object with the county's tables (duck typing). Numbers are written by :mod:`yingji._render.fmt`,
words come from :mod:`yingji._render.messages`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from yingji._render.fmt import number, tidy
from yingji._render.messages import check_lang, t, term
from yingji.exceptions import ValidationError

__all__ = ["Doc", "Section", "Para", "KeyValues", "Table", "Figure", "Pre", "render", "blocks_text", "FORMATS",
           "table_from_frame"]

FORMATS = ("html", "md", "json", "text")


@dataclass(frozen=True)
class Para:
    """A paragraph; ``kind`` ``"p"``, ``"note"`` (small grey) or ``"warn"`` (highlighted)."""

    text: str
    kind: str = "p"


@dataclass(frozen=True)
class KeyValues:
    """Label → value pairs (values already formatted with their units)."""

    items: tuple = ()
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A table of formatted cells.

    ``rows`` holds text cells, or ``(text, css_class)`` pairs for a coloured status;
    ``align`` is one ``"l"``/``"r"`` per column (numbers right-aligned); ``row_classes`` marks
    whole rows (e.g. ``"veto"``).
    """

    columns: tuple
    rows: tuple
    align: tuple = ()
    caption: str = ""
    row_classes: tuple = ()

    def cells(self):
        """Rows of ``(text, css_class)`` (for the templates)."""
        out = []
        for r in self.rows:
            row = []
            for j, c in enumerate(r):
                text, cls = (c if isinstance(c, tuple) else (c, ""))
                if self.align and j < len(self.align) and self.align[j] == "r":
                    cls = (cls + " n").strip()
                row.append((str(text), cls))
            out.append(row)
        return out

    def to_dict(self) -> dict:
        return {"type": "table", "caption": self.caption, "columns": list(self.columns),
                "rows": [[c[0] if isinstance(c, tuple) else c for c in r] for r in self.rows]}


@dataclass(frozen=True)
class Figure:
    """A figure: inline SVG markup (``svg``) and a caption."""

    svg: str
    caption: str = ""
    alt: str = ""


@dataclass(frozen=True)
class Pre:
    """Preformatted text (wrapped, never cut): a section that only has its text output."""

    text: str


@dataclass(frozen=True)
class Section:
    """A titled part of a document; ``blocks`` may hold nested sections."""

    title: str
    blocks: tuple = ()
    status: str = "ok"
    seconds: float | None = None
    key: str = ""


@dataclass(frozen=True)
class Doc:
    """A whole report: title, facts about it (``meta``), sections, closing notes."""

    title: str
    sections: tuple = ()
    meta: tuple = ()
    notes: tuple = ()
    lang: str = "en"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"title": self.title, "lang": self.lang,
                "meta": [list(kv) for kv in self.meta],
                "sections": [_section_dict(s) for s in self.sections],
                "notes": list(self.notes), **self.extra}


def _block_dict(b) -> dict:
    if isinstance(b, Section):
        return _section_dict(b)
    if isinstance(b, Table):
        return b.to_dict()
    if isinstance(b, Figure):
        return {"type": "figure", "caption": b.caption}
    if isinstance(b, KeyValues):
        return {"type": "facts", "caption": b.caption, "items": [list(kv) for kv in b.items]}
    if isinstance(b, Pre):
        return {"type": "text", "text": b.text}
    return {"type": "paragraph", "kind": b.kind, "text": b.text}


def _section_dict(s: Section) -> dict:
    d = {"type": "section", "title": s.title, "status": s.status,
         "blocks": [_block_dict(b) for b in s.blocks]}
    if s.seconds is not None:
        d["seconds"] = round(float(s.seconds), 3)
    if s.key:
        d["key"] = s.key
    return d


def table_from_frame(frame, *, lang: str = "en", columns: dict | None = None,
                     caption: str = "") -> Table:
    """A :class:`Table` of a DataFrame, every cell through :func:`yingji._render.fmt.number`.

    ``columns`` maps column → header (and picks and orders the columns).
    """
    import pandas as pd

    from yingji._render.fmt import OPERATORS, percent
    from yingji._render.messages import field_label

    cols = list(columns) if columns else list(frame.columns)
    heads = [columns[c] for c in cols] if columns else [field_label(str(c), lang) for c in cols]
    align = tuple("r" if pd.api.types.is_numeric_dtype(frame[c].dtype)
                  and not pd.api.types.is_bool_dtype(frame[c].dtype) else "l" for c in cols)

    def fmt(name, v):
        name = str(name)
        if isinstance(v, str):
            return OPERATORS.get(v, v) if name == "operator" else term(v, lang)
        if isinstance(v, (list, tuple)):
            return "、".join(term(x, lang) for x in v) if lang == "zh" else ", ".join(map(str, v))
        if (name.endswith("_share") or name == "share") and not isinstance(v, bool):
            return percent(v)
        if name == "minutes" or name.endswith("_minutes"):
            return number(v, digits=1, lang=lang)
        return number(v, lang=lang)

    rows = tuple(tuple(fmt(c, v) for c, v in zip(cols, rec))
                 for rec in frame[cols].itertuples(index=False, name=None))
    return Table(tuple(heads), rows, align, caption)


# ----------------------------------------------------------------------------- rendering

_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("yingji._render", "templates"),
            autoescape=_is_html, trim_blocks=True,
            lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
        _ENV.globals.update(kind=_kind)
        _ENV.filters["md"] = _md_escape
    return _ENV


def _is_html(name) -> bool:
    """HTML templates escape their values; Markdown ones write text as it is."""
    return name is not None and ".html" in name


def _kind(b) -> str:
    return type(b).__name__.lower()


def _md_escape(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def _walk_figures(blocks):
    for b in blocks:
        if isinstance(b, Section):
            yield from _walk_figures(b.blocks)
        elif isinstance(b, Figure):
            yield b


def _text_table(b: Table) -> str:
    rows = [[str(c) for c in b.columns]] + [[str(c[0] if isinstance(c, tuple) else c) for c in r]
                                            for r in b.rows]
    width = [max(len(r[j]) for r in rows) for j in range(len(b.columns))]
    right = [bool(b.align) and j < len(b.align) and b.align[j] == "r" for j in range(len(width))]
    lines = ["  ".join(c.rjust(w) if rt else c.ljust(w) for c, w, rt in zip(r, width, right)).rstrip()
             for r in rows]
    return "\n".join(([b.caption] if b.caption else []) + lines)


def blocks_text(blocks, lang: str = "en", level: int = 2) -> str:
    """Blocks as plain text (the terminal form of a report; figures are left out)."""
    out = []
    for b in blocks:
        if isinstance(b, Section):
            badge = "" if b.status == "ok" else f" [{t(b.status, lang)}]"
            out.append(f"{'=' * (level - 1)} {b.title}{badge}")
            out.append(blocks_text(b.blocks, lang, level + 1))
        elif isinstance(b, Table):
            out.append(_text_table(b))
        elif isinstance(b, KeyValues):
            width = max((len(str(k)) for k, _ in b.items), default=0)
            out.append("\n".join(f"{str(k).ljust(width)}  {v}" for k, v in b.items))
        elif isinstance(b, Figure):
            continue
        else:
            out.append(b.text)
    return "\n".join(x for x in out if x)


def _tidy_cell(c, lang: str):
    return (tidy(c[0], lang), *c[1:]) if isinstance(c, tuple) else tidy(c, lang)


def _tidy_block(b, lang: str):
    """A block with its text through :func:`yingji._render.fmt.tidy` (``≤``, ``2,000 m²``...)."""
    from dataclasses import replace

    if isinstance(b, Section):
        return replace(b, title=tidy(b.title, lang), blocks=tuple(_tidy_block(x, lang) for x in b.blocks))
    if isinstance(b, Table):
        return replace(b, columns=tuple(tidy(c, lang) for c in b.columns), caption=tidy(b.caption, lang),
                       rows=tuple(tuple(_tidy_cell(c, lang) for c in r) for r in b.rows))
    if isinstance(b, KeyValues):
        return replace(b, items=tuple((tidy(k, lang), tidy(v, lang)) for k, v in b.items),
                       caption=tidy(b.caption, lang))
    if isinstance(b, Para):
        return replace(b, text=tidy(b.text, lang))
    if isinstance(b, Figure):
        return replace(b, caption=tidy(b.caption, lang))
    if isinstance(b, Pre):  # a solver's own summary: ≤/≥ too, its words as written
        return replace(b, text=tidy(b.text, "en"))
    return b


def tidy_doc(doc: Doc) -> Doc:
    """``doc`` with every text through :func:`yingji._render.fmt.tidy` (what HTML, Markdown
    and text print; JSON keeps the values as the results give them)."""
    from dataclasses import replace

    lang = doc.lang
    return replace(doc, title=tidy(doc.title, lang),
                   sections=tuple(_tidy_block(s, lang) for s in doc.sections),
                   meta=tuple((tidy(k, lang), tidy(v, lang)) for k, v in doc.meta),
                   notes=tuple(tidy(n, lang) for n in doc.notes))


def render(doc: Doc, fmt: str = "html", *, fragment: bool = False) -> str:
    """``doc`` as a self-contained HTML page, Markdown, JSON or plain text.

    Parameters
    ----------
    doc : Doc
    fmt : {"html", "md", "json", "text"}
    fragment : bool, default False
        HTML only: a ``<div>`` to embed (a notebook's ``_repr_html_``), not a whole page.
    """
    check_lang(doc.lang, "the report")
    if fmt == "json":
        return json.dumps(doc.to_dict(), ensure_ascii=False, indent=1) + "\n"
    doc = tidy_doc(doc)
    if fmt == "text":
        head = [doc.title] + [f"{k}: {v}" for k, v in doc.meta]
        return "\n".join(head + [""] + [blocks_text(doc.sections, doc.lang)] + list(doc.notes)) + "\n"
    if fmt not in FORMATS:

        raise ValidationError(f"The 'fmt' parameter of the report must be one of 'html', 'md', "
                              f"'json', 'text'. Got {fmt!r} instead.")
    lang = doc.lang
    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    if fmt == "md":
        return _env().get_template("report.md.j2").render(doc=doc, t=tr)
    from yingji._render.figures import cjk_font_name

    needs_cjk = lang == "zh" and any(True for _ in _walk_figures(doc.sections))
    tpl = "fragment.html.j2" if fragment else "report.html.j2"
    return _env().get_template(tpl).render(
        doc=doc, t=tr, html_lang="zh-CN" if lang == "zh" else "en",
        no_cjk=needs_cjk and cjk_font_name() is None)
