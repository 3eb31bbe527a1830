"""Loaders for the OR-Library p-median and warehouse-location benchmark files.

The files themselves are not shipped with yingji; point the loaders at your own
copies (the project's shared data folder keeps them under ``orlib/``).

References
----------
.. [1] J. E. Beasley, "OR-Library: distributing test problems by electronic
   mail", Journal of the Operational Research Society 41 (1990) 1069-1072.
.. [2] J. E. Beasley, "A note on solving large p-median problems", European
   Journal of Operational Research 21 (1985) 270-273 (pmed1-pmed40).
.. [3] J. E. Beasley, "An algorithm for solving large capacitated warehouse
   location problems", European Journal of Operational Research 33 (1988)
   314-325 (cap41-cap134, capa-capc).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from yingji.exceptions import ValidationError

__all__ = [
    "CapInstance",
    "load_pmed",
    "load_pmed_optima",
    "load_cap",
    "load_cap_optima",
    "load_uncap_opt",
    "CAP_CAPACITIES",
]

#: Capacities that replace the literal word ``capacity`` in capa/capb/capc (Beasley 1988, Table 1).
CAP_CAPACITIES = {
    "capa": (8000.0, 10000.0, 12000.0, 14000.0),
    "capb": (5000.0, 6000.0, 7000.0, 8000.0),
    "capc": (5000.0, 5750.0, 6500.0, 7250.0),
}


def _text(path) -> str:
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"The 'path' parameter must name an existing file. Got {str(path)!r} instead.")
    return p.read_text()


def _tokens(path) -> list[str]:
    return _text(path).split()


def load_pmed(path) -> tuple[np.ndarray, int]:
    """Read an OR-Library ``pmedN.txt`` file into a cost matrix and ``p``.

    The file holds ``n m p`` and then ``m`` undirected edges ``i j cost``
    (1-based). As OR-Library's ``pmedinfo`` prescribes, a later line for the
    same pair of vertices *overwrites* an earlier one (it is not the minimum:
    taking the minimum gives pmed1 = 5718 instead of the published 5819); the
    cost matrix is then the all-pairs shortest-path lengths. Every vertex is
    both a demand point and a candidate site.

    Parameters
    ----------
    path : str or path-like
        The ``pmedN.txt`` file.

    Returns
    -------
    cost : ndarray of float64, shape (n, n)
        Shortest-path lengths (``inf`` between disconnected vertices).
    p : int
        Number of medians.

    Examples
    --------
    >>> cost, p = load_pmed("pmed1.txt")  # doctest: +SKIP
    >>> cost.shape, p  # doctest: +SKIP
    ((100, 100), 5)
    """
    tok = _tokens(path)
    try:
        n, m, p = int(tok[0]), int(tok[1]), int(tok[2])
        e = np.asarray(tok[3 : 3 + 3 * m], dtype=np.float64).reshape(m, 3)
    except (ValueError, IndexError) as exc:
        raise ValidationError(f"{path}: not a pmed file ({exc}).") from exc
    u = e[:, 0].astype(np.int64) - 1
    v = e[:, 1].astype(np.int64) - 1
    c = e[:, 2]
    if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
        bad = np.concatenate([u[(u < 0) | (u >= n)], v[(v < 0) | (v >= n)]]) + 1
        raise ValidationError(f"{path}: vertex numbers must lie in 1..{n}. Got {bad[:3].tolist()} instead.")
    # last line wins: keep the last occurrence of each unordered pair
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    key = a * n + b
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    keep = len(key) - 1 - first_in_reversed
    a, b, c = a[keep], b[keep], c[keep]
    loops = a == b
    a, b, c = a[~loops], b[~loops], c[~loops]
    # explicit zeros are edges too: shift by a tiny amount is wrong, so store costs and use
    # a separate sparse structure where zero-cost edges are kept explicitly
    g = csr_matrix((c, (a, b)), shape=(n, n))
    if np.any(c == 0):
        g = csr_matrix((np.where(c == 0, np.finfo(float).tiny, c), (a, b)), shape=(n, n))
    dist = shortest_path(g, method="D", directed=False)
    dist[dist < 1e-300] = 0.0
    return np.ascontiguousarray(dist, dtype=np.float64), p


def load_pmed_optima(path) -> dict[str, float]:
    """Read OR-Library ``pmedopt.txt``: instance name -> proven optimal value.

    Examples
    --------
    >>> load_pmed_optima("pmedopt.txt")["pmed1"]  # doctest: +SKIP
    5819.0
    """
    out: dict[str, float] = {}
    for line in _text(path).splitlines():
        parts = line.split()
        if len(parts) >= 2 and re.fullmatch(r"pmed\d+", parts[0]):
            out[parts[0]] = float(parts[1])
    if not out:
        raise ValidationError(f"{path}: no 'pmedN value' lines found.")
    return out


class CapInstance(NamedTuple):
    """An OR-Library warehouse-location instance, in :func:`yingji.capacitated_location` order."""

    cost: np.ndarray
    """(n customers, m sites): cost of serving *all* of a customer's demand from a site."""
    demand: np.ndarray
    """(n,) customer demands."""
    capacity: np.ndarray
    """(m,) site capacities (``inf`` where the file says ``capacity`` and none was given)."""
    fixed_cost: np.ndarray
    """(m,) cost of opening each site."""


