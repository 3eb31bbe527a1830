"""simulate(): checks the arguments, prepares the county, runs the replications and returns a
:class:`~yingji.simulation.result.SimulationResult`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterable

import numpy as np
import pandas as pd

from yingji._executor import as_executor
from yingji._validation import SEED, check_param, Problems
from yingji.exceptions import ValidationError
from yingji.simulation.engine import _run_all
from yingji.simulation.inputs import _hourly, _parse_requirements, _pools, _Requirements, _resolve_system, _System
from yingji.simulation.result import SimulationResult, _simulation_result
from yingji.simulation.standards import MINUTES_PER_YEAR, _as_float, _full_alarm_limit, _standard_and_turnout

__all__ = ["simulate"]


def simulate(
    county=None,
    *,
    horizon_hours: float = 24.0 * 365.0,
    replications: int = 10,
    seed=0,
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
    by_hour: bool = False,
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
    seed : int or numpy.random.SeedSequence, default 0
        Seed of the whole run; the figures are identical for one seed whatever the executor
        or the machine's load (``None`` draws fresh entropy: figures that change every run).
    standard : str or float
        Response standard: ``"GB51080"`` (5 min incl. 1 min turnout), ``"NFPA1710"``
        (80 s turnout + 240 s travel) or a limit in minutes.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
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
    by_hour : bool
        Route each call on the road network of the hour of day it arrives (speed factors by road
        class, :mod:`yingji.network.hours`; the hour counts from ``start_hour``). Needs ``times``
        to be a Network (or the county's). Default False: one travel matrix for every call.
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

    This function is long only for this docstring (25 parameters); its body checks the
    arguments and hands the work to private helpers (``inputs``, ``engine``, ``result``).

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
    H, W = _check_run(horizon_hours, replications, warmup_hours, service_distribution, service_cv, start_hour,
                      units_per_call, requirements, policy, probs)
    limit, turnout = _standard_and_turnout(standard, turnout_minutes, probs)
    full_limit = float("nan")
    if full_limit_minutes is not None:
        full_limit = _as_float(full_limit_minutes)
        if not (np.isfinite(full_limit) and full_limit > 0):
            probs.param("full_limit_minutes", "a positive number of minutes", full_limit_minutes)
    profile = _hourly(hourly_profile, probs)
    if not isinstance(seed, np.random.SeedSequence):
        check_param(probs, "seed", seed, SEED, None)
    system = _resolve_system(county, func="simulate", stations=stations, units=units, demand=demand,
                             times=times, unit_types=None if requirements is not None else unit_types,
                             incidents_per_year=incidents_per_year, probs=probs)
    if system is None:
        probs.raise_if_any()
    run_system, hour_slot = system, None
    if not isinstance(by_hour, (bool, np.bool_)):
        probs.param("by_hour", "True or False", by_hour)
    elif by_hour and system is not None:
        run_system, hour_slot = _hourly_system(system, county, stations, units, demand, times,
                                               None if requirements is not None else unit_types,
                                               incidents_per_year, probs)
    reqs = pools = None
    if requirements is not None:
        reqs = _parse_requirements(requirements, system, probs)
        if reqs is not None:
            pools = _pools(run_system, reqs, float(turnout), probs)
    report_pools = pools   # the figures without queueing (static coverage) are the free-flow ones
    if pools is not None and run_system is not system:
        report_pools = _pools(system, reqs, float(turnout), probs)
    svc = _service_means(service_minutes, system.point_ids, probs)
    probs.raise_if_any()
    if full_limit_minutes is None:
        full_limit = _full_alarm_limit(standard, limit, turnout)
    cfg, rep_ids, rep_types = _config(
        run_system, reqs, pools, H=H, W=W, profile=profile, start_hour=start_hour, svc=svc,
        service_distribution=service_distribution, service_cv=service_cv, turnout=turnout,
        travel_in_service=travel_in_service, limit=limit, full_limit=full_limit, units_per_call=units_per_call,
    )
    cfg["n_points"] = len(system.point_ids)
    cfg["hour_slot"] = hour_slot
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(int(replications))
    results = _run_all(cfg, children, as_executor(executor), progress)
    return _simulation_result(results, system, reqs, report_pools, rep_ids, rep_types, standard=standard, limit=limit,
                              turnout=turnout, full_limit=full_limit, replications=replications, H=H, W=W,
                              seed=seed, policy=policy, t_start=t_start)


def _check_run(horizon_hours, replications, warmup_hours, service_distribution, service_cv, start_hour,
               units_per_call, requirements, policy, probs: Problems) -> tuple[float, float]:
    """Horizon and warm-up in hours (NaN when bad); problems with the run's settings go to ``probs``."""
    H = _as_float(horizon_hours)
    if not (np.isfinite(H) and H > 0):
        probs.param("horizon_hours", "a positive number of hours", horizon_hours)
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        probs.param("replications", "a positive int", replications)
    W = _as_float(warmup_hours)
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
    return H, W


