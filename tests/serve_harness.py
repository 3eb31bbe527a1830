"""A real ``yingji serve`` in a subprocess on a free loopback port, spoken to over HTTP (the
helpers of ``tests/service``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

TOKEN = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m yingji.cli serve ...`` started, waited for, stopped."""

    def __init__(self, data: Path, *args: str, token: str | None = None):
        self.data, self.args, self.token = Path(data), list(args), token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.data.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 90.0) -> Server:
        cmd = [sys.executable, "-m", "yingji.cli", "serve", "--port", str(self.port),
               "--data", str(self.data), *self.args]
        if self.token:
            tf = self.data.parent / "token.txt"
            tf.write_text(self.token + "\n")
            cmd += ["--token-file", str(tf)]
        self.fh = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"server did not start in {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **kw):
        return httpx.get(self.url + path, headers=self.headers(), timeout=60, **kw)

    def post(self, path, json=None, **kw):
        return httpx.post(self.url + path, json=json, headers={**self.headers(),
                                                                **kw.pop("headers", {})},
                          timeout=60, **kw)

    def delete(self, path):
        return httpx.delete(self.url + path, headers=self.headers(), timeout=60)

    def health(self) -> dict:
        return self.get("/health").json()

    def stop(self, sig=signal.SIGTERM, wait: float = 60.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.fh.close()
        return self.proc.returncode

    def reap(self) -> None:
        """Kill whatever is left of the server's process group (test teardown)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def wait_job(self, jid: str, statuses=("done", "failed", "cancelled", "interrupted"),
                 timeout: float = 60.0) -> dict:
        t0 = time.monotonic()
        while True:
            job = self.get(f"/v1/jobs/{jid}").json()
            if job["status"] in statuses:
                return job
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"job {jid} still {job['status']} after {timeout} s: {job}")
            time.sleep(0.1)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped) is gone for our purposes
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_dead(pid: int, timeout: float = 10.0) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def mclp_request(seed: int = 0, n: int = 40, m: int = 8) -> dict:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 20, (n, m)).round(2).tolist()
    w = rng.integers(1, 50, n).tolist()
    return {"version": 1, "id": f"mclp-{seed}", "action": "siting.mclp",
            "params": {"cost": cost, "radius": 8.0, "p": 2, "weights": w, "time_limit": 10}}


def long_request(seconds: float = 60.0, seed: int = 0) -> dict:
    """A p-center MIP that runs to its time limit (120 x 120, p = 8)."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 100, (120, 120)).round(2).tolist()
    return {"action": "siting.p_center", "params": {"cost": cost, "p": 8,
                                                    "time_limit": seconds}}


def worker_of(server: Server, jid: str, timeout: float = 30.0) -> int:
    """The pid of the worker process running job ``jid`` (waits until it runs)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        for w in server.health()["workers"]:
            if w["job"] == jid:
                return w["pid"]
        time.sleep(0.1)
    raise AssertionError(f"job {jid} never ran: {server.health()}")


