"""The ``yingji`` command line: help, demo (sections, errors, time limits), bench."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

from yingji import cli


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as ei:
        cli.main(["--help"])
    assert ei.value.code == 0
    out = capsys.readouterr().out
    assert "demo" in out and "bench" in out
    assert cli.main([]) == 0  # no subcommand: prints help, exit 0
    assert "usage: yingji" in capsys.readouterr().out


def test_console_script_help():
    r = subprocess.run([sys.executable, "-c", "import sys; from yingji.cli import main; "
                        "sys.exit(main(['--help']))"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "demo" in r.stdout and "bench" in r.stdout


def test_demo_runs_and_reports(capsys):
    rc = cli.main(["demo", "--section", "County", "--section", "Travel times"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "XX县" in out and "Road network" in out and "Population" in out and "km²" in out
    assert "4 min" in out and "5 min" in out
    assert "failed" not in out and "timed out" not in out


@pytest.mark.slow
def test_demo_subprocess_exit_zero():
    """The whole demo, every registered section, as a user runs it (~20-30 s)."""
    r = subprocess.run([sys.executable, "-c", "import sys; from yingji.cli import main; "
                        "sys.exit(main(['demo']))"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "demo finished" in r.stdout


def test_demo_list(capsys):
    assert cli.main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    assert "County" in out and "Travel times" in out


@pytest.fixture()
def sections(monkeypatch):
    """An isolated registry for tests that add sections."""
    monkeypatch.setattr(cli._registry, "DEMO_SECTIONS", [])
    return cli._registry.DEMO_SECTIONS


def _boom(county, args):
    raise RuntimeError("section exploded")


def _slow(county, args):
    time.sleep(30)
    return "never"


def _fine(county, args):
    return f"fine full={args.full} limit={args.time_limit:.0f}"


@pytest.mark.parametrize("isolate", [True, False])
def test_failing_section_keeps_going(sections, isolate):
    """Sections that raise are reported; the demo goes on and exits 0."""
    cli.demo_section("Boom", order=1)(_boom)
    cli.demo_section("Fine", order=2, time_limit=7)(_fine)
    buf = io.StringIO()
    rc = cli.run_demo(county=object(), isolate=isolate, out=buf)
    out = buf.getvalue()
    assert rc == 0
    assert "== Boom ==" in out and "[section failed: RuntimeError: section exploded" in out
    assert "fine full=False limit=7" in out
    assert "1 section(s) did not complete" in out


@pytest.mark.parametrize("fork_safe", [True, False])
def test_slow_section_is_stopped(sections, monkeypatch, fork_safe):
    monkeypatch.setattr(cli, "_fork_safe", lambda: fork_safe)
    cli.demo_section("Slow", time_limit=0.5)(_slow)
    cli.demo_section("Fine")(_fine)
    buf = io.StringIO()
    t0 = time.perf_counter()
    assert cli.run_demo(county=object(), isolate=True, out=buf) == 0
    assert time.perf_counter() - t0 < 20
    out = buf.getvalue()
    assert "[section timed out: stopped" in out and "time limit of 0.5 s" in out
    assert "fine full=False" in out


def test_full_only_and_full_limits(sections):
    cli._registry.DEMO_SECTIONS.append(cli.DemoSection("Long", _fine, time_limit=5, full_time_limit=50,
                                             full_only=True))
    buf = io.StringIO()
    cli.run_demo(county=object(), isolate=False, out=buf)
    assert "Long" not in buf.getvalue()
    buf = io.StringIO()
    cli.run_demo(county=object(), isolate=False, full=True, out=buf)
    assert "fine full=True limit=50" in buf.getvalue()


def test_registering_twice_replaces(sections):
    cli.demo_section("Same")(_boom)
    cli.demo_section("Same")(_fine)
    assert len(cli._registry.DEMO_SECTIONS) == 1 and cli._registry.DEMO_SECTIONS[0].func is _fine


def test_command_registry(monkeypatch, capsys):
    monkeypatch.setattr(cli._registry, "COMMANDS", list(cli._registry.COMMANDS))

    def add(p):
        p.add_argument("--n", type=int, default=3)

    cli.command("hello", "say hello", add)(lambda args: print("hello" * args.n) or 4)
    assert cli.main(["hello", "--n", "2"]) == 4
    assert "hellohello" in capsys.readouterr().out


def test_bench_missing_folder(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_find_benchmarks", lambda: None)
    assert cli.main(["bench"]) == 2
    assert "benchmark suites" in capsys.readouterr().err


def test_bench_broken_package(monkeypatch, tmp_path, capsys):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "__init__.py").write_text("raise ImportError('broken on purpose')\n")
    monkeypatch.setenv("YINGJI_BENCHMARKS", str(tmp_path))
    monkeypatch.setattr(cli, "_find_benchmarks", lambda: tmp_path)
    monkeypatch.delitem(sys.modules, "benchmarks", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.main(["bench"]) == 2
    assert "broken on purpose" in capsys.readouterr().err


def test_find_benchmarks_env(monkeypatch, tmp_path):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "__init__.py").write_text("")
    monkeypatch.setenv("YINGJI_BENCHMARKS", str(tmp_path / "benchmarks"))
    assert cli._find_benchmarks() == tmp_path.resolve()


def test_bench_list_calls_runner(capsys):
    if cli._find_benchmarks() is None:
        pytest.skip("no benchmarks/ folder in this checkout")
    rc = cli.main(["bench", "--list"])
    assert rc == 0
    assert capsys.readouterr().out.strip() != ""


def test_fork_safety_check(monkeypatch):
    class FakeNumba:
        layer = "omp"

        def threading_layer(self):
            if self.layer is None:
                raise ValueError("not initialised")
            return self.layer

    fake = FakeNumba()
    monkeypatch.setitem(sys.modules, "numba", fake)
    assert cli._fork_safe() is False
    fake.layer = "tbb"
    assert cli._fork_safe() is True
    fake.layer = None
    assert cli._fork_safe() is True
    monkeypatch.delitem(sys.modules, "numba")
    assert cli._fork_safe() is True


def _uses_a_pool(county, args):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as ex:
        return f"pool says {ex.submit(pow, 2, 5).result()}"


def test_section_may_use_a_process_pool(sections, monkeypatch):
    monkeypatch.setattr(cli, "_fork_safe", lambda: True)
    cli.demo_section("Pool", time_limit=60)(_uses_a_pool)
    buf = io.StringIO()
    assert cli.run_demo(county=object(), isolate=True, out=buf) == 0
    assert "pool says 32" in buf.getvalue()


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_demo_formats_and_out(fmt, tmp_path):
    import json

    out = tmp_path / f"demo.{fmt}"
    rc = cli.main(["demo", "--section", "County", "--format", fmt, "--out", str(out)])
    assert rc == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert doc["sections"][0]["title"].startswith("County") and doc["sections"][0]["status"] == "ok"
        assert "XX县" in doc["sections"][0]["text"]
    elif fmt == "md":
        assert text.startswith("# yingji demo") and "## County" in text and "XX县" in text
    else:
        assert text.startswith("<!DOCTYPE html>") and "<h2>County" in text and "XX县" in text


def test_run_demo_rejects_unknown_format():
    with pytest.raises(ValueError, match="'fmt' parameter of run_demo"):
        cli.run_demo(fmt="pdf", sections=["County"])
