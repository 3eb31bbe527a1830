r"""The p-median on each row's nearest sites: the radius / K-nearest reduced formulation (García,
Labbé and Marín 2011) with its exactness test and iterative enlargement, solved with HiGHS.

Each row ``i`` keeps its ``k_i`` nearest live sites (sorted, ties grouped into distance levels
:math:`D_i^1 < \dots < D_i^{K_i}`, as in the compact formulation of Elloumi 2010) and one more
variable, priced at the distance :math:`D_i^{+}` of the first site it does not keep: the cost of
being served by a site farther away. Every p-set costs at least the reduced model's value for it,
so the reduced optimum is a lower bound of the p-median; it is exact when no row ends beyond its
kept sites, and otherwise the rows that do get more sites and the model is solved again, started
from the best p-set found (García et al. 2011, Section 3: the radius formulation and its
iterative algorithm; Avella, Sassano and Vasil'ev 2007 exploit the same locality).

The nearest-site lists come from a dense matrix in blocks of rows (``argpartition``: no
``n x m`` temporary) or, for points in the plane, from a k-d tree (:class:`scipy.spatial.cKDTree`)
with no matrix at all.

References
----------
.. [1] García, S., Labbé, M. and Marín, A. (2011). Solving large p-median problems with a radius
   formulation. INFORMS Journal on Computing 23(4), 546-556.
.. [2] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of Combinatorial
   Optimization 19(1), 69-83.
.. [3] Avella, P., Sassano, A. and Vasil'ev, I. (2007). Computational study of large-scale p-median
   problems. Mathematical Programming 109(1), 89-114.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji.solvers import SparseModel

__all__: list[str] = []


@dataclass
class _Lists:
    """Each row's ``K`` nearest sites in increasing cost order: ``idx`` (int64, n x K), ``dist``
    (float64, n x K, unweighted costs) and ``tail`` (n,): a cost no unlisted site is below
    (``inf`` when the lists hold every site)."""

    idx: np.ndarray
    dist: np.ndarray
    tail: np.ndarray

    @property
    def K(self) -> int:
        return int(self.idx.shape[1])


def _knn_lists(C: np.ndarray, K: int, block: int = 2048) -> _Lists:
    """Each row's ``K`` cheapest columns of the dense matrix ``C``, in blocks of rows."""
    n, m = C.shape
    K = int(min(max(K, 1), m))
    idx = np.empty((n, K), dtype=np.int64)
    dist = np.empty((n, K), dtype=np.float64)
    for a in range(0, n, block):
        B = C[a:a + block]
        part = np.argpartition(B, K - 1, axis=1)[:, :K] if K < m else np.broadcast_to(np.arange(m), B.shape)
        vals = np.take_along_axis(B, part, 1)
        o = np.argsort(vals, axis=1, kind="stable")
        idx[a:a + block] = np.take_along_axis(part, o, 1)
        dist[a:a + block] = np.take_along_axis(vals, o, 1)
    tail = dist[:, -1].copy() if K < m else np.full(n, np.inf)
    return _Lists(idx, dist, tail)


def _knn_lists_xy(xy_rows: np.ndarray, xy_sites: np.ndarray, K: int) -> _Lists:
    """Each row point's ``K`` nearest site points (Euclidean), from a k-d tree: no matrix."""
    from scipy.spatial import cKDTree

    m = xy_sites.shape[0]
    K = int(min(max(K, 1), m))
    d, i = cKDTree(xy_sites).query(xy_rows, k=K)
    d = np.asarray(d, dtype=np.float64).reshape(xy_rows.shape[0], K)
    i = np.asarray(i, dtype=np.int64).reshape(xy_rows.shape[0], K)
    tail = d[:, -1].copy() if K < m else np.full(xy_rows.shape[0], np.inf)
    return _Lists(i, d, tail)


@dataclass(frozen=True)
class _KnnModel:
    model: SparseModel
    cols: np.ndarray  # site position of each y column
    n_y: int
    z_row: np.ndarray  # row of each z column
    z_level_cost: np.ndarray  # the level distance each z column is 1 beyond
    last_z: np.ndarray  # per row: its z column priced at the first unkept site (-1: closed row)
    kept: np.ndarray  # per row: sites kept
    eps: float = 0.0  # distances closer than this share a level


