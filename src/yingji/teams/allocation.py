"""Rescue-team allocation: :class:`TeamAllocation`, :func:`allocate` and the checker
:func:`is_feasible_allocation`.

:func:`allocate` checks its inputs (:func:`_allocation_inputs`), builds and solves the allocation
MIP (:mod:`yingji.teams.allocation_model`), reports the gaps (:func:`yingji.teams.gaps._site_gaps`),
the assignments and the coverage per skill, then matches enterprises to teams
(:mod:`yingji.teams.mutual_aid`) in the time left.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._render.messages import term
from yingji import config
from yingji._deadline import Deadline
from yingji._validation import check_param, Interval, Problems
from yingji.geo.features import _GeoOut, GeoRef, line_layer, point_layer
from yingji.results import SolveResult, to_jsonable
from yingji.siting._inputs import check_mip_gap, check_time_limit
from yingji.teams.allocation_model import _allocation_model, _Sites, _sites, _solve_allocation
from yingji.teams.gaps import _site_gaps
from yingji.teams.inputs import _check_tables, _get_table, _times_matrix
from yingji.teams.mutual_aid import _mutual_aid
from yingji.teams.skills import _CREW_TOL, _TOL, _split


@displayable
@dataclass(frozen=True)
class TeamAllocation(_GeoOut, SolveResult):
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
    params: dict = field(default_factory=dict)
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    _units_ = {}

    def _summary_(self, lang: str = "en") -> dict:
        from yingji._render.results import allocation_summary

        return allocation_summary(self, lang)

    def _geo_layers(self) -> list:
        """``team`` and ``hazard`` points (``gaps``: how many gaps a site has), ``assignment``
        lines team → hazard and ``mutual_aid`` lines team → enterprise."""
        g = self._geo_ref()
        a, aid = self.assignments, self.mutual_aid
        teams = sorted(g.points.get("teams", pd.DataFrame(index=[])).index)
        hz = list(g.points.get("hazards", pd.DataFrame(index=[])).index)
        hprops = pd.DataFrame({"gaps": self.gaps.groupby("hazard").size().reindex(hz, fill_value=0)
                               .astype(int).to_numpy() if len(self.gaps) else np.zeros(len(hz), int)},
                              index=pd.Index(hz, name="hazard"))
        tprops = pd.DataFrame({"assigned": a.groupby("team").size().reindex(teams, fill_value=0)
                               .astype(int).to_numpy() if len(a) else np.zeros(len(teams), int)},
                              index=pd.Index(teams, name="team"))
        lines = a.set_index(pd.Index([f"{t}->{h}/{r}" for t, h, r in zip(a["team"], a["hazard"], a["role"])]))
        aid_l = aid.set_index(pd.Index([f"{t}->{e}" for t, e in zip(aid["team"], aid["enterprise"])]))
        return [point_layer("team", tprops, g.xy("teams", teams)),
                point_layer("hazard", hprops, g.xy("hazards", hz)),
                line_layer("assignment", lines, g.xy("teams", a["team"]), g.xy("hazards", a["hazard"])),
                line_layer("mutual_aid", aid_l, g.xy("teams", aid["team"]),
                           g.xy("enterprises", aid["enterprise"]))]

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
                "(" + ", ".join(f"{term(r)}: {c}" for r, c in self.gaps["reason"].value_counts().items()) + ")"
                if len(self.gaps)
                else ""
            )
        ]
        for _, r in self.coverage.iterrows():
            lines.append(
                f"  {term(r['skill'])}: {r['served']}/{r['hazards']} sites in time ({r['share']:.0%}), "
                f"{r['teams']} team{'' if r['teams'] == 1 else 's'}"
            )
        n_e = len(self.mutual_aid) + len(self.unassigned_enterprises)
        if n_e:
            lines.append(
                f"  mutual aid: {len(self.mutual_aid)} of {n_e} enterprises have an agreement"
            )
        return "\n".join(lines)


def allocate(
    county=None,
    *,
    teams: pd.DataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    enterprises: pd.DataFrame | None = None,
    times=None,
    enterprise_times=None,
    hour: int | None = None,
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
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
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
    dl, teams, hazards, ent, T, TE = _allocation_inputs(
        county, teams, hazards, enterprises, times, enterprise_times, concurrent=concurrent,
        backup_factor=backup_factor, backup_weight=backup_weight, aid_minutes=aid_minutes,
        max_agreements=max_agreements, skills=skills, time_limit=time_limit, mip_gap=mip_gap, t0=t0, hour=hour)
    p = _sites(teams, hazards, T, backup, backup_factor)
    k_conc = int(concurrent)
    model, offsets = _allocation_model(p, k_conc, backup_weight, backup_factor)
    # leave a tenth of the time for the mutual-aid LP (a small, totally unimodular LP)
    status, optimal, obj, bound, gapv, y_val, x_val, z_val = _solve_allocation(
        p, model, offsets, solver, dl.limit(0.9 if len(ent) else 1.0), mip_gap)
    gaps, gap_rows = _gap_table(p, y_val, x_val)
    assignments = _assignment_table(p, y_val, x_val, z_val)
    coverage = _coverage_table(p, gap_rows)
    aid, unassigned, aid_opt = _mutual_aid(ent, p.team_ids, p.team_sk, TE, float(aid_minutes), int(max_agreements),
                                           dl.limit())
    if not aid_opt:
        optimal, status = False, "time_limit"
    return TeamAllocation(
        assignments=assignments, gaps=gaps, coverage=coverage, mutual_aid=aid, unassigned_enterprises=unassigned,
        objective=float(obj), bound=float(bound), gap=float(gapv), optimal=bool(optimal), status=status,
        seconds=_time.perf_counter() - t0,
        params={"concurrent": k_conc, "backup": bool(backup), "n_hazards": p.nH, "n_teams": p.nT,
                "aid_minutes": float(aid_minutes), "max_agreements": int(max_agreements)},
        geo=GeoRef.of(county, tables=False, teams=teams, hazards=hazards, enterprises=ent),
    )


def _allocation_inputs(county, teams, hazards, enterprises, times, enterprise_times, *, concurrent,
                       backup_factor, backup_weight, aid_minutes, max_agreements, skills, time_limit, mip_gap,
                       t0, hour=None):
    """Check the arguments of :func:`allocate` (every problem collected, raised once).

    Returns ``(deadline, teams, hazards, enterprises, T, TE)``: the tables (from the call or the
    county) with string ids, ``T`` minutes teams × hazards and ``TE`` teams × enterprises.
    ``time_limit`` may be a :class:`~yingji._deadline.Deadline` shared with :func:`plan_bases`.
    """
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
    check_param(probs, "aid_minutes", aid_minutes, Interval(float, 0, None))
    check_param(probs, "backup_weight", backup_weight, Interval(float, 0, None))
    check_param(probs, "backup_factor", backup_factor, Interval(float, 0, None, closed="neither"))
    probs.raise_if_any()
    teams = teams.copy()
    hazards = hazards.copy()
    teams.index = teams.index.map(str)
    hazards.index = hazards.index.map(str)
    T = _times_matrix(times, teams, hazards, county, "times", probs, hour)
    ent = enterprises if enterprises is not None else pd.DataFrame(columns=["skill", "node"])
    ent = ent.copy()
    ent.index = ent.index.map(str)
    TE = _times_matrix(enterprise_times if enterprise_times is not None else (times if hasattr(times, "travel_times") else None),
                       teams, ent, county, "enterprise_times", probs,
                       hour if enterprise_times is None else None) if len(ent) else np.zeros((len(teams), 0))
    probs.raise_if_any()
    return dl, teams, hazards, ent, T, TE


def _gap_table(p: _Sites, y_val: np.ndarray, x_val: np.ndarray):
    """The gaps of every site (:func:`_site_gaps`) given the primaries' crew promises.

    Returns the ``gaps`` table and its rows (reach gaps of all sites, then crew gaps).
    """
    nH, eh, haz_ids, haz_sk, holds, T, M, c = p.nH, p.eh, p.haz_ids, p.haz_sk, p.holds, p.T, p.M, p.c
    promised = np.zeros(nH)
    np.add.at(promised, eh, np.where(y_val > 0.5, x_val, 0.0))
    site_rows = [g for h in range(nH)
                 for g in _site_gaps(haz_ids[h], haz_sk[h], holds, T[:, h], M[h], c[h], promised[h])]
    # table order: the reach gaps of all sites, then the crew gaps (each in site order)
    gap_rows = ([g for g in site_rows if g["reason"] != "crew_short"]
                + [g for g in site_rows if g["reason"] == "crew_short"])
    gaps = pd.DataFrame(gap_rows, columns=["hazard", "skill", "reason", "needed", "available"])
    return gaps, gap_rows


def _assignment_table(p: _Sites, y_val: np.ndarray, x_val: np.ndarray, z_val: np.ndarray) -> pd.DataFrame:
    """One row per (hazard, team, role) chosen: primaries with their crew, then backups; by site order."""
    et, eh, bt, bh, T = p.et, p.eh, p.bt, p.bh, p.T
    haz_ids, haz_sk, team_ids, team_sk = p.haz_ids, p.haz_sk, p.team_ids, p.team_sk
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
    return assignments


def _coverage_table(p: _Sites, gap_rows: list) -> pd.DataFrame:
    """Per skill: sites needing it, sites it reaches in time (no reach gap), share, teams holding it."""
    nH, haz_ids, haz_sk, skills, s_pos, KT = p.nH, p.haz_ids, p.haz_sk, p.skills, p.s_pos, p.KT
    cov = []
    reach_gap = {(g["hazard"], g["skill"]) for g in gap_rows if g["reason"] in ("no_skill", "too_far")}
    for s in skills:
        hs = [h for h in range(nH) if s in haz_sk[h]]
        served = sum((haz_ids[h], s) not in reach_gap for h in hs)
        cov.append({"skill": s, "hazards": len(hs), "served": served,
                    "share": served / len(hs) if hs else 1.0, "teams": int(KT[:, s_pos[s]].sum())})
    coverage = pd.DataFrame(cov, columns=["skill", "hazards", "served", "share", "teams"])
    return coverage


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

