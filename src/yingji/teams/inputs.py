"""Rescue-team inputs: the tables (from the call or the county), their checks, and travel minutes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._odtimes import od_minutes
from yingji._validation import Problems, describe_positions, describe_values
from yingji.teams.skills import SKILLS, _split


def _get_table(county, name, given):
    if given is not None:
        return given
    if county is None:
        return None
    return getattr(county, name, None)


def _check_tables(teams, hazards, enterprises, probs: Problems, extra_skills=None):
    for name, df, cols in (
        ("teams", teams, ("skills", "crew")),
        ("hazards", hazards, ("skill", "crew_needed", "max_minutes")),
    ):
        if df is None or not isinstance(df, pd.DataFrame):
            probs.param(name, "a DataFrame (or a county with that table)", type(df).__name__)
            continue
        missing = [c for c in cols if c not in df.columns]
        if missing:
            probs.add(f"The {name!r} table of allocate is missing column(s) {missing}; it has {list(df.columns)}.")
            continue
        if df.index.has_duplicates:
            dup = df.index[df.index.duplicated()].unique().tolist()
            probs.add(f"The {name!r} table of allocate has duplicate ids {dup[:10]}.")
    if probs.items:
        return
    crew = pd.to_numeric(teams["crew"], errors="coerce")
    bad = teams.index[~np.isfinite(crew.to_numpy(dtype=float)) | (crew < 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'teams' table of allocate must have a non-negative 'crew' for every team. Got "
                  f"{describe_values(teams.loc[bad, 'crew'].to_numpy())} for teams "
                  f"{describe_positions(range(len(bad)), list(bad))} instead.")
    need = pd.to_numeric(hazards["crew_needed"], errors="coerce")
    bad = hazards.index[~np.isfinite(need.to_numpy(dtype=float)) | (need < 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'hazards' table of allocate must have a non-negative 'crew_needed' for every hazard. "
                  f"Got {describe_values(hazards.loc[bad, 'crew_needed'].to_numpy())} for hazards "
                  f"{list(map(str, bad[:10]))} instead.")
    mm = pd.to_numeric(hazards["max_minutes"], errors="coerce")
    bad = hazards.index[~np.isfinite(mm.to_numpy(dtype=float)) | (mm <= 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'hazards' table of allocate must have a positive 'max_minutes' for every hazard. "
                  f"Got {describe_values(hazards.loc[bad, 'max_minutes'].to_numpy())} for hazards "
                  f"{list(map(str, bad[:10]))} instead.")
    if "weight" in hazards.columns:
        w = pd.to_numeric(hazards["weight"], errors="coerce")
        bad = hazards.index[~np.isfinite(w.to_numpy(dtype=float)) | (w < 0).to_numpy()]
        if len(bad):
            probs.add(f"The 'hazards' table of allocate must have a non-negative 'weight' for every hazard. "
                      f"Got {describe_values(hazards.loc[bad, 'weight'].to_numpy())} for hazards "
                      f"{list(map(str, bad[:10]))} instead.")
    empty = [str(h) for h, s in hazards["skill"].items() if not _split(s)]
    if empty:
        probs.add(f"The 'hazards' table of allocate has hazards with no required skill: {empty[:10]}.")
    if enterprises is not None and len(enterprises) and "skill" not in enterprises.columns:
        probs.add(f"The 'enterprises' table of allocate is missing column 'skill'; it has {list(enterprises.columns)}.")
    known = set(SKILLS) | set(extra_skills or ())
    for name, df, col in (("teams", teams, "skills"), ("hazards", hazards, "skill"),
                          ("enterprises", enterprises, "skill")):
        if df is None or not len(df) or col not in df.columns:
            continue
        bad: dict[str, list] = {}
        for i, v in df[col].items():
            for tok in _split(v):
                if tok not in known:
                    bad.setdefault(tok, []).append(str(i))
        if bad:
            probs.add(f"The {name!r} table of allocate names unknown skill(s) "
                      + "; ".join(f"{tok!r} (ids {ids[:5]}{' ...' if len(ids) > 5 else ''})" for tok, ids in bad.items())
                      + f". Known skills: {sorted(known)}; pass skills=[...] to allow others.")


#: Which tables are the origins and destinations of each times argument (for messages).
_TIME_TABLES = {"times": ("teams", "hazards"), "enterprise_times": ("teams", "enterprises"),
                "candidate_times": ("candidates", "hazards")}


def _times_matrix(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems,
                  hour=None):
    """Origins × destinations minutes (see :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, origins, dests, county, what, probs,
                      _TIME_TABLES.get(what, ("origins", "destinations")), hour=hour)
