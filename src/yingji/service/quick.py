"""``POST /v1/requests`` answered in request worker processes: :class:`RequestPool`.

The server process (the asyncio event loop of uvicorn) passes the raw request body to an idle
worker over a pipe and awaits its answer without a thread hop (the loop watches the pipe);
decoding the JSON, checking it against the request schema, solving and encoding the response
all run in the worker (:func:`yingji.service.worker.request_main`). One process would run
these one at a time on its GIL; ``n`` processes run ``n`` at once, and a request that overruns
its time limit by far is stopped by killing its process (a thread cannot be stopped).

Workers are started from the ``forkserver`` with :mod:`yingji.api` imported once, are
replaced when they die or are killed, and exit on their own when the server is gone.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os

from yingji.service.problems import http_error
from yingji.service.worker_env import FORKSERVER_PRELOAD

__all__ = ["RequestPool"]

_BIG_BODY = 256 * 1024  # bodies over this are written to the pipe from a thread


class _Proc:
    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.busy = False


class RequestPool:
    """``n`` request worker processes and the idle queue in front of them.

    Parameters
    ----------
    counties_dir : str
        Folder of uploaded counties (read by the workers).
    n : int
        Requests answered at once.
    max_time_limit, default_time_limit : float
        Cap and default of a request's ``params.time_limit`` (seconds).
    hard_limit : float, optional
        Seconds after which a request's worker is killed whatever the solver does (default
        ``2 * max_time_limit + 30``); the request gets 503.
    """

    def __init__(self, counties_dir, *, n: int = 2, max_time_limit: float = 30.0,
                 default_time_limit: float = 30.0, hard_limit: float | None = None):
        self.counties_dir = str(counties_dir)
        self.n = max(1, int(n))
        self.max_tl, self.default_tl = float(max_time_limit), float(default_time_limit)
        self.hard_limit = float(hard_limit) if hard_limit else 2 * self.max_tl + 30
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
        self._procs: list[_Proc] = []
        self._idle: asyncio.Queue | None = None
        self._closed = False

    def start(self) -> None:
        """Start the workers (call from the event loop's thread, before serving)."""
        self._idle = asyncio.Queue()
        for _ in range(self.n):
            p = self._spawn()
            self._procs.append(p)
            self._idle.put_nowait(p)

    def describe(self) -> list[dict]:
        """``[{"pid", "busy"}]`` per request worker."""
        return [{"pid": p.proc.pid, "busy": p.busy} for p in self._procs]

    def _spawn(self) -> _Proc:
        from yingji.service.worker import request_main

        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=request_main, name="yingji-request-worker",
                                 args=(child, self.counties_dir, os.getpid(), self.max_tl,
                                       self.default_tl), daemon=False)
        proc.start()
        child.close()
        return _Proc(proc, parent)

    async def answer(self, body: bytes) -> tuple[int, bytes | None, dict | None]:
        """``(status, response bytes, None)`` or ``(status, None, failed response)``."""
        p = await self._idle.get()
        # shielded: a client that disconnects does not return a busy worker to the queue
        return await asyncio.shield(asyncio.ensure_future(self._exchange(p, body)))

    async def _exchange(self, p: _Proc, body: bytes):
        loop = asyncio.get_running_loop()
        fd = None
        p.busy = True
        try:
            if len(body) > _BIG_BODY:
                await loop.run_in_executor(None, p.conn.send_bytes, body)
            else:
                p.conn.send_bytes(body)
            ready = loop.create_future()
            fd = p.conn.fileno()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, self.hard_limit)
            finally:   # before any replacement: its pipe may get the same descriptor number
                loop.remove_reader(fd)
                fd = None
            reply = p.conn.recv()
        except asyncio.TimeoutError:
            reply = (503, None, {"ok": False, "error": http_error(
                f"The request ran past the server's hard limit of {self.hard_limit:g} s and its "
                "process was stopped.", etype="SolverError", status="time_limit")})
            p = await self._replace(p)
        except (EOFError, OSError) as exc:
            old = p.proc
            p = await self._replace(p)
            reply = (500, None, {"ok": False, "error": http_error(
                f"The worker process answering this request ended ({_why(old.exitcode, exc)});"
                " the server goes on serving.", etype="InternalError")})
        finally:
            p.busy = False
            if fd is not None:
                loop.remove_reader(fd)
            if not self._closed:
                self._idle.put_nowait(p)
        return reply

    async def _replace(self, p: _Proc) -> _Proc:
        loop = asyncio.get_running_loop()

        def swap():
            if p.proc.is_alive():
                p.proc.kill()
            p.proc.join(5)
            p.conn.close()
            if self._closed:
                return p
            new = self._spawn()
            self._procs[self._procs.index(p)] = new
            return new

        return await loop.run_in_executor(None, swap)

    def stop(self, timeout: float = 5.0) -> None:
        """Close the pipes (idle workers exit), then kill what is still running."""
        self._closed = True
        for p in self._procs:
            try:
                p.conn.close()
            except OSError:  # pragma: no cover
                pass
        for p in self._procs:
            p.proc.join(timeout)
            if p.proc.is_alive():
                p.proc.kill()
                p.proc.join(5)


def _why(code, exc) -> str:
    from yingji.service.runner import _describe_exit

    return _describe_exit(code) if code is not None else f"{type(exc).__name__}: {exc}"
