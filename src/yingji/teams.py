"""Rescue teams: allocation of specialised teams to hazard sites, gaps, new bases, mutual aid.

The county plan (task 15) asks for professional rescue teams for non-coal mines, construction,
hazardous chemicals and rail transit, and for small enterprises to sign mutual-aid agreements
with a nearby team. This module answers three questions:

* :func:`allocate` — which team answers which hazard site (primary, optionally backup), so each
  site gets every skill and the crew it needs within its maximum response time, no team's crew
  is promised beyond what it has when several sites need it at once, and the total
  risk-weighted response time is least. Sites that cannot be served are *gaps*, each with its
  reason: ``"no_skill"`` (no team in the county has the skill), ``"too_far"`` (teams with the
  skill exist but none reaches the site in time) or ``"crew_short"`` (the teams that answer it
  promise less crew than it needs; only for a site without a reach gap). One definition
  (``_site_gaps``) serves :func:`allocate` and :func:`is_feasible_allocation`.
* :func:`plan_bases` — the fewest (or cheapest) new team bases among the candidate sites whose
  ``uses`` include ``team_base`` that close the ``too_far`` / ``no_skill`` gaps per skill,
  existing teams kept (a set-cover model through :func:`yingji.lscp`).
* mutual aid (part of :func:`allocate`) — each enterprise without its own team is assigned to
  the nearest team with its skill within a time limit, no team holding more than
  ``max_agreements`` agreements (a bipartite b-matching solved as a totally unimodular LP).

All times are minutes of driving from the team's base node to the hazard's node (mobilisation
excluded), origin × destination as :meth:`yingji.Network.travel_times` returns them.

References
----------
.. [1] 国务院安委会办公室, 《国家安全发展示范城市评价与管理办法》(2019), and the county plan's
   task 15 (professional rescue teams, mutual-aid agreements); ``rules.csv`` rows S1-*.
.. [2] Ogryczak, W. and Tamir, A. (2003). Minimizing the sum of the k largest functions in
   linear time. Information Processing Letters 85(3), 117-122. (The linear form of "the k
   largest crew promises of a team fit in its crew".)
.. [3] Church, R. and ReVelle, C. (1974). The maximal covering location problem. Papers of the
   Regional Science Association 32, 101-118; Toregas, C. et al. (1971). The location of emergency
   service facilities. Operations Research 19(6), 1363-1373 (set covering for new bases).
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji import config
from yingji._deadline import Deadline
from yingji._validation import Problems, describe_positions
from yingji.siting._inputs import check_mip_gap, check_time_limit
from yingji.results import to_jsonable
from yingji._odtimes import od_minutes
from yingji.solvers import SparseModel, solve

__all__ = [
    "TeamAllocation",
    "BasePlan",
    "allocate",
    "plan_bases",
    "is_feasible_allocation",
    "GAP_REASONS",
    "SKILLS",
]

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


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class TeamAllocation:
    """Teams assigned to hazard sites, the gaps, and the mutual-aid agreements.

    Attributes
    ----------
    assignments : pandas.DataFrame
        One row per (hazard, team, role): ``hazard``, ``team``, ``role`` ∈ {"primary", "backup"},
        ``skills`` (the required skills this team brings, ";"-separated), ``crew`` (crew promised
        to the site; 0 for backups), ``minutes`` (driving time base → hazard, mobilisation excluded).
    gaps : pandas.DataFrame
        ``hazard``, ``skill``, ``reason`` ∈ {"no_skill", "too_far", "crew_short"}, ``needed``,
        ``available`` (persons: crew needed / promised by the primaries for crew gaps; 1 / 0
        teams with the skill in time for the reach gaps). A site with a reach gap is reported
        for its reach gaps only.
    coverage : pandas.DataFrame
        Per skill: ``skill``, ``hazards`` (sites needing it), ``served`` (sites that get it in
        time), ``share``, ``teams`` (teams with the skill).
    mutual_aid : pandas.DataFrame
        ``enterprise``, ``team``, ``minutes`` for each agreement.
    unassigned_enterprises : pandas.DataFrame
        ``enterprise``, ``skill``, ``reason`` ("no_skill", "too_far" or "team_full").
    objective, bound, gap : float
        Total risk-weighted response time of the allocation (plus penalties for crew shortfalls
        and missing backups, see Notes of :func:`allocate`), its proven lower bound and the
        relative gap.
    optimal : bool
    status : str
        "optimal" or "time_limit".
    seconds : float
    """

    assignments: pd.DataFrame
    gaps: pd.DataFrame
    coverage: pd.DataFrame
    mutual_aid: pd.DataFrame
    unassigned_enterprises: pd.DataFrame
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    seconds: float
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The assignments table (one row per hazard, team and role)."""
        return self.assignments.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form."""
        return to_jsonable(
            {
                "assignments": self.assignments,
                "gaps": self.gaps,
                "coverage": self.coverage,
                "mutual_aid": self.mutual_aid,
                "unassigned_enterprises": self.unassigned_enterprises,
                "objective": self.objective,
                "bound": self.bound,
                "gap": self.gap,
                "optimal": self.optimal,
                "status": self.status,
                "seconds": self.seconds,
                "params": self.params,
            }
        )

    def summary(self) -> str:
        """Short text a person reads."""
        n_h = self.params.get("n_hazards", 0)
        served = n_h - self.gaps["hazard"].nunique() if len(self.gaps) else n_h
        lines = [
            f"Rescue teams: {served} of {n_h} hazard sites fully served "
            f"({self.status}, gap {self.gap:.2%}); {len(self.gaps)} gaps "
            + (
                "(" + ", ".join(f"{r}: {c}" for r, c in self.gaps["reason"].value_counts().items()) + ")"
                if len(self.gaps)
                else ""
            )
        ]
        for _, r in self.coverage.iterrows():
            lines.append(
                f"  {r['skill']}: {r['served']}/{r['hazards']} sites in time ({r['share']:.0%}), {r['teams']} teams"
            )
        n_e = len(self.mutual_aid) + len(self.unassigned_enterprises)
        if n_e:
            lines.append(
                f"  mutual aid: {len(self.mutual_aid)} of {n_e} enterprises have an agreement"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class BasePlan:
    """New team bases that close the reach gaps.

    Attributes
    ----------
    new_bases : list of str
        Candidate ids chosen (each once, even when it hosts several skills).
    new_teams : pandas.DataFrame
        One row per new team: ``team`` (new id), ``candidate``, ``skill``, ``crew``, ``node``.
    before, after : TeamAllocation
        The allocation without and with the new teams.
    remaining_gaps : pandas.DataFrame
        Gaps no candidate can close (reported, not hidden).
    relocations : pandas.DataFrame
        Existing teams moved to a candidate base (``relocate=True``): ``team``, ``from_node``,
        ``candidate``, ``node``, ``cost``. Empty otherwise.
    cost : float
        Total cost of the new bases (their count when candidates carry no cost).
    optimal : bool
    gap : float
    """

    new_bases: list
    new_teams: pd.DataFrame
    before: TeamAllocation
    after: TeamAllocation
    remaining_gaps: pd.DataFrame
    cost: float
    optimal: bool
    gap: float
    relocations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["team", "from_node", "candidate", "node", "cost"]))

    @property
    def status(self) -> str:
        """``"optimal"`` or ``"time_limit"`` (the base model stopped early: see ``gap``)."""
        return "optimal" if self.optimal else "time_limit"

    def to_frame(self) -> pd.DataFrame:
        """The new teams (one row per team: id, candidate base, skill, crew, node)."""
        return self.new_teams.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (with the allocations before and after)."""
        return to_jsonable(
            {
                "new_bases": list(self.new_bases),
                "new_teams": self.new_teams,
                "relocations": self.relocations,
                "remaining_gaps": self.remaining_gaps,
                "cost": self.cost,
                "optimal": self.optimal,
                "gap": self.gap,
                "before": self.before.to_dict(),
                "after": self.after.to_dict(),
            }
        )

    def summary(self) -> str:
        """One line: bases, moves, cost and the gaps before and after."""
        return (
            f"{len(self.new_bases)} new team bases {list(self.new_bases)}"
            + (f", {len(self.relocations)} team(s) moved "
               + str([f"{r.team}->{r.candidate}" for r in self.relocations.itertuples()])
               if len(self.relocations) else "")
            + f" (cost {self.cost:g}); "
            f"gaps {len(self.before.gaps)} -> {len(self.after.gaps)}"
            + (f"; {len(self.remaining_gaps)} gaps no candidate closes" if len(self.remaining_gaps) else "")
        )


