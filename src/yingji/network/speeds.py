"""Road speeds: free-flow km/h by road class, OSM ``maxspeed`` parsing, minutes of a segment.

Used by :meth:`yingji.network.Network.from_networkx` (edges without a travel time) and
:func:`yingji.osm.read_osm`; re-exported as ``yingji.network.ROAD_SPEEDS_KPH``,
``yingji.network.parse_maxspeed`` and ``yingji.network.edge_minutes``.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["ROAD_SPEEDS_KPH", "parse_maxspeed", "edge_minutes"]

#: Default free-flow speeds (km/h) by OSM ``highway`` class, used when an edge has neither a
#: travel time nor ``speed_kph`` nor a readable ``maxspeed``. Urban-to-rural averages in the
#: spirit of OSMnx's ``add_edge_speeds`` imputation and typical posted limits; a county can
#: pass its own table (``speeds=``). Chinese classes (``national``, ``provincial``, ``county``,
#: ``township``, ``village``) follow the design speeds of JTG B01-2014 for the usual grade of
#: each administrative class (G: class-1/2 highway 80, S: class-2 60-80, X: class-3 40, ...).
ROAD_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 30.0,
    "track": 15.0,
    "busway": 30.0,
    "national": 80.0,
    "provincial": 60.0,
    "county": 40.0,
    "township": 30.0,
    "village": 20.0,
    "urban_arterial": 50.0,
    "urban_street": 30.0,
}

_UNITS_TO_MIN = {"s": 1.0 / 60.0, "sec": 1.0 / 60.0, "seconds": 1.0 / 60.0,
                 "min": 1.0, "minutes": 1.0, "h": 60.0, "hours": 60.0}

_MPH = 1.609344


def parse_maxspeed(value) -> float | None:
    """Speed in km/h from an OSM ``maxspeed`` value, or None when it cannot be read.

    Handles numbers, ``"50"``, ``"30 mph"``, ``"50;70"`` and lists (the mean, as OSMnx does),
    ``"50 km/h"``, ``"walk"`` (5 km/h). Country codes such as ``"RU:urban"`` and ``"none"``
    return None (the caller falls back to the road class).

    Examples
    --------
    >>> parse_maxspeed("30 mph")
    48.28032
    >>> parse_maxspeed(["50", "70"])
    60.0
    >>> parse_maxspeed("RU:urban") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if math.isfinite(v) and v > 0 else None
    if isinstance(value, (list, tuple, np.ndarray)):
        vals = [parse_maxspeed(v) for v in value]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else None
    s = str(value).strip().lower()
    if not s:
        return None
    if s.startswith("[") and s.endswith("]"):  # a list written to text (GraphML / CSV)
        return parse_maxspeed([p.strip(" '\"") for p in s[1:-1].split(",")])
    if ";" in s or "|" in s:
        return parse_maxspeed(re.split(r"[;|]", s))
    if s == "walk":
        return 5.0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?", s)
    if not m:
        return None
    v = float(m.group(1))
    unit = m.group(2)
    if unit == "mph":
        v *= _MPH
    elif unit == "knots":
        v *= 1.852
    return v if v > 0 else None


def _highway_speed(highway, speeds: dict) -> float | None:
    if highway is None:
        return None
    if isinstance(highway, (list, tuple, np.ndarray)):
        vals = [_highway_speed(h, speeds) for h in highway]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else None
    s = str(highway).strip()
    if s.startswith("[") and s.endswith("]"):
        return _highway_speed([p.strip(" '\"") for p in s[1:-1].split(",")], speeds)
    return speeds.get(s)


def edge_minutes(length_m, *, speed_kph=None, maxspeed=None, highway=None, speeds=None) -> float | None:
    """Free-flow minutes of one road segment from its length and speed information.

    The speed is the first available of ``speed_kph``, ``maxspeed`` (parsed with
    :func:`parse_maxspeed`) and the default of the ``highway`` class (``speeds``, default
    :data:`ROAD_SPEEDS_KPH`). Returns None when no speed can be found.

    Examples
    --------
    >>> edge_minutes(1000.0, highway="residential")   # 1 km at 30 km/h
    2.0
    """
    speeds = ROAD_SPEEDS_KPH if speeds is None else speeds
    kph = parse_maxspeed(speed_kph)
    if kph is None:
        kph = parse_maxspeed(maxspeed)
    if kph is None:
        kph = _highway_speed(highway, speeds)
    if kph is None or length_m is None:
        return None
    return float(length_m) / 1000.0 / kph * 60.0
