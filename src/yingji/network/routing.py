"""Shortest travel times and distances: origins x destinations matrices, dense or sparse.

The methods of the private mixin ``_Routing`` (which :class:`~yingji.network.Network` inherits)
check the query, build and cache the CSR graphs over a locality-preserving node numbering, and
run the compiled many-source Dijkstra (:mod:`yingji._kernels.paths`) or
:func:`scipy.sparse.csgraph.dijkstra`. The module-level helpers size the buckets, launch the
kernels safely from several threads, and assemble sparse results block by block.
"""

from __future__ import annotations

import threading
from typing import Iterator

import numpy as np
import scipy.sparse as sp

from yingji._validation import Problems
from yingji.config import COVER_TOL
from yingji.exceptions import ValidationError
from yingji.network._labels import _as_label_query


class _Routing:
    """``Network.travel_times``, ``distances``, ``iter_travel_times`` and their machinery."""

    def travel_times(self, origins=None, destinations=None, cutoff: float | None = None, *,
                     sparse: bool = False, method: str = "auto", hour: int | None = None):
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
        method : {"auto", "numba", "scipy", "ch"}
            ``"numba"``: parallel many-source Dijkstra with a bucket queue (Dial's algorithm,
            label-correcting, exact for any bucket width; stops when every destination is
            final or at the cutoff), one thread per block of origins. ``"scipy"``:
            :func:`scipy.sparse.csgraph.dijkstra` with ``limit=cutoff``, zero-minute arcs kept
            exact by the epsilon shift described in Notes. ``"ch"``: a contraction hierarchy
            (built on first use and kept with this network, see :meth:`prepare_ch`) queried by
            PHAST sweeps, 16 origins per sweep, in parallel over blocks of origins; the cost
            per origin is one pass over the network whatever the cutoff. ``"auto"``: ``"ch"``
            when the hierarchy pays (see :meth:`prepare_ch` for the rule), else ``"numba"``.
        hour : int, optional
            Hour of day 0-23: route on :meth:`at_hour` (each segment's minutes divided by the
            speed factor of its road class at that hour). None: the minutes as stored.

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
        if hour is not None:
            return self.at_hour(hour)._paths("travel_times", "time", origins, destinations, cutoff,
                                             sparse, method)
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
                          chunk_size: int = 256, sparse: bool = False, method: str = "auto",
                          hour: int | None = None) -> Iterator[tuple[np.ndarray, object]]:
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
            yield part, self.travel_times(part, destinations, cutoff, sparse=sparse, method=method,
                                          hour=hour)

    def _paths(self, func, kind, origins, destinations, cutoff, sparse, method):
        fname = f"Network.{func}"
        probs = Problems(fname)
        if method not in ("auto", "numba", "scipy", "ch"):
            probs.param("method", "one of 'auto', 'numba', 'scipy', 'ch'", method)
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
        if method == "auto":
            method = self._auto_method(kind, csr, uo, climit, bw)
        if method == "ch":
            bw = self._ch(kind)
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
        elif method == "ch":
            res = _phast_rows(bw, self._order()[0], alive_src, dst, climit)
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
        if method in ("scipy", "ch"):
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

    def prepare_ch(self, *, weight: str = "minutes") -> dict:
        """Build (once) the contraction hierarchy that ``method="ch"`` queries, and describe it.

        The hierarchy is kept with this network: later ``travel_times``/``distances`` calls
        reuse it. A network derived with :meth:`without`, :meth:`slowed` or ``hour=`` is a
        different network and builds its own.

        Parameters
        ----------
        weight : {"minutes", "metres"}
            ``"minutes"``: the travel-time graph (one-way streets driven one way) used by
            :meth:`travel_times`; ``"metres"``: the length graph of :meth:`distances`.

        Returns
        -------
        dict
            ``build_seconds`` (wall-clock seconds of the first build; later calls return the
            same dict), ``nodes``, ``arcs`` (of the graph), ``shortcuts`` (added by the
            contraction), ``upward_arcs`` and ``downward_arcs`` (of the query graphs).

        Notes
        -----
        Contraction by edge difference, contracted neighbours and level with lazy updates and
        witness searches of at most 100 settled nodes (Geisberger et al. 2008); queries by
        PHAST (Delling et al. 2011): an upward search from each origin, then one sweep over
        the nodes in descending rank, 16 origins per sweep. Results equal Dijkstra's up to
        rounding (sums taken in another order: differences of a few ulps, far below 1e-9
        minutes), with the same ``inf`` and cutoff semantics. On the 100,000-node benchmark
        grid the build cost about as much CPU as 1,000-1,300 one-to-all Dijkstra searches; see
        ``docs/network.md`` for the measured figures and the break-even of ``method="auto"``:
        it uses the hierarchy when one is already built and the searches would reach at least
        :data:`CH_MIN_REACH` of the network, or when none is built and the origins times that
        reach exceed :data:`CH_BUILD_ORIGINS` (on networks of at least 1,000 nodes).

        References
        ----------
        .. [1] R. Geisberger, P. Sanders, D. Schultes and D. Delling, "Contraction hierarchies:
           faster and simpler hierarchical routing in road networks", WEA 2008, LNCS 5038.
        .. [2] D. Delling, A. V. Goldberg, A. Nowatzyk and R. F. Werneck, "PHAST:
           hardware-accelerated shortest path trees", J. Parallel Distrib. Comput. 73(7) (2013).

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 0], "minutes": [4.0, 6.0, 1.0]})
        >>> net = yj.Network.from_edges(df, directed=True)
        >>> net.prepare_ch()["nodes"]
        3
        >>> net.travel_times([0, 2], method="ch").tolist()
        [[0.0, 4.0, 10.0], [1.0, 5.0, 0.0]]
        """
        if weight not in ("minutes", "metres"):
            raise ValidationError(f"The 'weight' parameter of Network.prepare_ch must be one of "
                                  f"'minutes', 'metres'. Got {weight!r} instead.")
        if weight == "metres" and self._len is None:
            raise ValidationError("Network.prepare_ch(weight='metres') needs segment lengths "
                                  "(metres), and this network has none.")
        return dict(self._ch("time" if weight == "minutes" else "length")["info"])

    def _ch(self, kind: str) -> dict:
        """Cached contraction hierarchy and PHAST query graphs of the ``kind`` graph."""
        key = "ch_" + kind
        if key not in self._cache:
            import time

            from yingji._kernels.ch import _ch_contract, _ch_query_graphs

            indptr, indices, weights = self._csr(kind)
            n = self.n_nodes
            t0 = time.perf_counter()
            rank, ef, et, ew, n_short = _ch_contract(n, indptr, indices, weights, CH_SETTLE_LIMIT)
            graphs = _ch_query_graphs(n, rank, ef, et, ew)
            secs = time.perf_counter() - t0
            info = {"build_seconds": secs, "nodes": n, "arcs": int(len(indices)),
                    "shortcuts": int(n_short), "upward_arcs": int(len(graphs[2])),
                    "downward_arcs": int(len(graphs[5]))}
            self._cache[key] = {"graphs": tuple(graphs), "info": info}
        return self._cache[key]

    def _auto_method(self, kind, csr, src, climit, bw) -> str:
        """``"ch"`` or ``"numba"`` for ``method="auto"`` (rule in :meth:`prepare_ch`)."""
        n = self.n_nodes
        if n < 1000 or len(src) < 16:
            return "numba"
        built = ("ch_" + kind) in self._cache
        if np.isfinite(climit):
            reach = self._reach_share(csr, src, climit, bw)
        else:
            reach = 1.0
        if built:
            return "ch" if reach >= CH_MIN_REACH else "numba"
        return "ch" if len(src) * reach >= CH_BUILD_ORIGINS else "numba"

    def _reach_share(self, csr, src, climit, bw) -> float:
        """Mean share of the nodes a cutoff search reaches, probed from 4 of the origins."""
        from yingji._kernels.paths import _multi_source_dijkstra_sparse

        indptr, indices, weights = csr
        n = self.n_nodes
        rank = self._order()[0]
        pick = src[np.linspace(0, len(src) - 1, 4).astype(np.int64)]
        if self._removed is not None:
            pick = pick[~self._removed[pick]]
        if len(pick) == 0:
            return 0.0
        dest_col = np.arange(n, dtype=np.int64)
        vals = np.empty((len(pick), n))
        cols = np.empty((len(pick), n), dtype=np.int64)
        counts = np.zeros(len(pick), dtype=np.int64)
        delta, n_buckets = bw
        _run_kernel(_multi_source_dijkstra_sparse, indptr, indices, weights, rank[pick], dest_col,
                    n, climit, delta, n_buckets, 1, vals, cols, counts)
        return float(counts.mean()) / n

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


