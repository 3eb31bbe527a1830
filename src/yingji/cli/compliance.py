"""``yingji check`` (alias ``yingji assess``) and the compliance section of ``yingji demo``.

Faces layer: listed in :data:`yingji.cli.SECTION_MODULES`; it calls :mod:`yingji.compliance`.

Exit codes of ``yingji check``: 0 when no rule fails, 1 when a rule fails (a missing value
counts as a failure only with ``--strict``), 2 for bad input (unreadable county or rules
file, invalid rules, bad indicator values, bad arguments).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yingji.cli._registry import COMMANDS, command, demo_section, seconds
from yingji.exceptions import YingjiError

FORMATS = ("table", "md", "html", "json")


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="county folder or JSON file (default: the sample county)")
    p.add_argument("--county", metavar="PATH", help="same as PATH")
    p.add_argument("--rules", default="county-plan-2020", metavar="SET[,SET]",
                   help="rule sets: county-plan-2020, national-2019, GB51080, NFPA1710, "
                        "shelters, supplies, all, or a .csv/.toml rules file "
                        "(default county-plan-2020)")
    p.add_argument("--as-of", metavar="DATE", help="judge deadlines on this date (YYYY-MM-DD; "
                                                   "default today)")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="label language")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE (default stdout)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 also when a rule's value is missing")
    p.add_argument("--no-computed", action="store_true",
                   help="use reported indicators only (no model-computed metrics)")
    p.add_argument("--exclude", metavar="ID[,ID]", default="",
                   help="rule ids that do not apply to this county (left out of the report)")
    p.add_argument("--time-limit", type=seconds, default=300.0, metavar="S",
                   help="seconds for all computed metrics together (default 300)")


def _table(rep, lang: str) -> str:
    import pandas as pd

    from yingji.report import format_value

    f = rep.to_frame()
    cols = pd.DataFrame({
        "rule": f["rule_id"], "status": f["status"],
        "value": [format_value(v, lang) for v in f["value"]],
        "threshold": [("exists" if o == "exists" else f"{o} {format_value(t, lang)}")
                      for o, t in zip(f["operator"], f["threshold"])],
        "unit": f["unit"], "basis": f["basis"].fillna("-"), "veto": f["veto"],
        "confidence": f["confidence"], "source": f["source"],
    })
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        return rep.summary(lang=lang) + "\n\n" + cols.to_string(index=False) + "\n"


def render(rep, fmt: str, lang: str = "en", county=None) -> str:
    """The report as text in one of :data:`FORMATS`."""
    if fmt == "json":
        return rep.to_json(indent=2) + "\n"
    if fmt == "md":
        return rep.to_markdown(lang=lang)
    if fmt == "html":
        return rep.to_html(lang=lang, county=county)
    return _table(rep, lang)


def _run(args) -> int:

    from yingji.compliance import check

    path = args.path or args.county
    if args.path and args.county and args.path != args.county:
        print("yingji check: give the county either as PATH or with --county, not both",
              file=sys.stderr)
        return 2
    try:
        from yingji.datasets import read_county

        county = read_county(path, func="yingji check", param="PATH")
        rep = check(county, rules=args.rules, as_of=args.as_of,
                    computed=not args.no_computed, time_limit=args.time_limit,
                    exclude=[e.strip() for e in args.exclude.split(",") if e.strip()] or None)
        text = render(rep, args.format, args.lang, county=county)
    except (YingjiError, ValueError, OSError) as exc:
        print(f"yingji check: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return rep.exit_code(strict=args.strict)


_DESCRIPTION = (
    "Check a county against rule sets (the county plan's targets, the national evaluation "
    "rules, GB 51080 / 建标152, NFPA 1710, shelter and supply norms) from its reported "
    "indicators and model-computed metrics. Exit codes: 0 no rule fails; 1 a rule fails "
    "(missing values count with --strict); 2 bad input.")

command("check", "check a county against the compliance rules (exit 1 if a rule fails)",
             _add_arguments, description=_DESCRIPTION)(_run)
if not any(c.name == "assess" for c in COMMANDS):
    command("assess", "the compliance report of a county (same as 'check')",
                 _add_arguments, description=_DESCRIPTION)(_run)


@demo_section("Compliance with the county plan (县创城实施方案) and the standards",
              time_limit=90, order=900, key="demo_compliance")
def _demo_compliance(county, args):
    from yingji._render import Para
    from yingji._render.messages import t
    from yingji.compliance import check
    from yingji.compliance.report import document

    lang = getattr(args, "lang", "en")
    tl = max(float(getattr(args, "time_limit", 60.0)) - 15.0, 5.0)
    rep = check(county, rules="all", time_limit=tl)
    doc = document(rep, lang, plots=bool(getattr(args, "figures", False)), details=False)
    keep = [s for s in doc.sections if s.title != t("figures", lang)
            and not s.title.startswith(t("missing_list", lang))]
    comp = rep.to_frame()
    n_comp = int((comp["basis"] == "computed").sum())
    disc = list(comp.loc[comp["discrepancy"], "rule_id"])
    keep.append(Para(t("computed_note", lang, n=n_comp, d=len(disc))
                     + (f" ({', '.join(disc)})" if disc else ""), "note"))
    return keep