def _level_eps(D: np.ndarray) -> float:
    """Distances closer than this (1e-12 of the largest finite one) are one level."""
    f = D[np.isfinite(D)]
    return 1e-12 * max(1.0, float(f.max()) if f.size else 1.0)


def _build_knn(lists: _Lists, w, fixed_mask, allowed, p, kcap, rad=None) -> _KnnModel:
    """The reduced model on each row's first ``kcap[i]`` live listed sites.

    A row is *closed* (no variable beyond its kept sites) when it keeps a fixed site, or the
    ``m' - p + 1`` nearest live sites (one of them is open in every p-set), or every live site, or
    it has a finite ``rad[i]``: then it keeps exactly its live sites no farther than ``rad[i]``
    (reduced-cost fixing, :func:`_lp_fixing`, proved that every better p-set serves it within that
    distance; the lists must reach beyond ``rad[i]``).
    """
    live = fixed_mask | allowed
    cols = np.nonzero(live)[0]
    mp = cols.size
    pos_of = np.full(live.size, -1, dtype=np.int64)
    pos_of[cols] = np.arange(mp)
    n, Kl = lists.idx.shape
    lv = live[lists.idx]
    # live entries first, order kept
    order = np.argsort(~lv, axis=1, kind="stable")
    Is = np.take_along_axis(lists.idx, order, 1)
    Ds = np.take_along_axis(lists.dist, order, 1)
    n_live = lv.sum(axis=1)
    complete = ~np.isfinite(lists.tail)  # the lists hold every site
    T = np.minimum(np.asarray(kcap, dtype=np.int64), n_live)
    closed = complete & (T >= n_live)
    if rad is not None:
        rc = np.isfinite(rad)
        if rc.any():
            # within a relative 1e-9 of the radius (far above the 1e-12 of a level): keeping a site
            # more only weakens the row, never cuts off a p-set
            r = np.where(rc, rad, 0.0)
            tol_r = 1e-9 * np.maximum(1.0, np.abs(r))
            inside = (Ds <= (r + tol_r)[:, None]) & (np.arange(Kl)[None, :] < n_live[:, None])
            # at least one site (none within the radius: no p-set is better, any row is then valid)
            Tr = np.maximum(np.minimum(inside.sum(axis=1), n_live), 1)
            T = np.where(rc, Tr, T)
            closed |= rc
    cap = mp - p + 1
    over = T >= cap
    T = np.where(over, cap, T)
    closed |= over
    fx = fixed_mask[Is] & (np.arange(Kl)[None, :] < n_live[:, None])
    has_fx = fx.any(axis=1)
    first_fx = np.where(has_fx, fx.argmax(axis=1) + 1, Kl + 1)
    hit = first_fx <= T
    T = np.where(hit, first_fx, T)
    closed |= hit
    if (T <= 0).any():
        raise ValueError("a row keeps no live site")  # pragma: no cover - callers enlarge the lists first
    # the price of the first unkept site: the next live listed one, else the tail cost
    nxt = np.take_along_axis(Ds, np.minimum(T, Kl - 1)[:, None], 1)[:, 0]
    price = np.where(T < n_live, nxt, lists.tail)
    pos = np.arange(Kl)[None, :]
    keep = pos < T[:, None]
    newlev = np.zeros_like(keep)
    # distances within eps of the previous one share its level: TSPLIB coordinates give equal distances
    # that differ by 1e-16 after rounding, which only add rows and tiny costs HiGHS warns about; the
    # level keeps its smallest distance, so the model still never overprices a p-set
    eps = _level_eps(Ds[:, :Kl])
    newlev[:, 1:] = Ds[:, 1:] > Ds[:, :-1] + eps
    newlev &= keep
    lev = np.cumsum(newlev, axis=1)
    K = lev[np.arange(n), T - 1] + 1  # levels per row
    row_base = np.concatenate([[0], np.cumsum(K)[:-1]])
    n_con = int(K.sum())
    zK = np.where(closed, K - 1, K)
    z_base = np.concatenate([[0], np.cumsum(zK)[:-1]])
    n_z = int(zK.sum())
    ii, tt = np.nonzero(keep)
    y_rows = row_base[ii] + lev[ii, tt]
    y_cols = pos_of[Is[ii, tt]]
    starts = keep & (newlev | (pos == 0))
    si, st = np.nonzero(starts)
    lev_d = Ds[si, st]  # row-major: row_base[i] + k indexes level k of row i
    zi = np.repeat(np.arange(n), zK)
    zk = np.arange(n_z) - np.repeat(z_base, zK)
    is_last = zk == K[zi] - 1  # an open row's last z: priced at the first unkept site
    nxt_d = np.where(is_last, price[zi], lev_d[np.minimum(row_base[zi] + zk + 1, n_con - 1)])
    dz = nxt_d - lev_d[row_base[zi] + zk]
    cz = w[zi] * dz
    offset = float(w @ lev_d[row_base])
    z_col = mp + np.arange(n_z)
    nl = ~is_last
    rows = np.concatenate([y_rows, row_base[zi] + zk, row_base[zi[nl]] + zk[nl] + 1, np.full(mp, n_con)])
    colsA = np.concatenate([y_cols, z_col, z_col[nl], np.arange(mp)])
    vals = np.concatenate([np.ones(y_rows.size), np.ones(n_z), -np.ones(int(nl.sum())), np.ones(mp)])
    A = sp.csr_matrix((vals, (rows, colsA)), shape=(n_con + 1, mp + n_z))
    row_lo = np.zeros(n_con + 1)
    row_lo[row_base] = 1.0
    row_lo[n_con] = p
    row_hi = np.full(n_con + 1, np.inf)
    row_hi[n_con] = p
    c = np.concatenate([np.zeros(mp), cz])
    col_lo = np.zeros(mp + n_z)
    col_lo[:mp] = fixed_mask[cols].astype(float)
    col_hi = np.full(mp + n_z, np.inf)
    col_hi[:mp] = 1.0
    integ = np.zeros(mp + n_z, dtype=bool)
    integ[:mp] = True
    model = SparseModel(c, A, row_lo, row_hi, col_lo, col_hi, integ, "min", offset, name="p_median_knn",
                        meta={"sites": cols, "n_y": mp, "formulation": "knn"})
    last_z = np.full(n, -1, dtype=np.int64)
    last_z[zi[is_last]] = mp + np.nonzero(is_last)[0]
    return _KnnModel(model, cols, mp, zi, lev_d[row_base[zi] + zk], last_z, T, eps)


