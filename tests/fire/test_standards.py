"""Standard profiles: loading, unit conversion, provenance, user values, errors."""

from __future__ import annotations

import math

import pytest

import yingji as yj
from yingji.exceptions import ValidationError
from yingji.fire import FireStandard, available_standards, load_standard, weighted_percentile


def test_shipped_profiles():
    assert {"GB51080", "NFPA1710"} <= set(available_standards())


def test_gb51080_values_and_sources():
    s = load_standard()
    assert s.name == "GB51080"
    assert s.response_minutes == 5 and s.turnout_minutes == 1 and s.travel_budget == 4
    assert s.percentile == 1.0 and s.scope == "urban"
    assert s.area_limit("class1") == 7 and s.area_limit("class2") == 4 and s.area_limit("small") == 2
    assert s.area_limit("special") == 7
    assert math.isnan(s.area_limit("logistics")) and not s.has_district("logistics")
    assert s.area_limit("class2", edge=True) == 15
    assert s.get("staff_class1") == 30 and s.get("staff_special") == 45 and s.get("staff_logistics") == 40
    assert s.get("setback_crowded_m") == 50 and s.get("setback_hazardous_m") == 200
    assert s.threshold("response_minutes").rule == "S3-001"
    assert s.threshold("area_limit_edge_km2").rule == "S3-003"
    # vehicle counts of 建标152-2017 are from memory: kept UNCONFIRMED
    for c in ("class1", "class2", "small", "special", "logistics"):
        assert s.threshold(f"vehicles_{c}").status == "UNCONFIRMED"
    assert s.threshold("rural_response_minutes").status == "ASSUMPTION"
    assert s.rural_travel_budget == 14
    assert math.isnan(s.full_alarm_minutes) and s.full_alarm_companies == 0
    fr = s.to_frame()
    assert {"value", "unit", "rule", "clause", "status"} <= set(fr.columns)
    assert "UNCONFIRMED" in s.summary() or "vehicles_class1" in s.summary()
    assert s.to_dict()["travel_budget"] == 4


def test_nfpa1710_seconds_converted_to_minutes():
    s = load_standard("NFPA1710")
    assert s.budget_basis == "travel" and s.percentile == 0.9
    assert s.travel_budget == pytest.approx(4.0)
    assert s.turnout_minutes == pytest.approx(80 / 60)
    assert s.get("turnout_ems_minutes") == pytest.approx(1.0)
    assert s.full_alarm_minutes == pytest.approx(8.0)
    assert s.full_alarm_companies == 4  # ceil(15 persons / 4 crew)
    assert s.response_minutes == pytest.approx(4 + 80 / 60)
    t = s.threshold("travel_minutes")
    assert t.source_value == 240 and t.source_unit == "s" and t.rule == "S3-033"
    assert s.threshold("full_alarm_personnel").status == "UNCONFIRMED"
    assert math.isnan(s.area_limit("class1"))


def test_names_are_forgiving():
    assert load_standard("gb 51080-2015").name == "GB51080"
    assert load_standard("nfpa-1710").name == "NFPA1710"


def test_overrides_marked_user():
    s = load_standard("GB51080", turnout_minutes=1.5, area_limit_class1_km2=6)
    assert s.travel_budget == 3.5 and s.area_limit("class1") == 6
    assert s.threshold("turnout_minutes").status == "USER"
    assert "replaces 1" in s.threshold("turnout_minutes").note
    assert s.threshold("area_limit_class1_km2").rule == "S3-011"  # provenance of the rule kept
    assert load_standard(s) is s
    assert s.replace(percentile=0.9).percentile == 0.9


def test_flat_mapping_overrides_default_profile():
    s = load_standard({"turnout_minutes": 2})
    assert s.name == "custom" and s.travel_budget == 3


