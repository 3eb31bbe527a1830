"""Long reference runs (``-m slow``): the simulation against queueing theory over many systems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naive_dispatch import erlang_c
from yingji.simulation import MINUTES_PER_YEAR, hypercube, simulate

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("c, rho", [(1, 0.5), (2, 0.8), (4, 0.6), (6, 0.9)])
def test_mmc_many(c, rho):
    svc = 20.0
    lam = rho * c / svc
    units = pd.DataFrame({"type": ["engine"] * c}, index=[f"u{i}" for i in range(c)])
    demand = pd.DataFrame({"incidents_per_year": [lam * MINUTES_PER_YEAR]}, index=["d"])
    sim = simulate(units=units, demand=demand, times=np.zeros((c, 1)), horizon_hours=20000, replications=20,
                   seed=c, turnout_minutes=0.0, travel_in_service=False, service_minutes=svc, warmup_hours=100)
    pw = erlang_c(c, lam * svc)
    wq = pw / (c / svc - lam)
    for name, truth in (("share_queued", pw), ("mean_wait_minutes", wq), ("mean_utilisation", rho)):
        lo, hi = sim.ci[name]
        half = (hi - lo) / 2
        assert abs(getattr(sim, name) - truth) <= 2 * half, (name, getattr(sim, name), truth, (lo, hi))


@pytest.mark.parametrize("seed", range(6))
def test_exact_hypercube_many(seed):
    rng = np.random.default_rng(seed)
    N, n = int(rng.integers(2, 7)), int(rng.integers(2, 10))
    units = pd.DataFrame({"type": ["engine"] * N}, index=[f"u{i}" for i in range(N)])
    demand = pd.DataFrame({"incidents_per_year": rng.uniform(500, 5000, n)}, index=[f"d{j}" for j in range(n)])
    T = np.round(rng.uniform(1, 10, (N, n)), 1)
    rho = float(rng.uniform(0.3, 0.8))
    svc = rho * N * MINUTES_PER_YEAR / demand["incidents_per_year"].sum()
    kw = dict(units=units, demand=demand, times=T, service_minutes=svc, turnout_minutes=0.5)
    hc = hypercube(**kw, method="exact")
    sim = simulate(**kw, travel_in_service=False, horizon_hours=30000, replications=10, seed=seed)
    for u in units.index:
        lo, hi = sim.ci[f"utilisation[{u}]"]
        assert abs(sim.utilisation[u] - hc.workload[u]) <= 2 * (hi - lo) / 2 + 1e-3
    for name, truth in (("mean_minutes", hc.mean_response_minutes), ("within_standard", hc.within_standard),
                        ("first_due_busy", hc.first_due_busy)):
        lo, hi = sim.ci[name]
        assert abs(getattr(sim, name) - truth) <= 2 * (hi - lo) / 2 + 1e-3, (name, getattr(sim, name), truth)
