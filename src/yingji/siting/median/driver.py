"""p-median driver: :func:`p_median` runs the heuristic, the Lagrangian bound with reduced-cost
fixing, then the Lagrangian branch and bound and / or the compact MIP on what is left (see the
package docstring); each stage is one helper here."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from yingji import config
from yingji._validation import SEED, check_param, describe_positions
from yingji.exceptions import InfeasibleError
from yingji.results import SitingResult
from yingji.siting._inputs import CostInput, check_fixed
from yingji.siting.median.common import (
    _assign,
    _check_common,
    _is_integral,
    _median_result,
    _penalised,
    _raise_unreachable,
)
from yingji.siting.median.compact import _build_classic, _build_compact, _compact_size_estimate, _size, _start_vector
from yingji.siting.median.heuristic import _interchange, _median_heuristic, _reduced_vns, _start_sites
from yingji.siting.median.kernel import _KERNEL_MIN_GAP, _KERNEL_SHARE, _bracket_order, _dense_sub, _kernel_search
from yingji.siting.median.knn import _run_knn
from yingji.siting.median.lagrangian import _lagrangian, _lagrangian_bnb, _sorted_rows
from yingji.solvers import Solution, SparseModel, solve

__all__ = ["p_median"]

#: Rows of the compact model HiGHS is given per second left (beyond that the MIP stage is skipped).
_MIP_ROWS_PER_S = 2000.0

#: Nonzeros per second HiGHS (1.16) needs just to load, presolve and set up a p-median model before
#: it first looks at its time limit (measured here: 450-700 k/s for the compact model with a MIP
#: start, 1.6 M/s for the classic one, which then overran a 2 s limit by 2.5 s; taken low, for a
#: loaded machine). Any method given a model that cannot be set up in the time left skips the MIP
#: (``extras["mip_skipped"]``) and returns the incumbent with ``status="time_limit"``, so the
#: ``time_limit`` holds.
_HIGHS_SETUP_NNZ_PER_S = {"compact": 300_000.0, "classic": 300_000.0}


#: Share of the time left that the reduced model's LP rounds may take before the Lagrangian tree
#: gets the rest (``auto``, when the compact MIP is out of reach).
_KNN_LP_SHARE = 0.6

#: Sites kept in all (over the rows) by the first reduced model beyond which ``auto`` does not try
#: it and the Lagrangian tree takes the time instead: the reduced models whose LP proved the
#: optimum here kept 22-42 k (fl1400 p = 50 / 100, pcb3038 p = 500, rl5934 p = 1000: 40.7 k rows,
#: 37 k simplex iterations, 37 CPU s); pcb3038 p = 100 keeps 104 k, its LP takes 150-170 CPU s and
#: is 0.22 % below the best p-set (fractional), rl5934 p = 100 keeps 396 k.
_KNN_FIRST_MAX_KEPT = 60_000

#: Dual simplex iterations per second of ``time_limit`` the reduced LP may take (its deterministic
#: cap; HiGHS 1.16 made 1,010 a CPU second on the first reduced LP of TSPLIB rl5934, p = 1000).
_KNN_LP_ITER_PER_S = 1000.0


def _knn_lp_iter(time_limit: float) -> int:
    """The simplex iteration cap of each reduced LP for a call of ``time_limit`` seconds: the
    iterations HiGHS makes in ``_KNN_LP_SHARE`` of the limit at the rate measured here, so the
    answer does not depend on the machine's load (the wall clock stays a safety net)."""
    return int(max(1000.0, _KNN_LP_ITER_PER_S * _KNN_LP_SHARE * float(time_limit)))


def _too_big_for_highs(model: SparseModel, formulation: str, remaining: float, solver) -> bool:
    """True when HiGHS could not even set ``model`` up within ``remaining`` seconds."""
    if solver is not None:
        return False
    return model.A.nnz > _HIGHS_SETUP_NNZ_PER_S[formulation] * max(remaining, 0.0)


