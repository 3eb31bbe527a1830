"""Shared input checks that collect every problem, then raise once.

Messages follow the template "The 'radius' parameter of mclp must be a float in
[0, inf). Got -5 instead." (sklearn's ``_param_validation``).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from yingji import config
from yingji.exceptions import ValidationError

__all__ = ["Problems", "describe_positions", "describe_values", "check_finite_nonneg", "check_array", "check_magnitude",
           "Interval", "Options", "InstanceOf", "check_param", "TIME_LIMIT", "MIP_GAP", "SEED",
           "to_bool"]


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


def describe_values(values, idx=None, limit: int = 3) -> str:
    """The offending values themselves, for a message's "Got ... instead": the entries of
    ``values`` at positions ``idx`` (all when None), at most ``limit`` of them.

    Examples
    --------
    >>> describe_values([1.0, -5.0, float("nan"), -2.5, -1.0], [1, 2, 3, 4])
    '-5, nan, -2.5 and 1 more'
    """
    vals = list(np.asarray(values, dtype=object).ravel()) if idx is None else \
        [np.asarray(values, dtype=object).ravel()[i] for i in np.asarray(idx).ravel()]

    def one(v):
        if isinstance(v, (float, np.floating)) or (isinstance(v, (int, np.integer)) and not isinstance(v, bool)):
            return f"{float(v):g}"
        return repr(v)[:40]

    more = f" and {len(vals) - limit} more" if len(vals) > limit else ""
    return ", ".join(one(v) for v in vals[:limit]) + more


class Problems:
    """Collector of validation problems for one call: every problem is gathered, then one
    :class:`~yingji.ValidationError` lists them all.

    The one problem collector of yingji: parameters (:meth:`param`, :func:`check_param`),
    free-text problems (``add(message)``) and problems located in data (``add(where, what,
    rows=..., column=...)``, "where, rows ..., column ...: what"; the county loader's
    ``county.checks._Report`` is this class with the county's headings).

    Examples
    --------
    >>> probs = Problems("mclp")
    >>> probs.check(True, "fine")
    >>> probs.raise_if_any()
    >>> probs.add("stations.csv", "not a number", rows=["S1", "S2"], column="x")
    >>> probs.items
    ["stations.csv, rows 'S1', 'S2', column 'x': not a number"]
    """

    #: Heading of one problem / of several (``{func}``, ``{n}``, ``{item}`` filled in).
    ONE = "{item}"
    MANY = "{n} problems with the input of {func}:"

    def __init__(self, func: str):
        self.func = func
        self.items: list[str] = []

    def add(self, message: str, what: str | None = None, *, rows: Iterable = (), column: str | None = None,
            limit: int = 8) -> None:
        """Add ``message``; or, with ``what``, the problem ``what`` located at ``message`` (a file,
        table or parameter) and the given ``rows`` (the first ``limit`` named) and ``column``."""
        if what is None and not rows and column is None:
            self.items.append(message)
            return
        rows = list(rows)
        parts = [message]
        if rows:
            shown = ", ".join(repr(r) for r in rows[:limit])
            more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
            parts.append(f"row{'s' if len(rows) > 1 else ''} {shown}{more}")
        if column is not None:
            parts.append(f"column {column!r}")
        self.items.append(", ".join(parts) + ": " + (what or "invalid"))

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
                msg = self.ONE.format(item=self.items[0], func=self.func, n=1)
            else:
                msg = self.MANY.format(n=len(self.items), func=self.func) + "\n" + "\n".join(
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
            f"Got NaN in {int(bad_nan.sum())} entries, rows {describe_positions(rows, row_labels)}."
        )
    with np.errstate(invalid="ignore"):
        bad_neg = a < 0
    if bad_neg.any():
        rows = np.unique(np.nonzero(bad_neg)[0])
        probs.add(
            f"The {name!r} parameter of {probs.func} must be non-negative. "
            f"Got {describe_values(a[bad_neg])} in {int(bad_neg.sum())} entries, rows "
            f"{describe_positions(rows, row_labels)}."
        )
    if not allow_inf:
        bad_inf = np.isinf(a)
        if bad_inf.any():
            rows = np.unique(np.nonzero(bad_inf)[0])
            probs.add(
                f"The {name!r} parameter of {probs.func} must be finite. "
                f"Found inf in rows {describe_positions(rows, row_labels)}."
            )


#: Text read as True / False in a yes-no cell (case-insensitive; Chinese 是/否, 有/无). The one
#: vocabulary of the county tables, the compliance rules and the reported evidence; an empty cell
#: is False in a yes-no column (:func:`to_bool`) and missing in a reported value (:func:`parse_yes_no`).
TRUE_TEXT = frozenset({"true", "t", "yes", "y", "1", "是", "有"})
FALSE_TEXT = frozenset({"false", "f", "no", "n", "0", "否", "无"})


def parse_yes_no(value, *, extra_true=(), extra_false=()):
    """One yes/no value: a bool, a number (0 is False), or a word of :data:`TRUE_TEXT` /
    :data:`FALSE_TEXT` (plus ``extra_true`` / ``extra_false``).

    Returns
    -------
    bool or None
        None for a missing value (None, NaN, empty text).

    Raises
    ------
    ValueError
        For text that is none of these, naming the value.

    Examples
    --------
    >>> parse_yes_no("是"), parse_yes_no(" No "), parse_yes_no(0.0), parse_yes_no("")
    (True, False, False, None)
    >>> parse_yes_no("done", extra_true={"done"})
    True
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(value)) else bool(value != 0)
    s = str(value).strip().lower()
    if not s:
        return None
    if s in TRUE_TEXT or s in extra_true:
        return True
    if s in FALSE_TEXT or s in extra_false:
        return False
    try:
        return float(s) != 0
    except ValueError:
        raise ValueError(f"not a yes/no value: {value!r}") from None


