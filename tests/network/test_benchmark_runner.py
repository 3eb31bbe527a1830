"""Tests of the benchmark runner API (benchmarks/): measuring a case, the table, the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

benchmarks = pytest.importorskip("benchmarks")
from benchmarks import Case, Suite  # noqa: E402
from benchmarks._measure import measure_case  # noqa: E402


def _setup():
    return {"n": 200_000}


def _run(s):
    import numpy as np

    s["x"] = np.ones(s["n"]).sum()
    return {"total": s["x"]}


def _peer(s):
    s["y"] = float(sum(1.0 for _ in range(s["n"] // 10)))
    return {"total": s["y"], "scale": 10}


def _check(s):
    return {"same": s["x"] == s["y"] * 10}


def _boom(s):
    raise RuntimeError("kaput")


def test_measure_case_fields():
    rec = measure_case(Case("c", _setup, _run, peer=_peer, peer_name="python loop",
                            check=_check, params={"n": 200_000}, repeat=2))
    assert rec["status"] == "ok"
    assert rec["quality"] == {"total": 200_000.0}
    assert rec["check"] == {"same": True}
    assert rec["peer_scale"] == 10.0 and rec["peer_quality"] == {"total": 20_000.0}
    assert rec["peer_time_s"] == pytest.approx(rec["peer_measured_s"] * 10)
    assert rec["ratio"] == pytest.approx(rec["peer_time_s"] / rec["time_s"])
    assert rec["time_s"] > 0 and rec["cpu_s"] >= 0 and rec["peak_mib"] >= 0
    assert rec["mem_method"] in ("rss_hwm", "maxrss_process")


def test_measure_case_reports_errors():
    rec = measure_case(Case("bad", _setup, _boom))
    assert rec["status"] == "error" and rec["error"] == "run: RuntimeError: kaput"
    rec = measure_case(Case("bad2", _setup, lambda s: 42))
    assert rec["status"] == "error" and "must return a dict or None" in rec["error"]


def test_suite_api():
    a, b = Case("a", _setup, _run), Case("b", _setup, _run)
    s = Suite("demo", quick=[a], full=[b], budget_s=10)
    assert [c.name for c in s.cases()] == ["a"]
    assert [c.name for c in s.cases(full=True)] == ["a", "b"]
    assert s.budget() == 10 and s.budget(True) == 40
    assert s.case("b") is b
    with pytest.raises(KeyError, match="no case 'zzz'"):
        s.case("zzz")


def test_table_and_cli(tmp_path, capsys, monkeypatch):
    from benchmarks import _runner

    rec = measure_case(Case("c", _setup, _run, peer=_peer, peer_name="python loop", check=_check))
    rec["suite"] = "demo"
    report = {"tier": "quick", "machine": {"python": "3", "cpu_count": 2, "loadavg": "0.1"},
              "results": [_runner._jsonable(rec),
                          {"suite": "demo", "case": "d", "status": "skipped", "error": "budget"}]}
    text = _runner.format_table(report)
    assert "demo" in text and "python loop (measured" in text and "scaled x10" in text
    assert "skipped" in text and "cpu_ratio" in text

    monkeypatch.setattr(_runner, "list_suites", lambda: ["demo"])
    suite = Suite("demo", quick=[Case("c", _setup, _run, check=lambda s: {"ok": True})], budget_s=60)
    monkeypatch.setattr(_runner, "load_suite", lambda name: suite)
    out = tmp_path / "r.json"
    assert _runner.main(["demo", "--in-process", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["results"][0]["case"] == "c" and data["results"][0]["status"] == "ok"
    assert _runner.main(["--list"]) == 0
    assert "quick  c" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _runner.main(["nosuch"])


def test_network_suite_is_registered():
    from benchmarks._runner import list_suites, load_suite

    assert "network" in list_suites()
    s = load_suite("network")
    assert {c.name for c in s.cases(full=True)} >= {"cutoff15_100k", "dense_100k_1000x10000"}


def test_hours_suite_is_registered_and_classes_the_grid():
    from benchmarks._runner import list_suites, load_suite
    from benchmarks.suites.hours import _classes
    from benchmarks.suites.network import synthetic_road_network

    assert "hours" in list_suites()
    assert {c.name for c in load_suite("hours").cases(full=True)} >= {"peak08_20k", "peak08_100k"}
    edges, _ = synthetic_road_network(1600, seed=1)
    kph = edges["metres"] / 1000 / (edges["minutes"] / 60)
    cls = _classes(edges)
    assert set(cls) == {"national", "urban_arterial", "urban_street"}
    assert (kph[cls == "urban_street"] <= 30).all() and (kph[cls == "national"] >= 64).all()


def test_synthetic_road_network_is_plausible():
    import warnings

    import numpy as np

    import yingji as yj
    from benchmarks.suites.network import synthetic_road_network

    edges, nodes = synthetic_road_network(900, seed=3)
    e2, _ = synthetic_road_network(900, seed=3)
    assert edges.equals(e2)                                   # seeded
    kph = edges["metres"] / 1000 / (edges["minutes"] / 60)
    assert kph.between(24, 80).all() and edges["oneway"].any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", yj.DisconnectedNetworkWarning)
        net = yj.Network.from_edges(edges, nodes=nodes).largest_component()
    assert net.n_nodes > 800
    assert np.isfinite(net.travel_times(net.nodes[:3])).all()
