"""The ``yingji demo`` report: its sections as one document of the report renderer.

Faces layer. A demo section returns text (shown as it is) or a list of blocks of
:mod:`yingji._render` (tables, facts, figures); :func:`document` puts them under their headings,
in English or Chinese, and :func:`render_demo` writes HTML, Markdown, JSON or text.
"""

from __future__ import annotations

import json

from yingji._render import Doc, Para, Pre, Section, blocks_text, render
from yingji._render.fmt import number
from yingji._render.messages import MESSAGES, t

__all__ = ["document", "render_demo", "section_text"]


def _blocks(content) -> tuple:
    if isinstance(content, str):
        return (Pre(content),) if content.strip() else ()
    return tuple(content or ())


def section_text(content, lang: str = "en") -> str:
    """A section's content as plain text (the terminal form)."""
    if isinstance(content, str):
        return content
    return blocks_text(_blocks(content), lang)


def section_title(title: str, key: str, lang: str) -> str:
    """The heading of a demo section: its catalogue message, else its registered title."""
    return t(key, lang) if key and key in MESSAGES else title


def document(records: list[dict], total: float, name: str, lang: str = "en") -> Doc:
    """The demo as a :class:`~yingji._render.Doc`; ``records`` hold ``title``, ``key``,
    ``status``, ``seconds`` and ``content`` (text or blocks) per section."""
    secs = []
    for r in records:
        blocks = _blocks(r["content"])
        if r["status"] != "ok":
            blocks = (Para(t("section_failed", lang), "warn"),) + blocks
        secs.append(Section(section_title(r["title"], r.get("key", ""), lang), blocks,
                            status=r["status"], seconds=r["seconds"]))
    title = t("demo_title", lang) + (f": {name}" if name else "")
    n_bad = sum(r["status"] != "ok" for r in records)
    meta = ((t("run_time", lang), f"{number(total, digits=1)} {t('seconds', lang)}"),)
    if n_bad:
        meta += ((t("section_failed", lang), number(n_bad)),)
    return Doc(title, tuple(secs), meta, (), lang)


def render_demo(records: list[dict], fmt: str, total: float, name: str,
                lang: str = "en") -> str:
    """The demo in ``fmt`` (``html``, ``md``, ``json``); JSON keeps each section's ``title``,
    ``status``, ``seconds`` and ``text`` beside its blocks."""
    doc = document(records, total, name, lang)
    if fmt == "json":
        d = doc.to_dict()
        d["seconds"] = round(total, 3)
        for sd, r in zip(d["sections"], records):
            sd["title"] = r["title"]
            sd["text"] = section_text(r["content"], lang).rstrip("\n")
        return json.dumps(d, ensure_ascii=False, indent=1) + "\n"
    return render(doc, fmt)
