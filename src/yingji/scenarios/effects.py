"""What a :class:`~yingji.scenarios.Scenario` does to a county: :func:`effects` (closed and slowed
roads, unavailable facilities, displaced residents) and :func:`apply` (the county with them)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from yingji._crs import is_geographic, transform_xy
from yingji._render.display import displayable
from yingji._validation import Problems
from yingji.county import County
from yingji.exceptions import ValidationError, YingjiWarning
from yingji.results import to_jsonable
from yingji.scenarios.zones import Scenario

__all__ = ["FACILITY_TABLES", "ScenarioEffects", "effects", "apply"]

#: County tables whose rows inside a zone with ``facilities=True`` are unavailable. Units go with
#: their station and stock with its depot.
FACILITY_TABLES = ("stations", "shelters", "depots", "teams", "candidates", "enterprises")


@displayable
@dataclass(frozen=True)
class ScenarioEffects:
    """The effects of a scenario on a county.

    Attributes
    ----------
    scenario : str
    closed_nodes : list
        Road junctions destroyed (in closed zones, or named by the scenario).
    closed_edges : list of (u, v)
        Road segments cut by name.
    slowed : dict
        Zone name → (road nodes inside, speed factor) for zones with ``roads="slowed"``.
    unavailable : DataFrame
        ``table``, ``id``, ``zone``: facility rows inside a zone (first zone that holds them).
    displaced : Series
        Persons displaced per demand id (only points with some).
    """

    scenario: str
    closed_nodes: list
    closed_edges: list
    slowed: dict
    unavailable: pd.DataFrame
    displaced: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """The unavailable facilities (``table``, ``id``, ``zone``)."""
        return self.unavailable.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"scenario": self.scenario, "closed_nodes": list(self.closed_nodes),
                            "closed_edges": [list(e) for e in self.closed_edges],
                            "slowed": {k: {"nodes": len(v[0]), "speed_factor": v[1]} for k, v in self.slowed.items()},
                            "unavailable": self.unavailable, "displaced": float(self.displaced.sum())})

    def summary(self) -> str:
        by = self.unavailable.groupby("table").size().to_dict() if len(self.unavailable) else {}
        parts = ", ".join(f"{n} {t}" for t, n in by.items()) or "none"
        return (f"Scenario {self.scenario!r}: {len(self.closed_nodes)} road junctions destroyed, "
                f"{len(self.closed_edges)} segments cut, {len(self.slowed)} zone(s) slowed; "
                f"facilities unavailable: {parts}; {self.displaced.sum():,.0f} residents displaced.")


def _check(county, scenario, func: str) -> tuple:
    """Refuse bad arguments; return the scenario's zones with coordinates in the metres the
    county holds (see :func:`_zones_in_county_crs`)."""
    probs = Problems(func)
    if not isinstance(county, County):
        probs.param("county", "a yingji.County", type(county).__name__)
    if not isinstance(scenario, Scenario):
        probs.param("scenario", "a yingji.scenarios.Scenario", type(scenario).__name__)
    probs.raise_if_any()
    geo = [z.name for z in scenario.zones if z.kind != "nodes"]
    crs = county.meta.get("crs")
    if geo and is_geographic(crs):
        probs.add(f"{func}: zones {geo} are drawn with coordinates, and county {county.meta.get('name')!r} "
                  f"holds lon/lat ({crs}) it could not project; give those zones as node sets "
                  f"(Zone.node_set) or project the county.")
    if county.network is None and (scenario.closed_edges or scenario.closed_nodes
                                   or any(z.roads != "open" for z in scenario.zones)):
        probs.add(f"{func}: scenario {scenario.name!r} closes or slows roads, and the county has no road network.")
    probs.raise_if_any()
    zones = _zones_in_county_crs(county, scenario.zones, func)
    _warn_outside(county, zones, func)
    return zones


def _warn_outside(county, zones, func: str) -> None:
    """Warn about a coordinate zone that does not overlap the county's extent at all (drawn in
    another CRS, e.g. lon/lat degrees on a county held in metres): it would change nothing."""
    net = county.network
    if net is not None and net.has_coords:
        xy = net.node_xy()
    elif {"x", "y"} <= set(county.demand.columns) and len(county.demand):
        xy = county.demand[["x", "y"]].to_numpy(float)
    else:
        return
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    for z in zones:
        if z.kind == "nodes":
            continue
        if z.kind == "circle":
            c = np.asarray(z.center, dtype=float)
            zlo, zhi = c - z.radius_m, c + z.radius_m
        else:
            P = np.asarray(z.vertices, dtype=float)
            zlo, zhi = P.min(axis=0), P.max(axis=0)
        if (zhi < lo).any() or (zlo > hi).any():
            warnings.warn(f"{func}: zone {z.name!r} (x {zlo[0]:.6g}..{zhi[0]:.6g}, y {zlo[1]:.6g}..{zhi[1]:.6g}) "
                          f"lies outside county {county.meta.get('name')!r} (x {lo[0]:.6g}..{hi[0]:.6g}, "
                          f"y {lo[1]:.6g}..{hi[1]:.6g} in {county.meta.get('crs')}); it changes nothing. Draw it "
                          f"in the county's coordinates (or as a node set).", YingjiWarning, stacklevel=3)


def _zones_in_county_crs(county, zones, func: str) -> tuple:
    """Coordinate zones are drawn in the CRS the county was given in (its files'); a county
    given in lon/lat holds projected metres (``meta["input_crs"]``, :mod:`yingji.county.coords`),
    so its zones' vertices and centres are projected the same way. Radii stay in metres."""
    src = county.meta.get("input_crs")
    if not src or not is_geographic(src) or all(z.kind == "nodes" for z in zones):
        return tuple(zones)
    probs = Problems(func)
    for z in zones:
        pts = np.asarray(z.vertices if z.kind == "polygon" else [z.center], dtype=float) \
            if z.kind != "nodes" else np.empty((0, 2))
        bad = (np.abs(pts[:, 0]) > 180) | (np.abs(pts[:, 1]) > 90)
        if bad.any():
            probs.add(f"{func}: zone {z.name!r} has coordinates {tuple(pts[bad][0].tolist())}, which are not "
                      f"longitude/latitude in degrees; county {county.meta.get('name')!r} was given in {src}, "
                      f"so its zones are drawn in {src} too (radius_m stays in metres), or as node sets.")
    probs.raise_if_any()
    out = []
    for z in zones:
        if z.kind == "polygon":
            P = np.asarray(z.vertices, dtype=float)
            x, y = transform_xy(P[:, 0], P[:, 1], src, county.meta["crs"], f"zone {z.name!r}")
            z = replace(z, vertices=np.column_stack([x, y]))
        elif z.kind == "circle":
            x, y = transform_xy([z.center[0]], [z.center[1]], src, county.meta["crs"], f"zone {z.name!r}")
            z = replace(z, center=(float(x[0]), float(y[0])))
        out.append(z)
    return tuple(out)


def _row_mask(zone, df: pd.DataFrame) -> np.ndarray:
    if len(df) == 0:
        return np.zeros(0, dtype=bool)
    if zone.kind == "nodes":
        return zone.contains_nodes(df["node"].tolist()) if "node" in df.columns else np.zeros(len(df), bool)
    x = pd.to_numeric(df.get("x"), errors="coerce").to_numpy(float)
    y = pd.to_numeric(df.get("y"), errors="coerce").to_numpy(float)
    return zone.contains_xy(x, y)


def _node_mask(zone, net) -> np.ndarray:
    if zone.kind == "nodes":
        net.positions(list(zone.nodes), f"zone {zone.name!r} nodes", "scenarios.effects")
        return zone.contains_nodes(net.nodes.tolist())
    if not net.has_coords:
        raise ValidationError(f"Zone {zone.name!r} is drawn with coordinates and the road network has none; "
                              f"give it as a node set (Zone.node_set).")
    xy = net.node_xy()
    return zone.contains_xy(xy[:, 0], xy[:, 1])


def effects(county, scenario: Scenario) -> ScenarioEffects:
    """What ``scenario`` does to ``county`` (without changing it).

    Parameters
    ----------
    county : yingji.County
    scenario : Scenario

    Returns
    -------
    ScenarioEffects

    Raises
    ------
    ValidationError
        Not a county or a scenario; zone coordinates not in degrees on a county given in lon/lat; node labels or
        closed segments not in the road network (named).
    """
    zones = _check(county, scenario, "scenarios.effects")
    net = county.network
    closed = list(scenario.closed_nodes)
    slowed = {}
    if net is not None:
        if closed:
            net.positions(closed, "closed_nodes", "scenarios.effects")
        labels = net.nodes
        for z in zones:
            if z.roads == "open":
                continue
            inside = labels[_node_mask(z, net)].tolist()
            if z.roads == "closed":
                closed.extend(inside)
            else:
                slowed[z.name] = (inside, float(z.speed_factor))
    closed = list(dict.fromkeys(closed))
    rows = []
    for name in FACILITY_TABLES:
        df = getattr(county, name)
        seen = set()
        for z in zones:
            if not z.facilities:
                continue
            for i in df.index[_row_mask(z, df)]:
                if i not in seen:
                    seen.add(i)
                    rows.append((name, str(i), z.name))
    unavailable = pd.DataFrame(rows, columns=["table", "id", "zone"])
    dem = county.demand
    share = np.zeros(len(dem))
    for z in zones:
        if z.displaced > 0:
            m = _row_mask(z, dem)
            share[m] = 1.0 - (1.0 - share[m]) * (1.0 - z.displaced)   # several zones: independent shares
    pop = pd.to_numeric(dem["population"], errors="coerce").fillna(0.0).to_numpy(float) if len(dem) else np.zeros(0)
    disp = pd.Series(pop * share, index=dem.index, name="displaced")
    return ScenarioEffects(scenario.name, closed, list(scenario.closed_edges), slowed, unavailable,
                           disp[disp > 0])


def _network_after(net, eff: ScenarioEffects):
    if net is None:
        return None
    if eff.closed_nodes or eff.closed_edges:
        net = net.without(edges=eff.closed_edges or None, nodes=eff.closed_nodes or None)
    for nodes, factor in eff.slowed.values():
        if nodes:
            net = net.slowed(factor, nodes=nodes)
    return net


def _county_after(county, eff: ScenarioEffects):
    """The county with the effects: a new network (rows keep their nodes: a point in a closed
    zone is not moved to another node, it becomes unreachable), facilities dropped, the
    ``displaced`` column on demand."""
    tables = {n: getattr(county, n) for n in ("demand", "stations", "units", "candidates", "teams", "hazards",
                                              "enterprises", "venues", "depots", "stock", "items", "shelters",
                                              "indicators")}
    gone = {t: set(g["id"]) for t, g in eff.unavailable.groupby("table")} if len(eff.unavailable) else {}
    for t, ids in gone.items():
        df = tables[t]
        tables[t] = df[~df.index.astype(str).isin(ids)]
    if gone.get("stations") and len(tables["units"]):
        u = tables["units"]
        tables["units"] = u[~u["station"].astype(str).isin(gone["stations"])]
    if gone.get("depots") and len(tables["stock"]):
        s = tables["stock"]
        tables["stock"] = s[~s["depot"].astype(str).isin(gone["depots"])]
    dem = tables["demand"].copy()
    dem["displaced"] = eff.displaced.reindex(dem.index).fillna(0.0).to_numpy(float)
    tables["demand"] = dem
    meta = {**county.meta, "scenario": eff.scenario}
    with warnings.catch_warnings():   # rows cut off by the scenario are reported by compare, not warned
        warnings.simplefilter("ignore")
        return County(_network_after(county.network, eff), meta=meta, _func="scenarios.apply", **tables)


def apply(county, scenario: Scenario) -> County:
    """The county under a hazard scenario.

    * Road junctions in zones with ``roads="closed"`` (and ``closed_nodes``) are destroyed and
      ``closed_edges`` cut (:meth:`yingji.Network.without`); segments with both ends in a zone
      with ``roads="slowed"`` are slowed (:meth:`yingji.Network.slowed`). Located rows keep their
      nodes: a place cut off stays where it is and is unreachable (``inf`` minutes), it is not
      snapped elsewhere.
    * Facilities inside a zone with ``facilities=True`` (:data:`FACILITY_TABLES`) are removed,
      with the units of removed stations and the stock of removed depots.
    * Demand gets a ``displaced`` column (persons); ``population`` is unchanged (the residents
      still count for the norms; the displaced are the ones who need a shelter place).
    * ``meta["scenario"]`` names the scenario.

    Parameters
    ----------
    county : yingji.County
    scenario : Scenario

    Returns
    -------
    yingji.County

    Raises
    ------
    ValidationError
        As :func:`effects`.

    Examples
    --------
    >>> import yingji as yj
    >>> from yingji.scenarios import Scenario, Zone
    >>> c = yj.datasets.sample_county()
    >>> x, y = c.shelters[["x", "y"]].iloc[0]
    >>> after = yj.scenarios.apply(c, Scenario("fire", zones=[Zone.circle("plume", x, y, 50.0)]))
    >>> len(c.shelters) - len(after.shelters)
    1
    """
    return _county_after(county, effects(county, scenario))