def p_median(
    cost,
    p,
    *,
    weights=None,
    fixed=None,
    method="auto",
    time_limit=config.TIME_LIMIT,
    mip_gap=config.MIP_GAP,
    solver=None,
    seed=0,
    start=None,
    verbose=False,
) -> SitingResult:
    r"""Open ``p`` sites minimising the total weighted cost of serving every row from its nearest one.

    Parameters
    ----------
    cost : array_like or DataFrame, shape (n, m)
        Demand x sites costs: minutes, metres or any additive cost (``inf`` =
        unreachable). DataFrame labels are kept in the result.
    p : int
        Number of open sites, fixed ones included.
    weights : array_like, shape (n,), optional
        Demand weights (e.g. population); default 1.
    fixed : sequence of int, optional
        Column positions (or labels) of existing sites that stay open.
    method : {"auto", "exact", "heuristic", "knearest", "classic"}
        ``"auto"``/``"exact"``: heuristic, Lagrangian bound with variable fixing,
        then the Lagrangian branch and bound and / or the compact formulation on
        what is left, or the reduced K-nearest model when the compact one is out
        of reach (``"exact"`` skips the variable fixing and solves the compact
        model). ``"auto"`` first runs exactly the steps of ``"heuristic"``, so it
        never returns a worse solution when the limit lets them finish.
        ``"heuristic"``: greedy + interchange, 300 subgradient steps with
        reduced-cost fixing, then VNS on the sites the fixing left; no MIP
        (status ``"heuristic"`` unless the bound closes the gap).
        ``"knearest"``: the steps of ``"auto"`` up to the bound, then the
        reduced K-nearest (radius) model [7]_, enlarged until exact.
        ``"classic"``: the n x m formulation of ReVelle and Swain solved
        directly (for comparison).
    time_limit : float
        Seconds for the whole call; the best solution found by then is returned
        with ``status="time_limit"``. HiGHS does not look at its limit while
        loading and presolving, so a model too large to set up in the time left
        is not handed to it (``extras["mip_skipped"]``; every method, default
        solver only).
    mip_gap : float
        Relative gap at which the optimum counts as proven (default 1e-6).
    solver : None or PuLP solver
        None: HiGHS through highspy; a PuLP solver object (e.g.
        ``pulp.PULP_CBC_CMD(msg=False)``) solves the MIP through the PuLP bridge.
    seed : int
        Seed of the randomised local search.
    start : sequence of int, optional
        Column positions (or labels) of at most ``p`` sites to start from, e.g. the answer of
        a previous what-if run: completed greedily to ``p`` sites (fixed ones included) and
        improved by interchange; the better of it and the heuristic's answer is the incumbent
        the bound, the branch and bound and the MIP start work from.
        ``extras["start_objective"]`` reports its value.
    verbose : bool
        Print the solver log.

    Returns
    -------
    SitingResult
        ``objective`` = :math:`\sum_i w_i \min_{j \in S} c_{ij}`, ``mean_cost`` =
        objective / total weight, ``bound`` a proven lower bound; ``extras``
        holds ``lagrangian_bound``, ``heuristic_objective``, ``n_fixed_open``,
        ``n_fixed_closed``, ``lagrangian_iterations`` and ``model_size`` (with the
        reduced model: ``knn_rounds``, ``knn_model_size``, ``knn_skipped``).

    Raises
    ------
    ValidationError
        Bad input (every problem named at once).
    InfeasibleError
        Some rows cannot be reached from any site, or from any ``p``-set.

    See Also
    --------
    median_cost : recompute the objective of a set of sites.
    p_center, build_p_median

    Notes
    -----
    .. math::

        \min_{S \subseteq J,\ |S| = p,\ F \subseteq S} \; \sum_i w_i \min_{j \in S} c_{ij}

    Lagrangian bound [5]_: relaxing :math:`\sum_j x_{ij} = 1` with multipliers
    :math:`\lambda_i` gives
    :math:`L(\lambda) = \sum_i \lambda_i + \sum_{j \in S(\lambda)} \sum_i \min(0, w_i c_{ij} - \lambda_i)`,
    ``S`` the ``p`` sites of smallest bracket. Sites whose forced opening (or
    closing) lifts ``L`` to the incumbent are fixed. With integer data a bound
    is rounded up. The rest is solved with the formulation of Elloumi [6]_
    (see :func:`build_p_median`).

    References
    ----------
    .. [1] Hakimi (1964), ReVelle and Swain (1970), Whitaker (1983), Hansen and
       Mladenovic (1997): full entries in :mod:`yingji.siting.median`.
    .. [5] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank
       accounts to optimize float. Management Science 23(8), 789-810.
    .. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
       Combinatorial Optimization 19(1), 69-83.
    .. [7] García, S., Labbé, M. and Marín, A. (2011). Solving large p-median problems with a
       radius formulation. INFORMS Journal on Computing 23(4), 546-556.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0., 6., 9.], [4., 0., 5.], [9., 5., 0.], [8., 4., 1.]])
    >>> r = p_median(cost, 2)
    >>> r.sites.tolist(), r.objective, r.optimal
    ([0, 2], 5.0, True)
    """
    t0 = time.perf_counter()
    run, st = _prepare(cost, p, weights, fixed, method, time_limit, mip_gap, solver, seed, start, verbose, t0)
    if method == "classic":
        return _solve_classic(run)
    # 1. heuristic, and the caller's start
    sites, ub, hb = _incumbent(run, st)
    # 2. Lagrangian bound with reduced-cost fixing (auto / heuristic)
    lg = _lagrangian_stage(run, sites, ub, hb)
    sites, ub, bound = lg.sites, lg.ub, lg.bound
    if method == "heuristic":
        return run.done(sites, ub, bound, "heuristic")
    if run.closed(bound, ub) or time.perf_counter() >= run.deadline or (lg.srt is None and method != "exact"):
        return run.done(sites, ub, bound, "time_limit")
    if method == "knearest":
        # 3''. the reduced K-nearest model, enlarged until exact
        sites, ub, bound, _ = _run_knn(run, sites, ub, bound, run.deadline, lg.fmask, lg.amask, lam=lg.lam,
                                       improve=_knn_improver(run, lg.fmask, lg.amask))
    elif method == "auto" and solver is None:
        # 3. Lagrangian branch and bound and / or the compact MIP on what is left
        sites, ub, bound = _tree_and_mip(run, lg)
    else:
        # 3'. compact MIP (method="exact", or a PuLP solver)
        sites, ub, bound = _mip_last(run, lg)
    return run.done(sites, ub, bound, "time_limit")


