"""yingji._executor: one helper for None, any concurrent.futures.Executor and a dask Client."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import yingji as yj
from yingji._executor import as_executor, map_ordered, n_workers
from yingji.exceptions import ValidationError


def _sq(x):
    return x * x


def test_map_ordered_inline_and_pool():
    assert map_ordered(_sq, range(5)) == [0, 1, 4, 9, 16]
    with ThreadPoolExecutor(3) as ex:
        assert map_ordered(_sq, range(5), ex) == [0, 1, 4, 9, 16]
        assert n_workers(ex) == 3
    assert n_workers(None) == 1


def test_bad_executor_named():
    with pytest.raises(ValidationError, match="'executor' parameter must be None, a concurrent.futures.Executor"):
        as_executor(object())


def test_dask_client_is_accepted_where_an_executor_is():
    distributed = pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(0)
    cost = rng.uniform(0, 10, (40, 8))
    w = rng.uniform(1, 5, 40)
    ref = yj.coverage_curve(cost, 3.0, weights=w, p_max=4, time_limit=30)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        assert map_ordered(_sq, range(4), client) == [0, 1, 4, 9]
        assert n_workers(as_executor(client)) >= 1
        got = yj.coverage_curve(cost, 3.0, weights=w, p_max=4, time_limit=30, executor=client)
    assert np.allclose(got["covered"].to_numpy(), ref["covered"].to_numpy())


def test_preposition_takes_a_dask_client():
    distributed = pytest.importorskip("dask.distributed")
    from cases_supplies import toy_county, township_times

    from yingji.supplies import Scenarios, preposition
    import pandas as pd

    d = []
    for s_, mult in (("s1", 1.0), ("s2", 3.0)):
        for t, n in (("A", 300), ("B", 200), ("C", 100)):
            d.append({"scenario": s_, "township": t, "item": "water", "quantity": n * 45 * mult})
    sc = Scenarios(pd.Series({"s1": 0.6, "s2": 0.4}), pd.DataFrame(d))
    c = toy_county()
    ref = preposition(c, sc, times=township_times(), method="benders", vss=False)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        got = preposition(c, sc, times=township_times(), method="benders", vss=False, executor=client)
    assert got.expected_cost == pytest.approx(ref.expected_cost, rel=1e-9)


def test_simulate_takes_a_dask_client():
    distributed = pytest.importorskip("dask.distributed")
    county = yj.datasets.sample_county()
    ref = yj.simulation.simulate(county, horizon_hours=24 * 30, replications=2, seed=7)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        got = yj.simulation.simulate(county, horizon_hours=24 * 30, replications=2, seed=7, executor=client)
    assert got.p90_minutes == ref.p90_minutes and got.within_standard == ref.within_standard
