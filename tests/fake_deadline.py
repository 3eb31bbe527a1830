"""A deadline the time-limit tests switch off by hand (no wall-clock timing in tests).

``install(monkeypatch, *modules)`` replaces ``Deadline`` in those modules with a subclass whose
``expired()`` / ``left()`` follow a switch: ``D.expire()`` makes every deadline made from it
report no time left, as if the wall clock had passed the limit at that moment.
"""

from __future__ import annotations

from yingji._deadline import MIN_PHASE_S, Deadline


def install(monkeypatch, *modules):
    class D(Deadline):
        __slots__ = ()
        passed = False
        made = 0

        def __init__(self, time_limit, start=None):
            super().__init__(time_limit, start)
            type(self).made += 1

        @classmethod
        def expire(cls):
            cls.passed = True

        def left(self):
            return 0.0 if type(self).passed else self.time_limit

        def expired(self, reserve=0.0):
            return type(self).passed or self.time_limit <= reserve

        def limit(self, share=1.0):
            return MIN_PHASE_S if type(self).passed else max(self.time_limit * share, MIN_PHASE_S)

    for mod in modules:
        monkeypatch.setattr(mod, "Deadline", D)
    return D


def no_solution(model, seconds=0.0):
    """What a solver returns when it finds no point before its time limit."""

    from yingji.solvers import Solution

    inf = float("inf") if model.sense == "max" else float("-inf")
    return Solution(None, float("nan"), inf, float("inf"), "time_limit", False, "kTimeLimit", seconds, "highs")


__all__ = ["install", "no_solution", "Deadline"]
