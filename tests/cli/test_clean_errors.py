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
