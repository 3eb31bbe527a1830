"""Hazard zones and scenarios: :class:`Zone` (a polygon, a circle or a set of road nodes, with
what it does) and :class:`Scenario` (zones plus closed road segments and junctions).

Geometry is plain numpy: a point is inside a polygon by the even-odd (ray-crossing) rule,
inside a circle when its distance to the centre is at most the radius. Coordinates are in the
CRS the county was given in: projected metres, or lon/lat for a county given in lon/lat (the
zones are then projected with the county, :func:`yingji.scenarios.effects`); radii are metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yingji._validation import Problems

__all__ = ["Zone", "Scenario", "points_in_polygon"]

ROAD_EFFECTS = ("closed", "slowed", "open")


def points_in_polygon(x, y, polygon) -> np.ndarray:
    """Boolean mask of the points ``(x, y)`` inside ``polygon`` (even-odd rule; a ring of
    ``(x, y)`` vertices, closed or not). Points exactly on an edge may fall either way.

    Examples
    --------
    >>> points_in_polygon([0.5, 2.0], [0.5, 0.5], [(0, 0), (1, 0), (1, 1), (0, 1)]).tolist()
    [True, False]
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    P = np.asarray(polygon, dtype=float)
    inside = np.zeros(x.shape, dtype=bool)
    xj, yj = P[-1]
    for xi, yi in P:
        crosses = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = (xj - xi) * (y - yi) / (yj - yi) + xi
        inside ^= crosses & (x < xc)
        xj, yj = xi, yi
    return inside


@dataclass(frozen=True)
class Zone:
    """A hazard zone and its effects.

    Build one with :meth:`polygon`, :meth:`circle` or :meth:`node_set`.

    Attributes
    ----------
    name : str
    kind : {"polygon", "circle", "nodes"}
    vertices : tuple of (x, y), or None
        Vertices in the CRS the county was given in (a flood extent).
    center : (x, y) or None; radius_m : float or None
        A circle (a plume radius around a hazardous-goods site).
    nodes : tuple or None
        Road node labels (a zone drawn on the network).
    roads : {"closed", "slowed", "open"}
        Road junctions inside are destroyed (their segments closed), segments with both ends
        inside are slowed by ``speed_factor``, or roads are left alone.
    speed_factor : float
        Share of the speed kept on slowed roads, in (0, 1].
    facilities : bool
        Stations (and their units), shelters, depots (and their stock), teams, candidate sites
        and enterprises inside are unavailable.
    displaced : float
        Share of the residents of demand points inside who are displaced, in [0, 1].
    """

    name: str
    kind: str
    vertices: tuple | None = None
    center: tuple | None = None
    radius_m: float | None = None
    nodes: tuple | None = None
    roads: str = "closed"
    speed_factor: float = 0.5
    facilities: bool = True
    displaced: float = 0.0

    def __post_init__(self):
        probs = Problems("Zone")
        if self.kind not in ("polygon", "circle", "nodes"):
            probs.param("kind", "one of 'polygon', 'circle', 'nodes'", self.kind)
        if self.roads not in ROAD_EFFECTS:
            probs.param("roads", f"one of {ROAD_EFFECTS}", self.roads)
        if not _num_in(self.speed_factor, 0.0, 1.0, lo_open=True):
            probs.param("speed_factor", "a float in (0, 1] (share of the speed kept)", self.speed_factor)
        if not _num_in(self.displaced, 0.0, 1.0):
            probs.param("displaced", "a float in [0, 1] (share of residents displaced)", self.displaced)
        if not isinstance(self.facilities, (bool, np.bool_)):
            probs.param("facilities", "True or False", self.facilities)
        if self.kind == "polygon":
            P = _vertices(self.vertices)
            if P is None:
                probs.param("vertices", "at least 3 (x, y) vertices with finite coordinates",
                            self.vertices)
            else:
                object.__setattr__(self, "vertices", tuple(map(tuple, P.tolist())))
        elif self.kind == "circle":
            c = np.asarray(self.center, dtype=float) if self.center is not None else np.array([np.nan])
            if c.shape != (2,) or not np.isfinite(c).all():
                probs.param("center", "an (x, y) pair of finite coordinates (metres)", self.center)
            else:
                object.__setattr__(self, "center", (float(c[0]), float(c[1])))
            if not _num_in(self.radius_m, 0.0, np.inf):
                probs.param("radius_m", "a finite float >= 0 (metres)", self.radius_m)
        elif self.kind == "nodes":
            if self.nodes is None or isinstance(self.nodes, (str, bytes)) or len(list(self.nodes)) == 0:
                probs.param("nodes", "a non-empty collection of road node labels", self.nodes)
            else:
                object.__setattr__(self, "nodes", tuple(self.nodes))
        probs.raise_if_any()

    @classmethod
    def polygon(cls, name: str, vertices, **effects) -> "Zone":
        """A zone bounded by a polygon (e.g. a flood extent); ``effects`` as the attributes.

        (The field holding the ring is ``vertices``: ``polygon`` is this constructor.)

        Examples
        --------
        >>> z = Zone.polygon("flood", [(0, 0), (100, 0), (100, 100)], roads="slowed", displaced=0.3)
        >>> z.kind, z.roads
        ('polygon', 'slowed')
        """
        return cls(str(name), "polygon", vertices=vertices, **effects)

    @classmethod
    def circle(cls, name: str, x: float, y: float, radius_m: float, **effects) -> "Zone":
        """A disc of ``radius_m`` metres around ``(x, y)`` (e.g. a chemical plume)."""
        return cls(str(name), "circle", center=(x, y), radius_m=radius_m, **effects)

    @classmethod
    def node_set(cls, name: str, nodes, **effects) -> "Zone":
        """A zone given as road nodes; located rows inside are those snapped to these nodes."""
        return cls(str(name), "nodes", nodes=tuple(nodes), **effects)

    def contains_xy(self, x, y) -> np.ndarray:
        """Mask of the points inside (polygon or circle zones)."""
        if self.kind == "polygon":
            return points_in_polygon(x, y, self.vertices)
        if self.kind == "circle":
            return np.hypot(np.asarray(x, float) - self.center[0], np.asarray(y, float) - self.center[1]) \
                <= self.radius_m
        raise TypeError("a node-set zone has no geometry; use contains_nodes")

    def contains_nodes(self, labels) -> np.ndarray:
        """Mask of the node labels in a node-set zone."""
        s = set(self.nodes)
        return np.array([lab in s for lab in labels], dtype=bool)


