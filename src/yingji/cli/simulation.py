"""``yingji simulate`` and the demo's simulation and dispatch section (faces layer: it calls
:mod:`yingji.simulation` and :mod:`yingji.dispatch`)."""

from __future__ import annotations

import pandas as pd

from yingji.cli._registry import command, demo_section
from yingji.cli._report import REPORTS, add_options, emit, mode
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
    if fmt in REPORTS:
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
def _demo_simulation(county, args):
    from yingji import fire
    from yingji._render import Para, Table
    from yingji._render.fmt import count, percent, quantity
    from yingji._render.messages import t

    lang = getattr(args, "lang", "en")
    tl = max(float(getattr(args, "time_limit", 60.0)) / 3.0, 5.0)
    reps = 10 if getattr(args, "full", False) else 5
    fp = fire.plan(county, tradeoff=False, time_limit=tl)
    before = simulate(county, horizon_hours=24 * 365, replications=reps, seed=2026)
    after = simulate(county, horizon_hours=24 * 365, replications=reps, seed=2026,
                     **with_new_stations(county, fp.new_stations, engines=1))

    def ci(v, key, share):
        lo, hi = v.ci[key]
        f = (lambda x: percent(x)) if share else (lambda x: quantity(x, "min", digits=2, lang=lang))
        return f"{f(getattr(v, key))} [{f(lo)}, {f(hi)}]"

    # one row per figure, one column per case: narrow enough for an A4 page in both languages
    cases = (before, after)
    cols = (t("figure", lang), t("sim_existing", lang),
            t("sim_with_plan", lang, n=len(fp.new_stations)))
    rows = ((t("sim_p90", lang), *(ci(c, "p90_minutes", False) for c in cases)),
            (t("sim_within", lang), *(ci(c, "within_standard", True) for c in cases)),
            (t("sim_static", lang), *(percent(c.static_within_standard) for c in cases)),
            (t("sim_first_busy", lang), *(percent(c.first_due_busy) for c in cases)),
            (t("sim_util", lang), *(percent(c.mean_utilisation, digits=2) for c in cases)),
            (t("sim_engines", lang), *(count(len(c.utilisation), "辆" if lang == "zh" else "",
                                             lang=lang) for c in cases)))
    blocks = [Para(t("sim_setup", lang, n=reps), "note"),
              Table(cols, rows, ("l", "r", "r"), t("sim_caption", lang)),
              Para(t("sim_busy_note", lang,
                     b=percent(before.static_within_standard - before.within_standard),
                     a=percent(after.static_within_standard - after.within_standard)))]
    try:
        blocks += _demo_dispatch_blocks(county, lang)
    except Exception as exc:  # noqa: BLE001 - the simulation stands on its own
        blocks.append(Para(t("dispatch_skipped", lang, e=f"{type(exc).__name__}: {exc}"), "note"))
    return blocks


def _demo_dispatch_blocks(county, lang: str = "en") -> list:
    """Three simultaneous incidents on a county: which units go where, and what is short."""
    from yingji import dispatch
    from yingji._render import Table
    from yingji._render.fmt import number
    from yingji._render.messages import MESSAGES, t, term

    d = county.demand
    fire_at = d[d["urban"]].sort_values("incidents_per_year").index[-1]
    road_at = d[~d["urban"]].sort_values("incidents_per_year").index[-1]
    hz = county.hazards
    chem = hz[hz["hazard_type"] == "chemical plant"]
    spill = (chem if len(chem) else hz).index[0]
    kinds = ("building fire", "chemical spill", "road crash")
    incidents = pd.DataFrame({
        "node": [d.loc[fire_at, "node"], hz.loc[spill, "node"], d.loc[road_at, "node"]],
        "engine": [3, 2, 1], "ladder": [1, 0, 0], "rescue": [1, 1, 1], "hazmat": [0, 1, 0],
        "ambulance": [1, 1, 1], "weight": [3.0, 2.0, 1.0], "target_minutes": [8.0, 15.0, 20.0],
    }, index=[f"{k} {w}" for k, w in zip(kinds, (fire_at, spill, road_at))])
    units = county.units.join(county.stations["node"], on="station")
    dp = dispatch.plan(incidents, units, county.network)
    unit_min = "分钟" if lang == "zh" else "min"
    sep = "、" if lang == "zh" else ", "

    def name(inc: str) -> str:
        kind, _, where = inc.rpartition(" ")
        return f"{t(kind, lang)} {where}"

    rows = []
    for inc in incidents.index:
        g = dp.assignments[dp.assignments["incident"] == inc]
        sent = sep.join(f"{r.unit} {number(r.minutes, digits=1)} {unit_min}"
                        + (f" ({t('late', lang)})" if r.late else "") for r in g.itertuples())
        sh = dp.shortfalls[dp.shortfalls["incident"] == inc] if len(dp.shortfalls) else ()
        short = sep.join(f"{term(r.type, lang)} {number(r.missing)}" for r in
                         (sh.itertuples() if len(sh) else ()))
        rows.append((name(inc), sent or "—", (short, "s-fail") if short else "—"))
    return [Table((t("incident", lang), t("units_sent", lang), t("short_units", lang)),
                  tuple(rows), ("l", "l", "l"),
                  t("dispatch_example", lang, method=t(f"method_{dp.method}", lang)
                    if f"method_{dp.method}" in MESSAGES else dp.method, ms=number(dp.seconds * 1000, digits=0)))]
