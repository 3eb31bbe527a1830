"""Slow, obviously-correct references for yingji.dispatch and yingji.simulation.

Nothing here imports yingji: these are independent formulations the tests compare against.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np

TOL = 1e-9


def brute_force_plan(need, weight, target, T, unit_type_pos, available, *, objective="total",
                     strict=False, crew_need=None, unit_crew=None):
    """Lexicographic optimum by enumerating every choice of incident (or none) per unit.

    Parameters
    ----------
    need : (n_inc, n_types) int
    weight, target : (n_inc,)
    T : (n_inc, n_units) minutes
    unit_type_pos : (n_units,) int, type position of each unit (-1: type not required at all)
    available : (n_units,) bool

    Returns
    -------
    best_key : tuple
        (weighted missing, [crew missing], weighted late, [latest], weighted total minutes)
    best : tuple
        Incident position (or -1) per unit for one optimal plan.
    """
    n_inc, n_types = need.shape
    m = T.shape[0 if T.ndim == 1 else 1]
    choices = []
    for u in range(m):
        opts = [-1]
        k = unit_type_pos[u]
        if available[u] and k >= 0:
            for i in range(n_inc):
                if need[i, k] > 0 and math.isfinite(T[i, u]):
                    if strict and T[i, u] > target[i] + TOL:
                        continue
                    opts.append(i)
        choices.append(opts)
    best_key, best = None, None
    for combo in itertools.product(*choices):
        cnt = np.zeros_like(need)
        ok = True
        for u, i in enumerate(combo):
            if i >= 0:
                cnt[i, unit_type_pos[u]] += 1
                if cnt[i, unit_type_pos[u]] > need[i, unit_type_pos[u]]:
                    ok = False
                    break
        if not ok:
            continue
        missing = float(np.sum(weight[:, None] * (need - cnt)))
        late = total = 0.0
        latest = -math.inf
        crew_got = np.zeros(n_inc)
        for u, i in enumerate(combo):
            if i >= 0:
                t = T[i, u]
                late += weight[i] * (t > target[i] + TOL)
                total += weight[i] * t
                latest = max(latest, t)
                if unit_crew is not None:
                    crew_got[i] += unit_crew[u]
        key = [round(missing, 9)]
        if crew_need is not None:
            key.append(round(float(np.sum(weight * np.maximum(crew_need - crew_got, 0.0))), 9))
        key.append(round(late, 9))
        if objective == "latest":
            key.append(round(latest if latest > -math.inf else 0.0, 9))
        key.append(round(total, 9))
        key = tuple(key)
        if best_key is None or key < best_key:
            best_key, best = key, combo
    return best_key, best


def naive_nearest(row, available, k):
    """Positions of the k smallest finite available entries, ties by position."""
    cand = [(row[u], u) for u in range(len(row)) if available[u] and math.isfinite(row[u])]
    cand.sort()
    return [u for _, u in cand[:k]]


def event_simulation(arrival, point, on_scene, travel, turnout, travel_in_service, warmup, horizon, k_units=1):
    """Event-list simulation with a heap of arrivals and releases and a FIFO queue of calls.

    A call takes up to ``k_units`` free units nearest first; a call still missing units waits
    in the queue, and each released unit goes to the first waiting call it is not already
    serving (a call needs distinct units). Every unit must reach
    every point. Returns (response, full_response, unit, wait, first_due_busy, busy_minutes)
    like the kernel.
    """
    n_calls = len(arrival)
    m = travel.shape[1]
    order = [sorted(range(m), key=lambda u, j=j: (travel[j, u], u)) for j in range(travel.shape[0])]
    free = [True] * m
    busy_minutes = [0.0] * m
    response = [math.inf] * n_calls
    full = [-math.inf] * n_calls
    unit = [-1] * n_calls
    wait = [math.inf] * n_calls
    events = [(arrival[i], 1, i, -1) for i in range(n_calls)]  # (time, kind 0=release 1=arrival)
    heapq.heapify(events)
    queue: list[list[int]] = []  # [call, units still missing]
    sent: list[set] = [set() for _ in range(n_calls)]

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
        sent[i].add(u)
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
            need = min(k_units, m)
            for v in order[j]:
                if need and free[v]:
                    start(i, v, now)
                    need -= 1
            if need:
                queue.append([i, need])
        else:
            released = [u]  # units freed at this very moment (a call's units end together)
            while events and events[0][0] == now and events[0][1] == 0:
                released.append(heapq.heappop(events)[3])
            for v in released:
                free[v] = True
            # waiting calls in order take freed units they do not already have (a call needs
            # distinct units), nearest first
            q = 0
            while q < len(queue) and any(free[v] for v in released):
                ci = queue[q][0]
                for v in order[point[ci]]:
                    if queue[q][1] and v in released and free[v] and v not in sent[ci]:
                        start(ci, v, now)
                        queue[q][1] -= 1
                if queue[q][1] == 0:
                    queue.pop(q)
                else:
                    q += 1
    fdb = [response[i] > turnout + travel[point[i], order[point[i]][0]] for i in range(n_calls)]
    return (np.array(response), np.array(full), np.array(unit), np.array(wait), np.array(fdb),
            np.array(busy_minutes))


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda/mu."""
    s = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (s + top)
