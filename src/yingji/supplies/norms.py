"""Item norms, people at risk and what each township needs (:func:`requirements`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Interval, Problems, check_param, describe_positions, describe_values
from yingji.supplies.inputs import _table

#: Share of residents to evacuate and supply, by the demand point's ``risk`` level. An
#: ASSUMPTION of yingji (no national norm found); pass ``evacuation_share=`` or ``at_risk=``.
DEFAULT_EVACUATION_SHARE = {"high": 0.20, "normal": 0.05}

#: Persons per household, used to turn per-household norms (``per_household_per_day``) into
#: per-person quantities: 2.62, the average size of a family household in China's 7th national
#: population census (2020). Pass ``household_size=`` for the county's own figure.
DEFAULT_HOUSEHOLD_SIZE = 2.62

_ITEM_COLS = ("per_person_per_day", "days")


_PERSONS = Interval(float, 0, None, closed="neither", text="a positive number of persons per household")


def _norms(county, norms, probs: Problems, household_size: float = None) -> pd.DataFrame:
    """Item norms indexed by item; a ``per_household_per_day`` norm is folded into
    ``per_person_per_day`` (divided by ``household_size``, default
    :data:`DEFAULT_HOUSEHOLD_SIZE`) and kept as ``household_norm``."""
    if household_size is None:  # the county's own figure (county.toml) or the census average
        meta = getattr(county, "meta", None) or {}
        household_size = meta.get("household_size", DEFAULT_HOUSEHOLD_SIZE) if isinstance(meta, dict) \
            else DEFAULT_HOUSEHOLD_SIZE
    household_size = check_param(probs, "household_size", household_size, _PERSONS, default=1.0)
    items = _table(county, "items", norms)
    if items is None or not isinstance(items, pd.DataFrame) or len(items) == 0:
        probs.param("norms", "a DataFrame of item norms (or a county with an items table)", None if items is None else "an empty table")
        return pd.DataFrame()
    items = items.copy()
    if "item" in items.columns:
        items = items.set_index("item")
    items.index = items.index.map(str)
    has_hh = "per_household_per_day" in items.columns
    missing = [c for c in _ITEM_COLS if c not in items.columns and not (has_hh and c == "per_person_per_day")]
    if missing:
        probs.add(f"The 'norms' table of {probs.func} is missing column(s) {missing}; it has {list(items.columns)}.")
        return items
    if has_hh:
        # per-household norms: a row may give either norm (or both); the missing one counts as 0
        pp = pd.to_numeric(items["per_person_per_day"], errors="coerce") if "per_person_per_day" in items.columns \
            else pd.Series(np.nan, index=items.index)
        ph = pd.to_numeric(items["per_household_per_day"], errors="coerce")
        neither = items.index[pp.isna().to_numpy() & ph.isna().to_numpy()]
        if len(neither):
            probs.add(f"The 'norms' table of {probs.func} needs 'per_person_per_day' or 'per_household_per_day' "
                      f"for items {list(neither)}.")
        badm = (ph < 0).to_numpy() | np.isinf(ph.to_numpy(float))
        if badm.any():
            probs.add(f"The 'norms' table of {probs.func} has negative or infinite 'per_household_per_day' for "
                      f"items {list(items.index[badm])} (values {ph[badm].tolist()[:5]}).")
        hs = float(household_size)
        items["per_person_per_day"] = pp.where(pp.notna() | ph.isna(), 0.0) + ph.fillna(0.0) / hs
        items = items.rename(columns={"per_household_per_day": "household_norm"})
        items["household_size"] = hs
    for c in ("per_person_per_day", "days", "unit_volume", "unit_cost"):
        if c in items.columns:
            v = pd.to_numeric(items[c], errors="coerce")
            badm = (~np.isfinite(v.to_numpy(float))) | (v < 0).to_numpy()
            if badm.any():
                got = items[c][badm].tolist()[:5]
                probs.add(f"The 'norms' table of {probs.func} has negative or missing {c!r} for items "
                          f"{list(items.index[badm])} (values {got}); each must be a finite number >= 0.")
            items[c] = v
    for c, default in (("unit_volume", 0.0), ("unit_cost", 0.0), ("unit", ""), ("source", "")):
        if c not in items.columns:
            items[c] = default
    if items.index.has_duplicates:
        probs.add(f"The 'norms' table of {probs.func} has duplicate items {items.index[items.index.duplicated()].tolist()}.")
    return items


def _townships(demand: pd.DataFrame) -> pd.DataFrame:
    """Population and reference node (the most populous point, the seat) of each township."""
    d = demand.copy()
    if "township" not in d.columns:
        d["township"] = "all"
    d["township"] = d["township"].astype(str)
    seat = d.sort_values("population", ascending=False).groupby("township", sort=True).head(1)
    out = pd.DataFrame({"population": d.groupby("township", sort=True)["population"].sum()})
    out["seat"] = seat.set_index("township").reindex(out.index).index.map(
        dict(zip(seat["township"], seat.index))
    )
    out["node"] = seat.set_index("township").reindex(out.index)["node"].to_numpy() if "node" in d.columns else None
    return out


def _people_at_risk(demand: pd.DataFrame, at_risk, share, probs: Problems) -> pd.Series:
    """People to evacuate and supply, per demand point."""
    if at_risk is not None:
        s = pd.Series(at_risk, dtype=float)
        s.index = s.index.map(str)
        if set(s.index) <= set(demand.index):
            out = s.reindex(demand.index).fillna(0.0)
        elif "township" in demand.columns and set(s.index) <= set(demand["township"].astype(str)):
            # township totals spread by population
            tw = demand["township"].astype(str)
            pop = demand["population"].astype(float)
            tot = pop.groupby(tw).transform("sum").replace(0, np.nan)
            out = (tw.map(s).fillna(0.0) * pop / tot).fillna(0.0)
        else:
            probs.add(f"The 'at_risk' parameter of {probs.func} must be indexed by demand ids or township "
                      f"names. Got unknown labels {sorted(set(s.index) - set(demand.index))[:10]} instead.")
            return pd.Series(0.0, index=demand.index)
        if (out < 0).any():
            neg = np.flatnonzero((out < 0).to_numpy())
            probs.add(f"The 'at_risk' parameter of {probs.func} must be non-negative. Got "
                      f"{describe_values(out.to_numpy(), neg)} at {describe_positions(neg, list(out.index))} "
                      f"instead.")
        return out
    if "at_risk" in demand.columns:
        return demand["at_risk"].astype(float)
    if share is not None and not isinstance(share, dict):
        probs.param("evacuation_share", "a dict of risk level -> share of the population in [0, 1]",
                    type(share).__name__)
        share = None
    share = dict(DEFAULT_EVACUATION_SHARE if share is None else share)
    for level, v in list(share.items()):
        share[level] = check_param(probs, f"evacuation_share[{level!r}]", v, Interval(float, 0, 1), default=0.0)
    risk = demand["risk"].astype(str) if "risk" in demand.columns else pd.Series("normal", index=demand.index)
    unknown = sorted(set(risk) - set(share))
    if unknown:
        probs.add(f"The 'evacuation_share' parameter has no share for risk levels {unknown}.")
    return demand["population"].astype(float) * risk.map(share).fillna(0.0)


def requirements(
    county=None,
    *,
    norms: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    at_risk=None,
    evacuation_share: dict | None = None,
    household_size: float | None = None,
) -> pd.DataFrame:
    """What each township needs: people at risk × norm per person per day × days.

    Parameters
    ----------
    county : yingji.County, optional
    norms : DataFrame, optional
        Item norms indexed by item (or with an ``item`` column): ``per_person_per_day`` (item
        units per person per day) and/or ``per_household_per_day`` (item units per household
        per day; a row may give either, the other counting as 0), ``days``, optional ``unit``,
        ``unit_volume`` (m³/unit), ``unit_cost``, ``source``. Default: the county's ``items``
        table.
    demand : DataFrame, optional
        Demand points with ``population``, ``township`` and ``risk`` (default: the county's).
    at_risk : Series, optional
        People to evacuate per demand id or per township (replaces the default shares).
    evacuation_share : dict, optional
        Share of residents at risk by ``risk`` level (default :data:`DEFAULT_EVACUATION_SHARE`,
        an assumption).
    household_size : float, optional
        Persons per household for per-household norms (default: ``household_size`` in the
        county's meta / ``county.toml``, else :data:`DEFAULT_HOUSEHOLD_SIZE`, 2.62 from the
        2020 census):
        quantity = people × (per person + per household / household size) × days.

    Returns
    -------
    DataFrame
        One row per township and item: ``township``, ``item``, ``people_at_risk``, ``quantity``,
        ``unit``, ``volume_m3``, ``source``.

    Raises
    ------
    ValidationError
        No norms or demand; norms missing ``days`` or both per-person and per-household
        norms, negative or missing values, duplicate items; ``at_risk`` labels that are
        neither demand ids nor townships, or negative; risk levels without an
        ``evacuation_share``; a non-positive ``household_size``.

    References
    ----------
    .. [1] Sphere Association (2018). *The Sphere Handbook*, water supply standard 1 (15 L per
       person per day), food security (2,100 kcal per person per day), shelter standard 3 (3.5 m²);
       ``rules.csv`` S5-009, S5-020, S5-018.
    .. [2] National Bureau of Statistics of China (2021). Main data of the seventh national
       population census: 2.62 persons per family household (``DEFAULT_HOUSEHOLD_SIZE``).

    Examples
    --------
    >>> import pandas as pd
    >>> demand = pd.DataFrame({"population": [1000, 3000], "township": ["A", "B"],
    ...                        "risk": ["high", "normal"]}, index=["d1", "d2"])
    >>> norms = pd.DataFrame({"per_person_per_day": [15.0], "days": [3], "unit": ["L"]},
    ...                      index=["water"])
    >>> requirements(norms=norms, demand=demand)[["township", "people_at_risk", "quantity"]].values.tolist()
    [['A', 200.0, 9000.0], ['B', 150.0, 6750.0]]
    """
    probs = Problems("requirements")
    items = _norms(county, norms, probs, household_size)
    demand = _table(county, "demand", demand)
    if demand is None or not isinstance(demand, pd.DataFrame) or "population" not in getattr(demand, "columns", []):
        probs.param("demand", "a DataFrame with a 'population' column (or a county)", type(demand).__name__)
    probs.raise_if_any()
    demand = demand.copy()
    demand.index = demand.index.map(str)
    people = _people_at_risk(demand, at_risk, evacuation_share, probs)
    probs.raise_if_any()
    tw = demand["township"].astype(str) if "township" in demand.columns else pd.Series("all", index=demand.index)
    per_t = people.groupby(tw).sum().sort_index()
    recs = []
    for t, n in per_t.items():
        for it, row in items.iterrows():
            qty = float(n) * float(row["per_person_per_day"]) * float(row["days"])
            recs.append({"township": t, "item": it, "people_at_risk": float(n), "quantity": qty,
                         "unit": row.get("unit", ""), "volume_m3": qty * float(row.get("unit_volume", 0.0)),
                         "source": row.get("source", "")})
    return pd.DataFrame(recs, columns=["township", "item", "people_at_risk", "quantity", "unit", "volume_m3", "source"])
