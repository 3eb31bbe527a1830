"""Faults and restarts of a real server: SIGKILL with jobs queued and running then a restart
on the same data, SIGTERM draining, the refusal to listen off loopback without a token, and
jobs on a dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from serve_harness import Server, long_request, mclp_request, wait_dead, worker_of

import yingji as yj

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_sigkill_then_restart_loses_nothing(tmp_path):
    data = tmp_path / "data"
    s = Server(data, "--workers", "1").start()   # auth off
    try:
        done_id = s.post("/v1/jobs", mclp_request(10)).json()["id"]
        done = s.wait_job(done_id)
        assert done["status"] == "done"
        run_id = s.post("/v1/jobs", long_request(60, seed=4)).json()["id"]
        pid = worker_of(s, run_id)
        queued = [s.post("/v1/jobs", mclp_request(11 + k)).json()["id"] for k in range(3)]
        assert all(s.get(f"/v1/jobs/{q}").json()["status"] == "queued" for q in queued)
        s.stop(signal.SIGKILL)
        assert wait_dead(pid, 10), "the worker outlived the killed server"
    finally:
        s.reap()
    s2 = Server(data, "--workers", "1")
    s2.port, s2.url = s.port, s.url  # same address, same data
    s2.start()
    try:
        job = s2.get(f"/v1/jobs/{run_id}").json()
        assert job["status"] == "interrupted" and job["error"]["status"] == "interrupted"
        for q in queued:
            assert s2.wait_job(q)["status"] == "done"
        kept = s2.get(f"/v1/jobs/{done_id}").json()
        assert kept["result"] == done["result"] and kept["finished"] == done["finished"]
        assert s2.get("/v1/jobs", params={"status": "running"}).json()["total"] == 0
        # interrupted jobs can be resubmitted by id
        assert s2.post(f"/v1/jobs/{run_id}/resubmit").status_code == 202
        worker_of(s2, run_id)
        assert s2.delete(f"/v1/jobs/{run_id}").json()["status"] == "cancelled"
    finally:
        s2.stop()
        s2.reap()


def test_sigterm_to_the_process_group_drains_and_stops_cleanly(tmp_path):
    """SIGTERM to the server's whole process group (what a terminal, systemd or docker send):
    the running job still drains to its end, and the server says nothing on its way out (no
    "leaked semaphore" warning from the resource tracker, no traceback), even after a worker
    was killed holding what it had taken."""
    data = tmp_path / "data"
    s = Server(data, "--workers", "1", "--request-workers", "1", "--drain-seconds", "30").start()
    assess = {"action": "fire.assess", "county": {"sample": True}}   # numba's parallel routing
    try:
        assert s.post("/v1/requests", assess).status_code == 200      # in a request worker
        first = s.post("/v1/jobs", assess).json()["id"]
        assert s.wait_job(first)["status"] == "done"                   # in the job worker
        old = s.health()["workers"][0]["pid"]
        os.kill(old, signal.SIGKILL)                                   # dies holding its state
        assert wait_dead(old, 10)
        t0 = time.monotonic()
        while s.health()["workers"][0]["pid"] == old and time.monotonic() - t0 < 20:
            time.sleep(0.1)
        running = s.post("/v1/jobs", long_request(4, seed=9)).json()["id"]
        worker_of(s, running)
        os.killpg(s.proc.pid, signal.SIGTERM)
        rc = s.proc.wait(60)
        assert rc in (0, -signal.SIGTERM)
    finally:
        s.stop()
        s.reap()
    log = s.log_text()
    assert "leaked" not in log and "Traceback" not in log and "rror" not in log, log
    from yingji.service.store import JobStore

    store = JobStore(data / "jobs.sqlite3")
    assert store.get(running)["status"] == "done"   # drained: it finished within the grace
    store.close()


@pytest.mark.slow
def test_sigterm_drains(tmp_path):
    data = tmp_path / "data"
    s = Server(data, "--workers", "2", "--drain-seconds", "6").start()
    try:
        short = s.post("/v1/jobs", long_request(2, seed=5)).json()["id"]
        long_ = s.post("/v1/jobs", long_request(60, seed=6)).json()["id"]
        worker_of(s, short)
        pid = worker_of(s, long_)
        t0 = time.monotonic()
        rc = s.stop(signal.SIGTERM, wait=60)
        took = time.monotonic() - t0
        # uvicorn shuts down gracefully, then re-raises the signal it caught (exit -15)
        assert rc in (0, -signal.SIGTERM), s.log_text()
        assert "Traceback" not in s.log_text()
        assert took < 30
        assert wait_dead(pid, 10)
    finally:
        s.reap()
    from yingji.service.store import JobStore

    store = JobStore(data / "jobs.sqlite3")
    assert store.get(short)["status"] == "done"
    assert store.get(long_)["status"] == "interrupted"
    store.close()


def test_no_token_off_loopback_refuses_to_start(tmp_path):
    r = subprocess.run([sys.executable, "-m", "yingji.cli", "serve", "--host", "0.0.0.0",
                        "--port", "0", "--data", str(tmp_path)], capture_output=True, text=True,
                       check=False, timeout=120)
    assert r.returncode == 2
    assert "refuses to listen on '0.0.0.0' without a token" in r.stderr
    assert "Traceback" not in r.stderr


def test_config_checks(tmp_path):
    from yingji.exceptions import ValidationError
    from yingji.service.config import ServiceConfig, is_loopback, read_token

    tf = tmp_path / "short.txt"
    tf.write_text("abc")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        read_token(tf)
    with pytest.raises(ValidationError, match="must be a readable file"):
        read_token(tmp_path / "missing.txt")
    tf.write_text("  0123456789abcdefXYZ \n")
    assert read_token(tf) == "0123456789abcdefXYZ"
    with pytest.raises(ValidationError, match="without a token"):
        ServiceConfig(host="192.168.1.5", data=tmp_path)
    assert ServiceConfig(host="0.0.0.0", token="x" * 16, data=tmp_path).token
    with pytest.raises(ValidationError, match="'workers' parameter of yingji serve"):
        ServiceConfig(workers=0, data=tmp_path)
    assert is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("10.0.0.1") and not is_loopback("example.org")


@pytest.mark.slow
def test_jobs_run_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None,
                                  scheduler_port=0) as cluster:
        s = Server(tmp_path / "data", "--dask", cluster.scheduler_address).start()
        try:
            assert s.health()["runner"] == "dask"
            req = mclp_request(20)
            job = s.wait_job(s.post("/v1/jobs", req).json()["id"], timeout=120)
            assert job["status"] == "done", job
            assert job["result"]["sites"] == yj.api.handle(req)["result"]["sites"]
            cid = s.post("/v1/counties", content=yj.datasets.sample_county().to_json().encode(),
                         headers={"Content-Type": "application/json"}).json()["id"]
            job = s.wait_job(s.post("/v1/jobs", {"action": "fire.assess",
                                                 "county": {"id": cid}}).json()["id"],
                             timeout=120)
            assert job["status"] == "done", job
            queued = s.post("/v1/jobs", long_request(30, seed=7)).json()["id"]
            assert s.delete(f"/v1/jobs/{queued}").json()["status"] == "cancelled"
        finally:
            s.stop()
            s.reap()
    assert httpx is not None
