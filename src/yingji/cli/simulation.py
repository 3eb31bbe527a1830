"""``yingji simulate`` and the demo's simulation and dispatch section (faces layer: it calls
:mod:`yingji.simulation` and :mod:`yingji.dispatch`)."""

from __future__ import annotations

import pandas as pd

from yingji.cli._registry import command, demo_section
from yingji.cli._report import add_options, emit, mode
from yingji.exceptions import ValidationError
from yingji.simulation import simulate, with_new_stations


def _args(p) -> None:
    p.add_argument("path", nargs="?", help="county folder or JSON (default: the sample county)")
    p.add_argument("--hours", type=float, default=24.0 * 365.0, help="simulated hours per replication")
    p.add_argument("--replications", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--standard", default="GB51080", help="GB51080, NFPA1710 or a limit in minutes")
    p.add_argument("--types", default="engine", help="unit types that answer calls, comma-separated ('all')")
    p.add_argument("--service", type=float, default=45.0, help="mean on-scene minutes")
    p.add_argument("--require", default=None,
                   help="units of several types per call, e.g. 'engine=2,ladder=1' (each type from its "
                        "own pool; replaces --types)")
    p.add_argument("--policy", default="nearest", choices=("nearest", "plan"), help="dispatch policy")
    p.add_argument("--workers", type=int, default=1, help="processes for the replications")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_options(p)


def _run(args) -> int:
    import json
    import sys

    from yingji.datasets import read_county

    fmt = mode(args)
    try:
        county = read_county(args.path, func="yingji simulate", param="PATH")
        std = args.standard
        try:
            std = float(std)
        except ValueError:
            pass
        types = None if args.types == "all" else [t.strip() for t in args.types.split(",") if t.strip()]
        kw = dict(horizon_hours=args.hours, replications=args.replications, seed=args.seed, standard=std,
                  unit_types=types, service_minutes=args.service, policy=args.policy)
        if args.require:
            req = {}
            for part in args.require.split(","):
                name, _, count = part.partition("=")
                try:
                    req[name.strip()] = int(count) if count.strip() else 1
                except ValueError:
                    raise ValidationError(f"The '--require' option of yingji simulate must look like "
                                          f"'engine=2,ladder=1'. Got {args.require!r} instead.") from None
            kw["requirements"] = req
        if args.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(args.workers) as ex:
                sim = simulate(county, executor=ex, **kw)
        else:
            sim = simulate(county, **kw)
    except (ValidationError, OSError) as exc:
        print(f"yingji simulate: {exc}", file=sys.stderr)
        return 2
    if fmt in ("md", "html"):
        from yingji._render.messages import t

        return emit(args, t("simulation", args.lang), county, [sim])
    if args.json:
        print(json.dumps(sim.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(sim.summary())
        print(sim.to_frame().to_string(float_format=lambda v: f"{v:.4g}"))
        if sim.by_type is not None:
            cols = ["share_of_calls", "first_mean_minutes", "first_p90_minutes", "last_mean_minutes",
                    "last_p90_minutes"]
            print(sim.by_type[cols].to_string(float_format=lambda v: f"{v:.4g}"))
    return 0

command("simulate", "simulate calls, dispatch and busy units for a county", _args,
             description="Discrete-event simulation of a county's fire and rescue calls: Poisson "
                         "calls by demand point, nearest-available dispatch, busy units; prints "
                         "mean / 90th-percentile response, share within the standard, first-due "
                         "busy rate and unit utilisation with 95 % confidence intervals.")(_run)


@demo_section("Simulated response before and after the fire plan", time_limit=60, order=450,
              key="demo_simulation")
def _demo_simulation(county, args) -> str:
    from yingji import fire

    tl = max(float(getattr(args, "time_limit", 60.0)) / 3.0, 5.0)
    reps = 10 if getattr(args, "full", False) else 5
    fp = fire.plan(county, tradeoff=False, time_limit=tl)
    before = simulate(county, horizon_hours=24 * 365, replications=reps, seed=2026)
    after = simulate(county, horizon_hours=24 * 365, replications=reps, seed=2026,
                     **with_new_stations(county, fp.new_stations, engines=1))

    def line(name, s):
        lo, hi = s.ci["p90_minutes"]
        wl, wh = s.ci["within_standard"]
        return (f"{name:<28} p90 {s.p90_minutes:6.2f} min [{lo:.2f}, {hi:.2f}]  within 5 min "
                f"{s.within_standard:6.1%} [{wl:.1%}, {wh:.1%}]  first-due busy {s.first_due_busy:5.1%}  "
                f"mean utilisation {s.mean_utilisation:5.2%} ({len(s.utilisation)} engines)")

    out = [
        f"{reps} replications x 1 year, Poisson calls by demand point, nearest available engine, "
        f"45 min on scene + travel both ways, GB51080 (1 min turnout + travel <= 5 min)",
        line("existing stations", before),
        line(f"+ fire plan ({len(fp.new_stations)} new, 1 engine each)", after),
        f"static coverage model (no unit ever busy): {before.static_within_standard:.1%} before, "
        f"{after.static_within_standard:.1%} after: busy units cost "
        f"{before.static_within_standard - before.within_standard:.1%} and "
        f"{after.static_within_standard - after.within_standard:.1%} of calls",
    ]
    try:
        out += _demo_dispatch_lines(county)
    except Exception as exc:  # noqa: BLE001 - the simulation lines stand on their own
        out.append(f"(dispatch example skipped: {type(exc).__name__}: {exc})")
    return "\n".join(out)


def _demo_dispatch_lines(county) -> list:
    """Three simultaneous incidents on a county: which units go where, and what is short."""
    from yingji import dispatch

    d = county.demand
    fire_at = d[d["urban"]].sort_values("incidents_per_year").index[-1]
    road_at = d[~d["urban"]].sort_values("incidents_per_year").index[-1]
    hz = county.hazards
    chem = hz[hz["hazard_type"] == "chemical plant"]
    spill = (chem if len(chem) else hz).index[0]
    incidents = pd.DataFrame({
        "node": [d.loc[fire_at, "node"], hz.loc[spill, "node"], d.loc[road_at, "node"]],
        "engine": [3, 2, 1], "ladder": [1, 0, 0], "rescue": [1, 1, 1], "hazmat": [0, 1, 0],
        "ambulance": [1, 1, 1], "weight": [3.0, 2.0, 1.0], "target_minutes": [8.0, 15.0, 20.0],
    }, index=[f"building fire {fire_at}", f"chemical spill {spill}", f"road crash {road_at}"])
    units = county.units.join(county.stations["node"], on="station")
    dp = dispatch.plan(incidents, units, county.network)
    lines = [f"dispatch example, 3 simultaneous incidents ({dp.method}, {dp.seconds * 1000:.0f} ms):"]
    for inc, g in dp.assignments.groupby("incident", sort=False):
        lines.append(f"  {inc}: " + ", ".join(f"{r.unit} {r.minutes:.1f} min{' (late)' if r.late else ''}"
                                                for r in g.itertuples()))
    if len(dp.shortfalls):
        lines.append("  short: " + "; ".join(f"{r.incident} {r.missing:g} {r.type}" for r in dp.shortfalls.itertuples()))
    return lines
