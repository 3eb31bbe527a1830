"""Geo data out: GeoJSON (RFC 7946) and GeoDataFrames of located results, service areas and
districts as polygons (network · county layer; shapely, pyproj and geopandas are the ``geo``
extra, imported only when used).

* :mod:`~yingji.geo.features` — :class:`GeoRef` (where a result's rows are), :class:`GeoLayer`,
  :func:`feature_collection`, :func:`geodataframe` and the ``to_geojson`` /
  ``to_geodataframe`` methods results inherit;
* :mod:`~yingji.geo.service_areas` — :func:`service_areas` (isochrones along the roads and
  nearest-source districts) and :class:`ServiceAreas`;
* :mod:`~yingji.geo.siting` — :func:`siting_geojson` for a :class:`~yingji.SitingResult`
  (which lives in the base layer and knows positions, not places);
* :mod:`~yingji.geo.polygons` — Voronoi districts.
"""

from __future__ import annotations

from yingji.geo.features import GeoLayer, GeoRef, feature_collection, geodataframe
from yingji.geo.service_areas import ServiceAreas, reached_segments, service_areas
from yingji.geo.siting import siting_geodataframe, siting_geojson, siting_layers

__all__ = ["GeoRef", "GeoLayer", "feature_collection", "geodataframe", "ServiceAreas",
           "service_areas", "reached_segments", "siting_geojson", "siting_geodataframe",
           "siting_layers"]
