r"""p-median and p-center on any demand x sites cost matrix.

:func:`p_median` minimises the total weighted cost of serving every demand row
from its nearest open site; :func:`p_center` minimises the largest weighted cost.
Both take ``fixed`` existing sites (counted in ``p``), a ``time_limit`` that holds,
and return a :class:`~yingji.results.SitingResult` with a proven ``bound``.

How p-median is solved (``method="auto"``)

1. a numba greedy + fast interchange heuristic (Whitaker 1983) refined by
   variable neighbourhood search (Hansen and Mladenovic 1997);
2. a Lagrangian bound (assignment constraints relaxed, subgradient steps) with
   reduced-cost variable fixing, and a Lagrangian heuristic from the best
   multipliers;
3. when the gap is still open, the compact sorted-distance formulation of
   Elloumi (2010) on the reduced problem, handed to HiGHS with the heuristic
   solution as MIP start.

p-center searches the sorted distinct weighted costs: the optimum is the
smallest level ``r`` at which the rows can be covered (``w_i c_ij <= r``) by at
most ``p`` sites; each test is a set-cover problem (greedy first, then a small
MIP), never the big-M formulation.

References
----------
.. [1] Hakimi, S. L. (1964). Optimum locations of switching centers and the
   absolute centers and medians of a graph. Operations Research 12(3), 450-459.
.. [2] ReVelle, C. S. and Swain, R. W. (1970). Central facilities location.
   Geographical Analysis 2(1), 30-42.
.. [3] Whitaker, R. A. (1983). A fast algorithm for the greedy interchange for
   large-scale clustering and median location problems. INFOR 21(2), 95-108.
.. [4] Hansen, P. and Mladenovic, N. (1997). Variable neighborhood search for the
   p-median. Location Science 5(4), 207-226.
.. [5] Cornuejols, G., Fisher, M. L. and Nemhauser, G. L. (1977). Location of bank
   accounts to optimize float. Management Science 23(8), 789-810.
.. [6] Elloumi, S. (2010). A tighter formulation of the p-median problem. Journal of
   Combinatorial Optimization 19(1), 69-83.
.. [7] Minieka, E. (1970). The m-center problem. SIAM Review 12(1), 138-139.
.. [8] Daskin, M. S. (2000). A new approach to solving the vertex p-center problem to
   optimality: algorithm and computational results. Communications of the
   Operations Research Society of Japan 45(9), 428-436.
.. [9] Contardo, C., Iori, M. and Kramer, R. (2019). A scalable exact algorithm for
   the vertex p-center problem. Computers & Operations Research 103, 211-220.

The package, one module per part (``yingji.siting.median.<module>``):

* :mod:`~yingji.siting.median.common`: argument checks, cost helpers, the result, and the
  checkers :func:`median_cost` and :func:`center_cost`;
* :mod:`~yingji.siting.median.heuristic`: greedy + interchange, the caller's start, VNS;
* :mod:`~yingji.siting.median.lagrangian`: the Lagrangian bound (subgradient, reduced-cost
  fixing) and the Lagrangian branch and bound;
* :mod:`~yingji.siting.median.compact`: the compact (Elloumi) and classic MIP models,
  :func:`build_p_median`;
* :mod:`~yingji.siting.median.driver`: :func:`p_median`, its stages one helper each;
* :mod:`~yingji.siting.median.knn`: the reduced K-nearest (radius) model;
* :mod:`~yingji.siting.median.points`: :func:`p_median_points`, the p-median on planar points
  with K-nearest lists from a k-d tree and no ``n x m`` matrix;
* :mod:`~yingji.siting.median.center`: :func:`p_center` and :func:`build_p_center_cover`.
"""

from __future__ import annotations

from yingji.siting.median.center import build_p_center_cover, p_center
from yingji.siting.median.common import center_cost, median_cost
from yingji.siting.median.compact import build_p_median
from yingji.siting.median.driver import p_median
from yingji.siting.median.points import p_median_points

# private helpers that tests and earlier callers import from ``yingji.siting.median`` (they live
# in the modules above; patch them there, where they are looked up)
from yingji.siting.median.compact import _build_compact, _compact_size_estimate  # noqa: F401
from yingji.siting.median.heuristic import _reduced_vns  # noqa: F401
from yingji.siting.median.lagrangian import _lagrangian_bnb, _sorted_rows  # noqa: F401

__all__ = [
    "p_median",
    "p_median_points",
    "p_center",
    "median_cost",
    "center_cost",
    "build_p_median",
    "build_p_center_cover",
]
