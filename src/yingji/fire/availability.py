"""Fire coverage that counts busy engines: the figures :func:`~yingji.fire.assess` reports and the
plan :func:`~yingji.fire.plan` makes with ``availability=``.

A station's engines are its units. With the county's calls (``incidents_per_year``) and a mean
busy time per call, each engine is busy with probability :math:`q = \\lambda \\bar t / N`
(:func:`yingji.siting.busy_fraction`; Daskin 1983). A point within the travel budget of stations
holding :math:`n_i` engines is reached in time with probability :math:`1 - q^{n_i}` (expected
coverage), and it is covered with reliability :math:`\\alpha` when :math:`n_i \\ge b`,
:math:`b` the least count with :math:`1 - q^b \\ge \\alpha` (ReVelle and Hogan 1989).

The plan with ``availability=alpha``:

* without ``budget``: the fewest new stations so that every coverable in-scope point has
  :math:`b` engines within the budget (or every engine any site could bring, where fewer exist):
  the probabilistic set covering of ReVelle and Hogan (1988), with :math:`q` recomputed from the
  plan's own engines until :math:`b` settles;
* with ``budget``: the most expected covered population with at most ``budget`` new stations
  (:func:`yingji.mexclp` with each site's engines as its units), :math:`q` recomputed likewise.

District-area limits and backup coverage are not part of these models (a note says so).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from yingji import config
from yingji.exceptions import InfeasibleError, ValidationError
from yingji.fire.model import _Sol
from yingji.siting.availability import busy_fraction, mexclp, required_units
from yingji.solvers import ModelBuilder, solve

__all__: list[str] = []

#: Default mean minutes an engine is busy per call (the simulation's default on-scene time).
SERVICE_MINUTES = 45.0


def _engines(st) -> np.ndarray:
    """Engines per station (a missing count is one engine: every station answers with something)."""
    e = np.asarray(st["engines"], dtype=float) if "engines" in st.columns else np.ones(len(st))
    return np.where(np.isfinite(e) & (e >= 1), np.round(e), 1.0).astype(np.int64)


def _load(dm) -> float:
    """Offered load of the county's calls per busy minute: calls per year (NaN when none recorded)."""
    inc = np.asarray(dm.incidents, dtype=float)
    if not np.isfinite(inc).any():
        return float("nan")
    return float(np.nansum(inc))


def _busy(dm, units: int, service_minutes: float, busy, func: str) -> float:
    """``busy`` when given, else the busy fraction of ``units`` engines answering the county's calls."""
    if busy is not None:
        return float(busy)
    calls = _load(dm)
    if not np.isfinite(calls):
        raise ValidationError(f"{func}: availability needs the demand's 'incidents_per_year' (calls) to compute "
                              f"the busy fraction of the engines, or pass busy= (a fraction in [0, 1)).")
    return busy_fraction(calls, service_minutes, max(int(units), 1))


def _assess_figures(dm, pop, in_scope, Ta, engines, budget, *, busy, service_minutes, alpha) -> dict:
    """Coverage with busy engines for :func:`yingji.fire.assess`: expected share, reliable share."""
    out = {"busy": float("nan"), "service_minutes": float(service_minutes), "engines": int(engines.sum()),
           "expected_population": float("nan"), "expected_share": float("nan"), "alpha": alpha,
           "required_engines": None, "reliable_population": float("nan"), "reliable_share": float("nan")}
    calls = _load(dm)
    if busy is None and (not np.isfinite(calls) or engines.sum() == 0):
        return out
    q = float(busy) if busy is not None else float(calls * service_minutes / (525600.0 * engines.sum()))
    out["busy"] = q
    if q >= 1:
        return out
    n = (Ta <= budget + config.COVER_TOL).astype(np.int64) @ engines if Ta.shape[1] else np.zeros(len(pop), int)
    sc = float(pop[in_scope].sum())
    exp = float((pop * (1.0 - q ** n))[in_scope].sum())
    out.update(expected_population=exp, expected_share=exp / sc if sc > 0 else float("nan"))
    if alpha is not None:
        b = required_units(alpha, busy=q)
        rel = float(pop[in_scope & (n >= b)].sum())
        out.update(required_engines=int(b), reliable_population=rel, reliable_share=rel / sc if sc > 0 else float("nan"))
    return out


