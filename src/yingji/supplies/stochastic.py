"""The two-stage stochastic programme behind :func:`~yingji.supplies.preposition`: its numeric
instance, first- and second-stage pieces, the deterministic equivalent (one sparse MIP) and the
multi-cut L-shaped (Benders) method with scenario subproblems on any executor.

References
----------
.. [1] Van Slyke, R. M. and Wets, R. (1969). L-shaped linear programs with applications to optimal
   control and stochastic programming. SIAM J. Appl. Math. 17(4), 638-663.
.. [2] Birge, J. R. and Louveaux, F. (2011). *Introduction to Stochastic Programming*, 2nd ed.,
   Springer. (Multi-cut L-shaped method; the value of the stochastic solution, ch. 4.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from yingji._deadline import Deadline
from yingji.solvers import ModelBuilder, solve
from yingji.supplies.scenarios import Scenarios


@dataclass(frozen=True)
class _Instance:
    """Numeric form of a prepositioning problem (arrays only: picklable for executors)."""

    site_ids: list
    kinds: list
    item_ids: list
    township_ids: list
    scen_ids: list
    prob: np.ndarray          # (S,)
    open_cost: np.ndarray     # (J,)
    fixed_open: np.ndarray    # (J,) bool: existing depots
    base_cap: np.ndarray      # (J,) m3
    level_cap: np.ndarray     # (L,)
    level_cost: np.ndarray    # (L,)
    existing: np.ndarray      # (J, K)
    unit_cost: np.ndarray     # (K,)
    vol: np.ndarray           # (K,)
    penalty: np.ndarray       # (K,)
    ship: list                # per scenario: (J, T) cost per unit volume (inf = no route / closed)
    demand: np.ndarray        # (S, T, K)
    ship_base: np.ndarray | None = None  # (J, T) with nothing closed (mean-value problem)


def _first_stage_layout(inst: _Instance):
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    o = 0
    off_open = o; o += J
    off_lvl = o; o += J * L
    off_buy = o; o += J * K
    return off_open, off_lvl, off_buy, o


def _first_stage_rows(inst: _Instance, budget):
    """First-stage constraints: capacity per site, one level per open site, budget."""
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    rows = []
    # capacity: sum_k vol_k buy_jk - cap_j open_j - sum_l Lcap_l e_jl <= -sum_k vol_k existing_jk
    r_i = np.concatenate([np.repeat(np.arange(J), K), np.arange(J), np.repeat(np.arange(J), L)])
    r_j = np.concatenate([off_buy + np.arange(J * K), off_open + np.arange(J), off_lvl + np.arange(J * L)])
    r_v = np.concatenate([np.tile(inst.vol, J), -inst.base_cap, -np.tile(inst.level_cap, J)])
    cap = sp.csr_matrix((r_v, (r_i, r_j)), shape=(J, n1))
    rows.append((cap, np.full(J, -np.inf), -(inst.existing @ inst.vol)))
    if L:
        # sum_l e_jl - open_j <= 0
        r_i = np.concatenate([np.repeat(np.arange(J), L), np.arange(J)])
        r_j = np.concatenate([off_lvl + np.arange(J * L), off_open + np.arange(J)])
        r_v = np.concatenate([np.ones(J * L), -np.ones(J)])
        rows.append((sp.csr_matrix((r_v, (r_i, r_j)), shape=(J, n1)), np.full(J, -np.inf), np.zeros(J)))
    c1 = _first_stage_cost_vec(inst)
    if budget is not None:
        rows.append((sp.csr_matrix(c1.reshape(1, -1)), np.array([-np.inf]), np.array([float(budget)])))
    A = sp.vstack([r[0] for r in rows]).tocsr()
    return A, np.concatenate([r[1] for r in rows]), np.concatenate([r[2] for r in rows]), c1


def _first_stage_cost_vec(inst: _Instance) -> np.ndarray:
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    c = np.zeros(n1)
    c[off_open:off_open + J] = np.where(inst.fixed_open, 0.0, inst.open_cost)
    c[off_lvl:off_lvl + J * L] = np.tile(inst.level_cost, J)
    c[off_buy:off_buy + J * K] = np.tile(inst.unit_cost, J)
    return c


def _first_stage_bounds(inst: _Instance):
    J, K, L = len(inst.site_ids), len(inst.item_ids), len(inst.level_cap)
    off_open, off_lvl, off_buy, n1 = _first_stage_layout(inst)
    lo = np.zeros(n1)
    hi = np.full(n1, np.inf)
    hi[off_open:off_open + J] = 1
    lo[off_open:off_open + J] = inst.fixed_open.astype(float)
    hi[off_lvl:off_lvl + J * L] = 1
    integ = np.zeros(n1, bool)
    integ[off_open:off_lvl + J * L] = True
    return lo, hi, integ


def _second_stage(inst: _Instance, s: int):
    """Scenario s's LP pieces (see :func:`_second_stage_arrays`)."""
    return _second_stage_arrays(inst.ship[s], inst.demand[s], inst.vol, inst.penalty)


