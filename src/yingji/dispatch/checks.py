"""The independent checker of a dispatch: :func:`dispatch_problems` and :func:`is_feasible_dispatch`."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from yingji.dispatch.inputs import _TOL, _prepare
from yingji.dispatch.result import DispatchPlan


def dispatch_problems(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    assignments,
    *,
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
    hour: int | None = None,
) -> list[str]:
    """Every reason why ``assignments`` is not a feasible dispatch (empty list when it is).

    Parameters
    ----------
    incidents, units, times, busy, types, strict_targets, hour
        As in :func:`plan`.
    assignments : DispatchPlan or pandas.DataFrame
        A plan, or a table with ``incident`` and ``unit`` columns (``minutes`` is checked
        against ``times`` when present).

    Returns
    -------
    list of str
    """
    inp = _prepare(incidents, units, times, busy=busy, types=types, func="is_feasible_dispatch", hour=hour)
    a = assignments.assignments if isinstance(assignments, DispatchPlan) else assignments
    out: list[str] = []
    if not isinstance(a, pd.DataFrame) or not {"incident", "unit"} <= set(a.columns):
        return ["assignments must be a DispatchPlan or a DataFrame with 'incident' and 'unit' columns"]
    ipos = {v: k for k, v in enumerate(inp.inc_ids)}
    upos = {v: k for k, v in enumerate(inp.unit_ids)}
    tpos = {t: k for k, t in enumerate(inp.types)}
    count = np.zeros_like(inp.need)
    seen: dict = {}
    for r in a.itertuples(index=False):
        inc, u = getattr(r, "incident"), getattr(r, "unit")
        if inc not in ipos:
            out.append(f"unknown incident {inc!r}")
            continue
        if u not in upos:
            out.append(f"unknown unit {u!r}")
            continue
        i, q = ipos[inc], upos[u]
        if u in seen:
            out.append(f"unit {u!r} is sent twice ({seen[u]!r} and {inc!r})")
        seen[u] = inc
        if not inp.available[q]:
            out.append(f"unit {u!r} is busy")
        t = inp.unit_type[q]
        k = tpos.get(t)
        if k is None or inp.need[i, k] == 0:
            out.append(f"incident {inc!r} needs no unit of type {t!r} (unit {u!r})")
        else:
            count[i, k] += 1
        tm = inp.T[i, q]
        if not np.isfinite(tm):
            out.append(f"unit {u!r} cannot reach incident {inc!r}")
        elif strict_targets and tm > inp.target[i] + _TOL:
            out.append(f"unit {u!r} arrives at {inc!r} after its target ({tm:g} > {inp.target[i]:g} min)")
        if "minutes" in a.columns:
            mm = float(getattr(r, "minutes"))
            if np.isfinite(tm) and abs(mm - tm) > 1e-6 * max(1.0, abs(tm)):
                out.append(f"minutes of unit {u!r} to {inc!r} is {mm:g}, times says {tm:g}")
    for i, k in zip(*np.nonzero(count > inp.need)):
        out.append(f"incident {inp.inc_ids[i]!r} gets {count[i, k]} units of type {inp.types[k]!r}, needs {inp.need[i, k]}")
    return out


def is_feasible_dispatch(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    assignments,
    *,
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
    hour: int | None = None,
) -> bool:
    """Whether ``assignments`` is a feasible dispatch of ``units`` to ``incidents``.

    Feasible means: every incident and unit exists, no unit is sent twice or while busy, each
    unit goes to an incident that needs its type, no incident gets more units of a type than
    it needs, every unit can reach its incident (and, with ``strict_targets``, within the target),
    and any ``minutes`` column agrees with ``times``. Shortfalls are allowed (see
    ``DispatchPlan.shortfalls``). :func:`dispatch_problems` lists the reasons.

    Parameters
    ----------
    incidents, units, times, busy, types, strict_targets, hour
        As in :func:`plan`.
    assignments : DispatchPlan or pandas.DataFrame
        The plan to check.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> from yingji.dispatch import plan
    >>> inc = pd.DataFrame({"engine": [1]}, index=["f"])
    >>> units = pd.DataFrame({"type": ["engine", "engine"]}, index=["E1", "E2"])
    >>> times = pd.DataFrame([[3.0, 1.0]], index=["f"], columns=["E1", "E2"])
    >>> is_feasible_dispatch(inc, units, times, plan(inc, units, times))
    True
    >>> is_feasible_dispatch(inc, units, times, pd.DataFrame({"incident": ["f", "f"], "unit": ["E1", "E2"]}))
    False
    """
    return not dispatch_problems(incidents, units, times, assignments, busy=busy, types=types,
                                 strict_targets=strict_targets, hour=hour)