# ----------------------------------------------------------------------------- p_median's stages
@dataclass
class _Run:
    """One :func:`p_median` call: the checked input and what every stage shares."""

    ci: CostInput
    C: np.ndarray  # demand x sites costs (inf = unreachable)
    w: np.ndarray  # row weights
    Cp: np.ndarray  # C with inf replaced by a penalty (and weight-0 rows at 0 where reachable)
    wk: np.ndarray  # the weights the kernels see (weight-0 rows that reach no site count 1)
    fx: np.ndarray  # fixed sites
    p: int
    fixed_mask: np.ndarray
    allowed: np.ndarray
    t0: float
    tl: float
    deadline: float
    integral: bool
    tol: float
    rel: float | None  # relative pruning gap (None with integer data)
    mip_gap: float
    method: str
    solver: object
    seed: int
    verbose: bool
    extras: dict = field(default_factory=dict)

    def dl(self, u):
        """Solutions within ``dl(ub)`` of the incumbent ``ub`` may be cut off (integer data: none between
        ``ub - 1`` and ``ub``); relative otherwise, so a proof stays within ``mip_gap`` of the final,
        lower incumbent."""
        return (1.0 - 1e-4) if self.integral else self.rel * abs(u)

    def closed(self, b, ub):
        """True when the bound ``b`` proves the incumbent ``ub`` within ``mip_gap``."""
        bb = float(np.ceil(b - 1e-6)) if self.integral and np.isfinite(b) else b
        return bool(np.isfinite(ub) and (ub - bb) <= self.mip_gap * max(abs(ub), 1e-9))

    def finish(self, sites, bound, method_name, stopped, extra=None):
        self.extras.update(extra or {})
        return _median_result(self.ci, self.C, self.w, sites, bound, self.integral, time.perf_counter() - self.t0,
                              method_name, stopped, self.mip_gap, self.extras)

    def done(self, sites, ub, bound, stopped):
        """The result of the stages (``ub`` the incumbent's value); raises when the proven best set
        leaves a row unreachable."""
        C, ci, p = self.C, self.ci, self.p
        if not np.isfinite(_assign(C, sites)[1]).all() and self.closed(bound, ub):
            _, dd = _assign(C, sites)
            bad = np.nonzero(~np.isfinite(dd))[0]
            raise InfeasibleError(
                f"p_median: no choice of {p} sites reaches every demand row; rows "
                f"{describe_positions(bad, ci.row_ids)} stay unreachable in the best choice.",
                rows=[ci.row_ids[i] for i in bad] if ci.row_ids is not None else bad.tolist(),
                reason="no p-set reaches every row",
            )
        return self.finish(sites, bound, self.method, stopped)


@dataclass
class _Bound:
    """What stage 2 leaves for stage 3: the incumbent, the bound, the multipliers and the problem
    reduced by fixing."""

    sites: np.ndarray
    ub: float
    bound: float
    L: float | None  # the Lagrangian bound (None when it did not run: method="exact")
    lam: np.ndarray  # the multipliers (mutated by the later stages)
    fmask: np.ndarray  # sites fixed open (given, or by reduced costs)
    amask: np.ndarray  # sites still allowed
    srt: tuple | None  # each row's cheapest sites (_sorted_rows), when built


