"""p-median MIP models: the compact sorted-distance formulation (Elloumi 2010), the classic one
(ReVelle and Swain 1970), a size estimate that needs no model, a MIP start from a site set, and the
builder :func:`build_p_median`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji._validation import describe_positions
from yingji.exceptions import InfeasibleError
from yingji.results import SitingResult
from yingji.siting.registry import BuiltModel, register
from yingji.siting.median.common import _assign, _check_common, _is_integral, _median_result, _raise_unreachable
from yingji.solvers import Solution, SparseModel

__all__ = ["build_p_median"]


@dataclass(frozen=True)
class _MedianModel:
    model: SparseModel
    cols: np.ndarray  # site position of each y column
    n_y: int


@register("p_median")
def build_p_median(cost, p, *, weights=None, fixed=None, formulation="compact", allowed=None) -> BuiltModel:
    r"""The p-median as a :class:`~yingji.siting.registry.BuiltModel` (``yj.siting.build("p_median", ...)``).

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        Demand x sites costs (``inf`` = unreachable).
    p : int
        Number of open sites (fixed included).
    weights : array_like, shape (n,), optional
    fixed : sequence of int, optional
        Sites that must be open.
    formulation : {"compact", "classic"}
        ``"compact"``: the sorted-distance formulation of Elloumi (2010) [6]_
        (one binary per site, one continuous variable per row and distinct cost
        level); ``"classic"``: ReVelle and Swain (1970) [2]_ with ``n m``
        assignment variables.
    allowed : array_like of bool, shape (m,), optional
        Sites that may be opened (others are left out of the model).

    Returns
    -------
    BuiltModel
        ``.model`` is the :class:`~yingji.solvers.SparseModel`: its first
        columns are the site binaries ``y`` (named ``y<position>``, in the order
        of ``model.meta["sites"]``); ``.solve()`` returns a SitingResult and
        ``.to_pulp()`` a PuLP problem to extend.

    Raises
    ------
    ValidationError
        Bad input (``formulation``, ``allowed`` and the arguments of
        :func:`p_median`), every problem named at once.
    InfeasibleError
        A row reaches no site (or no allowed site), or fewer than ``p`` sites
        are allowed.

    Notes
    -----
    Compact formulation: for row ``i`` let :math:`D_i^1 < \dots < D_i^{K_i}` be
    its distinct costs to the allowed sites (only the first ``m' - p + 1``
    sites in cost order are kept: one of them is open in every solution) and
    :math:`L_i^k` the sites at level ``k``. With :math:`z_{ik} = 1` when no
    site within :math:`D_i^k` is open,

    .. math::

        \min \sum_i w_i \Big(D_i^1 + \sum_{k<K_i} (D_i^{k+1} - D_i^k)\, z_{ik}\Big)
        \quad\text{s.t.}\quad
        z_{i1} + \sum_{j \in L_i^1} y_j \ge 1,\;
        z_{ik} - z_{i,k-1} + \sum_{j \in L_i^k} y_j \ge 0,\;
        -z_{i,K_i-1} + \sum_{j \in L_i^{K_i}} y_j \ge 0,\;
        \sum_j y_j = p,\; y \in \{0,1\},\; z \ge 0.

    Classic formulation: :math:`\min \sum_{ij} w_i c_{ij} x_{ij}` s.t.
    :math:`\sum_j x_{ij} = 1`, :math:`x_{ij} \le y_j`, :math:`\sum_j y_j = p`.

    References
    ----------
    .. [2] ReVelle, C. S. and Swain, R. W. (1970). Central facilities location.
       Geographical Analysis 2(1), 30-42.
    .. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
       Combinatorial Optimization 19(1), 69-83.
    """
    checked = {}

    def extra(probs, m, ci, fx, p):
        if formulation not in ("compact", "classic"):
            probs.param("formulation", "'compact' or 'classic'", formulation)
        if allowed is not None:
            a = np.asarray(allowed)
            if a.shape != (m,) or not (a.dtype == bool or (a.dtype.kind in "iuf" and np.isin(a, (0, 1)).all())):
                probs.param("allowed", f"a boolean array of {m} values (one per site)",
                            f"an array of dtype {a.dtype} and shape {a.shape}")
            else:
                checked["allowed"] = a.astype(bool)

    ci, w, fx, p, _ = _check_common("build_p_median", cost, p, weights, fixed, 60, 0.0, extra=extra)
    C = ci.C
    _raise_unreachable("build_p_median", C, ci)
    fixed_mask = np.zeros(ci.m, dtype=bool)
    fixed_mask[fx] = True
    al = checked.get("allowed", np.ones(ci.m, dtype=bool))
    al |= fixed_mask
    if int(al.sum()) < p:
        raise InfeasibleError(
            f"build_p_median: only {int(al.sum())} sites are allowed (fixed ones included), fewer than p = {p}.",
            rows=[], reason=f"{p - int(al.sum())} sites short",
        )
    mm = (_build_classic if formulation == "classic" else _build_compact)(C, w, fixed_mask, al, p)
    integral = _is_integral(C, w)

    def decode(sol: Solution, seconds: float, method: str) -> SitingResult:
        sites = mm.cols[sol.x[: mm.n_y] > 0.5]
        return _median_result(ci, C, w, sites, sol.bound, integral, seconds, method, "time_limit", config.MIP_GAP,
                              {"solver_status": sol.solver_status, "model_size": _size(mm.model)})

    return BuiltModel("p_median", mm.model, decode, info={"formulation": formulation})


#: Above this many columns the models carry no names (building 10^6 strings costs seconds);
#: the PuLP bridge then names them x0, x1, ...
_MAX_NAMED_COLS = 200_000


def _names(cols, prefix, a, b):
    if len(cols) + len(a) > _MAX_NAMED_COLS:
        return None
    return [f"y{j}" for j in cols] + [f"{prefix}{i}_{k}" for i, k in zip(a.tolist(), b.tolist())]


def _build_compact(C, w, fixed_mask, allowed, p, site_cost=None) -> _MedianModel:
    """Compact (Elloumi) model; ``p=None`` drops the cardinality row (facility location with
    ``site_cost`` on the ``y`` columns)."""
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    Cs = C[:, cols]
    order = np.argsort(Cs, axis=1, kind="stable")
    Ds = np.take_along_axis(Cs, order, axis=1)
    finite = np.isfinite(Ds)
    nfin = finite.sum(axis=1)
    T = nfin.copy()
    # nearest open site is among the first (m' - p + 1) allowed sites
    if p is not None:
        T = np.minimum(T, mp - p + 1)
    # truncation at the first fixed site in cost order
    fx_sorted = fixed_mask[cols][order]
    has_fx = fx_sorted.any(axis=1)
    first_fx = np.where(has_fx, fx_sorted.argmax(axis=1) + 1, mp)
    T = np.minimum(T, first_fx)
    if (T <= 0).any():
        bad = np.nonzero(T <= 0)[0]
        raise InfeasibleError(
            f"p_median: rows {describe_positions(bad)} reach no allowed site (every allowed cost is inf).",
            rows=bad.tolist(), reason="unreachable from every allowed site",
        )
    pos = np.arange(mp)[None, :]
    keep = pos < T[:, None]
    # level index along each row: new level where the cost increases
    newlev = np.zeros_like(keep)
    newlev[:, 1:] = Ds[:, 1:] > Ds[:, :-1]
    newlev &= keep
    lev = np.cumsum(newlev, axis=1)  # 0-based level of each sorted entry
    K = lev[np.arange(n), T - 1] + 1  # levels per row
    row_base = np.concatenate([[0], np.cumsum(K)[:-1]])
    n_con = int(K.sum())
    zK = K - 1
    z_base = np.concatenate([[0], np.cumsum(zK)[:-1]])
    n_z = int(zK.sum())
    # y entries
    ii, tt = np.nonzero(keep)
    y_rows = row_base[ii] + lev[ii, tt]
    y_cols = order[ii, tt]  # position within cols
    # level distances: the first entry of each level
    starts = keep & (newlev | (pos == 0))
    si, st = np.nonzero(starts)
    lev_d = Ds[si, st]  # ordered by row then level (row-major nonzero)
    # z variables: for row i, level k in 0..K_i-2: coefficient w_i (D_{k+1} - D_k)
    zi = np.repeat(np.arange(n), zK)
    zk = np.arange(n_z) - np.repeat(z_base, zK)
    lev_base = row_base  # same layout as constraints: row_base[i] + k indexes lev_d
    dz = lev_d[lev_base[zi] + zk + 1] - lev_d[lev_base[zi] + zk]
    cz = w[zi] * dz
    offset = float(w @ lev_d[row_base])
    # z entries: +1 in constraint (i, k), -1 in constraint (i, k+1)
    z_col = mp + np.arange(n_z)
    card = 1 if p is not None else 0
    rows = np.concatenate([y_rows, row_base[zi] + zk, row_base[zi] + zk + 1, np.full(mp * card, n_con)])
    colsA = np.concatenate([y_cols, z_col, z_col, np.arange(mp * card)])
    vals = np.concatenate([np.ones(y_rows.size), np.ones(n_z), -np.ones(n_z), np.ones(mp * card)])
    A = sp.csr_matrix((vals, (rows, colsA)), shape=(n_con + card, mp + n_z))
    row_lo = np.zeros(n_con + card)
    row_lo[row_base] = 1.0
    row_hi = np.full(n_con + card, np.inf)
    if p is not None:
        row_lo[n_con] = p
        row_hi[n_con] = p
    yc = np.zeros(mp) if site_cost is None else np.asarray(site_cost, dtype=float)[cols]
    c = np.concatenate([yc, cz])
    col_lo = np.zeros(mp + n_z)
    col_lo[:mp] = fixed_mask[cols].astype(float)
    col_hi = np.full(mp + n_z, np.inf)
    col_hi[:mp] = 1.0
    integ = np.zeros(mp + n_z, dtype=bool)
    integ[:mp] = True
    model = SparseModel(
        c, A, row_lo, row_hi, col_lo, col_hi, integ, "min", offset,
        col_names=_names(cols, "z", zi, zk),
        name="p_median_compact",
        meta={"sites": cols, "n_y": mp, "formulation": "compact", "z_row": zi, "z_level_cost": lev_d[lev_base[zi] + zk]},
    )
    return _MedianModel(model, cols, mp)


def _build_classic(C, w, fixed_mask, allowed, p) -> _MedianModel:
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    Cs = C[:, cols]
    fin = np.isfinite(Cs)
    ii, jj = np.nonzero(fin)
    nx = ii.size
    x_col = mp + np.arange(nx)
    # rows: n assignment rows, nx linking rows x_ij - y_j <= 0, one cardinality row
    rows = np.concatenate([ii, n + np.arange(nx), n + np.arange(nx), np.full(mp, n + nx)])
    colsA = np.concatenate([x_col, x_col, jj, np.arange(mp)])
    vals = np.concatenate([np.ones(nx), np.ones(nx), -np.ones(nx), np.ones(mp)])
    A = sp.csr_matrix((vals, (rows, colsA)), shape=(n + nx + 1, mp + nx))
    row_lo = np.concatenate([np.ones(n), np.full(nx, -np.inf), [p]])
    row_hi = np.concatenate([np.ones(n), np.zeros(nx), [p]])
    c = np.concatenate([np.zeros(mp), w[ii] * Cs[ii, jj]])
    col_lo = np.zeros(mp + nx)
    col_lo[:mp] = fixed_mask[cols].astype(float)
    col_hi = np.ones(mp + nx)
    integ = np.zeros(mp + nx, dtype=bool)
    integ[:mp] = True
    model = SparseModel(
        c, A, row_lo, row_hi, col_lo, col_hi, integ, "min", 0.0,
        col_names=_names(cols, "x", ii, cols[jj]),
        name="p_median_classic",
        meta={"sites": cols, "n_y": mp, "formulation": "classic", "x_row": ii, "x_site": cols[jj]},
    )
    return _MedianModel(model, cols, mp)


def _compact_size_estimate(C, fixed_mask, allowed, p, sample=256) -> dict:
    """Rows and nonzeros of :func:`_build_compact`'s model, estimated from ``sample`` evenly spaced rows
    (without building it: the full model of a 20,000 x 1,000 instance needs gigabytes)."""
    cols = np.nonzero(allowed)[0]
    mp = cols.size
    n = C.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, sample)).astype(np.int64))
    sub = C[rows][:, cols]
    order = np.argsort(sub, axis=1, kind="stable")
    Ds = np.take_along_axis(sub, order, axis=1)
    T = np.minimum(np.isfinite(Ds).sum(axis=1), mp - p + 1)
    fx = fixed_mask[cols][order]
    T = np.minimum(T, np.where(fx.any(axis=1), fx.argmax(axis=1) + 1, mp))
    keep = np.arange(mp)[None, :] < T[:, None]
    new = np.ones_like(keep)
    new[:, 1:] = Ds[:, 1:] > Ds[:, :-1]
    K = (new & keep).sum(axis=1)
    scale = n / rows.size
    n_rows = int(K.sum() * scale) + 1
    nnz = int((T.sum() + 2 * (K - 1).sum()) * scale) + mp
    return {"rows": n_rows, "cols": int((K - 1).sum() * scale) + mp, "nnz": nnz, "estimated": True}


def _start_vector(mm: _MedianModel, C, sites) -> np.ndarray | None:
    """A MIP start for ``mm`` from an open-site set (None when a site is not in the model)."""
    col_of = {int(s): k for k, s in enumerate(mm.cols)}
    if any(int(s) not in col_of for s in sites):
        return None
    x = np.zeros(mm.model.n_cols)
    for s in sites:
        x[col_of[int(s)]] = 1.0
    meta = mm.model.meta
    a, d = _assign(C, np.asarray(sites))
    if meta["formulation"] == "compact":
        zi = meta["z_row"]
        x[mm.n_y:] = (meta["z_level_cost"] < d[zi]).astype(float)
    else:
        xi = meta["x_row"]
        x[mm.n_y:] = (meta["x_site"] == a[xi]).astype(float)
    return x



def _size(model: SparseModel) -> dict:
    return {"rows": model.n_rows, "cols": model.n_cols, "nnz": int(model.A.nnz)}
