"""One definition of a site's gap, shared by ``allocate`` and ``is_feasible_allocation``.

A site with a reach gap (``no_skill`` / ``too_far``) is reported for the reach gap only, even
when the crew that can come is also short; ``is_feasible_allocation`` must accept exactly that
(issue 17, item 2). The oracle tests solve small random instances independently (enumeration
for ``concurrent=1``, a two-stage ``scipy.optimize.milp`` with explicit k-subset crew rows for
``concurrent=2``) and compare the optimum, the feasibility check and the gaps.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from yingji.teams import allocate, is_feasible_allocation

# "rail_transit" is required by sites but held by teams only sometimes, so no_skill gaps occur
TEAM_SKILLS = ["flood", "construction", "hazardous_chemicals"]
SITE_SKILLS = TEAM_SKILLS + ["rail_transit"]
SEEDS = range(24)


# --------------------------------------------------------------------------- regression
def _reach_and_crew_case(reach: str):
    """H1 needs flood and construction and 10 persons; T1 (flood, 5 persons) reaches it in time.
    Construction is a ``too_far`` gap (T2 is 90 min away) or a ``no_skill`` gap (no T2)."""
    teams = pd.DataFrame({"skills": ["flood", "construction"], "crew": [5, 20]}, index=["T1", "T2"])
    hazards = pd.DataFrame({"skill": ["flood;construction"], "crew_needed": [10], "max_minutes": [30],
                            "weight": [1]}, index=["H1"])
    times = pd.DataFrame([[10.0], [90.0]], index=teams.index, columns=hazards.index)
    if reach == "no_skill":
        teams, times = teams.loc[["T1"]], times.loc[["T1"]]
    return teams, hazards, times


@pytest.mark.parametrize("reach", ["too_far", "no_skill"])
def test_reach_gap_with_short_crew_is_feasible(reach):
    teams, hazards, times = _reach_and_crew_case(reach)
    al = allocate(teams=teams, hazards=hazards, times=times)
    assert al.optimal
    # T1 answers with all it has; the site is reported for its reach gap only (docs/teams.md)
    assert al.assignments[["hazard", "team", "role", "crew"]].values.tolist() == [["H1", "T1", "primary", 5.0]]
    assert al.gaps[["hazard", "skill", "reason"]].values.tolist() == [["H1", "construction", reach]]
    assert is_feasible_allocation(al, teams, hazards, times)


def test_checker_rejects_misreported_gaps():
    teams, hazards, times = _reach_and_crew_case("too_far")
    al = allocate(teams=teams, hazards=hazards, times=times)
    crew_row = pd.DataFrame([{"hazard": "H1", "skill": "flood;construction", "reason": "crew_short",
                              "needed": 10.0, "available": 5.0}])
    for gaps in (al.gaps.iloc[:0],                                    # reach gap dropped
                 pd.concat([al.gaps, crew_row], ignore_index=True),  # crew gap besides the reach gap
                 crew_row):                                           # crew gap instead of it
        assert not is_feasible_allocation(al.__class__(**{**al.__dict__, "gaps": gaps}), teams, hazards, times)
    # a reachable skill claimed as a reach gap does not excuse its absence
    teams2 = pd.DataFrame({"skills": ["flood"], "crew": [10]}, index=["T1"])
    hazards2 = pd.DataFrame({"skill": ["flood"], "crew_needed": [5], "max_minutes": [30]}, index=["H1"])
    times2 = pd.DataFrame([[10.0]], index=["T1"], columns=["H1"])
    al2 = allocate(teams=teams2, hazards=hazards2, times=times2)
    assert is_feasible_allocation(al2, teams2, hazards2, times2)
    fake = pd.DataFrame([{"hazard": "H1", "skill": "flood", "reason": "too_far", "needed": 1, "available": 0}])
    bare = al2.__class__(**{**al2.__dict__, "gaps": fake, "assignments": al2.assignments.iloc[:0]})
    assert not is_feasible_allocation(bare, teams2, hazards2, times2)


def test_crew_gap_only_without_reach_gap():
    teams, hazards, times = _reach_and_crew_case("too_far")
    times.loc["T2", "H1"] = 20.0  # construction now arrives: the crew gap is what is left
    hazards.loc["H1", "crew_needed"] = 40
    al = allocate(teams=teams, hazards=hazards, times=times)
    assert al.gaps[["hazard", "reason", "needed", "available"]].values.tolist() == [["H1", "crew_short", 40.0, 25.0]]
    assert is_feasible_allocation(al, teams, hazards, times)


# --------------------------------------------------------------------------- oracle
def _instance(seed):
    rng = np.random.default_rng(seed)
    nT, nH = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    teams = pd.DataFrame(
        {"skills": [";".join(rng.choice(TEAM_SKILLS, int(rng.integers(1, 3)), replace=False)) for _ in range(nT)],
         "crew": rng.integers(1, 10, nT)}, index=[f"T{i}" for i in range(nT)])
    hazards = pd.DataFrame(
        {"skill": [";".join(rng.choice(SITE_SKILLS, int(rng.integers(1, 3)), replace=False)) for _ in range(nH)],
         "crew_needed": rng.integers(1, 16, nH), "max_minutes": rng.integers(10, 40, nH),
         "weight": rng.integers(1, 4, nH)}, index=[f"H{i}" for i in range(nH)])
    times = pd.DataFrame(rng.integers(1, 60, (nT, nH)).astype(float), index=teams.index, columns=hazards.index)
    return teams, hazards, times


def _arrays(teams, hazards, times):
    T = times.loc[teams.index, hazards.index].to_numpy(float)
    tsk = [set(s.split(";")) for s in teams["skills"]]
    hsk = [s.split(";") for s in hazards["skill"]]
    q = teams["crew"].to_numpy(float)
    c = hazards["crew_needed"].to_numpy(float)
    M = hazards["max_minutes"].to_numpy(float)
    w = hazards["weight"].to_numpy(float)
    pairs = [(t, h) for t in range(len(q)) for h in range(len(c)) if tsk[t] & set(hsk[h]) and T[t, h] <= M[h]]
    must = [(h, s) for h in range(len(c)) for s in hsk[h]
            if any(s in tsk[t] for t, hh in pairs if hh == h)]  # required skills some team brings in time
    return T, tsk, hsk, q, c, M, w, pairs, must


def _enumerate(teams, hazards, times):
    """Least (total crew shortfall, weighted minutes) over all sets of answering teams, concurrent = 1
    (each team may promise its whole crew to every site it answers)."""
    T, tsk, hsk, q, c, M, w, pairs, must = _arrays(teams, hazards, times)
    best = None
    for bits in itertools.product([0, 1], repeat=len(pairs)):
        chosen = [p for p, b in zip(pairs, bits) if b]
        if not all(any(s in tsk[t] for t, hh in chosen if hh == h) for h, s in must):
            continue
        short = sum(max(0.0, c[h] - sum(q[t] for t, hh in chosen if hh == h)) for h in range(len(c)))
        minutes = sum(w[h] * T[t, h] for t, h in chosen)
        key = (round(short, 6), round(minutes, 6))
        best = key if best is None or key < best else best
    return best


def _milp(teams, hazards, times, k):
    """The same optimum as a compact MILP of our own: binaries y (team answers), integer crew
    promises x, shortfalls s; every set of ``k`` sites a team answers gets at most its crew
    (explicit subsets, not the k-largest linearisation). Shortfall first, then minutes."""
    T, tsk, hsk, q, c, M, w, pairs, must = _arrays(teams, hazards, times)
    nP, nH = len(pairs), len(c)
    n = 2 * nP + nH  # [y | x | s]
    rows, lo, hi = [], [], []

    def row(coef, lb, ub):
        r = np.zeros(n)
        for j, v in coef:
            r[j] += v
        rows.append(r); lo.append(lb); hi.append(ub)

    for h, s in must:
        row([(i, 1.0) for i, (t, hh) in enumerate(pairs) if hh == h and s in tsk[t]], 1, np.inf)
    for i, (t, _h) in enumerate(pairs):
        row([(nP + i, 1.0), (i, -q[t])], -np.inf, 0)
    for h in range(nH):
        row([(nP + i, 1.0) for i, (_t, hh) in enumerate(pairs) if hh == h] + [(2 * nP + h, 1.0)], c[h], np.inf)
    for t in range(len(q)):
        mine = [i for i, (tt, _h) in enumerate(pairs) if tt == t]
        for sub in itertools.combinations(mine, min(k, len(mine))):
            row([(nP + i, 1.0) for i in sub], -np.inf, q[t])
    integrality = np.concatenate([np.ones(2 * nP), np.zeros(nH)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.ones(nP), [q[t] for t, _h in pairs], c]))
    short_cost = np.concatenate([np.zeros(2 * nP), np.ones(nH)])
    time_cost = np.concatenate([[w[h] * T[t, h] for t, h in pairs], np.zeros(nP + nH)])
    cons = [LinearConstraint(np.array(rows).reshape(-1, n), lo, hi)] if rows else []
    first = milp(short_cost, constraints=cons, integrality=integrality, bounds=bounds)
    assert first.success
    cons.append(LinearConstraint(short_cost[None, :], -np.inf, first.fun + 1e-6))
    second = milp(time_cost, constraints=cons, integrality=integrality, bounds=bounds)
    assert second.success
    return round(first.fun, 6), round(second.fun, 6)


def _doc_gaps(teams, hazards, times, assignments):
    """The gaps as docs/teams.md states them, written here from the tables alone."""
    T, tsk, hsk, q, c, M, w, pairs, must = _arrays(teams, hazards, times)
    prim = assignments[assignments["role"] == "primary"]
    out = []
    for h, hid in enumerate(hazards.index):
        reach = []
        for s in hsk[h]:
            holders = [t for t in range(len(q)) if s in tsk[t]]
            if not holders:
                reach.append((hid, s, "no_skill"))
            elif all(T[t, h] > M[h] for t in holders):
                reach.append((hid, s, "too_far"))
        out += reach
        if not reach and prim.loc[prim["hazard"] == hid, "crew"].sum() < c[h]:
            out.append((hid, ";".join(hsk[h]), "crew_short"))
    return sorted(out)


def _achieved(al, hazards):
    """(total crew shortfall, weighted minutes) of an allocation's primaries."""
    prim = al.assignments[al.assignments["role"] == "primary"]
    short = sum(max(0.0, float(need) - prim.loc[prim["hazard"] == h, "crew"].sum())
                for h, need in hazards["crew_needed"].items())
    minutes = sum(float(hazards.loc[r.hazard, "weight"]) * r.minutes for r in prim.itertuples())
    return round(short, 6), round(minutes, 6)


