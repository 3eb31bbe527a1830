"""The :class:`County` class: its constructor, its tables, ``replace`` and the summary.

The class body holds what every part shares; the rest is inherited from private mixins, one per
concern, each in its own module: :mod:`~yingji.county.checks` (what the constructor checks),
:mod:`~yingji.county.connectivity` (``check_connected``, ``largest_component``),
:mod:`~yingji.county.folder` (``load``, ``save``) and :mod:`~yingji.county.jsondoc`
(``to_dict``, ``to_json``, ``from_json``), :mod:`~yingji.county.geojson` (``to_geojson``,
``to_geodataframe``: roads and located tables on a map).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from yingji.county.checks import _Checks, _coerce_table, _Report
from yingji.county.connectivity import _Connectivity
from yingji.county.coords import _project_county
from yingji.county.folder import _Folder
from yingji.county.geojson import _CountyGeo
from yingji.county.jsondoc import _JsonDoc
from yingji.county.roads import _node_kind
from yingji.county.snaplimit import _SnapReport
from yingji.county.specs import TABLES
from yingji.exceptions import ValidationError

__all__ = ["County"]


class County(_Checks, _Connectivity, _Folder, _JsonDoc, _SnapReport, _CountyGeo):
    """A county: road network, located tables and reported figures.

    Parameters
    ----------
    network : yingji.Network or None
        The road network (travel times in minutes, lengths in metres). ``None``
        only for tables that need no network (e.g. indicators alone); located
        rows then must carry their own ``node``.
    demand, stations, units, candidates, teams, hazards, enterprises, venues, depots, \
