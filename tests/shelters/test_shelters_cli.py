"""`yingji shelters PATH` and the demo section."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from yingji.cli import COMMANDS, DEMO_SECTIONS, main


def test_registered():
    assert any(c.name == "shelters" for c in COMMANDS)
    assert any(s.title.startswith("Shelters") for s in DEMO_SECTIONS)


def test_cli_json_and_map(line_county, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "county"
    try:
        line_county.save(folder)
    except Exception as exc:  # pragma: no cover - depends on the county module
        pytest.skip(f"County.save failed: {exc}")
    png = tmp_path / "map.png"
    rc = main(["shelters", str(folder), "--plan", "--curve", "1", "--json", "--map", str(png)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["assessment"]["reachable_per_capita_m2"] == pytest.approx(3.45)
    assert out["plan"]["new_shelters"] == []
    assert png.stat().st_size > 0


def test_cli_text(line_county, tmp_path, capsys):
    folder = tmp_path / "county"
    try:
        line_county.save(folder)
    except Exception as exc:  # pragma: no cover - depends on the county module
        pytest.skip(f"County.save failed: {exc}")
    assert main(["shelters", str(folder), "--norms", "GB50413"]) == 0
    text = capsys.readouterr().out
    assert "within walking reach" in text and "S4-010" in text and "township" in text


def test_demo_section(line_county):
    sec = next(s for s in DEMO_SECTIONS if s.title.startswith("Shelters"))
    sh = line_county.shelters.copy()
    sh.loc["s1", "area_m2"] = 1500.0
    from types import SimpleNamespace as NS

    county = NS(demand=line_county.demand, shelters=sh, candidates=line_county.candidates,
                network=line_county.network)
    from yingji._render import blocks_text

    text = blocks_text(sec.func(county, SimpleNamespace(full=False, time_limit=30.0)))
    assert "county-wide" in text and "New shelters" in text and "c0" in text


def test_cli_sample_county(capsys):
    try:
        import yingji as yj

        yj.datasets.sample_county()
    except Exception as exc:  # pragma: no cover - the sample county is package data
        pytest.skip(f"sample county not available: {exc}")
    assert main(["shelters", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    a = out["assessment"]
    assert 0 < a["reachable_per_capita_m2"] <= a["per_capita_m2"]
