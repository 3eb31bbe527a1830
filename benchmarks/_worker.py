"""Subprocess entry point: ``python -m benchmarks._worker SUITE CASE OUT.json``.

Runs one case in a fresh process (so peak memory is the case's own) and writes its record.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> int:
    from benchmarks._measure import measure_case
    from benchmarks._runner import load_suite, _jsonable

    suite_name, case_name, out_path = (argv if argv is not None else sys.argv[1:])[:3]
    case = load_suite(suite_name).case(case_name)
    rec = measure_case(case)
    with open(out_path, "w") as fh:
        json.dump(_jsonable(rec), fh)
    return 0 if rec["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
