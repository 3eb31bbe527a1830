"""Building a :class:`~yingji.network.Network` from a networkx graph, an edge table or GraphML.

The classmethods live on the private mixin ``_Constructors``, which ``Network`` inherits;
they check their input (naming the edges, rows and nodes at fault) and call the constructor
with arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yingji._crs import _project
from yingji._validation import Problems, describe_positions
from yingji.exceptions import ValidationError
from yingji.network._checks import _check_weights, _edge_list, _node_coords
from yingji.network._labels import (_harmonise_labels, _is_lonlat, _label_array,
                                    _labels_from_column, _to_float)
from yingji.network.speeds import _UNITS_TO_MIN, edge_minutes


class _Constructors:
    """``Network.from_networkx``, ``from_edges`` and ``from_graphml`` (mixed into ``Network``)."""

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
        if not (hasattr(G, "nodes") and hasattr(G, "edges") and hasattr(G, "is_directed")):
            probs.param("G", "a networkx graph (Graph, DiGraph, MultiGraph or MultiDiGraph); for "
                        "an edge table use Network.from_edges", type(G).__name__)
            probs.raise_if_any()
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
        classes: list = []
        bad_value: list = []
        unread = np.zeros(m, dtype=bool)  # times not read (reported already): skip NaN checks
        for k, (a, b, d) in enumerate(G.edges(data=True)):
            uu[k] = pos[a]
            vv[k] = pos[b]
            classes.append(_first_class(d.get("highway")))
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
                   warn_disconnected=warn_disconnected,
                   road_class=classes if any(classes) else None)

    @classmethod
    def from_edges(cls, df: pd.DataFrame, source: str = "u", target: str = "v",
                   weight: str = "minutes", directed: bool = False, length: str | None = "metres",
                   unit: str = "min", *, nodes: pd.DataFrame | None = None,
                   oneway: str | None = "oneway", x: str = "x", y: str = "y",
                   node_id: str | None = None, crs: str | None = None,
                   warn_disconnected: bool = True, road_class: str | None = "road_class") -> "Network":
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
        road_class : str or None
            Column with each segment's road class (used by ``hour=``; see
            :mod:`yingji.network.hours`), read when present.

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
        rc = df[road_class].tolist() if road_class is not None and road_class in df.columns else None
        return cls(labels, pu, pv, w, ln, ow, coords, crs=crs, warn_disconnected=warn_disconnected,
                   road_class=rc)

    @classmethod
    def from_graphml(cls, path, weight: str = "travel_time", unit: str = "s", *,
                     node_type=None, **kwargs) -> "Network":
        """Network from a GraphML file (read with :func:`networkx.read_graphml`).

        Node ids that are all integer literals become ints (as OSMnx's ``load_graphml`` does)
        unless ``node_type`` is given. Other keyword arguments go to :meth:`from_networkx`.
        Files written by :meth:`to_graphml` read back with ``weight="minutes", unit="min"``.

        Raises
        ------
        ValidationError
            The file does not exist or is not GraphML (naming the path and the parser's
            message), or anything :meth:`from_networkx` refuses.
        """
        import xml.etree.ElementTree as ET

        import networkx as nx

        p = Path(path) if isinstance(path, (str, Path)) else None
        if p is not None and not p.is_file():
            raise ValidationError(f"The 'path' parameter of Network.from_graphml must be an existing "
                                  f"GraphML file. Got {str(path)!r} instead, "
                                  f"{'a folder' if p.is_dir() else 'which does not exist'}.")
        try:
            G = nx.read_graphml(path, node_type=node_type or str)
        except (ET.ParseError, nx.NetworkXError, KeyError, ValueError, TypeError,
                UnicodeDecodeError) as exc:
            raise ValidationError(f"The 'path' parameter of Network.from_graphml must be a GraphML "
                                  f"file. {str(path)!r} cannot be read as one "
                                  f"({type(exc).__name__}: {exc}).") from None
        if node_type is None:
            try:
                ints = {n: int(n) for n in G.nodes}
                if all(str(v) == n for n, v in ints.items()):
                    G = nx.relabel_nodes(G, ints)
            except (TypeError, ValueError):
                pass
        return cls.from_networkx(G, weight=weight, unit=unit, **kwargs)


def _first_class(highway) -> str:
    """The road class of an OSMnx ``highway`` value (the first of a list; ``""`` when none)."""
    if highway is None:
        return ""
    if isinstance(highway, (list, tuple, np.ndarray)):
        return _first_class(highway[0]) if len(highway) else ""
    s = str(highway).strip()
    if s.startswith("[") and s.endswith("]"):
        parts = [p.strip(" '\"") for p in s[1:-1].split(",")]
        return parts[0] if parts else ""
    return s
