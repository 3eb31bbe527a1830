"""A machine k times slower, as the time limits see it: ``time.perf_counter`` runs k times
faster from the moment :func:`install` is called, so every deadline (``yingji._deadline``, the
heuristics' budgets, the time limits handed to HiGHS) expires k times sooner in real time —
what a default call meets on a machine loaded k-fold. Figures of a default call that change
under it depend on machine load (issue 18)."""

from __future__ import annotations

import re
import time

_TIMING = re.compile(r"second|elapsed|runtime|run_time|wall|duration|generated_at", re.I)


def install(monkeypatch, k: float) -> None:
    real = time.perf_counter
    t0 = real()
    monkeypatch.setattr(time, "perf_counter", lambda: t0 + k * (real() - t0))


def figures(obj):
    """A result's ``to_dict()`` without run times (the figures that must not move)."""
    d = obj.to_dict() if hasattr(obj, "to_dict") else obj
    if isinstance(d, dict):
        return {k: figures(v) for k, v in d.items() if not _TIMING.search(str(k))}
    if isinstance(d, list):
        return [figures(v) for v in d]
    if isinstance(d, float):
        return round(d, 6)
    return d
