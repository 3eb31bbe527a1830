"""Checks of segment arrays shared by the constructors: edge names for messages, NaN and
negative weights, node coordinates of a networkx graph, and parallel segments (the fastest
kept)."""

from __future__ import annotations

import numpy as np

from yingji._validation import Problems, describe_positions
from yingji.network._labels import _to_float


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
                  f"{_name_rows(idx, names)} (got {', '.join(f'{x:g}' for x in w[idx[:3]])}).")


def _name_rows(idx, names) -> str:
    shown = [repr(names[i]) for i in idx[:10]]
    return ", ".join(shown) + (f" and {len(idx) - 10} more" if len(idx) > 10 else "")


def _dedupe_selection(u, v, w, ow, group=None):
    """Positions of the segments kept when parallel ones (same ends and direction; two-way ones
    unordered) keep the fastest, sorted; None when all are kept. With ``group`` (e.g. road-class
    codes), only segments of the same group are parallel: which of two classes is faster can
    change with the hour, and the routing graph keeps the fastest arc anyway."""
    if len(u) < 2:
        return None
    a = np.where(ow, u, np.minimum(u, v))
    b = np.where(ow, v, np.maximum(u, v))
    g = np.zeros(len(u), dtype=np.int64) if group is None else np.asarray(group)
    order = np.lexsort((w, g, ow, b, a))
    a2, b2, o2, g2 = a[order], b[order], ow[order], g[order]
    first = np.ones(len(a2), dtype=bool)
    first[1:] = (a2[1:] != a2[:-1]) | (b2[1:] != b2[:-1]) | (o2[1:] != o2[:-1]) | (g2[1:] != g2[:-1])
    if first.all():
        return None
    return np.sort(order[first])


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
