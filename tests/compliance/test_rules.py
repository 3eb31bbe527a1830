"""Rules as data: shipped sets, provenance, merges, deadlines, user files and their errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from yingji.compliance import rules as R
from yingji.compliance.rules import load_rules, merge_rules, parse_deadline, validate_rules
from yingji.exceptions import ValidationError

SHARED_RULES = Path(__file__).resolve().parents[3] / "shared" / "rules" / "rules.csv"

# ------------------------------------------------------------------ shipped sets


@pytest.mark.parametrize("name,n", [("county-plan-2020", 177), ("national-2019", 19),
                                    ("GB51080", 31), ("NFPA1710", 10), ("shelters", 40),
                                    ("supplies", 22)])
def test_shipped_set_sizes(name, n):
    # GB51080 has 32 rows; S3-003 and S3-014 (15 km2 edge district) merge into one
    assert len(load_rules(name)) == n
    assert len(load_rules(name, merge=False)) == (32 if name == "GB51080" else n)


def test_all_sets_and_provenance():
    r = load_rules("all", merge=False)
    assert len(r) == 300
    assert r["id"].is_unique
    assert (r["notes"] != "").all()
    assert r["origin"].str.match(r"^shared/rules/rules\.csv sha256:[0-9a-f]{16} line \d+$").all()
    # the README: 23 rows UNCONFIRMED (memory); every S1 row read from the plan itself
    assert (r["confidence"] == "UNCONFIRMED").sum() == 23
    assert (r.loc[r["id"].str.startswith("S1-"), "confidence"] == "SEED").all()
    assert set(r["confidence"]) <= set(R.CONFIDENCES)
    assert set(r["task_area"]) <= set(R.TASK_AREAS)
    # county plan task areas follow 三、工作任务 (一)-(五)
    s1 = r[r["rule_set"] == "county-plan-2020"].set_index("id")
    assert s1.at["S1-029", "task_area"] == "源头治理"
    assert s1.at["S1-051", "task_area"] == "风险防控"
    assert s1.at["S1-110", "task_area"] == "监督管理"
    assert s1.at["S1-145", "task_area"] == "应急救援"
    assert s1.at["S1-160", "task_area"] == "宣传"
    assert s1.at["S1-001", "task_area"] == "综合"
    nfpa = load_rules("NFPA1710")
    assert nfpa["clause"].str.startswith("NFPA").all()
    assert not load_rules("GB51080")["clause"].str.startswith("NFPA").any()


@pytest.mark.skipif(not SHARED_RULES.is_file(), reason="shared/rules/rules.csv not present")
def test_package_data_is_built_from_shared_table(tmp_path):
    counts = R.build_package_rules(SHARED_RULES, tmp_path)
    assert sum(counts.values()) == 300
    pkg = Path(R.__file__).parent / "rules"
    for fname in R.RULE_SETS.values():
        assert (tmp_path / fname).read_bytes() == (pkg / fname).read_bytes(), fname
    src = pd.read_csv(SHARED_RULES, dtype=str, keep_default_na=False)
    shipped = pd.concat([pd.read_csv(pkg / f, dtype=str, keep_default_na=False)
                         for f in R.RULE_SETS.values()]).set_index("id").loc[src["id"]]
    for col in src.columns.drop("id"):  # every source column kept unchanged
        assert (shipped[col].to_numpy() == src[col].to_numpy()).all(), col


def test_set_names_aliases_and_combinations():
    assert len(load_rules("county-plan")) == 177
    assert len(load_rules("nfpa")) == 10
    a = load_rules("county-plan-2020,shelters")
    b = load_rules(["county-plan-2020", "shelters"])
    assert list(a["id"]) == list(b["id"])
    assert len(a) == 177 + 40 - 1  # S1-145 and S4-001 merge
    # the same set twice is loaded once
    assert len(load_rules(["shelters", "shelters"])) == 40
    assert R.available_rule_sets() == list(R.RULE_SETS)
    assert len(load_rules("all,shelters")) == len(load_rules(["shelters", "all"])) == 297


def test_known_overlaps_merge():
    r = load_rules("all").set_index("id")
    assert r.at["S2-006", "merged_ids"] == "S2-006;S3-001"
    assert r.at["S2-006", "metric"] == "fire_response_edge_minutes"
    assert r.at["S2-006", "rule_set"] == "national-2019+GB51080"
    assert "GB 51080-2015 4.1.3-1" in r.at["S2-006", "citation"]
    assert r.at["S1-145", "merged_ids"] == "S1-145;S4-001"
    assert r.at["S1-145", "confidence"] == "CONFIRMED"  # best of SEED and CONFIRMED
    assert r.at["S3-003", "merged_ids"] == "S3-003;S3-014"
    assert "S3-001" not in r.index and "S4-001" not in r.index
    assert len(r) == 297
    # unmerged: every row kept, alias metric renamed but its source name kept
    u = load_rules("all", merge=False).set_index("id")
    assert u.at["S4-001", "metric"] == "shelter_area_per_capita"
    assert u.at["S4-001", "source_metric"] == "shelter_living_area_per_capita"
    assert u.at["S3-014", "metric"] == "fire_district_area_edge_km2"


def test_merge_keeps_strongest_veto_and_earliest_deadline(one_rule):
    a = one_rule(rid="A", deadline="2021-06-30", veto="no", notes="SEED x")
    b = one_rule(rid="B", deadline="2021-03-31 (3月底前)", veto="yes",
                 notes="UNCONFIRMED (memory)")
    c = one_rule(rid="C", threshold="11")  # different threshold: not merged
    t = validate_rules(pd.concat([a, b, c], ignore_index=True), kind="frame")
    m = merge_rules(t).set_index("id")
    assert list(m.index) == ["A", "C"]
    assert m.at["A", "merged_ids"] == "A;B"
    assert m.at["A", "veto"] == "yes"
    assert m.at["A", "due"] == "2021-03-31"
    assert m.at["A", "confidence"] == "SEED"
    assert merge_rules(t.iloc[:0]).empty


def test_confidence_classification():
    c = R.classify_confidence
    assert c("SEED text") == "SEED"
    assert c("CONFIRMED https://x") == "CONFIRMED"
    assert c("CONFIRMED text https://x") == "CONFIRMED"
    assert c("CONFIRMED (secondary) https://x") == "SECONDARY"
    assert c("CONFIRMED (exam-prep quoting GB 50413) x") == "SECONDARY"
    assert c("CONFIRMED for 2011 edition only x") == "SECONDARY"
    assert c("CONFIRMED for DRAFT only x") == "DRAFT"
    assert c("DRAFT http://x") == "DRAFT"
    assert c("UNCONFIRMED (memory)") == "UNCONFIRMED"
    assert c("Existence CONFIRMED x") == "CONFIRMED"
    assert c("") == "UNCONFIRMED"


# ------------------------------------------------------------------ deadlines


@pytest.mark.parametrize("text,kind,date", [
    ("", "none", None), ("  ", "none", None),
    ("2020-06-30 (6月底前)", "by", dt.date(2020, 6, 30)),
    ("2020-02-29", "by", dt.date(2020, 2, 29)),
    ("from 2020-08-01", "from", dt.date(2020, 8, 1)),
    ("From 2020-08-01", "from", dt.date(2020, 8, 1)),
    ("自2020-08-01起", "from", dt.date(2020, 8, 1)),
])
def test_parse_deadline(text, kind, date):
    assert parse_deadline(text) == (kind, date)


@pytest.mark.parametrize("text", ["soon", "2020-13-01", "6月底前", "by 2020-01-01"])
def test_parse_deadline_rejects(text):
    with pytest.raises(ValueError, match="deadline|month|date"):
        parse_deadline(text)


def test_shipped_deadlines():
    r = load_rules("county-plan-2020").set_index("id")
    assert r.at["S1-020", "due"] == "2020-06-30" and r.at["S1-020", "deadline_kind"] == "by"
    assert r.at["S1-169", "due"] == "2020-08-01" and r.at["S1-169", "deadline_kind"] == "from"
    assert r.at["S1-002", "deadline_kind"] == "none"


# ------------------------------------------------------------------ user files

CSV_OK = """id,metric,operator,threshold,unit,deadline,veto,clause,notes
U-1,shelter_area_per_capita,>=,2,m2/person,2025-12-31,no,3.1,our own target
U-2,plan_exists,exists,true,bool,,yes,3.2,
U-3,response_p90,≤,8,min,from 2024-01-01,unknown,3.3,DRAFT x
"""

TOML_OK = """
[[rule]]
id = "T-1"
metric = "shelter_area_per_capita"
operator = ">="
threshold = 2.0
unit = "m2/person"
deadline = 2025-12-31
veto = false
clause = "3.1"