def _lp_fixing(mm: _KnnModel, sol, cut: float, fixed_mask: np.ndarray):
    r"""Reduced-cost fixing from an LP solution of the reduced model (its row duals).

    For duals :math:`\pi` (those of the ``>=`` rows clipped at 0, so any value stays valid) and
    reduced costs :math:`r = c - A^\top \pi`, every 0/1 point ``x`` of the model (the image of a
    p-set: ``y`` its sites, :math:`z_{ik} = 1` when row ``i`` has no open site up to its level
    ``k``) costs at least :math:`\beta + \max(r_j, 0)` when :math:`x_j = 1`, and
    :math:`\beta + \max(-r_j, 0)` when :math:`x_j = 0`, with
    :math:`\beta = \text{offset} + \pi^\top b + \sum_j \min(r_j \ell_j, r_j u_j)` over the box
    :math:`[\ell, u] \subseteq [0, 1]` (Lagrangian duality, as in Nemhauser and Wolsey 1988,
    Section II.5.4; reduced-cost fixing in the radius formulation: García, Labbé and Marín 2011).
    Whatever bound exceeds ``cut`` (the value a p-set must stay below to beat the incumbent)
    fixes the variable in every better p-set: a site closed (``y_j = 1`` too costly), a site open
    (``y_j = 0`` too costly), or a row served within the distance of a level (``z_{ik} = 1`` too
    costly: then also at every later level, as :math:`z_{ik}` decreases in ``k``).

    Returns ``(close, open_, rad)``: site masks over ``mm.cols`` and, per row, the distance within
    which every better p-set serves it (``inf``: nothing proved)."""
    model = mm.model
    pi = np.asarray(sol.duals, dtype=np.float64).copy()
    ge = ~np.isfinite(model.row_hi)  # the ">=" rows (the last row, sum y = p, is an equality)
    pi[ge] = np.maximum(pi[ge], 0.0)
    r = model.c - model.A.T @ pi
    lo = model.col_lo.copy()
    hi = np.minimum(model.col_hi, 1.0)
    # rows: pi >= 0 on the ">=" rows and the equality row at its value, so pi . Ax >= pi . row_lo
    beta = float(model.offset + pi @ model.row_lo + np.minimum(r * lo, r * hi).sum())
    # a relative 1e-9 margin for the rounding in beta (HiGHS's duals are exact to 1e-7 only, which
    # the clipping and the box already absorb: beta is a valid bound for any pi)
    margin = 1e-9 * max(1.0, abs(cut))
    ny = mm.n_y
    ry = r[:ny]
    free = ~fixed_mask[mm.cols]
    close = free & (beta + np.maximum(ry, 0.0) > cut + margin)
    open_ = free & (beta + np.maximum(-ry, 0.0) > cut + margin)
    rz = r[ny:]
    zfix = beta + np.maximum(rz, 0.0) > cut + margin
    n = mm.kept.size
    rad = np.full(n, np.inf)
    np.minimum.at(rad, mm.z_row[zfix], mm.z_level_cost[zfix])
    return close, open_, rad


