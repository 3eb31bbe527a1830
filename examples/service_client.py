"""Call ``yingji serve`` over HTTP with the Python client, the way another system would.

Run: ``python examples/service_client.py [URL [TOKEN]]``. Without a URL it starts a server of
its own (``yingji serve`` on a free loopback port, a temporary data folder and a token) and stops
it at the end (about 30 s on 2 cores). Needs the ``serve`` extra. See ``docs/service.md``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yingji as yj
from yingji.client import Client, ServiceError


def start_server() -> tuple[str, str, subprocess.Popen]:
    """A local server with a fresh token (what an operator runs once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="yingji-serve-example-")
    token = secrets.token_urlsafe(24)
    token_file = os.path.join(folder, "token")
    with open(token_file, "w") as fh:
        fh.write(token)
    proc = subprocess.Popen([sys.executable, "-m", "yingji.cli", "serve", "--port", str(port),
                             "--data", os.path.join(folder, "data"), "--token-file", token_file],
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            Client(url).health()
            return url, token, proc
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main(url: str, token: str | None) -> None:
    with Client(url, token=token) as c:
        print("health:", c.health()["status"], "version", c.health()["version"])

        # 1. a quick request: answered at once, the JSON API response
        r = c.request({"action": "siting.mclp", "params": {
            "cost": [[2, 9, 6], [8, 3, "inf"], [4, 4, 9], [9, 7, 2]], "radius": 4, "p": 2,
            "weights": [120, 300, 80, 200]}})
        print(f"MCLP: sites {r['result']['sites']}, covered {r['result']['objective']:g}")

        # 2. upload a county once, then name it by id (the server never reads its own paths)
        cid = c.upload_county(yj.datasets.sample_county())
        print("county id:", cid)

        # 3. a long solve as a job: queued, polled with a progress bar, then the result
        jid = c.submit({"action": "fire.plan", "county": {"id": cid},
                        "params": {"time_limit": 30}})
        job = c.wait(jid, progress=True, poll=0.25)
        res = job["result"]
        print(f"fire.plan job {job['status']}: {len(res['new_stations'])} new station(s), "
              f"{job['seconds']:.1f} s")

        # 4. cancel a job: its worker process is stopped
        jid = c.submit({"action": "fire.plan", "county": {"id": cid},
                        "params": {"time_limit": 60}})
        print("cancelled:", c.cancel(jid)["status"])

        # 5. errors are RFC 9457 problem documents carrying the JSON API error object
        try:
            c.submit({"action": "fire.assess", "county": {"path": "/etc"}})
        except ServiceError as exc:
            print(f"refused: HTTP {exc.status} {exc.error['type']}")
        print("jobs on the server:", c.jobs()["total"])


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    else:
        url, token, proc = start_server()
        try:
            main(url, token)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
