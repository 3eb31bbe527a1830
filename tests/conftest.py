"""Shared pytest configuration: hypothesis profile and the shared datasets folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# numba compiles on first call: no per-example deadline (STYLE.md, Tests).
settings.register_profile(
    "yingji",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", parent=settings.get_profile("yingji"), max_examples=40)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "yingji"))


def _shared_datasets() -> Path | None:
    env = os.environ.get("YINGJI_SHARED_DATASETS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "shared" / "datasets", here.parents[1] / "shared" / "datasets"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


SHARED_DATASETS = _shared_datasets()


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Path of ``../shared/datasets``; skips the test cleanly where it is absent."""
    if SHARED_DATASETS is None:
        pytest.skip("../shared/datasets not found (set YINGJI_SHARED_DATASETS)")
    return SHARED_DATASETS
