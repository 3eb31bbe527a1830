"""County maps in one style: roads by class, station districts, service areas, unreached demand,
new sites, township names; axes in km with a scale bar and a north arrow.

Base layer: draws any object carrying a county's tables (``network``, ``demand``, ``stations``,
``shelters``, ``meta``) without importing the county package. Districts and service areas are
approximated from the road network: each road node belongs to the station it reaches first
(driving minutes from the station), a road segment is in a station's service area when both its
ends are reached within ``minutes``. A caller holding real polygons passes them as
``districts=`` (a sequence of ``(label, [(x, y), ...])`` rings in the county's metres).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._render.figures import cjk_font_name, font_kw, new_figure
from yingji._render.messages import t

__all__ = ["county_map", "map_figure", "road_classes", "place_labels"]

#: Road classes by free-flow speed (km/h): (lower bound, key, colour, width).
ROAD_CLASSES = ((50.0, "arterial", "#5b4636", 1.3), (33.0, "main", "#8d7b6d", 0.7),
                (0.0, "local", "#b3aaa1", 0.35))
_CLASS_NAMES = {"arterial": ("highways and arterials (≥ 50 km/h)", "干线公路(≥50公里/时)"),
                "main": ("main roads (35–45 km/h)", "主要道路(35–45公里/时)"),
                "local": ("streets and rural roads (≤ 30 km/h)", "街道及乡村道路(≤30公里/时)")}
_PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
            "#bcbd22", "#7f7f7f", "#d62728")


def road_classes(edges: pd.DataFrame) -> np.ndarray:
    """Class key of each road segment: a ``road_class`` column when present, else by speed."""
    if "road_class" in edges.columns:
        rc = edges["road_class"].astype(str).str.lower()
        return np.where(rc.str.contains("high|express|trunk|primary|arterial|national|provincial"),
                        "arterial", np.where(rc.str.contains("secondary|tertiary|main|county"),
                                             "main", "local"))
    speed = 0.06 * edges["metres"].to_numpy(float) / np.maximum(edges["minutes"].to_numpy(float),
                                                                1e-9)
    out = np.full(len(edges), "local", dtype=object)
    for lo, key, _c, _w in reversed(ROAD_CLASSES):
        out[speed >= lo] = key
    return out


def _nice_length(span_km: float) -> float:
    target = span_km / 5
    for v in (0.5, 1, 2, 5, 10, 20, 50, 100):
        if v >= target:
            return float(v)
    return 100.0


def _scale_bar_and_north(ax, span_km: float, lang: str, fkw: dict) -> None:
    from matplotlib.offsetbox import AnchoredOffsetbox, AuxTransformBox, TextArea, VPacker
    from matplotlib.patches import Rectangle

    L = _nice_length(span_km)
    box = AuxTransformBox(ax.transData)
    for i in range(2):
        box.add_artist(Rectangle((i * L / 2, 0), L / 2, span_km / 120, fc="k" if i == 0 else "w",
                                 ec="k", lw=0.6))
    unit = "公里" if lang == "zh" else "km"
    lab = TextArea(f"0      {L / 2:g}      {L:g} {unit}", textprops={"size": 7, **fkw})
    packed = VPacker(children=[box, lab], align="left", pad=0, sep=2)
    ax.add_artist(AnchoredOffsetbox(loc="lower left", child=packed, pad=0.4, borderpad=0.6,
                                    frameon=True, prop={"size": 7}))
    ax.annotate(t("north", lang), xy=(0.955, 0.965), xytext=(0.955, 0.87),
                xycoords="axes fraction", ha="center", va="center", fontsize=9,
                fontweight="bold", arrowprops=dict(arrowstyle="-|>", color="k", lw=1.4), **fkw)


def _station_times(net, nodes_from, node_ids) -> np.ndarray:
    if len(nodes_from) == 0:
        return np.full((0, len(node_ids)), np.inf)
    return np.asarray(net.travel_times(np.asarray(nodes_from), np.asarray(node_ids)), dtype=float)


def _township_labels(township, dx, dy, pop, fkw) -> list:
    """``(name, x, y, font kwargs)`` of each township at its population-weighted centre (km);
    a Chinese name is left out when no CJK font can draw it."""
    out = []
    g = pd.DataFrame({"t": township.astype(str).to_numpy(), "x": dx, "y": dy, "w": pop + 1e-9})
    for name, grp in g.groupby("t", sort=True):
        cx = np.average(grp["x"], weights=grp["w"])
        cy = np.average(grp["y"], weights=grp["w"])
        # a Chinese name needs a CJK font (apply_font puts it on English maps too)
        if not (name.isascii() or fkw or cjk_font_name()):
            continue
        tkw = fkw or ({} if name.isascii() else  # an English map: the name's own font
                      {"fontfamily": [cjk_font_name(), "DejaVu Sans"]})
        out.append((name, float(cx), float(cy), tkw))
    return out


def county_map(county, *, ax=None, lang: str = "en", stations=None, new_sites=None,
               minutes: float = 4.0, districts=None, shelters: bool = False,
               demand_minutes=None, title: str | None = None, legend: bool = True,
               townships: bool = True, demand_labels=("reached", "unreached"),
               new_label: str = "new_site"):
    """Draw a county map on ``ax`` (a new figure when None) and return the axes.

    Parameters
    ----------
    county : County
        Anything with ``network``, ``demand`` and ``stations`` tables in projected metres.
    lang : {"en", "zh"}
        Language of legend, labels and township names' companions.
    stations : DataFrame, optional
        Stations with ``x``, ``y``, ``node`` (default: the county's stations, logistics
        stations left out).
    new_sites : DataFrame, optional
        Planned new sites (``x``, ``y``, ``node``): drawn as stars and counted as stations for
        the districts and service areas.
    minutes : float, default 4.0
        Driving minutes of the service areas and of "reached" demand (GB 51080: 4 minutes of
        driving after a 1-minute turnout).
    districts : sequence of (label, ring), optional
        District polygons in metres; when given they replace the node-based districts.
    shelters : bool
        Also draw the shelters.
    demand_minutes : array, optional
        Driving minutes to each demand point (default: computed from the stations).
    demand_labels : (str, str)
        Catalogue keys of the legend entries for demand reached / not reached (a shelter map
        says "sheltered" / "people without a place").
    new_label : str
        Catalogue key of the legend entry for ``new_sites``.

    The axes' ``yingji_origin_m`` holds the (x, y) in metres of the km axes' origin, for a
    caller adding its own layers.
    """
    import matplotlib.collections as mc
    from matplotlib.lines import Line2D

    if ax is None:
        ax = new_figure(7.0, 6.4, lang).subplots()
    fkw = font_kw(ax.figure)
    net = getattr(county, "network", None)
    try:
        edges, nodes = net.to_frames()
    except Exception:  # noqa: BLE001 - no road network (or none with coordinates): no roads
        net, edges, nodes = None, pd.DataFrame(columns=["u", "v", "minutes", "metres"]), \
            pd.DataFrame(columns=["x", "y"])
    st = county.stations if stations is None else stations
    if isinstance(st, pd.DataFrame) and "station_class" in st.columns and stations is None:
        st = st[st["station_class"].astype(str) != "logistics"]
    st = st if isinstance(st, pd.DataFrame) else pd.DataFrame(columns=["x", "y", "node"])
    new = new_sites if isinstance(new_sites, pd.DataFrame) else pd.DataFrame(columns=["x", "y", "node"])
    d = getattr(county, "demand", None)
    sh = getattr(county, "shelters", None) if shelters else None
    pts = [t_[["x", "y"]].to_numpy(float) for t_ in (nodes, d, st, new, sh)
           if isinstance(t_, pd.DataFrame) and len(t_) and {"x", "y"} <= set(t_.columns)]
    allxy = np.vstack(pts) if pts else np.zeros((1, 2))
    x0, y0 = allxy.min(axis=0)
    ax.yingji_origin_m = (float(x0), float(y0))
    xy = nodes[["x", "y"]].to_numpy(float) if len(nodes) else np.zeros((0, 2))
    km = (xy - (x0, y0)) / 1000.0
    pos = pd.Series(np.arange(len(nodes)), index=nodes.index)
    iu = pos.reindex(edges["u"]).to_numpy()
    iv = pos.reindex(edges["v"]).to_numpy()
    ok = ~(pd.isna(iu) | pd.isna(iv))
    iu, iv = iu[ok].astype(int), iv[ok].astype(int)
    segs = np.stack([km[iu], km[iv]], axis=1) if len(iu) else np.zeros((0, 2, 2))
    cls = road_classes(edges[ok]) if len(iu) else np.zeros(0, dtype=object)
    with_nodes = net is not None and len(nodes) and "node" in st.columns and "node" in new.columns
    all_nodes = (list(st["node"]) + list(new["node"])) if with_nodes else []
    T = _station_times(net, all_nodes, list(nodes.index)) if all_nodes else None
    owner = T.argmin(axis=0) if all_nodes else np.full(len(nodes), -1)
    best = T.min(axis=0) if all_nodes else np.full(len(nodes), np.inf)
    handles = []
    labels = []  # township names, placed last (they avoid the markers and each other)
    markers = []  # (x km, y km, radius in points) of the symbols a label must not hide

    # districts (tint) and service areas (strong), under the roads
    if districts:
        from matplotlib.patches import Polygon

        for k, (label, ring) in enumerate(districts):
            r = (np.asarray(ring, float) - (x0, y0)) / 1000.0
            ax.add_patch(Polygon(r, closed=True, fc=_PALETTE[k % 10], alpha=0.15, ec=_PALETTE[k % 10]))
    elif len(all_nodes) and len(segs):
        same = owner[iu] == owner[iv]
        cols = np.array([_PALETTE[o % 10] for o in owner[iu]], dtype=object)
        ax.add_collection(mc.LineCollection(segs[same], colors=list(cols[same]), linewidths=4.0,
                                            alpha=0.22, zorder=1, rasterized=True))
        served = same & (best[iu] <= minutes) & (best[iv] <= minutes)
        ax.add_collection(mc.LineCollection(segs[served], colors=list(cols[served]),
                                            linewidths=2.2, alpha=0.55, zorder=2, rasterized=True))
        handles += [Line2D([], [], color="#1f77b4", lw=5, alpha=0.2, label=t("district", lang)),
                    Line2D([], [], color="#1f77b4", lw=2.5, alpha=0.6,
                           label=f"{t('service_area', lang)} ({minutes:g} {'分钟' if lang == 'zh' else 'min'})")]
    for lo, key, colour, width in ROAD_CLASSES[::-1]:
        m = cls == key
        if m.any():
            ax.add_collection(mc.LineCollection(segs[m], colors=colour, linewidths=width, zorder=3,
                                                rasterized=True))
            handles.append(Line2D([], [], color=colour, lw=max(width, 0.8),
                                  label=_CLASS_NAMES[key][1 if lang == "zh" else 0]))

    # demand: reached small grey, not reached red rings (size ~ population)
    if isinstance(d, pd.DataFrame) and len(d) and {"x", "y"} <= set(d.columns):
        dx = (d["x"].to_numpy(float) - x0) / 1000.0
        dy = (d["y"].to_numpy(float) - y0) / 1000.0
        pop = pd.to_numeric(d.get("population", pd.Series(1.0, index=d.index)),
                            errors="coerce").fillna(0).to_numpy(float)
        size = 2 + 45 * np.sqrt(pop / max(pop.max(), 1.0))
        if demand_minutes is None and all_nodes and "node" in d.columns:
            dm = best[pos.reindex(d["node"]).fillna(-1).astype(int).to_numpy().clip(0)]
        elif demand_minutes is not None:
            dm = np.asarray(demand_minutes, float)
        else:
            dm = None  # nothing to judge reach by: plain demand points
        miss = dm > minutes + 1e-9 if dm is not None else np.zeros(len(d), bool)
        ax.scatter(dx[~miss], dy[~miss], s=size[~miss] * 0.5, c="#607d8b", alpha=0.45, lw=0,
                   zorder=4, rasterized=True)
        if miss.any():
            ax.scatter(dx[miss], dy[miss], s=size[miss], facecolors="none", edgecolors="#c62828",
                       linewidths=0.6, alpha=0.75, zorder=5, rasterized=True)
        handles.append(Line2D([], [], ls="", marker="o", ms=4, color="#607d8b", alpha=0.6,
                              label=t(demand_labels[0] if dm is not None else "demand", lang)))
        if dm is not None:
            handles.append(Line2D([], [], ls="", marker="o", ms=6, mfc="none", mec="#c62828",
                                  label=t(demand_labels[1], lang)))
        if townships and "township" in d.columns:
            labels += _township_labels(d["township"], dx, dy, pop, fkw)
    if shelters:
        if isinstance(sh, pd.DataFrame) and len(sh):
            ax.scatter((sh["x"] - x0) / 1000.0, (sh["y"] - y0) / 1000.0, marker="s", s=18,
                       c="#2e7d32", zorder=6)
            markers += [(x, y, 3.0) for x, y in zip((sh["x"] - x0) / 1000.0, (sh["y"] - y0) / 1000.0)]
            handles.append(Line2D([], [], ls="", marker="s", color="#2e7d32",
                                  label=t("shelter", lang)))
    if len(st):
        sx, sy = (st["x"].to_numpy(float) - x0) / 1000.0, (st["y"].to_numpy(float) - y0) / 1000.0
        ax.scatter(sx, sy, marker="^", s=90, c="#c62828", edgecolors="white", linewidths=0.8,
                   zorder=8)
        markers += [(x, y, 6.0) for x, y in zip(sx, sy)]
        handles.append(Line2D([], [], ls="", marker="^", ms=9, color="#c62828",
                              label=t("fire_station", lang)))
    if len(new):
        nx_, ny_ = (new["x"].to_numpy(float) - x0) / 1000.0, (new["y"].to_numpy(float) - y0) / 1000.0
        ax.scatter(nx_, ny_, marker="*", s=220, c="#0d47a1", edgecolors="white", linewidths=0.8,
                   zorder=9)
        markers += [(x, y, 8.5) for x, y in zip(nx_, ny_)]
        handles.append(Line2D([], [], ls="", marker="*", ms=12, color="#0d47a1",
                              label=t(new_label, lang)))

    ext = (allxy - (x0, y0)) / 1000.0
    span = max(float(np.ptp(ext[:, 0])), float(np.ptp(ext[:, 1])), 1e-3)
    pad = 0.03 * span
    ax.set_xlim(ext[:, 0].min() - pad, ext[:, 0].max() + pad)
    ax.set_ylim(ext[:, 1].min() - pad, ext[:, 1].max() + pad)
    ax.set_aspect("equal")
    # districts, service areas, roads and demand points (zorder ≤ 5) make one image in an SVG
    # (one layer instead of one per collection: a third of the page); axes, names, stations,
    # shelters and new sites stay vectors
    ax.set_rasterization_zorder(5.5)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_zorder(6)
    ax.set_xlabel(t("x_km", lang), **fkw)
    ax.set_ylabel(t("y_km", lang), **fkw)
    ax.tick_params(labelsize=8)
    _scale_bar_and_north(ax, float(np.ptp(ext[:, 0])) or span, lang, fkw)
    if labels:
        place_labels(ax, labels, markers)
    if title:
        ax.set_title(title, fontsize=10, **fkw)
    if legend and handles:
        leg = ax.legend(handles=handles, loc="upper left", fontsize=6.5, framealpha=0.85,
                        bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        if fkw:
            for txt in leg.get_texts():
                txt.set_fontfamily(fkw["fontfamily"])
    return ax


#: Where a label may go around its anchor, in points (tried in this order): on it, above,
#: below, right, left, then the four diagonals, then twice as far.
_OFFSETS = [(0, 0), (0, 9), (0, -9), (14, 0), (-14, 0), (12, 8), (-12, 8), (12, -8), (-12, -8),
            (0, 18), (0, -18), (26, 0), (-26, 0)]


def place_labels(ax, labels, markers=(), *, fontsize: float = 7.5) -> list:
    """Write ``labels`` (``(text, x, y, font kwargs)`` in data units) on ``ax`` where they hide
    no marker and no other label: each tries the positions of :data:`_OFFSETS` around its
    anchor and takes the first free one (else the least covered; a thin leader line joins a
    moved label to its anchor). Labels have a white halo so roads and districts under them stay
    readable. A greedy placement in the order given (the classic point-feature labelling
    heuristic; Christensen, Marks & Shieber 1995, "An empirical study of algorithms for
    point-feature label placement", ACM Trans. Graphics 14(3)). Returns the Text artists."""
    import matplotlib.patheffects as pe

    fig = ax.figure
    try:
        renderer = fig._get_renderer()  # matplotlib >= 3.6, any canvas
    except AttributeError:  # pragma: no cover - older matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    to_px = ax.transData.transform
    ppt = fig.dpi / 72.0
    pts = np.asarray([(x, y) for x, y, _r in markers], float).reshape(-1, 2)
    mk_px = to_px(pts) if len(pts) else np.zeros((0, 2))
    mk_r = np.asarray([r for _x, _y, r in markers], float) * ppt
    taken: list = []
    out = []
    halo = [pe.withStroke(linewidth=2.6, foreground="white", alpha=0.9)]
    for text, x, y, tkw in labels:
        art = ax.text(x, y, text, fontsize=fontsize, ha="center", va="center", zorder=7,
                      color="#263238", path_effects=halo, **tkw)
        best, best_cost = None, np.inf
        for dx, dy in _OFFSETS:
            art.set_position((x, y))
            art.set_transform(ax.transData + _offset(fig, dx, dy))
            bb = art.get_window_extent(renderer).expanded(1.05, 1.1)
            cost = _overlap(bb, mk_px, mk_r) + sum(_box_overlap(bb, o) for o in taken)
            if cost < best_cost - 1e-9:
                best, best_cost = (dx, dy, bb), cost
            if cost <= 0:
                break
        dx, dy, bb = best
        art.set_transform(ax.transData + _offset(fig, dx, dy))
        if (dx, dy) != (0, 0) and abs(dx) + abs(dy) > 12:
            ax.annotate("", xy=(x, y), xytext=(dx * 0.6, dy * 0.6), textcoords="offset points",
                        arrowprops=dict(arrowstyle="-", lw=0.5, color="#546e7a"), zorder=6.5)
        taken.append(bb)
        out.append(art)
    return out


def _offset(fig, dx, dy):
    from matplotlib.transforms import ScaledTranslation

    return ScaledTranslation(dx / 72.0, dy / 72.0, fig.dpi_scale_trans)


def _overlap(bb, centres, radii) -> float:
    """Pixels² of the markers (discs as squares) inside the box ``bb``."""
    if not len(centres):
        return 0.0
    w = np.clip(np.minimum(bb.x1, centres[:, 0] + radii) - np.maximum(bb.x0, centres[:, 0] - radii), 0, None)
    h = np.clip(np.minimum(bb.y1, centres[:, 1] + radii) - np.maximum(bb.y0, centres[:, 1] - radii), 0, None)
    return float((w * h).sum())


def _box_overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return float(w * h) if w > 0 and h > 0 else 0.0


def map_figure(county, *, lang: str = "en", w: float = 8.6, h: float = 6.4, **kw):
    """A new Figure holding :func:`county_map` (legend on the right); English labels when
    ``lang="zh"`` but no CJK font is installed (:func:`yingji._render.figures.figure_lang`)."""
    from yingji._render.figures import figure_lang

    lang = figure_lang(lang)
    fig = new_figure(w, h, lang)
    county_map(county, ax=fig.subplots(), lang=lang, **kw)
    return fig
