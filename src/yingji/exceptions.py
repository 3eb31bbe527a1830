"""Public exceptions and warnings of yingji.

The hierarchy follows DESIGN.md: every error yingji raises on purpose is a
:class:`YingjiError`; bad input is a :class:`ValidationError` (also a
``ValueError``), a model with no feasible solution is an
:class:`InfeasibleError` and a solver that fails is a :class:`SolverError`.
A time limit is *not* an error: results carry ``status="time_limit"``.
"""

from __future__ import annotations

__all__ = [
    "YingjiError",
    "ValidationError",
    "InfeasibleError",
    "SolverError",
    "YingjiWarning",
    "DisconnectedNetworkWarning",
]


class YingjiError(Exception):
    """Base class of every error raised by yingji."""


class ValidationError(YingjiError, ValueError):
    """Input that does not meet the documented contract.

    The message names the parameter, the offending rows/ids and what was
    expected; all problems found in one call are reported together.

    Attributes
    ----------
    problems : list of str
        One entry per problem found.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


class InfeasibleError(YingjiError):
    """The model has no feasible solution.

    Attributes
    ----------
    rows : list
        The demand rows (positions or ids) that cannot be served.
    reason : str
        Why they cannot be served.
    """

    def __init__(self, message: str, rows=None, reason: str = ""):
        super().__init__(message)
        self.rows = list(rows) if rows is not None else []
        self.reason = reason


class SolverError(YingjiError):
    """The solver failed or returned a status that is not a solution.

    Attributes
    ----------
    status : str
        The solver's own status text.
    """

    def __init__(self, message: str, status: str = ""):
        super().__init__(message)
        self.status = status


class YingjiWarning(UserWarning):
    """Base class of yingji's warnings."""


class DisconnectedNetworkWarning(YingjiWarning):
    """A road network falls into several pieces and only part of it is used."""
