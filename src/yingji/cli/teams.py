"""``yingji teams`` and the demo's rescue-team section (faces layer: it calls :mod:`yingji.teams`)."""

from __future__ import annotations

from yingji.cli._registry import command, demo_section, seconds
from yingji.cli._report import REPORTS, add_geojson, add_options, emit, mode, result_section, write_geojson
from yingji.teams import allocate, plan_bases


@demo_section("Rescue teams", time_limit=60, order=130, key="demo_teams")
def _demo_teams(county, args):
    al = allocate(county, time_limit=args.time_limit)
    bp = plan_bases(county, time_limit=args.time_limit)
    lang = getattr(args, "lang", "en")
    return [result_section(al, lang, tables=False), result_section(bp, lang, tables=False)]


def _args(p):
    p.add_argument("path", nargs="?", help="county folder or JSON (default: the sample county)")
    p.add_argument("--concurrent", type=int, default=1, help="sites that may need a team at once (default 1)")
    p.add_argument("--backup", action="store_true", help="also assign backup teams")
    p.add_argument("--plan", action="store_true", help="also propose new team bases")
    p.add_argument("--relocate", action="store_true",
                   help="with --plan: also consider moving existing teams (cost: the teams' relocate_cost "
                        "column, else --relocate-cost)")
    p.add_argument("--relocate-cost", type=float, default=None, help="cost of moving a team (with --relocate)")
    p.add_argument("--crew-gaps", action="store_true",
                   help="with --plan: also close crew_short gaps with new bases")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--time-limit", type=seconds, default=60.0, help="seconds per solve (default 60)")
    add_options(p)
    add_geojson(p, "the allocation (teams, hazards, assignments, mutual aid), or with --plan "
                   "the base plan")


@command("teams", "rescue teams: allocation to hazard sites, gaps, mutual aid, new bases", _args)
def _run(args) -> int:
    import json

    from yingji.datasets import read_county

    fmt = mode(args)
    county = read_county(args.path, func="yingji teams", param="PATH")
    al = allocate(county, concurrent=args.concurrent, backup=args.backup, time_limit=args.time_limit)
    out = {"allocation": al.to_dict()} if args.json else None
    if not args.json:
        print(al.summary())
        if len(al.gaps):
            print(al.gaps.to_string(index=False))
    bp = None
    if args.plan:
        bp = plan_bases(county, concurrent=args.concurrent, backup=args.backup, time_limit=args.time_limit,
                        relocate=args.relocate, relocate_cost=args.relocate_cost, crew_gaps=args.crew_gaps)
        if args.json:
            out["plan"] = bp.to_dict()
        else:
            print(bp.summary())
            print(bp.new_teams.to_string(index=False))
            if len(bp.relocations):
                print(bp.relocations.to_string(index=False))
    write_geojson(args, bp if bp is not None else al)
    if fmt in REPORTS:
        from yingji._render.messages import t

        return emit(args, t("demo_teams", args.lang), county, [al, bp])
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0
