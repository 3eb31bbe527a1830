"""Whether this process may fork (base layer: the demo and the county plan isolate their parts
in forked children when it is safe)."""

from __future__ import annotations

import multiprocessing as mp
import sys

__all__ = ["fork_safe"]


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
