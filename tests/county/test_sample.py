"""The embedded sample county: sizes, ranges and the figures the docs promise."""

from __future__ import annotations

import operator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.config import COVER_TOL
from yingji.county import CANDIDATE_USES, TABLES, County
from yingji.datasets import sample_county, sample_county_path

SKILLS = {"non_coal_mine", "construction", "hazardous_chemicals", "rail_transit", "flood"}


@pytest.fixture(scope="module")
def county() -> County:
    return sample_county()


def test_files_are_package_data_and_compact():
    folder = sample_county_path()
    assert (folder / "county.toml").is_file()
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert (folder / "roads.csv").stat().st_size < 4e6
    assert total < 6e6


def test_meta(county):
    m = county.meta
    assert m["name"] == "XX县" and m["crs"] == "EPSG:4547" and m["standard"] == "GB51080"
    assert 1400 <= m["area_km2"] <= 1600
    assert m["time_limits"]["solve"] > 0


def test_network_size_and_connectivity(county):
    net = county.network
    assert net.n_nodes >= 20_000
    assert net.has_lengths and net.has_coords and not net.directed
    assert len(net.components()) == 1


def test_demand(county):
    d = county.demand
    assert 1_500 <= len(d) <= 2_500
    pop = d["population"].sum()
    assert 400_000 <= pop <= 600_000
    urban_km2 = d.loc[d["urban"], "area_m2"].sum() / 1e6
    assert 60 <= urban_km2 <= 150
    # areas add up to the county's area (0.01 km² raster)
    assert d["area_m2"].sum() / 1e6 == pytest.approx(county.meta["area_km2"], abs=0.01)
    assert 10 <= d["township"].nunique() <= 15
    assert set(d["risk"]) == {"normal", "high"}
    assert (d["incidents_per_year"] > 0).any() and (d["incidents_per_year"] >= 0).all()
    assert d.index.is_unique and d["population"].ge(0).all()


def test_stations_and_units(county):
    s, u = county.stations, county.units
    assert 2 <= len(s) <= 4 and s["station_class"].nunique() == len(s)
    assert set(u["station"]) <= set(s.index)
    assert {"engine", "ladder", "ambulance", "rescue"} <= set(u["type"])
    for sid, row in s.iterrows():
        mine = u[u["station"] == sid]
        assert (mine["type"] == "engine").sum() == row["engines"]
        assert (mine["type"] == "ladder").sum() == row["ladders"]


def test_candidates_teams_hazards(county):
    c = county.candidates
    assert 40 <= len(c) <= 80
    tokens = {t for v in c["uses"] for t in v.split(";")}
    assert tokens == set(CANDIDATE_USES)
    assert (c["cost"] > 0).all() and (c["area_m2"] > 0).all()
    team_skills = {t for v in county.teams["skills"] for t in v.split(";")}
    assert team_skills == SKILLS
    assert set(county.hazards["skill"]) == SKILLS
    assert set(county.enterprises["skill"]) <= SKILLS
    assert set(county.venues["kind"]) == {"crowded venue", "hazardous goods", "school", "hospital"}


def test_supplies_and_shelters(county):
    assert len(county.depots) >= 3 and (county.depots["capacity"] > 0).all()
    st = county.stock
    assert set(st["depot"]) <= set(county.depots.index)
    assert set(st["item"]) <= set(county.items["item"])
    assert st["expires"].notna().any() and st["expires"].isna().any()
    items = county.items.set_index("item")
    assert items.loc["water", "per_person_per_day"] == 15.0  # Sphere, rules S5-009
    assert "S5-009" in items.loc["water", "source"]
    assert items["source"].str.contains("ASSUMPTION").any()
    assert set(county.shelters["shelter_class"]) >= {"emergency", "fixed"}


def _rules(shared_datasets: Path) -> pd.DataFrame:
    path = shared_datasets.parent / "rules" / "rules.csv"
    if not path.exists():
        pytest.skip("../shared/rules/rules.csv not found")
    return pd.read_csv(path)


def test_indicators_named_as_rules_and_some_fail(county, shared_datasets):
    rules = _rules(shared_datasets)
    ind = county.indicators
    assert ind["metric"].is_unique
    unknown = set(ind["metric"]) - set(rules["metric"])
    assert not unknown, unknown
    ops = {">=": operator.ge, ">": operator.gt, "==": operator.eq, "<=": operator.le,
           "<": operator.lt}
    failing = []
    r = rules.drop_duplicates("metric").set_index("metric")
    for metric, value in zip(ind["metric"], ind["value"]):
        op, thr = r.loc[metric, "operator"], r.loc[metric, "threshold"]
        if op == "exists":
            ok = value == 1.0
        elif thr == "unspecified":
            continue
        else:
            ok = ops[op](value, float(thr))
        if not ok:
            failing.append(metric)
    assert 5 <= len(failing) <= 40, failing
    assert "shelter_area_per_capita" in failing
    # the county plan's rows are covered
    s1 = set(rules.loc[rules["id"].str.startswith("S1"), "metric"])
    assert len(s1 & set(ind["metric"])) >= 170


def test_fire_coverage_is_partial(county):
    """Existing stations reach 40-70 % of the urban population within 5 min of driving."""
    s, d = county.stations, county.demand
    T = county.network.travel_times(s["node"].to_numpy(), d["node"].to_numpy()).T
    near = T.min(axis=1)
    urban = d["urban"].to_numpy()
    pop = d["population"].to_numpy()
    share5 = pop[urban & (near <= 5 + COVER_TOL)].sum() / pop[urban].sum()
    share4 = pop[urban & (near <= 4 + COVER_TOL)].sum() / pop[urban].sum()
    assert 0.40 <= share5 <= 0.70
    assert 0.30 <= share4 < share5
    assert np.isfinite(near).all()


def test_sample_county_returns_independent_copies():
    a = sample_county()
    b = sample_county()
    a.demand.loc[a.demand.index[0], "population"] = -5.0
    assert b.demand["population"].iloc[0] >= 0
    assert sample_county(copy=False) is sample_county(copy=False)


def test_sample_round_trips(county, tmp_path):
    county.save(tmp_path)
    back = County.load(tmp_path)
    js = County.from_json(county.to_json())
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(county, name), getattr(back, name), check_exact=True)
        pd.testing.assert_frame_equal(getattr(county, name), getattr(js, name), check_exact=True)
    for other in (back, js):
        e1, n1 = county.network.to_frames()
        e2, n2 = other.network.to_frames()
        pd.testing.assert_frame_equal(e1, e2, check_exact=True)
        pd.testing.assert_frame_equal(n1, n2, check_exact=True)


def test_datasets_lazy_loaders():
    assert callable(yj.datasets.load_pmed) and callable(yj.datasets.load_scp)
    assert "load_swain55" in dir(yj.datasets)
    with pytest.raises(AttributeError, match="has no attribute 'load_nothing'"):
        yj.datasets.load_nothing  # noqa: B018
