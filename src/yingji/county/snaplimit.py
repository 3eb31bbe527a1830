"""How far a located row may lie from the road network, and coordinates in the wrong units.

Every located table (demand, stations, candidates, ...) is tied to the road network by a
``node``; a row without one is snapped to the nearest node. This module holds the rules around
that step, used by the :class:`~yingji.county.County` constructor:

* the snap limit (:func:`default_max_snap`, :func:`resolve_max_snap`): ``max_snap_m`` in
  ``county.toml`` or ``County(max_snap=...)``, else a default derived from the network's extent;
  a point farther than the limit is refused with its table, id and distance;
* :func:`degree_rows`: coordinates that look like longitude/latitude degrees on a network in
  projected metres (one function, bypassed when the county declares a geographic CRS);
* the private mixin ``_SnapReport`` (``County.snap_distances``): the distance of every located
  row from its node, a table a user can read.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from yingji._crs import is_geographic as _is_geographic
from yingji.county.specs import TABLES

__all__ = ["DEFAULT_MAX_SNAP_M", "EXTENT_SHARE", "default_max_snap", "resolve_max_snap",
           "is_geographic", "degree_rows"]

#: Smallest default snap limit, metres: a village or a hazard site a few kilometres from the
#: nearest mapped road still loads (the sample county's farthest row is 1.1 km off).
DEFAULT_MAX_SNAP_M = 5000.0
#: Share of the diagonal of the network's bounding box used as the default limit when that is
#: larger than :data:`DEFAULT_MAX_SNAP_M` (a large, sparsely mapped county).
EXTENT_SHARE = 0.05

def default_max_snap(net) -> float:
    """The default snap limit of a network, metres.

    ``max(DEFAULT_MAX_SNAP_M, EXTENT_SHARE * diagonal)`` where ``diagonal`` is the diagonal of
    the bounding box of the network's nodes (5 km for any county up to 100 km across).

    Examples
    --------
    >>> import pandas as pd, yingji as yj
    >>> e = pd.DataFrame({"u": [0], "v": [1], "minutes": [1.0]})
    >>> n = pd.DataFrame({"x": [0.0, 300_000.0], "y": [0.0, 400_000.0]})
    >>> default_max_snap(yj.Network.from_edges(e, nodes=n, weight="minutes"))
    25000.0
    """
    xy = getattr(net, "_coords", None)
    if xy is None or len(xy) == 0:
        return DEFAULT_MAX_SNAP_M
    xy = np.asarray(xy, dtype=float)
    span = np.nanmax(xy, axis=0) - np.nanmin(xy, axis=0)
    diag = float(math.hypot(*span[:2])) if np.isfinite(span).all() else 0.0
    return max(DEFAULT_MAX_SNAP_M, EXTENT_SHARE * diag)


def resolve_max_snap(value, net, rep, where: str):
    """The snap limit in force, metres (``inf``: no limit), or None after recording a problem.

    ``value`` is ``County(max_snap=...)`` or ``max_snap_m`` of ``county.toml``: None means the
    default (:func:`default_max_snap`); a non-negative number, ``inf`` or the text ``"none"``
    (no limit) are accepted; anything else is recorded in ``rep`` naming ``where``.
    """
    if value is None:
        return default_max_snap(net) if net is not None else math.inf
    if isinstance(value, str) and value.strip().lower() in ("none", "inf", "off", "no limit"):
        return math.inf
    try:
        if isinstance(value, bool):
            raise ValueError
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        v = math.nan
    if math.isnan(v) or v < 0:
        rep.add(where, f"the snap limit must be a non-negative number of metres (or \"none\" for "
                       f"no limit); got {value!r}")
        return None
    return v


def is_geographic(crs) -> bool:
    """Whether ``crs`` (the ``crs`` of ``county.toml``) names lon/lat degrees.

    The county's one CRS test (:func:`yingji._crs.is_geographic`: pyproj when installed, else
    the common names of WGS 84 / CGCS2000 lon/lat); a name pyproj does not know is False here
    (the county loader reports it, naming ``county.toml``).
    """
    try:
        return _is_geographic(crs)
    except Exception:  # noqa: BLE001 - pyproj's CRSError for an unknown name
        return False


def degree_rows(xy: np.ndarray, net, crs) -> np.ndarray:
    """Rows whose coordinates look like longitude/latitude degrees on a metre network.

    A row is flagged when ``|x| <= 180`` and ``|y| <= 90`` while the network's nodes all lie
    outside that box (a projected CRS: Gauss-Krüger / UTM metres in China are 10⁵–10⁷). A county
    whose ``crs`` is geographic (:func:`is_geographic`) is never flagged: its coordinates are
    meant to be degrees. A small network drawn near the origin (test data, a local grid) is not
    flagged either: its box overlaps the degree box, so degrees cannot be told from metres.

    Returns
    -------
    numpy.ndarray of bool
        One entry per row of ``xy``.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    out = np.zeros(len(xy), dtype=bool)
    coords = getattr(net, "_coords", None)
    if is_geographic(crs) or coords is None or len(coords) == 0 or len(xy) == 0:
        return out
    c = np.asarray(coords, dtype=float)
    with np.errstate(invalid="ignore"):
        net_in_box = (np.abs(c[:, 0]) <= 180) & (np.abs(c[:, 1]) <= 90)
        if net_in_box.any():
            return out
        return np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)


