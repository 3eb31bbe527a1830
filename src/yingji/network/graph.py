"""The :class:`Network` class: road segments and nodes as arrays, its constructor and basic
properties.

The class body holds what every part shares (the arrays, node positions, the summary); the
rest is inherited from private mixins, one per concern, each in its own module:
:mod:`~yingji.network.construct` (``from_networkx``, ``from_edges``, ``from_graphml``),
:mod:`~yingji.network.tables` (``to_edges``, ``to_networkx``, ...),
:mod:`~yingji.network.snapping` (``snap``), :mod:`~yingji.network.routing`
(``travel_times``, ``distances``, ``iter_travel_times``), :mod:`~yingji.network.damage`
(``without``), :mod:`~yingji.network.contract` (``simplify``) and
:mod:`~yingji.network.connectivity` (``components``, ``check_connected``, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions
from yingji.exceptions import ValidationError
from yingji.network._checks import _check_weights, _dedupe_selection, _edge_list
from yingji.network._labels import _as_label_query, _label_array
from yingji.network.connectivity import _Connectivity
from yingji.network.construct import _Constructors
from yingji.network.contract import _Contraction
from yingji.network.damage import _Damage
from yingji.network.hours import _class_array, _class_codes, _Hours
from yingji.network.hours import speed_profile as _speed_profile
from yingji.network.routing import _Routing
from yingji.network.snapping import _Snapping
from yingji.network.tables import _Tables

__all__ = ["Network"]


class Network(_Constructors, _Tables, _Snapping, _Routing, _Damage, _Contraction, _Connectivity, _Hours):
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
    road_class : array-like of str, optional
        Road class of each segment (``""`` when unknown), used by ``hour=``
        (:mod:`~yingji.network.hours`).
    speed_profile : DataFrame or dict, optional
        Speed factors by road class and hour (:func:`yingji.network.speed_profile`); default
        :data:`yingji.network.DEFAULT_SPEED_PROFILE`.

    Notes
    -----
    Parallel segments (same ends, same direction) keep the fastest one, as DESIGN.md asks
    (per road class when classes are given: which class is faster can change with the hour;
    the routing graph keeps the fastest arc at every hour).
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
                 crs: str | None = None, warn_disconnected: bool = True, road_class=None,
                 speed_profile=None, _dedupe: bool = True, _removed=None, _index=None):
        self._labels = _label_array(nodes)
        self._index = _index if _index is not None else pd.Index(self._labels, name="node")
        n = len(self._labels)
        u = np.ascontiguousarray(u, dtype=np.int64)
        v = np.ascontiguousarray(v, dtype=np.int64)
        w = np.ascontiguousarray(minutes, dtype=np.float64)
        ln = None if metres is None else np.ascontiguousarray(metres, dtype=np.float64)
        ow = (np.zeros(len(u), dtype=bool) if oneway is None
              else np.ascontiguousarray(oneway, dtype=bool))
        rc = None if road_class is None else _class_array(road_class)
        if _dedupe:
            probs = Problems("Network")
            if not self._index.is_unique:
                dup = self._index[self._index.duplicated()].unique()
                probs.add(f"Node labels must be unique. Duplicated: {describe_positions(range(len(dup)), list(dup))}.")
            if not (len(u) == len(v) == len(w) == len(ow)) or (ln is not None and len(ln) != len(u)) \
                    or (rc is not None and len(rc) != len(u)):
                lens = {"u": len(u), "v": len(v), "minutes": len(w), "oneway": len(ow),
                        **({"metres": len(ln)} if ln is not None else {}),
                        **({"road_class": len(rc)} if rc is not None else {})}
                probs.add("The edge arrays u, v, minutes, metres, oneway and road_class of Network must "
                          f"have the same length. Got lengths {lens} instead.")
            probs.raise_if_any()
            bad = (u < 0) | (u >= n) | (v < 0) | (v >= n)
            if bad.any():
                probs.add(f"Edges {describe_positions(np.flatnonzero(bad))} refer to node positions "
                          f"outside [0, {n}).")
            _check_weights(w, "minutes", probs, self._edge_names(u, v))
            if ln is not None:
                _check_weights(ln, "metres", probs, self._edge_names(u, v))
            probs.raise_if_any()
            sel = _dedupe_selection(u, v, w, ow, None if rc is None else _class_codes(rc))
            if sel is not None:
                u, v, w, ow = u[sel], v[sel], w[sel], ow[sel]
                ln = None if ln is None else ln[sel]
                rc = None if rc is None else rc[sel]
        self._u, self._v, self._w, self._len, self._oneway = u, v, w, ln, ow
        self._class = rc
        self._profile = None if speed_profile is None else _speed_profile(speed_profile, name="speed_profile",
                                                                           func="Network")
        self._hour = None   # the hour of day these minutes are timed at (None: free flow)
        self._base = None   # the free-flow network this one was derived from by at_hour
        self._coords = None if coords is None else np.ascontiguousarray(coords, dtype=np.float64)
        if self._coords is not None and self._coords.shape != (n, 2):
            raise ValidationError(f"coords must have shape ({n}, 2); got {self._coords.shape}.")
        self._removed = _removed  # bool mask of destroyed nodes, or None
        self.crs = crs
        self._cache: dict = {}
        if warn_disconnected and n:
            self._warn_if_disconnected()

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

    def with_coords(self, coords, crs: str | None) -> "Network":
        """The same network with node coordinates ``coords`` (``(n, 2)``) in ``crs``.

        Used when a county given in lon/lat is projected to metres: segments, times, lengths
        and removed nodes are shared, not copied; only the snapping index is rebuilt.
        """
        coords = np.ascontiguousarray(coords, dtype=np.float64)
        if coords.shape != (self.n_nodes, 2):
            raise ValidationError(f"The 'coords' parameter of Network.with_coords must have shape "
                                  f"({self.n_nodes}, 2). Got {coords.shape} instead.")
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._coords, new.crs = coords, crs
        new._cache = {k: v for k, v in self._cache.items() if k != "tree"}
        return new

    def service_areas(self, sources, minutes: float, **kw):
        """Service areas (isochrones along the roads) and districts of ``sources`` as polygons.

        The same as :func:`yingji.geo.service_areas` on this network (``sources``: node labels,
        or id -> node label; ``minutes``; ``buffer_m``, ``districts``, ``crs``); needs the geo
        extra (shapely).

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 1.0]})
        >>> nodes = pd.DataFrame({"x": [0.0, 1000.0, 2000.0], "y": [0.0, 0.0, 0.0]})
        >>> net = yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547")
        >>> int(net.service_areas([0], minutes=1.0, buffer_m=10).areas.loc["0", "reached_nodes"])
        2
        """
        from yingji.geo.service_areas import service_areas

        return service_areas(self, sources, minutes, **kw)

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

    def _edge_names(self, u, v):
        return _edge_list(self._labels, u, v)
