"""Service suite: ``yingji serve`` under load on loopback, against the same work in process.

Cases (all seeded; each starts its own server in a subprocess in ``setup``, untimed, and the
server dies with the case's process):

* ``requests_mclp_300x30_c16``: 16 concurrent clients (threads, one ``httpx.Client`` each)
  send ``POST /v1/requests`` with a 300 x 30 MCLP (p = 5; geometric: points in a 30 km
  square, straight-line cost, radius 6 km; 8 seeded instances, each solved to optimality in
  tens of milliseconds); reports requests per second,
  p50 and p99 latency and errors (target: no errors, p99 under 250 ms on a 2-core machine),
  and the CPU per request of the server process and of the request workers (read from
  ``/proc`` before and after: the service time, whatever else loads the machine).
  Peer: the same requests answered one after another in process by ``yingji.api.handle``
  (its wall and CPU time per request). The bodies are encoded once in ``setup``, as a load
  generator does. ``..._rw1``: the same with one request worker (``--request-workers 1``).
* ``requests_tt_200x20_c16``: the same with ``network.travel_times`` on the sample county
  (20 station nodes x 200 demand nodes: the 200 x 20 siting matrix).
* ``jobs_fire_plan_w2``: N ``fire.plan`` jobs on the sample county queued at once on a server
  with 2 worker processes (quick N = 20, full N = 200); reports whether all finished and none
  was lost, the wall time, the dispatch time per job (time a job was ``running`` minus the
  action's own seconds), and the service's overhead in CPU seconds, which a loaded machine
  does not distort the way it does wall time: the server process's CPU per job and as a share
  of the jobs' own CPU in the workers (``server_cpu_pct_of_jobs``), and server + workers
  against the same N requests run serially in process (``overhead_cpu_pct``). The wall-time
  overhead (``2 x wall - serial`` over ``serial``: 0 when two workers give a perfect 2x) is
  reported too but means something only on an idle machine. Peer: the N requests serially in
  process (wall and CPU).

The client threads run in the benchmark's own process, on the same cores as the server: on a
2-core machine they compete with it for CPU, as real clients on the same host would.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial

import numpy as np

from benchmarks import Case, Suite


def _die_with_parent():  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001
        pass
    os.setsid()


def _start_server(workers: int = 1, request_workers: int | None = None) -> dict:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix="yingji-bench-serve-")
    log = open(os.path.join(data, "server.log"), "wb")  # noqa: SIM115 - closed by stop()
    extra = ["--request-workers", str(request_workers)] if request_workers else []
    proc = subprocess.Popen([sys.executable, "-m", "yingji.cli", "serve", "--port", str(port),
                             "--data", data, "--workers", str(workers), "--log-level", "error",
                             *extra], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=_die_with_parent)

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        log.close()
        with open(log.name, errors="replace") as fh:
            text = fh.read()
        # what the server printed after its start line: a clean SIGTERM prints nothing
        return sum(w in text for w in ("Traceback", "leaked", "Error"))

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return {"url": url, "proc": proc, "stop": stop, "pid": proc.pid}
        except httpx.HTTPError:
            time.sleep(0.2)
    stop()
    raise RuntimeError("the server did not start within 120 s")


# ------------------------------------------------------------------------------ quick requests
def _mclp_request(seed: int) -> dict:
    """300 demand points and 30 sites uniform in a 30 x 30 km square, cost = straight-line km
    (a geometric instance, as travel times are), cover radius 6 km, p = 5."""
    rng = np.random.default_rng(seed)
    dem, sites = rng.uniform(0, 30, (300, 2)), rng.uniform(0, 30, (30, 2))
    cost = np.sqrt(((dem[:, None, :] - sites[None, :, :]) ** 2).sum(-1)).round(3).tolist()
    w = rng.integers(1, 100, 300).tolist()
    return {"action": "siting.mclp", "params": {"cost": cost, "radius": 6.0, "p": 5,
                                                "weights": w, "time_limit": 10}}


def _tt_request(seed: int) -> dict:
    import yingji as yj

    nodes = np.asarray(list(yj.datasets.sample_county().network.nodes))
    rng = np.random.default_rng(seed)
    o = rng.choice(nodes, 20, replace=False).tolist()
    d = rng.choice(nodes, 200, replace=False).tolist()
    return {"action": "network.travel_times", "county": {"sample": True},
            "params": {"origins": [int(x) for x in o], "destinations": [int(x) for x in d]}}


def _load_setup(kind: str, n_requests: int, clients: int = 16, seed: int = 0,
                request_workers: int | None = None):
    import json

    import yingji as yj

    make = _mclp_request if kind == "mclp" else _tt_request
    reqs = [make(seed + k % 8) for k in range(n_requests)]   # 8 distinct instances
    # the bodies are encoded once, as a load generator does: the clients share the 2 cores
    # with the server, and json.dumps of a 9,000-number matrix (~5 ms) is the client's cost
    bodies = [json.dumps(r).encode() for r in reqs]
    yj.api.handle(reqs[0])                                   # warm the peer (untimed)
    srv = _start_server(workers=1, request_workers=request_workers)
    import httpx

    for b in bodies[:8]:                                     # warm the server (untimed)
        httpx.post(srv["url"] + "/v1/requests", content=b, timeout=120,
                   headers={"Content-Type": "application/json"})
    return {"reqs": reqs, "bodies": bodies, "clients": clients, **srv}


def _digest(result) -> float | None:
    """One number per answer, to check the server agrees with the in-process peer."""
    if not isinstance(result, dict):
        return None
    if "objective" in result:
        return round(float(result["objective"]), 6)
    vals = np.asarray(result["values"], dtype=float)
    return round(float(vals[np.isfinite(vals)].sum()), 3)


def _load_run(s):
    import httpx

    reqs, bodies, k = s["reqs"], s["bodies"], s["clients"]
    head = {"Content-Type": "application/json"}
    lat, errors = [], []
    s["digests"] = digests = [None] * len(reqs)
    lock = threading.Lock()

    def client(i):
        with httpx.Client(base_url=s["url"], timeout=120) as c:
            for j in range(i, len(reqs), k):
                t = time.perf_counter()
                try:
                    resp = c.post("/v1/requests", content=bodies[j], headers=head)
                    ok = resp.status_code == 200 and resp.json().get("ok")
                    digests[j] = _digest(resp.json().get("result")) if ok else None
                except httpx.HTTPError as exc:
                    ok, resp = False, exc
                dt = time.perf_counter() - t
                with lock:
                    lat.append(dt)
                    if not ok:
                        errors.append(str(resp)[:200])

    pids = _service_pids(s)
    cpu0 = {n: _cpu_seconds(v) for n, v in pids.items()}
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = {n: _cpu_seconds(v) - cpu0[n] for n, v in pids.items()}
    lat_ms = np.asarray(lat) * 1000
    return {"requests": len(lat), "clients": k, "req_per_s": len(lat) / wall,
            "p50_ms": float(np.percentile(lat_ms, 50)), "p99_ms": float(np.percentile(lat_ms, 99)),
            "max_ms": float(lat_ms.max()), "errors": len(errors),
            # CPU per request: the server process (HTTP, moving bytes) and the request workers
            # (decode, check, solve, encode): the service time, whatever the machine's load
            "server_cpu_ms_per_req": 1000 * cpu["server"] / len(lat),
            "workers_cpu_ms_per_req": 1000 * cpu["request_workers"] / len(lat)}


def _load_peer(s):
    import yingji as yj

    t0, c0 = time.perf_counter(), time.process_time()
    answers = [yj.api.handle(r) for r in s["reqs"]]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    bad = sum(not a["ok"] for a in answers)
    s["peer_digests"] = [_digest(a.get("result")) for a in answers]
    return {"req_per_s": len(s["reqs"]) / wall, "mean_ms": 1000 * wall / len(s["reqs"]),
            "cpu_ms_per_req": 1000 * cpu / len(s["reqs"]), "errors": bad}


def _stop_check(s):
    log_problems = s["stop"]()
    same = sum(a is not None and a == b for a, b in zip(s.get("digests", []),
                                                         s.get("peer_digests", [])))
    return {"answers_agree": f"{same}/{len(s['reqs'])}", "server_log_problems": log_problems,
            "load_avg_1m": os.getloadavg()[0]}


def _load_case(name, kind, n, desc, request_workers=None):
    return Case(name, setup=partial(_load_setup, kind, n, request_workers=request_workers),
                run=_load_run, peer=_load_peer,
                check=_stop_check, peer_name="yingji.api.handle in process, serially",
                params={"requests": n, "clients": 16, "seed": 0, "kind": kind,
                        "request_workers": request_workers or "default (CPUs, at most 4)"},
                description=desc)


# -------------------------------------------------------------------------------------- jobs
def _jobs_setup(n_jobs: int, workers: int = 2, seed: int = 0):
    import httpx

    import yingji as yj

    req = {"action": "fire.plan", "county": {"sample": True}, "params": {"time_limit": 30}}
    yj.api.handle(req)                                       # warm the peer (untimed)
    srv = _start_server(workers=workers)
    warm = [httpx.post(srv["url"] + "/v1/jobs", json=req, timeout=60).json()["id"]
            for _ in range(workers)]                         # one warm-up job per worker
    _wait_all(srv["url"], warm, 600)
    assert not _not_ended(srv["url"], warm)
    return {"req": req, "n": n_jobs, "workers": workers, **srv}


def _wait_all(url, ids, timeout):
    """Wait until no job is queued or running (polls ``/health``'s counts twice a second, as
    a monitoring client would; not the jobs, so the polling costs the server little)."""
    import httpx

    t0 = time.monotonic()
    with httpx.Client(base_url=url, timeout=60) as c:
        while time.monotonic() - t0 < timeout:
            counts = c.get("/health").json()["jobs"]
            if not counts["queued"] and not counts["running"]:
                break
            time.sleep(0.5)


def _not_ended(url, ids):
    import httpx

    ended = ("done", "failed", "cancelled", "interrupted")
    with httpx.Client(base_url=url, timeout=60) as c:
        return {j for j in ids if c.get(f"/v1/jobs/{j}").json()["status"] not in ended}


def _cpu_seconds(pids) -> float:
    """utime + stime of these processes (Linux /proc), in seconds; 0 for one that is gone."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])   # fields 14 and 15 of stat(5)
    return total / tick


