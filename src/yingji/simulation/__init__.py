"""Discrete-event simulation of emergency response, and Larson's hypercube queueing model.

:func:`simulate` draws Poisson calls by demand point and hour of day, sends the nearest
available unit (calls wait first come, first served when every unit is busy), keeps units busy
for turnout, travel, on-scene time and the drive back, and reports the response-time
distribution, the share of calls answered within the standard, unit utilisation and how often
the first-due unit was busy, each with a 95 % confidence interval across independent
replications. With ``requirements=`` a call needs units of several types (two engines and a
ladder...), each type dispatched from its own pool (``policy="nearest"`` or ``"plan"``, the
units :func:`yingji.dispatch.plan` sends); the response is the first arrival and the ``full_*``
figures the last (the full first alarm), with per-type figures in ``by_type``.
Replications run on any :class:`concurrent.futures.Executor` (a process pool, or
``dask.distributed.Client.get_executor()``) and give the same numbers for a given ``seed``
whatever the executor.

:func:`hypercube` computes the same figures analytically with Larson's hypercube queueing model:
exactly (a Markov chain on the 2^N busy/free states) for small fleets, or with Larson's
approximation for large ones. The model lives in :mod:`yingji.siting.queueing` (any demand ×
units travel matrix); this package gives it a county's fleet and a response standard.

Times are minutes; rates are incidents per year unless named otherwise.

The package's modules: ``standards`` (response limits and turnout), ``inputs`` (county → units,
travel matrix, rates; multi-type requirements and pools), ``engine`` (one replication: the calls
and the numba kernels; running replications on an executor), ``result``
(:class:`SimulationResult`, confidence intervals), ``run`` (:func:`simulate`), ``analytic``
(:func:`hypercube`) and ``stations`` (:func:`with_new_stations`).
"""

from __future__ import annotations

from yingji.simulation.analytic import hypercube
from yingji.simulation.result import SimulationResult, confidence_interval
from yingji.simulation.run import simulate
from yingji.simulation.standards import MINUTES_PER_YEAR, response_standard  # noqa: F401 (a public constant)
from yingji.simulation.stations import with_new_stations

__all__ = [
    "simulate",
    "SimulationResult",
    "hypercube",
    "HypercubeResult",
    "response_standard",
    "confidence_interval",
    "with_new_stations",
]


def __getattr__(name: str):
    # HypercubeResult is the siting layer's (yingji.siting.queueing); imported on first use so
    # that importing the simulation (the CLI does at start-up) does not load every siting model.
    if name == "HypercubeResult":
        from yingji.siting.queueing import HypercubeResult

        return HypercubeResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"HypercubeResult"})
