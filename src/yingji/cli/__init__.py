"""The ``yingji`` command line.

``yingji demo [--full]`` runs the demo report on the embedded sample county;
``yingji bench [SUITE ...] [--full]`` runs the benchmark suites in ``benchmarks/``.

Faces layer. The commands and demo sections live in the modules of this package, listed in
:data:`SECTION_MODULES` (``yingji.cli.fire``, ``.teams``, ``.supplies``, ``.simulation``,
``.shelters``, ``.compliance``, ``.planning``, ``.serve``); each calls the domain's public functions and adds
to the registries of :mod:`yingji.cli._registry` when this package imports it. No domain module
imports the CLI.

Adding to it (one function each):

* a **demo section** is a function ``(county, args) -> str`` registered with
  :func:`demo_section`; it runs in its own process under its own time limit, and an error in it
  is printed without stopping the demo::

      from yingji.cli._registry import demo_section

      @demo_section("Fire stations", time_limit=20)
      def _demo_fire(county, args):
          a = yj.fire.assess(county)
          return a.summary()

  ``args.full`` says whether ``--full`` was given and ``args.time_limit`` is the
  section's limit in seconds (pass it on as ``time_limit=`` to solves).
* a **subcommand** is a :class:`Command` registered with :func:`command`: a name, a help line, a
  function adding its arguments to an ``argparse`` parser and a function ``(args) -> int``
  returning the exit status.

Put a new module's name in :data:`SECTION_MODULES`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["main", "DemoSection", "DEMO_SECTIONS", "demo_section", "Command", "COMMANDS",
           "command", "run_demo", "load_sections", "SECTION_MODULES"]


from yingji._fork import fork_safe as _fork_safe  # noqa: E402
from yingji._fork import run_forked  # noqa: E402
from yingji._version import __version__
from yingji.exceptions import YingjiError  # noqa: E402
from yingji._render.messages import t, term  # noqa: E402
from yingji.cli import _registry  # noqa: E402
from yingji.cli._registry import (  # noqa: E402  (the registries every face module adds to)
    COMMANDS,
    DEMO_SECTIONS,
    Command,
    DemoSection,
    command,
    demo_section,
)


# ----------------------------------------------------------------------------------------
# foundation demo sections
# ----------------------------------------------------------------------------------------


def _fmt_pop(x: float) -> str:
    return f"{x:,.0f}"


@demo_section("County", time_limit=30, order=0, key="county_overview")
def _demo_county(county, args):
    from yingji._render import Figure, KeyValues, Para
    from yingji._render.fmt import count

    lang = getattr(args, "lang", "en")
    blocks = [KeyValues(tuple(county._summary_(lang)["facts"]))]
    blocks.append(Para(t("tables", lang) + ": " + ", ".join(
        f"{term(n, lang)} {count(len(tb), lang=lang)}" for n, tb in county.tables.items() if n != "demand"),
        "note"))
    if getattr(args, "figures", False):
        from yingji._render.figures import to_svg
        from yingji._render.maps import map_figure

        blocks.append(Figure(to_svg(map_figure(county, lang=lang, shelters=True)),
                             t("map_note", lang)))
    return blocks


def _weighted_quantile(values, weights, q):
    import numpy as np

    order = np.argsort(values)
    v, w = values[order], weights[order]
    cw = np.cumsum(w)
    if cw[-1] <= 0:
        return float("nan")
    return float(v[np.searchsorted(cw, q * cw[-1], side="left").clip(0, len(v) - 1)])


@demo_section("Travel times from the existing fire stations", time_limit=30, order=10,
              key="travel_times")
def _demo_travel_times(county, args):
    import numpy as np

    from yingji._render import Para, Table
    from yingji._render.fmt import count, number, percent
    from yingji.config import COVER_TOL

    lang = getattr(args, "lang", "en")
    st = county.stations
    if "station_class" in st.columns:
        st = st[st["station_class"] != "logistics"]  # logistics stations have no district
    d = county.demand
    t0 = time.perf_counter()
    # station -> demand driving minutes (DESIGN.md: responses run from the station)
    T = np.asarray(county.network.travel_times(st["node"].to_numpy(), d["node"].to_numpy())).T
    secs = time.perf_counter() - t0
    nearest = T.min(axis=1) if T.shape[1] else np.full(len(d), np.inf)
    pop = d["population"].to_numpy(float)
    urban = d["urban"].to_numpy(bool)
    fin = np.isfinite(nearest)
    rows = []
    for label, m in (("urban", urban), ("rural", ~urban), ("all", np.ones(len(d), bool))):
        mm = m & fin
        if not mm.any():
            continue
        tot = pop[m].sum()
        rows.append((t(label, lang), count(tot, "人", lang=lang),
                     number(np.average(nearest[mm], weights=pop[mm] + 1e-12), digits=1),
                     number(_weighted_quantile(nearest[mm], pop[mm], 0.5), digits=1),
                     number(_weighted_quantile(nearest[mm], pop[mm], 0.9), digits=1),
                     number(nearest[mm].max(), digits=1),
                     *(percent(pop[m & (nearest <= r + COVER_TOL)].sum() / tot if tot else None)
                       for r in (4.0, 5.0))))
    unit = "分钟" if lang == "zh" else "min"
    cols = ("", t("population", lang),
            f"{t('mean', lang)} ({unit})", f"{t('median', lang)} ({unit})",
            f"{t('p90', lang)} ({unit})", f"{t('max', lang)} ({unit})",
            t("within", lang, m=4), t("within", lang, m=5))
    blocks = [Para(f"{t('fire_stations', lang)}: {count(len(st), lang=lang)} "
                   f"({', '.join(f'{i} {term(c, lang)}' for i, c in st['station_class'].items())}); "
                   f"{t('demand_points', lang)}: {count(len(d), lang=lang)}; "
                   + t("times_computed", lang, n=count(T.size, lang=lang),
                       s=number(secs, digits=2))),
              Table(cols, tuple(rows), ("l",) + ("r",) * 7, t("nearest_minutes", lang))]
    if (~fin).any():
        blocks.append(Para(f"{t('unreachable', lang)}: {count((~fin).sum(), 'points', lang=lang)}, "
                           f"{count(pop[~fin].sum(), '人', lang=lang)}", "warn"))
    blocks.append(Para(t("gb51080_note", lang), "note"))
    return blocks


# ----------------------------------------------------------------------------------------
# running the demo
# ----------------------------------------------------------------------------------------


def _section_child(conn, section: DemoSection, county, args) -> None:  # pragma: no cover - child
    try:
        content = section.func(county, args)
        conn.send(("ok", "" if content is None else
                   content if isinstance(content, (list, tuple)) else str(content)))
    except BaseException as exc:  # noqa: BLE001 - report anything, keep the demo going
        conn.send(("error", f"{type(exc).__name__}: {exc}\n"
                   + "".join(traceback.format_exception(exc)[-3:])))
    finally:
        conn.close()


def _run_isolated(section: DemoSection, county, args, limit: float):
    """Run one section in a forked process; ('ok'|'error'|'timeout', text)."""
    how, got = run_forked(_section_child, (section, county, args), limit)
    if how == "done":
        return got
    if how == "no_result":
        return "error", "the section's process ended without a result"
    return "timeout", f"stopped after its time limit of {limit:g} s"


def _run_threaded(section: DemoSection, county, args, limit: float):
    """Run one section in a daemon thread; give up waiting after ``limit`` seconds."""
    import threading

    box: list = []
    t = threading.Thread(target=lambda: box.append(_run_inline(section, county, args)),
                         daemon=True, name=f"demo:{section.title}")
    t.start()
    t.join(limit)
    if t.is_alive():
        return "timeout", (f"stopped waiting after its time limit of {limit:g} s "
                           "(the section could not run in its own process)")
    return box[0]


def _run_inline(section: DemoSection, county, args):
    try:
        content = section.func(county, args)
        return "ok", ("" if content is None else
                      content if isinstance(content, (list, tuple)) else str(content))
    except Exception as exc:  # noqa: BLE001 - report anything, keep the demo going
        return "error", f"{type(exc).__name__}: {exc}"


#: The CLI modules, in the order their commands are listed; each adds its demo sections and
#: subcommands to the registries when imported. The CLI names what it exposes: no domain module
#: registers itself here.
SECTION_MODULES = (
    "yingji.cli.fire",
    "yingji.cli.teams",
    "yingji.cli.supplies",
    "yingji.cli.simulation",
    "yingji.cli.shelters",
    "yingji.cli.compliance",
    "yingji.cli.planning",
    "yingji.cli.serve",
)


def load_sections() -> None:
    """Import :data:`SECTION_MODULES` (once): their demo sections and commands register."""
    for mod in SECTION_MODULES:
        importlib.import_module(mod)


def run_demo(county=None, *, full: bool = False, isolate: bool | None = None,
             sections: list[str] | None = None, out=None, time_scale: float = 1.0,
             fmt: str = "text", lang: str = "en") -> int:
    """Run the demo sections on a county (default: the sample county) and print them.

    Parameters
    ----------
    county : yingji.County, optional
        Default :func:`yingji.datasets.sample_county`.
    full : bool
        Also run ``full_only`` sections, with their ``full_time_limit``.
    isolate : bool, optional
        Enforce each section's time limit (default True): run it in a forked process
        killed at the limit where forking is safe, else in a thread the demo stops
        waiting for. ``False`` runs sections in this process and only passes the limit on.
    sections : list of str, optional
        Only sections whose title contains one of these (case-insensitive).
    out : file, optional
        Where to print (default ``sys.stdout``).
    time_scale : float
        Multiplies every section's time limit.
    fmt : {"text", "md", "html", "json"}
        ``text`` prints each section as it finishes; the others print one document at the end
        through the report renderer (:mod:`yingji.report.demo`): Markdown, a self-contained
        HTML page with tables, charts and county maps, or JSON with ``sections``: title,
        status, seconds, text and blocks.
    lang : {"en", "zh"}
        Language of headings, labels, units and statuses.

    Returns
    -------
    int
        0 when the demo ran (whatever the sections found); errors and time-outs of
        single sections are printed, not raised.
    """
    final_out = out or sys.stdout
    from yingji.exceptions import ValidationError

    if fmt not in ("text", "md", "html", "json"):
        raise ValidationError(f"The 'fmt' parameter of run_demo must be one of 'text', 'md', 'html', "
                              f"'json'. Got {fmt!r} instead.")
    if sections:
        unknown = [s for s in sections if not any(str(s).lower() in sec.title.lower()
                                                  for sec in _registry.DEMO_SECTIONS)]
        if unknown:
            raise ValidationError(f"The 'sections' parameter of run_demo names no section: {unknown} "
                                  f"(yingji demo --list shows the sections).")
    import io

    from yingji._render.messages import check_lang
    from yingji.report.demo import render_demo, section_text

    check_lang(lang, "run_demo")
    out = final_out if fmt == "text" else io.StringIO()
    records: list[dict] = []
    if isolate is None:
        isolate = True
    t_start = time.perf_counter()
    if county is None:
        from yingji.datasets import sample_county

        t0 = time.perf_counter()
        county = sample_county(copy=False)
        print(f"loaded the sample county in {time.perf_counter() - t0:.1f} s", file=out)
    todo = sorted(enumerate(_registry.DEMO_SECTIONS), key=lambda t: (t[1].order, t[0]))
    n_err = 0
    for _, sec in todo:
        if sec.full_only and not full:
            continue
        if sections and not any(s.lower() in sec.title.lower() for s in sections):
            continue
        limit = (sec.full_time_limit or sec.time_limit) if full else sec.time_limit
        limit *= time_scale
        args = argparse.Namespace(full=full, time_limit=float(limit), lang=lang,
                                  figures=fmt == "html")
        print(f"\n== {sec.title} ==", file=out)
        out.flush()
        t0 = time.perf_counter()
        if isolate and _fork_safe():
            status, text = _run_isolated(sec, county, args, limit)
        elif isolate:
            status, text = _run_threaded(sec, county, args, limit)
        else:
            status, text = _run_inline(sec, county, args)
        dt = time.perf_counter() - t0
        records.append({"title": sec.title, "key": sec.key, "status": status,
                        "seconds": round(dt, 3), "content": text})
        if status == "ok":
            print(section_text(text, lang).rstrip("\n"), file=out)
        else:
            n_err += 1
            print(f"[section {'timed out' if status == 'timeout' else 'failed'}: "
                  f"{text.strip()}]", file=out)
        print(f"({dt:.1f} s)", file=out)
        out.flush()
    total = time.perf_counter() - t_start
    print(f"\ndemo finished in {total:.1f} s"
          + (f"; {n_err} section(s) did not complete" if n_err else ""), file=out)
    if fmt != "text":
        final_out.write(render_demo(records, fmt, total,
                                    (getattr(county, "meta", None) or {}).get("name", ""), lang))
        final_out.flush()
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--full", action="store_true",
                   help="the long version: every section, with the longer time limits")
    p.add_argument("--section", action="append", metavar="TITLE",
                   help="only sections whose title contains TITLE (repeatable)")
    p.add_argument("--list", action="store_true", help="list the sections and exit")
    p.add_argument("--no-isolate", action="store_true",
                   help="run sections in this process (no hard time limit)")
    p.add_argument("--format", default="text", choices=["text", "md", "html", "json"],
                   help="output format (default text, printed as sections finish)")
    p.add_argument("--out", default=None, metavar="FILE", help="write the output to FILE")
    p.add_argument("--lang", default="en", choices=["en", "zh"],
                   help="language of the report: headings, labels, units, statuses (default en)")


def _demo_run(args) -> int:
    if args.list:
        for s in sorted(_registry.DEMO_SECTIONS, key=lambda s: s.order):
            print(f"{s.title}  (limit {s.time_limit:.0f} s"
                  + (f", {s.full_time_limit:.0f} s with --full" if s.full_time_limit else "")
                  + (", --full only" if s.full_only else "") + ")")
        return 0
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            rc = run_demo(full=args.full, sections=args.section,
                          isolate=False if args.no_isolate else None, out=fh, fmt=args.format,
                          lang=args.lang)
        print(f"wrote {args.out}")
        return rc
    return run_demo(full=args.full, sections=args.section,
                    isolate=False if args.no_isolate else None, fmt=args.format, lang=args.lang)


command("demo", "run the demo report on the embedded sample county", _demo_args,
        description="Load the sample county XX县 and print a short planning report: network "
                    "size, population, travel times and the share of population the existing fire "
                    "stations reach, then every domain section (each under its own time limit). "
                    "Exits 0 when it ran.")(_demo_run)


# ----------------------------------------------------------------------------------------
# bench
# ----------------------------------------------------------------------------------------


def _find_benchmarks() -> Path | None:
    """The folder holding ``benchmarks/`` (the repository root), or None."""
    here = Path(__file__).resolve()
    starts = [*here.parents, Path.cwd(), *Path.cwd().parents]
    env = os.environ.get("YINGJI_BENCHMARKS")
    if env:
        starts.insert(0, Path(env).resolve().parent if Path(env).name == "benchmarks"
                      else Path(env).resolve())
    for base in starts:
        if (base / "benchmarks" / "__init__.py").is_file():
            return base
    return None


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("rest", nargs=argparse.REMAINDER,
                   help="suite names and options passed to the runner (e.g. network --full; "
                        "'yingji bench --list' lists the suites)")


def _bench_run(args) -> int:
    base = _find_benchmarks()
    if base is None:
        print("yingji bench: the benchmark suites (the 'benchmarks/' folder at the root of the "
              "yingji source tree) were not found. Run it from a source checkout, e.g. "
              "'git clone ... && cd yingji && pip install -e .[bench] && yingji bench', or set "
              "YINGJI_BENCHMARKS to that folder.", file=sys.stderr)
        return 2
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    try:
        bench = importlib.import_module("benchmarks")
    except Exception as exc:  # noqa: BLE001
        print(f"yingji bench: importing {base / 'benchmarks'} failed: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    rc = bench.main(list(args.rest))
    return int(rc or 0)


_registry.COMMANDS.append(Command(
    "bench", "run the benchmark suites (benchmarks/ of a source checkout)", _bench_args,
    _bench_run, description="Run yingji's benchmark suites: 'yingji bench [SUITE ...] [--full] "
    "[--list]'; every argument goes to the runner in benchmarks/ (python -m benchmarks; "
    "'yingji bench --help' shows its options).", passthrough=True))


# ----------------------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``yingji`` parser with every registered subcommand."""

    ap = argparse.ArgumentParser(
        prog="yingji",
        description="yingji (应急): emergency-response planning for counties - road networks "
                    "and travel times, facility siting, fire stations, rescue teams, supplies, "
                    "dispatch, shelters and compliance.",
    )
    ap.add_argument("--version", action="version", version=f"yingji {__version__}")
    ap.add_argument("--debug", action="store_true",
                    help="show the Python traceback of an error (default: one line naming what is wrong)")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    for c in _registry.COMMANDS:
        p = sub.add_parser(c.name, help=c.help, description=c.description)
        c.add_arguments(p)
        p.set_defaults(_run=c.run)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``yingji`` command; returns the exit status."""
    load_sections()
    ap = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    for c in _registry.COMMANDS:
        if c.passthrough and argv and argv[0] == c.name:
            return int(c.run(argparse.Namespace(command=c.name, rest=argv[1:])) or 0)
    args = ap.parse_args(argv)
    if getattr(args, "_run", None) is None:
        ap.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except BrokenPipeError:
        # the reader went away (``yingji teams | head``): not an error of the input; stop quietly
        # (the Python docs' recipe: point stdout at devnull so the interpreter's flush succeeds)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (YingjiError, OSError) as exc:
        # bad input (a broken county, a file that is not there): one line per problem, exit 2,
        # no traceback
        if args.debug:
            raise
        probs = getattr(exc, "problems", None) or []
        if len(probs) > 1:  # several problems: the heading, then one line each
            head = str(exc).splitlines()[0]
            text = head + "".join(f"\n  - {' '.join(str(p).split())}" for p in probs)
        else:
            text = " ".join(str(exc).split()) if not isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        print(f"yingji {args.command}: {text}", file=sys.stderr)
        return 2




load_sections()