def _service_pids(s) -> dict:
    import httpx

    h = httpx.get(s["url"] + "/health", timeout=30).json()
    return {"server": [s["pid"]], "workers": [w["pid"] for w in h["workers"]],
            "request_workers": [w["pid"] for w in h["request_workers"]]}


def _jobs_run(s):
    import httpx

    pids = _service_pids(s)
    cpu0 = {k: _cpu_seconds(v) for k, v in pids.items()}
    t0 = time.perf_counter()
    with httpx.Client(base_url=s["url"], timeout=60) as c:
        ids = [c.post("/v1/jobs", json=s["req"]).json()["id"] for _ in range(s["n"])]
    _wait_all(s["url"], ids, 3600)
    wall = time.perf_counter() - t0
    cpu = {k: _cpu_seconds(v) - cpu0[k] for k, v in pids.items()}
    left = _not_ended(s["url"], ids)          # checked after the timed window
    replaced = _service_pids(s)["workers"] != pids["workers"]
    with httpx.Client(base_url=s["url"], timeout=60) as c:
        jobs = [c.get(f"/v1/jobs/{j}").json() for j in ids]
    from datetime import datetime

    def secs(a, b):
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()

    done = [j for j in jobs if j["status"] == "done"]
    dispatch = [secs(j["started"], j["finished"]) - j["seconds"] for j in done]
    s["wall"], s["job_seconds"], s["cpu"] = wall, sum(j["seconds"] for j in done), cpu
    s["replaced"] = replaced
    return {"jobs": len(ids), "done": len(done), "lost": len(left),
            "failed": sum(j["status"] == "failed" for j in jobs), "wall_s": wall,
            "mean_job_s": s["job_seconds"] / max(1, len(done)),
            "dispatch_ms_per_job": 1000 * float(np.mean(dispatch)) if dispatch else None,
            "server_cpu_s": cpu["server"], "workers_cpu_s": cpu["workers"]}