[[rule]]
id = "T-2"
metric = "plan_exists"
operator = "exists"
threshold = true
confidence = "CONFIRMED"
task_area = "Emergency rescue"
"""


def test_user_csv(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("\ufeff" + CSV_OK, encoding="utf-8")  # Excel's BOM is fine
    r = load_rules(p).set_index("id")
    assert list(r.index) == ["U-1", "U-2", "U-3"]
    assert r.at["U-1", "threshold"] == 2.0 and r.at["U-1", "due"] == "2025-12-31"
    assert r.at["U-2", "threshold_text"] == "true" and r.at["U-2", "veto"] == "yes"
    assert r.at["U-3", "operator"] == "<=" and r.at["U-3", "deadline_kind"] == "from"
    assert r.at["U-3", "confidence"] == "DRAFT"
    assert r.at["U-1", "rule_set"] == "mine"
    assert r.at["U-1", "origin"].endswith("line 2")
    # combined with a shipped set (string path in a comma list is not split)
    both = load_rules([str(p), "county-plan-2020"])
    assert len(both) == 180
    assert list(load_rules(f"county-plan-2020,{p}")["id"]) == list(
        load_rules(["county-plan-2020", p])["id"])
    odd = tmp_path / "a,b.csv"  # a file whose name has a comma is not split
    odd.write_text(CSV_OK, encoding="utf-8")
    assert len(load_rules(str(odd))) == 3


def test_user_toml(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text(TOML_OK, encoding="utf-8")
    r = load_rules(str(p)).set_index("id")
    assert r.at["T-1", "due"] == "2025-12-31" and r.at["T-1", "veto"] == "no"
    assert r.at["T-2", "confidence"] == "CONFIRMED"
    assert r.at["T-2", "task_area"] == "应急救援"
    assert r.at["T-2", "unit"] == "bool"
    assert r.at["T-1", "origin"].endswith("[[rule]] #1")


# ------------------------------------------------------------------ validation errors


def _csv(tmp_path, text, name="bad.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_error_missing_required_column(tmp_path):
    p = _csv(tmp_path, "id,metric,threshold\nA,x,1\n")
    with pytest.raises(ValidationError, match=r"bad\.csv.*lacks the required column.*'operator'"):
        load_rules(p)


@pytest.mark.parametrize("row,col,msg", [
    (",m,>=,1,count", "id", "must not be empty"),
    ("A,9bad,>=,1,count", "metric", "must be a name of letters"),
    ("A,m,=>,1,count", "operator", "must be one of >=, >, ==, <=, <, exists. Got '=>'"),
    ("A,m,>=,lots,count", "threshold", "must be a finite number"),
    ("A,m,>=,inf,count", "threshold", "must be a finite number"),
    ("A,m,exists,maybe,bool", "threshold", "must be 'true' or 'false' for operator 'exists'"),
])
def test_error_each_cell(tmp_path, row, col, msg):
    p = _csv(tmp_path, "id,metric,operator,threshold,unit\n" + row + "\n")
    with pytest.raises(ValidationError, match=rf"bad\.csv', line 2.*column '{col}': {msg}"):
        load_rules(p)


def test_error_deadline_veto_confidence_area(tmp_path):
    p = _csv(tmp_path, "id,metric,operator,threshold,deadline,veto,confidence,task_area\n"
                       "A,m,>=,1,next year,no,,\n"
                       "B,m,>=,1,,perhaps,,\n"
                       "C,m,>=,1,,no,SURE,\n"
                       "D,m,>=,1,,no,,Sports\n")
    with pytest.raises(ValidationError) as ei:
        load_rules(p)
    probs = ei.value.problems
    assert len(probs) == 4
    assert "line 2 (id 'A'), column 'deadline'" in probs[0]
    assert "line 3 (id 'B'), column 'veto': must be one of yes, no, unknown" in probs[1]
    assert "line 4 (id 'C'), column 'confidence'" in probs[2]
    assert "line 5 (id 'D'), column 'task_area'" in probs[3]
    assert str(ei.value).startswith("4 problems in rules file")


def test_error_duplicate_id_in_file(tmp_path):
    p = _csv(tmp_path, "id,metric,operator,threshold\nA,m,>=,1\nA,n,>=,2\n")
    with pytest.raises(ValidationError, match=r"line 3 \(id 'A'\), column 'id': duplicate id, "
                                              r"first used on line 2"):
        load_rules(p)


def test_error_duplicate_id_across_sets(tmp_path):
    p = _csv(tmp_path, "id,metric,operator,threshold\nS4-002,m,>=,1\n", name="clash.csv")
    with pytest.raises(ValidationError, match="combines sets that share rule ids: 'S4-002'"):
        load_rules(["shelters", p])


def test_error_unknown_set_and_missing_file(tmp_path):
    with pytest.raises(ValidationError, match="must be a rule set name .*Got 'nfpa1720'"):
        load_rules("nfpa1720")
    with pytest.raises(ValidationError, match="names a file that does not exist"):
        load_rules(tmp_path / "nope.csv")
    with pytest.raises(ValidationError, match="Got int instead"):
        load_rules([5])
    with pytest.raises(ValidationError, match="at least one rule set"):
        load_rules([])


def test_error_bad_toml(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[[rule]\nid=", encoding="utf-8")
    with pytest.raises(ValidationError, match="is not valid TOML"):
        load_rules(p)
    p.write_text('title = "no rules here"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"must hold an array of tables \[\[rule\]\]"):
        load_rules(p)
    p.write_text('[[rule]]\nid = "X"\nmetric = "m"\noperator = "!="\nthreshold = 1\n',
                 encoding="utf-8")
    with pytest.raises(ValidationError, match=r"\[\[rule\]\] #1 \(id 'X'\), column 'operator'"):
        load_rules(p)


def test_error_unreadable_csv(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ValidationError, match="cannot be read as CSV"):
        load_rules(p)


def test_dataframe_rules_and_spellings(one_rule):
    t = validate_rules(one_rule(operator="≥", threshold="unspecified"), kind="frame")
    assert t.at[0, "operator"] == ">=" and t.at[0, "threshold_text"] == "unspecified"
    t = validate_rules(one_rule(operator="exists", threshold="", unit=""), kind="frame")
    assert t.at[0, "threshold_text"] == "true" and t.at[0, "unit"] == "bool"
    with pytest.raises(ValidationError, match=r"rules table, row 0 \(id 'U-1'\), column 'operator'"):
        validate_rules(one_rule(operator="~"), kind="frame")
    # load_rules accepts a DataFrame
    assert load_rules(one_rule()).at[0, "id"] == "U-1"


def test_build_rejects_unknown_group():
    with pytest.raises(ValueError, match="unknown source group 'S9_other'"):
        R._set_of("S9_other", "x")
