"""``python -m yingji.api``: requests on stdin (or a file), responses on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from yingji.api.envelope import API_VERSION, MAX_TIME_LIMIT
from yingji.api.handler import handle


def main(argv: list[str] | None = None, *, stdin=None, stdout=None) -> int:
    """``python -m yingji.api [FILE] [--indent N] [--no-paths]``: requests from stdin (or FILE).

    A JSON object gives one response; a JSON array of requests gives an array of responses.
    Exit status: 0 when every response is ok, 1 when one is not, 2 when the input is not
    JSON (a BadRequest response is still written).
    """
    ap = argparse.ArgumentParser(prog="python -m yingji.api",
                                 description="yingji JSON API: requests on stdin (or FILE), "
                                             "responses on stdout.")
    ap.add_argument("file", nargs="?", help="read the request(s) from FILE instead of stdin")
    ap.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    ap.add_argument("--no-paths", action="store_true",
                    help="refuse county paths and rules/standard files (allow_paths=False)")
    ap.add_argument("--max-time-limit", type=float, default=MAX_TIME_LIMIT, metavar="S")
    args = ap.parse_args(argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    text = Path(args.file).read_text(encoding="utf-8") if args.file else stdin.read()
    try:
        req = json.loads(text)
    except json.JSONDecodeError as exc:
        resp = {"version": API_VERSION, "action": None, "ok": False, "seconds": 0.0,
                "warnings": [], "error": {"type": "BadRequest",
                                          "message": f"The input is not JSON: {exc}",
                                          "problems": [f"not JSON: {exc}"]}}
        stdout.write(json.dumps(resp, ensure_ascii=False, indent=args.indent) + "\n")
        return 2
    kw = dict(allow_paths=not args.no_paths, max_time_limit=args.max_time_limit)
    out = [handle(r, **kw) for r in req] if isinstance(req, list) else handle(req, **kw)
    stdout.write(json.dumps(out, ensure_ascii=False, indent=args.indent, allow_nan=False) + "\n")
    oks = [r["ok"] for r in out] if isinstance(out, list) else [out["ok"]]
    return 0 if all(oks) else 1