def _jobs_peer(s):
    import yingji as yj

    t0, c0 = time.perf_counter(), time.process_time()
    ok = sum(yj.api.handle(s["req"])["ok"] for _ in range(s["n"]))
    s["serial"], s["serial_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    return {"done": ok, "serial_s": s["serial"], "serial_cpu_s": s["serial_cpu"]}


def _jobs_check(s):
    log_problems = s["stop"]()
    w, serial, n = s["wall"], s["serial"], s["n"]
    cpu, serial_cpu = s["cpu"], s["serial_cpu"]
    service_cpu = cpu["server"] + cpu["workers"]
    return {
        # CPU seconds: what the service spent (server process + job workers) against the same
        # jobs run serially in process; meaningful on a loaded machine, where wall time is not
        "overhead_cpu_pct": 100 * (service_cpu - serial_cpu) / serial_cpu,
        "server_cpu_ms_per_job": 1000 * cpu["server"] / n,
        # the server process's CPU (HTTP, store, dispatch) against the jobs' own CPU in the
        # workers: the service's share, free of the serial run's noise
        "server_cpu_pct_of_jobs": 100 * cpu["server"] / max(cpu["workers"], 1e-9),
        # wall time against 2 idle cores (2 x wall - serial): only meaningful on an idle machine
        "overhead_pct_vs_serial": 100 * (s["workers"] * w - serial) / serial,
        "workers_replaced": s["replaced"], "server_log_problems": log_problems,
        "load_avg_1m": os.getloadavg()[0]}


def _jobs_case(name, n):
    return Case(name, setup=partial(_jobs_setup, n), run=_jobs_run, peer=_jobs_peer,
                check=_jobs_check, peer_name="the same fire.plan requests in process, serially",
                params={"jobs": n, "workers": 2, "action": "fire.plan", "county": "sample"},
                description=f"{n} queued fire.plan jobs on 2 worker processes")


SUITE = Suite(
    "service",
    quick=[_load_case("requests_mclp_300x30_c16", "mclp", 160,
                      "16 clients x 10 MCLP 300 x 30 requests over HTTP"),
           _load_case("requests_mclp_300x30_c16_rw1", "mclp", 160,
                      "the same with one request worker process (--request-workers 1)",
                      request_workers=1),
           _load_case("requests_tt_200x20_c16", "tt", 64,
                      "16 clients x 4 travel-time 20 x 200 requests (sample county)"),
           _jobs_case("jobs_fire_plan_20_w2", 20)],
    full=[_load_case("requests_mclp_300x30_c16_x1000", "mclp", 1600,
                     "16 clients x 100 MCLP 300 x 30 requests over HTTP"),
          _jobs_case("jobs_fire_plan_200_w2", 200)],
    budget_s=420,
    full_budget_s=2400,
    description="yingji serve: quick requests under 16 concurrent clients, queued jobs on 2 "
                "workers, against the same work in process",
)