# --------------------------------------------------------------------------- input handling
def _split(v) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, (list, tuple, set)):
        return [str(s).strip() for s in v if str(s).strip()]
    return [s.strip() for s in str(v).split(";") if s.strip()]


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
        probs.add(f"The 'teams' table of allocate has negative or missing crew for teams {describe_positions(range(len(bad)), list(bad))}.")
    need = pd.to_numeric(hazards["crew_needed"], errors="coerce")
    bad = hazards.index[~np.isfinite(need.to_numpy(dtype=float)) | (need < 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'hazards' table of allocate has negative or missing crew_needed for hazards {list(map(str, bad[:10]))}.")
    mm = pd.to_numeric(hazards["max_minutes"], errors="coerce")
    bad = hazards.index[~np.isfinite(mm.to_numpy(dtype=float)) | (mm <= 0).to_numpy()]
    if len(bad):
        probs.add(f"The 'hazards' table of allocate needs positive max_minutes; bad for hazards {list(map(str, bad[:10]))}.")
    if "weight" in hazards.columns:
        w = pd.to_numeric(hazards["weight"], errors="coerce")
        bad = hazards.index[~np.isfinite(w.to_numpy(dtype=float)) | (w < 0).to_numpy()]
        if len(bad):
            probs.add(f"The 'hazards' table of allocate has negative or missing weight for hazards {list(map(str, bad[:10]))}.")
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


def _times_matrix(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems):
    """Origins × destinations minutes (see :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, origins, dests, county, what, probs,
                      _TIME_TABLES.get(what, ("origins", "destinations")))


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


# --------------------------------------------------------------------------- allocation
def allocate(
    county=None,
    *,
    teams: pd.DataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    enterprises: pd.DataFrame | None = None,
    times=None,
    enterprise_times=None,
    concurrent: int = 1,
    backup: bool = False,
    backup_factor: float = 2.0,
    backup_weight: float = 0.5,
    aid_minutes: float = 30.0,
    max_agreements: int = 10,
    skills=None,
    time_limit: float = config.TIME_LIMIT,
    mip_gap: float = config.MIP_GAP,
    solver=None,
) -> TeamAllocation:
    r"""Assign rescue teams to hazard sites by skill, crew and response time.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``teams``, ``hazards``, ``enterprises`` and the network when they are not given.
    teams : DataFrame, optional
        Indexed by team id: ``skills`` (";"-separated), ``crew`` (persons on duty), ``node``.
    hazards : DataFrame, optional
        Indexed by hazard id: ``skill`` (";"-separated when several are required),
        ``crew_needed`` (persons), ``max_minutes`` (maximum response time), ``weight`` (risk
        weight, default 1), ``node``.
    enterprises : DataFrame, optional
        Indexed by enterprise id: ``skill``, ``node``. Enterprises without their own team that
        need a mutual-aid agreement.
    times : Network, DataFrame or array, optional
        Driving minutes teams × hazards (origin × destination; a DataFrame labelled by ids in
        either orientation). Default: routed on ``county.network``.
    enterprise_times : Network, DataFrame or array, optional
        Minutes teams × enterprises; default as ``times``.
    concurrent : int
        How many sites may need a team at the same time (default 1). The crew a team promises to
        its sites must fit in its crew for any ``concurrent`` of them together.
    backup : bool
        Also assign, for each required skill of each site, a second team (role ``"backup"``)
        within ``backup_factor × max_minutes``.
    backup_factor, backup_weight : float
        Time allowance and objective weight of backups.
    aid_minutes : float
        Time limit of a mutual-aid agreement (minutes).
    max_agreements : int
        Most agreements one team may hold.
    skills : iterable of str, optional
        Skill tokens allowed besides :data:`SKILLS`; any other token in ``teams.skills``,
        ``hazards.skill`` or ``enterprises.skill`` is a ValidationError (a misspelt skill would
        otherwise pass as a ``no_skill`` gap).
    time_limit : float
        Seconds for the whole call, counted from entry (the allocation MIP, then the
        mutual-aid LP in the time left). When the mutual-aid LP finds no point in time, a
        greedy matching (nearest pairs first) stands in and ``status="time_limit"``.
    mip_gap : float
    solver : None or PuLP solver
        See :func:`yingji.solvers.solve`.

    Returns
    -------
    TeamAllocation

    Raises
    ------
    ValidationError
        Missing tables or columns, duplicate ids, negative or missing crew, ``crew_needed`` or
        ``weight``, non-positive ``max_minutes``, hazards without a skill, unknown skills,
        teams / hazards / enterprises off the network (node missing or not in it), unknown ids
        in ``times``, NaN or negative times, bad parameters — all collected, raised once.

    See Also
    --------
    plan_bases : new bases that close the reach gaps.
    is_feasible_allocation : check an allocation against skills, crew and time.

    Notes
    -----
    Let :math:`E` be the eligible (team, hazard) pairs: team :math:`t` has at least one of the
    skills :math:`S_h` site :math:`h` needs and reaches it within :math:`M_h` minutes. With
    binaries :math:`y_{th}` (team answers), integer crew promises :math:`x_{th}` and crew
    shortfalls :math:`s_h \ge 0`:

    .. math::

        \min \sum_{(t,h)\in E} w_h \tau_{th} y_{th} + P \sum_h s_h
        \quad\text{s.t.}\quad
        \sum_{t:\,k\in K_t,(t,h)\in E} y_{th} \ge 1 \;\; \forall h, k\in S_h \text{ reachable},
        \qquad x_{th} \le q_t y_{th},
        \qquad \sum_t x_{th} + s_h \ge c_h,

    and, for each team, the sum of its ``concurrent`` largest promises at most its crew
    :math:`q_t`, written linearly as :math:`k u_t + \sum_h v_{th} \le q_t`,
    :math:`v_{th} \ge x_{th} - u_t`, :math:`u, v \ge 0` [2]_. :math:`P` exceeds any possible
    travel-time saving, so crew shortfalls are minimised first.

    References
    ----------
    .. [1] 国务院安委会办公室《国家安全发展示范城市评价与管理办法》(2019) and the county plan,
       task 15 (professional rescue teams, mutual-aid agreements); ``rules.csv`` S1-150 to S1-158.
    .. [2] Ogryczak, W. and Tamir, A. (2003). Minimizing the sum of the k largest functions in
       linear time. Information Processing Letters 85(3), 117-122.

    Examples
    --------
    >>> import pandas as pd
    >>> teams = pd.DataFrame({"skills": ["flood", "flood;construction"], "crew": [10, 6]},
    ...                      index=["T1", "T2"])
    >>> hazards = pd.DataFrame({"skill": ["flood", "construction"], "crew_needed": [8, 5],
    ...                         "max_minutes": [30, 30], "weight": [1, 1]}, index=["H1", "H2"])
    >>> times = pd.DataFrame([[10, 50], [20, 15]], index=["T1", "T2"], columns=["H1", "H2"])
    >>> al = allocate(teams=teams, hazards=hazards, times=times)
    >>> al.assignments[["hazard", "team", "role"]].values.tolist()
    [['H1', 'T1', 'primary'], ['H2', 'T2', 'primary']]
    >>> len(al.gaps)
    0
    """
    t0 = _time.perf_counter()
    probs = Problems("allocate")
    if isinstance(time_limit, Deadline):  # shared with plan_bases
        dl = time_limit
    else:
        dl = Deadline(check_time_limit(time_limit, probs), t0)
    check_mip_gap(mip_gap, probs)
    teams = _get_table(county, "teams", teams)
    hazards = _get_table(county, "hazards", hazards)
    enterprises = _get_table(county, "enterprises", enterprises)
    if skills is not None and not isinstance(skills, str):
        skills = list(skills)
    if skills is not None and (isinstance(skills, str) or not all(isinstance(k, str) for k in skills)):
        probs.param("skills", "an iterable of skill names (str)", skills)
        skills = None
    _check_tables(teams, hazards, enterprises, probs, skills)
    if isinstance(concurrent, (bool, np.bool_)) or not isinstance(concurrent, (int, np.integer)) or concurrent < 1:
        probs.param("concurrent", "an int >= 1", concurrent)
    if isinstance(max_agreements, (bool, np.bool_)) or not isinstance(max_agreements, (int, np.integer)) or max_agreements < 0:
        probs.param("max_agreements", "an int >= 0", max_agreements)
    for nm, v in (("aid_minutes", aid_minutes), ("backup_factor", backup_factor), ("backup_weight", backup_weight)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v) or v < 0:
            probs.param(nm, "a non-negative float", v)
    probs.raise_if_any()
    teams = teams.copy()
    hazards = hazards.copy()
    teams.index = teams.index.map(str)
    hazards.index = hazards.index.map(str)
    T = _times_matrix(times, teams, hazards, county, "times", probs)
    ent = enterprises if enterprises is not None else pd.DataFrame(columns=["skill", "node"])
    ent = ent.copy()
    ent.index = ent.index.map(str)
    TE = _times_matrix(enterprise_times if enterprise_times is not None else (times if hasattr(times, "travel_times") else None),
                       teams, ent, county, "enterprise_times", probs) if len(ent) else np.zeros((len(teams), 0))
    probs.raise_if_any()

    team_ids = list(teams.index)
    haz_ids = list(hazards.index)
    nT, nH = len(team_ids), len(haz_ids)
    team_sk = [set(_split(s)) for s in teams["skills"]]
    haz_sk = [_split(s) for s in hazards["skill"]]
    skills = sorted(set().union(*team_sk, *map(set, haz_sk))) if (nT or nH) else []
    s_pos = {s: i for i, s in enumerate(skills)}
    KT = np.zeros((nT, len(skills)), dtype=bool)
    for t, ss in enumerate(team_sk):
        KT[t, [s_pos[s] for s in ss]] = True
    q = pd.to_numeric(teams["crew"]).to_numpy(dtype=float)
    c = pd.to_numeric(hazards["crew_needed"]).to_numpy(dtype=float)
    M = pd.to_numeric(hazards["max_minutes"]).to_numpy(dtype=float)
    w = pd.to_numeric(hazards["weight"]).to_numpy(dtype=float) if "weight" in hazards.columns else np.ones(nH)

    # ---- eligibility and gaps that no allocation can avoid
    in_time = T <= M[None, :] + _TOL  # nT × nH
    holds = {s: KT[:, s_pos[s]] for s in skills}
    need_rows = []  # (h, skill index) rows that must be covered: required skills without a reach gap
    for h in range(nH):
        reach_gap = {g["skill"] for g in _site_gaps(haz_ids[h], haz_sk[h], holds, T[:, h], M[h], c[h], None)}
        need_rows += [(h, s_pos[s]) for s in haz_sk[h] if s not in reach_gap]
    need_sk = np.zeros((nH, len(skills)), dtype=bool)
    for h in range(nH):
        need_sk[h, [s_pos[s] for s in haz_sk[h]]] = True
    eligible = ((KT.astype(np.int64) @ need_sk.T.astype(np.int64)) > 0) & in_time  # nT × nH
    et, eh = np.nonzero(eligible)
    nE = et.size
    k_conc = int(concurrent)

    # backup eligibility
    if backup:
        in_time_b = T <= backup_factor * M[None, :] + _TOL
        elig_b = ((KT.astype(np.int64) @ need_sk.T.astype(np.int64)) > 0) & in_time_b
        bt, bh = np.nonzero(elig_b)
    else:
        bt = bh = np.zeros(0, dtype=np.int64)
    nB = bt.size
    backup_rows = []  # (h, k) for which a backup is wanted (needs >= 2 teams with k within backup time)
    if backup:
        for h in range(nH):
            for s in haz_sk[h]:
                k = s_pos[s]
                if (KT[:, k] & in_time_b[:, h]).sum() >= 2:
                    backup_rows.append((h, k))

    # ---- variables: y (nE), x (nE), s (nH), [u (nT), v (nE)], [z (nB), b (len backup_rows)]
    use_k = k_conc > 1
    n_y, n_x, n_s = nE, nE, nH
    n_u = nT if use_k else 0
    n_v = nE if use_k else 0
    n_z, n_b = nB, len(backup_rows)
    off_y, off_x, off_s = 0, nE, 2 * nE
    off_u = off_s + n_s
    off_v = off_u + n_u
    off_z = off_v + n_v
    off_b = off_z + n_z
    n_cols = off_b + n_b
    tau = T[et, eh]
    finite_T = T[np.isfinite(T)]
    tmax = float(finite_T.max()) if finite_T.size else 1.0
    P = float(w.sum() * max(tmax, 1.0) * (1 + backup_weight) * 2 + 1.0)  # beats any time saving
    Pb = float(w.sum() * max(tmax, 1.0) * backup_factor + 1.0)
    cvec = np.zeros(n_cols)
    cvec[off_y:off_y + nE] = w[eh] * tau
    cvec[off_s:off_s + nH] = P
    if nB:
        cvec[off_z:off_z + nB] = backup_weight * w[bh] * T[bt, bh]
        cvec[off_b:off_b + n_b] = Pb
    lo = np.zeros(n_cols)
    hi = np.full(n_cols, np.inf)
    hi[off_y:off_y + nE] = 1
    hi[off_x:off_x + nE] = q[et]
    hi[off_s:off_s + nH] = c
    if nB:
        hi[off_z:off_z + nB] = 1
    integ = np.zeros(n_cols, dtype=bool)
    integ[off_y:off_y + nE] = True
    integ[off_x:off_x + nE] = True
    integ[off_z:off_z + nB] = True

    rows_i, rows_j, rows_v, rlo, rhi = [], [], [], [], []
    r = 0
    # (1) each reachable required skill of each site: sum y over teams with the skill >= 1
    for h, k in need_rows:
        sel = np.nonzero((eh == h) & KT[et, k])[0]
        rows_i.append(np.full(sel.size, r)); rows_j.append(off_y + sel); rows_v.append(np.ones(sel.size))
        rlo.append(1.0); rhi.append(np.inf); r += 1
    # (2) x_e - q_t y_e <= 0  (vectorised block)
    if nE:
        idx = np.arange(nE)
        rows_i += [r + idx, r + idx]
        rows_j += [off_x + idx, off_y + idx]
        rows_v += [np.ones(nE), -q[et]]
        rlo += [-np.inf] * nE; rhi += [0.0] * nE; r += nE
    # (3) sum_t x_th + s_h >= c_h
    if nH:
        rows_i += [r + eh, r + np.arange(nH)]
        rows_j += [off_x + np.arange(nE), off_s + np.arange(nH)]
        rows_v += [np.ones(nE), np.ones(nH)]
        rlo += list(c); rhi += [np.inf] * nH; r += nH
    # (4) concurrency: k u_t + sum_h v_th <= q_t ; x_e - u_t - v_e <= 0
    if use_k:
        rows_i += [r + np.arange(nT), r + et]
        rows_j += [off_u + np.arange(nT), off_v + np.arange(nE)]
        rows_v += [np.full(nT, float(k_conc)), np.ones(nE)]
        rlo += [-np.inf] * nT; rhi += list(q); r += nT
        idx = np.arange(nE)
        rows_i += [r + idx, r + idx, r + idx]
        rows_j += [off_x + idx, off_u + et, off_v + idx]
        rows_v += [np.ones(nE), -np.ones(nE), -np.ones(nE)]
        rlo += [-np.inf] * nE; rhi += [0.0] * nE; r += nE
    else:
        # one site at a time: a promise is at most the crew (column bound above)
        pass
    # (5) backups: y_th + z_th <= 1 where both exist; sum z over teams with k + b_hk >= 1
    if nB:
        key_e = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(et, eh))}
        for zi, (a, b) in enumerate(zip(bt, bh)):
            ei = key_e.get((int(a), int(b)))
            if ei is not None:
                rows_i.append(np.array([r, r])); rows_j.append(np.array([off_y + ei, off_z + zi]))
                rows_v.append(np.ones(2)); rlo.append(-np.inf); rhi.append(1.0); r += 1
        for bi, (h, k) in enumerate(backup_rows):
            sel = np.nonzero((bh == h) & KT[bt, k])[0]
            rows_i.append(np.full(sel.size + 1, r))
            rows_j.append(np.concatenate([off_z + sel, [off_b + bi]]))
            rows_v.append(np.ones(sel.size + 1)); rlo.append(1.0); rhi.append(np.inf); r += 1

    status, optimal, obj, bound, gapv = "optimal", True, 0.0, 0.0, 0.0
    y_val = np.zeros(nE)
    x_val = np.zeros(nE)
    z_val = np.zeros(nB)
    if n_cols:
        A = sp.csr_matrix(
            (np.concatenate(rows_v) if rows_v else np.zeros(0),
             (np.concatenate(rows_i) if rows_i else np.zeros(0, int), np.concatenate(rows_j) if rows_j else np.zeros(0, int))),
            shape=(r, n_cols),
        )
        model = SparseModel(cvec, A, np.array(rlo, float), np.array(rhi, float), lo, hi, integ, sense="min",
                            name="team_allocation")
        # leave a tenth of the time for the mutual-aid LP (a small, totally unimodular LP)
        sol = solve(model, solver=solver, time_limit=dl.limit(0.9 if len(ent) else 1.0), mip_gap=mip_gap)
        if sol.has_solution:
            xv = sol.x
            y_val = np.round(xv[off_y:off_y + nE])
            x_val = np.round(xv[off_x:off_x + nE])
            z_val = np.round(xv[off_z:off_z + nB])
            obj, bound, gapv = sol.objective, sol.bound, sol.gap
            optimal, status = sol.optimal, sol.status
        else:  # pragma: no cover - tiny models always find a point; kept for safety
            optimal, status, obj, bound, gapv = False, "time_limit", float("nan"), sol.bound, float("inf")

    # ---- gaps: reach gaps, else a crew gap when the primaries' promised crew falls short
    promised = np.zeros(nH)
    np.add.at(promised, eh, np.where(y_val > 0.5, x_val, 0.0))
    site_rows = [g for h in range(nH)
                 for g in _site_gaps(haz_ids[h], haz_sk[h], holds, T[:, h], M[h], c[h], promised[h])]
    # table order: the reach gaps of all sites, then the crew gaps (each in site order)
    gap_rows = ([g for g in site_rows if g["reason"] != "crew_short"]
                + [g for g in site_rows if g["reason"] == "crew_short"])
    gaps = pd.DataFrame(gap_rows, columns=["hazard", "skill", "reason", "needed", "available"])

    # ---- assignments table
    recs = []
    for i in np.nonzero(y_val > 0.5)[0]:
        t, h = int(et[i]), int(eh[i])
        brings = [s for s in haz_sk[h] if s in team_sk[t]]
        recs.append({"hazard": haz_ids[h], "team": team_ids[t], "role": "primary", "skills": ";".join(brings),
                     "crew": float(x_val[i]), "minutes": float(T[t, h])})
    for i in np.nonzero(z_val > 0.5)[0]:
        t, h = int(bt[i]), int(bh[i])
        brings = [s for s in haz_sk[h] if s in team_sk[t]]
        recs.append({"hazard": haz_ids[h], "team": team_ids[t], "role": "backup", "skills": ";".join(brings),
                     "crew": 0.0, "minutes": float(T[t, h])})
    assignments = pd.DataFrame(recs, columns=["hazard", "team", "role", "skills", "crew", "minutes"])
    if len(assignments):
        order = {hid: i for i, hid in enumerate(haz_ids)}
        assignments = assignments.sort_values(
            by=["hazard", "role", "minutes"], key=lambda s: s.map(order) if s.name == "hazard" else s
        ).reset_index(drop=True)

    # ---- coverage per skill
    cov = []
    reach_gap = {(g["hazard"], g["skill"]) for g in gap_rows if g["reason"] in ("no_skill", "too_far")}
    for s in skills:
        hs = [h for h in range(nH) if s in haz_sk[h]]
        served = sum((haz_ids[h], s) not in reach_gap for h in hs)
        cov.append({"skill": s, "hazards": len(hs), "served": served,
                    "share": served / len(hs) if hs else 1.0, "teams": int(KT[:, s_pos[s]].sum())})
    coverage = pd.DataFrame(cov, columns=["skill", "hazards", "served", "share", "teams"])

    aid, unassigned, aid_opt = _mutual_aid(ent, team_ids, team_sk, TE, float(aid_minutes), int(max_agreements),
                                           dl.limit())
    if not aid_opt:
        optimal, status = False, "time_limit"
    return TeamAllocation(
        assignments=assignments,
        gaps=gaps,
        coverage=coverage,
        mutual_aid=aid,
        unassigned_enterprises=unassigned,
        objective=float(obj),
        bound=float(bound),
        gap=float(gapv),
        optimal=bool(optimal),
        status=status,
        seconds=_time.perf_counter() - t0,
        params={"concurrent": k_conc, "backup": bool(backup), "n_hazards": nH, "n_teams": nT,
                "aid_minutes": float(aid_minutes), "max_agreements": int(max_agreements)},
    )


def _mutual_aid(ent: pd.DataFrame, team_ids, team_sk, TE, limit: float, cap: int, time_limit: float):
    """Enterprises to the nearest team with their skill within ``limit``, at most ``cap`` each.

    A bipartite b-matching: maximise agreements, then minimise total minutes. The constraint
    matrix is an incidence matrix of a bipartite graph (totally unimodular), so the LP optimum is
    integral; the objective ``Σ (τ - L) a`` with ``L`` larger than any total time makes the count
    lexicographically first.
    """
    cols_aid = ["enterprise", "team", "minutes"]
    cols_un = ["enterprise", "skill", "reason"]
    nEn = len(ent)
    if nEn == 0:
        return pd.DataFrame(columns=cols_aid), pd.DataFrame(columns=cols_un), True
    ent_ids = list(ent.index)
    ent_sk = [_split(s) for s in ent["skill"]]
    nT = len(team_ids)
    ok = np.zeros((nT, nEn), dtype=bool)
    for e in range(nEn):
        for t in range(nT):
            ok[t, e] = bool(set(ent_sk[e]) & team_sk[t])
    has_skill = ok.copy()
    ok &= TE <= limit + _TOL
    pt, pe = np.nonzero(ok)
    chosen = np.zeros(pt.size, dtype=bool)
    exact = True
    if pt.size:
        tau = TE[pt, pe]
        L = float(tau.sum() + 1.0)
        n = pt.size
        A = sp.vstack([
            sp.csr_matrix((np.ones(n), (pe, np.arange(n))), shape=(nEn, n)),
            sp.csr_matrix((np.ones(n), (pt, np.arange(n))), shape=(nT, n)),
        ]).tocsr()
        model = SparseModel(tau - L, A, None, np.concatenate([np.ones(nEn), np.full(nT, float(cap))]),
                            0, 1, np.zeros(n, bool), sense="min", name="mutual_aid")
        sol = solve(model, time_limit=time_limit)
        if sol.has_solution and sol.optimal:  # the optimal vertex is integral (TU matrix)
            chosen = sol.x > 0.5
        else:  # stopped by the time limit: a feasible greedy matching, nearest pairs first
            exact = False
            used_e, used_t = np.zeros(nEn, dtype=bool), np.zeros(nT, dtype=np.int64)
            for q in np.argsort(tau, kind="stable"):
                if not used_e[pe[q]] and used_t[pt[q]] < cap:
                    chosen[q] = True
                    used_e[pe[q]] = True
                    used_t[pt[q]] += 1
    aid = pd.DataFrame({"enterprise": [ent_ids[e] for e in pe[chosen]], "team": [team_ids[t] for t in pt[chosen]],
                        "minutes": TE[pt[chosen], pe[chosen]]}, columns=cols_aid)
    done = set(pe[chosen].tolist())
    un = []
    for e in range(nEn):
        if e in done:
            continue
        if not has_skill[:, e].any():
            reason = "no_skill"
        elif not ok[:, e].any():
            reason = "too_far"
        else:
            reason = "team_full"
        un.append({"enterprise": ent_ids[e], "skill": ";".join(ent_sk[e]), "reason": reason})
    return aid.sort_values("enterprise").reset_index(drop=True), pd.DataFrame(un, columns=cols_un), exact


def is_feasible_allocation(al: TeamAllocation, teams: pd.DataFrame, hazards: pd.DataFrame, times) -> bool:
    """Check an allocation against skills, crew, response time and its reported gaps.

    Parameters
    ----------
    al : TeamAllocation
        The allocation to check (its primaries and gaps; backups are not checked).
    teams, hazards : DataFrame
        The tables :func:`allocate` took (``skills``, ``crew`` in persons; ``skill``,
        ``crew_needed`` in persons, ``max_minutes`` in minutes).
    times : DataFrame
        Driving minutes teams × hazards (rows team ids, columns hazard ids).

    Returns
    -------
    bool
        True when every primary team holds a skill its site needs and arrives within the site's
        ``max_minutes``, no promise exceeds the team's crew, the ``concurrent`` largest
        promises of each team fit in its crew, each site gets every required skill that is not
        a reach gap, and ``al.gaps`` lists exactly the gaps of each site as :func:`allocate`
        defines them (reach gaps first; a ``crew_short`` gap, only for a site without a reach
        gap, exactly when the primaries' promised crew is below ``crew_needed``).
    """
    teams = teams.copy()
    hazards = hazards.copy()
    teams.index = teams.index.map(str)
    hazards.index = hazards.index.map(str)
    T = times.copy()
    T.index = T.index.map(str)
    T.columns = T.columns.map(str)
    prim = al.assignments[al.assignments["role"] == "primary"]
    if not (set(prim["team"].map(str)) <= set(teams.index) and set(prim["hazard"].map(str)) <= set(hazards.index)):
        return False
    T = T.loc[teams.index, hazards.index].to_numpy(dtype=float)
    team_sk = [set(_split(v)) for v in teams["skills"]]
    q = pd.to_numeric(teams["crew"]).to_numpy(dtype=float)
    t_pos = {t: i for i, t in enumerate(teams.index)}
    holds = {s: np.array([s in ts for ts in team_sk], dtype=bool)
             for s in set().union(*team_sk, *(_split(v) for v in hazards["skill"]))}
    concurrent = int(al.params.get("concurrent", 1))
    expected: list[tuple] = []
    for h, hid in enumerate(hazards.index):
        need = _split(hazards["skill"].iloc[h])
        max_min = float(hazards["max_minutes"].iloc[h])
        grp = prim[prim["hazard"].map(str) == hid]
        got: set[str] = set()
        for team, crew in zip(grp["team"].map(str), grp["crew"]):
            t = t_pos[team]
            if not (team_sk[t] & set(need)) or T[t, h] > max_min + _TOL or crew > q[t] + _CREW_TOL:
                return False
            got |= team_sk[t] & set(need)
        site = _site_gaps(hid, need, holds, T[:, h], max_min, float(hazards["crew_needed"].iloc[h]),
                          float(grp["crew"].sum()))
        if set(need) - got - {g["skill"] for g in site if g["reason"] != "crew_short"}:
            return False  # a skill that can arrive in time does not
        expected += [(g["hazard"], g["skill"], g["reason"]) for g in site]
    reported = [(str(g.hazard), str(g.skill), str(g.reason)) for g in al.gaps.itertuples()]
    if sorted(reported) != sorted(expected):
        return False  # gaps misreported: not the one definition of _site_gaps
    for tid, grp in prim.groupby("team"):
        top = np.sort(grp["crew"].to_numpy())[::-1][:concurrent].sum()
        if top > q[t_pos[str(tid)]] + 1e-6:
            return False
    return True


# --------------------------------------------------------------------------- new bases
def plan_bases(
    county=None,
    *,
    teams: pd.DataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    times=None,
    candidate_times=None,
    new_team_crew: float | None = None,
    relocate: bool = False,
    relocate_cost: float | None = None,
    crew_gaps: bool = False,
    time_limit: float = config.TIME_LIMIT,
    mip_gap: float = config.MIP_GAP,
    **allocate_kw: Any,
) -> BasePlan:
    r"""The fewest (or cheapest) new team bases (or relocations) that close the reach gaps.

    Each (hazard, skill) gap with reason ``"no_skill"`` or ``"too_far"`` must be reached within
    the hazard's ``max_minutes`` by a new team of that skill at a candidate base (candidates whose
    ``uses`` include ``team_base``). A candidate chosen once may host teams of several skills, so
    the model is a set cover over (hazard, skill) rows whose columns are candidate bases, solved
    by :func:`yingji.lscp` (cost = candidate ``cost`` when present, else count):

    .. math:: \min \sum_j f_j x_j \quad\text{s.t.}\quad \sum_{j:\,\tau_{jh} \le M_h} x_j \ge 1
       \;\; \forall (h, k) \in \text{gaps}.

    Each chosen base then gets one new team per gap skill it closes, with ``new_team_crew``
    persons (default: the largest ``crew_needed`` among the sites it serves), and the allocation
    is recomputed (``after``). Gaps no candidate can close are returned in ``remaining_gaps``.

    Parameters
    ----------
    county : yingji.County, optional
    teams, hazards, candidates : DataFrame, optional
    times : Network, DataFrame or array, optional
        Teams × hazards minutes (see :func:`allocate`).
    candidate_times : Network, DataFrame or array, optional
        Candidates × hazards minutes (default: routed on ``county.network``).
    new_team_crew : float, optional
    relocate : bool, default False
        Also consider moving existing teams to candidate bases (instead of, or besides, new
        teams). A move must not open a reach gap the team used to close; see Notes.
    relocate_cost : float, optional
        Cost of moving a team, for teams without a ``relocate_cost`` column value (a NaN
        there, with no default, means the team stays where it is).
    crew_gaps : bool, default False
        Also close ``crew_short`` gaps: each needs a new base within the site's
        ``max_minutes``, whose new team (of the site's first required skill, with
        ``new_team_crew`` or the largest ``crew_needed`` it serves) brings the crew.
    time_limit, mip_gap : float
        ``time_limit``: seconds for the whole call, counted from entry: the ``before``
        allocation, the base model (4/5 of the time then left) and the ``after`` allocation
        each get the time left, not the whole limit again.
    **allocate_kw
        Passed to :func:`allocate` (``concurrent``, ``backup``, ...).

    Returns
    -------
    BasePlan

    Raises
    ------
    ValidationError
        No candidates table; anything :func:`allocate` rejects; candidates off the network
        or ``candidate_times`` not labelled candidates × hazards.

    Notes
    -----
    With ``relocate=True`` the model is a MIP over every (hazard, skill) row some option
    reaches in time — rows already served (a move must keep them served) and the reach gaps:
    binaries :math:`y_j` (new base, cost :math:`f_j`) and :math:`m_{tj}` (move team :math:`t`
    to :math:`j`, cost :math:`r_t`),

    .. math:: \min \sum_j f_j y_j + \sum_{tj} r_t m_{tj} \quad\text{s.t.}\quad
       \sum_j m_{tj} \le 1, \quad
       \sum_{t \in S_r} \Big(1 - \sum_j m_{tj}\Big) + \sum_{j \in N_r} y_j
       + \sum_{(t,j) \in V_r} m_{tj} \ge 1 \;\; \forall r,

    :math:`S_r` the teams with the skill that reach row :math:`r` where they are,
    :math:`N_r` the candidates within time, :math:`V_r` the moves of a team with the skill to
    a candidate within time. Costs of bases and moves should be in the same unit (a
    candidate without ``cost`` counts 1). Crew is not part of this model: the allocation
    ``after`` reports any ``crew_short`` gap a move leaves.

    References
    ----------
    .. [1] Toregas, C., Swain, R., ReVelle, C. and Bergman, L. (1971). The location of emergency
       service facilities. Operations Research 19(6), 1363-1373.
    """
    from yingji.siting import lscp  # the siting engine's set cover

    t0 = _time.perf_counter()
    probs = Problems("plan_bases")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # shared by every phase below
    check_mip_gap(mip_gap, probs)
    teams = _get_table(county, "teams", teams)
    hazards = _get_table(county, "hazards", hazards)
    candidates = _get_table(county, "candidates", candidates)
    if candidates is None or not isinstance(candidates, pd.DataFrame):
        probs.param("candidates", "a DataFrame of candidate sites (or a county with one)", type(candidates).__name__)
    probs.raise_if_any()
    before = allocate(county, teams=teams, hazards=hazards, times=times, time_limit=dl, mip_gap=mip_gap,
                      **allocate_kw)
    teams = teams.copy()
    teams.index = teams.index.map(str)
    hazards = hazards.copy()
    hazards.index = hazards.index.map(str)
    cand = candidates.copy()
    cand.index = cand.index.map(str)
    if "uses" in cand.columns:
        cand = cand[[("team_base" in _split(u)) for u in cand["uses"]]]
    reasons = ["no_skill", "too_far"] + (["crew_short"] if crew_gaps else [])
    reach = before.gaps[before.gaps["reason"].isin(reasons)].reset_index(drop=True)
    crew_rows = (reach["reason"] == "crew_short").to_numpy()
    if crew_rows.any():  # a crew gap is closed by a new team with the site's first skill
        reach.loc[crew_rows, "skill"] = [_split(k)[0] for k in reach.loc[crew_rows, "skill"]]
    empty_teams = pd.DataFrame(columns=["team", "candidate", "skill", "crew", "node"])
    if len(reach) == 0 or len(cand) == 0:
        return BasePlan([], empty_teams, before, before, reach, 0.0, True, 0.0)
    CT = _times_matrix(candidate_times if candidate_times is not None else (times if hasattr(times, "travel_times") else None),
                       cand, hazards, county, "candidate_times", probs)
    probs.raise_if_any()
    h_pos = {h: i for i, h in enumerate(hazards.index)}
    M = pd.to_numeric(hazards["max_minutes"]).to_numpy(dtype=float)
    rows_h = np.array([h_pos[h] for h in reach["hazard"]])
    cover = (CT[:, rows_h] <= M[rows_h][None, :] + _TOL).T  # gap rows × candidates
    site_cost = pd.to_numeric(cand["cost"], errors="coerce").fillna(1.0).to_numpy(float) if "cost" in cand.columns else None
    cand_ids = list(cand.index)
    moves: list[tuple[int, int]] = []
    if relocate:
        T = _times_matrix(times, teams, hazards, county, "times", probs)
        probs.raise_if_any()
        r_cost = _relocation_costs(teams, relocate_cost, probs)
        probs.raise_if_any()
        chosen, moves, by_other, new_rows, obj, opt, gapv = _relocation_model(
            teams, hazards, T, CT, M, reach, rows_h, site_cost, r_cost, dl.limit(0.8), mip_gap, crew_rows)
        covered_rows = (cover[:, chosen].any(axis=1) if chosen else np.zeros(len(reach), bool)) | by_other
        res = SimpleNamespace(objective=obj, optimal=opt, gap=gapv)
    else:
        res = lscp(coverage=sp.csr_matrix(cover), site_cost=site_cost, uncoverable="drop", time_limit=dl.limit(0.8))
        chosen = [int(j) for j in res.sites]
        covered_rows = cover[:, chosen].any(axis=1) if chosen else np.zeros(len(reach), bool)
    remaining = reach[~covered_rows].reset_index(drop=True)
    need = pd.to_numeric(hazards["crew_needed"]).to_numpy(dtype=float)
    if not relocate:  # candidate position -> {skill: hazard positions it must serve}
        new_rows = {}
        for j in chosen:
            rows_j = np.nonzero(cover[:, j])[0]
            new_rows[j] = {k: rows_h[rows_j[reach.loc[rows_j, "skill"].to_numpy() == k]]
                           for k in set(reach.loc[rows_j, "skill"])}
    new = []
    for j in chosen:
        for skill in sorted(new_rows.get(j, {})):
            hs = np.asarray(new_rows[j][skill], dtype=int)
            crew = float(new_team_crew) if new_team_crew is not None else float(need[hs].max())
            new.append({"team": f"NEW-{cand_ids[j]}-{skill}", "candidate": cand_ids[j], "skill": skill,
                        "crew": crew, "node": cand["node"].iloc[j] if "node" in cand.columns else None})
    new_teams = pd.DataFrame(new, columns=["team", "candidate", "skill", "crew", "node"])
    add = pd.DataFrame({"skills": new_teams["skill"], "crew": new_teams["crew"], "node": new_teams["node"]})
    add.index = new_teams["team"].tolist()
    relocations = pd.DataFrame(
        [{"team": teams.index[t], "from_node": teams["node"].iloc[t] if "node" in teams.columns else None,
          "candidate": cand_ids[j], "node": cand["node"].iloc[j] if "node" in cand.columns else None,
          "cost": float(r_cost[t])} for t, j in moves],
        columns=["team", "from_node", "candidate", "node", "cost"])
    teams = teams.copy()
    if "node" in teams.columns:
        for t, j in moves:
            teams.iloc[t, teams.columns.get_loc("node")] = cand["node"].iloc[j] if "node" in cand.columns else None
    teams_after = pd.concat([teams, add.reindex(columns=teams.columns)], axis=0)
    teams_after.loc[add.index, "skills"] = add["skills"]
    teams_after.loc[add.index, "crew"] = add["crew"]
    if "node" in teams_after.columns:
        teams_after.loc[add.index, "node"] = add["node"]
    if times is None or hasattr(times, "travel_times"):
        times_after = times
    else:
        base = times if isinstance(times, pd.DataFrame) else pd.DataFrame(np.asarray(times), index=teams.index, columns=hazards.index)
        base = base.copy(); base.index = base.index.map(str); base.columns = base.columns.map(str)
        if set(hazards.index) <= set(base.index):
            base = base.T
        extra = pd.DataFrame(CT[[cand_ids.index(cid) for cid in new_teams["candidate"]]], index=add.index,
                             columns=hazards.index)
        base = base.loc[teams.index, hazards.index].astype(float)
        for t, j in moves:  # a relocated team drives from its new base
            base.iloc[t] = CT[j]
        times_after = pd.concat([base, extra])
    after = allocate(county, teams=teams_after, hazards=hazards, times=times_after, time_limit=dl,
                     mip_gap=mip_gap, **allocate_kw)
    return BasePlan([cand_ids[j] for j in chosen], new_teams, before, after, remaining, float(res.objective),
                    bool(res.optimal), float(res.gap), relocations)


def _relocation_costs(teams: pd.DataFrame, default, probs: Problems) -> np.ndarray:
    """Cost of moving each team (``relocate_cost`` column, else ``default``); inf = not movable."""
    col = None
    for name in ("relocate_cost", "relocation_cost"):
        if name in teams.columns:
            col = pd.to_numeric(teams[name], errors="coerce").to_numpy(float)
            break
    if default is not None and not (isinstance(default, (int, float, np.integer, np.floating))
                                    and np.isfinite(default) and default >= 0):
        probs.param("relocate_cost", "a non-negative float or None", default)
        default = None
    r = np.full(len(teams), np.inf if default is None else float(default))
    if col is not None:
        bad = np.nonzero(col < 0)[0]
        if bad.size:
            probs.add(f"The 'teams' table of plan_bases has negative relocate_cost for teams "
                      f"{describe_positions(bad, list(teams.index))}.")
        r = np.where(np.isfinite(col), col, r)
    if not np.isfinite(r).any():
        probs.add("plan_bases(relocate=True) needs a cost of moving a team: a 'relocate_cost' column on the "
                  "teams table (NaN = the team stays) or the 'relocate_cost' parameter.")
    return r


def _relocation_model(teams, hazards, T, CT, M, reach, rows_h, site_cost, r_cost, time_limit, mip_gap,
                      crew_rows=None):
    r"""New bases and relocations of existing teams that close the reach gaps at least cost.

    Rows are every (hazard, skill) pair that some option reaches in time: those already
    reached (a move must not open a gap) and the reach gaps. With :math:`y_j` (new base at
    candidate :math:`j`, cost :math:`f_j`) and :math:`m_{tj}` (team :math:`t` moves to
    :math:`j`, cost :math:`r_t`):

    .. math:: \min \sum_j f_j y_j + \sum_{tj} r_t m_{tj} \;\text{s.t.}\;
       \sum_j m_{tj} \le 1,\;
       \sum_{t \in S_r} (1 - \sum_j m_{tj}) + \sum_{j \in N_r} y_j
       + \sum_{(t, j) \in V_r} m_{tj} \ge 1

    where :math:`S_r` are the teams with the skill that reach row :math:`r` from where they
    are, :math:`N_r` the candidates within time (a new base hosts a team of any skill) and
    :math:`V_r` the moves of a team with the skill to a candidate within time.

    Returns (chosen candidates, moves [(team pos, cand pos)], reach rows covered by stays or
    moves, objective, optimal, gap).
    """
    nT, nC = T.shape[0], CT.shape[0]
    team_sk = [set(_split(v)) for v in teams["skills"]]
    haz_sk = [_split(v) for v in hazards["skill"]]
    rows = [(h, k) for h in range(len(haz_sk)) for k in haz_sk[h]]
    within_c = CT <= M[None, :] + _TOL       # candidates × hazards
    within_t = T <= M[None, :] + _TOL        # teams × hazards
    movable = np.nonzero(np.isfinite(r_cost))[0]
    pairs = [(int(t), j) for t in movable for j in range(nC)]
    nY, nM = nC, len(pairs)
    f = np.ones(nC) if site_cost is None else np.asarray(site_cost, float)
    c = np.concatenate([f, np.array([r_cost[t] for t, _ in pairs])])
    ri, cj, vv, lo = [], [], [], []
    r = 0
    for h, k in rows:
        stay = [t for t in range(nT) if k in team_sk[t] and within_t[t, h]]
        new = np.nonzero(within_c[:, h])[0]
        mv = [q for q, (t, j) in enumerate(pairs) if k in team_sk[t] and within_c[j, h]]
        if not stay and not new.size and not mv:
            continue  # no option reaches it: a remaining gap
        lhs_i, lhs_v = list(new), [1.0] * new.size
        lhs_i += [nY + q for q in mv]
        lhs_v += [1.0] * len(mv)
        for q, (t, _j) in enumerate(pairs):
            if t in stay:
                lhs_i.append(nY + q)
                lhs_v.append(-1.0)
        ri += [r] * len(lhs_i); cj += lhs_i; vv += lhs_v
        lo.append(1.0 - len(stay)); r += 1
    crew_rows = np.zeros(len(reach), bool) if crew_rows is None else np.asarray(crew_rows, bool)
    for i in np.nonzero(crew_rows)[0]:  # crew gaps: a new base within time (a new team brings crew)
        new = np.nonzero(within_c[:, rows_h[i]])[0]
        if new.size:
            ri += [r] * new.size; cj += list(new); vv += [1.0] * new.size
            lo.append(1.0); r += 1
    n_cover = r
    for t in movable:
        qs = [q for q, (tt, _j) in enumerate(pairs) if tt == t]
        ri += [r] * len(qs); cj += [nY + q for q in qs]; vv += [1.0] * len(qs)
        lo.append(-np.inf); r += 1
    A = sp.csr_matrix((np.array(vv, float), (np.array(ri, int), np.array(cj, int))), shape=(r, nY + nM))
    hi = np.concatenate([np.full(n_cover, np.inf), np.ones(r - n_cover)])
    model = SparseModel(c, A, np.array(lo, float), hi, 0, 1, np.ones(nY + nM, bool), sense="min",
                        name="team_bases_relocation")
    sol = solve(model, time_limit=time_limit, mip_gap=mip_gap)
    x = np.round(sol.x) if sol.has_solution else np.zeros(nY + nM)
    chosen = [int(j) for j in np.nonzero(x[:nY] > 0.5)[0]]
    moves = [pairs[q] for q in np.nonzero(x[nY:] > 0.5)[0]]
    moved = {t: j for t, j in moves}

    def served_by_teams(h, k):  # by the existing teams where they are after the moves
        return any(k in team_sk[t] and (within_c[moved[t], h] if t in moved else within_t[t, h])
                   for t in range(nT))

    by_other = np.array([served_by_teams(h, k) and not c for h, k, c in zip(rows_h, reach["skill"], crew_rows)],
                        dtype=bool)
    # every row (a former reach gap, or one a move left) not served by the teams gets a new team
    # at each chosen base that reaches it
    new_rows: dict = {}
    extra = [(int(rows_h[i]), reach["skill"].iloc[i]) for i in np.nonzero(crew_rows)[0]]
    for n_row, (h, k) in enumerate(rows + extra):
        if n_row < len(rows) and served_by_teams(h, k):
            continue
        for j in chosen:
            if within_c[j, h] and h not in new_rows.get(j, {}).get(k, []):
                new_rows.setdefault(j, {}).setdefault(k, []).append(h)
    return chosen, moves, by_other, new_rows, float(sol.objective), bool(sol.optimal), float(sol.gap)
