"""Shelter class norms and the shelter rules, as package data (``yingji/profiles``).

Units (DESIGN.md): per-capita area in m² per person, radii in metres of walking along the
network, site sizes in m².

References
----------
.. [1] GB 21734-2008 地震应急避难场所 场址及配套设施, 5.4 (per-capita living area > 1.5 m²;
   effective site area > 2000 m²).
.. [2] GB 50413-2007 城市抗震防灾规划标准, 8.2.8-8.2.10 (per-capita area, site size and service
   radius of emergency / fixed / central shelters).
.. [3] GB 51143-2015 防灾避难场所设计规范 (shelter classes, per-capita and evacuation distance
   tables).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from yingji._validation import Problems
from yingji.exceptions import ValidationError

__all__ = ["CLASSES", "MAX_SNAP_M", "shelter_norms", "shelter_rules"]

#: Shelter classes (GB 51143-2015 3.1.4; GB 50413-2007 8.2): emergency / fixed / central.
CLASSES = ("emergency", "fixed", "central")

#: Default largest distance (metres) between a shelter's coordinates and its network node
#: before the shelter counts as "off the network" (a 500 m walk is the emergency radius itself).
MAX_SNAP_M = 500.0

_NORM_COLS = ("per_capita_m2", "radius_m", "min_site_m2")


def _read_profile_csv(name: str) -> pd.DataFrame:
    """A packaged profile table (a fresh copy: callers may change it)."""
    return _profile_csv(name).copy()


@lru_cache(maxsize=8)
def _profile_csv(name: str) -> pd.DataFrame:
    # read once per process: the files ship with the package and do not change
    with resources.files("yingji.profiles").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def shelter_norms(profile: str = "plan") -> pd.DataFrame:
    """Shelter class norms: per-capita area, walking radius and minimum site size, as data.

    Parameters
    ----------
    profile : {"plan", "GB50413", "GB51143"}
        ``"plan"`` (default): 1.5 m² per person for every class, as the county plan and
        GB 21734-2008 5.4 set, with the GB 50413-2007 radii (500 m emergency, 3000 m fixed).
        ``"GB50413"``: 1.0 m² (emergency) / 2.0 m² (fixed) per person, GB 50413-2007 8.2.8.
        ``"GB51143"``: GB 51143-2015 per-capita and evacuation-distance tables (UNCONFIRMED:
        read from memory, see the rules table notes).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``shelter_class`` (emergency, fixed, central) with ``per_capita_m2``
        (m²/person), ``radius_m`` (metres of walking along the network), ``min_site_m2`` (m²)
        and, for each, the rule id and how sure it is (``*_rule``, ``*_status``), and a note.

    Raises
    ------
    ValidationError
        Unknown profile.

    Examples
    --------
    >>> float(shelter_norms().loc["emergency", "radius_m"])
    500.0
    """
    table = _read_profile_csv("shelter_norms.csv")
    profiles = sorted(set(table["profile"]))
    if profile not in profiles:
        probs = Problems("shelter_norms")
        probs.param("profile", f"one of {profiles}", profile)
        probs.raise_if_any()
    out = table[table["profile"] == profile].drop(columns="profile").set_index("shelter_class")
    for c in _NORM_COLS:
        out[c] = out[c].astype(float)
    out.attrs["profile"] = profile
    return out


def shelter_rules() -> pd.DataFrame:
    """The shelter rules :func:`assess` checks (ids as in the rules table, with provenance).

    Returns
    -------
    pandas.DataFrame
        Indexed by rule ``id`` with ``clause``, ``name_en``, ``metric``, ``operator``,
        ``threshold`` (float), ``unit``, ``scope`` (how yingji computes the value) and ``notes``.
    """
    out = _read_profile_csv("shelter_rules.csv").set_index("id")
    out["threshold"] = out["threshold"].astype(float)
    return out


def _resolve_norms(norms, probs: Problems) -> pd.DataFrame:
    """Norms as a DataFrame indexed by class with the three numeric columns."""
    if norms is None:
        return shelter_norms("plan")
    if isinstance(norms, str):
        try:
            return shelter_norms(norms)
        except ValidationError as exc:
            probs.param("norms", "a profile name (plan, GB50413, GB51143), a DataFrame or a dict",
                        norms)
            del exc
            return shelter_norms("plan")
    if isinstance(norms, dict):
        norms = pd.DataFrame([dict(v) if isinstance(v, dict) else {} for v in norms.values()],
                             index=list(norms.keys()))
    if not isinstance(norms, pd.DataFrame):
        probs.param("norms", "a profile name, a DataFrame or a dict", type(norms).__name__)
        return shelter_norms("plan")
    df = norms.copy()
    if "shelter_class" in df.columns:
        df = df.set_index("shelter_class")
    df.index = df.index.astype(str)
    missing = [c for c in ("per_capita_m2", "radius_m") if c not in df.columns]
    if missing:
        probs.add(f"The 'norms' parameter of {probs.func} must have columns per_capita_m2 and "
                  f"radius_m. Missing columns: {missing}.")
        return shelter_norms("plan")
    if "min_site_m2" not in df.columns:
        base = shelter_norms("plan")["min_site_m2"]
        df["min_site_m2"] = [float(base.get(k, 0.0)) for k in df.index]
    for c in _NORM_COLS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    bad = df.index[~(df["per_capita_m2"] > 0) | ~np.isfinite(df["per_capita_m2"])].tolist()
    if bad:
        probs.add(f"The 'norms' parameter of {probs.func} must have a positive finite "
                  f"per_capita_m2 for every class. Got bad values for {bad}.")
    bad = df.index[~(df["radius_m"] >= 0) | ~np.isfinite(df["radius_m"])].tolist()
    if bad:
        probs.add(f"The 'norms' parameter of {probs.func} must have a finite radius_m >= 0 for "
                  f"every class. Got bad values for {bad}.")
    df.attrs["profile"] = "custom"
    return df
