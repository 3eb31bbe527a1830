"""Input helpers shared by the supplies modules: county tables, dates, travel minutes, stock checks
and expiry dates."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from yingji._odtimes import od_minutes
from yingji._validation import Problems
from yingji.exceptions import ValidationError


def _table(county, name, given):
    if given is not None:
        return given
    if county is None:
        return None
    return getattr(county, name, None)


def _as_date(d, func: str = "yingji.supplies", param: str = "as_of") -> pd.Timestamp:
    """``as_of`` as a date (today when None); a ValidationError naming the parameter otherwise."""
    if d is None:
        return pd.Timestamp(_dt.date.today())
    try:  # a bare number would be read as nanoseconds since 1970: not a date anybody means
        ts = pd.NaT if isinstance(d, (int, float, np.number, bool)) else pd.Timestamp(d)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ValidationError(f"The {param!r} parameter of {func} must be a date (e.g. '2026-12-01', a "
                              f"datetime.date or a pandas Timestamp) or None. Got {d!r} instead.")
    return ts


def _minutes(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems,
             names: tuple = ("depots", "township seats"), hour=None):
    """Origins × destinations minutes (see :func:`yingji._odtimes.od_minutes`)."""
    return od_minutes(times, origins, dests, county, what, probs, names, hour=hour)


def _check_stock(stock: pd.DataFrame, depots: pd.DataFrame, items: pd.DataFrame, probs: Problems) -> None:
    miss = [c for c in ("depot", "item", "quantity") if c not in stock.columns]
    if miss:
        probs.add(f"The 'stock' table is missing column(s) {miss}; it has {list(stock.columns)}.")
        probs.raise_if_any()
    q = pd.to_numeric(stock["quantity"], errors="coerce")
    badm = (~np.isfinite(q.to_numpy(float))) | (q < 0).to_numpy()
    if badm.any():
        probs.add(f"The 'stock' table has negative or missing quantity in rows "
                  f"{list(map(str, stock.index[badm][:10]))} (values "
                  f"{stock['quantity'][badm].tolist()[:5]}); each must be a finite number >= 0.")
    unk_d = sorted(set(stock["depot"].astype(str)) - set(depots.index))
    if unk_d:
        probs.add(f"The 'stock' table names unknown depots {unk_d[:10]}.")
    unk_i = sorted(set(stock["item"].astype(str)) - set(items.index))
    if unk_i:
        probs.add(f"The 'stock' table names unknown items {unk_i[:10]} (not in the norms table).")
    probs.raise_if_any()


def _expiry(stock: pd.DataFrame, items: pd.DataFrame | None) -> pd.Series:
    """Expiry date of each stock row: ``expires`` where given, else ``acquired`` + the item's
    ``shelf_life_days`` (when both are known); NaT = does not expire."""
    exp = (pd.to_datetime(stock["expires"], errors="coerce") if "expires" in stock.columns
           else pd.Series(pd.NaT, index=stock.index, dtype="datetime64[ns]"))
    if ("acquired" in stock.columns and items is not None and len(items)
            and "shelf_life_days" in items.columns):
        life = pd.to_numeric(items["shelf_life_days"], errors="coerce")
        days = stock["item"].astype(str).map(life)
        acq = pd.to_datetime(stock["acquired"], errors="coerce")
        derived = acq + pd.to_timedelta(days, unit="D")
        exp = exp.where(exp.notna(), derived)
    return exp
