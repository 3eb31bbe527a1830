"""A county plan as text: :func:`render` in one of :data:`FORMATS` (``yingji plan --format``)."""

from __future__ import annotations

import pandas as pd

from yingji.planning.formatting import _money, _num
from yingji.planning.result import CountyPlan

FORMATS = ("table", "md", "html", "json")


def render(p: CountyPlan, fmt: str, lang: str = "en", county=None) -> str:
    """The plan as text in one of :data:`FORMATS` (``html`` with a county map when ``county``
    is given)."""
    if fmt == "json":
        return p.to_json(indent=2) + "\n"
    if fmt == "md":
        return p.to_markdown(lang=lang)
    if fmt == "html":
        return p.to_html(lang=lang, county=county)
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
