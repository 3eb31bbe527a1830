"""Helpers and a naive oracle for the compliance tests."""

from __future__ import annotations

import types
from fractions import Fraction

import pandas as pd


def make_county(indicators=None, **tables):
    """A County-like namespace with DataFrame attributes (DESIGN.md, "The county")."""
    ns = types.SimpleNamespace(name=tables.pop("name", "Test县"))
    ns.indicators = (pd.DataFrame(indicators, columns=["metric", "value"])
                     if isinstance(indicators, list) else
                     indicators if indicators is not None else
                     pd.DataFrame({"metric": [], "value": []}))
    for k, v in tables.items():
        setattr(ns, k, v)
    return ns


def naive_met(value, op, threshold) -> bool:
    """Exact comparison in rational arithmetic (no tolerance): the oracle for clear cases."""
    v, t = Fraction(value), Fraction(threshold)
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "==": v == t}[op]
