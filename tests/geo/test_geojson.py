"""GeoJSON out: every located result validated against an RFC 7946 schema and read back with
geopandas; a county in lon/lat gives the same results as in metres; service areas."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lonlat_county import write_lonlat

import yingji as yj
from yingji._crs import metric_crs, transform_xy
from yingji.exceptions import ValidationError

gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")
jsonschema = pytest.importorskip("jsonschema")

# --- a compact JSON Schema of an RFC 7946 FeatureCollection (sections 3.1-3.3) -------------
_POS = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"},
        "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                        {"type": "number", "minimum": -90, "maximum": 90}]}
_RING = {"type": "array", "minItems": 4, "items": _POS}
_LINE = {"type": "array", "minItems": 2, "items": _POS}


def _geom(t, coords):
    return {"type": "object", "required": ["type", "coordinates"],
            "properties": {"type": {"const": t}, "coordinates": coords}}


GEOMETRY = {"oneOf": [
    _geom("Point", _POS), _geom("LineString", _LINE), _geom("Polygon", {"type": "array", "items": _RING}),
    _geom("MultiPoint", {"type": "array", "items": _POS}),
    _geom("MultiLineString", {"type": "array", "items": _LINE}),
    _geom("MultiPolygon", {"type": "array", "items": {"type": "array", "items": _RING}}),
]}
FEATURE_COLLECTION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"const": "Feature"},
                           "id": {"type": ["string", "number"]},
                           "geometry": {"oneOf": [{"type": "null"}, GEOMETRY]},
                           "properties": {"type": ["object", "null"]}}}},
    },
}


def _rings(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    return []


def _signed_area(ring):
    a = np.asarray(ring, dtype=float)
    return 0.5 * float(np.sum(a[:-1, 0] * a[1:, 1] - a[1:, 0] * a[:-1, 1]))


def check_geojson(fc: dict) -> "gpd.GeoDataFrame":
    """Schema-valid, closed rings wound by the right-hand rule, valid shapes, unique ids, and
    geopandas reads it back with as many rows."""
    jsonschema.Draft202012Validator(FEATURE_COLLECTION).validate(fc)
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))
    for f in fc["features"]:
        g = f["geometry"]
        if g is None:
            continue
        for poly in _rings(g):
            for k, ring in enumerate(poly):
                assert ring[0] == ring[-1]
                assert (_signed_area(ring) > 0) == (k == 0), "right-hand rule (RFC 7946, 3.1.6)"
        assert shapely.geometry.shape(g).is_valid
    text = json.dumps(fc, allow_nan=False)
    back = gpd.read_file(io.StringIO(text))
    assert len(back) == len(fc["features"])
    return back


@pytest.fixture(scope="module")
def county():
    return yj.datasets.sample_county()


@pytest.fixture(scope="module")
def lonlat_folder(county, tmp_path_factory):
    """The sample county written in metres, then every x/y turned into lon/lat."""
    return write_lonlat(county, tmp_path_factory.mktemp("ll"))


# --- coordinates --------------------------------------------------------------------------
def test_metric_crs_choice():
    assert metric_crs(113.99, 30.67) == "EPSG:4547"      # CGCS2000 3-degree zone CM 114E
    assert metric_crs(75.2, 39.5) == "EPSG:4534"         # CM 75E (Kashgar)
    assert metric_crs(134.9, 48.0) == "EPSG:4554"        # CM 135E
    assert metric_crs(2.35, 48.85) == "EPSG:32631"       # Paris: UTM 31N
    assert metric_crs(-58.4, -34.6) == "EPSG:32721"      # Buenos Aires: UTM 21S


def test_lonlat_county_equals_metre_county(county, lonlat_folder, tmp_path):
    ll = yj.County.load(lonlat_folder)
    assert ll.meta["crs"] == county.meta["crs"] and ll.meta["input_crs"] == "EPSG:4326"
    for name in ("demand", "stations", "candidates", "shelters", "teams", "hazards"):
        a, b = getattr(county, name), getattr(ll, name)
        np.testing.assert_allclose(b[["x", "y"]].to_numpy(float), a[["x", "y"]].to_numpy(float),
                                   atol=1e-3)
        assert (a["node"] == b["node"]).all(), name
    np.testing.assert_allclose(ll.network.node_xy(), county.network.node_xy(), atol=1e-3)
    fa, fb = yj.fire.assess(county), yj.fire.assess(ll)
    assert fa.coverage_share == pytest.approx(fb.coverage_share, abs=1e-12)
    pd.testing.assert_series_equal(fa.stations["area_km2"], fb.stations["area_km2"])
    sa, sb = yj.shelters.assess(county), yj.shelters.assess(ll)
    assert sa.sheltered == pytest.approx(sb.sheltered, rel=1e-9)
    # written back in lon/lat, read again: the same county
    ll.save(tmp_path / "back")
    assert 'crs = "EPSG:4326"' in (tmp_path / "back" / "county.toml").read_text(encoding="utf-8")
    again = yj.County.load(tmp_path / "back")
    np.testing.assert_allclose(again.demand[["x", "y"]].to_numpy(float),
                               county.demand[["x", "y"]].to_numpy(float), atol=1e-3)
    # GeoJSON of the lon/lat county is the same as of the metre county
    ga, gb = fa.to_geojson(), fb.to_geojson()
    pa = [f["geometry"]["coordinates"] for f in ga["features"] if f["properties"]["layer"] == "station"]
    pb = [f["geometry"]["coordinates"] for f in gb["features"] if f["properties"]["layer"] == "station"]
    np.testing.assert_allclose(pa, pb, atol=1e-7)
    assert fb.to_geodataframe().crs.to_epsg() == 4326       # the county's own CRS
    assert fa.to_geodataframe().crs.to_epsg() == 4547


def test_lonlat_county_service_areas_equal(county, lonlat_folder):
    """Service areas and districts of the county given in lon/lat equal the metre county's (a
    new user found GEOS failing on the projected coordinates' float noise)."""
    ll = yj.County.load(lonlat_folder)
    a = yj.fire.service_areas(county, minutes=4).areas
    b = yj.fire.service_areas(ll, minutes=4).areas
    pd.testing.assert_frame_equal(a.round(6), b.round(6))
    assert b["district_polygon_km2"].notna().all() and b["district_polygon_km2"].sum() > 0


