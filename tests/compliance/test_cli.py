"""``yingji check`` / ``yingji assess``: formats, --out and exit codes (0 pass, 1 fail, 2 bad input)."""

from __future__ import annotations

import json

import pytest

from yingji import cli
from yingji.cli import compliance as ccli  # noqa: F401

pytest.importorskip("yingji.datasets")
from yingji.datasets import sample_county_path  # noqa: E402

RULES_PASS = "id,metric,operator,threshold,unit\nU-1,county_leading_group_exists,exists,true,bool\n"
RULES_FAIL = "id,metric,operator,threshold,unit\nU-1,open_issue_count,==,0,count\n"
RULES_MISSING = "id,metric,operator,threshold,unit\nU-1,no_such_figure,>=,1,count\n"


@pytest.fixture(scope="module")
def county_path():
    p = sample_county_path()
    if not (p / "county.toml").is_file():
        pytest.skip("sample county data not present")
    return str(p)


def _write(tmp_path, text, name="r.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_exit_codes(tmp_path, county_path, capsys):
    base = [county_path, "--no-computed", "--as-of", "2020-12-31"]
    assert cli.main(["check", *base, "--rules", _write(tmp_path, RULES_PASS)]) == 0
    assert cli.main(["check", *base, "--rules", _write(tmp_path, RULES_FAIL)]) == 1
    assert cli.main(["check", *base, "--rules", _write(tmp_path, RULES_MISSING)]) == 0
    assert cli.main(["check", *base, "--strict", "--rules", _write(tmp_path, RULES_MISSING)]) == 1
    capsys.readouterr()
    # bad input: 2, with the reason on stderr
    assert cli.main(["check", *base, "--rules", _write(tmp_path, "id,metric\nA,b\n")]) == 2
    assert "lacks the required column" in capsys.readouterr().err
    assert cli.main(["check", str(tmp_path / "nowhere"), "--no-computed"]) == 2
    assert "no county at" in capsys.readouterr().err
    assert cli.main(["check", *base, "--as-of", "someday"]) == 2
    assert cli.main(["check", county_path, "--county", str(tmp_path), "--no-computed"]) == 2
    assert cli.main(["check", *base, "--rules", "no-such-set"]) == 2
    # the failing rule excluded as not applicable: exit 0
    fail = _write(tmp_path, RULES_FAIL)
    assert cli.main(["check", *base, "--rules", f"county-plan-2020,{fail}",
                     "--exclude", "U-1,S1-166,S1-096"]) == 1
    assert cli.main(["check", *base, "--rules", fail, "--exclude", "U-1"]) == 0
    assert cli.main(["check", *base, "--rules", fail, "--exclude", "X-9"]) == 2


def test_formats_and_out(tmp_path, county_path, capsys):
    base = ["check", county_path, "--no-computed", "--as-of", "2020-12-31"]
    cli.main([*base, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "yingji.compliance.report" and doc["counts"]["total"] == 177
    assert doc["county"] == "XX县"
    out = tmp_path / "rep.md"
    rc = cli.main([*base, "--format", "md", "--lang", "zh", "--out", str(out)])
    assert doc["counts"]["fail"] > 0 and rc == 1
    assert out.read_text(encoding="utf-8").startswith("# 合规检查报告: XX县")
    cli.main([*base, "--format", "html", "--out", str(tmp_path / "r.html")])
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    cli.main([*base])
    table = capsys.readouterr().out
    assert table.startswith("Compliance report: XX县") and "S1-177" in table
    # 'assess' is the same command (issue 11's name) and prints the same document
    cli.main(["assess", county_path, "--no-computed", "--as-of", "2020-12-31", "--format", "json"])
    doc2 = json.loads(capsys.readouterr().out)
    assert doc2["rules"] == doc["rules"]


def test_demo_section_registered():
    titles = [s.title for s in cli.DEMO_SECTIONS]
    assert any(t.startswith("Compliance") for t in titles)


def test_assess_json_is_the_report_document(county_path, capsys):
    """``yingji assess PATH --format json`` prints ``check(county).to_dict()`` (issue 11 contract)."""
    from yingji.compliance import check
    from yingji.county import County

    cli.main(["assess", county_path, "--no-computed", "--as-of", "2020-12-31", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    rep = check(County.load(county_path), as_of="2020-12-31", computed=False)
    want = json.loads(rep.to_json())
    volatile = {"generated_at", "seconds"}
    assert set(doc) == set(want)
    assert {k: v for k, v in doc.items() if k not in volatile} == \
        {k: v for k, v in want.items() if k not in volatile}