def _far_message(ids, metres, limit: float) -> str:
    shown = ", ".join(f"{i!r} ({m:,.0f} m)" for i, m in list(zip(ids, metres))[:8])
    more = f" and {len(ids) - 8} more" if len(ids) > 8 else ""
    return (f"{len(ids)} point(s) lie farther than the snap limit of {limit:,.0f} m from the road "
            f"network: {shown}{more} (check the coordinates, or raise max_snap_m in county.toml)")


def _degree_message(ids, xy) -> str:
    shown = ", ".join(f"{i!r} ({x:g}, {y:g})" for i, (x, y) in list(zip(ids, xy))[:5])
    more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    return (f"x, y of {len(ids)} row(s) look like longitude/latitude degrees, but the road network "
            f"is in projected metres: {shown}{more} (convert them to the county's CRS, or declare "
            f"a geographic crs such as \"EPSG:4326\" in county.toml)")


class _SnapReport:
    """``County.snap_distances`` (what the constructor's snapping did, as a table)."""

    def snap_distances(self) -> pd.DataFrame:
        """How far each located row lies from its network node.

        Returns
        -------
        pandas.DataFrame
            One row per located row with finite ``x``, ``y``: ``table``, ``id``, ``node``,
            ``snap_m`` (straight-line metres from the row's x, y to its node) and ``snapped``
            (True when the node was chosen by snapping on load, False when the table gave
            it); sorted by ``snap_m``, largest first. The limit in force is
            ``county.max_snap_m`` (metres; ``inf`` = no limit).

        Examples
        --------
        >>> import yingji as yj
        >>> c = yj.datasets.sample_county()
        >>> d = c.snap_distances()
        >>> bool(d["snap_m"].max() <= c.max_snap_m)
        True
        """
        cols = ["table", "id", "node", "snap_m", "snapped"]
        net = self.network
        parts = []
        if net is None or getattr(net, "_coords", None) is None:
            return pd.DataFrame({c: [] for c in cols})
        pos_of = {v: i for i, v in enumerate(np.asarray(net.node_ids).tolist())}
        coords = np.asarray(net._coords, dtype=float)
        snapped = getattr(self, "_snapped", {})
        for name, spec in TABLES.items():
            df = getattr(self, name)
            if not spec.located or len(df) == 0 or not {"x", "y", "node"} <= set(df.columns):
                continue
            xy = df[["x", "y"]].to_numpy(dtype=float, na_value=np.nan)
            pos = np.array([pos_of.get(v, -1) for v in df["node"].tolist()])
            ok = np.isfinite(xy).all(axis=1) & (pos >= 0)
            if not ok.any():
                continue
            d = np.hypot(*(xy[ok] - coords[pos[ok]]).T)
            was = set(snapped.get(name, ()))
            ids = df.index[ok].tolist()
            parts.append(pd.DataFrame({"table": name, "id": ids, "node": df["node"][ok].tolist(),
                                       "snap_m": d, "snapped": [i in was for i in ids]}))
        if not parts:
            return pd.DataFrame({c: [] for c in cols})
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values("snap_m", ascending=False, kind="stable").reset_index(drop=True)