def _lonlat_doc(county) -> dict:
    """The sample county as a JSON document written by hand in lon/lat (``crs`` EPSG:4326)."""
    doc = json.loads(county.to_json())
    src = county.meta["crs"]
    doc["meta"]["crs"] = "EPSG:4326"
    doc["meta"].pop("input_crs", None)
    nodes = doc["network"]["nodes"]
    nodes["x"], nodes["y"] = (v.tolist() for v in transform_xy(nodes["x"], nodes["y"], src, "EPSG:4326"))
    for entry in doc["tables"].values():
        cols = entry["columns"]
        if {"x", "y"} <= set(cols) and cols["x"]:
            x = np.array([np.nan if v is None else v for v in cols["x"]], dtype=float)
            y = np.array([np.nan if v is None else v for v in cols["y"]], dtype=float)
            lon, lat = transform_xy(x, y, src, "EPSG:4326")
            cols["x"] = [None if np.isnan(v) else float(v) for v in lon]
            cols["y"] = [None if np.isnan(v) else float(v) for v in lat]
    return doc


@pytest.mark.slow
def test_lonlat_county_plan_and_roads_equal(county, lonlat_folder):
    """The lon/lat sample county: fire.plan chooses the same stations at the same cost, and the
    county's own GeoJSON (roads, located tables) is the metre county's."""
    ll = yj.County.load(lonlat_folder)
    pa, pb = (yj.fire.plan(c, time_limit=20, tradeoff=False) for c in (county, ll))
    assert sorted(pa.new_stations) == sorted(pb.new_stations) and pa.cost == pytest.approx(pb.cost)
    assert pb.after.coverage_share == pytest.approx(pa.after.coverage_share, abs=1e-12)
    ca, cb = county.to_geojson()["features"], ll.to_geojson()["features"]
    assert [f["id"] for f in ca] == [f["id"] for f in cb]
    np.testing.assert_allclose([np.ravel(f["geometry"]["coordinates"]) for f in ca if f["id"].startswith("road/")],
                               [np.ravel(f["geometry"]["coordinates"]) for f in cb if f["id"].startswith("road/")],
                               atol=2e-7)


