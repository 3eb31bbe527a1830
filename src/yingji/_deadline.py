"""One wall-clock deadline shared by the phases of a solve (private).

A public entry point that takes ``time_limit`` makes one :class:`Deadline` when it starts and
hands each phase (model build, heuristic, solver call, loop over scenarios/districts/budgets)
the time that is *left*, never the whole limit again: ``solve(model, time_limit=dl.limit())``.
A phase that cannot start before the deadline is skipped and the caller returns the best
solution found so far with ``status="time_limit"``.
"""

from __future__ import annotations

import time

#: Shortest time limit handed to a solver (seconds). HiGHS needs a positive limit; with this one
#: it stops at once and reports the best point it has (often none).
MIN_PHASE_S = 0.01


class Deadline:
    """A wall-clock deadline ``time_limit`` seconds after ``start`` (``time.perf_counter()``).

    Parameters
    ----------
    time_limit : float
        Seconds allowed in all.
    start : float, optional
        ``time.perf_counter()`` value the limit counts from (default: now). Pass the moment the
        public function was entered so that validation and input building count too.
    """

    __slots__ = ("end", "start", "time_limit")

    def __init__(self, time_limit: float, start: float | None = None):
        self.start = time.perf_counter() if start is None else float(start)
        self.time_limit = float(time_limit)
        self.end = self.start + self.time_limit

    def left(self) -> float:
        """Seconds left (0 once the deadline has passed)."""
        return max(self.end - time.perf_counter(), 0.0)

    def expired(self, reserve: float = 0.0) -> bool:
        """True when fewer than ``reserve`` seconds are left (``reserve=0``: the deadline passed)."""
        return self.end - time.perf_counter() <= reserve

    def limit(self, share: float = 1.0) -> float:
        """Time limit for the next phase: ``share`` of what is left, at least :data:`MIN_PHASE_S`."""
        return max(self.left() * float(share), MIN_PHASE_S)

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start
