"""Slow, obviously-correct references for multi-type dispatch in yingji.simulation.

``event_simulation_multi`` does not import yingji: one event list (a heap of arrivals and
releases) over every unit of every type, a FIFO list of calls still missing units. The
``plan_*`` reference calls :func:`yingji.dispatch.plan` at every call, as a dispatcher would.
Loaded by path from ``tests/kernels/test_simulation.py`` and ``tests/simulation/``.
"""

from __future__ import annotations

import heapq
import math

import numpy as np


def event_simulation_multi(arrival, point, on_scene, need, travel, unit_type, turnout, travel_in_service, warmup,
                           horizon, choose=None):
    """Event-list simulation of calls needing units of several types.

    Parameters
    ----------
    need : (N, n_types) int
        Units of each type each call needs.
    travel : (n_points, n_units) minutes; every unit must reach every point.
    unit_type : (n_units,) int type position of each unit.
    choose : callable(call, point, free_units_by_type, need_row) -> list of units, optional
        Picks the units sent on arrival from the free ones (default: per type, the nearest free
        ones, ties by unit position).

    Returns
    -------
    response, full, unit, wait, first_due_busy, busy_minutes (like the kernels; ``unit`` is the
    first unit on scene, ``first_due_busy`` compares the first arrival with the first arrival
    when every unit is free).
    """
    n_calls = len(arrival)
    n_pts, m = travel.shape
    n_types = need.shape[1] if n_calls else 0
    free = [True] * m
    busy_minutes = [0.0] * m
    response = [math.inf] * n_calls
    full = [-math.inf] * n_calls
    unit = [-1] * n_calls
    wait = [math.inf] * n_calls
    events = [(float(arrival[i]), 1, i, -1) for i in range(n_calls)]
    heapq.heapify(events)
    queue: list[list] = []  # [call, missing count per type]
    sent_to: list[set] = [set() for _ in range(n_calls)]  # a call needs distinct units

    def order(j, k):
        return sorted((u for u in range(m) if unit_type[u] == k), key=lambda u: (travel[j, u], u))

    def start(i, u, now):
        j = point[i]
        tt = travel[j, u]
        arr = (now - arrival[i]) + turnout + tt
        if arr < response[i]:
            response[i] = arr
            unit[i] = u
        full[i] = max(full[i], arr)
        wait[i] = min(wait[i], now - arrival[i])
        free[u] = False
        sent_to[i].add(u)
        dur = (turnout + tt + on_scene[i] + tt) if travel_in_service else on_scene[i]
        end = now + dur
        lo, hi = max(now, warmup), min(end, horizon)
        if hi > lo:
            busy_minutes[u] += hi - lo
        heapq.heappush(events, (end, 0, i, u))

    while events:
        now, kind, i, u = heapq.heappop(events)
        if kind == 1:
            j = point[i]
            missing = [int(need[i, k]) for k in range(n_types)]
            if choose is None:
                sent = []
                for k in range(n_types):
                    sent += [v for v in order(j, k) if free[v]][:missing[k]]
            else:
                sent = choose(i, j, [[v for v in order(j, k) if free[v]] for k in range(n_types)], missing)
            for v in sent:
                start(i, v, now)
                missing[unit_type[v]] -= 1
            if any(missing):
                queue.append([i, missing])
        else:
            released = [u]
            while events and events[0][0] == now and events[0][1] == 0:
                released.append(heapq.heappop(events)[3])
            for v in released:
                free[v] = True
            q = 0
            while q < len(queue):
                ci, missing = queue[q]
                for k in range(n_types):
                    for v in order(point[ci], k):
                        if missing[k] and v in released and free[v] and v not in sent_to[ci]:
                            start(ci, v, now)
                            missing[k] -= 1
                if not any(missing):
                    queue.pop(q)
                else:
                    q += 1
    fdb = []
    for i in range(n_calls):
        j = point[i]
        best = min(turnout + travel[j, u] for u in range(m) if need[i, unit_type[u]] > 0)
        fdb.append(response[i] > best)
    return (np.array(response), np.array(full), np.array(unit), np.array(wait), np.array(fdb, dtype=bool),
            np.array(busy_minutes))


def plan_chooser(unit_ids, type_names, travel, target):
    """A ``choose`` callable that asks :func:`yingji.dispatch.plan` which free units to send."""
    import pandas as pd

    from yingji import dispatch

    pos = {u: q for q, u in enumerate(unit_ids)}

    def choose(i, j, free_by_type, missing):
        free = [u for lst in free_by_type for u in lst]
        if not free:
            return []
        inc = pd.DataFrame({t: [missing[k]] for k, t in enumerate(type_names)}, index=[f"call{i}"])
        inc["target_minutes"] = target
        units = pd.DataFrame({"type": [type_names[k] for k, lst in enumerate(free_by_type) for _ in lst]},
                             index=[unit_ids[u] for u in free])
        times = pd.DataFrame([[travel[j, u] for u in free]], index=inc.index, columns=units.index)
        dp = dispatch.plan(inc, units, times)
        return [pos[u] for u in dp.assignments["unit"]]

    return choose
