"""Coordinates: great-circle lengths and lon/lat → metres (network · county layer, private).

Used by :mod:`yingji.network` (an unprojected OSMnx graph) and :mod:`yingji.osm` (raw OSM
extracts). pyproj is used when installed (the ``geo`` extra); otherwise an equirectangular
projection about the extract's centre.
"""

from __future__ import annotations

import math

import numpy as np

from yingji._optional import need
from yingji.exceptions import ValidationError

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


# ---------------------------------------------------------------------------------------------
# counties given in lon/lat or any CRS: the one place that decides and converts (pyproj)
# ---------------------------------------------------------------------------------------------

#: CRS of every GeoJSON yingji writes (RFC 7946, 4: WGS 84 longitude, latitude).
GEOJSON_CRS = "EPSG:4326"


def _pyproj(what: str):
    """pyproj, or an ImportError naming the extra that installs it."""
    return need("pyproj", what)


#: Geographic CRS names known without pyproj (WGS 84, CGCS2000, Beijing 1954, Xian 1980, ETRS89,
#: the OGC CRS84 axis order), upper case without spaces.
_GEOGRAPHIC_NAMES = frozenset({"EPSG:4326", "EPSG:4490", "EPSG:4214", "EPSG:4610", "EPSG:4258", "WGS84",
                               "OGC:CRS84", "CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84",
                               "URN:OGC:DEF:CRS:EPSG::4326", "LONLAT", "LONGLAT"})


def is_geographic(crs) -> bool:
    """True when ``crs`` names a geographic (lon/lat, degrees) CRS such as ``"EPSG:4326"``.

    ``None`` or ``""`` (no CRS declared) is False. Without pyproj only the common names of
    WGS 84 and CGCS2000 lon/lat (EPSG:4326, EPSG:4490, ``"WGS84"``, ``"CRS84"``) are known.
    This is the test the county loader uses to decide whether to project, and the test that
    lets a degree-looking-coordinates check stand aside when the county declares degrees.
    """
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        return False
    try:
        import pyproj
    except ImportError:  # pragma: no cover - geo extra missing
        text = str(crs).strip().upper().replace(" ", "")
        return text in _GEOGRAPHIC_NAMES or "+PROJ=LONGLAT" in text or "+PROJ=LATLONG" in text
    return bool(pyproj.CRS.from_user_input(crs).is_geographic)


def metric_crs(lon0: float, lat0: float) -> str:
    """The metric CRS yingji projects a lon/lat county to, chosen from its centre (degrees).

    Inside China's longitudes (73.5°E-136.5°E, north of the equator) it is the CGCS2000
    3-degree Gauss-Kruger zone whose central meridian is nearest the centre (EPSG:4534 for
    75°E ... EPSG:4554 for 135°E, false easting 500 km, no zone prefix); elsewhere the WGS 84
    UTM zone of the centre (EPSG:326xx north, 327xx south).

    Notes
    -----
    Why these: CGCS2000 is China's national geodetic datum (in force since 1 July 2008, the
    datum of county survey and planning maps), and its 3-degree zones are the ones used for
    maps at 1:10 000 and larger, the scale of county plans. A point at most 1.5° of longitude
    from the central meridian has a scale error below 3 × 10⁻⁴ at China's latitudes
    (k ≈ 1 + (Δλ cos φ)² / 2 for a Transverse Mercator with k₀ = 1), i.e. under 0.3 m per
    km; a 6-degree UTM zone (k₀ = 0.9996) errs by up to 10⁻³. Road travel times come from the
    network's minutes, not from coordinates, so the CRS only affects snapping and areas.

    References
    ----------
    .. [1] EPSG Geodetic Parameter Dataset, codes 4534-4554 ("CGCS2000 / 3-degree
       Gauss-Kruger CM 75E" ... "CM 135E") and 32601-32760 (WGS 84 / UTM).
    .. [2] Snyder, J. P. (1987). *Map Projections - A Working Manual*. USGS Professional
       Paper 1395, pp. 57-64 (Transverse Mercator scale factor).
    """
    if 73.5 <= lon0 < 136.5 and lat0 >= 0:
        cm = int(min(max(3 * round(lon0 / 3), 75), 135))
        return f"EPSG:{4534 + (cm - 75) // 3}"
    zone = int((lon0 + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat0 >= 0 else 32700 + zone}"


def transform_xy(x, y, src, dst, what: str = "reprojecting coordinates"):
    """Arrays ``(x, y)`` from ``src`` to ``dst`` (x = easting / longitude, always)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if _same_crs(src, dst):
        return x.copy(), y.copy()
    pyproj = _pyproj(what)
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    a, b = tr.transform(x, y)
    return np.asarray(a, dtype=float), np.asarray(b, dtype=float)


def _same_crs(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if str(a) == str(b):
        return True
    pyproj = _pyproj("comparing CRSs")
    return pyproj.CRS.from_user_input(a) == pyproj.CRS.from_user_input(b)


def to_lonlat(x, y, crs):
    """``(lon, lat)`` in WGS 84 of points in ``crs`` (for GeoJSON, RFC 7946)."""
    if crs is None or (isinstance(crs, str) and not crs.strip()):

        raise ValidationError("Coordinates cannot be written as lon/lat: no CRS is known for them. "
                              "Set crs (e.g. crs = \"EPSG:4547\") in county.toml or the county's "
                              "meta, or give the network one (Network.from_edges(..., crs=...)).")
    return transform_xy(x, y, crs, GEOJSON_CRS, "writing GeoJSON")
