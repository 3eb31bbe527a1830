"""Raises of the solver layer not exercised elsewhere (review of issue 3)."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
import scipy.sparse as sp

from yingji.exceptions import InfeasibleError, SolverError, ValidationError
from yingji.solvers import SparseModel, solve


def test_sparse_model_reports_every_size_problem_at_once():
    A = sp.csr_matrix(np.ones((2, 3)))
    with pytest.raises(ValidationError, match=r"row_lo has 3 entries, expected 2.*integrality has 2 entries, expected 3"):
        SparseModel([1, 2, 3], A, [0, 0, 0], None, 0, 1, [True, False])


def test_sparse_model_rejects_nonfinite_coefficients():
    A = sp.csr_matrix(np.array([[1.0, np.inf]]))
    with pytest.raises(ValidationError, match="A contains NaN or inf coefficients"):
        SparseModel([1, 1], A, None, [1], 0, 1, None)


def test_empty_model_with_a_row_excluding_zero_is_infeasible():
    m = SparseModel(np.zeros(0), sp.csr_matrix((1, 0)), [1.0], [2.0], None, None, None)
    with pytest.raises(InfeasibleError, match="no columns and a row that excludes 0"):
        solve(m)


def test_unavailable_pulp_solver_raises_solver_error():
    unavailable = [s for s in (pulp.GUROBI_CMD, pulp.CPLEX_CMD, pulp.XPRESS)
                   if not s(msg=False).available()]
    if not unavailable:
        pytest.skip("every commercial PuLP solver is installed here")
    m = SparseModel([1.0], sp.csr_matrix(np.ones((1, 1))), [1.0], None, 0, 1, [True])
    with pytest.raises(SolverError, match="is not available on this machine"):
        solve(m, solver=unavailable[0](msg=False))


def test_threads_other_than_the_process_scheduler_named_in_the_error():
    """HiGHS sizes one thread scheduler per process at its first solve; a later solve asking for
    another count does not run. The error names the parameter (it said only "kNotset")."""
    import os
    import subprocess
    import sys

    code = """
import numpy as np, scipy.sparse as sp
from yingji.exceptions import SolverError
from yingji.solvers import SparseModel, solve
m = SparseModel([1.0, 2.0], sp.csr_matrix(np.ones((1, 2))), [1.0], [np.inf], 0.0, 1.0, [False, False])
print(solve(m).status, solve(m, threads=0).status)
try:
    solve(m, threads=1)
    print("no error")
except SolverError as e:
    print("SolverError:", e)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-2] == "optimal optimal"
    # a machine with one core sizes the scheduler at 1 thread: then threads=1 is that count
    assert (lines[-1] == "no error" and (os.cpu_count() or 1) == 1) or \
        ("'threads' parameter is 1" in lines[-1] and "threads=None" in lines[-1]), lines[-1]
