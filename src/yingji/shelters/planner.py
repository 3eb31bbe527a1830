"""New shelter sites (:func:`plan`, :class:`ShelterPlan`): least cost sheltering everyone in reach.

Units (DESIGN.md): distance in metres along the network, area in m², population in persons,
cost in the candidates' ``cost`` unit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._render.fmt import number as _number
from yingji._render.display import displayable
from yingji import config
from yingji._executor import as_executor
from yingji._deadline import Deadline
from yingji._validation import Interval, Problems, check_param, describe_positions
from yingji.geo.features import GeoRef, _GeoOut, point_layer
from yingji.results import SolveResult, to_jsonable
from yingji.exceptions import ValidationError
from yingji.shelters import display as _display
from yingji.shelters.assessment import ShelterAssessment, _assess_arrays, _pyplot
from yingji.shelters.inputs import (
    _check_columns,
    _check_nodes,
    _cutoff,
    _demand_inputs,
    _distances,
    _numeric,
    _rule_groups,
    _shelter_inputs,
    _table,
)
from yingji.shelters.model import _knapsack_bound, _people_target, _solve_plan
from yingji.shelters.norms import MAX_SNAP_M, _resolve_norms
from yingji.siting._inputs import check_time_limit
from yingji.siting.assignment import _FLOW_TOL, _assign, _check_method

__all__ = ["plan", "ShelterPlan"]


@displayable
@dataclass(frozen=True)
class ShelterPlan(_GeoOut, SolveResult):
    """New shelter sites and what they achieve.

    Attributes
    ----------
    new_shelters : list
        Ids of the candidates to open as shelters.
    cost : float
        Total cost of the new shelters (the candidates' ``cost``).
    target : float
        People the plan sets out to shelter: everyone who can walk to an existing shelter or a
        candidate within its class radius, as far as capacity allows (or the most a budget buys).
    sheltered : float
        People sheltered by the plan's MIP (>= ``target`` within tolerance).
    unreachable : pandas.DataFrame
        Demand points with people no shelter or candidate can take (out of walking reach or
        beyond all capacity): ``township``, ``population``, ``unshelterable``.
    before, after : ShelterAssessment
        The assessment with the existing shelters and with the new ones added.
    candidates : pandas.DataFrame
        Shelter candidates: ``shelter_class`` (given or inferred), ``area_m2``, ``capacity``,
        ``radius_m``, ``cost``, ``chosen``.
    tradeoff : pandas.DataFrame
        People sheltered against budget: ``budget``, ``cost``, ``sheltered``,
        ``sheltered_share``, ``n_new``, ``new_shelters``, ``optimal``.
    objective, bound, gap : float
        The cost MIP's objective, proven lower bound and relative gap.
    optimal : bool
    status : str
        ``"optimal"`` or ``"time_limit"``.
    seconds : float
    """

    new_shelters: list
    cost: float
    target: float
    sheltered: float
    unreachable: pd.DataFrame
    before: ShelterAssessment
    after: ShelterAssessment
    candidates: pd.DataFrame
    tradeoff: pd.DataFrame
    budget: float | None = None
    geo: GeoRef | None = field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        """The after assessment's layers, ``new`` marking the chosen shelters, and every
        candidate (``chosen``)."""
        g = self._geo_ref()
        lay = self.after._geo_layers()
        sh = lay[0].props.copy()
        sh.insert(0, "new", sh.index.isin([str(i) for i in self.new_shelters]))
        cand = point_layer("candidate", self.candidates, g.xy("shelters", self.candidates.index))
        return [lay[0]._replace(props=sh), lay[1], lay[2], cand]

    def to_frame(self) -> pd.DataFrame:
        """The shelter candidates with ``chosen`` (see ``candidates``)."""
        return self.candidates.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable summary."""
        return to_jsonable({
            "new_shelters": [str(s) for s in self.new_shelters],
            "cost": self.cost,
            "budget": self.budget,
            "target": self.target,
            "sheltered": self.sheltered,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "optimal": self.optimal,
            "status": self.status,
            "seconds": self.seconds,
            "unshelterable": float(self.unreachable["unshelterable"].sum()),
            "tradeoff": self.tradeoff.assign(
                new_shelters=self.tradeoff["new_shelters"].map(lambda v: [str(s) for s in v])),
            "before": {k: v for k, v in self.before.to_dict().items() if k != "assignment"},
            "after": {k: v for k, v in self.after.to_dict().items() if k != "assignment"},
        })

    def summary(self) -> str:
        """Short text: sites, cost, people sheltered before and after, the trade-off."""
        b, a = self.before, self.after
        lines = [
            f"Shelter plan: {len(self.new_shelters)} new shelters, cost {_number(self.cost, digits=0)} yuan "
            f"({self.status}, gap {self.gap:.2g})",
            f"  new: {describe_positions(range(len(self.new_shelters)), self.new_shelters, 8)}"
            if self.new_shelters else "  new: none needed",
            f"  sheltered within walking distance: {b.sheltered:,.0f} -> {a.sheltered:,.0f} "
            f"of {a.population:,.0f} ({100 * b.sheltered_share:.1f} % -> "
            f"{100 * a.sheltered_share:.1f} %)",
            f"  per capita county-wide {b.per_capita_m2:.2f} -> {a.per_capita_m2:.2f} m²; within "
            f"reach {b.reachable_per_capita_m2:.2f} -> {a.reachable_per_capita_m2:.2f} m²",
        ]
        u = float(self.unreachable["unshelterable"].sum())
        if u > _FLOW_TOL:
            lines.append(f"  {u:,.0f} people cannot be sheltered by any shelter or candidate "
                         f"(out of walking reach, or beyond all capacity; "
                         f"{len(self.unreachable)} demand points)")
        if len(self.tradeoff) > 1:
            lines.append("  trade-off (budget: people sheltered): " + "; ".join(
                f"{_number(r.budget, digits=0)}: {r.sheltered:,.0f}" for r in self.tradeoff.itertuples()))
        return "\n".join(lines)

    def plot(self, ax=None, *, kind: str = "map", lang: str = "en"):
        """Draw the plan (needs matplotlib).

        ``kind="map"`` (default): the county map style after the plan, new shelters starred,
        demand points with people still without a place in red; ``kind="tradeoff"``: people
        sheltered within walking distance against the cost of new shelters.
        """
        from yingji._render.figures import figure_lang, new_figure

        _pyplot()
        if kind not in ("map", "tradeoff"):
            raise ValidationError(f"The 'kind' parameter of ShelterPlan.plot must be one of 'map', "
                                  f"'tradeoff'. Got {kind!r} instead.")
        lang = figure_lang(lang)
        if ax is None:
            ax = new_figure(8.6, 6.4, lang).subplots() if kind == "map" else \
                new_figure(6.0, 4.0, lang).subplots()
        if kind == "map":
            title = (f"Shelter plan: {len(self.new_shelters)} new, "
                     f"{100 * self.before.sheltered_share:.1f}% -> "
                     f"{100 * self.after.sheltered_share:.1f}% sheltered" if lang == "en" else
                     f"应急避难场所规划:新建 {len(self.new_shelters)} 处,可安置比例 "
                     f"{100 * self.before.sheltered_share:.1f}% → "
                     f"{100 * self.after.sheltered_share:.1f}%")
            return self._map_(ax, lang, title=title)
        t = self.tradeoff
        ax.step(t["cost"], t["sheltered"], where="post", marker="o")
        ax.axhline(self.target, color="0.6", ls="--", label="target")
        ax.set_xlabel("cost of new shelters")
        ax.set_ylabel("people sheltered within walking distance")
        ax.legend(loc="lower right")
        return ax

    def _summary_(self, lang: str = "en") -> dict:
        return _display.plan_summary(self, lang)

    def _map_(self, ax, lang: str = "en", *, title=None, county=None):
        """The after assessment on the county map, the chosen candidates as stars."""
        a = self.after
        xy = a.extras.get("shelter_xy")
        return _display.draw_map(a, ax, lang, new_ids=[str(i) for i in self.new_shelters]
                                 if xy is not None else (), title=title, county=county)


def _has_use(value, use: str) -> bool:
    """Whether a ``uses`` entry (";"-separated text or a list) includes ``use``."""
    if isinstance(value, (list, tuple, set, np.ndarray)):
        items = [str(v) for v in value]
    elif value is None or (isinstance(value, float) and np.isnan(value)):
        items = []
    else:
        items = str(value).split(";")
    return use in [u.strip().lower() for u in items]


def _infer_class(area: float, nrm: pd.DataFrame) -> str:
    """Largest of emergency / fixed whose minimum site size the area reaches (GB 50413 8.2.9)."""
    if "fixed" in nrm.index and area >= float(nrm.loc["fixed", "min_site_m2"]):
        return "fixed"
    return "emergency" if "emergency" in nrm.index else str(nrm.index[0])


def _candidate_inputs(cand: pd.DataFrame, candidate_class, nrm: pd.DataFrame, probs: Problems):
    """Usable area (m²), cost and class of the shelter candidates; ``None`` each on missing columns.

    The class is ``candidate_class`` when given, else the candidates' ``shelter_class`` where it
    is set, else inferred from the area (:func:`_infer_class`).
    """
    c_area = c_cost = c_cls = None
    if _check_columns(cand, "candidates", ("cost", "area_m2"), probs):
        c_area = _numeric(cand, "area_m2", "candidates", probs)
        c_cost = _numeric(cand, "cost", "candidates", probs)
        if candidate_class is not None:
            if candidate_class not in nrm.index:
                probs.param("candidate_class", f"one of {list(nrm.index)}", candidate_class)
            c_cls = np.array([candidate_class] * len(cand), dtype=object)
        elif "shelter_class" in cand.columns:
            given = cand["shelter_class"].astype(object).to_numpy(dtype=object)
            c_cls = np.array([g if isinstance(g, str) and g else _infer_class(a, nrm)
                              for g, a in zip(given, c_area)], dtype=object)
            bad = np.array([c not in nrm.index for c in c_cls], dtype=bool)
            if bad.any():
                ids = cand.index[bad].tolist()
                probs.add(f"The 'candidates' table of plan must have a shelter_class among "
                          f"{list(nrm.index)}. Got bad classes for ids "
                          f"{describe_positions(range(len(ids)), ids)}.")
        else:
            c_cls = np.array([_infer_class(a, nrm) for a in c_area], dtype=object)
    return c_area, c_cost, c_cls


def _plan_params(budget, curve_points, strong, method, time_limit, probs: Problems):
    """The checked ``budget`` (float or None) and ``time_limit`` (seconds) of :func:`plan`.

    Problems with ``curve_points``, ``strong`` and ``method`` are recorded in ``probs``.
    """
    budget = check_param(probs, "budget", budget, Interval(float, 0, None, text="a finite number >= 0"), None,
                         default=budget)
    if (isinstance(curve_points, (bool, np.bool_)) or not isinstance(curve_points, (int, np.integer))
            or curve_points < 0):
        probs.param("curve_points", "an int >= 0", curve_points)
    if not (isinstance(strong, (bool, np.bool_)) or strong == "auto"):
        probs.param("strong", "True, False or 'auto'", strong)
    _check_method(method, probs)

    time_limit = check_time_limit(time_limit, probs)
    return budget, time_limit


def _plan_inputs(county, *, candidates, shelters, demand, distances, network, norms, budget,
                 candidate_class, curve_points, max_snap_m, strong, method, time_limit, t0):
    """The checked tables and arrays of :func:`plan` (parameters as there).

    Returns a namespace with ``nrm``, ``demand``, ``P``, ``town``, ``sh``, ``area``, ``cls``
    (existing shelters), ``cand``, ``c_area``, ``c_cost``, ``c_cls`` (candidates), ``budget``,
    ``dl`` (the :class:`~yingji._deadline.Deadline` of the whole call, from ``t0``),
    ``all_sites``, ``all_cls``, ``radius`` (metres) and ``D`` (walking metres, demand × existing
    shelters then candidates).

    Raises
    ------
    ValidationError
        Every problem of the inputs at once.
    """
    probs = Problems("plan")
    nrm = _resolve_norms(norms, probs)
    demand, P, town = _demand_inputs(county, demand, probs)
    sh = _table(shelters if shelters is not None else getattr(county, "shelters", None),
                "shelters", "plan")
    if sh is None:
        sh = pd.DataFrame({"shelter_class": pd.Series([], dtype=object),
                           "area_m2": pd.Series([], dtype=float)})
    area, cls = _shelter_inputs(sh, nrm, probs)
    cand = _table(candidates if candidates is not None else getattr(county, "candidates", None),
                  "candidates", "plan")
    if cand is None:
        cand = pd.DataFrame({"cost": pd.Series([], dtype=float),
                             "area_m2": pd.Series([], dtype=float)})
    if "uses" in cand.columns:
        cand = cand[np.array([_has_use(u, "shelter") for u in cand["uses"].tolist()], dtype=bool)]
    c_area, c_cost, c_cls = _candidate_inputs(cand, candidate_class, nrm, probs)
    overlap = pd.Index(sh.index).intersection(cand.index)
    if len(overlap):
        probs.add(f"Shelter and candidate ids of plan must differ. Shared ids: "
                  f"{describe_positions(range(len(overlap)), overlap.tolist())}.")
    budget, time_limit = _plan_params(budget, curve_points, strong, method, time_limit, probs)
    dl = Deadline(time_limit, t0)  # one deadline for every phase below
    net = network if network is not None else getattr(county, "network", None)
    uses_net = distances is None or hasattr(distances, "distances")
    src = distances if distances is not None else net
    if uses_net and src is not None:
        if area is not None and len(sh):
            _check_nodes(sh, "shelters", src, probs, max_snap_m)
        if c_area is not None and len(cand):
            _check_nodes(cand, "candidates", src, probs, max_snap_m)
    if P is None or area is None or c_area is None:
        probs.raise_if_any()
    all_sites = pd.concat([sh.assign(shelter_class=cls),
                           cand.assign(shelter_class=c_cls)], axis=0)
    all_cls = np.concatenate([np.asarray(cls, dtype=object), c_cls])
    radius = np.array([nrm.loc[c, "radius_m"] if c in nrm.index else 0.0 for c in all_cls])
    D = None
    if not probs.items:
        D = _distances(demand, all_sites, distances, net, _cutoff(radius), probs,
                       "shelter and candidate", groups=_rule_groups(all_cls))
    probs.raise_if_any()
    return SimpleNamespace(nrm=nrm, demand=demand, P=P, town=town, sh=sh, area=area, cls=cls,
                           cand=cand, c_area=c_area, c_cost=c_cost, c_cls=c_cls, budget=budget,
                           dl=dl, all_sites=all_sites, all_cls=all_cls, radius=radius, D=D)


def _main_point(mkargs, tail, budget, bres, best, F_before, mip_gap):
    """The plan's own point: ``(main, target)``, ``main`` as :func:`_solve_plan` returns it.

    No budget: the least cost sheltering the most people anyone can (``best``, all candidates
    open), nothing to build when the existing shelters (``bres``) already do, and the MIP bound
    raised by :func:`_knapsack_bound` when the MIP stops early. A budget: the most people it
    buys, then the least cost for them.
    """
    P, K, D, radius, c_cost, n_exist = mkargs
    if budget is None and bres.sheltered >= _people_target(best.sheltered):
        # the existing shelters already shelter everyone who can be: nothing to build
        main = {"chosen": np.zeros(0, dtype=np.int64), "sheltered": bres.sheltered,
                "objective": 0.0, "bound": 0.0, "gap": 0.0, "optimal": bres.optimal}
        target = best.sheltered
    elif budget is None:
        main = _solve_plan((*mkargs, None, _people_target(best.sheltered), best.flow, *tail))
        target = best.sheltered
        if not main["optimal"]:
            from yingji.solvers import gap_of

            kb = _knapsack_bound(K[n_exist:], c_cost, best.sheltered - bres.sheltered)
            if kb > main["bound"]:
                main["bound"] = min(kb, main["objective"])
                main["gap"] = gap_of(main["objective"], main["bound"])
                main["optimal"] = main["gap"] <= mip_gap
    else:
        main = _solve_plan((*mkargs, budget, None, F_before, *tail))
        target = main["sheltered"]
    return main, target


def _curve_rows(mkargs, tail, cost, curve_points, q, F_before, dl, executor) -> list:
    """Trade-off points: most people (then least cost) for ``curve_points`` budgets below ``cost``.

    Points the deadline ``dl`` leaves no time for are left out.
    """
    curve_rows = []
    if curve_points and q and cost > 0:
        budgets = np.linspace(0.0, cost, int(curve_points) + 1)[:-1]
        jobs = [(*mkargs, float(bgt), None, F_before, *tail) for bgt in budgets]
        if executor is not None:
            outs = list(executor.map(_solve_plan, jobs)) if not dl.expired() else []
        else:
            # points the deadline leaves no time for are left out of the curve
            outs = [_solve_plan(j) for j in jobs if not dl.expired()]
        curve_rows += [o for o in outs if o is not None]
    return curve_rows


def _tradeoff_frame(curve_rows: list, cand_ids: list, pop_total: float) -> pd.DataFrame:
    """The ``tradeoff`` table of :class:`ShelterPlan` from the curve points."""
    return pd.DataFrame({
        "budget": [r["budget"] for r in curve_rows],
        "cost": [r["cost"] for r in curve_rows],
        "sheltered": [r["sheltered"] for r in curve_rows],
        "sheltered_share": [r["sheltered"] / pop_total for r in curve_rows],
        "n_new": [len(r["chosen"]) for r in curve_rows],
        "new_shelters": [[cand_ids[j] for j in r["chosen"]] for r in curve_rows],
        "optimal": [r["optimal"] for r in curve_rows],
    })


def plan(county=None, *, candidates=None, shelters=None, demand=None, distances=None,
         network=None, norms=None, budget=None, candidate_class=None, curve_points=5,
         max_snap_m=MAX_SNAP_M, strong="auto", method="weighted", time_limit=config.TIME_LIMIT,
         mip_gap=config.MIP_GAP, solver=None, executor=None) -> ShelterPlan:
    """New shelter sites that shelter everyone within walking distance at least cost.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``demand``, ``shelters`` (existing, kept open), ``candidates`` (rows whose
        ``uses`` include ``shelter``; ``cost``, ``area_m2`` usable area, ``node``, optional
        ``shelter_class``) and ``network``. Keywords replace any part.
    candidates, shelters, demand : pandas.DataFrame, optional
    distances : pandas.DataFrame, numpy.ndarray or Network, optional
        Walking metres, demand × (existing shelters then shelter candidates): a DataFrame with
        a column per shelter id and candidate id, or a network (default ``county.network``).
    network : Network, optional
    norms : str, DataFrame or dict, optional
        Class norms, as for :func:`assess`.
    budget : float, optional
        Spend at most this much: the plan then shelters as many people as the budget allows
        (and spends least for that many). Default: no budget, shelter everyone reachable.
    candidate_class : str, optional
        Class of every new shelter. Default: the candidates' ``shelter_class`` column, else
        ``"fixed"`` when the area reaches the fixed site size (1 hm², GB 50413-2007 8.2.9) and
        ``"emergency"`` otherwise.
    curve_points : int
        Budgets on the trade-off curve (evenly spaced from 0 to the plan's cost; 0 skips it).
    max_snap_m : float or None
        As for :func:`assess`, applied to shelters and candidates.
    strong : bool or "auto"
        Add the strong linking rows :math:`x_{ij} \\le \\min(P_i, K_j) y_j` (a tighter LP
        bound, one row per candidate pair). ``"auto"``: when there are at most
        :data:`~yingji.shelters.model.STRONG_LINK_MAX` candidate pairs.
    method : {"weighted", "lexicographic"}
        How the assignment LPs (before, all candidates open, after) are solved.
    time_limit : float
        Seconds for the whole call, counted from entry: every phase (distances, three
        assignment LPs, one MIP — two with a ``budget`` — and two MIPs per curve point) gets
        the time left, not the whole limit again. Each MIP starts from a feasible assignment,
        so a time limit still returns a plan (``status="time_limit"``, with its gap); curve
        points no time is left for are left out of ``tradeoff``.
    mip_gap : float
        Relative MIP gap (default 1e-6).
    solver : None or a PuLP solver
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the trade-off curve's budget points in parallel.

    Returns
    -------
    ShelterPlan

    Raises
    ------
    ValidationError
        As for :func:`assess`, plus bad candidates (negative area or cost, missing columns) and
        bad ``budget`` / ``curve_points``.

    Notes
    -----
    With existing shelters :math:`E` (open), candidates :math:`C`, pairs in reach :math:`R`:

    .. math::

        \\min \\sum_{j \\in C} f_j y_j \\quad \\text{s.t.} \\quad
        \\sum_{(i,j) \\in R} x_{ij} \\ge S^*, \\;
        \\sum_j x_{ij} \\le P_i, \\;
        \\sum_i x_{ij} \\le K_j \\; (j \\in E), \\;
        \\sum_i x_{ij} \\le K_j y_j, \\;
        x_{ij} \\le \\min(P_i, K_j) y_j \\; (j \\in C), \\; y \\in \\{0, 1\\}

    where :math:`S^*` is the most people any choice (within the budget) can shelter, found by a
    first solve (lexicographic: people first, then cost). The after-assessment re-solves the
    assignment with the chosen shelters, so ``after.sheltered`` is checked, not assumed.

    References
    ----------
    .. [1] Sridharan, R. (1995). European Journal of Operational Research 87(2), 203-213.
    .. [2] GB 50413-2007 8.2.8-8.2.10; GB 21734-2008 5.4.
    """
    t0 = time.perf_counter()
    inp = _plan_inputs(county, candidates=candidates, shelters=shelters, demand=demand,
                       distances=distances, network=network, norms=norms, budget=budget,
                       candidate_class=candidate_class, curve_points=curve_points,
                       max_snap_m=max_snap_m, strong=strong, method=method,
                       time_limit=time_limit, t0=t0)
    demand, P, town, sh, area, cls = inp.demand, inp.P, inp.town, inp.sh, inp.area, inp.cls
    cand, c_area, c_cost, c_cls = inp.cand, inp.c_area, inp.c_cost, inp.c_cls
    nrm, budget, dl, radius, D = inp.nrm, inp.budget, inp.dl, inp.radius, inp.D
    all_sites, all_cls = inp.all_sites, inp.all_cls

    n_exist = len(sh)
    all_area = np.concatenate([area, c_area])
    norm = np.array([nrm.loc[c, "per_capita_m2"] for c in all_cls], dtype=float)
    K = np.floor(all_area / norm + 1e-9) if all_area.size else np.zeros(0)
    q = len(cand)
    # the existing shelters alone (the "before" assessment; its flow starts the budget MIPs)
    bres = _assign(P, K[:n_exist], D[:, :n_exist], radius[:n_exist], dl, solver, method)
    before = _assess_arrays(demand, P, town, sh, area, cls, radius[:n_exist], D[:, :n_exist], nrm,
                            dl, solver, time.perf_counter(), method, res=bres)
    F_before = sp.hstack([bres.flow, sp.csr_matrix((len(P), q))]).tocsr()
    # most people anyone can shelter: all candidates open (the transportation LP)
    best = _assign(P, K, D, radius, dl, solver, method)
    got = np.asarray(best.flow.sum(axis=1)).ravel()
    unreach = pd.DataFrame({"township": town, "population": P,
                            "unshelterable": np.maximum(P - got, 0.0)}, index=demand.index.copy())
    unreach = unreach[unreach["unshelterable"] > _FLOW_TOL].sort_values(
        "unshelterable", ascending=False, kind="stable")
    mkargs = (P, K, D, radius, c_cost, n_exist)
    tail = (strong, dl, mip_gap, solver)
    main, target = _main_point(mkargs, tail, budget, bres, best, F_before, mip_gap)
    chosen = main["chosen"]
    sheltered = main["sheltered"]
    objective, bound, gap, optimal = main["objective"], main["bound"], main["gap"], main["optimal"]
    if budget is None and not best.optimal:
        optimal = False  # the target (most people anyone can shelter) itself is not proven
    cost = float(c_cost[chosen].sum()) if q else 0.0
    cand_ids = list(cand.index)
    new_ids = [cand_ids[j] for j in chosen]
    # the after assessment re-solves the assignment: what the plan claims is checked
    keep = np.concatenate([np.arange(n_exist), n_exist + chosen]).astype(int)
    after_sites = all_sites.iloc[keep]
    after = _assess_arrays(demand, P, town, after_sites, all_area[keep], all_cls[keep],
                           radius[keep], D[:, keep], nrm, dl, solver, time.perf_counter(),
                           method)
    geo = GeoRef.of(county, tables=False, demand=demand, shelters=all_sites,
                    network=network if network is not None else getattr(county, "network", None))
    before, after = replace(before, geo=geo), replace(after, geo=geo)
    # trade-off curve: most people (then least cost) for evenly spaced budgets
    curve_rows = _curve_rows(mkargs, tail, cost, curve_points, q, F_before, dl, as_executor(executor))
    left_out = (int(curve_points) - len(curve_rows)) if curve_points and q and cost > 0 else 0
    cut = sum(1 for r in curve_rows if not r["optimal"])
    optimal_status = not (left_out > 0 or cut)
    if not optimal_status:  # the wall clock bit: say so (the figures would differ on an idle machine)
        import warnings

        what = ([f"left no time for {left_out} of {int(curve_points)} trade-off points (left out of "
                 f"'tradeoff')"] if left_out > 0 else []) + \
            ([f"stopped {cut} trade-off point(s) before they were proven optimal"] if cut else [])
        warnings.warn(f"shelters.plan: the time limit ({dl.time_limit:g} s) {' and '.join(what)}; the "
                      f"status is 'time_limit' (give a longer time_limit for the whole curve).",
                      RuntimeWarning, stacklevel=2)
    curve_rows.append({"budget": cost if budget is None else budget, "cost": cost,
                       "sheltered": sheltered, "chosen": chosen, "optimal": bool(optimal)})
    tradeoff = _tradeoff_frame(curve_rows, cand_ids, float(P.sum()))
    chosen_mask = np.zeros(len(cand), dtype=bool)
    chosen_mask[chosen] = True
    cframe = pd.DataFrame({
        "shelter_class": pd.Series(c_cls, dtype=object, index=cand.index),
        "area_m2": c_area,
        "capacity": K[n_exist:],
        "radius_m": radius[n_exist:],
        "cost": c_cost,
        "chosen": chosen_mask,
    }, index=cand.index.copy())
    return ShelterPlan(
        new_shelters=new_ids, cost=cost, target=float(target), sheltered=float(sheltered),
        unreachable=unreach, before=before, after=after, candidates=cframe, tradeoff=tradeoff,
        objective=float(objective), bound=float(bound), gap=float(gap), optimal=bool(optimal),
        status="optimal" if optimal and optimal_status else "time_limit", seconds=time.perf_counter() - t0,
        budget=budget, geo=geo,
    )
