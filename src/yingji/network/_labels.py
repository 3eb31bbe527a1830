"""Node labels as arrays: ints when every label is an integer, else Python objects; and the
small readers the constructors share (numbers from GraphML text, lon/lat CRS names)."""

from __future__ import annotations

import numpy as np
import pandas as pd



def _is_lonlat(crs) -> bool:
    """True for a geographic (longitude/latitude) CRS as OSMnx labels unprojected graphs."""
    if crs is None:
        return False
    text = str(crs).strip().lower().replace(" ", "")
    return text in ("epsg:4326", "wgs84", "wgs 84", "4326", "ogc:crs84") or "+proj=longlat" in text


def _to_float(v) -> float:
    """float() of a numeric or a numeric string (GraphML stores attributes as text)."""
    if isinstance(v, (list, tuple)):  # OSMnx lists after simplification: keep the first
        v = v[0]
    return float(v)


def _label_array(values) -> np.ndarray:
    """Node labels as int64 when all are integers, else an object array of Python values."""
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return arr.astype(object)
    out = np.empty(len(arr), dtype=object)
    out[:] = [v.item() if isinstance(v, np.generic) else v for v in arr.tolist()]
    if len(out) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in out):
        return out.astype(np.int64)
    return out


def _labels_from_column(col: pd.Series | pd.Index) -> np.ndarray:
    vals = col.to_numpy()
    if vals.dtype.kind in "iu":
        return vals.astype(np.int64)
    return _label_array(np.asarray(vals, dtype=object))


def _as_label_query(values) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    if np.ndim(values) == 0 and not isinstance(values, (list, tuple)):
        values = [values]
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64).ravel()
    out = np.empty(len(arr), dtype=object)
    out[:] = [v.item() if isinstance(v, np.generic) else v for v in list(arr)]
    return out


def _harmonise_labels(su, sv, labels):
    """Make edge-end labels and node labels the same kind (ints vs text)."""
    def is_int(a):
        return a.dtype.kind in "iu"

    if is_int(labels) and not (is_int(su) and is_int(sv)):
        try:
            su = np.asarray([int(s) for s in su], dtype=np.int64)
            sv = np.asarray([int(s) for s in sv], dtype=np.int64)
        except (TypeError, ValueError):
            labels = _label_array(np.asarray([str(v) for v in labels], dtype=object))
    elif not is_int(labels) and (is_int(su) or is_int(sv)):
        su = _label_array(np.asarray([str(v) for v in su], dtype=object)) if is_int(su) else su
        sv = _label_array(np.asarray([str(v) for v in sv], dtype=object)) if is_int(sv) else sv
    return su, sv, labels
