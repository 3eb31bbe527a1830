"""The county's road network as tables: edges and nodes of a
:class:`~yingji.network.Network` and back, the kind of its node labels, labels read from text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.exceptions import ValidationError


def _network_frames(net) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """(edges, nodes, directed) of a Network: edges u, v, minutes[, metres], oneway."""
    edges, nodes = net.to_frames()
    return edges, nodes, bool(net.directed)


def _node_kind(net) -> str:
    if net is None:
        return "label_str"
    ids = net.node_ids
    if ids.dtype.kind in "iu":
        return "label_int"
    if len(ids) and all(isinstance(v, (int, np.integer)) for v in ids):
        return "label_int"
    return "label_str"


def _network_from_frames(edges: pd.DataFrame, nodes: pd.DataFrame | None, directed: bool,
                         crs=None):
    from yingji.network import Network

    length = "metres" if "metres" in edges.columns else None
    return Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes",
                              directed=directed, length=length, crs=crs or None,
                              warn_disconnected=False)


def _labels_from_text(values: list[str]) -> list:
    """Node labels read from text: ints when every label is an integer literal."""
    try:
        out = [int(v) for v in values]
    except (TypeError, ValueError):
        return list(values)
    if all(str(o) == str(v).strip() for o, v in zip(out, values)):
        return out
    return list(values)


def _network_from_tables(edges: pd.DataFrame, nodes, where: str, rep, directed: bool, crs):
    """The road network from its edge table (``u``, ``v``, ``minutes``[, ``metres``, ``oneway``])
    and node table (indexed by id: ``x``, ``y``) read from a file or a sheet named ``where``."""
    for c in ("u", "v"):
        if edges[c].dtype.kind not in "iu":
            edges[c] = _labels_from_text([str(v) for v in edges[c]])
    try:
        return _network_from_frames(edges, nodes, directed, crs)
    except ValidationError as exc:
        rep.add(where, str(exc))
        return None
