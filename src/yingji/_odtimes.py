"""Origin × destination minutes for the domain modules, from whatever the caller gave.

``times`` may be a :class:`yingji.Network` (routed between the tables' ``node`` columns), a
DataFrame labelled by ids in either orientation, or an array of shape (origins, destinations);
``None`` routes on ``county.network``. Problems are recorded in a
:class:`yingji._validation.Problems` collector, naming the offending ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions

__all__ = ["od_minutes"]


def od_minutes(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems,
               names: tuple = ("origins", "destinations")):
    """Origins × destinations minutes, or None after recording the problems in ``probs``.

    Parameters
    ----------
    times : Network, DataFrame, array or None
    origins, dests : DataFrame
        Indexed by id; a ``node`` column when routing on a network.
    county : object or None
        Supplies ``network`` when ``times`` is None.
    what : str
        Name of the parameter, for messages (e.g. ``"times"``).
    probs : Problems
    names : (str, str)
        What the origin and destination tables are called in messages (e.g. ``("teams", "hazards")``).

    Returns
    -------
    numpy.ndarray or None
        Float minutes, ``inf`` where unreachable; None when a problem was recorded.
    """
    n_o, n_d = len(origins), len(dests)
    if n_o == 0 or n_d == 0:
        return np.full((n_o, n_d), np.inf)
    if times is None and county is not None:
        times = getattr(county, "network", None)
    if times is None:
        probs.param(what, "a Network, a DataFrame of minutes (origins × destinations) or an array", None)
        return None
    if hasattr(times, "travel_times"):
        for name, df in zip(names, (origins, dests)):
            if "node" not in df.columns:
                probs.add(f"The {what} need a 'node' column on the {name} table to route on the network.")
                return None
        known = getattr(times, "nodes", None)
        off_any = False
        for name, df in zip(names, (origins, dests)):
            nodes = df["node"].astype(object).tolist()
            off = [k for k, v in enumerate(nodes) if v is None or (isinstance(v, float) and np.isnan(v))
                   or (isinstance(known, pd.Index) and v not in known)]
            if off:
                off_any = True
                probs.add(f"Sites off the network in {probs.func}: {name} with ids "
                          f"{describe_positions(off, list(df.index))} have nodes "
                          f"{describe_positions(off, nodes)} that are missing or not in the road network.")
        if off_any:
            return None
        T = np.asarray(times.travel_times(origins["node"].tolist(), dests["node"].tolist()), dtype=float)
    elif isinstance(times, pd.DataFrame):
        o_ids = [str(i) for i in origins.index]
        d_ids = [str(i) for i in dests.index]
        t = times.copy()
        t.index = [str(i) for i in t.index]
        t.columns = [str(c) for c in t.columns]
        if set(o_ids) <= set(t.index) and set(d_ids) <= set(t.columns):
            T = t.loc[o_ids, d_ids].to_numpy(dtype=float)
        elif set(d_ids) <= set(t.index) and set(o_ids) <= set(t.columns):
            T = t.loc[d_ids, o_ids].to_numpy(dtype=float).T
        else:
            miss_o = sorted(set(o_ids) - set(t.index))
            miss_d = sorted(set(d_ids) - set(t.columns))
            probs.add(f"The {what} DataFrame must be labelled origins × destinations ({names[0]} × {names[1]}); "
                      f"missing origin ids {miss_o[:10]} and destination ids {miss_d[:10]}.")
            return None
    else:
        T = np.asarray(times, dtype=float)
        if T.shape != (n_o, n_d):
            probs.add(f"The {what} array must have shape {(n_o, n_d)} (origins × destinations). Got {T.shape} instead.")
            return None
    if np.isnan(T).any() or (T < 0).any():
        rows = np.unique(np.nonzero(np.isnan(T) | (T < 0))[0])
        probs.add(f"The {what} contain NaN or negative minutes for origins {describe_positions(rows, list(origins.index))}.")
        return None
    return T
