"""Running the parts: :func:`plan` shares its time limit among them, each in-process or in a
forked child stopped at a hard limit."""

from __future__ import annotations

import datetime as _dt
import time
import traceback

from yingji._deadline import Deadline
from yingji._fork import fork_safe, run_forked
from yingji._validation import Interval, Problems, SEED, TIME_LIMIT, check_param
from yingji.exceptions import InfeasibleError, SolverError, ValidationError, YingjiError
from yingji.geo.features import GeoRef
from yingji.planning.parts import _PART_FUNCS
from yingji.planning.result import _TITLES, PARTS, CountyPlan, PlanSection, _empty_items


def _run_part(part: str, county, time_limit: float, kw: dict) -> PlanSection:
    title, title_zh = _TITLES[part]
    t0 = time.perf_counter()
    try:
        out = _PART_FUNCS[part](county, time_limit, **kw)
    except Exception as exc:  # noqa: BLE001 - one part's failure goes in the plan
        status = "infeasible" if isinstance(exc, InfeasibleError) else "error"
        etype = type(exc).__name__ if isinstance(exc, (ValidationError, InfeasibleError,
                                                       SolverError)) else (
            "YingjiError" if isinstance(exc, YingjiError) else "InternalError")
        msg = str(exc) if etype != "InternalError" else f"{type(exc).__name__}: {exc}"
        return PlanSection(part, title, title_zh, status, _empty_items(), float("nan"), {}, {},
                           float("nan"), False, time.perf_counter() - t0,
                           f"{etype}: {msg}", {"type": etype, "message": msg[:4000]})
    return PlanSection(part, title, title_zh, out["status"], out["items"], out["cost"],
                       out["before"], out["after"], out["gap"], out["optimal"],
                       time.perf_counter() - t0, out["text"], None, out["notes"], out["result"])


def _child(conn, part, county, time_limit, kw):  # pragma: no cover - runs in a forked child
    try:
        sec = _run_part(part, county, time_limit, kw)
        try:
            conn.send(sec)
        except Exception:  # noqa: BLE001 - an unpicklable result: send it without
            conn.send(PlanSection(**{**sec.__dict__, "result": None}))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}",
                   "".join(traceback.format_exception(exc)[-2:])))
    finally:
        conn.close()


def _run_isolated(part, county, time_limit, kw, hard_limit) -> PlanSection:
    title, title_zh = _TITLES[part]
    t0 = time.perf_counter()
    how, got = run_forked(_child, (part, county, time_limit, kw), hard_limit)
    if how == "no_result":
        got = ("error", "the part's process ended without a result", "")
    secs = time.perf_counter() - t0
    if isinstance(got, PlanSection):
        return got
    if got is None:
        msg = f"stopped at its hard limit of {hard_limit:g} s"
        return PlanSection(part, title, title_zh, "timeout", _empty_items(), float("nan"), {}, {},
                           float("nan"), False, secs, msg, {"type": "Timeout", "message": msg})
    msg = got[1]
    return PlanSection(part, title, title_zh, "error", _empty_items(), float("nan"), {}, {},
                       float("nan"), False, secs, msg, {"type": "InternalError", "message": msg})


#: Share of the plan's time limit kept back at first for each part's overrun (see :func:`plan`),
#: at most :data:`PART_OVERRUN_MAX_S` seconds.
PART_OVERRUN_SHARE = 0.05
PART_OVERRUN_MAX_S = 0.5
#: Seconds a part needs at least (its set-up and summary on a small county); a part with a
#: smaller share of the time left is not started.
MIN_PART_S = 0.05


def _fork_safe() -> bool:
    return fork_safe()


