"""Small hand-checkable rescue-team instance shared by the teams tests."""

from __future__ import annotations

import pandas as pd


def small_case():
    teams = pd.DataFrame(
        {"skills": ["flood", "flood;construction", "hazardous_chemicals"], "crew": [10, 6, 8]},
        index=["T1", "T2", "T3"],
    )
    hazards = pd.DataFrame(
        {
            "skill": ["flood", "construction", "hazardous_chemicals", "non_coal_mine", "flood"],
            "crew_needed": [8, 5, 12, 4, 3],
            "max_minutes": [30, 30, 30, 60, 10],
            "weight": [1, 2, 1, 1, 1],
        },
        index=["H1", "H2", "H3", "H4", "H5"],
    )
    times = pd.DataFrame(
        [[10, 50, 40, 5, 12], [20, 15, 40, 5, 11], [25, 25, 20, 5, 30]],
        index=["T1", "T2", "T3"],
        columns=hazards.index,
    )
    return teams, hazards, times
