"""Errors of the JSON API: :class:`BadRequest` and the ``error`` object of a failed response."""

from __future__ import annotations

from yingji.api.envelope import _MAX_MESSAGE, _MAX_PROBLEM, _json_safe, _short
from yingji.exceptions import InfeasibleError, SolverError, ValidationError, YingjiError


class BadRequest(ValidationError):
    """A request that does not follow the request schema (or names what is not there): a
    :class:`yingji.ValidationError` of the JSON API (its ``problems`` list one entry per problem),
    reported with the error type ``"BadRequest"``."""


def _error(exc: BaseException) -> dict:
    if isinstance(exc, BadRequest):
        etype, problems = "BadRequest", exc.problems
    elif isinstance(exc, ValidationError):
        etype, problems = "ValidationError", exc.problems
    elif isinstance(exc, InfeasibleError):
        etype, problems = "InfeasibleError", [str(exc)]
    elif isinstance(exc, SolverError):
        etype, problems = "SolverError", [str(exc)]
    elif isinstance(exc, YingjiError):
        etype, problems = "ValidationError", [str(exc)]
    else:
        etype, problems = "InternalError", [f"{type(exc).__name__}: {exc}"]
    msg = str(exc) if etype != "InternalError" else (
        f"{type(exc).__name__}: {exc} (an unexpected error inside yingji; please report it "
        "with the request)")
    err = {"type": etype, "message": _short(msg, _MAX_MESSAGE),
           "problems": [_short(p, _MAX_PROBLEM) for p in (problems or [msg])][:100]}
    if isinstance(exc, InfeasibleError):
        err["rows"] = _json_safe(list(exc.rows)[:1000])
        err["reason"] = _short(exc.reason, _MAX_MESSAGE)
    if isinstance(exc, SolverError):
        err["status"] = _short(exc.status, 200)
    return err
