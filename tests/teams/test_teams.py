"""Rescue-team allocation, gaps, mutual aid and new bases."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from yingji.exceptions import ValidationError
from yingji.teams import allocate, is_feasible_allocation

SKILLS = ["flood", "construction", "hazardous_chemicals"]


from cases_teams import small_case  # noqa: E402  (shared instance)


def test_small_case_by_hand():
    teams, hazards, times = small_case()
    al = allocate(teams=teams, hazards=hazards, times=times)
    prim = al.assignments[al.assignments.role == "primary"]
    assert set(map(tuple, prim[["hazard", "team"]].values)) == {("H1", "T1"), ("H2", "T2"), ("H3", "T3")}
    gaps = {(g.hazard, g.reason) for g in al.gaps.itertuples()}
    # H3 needs 12, T3 has 8 -> crew_short; H4 needs a skill nobody has; H5 nobody within 10 min
    assert gaps == {("H3", "crew_short"), ("H4", "no_skill"), ("H5", "too_far")}
    assert al.optimal and al.status == "optimal"
    assert is_feasible_allocation(al, teams, hazards, times)
    cov = al.coverage.set_index("skill")
    assert cov.loc["flood", "served"] == 1 and cov.loc["flood", "hazards"] == 2
    assert cov.loc["non_coal_mine", "teams"] == 0
    d = al.to_dict()
    assert d["status"] == "optimal" and len(d["gaps"]) == 3
    text = al.summary()
    assert "Rescue teams" in text
    # English text names reasons and skills in words, not as data keys (a count of 1 is singular)
    assert "crew short: 1" in text and "too far: 1" in text and "no skill: 1" in text
    assert "non coal mine:" in text and "crew_short" not in text and "non_coal_mine" not in text
    assert ", 1 team\n" in text + "\n" or text.endswith(", 1 team")


def test_times_transposed_dataframe_accepted():
    teams, hazards, times = small_case()
    a = allocate(teams=teams, hazards=hazards, times=times)
    b = allocate(teams=teams, hazards=hazards, times=times.T)
    pd.testing.assert_frame_equal(a.assignments, b.assignments)


def test_crew_across_two_simultaneous_sites():
    teams = pd.DataFrame({"skills": ["flood", "flood"], "crew": [10, 10]}, index=["A", "B"])
    hazards = pd.DataFrame({"skill": ["flood", "flood"], "crew_needed": [8, 8], "max_minutes": [30, 30]},
                           index=["H1", "H2"])
    times = pd.DataFrame([[5, 6], [20, 25]], index=["A", "B"], columns=["H1", "H2"])
    one = allocate(teams=teams, hazards=hazards, times=times, concurrent=1)
    assert set(one.assignments.team) == {"A"}  # A serves both: the sites never need it at once
    two = allocate(teams=teams, hazards=hazards, times=times, concurrent=2)
    prim = two.assignments
    # A cannot promise 8 + 8 > 10: B must bring crew to one site
    for team, grp in prim.groupby("team"):
        assert grp["crew"].nlargest(2).sum() <= 10 + 1e-9
    assert len(two.gaps) == 0
    assert two.objective > one.objective


def test_backup_roles():
    teams, hazards, times = small_case()
    al = allocate(teams=teams, hazards=hazards, times=times, backup=True, backup_factor=2.0)
    b = al.assignments[al.assignments.role == "backup"]
    prim = al.assignments[al.assignments.role == "primary"]
    assert ("H1", "T2") in set(map(tuple, b[["hazard", "team"]].values))
    assert not set(map(tuple, b[["hazard", "team"]].values)) & set(map(tuple, prim[["hazard", "team"]].values))


def test_mutual_aid_capacity_and_reasons():
    teams, hazards, times = small_case()
    ent = pd.DataFrame({"skill": ["flood", "flood", "flood", "rail_transit", "construction"]},
                       index=["E1", "E2", "E3", "E4", "E5"])
    et = pd.DataFrame([[5, 6, 7, 1, 50], [9, 9, 9, 1, 40], [1, 1, 1, 1, 1]], index=teams.index, columns=ent.index)
    al = allocate(teams=teams, hazards=hazards, times=times, enterprises=ent, enterprise_times=et,
                  max_agreements=1, aid_minutes=30)
    aid = al.mutual_aid.set_index("enterprise")
    assert len(aid) == 2 and aid["team"].is_unique
    un = al.unassigned_enterprises.set_index("enterprise")["reason"].to_dict()
    assert un["E4"] == "no_skill" and un["E5"] == "too_far"
    assert list(un.values()).count("team_full") == 1


def _brute(teams, hazards, times):
    """Lexicographic (total crew shortfall, weighted time) by enumeration, concurrent = 1."""
    T = times.loc[teams.index, hazards.index].to_numpy(float)
    tsk = [set(s.split(";")) for s in teams.skills]
    hsk = [set(s.split(";")) for s in hazards.skill]
    q = teams.crew.to_numpy(float)
    c = hazards.crew_needed.to_numpy(float)
    M = hazards.max_minutes.to_numpy(float)
    w = hazards.weight.to_numpy(float)
    pairs = [(t, h) for t in range(len(q)) for h in range(len(c)) if tsk[t] & hsk[h] and T[t, h] <= M[h]]
    best = None
    for bits in itertools.product([0, 1], repeat=len(pairs)):
        chosen = [p for p, b in zip(pairs, bits) if b]
        ok = True
        for h in range(len(c)):
            for s in hsk[h]:
                reachable = any(s in tsk[t] and (t, h) in pairs for t in range(len(q)))
                if reachable and not any(s in tsk[t] for (t, hh) in chosen if hh == h):
                    ok = False
        if not ok:
            continue
        short = sum(max(0.0, c[h] - sum(q[t] for (t, hh) in chosen if hh == h)) for h in range(len(c)))
        tt = sum(w[h] * T[t, h] for (t, h) in chosen)
        key = (round(short, 9), round(tt, 9))
        best = key if best is None or key < best else best
    return best


@given(st.integers(0, 10**6))
def test_agrees_with_enumeration(seed):
    rng = np.random.default_rng(seed)
    nT, nH = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    teams = pd.DataFrame({"skills": [";".join(rng.choice(SKILLS, rng.integers(1, 3), replace=False)) for _ in range(nT)],
                          "crew": rng.integers(1, 10, nT)}, index=[f"T{i}" for i in range(nT)])
    hazards = pd.DataFrame({"skill": rng.choice(SKILLS, nH), "crew_needed": rng.integers(1, 12, nH),
                            "max_minutes": rng.integers(10, 40, nH), "weight": rng.integers(1, 4, nH)},
                           index=[f"H{i}" for i in range(nH)])
    times = pd.DataFrame(rng.integers(1, 50, (nT, nH)).astype(float), index=teams.index, columns=hazards.index)
    al = allocate(teams=teams, hazards=hazards, times=times)
    assert is_feasible_allocation(al, teams, hazards, times)
    prim = al.assignments
    short = 0.0
    for h, need in hazards.crew_needed.items():
        got = prim.loc[prim.hazard == h].team.map(teams.crew).sum()
        short += max(0.0, need - got)
    tt = sum(hazards.weight[r.hazard] * r.minutes for r in prim.itertuples())
    assert (round(short, 9), round(tt, 9)) == _brute(teams, hazards, times)


@given(st.integers(0, 10**6))
def test_adding_a_team_never_adds_a_gap(seed):
    rng = np.random.default_rng(seed)
    nT, nH = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    teams = pd.DataFrame({"skills": rng.choice(SKILLS, nT), "crew": rng.integers(1, 10, nT)},
                         index=[f"T{i}" for i in range(nT)])
    hazards = pd.DataFrame({"skill": rng.choice(SKILLS, nH), "crew_needed": rng.integers(1, 12, nH),
                            "max_minutes": rng.integers(10, 40, nH)}, index=[f"H{i}" for i in range(nH)])
    times = pd.DataFrame(rng.integers(1, 50, (nT + 1, nH)).astype(float),
                         index=[f"T{i}" for i in range(nT + 1)], columns=hazards.index)
    extra = pd.DataFrame({"skills": [rng.choice(SKILLS)], "crew": [int(rng.integers(1, 10))]}, index=[f"T{nT}"])
    a = allocate(teams=teams, hazards=hazards, times=times.iloc[:nT])
    b = allocate(teams=pd.concat([teams, extra]), hazards=hazards, times=times)
    ga = {(g.hazard, g.reason) for g in a.gaps.itertuples()}
    gb = {(g.hazard, g.reason) for g in b.gaps.itertuples()}
    # a gap may change reason for the better (no_skill -> too_far) but no hazard gains a gap
    assert {h for h, _ in gb} <= {h for h, _ in ga}


def test_validation_errors():
    teams, hazards, times = small_case()
    with pytest.raises(ValidationError, match="missing column"):
        allocate(teams=teams.drop(columns="crew"), hazards=hazards, times=times)
    bad = teams.copy()
    bad.loc["T1", "crew"] = -3
    with pytest.raises(ValidationError, match="must have a non-negative 'crew' for every team. Got "):
        allocate(teams=bad, hazards=hazards, times=times)
    with pytest.raises(ValidationError, match="missing origin ids"):
        allocate(teams=teams, hazards=hazards, times=times.drop(index="T1"))
    with pytest.raises(ValidationError, match="'concurrent' parameter of allocate"):
        allocate(teams=teams, hazards=hazards, times=times, concurrent=0)
    t2 = times.copy()
    t2.iloc[0, 0] = np.nan
    with pytest.raises(ValidationError, match="NaN or negative minutes"):
        allocate(teams=teams, hazards=hazards, times=t2)
    h2 = hazards.copy()
    h2.loc["H1", "skill"] = ""
    with pytest.raises(ValidationError, match="no required skill"):
        allocate(teams=teams, hazards=h2, times=times)
    with pytest.raises(ValidationError, match="'teams' parameter"):
        allocate(teams=None, hazards=hazards, times=times)
    with pytest.raises(ValidationError, match=r"shape \(n_teams, n_hazards\) = \(3, 5\)"):
        allocate(teams=teams, hazards=hazards, times=np.zeros((2, 2)))
