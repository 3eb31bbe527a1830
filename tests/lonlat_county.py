"""A county folder in lon/lat: the tests' way to check that a county given in degrees behaves
as the same county in metres (docs/data-formats.md, coordinates)."""

from __future__ import annotations

import shutil

import pandas as pd

from yingji._crs import transform_xy


def write_lonlat(county, root):
    """Save ``county`` under ``root / "m"``, copy it to ``root / "ll"`` with every x/y of its
    tables turned into lon/lat (EPSG:4326) and its ``crs`` set to match; returns the copy."""
    county.save(root / "m")
    shutil.copytree(root / "m", root / "ll")
    for f in (root / "ll").glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if {"x", "y"} <= set(df.columns):
            x, y = transform_xy(df["x"].astype(float), df["y"].astype(float), county.meta["crs"],
                                "EPSG:4326")
            df["x"], df["y"] = [repr(float(v)) for v in x], [repr(float(v)) for v in y]
            df.to_csv(f, index=False)
    toml = (root / "ll" / "county.toml").read_text(encoding="utf-8")
    (root / "ll" / "county.toml").write_text(
        toml.replace(f'crs = "{county.meta["crs"]}"', 'crs = "EPSG:4326"'), encoding="utf-8")
    return root / "ll"
