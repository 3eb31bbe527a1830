"""After an event: the transfer plan from depot stock to demand points (:func:`transfer`,
:class:`TransferPlan`), exactly lexicographic over priority classes, then cost (or latest arrival)."""

from __future__ import annotations

import dataclasses
import time as _time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji import config
from yingji._deadline import Deadline
from yingji._validation import Problems, describe_positions, describe_values
from yingji.results import SolveResult, relative_gap, to_jsonable
from yingji.siting._inputs import check_time_limit
from yingji.geo.features import GeoRef, _GeoOut, line_layer, point_layer
from yingji.solvers import ModelBuilder, solve_lexicographic
from yingji.supplies.inputs import _as_date, _check_stock, _expiry, _minutes, _table
from yingji.supplies.norms import _norms


@displayable
@dataclass(frozen=True)
class TransferPlan(_GeoOut, SolveResult):
    """Shipments from depot stock to demand after an event.

    Attributes
    ----------
    shipments : DataFrame
        ``depot``, ``destination``, ``item``, ``quantity``, ``minutes``.
    unmet : DataFrame
        ``destination``, ``item``, ``quantity`` (demand not met), ``priority``.
    max_minutes : float
        Latest arrival of any shipment.
    objective, bound, gap, optimal, status, seconds
        The solve (:class:`yingji.results.SolveResult`): ``objective`` is the total cost
        (``objective="cost"``: m³·minutes) or the latest arrival (``"time"``, minutes) once the
        met quantities are maximal by priority class.
    """

    shipments: pd.DataFrame
    unmet: pd.DataFrame
    max_minutes: float
    geo: GeoRef | None = dataclasses.field(default=None, repr=False, compare=False)

    def _geo_layers(self) -> list:
        """``depot`` points (``shipments`` sent), ``destination`` points (``shipments``
        received, ``unmet``: unmet quantity, all items) and ``shipment`` lines depot →
        destination (``item``, ``quantity``, ``minutes``)."""
        g = self._geo_ref()
        sh, un = self.shipments, self.unmet
        dep = list(g.points.get("depots", pd.DataFrame(index=[])).index)
        dst = list(g.points.get("destinations", pd.DataFrame(index=[])).index)
        dprops = pd.DataFrame({"shipments": sh.groupby("depot").size().reindex(dep, fill_value=0).astype(int)},
                              index=pd.Index(dep, name="depot"))
        tprops = pd.DataFrame({
            "shipments": sh.groupby("destination").size().reindex(dst, fill_value=0).astype(int),
            "unmet": un.groupby("destination")["quantity"].sum().reindex(dst, fill_value=0.0).astype(float)},
            index=pd.Index(dst, name="destination"))
        lines = sh.copy()
        lines.index = pd.Index([f"{d}->{t}/{i}#{k}" for k, (d, t, i)
                                in enumerate(zip(sh["depot"], sh["destination"], sh["item"]))])
        return [point_layer("depot", dprops, g.xy("depots", dep)),
                point_layer("destination", tprops, g.xy("destinations", dst)),
                line_layer("shipment", lines, g.xy("depots", sh["depot"]), g.xy("destinations", sh["destination"]))]

    def to_frame(self) -> pd.DataFrame:
        """The shipments: depot, destination, item, quantity, minutes."""
        return self.shipments.copy()

    def to_dict(self) -> dict:
        """JSON-serialisable form (``json.dumps`` works on it)."""
        return to_jsonable({"shipments": self.shipments, "unmet": self.unmet, "max_minutes": self.max_minutes,
                            **self.solve_dict()})

    def summary(self) -> str:
        """Short text a planner reads."""
        return (f"Transfer: {len(self.shipments)} shipments, latest arrival {self.max_minutes:.1f} min, "
                f"unmet {self.unmet['quantity'].sum():,.0f} units ({self.status})")


#: Distinct priorities up to which :func:`transfer` solves one stage per priority class (exact
#: for any priority > 0); with more, one priority-weighted stage (priorities scaled to max 1).
MAX_PRIORITY_CLASSES = 12


