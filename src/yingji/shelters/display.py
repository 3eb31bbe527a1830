"""How shelter assessments and plans show themselves: summary facts and tables in en/zh, and the
county map style (notebooks, ``yingji demo``, ``yingji shelters --format html``, ``.plot()``).

Duck-typed on the results, so the result modules import this one, not the other way round.
Shelter classes follow GB 21734-2008 (紧急 / 固定 / 中心避难场所); the rules are those of
:func:`yingji.shelters.shelter_rules` (GB 21734-2008 5.4, GB 50413-2007 8.2).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from yingji._render import Table
from yingji._render.fmt import count, money, number, percent, quantity
from yingji._render.messages import MESSAGES, t, term
from yingji.exceptions import ValidationError

__all__ = ["assessment_summary", "plan_summary", "rules_table", "unsheltered_table",
           "new_shelters_table", "draw_map"]


def rules_table(a, lang: str = "en", names: dict | None = None) -> Table:
    """The shelter rules: id, name (``names[id]`` when given, e.g. the Chinese rule names),
    value, operator and threshold with the unit, pass/fail."""
    rows = []
    names = names or {}
    for rid, r in a.rules.iterrows():
        v = r["value"]
        val = (number(v, lang=lang) if np.isfinite(float(v)) else
               t("none_within", lang, m=number(a.extras.get("cutoff_m", np.inf), lang=lang)))
        ok = bool(r["passed"])
        name = names.get(str(rid)) or (t(f"rule_{rid}", lang) if f"rule_{rid}" in MESSAGES
                                        else r["name"])
        rows.append((str(rid), str(name), val,
                     f"{r['operator']} {quantity(r['threshold'], str(r['unit']), lang=lang)}",
                     (t("pass" if ok else "fail", lang), "s-pass" if ok else "s-fail")))
    return Table((t("rule", lang), t("name", lang), t("value", lang), t("threshold", lang),
                  t("status", lang)), tuple(rows), ("l", "l", "r", "l", "l"))


def unsheltered_table(a, lang: str = "en", top: int = 10) -> Table:
    """Townships with the most people without a place (at most ``top`` rows)."""
    u = a.unsheltered_by_township.sort_values("unsheltered", ascending=False)
    u = u[u["unsheltered"] > 0].head(top)
    rows = tuple((str(k) or "—", count(r["population"], "人", lang=lang),
                  count(r["sheltered"], "人", lang=lang), count(r["unsheltered"], "人", lang=lang),
                  percent(r["unsheltered_share"]))
                 for k, r in u.iterrows())
    return Table((t("township", lang), t("population", lang), t("sheltered", lang),
                  t("unsheltered", lang), t("unsheltered_share", lang)), rows,
                 ("l", "r", "r", "r", "r"), t("unsheltered_caption", lang, n=top))


def new_shelters_table(p, lang: str = "en") -> Table:
    """The chosen candidates: class, effective area, places, service radius, cost."""
    c = p.candidates[p.candidates["chosen"].astype(bool)] if "chosen" in p.candidates else p.candidates
    rows = tuple((str(i), term(r.get("shelter_class", ""), lang),
                  quantity(r.get("area_m2"), "m2", lang=lang),
                  count(r.get("capacity"), "人", lang=lang),
                  quantity(r.get("radius_m"), "m", lang=lang), money(r.get("cost"), lang=lang))
                 for i, r in c.iterrows())
    return Table((t("id", lang), t("shelter_class", lang), t("effective_area", lang),
                  t("places", lang), t("service_radius", lang), t("cost", lang)), rows,
                 ("l", "l", "r", "r", "r", "r"), t("new_shelters_caption", lang))


def _facts(a, lang: str) -> list:
    return [
        (t("shelters", lang), f"{count(len(a.shelters), 'sites', lang=lang)}, "
                              f"{quantity(a.total_area_m2, 'm2', digits=0, lang=lang)}"),
        (t("places", lang), count(a.capacity, "人", lang=lang)),
        (t("population", lang), count(a.population, "人", lang=lang)),
        (t("per_capita_county", lang), quantity(a.per_capita_m2, "m2/person", digits=2, lang=lang)),
        (t("per_capita_reach", lang), quantity(a.reachable_per_capita_m2, "m2/person", digits=2,
                                               lang=lang)),
        (t("sheltered_walk", lang), f"{count(a.sheltered, '人', lang=lang)} "
                                    f"({percent(a.sheltered_share)})"),
        (t("unsheltered", lang), count(a.unsheltered, "人", lang=lang)),
        (t("mean_walk", lang), quantity(a.mean_walk_m, "m", digits=0, lang=lang)),
        (t("full_shelters", lang), count(len(a.full_shelters), "sites", lang=lang)),
        (t("solve_status", lang), t(a.status, lang)),
    ]


def assessment_summary(a, lang: str = "en", *, rule_names: dict | None = None) -> dict:
    """Facts (shelters, places, the two per-capita ratios, people sheltered), the rules and
    the townships with the most people without a place."""
    tables = [rules_table(a, lang, rule_names)]
    if len(a.unsheltered_by_township) and (a.unsheltered_by_township["unsheltered"] > 0).any():
        tables.append(unsheltered_table(a, lang))
    return {"title": t("ShelterAssessment", lang), "facts": _facts(a, lang), "tables": tables}


def plan_summary(p, lang: str = "en") -> dict:
    """Facts before → after the plan and the table of new shelters."""
    b, a = p.before, p.after
    unshelterable = float(p.unreachable["unshelterable"].sum()) if len(p.unreachable) else 0.0
    facts = [
        (t("new_shelters", lang), count(len(p.new_shelters), "sites", lang=lang)),
        (t("cost", lang), money(p.cost, lang=lang)),
        (t("sheltered_walk", lang), f"{count(b.sheltered, '人', lang=lang)} → "
                                    f"{count(a.sheltered, '人', lang=lang)} "
                                    f"({percent(b.sheltered_share)} → {percent(a.sheltered_share)})"),
        (t("per_capita_county", lang), f"{number(b.per_capita_m2, digits=2)} → "
         f"{quantity(a.per_capita_m2, 'm2/person', digits=2, lang=lang)}"),
        (t("per_capita_reach", lang), f"{number(b.reachable_per_capita_m2, digits=2)} → "
         f"{quantity(a.reachable_per_capita_m2, 'm2/person', digits=2, lang=lang)}"),
        (t("unshelterable", lang), count(unshelterable, "人", lang=lang)),
        (t("solve_status", lang), t(p.status, lang) + (
            f" ({t('gap', lang)} {percent(p.gap, digits=2)})" if not p.optimal else "")),
    ]
    tables = [new_shelters_table(p, lang)] if len(p.new_shelters) else []
    return {"title": t("ShelterPlan", lang), "facts": facts, "tables": tables}


def _xy(a, which: str, override=None) -> np.ndarray:
    xy = a.extras.get(f"{which}_xy") if override is None else np.asarray(override, float)
    if xy is None:
        raise ValidationError(f"{type(a).__name__}.plot needs x, y of demand points and shelters "
                              "(columns x, y in the tables, or demand_xy= / shelter_xy=).")
    return np.asarray(xy, float)


def draw_map(a, ax, lang: str = "en", *, new_ids=(), demand_xy=None, shelter_xy=None,
             lines: bool = False, title: str | None = None, county=None):
    """The assessment on the county map style: demand points sheltered within walking distance
    (grey) or with people left without a place (red rings), the shelters (squares), new ones
    (stars), township names; km axes, scale bar and north arrow. ``lines`` also draws each
    assignment (demand point → shelter) as a thin grey line. With ``county`` (the county the
    assessment was made on) its roads are drawn too, by class."""
    from yingji._render.maps import county_map

    dxy, sxy = _xy(a, "demand", demand_xy), _xy(a, "shelter", shelter_xy)
    dm = a.demand
    demand = pd.DataFrame({"x": dxy[:, 0], "y": dxy[:, 1],
                           "population": dm["population"].to_numpy(float)}, index=dm.index)
    if "township" in dm.columns:
        demand["township"] = dm["township"].to_numpy()
    short = dm["unsheltered"].to_numpy(float) > 0.5  # at least one person without a place
    sh = pd.DataFrame({"x": sxy[:, 0], "y": sxy[:, 1]}, index=a.shelters.index)
    new = sh.loc[[i for i in new_ids if i in sh.index]]
    holder = SimpleNamespace(network=getattr(county, "network", None), demand=demand,
                             stations=None, meta={}, shelters=sh.drop(index=new.index))
    ax = county_map(holder, ax=ax, lang=lang, stations=pd.DataFrame(columns=["x", "y"]),
                    new_sites=new if len(new) else None, shelters=True,
                    demand_minutes=np.where(short, np.inf, 0.0), minutes=1.0,
                    demand_labels=("sheltered_point", "unsheltered_point"),
                    new_label="new_shelter", title=title,
                    townships="township" in demand.columns)
    if lines and len(a.assignment):
        import matplotlib.collections as mc

        x0, y0 = ax.yingji_origin_m
        di = dm.index.get_indexer(a.assignment["demand"])
        si = a.shelters.index.get_indexer(a.assignment["shelter"])
        segs = np.stack([(dxy[di] - (x0, y0)) / 1000.0, (sxy[si] - (x0, y0)) / 1000.0], axis=1)
        ax.add_collection(mc.LineCollection(segs, colors="0.55", linewidths=0.4, alpha=0.6,
                                            zorder=3.5, rasterized=True))
    return ax
