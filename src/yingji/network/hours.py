"""Travel times by hour of day: speed factors by road class and hour, and the network of an hour.

A *speed profile* is a table of speed factors (the share of the free-flow speed driven on a road
class at an hour of day): a segment's minutes at hour ``h`` are its free-flow minutes divided by
the factor of its class at ``h``. The profile travels with the network
(:meth:`Network.with_speed_profile`); :meth:`Network.at_hour` returns the network of one hour
(scaled minutes, cached per hour) and ``Network.travel_times(..., hour=h)`` routes on it, so that
every domain call that asks :func:`yingji._odtimes.od_minutes` for times gets them at its hour.

The methods live on the private mixin ``_Hours``, which :class:`~yingji.network.Network`
inherits; :data:`DEFAULT_SPEED_PROFILE` and :func:`speed_profile` are public
(``yingji.network``).

Default profile — an **assumption**, not a measurement: urban road classes drive at 60-75 % of
their free-flow speed in the morning (07-09 h) and evening (17-19 h) peaks, 80-90 % in the day,
100 % at night; inter-town roads lose 5-10 % at the peaks. The shape (two peaks, evening the
worse) is the one reported for Chinese cities by the congestion indices of navigation providers
(travel time at the peak over free-flow travel time, 1.5-2.0 in large cities), scaled down for a
county seat; no figure of it is taken from a county survey. A county with its own data gives its
own table (``speed_profile`` in ``county.toml``; docs/network.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions
from yingji.exceptions import ValidationError

__all__ = ["DEFAULT_SPEED_PROFILE", "speed_profile", "check_hour"]

#: The row of a profile that applies to segments whose class is not listed (or unknown).
ANY_CLASS = "*"

_URBAN_FAST = ("primary", "primary_link", "secondary", "secondary_link", "urban_arterial", "trunk",
               "trunk_link")
_URBAN_SLOW = ("tertiary", "tertiary_link", "unclassified", "residential", "living_street",
               "service", "road", "busway", "urban_street", "track")
_RURAL = ("motorway", "motorway_link", "national", "provincial", "county", "township", "village")


def _day(peak: float, shoulder: float, day: float) -> list[float]:
    """24 factors: 1.0 at night (22-06 h), ``peak`` 07-09 and 17-19 h (the evening peak a little
    worse), ``shoulder`` at 06, 09, 16 and 19 h, ``day`` otherwise."""
    f = [1.0] * 24
    for h in range(10, 16):
        f[h] = day
    for h in (20, 21):
        f[h] = min(1.0, day + 0.05)
    for h in (6, 9, 16, 19):
        f[h] = shoulder
    for h in (7, 8):
        f[h] = peak
    for h in (17, 18):
        f[h] = max(0.05, peak - 0.05)
    return f


def _default_profile() -> pd.DataFrame:
    rows = {}
    for cls in _URBAN_FAST:
        rows[cls] = _day(0.65, 0.8, 0.85)
    for cls in _URBAN_SLOW:
        rows[cls] = _day(0.75, 0.85, 0.9)
    for cls in _RURAL:
        rows[cls] = _day(0.9, 0.95, 0.97)
    df = pd.DataFrame.from_dict(rows, orient="index", columns=list(range(24)))
    df.index.name = "road_class"
    df.columns.name = "hour"
    return df


#: Speed factors (share of free-flow speed) by road class (rows) and hour of day 0-23 (columns).
#: An assumption (see the module notes): urban arterials 0.65 at 07-09 h and 0.60 at 17-19 h,
#: urban streets 0.75 / 0.70, inter-town roads 0.90 / 0.85, 1.0 at night. Classes not listed
#: (and segments without a class) drive at free-flow speed.
DEFAULT_SPEED_PROFILE: pd.DataFrame = _default_profile()


def check_hour(hour, func: str, probs: Problems | None = None):
    """The hour as an int in 0..23, or None; records (or raises) a named error otherwise."""
    if hour is None:
        return None
    ok = isinstance(hour, (int, np.integer)) and not isinstance(hour, (bool, np.bool_)) and 0 <= hour <= 23
    if isinstance(hour, (float, np.floating)) and float(hour).is_integer() and 0 <= hour <= 23:
        ok = True
    if ok:
        return int(hour)
    own = probs is None
    probs = Problems(func) if own else probs
    probs.param("hour", "an int in [0, 23] (hour of day) or None", hour)
    if own:
        probs.raise_if_any()
    return None


def speed_profile(table, *, name: str = "speed_profile", func: str = "speed_profile") -> pd.DataFrame:
    """A speed profile as a road class × hour (0-23) table of factors, checked.

    Parameters
    ----------
    table : DataFrame or dict
        Either the long form of the CSV file (columns ``road_class``, ``hour``, ``speed_factor``,
        one row per class and hour; every listed class must give all 24 hours), or the wide form
        (index road class, 24 columns 0-23), or a dict ``{road_class: [24 factors]}``. The class
        ``"*"`` applies to every class not listed.
    name, func : str
        Names used in error messages (the file or parameter, and the calling function).

    Returns
    -------
    DataFrame
        Index ``road_class`` (str), columns 0-23, factors in (0, 10].

    Raises
    ------
    ValidationError
        Missing columns, hours outside 0-23, classes missing hours or giving one twice, factors
        that are not positive finite numbers (naming the rows).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("urban_street", h, 0.5 if h == 8 else 1.0) for h in range(24)]
    >>> p = speed_profile(pd.DataFrame(rows, columns=["road_class", "hour", "speed_factor"]))
    >>> float(p.loc["urban_street", 8])
    0.5
    """
    probs = Problems(func)
    if isinstance(table, dict):
        try:
            table = pd.DataFrame.from_dict({str(k): list(v) for k, v in table.items()}, orient="index")
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"The {name!r} parameter of {func} must map road classes to 24 "
                                  f"factors: {exc}") from exc
    if not isinstance(table, pd.DataFrame):
        probs.param(name, "a DataFrame (road_class, hour, speed_factor) or a dict", type(table).__name__)
        probs.raise_if_any()
    if {"road_class", "hour", "speed_factor"} <= set(table.columns):
        wide = _from_long(table, name, probs)
    elif "road_class" in table.columns or "hour" in table.columns or "speed_factor" in table.columns:
        miss = sorted({"road_class", "hour", "speed_factor"} - set(table.columns))
        probs.add(f"The {name!r} table of {func} is missing column(s) {miss}; it has {list(table.columns)}.")
        wide = None
    else:
        wide = table.copy()
        try:
            wide.columns = [int(c) for c in wide.columns]
        except (TypeError, ValueError):
            wide = None
        if wide is None or sorted(wide.columns) != list(range(24)):
            probs.add(f"The {name!r} table of {func} must have columns road_class, hour, speed_factor "
                      f"(long form) or the 24 hours 0-23 (wide form); it has {list(table.columns)[:30]}.")
            wide = None
        else:
            wide = wide[list(range(24))].apply(pd.to_numeric, errors="coerce")
            wide.index = [str(i).strip() for i in wide.index]
    if wide is not None:
        vals = wide.to_numpy(dtype=float)
        bad = ~(np.isfinite(vals) & (vals > 0) & (vals <= 10))
        if bad.any():
            r, c = np.nonzero(bad)
            probs.add(f"The {name!r} table of {func} must hold speed factors in (0, 10] (share of the "
                      f"free-flow speed); bad at (road_class, hour) "
                      + ", ".join(f"({wide.index[i]!r}, {int(wide.columns[j])}) = {_table_val(vals[i, j])}"
                                  for i, j in list(zip(r, c))[:10]) + ".")
        if not wide.index.is_unique:
            probs.add(f"The {name!r} table of {func} lists road class(es) twice: "
                      f"{sorted(set(wide.index[wide.index.duplicated()]))}.")
    probs.raise_if_any()
    wide.index.name = "road_class"
    wide.columns.name = "hour"
    return wide.astype(float)


def _table_val(v) -> str:
    return "missing" if np.isnan(v) else repr(float(v))


def _from_long(table: pd.DataFrame, name: str, probs: Problems):
    rows = list(table.index)
    cls = table["road_class"].astype(str).str.strip()
    hour = pd.to_numeric(table["hour"], errors="coerce")
    fac = pd.to_numeric(table["speed_factor"], errors="coerce")
    bad_h = ~(hour.notna() & (hour % 1 == 0) & (hour >= 0) & (hour <= 23))
    if bad_h.any():
        pos = np.flatnonzero(bad_h.to_numpy())
        probs.add(f"The {name!r} table of {probs.func}: column 'hour' must hold whole hours 0-23; rows "
                  f"{describe_positions(pos, rows)} hold {describe_positions(range(len(pos)), table['hour'].iloc[pos].tolist())}.")
        return None
    bad_c = (cls == "") | table["road_class"].isna().to_numpy()
    if bad_c.any():
        probs.add(f"The {name!r} table of {probs.func}: column 'road_class' is empty in rows "
                  f"{describe_positions(np.flatnonzero(bad_c.to_numpy()), rows)}.")
        return None
    key = pd.DataFrame({"c": cls.to_numpy(), "h": hour.astype(int).to_numpy(), "f": fac.to_numpy()})
    dup = key.duplicated(["c", "h"], keep=False)
    if dup.any():
        probs.add(f"The {name!r} table of {probs.func} gives the same (road_class, hour) twice in rows "
                  f"{describe_positions(np.flatnonzero(dup.to_numpy()), rows)}.")
        return None
    wide = key.pivot(index="c", columns="h", values="f").reindex(columns=range(24))
    missing = {c: [h for h in range(24) if h not in set(key.loc[key["c"] == c, "h"])] for c in wide.index}
    missing = {c: hs for c, hs in missing.items() if hs}
    if missing:
        probs.add(f"The {name!r} table of {probs.func} must give all 24 hours for each road class; missing "
                  + "; ".join(f"{c!r}: hours {hs[:6]}{' ...' if len(hs) > 6 else ''}"
                              for c, hs in list(missing.items())[:10]) + ".")
        return None
    wide.index = [str(i) for i in wide.index]
    return wide


def _profile_long(profile: pd.DataFrame) -> pd.DataFrame:
    """The long form (road_class, hour, speed_factor) of a wide profile, for CSV files."""
    long = profile.stack().reset_index()
    long.columns = ["road_class", "hour", "speed_factor"]
    long["hour"] = long["hour"].astype(int)
    return long


class _Hours:
    """``Network.road_classes``, ``speed_profile``, ``with_road_classes``,
    ``with_speed_profile``, ``at_hour`` and ``hour_factors``."""

    @property
    def road_classes(self) -> np.ndarray | None:
        """Road class of each segment (object array of str, ``""`` when unknown), or None."""
        return None if self._class is None else self._class.copy()

    @property
    def speed_profile(self) -> pd.DataFrame:
        """The speed profile used for ``hour=`` (the network's own, else
        :data:`DEFAULT_SPEED_PROFILE`)."""
        return (DEFAULT_SPEED_PROFILE if self._profile is None else self._profile).copy()

    @property
    def has_own_profile(self) -> bool:
        """True when a profile was set with :meth:`with_speed_profile` (not the default)."""
        return self._profile is not None

    def _copy_with(self, **attrs) -> "Network":
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._cache = {k: v for k, v in self._cache.items() if k in ("order", "tree")}
        new.__dict__.update(attrs)
        return new

    def _keep_timing(self, parent) -> "Network":
        """This network with ``parent``'s profile and hour (for networks derived from it)."""
        self._profile, self._hour, self._base = parent._profile, parent._hour, None
        return self

    def with_road_classes(self, classes) -> "Network":
        """The network with a road class per segment (in :meth:`to_edges` order).

        Raises
        ------
        ValidationError
            When the number of classes is not the number of segments.
        """
        arr = _class_array(classes)
        if len(arr) != self.n_edges:
            raise ValidationError(f"The 'classes' parameter of Network.with_road_classes must give one "
                                  f"class per segment ({self.n_edges}); got {len(arr)}.")
        return self._copy_with(_class=arr, _hour=None, _base=None)

    def with_speed_profile(self, profile) -> "Network":
        """The network carrying a speed profile (see :func:`speed_profile` for the forms);
        ``None`` goes back to :data:`DEFAULT_SPEED_PROFILE`."""
        prof = None if profile is None else speed_profile(profile, name="profile",
                                                          func="Network.with_speed_profile")
        if self._hour is not None:
            raise ValidationError("Network.with_speed_profile: set the profile on the free-flow network, "
                                  f"not on the network of hour {self._hour}.")
        return self._copy_with(_profile=prof)

    def hour_factors(self, hour) -> np.ndarray:
        """Speed factor of each segment at ``hour`` (1.0 for classes the profile does not list,
        unless it has a ``"*"`` row).

        Raises
        ------
        ValidationError
            A bad hour, or a network without road classes whose profile has no ``"*"`` row
            (the hour could not change anything; say which classes the roads are).
        """
        h = check_hour(hour, "Network.at_hour")
        prof = DEFAULT_SPEED_PROFILE if self._profile is None else self._profile
        anyrow = prof.loc[ANY_CLASS, h] if ANY_CLASS in prof.index else None
        if self._class is None:
            if anyrow is None:
                raise ValidationError(
                    "Network.travel_times(hour=...) needs the road class of each segment (a "
                    "'road_class' column in roads.csv, or Network.with_road_classes) or a speed "
                    f"profile with a {ANY_CLASS!r} row; this network has neither.")
            return np.full(self.n_edges, float(anyrow))
        codes = self._cache.get("class_codes")
        if codes is None or codes[0] is not prof:
            idx = pd.Index(prof.index).get_indexer(self._class)
            codes = self._cache["class_codes"] = (prof, idx)
        idx = codes[1]
        col = prof[h].to_numpy(dtype=float)
        fill = 1.0 if anyrow is None else float(anyrow)
        return np.where(idx >= 0, col[np.maximum(idx, 0)], fill)

    def at_hour(self, hour) -> "Network":
        """The network at an hour of day: each segment's minutes divided by its speed factor.

        Parameters
        ----------
        hour : int
            Hour of day, 0-23 (the hour the trip starts; a trip is timed at one hour).

        Returns
        -------
        Network
            Cached per hour; the network itself when every factor is 1.

        Examples
        --------
        >>> import pandas as pd, yingji as yj
        >>> df = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [2.0, 3.0],
        ...                    "road_class": ["urban_street", "national"]})
        >>> net = yj.Network.from_edges(df).with_speed_profile(
        ...     {"urban_street": [1.0] * 8 + [0.5] + [1.0] * 15})
        >>> net.travel_times([0], [2], hour=8).item(), net.travel_times([0], [2], hour=3).item()
        (7.0, 5.0)
        """
        h = check_hour(hour, "Network.at_hour")
        if self._hour is not None:
            if h == self._hour:
                return self
            if self._base is not None:
                return self._base.at_hour(h)
            raise ValidationError(f"This network is already timed at hour {self._hour} (and was changed "
                                  f"since): ask the free-flow network for hour {h}.")
        key = ("hour", h)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        f = self.hour_factors(h)
        if np.all(f == 1.0):
            self._cache[key] = self
            return self
        same = self._cache.get(("factors", f.tobytes()))   # hours with the same factors share one network
        if same is not None:
            self._cache[key] = same
            return same
        new = self._copy_with(_w=self._w / f, _hour=h, _base=self)
        new._cache = {k: v for k, v in self._cache.items() if k in ("order", "tree")}
        self._cache[key] = self._cache[("factors", f.tobytes())] = new
        return new


def _class_array(values) -> np.ndarray:
    """Road classes as an object array of stripped str (``""`` for missing)."""
    out = []
    for c in list(values):
        if c is None or c is pd.NA or (isinstance(c, (float, np.floating)) and np.isnan(c)):
            out.append("")
        else:
            out.append(str(c).strip())
    return np.array(out, dtype=object)


def _class_codes(classes: np.ndarray) -> np.ndarray:
    """Integer codes of road classes (equal classes, equal codes)."""
    return np.unique(classes.astype(str), return_inverse=True)[1].astype(np.int64).ravel()