# ---------------------------------------------------------------------- helpers
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


#: Witness searches of the contraction settle at most this many nodes (:meth:`prepare_ch`).
CH_SETTLE_LIMIT = 100
#: Origins sharing one PHAST sweep.
CH_SWEEP_ORIGINS = 16
#: ``method="auto"`` with a hierarchy already built: use it when a cutoff search would reach
#: at least this share of the nodes (measured break-even, docs/network.md).
CH_MIN_REACH = 0.2
#: ``method="auto"`` without a hierarchy: build one when origins x reached share exceeds this
#: (the build costs about as much as this many one-to-all Dijkstra searches, docs/network.md).
CH_BUILD_ORIGINS = 1300


def _phast_rows(ch: dict, rank: np.ndarray, src: np.ndarray, dst: np.ndarray,
                climit: float) -> np.ndarray:
    """Dense ``len(src) x len(dst)`` distances by PHAST (positions in, ``inf`` beyond
    ``climit``)."""
    from numba import get_num_threads

    from yingji._kernels.ch import _phast_many

    res = np.empty((len(src), len(dst)))
    if len(src) == 0 or len(dst) == 0:
        return res
    n = len(rank)
    K = CH_SWEEP_ORIGINS
    n_groups = -(-len(src) // K)
    # one label block of n x K per chunk; keep them within ~1 GB together
    n_chunks = max(1, min(n_groups, get_num_threads(), int(2 ** 30 // max(n * K * 8, 1))))
    _run_kernel(_phast_many, *ch["graphs"], rank[src], rank[dst], climit, K, n_chunks, res)
    return res


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
