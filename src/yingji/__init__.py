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

__all__ += ["Network"]

# county, datasets (issue 2)
from yingji import datasets  # noqa: E402
from yingji.county import County  # noqa: E402

__all__ += ["County", "datasets"]

# supplies (issue 8)
from yingji import supplies  # noqa: E402

__all__ += ["supplies"]

# compliance, report (issue 11)
from yingji import compliance  # noqa: E402
from yingji.compliance import ComplianceReport  # noqa: E402

__all__ += ["compliance", "ComplianceReport"]
