"""The gaps of a hazard site: the one definition :func:`yingji.teams.allocate` reports and
:func:`yingji.teams.is_feasible_allocation` checks."""

from __future__ import annotations

import numpy as np

from yingji.teams.skills import _CREW_TOL, _TOL


def _site_gaps(hazard: str, skills: list[str], holds: dict, minutes: np.ndarray, max_minutes: float,
               crew_needed: float, crew_promised: float | None) -> list[dict]:
    """The gaps of one hazard site: the one definition :func:`allocate` reports and
    :func:`is_feasible_allocation` checks.

    Reach comes first. Each required skill (in the order the hazards table lists them) is a
    ``"no_skill"`` gap when no team holds it, else a ``"too_far"`` gap when no team holding it
    arrives within ``max_minutes`` (inclusive, tolerance ``config.COVER_TOL``). A site with a
    reach gap has only its reach gaps. A site without one has a single ``"crew_short"`` gap
    (skill: its required skills, ";"-separated) when the crew its primary teams promise falls
    short of ``crew_needed``.

    Parameters
    ----------
    hazard : str
        Hazard id (the ``hazard`` column of the rows).
    skills : list of str
        Required skills of the site, in table order.
    holds : dict of str to ndarray of bool
        For each skill, which teams hold it (one entry per team, the order of ``minutes``).
    minutes : ndarray of float
        Driving minutes from each team's base to the site (mobilisation excluded).
    max_minutes : float
        The site's maximum response time (minutes).
    crew_needed : float
        Crew the site needs (persons).
    crew_promised : float or None
        Crew the primary teams promise the site (persons); None before an allocation exists,
        which gives the reach gaps only (those do not depend on the allocation).

    Returns
    -------
    list of dict
        Rows ``hazard``, ``skill``, ``reason``, ``needed``, ``available``: for reach gaps 1 and
        0 (teams with the skill needed / in time), for a crew gap the crew needed and promised
        (persons).
    """
    in_time = np.asarray(minutes, dtype=float) <= max_minutes + _TOL
    rows = []
    for s in skills:
        has = holds.get(s)
        if has is None or not np.any(has):
            rows.append({"hazard": hazard, "skill": s, "reason": "no_skill", "needed": 1, "available": 0})
        elif not np.any(has & in_time):
            rows.append({"hazard": hazard, "skill": s, "reason": "too_far", "needed": 1, "available": 0})
    if rows or crew_promised is None:
        return rows  # the reach gap binds: crew is reported once every skill can arrive
    if crew_promised + _CREW_TOL < crew_needed:
        rows.append({"hazard": hazard, "skill": ";".join(skills), "reason": "crew_short",
                     "needed": float(crew_needed), "available": max(float(crew_promised), 0.0)})
    return rows