def test_lonlat_json_document_county(county):
    doc = _lonlat_doc(county)
    assert -180 < doc["tables"]["demand"]["columns"]["x"][0] < 180
    c = yj.County.from_json(doc)
    assert c.meta["crs"] == county.meta["crs"] and c.meta["input_crs"] == "EPSG:4326"
    np.testing.assert_allclose(c.network.node_xy(), county.network.node_xy(), atol=1e-3)
    for name in ("demand", "stations", "shelters"):
        np.testing.assert_allclose(getattr(c, name)[["x", "y"]].to_numpy(float),
                                   getattr(county, name)[["x", "y"]].to_numpy(float), atol=1e-3)
        assert (getattr(c, name)["node"] == getattr(county, name)["node"]).all(), name
    fa, fb = yj.fire.assess(county), yj.fire.assess(c)
    assert fb.coverage_share == pytest.approx(fa.coverage_share, abs=1e-12)
    np.testing.assert_allclose(fb.stations["area_km2"], fa.stations["area_km2"], rtol=1e-9)
    # the document a projected county writes keeps the input CRS: read again, same county
    again = yj.County.from_json(c.to_json())
    assert again.meta["input_crs"] == "EPSG:4326"
    np.testing.assert_array_equal(again.demand[["x", "y"]].to_numpy(float),
                                  c.demand[["x", "y"]].to_numpy(float))


def test_lonlat_dataframes_county(county):
    nodes = county.network.to_nodes()
    lon, lat = transform_xy(nodes["x"], nodes["y"], county.meta["crs"], "EPSG:4326")
    net = county.network.with_coords(np.column_stack([lon, lat]), "EPSG:4326")
    dm = county.demand.drop(columns="node").copy()
    dm["x"], dm["y"] = transform_xy(dm["x"], dm["y"], county.meta["crs"], "EPSG:4326")
    c = yj.County(net, demand=dm, meta={"crs": "EPSG:4326"})
    assert c.meta["crs"] == "EPSG:4547"
    metres = yj.County(county.network, demand=county.demand.drop(columns="node"), meta=county.meta)
    # the synthetic demand sits on a grid midway between nodes: exact ties in snap distance are
    # broken either way by 1e-9 m of round trip, so compare the snap distances, not the labels
    xy = metres.demand[["x", "y"]].to_numpy(float)
    d_ll = np.hypot(*(county.network.node_xy(c.demand["node"].tolist()) - xy).T)
    d_m = np.hypot(*(county.network.node_xy(metres.demand["node"].tolist()) - xy).T)
    np.testing.assert_allclose(d_ll, d_m, atol=1e-6)
    assert (c.demand["node"] == metres.demand["node"]).mean() > 0.5


def test_degree_looking_rows_refused_unless_crs_is_geographic(county):
    """lon/lat rows on a metre network are refused, naming the table and rows; the same rows
    with the county declaring EPSG:4326 (and its network in lon/lat) are projected and load."""
    from yingji.county.snaplimit import degree_rows, is_geographic

    dm = county.demand.drop(columns="node").head(4).copy()
    dm["x"], dm["y"] = transform_xy(dm["x"], dm["y"], county.meta["crs"], "EPSG:4326")
    with pytest.raises(yj.ValidationError, match=r"demand.*look like longitude/latitude"):
        yj.County(county.network, demand=dm, meta={"crs": county.meta["crs"]})
    lonlat = county.network.with_coords(
        np.column_stack(transform_xy(*county.network.node_xy().T, county.meta["crs"], "EPSG:4326")),
        "EPSG:4326")
    c = yj.County(lonlat, demand=dm, meta={"crs": "EPSG:4326"})
    assert c.meta["input_crs"] == "EPSG:4326" and c.demand["x"].min() > 1e5
    # one CRS test for both: pyproj's, names it does not know are not geographic here
    xy = dm[["x", "y"]].to_numpy(float)
    assert degree_rows(xy, county.network, county.meta["crs"]).all()
    for crs in ("EPSG:4326", "EPSG:4490", "+proj=longlat +datum=WGS84", "OGC:CRS84"):
        assert is_geographic(crs) and not degree_rows(xy, county.network, crs).any(), crs
    assert not is_geographic("EPSG:4547") and not is_geographic("not a crs")


