"""The OpenAPI 3.1 document of the service, built from the JSON API's own JSON Schemas.

One source of truth: the request and response bodies of ``/v1/requests`` and ``/v1/jobs`` are
the schemas :func:`yingji.api.schema` returns (the package data ``yingji/api_schema/*.json``),
their ``$defs`` moved to ``components/schemas`` (``Request_<name>``, ``Response_<name>``) with
every ``$ref`` rewritten. OpenAPI 3.1 schemas are JSON Schema 2020-12, so nothing else changes.
"""

from __future__ import annotations

import copy

from yingji.service.store import STATUSES

__all__ = ["build_openapi"]

_REF = "#/components/schemas/"


def _hoist(doc: dict, prefix: str, comps: dict) -> dict:
    """Move ``doc['$defs']`` into ``comps`` (prefixed) and rewrite the refs; returns the root."""
    doc = copy.deepcopy(doc)
    defs = doc.pop("$defs", {})
    for k in ("$schema", "$id"):
        doc.pop(k, None)

    def fix(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                    out[k] = _REF + prefix + "_" + v[len("#/$defs/"):]
                elif k in ("$schema", "$id"):
                    continue
                else:
                    out[k] = fix(v)
            return out
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    for name, sub in defs.items():
        comps[f"{prefix}_{name}"] = fix(sub)
    return fix(doc)


def _service_schemas(error_ref: str) -> dict:
    progress = {"type": "object", "required": ["phase", "fraction"], "properties": {
        "phase": {"type": "string", "description": "queued, starting, loading county, solving, "
                                                   "done, failed, cancelled, interrupted, ..."},
        "fraction": {"type": "number", "minimum": 0, "maximum": 1}}}
    stamp = {"type": ["string", "null"], "format": "date-time"}
    job = {"type": "object", "required": ["id", "action", "status", "progress", "created"],
           "properties": {
               "id": {"type": "string"}, "action": {"type": ["string", "null"]},
               "status": {"enum": list(STATUSES)}, "progress": progress,
               "created": stamp, "started": stamp, "finished": stamp,
               "attempts": {"type": "integer", "minimum": 0},
               "result": {"description": "the JSON API result (status done); its schema is the "
                                         "response schema's result of the job's action"},
               "error": {"$ref": error_ref}, "warnings": {"type": "array",
                                                         "items": {"type": "string"}},
               "seconds": {"type": ["number", "null"]}}}
    return {
        "Job": job,
        "JobList": {"type": "object", "required": ["jobs", "total", "limit", "offset"],
                    "properties": {"jobs": {"type": "array", "items": {"$ref": _REF + "Job"}},
                                   "total": {"type": "integer"}, "limit": {"type": "integer"},
                                   "offset": {"type": "integer"}}},
        "JobQueued": {"type": "object", "required": ["id", "status"],
                      "properties": {"id": {"type": "string"}, "status": {"const": "queued"}}},
        "Health": {"type": "object", "required": ["status", "version"],
                   "properties": {"status": {"const": "ok"}, "version": {"type": "string"},
                                  "api_version": {"type": "integer"},
                                  "runner": {"type": "string"},
                                  "draining": {"type": "boolean"},
                                  "workers": {"type": "array", "items": {"type": "object"},
                                              "description": "job workers: {pid, job}"},
                                  "request_workers": {"type": "array",
                                                      "items": {"type": "object"},
                                                      "description": "processes answering "
                                                      "POST /v1/requests: {pid, busy}"},
                                  "jobs": {"type": "object"}}},
        "CountyStored": {"type": "object", "required": ["id"],
                         "properties": {"id": {"type": "string"},
                                        "name": {"type": ["string", "null"]},
                                        "bytes": {"type": "integer"},
                                        "warnings": {"type": "array", "items": {"type": "string"},
                                                     "description": "what reading the upload "
                                                     "warned about, e.g. a CSV that was not "
                                                     "UTF-8 and was read as GB18030"}}},
        "Problem": {"type": "object", "description": "RFC 9457 problem details carrying the JSON "
                    "API error object", "required": ["type", "title", "status", "error"],
                    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                   "status": {"type": "integer"}, "detail": {"type": "string"},
                                   "instance": {"type": "string"}, "error": {"$ref": error_ref},
                                   "response": {"$ref": _REF + "Response"}}},
    }