def transfer(
    county,
    demands: pd.DataFrame,
    *,
    stock: pd.DataFrame | None = None,
    depots: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    times=None,
    hour: int | None = None,
    objective: str = "cost",
    as_of=None,
    time_limit: float = config.TIME_LIMIT,
) -> TransferPlan:
    r"""The transfer plan from depot stock to demand points after an event.

    Parameters
    ----------
    county : yingji.County or None
    demands : DataFrame
        ``destination`` (demand id, or a ``node`` column), ``item``, ``quantity``, optional
        ``priority`` (higher first, default 1; finite, >= 0).
    stock, depots, items : DataFrame, optional
        Replace the county's tables; stock expired at ``as_of`` is not used.
    times : Network, DataFrame or array, optional
        Depots × destinations minutes.
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
    objective : {"cost", "time"}
        ``cost``: meet the most priority-weighted demand, then least m³·minutes. ``time``: meet the
        same demand with the least latest arrival (a search over the distinct times, each a
        feasibility LP), then least cost.
    as_of : date-like, optional
    time_limit : float
        Seconds for the whole call, counted from entry (every LP gets the time left). When the
        first LP finds no point in time nothing is shipped (all demand unmet) and
        ``status="time_limit"``; when the search over arrival times is cut, the best level it
        proved so far is returned with ``status="time_limit"``.

    Returns
    -------
    TransferPlan

    Raises
    ------
    ValidationError
        An unknown ``objective``; no depots or stock; demands missing ``item`` or ``quantity``,
        with negative or missing quantities, unknown items or unknown destinations; bad stock
        (see :func:`assess`); times not labelled depots × destinations.

    Notes
    -----
    With shipments :math:`x_{jr}` from depot :math:`j` for demand row :math:`r` (item
    :math:`k_r`, quantity :math:`q_r`, priority :math:`\pi_r`), unmet :math:`u_r`, stock
    :math:`s_{jk}`, volume :math:`v_k` (m³/unit) and minutes :math:`\tau_{jr}`:

    .. math::

        \operatorname{lexmin} \Big( \sum_r \pi_r u_r,\; \sum_{jr} v_{k_r} \tau_{jr} x_{jr} \Big)
        \;\text{s.t.}\; \sum_j x_{jr} + u_r = q_r,\quad \sum_{r: k_r = k} x_{jr} \le s_{jk},

    solved in stages (:func:`yingji.solvers.solve_lexicographic`): the least priority-weighted
    unmet demand first, then the least cost with that level held — no penalty weight, so a
    demand of any priority > 0 is met whenever stock can reach it, however long the route or
    however much other stock must be rerouted. The met quantities of a transportation problem
    form a polymatroid, on which the weighted optimum is the greedy one [2]_: the first stage is
    therefore split into one stage per priority class, highest first (each in units of quantity,
    so a priority of 1e-9 next to one of 1e4 is as exact as equal priorities); with more than
    :data:`MAX_PRIORITY_CLASSES` distinct priorities one weighted stage is used. Rows of priority 0 are met only where that
    costs nothing.
    ``objective="time"`` bisects over the distinct :math:`\tau` for the smallest latest arrival
    that meets the same demand (a bottleneck transportation problem).

    References
    ----------
    .. [1] Hammer, P. L. (1969). Time-minimizing transportation problems. Naval Research
       Logistics Quarterly 16(3), 345-357.
    .. [2] Edmonds, J. (1970). Submodular functions, matroids, and certain polyhedra. In
       Combinatorial Structures and Their Applications, 69-87 (the greedy algorithm is optimal
       for a linear objective over a polymatroid).
    """

    t0 = _time.perf_counter()
    probs = Problems("transfer")
    dl = Deadline(check_time_limit(time_limit, probs), t0)  # every LP below gets the time left
    if objective not in ("cost", "time"):
        probs.param("objective", "'cost' or 'time'", objective)
    dem, depots, items, stock = _transfer_tables(county, demands, stock, depots, items, probs)
    dests = _destinations(county, dem, probs)
    T = _minutes(times, depots, dests, county, "times", probs, ("depots", "destinations"), hour=hour)
    probs.raise_if_any()
    m = _TransferModel.build(dem, depots, items, stock, dests, T, as_of, dl)
    nX, tau = m.nX, m.tau
    sol = m.lp(np.ones(nX, bool))
    if not sol.has_solution:  # nothing found in time: ship nothing (feasible, all demand unmet)
        from yingji.solvers import Solution

        sol = Solution(np.concatenate([np.zeros(nX), m.qty]), float("nan"), float("-inf"), float("inf"),
                       "time_limit", False, "kTimeLimit", 0.0, "none")
    unmet_ref = m.class_unmet(sol.x)
    max_t = float(tau[sol.x[:nX] > 1e-9].max()) if nX and (sol.x[:nX] > 1e-9).any() else 0.0
    obj = float(m.cost @ sol.x[:nX])
    if objective == "time" and nX:
        sol, max_t = _least_latest_arrival(m, sol, unmet_ref, dl)
        obj = max_t
        # the latest arrival is proven only when the search ended (no bound on it otherwise)
        bound = obj if sol.optimal else float("-inf")
    else:
        bound = float(sol.bound) if sol.optimal or np.isfinite(sol.bound) else float("-inf")
    return dataclasses.replace(_transfer_plan(m, sol, obj, bound, max_t, _time.perf_counter() - t0),
                               geo=_geo(county, depots, dests))


