"""The ASGI application of ``yingji serve`` (FastAPI on uvicorn): :func:`create_app`.

Routes (contract, ``docs/service.md``)::

    GET    /health                   {"status": "ok", "version", ...}
    GET    /openapi.json             OpenAPI 3.1, built from the JSON API's schemas
    GET    /docs                     the interactive page (FastAPI's)
    POST   /v1/requests              one JSON API request -> its response (quick actions; answered
                                     in request worker processes, yingji.service.quick)
    POST   /v1/jobs                  -> 202 {"id", "status": "queued"} (stored first)
    GET    /v1/jobs[?status=&limit=&offset=]
    GET    /v1/jobs/{id}
    DELETE /v1/jobs/{id}             cancel (a running job's process is stopped)
    POST   /v1/jobs/{id}/resubmit    queue an ended job again (same id)
    POST   /v1/counties              upload a county -> {"id": content hash}

Every ``/v1`` route checks the bearer token when the server has one
(:func:`hmac.compare_digest`); a body over ``max_body`` bytes gets 413 before it is read in
full; every error is an RFC 9457 problem document carrying the JSON API's error object
(:mod:`yingji.service.problems`), never a traceback.
"""

from __future__ import annotations

import hmac
import json
import sys
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from yingji._version import __version__
from yingji.api import API_VERSION, BadRequest, check_request
from yingji.api.errors import _error
from yingji.service.config import ServiceConfig
from yingji.service.counties import CountyStore
from yingji.service.openapi import build_openapi
from yingji.service.problems import http_error, problem_response, refused_path
from yingji.service.quick import RequestPool
from yingji.service.store import STATUSES, JobStore

__all__ = ["create_app"]


class _Problem(Exception):
    """Raised inside a route: answered as a problem document."""

    def __init__(self, status: int, error: dict, headers=None, **extra):
        super().__init__(error.get("message"))
        self.status, self.error, self.headers, self.extra = status, error, headers, extra


