"""yingji.planning: the county plan, its renderings, part failures, and `yingji plan`."""

from __future__ import annotations

import argparse
import json

import pytest

import yingji as yj
from yingji import api, planning
from yingji.cli import DEMO_SECTIONS, main
from yingji.planning import parts as plan_parts
from yingji.planning import result as plan_result
from yingji._render import blocks_text


@pytest.fixture(scope="module")
def tiny_plan(tiny_county):
    return planning.plan(tiny_county, time_limit=10, seed=0, n_scenarios=2)


def test_plan_sections_and_items(tiny_plan):
    p = tiny_plan
    assert [s.part for s in p.sections] == list(planning.PARTS)
    assert p.complete and all(s.status == "optimal" for s in p.sections)
    fr = p.to_frame()
    assert list(fr.columns) == ["section", *planning.ITEM_COLUMNS]
    fire = fr[fr["section"] == "fire"]
    assert fire["id"].tolist() == ["C1"] and fire["action"].tolist() == ["build"]
    assert fire["cost"].tolist() == [11_000_000.0]  # candidates.cost of C1
    assert set(fr.loc[fr["section"] == "supplies", "action"]) <= {"open", "buy", "build"}
    # section costs: build costs are the candidates' costs
    assert p["fire"].cost == 11_000_000.0
    assert p["shelters"].cost == pytest.approx(fr.loc[fr["section"] == "shelters", "cost"].sum())
    assert p.total_cost == pytest.approx(sum(s.cost for s in p.sections))
    with pytest.raises(KeyError):
        p["roads"]


def test_plan_before_after(tiny_plan):
    fig = tiny_plan.figures()
    f = fig[fig["section"] == "fire"].set_index("figure")
    assert f.loc["coverage_share", "after"] == pytest.approx(1.0)
    assert f.loc["coverage_share", "before"] < 1.0
    t = fig[fig["section"] == "teams"].set_index("figure")
    assert t.loc["gaps", "before"] == 1 and t.loc["gaps", "after"] == 0
    s = fig[fig["section"] == "shelters"].set_index("figure")
    assert s.loc["sheltered_share", "after"] >= s.loc["sheltered_share", "before"]
    sup = fig[fig["section"] == "supplies"].set_index("figure")
    assert sup.loc["needs_met_in_time_share", "after"] >= sup.loc["needs_met_in_time_share", "before"]


def test_plan_notes_shared_sites(tiny_plan):
    ids_by_part = {s.part: set(s.items.loc[s.items["action"].isin(["build", "open"]), "id"])
                   for s in tiny_plan.sections}
    expect = {i for a in ids_by_part for b in ids_by_part if a < b
              for i in ids_by_part[a] & ids_by_part[b]}
    assert expect  # the tiny county's parts share candidates (C0, C1)
    (note,) = [n for n in tiny_plan.notes if "more than one part" in n]
    listed = note.split("all of them): ", 1)[1]
    assert {x.split(" (")[0] for x in listed.split("), ")} == expect
    assert "C1 (fire, shelters)" in note


def test_plan_renderings(tiny_plan):
    d = tiny_plan.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["schema"] == "yingji.plan" and d["version"] == planning.PLAN_SCHEMA_VERSION
    assert [s["part"] for s in d["sections"]] == list(planning.PARTS)
    md = tiny_plan.to_markdown()
    assert md.startswith("# County plan: 小县") and "## Fire stations (消防站)" in md
    assert "| C1 | fire station" in md
    html = tiny_plan.to_html()
    assert html.startswith("<!DOCTYPE html>") and "消防站" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "<svg" not in tiny_plan.to_html(plots=False)
    text = tiny_plan.summary()
    assert "County plan for 小县" in text and "Shelters (应急避难场所)" in text
    assert "CountyPlan(county='小县'" in repr(tiny_plan)
    st = tiny_plan.status()
    assert list(st["section"]) == list(planning.PARTS)
    for fmt in planning.FORMATS:
        assert planning.render(tiny_plan, fmt)


