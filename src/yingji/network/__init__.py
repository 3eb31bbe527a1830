"""Road networks: snapping points to nodes, travel-time and distance matrices.

A :class:`Network` holds a road graph as arrays (one row per road segment: end nodes, minutes,
optional metres, one-way flag) plus node coordinates, and answers the questions every planning
model asks of it: which node is nearest to a point (:meth:`Network.snap`), how many minutes from
each origin to each destination (:meth:`Network.travel_times`), how many metres along the roads
(:meth:`Network.distances`), what is left when roads or junctions are destroyed
(:meth:`Network.without`) and whether the graph is in one piece
(:meth:`Network.components`, :meth:`Network.check_connected`,
:meth:`Network.largest_component`).

Shortest paths are compiled: a parallel many-source Dijkstra in numba
(:mod:`yingji._kernels.paths`) by default, or :func:`scipy.sparse.csgraph.dijkstra`
(``method="scipy"``). networkx is only used to read graphs.

Units (DESIGN.md): minutes, metres, coordinates in metres of a projected CRS.

The package: :mod:`~yingji.network.graph` (the :class:`Network` class, its constructor and
properties), and the private mixins it inherits, one module per concern:
:mod:`~yingji.network.construct` (from networkx, edge tables, GraphML),
:mod:`~yingji.network.tables` (edge and node tables, networkx, GraphML out),
:mod:`~yingji.network.snapping`, :mod:`~yingji.network.routing` (travel-time and distance
matrices), :mod:`~yingji.network.damage` (``without``), :mod:`~yingji.network.contract`
(``simplify``), :mod:`~yingji.network.connectivity` (components),
:mod:`~yingji.network.hours` (speed profiles by road class and hour, ``at_hour``); road speeds in
:mod:`~yingji.network.speeds`; OpenStreetMap extracts in :mod:`~yingji.network.osm`
(also :mod:`yingji.osm`).
"""

from __future__ import annotations

from yingji.network.graph import Network
from yingji.network.hours import DEFAULT_SPEED_PROFILE, speed_profile
from yingji.network.speeds import ROAD_SPEEDS_KPH, edge_minutes, parse_maxspeed

__all__ = ["Network", "ROAD_SPEEDS_KPH", "DEFAULT_SPEED_PROFILE", "parse_maxspeed", "edge_minutes",
           "speed_profile"]
