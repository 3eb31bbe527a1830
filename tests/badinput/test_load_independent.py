"""Default calls give the same figures on an idle and a loaded machine (issue 18): each demo
piece runs with its default settings, then again with the clock running k times faster (every
deadline expires k times sooner: a machine loaded k-fold), and the figures are compared.

Slow (the sample county, a few minutes on 2 cores). Within its time limit every solve is
deterministic (HiGHS with the same options; heuristics seeded and bounded by iterations), so
the figures can only move when the wall clock bites; the default limits (60 s) are a safety net
about 3 times the work of the sample county's pieces. When the clock does bite (8-fold load),
the result says so: ``status="time_limit"`` and a warning, never a silently shorter answer.
"""

from __future__ import annotations

import warnings

import pytest

import yingji as yj
from badinput.slow_clock import figures, install

pytestmark = pytest.mark.slow

PIECES = {
    "fire.plan": lambda c: yj.fire.plan(c, time_limit=60),
    "shelters.plan": lambda c: yj.shelters.plan(c, time_limit=60),
    "teams.plan_bases": lambda c: yj.teams.plan_bases(c, time_limit=60),
    # the demo's plan section: its settings, with the section's 90 s limit (cli/planning.py)
    "planning.plan": lambda c: yj.planning.plan(c, time_limit=72, seed=0, n_scenarios=3,
                                                shelter_curve_points=0),
}


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


@pytest.fixture(scope="module")
def idle(county):
    return {k: f(county) for k, f in PIECES.items()}


@pytest.mark.parametrize("name", sorted(PIECES))
def test_same_figures_when_loaded_twofold(county, idle, name, monkeypatch):
    install(monkeypatch, 2.0)
    assert figures(PIECES[name](county)) == figures(idle[name])


def test_shelter_curve_cut_by_the_clock_is_reported(county, idle, monkeypatch):
    install(monkeypatch, 8.0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        p = PIECES["shelters.plan"](county)
    full = idle["shelters.plan"]
    if figures(p) != figures(full):
        assert p.status == "time_limit"
        assert any("trade-off point" in str(w.message) for w in rec)
