"""Tables, matrices and vectors of a request, decoded (a :class:`BadRequest` names the parameter)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from yingji.api.envelope import MAX_MATRIX_CELLS, _num
from yingji.api.errors import BadRequest


def _records_frame(records, where: str) -> pd.DataFrame:
    """A DataFrame from a list of records (objects) or a column object ``{col: [values]}``."""
    if isinstance(records, Mapping):
        try:
            df = pd.DataFrame(dict(records))
        except ValueError as exc:
            raise BadRequest(f"{where}: columns of different lengths ({exc}).") from None
    elif isinstance(records, list) and all(isinstance(r, Mapping) for r in records):
        df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    else:
        raise BadRequest(f"{where} must be a list of records (objects) or an object of columns.")
    if "id" in df.columns:
        df = df.set_index(df["id"].astype(str)).drop(columns="id")
        df.index.name = "id"
    return df


def _matrix(value, where: str, *, row_ids=None, col_ids=None):
    """A cost/time matrix from the request: nested lists, or {"data", "rows", "columns"}.

    Numbers or "inf"; returns a float ndarray or, with labels, a DataFrame.
    """
    rows = cols = None
    data = value
    if isinstance(value, Mapping):
        data = value.get("data")
        rows, cols = value.get("rows"), value.get("columns")
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise BadRequest(f"{where} must be a list of rows (lists of numbers or \"inf\"), or "
                         "{\"data\": [[...]], \"rows\": [...], \"columns\": [...]}.")
    n = len(data)
    m = len(data[0]) if n else 0
    if n * m > MAX_MATRIX_CELLS:
        raise BadRequest(f"{where} has {n * m:,} cells; at most {MAX_MATRIX_CELLS:,} are accepted.")
    ragged = [i for i, r in enumerate(data) if len(r) != m]
    if ragged:
        raise BadRequest(f"{where} must be rectangular: rows {ragged[:10]} have a length other "
                         f"than {m}.")
    try:
        arr = np.array(data, dtype=float) if n and _all_numbers(data) else np.array([[_num(v) for v in r] for r in data], dtype=float).reshape(n, m)
    except (TypeError, ValueError):
        bad = [(i, j) for i, r in enumerate(data) for j, v in enumerate(r)
               if not _is_num(v)]
        raise BadRequest(f"{where} must hold numbers or \"inf\": bad entries at (row, column) "
                         f"{bad[:10]}.") from None
    rows = rows if rows is not None else row_ids
    cols = cols if cols is not None else col_ids
    if rows is not None or cols is not None:
        probs = []
        if rows is not None and len(rows) != n:
            probs.append(f"{where}: {len(rows)} row labels for {n} rows")
        if cols is not None and len(cols) != m:
            probs.append(f"{where}: {len(cols)} column labels for {m} columns")
        if probs:
            raise BadRequest("; ".join(probs), probs)
        return pd.DataFrame(arr, index=None if rows is None else [str(r) for r in rows],
                            columns=None if cols is None else [str(c) for c in cols])
    return arr


def _all_numbers(rows) -> bool:
    """Whether every entry of the rows is an int or a float (not a bool, a string, None), the
    types collected in C: what lets a matrix go to numpy in one call."""
    types: set = set()
    for r in rows:
        types.update(map(type, r))
    return types <= {int, float}


def _is_num(v) -> bool:
    try:
        _num(v)
        return True
    except (TypeError, ValueError):
        return False


def _vector(value, where: str):
    if value is None:
        return None
    try:
        if isinstance(value, list) and set(map(type, value)) <= {int, float}:
            return np.array(value, dtype=float)   # plain numbers: one call
        return np.array([_num(v) for v in value], dtype=float)
    except (TypeError, ValueError):
        raise BadRequest(f"{where} must be a list of numbers.") from None
