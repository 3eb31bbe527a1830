"""Measuring one case inside its own process: wall time and peak resident memory.

Time: wall-clock ``time.perf_counter`` and CPU ``time.process_time`` (all threads of the
process). On a shared machine the wall time grows with other people's load while the CPU time
does not; a parallel kernel's CPU time exceeds its wall time on an idle machine.

Memory method (documented in README.md): **peak RSS of the timed call, above the RSS it
started from**. Before each timed call the process's RSS high-water mark is reset by writing
``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0); after it ``VmHWM`` is read from
``/proc/self/status``. This sees every allocation: numpy, scipy's C/C++ code, numba's NRT and
Python objects alike (tracemalloc sees numpy but not scipy.sparse.csgraph's or numba's own
buffers, and slows pure-Python peers several-fold, which would distort the ratio). Where
clear_refs is not available (macOS, some containers) it falls back to
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the peak of the whole process including setup,
and says so in ``mem_method``.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import traceback

__all__ = ["measure_case"]


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def _maxrss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def _timed(fn, state):
    """Run ``fn(state)``; return (fields, wall s, CPU s of all threads, peak_mib, delta_mib, method)."""
    gc.collect()
    if _reset_peak():
        base = _status_kib("VmRSS") or 0
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn(state)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = _status_kib("VmHWM") or 0
        return out, dt, cpu, peak / 1024.0, max(peak - base, 0) / 1024.0, "rss_hwm"
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(state)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    m = _maxrss_mib()
    return out, dt, cpu, m, float("nan"), "maxrss_process"


def _fields(out) -> dict:
    if out is None:
        return {}
    if not isinstance(out, dict):
        raise TypeError(f"a case's run/peer/check must return a dict or None, got {type(out).__name__}")
    return dict(out)


def measure_case(case) -> dict:
    """Set up, time ``run`` (``case.repeat`` times, min kept), time ``peer`` once, then ``check``.

    Returns a JSON-able record; errors are caught and reported in ``error``.
    """
    rec: dict = {"case": case.name, "description": case.description, "params": dict(case.params),
                 "peer_name": case.peer_name or None, "status": "ok"}
    phase = "setup"
    try:
        t0 = time.perf_counter()
        state = case.setup()
        rec["setup_s"] = time.perf_counter() - t0
        phase = "run"
        best = None
        for _ in range(max(1, int(case.repeat))):
            res = _timed(case.run, state)
            if best is None or res[1] < best[1]:
                best = res
        out, dt, cpu, peak, delta, method = best
        rec.update(time_s=dt, cpu_s=cpu, peak_rss_mib=peak, peak_mib=delta, mem_method=method,
                   quality=_fields(out))
        if case.peer is not None:
            phase = "peer"
            pout, pdt, pcpu, ppeak, pdelta, _ = _timed(case.peer, state)
            pf = _fields(pout)
            scale = float(pf.pop("scale", 1.0))
            rec.update(peer_measured_s=pdt, peer_cpu_s=pcpu * scale, peer_scale=scale,
                       peer_time_s=pdt * scale, peer_peak_mib=pdelta, peer_quality=pf,
                       ratio=(pdt * scale / dt) if dt > 0 else float("inf"),
                       cpu_ratio=(pcpu * scale / cpu) if cpu > 0 else float("inf"))
        if case.check is not None:
            phase = "check"
            rec["check"] = _fields(case.check(state))
    except Exception as exc:  # noqa: BLE001 - reported, never hides: the runner marks the case failed
        rec["status"] = "error"
        rec["error"] = f"{phase}: {type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc()
    return rec
