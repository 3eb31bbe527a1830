"""``yingji serve``: the HTTP service (faces layer; imports :mod:`yingji.service` only when run,
so other commands do not pay for FastAPI)."""

from __future__ import annotations

from yingji.cli._registry import command


def _args(p):
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; another address needs --token-file)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--data", default=None,
                   help="folder of the job store and uploaded counties (default: the per-user "
                        "data folder)")
    p.add_argument("--workers", type=int, default=2, help="jobs run at once (default 2)")
    p.add_argument("--request-workers", type=int, default=None,
                   help="processes answering POST /v1/requests (default: the CPUs, at most 4)")
    p.add_argument("--token-file", default=None,
                   help="file holding the bearer token every /v1 call must send")
    p.add_argument("--dask", default=None, metavar="tcp://host:port",
                   help="run jobs on this dask.distributed scheduler instead of local processes")
    p.add_argument("--max-body-mb", type=float, default=64.0,
                   help="largest request body in MiB (default 64; larger gets 413)")
    p.add_argument("--request-time-limit", type=float, default=30.0,
                   help="cap on params.time_limit of POST /v1/requests (seconds, default 30)")
    p.add_argument("--job-time-limit", type=float, default=600.0,
                   help="cap on params.time_limit of a job (seconds, default 600)")
    p.add_argument("--drain-seconds", type=float, default=30.0,
                   help="on SIGTERM, seconds running jobs may go on (default 30)")
    p.add_argument("--log-level", default="warning", help="uvicorn's log level (default warning)")


@command("serve", "the HTTP service: the JSON API over HTTP, with jobs (docs/service.md)", _args)
def _run(args) -> int:
    try:
        from yingji.service.config import ServiceConfig, read_token
        from yingji.service.server import serve
    except ImportError as exc:
        from yingji.exceptions import YingjiError

        raise YingjiError(f"yingji serve needs the 'serve' extra (pip install 'yingji[serve]'): "
                          f"{exc}") from None
    token = read_token(args.token_file) if args.token_file else None
    cfg = ServiceConfig(host=args.host, port=args.port, data=args.data, workers=args.workers,
                        request_workers=args.request_workers, token=token, dask=args.dask,
                        max_body=int(args.max_body_mb * 2**20),
                        request_time_limit=args.request_time_limit,
                        job_time_limit=args.job_time_limit, drain_seconds=args.drain_seconds)
    return serve(cfg, log_level=args.log_level)
