"""How every report writes a number: thousands separators, no scientific notation, units.

The one formatting module of yingji's reports (text, Markdown, HTML, notebooks). Every figure a
report shows goes through :func:`number` (or one of the helpers built on it), so a value never
reads like a solver log (``1.909e+04``) and always carries its unit.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

__all__ = ["number", "quantity", "money", "percent", "minutes", "km2", "count", "cell", "tidy",
           "UNITS"]

#: Units in the two languages of the reports (keys are the units used in yingji's tables).
UNITS = {
    "people": ("people", "人"), "persons": ("people", "人"), "人": ("people", "人"),
    "km2": ("km²", "km²"), "km²": ("km²", "km²"), "m2": ("m²", "m²"), "m²": ("m²", "m²"),
    "hm2": ("hm²", "公顷"), "m2/person": ("m²/person", "m²/人"), "m²/人": ("m²/person", "m²/人"),
    "min": ("min", "分钟"), "minutes": ("min", "分钟"), "分钟": ("min", "分钟"),
    "s": ("s", "秒"), "h": ("h", "小时"), "m": ("m", "米"), "km": ("km", "公里"), "%": ("%", "%"),
    "yuan": ("yuan", "元"), "元": ("yuan", "元"), "wan_yuan": ("10k yuan", "万元"),
    "万元": ("10k yuan", "万元"), "stations": ("stations", "座"), "sites": ("sites", "处"),
    "nodes": ("nodes", "个节点"), "edges": ("edges", "条路段"), "points": ("points", "个点"),
    "items": ("items", "项"), "count/yr": ("per year", "次/年"), "per_year": ("per year", "次/年"),
    "rules": ("rules", "条"), "station": ("station", "座"), "shelter": ("shelter", "处"),
    "base": ("base", "处"), "depot": ("depot", "个"), "level": ("level", "级"),
    "bool": ("", ""),  # a yes/no figure: its value says it (yes/no, 是/否)
    "count": ("", "个"), "count/week": ("per week", "次/周"), "count/month": ("per month", "次/月"),
    "bool/yr": ("yes/no, yearly", "是否(每年)"), "survey score": ("survey score", "调查得分"),
    "persons/vehicle": ("persons/vehicle", "人/车"), "m3": ("m³", "m³"), "m³": ("m³", "m³"),
    "score": ("", "分"), "units": ("units", "件"),
}


def unit_text(unit: str | None, lang: str = "en") -> str:
    """The unit as printed in ``lang`` (unknown units are printed as given, e.g. an item's 顶)."""
    if not unit:
        return ""
    pair = UNITS.get(str(unit))
    if pair is None:
        return str(unit)
    return pair[1] if lang == "zh" else pair[0]


def _as_float(v: Any) -> float | None:
    if v is None or isinstance(v, (str, bytes)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def number(v: Any, *, digits: int | None = None, lang: str = "en", dash: str = "—") -> str:
    """A number with thousands separators and never in scientific notation.

    Integers (and floats equal to an integer) print without decimals; other floats with
    ``digits`` decimals, or by default enough to show 4 significant digits (at most 6 decimals,
    at least none for values of 1,000 and more). NaN and None print ``dash``; infinities ``∞``.
    Booleans print yes/no (是/否); text is returned unchanged.
    """
    if v is None:
        return dash
    if isinstance(v, (bool, np.bool_)):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    f = _as_float(v)
    if f is None:
        s = str(v)
        return s if s else dash
    if math.isnan(f):
        return dash
    if math.isinf(f):
        return "∞" if f > 0 else "-∞"
    if digits is None:
        if f == int(f) and abs(f) < 1e18:
            return f"{int(f):,}"
        a = abs(f)
        digits = 0 if a >= 1000 else max(0, min(6, 3 - int(math.floor(math.log10(a)))))
    s = f"{f:,.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def quantity(v: Any, unit: str | None = None, *, digits: int | None = None,
             lang: str = "en") -> str:
    """``number(v)`` followed by its unit in ``lang`` (``12,345 人``, ``3.5 km²``)."""
    s = number(v, digits=digits, lang=lang)
    u = unit_text(unit, lang)
    if not u or s == "—":
        return s
    if u in ("%",):
        return s + u
    return f"{s} {u}"


def count(v: Any, unit: str | None = None, *, lang: str = "en") -> str:
    """An integer count with its unit."""
    return quantity(v, unit, digits=0, lang=lang)


def money(yuan: Any, *, lang: str = "en") -> str:
    """A sum of money in yuan; in Chinese ``元`` below 10,000 yuan and ``万元`` from there on.

    >>> money(318_580_000, lang="zh")
    '31,858 万元'
    >>> money(2500, lang="zh")
    '2,500 元'
    >>> money(318_580_000)
    '318,580,000 yuan'
    """
    f = _as_float(yuan)
    if f is None or not math.isfinite(f):
        return "—"
    if lang != "zh":
        return f"{number(f, digits=0)} yuan"
    if abs(f) >= 10_000:
        w = f / 10_000
        return quantity(w, "万元", digits=0 if abs(w) >= 100 else 1, lang=lang)
    return quantity(f, "元", digits=0, lang=lang)


def percent(share: Any, *, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage (``0.9312`` → ``93.1%``)."""
    f = _as_float(share)
    if f is None or not math.isfinite(f):
        return "—"
    s = f"{100 * f:,.{digits}f}"
    if s.lstrip("-").strip("0.,") == "":  # -0.0 reads as a sign of something
        s = s.lstrip("-")
    return s + "%"


def minutes(v: Any, *, lang: str = "en") -> str:
    """Minutes with one decimal (``4.3 min`` / ``4.3 分钟``)."""
    return quantity(v, "min", digits=1, lang=lang)


def km2(m2: Any, *, lang: str = "en") -> str:
    """An area given in m², printed in km² with two decimals."""
    f = _as_float(m2)
    return quantity(None if f is None else f / 1e6, "km2", digits=2, lang=lang)


#: Comparison operators as a report prints them (``<=`` → ``≤``).
OPERATORS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠"}

_TIDY_ALL = ((re.compile(r"<="), "≤"), (re.compile(r">="), "≥"),
             (re.compile(r"(?<![A-Za-z0-9_.,])(\d+(?:\.\d+)?)\s?m2(?![A-Za-z0-9])"),
              lambda m: f"{number(float(m.group(1)))} m²"),
             (re.compile(r"(?<![A-Za-z0-9_.,])(\d+(?:\.\d+)?)\s?km2(?![A-Za-z0-9])"),
              lambda m: f"{number(float(m.group(1)))} km²"),
             (re.compile(r"\bm2/person(?![A-Za-z])"), "m²/person"))
_TIDY_ZH = ((re.compile(r"(?<![A-Za-z0-9_.,])(\d+(?:\.\d+)?)\s?min(?![A-Za-z0-9])"), r"\1分钟"),
            (re.compile(r"(?<![A-Za-z0-9_.,])(\d+(?:\.\d+)?)\s?h(?![A-Za-z0-9])"), r"\1小时"),
            (re.compile(r"(?<![A-Za-z0-9_.,])(\d+)\s?d(?![A-Za-z0-9])"), r"\1天"),
            (re.compile(r"m²/person(?![A-Za-z])"), "m²/人"))


def tidy(text: str, lang: str = "en") -> str:
    """Text as a report prints it: ``≤``/``≥`` for ``<=``/``>=``, ``2000m2`` → ``2,000 m²``
    (areas with their unit sign and thousands separators) and, in Chinese, ``10min`` → ``10分钟``,
    ``1h`` → ``1小时``, ``30d`` → ``30天`` (rule names as the source documents spell them)."""
    s = str(text)
    if not s or s.isspace():
        return s
    for pat, rep in _TIDY_ALL + (_TIDY_ZH if lang == "zh" else ()):
        s = pat.sub(rep, s)
    return s


def cell(v: Any, *, lang: str = "en") -> str:
    """Any table cell: numbers through :func:`number`, text as it is, missing as ``—``."""
    return number(v, lang=lang)
