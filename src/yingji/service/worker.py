"""What runs inside a worker process (or a dask task): one JSON API request at a time.

Two kinds of local worker: job workers (:func:`worker_main`, driven by
:class:`yingji.service.runner.LocalRunner`) and request workers (:func:`request_main`, driven
by :class:`yingji.service.quick.RequestPool`), which answer ``POST /v1/requests`` from the raw
body: decoding, checking, solving and encoding all happen here, in parallel across processes,
so the server process only moves bytes (one Python process would serialise them on its GIL).

A local worker is a long-lived process started by :class:`yingji.service.runner.LocalRunner`
(``forkserver`` start method, with :mod:`yingji.api` imported once in the fork server, so a new
worker starts in milliseconds). It receives ``(job id, request)`` on its pipe, answers with
``("progress", id, phase, fraction)`` messages and one ``("done", id, response_json, ok,
error)``, and never
touches the job store. It exits when its pipe closes or when the server process is gone (a
watchdog thread), so a server killed with SIGKILL leaves no solver running.
"""

from __future__ import annotations

import json
import os
import threading
import time

from yingji.api import handle
from yingji.service.worker_env import prepare_worker

__all__ = ["answer_body", "request_main", "run_request", "worker_main"]


def run_request(request: dict, max_time_limit: float, default_time_limit: float,
                county_resolver=None) -> str:
    """Answer one request as the service does (no server paths); the response as JSON text."""
    return json.dumps(_run(request, max_time_limit, default_time_limit, county_resolver),
                      allow_nan=False)


def _run(request, max_time_limit, default_time_limit, county_resolver=None) -> dict:
    return handle(request, allow_paths=False, max_time_limit=max_time_limit,
                  default_time_limit=default_time_limit, county_resolver=county_resolver)


def _watch(server_pid: int, ppid: int) -> None:
    """Exit this process once the server (or the fork server, its parent) is gone."""
    while True:
        time.sleep(0.5)
        gone = os.getppid() != ppid
        if not gone:
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                gone = True
            except PermissionError:  # pragma: no cover - a pid reused by another user
                gone = True
        if gone:
            os._exit(3)


def answer_body(body: bytes, max_time_limit: float, default_time_limit: float,
                county_resolver=None) -> tuple[int, bytes | None, dict | None]:
    """Answer the body of ``POST /v1/requests``: ``(200, response JSON bytes, None)`` or
    ``(HTTP status, None, the JSON API response)`` for a failure (its ``error`` object is what
    the problem document carries)."""
    from yingji.service.problems import STATUS_OF, http_error, refused_path

    try:
        req = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return 400, None, {"ok": False, "error": http_error(
            f"The request body is not valid JSON: {exc}.", problems=[f"body: {exc}"])}
    refused = refused_path(req)
    if refused is not None:
        return 403, None, {"ok": False, "error": refused}
    resp = handle(req, allow_paths=False, max_time_limit=max_time_limit,
                  default_time_limit=default_time_limit, county_resolver=county_resolver)
    if resp.get("ok"):
        return 200, json.dumps(resp, allow_nan=False, ensure_ascii=False,
                               separators=(",", ":")).encode("utf-8"), None
    return STATUS_OF.get(resp["error"].get("type"), 500), None, resp


def _start(counties_dir: str, server_pid: int):
    """What every worker process does first: prepare the process, watch the server (and the
    parent) so the worker ends with it, and open the county store."""
    from yingji.service.counties import CountyStore

    prepare_worker()
    threading.Thread(target=_watch, args=(server_pid, os.getppid()), daemon=True).start()
    return CountyStore(counties_dir)


def request_main(conn, counties_dir: str, server_pid: int, max_time_limit: float,
                 default_time_limit: float) -> None:
    """Main loop of a request worker: a request body in, ``answer_body``'s triple out."""
    counties = _start(counties_dir, server_pid)
    while True:
        try:
            body = conn.recv_bytes()
        except (EOFError, OSError):
            break
        try:
            reply = answer_body(body, max_time_limit, default_time_limit, counties.resolve)
        except Exception as exc:  # noqa: BLE001 - handle() answers errors; this is a bug
            from yingji.api.errors import _error

            reply = (500, None, {"ok": False, "error": _error(exc)})
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            break
    conn.close()


def worker_main(conn, counties_dir: str, server_pid: int, max_time_limit: float,
                default_time_limit: float) -> None:
    """Main loop of a local worker process (see the module docstring)."""
    counties = _start(counties_dir, server_pid)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            break
        jid, request = msg

        def resolver(cid, _jid=jid):
            conn.send(("progress", _jid, "loading county", 0.1))
            county = counties.resolve(cid)
            conn.send(("progress", _jid, "solving", 0.3))
            return county

        spec = request.get("county") if isinstance(request, dict) else None
        if not (isinstance(spec, dict) and "id" in spec):  # else the resolver says "loading"
            conn.send(("progress", jid, "solving", 0.2))
        resp = _run(request, max_time_limit, default_time_limit, resolver)
        text = json.dumps(resp, allow_nan=False)
        try:   # the text as the store keeps it, and what the store indexes, apart
            conn.send(("done", jid, text, bool(resp.get("ok")), resp.get("error")))
        except (BrokenPipeError, OSError):
            break
    conn.close()
