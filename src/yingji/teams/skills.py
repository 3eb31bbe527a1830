"""Rescue-team norms: the known skills, the gap reasons, tolerances, and how skill lists are read."""

from __future__ import annotations

import numpy as np

from yingji import config

#: Known rescue specialities (skill tokens). The first five are those the county plan (task 15) and
#: the sample county use; the others are common specialities of Chinese professional rescue teams.
#: A token outside this list (and outside ``skills=``) is an error, so a typo such as ``"flod"``
#: is not silently reported as a ``no_skill`` gap. Pass ``skills=[...]`` to allow others.
SKILLS = (
    "non_coal_mine", "construction", "hazardous_chemicals", "rail_transit", "flood",
    "coal_mine", "earthquake", "urban_search_rescue", "forest_fire", "water_rescue", "mountain",
    "road_traffic", "tunnel", "power", "gas", "medical", "communications", "aviation",
)

#: The reasons a hazard site's need can go unmet.
GAP_REASONS = ("no_skill", "too_far", "crew_short")

_TOL = config.COVER_TOL
#: Persons: crew promised within this of ``crew_needed`` counts as enough.
_CREW_TOL = 1e-9


def _split(v) -> list[str]:
    """The skill tokens of a cell: ";"-separated text or a list; empty for None or NaN."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, (list, tuple, set)):
        return [str(s).strip() for s in v if str(s).strip()]
    return [s.strip() for s in str(v).split(";") if s.strip()]
