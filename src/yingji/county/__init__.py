"""The county: a road network plus the tables emergency planning works on.

A county is one folder (CSV tables, ``roads.csv`` + ``nodes.csv`` or
``roads.graphml``, and ``county.toml``), the same tables as DataFrames, or one
JSON document. :class:`County` reads, validates, snaps and writes all three
forms; every domain function (``yj.fire``, ``yj.teams``, ``yj.supplies`` ...)
takes a county first.

Tables and columns follow DESIGN.md ("The county"); see ``docs/data-formats.md``
for the file formats and ``docs/concepts.md`` for units (minutes, metres, m²).

The package is small modules that import one way (each only those above it in this list):

* :mod:`~yingji.county.specs` — :class:`TableSpec`, :data:`TABLES`, the keys of
  ``county.toml`` and the value helpers the others share;
* :mod:`~yingji.county._toml` — writing ``county.toml``;
* :mod:`~yingji.county.roads` — the road network as edge and node tables;
* :mod:`~yingji.county.checks` — the problem collector, the coercion of one table, the checks
  across tables (the private mixin ``_Checks``);
* :mod:`~yingji.county.connectivity` — ``check_connected``, ``largest_component``;
* :mod:`~yingji.county.folder` — ``load``, ``save`` (the folder form);
* :mod:`~yingji.county.jsondoc` — ``to_dict``, ``to_json``, ``from_json`` and
  :data:`COUNTY_JSON_VERSION`;
* :mod:`~yingji.county.model` — the :class:`County` class, which inherits the mixins above.
"""

from __future__ import annotations

from yingji.county.jsondoc import _FORMAT, COUNTY_JSON_VERSION
from yingji.county.model import County
from yingji.county.roads import _network_from_frames
from yingji.county.specs import (CANDIDATE_USES, META_DEFAULTS, RISK_LEVELS, SHELTER_CLASSES,
                                 STATION_CLASSES, TABLES, VENUE_KINDS, TableSpec)

__all__ = ["County", "TABLES", "TableSpec", "COUNTY_JSON_VERSION"]

#: ``doctest.testmod(yingji.county)`` runs the examples of the names this package re-exports (their
#: code, and so their docstrings, live in the submodules, which doctest would otherwise skip).
__test__ = {name: globals()[name] for name in __all__ if callable(globals()[name])}