def plan(county=None, *, parts=None, time_limit: float = 60.0, seed: int = 0,
         n_scenarios: int = 5, target: float = 1.0, shelter_curve_points: int = 0,
         isolate: bool = False, hard_limit: float | None = None) -> CountyPlan:
    """What a county should build or buy to pass: fire stations, shelters, team bases, stock.

    Parameters
    ----------
    county : yingji.County, optional
        Default: :func:`yingji.datasets.sample_county`.
    parts : sequence of str, optional
        Some of :data:`PARTS` (default all), run in that order.
    time_limit : float, default 60
        Seconds for the whole plan, everything included. Each part gets an equal share of the
        time left when it starts (a part that finishes early leaves its time to the ones after
        it) and spends it on all its solves, less what the parts before it ran past their
        share (kept back for each part still to run: the steps a part cannot stop midway). A
        part whose share would be too small is not run (status ``"timeout"``).
    seed : int, default 0
        Seed of the supply scenarios (:func:`yingji.supplies.sample_scenarios`).
    n_scenarios : int, default 5
        Supply scenarios drawn.
    target : float in (0, 1], default 1.0
        Share of the coverable urban population the fire plan must reach
        (:func:`yingji.fire.plan`).
    shelter_curve_points : int, default 0
        Points of the shelter budget trade-off curve (each costs two MIPs); drawn in
        :meth:`CountyPlan.to_html` with the fire-station curve.
    isolate : bool, default False
        Run each part in a forked process stopped at ``hard_limit`` (status ``"timeout"``);
        only where forking is safe (POSIX, no OpenMP pool started), else in-process.
    hard_limit : float, optional
        Seconds after which an isolated part is stopped (default ``3 * time_limit + 30``).

    Returns
    -------
    CountyPlan

    Raises
    ------
    ValidationError
        Unknown ``parts``, a non-positive ``time_limit``, ``n_scenarios < 1`` or a ``target``
        outside (0, 1]. Failures of the parts themselves are reported in their sections.

    See Also
    --------
    yingji.fire.plan, yingji.shelters.plan, yingji.teams.plan_bases,
    yingji.supplies.preposition, yingji.compliance.check

    Notes
    -----
    Each part is the exact model of its module (see their References): the fire plan is a
    location set covering problem with closest-assignment and district-area constraints
    [1]_, [3]_; shelters a capacitated set covering problem with walking radii per class
    [4]_; team bases a covering model over the hazard sites' reach and crew needs; supplies a
    two-stage stochastic programme [2]_. Items give the candidate (or depot) id, the cost from
    the county's ``candidates.cost`` / ``items.unit_cost`` and the coordinates.

    References
    ----------
    .. [1] Toregas, C., Swain, R., ReVelle, C., Bergman, L. (1971). The location of emergency
       service facilities. Operations Research 19(6), 1363-1373.
    .. [2] Rawls, C. G., Turnquist, M. A. (2010). Pre-positioning of emergency supplies for
       disaster response. Transportation Research Part B 44(4), 521-534.
    .. [3] GB 51080-2015 城市消防规划规范, 4.1.3; 建标152-2017 城市消防站建设标准.
    .. [4] GB 21734-2008 地震应急避难场所 场址及配套设施; GB 51143-2015 防灾避难场所设计规范.

    Examples
    --------
    >>> import yingji as yj
    >>> p = yj.planning.plan(yj.datasets.sample_county(), parts=["teams"], time_limit=10)
    >>> p["teams"].status, list(p.to_frame().columns[:4])
    ('optimal', ['section', 'id', 'what', 'action'])
    """

    probs = Problems("yingji.planning.plan")
    todo = list(PARTS) if parts is None else ([parts] if isinstance(parts, str) else list(parts))
    bad = [p for p in todo if p not in PARTS]
    if bad:
        probs.param("parts", f"a list of {list(PARTS)}", bad)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=float("nan"))
    check_param(probs, "n_scenarios", n_scenarios, Interval(int, 1, None))
    tg = check_param(probs, "target", target, Interval(float, 0, 1, closed="right"))
    check_param(probs, "seed", seed, SEED)
    check_param(probs, "hard_limit", hard_limit, TIME_LIMIT, None)
    probs.raise_if_any()
    if county is None:
        from yingji.datasets import sample_county

        county = sample_county()
    t0 = time.perf_counter()
    kw = dict(seed=int(seed), n_scenarios=int(n_scenarios), target=tg,
              curve_points=int(shelter_curve_points))
    hl = float(hard_limit) if hard_limit is not None else 3.0 * tl + 30.0
    use_fork = bool(isolate) and _fork_safe()
    sections = []
    order = [p for p in PARTS if p in todo]
    dl = Deadline(tl, t0)
    # A part runs past the share it is given by the steps it cannot stop midway (travel times,
    # tables, its assessments and summary): the largest overrun seen so far (at first a
    # twentieth of the limit, at most half a second) is kept back for each part still to run, and a part whose share
    # would be less than that is not started, so that the plan ends within its time limit.
    overrun = min(PART_OVERRUN_SHARE * tl, PART_OVERRUN_MAX_S)
    for i, part in enumerate(order):
        left = dl.left()
        todo_n = len(order) - i
        share = (left - todo_n * overrun) / todo_n  # an equal share of what is left
        if dl.expired() or share < max(overrun, MIN_PART_S):
            title, title_zh = _TITLES[part]
            msg = (f"not started: the plan's time_limit of {tl:g} s was used up by the parts before it"
                   + ("" if dl.expired() else f" ({left:.2f} s left, too little for this part)"))
            sections.append(PlanSection(part, title, title_zh, "timeout", _empty_items(), float("nan"), {}, {},
                                        float("nan"), False, 0.0, msg, {"type": "Timeout", "message": msg}))
            continue
        t_part = time.perf_counter()
        if use_fork:
            sections.append(_run_isolated(part, county, share, kw, hl))
        else:
            sections.append(_run_part(part, county, share, kw))
        overrun = max(overrun, time.perf_counter() - t_part - share)
    name = str(getattr(county, "meta", {}).get("name", "county"))
    return CountyPlan(name, tuple(sections), tl, int(seed), time.perf_counter() - t0,
                      _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
                      _shared_site_notes(sections), geo=GeoRef.of(county, tables=False))


def _shared_site_notes(sections) -> tuple:
    """Candidate sites that more than one part builds on (the parts are planned separately)."""
    by_site: dict[str, list[str]] = {}
    for s in sections:
        if not len(s.items):
            continue
        built = s.items[s.items["action"].isin(["build", "open"]) & (s.items["unit"] != "level")]
        for sid in dict.fromkeys(built["id"].astype(str)):
            by_site.setdefault(sid, []).append(s.part)
    shared = {sid: parts for sid, parts in by_site.items() if len(parts) > 1}
    if not shared:
        return ()
    return ("candidate sites chosen by more than one part (each part is planned on its own: "
            "check that the site can host all of them): "
            + ", ".join(f"{sid} ({', '.join(parts)})" for sid, parts in shared.items()),)