def test_plan_document_matches_the_response_schema(tiny_plan):
    resp = {"version": 1, "ok": True, "action": "plan", "result": tiny_plan.to_dict(),
            "seconds": 1.0, "warnings": []}
    assert api.validate_response(resp) == []
    assert api.validate_response(resp, builtin=True) == []


def _boom_factory(exc):
    def boom(county, time_limit, **kw):
        raise exc

    return boom


@pytest.mark.parametrize("exc,status,etype", [
    (yj.ValidationError("The 'candidates' table has no rows with use 'team_base'."), "error",
     "ValidationError"),
    (yj.InfeasibleError("no base reaches H3", rows=["H3"], reason="too far"), "infeasible",
     "InfeasibleError"),
    (RuntimeError("unexpected"), "error", "InternalError"),
])
def test_a_failing_part_is_reported_not_raised(tiny_county, monkeypatch, exc, status, etype):
    monkeypatch.setitem(plan_parts._PART_FUNCS, "teams", _boom_factory(exc))
    p = planning.plan(tiny_county, parts=["fire", "teams"], time_limit=10)
    assert p["fire"].completed and not p["teams"].completed
    assert p["teams"].status == status and p["teams"].error["type"] == etype
    assert not p.complete and "did not complete" in p.summary()
    assert p.total_cost == p["fire"].cost
    d = p.to_dict()
    assert d["sections"][1]["error"]["type"] == etype
    assert api.validate_response({"version": 1, "ok": True, "action": "plan", "result": d,
                                  "seconds": 0.1, "warnings": []}) == []
    assert etype in p.to_markdown() and etype in p.to_html()


_ISOLATE_SCRIPT = """
import sys, time
import yingji as yj
from yingji import planning
from yingji.planning import parts, runner

def slow(county, time_limit, **kw):
    time.sleep(60)

real = parts._PART_FUNCS["teams"]
parts._PART_FUNCS["teams"] = slow
c = yj.County.from_json(sys.argv[1])
print("fork_safe", runner._fork_safe())
p = planning.plan(c, parts=["teams"], time_limit=5, isolate=True, hard_limit=1.5)
print("message", p["teams"].error["message"])
parts._PART_FUNCS["teams"] = real
q = planning.plan(c, parts=["teams"], time_limit=5, isolate=True, hard_limit=120)
print("statuses", p["teams"].status, q["teams"].status, q["teams"].result is not None)
"""


