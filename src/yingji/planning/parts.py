"""The four parts of a county plan: fire stations, shelters, team bases, supplies.

Each part function ``(county, time_limit, **kw) -> dict`` runs its domain's planning model and
returns the section's fields (status, items, cost, before/after figures, gap, ...);
:data:`_PART_FUNCS` names them for :mod:`yingji.planning.runner`.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import pandas as pd

from yingji._deadline import MIN_PHASE_S, Deadline
from yingji.exceptions import YingjiError
from yingji.planning.formatting import _f, _money
from yingji.planning.result import ITEM_COLUMNS, _empty_items


def _items(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty_items()
    df = pd.DataFrame(rows)
    for c in ITEM_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    df = df[list(ITEM_COLUMNS)]
    for c in ("quantity", "cost", "x", "y"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in ("id", "what", "action", "unit", "detail"):
        df[c] = df[c].astype(object)
    return df


def _at(table: pd.DataFrame, i, col: str, default=np.nan):
    """``table.at[i, col]``, or ``default`` when the row or the column is absent."""
    if i in table.index and col in table.columns:
        return table.at[i, col]
    return default


def _xy(table: pd.DataFrame, i) -> tuple[float, float]:
    if i in table.index and {"x", "y"} <= set(table.columns):
        return _f(table.at[i, "x"]), _f(table.at[i, "y"])
    return float("nan"), float("nan")


def _status(optimal: bool, status: str | None = None) -> str:
    if status in ("optimal", "time_limit"):
        return status
    return "optimal" if optimal else "time_limit"


def _fire_part(county, time_limit: float, *, target: float, seed: int, **_) -> dict:
    from yingji.fire import plan as fire_plan

    r = fire_plan(county, target=target, time_limit=time_limit)
    after = r.after.stations
    cand = county.candidates
    rows = []
    for sid in r.new_stations:
        cls = after.at[sid, "station_class"] if sid in after.index else "class1"
        x, y = _xy(cand, sid)
        det = ""
        if sid in after.index:
            det = (f"district {_f(after.at[sid, 'area_km2']):.2f} km², "
                   f"{_f(after.at[sid, 'population']):,.0f} people")
        rows.append({"id": str(sid), "what": f"fire station ({cls})", "action": "build",
                     "quantity": 1.0, "unit": "station",
                     "cost": _f(_at(cand, sid, "cost")),
                     "x": x, "y": y, "detail": det})
    cmp = r.compare()
    before = {f"{k}": _plain(v) for k, v in cmp["before"].items()}
    after_f = {f"{k}": _plain(v) for k, v in cmp["after"].items()}
    notes = list(r.notes)
    if r.unreachable:
        notes.append(f"{len(r.unreachable)} urban demand point(s) no station or candidate can "
                     f"reach within the travel budget: {r.unreachable[:10]}")
    if not r.target_met:
        notes.append("the coverage target is not met by this plan")
    return dict(status=_status(r.optimal, r.status), items=_items(rows), cost=_f(r.cost),
                before=before, after=after_f, gap=_f(r.gap), optimal=bool(r.optimal),
                text=r.summary(), notes=tuple(notes), result=r)


def _failed(rules: pd.DataFrame) -> int:
    """Rules of a domain assessment that fail (``passed`` False; NA is not a failure)."""
    if "passed" not in getattr(rules, "columns", ()):
        return 0
    return int(rules["passed"].astype("boolean").eq(False).sum())


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def _shelters_part(county, time_limit: float, *, curve_points: int = 0, **_) -> dict:
    from yingji.shelters import plan as shelter_plan

    r = shelter_plan(county, time_limit=time_limit, curve_points=curve_points)
    cand = r.candidates
    rows = []
    for sid in r.new_shelters:
        c = cand.loc[sid] if sid in cand.index else None
        x, y = _xy(county.candidates, sid)
        rows.append({"id": str(sid),
                     "what": f"{c['shelter_class'] if c is not None else ''} shelter".strip(),
                     "action": "build", "quantity": 1.0, "unit": "shelter",
                     "cost": _f(c["cost"]) if c is not None else np.nan, "x": x, "y": y,
                     "detail": (f"{_f(c['area_m2']):,.0f} m² effective, "
                                f"{_f(c['capacity']):,.0f} places") if c is not None else ""})

    def figs(a) -> dict:
        return {"sheltered_persons": _f(a.sheltered), "sheltered_share": _f(a.sheltered_share),
                "unsheltered_persons": _f(a.unsheltered), "per_capita_m2": _f(a.per_capita_m2),
                "reachable_per_capita_m2": _f(a.reachable_per_capita_m2),
                "shelters": int(len(a.shelters)), "capacity_places": _f(a.capacity),
                "rules_failed": _failed(a.rules)}

    notes = []
    u = float(r.unreachable["unshelterable"].sum()) if len(r.unreachable) else 0.0
    if u > 0.5:
        notes.append(f"{u:,.0f} people in {len(r.unreachable)} demand point(s) cannot be "
                     "sheltered by any shelter or candidate within walking reach")
    return dict(status=_status(r.optimal, r.status), items=_items(rows), cost=_f(r.cost),
                before=figs(r.before), after=figs(r.after), gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _teams_part(county, time_limit: float, **_) -> dict:
    from yingji.teams import plan_bases

    r = plan_bases(county, time_limit=time_limit)
    cand = county.candidates
    rows = []
    nt = r.new_teams
    for base in r.new_bases:
        sk = nt.loc[nt["candidate"] == base] if len(nt) else nt
        skills = ", ".join(str(s) for s in sk["skill"]) if len(sk) else ""
        crew = float(sk["crew"].sum()) if len(sk) else float("nan")
        x, y = _xy(cand, base)
        rows.append({"id": str(base), "what": f"rescue team base ({skills})" if skills else
                     "rescue team base", "action": "build", "quantity": 1.0, "unit": "base",
                     "cost": _f(_at(cand, base, "cost")),
                     "x": x, "y": y,
                     "detail": f"{len(sk)} team(s), crew {crew:,.0f}" if len(sk) else ""})

    def figs(al) -> dict:
        n_h = int(al.params.get("n_hazards", 0))
        served = n_h - (al.gaps["hazard"].nunique() if len(al.gaps) else 0)
        out = {"hazard_sites": n_h, "hazard_sites_fully_served": int(served),
               "gaps": int(len(al.gaps))}
        for reason in ("no_skill", "too_far", "crew_short"):
            out[f"gaps_{reason}"] = int((al.gaps["reason"] == reason).sum()) if len(al.gaps) else 0
        return out

    notes = []
    if len(r.remaining_gaps):
        notes.append(f"{len(r.remaining_gaps)} gap(s) no candidate base closes: " + ", ".join(
            f"{g.hazard} {g.skill} ({g.reason})" for g in r.remaining_gaps.head(10).itertuples()))
    return dict(status=_status(r.optimal), items=_items(rows), cost=_f(r.cost),
                before=figs(r.before), after=figs(r.after), gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _supplies_part(county, time_limit: float, *, seed: int, n_scenarios: int = 5, **_) -> dict:
    from yingji.supplies import assess, preposition
    from yingji.supplies.scenarios import _sample

    dl = Deadline(float(time_limit))  # the part's share: the scenarios, the plan, both assessments
    # the "before" assessment first: it cannot stop midway, and the "after" one (on a county
    # with the plan's stock) costs about as much again, so its time is kept back from the plan
    t_a = time.perf_counter()
    before_a = assess(county, time_limit=dl.limit(0.3))
    t_a = time.perf_counter() - t_a
    scen = _sample(county, int(n_scenarios), int(seed), dl=dl)
    r = preposition(county, scen, time_limit=min(dl.limit(0.8),
                                                 max(dl.left() - 1.5 * t_a, MIN_PHASE_S)))
    items_t = county.items.set_index("item") if "item" in county.items.columns else county.items
    rows = []
    sites = r.sites
    opened = sites[(sites["kind"] == "candidate") & sites["open"].astype(bool)]
    cand = county.candidates
    for s in opened.itertuples():
        x, y = _xy(cand, s.site)
        rows.append({"id": str(s.site), "what": "supply depot", "action": "open", "quantity": 1.0,
                     "unit": "depot",
                     "cost": _f(_at(cand, s.site, "cost")),
                     "x": x, "y": y, "detail": f"capacity {_f(s.capacity_m3):,.0f} m³"})
    enl = sites[sites["level"].astype(int) >= 0]
    for s in enl.itertuples():
        rows.append({"id": str(s.site), "what": "depot enlargement", "action": "build",
                     "quantity": 1.0, "unit": "level", "cost": np.nan, "x": np.nan, "y": np.nan,
                     "detail": f"level {int(s.level)}, capacity {_f(s.capacity_m3):,.0f} m³"})
    buy = r.stock[r.stock["buy"] > 1e-6]
    for s in buy.itertuples():
        unit = str(_at(items_t, s.item, "unit", ""))
        uc = _f(_at(items_t, s.item, "unit_cost"))
        q = float(math.ceil(s.buy - 1e-6))
        x, y = _xy(county.depots, s.depot)
        if not np.isfinite(x):
            x, y = _xy(cand, s.depot)
        rows.append({"id": str(s.depot), "what": str(s.item), "action": "buy", "quantity": q,
                     "unit": unit, "cost": q * uc if np.isfinite(uc) else np.nan, "x": x, "y": y,
                     "detail": f"hold {_f(s.quantity):,.0f} (now {_f(s.existing):,.0f})"})
    after_a = None
    notes = [f"{int(n_scenarios)} scenarios from sample_scenarios(seed={int(seed)}); expected "
             f"cost {_money(r.expected_cost)} (first stage {_money(r.first_stage_cost)}), "
             f"value of the stochastic solution {_money(r.vss)}"]
    try:
        after_a = assess(_with_stock(county, r, opened), time_limit=dl.limit())
    except YingjiError as exc:  # the after figures are a courtesy: say why they are missing
        notes.append(f"figures after the plan not computed: {exc}")

    def figs(a) -> dict:
        if a is None:
            return {}
        it = a.items
        return {"stocks_short_of_norm": int((it["shortfall"] > 1e-6).sum()),
                "depot_item_stocks": int(len(it)),
                "needs_met_in_time_share": _f(a.reach_share),
                "evacuees_covered": _f(a.evacuee_capacity),
                "rules_failed": _failed(a.rules)}

    b, a = figs(before_a), figs(after_a)
    b["expected_unmet_units"] = None
    a["expected_unmet_units"] = _f(r.expected_unmet["quantity"].sum()) if len(r.expected_unmet) else 0.0
    return dict(status=_status(r.optimal, r.status), items=_items(rows),
                cost=_f(r.first_stage_cost), before=b, after=a, gap=_f(r.gap),
                optimal=bool(r.optimal), text=r.summary(), notes=tuple(notes), result=r)


def _with_stock(county, r, opened: pd.DataFrame):
    """The county with the plan's depots opened and its stock bought (for the after figures)."""
    depots = county.depots
    changes: dict = {}
    if len(opened):
        cand = county.candidates
        new = pd.DataFrame({
            "x": [cand.at[s, "x"] for s in opened["site"]],
            "y": [cand.at[s, "y"] for s in opened["site"]],
            "capacity": opened["capacity_m3"].to_numpy(float),
            "open_cost": [_f(cand.at[s, "cost"]) if "cost" in cand else 0.0 for s in opened["site"]],
        }, index=pd.Index([str(s) for s in opened["site"]], name=depots.index.name))
        keep = [c for c in new.columns if c in depots.columns or c in ("x", "y")]
        changes["depots"] = pd.concat([depots.drop(columns="node", errors="ignore"), new[keep]])
    buy = r.stock[r.stock["buy"] > 1e-6]
    if len(buy):
        add = pd.DataFrame({"depot": buy["depot"].astype(str).to_numpy(),
                            "item": buy["item"].astype(str).to_numpy(),
                            "quantity": np.ceil(buy["buy"].to_numpy(float) - 1e-6)})
        if "expires" in county.stock.columns:
            add["expires"] = pd.NaT
        changes["stock"] = pd.concat([county.stock, add], ignore_index=True)
    return county.replace(**changes) if changes else county


_PART_FUNCS: dict[str, Callable] = {"fire": _fire_part, "shelters": _shelters_part,
                                    "teams": _teams_part, "supplies": _supplies_part}
