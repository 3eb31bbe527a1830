"""What the :class:`~yingji.county.County` constructor checks, and how problems are reported.

``_Report`` (the shared :class:`yingji._validation.Problems` with the county's headings)
collects every problem as "where, row ..., column ...: what" and raises one
:class:`~yingji.ValidationError`; ``_coerce_table`` validates and coerces one table against its
:class:`~yingji.county.TableSpec`; the private mixin ``_Checks`` (inherited by ``County``) holds
the checks across tables: ``county.toml`` keys (``_coerce_meta``), references between tables
(``_check_refs``) and the network nodes of located rows (``_place_nodes``, which snaps them).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from yingji import config
from yingji.county._toml import _toml_scalar_or_list
from yingji.county.specs import (_FALSE, _TRUE, META_DEFAULTS, TABLES, TableSpec, _is_missing,
                                 _missing_mask, _split, _to_str)
from yingji.county.snaplimit import _degree_message, _far_message, degree_rows, resolve_max_snap
from yingji._validation import Problems
from yingji.exceptions import ValidationError

# ----------------------------------------------------------------------------------------
# problem collection naming file, row and column
# ----------------------------------------------------------------------------------------


class _Report(Problems):
    """The problems of county data (files, tables, rows, columns): :class:`yingji._validation.Problems`
    with the county's headings ("Invalid county data (func): ...")."""

    ONE = "Invalid county data ({func}): {item}"
    MANY = "{n} problems with the county data ({func}):"


def _row_ids(df: pd.DataFrame, mask) -> list:
    """Labels of rows where ``mask`` is True (ids, or 0-based row numbers)."""
    mask = np.asarray(mask, dtype=bool)
    return [str(v) if isinstance(v, str) else int(v) if isinstance(v, (int, np.integer)) else v
            for v in df.index[mask]]


# ----------------------------------------------------------------------------------------
# coercion of one table
# ----------------------------------------------------------------------------------------


def _check_magnitude(num: pd.Series, df: pd.DataFrame, where: str, col: str, rep: _Report) -> None:
    """Finite values beyond :data:`yingji.config.MAX_INPUT` (1e12) in absolute value: a typing
    slip (a population of 1e18), refused here rather than overflowing a model later."""
    a = np.asarray(num, dtype=float)
    with np.errstate(invalid="ignore"):
        big = np.isfinite(a) & (np.abs(a) > config.MAX_INPUT)
    if big.any():
        got = [float(v) for v in a[big][:3]]
        rep.add(where, f"must be at most {config.MAX_INPUT:g} in absolute value, got {got}",
                rows=_row_ids(df, big), column=col)


def _coerce_table(spec: TableSpec, df: pd.DataFrame | None, where: str, rep: _Report,
                  node_kind: str) -> pd.DataFrame:
    """Validate and coerce one table; record every problem in ``rep``."""
    if df is None:
        return _empty_table(spec, node_kind)
    if not isinstance(df, pd.DataFrame):
        rep.add(where, f"expected a pandas DataFrame, got {type(df).__name__}")
        return _empty_table(spec, node_kind)
    df = df.copy()
    # --- id index -------------------------------------------------------------------
    if spec.index is not None:
        if spec.index in df.columns:
            df = df.set_index(spec.index)
        elif not isinstance(df.index, pd.RangeIndex) or df.index.name == spec.index:
            pass  # index already holds ids
        else:
            rep.add(where, f"missing id column {spec.index!r} (or an index of ids)")
            df.index = pd.Index([str(i) for i in range(len(df))])
        ids = ["" if _is_missing(v) else str(v) for v in df.index]
        empty = [i for i, v in enumerate(ids) if v.strip() == ""]
        if empty:
            rep.add(where, "empty id", rows=[f"#{i}" for i in empty], column=spec.index)
        df.index = pd.Index(ids, dtype="str", name=spec.index)
        dup = df.index[df.index.duplicated()].unique()
        if len(dup):
            rep.add(where, "duplicate ids", rows=list(dup), column=spec.index)
    else:
        df = df.reset_index(drop=True)
    # --- columns --------------------------------------------------------------------
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        rep.add(where, "missing column(s) " + ", ".join(repr(c) for c in missing)
                + f"; expected at least {spec.required}")
    for col, kind in spec.columns.items():
        if col not in df.columns:
            if col in spec.defaults:
                df[col] = spec.defaults[col]
            elif col == "node":
                continue  # snapped later
            else:
                df[col] = np.nan  # reported as missing above
                continue
        df[col] = _coerce_column(df, col, kind, spec, where, rep, node_kind)
    # known columns first, in spec order, then the caller's extras
    known = [c for c in spec.columns if c in df.columns]
    df = df[known + [c for c in df.columns if c not in spec.columns]]
    # --- values ---------------------------------------------------------------------
    for col in spec.nonneg:
        if col in df.columns and col not in missing:
            with np.errstate(invalid="ignore"):
                bad = np.asarray(df[col].astype(float) < 0)
            if bad.any():
                rep.add(where, f"must be non-negative, got {df[col][bad].astype(float).tolist()[:3]}",
                        rows=_row_ids(df, bad), column=col)
    for col, allowed in spec.choices.items():
        if col not in df.columns or col in missing:
            continue
        if col in spec.lists:
            bad = [not set(_split(v)) <= set(allowed) for v in df[col]]
        else:  # an empty value of a required column was reported as missing already
            bad = [v not in allowed and not (v == "" and col not in spec.defaults)
                   for v in df[col]]
        if any(bad):
            got = sorted({t for v, b in zip(df[col], bad) if b for t in
                          (_split(v) if col in spec.lists else [v]) if t not in allowed})
            rep.add(where, f"unknown value(s) {got}; expected one of {list(allowed)}",
                    rows=_row_ids(df, bad), column=col)
    return df