def _problem(desc: str) -> dict:
    return {"description": desc, "content": {"application/problem+json": {
        "schema": {"$ref": _REF + "Problem"}}}}


def _json(ref: str, desc: str) -> dict:
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": _REF + ref}}}}


def _paths(secured: list) -> dict:
    req_body = {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF + "Request"}}}}
    jid = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    common = {"401": _problem("no or a wrong bearer token"),
              "413": _problem("request body over the size limit")}
    return {
        "/health": {"get": {"operationId": "health", "summary": "liveness and version",
                            "responses": {"200": _json("Health", "the service runs")}}},
        "/v1/requests": {"post": {
            "operationId": "request", "security": secured, "requestBody": req_body,
            "summary": "answer one JSON API request now (quick actions; time-limited)",
            "responses": {"200": _json("Response", "the JSON API response (ok: true)"),
                          "400": _problem("malformed JSON"),
                          "403": _problem("the request names a server path (county.path)"),
                          "422": _problem("BadRequest, ValidationError or InfeasibleError"),
                          "500": _problem("SolverError or InternalError"), **common}}},
        "/v1/jobs": {
            "post": {"operationId": "submit", "security": secured, "requestBody": req_body,
                     "summary": "queue a request as a job (stored before the answer)",
                     "responses": {"202": _json("JobQueued", "stored and queued"),
                                   "400": _problem("malformed JSON"),
                                   "403": _problem("the request names a server path"),
                                   "422": _problem("not a valid request"),
                                   "503": _problem("the server is shutting down"), **common}},
            "get": {"operationId": "jobs", "security": secured, "summary": "list jobs, newest "
                    "first", "parameters": [
                        {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                        {"name": "offset", "in": "query",
                         "schema": {"type": "integer", "minimum": 0}}],
                    "responses": {"200": _json("JobList", "a page of jobs"), **common}}},
        "/v1/jobs/{id}": {
            "parameters": jid,
            "get": {"operationId": "job", "security": secured, "summary": "one job",
                    "responses": {"200": _json("Job", "the job, with result or error"),
                                  "404": _problem("no such job"), **common}},
            "delete": {"operationId": "cancel", "security": secured,
                       "summary": "cancel a queued or running job (its process is stopped)",
                       "responses": {"200": _json("Job", "the job, now cancelled"),
                                     "404": _problem("no such job"),
                                     "409": _problem("the job had already ended"), **common}}},
        "/v1/jobs/{id}/resubmit": {"parameters": jid, "post": {
            "operationId": "resubmit", "security": secured,
            "summary": "queue an ended job (interrupted, failed, cancelled, done) again",
            "responses": {"202": _json("JobQueued", "queued again, same id"),
                          "404": _problem("no such job"),
                          "409": _problem("the job is queued or running"), **common}}},
        "/v1/counties": {"post": {
            "operationId": "upload_county", "security": secured,
            "summary": "store a county (JSON document or zipped folder); its id is a content hash",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object",
                                                "description": "County.to_json()"}},
                "application/zip": {"schema": {"type": "string",
                                               "contentMediaType": "application/zip"}}}},
            "responses": {"201": _json("CountyStored", "stored"),
                          "422": _problem("not a county (file, row and column named)"),
                          **common}}},
    }


def build_openapi(version: str, *, auth: bool) -> dict:
    """The service's OpenAPI 3.1 document.

    Parameters
    ----------
    version : str
        yingji's version (``info.version``).
    auth : bool
        Whether ``/v1`` operations need a bearer token (the server has ``--token-file``).

    Returns
    -------
    dict
        ``{"openapi": "3.1.0", "info", "paths", "components"}``.
    """
    from yingji.api import schema

    comps: dict = {}
    comps["Request"] = _hoist(schema("request"), "Request", comps)
    comps["Response"] = _hoist(schema("response"), "Response", comps)
    comps.update(_service_schemas(_REF + "Response_error"))
    secured = [{"bearer": []}] if auth else []
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "yingji service", "version": version,
                 "description": "The yingji JSON API over HTTP, with jobs for long solves "
                                "(docs/service.md). Request and response bodies are the JSON "
                                "API's own schemas."},
        "paths": _paths(secured),
        "components": {"schemas": comps},
    }
    if auth:
        doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return doc
