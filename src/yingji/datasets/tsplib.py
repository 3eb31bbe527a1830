"""Loader for TSPLIB coordinate files (``.tsp``), as used by the large-scale p-median literature.

The files themselves are not shipped with yingji; point the loader at your own copies (the
project's shared data folder keeps them under ``tsplib/``). In the p-median use every node is a
demand point of weight 1 and a candidate site, and the cost is the Euclidean distance, not
rounded (Avella, Sassano and Vasil'ev 2007; García, Labbé and Marín 2011).

References
----------
.. [1] G. Reinelt, "TSPLIB - a traveling salesman problem library", ORSA Journal on Computing 3
   (1991) 376-384.
.. [2] P. Avella, A. Sassano and I. Vasil'ev, "Computational study of large-scale p-median
   problems", Mathematical Programming 109 (2007) 89-114.
.. [3] S. García, M. Labbé and A. Marín, "Solving large p-median problems with a radius
   formulation", INFORMS Journal on Computing 23(4) (2011) 546-556.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from yingji.exceptions import ValidationError

__all__ = ["TSPInstance", "load_tsplib", "tsplib_cost"]

#: Edge-weight types whose nodes are points in the plane (the loader reads their coordinates).
_PLANAR = ("EUC_2D", "CEIL_2D", "ATT", "MAN_2D", "MAX_2D")


class TSPInstance(NamedTuple):
    """A TSPLIB instance: its ``name``, ``xy`` (n x 2 float64 coordinates, node ``k`` of the file
    in row ``k - 1``) and its ``edge_weight_type``."""

    name: str
    xy: np.ndarray
    edge_weight_type: str


def load_tsplib(path) -> TSPInstance:
    """Read a TSPLIB ``.tsp`` file with node coordinates.

    Parameters
    ----------
    path : str or path-like
        The file: ``KEY : value`` header lines, ``NODE_COORD_SECTION``, then one ``id x y`` line
        per node (ids 1..n, in any order), optionally ``EOF``.

    Returns
    -------
    TSPInstance
        ``xy[k - 1]`` holds node ``k``'s coordinates.

    Raises
    ------
    ValidationError
        The file is missing; it has no ``NODE_COORD_SECTION``; a coordinate line is not
        ``id x y``; an id is outside 1..DIMENSION or repeated; the number of nodes differs from
        ``DIMENSION``; or the edge-weight type is not planar (the message names the file and the
        line).

    Examples
    --------
    >>> inst = load_tsplib("../shared/datasets/tsplib/fl1400.tsp")  # doctest: +SKIP
    >>> inst.xy.shape  # doctest: +SKIP
    (1400, 2)
    """
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"The 'path' parameter of load_tsplib must name an existing file. Got {str(path)!r} "
                              "instead.")
    header: dict[str, str] = {}
    lines = p.read_text().splitlines()
    start = None
    for k, line in enumerate(lines):
        s = line.strip()
        if s.upper().startswith("NODE_COORD_SECTION"):
            start = k + 1
            break
        if ":" in s:
            key, _, val = s.partition(":")
            header[key.strip().upper()] = val.strip()
    if start is None:
        raise ValidationError(f"{p.name}: not a TSPLIB coordinate file (no NODE_COORD_SECTION line).")
    ewt = header.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if ewt not in _PLANAR:
        raise ValidationError(f"{p.name}: EDGE_WEIGHT_TYPE must be one of {', '.join(_PLANAR)} (points in the "
                              f"plane). Got {ewt!r} instead.")
    ids, xs, ys = [], [], []
    for k in range(start, len(lines)):
        s = lines[k].strip()
        if not s:
            continue
        if s.upper() == "EOF" or s.upper().endswith("_SECTION"):
            break
        parts = s.split()
        try:
            if len(parts) != 3:
                raise ValueError(f"{len(parts)} fields")
            ids.append(int(parts[0]))
            xs.append(float(parts[1]))
            ys.append(float(parts[2]))
        except ValueError as exc:
            raise ValidationError(f"{p.name}, line {k + 1}: expected 'id x y'. Got {s!r} instead ({exc}).") from None
    n = len(ids)
    dim = header.get("DIMENSION")
    if dim is not None:
        try:
            dim_n = int(dim)
        except ValueError:
            raise ValidationError(f"{p.name}: DIMENSION must be an integer. Got {dim!r} instead.") from None
        if dim_n != n:
            raise ValidationError(f"{p.name}: DIMENSION is {dim_n} but the NODE_COORD_SECTION has {n} nodes.")
    if n == 0:
        raise ValidationError(f"{p.name}: the NODE_COORD_SECTION holds no nodes.")
    ida = np.asarray(ids, dtype=np.int64)
    if ida.min() < 1 or ida.max() > n:
        bad = int(ida[(ida < 1) | (ida > n)][0])
        raise ValidationError(f"{p.name}: node ids must lie in 1..{n}. Got {bad} instead.")
    if np.unique(ida).size != n:
        u, c = np.unique(ida, return_counts=True)
        raise ValidationError(f"{p.name}: node id {int(u[c > 1][0])} appears more than once.")
    xy = np.empty((n, 2), dtype=np.float64)
    xy[ida - 1, 0] = xs
    xy[ida - 1, 1] = ys
    return TSPInstance(header.get("NAME", p.stem), xy, ewt)


def tsplib_cost(xy, rows=None) -> np.ndarray:
    """Euclidean (not rounded) distances between ``xy[rows]`` and every point, float64.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
    rows : array_like of int, optional
        Row points (default: all; the full matrix takes ``8 n^2`` bytes).

    Returns
    -------
    ndarray, shape (len(rows), n)

    Examples
    --------
    >>> tsplib_cost([[0.0, 0.0], [3.0, 4.0]]).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    xy = np.asarray(xy, dtype=np.float64)
    a = xy if rows is None else xy[np.asarray(rows)]
    out = np.empty((a.shape[0], xy.shape[0]))
    for s in range(0, a.shape[0], 2048):
        blk = a[s:s + 2048]
        dx = blk[:, None, 0] - xy[None, :, 0]
        dy = blk[:, None, 1] - xy[None, :, 1]
        out[s:s + 2048] = np.sqrt(dx * dx + dy * dy)
    return out
