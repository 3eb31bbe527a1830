"""The sample county end to end (skipped when the sample county cannot be loaded)."""

from __future__ import annotations

import numpy as np
import pytest

import yingji as yj


@pytest.fixture(scope="module")
def sample():
    try:
        return yj.datasets.sample_county()
    except Exception as exc:  # pragma: no cover - the sample county is package data
        pytest.skip(f"sample county not available: {exc}")


def test_sample_assess_and_plan(sample):
    s = yj.shelters.assess(sample)
    assert 0 < s.reachable_per_capita_m2 <= s.per_capita_m2 + 1e-12
    assert 0 < s.sheltered_share < 1
    assert s.per_capita_m2 == pytest.approx(sample.shelters["area_m2"].sum()
                                            / sample.demand["population"].sum())
    a = s.assignment
    assert list(a.columns[:2]) == ["demand", "shelter"] and {"people", "metres"} <= set(a.columns)
    assert (a["metres"] <= a["shelter"].map(s.shelters["radius_m"]) + 1e-9).all()
    used = a.groupby("shelter")["people"].sum().reindex(s.shelters.index, fill_value=0.0)
    assert (used <= s.shelters["capacity"] + 1e-6).all()
    assert np.isfinite(s.rules.loc["S4-010", "value"])

    p = yj.shelters.plan(sample, curve_points=0, time_limit=30)
    assert set(p.new_shelters) <= set(sample.candidates.index)
    uses = sample.candidates.loc[p.new_shelters, "uses"].astype(str)
    assert uses.str.contains("shelter").all()
    # the plan shelters everyone it claims: re-assessed, not assumed
    assert p.after.sheltered >= p.target - 1e-6
    assert p.after.sheltered >= s.sheltered
    assert p.target + p.unreachable["unshelterable"].sum() == pytest.approx(s.population)
