"""planning.plan shares its time_limit among the parts; the Deadline helper (no wall-clock
timing beyond generous sanity checks)."""

from __future__ import annotations

import time

import pytest

from fake_deadline import install
from yingji import planning
from yingji.planning import parts, runner
from yingji._deadline import MIN_PHASE_S, Deadline


def test_deadline_counts_down_from_its_start():
    t0 = time.perf_counter()
    d = Deadline(100.0, t0)
    assert 99.0 < d.left() <= 100.0 and not d.expired()
    assert d.limit(0.5) == pytest.approx(d.left() * 0.5, abs=0.5)
    assert d.elapsed() >= 0.0
    old = Deadline(1.0, t0 - 5.0)  # started 5 s ago: already past
    assert old.left() == 0.0 and old.expired()
    assert old.limit() == MIN_PHASE_S  # a solver still gets a positive limit
    assert Deadline(2.0).expired(reserve=10.0)


def _recording_part(log, name):
    def part(county, time_limit, **kw):
        log.append((name, float(time_limit)))
        raise RuntimeError("recorded")  # reported in the section, not raised

    return part


def test_parts_get_equal_shares_of_the_time_left(tiny_county, monkeypatch):
    log = []
    for name in planning.PARTS:
        monkeypatch.setitem(parts._PART_FUNCS, name, _recording_part(log, name))
    p = planning.plan(tiny_county, time_limit=40.0)
    assert [n for n, _ in log] == list(planning.PARTS)
    # nothing used any time: each part gets the time left / the parts left, less the overrun
    # kept back for each part still to run (a twentieth of the limit until one is measured)
    keep = min(planning.runner.PART_OVERRUN_SHARE * 40.0, planning.runner.PART_OVERRUN_MAX_S)
    for (_, got), share in zip(log, ((40 - 4 * keep) / 4, (40 - 3 * keep) / 3, (40 - 2 * keep) / 2, 40 - keep)):
        assert got == pytest.approx(share, abs=1.0)
    assert p.time_limit == 40.0 and "shared a time limit of 40 s" in p.to_markdown()


def test_parts_not_started_once_the_time_is_up(tiny_county, monkeypatch):
    D = install(monkeypatch, runner, parts)  # plan() and the supplies part use Deadline
    log = []

    def uses_it_all(county, time_limit, **kw):
        log.append(time_limit)
        D.expire()
        raise RuntimeError("took the whole limit")

    monkeypatch.setitem(parts._PART_FUNCS, "fire", uses_it_all)
    p = planning.plan(tiny_county, time_limit=20.0)
    assert len(log) == 1
    assert p["fire"].status == "error"
    for part in ("shelters", "teams", "supplies"):
        s = p[part]
        assert s.status == "timeout" and not s.completed
        assert s.error["type"] == "Timeout" and "not started" in s.error["message"]
    assert not p.complete
    p.to_markdown(), p.to_dict()  # the skipped sections render


def test_small_limit_whole_plan_sanity(tiny_county):
    t0 = time.perf_counter()
    p = planning.plan(tiny_county, time_limit=2.0, n_scenarios=2)
    assert time.perf_counter() - t0 < 2.0 + 15  # generous sanity check, not a timing test
    for s in p.sections:
        assert s.status in planning.SECTION_STATUSES
