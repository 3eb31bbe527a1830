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
from yingji._render.messages import MESSAGES, field_label, t, term

__all__ = ["displayable", "summary_of", "fields_summary", "field_value", "short_repr", "repr_html", "map_block", "frame_tables"]

_MAX_REPR = 240


def _scalar(v) -> bool:
    return isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating, str)) or v is None


#: Units read from a field's name: (suffix, unit); shares print as percentages, costs as money.
_SUFFIX_UNITS = (("_minutes", "min"), ("_hours", "h"), ("_km2", "km2"), ("per_capita_m2", "m2/person"),
                 ("_m2", "m2"), ("_km", "km"), ("_metres", "m"), ("_persons", "people"),
                 ("population", "people"), ("seconds", "s"))


def field_value(name: str, v, lang: str = "en", unit: str | None = None) -> str:
    """A result field's number with the unit its name gives (``mean_minutes`` → ``18.6 min``,
    ``coverage_share`` → ``42.3%``, ``cost`` → yuan), or ``unit`` when given (``"yuan"``:
    money); other numbers as :func:`number` writes them."""
    from yingji._render.fmt import money, percent, quantity

    if isinstance(v, (bool, np.bool_)) or v is None:
        return number(v, lang=lang)
    if unit == "yuan":
        return money(v, lang=lang)
    if unit == "%":
        return percent(v)
    if unit:
        return quantity(v, unit, lang=lang)
    if name.endswith("_share") or name.startswith("share_") or name.endswith("_within_limit") \
            or name.endswith("within_standard") or name == "share":
        return percent(v)
    if name == "cost" or name.endswith("_cost") or name.endswith("_yuan"):
        return money(v, lang=lang)
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return quantity(v, unit, lang=lang)
    return number(v, lang=lang)


def summary_of(obj, lang: str = "en") -> dict:
    """The display summary of ``obj``: its ``_summary_`` or one built from its fields."""
    own = getattr(obj, "_summary_", None)
    if callable(own):
        return own(lang)
    return fields_summary(obj, lang)


def fields_summary(obj, lang: str = "en", *, skip=()) -> dict:
    """A summary built from ``obj``'s fields (those in ``skip`` left out): each scalar with the
    unit its name gives, or the unit the class's ``_units_`` mapping (field → unit key of
    :data:`yingji._render.fmt.UNITS`, ``"yuan"`` for money) gives; a short list as its values;
    a table or a long list as its size. A ``_summary_`` may start from it and add facts."""
    facts, tables = [], []
    units = getattr(obj, "_units_", {}) or {}
    names = ([f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj)
             else [k for k in vars(obj) if not k.startswith("_")])
    for name in names:
        if name in skip or name == "geo":
            continue
        v = getattr(obj, name, None)
        label = field_label(name, lang)
        if _scalar(v):
            s = str(v) if isinstance(v, str) else field_value(name, v, lang, units.get(name))
            if lang == "zh" and isinstance(v, str):  # a status word, a method...
                s = t(v, lang) if v in MESSAGES else term(v, lang)
            if isinstance(v, str) and len(s) > 80:
                s = s[:77] + "…"
            facts.append((label, s))
        elif isinstance(v, pd.DataFrame):
            facts.append((label, f"{number(len(v))} 行 × {number(v.shape[1])} 列" if lang == "zh"
                          else f"table {number(len(v))} × {number(v.shape[1])}"))
        elif isinstance(v, (list, tuple)) and len(v) <= 12 and all(_scalar(x) for x in v):
            facts.append((label, ("、" if lang == "zh" else ", ").join(
                term(x, lang) if isinstance(x, str) else number(x, lang=lang) for x in v)
                if len(v) else t("none", lang)))
        elif isinstance(v, (pd.Series, np.ndarray, list, tuple)) and not isinstance(v, str):
            facts.append((label, f"{number(len(v))} 个值" if lang == "zh"
                          else f"{number(len(v))} values"))
    cls = type(obj).__name__
    return {"title": t(cls, lang) if cls in MESSAGES else cls, "facts": facts, "tables": tables,
            "skip": tuple(skip)}


def frame_tables(obj, lang: str = "en", *, max_rows: int = 40, skip=()) -> list:
    """The object's small DataFrame fields (at most ``max_rows`` rows) as report tables, each
    captioned with the field's name (for reports of results without their own ``_summary_``)."""
    from yingji._render import table_from_frame

    names = ([f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj)
             else [k for k in vars(obj) if not k.startswith("_")])
    out = []
    for name in names:
        v = getattr(obj, name, None) if name not in skip else None
        if isinstance(v, pd.DataFrame) and 0 < len(v) <= max_rows and v.shape[1] <= 12:
            fr = v.reset_index() if v.index.name or not isinstance(v.index, pd.RangeIndex) else v
            fr = fr.drop(columns=[c for c in ("x", "y") if c in fr.columns])
            out.append(table_from_frame(fr, lang=lang, caption=field_label(name, lang)))
    return out


def short_repr(obj) -> str:
    """``Name(field=value, ...)``: the scalar facts, cut at about 240 characters."""
    s = summary_of(obj)
    # a repr names the fields as the code does: the English labels map back to their names
    names = ([f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj)
             else [k for k in vars(obj) if not k.startswith("_")])
    back = {field_label(n): n for n in names}
    parts = []
    for k, v in s["facts"]:
        if v.startswith("table ") or v.endswith(" values"):
            continue
        parts.append(f"{back.get(k, k)}={v}")
    text = f"{type(obj).__name__}(" + ", ".join(parts) + ")"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR - 2] + "…)"


def repr_html(obj, lang: str = "en", *, with_map: bool = True) -> str:
    """A compact summary table (and a small map when the object can draw one) as HTML."""
    from yingji._render import Doc, KeyValues, Section, render

    s = summary_of(obj, lang)
    blocks = [KeyValues(tuple(s["facts"]))] + list(s.get("tables", ()))
    if with_map:
        fig = map_block(obj, lang)
        if fig is not None:
            blocks.append(fig)
    return render(Doc(s["title"], (Section("", tuple(blocks)),), lang=lang), "html", fragment=True)


def map_block(obj, lang: str = "en", *, size=(6.4, 4.4), county=None, dpi: int = 90):
    """The object's small map as a report :class:`~yingji._render.Figure` (``obj._map_``), a
    note :class:`~yingji._render.Para` saying why it could not be drawn, or None (no ``_map_``,
    no matplotlib)."""
    drawer = getattr(obj, "_map_", None)
    from yingji._render.figures import figure_lang, have_matplotlib, new_figure, to_svg

    if not callable(drawer) or not have_matplotlib():
        return None
    from yingji._render import Figure, Para

    try:
        fl = figure_lang(lang)
        fig = new_figure(size[0], size[1], fl)
        ax = fig.subplots()
        if county is not None and _takes(drawer, "county"):
            drawer(ax, fl, county=county)  # the full county map: roads, districts, townships
        else:
            drawer(ax, fl)
        return Figure(to_svg(fig, dpi=dpi))
    except Exception as exc:  # noqa: BLE001 - a display must not raise; say why
        return Para(f"(no map: {type(exc).__name__}: {exc})", "note")


def _takes(fn, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


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

