"""JSON in, JSON out: yingji for other systems' services.

:func:`handle` takes one request (a dict, as parsed from JSON) and returns one response
(a dict that ``json.dumps`` writes, with no NaN or infinity: ``inf`` is the string
``"inf"``). Errors come back as structured objects, never as a traceback::

    >>> import yingji as yj
    >>> r = yj.api.handle({"version": 1, "action": "siting.lscp",
    ...                    "params": {"cost": [[1, 9], [9, 1], [2, 2]], "radius": 2}})
    >>> r["ok"], r["result"]["sites"], r["result"]["objective"]
    (True, [0, 1], 2.0)
    >>> r = yj.api.handle({"version": 1, "action": "nope"})
    >>> r["ok"], r["error"]["type"]
    (False, 'BadRequest')

Request::

    {"version": 1,                     # optional; 1 is the only version
     "id": "any JSON value",           # optional; echoed in the response
     "action": "fire.plan",            # see ACTIONS / the "schema" action
     "county": {"sample": true}        # or {"path": "folder or .json"} or a County.to_json()
                                       # document; optional "replace": {table: [records]}
                                       # replaces whole tables (what-if runs)
     "params": {...}}                  # keyword arguments of the action

Response::

    {"version": 1, "id": ..., "ok": true, "action": "fire.plan", "result": {...},
     "seconds": 1.9, "warnings": [...]}
    {"version": 1, "id": ..., "ok": false, "action": "fire.plan",
     "error": {"type": "ValidationError" | "InfeasibleError" | "SolverError" | "BadRequest"
                       | "InternalError",
               "message": "...", "problems": ["..."], ...},
     "seconds": 0.01, "warnings": [...]}

The JSON Schemas (draft 2020-12) of requests and responses ship as package data
(``yingji/api_schema/*.json``) and come back from :func:`schema` or the ``"schema"`` action.
Requests are validated with :mod:`jsonschema` when it is installed, else with a small
built-in validator covering the keywords those schemas use.

From a shell: ``python -m yingji.api < request.json`` (a JSON array of requests gives an
array of responses). See ``docs/api-json.md``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import json
import math
import re
import sys
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from yingji.exceptions import InfeasibleError, SolverError, ValidationError, YingjiError
from yingji.results import to_jsonable

__all__ = [
    "API_VERSION",
    "ACTIONS",
    "ERROR_TYPES",
    "DEFAULT_TIME_LIMIT",
    "MAX_TIME_LIMIT",
    "MAX_MATRIX_CELLS",
    "Action",
    "BadRequest",
    "handle",
    "schema",
    "validate_request",
    "validate_response",
    "main",
]

#: Version of the request/response envelope (``"version"`` in both).
API_VERSION = 1

#: ``error.type`` values of a failed response.
ERROR_TYPES = ("ValidationError", "InfeasibleError", "SolverError", "BadRequest", "InternalError")

#: Seconds an action may spend solving when the request gives no ``params.time_limit``.
DEFAULT_TIME_LIMIT = 30.0

#: Default cap on ``params.time_limit`` (seconds); :func:`handle` takes ``max_time_limit=``.
MAX_TIME_LIMIT = 600.0

#: Largest matrix (cells) a request may send (``cost``, ``times``) or ask for
#: (``network.travel_times``).
MAX_MATRIX_CELLS = 4_000_000

_MAX_MESSAGE = 2000  # characters of an error message kept in a response
_MAX_PROBLEM = 400   # characters per entry of error.problems


class BadRequest(YingjiError):
    """A request that does not follow the request schema (or names what is not there).

    Attributes
    ----------
    problems : list of str
        One entry per problem found.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


# ----------------------------------------------------------------------------------------
# JSON helpers
# ----------------------------------------------------------------------------------------


def _json_safe(obj: Any) -> Any:
    """Plain JSON values only: NaN -> None, ±inf -> "inf"/"-inf", numpy/pandas -> Python."""
    obj = to_jsonable(obj)
    return _clean(obj)


