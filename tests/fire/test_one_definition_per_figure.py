"""One figure per rule and station: fire vehicles (建标152-2017, S3-021..S3-025) and the per-station
NFPA 1710 travel percentile (S3-033), checked against counts and percentiles recomputed here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.compliance.metrics import get_metric
from yingji.fire import assess

#: 消防车 in the sample county's units table, by hand (建标152-2017 第十五条): engines, ladders,
#: rescue and hazmat vehicles count; ambulances (救护车) do not.
FIRE_TYPES = {"engine", "ladder", "rescue", "hazmat"}


def _hand_count(stations, units):
    out = {}
    for sid, row in stations.iterrows():
        rows = units[units["station"].astype(str) == str(sid)]
        if len(rows):
            out[str(sid)] = float(sum(1 for t in rows["type"] if str(t).lower() in FIRE_TYPES))
        else:
            out[str(sid)] = float(row.get("engines", 0) or 0) + float(row.get("ladders", 0) or 0)
    return out


def _metric(county, name):
    return get_metric(name).func(county)


@pytest.mark.parametrize("perturb", [False, True])
def test_fire_and_compliance_count_the_same_vehicles(perturb):
    county = yj.datasets.sample_county()
    if perturb:
        # a new station the units table does not list, and ambulances added elsewhere
        st = county.stations.copy()
        extra = st.loc[["S2"]].copy()
        extra.index = ["S9"]
        extra[["engines", "ladders", "staff", "station_class"]] = [3, 1, 30, "class1"]
        st = pd.concat([st, extra])
        un = pd.concat([county.units, pd.DataFrame({"station": ["S3", "S3"], "type": ["ambulance", "Rescue"],
                                                    "crew": [3, 5]}, index=["S3-AMB9", "S3-RES9"])])
        county = county.replace(stations=st, units=un)
    want = _hand_count(county.stations, county.units)
    a = assess(county)
    got = {str(k): float(v) for k, v in a.stations["vehicles"].items()}
    assert got == want
    staff = county.stations["staff"].astype(float)
    ratio = min(staff[s] / want[str(s)] for s in county.stations.index if want[str(s)] > 0)
    assert _metric(county, "staff_per_vehicle") == pytest.approx(ratio)
    for cls in set(county.stations["station_class"]):
        ids = county.stations.index[county.stations["station_class"] == cls]
        assert _metric(county, f"vehicles_{cls}") == min(want[str(i)] for i in ids)
    # the assessment's staff-per-vehicle check uses the same vehicles
    ck = a.checks[a.checks["check"] == "staff >= staff_per_vehicle * vehicles"].set_index("scope")
    for sid, thr in ck["threshold"].items():
        assert thr == pytest.approx(6.0 * want[str(sid)])


def test_s1_staff_per_vehicle_is_one_figure():
    """The audit's case: S1 has 6 engines, 2 ladders, a rescue, a hazmat unit and an ambulance."""
    county = yj.datasets.sample_county()
    a = assess(county)
    assert a.stations.loc["S1", "vehicles"] == 10.0
    rep = yj.compliance.check(county, rules="GB51080").to_frame().set_index("rule_id")
    assert rep.loc["S3-021", "computed_value"] == pytest.approx(
        min(county.stations["staff"].astype(float) / a.stations["vehicles"]))


def _naive_weighted_p(values, weights, q):
    pairs = sorted((v, w) for v, w in zip(values, weights) if w > 0)
    total = sum(w for _, w in pairs)
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc / total >= q - 1e-12:
            return v
    return pairs[-1][0]


@pytest.mark.parametrize("seed", range(8))
def test_nfpa_station_travel_is_its_district_percentile(seed):
    rng = np.random.default_rng(seed)
    n, s = 40, 3
    times = rng.uniform(0.5, 8.0, (n, s)).round(2)
    demand = pd.DataFrame({"population": rng.integers(10, 500, n).astype(float),
                           "area_m2": rng.uniform(1e5, 1e6, n),
                           "urban": rng.random(n) < 0.85,
                           "incidents_per_year": rng.integers(0, 30, n).astype(float)},
                          index=[f"d{i}" for i in range(n)])
    stations = pd.DataFrame({"station_class": ["class1", "class2", "class1"], "engines": [3, 2, 3],
                             "ladders": [1, 0, 1], "staff": [30, 20, 30]}, index=["A", "B", "C"])
    T = pd.DataFrame(times, index=demand.index, columns=stations.index)
    a = assess(stations=stations, demand=demand, times=T, standard="NFPA1710")
    budget = a.travel_budget
    in_scope = demand["urban"].to_numpy()
    first = times.argmin(axis=1)
    w = demand["incidents_per_year"].to_numpy()
    ck = a.checks[(a.checks["rule"] == "S3-033") & (a.checks["scope"] != "county")].set_index("scope")
    for j, sid in enumerate(stations.index):
        sel = in_scope & (first == j)
        if not sel.any() or w[sel].sum() <= 0:
            continue
        p90 = _naive_weighted_p(times[sel, j], w[sel], 0.9)
        assert a.stations.loc[sid, "travel_percentile_minutes"] == pytest.approx(p90)
        assert a.stations.loc[sid, "edge_minutes"] == pytest.approx(times[sel, j].max())
        assert ck.loc[sid, "value"] == pytest.approx(p90)
        assert bool(a.stations.loc[sid, "edge_ok"]) == (p90 <= budget + 1e-9)
    # GB 51080 keeps the slowest point per station
    g = assess(stations=stations, demand=demand, times=T, standard="GB51080")
    for j, sid in enumerate(stations.index):
        sel = in_scope & (first == j)
        if sel.any():
            assert g.stations.loc[sid, "travel_percentile_minutes"] == pytest.approx(times[sel, j].max())


def test_nfpa_district_without_incidents_is_judged_by_its_population():
    """A district with no recorded incidents: its percentile is over its population (not NaN),
    and edge_ok, the check and failed_rules agree."""
    demand = pd.DataFrame({"population": [100.0, 100.0, 100.0, 300.0], "area_m2": 1e6, "urban": True,
                           "incidents_per_year": [5.0, 5.0, 0.0, 0.0]}, index=list("abcd"))
    stations = pd.DataFrame({"station_class": ["class1"] * 2, "engines": 2, "ladders": 1, "staff": 30},
                            index=["S0", "S1"])
    times = pd.DataFrame([[1, 9], [2, 9], [9, 3], [9, 4.5]], index=demand.index, columns=stations.index, dtype=float)
    a = assess(standard="NFPA1710", stations=stations, demand=demand, times=times)
    s1 = a.stations.loc["S1"]
    assert s1["travel_percentile_minutes"] == pytest.approx(_naive_weighted_p([3.0, 4.5], [100.0, 300.0], 0.9))
    assert (not s1["edge_ok"]) and "S3-033" in s1["failed_rules"] and not s1["compliant"]
    ck = a.checks[(a.checks["rule"] == "S3-033") & (a.checks["scope"] == "S1")]
    assert ck["passed"].iloc[0] == False  # noqa: E712
