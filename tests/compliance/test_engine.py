"""The engine: operators and edges, missing values, deadlines, reported vs computed, errors."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from naive_compliance import make_county, naive_met

import yingji.compliance as C
from yingji.compliance import check, evaluate
from yingji.compliance.metrics import MetricUnavailable, register_metric, unregister_metric
from yingji.exceptions import ValidationError

AS_OF = dt.date(2021, 1, 1)

# ------------------------------------------------------------------ operators


@pytest.mark.parametrize("op,thr,value,met", [
    (">=", 10, 10, True), (">=", 10, 10 - 1e-12, True), (">=", 10, 9.99, False),
    (">", 10, 10, False), (">", 10, 10 + 1e-12, False), (">", 10, 10.01, True),
    ("<=", 5, 5, True), ("<=", 5, 5 + 1e-12, True), ("<=", 5, 5.001, False),
    ("<", 5, 5, False), ("<", 5, 4.999, True),
    ("==", 100, 100, True), ("==", 100, 100 - 1e-10, True), ("==", 100, 99.5, False),
    ("==", 0, 0, True), ("==", 0, 1, False),
    (">", 1.5, 1.5, False), (">", 1.5, 3000 / 2000, False), (">=", 1.5, 0.1 * 15, True),
])
def test_evaluate_edges(op, thr, value, met):
    assert evaluate(value, op, thr)[0] is met


@given(v=st.integers(-1000, 1000), t=st.integers(-1000, 1000),
       op=st.sampled_from([">=", ">", "<=", "<", "=="]), scale=st.sampled_from([1, 4, 8, 10]))
def test_evaluate_matches_exact_oracle(v, t, op, scale):
    # values on a grid far coarser than the tolerance: exact arithmetic decides
    assert evaluate(v / scale, op, t / scale)[0] == naive_met(v / scale, op, t / scale)


def test_evaluate_margin_and_exists():
    assert evaluate(12, ">=", 10) == (True, 2)
    assert evaluate(4, "<=", 5) == (True, 1)
    assert evaluate(7, "<", 5) == (False, -2)
    assert evaluate(98, "==", 100) == (False, -2)
    assert evaluate(True, "exists", True) == (True, None)
    assert evaluate(False, "exists", True) == (False, None)
    assert evaluate(False, "exists", False) == (True, None)  # must not exist
    with pytest.raises(ValidationError, match="'operator' parameter of evaluate"):
        evaluate(1, "!=", 1)


@pytest.mark.parametrize("op,thr,value,status,margin", [
    (">=", "10", 10, "pass", 0.0), (">=", "10", 9, "fail", -1.0),
    (">", "10", 10, "fail", 0.0), (">", "10", 11, "pass", 1.0),
    ("<=", "5", 5, "pass", 0.0), ("<=", "5", 6, "fail", -1.0),
    ("<", "5", 5, "fail", 0.0), ("<", "5", 4, "pass", 1.0),
    ("==", "100", 100, "pass", 0.0), ("==", "100", 95, "fail", -5.0),
])
def test_every_operator_through_check(one_rule, op, thr, value, status, margin):
    rep = check(make_county([("m_x", value)]), rules=one_rule(op, thr), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == status
    assert row["margin"] == pytest.approx(margin)
    assert row["basis"] == "reported"
    if status == "fail":
        assert row["shortfall"] == pytest.approx(-margin)
        assert row["relative_shortfall"] == pytest.approx(-margin / float(thr))
    else:
        assert np.isnan(row["shortfall"])


@pytest.mark.parametrize("value,status", [
    (True, "pass"), ("true", "pass"), ("yes", "pass"), ("是", "pass"), ("有", "pass"), (1, "pass"),
    (3, "pass"), ("1", "pass"), (False, "fail"), ("no", "fail"), ("否", "fail"), (0, "fail"),
    ("0", "fail"), ("无", "fail"),
])
def test_exists_values(one_rule, value, status):
    rep = check(make_county([("m_x", value)]),
                rules=one_rule("exists", "true", unit="bool"), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == status
    assert row["value"] is (status == "pass")
    if status == "fail":
        assert row["relative_shortfall"] == 1.0


def test_exists_false_threshold(one_rule):
    rules = one_rule("exists", "false", unit="bool")
    assert check(make_county([("m_x", "no")]), rules=rules, as_of=AS_OF).counts["pass"] == 1
    assert check(make_county([("m_x", "yes")]), rules=rules, as_of=AS_OF).counts["fail"] == 1


def test_reported_value_spellings(one_rule):
    for v in ("85", " 85 ", "85%", 85, np.float64(85.0), "8,5"):
        rep = check(make_county([("m_x", v)]), rules=one_rule(">=", "80", unit="%"), as_of=AS_OF)
        assert rep.to_frame().at[0, "status"] == "pass"


# ------------------------------------------------------------------ missing, not due


def test_missing_and_unspecified(one_rule):
    rep = check(make_county([]), rules=one_rule(), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "missing" and row["value"] is None and row["basis"] is None
    assert "no reported value" in row["reason"]
    assert "no metric function registered" in row["reason"]
    rep = check(make_county([("m_x", 3)]), rules=one_rule(threshold="unspecified"), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "missing" and row["value"] == 3.0 and row["threshold"] is None
    assert "no numeric threshold" in row["reason"]
    # blank and NaN values count as missing
    for v in ("", None, np.nan):
        ind = pd.DataFrame({"metric": ["m_x"], "value": [v]}, dtype=object)
        assert check(make_county(ind), rules=one_rule(), as_of=AS_OF).counts["missing"] == 1


def test_county_plan_unspecified_row():
    rep = check(make_county([("resident_safety_satisfaction_score", 90)]), as_of=AS_OF,
                computed=False)
    row = rep.to_frame().set_index("rule_id").loc["S1-131"]
    assert row["status"] == "missing" and row["value"] == 90.0


@pytest.mark.parametrize("deadline,as_of,status", [
    ("2020-06-30 (6月底前)", "2020-06-29", "not_due"),
    ("2020-06-30 (6月底前)", "2020-06-30", "pass"),   # due on the day itself
    ("2020-06-30", "2020-07-01", "pass"),
    ("from 2020-08-01", "2020-07-31", "not_due"),
    ("from 2020-08-01", "2020-08-01", "pass"),
    ("", "1990-01-01", "pass"),
])
def test_deadlines(one_rule, deadline, as_of, status):
    rep = check(make_county([("m_x", 10)]), rules=one_rule(deadline=deadline), as_of=as_of)
    row = rep.to_frame().iloc[0]
    assert row["status"] == status
    assert row["met"] is True  # the value is judged even when not yet due


def test_not_due_without_value_and_failing(one_rule):
    rules = one_rule(deadline="2030-01-01")
    assert check(make_county([]), rules=rules, as_of=AS_OF).to_frame().at[0, "status"] == "not_due"
    row = check(make_county([("m_x", 1)]), rules=rules, as_of=AS_OF).to_frame().iloc[0]
    assert row["status"] == "not_due" and row["met"] is False and "due by 2030-01-01" in row["reason"]


def test_as_of_forms(one_rule):
    rules = one_rule(deadline="2020-06-30")
    c = make_county([("m_x", 10)])
    for a in (dt.date(2020, 7, 1), dt.datetime(2020, 7, 1, 8), pd.Timestamp("2020-07-01"),
              "2020-07-01"):
        assert check(c, rules=rules, as_of=a).as_of == dt.date(2020, 7, 1)
    assert check(c, rules=rules).as_of == dt.date.today()


# ------------------------------------------------------------------ county plan, hand-computed


def test_county_plan_hand_computed():
    ind = [("township_leading_group_coverage", 100),          # S1-009 == 100 -> pass
           ("old_water_network_renovation_rate", 80),         # S1-030 > 80 -> fail (at threshold)
           ("old_gas_network_renovation_rate", 80.5),         # S1-032 > 80 -> pass
           ("fire_comm_facility_intact_rate", 95),            # S1-035 >= 95 -> pass
           ("credit_punishment_domain_count", 4),             # S1-121 >= 5, due 2020-06-30 -> fail
           ("work_safety_accidents_major_plus_count", 1),     # S1-002 == 0 -> fail, veto unknown
           ("county_leading_group_exists", "yes"),            # S1-008 exists -> pass
           ("long_term_mechanism_exists", "no"),              # S1-169 from 2020-08-01 -> fail
           ("shelter_area_per_capita", 1.5)]                  # S1-145 > 1.5 -> fail at threshold
    rep = check(make_county(ind), rules="county-plan-2020", as_of=AS_OF, computed=False)
    f = rep.to_frame().set_index("rule_id")
    expect = {"S1-009": "pass", "S1-030": "fail", "S1-032": "pass", "S1-035": "pass",
              "S1-121": "fail", "S1-002": "fail", "S1-008": "pass", "S1-169": "fail",
              "S1-145": "fail"}
    for rid, st in expect.items():
        assert f.at[rid, "status"] == st, rid
    assert len(f) == 177
    c = rep.counts
    assert (c["pass"], c["fail"], c["not_due"]) == (4, 5, 0)
    assert c["missing"] == 177 - 9
    assert f.at["S1-121", "shortfall"] == 1 and f.at["S1-121", "relative_shortfall"] == 0.2
    # fix first: the veto-unknown accident row, then relative shortfall (exists=1.0, 0.2, ...)
    ff = list(rep.fix_first()["rule_id"])
    assert ff[0] == "S1-002"
    assert ff[1:3] == ["S1-169", "S1-121"]
    assert set(ff) == {k for k, v in expect.items() if v == "fail"}
    assert rep.exit_code() == 1 and rep.exit_code(strict=True) == 1 and not rep.ok
    ba = rep.by_area().set_index("task_area")
    assert ba["total"].sum() == 177
    assert ba.at["源头治理", "pass"] == 2 and ba.at["源头治理", "fail"] == 1
    # before the deadlines: S1-121 (due 2020-06-30) and S1-169 (from 2020-08-01) are not due
    early = check(make_county(ind), as_of="2020-03-01", computed=False).to_frame()
    early = early.set_index("rule_id")
    assert early.at["S1-121", "status"] == "not_due" and early.at["S1-169", "status"] == "not_due"


def test_zero_target_relative_shortfall(one_rule):
    row = check(make_county([("m_x", 7)]), rules=one_rule("==", "0"), as_of=AS_OF).to_frame()
    assert row.at[0, "shortfall"] == 7 and row.at[0, "relative_shortfall"] == 1.0


def test_veto_first_in_fix_list(one_rule):
    rules = pd.concat([one_rule(rid="A", veto="no", threshold="100"),
                       one_rule(rid="B", veto="yes", metric="m_y", threshold="10"),
                       one_rule(rid="C", veto="unknown", metric="m_z", threshold="10")],
                      ignore_index=True)
    rep = check(make_county([("m_x", 1), ("m_y", 9.9), ("m_z", 9)]), rules=rules, as_of=AS_OF)
    assert list(rep.fix_first()["rule_id"]) == ["B", "C", "A"]
    assert rep.counts["veto_fail"] == 1
    assert list(rep.fix_first(1)["rule_id"]) == ["B"]


def test_changes_between_reports(one_rule):
    rules = pd.concat([one_rule(rid="A"), one_rule(rid="B", metric="m_y")], ignore_index=True)
    before = check(make_county([("m_x", 1), ("m_y", 20)]), rules=rules, as_of=AS_OF)
    after = check(make_county([("m_x", 11), ("m_y", 20)]), rules=rules, as_of=AS_OF)
    ch = after.changes(before)
    assert list(ch["rule_id"]) == ["A"]
    assert ch.at[0, "status_before"] == "fail" and ch.at[0, "status"] == "pass"
    assert ch.at[0, "value_before"] == 1 and ch.at[0, "value"] == 11
    assert after.changes(after).empty
    only_a = check(make_county([("m_x", 11)]), rules=one_rule(rid="A"), as_of=AS_OF)
    ch = only_a.changes(after)
    assert list(ch["rule_id"]) == ["B"] and ch.at[0, "status"] is None


def test_exclude_rules_not_applicable():
    rep = check(make_county([]), rules="all", as_of=AS_OF, computed=False,
                exclude=["S3-006", "S3-001", "S4-037"])
    ids = set(rep.to_frame()["rule_id"])
    # S3-001 is merged into S2-006: excluding either drops the merged row
    assert not ids & {"S3-006", "S2-006", "S4-037"} and len(ids) == 297 - 3
    assert rep.excluded == ("S3-006", "S3-001", "S4-037")
    assert rep.to_dict()["excluded"] == ["S3-006", "S3-001", "S4-037"]
    assert len(check(make_county([]), as_of=AS_OF, exclude="S1-001").to_frame()) == 176
    with pytest.raises(ValidationError, match=r"'exclude' parameter of check must be rule ids of "
                                              r"the selected rule sets. Got \['S9-1'\]"):
        check(make_county([]), as_of=AS_OF, exclude=["S1-001", "S9-1"])


def test_ok_and_exit_codes(one_rule):
    rep = check(make_county([("m_x", 11)]), rules=one_rule(), as_of=AS_OF)
    assert rep.ok and rep.exit_code() == 0 and rep.exit_code(strict=True) == 0
    rep = check(make_county([]), rules=one_rule(), as_of=AS_OF)
    assert rep.ok and rep.exit_code() == 0 and rep.exit_code(strict=True) == 1


# ------------------------------------------------------------------ aliases and units


def test_alias_reported_under_other_name():
    # a county reporting GB 21734's name for the plan's 1.5 m2 target
    rep = check(make_county([("shelter_living_area_per_capita", 2.0)]),
                rules="county-plan-2020,shelters", as_of=AS_OF, computed=False)
    row = rep.to_frame().set_index("rule_id").loc["S1-145"]
    assert row["status"] == "pass" and row["merged_ids"] == "S1-145;S4-001"
    assert "GB 21734-2008 5.4" in row["source"] and "XX县创城实施方案(2020) 三(四)14" in row["source"]


def test_reported_unit_column(one_rule):
    ind = pd.DataFrame({"metric": ["m_x", "m_t"], "value": [0.85, 300], "unit": ["share", "s"]})
    rules = pd.concat([one_rule(">=", "80", unit="%"),
                       one_rule("<=", "4", metric="m_t", unit="min", rid="U-2")],
                      ignore_index=True)
    f = check(make_county(ind), rules=rules, as_of=AS_OF).to_frame().set_index("rule_id")
    assert f.at["U-1", "value"] == pytest.approx(85.0) and f.at["U-1", "status"] == "pass"
    assert f.at["U-2", "value"] == pytest.approx(5.0) and f.at["U-2", "status"] == "fail"


def test_indicators_by_year(one_rule):
    ind = pd.DataFrame({"metric": ["m_x"] * 3, "value": [5, 12, 8], "year": [2019, 2020, 2022]})
    c = make_county(ind)
    assert check(c, rules=one_rule(), as_of="2020-06-30").to_frame().at[0, "value"] == 12
    assert check(c, rules=one_rule(), as_of="2023-01-01").to_frame().at[0, "value"] == 8
    assert check(c, rules=one_rule(), as_of="2018-01-01").to_frame().at[0, "value"] == 5
    ind = pd.DataFrame({"metric": ["m_x"] * 2, "value": [5, 12], "year": [2020, 2020]})
    with pytest.raises(ValidationError, match="twice with different values for 2020"):
        check(make_county(ind), rules=one_rule(), as_of=AS_OF)


def test_indicators_indexed_by_metric(one_rule):
    ind = pd.DataFrame({"value": [12]}, index=pd.Index(["m_x"], name="metric"))
    assert check(make_county(ind), rules=one_rule(), as_of=AS_OF).counts["pass"] == 1
    # a bare indicators DataFrame or a dict of tables works as the county
    assert check(ind.reset_index(), rules=one_rule(), as_of=AS_OF).counts["pass"] == 1
    assert check({"indicators": ind.reset_index()}, rules=one_rule(),
                 as_of=AS_OF).counts["pass"] == 1
    # no indicators at all: everything missing
    assert check({}, rules=one_rule(), as_of=AS_OF).counts["missing"] == 1


# ------------------------------------------------------------------ computed metrics


@pytest.fixture
def reg():
    names = []

    def _reg(name, unit, func, **kw):
        register_metric(name, unit=unit, replace=True, **kw)(func)
        names.append(name)

    yield _reg
    for n in names:
        unregister_metric(n)


def test_computed_decides_and_discrepancy_flag(one_rule, reg):
    reg("m_x", "count", lambda county, **kw: 12.0, description="twelve")
    rep = check(make_county([("m_x", 9)]), rules=one_rule(), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "pass" and row["basis"] == "computed"
    assert row["value"] == 12.0 and row["reported_value"] == 9.0 and row["computed_value"] == 12.0
    assert bool(row["discrepancy"])
    assert "reported value 9 differs from the computed 12" in row["reason"]
    # an infinite computed value differs from any finite report
    reg("m_x", "count", lambda county, **kw: float("inf"))
    row = check(make_county([("m_x", 9)]), rules=one_rule(), as_of=AS_OF).to_frame().iloc[0]
    assert bool(row["discrepancy"]) and row["status"] == "pass"
    reg("m_x", "count", lambda county, **kw: 12.0)
    # within disagree_rtol: no flag
    rep = check(make_county([("m_x", 11.99)]), rules=one_rule(), as_of=AS_OF)
    assert not rep.to_frame().at[0, "discrepancy"]
    # computed=False: the reported value decides
    rep = check(make_county([("m_x", 9)]), rules=one_rule(), as_of=AS_OF, computed=False)
    assert rep.to_frame().at[0, "status"] == "fail" and rep.to_frame().at[0, "basis"] == "reported"


def test_computed_unit_conversion_and_kwargs(one_rule, reg):
    seen = {}

    def f(county, *, time_limit=None, seed=None, **kw):
        seen.update(time_limit=time_limit, seed=seed, **kw)
        return 4.5  # minutes

    reg("m_t", "min", f)
    rules = one_rule("<=", "240", metric="m_t", unit="s")
    rep = check(make_county([]), rules=rules, as_of=AS_OF, seed=7, metric_kw={"times": "T"},
                time_limit=50)
    row = rep.to_frame().iloc[0]
    assert row["value"] == pytest.approx(270.0) and row["status"] == "fail"
    assert seen["seed"] == 7 and seen["times"] == "T" and 0 < seen["time_limit"] <= 50


def test_computed_bool_metric(one_rule, reg):
    reg("m_b", "bool", lambda county, **kw: np.bool_(True))
    rep = check(make_county([("m_b", "no")]), rules=one_rule("exists", "true", metric="m_b",
                                                              unit="bool"), as_of=AS_OF)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "pass" and bool(row["discrepancy"])


def test_computed_unavailable_none_and_errors(one_rule, reg):
    def unavailable(county, **kw):
        raise MetricUnavailable("the county has no 'hazards' table")

    def invalid(county, **kw):
        raise ValidationError("The 'network' parameter of x must be a Network.\n  - more")

    reg("m_u", "count", unavailable)
    reg("m_v", "count", invalid)
    reg("m_n", "count", lambda county, **kw: None)
    reg("m_e", "count", lambda county, **kw: 1 / 0)
    reg("m_k", "km", lambda county, **kw: 3.0)  # km cannot become persons
    rules = pd.concat([one_rule(metric="m_u", rid="A"), one_rule(metric="m_n", rid="B"),
                       one_rule(metric="m_e", rid="C"), one_rule(metric="m_k", rid="D",
                                                                 unit="persons"),
                       one_rule(metric="m_v", rid="E")],
                      ignore_index=True)
    with pytest.warns(C.ComplianceWarning) as rec:
        rep = check(make_county([("m_u", 20)]), rules=rules, as_of=AS_OF)
    f = rep.to_frame().set_index("rule_id")
    assert f.at["A", "status"] == "pass" and f.at["A", "basis"] == "reported"
    assert "no 'hazards' table" in f.at["A", "reason"]
    assert f.at["B", "status"] == "missing" and "returned no value" in f.at["B", "reason"]
    assert f.at["C", "status"] == "missing" and "ZeroDivisionError" in f.at["C", "reason"]
    assert f.at["D", "status"] == "missing" and "cannot convert unit" in f.at["D", "reason"]
    assert f.at["E", "status"] == "missing"
    assert "not computed: The 'network' parameter of x must be a Network. - more" in f.at["E", "reason"]
    assert len(rep.warnings) == 2 and len(rec) == 2
    with pytest.raises(ZeroDivisionError):
        check(make_county([]), rules=rules, as_of=AS_OF, errors="raise")


def test_time_limit_used_up(one_rule, reg):
    reg("m_x", "count", lambda county, **kw: 50)
    rep = check(make_county([]), rules=one_rule(), as_of=AS_OF, time_limit=1e-9)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "missing" and "time_limit of 1e-09 s was used up" in row["reason"]


def test_each_metric_computed_once(one_rule, reg):
    calls = []
    reg("m_x", "count", lambda county, **kw: calls.append(1) or 11)
    rules = pd.concat([one_rule(rid="A"), one_rule(rid="B", threshold="12")], ignore_index=True)
    rep = check(make_county([]), rules=rules, as_of=AS_OF)
    assert len(calls) == 1 and list(rep.to_frame()["status"]) == ["pass", "fail"]


def test_computed_values_argument(one_rule):
    rep = check(make_county([("m_x", 1)]), rules=one_rule(), as_of=AS_OF,
                computed_values={"m_x": 10}, computed=False)
    row = rep.to_frame().iloc[0]
    assert row["status"] == "pass" and row["basis"] == "computed"
    assert "supplied by the caller" in row["reason"]


def test_builtin_metrics_hand_computed(small_county, builtin_only):
    rep = check(small_county, rules="all", as_of=AS_OF)
    f = rep.to_frame().set_index("rule_id")
    # 6000 m2 of shelter / 4000 people = 1.5 m2/person: S1-145 '> 1.5' fails at the threshold
    assert f.at["S1-145", "value"] == pytest.approx(1.5) and f.at["S1-145", "status"] == "fail"
    assert f.at["S1-145", "basis"] == "computed"
    # GB 50413: fixed shelters 5000 / 4000 = 1.25 < 2 ; all shelters 1.5 >= 1
    assert f.at["S4-006", "value"] == pytest.approx(1.25) and f.at["S4-006", "status"] == "fail"
    assert f.at["S4-005", "status"] == "pass"
    # smallest shelter 1000 m2: GB 21734 '> 2000 m2' fails; emergency site 0.1 hm2 passes exactly
    assert f.at["S4-002", "value"] == 1000 and f.at["S4-002", "status"] == "fail"
    assert f.at["S4-007", "value"] == pytest.approx(0.1) and f.at["S4-007", "status"] == "pass"
    assert f.at["S4-009", "status"] == "missing" and "no central shelters" in f.at["S4-009", "reason"]
    # stations: class1 exists, staff 32 >= 30, vehicles 3+1 = 4 < 5, small staff 14 < 15
    assert f.at["S3-005", "status"] == "pass"
    assert f.at["S3-016", "value"] == 32 and f.at["S3-016", "status"] == "pass"
    assert f.at["S3-022", "value"] == 4 and f.at["S3-022", "status"] == "fail"
    assert f.at["S3-018", "value"] == 14 and f.at["S3-018", "status"] == "fail"
    assert f.at["S3-006", "status"] == "fail"  # no special / logistics station
    assert f.at["S3-021", "value"] == pytest.approx(7.0)  # min(32/4, 14/2)
    assert f.at["S3-019", "status"] == "missing"  # no special station: not applicable
    assert f.at["S3-027", "status"] == "missing" and "gfa_m2" in f.at["S3-027", "reason"]
    # S1-148 on-duty staffing: the small station's 14 < 15 (建标152-2017 minimum)
    assert f.at["S1-148", "value"] is False and f.at["S1-148", "status"] == "fail"
    # teams: hazchem and construction teams exist, no mine / rail teams (due 2020-06-30)
    assert f.at["S1-152", "status"] == "pass" and f.at["S1-151", "status"] == "pass"
    assert f.at["S1-150", "status"] == "fail" and f.at["S1-153", "status"] == "fail"
    # the county's reported 100 % still decides S1-009 (nothing computes it)
    assert f.at["S1-009", "status"] == "pass" and f.at["S1-009", "basis"] == "reported"


def test_builtin_staffing_unknown_class(small_county, builtin_only):
    small_county.stations = small_county.stations.assign(station_class=["class1", "suburban"])
    f = check(small_county, as_of=AS_OF).to_frame().set_index("rule_id")
    assert f.at["S1-148", "status"] == "missing"
    assert "class suburban have no 建标152-2017 minimum" in f.at["S1-148", "reason"]


def test_builtin_vehicles_from_units_table(small_county, builtin_only):
    small_county.units = pd.DataFrame({"station": ["f1"] * 5 + ["f2"] * 2,
                                       "type": ["engine"] * 7})
    f = check(small_county, rules="GB51080", as_of=AS_OF).to_frame().set_index("rule_id")
    assert f.at["S3-022", "value"] == 5 and f.at["S3-022", "status"] == "pass"


def test_builtin_metrics_bad_tables(small_county, builtin_only):
    small_county.demand = small_county.demand.assign(population=[1000, None, 0])
    small_county.teams = pd.DataFrame({"x": [], "y": [], "skills": []})
    f = check(small_county, rules="all", as_of=AS_OF).to_frame().set_index("rule_id")
    assert f.at["S1-145", "status"] == "missing"
    assert "demand.population has 1 missing" in f.at["S1-145", "reason"]
    assert f.at["S1-152", "status"] == "fail"  # an empty teams table: no team
    small_county.demand = small_county.demand.assign(population=[0, 0, 0])
    f = check(small_county, rules="shelters", as_of=AS_OF).to_frame().set_index("rule_id")
    assert "total population (demand.population) is 0" in f.at["S4-005", "reason"]


def test_fallback_to_county_wide_metric(small_county, builtin_only):
    def within_reach(county, **kw):
        raise MetricUnavailable("needs walking distances")

    register_metric("shelter_area_per_capita", unit="m2/person", description="within reach",
                    replace=True)(within_reach)
    row = check(small_county, as_of=AS_OF).to_frame().set_index("rule_id").loc["S1-145"]
    assert row["value"] == pytest.approx(1.5) and row["basis"] == "computed"
    assert row["reason"].startswith("fallback: county-wide effective shelter area")
    assert "needs walking distances" in row["reason"]
    # a provisional registration never displaces a real one
    register_metric("shelter_area_per_capita", unit="m2/person", provisional=True)(
        lambda county, **kw: 99.0)
    assert C.get_metric("shelter_area_per_capita").func is within_reach


# ------------------------------------------------------------------ input errors


def test_parameter_errors(one_rule):
    c = make_county([("m_x", 1)])
    with pytest.raises(ValidationError, match="'as_of' parameter of check must be a date"):
        check(c, rules=one_rule(), as_of="31/12/2020")
    with pytest.raises(ValidationError, match="'errors' parameter of check must be one of"):
        check(c, rules=one_rule(), errors="ignore")
    with pytest.raises(ValidationError, match=r"'time_limit' parameter of check must be a positive number of seconds"):
        check(c, rules=one_rule(), time_limit=-1)
    with pytest.raises(ValidationError, match=r"'disagree_rtol' parameter of check"):
        check(c, rules=one_rule(), disagree_rtol="x")
    with pytest.raises(ValidationError, match="'computed_values' parameter of check"):
        check(c, rules=one_rule(), computed_values=[1, 2])
    with pytest.raises(ValidationError, match="^3 problems"):
        check(c, rules=one_rule(), as_of="x", errors="x", time_limit=None)


def test_indicator_errors(one_rule):
    rules = pd.concat([one_rule(rid="A"), one_rule("exists", "true", metric="m_b", rid="B",
                                                   unit="bool")], ignore_index=True)
    with pytest.raises(ValidationError) as ei:
        check(make_county([("m_x", "lots"), ("m_b", "maybe")]), rules=rules, as_of=AS_OF)
    assert len(ei.value.problems) == 2
    assert "must give a number for metric 'm_x' (rule 'A', row 0). Got 'lots'" in str(ei.value)
    assert "must give yes/no for metric 'm_b' (rule 'B', row 1). Got 'maybe'" in str(ei.value)
    with pytest.raises(ValidationError, match="reports metric 'm_x' twice with different values"):
        check(make_county([("m_x", 1), ("m_x", 2)]), rules=one_rule(), as_of=AS_OF)
    # the same value twice is fine
    check(make_county([("m_x", 1), ("m_x", 1)]), rules=one_rule(), as_of=AS_OF)
    with pytest.raises(ValidationError, match="must have columns 'metric' and 'value'"):
        check(make_county(pd.DataFrame({"name": ["m_x"], "v": [1]})), rules=one_rule())
    with pytest.raises(ValidationError, match="'county.indicators' parameter of check must be a "
                                              "DataFrame"):
        check({"indicators": [("m_x", 1)]}, rules=one_rule())
    ind = pd.DataFrame({"metric": ["m_x"], "value": [1], "unit": ["km"]})
    with pytest.raises(ValidationError, match="in unit 'km', which cannot be converted to the unit "
                                              "'count'"):
        check(make_county(ind), rules=one_rule(), as_of=AS_OF)
    with pytest.raises(ValidationError, match="must give a number for metric 'm_x'"):
        check(make_county([("m_x", True)]), rules=one_rule(), as_of=AS_OF)


# ------------------------------------------------------------------ JSON


def test_json_round_trip_and_schema(small_county, builtin_only):
    jsonschema = pytest.importorskip("jsonschema")
    rep = check(small_county, rules="all", as_of=AS_OF)
    doc = rep.to_dict()
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    jsonschema.validate(json.loads(text), C.report_schema())
    jsonschema.Draft202012Validator.check_schema(C.report_schema())
    assert doc["version"] == C.SCHEMA_VERSION and doc["as_of"] == "2021-01-01"
    assert doc["counts"]["total"] == len(doc["rules"]) == 297
    assert doc["fix_first"] == list(rep.fix_first()["rule_id"])
    back = C.ComplianceReport.from_dict(json.loads(text))
    assert back.to_dict() == doc
    assert back.counts == rep.counts and back.as_of == rep.as_of
    assert rep.to_json() == json.dumps(doc, ensure_ascii=False)
    with pytest.raises(ValidationError, match="must be a compliance report document"):
        C.ComplianceReport.from_dict({"schema": "other"})
    with pytest.raises(ValidationError, match="must have schema version 1.x. Got '2.0'"):
        C.ComplianceReport.from_dict({**doc, "version": "2.0"})


def test_contract_columns(small_county, builtin_only):
    f = check(small_county, as_of=AS_OF).to_frame()
    assert list(f.columns[:9]) == ["rule_id", "metric", "value", "operator", "threshold",
                                   "status", "source", "confidence", "basis"]
    assert set(f["status"]) <= set(C.STATUSES)
    assert set(f["basis"].dropna()) <= {"reported", "computed"}
    assert set(f["operator"]) <= set(C.OPERATORS)
    assert len(f) == 177
    rep = check(small_county, as_of=AS_OF)
    assert "ComplianceReport(county='Test县'" in repr(rep)
    # to_frame is a copy
    f.loc[0, "status"] = "fail"
    assert rep.to_frame().loc[0, "status"] != "fail" or rep.rows.loc[0, "status"] == "fail"


def test_no_warnings_on_clean_run(small_county, builtin_only):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(small_county, rules="all", as_of=AS_OF)


def test_builtin_metrics_without_tables(builtin_only):
    f = check(make_county([]), rules="all", as_of=AS_OF).to_frame().set_index("rule_id")
    assert "the county has no 'shelters' table" in f.at["S4-002", "reason"]
    assert "the county has no 'stations' table" in f.at["S3-005", "reason"]
    assert "the county has no 'teams' table" in f.at["S1-152", "reason"]
    assert (f["status"] == "missing").all()


def test_builtin_staff_per_vehicle_without_vehicles(small_county, builtin_only):
    small_county.stations = small_county.stations.assign(engines=[0, 0], ladders=[0, 0])
    f = check(small_county, rules="GB51080", as_of=AS_OF).to_frame().set_index("rule_id")
    assert f.at["S3-021", "status"] == "missing" and "no station has vehicles" in f.at[
        "S3-021", "reason"]
