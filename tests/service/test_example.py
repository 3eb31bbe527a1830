"""The service example (``examples/service_client.py``) runs against a server it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "service_client.py"


@pytest.mark.slow
def test_service_client_example_runs():
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                       check=False, timeout=300, env=env)
    out = r.stdout
    assert r.returncode == 0, r.stderr[-3000:]
    assert "health: ok" in out
    # the 4 x 3 MCLP of the example (radius 4, p 2): sites 1 and 2 cover 300 + 80 + 200
    assert "MCLP: sites" in out and "covered 580" in out
    assert "fire.plan job done:" in out
    assert "cancelled: cancelled" in out
    assert "refused: HTTP 403 BadRequest" in out
    assert "Traceback" not in r.stderr