def _prepare(cost, p, weights, fixed, method, time_limit, mip_gap, solver, seed, start, verbose, t0):
    """Check :func:`p_median`'s arguments (every problem raised at once) and set up what the stages
    share. Returns ``(run, st)``, ``st`` the caller's start sites with the fixed ones, or None."""
    st_box = []

    def extra(probs, m, ci, fx, p):
        check_param(probs, "seed", seed, SEED)
        if start is None:
            return
        st = np.union1d(check_fixed(start, m, probs, labels=ci.col_ids, name="start"), fx)
        if isinstance(p, int) and st.size > p:
            probs.param("start", f"at most p = {p} sites (fixed ones included)", f"{st.size} sites")
        st_box.append(st)

    ci, w, fx, p, tl = _check_common("p_median", cost, p, weights, fixed, time_limit, mip_gap, method, extra=extra)
    mip_gap = float(mip_gap)
    C = ci.C
    _raise_unreachable("p_median", C, ci)
    n, m = C.shape
    deadline = t0 + tl
    fixed_mask = np.zeros(m, dtype=np.bool_)
    fixed_mask[fx] = True
    allowed = np.ones(m, dtype=np.bool_)
    Cp = _penalised(C, w)
    wk = w
    zero_inf = (w == 0) & ~np.isfinite(C).all(axis=1)
    if zero_inf.any():
        # rows of weight 0 must still be served: cost 0 where reachable, the penalty where not
        wk = w.copy()
        wk[zero_inf] = 1.0
        Cp = Cp.copy()
        Cp[zero_inf] = np.where(np.isfinite(C[zero_inf]), 0.0, Cp[zero_inf])
    integral = _is_integral(C, w)
    tol = 1e-9 * max(1.0, float(Cp.max()) * float(w.sum()) * 1e-6)  # Cp >= 0: no |Cp| copy
    rel = None if integral else 0.999 * mip_gap
    run = _Run(ci, C, w, Cp, wk, fx, p, fixed_mask, allowed, t0, tl, deadline, integral, tol, rel, mip_gap, method,
               solver, seed, verbose)
    return run, (st_box[0] if st_box else None)


def _solve_classic(run: _Run) -> SitingResult:
    """``method="classic"``: the n x m formulation of ReVelle and Swain handed to the solver as it is
    (the heuristic answers when HiGHS could not set it up in time, or found no incumbent)."""
    C, w, Cp, wk, p, tol = run.C, run.w, run.Cp, run.wk, run.p, run.tol
    fixed_mask, allowed, seed, solver, integral = run.fixed_mask, run.allowed, run.seed, run.solver, run.integral
    # 3 nonzeros per reachable pair: a model too large to set up in the time left is not even built
    # (5,934 x 5,934: 35 M assignment columns, 70 s to build)
    est_nnz = 3 * int(np.isfinite(C).sum())
    remaining = run.deadline - time.perf_counter()
    mm = None
    if solver is None and est_nnz > _HIGHS_SETUP_NNZ_PER_S["classic"] * max(remaining, 0.0):
        size = {"rows": est_nnz // 3 + C.shape[0] + 1, "cols": est_nnz // 3 + C.shape[1], "nnz": est_nnz,
                "estimated": True}
    else:
        mm = _build_classic(C, w, fixed_mask, allowed, p)
        size = _size(mm.model)
        remaining = run.deadline - time.perf_counter()
    if mm is None or _too_big_for_highs(mm.model, "classic", remaining, solver):
        # HiGHS would overrun the time limit before its first node: the heuristic answers instead
        sites, _ = _median_heuristic(Cp, wk, fixed_mask, allowed, p, seed, 0.0, tol,
                                     until=time.perf_counter() + max(0.05, 0.8 * remaining))
        return run.finish(sites, -np.inf, "classic", "time_limit", {"model_size": size, "mip_skipped": True})
    sol = _solve_or_raise(mm.model, "p_median", C, run.ci, solver, run.deadline, run.mip_gap, None, run.verbose,
                          _highs_options(mm.model, solver, integral))
    if sol.x is None:
        # no incumbent: fall back on the heuristic so the result is usable
        sites, _ = _median_heuristic(Cp, wk, fixed_mask, allowed, p, seed, 0.0, tol, until=time.perf_counter() + 0.2)
        return run.finish(sites, sol.bound, "classic", "time_limit", {"model_size": _size(mm.model)})
    sites = mm.cols[sol.x[: mm.n_y] > 0.5]
    return run.finish(sites, sol.bound, "classic", "time_limit", {"model_size": _size(mm.model)})


