"""Engines and ladder trucks at open stations (FLEET): :func:`place_apparatus`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._validation import Interval, TIME_LIMIT, check_param
from yingji._render.display import displayable
from yingji import config
from yingji._deadline import Deadline
from yingji.fire.assessment import _pct
from yingji.fire.inputs import _prepare, _times
from yingji.fire.model import _solve
from yingji.results import SolveResult, to_jsonable
from yingji.solvers import ModelBuilder


@displayable
@dataclass(frozen=True)
class ApparatusPlan(SolveResult):
    """Engines and ladder trucks placed at open stations (FLEET; built by :func:`place_apparatus`).

    Attributes
    ----------
    allocation : pandas.DataFrame
        Indexed by station id: ``engines``, ``ladders``.
    covered_weight : float
        Weight of target points reached by an engine within ``engine_minutes`` and a ladder
        within ``ladder_minutes``.
    covered_share : float
        Its share of the target weight.
    not_covered : list of str
        Target points not reached by both.
    objective, bound, gap, optimal, status, seconds
        The solve (:class:`yingji.results.SolveResult`); ``objective`` is the covered weight
        of the model.
    """

    allocation: pd.DataFrame
    covered_weight: float
    covered_share: float
    not_covered: list
    engine_minutes: float
    ladder_minutes: float

    def to_frame(self) -> pd.DataFrame:
        return self.allocation.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"allocation": self.allocation.reset_index(), "covered_weight": self.covered_weight,
                            "covered_share": self.covered_share, "not_covered": self.not_covered,
                            **self.solve_dict(),
                            "engine_minutes": self.engine_minutes, "ladder_minutes": self.ladder_minutes})

    def summary(self) -> str:
        al = self.allocation
        return (f"Apparatus: {int(al['engines'].sum())} engines and {int(al['ladders'].sum())} ladders at "
                f"{int(((al['engines'] + al['ladders']) > 0).sum())} stations; target points reached by both "
                f"(engine ≤ {self.engine_minutes:g} min, ladder ≤ {self.ladder_minutes:g} min): "
                f"{_pct(self.covered_share)} of weight; {len(self.not_covered)} not; "
                f"{'optimal' if self.optimal else f'gap {self.gap:.2%}'}.")


def place_apparatus(county=None, *, engines: int, ladders: int, engine_minutes: float | None = None,
                    ladder_minutes: float | None = None, stations=None, demand=None, times=None,
                    hour: int | None = None,
                    standard="GB51080", targets: str = "high_risk", min_engines_per_station: int = 1,
                    max_per_station: int | None = None, solver=None, time_limit: float = config.TIME_LIMIT,
                    mip_gap: float = config.MIP_GAP) -> ApparatusPlan:
    """Place engines and ladder trucks at open stations so that target points have both (FLEET).

    Maximise the weight (population, at least 1 per point) of target points reached by an
    engine within ``engine_minutes`` **and** a ladder within ``ladder_minutes`` with at most
    ``engines`` engines and ``ladders`` ladders in all; every station with a district keeps
    ``min_engines_per_station`` engines where the fleet allows.

    Parameters
    ----------
    county : yingji.County, optional
    engines, ladders : int
        Fleet size.
    engine_minutes, ladder_minutes : float, optional
        Driving minutes; default the standard's travel budget.
    stations, demand, times, hour, standard :
        As in :func:`assess` (stations of a class without a district get no apparatus).
    targets : {"high_risk", "in_scope"}
        High-risk in-scope points (all in-scope points when none is high-risk) or all in-scope.
    min_engines_per_station : int
    max_per_station : int, optional
        At most this many engines and this many ladders per station.
    solver, time_limit, mip_gap :
        As in :func:`plan`.

    Returns
    -------
    ApparatusPlan

    Raises
    ------
    ValidationError
        Bad fleet sizes or ``targets``, and the input errors of :func:`assess`.

    Notes
    -----
    .. math::

        \\max \\sum_i w_i z_i \\;\\text{s.t.}\\; z_i \\le \\sum_{j: t_{ji} \\le r_E} e_j,\\;
        z_i \\le \\sum_{j: t_{ji} \\le r_L} l_j,\\; \\sum_j e_j \\le E,\\; \\sum_j l_j \\le L,\\;
        0 \\le z_i \\le 1,\\; e_j, l_j \\in \\mathbb{Z}_{\\ge 0}.

    References
    ----------
    .. [1] Schilling, D., Elzinga, D. J., Cohon, J., Church, R., ReVelle, C. (1979). The
       TEAM/FLEET models for simultaneous facility and equipment siting. Transportation
       Science 13(2), 163-175.
    """
    t0 = time.perf_counter()  # the limit counts from here: inputs and the model build too
    func = "fire.place_apparatus"
    probs, std, st, _, dm, dm_raw, _, _ = _prepare(func, county, standard, stations, demand, times, None, None, {})
    for name, v in (("engines", engines), ("ladders", ladders), ("min_engines_per_station", min_engines_per_station)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            probs.param(name, "a non-negative int", v)
    if max_per_station is not None and (not isinstance(max_per_station, (int, np.integer)) or max_per_station < 1):
        probs.param("max_per_station", "a positive int or None", max_per_station)
    if targets not in ("high_risk", "in_scope"):
        probs.param("targets", "'high_risk' or 'in_scope'", targets)
    radii = {}
    for name, v in (("engine_minutes", engine_minutes), ("ladder_minutes", ladder_minutes)):
        if v is None:
            radii[name] = std.travel_budget
            continue
        radii[name] = check_param(probs, name, v, Interval(float, 0, None, text="a non-negative float (minutes) or None"),
                                  default=float("nan"))
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=config.TIME_LIMIT)
    T = _times(times, county, dm, st, dm_raw, probs, hour=hour) if not probs.items else None
    probs.raise_if_any()
    tol = config.COVER_TOL
    has_d = np.array([std.has_district(c) for c in st["station_class"]], dtype=bool)
    act = np.nonzero(has_d)[0]
    in_scope = dm.urban if std.scope == "urban" else np.ones(len(dm.ids), dtype=bool)
    tgt = in_scope & dm.high_risk if targets == "high_risk" else in_scope.copy()
    if targets == "high_risk" and not tgt.any():
        tgt = in_scope.copy()
    rows = np.nonzero(tgt)[0]
    w = np.maximum(np.nan_to_num(dm.population[rows]), 1.0)
    Ca = T[np.ix_(rows, act)] if act.size else np.zeros((rows.size, 0))
    E = sp.csr_matrix((Ca <= radii["engine_minutes"] + tol).astype(np.float64))
    L = sp.csr_matrix((Ca <= radii["ladder_minutes"] + tol).astype(np.float64))
    m, n = act.size, rows.size
    cap = float(max_per_station) if max_per_station is not None else np.inf
    min_e = min_engines_per_station if engines >= min_engines_per_station * m else 0
    b = ModelBuilder("fleet", sense="max")
    eb = b.add_columns("engines", m, lo=float(min_e), hi=cap, integer=True)
    lb = b.add_columns("ladders", m, hi=cap, integer=True)
    b.add_columns("reached", n, cost=w, hi=1.0)
    # z_i <= Σ_j E_ij e_j and z_i <= Σ_j L_ij l_j: a row is reached by an engine and a ladder
    b.add_matrix(sp.hstack([-E, sp.csr_matrix((n, m)), sp.identity(n)]), eb.start, hi=np.zeros(n))
    b.add_matrix(sp.hstack([sp.csr_matrix((n, m)), -L, sp.identity(n)]), eb.start, hi=np.zeros(n))
    b.add_rows(np.zeros(m, int), eb.index(np.arange(m)), 1.0, hi=float(engines), n_rows=1)   # fleet sizes
    b.add_rows(np.zeros(m, int), lb.index(np.arange(m)), 1.0, hi=float(ladders), n_rows=1)
    model = b.build()
    sol = _solve(model, solver, Deadline(tl, t0).limit(), mip_gap)  # the time left of the limit
    x = np.round(sol.x).astype(np.int64)
    e, l_ = x[:m], x[m:2 * m]
    got = np.zeros(n, dtype=bool)
    if n:
        got = (E @ e > 0) & (L @ l_ > 0)
    ids_arr = np.asarray(dm.ids, dtype=object)
    alloc = pd.DataFrame({"engines": np.zeros(len(st), dtype=np.int64), "ladders": np.zeros(len(st), dtype=np.int64)},
                         index=pd.Index(list(st.index), name="id", dtype=object))
    alloc.iloc[act, 0] = e
    alloc.iloc[act, 1] = l_
    cw = float(w[got].sum())
    return ApparatusPlan(
        allocation=alloc, covered_weight=cw, covered_share=cw / float(w.sum()) if n else float("nan"),
        not_covered=ids_arr[rows[~got]].tolist(), **SolveResult.figures(sol, time.perf_counter() - t0),
        engine_minutes=radii["engine_minutes"], ladder_minutes=radii["ladder_minutes"])
