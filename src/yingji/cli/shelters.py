"""``yingji shelters`` and the demo's shelter section (faces layer: it calls :mod:`yingji.shelters`)."""

from __future__ import annotations

import time

from yingji.cli._registry import command, demo_section, seconds
from yingji.cli._report import add_options, emit, mode
from yingji.shelters import assess, plan


def _load_county(path):
    from yingji.datasets import read_county

    return read_county(path or None, func="yingji shelters", param="PATH")


def _demo_text(county, *, time_limit: float, full: bool) -> str:
    t0 = time.perf_counter()
    a = assess(county, time_limit=time_limit)
    left = max(time_limit - (time.perf_counter() - t0), 5.0)
    p = plan(county, curve_points=5 if full else 3, time_limit=left / 6.0)
    lines = [a.summary(), "", "County-wide ratio versus where people live: "
             f"{a.per_capita_m2:.2f} m²/person county-wide, {a.reachable_per_capita_m2:.2f} "
             f"within walking reach; {100 * a.sheltered_share:.1f} % have a place within walking "
             "distance.", "", p.summary()]
    top = a.unsheltered_by_township.sort_values("unsheltered", ascending=False).head(5)
    if len(top):
        lines += ["", "People without a place, by township (top 5):",
                  top.round({"unsheltered_share": 3}).to_string()]
    if p.new_shelters:
        lines += ["", "New shelters:", p.candidates[p.candidates["chosen"]].drop(
            columns="chosen").to_string()]
    return "\n".join(lines)


@demo_section("Shelters (GB 21734 / GB 50413)", time_limit=60, full_time_limit=240,
              order=150, key="demo_shelters")
def _demo_shelters(county, args) -> str:
    return _demo_text(county, time_limit=float(args.time_limit), full=bool(args.full))


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
    if args.map:
        import matplotlib

        matplotlib.use("Agg")
        ax = a.plot()
        ax.figure.savefig(args.map, dpi=120, bbox_inches="tight")
        if not args.json:
            print(f"\nmap written to {args.map}")
    if fmt in ("md", "html"):
        from yingji._render.messages import t

        return emit(args, t("demo_shelters", args.lang), county, [a, p])
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0