def _second_stage_arrays(ship: np.ndarray, demand: np.ndarray, vol: np.ndarray, penalty: np.ndarray):
    """One scenario's LP pieces: columns x (routes × items) then u (T × K).

    Returns (c2, A_dem (T·K × n2), rhs_dem, A_stock (J·K × n2), meta).
    """
    J, T = ship.shape
    K = vol.size
    pj, pt = np.nonzero(np.isfinite(ship))
    nP = pj.size
    n_x = nP * K
    col_p = np.repeat(np.arange(nP), K)
    col_k = np.tile(np.arange(K), nP)
    c2 = np.concatenate([ship[pj[col_p], pt[col_p]] * vol[col_k], np.tile(penalty, T)])
    n2 = n_x + T * K
    A_dem = sp.csr_matrix((np.ones(n2), (np.concatenate([pt[col_p] * K + col_k, np.arange(T * K)]), np.arange(n2))),
                          shape=(T * K, n2))
    A_stock = sp.csr_matrix((np.ones(n_x), (pj[col_p] * K + col_k, np.arange(n_x))), shape=(J * K, n2))
    return c2, A_dem, demand.ravel(), A_stock, (pj, pt, col_p, col_k, n_x)


def _solve_subproblem(args):
    """Scenario LP for a fixed first stage: (cost, gradient wrt held stock (J·K), unmet (K,)).

    Module-level and fed only this scenario's arrays, so executors (process pools, dask)
    pickle little.
    """
    ship, demand, vol, penalty, hold, time_limit = args
    if isinstance(time_limit, Deadline):  # shared with the caller (perf_counter is system-wide)
        if time_limit.expired():
            return None  # no time left: no valid cost or cut for this scenario
        time_limit = time_limit.limit()
    hold = np.maximum(hold, 0.0)  # solver tolerances must not make the scenario infeasible
    c2, A_dem, d, A_stock, _ = _second_stage_arrays(ship, demand, vol, penalty)
    n2 = c2.size
    JK = A_stock.shape[0]
    b = ModelBuilder("scenario")
    b.add_columns("x", n2, cost=c2)
    b.add_matrix(A_dem, lo=d, hi=d)      # every demand met or recorded unmet
    b.add_matrix(A_stock, hi=hold)       # shipped from a depot <= what it holds
    sol = solve(b.build(), time_limit=time_limit)
    if not sol.optimal:
        return None  # stopped by the time limit: its cost and duals are not those of the optimum
    TK = A_dem.shape[0]
    grad = sol.duals[TK:] if sol.duals is not None else np.zeros(JK)
    unmet = sol.x[n2 - TK:].reshape(-1, vol.size).sum(axis=0)
    return float(sol.objective), np.asarray(grad, dtype=float), unmet


def _hold_from_x1(inst: _Instance, x1: np.ndarray) -> np.ndarray:
    """Stock held per (site, item) given first-stage columns; closed sites hold nothing usable."""
    J, K = len(inst.site_ids), len(inst.item_ids)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    # a MIP solution may hold buy = -2e-7 within the solver's feasibility tolerance; a negative
    # stock bound would make the scenario LP infeasible (seen with 10 scenarios on the sample county)
    return (inst.existing + np.maximum(x1[off_buy:off_buy + J * K], 0.0).reshape(J, K)).ravel()


def _hold_matrix_for(inst: _Instance, s: int, hold: np.ndarray, closed_mask: np.ndarray) -> np.ndarray:
    h = hold.copy().reshape(len(inst.site_ids), -1)
    h[closed_mask] = 0.0
    return h.ravel()


