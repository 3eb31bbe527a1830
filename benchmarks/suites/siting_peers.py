"""Siting against spopt: MCLP, p-median, LSCP and p-center end to end (build + solve) on the same
seeded instances, yingji (HiGHS + numba heuristics) against spopt 0.7.0 with CBC (through PuLP).

Instances: demand points and candidate sites uniform in a 50 km × 50 km square (seeded), cost =
straight-line distance in km, weights uniform integers 1–100. Sizes follow issue 5:
(1,000 × 100) in the quick tier, (5,000 × 300) and (20,000 × 1,000) with ``--full``. Every solve
has a 120 s limit; a peer that runs out of time is reported with its status. The peer (PuLP build +
CBC) is stopped at ``TIME_LIMIT + GRACE_S`` seconds in all (CBC does not always honour its own
limit, and spopt's build of the larger models alone can outlast it) and its address space is capped
at ``PEER_MEMORY_GB`` above the worker's, so a model too large for the machine fails with
MemoryError instead of pushing other users into swap. LSCP radii are at least the largest
nearest-site distance of the instance (7.44 km at 1,000 × 100 and 5,000 × 300), so every row can
be covered.

Needs the ``bench`` extra (``pip install -e '.[bench]'``); without spopt the peer column is empty.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import Case, Suite

TIME_LIMIT = 120.0


def _instance(n, m, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 50, (n, 2))
    s = rng.uniform(0, 50, (m, 2))
    cost = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 101, n).astype(float)
    return cost, w


def _setup(model, n, m, p, radius):
    import yingji as yj

    cost, w = _instance(n, m)
    c0, w0 = _instance(30, 8, seed=1)
    _call(yj, model, c0, w0, 3, 80.0)  # warm numba kernels and imports (untimed; 80 km covers every row)
    # A second, untimed warm-up that the reductions cannot solve alone, so the kernels of the later
    # phases (LP-guided covers, local search, swaps) are loaded before the timed call too.
    c1, w1 = _instance(400, 40, seed=2)
    _call(yj, model, c1, w1, 4, 1.2 * float(c1.min(axis=1).max()))
    if model in ("lscp", "mclp"):  # a random cover the reductions cannot solve: every phase runs
        from benchmarks.suites.siting_coverage import _warm

        _warm()
    return {"model": model, "cost": cost, "w": w, "p": p, "radius": radius}


def _call(yj, model, cost, w, p, radius):
    if model == "mclp":
        return yj.mclp(cost, radius, p, weights=w, time_limit=TIME_LIMIT)
    if model == "p_median":
        return yj.p_median(cost, p, weights=w, time_limit=TIME_LIMIT)
    if model == "lscp":
        return yj.lscp(cost, radius, time_limit=TIME_LIMIT)
    if model == "p_center":
        return yj.p_center(cost, p, time_limit=TIME_LIMIT)
    raise ValueError(model)


def _run(s):
    import yingji as yj

    r = _call(yj, s["model"], s["cost"], s["w"], s["p"], s["radius"])
    s["obj"] = float(r.objective)
    return {"objective": round(r.objective, 6), "gap": r.gap, "status": r.status, "sites": len(r.sites)}


GRACE_S = 60.0  # CBC does not always honour its time limit (seen: ~8 min on p-center 1000 x 100)


def _kill_children():
    """Kill this process's child processes (the CBC binary PuLP started), by pid."""
    import os
    import signal

    me = str(os.getpid())
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = fh.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == me:
            try:
                os.kill(int(d), signal.SIGKILL)
            except OSError:
                pass


PEER_MEMORY_GB = 10.0  # address-space cap for the peer (the machine has ~23 GB, shared)


class _PeerTimeout(Exception):
    pass


