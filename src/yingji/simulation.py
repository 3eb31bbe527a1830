"""Discrete-event simulation of emergency response, and Larson's hypercube queueing model.

:func:`simulate` draws Poisson calls by demand point and hour of day, sends the nearest
available unit (calls wait first come, first served when every unit is busy), keeps units busy
for turnout, travel, on-scene time and the drive back, and reports the response-time
distribution, the share of calls answered within the standard, unit utilisation and how often
the first-due unit was busy, each with a 95 % confidence interval across independent
replications. With ``requirements=`` a call needs units of several types (two engines and a
ladder...), each type dispatched from its own pool (``policy="nearest"`` or ``"plan"``, the
units :func:`yingji.dispatch.plan` sends); the response is the first arrival and the ``full_*``
figures the last (the full first alarm), with per-type figures in ``by_type``.
Replications run on any :class:`concurrent.futures.Executor` (a process pool, or
``dask.distributed.Client.get_executor()``) and give the same numbers for a given ``seed``
whatever the executor.

:func:`hypercube` computes the same figures analytically with Larson's hypercube queueing model:
exactly (a Markov chain on the 2^N busy/free states) for small fleets, or with Larson's
approximation for large ones.

Times are minutes; rates are incidents per year unless named otherwise.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from yingji._validation import Problems, describe_positions
from yingji.config import COVER_TOL
from yingji.exceptions import ValidationError, YingjiWarning
from yingji.results import to_jsonable

__all__ = [
    "simulate",
    "SimulationResult",
    "hypercube",
    "HypercubeResult",
    "response_standard",
    "confidence_interval",
]

MINUTES_PER_YEAR = 365.0 * 24.0 * 60.0

# Fallback when a profile file cannot be read: (limit on turnout + travel, turnout), minutes.
_STANDARDS = {"GB51080": (5.0, 1.0), "NFPA1710": (80.0 / 60.0 + 4.0, 80.0 / 60.0)}


# ------------------------------------------------------------------------------------------
# standards
# ------------------------------------------------------------------------------------------
def _profile_minutes(entry) -> float | None:
    if not isinstance(entry, Mapping) or "value" not in entry:
        return None
    unit = str(entry.get("unit", "min")).strip()
    factor = {"s": 1.0 / 60.0, "sec": 1.0 / 60.0, "min": 1.0, "minutes": 1.0, "h": 60.0}.get(unit)
    if factor is None:
        return None
    return float(entry["value"]) * factor


def response_standard(standard="GB51080") -> tuple[float, float]:
    """The response-time limit and turnout time of a standard, in minutes.

    Parameters
    ----------
    standard : str or float
        A profile name (``"GB51080"``, ``"NFPA1710"``; read from ``yingji/profiles``) or a limit
        in minutes (turnout then defaults to 1 minute).

    Returns
    -------
    limit : float
        Largest response (turnout + travel, minutes) that meets the standard.
    turnout : float
        Minutes from the dispatch order to leaving the station.

    Raises
    ------
    ValidationError
        Unknown profile name, or a limit that is not a positive number.

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范, 4.1.3 (5 minutes from the dispatch order; the
       commentary splits it into 1 min turnout and 4 min driving).
    .. [2] NFPA 1710 (2020), 4.1.2.1: turnout 80 s (fire), first engine travel 240 s.

    Examples
    --------
    >>> response_standard("GB51080")
    (5.0, 1.0)
    """
    if isinstance(standard, (int, float, np.integer, np.floating)) and not isinstance(standard, bool):
        lim = float(standard)
        if not (np.isfinite(lim) and lim > 0):
            raise ValidationError(
                f"The 'standard' parameter of response_standard must be a profile name or a positive number "
                f"of minutes. Got {standard!r} instead."
            )
        return lim, 1.0
    name = str(standard)
    data = None
    try:
        import tomllib
        from importlib import resources

        path = resources.files("yingji.profiles").joinpath(f"{name}.toml")
        if path.is_file():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception:  # pragma: no cover - package data missing in an odd install
        data = None
    if data is not None:
        vals = data.get("values", {})
        turnout = _profile_minutes(vals.get("turnout_minutes"))
        if turnout is None:
            turnout = _STANDARDS.get(name, (None, 1.0))[1]
        if data.get("budget_basis", "response") == "travel":
            travel = _profile_minutes(vals.get("travel_minutes"))
            if travel is not None:
                return travel + turnout, turnout
        else:
            resp = _profile_minutes(vals.get("response_minutes"))
            if resp is not None:
                return resp, turnout
    if name in _STANDARDS:
        return _STANDARDS[name]
    raise ValidationError(
        f"The 'standard' parameter of response_standard must be one of {sorted(_STANDARDS)} or a number "
        f"of minutes. Got {standard!r} instead."
    )


def _full_alarm_limit(standard, limit: float, turnout: float) -> float:
    """Limit on the last required unit's arrival (turnout + travel), minutes.

    NFPA 1710 4.1.2.1 sets 480 s of travel for the initial full alarm assignment (read from the
    profile's ``full_alarm_minutes``); a profile without such a value (GB 51080 sets only the
    first arrival) or a limit given in minutes uses the first-arrival limit.
    """
    if isinstance(standard, str):
        try:
            import tomllib
            from importlib import resources

            path = resources.files("yingji.profiles").joinpath(f"{standard}.toml")
            if path.is_file():
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                full = _profile_minutes(data.get("values", {}).get("full_alarm_minutes"))
                if full is not None:
                    return full + turnout if data.get("budget_basis", "response") == "travel" else full
        except Exception:  # pragma: no cover - package data missing in an odd install
            pass
    return float(limit)


def _as_float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _standard_and_turnout(standard, turnout_minutes, probs: Problems) -> tuple[float, float]:
    """The standard's limit and the turnout to use, recording problems instead of raising."""
    try:
        limit, turnout = response_standard(standard)
    except ValidationError as exc:
        probs.add(str(exc).replace("parameter of response_standard", f"parameter of {probs.func}"))
        limit, turnout = float("nan"), 1.0
    if turnout_minutes is not None:
        turnout = _as_float(turnout_minutes)
        if not (np.isfinite(turnout) and turnout >= 0):
            probs.param("turnout_minutes", "a non-negative number of minutes", turnout_minutes)
    return limit, turnout


def confidence_interval(values, level: float = 0.95, *, bounds=(-np.inf, np.inf)) -> tuple[float, float]:
    """Student-t confidence interval of the mean of independent replications.

    Parameters
    ----------
    values : array_like
        One figure per replication (NaN entries are ignored).
    level : float
        Confidence level.
    bounds : (float, float)
        Range the figure can take (``(0, 1)`` for a share, ``(0, inf)`` for minutes); the
        interval is clipped to it, so a utilisation near 0 never gets a negative lower end.

    Returns
    -------
    (low, high) : tuple of float
        ``mean ± t_{(1+level)/2, R-1} · s / sqrt(R)`` clipped to ``bounds``; ``(nan, nan)`` with
        fewer than two values.

    References
    ----------
    .. [1] Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
       section 9.4.1 (fixed-sample-size confidence intervals from independent replications).
    """
    from scipy.special import stdtrit  # Student t quantile; lighter than importing scipy.stats

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return (float("nan"), float("nan"))
    m = float(v.mean())
    half = float(stdtrit(v.size - 1, 0.5 + level / 2.0) * v.std(ddof=1) / math.sqrt(v.size))
    lo, hi = float(bounds[0]), float(bounds[1])
    return (min(max(m - half, lo), hi), max(min(m + half, hi), lo))


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
@dataclass
class _System:
    unit_ids: list
    unit_types: list
    point_ids: list
    travel: np.ndarray  # n_points x n_units, minutes
    rate_per_year: np.ndarray  # n_points