stock, items, shelters, indicators : pandas.DataFrame, optional
        The tables of DESIGN.md ("The county"); an absent table is empty with the
        right columns. Located tables are indexed by string id (an ``id`` column or the
        index) and get a ``node`` column snapped to the nearest network node when they
        have none.
    meta : dict, optional
        ``name``, ``crs``, ``area_km2`` (km²), ``standard`` (profile name, default
        ``"GB51080"``), ``time_limits`` (seconds; ``solve``, ``demo_section``) and any
        other keys, as in ``county.toml``.
    max_snap : float, optional
        Largest distance (metres) between a point and the node it snaps to; farther
        points are an error naming their table, ids and distances. Default:
        ``meta["max_snap_m"]`` if given, else
        :func:`~yingji.county.snaplimit.default_max_snap` (5 km, or 5 % of the diagonal of
        the network's extent when that is larger). ``float("inf")`` or ``"none"``: no limit.
        The limit in force is ``county.max_snap_m``; ``county.snap_distances()`` lists how
        far each located row lies from its node.

    Raises
    ------
    ValidationError
        Listing every problem found: missing columns, values of the wrong type,
        duplicate or empty ids, unknown classes, ``units.station`` not in
        ``stations``, ``stock.depot``/``stock.item`` not in ``depots``/``items``,
        ``node`` values not in the network, points beyond the snap limit, coordinates that
        look like longitude/latitude degrees on a network in projected metres
        (:func:`~yingji.county.snaplimit.degree_rows`).

    See Also
    --------
    County.load, County.from_json, yingji.datasets.sample_county

    Notes
    -----
    Coordinates ``x``, ``y`` are metres in the projected CRS named in ``meta["crs"]``. A
    county given in lon/lat (``meta["crs"]`` geographic, e.g. ``"EPSG:4326"``: tables and
    network nodes in degrees) is projected here to the metric CRS of its centre
    (:func:`yingji._crs.metric_crs`: the CGCS2000 3-degree Gauss-Kruger zone in China, else
    UTM); ``meta["crs"]`` then names that CRS and ``meta["input_crs"]`` the one given, which
    :meth:`save` writes back and GeoJSON output starts from. Time is in minutes, distance in metres, area in m² (DESIGN.md, "Units").

    References
    ----------
    .. [1] GB 51080-2015 《城市消防规划规范》 (Code for urban fire protection planning),
       4.1 (station classes class1 / class2 / small / special / logistics).
    .. [2] 建标152-2017 《城市消防站建设标准》 (construction standard of urban fire
       stations): staffing and vehicles per station class.
    .. [3] GB 21734-2008 《地震应急避难场所 场址及配套设施》: emergency / fixed / central
       shelter classes and effective area.
    .. [4] The Sphere Handbook (2018), minimum standards behind the ``items`` norms.

    Examples
    --------
    >>> import pandas as pd, yingji as yj
    >>> edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, 2.0]})
    >>> nodes = pd.DataFrame({"x": [0.0, 500.0, 1000.0], "y": [0.0, 0.0, 0.0]})
    >>> net = yj.Network.from_edges(edges, nodes=nodes, source="u", target="v",
    ...                             weight="minutes")
    >>> demand = pd.DataFrame({"id": ["a", "b"], "x": [10.0, 990.0], "y": [0.0, 5.0],
    ...                        "population": [100.0, 50.0]})
    >>> c = yj.County(net, demand=demand, meta={"name": "demo"})
    >>> c.demand["node"].tolist()
    [0, 2]
    """

    def __init__(self, network=None, *, demand=None, stations=None, units=None,
                 candidates=None, teams=None, hazards=None, enterprises=None, venues=None,
                 depots=None, stock=None, items=None, shelters=None, indicators=None,
                 meta: Mapping | None = None, max_snap: float | None = None,
                 _where: Mapping[str, str] | None = None, _func: str = "County"):
        tables = dict(demand=demand, stations=stations, units=units, candidates=candidates,
                      teams=teams, hazards=hazards, enterprises=enterprises, venues=venues,
                      depots=depots, stock=stock, items=items, shelters=shelters,
                      indicators=indicators)
        rep = _Report(_func)
        where = {n: f"table {n!r}" for n in TABLES}
        where.update(_where or {})
        if network is not None and not (hasattr(network, "snap") and hasattr(network, "to_frames")):
            rep.add("parameter 'network'", f"expected a yingji.Network, got {type(network).__name__}")
            network = None
        self.network = network
        self.meta = self._coerce_meta(meta, rep)
        nk = _node_kind(network)
        for name, spec in TABLES.items():
            setattr(self, name, _coerce_table(spec, tables[name], where[name], rep, nk))
        # a county in lon/lat is projected to metres here, once (county/coords.py)
        self.network, projected, self.meta = _project_county(self.network, self.tables, self.meta,
                                                             where, rep)
        for name, df in projected.items():
            setattr(self, name, df)
        if max_snap is None:
            max_snap = self.meta.get("max_snap_m")
        self._check_refs(rep, where)
        # one pass: nodes given and snapped are checked whatever else is wrong (rows without
        # finite coordinates are left unsnapped), so that one error lists every problem
        self._place_nodes(rep, where, nk, max_snap)
        rep.raise_if_any()
        if network is not None and hasattr(network, "check_connected"):
            self.check_connected(warn=True)

    # ---- tables -------------------------------------------------------------------
    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in :data:`TABLES` order (the DataFrames themselves)."""
        return {n: getattr(self, n) for n in TABLES}

    def replace(self, **changes) -> "County":
        """A new county with some tables (or ``network``/``meta``) replaced.

        Parameters
        ----------
        **changes
            Table name -> DataFrame, ``network=``, ``meta=`` (merged into the current
            meta), ``max_snap=`` (metres, for this call's snapping; default as in
            :class:`County`). Located tables without a ``node`` column are snapped again;
            when the network changes, every located table is snapped again.

        Returns
        -------
        County

        Raises
        ------
        ValidationError
            For an unknown name, or anything the constructor rejects.

        Examples
        --------
        >>> import yingji as yj
        >>> c = yj.datasets.sample_county()
        >>> c2 = c.replace(demand=c.demand[c.demand["urban"]])
        >>> bool(c2.demand["urban"].all()), len(c.demand) > len(c2.demand)
        (True, True)
        """
        max_snap = changes.pop("max_snap", None)
        unknown = sorted(set(changes) - set(TABLES) - {"network", "meta"})
        if unknown:
            raise ValidationError(
                f"The 'changes' parameter of County.replace must name tables from "
                f"{list(TABLES)} or 'network'/'meta'. Got {unknown} instead.")
        kw = {n: getattr(self, n) for n in TABLES}
        net = changes.pop("network", self.network)
        meta = {**self.meta, **(changes.pop("meta", None) or {})}
        if net is not self.network:
            kw = {n: (t.drop(columns="node") if TABLES[n].located and "node" in t.columns else t)
                  for n, t in kw.items()}
        kw.update(changes)
        return County(net, meta=meta, max_snap=max_snap, _func="County.replace", **kw)

    def copy(self) -> County:
        """A copy whose tables (and meta) can be changed without touching this county.

        The tables were checked when this county was made, so nothing is checked or snapped
        again (:meth:`replace` with the same tables would check them all once more); the road
        network is shared, as :meth:`replace` shares it.

        Returns
        -------
        County

        Examples
        --------
        >>> import yingji as yj
        >>> c = yj.datasets.sample_county(copy=False)
        >>> c2 = c.copy()
        >>> c2.demand.loc[c2.demand.index[0], "population"] = 0.0
        >>> bool(c.demand["population"].iloc[0] > 0)
        True
        """
        import copy as _copy

        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        for name in TABLES:
            setattr(new, name, getattr(self, name).copy())
        new.meta = _copy.deepcopy(self.meta)
        if hasattr(self, "_snapped"):
            new._snapped = {k: list(v) for k, v in self._snapped.items()}
        return new

    # ---- display ------------------------------------------------------------------
    def summary(self) -> str:
        """A few lines: name, network size, population, table sizes."""
        name = self.meta.get("name") or "(unnamed county)"
        lines = [f"County {name}  crs={self.meta.get('crs') or '?'}  "
                 f"area={self.meta.get('area_km2', float('nan')):.0f} km²"]
        if self.network is not None:
            lines.append(f"  network: {self.network.n_nodes} nodes")
        pop = float(self.demand["population"].sum()) if len(self.demand) else 0.0
        urban = self.demand[self.demand["urban"]] if len(self.demand) else self.demand
        lines.append(f"  demand: {len(self.demand)} points, population {pop:,.0f}, urban "
                     f"{len(urban)} points / {float(urban['area_m2'].sum()) / 1e6:.1f} km²")
        lines.append("  " + ", ".join(f"{n} {len(getattr(self, n))}" for n in TABLES
                                      if n != "demand"))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per table: its name and number of rows."""
        return pd.DataFrame({"table": list(TABLES), "rows": [len(getattr(self, n))
                                                             for n in TABLES]})

    def _summary_(self, lang: str = "en") -> dict:
        """Facts a planner reads first (notebook display, the demo's county section)."""
        from yingji._render.fmt import count, km2, quantity
        from yingji._render.messages import t

        d = self.demand
        pop = d["population"].to_numpy(float) if len(d) else np.zeros(0)
        urban = d["urban"].to_numpy(bool) if len(d) else np.zeros(0, bool)
        area = d["area_m2"].to_numpy(float) if len(d) else np.zeros(0)
        facts = [(t("county", lang), str(self.meta.get("name") or "—")),
                 (t("area", lang), quantity(self.meta.get("area_km2"), "km2", digits=1, lang=lang)),
                 (t("population", lang), count(pop.sum(), "人", lang=lang)),
                 (t("urban_population", lang), count(pop[urban].sum(), "人", lang=lang)),
                 (t("urban_area", lang), km2(np.nansum(area[urban]), lang=lang)),
                 (t("rural_population", lang), count(pop[~urban].sum(), "人", lang=lang)),
                 (t("demand_points", lang), count(len(d), lang=lang)),
                 (t("townships", lang), count(d["township"].nunique() if "township" in d.columns
                                              else 0, lang=lang))]
        if self.network is not None:
            facts.append((t("road_network", lang),
                          f"{count(self.network.n_nodes, 'nodes', lang=lang)}, "
                          f"{count(self.network.n_edges, 'edges', lang=lang)}"))
        if "incidents_per_year" in d.columns:
            facts.append((t("incidents", lang), quantity(d["incidents_per_year"].sum(),
                                                         "per_year", digits=0, lang=lang)))
        facts.append((t("fire_stations", lang), count(len(self.stations), lang=lang)))
        facts.append((t("shelters", lang), count(len(self.shelters), lang=lang)))
        facts.append((t("crs", lang), str(self.meta.get("crs") or "—")))
        return {"title": f"County {self.meta.get('name') or ''}".strip() if lang == "en"
                else f"{self.meta.get('name') or ''}", "facts": facts}

    def _map_(self, ax, lang: str = "en"):
        from yingji._render.maps import county_map

        return county_map(self, ax=ax, lang=lang, shelters=True, townships=True)

    def plot(self, ax=None, *, lang: str = "en", **kw):
        """The county map (needs matplotlib): roads by class, station districts and service
        areas (4 minutes of driving), demand not reached, shelters, township names, km axes with
        a scale bar and north arrow (:func:`yingji._render.maps.county_map`; ``kw`` go to it)."""
        from yingji._render.maps import county_map

        return county_map(self, ax=ax, lang=lang, **{"shelters": True, **kw})

    def _repr_html_(self) -> str:
        from yingji._render.display import repr_html

        return repr_html(self)

    def __repr__(self) -> str:
        n = self.network.n_nodes if self.network is not None else 0
        return (f"<County {self.meta.get('name') or '?'}: {n} nodes, {len(self.demand)} demand "
                f"points, {len(self.stations)} stations>")
