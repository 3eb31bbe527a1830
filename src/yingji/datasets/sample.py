"""The embedded sample county "XX县" (package data; see docs/sample_county.md)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["sample_county", "sample_county_path"]


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
    from yingji.county import County

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
    return c.replace(**{n: t.copy() for n, t in c.tables.items()})
