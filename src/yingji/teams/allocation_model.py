"""The allocation MIP: eligible (team, site) pairs, the sparse model, and its solution.

:func:`_sites` reads the tables into arrays and finds the eligible pairs (and the backup pairs);
:func:`_allocation_model` builds the MIP of :func:`yingji.teams.allocate` (see its Notes);
:func:`_solve_allocation` solves it through :func:`yingji.solvers.solve`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji.solvers import ModelBuilder, solve
from yingji.teams.gaps import _site_gaps
from yingji.teams.skills import _TOL, _split


@dataclass
class _Sites:
    """The allocation problem as arrays: teams, sites, skills and the eligible pairs.

    ``KT`` (teams × skills) says which team holds which skill; ``q`` crews, ``c`` crew needed,
    ``M`` maximum minutes, ``w`` weights, ``T`` minutes teams × sites. ``need_rows`` are the
    (site, skill position) pairs that must be covered (required skills without a reach gap);
    ``et``/``eh`` the eligible (team, site) pairs, ``bt``/``bh`` the backup pairs and
    ``backup_rows`` the (site, skill position) pairs that want a backup.
    """

    team_ids: list
    haz_ids: list
    nT: int
    nH: int
    team_sk: list
    haz_sk: list
    skills: list
    s_pos: dict
    KT: np.ndarray
    q: np.ndarray
    c: np.ndarray
    M: np.ndarray
    w: np.ndarray
    T: np.ndarray
    holds: dict
    need_rows: list
    et: np.ndarray
    eh: np.ndarray
    nE: int
    bt: np.ndarray
    bh: np.ndarray
    nB: int
    backup_rows: list


def _sites(teams: pd.DataFrame, hazards: pd.DataFrame, T: np.ndarray, backup: bool,
           backup_factor: float) -> _Sites:
    """Arrays of the checked tables, the eligible pairs and the backup pairs (see :class:`_Sites`)."""
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
    return _Sites(team_ids, haz_ids, nT, nH, team_sk, haz_sk, skills, s_pos, KT, q, c, M, w, T, holds,
                  need_rows, et, eh, nE, bt, bh, nB, backup_rows)


def _allocation_model(p: _Sites, k_conc: int, backup_weight: float, backup_factor: float):
    """The allocation MIP of :func:`yingji.teams.allocate` (see its Notes).

    Returns ``(model, (off_y, off_x, off_z))``: the :class:`~yingji.solvers.SparseModel` (None
    when it has no column) and the offsets of the ``y`` (team answers), ``x`` (crew promised)
    and ``z`` (backup) columns.
    """
    nT, nH, nE, nB = p.nT, p.nH, p.nE, p.nB
    KT, q, c, w, T = p.KT, p.q, p.c, p.w, p.T
    et, eh, bt, bh = p.et, p.eh, p.bt, p.bh
    need_rows, backup_rows = p.need_rows, p.backup_rows
    use_k = k_conc > 1
    tau = T[et, eh]
    finite_T = T[np.isfinite(T)]
    tmax = float(finite_T.max()) if finite_T.size else 1.0
    P = float(w.sum() * max(tmax, 1.0) * (1 + backup_weight) * 2 + 1.0)  # beats any time saving
    Pb = float(w.sum() * max(tmax, 1.0) * backup_factor + 1.0)
    # ---- columns: y (nE), x (nE), s (nH), [u (nT), v (nE)], [z (nB), b (len backup_rows)]
    b = ModelBuilder("team_allocation", sense="min")
    y = b.add_columns("y", nE, cost=w[eh] * tau, hi=1.0, integer=True)
    x = b.add_columns("x", nE, hi=q[et], integer=True)
    s = b.add_columns("s", nH, cost=P, hi=c)
    u = b.add_columns("u", nT if use_k else 0)
    v = b.add_columns("v", nE if use_k else 0)
    z = b.add_columns("z", nB, cost=backup_weight * w[bh] * T[bt, bh], hi=1.0, integer=True)
    bb = b.add_columns("b", len(backup_rows), cost=Pb)
    # (1) each reachable required skill of each site: sum y over teams with the skill >= 1
    ri, rj = [], []
    for r, (h, k) in enumerate(need_rows):
        sel = np.nonzero((eh == h) & KT[et, k])[0]
        ri.append(np.full(sel.size, r)); rj.append(y.index(sel))
    if need_rows:
        b.add_rows(np.concatenate(ri), np.concatenate(rj), 1.0, lo=np.ones(len(need_rows)), n_rows=len(need_rows))
    idx = np.arange(nE)
    # (2) x_e - q_t y_e <= 0
    b.add_rows(np.r_[idx, idx], np.r_[x.index(idx), y.index(idx)], np.r_[np.ones(nE), -q[et]],
               hi=np.zeros(nE), n_rows=nE)
    # (3) sum_t x_th + s_h >= c_h
    b.add_rows(np.r_[eh, np.arange(nH)], np.r_[x.index(idx), s.index(np.arange(nH))], 1.0,
               lo=np.asarray(c, float), n_rows=nH)
    if use_k:  # (4) concurrency: k u_t + sum_h v_th <= q_t ; x_e - u_t - v_e <= 0
        b.add_rows(np.r_[np.arange(nT), et], np.r_[u.index(np.arange(nT)), v.index(idx)],
                   np.r_[np.full(nT, float(k_conc)), np.ones(nE)], hi=np.asarray(q, float), n_rows=nT)
        b.add_rows(np.r_[idx, idx, idx], np.r_[x.index(idx), u.index(et), v.index(idx)],
                   np.r_[np.ones(nE), -np.ones(nE), -np.ones(nE)], hi=np.zeros(nE), n_rows=nE)
    # otherwise one site at a time: a promise is at most the crew (column bound above)
    if nB:  # (5) backups: y_th + z_th <= 1 where both exist; sum z over teams with k + b_hk >= 1
        key_e = {(int(a), int(bh_)): i for i, (a, bh_) in enumerate(zip(et, eh))}
        both = [(ei, zi) for zi, (a, bh_) in enumerate(zip(bt, bh)) if (ei := key_e.get((int(a), int(bh_)))) is not None]
        if both:
            e_, z_ = np.array(both, dtype=np.int64).T
            r_ = np.arange(len(both))
            b.add_rows(np.r_[r_, r_], np.r_[y.index(e_), z.index(z_)], 1.0, hi=np.ones(len(both)), n_rows=len(both))
        ri, rj = [], []
        for bi, (h, k) in enumerate(backup_rows):
            sel = np.nonzero((bh == h) & KT[bt, k])[0]
            ri.append(np.full(sel.size + 1, bi)); rj.append(np.r_[z.index(sel), bb.index([bi])])
        if backup_rows:
            b.add_rows(np.concatenate(ri), np.concatenate(rj), 1.0, lo=np.ones(len(backup_rows)),
                       n_rows=len(backup_rows))
    if not b.n_cols:
        return None, (y.start, x.start, z.start)
    return b.build(), (y.start, x.start, z.start)


def _solve_allocation(p: _Sites, model, offsets, solver, time_limit: float, mip_gap: float):
    """Solve the allocation MIP; returns ``(status, optimal, objective, bound, gap, y, x, z)``.

    ``y``, ``x`` and ``z`` are the rounded values of the pair, crew and backup columns (zeros
    when the model has no column or no point was found).
    """
    nE, nB = p.nE, p.nB
    off_y, off_x, off_z = offsets
    status, optimal, obj, bound, gapv = "optimal", True, 0.0, 0.0, 0.0
    y_val = np.zeros(nE)
    x_val = np.zeros(nE)
    z_val = np.zeros(nB)
    if model is not None:
        sol = solve(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
        if sol.has_solution:
            xv = sol.x
            y_val = np.round(xv[off_y:off_y + nE])
            x_val = np.round(xv[off_x:off_x + nE])
            z_val = np.round(xv[off_z:off_z + nB])
            obj, bound, gapv = sol.objective, sol.bound, sol.gap
            optimal, status = sol.optimal, sol.status
        else:  # pragma: no cover - tiny models always find a point; kept for safety
            optimal, status, obj, bound, gapv = False, "time_limit", float("nan"), sol.bound, float("inf")
    return status, optimal, obj, bound, gapv, y_val, x_val, z_val