def _geo(county, depots: pd.DataFrame, dests: pd.DataFrame) -> GeoRef:
    """Depots and destinations on the map: a destination at its demand point's ``x``/``y`` when
    the county has it, else at its ``node``."""
    dests = dests.copy()
    dmd = getattr(county, "demand", None)
    if isinstance(dmd, pd.DataFrame) and {"x", "y"} <= set(dmd.columns) and not {"x", "y"} <= set(dests.columns):
        xy = dmd[["x", "y"]].set_axis(dmd.index.map(str)).reindex(dests.index.map(str))
        dests["x"], dests["y"] = xy["x"].to_numpy(float), xy["y"].to_numpy(float)
    return GeoRef.of(county, tables=False, depots=depots, destinations=dests)


def _transfer_tables(county, demands: pd.DataFrame, stock, depots, items, probs: Problems):
    """The demands (``destination``, ``item`` as strings, ``priority`` default 1), depots (ids as
    strings), item norms and stock :func:`transfer` works on, checked; raises every problem found
    (with those already in ``probs``)."""
    items = _norms(county, items, probs) if (items is not None or county is not None) else pd.DataFrame()
    depots = _table(county, "depots", depots)
    stock = _table(county, "stock", stock)
    if depots is None or stock is None:
        probs.add("transfer needs depots and stock (from the county or as arguments).")
    miss = [c for c in ("item", "quantity") if c not in demands.columns]
    if miss:
        probs.add(f"The 'demands' table of transfer is missing column(s) {miss}.")
    probs.raise_if_any()
    depots = depots.copy(); depots.index = depots.index.map(str)
    dem = demands.copy()
    if "destination" not in dem.columns:
        dem["destination"] = dem.index.map(str)
    dem["destination"] = dem["destination"].astype(str)
    dem["item"] = dem["item"].astype(str)
    if "priority" not in dem.columns:
        dem["priority"] = 1.0
    q = pd.to_numeric(dem["quantity"], errors="coerce")
    badq = np.flatnonzero(~np.isfinite(q.to_numpy(float)) | (q < 0).to_numpy())
    if badq.size:
        probs.add("The 'demands' table of transfer has negative or missing quantities: got "
                  f"{describe_values(dem['quantity'].to_numpy(), badq)} in rows {badq[:10].tolist()}.")
    pr = pd.to_numeric(dem["priority"], errors="coerce").to_numpy(float)
    bad_p = np.nonzero(~np.isfinite(pr) | (pr < 0))[0]
    if bad_p.size:
        probs.add(f"The 'demands' table of transfer needs a finite priority >= 0 in every row; rows "
                  f"{describe_positions(bad_p, list(dem.index))} have {dem['priority'].iloc[bad_p[:5]].tolist()}.")
    if len(items):
        unk = sorted(set(dem["item"]) - set(items.index))
        if unk:
            probs.add(f"The 'demands' table of transfer names unknown items {unk[:10]}.")
        _check_stock(stock, depots, items, probs)
    probs.raise_if_any()
    return dem, depots, items, stock


def _destinations(county, dem: pd.DataFrame, probs: Problems) -> pd.DataFrame:
    """One row per destination (its ``node`` from the demands, else from the county's demand
    table); raises on destinations the county does not know."""
    dests = dem.drop_duplicates("destination").set_index("destination")
    if "node" not in dests.columns and county is not None:
        dmd = county.demand.copy(); dmd.index = dmd.index.map(str)
        unknown = sorted(set(dests.index) - set(dmd.index))
        if unknown:
            probs.add(f"The 'demands' table of transfer names unknown destinations {unknown[:10]} (give a 'node' column).")
            probs.raise_if_any()
        dests["node"] = dmd.loc[dests.index, "node"]
    return dests


