"""Mutual-aid agreements: enterprises to the nearest team with their skill (a bipartite b-matching LP)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.solvers import ModelBuilder, solve
from yingji.teams.skills import _TOL, _split


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
        b = ModelBuilder("mutual_aid", sense="min")
        pair = b.add_columns("pair", n, cost=tau - L, hi=1.0)
        b.add_rows(pe, pair.index(np.arange(n)), 1.0, hi=np.ones(nEn), n_rows=nEn)   # one team per enterprise
        b.add_rows(pt, pair.index(np.arange(n)), 1.0, hi=np.full(nT, float(cap)), n_rows=nT)  # cap per team
        model = b.build()
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
