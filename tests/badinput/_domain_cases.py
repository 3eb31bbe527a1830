"""Bad-input cases of the domain functions, the county, the CLI and the JSON API (issue 18);
see ``_cases.py`` for the kinds and how a case is judged."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
from functools import lru_cache

import numpy as np

import yingji as yj
from badinput._cases import BAD, Case, _value

NAN, INF = float("nan"), float("inf")


@lru_cache(maxsize=1)
def tiny():
    from api.conftest import make_tiny_county

    return make_tiny_county()


def _lazy(fn_path: str):
    """``yj.fire.plan`` etc. looked up when the case runs (the county is built then, too)."""
    mod, name = fn_path.rsplit(".", 1)

    def call(**kw):
        f = getattr(getattr(yj, mod), name)
        return f(tiny(), **kw)
    return call


T = {"time_limit": 10}
#: (entry, base kwargs, {param: kind}); every call gets the tiny county first.
DOMAIN = [
    ("fire.assess", {}, {"turnout_minutes": "nonneg", "rural_response_minutes": "positive",
                         "standard": "option"}),
    ("fire.plan", T, {"target": "share", "budget": "count", "cost_budget": "nonneg",
                      "objective": "option", "backup_minutes": "nonneg", "time_limit": "seconds",
                      "mip_gap": "gap", "turnout_minutes": "nonneg"}),
    ("shelters.assess", T, {"max_snap_m": "nonneg", "method": "option", "time_limit": "seconds"}),
    ("shelters.plan", T, {"curve_points": "count", "strong": "option", "method": "option",
                          "time_limit": "seconds", "mip_gap": "gap"}),
    ("teams.allocate", T, {"concurrent": "count", "backup_factor": "positive",
                           "backup_weight": "nonneg", "aid_minutes": "nonneg",
                           "max_agreements": "count", "time_limit": "seconds", "mip_gap": "gap"}),
    ("teams.plan_bases", T, {"new_team_crew": "positive", "relocate_cost": "nonneg",
                             "time_limit": "seconds", "mip_gap": "gap"}),
    ("supplies.assess", T, {"horizon_days": "positive", "delivery_hours": "positive",
                            "household_size": "positive", "time_limit": "seconds"}),
    ("supplies.requirements", {}, {"household_size": "positive"}),
    ("simulation.simulate", {"horizon_hours": 24.0, "replications": 1},
     {"horizon_hours": "positive", "replications": "count", "seed": "seed",
      "service_minutes": "positive", "service_cv": "nonneg", "warmup_hours": "nonneg",
      "units_per_call": "count", "policy": "option", "service_distribution": "option"}),
    ("planning.plan", {"time_limit": 20, "parts": ["fire"]},
     {"time_limit": "seconds", "seed": "seed", "n_scenarios": "count", "target": "share"}),
]
# values that are meaningful for a parameter (not bad there)
ALLOWED = {
    ("fire.plan", "budget", "huge"),          # a budget above the number of candidates: all may be built
    ("teams.allocate", "max_agreements", "huge"),
    ("shelters.plan", "curve_points", "zero"),  # 0: no trade-off curve
    ("planning.plan", "n_scenarios", "huge"),
    ("simulation.simulate", "replications", "huge"),
    ("simulation.simulate", "units_per_call", "huge"),
    ("fire.plan", "backup_minutes", "inf"),
    ("fire.plan", "budget", "zero"),          # no new station: the existing ones assessed
    ("teams.allocate", "max_agreements", "zero"),  # no mutual-aid agreement
    ("teams.allocate", "concurrent", "huge"),  # every hazard at once
    ("shelters.plan", "curve_points", "huge"),  # capped by the number of candidates
    ("fire.assess", "rural_response_minutes", "zero"),  # a standard's thresholds are >= 0
}


def _domain():
    out = []
    for entry, base, params in DOMAIN:
        fn = _lazy(entry)
        for param, kind in params.items():
            for label, v in BAD[kind]:
                if (entry, param, label) in ALLOWED:
                    continue
                kw = dict(base)
                kw[param] = _value(v, {"n": 3, "m": 3})
                out.append(Case(entry, param, label, functools.partial(fn, **kw), (param,)))
    # dates and ids
    for label, v in [("text", "yesterday"), ("bad-date", "2025-13-45"), ("number", 12.5)]:
        out.append(Case("supplies.assess", "as_of", label,
                        functools.partial(_lazy("supplies.assess"), as_of=v, **T), ("as_of",)))
        out.append(Case("compliance.check", "as_of", label,
                        functools.partial(_call_check, as_of=v), ("as_of",)))
    for label, v in [("negative", -0.5), ("above", 2.0), ("text", "half"), ("not-a-dict", [0.5])]:
        out.append(Case("supplies.requirements", "evacuation_share", label,
                        functools.partial(_lazy("supplies.requirements"),
                                          evacuation_share=({"flood": v} if label != "not-a-dict" else v)),
                        ("evacuation_share",)))
    for label, v in [("text", "two"), ("negative", -1), ("zero", 0), ("fraction", 1.5)]:
        out.append(Case("supplies.sample_scenarios", "n", label,
                        functools.partial(_sample, n=v, seed=0), ("'n'",)))
    for label, v in [("text", "abc"), ("negative", -1), ("fraction", 0.5)]:
        out.append(Case("supplies.sample_scenarios", "seed", label,
                        functools.partial(_sample, n=2, seed=v), ("seed",)))
    out.append(Case("planning.plan", "parts", "unknown", functools.partial(
        _lazy("planning.plan"), parts=["firee"], time_limit=10), ("parts", "firee")))
    for label, v in [("unknown", "no-such-rules"), ("int", 3)]:
        out.append(Case("compliance.check", "rules", label, functools.partial(_call_check, rules=v),
                        ("rules",)))
    for label, v in [("unknown", "ignore"), ("int", 1)]:
        out.append(Case("compliance.check", "errors", label, functools.partial(_call_check, errors=v),
                        ("errors",)))
    for label, v in BAD["seconds"]:
        out.append(Case("compliance.check", "time_limit", label,
                        functools.partial(_call_check, time_limit=v), ("time_limit",)))
    for label, v in [("negative", -0.1), ("text", "tight"), ("NaN", NAN)]:
        out.append(Case("compliance.check", "disagree_rtol", label,
                        functools.partial(_call_check, disagree_rtol=v), ("disagree_rtol",)))
    for label, v in [("unknown-station", "S9"), ("number", 3)]:
        out.append(Case("fire.assess", "units.station", "unknown-id-" + label, functools.partial(
            _fire_units_station, v), ("S9",) if label == "unknown-station" else ("'3'",)))
    return out


def _call_check(**kw):
    return yj.compliance.check(tiny(), computed=False, **kw)


def _sample(**kw):
    return yj.supplies.sample_scenarios(tiny(), **kw)


def _fire_units_station(station):
    c = tiny()
    u = c.units.copy().astype({"station": object})
    u.iloc[0, u.columns.get_loc("station")] = station
    return yj.fire.assess(c, units=u)


# ------------------------------------------------------------------------- the county
def _county_cases():
    out = []

    def with_cell(table, col, v):
        def call():
            c = tiny()
            t = getattr(c, table).copy()
            t = t.astype({col: object}) if col in t.columns else t
            t.iloc[0, t.columns.get_loc(col)] = v
            return c.replace(**{table: t})
        return call

    for table, col in [("demand", "population"), ("demand", "x"), ("stations", "engines"),
                       ("candidates", "cost"), ("shelters", "area_m2"), ("teams", "crew"),
                       ("depots", "capacity"), ("stock", "quantity")]:
        for label, v in [("text", "abc"), ("negative", -5), ("inf", INF)]:
            if col == "x" and label == "negative":
                continue  # a negative x is a real coordinate
            out.append(Case("County", f"{table}.{col}", label, with_cell(table, col, v), (table, col)))
    for table, col, v in [("demand", "urban", "maybe"), ("demand", "risk", "extreme"),
                          ("stations", "station_class", "class9"), ("shelters", "shelter_class", "tent"),
                          ("stock", "expires", "soon"), ("units", "station", "S9"),
                          ("stock", "depot", "nowhere"), ("candidates", "uses", "casino")]:
        out.append(Case("County", f"{table}.{col}", "bad-value", with_cell(table, col, v), (table, col)))

    def far(table, dx, dy, absolute=False):
        def call():
            c = tiny()
            t = getattr(c, table).drop(columns="node").copy()
            if absolute:
                t["x"], t["y"] = dx, dy
            else:
                t.loc[t.index[0], "x"] += dx
                t.loc[t.index[0], "y"] += dy
            return c.replace(**{table: t})
        return call

    for table in ("stations", "demand", "shelters", "candidates"):
        out.append(Case("County", f"{table}.x", "far-away", far(table, 400_000.0, 0.0),
                        (table, "snap limit")))
    out.append(Case("County", "max_snap", "negative", lambda: tiny().replace(max_snap=-5.0),
                    ("max_snap", "-5")))
    out.append(Case("County", "max_snap", "text", lambda: tiny().replace(meta={"max_snap_m": "far"}),
                    ("max_snap", "'far'")))
    out.append(Case("County", "network", "dict", lambda: yj.County({"a": 1}), ("network",)))
    out.append(Case("County", "meta", "text", lambda: yj.County(None, meta="abc"), ("meta",)))
    out.append(Case("County", "demand", "list", lambda: yj.County(None, demand=[1, 2]), ("demand",)))
    out.append(Case("County.replace", "changes", "unknown-table", lambda: tiny().replace(roads=1),
                    ("roads",)))
    out.append(Case("County.load", "folder", "missing", lambda: yj.County.load("/nonexistent/county"),
                    ("/nonexistent/county",)))
    out.append(Case("County.save", "network_format", "unknown",
                    lambda: tiny().save("/tmp/_never_written", network_format="shp"), ("network_format",)))

    def doc(mutate):
        def call():
            d = copy.deepcopy(_doc())
            mutate(d)
            return yj.County.from_json(d)
        return call

    muts = [
        ("tables", "list", lambda d: d.__setitem__("tables", []), ("'tables'",)),
        ("meta", "text", lambda d: d.__setitem__("meta", "abc"), ("'meta'",)),
        ("network.nodes", "number", lambda d: d["network"].__setitem__("nodes", 5), ("network.nodes",)),
        ("network.edges", "number", lambda d: d["network"].__setitem__("edges", 5), ("network.edges",)),
        ("network", "list", lambda d: d.__setitem__("network", [1]), ("'network'",)),
        ("stations.index", "short", lambda d: d["tables"]["stations"].__setitem__("index", []),
         ("stations", "index")),
        ("demand.population", "text", lambda d: d["tables"]["demand"]["columns"]["population"]
         .__setitem__(0, "abc"), ("demand", "population", "abc")),
        ("demand.x", "short", lambda d: d["tables"]["demand"]["columns"]["x"].pop(), ("demand", "'x'")),
        ("stations.columns", "list", lambda d: d["tables"]["stations"].__setitem__("columns", [1]),
         ("stations",)),
        ("tables.roads", "unknown", lambda d: d["tables"].__setitem__("roads", {}), ("roads",)),
        ("network.edges.minutes", "text", lambda d: d["network"]["edges"]["minutes"].__setitem__(0, "x"),
         ("network.edges", "minutes")),
        ("network.nodes.id", "missing", lambda d: d["network"]["nodes"].pop("id"), ("'id'",)),
        ("format", "wrong", lambda d: d.__setitem__("format", "geojson"), ("format",)),
        ("version", "wrong", lambda d: d.__setitem__("version", 99), ("version",)),
        ("demand.dtypes", "text", lambda d: d["tables"]["demand"].__setitem__("dtypes", "x"),
         ("demand", "dtypes")),
        ("meta.time_limits", "text", lambda d: d["meta"].__setitem__("time_limits", "x"),
         ("time_limits",)),
        ("network.directed", "text", lambda d: d["network"].__setitem__("directed", "yes"),
         ("directed",)),
    ]
    for param, label, m, names in muts:
        out.append(Case("County.from_json", param, label, doc(m), names))
    out.append(Case("County.from_json", "s", "not-json", lambda: yj.County.from_json("{not json"),
                    ("JSON",)))
    return out


@lru_cache(maxsize=1)
def _doc():
    return tiny().to_dict()


# ------------------------------------------------------------------------- CLI
def _cli(argv):
    """Run a subcommand; a clean refusal (exit 2, one line, no traceback) is raised as the
    ValidationError the case expects, anything else as what it is."""
    from yingji.cli import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse: exit 2 with a usage line
            rc = exc.code
    text = err.getvalue().strip()
    if "Traceback" in text:
        raise RuntimeError(text[-300:])
    if rc == 2 and text:
        raise yj.ValidationError(text)
    return rc


def _cli_cases():
    out = []
    for cmd in (["fire", "assess"], ["fire", "plan"], ["teams"], ["supplies"], ["shelters"],
                ["simulate"], ["check"], ["plan"]):
        pre = cmd
        out.append(Case("cli " + " ".join(cmd), "county", "missing-folder",
                        functools.partial(_cli, pre + ["/nonexistent/county_x"]), ("county_x",)))
        for opt, v in (("--time-limit", "soon"), ("--time-limit", "-1")):
            out.append(Case("cli " + " ".join(cmd), opt, f"value {v}",
                            functools.partial(_cli, pre + [opt, v]), ("time",)))
    for argv, names in ((["demo", "--section", "no-such-section"], ("no-such-section",)),
                        (["demo", "--format", "pdf"], ("--format", "pdf")),
                        (["demo", "--lang", "fr"], ("--lang", "fr")),
                        (["serve", "--port", "abc"], ("--port", "abc")),
                        (["fire", "burn"], ("burn",)),
                        (["bench", "--no-such-option"], ("--no-such-option",)),
                        (["no-such-command"], ("no-such-command",)),
                        (["teams", "--relocate-cost", "cheap"], ("--relocate-cost", "cheap")),
                        (["simulate", "--seed", "abc"], ("--seed", "abc"))):
        out.append(Case("cli " + argv[0], argv[1] if len(argv) > 1 else "command", " ".join(argv[2:]) or argv[0],
                        functools.partial(_cli, argv), names))
    return out


# ------------------------------------------------------------------------- JSON API
def _api(request):
    from yingji.api import handle

    r = handle(request, allow_paths=False)
    if r.get("ok"):
        return r
    e = r["error"]
    if e["type"] in ("ValidationError", "BadRequest"):
        raise yj.ValidationError(e["message"])
    if e["type"] == "InternalError":
        raise RuntimeError(e["message"])
    raise yj.YingjiError(f"{e['type']}: {e['message']}")


def _api_county(request):
    """The request with the tiny county inline (a County.to_json document)."""
    return _api({**request, "county": _doc()})


def _api_cases():
    out = []
    cost = [[1.0, 2.0, 3.0], [2.0, 1.0, 4.0], [3.0, 4.0, 1.0]]
    base = {"siting.p_median": {"cost": cost, "p": 1}, "siting.mclp": {"cost": cost, "radius": 2, "p": 1},
            "siting.lscp": {"cost": cost, "radius": 2}, "siting.p_center": {"cost": cost, "p": 1},
            "siting.backup_coverage": {"cost": cost, "radius": 2, "p": 2},
            "siting.coverage_curve": {"cost": cost, "radius": 2}}
    for action, params in base.items():
        for param, v, label in [("cost", [[1, "x"], [2, 3]], "text-cell"), ("cost", "abc", "text"),
                                ("cost", [[1, 2], [3]], "ragged"), ("cost", [[1, -2], [2, 3]], "negative"),
                                ("cost", [[1, 1e308], [2, 3]], "huge"),
                                ("time_limit", -1, "negative"), ("time_limit", "soon", "text"),
                                ("weights", [1, "x", 3], "text-cell"), ("weights", [1], "short"),
                                ("p", "two", "text"), ("p", 0, "zero"), ("p", 2.5, "fraction"),
                                ("radius", -1, "negative"), ("radius", "far", "text"),
                                ("fixed", [9], "out-of-range"), ("mip_gap", 2, "above")]:
            if param in ("p",) and "p" not in params:
                continue
            if param == "radius" and "radius" not in params:
                continue
            if param == "weights" and action == "siting.lscp":
                continue
            p = dict(params)
            p[param] = v
            out.append(Case("api " + action, param, label,
                            functools.partial(_api, {"action": action, "params": p}), (param,)))
    need = {"network.travel_times": {"origins": [1], "destinations": [2]},
            "dispatch.plan": {"incidents": [{"id": "I1", "x": 300.0, "y": 300.0}]}}
    for action in ("fire.assess", "fire.plan", "shelters.assess", "shelters.plan", "teams.allocate",
                   "teams.plan_bases", "supplies.assess", "supplies.preposition", "dispatch.plan",
                   "check", "plan", "network.travel_times"):
        base_p = need.get(action, {})
        out.append(Case("api " + action, "county", "server-path", functools.partial(
            _api, {"action": action, "county": {"path": "/etc"}, "params": dict(base_p)}), ("path",)))
        out.append(Case("api " + action, "params", "list", functools.partial(
            _api_county, {"action": action, "params": [1, 2]}), ("params",)))
        out.append(Case("api " + action, "params.time_limit", "text", functools.partial(
            _api_county, {"action": action, "params": {**base_p, "time_limit": "soon"}}), ("time_limit",)))
        out.append(Case("api " + action, "params.time_limit", "negative", functools.partial(
            _api_county, {"action": action, "params": {**base_p, "time_limit": -3}}), ("time_limit",)))
        out.append(Case("api " + action, "params", "unknown-key", functools.partial(
            _api_county, {"action": action, "params": {**base_p, "colour": "red"}}), ("colour",)))
    out.append(Case("api", "action", "unknown", functools.partial(_api, {"action": "fire.burn"}),
                    ("fire.burn",)))
    out.append(Case("api", "request", "list", functools.partial(_api, [1, 2]), ("request",)))
    return out


def domain_cases() -> list[Case]:
    return _domain() + _county_cases() + _cli_cases() + _api_cases()
