"""The service's settings (:class:`ServiceConfig`) and the start-up checks on them."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from yingji._validation import Interval, Problems, check_param
from yingji.exceptions import ValidationError

__all__ = ["ServiceConfig", "default_data_dir", "is_loopback", "read_token"]


def default_data_dir() -> Path:
    """The per-user data folder (``platformdirs.user_data_dir("yingji")``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("yingji", appauthor=False))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path) -> str:
    """The bearer token in ``path`` (whitespace stripped).

    Raises
    ------
    ValidationError
        The file is missing, unreadable, empty or holds a token shorter than 16 characters.
    """
    p = Path(path).expanduser()
    try:
        token = p.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(f"The 'token_file' parameter of yingji serve must be a readable "
                              f"file. Got {str(p)!r} instead ({exc.strerror}).") from None
    if len(token) < 16 or any(c.isspace() for c in token):
        raise ValidationError(f"The 'token_file' parameter of yingji serve must hold one token of "
                              f"at least 16 characters without spaces. Got {str(p)!r}, holding "
                              f"{len(token)} characters.")
    return token


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of ``yingji serve``.

    Attributes
    ----------
    host : str
        Address to bind (default loopback). Another address needs ``token``.
    port : int
    data : Path
        Folder of the job store (``jobs.sqlite3``) and the uploaded counties (``counties/``).
    workers : int
        Jobs that run at once (local worker processes).
    request_workers : int
        Processes answering ``POST /v1/requests`` (requests answered at once); default the
        number of CPUs, at most 4.
    token : str, optional
        Bearer token every ``/v1`` call must carry.
    dask : str, optional
        ``tcp://host:port`` of a dask scheduler: jobs run there instead of in local workers.
    max_body : int
        Largest request body (bytes); larger ones get 413.
    request_time_limit : float
        Cap on ``params.time_limit`` of ``POST /v1/requests`` (seconds).
    job_time_limit : float
        Cap on ``params.time_limit`` of a job (seconds).
    drain_seconds : float
        On SIGTERM, how long running jobs may go on before they are marked ``interrupted``.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    data: Path = None  # type: ignore[assignment]
    workers: int = 2
    request_workers: int = None  # type: ignore[assignment]
    token: str | None = None
    dask: str | None = None
    max_body: int = 64 * 2**20
    request_time_limit: float = 30.0
    job_time_limit: float = 600.0
    drain_seconds: float = 30.0

    def __post_init__(self):
        object.__setattr__(self, "data", Path(self.data).expanduser() if self.data is not None
                           else default_data_dir())
        if self.request_workers is None:
            object.__setattr__(self, "request_workers", max(1, min(4, os.cpu_count() or 1)))
        probs = Problems("yingji serve")
        positive = Interval(float, 0, None, closed="neither")
        for name, value, c in (("port", self.port, Interval(int, 0, 65535)),
                               ("workers", self.workers, Interval(int, 1, 256)),
                               ("request_workers", self.request_workers, Interval(int, 1, 256)),
                               ("max_body", self.max_body, Interval(int, 1024, None)),
                               ("request_time_limit", self.request_time_limit, positive),
                               ("job_time_limit", self.job_time_limit, positive),
                               ("drain_seconds", self.drain_seconds, Interval(float, 0, None))):
            check_param(probs, name, value, c)
        probs.raise_if_any()
        if self.token is None and not is_loopback(self.host):
            raise ValidationError(
                f"yingji serve refuses to listen on {self.host!r} without a token: any machine "
                "that reaches it could run solves and upload data. Give --token-file FILE (a "
                "file holding a secret of 16+ characters; clients send 'Authorization: Bearer "
                "<token>'), or bind to 127.0.0.1.")
