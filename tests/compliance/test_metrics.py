"""The computed-metric registry and unit conversion."""

from __future__ import annotations

import pytest

from yingji.compliance import metrics as M
from yingji.compliance._units import UnitError, convert, normalise_unit
from yingji.exceptions import ValidationError


@pytest.fixture
def clean(monkeypatch):
    monkeypatch.setattr(M, "_REGISTRY", {})
    monkeypatch.setattr(M, "_BUILTIN", {})
    monkeypatch.setattr(M, "PLUGIN_MODULES", ())
    monkeypatch.setattr(M, "DOMAIN_METRIC_MODULES", ())
    return M


def f1(county, **kw):
    return 1


def f2(county, **kw):
    return 2


def test_register_get_unregister(clean):
    M.register_metric("a_metric", unit="count", description="one", requires=("demand",))(f1)
    spec = M.get_metric("a_metric")
    assert spec.func is f1 and spec.unit == "count" and spec.requires == ("demand",)
    assert spec.module == __name__ and not spec.provisional
    t = M.registered_metrics()
    assert list(t["metric"]) == ["a_metric"] and t.at[0, "requires"] == "demand"
    M.unregister_metric("a_metric")
    M.unregister_metric("a_metric")  # no error when absent
    assert M.get_metric("a_metric") is None


def test_duplicate_replace_and_same_function(clean):
    M.register_metric("a_metric", unit="count")(f1)
    with pytest.raises(ValidationError, match="'name' parameter of register_metric must be a "
                                              "metric not registered yet.*already registered by"):
        M.register_metric("a_metric", unit="count")(f2)
    M.register_metric("a_metric", unit="count")(f1)  # re-registering the same function is fine
    M.register_metric("a_metric", unit="%", replace=True)(f2)
    assert M.get_metric("a_metric").func is f2


def test_provisional_gives_way_and_stays_as_fallback(clean):
    M.register_metric("a_metric", unit="count", provisional=True)(f1)
    M.register_metric("a_metric", unit="count")(f2)  # silently replaces the provisional one
    assert [s.func for s in M.metric_chain("a_metric")] == [f2, f1]
    M.register_metric("a_metric", unit="count", provisional=True)(f1)  # never displaces f2
    assert M.get_metric("a_metric").func is f2


def test_aliases_share_a_registration(clean):
    M.register_metric("shelter_living_area_per_capita", unit="m2/person")(f1)
    assert M.get_metric("shelter_area_per_capita").func is f1
    assert "shelter_area_per_capita" in M._REGISTRY


def test_plugin_loading(monkeypatch, clean):
    import sys
    import types

    mod = types.ModuleType("yingji_fake_plugin_for_tests")

    def _imported():
        M.register_metric("plugin_metric", unit="count")(f1)

    mod.__dict__["_x"] = _imported
    monkeypatch.setitem(sys.modules, "yingji_fake_plugin_for_tests", mod)
    monkeypatch.setattr(M, "PLUGIN_MODULES", ("yingji_fake_plugin_for_tests",
                                              "yingji_no_such_module_xyz"))
    monkeypatch.setattr(M, "_PLUGINS_LOADED", set())
    assert M.load_metric_plugins() == ["yingji_fake_plugin_for_tests"]
    assert M.load_metric_plugins() == []  # once


