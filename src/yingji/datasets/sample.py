"""The embedded sample county "XX县" (package data; see docs/sample_county.md)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping

from yingji.county import County
from yingji.exceptions import ValidationError

__all__ = ["sample_county", "sample_county_path", "read_county"]


def sample_county_path() -> Path:
    """Folder of the sample county's files inside the installed package.

    Returns
    -------
    pathlib.Path
        ``.../yingji/datasets/data/sample_county`` (``county.toml``, ``roads.csv``,
        ``nodes.csv`` and the table CSVs).
    """
    return Path(str(resources.files("yingji.datasets") / "data" / "sample_county"))


@lru_cache(maxsize=1)
def _load():
    return County.load(sample_county_path())


def sample_county(*, copy: bool = True):
    """The sample county "XX县": a synthetic, plausible Chinese county.

    About 1,500 km² and 500,000 people: a county seat with a street grid and 12
    township seats joined by national, provincial, county and village roads
    (≥ 20,000 road nodes), about 2,000 demand points, 3 fire stations, candidate
    sites, rescue teams, hazard sites, enterprises, venues, depots with stock, an
    item-norm table, shelters and reported indicators (some failing the county
    plan's targets). Written once by ``scripts/make_sample_county.py`` (seeded) and
    shipped as package data, so results do not move with numpy's random streams.

    Parameters
    ----------
    copy : bool, default True
        Return a fresh copy of the tables (the file is read once per process and
        cached; ``copy=False`` hands out the cached county itself).

    Returns
    -------
    yingji.County

    See Also
    --------
    yingji.County.load

    Examples
    --------
    >>> import yingji as yj
    >>> county = yj.datasets.sample_county()
    >>> county.network.n_nodes >= 20000
    True
    """
    c = _load()
    if not copy:
        return c
    return c.copy()


def read_county(source=None, *, func: str = "read_county", param: str = "path") -> County:
    """The one way to get a county from what a user names: the one loader every face uses.

    Parameters
    ----------
    source : None, str, path, County or mapping
        ``None``: the embedded sample county (:func:`yingji.datasets.sample_county`); a folder:
        :meth:`County.load`; an ``.xlsx`` workbook: :meth:`County.load`; a ``.json`` file (or any
        other existing file): :meth:`County.from_json`;
        a mapping: a county JSON document; a :class:`County`: returned as is.
    func, param : str
        Names used in the error message (the calling function or command and its parameter).

    Returns
    -------
    County

    Raises
    ------
    ValidationError
        Nothing exists at the path (naming it and the parameter), or the folder / document is
        not a valid county (naming file, row and column, as :meth:`County.load` and
        :meth:`County.from_json` do).
    """
    if source is None:
        return sample_county()
    if isinstance(source, County):
        return source
    if isinstance(source, Mapping):
        return County.from_json(source)
    if not isinstance(source, (str, Path)):
        raise ValidationError(f"The {param!r} parameter of {func} must be a county folder, a county JSON file "
                              f"or None (the sample county). Got {type(source).__name__} instead.")
    p = Path(source).expanduser()
    if p.is_dir() or (p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm")):
        return County.load(p)
    if p.is_file():
        return County.from_json(p)
    raise ValidationError(f"The {param!r} parameter of {func} must be a county folder or a county JSON "
                          f"file. Got {str(source)!r}: no county at that path (it does not exist).")
