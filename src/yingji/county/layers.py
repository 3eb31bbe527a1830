"""Located tables from GIS layers: GeoPackage, Shapefile or GeoJSON (read with geopandas, the
``geo`` extra).

In a county folder, a table with no CSV is read from ``<table>.gpkg``, ``<table>.geojson`` or
``<table>.shp`` when one exists, or from the file (and layer) named under ``[layers]`` in
``county.toml``::

    [layers]
    demand = { file = "villages.gpkg", layer = "村" }
    shelters = "shelters.geojson"

Points give ``x``/``y``; polygons give the ``x``/``y`` of their centroid and, where the layer
has no ``area_m2`` value, their area in m² (both computed in a metric CRS: the layer's own if
projected, else the one :func:`yingji._crs.metric_crs` picks). The other attributes are the
table's columns (an ``id`` attribute gives the ids). Coordinates are written in the county's
CRS (``crs`` in ``county.toml``; the layer's CRS when the county names none). Problems name the
layer, the row (id) and the column, as for CSV files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from yingji._crs import is_geographic, metric_crs, transform_xy
from yingji._optional import need

#: Suffixes looked for, in this order, for a table with no CSV.
LAYER_SUFFIXES = (".gpkg", ".geojson", ".shp")


def find_layers(folder: Path, cfg: Mapping, names, rep) -> dict:
    """``{table: (path, layer or None)}`` for the tables in ``names`` read from GIS layers."""
    out = {}
    for name, entry in (cfg or {}).items():
        where = "county.toml [layers]"
        if name not in names:
            rep.add(where, f"{name!r} is not a located table; expected one of {sorted(names)}")
            continue
        if isinstance(entry, str):
            path, layer = folder / entry, None
        elif isinstance(entry, Mapping) and isinstance(entry.get("file"), str):
            path, layer = folder / entry["file"], entry.get("layer")
        else:
            rep.add(where, f"{name!r} must be a file name or {{ file = ..., layer = ... }}; "
                    f"got {entry!r}")
            continue
        if not path.exists():
            rep.add(where, f"{name!r}: no file {path.name!r} in the folder")
            continue
        out[name] = (path, None if layer is None else str(layer))
    for name in names:
        if name in out or (folder / f"{name}.csv").exists():
            continue
        for suf in LAYER_SUFFIXES:
            if (folder / f"{name}{suf}").exists():
                out[name] = (folder / f"{name}{suf}", None)
                break
    return out


def read_layer(path: Path, layer, crs, rep, known=()):
    """One GIS layer as a table (``x``/``y`` in ``crs``; ``area_m2`` from polygons).

    ``known`` column names cut to the 10 characters a Shapefile (dBASE) keeps
    (``station_cl``) get their full name back.

    Returns ``(DataFrame or None, where, crs)``: ``crs`` is the layer's own when ``crs`` was
    None. Problems go to ``rep``.
    """
    gpd = need("geopandas", f"Reading {path.name}")
    where = f"layer {layer or path.stem!r} of {path.name}"
    try:
        gdf = gpd.read_file(path, layer=layer) if layer is not None else gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - GDAL/pyogrio errors of any kind
        rep.add(where, f"cannot be read as a GIS layer ({type(exc).__name__}: {exc})")
        return None, where, crs
    own = gdf.crs.to_string() if gdf.crs is not None else None
    if crs is None:
        crs = own
    elif own is not None and len(gdf):
        gdf = gdf.to_crs(crs)
    ids = (gdf["id"].astype(str).tolist() if "id" in gdf.columns
           else [f"#{i}" for i in range(len(gdf))])
    geom = gdf.geometry
    kinds = np.array([None if g is None or g.is_empty else g.geom_type for g in geom], dtype=object)
    none = np.array([k is None for k in kinds])
    pts = np.isin(kinds, ["Point"])
    polys = np.isin(kinds, ["Polygon", "MultiPolygon"])
    other = ~(none | pts | polys)
    if none.any():
        rep.add(where, "no geometry", rows=[ids[i] for i in np.flatnonzero(none)], column="geometry")
    if other.any():
        got = sorted(set(kinds[other]))
        rep.add(where, f"geometry {', '.join(got)}; expected points or polygons",
                rows=[ids[i] for i in np.flatnonzero(other)], column="geometry")
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    if pts.any():
        x[pts] = geom[pts].x.to_numpy(float)
        y[pts] = geom[pts].y.to_numpy(float)
    area = np.full(len(gdf), np.nan)
    if polys.any():
        x[polys], y[polys], area[polys] = _centroids(geom[polys], crs)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    cut = {c[:10]: c for c in known if len(c) > 10 and c not in df.columns and c[:10] in df.columns}
    df = df.rename(columns=cut)
    df["x"], df["y"] = x, y
    if polys.any():
        given = pd.to_numeric(df["area_m2"], errors="coerce").to_numpy(float) \
            if "area_m2" in df.columns else np.full(len(df), np.nan)
        df["area_m2"] = np.where(np.isnan(given) & polys, area, given)
    return df, where, crs


def _centroids(geom, crs):
    """Centroid (in ``crs``) and area (m²) of polygons, both from a metric CRS."""
    if crs is None:  # no CRS anywhere: coordinates taken as metres, as in a CSV
        c = geom.centroid
        return c.x.to_numpy(float), c.y.to_numpy(float), geom.area.to_numpy(float)
    if is_geographic(crs):
        b = geom.total_bounds
        work = metric_crs((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        g = geom.set_crs(crs, allow_override=True).to_crs(work)
    else:
        work, g = crs, geom
    c = g.centroid
    cx, cy = transform_xy(c.x.to_numpy(float), c.y.to_numpy(float), work, crs)
    return cx, cy, g.area.to_numpy(float)