def test_isolated_part_stopped_at_its_hard_limit(tiny_county, tmp_path):
    # a fresh process: this one may have started numba's OpenMP pool, which forbids fork
    import subprocess
    import sys

    js = tmp_path / "tiny.json"
    tiny_county.to_json(js)
    proc = subprocess.run([sys.executable, "-c", _ISOLATE_SCRIPT, str(js)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    if "fork_safe False" in proc.stdout:
        pytest.skip("forking is not safe on this platform")
    assert "statuses timeout optimal True" in proc.stdout, proc.stdout
    assert "stopped at its hard limit of 1.5 s" in proc.stdout


@pytest.mark.parametrize("kw,match", [
    ({"parts": ["fire", "roads"]}, "'parts' parameter of yingji.planning.plan"),
    ({"time_limit": 0}, "'time_limit' parameter"),
    ({"time_limit": True}, "'time_limit' parameter"),
    ({"n_scenarios": 0}, "'n_scenarios' parameter"),
    ({"target": 1.5}, "'target' parameter"),
    ({"seed": 1.5}, "'seed' parameter"),
    ({"hard_limit": -1}, "'hard_limit' parameter"),
])
def test_plan_validation(tiny_county, kw, match):
    with pytest.raises(yj.ValidationError, match=match):
        planning.plan(tiny_county, **kw)


def test_plan_collects_all_problems(tiny_county):
    with pytest.raises(yj.ValidationError) as ei:
        planning.plan(tiny_county, parts="roads", time_limit=-1, target=0)
    assert len(ei.value.problems) == 3


def test_items_of_an_empty_section():
    sec = planning.PlanSection("fire", "Fire stations", "消防站", "optimal",
                               plan_result._empty_items(), 0.0, {"a": 1}, {"a": 2}, 0.0, True, 0.1,
                               "nothing")
    assert list(sec.to_frame().columns) == list(planning.ITEM_COLUMNS)
    assert sec.figures().loc["a"].tolist() == [1, 2]
    p = planning.CountyPlan("x", (sec,), 1.0, 0, 0.1, "now")
    assert "Nothing to build or buy." in p.to_markdown()
    assert "Nothing to build or buy." in p.to_html()
    assert p.to_frame().empty and list(p.to_frame().columns)[0] == "section"
    empty = planning.CountyPlan("x", (), 1.0, 0, 0.1, "now")
    assert empty.figures().empty and empty.total_cost == 0.0


# ---------------------------------------------------------------------------- CLI


def test_cli_plan_json(tiny_county, tmp_path, capsys):
    folder = tiny_county.save(tmp_path / "tiny")
    rc = main(["plan", str(folder), "--format", "json", "--time-limit", "10",
               "--parts", "fire,teams", "--seed", "1"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "yingji.plan" and doc["seed"] == 1
    assert [s["part"] for s in doc["sections"]] == ["fire", "teams"]


@pytest.mark.parametrize("fmt,start", [("md", "# County plan"), ("html", "<!DOCTYPE html>"),
                                       ("table", "County plan for")])
def test_cli_plan_formats_to_file(tiny_county, tmp_path, fmt, start):
    js = tmp_path / "tiny.json"
    tiny_county.to_json(js)
    out = tmp_path / f"plan.{fmt}"
    assert main(["plan", str(js), "--format", fmt, "--out", str(out), "--parts", "teams",
                 "--time-limit", "10"]) == 0
    assert out.read_text(encoding="utf-8").startswith(start)


def test_cli_plan_exit_codes(tiny_county, tmp_path, monkeypatch, capsys):
    assert main(["plan", str(tmp_path / "missing")]) == 2
    assert "no county at" in capsys.readouterr().err
    folder = tiny_county.save(tmp_path / "tiny")
    assert main(["plan", str(folder), "--parts", "roads"]) == 2
    assert "'parts' parameter" in capsys.readouterr().err
    monkeypatch.setitem(plan_parts._PART_FUNCS, "teams", _boom_factory(RuntimeError("x")))
    assert main(["plan", str(folder), "--parts", "teams", "--format", "json"]) == 0
    assert main(["plan", str(folder), "--parts", "teams", "--strict"]) == 1


def test_cli_commands_registered():
    from yingji.cli import COMMANDS

    names = {c.name for c in COMMANDS}
    assert {"plan", "assess", "check"} <= names


def test_demo_section(tiny_county):
    sec = [s for s in DEMO_SECTIONS if s.title.startswith("Plan")]
    assert len(sec) == 1
    secs = sec[0].func(tiny_county, argparse.Namespace(full=False, time_limit=60.0))
    text = blocks_text(secs)
    assert secs[0].title == "Summary" and "Total cost" in text and " yuan" in text
    assert [s.key for s in secs[1:]] == [f"part-{k}" for k in planning.PARTS]
    secs_zh = sec[0].func(tiny_county, argparse.Namespace(full=False, time_limit=60.0, lang="zh"))
    assert "总投资" in blocks_text(secs_zh, "zh")


def test_cli_plan_sample_county_json(capsys):
    assert main(["plan", "--format", "json", "--parts", "teams", "--time-limit", "10"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["county"] == "XX县" and doc["sections"][0]["status"] == "optimal"


def test_plan_html_draws_the_shelter_tradeoff_curve(tiny_county):
    pytest.importorskip("matplotlib")
    p = planning.plan(tiny_county, parts=["shelters"], time_limit=10, shelter_curve_points=3)
    tr = p["shelters"].result.tradeoff
    assert len(tr) >= 2
    html = p.to_html()
    assert 'data-alt="shelters trade-off"' in html and "<svg" in html
    assert 'data-alt="shelters trade-off"' not in p.to_html(plots=False)
