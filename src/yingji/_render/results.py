"""Report summaries of the rescue-team and supply results (what their English ``summary()`` says,
as facts and tables in either language).

Base layer, duck-typed like :mod:`yingji._render.maps`: the results of :mod:`yingji.teams` and
:mod:`yingji.supplies` call these from their ``_summary_``. Each summary starts from the
result's fields (:func:`yingji._render.display.fields_summary`) and adds the breakdowns a
planner reads: gaps by reason and served sites by skill (teams), the largest shortfalls and the
rules with their Chinese names (supplies), the scenario costs in yuan (prepositioning).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji._render import Table
from yingji._render.display import fields_summary
from yingji._render.fmt import OPERATORS, count, money, number, percent, quantity
from yingji._render.messages import MESSAGES, field_label, t, term

__all__ = ["allocation_summary", "bases_summary", "supplies_summary", "stock_plan_summary"]

_REASONS = ("too_far", "crew_short", "no_skill")


def allocation_summary(al, lang: str = "en") -> dict:
    """A :class:`~yingji.teams.TeamAllocation`: hazard sites fully served, gaps by reason, per
    skill the sites reached in time and the teams, mutual-aid agreements."""
    s = fields_summary(al, lang)
    n_h = int(al.params.get("n_hazards", 0))
    gaps = al.gaps
    served = n_h - (gaps["hazard"].nunique() if len(gaps) else 0)
    facts = [(t("hazards_served", lang), f"{number(served)} / {count(n_h, 'sites', lang=lang)}")]
    if len(gaps):
        by = gaps["reason"].value_counts()
        facts.append((t("gaps_by_reason", lang), ("、" if lang == "zh" else ", ").join(
            f"{term(r, lang) if lang == 'zh' else str(r).replace('_', ' ')} {number(c)}"
            for r, c in by.items())))
    n_e = len(al.mutual_aid) + len(al.unassigned_enterprises)
    if n_e:
        facts.append((t("mutual_aid_share", lang),
                      f"{number(len(al.mutual_aid))} / {number(n_e)} "
                      + ("家企业" if lang == "zh" else "enterprises")))
    cov = al.coverage
    rows = tuple((term(r["skill"], lang), number(r["hazards"]), number(r["served"]),
                  percent(r["share"], digits=0), number(r["teams"])) for _, r in cov.iterrows())
    by_skill = Table((t("skill", lang), t("hazard_sites", lang), t("served_in_time", lang),
                      t("share_in_time", lang), t("teams_col", lang)), rows,
                     ("l", "r", "r", "r", "r"), t("by_skill_caption", lang))
    # the objective is a weighted score, not money: say what it adds up
    own = {field_label("objective", lang): t("alloc_objective", lang),
           field_label("bound", lang): t("alloc_bound", lang)}
    rest = [(own.get(k, k), v) for k, v in s["facts"]]
    return {**s, "facts": facts + rest, "tables": [by_skill] + s["tables"], "frames": True}


def bases_summary(bp, lang: str = "en") -> dict:
    """A :class:`~yingji.teams.BasePlan`: new bases, cost (yuan), gaps before and after."""
    s = fields_summary(bp, lang)
    g0, g1 = len(bp.before.gaps), len(bp.after.gaps)
    facts = [(t("gaps_before_after", lang), f"{number(g0)} → {number(g1)}")]
    return {**s, "facts": facts + s["facts"], "frames": True}


def _rule_name(rule: str, metric: str, lang: str) -> str:
    key = f"rule_{rule}"
    return t(key, lang) if key in MESSAGES else metric


def supplies_summary(a, lang: str = "en", top: int = 8) -> dict:
    """A :class:`~yingji.supplies.SupplyAssessment`: stocks short of the norm, the share of
    needs met in time, persons the stock covers, the largest shortfalls (item units) and the
    rules (Chinese names, ≤/≥, units)."""
    s = fields_summary(a, lang, skip=("rules", "as_of"))
    it = a.items
    short = it[it["shortfall"] > 0]
    hours = a.params.get("delivery_hours")
    facts = [(t("as_of", lang), str(pd.Timestamp(a.as_of).date())),
             (t("stocks_short", lang), f"{number(len(short))} / {number(len(it))}")]
    if hours is not None:
        facts.append((t("delivery_limit", lang), quantity(hours, "h", lang=lang)))
    units = getattr(a, "params", {}).get("item_units", {}) or {}
    rows = tuple((str(r["depot"]), term(r["item"], lang),
                  quantity(r["stock"], term(units.get(r["item"], ""), lang) or None, digits=0, lang=lang),
                  quantity(r["required"], term(units.get(r["item"], ""), lang) or None, digits=0,
                           lang=lang),
                  quantity(r["shortfall"], term(units.get(r["item"], ""), lang) or None, digits=0,
                           lang=lang),
                  percent(r["covered_share"], digits=0))
                 for _, r in short.sort_values("shortfall", ascending=False).head(top).iterrows())
    tables = []
    if rows:
        tables.append(Table((t("depot", lang), t("item_col", lang), t("stock_col", lang),
                             t("required_col", lang), t("shortfall_col", lang),
                             t("covered_col", lang)), rows, ("l", "l", "r", "r", "r", "r"),
                            t("shortfall_caption", lang, n=top)))
    rrows = []
    for _, r in a.rules.iterrows():
        ok = bool(r["passed"])
        v = r["value"]
        val = (quantity(v, str(r["unit"]), lang=lang) if np.isfinite(float(v)) else "∞")
        rrows.append((str(r["rule"]), _rule_name(str(r["rule"]), str(r["metric"]), lang), val,
                      f"{OPERATORS.get(str(r['operator']), r['operator'])} "
                      f"{quantity(r['threshold'], str(r['unit']), lang=lang)}",
                      (t("pass" if ok else "fail", lang), "s-pass" if ok else "s-fail")))
    if rrows:
        tables.append(Table((t("rule", lang), t("name", lang), t("value", lang),
                             t("threshold", lang), t("status", lang)), tuple(rrows),
                            ("l", "l", "r", "l", "l")))
    return {**s, "facts": facts + s["facts"], "tables": tables + s["tables"], "frames": True}


def stock_plan_summary(p, lang: str = "en") -> dict:
    """A :class:`~yingji.supplies.StockPlan`: scenarios, method, expected and first-stage cost,
    the value of the stochastic solution (yuan), new depots, expected unmet units."""
    s = fields_summary(p, lang, skip=("expected_unmet", "scenario_costs"))
    si = p.sites
    opened = si[(si["kind"] == "candidate") & si["open"].astype(bool)]["site"].tolist()
    unmet = float(p.expected_unmet["quantity"].sum()) if len(p.expected_unmet) else 0.0
    facts = [(t("n_scenarios", lang), number(p.params.get("n_scenarios", len(p.scenario_costs)))),
             (t("new_depots", lang), ("、" if lang == "zh" else ", ").join(map(str, opened))
              if opened else t("none_new", lang)),
             (t("expected_unmet_units", lang), quantity(unmet, "units", digits=0, lang=lang))]
    tables = []
    um = p.expected_unmet
    if len(um):
        rows = tuple((term(r["item"], lang), number(r["quantity"], digits=0))
                     for _, r in um.sort_values("quantity", ascending=False).iterrows()
                     if float(r["quantity"]) > 0.5)
        if rows:
            tables.append(Table((t("item_col", lang), t("expected_unmet_col", lang)), rows,
                                ("l", "r"), t("expected_unmet_caption", lang)))
    sc = p.scenario_costs
    if len(sc):
        q = np.quantile(np.asarray(sc, float), [0.0, 0.5, 1.0])
        facts.append((t("scenario_cost_range", lang),
                      f"{money(q[0], lang=lang)} – {money(q[2], lang=lang)}"
                      f"({t('median', lang)} {money(q[1], lang=lang)})"
                      if lang == "zh" else
                      f"{money(q[0], lang=lang)} – {money(q[2], lang=lang)} "
                      f"(median {money(q[1], lang=lang)})"))
    return {**s, "facts": facts + s["facts"], "tables": tables + s["tables"], "frames": True}
