"""New rescue-team bases (and relocations of existing teams) that close the reach gaps.

:func:`plan_bases` — a set cover over the (hazard, skill) gaps through :func:`yingji.lscp`, or
with ``relocate=True`` the relocation MIP (:func:`_relocation_model`) — and its result
:class:`BasePlan` (the allocations before and after).
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._render.fmt import number as _number
from yingji._render.display import displayable
from yingji import config
from yingji._validation import Interval, check_param
from yingji._deadline import Deadline
from yingji._validation import Problems, describe_positions, describe_values
from yingji.results import SolveResult, to_jsonable
from yingji.geo.features import _GeoOut
from yingji.siting._inputs import check_mip_gap, check_time_limit
from yingji.solvers import ModelBuilder, solve
from yingji.teams.allocation import TeamAllocation, allocate
from yingji.teams.inputs import _get_table, _times_matrix
from yingji.teams.skills import _TOL, _split


@displayable
@dataclass(frozen=True)
class BasePlan(_GeoOut, SolveResult):
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
    objective, bound, gap, optimal, status, seconds
        The solve of the base model (:class:`yingji.results.SolveResult`): ``objective`` is
        ``cost`` (plus moving costs with ``relocate=True``); ``status`` ``"optimal"`` or
        ``"time_limit"`` (stopped early: see ``gap``).
    """

    new_bases: list
    new_teams: pd.DataFrame
    before: TeamAllocation
    after: TeamAllocation
    remaining_gaps: pd.DataFrame
    cost: float
    relocations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["team", "from_node", "candidate", "node", "cost"]))

    _units_ = {"objective": "yuan", "bound": "yuan"}

    def _summary_(self, lang: str = "en") -> dict:
        from yingji._render.results import bases_summary

        return bases_summary(self, lang)

    @property
    def geo(self):
        """Where the rows are (the ``after`` allocation's :class:`~yingji.geo.GeoRef`)."""
        return self.after.geo

    def _geo_layers(self) -> list:
        """The ``after`` allocation's layers; in ``team``, ``new`` marks the teams at new bases
        (``candidate``: their base) and ``moved`` the relocated ones."""
        layers = self.after._geo_layers()
        team = layers[0].props.copy()
        base = dict(zip(self.new_teams["team"].astype(str), self.new_teams["candidate"].astype(str)))
        moved = set(self.relocations["team"].astype(str)) if len(self.relocations) else set()
        team.insert(0, "candidate", [base.get(str(t)) for t in team.index])
        team.insert(0, "moved", [str(t) in moved for t in team.index])
        team.insert(0, "new", [str(t) in base for t in team.index])
        return [layers[0]._replace(props=team)] + layers[1:]

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
                **self.solve_dict(),
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
            + f" (cost {_number(self.cost, digits=0)} yuan); "
            f"gaps {len(self.before.gaps)} -> {len(self.after.gaps)}"
            + (f"; {len(self.remaining_gaps)} gaps no candidate closes" if len(self.remaining_gaps) else "")
        )

