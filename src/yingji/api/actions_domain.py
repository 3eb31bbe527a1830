"""Actions on a county's domains: ``check``, ``fire.*``, ``shelters.*``, ``teams.*``, ``supplies.*``."""

from __future__ import annotations

from yingji.api.context import _Context
from yingji.api.errors import BadRequest
from yingji.api.registry import _action, _kw


def _standard(params, ctx: _Context):
    std = params.get("standard", "GB51080")
    if isinstance(std, str) and not ctx.allow_paths:
        from yingji.fire import available_standards

        if std not in available_standards():
            raise BadRequest(f"params.standard must be one of {available_standards()} (this "
                             f"service reads no files). Got {std!r} instead.")
    return std


@_action("check", "required", "compliance report: rules against reported and computed figures")
def _check(params, ctx):
    from yingji.compliance import check

    rules = params.get("rules", "county-plan-2020")
    names = rules if isinstance(rules, list) else [r.strip() for r in str(rules).split(",")]
    if not ctx.allow_paths:
        from yingji.compliance import available_rule_sets

        known = set(available_rule_sets()) | {"all"}
        bad = [r for r in names if r not in known]
        if bad:
            raise BadRequest(f"params.rules: unknown rule set(s) {bad} (this service reads no "
                             f"rules files; known: {sorted(known)}).")
    kw = _kw(params, "as_of", "computed", "computed_values", "seed", "merge", "exclude",
             "disagree_rtol")
    return check(ctx.county(), rules=rules, time_limit=ctx.time_limit(params), **kw)


@_action("fire.assess", "required", "fire stations against GB 51080 / NFPA 1710")
def _fire_assess(params, ctx):
    from yingji.fire import assess

    return assess(ctx.county(), standard=_standard(params, ctx),
                  **_kw(params, "turnout_minutes", "rural_response_minutes", "availability", "busy",
                        "service_minutes", "hour"))


@_action("fire.plan", "required", "new fire stations that bring the county to the standard")
def _fire_plan(params, ctx):
    from yingji.fire import plan

    kw = _kw(params, "target", "budget", "cost_budget", "objective", "area_limits",
             "backup_minutes", "tradeoff", "tradeoff_max", "fleet", "turnout_minutes",
             "rural_response_minutes", "mip_gap", "availability", "busy", "service_minutes", "hour")
    return plan(ctx.county(), standard=_standard(params, ctx), time_limit=ctx.time_limit(params),
                **kw)


@_action("shelters.assess", "required", "shelter area per person within walking distance")
def _shelters_assess(params, ctx):
    from yingji.shelters import assess

    return assess(ctx.county(), time_limit=ctx.time_limit(params),
                  **_kw(params, "method", "max_snap_m"))


@_action("shelters.plan", "required", "new shelter sites that shelter everyone in reach")
def _shelters_plan(params, ctx):
    from yingji.shelters import plan

    return plan(ctx.county(), time_limit=ctx.time_limit(params),
                **_kw(params, "budget", "candidate_class", "curve_points", "method", "strong",
                      "max_snap_m", "mip_gap"))


_TEAM_KW = ("concurrent", "backup", "backup_factor", "backup_weight", "aid_minutes",
            "max_agreements", "mip_gap")


@_action("teams.allocate", "required", "rescue teams assigned to hazard sites; gaps; mutual aid")
def _teams_allocate(params, ctx):
    from yingji.teams import allocate

    return allocate(ctx.county(), time_limit=ctx.time_limit(params), **_kw(params, *_TEAM_KW))


@_action("teams.plan_bases", "required", "new team bases that close the reach gaps")
def _teams_plan_bases(params, ctx):
    from yingji.teams import plan_bases

    return plan_bases(ctx.county(), time_limit=ctx.time_limit(params),
                      **_kw(params, "new_team_crew", *_TEAM_KW))


@_action("supplies.assess", "required", "stock against norms; needs met within the delivery limit")
def _supplies_assess(params, ctx):
    from yingji.supplies import assess

    return assess(ctx.county(), time_limit=ctx.time_limit(params),
                  **_kw(params, "as_of", "evacuation_share", "horizon_days", "delivery_hours"))


@_action("supplies.preposition", "required",
         "where to hold which supplies against sampled disaster scenarios (two-stage)")
def _supplies_preposition(params, ctx):
    from yingji.supplies import preposition, sample_scenarios

    county = ctx.county()
    sc = dict(params.get("scenarios") or {})
    skw = {"kinds": tuple(sc["kinds"])} if sc.get("kinds") else {}
    scen = sample_scenarios(county, int(sc.get("n", 5)), int(sc.get("seed", 0)), **skw)
    kw = _kw(params, "budget", "candidate_capacity", "ship_cost", "penalty",
             "max_unmet_probability", "method", "max_iter", "vss", "as_of", "mip_gap")
    if params.get("levels") is not None:
        kw["levels"] = [tuple(x) for x in params["levels"]]
    return preposition(county, scen, time_limit=ctx.time_limit(params), **kw)
