"""Contracting chains of pass-through nodes (``Network.simplify``, a method of the private mixin
``_Contraction``, which :class:`~yingji.network.Network` inherits)."""

from __future__ import annotations

import numpy as np

from yingji.network._checks import _dedupe_selection
from yingji.network._labels import _as_label_query
from yingji.network.hours import _class_codes


class _Contraction:
    """``Network.simplify`` and its contraction pass."""

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
        codes = None
        if self._class is not None:   # a chain keeps one road class: nodes where classes change stay
            names, codes = np.unique(self._class.astype(str), return_inverse=True)
            codes = codes.astype(np.int64)
            ends = np.concatenate([u, v])
            cc = np.concatenate([codes, codes])
            lo = np.full(n, np.iinfo(np.int64).max)
            hi = np.full(n, -1)
            np.minimum.at(lo, ends, cc)
            np.maximum.at(hi, ends, cc)
            kept |= (hi >= 0) & (lo != hi)
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
        nc = None
        if codes is not None:   # the same walk again, summing 1 and the class code of each arc
            ac = np.concatenate([codes, codes[two]]).astype(np.float64)
            cnt_w = np.empty(m, dtype=np.float64)
            sum_c = np.empty(m, dtype=np.float64)
            _simplify_chains(indptr, np.ascontiguousarray(dst[order]), np.ones(m),
                             np.ascontiguousarray(ac[order]), np.ascontiguousarray(asym[order]),
                             kept.copy(), np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64),
                             cnt_w, sum_c, np.empty(m, dtype=bool))
            chain_code = np.rint(sum_c[:k] / np.maximum(cnt_w[:k], 1.0)).astype(np.int64)
            nc = names.astype(object)[np.concatenate([codes[kept[u] & kept[v]], chain_code])]
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
        sel = _dedupe_selection(nu, nv, nw, now, None if nc is None else _class_codes(nc))
        u2, v2, w2, l2, o2 = (nu, nv, nw, nl, now) if sel is None else \
            (nu[sel], nv[sel], nw[sel], None if nl is None else nl[sel], now[sel])
        if nc is not None and sel is not None:
            nc = nc[sel]
        new = type(self).__new__(type(self))
        new._labels = self._labels[kept]
        new._index = self._index[kept]
        new._coords = None if self._coords is None else self._coords[kept]
        new.crs = self.crs
        new._u, new._v, new._w, new._len, new._oneway = u2, v2, w2, l2, o2
        new._removed = removed
        new._class = nc
        new._profile, new._hour, new._base = self._profile, self._hour, None
        new._cache = {}
        return new
