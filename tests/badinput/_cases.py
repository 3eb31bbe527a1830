"""The bad-input catalogue (issue 18): for every public entry point, bad values of each kind of
parameter, with the error class expected and the text the message must contain (the offender).

A *kind* is what a parameter holds (seconds, a gap in [0, 1), a count, a share, a seed, an
option, a vector with one entry per row, a cost matrix, ids, ...). :data:`BAD` gives the bad
values of each kind (wrong type, NaN/inf, negative, out of range, wrong shape, unknown id,
empty); :func:`cases` crosses them with the entry points' parameters. Each case is run by
``test_python_api.py`` (one test per case) and tallied by ``python tests/badinput/_cases.py``
(by entry point and how each ended).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

import yingji as yj

NAN, INF = float("nan"), float("inf")


@dataclass(frozen=True)
class Case:
    entry: str            # the public entry point, e.g. "mclp"
    param: str            # the parameter given a bad value
    label: str            # what is wrong with it ("text", "NaN", ...)
    call: Callable[[], Any]
    names: tuple          # every one of these must appear in the message
    error: type = yj.ValidationError

    @property
    def id(self) -> str:
        return f"{self.entry}-{self.param}-{self.label}"


# ------------------------------------------------------------------------- bad values by kind
# (label, value); a callable value is called with the context (sizes) to build the bad value.
# "numeric-text": text that reads as a number ("5") is refused like any text (one coercion
# rule: the CLI and the JSON API parse text before they call)
BAD: dict[str, list[tuple[str, Any]]] = {
    "seconds": [("text", "soon"), ("numeric-text", "5"), ("NaN", NAN), ("inf", INF), ("negative", -1.0),
                ("zero", 0), ("bool", True), ("list", [5])],
    "gap": [("text", "tight"), ("numeric-text", "0.01"), ("NaN", NAN), ("negative", -0.1), ("one", 1.0),
            ("above", 2.5), ("inf", INF), ("bool", True)],
    "nonneg": [("text", "far"), ("numeric-text", "5"), ("NaN", NAN), ("inf", INF), ("negative", -5.0),
               ("bool", True), ("list", [1.0, 2.0]), ("dict", {"a": 1})],
    "positive": [("text", "far"), ("numeric-text", " 5 "), ("NaN", NAN), ("inf", INF), ("negative", -5.0),
                 ("zero", 0.0), ("bool", True), ("dict", {"a": 1})],
    "count": [("text", "two"), ("numeric-text", "2"), ("fraction", 2.5), ("negative", -1), ("zero", 0),
              ("NaN", NAN), ("bool", True), ("huge", 10 ** 6)],
    "share": [("text", "most"), ("numeric-text", "0.5"), ("NaN", NAN), ("negative", -0.1), ("above", 2.0),
              ("inf", INF)],
    "seed": [("text", "abc"), ("numeric-text", "7"), ("negative", -1), ("fraction", 2.5), ("NaN", NAN),
             ("list", [1, 2]), ("huge", 1e301)],
    "option": [("unknown", "magic"), ("int", 3), ("list", ["auto"])],
    "bool": [("text", "maybe"), ("int", 2), ("NaN", NAN)],
    "vector": [("short", lambda c: [1.0] * (c["n"] - 1)), ("long", lambda c: [1.0] * (c["n"] + 1)),
               ("text-cell", lambda c: ["x"] + [1.0] * (c["n"] - 1)),
               ("numeric-text-cell", lambda c: ["3"] + [1.0] * (c["n"] - 1)),
               ("NaN-cell", lambda c: [NAN] + [1.0] * (c["n"] - 1)),
               ("negative-cell", lambda c: [-1.0] + [1.0] * (c["n"] - 1)),
               ("inf-cell", lambda c: [INF] + [1.0] * (c["n"] - 1)),
               ("huge-cell", lambda c: [1e308] + [1.0] * (c["n"] - 1)),
               ("text", "heavy"), ("empty", [])],
    "matrix": [("text-cell", lambda c: _with(c["C"], "x")), ("NaN-cell", lambda c: _with(c["C"], NAN)),
               ("negative-cell", lambda c: _with(c["C"], -3.0)),
               ("huge-cell", lambda c: _with(c["C"], 1e308)),
               ("1-D", lambda c: c["C"][0].tolist()), ("empty", lambda c: np.zeros((0, 0))),
               ("text", "matrix"), ("dict", {"a": [1, 2]})],
    "positions": [("out-of-range", lambda c: [c["m"] + 5]), ("negative", [-1]),
                  ("unknown-label", ["nowhere"]), ("fraction", [1.5]), ("bool", [True])],
}


def _with(C, v):
    out = np.asarray(C, dtype=object).copy()
    out[1, 1] = v
    return out.tolist()


def _value(v, ctx):
    return v(ctx) if callable(v) else v


# ------------------------------------------------------------------------- small instances
RNG = np.random.default_rng(18)
N, M = 8, 4
C = np.round(RNG.uniform(1, 20, (N, M)), 1)
W = np.round(RNG.uniform(1, 10, N), 1)
CTX_ROWS = {"C": C, "n": N, "m": M}
CTX_COLS = {"C": C, "n": M, "m": M}
FAST = {"time_limit": 5}


def _siting_specs():
    """(entry, callable, base kwargs, {param: (kind, ctx)})."""
    S = yj.siting
    rows, cols = CTX_ROWS, CTX_COLS
    common = {"time_limit": ("seconds", rows), "mip_gap": ("gap", rows)}
    return [
        ("lscp", yj.lscp, dict(cost=C, radius=12.0, **FAST),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "site_cost": ("vector", cols),
          "fixed": ("positions", rows), "method": ("option", rows), **common}),
        ("mclp", yj.mclp, dict(cost=C, radius=8.0, p=2, **FAST),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "p": ("count", rows),
          "weights": ("vector", rows), "fixed": ("positions", rows), "method": ("option", rows),
          **common}),
        ("backup_coverage", yj.backup_coverage, dict(cost=C, radius=10.0, p=2, **FAST),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "p": ("count", rows),
          "weights": ("vector", rows), "fixed": ("positions", rows), **common}),
        ("p_median", yj.p_median, dict(cost=C, p=2, **FAST),
         {"cost": ("matrix", rows), "p": ("count", rows), "weights": ("vector", rows),
          "fixed": ("positions", rows), "method": ("option", rows), "seed": ("seed", rows),
          **common}),
        ("p_center", yj.p_center, dict(cost=C, p=2, **FAST),
         {"cost": ("matrix", rows), "p": ("count", rows), "weights": ("vector", rows),
          "fixed": ("positions", rows), **common}),
        ("capacitated_location", yj.capacitated_location,
         dict(cost=C, demand=W, capacity=np.full(M, 40.0), fixed_cost=np.full(M, 10.0), **FAST),
         {"cost": ("matrix", rows), "demand": ("vector", rows), "capacity": ("vector", cols),
          "fixed_cost": ("vector", cols), "fixed": ("positions", rows), "method": ("option", rows),
          **common}),
        ("coverage_curve", yj.coverage_curve, dict(cost=C, radius=8.0, **FAST),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "weights": ("vector", rows),
          "p_max": ("count", rows), "time_limit": ("seconds", rows)}),
        ("is_covering", yj.is_covering, dict(cost=C, radius=12.0, sites=[0, 1, 2, 3]),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "sites": ("positions", rows)}),
        ("covered_weight", yj.covered_weight, dict(cost=C, radius=8.0, weights=W, sites=[0, 1]),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "weights": ("vector", rows),
          "sites": ("positions", rows)}),
        ("coverage_count", yj.coverage_count, dict(cost=C, radius=8.0, sites=[0, 1]),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "sites": ("positions", rows)}),
        ("uncovered_rows", yj.uncovered_rows, dict(cost=C, radius=8.0, sites=[0, 1]),
         {"cost": ("matrix", rows), "radius": ("nonneg", rows), "sites": ("positions", rows)}),
        ("median_cost", yj.median_cost, dict(cost=C, sites=[0, 1], weights=W),
         {"cost": ("matrix", rows), "sites": ("positions", rows), "weights": ("vector", rows)}),
        ("center_cost", yj.center_cost, dict(cost=C, sites=[0, 1], weights=W),
         {"cost": ("matrix", rows), "sites": ("positions", rows), "weights": ("vector", rows)}),
        ("location_cost", yj.location_cost,
         dict(cost=C, allocation=np.eye(N, M), fixed_cost=np.full(M, 10.0)),
         {"cost": ("matrix", rows), "fixed_cost": ("vector", cols), "sites": ("positions", rows)}),
        ("assign_residents", S.assign_residents,
         dict(population=W, capacity=np.full(M, 30.0), distances=C * 50, radius=600.0, **FAST),
         {"population": ("vector", rows), "capacity": ("vector", cols), "radius": ("nonneg", rows),
          "distances": ("matrix", rows), "method": ("option", rows), "time_limit": ("seconds", rows)}),
        ("two_step_fca", S.two_step_fca,
         dict(population=W, area=np.full(M, 3000.0), distances=C * 50, radius=600.0),
         {"population": ("vector", rows), "area": ("vector", cols), "radius": ("nonneg", rows),
          "distances": ("matrix", rows)}),
        ("hypercube", S.hypercube,
         dict(travel=C[:, :3], incidents_per_year=W * 100, service_minutes=30.0, limit_minutes=10.0),
         {"incidents_per_year": ("vector", rows), "service_minutes": ("positive", rows),
          "limit_minutes": ("nonneg", rows), "turnout_minutes": ("nonneg", rows),
          "method": ("option", rows)}),
        ("weighted_percentile", yj.fire.weighted_percentile, dict(values=W, weights=W, q=0.9),
         {"values": ("vector", rows), "weights": ("vector", rows), "q": ("share", rows)}),
        ("confidence_interval", yj.simulation.confidence_interval, dict(values=W, level=0.95),
         {"level": ("share", rows)}),
    ]


# which bad values a kind's parameter must refuse, per entry (some values mean something there)
SKIP = {
    # a share of exactly 1 / a level of 1 are fine; an empty list of sites is a valid answer
    ("hypercube", "incidents_per_year", "text"),   # covered by text-cell (a string is iterable)
    ("weighted_percentile", "values", "negative-cell"),  # any real values have percentiles
    ("weighted_percentile", "values", "inf-cell"),  # inf: an unreached incident
    ("capacitated_location", "capacity", "inf-cell"),  # inf: a site without a capacity limit
}


def _net():
    e = pd.DataFrame({"u": [0, 1, 2], "v": [1, 2, 3], "minutes": [1.0, 2.0, 1.5],
                      "metres": [500.0, 800.0, 600.0]})
    n = pd.DataFrame({"x": [0.0, 500.0, 1000.0, 1500.0], "y": [0.0, 0.0, 0.0, 0.0]})
    return yj.Network.from_edges(e, nodes=n, weight="minutes", length="metres")


def _network_cases():
    net = _net()
    out = []
    for label, v in [("text", "abc"), ("text-cell", [1.0, "x"]), ("NaN", NAN), ("inf", INF),
                     ("dict", {"x": 1}), ("huge", 1e301)]:
        out.append(Case("Network.snap", "x", label, functools.partial(net.snap, v, 0.0), ("'x'",)))
    for label, v in [("negative", -5.0), ("NaN", NAN), ("text", "far")]:
        out.append(Case("Network.snap", "max_snap", label,
                        functools.partial(net.snap, 10.0, 0.0, max_snap=v), ("max_snap",)))
    for label, v in [("unknown-id", [99]), ("text-id", ["abc"]), ("float-id", [0.5])]:
        out.append(Case("Network.travel_times", "origins", label,
                        functools.partial(net.travel_times, v, [0]), ("origins",)))
        out.append(Case("Network.travel_times", "destinations", label,
                        functools.partial(net.travel_times, [0], v), ("destinations",)))
        out.append(Case("Network.distances", "origins", label,
                        functools.partial(net.distances, v, [0]), ("origins",)))
    for label, v in [("negative", -1.0), ("text", "soon"), ("NaN", NAN)]:
        out.append(Case("Network.travel_times", "cutoff", label,
                        functools.partial(net.travel_times, [0], [1], cutoff=v), ("cutoff",)))
    for label, v in [("dict", {"a": 1}), ("none", None), ("list", [1, 2]), ("text", "graph")]:
        out.append(Case("Network.from_networkx", "G", label,
                        functools.partial(yj.Network.from_networkx, v), ("'G'",)))
    for label, v in [("dict", {"u": [0], "v": [1], "minutes": [1.0]}), ("list", [1, 2, 3]),
                     ("text", "roads.csv")]:
        out.append(Case("Network.from_edges", "df", label,
                        functools.partial(yj.Network.from_edges, v), ("'df'",)))
    bad_minutes = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, "slow"]})
    out.append(Case("Network.from_edges", "minutes", "text-cell",
                    functools.partial(yj.Network.from_edges, bad_minutes, weight="minutes"), ("minutes",)))
    neg = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, -2.0]})
    out.append(Case("Network.from_edges", "minutes", "negative",
                    functools.partial(yj.Network.from_edges, neg, weight="minutes"), ("minutes",)))
    nan = pd.DataFrame({"u": [0, 1], "v": [1, 2], "minutes": [1.0, NAN]})
    out.append(Case("Network.from_edges", "minutes", "NaN",
                    functools.partial(yj.Network.from_edges, nan, weight="minutes"), ("minutes",)))
    missing = pd.DataFrame({"u": [0, 1], "v": [1, 2]})
    out.append(Case("Network.from_edges", "minutes", "missing-column",
                    functools.partial(yj.Network.from_edges, missing, weight="minutes"), ("minutes",)))
    for label, v in [("ints", [1, 2]), ("text", "ab"), ("unknown-pair", [(0, 3)]), ("triple", [(0, 1, 2)])]:
        out.append(Case("Network.without", "edges", label, functools.partial(net.without, edges=v),
                        ("'edges'",)))
    out.append(Case("Network.without", "nodes", "unknown-id", functools.partial(net.without, nodes=[42]),
                    ("'nodes'", "42")))
    out.append(Case("Network.from_graphml", "path", "missing-file",
                    functools.partial(yj.Network.from_graphml, "/nonexistent/roads.graphml"),
                    ("roads.graphml",)))
    return out


def siting_cases() -> list[Case]:
    out = []
    for entry, fn, base, params in _siting_specs():
        for param, (kind, ctx) in params.items():
            for label, v in BAD[kind]:
                if (entry, param, label) in SKIP:
                    continue
                kw = dict(base)
                kw[param] = _value(v, ctx)
                name = f"'{param}'" if param not in ("sites",) else "sites"
                out.append(Case(entry, param, label, functools.partial(fn, **kw), (name,)))
    return out


def all_cases() -> list[Case]:
    from badinput._domain_cases import domain_cases

    return siting_cases() + _network_cases() + domain_cases()


def run_case(case: Case) -> tuple[str, str]:
    """How a case ended: ("refused, named" | "refused, not named" | "other yingji error" |
    "generic exception" | "accepted", message)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.call()
    except case.error as exc:
        msg = str(exc)
        ok = all(n in msg for n in case.names)
        return ("refused, named" if ok else "refused, not named"), msg
    except yj.YingjiError as exc:
        return "other yingji error", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - what the tally is for
        return "generic exception", f"{type(exc).__name__}: {exc}"
    return "accepted", ""


if __name__ == "__main__":  # the tally for the report
    import collections
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    tally = collections.defaultdict(collections.Counter)
    bad = []
    cases = all_cases()
    for c in cases:
        how, msg = run_case(c)
        tally[c.entry][how] += 1
        if how != "refused, named":
            bad.append((c.id, how, msg[:160]))
    kinds = ["refused, named", "refused, not named", "other yingji error", "generic exception", "accepted"]
    print(f"{'entry point':32s} " + " ".join(f"{k[:18]:>18s}" for k in kinds))
    for e, t in tally.items():
        print(f"{e:32s} " + " ".join(f"{t[k]:18d}" for k in kinds))
    tot = collections.Counter()
    for t in tally.values():
        tot.update(t)
    print(f"{'TOTAL (' + str(len(cases)) + ' cases)':32s} " + " ".join(f"{tot[k]:18d}" for k in kinds))
    for b in bad:
        print(*b, sep=" | ")
