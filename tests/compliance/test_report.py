"""Rendering: summary, Markdown, self-contained HTML, plots."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from naive_compliance import make_county

from yingji.compliance import report as R
from yingji.compliance import check
from yingji.exceptions import ValidationError

AS_OF = dt.date(2021, 1, 1)


@pytest.fixture
def rep(small_county, builtin_only):
    small_county.indicators = pd.DataFrame(
        {"metric": ["work_safety_accidents_major_plus_count", "township_leading_group_coverage",
                    "credit_punishment_domain_count", "em_platform_domain_count"],
         "value": [1, 100, 4, "5"]})
    return check(small_county, rules="county-plan-2020,shelters", as_of=AS_OF)


def test_summary_en_zh(rep):
    s = rep.summary()
    assert s.startswith("Compliance report: Test县, As of 2021-01-01")
    assert "Fix first: S1-002" in s
    assert "(value " in s and "; threshold " in s
    z = rep.summary("zh")
    assert z.startswith("合规检查报告: Test县") and "优先整改: S1-002" in z and "达标" in z and "(数值 " in z
    ok = check(make_county([("m", 1)]), rules=pd.DataFrame(
        [{"id": "A", "metric": "m", "operator": ">=", "threshold": "1"}]), as_of=AS_OF)
    assert ok.summary().endswith("No rule fails.")
    with pytest.raises(ValidationError, match="'lang' parameter of the report must be one of"):
        rep.summary("fr")


def test_markdown(rep):
    md = rep.to_markdown()
    assert md.startswith("# Compliance report: Test县")
    assert "## By task area" in md and "## Fix first" in md and "## All rules" in md
    assert "### Emergency rescue (应急救援)" in md
    n_missing = rep.counts["missing"]
    assert f"## Missing figures ({n_missing})" in md
    # every rule appears once in the details, tables are well formed
    for rid in rep.to_frame()["rule_id"]:
        assert f"| {rid} |" in md
    for line in md.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")
    # "|" inside a cell is escaped; merged sources show both clauses
    assert "三(四)14 \\| GB 21734-2008 5.4" in md
    zh = rep.to_markdown("zh", details=False)
    assert "## 优先整改" in zh and "## 全部规则" not in zh and "可信度" in zh


def test_markdown_ranks_and_formats(rep):
    md = rep.to_markdown()
    fix = md.split("## Fix first")[1].split("## All rules")[0]
    rows = [ln for ln in fix.splitlines() if ln.startswith("| S")]
    assert rows[0].startswith("| S1-002 |")  # veto 'unknown' first
    assert "| = 0 | per year | 1 | unknown |" in rows[0]  # no percentage of a zero target
    assert any("| 1 (20%) |" in r for r in rows)  # S1-121: 4 of 5


def test_html_self_contained(rep):
    h = rep.to_html(plots=False)
    assert h.startswith("<!DOCTYPE html>") and h.rstrip().endswith("</html>")
    assert '<meta charset="utf-8"/>' in h
    assert not re.search(r'(src|href)="(https?:)?//', h)  # nothing loaded from outside
    assert "<img" not in h
    assert h.count("<table>") >= 3
    assert 'class="s-fail"' in h
    assert f"Missing figures ({rep.counts['missing']})" in h
    assert "S1-002" in h
    zh = rep.to_html("zh", plots=False)
    assert 'lang="zh-CN"' in zh and "合规检查报告" in zh


def test_html_escapes(one_rule):
    rules = one_rule(name_en="<script>alert(1)</script>", clause="a & b")
    h = check(make_county([("m_x", 1)]), rules=rules, as_of=AS_OF).to_html(plots=False)
    assert "<script>" not in h and "&lt;script&gt;" in h and "a &amp; b" in h


def test_format_value():
    assert R.format_value(None) == "—"
    assert R.format_value(True) == "yes" and R.format_value(False, "zh") == "否"
    assert R.format_value(3.0) == "3" and R.format_value(0.6774557) == "0.6775"
    assert R.format_value(float("inf")) == "∞" and R.format_value(float("nan")) == "—"
    assert R.format_value(7) == "7" and R.format_value("x") == "x"


def test_plots_and_html_figures(rep, small_county):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    ax = R.plot_report(rep, kind="areas", ax=Figure().subplots())
    assert ax.get_title() and len(ax.patches) > 0
    ax = R.plot_report(rep, kind="margins", ax=Figure().subplots())
    assert len(ax.patches) == int(rep.to_frame()["margin"].notna().sum())
    ax = R.plot_county_map(small_county, ax=Figure().subplots(), report=rep)
    assert "Test" in ax.get_title()
    with pytest.raises(ValidationError, match="'kind' parameter of plot_report"):
        R.plot_report(rep, kind="pie", ax=Figure().subplots())
    extra = Figure()
    extra.subplots().plot([1, 2], [0.5, 0.9])
    h = rep.to_html(county=small_county, figures=[("Trade-off curve", extra)])
    assert h.count("<figure>") == 4  # areas, margins, map, the extra curve
    assert h.count("<svg ") == 4 and "Trade-off curve" in h  # inline SVG, no external file
    import matplotlib.pyplot as plt

    ax = rep.plot()  # pyplot figure when no axes are given
    plt.close(ax.figure)


def test_without_matplotlib(rep, monkeypatch):
    monkeypatch.setattr(R, "_matplotlib", lambda: None)
    with pytest.raises(ImportError, match=r"plotting needs matplotlib: pip install 'yingji\[plot\]'"):
        R.plot_report(rep)
    with pytest.raises(ImportError, match="plotting needs matplotlib"):
        R.plot_county_map(make_county([]))
    h = rep.to_html()
    assert "<img" not in h and "<svg" not in h and "</html>" in h