@pytest.mark.parametrize("seed", SEEDS)
def test_allocate_matches_enumeration_and_passes_its_checker(seed):
    teams, hazards, times = _instance(seed)
    al = allocate(teams=teams, hazards=hazards, times=times)
    assert al.optimal
    oracle = _enumerate(teams, hazards, times)
    assert _achieved(al, hazards) == oracle
    if oracle[0] == 0:  # no shortfall penalty: the objective is the weighted minutes
        assert al.objective == pytest.approx(oracle[1], abs=1e-6)
    assert sorted(map(tuple, al.gaps[["hazard", "skill", "reason"]].values.tolist())) == \
        _doc_gaps(teams, hazards, times, al.assignments)
    assert is_feasible_allocation(al, teams, hazards, times)


@pytest.mark.parametrize("seed", SEEDS)
def test_allocate_matches_milp_with_two_concurrent_sites(seed):
    teams, hazards, times = _instance(seed)
    al = allocate(teams=teams, hazards=hazards, times=times, concurrent=2)
    assert al.optimal
    oracle = _milp(teams, hazards, times, 2)
    assert _achieved(al, hazards) == oracle
    if oracle[0] == 0:
        assert al.objective == pytest.approx(oracle[1], abs=1e-6)
    assert sorted(map(tuple, al.gaps[["hazard", "skill", "reason"]].values.tolist())) == \
        _doc_gaps(teams, hazards, times, al.assignments)
    assert is_feasible_allocation(al, teams, hazards, times)


def test_milp_oracle_agrees_with_enumeration_for_one_site_at_a_time():
    for seed in SEEDS:
        assert _milp(*_instance(seed), 1) == _enumerate(*_instance(seed))


def test_seeds_include_reach_gap_with_short_crew():
    """The random instances above must contain the defect's pattern: a site that a team answers
    (one of its skills arrives), with a reach gap for another skill, and short of crew."""
    hits = 0
    for seed in SEEDS:
        teams, hazards, times = _instance(seed)
        T, tsk, hsk, q, c, M, w, pairs, must = _arrays(teams, hazards, times)
        for h in range(len(c)):
            arriving = {s for hh, s in must if hh == h}
            reach_crew = sum(q[t] for t, hh in pairs if hh == h)
            hits += bool(arriving) and len(arriving) < len(hsk[h]) and reach_crew < c[h]
    assert hits >= 3
