"""hypercube(): Larson's hypercube queueing model on a county's fleet.

The model itself (the exact chain, Larson's approximation) is :mod:`yingji.siting.queueing`;
this module turns a county (or its tables) and a response standard into its inputs. The siting
package is imported on the first call, so ``import yingji.simulation`` stays light.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from yingji._validation import Problems
from yingji.simulation.inputs import _resolve_system
from yingji.simulation.standards import _standard_and_turnout

if TYPE_CHECKING:  # pragma: no cover
    from yingji.siting.queueing import HypercubeResult

__all__ = ["hypercube"]


def hypercube(
    county=None,
    *,
    stations: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    times=None,
    unit_types: str | Iterable[str] | None = ("engine",),
    incidents_per_year=None,
    service_minutes: float = 45.0,
    standard="GB51080",
    turnout_minutes: float | None = None,
    method: str = "auto",
    max_exact_units: int = 10,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> HypercubeResult:
    """Larson's hypercube queueing model: unit workloads, dispatch shares and response times.

    Parameters
    ----------
    county, stations, units, demand, times, unit_types, incidents_per_year, standard, turnout_minutes
        As in :func:`simulate`. Every unit must be able to reach every demand point.
    service_minutes : float
        Mean busy time per call (exponential, the same for every unit): compare with
        ``simulate(..., travel_in_service=False, service_minutes=...)``, or pass the mean
        busy time including travel.
    method : {"auto", "exact", "larson"}
        ``"exact"`` solves the Markov chain on the 2^N busy/free states (N ≤ 20; 12 units take
        a few seconds); ``"larson"`` uses Larson's approximation; ``"auto"`` is exact up to
        ``max_exact_units`` units.
    max_exact_units : int
        Largest fleet solved exactly by ``"auto"``.
    tol, max_iter : float, int
        Convergence of Larson's fixed-point iteration: it stops when no workload moves by
        ``tol``; ``max_iter`` bounds the iterations (and root-solver evaluations).

    Returns
    -------
    HypercubeResult

    Raises
    ------
    ValidationError
        Bad input (as in :func:`simulate`), a unit that cannot reach a demand point, a bad
        ``method``, ``method="exact"`` with more than 20 units, or an unstable system (call
        rate ≥ service capacity).

    Warns
    -----
    YingjiWarning
        Larson's approximation did not converge within ``max_iter``; the result holds the last
        iterate.

    See Also
    --------
    yingji.siting.hypercube : the model on any demand × units travel matrix.
    simulate : the same figures by discrete-event simulation.

    Notes
    -----
    This is :func:`yingji.siting.hypercube` (whose Notes give the formulas) on the travel matrix
    from the county's units that answer calls (``unit_types``) to its demand points, with the
    limit and turnout of ``standard``. The exact model [1]_ is a continuous-time Markov chain on
    the subsets of busy units, each call taking the first free unit of its demand point's
    preference list (units by travel time), with an infinite first-come queue lumped into one
    state. Larson's approximation [2]_ [3]_ replaces the chain by the fixed point of the unit
    workloads with the M/M/N correction factors :math:`Q(N,\\rho,j)` and Larson's normalisation
    (the workloads add up to the offered load). On the three-unit example of [3]_ (section
    5.5.3) the iterates are the book's; on random fleets of 3-6 units the workloads are within
    0.011 of the exact chain (0.021 over 500 fleets; ``tests/simulation/test_larson_approx.py``).

    References
    ----------
    .. [1] Larson, R. C. (1974). A hypercube queuing model for facility location and
       redistricting in urban emergency services. *Computers & Operations Research* 1(1), 67-95.
    .. [2] Larson, R. C. (1975). Approximating the performance of urban emergency service
       systems. *Operations Research* 23(5), 845-868.
    .. [3] Larson, R. C., Odoni, A. R. (1981). *Urban Operations Research*, ch. 5.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> units = pd.DataFrame({"type": ["engine", "engine"]}, index=["u1", "u2"])
    >>> demand = pd.DataFrame({"incidents_per_year": [2000.0, 1000.0]}, index=["a", "b"])
    >>> hc = hypercube(units=units, demand=demand, times=np.array([[2.0, 6.0], [5.0, 3.0]]))
    >>> round(float(hc.dispatch.to_numpy().sum()), 9)
    1.0
    """
    t0 = time.perf_counter()
    from yingji.siting.queueing import _check_service_and_method, _hypercube_model

    probs = Problems("hypercube")
    mu_min = _check_service_and_method(service_minutes, method, probs)
    limit, turnout = _standard_and_turnout(standard, turnout_minutes, probs)
    system = _resolve_system(county, func="hypercube", stations=stations, units=units, demand=demand,
                             times=times, unit_types=unit_types, incidents_per_year=incidents_per_year,
                             probs=probs)
    if system is None:
        probs.raise_if_any()
    return _hypercube_model(system.travel, system.rate_per_year, mu_min, limit=limit, turnout=turnout,
                            method=method, max_exact_units=max_exact_units, tol=tol, max_iter=max_iter,
                            unit_ids=system.unit_ids, point_ids=system.point_ids, probs=probs, t0=t0)
