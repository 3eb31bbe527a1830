"""The allocation MIP: eligible (team, site) pairs, the sparse model, and its solution.

:func:`_sites` reads the tables into arrays and finds the eligible pairs (and the backup pairs);
:func:`_allocation_model` builds the MIP of :func:`yingji.teams.allocate` (see its Notes);
:func:`_solve_allocation` solves it through :func:`yingji.solvers.solve`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji.solvers import SparseModel, solve
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

    if not n_cols:
        return None, (off_y, off_x, off_z)
    A = sp.csr_matrix(
        (np.concatenate(rows_v) if rows_v else np.zeros(0),
         (np.concatenate(rows_i) if rows_i else np.zeros(0, int), np.concatenate(rows_j) if rows_j else np.zeros(0, int))),
        shape=(r, n_cols),
    )
    model = SparseModel(cvec, A, np.array(rlo, float), np.array(rhi, float), lo, hi, integ, sense="min",
                        name="team_allocation")
    return model, (off_y, off_x, off_z)


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
