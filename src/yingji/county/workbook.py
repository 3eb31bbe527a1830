"""The Excel form of a county: one workbook, one sheet per table (read and written by pandas with
openpyxl, the ``excel`` extra).

Sheets: ``county`` (two columns ``key``, ``value``: the keys of ``county.toml``, nested ones
dotted, e.g. ``time_limits.solve``, ``dtypes.demand.river_m``), ``roads`` (``u``, ``v``,
``minutes``[, ``metres``, ``oneway``]), ``nodes`` (``id``, ``x``, ``y``) and one sheet per table
named as the table (``demand``, ``stations``, ...), with the columns of its CSV. Problems are
reported as for the folder form, naming the sheet, the row (by id) and the column.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pandas as pd

from yingji._optional import need
from yingji.county._toml import _toml_value
from yingji.county.checks import _Report
from yingji.county.coords import _output_meta, _output_xy
from yingji.county.columns import _type_extra_columns
from yingji.county.roads import _labels_from_text, _network_frames, _network_from_tables
from yingji.county.specs import TABLES, _dtype_name
from yingji.exceptions import ValidationError

#: File suffixes read as an Excel workbook by :meth:`County.load`.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
META_SHEET = "county"


def _openpyxl(what: str):
    return need("openpyxl", what)


def _meta_value(v):
    """A cell of the ``county`` sheet: numbers and booleans as they are, ``[...]`` as a TOML list,
    ``nan`` as NaN, other text as text."""
    if isinstance(v, str):
        t = v.strip()
        if t.startswith("[") or t.lower() in ("nan", "inf", "-inf", "true", "false"):
            try:
                return tomllib.loads(f"v = {t.lower() if not t.startswith('[') else t}")["v"]
            except tomllib.TOMLDecodeError:
                return v
        return v
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _read_meta(book, where: str, rep: _Report) -> dict:
    meta: dict = {}
    df = pd.read_excel(book, sheet_name=META_SHEET, header=None, dtype=object)
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        if not row or row[0] is None or (isinstance(row[0], float) and math.isnan(row[0])):
            continue
        key = str(row[0]).strip()
        if i == 0 and key == "key":
            continue
        value = _meta_value(row[1] if len(row) > 1 else None)
        head, _, rest = key.partition(".")
        if rest:
            if head in meta and not isinstance(meta[head], dict):
                rep.add(where, f"key {key!r} nests under {head!r}, which has a value", rows=[i + 1])
                continue
            meta.setdefault(head, {})[rest] = value
        else:
            meta[key] = value
    return meta


def load_workbook(cls, path: Path, max_snap=None):
    """``County.load`` of an ``.xlsx`` workbook (see the module docstring)."""
    _openpyxl("Reading a county workbook")
    rep = _Report("County.load")
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - zip / XML errors of any kind
        raise ValidationError(f"The 'folder' parameter of County.load must be a county folder or "
                              f"workbook. Got {path.name!r}, which cannot be read as an Excel "
                              f"workbook ({type(exc).__name__}: {exc}).") from None
    sheets = set(book.sheet_names)
    meta = _read_meta(book, f"sheet {META_SHEET!r} of {path.name}", rep) if META_SHEET in sheets else {}
    netcfg = meta.pop("network", None) or {}
    flat = meta.pop("dtypes", None) or {}
    dtypes: dict[str, dict] = {}
    for key, kind in flat.items():
        t, _, c = str(key).partition(".")
        dtypes.setdefault(t, {})[c] = kind
    net = None
    if "roads" in sheets:
        where = f"sheet 'roads' of {path.name}"
        edges = pd.read_excel(book, sheet_name="roads", keep_default_na=False, na_values=[""])
        missing = [c for c in ("u", "v", "minutes") if c not in edges.columns]
        nodes = None
        if missing:
            rep.add(where, "missing column(s) " + ", ".join(map(repr, missing))
                    + "; expected u, v, minutes[, metres]")
        elif "nodes" in sheets:
            nodes = pd.read_excel(book, sheet_name="nodes", keep_default_na=False, na_values=[""])
            if "id" not in nodes.columns or not {"x", "y"} <= set(nodes.columns):
                rep.add(f"sheet 'nodes' of {path.name}", "expected columns 'id', 'x', 'y'")
                missing = True
            else:
                nodes = nodes.set_index("id")
                if nodes.index.dtype.kind not in "iu":
                    nodes.index = pd.Index(_labels_from_text([str(v) for v in nodes.index]))
        if not missing:
            net = _network_from_tables(edges, nodes, where, rep, bool(netcfg.get("directed", False)),
                                       meta.get("crs"))
    else:
        rep.add(path.name, "no road network: expected a sheet 'roads' (+ 'nodes')")
    tables, where_t = {}, {}
    for name, spec in TABLES.items():
        where_t[name] = f"sheet {name!r} of {path.name}"
        if name not in sheets:
            continue
        df = pd.read_excel(book, sheet_name=name, dtype=str, keep_default_na=False, na_values=[""])
        tables[name] = _type_extra_columns(df, spec, dtypes.get(name))
    rep.raise_if_any()
    return cls(net, meta=meta, max_snap=max_snap, _where=where_t, _func="County.load", **tables)


def _flat_meta(meta, prefix="") -> list:
    rows = []
    for k, v in meta.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            rows += _flat_meta(v, key + ".")
        elif isinstance(v, str):
            rows.append((key, v))
        elif isinstance(v, bool) or (isinstance(v, (int, float)) and math.isfinite(float(v))):
            rows.append((key, v))
        elif v is None:
            continue
        else:
            rows.append((key, _toml_value(v)))
    return rows


def save_workbook(county, path: Path) -> Path:
    """``County.save(path, format="xlsx")``: the county as one workbook that
    :meth:`County.load` reads back unchanged (coordinates in the CRS it was given in)."""
    _openpyxl("Writing a county workbook")
    meta = _output_meta(county.meta)
    meta.pop("network", None)
    meta.pop("dtypes", None)
    dtypes = {}
    frames = {}
    for name, spec in TABLES.items():
        df = getattr(county, name)
        extra = {c: _dtype_name(df[c]) for c in df.columns if c not in spec.columns}
        if extra:
            dtypes.update({f"{name}.{c}": k for c, k in extra.items()})
        if len(df) == 0 and not extra:
            continue
        out = _output_xy(df, county.meta) if spec.located else df.copy()
        for c in out.columns:
            if out[c].dtype.kind == "M":
                out[c] = out[c].dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace("T00:00:00", "", regex=False)
        frames[name] = (out, spec.index is not None)
    if county.network is not None:
        edges, nodes, directed = _network_frames(county.network)
        meta["network"] = {"directed": directed}
        nodes = _output_xy(nodes, county.meta)
        nodes.index.name = "id"
    if dtypes:
        meta["dtypes"] = dtypes
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame(_flat_meta(meta), columns=["key", "value"]).to_excel(
            xw, sheet_name=META_SHEET, index=False)
        if county.network is not None:
            edges.to_excel(xw, sheet_name="roads", index=False)
            nodes.to_excel(xw, sheet_name="nodes")
        for name, (out, with_index) in frames.items():
            out.to_excel(xw, sheet_name=name, index=with_index)
    return path
