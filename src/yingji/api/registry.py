"""The action table: :class:`Action`, :data:`ACTIONS` and the decorator that fills it.

Each ``actions_*`` module of :mod:`yingji.api` adds its handlers with ``@_action(name, county,
help)``; :mod:`yingji.api.handler` imports those modules (in the order of :data:`ACTIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping


@dataclass(frozen=True)
class Action:
    """One action of the JSON API.

    Attributes
    ----------
    name : str
        ``request["action"]``.
    func : callable
        ``func(params, ctx) -> object`` with a ``to_dict()`` (or plain JSON values).
    county : {"required", "optional", "none"}
        Whether the request needs ``"county"``.
    help : str
        One line.
    """

    name: str
    func: Callable
    county: str
    help: str

    def describe(self) -> dict:
        return {"action": self.name, "county": self.county, "help": self.help}


#: The actions by name (see :func:`handle`).
ACTIONS: dict[str, Action] = {}


def _action(name: str, county: str, help: str):
    def deco(func):
        ACTIONS[name] = Action(name, func, county, help)
        return func

    return deco


def _kw(params: Mapping, *names: str) -> dict:
    return {k: params[k] for k in names if k in params and params[k] is not None}
