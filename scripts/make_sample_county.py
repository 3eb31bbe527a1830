"""Write the sample county "XX县" into src/yingji/datasets/data/sample_county/.

Run once (``python scripts/make_sample_county.py``); the files it writes are
committed, so the sample county does not move when numpy's random streams change.
Everything random comes from one seeded ``numpy.random.Generator`` (``--seed``).

The county is synthetic but built to plausible Chinese figures (see
docs/sample_county.md for the sources of each figure):

* ~1,500 km², star-shaped outline; coordinates in metres of EPSG:4547
  (CGCS2000 / 3-degree Gauss-Kruger CM 114E).
* a county seat (城关镇) with a 100 m street grid and 12 township seats with small
  grids; ~1,200 natural villages; a river crossing the county NW -> SE.
* roads: a national road (G, 60 km/h), two provincial roads (S, 50 km/h), county
  roads between townships (X, 40 km/h), village roads (25 km/h), urban arterials
  (35 km/h), urban streets (25 km/h), township streets (20-30 km/h). Speeds are
  average operating speeds of emergency vehicles, below posted limits.
* ~2,000 demand points: 300 m blocks of the built-up areas (``urban``) and the
  villages (rural); ``area_m2`` comes from a 100 m raster of the county so that
  the areas add up to the county's area exactly.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "yingji" / "datasets" / "data" / "sample_county"

X0, Y0 = 472000.0, 3368000.0  # south-west corner of the working box (EPSG:4547)
BOX = 56000.0  # box side, metres
CELL = 100.0  # raster cell, metres
TARGET_KM2 = 1500.0

SPEED = {  # km/h, emergency-vehicle operating speeds
    "national": 60.0,
    "provincial": 50.0,
    "county": 40.0,
    "village": 25.0,
    "urban_arterial": 35.0,
    "urban_street": 25.0,
    "township_main": 30.0,
    "township_street": 20.0,
}

TOWNSHIPS = ["城关镇", "河口镇", "新集镇", "石桥镇", "柳林乡", "白沙镇", "龙泉镇", "青山乡",
             "马店镇", "高庄乡", "双河镇", "黄岗乡", "桃园镇"]


class Roads:
    """Accumulates nodes (x, y) and edges (u, v, metres, class)."""

    def __init__(self):
        self.x: list[float] = []
        self.y: list[float] = []
        self.edges: list[tuple[int, int, float, str]] = []

    def node(self, x, y) -> int:
        self.x.append(float(x))
        self.y.append(float(y))
        return len(self.x) - 1

    def edge(self, u, v, cls, metres=None):
        if u == v:
            return
        if metres is None:
            metres = math.hypot(self.x[u] - self.x[v], self.y[u] - self.y[v])
        self.edges.append((u, v, metres, cls))

    def xy(self) -> np.ndarray:
        return np.column_stack([self.x, self.y])


def outline(rng):
    """Star-shaped county outline r(theta) around the centre; scaled to ~TARGET_KM2."""
    a = rng.uniform(0, 2 * np.pi, 4)
    th = np.linspace(0, 2 * np.pi, 3601)

    def shape(t):
        return (1 + 0.16 * np.cos(2 * (t - a[0])) + 0.07 * np.sin(3 * t + a[1])
                + 0.04 * np.cos(5 * t + a[2]) + 0.02 * np.sin(7 * t + a[3]))

    area_unit = 0.5 * np.trapezoid(shape(th) ** 2, th)  # km² per R²(km)
    R = math.sqrt(TARGET_KM2 / area_unit) * 1000.0
    return lambda t: R * shape(t)


def inside_county(x, y, cx, cy, rfun, margin=0.0):
    dx, dy = np.asarray(x) - cx, np.asarray(y) - cy
    return np.hypot(dx, dy) < rfun(np.arctan2(dy, dx)) - margin


def poisson_points(rng, n_target, min_d, accept, n_try=60000):
    """Greedy dart throwing: up to n_target points at least min_d apart."""
    pts = []
    tree_pts = np.empty((0, 2))
    cand = rng.uniform([X0, Y0], [X0 + BOX, Y0 + BOX], size=(n_try, 2))
    keep = accept(cand)
    cand = cand[keep]
    grid = {}
    for p in cand:
        gx, gy = int((p[0] - X0) // min_d), int((p[1] - Y0) // min_d)
        ok = True
        for i in (-1, 0, 1):
            for j in (-1, 0, 1):
                for q in grid.get((gx + i, gy + j), ()):
                    if (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 < min_d * min_d:
                        ok = False
                        break
                if not ok:
                    break
            if not ok:
                break
        if ok:
            grid.setdefault((gx, gy), []).append(p)
            pts.append(p)
            if len(pts) >= n_target:
                break
    del tree_pts
    return np.array(pts)


def polyline(rng, p, q, step, wiggle):
    """Points from p to q (excluding both ends) every ~step metres with a smooth meander."""
    d = math.hypot(q[0] - p[0], q[1] - p[1])
    n = max(int(round(d / step)), 1)
    t = np.linspace(0, 1, n + 1)[1:-1]
    if len(t) == 0:
        return np.empty((0, 2))
    nx_, ny_ = -(q[1] - p[1]) / d, (q[0] - p[0]) / d
    amp = wiggle * d * rng.uniform(-1, 1)
    amp2 = 0.4 * wiggle * d * rng.uniform(-1, 1)
    off = amp * np.sin(np.pi * t) + amp2 * np.sin(2 * np.pi * t)
    xs = p[0] + t * (q[0] - p[0]) + off * nx_
    ys = p[1] + t * (q[1] - p[1]) + off * ny_
    return np.column_stack([xs, ys])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20201031)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--plot", type=Path, default=None, help="also draw a map (PNG, matplotlib)")
    ap.add_argument("--dry-run", action="store_true", help="build, print sizes, write nothing")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    cx, cy = X0 + BOX / 2, Y0 + BOX / 2
    rfun = outline(rng)

    # ---------------- raster of the county (100 m cells) -----------------------------
    g = np.arange(X0 + CELL / 2, X0 + BOX, CELL)
    GX, GY = np.meshgrid(g, np.arange(Y0 + CELL / 2, Y0 + BOX, CELL))
    inside = inside_county(GX, GY, cx, cy, rfun)
    cells = np.column_stack([GX[inside], GY[inside]])
    county_km2 = len(cells) * CELL * CELL / 1e6

    # ---------------- river (NW -> SE, through the south of the county seat) --------
    seat = np.array([cx - 1500.0, cy - 800.0])
    river_ctrl = np.array([[X0 - 2000, Y0 + BOX * 0.85], [seat[0] - 9000, seat[1] + 5000],
                           [seat[0] - 2500, seat[1] - 4200], [seat[0] + 7000, seat[1] - 5200],
                           [X0 + BOX + 2000, Y0 + BOX * 0.12]])
    river = []
    for a, b in zip(river_ctrl[:-1], river_ctrl[1:]):
        seg = np.vstack([a, polyline(rng, a, b, 200.0, 0.08)])
        river.append(seg)
    river = np.vstack(river + [river_ctrl[-1:]])
    river_tree = cKDTree(river)

    # ---------------- county seat and township seats --------------------------------
    seats = [seat]
    tries = 0
    while len(seats) < len(TOWNSHIPS) and tries < 20000:
        tries += 1
        p = rng.uniform([X0, Y0], [X0 + BOX, Y0 + BOX])
        if not inside_county(p[0], p[1], cx, cy, rfun, margin=3500.0):
            continue
        d = np.hypot(*(np.array(seats) - p).T)
        if d[0] < 9000 or (len(d) > 1 and d[1:].min() < 8500):
            continue
        seats.append(p)
    seats = np.array(seats)
    assert len(seats) == len(TOWNSHIPS), len(seats)
    # built-up footprints: ellipses (semi-axes a, b metres)
    axes = [(3500.0, 2800.0)] + [tuple(rng.uniform([900, 750], [1500, 1200])) for _ in seats[1:]]
    # round to the 100 m lattice
    seats = np.round(seats / 100.0) * 100.0

    def in_town(x, y, k, pad=0.0):
        a, b = axes[k]
        return ((np.asarray(x) - seats[k, 0]) / (a + pad)) ** 2 + \
            ((np.asarray(y) - seats[k, 1]) / (b + pad)) ** 2 <= 1.0

    def town_of(x, y, pad=0.0):
        out = np.full(np.shape(x), -1)
        for k in range(len(seats)):
            out[(out < 0) & in_town(x, y, k, pad)] = k
        return out

    roads = Roads()
    lattice: list[dict] = []  # per town: (i, j) -> node id
    for k, (sx, sy) in enumerate(seats):
        a, b = axes[k]
        ii = np.arange(-int(a // 100), int(a // 100) + 1)
        jj = np.arange(-int(b // 100), int(b // 100) + 1)
        lat = {}
        for i in ii:
            for j in jj:
                x, y = sx + 100.0 * i, sy + 100.0 * j
                if in_town(x, y, k):
                    lat[(i, j)] = roads.node(x, y)
        for (i, j), u in lat.items():
            for di, dj in ((1, 0), (0, 1)):
                v = lat.get((i + di, j + dj))
                if v is None:
                    continue
                line = j if di == 1 else i  # the street the edge lies on
                if k == 0:
                    cls = "urban_arterial" if line % 6 == 0 else "urban_street"
                else:
                    cls = "township_main" if line == 0 else "township_street"
                roads.edge(u, v, cls)
        lattice.append(lat)
    town_node_ids = [np.array(list(l.values())) for l in lattice]
    lattice_sets = [set(l.values()) for l in lattice]
    town_trees = [cKDTree(roads.xy()[ids]) for ids in town_node_ids]

    def town_entry(k, toward):
        """Lattice node of town k nearest to the point `toward` (the road's way in)."""
        _, i = town_trees[k].query(toward)
        return int(town_node_ids[k][i])

    # ---------------- trunk roads -------------------------------------------------------
    def road(p_node, q_node, cls, step, wiggle, p_xy=None, q_xy=None):
        """A rural road between two nodes, new nodes every ~step m; grids are entered
        at their edge and not crossed (inner parts of a polyline inside a built-up
        area are dropped and joined to the lattice)."""
        P = np.array([roads.x[p_node], roads.y[p_node]]) if p_xy is None else p_xy
        Q = np.array([roads.x[q_node], roads.y[q_node]]) if q_xy is None else q_xy
        pts = polyline(rng, P, Q, step, wiggle)
        prev, prev_town = p_node, -2
        tw = town_of(pts[:, 0], pts[:, 1]) if len(pts) else np.array([], int)
        for (x, y), t in zip(pts, tw):
            if t >= 0:  # inside a built-up area: its streets carry the traffic
                v = town_entry(t, (x, y))
                if t != prev_town and v != prev:
                    roads.edge(prev, v, cls)
            else:
                v = roads.node(x, y)
                roads.edge(prev, v, cls)
            prev, prev_town = v, t
        if not (prev_town >= 0 and q_node in lattice_sets[prev_town]):
            roads.edge(prev, q_node, cls)

    seat_node = [lattice[k][(0, 0)] if (0, 0) in lattice[k] else town_entry(k, seats[k])
                 for k in range(len(seats))]

    def border_point(theta):
        r = rfun(theta) + 300.0
        return np.array([cx + r * math.cos(theta), cy + r * math.sin(theta)])

    def chain(points_or_towns, cls, step, wiggle):
        """Road through a list of towns (int) and border points (xy), in order."""
        prev = None
        for item in points_or_towns:
            if isinstance(item, (int, np.integer)):
                node = None
                target = seats[item]
            else:
                node = roads.node(*item)
                target = item
            if prev is not None:
                pk, pn = prev
                a = town_entry(pk, target) if isinstance(pk, (int, np.integer)) else pn
                b = town_entry(item, roads.xy()[a]) if node is None else node
                road(a, b, cls, step, wiggle)
            prev = (item, node)

    def towns_near_line(p, q, width):
        d = q - p
        L = np.hypot(*d)
        rel = seats - p
        t = rel @ d / L
        off = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0]) / L
        sel = [k for k in range(1, len(seats)) if 0 < t[k] < L and off[k] < width]
        return sorted(sel, key=lambda k: t[k])

    # national road G: west -> east through the county seat
    w, e = border_point(math.pi + 0.15), border_point(-0.1)
    gw = towns_near_line(w, seats[0], 4500)
    ge = towns_near_line(seats[0], e, 4500)
    chain([w, *gw, 0, *ge, e], "national", 200.0, 0.05)
    linked = set()
    seq = [0, *gw, *ge]
    # provincial roads: north -> south through the county seat, and NE -> SW
    n_, s_ = border_point(math.pi / 2 + 0.2), border_point(-math.pi / 2 + 0.1)
    sn = towns_near_line(n_, seats[0], 5000)
    ss = towns_near_line(seats[0], s_, 5000)
    chain([n_, *sn, 0, *ss, s_], "provincial", 180.0, 0.06)
    ne, sw = border_point(math.pi / 4), border_point(-3 * math.pi / 4 + 0.2)
    s2 = [k for k in towns_near_line(ne, sw, 5500)]
    chain([ne, *s2, sw], "provincial", 180.0, 0.06)
    for path in ([*gw, 0, *ge], [*sn, 0, *ss], s2):
        for a, b in zip(path[:-1], path[1:]):
            linked.add(frozenset((a, b)))
    on_trunk = set(seq) | set(sn) | set(ss) | set(s2)
    # county roads: MST over the seats (+ short extra links), skipping pairs already linked
    D = np.hypot(*(seats[:, None, :] - seats[None, :, :]).transpose(2, 0, 1))
    mst = minimum_spanning_tree(coo_matrix(np.triu(D))).tocoo()
    pairs = {frozenset((int(a), int(b))) for a, b in zip(mst.row, mst.col)}
    tri = Delaunay(seats)
    extra = sorted({frozenset((int(s[i]), int(s[j]))) for s in tri.simplices
                    for i, j in ((0, 1), (1, 2), (0, 2))} - pairs,
                   key=lambda pr: D[tuple(pr)])
    pairs |= set(extra[:5])
    for pr in sorted(pairs, key=lambda pr: tuple(sorted(pr))):
        if pr in linked:
            continue
        a, b = sorted(pr)
        ua = town_entry(a, seats[b])
        ub = town_entry(b, roads.xy()[ua])
        road(ua, ub, "county", 160.0, 0.07)
    del on_trunk

    # ---------------- villages and village roads -------------------------------------
    ne_dir = np.array([1.0, 1.0]) / math.sqrt(2)

    def village_ok(p):
        ok = inside_county(p[:, 0], p[:, 1], cx, cy, rfun, margin=250.0)
        ok &= town_of(p[:, 0], p[:, 1], pad=350.0) < 0
        dr, _ = river_tree.query(p)
        ok &= dr > 120.0
        # hills in the north-east: fewer villages there
        hill = ((p - np.array([cx, cy])) @ ne_dir) / 20000.0
        keep = rng.uniform(size=len(p)) < np.clip(1.0 - 0.75 * np.clip(hill, 0, 1), 0.2, 1)
        return ok & keep

    villages = poisson_points(rng, 1200, 620.0, village_ok)
    vnodes = np.array([roads.node(x, y) for x, y in villages])
    # anchors: every existing node outside the grids' interiors (trunk + grid nodes)
    anchors = np.arange(int(vnodes[0]))
    allxy = roads.xy()
    pts = np.vstack([allxy[anchors], villages])
    ids = np.concatenate([anchors, vnodes])
    n_a = len(anchors)
    tri = Delaunay(pts)
    ed = set()
    for s in tri.simplices:
        for i, j in ((0, 1), (1, 2), (0, 2)):
            a, b = sorted((int(s[i]), int(s[j])))
            if b >= n_a:  # at least one village
                ed.add((a, b))
    ed = np.array(sorted(ed))
    L = np.hypot(*(pts[ed[:, 0]] - pts[ed[:, 1]]).T)
    # anchors pre-joined with tiny weights so the MST grows villages off the network
    chain_a = np.column_stack([np.arange(n_a - 1), np.arange(1, n_a)])
    rows = np.concatenate([ed[:, 0], chain_a[:, 0]])
    cols = np.concatenate([ed[:, 1], chain_a[:, 1]])
    wts = np.concatenate([L, np.full(len(chain_a), 1e-6)])
    M = minimum_spanning_tree(coo_matrix((wts, (rows, cols)), shape=(len(pts), len(pts)))).tocoo()
    tree_edges = {(min(a, b), max(a, b)) for a, b, w_ in zip(M.row, M.col, M.data)
                  if max(a, b) >= n_a and w_ > 1e-5}
    loops = [(int(a), int(b)) for (a, b), l_ in zip(ed, L)
             if (int(a), int(b)) not in tree_edges and a >= n_a and l_ < 1500.0
             and rng.uniform() < 0.22]
    for a, b in sorted(tree_edges) + loops:
        road(int(ids[a]), int(ids[b]), "village", 100.0, 0.10)

    # ---------------- network tables -------------------------------------------------
    xy = roads.xy()
    E = pd.DataFrame(roads.edges, columns=["u", "v", "metres", "road_class"])
    E["minutes"] = E["metres"] / (E["road_class"].map(SPEED) * 1000.0 / 60.0)
    # keep the fastest of parallel edges
    key = np.minimum(E.u, E.v).astype(np.int64) * 10**6 + np.maximum(E.u, E.v)
    E = E.assign(key=key).sort_values(["key", "minutes"]).drop_duplicates("key").drop(columns="key")
    n_nodes = len(xy)
    ncomp, lab = connected_components(
        coo_matrix((np.ones(len(E)), (E.u, E.v)), shape=(n_nodes, n_nodes)), directed=False)
    big = np.bincount(lab).argmax()
    keep_nodes = np.nonzero(lab == big)[0]
    if ncomp > 1:
        print(f"dropping {n_nodes - len(keep_nodes)} nodes in {ncomp - 1} small components",
              file=sys.stderr)
    remap = -np.ones(n_nodes, dtype=np.int64)
    remap[keep_nodes] = np.arange(len(keep_nodes))
    E = E[(remap[E.u] >= 0) & (remap[E.v] >= 0)]
    E = E.assign(u=remap[E.u.to_numpy()], v=remap[E.v.to_numpy()])
    E = E[["u", "v", "minutes", "metres", "road_class"]].sort_values(["u", "v"])
    E["minutes"] = E["minutes"].round(4)
    E["metres"] = E["metres"].round(1)
    nodes = pd.DataFrame({"x": xy[keep_nodes, 0].round(1), "y": xy[keep_nodes, 1].round(1)},
                         index=pd.Index(np.arange(len(keep_nodes)), name="id"))

    # ---------------- demand points --------------------------------------------------
    ct = town_of(cells[:, 0], cells[:, 1])
    demand_rows = []
    seat_pop = [215000.0] + list(rng.uniform(5000, 14000, len(seats) - 1))
    for k in range(len(seats)):
        sel = cells[ct == k]
        bx = np.floor((sel[:, 0] - seats[k, 0] + 50) / 300.0).astype(int)
        by = np.floor((sel[:, 1] - seats[k, 1] + 50) / 300.0).astype(int)
        blocks = pd.DataFrame({"x": sel[:, 0], "y": sel[:, 1], "bx": bx, "by": by})
        agg = blocks.groupby(["bx", "by"]).agg(x=("x", "mean"), y=("y", "mean"),
                                                cells=("x", "size")).reset_index()
        a, b = axes[k]
        r = np.hypot((agg.x - seats[k, 0]) / a, (agg.y - seats[k, 1]) / b)
        dens = np.exp(-1.6 * r) * rng.lognormal(0, 0.25, len(agg))
        w_ = dens * agg.cells
        pop = seat_pop[k] * w_ / w_.sum()
        for (_, row), p_ in zip(agg.iterrows(), pop):
            demand_rows.append(dict(x=row.x, y=row.y, population=p_, area_m2=row.cells * 1e4,
                                    township=TOWNSHIPS[k], urban=True))
    # rural: each non-urban cell belongs to its nearest village
    rural_cells = cells[ct < 0]
    _, owner = cKDTree(villages).query(rural_cells)
    v_area = np.bincount(owner, minlength=len(villages)) * 1e4
    v_pop = rng.lognormal(math.log(120), 0.6, len(villages))
    hill = ((villages - np.array([cx, cy])) @ ne_dir) / 20000.0
    v_pop *= np.clip(1.0 - 0.5 * np.clip(hill, 0, 1), 0.4, 1)
    v_pop *= 175000.0 / v_pop.sum()
    _, v_town = cKDTree(seats).query(villages)
    for i, (x, y) in enumerate(villages):
        demand_rows.append(dict(x=x, y=y, population=v_pop[i], area_m2=v_area[i],
                                township=TOWNSHIPS[v_town[i]], urban=False))
    demand = pd.DataFrame(demand_rows)
    demand["population"] = demand["population"].round(0)
    demand = demand[(demand.area_m2 > 0) | (demand.population > 0)].reset_index(drop=True)
    demand.insert(0, "id", [f"D{i:04d}" for i in range(len(demand))])
    demand["x"] = demand["x"].round(1)
    demand["y"] = demand["y"].round(1)

    # ---------------- hazards and the rest ------------------------------------------
    def near(p, spread, n):
        return np.asarray(p) + rng.normal(0, spread, (n, 2))

    def in_cty(p):
        return inside_county(p[:, 0], p[:, 1], cx, cy, rfun, margin=500.0)

    def pick(points, n):
        points = points[in_cty(points)]
        return points[:n]

    ne_corner = np.array([cx, cy]) + ne_dir * 12000
    chem_town = int(np.argsort(np.hypot(*(seats - seats[0]).T))[2])  # a near township
    chem_park = seats[chem_town] + np.array([1800.0, -600.0])
    rail_line = [seats[0] + np.array([-1200.0, 3300.0])]
    hz = []

    def add_h(kind, skill, pts, crew, max_min, weight, name):
        for i, p in enumerate(pts):
            hz.append(dict(x=p[0], y=p[1], hazard_type=kind, skill=skill,
                           crew_needed=int(crew[i] if np.ndim(crew) else crew),
                           max_minutes=float(max_min), weight=float(weight[i] if np.ndim(weight)
                                                                    else weight),
                           name=f"{name}{i + 1}"))

    mines = pick(near(ne_corner, 5000, 30), 9)
    add_h("quarry", "non_coal_mine", mines, rng.integers(15, 30, 9), 45, rng.integers(2, 5, 9),
          "非煤矿山")
    cons = pick(near(seats[0], 1800, 20), 8)
    add_h("construction site", "construction", cons, rng.integers(10, 25, 8), 30,
          rng.integers(1, 4, 8), "建筑工地")
    chem = pick(near(chem_park, 500, 20), 7)
    add_h("chemical plant", "hazardous_chemicals", chem, rng.integers(15, 35, 7), 30,
          rng.integers(3, 6, 7), "化工企业")
    rail = pick(np.array([rail_line[0], seats[0] + [4200.0, 3900.0], seats[0] + [-9000.0, 5200.0],
                          seats[0] + [-15000.0, 7800.0]]), 4)
    add_h("railway", "rail_transit", rail, [30, 20, 20, 25], 30, [4, 2, 2, 3], "铁路")
    fl = river[np.linspace(10, len(river) - 10, 12).astype(int)]
    fl = pick(fl, 10)
    add_h("flood point", "flood", fl, rng.integers(20, 60, len(fl)), 60, rng.integers(2, 5, len(fl)),
          "防洪险段")
    hazards = pd.DataFrame(hz)
    hazards.insert(0, "id", [f"H{i + 1:02d}" for i in range(len(hazards))])

    # enterprises: firms of each kind near their hazards
    ent = []
    for skill, src_pts, n in (("non_coal_mine", mines, 12), ("construction", cons, 20),
                              ("hazardous_chemicals", chem, 14), ("rail_transit", rail, 3),
                              ("flood", fl, 6)):
        base = src_pts[rng.integers(0, len(src_pts), n)]
        pts = base + rng.normal(0, 400, (n, 2))
        pts = pts[in_cty(pts)]
        for p in pts:
            ent.append(dict(x=p[0], y=p[1], skill=skill))
    enterprises = pd.DataFrame(ent)
    enterprises.insert(0, "id", [f"E{i + 1:03d}" for i in range(len(enterprises))])

    # venues
    ven = []
    for kind, centre, spread, n in (("crowded venue", seats[0], 1200, 18),
                                    ("school", seats[0], 1700, 12),
                                    ("hospital", seats[0], 1300, 4)):
        for p in pick(near(centre, spread, n * 2), n):
            ven.append(dict(x=p[0], y=p[1], kind=kind))
    for k in range(1, len(seats)):
        ven.append(dict(x=seats[k, 0] + rng.normal(0, 300), y=seats[k, 1] + rng.normal(0, 300),
                        kind="school"))
        if k % 3 == 0:
            ven.append(dict(x=seats[k, 0] + rng.normal(0, 300),
                            y=seats[k, 1] + rng.normal(0, 300), kind="hospital"))
        if k % 2 == 0:
            ven.append(dict(x=seats[k, 0] + rng.normal(0, 300),
                            y=seats[k, 1] + rng.normal(0, 300), kind="crowded venue"))
    # hazardous goods: petrol stations along trunk roads, LPG depots, the chemical park
    trunk = E[E.road_class.isin(["national", "provincial"])]
    tn = trunk.u.to_numpy()[rng.choice(len(trunk), 16, replace=False)]
    for n_ in tn:
        ven.append(dict(x=nodes.x.iloc[n_] + 25.0, y=nodes.y.iloc[n_] + 25.0,
                        kind="hazardous goods"))
    for p in chem[:4]:
        ven.append(dict(x=p[0] + 60.0, y=p[1] + 60.0, kind="hazardous goods"))
    venues = pd.DataFrame(ven)
    venues.insert(0, "id", [f"V{i + 1:03d}" for i in range(len(venues))])

    # risk: high near chemical plants, crowded venues and in the old town core
    dxy = demand[["x", "y"]].to_numpy()
    hot = np.vstack([chem, venues.loc[venues.kind == "crowded venue", ["x", "y"]].to_numpy()])
    dh, _ = cKDTree(hot).query(dxy)
    core = np.hypot(*(dxy - seats[0]).T) < 900
    demand["risk"] = np.where((dh < 500) | core, "high", "normal")
    # incidents per year: fire & rescue calls; urban 2.4, rural 1.6 per 1000 people, x1.5 high risk
    rate = np.where(demand.urban, 2.4, 1.6) / 1000.0 * np.where(demand.risk == "high", 1.5, 1.0)
    demand["incidents_per_year"] = (demand.population * rate).round(3)
    dr, _ = river_tree.query(dxy)
    demand["river_m"] = dr.round(0)

    # ---------------- stations and units ---------------------------------------------
    stations = pd.DataFrame([
        dict(id="S1", name="城关特勤消防站", x=seats[0, 0] + 800.0, y=seats[0, 1] + 300.0,
             station_class="special", engines=6, ladders=2, staff=46, urban_edge=False,
             gfa_m2=4200.0),
        dict(id="S2", name="城西一级消防站", x=seats[0, 0] - 2200.0, y=seats[0, 1] - 500.0,
             station_class="class1", engines=4, ladders=1, staff=27, urban_edge=True,
             gfa_m2=2500.0),
        dict(id="S3", name=f"{TOWNSHIPS[chem_town]}小型消防站", x=seats[chem_town, 0] + 200.0,
             y=seats[chem_town, 1] - 100.0, station_class="small", engines=2, ladders=0, staff=15,
             urban_edge=False, gfa_m2=700.0),
    ])
    units = []
    spec_units = {"S1": [("engine", 6), ("ladder", 2), ("rescue", 1), ("hazmat", 1),
                         ("ambulance", 1)],
                  "S2": [("engine", 4), ("ladder", 1), ("rescue", 1)],
                  "S3": [("engine", 2), ("ambulance", 1)]}
    for st, lst in spec_units.items():
        for typ, n in lst:
            for i in range(n):
                units.append(dict(id=f"{st}-{typ[:3].upper()}{i + 1}", station=st, type=typ,
                                  crew={"engine": 5, "ladder": 3, "rescue": 5, "hazmat": 4,
                                        "ambulance": 3}[typ]))
    units = pd.DataFrame(units)

    # ---------------- candidates ------------------------------------------------------
    cand = []
    for p in pick(near(seats[0], 2200, 60), 26):
        cand.append(p)
    for k in range(1, len(seats)):
        for _ in range(2 if k % 2 else 3):
            cand.append(seats[k] + rng.normal(0, 450, 2))
    tnodes = trunk.v.to_numpy()[rng.choice(len(trunk), 8, replace=False)]
    for n_ in tnodes:
        cand.append(np.array([nodes.x.iloc[n_] + 40.0, nodes.y.iloc[n_] - 40.0]))
    cand = np.array(cand)
    uses = []
    for i, p in enumerate(cand):
        u = ["fire"] if rng.uniform() < 0.75 else []
        if rng.uniform() < 0.35:
            u.append("shelter")
        if rng.uniform() < 0.25:
            u.append("team_base")
        if rng.uniform() < 0.2:
            u.append("depot")
        uses.append(";".join(u or ["fire"]))
    area = rng.uniform(3000, 16000, len(cand)).round(-2)
    urban_c = town_of(cand[:, 0], cand[:, 1], pad=300) == 0
    cost = (np.where(urban_c, 16e6, 11e6) * rng.uniform(0.8, 1.25, len(cand)) + area * 600).round(-4)
    candidates = pd.DataFrame({"id": [f"C{i + 1:02d}" for i in range(len(cand))],
                               "x": cand[:, 0], "y": cand[:, 1], "cost": cost, "uses": uses,
                               "area_m2": area})

    # ---------------- rescue teams ----------------------------------------------------
    teams = pd.DataFrame([
        dict(id="T1", name="县矿山救护队", x=ne_corner[0] - 3000, y=ne_corner[1] - 2500,
             skills="non_coal_mine", crew=24, vehicles=4),
        dict(id="T2", name="县建筑施工救援队", x=seats[0, 0] - 600, y=seats[0, 1] + 900,
             skills="construction", crew=30, vehicles=5),
        dict(id="T3", name="化工园区危化品救援队", x=chem_park[0] - 300, y=chem_park[1] + 200,
             skills="hazardous_chemicals", crew=22, vehicles=4),
        dict(id="T4", name="城关防汛抢险队", x=seats[0, 0] - 1200, y=seats[0, 1] - 1800,
             skills="flood;construction", crew=40, vehicles=6),
        dict(id="T5", name=f"{TOWNSHIPS[3]}防汛抢险队", x=seats[3, 0] + 150, y=seats[3, 1] - 150,
             skills="flood", crew=25, vehicles=3),
        dict(id="T6", name="铁路应急救援分队", x=rail[0][0] + 150, y=rail[0][1] + 100,
             skills="rail_transit", crew=12, vehicles=2),
        dict(id="T7", name="县消防救援大队特勤队", x=seats[0, 0] + 850, y=seats[0, 1] + 350,
             skills="hazardous_chemicals;construction;flood", crew=18, vehicles=3),
    ])

    # ---------------- depots, items, stock -------------------------------------------
    dsel = [0] + sorted(rng.choice(np.arange(1, len(seats)), 3, replace=False).tolist())
    depots = pd.DataFrame([
        dict(id=f"P{i + 1}", name=("县应急物资储备库" if k == 0 else f"{TOWNSHIPS[k]}物资储备点"),
             x=seats[k, 0] + (900.0 if k == 0 else 250.0), y=seats[k, 1] - 400.0 if k == 0 else
             seats[k, 1] + 200.0, capacity=3000.0 if k == 0 else 600.0,
             open_cost=0.0, existing=True, level=("county" if k == 0 else "township"))
        for i, k in enumerate(dsel)])
    items = pd.DataFrame([
        dict(item="water", unit="L", per_person_per_day=15.0, days=3.0, unit_volume=0.001,
             unit_cost=1.2, source="Sphere 2018 water supply std 1: >=15 L/person/day (rules S5-009)"),
        dict(item="food_ration", unit="ration (2100 kcal)", per_person_per_day=1.0, days=3.0,
             unit_volume=0.002, unit_cost=30.0,
             source="Sphere 2100 kcal/person/day (rules S5-020, UNCONFIRMED); one ration = one day"),
        dict(item="tent", unit="tent (12 m2)", per_person_per_day=0.2917, days=1.0,
             unit_volume=0.15, unit_cost=1800.0,
             source="3.5 m2 covered area/person (Sphere, rules S5-018) / 12 m2 tent (rules S5-022)"),
        dict(item="quilt", unit="piece", per_person_per_day=1.0, days=1.0, unit_volume=0.025,
             unit_cost=160.0, source="ASSUMPTION: one quilt per person (local practice)"),
        dict(item="folding_bed", unit="piece", per_person_per_day=0.5, days=1.0,
             unit_volume=0.05, unit_cost=120.0, source="ASSUMPTION: one bed per two persons"),
        dict(item="soap", unit="g", per_person_per_day=8.33, days=30.0, unit_volume=1e-6,
             unit_cost=0.02, source="Sphere 250 g/person/month (rules S5-017)"),
        dict(item="portable_toilet", unit="unit", per_person_per_day=0.05, days=1.0,
             unit_volume=1.2, unit_cost=2500.0, source="Sphere <=20 persons/latrine (rules S5-014)"),
        dict(item="medical_kit", unit="kit", per_person_per_day=0.01, days=1.0, unit_volume=0.01,
             unit_cost=300.0, source="ASSUMPTION: one first-aid kit per 100 persons"),
        dict(item="flashlight", unit="piece", per_person_per_day=0.25, days=1.0, unit_volume=0.001,
             unit_cost=25.0, source="ASSUMPTION: one per household of 4"),
        dict(item="sandbag", unit="bag", per_person_per_day=0.0, days=1.0, unit_volume=0.03,
             unit_cost=3.0, source="ASSUMPTION: flood works stock, not a per-person norm"),
    ])
    stock_rows = []
    share = {"county": 1.0, "township": 0.12}
    # county depot holds roughly 3,500-6,000 evacuees' worth per item (rules S5-001 asks 5,000)
    base_qty = {"water": 160000.0, "food_ration": 16000.0, "tent": 1600.0, "quilt": 6000.0,
                "folding_bed": 2800.0, "soap": 1000000.0, "portable_toilet": 180.0,
                "medical_kit": 60.0, "flashlight": 1500.0, "sandbag": 30000.0}
    expiry = {"water": ["2026-09-30", "2027-03-31", "2027-10-31"],
              "food_ration": ["2026-12-31", "2027-06-30"], "medical_kit": ["2027-01-31", "2028-05-31"]}
    for _, d in depots.iterrows():
        for it, q in base_qty.items():
            if d.level == "township" and it in ("portable_toilet", "soap") and rng.uniform() < 0.5:
                continue
            dates = expiry.get(it, [None])
            for j, dt in enumerate(dates):
                qty = q * share[d.level] * rng.uniform(0.9, 1.1) / len(dates)
                stock_rows.append(dict(depot=d.id, item=it, quantity=float(round(qty, 0)),
                                       expires=dt))
    stock = pd.DataFrame(stock_rows)

    # ---------------- shelters -------------------------------------------------------
    sh = []
    for p in pick(near(seats[0], 1800, 40), 16):
        sh.append(dict(x=p[0], y=p[1], shelter_class="emergency",
                       area_m2=round(float(rng.uniform(2500, 14000)), -2)))
    for p in pick(near(seats[0], 2000, 10), 4):
        sh.append(dict(x=p[0], y=p[1], shelter_class="fixed",
                       area_m2=round(float(rng.uniform(15000, 60000)), -2)))
    for k in range(1, len(seats)):
        sh.append(dict(x=seats[k, 0] + rng.normal(0, 250), y=seats[k, 1] + rng.normal(0, 250),
                       shelter_class="emergency", area_m2=round(float(rng.uniform(2000, 9000)), -2)))
        if k % 3 == 1:
            sh.append(dict(x=seats[k, 0] + rng.normal(0, 400), y=seats[k, 1] + rng.normal(0, 400),
                           shelter_class="fixed", area_m2=round(float(rng.uniform(10000, 30000)), -2)))
    shelters = pd.DataFrame(sh)
    shelters.insert(0, "id", [f"SH{i + 1:02d}" for i in range(len(shelters))])

    # ---------------- indicators -----------------------------------------------------
    indicators = make_indicators(rng, float(demand.population.sum()),
                                 float(shelters.area_m2.sum()))

    # ---------------- round and write ------------------------------------------------
    for df in (stations, candidates, teams, hazards, enterprises, venues, depots, shelters):
        df["x"] = df["x"].astype(float).round(1)
        df["y"] = df["y"].astype(float).round(1)

    print(f"nodes {len(nodes)}, edges {len(E)}, demand {len(demand)} "
          f"(urban {int(demand.urban.sum())}, {demand.area_m2[demand.urban].sum() / 1e6:.1f} km2), "
          f"population {demand.population.sum():,.0f}, county {county_km2:.1f} km2", file=sys.stderr)
    print(E.road_class.value_counts().to_dict(), file=sys.stderr)
    if args.plot:
        plot(args.plot, nodes, E, demand, river, seats)
    if args.dry_run:
        return
    sys.path.insert(0, str(ROOT / "src"))
    import yingji as yj
    from yingji.county import County

    net = yj.Network.from_edges(E, nodes=nodes, source="u", target="v", weight="minutes",
                                directed=False, length="metres")
    meta = {
        "name": "XX县",
        "crs": "EPSG:4547",
        "area_km2": round(county_km2, 2),
        "standard": "GB51080",
        "description": "Synthetic sample county of yingji (scripts/make_sample_county.py); "
                       "not a real place.",
        "seed": args.seed,
        "population_note": "persons, 2025 estimate (synthetic)",
        "time_limits": {"solve": 60.0, "demo_section": 20.0},
    }
    county = County(net, demand=demand, stations=stations, units=units, candidates=candidates,
                    teams=teams, hazards=hazards, enterprises=enterprises, venues=venues,
                    depots=depots, stock=stock, items=items, shelters=shelters,
                    indicators=indicators, meta=meta)
    county.save(args.out)
    # roads.csv: add the road class of each segment (County.load ignores extra columns)
    saved = pd.read_csv(args.out / "roads.csv")
    cls = E.assign(a=np.minimum(E.u, E.v), b=np.maximum(E.u, E.v)).set_index(["a", "b"])["road_class"]
    key = pd.MultiIndex.from_arrays([np.minimum(saved.u, saved.v), np.maximum(saved.u, saved.v)])
    saved["road_class"] = cls.reindex(key).to_numpy()
    saved.to_csv(args.out / "roads.csv", index=False, lineterminator="\n")
    print(county.summary())
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.iterdir())}
    print({k: f"{v / 1e6:.2f} MB" for k, v in sizes.items()})


