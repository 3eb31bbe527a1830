"""No English left in a Chinese report: every report and command output rendered with
``--lang zh`` (demo, check, plan, each domain command's assess and plan, Markdown and HTML) may
hold ASCII letters only in the tokens of an allow-list — ids, units, standard and EPSG codes,
file names, numbers and dates, the program's and the county's names. An allow-list rather than
a list of known English words, so new English is caught.

The whole matrix runs under ``-m slow`` (the demo alone takes about a minute); the default run
keeps the two domain commands whose tables had most English (rescue teams, supplies) and the
checker's own control.
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import pytest

from yingji import cli

#: Tokens (maximal runs of ASCII letters, digits and ``_.-/:``, starting with a letter) allowed in
#: a Chinese report.
ALLOWED = [
    r"[A-Z]{1,4}\d+(?:[-.][A-Z]*\d+)*(?:\.\.[A-Z]*\d+(?:-\d+)*)?",  # ids: S1-145, D0130, S3-016..S3-020
    r"[A-Z]{1,4}\d+-[A-Z]{2,4}\d+",  # unit ids: S1-RES1
    r"NEW-[A-Z]+\d+-[a-z_]+",  # a team at a new base (NEW-C43-rail_transit: base and skill ids)
    r"(?:km|m|cm|mm|kg|L|t)",  # units (km², m², m³: the sign is not a letter)
    r"EPSG:\d+", r"(?:GB|GB/T|NFPA|JGJ|CJJ)",  # coordinate systems, standard codes
    r"[\w.-]+\.(?:csv|toml|json|geojson|xlsx|gpkg|shp|png|svg|html|md|txt)",  # file names
    r"T\d\d:\d\d(?::\d\d)?(?:\+\d\d:\d\d)?",  # the time of an ISO date-time (2026-12-07T14:43:41)
    r"yingji", r"XX",  # the program; the sample county's name (XX县)
]
#: Rule-set ids (the names of the shipped rule files, e.g. county-plan-2020): ids too.
ALLOWED += [re.escape(p.name.split(".")[0]) for p in
            (Path(cli.__file__).parent.parent / "compliance" / "rules").iterdir()
            if p.suffix in (".csv", ".toml")]
_ALLOWED = re.compile("(?:" + "|".join(ALLOWED) + r")\Z")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_./:\-]*")


def visible_text(page: str, fmt: str) -> str:
    """The text a reader sees: HTML less its markup, styles, scripts and figures (their text is
    drawn as paths); Markdown as it is."""
    if fmt != "html":
        return page
    s = re.sub(r"<(style|script|svg)\b.*?</\1>", " ", page, flags=re.S | re.I)
    s = re.sub(r"<!DOCTYPE[^>]*>|<!--.*?-->", " ", s, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", s))


def english(page: str, fmt: str) -> list[str]:
    """The tokens of ``page`` that the allow-list does not know (each once, in order)."""
    seen = []
    for tok in _TOKEN.findall(visible_text(page, fmt)):
        tok = tok.rstrip(".:-/")
        if tok and not _ALLOWED.match(tok) and tok not in seen:
            seen.append(tok)
    return seen


_SCI = re.compile(r"(?<![A-Za-z])\d(?:\.\d+)?[eE][+-]?\d")


def solver_log(page: str, fmt: str) -> list[str]:
    """What reads like a solver log in ``page``: ``<=``/``>=`` (reports print ≤/≥) and numbers in
    scientific notation."""
    text = visible_text(page, fmt)
    return re.findall(r"<=|>=", text) + _SCI.findall(text)


def test_the_checker_catches_english_and_passes_ids_units_codes():
    page = ("<html><head><style>body{font-family:x}</style></head><body><h1>消防站</h1>"
            "<td>S1-145</td><td>D0130</td><td>12 km²</td><td>EPSG:4547</td><td>GB 51080-2015</td>"
            "<td>S3-016..S3-020</td><td>county.toml</td><td>2026-12-07T14:43:41</td>"
            "<svg><text>English in a figure</text></svg><td>hazard</td><td>crew_short</td>"
            "<p>Prepositioning</p></body></html>")
    assert english(page, "html") == ["hazard", "crew_short", "Prepositioning"]
    assert english("| S1 | count | 人 |", "md") == ["count"]
    assert solver_log("1.909e+04 <= 500 m; 3 ≤ 4; D0130", "md") == ["<=", "1.909e+0"]


def _run(capsys, argv) -> str:
    rc = cli.main(argv)
    assert rc in (0, 1)  # `check` exits 1 when a rule fails
    return capsys.readouterr().out


def _demo(capsys, fmt) -> str:
    import io

    buf = io.StringIO()
    cli.run_demo(fmt=fmt, lang="zh", out=buf)
    return buf.getvalue()


_FAST = [("teams", ["teams", "--plan", "--time-limit", "20"]),
         ("supplies", ["supplies", "--scenarios", "3", "--time-limit", "20"])]
_SLOW = [("check", ["check"]), ("plan", ["plan", "--time-limit", "20"]),
         ("fire assess", ["fire", "assess"]), ("fire plan", ["fire", "plan", "--time-limit", "20"]),
         ("shelters", ["shelters"]),
         ("shelters plan", ["shelters", "--plan", "--curve", "0", "--time-limit", "20"]),
         ("simulate", ["simulate", "--hours", "200", "--replications", "2"])]


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("name, argv", _FAST + [pytest.param(*c, marks=pytest.mark.slow)
                                                for c in _SLOW])
def test_chinese_command_output_has_no_english(name, argv, fmt, capsys):
    if fmt == "html":
        pytest.importorskip("matplotlib")
    out = _run(capsys, argv + ["--format", fmt, "--lang", "zh"])
    assert out.strip() and re.search(r"[\u4e00-\u9fff]", out)
    assert english(out, fmt) == [], name
    assert solver_log(out, fmt) == [], name


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_chinese_demo_has_no_english(fmt, capsys):
    out = _demo(capsys, fmt)
    assert english(out, fmt) == [] and solver_log(out, fmt) == []
