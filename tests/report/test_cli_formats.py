"""The domain commands' ``--format md|html|json`` and ``--lang``: one renderer for all of them."""

from __future__ import annotations

import json

import pytest

from yingji import cli


def test_teams_markdown_in_chinese(capsys):
    assert cli.main(["teams", "--format", "md", "--lang", "zh", "--time-limit", "20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 救援队伍: XX县")
    assert "- 求解状态: **最优**" in out and "| 危险源 | 队伍 | 职责 |" in out
    assert "非煤矿山" in out and "| 主责 |" in out  # skills and roles through the term catalogue
    # what the English summary said (per-skill breakdown, gaps by reason) is in the facts and
    # tables; the English text itself is left out of a Chinese report
    assert "各专业危险源按时到达情况" in out and "完全保障的危险源" in out and "人员不足" in out
    assert "Rescue teams:" not in out and "求解器输出摘要" not in out


def test_fire_assess_html_report_to_a_file(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    f = tmp_path / "fire.html"
    assert cli.main(["fire", "assess", "--format", "html", "--out", str(f)]) == 0
    assert str(f) in capsys.readouterr().out
    html = f.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<table" in html
    assert "Fire stations (GB 51080-2015): XX县" in html and "km²" in html


def test_format_json_is_the_json_flag(capsys):
    assert cli.main(["fire", "assess", "--format", "json"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert cli.main(["fire", "assess", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a.keys() == b.keys() and a["coverage_share"] == b["coverage_share"]


def test_bad_format_is_refused(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["shelters", "--format", "pdf"])
    assert e.value.code == 2 and "pdf" in capsys.readouterr().err


def test_shelters_plan_report_and_text(capsys):
    assert cli.main(["shelters", "--plan", "--curve", "0", "--format", "md", "--lang", "zh",
                     "--time-limit", "20"]) == 0
    out = capsys.readouterr().out
    assert "## 应急避难场所评估" in out and "## 应急避难场所规划" in out and "m²/人" in out
    assert cli.main(["shelters", "--plan", "--curve", "0", "--time-limit", "20"]) == 0
    text = capsys.readouterr().out
    assert "Shelter plan" in text and not text.startswith("#")


def test_demo_teams_and_supplies_sections_are_report_blocks(capsys):
    import io

    buf = io.StringIO()
    cli.run_demo(sections=["Rescue teams", "Emergency supplies"], fmt="md", lang="zh", out=buf)
    md = buf.getvalue()
    for title in ("救援队伍调配", "救援队伍驻地规划", "应急物资评估", "应急物资预置方案"):
        assert title in md
    assert "- 求解状态: **最优**" in md and "万元" in md and "行 × " not in md


def test_lang_zh_with_the_default_text_format_prints_chinese(capsys):
    assert cli.main(["fire", "assess", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "消防站评估" in out and "按时到达人口" in out and not out.lstrip().startswith("{")


def test_chinese_fire_facts_carry_rural_busy_and_unconfirmed(capsys):
    """What the English solver summary says (rural reach, busy engines, unconfirmed thresholds)
    is also in the Chinese facts, not only in the English block."""
    assert cli.main(["fire", "assess", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "农村人口按时到达" in out and "计入出动占用的按时到达" in out and "未经确认的阈值" in out