def plot(path, nodes, E, demand, river, seats):
    """Map of roads (by class), river, demand points (size ~ population)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    fig, ax = plt.subplots(figsize=(9, 9))
    xy = nodes[["x", "y"]].to_numpy() / 1000.0
    style = {"national": ("tab:red", 1.6), "provincial": ("tab:orange", 1.3),
             "county": ("goldenrod", 1.0), "village": ("0.6", 0.4),
             "urban_arterial": ("0.2", 0.8), "urban_street": ("0.5", 0.3),
             "township_main": ("0.2", 0.6), "township_street": ("0.5", 0.3)}
    for cls, (col, lw) in style.items():
        e = E[E.road_class == cls]
        segs = np.stack([xy[e.u.to_numpy()], xy[e.v.to_numpy()]], axis=1)
        ax.add_collection(LineCollection(segs, colors=col, linewidths=lw, label=cls))
    ax.plot(river[:, 0] / 1000, river[:, 1] / 1000, color="tab:blue", lw=1.5, label="river")
    d = demand
    ax.scatter(d.x / 1000, d.y / 1000, s=np.sqrt(d.population) / 8, c=np.where(d.urban, "purple",
               "green"), alpha=0.5, lw=0)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.legend(loc="lower left", fontsize=7)
    ax.set_xlabel("x, km (EPSG:4547)")
    ax.set_ylabel("y, km")
    fig.savefig(path, dpi=110, bbox_inches="tight")


def make_indicators(rng, population: float, shelter_area: float) -> pd.DataFrame:
    """Reported values for every S1/S2 metric of the rules table that a county reports.

    Values are in the rule's unit (85 means 85 %); ``exists`` metrics are 1 (true) or
    0 (false). Most pass; the FAILING ones below are chosen to be plausible gaps.
    """
    rules = pd.read_csv(ROOT.parent / "shared" / "rules" / "rules.csv") if (
        ROOT.parent / "shared" / "rules" / "rules.csv").exists() else None
    failing = {
        "old_gas_network_renovation_rate": 72.0,
        "urban_road_utility_tunnel_rate": 1.2,
        "crowded_place_video_coverage_rate": 93.5,
        "hazchem_sis_equipped_rate": 88.0,
        "municipal_hydrant_intact_rate": 96.2,
        "fire_station_vehicles_compliance_rate": 85.0,
        "specialised_team_joint_training": 0.0,
        "supply_info_system_exists": 0.0,
        "shelter_area_per_capita": round(shelter_area / population, 2),
        "geohazard_site_auto_monitoring": 0.0,
        "school_150m_traffic_facility_compliance_rate": 91.0,
        "digital_enforcement_rate": 84.0,
        "funded_security_project_count": 11.0,
        "open_issue_count": 7.0,
        "weather_warning_public_coverage_rate": 88.0,
        "old_housing_hazard_rectification_rate": 94.0,
        "key_vehicle_smart_video_alarm_rate": 90.0,
        "fire_station_equipment_compliance_rate": 85.0,
        "school_hospital_calming_device_rate": 90.0,
    }
    skip = {  # national-rule bookkeeping, not county figures; or computed from the models
        "years_since_naming", "score_source_governance", "score_risk_prevention",
        "plan_gap_deduction_per_item", "facility_regulation_gap_deduction",
        "hydrant_defect_deduction", "large_event_participants_threshold",
        "fire_response_edge_minutes", "applicant_admin_level_eligible",
    }
    if rules is None:
        raise SystemExit("../shared/rules/rules.csv is needed to name the indicators")
    rows = []
    seen = set()
    for r in rules.itertuples():
        if not (r.id.startswith("S1") or r.id.startswith("S2")) or r.metric in seen:
            continue
        if r.metric in skip:
            continue
        seen.add(r.metric)
        if r.metric in failing:
            v = failing[r.metric]
        elif r.operator == "exists":
            v = 1.0
        elif str(r.threshold) == "unspecified":
            v = 86.5
        else:
            t = float(r.threshold)
            v = {">=": t, "==": t, "<=": t, ">": t + (5.0 if t >= 50 else 1.0), "<": t - 1}[r.operator]
            if r.unit == "%" and r.operator == ">":
                v = min(100.0, round(t + rng.uniform(3, 15), 1))
        rows.append(dict(metric=r.metric, value=float(v), year=2025,
                         note=("FAILING on purpose" if r.metric in failing else "")))
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
