"""Notebook display for yingji's results: a short ``__repr__`` and ``_repr_html_``.

Base layer: results in every layer take :func:`displayable` as a class decorator (after
``@dataclass``). The protocol, in the spirit of IPython's ``_repr_*_`` methods:

* ``obj._summary_(lang)`` (optional) returns a dict with ``title`` (str), ``facts`` (list of
  ``(label, formatted value)``) and optionally ``tables`` (list of :class:`Table`);
  without it the summary is built from the object's scalar fields (numbers, text, flags) and
  the shapes of its tables.
* ``obj._map_(ax, lang)`` (optional) draws the object on a map axes (the county map style of
  :mod:`yingji._render.maps`); ``_repr_html_`` then shows a small map (when matplotlib is
  installed).

The HTML goes through the one renderer (:func:`yingji._render.render`, fragment template).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from yingji._render.fmt import number

__all__ = ["displayable", "summary_of", "short_repr", "repr_html"]

_MAX_REPR = 240


def _scalar(v) -> bool:
    return isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating, str)) or v is None


def summary_of(obj, lang: str = "en") -> dict:
    """The display summary of ``obj``: its ``_summary_`` or one built from its fields."""
    own = getattr(obj, "_summary_", None)
    if callable(own):
        return own(lang)
    facts, tables = [], []
    names = ([f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj)
             else [k for k in vars(obj) if not k.startswith("_")])
    for name in names:
        v = getattr(obj, name, None)
        if _scalar(v):
            s = str(v) if isinstance(v, str) else number(v, lang=lang)
            if isinstance(v, str) and len(s) > 80:
                s = s[:77] + "…"
            facts.append((name, s))
        elif isinstance(v, pd.DataFrame):
            facts.append((name, f"table {number(len(v))} × {number(v.shape[1])}"))
        elif isinstance(v, (pd.Series, np.ndarray, list, tuple)) and not isinstance(v, str):
            facts.append((name, f"{number(len(v))} values"))
    return {"title": type(obj).__name__, "facts": facts, "tables": tables}


def short_repr(obj) -> str:
    """``Name(field=value, ...)``: the scalar facts, cut at about 240 characters."""
    s = summary_of(obj)
    parts = []
    for k, v in s["facts"]:
        if v.startswith("table ") or v.endswith(" values"):
            continue
        parts.append(f"{k}={v}")
    text = f"{type(obj).__name__}(" + ", ".join(parts) + ")"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR - 2] + "…)"


def repr_html(obj, lang: str = "en", *, with_map: bool = True) -> str:
    """A compact summary table (and a small map when the object can draw one) as HTML."""
    from yingji._render import Doc, KeyValues, Section, render

    s = summary_of(obj, lang)
    blocks = [KeyValues(tuple(s["facts"]))] + list(s.get("tables", ()))
    drawer = getattr(obj, "_map_", None)
    if with_map and callable(drawer):
        from yingji._render.figures import figure_lang, have_matplotlib, new_figure, to_svg

        if have_matplotlib():
            try:
                fl = figure_lang(lang)
                fig = new_figure(6.4, 4.4, fl)
                drawer(fig.subplots(), fl)
                from yingji._render import Figure

                blocks.append(Figure(to_svg(fig, dpi=90)))
            except Exception as exc:  # noqa: BLE001 - a display must not raise; say why
                from yingji._render import Para

                blocks.append(Para(f"(no map: {type(exc).__name__}: {exc})", "note"))
    return render(Doc(s["title"], (Section("", tuple(blocks)),), lang=lang), "html", fragment=True)


def displayable(cls):
    """Class decorator: a short ``__repr__`` and ``_repr_html_`` (keeps an own ``__repr__``
    when the class body defines one)."""
    own = cls.__dict__.get("__repr__")
    code = getattr(getattr(own, "__wrapped__", own), "__code__", None)
    if own is None or (code is not None and code.co_filename.startswith("<")):  # dataclass's
        cls.__repr__ = short_repr
    if "_repr_html_" not in cls.__dict__:
        cls._repr_html_ = repr_html
    return cls

