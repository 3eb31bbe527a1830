"""How a county plan's text writes numbers, money and shares: thin names over the one
formatting module of the reports, :mod:`yingji._render.fmt` (thousands separators, no
scientific notation, money in yuan)."""

from __future__ import annotations

from yingji._render.fmt import money, number, percent


def _f(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _money(v) -> str:
    """Yuan with thousands separators (``318,580,000 yuan``); ``-`` when unknown."""
    s = money(_f(v))
    return "-" if s == "—" else s


def _pct(v) -> str:
    s = percent(_f(v), digits=2)
    return "-" if s == "—" else s.replace("%", " %")


def _num(v) -> str:
    s = number(v)
    return "-" if s == "—" else s


def _indent(text: str) -> str:
    return "\n".join("  " + ln for ln in str(text).splitlines())