def load_cap(path, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library ``capNNN.txt`` / ``capa.txt`` warehouse-location file.

    Format: ``m n``; ``m`` lines ``capacity fixed_cost``; then for each customer
    its demand followed by ``m`` allocation costs, each the cost of serving *all*
    of that customer's demand from that site. capa/capb/capc carry the literal
    word ``capacity`` instead of a number: pass the value to substitute
    (:data:`CAP_CAPACITIES` lists the four of each file).

    Parameters
    ----------
    path : str or path-like
    capacity : float, optional
        Substituted for the word ``capacity``. When omitted such sites get
        ``inf`` (the uncapacitated reading). Numeric capacities in the file are
        kept as they are.

    Returns
    -------
    CapInstance
        ``(cost, demand, capacity, fixed_cost)``; ``capacitated_location(*inst)``
        solves it.

    Examples
    --------
    >>> inst = load_cap("capa.txt", capacity=8000)  # doctest: +SKIP
    >>> inst.cost.shape  # doctest: +SKIP
    (1000, 100)
    """
    tok = _tokens(path)
    try:
        m, n = int(tok[0]), int(tok[1])
        pos = 2
        cap = np.empty(m)
        fix = np.empty(m)
        for j in range(m):
            t = tok[pos]
            if t.lower() == "capacity":
                cap[j] = np.inf if capacity is None else float(capacity)
            else:
                cap[j] = float(t)
            fix[j] = float(tok[pos + 1])
            pos += 2
        body = np.asarray(tok[pos : pos + n * (m + 1)], dtype=np.float64)
        if body.size != n * (m + 1):
            raise ValueError(f"expected {n * (m + 1)} customer numbers, found {body.size}")
        body = body.reshape(n, m + 1)
    except (ValueError, IndexError) as exc:
        raise ValidationError(f"{path}: not an OR-Library cap file ({exc}).") from exc
    return CapInstance(
        np.ascontiguousarray(body[:, 1:]), body[:, 0].copy(), cap, fix
    )


def load_cap_optima(path) -> pd.DataFrame:
    """Read OR-Library ``capopt.txt``.

    Returns
    -------
    pandas.DataFrame
        Columns ``instance`` (e.g. ``"cap41"``, ``"capa"``), ``capacity`` (the
        substituted capacity for capa/capb/capc, NaN otherwise) and ``optimum``.
    """
    rows = []
    last = None
    for line in _text(path).splitlines():
        parts = line.split()
        if not parts:
            continue
        mcap = re.search(r"\(capacity\s+([\d.]+)\)", line)
        if re.fullmatch(r"cap[0-9a-z]+", parts[0]):
            last = parts[0]
            val = parts[1]
        elif mcap and last is not None:
            val = parts[0]
        else:
            continue
        try:
            v = float(val)
        except ValueError:
            continue
        rows.append({"instance": last, "capacity": float(mcap.group(1)) if mcap else np.nan, "optimum": v})
    if not rows:
        raise ValidationError(f"{path}: no optimum lines found.")
    return pd.DataFrame(rows)


def load_uncap_opt(path) -> tuple[np.ndarray, float]:
    """Read a UflLib ``capX.txt.opt`` file: the optimal assignment and value.

    Returns
    -------
    assignment : ndarray of int64
        0-based site serving each customer in the optimal uncapacitated solution.
    value : float
        The optimal objective (fixed costs of open sites plus allocation costs).
    """
    tok = _tokens(path)
    try:
        vals = [float(t) for t in tok]
    except ValueError as exc:
        raise ValidationError(f"{path}: not a .opt file ({exc}).") from exc
    return np.asarray(vals[:-1], dtype=np.int64), vals[-1]
