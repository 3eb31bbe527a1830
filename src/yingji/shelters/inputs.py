"""Input tables of :mod:`yingji.shelters`: demand and shelter tables, walking distances, snapping.

Every check adds to one :class:`~yingji._validation.Problems` so that a call reports all its
problems at once. Units (DESIGN.md): distances in metres along the network (walking: one-way
ignored), areas in m², population in persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._validation import Interval, check_param
from yingji._validation import Problems, describe_positions, to_bool
from yingji.exceptions import ValidationError
from yingji.shelters.norms import shelter_rules


def _table(obj, name: str, func: str) -> pd.DataFrame | None:
    if obj is None:
        return None
    if isinstance(obj, pd.DataFrame):
        return obj
    raise ValidationError(f"The {name!r} parameter of {func} must be a pandas DataFrame indexed by "
                          f"id. Got {type(obj).__name__} instead.")


def _check_columns(df: pd.DataFrame, name: str, required, probs: Problems) -> bool:
    missing = [c for c in required if c not in df.columns]
    if missing:
        probs.add(f"The {name!r} table of {probs.func} must have columns {list(required)}. "
                  f"Missing columns: {missing}.")
        return False
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique().tolist()
        probs.add(f"The {name!r} table of {probs.func} must have unique ids. "
                  f"Duplicated ids: {describe_positions(range(len(dup)), dup)}.")
        return False
    return True


def _numeric(df: pd.DataFrame, col: str, name: str, probs: Problems, *, positive=False) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(v) | (v < 0) | ((v <= 0) if positive else False)
    if bad.any():
        ids = df.index[bad].tolist()
        what = "positive" if positive else "non-negative"
        probs.add(f"The {name!r} table of {probs.func} must have finite, {what} {col!r} values. "
                  f"Got bad values for ids {describe_positions(range(len(ids)), ids)}: "
                  f"{describe_positions(range(len(ids)), v[bad].tolist())}.")
    return np.where(np.isfinite(v), v, 0.0)


def _node_set(net):
    """The node labels of a Network, when it exposes them (None otherwise)."""
    for attr in ("nodes", "node_ids", "node_labels"):
        v = getattr(net, attr, None)
        if v is None:
            continue
        try:
            if callable(v) and not hasattr(v, "__iter__"):
                v = v()
            return set(pd.Index(list(v)).tolist())
        except TypeError:  # pragma: no cover - an attribute of another kind
            continue
    g = getattr(net, "graph", None) or getattr(net, "G", None)
    if g is not None and hasattr(g, "nodes"):
        return set(g.nodes)
    return None


def _check_nodes(df: pd.DataFrame, name: str, net, probs: Problems, max_snap_m) -> None:
    """Shelters (or candidates) must sit on the network: a node that exists, near their x, y."""
    max_snap_m = check_param(probs, "max_snap_m", max_snap_m, Interval(float, 0, None), None)
    if "node" not in df.columns:
        probs.add(f"The {name!r} table of {probs.func} must have a 'node' column (the network node "
                  f"of each row) when walking distances come from a network.")
        return
    nodes = df["node"]
    na = nodes.isna().to_numpy()
    if na.any():
        ids = df.index[na].tolist()
        probs.add(f"The {name!r} table of {probs.func} has rows off the network (no node): ids "
                  f"{describe_positions(range(len(ids)), ids)}.")
    known = _node_set(net)
    if known is not None:
        off = np.array([(not a) and (v not in known) for v, a in zip(nodes.tolist(), na)], dtype=bool)
        if off.any():
            ids = df.index[off].tolist()
            probs.add(f"The {name!r} table of {probs.func} has rows off the network (their node is "
                      f"not a node of the network): ids {describe_positions(range(len(ids)), ids)}.")
    if max_snap_m is not None and {"x", "y"} <= set(df.columns) and hasattr(net, "snap") and len(df):
        xy = df[["x", "y"]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(xy).all(axis=1)
        if ok.any():
            try:
                _, d = net.snap(xy[ok, 0], xy[ok, 1], return_distance=True)
            except (TypeError, AttributeError, NotImplementedError):  # pragma: no cover
                return
            d = np.asarray(d, dtype=float)
            far = np.zeros(len(df), dtype=bool)
            far[np.nonzero(ok)[0]] = d > float(max_snap_m)
            if far.any():
                ids = df.index[far].tolist()
                probs.add(f"The {name!r} table of {probs.func} has rows off the network: more than "
                          f"{float(max_snap_m):g} m from the nearest network node (max_snap_m): ids "
                          f"{describe_positions(range(len(ids)), ids)}.")


def _rule_groups(cls) -> list:
    """Column masks of the service-radius rules: every shelter (S4-010), fixed/central (S4-011)."""
    c = np.asarray(cls, dtype=object)
    return [np.ones(c.size, dtype=bool), np.isin(c, ["fixed", "central"])]


def _cutoff(radius: np.ndarray) -> float:
    """Search cutoff, metres: the largest class radius or rule distance (farther = ``inf``)."""
    rules = shelter_rules()
    walk = rules.loc[rules["unit"] == "m", "threshold"].to_numpy(float)
    return float(max(radius.max(initial=0.0), walk.max(initial=0.0)))


def _distances(demand: pd.DataFrame, sites: pd.DataFrame, distances, network, cutoff,
               probs: Problems, label: str, groups=()) -> np.ndarray | None:
    """Walking metres, demand × sites, from a DataFrame / array or a Network.

    ``groups``: boolean column masks; a demand row with no site of a group within ``cutoff``
    is searched again without the cutoff (its nearest distance is reported exactly).
    """
    n, m = len(demand), len(sites)
    if m == 0:
        return np.zeros((n, 0))
    if distances is not None and not hasattr(distances, "distances"):
        if isinstance(distances, pd.DataFrame):
            rows = pd.Index(demand.index)
            miss_r = rows.difference(distances.index)
            miss_c = pd.Index(sites.index).difference(distances.columns)
            if len(miss_r) or len(miss_c):
                hint = ""
                if (pd.Index(sites.index).isin(distances.index).all()
                        and rows.isin(distances.columns).all()):
                    hint = " (it looks transposed: pass demand × shelters, e.g. distances.T)"
                probs.add(f"The 'distances' parameter of {probs.func} must be a DataFrame indexed by "
                          f"demand id with a column per {label} id{hint}. Missing demand ids: "
                          f"{describe_positions(range(len(miss_r)), miss_r.tolist())}; missing "
                          f"{label} ids: {describe_positions(range(len(miss_c)), miss_c.tolist())}.")
                return None
            D = distances.loc[demand.index, sites.index].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            D = np.asarray(distances, dtype=np.float64)
            if D.shape != (n, m):
                probs.param("distances", f"an array of shape ({n}, {m}) (demand × {label})",
                            f"shape {D.shape}")
                return None
        with np.errstate(invalid="ignore"):
            bad = np.isnan(D) | (D < 0)
        if bad.any():
            r = np.unique(np.nonzero(bad)[0])
            probs.add(f"The 'distances' parameter of {probs.func} must not contain NaN or negative "
                      f"metres. Got some in demand rows {describe_positions(r, list(demand.index))}.")
            return None
        return np.ascontiguousarray(D)
    net = distances if distances is not None else network
    if net is None:
        probs.add(f"{probs.func} needs walking distances: pass distances= (a DataFrame demand × "
                  f"{label} in metres) or a county / network with .distances().")
        return None
    if "node" not in demand.columns:
        probs.add(f"The 'demand' table of {probs.func} must have a 'node' column when walking "
                  f"distances come from a network.")
        return None
    if demand["node"].isna().any() or sites["node"].isna().any():
        return None
    d_nodes = pd.unique(demand["node"].to_numpy(dtype=object))
    s_nodes = pd.unique(sites["node"].to_numpy(dtype=object))
    L = _net_distances(net, d_nodes, s_nodes, cutoff)
    di = pd.Index(d_nodes).get_indexer(demand["node"].to_numpy(dtype=object))
    si = pd.Index(s_nodes).get_indexer(sites["node"].to_numpy(dtype=object))
    D = np.ascontiguousarray(L[np.ix_(di, si)])
    if cutoff is not None and groups:
        # demand points with no shelter (of a group) within the cutoff: their true distance to
        # the nearest one is wanted for the service-radius rules, so search again, uncut
        need = np.zeros(n, dtype=bool)
        for g in groups:
            if g.any():
                need |= ~np.isfinite(D[:, g].min(axis=1))
        if need.any():
            far = pd.unique(demand["node"].to_numpy(dtype=object)[need])
            L2 = _net_distances(net, far, s_nodes, None)
            fi = pd.Index(far).get_indexer(demand["node"].to_numpy(dtype=object)[need])
            D[need] = L2[np.ix_(fi, si)]
    return D


def _net_distances(net, d_nodes, s_nodes, cutoff) -> np.ndarray:
    """``net.distances`` demand nodes × site nodes (metres), from the smaller side."""
    # Walking distances ignore one-way, so the matrix is symmetric: search from the smaller
    # side (usually the shelters) and transpose.
    flip = len(s_nodes) < len(d_nodes)
    o, d = (s_nodes, d_nodes) if flip else (d_nodes, s_nodes)
    try:
        L = net.distances(list(o), list(d), cutoff=cutoff)
    except TypeError:
        L = net.distances(list(o), list(d))
    if isinstance(L, pd.DataFrame):
        L = L.to_numpy(dtype=np.float64, na_value=np.inf)
    L = np.asarray(L, dtype=np.float64).reshape(len(o), len(d))
    return L.T if flip else L


def _demand_inputs(county, demand, probs: Problems):
    demand = _table(demand if demand is not None else getattr(county, "demand", None), "demand",
                    probs.func)
    if demand is None:
        probs.add(f"{probs.func} needs a demand table (county.demand or demand=) with a "
                  f"'population' column.")
        return None, None, None
    if not _check_columns(demand, "demand", ("population",), probs):
        return demand, None, None
    P = _numeric(demand, "population", "demand", probs)
    if len(demand) == 0 or P.sum() <= 0:
        probs.add(f"The 'demand' table of {probs.func} must hold people: got {len(demand)} rows "
                  f"with total population {P.sum():g}.")
    town = (demand["township"].astype(object).where(demand["township"].notna(), "").astype(str)
            .to_numpy(dtype=object) if "township" in demand.columns
            else np.full(len(demand), "", dtype=object))
    if "urban" in demand.columns:
        _, bad = to_bool(demand["urban"])
        if bad:
            ids = demand.index[bad].tolist()
            probs.add(f"The 'demand' table of {probs.func} has an 'urban' column that is not yes/no in rows "
                      f"{describe_positions(range(len(ids)), ids)} (values "
                      f"{demand['urban'].iloc[bad[:5]].tolist()}); use true/false, 1/0 or 是/否.")
    return demand, P, town


def _shelter_inputs(shelters, norms: pd.DataFrame, probs: Problems, *, name="shelters"):
    req = ("shelter_class", "area_m2")
    if not _check_columns(shelters, name, req, probs):
        return None, None
    area = _numeric(shelters, "area_m2", name, probs)
    cls = shelters["shelter_class"].astype(object).to_numpy(dtype=object)
    bad = np.array([c not in norms.index for c in cls], dtype=bool)
    if bad.any():
        ids = shelters.index[bad].tolist()
        probs.add(f"The {name!r} table of {probs.func} must have a shelter_class among "
                  f"{list(norms.index)}. Got {sorted(set(map(str, cls[bad])))} for ids "
                  f"{describe_positions(range(len(ids)), ids)}.")
    return area, cls