def _extensive(inst: _Instance, budget, closed: list, max_unmet_probability, time_limit, mip_gap, start=None):
    """Deterministic equivalent as one sparse MIP."""
    J, K, T, S = len(inst.site_ids), len(inst.item_ids), len(inst.township_ids), len(inst.scen_ids)
    A1, lo1, hi1, c1 = _first_stage_rows(inst, budget)
    n1 = c1.size
    clo, chi, integ1 = _first_stage_bounds(inst)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    b = ModelBuilder("preposition_de", sense="min")
    first = b.add_columns("first", n1, cost=c1, lo=clo, hi=chi, integer=integ1)
    b.add_matrix(A1, first.start, lo=lo1, hi=hi1)
    scen = []
    for s in range(S):
        c2, A_dem, d, A_stock, meta = _second_stage(inst, s)
        scen.append((b.add_columns(f"scenario_{s}", c2.size, cost=inst.prob[s] * c2), c2, A_dem, d, A_stock))
    z = b.add_columns("unmet_scenario", S if max_unmet_probability is not None else 0, hi=1.0, integer=True)
    for s, (blk, c2, A_dem, d, A_stock) in enumerate(scen):
        b.add_matrix(A_dem, blk.start, lo=d, hi=d)  # demand: shipped + unmet = demand
        # stock: sum_t x_jtk - buy_jk <= existing_jk (0 where the site is closed in s: nothing bought
        # there counts either)
        open_rows = np.repeat(~np.asarray(closed[s], dtype=bool), K)
        ex = np.where(open_rows, inst.existing.ravel(), 0.0)
        st = A_stock.tocoo()
        r_open = np.nonzero(open_rows)[0]
        b.add_rows(np.r_[st.row, r_open], np.r_[blk.start + st.col, first.index(off_buy + r_open)],
                   np.r_[st.data, -np.ones(r_open.size)], hi=ex, n_rows=J * K)
        if max_unmet_probability is not None:  # unmet_tk <= demand_tk * z_s
            TK = T * K
            u_cols = blk.stop - TK + np.arange(TK)
            b.add_rows(np.r_[np.arange(TK), np.arange(TK)], np.r_[u_cols, np.full(TK, z.start + s)],
                       np.r_[np.ones(TK), -np.maximum(d, 0.0)], hi=np.zeros(TK), n_rows=TK)
    if max_unmet_probability is not None:
        b.add_rows(np.zeros(S, int), z.index(np.arange(S)), inst.prob, hi=float(max_unmet_probability), n_rows=1)
    model = b.build()
    offs = [(blk.start, blk.size, None) for blk, *_ in scen]
    blocks_c = [c1] + [inst.prob[s] * c2 for s, (_b, c2, *_r) in enumerate(scen)]
    sol = solve(model, time_limit=time_limit.limit() if isinstance(time_limit, Deadline) else time_limit,
                mip_gap=mip_gap)
    if not sol.has_solution:
        return None, sol, None
    K = len(inst.item_ids)
    ev = []
    for s, (off, n2, _meta) in enumerate(offs):
        xs = sol.x[off:off + n2]
        c2 = blocks_c[1 + s] / inst.prob[s] if inst.prob[s] > 0 else _second_stage(inst, s)[0]
        ev.append((float(c2 @ xs), None, xs[n2 - T * K:].reshape(-1, K).sum(axis=0)))
    return sol.x[:n1], sol, ev


def _evaluate(inst: _Instance, x1: np.ndarray, closed: list, executor, time_limit, progress=False):
    """Second-stage cost, gradient and unmet per scenario for a fixed first stage.

    ``time_limit`` is a :class:`Deadline` shared by all scenarios (or seconds per scenario); a
    scenario it leaves no time for comes back as None.
    """
    hold = _hold_from_x1(inst, x1)
    args = [(inst.ship[s], inst.demand[s], inst.vol, inst.penalty, _hold_matrix_for(inst, s, hold, closed[s]), time_limit)
            for s in range(len(inst.scen_ids))]
    if executor is None:
        it = map(_solve_subproblem, args)
    else:
        it = executor.map(_solve_subproblem, args)
    out = []
    bar = _progress(progress, len(args), "scenarios")
    for r in it:
        out.append(r)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _progress(progress, total, desc):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False)
    except ImportError:  # pragma: no cover - tqdm is optional
        return None


