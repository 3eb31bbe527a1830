"""The event engine: one replication (draw the calls, run the numba kernels, reduce to figures)
and the replications run in this process or on an executor.

The functions here are at module level because :func:`_replicate` is pickled to executors.
"""

from __future__ import annotations

import math
import time

import numpy as np

from yingji.config import COVER_TOL


def _draw_calls(cfg: dict, rng: np.random.Generator):
    """Call times (minutes, sorted), demand points and on-scene minutes of one replication.

    A non-homogeneous Poisson process whose rate follows the hourly profile, drawn in time
    proportional to the number of calls (not to the hours of the horizon): the number of calls
    is one Poisson draw with mean the integrated rate ``Lambda(H)``; their sorted positions on
    the integrated-rate scale are uniform order statistics (normalised sums of exponentials,
    Devroye 1986, Section V.2), mapped back to minutes by inverting ``Lambda`` — whole days,
    then the hour of the day (a search among 24), then linearly within the hour (Çinlar 1975,
    the time-change theorem of Poisson processes)."""
    H = cfg["horizon"]
    lam = cfg["rate_per_min"]
    total = float(lam.sum())
    # expected calls in each hour of the day, the first hour being the simulation's start hour
    mass = total * np.asarray(cfg["profile"], dtype=float)[(cfg["start_hour"] + np.arange(24)) % 24] * 60.0
    cum_h = np.concatenate([[0.0], np.cumsum(mass)])
    day = float(cum_h[-1])
    full_days = int(H // 1440.0)
    rem = H - 1440.0 * full_days
    h_r = min(int(rem // 60.0), 23)
    rem_mass = float(cum_h[h_r] + mass[h_r] * (rem - 60.0 * h_r) / 60.0)
    big = full_days * day + rem_mass
    N = int(rng.poisson(big)) if big > 0 else 0
    e = rng.exponential(1.0, N + 1)
    x = np.cumsum(e)[:N] * (big / float(e.sum())) if N else np.zeros(0)
    d = np.floor(x / day) if day > 0 else np.zeros(N)
    r = x - d * day
    h = np.clip(np.searchsorted(cum_h, r, side="right") - 1, 0, 23)
    within = np.divide(r - cum_h[h], mass[h], out=np.zeros(N), where=mass[h] > 0)
    t = d * 1440.0 + 60.0 * (h + np.minimum(within, 1.0))
    np.minimum(t, np.nextafter(H, 0.0), out=t)
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


def _run_pools(cfg: dict, arrival, pts, scene, rng, rows_t=None):
    """Multi-type dispatch: each type's pool on the same calls, merged per call (``rows_t``: each
    call's travel row, default its point)."""
    from yingji._kernels.simulation import _combine_pools, _simulate_pool

    N = arrival.size
    rows_t = pts if rows_t is None else rows_t
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
        _simulate_pool(arrival, rows_t, scene, need[k], pool["pref"], pool["npref"], pool["travel"], pool["glob"],
                       cfg["turnout"], cfg["travel_in_service"], cfg["warmup"], cfg["horizon"], chosen,
                       np.zeros(m), first_t[k], last_t[k], unit_t[k], wait_t[k], b)
        busy[pool["glob"]] += b
    resp = np.empty(N)
    full = np.empty(N)
    wait = np.empty(N)
    unit = np.empty(N, dtype=np.int64)
    fdb = np.empty(N, dtype=np.bool_)
    _combine_pools(rows_t, first_t, last_t, unit_t, wait_t, best_t, resp, full, unit, wait, fdb)
    kernel_s = time.perf_counter() - t0
    return resp, full, unit, wait, fdb, busy[cfg["unit_pos"]], kernel_s, need, first_t, last_t


def _replicate(cfg: dict, seed_seq) -> dict:
    """Run one replication; returns its figures (picklable)."""
    from yingji._kernels.simulation import _simulate_nearest

    rng = np.random.default_rng(seed_seq)
    arrival, pts, scene = _draw_calls(cfg, rng)
    rows = pts   # the travel row of each call: its point, in its hour's block when routed by hour
    if cfg.get("hour_slot") is not None:
        hour = (cfg["start_hour"] + np.floor(arrival / 60.0).astype(np.int64)) % 24
        rows = np.ascontiguousarray(pts + cfg["n_points"] * cfg["hour_slot"][hour])
    if cfg.get("pools") is None:
        t0 = time.perf_counter()
        resp, full, unit, wait, fdb, busy = _simulate_nearest(
            arrival, rows, scene, cfg["pref"], cfg["npref"], cfg["travel"], cfg["turnout"],
            cfg["travel_in_service"], cfg["warmup"], cfg["horizon"], cfg["units_per_call"],
        )
        kernel_s = time.perf_counter() - t0
        need = first_t = last_t = None
    else:
        resp, full, unit, wait, fdb, busy, kernel_s, need, first_t, last_t = _run_pools(cfg, arrival, pts, scene,
                                                                                        rng, rows)
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


def _run_all(cfg, children, executor, progress):
    """Figures of every replication, in order (here, or on ``executor``; a tqdm bar with ``progress``)."""
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
