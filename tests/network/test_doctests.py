"""The docstring examples of the foundation and domain modules reviewed with them run as
doctests (STYLE.md: "Run docstring examples as doctests")."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

MODULES = ["yingji.network", "yingji.county", "yingji.osm", "yingji.datasets.sample", "yingji.fire",
           "yingji.teams", "yingji.supplies", "yingji.dispatch"]


def _with_submodules(name):
    """The module, and for a package every module in it (doctest finds only the functions
    defined in the module it is given, not those a package re-exports)."""
    mod = importlib.import_module(name)
    subs = [importlib.import_module(f"{name}.{m.name}") for m in pkgutil.iter_modules(getattr(mod, "__path__", []))]
    return [mod] + subs


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    for mod in _with_submodules(name):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
        assert res.failed == 0, f"{res.failed} of {res.attempted} doctest examples failed in {mod.__name__}"
