"""New team bases (plan_bases), unknown skills, sites off the network and every validation error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.exceptions import ValidationError
from yingji.teams import SKILLS, allocate, is_feasible_allocation, plan_bases



from cases_teams import small_case  # noqa: E402  (shared instance)


def candidates_case():
    teams, hazards, times = small_case()
    # H4 needs non_coal_mine (no team has it); H5 needs flood within 10 min (T1 12, T2 11)
    cand = pd.DataFrame({"cost": [5.0, 3.0, 4.0, 1.0], "uses": ["team_base", "fire;team_base", "team_base", "fire"]},
                        index=["C1", "C2", "C3", "C4"])
    # candidates × hazards minutes: C1 and C2 reach H5 in time (C2 is cheaper), C3 reaches H4,
    # C4 reaches both but is not a team base
    ct = pd.DataFrame([[50, 50, 50, 70, 5], [50, 50, 50, 70, 8], [50, 50, 50, 30, 40], [1, 1, 1, 1, 1]],
                      index=cand.index, columns=hazards.index, dtype=float)
    return teams, hazards, times, cand, ct


def test_plan_bases_closes_reach_gaps_at_least_cost():
    teams, hazards, times, cand, ct = candidates_case()
    bp = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct)
    assert sorted(bp.new_bases) == ["C2", "C3"]  # C2 cheaper than C1 for H5; C4 is no team base
    assert bp.optimal and bp.gap <= 1e-6
    assert bp.cost == pytest.approx(3.0 + 4.0)
    assert set(zip(bp.new_teams["candidate"], bp.new_teams["skill"])) == {("C2", "flood"), ("C3", "non_coal_mine")}
    before = {(g.hazard, g.reason) for g in bp.before.gaps.itertuples()}
    after = {(g.hazard, g.reason) for g in bp.after.gaps.itertuples()}
    assert {("H4", "no_skill"), ("H5", "too_far")} <= before
    assert not {g for g in after if g[1] in ("no_skill", "too_far")}
    assert len(bp.remaining_gaps) == 0
    # the new teams really answer the sites, by their own travel times
    prim = bp.after.assignments
    assert set(prim.loc[prim.hazard == "H5", "team"]) == {"NEW-C2-flood"}
    assert prim.loc[prim.hazard == "H5", "minutes"].iloc[0] == pytest.approx(8.0)
    # minimal: dropping any chosen base reopens a gap
    for j in bp.new_bases:
        rest = [k for k in bp.new_bases if k != j]
        ok = (ct.loc[rest, ["H4", "H5"]] <= hazards.loc[["H4", "H5"], "max_minutes"].to_numpy()).any(axis=0) \
            if rest else pd.Series([False, False])
        assert not ok.all()
    d = bp.to_dict()
    assert d["new_bases"] == bp.new_bases and "after" in d
    assert "new team bases" in bp.summary()
    assert list(bp.to_frame().columns) == ["team", "candidate", "skill", "crew", "node"]


def test_plan_bases_reports_gaps_no_candidate_closes():
    teams, hazards, times, cand, ct = candidates_case()
    ct2 = ct.copy()
    ct2.loc[:, "H4"] = 500.0  # nothing reaches the mine in time
    bp = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct2)
    assert bp.new_bases == ["C2"]
    assert bp.remaining_gaps[["hazard", "reason"]].values.tolist() == [["H4", "no_skill"]]


def test_plan_bases_nothing_to_do():
    teams, hazards, times, cand, ct = candidates_case()
    bp = plan_bases(teams=teams, hazards=hazards.loc[["H1", "H2"]], candidates=cand, times=times[["H1", "H2"]],
                    candidate_times=ct[["H1", "H2"]])
    assert bp.new_bases == [] and bp.after is bp.before and bp.cost == 0


def test_plan_bases_on_the_sample_county_closes_gaps():
    c = yj.datasets.sample_county()
    bp = plan_bases(c, time_limit=30)
    reach_before = bp.before.gaps[bp.before.gaps.reason.isin(["no_skill", "too_far"])]
    reach_after = bp.after.gaps[bp.after.gaps.reason.isin(["no_skill", "too_far"])]
    assert len(reach_before) > 0 and len(bp.new_bases) > 0
    assert len(reach_after) == len(bp.remaining_gaps)
    assert set(bp.new_bases) <= set(c.candidates.index[c.candidates["uses"].str.contains("team_base")])
    # the travel times of the new teams are the network's, base node -> hazard node
    new = bp.new_teams.set_index("team")
    prim = bp.after.assignments
    rows = prim[prim.team.isin(new.index)]
    T = c.network.travel_times(new.loc[rows.team, "node"].tolist(), c.hazards.loc[rows.hazard, "node"].tolist())
    assert np.allclose(np.diag(T), rows["minutes"].to_numpy())


def test_plan_bases_needs_candidates():
    teams, hazards, times = small_case()
    with pytest.raises(ValidationError, match="'candidates' parameter of plan_bases"):
        plan_bases(teams=teams, hazards=hazards, times=times)


def test_unknown_skills_are_errors_unless_allowed():
    teams, hazards, times = small_case()
    h = hazards.copy()
    h.loc["H1", "skill"] = "flod"
    with pytest.raises(ValidationError, match=r"'hazards' table of allocate names unknown skill\(s\) 'flod' \(ids \['H1'\]\)"):
        allocate(teams=teams, hazards=h, times=times)
    t = teams.copy()
    t.loc["T2", "skills"] = "flood;bulding"
    with pytest.raises(ValidationError, match=r"'teams' table .* unknown skill\(s\) 'bulding'"):
        allocate(teams=t, hazards=hazards, times=times)
    ent = pd.DataFrame({"skill": ["flood", "chemicals"]}, index=["E1", "E2"])
    with pytest.raises(ValidationError, match=r"'enterprises' table .* 'chemicals' \(ids \['E2'\]\)"):
        allocate(teams=teams, hazards=hazards, times=times, enterprises=ent,
                 enterprise_times=np.ones((3, 2)))
    # a user-declared skill is allowed, and with no team it is a no_skill gap
    al = allocate(teams=teams, hazards=h, times=times, skills=["flod"])
    assert ("H1", "no_skill") in {(g.hazard, g.reason) for g in al.gaps.itertuples()}
    with pytest.raises(ValidationError, match="'skills' parameter of allocate"):
        allocate(teams=teams, hazards=hazards, times=times, skills="flood")
    assert {"non_coal_mine", "construction", "hazardous_chemicals", "rail_transit", "flood"} <= set(SKILLS)


def small_network():
    edges = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 3], "minutes": [5.0, 5.0, 5.0]})
    nodes = pd.DataFrame({"x": [0.0, 1000.0, 2000.0, 3000.0], "y": [0.0] * 4})
    return yj.Network.from_edges(edges, nodes=nodes)


def test_network_times_and_sites_off_the_network():
    net = small_network()
    teams = pd.DataFrame({"skills": ["flood"], "crew": [10], "node": [0]}, index=["T1"])
    hazards = pd.DataFrame({"skill": ["flood", "flood"], "crew_needed": [5, 5], "max_minutes": [12, 12],
                            "node": [2, 3]}, index=["H1", "H2"])
    al = allocate(teams=teams, hazards=hazards, times=net)
    assert al.assignments.set_index("hazard")["minutes"].to_dict() == {"H1": 10.0}
    assert al.gaps[["hazard", "reason"]].values.tolist() == [["H2", "too_far"]]
    assert is_feasible_allocation(al, teams, hazards, pd.DataFrame(net.travel_times([0], [2, 3]),
                                                                   index=["T1"], columns=["H1", "H2"]))
    bad = hazards.assign(node=[2, 99])
    with pytest.raises(ValidationError, match=r"Sites off the network in allocate: hazards with ids 'H2' have nodes 99"):
        allocate(teams=teams, hazards=bad, times=net)
    bad_t = teams.assign(node=[None])
    with pytest.raises(ValidationError, match=r"teams with ids 'T1' have nodes None"):
        allocate(teams=bad_t, hazards=hazards, times=net)
    with pytest.raises(ValidationError, match="hazards table of allocate needs a 'node' column"):
        allocate(teams=teams, hazards=hazards.drop(columns="node"), times=net)


def test_every_table_error_is_named():
    teams, hazards, times = small_case()
    t = pd.concat([teams, teams.iloc[[0]]])
    with pytest.raises(ValidationError, match=r"'teams' table of allocate has duplicate ids \['T1'\]"):
        allocate(teams=t, hazards=hazards, times=times)
    h = hazards.copy()
    h.loc["H2", "crew_needed"] = -1
    with pytest.raises(ValidationError, match=r"non-negative 'crew_needed' for every hazard. Got -1 for hazards \['H2'\] instead"):
        allocate(teams=teams, hazards=h, times=times)
    h = hazards.copy()
    h.loc["H3", "max_minutes"] = 0
    with pytest.raises(ValidationError, match=r"positive 'max_minutes' for every hazard. Got 0 for hazards \['H3'\] instead"):
        allocate(teams=teams, hazards=h, times=times)
    h = hazards.copy()
    h.loc["H1", "weight"] = -2
    with pytest.raises(ValidationError, match=r"non-negative 'weight' for every hazard. Got -2 for hazards \['H1'\] instead"):
        allocate(teams=teams, hazards=h, times=times)
    ent = pd.DataFrame({"kind": ["x"]}, index=["E1"])
    with pytest.raises(ValidationError, match="'enterprises' table of allocate is missing column 'skill'"):
        allocate(teams=teams, hazards=hazards, times=times, enterprises=ent)
    with pytest.raises(ValidationError, match="'hazards' parameter of allocate"):
        allocate(teams=teams, hazards=None, times=times)


def test_every_parameter_error_is_named():
    teams, hazards, times = small_case()
    with pytest.raises(ValidationError, match="'max_agreements' parameter of allocate must be an int >= 0"):
        allocate(teams=teams, hazards=hazards, times=times, max_agreements=-1)
    with pytest.raises(ValidationError, match="'aid_minutes' parameter of allocate"):
        allocate(teams=teams, hazards=hazards, times=times, aid_minutes=-5.0)
    with pytest.raises(ValidationError, match="'backup_factor' parameter of allocate"):
        allocate(teams=teams, hazards=hazards, times=times, backup_factor=float("nan"))
    with pytest.raises(ValidationError, match="'times' parameter of allocate"):
        allocate(teams=teams, hazards=hazards)
    # problems in several places are collected and raised once
    h = hazards.copy()
    h.loc["H1", "skill"] = "flod"
    with pytest.raises(ValidationError) as ei:
        allocate(teams=teams, hazards=h, times=times, concurrent=0, max_agreements=-1)
    msg = str(ei.value)
    assert "'concurrent'" in msg and "'max_agreements'" in msg and "'flod'" in msg


# ----------------------------------------------------------------------------- relocations
def test_relocation_cheaper_than_a_new_base():
    teams, hazards, times, cand, ct = candidates_case()
    # moving T1 (flood) to C2 reaches H5 in 8 min; T2 still answers H1 (flood) in 20 min
    t = teams.assign(relocate_cost=[1.0, np.nan, np.nan])
    bp = plan_bases(teams=t, hazards=hazards, candidates=cand, times=times, candidate_times=ct, relocate=True)
    # C1 and C2 both reach H5 in time; a move costs the same to either (the team's relocate_cost)
    assert bp.relocations[["team", "cost"]].values.tolist() == [["T1", 1.0]]
    to = bp.relocations["candidate"].iloc[0]
    assert to in ("C1", "C2")
    assert bp.new_bases == ["C3"] and bp.cost == pytest.approx(1.0 + 4.0) and bp.optimal
    assert set(bp.new_teams["skill"]) == {"non_coal_mine"}  # no new flood team: the moved one serves
    after = bp.after.assignments.set_index(["hazard", "team"])["minutes"]
    assert after[("H5", "T1")] == pytest.approx(ct.loc[to, "H5"])  # T1 now drives from its new base
    assert ("H1", "T2") in after.index
    assert not set(bp.after.gaps["reason"]) & {"no_skill", "too_far"}
    assert "moved" in bp.summary() and bp.to_dict()["relocations"][0]["team"] == "T1"


def test_relocation_never_opens_a_gap():
    teams, hazards, times, cand, ct = candidates_case()
    # T2 is the only construction team in reach of H2: moving it anywhere would open a gap
    t = teams.assign(relocate_cost=[np.nan, 0.1, np.nan])
    bp = plan_bases(teams=t, hazards=hazards, candidates=cand, times=times, candidate_times=ct, relocate=True)
    assert len(bp.relocations) == 0
    assert sorted(bp.new_bases) == ["C2", "C3"]
    # without relocation the answer is the same set cover
    plain = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct)
    assert sorted(plain.new_bases) == sorted(bp.new_bases) and plain.cost == pytest.approx(bp.cost)


def test_relocation_default_cost_and_errors():
    teams, hazards, times, cand, ct = candidates_case()
    bp = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct,
                    relocate=True, relocate_cost=0.5)
    assert bp.relocations["team"].tolist() == ["T1"] and bp.cost == pytest.approx(0.5 + 4.0)
    with pytest.raises(ValidationError, match="needs a cost of moving a team"):
        plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct, relocate=True)
    with pytest.raises(ValidationError, match="'relocate_cost' parameter of plan_bases"):
        plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct,
                   relocate=True, relocate_cost=-1.0)
    with pytest.raises(ValidationError, match=r"non-negative 'relocate_cost' \(NaN = the team stays\). Got -2 for teams 'T3' instead"):
        plan_bases(teams=teams.assign(relocate_cost=[1.0, 1.0, -2.0]), hazards=hazards, candidates=cand,
                   times=times, candidate_times=ct, relocate=True)


def test_relocation_on_a_network():
    c = yj.datasets.sample_county()
    bp = plan_bases(c, relocate=True, relocate_cost=1e6, time_limit=30)
    plain = plan_bases(c, time_limit=30)
    assert bp.optimal and bp.cost <= plain.cost + 1e-6  # moving is an option, never a loss
    assert len(bp.after.gaps[bp.after.gaps.reason.isin(["no_skill", "too_far"])]) <= \
        len(plain.after.gaps[plain.after.gaps.reason.isin(["no_skill", "too_far"])])
    moved = bp.relocations.set_index("team")
    after_nodes = bp.after.assignments
    for team, row in moved.iterrows():
        assert row["node"] == c.candidates.loc[row["candidate"], "node"]


def test_cli_teams_plan_with_relocation(capsys, tmp_path):
    import json

    from yingji.cli import main

    folder = tmp_path / "county"
    yj.datasets.sample_county().save(folder)
    assert main(["teams", str(folder), "--plan", "--relocate", "--relocate-cost", "5e6", "--json",
                 "--time-limit", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "relocations" in out["plan"] and out["allocation"]["optimal"]
    assert main(["teams", "--plan", "--time-limit", "30"]) == 0
    assert "new team bases" in capsys.readouterr().out


@pytest.mark.parametrize("relocate", [False, True])
def test_crew_gaps_closed_on_request(relocate):
    teams, hazards, times, cand, ct = candidates_case()
    ct = ct.copy()
    ct.loc["C3", "H3"] = 20.0  # C3 (needed for the mine H4 anyway) also reaches the chemical site H3
    kw = {"relocate": True, "relocate_cost": 100.0} if relocate else {}
    plain = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct, **kw)
    assert ("H3", "crew_short") in {(g.hazard, g.reason) for g in plain.after.gaps.itertuples()}
    bp = plan_bases(teams=teams, hazards=hazards, candidates=cand, times=times, candidate_times=ct,
                    crew_gaps=True, **kw)
    assert sorted(bp.new_bases) == ["C2", "C3"] and bp.cost == pytest.approx(plain.cost)
    assert ("C3", "hazardous_chemicals") in set(zip(bp.new_teams["candidate"], bp.new_teams["skill"]))
    assert len(bp.after.gaps) == 0 and len(bp.remaining_gaps) == 0
    new = bp.new_teams.set_index("skill")
    assert new.loc["hazardous_chemicals", "crew"] == 12.0  # the site's crew_needed
