"""Loader of the OR-Library set-covering instances (Beasley 1990).

Two formats, told apart by their structure (:func:`load_scp` detects which one a file is):

* ``scp`` (OR-Library ``scpinfo``: scp41-scpe5, scpclr, scpcyc): ``m n`` (rows, columns); the
  cost of every column; then for each row a count ``k`` followed by ``k`` 1-based column numbers.
* ``rail`` (the railway crew-scheduling instances rail507-rail4872 of Ceria, Nobili and
  Sassano 1998, column-oriented): ``m n``; then for each column its cost, a count ``k`` and
  ``k`` 1-based row numbers.

Tokens wrap across lines in both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji._validation import Options, Problems, check_param
from yingji.exceptions import ValidationError

__all__ = ["load_scp", "load_scp_optima"]

_FORMATS = Options("auto", "scp", "rail")


class _FormatError(ValueError):
    """The tokens do not follow one format (the message says where)."""


def _parse_scp(tok: np.ndarray):
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    if tok.size < pos + n:
        raise _FormatError(f"truncated: expected {n} column costs")
    cost = tok[pos:pos + n].astype(np.float64)
    pos += n
    rows = np.empty(m + 1, dtype=np.int64)
    rows[0] = 0
    chunks = []
    for i in range(m):  # one step per row: m is a few thousand at most
        if pos >= tok.size:
            raise _FormatError(f"truncated at row {i + 1} of {m}")
        k = int(tok[pos])
        cols = tok[pos + 1:pos + 1 + k]
        if k < 0 or cols.size != k:
            raise _FormatError(f"truncated at row {i + 1} of {m}")
        chunks.append(cols)
        rows[i + 1] = rows[i] + k
        pos += 1 + k
    if pos != tok.size:
        raise _FormatError(f"{tok.size - pos} numbers left after row {m}")
    idx = np.concatenate(chunks) - 1 if chunks else np.zeros(0, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)] + 1
        raise _FormatError(f"column numbers must lie in 1..{n}, got {bad[:3].tolist()}")
    A = sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, rows), shape=(m, n))
    return A, cost


def _parse_rail(tok: np.ndarray):
    m, n = int(tok[0]), int(tok[1])
    cost = np.empty(n, dtype=np.float64)
    ptr = np.empty(n + 1, dtype=np.int64)
    ptr[0] = 0
    starts = np.empty(n, dtype=np.int64)
    pos, size = 2, tok.size
    for j in range(n):  # one step per column: 63,009 for rail507, about 0.1 s
        if pos + 1 >= size:
            raise _FormatError(f"truncated at column {j + 1} of {n}")
        k = int(tok[pos + 1])
        if k < 0 or pos + 2 + k > size:
            raise _FormatError(f"truncated at column {j + 1} of {n}")
        cost[j] = tok[pos]
        starts[j] = pos + 2
        ptr[j + 1] = ptr[j] + k
        pos += 2 + k
    if pos != size:
        raise _FormatError(f"{size - pos} numbers left after column {n}")
    cnt = np.diff(ptr)
    # the row lists, gathered with one index array: start of the column + offset inside it
    idx = tok[np.repeat(starts, cnt) + (np.arange(ptr[-1]) - np.repeat(ptr[:-1], cnt))] - 1
    if idx.size and (idx.min() < 0 or idx.max() >= m):
        bad = idx[(idx < 0) | (idx >= m)] + 1
        raise _FormatError(f"row numbers must lie in 1..{m}, got {bad[:3].tolist()}")
    A = sp.csc_matrix((np.ones(idx.size, dtype=bool), idx, ptr), shape=(m, n)).tocsr()
    return A, cost


def load_scp(path, format: str = "auto") -> tuple[sp.csr_matrix, np.ndarray]:
    """Read an OR-Library set-covering file, in the ``scp`` or the ``rail`` format.

    Parameters
    ----------
    path : str or os.PathLike
        An ``scp*.txt`` file (e.g. ``scp41.txt``, ``scpclr10.txt``) or a rail file
        (``rail507.txt``).
    format : {"auto", "scp", "rail"}
        ``"scp"``: row-oriented (per row: count, column numbers); ``"rail"``: column-oriented
        (per column: cost, count, row numbers); ``"auto"``: the one whose structure the file
        follows exactly (every number used, every index in range).

    Returns
    -------
    coverage : scipy.sparse.csr_matrix of bool, shape (rows, columns)
        ``coverage[i, j]`` is True when column ``j`` covers row ``i`` (0-based).
    cost : numpy.ndarray of float, shape (columns,)
        Column costs.

    Raises
    ------
    ValidationError
        ``format`` unknown, or the file follows neither format (truncated, numbers left over,
        an index out of range); the message says where each format failed.

    References
    ----------
    .. [1] J. E. Beasley, "OR-Library: distributing test problems by electronic mail",
       Journal of the Operational Research Society 41(11), 1069-1072, 1990.
    .. [2] S. Ceria, P. Nobili and A. Sassano, "A Lagrangian-based heuristic for large-scale
       set covering problems", Mathematical Programming 81(2), 215-228, 1998 (the rail
       instances).

    Examples
    --------
    >>> A, c = load_scp("scp41.txt")  # doctest: +SKIP
    >>> A.shape, c.sum() > 0  # doctest: +SKIP
    ((200, 1000), True)
    >>> A, c = load_scp("rail507.txt")  # doctest: +SKIP
    >>> A.shape, sorted(set(c))  # doctest: +SKIP
    ((507, 63009), [1.0, 2.0])
    """
    probs = Problems("load_scp")
    fmt = check_param(probs, "format", format, _FORMATS)
    probs.raise_if_any()
    path = Path(path)
    tok = np.array(path.read_text().split(), dtype=np.int64)
    if tok.size < 2:
        raise ValidationError(f"{path.name}: not an OR-Library set-covering file (too short).")
    if tok[0] < 0 or tok[1] < 0:
        raise ValidationError(f"{path.name}: the first line must give the numbers of rows and columns.")
    parsers = {"scp": _parse_scp, "rail": _parse_rail}
    tried = ("scp", "rail") if fmt == "auto" else (fmt,)
    errors = []
    for name in tried:
        try:
            A, cost = parsers[name](tok)
        except _FormatError as e:
            errors.append(f"{name} format: {e}")
            continue
        A.sum_duplicates()
        return A, cost
    if len(errors) == 1:
        raise ValidationError(f"{path.name}: {errors[0]}.")
    raise ValidationError(f"{path.name}: not an OR-Library set-covering file in either format "
                          f"({'; '.join(errors)}); pass format='scp' or 'rail' to see one format's error.")


def load_scp_optima(path) -> pd.DataFrame:
    """Read the table of known set-covering optima (``scp_optima.csv``).

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file, or the folder holding ``scp_optima.csv``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``instance`` with columns ``rows``, ``cols``, ``nnz``, ``bks`` (best known
        value), ``best_lower_bound`` and ``proven_optimal`` (bool).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "scp_optima.csv"
    df = pd.read_csv(path, dtype={"instance": str})
    df["proven_optimal"] = df["proven_optimal"].astype(str).str.strip().str.lower().isin(["yes", "true", "1"])
    return df.set_index("instance")