def _benders(inst: _Instance, budget, closed: list, executor, time_limit, mip_gap, max_iter, progress):
    """Multi-cut L-shaped method [1]_ [2]_: master MIP over the first stage and one θ per scenario.

    ``time_limit``: a :class:`Deadline` (or seconds from now) for all iterations; an iteration
    whose scenario evaluation the deadline cuts adds no bound or cut (they would not be valid).
    """
    dl = time_limit if isinstance(time_limit, Deadline) else Deadline(float(time_limit))
    J, K, S = len(inst.site_ids), len(inst.item_ids), len(inst.scen_ids)
    A1, lo1, hi1, c1 = _first_stage_rows(inst, budget)
    n1 = c1.size
    clo, chi, integ1 = _first_stage_bounds(inst)
    off_open, off_lvl, off_buy, _ = _first_stage_layout(inst)
    # θ_s >= 0 is valid: second-stage costs are non-negative
    cuts_A, cuts_lo = [], []
    best_ub, best_x1, best_eval = np.inf, None, None
    lb = -np.inf
    x1 = np.zeros(n1)
    x1[off_open:off_open + J] = inst.fixed_open.astype(float)
    it = 0
    status = "time_limit"
    for it in range(1, max_iter + 1):
        if dl.expired():
            break
        ev = _evaluate(inst, x1, closed, executor, dl, progress=False)
        if any(e is None for e in ev):
            break  # the deadline cut the evaluation: no valid upper bound or cuts from it
        q = np.array([e[0] for e in ev])
        ub = float(c1 @ x1 + inst.prob @ q)
        if ub < best_ub:
            best_ub, best_x1, best_eval = ub, x1.copy(), ev
        # cuts: θ_s >= q_s + g_s·(hold - hold_bar), hold = existing + buy (zeroed where closed)
        for s, (qs, g, _) in enumerate(ev):
            g = g.reshape(J, K).copy()
            g[closed[s]] = 0.0
            g = g.ravel()
            hold_bar = _hold_matrix_for(inst, s, _hold_from_x1(inst, x1), closed[s])
            row = np.zeros(n1 + S)
            row[off_buy:off_buy + J * K] = -g
            row[n1 + s] = 1.0
            cuts_A.append(row)
            ex = inst.existing.copy()
            ex[closed[s]] = 0.0
            cuts_lo.append(qs - g @ hold_bar + g @ ex.ravel())
        if np.isfinite(lb) and (best_ub - lb) / max(abs(best_ub), 1e-9) <= mip_gap:
            status = "optimal"
            break
        # master
        master = ModelBuilder("benders_master")
        x_cols = master.add_columns("x1", n1, cost=c1, lo=clo, hi=chi, integer=integ1)
        master.add_columns("theta", S, cost=inst.prob, lo=0.0)
        master.add_matrix(A1, x_cols.start, lo=lo1, hi=hi1)
        master.add_matrix(np.array(cuts_A), 0, lo=np.asarray(cuts_lo, dtype=float))
        master = master.build()
        if dl.expired():
            break
        msol = solve(master, time_limit=dl.limit(), mip_gap=mip_gap / 10)
        if not msol.has_solution:
            break
        lb = max(lb, float(msol.bound))
        x1 = msol.x[:n1]
        x1[off_open:off_lvl + len(inst.level_cap) * J] = np.round(x1[off_open:off_lvl + len(inst.level_cap) * J])
        if (best_ub - lb) / max(abs(best_ub), 1e-9) <= mip_gap:
            status = "optimal"
            break
        if progress:
            print(f"benders iteration {it}: lower {lb:,.2f} upper {best_ub:,.2f}")
    return best_x1, best_eval, best_ub, lb, status, it


def _mean_demand(inst: _Instance, mean: Scenarios) -> np.ndarray:
    d = np.zeros((1, len(inst.township_ids), len(inst.item_ids)))
    t_pos = {t: i for i, t in enumerate(inst.township_ids)}
    k_pos = {k: i for i, k in enumerate(inst.item_ids)}
    md = mean.demand
    np.add.at(d, (np.zeros(len(md), int), md["township"].map(t_pos).to_numpy(), md["item"].map(k_pos).to_numpy()),
              md["quantity"].to_numpy(float))
    return d
