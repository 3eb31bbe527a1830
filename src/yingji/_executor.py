"""One way to run independent pieces in parallel (base layer).

Every public function that takes ``executor=`` accepts ``None`` (run here, in order), any
:class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor``, a ``ThreadPoolExecutor``) or a
``dask.distributed.Client`` (its ``get_executor()`` is used, so the futures are the standard
kind). Results come back in the order of the inputs, whatever order the pieces finish in, so a
seeded call gives the same answer on any executor. dask is never imported here: a Client is
recognised by its ``get_executor`` method.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

from yingji.exceptions import ValidationError

__all__ = ["as_executor", "n_workers", "map_ordered"]


def as_executor(executor) -> Any:
    """``executor`` as something with ``submit`` and ``map`` (a dask Client → its executor)."""
    if executor is None:
        return None
    if hasattr(executor, "get_executor") and callable(executor.get_executor):
        return executor.get_executor()  # dask.distributed.Client
    if not (hasattr(executor, "submit") and hasattr(executor, "map")):

        raise ValidationError(f"The 'executor' parameter must be None, a concurrent.futures.Executor or a "
                              f"dask.distributed.Client. Got {type(executor).__name__} instead.")
    return executor


def n_workers(executor) -> int:
    """How many pieces ``executor`` runs at once (1 for None; an estimate when it does not say)."""
    if executor is None:
        return 1
    for attr in ("_max_workers",):  # concurrent.futures pools
        v = getattr(executor, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    client = getattr(executor, "_client", None) or (executor if hasattr(executor, "nthreads") else None)
    if client is not None:
        try:
            return max(int(sum(client.nthreads().values())), 1)
        except Exception:  # noqa: BLE001 - a client that cannot say: assume the local cores
            pass
    return max(os.cpu_count() or 1, 1)


def map_ordered(func: Callable, items: Iterable, executor=None) -> list:
    """``[func(x) for x in items]``, on ``executor`` when given; results in input order."""
    items = list(items)
    ex = as_executor(executor)
    if ex is None:
        return [func(x) for x in items]
    futures = [ex.submit(func, x) for x in items]
    return [f.result() for f in futures]
