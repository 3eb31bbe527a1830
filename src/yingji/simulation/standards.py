"""Response standards: the time limit and turnout of GB 51080 / NFPA 1710 (read from
``yingji/profiles``), the full-alarm limit, and the checks the public functions share.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from yingji._validation import Problems
from yingji.exceptions import ValidationError

__all__ = ["response_standard"]

#: Minutes in a year: incidents per year -> per minute (also ``yingji.siting.queueing.MINUTES_PER_YEAR``).
MINUTES_PER_YEAR = 365.0 * 24.0 * 60.0

# Fallback when a profile file cannot be read: (limit on turnout + travel, turnout), minutes.
_STANDARDS = {"GB51080": (5.0, 1.0), "NFPA1710": (80.0 / 60.0 + 4.0, 80.0 / 60.0)}


def _profile_minutes(entry) -> float | None:
    if not isinstance(entry, Mapping) or "value" not in entry:
        return None
    unit = str(entry.get("unit", "min")).strip()
    factor = {"s": 1.0 / 60.0, "sec": 1.0 / 60.0, "min": 1.0, "minutes": 1.0, "h": 60.0}.get(unit)
    if factor is None:
        return None
    return float(entry["value"]) * factor


def response_standard(standard="GB51080") -> tuple[float, float]:
    """The response-time limit and turnout time of a standard, in minutes.

    Parameters
    ----------
    standard : str or float
        A profile name (``"GB51080"``, ``"NFPA1710"``; read from ``yingji/profiles``) or a limit
        in minutes (turnout then defaults to 1 minute).

    Returns
    -------
    limit : float
        Largest response (turnout + travel, minutes) that meets the standard.
    turnout : float
        Minutes from the dispatch order to leaving the station.

    Raises
    ------
    ValidationError
        Unknown profile name, or a limit that is not a positive number.

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范, 4.1.3 (5 minutes from the dispatch order; the
       commentary splits it into 1 min turnout and 4 min driving).
    .. [2] NFPA 1710 (2020), 4.1.2.1: turnout 80 s (fire), first engine travel 240 s.

    Examples
    --------
    >>> response_standard("GB51080")
    (5.0, 1.0)
    """
    if isinstance(standard, (int, float, np.integer, np.floating)) and not isinstance(standard, bool):
        lim = float(standard)
        if not (np.isfinite(lim) and lim > 0):
            raise ValidationError(
                f"The 'standard' parameter of response_standard must be a profile name or a positive number "
                f"of minutes. Got {standard!r} instead."
            )
        return lim, 1.0
    name = str(standard)
    data = None
    try:
        import tomllib
        from importlib import resources

        path = resources.files("yingji.profiles").joinpath(f"{name}.toml")
        if path.is_file():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception:  # pragma: no cover - package data missing in an odd install
        data = None
    if data is not None:
        vals = data.get("values", {})
        turnout = _profile_minutes(vals.get("turnout_minutes"))
        if turnout is None:
            turnout = _STANDARDS.get(name, (None, 1.0))[1]
        if data.get("budget_basis", "response") == "travel":
            travel = _profile_minutes(vals.get("travel_minutes"))
            if travel is not None:
                return travel + turnout, turnout
        else:
            resp = _profile_minutes(vals.get("response_minutes"))
            if resp is not None:
                return resp, turnout
    if name in _STANDARDS:
        return _STANDARDS[name]
    raise ValidationError(
        f"The 'standard' parameter of response_standard must be one of {sorted(_STANDARDS)} or a number "
        f"of minutes. Got {standard!r} instead."
    )


def _full_alarm_limit(standard, limit: float, turnout: float) -> float:
    """Limit on the last required unit's arrival (turnout + travel), minutes.

    NFPA 1710 4.1.2.1 sets 480 s of travel for the initial full alarm assignment (read from the
    profile's ``full_alarm_minutes``); a profile without such a value (GB 51080 sets only the
    first arrival) or a limit given in minutes uses the first-arrival limit.
    """
    if isinstance(standard, str):
        try:
            import tomllib
            from importlib import resources

            path = resources.files("yingji.profiles").joinpath(f"{standard}.toml")
            if path.is_file():
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                full = _profile_minutes(data.get("values", {}).get("full_alarm_minutes"))
                if full is not None:
                    return full + turnout if data.get("budget_basis", "response") == "travel" else full
        except Exception:  # pragma: no cover - package data missing in an odd install
            pass
    return float(limit)


def _as_float(v) -> float:
    """``v`` as a float; NaN (refused by the caller's range check) for text (even "5": one rule for
    numeric parameters), bools and containers."""
    if isinstance(v, (bool, np.bool_, str, bytes)):
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _standard_and_turnout(standard, turnout_minutes, probs: Problems) -> tuple[float, float]:
    """The standard's limit and the turnout to use, recording problems instead of raising."""
    try:
        limit, turnout = response_standard(standard)
    except ValidationError as exc:
        probs.add(str(exc).replace("parameter of response_standard", f"parameter of {probs.func}"))
        limit, turnout = float("nan"), 1.0
    if turnout_minutes is not None:
        turnout = _as_float(turnout_minutes)
        if not (np.isfinite(turnout) and turnout >= 0):
            probs.param("turnout_minutes", "a non-negative number of minutes", turnout_minutes)
    return limit, turnout
