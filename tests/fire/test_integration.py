"""fire in the product: compliance metrics, the demo section and the CLI."""

from __future__ import annotations

import argparse
import json
import math

import pytest

import yingji as yj


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


def test_metrics_registered(county):
    from yingji.compliance.metrics import get_metric

    a = yj.fire.assess(county)
    edge = get_metric("fire_response_edge_minutes")
    assert edge.module == "yingji.compliance.domain_metrics"
    assert edge.func(county) == pytest.approx(a.travel_percentile + 1.0)
    area = get_metric("fire_district_area_standard_km2").func(county)
    inner = a.stations[~a.stations["urban_edge"] & a.stations["has_district"]]
    assert area == pytest.approx(inner["area_km2"].max())
    assert get_metric("district_area_suburban_km2").func(county) == pytest.approx(
        a.stations.loc[a.stations["urban_edge"], "area_km2"].max())
    assert get_metric("station_to_hazmat_m").func(county) == pytest.approx(a.stations["hazardous_m"].min())
    p90 = get_metric("first_engine_travel_s_p90").func(county)
    assert p90 == pytest.approx(yj.fire.assess(county, standard="NFPA1710").travel_percentile)
    assert math.isfinite(get_metric("company_staffing_min").func(county))


def test_metric_unavailable(county):
    from yingji.compliance.metrics import MetricUnavailable, get_metric

    with pytest.raises(MetricUnavailable, match="no such stations"):
        get_metric("district_area_class2_km2").func(county)


def test_demo_section(county):
    from yingji._render import blocks_text
    from yingji.cli import DEMO_SECTIONS

    sec = next(s for s in DEMO_SECTIONS if s.title.startswith("Fire stations"))
    secs = sec.func(county, argparse.Namespace(full=False, time_limit=60.0))
    text = blocks_text(secs)
    assert [s.title for s in secs[:2]] == ["Existing stations", "Plan"]
    assert "Before" in text and "After" in text and "New sites" in text and "yuan" in text


def test_cli_assess_json(capsys):
    from yingji.cli import main

    assert main(["fire", "assess", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["standard"] == "GB51080" and 0 <= out["coverage_share"] <= 1


def test_cli_plan_text(capsys):
    from yingji.cli import main

    assert main(["fire", "plan", "--budget", "2", "--no-area-limits", "--time-limit", "30"]) == 0
    out = capsys.readouterr().out
    assert "Fire plan (mclp" in out and "2 new station(s)" in out


def test_plan_plot(county):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    p = yj.fire.plan(county, budget=2, area_limits=False, tradeoff=False, time_limit=30)
    ax = p.plot()
    assert ax.get_title().startswith("Fire plan: 2 new station(s)")


def test_standard_none_takes_the_county_profile(county):
    a = yj.fire.assess(county, standard=None)
    assert a.standard.name == county.meta.get("standard", "GB51080")
