"""``yingji fire`` and the demo's fire-station section (faces layer: it calls :mod:`yingji.fire`)."""

from __future__ import annotations


from yingji.cli._registry import command, demo_section, seconds
from yingji.cli._report import REPORTS, add_geojson, add_options, emit, mode, write_geojson
from yingji.fire import assess, load_standard, plan


@demo_section("Fire stations (GB 51080-2015)", time_limit=60, order=110, key="demo_fire")
def _demo_fire(county, args):
    from yingji._render import Figure, KeyValues, Pre, Section
    from yingji._render.messages import t

    lang = getattr(args, "lang", "en")
    a = assess(county)
    p = plan(county, time_limit=args.time_limit, tradeoff=True)
    sa, sp = a._summary_(lang), p._summary_(lang)
    blocks = [Section(t("current_stations", lang), (KeyValues(tuple(sa["facts"])), *sa["tables"])),
              Section(t("fire_plan", lang), (KeyValues(tuple(sp["facts"])), *sp["tables"]))]
    if getattr(args, "figures", False):
        from yingji._render.figures import to_svg
        from yingji._render.maps import map_figure

        cand = county.candidates
        new = cand.loc[[i for i in p.new_stations if i in cand.index], ["x", "y", "node"]]
        blocks.append(Figure(to_svg(map_figure(county, lang=lang, new_sites=new)),
                             t("fire_map_caption", lang)))
    if lang == "en":
        blocks.append(Pre(p.summary()))
    return blocks


def _args(p):
    p.add_argument("action", choices=["assess", "plan"], help="assess the stations, or plan new ones")
    p.add_argument("path", nargs="?", help="county folder or JSON (default: the sample county)")
    p.add_argument("--standard", default="GB51080", help="profile name or TOML file (default GB51080)")
    p.add_argument("--turnout", type=float, default=None, help="turnout minutes (replaces the profile's)")
    p.add_argument("--target", type=float, default=1.0, help="share of coverable population to reach")
    p.add_argument("--budget", type=int, default=None, help="at most this many new stations")
    p.add_argument("--no-area-limits", action="store_true", help="plan without district-area limits")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--time-limit", type=seconds, default=60.0, help="seconds per solve (default 60)")
    add_options(p)
    add_geojson(p, "the assessment (stations, demand, districts) or the plan (after it, new "
                   "stations marked)")


def _title(args) -> str:
    from yingji._render.messages import t

    return t("demo_fire", args.lang)


@command("fire", "fire stations: assess against GB 51080 / NFPA 1710, or plan new stations", _args)
def _run(args) -> int:
    import json

    from yingji.datasets import read_county

    fmt = mode(args)
    county = read_county(args.path, func="yingji fire", param="PATH")
    std = load_standard(args.standard, **({"turnout_minutes": args.turnout} if args.turnout is not None else {}))
    if args.action == "assess":
        res = assess(county, standard=std)
        write_geojson(args, res)
        if fmt in REPORTS:
            return emit(args, _title(args), county, [res])
        if args.json:
            print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        else:
            print(res.summary())
            print(res.stations.drop(columns=["x", "y"], errors="ignore").to_string())
        return 0
    res = plan(county, standard=std, target=args.target, budget=args.budget,
               area_limits=not args.no_area_limits, time_limit=args.time_limit)
    write_geojson(args, res)
    if fmt in REPORTS:
        return emit(args, _title(args), county, [res])
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(res.summary())
        print(res.compare().to_string())
    return 0
