"""The suite API: :class:`Case` and :class:`Suite`.

A suite is a module in ``benchmarks/suites/`` that defines ``SUITE = Suite(...)``. Importing it
must be cheap: build data in each case's ``setup``, never at import time, because every case
runs in its own subprocess that re-imports the module. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = ["Case", "Suite", "shared_datasets"]


def shared_datasets(sub: str | None = None) -> Path | None:
    """The shared datasets folder (``$YINGJI_SHARED_DATASETS``, else ``shared/datasets`` beside
    the repository or one level up), or its subfolder ``sub``; None when absent (the suites
    then report their cases as skipped)."""
    env = os.environ.get("YINGJI_SHARED_DATASETS")
    here = Path(__file__).resolve()
    for c in ([Path(env)] if env else []) + [here.parents[2] / "shared" / "datasets",
                                            here.parents[1] / "shared" / "datasets"]:
        d = c / sub if sub else c
        if d.is_dir():
            return d
    return None


@dataclass(frozen=True)
class Case:
    """One benchmark instance.

    Parameters
    ----------
    name : str
        Unique within the suite (``[A-Za-z0-9_.-]``), e.g. ``"tt_cutoff_100k"``.
    setup : callable () -> state
        Untimed. Builds the instance (seeded), and warms every numba kernel the timed
        run uses (call it once on a tiny input) so compilation is not timed. Returns any
        object (usually a dict) passed to ``run``, ``peer`` and ``check``.
    run : callable (state) -> dict or None
        Timed: the yingji run. Returns quality fields (scalars: objective, gap, n_pairs ...).
        It may stash its output in ``state`` for ``check``.
    peer : callable (state) -> dict or None, optional
        Timed: the same work done by a peer library (networkx, spopt, PuLP+CBC ...). If it only
        does a sample of the work, return ``{"scale": k}`` among its fields: the runner
        multiplies the measured peer time by ``k`` and marks the ratio as extrapolated.
    peer_name : str
        What the peer is, e.g. ``"networkx.single_source_dijkstra_path_length"``.
    check : callable (state) -> dict or None, optional
        Untimed, after both runs: agreement between yingji and the peer (``max_abs_diff``...).
    description : str
        One line shown in ``--list`` and stored in the JSON.
    params : dict
        Instance parameters (sizes, seed), stored in the JSON.
    repeat : int
        Timed repetitions of ``run`` (the minimum is reported). The peer runs once.
    """

    name: str
    setup: Callable[[], Any]
    run: Callable[[Any], dict | None]
    peer: Callable[[Any], dict | None] | None = None
    peer_name: str = ""
    check: Callable[[Any], dict | None] | None = None
    description: str = ""
    params: dict = field(default_factory=dict)
    repeat: int = 1


@dataclass(frozen=True)
class Suite:
    """A named group of cases.

    Parameters
    ----------
    name : str
        Suite name used on the command line (``python -m benchmarks network``); by convention
        the module name.
    quick : list of Case
        The default tier: sized for a 2-core machine, whole suite well under ``budget_s``.
    full : list of Case
        Extra cases run with ``--full`` (after the quick ones).
    budget_s : float
        Wall-clock budget of the quick tier, setup and peers included. Cases that would start
        after the budget is spent are reported as ``skipped``; a running case is killed when
        the budget runs out.
    full_budget_s : float, optional
        Budget with ``--full`` (default ``4 * budget_s``).
    description : str
        One line shown in ``--list``.
    """

    name: str
    quick: list = field(default_factory=list)
    full: list = field(default_factory=list)
    budget_s: float = 120.0
    full_budget_s: float | None = None
    description: str = ""

    def cases(self, full: bool = False) -> list:
        """The cases of a tier, in run order."""
        return list(self.quick) + (list(self.full) if full else [])

    def case(self, name: str) -> Case:
        for c in list(self.quick) + list(self.full):
            if c.name == name:
                return c
        raise KeyError(f"suite {self.name!r} has no case {name!r}")

    def budget(self, full: bool = False) -> float:
        if full:
            return float(self.full_budget_s if self.full_budget_s is not None else 4 * self.budget_s)
        return float(self.budget_s)
