"""The demo, check and plan reports in a real browser (headless Chromium).

Each page must load without console errors, every figure must be present and drawn, and no
text may overflow its box, in English and in Chinese. Skipped (with the reason) only when no
Chromium is installed: ``.ci/run`` installs Debian's ``chromium`` when it is missing.
"""

from __future__ import annotations

import io

import pytest
from report_browser import check_page, chromium

import yingji as yj
from yingji import cli

pytestmark = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed "
                                "(apt-get install -y chromium; .ci/run does it)")


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


def _assert_clean(found: dict, n_figures: int) -> None:
    assert found["console_errors"] == []
    assert found["blank"] == [], found
    assert found["overflow"] == [], found
    assert found["images"] + found["svgs"] >= n_figures, found


# English under -m slow (the default run keeps the default run quick; Chinese is the harder case)
@pytest.mark.parametrize("lang", [pytest.param("en", marks=pytest.mark.slow), "zh"])
def test_demo_report_in_chromium(lang, tmp_path):
    buf = io.StringIO()
    cli.run_demo(sections=["County", "Travel"], fmt="html", lang=lang, out=buf)
    html = buf.getvalue()
    found = check_page(html, tmp_path)
    _assert_clean(found, 1)  # the county map
    if lang == "zh":
        assert "县域概况" in html and "至最近消防站的行车时间" in html


@pytest.mark.parametrize("lang", [pytest.param("en", marks=pytest.mark.slow), "zh"])
def test_check_report_in_chromium(lang, county, tmp_path):
    rep = yj.compliance.check(county, rules="county-plan-2020", computed=False)
    html = rep.to_html(lang, county=county)
    found = check_page(html, tmp_path)
    _assert_clean(found, 3)  # areas, margins, the map


def test_plan_report_in_chromium(county, tmp_path):
    p = yj.planning.plan(county, parts=["fire"], time_limit=10)
    html = p.to_html(lang="zh", county=county)
    found = check_page(html, tmp_path)
    _assert_clean(found, 2)  # the map, the trade-off curve
    assert "县域应急规划" in html


def test_the_check_sees_a_problem(tmp_path):
    """The in-page check is not blind: a blank figure and an overflowing cell are caught."""
    html = ("<!DOCTYPE html><html><body><figure><svg width='10' height='10'></svg></figure>"
            "<div style='width:40px;overflow:hidden;white-space:nowrap'>"
            "a long line that cannot fit in forty pixels</div>"
            "<script>console.error('boom')</script></body></html>")
    found = check_page(html, tmp_path)
    assert found["blank"] == ["svg#0"]
    assert len(found["overflow"]) == 1 and "a long line" in found["overflow"][0]
    assert any("boom" in ln for ln in found["console_errors"])


def test_domain_command_report_in_chromium(tmp_path, capsys):
    """A domain command's report (``yingji fire plan --format html --lang zh``) loads clean."""
    f = tmp_path / "fire.html"
    assert cli.main(["fire", "plan", "--format", "html", "--lang", "zh", "--time-limit", "20",
                     "--out", str(f)]) == 0
    capsys.readouterr()
    html = f.read_text(encoding="utf-8")
    found = check_page(html, tmp_path)
    _assert_clean(found, 1)  # the plan's map
    assert "消防站规划" in html and "一级站" in html


def test_demo_shelter_and_simulation_sections_in_chromium(tmp_path):
    """The shelter and simulation sections are tables, facts and a map (no preformatted text),
    and the wide simulation and dispatch tables fit the page."""
    buf = io.StringIO()
    cli.run_demo(sections=["Shelters (GB", "Simulated"], fmt="html", lang="zh", out=buf)
    html = buf.getvalue()
    found = check_page(html, tmp_path)
    _assert_clean(found, 1)  # the shelter map
    assert "<pre" not in html
    assert "现有应急避难场所" in html and "90%分位响应时间" in html and "调度示例" in html


# the domain commands' html reports: the same checks (the simulation's 12-column table used to
# push the page wider than the window; fire and shelter maps must be drawn)
@pytest.mark.parametrize("argv, n_figures", [
    (["simulate", "--hours", "200", "--replications", "2"], 0),
    pytest.param(["fire", "assess"], 1, marks=pytest.mark.slow),
    pytest.param(["fire", "plan", "--time-limit", "20"], 1, marks=pytest.mark.slow),
    pytest.param(["shelters", "--plan", "--curve", "0", "--time-limit", "20"], 2,
                 marks=pytest.mark.slow),
    pytest.param(["teams", "--plan", "--time-limit", "20"], 0, marks=pytest.mark.slow),
    pytest.param(["supplies", "--scenarios", "3", "--time-limit", "20"], 0,
                 marks=pytest.mark.slow)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_domain_command_reports_in_chromium(argv, n_figures, lang, tmp_path, capsys):
    if n_figures:
        pytest.importorskip("matplotlib")
    assert cli.main(argv + ["--format", "html", "--lang", lang]) == 0
    html = capsys.readouterr().out
    _assert_clean(check_page(html, tmp_path), n_figures)
