"""Actions on a cost matrix, sent or built from the county's road network: ``siting.*``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.api.decoding import _matrix, _vector
from yingji.api.envelope import MAX_MATRIX_CELLS
from yingji.api.errors import BadRequest
from yingji.api.registry import _action, _kw


def _siting_cost(params, ctx, where="params.cost"):
    """(cost, weights): from params.cost, or built from the county (params.sites)."""
    if params.get("cost") is not None:
        return _matrix(params["cost"], where), _vector(params.get("weights"), "params.weights")
    county = ctx.county(required=False)
    if county is None or "sites" not in params:
        raise BadRequest("params.cost is required (a demand x sites matrix), or give "
                         "params.sites with a county to build it from the road network.")
    table = params["sites"]
    sites = getattr(county, table)
    if params.get("uses"):
        if "uses" not in sites.columns:
            raise BadRequest(f"params.uses: the county's {table!r} table has no 'uses' column.")
        want = str(params["uses"]).lower()
        keep = sites["uses"].astype(object).fillna("").astype(str).map(
            lambda s: want in {u.strip().lower() for u in s.split(";")}).to_numpy(bool)
        sites = sites.loc[keep]
    if not len(sites):
        raise BadRequest(f"params.sites: the county has no {table!r} rows"
                         + (f" with use {params['uses']!r}." if params.get("uses") else "."))
    dem = county.demand
    if len(sites) * len(dem) > MAX_MATRIX_CELLS:
        raise BadRequest(f"The cost matrix would have {len(sites) * len(dem):,} cells; at most "
                         f"{MAX_MATRIX_CELLS:,}.")
    T = np.asarray(county.network.travel_times(sites["node"].to_numpy(), dem["node"].to_numpy())).T
    cost = pd.DataFrame(T, index=[str(i) for i in dem.index], columns=[str(i) for i in sites.index])
    w = _vector(params.get("weights"), "params.weights")
    if w is None:
        w = dem["population"].to_numpy(float)
    return cost, w


@_action("siting.lscp", "optional", "location set covering: fewest (cheapest) sites covering all")
def _lscp(params, ctx):
    from yingji.siting import lscp

    cost, _ = _siting_cost(params, ctx)
    kw = _kw(params, "fixed", "method", "mip_gap", "uncoverable")
    if params.get("site_cost") is not None:
        kw["site_cost"] = _vector(params["site_cost"], "params.site_cost")
    return lscp(cost, float(params["radius"]), time_limit=ctx.time_limit(params), **kw)


@_action("siting.mclp", "optional", "maximal covering: most weight covered by p sites")
def _mclp(params, ctx):
    from yingji.siting import mclp

    cost, w = _siting_cost(params, ctx)
    return mclp(cost, float(params["radius"]), int(params["p"]), weights=w,
                time_limit=ctx.time_limit(params), **_kw(params, "fixed", "method", "mip_gap"))


@_action("siting.backup_coverage", "optional", "backup coverage: weight covered twice by p sites")
def _backup(params, ctx):
    from yingji.siting import backup_coverage

    cost, w = _siting_cost(params, ctx)
    return backup_coverage(cost, float(params["radius"]), int(params["p"]), weights=w,
                           time_limit=ctx.time_limit(params),
                           **_kw(params, "radius2", "fixed", "method", "mip_gap"))


@_action("siting.p_median", "optional", "p-median: least total weighted cost with p sites")
def _p_median(params, ctx):
    from yingji.siting.median import p_median

    cost, w = _siting_cost(params, ctx)
    return p_median(cost, int(params["p"]), weights=w, time_limit=ctx.time_limit(params),
                    **_kw(params, "fixed", "method", "mip_gap", "seed", "start"))


@_action("siting.p_center", "optional", "p-center: least worst weighted cost with p sites")
def _p_center(params, ctx):
    from yingji.siting.median import p_center

    cost, w = _siting_cost(params, ctx)
    return p_center(cost, int(params["p"]), weights=w, time_limit=ctx.time_limit(params),
                    **_kw(params, "fixed", "method", "mip_gap", "seed"))


@_action("siting.coverage_curve", "optional", "covered weight against the number of sites")
def _curve(params, ctx):
    from yingji.siting import coverage_curve

    cost, w = _siting_cost(params, ctx)
    df = coverage_curve(cost, float(params["radius"]), weights=w,
                        time_limit=ctx.time_limit(params),
                        **_kw(params, "fixed", "p_max", "method", "mip_gap"))
    return {"curve": df}
