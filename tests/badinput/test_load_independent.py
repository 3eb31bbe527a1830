"""Default calls give the same figures on an idle and a loaded machine (issue 18): every piece of
``yingji demo`` and each domain plan/assess call runs with its default settings, then again
with the clock running 3 times faster (every deadline expires 3 times sooner: a machine loaded
3-fold), and the figures are compared.

Slow (the sample county, a few minutes on 2 cores). Within its time limit every solve is
deterministic: HiGHS runs with the same options and its own deterministic work caps
(``yingji.config.WORK_LIMITS``: branch-and-bound nodes, simplex iterations), heuristics are seeded
and bounded by iterations, never by the clock, and a time limit is split among the phases of a
call only where it can bite. The default limits (60 s) are a safety net: when the clock does
bite (a 40-fold load here), the result says so (``status="time_limit"`` or a note, and a
warning for the shelter curve), never a silently shorter answer.
"""

from __future__ import annotations

import argparse
import re
import warnings

import pytest

import yingji as yj
from badinput.slow_clock import figures, install

pytestmark = pytest.mark.slow

#: how much slower the loaded machine is
LOAD = 3.0

# --------------------------------------------------------------------------- domain calls
CALLS = {
    "fire.assess": lambda c: yj.fire.assess(c),
    "fire.plan": lambda c: yj.fire.plan(c),
    "fire.plan(tradeoff)": lambda c: yj.fire.plan(c, tradeoff=True),
    "fire.place_apparatus": lambda c: yj.fire.place_apparatus(c, engines=4, ladders=2),
    "shelters.assess": lambda c: yj.shelters.assess(c),
    "shelters.plan": lambda c: yj.shelters.plan(c),
    "teams.allocate": lambda c: yj.teams.allocate(c),
    "teams.plan_bases": lambda c: yj.teams.plan_bases(c),
    "supplies.assess": lambda c: yj.supplies.assess(c),
    "supplies.preposition": lambda c: yj.supplies.preposition(c, yj.supplies.sample_scenarios(c, 5, 0)),
    "compliance.check": lambda c: yj.compliance.check(c),
    "simulation.simulate": lambda c: yj.simulation.simulate(c),
    "planning.plan": lambda c: yj.planning.plan(c),
    # the demo's plan section: its settings, with the section's 90 s limit (cli/planning.py)
    "planning.plan(demo)": lambda c: yj.planning.plan(c, time_limit=72, seed=0, n_scenarios=3,
                                                      shelter_curve_points=0),
}


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_default_call_same_figures_when_loaded(county, name, monkeypatch):
    idle = figures(CALLS[name](county))
    install(monkeypatch, LOAD)
    assert figures(CALLS[name](county)) == idle


# --------------------------------------------------------------------------- demo sections
#: run times printed in the demo text ("computed in 1.02 s", "seconds 1.5 s", "(assignment,
#: 808 ms)", a time column "1.9 s") are not figures; nor are the widths of the table columns
#: they sit in (runs of spaces and of rule characters are collapsed)
_TIMES = re.compile(r"\d[\d,.]*\s*(?:ms|s|秒)\b|\d[\d,.]*\s*(?:ms|s|秒)$", re.M)
_WIDTHS = re.compile(r"[ \t]+|[-=─━]{3,}")


def _demo_sections():
    from yingji.cli import _registry, load_sections

    load_sections()
    return {s.title: s for s in _registry.DEMO_SECTIONS}


def _section_text(sec, county, time_scale=1.0):
    from yingji.report.demo import section_text

    args = argparse.Namespace(full=False, time_limit=float(sec.time_limit), lang="en", figures=False)
    content = sec.func(county, args)
    text = content if isinstance(content, str) else section_text(content, "en")
    return _WIDTHS.sub(lambda m: " " if m.group(0)[0] in " \t" else "---", _TIMES.sub("<time>", text))


@pytest.mark.parametrize("title", sorted(_demo_sections()))
def test_demo_section_same_text_when_loaded(county, title, monkeypatch):
    sec = _demo_sections()[title]
    idle = _section_text(sec, county)
    install(monkeypatch, LOAD)
    assert _section_text(sec, county) == idle


def test_shelter_curve_cut_by_the_clock_is_reported(county, monkeypatch):
    full = yj.shelters.plan(county, time_limit=60)
    install(monkeypatch, 40.0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        p = yj.shelters.plan(county, time_limit=60)
    if figures(p) != figures(full):
        assert p.status == "time_limit"
        assert any("trade-off point" in str(w.message) for w in rec)
