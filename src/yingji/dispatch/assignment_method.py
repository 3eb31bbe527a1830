"""The assignment method (no crew requirement): one rectangular assignment problem per unit type.

Each required unit is a row with a private "not sent" column; lexicographic costs (missing, late,
weighted minutes) go to :func:`scipy.optimize.linear_sum_assignment`; the latest arrival is
minimised by bisection on a threshold (bottleneck assignment).
"""

from __future__ import annotations

import numpy as np

from yingji.dispatch.inputs import _TOL, _Inputs


def _type_problem(inp: _Inputs, k: int, strict: bool):
    """Slots (incident per required unit) and candidate units of type ``types[k]``."""
    t = inp.types[k]
    slots = np.repeat(np.arange(len(inp.inc_ids)), inp.need[:, k])
    cand = np.nonzero((inp.unit_type == t) & inp.available)[0]
    M = inp.T[np.ix_(slots, cand)] if slots.size and cand.size else np.zeros((slots.size, cand.size))
    late = M > inp.target[slots][:, None] + _TOL
    ok = np.isfinite(M)
    if strict:
        ok &= ~late
    return slots, cand, M, late, ok


def _solve_type(inp, slots, cand, M, late, ok, threshold):
    """Lexicographic (missing, late, weighted minutes) assignment for one type; returns pairs."""
    from scipy.optimize import linear_sum_assignment

    S, U = M.shape
    if S == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    w = inp.weight[slots]
    allowed = ok & (M <= threshold + _TOL)
    wt = np.where(allowed, w[:, None] * np.where(np.isfinite(M), M, 0.0), 0.0)
    tmax = float(wt.max()) if wt.size else 0.0
    wmin, wmax = float(w.min()), float(w.max())
    big_late = (S * tmax + 1.0) / wmin
    big_miss = (S * (wmax * big_late + tmax) + 1.0) / wmin
    C = np.full((S, U + S), np.inf)
    C[:, :U] = np.where(allowed, wt + big_late * w[:, None] * late, np.inf)
    C[np.arange(S), U + np.arange(S)] = big_miss * w
    r, c = linear_sum_assignment(C)
    real = c < U
    return r[real], cand[c[real]]


def _plan_assignment(inp: _Inputs, objective: str, strict: bool):
    parts = [_type_problem(inp, k, strict) for k in range(len(inp.types))]

    def solve_all(threshold_per_type):
        out_i, out_u = [], []
        for k, (slots, cand, M, late, ok) in enumerate(parts):
            r, u = _solve_type(inp, slots, cand, M, late, ok, threshold_per_type[k])
            out_i.append(slots[r])
            out_u.append(u)
        return out_i, out_u

    inf = [np.inf] * len(parts)
    inc_parts, unit_parts = solve_all(inf)
    if objective == "latest" and parts:
        z_type = []
        for k, (slots, cand, M, late, ok) in enumerate(parts):
            ri, ru = inc_parts[k], unit_parts[k]
            if ri.size == 0:
                z_type.append(0.0)
                continue
            w = inp.weight[ri]
            ref_miss = float(np.sum(inp.weight[slots]) - np.sum(w))
            ref_late = float(np.sum(w * (inp.T[ri, ru] > inp.target[ri] + _TOL)))
            cands = np.unique(M[ok])
            lo, hi = 0, int(np.searchsorted(cands, float(inp.T[ri, ru].max()) + _TOL, side="right")) - 1
            hi = max(hi, 0)
            while lo < hi:  # smallest threshold keeping the missing and late values
                mid = (lo + hi) // 2
                r, u = _solve_type(inp, slots, cand, M, late, ok, float(cands[mid]))
                ii = slots[r]
                wm = inp.weight[ii]
                miss = float(np.sum(inp.weight[slots]) - np.sum(wm))
                lt = float(np.sum(wm * (inp.T[ii, u] > inp.target[ii] + _TOL)))
                if miss <= ref_miss + 1e-9 * max(1.0, ref_miss) and lt <= ref_late + 1e-9 * max(1.0, ref_late):
                    hi = mid
                else:
                    lo = mid + 1
            z_type.append(float(cands[lo]))
        z = max(z_type)
        inc_parts, unit_parts = solve_all([z] * len(parts))
    rows = np.concatenate(inc_parts) if inc_parts else np.zeros(0, dtype=np.int64)
    ups = np.concatenate(unit_parts) if unit_parts else np.zeros(0, dtype=np.int64)
    return rows.astype(np.int64), ups.astype(np.int64), "optimal", True, {}
