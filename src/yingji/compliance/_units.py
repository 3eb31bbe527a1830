"""Unit conversion between the units written in the rules table.

Rules keep the unit their source wrote (``s`` for NFPA 1710, ``min`` for GB 51080, ``h`` for
supply arrival); a computed metric declares the unit it returns and the engine converts the
value into the rule's unit before comparing. Only linear conversions inside one dimension are
allowed; everything else (``persons``, ``count``, ``m2/person``...) converts only to itself.
"""

from __future__ import annotations

from yingji.exceptions import ValidationError

__all__ = ["convert", "same_unit", "UnitError", "normalise_unit"]

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    # time (base: minute)
    "s": ("time", 1.0 / 60.0),
    "sec": ("time", 1.0 / 60.0),
    "min": ("time", 1.0),
    "minutes": ("time", 1.0),
    "h": ("time", 60.0),
    "hour": ("time", 60.0),
    "hours": ("time", 60.0),
    "days": ("time", 1440.0),
    "day": ("time", 1440.0),
    # length (base: metre)
    "m": ("length", 1.0),
    "km": ("length", 1000.0),
    # area (base: m2)
    "m2": ("area", 1.0),
    "hm2": ("area", 1.0e4),
    "ha": ("area", 1.0e4),
    "km2": ("area", 1.0e6),
    # share (base: percent)
    "%": ("share", 1.0),
    "percent": ("share", 1.0),
    "share": ("share", 100.0),
    "fraction": ("share", 100.0),
    "ratio": ("share", 100.0),
    # per-capita area (base: m2/person)
    "m2/person": ("area_pc", 1.0),
    "m2/10k persons": ("area_pc", 1.0e-4),
}

_SPELLINGS = {"m²": "m2", "km²": "km2", "hm²": "hm2", "m²/person": "m2/person", "㎡": "m2"}


class UnitError(ValidationError):
    """Two units cannot be converted into each other (a :class:`~yingji.ValidationError`, so a
    ``ValueError`` too)."""


def normalise_unit(unit) -> str:
    """Canonical spelling of a unit text (strip, ``m²`` -> ``m2``); ``""`` for none."""
    if unit is None:
        return ""
    u = str(unit).strip()
    return _SPELLINGS.get(u, u)


def same_unit(a, b) -> bool:
    """True when ``a`` and ``b`` are spelled the same after normalisation."""
    return normalise_unit(a) == normalise_unit(b)


def convert(value: float, from_unit, to_unit) -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    value : float
        The value in ``from_unit``.
    from_unit, to_unit : str
        Units as written in the rules table (``"s"``, ``"min"``, ``"h"``, ``"m"``, ``"km"``,
        ``"m2"``, ``"hm2"``, ``"km2"``, ``"%"``, ``"share"`` (a fraction 0-1), ``"m2/person"``,
        ``"m2/10k persons"``; any other unit converts only to itself). An empty unit means
        "the rule's unit" and converts to anything unchanged.

    Returns
    -------
    float
        The value in ``to_unit``.

    Raises
    ------
    UnitError
        When the units belong to different dimensions or one of them is unknown.

    Examples
    --------
    >>> convert(240, "s", "min")
    4.0
    >>> convert(0.85, "share", "%")
    85.0
    """
    f, t = normalise_unit(from_unit), normalise_unit(to_unit)
    if f == t or f == "" or t == "":
        return value
    if f not in _UNITS or t not in _UNITS:
        raise UnitError(f"cannot convert unit {f!r} to {t!r}")
    (df, ff), (dt, ft) = _UNITS[f], _UNITS[t]
    if df != dt:
        raise UnitError(f"cannot convert unit {f!r} ({df}) to {t!r} ({dt})")
    return float(value) * ff / ft
