"""The county itself on a map: ``County.to_geojson`` and ``County.to_geodataframe``.

The road network (one straight line per segment, node to node, with the edge table's columns:
``minutes``, ``metres``, ``oneway`` and any extra ones such as a road class) and every located
table that has rows (its columns as properties) go through the same builder as the results
(:mod:`yingji.geo.features`), so the file obeys the same rules (RFC 7946 lon/lat, unique ids).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.county.specs import TABLES
from yingji.geo.features import GeoRef, _GeoOut, line_layer, point_layer


class _CountyGeo(_GeoOut):
    """``County.to_geojson`` / ``County.to_geodataframe`` (layers ``road`` and one per located
    table: ``demand``, ``stations``, ``candidates``, ``shelters``, ...)."""

    def _geo_ref(self) -> GeoRef:
        return GeoRef.of(self, tables=False)

    def _geo_layers(self) -> list:
        layers = []
        net = self.network
        if net is not None and getattr(net, "has_coords", False):
            e = net.to_edges()
            a = net.node_xy(e["u"].tolist()) if len(e) else np.empty((0, 2))
            b = net.node_xy(e["v"].tolist()) if len(e) else np.empty((0, 2))
            props = e.reset_index(drop=True)
            props.index = pd.Index([str(k) for k in range(len(props))], name="id")
            layers.append(line_layer("road", props, a, b))
        for name, spec in TABLES.items():
            df = getattr(self, name)
            if not spec.located or not len(df):
                continue
            xy = np.column_stack([pd.to_numeric(df["x"], errors="coerce").to_numpy(float),
                                  pd.to_numeric(df["y"], errors="coerce").to_numpy(float)]) \
                if {"x", "y"} <= set(df.columns) else np.full((len(df), 2), np.nan)
            missing = ~np.isfinite(xy).all(axis=1)
            if missing.any() and "node" in df.columns and net is not None and net.has_coords:
                known = missing & df["node"].isin(net.nodes).to_numpy()
                if known.any():  # a row given by its node only: drawn at the node
                    xy[known] = net.node_xy(df["node"][known].tolist())
            layers.append(point_layer(name, df, xy))
        return layers
