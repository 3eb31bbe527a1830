"""The docstring examples of the foundation and domain modules reviewed with them run as
doctests (STYLE.md: "Run docstring examples as doctests")."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

MODULES = ["yingji.network", "yingji.county", "yingji.osm", "yingji.datasets.sample", "yingji.fire",
           "yingji.teams", "yingji.supplies", "yingji.dispatch", "yingji.shelters", "yingji.simulation",
           "yingji._validation", "yingji._executor", "yingji.solvers", "yingji.scenarios", "yingji._optional"]


def _with_submodules(name):
    """The module, and every module of it when it is a package (doctest only reads the objects a
    module defines, not the ones a package's ``__init__`` re-exports)."""
    mod = importlib.import_module(name)
    mods = [mod]
    if hasattr(mod, "__path__"):
        mods += [importlib.import_module(m.name)
                 for m in pkgutil.walk_packages(mod.__path__, prefix=name + ".")]
    return mods


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    for mod in _with_submodules(name):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                              verbose=False)
        assert res.failed == 0, f"{res.failed} of {res.attempted} doctest examples failed in {mod.__name__}"
