"""Loader of the OR-Library set-covering instances (Beasley 1990).

Format (OR-Library ``scpinfo``): ``m n`` (rows, columns); the cost of every column; then for
each row a count ``k`` followed by ``k`` 1-based column numbers. Tokens wrap across lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from yingji.exceptions import ValidationError

__all__ = ["load_scp", "load_scp_optima"]


def load_scp(path) -> tuple[sp.csr_matrix, np.ndarray]:
    """Read an OR-Library set-covering file.

    Parameters
    ----------
    path : str or os.PathLike
        An ``scp*.txt`` file (e.g. ``scp41.txt``).

    Returns
    -------
    coverage : scipy.sparse.csr_matrix of bool, shape (rows, columns)
        ``coverage[i, j]`` is True when column ``j`` covers row ``i`` (0-based).
    cost : numpy.ndarray of float, shape (columns,)
        Column costs.

    Raises
    ------
    ValidationError
        The file is truncated or names a column out of range.

    References
    ----------
    .. [1] J. E. Beasley, "OR-Library: distributing test problems by electronic mail",
       Journal of the Operational Research Society 41(11), 1069-1072, 1990.

    Examples
    --------
    >>> A, c = load_scp("scp41.txt")  # doctest: +SKIP
    >>> A.shape, c.sum() > 0  # doctest: +SKIP
    ((200, 1000), True)
    """
    path = Path(path)
    tok = np.array(path.read_text().split(), dtype=np.int64)
    if tok.size < 2:
        raise ValidationError(f"{path.name}: not an OR-Library set-covering file (too short).")
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    if tok.size < pos + n:
        raise ValidationError(f"{path.name}: truncated: expected {n} column costs.")
    cost = tok[pos:pos + n].astype(np.float64)
    pos += n
    rows = np.empty(m + 1, dtype=np.int64)
    rows[0] = 0
    chunks = []
    for i in range(m):  # one step per row: m is a few thousand at most
        if pos >= tok.size:
            raise ValidationError(f"{path.name}: truncated at row {i + 1} of {m}.")
        k = int(tok[pos])
        cols = tok[pos + 1:pos + 1 + k]
        if cols.size != k:
            raise ValidationError(f"{path.name}: truncated at row {i + 1} of {m}.")
        chunks.append(cols)
        rows[i + 1] = rows[i] + k
        pos += 1 + k
    idx = np.concatenate(chunks) - 1 if chunks else np.zeros(0, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)] + 1
        raise ValidationError(f"{path.name}: column numbers must lie in 1..{n}. Got {bad[:3].tolist()} instead.")
    A = sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, rows), shape=(m, n))
    A.sum_duplicates()
    return A, cost


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
