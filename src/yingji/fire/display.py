"""How fire assessments and plans show themselves: summary facts and tables in en/zh, and the
county map style (notebooks, ``yingji demo``, ``.plot()``). Duck-typed on the results, so the
result modules import this one, not the other way round."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from yingji._render import Table
from yingji._render.fmt import count, money, number, percent, quantity
from yingji._render.messages import MESSAGES, t, term

__all__ = ["assessment_summary", "plan_summary", "stations_table", "draw_map"]


def stations_table(a, lang: str = "en", ids=None) -> Table:
    """Per station: class, district area (and its limit), population, slowest driving minutes,
    rules failed."""
    st = a.stations if ids is None else a.stations.loc[[i for i in ids if i in a.stations.index]]
    unit_min = "分钟" if lang == "zh" else "min"
    rows = []
    for i, r in st.iterrows():
        lim = r.get("area_limit_km2")
        area = quantity(r["area_km2"], "km2", digits=2, lang=lang)
        if lim == lim and lim is not None:
            area += f" / ≤ {quantity(lim, 'km2', lang=lang)}"
        ok = bool(r.get("compliant"))
        rows.append((str(i), term(r.get("station_class", ""), lang), area,
                     count(r.get("population"), "人", lang=lang),
                     number(r.get("travel_percentile_minutes"), digits=1),
                     (t("pass" if ok else "fail", lang), "s-pass" if ok else "s-fail"),
                     str(r.get("failed_rules", "") or "—").replace(";", "、" if lang == "zh" else "; ")))
    return Table((t("station", lang), t("station_class", lang), t("district_area", lang),
                  t("population", lang), (f"{t('max', lang)}({unit_min})" if lang == "zh" else f"{t('max', lang)} ({unit_min})"), t("status", lang),
                  t("rule", lang)), tuple(rows), ("l", "l", "r", "r", "r", "l", "l"))


#: Provenance of a threshold or profile, in Chinese (the rules table's status column).
_STATUS_ZH = {"CONFIRMED": "已核实", "SEED": "县方案原文", "SECONDARY": "二手来源",
              "DRAFT": "征求意见稿", "ASSUMPTION": "假定"}


def assessment_summary(a, lang: str = "en") -> dict:
    s = a.standard
    facts = [
        (t("fire_stations", lang), count(len(a.stations), lang=lang)),
        ("Standard" if lang == "en" else "标准", str(s.name)),
        ("Driving budget" if lang == "en" else "行车时间标准",
         quantity(a.travel_budget, "min", lang=lang)),
        (t("reached_pop", lang), f"{percent(a.coverage_share)} ({count(a.covered_population, '人', lang=lang)}"
                                 f" / {count(a.scope_population, '人', lang=lang)})"),
        (t("unreached", lang), count(len(a.uncovered), "points", lang=lang)),
        (t("status", lang), t("pass" if a.compliant else "fail", lang)),
    ]
    en = lang == "en"
    if a.rural.get("points", 0):
        facts.append(("Rural population reached" if en else "农村人口按时到达",
                      f"{percent(a.rural['covered_share'])} ({quantity(a.rural['travel_budget'], 'min', lang=lang)}"
                      f"{', ' if en else ','}{a.rural['status'] if en else _STATUS_ZH.get(str(a.rural['status']).upper(), a.rural['status'])})"))
    av = a.availability or {}
    if av.get("expected_share") is not None and np.isfinite(av.get("expected_share", np.nan)):
        facts.append(("Reached counting busy engines" if en else "计入出动占用的按时到达",
                      f"{percent(av['expected_share'])} ({'engines busy' if en else '消防车占用率'} "
                      f"{percent(av['busy'])})"))
    ev = a.checks[a.checks["passed"].notna()] if len(a.checks) else a.checks
    unconf = sorted({r for r, st_ in zip(ev.get("rule", []), ev.get("status", []))
                     if r and not str(st_).upper().startswith("CONFIRMED")})
    if unconf:
        facts.append(("Thresholds not confirmed" if en else "未经确认的阈值", "、".join(unconf) if not en
                      else ", ".join(unconf)))
    return {"title": ("Fire stations: " if lang == "en" else "消防站评估:") + str(s.name),
            "facts": facts, "tables": [stations_table(a, lang)]}


def _new_list(p, lang: str) -> str:
    ids = list(map(str, p.new_stations))
    if lang == "zh":
        return f"{count(p.n_new, 'stations', lang=lang)}:" + "、".join(ids)
    return f"{count(p.n_new, lang=lang)}: " + ", ".join(ids)


def plan_summary(p, lang: str = "en") -> dict:
    b, a = p.before, p.after
    facts = [
        (t("new_sites", lang), _new_list(p, lang) if p.n_new else "0"),
        (t("cost", lang), money(p.cost, lang=lang)),
        (t("reached_pop", lang), f"{percent(b.coverage_share)} → {percent(a.coverage_share)}"),
        (t("unreached", lang), f"{count(len(b.uncovered), lang=lang)} → "
                               f"{count(len(a.uncovered), 'points', lang=lang)}"),
        (t("solve_status", lang), t(p.status, lang) + (f" ({t('gap', lang)} {percent(p.gap, digits=2)})"
                                                      if not p.optimal else "")),
    ]
    cmp = p.compare()
    rows = tuple((t("cmp_" + str(k), lang) if "cmp_" + str(k) in MESSAGES else str(k),
                  percent(r["before"]) if str(k).endswith("_share") else number(r["before"], lang=lang),
                  percent(r["after"]) if str(k).endswith("_share") else number(r["after"], lang=lang))
                 for k, r in cmp.iterrows())
    tables = [Table((t("figure", lang), t("before", lang), t("after", lang)), rows, ("l", "r", "r"))]
    if p.n_new:
        tables.append(stations_table(a, lang, p.new_stations))
    return {"title": "Fire plan" if lang == "en" else "消防站规划", "facts": facts, "tables": tables}


def _nodes_of(ids, county) -> pd.Series:
    """Road node of each station or candidate id (the county's stations, then candidates)."""
    out = pd.Series(np.nan, index=pd.Index(ids), dtype=object)
    for name in ("stations", "candidates"):
        tab = getattr(county, name, None)
        if isinstance(tab, pd.DataFrame) and "node" in tab.columns:
            known = out.isna() & out.index.isin(tab.index)
            out[known] = tab.loc[out.index[known], "node"].to_numpy()
    return out


def draw_map(a, ax, lang: str = "en", new_ids=(), county=None):
    """The assessment on the county map style: demand points reached / not reached within the
    budget, the stations and the new ones; km axes, scale bar and north arrow.

    With ``county`` (the county the assessment was made on) the map is the full county map:
    roads by class, each station's district and service area along the roads within the
    travel budget, township names. Without it (a notebook holding only the result) the roads
    are not known and the map shows the points."""
    from yingji._render.maps import county_map

    pts = a.points[a.points["in_scope"].astype(bool)]  # the standard judges these points
    st = a.stations
    new = st.loc[[i for i in new_ids if i in st.index]]
    old = st.drop(index=new.index)
    demand = pd.DataFrame({"x": pts["x"], "y": pts["y"], "population": pts["population"]})
    minutes = np.where(pts["covered"].to_numpy(bool), 0.0, np.inf)
    net = getattr(county, "network", None)
    dm = getattr(county, "demand", None)
    if net is not None and isinstance(dm, pd.DataFrame) and "node" in dm.columns:
        for c in ("township", "node"):
            if c in dm.columns:
                demand[c] = dm[c].reindex(demand.index).to_numpy()
        nodes = _nodes_of(list(st.index), county)
        if nodes.notna().all():
            olds = old[["x", "y"]].assign(node=nodes.reindex(old.index).to_numpy())
            news = new[["x", "y"]].assign(node=nodes.reindex(new.index).to_numpy())
            holder = SimpleNamespace(network=net, demand=demand, stations=olds,
                                     meta=getattr(county, "meta", {}))
            return county_map(holder, ax=ax, lang=lang, new_sites=news if len(news) else None,
                              demand_minutes=minutes, minutes=float(a.travel_budget),
                              townships="township" in demand.columns)
    holder = SimpleNamespace(network=None, demand=demand, stations=old[["x", "y"]], meta={})
    return county_map(holder, ax=ax, lang=lang, new_sites=new[["x", "y"]] if len(new) else None,
                      demand_minutes=minutes, minutes=1.0, townships=False)
