"""Fixtures of the service tests: a server with a token (``serve_harness.Server``)."""

from __future__ import annotations

import pytest

pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from serve_harness import TOKEN, Server  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server with a token, 2 workers and a 4 MiB body limit."""
    d = tmp_path_factory.mktemp("serve")
    s = Server(d / "data", "--workers", "2", "--max-body-mb", "4", "--request-time-limit", "20",
               token=TOKEN).start()
    yield s
    s.stop()
    s.reap()