def _peer(s):
    """spopt end to end under a wall-clock cap (TIME_LIMIT + GRACE_S: build + solve) and a memory cap.

    CBC does not always honour its time limit and spopt's PuLP build alone can outlast it, so a
    SIGALRM stops the peer (and kills the CBC child) at the cap; the address-space limit turns a
    model too large for the machine into a MemoryError instead of swapping other users out.
    """
    import resource
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    old_as = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:")) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (int(vm + PEER_MEMORY_GB * 2**30), old_as[1]))
    except (OSError, ValueError, StopIteration):
        pass

    def on_alarm(signum, frame):
        _kill_children()
        raise _PeerTimeout

    if main:
        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT + GRACE_S)
    try:
        try:
            out = _peer_inner(s)
        finally:
            # the alarm off before any handler runs: freeing a huge PuLP model after a MemoryError
            # can take seconds, and an alarm in an except clause escaped as an error (22:54 run)
            if main:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _PeerTimeout:
        s["peer_obj"] = None
        out = {"status": f"stopped at {TIME_LIMIT + GRACE_S:g} s (build + solve; CBC timeLimit={TIME_LIMIT:g} s)"}
    except MemoryError:
        s["peer_obj"] = None
        out = {"status": f"out of memory (address space capped at +{PEER_MEMORY_GB:g} GB)"}
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        resource.setrlimit(resource.RLIMIT_AS, old_as)
        _kill_children()
    return out


def _peer_inner(s):
    try:
        import pulp
        from spopt.locate import LSCP, MCLP, PCenter, PMedian
    except ImportError:
        s["peer_obj"] = None
        return {"status": "spopt not installed (pip install -e '.[bench]')"}
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=TIME_LIMIT)
    cost, w, p, radius = s["cost"], s["w"], s["p"], s["radius"]
    try:
        if s["model"] == "mclp":
            mdl = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
        elif s["model"] == "p_median":
            mdl = PMedian.from_cost_matrix(cost, w, p_facilities=p)
        elif s["model"] == "lscp":
            mdl = LSCP.from_cost_matrix(cost, service_radius=radius)
        else:
            mdl = PCenter.from_cost_matrix(cost, p_facilities=p)
        mdl = mdl.solve(solver, results=False)
    except (_PeerTimeout, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - spopt raises RuntimeError on a non-optimal status
        s["peer_obj"] = None
        return {"status": f"failed: {type(exc).__name__}: {str(exc)[:80]}"}
    status = pulp.LpStatus[mdl.problem.status]
    obj = pulp.value(mdl.problem.objective)
    s["peer_obj"] = None if obj is None else float(obj)
    return {"objective": None if obj is None else round(float(obj), 6), "status": status}


def _check(s):
    if s.get("peer_obj") is None:
        return {"same_objective": None}
    return {"same_objective": abs(s["obj"] - s["peer_obj"]) <= 1e-6 * max(1.0, abs(s["obj"])),
            "obj_diff": s["obj"] - s["peer_obj"]}


def _case(model, n, m, p, radius):
    return Case(f"{model}_{n}x{m}", setup=partial(_setup, model, n, m, p, radius), run=_run, peer=_peer,
                check=_check, peer_name="spopt 0.7.0 + CBC (PuLP)",
                params={"model": model, "n_demand": n, "n_sites": m, "p": p, "radius_km": radius, "seed": 0,
                        "time_limit_s": TIME_LIMIT},
                description=f"{model} {n} x {m}" + (f", p={p}" if model != "lscp" else "")
                + (f", radius {radius} km" if model in ("mclp", "lscp") else ""))


SUITE = Suite(
    "siting_peers",
    quick=[
        _case("mclp", 1000, 100, 10, 6.0),
        _case("p_median", 1000, 100, 10, 0.0),
        _case("lscp", 1000, 100, 0, 8.0),
        _case("p_center", 500, 50, 5, 0.0),
    ],
    full=[
        _case("p_center", 1000, 100, 10, 0.0),
        _case("mclp", 5000, 300, 30, 4.0),
        _case("p_median", 5000, 300, 30, 0.0),
        _case("lscp", 5000, 300, 0, 8.0),  # 7.44 km is the largest nearest-site distance
        _case("mclp", 20000, 1000, 60, 3.0),
        _case("p_median", 20000, 1000, 60, 0.0),
        _case("lscp", 20000, 1000, 0, 4.0),
    ],
    budget_s=420,
    full_budget_s=3000,
    description="MCLP / p-median / LSCP / p-center against spopt + CBC, same seeded instances",
)
