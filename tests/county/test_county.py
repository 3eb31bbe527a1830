"""County: construction, snapping, folder / JSON round trips, validation messages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji as yj
from yingji.county import TABLES, County

# ------------------------------------------------------------------------------ fixtures


def grid_network(n=4, step=100.0, minutes=0.5, labels="int"):
    ids = [(i, j) for i in range(n) for j in range(n)]
    lab = {p: (k if labels == "int" else f"n{k}") for k, p in enumerate(ids)}
    rows = []
    for i, j in ids:
        for di, dj in ((1, 0), (0, 1)):
            q = (i + di, j + dj)
            if q in lab:
                rows.append((lab[(i, j)], lab[q], minutes, step))
    edges = pd.DataFrame(rows, columns=["u", "v", "minutes", "metres"])
    nodes = pd.DataFrame({"x": [i * step for i, j in ids], "y": [j * step for i, j in ids]},
                         index=[lab[p] for p in ids])
    return yj.Network.from_edges(edges, nodes=nodes, source="u", target="v", weight="minutes",
                                 directed=False, length="metres")


def small_tables():
    return dict(
        demand=pd.DataFrame({
            "id": ["d1", "d2", "d3"], "x": [10.0, 190.0, 310.0], "y": [5.0, 120.0, 290.0],
            "population": [100.0, 250.5, 0.0], "area_m2": [1e4, 2e4, np.nan],
            "township": ["城关镇", "河口镇", ""], "urban": [True, False, True],
            "risk": ["normal", "high", "normal"], "incidents_per_year": [0.1, 0.25, 0.0],
            "extra_int": [1, 2, 3], "extra_txt": ["a", "", "c"], "extra_flag": [True, False, True],
        }),
        stations=pd.DataFrame({"id": ["S1", "S2"], "x": [0.0, 300.0], "y": [0.0, 300.0],
                               "station_class": ["class1", "small"], "engines": [3, 2],
                               "ladders": [1, 0], "staff": [30, 15],
                               "urban_edge": [False, True]}),
        units=pd.DataFrame({"id": ["U1", "U2", "U3"], "station": ["S1", "S1", "S2"],
                            "type": ["engine", "ladder", "engine"]}),
        candidates=pd.DataFrame({"id": ["C1"], "x": [100.0], "y": [200.0], "cost": [1.5e7],
                                 "uses": ["fire;shelter"], "area_m2": [5000.0]}),
        teams=pd.DataFrame({"id": ["T1"], "x": [200.0], "y": [0.0], "skills": ["flood;construction"],
                            "crew": [20], "vehicles": [3]}),
        hazards=pd.DataFrame({"id": ["H1"], "x": [300.0], "y": [0.0], "hazard_type": ["dyke"],
                              "skill": ["flood"], "crew_needed": [10], "max_minutes": [30.0],
                              "weight": [2.0]}),
        enterprises=pd.DataFrame({"id": ["E1"], "x": [0.0], "y": [300.0], "skill": ["construction"]}),
        venues=pd.DataFrame({"id": ["V1", "V2"], "x": [100.0, 200.0], "y": [100.0, 200.0],
                             "kind": ["school", "hazardous goods"]}),
        depots=pd.DataFrame({"id": ["P1"], "x": [0.0], "y": [100.0], "capacity": [500.0],
                             "open_cost": [0.0]}),
        stock=pd.DataFrame({"depot": ["P1", "P1"], "item": ["water", "tent"],
                            "quantity": [1000.0, 20.0], "expires": ["2027-06-30", None]}),
        items=pd.DataFrame({"item": ["water", "tent"], "unit": ["L", "tent"],
                            "per_person_per_day": [15.0, 0.3], "days": [3.0, 1.0],
                            "unit_volume": [0.001, 0.15], "unit_cost": [1.2, 1800.0],
                            "source": ["Sphere S5-009", "ASSUMPTION"]}),
        shelters=pd.DataFrame({"id": ["SH1"], "x": [150.0], "y": [150.0],
                               "shelter_class": ["emergency"], "area_m2": [3000.0]}),
        indicators=pd.DataFrame({"metric": ["shelter_area_per_capita", "supply_info_system_exists"],
                                 "value": [0.8, 1.0]}),
    )


META = {"name": "测试县", "crs": "EPSG:4547", "area_km2": 0.09, "standard": "GB51080",
        "time_limits": {"solve": 30.0}}


@pytest.fixture()
def county():
    return County(grid_network(), meta=META, **small_tables())


def assert_same_county(a: County, b: County):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True,
                                      obj=name)
    assert_same_network(a.network, b.network)
    assert repr(a.meta) == repr(b.meta)  # repr: NaN == NaN


def assert_same_network(n1, n2):
    e1, v1 = n1.to_frames()
    e2, v2 = n2.to_frames()
    pd.testing.assert_frame_equal(e1, e2, check_exact=True)
    pd.testing.assert_frame_equal(v1, v2, check_exact=True)
    assert n1.directed == n2.directed


# ------------------------------------------------------------------------------ construction


def test_tables_have_contract_columns(county):
    for name, spec in TABLES.items():
        df = getattr(county, name)
        assert list(df.columns[: len(spec.columns)]) == list(spec.columns), name
        if spec.index is not None:
            assert df.index.name == spec.index
            assert all(isinstance(i, str) for i in df.index)


def test_snaps_nodes_on_construction(county):
    # d1 at (10, 5) -> node at (0, 0) = label 0; d2 (190, 120) -> (200, 100) = label 9
    assert county.demand.loc["d1", "node"] == 0
    assert county.demand.loc["d2", "node"] == 2 * 4 + 1
    assert county.demand["node"].dtype == np.int64
    assert county.stations.loc["S2", "node"] == 15


def test_defaults_and_empty_tables():
    c = County(grid_network(), demand=pd.DataFrame({"id": ["a"], "x": [0.0], "y": [0.0],
                                                     "population": [5.0]}))
    d = c.demand.iloc[0]
    assert bool(d["urban"]) is True and d["risk"] == "normal" and np.isnan(d["area_m2"])
    assert len(c.stations) == 0 and list(c.stations.columns[:3]) == ["x", "y", "node"]
    assert c.stations["node"].dtype == np.int64
    assert c.meta["standard"] == "GB51080" and c.meta["time_limits"]["solve"] == 60.0
    assert "1 points" in c.summary() and "County" in repr(c)
    assert c.to_frame().set_index("table").loc["demand", "rows"] == 1


def test_string_node_labels_and_given_nodes():
    net = grid_network(labels="str")
    t = small_tables()
    c = County(net, **t)
    assert c.demand.loc["d1", "node"] == "n0"
    # a given node column is kept (not re-snapped)
    dem = t["demand"].assign(node=["n5", "n5", "n5"])
    c2 = County(net, demand=dem)
    assert c2.demand["node"].tolist() == ["n5"] * 3


def test_index_as_ids():
    dem = small_tables()["demand"].set_index("id")
    c = County(grid_network(), demand=dem)
    assert list(c.demand.index) == ["d1", "d2", "d3"]


def test_replace(county):
    c2 = county.replace(stations=county.stations.iloc[:1], units=county.units.iloc[:2])
    assert len(c2.stations) == 1 and len(county.stations) == 2
    assert c2.demand is not county.demand or c2.demand.equals(county.demand)
    c3 = county.replace(meta={"name": "new"})
    assert c3.meta["name"] == "new" and c3.meta["crs"] == "EPSG:4547"
    # new network: located tables are snapped again
    net2 = grid_network(labels="str")
    c4 = county.replace(network=net2)
    assert c4.demand.loc["d1", "node"] == "n0"


def test_copy_equals_a_checked_replace_and_is_independent(county):
    # copy() skips the checks replace() runs again: the result must be what replace() with the
    # same tables gives, and changing the copy must not touch the original
    c2 = county.copy()
    ref = county.replace(**{n: t.copy() for n, t in county.tables.items()})
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(c2, name), getattr(ref, name))
        assert getattr(c2, name) is not getattr(county, name)
    assert c2.meta == ref.meta and c2.max_snap_m == ref.max_snap_m
    assert c2.to_json() == ref.to_json()
    before = county.demand["population"].copy()
    c2.demand.loc[c2.demand.index[0], "population"] = 123456.0
    c2.meta["name"] = "changed"
    pd.testing.assert_series_equal(county.demand["population"], before)
    assert county.meta["name"] != "changed"
    assert c2.network is county.network


def test_replace_unknown_name(county):
    with pytest.raises(yj.ValidationError, match=r"County.replace must name tables .*'roads'"):
        county.replace(roads=None)


def test_without_network_only_unlocated_tables():
    c = County(None, indicators=pd.DataFrame({"metric": ["x"], "value": [1.0]}))
    assert c.network is None and len(c.indicators) == 1
    with pytest.raises(yj.ValidationError, match=r"table 'demand': no 'node' column and no network"):
        County(None, demand=small_tables()["demand"])


# ------------------------------------------------------------------------------ round trips


def test_folder_round_trip(county, tmp_path):
    county.save(tmp_path / "c")
    back = County.load(tmp_path / "c")
    assert_same_county(county, back)
    # and again: saving what was loaded writes the same files
    back.save(tmp_path / "d")
    for f in sorted((tmp_path / "c").iterdir()):
        assert f.read_bytes() == (tmp_path / "d" / f.name).read_bytes(), f.name


def test_json_round_trip(county, tmp_path):
    s = county.to_json()
    doc = json.loads(s)
    assert doc["format"] == "yingji.county" and doc["version"] == 1
    assert_same_county(county, County.from_json(s))
    assert_same_county(county, County.from_json(doc))
    p = tmp_path / "c.json"
    county.to_json(p, indent=1)
    assert_same_county(county, County.from_json(p))
    assert_same_county(county, County.from_json(str(p)))


def test_json_and_folder_agree(county, tmp_path):
    county.save(tmp_path)
    assert County.load(tmp_path).to_json() == county.to_json()


def test_graphml_round_trip_keeps_tables_and_times(county, tmp_path):
    county.save(tmp_path, network_format="graphml")
    assert (tmp_path / "roads.graphml").exists() and not (tmp_path / "roads.csv").exists()
    back = County.load(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(county, name), getattr(back, name), obj=name)
    nodes = county.network.node_ids
    np.testing.assert_array_equal(county.network.travel_times(nodes, nodes),
                                  back.network.travel_times(nodes, nodes))


def test_directed_network_round_trip(tmp_path):
    edges = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 0], "minutes": [1.0, 0.0, 2.0],
                          "metres": [10.0, 0.0, 30.0]})
    nodes = pd.DataFrame({"x": [0.0, 10.0, 20.0], "y": [0.0, 0.0, 0.0]})
    net = yj.Network.from_edges(edges, nodes=nodes, directed=True)
    c = County(net, demand=pd.DataFrame({"id": ["a"], "x": [1.0], "y": [0.0],
                                         "population": [1.0]}))
    c.save(tmp_path)
    assert_same_county(c, County.load(tmp_path))
    assert_same_county(c, County.from_json(c.to_json()))
    assert County.load(tmp_path).network.travel_times([1], [0]).item() == 2.0


@settings(max_examples=12)
@given(
    pops=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=0, max_size=6),
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    nan_area=st.booleans(),
)
def test_round_trip_property(pops, text, nan_area, tmp_path_factory):
    n = len(pops)
    dem = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "x": np.linspace(0, 300, n),
                        "y": np.linspace(300, 0, n), "population": pops,
                        "area_m2": [np.nan if nan_area else 1.0 / 3.0] * n,
                        "township": [text] * n, "note": [text] * n,
                        "ratio": np.array(pops) / 7.0})
    c = County(grid_network(), demand=dem, meta={"name": text})
    assert_same_county(c, County.from_json(c.to_json()))
    d = tmp_path_factory.mktemp("rt")
    c.save(d)
    back = County.load(d)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(c, name), getattr(back, name), check_exact=True)


# ------------------------------------------------------------------------------ validation


def _tables(**changes):
    t = small_tables()
    t.update(changes)
    return t


def test_missing_columns_named():
    dem = small_tables()["demand"].drop(columns=["population", "y"])
    with pytest.raises(yj.ValidationError, match=r"table 'demand'.*missing column\(s\) 'y', 'population'"):
        County(grid_network(), **_tables(demand=dem))


def test_missing_id_column():
    st_ = small_tables()["stations"].drop(columns="id")
    with pytest.raises(yj.ValidationError, match=r"table 'stations': missing id column 'id'"):
        County(grid_network(), **_tables(stations=st_, units=None))


def test_bad_number_names_row_and_column():
    dem = small_tables()["demand"].astype({"population": object})
    dem.loc[1, "population"] = "many"
    with pytest.raises(yj.ValidationError,
                       match=r"table 'demand', row 'd2', column 'population': expected a number, got \['many'\]"):
        County(grid_network(), **_tables(demand=dem))


def test_duplicate_and_empty_ids():
    dem = small_tables()["demand"]
    dem.loc[2, "id"] = "d1"
    with pytest.raises(yj.ValidationError, match=r"rows? 'd1', column 'id': duplicate ids"):
        County(grid_network(), **_tables(demand=dem))
    dem.loc[2, "id"] = " "
    with pytest.raises(yj.ValidationError, match=r"row '#2', column 'id': empty id"):
        County(grid_network(), **_tables(demand=dem))


def test_unknown_station_in_units():
    units = pd.DataFrame({"id": ["U1", "U2"], "station": ["S1", "S9"], "type": ["engine", "engine"]})
    with pytest.raises(yj.ValidationError,
                       match=r"table 'units', row 'U2', column 'station': unknown station id\(s\) \['S9'\]"):
        County(grid_network(), **_tables(units=units))


def test_unknown_depot_and_item_in_stock():
    stock = pd.DataFrame({"depot": ["P1", "P7"], "item": ["water", "rope"], "quantity": [1.0, 2.0]})
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), **_tables(stock=stock))
    msg = str(ei.value)
    assert "2 problems" in msg
    assert "row 1, column 'depot': unknown depot id(s) ['P7']" in msg
    assert "row 1, column 'item': unknown item(s) ['rope']" in msg
    assert len(ei.value.problems) == 2


def test_duplicate_item_and_metric_and_empty_key():
    items = small_tables()["items"]
    items.loc[1, "item"] = "water"
    ind = pd.DataFrame({"metric": ["a", "a", ""], "value": [1.0, 2.0, 3.0]})
    with pytest.raises(yj.ValidationError, match=r"duplicate item\(s\) \['water'\]") as ei:
        County(grid_network(), **_tables(items=items, stock=None, indicators=ind))
    msg = str(ei.value)
    assert "duplicate metric(s) ['a']" in msg and "row 2, column 'metric': empty value" in msg


def test_node_not_in_network():
    dem = small_tables()["demand"].assign(node=[0, 99, 3])
    with pytest.raises(yj.ValidationError,
                       match=r"table 'demand', row 'd2', column 'node': node\(s\) \[99\] not in the network"):
        County(grid_network(), **_tables(demand=dem))


def test_unknown_node_listed_with_the_other_problems():
    """Issue 18: an unknown node is reported in the same error as the tables' other problems
    (it came only after they were fixed), and so are stations too far from the network."""
    dem = small_tables()["demand"].assign(node=[0, 99, 3])
    dem.loc[dem.index[0], "population"] = -5.0
    st_ = small_tables()["stations"].assign(station_class=["class1", "suburban"])
    st_ = st_.drop(columns=["node"], errors="ignore")
    st_.loc[st_.index[1], "x"] = 5e6  # 5,000 km away: beyond the snap limit
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), max_snap=500.0, **_tables(demand=dem, stations=st_))
    msg = str(ei.value)
    assert "4 problems" in msg, msg
    assert "row 'd1', column 'population': must be non-negative, got [-5.0]" in msg
    assert "row 'd2', column 'node': node(s) [99] not in the network" in msg
    assert "unknown value(s) ['suburban']" in msg
    assert "farther than the snap limit of 500 m" in msg and "'S2' (4,999,700 m)" in msg
    assert len(ei.value.problems) == 4


def test_unsnappable_rows_are_not_reported_twice():
    """A row without coordinates is reported as such, not also as node -1 / a failed snap."""
    dem = small_tables()["demand"].drop(columns=["node"], errors="ignore")
    dem["x"] = dem["x"].astype(object)
    dem.loc[dem.index[1], "x"] = "east"
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), **_tables(demand=dem))
    assert len(ei.value.problems) == 1 and "expected a number, got ['east']" in str(ei.value)


def test_node_label_not_integer():
    dem = small_tables()["demand"].assign(node=[0, "x", 3])
    with pytest.raises(yj.ValidationError, match=r"row 'd2', column 'node': expected an integer node label"):
        County(grid_network(), **_tables(demand=dem))


def test_unknown_classes_and_tokens():
    st_ = small_tables()["stations"].assign(station_class=["class1", "suburban"])
    cand = small_tables()["candidates"].assign(uses=["fire;hospital"])
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), **_tables(stations=st_, candidates=cand))
    msg = str(ei.value)
    assert "table 'stations', row 'S2', column 'station_class': unknown value(s) ['suburban']" in msg
    assert "table 'candidates', row 'C1', column 'uses': unknown value(s) ['hospital']" in msg


def test_negative_missing_and_infinite_values():
    dem = small_tables()["demand"]
    dem["population"] = [-1.0, np.nan, 3.0]
    dem["x"] = [0.0, np.inf, 10.0]
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), **_tables(demand=dem))
    msg = str(ei.value)
    assert "row 'd1', column 'population': must be non-negative" in msg
    assert "row 'd2', column 'population': missing value" in msg
    assert "row 'd2', column 'x': must be finite" in msg


def test_bad_bool_date_and_int():
    dem = small_tables()["demand"].astype({"urban": object})
    dem.loc[0, "urban"] = "maybe"
    stock = small_tables()["stock"]
    stock.loc[0, "expires"] = "next year"
    st_ = small_tables()["stations"].assign(engines=[2.5, 1])
    st_["staff"] = [np.nan, 3]
    with pytest.raises(yj.ValidationError) as ei:
        County(grid_network(), **_tables(demand=dem, stock=stock, stations=st_))
    msg = str(ei.value)
    assert "row 'd1', column 'urban': expected true/false" in msg
    assert "table 'stock', row 0, column 'expires': expected a date (YYYY-MM-DD)" in msg
    assert "row 'S1', column 'engines': expected a whole number" in msg


def test_int_missing_value_in_required_column():
    teams = small_tables()["teams"].assign(crew=[np.nan])
    with pytest.raises(yj.ValidationError, match=r"table 'teams', row 'T1', column 'crew': missing value"):
        County(grid_network(), **_tables(teams=teams))


def test_missing_text_value():
    st_ = small_tables()["stations"].assign(station_class=["class1", None])
    with pytest.raises(yj.ValidationError, match=r"row 'S2', column 'station_class': missing value"):
        County(grid_network(), **_tables(stations=st_))


def test_bad_parameters():
    with pytest.raises(yj.ValidationError, match=r"parameter 'network': expected a yingji.Network, got dict"):
        County({"a": 1}, indicators=None)
    with pytest.raises(yj.ValidationError, match=r"parameter 'meta': expected a mapping, got list"):
        County(None, meta=[1])
    with pytest.raises(yj.ValidationError, match=r"table 'demand': expected a pandas DataFrame, got list"):
        County(None, demand=[1, 2])
    with pytest.raises(yj.ValidationError, match=r"'area_km2' must be a number \(km²\), got 'big'"):
        County(None, meta={"area_km2": "big"})
    with pytest.raises(yj.ValidationError, match=r"time limit 'solve' must be a positive number of seconds"):
        County(None, meta={"time_limits": {"solve": -1}})
    with pytest.raises(yj.ValidationError, match=r"key 'owner' must be a string, number, boolean, list"):
        County(None, meta={"owner": object()})
    with pytest.raises(yj.ValidationError, match=r"key extra.deep must be a string, number"):
        County(None, meta={"extra": {"deep": {"a": 1}}})


def test_snap_too_far():
    dem = small_tables()["demand"]
    dem.loc[0, ["x", "y"]] = [5000.0, 5000.0]
    with pytest.raises(yj.ValidationError, match=r"table 'demand', column 'x, y': 1 point\(s\) lie farther "
                       r"than the snap limit of 50 m from the road network: 'd1' \(6,647 m\)"):
        County(grid_network(), max_snap=50.0, **_tables(demand=dem))
    # meta's max_snap_m is the default
    with pytest.raises(yj.ValidationError, match=r"snap limit of 60 m"):
        County(grid_network(), meta={"max_snap_m": 60.0}, **_tables(demand=dem))


# ------------------------------------------------------------------------------ folder errors


def test_load_errors_name_files(county, tmp_path):
    with pytest.raises(yj.ValidationError, match=r"'folder' parameter of County.load must be an existing folder"):
        County.load(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(yj.ValidationError, match=r"no road network: expected roads.csv"):
        County.load(empty)
    county.save(tmp_path / "c")
    d = tmp_path / "c"
    text = (d / "demand.csv").read_text(encoding="utf-8").replace("250.5", "lots")
    (d / "demand.csv").write_text(text, encoding="utf-8")
    with pytest.raises(yj.ValidationError,
                       match=r"County.load.*demand.csv, row 'd2', column 'population': expected a number"):
        County.load(d)


def test_load_bad_toml_and_roads(county, tmp_path):
    county.save(tmp_path)
    (tmp_path / "county.toml").write_text("name = \n", encoding="utf-8")
    with pytest.raises(yj.ValidationError, match=r"county.toml: not valid TOML"):
        County.load(tmp_path)
    county.save(tmp_path)
    roads = pd.read_csv(tmp_path / "roads.csv").drop(columns="minutes")
    roads.to_csv(tmp_path / "roads.csv", index=False)
    with pytest.raises(yj.ValidationError, match=r"roads.csv: missing column\(s\) 'minutes'"):
        County.load(tmp_path)
    county.save(tmp_path)
    roads = pd.read_csv(tmp_path / "roads.csv")
    roads.loc[0, "minutes"] = -3.0
    roads.to_csv(tmp_path / "roads.csv", index=False)
    with pytest.raises(yj.ValidationError, match=r"roads.csv: .*negative"):
        County.load(tmp_path)
    county.save(tmp_path)
    pd.read_csv(tmp_path / "nodes.csv").rename(columns={"x": "east"}).to_csv(
        tmp_path / "nodes.csv", index=False)
    with pytest.raises(yj.ValidationError, match=r"nodes.csv: expected columns 'id', 'x', 'y'"):
        County.load(tmp_path)


def test_load_bad_graphml(tmp_path):
    (tmp_path / "roads.graphml").write_text("<graphml>not really</graphml>", encoding="utf-8")
    with pytest.raises(yj.ValidationError, match=r"roads.graphml: cannot be read as a road network"):
        County.load(tmp_path)


def test_load_unreadable_csv(county, tmp_path):
    county.save(tmp_path)
    (tmp_path / "venues.csv").write_bytes(b"id,x\n\xff\xfe,1\n")
    with pytest.raises(yj.ValidationError, match=r"venues.csv: cannot be read as CSV"):
        County.load(tmp_path)


def test_save_errors(county, tmp_path):
    with pytest.raises(yj.ValidationError, match=r"'network_format' parameter of County.save must be 'csv' or 'graphml'"):
        county.save(tmp_path, network_format="shp")
    county.save(tmp_path)
    with pytest.raises(yj.ValidationError, match=r"must not hold a county when overwrite=False"):
        county.save(tmp_path, overwrite=False)


def test_save_removes_stale_tables(county, tmp_path):
    county.save(tmp_path)
    assert (tmp_path / "venues.csv").exists()
    county.replace(venues=None).save(tmp_path)
    assert not (tmp_path / "venues.csv").exists()
    assert len(County.load(tmp_path).venues) == 0


def test_from_json_errors():
    with pytest.raises(yj.ValidationError, match=r"must be a county JSON document. Got text that is not JSON"):
        County.from_json("{not json")
    with pytest.raises(yj.ValidationError, match=r"format 'yingji.county'. Got 'geojson' instead"):
        County.from_json({"format": "geojson"})
    with pytest.raises(yj.ValidationError, match=r"must have version 1. Got 99 instead"):
        County.from_json({"format": "yingji.county", "version": 99})
    doc = {"format": "yingji.county", "version": 1, "meta": {}, "network": None,
           "tables": {"indicators": {"columns": {"metric": ["a", "a"], "value": [1.0, None]},
                                     "dtypes": {"metric": "str", "value": "float"}}}}
    with pytest.raises(yj.ValidationError, match=r"JSON table 'indicators'.*duplicate metric"):
        County.from_json(doc)


def test_load_handwritten_folder(tmp_path):
    """A folder written by hand: no county.toml, string node ids, extra columns typed by content."""
    (tmp_path / "roads.csv").write_text("u,v,minutes\na,b,1.5\nb,c,2\n", encoding="utf-8")
    (tmp_path / "nodes.csv").write_text("id,x,y\na,0,0\nb,100,0\nc,200,0\n", encoding="utf-8")
    (tmp_path / "demand.csv").write_text(
        "id,x,y,population,urban,floors,share,flag,note\n"
        "001,1,1,10,yes,3,0.5,True,老城\n"
        "002,190,2,20,否,12,1e-3,false,\n", encoding="utf-8")
    c = County.load(tmp_path)
    d = c.demand
    assert list(d.index) == ["001", "002"]          # ids stay text
    assert d["node"].tolist() == ["a", "c"]
    assert d["urban"].tolist() == [True, False]
    assert d["floors"].dtype == np.int64 and d["share"].dtype == np.float64
    assert d["flag"].dtype == bool and d["note"].tolist() == ["老城", ""]
    assert c.meta["name"] == "" and c.meta["standard"] == "GB51080"
    assert c.network.travel_times(["a"], ["c"]).item() == 3.5
    assert not c.network.has_lengths
    # written back and read again: identical
    c.save(tmp_path / "out")
    assert_same_county(c, County.load(tmp_path / "out"))