def test_degrees_out_of_range_named(county):
    dm = county.demand.drop(columns="node").head(3).copy()
    with pytest.raises(yj.ValidationError, match=r"table 'demand', rows .*column 'x'.*not longitude"):
        yj.County(county.network.with_coords(county.network.node_xy() / 1e5, "EPSG:4326"),
                  demand=dm, meta={"crs": "EPSG:4326"})


# --- GeoJSON of every located result --------------------------------------------------------
def test_fire_assessment_and_plan_geojson(county):
    a = yj.fire.assess(county)
    back = check_geojson(a.to_geojson())
    assert set(back["layer"]) == {"station", "demand", "district"}
    st = back[back["layer"] == "station"]
    assert sorted(st["id"]) == sorted(county.stations.index)
    unc = back[(back["layer"] == "demand") & (back["covered"] == False) & back["in_scope"]]  # noqa: E712
    assert sorted(unc["id"]) == sorted(a.uncovered)
    # every in-scope point lies in its own district's polygon
    gdf = a.to_geodataframe()
    d = gdf[gdf["layer"] == "district"].set_index("id")
    pts = a.points[a.points["in_scope"] & a.points["district"].notna()]
    for sid, grp in pts.groupby("district"):
        poly = d.loc[sid, "geometry"]
        assert shapely.contains_xy(poly.buffer(1e-6), grp["x"], grp["y"]).all()
    # the two district areas: the standard's (urban points) and the polygon's (all the land),
    # named and described in the file itself and the same in the GeoDataFrame
    fc = a.to_geojson()
    desc = fc["property_descriptions"]
    assert "GB 51080" in desc["district_area_km2"] and "rural" in desc["district_polygon_km2"]
    np.testing.assert_allclose(d.loc[list(a.stations.index), "district_area_km2"].to_numpy(float),
                               a.stations["area_km2"].to_numpy(float))
    np.testing.assert_allclose(d["district_polygon_km2"].to_numpy(float),
                               d.geometry.area.to_numpy(float) / 1e6, rtol=1e-6)
    assert (d["district_polygon_km2"] >= d["district_area_km2"]).all()
    assert "area_km2" not in gdf.columns and "polygon_km2" not in gdf.columns
    stl = gdf[gdf["layer"] == "station"].set_index("id")
    np.testing.assert_allclose(stl.loc[list(a.stations.index), "district_area_km2"].to_numpy(float),
                               a.stations["area_km2"].to_numpy(float))
    p = yj.fire.plan(county, time_limit=20, tradeoff=False)
    back = check_geojson(p.to_geojson())
    new = back[(back["layer"] == "station") & (back["new"] == True)]  # noqa: E712
    assert sorted(new["id"]) == sorted(p.new_stations)


def test_county_geojson(county):
    fc = county.to_geojson()
    feats = fc["features"]
    roads = [f for f in feats if f["properties"]["layer"] == "road"]
    assert len(roads) == len(county.network.to_edges())
    sub = {"type": "FeatureCollection",
           "features": roads[:300] + [f for f in feats if f["properties"]["layer"] != "road"]}
    back = check_geojson(sub)
    for name in ("demand", "stations", "shelters", "candidates"):
        assert sorted(back.loc[back["layer"] == name, "id"]) == sorted(getattr(county, name).index), name
    # a road feature joins its two nodes; its properties are the edge row's
    e = county.network.to_edges()
    lon, lat = transform_xy(*county.network.node_xy([e["u"].iloc[5], e["v"].iloc[5]]).T,
                            county.meta["crs"], "EPSG:4326")
    np.testing.assert_allclose(roads[5]["geometry"]["coordinates"], np.column_stack([lon, lat]), atol=1e-7)
    assert roads[5]["properties"]["minutes"] == pytest.approx(e["minutes"].iloc[5])
    gdf = county.to_geodataframe()
    assert gdf.crs.to_epsg() == 4547 and len(gdf) == len(feats)


