"""Coverage models: LSCP, MCLP and backup coverage (DESIGN.md, Siting).

Each model has one builder (registered in :mod:`yingji.siting.registry`), one exact path (the
sparse model solved by :func:`yingji.solvers.solve`, HiGHS by default or any PuLP solver) and a
numba heuristic (``yingji._kernels.coverage``) that always comes with a valid bound, so the
reported ``gap`` is honest whichever method produced the answer.

The package is made of small modules, each importing only those listed before it:
:mod:`~yingji.siting.coverage.common` (input preparation, 0/1 matrix helpers, assignment and
result pieces shared by the models), :mod:`~yingji.siting.coverage._lscp_engine` (LP bound and
local search of the set-covering heuristic), :mod:`~yingji.siting.coverage.setcover`
(:func:`lscp`: reductions, Lagrangian heuristic, MIP), :mod:`~yingji.siting.coverage.maxcover`
(:func:`mclp`: reductions, volume bound, iterated local search, reduced-cost fixing, MIP),
:mod:`~yingji.siting.coverage.backup_model` (:func:`backup_coverage`) and
:mod:`~yingji.siting.coverage.builders` (the registered builders). Modules inside the package
import the submodules, never this ``__init__``.
"""

from __future__ import annotations

from yingji.siting.coverage.backup_model import backup_coverage
from yingji.siting.coverage.builders import build_backup_coverage, build_lscp, build_mclp
from yingji.siting.coverage.common import METHODS, CovInput, as_int, check_method, prepare  # noqa: F401
from yingji.siting.coverage.maxcover import mclp
from yingji.siting.coverage.setcover import lscp

# Private helpers re-exported for the tests that call them through ``yingji.siting.coverage``
# (tests/siting/test_lscp_engine.py, test_mclp_rcfix.py, test_mclp_scale.py). Code in src imports
# them from their submodule; a test that monkeypatches a name patches the submodule that looks
# it up, not this re-export.
from yingji.siting.coverage.maxcover import _max_cover_heuristic, _maxcov_reduce, _mc_rc_fix  # noqa: E402,F401
from yingji.siting.coverage.setcover import (  # noqa: E402,F401
    _lscp_model,
    _lscp_reduce,
    _lscp_rereduce,
    _lscp_start,
    _LscpReduced,
)

__all__ = ["lscp", "mclp", "backup_coverage", "build_lscp", "build_mclp", "build_backup_coverage"]

#: The docstring examples of the public functions, which live in the submodules:
#: ``doctest.testmod(yingji.siting.coverage)`` runs only what the package defines or lists here.
__test__ = {name: globals()[name] for name in __all__}
