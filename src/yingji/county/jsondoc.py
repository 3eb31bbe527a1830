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

from yingji.county.checks import _Report
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
    """A column from its JSON list (strict: raises ValueError/TypeError on a bad cell)."""
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
        rep = _Report("County.from_json")
        meta = doc.get("meta")
        if meta is not None and not isinstance(meta, Mapping):
            rep.add("JSON 'meta'", f"expected an object of county.toml keys, got "
                    f"{type(meta).__name__} {_short(meta)}")
            meta = None
        crs = (meta or {}).get("crs")
        net = _network_from_doc(doc.get("network"), crs, rep)
        tables, where = {}, {}
        raw_tables = doc.get("tables")
        if raw_tables is None:
            raw_tables = {}
        if not isinstance(raw_tables, Mapping):
            rep.add("JSON 'tables'", f"expected an object {{table name: {{index, columns, dtypes}}}}, "
                    f"got {type(raw_tables).__name__} {_short(raw_tables)}")
            raw_tables = {}
        for name, entry in raw_tables.items():
            where[name] = f"JSON table {name!r}"
            if name not in TABLES:
                rep.add(where[name], f"unknown table; expected one of {list(TABLES)}")
                continue
            df = _table_from_doc(name, entry, where[name], rep)
            if df is not None:
                tables[name] = df
        rep.raise_if_any()
        return cls(net, meta=meta, _where=where, _func="County.from_json", **tables)


# ----------------------------------------------------------------------------------------
# reading a document that may be malformed: every problem named (where, row, column)
# ----------------------------------------------------------------------------------------


def _short(v, n: int = 60) -> str:
    t = repr(v)
    return t if len(t) <= n else t[: n - 3] + "..."


def _columns(obj, where: str, rep: _Report, n_rows: int | None = None) -> dict | None:
    """``{column: list}`` of an object of equal-length lists, or None after recording why not."""
    if not isinstance(obj, Mapping):
        rep.add(where, f"expected an object {{column: [values]}}, got {type(obj).__name__} "
                f"{_short(obj)}")
        return None
    out, ok = {}, True
    for c, v in obj.items():
        if not isinstance(v, list):
            rep.add(where, f"expected a list of values, got {type(v).__name__} {_short(v)}",
                    column=str(c))
            ok = False
            continue
        out[str(c)] = v
    lengths = {c: len(v) for c, v in out.items()}
    want = n_rows if n_rows is not None else (max(lengths.values()) if lengths else 0)
    short = {c: k for c, k in lengths.items() if k != want}
    if short and n_rows is not None and len(set(lengths.values())) == 1:
        rep.add(where, f"'index' has {n_rows} id(s) but the columns have {next(iter(short.values()))} "
                f"value(s) each")
        ok = False
    elif short:
        rep.add(where, "columns of different lengths: " + ", ".join(
            f"{c!r} has {k}" for c, k in short.items())
            + f", expected {want}" + (" (the length of 'index')" if n_rows is not None else ""))
        ok = False
    return out if ok else None


def _dtypes(obj, where: str, rep: _Report) -> dict:
    if obj is None:
        return {}
    if not isinstance(obj, Mapping):
        rep.add(where, f"'dtypes' must be an object {{column: kind}}, got {type(obj).__name__}")
        return {}
    bad = {c: k for c, k in obj.items() if k not in ("float", "int", "bool", "date", "str")}
    if bad:
        rep.add(where, f"unknown dtype(s) {bad}; expected float, int, bool, date or str")
    return {c: k for c, k in obj.items() if c not in bad}


def _restore_checked(values: list, kind: str, where: str, column: str, labels, rep: _Report):
    """:func:`_restore_col`, or the raw values with the bad cells recorded (named by row)."""
    try:
        return _restore_col(values, kind)
    except (TypeError, ValueError, OverflowError):
        pass
    bad = []
    for k, v in enumerate(values):
        if v is None:
            continue
        try:
            _restore_col([v], kind)
        except (TypeError, ValueError, OverflowError):
            bad.append(k)
    what = {"float": "a number", "int": "a whole number", "bool": "true/false",
            "date": "a date (YYYY-MM-DD)"}.get(kind, kind)
    rep.add(where, f"expected {what}, got {[values[k] for k in bad[:3]]}",
            rows=[labels[k] if labels is not None else k for k in bad], column=column)
    return pd.Series(values, dtype=object)


