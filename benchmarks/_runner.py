"""The benchmark runner: discover suites, run each case in its own subprocess, print, save JSON."""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import math
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._api import Suite

__all__ = ["main", "run_suites", "list_suites", "load_suite", "format_table"]

ROOT = Path(__file__).resolve().parent
RESULTS_DIR = ROOT / "results"


def list_suites() -> list[str]:
    """Names of the modules in ``benchmarks/suites/`` (each defines ``SUITE``)."""
    import benchmarks.suites as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def load_suite(name: str) -> Suite:
    mod = importlib.import_module(f"benchmarks.suites.{name}")
    suite = getattr(mod, "SUITE", None)
    if not isinstance(suite, Suite):
        raise TypeError(f"benchmarks/suites/{name}.py must define SUITE = Suite(...)")
    return suite


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    return str(obj)


def _machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "hostname": platform.node()}
    try:
        info["cpus_available"] = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        pass
    try:
        info["loadavg"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        pass
    try:
        import numba

        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    except Exception:  # noqa: BLE001 - optional
        pass
    for mod in ("numpy", "scipy", "numba", "networkx", "pandas", "highspy", "yingji"):
        try:
            info[mod] = importlib.import_module(mod).__version__
        except Exception:  # noqa: BLE001 - optional
            info[mod] = None
    return info


def _run_subprocess(suite: str, case: str, timeout: float) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT.parent), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rec.json"
        cmd = [sys.executable, "-m", "benchmarks._worker", suite, case, str(out)]
        try:
            proc = subprocess.run(cmd, env=env, cwd=str(ROOT.parent), capture_output=True,
                                  text=True, timeout=max(timeout, 1.0))
        except subprocess.TimeoutExpired:
            return {"case": case, "status": "timeout",
                    "error": f"killed after {timeout:.0f} s (suite budget)"}
        if out.exists():
            rec = json.loads(out.read_text())
        else:
            rec = {"case": case, "status": "error",
                   "error": f"worker exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"}
        if proc.stdout.strip():
            rec["stdout"] = proc.stdout[-4000:]
        return rec