def test_shelter_team_geojson(county):
    s = yj.shelters.assess(county)
    back = check_geojson(s.to_geojson())
    assert (back["layer"] == "assignment").sum() == len(s.assignment)
    assert back.geometry.notna().all()
    sp = yj.shelters.plan(county, time_limit=20, curve_points=0)
    back = check_geojson(sp.to_geojson())
    new = back[(back["layer"] == "shelter") & (back["new"] == True)]  # noqa: E712
    assert sorted(new["id"]) == sorted(map(str, sp.new_shelters))
    t = yj.teams.allocate(county, time_limit=20)
    back = check_geojson(t.to_geojson())
    assert (back["layer"] == "assignment").sum() == len(t.assignments)
    assert back.geometry.notna().all()
    bp = yj.teams.plan_bases(county, time_limit=20)
    back = check_geojson(bp.to_geojson())
    new = back[(back["layer"] == "team") & (back["new"] == True)]  # noqa: E712
    assert sorted(new["id"]) == sorted(bp.new_teams["team"]) and len(new) > 0
    gdf = bp.to_geodataframe().set_index("id")
    for r in bp.new_teams.itertuples():   # drawn at the node of its candidate base
        np.testing.assert_allclose([gdf.loc[r.team, "geometry"].x, gdf.loc[r.team, "geometry"].y],
                                   county.network.node_xy([county.candidates.loc[r.candidate, "node"]])[0])


def test_supplies_geojson(county):
    a = yj.supplies.assess(county, as_of="2026-12-01")
    back = check_geojson(a.to_geojson())
    assert set(back["layer"]) == {"depot", "township", "supply"} and back.geometry.notna().all()
    tw = back[back["layer"] == "township"].set_index("id")
    seats = a.townships.set_index("township")["seat"]
    gdf = a.to_geodataframe().set_index("id")
    for t, seat in seats.items():       # a township is drawn at its seat
        p = gdf[gdf["layer"] == "township"].loc[t, "geometry"]
        assert (p.x, p.y) == pytest.approx(tuple(county.demand.loc[seat, ["x", "y"]]))
    assert sorted(tw.index) == sorted(seats.index)
    ids = list(county.demand.index[:3])
    dem = pd.DataFrame({"destination": ids, "item": ["water", "tent", "water"], "quantity": [100.0, 200.0, 300.0]})
    tp = yj.supplies.transfer(county, dem, as_of="2026-12-01")
    back = check_geojson(tp.to_geojson())
    assert (back["layer"] == "shipment").sum() == len(tp.shipments) > 0
    gdf = tp.to_geodataframe()
    dst = gdf[gdf["layer"] == "destination"].set_index("id")
    np.testing.assert_allclose(np.column_stack([dst.loc[ids].geometry.x, dst.loc[ids].geometry.y]),
                               county.demand.loc[ids, ["x", "y"]].to_numpy(float))


@pytest.mark.slow
def test_stock_plan_geojson(county):
    sc = yj.supplies.sample_scenarios(county, 4, seed=1)
    p = yj.supplies.preposition(county, sc, time_limit=30, vss=False)
    back = check_geojson(p.to_geojson())
    assert len(back) == len(p.sites) and back.geometry.notna().all()
    gdf = p.to_geodataframe().set_index("id")
    for r in p.sites.itertuples():
        table = county.depots if r.kind == "depot" else county.candidates
        pt = gdf.loc[str(r.site), "geometry"]
        assert (pt.x, pt.y) == pytest.approx(tuple(table.loc[r.site, ["x", "y"]]))


def test_county_plan_geojson(county):
    p = yj.planning.plan(county, parts=["teams"], time_limit=20, isolate=False)
    items = p.to_frame()
    back = check_geojson(p.to_geojson())
    assert len(back) == len(items) > 0 and set(back["section"]) == {"teams"}
    gdf = p.to_geodataframe()
    np.testing.assert_allclose(np.column_stack([gdf.geometry.x, gdf.geometry.y]),
                               items[["x", "y"]].to_numpy(float), atol=1e-6)


