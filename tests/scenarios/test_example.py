"""The hazard-scenario example runs (slow: the whole sample county, every domain)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest


@pytest.mark.slow
def test_hazard_scenarios_example_runs(capsys):
    runpy.run_path(str(Path(__file__).resolve().parents[2] / "examples" / "hazard_scenarios.py"))
    out = capsys.readouterr().out
    assert "plume" in out and "in-scope population reached" in out
