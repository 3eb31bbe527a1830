"""The nearest available units for one call: :func:`nearest_available` and :class:`NearestUnits`."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions, describe_values
from yingji.dispatch.inputs import _busy_mask


def nearest_available(node, units: pd.DataFrame, times, *, busy: Iterable = (), unit_type=None,
                      k: int = 1) -> pd.DataFrame:
    """The ``k`` fastest available units for a call at ``node``.

    Parameters
    ----------
    node : label
        Where the call is: a row label of ``times`` (an incident id or node label), a network
        node when ``times`` is a ``Network``, or a row position for a 2-D array.
    units : pandas.DataFrame
        Indexed by unit id with ``type`` (and ``node`` for a Network).
    times : pandas.DataFrame, numpy.ndarray or Network
        Travel minutes to the call: a DataFrame with a row per call location and a column per
        unit, an array (1-D per unit, or 2-D locations × units) or a ``Network``.
    busy : iterable of unit ids
        Units that cannot be sent.
    unit_type : str or sequence of str, optional
        Only units of these types.
    k : int
        Number of units wanted.

    Returns
    -------
    pandas.DataFrame
        Up to ``k`` rows, fastest first (ties by unit order): ``unit``, ``type``, ``minutes``.
        Units that cannot reach the call (``inf``) are never returned.

    Raises
    ------
    ValidationError
        Unknown ``node``, busy ids or unit types; ``k`` not a positive int; bad ``times``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "ladder", "engine"]}, index=["E1", "L1", "E2"])
    >>> times = pd.DataFrame([[4.0, 2.0, 3.0]], index=["call"], columns=units.index)
    >>> nearest_available("call", units, times, unit_type="engine")["unit"].tolist()
    ['E2']
    """
    from yingji._kernels.dispatch import _nearest_available

    probs = Problems("nearest_available")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        probs.param("k", "a positive int", k)
    if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
        probs.param("units", "a DataFrame indexed by unit id with a 'type' column", type(units).__name__)
        probs.raise_if_any()
    unit_ids = units.index
    tcol = units["type"]
    avail = _busy_mask(busy, units.index, "nearest_available", probs)
    if unit_type is not None:
        wanted = [unit_type] if isinstance(unit_type, str) else list(unit_type)
        match = tcol.isin(wanted).to_numpy()
        if not match.any() or len(wanted) > 1:
            known = set(tcol.astype(str))
            unknown = [t for t in wanted if t not in known]
            if unknown:
                probs.add(f"The 'unit_type' parameter of nearest_available names unknown unit type(s) {unknown}; "
                          f"the units have types {sorted(known)}.")
        avail &= match
    row = None
    if times is not None and hasattr(times, "travel_times"):
        if "node" not in units.columns:
            probs.add("nearest_available was given a Network, so 'units' needs a 'node' column.")
        else:
            try:
                row = np.asarray(times.travel_times(units["node"].tolist(), [node]), dtype=float)[:, 0]
            except (KeyError, ValueError, IndexError) as e:
                probs.add(f"The 'node' parameter of nearest_available must be a node of the network. Got {node!r} instead ({e}).")
    elif isinstance(times, pd.DataFrame):
        try:
            pos = times.index.get_loc(node)
        except (KeyError, TypeError):
            pos = -1
        if not isinstance(pos, (int, np.integer)):
            pos = -2  # a slice or mask: the label is duplicated
        if pos == -2:
            probs.add(f"The 'times' parameter of nearest_available has several rows labelled {node!r}.")
        elif pos < 0:
            probs.add(f"The 'node' parameter of nearest_available must be a row label of 'times'. Got {node!r} instead.")
        else:
            if times.columns.equals(units.index):
                cols = None
            else:
                cols = times.columns.get_indexer(units.index)
                if (cols < 0).any():
                    miss = [unit_ids[q] for q in np.nonzero(cols < 0)[0]]
                    probs.add(f"The 'times' parameter of nearest_available lacks unit columns "
                              f"{describe_positions(range(len(miss)), miss)}.")
            if not probs.items:
                full = times.to_numpy()  # a view for a one-dtype frame: no copy per call
                row = np.asarray(full[pos] if cols is None else full[pos, cols], dtype=float)
    else:
        arr = np.asarray(times, dtype=float) if times is not None else None
        if arr is None:
            probs.param("times", "a DataFrame, an array or a Network", None)
        elif arr.ndim == 1 and arr.size == len(unit_ids):
            row = arr
        elif arr.ndim == 2 and arr.shape[1] == len(unit_ids):
            if isinstance(node, (int, np.integer)) and not isinstance(node, bool) and 0 <= node < arr.shape[0]:
                row = arr[int(node)]
            else:
                probs.param("node", f"a row position in [0, {arr.shape[0]})", node)
        else:
            probs.param("times", f"an array with one entry (column) per unit ({len(unit_ids)})", f"shape {arr.shape}")
    if row is not None:
        bad = np.nonzero(np.isnan(row) | (row < 0))[0]
        if bad.size:
            probs.add(f"The 'times' parameter of nearest_available must be non-negative minutes. "
                      f"Got {describe_values(row, bad)} for units {describe_positions(bad, unit_ids)} instead.")
    probs.raise_if_any()
    idx = _nearest_available(np.ascontiguousarray(row, dtype=np.float64), np.ascontiguousarray(avail), int(k))
    return pd.DataFrame({
        "unit": pd.Series(np.asarray(unit_ids[idx], dtype=object), dtype=object),
        "type": pd.Series(np.asarray(tcol.to_numpy()[idx], dtype=object), dtype=object),
        "minutes": row[idx].astype(float),
    })


class NearestUnits:
    """Nearest available units for repeated calls, with the lookups prepared once.

    :func:`nearest_available` validates its tables on every call (about a millisecond with
    pandas); a dispatch desk answering call after call builds this once and queries it in
    microseconds.

    Parameters
    ----------
    units : pandas.DataFrame
        Indexed by unit id with a ``type`` column.
    times : pandas.DataFrame or numpy.ndarray
        Travel minutes, one row per call location (labels: node or incident ids) and a column
        per unit (a DataFrame with at least the units' columns, or an array locations × units
        addressed by row position).

    Raises
    ------
    ValidationError
        Bad tables, as in :func:`nearest_available`.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "ladder", "engine"]}, index=["E1", "L1", "E2"])
    >>> times = pd.DataFrame([[4.0, 2.0, 3.0]], index=["call"], columns=units.index)
    >>> near = NearestUnits(units, times)
    >>> near.ids("call", unit_type="engine", k=2)
    ['E2', 'E1']
    """

    def __init__(self, units: pd.DataFrame, times):
        probs = Problems("NearestUnits")
        if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
            probs.param("units", "a DataFrame indexed by unit id with a 'type' column", type(units).__name__)
            probs.raise_if_any()
        ids = list(units.index)
        if isinstance(times, pd.DataFrame):
            miss = [u for u in ids if u not in times.columns]
            if miss:
                probs.add(f"The 'times' parameter of NearestUnits lacks unit columns "
                          f"{describe_positions(range(len(miss)), miss)}.")
            if not times.index.is_unique:
                probs.add("The 'times' parameter of NearestUnits has duplicate row labels.")
            probs.raise_if_any()
            T = times.loc[:, ids].to_numpy(dtype=float, na_value=np.nan)
            self._rows = {lab: i for i, lab in enumerate(times.index)}
        else:
            T = np.asarray(times, dtype=float)
            if T.ndim != 2 or T.shape[1] != len(ids):
                probs.param("times", f"an array locations x units ({len(ids)} columns)", f"shape {T.shape}")
                probs.raise_if_any()
            self._rows = None
        bad = np.nonzero((np.isnan(T) | (T < 0)).any(axis=0))[0]
        if bad.size:
            probs.add(f"The 'times' parameter of NearestUnits must be non-negative minutes. "
                      f"Got {describe_values(T[np.isnan(T) | (T < 0)])} for units {describe_positions(bad, ids)} "
                      f"instead.")
        probs.raise_if_any()
        self._T = np.ascontiguousarray(T)
        self._ids = np.asarray(ids, dtype=object)
        self._upos = {u: i for i, u in enumerate(ids)}
        types = units["type"].astype(str).tolist()
        self._type_of = np.asarray(types, dtype=object)
        self._type_masks = {t: np.asarray([x == t for x in types]) for t in dict.fromkeys(types)}

    def __call__(self, node, *, busy: Iterable = (), unit_type=None, k: int = 1) -> pd.DataFrame:
        """The ``k`` fastest available units for a call at ``node``.

        Parameters
        ----------
        node : label or int
            Row label of ``times`` (row position for an array).
        busy, unit_type, k
            As in :func:`nearest_available`.

        Returns
        -------
        pandas.DataFrame
            ``unit``, ``type``, ``minutes``, fastest first (as :func:`nearest_available`).
        """
        r, idx = self._select(node, busy, unit_type, k)
        return pd.DataFrame({
            "unit": pd.Series(self._ids[idx], dtype=object),
            "type": pd.Series(self._type_of[idx], dtype=object),
            "minutes": self._T[r, idx],
        })

    def ids(self, node, *, busy: Iterable = (), unit_type=None, k: int = 1) -> list:
        """Only the unit ids of :meth:`__call__` (no DataFrame: the fastest form)."""
        _, idx = self._select(node, busy, unit_type, k)
        return self._ids[idx].tolist()

    def _select(self, node, busy, unit_type, k):
        from yingji._kernels.dispatch import _nearest_available

        probs = Problems("NearestUnits")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            probs.param("k", "a positive int", k)
        r = self._rows.get(node, -1) if self._rows is not None else (
            int(node) if isinstance(node, (int, np.integer)) and 0 <= node < self._T.shape[0] else -1)
        if r < 0:
            probs.param("node", "a row label (position) of 'times'", node)
        if unit_type is None:
            avail = np.ones(self._ids.size, dtype=bool)
        else:
            wanted = [unit_type] if isinstance(unit_type, str) else list(unit_type)
            unknown = [t for t in wanted if t not in self._type_masks]
            if unknown:
                probs.add(f"The 'unit_type' parameter of NearestUnits names unknown unit type(s) {unknown}; "
                          f"the units have types {sorted(self._type_masks)}.")
                avail = np.zeros(self._ids.size, dtype=bool)
            else:
                avail = self._type_masks[wanted[0]].copy()
                for t in wanted[1:]:
                    avail |= self._type_masks[t]
        if isinstance(busy, (str, int, np.integer)):
            busy = [busy]
        unknown_busy = []
        for b in busy:
            q = self._upos.get(b)
            if q is None:
                unknown_busy.append(b)
            else:
                avail[q] = False
        if unknown_busy:
            probs.add(f"The 'busy' parameter of NearestUnits names units that are not in 'units': "
                      f"{describe_positions(range(len(unknown_busy)), unknown_busy)}.")
        probs.raise_if_any()
        return r, _nearest_available(self._T[r], avail, int(k))