def test_dispatch_geojson():
    edges = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 3], "minutes": [2.0, 2.0, 2.0]})
    nodes = pd.DataFrame({"x": [500000.0, 501000.0, 502000.0, 503000.0], "y": [3.4e6] * 4})
    net = yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547")
    inc = pd.DataFrame({"node": [3, 0], "engine": [1, 1]}, index=["I1", "I2"])
    units = pd.DataFrame({"type": ["engine", "engine"], "node": [2, 1]}, index=["E1", "E2"])
    p = yj.dispatch.plan(inc, units, net)
    back = check_geojson(p.to_geojson())
    lines = back[back["layer"] == "assignment"].set_index("id")
    # 1 km east at 30.7°N: 1000 / (111 320 · cos 30.7°) degrees of longitude
    assert lines.loc["E1->I1", "geometry"].length == pytest.approx(1000 / (111_320 * np.cos(np.radians(30.7))), rel=0.01)
    with pytest.raises(yj.ValidationError, match="no CRS is known"):
        yj.dispatch.plan(inc.drop(columns="node"), units.drop(columns="node"),
                         np.array([[2.0, 4.0], [6.0, 4.0]])).to_geojson()


def test_siting_geojson():
    cost = np.array([[1.0, 9.0, 5.0], [9.0, 1.0, 5.0], [4.0, 4.0, 1.0]])
    r = yj.p_median(cost, 2)
    dm = pd.DataFrame({"x": [500000.0, 502000.0, 501000.0], "y": [3.4e6, 3.4e6, 3.401e6]},
                      index=["a", "b", "c"])
    back = check_geojson(yj.geo.siting_geojson(r, dm, dm, crs="EPSG:4547"))
    assert (back["layer"] == "site").sum() == 2
    with pytest.raises(yj.ValidationError, match="'demand' must be a DataFrame"):
        yj.geo.siting_geojson(r, dm.head(2), dm, crs="EPSG:4547")


def test_no_crs_is_a_clear_error():
    edges = pd.DataFrame({"u": [0], "v": [1], "minutes": [1.0]})
    nodes = pd.DataFrame({"x": [0.0, 100.0], "y": [0.0, 0.0]})
    sa = yj.geo.service_areas(yj.Network.from_edges(edges, nodes=nodes), [0], minutes=1)
    with pytest.raises(yj.ValidationError, match="no CRS is known"):
        sa.to_geojson()


# --- service areas ----------------------------------------------------------------------
def _grid(n=11, step=100.0):
    lab = {(i, j): i * n + j for i in range(n) for j in range(n)}
    nodes = pd.DataFrame({"x": [500000 + step * i for i, j in lab], "y": [3.4e6 + step * j for i, j in lab]},
                         index=list(lab.values()))
    e = [(lab[i, j], lab[i + 1, j]) for i, j in lab if i + 1 < n] + \
        [(lab[i, j], lab[i, j + 1]) for i, j in lab if j + 1 < n]
    edges = pd.DataFrame(e, columns=["u", "v"]).assign(minutes=1.0, metres=step)
    return yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547"), lab


def test_service_area_on_grid_closed_form():
    net, lab = _grid()
    sa = yj.geo.service_areas(net, {"S": lab[5, 5]}, minutes=3.5, buffer_m=20)
    # nodes within Manhattan distance 3 of the centre: 1 + 4 + 8 + 12 = 25. Edges from ring d
    # to ring d + 1: E(0) = 4 and E(d - 1) + E(d) = 4·4d (each ring-d node has 4 edges), so
    # E = 4, 12, 20, 28: 36 whole edges inside, and the 28 leaving ring 3 driven half way.
    assert sa.areas.loc["S", "reached_nodes"] == 25
    assert sa.areas.loc["S", "road_km"] == pytest.approx((36 * 100 + 28 * 50) / 1000)
    poly = sa.service_areas[0]
    T = net.travel_times([lab[5, 5]], list(net.nodes))[0]
    xy = net.node_xy()
    inside = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
    assert inside[T <= 3.5].all() and not inside[T > 3.5].any()
    check_geojson(sa.to_geojson())
    same = net.service_areas({"S": lab[5, 5]}, 3.5, buffer_m=20)     # the Network method
    pd.testing.assert_frame_equal(same.areas, sa.areas)