def to_bool(series) -> tuple[np.ndarray, list]:
    """Booleans of a yes-no column: bool, 0/1 or a word of :data:`TRUE_TEXT` / :data:`FALSE_TEXT`
    (an empty cell is False).

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
        elif isinstance(v, str) and (t := v.strip().lower()) in TRUE_TEXT | FALSE_TEXT | {""}:
            out[k] = t in TRUE_TEXT
        else:
            bad.append(k)
    return out, bad


# ============================================================================ declarative checks
# In the spirit of scikit-learn's ``utils/_param_validation.py``: a parameter is described by
# constraints (an interval, a set of options, a type); :func:`check_param` checks a value
# against them, records one message in the standard template when none accepts it, and returns
# the value converted (a float from 60, an int from 3.0). Text where a number belongs ("60"
# too: the CLI and the JSON API parse text before they call), NaN,
# inf, bools for numbers and values out of range all get the same message form.


class Interval:
    """Numbers in an interval.

    Parameters
    ----------
    kind : {float, int}
        ``int`` accepts integral floats (3.0) and returns an int; bools are never numbers.
    left, right : float or None
        Bounds (None: unbounded).
    closed : {"both", "left", "right", "neither"}
    text : str, optional
        How the message describes it (default: "a float in [0, inf)" style).

    Examples
    --------
    >>> Interval(float, 0, None, closed="neither").describe()
    'a float in (0, inf)'
    """

    def __init__(self, kind=float, left=None, right=None, *, closed="both", text: str | None = None):
        self.kind, self.left, self.right, self.closed, self.text = kind, left, right, closed, text

    def describe(self) -> str:
        if self.text:
            return self.text
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{'an int' if self.kind is int else 'a float'} in {lb}{lo}, {hi}{rb}"

    def convert(self, value):
        """The value as ``kind`` when it lies in the interval; raises ValueError otherwise."""
        if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
            # text is never a number here: the CLI and the JSON API parse their text before
            # calling, and a Python caller passing "3" gets the same message as one passing "x"
            raise ValueError
        v = float(value)  # TypeError for objects that are not numbers
        if not np.isfinite(v):
            raise ValueError
        if self.kind is int:
            if v != round(v):
                raise ValueError
            v = int(round(v))
        if self.left is not None and (v < self.left or (v == self.left and self.closed in ("right", "neither"))):
            raise ValueError
        if self.right is not None and (v > self.right or (v == self.right and self.closed in ("left", "neither"))):
            raise ValueError
        return v


class Options:
    """One of a set of values (compared as given; strings case-sensitive)."""

    def __init__(self, *values):
        self.values = tuple(values)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def convert(self, value):
        if isinstance(value, (list, dict, set)) or value not in self.values:
            raise ValueError
        return value


class InstanceOf:
    """An instance of one of the given types (``text`` names them in messages)."""

    def __init__(self, *types, text: str | None = None):
        self.types, self.text = types, text

    def describe(self) -> str:
        return self.text or ("a " + " or ".join(t.__name__ for t in self.types))

    def convert(self, value):
        if not isinstance(value, self.types):
            raise ValueError
        return value


#: ``time_limit``: seconds, positive and finite (every solve has one).
TIME_LIMIT = Interval(float, 0, None, closed="neither", text="a positive number of seconds")
#: ``mip_gap``: a relative gap in [0, 1).
MIP_GAP = Interval(float, 0, 1, closed="left")
#: ``seed``: a non-negative int that fits in 64 bits (numba kernels and numpy take it).
SEED = Interval(int, 0, 2 ** 63 - 1, text="a non-negative int below 2**63")


def check_param(probs: Problems, name: str, value, *constraints, default=None):
    """Check ``value`` of parameter ``name`` against ``constraints`` (any one may accept it).

    ``None`` among the constraints accepts ``None``. Returns the converted value, or
    ``default`` after recording the problem in ``probs`` (message: "The 'time_limit' parameter
    of fire.plan must be a positive number of seconds. Got 'soon' instead.").

    Examples
    --------
    >>> probs = Problems("mclp")
    >>> check_param(probs, "time_limit", 60, TIME_LIMIT)
    60.0
    >>> check_param(probs, "mip_gap", -1, MIP_GAP, default=0.0)
    0.0
    >>> check_param(probs, "p", "3", Interval(int, 1, None), default=1)
    1
    >>> probs.items[1]
    "The 'p' parameter of mclp must be an int in [1, inf). Got '3' instead."
    """
    for c in constraints:
        if c is None:
            if value is None:
                return None
            continue
        try:
            return c.convert(value)
        except (TypeError, ValueError, OverflowError):
            continue
    what = " or ".join("None" if c is None else c.describe() for c in constraints)
    probs.param(name, what, value)
    return default


# ============================================================================ arrays
# Vectors of numbers (weights, demands, capacities, site costs) and the size of matrix entries:
# text where a number belongs, a wrong length, NaN, negative, inf and overflow-sized values
# each get one message naming the function, the parameter and the offending positions.


def check_magnitude(a: np.ndarray, name: str, probs: Problems, labels=None,
                    limit: float | None = None) -> None:
    """Record finite entries of ``a`` larger than ``limit`` (:data:`yingji.config.MAX_INPUT`)
    in magnitude, naming their rows (``labels``: row labels of a matrix / vector)."""
    limit = config.MAX_INPUT if limit is None else limit
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        big = np.isfinite(a) & (np.abs(a) > limit)
    if big.any():
        rows = np.unique(np.nonzero(big)[0]) if a.ndim else np.array([0])
        probs.add(f"The {name!r} parameter of {probs.func} must hold values of at most {limit:g} in "
                  f"magnitude. Got {float(np.abs(a[big]).max()):g} at rows "
                  f"{describe_positions(rows, labels)} instead (values that large overflow the "
                  f"objective: rescale them, or use inf for 'unreachable').")


def check_array(probs: Problems, name: str, value, length: int, *, scalar_ok: bool = False,
                nonneg: bool = True, allow_inf: bool = False, labels=None, default=None,
                what: str = "one per demand row"):
    """A 1-D float array of ``length`` numbers, or ``default`` after recording the problems.

    Text that is not a number, a wrong length (a scalar is broadcast when ``scalar_ok``), NaN,
    negative (when ``nonneg``), inf (unless ``allow_inf``) and values beyond
    :data:`yingji.config.MAX_INPUT` are recorded in ``probs``, naming the positions (or their
    ``labels``).

    Examples
    --------
    >>> probs = Problems("mclp")
    >>> check_array(probs, "weights", [1, "x"], 2) is None
    True
    >>> probs.items
    ["The 'weights' parameter of mclp must hold numbers. Got 'x' at position 1 instead."]
    """
    kind = "non-negative numbers" if nonneg else "numbers"
    expected = (f"a number or an array of {length} {kind}" if scalar_ok
                else f"an array of {length} {kind} ({what})")
    raw = value.to_numpy() if hasattr(value, "to_numpy") else value
    if isinstance(raw, (str, bytes, dict, set, bool, np.bool_)) or raw is None \
            or getattr(raw, "dtype", None) == np.bool_:
        probs.param(name, expected, value if not isinstance(value, str) else value[:80])
        return default
    try:
        kind = getattr(raw, "dtype", None)
        if kind is None:
            kind = np.asarray(raw).dtype  # ValueError for ragged input
        if kind.kind in "OUS":
            # text is refused even where it reads as a number ("3"): one rule for every
            # numeric parameter (check_param); the pass below names the text entries
            if any(isinstance(v, (str, bytes, np.str_, np.bytes_)) for v in
                   np.asarray(raw, dtype=object).ravel()):
                raise TypeError
        a = np.asarray(raw, dtype=np.float64).ravel()
    except (TypeError, ValueError, OverflowError):
        obj = np.asarray(raw, dtype=object).ravel() if np.ndim(raw) else np.array([raw], dtype=object)
        bad = []
        for k, v in enumerate(obj):
            try:
                if isinstance(v, (bool, np.bool_, str, bytes, np.str_, np.bytes_)):
                    raise TypeError
                float(v)
            except (TypeError, ValueError, OverflowError):
                bad.append(k)
        if not bad:  # ragged or nested input
            probs.param(name, expected, f"an object of shape that is not 1-D ({type(raw).__name__})")
            return default
        shown = ", ".join(repr(obj[k])[:40] for k in bad[:3])
        probs.add(f"The {name!r} parameter of {probs.func} must hold numbers. Got {shown} at "
                  f"position{'s' if len(bad) > 1 else ''} {describe_positions(bad, labels)} instead.")
        return default
    if a.size == 1 and scalar_ok and length != 1:
        a = np.full(length, float(a[0]))
    if a.size != length:
        probs.param(name, expected, f"{a.size} values")
        return default
    n0 = len(probs.items)
    nan = np.flatnonzero(np.isnan(a))
    if nan.size:
        probs.add(f"The {name!r} parameter of {probs.func} must not hold NaN. Got NaN at positions "
                  f"{describe_positions(nan, labels)}.")
    if nonneg:
        neg = np.flatnonzero(a < 0)
        if neg.size:
            probs.add(f"The {name!r} parameter of {probs.func} must be non-negative. Got "
                      f"{a[neg[0]]:g} at positions {describe_positions(neg, labels)}.")
    if not allow_inf:
        inf = np.flatnonzero(np.isinf(a))
        if inf.size:
            probs.add(f"The {name!r} parameter of {probs.func} must be finite. Got inf at positions "
                      f"{describe_positions(inf, labels)}.")
    check_magnitude(a, name, probs, labels)
    if len(probs.items) > n0:
        return default
    return np.ascontiguousarray(a)