def test_full_mapping_and_file(tmp_path):
    doc = """
name = "mine"
budget_basis = "travel"
percentile = 0.8
[values.travel_minutes]
value = 0.1
unit = "h"
[values.setback_crowded_m]
value = 0.05
unit = "km"
[values.area_limit_class1_km2]
value = 500
unit = "ha"
"""
    p = tmp_path / "mine.toml"
    p.write_text(doc, encoding="utf-8")
    s = load_standard(p)
    assert s.name == "mine" and s.travel_budget == pytest.approx(6.0)
    assert s.get("setback_crowded_m") == pytest.approx(50.0)
    assert s.area_limit("class1") == pytest.approx(5.0)
    assert s.origin == str(p)
    s2 = load_standard({"name": "m2", "values": {"response_minutes": {"value": 300, "unit": "s"}}})
    assert s2.travel_budget == pytest.approx(5.0)  # no turnout given: 0
    assert isinstance(s2, FireStandard)


def test_unknown_name():
    with pytest.raises(ValidationError, match="'source' parameter of load_standard"):
        load_standard("GB99999")


def test_missing_file(tmp_path):
    with pytest.raises(ValidationError, match="existing TOML file"):
        load_standard(tmp_path / "none.toml")


def test_bad_toml(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("name = [", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid TOML"):
        load_standard(p)


def test_bad_type():
    with pytest.raises(ValidationError, match="a profile name, a path, a mapping"):
        load_standard(42)


def test_profile_errors_collected():
    doc = {"budget_basis": "sometimes", "percentile": 2,
           "values": {"response_minutes": {"value": 5, "unit": "fortnight"},
                      "turnout_minutes": {"value": -1}, "setback_crowded_m": {"value": "far"},
                      "area_limit_class1_km2": {"value": 1, "unit": "acre"},
                      "setback_hazardous_m": {"value": 1, "unit": "mile"}}}
    with pytest.raises(ValidationError) as ei:
        load_standard(doc)
    msg = str(ei.value)
    assert "min, s or h" in msg and "non-negative" in msg and "must be a number" in msg
    assert "'budget_basis'" in msg and "'percentile'" in msg and "km2, m2 or ha" in msg and "m or km" in msg
    assert len(ei.value.problems) >= 6


def test_profile_without_values():
    with pytest.raises(ValidationError, match=r"needs a \[values\] table"):
        load_standard({"values": {}})


def test_missing_budget_value():
    with pytest.raises(ValidationError, match="needs the value 'travel_minutes'"):
        load_standard({"budget_basis": "travel", "values": {"turnout_minutes": 1}})


def test_turnout_longer_than_response():
    with pytest.raises(ValidationError, match="must not exceed its response time"):
        load_standard("GB51080", turnout_minutes=6)


def test_bad_scope():
    with pytest.raises(ValidationError, match="'scope' must be 'urban' or 'all'"):
        load_standard("GB51080", scope="suburbs")


def test_override_errors():
    with pytest.raises(ValidationError, match="Unknown value 'colour'"):
        load_standard("GB51080", colour=3)
    with pytest.raises(ValidationError, match="finite non-negative number"):
        load_standard("GB51080", turnout_minutes=-2)
    with pytest.raises(ValidationError, match="'percentile' parameter"):
        load_standard("GB51080", percentile=0)


def test_assess_wraps_standard_errors():
    import pandas as pd

    with pytest.raises(ValidationError, match="The 'standard' parameter of fire.assess is invalid"):
        yj.fire.assess(stations=pd.DataFrame(), demand=pd.DataFrame(), times=None, standard="nope")


def test_weighted_percentile():
    assert weighted_percentile([1, 2, 3, 4], None, 0.5) == 2.0
    assert weighted_percentile([1, 2, 3, 4], [1, 1, 1, 1], 0.75) == 3.0
    assert weighted_percentile([1, 2, 3, 4], [1, 1, 1, 7], 0.5) == 4.0
    assert weighted_percentile([4, 1, 3, 2], [0, 1, 1, 1], 1.0) == 3.0
    assert weighted_percentile([5.0, float("inf")], [9, 1], 0.9) == 5.0
    assert weighted_percentile([5.0, float("inf")], [8, 2], 0.9) == float("inf")
    assert math.isnan(weighted_percentile([1, 2], [0, 0], 0.9))
