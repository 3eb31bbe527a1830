"""Origin × destination minutes for the domain modules, from whatever the caller gave.

The one travel-time resolver of the package: fire, dispatch, simulation, teams and supplies
call :func:`od_minutes`. ``times`` may be a :class:`yingji.Network` (routed between the tables'
``node`` columns, each distinct node once), a DataFrame labelled by ids in either orientation,
or an array in the orientation of the result; ``None`` routes on ``county.network``. Problems
are recorded in a :class:`yingji._validation.Problems` collector, naming the offending ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions, describe_values
from yingji.exceptions import ValidationError
from yingji.network.hours import check_hour

__all__ = ["od_minutes"]


def _node_list(values) -> list:
    """Node labels as plain Python values (3.0 → 3, numpy ints → int)."""
    out = []
    for v in pd.Series(values, dtype=object).tolist():
        if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            v = int(v)
        elif isinstance(v, np.integer):
            v = int(v)
        out.append(v)
    return out


def _is_missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v))


def _network_nodes(net):
    """The set of node labels of a Network, when it exposes them (None otherwise)."""
    for name in ("nodes", "node_ids", "node_labels", "labels"):
        v = getattr(net, name, None)
        if v is None or callable(v):
            continue
        try:
            return set(v.tolist() if hasattr(v, "tolist") else list(v))
        except TypeError:  # pragma: no cover - exotic containers
            return None
    return None


def _ids(ids) -> str:
    ids = list(ids)
    return describe_positions(range(len(ids)), ids) if ids else "none"


def _n(name: str) -> str:
    return "n_" + name.split()[-1]


def _route(net, o_nodes: list, d_nodes: list, names, probs: Problems, hour=None):
    """Origins × destinations minutes on a network, each distinct node routed once."""
    uo, ud = list(dict.fromkeys(o_nodes)), list(dict.fromkeys(d_nodes))
    try:
        M = np.asarray(net.travel_times(uo, ud) if hour is None else net.travel_times(uo, ud, hour=hour),
                       dtype=np.float64)
    except ValidationError as exc:
        if hour is None:
            raise
        probs.add(f"The 'hour' parameter of {probs.func} could not be applied to the road network: {exc}")
        return None
    except (KeyError, IndexError, ValueError) as exc:
        probs.add(f"The road network could not give travel times for {names[0]} and {names[1]} nodes in "
                  f"{probs.func} (nodes off the network?): {exc}")
        return None
    if len(uo) == len(o_nodes) and len(ud) == len(d_nodes):
        return M
    po = {u: k for k, u in enumerate(uo)}
    pd_ = {u: k for k, u in enumerate(ud)}
    return M[np.ix_([po[u] for u in o_nodes], [pd_[v] for v in d_nodes])]


def _from_network(net, origins, dests, what, probs, names, via, hour=None):
    func = probs.func
    o_nodes = None
    if "node" in origins.columns:
        o_nodes = origins["node"]
    elif via is not None:
        labels, table, vname = via
        if table is None or "node" not in getattr(table, "columns", ()):
            probs.add(f"The {names[0]} table of {func} needs a 'node' column, or {vname}['node'] for their "
                      f"{vname}, to use a Network for '{what}'.")
            return None
        missing = [s for s in labels if s not in table.index]
        if missing:
            probs.add(f"The '{names[0]}' parameter of {func} names {vname} not in '{vname}': {_ids(missing)}.")
            return None
        o_nodes = table.loc[list(labels), "node"]
    missing_col = [name for name, nodes, df in ((names[0], o_nodes, origins), (names[1], None, dests))
                   if (nodes is None and "node" not in df.columns)]
    for name in missing_col:
        probs.add(f"The {name} table of {func} needs a 'node' column to use a Network for '{what}'.")
    if missing_col:
        return None
    known = _network_nodes(net)
    lists = []
    for name, nodes, df in ((names[0], o_nodes, origins), (names[1], dests["node"], dests)):
        raw = nodes.astype(object).tolist()
        vals = _node_list(raw)
        off = [k for k, v in enumerate(raw) if _is_missing(v) or (known is not None and vals[k] not in known)]
        if off:
            probs.add(f"Sites off the network in {func}: {name} with ids {describe_positions(off, list(df.index))} "
                      f"have nodes {describe_positions(off, raw)} that are missing or not in the road network.")
        lists.append(None if off else vals)
    if lists[0] is None or lists[1] is None:
        return None
    return _route(net, lists[0], lists[1], names, probs, hour)


def _from_frame(times: pd.DataFrame, origins, dests, what, probs, names, dest_major, via):
    t = times.copy()
    t.index = [str(i) for i in t.index]
    t.columns = [str(c) for c in t.columns]
    rows, cols = set(t.index), set(t.columns)
    d_ids = [str(i) for i in dests.index]
    o_labels = [[str(i) for i in origins.index]]
    if via is not None:
        o_labels.append([str(s) for s in via[0]])
    orients = (False, True) if dest_major else (True, False)  # origins on the rows?
    for o_rows in orients:
        for o_ids in o_labels:
            if o_rows and set(o_ids) <= rows and set(d_ids) <= cols:
                sub = t.loc[o_ids, d_ids]
            elif not o_rows and set(d_ids) <= rows and set(o_ids) <= cols:
                sub = t.loc[d_ids, o_ids].T
            else:
                continue
            if all(pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt) for dt in sub.dtypes):
                return sub.to_numpy(dtype=np.float64, na_value=np.nan)
            return sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    o_ids = o_labels[0]
    gaps = []
    for o_rows in orients:
        ro, co = (rows, cols) if o_rows else (cols, rows)
        gaps.append(([i for i in o_ids if i not in ro], [i for i in d_ids if i not in co]))
    mo, md = min(gaps, key=lambda g: len(g[0]) + len(g[1]))
    alt = f" (the {names[0]} may also be labelled by their {via[2]} ids)" if via is not None else ""
    probs.add(f"The '{what}' parameter of {probs.func} must be labelled origins × destinations "
              f"({names[0]} × {names[1]}) or the reverse{alt}; missing origin ids {_ids(mo)} and "
              f"destination ids {_ids(md)}.")
    return None


def od_minutes(times, origins: pd.DataFrame, dests: pd.DataFrame, county, what: str, probs: Problems,
               names: tuple = ("origins", "destinations"), *, dest_major: bool = False, row_mask=None,
               via: tuple | None = None, hour=None):
    """Origins × destinations minutes (or the transpose), or None after recording the problems.

    Parameters
    ----------
    times : Network, DataFrame, array or None
        A Network routes from each origin's node to each destination's node (each distinct node
        once). A DataFrame is labelled by ids, origins × destinations or the reverse. An array is
        given in the orientation of the result (see ``dest_major``).
    origins, dests : DataFrame
        Indexed by id; a ``node`` column when routing on a network.
    county : object or None
        Supplies ``network`` when ``times`` is None.
    what : str
        Name of the parameter, for messages (e.g. ``"times"``).
    probs : Problems
    names : (str, str)
        What the origin and destination tables are called in messages (e.g. ``("teams", "hazards")``).
    dest_major : bool
        Return destinations × origins (and expect arrays in that orientation).
    row_mask : boolean array, optional
        The origins are the selected rows of a larger table: an array with one origin row (or
        column, when ``dest_major``) per row of that table is narrowed by the mask.
    via : (labels, table, name), optional
        Each origin's label in another table (e.g. each unit's station, the stations table and
        ``"stations"``): its ``node`` is used when the origins have no ``node`` column, and a
        DataFrame's origin rows may be labelled by these labels instead of the origin ids.
    hour : int, optional
        Hour of day 0-23: a network is routed at that hour (``Network.travel_times(...,
        hour=)``, speed factors by road class). Refused (recorded as a problem) with a
        DataFrame or array, whose minutes are already fixed.

    Returns
    -------
    numpy.ndarray or None
        C-contiguous float64 minutes, ``inf`` where unreachable; None when a problem was recorded.
        NaN or negative minutes are a problem, reported by destination and origin id.
    """
    if hour is not None:
        hour = check_hour(hour, probs.func, probs)
        if hour is None:
            return None
    n_o, n_d = len(origins), len(dests)
    shape = (n_d, n_o) if dest_major else (n_o, n_d)
    axes = (names[1], names[0]) if dest_major else names
    if n_o == 0 or n_d == 0:
        return np.full(shape, np.inf)
    if times is None and county is not None:
        times = getattr(county, "network", None)
    if times is None:
        probs.add(f"The '{what}' parameter of {probs.func} must be given: {probs.func} needs travel times, as a "
                  f"Network, a DataFrame of "
                  f"minutes labelled by {names[0]} and {names[1]} ids or an array of shape "
                  f"({_n(axes[0])}, {_n(axes[1])}) = {shape}; or pass a county with a network.")
        return None
    if hour is not None and not hasattr(times, "travel_times"):
        probs.add(f"The 'hour' parameter of {probs.func} needs travel times from a road network (a Network or "
                  f"a county with one); the '{what}' given are fixed minutes ({type(times).__name__}). "
                  f"Pass the network, or times computed at that hour, without 'hour'.")
        return None
    if hasattr(times, "travel_times"):
        T = _from_network(times, origins, dests, what, probs, names, via, hour)
        if T is not None and dest_major:
            T = T.T
    elif isinstance(times, pd.DataFrame):
        T = _from_frame(times, origins, dests, what, probs, names, dest_major, via)
        if T is not None and dest_major:
            T = T.T
    else:
        T = np.asarray(times.toarray() if hasattr(times, "toarray") else times, dtype=np.float64)
        if row_mask is not None and T.ndim == 2:
            row_mask = np.asarray(row_mask, dtype=bool)
            if row_mask.size != n_o:
                if not dest_major and T.shape == (row_mask.size, n_d):
                    T = T[row_mask]
                elif dest_major and T.shape == (n_d, row_mask.size):
                    T = T[:, row_mask]
        if T.shape != shape:
            probs.param(what, f"an array of shape ({_n(axes[0])}, {_n(axes[1])}) = {shape} in minutes "
                        f"({axes[0]} × {axes[1]}), a DataFrame labelled by ids or a Network", f"shape {T.shape}")
            return None
    if T is None:
        return None
    with np.errstate(invalid="ignore"):
        bad = np.isnan(T) | (T < 0)
    if bad.any():
        cols = np.nonzero(bad.any(axis=1 if dest_major else 0))[0]
        rows = np.nonzero(bad.any(axis=0 if dest_major else 1))[0]
        probs.add(f"The '{what}' parameter of {probs.func} must hold non-negative minutes (inf = unreachable); "
                  f"it must not contain NaN or negative minutes. NaN or negative values for {names[1]} "
                  f"{describe_positions(cols, list(dests.index))} (from {names[0]} "
                  f"{describe_positions(rows, list(origins.index))}). Got {describe_values(T[bad])} "
                  f"instead.")
        return None
    return np.ascontiguousarray(T)