def _coerce_column(df, col, kind, spec, where, rep, node_kind) -> pd.Series:
    s = df[col]
    required = col not in spec.defaults
    if kind == "node":
        kind = node_kind
    if kind in ("float", "int"):
        # one numpy array through the checks (a column that is numeric already skips parsing)
        if s.dtype.kind in "fiu":
            a = s.to_numpy(dtype=np.float64, copy=True)
            miss = np.isnan(a)
        else:
            num = pd.to_numeric(s, errors="coerce")
            a = num.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
            miss = _missing_mask(s)
            bad = np.isnan(a) & ~miss
            if bad.any():
                got = list(s[bad].astype(str).iloc[:3])
                rep.add(where, f"expected a number, got {got}", rows=_row_ids(df, bad), column=col)
        nan = np.isnan(a)
        if kind == "int":
            if miss.any():
                if required:
                    rep.add(where, "missing value", rows=_row_ids(df, miss), column=col)
                a[nan] = spec.defaults.get(col, 0)
            # a cell that is not a number (reported above) is left as an empty 'node' cell
            # would be (-1), not read as node 0
            a[np.isnan(a)] = -1 if col == "node" else 0
            inf = np.isinf(a)
            if inf.any():
                rep.add(where, "expected a finite whole number, got inf", rows=_row_ids(df, inf), column=col)
                a[inf] = 0
            _check_magnitude(a, df, where, col, rep)
            frac = a % 1 != 0
            if frac.any():
                rep.add(where, "expected a whole number", rows=_row_ids(df, frac), column=col)
            return pd.Series(np.round(a).astype("int64"), index=s.index)
        alt = spec.alternatives.get(col)
        if alt is not None and alt in df.columns:  # the alternative column stands in row by row
            miss = miss & _missing_mask(df[alt])
        if required and miss.any():
            rep.add(where, "missing value" + (f" (and no {alt!r})" if alt else ""),
                    rows=_row_ids(df, miss), column=col)
        if col in spec.defaults and miss.any():
            a[nan] = spec.defaults[col]
        inf = np.isinf(a)
        if inf.any():
            rep.add(where, f"must be finite, got {a[inf].tolist()[:3]}", rows=_row_ids(df, inf), column=col)
        _check_magnitude(a, df, where, col, rep)
        return pd.Series(a, index=s.index)
    if kind == "str":
        miss = _missing_mask(s)
        if required and miss.any() and col not in spec.defaults:
            rep.add(where, "missing value", rows=_row_ids(df, miss), column=col)
        if col in spec.defaults and miss.any():
            s = s.where(~miss, spec.defaults[col])
        return _to_str(s)
    if kind == "bool":
        if s.dtype == bool:
            return s.astype(bool)
        out, bad = [], []
        for v in s:
            if isinstance(v, (bool, np.bool_)):
                out.append(bool(v)); bad.append(False); continue
            if _is_missing(v):
                out.append(bool(spec.defaults.get(col, False))); bad.append(False); continue
            t = str(v).strip().lower()
            if t.endswith(".0"):
                t = t[:-2]
            out.append(t in _TRUE)
            bad.append(t not in _TRUE and t not in _FALSE)
        if any(bad):
            rep.add(where, "expected true/false", rows=_row_ids(df, bad), column=col)
        return pd.Series(out, index=s.index, dtype=bool)
    if kind == "date":
        miss = _missing_mask(s)
        conv = pd.to_datetime(s.where(~miss, None), errors="coerce", format="ISO8601")
        bad = np.asarray(conv.isna()) & ~miss
        if bad.any():
            rep.add(where, f"expected a date (YYYY-MM-DD), got {list(s[bad].astype(str).iloc[:3])}",
                    rows=_row_ids(df, bad), column=col)
        return conv.astype("datetime64[ns]")
    if kind == "label_int":
        num = pd.to_numeric(s, errors="coerce")
        miss = _missing_mask(s)
        bad = (np.asarray(num.isna()) & ~miss) | np.asarray((num.fillna(0) % 1) != 0)
        if bad.any():
            rep.add(where, "expected an integer node label", rows=_row_ids(df, bad), column=col)
        return num.fillna(-1).astype(float).round().astype("int64")
    if kind == "label_str":
        return _to_str(s)
    raise AssertionError(kind)  # pragma: no cover - programming error


