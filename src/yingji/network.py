"""Road networks: snapping points to nodes, travel-time and distance matrices.

A :class:`Network` holds a road graph as arrays (one row per road segment: end nodes, minutes,
optional metres, one-way flag) plus node coordinates, and answers the questions every planning
model asks of it: which node is nearest to a point (:meth:`Network.snap`), how many minutes from
each origin to each destination (:meth:`Network.travel_times`), how many metres along the roads
(:meth:`Network.distances`), what is left when roads or junctions are destroyed
(:meth:`Network.without`) and whether the graph is in one piece
(:meth:`Network.components`, :meth:`Network.check_connected`,
:meth:`Network.largest_component`).

Shortest paths are compiled: a parallel many-source Dijkstra in numba
(:mod:`yingji._kernels.paths`) by default, or :func:`scipy.sparse.csgraph.dijkstra`
(``method="scipy"``). networkx is only used to read graphs.

Units (DESIGN.md): minutes, metres, coordinates in metres of a projected CRS.
"""

from __future__ import annotations

import math
import re
import threading
import warnings
from typing import Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._crs import _project
from yingji.config import COVER_TOL
from yingji.exceptions import DisconnectedNetworkWarning, ValidationError
from yingji._validation import Problems, describe_positions

__all__ = ["Network", "ROAD_SPEEDS_KPH", "parse_maxspeed", "edge_minutes"]

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


def _is_lonlat(crs) -> bool:
    """True for a geographic (longitude/latitude) CRS as OSMnx labels unprojected graphs."""
    if crs is None:
        return False
    text = str(crs).strip().lower().replace(" ", "")
    return text in ("epsg:4326", "wgs84", "wgs 84", "4326", "ogc:crs84") or "+proj=longlat" in text


def _to_float(v) -> float:
    """float() of a numeric or a numeric string (GraphML stores attributes as text)."""
    if isinstance(v, (list, tuple)):  # OSMnx lists after simplification: keep the first
        v = v[0]
    return float(v)


def _label_array(values) -> np.ndarray:
    """Node labels as int64 when all are integers, else an object array of Python values."""
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return arr.astype(object)
    out = np.empty(len(arr), dtype=object)
    out[:] = [v.item() if isinstance(v, np.generic) else v for v in arr.tolist()]
    if len(out) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in out):
        return out.astype(np.int64)
    return out


def _labels_from_column(col: pd.Series | pd.Index) -> np.ndarray:
    vals = col.to_numpy()
    if vals.dtype.kind in "iu":
        return vals.astype(np.int64)
    return _label_array(np.asarray(vals, dtype=object))


