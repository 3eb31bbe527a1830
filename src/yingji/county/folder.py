"""The folder form of a county: CSV tables, the road network (``roads.csv`` + ``nodes.csv`` or
``roads.graphml``) and ``county.toml`` (methods of the private mixin ``_Folder``, which
:class:`~yingji.county.County` inherits: ``load``, ``save``), and the types of extra CSV
columns."""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
import tomllib
import warnings
from pathlib import Path
from typing import Mapping

import pandas as pd

from yingji.county._toml import _toml_dumps
from yingji.county.checks import _Report
from yingji.county.coords import _output_meta, _output_xy
from yingji.county.columns import _type_extra_columns
from yingji.county.layers import find_layers, read_layer
from yingji.county.roads import _labels_from_text, _network_frames, _network_from_tables
from yingji.county.specs import TABLES, _dtype_name
from yingji.county.workbook import WORKBOOK_SUFFIXES, load_workbook, save_workbook
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
            ``stations.csv``, ... see ``docs/data-formats.md``) or GIS layers
            (``demand.gpkg``, ``.geojson``, ``.shp``, or ``[layers]`` in ``county.toml``).
            Absent tables are empty. An ``.xlsx`` workbook (one sheet per table, see
            :mod:`yingji.county.workbook`) is read too.
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
        if folder.is_file() and folder.suffix.lower() in WORKBOOK_SUFFIXES:
            return load_workbook(cls, folder, max_snap)
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
        layer_cfg = meta.pop("layers", {}) if isinstance(meta.get("layers"), Mapping) else {}
        located = [n for n, sp in TABLES.items() if sp.located]
        tables, where = {}, {}
        for name, (path, layer) in find_layers(folder, layer_cfg, located, rep).items():
            df, where[name], crs = read_layer(path, layer, meta.get("crs") or None, rep,
                                              TABLES[name].columns)
            if crs and not meta.get("crs"):
                meta["crs"] = crs  # the county names no CRS: the layer's own
            if df is not None:
                tables[name] = df
        net = cls._load_network(folder, netcfg, rep, meta.get("crs"), encoding)
        if net is not None and netcfg.get("speed_profile"):
            net = _load_profile(net, folder / str(netcfg["speed_profile"]), rep, encoding)
        for name, spec in TABLES.items():
            path = folder / f"{name}.csv"
            if name in tables or not path.exists():
                where.setdefault(name, path.name)
                continue
            where[name] = path.name
            try:
                df = _read_csv(path, encoding, dtype=str, keep_default_na=False, na_values=[""])
            except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
                rep.add(path.name, f"cannot be read as CSV ({exc})")
                continue
            tables[name] = _type_extra_columns(df, spec, dtypes.get(name))
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
            return _network_from_tables(edges, nodes, roads.name, rep, directed, crs)
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

    def save(self, folder, *, format: str | None = None, network_format: str = "csv",
             overwrite: bool = True) -> Path:
        """Write the county to a folder (or workbook) that :meth:`load` reads back unchanged.

        Coordinates are written in the CRS the county was given in (lon/lat for a county
        loaded in lon/lat; ``meta["input_crs"]``).

        Parameters
        ----------
        folder : str or path
            Created if absent.
        format : {"folder", "xlsx"}, optional
            CSV files and ``county.toml`` in a folder, or one Excel workbook (one sheet per
            table, :mod:`yingji.county.workbook`; needs openpyxl). Default: ``"xlsx"`` when
            the path ends in ``.xlsx``, else ``"folder"``.
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
            Bad ``network_format``, ``folder`` is a file, or ``overwrite=False`` and a county
            is there.

        Notes
        -----
        The files are written to a temporary folder beside ``folder`` first and moved in place
        only when all of them were written, so a failed save leaves no half-written folder
        (a new folder appears in one rename; in an existing one, files other than the
        county's own are left alone).
        """
        if format is None:
            format = "xlsx" if str(folder).lower().endswith(WORKBOOK_SUFFIXES) else "folder"
        if format not in ("folder", "xlsx"):
            raise ValidationError(f"The 'format' parameter of County.save must be 'folder' or "
                                  f"'xlsx'. Got {format!r} instead.")
        if format == "xlsx":
            path = Path(folder)
            if not overwrite and path.exists():
                raise ValidationError(f"The 'folder' parameter of County.save must not be an "
                                      f"existing file when overwrite=False. Got {str(path)!r} instead.")
            return save_workbook(self, path)
        if network_format not in ("csv", "graphml"):
            raise ValidationError(f"The 'network_format' parameter of County.save must be "
                                  f"'csv' or 'graphml'. Got {network_format!r} instead.")
        folder = Path(folder)
        if not overwrite and (folder / "county.toml").exists():
            raise ValidationError(f"The 'folder' parameter of County.save must not hold a county "
                                  f"when overwrite=False. Got {str(folder)!r} instead.")
        if folder.exists() and not folder.is_dir():
            raise ValidationError(f"The 'folder' parameter of County.save must be a folder. Got "
                                  f"{str(folder)!r} instead, which is a file.")
        # written to a temporary folder beside the target, then moved in place: a save that
        # fails (a full disk, a value TOML cannot hold) leaves no half-written county behind
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.saving-", dir=folder.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private (0700); a county folder is not
        try:
            self._write_folder(tmp, network_format)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _move_into(tmp, folder)
        return folder

    def _write_folder(self, folder: Path, network_format: str) -> None:
        """Every file of the county into ``folder`` (a fresh, empty one)."""
        meta = _output_meta(self.meta)
        dtypes = {}
        for name, spec in TABLES.items():
            df = _output_xy(getattr(self, name), self.meta) if spec.located else getattr(self, name)
            extra = {c: _dtype_name(df[c]) for c in df.columns if c not in spec.columns}
            if extra:
                dtypes[name] = extra
            path = folder / f"{name}.csv"
            if len(df) == 0 and not extra:
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
            nodes = _output_xy(nodes, self.meta)
            meta["network"] = {"directed": directed}
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
                net = self.network
                if self.meta.get("input_crs") and net.has_coords:
                    net = net.with_coords(nodes[["x", "y"]].to_numpy(float), self.meta["input_crs"])
                net.to_graphml(folder / "roads.graphml")
            if self.network.has_own_profile:
                meta["network"]["speed_profile"] = "speed_profile.csv"
                _profile_long(self.network.speed_profile).to_csv(folder / "speed_profile.csv", index=False,
                                                                 lineterminator="\n")
        # dtypes of extra columns, as "table.column" keys under [dtypes]
        meta.pop("dtypes", None)
        if dtypes:
            meta["dtypes"] = {f"{t}.{c}": k for t, m in dtypes.items() for c, k in m.items()}
        (folder / "county.toml").write_text(_toml_dumps(meta), encoding="utf-8")


#: Files :meth:`County.save` owns in a folder: replaced (or removed when the county has no such
#: table) on every save; any other file there is left alone.
_OWNED = ("county.toml", "roads.csv", "nodes.csv", "roads.graphml", "speed_profile.csv") + tuple(f"{n}.csv" for n in TABLES)


def _move_into(tmp: Path, folder: Path) -> None:
    """Put the files written in ``tmp`` in place: a new folder is ``tmp`` renamed (atomic); an
    existing one gets each file replaced (``os.replace``) only after all were written, and the
    county files this save did not write removed."""
    if not folder.exists():
        try:
            os.replace(tmp, folder)
            return
        except OSError:  # created meanwhile: fall through to the file-by-file move
            pass
    written = {p.name for p in tmp.iterdir()}
    try:
        for name in sorted(written):
            os.replace(tmp / name, folder / name)
        for name in _OWNED:
            if name not in written and (folder / name).exists():
                (folder / name).unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
