"""yingji (应急): emergency-response planning for counties.

Road networks and travel times, facility siting (LSCP, MCLP, backup coverage,
p-median, p-center, capacitated location), fire stations, rescue teams,
emergency supplies, dispatch and simulation, shelters, and compliance with the
standards a county is assessed against.

The public API is listed here explicitly (``__all__``). ``import yingji`` loads only the base
layer (errors, result base, version); every other name is imported the first time it is used
(PEP 562 module ``__getattr__``), so a script that needs ``yj.mclp`` does not pay for the
compliance engine, and no face (CLI, JSON API, reports) is loaded unless asked for. The layers
and their rule are in docs/architecture.md.
"""

from __future__ import annotations

import importlib

from yingji._version import __version__
from yingji.exceptions import (
    DisconnectedNetworkWarning,
    InfeasibleError,
    SolverError,
    ValidationError,
    YingjiError,
    YingjiWarning,
)
from yingji.results import SitingResult

#: Public name -> (module, attribute; None for the module itself), by layer, bottom up.
_LAZY: dict[str, tuple[str, str | None]] = {
    # network · county
    "Network": ("yingji.network", "Network"),
    "read_osm": ("yingji.osm", "read_osm"),
    "County": ("yingji.county", "County"),
    "datasets": ("yingji.datasets", None),
    "geo": ("yingji.geo", None),
    # siting
    "siting": ("yingji.siting", None),
    "lscp": ("yingji.siting", "lscp"),
    "mclp": ("yingji.siting", "mclp"),
    "backup_coverage": ("yingji.siting", "backup_coverage"),
    "mexclp": ("yingji.siting", "mexclp"),
    "malp": ("yingji.siting", "malp"),
    "coverage_curve": ("yingji.siting", "coverage_curve"),
    "is_covering": ("yingji.siting", "is_covering"),
    "covered_weight": ("yingji.siting", "covered_weight"),
    "coverage_count": ("yingji.siting", "coverage_count"),
    "uncovered_rows": ("yingji.siting", "uncovered_rows"),
    "p_median": ("yingji.siting.median", "p_median"),
    "p_median_points": ("yingji.siting.median", "p_median_points"),
    "p_center": ("yingji.siting.median", "p_center"),
    "median_cost": ("yingji.siting.median", "median_cost"),
    "center_cost": ("yingji.siting.median", "center_cost"),
    "capacitated_location": ("yingji.siting.capacitated", "capacitated_location"),
    "location_cost": ("yingji.siting.capacitated", "location_cost"),
    # domain
    "fire": ("yingji.fire", None),
    "teams": ("yingji.teams", None),
    "supplies": ("yingji.supplies", None),
    "dispatch": ("yingji.dispatch", None),
    "simulation": ("yingji.simulation", None),
    "shelters": ("yingji.shelters", None),
    # planning · compliance
    "compliance": ("yingji.compliance", None),
    "ComplianceReport": ("yingji.compliance", "ComplianceReport"),
    "planning": ("yingji.planning", None),
    "scenarios": ("yingji.scenarios", None),
    "CountyPlan": ("yingji.planning", "CountyPlan"),
    # faces
    "report": ("yingji.report", None),
    "api": ("yingji.api", None),
}

__all__ = [
    "__version__",
    "YingjiError",
    "ValidationError",
    "InfeasibleError",
    "SolverError",
    "YingjiWarning",
    "DisconnectedNetworkWarning",
    "SitingResult",
    *_LAZY,
]


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'yingji' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
