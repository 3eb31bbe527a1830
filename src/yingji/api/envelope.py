"""The envelope of requests and responses: its version, the service's limits, JSON-safe values.

Constants re-exported by :mod:`yingji.api` (:data:`API_VERSION`, :data:`ERROR_TYPES`,
:data:`DEFAULT_TIME_LIMIT`, :data:`MAX_TIME_LIMIT`, :data:`MAX_MATRIX_CELLS`) and the helpers
that turn results into plain JSON values (NaN -> null, ±inf -> ``"inf"``/``"-inf"``).
"""

from __future__ import annotations

import datetime as _dt
import math
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yingji.results import to_jsonable

#: Version of the request/response envelope (``"version"`` in both).
API_VERSION = 1

#: ``error.type`` values of a failed response.
ERROR_TYPES = ("ValidationError", "InfeasibleError", "SolverError", "BadRequest", "InternalError")

#: Seconds an action may spend solving when the request gives no ``params.time_limit``.
DEFAULT_TIME_LIMIT = 30.0

#: Default cap on ``params.time_limit`` (seconds); :func:`handle` takes ``max_time_limit=``.
MAX_TIME_LIMIT = 600.0

#: Largest matrix (cells) a request may send (``cost``, ``times``) or ask for
#: (``network.travel_times``).
MAX_MATRIX_CELLS = 4_000_000

#: Deepest nesting of lists and objects a request may have (a county document needs 5; deeper
#: requests are refused before anything walks them recursively).
MAX_DEPTH = 64

_MAX_MESSAGE = 2000  # characters of an error message kept in a response
_MAX_PROBLEM = 400   # characters per entry of error.problems


_SCALAR_TYPES = frozenset((int, float, str, bool, type(None)))
_LIST = frozenset((list,))


def too_deep(obj: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON path of the first value nested deeper than ``limit`` lists/objects inside
    ``obj``, or None. Iterative: a request nested 100,000 deep is answered, not a RecursionError.

    Examples
    --------
    >>> too_deep({"params": {"p": [[[1]]]}}, limit=3)
    '$.params.p[0]'
    >>> too_deep({"a": [1, 2]}) is None
    True
    """
    containers = (dict, list, tuple)
    if not isinstance(obj, containers):
        return None
    stack = [(obj, 0, None, None)]  # container, depth, parent entry, key; scalars never pushed
    while stack:
        entry = stack.pop()
        v, d = entry[0], entry[1]
        if d >= limit:
            parts = []
            while entry[2] is not None:
                k = entry[3]
                parts.append(f"[{k}]" if isinstance(k, int) else f".{k}")
                entry = entry[2]
            return "$" + "".join(reversed(parts))
        if isinstance(v, dict):
            stack.extend((x, d + 1, entry, str(k)) for k, x in v.items() if isinstance(x, containers))
            continue
        types = set(map(type, v))
        if types <= _SCALAR_TYPES:  # a row of numbers: nothing to push
            continue
        if types == _LIST and d + 1 < limit and set(map(type, chain.from_iterable(v))) <= _SCALAR_TYPES:
            continue                # a matrix of numbers (its rows one level down): one C-level pass
        stack.extend((x, d + 1, entry, i) for i, x in enumerate(v) if isinstance(x, containers))
    return None


def _json_safe(obj: Any) -> Any:
    """Plain JSON values only: NaN -> None, ±inf -> "inf"/"-inf", numpy/pandas -> Python."""
    obj = to_jsonable(obj)
    return _clean(obj)


_PLAIN_TYPES = frozenset((int, str, bool, type(None)))
_FLOAT = frozenset((float,))


def _clean(obj: Any) -> Any:
    t = type(obj)
    if t is str or t is int or t is bool or obj is None:
        return obj
    if t is dict:
        return {(k if type(k) is str else str(k)): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        types = set(map(type, obj))
        if types <= _PLAIN_TYPES or (types == _FLOAT and all(map(math.isfinite, obj))):
            return list(obj)                       # a list of plain values: one C-level pass
        return [_clean(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((_clean(v) for v in obj), key=str)
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (np.generic, np.ndarray, pd.DataFrame, pd.Series)):
        return _clean(to_jsonable(obj))
    if isinstance(obj, (_dt.date, _dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return _clean(to_jsonable(obj.to_dict()))
    return str(obj)


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _num(v) -> float:
    """A JSON number, or "inf"/"-inf"/"Infinity" strings, as float."""
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("inf", "+inf", "infinity", "+infinity"):
            return math.inf
        if s in ("-inf", "-infinity"):
            return -math.inf
        raise ValueError(v)
    if v is None or isinstance(v, bool):
        raise ValueError(v)
    return float(v)
