"""yj.api.handle: every action's round trip, the schemas, and error objects."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import yingji as yj
from yingji import api
from yingji.api import actions_network, actions_siting, decoding, handler
from yingji.api import handle, validate_request, validate_response

COST = [[1.0, 9.0, 4.0], [9.0, 1.0, 4.0], [2.0, 2.0, 9.0], [5.0, 5.0, 1.0]]


def _check_response(resp: dict) -> dict:
    """Every response: JSON (no NaN), valid against the schema (both validators), no traceback."""
    text = json.dumps(resp, allow_nan=False, ensure_ascii=False)
    assert "Traceback" not in text and 'File "' not in text
    assert validate_response(resp) == []
    assert validate_response(resp, builtin=True) == []
    assert resp["version"] == 1 and isinstance(resp["seconds"], float)
    return resp


def _ok(resp: dict) -> dict:
    _check_response(resp)
    assert resp["ok"], resp.get("error")
    return resp["result"]


def _err(resp: dict, etype: str) -> dict:
    _check_response(resp)
    assert not resp["ok"]
    assert resp["error"]["type"] == etype, resp["error"]
    assert resp["error"]["problems"]
    return resp["error"]


# ---------------------------------------------------------------------------- siting (no county)


def test_lscp_round_trip():
    r = _ok(handle({"version": 1, "id": "req-1", "action": "siting.lscp",
                    "params": {"cost": COST, "radius": 2}}))
    assert r["sites"] == [0, 1, 2] and r["objective"] == 3.0 and r["optimal"]
    assert handle({"action": "siting.lscp", "id": {"k": [1]},
                   "params": {"cost": COST, "radius": 2}})["id"] == {"k": [1]}


def test_lscp_site_cost_and_labels():
    req = {"action": "siting.lscp",
           "params": {"cost": {"data": COST, "rows": ["a", "b", "c", "d"],
                               "columns": ["s1", "s2", "s3"]},
                      "radius": 4, "site_cost": [5, 5, 1]}}
    r = _ok(handle(req))
    assert r["objective"] == pytest.approx(6.0)
    assert set(r["site_ids"]) <= {"s1", "s2", "s3"}


def test_mclp_with_inf_and_weights():
    cost = [[1, "inf"], [9, 1], [2, 2]]
    r = _ok(handle({"action": "siting.mclp",
                    "params": {"cost": cost, "radius": 2, "p": 1, "weights": [1, 5, 1]}}))
    assert r["sites"] == [1] and r["objective"] == pytest.approx(6.0)


@pytest.mark.parametrize("action,params,objective", [
    ("siting.p_median", {"p": 2}, 8.0),  # {0, 2} or {1, 2}: 1 + 4 + 2 + 1
    ("siting.p_center", {"p": 3}, 2.0),  # all open: row 2 is 2 from the nearest
    ("siting.backup_coverage", {"radius": 4, "p": 3}, None),
])
def test_median_center_backup(action, params, objective):
    r = _ok(handle({"action": action, "params": {"cost": COST, "time_limit": 5, **params}}))
    if objective is not None:
        assert r["objective"] == pytest.approx(objective)
    assert r["status"] in ("optimal", "time_limit", "heuristic")


def test_p_median_start_and_bad_start():
    r = _ok(handle({"action": "siting.p_median", "params": {"cost": COST, "p": 2, "start": [0, 2]}}))
    assert r["objective"] == pytest.approx(8.0) and r["extras"]["start_objective"] == pytest.approx(8.0)
    bad = handle({"action": "siting.p_median", "params": {"cost": COST, "p": 2, "start": [0, 1, 2]}})
    assert not bad["ok"] and "start" in json.dumps(bad["error"])


def test_coverage_curve():
    r = _ok(handle({"action": "siting.coverage_curve", "params": {"cost": COST, "radius": 2}}))
    curve = r["curve"]
    assert [row["p"] for row in curve] == [1, 2, 3]
    assert curve[-1]["covered_share"] == pytest.approx(1.0)


def test_siting_cost_from_county(tiny_doc):
    r = _ok(handle({"action": "siting.mclp", "county": tiny_doc,
                    "params": {"sites": "candidates", "uses": "fire", "radius": 4, "p": 2,
                               "time_limit": 5}}))
    assert len(r["sites"]) == 2 and all(s.startswith("C") for s in r["site_ids"])


# ---------------------------------------------------------------------------- county actions

COUNTY_ACTIONS = [
    ("check", {"rules": "county-plan-2020", "as_of": "2025-12-31", "time_limit": 30}),
    ("fire.assess", {}),
    ("fire.assess", {"standard": "NFPA1710"}),
    ("fire.plan", {"target": 1.0, "time_limit": 10}),
    ("shelters.assess", {"time_limit": 10}),
    ("shelters.plan", {"curve_points": 1, "time_limit": 10}),
    ("teams.allocate", {"time_limit": 10}),
    ("teams.plan_bases", {"time_limit": 10}),
    ("supplies.assess", {"as_of": "2026-01-01"}),
    ("supplies.preposition", {"scenarios": {"n": 2, "seed": 3}, "levels": [[100.0, 1e5]],
                              "time_limit": 10}),
    ("network.travel_times", {"origins": {"table": "stations"},
                              "destinations": {"table": "demand", "ids": ["D000", "D099"]}}),
    ("plan", {"parts": ["fire", "teams"], "time_limit": 10}),
]


@pytest.mark.parametrize("action,params", COUNTY_ACTIONS, ids=[f"{a}-{i}" for i, (a, _) in
                                                               enumerate(COUNTY_ACTIONS)])
def test_county_action_round_trip(tiny_doc, action, params):
    r = _ok(handle({"version": 1, "action": action, "county": tiny_doc, "params": params}))
    json.dumps(r, allow_nan=False)
    if action == "check":
        assert r["schema"] == "yingji.compliance.report" and r["counts"]["total"] == 177
        assert r["as_of"] == "2025-12-31"
    if action == "fire.plan":
        assert r["new_stations"] == ["C1"] and r["target_met"]
    if action == "network.travel_times":
        assert r["origins"] == ["S1"] and r["destinations"] == ["D000", "D099"]
        assert r["values"][0][0] == pytest.approx(0.0 + 0.6 * 2)  # node 11 -> node 0: two blocks
    if action == "plan":
        assert [s["part"] for s in r["sections"]] == ["fire", "teams"]
        assert r["complete"]


def test_travel_times_points_and_nodes(tiny_doc):
    r = _ok(handle({"action": "network.travel_times", "county": tiny_doc,
                    "params": {"origins": [0], "destinations": {"x": [0, 500], "y": [0, 10]},
                               "cutoff": 0.7}}))
    assert r["destination_nodes"] == [0, 20]
    assert r["values"] == [[0.0, "inf"]]  # 1.2 min is beyond the cutoff
    r = _ok(handle({"action": "network.travel_times", "county": tiny_doc,
                    "params": {"origins": [0], "destinations": [1], "metric": "metres"}}))
    assert r["unit"] == "m" and r["values"] == [[250.0]]


def test_dispatch_with_times_and_with_network(tiny_doc):
    inc = [{"id": "f1", "engine": 2}, {"id": "f2", "engine": 1}]
    units = [{"id": "u1", "type": "engine"}, {"id": "u2", "type": "engine"},
             {"id": "u3", "type": "engine"}]
    r = _ok(handle({"action": "dispatch.plan",
                    "params": {"incidents": inc, "units": units,
                               "times": [[1, 2, 3], [2, 1, "inf"]]}}))
    assert r["missing_units"] == 0 and r["total_weighted_minutes"] == pytest.approx(1 + 3 + 1)
    r = _ok(handle({"action": "dispatch.plan", "county": tiny_doc,
                    "params": {"incidents": [{"id": "f1", "x": 500, "y": 500, "engine": 2}]}}))
    assert {a["unit"] for a in r["assignments"]} == {"S1-E1", "S1-E2"}


def test_county_from_path_and_sample(tmp_path, tiny_county):
    folder = tiny_county.save(tmp_path / "tiny")
    r = _ok(handle({"action": "fire.assess", "county": {"path": str(folder)}}))
    assert r["standard"] == "GB51080"
    js = tmp_path / "tiny.json"
    tiny_county.to_json(js)
    assert _ok(handle({"action": "teams.allocate", "county": {"path": str(js)}}))["optimal"]
    r = _ok(handle({"action": "network.travel_times", "county": {"sample": True},
                    "params": {"origins": {"table": "stations", "ids": ["S1"]},
                               "destinations": {"table": "stations"}}}))
    assert r["values"][0][0] == 0.0 and len(r["values"][0]) == 3


def test_replace_tables_what_if(tiny_doc):
    base = _ok(handle({"action": "fire.assess", "county": tiny_doc}))
    doc = {**tiny_doc, "replace": {"stations": [
        {"id": "S1", "x": 250.0, "y": 250.0, "node": 11, "station_class": "class2",
         "engines": 2, "ladders": 0, "staff": 20},  # S2 has no node: snapped from x, y
        {"id": "S2", "x": 1000.0, "y": 1000.0, "station_class": "class2", "engines": 2,
         "ladders": 0, "staff": 20}], "units": []}}
    more = _ok(handle({"action": "fire.assess", "county": doc}))
    assert more["coverage_share"] > base["coverage_share"]
    assert [s["id"] for s in more["stations"]] == ["S1", "S2"]
    from yingji.api.context import _load_county

    c = _load_county(doc, True)
    assert c.stations["node"].tolist() == [11, 44]


def test_schema_action_and_function():
    r = _ok(handle({"action": "schema"}))
    assert r["request"]["$schema"].endswith("2020-12/schema")
    assert {a["action"] for a in r["actions"]} == set(api.ACTIONS)
    assert list(_ok(handle({"action": "schema", "params": {"kind": "request"}}))) == ["request"]
    with pytest.raises(yj.ValidationError, match="'kind' parameter of yingji.api.schema"):
        api.schema("nope")


def test_schemas_cover_every_action():
    req, resp = api.schema("request"), api.schema("response")
    assert req["properties"]["action"]["enum"] == list(api.ACTIONS)
    for name in api.ACTIONS:
        key = name.replace(".", "_")
        assert f"params_{key}" in req["$defs"]
        assert f"result_{key}" in resp["$defs"]
    # the check result is the compliance report schema itself
    assert resp["$defs"]["result_check"]["properties"]["schema"]["const"] == \
        "yingji.compliance.report"
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(req)
    jsonschema.Draft202012Validator.check_schema(resp)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("request_,match", [
    ({"action": "nope"}, "Unknown action 'nope'"),
    ({"params": {}}, "'action' is a required property"),
    ({"action": "siting.lscp", "params": {"cost": COST, "radius": -2}}, "radius"),
    ({"action": "siting.lscp", "params": {"cost": COST}}, "'radius' is a required property"),
    ({"action": "siting.mclp", "params": {"cost": COST, "radius": 2, "p": 1, "bogus": 1}},
     "'bogus' was unexpected"),
    ({"action": "fire.assess"}, "'county' is a required property"),
    ({"action": "fire.assess", "county": {"nothing": 1}}, "county"),
    ({"version": 2, "action": "schema"}, "version"),
    ({"action": "schema", "extra": 1}, "'extra' was unexpected"),
    ({"action": "plan", "county": {"sample": True}, "params": {"parts": ["roads"]}}, "parts"),
])
def test_bad_requests(request_, match):
    err = _err(handle(request_), "BadRequest")
    assert match in err["message"] or any(match in p for p in err["problems"])


@pytest.mark.parametrize("request_,match", [
    ({"action": "siting.lscp", "params": {"cost": [[1, 2], [3]], "radius": 1}}, "rectangular"),
    ({"action": "siting.lscp", "params": {"cost": [[1, "x"]], "radius": 1}}, "numbers or"),
    ({"action": "siting.lscp", "params": {"cost": {"data": [[1]], "rows": ["a", "b"]},
                                          "radius": 1}}, "2 row labels for 1 rows"),
    ({"action": "siting.lscp", "params": {"radius": 1}}, "params.cost is required"),
    ({"action": "fire.assess", "county": {"path": "/no/such/county"}}, "No county at path"),
    ({"action": "dispatch.plan", "params": {"incidents": [{"id": "f", "engine": 1}]}},
     "params.units is required"),
    ({"action": "siting.mclp", "params": {"cost": [[1, 2]], "radius": 1, "p": 1,
                                          "weights": ["a"]}}, "is not of type 'number'"),
])
def test_bad_request_contents(request_, match):
    err = _err(handle(request_), "BadRequest")
    assert match in err["message"]


def test_decoders_name_the_parameter():
    with pytest.raises(api.BadRequest, match="params.weights must be a list of numbers"):
        decoding._vector(["a"], "params.weights")
    with pytest.raises(api.BadRequest, match="must be a list of rows"):
        decoding._matrix("x", "params.cost")
    with pytest.raises(api.BadRequest, match="list of records"):
        decoding._records_frame([1, 2], "params.incidents")
    with pytest.raises(api.BadRequest, match="columns of different lengths"):
        decoding._records_frame({"a": [1], "b": [1, 2]}, "params.units")
    assert decoding._matrix([[1, "inf"], ["-inf", 2]], "m").tolist() == [[1, float("inf")],
                                                                    [float("-inf"), 2]]
    df = decoding._records_frame({"id": ["a", "b"], "v": [1, 2]}, "t")
    assert list(df.index) == ["a", "b"] and list(df.columns) == ["v"]


def test_not_an_object():
    for req in ("hello", [1, 2], None, 3):
        err = _err(handle(req), "BadRequest")
        assert "must be a JSON object" in err["message"]


def test_validation_error_from_the_model():
    err = _err(handle({"action": "siting.lscp",
                       "params": {"cost": [[1, -9], [9, 1]], "radius": 2}}), "ValidationError")
    assert "'cost' parameter of lscp" in err["message"]
    err = _err(handle({"action": "siting.mclp",
                       "params": {"cost": [[1, 2]], "radius": 1, "p": 5}}), "ValidationError")
    assert "'p' parameter" in err["message"]


def test_validation_error_from_the_county(tiny_doc):
    bad = json.loads(json.dumps(tiny_doc))
    pops = bad["tables"]["demand"]["columns"]["population"]
    pops[3] = -5.0
    err = _err(handle({"action": "fire.assess", "county": bad}), "ValidationError")
    assert "population" in err["message"]
    err = _err(handle({"action": "fire.assess", "county": {"format": "yingji.county",
                                                           "version": 99}}), "ValidationError")
    assert "version" in err["message"]


def test_infeasible_error_carries_rows():
    err = _err(handle({"action": "siting.lscp",
                       "params": {"cost": [[1, 9], [9, 9], [2, 2]], "radius": 2}}),
               "InfeasibleError")
    assert err["rows"] == [1] and "cannot be covered" in err["message"]
    assert isinstance(err["reason"], str)


def test_solver_error_carries_status(monkeypatch):
    def boom(params, ctx):
        raise yj.SolverError("HiGHS failed", status="kError")

    monkeypatch.setitem(api.ACTIONS, "siting.lscp",
                        api.Action("siting.lscp", boom, "optional", "x"))
    err = _err(handle({"action": "siting.lscp", "params": {"cost": COST, "radius": 2}}),
               "SolverError")
    assert err["status"] == "kError"


def test_internal_error_has_no_traceback(monkeypatch):
    def boom(params, ctx):
        raise RuntimeError("kaputt")

    monkeypatch.setitem(api.ACTIONS, "schema", api.Action("schema", boom, "none", "x"))
    resp = handle({"action": "schema"})
    err = _err(resp, "InternalError")
    assert err["message"].startswith("RuntimeError: kaputt")


def test_paths_refused_when_not_allowed(tmp_path, tiny_county):
    folder = tiny_county.save(tmp_path / "t")
    err = _err(handle({"action": "fire.assess", "county": {"path": str(folder)}},
                      allow_paths=False), "BadRequest")
    assert "does not read counties from paths" in err["message"]
    err = _err(handle({"action": "fire.assess", "county": {"sample": True},
                       "params": {"standard": "/etc/profile.toml"}}, allow_paths=False),
               "BadRequest")
    assert "params.standard" in err["message"]
    err = _err(handle({"action": "check", "county": {"sample": True},
                       "params": {"rules": "my_rules.csv"}}, allow_paths=False), "BadRequest")
    assert "unknown rule set" in err["message"]


def test_time_limit_is_capped_with_a_warning():
    resp = _check_response(handle({"action": "siting.lscp",
                                   "params": {"cost": COST, "radius": 2, "time_limit": 900}},
                                  max_time_limit=5))
    assert resp["ok"] and any("capped at 5 s" in w for w in resp["warnings"])


def test_warnings_are_returned(monkeypatch):
    import warnings

    def warns(params, ctx):
        warnings.warn("careful", yj.YingjiWarning)
        return {"curve": [], "fine": float("nan"), "big": float("inf")}

    monkeypatch.setitem(api.ACTIONS, "siting.coverage_curve",
                        api.Action("siting.coverage_curve", warns, "optional", "x"))
    resp = _check_response(handle({"action": "siting.coverage_curve",
                                   "params": {"cost": COST, "radius": 1}}))
    assert resp["result"] == {"curve": [], "fine": None, "big": "inf"}
    assert resp["warnings"] == ["YingjiWarning: careful"]


# ---------------------------------------------------------------------------- validators


REQUESTS = [
    {"action": "schema"},
    {"version": 1, "action": "siting.lscp", "params": {"cost": COST, "radius": 1}},
    {"action": "check", "county": {"sample": True}, "params": {"rules": ["national-2019"]}},
    {"action": "check", "county": {"path": "x"}, "params": {"rules": []}},
    {"action": "fire.plan", "county": {"sample": True}, "params": {"target": 0}},
    {"action": "fire.plan", "county": {"sample": True}, "params": {"target": 1, "budget": 1.5}},
    {"action": "plan", "county": {"sample": True, "replace": {"roads": []}}},
    {"action": "dispatch.plan", "params": {"incidents": "x"}},
    {"action": "network.travel_times", "county": {"sample": True},
     "params": {"origins": {"table": "nope"}, "destinations": [1]}},
    {"action": "supplies.preposition", "county": {"sample": True},
     "params": {"scenarios": {"n": 0}}},
    {"action": 5},
    {"version": "1", "action": "schema"},
]


@pytest.mark.parametrize("req", REQUESTS)
def test_builtin_validator_agrees_with_jsonschema(req):
    a = validate_request(req)
    b = validate_request(req, builtin=True)
    assert bool(a) == bool(b), (a, b)


def test_builtin_validator_used_without_jsonschema(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # import now raises ImportError
    err = _err(handle({"action": "siting.lscp", "params": {"cost": COST, "radius": -1}}),
               "BadRequest")
    assert "$.params.radius" in err["problems"][0]
    assert _ok(handle({"action": "siting.lscp", "params": {"cost": COST, "radius": 2}}))


# ---------------------------------------------------------------------------- python -m yingji.api


def test_main_reads_stdin_writes_stdout():
    out = io.StringIO()
    req = {"action": "siting.lscp", "params": {"cost": COST, "radius": 2}}
    assert api.main([], stdin=io.StringIO(json.dumps(req)), stdout=out) == 0
    assert json.loads(out.getvalue())["result"]["objective"] == 3.0
    out = io.StringIO()
    batch = [req, {"action": "nope"}]
    assert api.main(["--indent", "1"], stdin=io.StringIO(json.dumps(batch)), stdout=out) == 1
    resps = json.loads(out.getvalue())
    assert [r["ok"] for r in resps] == [True, False]
    out = io.StringIO()
    assert api.main([], stdin=io.StringIO("{not json"), stdout=out) == 2
    bad = json.loads(out.getvalue())
    assert bad["error"]["type"] == "BadRequest" and validate_response(bad) == []


def test_python_dash_m(tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"action": "siting.mclp",
                               "params": {"cost": COST, "radius": 2, "p": 1}}))
    proc = subprocess.run([sys.executable, "-m", "yingji.api"], stdin=req.open(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    resp = json.loads(proc.stdout)
    assert resp["ok"] and resp["action"] == "siting.mclp"


# ---------------------------------------------------------------------------- more bad contents


@pytest.mark.parametrize("params,match", [
    ({"sites": "stations", "uses": "fire", "radius": 4, "p": 1}, "has no 'uses' column"),
    ({"sites": "candidates", "uses": "helipad", "radius": 4, "p": 1},
     "no 'candidates' rows with use 'helipad'"),
    ({"cost": {"data": [[1, 2]], "columns": ["a"]}, "radius": 4, "p": 1},
     "1 column labels for 2 columns"),
])
def test_siting_bad_contents(tiny_doc, params, match):
    err = _err(handle({"action": "siting.mclp", "county": tiny_doc, "params": params}),
               "BadRequest")
    assert match in err["message"]


def test_size_limits(tiny_doc, monkeypatch):
    for mod in (decoding, actions_siting, actions_network):  # where the limit is looked up
        monkeypatch.setattr(mod, "MAX_MATRIX_CELLS", 10)
    err = _err(handle({"action": "siting.lscp", "params": {"cost": [[1] * 4] * 3, "radius": 1}}),
               "BadRequest")
    assert "12 cells; at most 10" in err["message"]
    err = _err(handle({"action": "siting.mclp", "county": tiny_doc,
                       "params": {"sites": "candidates", "radius": 4, "p": 1}}), "BadRequest")
    assert "would have 800 cells" in err["message"]
    err = _err(handle({"action": "network.travel_times", "county": tiny_doc,
                       "params": {"origins": {"table": "candidates"},
                                  "destinations": {"table": "demand"}}}), "BadRequest")
    assert "would have 800 cells" in err["message"]


@pytest.mark.parametrize("params,with_county,match", [
    ({"incidents": [{"id": "f", "engine": 1}], "units": [{"id": "u", "type": "engine"}]}, False,
     "params.times is required without a county"),
    ({"incidents": [{"id": "f", "engine": 1}]}, True, "need a 'node' or 'x' and 'y'"),
    ({"incidents": [{"id": "f", "node": 3, "engine": 1}],
      "units": [{"id": "u", "type": "engine"}]}, True, "params.units need a 'node' column"),
])
def test_dispatch_bad_contents(tiny_doc, params, with_county, match):
    req = {"action": "dispatch.plan", "params": params}
    if with_county:
        req["county"] = tiny_doc
    assert match in _err(handle(req), "BadRequest")["message"]


@pytest.mark.parametrize("params,match", [
    ({"origins": {"table": "stations", "ids": ["S9"]}, "destinations": [0]},
     "params.origins.ids: not in table 'stations': ['S9']"),
    ({"origins": [0], "destinations": {"x": [0, 1], "y": [0]}},
     "params.destinations: 'x' and 'y' differ in length (2 and 1)"),
])
def test_travel_times_bad_contents(tiny_doc, params, match):
    err = _err(handle({"action": "network.travel_times", "county": tiny_doc, "params": params}),
               "BadRequest")
    assert match in err["message"]


def test_county_loader_checks():
    from yingji.api.context import _Context, _load_county

    with pytest.raises(api.BadRequest, match="must be an object"):
        _load_county("sample", True)
    with pytest.raises(api.BadRequest, match="must be {\"sample\": true}"):
        _load_county({"sample": False}, True)
    ctx = _Context(None, True, 30.0, 600.0, [])
    with pytest.raises(api.BadRequest, match="This action needs a county"):
        ctx.county()
    assert ctx.county(required=False) is None


def test_fill_nodes_leaves_what_it_cannot_place(tiny_county):
    import pandas as pd

    from yingji.api.context import _fill_nodes

    df = pd.DataFrame({"x": [1.0, "far"], "y": [0.0, 2.0], "node": [5, None]})
    assert _fill_nodes(df, tiny_county) is df  # bad coordinates: County reports them
    df = pd.DataFrame({"x": [1.0], "y": [0.0]})
    assert _fill_nodes(df, tiny_county) is df  # no node column: County snaps every row


_SCHEMA = {
    "$defs": {"name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"}},
    "type": "object",
    "minProperties": 1,
    "properties": {
        "name": {"$ref": "#/$defs/name"},
        "tags": {"type": "array", "maxItems": 2},
        "kind": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
        "flag": {"not": {"const": False}},
        "never": False,
        "n": {"type": "number", "exclusiveMaximum": 3},
    },
}


@pytest.mark.parametrize("inst", [
    {"name": "ab"}, {"name": "a"}, {"name": "aB"}, {}, {"tags": [1, 2, 3]}, {"tags": []},
    {"kind": 2}, {"kind": 2.5}, {"kind": -1.5}, {"flag": False}, {"flag": True}, {"never": 1},
    {"n": 3}, {"n": 2.9}, {"n": True},
])
def test_builtin_validator_keywords(inst):
    import jsonschema

    from yingji.api.validator import _BuiltinValidator

    expect = jsonschema.Draft202012Validator(_SCHEMA).is_valid(inst)
    assert _BuiltinValidator(_SCHEMA).valid(_SCHEMA, inst) == expect


def test_builtin_validator_refuses_remote_refs():
    from yingji.api.validator import _BuiltinValidator

    with pytest.raises(ValueError, match="only local \\$ref"):
        _BuiltinValidator({}).valid({"$ref": "https://example.org/s.json"}, 1)


def test_unwritable_result_becomes_an_internal_error(monkeypatch):
    monkeypatch.setattr(handler, "_json_safe", lambda obj: {"x": object()})  # where handle() looks it up
    resp = handle({"action": "siting.lscp", "params": {"cost": COST, "radius": 2}})
    err = _err(resp, "InternalError")
    assert "could not be written as JSON" in err["message"]


def test_warnings_kept_on_errors(monkeypatch):
    import warnings

    def warns_then_fails(params, ctx):
        warnings.warn("network in 2 pieces", yj.DisconnectedNetworkWarning)
        raise yj.ValidationError("bad")

    monkeypatch.setitem(api.ACTIONS, "siting.lscp",
                        api.Action("siting.lscp", warns_then_fails, "optional", "x"))
    resp = handle({"action": "siting.lscp", "params": {"cost": COST, "radius": 2}},
                  capture_warnings=True)
    _err(resp, "ValidationError")
    assert resp["warnings"] == ["DisconnectedNetworkWarning: network in 2 pieces"]
    with pytest.warns(yj.DisconnectedNetworkWarning, match="2 pieces"):  # left to the caller
        resp = handle({"action": "siting.lscp", "params": {"cost": COST, "radius": 2}},
                      capture_warnings=False)
    assert resp["warnings"] == []