def _multicover(C, within, u, fixed, req, site_obj, *, time_limit, solver, mip_gap):
    """Fewest (cheapest) new sites so that each row has ``req_i`` units within the budget."""
    m = C.shape[1]
    keep = req > 0
    b = ModelBuilder("fire_reliable_cover")
    y = b.add_columns("y", m, cost=np.where(fixed, 0.0, site_obj), lo=fixed.astype(float), hi=1.0, integer=True)
    # sum_j u_j y_j over the sites within the budget >= req_i (units needed for reliable cover)
    b.add_matrix(sp.csr_matrix(within[keep].astype(float) * u[None, :]), y.start, lo=req[keep].astype(float))
    sol = solve(b.build(), solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    if not sol.has_solution:
        return None
    return _Sol(np.asarray(sol.x), float(sol.objective), float(sol.bound), float(sol.gap), bool(sol.optimal),
                sol.status)


def _choose_available(d, dm, *, alpha, busy, service_minutes, budget, new_engines, dl, solver, mip_gap,
                      notes: list[str], func: str = "fire.plan"):
    """The sites open after an availability plan: ``(model name, solution, open mask, figures)``."""
    tol = config.COVER_TOL
    C, w, fixed, m = d.C, d.w, d.fixed, d.m
    u = np.where(fixed, _engines(d.site_st), np.asarray(new_engines, dtype=np.int64))
    within = C <= d.budget_min + tol
    notes.append("Availability plan: district-area limits and backup coverage are not part of its model.")
    info = {"alpha": float(alpha), "service_minutes": float(service_minutes), "busy_given": busy is not None}
    y_open = fixed.copy()
    sol = None
    if not len(d.rows) or not d.nc:
        q = _busy(dm, int(u[fixed].sum()), service_minutes, busy, func)
        info.update(busy=q, required_engines=required_units(alpha, busy=q), engines=int(u[fixed].sum()))
        return "none", None, y_open, info
    if budget is None:
        name = "reliable_cover"
        reach = within.astype(np.int64) @ u
        # start from the engines of every site (the lowest busy fraction, the smallest b) and raise b
        # until the plan's own engines keep it: the smallest plan whose reliability holds for itself
        q = _busy(dm, int(u.sum()), service_minutes, busy, func)
        b = required_units(alpha, busy=q)
        for _ in range(20):
            req = np.where(d.coverable, np.minimum(b, reach), 0)
            sol = _multicover(C, within, u, fixed, req, d.site_obj, time_limit=dl.limit(), solver=solver,
                              mip_gap=mip_gap)
            if sol is None:
                raise InfeasibleError(f"{func}: no plan found within time_limit for the reliability target.",
                                      rows=[], reason="time limit")
            y_open = np.asarray(sol.x[:m]) > 0.5
            q = _busy(dm, int(u[y_open].sum()), service_minutes, busy, func)
            b_own = required_units(alpha, busy=q)
            if b_own <= b:
                break
            b = b_own
        short = int(((reach < b) & d.coverable).sum())
        if short:
            notes.append(f"{short} coverable in-scope points cannot have {b} engines within the budget whatever "
                         "is built; they get every engine any site can bring.")
    else:
        name = "mexclp"
        k = int(min(budget, d.nc))
        p = int(fixed.sum()) + k
        units = int(u[fixed].sum()) + int(np.sort(u[~fixed])[::-1][:k].sum())
        seen = set()
        for _ in range(4):
            q = _busy(dm, units, service_minutes, busy, func)
            r = mexclp(C, d.budget_min, p, weights=w, busy=q, fixed=np.nonzero(fixed)[0], site_units=u,
                       time_limit=dl.limit(), solver=solver, mip_gap=mip_gap)
            y_open = np.zeros(m, dtype=bool)
            y_open[r.sites] = True
            sol = _Sol(y_open.astype(float), float(r.objective), float(r.bound), float(r.gap), bool(r.optimal),
                       r.status)
            units_new = int(u[y_open].sum())
            if busy is not None or units_new == units or units_new in seen:
                break
            seen.add(units)
            units = units_new
        b = required_units(alpha, busy=q)
    info.update(busy=q, required_engines=int(b), engines=int(u[y_open].sum()))
    return name, sol, y_open, info