def plan_bases(
    county=None,
    *,
    teams: pd.DataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    times=None,
    candidate_times=None,
    hour: int | None = None,
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
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
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
    probs, dl, teams, hazards, candidates = _bases_inputs(county, teams, hazards, candidates, time_limit, mip_gap,
                                                          t0, new_team_crew=new_team_crew,
                                                          relocate_cost=relocate_cost)
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
    reach, crew_rows = _gaps_to_close(before, crew_gaps)
    empty_teams = pd.DataFrame(columns=["team", "candidate", "skill", "crew", "node"])
    if len(reach) == 0 or len(cand) == 0:
        return BasePlan(new_bases=[], new_teams=empty_teams, before=before, after=before, remaining_gaps=reach,
                        cost=0.0, objective=0.0, bound=0.0, gap=0.0, optimal=True, status="optimal",
                        seconds=_time.perf_counter() - t0)
    CT = _times_matrix(candidate_times if candidate_times is not None else (times if hasattr(times, "travel_times") else None),
                       cand, hazards, county, "candidate_times", probs, hour if candidate_times is None else None)
    probs.raise_if_any()
    h_pos = {h: i for i, h in enumerate(hazards.index)}
    M = pd.to_numeric(hazards["max_minutes"]).to_numpy(dtype=float)
    rows_h = np.array([h_pos[h] for h in reach["hazard"]])
    cover = (CT[:, rows_h] <= M[rows_h][None, :] + _TOL).T  # gap rows × candidates
    site_cost = pd.to_numeric(cand["cost"], errors="coerce").fillna(1.0).to_numpy(float) if "cost" in cand.columns else None
    cand_ids = list(cand.index)
    moves: list[tuple[int, int]] = []
    r_cost = None  # moving costs (relocate=True only)
    if relocate:
        T = _times_matrix(times, teams, hazards, county, "times", probs, hour)
        probs.raise_if_any()
        r_cost = _relocation_costs(teams, relocate_cost, probs)
        probs.raise_if_any()
        chosen, moves, by_other, new_rows, res = _relocation_model(
            teams, hazards, T, CT, M, reach, rows_h, site_cost, r_cost, dl.limit(0.8), mip_gap, crew_rows)
        covered_rows = (cover[:, chosen].any(axis=1) if chosen else np.zeros(len(reach), bool)) | by_other
    else:
        res = lscp(coverage=sp.csr_matrix(cover), site_cost=site_cost, uncoverable="drop", time_limit=dl.limit(0.8))
        chosen = [int(j) for j in res.sites]
        covered_rows = cover[:, chosen].any(axis=1) if chosen else np.zeros(len(reach), bool)
    remaining = reach[~covered_rows].reset_index(drop=True)
    need = pd.to_numeric(hazards["crew_needed"]).to_numpy(dtype=float)
    if not relocate:  # candidate position -> {skill: hazard positions it must serve}
        new_rows = _rows_by_base(chosen, cover, reach, rows_h)
    new_teams = _new_teams(chosen, new_rows, cand, cand_ids, need, new_team_crew)
    add = pd.DataFrame({"skills": new_teams["skill"], "crew": new_teams["crew"], "node": new_teams["node"]})
    add.index = new_teams["team"].tolist()
    relocations = _relocations_table(teams, cand, cand_ids, moves, r_cost)
    teams_after = _teams_after(teams, cand, moves, add)
    times_after = _times_after(times, teams, hazards, CT, cand_ids, new_teams, add, moves)
    after = allocate(county, teams=teams_after, hazards=hazards, times=times_after, time_limit=dl,
                     mip_gap=mip_gap, **allocate_kw)
    return BasePlan(new_bases=[cand_ids[j] for j in chosen], new_teams=new_teams, before=before, after=after,
                    remaining_gaps=remaining, cost=float(res.objective), relocations=relocations,
                    **SolveResult.figures(res, _time.perf_counter() - t0))


def _bases_inputs(county, teams, hazards, candidates, time_limit, mip_gap, t0, new_team_crew=None,
                  relocate_cost=None):
    """Check the arguments of :func:`plan_bases` that :func:`allocate` does not check.

    Returns ``(probs, deadline, teams, hazards, candidates)``: the problem collector (for the
    checks of later phases), the one deadline shared by every phase, and the tables (from the
    call or the county).
    """
    probs = Problems("plan_bases")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # shared by every phase below
    check_mip_gap(mip_gap, probs)
    check_param(probs, "new_team_crew", new_team_crew, Interval(float, 0, None, closed="neither"), None)
    check_param(probs, "relocate_cost", relocate_cost, Interval(float, 0, None), None)
    teams = _get_table(county, "teams", teams)
    hazards = _get_table(county, "hazards", hazards)
    candidates = _get_table(county, "candidates", candidates)
    if candidates is None or not isinstance(candidates, pd.DataFrame):
        probs.param("candidates", "a DataFrame of candidate sites (or a county with one)", type(candidates).__name__)
    probs.raise_if_any()
    return probs, dl, teams, hazards, candidates


def _gaps_to_close(before: TeamAllocation, crew_gaps: bool):
    """The gap rows new bases must close (reach gaps, and crew gaps with ``crew_gaps``).

    Returns the rows (``hazard``, ``skill``, ...; a crew gap's skill is the site's first
    required skill, the skill of the new team that closes it) and a mask of the crew rows.
    """
    reasons = ["no_skill", "too_far"] + (["crew_short"] if crew_gaps else [])
    reach = before.gaps[before.gaps["reason"].isin(reasons)].reset_index(drop=True)
    crew_rows = (reach["reason"] == "crew_short").to_numpy()
    if crew_rows.any():  # a crew gap is closed by a new team with the site's first skill
        reach.loc[crew_rows, "skill"] = [_split(k)[0] for k in reach.loc[crew_rows, "skill"]]
    return reach, crew_rows


def _rows_by_base(chosen, cover, reach, rows_h) -> dict:
    """For each chosen candidate (position): ``{skill: hazard positions}`` of the gap rows it covers."""
    new_rows = {}
    for j in chosen:
        rows_j = np.nonzero(cover[:, j])[0]
        new_rows[j] = {k: rows_h[rows_j[reach.loc[rows_j, "skill"].to_numpy() == k]]
                       for k in set(reach.loc[rows_j, "skill"])}
    return new_rows


def _new_teams(chosen, new_rows, cand, cand_ids, need, new_team_crew) -> pd.DataFrame:
    """One new team per chosen base and gap skill it closes (crew: ``new_team_crew`` or the
    largest ``crew_needed`` among the sites it serves)."""
    new = []
    for j in chosen:
        for skill in sorted(new_rows.get(j, {})):
            hs = np.asarray(new_rows[j][skill], dtype=int)
            crew = float(new_team_crew) if new_team_crew is not None else float(need[hs].max())
            new.append({"team": f"NEW-{cand_ids[j]}-{skill}", "candidate": cand_ids[j], "skill": skill,
                        "crew": crew, "node": cand["node"].iloc[j] if "node" in cand.columns else None})
    return pd.DataFrame(new, columns=["team", "candidate", "skill", "crew", "node"])


def _relocations_table(teams, cand, cand_ids, moves, r_cost) -> pd.DataFrame:
    """One row per team moved: ``team``, ``from_node``, ``candidate``, ``node``, ``cost``."""
    return pd.DataFrame(
        [{"team": teams.index[t], "from_node": teams["node"].iloc[t] if "node" in teams.columns else None,
          "candidate": cand_ids[j], "node": cand["node"].iloc[j] if "node" in cand.columns else None,
          "cost": float(r_cost[t])} for t, j in moves],
        columns=["team", "from_node", "candidate", "node", "cost"])


def _teams_after(teams, cand, moves, add) -> pd.DataFrame:
    """The teams table after the moves, with the new teams ``add`` appended."""
    teams = teams.copy()
    if "node" in teams.columns:
        for t, j in moves:
            teams.iloc[t, teams.columns.get_loc("node")] = cand["node"].iloc[j] if "node" in cand.columns else None
    teams_after = pd.concat([teams, add.reindex(columns=teams.columns)], axis=0)
    teams_after.loc[add.index, "skills"] = add["skills"]
    teams_after.loc[add.index, "crew"] = add["crew"]
    if "node" in teams_after.columns:
        teams_after.loc[add.index, "node"] = add["node"]
    return teams_after


def _times_after(times, teams, hazards, CT, cand_ids, new_teams, add, moves):
    """Minutes teams × hazards after the moves and with the new teams (a Network or None as given)."""
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
    return times_after


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
            probs.add(f"The 'teams' table of plan_bases must have a non-negative 'relocate_cost' (NaN = the "
                      f"team stays). Got {describe_values(col, bad)} for teams "
                      f"{describe_positions(bad, list(teams.index))} instead.")
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
    b = ModelBuilder("team_bases_relocation", sense="min")
    b.add_columns("bases", nY, cost=f, hi=1.0, integer=True)
    b.add_columns("moves", nM, cost=c[nY:], hi=1.0, integer=True)
    b.add_rows(ri, cj, np.array(vv, float), lo=np.array(lo, float),
               hi=np.concatenate([np.full(n_cover, np.inf), np.ones(r - n_cover)]), n_rows=r)
    model = b.build()
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
    return chosen, moves, by_other, new_rows, sol
