"""Siting models on any cost matrix: the siting layer (docs/architecture.md, docs/siting.md).

* ``coverage/`` — :func:`lscp`, :func:`mclp`, :func:`backup_coverage` (reductions, bounds,
  heuristics, MIP); ``curve`` — :func:`coverage_curve`; ``checks`` — :func:`is_covering`,
  :func:`covered_weight`, ...
* ``median/`` — :func:`p_median`, :func:`p_center`; ``capacitated`` —
  :func:`capacitated_location` (with ``_capacitated_models``, ``_cap_lagrangian``, ``_cap_bnb``).
* ``availability`` — :func:`mexclp`, :func:`malp` (busy units; engine in ``_avail_core``).
* ``accessibility`` — :func:`two_step_fca`; ``assignment`` — :func:`assign_residents` and its
  model; ``queueing`` — :func:`hypercube` (Larson).
* ``build`` — the registry of model builders (``build(name, ...)``, ``register``);
  ``_inputs`` / ``_sparse`` — shared input checks and sparse helpers.
"""

from __future__ import annotations

__all__: list[str] = []

# --- public names, one block per model family ---

# coverage models, checkers, curve, builder registry
from yingji.siting.registry import BuiltModel, build, register, registered_models  # noqa: E402
from yingji.siting.checks import coverage_count, covered_weight, is_covering, uncovered_rows  # noqa: E402
from yingji.siting.coverage import backup_coverage, lscp, mclp  # noqa: E402
from yingji.siting.curve import coverage_curve  # noqa: E402

__all__ += ["lscp", "mclp", "backup_coverage", "coverage_curve", "is_covering", "covered_weight",
            "coverage_count", "uncovered_rows", "build", "register", "registered_models", "BuiltModel"]

# p-median, p-center, capacitated / uncapacitated location and checkers
from yingji.siting.capacitated import build_capacitated_location, capacitated_location, location_cost  # noqa: E402
from yingji.siting.median import build_p_center_cover, build_p_median, center_cost, median_cost, p_center, p_median  # noqa: E402
from yingji.siting.median import p_median_points  # noqa: E402

__all__ += ["p_median", "p_median_points", "p_center", "capacitated_location", "median_cost", "center_cost", "location_cost",
            "build_p_median", "build_p_center_cover", "build_capacitated_location"]

# accessibility (2SFCA) and capacitated assignment within a radius
from yingji.siting.accessibility import two_step_fca  # noqa: E402
from yingji.siting.assignment import (  # noqa: E402
    AssignmentResult,
    assign_residents,
    build_assignment_model,
    is_feasible_assignment,
    safe_weight,
)

__all__ += ["two_step_fca", "assign_residents", "build_assignment_model", "safe_weight",
            "is_feasible_assignment", "AssignmentResult"]

# coverage that counts busy units: MEXCLP, MALP I / II, hypercube-adjusted MEXCLP
from yingji.siting.availability import busy_fraction, expected_coverage, malp, mexclp, required_units  # noqa: E402

__all__ += ["mexclp", "malp", "busy_fraction", "required_units", "expected_coverage"]

# queueing: Larson's hypercube on a travel-time matrix
from yingji.siting.queueing import HypercubeResult, hypercube  # noqa: E402

__all__ += ["hypercube", "HypercubeResult"]
