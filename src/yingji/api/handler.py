"""One request in, one response out: :func:`handle` and the dispatch to :data:`ACTIONS`."""

from __future__ import annotations

import json
import time
import warnings
from typing import Any, Mapping

# the action modules fill ACTIONS when imported, in this order (the order of ACTIONS: the
# "schema" action and the unknown-action message list the actions in it)
import yingji.api.actions_domain  # noqa: F401
import yingji.api.actions_siting  # noqa: F401
import yingji.api.actions_network  # noqa: F401
import yingji.api.actions_plan  # noqa: F401
from yingji.api.context import _Context
from yingji.api.envelope import (
    API_VERSION,
    DEFAULT_TIME_LIMIT,
    MAX_DEPTH,
    MAX_TIME_LIMIT,
    _MAX_PROBLEM,
    _json_safe,
    _short,
    too_deep,
)
from yingji.api.errors import BadRequest, _error
from yingji.api.registry import ACTIONS
from yingji.api.schemas import validate_request


def handle(request, *, allow_paths: bool = True, max_time_limit: float = MAX_TIME_LIMIT,
           default_time_limit: float = DEFAULT_TIME_LIMIT, capture_warnings: bool = True,
           county_resolver=None) -> dict:
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
    county_resolver : callable, optional
        ``county_resolver(id) -> County`` answers ``"county": {"id": ...}`` (counties stored
        by the caller, e.g. uploaded to ``yingji serve``); it raises
        :class:`~yingji.api.BadRequest` for an unknown id. Without one, a request naming an
        id is a ``BadRequest``.

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
    deep = too_deep(request)
    if deep is not None:
        resp["action"] = None
        resp.update(ok=False, error=_error(_deep_request(deep)), seconds=time.perf_counter() - t0, warnings=[])
        return resp
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
                                       float(default_time_limit), notes, county_resolver, started=t0)
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


def _deep_request(path: str) -> BadRequest:
    return BadRequest(f"The request is nested deeper than {MAX_DEPTH} lists/objects at {path[:200]}.",
                      [f"{path[:200]}: nested deeper than {MAX_DEPTH} levels"])


class _nullctx:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def check_request(request, *, _depth_checked: bool = False) -> None:
    """Raise :class:`BadRequest` when ``request`` is not a valid request (not an object, an
    unknown action, or against the request schema); what :func:`handle` checks before it runs
    the action (a service checks a job with it before queueing it).

    The inline county document is checked by ``County.from_json`` when the action runs, not
    here (it is large).

    Raises
    ------
    BadRequest
        Naming each problem (``"$.params.radius: -1 is less than the minimum of 0"``).
    """
    if not isinstance(request, Mapping):
        raise BadRequest(f"A request must be a JSON object. Got {type(request).__name__}.")
    deep = None if _depth_checked else too_deep(request)
    if deep is not None:
        raise _deep_request(deep)
    action = request.get("action")
    if isinstance(action, str) and action not in ACTIONS:
        raise BadRequest(f"Unknown action {action!r}. Actions: {', '.join(ACTIONS)}.",
                         [f"$.action: {action!r} is not one of {list(ACTIONS)}"])
    req = dict(request)
    req.setdefault("params", {})  # no params: the action's required ones are still named
    county_doc = req.get("county")
    if isinstance(county_doc, Mapping) and county_doc.get("format") == "yingji.county":
        req["county"] = {k: county_doc[k] for k in ("format", "replace") if k in county_doc}
    probs = validate_request(req)
    if probs:
        raise BadRequest(f"The request does not follow the request schema: {probs[0]}"
                         + (f" (and {len(probs) - 1} more)" if len(probs) > 1 else ""), probs)


def _dispatch_request(request, allow_paths, max_tl, default_tl, notes, county_resolver=None, started=None):
    check_request(request, _depth_checked=True)  # handle() checked the nesting already
    action = request.get("action")
    county_doc = request.get("county")
    act = ACTIONS[action]
    params = dict(request.get("params") or {})
    if act.county == "none":
        county_doc = None
    ctx = _Context(county_doc, allow_paths, default_tl, max_tl, notes, county_resolver, started=started)
    return act.func(params, ctx)
