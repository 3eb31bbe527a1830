"""How the service's worker processes are started and set up (shared by the job runner and
the request pool): the fork server's preload list and :func:`prepare_worker`."""

from __future__ import annotations

import multiprocessing as mp
import signal

__all__ = ["FORKSERVER_PRELOAD", "prepare_worker"]

#: Modules the fork server imports once, before forking workers: the signal guard first
#: (:mod:`yingji.service._forkserver`), then the JSON API, so a worker starts in milliseconds.
FORKSERVER_PRELOAD = ["yingji.service._forkserver", "yingji.api", "yingji.service.worker"]


def prepare_worker() -> None:
    """Set up a worker process (job or request worker) before its first message.

    * SIGINT and SIGTERM are ignored: they are the server's to handle, even when sent to the
      whole process group; the server drains, then stops its workers itself, and a worker
      whose server is gone ends on its own (its watchdog).
    * The default start method becomes ``spawn``. A worker starts no process, but numba's
      parallel layer, on its first use, takes a process-shared lock (a POSIX semaphore
      registered with the resource tracker) when the start method is fork-like. A worker that
      is killed (a cancelled job, a drained one, out of memory) cannot release it, and the
      resource tracker then printed "There appear to be N leaked semaphore objects" when
      the server stopped. Under ``spawn`` numba uses no such lock.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    mp.set_start_method("spawn", force=True)
