"""Every map in one county style: the domain commands' maps (fire assess / plan, shelters) show
roads by class and township names like the demo's, also for a county given in lon/lat; labels
keep off the markers; the figures' raster layers are one compact image."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from lonlat_county import write_lonlat

import yingji as yj
from yingji._render.figures import cjk_font_name, new_figure, to_svg

mpl = pytest.importorskip("matplotlib")
from matplotlib.collections import LineCollection  # noqa: E402

#: Township names are Chinese: without a CJK font the maps leave them out (no boxes in their place)
needs_cjk = pytest.mark.skipif(cjk_font_name() is None,
                               reason="no CJK font installed (Debian: fonts-noto-cjk)")


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


def _roads_and_names(ax):
    roads = [c for c in ax.collections if isinstance(c, LineCollection)]
    names = {t.get_text() for t in ax.texts}
    return roads, names


def _fire_map(result, county=None):
    fig = new_figure(8.6, 6.4, "en")
    ax = fig.subplots()
    result._map_(ax, "en", county=county)
    return fig, ax


@needs_cjk
def test_fire_assessment_map_with_the_county_has_roads_districts_and_townships(county):
    a = yj.fire.assess(county)
    _fig, bare = _fire_map(a)
    roads0, names0 = _roads_and_names(bare)
    assert roads0 == [] and not names0 & set(county.demand["township"])  # the result alone
    _fig, ax = _fire_map(a, county)
    roads, names = _roads_and_names(ax)
    # districts, service areas and the three road classes
    assert len(roads) >= 4 and sum(len(c.get_segments()) for c in roads) > len(county.network.to_frames()[0])
    assert set(county.demand["township"]) <= names
    # the service areas reach exactly the road segments the stations reach within the budget
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"({a.travel_budget:g} min)" in s for s in legend)


_write_lonlat = write_lonlat


@pytest.mark.slow
@needs_cjk
def test_lonlat_fire_plan_map_is_the_county_map(county, tmp_path, monkeypatch):
    pytest.importorskip("pyproj")
    ll = yj.County.load(_write_lonlat(county, tmp_path))
    p = yj.fire.plan(ll, time_limit=10, tradeoff=False)
    _fig, ax = _fire_map(p, ll)
    roads, names = _roads_and_names(ax)
    assert len(roads) >= 4 and set(county.demand["township"]) <= names
    # the km axes start at the county's south-west corner whatever CRS it was given in
    lo, hi = ax.get_xlim()
    assert -5 < lo < 0 and 10 < hi < 100  # km, not degrees
    # and the command's report passes the county to the map
    from yingji._render import display

    seen = []
    real = display.map_block

    def spy(obj, lang="en", **kw):
        seen.append(kw.get("county"))
        return real(obj, lang, **kw)

    monkeypatch.setattr(display, "map_block", spy)
    from yingji.cli._report import result_section

    result_section(p, "zh", figures=True, county=ll)
    assert seen and seen[0] is ll


@needs_cjk
def test_township_labels_keep_off_the_stations(county):
    from yingji._render.maps import county_map

    fig = new_figure(8.6, 6.4, "en")
    ax = county_map(county, ax=fig.subplots(), lang="en")
    r = fig._get_renderer()
    st = county.stations[county.stations["station_class"] != "logistics"]
    x0, y0 = ax.yingji_origin_m
    px = ax.transData.transform(np.c_[(st["x"] - x0) / 1000, (st["y"] - y0) / 1000])
    boxes = [t.get_window_extent(r) for t in ax.texts if t.get_text() in set(county.demand["township"])]
    assert len(boxes) == county.demand["township"].nunique()
    for b in boxes:  # no station's centre under a township name
        assert not any(b.x0 <= x <= b.x1 and b.y0 <= y <= b.y1 for x, y in px)
    for i, a in enumerate(boxes):  # and no two names on each other
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_rasterized_layers_become_palette_pngs():
    fig = new_figure(4, 3, "en")
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    ax.scatter(rng.random(2000), rng.random(2000), c=rng.random(2000), rasterized=True)
    svg = to_svg(fig)
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)", svg)
    from PIL import Image

    assert len(pngs) == 1 and Image.open(io.BytesIO(base64.b64decode(pngs[0]))).mode == "P"


@pytest.mark.slow
def test_a_map_is_one_palette_image_plus_vectors(county):
    """The map's raster layers (districts, service areas, roads, demand) are one image, stored
    as a palette PNG; what a reader reads (axes, names) stays vector."""
    from PIL import Image

    from yingji._render.maps import map_figure

    svg = to_svg(map_figure(county, lang="en"))
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)", svg)
    assert len(pngs) == 1
    im = Image.open(io.BytesIO(base64.b64decode(pngs[0])))
    assert im.mode == "P" and im.size[0] > 600
    assert len(svg) < 600_000
