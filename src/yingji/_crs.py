"""Coordinates: great-circle lengths and lon/lat → metres (network · county layer, private).

Used by :mod:`yingji.network` (an unprojected OSMnx graph) and :mod:`yingji.osm` (raw OSM
extracts). pyproj is used when installed (the ``geo`` extra); otherwise an equirectangular
projection about the extract's centre.
"""

from __future__ import annotations

import math

import numpy as np

#: Mean Earth radius, metres (IUGG).
EARTH_RADIUS_M = 6_371_008.8


def _haversine(lon1, lat1, lon2, lat2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _project(lon, lat, crs):
    lon0, lat0 = float(np.mean([lon.min(), lon.max()])), float(np.mean([lat.min(), lat.max()]))
    if crs is None:
        try:
            import pyproj  # optional: geopandas pulls it in

            zone = int((lon0 + 180) // 6) + 1
            crs = f"EPSG:{32600 + zone if lat0 >= 0 else 32700 + zone}"
        except ImportError:
            pyproj = None
    else:
        import pyproj
    if crs is not None:
        tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x, y = tr.transform(lon, lat)
        return np.column_stack([x, y]), str(crs)
    x = EARTH_RADIUS_M * np.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_M * np.radians(lat - lat0)
    proj = (f"+proj=eqc +lat_ts={lat0:.7f} +lat_0={lat0:.7f} +lon_0={lon0:.7f} "
            f"+R={EARTH_RADIUS_M} +units=m +no_defs")
    return np.column_stack([x, y]), proj
