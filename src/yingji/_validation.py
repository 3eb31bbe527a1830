"""Shared input checks that collect every problem, then raise once.

Messages follow the template "The 'radius' parameter of mclp must be a float in
[0, inf). Got -5 instead." (sklearn's ``_param_validation``).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from yingji.exceptions import ValidationError

__all__ = ["Problems", "describe_positions", "check_finite_nonneg"]


def describe_positions(idx: Iterable, labels=None, limit: int = 10) -> str:
    """Short text naming offending positions (or their labels), at most ``limit`` of them."""
    idx = list(idx)
    if labels is not None:
        labels = list(labels)
        shown = [repr(labels[i]) if not isinstance(i, tuple) else repr(tuple(labels[k] for k in i)) for i in idx[:limit]]
    else:
        shown = [str(i) for i in idx[:limit]]
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return ", ".join(shown) + more


class Problems:
    """Collector of validation problems for one call.

    Examples
    --------
    >>> probs = Problems("mclp")
    >>> probs.check(True, "fine")
    >>> probs.raise_if_any()
    """

    def __init__(self, func: str):
        self.func = func
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.items.append(message)

    def param(self, name: str, expected: str, got) -> None:
        """Add a problem in the standard template."""
        self.items.append(
            f"The {name!r} parameter of {self.func} must be {expected}. Got {got!r} instead."
        )

    def raise_if_any(self) -> None:
        if self.items:
            if len(self.items) == 1:
                msg = self.items[0]
            else:
                msg = f"{len(self.items)} problems with the input of {self.func}:\n" + "\n".join(
                    f"  - {m}" for m in self.items
                )
            raise ValidationError(msg, self.items)


def check_finite_nonneg(
    arr: np.ndarray, name: str, probs: Problems, *, allow_inf: bool = True, row_labels=None
) -> None:
    """Record NaN / negative (and optionally inf) entries of ``arr``, naming rows."""
    a = np.asarray(arr, dtype=float)
    bad_nan = np.isnan(a)
    if bad_nan.any():
        rows = np.unique(np.nonzero(bad_nan)[0] if a.ndim > 1 else np.nonzero(bad_nan)[0])
        probs.add(
            f"The {name!r} parameter of {probs.func} must not contain NaN. "
            f"Found NaN in {int(bad_nan.sum())} entries, rows {describe_positions(rows, row_labels)}."
        )
    with np.errstate(invalid="ignore"):
        bad_neg = a < 0
    if bad_neg.any():
        rows = np.unique(np.nonzero(bad_neg)[0])
        probs.add(
            f"The {name!r} parameter of {probs.func} must be non-negative. "
            f"Found negative values in {int(bad_neg.sum())} entries, rows {describe_positions(rows, row_labels)}."
        )
    if not allow_inf:
        bad_inf = np.isinf(a)
        if bad_inf.any():
            rows = np.unique(np.nonzero(bad_inf)[0])
            probs.add(
                f"The {name!r} parameter of {probs.func} must be finite. "
                f"Found inf in rows {describe_positions(rows, row_labels)}."
            )


#: Text read as True / False in a yes-no column (case-insensitive; Chinese 是 / 否).
TRUE_TEXT = frozenset({"true", "t", "yes", "y", "1", "是"})
FALSE_TEXT = frozenset({"false", "f", "no", "n", "0", "否", ""})


def to_bool(series) -> tuple[np.ndarray, list]:
    """Booleans from bool / 0-1 / yes-no text (:data:`TRUE_TEXT`, :data:`FALSE_TEXT`).

    Returns
    -------
    values : numpy.ndarray of bool
    bad : list of int
        Positions whose value is none of these (their value is False in ``values``).
    """
    vals = list(series.tolist() if hasattr(series, "tolist") else series)
    out = np.zeros(len(vals), dtype=bool)
    bad = []
    for k, v in enumerate(vals):
        if isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
        elif isinstance(v, (int, np.integer, float, np.floating)) and not (isinstance(v, float) and np.isnan(v)) \
                and float(v) in (0.0, 1.0):
            out[k] = bool(v)
        elif isinstance(v, str) and v.strip().lower() in TRUE_TEXT | FALSE_TEXT:
            out[k] = v.strip().lower() in TRUE_TEXT
        else:
            bad.append(k)
    return out, bad
