"""Optional dependencies: import one, or say which extra installs it (the one place that does).

The core of yingji needs numpy, scipy, pandas, networkx, numba, highspy and pulp only; maps,
GIS files, workbooks, the service and the reports' figures import their library when first
used, through :func:`need`, so that a missing one is an ``ImportError`` naming the extra of
``pyproject.toml`` that installs it.
"""

from __future__ import annotations

import importlib

__all__ = ["EXTRAS", "need", "missing"]

#: The extra that installs each optional top-level module (``[project.optional-dependencies]``).
EXTRAS = {
    "pyproj": "geo", "geopandas": "geo", "shapely": "geo", "pyogrio": "geo", "osmium": "geo",
    "openpyxl": "excel", "matplotlib": "plot", "fastapi": "serve", "uvicorn": "serve", "httpx": "serve",
    "distributed": "dask", "dask": "dask", "folium": "map", "mapclassify": "map",
}


def need(module: str, what: str):
    """The imported ``module``, or an ``ImportError`` "<what> needs <module>: pip install 'yingji[<extra>]'".

    Examples
    --------
    >>> need("math", "a doctest").sqrt(4.0)
    2.0
    >>> need("no_such_module_xyz", "Drawing a map")
    Traceback (most recent call last):
    ...
    ImportError: Drawing a map needs no_such_module_xyz: pip install no_such_module_xyz
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(missing(module, what)) from exc


def missing(module: str, what: str) -> str:
    """The message of a missing optional ``module``: what needs it and which extra installs it."""
    extra = EXTRAS.get(module.split(".")[0])
    how = f"pip install 'yingji[{extra}]'" if extra else f"pip install {module}"
    return f"{what} needs {module}: {how}"
