"""Service areas (isochrones along the road network) and districts as polygons (shapely).

A service area is what a source reaches within ``minutes`` along the roads: every segment it
reaches, a segment reached only part of the way cut at the reached fraction, each buffered by
``buffer_m`` and unioned — the isochrone a planner draws, not a circle. A district is the land
nearest (by travel time) to one source: the Voronoi cells of the road nodes each source reaches
first, unioned per source.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from yingji import config
from yingji._validation import Interval, Problems, check_param
from yingji.exceptions import ValidationError
from yingji.geo.features import GeoLayer, GeoRef, _GeoOut
from yingji.geo.polygons import _shapely, voronoi_districts
from yingji.results import to_jsonable


def _edges(net):
    e = net.to_edges()
    pu = net.positions(e["u"].tolist(), "u", "service_areas")
    pv = net.positions(e["v"].tolist(), "v", "service_areas")
    return pu, pv, e["minutes"].to_numpy(float), e["oneway"].to_numpy(bool)


def reached_segments(net, t: np.ndarray, minutes: float, _edges_cache=None) -> np.ndarray:
    """The road pieces reached within ``minutes`` given arrival minutes ``t`` at every node.

    Returns a ``(k, 2, 2)`` array of straight pieces (from, to) in the network's coordinates:
    a segment ``a``-``b`` of ``w`` minutes reached at ``a`` after ``t_a`` is driven a fraction
    ``(minutes - t_a) / w`` of its length from ``a`` (and likewise from ``b`` when it is not
    one-way); when the two fractions meet the whole segment is reached.
    """
    pu, pv, w, ow = _edges_cache if _edges_cache is not None else _edges(net)
    xy = net.node_xy()
    tol = config.COVER_TOL
    ta, tb = t[pu], t[pv]
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.where(ta <= minutes + tol, np.where(w > 0, (minutes - ta) / w, 1.0), 0.0)
        fb = np.where(~ow & (tb <= minutes + tol), np.where(w > 0, (minutes - tb) / w, 1.0), 0.0)
    fa, fb = np.clip(np.nan_to_num(fa), 0, 1), np.clip(np.nan_to_num(fb), 0, 1)
    a, b = xy[pu], xy[pv]
    whole = fa + fb >= 1.0 - 1e-12
    pieces = [np.stack([a[whole], b[whole]], axis=1)]
    part_a = ~whole & (fa > 0)
    pieces.append(np.stack([a[part_a], a[part_a] + fa[part_a, None] * (b[part_a] - a[part_a])], axis=1))
    part_b = ~whole & (fb > 0)
    pieces.append(np.stack([b[part_b], b[part_b] + fb[part_b, None] * (a[part_b] - b[part_b])], axis=1))
    return np.concatenate(pieces, axis=0)


def _isochrone(net, t, minutes, buffer_m, cache):
    shapely = _shapely()
    seg = reached_segments(net, t, minutes, cache)
    nodes = net.node_xy()[t <= minutes + config.COVER_TOL]
    geoms = list(shapely.linestrings(seg)) if len(seg) else []
    geoms += list(shapely.points(nodes)) if len(nodes) else []
    if not geoms:
        return None, 0.0
    shape = shapely.union_all(shapely.buffer(np.asarray(geoms, dtype=object), buffer_m))
    length = float(np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum()) if len(seg) else 0.0
    return shape, length


@dataclass(frozen=True)
class ServiceAreas(_GeoOut):
    """What each source reaches within ``minutes`` along the roads, and its district.

    Attributes
    ----------
    minutes : float
        The travel budget of the service areas, minutes.
    areas : pandas.DataFrame
        Indexed by source id: ``node``, ``reached_nodes`` (nodes within ``minutes``),
        ``road_km`` (length of road reached, km, from the node coordinates),
        ``service_area_km2`` (area of the buffered isochrone, km²), ``district_nodes`` (nodes
        it reaches first), ``district_polygon_km2`` (area of its district polygon, km²: all the land
        nearest to it by travel time, rural land included).
    service_areas, districts : list of shapely geometries
        One per row of ``areas``, in the network's CRS (None where empty).
    buffer_m : float
        Half-width of the buffered road pieces, metres.
    seconds : float
    geo : GeoRef
    """

    minutes: float
    areas: pd.DataFrame
    service_areas: list
    districts: list
    buffer_m: float
    seconds: float
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """``areas`` (one row per source)."""
        return self.areas.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable figures (the polygons are in :meth:`to_geojson`)."""

        return to_jsonable({"minutes": self.minutes, "buffer_m": self.buffer_m,
                            "seconds": self.seconds, "areas": self.areas.reset_index()})

    def summary(self) -> str:
        """A few lines: per source, what it reaches."""
        lines = [f"Service areas within {self.minutes:g} min along the roads "
                 f"(buffer {self.buffer_m:g} m):"]
        for sid, r in self.areas.iterrows():
            lines.append(f"  {sid}: {int(r['reached_nodes']):,} nodes, {r['road_km']:,.1f} km of "
                         f"road, {r['service_area_km2']:,.2f} km²; district {r['district_polygon_km2']:,.2f} km²")
        return "\n".join(lines)

    def _geo_layers(self) -> list:
        props = self.areas.copy()
        props["minutes"] = self.minutes
        layers = [GeoLayer("service_area", props, self.service_areas),
                  GeoLayer("district", self.areas.copy(), self.districts)]
        src = self.geo.network.node_xy(self.areas["node"].tolist()) if len(self.areas) else \
            np.empty((0, 2))
        layers.append(GeoLayer("source", self.areas[["node"]].copy(), src))
        return layers


