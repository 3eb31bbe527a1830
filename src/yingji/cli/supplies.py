"""``yingji supplies`` and the demo's supplies section (faces layer: it calls :mod:`yingji.supplies`)."""

from __future__ import annotations

from yingji.cli._registry import command, demo_section, seconds
from yingji.cli._report import REPORTS, add_options, emit, mode, result_section
from yingji.supplies import assess, preposition, sample_scenarios


@demo_section("Emergency supplies", time_limit=60, order=140, key="demo_supplies")
def _demo_supplies(county, args):
    a = assess(county, time_limit=args.time_limit)
    n = 100 if args.full else 20
    sc = sample_scenarios(county, n, seed=2026)
    p = preposition(county, sc, time_limit=args.time_limit)
    lang = getattr(args, "lang", "en")
    return [result_section(a, lang, tables=False), result_section(p, lang, tables=False)]


def _args(p):
    p.add_argument("path", nargs="?", help="county folder or JSON (default: the sample county)")
    p.add_argument("--as-of", default=None, help="date at which stock must be unexpired (default today)")
    p.add_argument("--scenarios", type=int, default=20, help="disaster scenarios for prepositioning (0: skip)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the scenarios")
    p.add_argument("--budget", type=float, default=None, help="first-stage budget")
    p.add_argument("--method", default="auto", choices=["auto", "extensive", "benders"])
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--time-limit", type=seconds, default=120.0, help="seconds per solve (default 120)")
    add_options(p)


@command("supplies", "emergency supplies: stock against norms, reach, prepositioning across scenarios", _args)
def _run(args) -> int:
    import json

    from yingji.datasets import read_county

    fmt = mode(args)
    county = read_county(args.path, func="yingji supplies", param="PATH")
    a = assess(county, as_of=args.as_of, time_limit=args.time_limit)
    out = {"assessment": a.to_dict()}
    if not args.json:
        print(a.summary())
    p = None
    if args.scenarios > 0:
        sc = sample_scenarios(county, args.scenarios, seed=args.seed)
        p = preposition(county, sc, budget=args.budget, method=args.method, as_of=args.as_of,
                        time_limit=args.time_limit, progress=not args.json)
        out["preposition"] = p.to_dict()
        if not args.json:
            print(p.summary())
    if fmt in REPORTS:
        from yingji._render.messages import t

        return emit(args, t("demo_supplies", args.lang), county, [a, p])
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0
