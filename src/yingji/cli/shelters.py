"""``yingji shelters`` and the demo's shelter section (faces layer: it calls :mod:`yingji.shelters`)."""

from __future__ import annotations

import time

from yingji.cli._registry import command, demo_section, seconds
from yingji.cli._report import REPORTS, add_geojson, add_options, emit, mode, write_geojson
from yingji.shelters import assess, plan


def _load_county(path):
    from yingji.datasets import read_county

    return read_county(path or None, func="yingji shelters", param="PATH")


def _rule_names(lang: str) -> dict:
    """Rule id → name in ``lang`` from the compliance rule catalogue (Chinese names where the
    catalogue has them; {} in English, where the assessment's own names are used)."""
    if lang != "zh":
        return {}
    try:
        from yingji.compliance import available_rule_sets, load_rules

        r = load_rules(list(available_rule_sets()))
    except Exception:  # noqa: BLE001 - the rule names are a courtesy; fall back to English
        return {}
    return {str(i): str(n) for i, n in zip(r["id"], r["name_zh"]) if isinstance(n, str) and n}


def _demo_blocks(county, *, time_limit: float, full: bool, lang: str, figures: bool) -> list:
    """The shelter assessment and plan as report blocks: facts, the rules, the townships with
    the most people without a place, the new shelters and (``figures``) the county map."""
    from yingji._render import Figure, KeyValues, Section
    from yingji._render.messages import t
    from yingji.shelters.display import assessment_summary, plan_summary

    t0 = time.perf_counter()
    a = assess(county, time_limit=time_limit)
    # the plan gets what the assessment left (less a tenth for the summary): one deadline for
    # all its MIPs, so its figures do not depend on the machine's load unless the limit bites
    # (a share fixed in advance, as this was, cut the trade-off curve on a loaded machine)
    left = max(0.9 * time_limit - (time.perf_counter() - t0), 5.0)
    p = plan(county, curve_points=5 if full else 3, time_limit=left)
    sa = assessment_summary(a, lang, rule_names=_rule_names(lang))
    sp = plan_summary(p, lang)
    blocks = [Section(t("current_shelters", lang), (KeyValues(tuple(sa["facts"])), *sa["tables"])),
              Section(t("shelter_plan", lang), (KeyValues(tuple(sp["facts"])), *sp["tables"]))]
    if figures:
        from yingji._render.figures import figure_lang, new_figure, to_svg

        fl = figure_lang(lang)
        fig = new_figure(8.6, 6.4, fl)
        p._map_(fig.subplots(), fl)
        blocks.append(Figure(to_svg(fig), t("shelter_map_caption", lang)))
    return blocks


@demo_section("Shelters (GB 21734 / GB 50413)", time_limit=60, full_time_limit=240,
              order=150, key="demo_shelters")
def _demo_shelters(county, args):
    return _demo_blocks(county, time_limit=float(args.time_limit), full=bool(args.full),
                        lang=getattr(args, "lang", "en"), figures=bool(getattr(args, "figures", False)))


def _args(p):
    p.add_argument("path", nargs="?", help="county folder or JSON (default: the sample county)")
    p.add_argument("--plan", action="store_true",
                   help="also plan new shelters from the candidates (uses include shelter)")
    p.add_argument("--norms", default="plan", help="class norms: plan (1.5 m²/person, "
                   "default), GB50413 or GB51143")
    p.add_argument("--budget", type=float, default=None, help="spend at most this on new "
                   "shelters (with --plan)")
    p.add_argument("--curve", type=int, default=5, help="budgets on the trade-off curve "
                   "(with --plan; 0: none)")
    p.add_argument("--map", default=None, metavar="PNG", help="write a map (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--time-limit", type=seconds, default=60.0, help="seconds per solve "
                   "(default 60)")
    add_options(p)
    add_geojson(p, "the assessment (shelters, demand, assignment), or with --plan the plan "
                   "(after it, with the candidates)")



@command("shelters", "shelters: per-capita area within walking distance, assignment of "
         "residents, new shelter sites", _args)
def _run(args) -> int:
    import json

    fmt = mode(args)
    county = _load_county(args.path)
    a = assess(county, norms=args.norms, time_limit=args.time_limit)
    out = {"assessment": a.to_dict()}
    if not args.json:
        print(a.summary())
        if len(a.unsheltered_by_township):
            print("\nPeople without a place, by township:")
            print(a.unsheltered_by_township.to_string())
    p = None
    if args.plan:
        p = plan(county, norms=args.norms, budget=args.budget, curve_points=args.curve,
                 time_limit=args.time_limit)
        out["plan"] = p.to_dict()
        if not args.json:
            print()
            print(p.summary())
    write_geojson(args, p if p is not None else a)
    if args.map:
        import matplotlib

        matplotlib.use("Agg")
        ax = (p if p is not None else a).plot(lang=args.lang)
        ax.figure.savefig(args.map, dpi=120, bbox_inches="tight")
        if not args.json:
            print(f"\nmap written to {args.map}")
    if fmt in REPORTS:
        from yingji._render.messages import t

        return emit(args, t("demo_shelters", args.lang), county, [a, p])
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0