def _units_from_stations(stations: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for sid, r in stations.iterrows():
        for col, typ in (("engines", "engine"), ("ladders", "ladder")):
            if col in stations.columns and pd.notna(r[col]):
                for k in range(int(r[col])):
                    rows.append((f"{sid}-{typ}{k + 1}", str(sid), typ))
    return pd.DataFrame(rows, columns=["id", "station", "type"]).set_index("id")


def _travel_matrix(times, units, stations, demand, func, probs, nodes_needed=True, row_mask=None):
    """Minutes from each unit's station to each demand point, shape (n_points, n_units)."""
    unit_ids = list(units.index)
    point_ids = list(demand.index)
    n, m = len(point_ids), len(unit_ids)
    station_of = units["station"].astype(object).tolist() if "station" in units.columns else [None] * m
    if times is not None and hasattr(times, "travel_times"):
        if "node" in units.columns:
            unodes = units["node"].tolist()
        else:
            if stations is None or "node" not in stations.columns:
                probs.add(f"{func} needs station nodes (stations['node']) to use a Network for 'times'.")
                return None
            missing = [s for s in station_of if s not in stations.index]
            if missing:
                probs.add(
                    f"The 'units' parameter of {func} names stations not in 'stations': "
                    f"{describe_positions(range(len(missing)), missing)}."
                )
                return None
            unodes = stations.loc[station_of, "node"].tolist()
        if "node" not in demand.columns:
            probs.add(f"The 'demand' parameter of {func} needs a 'node' column to use a Network.")
            return None
        uniq = list(dict.fromkeys(unodes))
        T = np.asarray(times.travel_times(uniq, demand["node"].tolist()), dtype=float)
        pos = {u: i for i, u in enumerate(uniq)}
        return np.ascontiguousarray(T[[pos[u] for u in unodes], :].T)
    if isinstance(times, pd.DataFrame):
        df = times
        idx, cols = set(df.index), set(df.columns)
        pts = set(point_ids)
        if not pts <= cols and pts <= idx:
            df = df.T
            idx, cols = set(df.index), set(df.columns)
        if not pts <= cols:
            miss = [p for p in point_ids if p not in cols]
            probs.add(
                f"The 'times' parameter of {func} must have a column (or row) per demand point. "
                f"Missing: {describe_positions(range(len(miss)), miss)}."
            )
            return None
        if set(unit_ids) <= idx:
            M = df.loc[unit_ids, point_ids]
        elif stations is not None and set(station_of) <= idx:
            M = df.loc[station_of, point_ids]
        else:
            miss = [u for u in unit_ids if u not in idx]
            probs.add(
                f"The 'times' parameter of {func} must have a row per unit or per station. "
                f"Missing units: {describe_positions(range(len(miss)), miss)}."
            )
            return None
        T = M.to_numpy(dtype=float, na_value=np.nan)
        return np.ascontiguousarray(T.T)
    if times is None:
        probs.add(f"{func} needs travel times: pass 'times' (a matrix or a Network) or a county with a network.")
        return None
    T = np.asarray(times, dtype=float)
    if row_mask is not None and T.ndim == 2 and T.shape == (row_mask.size, n) and row_mask.size != m:
        T = T[row_mask]  # an array for the whole units table, of which some types answer calls
    if T.shape != (m, n):
        probs.param("times", f"an array of shape (n_units, n_points) = ({m}, {n}) in minutes", f"shape {T.shape}")
        return None
    return np.ascontiguousarray(T.T)


def _resolve_system(county, *, func, stations, units, demand, times, unit_types, incidents_per_year,
                    probs: Problems) -> _System | None:
    if county is not None:
        stations = county.stations if stations is None else stations
        units = getattr(county, "units", None) if units is None else units
        demand = county.demand if demand is None else demand
        if times is None:
            times = getattr(county, "network", None)
    if demand is None or not isinstance(demand, pd.DataFrame):
        probs.param("demand", "a DataFrame of demand points (or a county)", type(demand).__name__)
        return None
    if units is None or (isinstance(units, pd.DataFrame) and len(units) == 0):
        if isinstance(stations, pd.DataFrame) and ("engines" in stations.columns or "ladders" in stations.columns):
            units = _units_from_stations(stations)
    if not isinstance(units, pd.DataFrame) or "type" not in units.columns:
        probs.param("units", "a DataFrame indexed by unit id with a 'type' column (or a county)",
                    type(units).__name__ if not isinstance(units, pd.DataFrame) else f"columns {list(units.columns)}")
        return None
    types_present = set(units["type"].astype(str))
    if unit_types is not None:
        wanted = [unit_types] if isinstance(unit_types, str) else list(unit_types)
        unknown = [t for t in wanted if t not in types_present]
        if unknown:
            probs.add(
                f"The 'unit_types' parameter of {func} names unknown unit type(s) {unknown}; "
                f"the units have types {sorted(types_present)}."
            )
            return None
        row_mask = units["type"].astype(str).isin(wanted).to_numpy()
        units = units[row_mask]
    else:
        row_mask = None
    if len(units) == 0:
        probs.add(f"{func} needs at least one unit.")
        return None
    # rates
    if incidents_per_year is None:
        if "incidents_per_year" not in demand.columns:
            probs.add(f"The 'demand' parameter of {func} needs an 'incidents_per_year' column "
                      f"(or pass incidents_per_year=).")
            return None
        rate = demand["incidents_per_year"]
    else:
        rate = incidents_per_year
    if isinstance(rate, pd.Series):
        rate = rate.reindex(demand.index)
    rate = np.asarray(rate, dtype=float).ravel()
    if rate.size == 1 and len(demand) != 1:
        rate = np.full(len(demand), float(rate[0]))
    if rate.size != len(demand):
        probs.param("incidents_per_year", f"one rate per demand point ({len(demand)})", f"{rate.size} values")
        return None
    bad = np.nonzero(~np.isfinite(rate) | (rate < 0))[0]
    if bad.size:
        probs.add(
            f"The 'incidents_per_year' parameter of {func} must be finite and non-negative. "
            f"Bad values at demand points {describe_positions(bad, list(demand.index))}."
        )
    if rate.sum() <= 0 and not bad.size:
        probs.add(f"The 'incidents_per_year' parameter of {func} must have a positive total. Got 0 instead.")
    T = _travel_matrix(times, units, stations, demand, func, probs, row_mask=row_mask)
    if T is None:
        return None
    badT = np.nonzero((np.isnan(T) | (T < 0)).any(axis=1))[0]
    if badT.size:
        probs.add(
            f"The 'times' parameter of {func} must be non-negative minutes (inf = unreachable). "
            f"NaN or negative values for demand points {describe_positions(badT, list(demand.index))}."
        )
    unreachable = np.nonzero(np.isinf(T).all(axis=1) & (rate > 0))[0]
    if unreachable.size:
        probs.add(
            f"{func}: no unit can reach demand points {describe_positions(unreachable, list(demand.index))} "
            f"(all travel times are inf) although they have incidents."
        )
    probs.raise_if_any()
    return _System(list(units.index), units["type"].astype(str).tolist(), list(demand.index),
                   np.ascontiguousarray(T, dtype=np.float64), rate)


def _hourly(profile, probs: Problems) -> np.ndarray:
    if profile is None:
        return np.ones(24)
    p = np.asarray(profile, dtype=float).ravel()
    if p.size != 24 or not np.all(np.isfinite(p)) or (p < 0).any() or p.sum() <= 0:
        probs.param("hourly_profile", "24 non-negative weights (one per hour of day) with a positive sum",
                    p.tolist() if p.size <= 30 else f"{p.size} values")
        return np.ones(24)
    return p * (24.0 / p.sum())


# ------------------------------------------------------------------------------------------
# multi-type requirements
# ------------------------------------------------------------------------------------------
@dataclass
class _Requirements:
    types: list  # unit types with a positive count somewhere, in order
    mode: str  # "const", "point" or "mix"
    table: np.ndarray  # rows (1, n_points or n_call_types) x n_types, int64
    share: np.ndarray | None  # call-type probabilities ("mix")
    labels: list  # row labels


def _parse_requirements(req, system: _System, probs: Problems) -> _Requirements | None:
    """Read ``requirements=``: a mapping, a per-demand-point table or a call-type mix."""
    func = probs.func
    present = list(dict.fromkeys(system.unit_types))
    if isinstance(req, pd.DataFrame):
        df = req.copy()
        if "share" in df.columns:
            mode = "mix"
            share = pd.to_numeric(df.pop("share"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            badsh = np.nonzero(~np.isfinite(share) | (share < 0))[0]
            if badsh.size:
                probs.add(f"The 'requirements' parameter of {func} must have finite non-negative shares. "
                          f"Bad shares for call types {describe_positions(badsh, list(df.index))}.")
                return None
            if share.sum() <= 0:
                probs.add(f"The 'requirements' parameter of {func} must have shares with a positive total. "
                          f"Got 0 instead.")
                return None
            share = share / share.sum()
        else:
            mode = "point"
            share = None
            miss = [p for p in system.point_ids if p not in df.index]
            if miss:
                probs.add(f"The 'requirements' parameter of {func} needs a row per demand point. "
                          f"Missing: {describe_positions(range(len(miss)), miss)}.")
                return None
            df = df.loc[system.point_ids]
    elif isinstance(req, (Mapping, pd.Series)):
        mode = "const"
        share = None
        df = pd.DataFrame([dict(req)], index=["all calls"])
    else:
        probs.param("requirements", "a mapping {unit type: count}, a DataFrame per demand point, or a "
                                    "DataFrame of call types with a 'share' column", type(req).__name__)
        return None
    cols = [str(c) for c in df.columns]
    df.columns = cols
    unknown = [c for c in cols if c not in present]
    if unknown:
        probs.add(f"The 'requirements' parameter of {func} names unknown unit type(s) {unknown}; "
                  f"the units have types {sorted(present)}.")
        return None
    vals = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan) if cols else \
        np.zeros((len(df), 0))
    bad = np.nonzero((~np.isfinite(vals) | (vals < 0) | (vals != np.round(vals))).any(axis=1))[0]
    if bad.size:
        probs.add(f"The 'requirements' parameter of {func} must hold non-negative whole numbers of units. "
                  f"Bad rows {describe_positions(bad, list(df.index))}.")
        return None
    table = vals.astype(np.int64)
    total = table.sum(axis=1)
    if mode == "point":
        empty = np.nonzero((total < 1) & (system.rate_per_year > 0))[0]
    elif mode == "mix":
        empty = np.nonzero((total < 1) & (share > 0))[0]
    else:
        empty = np.nonzero(total < 1)[0]
    if empty.size:
        probs.add(f"The 'requirements' parameter of {func} must ask for at least one unit per call. "
                  f"No unit asked for rows {describe_positions(empty, list(df.index))}.")
        return None
    keep = table.sum(axis=0) > 0
    types = [c for c, k in zip(cols, keep) if k]
    return _Requirements(types, mode, np.ascontiguousarray(table[:, keep]), share, list(df.index))


def _pools(system: _System, reqs: _Requirements, turnout: float, probs: Problems) -> list | None:
    """Per required type: the pool's units, travel sub-matrix and preference lists."""
    from yingji._kernels.simulation import _preference_order

    utypes = np.asarray(system.unit_types, dtype=object)
    pools = []
    for k, t in enumerate(reqs.types):
        glob = np.nonzero(utypes == t)[0].astype(np.int64)
        T = np.ascontiguousarray(system.travel[:, glob])
        if reqs.mode == "point":
            used = (reqs.table[:, k] > 0) & (system.rate_per_year > 0)
        else:
            used = system.rate_per_year > 0
        bad = np.nonzero(used & np.isinf(T).all(axis=1))[0]
        if bad.size:
            probs.add(f"{probs.func}: no unit of type {t!r} can reach demand points "
                      f"{describe_positions(bad, system.point_ids)}, which need it (see 'requirements').")
            continue
        pref, npref = _preference_order(T)
        pools.append({"type": t, "glob": glob, "travel": T, "pref": pref, "npref": npref,
                      "best": turnout + T.min(axis=1)})
    return None if len(pools) < len(reqs.types) else pools


# ------------------------------------------------------------------------------------------
# one replication (module level: pickled to executors)
# ------------------------------------------------------------------------------------------
def _draw_calls(cfg: dict, rng: np.random.Generator):
    """Call times (minutes, sorted), demand points and on-scene minutes of one replication."""
    H = cfg["horizon"]
    lam = cfg["rate_per_min"]
    total = float(lam.sum())
    n_slots = int(math.ceil(H / 60.0 - 1e-12))
    starts = np.arange(n_slots, dtype=float) * 60.0
    dur = np.minimum(60.0, H - starts)
    hours = (cfg["start_hour"] + np.arange(n_slots)) % 24
    counts = rng.poisson(total * cfg["profile"][hours] * dur)
    N = int(counts.sum())
    t = np.repeat(starts, counts) + rng.random(N) * np.repeat(dur, counts)
    t.sort()
    cum = np.cumsum(lam / total)
    cum[-1] = 1.0
    pts = np.searchsorted(cum, rng.random(N), side="right").astype(np.int64)
    np.minimum(pts, lam.size - 1, out=pts)
    dist = cfg["service_distribution"]
    mean = cfg["service_mean"][pts]
    if dist == "exponential":
        scene = rng.exponential(1.0, N) * mean
    elif dist == "lognormal":
        s2 = math.log1p(cfg["service_cv"] ** 2)
        scene = mean * np.exp(rng.normal(-s2 / 2.0, math.sqrt(s2), N))
    else:  # fixed
        scene = mean.copy()
    return np.ascontiguousarray(t), pts, np.ascontiguousarray(scene, dtype=np.float64)


def _run_pools(cfg: dict, arrival, pts, scene, rng):
    """Multi-type dispatch: each type's pool on the same calls, merged per call."""
    from yingji._kernels.simulation import _combine_pools, _simulate_pool

    N = arrival.size
    mode = cfg["req_mode"]
    if mode == "const":
        rows = np.zeros(N, dtype=np.int64)
    elif mode == "point":
        rows = pts
    else:  # a call type per call, drawn after the calls themselves (same stream, same seed)
        rows = np.searchsorted(cfg["req_cum"], rng.random(N), side="right").astype(np.int64)
        np.minimum(rows, cfg["req_table"].shape[0] - 1, out=rows)
    need = np.ascontiguousarray(cfg["req_table"][rows].T)  # n_types x N
    n_types = need.shape[0]
    first_t = np.empty((n_types, N))
    last_t = np.empty((n_types, N))
    wait_t = np.empty((n_types, N))
    unit_t = np.empty((n_types, N), dtype=np.int64)
    busy = np.zeros(cfg["n_units"])
    best_t = np.ascontiguousarray(np.vstack([p["best"] for p in cfg["pools"]]))
    t0 = time.perf_counter()
    for k, pool in enumerate(cfg["pools"]):
        m = pool["glob"].size
        b = np.zeros(m)
        chosen = np.empty(max(int(need[k].max()) if N else 1, 1), dtype=np.int64)
        _simulate_pool(arrival, pts, scene, need[k], pool["pref"], pool["npref"], pool["travel"], pool["glob"],
                       cfg["turnout"], cfg["travel_in_service"], cfg["warmup"], cfg["horizon"], chosen,
                       np.zeros(m), first_t[k], last_t[k], unit_t[k], wait_t[k], b)
        busy[pool["glob"]] += b
    resp = np.empty(N)
    full = np.empty(N)
    wait = np.empty(N)
    unit = np.empty(N, dtype=np.int64)
    fdb = np.empty(N, dtype=np.bool_)
    _combine_pools(pts, first_t, last_t, unit_t, wait_t, best_t, resp, full, unit, wait, fdb)
    kernel_s = time.perf_counter() - t0
    return resp, full, unit, wait, fdb, busy[cfg["unit_pos"]], kernel_s, need, first_t, last_t


def _replicate(cfg: dict, seed_seq) -> dict:
    """Run one replication; returns its figures (picklable)."""
    from yingji._kernels.simulation import _simulate_nearest

    rng = np.random.default_rng(seed_seq)
    arrival, pts, scene = _draw_calls(cfg, rng)
    if cfg.get("pools") is None:
        t0 = time.perf_counter()
        resp, full, unit, wait, fdb, busy = _simulate_nearest(
            arrival, pts, scene, cfg["pref"], cfg["npref"], cfg["travel"], cfg["turnout"],
            cfg["travel_in_service"], cfg["warmup"], cfg["horizon"], cfg["units_per_call"],
        )
        kernel_s = time.perf_counter() - t0
        need = first_t = last_t = None
    else:
        resp, full, unit, wait, fdb, busy, kernel_s, need, first_t, last_t = _run_pools(cfg, arrival, pts, scene,
                                                                                        rng)
    keep = arrival >= cfg["warmup"]
    r = resp[keep]
    n = int(r.size)
    window = cfg["horizon"] - cfg["warmup"]
    n_points = cfg["n_points"]
    out = {
        "n_incidents": n,
        "mean_minutes": float(r.mean()) if n else float("nan"),
        "p90_minutes": float(np.percentile(r, 90)) if n else float("nan"),
        "full_mean_minutes": float(full[keep].mean()) if n else float("nan"),
        "full_p90_minutes": float(np.percentile(full[keep], 90)) if n else float("nan"),
        "within_standard": float(np.mean(r <= cfg["limit"] + COVER_TOL)) if n else float("nan"),
        "full_within_limit": float(np.mean(full[keep] <= cfg["full_limit"] + COVER_TOL)) if n else float("nan"),
        "first_due_busy": float(np.mean(fdb[keep])) if n else float("nan"),
        "mean_wait_minutes": float(wait[keep].mean()) if n else float("nan"),
        "share_queued": float(np.mean(wait[keep] > 0)) if n else float("nan"),
        "utilisation": busy / window,
        "point_sum": np.bincount(pts[keep], weights=r, minlength=n_points),
        "point_n": np.bincount(pts[keep], minlength=n_points),
        "kernel_seconds": kernel_s,
        "events": int(arrival.size),
    }
    if need is not None:
        by = {}
        for k, pool in enumerate(cfg["pools"]):
            used = keep & (need[k] > 0)
            f, la = first_t[k, used], last_t[k, used]
            c = int(f.size)
            by[pool["type"]] = (
                c / n if n else float("nan"),
                float(f.mean()) if c else float("nan"),
                float(np.percentile(f, 90)) if c else float("nan"),
                float(la.mean()) if c else float("nan"),
                float(np.percentile(la, 90)) if c else float("nan"),
                float(np.mean(f <= cfg["limit"] + COVER_TOL)) if c else float("nan"),
            )
        out["by_type"] = by
    return out


_SCALARS = ("mean_minutes", "p90_minutes", "within_standard", "first_due_busy", "mean_wait_minutes",
            "share_queued", "full_mean_minutes", "full_p90_minutes", "full_within_limit", "n_incidents")
#: Figures that are shares in [0, 1] (their confidence intervals are clipped to it).
_SHARES = ("within_standard", "first_due_busy", "share_queued", "full_within_limit")
#: Per-unit-type figures (multi-type requirements): name, is a share.
_TYPE_FIGURES = (("share_of_calls", True), ("first_mean_minutes", False), ("first_p90_minutes", False),
                 ("last_mean_minutes", False), ("last_p90_minutes", False), ("first_within_standard", True))


@dataclass(frozen=True)
class SimulationResult:
    """Figures of a response simulation, each with a 95 % confidence interval.

    Attributes
    ----------
    mean_minutes, p90_minutes : float
        Mean and 90th percentile of the response time (wait + turnout + travel, minutes),
        averaged over replications.
    within_standard : float
        Share of calls whose response meets the standard's limit.
    first_due_busy : float
        Share of calls whose first-due units (every unit with the shortest travel time, e.g.
        all engines of the nearest station) were all busy.
    mean_wait_minutes, share_queued : float
        Mean minutes calls waited for a free unit, and the share that waited at all.
    full_mean_minutes, full_p90_minutes : float
        Mean and 90th percentile of the minutes until the last of the call's units is on scene
        (``units_per_call`` units, or every unit ``requirements`` asks for: the full first
        alarm; equal to the response for one unit).
    full_within_limit : float
        Share of calls whose last required unit arrived within ``full_limit_minutes``.
    utilisation : pandas.Series
        Busy share of each unit (indexed by unit id).
    ci : dict
        ``{figure name: (low, high)}`` for every figure above, ``"mean_utilisation"`` and
        ``"utilisation[<unit id>]"`` per unit (Student-t over replications).
    per_replication : pandas.DataFrame
        One row per replication.
    by_point : pandas.DataFrame
        Per demand point: ``incidents`` (over all replications) and ``mean_minutes``.
    standard : str
        The standard's name (or the limit as text).
    limit_minutes, turnout_minutes : float
        The limit on turnout + travel and the turnout used.
    replications : int
    horizon_hours, warmup_hours : float
    seed : int or None
    seconds : float
        Wall-clock seconds of the call.
    events_per_second : float
        Calls + releases processed per second inside the kernel (all replications).
    static_within_standard : float
        Share of calls (by rate) whose nearest unit meets the standard when no unit is ever
        busy: what a static coverage model says. The gap to ``within_standard`` is the cost of
        busy units.
    policy : str
        ``"nearest"`` or ``"plan"``.
    full_limit_minutes : float
        Limit on the last required unit's arrival (NFPA 1710: turnout + 8 min for the initial
        full alarm; the first-arrival limit otherwise).
    requirements : pandas.DataFrame or None
        Units of each type asked for (rows: all calls, each demand point or each call type with
        its ``share``); None with ``units_per_call``.
    by_type : pandas.DataFrame or None
        With ``requirements``: per unit type, ``share_of_calls`` needing it, mean and 90th
        percentile of its first and of its last unit's arrival, and ``first_within_standard``,
        with ``<figure>_low`` / ``_high`` 95 % bounds (also in ``ci`` as ``"<figure>[<type>]"``).
    """

    mean_minutes: float
    p90_minutes: float
    within_standard: float
    first_due_busy: float
    mean_wait_minutes: float
    share_queued: float
    full_mean_minutes: float
    full_p90_minutes: float
    utilisation: pd.Series
    ci: dict
    per_replication: pd.DataFrame
    by_point: pd.DataFrame
    standard: str
    limit_minutes: float
    turnout_minutes: float
    replications: int
    horizon_hours: float
    warmup_hours: float
    seed: Any
    seconds: float
    events_per_second: float
    static_within_standard: float = float("nan")
    extras: dict = field(default_factory=dict)
    full_within_limit: float = float("nan")
    policy: str = "nearest"
    full_limit_minutes: float = float("nan")
    requirements: Any = None
    by_type: Any = None

    @property
    def mean_utilisation(self) -> float:
        return float(self.utilisation.mean())

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: ``value``, ``low``, ``high`` (95 % CI); utilisation per unit too."""
        rows = []
        for name in ("mean_minutes", "p90_minutes", "within_standard", "first_due_busy",
                     "mean_wait_minutes", "share_queued", "full_mean_minutes", "full_p90_minutes",
                     "full_within_limit", "mean_utilisation"):
            lo, hi = self.ci[name]
            rows.append((name, float(getattr(self, name)), lo, hi))
        if self.by_type is not None:
            for typ, r in self.by_type.iterrows():
                for name, _ in _TYPE_FIGURES:
                    rows.append((f"{name}[{typ}]", float(r[name]), float(r[f"{name}_low"]),
                                 float(r[f"{name}_high"])))
        for uid, v in self.utilisation.items():
            lo, hi = self.ci[f"utilisation[{uid}]"]
            rows.append((f"utilisation[{uid}]", float(v), lo, hi))
        return pd.DataFrame(rows, columns=["figure", "value", "low", "high"]).set_index("figure")

    def to_dict(self) -> dict:
        """JSON-serialisable figures."""
        return to_jsonable({
            "mean_minutes": self.mean_minutes,
            "p90_minutes": self.p90_minutes,
            "within_standard": self.within_standard,
            "first_due_busy": self.first_due_busy,
            "mean_wait_minutes": self.mean_wait_minutes,
            "share_queued": self.share_queued,
            "full_mean_minutes": self.full_mean_minutes,
            "full_p90_minutes": self.full_p90_minutes,
            "full_within_limit": self.full_within_limit,
            "full_limit_minutes": self.full_limit_minutes,
            "policy": self.policy,
            "requirements": None if self.requirements is None else
            {str(k): {str(c): float(v) for c, v in r.items()} for k, r in self.requirements.iterrows()},
            "by_type": None if self.by_type is None else
            {str(k): {c: float(v) for c, v in r.items()} for k, r in self.by_type.iterrows()},
            "mean_utilisation": self.mean_utilisation,
            "utilisation": {str(k): float(v) for k, v in self.utilisation.items()},
            "ci": {k: list(v) for k, v in self.ci.items()},
            "standard": self.standard,
            "limit_minutes": self.limit_minutes,
            "turnout_minutes": self.turnout_minutes,
            "replications": self.replications,
            "horizon_hours": self.horizon_hours,
            "warmup_hours": self.warmup_hours,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed),
            "seconds": self.seconds,
            "events_per_second": self.events_per_second,
            "static_within_standard": self.static_within_standard,
        })

    def summary(self) -> str:
        """A short paragraph a person reads."""
        c = self.ci
        return (
            f"Simulation ({self.replications} x {self.horizon_hours:g} h, standard {self.standard} "
            f"{self.limit_minutes:g} min): mean response {self.mean_minutes:.2f} min "
            f"[{c['mean_minutes'][0]:.2f}, {c['mean_minutes'][1]:.2f}], p90 {self.p90_minutes:.2f} min "
            f"[{c['p90_minutes'][0]:.2f}, {c['p90_minutes'][1]:.2f}], within standard "
            f"{self.within_standard:.1%} [{c['within_standard'][0]:.1%}, {c['within_standard'][1]:.1%}], "
            f"(static model: {self.static_within_standard:.1%}), first-due busy {self.first_due_busy:.1%}, "
            f"mean utilisation {self.mean_utilisation:.1%}"
            + ("" if self.full_mean_minutes == self.mean_minutes else
               f"; full complement ({self.policy} dispatch) mean {self.full_mean_minutes:.2f} min, p90 "
               f"{self.full_p90_minutes:.2f} min [{c['full_p90_minutes'][0]:.2f}, {c['full_p90_minutes'][1]:.2f}], "
               f"within {self.full_limit_minutes:g} min {self.full_within_limit:.1%}")
            + "."
        )


def simulate(
    county=None,
    *,
    horizon_hours: float = 24.0 * 365.0,
    replications: int = 10,
    seed=None,
    standard="GB51080",
    executor=None,
    progress: bool = False,
    stations: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    times=None,
    unit_types: str | Iterable[str] | None = ("engine",),
    incidents_per_year=None,
    hourly_profile=None,
    service_minutes=45.0,
    service_distribution: str = "exponential",
    service_cv: float = 1.0,
    turnout_minutes: float | None = None,
    travel_in_service: bool = True,
    warmup_hours: float = 0.0,
    start_hour: int = 0,
    units_per_call: int = 1,
    requirements=None,
    policy: str = "nearest",
    full_limit_minutes: float | None = None,
) -> SimulationResult:
    """Simulate calls, nearest-available dispatch and busy units over time.

    Parameters
    ----------
    county : yingji.County, optional
        Supplies ``stations``, ``units``, ``demand`` (with ``incidents_per_year``) and the road
        network; any of them can be replaced by the keyword arguments.
    horizon_hours : float
        Simulated hours per replication.
    replications : int
        Independent replications (different random streams from ``SeedSequence(seed).spawn``).
    seed : int or numpy.random.SeedSequence, optional
        Seed of the whole run; the figures are identical for one seed whatever the executor.
    standard : str or float
        Response standard: ``"GB51080"`` (5 min incl. 1 min turnout), ``"NFPA1710"``
        (80 s turnout + 240 s travel) or a limit in minutes.
    executor : concurrent.futures.Executor, optional
        Runs the replications (``ProcessPoolExecutor``, ``dask.distributed``'s
        ``Client.get_executor()``...). Default: in this process.
    progress : bool
        Show a progress bar (tqdm, when installed).
    stations, units, demand : pandas.DataFrame, optional
        Replace the county's tables. ``units`` is indexed by unit id with ``station`` and
        ``type`` (or ``node``); without units, ``stations.engines`` / ``ladders`` are expanded.
    times : pandas.DataFrame, numpy.ndarray or Network, optional
        Travel minutes from each unit (or its station) to each demand point: a DataFrame indexed
        by unit or station id with a column per demand id, an array (n_units, n_points), or a
        ``Network`` (the county's by default).
    unit_types : str or sequence of str or None
        Unit types that answer calls (default engines); None for every unit.
    incidents_per_year : float or array_like, optional
        Replaces ``demand.incidents_per_year`` (incidents per year per demand point).
    hourly_profile : array_like of 24 floats, optional
        Relative call rate by hour of day (normalised to mean 1). Default: flat.
    service_minutes : float or array_like
        Mean on-scene minutes (one value, or one per demand point).
    service_distribution : {"exponential", "lognormal", "fixed"}
        Distribution of the on-scene time.
    service_cv : float
        Coefficient of variation of the lognormal on-scene time.
    turnout_minutes : float, optional
        Minutes from dispatch to leaving the station (default: the standard's).
    travel_in_service : bool
        Units are busy for turnout + travel + on-scene + return (True, default) or only the
        on-scene time (False: the M/M/c and hypercube convention).
    warmup_hours : float
        Hours at the start of each replication left out of the figures.
    start_hour : int
        Hour of day at time 0.
    units_per_call : int
        Units sent to every call (a first alarm of several engines): the nearest free ones,
        and for each one missing the first to become free. This is what
        :func:`yingji.dispatch.plan` sends to a single call needing that many units of one
        type. The response is the first unit's; ``full_*`` figures are the last unit's.
    requirements : mapping, pandas.Series or pandas.DataFrame, optional
        Units of several types per call, each type dispatched from its own pool (replaces
        ``unit_types`` and ``units_per_call``): ``{"engine": 2, "ladder": 1}`` for every call; a
        DataFrame indexed by demand id with a column per unit type (a mix per demand point); or
        a DataFrame of call types with a ``share`` column (probability of each call type, e.g.
        building fire / road crash / alarm) and a column per unit type. The response is the
        first arrival of any required unit; ``full_*`` figures are the last (the full first
        alarm); ``by_type`` gives each type's own arrivals.
    policy : {"nearest", "plan"}
        ``"nearest"``: the nearest free units of each type, and for each one missing the first
        of that type to become free. ``"plan"``: the units :func:`yingji.dispatch.plan` sends
        to the call from the units free at that moment (fewest missing, then fewest late, then
        least total minutes), and each missing unit as units of its type come back (the plan
        re-run at each release, first come first served). See Notes: for one call without a
        crew requirement the two choose the same units, so both run in the same kernel.
    full_limit_minutes : float, optional
        Limit on the last required unit's arrival (turnout + travel) for ``full_within_limit``.
        Default: the standard's full-alarm limit (NFPA 1710: 80 s + 480 s), else its limit.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ValidationError
        Negative or NaN rates or times, unknown unit types, demand points no unit can reach, bad
        horizon / replications / service parameters, bad ``requirements`` (unknown types,
        negative or fractional counts, a call asking for no unit, a needed type that cannot
        reach a demand point) or ``policy`` (all problems reported together).

    See Also
    --------
    hypercube : the same figures from Larson's hypercube queueing model.
    yingji.dispatch.nearest_available : the dispatch rule, for one call.

    Notes
    -----
    Calls at demand point :math:`j` form a non-homogeneous Poisson process with rate
    :math:`\\lambda_j p_{h(t)}` where :math:`\\lambda_j` is ``incidents_per_year`` per minute and
    :math:`p_h` the hourly profile (mean 1). A call goes to the nearest free unit; when every
    unit that can reach it is busy it waits and is taken by the first unit to become free
    (first come, first served). The response of a call is wait + turnout + travel; it meets the
    standard when it is at most the limit (GB 51080: 5 minutes from the dispatch order).
    Confidence intervals are Student-t intervals of the replication means [2]_.

    With ``requirements`` a call needs :math:`n_{ck} \\ge 0` units of each type :math:`k`. Without
    a crew requirement the types never compete for a unit, so each type's pool is an
    independent copy of the one-type system driven by the calls that need it: the kernel runs
    each pool on the same call stream and merges per call, response
    :math:`= \\min_{k: n_{ck}>0} A_{ck}` (first arrival) and full complement
    :math:`= \\max_k L_{ck}` (last arrival of the required set), :math:`A_{ck}, L_{ck}` the first
    and last arrival of type :math:`k`.

    ``policy="plan"`` is exactly :func:`yingji.dispatch.plan` applied to the call and the free
    units. For one incident the plan's priorities (missing units, late units, total minutes,
    or the latest arrival) split by type, and within a type any :math:`n` units with the
    smallest travel times minimise all of them at once (the count above the target, the sum and
    the maximum of :math:`n` chosen values are each minimised by the :math:`n` smallest), so the
    plan sends the nearest free units, the same as ``"nearest"`` (up to ties between equal
    times); the tests check this by calling :func:`yingji.dispatch.plan` at every call of a
    reference simulation. The policies differ only with a crew requirement, which the
    simulation does not model.

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范, 4.1.3.
    .. [2] Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill, ch. 9
       (independent replications).
    .. [3] Larson, R. C., Odoni, A. R. (1981). *Urban Operations Research*, Prentice-Hall, ch. 5.
    .. [4] NFPA 1710 (2020), 4.1.2.1: turnout 80 s, first engine 240 s travel, initial full
       alarm assignment 480 s travel (90th percentile).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "engine"]}, index=["u1", "u2"])
    >>> demand = pd.DataFrame({"incidents_per_year": [2000.0, 1000.0]}, index=["a", "b"])
    >>> times = np.array([[2.0, 6.0], [5.0, 3.0]])       # units x demand points, minutes
    >>> sim = simulate(units=units, demand=demand, times=times, horizon_hours=500,
    ...                replications=4, seed=1)
    >>> 0 < sim.within_standard <= 1 and sim.ci["mean_minutes"][0] <= sim.mean_minutes
    True

    A first alarm of two engines and a ladder, each type from its own pool:

    >>> units = pd.DataFrame({"type": ["engine", "engine", "ladder"]}, index=["e1", "e2", "l1"])
    >>> times = np.array([[2.0, 6.0], [5.0, 3.0], [4.0, 4.0]])
    >>> sim = simulate(units=units, demand=demand, times=times, horizon_hours=500, replications=4,
    ...                seed=1, requirements={"engine": 2, "ladder": 1})
    >>> sim.full_mean_minutes > sim.mean_minutes
    True
    >>> list(sim.by_type.index)
    ['engine', 'ladder']
    """
    t_start = time.perf_counter()
    probs = Problems("simulate")
    try:
        H = float(horizon_hours)
    except (TypeError, ValueError):
        H = float("nan")
    if not (np.isfinite(H) and H > 0):
        probs.param("horizon_hours", "a positive number of hours", horizon_hours)
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        probs.param("replications", "a positive int", replications)
    try:
        W = float(warmup_hours)
    except (TypeError, ValueError):
        W = float("nan")
    if not (np.isfinite(W) and W >= 0 and (not (np.isfinite(H) and H > 0) or W < H)):
        probs.param("warmup_hours", "a number of hours in [0, horizon_hours)", warmup_hours)
    if service_distribution not in ("exponential", "lognormal", "fixed"):
        probs.param("service_distribution", "one of 'exponential', 'lognormal', 'fixed'", service_distribution)
    if not (_as_float(service_cv) > 0 and np.isfinite(_as_float(service_cv))):
        probs.param("service_cv", "a positive float", service_cv)
    if isinstance(start_hour, bool) or not isinstance(start_hour, (int, np.integer)) or not 0 <= start_hour < 24:
        probs.param("start_hour", "an int in [0, 23]", start_hour)
    if isinstance(units_per_call, bool) or not isinstance(units_per_call, (int, np.integer)) or units_per_call < 1:
        probs.param("units_per_call", "a positive int", units_per_call)
    elif requirements is not None and units_per_call != 1:
        probs.add("simulate takes either 'requirements' or 'units_per_call', not both: put the counts in "
                  f"'requirements'. Got units_per_call={units_per_call!r}.")
    if policy not in ("nearest", "plan"):
        probs.param("policy", "one of 'nearest', 'plan'", policy)
    limit, turnout = _standard_and_turnout(standard, turnout_minutes, probs)
    full_limit = float("nan")
    if full_limit_minutes is not None:
        full_limit = _as_float(full_limit_minutes)
        if not (np.isfinite(full_limit) and full_limit > 0):
            probs.param("full_limit_minutes", "a positive number of minutes", full_limit_minutes)
    profile = _hourly(hourly_profile, probs)
    system = _resolve_system(county, func="simulate", stations=stations, units=units, demand=demand,
                             times=times, unit_types=None if requirements is not None else unit_types,
                             incidents_per_year=incidents_per_year, probs=probs)
    if system is None:
        probs.raise_if_any()
    reqs = pools = None
    if requirements is not None:
        reqs = _parse_requirements(requirements, system, probs)
        if reqs is not None:
            pools = _pools(system, reqs, float(turnout), probs)
    n = len(system.point_ids)
    if isinstance(service_minutes, pd.Series):
        service_minutes = service_minutes.reindex(system.point_ids)
    try:
        svc = np.asarray(service_minutes, dtype=float).ravel()
    except (TypeError, ValueError):
        svc = np.array([np.nan])
    if svc.size == 1:
        svc = np.full(n, float(svc[0]))
    if svc.size != n or not np.all(np.isfinite(svc)) or (svc <= 0).any():
        probs.param("service_minutes", f"a positive number of minutes (or {n}, one per demand point)",
                    svc.tolist() if svc.size <= 10 else f"{svc.size} values")
    probs.raise_if_any()
    if full_limit_minutes is None:
        full_limit = _full_alarm_limit(standard, limit, turnout)

    from yingji._kernels.simulation import _preference_order

    if pools is None:
        pref, npref = _preference_order(system.travel)
        travel_cfg = system.travel
        rep_ids = list(system.unit_ids)
        rep_types = list(system.unit_types)
    else:  # the pools carry their own lists; only the reported units' positions are needed
        pref = npref = travel_cfg = None
        unit_pos = np.sort(np.concatenate([p["glob"] for p in pools]))
        rep_ids = [system.unit_ids[q] for q in unit_pos]
        rep_types = [system.unit_types[q] for q in unit_pos]
    cfg = {
        "horizon": H * 60.0,
        "warmup": W * 60.0,
        "rate_per_min": system.rate_per_year / MINUTES_PER_YEAR,
        "profile": profile,
        "start_hour": int(start_hour),
        "service_mean": np.ascontiguousarray(svc),
        "service_distribution": service_distribution,
        "service_cv": float(service_cv),
        "pref": pref,
        "npref": npref,
        "travel": travel_cfg,
        "n_points": len(system.point_ids),
        "turnout": float(turnout),
        "travel_in_service": bool(travel_in_service),
        "limit": float(limit),
        "full_limit": float(full_limit),
        "units_per_call": int(units_per_call),
        "pools": pools,
    }
    if pools is not None:
        cfg.update({
            "req_mode": reqs.mode,
            "req_table": reqs.table,
            "req_cum": None if reqs.share is None else np.r_[np.cumsum(reqs.share)[:-1], 1.0],
            "n_units": len(system.unit_ids),
            "unit_pos": unit_pos,
        })
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(int(replications))
    results = _run_all(cfg, children, executor, progress)

    per = pd.DataFrame([{k: r[k] for k in _SCALARS} for r in results])
    per.index.name = "replication"
    util = np.vstack([r["utilisation"] for r in results])
    per["mean_utilisation"] = util.mean(axis=1)
    share = (0.0, 1.0)
    ci = {k: confidence_interval(per[k], bounds=share if k in _SHARES else (0.0, np.inf))
          for k in _SCALARS if k != "n_incidents"}
    ci["mean_utilisation"] = confidence_interval(per["mean_utilisation"], bounds=share)
    for q, uid in enumerate(rep_ids):
        ci[f"utilisation[{uid}]"] = confidence_interval(util[:, q], bounds=share)
    by_type = req_frame = None
    if pools is not None:
        rows = {}
        for typ in reqs.types:
            vals = np.array([r["by_type"][typ] for r in results])  # replications x figures
            row = {}
            for f_i, (name, is_share) in enumerate(_TYPE_FIGURES):
                row[name] = float(np.nanmean(vals[:, f_i])) if np.isfinite(vals[:, f_i]).any() else float("nan")
                lo, hi = confidence_interval(vals[:, f_i], bounds=share if is_share else (0.0, np.inf))
                row[f"{name}_low"], row[f"{name}_high"] = lo, hi
                ci[f"{name}[{typ}]"] = (lo, hi)
            rows[typ] = row
        by_type = pd.DataFrame.from_dict(rows, orient="index")
        by_type.index.name = "type"
        req_frame = pd.DataFrame(reqs.table, index=pd.Index(reqs.labels, name="calls"), columns=reqs.types)
        if reqs.share is not None:
            req_frame.insert(0, "share", reqs.share)
    psum = np.sum([r["point_sum"] for r in results], axis=0)
    pn = np.sum([r["point_n"] for r in results], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_point = pd.DataFrame({"incidents": pn, "mean_minutes": np.where(pn > 0, psum / np.maximum(pn, 1), np.nan)},
                                index=pd.Index(system.point_ids, name="id"))
    ksec = sum(r["kernel_seconds"] for r in results)
    events = 2 * sum(r["events"] for r in results)
    seed_out = seed if isinstance(seed, (int, np.integer, type(None))) else repr(seed)
    lam_all = system.rate_per_year
    if pools is None:
        best = system.travel.min(axis=1)
        static = float(np.sum(lam_all * (turnout + best <= limit + COVER_TOL)) / lam_all.sum())
    else:  # first arrival of a needed type with every unit free, by call row
        best_t = np.vstack([p["best"] for p in pools])  # n_types x n_points (turnout included)
        ok_t = best_t <= limit + COVER_TOL
        if reqs.mode == "point":
            hit = ((reqs.table.T > 0) & ok_t).any(axis=0).astype(float)
        else:
            per_row = ((reqs.table[:, :, None] > 0) & ok_t[None, :, :]).any(axis=1)  # rows x points
            w_rows = np.ones(1) if reqs.share is None else reqs.share
            hit = w_rows @ per_row.astype(float)
        static = float(np.sum(lam_all * hit) / lam_all.sum())
    return SimulationResult(
        mean_minutes=float(per["mean_minutes"].mean()),
        p90_minutes=float(per["p90_minutes"].mean()),
        within_standard=float(per["within_standard"].mean()),
        first_due_busy=float(per["first_due_busy"].mean()),
        mean_wait_minutes=float(per["mean_wait_minutes"].mean()),
        share_queued=float(per["share_queued"].mean()),
        full_mean_minutes=float(per["full_mean_minutes"].mean()),
        full_p90_minutes=float(per["full_p90_minutes"].mean()),
        utilisation=pd.Series(util.mean(axis=0), index=pd.Index(rep_ids, name="unit"), name="utilisation"),
        ci=ci,
        per_replication=per,
        by_point=by_point,
        standard=str(standard),
        limit_minutes=float(limit),
        turnout_minutes=float(turnout),
        replications=int(replications),
        horizon_hours=H,
        warmup_hours=W,
        seed=int(seed_out) if isinstance(seed_out, np.integer) else seed_out,
        seconds=time.perf_counter() - t_start,
        events_per_second=events / ksec if ksec > 0 else float("nan"),
        static_within_standard=static,
        extras={"unit_types": rep_types, "kernel_seconds": ksec, "events": events},
        full_within_limit=float(per["full_within_limit"].mean()),
        policy=str(policy),
        full_limit_minutes=float(full_limit),
        requirements=req_frame,
        by_type=by_type,
    )


def _run_all(cfg, children, executor, progress):
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(children), desc="replications")
        except ImportError:  # pragma: no cover - tqdm is in the test extra
            bar = None
    out = []
    if executor is None:
        for ch in children:
            out.append(_replicate(cfg, ch))
            if bar is not None:
                bar.update(1)
    else:
        futures = [executor.submit(_replicate, cfg, ch) for ch in children]
        for f in futures:  # in submission order: identical results whatever the executor
            out.append(f.result())
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return out


# ------------------------------------------------------------------------------------------
# hypercube
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HypercubeResult:
    """Larson's hypercube queueing model of a fleet answering calls from demand points.

    Attributes
    ----------
    workload : pandas.Series
        Busy probability (utilisation) of each unit.
    dispatch : pandas.DataFrame
        Share of all calls that come from each demand point (rows) and are answered by each
        unit (columns); sums to 1.
    mean_travel_minutes, mean_response_minutes, mean_wait_minutes : float
        Mean travel, mean response (wait + turnout + travel) and mean wait.
    p_all_busy : float
        Probability that every unit is busy (a call has to wait; Erlang C).
    first_due_busy : float
        Share of calls whose first-due units (every unit with the point's shortest travel
        time) are all busy.
    within_standard : float
        Share of calls with response at most the limit.
    method : str
        ``"exact"`` or ``"larson"``.
    iterations : int
        Fixed-point iterations (Larson's approximation; 0 for exact).
    """

    workload: pd.Series
    dispatch: pd.DataFrame
    mean_travel_minutes: float
    mean_response_minutes: float
    mean_wait_minutes: float
    p_all_busy: float
    first_due_busy: float
    within_standard: float
    method: str
    iterations: int
    limit_minutes: float
    turnout_minutes: float
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``workload``, ``share_of_calls``, ``mean_travel_minutes``."""
        d = self.dispatch
        share = d.sum(axis=0)
        return pd.DataFrame({"workload": self.workload, "share_of_calls": share})

    def to_dict(self) -> dict:
        return to_jsonable({
            "workload": {str(k): float(v) for k, v in self.workload.items()},
            "mean_travel_minutes": self.mean_travel_minutes,
            "mean_response_minutes": self.mean_response_minutes,
            "mean_wait_minutes": self.mean_wait_minutes,
            "p_all_busy": self.p_all_busy,
            "first_due_busy": self.first_due_busy,
            "within_standard": self.within_standard,
            "method": self.method,
            "iterations": self.iterations,
            "seconds": self.seconds,
        })

    def summary(self) -> str:
        return (
            f"Hypercube ({self.method}, {len(self.workload)} units): mean response "
            f"{self.mean_response_minutes:.2f} min, within standard {self.within_standard:.1%}, "
            f"all busy {self.p_all_busy:.2%}, first-due busy {self.first_due_busy:.1%}, "
            f"mean workload {float(self.workload.mean()):.1%}."
        )


def _erlang(N: int, a: float) -> tuple[float, float]:
    """M/M/N with offered load ``a``: (P0, probability of waiting)."""
    rho = a / N
    terms = [1.0]
    for k in range(1, N):
        terms.append(terms[-1] * a / k)
    tail = terms[-1] * a / N / (1.0 - rho)  # a^N / (N! (1 - rho))
    p0 = 1.0 / (sum(terms) + tail)
    return p0, tail * p0


def _larson_q(N: int, rho: float, p0: float) -> np.ndarray:
    """Larson's correction factors Q(N, rho, j), j = 0..N-1 (infinite queue).

    Larson (1975), Larson & Odoni (1981) eq. (5.48)::

        Q(N, rho, j) = sum_{k=j}^{N-1} (N-j-1)! (N-k) / (k-j)! * N^k rho^(k-j) / N! * P0 / (1 - rho)

    with ``P0`` the empty-system probability of the M/M/N queue with utilisation ``rho``.
    ``Q(N, rho, j) rho^j (1 - rho)`` is the M/M/N probability that j given units are busy and
    a given other unit is free when busy sets are equally likely; Q(3, 1/2, .) = 1, 14/19, 12/19.
    """
    lf = [math.lgamma(k + 1) for k in range(N + 1)]
    lr = math.log(rho)
    Q = np.zeros(N)
    for j in range(N):
        s = 0.0
        for k in range(j, N):
            s += (N - k) * math.exp(lf[N - j - 1] - lf[k - j] - lf[N] + k * math.log(N) + (k - j) * lr)
        Q[j] = s * p0 / (1.0 - rho)
    return Q


def hypercube(
    county=None,
    *,
    stations: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    times=None,
    unit_types: str | Iterable[str] | None = ("engine",),
    incidents_per_year=None,
    service_minutes: float = 45.0,
    standard="GB51080",
    turnout_minutes: float | None = None,
    method: str = "auto",
    max_exact_units: int = 10,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> HypercubeResult:
    """Larson's hypercube queueing model: unit workloads, dispatch shares and response times.

    Parameters
    ----------
    county, stations, units, demand, times, unit_types, incidents_per_year, standard, turnout_minutes
        As in :func:`simulate`. Every unit must be able to reach every demand point.
    service_minutes : float
        Mean busy time per call (exponential, the same for every unit): compare with
        ``simulate(..., travel_in_service=False, service_minutes=...)``, or pass the mean
        busy time including travel.
    method : {"auto", "exact", "larson"}
        ``"exact"`` solves the Markov chain on the 2^N busy/free states (N ≤ 20; 12 units take
        a few seconds); ``"larson"`` uses Larson's approximation; ``"auto"`` is exact up to
        ``max_exact_units`` units.
    max_exact_units : int
        Largest fleet solved exactly by ``"auto"``.
    tol, max_iter : float, int
        Convergence of Larson's fixed-point iteration: it stops when no workload moves by
        ``tol``; ``max_iter`` bounds the iterations (and root-solver evaluations).

    Returns
    -------
    HypercubeResult

    Raises
    ------
    ValidationError
        Bad input (as in :func:`simulate`), a unit that cannot reach a demand point, a bad
        ``method``, ``method="exact"`` with more than 20 units, or an unstable system (call
        rate ≥ service capacity).

    Warns
    -----
    YingjiWarning
        Larson's approximation did not converge within ``max_iter``; the result holds the last
        iterate.

    Notes
    -----
    The exact model is a continuous-time Markov chain on subsets :math:`B` of busy units. A
    call from point :math:`j` (rate :math:`\\lambda_j`) takes the first free unit of :math:`j`'s
    preference list (units by travel time); each busy unit frees at rate :math:`\\mu`. With an
    infinite first-come queue the states "all busy with :math:`q` waiting" are lumped into one
    state left to "all but :math:`n` busy" at rate :math:`\\mu(1-\\rho)`,
    :math:`\\rho = \\lambda/(N\\mu)`, because the queue is geometric. Waiting calls are taken by
    the first unit to free (each unit with probability :math:`1/N`) and wait
    :math:`\\mathrm{Exp}(N\\mu-\\lambda)`.

    Larson's approximation [2]_ [3]_ replaces the chain by the unit workloads :math:`\\rho_n`,
    the fixed point of

    .. math:: \\rho_n \\leftarrow \\frac{V_n + \\rho P_Q}{1 + V_n}, \\quad
              V_n = \\sum_j \\frac{\\lambda_j}{\\mu} \\sum_{k=1}^{N} [a_{jk}=n]\\,
              Q(N,\\rho,k-1) \\prod_{l<k} \\rho_{a_{jl}}, \\qquad
              \\rho_n \\leftarrow \\rho_n \\frac{N\\rho}{\\sum_m \\rho_m}

    (the first is :math:`\\rho_n = (1-\\rho_n)V_n + \\rho P_Q`: calls that find unit :math:`n`
    first free on their list, plus a :math:`1/N` share of those that wait; the second is
    Larson's normalisation: the workloads add up to the offered load :math:`\\lambda/\\mu`),
    iterated from :math:`\\rho_n = \\rho`, with :math:`a_{jk}` the :math:`k`-th unit on point
    :math:`j`'s list and the correction factor of the M/M/N queue

    .. math:: Q(N,\\rho,j) = \\sum_{k=j}^{N-1} \\frac{(N-j-1)!\\,(N-k)}{(k-j)!}\\,
              \\frac{N^k \\rho^{k-j}}{N!}\\, \\frac{P_0}{1-\\rho}.

    On the three-unit example of [3]_ (section 5.5.3) the iterates are the book's; on random
    fleets of 3-6 units the workloads are within 0.011 of the exact chain (0.021 over 500
    fleets; ``tests/simulation/test_larson_approx.py``). Where the normalisation would lift a
    workload past 1 (long preference chains at 90 % load and more) that unit is held at 1, and
    an iteration that stops contracting is finished by a root solver on the same equations.
    Each point's approximate dispatch shares are rescaled to add up to :math:`1-P_Q` (its calls
    that do not wait).

    References
    ----------
    .. [1] Larson, R. C. (1974). A hypercube queuing model for facility location and
       redistricting in urban emergency services. *Computers & Operations Research* 1(1), 67-95.
    .. [2] Larson, R. C. (1975). Approximating the performance of urban emergency service
       systems. *Operations Research* 23(5), 845-868.
    .. [3] Larson, R. C., Odoni, A. R. (1981). *Urban Operations Research*, ch. 5.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "engine"]}, index=["u1", "u2"])
    >>> demand = pd.DataFrame({"incidents_per_year": [2000.0, 1000.0]}, index=["a", "b"])
    >>> hc = hypercube(units=units, demand=demand, times=np.array([[2.0, 6.0], [5.0, 3.0]]))
    >>> round(float(hc.dispatch.to_numpy().sum()), 9)
    1.0
    """
    t0 = time.perf_counter()
    probs = Problems("hypercube")
    if method not in ("auto", "exact", "larson"):
        probs.param("method", "one of 'auto', 'exact', 'larson'", method)
    mu_min = _as_float(service_minutes) if np.ndim(service_minutes) == 0 else float("nan")
    if not (np.isfinite(mu_min) and mu_min > 0):
        probs.param("service_minutes", "a positive number of minutes", service_minutes)
    limit, turnout = _standard_and_turnout(standard, turnout_minutes, probs)
    system = _resolve_system(county, func="hypercube", stations=stations, units=units, demand=demand,
                             times=times, unit_types=unit_types, incidents_per_year=incidents_per_year,
                             probs=probs)
    if system is None:
        probs.raise_if_any()
    T = system.travel
    bad = np.nonzero(np.isinf(T).any(axis=0))[0]
    if bad.size:
        probs.add(f"hypercube needs every unit to reach every demand point; units "
                  f"{describe_positions(bad, system.unit_ids)} cannot reach some.")
    lam_j = system.rate_per_year / MINUTES_PER_YEAR
    lam = float(lam_j.sum())
    N = T.shape[1]
    mu = 1.0 / mu_min if np.isfinite(mu_min) and mu_min > 0 else 1.0
    rho = lam / (N * mu)
    if rho >= 1:
        probs.add(f"hypercube: the system is unstable: the call rate {lam * MINUTES_PER_YEAR:.4g}/year "
                  f"needs {lam / mu:.4g} busy units on average but there are {N} (utilisation {rho:.3f} >= 1).")
    if method == "exact" and N > 20:
        probs.add(f"hypercube: method='exact' solves a chain with 2^N states; N = {N} units is too many "
                  f"(at most 20). Use method='larson'.")
    probs.raise_if_any()
    from yingji._kernels.simulation import _preference_order

    pref, _ = _preference_order(np.ascontiguousarray(T))
    use_exact = method == "exact" or (method == "auto" and N <= max_exact_units)
    p0, PQ = _erlang(N, lam / mu)
    iters = 0
    share = lam_j / lam
    if use_exact:
        work, f_nq, first_busy, PQ = _hypercube_exact(pref, lam_j, mu, N, rho, T)
    else:
        work, f_nq, first_busy, iters = _hypercube_larson(pref, lam_j, mu, N, rho, p0, PQ, tol, max_iter, T)
    # queued calls: any unit with probability 1/N
    f = f_nq + np.outer(share * PQ, np.full(N, 1.0 / N))
    mean_travel = float((f * T).sum())
    rate_w = N * mu - lam
    mean_wait = PQ / rate_w
    ok_nq = (turnout + T <= limit + COVER_TOL)
    within = float((f_nq * ok_nq).sum())
    slack = limit + COVER_TOL - turnout - T
    pw = np.where(slack >= 0, 1.0 - np.exp(-rate_w * np.maximum(slack, 0.0)), 0.0)
    within += float((np.outer(share * PQ, np.full(N, 1.0 / N)) * pw).sum())
    uid = pd.Index(system.unit_ids, name="unit")
    return HypercubeResult(
        workload=pd.Series(work, index=uid, name="workload"),
        dispatch=pd.DataFrame(f, index=pd.Index(system.point_ids, name="id"), columns=uid),
        mean_travel_minutes=mean_travel,
        mean_response_minutes=mean_wait + turnout + mean_travel,
        mean_wait_minutes=float(mean_wait),
        p_all_busy=float(PQ),
        first_due_busy=float(first_busy),
        within_standard=within,
        method="exact" if use_exact else "larson",
        iterations=iters,
        limit_minutes=float(limit),
        turnout_minutes=float(turnout),
        seconds=time.perf_counter() - t0,
    )


def _hypercube_exact(pref, lam_j, mu, N, rho, T):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    S = 1 << N
    full = S - 1
    states = np.arange(S, dtype=np.int64)
    # points with the same preference list behave as one: group them
    groups, inv = np.unique(pref, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    lam_g = np.bincount(inv, weights=lam_j, minlength=groups.shape[0])
    G = groups.shape[0]
    # first free unit of each group's preference list in each state (-1 in the full state)
    first_free = np.full((G, S), -1, dtype=np.int64)
    for g in range(G):
        undecided = np.ones(S, dtype=bool)
        for q in range(N):
            u = groups[g, q]
            hit = undecided & (((states >> u) & 1) == 0)
            first_free[g, hit] = u
            undecided &= ~hit
    rows, cols, vals = [], [], []
    for g in range(G):  # calls
        if lam_g[g] <= 0:
            continue
        ok = first_free[g] >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (1 << first_free[g, ok]))
        vals.append(np.full(int(ok.sum()), lam_g[g]))
    for u in range(N):  # releases
        src = states[((states >> u) & 1) == 1]
        rows.append(src)
        cols.append(src & ~(1 << u))
        vals.append(np.where(src == full, mu * (1.0 - rho), mu))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    Qm = sp.csr_matrix((v, (r, c)), shape=(S, S))
    Qm = Qm - sp.diags(np.asarray(Qm.sum(axis=1)).ravel())
    # pi Q = 0 with pi[0] = 1 (then normalise): balance of every state but the empty one
    At = Qm.T.tocsc()
    pi = np.empty(S)
    pi[0] = 1.0
    pi[1:] = spla.spsolve(At[1:, 1:], -At[1:, 0].toarray().ravel(), permc_spec="MMD_AT_PLUS_A")
    pi = np.maximum(pi, 0.0)
    pi /= pi.sum()
    busy_bits = ((states[:, None] >> np.arange(N)[None, :]) & 1).astype(float)
    work = pi @ busy_bits
    lam = lam_j.sum()
    fg = np.zeros((G, N))
    for g in range(G):
        ok = first_free[g] >= 0
        fg[g] = np.bincount(first_free[g, ok], weights=pi[ok], minlength=N)
    f = fg[inv] * (lam_j / lam)[:, None]
    # first-due units of each point: every unit tied with its shortest travel time
    masks = _first_due_masks(T)
    um, minv = np.unique(masks, return_inverse=True)
    p_all = np.array([pi[(states & m) == m].sum() for m in um])
    first_busy = float(np.sum(lam_j / lam * p_all[np.asarray(minv).ravel()]))
    return work, f, first_busy, float(pi[full])


def _first_due_masks(T):
    best = T.min(axis=1, keepdims=True)
    tied = T <= best
    return (tied.astype(np.int64) << np.arange(T.shape[1], dtype=np.int64)[None, :]).sum(axis=1)


def _larson_normalise(r: np.ndarray, total: float) -> np.ndarray:
    """Larson's workload normalisation: scale the workloads ``r`` to add up to ``total``.

    This is the published step (Larson 1975; Larson & Odoni 1981, Figure 5.19) whenever no
    scaled workload exceeds 1. Where one would (at the solution we met it only in preference
    chains of 12+ units at 90 % utilisation or more), the units it would push past 1 are held
    at 1 and the others scaled to make up the total, so the sum stays ``total``.
    """
    c = total / r.sum()
    if c * r.max() <= 1.0:
        return c * r
    rs = np.sort(r)[::-1]
    k = 0  # units held at 1 (total < len(r), so some are left to scale)
    while True:
        c = (total - k) / rs[k:].sum()
        if c * rs[k] <= 1.0:
            break
        k += 1
    return np.minimum(c * r, 1.0)


def _hypercube_larson(pref, lam_j, mu, N, rho, p0, PQ, tol, max_iter, T):
    """Larson's (1975) approximate hypercube: unit workloads, dispatch shares, first-due busy.

    Larson's iteration (Larson & Odoni 1981, Figure 5.19) from rho_n = rho: compute V_n from the
    current workloads, rho_n <- (V_n + rho P_Q) / (1 + V_n), normalise the rho_n to add up to
    N rho; stop when no workload moves by ``tol``. On the book's 3-unit, 10-atom example this
    gives the book's iterates (0.5627, 0.4716, 0.4657 after three). Should the iteration stop
    contracting (step not 10 % shorter than the last; we met it on chains of 10+ units), the same
    fixed point is solved with MINPACK's hybrid method (scipy ``root(method="hybr")``).
    """
    Q = _larson_q(N, rho, p0)
    n_pts = lam_j.size
    a = lam_j / mu
    D = rho * PQ  # calls that wait, shared equally: lambda P_Q / (N mu)

    def step(work):
        # prod_{l<k} rho_{a_jl} for k = 1..N
        rp = work[pref]  # n_pts x N
        prod = np.ones((n_pts, N))
        prod[:, 1:] = np.cumprod(rp[:, :-1], axis=1)
        V = np.bincount(pref.ravel(), weights=(a[:, None] * Q[None, :] * prod).ravel(), minlength=N)
        return _larson_normalise((V + D) / (1.0 + V), N * rho)

    work = np.full(N, rho)
    it = 0
    prev = np.inf
    converged = stalled = False
    while it < max_iter:
        it += 1
        new = step(work)
        delta = float(np.max(np.abs(new - work)))
        if delta < tol:
            work, converged = new, True
            break
        if delta > 0.9 * prev:
            stalled = True
            break
        work, prev = new, delta
    if stalled:
        from scipy.optimize import root

        sol = root(lambda x: step(x) - x, work, method="hybr",
                   options={"xtol": 1e-13, "maxfev": max(max_iter - it, N + 2)})
        it += int(sol.nfev)
        x = np.clip(sol.x, 0.0, 1.0)
        resid = float(np.max(np.abs(step(x) - x)))
        if np.all(np.isfinite(x)) and resid < float(np.max(np.abs(step(work) - work))):
            work = step(x)
            converged = resid < tol
    if not converged:
        warnings.warn(f"hypercube: Larson's approximation did not converge to tol={tol:g} in "
                      f"max_iter={max_iter} iterations; the workloads are the last iterate.",
                      YingjiWarning, stacklevel=3)
    rp = work[pref]
    prod = np.ones((n_pts, N))
    prod[:, 1:] = np.cumprod(rp[:, :-1], axis=1)
    lam = lam_j.sum()
    g = Q[None, :] * prod * (1.0 - rp)
    # the approximate shares of a point need not add up exactly: rescale them to 1 - P_Q
    tot = g.sum(axis=1, keepdims=True)
    g = (lam_j / lam)[:, None] * (1.0 - PQ) * g / np.where(tot > 0, tot, 1.0)
    f = np.zeros((n_pts, N))
    np.put_along_axis(f, pref, g, axis=1)
    # P(the k tied first-due units all busy) = 1 - P(first free is among the first k)
    k_tied = (T <= T.min(axis=1, keepdims=True)).sum(axis=1)
    raw = Q[None, :] * prod * (1.0 - rp)
    cum = np.cumsum(raw, axis=1)
    p_free = cum[np.arange(n_pts), k_tied - 1]
    first_busy = float(np.sum(lam_j / lam * np.clip(1.0 - p_free, 0.0, 1.0)))
    return work, f, first_busy, it


# ------------------------------------------------------------------------------------------
# evaluating a siting plan
# ------------------------------------------------------------------------------------------
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


__all__ += ["with_new_stations"]
