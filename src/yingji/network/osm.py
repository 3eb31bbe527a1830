"""Road networks from OpenStreetMap extracts (``.osm.pbf``, ``.osm``, ``.osm.bz2``).

Needs the ``geo`` extra (``pip install 'yingji[geo]'``: pyosmium). The loader keeps the
drivable ways, splits them into segments between consecutive nodes, measures each segment on
the sphere, and times it from ``maxspeed`` or the road class, as OSMnx's ``graph_from_xml`` +
``add_edge_speeds`` + ``add_edge_travel_times`` do, but without building a networkx graph.

Coordinates are projected to metres: to the UTM zone of the extract's centre when pyproj is
installed, else to a local equidistant cylindrical projection centred on the extract (PROJ
``+proj=eqc``), whose scale error stays under 0.1 % within about 50 km of the centre in
latitude — enough for snapping. Segment lengths never depend on the projection (haversine).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from yingji._optional import need
from yingji.exceptions import ValidationError
from yingji._crs import EARTH_RADIUS_M, _haversine, _project
from yingji.network.graph import Network
from yingji.network.speeds import ROAD_SPEEDS_KPH, edge_minutes

__all__ = ["read_osm", "DRIVE_HIGHWAYS", "EARTH_RADIUS_M"]

#: Mean Earth radius (IUGG), metres.

#: ``highway`` classes kept by ``network_type="drive"``. ``"drive_service"`` adds ``service``.
DRIVE_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road",
})

_NETWORK_TYPES = {"drive": DRIVE_HIGHWAYS, "drive_service": DRIVE_HIGHWAYS | {"service"}}
_NO_SERVICE = {"parking", "parking_aisle", "driveway", "private", "emergency_access", "alley"}
_NO_ACCESS = {"private", "no"}
_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}


def _keep_way(tags: dict, allowed) -> bool:
    hw = tags.get("highway")
    if hw not in allowed:
        return False
    if tags.get("area") == "yes":
        return False
    if tags.get("access") in _NO_ACCESS or tags.get("motor_vehicle") == "no" \
            or tags.get("motorcar") == "no":
        return False
    if hw == "service" and tags.get("service") in _NO_SERVICE:
        return False
    return True


def _direction(tags: dict) -> int:
    """+1 one-way forward, -1 one-way against the node order, 0 two-way (OSM tagging rules)."""
    ow = (tags.get("oneway") or "").strip().lower()
    if ow in _YES:
        return 1
    if ow in _REVERSE:
        return -1
    if ow == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular"):
        return 1
    if tags.get("highway") == "motorway":
        return 1
    return 0


def read_osm(path, network_type: str = "drive", *, speeds: dict | None = None,
             crs: str | None = None, warn_disconnected: bool = True,
             simplify: bool = False) -> Network:
    """Drivable road network of an OpenStreetMap extract.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` / ``.osm.gz`` file.
    network_type : {"drive", "drive_service"}
        ``"drive"`` keeps public roads for cars (motorway ... residential, living_street,
        road); ``"drive_service"`` adds ``service`` ways except parking aisles, driveways,
        private and emergency access. Both drop ``area=yes``, ``access=private|no``,
        ``motor_vehicle=no`` and ``motorcar=no`` (OSMnx's ``drive`` filters).
    speeds : dict, optional
        km/h per ``highway`` class where ``maxspeed`` is missing or unreadable (default
        :data:`yingji.network.ROAD_SPEEDS_KPH`).
    crs : str, optional
        Target CRS for node coordinates (needs pyproj). Default: the UTM zone of the centre with
        pyproj, else a local equidistant cylindrical projection (see module notes).
    warn_disconnected : bool
        Warn when the network is in several pieces (clipped extracts usually are).
    simplify : bool
        Contract the chains of interior way nodes (two distinct neighbours, traffic only
        passing through) into single segments with summed minutes and metres
        (:meth:`Network.simplify`). Recommended: shortest travel times between the kept nodes
        are unchanged, while the network typically loses half or more of its nodes and
        Dijkstra runs faster. Default False (one segment per pair of way nodes). Snap points
        after simplifying, or simplify with ``keep=`` the nodes you already snapped to.

    Returns
    -------
    Network
        Nodes labelled by OSM node id, with ``x``, ``y`` in metres; one segment per pair of
        consecutive way nodes, with ``metres`` (haversine), ``minutes`` and one-way flags
        (``oneway=yes|true|1|-1|reverse``, roundabouts and motorways one-way). Way nodes
        missing from a clipped extract are skipped with their segments. With
        ``simplify=True``, only endpoints, junctions and the other kept nodes of
        :meth:`Network.simplify` remain.

    Raises
    ------
    ImportError
        pyosmium is not installed (``pip install 'yingji[geo]'``).
    ValidationError
        Unknown ``network_type``, a missing file, or an extract with no drivable way.

    References
    ----------
    .. [1] OpenStreetMap wiki, "Key:highway", "Key:oneway", "Key:maxspeed".
    .. [2] G. Boeing, "OSMnx: New methods for acquiring, constructing, analyzing, and
       visualizing complex street networks", Computers, Environment and Urban Systems 65
       (2017) 126-139.

    Examples
    --------
    >>> from yingji.osm import read_osm                                  # doctest: +SKIP
    >>> net = read_osm("Helsinki.osm.pbf")                               # doctest: +SKIP
    >>> T = net.travel_times(net.snap(x, y), cutoff=10)                  # doctest: +SKIP
    """
    if network_type not in _NETWORK_TYPES:
        raise ValidationError(f"The 'network_type' parameter of read_osm must be one of "
                              f"{sorted(_NETWORK_TYPES)}. Got {network_type!r} instead.")
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"The 'path' parameter of read_osm must be an existing OSM file. "
                              f"Got {str(path)!r} instead.")
    osmium = need("osmium", "read_osm (pyosmium)")
    allowed = _NETWORK_TYPES[network_type]
    speeds = ROAD_SPEEDS_KPH if speeds is None else speeds

    seg_a: list[int] = []
    seg_b: list[int] = []
    seg_min: list[float] = []
    seg_ow: list[bool] = []
    seg_len: list[float] = []
    seg_cls: list[str] = []
    loc: dict[int, tuple[float, float]] = {}
    no_speed: dict = {}
    fp = osmium.FileProcessor(str(path)).with_locations()
    for obj in fp:
        if not obj.is_way():
            continue
        tags = {t.k: t.v for t in obj.tags}
        if not _keep_way(tags, allowed):
            continue
        refs, lons, lats = [], [], []
        for nd in obj.nodes:
            if nd.location.valid():
                refs.append(nd.ref)
                lons.append(nd.location.lon)
                lats.append(nd.location.lat)
            else:
                refs.append(None)
                lons.append(np.nan)
                lats.append(np.nan)
        if len(refs) < 2:
            continue
        lon = np.asarray(lons)
        lat = np.asarray(lats)
        lengths = _haversine(lon[:-1], lat[:-1], lon[1:], lat[1:])
        direction = _direction(tags)
        for k in range(len(refs) - 1):
            a, b = refs[k], refs[k + 1]
            if a is None or b is None:
                continue
            L = float(lengths[k])
            minutes = edge_minutes(L, maxspeed=tags.get("maxspeed"), highway=tags.get("highway"),
                                   speeds=speeds)
            if minutes is None:
                no_speed.setdefault(tags.get("highway"), obj.id)
                continue
            if direction < 0:
                a, b = b, a
            loc[a] = (lons[k + 1], lats[k + 1]) if direction < 0 else (lons[k], lats[k])
            loc[b] = (lons[k], lats[k]) if direction < 0 else (lons[k + 1], lats[k + 1])
            seg_a.append(a)
            seg_b.append(b)
            seg_len.append(L)
            seg_min.append(minutes)
            seg_ow.append(direction != 0)
            seg_cls.append(str(tags.get("highway", "")))
    if no_speed:
        raise ValidationError(
            f"The 'speeds' parameter of read_osm has no speed for highway class(es) "
            f"{sorted(no_speed)} (e.g. way {list(no_speed.values())[0]}) and those ways have no "
            f"readable maxspeed; add the classes to speeds.")
    if not seg_a:
        raise ValidationError(f"read_osm found no drivable ({network_type}) road segment in "
                              f"{path.name}.")
    labels = np.fromiter(loc.keys(), dtype=np.int64, count=len(loc))
    labels.sort()
    lonlat = np.array([loc[i] for i in labels.tolist()], dtype=float)
    coords, crs_out = _project(lonlat[:, 0], lonlat[:, 1], crs)
    u = np.searchsorted(labels, np.asarray(seg_a, dtype=np.int64))
    v = np.searchsorted(labels, np.asarray(seg_b, dtype=np.int64))
    net = Network(labels, u, v, np.asarray(seg_min, dtype=float), np.asarray(seg_len, dtype=float),
                  np.asarray(seg_ow, dtype=bool), coords, crs=crs_out,
                  warn_disconnected=warn_disconnected, road_class=seg_cls)
    return net.simplify() if simplify else net
