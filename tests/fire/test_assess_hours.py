"""fire.assess_hours: the assessment at each hour of day and the worst hour."""

from __future__ import annotations

import pytest

import yingji as yj
from yingji.exceptions import ValidationError


def test_worst_hour_is_the_hour_of_least_coverage_among_single_runs():
    c = yj.datasets.sample_county()
    hours = [3, 8, 12, 17, 20]
    r = yj.fire.assess_hours(c, hours=hours)
    single = {h: yj.fire.assess(c, hour=h) for h in hours}
    assert r.to_frame()["hour"].tolist() == hours
    for row in r.to_frame().itertuples():
        assert row.coverage_share == pytest.approx(single[row.hour].coverage_share)
        assert row.travel_percentile == pytest.approx(single[row.hour].travel_percentile)
    low = min(hours, key=lambda h: (single[h].coverage_share, -single[h].travel_percentile, h))
    assert r.worst_hour == low == 17
    assert r.worst.coverage_share == pytest.approx(single[17].coverage_share)
    assert "worst hour 17:00" in r.summary()
    assert r.to_dict()["worst_hour"] == 17


def test_assess_hours_refuses_bad_hours():
    c = yj.datasets.sample_county()
    with pytest.raises(ValidationError, match="'hour' parameter of fire.assess_hours must be an int in \\[0, 23\\]"):
        yj.fire.assess_hours(c, hours=[3, 24])
    with pytest.raises(ValidationError, match="'hours' parameter of fire.assess_hours must be a non-empty"):
        yj.fire.assess_hours(c, hours=[])
    with pytest.raises(ValidationError, match="'hour' parameter of fire.assess_hours must be not given"):
        yj.fire.assess_hours(c, hour=8)
