"""Whether a :class:`~yingji.network.Network` is in one piece: component labels, the component
table, which points sit outside the largest component, the largest component itself
(methods of the private mixin ``_Connectivity``, which ``Network`` inherits)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._validation import describe_positions
from yingji.exceptions import DisconnectedNetworkWarning, ValidationError


class _Connectivity:
    """``Network.component_labels``, ``components``, ``check_connected``, ``largest_component``."""

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
        return type(self)(self._labels[keep_nodes], newpos[self._u[ek]], newpos[self._v[ek]],
                          self._w[ek], None if self._len is None else self._len[ek], self._oneway[ek],
                          None if self._coords is None else self._coords[keep_nodes], crs=self.crs,
                          warn_disconnected=False, _dedupe=False,
                          road_class=None if self._class is None else self._class[ek])._keep_timing(self)

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
