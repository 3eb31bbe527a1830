"""The planner-facing outputs finished in issue 21: the demo's shelter and simulation sections as
report blocks, the plan's notes in Chinese, shelter maps in the county map style, ``.explore()``
and ``--geojson`` on the domain commands."""

from __future__ import annotations

import argparse
import json
import re
import sys

import numpy as np
import pytest

import yingji as yj
from yingji import cli
from yingji._render import Figure, KeyValues, Pre, Section, Table
from yingji._render.messages import NOTE_PATTERNS, note

#: English left in a Chinese note: a word of 4+ letters that is not an id or a named parameter.
ENGLISH = re.compile(r"\b(?!sample_scenarios|time_limit|fire\b|uses\b)[A-Za-z]{4,}\b")


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


def _walk(blocks):
    for b in blocks:
        yield b
        if isinstance(b, Section):
            yield from _walk(b.blocks)


# ----------------------------------------------------------------------------- notes

#: Notes as the domain modules write them (fire.planner, fire.availability, fire.assessment,
#: planning.parts), with made-up values.
NOTES = [
    "Trade-off curve cut by time_limit=2.5 s from 3 new stations on (rows without a plan; their "
    "bound is the coverable population).",
    "District-area limits no plan can meet (their minimal districts are used): {'S3': 2.46, 'S7': 9.0}.",
    "No feasible plan found within time_limit=10 s; nothing opened. Raise time_limit.",
    "No candidate sites with 'fire' in their uses: nothing to open.",
    "Bound taken from the plan without district-area limits (a relaxation).",
    "New stations are assumed staffed and equipped to their class (建标152-2017) unless the "
    "candidates say otherwise.",
    "Availability plan: district-area limits and backup coverage are not part of its model.",
    "12 coverable in-scope points cannot have 2 engines within the budget whatever is built; they "
    "get every engine any site can bring.",
    "Percentiles weighted by incidents.",
    "Full alarm = 3 companies (ceil(15 persons / 5 crew)); companies per station from the units table.",
    "Setbacks not checked: no venues with x/y given.",
    "84 urban demand point(s) no station or candidate can reach within the travel budget: "
    "['D0236', 'D0255']",
    "the coverage target is not met by this plan",
    "283,857 people in 1515 demand point(s) cannot be sheltered by any shelter or candidate "
    "within walking reach",
    "2 gap(s) no candidate base closes: H1 flood (too_far), H7 earthquake (no_skill)",
    "3 scenarios from sample_scenarios(seed=0); expected cost 30,586,019 yuan (first stage "
    "17,774,359 yuan), value of the stochastic solution 7,062,791 yuan",
]


@pytest.mark.parametrize("en", NOTES)
def test_each_note_has_a_chinese_form(en):
    zh = note(en, "zh")
    assert zh != en and re.search(r"[\u4e00-\u9fff]", zh)
    assert not ENGLISH.search(zh.replace("units table", "")), zh
    assert note(en, "en") == en


def test_note_values_survive_translation():
    assert note(NOTES[1], "zh").endswith("S3 2.46 km²、S7 9.0 km²。")
    assert "D0236、D0255等" in note(NOTES[11], "zh")  # 84 points, 2 listed
    zh = note(NOTES[15], "zh")
    assert "3,059 万元" in zh and "1,777 万元" in zh and "706 万元" in zh and "随机种子 0" in zh
    gaps = note(NOTES[14], "zh")
    assert gaps.startswith("2 项缺口") and "H1 防汛(距离过远)" in gaps and "H7 地震(无对应专业队伍)" in gaps
    assert note("a note nobody wrote a pattern for", "zh") == "a note nobody wrote a pattern for"
    assert len(NOTE_PATTERNS) >= len(NOTES)


def test_chinese_plan_report_has_no_english_notes(county):
    from yingji.planning.document import document

    p = yj.planning.plan(county, time_limit=8, seed=0, n_scenarios=2, shelter_curve_points=0)
    notes = [b.text for b in _walk(document(p, "zh", plots=False).sections)
             if getattr(b, "kind", "") == "note"]
    part_notes = [n for s in p.sections for n in s.notes] + list(p.notes)
    assert part_notes  # the sample county's plan has notes to translate
    for n in notes:
        assert not ENGLISH.search(n), n