def _incumbent(run: _Run, st):
    """Stage 1: greedy + interchange (+ VNS with ``method="exact"``), then the caller's start ``st``
    when it is better. Returns ``(sites, ub, hb)``, ``hb`` the heuristic's time budget.

    With ``method`` "auto" and "heuristic" the VNS runs after the Lagrangian fixing (stage 2), on
    the sites left, where it is both faster and better (pmed30: 1989 instead of 1991); "auto" runs
    exactly the steps of "heuristic" first, so it never returns a worse solution (time allowing)."""
    Cp, wk, fixed_mask, allowed, p, tol, extras = run.Cp, run.wk, run.fixed_mask, run.allowed, run.p, run.tol, run.extras
    n, m = run.C.shape
    hb = min(0.25 + 3e-4 * n * m / 1e3, 0.25 * run.tl)
    # greedy and interchange leave at least 40 % of the limit to the later stages
    sites, ub = _median_heuristic(Cp, wk, fixed_mask, allowed, p, run.seed,
                                  hb if run.method == "exact" else 0.0, tol, until=run.t0 + 0.6 * run.tl)
    sites = np.sort(sites)
    extras["heuristic_objective"] = float(ub)
    if st is not None:
        # 1b. the caller's start: completed greedily, improved by interchange; the better one is kept
        sites, ub = _start_sites(Cp, wk, fixed_mask, allowed, p, st, sites, ub, tol, extras, until=run.deadline)
    return sites, ub, hb


def _lagrangian_stage(run: _Run, sites, ub, hb) -> _Bound:
    """Stage 2 (``method`` "auto" or "heuristic"): 300 subgradient steps with reduced-cost fixing, a
    Lagrangian heuristic from the best multipliers, and VNS on the sites the fixing left (the whole
    of ``method="heuristic"``); ``method="auto"`` then goes on with up to 2,700 more steps from the
    multipliers reached. With ``method="exact"`` only the multipliers are set up (bound ``-inf``).

    Each step's work is fixed (300 steps, a VNS of at most ``vns_iter`` iterations), so the answer
    is the same at any load; the time limit only stops it early."""
    Cp, wk, fixed_mask, allowed, p, tol, extras = run.Cp, run.wk, run.fixed_mask, run.allowed, run.p, run.tol, run.extras
    method, tl, deadline, dl = run.method, run.tl, run.deadline, run.dl
    n, m = run.C.shape
    lam = np.empty(n)
    _, d1 = _assign(Cp, sites)
    lam[:] = wk * d1
    fmask = fixed_mask.copy()
    amask = allowed.copy()
    if method not in ("auto", "heuristic", "knearest"):
        return _Bound(sites, ub, -np.inf, None, lam, fmask, amask, None)

    def left(share=1.0, prefix=True):
        # the time this step may take: all that is left for the steps of method="heuristic" (auto and
        # knearest run them first under the same rule, so they never end worse than it), a share of the
        # limit for the steps only auto / knearest take
        rest = max(0.0, deadline - time.perf_counter())
        return rest if prefix else min(share * tl, rest)

    # 5 % of the limit kept for what follows a sort that gives up (the row minima, the result)
    srt = _sorted_rows(Cp, wk, p, until=deadline - 0.05 * tl)
    if srt is None:
        # no time left for the Lagrangian bound: each row's cheapest cost bounds it from below
        lb = float(wk @ Cp.min(axis=1))
        extras["lagrangian_iterations"] = 0
        return _Bound(sites, ub, min(lb, ub), None, lam, fmask, amask, None)
    L, infeasible, sel, iters, ub2, s2 = _lagrangian(Cp, wk, srt, fmask, amask, p, lam, ub, dl(ub), left(0.3), 300,
                                                     tol=tol)
    if s2 is not None:
        ub, sites = ub2, s2
        extras["heuristic_objective"] = float(ub)
    extras["lagrangian_iterations"] = iters
    # 2b. Lagrangian heuristic from the best multipliers
    if not infeasible and sel.sum() == p:
        o = np.nonzero(sel)[0].astype(np.int64)
        v = _interchange(Cp, wk, fixed_mask, allowed, o, tol, deadline)
        if v < ub - tol:
            ub, sites = v, np.sort(o)
            extras["heuristic_objective"] = float(ub)
            L2, infeasible, _, it2, _, _ = _lagrangian(Cp, wk, srt, fmask, amask, p, lam, ub, dl(ub), left(0.1), 300)
            L = max(L, L2)
            extras["lagrangian_iterations"] += it2
    bound = ub - dl(ub) if infeasible else min(L, ub - dl(ub))
    if not infeasible:
        # 2c. VNS on the sites reduced-cost fixing left open (any better solution lies there)
        stop = float(np.ceil(bound - 1e-6)) if run.integral else bound
        vns_iter = int(min(512, max(16, 1.5e8 / (n * m))))
        sites, ub = _reduced_vns(Cp, wk, fmask, amask, sites, ub, run.seed, left(0.5), tol, stop, max_iter=vns_iter)
        extras["heuristic_objective"] = float(ub)
    if method in ("auto", "knearest") and not infeasible and not run.closed(bound, ub):
        # 2d. more subgradient steps from the multipliers reached (a stronger bound, more fixing). Kept
        # in full when the reduced K-nearest model follows, although its LP gives the bound: cut to
        # 300 on pcb3038, p = 500, they saved 2 s but their Lagrangian heuristic no longer improved
        # the incumbent (135,585.76 instead of 135,495.70), and the reduced MIP started from it took
        # 19 s instead of 10 s (38.3 s in all instead of 33.6 s, load 3)
        L3, infeasible, _, it3, ub3, s3 = _lagrangian(Cp, wk, srt, fmask, amask, p, lam, ub, dl(ub),
                                                      left(0.3, prefix=False), 2700,
                                                      tol=tol)
        extras["lagrangian_iterations"] += it3
        if s3 is not None:
            ub, sites = ub3, s3
            extras["heuristic_objective"] = float(ub)
        L = max(L, L3)
        bound = ub - dl(ub) if infeasible else min(L, ub - dl(ub))
    extras["lagrangian_bound"] = float(min(L, ub))
    extras["n_fixed_open"] = int(fmask.sum() - fixed_mask.sum())
    extras["n_fixed_closed"] = int((~amask & ~fmask).sum())
    return _Bound(sites, ub, bound, L, lam, fmask, amask, srt)