def run_suites(names=None, *, full: bool = False, cases=None, in_process: bool = False,
               echo=print) -> dict:
    """Run suites and return the report (what the JSON file holds).

    Parameters
    ----------
    names : list of str, optional
        Suites to run (default: all).
    full : bool
        Also run each suite's ``full`` cases, under ``full_budget_s``.
    cases : list of str, optional
        Only cases whose name contains one of these substrings.
    in_process : bool
        Run cases in this process (debugging; peak memory then includes earlier cases).
    echo : callable
        Progress printer (``print``; pass ``lambda *a: None`` to silence).
    """
    from benchmarks._measure import measure_case

    names = list(names) if names else list_suites()
    report = {"created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "tier": "full" if full else "quick", "machine": _machine(), "results": []}
    for sname in names:
        suite = load_suite(sname)
        budget = suite.budget(full)
        t_suite = time.perf_counter()
        for case in suite.cases(full):
            if cases and not any(s in case.name for s in cases):
                continue
            left = budget - (time.perf_counter() - t_suite)
            if left <= 0:
                rec = {"case": case.name, "status": "skipped",
                       "error": f"suite budget {budget:.0f} s spent"}
            else:
                echo(f"[{sname}] {case.name} ...", flush=True)
                rec = measure_case(case) if in_process else _run_subprocess(sname, case.name, left)
            rec["suite"] = sname
            report["results"].append(_jsonable(rec))
            if rec["status"] not in ("ok",):
                echo(f"[{sname}] {case.name}: {rec['status']}: {rec.get('error', '')}", flush=True)
        report.setdefault("suite_seconds", {})[sname] = time.perf_counter() - t_suite
    return report


def _fmt(v, nd=3) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.{nd}g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return str(v)


def format_table(report: dict) -> str:
    """The printed table: one line per case, then quality/check fields and notes."""
    head = ["suite", "case", "time_s", "cpu_s", "peak_MiB", "peer_time_s", "ratio", "cpu_ratio",
            "status"]
    rows = []
    notes = []
    for r in report["results"]:
        peer_t = r.get("peer_time_s")
        ratio = r.get("ratio")
        scale = r.get("peer_scale")
        peer_s = _fmt(peer_t) + ("*" if scale not in (None, 1, 1.0) else "") if peer_t is not None else "-"
        cr = r.get("cpu_ratio")
        rows.append([r.get("suite", ""), r["case"], _fmt(r.get("time_s")), _fmt(r.get("cpu_s")),
                     _fmt(r.get("peak_mib"), 4), peer_s,
                     (_fmt(ratio, 3) + "x") if ratio is not None else "-",
                     (_fmt(cr, 3) + "x") if cr is not None else "-", r["status"]])
        q = dict(r.get("quality") or {})
        q.update({f"check.{k}": v for k, v in (r.get("check") or {}).items()})
        line = f"  {r.get('suite', '')}/{r['case']}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in q.items())
        if r.get("peer_name"):
            line += f" | peer: {r['peer_name']}"
            if scale not in (None, 1, 1.0):
                line += (f" (measured {_fmt(r.get('peer_measured_s'))} s on a sample, "
                         f"scaled x{_fmt(scale)})")
        if r.get("error"):
            line += f" | {r['error']}"
        notes.append(line)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    mm = {r.get("mem_method") for r in report["results"] if r.get("mem_method")}
    out.append("")
    out.append(f"tier: {report['tier']}; machine: {report['machine'].get('cpus_available', report['machine'].get('cpu_count'))} CPUs, "
               f"python {report['machine']['python']}; peak_MiB = "
               + ("peak RSS of the timed call above its starting RSS" if mm == {"rss_hwm"} else
                  "process max RSS (includes setup)" if mm else "-")
               + "; ratio = peer wall time / yingji wall time, cpu_ratio the same in CPU seconds "
               "(all threads; steadier on a shared machine) (* = peer timed on a sample and scaled)."
               + (f" Load average at the start: {report['machine']['loadavg']}."
                  if report["machine"].get("loadavg") else ""))
    out += notes
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks [SUITE ...] [--full] [--json PATH] [-k CASE] [--list]``.

    Returns the exit status: 0 when every case ran (``ok`` or ``skipped`` by budget), 1 otherwise.
    """
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description="Run yingji's benchmark suites (quick tier by default).")
    ap.add_argument("suites", nargs="*", help="suite names (default: all); see --list")
    ap.add_argument("--full", action="store_true", help="also run the full-size cases")
    ap.add_argument("--json", metavar="PATH", help="where to write the JSON report "
                    "(default benchmarks/results/<suites>-<tier>-<UTC time>.json)")
    ap.add_argument("--no-json", action="store_true", help="do not write a JSON report")
    ap.add_argument("-k", dest="cases", action="append", metavar="CASE",
                    help="only cases whose name contains CASE (repeatable)")
    ap.add_argument("--list", action="store_true", help="list suites and cases, then exit")
    ap.add_argument("--in-process", action="store_true",
                    help="run cases in this process (debugging; memory figures less meaningful)")
    args = ap.parse_args(argv)

    known = list_suites()
    unknown = [s for s in args.suites if s not in known]
    if unknown:
        ap.error(f"unknown suite(s) {', '.join(unknown)}; available: {', '.join(known)}")
    if args.list:
        for name in args.suites or known:
            s = load_suite(name)
            print(f"{name}: {s.description} (budget {s.budget_s:.0f} s quick, {s.budget(True):.0f} s full)")
            for c in s.quick:
                print(f"  quick  {c.name}: {c.description}")
            for c in s.full:
                print(f"  full   {c.name}: {c.description}")
        return 0

    report = run_suites(args.suites or None, full=args.full, cases=args.cases,
                        in_process=args.in_process)
    print()
    print(format_table(report))
    if not args.no_json:
        if args.json:
            path = Path(args.json)
        else:
            stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            tag = "-".join(args.suites) if args.suites else "all"
            path = RESULTS_DIR / f"{tag}-{report['tier']}-{stamp}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1))
        print(f"\nJSON report: {path}")
    bad = [r for r in report["results"] if r["status"] not in ("ok", "skipped")]
    return 1 if bad else 0