# -- body size limit (pure ASGI, before anything reads the body) -----------------------
class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes gets 413 (by Content-Length, or counted)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, int(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._reject(scope, send, int(length))
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return msg

        async def tracked(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._reject(scope, send, seen)

    async def _reject(self, scope, send, size):
        resp = problem_response(413, http_error(
            f"The request body ({size} bytes or more) is over this server's limit of "
            f"{self.limit} bytes (yingji serve --max-body-mb).",
            problems=[f"body: over {self.limit} bytes"]), scope.get("path"))
        await resp({"type": "http"}, None, send)


# -- state and auth ---------------------------------------------------------------------
def _state(request: Request):
    return request.app.state.yingji


def _auth(request: Request) -> None:
    token = _state(request).config.token
    if token is None:
        return
    got = request.headers.get("authorization", "")
    scheme, _, value = got.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                            token.encode())
    if not ok:
        raise _Problem(401, http_error("This server needs 'Authorization: Bearer <token>' on "
                                       "every /v1 call; the token is missing or wrong.",
                                       problems=["Authorization: missing or wrong bearer token"]),
                       headers={"WWW-Authenticate": 'Bearer realm="yingji"'})


class _Services:
    def __init__(self, config: ServiceConfig):
        self.config = config
        config.data.mkdir(parents=True, exist_ok=True)
        self.store = JobStore(config.data / "jobs.sqlite3")
        self.counties = CountyStore(config.data / "counties")
        self.draining = False
        tl = config.request_time_limit
        self.requests = RequestPool(config.data / "counties", n=config.request_workers,
                                    max_time_limit=tl, default_time_limit=min(30.0, tl))
        if config.dask:
            from yingji.service.runner import DaskRunner

            self.runner = DaskRunner(self.store, self.counties, config.dask,
                                     max_time_limit=config.job_time_limit,
                                     default_time_limit=min(30.0, config.job_time_limit))
        else:
            from yingji.service.runner import LocalRunner

            self.runner = LocalRunner(self.store, config.data / "counties",
                                      workers=config.workers,
                                      max_time_limit=config.job_time_limit,
                                      default_time_limit=min(30.0, config.job_time_limit))


async def _json_body(request: Request):
    body = await request.body()
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Problem(400, http_error(f"The request body is not valid JSON: {exc}.",
                                       problems=[f"body: {exc}"])) from None


def _refuse_paths(req) -> None:
    """Over HTTP no request names a file of the server (county.path)."""
    refused = refused_path(req)
    if refused is not None:
        raise _Problem(403, refused)


# -- routes -----------------------------------------------------------------------------
router = APIRouter()
v1 = APIRouter(prefix="/v1", dependencies=[Depends(_auth)])


@router.get("/health")
async def health(request: Request):
    s = _state(request)
    return {"status": "ok", "version": __version__, "api_version": API_VERSION,
            "runner": "dask" if s.config.dask else f"processes ({s.config.workers})",
            "draining": s.draining, "workers": s.runner.describe(),
            "request_workers": s.requests.describe(),
            "jobs": await run_in_threadpool(s.store.counts)}


async def post_request(request: Request):
    """``POST /v1/requests``, mounted as a plain Starlette route (:func:`create_app`): the
    busiest route does its own token check instead of going through FastAPI's dependency
    resolution, which took about half of the server process's ~2 ms of CPU per request (the
    OpenAPI document is built from the API's schemas, not from the routes, so it is the same)."""
    _auth(request)
    status, payload, failed = await _state(request).requests.answer(await request.body())
    if payload is not None:
        return Response(payload, media_type="application/json")
    extra = {"response": failed} if "version" in failed else {}
    raise _Problem(status, failed["error"], **extra)


@v1.post("/jobs", status_code=202)
async def post_job(request: Request):
    s = _state(request)
    if s.draining:
        raise _Problem(503, http_error("The server is shutting down and takes no new jobs.",
                                       etype="SolverError", status="draining"))
    req = await _json_body(request)
    _refuse_paths(req)
    try:
        check_request(req)
        spec = req.get("county")
        if isinstance(spec, dict) and "id" in spec and not s.counties.exists(str(spec["id"])):
            raise BadRequest(f"No uploaded county with id {spec['id']!r}; upload it first "
                             "(POST /v1/counties).", [f"$.county.id: {spec['id']!r} unknown"])
    except BadRequest as exc:
        raise _Problem(422, _error(exc)) from None
    jid = await run_in_threadpool(s.store.add, req)
    s.runner.wake()
    return JSONResponse({"id": jid, "status": "queued"}, status_code=202,
                        headers={"Location": f"/v1/jobs/{jid}"})


@v1.get("/jobs")
async def list_jobs(request: Request, status: str | None = None, limit: int = 50,
                    offset: int = 0):
    if status is not None and status not in STATUSES:
        raise _Problem(422, http_error(f"The 'status' query parameter must be one of "
                                       f"{', '.join(STATUSES)}. Got {status!r} instead."))
    if not (1 <= limit <= 1000) or offset < 0:
        raise _Problem(422, http_error(f"'limit' must be in [1, 1000] and 'offset' >= 0. Got "
                                       f"limit={limit}, offset={offset} instead."))
    return _json(await run_in_threadpool(_state(request).store.list, status=status,
                                         limit=limit, offset=offset))


def _unknown(jid: str) -> _Problem:
    return _Problem(404, http_error(f"No job with id {jid!r}.", problems=[f"id: {jid!r} unknown"]))


@v1.get("/jobs/{jid}")
async def get_job(request: Request, jid: str):
    job = await run_in_threadpool(_state(request).store.get, jid)
    if job is None:
        raise _unknown(jid)
    return _json(job)


def _json(doc) -> Response:
    """A JSON response written by :func:`json.dumps` (a job's result can be 100 KB and more;
    FastAPI's own encoder would walk it value by value first)."""
    return Response(json.dumps(doc, allow_nan=False, ensure_ascii=False,
                               separators=(",", ":")).encode("utf-8"),
                    media_type="application/json")


@v1.delete("/jobs/{jid}")
async def cancel_job(request: Request, jid: str):
    s = _state(request)
    status = s.store.status(jid)
    if status is None:
        raise _unknown(jid)
    if status in ("queued", "running"):
        await run_in_threadpool(s.runner.cancel, jid)
    job = await run_in_threadpool(s.store.get, jid)
    if job["status"] != "cancelled":
        brief = {k: v for k, v in job.items() if k not in ("result", "error", "warnings")}
        raise _Problem(409, http_error(f"Job {jid!r} had already ended ({job['status']}); "
                                       "nothing to cancel."), job=brief)
    return _json(job)


@v1.post("/jobs/{jid}/resubmit", status_code=202)
async def resubmit_job(request: Request, jid: str):
    s = _state(request)
    if s.draining:
        raise _Problem(503, http_error("The server is shutting down and takes no new jobs.",
                                       etype="SolverError", status="draining"))
    status = s.store.status(jid)
    if status is None:
        raise _unknown(jid)
    if not await run_in_threadpool(s.store.requeue, jid):
        raise _Problem(409, http_error(f"Job {jid!r} is {status}; only an ended job (interrupted, "
                                       "failed, cancelled, done) can be resubmitted."))
    s.runner.wake()
    return JSONResponse({"id": jid, "status": "queued"}, status_code=202,
                        headers={"Location": f"/v1/jobs/{jid}"})


@v1.post("/counties", status_code=201)
async def post_county(request: Request):
    from yingji.exceptions import YingjiError

    s = _state(request)
    body = await request.body()
    try:
        info = await run_in_threadpool(s.counties.add, body,
                                       request.headers.get("content-type", ""))
    except YingjiError as exc:
        raise _Problem(422, _error(exc)) from None
    return JSONResponse(info, status_code=201, headers={"Location": f"/v1/counties/{info['id']}"})


# -- the application --------------------------------------------------------------------
def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The service as an ASGI application.

    Parameters
    ----------
    config : ServiceConfig, optional
        Default ``ServiceConfig()`` (loopback, the per-user data folder, 2 workers).

    Returns
    -------
    fastapi.FastAPI
        Its lifespan opens the job store (jobs left ``running`` by a previous server become
        ``interrupted``), starts the job runner and, on shutdown (SIGTERM), drains it.
    """
    config = config or ServiceConfig()
    services = _Services(config)

    @asynccontextmanager
    async def lifespan(app):
        n = services.store.recover()
        if n:
            print(f"yingji serve: {n} job(s) left running by the previous server are now "
                  "'interrupted' (POST /v1/jobs/{id}/resubmit runs one again)", file=sys.stderr,
                  flush=True)
        services.requests.start()
        await run_in_threadpool(services.runner.start)
        yield
        services.draining = True
        await run_in_threadpool(services.runner.drain, config.drain_seconds)
        await run_in_threadpool(services.requests.stop)
        services.store.close()

    app = FastAPI(title="yingji service", version=__version__, lifespan=lifespan,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.yingji = services
    doc = build_openapi(__version__, auth=config.token is not None)
    app.openapi = lambda: doc
    app.include_router(router)
    app.router.routes.append(Route("/v1/requests", post_request, methods=["POST"]))
    app.include_router(v1)
    _install_handlers(app)
    app.add_middleware(BodyLimit, limit=config.max_body)
    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(_Problem)
    async def _problem(request, exc: _Problem):
        return problem_response(exc.status, exc.error, request.url.path, headers=exc.headers,
                                **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc):
        etype = "BadRequest" if exc.status_code < 500 else "InternalError"
        return problem_response(exc.status_code, http_error(str(exc.detail), etype=etype),
                                request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        probs = [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors()]
        return problem_response(422, http_error("The request's parameters are not valid: "
                                                + "; ".join(probs), problems=probs),
                                request.url.path)

    @app.exception_handler(Exception)
    async def _internal(request, exc):
        return problem_response(500, _error(exc), request.url.path)
