"""The registries of the ``yingji`` command line: demo sections and subcommands (faces layer).

The CLI modules of :mod:`yingji.cli` add to them when :func:`yingji.cli.load_sections` imports
them; nothing below the faces layer imports this module.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["DemoSection", "DEMO_SECTIONS", "demo_section", "Command", "COMMANDS", "command"]


@dataclass(frozen=True)
class DemoSection:
    """One section of ``yingji demo``.

    Attributes
    ----------
    title : str
        Heading printed above the section's text.
    func : callable
        ``func(county, args) -> str``: the section's text.
    time_limit : float
        Seconds the section may run (default run); ``full_time_limit`` with ``--full``.
    full_only : bool
        Run only with ``--full``.
    order : int
        Sections print in increasing order (ties: registration order). Foundation
        sections use 0-99; domain sections 100+.
    key : str
        Key of the section's heading in the report's message catalogue
        (:mod:`yingji._render.messages`), so ``--lang zh`` shows it in Chinese.
    """

    title: str
    func: Callable
    time_limit: float = 20.0
    full_time_limit: float | None = None
    full_only: bool = False
    order: int = 100
    key: str = ""


#: Registered demo sections (append a :class:`DemoSection`, or use :func:`demo_section`).
DEMO_SECTIONS: list[DemoSection] = []


def demo_section(title: str, *, time_limit: float = 20.0, full_time_limit: float | None = None,
                 full_only: bool = False, order: int = 100, key: str = ""):
    """Decorator registering ``func(county, args)`` as a ``yingji demo`` section; it returns
    text, or a list of report blocks (:mod:`yingji._render`: tables, facts, figures).
    ``args.lang`` is the report's language, ``args.figures`` whether figures are wanted."""

    def deco(func):
        DEMO_SECTIONS[:] = [s for s in DEMO_SECTIONS if s.title != title]
        DEMO_SECTIONS.append(DemoSection(title, func, float(time_limit),
                                         None if full_time_limit is None else float(full_time_limit),
                                         full_only, order, key))
        return func

    return deco


@dataclass(frozen=True)
class Command:
    """One ``yingji`` subcommand: ``add_arguments(parser)`` then ``run(args) -> int``."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""
    aliases: tuple = field(default_factory=tuple)
    #: hand every argument after the name to ``run`` untouched, as ``args.rest``
    passthrough: bool = False


#: Registered subcommands (append a :class:`Command`, or use :func:`command`).
COMMANDS: list[Command] = []


def command(name: str, help: str, add_arguments: Callable | None = None, *,
            description: str = ""):
    """Decorator registering ``run(args) -> int`` as subcommand ``name``."""

    def deco(run):
        COMMANDS[:] = [c for c in COMMANDS if c.name != name]
        COMMANDS.append(Command(name, help, add_arguments or (lambda p: None), run,
                                description or help))
        return run

    return deco


def seconds(text: str) -> float:
    """The argparse type of ``--time-limit``: a positive, finite number of seconds (argparse
    refuses anything else with one usage line naming the option and the value, exit 2)."""
    import math

    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return v
