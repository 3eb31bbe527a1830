"""Models of capacitated facility location: the strong formulation (Balinski 1965; the aggregate
capacity cut of Cornuejols, Sridharan and Thizy 1991) or, uncapacitated, Elloumi's sorted-cost
one; the transportation LP that prices an open set (successive shortest paths, HiGHS as fallback);
and the strong formulation reduced to a subset of sites, with the incumbent as MIP start. Used by
:mod:`yingji.siting.capacitated` and :mod:`yingji.siting._cap_lagrangian`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from yingji.exceptions import InfeasibleError
from yingji.solvers import SparseModel, solve

#: Nonzeros HiGHS sets up per second (load + presolve), as measured for p-median
#: (:mod:`yingji.siting.median`): larger models than the time left allows are not handed to it.
_HIGHS_SETUP_NNZ_PER_S = 300_000.0


def _build(C, d, cap, f, fixed_mask, single_source) -> SparseModel:
    n, m = C.shape
    if cap is None and not single_source:
        from yingji.siting.median.compact import _build_compact

        mm = _build_compact(C, np.ones(n), fixed_mask, np.ones(m, dtype=bool), None, site_cost=f)
        model = mm.model
        model.meta["kind"] = "ufl_compact"
        return model
    fin = np.isfinite(C)
    ii, jj = np.nonzero(fin)
    nx = ii.size
    xc = m + np.arange(nx)
    rows = [ii, n + np.arange(nx), n + np.arange(nx)]
    cols = [xc, xc, jj]
    vals = [np.ones(nx), np.ones(nx), -np.ones(nx)]
    lo = [np.ones(n), np.full(nx, -np.inf)]
    hi = [np.ones(n), np.zeros(nx)]
    r0 = n + nx
    if cap is not None:
        capf = np.where(np.isfinite(cap), cap, d.sum() + 1.0)  # inf capacity: never binding
        rows += [r0 + jj, r0 + np.arange(m)]
        cols += [xc, np.arange(m)]
        vals += [d[ii], -capf]
        lo.append(np.full(m, -np.inf))
        hi.append(np.zeros(m))
        # aggregate capacity cut
        rows.append(np.full(m, r0 + m))
        cols.append(np.arange(m))
        vals.append(capf)
        lo.append([d.sum()])
        hi.append([np.inf])
        r0 += m + 1
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, m + nx))
    c = np.concatenate([f, C[ii, jj]])
    col_lo = np.zeros(m + nx)
    col_lo[:m] = fixed_mask.astype(float)
    col_hi = np.ones(m + nx)
    integ = np.zeros(m + nx, dtype=bool)
    integ[:m] = True
    if single_source:
        integ[m:] = True
    return SparseModel(
        c, A, np.concatenate(lo), np.concatenate(hi), col_lo, col_hi, integ, "min", 0.0,
        name="capacitated_location",
        meta={"sites": np.arange(m), "n_y": m, "x_row": ii, "x_site": jj, "kind": "cflp"},
    )


#: Open sets up to this size are priced by successive shortest paths (faster than HiGHS's LP there:
#: ~1 ms against ~35 ms at 1,000 rows x 12 sites; at 5,000 x 150, tight, it is 2x slower).
_SSP_MAX_SITES = 60
#: Conservative rate of the shortest-path kernel's inner steps (for its augmentation budget).
_SSP_STEPS_PER_S = 2e8


def _transport(C, d, cap, sites, time_limit):
    """Cheapest splittable allocation of every row to the open ``sites`` (a transportation LP).

    Returns ``(cost, X)`` with ``X`` the (n, len(sites)) shares, or ``(inf, None)``. Solved by
    successive shortest paths between the sites (numba, :func:`_transport_ssp`; ~1 ms at 1,000 rows
    against ~35 ms for HiGHS's LP), with HiGHS as the fallback when that gives up.
    """
    from yingji._kernels.capacitated import _transport_ssp

    n = C.shape[0]
    k = sites.size
    Cs = np.ascontiguousarray(C[:, sites], dtype=np.float64)
    if 0 < k <= _SSP_MAX_SITES:
        # augmentations within the time left (each costs ~n*k + k^3 steps); HiGHS takes over after
        max_aug = int(min(20 * (n + k) + 100, max(0.0, time_limit) * _SSP_STEPS_PER_S / (n * k + k ** 3)))
        val, Xf = _transport_ssp(Cs, np.ascontiguousarray(d, dtype=np.float64),
                                 np.ascontiguousarray(cap[sites], dtype=np.float64), max_aug)
        if np.isfinite(val):
            return float(val), Xf
    fin = np.isfinite(Cs)
    ii, kk = np.nonzero(fin)
    nx = ii.size
    capk = np.where(np.isfinite(cap[sites]), cap[sites], d.sum() + 1.0)
    A = sp.csr_matrix((np.concatenate([np.ones(nx), d[ii]]),
                       (np.concatenate([ii, n + kk]), np.concatenate([np.arange(nx), np.arange(nx)]))),
                      shape=(n + k, nx))
    model = SparseModel(Cs[ii, kk], A, np.concatenate([np.ones(n), np.full(k, -np.inf)]),
                        np.concatenate([np.ones(n), capk]), np.zeros(nx), np.ones(nx),
                        np.zeros(nx, dtype=bool), "min", 0.0, name="transportation")
    try:
        sol = solve(model, time_limit=max(0.05, time_limit))
    except InfeasibleError:
        return np.inf, None
    if sol.x is None or sol.status != "optimal":
        return np.inf, None
    X = np.zeros((n, k))
    X[ii, kk] = np.clip(sol.x, 0.0, 1.0)
    return float(np.sum(X[fin] * Cs[fin])), X



def _reduced_model(C, d, cap, f, keep, sub_open, sites, Xs):
    """The strong formulation on the sites ``keep`` (``sub_open`` forced open) and, when the
    incumbent (``sites``, shares ``Xs``) fits it, that incumbent as a start vector."""
    n = C.shape[0]
    model = _build(C[:, keep], d, cap[keep], f[keep], sub_open, False)
    pos = np.full(C.shape[1], -1)
    pos[keep] = np.arange(keep.size)
    start = None
    if np.all(pos[sites] >= 0) and np.all(np.isin(keep[sub_open], sites)):
        start = np.zeros(model.n_cols)
        start[pos[sites]] = 1.0
        full = np.zeros((n, keep.size))
        full[:, pos[sites]] = Xs
        start[keep.size:] = full[model.meta["x_row"], model.meta["x_site"]]
    return model, start


def _restricted_mip(C, d, cap, f, fm, kk, sites, Xs, time_limit, gap):
    """Best solution of the strong formulation restricted to sites ``kk`` within ``time_limit``:
    ``(objective, sites, shares)`` or None."""
    n = C.shape[0]
    if np.sum(np.where(np.isfinite(cap[kk]), cap[kk], np.inf)) < d.sum():
        return None
    model, start = _reduced_model(C, d, cap, f, kk, fm[kk], sites, Xs)
    sol = solve(model, time_limit=time_limit, mip_gap=gap, start=start)
    if sol.x is None:
        return None
    ks = kk.size
    y = sol.x[:ks] > 0.5
    xv = np.clip(sol.x[ks:], 0.0, 1.0)
    Xsub = np.zeros((n, ks))
    Xsub[model.meta["x_row"], model.meta["x_site"]] = xv
    used = y & ((Xsub.sum(axis=0) > 1e-12) | fm[kk])
    obj = float(f[kk[used]].sum() + np.sum(Xsub[:, used] * C[:, kk[used]]))
    return obj, kk[used], Xsub[:, used]