def _run_mip(run: _Run, sites, ub, bound, until, fm, am):
    """Compact MIP on the problem reduced by ``fm``/``am``; returns (sites, ub, bound, proven)."""
    C, w, Cp, wk, p, tol, extras = run.C, run.w, run.Cp, run.wk, run.p, run.tol, run.extras
    method, solver, mip_gap, verbose, integral, dl = run.method, run.solver, run.mip_gap, run.verbose, run.integral, run.dl
    remaining = until - time.perf_counter()
    est = _compact_size_estimate(C, fm, am | fm, p)
    if remaining <= 0.05 or (method == "auto" and est["rows"] > 1.25 * _MIP_ROWS_PER_S * remaining) or \
            (solver is None and est["nnz"] > 1.25 * _HIGHS_SETUP_NNZ_PER_S["compact"] * remaining):
        # clearly too large for the time left: not even built (at 20,000 x 1,000 the full model
        # took 6 GB to build, only to be skipped)
        extras["model_size"] = est
        extras["mip_skipped"] = True
        return sites, ub, bound, False
    mm = _build_compact(C, w, fm, am | fm, p)
    extras["model_size"] = _size(mm.model)
    remaining = until - time.perf_counter()
    if remaining <= 0.05 or (method == "auto" and mm.model.n_rows > _MIP_ROWS_PER_S * remaining) or \
            _too_big_for_highs(mm.model, "compact", remaining, solver):
        # too large to get anywhere in the time left (HiGHS's presolve alone would overrun it)
        extras["mip_skipped"] = True
        return sites, ub, bound, False
    start = _start_vector(mm, C, sites)
    try:
        # a little under mip_gap: HiGHS measures its gap on the model's objective, and a proof it calls
        # optimal must also close the gap measured here (a 2,000 x 300 case stopped at 1.0007e-6)
        sol = solve(mm.model, solver=solver, time_limit=remaining, mip_gap=0.9 * mip_gap, start=start,
                    verbose=verbose, options=_highs_options(mm.model, solver, integral))
    except InfeasibleError:
        if method == "auto":
            # no solution of the reduced problem beats the incumbent by dl(ub): it is optimal
            return sites, ub, max(bound, ub - dl(ub)), True
        raise InfeasibleError(
            f"p_median: no choice of {p} sites reaches every demand row.", rows=[],
            reason="no p-set reaches every row",
        ) from None
    mb = sol.bound if np.isfinite(sol.bound) else -np.inf
    if sol.x is not None:
        s2 = mm.cols[sol.x[: mm.n_y] > 0.5]
        if len(s2) == p:
            v2 = float(_assign(Cp, s2)[1] @ wk)
            if v2 < ub - tol:
                ub, sites = v2, np.sort(s2)
    bound = max(bound, min(ub - dl(ub), mb) if method == "auto" else mb)
    return sites, ub, min(bound, ub), sol.optimal


def _knn_improver(run: _Run, fmask, amask):
    """The local search the reduced model runs from each LP rounding: fast interchange (Whitaker
    1983) over the sites reduced-cost fixing left (``fmask`` never closed, ``amask`` may open), for
    at most 5 % of the time left."""

    def improve(s):
        o = np.ascontiguousarray(np.sort(np.asarray(s, dtype=np.int64)))
        if o.size != run.p or not (fmask | amask)[o].all() or int(fmask[o].sum()) != int(fmask.sum()):
            return s, np.inf  # pragma: no cover - the rounding keeps the fixed sites and live ones
        until = time.perf_counter() + 0.05 * max(run.deadline - time.perf_counter(), 0.0)
        v = _interchange(run.Cp, run.wk, fmask, amask, o, run.tol, until)
        return np.sort(o), float(v)

    return improve