@dataclass
class _TransferModel:
    """The transfer LP of :func:`transfer`: columns x (one per depot and demand row with a route
    and the item in stock at the depot), then u (unmet, one per demand row)."""

    dem: pd.DataFrame
    depots: pd.DataFrame
    avail: pd.Series           # usable stock per (depot, item)
    cols_arr: np.ndarray       # (nX, 2): demand row, depot position
    nX: int
    R: int
    tau: np.ndarray            # (nX,) minutes
    cost: np.ndarray           # (nX,) m³·minutes per unit
    pri: np.ndarray            # (R,)
    qty: np.ndarray            # (R,)
    integral: bool
    classes: list              # distinct priorities > 0, highest first
    dl: Deadline

    @classmethod
    def build(cls, dem, depots, items, stock, dests, T, as_of, dl) -> "_TransferModel":
        exp = _expiry(stock, items if len(items) else None)
        st = stock[exp.isna() | (exp >= _as_date(as_of, "transfer"))]
        avail = st.groupby([st["depot"].astype(str), st["item"].astype(str)])["quantity"].sum()
        vol = items["unit_volume"].to_dict() if len(items) and "unit_volume" in items.columns else {}
        d_pos = {d: i for i, d in enumerate(depots.index)}
        t_pos = {t: i for i, t in enumerate(dests.index)}
        # columns: one per (depot, demand row) pair with a route and the item in stock at the depot
        cols = []
        for r, row in enumerate(dem.itertuples(index=False)):
            for dep, j in d_pos.items():
                if avail.get((dep, row.item), 0.0) > 0 and np.isfinite(T[j, t_pos[row.destination]]):
                    cols.append((r, j))
        R = len(dem)
        cols_arr = np.array(cols, dtype=np.int64).reshape(-1, 2)
        nX = len(cols_arr)
        tau = T[cols_arr[:, 1], dem["destination"].map(t_pos).to_numpy()[cols_arr[:, 0]]] if nX else np.zeros(0)
        v = dem["item"].map(lambda k: float(vol.get(k, 1.0)) or 1.0).to_numpy(float)
        cost = v[cols_arr[:, 0]] * tau if nX else np.zeros(0)
        pri = pd.to_numeric(dem["priority"]).to_numpy(float)
        qty = pd.to_numeric(dem["quantity"]).to_numpy(float)
        integral = bool(np.all(qty == np.round(qty)) and np.all(avail.to_numpy(float) == np.round(avail.to_numpy(float))))
        classes = sorted({float(c) for c in pri[pri > 0]}, reverse=True)
        return cls(dem, depots, avail, cols_arr, nX, R, tau, cost, pri, qty, integral, classes, dl)

    def class_unmet(self, x: np.ndarray) -> np.ndarray:
        """Unmet quantity per priority class (highest first), from a column vector."""
        u_ = x[self.nX:]
        return np.array([float(u_[self.pri == c].sum()) for c in self.classes])

    def lp(self, allowed: np.ndarray, lexi_cost: bool = True):
        """Solve with only the ``allowed`` routes: least unmet demand per priority class, highest
        first, then (with ``lexi_cost``) least cost, each level held."""
        nX, R, cols_arr, dem, pri, qty = self.nX, self.R, self.cols_arr, self.dem, self.pri, self.qty
        classes = self.classes
        # x (nX), u (R) : x sum per row + u = qty ; stock per (depot,item)
        keys = sorted({(int(j), dem["item"].iloc[int(r)]) for r, j in cols_arr}) if nX else []
        k_pos = {k: i for i, k in enumerate(keys)}
        rows_s = np.array([k_pos[(int(j), dem["item"].iloc[int(r)])] for r, j in cols_arr], dtype=np.int64)
        cap = np.array([self.avail.get((self.depots.index[j], it), 0.0) for j, it in keys])
        b = ModelBuilder("transfer", sense="min")
        xb = b.add_columns("ship", nX, hi=np.where(allowed, np.inf, 0.0))
        ub = b.add_columns("unmet", R)
        rows_x = cols_arr[:, 0] if nX else np.zeros(0, np.int64)
        # demand rows: shipped to the row + unmet = quantity
        b.add_rows(np.r_[rows_x, np.arange(R)], np.r_[xb.index(np.arange(nX)), ub.index(np.arange(R))], 1.0,
                   lo=qty, hi=qty, n_rows=R)
        # stock rows per (depot, item)
        b.add_rows(rows_s, xb.index(np.arange(nX)), 1.0, hi=cap, n_rows=len(keys))
        m = b.build()
        # exactly as documented: least priority-weighted unmet demand, then (that level held) least
        # cost. Met quantities form a polymatroid (a transportation problem per item), so the
        # weighted optimum is the greedy one: the most of the highest priority class, then of the
        # next, ... (Edmonds 1970). One stage per class keeps every stage in units of quantity, so
        # no priority is too small or too large for the solver's tolerances.
        if len(classes) <= MAX_PRIORITY_CLASSES:
            stages = [(f"unmet (priority {c:g})", np.r_[np.zeros(nX), (pri == c).astype(float)], "min")
                      for c in classes]
        else:
            stages = [("unmet", np.r_[np.zeros(nX), pri / pri.max()], "min")]
        if lexi_cost:
            stages.append(("cost", np.r_[self.cost, np.zeros(R)], "min"))
        sol = solve_lexicographic(m, objectives=stages, time_limit=self.dl.limit(), level_tol=0.0)
        if sol.x is not None and self.integral:
            # integral stock and demand: the optimal vertex is integral; drop the solver's rounding noise
            xr = np.round(sol.x)
            sol = dataclasses.replace(sol, x=np.where(np.abs(sol.x - xr) <= 1e-6, xr, sol.x))
        return sol


