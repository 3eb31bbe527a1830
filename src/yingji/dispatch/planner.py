"""The public :func:`plan`: which units go to which incidents (method choice, then the result)."""

from __future__ import annotations

import time
from typing import Iterable

import pandas as pd

from yingji import config
from yingji._validation import TIME_LIMIT, Problems, check_param
from yingji.dispatch.assignment_method import _plan_assignment
from yingji.dispatch.inputs import _prepare
from yingji.dispatch.mip_method import _plan_mip
from yingji.dispatch.result import DispatchPlan, _make_plan
from yingji.exceptions import ValidationError
from yingji.geo.features import GeoRef


def plan(
    incidents: pd.DataFrame,
    units: pd.DataFrame,
    times,
    *,
    objective: str = "total",
    hour: int | None = None,
    busy: Iterable = (),
    types: Iterable[str] | None = None,
    strict_targets: bool = False,
    method: str = "auto",
    solver=None,
    time_limit: float = 10.0,
    mip_gap: float = config.MIP_GAP,
) -> DispatchPlan:
    """Choose which units go to which incidents.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Indexed by incident id. ``weight`` (priority, positive, default 1), ``target_minutes``
        (arrival target, default none), ``crew`` (persons needed, counted over the units sent,
        read from ``units.crew``) and ``node`` (with a ``Network``) are read when present.
        Every other column named like a unit type of ``units``, and every other numeric column
        (not boolean; ``x``, ``y``, ``population``, ``area_m2`` and ``incidents_per_year`` are
        skipped), holds the number of units of that type needed — also for a type the fleet
        has no unit of: those units appear in ``shortfalls`` as ``"none in fleet"``.
    units : pandas.DataFrame
        Indexed by unit id with a ``type`` column, ``crew`` (persons) when incidents need crew,
        ``node`` when ``times`` is a Network.
    times : pandas.DataFrame, numpy.ndarray or Network
        Travel minutes, incidents × units (``inf`` = cannot reach); a ``Network`` gives
        ``net.travel_times(unit nodes, incident nodes).T``.
    hour : int, optional
        Hour of day 0-23: travel times on the road network at that hour (speed factors by
        road class, :mod:`yingji.network.hours`); needs ``times`` to be a Network or None.
    objective : {"total", "latest"}
        After shortfalls and late arrivals: minimise Σ weight × minutes (``"total"``), or first
        the latest arrival and then that sum (``"latest"``).
    busy : iterable of unit ids
        Units that cannot be sent.
    types : sequence of str, optional
        Requirement columns to read (default: as described under ``incidents``). A type named
        here that no unit has is still required (shortfall ``"none in fleet"``).
    strict_targets : bool
        When True a unit that would arrive after the target is not sent (it counts as missing);
        by default it is sent and reported ``late``.
    method : {"auto", "assignment", "mip"}
        ``"assignment"``: exact per-type rectangular assignment (no crew requirement);
        ``"mip"``: staged MIP through :func:`yingji.solvers.solve`; ``"auto"`` picks the first
        when it applies.
    solver : None or a PuLP solver object
        For ``"mip"``: HiGHS (default) or e.g. ``pulp.PULP_CBC_CMD(msg=False)``.
    time_limit : float
        Seconds for the whole call with ``"mip"``, counted from entry (input checks, model
        build, all stages). When the first stage finds no point in that time, the plan is the
        fastest-first greedy one it started from, with ``status="time_limit"``.
    mip_gap : float
        Relative MIP gap per stage.

    Returns
    -------
    DispatchPlan

    Raises
    ------
    ValidationError
        Bad tables (non-integer or negative requirements, non-positive weights, negative or NaN
        times, unknown busy units, ``types`` without a column, missing rows/columns), a bad ``objective`` or
        ``method``, or ``method="assignment"`` with a crew requirement.

    See Also
    --------
    is_feasible_dispatch : the independent checker.
    nearest_available : the k fastest free units for one call.

    Notes
    -----
    With :math:`x_{iu} \\in \\{0,1\\}` (unit :math:`u` goes to incident :math:`i`, allowed when
    :math:`u`'s type :math:`t(u)` is needed and :math:`\\tau_{iu} < \\infty`), shortfalls
    :math:`s_{it} \\ge 0` and weights :math:`w_i`:

    .. math::
        \\operatorname{lexmin}\\; \\Big(\\sum w_i s_{it},\\; \\sum w_i [\\tau_{iu} > g_i] x_{iu},\\;
        (z),\\; \\sum w_i \\tau_{iu} x_{iu}\\Big)
        \\quad\\text{s.t.}\\quad \\sum_{u: t(u)=t} x_{iu} + s_{it} = r_{it},\\;
        \\sum_i x_{iu} \\le 1,\\; \\sum_i \\tau_{iu} x_{iu} \\le z,

    plus :math:`\\sum_u c_u x_{iu} + e_i \\ge C_i` for crews. The demand rows cover every
    required pair :math:`(i, t)` with :math:`r_{it} > 0`, also for a type no unit has (then
    :math:`s_{it} = r_{it}`), so :math:`\\sum_{i,t} s_{it}` is ``missing_units`` for either
    method; the shortfall rows and their reasons are derived from that table once, after either
    method has chosen the units. Without crews each type is an independent transportation
    problem (totally unimodular); expanding each requirement into :math:`r_{it}` rows with a
    private "not sent" column makes it a rectangular assignment problem, solved exactly [1]_
    with lexicographic costs; the latest arrival is minimised by bisection on a threshold
    (bottleneck assignment, [2]_). The MIP solves one stage per priority, keeping each optimum
    as a constraint; its latest-arrival stage is a bisection too (feasibility MIPs with the
    slower pairs forbidden).

    References
    ----------
    .. [1] Crouse, D. F. (2016). On implementing 2D rectangular assignment algorithms. *IEEE
       Transactions on Aerospace and Electronic Systems* 52(4), 1679-1696.
    .. [2] Burkard, R., Dell'Amico, M., Martello, S. (2012). *Assignment Problems*, SIAM, ch. 6
       (bottleneck assignment).

    Examples
    --------
    >>> import pandas as pd
    >>> incidents = pd.DataFrame({"engine": [2, 1], "ladder": [1, 0]}, index=["fire1", "fire2"])
    >>> units = pd.DataFrame({"type": ["engine", "engine", "engine", "ladder"]},
    ...                      index=["E1", "E2", "E3", "L1"])
    >>> times = pd.DataFrame([[3.0, 5.0, 9.0, 4.0], [6.0, 2.0, 4.0, 7.0]],
    ...                      index=incidents.index, columns=units.index)
    >>> dp = plan(incidents, units, times)
    >>> sorted(dp.assignments["unit"])
    ['E1', 'E2', 'E3', 'L1']
    >>> dp.total_weighted_minutes
    16.0
    """
    t0 = time.perf_counter()
    probs = Problems("plan")
    if objective not in ("total", "latest"):
        probs.param("objective", "one of 'total', 'latest'", objective)
    if method not in ("auto", "assignment", "mip"):
        probs.param("method", "one of 'auto', 'assignment', 'mip'", method)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=config.TIME_LIMIT)
    probs.raise_if_any()
    inp = _prepare(incidents, units, times, busy=busy, types=types, func="plan", hour=hour)
    crew = inp.crew_need is not None and bool((inp.crew_need > 0).any())
    if method == "assignment" and crew:
        raise ValidationError(
            "The 'method' parameter of plan must be 'mip' or 'auto' when incidents need crew "
            "(the types interact). Got 'assignment' instead."
        )
    use_mip = method == "mip" or (method == "auto" and crew)
    if use_mip:
        ri, uu, status, opt, info = _plan_mip(inp, objective, strict_targets, solver, tl, mip_gap, t0)
        mname = f"mip ({info.get('solver', 'highs')})"
    else:
        ri, uu, status, opt, info = _plan_assignment(inp, objective, strict_targets)
        mname = "assignment"
    net = times if hasattr(times, "travel_times") else None
    geo = GeoRef.of(None, network=net, incidents=incidents, units=units)
    return _make_plan(inp, ri, uu, objective, status, opt, mname, time.perf_counter() - t0, incidents,
                      strict_targets, geo)