def _kernel_hook(run: _Run, fmask, amask, lam):
    """The kernel search (:mod:`yingji.siting.median.kernel`) the reduced model runs once its LP is
    exact: skipped when the LP bound is within ``_KERNEL_MIN_GAP`` of the incumbent, else at most
    ``_KERNEL_SHARE`` of the time left, on the sites of smallest Lagrangian bracket at the
    multipliers ``lam`` (ranking by the LP's values, then reduced costs, did worse on TSPLIB fl1400:
    p = 200, 9,355.7632 from kernels of 337 and 407 sites, against 9,355.3379 from 414 sites by
    bracket; p = 500, 4,051.80 from 886 sites, not proven in its 90 s, against 4,049.90 in 25 s)."""

    def kernel(sites, ub, bound):
        """``(sites, value, bound of the kernel search)``; the bound is -inf when skipped."""
        if ub - bound <= _KERNEL_MIN_GAP * abs(ub):
            return sites, ub, -np.inf
        order = _bracket_order(run.Cp, run.wk, lam, fmask | amask)
        until = time.perf_counter() + _KERNEL_SHARE * max(run.deadline - time.perf_counter(), 0.0)
        return _kernel_search(run, sites, ub, order, fmask, amask, lam, until, _dense_sub(run, _knn_improver),
                              lp_iter=_knn_lp_iter(run.tl))

    return kernel


def _compact_out_of_reach(run: _Run, fmask, amask) -> dict | None:
    """The compact model's size estimate when it is clearly out of reach even with all the time left
    (then the reduced K-nearest model takes its place), else None."""
    left = run.deadline - time.perf_counter()
    est = _compact_size_estimate(run.C, fmask, amask | fmask, run.p)
    if est["rows"] > 1.25 * _MIP_ROWS_PER_S * left or est["nnz"] > 1.25 * _HIGHS_SETUP_NNZ_PER_S["compact"] * left:
        return est
    return None


def _tree_and_mip(run: _Run, lg: _Bound):
    """Stage 3 (``method="auto"``, HiGHS): the Lagrangian branch and bound and / or the compact MIP on
    the problem reduced by fixing, until the gap closes or the time is up. Returns (sites, ub, bound)."""
    C, Cp, wk, p, tol, extras, deadline, integral, dl = (run.C, run.Cp, run.wk, run.p, run.tol, run.extras,
                                                         run.deadline, run.integral, run.dl)
    fx, rel = run.fx, run.rel
    sites, ub, bound, L, lam, fmask, amask, srt = lg.sites, lg.ub, lg.bound, lg.L, lg.lam, lg.fmask, lg.amask, lg.srt
    # Branching on sites suits few open sites (small p: weak LP bound, HiGHS branches slowly); with many
    # open sites and a nearly tight root bound the MIP goes first (HiGHS's primal heuristics find the optimum).
    rb = float(np.ceil(bound - 1e-6)) if integral else bound
    near = (ub - rb) <= 0.0015 * max(abs(ub), 1e-9)
    stages = ["mip", "bnb"] if (near and p - len(fx) > 50) else ["bnb", "mip"]
    # a compact MIP clearly out of reach even with all the time left: the reduced K-nearest model
    # instead (García et al. 2011), whichever stage would have come first, and the tree gets all the
    # time when that one is out of reach too (a second tree would restart from the root and lose the
    # first one's progress). pcb3038, p = 500: with the MIP first, its skip handed the whole limit to
    # the tree (gap 0.04 % after 300 s), where the reduced model proves the optimum.
    est = _compact_out_of_reach(run, fmask, amask)
    if est is not None:
        extras["model_size"] = est
        extras["mip_skipped"] = True
        stages = ["knn"]
    for k, stage in enumerate(stages):
        until = deadline if k == len(stages) - 1 else time.perf_counter() + 0.5 * (deadline - time.perf_counter())
        if stage == "knn":
            # the LP rounds get at most _KNN_LP_SHARE of the time left and _knn_lp_iter(...) simplex
            # iterations each (a deterministic cap, the wall clock a safety net): an LP that does not
            # finish gives no bound, and the Lagrangian tree then gets the rest instead of nothing. A
            # first model of more than _KNN_FIRST_MAX_KEPT kept sites is not tried at all (few open
            # sites: the tree proves those, pcb3038 p = 10 in 23 s, where the first LP of rl5934,
            # p = 10, lists of 2,374 sites a row, took the whole 300 s and 6.5 GB)
            left = deadline - time.perf_counter()
            sites, ub, bound, _ = _run_knn(run, sites, ub, bound, deadline, fmask, amask, lam=lam.copy(),
                                           lp_until=time.perf_counter() + _KNN_LP_SHARE * left,
                                           lp_iter=_knn_lp_iter(run.tl), max_first=_KNN_FIRST_MAX_KEPT,
                                           improve=_knn_improver(run, fmask, amask),
                                           kernel=_kernel_hook(run, fmask, amask, lam))
            if extras.get("knn_skipped") or extras.get("knn_lp_unfinished") or extras.get("knn_deferred"):
                stages += ["kernel", "bnb"]
        elif stage == "kernel":
            # the reduced model is out of reach: a kernel search on the sites of smallest Lagrangian
            # bracket lowers the incumbent the tree then prunes with (pcb3038, p = 100: 352,662.35 from
            # 216 sites, where the tree alone reached 352,681.49 in 300 s)
            sites, ub, kb = _kernel_hook(run, fmask, amask, lam)(sites, ub, bound)
            bound = max(bound, min(kb, ub))
        elif stage == "bnb":
            ub2, sites2, bb, nodes, finished = _lagrangian_bnb(
                Cp, wk, srt, fmask, amask, p, lam, ub, sites, dl(ub), until, tol, L, rel=rel)
            extras["bnb_nodes"] = extras.get("bnb_nodes", 0) + nodes
            if ub2 < ub - tol:
                ub, sites = ub2, sites2
            bound = max(bound, min(bb, ub - dl(ub)))
        else:
            sites, ub, bound, _ = _run_mip(run, sites, ub, bound, until, fmask, amask)
            if extras.get("mip_skipped") and k == len(stages) - 1 and "bnb" in stages[:k]:
                stages.append("bnb")  # the MIP is out of reach: branch and bound gets the rest
        if run.closed(bound, ub) or time.perf_counter() >= deadline:
            break
    return sites, ub, bound


