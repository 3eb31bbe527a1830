"""A :class:`~yingji.network.Network` written out: edge and node tables, a dict for JSON, a
networkx graph, GraphML (methods of the private mixin ``_Tables``, which ``Network`` inherits)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.results import to_jsonable


class _Tables:
    """``Network.to_edges``, ``to_nodes``, ``to_frames``, ``to_dict``, ``to_networkx``, ``to_graphml``."""

    def to_edges(self) -> pd.DataFrame:
        """Edge table: ``u``, ``v`` (labels), ``minutes``, ``metres`` (if any), ``oneway``,
        ``road_class`` (if any).

        ``Network.from_edges(net.to_edges(), nodes=net.to_nodes())`` rebuilds the network.
        """
        data = {"u": self._labels[self._u], "v": self._labels[self._v], "minutes": self._w}
        if self._len is not None:
            data["metres"] = self._len
        data["oneway"] = self._oneway.copy()
        if self._class is not None:
            data["road_class"] = self._class.copy()
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
            if self._class is not None and self._class[k]:
                d["highway"] = self._class[k]
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
