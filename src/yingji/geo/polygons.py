"""Polygons from points: the Voronoi districts shared by service areas and located results."""

from __future__ import annotations

import numpy as np

from yingji._optional import need


def _shapely():
    return need("shapely", "Service areas")


def voronoi_districts(xy: np.ndarray, owner: np.ndarray, n_src: int, pad_m: float) -> list:
    """Per source, the union of the Voronoi cells of the nodes it owns (``owner`` −1: none),
    clipped to the convex hull of all nodes grown by ``pad_m``."""
    shapely = _shapely()
    keep = np.isfinite(xy).all(axis=1)
    # on a 1 cm grid: coordinates projected from lon/lat carry float noise (nodes 1e-9 m apart)
    # that makes GEOS build invalid Voronoi cells ("unable to assign free hole to a shell")
    uxy, first = np.unique(np.round(xy[keep], 2), axis=0, return_index=True)
    own = owner[keep][first]
    if len(uxy) == 0:
        return [None] * n_src
    pts = shapely.multipoints(uxy)
    clip = shapely.buffer(shapely.convex_hull(pts), max(pad_m, 1e-6))
    if len(uxy) < 3:
        cells = [clip] if len(uxy) == 1 else list(shapely.get_parts(shapely.voronoi_polygons(
            pts, extend_to=clip, ordered=True)))
    else:
        cells = list(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=clip, ordered=True)))
    cells = shapely.intersection(shapely.make_valid(np.asarray(cells, dtype=object)), clip, grid_size=0.01)
    out = []
    for s in range(n_src):
        mine = cells[own == s]
        out.append(shapely.union_all(mine) if len(mine) else None)
    return out
