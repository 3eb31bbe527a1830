"""Every case of the bad-input catalogue (``_cases.py``, ``_domain_cases.py``): refused with the
error class it expects, the message naming the offender; never accepted, never a generic
Python exception. ``python tests/badinput/_cases.py`` prints the tally by entry point."""

from __future__ import annotations

import pytest

from badinput._cases import all_cases, run_case

CASES = all_cases()


def test_catalogue_size():
    """Issue 18 asks for at least 300 distinct bad inputs; ids are unique."""
    ids = [c.id for c in CASES]
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})[:5]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_refused_by_name(case):
    how, msg = run_case(case)
    assert how == "refused, named", f"{case.id}: {how}: {msg[:300]} (must name {case.names})"
