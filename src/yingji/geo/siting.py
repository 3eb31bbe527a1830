"""A :class:`~yingji.SitingResult` on the map: its open sites, demand rows and assignments.

``SitingResult`` lives in the base layer and works on matrices addressed by position, so it
knows no coordinates; these functions take the located rows and sites (in matrix order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.exceptions import ValidationError
from yingji.geo.features import _xy_of, feature_collection, geodataframe, line_layer, point_layer


def siting_layers(result, demand: pd.DataFrame, sites: pd.DataFrame) -> list:
    """Layers ``site`` (open sites: ``position``, the cost-matrix column), ``demand`` (one row per cost
    matrix row: :meth:`SitingResult.to_frame`) and ``assignment`` (lines row → its site).

    ``demand`` and ``sites`` hold ``x``/``y`` in the order of the cost matrix's rows and
    columns (e.g. ``county.demand`` and ``county.candidates`` the matrix was built from).
    """
    rows = result.to_frame()
    n_rows = len(rows)
    n_cols = len(result.col_ids) if getattr(result, "col_ids", None) is not None else None
    probs = []
    if not isinstance(demand, pd.DataFrame) or len(demand) != n_rows:
        probs.append(f"'demand' must be a DataFrame with x/y and {n_rows} rows (the cost "
                     f"matrix's); got {len(demand) if hasattr(demand, '__len__') else demand!r}")
    need_cols = int(max(result.sites, default=-1)) + 1
    if not isinstance(sites, pd.DataFrame) or len(sites) < need_cols or \
            (n_cols is not None and len(sites) != n_cols):
        probs.append(f"'sites' must be a DataFrame with x/y and one row per cost-matrix column "
                     f"({n_cols if n_cols is not None else f'at least {need_cols}'}); got "
                     f"{len(sites) if hasattr(sites, '__len__') else sites!r}")
    if probs:
        raise ValidationError("siting_geojson: " + "; ".join(probs) + ".")
    dxy, sxy = _xy_of(demand), _xy_of(sites)
    pos = np.asarray(result.sites, dtype=np.int64)
    site_ids = [str(sites.index[p]) for p in pos]
    sp = pd.DataFrame({"position": pos}, index=pd.Index(site_ids, name="id"))
    dem = rows.copy()
    dem.index = pd.Index([str(i) for i in demand.index], name="id")
    a = rows["site"].to_numpy(np.int64)
    ok = a >= 0
    lines = pd.DataFrame({"row": np.flatnonzero(ok), "cost": rows["cost"].to_numpy(float)[ok]},
                         index=pd.Index([f"{dem.index[i]}->{sites.index[a[i]]}" for i in np.flatnonzero(ok)]))
    return [point_layer("site", sp, sxy[pos]), point_layer("demand", dem, dxy),
            line_layer("assignment", lines, dxy[ok], sxy[a[ok]])]


def siting_geojson(result, demand: pd.DataFrame, sites: pd.DataFrame, *, crs) -> dict:
    """RFC 7946 FeatureCollection (lon/lat) of a siting result (see :func:`siting_layers`).

    Parameters
    ----------
    result : yingji.SitingResult
    demand, sites : pandas.DataFrame
        ``x``/``y`` of the cost matrix's rows and columns, in ``crs``.
    crs : str
        CRS of those coordinates (e.g. ``county.meta["crs"]``).

    Examples
    --------
    >>> import numpy as np, pandas as pd, yingji as yj
    >>> cost = np.array([[1.0, 9.0], [9.0, 1.0]])
    >>> r = yj.p_median(cost, 1)
    >>> xy = pd.DataFrame({"x": [500000.0, 501000.0], "y": [3400000.0, 3400000.0]})
    >>> fc = yj.geo.siting_geojson(r, xy, xy, crs="EPSG:4547")
    >>> [f["properties"]["layer"] for f in fc["features"]][:2]
    ['site', 'demand']
    """
    return feature_collection(siting_layers(result, demand, sites), crs, name="SitingResult")


def siting_geodataframe(result, demand: pd.DataFrame, sites: pd.DataFrame, *, crs, to_crs=None):
    """The same layers as a GeoDataFrame (geo extra), in ``to_crs`` (default ``crs``)."""
    return geodataframe(siting_layers(result, demand, sites), crs, to_crs)