def test_plugin_import_errors_warn(monkeypatch, clean, tmp_path):
    (tmp_path / "yj_broken_plugin.py").write_text("raise RuntimeError('half written')\n")
    (tmp_path / "yj_dep_plugin.py").write_text("import yj_missing_dependency_abc\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(M, "PLUGIN_MODULES", ("yj_broken_plugin", "yj_dep_plugin"))
    monkeypatch.setattr(M, "_PLUGINS_LOADED", set())
    with pytest.warns(UserWarning) as rec:
        assert M.load_metric_plugins() == []
    text = " ".join(str(w.message) for w in rec)
    assert "yj_broken_plugin failed to import (RuntimeError: half written)" in text
    assert "yj_dep_plugin could not be imported" in text


def test_registered_builtins_present():
    t = M.registered_metrics()
    for name in ("staff_class1", "vehicles_special", "class1_station_exists",
                 "rescue_team_hazchem_exists", "shelter_effective_site_area"):
        assert name in set(t["metric"])


@pytest.mark.parametrize("v,f,t,out", [
    (240, "s", "min", 4.0), (4, "min", "s", 240.0), (12, "h", "min", 720.0), (2, "days", "h", 48),
    (1500, "m", "km", 1.5), (2.5, "km2", "m2", 2.5e6), (1, "hm2", "m2", 1e4), (0.85, "share", "%", 85),
    (50, "m2/10k persons", "m2/person", 0.005), (7, "persons", "persons", 7), (7, "", "count", 7),
    (3, "m²", "m2", 3),
])
def test_convert(v, f, t, out):
    assert convert(v, f, t) == pytest.approx(out)


def test_convert_errors():
    with pytest.raises(UnitError, match=r"cannot convert unit 'm' \(length\) to 'min' \(time\)"):
        convert(1, "m", "min")
    with pytest.raises(UnitError, match="cannot convert unit 'persons' to 'count'"):
        convert(1, "persons", "count")
    assert normalise_unit(None) == "" and normalise_unit(" km² ") == "km2"


# ---- S1-033 fire-station layout, from the GB 51080 4.1.3 figures -----------------------------

@pytest.fixture
def layout(monkeypatch):
    """The registry with the built-in layout metric and stand-ins for the fire metrics."""
    monkeypatch.setattr(M, "_REGISTRY", {"fire_station_layout_compliant":
                                         M._BUILTIN["fire_station_layout_compliant"]})
    monkeypatch.setattr(M, "_BUILTIN", {})
    monkeypatch.setattr(M, "PLUGIN_MODULES", ())
    monkeypatch.setattr(M, "DOMAIN_METRIC_MODULES", ())
    figures = {}

    def stand_in(name, unit):
        def f(county, **kw):
            v = figures.get(name)
            if isinstance(v, Exception):
                raise v
            return v
        M.register_metric(name, unit=unit, replace=True)(f)

    stand_in("fire_response_edge_minutes", "s")  # seconds: converted to the rule's minutes
    stand_in("fire_district_area_standard_km2", "km2")
    stand_in("fire_district_area_edge_km2", "m2")
    return figures


def _layout(county=None):
    return M.get_metric("fire_station_layout_compliant").func(county)


@pytest.mark.parametrize("edge_s,std_km2,edge_m2,ok", [
    (300.0, 7.0, 15e6, True),  # every limit met exactly (<=)
    (301.0, 7.0, 15e6, False),  # S3-001: 5 min 1 s
    (240.0, 7.5, 1e6, False),  # S3-002: 7 km2
    (240.0, 5.0, 16e6, False),  # S3-003: 15 km2
    (240.0, None, None, True),  # area limits that do not apply are skipped
])
def test_layout_metric_combines_the_gb51080_limits(layout, edge_s, std_km2, edge_m2, ok):
    layout.update({"fire_response_edge_minutes": edge_s, "fire_district_area_standard_km2": std_km2,
                   "fire_district_area_edge_km2": edge_m2})
    assert _layout() is ok


def test_layout_metric_needs_the_five_minute_figure(layout):
    layout.update({"fire_response_edge_minutes": M.MetricUnavailable("no urban demand points"),
                   "fire_district_area_standard_km2": 3.0})
    with pytest.raises(M.MetricUnavailable, match=r"S3-001\) cannot be computed \(S3-001: no urban demand"):
        _layout()
    layout["fire_response_edge_minutes"] = None
    with pytest.raises(M.MetricUnavailable, match=r"5-minute district-edge figure \(S3-001\) cannot be computed$"):
        _layout()


def test_sample_county_layout_is_computed_and_flags_the_reported_figure():
    """The sample county reports S1-033 as met; the network model says the 5 minutes are not."""
    ds = pytest.importorskip("yingji.datasets")
    from yingji.compliance import check

    county = ds.sample_county()
    f = check(county, rules="county-plan-2020", as_of="2026-01-01").to_frame().set_index("rule_id")
    row = f.loc["S1-033"]
    assert row["basis"] == "computed" and row["status"] == "fail"
    assert row["reported_value"] == True and row["computed_value"] == False  # noqa: E712
    assert row["discrepancy"]
    edge = check(county, rules="GB51080", as_of="2026-01-01").to_frame().set_index("rule_id")
    assert edge.loc["S3-001", "status"] == "fail"  # the reason: S3-001 fails on the same county


def test_a_user_metric_replaces_a_domain_metric_only_with_replace():
    """Domain metrics are registered before any user registration, so replace=True overrides
    them and a plain registration of a taken name is refused (naming who holds it)."""
    from yingji.exceptions import ValidationError as VE

    M.load_metric_plugins()
    holder = M.get_metric("fire_response_edge_minutes")
    try:
        with pytest.raises(VE, match="already registered by yingji.compliance.domain_metrics"):
            M.register_metric("fire_response_edge_minutes", unit="min")(f1)
        M.register_metric("fire_response_edge_minutes", unit="min", replace=True)(f2)
        assert M.get_metric("fire_response_edge_minutes").func is f2
        M.load_metric_plugins()  # loading again never puts the domain metric back
        assert M.get_metric("fire_response_edge_minutes").func is f2
    finally:
        M._REGISTRY[holder.name] = holder
