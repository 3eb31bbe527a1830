"""The county's coordinates: a county given in lon/lat (or any geographic CRS) is projected to a
metric CRS once, in the constructor, and written back in its own CRS by ``save``.

This module is the one place that decides. ``meta["crs"]`` is always the CRS of the ``x``/``y``
the county holds (metres after loading); ``meta["input_crs"]`` keeps the CRS the county was
given in when yingji projected it (``county.toml`` ``crs = "EPSG:4326"``). Whether a CRS is
geographic is decided by one test, :func:`yingji._crs.is_geographic`: the projection here and
the refusal of degree-looking coordinates on a metre network
(:func:`yingji.county.snaplimit.degree_rows`, which runs after the projection and stands aside
for a geographic CRS) both ask it; :func:`declares_degrees` asks it of a county's ``meta``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._crs import is_geographic, metric_crs, transform_xy
from yingji.county.specs import TABLES


def declares_degrees(meta) -> bool:
    """True when the county's declared CRS (``meta["input_crs"]`` or ``meta["crs"]``) is
    geographic, i.e. its ``x``/``y`` were given as lon/lat."""
    meta = meta or {}
    return is_geographic(meta.get("input_crs") or meta.get("crs"))


def _project_county(network, tables: dict, meta: dict, where: dict, rep):
    """Project lon/lat tables and network to metres when ``meta["crs"]`` is geographic.

    Returns ``(network, tables, meta)``; records coordinates outside [-180, 180] × [-90, 90]
    in ``rep`` (naming table, rows and column) and then leaves everything unprojected.
    """
    crs = meta.get("crs")
    try:
        geographic = is_geographic(crs)
    except Exception as exc:  # noqa: BLE001 - pyproj raises its own CRSError for any bad name
        rep.add("county.toml", f"'crs' {crs!r} is not a CRS pyproj knows ({exc})")
        return network, tables, meta
    if not geographic:
        return network, tables, meta
    located = [n for n, spec in TABLES.items() if spec.located and len(tables[n])
               and {"x", "y"} <= set(tables[n].columns)]
    lon, lat = [], []
    for name in located:
        df = tables[name]
        x, y = df["x"].to_numpy(float), df["y"].to_numpy(float)
        _check_degrees(df, x, y, where[name], rep)
        lon.append(x[np.isfinite(x)])
        lat.append(y[np.isfinite(y)])
    net_xy = None
    target = None
    if network is not None and getattr(network, "has_coords", False):
        if network.crs and not is_geographic(network.crs):
            target = str(network.crs)  # already projected (e.g. an OSMnx graph): join it
        else:
            net_xy = network.node_xy()
            nodes = pd.DataFrame(net_xy, columns=["x", "y"], index=network.nodes)
            _check_degrees(nodes, net_xy[:, 0], net_xy[:, 1], "the network's nodes", rep)
            lon.append(net_xy[:, 0])
            lat.append(net_xy[:, 1])
    if len(rep.items):
        return network, tables, meta
    lon = np.concatenate(lon) if lon else np.empty(0)
    lat = np.concatenate(lat) if lat else np.empty(0)
    if target is None:
        if not lon.size:
            return network, tables, meta
        target = metric_crs(float(lon.min() + lon.max()) / 2, float(lat.min() + lat.max()) / 2)
    out = dict(tables)
    for name in located:
        df = out[name].copy()
        df["x"], df["y"] = transform_xy(df["x"].to_numpy(float), df["y"].to_numpy(float), crs,
                                        target, "a county in lon/lat")
        out[name] = df
    if net_xy is not None:
        px, py = transform_xy(net_xy[:, 0], net_xy[:, 1], crs, target, "a county in lon/lat")
        network = network.with_coords(np.column_stack([px, py]), target)
    meta = {**meta, "crs": target, "input_crs": crs}
    return network, out, meta


def _check_degrees(df, x, y, where, rep) -> None:
    bad = (np.abs(x) > 180) | (np.abs(y) > 90)
    if bad.any():
        rows = [str(v) for v in df.index[bad]]
        col = "x" if (np.abs(x) > 180).any() else "y"
        rep.add(where, f"coordinates {float(x[bad][0]):.10g}, {float(y[bad][0]):.10g} are not "
                "longitude/latitude in degrees, but the county declares a geographic crs; "
                "give the projected CRS of these coordinates instead", rows=rows, column=col)


def _output_xy(df: pd.DataFrame, meta) -> pd.DataFrame:
    """A located table (or the node table) with ``x``/``y`` back in the county's input CRS."""
    src = (meta or {}).get("input_crs")
    if not src or not len(df) or not {"x", "y"} <= set(df.columns):
        return df
    out = df.copy()
    out["x"], out["y"] = transform_xy(df["x"].to_numpy(float), df["y"].to_numpy(float),
                                      meta["crs"], src, "writing a county in lon/lat")
    return out


def _output_meta(meta) -> dict:
    """``county.toml`` keys for writing: ``crs`` is the CRS the county was given in."""
    meta = dict(meta)
    src = meta.pop("input_crs", None)
    if src:
        meta["crs"] = src
    return meta
