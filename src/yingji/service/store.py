"""The job store: one SQLite database (stdlib :mod:`sqlite3`, WAL journal) under ``--data``.

Every job is a row written (and committed, ``synchronous=FULL``) before the service answers
``202``; the runner moves it ``queued -> running -> done | failed | cancelled``; a restart
turns rows still ``running`` (their process died with the old server) into ``interrupted``.
Only the server process writes here: worker processes send their progress and response back
through a pipe, so a worker that outlives a killed server cannot change a job.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FINAL_STATUSES", "STATUSES", "JobStore", "job_error"]

#: Every status a job can have.
STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
#: Statuses a job keeps until it is resubmitted.
FINAL_STATUSES = ("done", "failed", "cancelled", "interrupted")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT UNIQUE NOT NULL,
    action     TEXT,
    status     TEXT NOT NULL,
    phase      TEXT NOT NULL,
    progress   REAL NOT NULL DEFAULT 0,
    request    TEXT NOT NULL,
    created    REAL NOT NULL,
    started    REAL,
    finished   REAL,
    response   TEXT,
    error      TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
"""


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds")


class JobStore:
    """Jobs in ``<data>/jobs.sqlite3``; safe to share between the threads of one process.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder when missing).
    """

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    # -- writing -----------------------------------------------------------------------
    def add(self, request: dict) -> str:
        """Store a new queued job (committed before returning); returns its id."""
        jid = uuid.uuid4().hex
        action = request.get("action") if isinstance(request, dict) else None
        self._exec("INSERT INTO jobs (id, action, status, phase, progress, request, created) "
                   "VALUES (?, ?, 'queued', 'queued', 0, ?, ?)",
                   (jid, action if isinstance(action, str) else None,
                    json.dumps(request, allow_nan=False), time.time()))
        return jid

    def recover(self) -> int:
        """After a restart: jobs left ``running`` become ``interrupted``; returns how many."""
        cur = self._exec(
            "UPDATE jobs SET status='interrupted', phase='interrupted', finished=?, error=? "
            "WHERE status='running'",
            (time.time(), json.dumps(job_error(
                "interrupted", "the server stopped while this job ran; resubmit it "
                "(POST /v1/jobs/{id}/resubmit)"))))
        return cur.rowcount

    def claim_next(self) -> tuple[str, dict] | None:
        """Mark the oldest queued job ``running`` and return ``(id, request)`` (None: no job)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT id, request FROM jobs WHERE status='queued' "
                                       "ORDER BY seq LIMIT 1").fetchone()
                if row is None:
                    self._db.execute("COMMIT")
                    return None
                self._db.execute("UPDATE jobs SET status='running', phase='starting', "
                                 "progress=0.02, started=?, attempts=attempts+1 WHERE id=?",
                                 (time.time(), row[0]))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return row[0], json.loads(row[1])

    def progress(self, jid: str, phase: str, fraction: float) -> None:
        self._exec("UPDATE jobs SET phase=?, progress=? WHERE id=? AND status='running'",
                   (str(phase)[:80], max(0.0, min(1.0, float(fraction))), jid))

    def finish(self, jid: str, response: dict) -> bool:
        """Store the JSON API response of a running job (``done`` or ``failed``)."""
        return self.finish_text(jid, json.dumps(response, allow_nan=False),
                                bool(response.get("ok")), response.get("error"))

    def finish_text(self, jid: str, text: str, ok: bool, error: dict | None = None) -> bool:
        """:meth:`finish` with the response already written as JSON ``text`` (what a worker
        sends: stored as it came, not decoded and encoded again)."""
        status = "done" if ok else "failed"
        err = None if ok else json.dumps(error)
        cur = self._exec("UPDATE jobs SET status=?, phase=?, progress=?, finished=?, response=?, "
                         "error=? WHERE id=? AND status='running'",
                         (status, status, 1.0 if ok else 0.0, time.time(), text, err, jid))
        return cur.rowcount == 1

    def fail(self, jid: str, error: dict, status: str = "failed") -> bool:
        """End a running job without a response (its worker died, it was cancelled, ...)."""
        cur = self._exec("UPDATE jobs SET status=?, phase=?, finished=?, error=? "
                         "WHERE id=? AND status='running'",
                         (status, status, time.time(), json.dumps(error), jid))
        return cur.rowcount == 1

    def cancel_queued(self, jid: str) -> bool:
        cur = self._exec("UPDATE jobs SET status='cancelled', phase='cancelled', finished=?, "
                         "error=? WHERE id=? AND status='queued'",
                         (time.time(), json.dumps(_cancelled_error()), jid))
        return cur.rowcount == 1

    def requeue(self, jid: str) -> bool:
        """Queue a finished job again (same id, same request); True when it was final."""
        cur = self._exec("UPDATE jobs SET status='queued', phase='queued', progress=0, "
                         "started=NULL, finished=NULL, response=NULL, error=NULL "
                         "WHERE id=? AND status IN ('failed', 'cancelled', 'interrupted', 'done')",
                         (jid,))
        return cur.rowcount == 1

    # -- reading -----------------------------------------------------------------------
    def get(self, jid: str, *, with_result: bool = True) -> dict | None:
        row = self._exec(f"SELECT {_COLS} FROM jobs WHERE id=?", (jid,)).fetchone()
        return None if row is None else _job(row, with_result)

    def status(self, jid: str) -> str | None:
        row = self._exec("SELECT status FROM jobs WHERE id=?", (jid,)).fetchone()
        return None if row is None else row[0]

    def list(self, *, status: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        where, args = ("WHERE status=?", (status,)) if status else ("", ())
        total = self._exec(f"SELECT COUNT(*) FROM jobs {where}", args).fetchone()[0]
        rows = self._exec(f"SELECT {_COLS} FROM jobs {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                          args + (int(limit), int(offset))).fetchall()
        return {"jobs": [_job(r, False) for r in rows], "total": total, "limit": int(limit),
                "offset": int(offset)}

    def counts(self) -> dict:
        rows = self._exec("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        out = {s: 0 for s in STATUSES}
        out.update(dict(rows))
        return out


_COLS = ("id, action, status, phase, progress, created, started, finished, response, error, "
         "attempts")


def job_error(status: str, message: str) -> dict:
    """The JSON API error object of a job that ended without a response of its action: a
    ``SolverError`` whose ``status`` says why (``cancelled``, ``interrupted``,
    ``worker_died``, ``time_limit``)."""
    return {"type": "SolverError", "message": message, "problems": [message], "status": status}


def _cancelled_error() -> dict:
    return job_error("cancelled", "the job was cancelled (DELETE /v1/jobs/{id})")


def _job(row, with_result: bool) -> dict[str, Any]:
    (jid, action, status, phase, progress, created, started, finished, response, error,
     attempts) = row
    out: dict[str, Any] = {"id": jid, "action": action, "status": status,
                           "progress": {"phase": phase, "fraction": progress},
                           "created": _iso(created), "started": _iso(started),
                           "finished": _iso(finished), "attempts": attempts}
    if with_result:
        if response is not None:
            resp = json.loads(response)
            if resp.get("ok"):
                out["result"] = resp.get("result")
            else:
                out["error"] = resp.get("error")
            out["warnings"] = resp.get("warnings", [])
            out["seconds"] = resp.get("seconds")
        elif error is not None:
            out["error"] = json.loads(error)
    return out