def test_service_area_one_way_and_partial():
    edges = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [2.0, 2.0], "oneway": [True, True]})
    nodes = pd.DataFrame({"x": [500000.0, 501000.0, 502000.0], "y": [3.4e6] * 3})
    net = yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547")
    fwd = yj.geo.service_areas(net, {"A": 0}, minutes=3.0, buffer_m=5)
    assert fwd.areas.loc["A", "road_km"] == pytest.approx(1.5)  # 1 km, then half of the next
    back = yj.geo.service_areas(net, {"C": 2}, minutes=3.0, buffer_m=5)
    assert back.areas.loc["C", "road_km"] == 0.0                 # one-way the other way
    with pytest.raises(yj.ValidationError, match="'minutes' parameter of service_areas"):
        yj.geo.service_areas(net, [0], minutes=-1)


@pytest.fixture(scope="module")
def sa4(county):
    return yj.fire.service_areas(county, minutes=4)


def test_fire_service_areas_sample(county, sa4):
    sa = sa4
    back = check_geojson(sa.to_geojson())
    assert set(back["layer"]) == {"service_area", "district", "source"}
    T = county.network.travel_times(county.stations["node"].tolist(), list(county.network.nodes))
    xy = county.network.node_xy()
    for k, sid in enumerate(sa.areas.index):
        inside = shapely.contains_xy(sa.service_areas[k], xy[:, 0], xy[:, 1])
        assert inside[T[k] <= 4 + 1e-9].all()
        # the unreached nodes in the polygon lie within the buffer of a reached road piece
        seg = yj.geo.reached_segments(county.network, T[k], 4.0)
        lines = shapely.multilinestrings(seg)
        out = np.flatnonzero(inside & (T[k] > 4 + 1e-9))
        if out.size:
            assert (shapely.distance(lines, shapely.points(xy[out])) <= sa.buffer_m + 1e-6).all()
    owner = np.argmin(T, axis=0)
    for k in range(len(sa.areas)):
        inside = shapely.contains_xy(sa.districts[k].buffer(1e-6), xy[:, 0], xy[:, 1])
        assert inside[owner == k].all()


