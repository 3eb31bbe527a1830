"""Actions on travel over the road network (or a sent time matrix): ``dispatch.plan``,
``network.travel_times``."""

from __future__ import annotations

import numpy as np

from yingji.api.decoding import _matrix, _records_frame, _vector
from yingji.api.envelope import MAX_MATRIX_CELLS
from yingji.api.errors import BadRequest
from yingji.api.registry import _action, _kw


@_action("dispatch.plan", "optional", "which units go to which incidents")
def _dispatch(params, ctx):
    from yingji.dispatch import plan

    incidents = _records_frame(params["incidents"], "params.incidents")
    county = ctx.county(required=False)
    if params.get("units") is not None:
        units = _records_frame(params["units"], "params.units")
    else:
        if county is None:
            raise BadRequest("params.units is required without a county.")
        units = county.units.copy()
        if "node" not in units.columns and len(units):
            units["node"] = county.stations.loc[units["station"], "node"].to_numpy()
    if params.get("times") is not None:
        times = _matrix(params["times"], "params.times",
                        row_ids=list(incidents.index), col_ids=list(units.index))
    else:
        if county is None:
            raise BadRequest("params.times is required without a county (its road network).")
        times = county.network
        if "node" not in incidents.columns:
            if not {"x", "y"} <= set(incidents.columns):
                raise BadRequest("params.incidents need a 'node' or 'x' and 'y' columns to be "
                                 "placed on the county's road network (or send params.times).")
            incidents = incidents.assign(node=county.network.snap(
                incidents["x"].to_numpy(float), incidents["y"].to_numpy(float)))
        if "node" not in units.columns:
            raise BadRequest("params.units need a 'node' column (or send params.times).")
    kw = _kw(params, "objective", "busy", "types", "strict_targets", "method", "mip_gap")
    return plan(incidents, units, times, time_limit=ctx.time_limit(params), **kw)


def _points(spec, county, where: str):
    """(node labels, ids) from a point spec: node list, {"table": ...}, or {"x": [], "y": []}."""
    net = county.network
    if isinstance(spec, list):
        return list(spec), [str(v) for v in spec]
    if "table" in spec:
        df = getattr(county, spec["table"])
        if spec.get("ids") is not None:
            missing = [i for i in spec["ids"] if str(i) not in df.index]
            if missing:
                raise BadRequest(f"{where}.ids: not in table {spec['table']!r}: {missing[:10]}.")
            df = df.loc[[str(i) for i in spec["ids"]]]
        return df["node"].tolist(), [str(i) for i in df.index]
    x, y = _vector(spec["x"], f"{where}.x"), _vector(spec["y"], f"{where}.y")
    if len(x) != len(y):
        raise BadRequest(f"{where}: 'x' and 'y' differ in length ({len(x)} and {len(y)}).")
    nodes = np.asarray(net.snap(x, y)).tolist()
    return nodes, [str(n) for n in nodes]


@_action("network.travel_times", "required",
         "driving minutes origins x destinations on the county's road network")
def _travel_times(params, ctx):
    county = ctx.county()
    o_nodes, o_ids = _points(params["origins"], county, "params.origins")
    d_nodes, d_ids = _points(params["destinations"], county, "params.destinations")
    if len(o_nodes) * len(d_nodes) > MAX_MATRIX_CELLS:
        raise BadRequest(f"The matrix would have {len(o_nodes) * len(d_nodes):,} cells; at most "
                         f"{MAX_MATRIX_CELLS:,}.")
    kw = {"cutoff": float(params["cutoff"])} if params.get("cutoff") is not None else {}
    metric = params.get("metric", "minutes")
    if metric == "metres":
        T = np.asarray(county.network.distances(o_nodes, d_nodes, **kw), dtype=float)
    else:
        T = np.asarray(county.network.travel_times(o_nodes, d_nodes, **kw), dtype=float)
    return {"origins": o_ids, "destinations": d_ids, "origin_nodes": o_nodes,
            "destination_nodes": d_nodes, "unit": "min" if metric == "minutes" else "m",
            "values": T}
