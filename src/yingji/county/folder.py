"""The folder form of a county: CSV tables, the road network (``roads.csv`` + ``nodes.csv`` or
``roads.graphml``) and ``county.toml`` (methods of the private mixin ``_Folder``, which
:class:`~yingji.county.County` inherits: ``load``, ``save``), and the types of extra CSV
columns."""

from __future__ import annotations

import io
import math
import tomllib
import warnings
from pathlib import Path
from typing import Mapping

import pandas as pd

from yingji.county._toml import _toml_dumps
from yingji.county.checks import _Report
from yingji.county.roads import _labels_from_text, _network_frames, _network_from_frames
from yingji.county.specs import _TRUE, TABLES, _dtype_name, _to_str
from yingji.exceptions import ValidationError, YingjiWarning
from yingji.network.hours import _profile_long, speed_profile


class _Folder:
    """``County.load``, ``County.save`` (and ``_load_network``)."""

    @classmethod
    def load(cls, folder, *, max_snap: float | None = None) -> "County":
        """Read a county folder.

        Parameters
        ----------
        folder : str or path
            Holding ``county.toml`` (optional), the road network as ``roads.csv`` +
            ``nodes.csv`` (or the files named in ``[network]`` of ``county.toml``), or
            ``roads.graphml``, and any of the table CSVs (``demand.csv``,
            ``stations.csv``, ... see ``docs/data-formats.md``). Absent tables are empty.
        max_snap : float, optional
            Largest snap distance, metres (see :class:`County`).

        Returns
        -------
        County

        Raises
        ------
        ValidationError
            Naming file, row and column of every problem (and the missing network).
        """
        folder = Path(folder)
        rep = _Report("County.load")
        if not folder.is_dir():
            raise ValidationError(f"The 'folder' parameter of County.load must be an existing "
                                  f"folder. Got {str(folder)!r} instead.")
        meta: dict = {}
        toml_path = folder / "county.toml"
        if toml_path.exists():
            try:
                meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                rep.add("county.toml", f"not valid TOML ({exc})")
        encoding = meta.pop("encoding", None)
        if encoding is not None and not isinstance(encoding, str):
            rep.add("county.toml", f"'encoding' must be a text such as \"gb18030\"; got {encoding!r}")
            encoding = None
        netcfg = meta.pop("network", {}) if isinstance(meta.get("network"), Mapping) else {}
        flat = meta.pop("dtypes", {}) if isinstance(meta.get("dtypes"), Mapping) else {}
        dtypes: dict[str, dict] = {}
        for key, kind in flat.items():
            t, _, c = str(key).partition(".")
            dtypes.setdefault(t, {})[c] = kind
        net = cls._load_network(folder, netcfg, rep, meta.get("crs"), encoding)
        if net is not None and netcfg.get("speed_profile"):
            net = _load_profile(net, folder / str(netcfg["speed_profile"]), rep, encoding)
        tables, where = {}, {}
        for name, spec in TABLES.items():
            path = folder / f"{name}.csv"
            where[name] = path.name
            if not path.exists():
                continue
            try:
                df = _read_csv(path, encoding, dtype=str, keep_default_na=False, na_values=[""])
            except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
                rep.add(path.name, f"cannot be read as CSV ({exc})")
                continue
            extra = dtypes.get(name, {}) if isinstance(dtypes.get(name), Mapping) else {}
            for col, kind in extra.items():
                if col in df.columns and col not in spec.columns:
                    df[col] = _restore_text_col(df[col], kind)
            for col in df.columns:
                if col not in spec.columns and col != spec.index and col not in extra:
                    df[col] = _infer_text_col(df[col])
            tables[name] = df
        rep.raise_if_any()
        return cls(net, meta=meta, max_snap=max_snap, _where=where, _func="County.load",
                   **tables)

    @staticmethod
    def _load_network(folder: Path, cfg: Mapping, rep: _Report, crs=None, encoding=None):
        roads = folder / str(cfg.get("roads", "roads.csv"))
        graphml = folder / str(cfg.get("graphml", "roads.graphml"))
        directed = bool(cfg.get("directed", False))
        if roads.exists():
            nodes_path = folder / str(cfg.get("nodes", "nodes.csv"))
            try:
                edges = _read_csv(roads, encoding, keep_default_na=False, na_values=[""])
            except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
                rep.add(roads.name, f"cannot be read as CSV ({exc})")
                return None
            missing = [c for c in ("u", "v", "minutes") if c not in edges.columns]
            if missing:
                rep.add(roads.name, "missing column(s) " + ", ".join(map(repr, missing))
                        + "; expected u, v, minutes[, metres]")
                return None
            nodes = None
            if nodes_path.exists():
                try:
                    nodes = _read_csv(nodes_path, encoding, keep_default_na=False, na_values=[""])
                except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
                    rep.add(nodes_path.name, f"cannot be read as CSV ({exc})")
                    return None
                if "id" not in nodes.columns or not {"x", "y"} <= set(nodes.columns):
                    rep.add(nodes_path.name, "expected columns 'id', 'x', 'y'")
                    return None
                nodes = nodes.set_index("id")
                if nodes.index.dtype.kind not in "iu":
                    nodes.index = pd.Index(_labels_from_text([str(v) for v in nodes.index]))
            for c in ("u", "v"):
                if edges[c].dtype.kind not in "iu":
                    edges[c] = _labels_from_text([str(v) for v in edges[c]])
            try:
                return _network_from_frames(edges, nodes, directed, crs)
            except ValidationError as exc:
                rep.add(roads.name, str(exc))
                return None
        if graphml.exists():
            from yingji.network import Network

            try:
                return Network.from_graphml(graphml, weight="minutes", unit="min",
                                            warn_disconnected=False)
            except Exception as exc:  # noqa: BLE001 - networkx/XML parse errors of any kind
                rep.add(graphml.name, f"cannot be read as a road network "
                        f"({type(exc).__name__}: {exc})")
                return None
        rep.add(str(folder), "no road network: expected roads.csv (+ nodes.csv) or roads.graphml")
        return None

    def save(self, folder, *, network_format: str = "csv", overwrite: bool = True) -> Path:
        """Write the county to a folder that :meth:`load` reads back unchanged.

        Parameters
        ----------
        folder : str or path
            Created if absent.
        network_format : {"csv", "graphml"}
            ``roads.csv`` + ``nodes.csv`` (default) or ``roads.graphml``.
        overwrite : bool
            If False, an existing ``county.toml`` in the folder is an error.

        Returns
        -------
        pathlib.Path
            The folder.

        Raises
        ------
        ValidationError
            Bad ``network_format``, or ``overwrite=False`` and a county is there.
        """
        if network_format not in ("csv", "graphml"):
            raise ValidationError(f"The 'network_format' parameter of County.save must be "
                                  f"'csv' or 'graphml'. Got {network_format!r} instead.")
        folder = Path(folder)
        if not overwrite and (folder / "county.toml").exists():
            raise ValidationError(f"The 'folder' parameter of County.save must not hold a county "
                                  f"when overwrite=False. Got {str(folder)!r} instead.")
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta)
        dtypes = {}
        for name, spec in TABLES.items():
            df = getattr(self, name)
            extra = {c: _dtype_name(df[c]) for c in df.columns if c not in spec.columns}
            if extra:
                dtypes[name] = extra
            path = folder / f"{name}.csv"
            if len(df) == 0 and not extra:
                if path.exists():
                    path.unlink()
                continue
            out = df.copy()
            for c in out.columns:
                if out[c].dtype.kind == "M":
                    out[c] = out[c].dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace(
                        "T00:00:00", "", regex=False)
                elif out[c].dtype.kind == "f":
                    out[c] = [("" if math.isnan(v) else repr(float(v))) for v in out[c]]
            out.to_csv(path, index=spec.index is not None, encoding="utf-8",
                       lineterminator="\n")
        if self.network is not None:
            edges, nodes, directed = _network_frames(self.network)
            meta["network"] = {"directed": directed}
            for stale in ("roads.csv", "nodes.csv", "roads.graphml"):
                if (folder / stale).exists():
                    (folder / stale).unlink()
            if network_format == "csv":
                meta["network"].update(roads="roads.csv", nodes="nodes.csv")
                e = edges.copy()
                for c in e.columns:
                    if e[c].dtype.kind == "f":
                        e[c] = [("" if math.isnan(v) else repr(float(v))) for v in e[c]]
                e.to_csv(folder / "roads.csv", index=False, lineterminator="\n")
                n = nodes.copy()
                n.index.name = "id"
                for c in n.columns:
                    if n[c].dtype.kind == "f":
                        n[c] = [("" if math.isnan(v) else repr(float(v))) for v in n[c]]
                n.to_csv(folder / "nodes.csv", lineterminator="\n")
            else:
                meta["network"]["graphml"] = "roads.graphml"
                self.network.to_graphml(folder / "roads.graphml")
            if (folder / "speed_profile.csv").exists():
                (folder / "speed_profile.csv").unlink()
            if self.network.has_own_profile:
                meta["network"]["speed_profile"] = "speed_profile.csv"
                _profile_long(self.network.speed_profile).to_csv(folder / "speed_profile.csv", index=False,
                                                                 lineterminator="\n")
        # dtypes of extra columns, as "table.column" keys under [dtypes]
        meta.pop("dtypes", None)
        if dtypes:
            meta["dtypes"] = {f"{t}.{c}": k for t, m in dtypes.items() for c, k in m.items()}
        (folder / "county.toml").write_text(_toml_dumps(meta), encoding="utf-8")
        return folder


