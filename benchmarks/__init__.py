"""yingji's benchmark suites and their runner.

``python -m benchmarks [SUITE ...] [--full] [--json PATH]`` (or ``yingji bench``) runs named
suites from ``benchmarks/suites/``, each case in its own subprocess, and prints a table of wall
time, peak memory, result quality and the ratio against a peer library, then writes JSON to
``benchmarks/results/``. See README.md for how to add a suite.
"""

from benchmarks._api import Case, Suite, shared_datasets
from benchmarks._runner import format_table, list_suites, load_suite, main, run_suites

__all__ = ["Case", "Suite", "shared_datasets", "main", "run_suites", "list_suites", "load_suite", "format_table"]
