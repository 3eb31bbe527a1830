"""Damage scenarios: a :class:`~yingji.network.Network` with road segments or junctions destroyed
(``Network.without``) or slowed (``Network.slowed``), methods of the private mixin ``_Damage``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Interval, Problems, check_param, describe_positions
from yingji.network._labels import _as_label_query


class _Damage:
    """``Network.without`` and ``Network.slowed``."""

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
                pairs = [tuple(p) if isinstance(p, (tuple, list, np.ndarray)) else (p,)
                         for p in (edges if np.ndim(edges) else [edges])]
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
        new = type(self).__new__(type(self))
        new._labels, new._index, new._coords, new.crs = self._labels, self._index, self._coords, self.crs
        new._u, new._v, new._w = self._u[keep], self._v[keep], self._w[keep]
        new._len = None if self._len is None else self._len[keep]
        new._oneway = self._oneway[keep]
        new._class = None if self._class is None else self._class[keep]
        new._profile, new._hour, new._base = self._profile, self._hour, None
        new._removed = removed
        new._cache = {}
        if "order" in self._cache:   # any numbering is correct; keep the parent's locality
            new._cache["order"] = self._cache["order"]
        if (removed is None or (self._removed is not None and np.array_equal(removed, self._removed))) \
                and "tree" in self._cache:
            new._cache["tree"] = self._cache["tree"]
        return new

    def slowed(self, factor: float, *, nodes=None, edges=None) -> "Network":
        """The network with some road segments slowed (flood water, debris, a traffic control).

        Parameters
        ----------
        factor : float
            Share of the current speed still driven, in (0, 1]: minutes are divided by it.
        nodes : iterable of node labels, optional
            Segments with **both** ends among these nodes are slowed (the roads inside a zone).
        edges : iterable of (u, v) label pairs, optional
            Segments joining these pairs are slowed (both directions).

        Returns
        -------
        Network
            A new network (road classes, profile and removed nodes kept).

        Raises
        ------
        ValidationError
            A factor outside (0, 1], unknown node labels.

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 2.0]})
        >>> yj.Network.from_edges(df).slowed(0.5, nodes=[1, 2]).travel_times([0], [2]).item()
        5.0
        """
        probs = Problems("Network.slowed")
        f = check_param(probs, "factor", factor,
                        Interval(float, 0, 1, closed="right", text="a float in (0, 1] (share of the speed kept)"))
        probs.raise_if_any()
        hit = np.zeros(self.n_edges, dtype=bool)
        if nodes is not None:
            inside = np.zeros(self.n_nodes, dtype=bool)
            inside[self.positions(list(_as_label_query(nodes)), "nodes", "Network.slowed")] = True
            hit |= inside[self._u] & inside[self._v]
        if edges is not None:
            pairs = [tuple(p) for p in edges]
            if pairs:
                pu = self.positions([p[0] for p in pairs], "edges", "Network.slowed")
                pv = self.positions([p[1] for p in pairs], "edges", "Network.slowed")
                n = np.int64(self.n_nodes)
                key = np.minimum(pu, pv) * n + np.maximum(pu, pv)
                ekey = np.minimum(self._u, self._v) * n + np.maximum(self._u, self._v)
                hit |= np.isin(ekey, key)
        if not hit.any():
            return self
        w = self._w.copy()
        w[hit] = w[hit] / f
        return self._copy_with(_w=w, _base=None)