def service_areas(network, sources, minutes: float, *, buffer_m: float = 50.0,
                  districts: bool = True, crs=None, geo: GeoRef | None = None) -> ServiceAreas:
    """Service areas (isochrones) and districts of ``sources`` on a road network, as polygons.

    Parameters
    ----------
    network : yingji.Network
        With node coordinates in metres (a projected CRS).
    sources : mapping or sequence
        Source id -> node label (e.g. station id -> its ``node``), or node labels (then the
        ids are the labels).
    minutes : float
        Travel budget, minutes, ≥ 0.
    buffer_m : float
        Half-width, metres, of the band drawn around each reached road piece (> 0).
    districts : bool
        Also build the districts (nearest source by travel time; Voronoi cells of the nodes).
    crs : str, optional
        CRS of the node coordinates; default ``network.crs``.

    Returns
    -------
    ServiceAreas
        ``.to_geojson()`` (RFC 7946 lon/lat) and ``.to_geodataframe()`` give the polygons.

    Raises
    ------
    ValidationError
        Bad ``minutes``/``buffer_m``, a network without coordinates, unknown source nodes.

    Notes
    -----
    With :math:`t_s(a)` the fastest time from source :math:`s` to node :math:`a` and a
    segment :math:`(a, b)` of :math:`w` minutes, the piece driven from :math:`a` within the
    budget :math:`B` is the fraction :math:`f_a = \\min(1, \\max(0, (B - t_s(a)) / w))` of its
    length from :math:`a` (and :math:`f_b` from :math:`b` when two-way); with
    :math:`f_a + f_b \\ge 1` the whole segment is reached. Speed along a segment is taken as
    constant. The service area is :math:`\\bigcup_k \\mathrm{buffer}(\\text{piece}_k, r)` with
    the reached nodes, :math:`r` = ``buffer_m``. A node belongs to the district of the source
    that reaches it first (ties: the first source); the district polygon is the union of the
    Voronoi cells of its nodes, clipped to the nodes' convex hull grown by ``buffer_m``.

    References
    ----------
    .. [1] Okabe, A., Sugihara, K. (2012). *Spatial Analysis along Networks*. Wiley, ch. 4
       (network service areas) and ch. 4.4 (network Voronoi diagrams).
    .. [2] Gillies, S. et al. *Shapely* 2 (GEOS): ``buffer``, ``union_all``, ``voronoi_polygons``.

    Examples
    --------
    >>> import pandas as pd, yingji as yj
    >>> edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 1.0]})
    >>> nodes = pd.DataFrame({"x": [0.0, 1000.0, 2000.0], "y": [0.0, 0.0, 0.0]})
    >>> net = yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547")
    >>> sa = yj.geo.service_areas(net, {"S": 0}, minutes=1.5, buffer_m=10)
    >>> round(float(sa.areas.loc["S", "road_km"]), 3)
    1.5
    """
    t0 = time.perf_counter()
    func = "service_areas"
    probs = Problems(func)
    minutes = check_param(probs, "minutes", minutes, Interval(float, 0, None, closed="left"))
    buffer_m = check_param(probs, "buffer_m", buffer_m, Interval(float, 0, None, closed="neither"))
    probs.raise_if_any()
    if not getattr(network, "has_coords", False):
        raise ValidationError(f"The 'network' parameter of {func} must be a yingji.Network with "
                              f"node coordinates. Got {type(network).__name__} without them.")
    if isinstance(sources, pd.Series):
        sources = sources.to_dict()
    if isinstance(sources, dict):
        ids, nodes = [str(k) for k in sources], list(sources.values())
    else:
        nodes = list(sources)
        ids = [str(n) for n in nodes]
    network.positions(nodes, "sources", func)
    T = (network.travel_times(nodes, list(network.nodes)) if nodes
         else np.empty((0, network.n_nodes)))
    cache = _edges(network)
    areas, dist, rows = [], [], []
    xy = network.node_xy()
    owner = np.full(network.n_nodes, -1, dtype=np.int64)
    if len(nodes):
        best = np.argmin(T, axis=0)
        owner = np.where(np.isfinite(T.min(axis=0)), best, -1)
    if districts:
        dist = voronoi_districts(xy, owner, len(nodes), buffer_m)
    else:
        dist = [None] * len(nodes)
    for s, sid in enumerate(ids):
        shape, length = _isochrone(network, T[s], minutes, buffer_m, cache)
        areas.append(shape)
        rows.append({"node": nodes[s],
                     "reached_nodes": int((T[s] <= minutes + config.COVER_TOL).sum()),
                     "road_km": length / 1000.0,
                     "service_area_km2": (shape.area / 1e6) if shape is not None else 0.0,
                     "district_nodes": int((owner == s).sum()),
                     "district_polygon_km2": (dist[s].area / 1e6) if dist[s] is not None else float("nan")})
    frame = pd.DataFrame(rows, index=pd.Index(ids, name="source"),
                         columns=["node", "reached_nodes", "road_km", "service_area_km2",
                                  "district_nodes", "district_polygon_km2"])
    if geo is None:
        geo = GeoRef(crs=crs or getattr(network, "crs", None),
                     out_crs=crs or getattr(network, "crs", None))
    geo = replace(geo, network=network)
    return ServiceAreas(minutes=float(minutes), areas=frame, service_areas=areas, districts=dist,
                        buffer_m=float(buffer_m), seconds=time.perf_counter() - t0, geo=geo)
