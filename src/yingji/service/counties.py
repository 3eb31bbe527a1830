"""Uploaded counties: ``POST /v1/counties`` stores one, ``{"county": {"id": ...}}`` reads it.

An upload is a county JSON document (:meth:`yingji.County.to_json`) or a zipped county folder
(what :meth:`yingji.County.load` reads). Either way it is read and checked by yingji's own
loaders (:func:`yingji.datasets.read_county`), written back as the canonical JSON document and
named by the SHA-256 of that document: the same county uploaded twice gets the same id, and an
id always means the same data. Files live in ``<data>/counties/<id>.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path

from yingji.api import BadRequest
from yingji.exceptions import ValidationError

__all__ = ["CountyStore", "county_id"]

_ID_CHARS = set("0123456789abcdef")
_MAX_ZIP_MEMBERS = 2000
# warnings.catch_warnings changes process-wide state: uploads read one at a time (they are
# rare; requests and jobs run in other processes)
_READ_LOCK = threading.Lock()


def county_id(doc_text: str) -> str:
    """The id of a canonical county document: the first 32 hex digits of its SHA-256."""
    return hashlib.sha256(doc_text.encode("utf-8")).hexdigest()[:32]


class CountyStore:
    """Counties under ``<folder>``, by content hash.

    Parameters
    ----------
    folder : str or Path
        Where the documents are written (created when missing).
    max_unzipped : int
        Largest total size (bytes) a zipped folder may unpack to (a zip bomb is refused).
    cache : int
        Counties kept parsed in memory by :meth:`resolve` (per process).
    """

    def __init__(self, folder, *, max_unzipped: int = 512 * 2**20, cache: int = 4):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_unzipped = int(max_unzipped)
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = int(cache)
        self._lock = threading.Lock()

    def path_of(self, cid: str) -> Path:
        cid = str(cid)
        if not (8 <= len(cid) <= 64 and set(cid) <= _ID_CHARS):
            raise BadRequest(f"No uploaded county with id {cid!r} (an id is the hex string "
                             "POST /v1/counties returned).", [f"$.county.id: {cid!r} unknown"])
        return self.folder / f"{cid}.json"

    # -- upload ------------------------------------------------------------------------
    def add(self, body: bytes, content_type: str = "application/json") -> dict:
        """Read, check and store an upload; returns ``{"id", "name", "bytes", "warnings"}``.

        ``warnings`` lists what the loaders warned about while reading it (a CSV that was not
        UTF-8 and was read as GB18030, ...), as ``"YingjiWarning: ..."`` texts: the caller
        sees them in the response instead of the server's log.

        Raises
        ------
        ValidationError
            Not a county (the loader's message names file, row and column), a bad zip, or a
            zip that unpacks to more than ``max_unzipped`` bytes.
        """
        with _READ_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            county = self._read(body, content_type)
        notes: list[str] = []
        for w in caught:
            text = f"{w.category.__name__}: {w.message}"
            if text not in notes:
                notes.append(text)
        text = county.to_json()
        cid = county_id(text)
        target = self.folder / f"{cid}.json"
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        name = getattr(county, "name", None) or (county.meta.get("name") if hasattr(county, "meta")
                                                 and isinstance(county.meta, dict) else None)
        return {"id": cid, "name": name, "bytes": len(text.encode("utf-8")),
                "warnings": notes[:50]}

    def _read(self, body: bytes, content_type: str):
        from yingji.datasets import read_county

        if body[:4] == b"PK\x03\x04" or "zip" in (content_type or ""):
            return self._from_zip(body)
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"The uploaded county is neither a zip file nor JSON: {exc}.",
                                  [f"body: not JSON ({exc})"]) from None
        if not isinstance(doc, dict) or doc.get("format") != "yingji.county":
            raise ValidationError("The uploaded JSON is not a county document "
                                  "(County.to_json(): \"format\": \"yingji.county\").",
                                  ["body.format: expected 'yingji.county'"])
        return read_county(doc, func="POST /v1/counties", param="body")

    def _from_zip(self, body: bytes):
        from yingji.datasets import read_county

        try:
            zf = zipfile.ZipFile(io.BytesIO(body))
        except zipfile.BadZipFile as exc:
            raise ValidationError(f"The uploaded county is not a valid zip file: {exc}.",
                                  [f"body: bad zip ({exc})"]) from None
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if len(infos) > _MAX_ZIP_MEMBERS or total > self.max_unzipped:
            raise ValidationError(f"The zipped county unpacks to {len(infos)} files and {total} "
                                  f"bytes; the limits are {_MAX_ZIP_MEMBERS} files and "
                                  f"{self.max_unzipped} bytes.", ["body: zip too large"])
        with tempfile.TemporaryDirectory(prefix="yingji-upload-") as tmp:
            root = Path(tmp).resolve()
            for info in infos:
                dest = (root / info.filename).resolve()
                if root not in dest.parents and dest != root:
                    raise ValidationError(f"The zipped county has a member outside its folder: "
                                          f"{info.filename!r}.", [f"body: {info.filename!r}"])
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    out.write(src.read(self.max_unzipped + 1))
            folder = _county_folder(root)
            return read_county(folder, func="POST /v1/counties", param="body (zip)")

    # -- lookup ------------------------------------------------------------------------
    def resolve(self, cid: str):
        """The stored county ``cid`` (a :class:`yingji.County`); BadRequest for an unknown id."""
        from yingji.county import County

        path = self.path_of(cid)
        with self._lock:
            doc = self._cache.get(cid)
            if doc is not None:
                self._cache.move_to_end(cid)
        if doc is None:
            if not path.exists():
                raise BadRequest(f"No uploaded county with id {cid!r}; upload it first "
                                 "(POST /v1/counties).", [f"$.county.id: {cid!r} unknown"])
            doc = json.loads(path.read_text(encoding="utf-8"))
            with self._lock:
                self._cache[cid] = doc
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return County.from_json(doc)

    def document(self, cid: str) -> dict:
        """The stored document itself (what a dask worker gets instead of a server path)."""
        path = self.path_of(cid)
        if not path.exists():
            raise BadRequest(f"No uploaded county with id {cid!r}; upload it first "
                             "(POST /v1/counties).", [f"$.county.id: {cid!r} unknown"])
        return json.loads(path.read_text(encoding="utf-8"))

    def exists(self, cid: str) -> bool:
        try:
            return self.path_of(cid).exists()
        except BadRequest:
            return False


def _county_folder(root: Path) -> Path:
    """The folder of an unpacked zip holding the county (the root or its single subfolder)."""
    if (root / "county.toml").exists() or any(root.glob("*.csv")):
        return root
    subs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("__", "."))]
    if len(subs) == 1:
        return _county_folder(subs[0])
    raise ValidationError("The zipped county has no county.toml or tables at its top level nor in "
                          "a single folder.", ["body (zip): no county folder"])
