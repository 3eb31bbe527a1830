"""The county plan (``plan``) and the API's own schemas (``schema``)."""

from __future__ import annotations

from yingji.api.registry import _action, _kw
from yingji.api.schemas import schema


@_action("plan", "required", "what to build or buy: fire stations, shelters, team bases, stock")
def _plan(params, ctx):
    from yingji.planning import plan

    kw = _kw(params, "parts", "seed", "n_scenarios", "target")
    return plan(ctx.county(), time_limit=ctx.time_limit(params), **kw)


@_action("schema", "none", "the JSON Schemas of requests and responses, and the actions")
def _schema(params, ctx):
    kind = params.get("kind", "all")
    return schema() if kind == "all" else {kind: schema(kind)}
