"""GeoJSON features and GeoDataFrames of located results: the one builder every result calls.

A result that knows where its rows are carries a :class:`GeoRef` (the CRS of its ``x``/``y``,
the county's own CRS and the coordinates of the located tables it refers to) and lists its
layers (:class:`GeoLayer`: a name, a table of properties indexed by id, and points, lines or
shapely geometries). :class:`_GeoOut`, inherited by the results, turns them into an RFC 7946
FeatureCollection (WGS 84 lon/lat, polygons wound by the right-hand rule) or a GeoDataFrame.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from yingji._optional import need
from yingji._crs import GEOJSON_CRS, _pyproj, to_lonlat
from yingji.exceptions import ValidationError
from yingji.geo.polygons import voronoi_districts

#: Decimal places of the lon/lat written to GeoJSON (1e-7 degree is about 1 cm; RFC 7946, 11.2).
LONLAT_DECIMALS = 7


@dataclass(frozen=True)
class GeoRef:
    """Where a result's rows are: the CRS of ``x``/``y`` and the located tables by name.

    Attributes
    ----------
    crs : str or None
        CRS of every ``x``/``y`` here (the county's working, metric CRS).
    out_crs : str or None
        The CRS the county was given in (``meta["input_crs"]``, else ``crs``): the default
        of :meth:`_GeoOut.to_geodataframe`.
    points : dict of str to pandas.DataFrame
        Table name -> ``x``, ``y`` indexed by string id.
    network : yingji.Network or None
        The road network, kept only by :class:`~yingji.geo.ServiceAreas` (results pickled to
        another process stay small: :meth:`of` reads node positions and keeps none).
    """

    crs: str | None
    out_crs: str | None = None
    points: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    network: object = None

    @classmethod
    def of(cls, county=None, *, network=None, crs=None, tables: bool = True, **frames) -> "GeoRef":
        """The GeoRef of ``county`` (any may be None), with ``frames`` (name -> located table
        holding ``x``/``y`` or ``node``) replacing the county's tables of the same name;
        ``tables=False`` keeps only ``frames`` (for results whose tables carry ``x``/``y``)."""
        meta = getattr(county, "meta", None) or {}
        net = network if network is not None else getattr(county, "network", None)
        crs = crs or meta.get("crs") or getattr(net, "crs", None) or None
        out = meta.get("input_crs") or crs
        if county is not None and not meta:
            return cls(crs=crs, out_crs=out, network=net)  # not a County (e.g. a path)
        pts = {}
        tables = dict(getattr(county, "tables", {}) or {}) if tables else {}
        tables.update({k: v for k, v in frames.items() if v is not None})
        for name, df in tables.items():
            xy = _frame_xy(df, net)
            if xy is not None:
                pts[name] = xy
        return cls(crs=crs, out_crs=out, points=pts)  # positions read: no network kept

    def xy(self, name: str, ids) -> np.ndarray:
        """``(k, 2)`` coordinates of ``ids`` in table ``name``; NaN where unknown."""
        ids = [str(i) for i in ids]
        df = self.points.get(name)
        if df is None:
            return np.full((len(ids), 2), np.nan)
        return df.reindex(ids)[["x", "y"]].to_numpy(float)


def _frame_xy(df, net) -> pd.DataFrame | None:
    if not isinstance(df, pd.DataFrame) or not len(df):
        return None
    idx = pd.Index([str(i) for i in df.index])
    if {"x", "y"} <= set(df.columns):
        out = pd.DataFrame({"x": pd.to_numeric(df["x"], errors="coerce").to_numpy(float),
                            "y": pd.to_numeric(df["y"], errors="coerce").to_numpy(float)}, index=idx)
        if out.notna().all(axis=None) or "node" not in df.columns:
            return out
    if "node" in df.columns and net is not None and getattr(net, "has_coords", False):
        known = df["node"].isin(net.nodes)
        xy = np.full((len(df), 2), np.nan)
        if known.any():
            xy[known.to_numpy()] = net.node_xy(df["node"][known].tolist())
        return pd.DataFrame(xy, columns=["x", "y"], index=idx)
    return None


class GeoLayer(NamedTuple):
    """One layer of a result: ``props`` (one row per feature, index = feature id) and its
    geometry: an ``(k, 2)`` array of points, a ``(k, 2, 2)`` array of straight lines (from, to)
    or a list of k shapely geometries (None for none), all in the GeoRef's ``crs``."""

    name: str
    props: pd.DataFrame
    geometry: object


def _jsonable(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (str, int)):
        return v
    return str(v)


def _round(a):
    return np.round(np.asarray(a, dtype=float), LONLAT_DECIMALS)


def _lonlat_transformer(crs):
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        to_lonlat([], [], crs)  # raises the ValidationError naming the missing CRS
    return _pyproj("writing GeoJSON").Transformer.from_crs(crs, GEOJSON_CRS, always_xy=True)


def _shape_geojson(g, tr):
    """A shapely geometry (metric CRS) as a GeoJSON geometry dict in lon/lat, polygons valid
    and wound by the right-hand rule (exterior counter-clockwise)."""
    import shapely
    from shapely.geometry import mapping
    from shapely.geometry.polygon import orient

    if g is None or g.is_empty:
        return None
    g = shapely.transform(g, lambda c: _round(np.column_stack(tr.transform(c[:, 0], c[:, 1]))))
    if not g.is_valid:
        g = shapely.make_valid(g)
    if g.geom_type == "GeometryCollection":
        polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            return None
        g = shapely.union_all(polys)
    if g.geom_type == "Polygon":
        g = orient(g, 1.0)
    elif g.geom_type == "MultiPolygon":
        g = shapely.MultiPolygon([orient(p, 1.0) for p in g.geoms])
    return json.loads(json.dumps(mapping(g)))


def _layer_geometries(layer: GeoLayer, tr) -> list:
    geom = layer.geometry
    k = len(layer.props)
    if isinstance(geom, np.ndarray) and geom.ndim == 2:
        lon, lat = tr.transform(geom[:, 0], geom[:, 1]) if k else ([], [])
        lon, lat = _round(lon), _round(lat)
        return [({"type": "Point", "coordinates": [float(a), float(b)]}
                 if math.isfinite(a) and math.isfinite(b) else None) for a, b in zip(lon, lat)]
    if isinstance(geom, np.ndarray) and geom.ndim == 3:
        flat = geom.reshape(-1, 2)
        lon, lat = tr.transform(flat[:, 0], flat[:, 1]) if k else ([], [])
        ll = np.column_stack([_round(lon), _round(lat)]).reshape(-1, 2, 2) if k else geom
        out = []
        for seg in ll:
            if np.isfinite(seg).all() and not np.array_equal(seg[0], seg[1]):
                out.append({"type": "LineString", "coordinates": seg.tolist()})
            elif np.isfinite(seg[0]).all():
                out.append({"type": "Point", "coordinates": seg[0].tolist()})
            else:
                out.append(None)
        return out
    return [_shape_geojson(g, tr) for g in geom]


#: What the area properties mean, written into every FeatureCollection that has them as the
#: foreign member ``property_descriptions`` (RFC 7946, 6.1) and documented in docs/geo.md.
PROPERTY_DESCRIPTIONS = {
    "district_polygon_km2": (
        "Area (km²) of the district polygon: the Voronoi cells of the points (demand points or "
        "road nodes) the station reaches first, unioned and clipped to their hull; it covers "
        "all the land between them, rural land, fields and water included."),
    "district_area_km2": (
        "District area (km²) as the fire standard counts it (GB 51080-2015 4.1.3): the summed "
        "area_m2 of the in-scope (urban built-up) demand points the station reaches first; the "
        "figure the district-area limits are checked against (FireAssessment.stations "
        "area_km2)."),
    "service_area_km2": (
        "Area (km²) of the service-area polygon: a band of buffer_m either side of the road "
        "reached within the minutes (not the land served)."),
}


def feature_collection(layers, crs, *, name: str | None = None) -> dict:
    """An RFC 7946 FeatureCollection of ``layers`` whose coordinates are in ``crs``.

    Each feature has ``id`` (``"<layer>/<row id>"``, unique in the collection) and properties
    ``layer``, ``id`` and the layer's columns (NaN → null, numpy → JSON numbers).

    Raises
    ------
    ValidationError
        When ``crs`` is missing (lon/lat cannot be computed).

    References
    ----------
    .. [1] Butler, H. et al. (2016). *The GeoJSON Format*. IETF RFC 7946 (3.1.6: polygon
       rings follow the right-hand rule; 4: WGS 84 longitude, latitude; 3.2: features with a
       null geometry).
    """
    tr = _lonlat_transformer(crs)
    feats = []
    for layer in layers:
        props = layer.props
        geoms = _layer_geometries(layer, tr)
        cols = [str(c) for c in props.columns]
        for rid, row, g in zip(props.index, props.itertuples(index=False, name=None), geoms):
            p = {"layer": layer.name, "id": _jsonable(rid)}
            p.update({c: _jsonable(v) for c, v in zip(cols, row) if c not in ("layer", "id")})
            feats.append({"type": "Feature", "id": f"{layer.name}/{rid}", "geometry": g,
                          "properties": p})
    fc = {"type": "FeatureCollection", "features": feats}
    if name:
        fc["name"] = name
    cols = {str(c) for layer in layers for c in layer.props.columns}
    desc = {k: v for k, v in PROPERTY_DESCRIPTIONS.items() if k in cols}
    if desc:  # a foreign member (RFC 7946, 6.1): what the area properties mean
        fc["property_descriptions"] = desc
    return fc


def geodataframe(layers, crs, to_crs=None):
    """The layers as one GeoDataFrame (column ``layer`` names each row's layer), in
    ``to_crs`` (default ``crs``). Needs the geo extra."""
    gpd = need("geopandas", "to_geodataframe")
    shapely = need("shapely", "to_geodataframe")
    frames = []
    for layer in layers:
        geom = layer.geometry
        if isinstance(geom, np.ndarray) and geom.ndim == 2:
            g = [shapely.Point(a, b) if np.isfinite([a, b]).all() else None for a, b in geom]
        elif isinstance(geom, np.ndarray) and geom.ndim == 3:
            g = [shapely.LineString(s) if np.isfinite(s).all() else None for s in geom]
        else:
            g = list(geom)
        df = layer.props.copy()
        df.insert(0, "id", [str(i) for i in df.index])
        df.insert(0, "layer", layer.name)
        frames.append(gpd.GeoDataFrame(df.reset_index(drop=True), geometry=g, crs=crs))
    if not frames:
        return gpd.GeoDataFrame({"layer": [], "id": []}, geometry=[], crs=crs)
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    if to_crs is not None and crs is not None:
        gdf = gdf.to_crs(to_crs)
    return gdf


class _GeoOut:
    """``to_geojson`` and ``to_geodataframe`` for results with a ``geo`` field (a
    :class:`GeoRef`) and a ``_geo_layers()`` method listing their :class:`GeoLayer`."""

    def _geo_ref(self) -> GeoRef:
        ref = getattr(self, "geo", None)
        if ref is None:
            raise ValidationError(
                f"{type(self).__name__} has no coordinates: it was computed without a county "
                f"or located tables (x/y or node on a network with coordinates), so it cannot be "
                f"written as GeoJSON.")
        return ref

    def to_geojson(self, path=None, *, indent: int | None = None) -> dict:
        """The located rows as an RFC 7946 GeoJSON FeatureCollection (WGS 84 lon/lat).

        Parameters
        ----------
        path : str or path, optional
            Also write it there (UTF-8, ``.geojson``).
        indent : int, optional
            Pretty-print indentation of the file.

        Returns
        -------
        dict
            ``{"type": "FeatureCollection", "features": [...]}``; each feature's properties
            carry ``layer`` (which table it comes from) and ``id``.

        Raises
        ------
        ValidationError
            When the result has no coordinates or no CRS.
        """
        ref = self._geo_ref()
        fc = feature_collection(self._geo_layers(), ref.crs, name=type(self).__name__)
        if path is not None:
            Path(path).write_text(json.dumps(fc, ensure_ascii=False, indent=indent,
                                             allow_nan=False), encoding="utf-8")
        return fc

    def to_geodataframe(self, crs=None):
        """The located rows as a ``geopandas.GeoDataFrame`` (needs the geo extra).

        Parameters
        ----------
        crs : optional
            CRS of the result; default the county's own (lon/lat when it was given in
            lon/lat, else its projected CRS).
        """
        ref = self._geo_ref()
        return geodataframe(self._geo_layers(), ref.crs, crs or ref.out_crs)

    def explore(self, *, layers=None, tiles="OpenStreetMap", **kwargs):
        """An interactive map of the located rows (``geopandas.GeoDataFrame.explore``, folium).

        One map layer per layer of :meth:`to_geojson` (stations, demand, districts, …), each
        in its own colour, with a layer switch; hovering a feature shows its properties.
        Needs geopandas, folium and mapclassify (``pip install folium mapclassify`` beside the
        geo extra, or ``pip install 'yingji[map]'``); folium is not a dependency of yingji.

        Parameters
        ----------
        layers : list of str, optional
            Only these layers (``properties.layer`` of the GeoJSON), in this order (default:
            all, in the result's order).
        tiles : str or None, default "OpenStreetMap"
            Background tiles (fetched by the browser when the map is shown; ``None`` for no
            background, e.g. offline).
        **kwargs
            Passed to ``GeoDataFrame.explore`` for every layer (e.g. ``style_kwds``).

        Returns
        -------
        folium.Map

        Raises
        ------
        ImportError
            When geopandas or folium is not installed, naming what to install.
        ValidationError
            When a name in ``layers`` is not a layer of the result.
        """
        what = f"{type(self).__name__}.explore"
        need("geopandas", what)  # explore is a GeoDataFrame method
        folium = need("folium", what)
        need("mapclassify", what)  # GeoDataFrame.explore imports it
        gdf = self.to_geodataframe(crs=GEOJSON_CRS)
        have = list(dict.fromkeys(gdf["layer"]))
        pick = have if layers is None else [str(n) for n in layers]
        bad = [n for n in pick if n not in have]
        if bad:
            raise ValidationError(f"The 'layers' parameter of {type(self).__name__}.explore "
                                  f"must name layers of the result ({', '.join(have)}). "
                                  f"Got {bad[0]!r} instead.")
        m = None
        for k, name in enumerate(pick):
            sub = gdf[(gdf["layer"] == name) & gdf.geometry.notna()]
            if not len(sub):
                continue
            sub = sub.loc[:, [c for c in sub.columns if c == "geometry"
                              or _simple_column(sub[c])]]
            m = sub.explore(m=m, name=name, color=_EXPLORE_COLOURS[k % len(_EXPLORE_COLOURS)],
                            tiles=tiles, **kwargs)
        if m is None:
            raise ValidationError(f"{type(self).__name__}.explore: the result has no located "
                                  f"rows to draw.")
        folium.LayerControl().add_to(m)
        return m


#: Colours of the layers of :meth:`_GeoOut.explore` (in the order of the layers).
_EXPLORE_COLOURS = ("#c62828", "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f",
                    "#5d4037", "#ad1457")


def _simple_column(col: pd.Series) -> bool:
    """Whether a column can go into a folium tooltip (numbers, text, flags; not lists)."""
    if col.dtype != object:
        return True
    return bool(col.map(lambda v: v is None or isinstance(v, (str, int, float, bool))).all())


def _xy_of(df: pd.DataFrame) -> np.ndarray:
    """``(k, 2)`` of a frame's ``x``/``y`` (NaN when absent)."""
    if {"x", "y"} <= set(df.columns):
        return np.column_stack([pd.to_numeric(df["x"], errors="coerce").to_numpy(float),
                                pd.to_numeric(df["y"], errors="coerce").to_numpy(float)])
    return np.full((len(df), 2), np.nan)


def point_layer(name: str, df: pd.DataFrame, xy=None) -> GeoLayer:
    """A layer of points: ``df`` less ``x``/``y`` as properties, ``xy`` (default its ``x``/``y``)."""
    xy = _xy_of(df) if xy is None else np.asarray(xy, dtype=float).reshape(-1, 2)
    return GeoLayer(name, df.drop(columns=[c for c in ("x", "y") if c in df.columns]), xy)


def line_layer(name: str, df: pd.DataFrame, a_xy, b_xy) -> GeoLayer:
    """A layer of straight lines from ``a_xy`` to ``b_xy`` (``(k, 2)`` each), ``df`` as properties."""
    a = np.asarray(a_xy, dtype=float).reshape(-1, 2)
    b = np.asarray(b_xy, dtype=float).reshape(-1, 2)
    return GeoLayer(name, df, np.stack([a, b], axis=1) if len(a) else np.empty((0, 2, 2)))


def district_layer(name: str, xy, labels, ids, *, pad_m: float = 500.0) -> GeoLayer:
    """Polygons, one per id in ``ids``: the Voronoi cells of the points ``xy`` whose label is that
    id, unioned (see :func:`yingji.geo.polygons.voronoi_districts`)."""
    ids = [str(i) for i in ids]
    pos = {i: k for k, i in enumerate(ids)}
    owner = np.array([pos.get(str(v), -1) if v is not None and v == v else -1 for v in labels],
                     dtype=np.int64)
    polys = voronoi_districts(np.asarray(xy, dtype=float).reshape(-1, 2), owner, len(ids), pad_m)
    props = pd.DataFrame({"points": np.bincount(owner[owner >= 0], minlength=len(ids))},
                         index=pd.Index(ids, name="id"))
    props["district_polygon_km2"] = [(p.area / 1e6) if p is not None else float("nan")
                                     for p in polys]
    return GeoLayer(name, props, polys)
