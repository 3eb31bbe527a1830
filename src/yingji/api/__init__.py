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

The package is small modules that import one way (each only those above it in this list):

* :mod:`~yingji.api.envelope` — :data:`API_VERSION`, the limits, JSON-safe values;
* :mod:`~yingji.api.errors` — :class:`BadRequest` and the ``error`` object of a response;
* :mod:`~yingji.api.validator` — the built-in JSON Schema validator;
* :mod:`~yingji.api.registry` — :class:`Action` and the action table :data:`ACTIONS`;
* :mod:`~yingji.api.schemas` — :func:`schema`, :func:`validate_request`,
  :func:`validate_response` (the schemas stay package data in ``yingji/api_schema``);
* :mod:`~yingji.api.decoding` — tables, matrices and vectors of a request;
* :mod:`~yingji.api.context` — what an action may use, and the county the request names
  (through :func:`yingji.datasets.read_county`);
* :mod:`~yingji.api.actions_domain`, :mod:`~yingji.api.actions_siting`,
  :mod:`~yingji.api.actions_network`, :mod:`~yingji.api.actions_plan` — one handler per action;
* :mod:`~yingji.api.handler` — :func:`handle` (and :func:`check_request`, its request check);
* :mod:`~yingji.api.stdio` — :func:`main` (``python -m yingji.api``, :mod:`yingji.api.__main__`).
"""

from __future__ import annotations

from yingji.api.envelope import (
    API_VERSION,
    DEFAULT_TIME_LIMIT,
    ERROR_TYPES,
    MAX_MATRIX_CELLS,
    MAX_TIME_LIMIT,
)
from yingji.api.errors import BadRequest
from yingji.api.handler import check_request, handle
from yingji.api.registry import ACTIONS, Action
from yingji.api.schemas import schema, validate_request, validate_response
from yingji.api.stdio import main

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
    "check_request",
    "schema",
    "validate_request",
    "validate_response",
    "main",
]
