"""``--format`` and ``--lang`` of the domain commands (faces layer): their results as a report.

``yingji fire|shelters|teams|supplies|simulate`` print text by default; ``--format json`` is
``--json``; ``--format md|html`` renders their results through the one renderer
(:mod:`yingji._render`): each result's summary table (``_summary_`` or its fields), its tables,
its map (``_map_``, when matplotlib is installed) and its own text summary.
"""

from __future__ import annotations

import sys

__all__ = ["REPORTS", "add_options", "add_geojson", "write_geojson", "emit", "mode", "result_section"]


#: The formats rendered as a report (``zhtext``: the default text format with ``--lang zh``).
REPORTS = ("md", "html", "zhtext")


def add_options(p) -> None:
    """``--format``, ``--lang`` and ``--out`` on a domain command's parser."""
    p.add_argument("--format", default=None, choices=("text", "json", "md", "html"),
                   help="output: text (default), json (as --json), md or html (a report)")
    p.add_argument("--lang", default="en", choices=("en", "zh"),
                   help="report language (default en); with the default text format, zh prints "
                        "the report as text in Chinese")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="write the md/html report to FILE instead of printing it")


def add_geojson(p, what: str) -> None:
    """``--geojson FILE`` on a command whose result is located (``result.to_geojson(FILE)``)."""
    p.add_argument("--geojson", default=None, metavar="FILE",
                   help=f"also write {what} as GeoJSON (RFC 7946, lon/lat) to FILE")


def write_geojson(args, result) -> None:
    """Write ``result.to_geojson(args.geojson)`` when ``--geojson`` was given; say so on
    stderr (stdout may carry the report or JSON)."""
    path = getattr(args, "geojson", None)
    if not path:
        return
    fc = result.to_geojson(path)
    print(f"GeoJSON written to {path} ({len(fc['features'])} features)", file=sys.stderr)


def mode(args) -> str:
    """``"text"``, ``"json"``, ``"md"`` or ``"html"``; sets ``args.json`` so the command's own
    text printing stays quiet for every mode but text."""
    fmt = getattr(args, "format", None) or ("json" if getattr(args, "json", False) else "text")
    if fmt == "text" and getattr(args, "lang", "en") == "zh":
        # the command's own text is English: --lang zh renders the report as text in Chinese
        args.format = fmt = "zhtext"
    args.json = fmt != "text"
    return fmt


def result_section(res, lang: str = "en", *, figures: bool = False, tables: bool = True,
                   county=None):
    """One result as a report section: its summary facts (and ``tables``: its own tables, or
    its small DataFrame fields), its map (``figures``; the full county map when ``county`` is
    given) and its own text summary (English reports)."""
    return _section(res, lang, figures, tables, county)


def _section(res, lang: str, figures: bool, tables: bool = True, county=None):
    from yingji._render import KeyValues, Pre, Section
    from yingji._render.display import frame_tables, map_block, summary_of

    s = summary_of(res, lang)
    facts = tuple(s["facts"])
    if not tables:  # a table's shape says nothing without the table
        facts = tuple(kv for kv in facts if not kv[1].endswith(("列", " values", "个值"))
                      and not kv[1].startswith("table "))
    blocks = [KeyValues(facts)]
    if tables:
        blocks += list(s.get("tables", ()))
        if not callable(getattr(res, "_summary_", None)) or s.get("frames"):  # the small tables too
            blocks += frame_tables(res, lang, skip=s.get("skip", ()))
    if figures:
        fig = map_block(res, lang, size=(8.6, 6.4), county=county, dpi=130)  # prints on A4
        if fig is not None:
            blocks.append(fig)
    summ = getattr(res, "summary", None)
    if callable(summ) and lang != "zh":  # a Chinese report says it all in its facts and tables
        blocks.append(Pre(str(summ())))
    return Section(s["title"], tuple(blocks))


def emit(args, title: str, county, results) -> int:
    """Render ``results`` (those not None) as one report in ``args.format``; write it."""
    from yingji._render import Doc, render
    from yingji._render.figures import have_matplotlib
    from yingji._render.messages import t

    lang = args.lang
    name = str(county.meta.get("name") or "") if county is not None else ""
    secs = tuple(_section(r, lang, args.format == "html" and have_matplotlib(), county=county)
                 for r in results if r is not None)
    import datetime as _dt

    doc = Doc(f"{title}: {name}" if name else title, secs,
              ((t("generated", lang), _dt.datetime.now().isoformat(sep=" ", timespec="seconds")),),
              lang=lang)
    text = render(doc, "text" if args.format == "zhtext" else args.format)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"report written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0
