"""Run the service: :func:`serve` (uvicorn), what ``yingji serve`` calls."""

from __future__ import annotations

import sys

from yingji.service.config import ServiceConfig

__all__ = ["serve"]


def serve(config: ServiceConfig, *, log_level: str = "info") -> int:
    """Serve ``config`` with uvicorn until SIGINT/SIGTERM; returns the exit status.

    On SIGTERM uvicorn stops accepting connections and finishes the open ones; then the job
    runner drains: no new job starts, running jobs get ``config.drain_seconds`` to finish and
    are otherwise marked ``interrupted`` (queued jobs stay queued for the next start).
    """
    import uvicorn

    from yingji.service.app import create_app

    app = create_app(config)
    where = f"http://{config.host}:{config.port}"
    print(f"yingji serve: {where} (data in {config.data}; "
          f"{'dask ' + config.dask if config.dask else str(config.workers) + ' worker processes'}"
          f"; {'bearer token required' if config.token else 'no token'})", file=sys.stderr,
          flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level=log_level,
                timeout_graceful_shutdown=5, access_log=False)
    return 0
