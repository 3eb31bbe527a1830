"""Dispatch shortfalls: every required unit not sent, and why (the one place the table is made)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.dispatch.inputs import _TOL, _Inputs


# values of DispatchPlan.shortfalls["reason"] for unit rows, in the order they are tested (the
# first that holds is reported; see _shortfalls); crew rows use the last two
_SHORTFALL_REASONS = ("none in fleet", "all busy", "unreachable", "none in time", "left unused",
                     "too few", "sent elsewhere")


def _shortfalls(inp: _Inputs, ri: np.ndarray, uu: np.ndarray, strict: bool):
    """The shortfall table of a plan, with the reason for each row (the one place it is made).

    Every method (assignment, MIP) returns only the pairs it sends; the shortfalls are derived
    here from the requirement table, which holds every required (incident, type) pair, the
    fleet's types or not. So ``needed == sent + missing`` for every pair, whatever the cause.

    Parameters
    ----------
    inp : _Inputs
        The prepared inputs (requirement table ``need``, units, availability, minutes).
    ri, uu : numpy.ndarray of int
        Incident and unit positions of the units sent.
    strict : bool
        ``strict_targets`` of :func:`plan`: a unit arriving after the incident's
        ``target_minutes`` could not have been sent.

    Returns
    -------
    short : pandas.DataFrame
        ``incident``, ``type``, ``needed``, ``sent``, ``missing`` (units, or persons for the
        ``"crew"`` rows) and ``reason``, one row per (incident, type) with ``missing > 0``.
    sent : numpy.ndarray of int
        Units sent, incidents x requirement types.
    crew_miss : float
        Σ weight × persons missing (0 without a crew requirement).

    Notes
    -----
    For a unit row (incident *i*, type *t*), with *E* the units of type *t* that are free (not
    ``busy``), can reach *i* (finite minutes) and, with ``strict``, arrive by its target, the
    reason is the first of these that holds:

    ``"none in fleet"``: ``units`` has no unit of type *t*; ``"all busy"``: every unit of type
    *t* is busy; ``"unreachable"``: no free unit of type *t* can reach *i* (``inf`` minutes);
    ``"none in time"``: with ``strict_targets``, every free unit of type *t* that can reach *i*
    arrives after its target; ``"left unused"``: a unit of *E* was sent nowhere (only in a plan
    stopped at its time limit); ``"too few"``: *E* holds fewer units than *i* needs, even
    alone; ``"sent elsewhere"``: *E* would have filled *i* alone, but some of its units went to
    other incidents.

    A crew row (persons) says ``"too few"`` when the free units of the types *i* needs that can
    come (at most as many of each type as it needs) carry fewer persons than it needs, and
    ``"sent elsewhere"`` otherwise.
    """
    n, m = inp.T.shape
    K = len(inp.types)
    type_pos = {t: k for k, t in enumerate(inp.types)}
    ut = np.array([type_pos.get(t, -1) for t in inp.unit_type], dtype=np.int64)
    sent = np.zeros((n, K), dtype=np.int64)
    if ri.size:
        np.add.at(sent, (ri, ut[uu]), 1)
    missing = inp.need - sent
    # of_type[u, k]: unit u is of requirement type k (units of other types never count)
    of_type = np.zeros((m, K), dtype=np.int64)
    has = ut >= 0
    of_type[np.nonzero(has)[0], ut[has]] = 1
    in_fleet = of_type.sum(axis=0)
    free = of_type[inp.available].sum(axis=0)
    reach = np.isfinite(inp.T) & inp.available[None, :]  # n x m
    can = reach & (inp.T <= inp.target[:, None] + _TOL) if strict else reach
    used = np.zeros(m, dtype=bool)
    used[uu] = True
    n_reach = reach.astype(np.int64) @ of_type  # n x K
    n_can = can.astype(np.int64) @ of_type
    n_unused = (can & ~used[None, :]).astype(np.int64) @ of_type
    rows = []
    for i, k in zip(*np.nonzero(missing > 0)):
        if in_fleet[k] == 0:
            why = "none in fleet"
        elif free[k] == 0:
            why = "all busy"
        elif n_reach[i, k] == 0:
            why = "unreachable"
        elif n_can[i, k] == 0:
            why = "none in time"
        elif n_unused[i, k] > 0:
            why = "left unused"
        elif n_can[i, k] < inp.need[i, k]:
            why = "too few"
        else:
            why = "sent elsewhere"
        rows.append((inp.inc_ids[i], inp.types[k], int(inp.need[i, k]), int(sent[i, k]), int(missing[i, k]), why))
    crew_miss = 0.0
    if inp.crew_need is not None:
        got = np.bincount(ri, weights=inp.unit_crew[uu], minlength=n) if ri.size else np.zeros(n)
        for i in np.nonzero(inp.crew_need - got > 1e-9)[0]:
            alone = 0.0  # most persons incident i could get on its own
            for k in np.nonzero(inp.need[i] > 0)[0]:
                crews = np.sort(inp.unit_crew[can[i] & (ut == k)])[::-1]
                alone += float(crews[:inp.need[i, k]].sum())
            why = "too few" if alone < inp.crew_need[i] - 1e-9 else "sent elsewhere"
            rows.append((inp.inc_ids[i], "crew", float(inp.crew_need[i]), float(got[i]),
                         float(inp.crew_need[i] - got[i]), why))
            crew_miss += float(inp.weight[i] * (inp.crew_need[i] - got[i]))
    short = pd.DataFrame(rows, columns=["incident", "type", "needed", "sent", "missing", "reason"])
    short = short.astype({"incident": object, "type": object, "reason": object})
    return short, sent, crew_miss
