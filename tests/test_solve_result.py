"""One result base: every optimisation result carries the solve figures through SolveResult."""

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from yingji.results import SolveResult, relative_gap

SRC = Path(__file__).resolve().parents[1] / "src" / "yingji"
FIELDS = ("objective", "bound", "gap", "optimal", "status", "seconds")

#: Result types that carry some of the figures but are not the solve of one model; each says why.
NOT_SOLVES = {
    "Solution": "the solver layer's own raw output (SolveResult.figures reads it)",
    "Stage": "one stage of a lexicographic solve, inside a Solution",
    "_Sol": "private solution record of the fire model, turned into a FirePlan",
    "DispatchPlan": "'objective' names the criterion ('total' or 'latest') in the dispatch API",
    "PlanSection": "a section of a county plan: status 'timeout'/'error' and no single objective",
    "AssignmentResult": "status and seconds only: a flow with no bound to report",
    "ShelterAssessment": "an assessment, not an optimisation",
}


def _classes_with_solve_fields():
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                own = {s.target.id for s in node.body
                       if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
                yield path, node.name, own & set(FIELDS)


def test_no_result_redeclares_the_solve_fields():
    bad = [f"{p.relative_to(SRC)}:{name} declares {sorted(own)}"
           for p, name, own in _classes_with_solve_fields()
           if len(own) >= 3 and name not in NOT_SOLVES and name != "SolveResult"]
    assert not bad, "inherit yingji.results.SolveResult instead:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", ["SitingResult", "FirePlan", "ApparatusPlan", "ShelterPlan",
                                  "TeamAllocation", "BasePlan", "StockPlan", "TransferPlan"])
def test_results_inherit_the_base(name):
    import yingji.fire as fire
    import yingji.results as results
    import yingji.shelters as shelters
    import yingji.supplies as supplies
    import yingji.teams as teams
    from yingji.fire.apparatus import ApparatusPlan
    from yingji.supplies.prepositioning import StockPlan
    from yingji.supplies.transfers import TransferPlan
    from yingji.teams.bases import BasePlan

    found = {"SitingResult": results.SitingResult, "FirePlan": fire.FirePlan, "ApparatusPlan": ApparatusPlan,
             "ShelterPlan": shelters.ShelterPlan, "TeamAllocation": teams.TeamAllocation, "BasePlan": BasePlan,
             "StockPlan": StockPlan, "TransferPlan": TransferPlan}
    assert supplies and found[name].__mro__.count(SolveResult) == 1
    names = {f.name for f in dataclasses.fields(found[name])}
    assert set(FIELDS) <= names
    kw = {f.name for f in dataclasses.fields(found[name]) if f.kw_only}
    assert set(FIELDS) <= kw


def test_figures_and_dict():
    import scipy.sparse as sp

    from yingji.solvers import SparseModel, solve

    # max x + y  s.t. x + 2y <= 3, x, y in {0..2} integer: optimum 2 + 0 ... x=2,y=0 -> 2; x=1,y=1 -> 2
    m = SparseModel(c=np.array([-1.0, -1.0]), A=sp.csr_matrix([[1.0, 2.0]]), row_lo=np.array([-np.inf]),
                    row_hi=np.array([3.0]), col_lo=np.zeros(2), col_hi=np.full(2, 2.0),
                    integrality=np.array([True, True]))
    sol = solve(m, time_limit=10)
    f = SolveResult.figures(sol, 0.5)
    assert f["objective"] == pytest.approx(-2.0) and f["optimal"] and f["status"] == "optimal"
    assert f["seconds"] == 0.5 and f["gap"] == pytest.approx(relative_gap(f["objective"], f["bound"]))


def test_solve_dict_is_json_ready():
    @dataclasses.dataclass(frozen=True)
    class R(SolveResult):
        extra: int

    r = R(1, objective=float("nan"), bound=float("-inf"), gap=math.inf, optimal=False, status="time_limit",
          seconds=1.0)
    assert r.solve_dict() == {"objective": None, "bound": "-inf", "gap": "inf", "optimal": False,
                              "status": "time_limit", "seconds": 1.0}
    with pytest.raises(TypeError):
        R(1, 2.0, 2.0, 0.0, True, "optimal", 1.0)  # the figures are keyword-only
