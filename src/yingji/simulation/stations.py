"""with_new_stations: a county's station and unit tables with a siting plan's new stations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions
from yingji.simulation.inputs import _units_from_stations

__all__ = ["with_new_stations"]


def with_new_stations(county, new_stations, *, engines: int = 2, ladders: int = 0, candidates=None) -> dict:
    """Station and unit tables of ``county`` plus new stations at candidate sites.

    Use it to simulate a siting result, e.g. ``simulate(county, **with_new_stations(county,
    yj.fire.plan(county).new_stations))``: busy units make coverage worse than a static model
    says, and the simulation shows by how much.

    Parameters
    ----------
    county : yingji.County
        Supplies ``stations``, ``units`` and ``candidates``.
    new_stations : sequence of str
        Candidate ids to open.
    engines, ladders : int
        Units placed at each new station (ids ``<station>-engine1``...).
    candidates : pandas.DataFrame, optional
        Replaces ``county.candidates`` (needs ``node``).

    Returns
    -------
    dict
        ``{"stations": DataFrame, "units": DataFrame}`` to pass to :func:`simulate` or
        :func:`hypercube`.

    Raises
    ------
    ValidationError
        Unknown candidate ids, or ids that are already stations.
    """
    cands = county.candidates if candidates is None else candidates
    new = list(new_stations)
    probs = Problems("with_new_stations")
    unknown = [s for s in new if s not in cands.index]
    if unknown:
        probs.add(f"The 'new_stations' parameter of with_new_stations names ids that are not candidates: "
                  f"{describe_positions(range(len(unknown)), unknown)}.")
    clash = [s for s in new if s in county.stations.index]
    if clash:
        probs.add(f"The 'new_stations' parameter of with_new_stations names existing stations: "
                  f"{describe_positions(range(len(clash)), clash)}.")
    for name, v in (("engines", engines), ("ladders", ladders)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            probs.param(name, "a non-negative int", v)
    probs.raise_if_any()
    add = cands.loc[new, [c for c in ("x", "y", "node") if c in cands.columns]].copy()
    add["engines"] = engines
    add["ladders"] = ladders
    stations = pd.concat([county.stations, add], axis=0)
    units = county.units if len(county.units) else _units_from_stations(county.stations)
    extra = _units_from_stations(add)
    units = pd.concat([units, extra.reindex(columns=units.columns)], axis=0) if len(extra) else units
    return {"stations": stations, "units": units}
