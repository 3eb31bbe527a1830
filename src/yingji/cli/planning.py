"""``yingji plan`` and the demo's county-plan section (faces layer: it calls :mod:`yingji.planning`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yingji.cli._registry import command, demo_section, seconds
from yingji.exceptions import YingjiError
from yingji.planning import FORMATS, PARTS, plan, render


def _add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("path", nargs="?", metavar="PATH",
                    help="county folder or JSON file (default: the sample county)")
    ap.add_argument("--format", choices=FORMATS, default="table", help="output format")
    ap.add_argument("--out", metavar="FILE", help="write the plan to FILE (default stdout)")
    ap.add_argument("--lang", choices=("en", "zh"), default="en",
                    help="language of the md/html report (default en)")
    ap.add_argument("--time-limit", type=seconds, default=60.0, metavar="S",
                    help="seconds for the whole plan, shared by the parts (default 60)")
    ap.add_argument("--parts", default=",".join(PARTS), metavar="PART[,PART]",
                    help=f"some of {','.join(PARTS)} (default all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the supply scenarios (default 0)")
    ap.add_argument("--scenarios", type=int, default=5, metavar="N",
                    help="supply scenarios to draw (default 5)")
    ap.add_argument("--target", type=float, default=1.0,
                    help="share of the coverable urban population the fire plan reaches (default 1)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a part did not complete")
    ap.add_argument("--isolate", action="store_true",
                    help="run each part in its own process, stopped at 3 x time limit + 30 s")


def _cli_run(args) -> int:
    parts = [p.strip() for p in str(args.parts).split(",") if p.strip()]
    try:
        from yingji.datasets import read_county

        county = read_county(args.path, func="yingji plan", param="PATH")
        p = plan(county, parts=parts, time_limit=args.time_limit, seed=args.seed,
                 n_scenarios=args.scenarios, target=args.target, isolate=args.isolate)
        text = render(p, args.format, args.lang, county=county)
    except (YingjiError, ValueError, OSError) as exc:
        print(f"yingji plan: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if (args.strict and not p.complete) else 0


command(
    "plan", "what to build or buy to pass: fire stations, shelters, team bases, stock",
    _add_arguments,
    description="Plan new fire stations (GB 51080), shelters, rescue-team bases and supply "
                "stock for a county, each part under its own time limit; a part that fails "
                "is reported in the plan. Exit codes: 0 the plan was made; 1 with --strict "
                "when a part did not complete; 2 bad input.")(_cli_run)


@demo_section("Plan: what to build or buy (fire stations, shelters, team bases, stock)",
              time_limit=90, full_time_limit=300, order=950, key="demo_plan")
def _demo_plan(county, args):
    from yingji.planning.document import document

    full = bool(getattr(args, "full", False))
    # the plan's limit is a safety net, not the budget of its work: 80 % of the section's own
    # limit (72 s by default, ~4 times the sample county's work on a loaded 2-core machine), so
    # the figures are the same on an idle and a busy machine; a limit that bites is reported
    # per part (status time_limit)
    tl = 0.8 * float(getattr(args, "time_limit", 90.0) or 90.0)
    p = plan(county, time_limit=tl, seed=0, n_scenarios=5 if full else 3,
             shelter_curve_points=3 if full else 0)
    doc = document(p, getattr(args, "lang", "en"), plots=bool(getattr(args, "figures", False)))
    return list(doc.sections)
