"""Every subcommand refuses a missing or broken county with one line naming it, exit 2, and no
traceback; ``--debug`` shows the traceback (issue 18, CLI)."""

from __future__ import annotations

import pytest

from yingji.cli import main

COMMANDS = [["fire", "assess"], ["fire", "plan"], ["teams"], ["supplies", "--scenarios", "0"], ["shelters"],
            ["simulate"], ["check"], ["plan"]]


@pytest.fixture
def broken(tmp_path):
    d = tmp_path / "broken_county"
    d.mkdir()
    (d / "demand.csv").write_text("id,population\nd1,abc\n", encoding="utf-8")
    return d


@pytest.mark.parametrize("cmd", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_missing_county(cmd, capsys, tmp_path):
    missing = str(tmp_path / "no_such_county")
    argv = cmd[:2] + [missing] + cmd[2:] if cmd[0] == "fire" else cmd[:1] + [missing] + cmd[1:]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no_such_county" in err and "no county at" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("cmd", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_broken_county(cmd, capsys, broken):
    argv = cmd[:2] + [str(broken)] + cmd[2:] if cmd[0] == "fire" else cmd[:1] + [str(broken)] + cmd[1:]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no road network" in err


def test_debug_shows_the_traceback(tmp_path):
    from yingji.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no county at"):
        main(["--debug", "teams", str(tmp_path / "nothing")])


def test_several_problems_one_line_each(capsys, tmp_path):
    import yingji as yj

    d = tmp_path / "two_problems"
    yj.datasets.sample_county().save(d)
    dem = (d / "demand.csv").read_text(encoding="utf-8").splitlines()
    head = dem[0].split(",")
    i = head.index("population")
    for k in (1, 2):  # two rows with text where the population belongs
        cells = dem[k].split(",")
        cells[i] = "abc"
        dem[k] = ",".join(cells)
    (d / "demand.csv").write_text("\n".join(dem) + "\n", encoding="utf-8")
    (d / "stations.csv").write_text((d / "stations.csv").read_text(encoding="utf-8").replace(",", ",", 1)
                                    + "S9,999999999,zz\n", encoding="utf-8")
    assert main(["fire", "assess", str(d)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("yingji fire: ") and "problems" in lines[0]
    assert len(lines) >= 3 and all(ln.startswith("  - ") for ln in lines[1:])
    assert any("'abc'" in ln for ln in lines[1:])
