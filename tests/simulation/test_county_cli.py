"""simulate / hypercube on the sample county, with_new_stations, the CLI command and a dask executor."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yingji.exceptions import ValidationError
from yingji.simulation import hypercube, simulate, with_new_stations


@pytest.fixture(scope="module")
def county():
    ds = pytest.importorskip("yingji.datasets")
    try:
        return ds.sample_county()
    except Exception as exc:  # pragma: no cover - the sample county is another module's work
        pytest.skip(f"sample county unavailable: {exc}")


def test_sample_county_simulation_and_hypercube_agree(county):
    kw = dict(service_minutes=45.0, incidents_per_year=county.demand["incidents_per_year"] * 20)
    sim = simulate(county, horizon_hours=24 * 365, replications=6, seed=11, travel_in_service=False, **kw)
    hc = hypercube(county, **kw)
    assert sim.utilisation.index.tolist() == hc.workload.index.tolist()
    assert len(sim.utilisation) == int((county.units["type"] == "engine").sum())
    lo, hi = sim.ci["mean_utilisation"]
    assert lo - 0.005 <= hc.workload.mean() <= hi + 0.005
    assert abs(sim.within_standard - hc.within_standard) < 0.02
    # busy units can only make things worse than the static coverage model (up to the sampling
    # noise of the calls' points: the static share is the rate-weighted expectation, the simulated
    # one a sample of it; 3 standard errors)
    n = sim.per_replication["n_incidents"].sum()
    ps = sim.static_within_standard
    assert sim.within_standard <= ps + 3 * np.sqrt(ps * (1 - ps) / n) + 1e-12


def test_with_new_stations(county):
    cands = list(county.candidates.index[:2])
    tables = with_new_stations(county, cands, engines=2, ladders=1)
    assert set(cands) <= set(tables["stations"].index)
    new_units = tables["units"][tables["units"]["station"].isin(cands)]
    assert sorted(new_units["type"].value_counts().to_dict().items()) == [("engine", 4), ("ladder", 2)]
    before = simulate(county, horizon_hours=24 * 90, replications=2, seed=1)
    after = simulate(county, horizon_hours=24 * 90, replications=2, seed=1, **tables)
    assert len(after.utilisation) == len(before.utilisation) + 4
    assert after.static_within_standard >= before.static_within_standard
    with pytest.raises(ValidationError, match="not candidates: 'nope'"):
        with_new_stations(county, ["nope"])
    with pytest.raises(ValidationError, match="names existing stations"):
        with_new_stations(county, [county.stations.index[0]],
                          candidates=pd.concat([county.candidates, county.stations[["x", "y", "node"]]]))
    with pytest.raises(ValidationError, match="'engines' parameter of with_new_stations"):
        with_new_stations(county, cands, engines=-1)


def test_cli_simulate(county, tmp_path, capsys):
    from yingji import cli

    folder = tmp_path / "c"
    county.save(folder)
    assert cli.main(["simulate", str(folder), "--hours", "240", "--replications", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "p90" in out and "utilisation[" in out
    assert cli.main(["simulate", str(folder), "--hours", "240", "--replications", "2", "--json",
                     "--standard", "6", "--types", "all", "--workers", "2"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["limit_minutes"] == 6.0 and d["replications"] == 2
    assert cli.main(["simulate", str(folder), "--hours", "-1"]) == 2
    assert "horizon_hours" in capsys.readouterr().err


def test_demo_section_registered(county):
    from yingji import cli

    sec = [s for s in cli.DEMO_SECTIONS if s.title.startswith("Simulated response")]
    assert len(sec) == 1
    pytest.importorskip("yingji.fire")
    import argparse

    from yingji._render import blocks_text

    text = blocks_text(sec[0].func(county, argparse.Namespace(full=False, time_limit=60.0)))
    assert "Existing stations" in text and "With the fire plan" in text and "Static coverage" in text


def test_dask_executor_gives_the_same_figures():
    dd = pytest.importorskip("dask.distributed")
    units = pd.DataFrame({"type": ["engine"] * 3}, index=["u1", "u2", "u3"])
    demand = pd.DataFrame({"incidents_per_year": [4000.0, 2000.0, 3000.0]}, index=["a", "b", "c"])
    T = np.array([[2.0, 6.0, 4.0], [5.0, 3.0, 7.0], [4.0, 4.0, 1.0]])
    kw = dict(units=units, demand=demand, times=T, horizon_hours=200, replications=3, seed=5)
    ref = simulate(**kw)
    with dd.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        got = simulate(**kw, executor=client.get_executor())
    pd.testing.assert_frame_equal(ref.per_replication, got.per_replication)


def test_simulated_metrics_in_compliance_check(county):
    """The simulated figures are compliance metrics: a rule naming one is decided by the model."""
    from yingji.compliance import check
    from yingji.compliance.domain_metrics import METRIC_HORIZON_HOURS, METRIC_REPLICATIONS

    rules = pd.DataFrame([
        {"id": "U-1", "metric": "simulated_p90_minutes", "operator": "<=", "threshold": "15",
         "unit": "min"},
        {"id": "U-2", "metric": "simulated_within_standard", "operator": ">=", "threshold": "90",
         "unit": "%"},
        {"id": "U-3", "metric": "simulated_p90_minutes", "operator": "<=", "threshold": "3600",
         "unit": "s"},
    ])
    rep = check(county, rules=rules, as_of="2026-01-01", seed=4)
    f = rep.to_frame().set_index("rule_id")
    assert (f["basis"] == "computed").all()
    sim = simulate(county, horizon_hours=METRIC_HORIZON_HOURS, replications=METRIC_REPLICATIONS, seed=4)
    assert f.loc["U-1", "value"] == pytest.approx(sim.p90_minutes)
    assert f.loc["U-1", "status"] == ("pass" if sim.p90_minutes <= 15 else "fail")
    assert f.loc["U-2", "value"] == pytest.approx(100 * sim.within_standard)  # share -> %
    assert f.loc["U-3", "value"] == pytest.approx(60 * sim.p90_minutes)  # min -> s
