"""The solver layer: one sparse model type, one way to solve it.

``SparseModel`` (numpy / scipy.sparse) → :func:`solve` → HiGHS through highspy (default) or any
PuLP solver through the bridge (``model.to_pulp()``); :func:`solve_lexicographic` optimises
several objectives in priority order (one :class:`Stage` each); :class:`ModelBuilder` assembles
a model block by block. Modules: ``model`` (the model,
``Solution``, ``Stage``, ``gap_of``), ``builder``, ``core`` (the solve functions), ``highs``, ``pulp_bridge``.
"""

from yingji.solvers.builder import ColumnBlock, ModelBuilder
from yingji.solvers.core import gap_of, solve, solve_lexicographic
from yingji.solvers.model import Solution, SparseModel, Stage
from yingji.solvers.pulp_bridge import to_pulp

__all__ = ["SparseModel", "ModelBuilder", "ColumnBlock", "Solution", "Stage", "solve", "solve_lexicographic", "gap_of", "to_pulp", "available_pulp_solvers"]


def available_pulp_solvers() -> list[str]:
    """Names of the PuLP solvers usable on this machine (e.g. ``["PULP_CBC_CMD", "HiGHS"]``)."""
    import pulp

    return list(pulp.listSolvers(onlyAvailable=True))
