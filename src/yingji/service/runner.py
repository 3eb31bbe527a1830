"""Job runners: :class:`LocalRunner` (worker processes) and :class:`DaskRunner` (a cluster).

Both take queued jobs from the :class:`~yingji.service.store.JobStore` in a dispatcher thread
of the server process and write what happens back to it.

* :class:`LocalRunner` keeps ``workers`` long-lived processes (``forkserver`` start method;
  :mod:`yingji.api` is imported once in the fork server). One process runs one job at a time,
  so cancelling a running job kills its process (SIGKILL: the solver stops at once) and starts
  a fresh one; a process that dies on its own (killed, out of memory) fails only its job, with
  the exit code or signal, and is replaced.
* :class:`DaskRunner` submits each job as a task to a ``dask.distributed`` scheduler (uploaded
  counties travel inline with the task, so workers need no shared folder). Cancelling releases
  the task; a task already running on a dask worker thread cannot be interrupted and runs to its
  own time limit, its result discarded (dask offers no way to stop a running task).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import threading
import time
from multiprocessing.connection import wait as _wait

from yingji.service.store import JobStore, job_error
from yingji.service.worker_env import FORKSERVER_PRELOAD

__all__ = ["DaskRunner", "LocalRunner"]


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class _Worker:
    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.job: str | None = None
        self.since = 0.0


class LocalRunner:
    """Run jobs in ``workers`` worker processes (see the module docstring).

    Parameters
    ----------
    store : JobStore
    counties_dir : str
        Folder of uploaded counties (read by the workers).
    workers : int
        Jobs that run at once.
    max_time_limit, default_time_limit : float
        Cap and default of a job's ``params.time_limit`` (seconds).
    hard_limit : float, optional
        Seconds after which a job's process is killed whatever the solver does (default
        ``2 * max_time_limit + 60``); the job fails with status ``time_limit``.
    """

    def __init__(self, store: JobStore, counties_dir, *, workers: int = 2,
                 max_time_limit: float = 600.0, default_time_limit: float = 30.0,
                 hard_limit: float | None = None):
        self.store = store
        self.counties_dir = str(counties_dir)
        self.n = max(1, int(workers))
        self.max_tl, self.default_tl = float(max_time_limit), float(default_time_limit)
        self.hard_limit = float(hard_limit) if hard_limit else 2 * self.max_tl + 60
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
        self._workers: list[_Worker] = []
        self._cancel: set[str] = set()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = mp.Pipe(duplex=False)
        self._draining = False
        self._stop = False
        self._thread: threading.Thread | None = None

    # -- control (any thread) ----------------------------------------------------------
    def start(self) -> None:
        for _ in range(self.n):
            self._workers.append(self._spawn())
        self._thread = threading.Thread(target=self._loop, name="yingji-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now instead of at the next tick."""
        try:
            self._wake_w.send_bytes(b"w")
        except OSError:  # pragma: no cover - closing
            pass

    def cancel(self, jid: str) -> bool:
        """Cancel a queued job, or kill the process of a running one; False if neither."""
        if self.store.cancel_queued(jid):
            return True
        with self._lock:
            running = any(w.job == jid for w in self._workers)
            if running:
                self._cancel.add(jid)
        if running:
            self.wake()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.store.status(jid) == "running":
                time.sleep(0.02)
        return running

    def running(self) -> list[str]:
        with self._lock:
            return [w.job for w in self._workers if w.job]

    def describe(self) -> list[dict]:
        """``[{"pid", "job"}]`` per worker process (``job`` None when idle)."""
        with self._lock:
            return [{"pid": w.proc.pid, "job": w.job} for w in self._workers]

    def drain(self, grace: float) -> None:
        """Take no new job; wait ``grace`` seconds for running ones, then mark the rest
        ``interrupted`` (they can be resubmitted); stop the workers."""
        self._draining = True
        deadline = time.monotonic() + max(0.0, grace)
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop = True
        self.wake()
        if self._thread is not None:
            self._thread.join(10)
        for w in self._workers:
            if w.job:
                self._kill(w)
                self.store.fail(w.job, job_error(
                    "interrupted", "the server shut down while this job ran; resubmit it "
                    "(POST /v1/jobs/{id}/resubmit)"), status="interrupted")
                w.job = None
            else:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in self._workers:
            w.proc.join(2)
            if w.proc.is_alive():
                self._kill(w)

    # -- the dispatcher thread ---------------------------------------------------------
    def _spawn(self) -> _Worker:
        from yingji.service.worker import worker_main

        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=worker_main, name="yingji-worker",
                                 args=(child, self.counties_dir, os.getpid(), self.max_tl,
                                       self.default_tl), daemon=False)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def _kill(self, w: _Worker) -> None:
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join(5)
        w.conn.close()

    def _replace(self, w: _Worker) -> None:
        self._kill(w)
        with self._lock:
            i = self._workers.index(w)
            self._workers[i] = self._spawn() if not (self._stop or self._draining) else w

    def _assign(self) -> None:
        for w in list(self._workers):
            if self._draining or self._stop:
                return
            if w.job is None and w.proc.is_alive():
                claimed = self.store.claim_next()
                if claimed is None:
                    return
                jid, request = claimed
                with self._lock:
                    w.job, w.since = jid, time.monotonic()
                try:
                    w.conn.send((jid, request))
                except OSError:
                    pass  # the process is gone: its sentinel reports it below

    def _loop(self) -> None:
        while not self._stop:
            try:
                self._tick()
            except Exception as exc:  # noqa: BLE001 - the dispatcher must not die
                print(f"yingji serve: job dispatcher error: {type(exc).__name__}: {exc}",
                      flush=True)
                time.sleep(0.5)

    def _tick(self) -> None:
        self._assign()
        busy = [w for w in self._workers if w.job]
        objs = [self._wake_r] + [w.conn for w in busy] + [w.proc.sentinel for w in self._workers]
        ready = _wait(objs, timeout=0.25)
        if self._wake_r in ready:
            while self._wake_r.poll():
                self._wake_r.recv_bytes()
        for w in busy:
            if w.conn in ready:
                self._read(w)
        for w in list(self._workers):
            if not w.proc.is_alive():
                w.proc.join(1)
                if w.job:
                    self.store.fail(w.job, job_error(
                        "worker_died", f"the worker process running this job ended "
                        f"({_describe_exit(w.proc.exitcode)}); other jobs are not affected"))
                    w.job = None
                if not self._stop:
                    self._replace(w)
        with self._lock:
            cancel, self._cancel = self._cancel, set()
        now = time.monotonic()
        for w in list(self._workers):
            if w.job and (w.job in cancel or now - w.since > self.hard_limit):
                jid, why = w.job, ("cancelled" if w.job in cancel else "time_limit")
                w.job = None
                self._replace(w)
                msg = ("the job was cancelled (DELETE /v1/jobs/{id}); its process was stopped"
                       if why == "cancelled" else
                       f"the job ran past the hard limit of {self.hard_limit:g} s and its "
                       "process was stopped")
                self.store.fail(jid, job_error(why, msg),
                                status="cancelled" if why == "cancelled" else "failed")

    def _read(self, w: _Worker) -> None:
        while w.job and w.conn.poll():
            try:
                msg = w.conn.recv()
            except (EOFError, OSError):
                return  # died: the sentinel check reports it
            kind, jid = msg[0], msg[1]
            if jid != w.job:
                continue
            if kind == "progress":
                self.store.progress(jid, msg[2], msg[3])
            elif kind == "done":
                self.store.finish_text(jid, msg[2], msg[3], msg[4])
                with self._lock:
                    w.job = None


