"""Whether the county's located rows sit on the main piece of its road network (methods of the
private mixin ``_Connectivity``, which :class:`~yingji.county.County` inherits)."""

from __future__ import annotations

import pandas as pd

from yingji.county.specs import TABLES
from yingji.exceptions import DisconnectedNetworkWarning


class _Connectivity:
    """``County.check_connected`` and ``County.largest_component``."""

    def check_connected(self, *, strong: bool = True, warn: bool = False) -> pd.DataFrame:
        """Located rows whose node sits outside the largest component of the road network.

        A network in several pieces is normal for OSM extracts; a demand point or site in a
        small piece cannot reach, or be reached from, the rest, so every travel time to or
        from it is ``inf``. The county constructor (and :meth:`load`, :meth:`from_json`) calls
        this with ``warn=True``.

        Parameters
        ----------
        strong : bool
            Strongly connected components (default; one-way streets respected) or weakly.
        warn : bool
            Warn (:class:`~yingji.DisconnectedNetworkWarning`) naming the tables and ids
            when there are any.

        Returns
        -------
        pandas.DataFrame
            One row per such located row: ``table``, ``id``, ``node``, ``component``
            (0 = largest), ``component_size`` (nodes). Empty when all points are in the
            largest component or the county has no network.

        See Also
        --------
        largest_component : keep the main piece and snap the points to it again.
        yingji.Network.components, yingji.Network.check_connected
        """
        cols = ["table", "id", "node", "component", "component_size"]
        net = self.network
        if net is None:
            return pd.DataFrame(columns=cols)
        parts = []
        for name, spec in TABLES.items():
            df = getattr(self, name)
            if not spec.located or len(df) == 0 or "node" not in df.columns:
                continue
            r = net.check_connected(df["node"].tolist(), ids=list(df.index), strong=strong)
            if len(r):
                parts.append(r.assign(table=name))
        out = (pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols))
        if warn and len(out):
            import warnings


            by_table = "; ".join(f"{t}: {', '.join(map(repr, g['id'].tolist()[:8]))}"
                                 + (f" and {len(g) - 8} more" if len(g) > 8 else "")
                                 for t, g in out.groupby("table", sort=False))
            comp = net.components(strong)
            warnings.warn(
                f"{len(out)} located point(s) sit outside the largest "
                f"{'strongly' if strong else 'weakly'} connected component of the road network "
                f"({int(comp['n_nodes'].iloc[0]):,} of {net.n_nodes:,} nodes, {len(comp)} components): "
                f"{by_table}. Their travel times to the rest are inf. See County.check_connected(); "
                f"County.largest_component() keeps the main piece and snaps them to it.",
                DisconnectedNetworkWarning, stacklevel=3)
        return out

    def largest_component(self, *, strong: bool = True) -> "County":
        """The county on the largest component of its road network, every located table
        snapped to it again (from ``x``, ``y``; the snap limit does not apply, since moving
        the points of the dropped pieces is what is asked).

        Warns
        -----
        DisconnectedNetworkWarning
            Saying how many nodes were dropped (from :meth:`yingji.Network.largest_component`).

        Returns
        -------
        County
            ``self`` when the network is already in one piece.
        """
        if self.network is None:
            return self
        net = self.network.largest_component(strong)
        if net is self.network:
            return self
        # moving a point off a dropped piece is what was asked for: no snap limit here
        return self.replace(network=net, max_snap=float("inf"))