def _empty_table(spec: TableSpec, node_kind: str) -> pd.DataFrame:
    data = {}
    for col, kind in spec.columns.items():
        if kind == "node":
            kind = node_kind
        dtype = {"float": "float64", "int": "int64", "str": "str", "bool": bool,
                 "date": "datetime64[ns]", "label_int": "int64", "label_str": "str"}[kind]
        data[col] = pd.Series([], dtype=dtype)
    df = pd.DataFrame(data)
    if spec.index is not None:
        df.index = pd.Index([], dtype="str", name=spec.index)
    return df


# ----------------------------------------------------------------------------------------
# checks across tables (methods of County)
# ----------------------------------------------------------------------------------------


class _Checks:
    """``County._coerce_meta``, ``_check_refs`` and ``_place_nodes`` (called by the constructor)."""

    @staticmethod
    def _coerce_meta(meta, rep) -> dict:
        out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in META_DEFAULTS.items()}
        if meta is None:
            return out
        if not isinstance(meta, Mapping):
            rep.add("parameter 'meta'", f"expected a mapping, got {type(meta).__name__}")
            return out
        for k, v in meta.items():
            if k == "time_limits" and isinstance(v, Mapping):
                out["time_limits"] = {**out["time_limits"], **dict(v)}
            elif k == "time_limits":
                rep.add("county.toml", f"[time_limits] must be a table of seconds (solve, "
                        f"demo_section), got {type(v).__name__} {v!r}"[:200])
            else:
                out[k] = v
        try:
            out["area_km2"] = float("nan") if out["area_km2"] is None else float(out["area_km2"])
        except (TypeError, ValueError):
            rep.add("county.toml", f"'area_km2' must be a number (km²), got {out['area_km2']!r}")
        for k, v in out.items():
            if isinstance(v, Mapping):
                for k2, v2 in v.items():
                    if not _toml_scalar_or_list(v2):
                        rep.add("county.toml", f"key {k}.{k2} must be a string, number, boolean "
                                f"or list of those (one level of tables), got "
                                f"{type(v2).__name__}")
            elif not _toml_scalar_or_list(v):
                rep.add("county.toml", f"key {k!r} must be a string, number, boolean, list of "
                        f"those or a table of them, got {type(v).__name__}")
        for k, v in out["time_limits"].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                rep.add("county.toml", f"time limit {k!r} must be a positive number of seconds, "
                        f"got {v!r}")
        return out

    def _check_refs(self, rep: _Report, where) -> None:
        st = set(self.stations.index)
        if len(self.units):
            bad = ~self.units["station"].isin(st).to_numpy()
            if bad.any():
                rep.add(where["units"], f"unknown station id(s) "
                        f"{sorted(set(self.units['station'][bad]))[:8]} (not in stations)",
                        rows=_row_ids(self.units, bad), column="station")
        if len(self.stock):
            bad = ~self.stock["depot"].isin(set(self.depots.index)).to_numpy()
            if bad.any():
                rep.add(where["stock"], f"unknown depot id(s) "
                        f"{sorted(set(self.stock['depot'][bad]))[:8]} (not in depots)",
                        rows=_row_ids(self.stock, bad), column="depot")
            if len(self.items):
                bad = ~self.stock["item"].isin(set(self.items["item"])).to_numpy()
                if bad.any():
                    rep.add(where["stock"], f"unknown item(s) "
                            f"{sorted(set(self.stock['item'][bad]))[:8]} (not in items)",
                            rows=_row_ids(self.stock, bad), column="item")
        for name, key in (("items", "item"), ("indicators", "metric")):
            t = getattr(self, name)
            if len(t):
                dup = t[key][t[key].duplicated()].unique()
                if len(dup):
                    rep.add(where[name], f"duplicate {key}(s) {list(dup)[:8]}", column=key)
                empty = (t[key].str.strip() == "").to_numpy()
                if empty.any():
                    rep.add(where[name], "empty value", rows=_row_ids(t, empty), column=key)

    def _place_nodes(self, rep: _Report, where, nk: str, max_snap) -> None:
        """Snap located rows without a node (limit ``max_snap`` metres, resolved by
        :func:`~yingji.county.snaplimit.resolve_max_snap`), check the given nodes exist."""
        net = self.network
        known = None
        self._snapped = {}
        limit = resolve_max_snap(max_snap, net, rep, "parameter 'max_snap' (max_snap_m in county.toml)")
        self.max_snap_m = limit
        crs = self.meta.get("crs")
        for name, spec in TABLES.items():
            if not spec.located:
                continue
            df = getattr(self, name)
            if "node" not in df.columns:
                if len(df) == 0:
                    df.insert(2, "node", _empty_table(spec, nk)["node"])
                    continue
                if net is None:
                    rep.add(where[name], "no 'node' column and no network to snap to")
                    continue
                # rows without finite coordinates were reported by _coerce_table (x and y are
                # required): the others are snapped, so that one error lists every problem
                xy = df[["x", "y"]].to_numpy(float)
                ok = np.isfinite(xy).all(axis=1)
                nodes = self._snap_rows(rep, where[name], df.index[ok], xy[ok], limit, crs) \
                    if ok.any() else None
                if nodes is None or not ok.all():
                    # the county will not be built (problems recorded): a placeholder column
                    df.insert(2, "node", _empty_table(spec, nk)["node"].reindex(df.index))
                    continue
                self._snapped[name] = df.index.tolist()
                df.insert(2, "node", pd.Series(nodes, index=df.index,
                                               dtype="int64" if nk == "label_int" else "str"))
                continue
            if net is None or len(df) == 0:
                continue
            if known is None:
                known = set(np.asarray(net.node_ids).tolist())
            # an empty 'node' cell means "snap me", as a missing column does (a new row typed in
            # by hand): rows with coordinates get their nearest node
            if nk == "label_int":
                empty = (df["node"] == -1).to_numpy() & (-1 not in known)
            else:
                empty = df["node"].isna().to_numpy() | (df["node"].astype(str).str.strip() == "").to_numpy()
            if empty.any() and {"x", "y"} <= set(df.columns):
                xy = df.loc[empty, ["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
                ok = np.isfinite(xy).all(axis=1)
                if ok.any():
                    idx = df.index[np.nonzero(empty)[0][ok]]
                    snapped = self._snap_rows(rep, where[name], idx, xy[ok], limit, crs)
                    if snapped is not None:
                        self._snapped[name] = idx.tolist()
                        col = df["node"].astype(object)
                        col.loc[idx] = np.asarray(snapped).tolist()
                        df["node"] = col.astype("int64" if nk == "label_int" else "str")
                        empty[np.nonzero(empty)[0][ok]] = False
            # the nodes given in the table (an empty cell left unsnapped was reported above, or
            # as a missing coordinate)
            bad = ~df["node"].isin(known).to_numpy() & ~empty
            if bad.any():
                rep.add(where[name], f"node(s) {sorted(set(df['node'][bad].tolist()))[:8]} "
                        "not in the network", rows=_row_ids(df, bad), column="node")

    def _snap_rows(self, rep: _Report, where: str, ids, xy: np.ndarray, limit, crs):
        """Nearest nodes of rows ``ids`` at ``xy``, or None after recording why not (coordinates
        in degrees on a metre network, points beyond ``limit`` metres, a failed snap)."""
        if limit is None:  # a bad limit, reported already
            return None
        deg = degree_rows(xy, self.network, crs)
        if deg.any():
            rep.add(where, _degree_message([ids[i] for i in np.flatnonzero(deg)], xy[deg]),
                    column="x, y")
            return None
        try:
            nodes, metres = self.network.snap(xy[:, 0], xy[:, 1], return_distance=True)
        except ValidationError as exc:
            rep.add(where, f"snapping to the network failed: {exc}")
            return None
        metres = np.atleast_1d(np.asarray(metres, dtype=float))
        far = np.flatnonzero(metres > limit)
        if far.size:
            order = far[np.argsort(-metres[far], kind="stable")]
            rep.add(where, _far_message([ids[i] for i in order], metres[order], limit),
                    column="x, y")
            return None
        return np.atleast_1d(np.asarray(nodes))
