"""Loader of Swain's 55-node data set (Church and ReVelle 1974's MCLP test set)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

__all__ = ["load_swain55"]


def load_swain55(path, *, distances: bool = False):
    """Read Swain's 55-node data (id, x, y, demand; total demand 640).

    Parameters
    ----------
    path : str or os.PathLike
        ``swain_medrano.dat`` / ``swain_medrano.txt`` (comma- or blank-separated, Medrano's
        copies) or ``swain_jxu0410_lrscp.tsv`` (tab-separated with a header), or the folder
        holding them (``swain_medrano.dat`` is read: the copies differ in node 33's x, 27 in
        Medrano's and 24 in the lrscp copy).
    distances : bool
        Also return the 55 x 55 Euclidean distance matrix (every node is both demand point and
        candidate site), as a DataFrame labelled by node id.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        Nodes indexed by string ``id`` with float columns ``x``, ``y``, ``demand``; and the
        distance matrix when ``distances=True``.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "swain_medrano.dat"
    text = path.read_text()
    if path.suffix == ".tsv":
        df = pd.read_csv(path, sep="\t")
        df = df.rename(columns={"a": "demand"})
    else:
        rows = []
        for line in text.splitlines():
            parts = line.replace(",", " ").split()
            if len(parts) >= 4:
                rows.append(parts[:4])
        df = pd.DataFrame(rows, columns=["id", "x", "y", "demand"])
    df["id"] = df["id"].astype(str).str.lstrip("0")
    df = df.set_index("id")[["x", "y", "demand"]].astype(float)
    if not distances:
        return df
    xy = df[["x", "y"]].to_numpy()
    D = pd.DataFrame(cdist(xy, xy), index=df.index, columns=df.index)
    return df, D