def _knn_start(mm: _KnnModel, d: np.ndarray, sites) -> np.ndarray | None:
    """A MIP start for ``mm`` from an open-site set whose rows' costs are ``d``."""
    col_of = np.full(int(mm.cols.max()) + 1 if mm.cols.size else 1, -1, dtype=np.int64)
    col_of[mm.cols] = np.arange(mm.n_y)
    s = np.asarray(sites, dtype=np.int64)
    if (s >= col_of.size).any() or (col_of[s] < 0).any():
        return None
    x = np.zeros(mm.model.n_cols)
    x[col_of[s]] = 1.0
    x[mm.n_y:] = (mm.z_level_cost < d[mm.z_row] - mm.eps).astype(float)
    return x


def _initial_kcap(lists: _Lists, d_inc: np.ndarray, lam_cost=None, k_min: int = 2, factor: float = 1.1) -> np.ndarray:
    """Sites each row keeps at first: the listed sites no farther than ``factor`` times the row's
    radius, plus one, at least ``k_min``. The radius is the larger of the row's cost in the incumbent
    and its Lagrangian multiplier in cost units (``lam_cost``: with near-optimal multipliers no site
    beyond it serves the row in an optimal LP solution, by complementary slackness: the radius of
    García et al. 2011); ``factor`` leaves room for multipliers that are not optimal. On TSPLIB
    fl1400 (p = 50) the radius itself gives an exact first model of 41,869 rows, against 71,085
    with 1.5 times the radius and at least ``m / p`` sites a row (before); at p = 100 it leaves
    34 rows beyond their lists (5 LP rounds), 1.1 times it 5 rows (22,488 rows)."""
    r = d_inc if lam_cost is None else np.maximum(d_inc, lam_cost)
    r = factor * r
    within = (lists.dist <= r[:, None] + 1e-12 * np.maximum(1.0, r[:, None])).sum(axis=1)
    return np.maximum(k_min, within.astype(np.int64) + 1)


#: Nonzeros per second HiGHS needs to load and presolve a reduced model before it first looks at
#: its time limit (taken low, as for the compact model in the driver).
_SETUP_NNZ_PER_S = 300_000.0


def _beyond(mm, x, thresh):
    """Rows whose "served beyond the kept sites" column of the reduced model is above ``thresh``
    in the solution ``x`` (García, Labbé and Marín 2011: the reduced value is exact when none)."""
    lz = mm.last_z
    beyond = np.zeros(lz.size, dtype=bool)
    has = lz >= 0
    beyond[has] = x[lz[has]] > thresh
    return beyond


