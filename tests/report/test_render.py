"""The one report renderer: numbers and units, the message catalogue, the three formats of one
document, the CJK-font fallback, and notebook display (short ``__repr__``, ``_repr_html_``)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji._render import (
    Doc,
    Figure,
    KeyValues,
    Para,
    Section,
    Table,
    display,
    figures,
    fmt,
    render,
    table_from_frame,
)
from yingji._render.messages import MESSAGES, TERMS, t, term
from yingji.exceptions import ValidationError, YingjiWarning

SCI = re.compile(r"\d[eE][+-]?\d")


# ----------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("v, want", [
    (19090.0, "19,090"), (1.9095e4, "19,095"), (318_580_000, "318,580,000"), (0.7076, "0.7076"),
    (46.97, "46.97"), (1234.5678, "1,235"), (-2.5, "-2.5"), (1e-7, "0"), (3.2e-5, "0.000032"),
    (1e17, "100,000,000,000,000,000"), (float("nan"), "—"), (None, "—"), (np.int64(12345), "12,345"),
    (float("inf"), "∞"), (True, "yes"), ("C03", "C03")])
def test_number_has_separators_and_never_scientific(v, want):
    assert fmt.number(v) == want


def test_no_scientific_notation_over_many_magnitudes():
    rng = np.random.default_rng(0)
    for v in np.concatenate([10.0 ** rng.uniform(-9, 15, 400), -10.0 ** rng.uniform(-9, 15, 100)]):
        s = fmt.number(v)
        assert not SCI.search(s), (v, s)
        if abs(v) >= 1:  # the value survives the rounding to 4 significant digits
            assert abs(float(s.replace(",", "")) - v) <= 5e-4 * abs(v) + 0.5, (v, s)


def test_units_money_and_booleans_in_both_languages():
    assert fmt.quantity(342407, "people") == "342,407 people"
    assert fmt.quantity(342407, "people", lang="zh") == "342,407 人"
    assert fmt.km2(76_720_000, lang="zh") == "76.72 km²"
    assert fmt.minutes(4.25, lang="zh") == "4.2 分钟" or fmt.minutes(4.25, lang="zh") == "4.3 分钟"
    assert fmt.quantity(1.011, "m2/person", lang="zh") == "1.011 m²/人"
    assert fmt.money(318_580_000, lang="zh") == "31,858 万元"
    assert fmt.money(45_000, lang="zh") == "4.5 万元"
    assert fmt.money(2500, lang="zh") == "2,500 元"
    assert fmt.money(318_580_000) == "318,580,000 yuan"
    assert fmt.percent(0.97523) == "97.5%"
    assert fmt.number(False, lang="zh") == "否"
    assert fmt.quantity(5, "顶", lang="zh") == "5 顶"  # an item's own unit is kept


def test_table_from_frame_formats_every_cell():
    fr = pd.DataFrame({"id": ["S1", "S2"], "pop": [228447.0, np.nan], "cost": [3.1858e8, 1.5]})
    tb = table_from_frame(fr, columns={"id": "Station", "pop": "Population", "cost": "Cost"})
    assert tb.columns == ("Station", "Population", "Cost") and tb.align == ("l", "r", "r")
    assert tb.rows == (("S1", "228,447", "318,580,000"), ("S2", "—", "1.5"))


# ----------------------------------------------------------------------------- words

def test_catalogue_is_complete_and_chinese():
    han = re.compile(r"[\u4e00-\u9fff]")
    for key, (en, zh) in MESSAGES.items():
        assert en and zh, key
        # the same placeholders in both languages
        assert sorted(re.findall(r"{(\w+)}", en)) == sorted(re.findall(r"{(\w+)}", zh)), key
        if en not in ("—", "N") and not key.startswith(("cmp_max_district",)):
            assert han.search(zh) or zh == en, key
    assert t("fire_stations", "zh") == "消防站" and t("district_area", "zh") == "辖区面积"
    assert t("shelters", "zh") == "应急避难场所"
    assert t("within", "zh", m=4) == "4分钟内"


@pytest.mark.parametrize("word, zh", [
    ("class1", "一级站"), ("fire station (special)", "消防站(特勤站)"),
    ("fixed shelter", "固定避难场所"), ("rescue team base (flood;construction)",
                                      "救援队伍驻地(防汛、建筑施工)"),
    ("district 6.09 km², 39,101 people", "辖区 6.09 km²,39,101 人"),
    ("hold 3,348,272 (now 1,071,446)", "储备 3,348,272(现有 1,071,446)"),
    ("an item of its own (kept)", "an item of its own (kept)")])
def test_terms_from_the_data(word, zh):
    assert term(word, "zh") == zh
    assert term(word, "en") == word


def test_every_county_table_name_has_a_chinese_term():
    from yingji.county import TABLES

    assert [n for n in TABLES if n not in TERMS] == []


def test_bad_language_and_format_are_named():
    with pytest.raises(ValidationError, match="'lang'.*'fr'"):
        render(Doc("x", lang="fr"))
    with pytest.raises(ValidationError, match="'fmt'.*'pdf'"):
        render(Doc("x"), "pdf")


# ----------------------------------------------------------------------------- one document, three formats

def _doc(lang="en"):
    tb = Table(("Station", "Population"), (("S1", "228,447 people"), ("S2|x", ("fail", "s-fail"))),
               ("l", "r"), "per station")
    sec = Section("Fire <stations>", (KeyValues((("Area", "1,500.1 km²"),)), tb,
                                      Para("a note", "note"),
                                      Section("Inner", (Para("deeper"),), status="timeout")),
                  seconds=1.25, key="fire")
    return Doc("Report & co", (sec,), (("Generated", "today"),), ("closing",), lang)


def test_html_markdown_json_of_one_document():
    d = _doc()
    html = render(d, "html")
    assert html.startswith("<!DOCTYPE html>") and "<table" in html and "228,447 people" in html
    assert "Fire &lt;stations&gt;" in html and "Report &amp; co" in html  # escaped
    assert "@media print" in html and "A4" in html  # prints on A4
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # self-contained
    md = render(d, "md")
    assert "| Station | Population |" in md and "S2\\|x" in md and "## Fire <stations>" in md
    js = json.loads(render(d, "json"))
    sec = js["sections"][0]
    assert sec["title"] == "Fire <stations>" and sec["seconds"] == 1.25 and sec["key"] == "fire"
    assert [b["type"] for b in sec["blocks"]] == ["facts", "table", "paragraph", "section"]
    assert sec["blocks"][1]["rows"][1] == ["S2|x", "fail"]
    assert sec["blocks"][3]["status"] == "timeout"
    text = render(d, "text")
    assert "Inner [timed out]" in text and "228,447 people" in text
    assert "Inner [超时]" in render(_doc("zh"), "text")


def test_fragment_for_notebooks_is_not_a_page():
    frag = render(_doc(), "html", fragment=True)
    assert "<html" not in frag and "<table" in frag


# ----------------------------------------------------------------------------- figures and CJK

def test_missing_cjk_font_falls_back_with_a_warning_and_a_note(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(figures, "_FONT", [None])
    monkeypatch.setattr(figures, "_WARNED", [False])
    with pytest.warns(YingjiWarning, match="no CJK font"):
        assert figures.figure_lang("zh") == "en"
    fig = figures.line_chart(np.arange(3.0), np.arange(3.0), xlabel="x", ylabel="y")
    d = Doc("报告", (Section("图", (Figure(figures.to_svg(fig)),)),), lang="zh")
    assert t("no_cjk_font", "zh") in render(d)
    assert t("no_cjk_font", "zh") not in render(Doc("报告", (Section("无图", ()),), lang="zh"))


def test_figures_are_inline_svg_without_fonts_or_links():
    pytest.importorskip("matplotlib")
    fig = figures.bar_chart(["a", "b"], {"pass": [3, 4]}, colors={"pass": "#2e7d32"}, xlabel="n")
    svg = figures.to_svg(fig)
    assert svg.lstrip().startswith("<svg") and "<path" in svg
    assert "http://" not in svg.replace("http://www.w3.org", "") and "<text" not in svg


# ----------------------------------------------------------------------------- notebooks

@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


def test_county_display(county):
    r = repr(county)
    assert len(r) < 300 and "XX县" in r
    pytest.importorskip("matplotlib")
    html = county._repr_html_()
    assert "<table" in html and "<svg" in html and "517,377" in html and "<html" not in html
    zh = display.repr_html(county, "zh")
    assert "人口" in zh and "消防站" in zh


def test_results_have_short_repr_and_html(county):
    a = yj.fire.assess(county)
    r = repr(a)
    assert len(r) <= 240 and r.startswith("FireAssessment(")
    html = a._repr_html_()
    assert "<table" in html and len(html) < 2_000_000
    assert not SCI.search(re.sub(r"<svg.*?</svg>", "", html, flags=re.S))
    rep = yj.compliance.check(county, rules="county-plan-2020", computed=False)
    assert len(repr(rep)) <= 240 and "<table" in rep._repr_html_()


def test_fields_summary_of_a_plain_result():
    @display.displayable
    class R:
        def __init__(self):
            self.cost = 3.1858e8
            self.status = "optimal"
            self.table = pd.DataFrame({"a": range(5)})
            self.values = np.zeros(1000)

    s = repr(R())
    assert s == "R(cost=318,580,000 yuan, status=optimal)"
    html = R()._repr_html_()
    assert "table 5 × 1" in html and "1,000 values" in html


def test_every_public_result_class_is_displayable():
    """Every result dataclass of the domain packages shows a short repr and HTML."""
    import dataclasses
    import importlib
    import inspect

    missing = []
    for pkg in ("fire", "shelters", "teams", "supplies", "dispatch", "simulation", "siting",
                "compliance", "planning"):
        mod = importlib.import_module(f"yingji.{pkg}")
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if (inspect.isclass(obj) and dataclasses.is_dataclass(obj)
                    and obj.__module__.startswith("yingji.") and hasattr(obj, "to_frame")
                    and "_repr_html_" not in dir(obj)):
                missing.append(f"{pkg}.{name}")
    assert missing == []



def test_plan_notes_in_chinese():
    from yingji.planning.document import _note

    en = ("candidate sites chosen by more than one part (each part is planned on its own: check "
          "that the site can host all of them): C12 (fire, shelters)")
    zh = _note(en, "zh")
    assert zh.startswith("以下候选站址被多个部分同时选中") and "C12 (消防站、应急避难场所)" in zh
    assert _note(en, "en") == en


@pytest.mark.parametrize("name, v, want", [
    ("mean_minutes", 18.612, "18.61 min"), ("coverage_share", 0.4231, "42.3%"),
    ("share_queued", 0.0, "0.0%"), ("cost", 3.1858e8, "318,580,000 yuan"),
    ("max_district_km2", 48.1, "48.1 km²"), ("per_capita_m2", 0.7076, "0.7076 m²/person"),
    ("total_area_m2", 366100.0, "366,100 m²"), ("population", 517377, "517,377 people"),
    ("replications", 10, "10"), ("optimal", True, "yes")])
def test_result_fields_carry_the_unit_of_their_name(name, v, want):
    assert display.field_value(name, v) == want


def test_result_titles_in_chinese():
    assert display.summary_of(yj.fire.load_standard("GB51080"), "zh")["title"] == "消防站标准"


def test_result_field_labels():
    from yingji._render.messages import field_label

    assert field_label("gap", "zh") == "最优性差距" and field_label("gap") == "Optimality gap"
    assert field_label("some_new_field", "zh") == "some_new_field"
    # English: the name in words, the unit suffix left to the value; not snake_case: as given
    assert field_label("expected_cost") == "Expected cost"
    assert field_label("total_area_m2") == "Total area"
    assert field_label("some_new_field") == "Some new field"
    assert field_label("Already Labelled") == "Already Labelled"
    from yingji._render.messages import term
    assert term("hazardous_chemicals") == "hazardous chemicals"
    assert term("crew_short", "zh") == "人员不足" and term("class1") == "class1"


def test_english_reports_show_no_raw_field_names(county):
    """Issue noticed in sessions 7–8: the English summaries showed ``expected_cost`` etc."""
    @display.displayable
    class R:
        def __init__(self):
            self.expected_cost = 1.0e6
            self.first_stage_cost = 2.0e5
            self.total_area_m2 = 10.0

    r = R()
    facts = dict(display.summary_of(r, "en")["facts"])
    assert set(facts) == {"Expected cost", "First stage cost", "Total area"}
    assert facts["Total area"] == "10 m²"
    # the repr keeps the names the code uses
    assert repr(r).startswith("R(expected_cost=1,000,000 yuan, first_stage_cost=")
    html = yj.teams.allocate(county)._repr_html_()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>|<style.*?</style>", "", html, flags=re.S))
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), text

    @display.displayable
    class R:
        def __init__(self):
            self.turnout_minutes = 1.0
            self.status = "time_limit"

    facts = dict(display.summary_of(R(), "zh")["facts"])
    assert facts == {"出动时间": "1 分钟", "求解状态": "达到时间上限"}