def _clean(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((_clean(v) for v in obj), key=str)
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (np.generic, np.ndarray, pd.DataFrame, pd.Series)):
        return _clean(to_jsonable(obj))
    if isinstance(obj, (_dt.date, _dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return _clean(to_jsonable(obj.to_dict()))
    return str(obj)


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _num(v) -> float:
    """A JSON number, or "inf"/"-inf"/"Infinity" strings, as float."""
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("inf", "+inf", "infinity", "+infinity"):
            return math.inf
        if s in ("-inf", "-infinity"):
            return -math.inf
        raise ValueError(v)
    if v is None or isinstance(v, bool):
        raise ValueError(v)
    return float(v)


# ----------------------------------------------------------------------------------------
# schemas and validation
# ----------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _schema_file(name: str) -> dict:
    text = (resources.files("yingji") / "api_schema" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _full_schema(kind: str) -> dict:
    doc = copy.deepcopy(_schema_file(kind))
    if kind == "response":
        from yingji.compliance import report_schema

        rep = {k: v for k, v in report_schema().items() if k not in ("$schema", "$id")}
        doc["$defs"]["result_check"] = rep
    return doc


def schema(kind: str = "all") -> dict:
    """The JSON Schemas (draft 2020-12) of the API.

    Parameters
    ----------
    kind : {"all", "request", "response"}
        ``"all"`` gives ``{"request": ..., "response": ..., "actions": [...]}``.

    Returns
    -------
    dict
        A fresh copy (safe to modify). The response schema embeds the compliance report
        schema (:func:`yingji.compliance.report_schema`) as the result of ``"check"``.

    Raises
    ------
    ValidationError
        An unknown ``kind``.
    """
    if kind == "request":
        return copy.deepcopy(_full_schema("request"))
    if kind == "response":
        return copy.deepcopy(_full_schema("response"))
    if kind == "all":
        return {"request": schema("request"), "response": schema("response"),
                "actions": [a.describe() for a in ACTIONS.values()]}
    raise ValidationError(f"The 'kind' parameter of yingji.api.schema must be one of "
                          f"'all', 'request', 'response'. Got {kind!r} instead.")


def _path_text(path) -> str:
    parts = ["$"]
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts)


def _jsonschema_problems(doc: dict, instance) -> list[str] | None:
    """Problems from :mod:`jsonschema`, or None when it is not installed."""
    try:
        import jsonschema
    except ImportError:
        return None
    v = _validator(id(doc), doc, jsonschema)
    errs = sorted(v.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = []
    for e in errs:
        # "anyOf"/"oneOf" failures quote the whole instance: name the best sub-error instead
        best = e
        if e.context:
            best = min(e.context, key=lambda c: (-len(c.absolute_path), len(c.message)))
        out.append(_short(f"{_path_text(best.absolute_path)}: {best.message}", _MAX_PROBLEM))
    return out


_VALIDATORS: dict = {}


def _validator(key, doc, jsonschema):
    v = _VALIDATORS.get(key)
    if v is None or v[0] is not doc:
        v = (doc, jsonschema.Draft202012Validator(doc))
        _VALIDATORS[key] = v
    return v[1]


def _builtin_problems(doc: dict, instance) -> list[str]:
    out: list[str] = []
    _BuiltinValidator(doc).check(doc, instance, (), out)
    return [_short(p, _MAX_PROBLEM) for p in out]


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class _BuiltinValidator:
    """The draft 2020-12 keywords the API schemas use (fallback without :mod:`jsonschema`).

    Supported: ``type``, ``const``, ``enum``, ``required``, ``properties``,
    ``additionalProperties``, ``items``, ``minItems``, ``maxItems``, ``minimum``,
    ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``, ``minLength``, ``pattern``,
    ``anyOf``, ``oneOf``, ``allOf``, ``not``, ``if``/``then``/``else`` and local ``$ref``.
    """

    def __init__(self, root: dict):
        self.root = root

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref are supported, got {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def valid(self, sch, inst) -> bool:
        out: list[str] = []
        self.check(sch, inst, (), out)
        return not out

    def check(self, sch, inst, path, out: list) -> None:  # noqa: C901 - one keyword per branch
        if sch is True or sch == {}:
            return
        if sch is False:
            out.append(f"{_path_text(path)}: not allowed")
            return
        where = _path_text(path)
        if "$ref" in sch:
            self.check(self._resolve(sch["$ref"]), inst, path, out)
        t = sch.get("type")
        if t is not None:
            types = t if isinstance(t, list) else [t]
            if not any(_TYPES[x](inst) for x in types):
                out.append(f"{where}: {_short(repr(inst), 60)} is not of type "
                           + ", ".join(repr(x) for x in types))
                return
        if "const" in sch and not _json_equal(inst, sch["const"]):
            out.append(f"{where}: {sch['const']!r} was expected")
        if "enum" in sch and not any(_json_equal(inst, e) for e in sch["enum"]):
            out.append(f"{where}: {_short(repr(inst), 60)} is not one of {sch['enum']!r}")
        if _TYPES["number"](inst):
            for kw, bad in (("minimum", lambda a, b: a < b), ("maximum", lambda a, b: a > b),
                            ("exclusiveMinimum", lambda a, b: a <= b),
                            ("exclusiveMaximum", lambda a, b: a >= b)):
                if kw in sch and bad(inst, sch[kw]):
                    out.append(f"{where}: {inst!r} violates {kw} {sch[kw]!r}")
        if isinstance(inst, str):
            if "minLength" in sch and len(inst) < sch["minLength"]:
                out.append(f"{where}: {inst!r} is shorter than {sch['minLength']}")
            if "pattern" in sch and not re.search(sch["pattern"], inst):
                out.append(f"{where}: {inst!r} does not match {sch['pattern']!r}")
        if isinstance(inst, dict):
            for k in sch.get("required", []):
                if k not in inst:
                    out.append(f"{where}: {k!r} is a required property")
            props = sch.get("properties", {})
            for k, v in inst.items():
                if k in props:
                    self.check(props[k], v, (*path, k), out)
                elif "additionalProperties" in sch:
                    ap = sch["additionalProperties"]
                    if ap is False:
                        out.append(f"{where}: additional property {k!r} is not allowed")
                    else:
                        self.check(ap, v, (*path, k), out)
            if "minProperties" in sch and len(inst) < sch["minProperties"]:
                out.append(f"{where}: should have at least {sch['minProperties']} properties")
        if isinstance(inst, list):
            if "minItems" in sch and len(inst) < sch["minItems"]:
                out.append(f"{where}: should have at least {sch['minItems']} items")
            if "maxItems" in sch and len(inst) > sch["maxItems"]:
                out.append(f"{where}: should have at most {sch['maxItems']} items")
            if "items" in sch:
                for i, v in enumerate(inst):
                    self.check(sch["items"], v, (*path, i), out)
        if "allOf" in sch:
            for s in sch["allOf"]:
                self.check(s, inst, path, out)
        if "anyOf" in sch:
            if not any(self.valid(s, inst) for s in sch["anyOf"]):
                out.append(f"{where}: {_short(repr(inst), 60)} is not valid under any of the "
                           "given schemas")
        if "oneOf" in sch:
            n = sum(self.valid(s, inst) for s in sch["oneOf"])
            if n != 1:
                out.append(f"{where}: {_short(repr(inst), 60)} is valid under {n} of the "
                           "oneOf schemas (exactly one expected)")
        if "not" in sch and self.valid(sch["not"], inst):
            out.append(f"{where}: should not be valid under {sch['not']!r}")
        if "if" in sch:
            branch = sch.get("then") if self.valid(sch["if"], inst) else sch.get("else")
            if branch is not None:
                self.check(branch, inst, path, out)


def _json_equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _problems(kind: str, instance, *, builtin: bool = False) -> list[str]:
    doc = _full_schema(kind)
    if not builtin:
        found = _jsonschema_problems(doc, instance)
        if found is not None:
            return found
    return _builtin_problems(doc, instance)


def validate_request(request, *, builtin: bool = False) -> list[str]:
    """Problems of a request against the request schema (empty list: valid).

    Parameters
    ----------
    request : object
        The parsed JSON request.
    builtin : bool
        Use the built-in validator even when :mod:`jsonschema` is installed.

    Returns
    -------
    list of str
        ``"$.params.radius: -1 is less than the minimum of 0"``-style entries.
    """
    return _problems("request", request, builtin=builtin)


def validate_response(response, *, builtin: bool = False) -> list[str]:
    """Problems of a response against the response schema (empty list: valid)."""
    return _problems("response", response, builtin=builtin)


# ----------------------------------------------------------------------------------------
# county and table decoding
# ----------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What one request's action may use."""

    county_spec: Any
    allow_paths: bool
    time_limit_default: float
    max_time_limit: float
    notes: list
    _county: Any = None

    def county(self, required: bool = True):
        if self._county is None and self.county_spec is not None:
            self._county = _load_county(self.county_spec, self.allow_paths)
        if self._county is None and required:
            raise BadRequest("This action needs a county: give \"county\": {\"sample\": true}, "
                             "{\"path\": ...} or an inline county document.")
        return self._county

    def time_limit(self, params: dict, key: str = "time_limit") -> float:
        tl = params.get(key)
        if tl is None:
            tl = self.time_limit_default
        tl = float(tl)
        if tl > self.max_time_limit:
            self.notes.append(f"params.{key} {tl:g} s capped at {self.max_time_limit:g} s "
                              "(the service's max_time_limit)")
            tl = self.max_time_limit
        return tl


def _load_county(spec, allow_paths: bool):
    from yingji.county import County
    from yingji.datasets import read_county

    if not isinstance(spec, Mapping):
        raise BadRequest("\"county\" must be an object: {\"sample\": true}, {\"path\": ...} or a "
                         "county document.")
    replace = spec.get("replace")
    if spec.get("sample") is True:
        from yingji.datasets import sample_county

        county = sample_county(copy=True)
    elif "path" in spec:
        if not allow_paths:
            raise BadRequest("This service does not read counties from paths "
                             "(handle(..., allow_paths=False)); send the county document inline.")
        p = Path(str(spec["path"])).expanduser()
        if not p.exists():
            raise BadRequest(f"No county at path {str(p)!r}.")
        county = read_county(p, func="the JSON API", param="county.path")
    elif spec.get("format") == "yingji.county":
        county = County.from_json({k: v for k, v in spec.items() if k != "replace"})
    else:
        raise BadRequest("\"county\" must be {\"sample\": true}, {\"path\": ...} or a county "
                         "document (County.to_json(), \"format\": \"yingji.county\").")
    if replace:
        # an empty list empties the table (None: the county's empty table with its columns)
        changes = {name: (_fill_nodes(_records_frame(recs, f"county.replace.{name}"), county)
                          if len(recs) else None)
                   for name, recs in replace.items()}
        county = county.replace(**changes)
    return county


def _fill_nodes(df: pd.DataFrame, county) -> pd.DataFrame:
    """Rows of a replaced table without a ``node`` (new rows) are snapped from ``x``, ``y``."""
    if "node" not in df.columns or not df["node"].isna().any() or county.network is None \
            or not {"x", "y"} <= set(df.columns):
        return df
    miss = df["node"].isna().to_numpy()
    xy = df.loc[miss, ["x", "y"]].apply(pd.to_numeric, errors="coerce")
    if xy.isna().any().any():
        return df  # County reports the bad coordinates
    snapped = np.asarray(county.network.snap(xy["x"].to_numpy(float), xy["y"].to_numpy(float)))
    nodes = df["node"].astype(object).to_numpy(copy=True)
    nodes[miss] = snapped
    kinds = {type(v) for v in nodes if v is not None}
    df = df.copy()
    df["node"] = pd.array(nodes.tolist(), dtype="int64") if kinds <= {int, float, np.int64} \
        and all(float(v).is_integer() for v in nodes) else nodes.astype(str)
    return df


def _records_frame(records, where: str) -> pd.DataFrame:
    """A DataFrame from a list of records (objects) or a column object ``{col: [values]}``."""
    if isinstance(records, Mapping):
        try:
            df = pd.DataFrame(dict(records))
        except ValueError as exc:
            raise BadRequest(f"{where}: columns of different lengths ({exc}).") from None
    elif isinstance(records, list) and all(isinstance(r, Mapping) for r in records):
        df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    else:
        raise BadRequest(f"{where} must be a list of records (objects) or an object of columns.")
    if "id" in df.columns:
        df = df.set_index(df["id"].astype(str)).drop(columns="id")
        df.index.name = "id"
    return df


def _matrix(value, where: str, *, row_ids=None, col_ids=None):
    """A cost/time matrix from the request: nested lists, or {"data", "rows", "columns"}.

    Numbers or "inf"; returns a float ndarray or, with labels, a DataFrame.
    """
    rows = cols = None
    data = value
    if isinstance(value, Mapping):
        data = value.get("data")
        rows, cols = value.get("rows"), value.get("columns")
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise BadRequest(f"{where} must be a list of rows (lists of numbers or \"inf\"), or "
                         "{\"data\": [[...]], \"rows\": [...], \"columns\": [...]}.")
    n = len(data)
    m = len(data[0]) if n else 0
    if n * m > MAX_MATRIX_CELLS:
        raise BadRequest(f"{where} has {n * m:,} cells; at most {MAX_MATRIX_CELLS:,} are accepted.")
    ragged = [i for i, r in enumerate(data) if len(r) != m]
    if ragged:
        raise BadRequest(f"{where} must be rectangular: rows {ragged[:10]} have a length other "
                         f"than {m}.")
    try:
        arr = np.array(data, dtype=float) if n and not any(
            isinstance(v, str) or v is None or isinstance(v, bool) for r in data for v in r) \
            else np.array([[_num(v) for v in r] for r in data], dtype=float).reshape(n, m)
    except (TypeError, ValueError):
        bad = [(i, j) for i, r in enumerate(data) for j, v in enumerate(r)
               if not _is_num(v)]
        raise BadRequest(f"{where} must hold numbers or \"inf\": bad entries at (row, column) "
                         f"{bad[:10]}.") from None
    rows = rows if rows is not None else row_ids
    cols = cols if cols is not None else col_ids
    if rows is not None or cols is not None:
        probs = []
        if rows is not None and len(rows) != n:
            probs.append(f"{where}: {len(rows)} row labels for {n} rows")
        if cols is not None and len(cols) != m:
            probs.append(f"{where}: {len(cols)} column labels for {m} columns")
        if probs:
            raise BadRequest("; ".join(probs), probs)
        return pd.DataFrame(arr, index=None if rows is None else [str(r) for r in rows],
                            columns=None if cols is None else [str(c) for c in cols])
    return arr


def _is_num(v) -> bool:
    try:
        _num(v)
        return True
    except (TypeError, ValueError):
        return False


def _vector(value, where: str):
    if value is None:
        return None
    try:
        return np.array([_num(v) for v in value], dtype=float)
    except (TypeError, ValueError):
        raise BadRequest(f"{where} must be a list of numbers.") from None


# ----------------------------------------------------------------------------------------
# actions
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One action of the JSON API.

    Attributes
    ----------
    name : str
        ``request["action"]``.
    func : callable
        ``func(params, ctx) -> object`` with a ``to_dict()`` (or plain JSON values).
    county : {"required", "optional", "none"}
        Whether the request needs ``"county"``.
    help : str
        One line.
    """

    name: str
    func: Callable
    county: str
    help: str

    def describe(self) -> dict:
        return {"action": self.name, "county": self.county, "help": self.help}


#: The actions by name (see :func:`handle`).
ACTIONS: dict[str, Action] = {}


def _action(name: str, county: str, help: str):
    def deco(func):
        ACTIONS[name] = Action(name, func, county, help)
        return func

    return deco


def _kw(params: Mapping, *names: str) -> dict:
    return {k: params[k] for k in names if k in params and params[k] is not None}


def _standard(params, ctx: _Context):
    std = params.get("standard", "GB51080")
    if isinstance(std, str) and not ctx.allow_paths:
        from yingji.fire import available_standards

        if std not in available_standards():
            raise BadRequest(f"params.standard must be one of {available_standards()} (this "
                             f"service reads no files). Got {std!r} instead.")
    return std


@_action("check", "required", "compliance report: rules against reported and computed figures")
def _check(params, ctx):
    from yingji.compliance import check

    rules = params.get("rules", "county-plan-2020")
    names = rules if isinstance(rules, list) else [r.strip() for r in str(rules).split(",")]
    if not ctx.allow_paths:
        from yingji.compliance import available_rule_sets

        known = set(available_rule_sets()) | {"all"}
        bad = [r for r in names if r not in known]
        if bad:
            raise BadRequest(f"params.rules: unknown rule set(s) {bad} (this service reads no "
                             f"rules files; known: {sorted(known)}).")
    kw = _kw(params, "as_of", "computed", "computed_values", "seed", "merge", "exclude",
             "disagree_rtol")
    return check(ctx.county(), rules=rules, time_limit=ctx.time_limit(params), **kw)


@_action("fire.assess", "required", "fire stations against GB 51080 / NFPA 1710")
def _fire_assess(params, ctx):
    from yingji.fire import assess

    return assess(ctx.county(), standard=_standard(params, ctx),
                  **_kw(params, "turnout_minutes", "rural_response_minutes"))


@_action("fire.plan", "required", "new fire stations that bring the county to the standard")
def _fire_plan(params, ctx):
    from yingji.fire import plan

    kw = _kw(params, "target", "budget", "cost_budget", "objective", "area_limits",
             "backup_minutes", "tradeoff", "tradeoff_max", "fleet", "turnout_minutes",
             "rural_response_minutes", "mip_gap")
    return plan(ctx.county(), standard=_standard(params, ctx), time_limit=ctx.time_limit(params),
                **kw)


@_action("shelters.assess", "required", "shelter area per person within walking distance")
def _shelters_assess(params, ctx):
    from yingji.shelters import assess

    return assess(ctx.county(), time_limit=ctx.time_limit(params),
                  **_kw(params, "method", "max_snap_m"))


@_action("shelters.plan", "required", "new shelter sites that shelter everyone in reach")
def _shelters_plan(params, ctx):
    from yingji.shelters import plan

    return plan(ctx.county(), time_limit=ctx.time_limit(params),
                **_kw(params, "budget", "candidate_class", "curve_points", "method", "strong",
                      "max_snap_m", "mip_gap"))


_TEAM_KW = ("concurrent", "backup", "backup_factor", "backup_weight", "aid_minutes",
            "max_agreements", "mip_gap")


@_action("teams.allocate", "required", "rescue teams assigned to hazard sites; gaps; mutual aid")
def _teams_allocate(params, ctx):
    from yingji.teams import allocate

    return allocate(ctx.county(), time_limit=ctx.time_limit(params), **_kw(params, *_TEAM_KW))


@_action("teams.plan_bases", "required", "new team bases that close the reach gaps")
def _teams_plan_bases(params, ctx):
    from yingji.teams import plan_bases

    return plan_bases(ctx.county(), time_limit=ctx.time_limit(params),
                      **_kw(params, "new_team_crew", *_TEAM_KW))


@_action("supplies.assess", "required", "stock against norms; needs met within the delivery limit")
def _supplies_assess(params, ctx):
    from yingji.supplies import assess

    return assess(ctx.county(), time_limit=ctx.time_limit(params),
                  **_kw(params, "as_of", "evacuation_share", "horizon_days", "delivery_hours"))


@_action("supplies.preposition", "required",
         "where to hold which supplies against sampled disaster scenarios (two-stage)")
def _supplies_preposition(params, ctx):
    from yingji.supplies import preposition, sample_scenarios

    county = ctx.county()
    sc = dict(params.get("scenarios") or {})
    skw = {"kinds": tuple(sc["kinds"])} if sc.get("kinds") else {}
    scen = sample_scenarios(county, int(sc.get("n", 5)), int(sc.get("seed", 0)), **skw)
    kw = _kw(params, "budget", "candidate_capacity", "ship_cost", "penalty",
             "max_unmet_probability", "method", "max_iter", "vss", "as_of", "mip_gap")
    if params.get("levels") is not None:
        kw["levels"] = [tuple(x) for x in params["levels"]]
    return preposition(county, scen, time_limit=ctx.time_limit(params), **kw)


def _siting_cost(params, ctx, where="params.cost"):
    """(cost, weights): from params.cost, or built from the county (params.sites)."""
    if params.get("cost") is not None:
        return _matrix(params["cost"], where), _vector(params.get("weights"), "params.weights")
    county = ctx.county(required=False)
    if county is None or "sites" not in params:
        raise BadRequest("params.cost is required (a demand x sites matrix), or give "
                         "params.sites with a county to build it from the road network.")
    table = params["sites"]
    sites = getattr(county, table)
    if params.get("uses"):
        if "uses" not in sites.columns:
            raise BadRequest(f"params.uses: the county's {table!r} table has no 'uses' column.")
        want = str(params["uses"]).lower()
        keep = sites["uses"].astype(object).fillna("").astype(str).map(
            lambda s: want in {u.strip().lower() for u in s.split(";")}).to_numpy(bool)
        sites = sites.loc[keep]
    if not len(sites):
        raise BadRequest(f"params.sites: the county has no {table!r} rows"
                         + (f" with use {params['uses']!r}." if params.get("uses") else "."))
    dem = county.demand
    if len(sites) * len(dem) > MAX_MATRIX_CELLS:
        raise BadRequest(f"The cost matrix would have {len(sites) * len(dem):,} cells; at most "
                         f"{MAX_MATRIX_CELLS:,}.")
    T = np.asarray(county.network.travel_times(sites["node"].to_numpy(), dem["node"].to_numpy())).T
    cost = pd.DataFrame(T, index=[str(i) for i in dem.index], columns=[str(i) for i in sites.index])
    w = _vector(params.get("weights"), "params.weights")
    if w is None:
        w = dem["population"].to_numpy(float)
    return cost, w


@_action("siting.lscp", "optional", "location set covering: fewest (cheapest) sites covering all")
def _lscp(params, ctx):
    from yingji.siting import lscp

    cost, _ = _siting_cost(params, ctx)
    kw = _kw(params, "fixed", "method", "mip_gap", "uncoverable")
    if params.get("site_cost") is not None:
        kw["site_cost"] = _vector(params["site_cost"], "params.site_cost")
    return lscp(cost, float(params["radius"]), time_limit=ctx.time_limit(params), **kw)


@_action("siting.mclp", "optional", "maximal covering: most weight covered by p sites")
def _mclp(params, ctx):
    from yingji.siting import mclp

    cost, w = _siting_cost(params, ctx)
    return mclp(cost, float(params["radius"]), int(params["p"]), weights=w,
                time_limit=ctx.time_limit(params), **_kw(params, "fixed", "method", "mip_gap"))


@_action("siting.backup_coverage", "optional", "backup coverage: weight covered twice by p sites")
def _backup(params, ctx):
    from yingji.siting import backup_coverage

    cost, w = _siting_cost(params, ctx)
    return backup_coverage(cost, float(params["radius"]), int(params["p"]), weights=w,
                           time_limit=ctx.time_limit(params),
                           **_kw(params, "radius2", "fixed", "method", "mip_gap"))


@_action("siting.p_median", "optional", "p-median: least total weighted cost with p sites")
def _p_median(params, ctx):
    from yingji.siting.median import p_median

    cost, w = _siting_cost(params, ctx)
    return p_median(cost, int(params["p"]), weights=w, time_limit=ctx.time_limit(params),
                    **_kw(params, "fixed", "method", "mip_gap", "seed", "start"))


@_action("siting.p_center", "optional", "p-center: least worst weighted cost with p sites")
def _p_center(params, ctx):
    from yingji.siting.median import p_center

    cost, w = _siting_cost(params, ctx)
    return p_center(cost, int(params["p"]), weights=w, time_limit=ctx.time_limit(params),
                    **_kw(params, "fixed", "method", "mip_gap", "seed"))


@_action("siting.coverage_curve", "optional", "covered weight against the number of sites")
def _curve(params, ctx):
    from yingji.siting import coverage_curve

    cost, w = _siting_cost(params, ctx)
    df = coverage_curve(cost, float(params["radius"]), weights=w,
                        time_limit=ctx.time_limit(params),
                        **_kw(params, "fixed", "p_max", "method", "mip_gap"))
    return {"curve": df}


@_action("dispatch.plan", "optional", "which units go to which incidents")
def _dispatch(params, ctx):
    from yingji.dispatch import plan

    incidents = _records_frame(params["incidents"], "params.incidents")
    county = ctx.county(required=False)
    if params.get("units") is not None:
        units = _records_frame(params["units"], "params.units")
    else:
        if county is None:
            raise BadRequest("params.units is required without a county.")
        units = county.units.copy()
        if "node" not in units.columns and len(units):
            units["node"] = county.stations.loc[units["station"], "node"].to_numpy()
    if params.get("times") is not None:
        times = _matrix(params["times"], "params.times",
                        row_ids=list(incidents.index), col_ids=list(units.index))
    else:
        if county is None:
            raise BadRequest("params.times is required without a county (its road network).")
        times = county.network
        if "node" not in incidents.columns:
            if not {"x", "y"} <= set(incidents.columns):
                raise BadRequest("params.incidents need a 'node' or 'x' and 'y' columns to be "
                                 "placed on the county's road network (or send params.times).")
            incidents = incidents.assign(node=county.network.snap(
                incidents["x"].to_numpy(float), incidents["y"].to_numpy(float)))
        if "node" not in units.columns:
            raise BadRequest("params.units need a 'node' column (or send params.times).")
    kw = _kw(params, "objective", "busy", "types", "strict_targets", "method", "mip_gap")
    return plan(incidents, units, times, time_limit=ctx.time_limit(params), **kw)


def _points(spec, county, where: str):
    """(node labels, ids) from a point spec: node list, {"table": ...}, or {"x": [], "y": []}."""
    net = county.network
    if isinstance(spec, list):
        return list(spec), [str(v) for v in spec]
    if "table" in spec:
        df = getattr(county, spec["table"])
        if spec.get("ids") is not None:
            missing = [i for i in spec["ids"] if str(i) not in df.index]
            if missing:
                raise BadRequest(f"{where}.ids: not in table {spec['table']!r}: {missing[:10]}.")
            df = df.loc[[str(i) for i in spec["ids"]]]
        return df["node"].tolist(), [str(i) for i in df.index]
    x, y = _vector(spec["x"], f"{where}.x"), _vector(spec["y"], f"{where}.y")
    if len(x) != len(y):
        raise BadRequest(f"{where}: 'x' and 'y' differ in length ({len(x)} and {len(y)}).")
    nodes = np.asarray(net.snap(x, y)).tolist()
    return nodes, [str(n) for n in nodes]


@_action("network.travel_times", "required",
         "driving minutes origins x destinations on the county's road network")
def _travel_times(params, ctx):
    county = ctx.county()
    o_nodes, o_ids = _points(params["origins"], county, "params.origins")
    d_nodes, d_ids = _points(params["destinations"], county, "params.destinations")
    if len(o_nodes) * len(d_nodes) > MAX_MATRIX_CELLS:
        raise BadRequest(f"The matrix would have {len(o_nodes) * len(d_nodes):,} cells; at most "
                         f"{MAX_MATRIX_CELLS:,}.")
    kw = {"cutoff": float(params["cutoff"])} if params.get("cutoff") is not None else {}
    metric = params.get("metric", "minutes")
    if metric == "metres":
        T = np.asarray(county.network.distances(o_nodes, d_nodes, **kw), dtype=float)
    else:
        T = np.asarray(county.network.travel_times(o_nodes, d_nodes, **kw), dtype=float)
    return {"origins": o_ids, "destinations": d_ids, "origin_nodes": o_nodes,
            "destination_nodes": d_nodes, "unit": "min" if metric == "minutes" else "m",
            "values": T}


@_action("plan", "required", "what to build or buy: fire stations, shelters, team bases, stock")
def _plan(params, ctx):
    from yingji.planning import plan

    kw = _kw(params, "parts", "seed", "n_scenarios", "target")
    return plan(ctx.county(), time_limit=ctx.time_limit(params), **kw)


@_action("schema", "none", "the JSON Schemas of requests and responses, and the actions")
def _schema(params, ctx):
    kind = params.get("kind", "all")
    return schema() if kind == "all" else {kind: schema(kind)}


# ----------------------------------------------------------------------------------------
# handle
# ----------------------------------------------------------------------------------------


def _error(exc: BaseException) -> dict:
    if isinstance(exc, BadRequest):
        etype, problems = "BadRequest", exc.problems
    elif isinstance(exc, ValidationError):
        etype, problems = "ValidationError", exc.problems
    elif isinstance(exc, InfeasibleError):
        etype, problems = "InfeasibleError", [str(exc)]
    elif isinstance(exc, SolverError):
        etype, problems = "SolverError", [str(exc)]
    elif isinstance(exc, YingjiError):
        etype, problems = "ValidationError", [str(exc)]
    else:
        etype, problems = "InternalError", [f"{type(exc).__name__}: {exc}"]
    msg = str(exc) if etype != "InternalError" else (
        f"{type(exc).__name__}: {exc} (an unexpected error inside yingji; please report it "
        "with the request)")
    err = {"type": etype, "message": _short(msg, _MAX_MESSAGE),
           "problems": [_short(p, _MAX_PROBLEM) for p in (problems or [msg])][:100]}
    if isinstance(exc, InfeasibleError):
        err["rows"] = _json_safe(list(exc.rows)[:1000])
        err["reason"] = _short(exc.reason, _MAX_MESSAGE)
    if isinstance(exc, SolverError):
        err["status"] = _short(exc.status, 200)
    return err


def handle(request, *, allow_paths: bool = True, max_time_limit: float = MAX_TIME_LIMIT,
           default_time_limit: float = DEFAULT_TIME_LIMIT, capture_warnings: bool = True) -> dict:
    """Answer one JSON API request.

    Parameters
    ----------
    request : dict
        ``{"version": 1, "action": str, "county": {...}, "params": {...}, "id": any}``
        (see the module docstring and ``docs/api-json.md``).
    allow_paths : bool, default True
        Whether ``county.path``, ``params.rules`` and ``params.standard`` may name files on
        this machine. A service open to callers it does not trust passes False.
    max_time_limit : float
        Cap on ``params.time_limit`` (seconds); a larger request is capped and says so in
        ``warnings``.
    default_time_limit : float
        Seconds per solve when the request gives no ``params.time_limit``.
    capture_warnings : bool
        Return the warnings raised during the action in ``"warnings"`` (uses
        :func:`warnings.catch_warnings`, which is not thread-safe: a threaded server may
        pass False).

    Returns
    -------
    dict
        ``{"version": 1, "ok": True, "action", "result", "seconds", "warnings"}`` or
        ``{"version": 1, "ok": False, "action", "error": {"type", "message", "problems",
        ...}, "seconds", "warnings"}`` (plus ``"id"`` when the request had one). Always
        ``json.dumps``-able with ``allow_nan=False``; never a traceback.

    Notes
    -----
    ``error.type``: ``BadRequest`` (not a valid request: schema, unknown action, missing
    county), ``ValidationError`` (the model's own input checks, e.g. a negative cost),
    ``InfeasibleError`` (with ``rows`` and ``reason``), ``SolverError`` (with ``status``),
    ``InternalError`` (a bug: the exception's type and message only).

    Examples
    --------
    >>> r = handle({"action": "siting.mclp", "params": {"cost": [[1, 5], [5, 1], [1, 1]],
    ...            "radius": 2, "p": 1, "weights": [1, 5, 1]}})
    >>> r["ok"], r["result"]["sites"], r["result"]["objective"]
    (True, [1], 6.0)
    """
    t0 = time.perf_counter()
    resp: dict[str, Any] = {"version": API_VERSION}
    if isinstance(request, Mapping) and "id" in request:
        resp["id"] = _json_safe(request["id"])
    action = request.get("action") if isinstance(request, Mapping) else None
    resp["action"] = action if isinstance(action, str) else None
    notes: list[str] = []
    caught: list = []
    with warnings.catch_warnings(record=True) if capture_warnings else _nullctx() as w:
        if capture_warnings:
            warnings.simplefilter("always")
        try:
            result = _dispatch_request(request, allow_paths, float(max_time_limit),
                                       float(default_time_limit), notes)
            out = _json_safe(result)
            resp["ok"] = True
            resp["result"] = out
        except Exception as exc:  # noqa: BLE001 - every error becomes a structured object
            resp.pop("result", None)
            resp["ok"] = False
            resp["error"] = _error(exc)
        finally:
            caught = list(w or [])
    resp["seconds"] = time.perf_counter() - t0
    msgs = list(notes)
    for wi in caught:
        m = f"{wi.category.__name__}: {wi.message}"
        if m not in msgs:
            msgs.append(_short(m, _MAX_PROBLEM))
    resp["warnings"] = msgs[:50]
    try:
        json.dumps(resp, allow_nan=False)
    except (TypeError, ValueError) as exc:  # a bug in _json_safe: still answer in JSON
        resp = {k: v for k, v in resp.items() if k in ("version", "id", "action", "seconds")}
        resp.update(ok=False, warnings=[], error={
            "type": "InternalError", "message": f"the result could not be written as JSON: {exc}",
            "problems": [str(exc)]})
    return resp


class _nullctx:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def _dispatch_request(request, allow_paths, max_tl, default_tl, notes):
    if not isinstance(request, Mapping):
        raise BadRequest(f"A request must be a JSON object. Got {type(request).__name__}.")
    action = request.get("action")
    if isinstance(action, str) and action not in ACTIONS:
        raise BadRequest(f"Unknown action {action!r}. Actions: {', '.join(ACTIONS)}.",
                         [f"$.action: {action!r} is not one of {list(ACTIONS)}"])
    # the inline county document is checked by County.from_json, not by the schema (large)
    req = dict(request)
    county_doc = req.get("county")
    if isinstance(county_doc, Mapping) and county_doc.get("format") == "yingji.county":
        req["county"] = {k: county_doc[k] for k in ("format", "replace") if k in county_doc}
    probs = validate_request(req)
    if probs:
        raise BadRequest(f"The request does not follow the request schema: {probs[0]}"
                         + (f" (and {len(probs) - 1} more)" if len(probs) > 1 else ""), probs)
    act = ACTIONS[action]
    params = dict(request.get("params") or {})
    if act.county == "none":
        county_doc = None
    ctx = _Context(county_doc, allow_paths, default_tl, max_tl, notes)
    return act.func(params, ctx)


# ----------------------------------------------------------------------------------------
# python -m yingji.api
# ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None, *, stdin=None, stdout=None) -> int:
    """``python -m yingji.api [FILE] [--indent N] [--no-paths]``: requests from stdin (or FILE).

    A JSON object gives one response; a JSON array of requests gives an array of responses.
    Exit status: 0 when every response is ok, 1 when one is not, 2 when the input is not
    JSON (a BadRequest response is still written).
    """
    ap = argparse.ArgumentParser(prog="python -m yingji.api",
                                 description="yingji JSON API: requests on stdin (or FILE), "
                                             "responses on stdout.")
    ap.add_argument("file", nargs="?", help="read the request(s) from FILE instead of stdin")
    ap.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    ap.add_argument("--no-paths", action="store_true",
                    help="refuse county paths and rules/standard files (allow_paths=False)")
    ap.add_argument("--max-time-limit", type=float, default=MAX_TIME_LIMIT, metavar="S")
    args = ap.parse_args(argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    text = Path(args.file).read_text(encoding="utf-8") if args.file else stdin.read()
    try:
        req = json.loads(text)
    except json.JSONDecodeError as exc:
        resp = {"version": API_VERSION, "action": None, "ok": False, "seconds": 0.0,
                "warnings": [], "error": {"type": "BadRequest",
                                          "message": f"The input is not JSON: {exc}",
                                          "problems": [f"not JSON: {exc}"]}}
        stdout.write(json.dumps(resp, ensure_ascii=False, indent=args.indent) + "\n")
        return 2
    kw = dict(allow_paths=not args.no_paths, max_time_limit=args.max_time_limit)
    out = [handle(r, **kw) for r in req] if isinstance(req, list) else handle(req, **kw)
    stdout.write(json.dumps(out, ensure_ascii=False, indent=args.indent, allow_nan=False) + "\n")
    oks = [r["ok"] for r in out] if isinstance(out, list) else [out["ok"]]
    return 0 if all(oks) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
