"""Road networks from OpenStreetMap extracts: :func:`read_osm`.

The loader lives in :mod:`yingji.network.osm`; this module re-exports its public names so that
``from yingji.osm import read_osm`` keeps working.
"""

from __future__ import annotations

from yingji.network.osm import DRIVE_HIGHWAYS, EARTH_RADIUS_M, read_osm

__all__ = ["read_osm", "DRIVE_HIGHWAYS", "EARTH_RADIUS_M"]