class Network:
    """A road network: nodes with coordinates, road segments with minutes and metres.

    Build one with :meth:`from_networkx`, :meth:`from_edges`, :meth:`from_graphml` or
    :func:`yingji.osm.read_osm`; the constructor itself takes the arrays directly.

    Parameters
    ----------
    nodes : array-like
        Node labels (unique), ``n``.
    u, v : array-like of int
        Positions (into ``nodes``) of the two ends of each segment, ``m``.
    minutes : array-like of float
        Travel time of each segment in minutes (``inf`` = impassable; zero is legal).
    metres : array-like of float, optional
        Length of each segment in metres (needed by :meth:`distances`).
    oneway : array-like of bool, optional
        True where the segment can be driven only from ``u`` to ``v`` (default all False).
    coords : array of shape (n, 2), optional
        Node ``x``, ``y`` in metres of a projected CRS (needed by :meth:`snap`).
    crs : str, optional
        The CRS of ``coords``.
    warn_disconnected : bool
        Warn (:class:`~yingji.DisconnectedNetworkWarning`) when the graph is in several
        pieces.

    Notes
    -----
    Parallel segments (same ends, same direction) keep the fastest one, as DESIGN.md asks.
    Segment data are never copied by :meth:`without`; the compressed sparse row (CSR) arrays
    of the travel-time and distance graphs are built lazily and cached.

    Examples
    --------
    >>> import pandas as pd
    >>> import yingji as yj
    >>> edges = pd.DataFrame({"u": [1, 2, 3], "v": [2, 3, 4], "minutes": [1.0, 0.0, 2.5],
    ...                       "metres": [800.0, 0.0, 1500.0]})
    >>> nodes = pd.DataFrame({"x": [0.0, 800.0, 800.0, 2300.0], "y": [0.0, 0.0, 0.0, 0.0]},
    ...                      index=[1, 2, 3, 4])
    >>> net = yj.Network.from_edges(edges, nodes=nodes)
    >>> net.n_nodes
    4
    >>> net.travel_times([1], [3, 4]).tolist()
    [[1.0, 3.5]]
    >>> net.snap(790.0, 10.0).item()
    2
    """

    def __init__(self, nodes, u, v, minutes, metres=None, oneway=None, coords=None, *,
                 crs: str | None = None, warn_disconnected: bool = True, _dedupe: bool = True,
                 _removed=None, _index=None):
        self._labels = _label_array(nodes)
        self._index = _index if _index is not None else pd.Index(self._labels, name="node")
        n = len(self._labels)
        u = np.ascontiguousarray(u, dtype=np.int64)
        v = np.ascontiguousarray(v, dtype=np.int64)
        w = np.ascontiguousarray(minutes, dtype=np.float64)
        ln = None if metres is None else np.ascontiguousarray(metres, dtype=np.float64)
        ow = (np.zeros(len(u), dtype=bool) if oneway is None
              else np.ascontiguousarray(oneway, dtype=bool))
        if _dedupe:
            probs = Problems("Network")
            if not self._index.is_unique:
                dup = self._index[self._index.duplicated()].unique()
                probs.add(f"Node labels must be unique. Duplicated: {describe_positions(range(len(dup)), list(dup))}.")
            if not (len(u) == len(v) == len(w) == len(ow)) or (ln is not None and len(ln) != len(u)):
                probs.add("The edge arrays u, v, minutes, metres and oneway must have the same length.")
            probs.raise_if_any()
            bad = (u < 0) | (u >= n) | (v < 0) | (v >= n)
            if bad.any():
                probs.add(f"Edges {describe_positions(np.flatnonzero(bad))} refer to node positions "
                          f"outside [0, {n}).")
            _check_weights(w, "minutes", probs, self._edge_names(u, v))
            if ln is not None:
                _check_weights(ln, "metres", probs, self._edge_names(u, v))
            probs.raise_if_any()
            u, v, w, ln, ow = _dedupe_edges(u, v, w, ln, ow)
        self._u, self._v, self._w, self._len, self._oneway = u, v, w, ln, ow
        self._coords = None if coords is None else np.ascontiguousarray(coords, dtype=np.float64)
        if self._coords is not None and self._coords.shape != (n, 2):
            raise ValidationError(f"coords must have shape ({n}, 2); got {self._coords.shape}.")
        self._removed = _removed  # bool mask of destroyed nodes, or None
        self.crs = crs
        self._cache: dict = {}
        if warn_disconnected and n:
            self._warn_if_disconnected()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_networkx(cls, G, weight: str = "travel_time", unit: str = "s", *,
                      length: str | None = "length", speeds: dict | None = None,
                      x: str = "x", y: str = "y", warn_disconnected: bool = True) -> "Network":
        """Network from a networkx graph (OSMnx-style ``MultiDiGraph`` or any nx graph).

        Parameters
        ----------
        G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
            Directed graphs are read arc by arc (OSMnx stores a two-way street as two arcs, so
            one-way streets are respected); undirected graphs are two-way everywhere.
        weight : str
            Edge attribute holding the travel time, in ``unit``. Where an edge lacks it, the
            time is derived from ``length`` and ``speed_kph``, else ``maxspeed``, else the
            ``highway`` class (``speeds``), as OSMnx's ``add_edge_speeds`` /
            ``add_edge_travel_times`` do.
        unit : {"s", "min", "h"}
            Unit of ``weight`` (OSMnx's ``travel_time`` is in seconds, so ``"s"``).
        length : str or None
            Edge attribute with the length in metres (OSMnx ``length``); None for none.
        speeds : dict, optional
            km/h per ``highway`` class for the fallback (default :data:`ROAD_SPEEDS_KPH`).
        x, y : str
            Node attributes with the projected coordinates in metres. An unprojected OSMnx graph
            (``G.graph["crs"]`` is EPSG:4326, x/y in degrees) is projected to metres as
            :func:`yingji.osm.read_osm` does (UTM zone with pyproj, else a local equidistant
            projection); ``net.crs`` says which.
        warn_disconnected : bool
            Warn when the graph is in several pieces.

        Returns
        -------
        Network

        Raises
        ------
        ValidationError
            Unknown ``unit``; NaN or negative times or lengths; edges with neither a time nor
            the length and speed to derive it; nodes with some but not all coordinates — each
            naming the edges ``(u, v)`` or nodes concerned.

        Notes
        -----
        String attribute values (GraphML) are converted to numbers; OSMnx list values (after
        simplification) use their first element for times and lengths and their mean for
        speeds. Parallel edges keep the fastest.
        """
        probs = Problems("Network.from_networkx")
        if unit not in _UNITS_TO_MIN:
            probs.param("unit", f"one of {sorted(_UNITS_TO_MIN)}", unit)
            probs.raise_if_any()
        factor = _UNITS_TO_MIN[unit]
        node_list = list(G.nodes)
        labels = _label_array(node_list)
        pos = {k: i for i, k in enumerate(node_list)}
        m = G.number_of_edges()
        uu = np.empty(m, dtype=np.int64)
        vv = np.empty(m, dtype=np.int64)
        ww = np.full(m, np.nan)
        ll = np.full(m, np.nan)
        no_time: list = []
        bad_value: list = []
        unread = np.zeros(m, dtype=bool)  # times not read (reported already): skip NaN checks
        for k, (a, b, d) in enumerate(G.edges(data=True)):
            uu[k] = pos[a]
            vv[k] = pos[b]
            L = None
            if length is not None and d.get(length) is not None:
                try:
                    L = _to_float(d[length])
                    ll[k] = L
                except (TypeError, ValueError):
                    bad_value.append(((a, b), length, d[length]))
            t = d.get(weight)
            if t is not None:
                try:
                    ww[k] = _to_float(t) * factor
                except (TypeError, ValueError):
                    bad_value.append(((a, b), weight, t))
                    unread[k] = True
                continue
            derived = edge_minutes(L, speed_kph=d.get("speed_kph"), maxspeed=d.get("maxspeed"),
                                   highway=d.get("highway"), speeds=speeds) if L is not None else None
            if derived is None:
                no_time.append((a, b))
                unread[k] = True
            else:
                ww[k] = derived
        if bad_value:
            probs.add(f"Edge attributes must be numbers. Could not read "
                      + ", ".join(f"{name}={val!r} on edge {e!r}" for e, name, val in bad_value[:10])
                      + (f" and {len(bad_value) - 10} more" if len(bad_value) > 10 else "") + ".")
        if no_time:
            probs.add(f"Edge attribute {weight!r} is missing on {len(no_time)} edges and cannot be "
                      f"derived (needs {length!r} plus 'speed_kph', 'maxspeed' or a known 'highway' "
                      f"class): edges {', '.join(repr(e) for e in no_time[:10])}"
                      + (f" and {len(no_time) - 10} more" if len(no_time) > 10 else "") + ".")
        has_len = length is not None and m > 0 and not np.isnan(ll).all()
        if has_len and np.isnan(ll).any():
            miss = np.flatnonzero(np.isnan(ll))
            probs.add(f"Edge attribute {length!r} is missing on {len(miss)} of {m} edges: "
                      f"{describe_positions(miss, _edge_list(labels, uu, vv))}. Give every edge a "
                      f"length or pass length=None.")
        names = _edge_list(labels, uu, vv)
        _check_weights(ww, weight, probs, names, skip=unread)
        if has_len:
            _check_weights(ll, length, probs, names, skip=np.isnan(ll))
        coords = _node_coords(G, node_list, x, y, probs)
        probs.raise_if_any()
        oneway = np.full(m, G.is_directed(), dtype=bool)
        crs = G.graph.get("crs") if hasattr(G, "graph") else None
        if coords is not None and _is_lonlat(crs):
            # an unprojected OSMnx graph: x/y are degrees; snapping needs metres
            coords, crs = _project(coords[:, 0], coords[:, 1], None)
        return cls(labels, uu, vv, ww, ll if has_len else None, oneway, coords, crs=crs,
                   warn_disconnected=warn_disconnected)

    @classmethod
    def from_edges(cls, df: pd.DataFrame, source: str = "u", target: str = "v",
                   weight: str = "minutes", directed: bool = False, length: str | None = "metres",
                   unit: str = "min", *, nodes: pd.DataFrame | None = None,
                   oneway: str | None = "oneway", x: str = "x", y: str = "y",
                   node_id: str | None = None, crs: str | None = None,
                   warn_disconnected: bool = True) -> "Network":
        """Network from an edge table (and optionally a node table with coordinates).

        Parameters
        ----------
        df : pandas.DataFrame
            One row per road segment.
        source, target : str
            Columns with the end-node labels.
        weight : str
            Column with the travel time in ``unit``.
        directed : bool
            True when every row is one-way from ``source`` to ``target`` (unless the ``oneway``
            column says otherwise row by row).
        length : str or None
            Column with the length in metres. The default ``"metres"`` is optional: when the
            column is absent the network has no lengths. Any other name must exist.
        unit : {"min", "s", "h"}
            Unit of ``weight``.
        nodes : pandas.DataFrame, optional
            Node table with ``x``, ``y`` in metres, labelled by its index (or the ``node_id``
            column). Nodes without edges are kept (isolated). Without it the nodes are the
            edge ends and the network has no coordinates.
        oneway : str or None
            Column of booleans marking one-way rows (used when present; ``to_edges`` writes
            it).
        x, y, node_id : str
            Column names in ``nodes``.
        crs : str, optional
            CRS of the node coordinates.
        warn_disconnected : bool
            Warn when the graph is in several pieces.

        Returns
        -------
        Network

        Raises
        ------
        ValidationError
            Missing columns; NaN or negative times/lengths (naming the rows); edge ends not in
            ``nodes``; nodes with missing coordinates; duplicated node labels.

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": ["a", "b"], "v": ["b", "c"], "minutes": [2.0, 3.0]})
        >>> yj.Network.from_edges(df).travel_times(["a"], ["c"]).item()
        5.0
        """
        probs = Problems("Network.from_edges")
        if not isinstance(df, pd.DataFrame):
            probs.param("df", "a pandas DataFrame", type(df).__name__)
            probs.raise_if_any()
        if unit not in _UNITS_TO_MIN:
            probs.param("unit", f"one of {sorted(_UNITS_TO_MIN)}", unit)
        need = [source, target, weight] + ([length] if length not in (None, "metres") else [])
        missing = [c for c in need if c not in df.columns]
        if missing:
            probs.add(f"The edge table is missing column(s) {missing}; it has {list(df.columns)}.")
        if nodes is not None:
            nmiss = [c for c in [x, y] + ([node_id] if node_id else []) if c not in nodes.columns]
            if nmiss:
                probs.add(f"The nodes table is missing column(s) {nmiss}; it has {list(nodes.columns)}.")
        probs.raise_if_any()
        row_names = list(df.index)
        w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float) * _UNITS_TO_MIN[unit]
        nonnum = df[weight].notna().to_numpy() & np.isnan(w)
        if nonnum.any():
            probs.add(f"Column {weight!r} must hold numbers; rows {describe_positions(np.flatnonzero(nonnum), row_names)} do not.")
        ln = None
        if length is not None and length in df.columns:
            ln = pd.to_numeric(df[length], errors="coerce").to_numpy(dtype=float)
        ow = np.full(len(df), bool(directed))
        if oneway is not None and oneway in df.columns:
            col = df[oneway]
            if col.dtype == bool:
                ow = col.to_numpy(dtype=bool)
            else:
                txt = col.astype(str).str.strip().str.lower()
                ok = txt.isin(["true", "false", "1", "0", "yes", "no", "1.0", "0.0"])
                if not ok.all():
                    probs.add(f"Column {oneway!r} must hold booleans; rows "
                              f"{describe_positions(np.flatnonzero(~ok.to_numpy()), row_names)} do not.")
                ow = txt.isin(["true", "1", "yes", "1.0"]).to_numpy()
        su = _labels_from_column(df[source])
        sv = _labels_from_column(df[target])
        coords = None
        if nodes is not None:
            labels = _labels_from_column(nodes[node_id] if node_id else nodes.index.to_series())
            su, sv, labels = _harmonise_labels(su, sv, labels)
            index = pd.Index(labels)
            if not index.is_unique:
                dup = index[index.duplicated()].unique()
                probs.add(f"Node labels in the nodes table must be unique; duplicated: "
                          f"{describe_positions(range(len(dup)), list(dup))}.")
                probs.raise_if_any()
            pu = index.get_indexer(pd.Index(su))
            pv = index.get_indexer(pd.Index(sv))
            bad = (pu < 0) | (pv < 0)
            if bad.any():
                rows = np.flatnonzero(bad)
                ends = sorted({repr(e) for e in np.concatenate([su[pu < 0], sv[pv < 0]]).tolist()})
                probs.add(f"Edges in rows {describe_positions(rows, row_names)} have end nodes not "
                          f"in the nodes table: {', '.join(ends[:10])}"
                          + (f" and {len(ends) - 10} more" if len(ends) > 10 else "") + ".")
            xy = np.column_stack([pd.to_numeric(nodes[x], errors="coerce").to_numpy(float),
                                  pd.to_numeric(nodes[y], errors="coerce").to_numpy(float)])
            badxy = ~np.isfinite(xy).all(axis=1)
            if badxy.any():
                probs.add(f"Nodes {describe_positions(np.flatnonzero(badxy), labels.tolist())} have missing "
                          f"or non-finite coordinates {x!r}/{y!r}.")
            coords = xy
        else:
            if len(df):
                both = np.concatenate([su, sv])
                try:
                    labels = np.unique(both)
                except TypeError:  # mixed label types: keep first-seen order
                    labels = pd.unique(pd.Series(both, dtype=object)).astype(object)
                labels = _label_array(labels)
            else:
                labels = np.empty(0, dtype=np.int64)
            index = pd.Index(labels)
            pu = index.get_indexer(pd.Index(su))
            pv = index.get_indexer(pd.Index(sv))
        nan_ends = pd.isna(pd.Series(su, dtype=object)).to_numpy() | pd.isna(pd.Series(sv, dtype=object)).to_numpy()
        if nan_ends.any():
            probs.add(f"Edges in rows {describe_positions(np.flatnonzero(nan_ends), row_names)} have a missing end node.")
        _check_weights(w, weight, probs, row_names, skip=nonnum)
        if ln is not None:
            _check_weights(ln, length, probs, row_names)
        probs.raise_if_any()
        return cls(labels, pu, pv, w, ln, ow, coords, crs=crs, warn_disconnected=warn_disconnected)

    @classmethod
    def from_graphml(cls, path, weight: str = "travel_time", unit: str = "s", *,
                     node_type=None, **kwargs) -> "Network":
        """Network from a GraphML file (read with :func:`networkx.read_graphml`).

        Node ids that are all integer literals become ints (as OSMnx's ``load_graphml`` does)
        unless ``node_type`` is given. Other keyword arguments go to :meth:`from_networkx`.
        Files written by :meth:`to_graphml` read back with ``weight="minutes", unit="min"``.
        """
        import networkx as nx

        G = nx.read_graphml(path, node_type=node_type or str)
        if node_type is None:
            try:
                ints = {n: int(n) for n in G.nodes}
                if all(str(v) == n for n, v in ints.items()):
                    G = nx.relabel_nodes(G, ints)
            except (TypeError, ValueError):
                pass
        return cls.from_networkx(G, weight=weight, unit=unit, **kwargs)

    # ------------------------------------------------------------------ basic properties
    @property
    def n_nodes(self) -> int:
        """Number of nodes (destroyed ones included; see :meth:`without`)."""
        return int(len(self._labels))

    @property
    def n_edges(self) -> int:
        """Number of road segments (after parallel edges were merged and removals)."""
        return int(len(self._u))

    @property
    def nodes(self) -> pd.Index:
        """Node labels, in position order."""
        return self._index

    @property
    def node_ids(self) -> pd.Index:
        """Alias of :attr:`nodes`."""
        return self._index

    @property
    def directed(self) -> bool:
        """True when some segment is one-way."""
        return bool(self._oneway.any())

    @property
    def has_lengths(self) -> bool:
        """True when segments carry lengths (metres), so :meth:`distances` works."""
        return self._len is not None

    @property
    def has_coords(self) -> bool:
        """True when nodes carry coordinates, so :meth:`snap` works."""
        return self._coords is not None

    @property
    def removed_nodes(self) -> pd.Index:
        """Labels of nodes destroyed with :meth:`without`."""
        if self._removed is None:
            return self._index[:0]
        return self._index[self._removed]

    def node_xy(self, nodes=None) -> np.ndarray:
        """``(k, 2)`` array of node coordinates in metres (all nodes by default)."""
        self._need_coords("node_xy")
        if nodes is None:
            return self._coords.copy()
        return self._coords[self.positions(nodes, "nodes", "node_xy")]

    def positions(self, nodes, name: str = "nodes", func: str = "Network") -> np.ndarray:
        """Positions of node labels; ValidationError naming unknown labels."""
        arr = _as_label_query(nodes)
        pos = self._index.get_indexer(arr) if len(arr) else np.empty(0, dtype=np.int64)
        if (pos < 0).any():
            bad = np.flatnonzero(pos < 0)
            raise ValidationError(
                f"The {name!r} parameter of {func} must hold node labels of the network. "
                f"Unknown node(s) at positions {describe_positions(bad)}: "
                f"{describe_positions(range(len(bad)), arr[bad].tolist())}.")
        return pos.astype(np.int64)

    def __repr__(self) -> str:
        return (f"Network({self.n_nodes} nodes, {self.n_edges} segments, "
                f"{int(self._oneway.sum())} one-way, lengths={'yes' if self.has_lengths else 'no'}, "
                f"coords={'yes' if self.has_coords else 'no'}"
                + (f", {int(self._removed.sum())} nodes removed" if self._removed is not None else "") + ")")

    def summary(self) -> str:
        """Short text: size, one-way share, total length, components."""
        comp = self.components()
        km = f", {np.nansum(self._len[np.isfinite(self._len)]) / 1000:.1f} km of road" if self.has_lengths else ""
        big = comp["n_nodes"].iloc[0] if len(comp) else 0
        return (f"road network: {self.n_nodes:,} nodes, {self.n_edges:,} segments "
                f"({int(self._oneway.sum()):,} one-way){km}; {len(comp)} strongly connected "
                f"component(s), the largest holds {big:,} nodes ({big / max(self.n_nodes, 1):.1%})")

    # ------------------------------------------------------------------ tables / export
    def to_edges(self) -> pd.DataFrame:
        """Edge table: ``u``, ``v`` (labels), ``minutes``, ``metres`` (if any), ``oneway``.

        ``Network.from_edges(net.to_edges(), nodes=net.to_nodes())`` rebuilds the network.
        """
        data = {"u": self._labels[self._u], "v": self._labels[self._v], "minutes": self._w}
        if self._len is not None:
            data["metres"] = self._len
        data["oneway"] = self._oneway.copy()
        return pd.DataFrame(data)

    def to_nodes(self) -> pd.DataFrame:
        """Node table indexed by label (``node``) with ``x``, ``y`` (NaN without coordinates)."""
        xy = self._coords if self._coords is not None else np.full((self.n_nodes, 2), np.nan)
        return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=pd.Index(self._labels, name="node"))

    def to_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(edges, nodes)``: :meth:`to_edges` and :meth:`to_nodes` (roads.csv, nodes.csv)."""
        return self.to_edges(), self.to_nodes()

    def to_frame(self) -> pd.DataFrame:
        """The edge table (:meth:`to_edges`)."""
        return self.to_edges()

    def to_dict(self) -> dict:
        """JSON-serialisable description (nodes, edges, crs)."""
        from yingji.results import to_jsonable

        e = self.to_edges()
        nd = self.to_nodes().reset_index()
        return {"crs": self.crs, "nodes": to_jsonable(nd), "edges": to_jsonable(e)}

    def to_networkx(self):
        """A ``networkx.MultiDiGraph`` (two-way segments as two arcs, as OSMnx stores them).

        Node attributes ``x``, ``y``; arc attributes ``minutes``, ``travel_time`` (seconds) and
        ``length`` (metres) when known.
        """
        import networkx as nx

        G = nx.MultiDiGraph(crs=self.crs)
        labels = self._labels.tolist()
        if self._coords is not None:
            G.add_nodes_from((lab, {"x": float(a), "y": float(b)}) for lab, (a, b) in zip(labels, self._coords))
        else:
            G.add_nodes_from(labels)
        for k in range(self.n_edges):
            a, b = labels[self._u[k]], labels[self._v[k]]
            d = {"minutes": float(self._w[k]), "travel_time": float(self._w[k]) * 60.0}
            if self._len is not None:
                d["length"] = float(self._len[k])
            G.add_edge(a, b, **d)
            if not self._oneway[k]:
                G.add_edge(b, a, **d)
        return G

    def to_graphml(self, path) -> None:
        """Write GraphML (via networkx); read back with ``Network.from_graphml(path,
        weight="minutes", unit="min")``."""
        import networkx as nx

        G = self.to_networkx()
        if G.graph.get("crs") is None:
            G.graph.pop("crs", None)
        nx.write_graphml(G, path)

    # ------------------------------------------------------------------ snapping
    def snap(self, x, y, return_distance: bool = False, max_snap: float | None = None):
        """Nearest network node of each point (straight-line, KD-tree).

        Parameters
        ----------
        x, y : float or array-like
            Point coordinates in metres (the network's CRS).
        return_distance : bool
            Also return the straight-line snap distance in metres.
        max_snap : float, optional
            Largest acceptable snap distance in metres; farther points are an error.

        Returns
        -------
        nodes : label or numpy.ndarray
            Node labels (a scalar for scalar input). Destroyed nodes (:meth:`without`) are
            never returned.
        metres : float or numpy.ndarray
            Snap distances, when ``return_distance``.

        Raises
        ------
        ValidationError
            The network has no coordinates; ``x`` and ``y`` differ in length or hold NaN;
            points farther than ``max_snap`` (named with their positions and distances).

        Notes
        -----
        Ties between equidistant nodes go to the lower node position, as
        :class:`scipy.spatial.cKDTree` returns them.
        """
        self._need_coords("snap")
        scalar = np.ndim(x) == 0 and np.ndim(y) == 0
        xa = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
        ya = np.atleast_1d(np.asarray(y, dtype=float)).ravel()
        probs = Problems("Network.snap")
        if xa.shape != ya.shape:
            probs.add(f"x and y must have the same length; got {len(xa)} and {len(ya)}.")
            probs.raise_if_any()
        bad = ~(np.isfinite(xa) & np.isfinite(ya))
        if bad.any():
            probs.add(f"Points {describe_positions(np.flatnonzero(bad))} have missing or non-finite coordinates.")
        if max_snap is not None and not (np.isfinite(max_snap) and max_snap >= 0):
            probs.param("max_snap", "a float in [0, inf)", max_snap)
        tree, alive = self._tree()
        if tree is None:
            probs.add("The network has no nodes left to snap to.")
        probs.raise_if_any()
        d, k = tree.query(np.column_stack([xa, ya]))
        pos = alive[k] if alive is not None else k
        if max_snap is not None:
            far = np.flatnonzero(d > max_snap)
            if far.size:
                raise ValidationError(
                    f"{far.size} point(s) lie farther than max_snap={max_snap:g} m from the road "
                    f"network: positions {describe_positions(far)} at "
                    f"{', '.join(f'{d[i]:.0f} m' for i in far[:10])}"
                    + (" ..." if far.size > 10 else "") + ".")
        labels = self._labels[pos]
        if scalar:
            labels, d = labels[0], float(d[0])
        return (labels, d) if return_distance else labels

    def _tree(self):
        if "tree" not in self._cache:
            from scipy.spatial import cKDTree

            if self._removed is not None:
                alive = np.flatnonzero(~self._removed)
                self._cache["tree"] = ((cKDTree(self._coords[alive]), alive) if alive.size
                                       else (None, None))
            else:
                self._cache["tree"] = (cKDTree(self._coords), None)
        return self._cache["tree"]

    def _need_coords(self, what: str) -> None:
        if self._coords is None:
            raise ValidationError(f"Network.{what} needs node coordinates (x, y), and this network "
                                  f"has none. Build it with nodes=... (from_edges) or x/y node "
                                  f"attributes (from_networkx).")

    # ------------------------------------------------------------------ shortest paths
    def travel_times(self, origins=None, destinations=None, cutoff: float | None = None, *,
                     sparse: bool = False, method: str = "auto"):
        """Shortest travel times in minutes, origins × destinations.

        Parameters
        ----------
        origins, destinations : array-like of node labels, optional
            Default: all nodes. Repeated labels are computed once.
        cutoff : float, optional
            Minutes; times above ``cutoff`` (inclusive with a tolerance of
            :data:`yingji.config.COVER_TOL`) are reported as ``inf`` (or not stored). The search
            stops at the cutoff, which is what makes ``cutoff=15`` from 1,000 origins cheap.
        sparse : bool
            Return a ``scipy.sparse.csr_array`` that stores only the reached pairs (explicit
            zeros included: a stored 0 is a zero-minute trip, a missing entry is ``inf``, so do
            not call ``.toarray()`` on it — use ``.indptr``/``.indices``/``.data``). Built chunk
            by chunk; see also :meth:`iter_travel_times`.
        method : {"auto", "numba", "scipy"}
            ``"numba"``: parallel many-source Dijkstra with a bucket queue (Dial's algorithm,
            label-correcting, exact for any bucket width; stops when every destination is
            final or at the cutoff), one thread per block of origins. ``"scipy"``:
            :func:`scipy.sparse.csgraph.dijkstra` with ``limit=cutoff``, zero-minute arcs kept
            exact by the epsilon shift described in Notes. ``"auto"`` is ``"numba"``.

        Returns
        -------
        numpy.ndarray of float, shape (len(origins), len(destinations)), or scipy.sparse.csr_array
            ``inf`` where unreachable, beyond the cutoff, or at a destroyed node.

        Raises
        ------
        ValidationError
            Unknown node labels (named), a negative or NaN cutoff, an unknown method, or a dense
            result too large for memory (over 500 million entries: use ``cutoff`` with
            ``sparse=True`` or :meth:`iter_travel_times`).

        Notes
        -----
        One-way segments are driven only from ``u`` to ``v``, so ``travel_times(a, b)`` and
        ``travel_times(b, a).T`` differ on one-way streets: station-to-demand response times
        are ``travel_times(stations, demand)`` (DESIGN.md).

        scipy's csgraph may read a stored zero weight as a missing arc. With
        ``method="scipy"`` every zero weight is replaced by
        :math:`\\varepsilon = w_{\\min} 2^{-56} / n` (:math:`w_{\\min}` the smallest positive
        weight). Any path with a positive arc then sums to exactly the same float (ε is below
        half an ulp of every such sum), and a path of only zero arcs sums to less than
        :math:`w_{\\min} 2^{-56}`, which is reset to 0.

        References
        ----------
        .. [1] E. W. Dijkstra, "A note on two problems in connexion with graphs", Numerische
           Mathematik 1 (1959) 269-271.
        .. [2] scipy.sparse.csgraph.dijkstra, SciPy reference guide.

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [4.0, 6.0]})
        >>> net = yj.Network.from_edges(df, directed=True)
        >>> net.travel_times([0, 2], [0, 1, 2])
        array([[ 0.,  4., 10.],
               [inf, inf,  0.]])
        >>> net.travel_times([0], cutoff=5).tolist()
        [[0.0, 4.0, inf]]
        """
        return self._paths("travel_times", "time", origins, destinations, cutoff, sparse, method)

    def distances(self, origins=None, destinations=None, cutoff: float | None = None, *,
                  sparse: bool = False, method: str = "auto"):
        """Shortest distances in metres along the roads, ignoring one-way (walking).

        Same parameters, result and errors as :meth:`travel_times`, with ``cutoff`` in metres.
        Needs segment lengths (ValidationError otherwise). The matrix is symmetric.
        """
        if self._len is None:
            raise ValidationError("Network.distances needs segment lengths (metres), and this "
                                  "network has none: build it with length=... .")
        return self._paths("distances", "length", origins, destinations, cutoff, sparse, method)

    def iter_travel_times(self, origins=None, destinations=None, cutoff: float | None = None, *,
                          chunk_size: int = 256, sparse: bool = False,
                          method: str = "auto") -> Iterator[tuple[np.ndarray, object]]:
        """Travel times chunk by chunk: yields ``(origin_labels, block)`` pairs.

        ``block`` is what :meth:`travel_times` returns for those origins (dense, or sparse
        with ``sparse=True``). Memory stays at one block: use it to stream a 100,000-node
        network's all-pairs work.
        """
        if chunk_size < 1:
            raise ValidationError(f"The 'chunk_size' parameter of Network.iter_travel_times must "
                                  f"be an int >= 1. Got {chunk_size!r} instead.")
        olab = self._labels if origins is None else _as_label_query(origins)
        self.positions(olab, "origins", "Network.iter_travel_times")
        for start in range(0, len(olab), chunk_size):
            part = olab[start:start + chunk_size]
            yield part, self.travel_times(part, destinations, cutoff, sparse=sparse, method=method)

    def _paths(self, func, kind, origins, destinations, cutoff, sparse, method):
        fname = f"Network.{func}"
        probs = Problems(fname)
        if method not in ("auto", "numba", "scipy"):
            probs.param("method", "one of 'auto', 'numba', 'scipy'", method)
        if cutoff is not None:
            try:
                c = float(cutoff)
            except (TypeError, ValueError):
                c = float("nan")
            if not (c >= 0):
                probs.param("cutoff", "a float in [0, inf] or None", cutoff)
        probs.raise_if_any()
        opos = (np.arange(self.n_nodes, dtype=np.int64) if origins is None
                else self.positions(origins, "origins", fname))
        dpos = (np.arange(self.n_nodes, dtype=np.int64) if destinations is None
                else self.positions(destinations, "destinations", fname))
        climit = np.inf if cutoff is None else float(cutoff) + COVER_TOL
        uo, oinv = _unique_or_same(opos)
        ud, dinv = _unique_or_same(dpos)
        if not sparse and len(opos) * len(dpos) > 500_000_000:
            raise ValidationError(
                f"The dense {func} result would hold {len(opos):,} x {len(dpos):,} entries; pass "
                f"cutoff=... with sparse=True, or use iter_travel_times, or fewer origins.")
        csr = self._csr(kind)
        bw = self._cache.get(kind + "_bw")
        if bw is None:
            bw = self._cache[kind + "_bw"] = _bucket_width(csr[2])
        if sparse:
            block = _sparse_block_rows(len(ud))
            parts = [self._run_paths_sparse(csr, uo[s:s + block], ud, climit, method, bw)
                     for s in range(0, len(uo), block)]
            M = _stack_csr(parts, len(ud))
            if oinv is not None:
                M = M[oinv]
            if dinv is not None:
                M = _csr_take_columns(M, dinv, len(ud))
            return M
        D = self._run_paths(csr, uo, ud, climit, method, bw)
        if oinv is not None:
            D = D[oinv]
        if dinv is not None:
            D = D[:, dinv]
        return D

    def _run_paths(self, csr, src, dst, climit, method, bw=None) -> np.ndarray:
        """Dense ``len(src) x len(dst)`` shortest-path block (unique positions, any order)."""
        indptr, indices, weights = csr
        n = self.n_nodes
        alive_src = src
        alive_dst = dst
        if self._removed is not None:
            alive_dst = dst[~self._removed[dst]]
        if len(src) == 0 or len(dst) == 0:
            return np.full((len(src), len(dst)), np.inf)
        if self._removed is not None:
            keep = ~self._removed[src]
            alive_src = src[keep]
        else:
            keep = None
        if method == "scipy":
            res = self._scipy_block(csr, alive_src, dst, climit)
        else:
            from numba import get_num_threads

            from yingji._kernels.paths import _multi_source_dijkstra

            rank, inv = self._order()
            dest_col = _dest_columns(n, dst, self._removed)[inv]
            res = np.empty((len(alive_src), len(dst)))
            n_blocks = max(1, min(len(alive_src), 4 * get_num_threads()))
            delta, n_buckets = bw
            _run_kernel(_multi_source_dijkstra, indptr, indices, weights, rank[alive_src],
                                   dest_col, len(alive_dst), climit, delta, n_buckets, n_blocks,
                                   res)
        if self._removed is not None:
            res[:, self._removed[dst]] = np.inf
        if keep is None:
            return res
        out = np.full((len(src), len(dst)), np.inf)
        out[keep] = res
        return out

    def _run_paths_sparse(self, csr, src, dst, climit, method, bw=None):
        """CSR ``len(src) x len(dst)`` block of the reached pairs (explicit zeros kept)."""
        if method == "scipy":
            return _dense_to_csr(self._run_paths(csr, src, dst, climit, method, bw))
        from numba import get_num_threads

        from yingji._kernels.paths import _multi_source_dijkstra_sparse

        indptr, indices, weights = csr
        n = self.n_nodes
        alive_dst = dst if self._removed is None else dst[~self._removed[dst]]
        rank, inv = self._order()
        dest_col = _dest_columns(n, dst, self._removed)[inv]
        nt = len(alive_dst)
        alive = None if self._removed is None else ~self._removed[src]
        srcs = src if alive is None else src[alive]
        vals = np.empty((len(srcs), max(nt, 1)))
        cols = np.empty((len(srcs), max(nt, 1)), dtype=np.int64)
        counts = np.zeros(len(srcs), dtype=np.int64)
        if len(srcs) and nt:
            n_blocks = max(1, min(len(srcs), 4 * get_num_threads()))
            delta, n_buckets = bw
            _run_kernel(_multi_source_dijkstra_sparse, indptr, indices, weights, rank[srcs],
                                          dest_col, nt, climit, delta, n_buckets, n_blocks,
                                          vals, cols, counts)
        if alive is not None:
            full = np.zeros(len(src), dtype=np.int64)
            full[alive] = counts
        else:
            full = counts
        mask = np.arange(max(nt, 1))[None, :] < counts[:, None]
        data, idx = vals[mask], cols[mask]
        del vals, cols, mask
        indptr_out = np.zeros(len(src) + 1, dtype=np.int64)
        np.cumsum(full, out=indptr_out[1:])
        M = sp.csr_array((data, idx, indptr_out), shape=(len(src), len(dst)))
        M.has_sorted_indices = True  # the kernel sorts each row
        return M

    def _scipy_block(self, csr, src, dst, climit) -> np.ndarray:
        from scipy.sparse.csgraph import dijkstra

        indptr, indices, weights = csr
        n = self.n_nodes
        zero = weights == 0
        if zero.any():
            pos = weights[weights > 0]
            wmin = float(pos.min()) if pos.size else 1.0
            eps = wmin * 2.0 ** -56 / max(n, 1)
            thr = wmin * 2.0 ** -56
            w = np.where(zero, eps, weights)
        else:
            w, thr = weights, 0.0
        G = sp.csr_array((w, indices, indptr), shape=(n, n))
        rank = self._order()[0]
        src, dst = rank[src], rank[dst]
        out = np.empty((len(src), len(dst)))
        block = max(1, 8_000_000 // max(n, 1))
        for s in range(0, len(src), block):
            D = dijkstra(G, directed=True, indices=src[s:s + block],
                         limit=climit if np.isfinite(climit) else np.inf)
            D = D[:, dst]
            if thr > 0:
                D[D < thr] = 0.0
            out[s:s + block] = D
        if np.isfinite(climit):
            out[out > climit] = np.inf
        return out

    def _order(self):
        """Cached ``(rank, inv)``: the node numbering used inside the shortest-path graphs.

        Reverse Cuthill-McKee on the road graph puts neighbouring junctions next to each other
        in memory; on a 100,000-node grid whose labels were shuffled (as OSM ids are) this
        cut the time of a search from 35 to 22 ms. The given numbering is kept when its mean
        label gap along segments is already no larger. ``rank[position]`` is the internal id,
        ``inv`` the inverse.
        """
        if "order" not in self._cache:
            n = self.n_nodes
            if n < 3 or len(self._u) == 0:
                inv = np.arange(n, dtype=np.int64)
            else:
                from scipy.sparse.csgraph import reverse_cuthill_mckee

                a = np.concatenate([self._u, self._v])
                b = np.concatenate([self._v, self._u])
                G = sp.csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
                inv = reverse_cuthill_mckee(G, symmetric_mode=True).astype(np.int64)
            rank = np.empty(n, dtype=np.int64)
            rank[inv] = np.arange(n, dtype=np.int64)
            # keep the given numbering when it is already as local (a row-major street grid is)
            if len(self._u) and (np.abs(self._u - self._v).mean()
                                 <= np.abs(rank[self._u] - rank[self._v]).mean()):
                inv = rank = np.arange(n, dtype=np.int64)
            self._cache["order"] = (rank, inv)
        return self._cache["order"]

    def _csr(self, kind: str):
        """Cached CSR ``(indptr, indices, weights)`` of the time (directed) or length graph,
        over the internal node numbering of :meth:`_order`."""
        if kind not in self._cache:
            u, v, ow = self._u, self._v, self._oneway
            if kind == "time":
                w = self._w
                two = ~ow
                a = np.concatenate([u, v[two]])
                b = np.concatenate([v, u[two]])
                ww = np.concatenate([w, w[two]])
            else:
                w = self._len
                a = np.concatenate([u, v])
                b = np.concatenate([v, u])
                ww = np.concatenate([w, w])
            keep = (a != b) & (ww < np.inf)
            rank = self._order()[0]
            a, b, ww = rank[a[keep]], rank[b[keep]], ww[keep]
            order = np.lexsort((ww, b, a))
            a, b, ww = a[order], b[order], ww[order]
            first = np.ones(len(a), dtype=bool)
            first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
            a, b, ww = a[first], b[first], ww[first]
            indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(a, minlength=self.n_nodes), out=indptr[1:])
            self._cache[kind] = (indptr, np.ascontiguousarray(b, dtype=np.int64),
                                 np.ascontiguousarray(ww, dtype=np.float64))
        return self._cache[kind]

    # ------------------------------------------------------------------ damage scenarios
    def without(self, edges=None, nodes=None) -> "Network":
        """The network with road segments and/or junctions destroyed.

        Parameters
        ----------
        edges : iterable of (u, v) label pairs, or DataFrame with columns ``u``, ``v``
            Segments to remove; a pair removes every segment joining the two nodes, in both
            directions (a closed road is closed both ways).
        nodes : iterable of node labels
            Junctions to destroy: their segments are removed, they keep their label and
            position (matrices keep their shape) but are unreachable (``inf`` rows and
            columns) and are never returned by :meth:`snap`.

        Returns
        -------
        Network
            A new network sharing the unchanged arrays (labels, coordinates, the KD-tree when no
            node is destroyed). Cost: one pass over the segment arrays.

        Raises
        ------
        ValidationError
            Unknown node labels, or pairs joined by no segment (named).

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1, 0], "v": [1, 2, 2], "minutes": [1.0, 1.0, 5.0]})
        >>> net = yj.Network.from_edges(df)
        >>> net.without(edges=[(1, 2)]).travel_times([0], [2]).item()
        5.0
        >>> net.without(nodes=[1]).travel_times([0], [1, 2]).tolist()
        [[inf, 5.0]]
        """
        keep = np.ones(self.n_edges, dtype=bool)
        removed = None if self._removed is None else self._removed.copy()
        probs = Problems("Network.without")
        if edges is not None:
            if isinstance(edges, pd.DataFrame):
                cu = "u" if "u" in edges.columns else edges.columns[0]
                cv = "v" if "v" in edges.columns else edges.columns[1]
                pairs = list(zip(edges[cu].tolist(), edges[cv].tolist()))
            else:
                pairs = [tuple(p) for p in edges]
            badshape = [i for i, p in enumerate(pairs) if len(p) != 2]
            if badshape:
                probs.add(f"The 'edges' parameter of Network.without must hold (u, v) pairs; "
                          f"entries {describe_positions(badshape)} do not.")
                probs.raise_if_any()
            if pairs:
                pu = self.positions([p[0] for p in pairs], "edges", "Network.without")
                pv = self.positions([p[1] for p in pairs], "edges", "Network.without")
                n = np.int64(self.n_nodes)
                lo = np.minimum(pu, pv) * n + np.maximum(pu, pv)
                ekey = np.minimum(self._u, self._v) * n + np.maximum(self._u, self._v)
                hit = np.isin(ekey, lo)
                found = np.isin(lo, ekey)
                if not found.all():
                    miss = np.flatnonzero(~found)
                    probs.add(f"The 'edges' parameter of Network.without names pairs joined by no "
                              f"road segment: {', '.join(repr(pairs[i]) for i in miss[:10])}"
                              + (" ..." if miss.size > 10 else "") + ".")
                keep &= ~hit
        if nodes is not None:
            npos = self.positions(list(_as_label_query(nodes)), "nodes", "Network.without")
            if removed is None:
                removed = np.zeros(self.n_nodes, dtype=bool)
            removed[npos] = True
            keep &= ~(removed[self._u] | removed[self._v])
        probs.raise_if_any()
        new = Network.__new__(Network)
        new._labels, new._index, new._coords, new.crs = self._labels, self._index, self._coords, self.crs
        new._u, new._v, new._w = self._u[keep], self._v[keep], self._w[keep]
        new._len = None if self._len is None else self._len[keep]
        new._oneway = self._oneway[keep]
        new._removed = removed
        new._cache = {}
        if "order" in self._cache:   # any numbering is correct; keep the parent's locality
            new._cache["order"] = self._cache["order"]
        if (removed is None or (self._removed is not None and np.array_equal(removed, self._removed))) \
                and "tree" in self._cache:
            new._cache["tree"] = self._cache["tree"]
        return new

    def simplify(self, keep=None) -> "Network":
        """The network with every chain of interior nodes contracted into one segment.

        A node is *interior* when it has exactly two distinct neighbours and its segments
        only let traffic pass through it: a two-way road ``u - x - w`` (both directions) or a
        one-way road ``u -> x -> w``. Every other node is kept: dead ends, junctions of three
        or more neighbours, nodes where a one-way road meets a two-way one, nodes with a
        self-loop or with parallel segments (e.g. a two-way and a one-way segment to the same
        neighbour), destroyed nodes (:meth:`without`) and the nodes in ``keep``. Each chain of
        interior nodes between two kept nodes becomes one segment per direction (one two-way
        segment when the chain is made of two-way segments only) whose ``minutes`` and
        ``metres`` are the sums along the chain. A ring made only of interior nodes keeps one
        of them.

        Parameters
        ----------
        keep : iterable of node labels, optional
            Nodes that must survive (stations, demand points snapped to the network, ...).

        Returns
        -------
        Network
            A new network on the kept nodes (labels and coordinates unchanged, in the same
            order). Every shortest travel time between kept nodes is the same as in this
            network (up to the rounding of the sums); so are distances when no two chains join
            the same pair of nodes (parallel segments keep the fastest, as everywhere in
            :class:`Network`). Contracted chains that come back to their start are dropped.

        Raises
        ------
        ValidationError
            ``keep`` holds labels that are not nodes of the network.

        Notes
        -----
        Cost: a few sorts of the segment arrays and one compiled walk over the chains
        (:mod:`yingji._kernels.simplify`), linear in the size of the network.

        References
        ----------
        .. [1] G. Boeing, "OSMnx: New methods for acquiring, constructing, analyzing, and
           visualizing complex street networks", Computers, Environment and Urban Systems 65
           (2017) 126-139.

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1, 2, 2], "v": [1, 2, 3, 4],
        ...                    "minutes": [1.0, 2.0, 0.5, 0.25]})
        >>> small = yj.Network.from_edges(df).simplify()
        >>> small.nodes.tolist(), small.to_edges()["minutes"].tolist()
        ([0, 2, 3, 4], [0.5, 0.25, 3.0])
        >>> yj.Network.from_edges(df).simplify(keep=[1]).n_nodes
        5
        """
        keep = None if keep is None else list(_as_label_query(keep))
        if keep is not None:
            self.positions(keep, "keep", "Network.simplify")
        net = self._simplify_once(keep)
        while True:   # merging parallel chains or dropping loops can free more nodes
            nxt = net._simplify_once(keep)
            if nxt.n_nodes == net.n_nodes:
                return net
            net = nxt

    def _simplify_once(self, keep) -> "Network":
        """One contraction pass of :meth:`simplify` (``keep``: validated labels or None)."""
        from yingji._kernels.simplify import _simplify_chains

        n = self.n_nodes
        kept = np.zeros(n, dtype=bool)
        if keep is not None:
            kept[self.positions(keep, "keep", "Network.simplify")] = True
        if self._removed is not None:
            kept |= self._removed
        u, v, ow = self._u, self._v, self._oneway
        ln = self._len if self._len is not None else np.zeros(len(u))
        two = ~ow
        src = np.concatenate([u, v[two]])
        dst = np.concatenate([v, u[two]])
        aw = np.concatenate([self._w, self._w[two]])
        al = np.concatenate([ln, ln[two]])
        asym = np.concatenate([two, np.ones(int(two.sum()), dtype=bool)])
        kept[u[u == v]] = True
        nn = np.int64(max(n, 1))
        in_cnt = np.bincount(dst, minlength=n)
        out_cnt = np.bincount(src, minlength=n)

        def n_distinct(keys):   # distinct (node, neighbour) pairs per node; sort-based unique
            keys = np.sort(keys)
            first = np.ones(len(keys), dtype=bool)
            first[1:] = keys[1:] != keys[:-1]
            return np.bincount(keys[first] // nn, minlength=n)

        n_in = n_distinct(dst * nn + src)
        n_out = n_distinct(src * nn + dst)
        n_nb = n_distinct(np.concatenate([src * nn + dst, dst * nn + src]))
        passing = ((in_cnt == 1) & (out_cnt == 1)) | \
            ((in_cnt == 2) & (out_cnt == 2) & (n_in == 2) & (n_out == 2))
        kept |= ~((n_nb == 2) & passing)
        order = np.argsort(src, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(out_cnt, out=indptr[1:])
        m = len(src)
        out_u = np.empty(m, dtype=np.int64)
        out_v = np.empty(m, dtype=np.int64)
        out_w = np.empty(m, dtype=np.float64)
        out_l = np.empty(m, dtype=np.float64)
        out_sym = np.empty(m, dtype=bool)
        k = _simplify_chains(indptr, np.ascontiguousarray(dst[order]),
                             np.ascontiguousarray(aw[order]), np.ascontiguousarray(al[order]),
                             np.ascontiguousarray(asym[order]), kept,
                             out_u, out_v, out_w, out_l, out_sym)
        both = kept[u] & kept[v]
        new_pos = np.cumsum(kept) - 1
        nu = new_pos[np.concatenate([u[both], out_u[:k]])]
        nv = new_pos[np.concatenate([v[both], out_v[:k]])]
        nw = np.concatenate([self._w[both], out_w[:k]])
        nl = None if self._len is None else np.concatenate([self._len[both], out_l[:k]])
        now = np.concatenate([ow[both], ~out_sym[:k]])
        removed = None if self._removed is None else self._removed[kept]
        if removed is not None and not removed.any():
            removed = None
        u2, v2, w2, l2, o2 = _dedupe_edges(nu, nv, nw, nl, now)
        new = Network.__new__(Network)
        new._labels = self._labels[kept]
        new._index = self._index[kept]
        new._coords = None if self._coords is None else self._coords[kept]
        new.crs = self.crs
        new._u, new._v, new._w, new._len, new._oneway = u2, v2, w2, l2, o2
        new._removed = removed
        new._cache = {}
        return new

    # ------------------------------------------------------------------ components
    def component_labels(self, strong: bool = True) -> np.ndarray:
        """Component id of each node (0 = the largest), strongly or weakly connected.

        Strong components respect one-way streets (every node of a strong component can reach
        every other and come back); weak components ignore direction.
        """
        key = f"comp_{strong}"
        if key not in self._cache:
            from scipy.sparse.csgraph import connected_components

            indptr, indices, weights = self._csr("time")
            G = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(self.n_nodes,) * 2)
            _, lab = connected_components(G, directed=True, connection="strong" if strong else "weak")
            lab = lab[self._order()[0]]                    # internal ids -> positions
            sizes = np.bincount(lab)
            order = np.argsort(-sizes, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            self._cache[key] = rank[lab].astype(np.int64)
        return self._cache[key]

    def components(self, strong: bool = True) -> pd.DataFrame:
        """One row per connected component, largest first.

        Returns
        -------
        pandas.DataFrame
            Index ``component`` (0 = largest); columns ``n_nodes``, ``share`` (of all nodes) and
            ``example_node`` (a label in it). Destroyed nodes count as components of one.
        """
        lab = self.component_labels(strong)
        sizes = np.bincount(lab, minlength=1) if len(lab) else np.zeros(0, dtype=np.int64)
        first = np.full(len(sizes), -1, dtype=np.int64)
        first[lab[::-1]] = np.arange(len(lab))[::-1]
        return pd.DataFrame({"n_nodes": sizes, "share": sizes / max(self.n_nodes, 1),
                             "example_node": self._labels[first] if len(first) else []},
                            index=pd.Index(np.arange(len(sizes)), name="component"))

    def check_connected(self, nodes, *, ids=None, strong: bool = True, warn: bool = False,
                        raise_error: bool = False) -> pd.DataFrame:
        """Which of the given points sit outside the largest component.

        Parameters
        ----------
        nodes : array-like of node labels
            The nodes points were snapped to (demand, stations, candidates...).
        ids : array-like, optional
            The points' own ids (e.g. a table's index) to name them; default positions.
        strong : bool
            Strongly connected components (default; respects one-way streets).
        warn, raise_error : bool
            Also warn (:class:`~yingji.DisconnectedNetworkWarning`) or raise
            (:class:`~yingji.ValidationError`) naming them, when there are any.

        Returns
        -------
        pandas.DataFrame
            One row per point outside the largest component: ``id``, ``node``, ``component``,
            ``component_size``. Empty when every point is in the largest component.
        """
        pos = self.positions(nodes, "nodes", "Network.check_connected")
        ids = list(range(len(pos))) if ids is None else list(ids)
        if len(ids) != len(pos):
            raise ValidationError(f"The 'ids' parameter of Network.check_connected must have one id "
                                  f"per node ({len(pos)}). Got {len(ids)} instead.")
        lab = self.component_labels(strong)
        sizes = np.bincount(lab) if len(lab) else np.zeros(0, dtype=np.int64)
        bad = np.flatnonzero(lab[pos] != 0) if len(pos) else np.empty(0, dtype=np.int64)
        df = pd.DataFrame({"id": [ids[i] for i in bad], "node": self._labels[pos[bad]],
                           "component": lab[pos[bad]], "component_size": sizes[lab[pos[bad]]]})
        if len(df) and (warn or raise_error):
            msg = (f"{len(df)} of {len(pos)} points sit outside the largest "
                   f"{'strongly' if strong else 'weakly'} connected component of the road network "
                   f"({sizes[0]:,} of {self.n_nodes:,} nodes): ids "
                   f"{describe_positions(range(len(df)), df['id'].tolist())} (nodes "
                   f"{describe_positions(range(len(df)), df['node'].tolist())}). They cannot reach "
                   f"or be reached from most of the network.")
            if raise_error:
                raise ValidationError(msg)
            warnings.warn(msg, DisconnectedNetworkWarning, stacklevel=2)
        return df

    def largest_component(self, strong: bool = True) -> "Network":
        """The network restricted to its largest component, with a warning saying what went.

        Warns
        -----
        DisconnectedNetworkWarning
            When nodes are dropped: how many, in how many components.
        """
        lab = self.component_labels(strong)
        keep_nodes = lab == 0
        if keep_nodes.all():
            return self
        dropped = int((~keep_nodes).sum())
        warnings.warn(
            f"Keeping the largest {'strongly' if strong else 'weakly'} connected component of the "
            f"road network: {int(keep_nodes.sum()):,} of {self.n_nodes:,} nodes; dropped {dropped:,} "
            f"nodes in {int(lab.max())} smaller component(s).", DisconnectedNetworkWarning, stacklevel=2)
        newpos = np.full(self.n_nodes, -1, dtype=np.int64)
        newpos[keep_nodes] = np.arange(int(keep_nodes.sum()))
        ek = keep_nodes[self._u] & keep_nodes[self._v]
        return Network(self._labels[keep_nodes], newpos[self._u[ek]], newpos[self._v[ek]],
                       self._w[ek], None if self._len is None else self._len[ek], self._oneway[ek],
                       None if self._coords is None else self._coords[keep_nodes], crs=self.crs,
                       warn_disconnected=False, _dedupe=False)

    def _warn_if_disconnected(self) -> None:
        lab = self.component_labels(strong=False)
        if lab.max(initial=0) > 0:
            sizes = np.bincount(lab)
            warnings.warn(
                f"The road network is in {len(sizes)} weakly connected pieces; the largest holds "
                f"{sizes[0]:,} of {self.n_nodes:,} nodes. Points in the small pieces cannot reach "
                f"the rest: see Network.components(), check which points are affected with "
                f"Network.check_connected(nodes), or keep the main piece with "
                f"Network.largest_component().", DisconnectedNetworkWarning, stacklevel=3)

    def _edge_names(self, u, v):
        return _edge_list(self._labels, u, v)


# ---------------------------------------------------------------------- helpers
def _edge_list(labels, u, v):
    class _Lazy:
        """Edge names built on demand (only for the few shown in a message)."""

        def __getitem__(self, i):
            return (labels[u[i]].item() if isinstance(labels[u[i]], np.generic) else labels[u[i]],
                    labels[v[i]].item() if isinstance(labels[v[i]], np.generic) else labels[v[i]])

    lazy = _Lazy()
    return _LazyList(lazy, len(u))


class _LazyList:
    def __init__(self, getter, n):
        self._g, self._n = getter, n

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        return self._g[i]

    def __iter__(self):
        return (self._g[i] for i in range(self._n))


def _check_weights(w, name, probs: Problems, names, skip=None) -> None:
    nan = np.isnan(w)
    if skip is not None:
        nan &= ~skip
    if nan.any():
        idx = np.flatnonzero(nan)
        probs.add(f"Edge {name!r} must not be NaN or missing; {idx.size} edge(s): "
                  f"{_name_rows(idx, names)}.")
    with np.errstate(invalid="ignore"):
        neg = w < 0
    if neg.any():
        idx = np.flatnonzero(neg)
        probs.add(f"Edge {name!r} must be non-negative; {idx.size} edge(s) are negative: "
                  f"{_name_rows(idx, names)}.")


def _name_rows(idx, names) -> str:
    shown = [repr(names[i]) for i in idx[:10]]
    return ", ".join(shown) + (f" and {len(idx) - 10} more" if len(idx) > 10 else "")


def _dedupe_edges(u, v, w, ln, ow):
    """Keep the fastest of parallel segments (same ends and direction; two-way ones unordered)."""
    if len(u) < 2:
        return u, v, w, ln, ow
    a = np.where(ow, u, np.minimum(u, v))
    b = np.where(ow, v, np.maximum(u, v))
    order = np.lexsort((w, ow, b, a))
    a2, b2, o2 = a[order], b[order], ow[order]
    first = np.ones(len(a2), dtype=bool)
    first[1:] = (a2[1:] != a2[:-1]) | (b2[1:] != b2[:-1]) | (o2[1:] != o2[:-1])
    if first.all():
        return u, v, w, ln, ow
    sel = np.sort(order[first])
    return (u[sel], v[sel], w[sel], None if ln is None else ln[sel], ow[sel])


def _node_coords(G, node_list, x, y, probs):
    if not node_list:
        return None
    xs = np.full(len(node_list), np.nan)
    ys = np.full(len(node_list), np.nan)
    seen = 0
    bad = []
    for i, nd in enumerate(node_list):
        d = G.nodes[nd]
        if x in d or y in d:
            seen += 1
            try:
                xs[i] = _to_float(d.get(x))
                ys[i] = _to_float(d.get(y))
            except (TypeError, ValueError):
                bad.append(i)
    if seen == 0:
        return None
    miss = np.flatnonzero(~(np.isfinite(xs) & np.isfinite(ys)))
    if miss.size:
        probs.add(f"Nodes {describe_positions(miss, node_list)} lack numeric coordinates "
                  f"{x!r}/{y!r} ({miss.size} of {len(node_list)} nodes); give every node both or none.")
    return np.column_stack([xs, ys])


def _as_label_query(values) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    if np.ndim(values) == 0 and not isinstance(values, (list, tuple)):
        values = [values]
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64).ravel()
    out = np.empty(len(arr), dtype=object)
    out[:] = [v.item() if isinstance(v, np.generic) else v for v in list(arr)]
    return out


def _harmonise_labels(su, sv, labels):
    """Make edge-end labels and node labels the same kind (ints vs text)."""
    def is_int(a):
        return a.dtype.kind in "iu"

    if is_int(labels) and not (is_int(su) and is_int(sv)):
        try:
            su = np.asarray([int(s) for s in su], dtype=np.int64)
            sv = np.asarray([int(s) for s in sv], dtype=np.int64)
        except (TypeError, ValueError):
            labels = _label_array(np.asarray([str(v) for v in labels], dtype=object))
    elif not is_int(labels) and (is_int(su) or is_int(sv)):
        su = _label_array(np.asarray([str(v) for v in su], dtype=object)) if is_int(su) else su
        sv = _label_array(np.asarray([str(v) for v in sv], dtype=object)) if is_int(sv) else sv
    return su, sv, labels


def _bucket_width(weights: np.ndarray) -> tuple[float, int]:
    """Bucket width (the median positive arc weight) and circular bucket count for the kernels.

    Any width gives exact results (the kernel is label-correcting); the median keeps buckets
    few and re-labelling rare. The width is at least 1e-4 of the longest arc, so at most
    10,002 buckets are kept and empty ones are few to scan.
    """
    pos = weights[weights > 0]
    if pos.size == 0:
        return 1.0, 2
    wmax = float(pos.max())
    # no path is longer than the sum of all weights: keep its bucket number within int64
    delta = max(float(np.median(pos)), wmax * 1e-4, float(pos.sum()) * 2.0 ** -60)
    return delta, int(wmax // delta) + 2


_KERNEL_LOCK = threading.Lock()
_LAYER: list = []


def _run_kernel(kernel, *args):
    """Call a parallel kernel; serialise calls when numba's only threading layer is
    ``workqueue``, which aborts when two Python threads launch parallel kernels at once (tbb and
    omp are thread-safe)."""
    if _LAYER and _LAYER[0] != "workqueue":
        return kernel(*args)
    with _KERNEL_LOCK:
        out = kernel(*args)
        if not _LAYER:
            try:
                import numba

                _LAYER.append(numba.threading_layer())
            except ValueError:  # pragma: no cover - JIT disabled: no layer chosen
                pass
        return out


def _unique_or_same(pos: np.ndarray):
    """``(pos, None)`` when ``pos`` has no repeats, else ``np.unique(pos, return_inverse=True)``."""
    if len(pos) < 2:
        return pos, None
    seen = np.zeros(int(pos.max()) + 1, dtype=bool)
    seen[pos] = True
    if int(seen.sum()) == len(pos):
        return pos, None
    return np.unique(pos, return_inverse=True)


def _dest_columns(n: int, dst: np.ndarray, removed) -> np.ndarray:
    """Output column of each node (``-1``: not a destination, or destroyed)."""
    dest_col = np.full(n, -1, dtype=np.int64)
    dest_col[dst] = np.arange(len(dst), dtype=np.int64)
    if removed is not None:
        dest_col[removed] = -1
    return dest_col


def _stack_csr(parts: list, n_cols: int):
    """Stack CSR row blocks into one ``csr_array``, freeing each block as it is copied.

    The result's pages are touched block by block while the blocks are released, so the peak
    stays near one result rather than two (``scipy.sparse.vstack`` holds both).
    """
    n_rows = sum(p.shape[0] for p in parts)
    nnz = sum(p.nnz for p in parts)
    # scipy stores int32 indices when they fit: build them so, avoiding a converted copy
    itype = np.int32 if max(nnz, n_cols) < 2 ** 31 - 1 else np.int64
    data = np.empty(nnz, dtype=np.float64)
    indices = np.empty(nnz, dtype=itype)
    indptr = np.zeros(n_rows + 1, dtype=itype)
    r = e = 0
    for k in range(len(parts)):
        p = parts[k]
        parts[k] = None
        data[e:e + p.nnz] = p.data
        indices[e:e + p.nnz] = p.indices
        indptr[r + 1:r + p.shape[0] + 1] = p.indptr[1:] + e
        r += p.shape[0]
        e += p.nnz
        del p
    M = sp.csr_array((data, indices, indptr), shape=(n_rows, n_cols))
    M.has_sorted_indices = True
    return M


def _sparse_block_rows(n_dst: int) -> int:
    return int(max(8, min(1024, 4_000_000 // max(n_dst, 1))))


def _dense_to_csr(D: np.ndarray):
    """CSR of the finite entries of ``D`` (explicit zeros kept)."""
    fin = np.isfinite(D)
    counts = fin.sum(axis=1)
    indptr = np.zeros(D.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    rows, cols = np.nonzero(fin)
    return sp.csr_array((D[rows, cols], cols.astype(np.int64), indptr), shape=D.shape)


def _csr_take_columns(M, cols, n_cols_src):
    """Columns ``cols`` (repeats allowed) of a CSR array, keeping explicit zeros (vectorised)."""
    M = sp.csr_array(M)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.argsort(cols, kind="stable")           # new columns grouped by source column
    counts = np.bincount(cols, minlength=n_cols_src)
    starts = np.zeros(n_cols_src + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    rep = counts[M.indices]                           # copies of each stored entry
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    r_out = np.repeat(rows, rep)
    v_out = np.repeat(M.data, rep)
    first = np.repeat(starts[M.indices], rep)
    offs = np.arange(len(r_out)) - np.repeat(np.cumsum(rep) - rep, rep)
    c_out = order[first + offs]
    o = np.lexsort((c_out, r_out))
    r_out, c_out, v_out = r_out[o], c_out[o], v_out[o]
    indptr = np.zeros(M.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(r_out, minlength=M.shape[0]), out=indptr[1:])
    return sp.csr_array((v_out, c_out.astype(np.int64), indptr), shape=(M.shape[0], len(cols)))
