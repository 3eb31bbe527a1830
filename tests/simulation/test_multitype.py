"""simulate(..., requirements=, policy=): calls needing several unit types, each from its own pool."""

from __future__ import annotations

import importlib.util
import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yingji.config import COVER_TOL
from yingji.exceptions import ValidationError
from yingji.simulation import MINUTES_PER_YEAR, simulate
from yingji.simulation.engine import _draw_calls


def _load_naive():
    spec = importlib.util.spec_from_file_location("naive_multitype", Path(__file__).with_name("naive_multitype.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


naive = _load_naive()


def _fleet():
    """Three engines, two ladders, one rescue unit; three demand points; distinct travel times."""
    units = pd.DataFrame({"type": ["engine", "ladder", "engine", "rescue", "engine", "ladder"]},
                         index=["e1", "l1", "e2", "r1", "e3", "l2"])
    demand = pd.DataFrame({"incidents_per_year": [9000.0, 5000.0, 7000.0]}, index=["a", "b", "c"])
    T = np.array([[2.1, 6.3, 4.2], [3.3, 2.9, 7.4], [5.2, 3.1, 7.6], [4.4, 4.8, 1.3], [6.6, 5.1, 2.2],
                  [8.0, 6.9, 2.6]])  # units x points
    return units, demand, T


REQ = {"engine": 2, "ladder": 1, "rescue": 1}


# ---------------------------------------------------------------- same draws as an oracle
def _oracle_replication(units, demand, T, seed, horizon_hours, need_row, *, policy, service=40.0, turnout=1.0,
                        limit=5.0):
    """One replication of simulate() recomputed by the naive event simulation, same draws."""
    types = list(need_row)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    lam = demand["incidents_per_year"].to_numpy() / MINUTES_PER_YEAR
    cfg = {"horizon": horizon_hours * 60.0, "rate_per_min": lam, "profile": np.ones(24), "start_hour": 0,
           "service_mean": np.full(len(demand), service), "service_distribution": "exponential", "service_cv": 1.0}
    arrival, pts, scene = _draw_calls(cfg, rng)
    sel = units["type"].isin(types).to_numpy()
    uids = list(units.index[sel])
    utype = np.array([types.index(t) for t in units["type"][sel]], dtype=np.int64)
    travel = np.ascontiguousarray(T[sel].T)
    need = np.tile(np.array([need_row[t] for t in types], dtype=np.int64), (arrival.size, 1))
    choose = naive.plan_chooser(uids, types, travel, limit - turnout) if policy == "plan" else None
    resp, full, unit, wait, fdb, busy = naive.event_simulation_multi(
        arrival, pts, scene, need, travel, utype, turnout, True, 0.0, cfg["horizon"], choose=choose)
    return {
        "n_incidents": arrival.size,
        "mean_minutes": resp.mean(),
        "p90_minutes": np.percentile(resp, 90),
        "full_mean_minutes": full.mean(),
        "full_p90_minutes": np.percentile(full, 90),
        "within_standard": np.mean(resp <= limit + COVER_TOL),
        "first_due_busy": fdb.mean(),
        "mean_wait_minutes": wait.mean(),
        "share_queued": np.mean(wait > 0),
    }, pd.Series(busy / cfg["horizon"], index=uids)


@pytest.mark.parametrize("policy", ["nearest", "plan"])
@pytest.mark.parametrize("seed", [1, 2])
def test_simulate_matches_naive_event_simulation(policy, seed):
    units, demand, T = _fleet()
    kw = dict(units=units, demand=demand, times=T, horizon_hours=120, replications=1, seed=seed,
              service_minutes=40.0, requirements=REQ, policy=policy)
    sim = simulate(**kw)
    ref, util = _oracle_replication(units, demand, T, seed, 120, REQ, policy=policy)
    assert ref["n_incidents"] > 20 and ref["share_queued"] > 0  # the case exercises waiting calls
    row = sim.per_replication.iloc[0]
    for name, v in ref.items():
        assert row[name] == pytest.approx(v, rel=1e-12, abs=1e-9), name
    pd.testing.assert_series_equal(sim.utilisation, util.reindex(sim.utilisation.index), check_names=False,
                                   rtol=1e-12, check_index_type=False)


def test_one_required_type_equals_units_per_call():
    units, demand, T = _fleet()
    kw = dict(units=units, demand=demand, times=T, horizon_hours=400, replications=3, seed=11)
    old = simulate(**kw, units_per_call=2)  # engines (the default unit_types)
    new = simulate(**kw, requirements={"engine": 2})
    plan = simulate(**kw, requirements=pd.Series({"engine": 2, "ladder": 0}), policy="plan")
    per_point = simulate(**kw, requirements=pd.DataFrame({"engine": [2, 2, 2]}, index=["c", "a", "b"]))
    mix = simulate(**kw, requirements=pd.DataFrame({"share": [0.3, 0.7], "engine": [2, 2]}, index=["x", "y"]))
    for other in (new, plan, per_point, mix):
        pd.testing.assert_frame_equal(old.per_replication, other.per_replication)
        pd.testing.assert_series_equal(old.utilisation, other.utilisation)
        assert old.static_within_standard == other.static_within_standard
        for name in old.ci:
            assert old.ci[name] == other.ci[name], name
    assert list(new.by_type.index) == ["engine"]
    assert new.by_type.loc["engine", "first_mean_minutes"] == pytest.approx(new.mean_minutes)
    assert new.by_type.loc["engine", "last_mean_minutes"] == pytest.approx(new.full_mean_minutes)
    assert new.by_type.loc["engine", "share_of_calls"] == 1.0
    assert old.by_type is None and old.requirements is None


def test_full_complement_figures_and_confidence_intervals():
    units, demand, T = _fleet()
    sim = simulate(units=units, demand=demand, times=T, horizon_hours=1000, replications=5, seed=3,
                   requirements=REQ, standard="NFPA1710")
    assert sim.full_limit_minutes == pytest.approx(80 / 60 + 8)
    assert sim.full_mean_minutes > sim.mean_minutes and sim.full_p90_minutes >= sim.p90_minutes
    per = sim.per_replication
    assert (per["full_mean_minutes"] >= per["mean_minutes"]).all()
    assert (per["full_within_limit"] <= 1).all()
    # every unit of the required types is reported, in the table's order; the response is the
    # first arrival over the types, the full complement the last
    assert list(sim.utilisation.index) == list(units.index)
    bt = sim.by_type
    assert list(bt.index) == ["engine", "ladder", "rescue"]
    assert (bt["share_of_calls"] == 1.0).all()
    assert sim.mean_minutes <= bt["first_mean_minutes"].min() + 1e-9
    assert sim.full_mean_minutes >= bt["last_mean_minutes"].max() - 1e-9
    fr = sim.to_frame()
    assert {"full_within_limit", "first_p90_minutes[ladder]", "last_mean_minutes[engine]"} <= set(fr.index)
    finite = fr.dropna()
    assert len(finite) == len(fr)
    assert (finite["low"] <= finite["value"] + 1e-12).all() and (finite["value"] <= finite["high"] + 1e-12).all()
    for name, (lo, hi) in sim.ci.items():
        assert 0.0 <= lo <= hi, name
        if "within" in name or name.startswith("share") or name.startswith("utilisation"):
            assert hi <= 1.0, name
    d = sim.to_dict()
    json.dumps(d)
    assert d["requirements"] == {"all calls": {"engine": 2.0, "ladder": 1.0, "rescue": 1.0}}
    assert "full complement" in sim.summary()
    # GB 51080 sets no full-alarm limit: the first-arrival limit is used; one can be given
    g = simulate(units=units, demand=demand, times=T, horizon_hours=50, replications=2, seed=3, requirements=REQ)
    assert g.full_limit_minutes == 5.0
    g2 = simulate(units=units, demand=demand, times=T, horizon_hours=50, replications=2, seed=3, requirements=REQ,
                  full_limit_minutes=1e6)
    assert g2.full_within_limit == 1.0


def test_more_types_make_the_full_complement_later_and_the_first_arrival_earlier():
    units, demand, T = _fleet()
    kw = dict(units=units, demand=demand, times=T, horizon_hours=2000, replications=4, seed=5)
    eng = simulate(**kw, requirements={"engine": 2})
    alarm = simulate(**kw, requirements=REQ)
    # pools are independent: the engines see the same calls, so their own figures are identical
    pd.testing.assert_series_equal(eng.utilisation, alarm.utilisation[eng.utilisation.index])
    assert eng.by_type.loc["engine", "first_mean_minutes"] == alarm.by_type.loc["engine", "first_mean_minutes"]
    assert alarm.mean_minutes < eng.mean_minutes  # a nearer ladder or rescue unit arrives first
    assert alarm.full_mean_minutes > eng.full_mean_minutes
    assert alarm.static_within_standard >= eng.static_within_standard


def test_call_type_mix_and_per_point_requirements():
    units, demand, T = _fleet()
    mix = pd.DataFrame({"share": [3.0, 1.0], "engine": [1, 3], "ladder": [0, 1], "rescue": [0, 1]},
                       index=["small fire", "building fire"])
    kw = dict(units=units, demand=demand, times=T, horizon_hours=3000, replications=4, seed=9)
    sim = simulate(**kw, requirements=mix)
    assert sim.requirements["share"].tolist() == [0.75, 0.25]
    assert sim.by_type.loc["engine", "share_of_calls"] == 1.0
    assert sim.by_type.loc["ladder", "share_of_calls"] == pytest.approx(0.25, abs=0.03)
    lo, hi = sim.ci["share_of_calls[ladder]"]
    assert lo <= sim.by_type.loc["ladder", "share_of_calls"] <= hi
    # calls take engines and ladders in proportion: ladders far less busy than engines
    assert sim.utilisation[["l1", "l2"]].mean() < sim.utilisation[["e1", "e2", "e3"]].mean()
    # per demand point: point 'b' calls need a ladder only
    pp = pd.DataFrame({"engine": [2, 0, 1], "ladder": [0, 1, 1]}, index=["a", "b", "c"])
    s2 = simulate(**kw, requirements=pp)
    assert s2.by_type.loc["ladder", "share_of_calls"] == pytest.approx(12 / 21, abs=0.03)
    assert "r1" not in s2.utilisation.index
    # same seed, same figures whatever the executor
    with ThreadPoolExecutor(2) as ex:
        s3 = simulate(**kw, requirements=mix, executor=ex)
    with ProcessPoolExecutor(2) as ex:
        s4 = simulate(**kw, requirements=mix, executor=ex)
    for other in (s3, s4):
        pd.testing.assert_frame_equal(sim.per_replication, other.per_replication)
        pd.testing.assert_frame_equal(sim.by_type, other.by_type)


@pytest.mark.parametrize("kw, match", [
    (dict(policy="closest"), "'policy' parameter of simulate must be one of 'nearest', 'plan'"),
    (dict(requirements=REQ, units_per_call=2), "either 'requirements' or 'units_per_call'"),
    (dict(full_limit_minutes=0), "'full_limit_minutes' parameter of simulate must be a positive"),
    (dict(requirements=[2, 1]), "'requirements' parameter of simulate must be a mapping"),
    (dict(requirements={"engine": 1, "hazmat": 1}), r"names unknown unit type\(s\) \['hazmat'\]"),
    (dict(requirements={"engine": 1.5}), "non-negative whole numbers of units. Got 1.5 in rows 'all calls' instead"),
    (dict(requirements={"engine": -1, "ladder": 1}), "non-negative whole numbers"),
    (dict(requirements={"engine": 0}), "at least one unit per call. No unit asked for rows 'all calls'"),
    (dict(requirements=pd.DataFrame({"engine": [1, 1]}, index=["a", "b"])), "a row per demand point. Missing: 'c'"),
    (dict(requirements=pd.DataFrame({"engine": [1, 0, 1]}, index=["a", "b", "c"])), "No unit asked for rows 'b'"),
    (dict(requirements=pd.DataFrame({"share": [1.0, -1.0], "engine": [1, 1]}, index=["x", "y"])),
     "finite non-negative shares. Got -1 for call types 'y' instead"),
    (dict(requirements=pd.DataFrame({"share": [0.0], "engine": [1]}, index=["x"])), "shares with a positive total"),
    (dict(requirements={"ladder": 1}, times="ladders_cannot_reach_c"),
     "no unit of type 'ladder' can reach demand points 'c', which need it"),
    (dict(requirements={"engine": 1}, times="ladders_cannot_reach_c", policy="x", full_limit_minutes=-1),
     "2 problems with the input of simulate"),
])
def test_requirements_rejects_bad_input(kw, match):
    units, demand, T = _fleet()
    if kw.get("times") == "ladders_cannot_reach_c":
        T = T.copy()
        T[[1, 5], 2] = np.inf
        kw["times"] = T
    base = dict(units=units, demand=demand, times=T, horizon_hours=10, replications=2, seed=0)
    base.update(kw)
    with pytest.raises(ValidationError, match=match):
        simulate(**base)


def test_a_type_unreachable_where_it_is_not_needed_is_fine():
    units, demand, T = _fleet()
    T = T.copy()
    T[[1, 5], 2] = np.inf  # no ladder reaches 'c'
    pp = pd.DataFrame({"engine": [1, 1, 1], "ladder": [1, 1, 0]}, index=["a", "b", "c"])
    sim = simulate(units=units, demand=demand, times=T, horizon_hours=200, replications=2, seed=1, requirements=pp)
    assert np.isfinite(sim.full_mean_minutes)


def test_cli_simulate_with_requirements(tmp_path, capsys):
    pytest.importorskip("yingji.cli")
    from yingji import cli, datasets

    county = datasets.sample_county()
    folder = tmp_path / "c"
    county.save(folder)
    assert cli.main(["simulate", str(folder), "--hours", "240", "--replications", "2", "--seed", "3",
                     "--require", "engine=2,ladder", "--policy", "plan"]) == 0
    out = capsys.readouterr().out
    assert "full complement (plan dispatch)" in out and "first_p90_minutes[ladder]" in out
    assert cli.main(["simulate", str(folder), "--hours", "240", "--replications", "2", "--json",
                     "--require", "engine=2"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["requirements"] == {"all calls": {"engine": 2.0}} and d["policy"] == "nearest"
    assert cli.main(["simulate", str(folder), "--require", "engine=two"]) == 2
    assert "'--require' option" in capsys.readouterr().err
    assert cli.main(["simulate", str(folder), "--hours", "10", "--require", "hazmat=1,crane=1"]) == 2
    assert "unknown unit type(s) ['crane']" in capsys.readouterr().err