def _lp_rounding(mm, x, fm_b, p, value, wk, improve, tol):
    """The ``p`` largest site values of the reduced LP's solution ``x`` as a p-set (the LP is
    integral or nearly so on these instances: fl1400, p = 100, ends with the optimum here), then
    ``improve`` from it when given (fl1400, p = 200: the heuristic's p-set is 0.37 % above the LP
    bound, too far for reduced-cost fixing to close much). Returns ``(sites, costs, value)``."""
    yv = x[: mm.n_y] + 2.0 * fm_b[mm.cols]
    s2 = np.sort(mm.cols[np.argsort(-yv, kind="stable")[:p]])
    d2 = value(s2)
    v2 = float(d2 @ wk)
    if improve is not None:
        s3, v3 = improve(s2)
        if v3 < v2 - tol:
            s2 = np.sort(np.asarray(s3, dtype=np.int64))
            d2 = value(s2)
            v2 = float(d2 @ wk)
    return s2, d2, v2


def _record_fixing(mm, sol, target, fm_b, rc_close, rc_open, rad, extras) -> bool:
    """Reduced-cost fixing (:func:`_lp_fixing`) of the LP ``sol`` against ``target`` folded into
    ``rc_close`` / ``rc_open`` / ``rad`` in place (``extras["knn_rc_fixed"]`` counts them);
    True when it fixed anything new."""
    cl, op, rr = _lp_fixing(mm, sol, target, fm_b)
    new_fix = bool((cl & ~rc_close[mm.cols]).any() or (op & ~rc_open[mm.cols]).any()
                   or (rr < rad).any())
    rc_close[mm.cols[cl]] = True
    rc_open[mm.cols[op]] = True
    np.minimum(rad, rr, out=rad)
    extras["knn_rc_fixed"] = {"closed": int(rc_close.sum()), "open": int(rc_open.sum()),
                              "rows": int(np.isfinite(rad).sum())}
    return new_fix