# ----------------------------------------------------------------------------- demo sections

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_shelter_section_is_report_blocks(county, lang):
    pytest.importorskip("matplotlib")
    from yingji.cli.shelters import _demo_blocks

    blocks = _demo_blocks(county, time_limit=30, full=False, lang=lang, figures=True)
    kinds = [type(b) for b in _walk(blocks)]
    assert Pre not in kinds and KeyValues in kinds and Table in kinds and Figure in kinds
    tables = [b for b in _walk(blocks) if isinstance(b, Table)]
    a = yj.shelters.assess(county)
    rules = tables[0]
    assert [r[0] for r in rules.rows] == list(a.rules.index)  # every rule, in order
    failed = [r[0] for r in rules.rows if r[-1][1] == "s-fail"]
    assert failed == [i for i, ok in a.passed.items() if not ok]
    text = " ".join(str(c) for tb in tables for r in tb.rows for c in r)
    if lang == "zh":
        assert "人均避难场所面积" in text  # rule names from the compliance catalogue
        now, after = [dict(b.items) for b in _walk(blocks) if isinstance(b, KeyValues)]
        assert now["全县人均避难场所面积"] == "0.71 m²/人"
        assert after["全县人均避难场所面积"] == "0.71 → 1.01 m²/人"
        assert "万元" in after["投资"] and "e+" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_simulation_section_is_report_blocks(county, lang):
    from yingji.cli.simulation import _demo_simulation

    blocks = _demo_simulation(county, argparse.Namespace(lang=lang, time_limit=30.0, full=False))
    assert not any(isinstance(b, Pre) for b in blocks)
    sim, dispatch = [b for b in blocks if isinstance(b, Table)]
    assert len(sim.columns) == 3 and len(sim.rows) == 6 and len(dispatch.rows) == 3
    if lang == "zh":
        assert sim.rows[0][0] == "90%分位响应时间" and "分钟" in sim.rows[0][1]
        assert dispatch.rows[0][0].startswith("建筑火灾") and "救护车" in dispatch.rows[2][2][0]
    else:
        assert re.fullmatch(r"[\d.]+ min \[[\d.]+ min, [\d.]+ min\]", sim.rows[0][1])


# ----------------------------------------------------------------------------- shelter maps

def test_shelter_plot_is_the_county_map(county):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.offsetbox import AnchoredOffsetbox

    a = yj.shelters.assess(county)
    ax = a.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"everyone sheltered", "people without a place", "shelter"} <= set(labels)
    assert any(isinstance(c, AnchoredOffsetbox) for c in ax.artists)  # the scale bar
    assert ax.get_xlabel() == "x (km)"
    # red rings: exactly the demand points with people left without a place
    rings = [c for c in ax.collections if len(c.get_edgecolor()) and
             np.allclose(c.get_edgecolor()[0][:3], mpl.colors.to_rgb("#c62828"))
             and not len(c.get_facecolor())]
    assert len(rings) == 1
    assert len(rings[0].get_offsets()) == int((a.demand["unsheltered"] > 0.5).sum())
    p = yj.shelters.plan(county, curve_points=0, time_limit=20)
    ax = p.plot()
    stars = [c for c in ax.collections if len(c.get_facecolor()) and
             np.allclose(c.get_facecolor()[0][:3], mpl.colors.to_rgb("#0d47a1"))]
    assert len(stars) == 1 and len(stars[0].get_offsets()) == len(p.new_shelters)
    assert "new shelter" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(yj.exceptions.ValidationError, match="'kind' parameter of ShelterPlan.plot"):
        p.plot(kind="bar")
    assert "<svg" in p._repr_html_()
    plt.close("all")


def test_english_map_draws_chinese_township_names(county, tmp_path):
    """An English map still labels the townships (Chinese names) in a CJK font, not boxes."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import warnings

    from yingji._render.figures import cjk_font_name

    if cjk_font_name() is None:
        pytest.skip("no CJK font installed")
    ax = yj.shelters.assess(county).plot()
    names = [x for x in ax.texts if not x.get_text().isascii()]
    assert len(names) == county.demand["township"].nunique()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        ax.figure.savefig(tmp_path / "map.png", dpi=40)


# ----------------------------------------------------------------------------- explore

def test_explore_without_folium_names_what_to_install(county, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)
    a = yj.fire.assess(county)
    with pytest.raises(ImportError, match=r"explore needs folium: pip install 'yingji\[map\]'"):
        a.explore()


def test_explore_draws_every_layer(county):
    pytest.importorskip("geopandas")
    folium = pytest.importorskip("folium")
    pytest.importorskip("mapclassify")
    a = yj.fire.assess(county)
    m = a.explore(tiles=None)
    layers = [c.layer_name for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert layers == ["station", "demand", "district"]
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())
    n = {f["properties"]["layer"] for f in a.to_geojson()["features"]}
    assert set(layers) == n
    s = yj.shelters.assess(county).explore(layers=["shelter", "assignment"], tiles=None)
    assert [c.layer_name for c in s._children.values()
            if isinstance(c, folium.GeoJson)] == ["shelter", "assignment"]
    with pytest.raises(yj.exceptions.ValidationError, match="'layers' parameter.*'roads'"):
        a.explore(layers=["roads"])


# ----------------------------------------------------------------------------- --geojson

@pytest.mark.parametrize("argv, layers", [
    (["fire", "assess"], {"station", "demand", "district"}),
    (["shelters"], {"shelter", "demand", "assignment"}),
    (["teams"], {"team", "hazard", "assignment"}),
])
def test_cli_writes_geojson(argv, layers, tmp_path, capsys):
    pytest.importorskip("pyproj")
    f = tmp_path / "out.geojson"
    assert cli.main(argv + ["--json", "--geojson", str(f)]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays the JSON
    assert str(f) in captured.err
    fc = json.loads(f.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    got = {ft["properties"]["layer"] for ft in fc["features"]}
    assert layers <= got
    lon, lat = next(ft["geometry"]["coordinates"] for ft in fc["features"]
                    if ft["geometry"] and ft["geometry"]["type"] == "Point")
    assert -180 <= lon <= 180 and -90 <= lat <= 90
