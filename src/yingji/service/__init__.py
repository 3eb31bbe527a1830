"""``yingji serve``: the JSON API over HTTP, with jobs for long solves (faces layer).

Other systems (an emergency-management platform, a GIS server, a dispatch system) call yingji
over HTTP: quick requests answered at once, long solves as jobs that are stored in SQLite
before the server answers, run in worker processes (or on a dask cluster), report progress,
can be cancelled, and survive a restart. See ``docs/service.md`` for the contract.

Modules (each imports only those above it):

* :mod:`~yingji.service.store` — the SQLite job store;
* :mod:`~yingji.service.counties` — uploaded counties by content hash;
* :mod:`~yingji.service.worker` — what a worker process (or dask task) runs;
* :mod:`~yingji.service.runner` — :class:`LocalRunner` and :class:`DaskRunner`;
* :mod:`~yingji.service.config` — :class:`ServiceConfig` and the start-up checks;
* :mod:`~yingji.service.problems` — RFC 9457 errors carrying the JSON API error object;
* :mod:`~yingji.service.openapi` — the OpenAPI 3.1 document from the JSON API's schemas;
* :mod:`~yingji.service.app` — :func:`create_app` (FastAPI);
* :mod:`~yingji.service.server` — :func:`serve` (uvicorn).

Needs the ``serve`` extra (``pip install yingji[serve]``: fastapi, uvicorn, httpx).
"""

from __future__ import annotations

from yingji.service.config import ServiceConfig

__all__ = ["ServiceConfig", "create_app", "serve"]


def __getattr__(name):
    if name == "create_app":
        from yingji.service.app import create_app

        return create_app
    if name == "serve":
        from yingji.service.server import serve

        return serve
    raise AttributeError(f"module 'yingji.service' has no attribute {name!r}")