def _mip_last(run: _Run, lg: _Bound):
    """Stage 3' (``method="exact"``, or a PuLP solver): the compact MIP, on the problem reduced by
    fixing (auto) or the whole one (exact); a Lagrangian bound when the MIP is out of reach. Returns
    (sites, ub, bound)."""
    Cp, wk, fixed_mask, allowed, p, extras, dl = run.Cp, run.wk, run.fixed_mask, run.allowed, run.p, run.extras, run.dl
    method, solver, deadline = run.method, run.solver, run.deadline
    fmask, amask, srt, lam = lg.fmask, lg.amask, lg.srt, lg.lam
    if method == "exact":
        fmask, amask = fixed_mask.copy(), allowed.copy()
    sites, ub, bound, _ = _run_mip(run, lg.sites, lg.ub, lg.bound, deadline, fmask, amask)
    if extras.get("mip_skipped") and method == "exact" and solver is None:
        # the model is out of HiGHS's reach in the time left: a Lagrangian bound instead of none
        left = deadline - time.perf_counter()
        if left > 0.02:
            srt = srt if srt is not None else _sorted_rows(Cp, wk, p, until=deadline - 0.1 * left)
            if srt is None:
                return sites, ub, max(bound, float(wk @ Cp.min(axis=1)))
            left = deadline - time.perf_counter()  # the sort took some of it (2.8 s at 5,934 x 5,934)
            L, infeasible, _, iters, _, _ = _lagrangian(Cp, wk, srt, fixed_mask.copy(), allowed.copy(), p, lam, ub,
                                                        dl(ub), 0.8 * max(left, 0.0), 3000)
            extras["lagrangian_iterations"] = iters
            bound = max(bound, ub - dl(ub) if infeasible else min(L, ub - dl(ub)))
    return sites, ub, bound


def _highs_options(model: SparseModel, solver, integral: bool) -> dict | None:
    """HiGHS options: with integer data an absolute gap just under 1 (no integer objective lies
    strictly between). (Switching presolve off, as the coverage models do on dense models, made the
    time-limit overrun worse here: 6 s instead of 2.5 s at 3,000 x 300 with a 1.5 s limit.)"""
    if solver is not None:
        return None
    opts = {}
    if integral:
        opts["mip_abs_gap"] = 1.0 - 1e-3
    return opts or None



def _solve_or_raise(model, func, C, ci, solver, deadline, mip_gap, start, verbose, options=None) -> Solution:
    remaining = max(0.05, deadline - time.perf_counter())
    try:
        return solve(model, solver=solver, time_limit=remaining, mip_gap=mip_gap, start=start, verbose=verbose,
                     options=options)
    except InfeasibleError as exc:
        raise InfeasibleError(
            f"{func}: no choice of p sites reaches every demand row (some rows only reach sites that cannot "
            f"all be open together).",
            rows=exc.rows,
            reason="no p-set reaches every row",
        ) from exc