def _table_from_doc(name: str, entry, where: str, rep: _Report):
    """One table of ``doc["tables"]`` as a DataFrame (None after recording why not)."""
    if not isinstance(entry, Mapping):
        rep.add(where, f"expected an object {{index, columns, dtypes}}, got "
                f"{type(entry).__name__} {_short(entry)}")
        return None
    spec = TABLES[name]
    index = entry.get("index")
    if index is not None and not isinstance(index, list):
        rep.add(where, f"'index' must be a list of ids, got {type(index).__name__} {_short(index)}")
        return None
    if index is not None and spec.index is None:
        index = None  # a table without ids (stock, items, ...): the index is row numbers
    cols = _columns(entry.get("columns") or {}, where, rep,
                    None if index is None else len(index))
    if cols is None:
        return None
    dt = _dtypes(entry.get("dtypes"), where, rep)
    labels = [str(v) for v in index] if index is not None else None
    data = {}
    for c, v in cols.items():
        kind = dt.get(c, "str")
        if c in spec.columns:  # the constructor checks and coerces these, naming rows
            data[c] = pd.Series(v, dtype=object)
        else:
            data[c] = _restore_checked(v, kind, where, c, labels, rep)
    df = pd.DataFrame(data) if data else pd.DataFrame(index=range(len(index or [])))
    if index is not None:
        df.index = pd.Index(labels, dtype="str", name=spec.index)
    return df


def _network_from_doc(nd, crs, rep: _Report):
    """The network of ``doc["network"]`` (None when null or after recording why not)."""
    if nd is None or nd == {}:
        return None
    where = "JSON 'network'"
    if not isinstance(nd, Mapping):
        rep.add(where, f"expected an object {{directed, nodes, edges}} or null, got "
                f"{type(nd).__name__} {_short(nd)}")
        return None
    nodes_doc = nd.get("nodes")
    nodes = None
    if nodes_doc is not None:
        cols = _columns(nodes_doc, "JSON 'network.nodes'", rep)
        if cols is None:
            return None
        if "id" not in cols:
            rep.add("JSON 'network.nodes'", "missing column 'id' (the node labels)")
            return None
        ndt = _dtypes(nd.get("node_dtypes"), "JSON 'network.nodes'", rep)
        ids = cols["id"]
        nodes = pd.DataFrame({c: _restore_checked(v, ndt.get(c, "float"), "JSON 'network.nodes'",
                                                  c, ids, rep)
                              for c, v in cols.items() if c != "id"})
        nodes.index = pd.Index(ids)
    edges_doc = nd.get("edges")
    if edges_doc is None:
        rep.add(where, "missing 'edges' (columns u, v, minutes[, metres])")
        return None
    cols = _columns(edges_doc, "JSON 'network.edges'", rep)
    if cols is None:
        return None
    edt = _dtypes(nd.get("edge_dtypes"), "JSON 'network.edges'", rep)
    edges = pd.DataFrame({c: (pd.Series(v) if c in ("u", "v") else
                              _restore_checked(v, edt.get(c, "float"), "JSON 'network.edges'", c,
                                               None, rep))
                          for c, v in cols.items()})
    if rep.items:
        return None
    directed = nd.get("directed", False)
    if not isinstance(directed, bool):
        rep.add(where, f"'directed' must be true or false, got {_short(directed)}")
        return None
    try:
        net = _network_from_frames(edges, nodes, directed, crs)
    except ValidationError as exc:
        rep.add(where, str(exc))
        return None
    if nd.get("speed_profile"):
        try:
            net = net.with_speed_profile(speed_profile(pd.DataFrame(nd["speed_profile"]),
                                                       name="network.speed_profile",
                                                       func="County.from_json"))
        except (ValidationError, ValueError, TypeError) as exc:
            rep.add("JSON 'network.speed_profile'", str(exc))
    return net
