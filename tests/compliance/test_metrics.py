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
