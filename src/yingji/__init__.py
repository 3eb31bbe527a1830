"""yingji (应急): emergency-response planning for counties.

Road networks and travel times, facility siting (LSCP, MCLP, backup coverage,
p-median, p-center, capacitated location), fire stations, rescue teams,
emergency supplies, dispatch and simulation, shelters, and compliance with the
standards a county is assessed against.

The public API is re-exported here explicitly (see ``__all__``).
"""

from __future__ import annotations

__version__ = "0.1.0"

from yingji.exceptions import (
    DisconnectedNetworkWarning,
    InfeasibleError,
    SolverError,
    ValidationError,
    YingjiError,
    YingjiWarning,
)
from yingji.results import SitingResult

__all__ = [
    "__version__",
    "YingjiError",
    "ValidationError",
    "InfeasibleError",
    "SolverError",
    "YingjiWarning",
    "DisconnectedNetworkWarning",
    "SitingResult",
]

# --- re-exports added by each module as it lands (keep one block per module) ---

# teams (issue 7)
from yingji import teams  # noqa: E402

__all__ += ["teams"]

# network (issue 2)
from yingji.network import Network  # noqa: E402
from yingji.osm import read_osm  # noqa: E402  (pyosmium is imported only when called)

__all__ += ["Network", "read_osm"]

# county, datasets (issue 2)
from yingji import datasets  # noqa: E402
from yingji.county import County  # noqa: E402

__all__ += ["County", "datasets"]

# supplies (issue 8)
from yingji import supplies  # noqa: E402

__all__ += ["supplies"]

# compliance, report (issue 11)
from yingji import compliance, report  # noqa: E402
from yingji.compliance import ComplianceReport  # noqa: E402

__all__ += ["compliance", "report", "ComplianceReport"]

# fire (issue 6)
from yingji import fire  # noqa: E402

__all__ += ["fire"]

# siting: coverage models, checkers, curve, builder registry (issue 3)
import yingji.siting as siting  # noqa: E402
from yingji.siting import (  # noqa: E402
    backup_coverage,
    coverage_count,
    coverage_curve,
    covered_weight,
    is_covering,
    lscp,
    mclp,
    uncovered_rows,
)

__all__ += ["siting", "lscp", "mclp", "backup_coverage", "coverage_curve", "is_covering", "covered_weight",
            "coverage_count", "uncovered_rows"]

# shelters (issue 10)
from yingji import shelters  # noqa: E402

__all__ += ["shelters"]

# dispatch, simulation (issue 9)
from yingji import dispatch, simulation  # noqa: E402

__all__ += ["dispatch", "simulation"]

# p-median, p-center, capacitated location (issue 4)
from yingji.siting.capacitated import capacitated_location, location_cost  # noqa: E402
from yingji.siting.median import center_cost, median_cost, p_center, p_median  # noqa: E402

__all__ += ["p_median", "p_center", "capacitated_location", "median_cost", "center_cost", "location_cost"]

# JSON API, county plan (`yingji plan`) (issue 11)
from yingji import api, planning  # noqa: E402
from yingji.planning import CountyPlan  # noqa: E402

__all__ += ["api", "planning", "CountyPlan"]
