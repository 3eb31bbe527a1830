"""Errors over HTTP: RFC 9457 problem documents carrying the JSON API's ``error`` object.

Every error the service answers is ``application/problem+json``::

    {"type": "urn:yingji:problem:BadRequest", "title": "BadRequest", "status": 422,
     "detail": "...", "instance": "/v1/requests",
     "error": {"type": "BadRequest", "message": "...", "problems": [...]},
     "response": {...}}            # POST /v1/requests only: the whole JSON API response

``error`` is exactly the JSON API's error object (:func:`yingji.api.handle`, the ``error``
definition of the response schema), so a caller handles in-process and HTTP failures alike.
Messages are the exception's text only: no response carries a traceback.
"""

from __future__ import annotations

import json

__all__ = ["PROBLEM_TYPE", "STATUS_OF", "http_error", "problem_body", "problem_response",
           "refused_path"]

PROBLEM_TYPE = "application/problem+json"

#: HTTP status of a failed JSON API response, by ``error.type``.
STATUS_OF = {"BadRequest": 422, "ValidationError": 422, "InfeasibleError": 422,
             "SolverError": 500, "InternalError": 500}


def http_error(message: str, *, etype: str = "BadRequest", problems=None, **extra) -> dict:
    """A JSON API error object for a failure of the HTTP layer (auth, size, routing, ...)."""
    err = {"type": etype, "message": message, "problems": list(problems or [message])}
    err.update(extra)
    return err


def refused_path(req) -> dict | None:
    """The error (403) of a request naming a server path (``county.path``), else None: over
    HTTP no request reads a file of the server."""
    spec = req.get("county") if isinstance(req, dict) else None
    if isinstance(spec, dict) and "path" in spec:
        return http_error(
            "Over HTTP a request may not name a server path (\"county\": {\"path\": ...}); "
            "upload the county (POST /v1/counties) and send {\"county\": {\"id\": ...}}, or "
            "send the county document inline.", problems=["$.county.path: not allowed over HTTP"])
    return None


def problem_body(status: int, error: dict, instance: str | None = None, **extra) -> dict:
    body = {"type": f"urn:yingji:problem:{error.get('type', 'InternalError')}",
            "title": error.get("type", "InternalError"), "status": int(status),
            "detail": error.get("message", ""), "error": error}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(status: int, error: dict, instance: str | None = None, *, headers=None,
                     **extra):
    """A Starlette response holding the problem document."""
    from starlette.responses import Response

    body = problem_body(status, error, instance, **extra)
    return Response(json.dumps(body, allow_nan=False, ensure_ascii=False).encode("utf-8"), status_code=int(status),
                    media_type=PROBLEM_TYPE, headers=headers)
