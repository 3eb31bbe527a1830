"""Whether this process may fork (base layer: the demo and the county plan isolate their parts
in forked children when it is safe)."""

from __future__ import annotations

import multiprocessing as mp
import sys

__all__ = ["fork_safe", "run_forked"]


def fork_safe() -> bool:
    """True when forking this process is safe (no GNU OpenMP pool started by numba yet)."""
    if "fork" not in mp.get_all_start_methods():
        return False
    nb = sys.modules.get("numba")
    if nb is None:
        return True
    try:
        layer = nb.threading_layer()
    except ValueError:  # no parallel region has run: no thread pool to break
        return True
    return layer != "omp"  # GNU OpenMP aborts a forked child ("fork() ... unsafe")


def run_forked(child, args: tuple, limit: float) -> tuple[str, object]:
    """Run ``child(conn, *args)`` in a forked process and wait at most ``limit`` seconds.

    ``child`` sends one picklable value through ``conn``. Returns ``("done", value)``,
    ``("no_result", None)`` when the process ended without sending one, or ``("timeout", None)``
    when the limit passed (the process is killed). The child is not a daemon, so it may start its
    own process pool. The one fork-and-timeout runner of yingji (the demo's sections and the
    county plan's parts).
    """
    ctx = mp.get_context("fork")
    parent, conn = ctx.Pipe(duplex=False)
    p = ctx.Process(target=child, args=(conn, *args), daemon=False)
    p.start()
    conn.close()
    if parent.poll(limit):
        try:
            out = ("done", parent.recv())
        except EOFError:
            out = ("no_result", None)
        p.join(5)
    else:
        out = ("timeout", None)
    if p.is_alive():
        p.kill()
        p.join(5)
    return out
