"""Benchmark suites: one module per suite, each defining ``SUITE = Suite(...)``."""
