"""Numeric defaults shared across yingji (tolerances, numba flags, solver defaults)."""

from __future__ import annotations

#: Cost/time comparison tolerance: "covered" means ``cost <= radius + COVER_TOL``.
COVER_TOL = 1e-9

#: Default relative MIP gap. HiGHS's own 1e-4 is too loose for planners comparing options.
MIP_GAP = 1e-6

#: Default time limit of every solve, seconds.
TIME_LIMIT = 60.0

#: Deterministic work caps of every HiGHS solve (issue 18), applied unless the caller's
#: ``options`` set them: the same model stops at the same point on an idle and on a loaded
#: machine, and the wall-clock ``time_limit`` is only the safety net behind them. Branch-and-bound
#: nodes are the MIP's work; ``simplex_iteration_limit`` bounds each LP (HiGHS counts the
#: iterations of a MIP's node LPs in it too, so it is set high enough not to cut a MIP first).
#: A solve stopped by a cap has ``status="time_limit"`` (solver status ``kSolutionLimit`` /
#: ``kIterationLimit``) and warns, naming the cap. ``None`` removes a cap. The sample county's
#: solves use at most a few hundred nodes; the caps bite first only on models that would need
#: minutes.
WORK_LIMITS = {"mip_max_nodes": 50_000, "simplex_iteration_limit": 50_000_000}

#: fastmath flags for numba kernels: never plain ``fastmath=True`` (it breaks ``inf``
#: handling, which yingji uses for "unreachable"). The set follows stumpy's config.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: numba njit keyword arguments used by every kernel.
NJIT_KW = {"cache": True, "fastmath": FASTMATH}

#: Largest magnitude accepted in a cost, weight, demand, capacity or site cost entry. Larger
#: finite values (1e308 typed for "never") overflow or swamp the objective's sums: HiGHS treats
#: 1e20 as infinity and loses every digit of the real costs long before. Rescale (km instead
#: of m, thousand yuan) or use ``inf`` where "unreachable" is meant.
MAX_INPUT = 1e12

#: Largest finite coefficient or bound a :class:`~yingji.solvers.SparseModel` accepts (the
#: safety net behind :data:`MAX_INPUT`, for models built from any input).
MAX_COEF = 1e15