def _per_unit(lam, wk):
    """Multipliers per unit of weight (0 where a row weighs nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(wk > 0, lam / np.where(wk > 0, wk, 1.0), 0.0)


def _radii_and_short_lists(rad, d, lists, kcap):
    """The row radii a model is built with and the rows whose lists are too short for it. A row
    the incumbent serves (cost ``d``) beyond its proven radius keeps no cap (weaker, still valid):
    a cap at the incumbent's cost could need longer lists (pcb3038, p = 500: lists doubled, 2x
    memory)."""
    rad_b = np.where(np.isfinite(rad) & (d <= rad * (1 + 1e-9)), rad, np.inf)
    capped = np.isfinite(rad_b)
    short = (kcap >= lists.K) & np.isfinite(lists.tail)
    short[capped] |= np.isfinite(lists.tail[capped]) & (lists.tail[capped] <= rad_b[capped] * (1 + 1e-9))
    return rad_b, short


def _run_knn(run, sites, ub, bound, until, fm, am, lam=None, lists=None, value=None, more=None, lp_until=None,
             lp_iter=None, max_first=None, improve=None, kernel=None):
    """Solve the reduced model on the problem reduced by ``fm`` / ``am``, enlarging it until its
    optimum is exact, the gap closes or ``until``. The LP rounds stop at ``lp_until`` (default
    ``until``) and each LP at ``lp_iter`` simplex iterations (default: HiGHS's cap); an LP stopped
    so sets ``extras["knn_lp_unfinished"]`` and ends the call, so the caller can give the time
    left to another method (pcb3038, p = 100: the first reduced LP, 104 k rows, takes 150-170 CPU
    seconds and gives no bound until it ends). With ``max_first``, a first model keeping more than
    that many sites in all (over the rows) is not built: ``extras["knn_deferred"]`` gives the count
    and the call returns at once (few open sites: the reduced model is then nearly the full one).
    ``improve(sites)``, when given, returns a p-set and its value from a local search started at each
    LP rounding; ``kernel(sites, ub, bound)``, when given, a p-set, its value and a bound from a kernel
    search (:mod:`.kernel`) run once the LP is exact. After each LP, reduced-cost fixing (:func:`_lp_fixing`) against the incumbent
    closes and opens sites and caps row radii in the models built after it
    (``extras["knn_rc_fixed"]``). ``run`` is the driver's ``_Run`` (or the
    coordinate entry point's run: then ``value(sites)`` gives each row's cost to its nearest open
    site and ``more(K)`` longer lists, with no matrix). Returns ``(sites, ub, bound, lists)``;
    ``bound`` is proven (for the solutions better than the incumbent by ``run.dl(ub)``, which the
    fixing kept)."""
    import time

    from yingji.exceptions import InfeasibleError
    from yingji.siting.median.common import _assign
    from yingji.solvers import solve

    wk, p, tol, extras = run.wk, run.p, run.tol, run.extras
    if value is None:
        Cp = run.Cp
        n, m = Cp.shape

        def value(s):
            return _assign(Cp, s)[1]

        def more(K):
            return _knn_lists(Cp, K)
    else:
        n, m = run.shape
    d = value(sites)
    if lists is None:
        lists = more(int(min(m, max(32, 4 * -(-m // max(p, 1))))))
    lam_cost = None if lam is None else _per_unit(lam, wk)
    kcap = _initial_kcap(lists, d, lam_cost, k_min=int(min(m, 2)))
    kept = int(np.minimum(kcap, m).sum())
    if max_first is not None and kept > max_first:
        extras["knn_deferred"] = kept
        return sites, ub, min(bound, ub), lists
    rounds = extras.setdefault("knn_rounds", 0)
    # reduced-cost fixing from each LP's duals (_lp_fixing): sites closed / opened and row radii, for
    # every p-set better than the incumbent by dl(ub); the incumbent's own sites and row costs are
    # kept in the model (so it stays a MIP start), the masks of the caller are not changed
    fm, am, rc_close, rc_open = fm.copy(), am.copy(), np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    rad = np.full(n, np.inf)
    # phase "lp": the LP relaxation of the reduced model, enlarged until no row's LP solution goes
    # beyond its kept sites (then its value is the LP bound of the whole p-median, García et al.
    # 2011, Section 4); phase "mip": HiGHS's branch and bound on that model, enlarged again when its
    # optimum serves a row beyond its kept sites. An LP that already proves the incumbent needs no
    # MIP (fl1400, p = 50: the LP optimum is the incumbent's value).
    phase = "lp"
    while True:
        # about 3 nonzeros a kept site (its y entry, a level's z and its link): a model HiGHS could not
        # even set up in the time left is neither listed nor built (brd14051, p = 100: 8.2 M nonzeros)
        if 3.0 * float(np.minimum(kcap, m).sum()) > _SETUP_NNZ_PER_S * max(until - time.perf_counter(), 0.0):
            extras["knn_skipped"] = True
            break
        inc = np.zeros(m, dtype=bool)
        inc[sites] = True
        fm_b = fm | (rc_open & inc)
        am_b = am & ~(rc_close & ~inc)
        rad_b, short = _radii_and_short_lists(rad, d, lists, kcap)
        if short.any():
            lists = more(int(min(m, max(2 * lists.K, int(kcap.max()) + 1))))
            continue
        mm = _build_knn(lists, wk, fm_b, am_b, p, kcap, rad=rad_b)
        extras["knn_model_size"] = {"rows": mm.model.n_rows, "cols": mm.model.n_cols, "nnz": int(mm.model.A.nnz)}
        remaining = until - time.perf_counter()
        if remaining <= 0.05 or mm.model.A.nnz > _SETUP_NNZ_PER_S * remaining:
            extras["knn_skipped"] = True
            break
        if phase == "lp":
            from dataclasses import replace

            lp = replace(mm.model, integrality=np.zeros(mm.model.n_cols, dtype=bool))
            lp_left = remaining if lp_until is None else min(remaining, lp_until - time.perf_counter())
            if lp_left <= 0.05:
                extras["knn_lp_unfinished"] = True
                break
            extras["knn_lp_rounds"] = extras.get("knn_lp_rounds", 0) + 1
            try:
                sol = solve(lp, time_limit=max(0.05, getattr(run, "highs_share", 1.0) * lp_left),
                            verbose=run.verbose,
                            options=None if lp_iter is None else {"simplex_iteration_limit": int(lp_iter)})
            except InfeasibleError:
                # no p-set of the reduced problem (fixing left none better than the incumbent by dl(ub))
                bound = max(bound, ub - run.dl(ub))
                break
            if not sol.optimal or sol.x is None:
                # out of time or iterations: the bound so far stands
                extras["knn_lp_unfinished"] = True
                break
            beyond = _beyond(mm, sol.x, 1e-7)
            # the reduced LP is a relaxation of the reduced MIP, itself a relaxation of the p-median
            # (taken 1e-7 low: HiGHS's LP optimum is exact to its feasibility tolerances only)
            bound = max(bound, min(sol.objective - 1e-7 * max(1.0, abs(sol.objective)), ub - run.dl(ub)))
            extras["knn_lp_bound"] = float(sol.objective)
            # the p largest site values of the LP solution as a p-set (the LP is integral or nearly
            # so on these instances: fl1400, p = 100, ends with the optimum here)
            s2, d2, v2 = _lp_rounding(mm, sol.x, fm_b, p, value, wk, improve, tol)
            if v2 < ub - tol:
                ub, sites, d = v2, s2, d2
                extras["knn_lp_rounding"] = float(v2)
            if run.closed(bound, ub):
                break
            new_fix = False
            if sol.duals is not None and np.isfinite(ub):
                new_fix = _record_fixing(mm, sol, ub - run.dl(ub), fm_b, rc_close, rc_open, rad, extras)
            if beyond.any():
                kcap[beyond] = np.maximum(2 * mm.kept[beyond], mm.kept[beyond] + 4)
                continue
            s3, v3, _ = (sites, ub, None) if kernel is None else kernel(sites, ub, bound)
            if v3 < ub - tol:  # a better p-set from the kernel search: more fixing
                ub, sites, d = v3, np.sort(s3), value(np.sort(s3))
                if run.closed(bound, ub):
                    break
                new_fix = _record_fixing(mm, sol, ub - run.dl(ub), fm_b, rc_close, rc_open, rad, extras) or new_fix
            phase = "mip"
            # the LP is exact but does not prove the incumbent: branching follows, and integer
            # solutions serve rows farther than the LP does, so each row keeps at least 1.5 times its
            # radius and m / p sites, as before the LP phase (fl1400, p = 200: on the LP-exact model
            # the MIP's p-sets served rows beyond their lists and none beat the heuristic's 9,374.85;
            # on the larger one it found 9,359.49 in the same 300 s)
            kmip = _initial_kcap(lists, d, lam_cost, k_min=int(min(m, -(-m // max(p, 1)))), factor=1.5)
            if (kmip > kcap).any() or new_fix:
                # (a model with the new fixings: fewer sites and rows for the branch and bound)
                kcap = np.maximum(kcap, kmip)
                continue
            remaining = until - time.perf_counter()  # the LP rounds took some of it
            if remaining <= 0.05:
                break
        rounds += 1
        extras["knn_rounds"] = rounds
        opts = {"mip_abs_gap": 1.0 - 1e-3} if run.integral else None
        try:
            sol = solve(mm.model, time_limit=max(0.05, getattr(run, "highs_share", 1.0) * remaining),
                        mip_gap=0.9 * run.mip_gap, start=_knn_start(mm, d, sites),
                        verbose=run.verbose, options=opts)
        except InfeasibleError:
            # no p-set of the reduced problem: none beats the incumbent by dl(ub), which is optimal
            bound = max(bound, ub - run.dl(ub))
            break
        if sol.x is not None:
            s2 = mm.cols[sol.x[: mm.n_y] > 0.5]
            if len(s2) == p:
                d2 = value(s2)
                v2 = float(d2 @ wk)
                if v2 < ub - tol:
                    ub, sites, d = v2, np.sort(s2), d2
        if np.isfinite(sol.bound):
            bound = max(bound, min(sol.bound, ub - run.dl(ub)))
        if run.closed(bound, ub) or not sol.optimal or sol.x is None:
            break
        # the reduced optimum is not exact: the rows it serves beyond their kept sites get more
        beyond = _beyond(mm, sol.x, 0.5)
        if not beyond.any():
            break  # pragma: no cover - then the reduced value is the p-set's true value (closed above)
        kcap[beyond] = np.maximum(2 * mm.kept[beyond], mm.kept[beyond] + 4)
    return sites, ub, min(bound, ub), lists
