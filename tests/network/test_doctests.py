"""The docstring examples of the foundation and domain modules reviewed with them run as
doctests (STYLE.md: "Run docstring examples as doctests")."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["yingji.network", "yingji.county", "yingji.osm", "yingji.datasets.sample", "yingji.fire",
           "yingji.teams", "yingji.supplies"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} doctest examples failed in {name}"
