"""Writing ``county.toml``: a small subset of TOML (scalars, lists of scalars, one level of
tables), and the check of which meta values it can write."""

from __future__ import annotations

import json
import math
from typing import Mapping

import numpy as np


def _toml_scalar_or_list(v) -> bool:
    scalar = (str, bool, int, float, np.integer, np.floating, np.bool_)
    if isinstance(v, scalar):
        return True
    return isinstance(v, (list, tuple)) and all(isinstance(x, scalar) for x in v)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to county.toml")  # pragma: no cover


def _toml_dumps(d: Mapping) -> str:
    lines = []
    for k, v in d.items():
        if not isinstance(v, Mapping):
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in d.items():
        if isinstance(v, Mapping):
            lines.append("")
            lines.append(f"[{_toml_key(k)}]")
            for k2, v2 in v.items():
                if isinstance(v2, Mapping):
                    raise TypeError("one level of tables")  # pragma: no cover - meta checked
                lines.append(f"{_toml_key(k2)} = {_toml_value(v2)}")
    return "\n".join(lines) + "\n"


def _toml_key(k: str) -> str:
    k = str(k)
    if k and all(c.isalnum() and c.isascii() or c in "_-" for c in k):
        return k
    return json.dumps(k, ensure_ascii=False)
