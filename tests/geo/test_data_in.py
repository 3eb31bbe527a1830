"""Data in as offices keep it: a county as one Excel workbook, located tables from GIS layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yingji as yj

gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")
pytest.importorskip("openpyxl")

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_400_000.0


@pytest.fixture(scope="module")
def small():
    """A 6 × 6 grid county (100 m) with most tables, extra columns and dates."""
    n = 6
    lab = {(i, j): i * n + j for i in range(n) for j in range(n)}
    nodes = pd.DataFrame({"x": [X0 + 100.0 * i for i, j in lab], "y": [Y0 + 100.0 * j for i, j in lab]},
                         index=list(lab.values()))
    e = [(lab[i, j], lab[i + 1, j]) for i, j in lab if i + 1 < n] + \
        [(lab[i, j], lab[i, j + 1]) for i, j in lab if j + 1 < n]
    edges = pd.DataFrame(e, columns=["u", "v"]).assign(minutes=0.5, metres=100.0)
    net = yj.Network.from_edges(edges, nodes=nodes, crs=CRS)
    rng = np.random.default_rng(7)
    k = 12
    demand = pd.DataFrame({"id": [f"D{i}" for i in range(k)], "x": X0 + rng.uniform(0, 500, k),
                           "y": Y0 + rng.uniform(0, 500, k), "population": rng.integers(10, 500, k).astype(float),
                           "area_m2": 1e4, "township": ["城关镇"] * 6 + ["东乡"] * 6, "urban": [True, False] * 6,
                           "river_m": rng.uniform(0, 900, k)})
    stations = pd.DataFrame({"id": ["S1"], "x": [X0 + 250], "y": [Y0 + 250], "station_class": ["class2"],
                             "engines": [2], "ladders": [0], "staff": [20], "name": ["一中队"]})
    depots = pd.DataFrame({"id": ["W1"], "x": [X0], "y": [Y0], "capacity": [1000.0], "open_cost": [0.0]})
    items = pd.DataFrame({"item": ["water"], "unit": ["L"], "per_person_per_day": [3.0], "days": [3],
                          "unit_volume": [0.001], "unit_cost": [1.5], "source": ["Sphere"]})
    stock = pd.DataFrame({"depot": ["W1"], "item": ["water"], "quantity": [500.0],
                          "expires": pd.to_datetime(["2027-06-30"])})
    meta = {"name": "测试县", "crs": CRS, "area_km2": 0.25, "time_limits": {"solve": 30.0}}
    return yj.County(net, demand=demand, stations=stations, depots=depots, items=items, stock=stock,
                     meta=meta)


def _same(a: yj.County, b: yj.County):
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=False, atol=1e-6)
    pd.testing.assert_frame_equal(a.network.to_edges(), b.network.to_edges())
    np.testing.assert_allclose(a.network.node_xy(), b.network.node_xy(), atol=1e-6)
    for k in ("name", "crs", "area_km2"):
        assert a.meta[k] == b.meta[k]
    assert a.meta["time_limits"]["solve"] == b.meta["time_limits"]["solve"]


def test_workbook_round_trip(small, tmp_path):
    path = small.save(tmp_path / "county.xlsx")
    assert path.suffix == ".xlsx"
    back = yj.County.load(path)
    _same(small, back)
    assert back.demand["river_m"].dtype.kind == "f" and back.stations["name"].iloc[0] == "一中队"
    assert yj.datasets.read_county(path).meta["name"] == "测试县"
    # format= names it whatever the suffix
    small.save(tmp_path / "book.bin", format="xlsx")
    _same(small, yj.County.load(tmp_path / "county.xlsx"))
    with pytest.raises(yj.ValidationError, match="'format' parameter of County.save"):
        small.save(tmp_path / "x", format="ods")


def test_workbook_lonlat_round_trip(small, tmp_path):
    from yingji._crs import transform_xy

    path = small.save(tmp_path / "m.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    with pd.ExcelWriter(tmp_path / "ll.xlsx") as xw:
        for name, df in sheets.items():
            if name == "county":
                df.loc[df["key"] == "crs", "value"] = "EPSG:4326"
            elif {"x", "y"} <= set(df.columns):
                df["x"], df["y"] = transform_xy(df["x"].astype(float), df["y"].astype(float), CRS, "EPSG:4326")
            df.to_excel(xw, sheet_name=name, index=False)
    ll = yj.County.load(tmp_path / "ll.xlsx")
    assert ll.meta["input_crs"] == "EPSG:4326" and ll.meta["crs"] == CRS
    np.testing.assert_allclose(ll.demand[["x", "y"]].to_numpy(float), small.demand[["x", "y"]].to_numpy(float),
                               atol=1e-3)
    assert (ll.demand["node"] == small.demand["node"]).all()


def test_workbook_bad_rows_named(small, tmp_path):
    path = small.save(tmp_path / "c.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    sheets["demand"].loc[2, "population"] = "many"
    sheets["stations"].loc[0, "station_class"] = "huge"
    with pd.ExcelWriter(tmp_path / "bad.xlsx") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
    with pytest.raises(yj.ValidationError) as err:
        yj.County.load(tmp_path / "bad.xlsx")
    msg = str(err.value)
    assert "sheet 'demand' of bad.xlsx, row 'D2', column 'population'" in msg
    assert "sheet 'stations' of bad.xlsx, row 'S1', column 'station_class'" in msg
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(yj.ValidationError, match="cannot be read as an Excel workbook"):
        yj.County.load(tmp_path / "junk.xlsx")


def _folder_with_layers(small, tmp_path, fmt="gpkg"):
    folder = small.save(tmp_path / "f")
    dm = pd.read_csv(folder / "demand.csv")
    squares = [shapely.box(x - 50, y - 50, x + 50, y + 50) for x, y in zip(dm["x"], dm["y"])]
    g = gpd.GeoDataFrame(dm.drop(columns=["x", "y", "area_m2"]), geometry=squares, crs=CRS).to_crs(4326)
    (folder / "demand.csv").unlink()
    st = pd.read_csv(folder / "stations.csv")
    (folder / "stations.csv").unlink()
    pts = gpd.GeoDataFrame(st.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(st["x"], st["y"]), crs=CRS)
    if fmt == "gpkg":
        g.to_file(folder / "demand.gpkg", layer="villages")
        pts.to_file(folder / "stations.geojson")
    else:
        g.to_file(folder / "demand.shp")
        pts.to_file(folder / "stations.shp")
    return folder, g


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning",
                            "ignore:Normalized/laundered field name:RuntimeWarning")
@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_layers_points_and_polygons(small, tmp_path, fmt):
    folder, _ = _folder_with_layers(small, tmp_path, fmt)
    c = yj.County.load(folder)
    np.testing.assert_allclose(c.demand[["x", "y"]].to_numpy(float), small.demand[["x", "y"]].to_numpy(float),
                               atol=1e-3)      # polygon centroids, back in the county CRS
    np.testing.assert_allclose(c.demand["area_m2"], 1e4, rtol=1e-6)   # polygon areas, m²
    assert (c.demand["node"] == small.demand["node"]).all()
    assert list(c.stations.index) == ["S1"]
    a, b = yj.fire.assess(small), yj.fire.assess(c)
    assert a.coverage_share == pytest.approx(b.coverage_share)


def test_layers_named_in_toml_and_bad_rows(small, tmp_path):
    folder, g = _folder_with_layers(small, tmp_path)
    (folder / "demand.gpkg").rename(folder / "村庄.gpkg")
    toml = (folder / "county.toml").read_text(encoding="utf-8")
    (folder / "county.toml").write_text(
        toml + '\n[layers]\ndemand = { file = "村庄.gpkg", layer = "villages" }\n', encoding="utf-8")
    assert len(yj.County.load(folder).demand) == len(small.demand)
    bad = g.copy()
    bad.loc[3, "geometry"] = shapely.LineString([(114.0, 30.0), (114.1, 30.1)])
    bad.loc[5, "geometry"] = None
    bad.to_file(folder / "村庄.gpkg", layer="villages")
    with pytest.raises(yj.ValidationError) as err:
        yj.County.load(folder)
    msg = str(err.value)
    assert "layer 'villages' of 村庄.gpkg, row 'D3', column 'geometry': geometry LineString" in msg
    assert "row 'D5', column 'geometry': no geometry" in msg
    bad = g.copy()
    bad["population"] = bad["population"].astype(object)
    bad.loc[4, "population"] = -3
    bad.to_file(folder / "村庄.gpkg", layer="villages")
    with pytest.raises(yj.ValidationError, match=r"layer 'villages' of 村庄.gpkg, row 'D4', column 'population'"):
        yj.County.load(folder)
    (folder / "county.toml").write_text(toml + '\n[layers]\ndemand = "none.gpkg"\n', encoding="utf-8")
    with pytest.raises(yj.ValidationError, match=r"\[layers\].*no file 'none.gpkg'"):
        yj.County.load(folder)
