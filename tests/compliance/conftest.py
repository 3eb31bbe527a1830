"""Fixtures for the compliance tests: small County-like objects built by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from naive_compliance import make_county


@pytest.fixture
def small_county():
    """Three demand points (4000 people), two shelters (6000 m2), two stations, two teams."""
    demand = pd.DataFrame({"x": [0.0, 1000.0, 2000.0], "y": [0.0, 500.0, 0.0],
                           "population": [1000, 2000, 1000]}, index=["d1", "d2", "d3"])
    shelters = pd.DataFrame({"x": [500.0, 1500.0], "y": [200.0, 300.0],
                             "shelter_class": ["emergency", "fixed"],
                             "area_m2": [1000.0, 5000.0]}, index=["s1", "s2"])
    stations = pd.DataFrame({"x": [100.0, 1900.0], "y": [100.0, 0.0],
                             "station_class": ["class1", "small"], "engines": [3, 2],
                             "ladders": [1, 0], "staff": [32, 14]}, index=["f1", "f2"])
    teams = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0],
                          "skills": ["hazchem;water", "construction"],
                          "crew": [20, 15], "vehicles": [3, 2]}, index=["t1", "t2"])
    return make_county([("township_leading_group_coverage", 100)], demand=demand,
                       shelters=shelters, stations=stations, teams=teams)


@pytest.fixture
def one_rule():
    """Build a one-row rules DataFrame."""

    def _make(operator=">=", threshold="10", metric="m_x", unit="count", deadline="",
              veto="no", rid="U-1", **extra):
        row = {"id": rid, "metric": metric, "operator": operator, "threshold": threshold,
               "unit": unit, "deadline": deadline, "veto": veto, "clause": "1.1",
               "source": "user", "name_en": "test rule", "name_zh": "测试"}
        row.update(extra)
        return pd.DataFrame([row])

    return _make


@pytest.fixture
def builtin_only(monkeypatch):
    """The registry with only this package's county-wide metrics (no domain modules)."""
    from yingji.compliance import metrics

    monkeypatch.setattr(metrics, "_REGISTRY", dict(metrics._BUILTIN))
    monkeypatch.setattr(metrics, "_BUILTIN", dict(metrics._BUILTIN))
    monkeypatch.setattr(metrics, "PLUGIN_MODULES", ())
    monkeypatch.setattr(metrics, "DOMAIN_METRIC_MODULES", ())
    return metrics