@dataclass(frozen=True)
class Scenario:
    """A hazard scenario: zones, and road segments or junctions closed outright.

    Attributes
    ----------
    name : str
    zones : tuple of Zone
    closed_edges : tuple of (u, v)
        Road segments cut (a bridge down), by their end-node labels; both directions close.
    closed_nodes : tuple
        Road junctions destroyed.
    probability : float, optional
        The scenario's probability, for :func:`yingji.scenarios.supply_scenarios`.

    Examples
    --------
    >>> s = Scenario("bridge", closed_edges=[(3, 4)])
    >>> s.closed_edges
    ((3, 4),)
    """

    name: str
    zones: tuple = ()
    closed_edges: tuple = ()
    closed_nodes: tuple = ()
    probability: float | None = None

    def __post_init__(self):
        probs = Problems("Scenario")
        if not isinstance(self.name, str) or not self.name:
            probs.param("name", "a non-empty str", self.name)
        zones = (self.zones,) if isinstance(self.zones, Zone) else tuple(self.zones)
        bad = [i for i, z in enumerate(zones) if not isinstance(z, Zone)]
        if bad:
            probs.add(f"The 'zones' parameter of Scenario must hold Zone objects; entries {bad[:10]} "
                      f"are {sorted({type(zones[i]).__name__ for i in bad})}.")
        names = [z.name for z in zones if isinstance(z, Zone)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            probs.add(f"The 'zones' parameter of Scenario names zones twice: {dup}.")
        edges = tuple(tuple(e) for e in self.closed_edges)
        bad = [i for i, e in enumerate(edges) if len(e) != 2]
        if bad:
            probs.add(f"The 'closed_edges' parameter of Scenario must hold (u, v) pairs; entries {bad[:10]} do not.")
        if self.probability is not None and not _num_in(self.probability, 0.0, 1.0):
            probs.param("probability", "a float in [0, 1] or None", self.probability)
        probs.raise_if_any()
        object.__setattr__(self, "zones", zones)
        object.__setattr__(self, "closed_edges", edges)
        object.__setattr__(self, "closed_nodes", tuple(self.closed_nodes))


def _num_in(v, lo: float, hi: float, *, lo_open: bool = False) -> bool:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        return False
    v = float(v)
    if not np.isfinite(v):
        return False
    return (v > lo if lo_open else v >= lo) and v <= hi


def _vertices(polygon):
    try:
        P = np.asarray(polygon, dtype=float)
    except (TypeError, ValueError):
        return None
    if P.ndim != 2 or P.shape[1] != 2 or len(P) < 3 or not np.isfinite(P).all():
        return None
    return P
