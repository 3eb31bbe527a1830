"""Siting models on any cost matrix (DESIGN.md, Siting).

Coverage: :func:`lscp`, :func:`mclp`, :func:`backup_coverage`, :func:`coverage_curve`.
Median/center: :func:`p_median`, :func:`p_center`. Capacitated: :func:`capacitated_location`.
"""

from __future__ import annotations

__all__: list[str] = []

# --- re-exports added by each module as it lands (keep one block per module) ---