def test_geo_doc_figures_and_links(sa4):
    """docs/geo.md: its sample-county service-area figures are what the code prints, and its
    relative links resolve."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "geo.md"
    if not doc.exists():
        pytest.skip("docs/geo.md not in this checkout")
    text = doc.read_text(encoding="utf-8")
    printed = sa4.summary()
    assert printed in text
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (doc.parent / target).exists(), target


def test_without_the_extras(county, tmp_path, monkeypatch):
    """A metre county works with none of geopandas/shapely/pyproj/openpyxl importable; what needs
    them says which extra installs it."""
    import sys

    for mod in ("geopandas", "shapely", "pyproj", "openpyxl", "pyogrio"):
        for name in [m for m in sys.modules if m == mod or m.startswith(mod + ".")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, mod, None)
    c = yj.County(county.network, demand=county.demand, stations=county.stations, meta=county.meta)
    a = yj.fire.assess(c)
    assert a.coverage_share == pytest.approx(yj.fire.assess(county).coverage_share)
    with pytest.raises(ImportError, match=r"yingji\[geo\]"):
        a.to_geodataframe()
    with pytest.raises(ImportError, match=r"yingji\[geo\]"):
        a.to_geojson()
    with pytest.raises(ImportError, match=r"yingji\[geo\]"):
        yj.fire.service_areas(c, minutes=4)
    with pytest.raises(ImportError, match=r"yingji\[excel\]"):
        c.save(tmp_path / "c.xlsx")
    dm = county.demand.drop(columns="node").head(3).copy()
    dm["x"], dm["y"] = 114.0, 30.7
    nodes = county.network.node_xy()
    ll = county.network.with_coords(np.column_stack([114 + (nodes[:, 0] - 5e5) / 1e5,
                                                     30.7 + (nodes[:, 1] - 3.4e6) / 1e5]), "EPSG:4326")
    with pytest.raises(ImportError, match=r"yingji\[geo\]"):
        yj.County(ll, demand=dm, meta={"crs": "EPSG:4326"})


def _reached_km_oracle(edges: pd.DataFrame, xy: dict, source, budget: float) -> float:
    """Road km reached within ``budget`` from ``source``, from networkx's Dijkstra and the
    straight-line length of each segment: driven from each end it is reached by, capped at the
    whole segment."""
    import networkx as nx

    g = nx.DiGraph()
    for r in edges.itertuples():
        g.add_edge(r.u, r.v, w=r.minutes)
        if not r.oneway:
            g.add_edge(r.v, r.u, w=r.minutes)
    t = nx.single_source_dijkstra_path_length(g, source, weight="w")
    km = 0.0
    for r in edges.itertuples():
        length = float(np.hypot(*(np.subtract(xy[r.u], xy[r.v])))) / 1000
        fa = min(1.0, max(0.0, (budget - t[r.u]) / r.minutes)) if r.u in t and t[r.u] <= budget + 1e-9 else 0.0
        fb = (min(1.0, max(0.0, (budget - t[r.v]) / r.minutes)) if r.v in t and t[r.v] <= budget + 1e-9
              and not r.oneway else 0.0)
        km += min(1.0, fa + fb) * length
    return km


@settings(max_examples=8, deadline=None)
@given(n=st.integers(3, 6), seed=st.integers(0, 10_000), budget=st.floats(0.0, 6.0))
def test_service_area_random_networks_against_networkx(n, seed, budget):
    """Random grids (random minutes, some one-way segments): road km reached equals the
    networkx oracle; the polygon holds every reached node, and any unreached node it holds lies
    within the buffer of a reached road piece."""
    rng = np.random.default_rng(seed)
    lab = {(i, j): i * n + j for i in range(n) for j in range(n)}
    xy = {v: (500000 + 100.0 * i + rng.uniform(-20, 20), 3.4e6 + 100.0 * j + rng.uniform(-20, 20))
          for (i, j), v in lab.items()}
    pairs = [(lab[i, j], lab[i + 1, j]) for i, j in lab if i + 1 < n] + \
        [(lab[i, j], lab[i, j + 1]) for i, j in lab if j + 1 < n]
    edges = pd.DataFrame(pairs, columns=["u", "v"])
    edges["minutes"] = rng.uniform(0.3, 2.0, len(edges)).round(3)
    edges["oneway"] = rng.random(len(edges)) < 0.25
    nodes = pd.DataFrame([xy[v] for v in lab.values()], columns=["x", "y"], index=list(lab.values()))
    net = yj.Network.from_edges(edges, nodes=nodes, crs="EPSG:4547")
    src = int(rng.integers(0, n * n))
    sa = net.service_areas({"S": src}, budget, buffer_m=5.0, districts=False)
    assert sa.areas.loc["S", "road_km"] == pytest.approx(_reached_km_oracle(edges, xy, src, budget), abs=1e-9)
    T = net.travel_times([src], list(net.nodes))[0]
    pts = net.node_xy()
    poly = sa.service_areas[0]
    assert poly is not None and poly.is_valid
    inside = shapely.contains_xy(poly, pts[:, 0], pts[:, 1])
    assert inside[T <= budget + 1e-9].all()
    extra = np.flatnonzero(inside & ~(T <= budget + 1e-9))
    if extra.size:
        seg = yj.geo.reached_segments(net, T, budget)
        assert (shapely.distance(shapely.multilinestrings(seg), shapely.points(pts[extra])) <= 5.0 + 1e-6).all()
    check_geojson(sa.to_geojson())


def test_fire_service_areas_takes_station_ids(county):
    sa = yj.fire.service_areas(county, minutes=4, stations=["S1"])
    assert list(sa.areas.index) == ["S1"]
    with pytest.raises(ValidationError, match=r"does not have: \['S9'\]"):
        yj.fire.service_areas(county, minutes=4, stations=["S1", "S9"])
    with pytest.raises(ValidationError, match="must be a table of stations"):
        yj.fire.service_areas(county, minutes=4, stations=42)