def _service_means(service_minutes, point_ids: list, probs: Problems) -> np.ndarray:
    """Mean on-scene minutes per demand point (one value is repeated); problems go to ``probs``."""
    n = len(point_ids)
    if isinstance(service_minutes, pd.Series):
        service_minutes = service_minutes.reindex(point_ids)
    try:
        svc = np.asarray(service_minutes, dtype=float).ravel()
        if isinstance(service_minutes, (bool, np.bool_, str, bytes)) or \
                np.asarray(service_minutes).dtype.kind in "USO" and any(
                    isinstance(v, (str, bytes)) for v in np.asarray(service_minutes, dtype=object).ravel()):
            svc = np.array([np.nan])  # text is refused even where it reads as a number
    except (TypeError, ValueError):
        svc = np.array([np.nan])
    if svc.size == 1:
        svc = np.full(n, float(svc[0]))
    if svc.size != n or not np.all(np.isfinite(svc)) or (svc <= 0).any():
        probs.param("service_minutes", f"a positive number of minutes (or {n}, one per demand point)",
                    svc.tolist() if svc.size <= 10 else f"{svc.size} values")
    return svc


def _config(system: _System, reqs: _Requirements | None, pools: list | None, *, H, W, profile, start_hour, svc,
            service_distribution, service_cv, turnout, travel_in_service, limit, full_limit,
            units_per_call) -> tuple[dict, list, list]:
    """The replications' configuration (picklable), and the ids and types of the reported units."""
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
    return cfg, rep_ids, rep_types


def _hourly_system(system: _System, county, stations, units, demand, times, unit_types, incidents_per_year,
                   probs: Problems):
    """The system with one travel block per distinct hourly network, stacked by rows
    (``n_slots * n_points`` rows), and the block of each hour of day (``hour_slot``, 24 ints).

    A call at point ``j`` in hour ``h`` is routed as row ``j + n_points * hour_slot[h]``: the
    kernels need no change, each call simply looks up its hour's row."""
    net = times if times is not None else getattr(county, "network", None)
    if net is None or not hasattr(net, "at_hour"):
        probs.add("The 'by_hour' parameter of simulate needs travel times from a road network (a Network "
                  f"or a county with one); got {type(times).__name__}.")
        return system, None
    slots: dict = {}
    blocks = []
    hour_slot = np.zeros(24, dtype=np.int64)
    for h in range(24):
        try:
            hn = net.at_hour(h)
        except ValidationError as exc:
            probs.add(f"The 'by_hour' parameter of simulate: {exc}")
            return system, None
        if id(hn) not in slots:
            s = system if hn is net else _resolve_system(
                county, func="simulate", stations=stations, units=units, demand=demand, times=hn,
                unit_types=unit_types, incidents_per_year=incidents_per_year, probs=probs)
            if s is None:
                return system, None
            slots[id(hn)] = len(blocks)
            blocks.append(s.travel)
        hour_slot[h] = slots[id(hn)]
    return dataclasses.replace(system, travel=np.ascontiguousarray(np.vstack(blocks))), hour_slot