def _restore_text_col(s: pd.Series, kind: str) -> pd.Series:
    if kind == "float":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if kind == "int":
        return pd.to_numeric(s, errors="coerce").astype("int64")
    if kind == "bool":
        return s.fillna("").str.strip().str.lower().isin(_TRUE)
    if kind == "date":
        return pd.to_datetime(s, format="ISO8601").astype("datetime64[ns]")
    return _to_str(s)


def _infer_text_col(s: pd.Series) -> pd.Series:
    """Type of an extra CSV column without a recorded dtype: int, float, bool or str."""
    words = {str(v).strip().lower() for v in s.dropna()}
    if words and words <= {"true", "false"}:
        return s.fillna("").str.strip().str.lower().eq("true")
    num = pd.to_numeric(s, errors="coerce")
    if (num.notna() | s.isna()).all() and s.notna().any():
        if (num.dropna() % 1 == 0).all() and s.notna().all() and not s.str.contains(r"[.eE]").any():
            return num.astype("int64")
        return num.astype("float64")
    return _to_str(s)


#: Encodings tried, in order, for a county CSV when ``county.toml`` names none: UTF-8 (with or
#: without the byte-order mark Excel writes), then GB 18030 (a superset of GBK / GB 2312, what
#: Excel on Chinese Windows saves "CSV" as).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def _read_csv(path: Path, encoding=None, **kw) -> pd.DataFrame:
    """A county CSV in ``encoding`` (from ``county.toml``), else the first of :data:`CSV_ENCODINGS`
    that decodes it; a :class:`yingji.YingjiWarning` says when it was not UTF-8."""
    if encoding:
        return pd.read_csv(path, encoding=encoding, **kw)
    raw = Path(path).read_bytes()
    last = None
    for enc in CSV_ENCODINGS:
        try:
            raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        if enc != "utf-8-sig":
            warnings.warn(f"{Path(path).name} is not UTF-8: read as {enc.upper()} (set encoding = \"{enc}\" "
                          f"in county.toml to say so, or save the file as UTF-8).", YingjiWarning, stacklevel=4)
        return pd.read_csv(io.BytesIO(raw), encoding=enc, **kw)
    raise last


def _load_profile(net, path: Path, rep: _Report, encoding=None):
    """The network with the county's speed profile (``[network] speed_profile`` of county.toml)."""
    if not path.exists():
        rep.add("county.toml", f"[network] speed_profile names {path.name!r}, which is not in the folder")
        return net
    try:
        table = _read_csv(path, encoding, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
        rep.add(path.name, f"cannot be read as CSV ({exc})")
        return net
    try:
        return net.with_speed_profile(speed_profile(table, name=path.name, func="County.load"))
    except ValidationError as exc:
        rep.add(path.name, str(exc))
        return net
