"""Disaster scenarios for :func:`~yingji.supplies.preposition`: :class:`Scenarios` and
:func:`sample_scenarios` (earthquakes, floods, chemical releases)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yingji._render.display import displayable
from yingji._validation import SEED, Problems, check_param, describe_values
from yingji.exceptions import SolverError
from yingji.supplies.norms import _norms


@displayable
@dataclass(frozen=True)
class Scenarios:
    """Disaster scenarios for :func:`preposition`.

    Attributes
    ----------
    probabilities : Series
        Probability by scenario id, summing to 1.
    demand : DataFrame
        ``scenario``, ``township``, ``item``, ``quantity`` (item units).
    closed_depots : dict
        Scenario id → list of depot / site ids out of action.
    closed_edges : dict
        Scenario id → list of ``(u, v)`` road edges cut (routed with ``Network.without``).
    """

    probabilities: pd.Series
    demand: pd.DataFrame
    closed_depots: dict = field(default_factory=dict)
    closed_edges: dict = field(default_factory=dict)

    def __post_init__(self):
        probs = Problems("Scenarios")
        p = pd.Series(self.probabilities, dtype=float)
        p.index = p.index.map(str)
        if len(p) == 0:
            probs.param("probabilities", "a non-empty Series of probabilities", "an empty Series")
        elif (~np.isfinite(p.to_numpy()) | (p.to_numpy() < 0)).any():
            probs.param("probabilities", "non-negative numbers",
                        {k: float(v) for k, v in p[(p < 0) | ~np.isfinite(p)].head(5).items()})
        elif abs(p.sum() - 1.0) > 1e-6:
            probs.param("probabilities", "probabilities summing to 1", f"a sum of {p.sum():.6g}")
        d = self.demand
        miss = [c for c in ("scenario", "township", "item", "quantity") if c not in getattr(d, "columns", [])]
        if miss:
            probs.add(f"The 'demand' table of Scenarios is missing column(s) {miss}.")
        else:
            d = d.copy()
            d["scenario"] = d["scenario"].astype(str)
            d["township"] = d["township"].astype(str)
            d["item"] = d["item"].astype(str)
            q = pd.to_numeric(d["quantity"], errors="coerce")
            if (~np.isfinite(q.to_numpy(float)) | (q < 0).to_numpy()).any():
                badq = np.flatnonzero(~np.isfinite(q.to_numpy(float)) | (q < 0).to_numpy())
                probs.add("The 'demand' table of Scenarios has negative or missing quantities: got "
                          f"{describe_values(d['quantity'].to_numpy(), badq)} in rows "
                          f"{d.index[badq].tolist()[:10]}.")
            unk = sorted(set(d["scenario"]) - set(p.index))
            if unk:
                probs.add(f"The 'demand' table of Scenarios names scenarios without a probability: {unk[:10]}.")
            object.__setattr__(self, "demand", d)
        probs.raise_if_any()
        object.__setattr__(self, "probabilities", p)
        object.__setattr__(self, "closed_depots", {str(k): [str(x) for x in v] for k, v in dict(self.closed_depots).items()})
        object.__setattr__(self, "closed_edges", {str(k): list(v) for k, v in dict(self.closed_edges).items()})

    @property
    def ids(self) -> list[str]:
        return list(self.probabilities.index)

    def __len__(self) -> int:
        return len(self.probabilities)

    def mean(self) -> "Scenarios":
        """The mean-value scenario (expected demand, nothing closed), for the VSS."""
        d = self.demand.merge(self.probabilities.rename("p"), left_on="scenario", right_index=True)
        d["quantity"] = d["quantity"] * d["p"]
        m = d.groupby(["township", "item"], as_index=False)["quantity"].sum()
        m.insert(0, "scenario", "mean")
        return Scenarios(pd.Series({"mean": 1.0}), m)


def sample_scenarios(county, n: int, seed: int, *, items: pd.DataFrame | None = None,
                     kinds=("earthquake", "flood", "chemical")) -> Scenarios:
    """Random disaster scenarios for a county (earthquake zones, floods along a river, chemical releases).

    * earthquake: a random epicentre; the share of residents displaced falls with distance
      (``0.5·exp(−d/8 km)``), roads within 3 km of the epicentre may be cut and depots within
      5 km closed (each with probability 0.5);
    * flood: a random straight "river" across the county; townships whose seat lies within
      4 km of it displace 15–40 % of residents, depots within 2 km are flooded;
    * chemical release: around a hazardous-chemicals site (or a random point), 2 km evacuation.

    Demand = displaced persons × item norm × days, aggregated to townships (so 1,000 scenarios
    stay a model of manageable size). Equal probabilities ``1/n``. Deterministic for a seed.

    Parameters
    ----------
    county : yingji.County
    n : int
        Number of scenarios.
    seed : int
    items : DataFrame, optional
        Item norms (default the county's ``items``).
    kinds : sequence of str
        Which kinds to draw from (cycled in order).

    Returns
    -------
    Scenarios
    """
    return _sample(county, n, seed, items, kinds)


def _sample(county, n, seed, items=None, kinds=("earthquake", "flood", "chemical"),
            dl=None) -> Scenarios:
    """:func:`sample_scenarios`; with a :class:`~yingji._deadline.Deadline` ``dl`` the draw
    stops with a :class:`~yingji.exceptions.SolverError` (status ``"time_limit"``) once it has
    passed (the county plan's supplies part draws its scenarios inside its share of time)."""
    probs = Problems("sample_scenarios")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        probs.param("n", "an int >= 1", n)
    check_param(probs, "seed", seed, SEED)
    unknown = sorted(set(kinds) - {"earthquake", "flood", "chemical"})
    if unknown or not kinds:
        probs.param("kinds", "a non-empty subset of ('earthquake', 'flood', 'chemical')", list(kinds))
    norms = _norms(county, items, probs)
    probs.raise_if_any()
    rng = np.random.default_rng(seed)
    demand = county.demand.copy()
    demand.index = demand.index.map(str)
    tw = demand["township"].astype(str)
    xy = demand[["x", "y"]].to_numpy(float)
    pop = demand["population"].to_numpy(float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    depots = county.depots.copy()
    depots.index = depots.index.map(str)
    dxy = depots[["x", "y"]].to_numpy(float) if len(depots) else np.zeros((0, 2))
    net = getattr(county, "network", None)
    edges = None
    if net is not None and hasattr(net, "to_edges"):
        try:
            edges = net.to_edges()
        except Exception:  # pragma: no cover - a network without an edge export
            edges = None
    node_xy = None
    if edges is not None and net is not None and hasattr(net, "to_nodes"):
        try:
            node_xy = net.to_nodes()
            if not {"x", "y"} <= set(node_xy.columns):
                node_xy = None
        except Exception:  # pragma: no cover - a network without coordinates
            node_xy = None
    hz = getattr(county, "hazards", pd.DataFrame())
    chem = hz[hz["skill"].astype(str).str.contains("hazardous_chemicals")] if len(hz) and "skill" in hz.columns else hz.iloc[:0]
    per_person = (norms["per_person_per_day"] * norms["days"]).astype(float)
    # townships as codes (displaced persons are summed with one bincount per scenario) and the
    # edges' end coordinates (the roads near an epicentre are one mask per scenario)
    tw_codes, tw_names = pd.factorize(tw, sort=True)
    tw_names = tw_names.tolist()
    pp_items = [(it, float(pp)) for it, pp in per_person.items()]
    ends = _edge_ends(edges, node_xy) if edges is not None and node_xy is not None else None
    ids = [f"S{i:04d}" for i in range(n)]
    recs, closed_d, closed_e = [], {}, {}
    for i, sid in enumerate(ids):
        if dl is not None and i % 16 == 0 and dl.expired():
            raise SolverError(f"the time limit ({dl.time_limit:g} s) passed while drawing supply "
                              f"scenarios ({i} of {n} drawn); raise time_limit or draw fewer.",
                              status="time_limit")
        kind = kinds[i % len(kinds)]
        if kind == "earthquake":
            c = lo + rng.random(2) * (hi - lo)
            d = np.hypot(*(xy - c).T) / 1000.0
            share = 0.5 * np.exp(-d / 8.0) * rng.uniform(0.6, 1.4)
            dd = np.hypot(*(dxy - c).T) / 1000.0 if len(dxy) else np.zeros(0)
            closed_d[sid] = [depots.index[j] for j in np.nonzero((dd < 5.0) & (rng.random(len(dd)) < 0.5))[0]]
            if ends is not None:
                cut = _edges_near(ends, c, 3000.0)
                keep = rng.random(len(cut)) < 0.5
                closed_e[sid] = [tuple(e) for e, k in zip(cut, keep) if k]
        elif kind == "flood":
            a = lo + rng.random(2) * (hi - lo)
            ang = rng.uniform(0, np.pi)
            u = np.array([np.cos(ang), np.sin(ang)])
            dist = np.abs((xy - a) @ np.array([-u[1], u[0]])) / 1000.0
            share = np.where(dist < 4.0, rng.uniform(0.15, 0.40), 0.0)
            dd = np.abs((dxy - a) @ np.array([-u[1], u[0]])) / 1000.0 if len(dxy) else np.zeros(0)
            closed_d[sid] = [depots.index[j] for j in np.nonzero(dd < 2.0)[0]]
        else:
            if len(chem):
                c = chem[["x", "y"]].to_numpy(float)[rng.integers(len(chem))]
            else:
                c = lo + rng.random(2) * (hi - lo)
            d = np.hypot(*(xy - c).T) / 1000.0
            share = np.where(d < 2.0, rng.uniform(0.5, 1.0), 0.0)
        displaced = np.bincount(tw_codes, weights=pop * np.clip(share, 0.0, 1.0),
                                minlength=len(tw_names))
        for t, v in zip(tw_names, displaced):
            if v <= 0:
                continue
            for it, pp in pp_items:
                recs.append({"scenario": sid, "township": t, "item": it, "quantity": float(v * pp)})
    dem = pd.DataFrame(recs, columns=["scenario", "township", "item", "quantity"])
    return Scenarios(pd.Series(1.0 / n, index=ids), dem, closed_d, closed_e)


def _edge_ends(edges: pd.DataFrame, nodes: pd.DataFrame):
    """The edges' end labels and coordinates: ``(u, v, uxy, vxy)`` (an end missing from
    ``nodes`` gets NaN coordinates: it is never near)."""
    cols = list(edges.columns)
    u, v = edges[cols[0]].to_numpy(), edges[cols[1]].to_numpy()
    nxy = np.vstack([nodes[["x", "y"]].to_numpy(float), [np.nan, np.nan]])
    iu = nodes.index.get_indexer(u)
    iv = nodes.index.get_indexer(v)
    return u, v, nxy[iu], nxy[iv]  # get_indexer's -1 picks the NaN row


def _edges_near(ends, c, radius: float) -> list:
    """``(u, v)`` of the edges with both ends within ``radius`` metres of ``c``, in edge order."""
    u, v, uxy, vxy = ends
    sel = (np.hypot(uxy[:, 0] - c[0], uxy[:, 1] - c[1]) < radius) & \
        (np.hypot(vxy[:, 0] - c[0], vxy[:, 1] - c[1]) < radius)
    return list(zip(u[sel].tolist(), v[sel].tolist()))