class DaskRunner:
    """Run jobs as tasks on a ``dask.distributed`` cluster (see the module docstring).

    Parameters
    ----------
    store : JobStore
    counties : CountyStore
        Uploaded counties (sent inline with the tasks that name one).
    address : str or distributed.Client
        The scheduler (``tcp://host:port``) or a client.
    max_inflight : int, optional
        Tasks submitted at once (default: twice the cluster's threads, at least 2).
    """

    def __init__(self, store: JobStore, counties, address, *, max_time_limit: float = 600.0,
                 default_time_limit: float = 30.0, max_inflight: int | None = None):
        self.store, self.counties, self.address = store, counties, address
        self.max_tl, self.default_tl = float(max_time_limit), float(default_time_limit)
        self.max_inflight = max_inflight
        self._futures: dict = {}
        self._cancel: set[str] = set()
        self._lock = threading.Lock()
        self._draining = False
        self._stop = False
        self._wake = threading.Event()
        self.client = None

    def start(self) -> None:
        from distributed import Client

        self.client = self.address if hasattr(self.address, "submit") else \
            Client(self.address, timeout=30, set_as_default=False)
        if self.max_inflight is None:
            threads = sum(self.client.nthreads().values()) or 1
            self.max_inflight = max(2, 2 * threads)
        self._thread = threading.Thread(target=self._loop, name="yingji-dask-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, jid: str) -> bool:
        if self.store.cancel_queued(jid):
            return True
        with self._lock:
            fut = self._futures.pop(jid, None)
        if fut is None:
            return False
        fut.cancel()
        self.store.fail(jid, job_error("cancelled", "the job was cancelled (DELETE "
                                       "/v1/jobs/{id}); its dask task was released"),
                        status="cancelled")
        return True

    def running(self) -> list[str]:
        with self._lock:
            return list(self._futures)

    def describe(self) -> list[dict]:
        """``[{"pid": None, "job"}]`` per submitted task (dask workers are not ours)."""
        return [{"pid": None, "job": j} for j in self.running()]

    def drain(self, grace: float) -> None:
        self._draining = True
        deadline = time.monotonic() + max(0.0, grace)
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop = True
        self._wake.set()
        self._thread.join(10)
        with self._lock:
            left, self._futures = self._futures, {}
        for jid, fut in left.items():
            fut.cancel()
            self.store.fail(jid, job_error("interrupted", "the server shut down while this job "
                                           "ran; resubmit it (POST /v1/jobs/{id}/resubmit)"),
                            status="interrupted")
        if self.client is not None and self.client is not self.address:
            self.client.close()

    def _inline(self, request: dict) -> dict:
        spec = request.get("county")
        if isinstance(spec, dict) and "id" in spec:
            doc = dict(self.counties.document(str(spec["id"])))
            if "replace" in spec:
                doc["replace"] = spec["replace"]
            request = dict(request, county=doc)
        return request

    def _loop(self) -> None:
        from yingji.service.worker import run_request

        while not self._stop:
            try:
                while not self._draining and len(self._futures) < self.max_inflight:
                    claimed = self.store.claim_next()
                    if claimed is None:
                        break
                    jid, request = claimed
                    try:
                        request = self._inline(request)
                    except Exception as exc:  # noqa: BLE001 - an unknown county id
                        from yingji.api.errors import _error

                        self.store.finish(jid, {"version": 1, "ok": False,
                                                "action": request.get("action"),
                                                "error": _error(exc), "seconds": 0.0,
                                                "warnings": []})
                        continue
                    fut = self.client.submit(run_request, request, self.max_tl, self.default_tl,
                                             key=f"yingji-job-{jid}-{time.time_ns()}", pure=False)
                    with self._lock:
                        self._futures[jid] = fut
                    self.store.progress(jid, "submitted to dask", 0.1)
                self._collect()
            except Exception as exc:  # noqa: BLE001 - the dispatcher must not die
                print(f"yingji serve: dask dispatcher error: {type(exc).__name__}: {exc}",
                      flush=True)
            self._wake.wait(0.1)
            self._wake.clear()

    def _collect(self) -> None:
        with self._lock:
            items = list(self._futures.items())
        for jid, fut in items:
            if not fut.done():
                continue
            with self._lock:
                self._futures.pop(jid, None)
            if fut.status == "finished":
                self.store.finish(jid, json.loads(fut.result()))
            elif fut.status == "error":
                exc = fut.exception()
                self.store.fail(jid, job_error("worker_died", f"the dask task failed: "
                                               f"{type(exc).__name__}: {exc}"))
            else:
                self.store.fail(jid, job_error("worker_died", f"the dask task ended as "
                                               f"{fut.status!r} (its worker was lost?)"))
