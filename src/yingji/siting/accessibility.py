"""Spatial accessibility on a cost matrix: the two-step floating catchment area method (2SFCA).

The supply of each facility (an area, a number of beds or places) is shared among the people
within its catchment (step 1), and each demand point adds up the shares of every facility it
can reach (step 2). The result says *where* the supply is reachable, which a region-wide ratio
(Σ supply ÷ Σ population) hides. :mod:`yingji.shelters` uses it for shelter area per person
within walking reach.

Units (DESIGN.md): distances and radii in metres (any one length unit will do, as long as both
use it), population in persons, supply in its own unit (m² for shelters); the ratios are supply
per person.

References
----------
.. [1] Luo, W. and Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
   environment: synthesis and a case study in the Chicago region. Environment and Planning B:
   Planning and Design 30(6), 865-884.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from yingji import config

__all__ = ["two_step_fca"]


def two_step_fca(population, area, distances, radius):
    """Two-step floating catchment area (2SFCA) ratio of facility supply to population.

    Parameters
    ----------
    population : array_like, shape (n,)
        People at each demand point, persons.
    area : array_like, shape (m,)
        Supply of each facility, e.g. the effective area of each shelter in m².
    distances : array_like, shape (n, m)
        Distance in metres from each demand point to each facility, e.g. the walk along the
        network (``inf`` = no path).
    radius : float or array_like, shape (m,)
        Catchment radius of each facility (for shelters, its class's service radius), metres.
        Within reach means ``distance <= radius`` (inclusive, tolerance ``COVER_TOL``).

    Returns
    -------
    access : numpy.ndarray, shape (n,)
        Supply per person reachable from each demand point (step 2), e.g. m² per person.
    ratio : numpy.ndarray, shape (m,)
        Each facility's supply divided by the population within its radius (step 1), supply
        per person; 0 for a facility nobody can reach.

    Notes
    -----
    Step 1: :math:`R_j = S_j / \\sum_{i: d_{ij} \\le r_j} P_i`. Step 2:
    :math:`A_i = \\sum_{j: d_{ij} \\le r_j} R_j`. The population-weighted mean
    :math:`\\sum_i P_i A_i / \\sum_i P_i` equals the supply of the facilities somebody can reach
    divided by the whole population, so it never exceeds the region-wide ratio; the per-point
    values show *where* the supply is.

    References
    ----------
    .. [1] Luo, W. and Wang, F. (2003). Measures of spatial accessibility to health care in a
       GIS environment: synthesis and a case study in the Chicago region. Environment and
       Planning B: Planning and Design 30(6), 865-884.

    Examples
    --------
    >>> a, r = two_step_fca([100, 100], [300.0], [[0.0], [900.0]], 500.0)
    >>> a.tolist(), r.tolist()
    ([3.0, 0.0], [3.0])
    """
    from yingji.siting.assignment import _inputs

    P, S, D, r = _inputs("two_step_fca", population, area, distances, radius, supply="area")
    reach = sp.csr_matrix(D <= r[None, :] + config.COVER_TOL)
    catch = reach.T @ P
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(catch > 0, S / np.where(catch > 0, catch, 1.0), 0.0)
    access = reach @ ratio
    return np.asarray(access, dtype=np.float64), np.asarray(ratio, dtype=np.float64)