def _least_latest_arrival(m: _TransferModel, sol, unmet_ref: np.ndarray, dl: Deadline):
    """``objective="time"``: bisect over the distinct minutes for the least latest arrival that
    meets the same demand as ``sol``, then least cost at that level; (solution, latest arrival).
    When the deadline or an unsolved LP cuts the search, the best level proven so far, with
    status ``"time_limit"``."""
    nX, tau = m.nX, m.tau
    levels_t = np.unique(tau)
    lo_i, hi_i = 0, len(levels_t) - 1
    best = sol
    cut = not sol.optimal
    while lo_i < hi_i and not cut:
        if dl.expired():
            cut = True  # no time for the next step: the best level proven so far
            break
        mid = (lo_i + hi_i) // 2
        s2 = m.lp(tau <= levels_t[mid] + config.COVER_TOL, lexi_cost=False)
        if not s2.optimal:
            cut = True  # an LP stopped early proves nothing about this level
            break
        if np.all(m.class_unmet(s2.x) <= unmet_ref + 1e-9 * np.maximum(1.0, unmet_ref)):
            hi_i, best = mid, s2
        else:
            lo_i = mid + 1
    if cut:
        # `best` meets the same demand at level hi_i (or is the first LP's point)
        sol = dataclasses.replace(best, optimal=False, status="time_limit")
        used0 = sol.x[:nX] > 1e-9
        max_t = float(tau[used0].max()) if used0.any() else 0.0
    else:
        fin = m.lp(tau <= levels_t[lo_i] + config.COVER_TOL)
        if fin.optimal:
            sol = fin
            max_t = float(levels_t[lo_i]) if (sol.x[:nX] > 1e-9).any() else 0.0
        else:  # the last LP ran out of time: `best` is at the same level, least cost not proven
            sol = dataclasses.replace(best, optimal=False, status="time_limit")
            used0 = sol.x[:nX] > 1e-9
            max_t = float(tau[used0].max()) if used0.any() else 0.0
    return sol, max_t


def _transfer_plan(m: _TransferModel, sol, obj: float, bound: float, max_t: float, seconds: float) -> TransferPlan:
    """The shipments and unmet demand of a solution."""
    nX, cols_arr, dem, tau = m.nX, m.cols_arr, m.dem, m.tau
    x = sol.x[:nX]
    used = x > 1e-9
    ships = pd.DataFrame({
        "depot": [m.depots.index[j] for j in cols_arr[used, 1]],
        "destination": dem["destination"].to_numpy()[cols_arr[used, 0]],
        "item": dem["item"].to_numpy()[cols_arr[used, 0]],
        "quantity": x[used],
        "minutes": tau[used],
    })
    u = sol.x[nX:]
    unmet = pd.DataFrame({"destination": dem["destination"], "item": dem["item"], "quantity": u,
                          "priority": dem["priority"]})
    unmet = unmet[unmet["quantity"] > 1e-9].reset_index(drop=True)
    return TransferPlan(shipments=ships.reset_index(drop=True), unmet=unmet, max_minutes=max_t, objective=obj,
                        bound=bound, gap=relative_gap(obj, bound), optimal=bool(sol.optimal), status=sol.status,
                        seconds=seconds)
