"""The JSON form of a county: one document, lossless (methods of the private mixin ``_JsonDoc``,
which :class:`~yingji.county.County` inherits: ``to_dict``, ``to_json``, ``from_json``), and
the conversion of columns to JSON lists and back."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from yingji.county.roads import _network_frames, _network_from_frames
from yingji.county.specs import TABLES, _dtype_name, _is_missing
from yingji.exceptions import ValidationError
from yingji.network.hours import _profile_long, speed_profile

#: Version of the JSON document written by :meth:`County.to_json`.
COUNTY_JSON_VERSION = 1

_FORMAT = "yingji.county"


def _json_col(s: pd.Series) -> list:
    kind = _dtype_name(s)
    if kind == "date":
        return [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in s]
    if kind == "bool":
        return [bool(v) for v in s]
    if kind == "int":
        return [int(v) for v in s]
    if kind == "float":
        return [None if _is_missing(v) or math.isnan(float(v)) else float(v) for v in s]
    return [None if _is_missing(v) else (v.item() if isinstance(v, np.generic) else v) for v in s]


def _restore_col(values: list, kind: str) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").astype(
            "datetime64[ns]")
    if kind == "bool":
        return pd.Series(values, dtype=bool)
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "float":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(["" if v is None else v for v in values], dtype="str")


def _py(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def _jsonable_meta(meta: Mapping) -> dict:
    out = {}
    for k, v in meta.items():
        if isinstance(v, Mapping):
            out[k] = _jsonable_meta(v)
        elif isinstance(v, float) and not math.isfinite(v):
            out[k] = None if math.isnan(v) else str(v)
        else:
            out[k] = _py(v)
    return out


class _JsonDoc:
    """``County.to_dict``, ``County.to_json`` and ``County.from_json``."""

    def to_dict(self) -> dict:
        """The county as one JSON-serialisable dict (see :meth:`to_json`)."""
        doc: dict[str, Any] = {"format": _FORMAT, "version": COUNTY_JSON_VERSION,
                               "meta": _jsonable_meta(self.meta)}
        if self.network is not None:
            edges, nodes, directed = _network_frames(self.network)
            doc["network"] = {
                "directed": directed,
                "nodes": {"id": _json_col(nodes.index.to_series()),
                          **{c: _json_col(nodes[c]) for c in nodes.columns}},
                "node_dtypes": {c: _dtype_name(nodes[c]) for c in nodes.columns},
                "edges": {c: _json_col(edges[c]) for c in edges.columns},
                "edge_dtypes": {c: _dtype_name(edges[c]) for c in edges.columns},
            }
            if self.network.has_own_profile:
                long = _profile_long(self.network.speed_profile)
                doc["network"]["speed_profile"] = {c: _json_col(long[c]) for c in long.columns}
        else:
            doc["network"] = None
        tables = {}
        for name, spec in TABLES.items():
            df = getattr(self, name)
            cols = {c: _json_col(df[c]) for c in df.columns}
            entry = {"columns": cols, "dtypes": {c: _dtype_name(df[c]) for c in df.columns}}
            if spec.index is not None:
                entry["index"] = [str(v) for v in df.index]
            tables[name] = entry
        doc["tables"] = tables
        return doc

    def to_json(self, path=None, *, indent: int | None = None) -> str:
        """The county as one JSON document (lossless: :meth:`from_json` rebuilds it).

        Parameters
        ----------
        path : str or path, optional
            Also write the document there (UTF-8).
        indent : int, optional
            Pretty-print indentation.

        Returns
        -------
        str
            ``{"format": "yingji.county", "version": 1, "meta": {...}, "network":
            {"directed", "nodes", "edges"}, "tables": {name: {"index", "columns",
            "dtypes"}}}``; columns are lists, NaN/NaT are ``null``, dates ISO 8601.
        """
        s = json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(s, encoding="utf-8")
        return s

    @classmethod
    def from_json(cls, s) -> "County":
        """Rebuild a county from :meth:`to_json` output (a string, bytes, dict or path).

        Raises
        ------
        ValidationError
            Not a county document, an unsupported version, or bad tables (naming the
            table, row and column).
        """
        if isinstance(s, Mapping):
            doc = s
        else:
            if isinstance(s, Path) or (isinstance(s, str) and not s.lstrip().startswith("{")
                                       and Path(s).exists()):
                s = Path(s).read_text(encoding="utf-8")
            try:
                doc = json.loads(s)
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValidationError(f"The 's' parameter of County.from_json must be a county "
                                      f"JSON document. Got text that is not JSON ({exc}).") from None
        if not isinstance(doc, Mapping) or doc.get("format") != _FORMAT:
            got = doc.get("format") if isinstance(doc, Mapping) else type(doc).__name__
            raise ValidationError(f"The 's' parameter of County.from_json must be a document with "
                                  f"format {_FORMAT!r}. Got {got!r} instead.")
        if doc.get("version") != COUNTY_JSON_VERSION:
            raise ValidationError(f"The 's' parameter of County.from_json must have version "
                                  f"{COUNTY_JSON_VERSION}. Got {doc.get('version')!r} instead.")
        net = None
        nd = doc.get("network")
        if nd:
            ndt = nd.get("node_dtypes", {})
            nodes = pd.DataFrame({c: _restore_col(v, ndt.get(c, "float"))
                                  for c, v in nd["nodes"].items() if c != "id"})
            nodes.index = pd.Index(nd["nodes"]["id"])
            edt = nd.get("edge_dtypes", {})
            edges = pd.DataFrame({c: (pd.Series(v) if c in ("u", "v") else
                                      _restore_col(v, edt.get(c, "float")))
                                  for c, v in nd["edges"].items()})
            net = _network_from_frames(edges, nodes, bool(nd.get("directed", False)),
                                       (doc.get("meta") or {}).get("crs"))
            if nd.get("speed_profile"):
                net = net.with_speed_profile(speed_profile(pd.DataFrame(nd["speed_profile"]),
                                                           name="network.speed_profile",
                                                           func="County.from_json"))
        tables, where = {}, {}
        for name, entry in (doc.get("tables") or {}).items():
            where[name] = f"JSON table {name!r}"
            if name not in TABLES or not isinstance(entry, Mapping):
                continue
            dt = entry.get("dtypes", {})
            df = pd.DataFrame({c: _restore_col(v, dt.get(c, "str"))
                               for c, v in (entry.get("columns") or {}).items()})
            if "index" in entry and TABLES[name].index is not None:
                df.index = pd.Index(entry["index"], dtype="str", name=TABLES[name].index)
            tables[name] = df
        return cls(net, meta=doc.get("meta"), _where=where, _func="County.from_json", **tables)
