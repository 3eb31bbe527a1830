"""fire.assess / fire.plan with busy engines: figures by hand, plans against brute force, errors."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from yingji.exceptions import ValidationError
from yingji.fire import assess, plan


def _case(seed, n=14, n_st=2, n_c=6):
    """Random urban demand, existing stations with engines, candidates with their own engines."""
    rng = np.random.default_rng(seed)
    d_ids = [f"d{i}" for i in range(n)]
    s_ids = [f"s{j}" for j in range(n_st)]
    c_ids = [f"c{j}" for j in range(n_c)]
    demand = pd.DataFrame({"population": rng.integers(10, 200, n).astype(float), "area_m2": 1e5,
                           "urban": True, "incidents_per_year": rng.uniform(50, 400, n)}, index=d_ids)
    stations = pd.DataFrame({"station_class": "class2", "engines": rng.integers(1, 3, n_st)}, index=s_ids)
    cands = pd.DataFrame({"station_class": "class2", "uses": "fire", "cost": 1.0,
                          "engines": rng.integers(1, 3, n_c)}, index=c_ids)
    T = pd.DataFrame(rng.uniform(0.5, 9.0, (n, n_st + n_c)), index=d_ids, columns=s_ids + c_ids)
    return dict(demand=demand, stations=stations, candidates=cands, times=T)


def _engines_in_reach(case, open_ids, budget=4.0):
    T = case["times"]
    eng = pd.concat([case["stations"]["engines"], case["candidates"]["engines"]])
    within = (T[open_ids] <= budget + 1e-9).to_numpy()
    return within @ eng[open_ids].to_numpy()


def test_assess_reports_expected_and_reliable_coverage():
    case = _case(1)
    a = assess(stations=case["stations"], demand=case["demand"], times=case["times"][list(case["stations"].index)],
               availability=0.9)
    av = a.availability
    eng = int(case["stations"]["engines"].sum())
    q = case["demand"]["incidents_per_year"].sum() * 45.0 / (525600.0 * eng)
    n = _engines_in_reach(case, list(case["stations"].index))
    pop = case["demand"]["population"].to_numpy()
    assert av["busy"] == pytest.approx(q) and av["engines"] == eng
    assert av["expected_share"] == pytest.approx((pop * (1 - q ** n)).sum() / pop.sum())
    b = 1
    while 1 - q ** b < 0.9:
        b += 1
    assert av["required_engines"] == b
    assert av["reliable_share"] == pytest.approx(pop[n >= b].sum() / pop.sum())
    assert "Counting busy engines" in a.summary()
    json.dumps(a.to_dict())
    # a given busy fraction replaces the computed one
    a2 = assess(stations=case["stations"], demand=case["demand"], times=case["times"][list(case["stations"].index)],
                busy=0.5)
    assert a2.availability["expected_share"] == pytest.approx((pop * (1 - 0.5 ** n)).sum() / pop.sum())


@pytest.mark.parametrize("seed", range(4))
def test_plan_with_budget_maximises_expected_coverage(seed):
    case = _case(10 + seed)
    k, q = 2, 0.35
    p = plan(**case, budget=k, availability=0.9, busy=q, area_limits=False, tradeoff=False)
    assert p.model == "mexclp" and p.optimal and p.n_new == k
    pop = case["demand"]["population"].to_numpy()
    fixed = list(case["stations"].index)

    def value(new):
        n = _engines_in_reach(case, fixed + list(new))
        return float((pop * (1 - q ** n)).sum())

    best = max(value(c) for c in itertools.combinations(case["candidates"].index, k))
    assert value(p.new_stations) == pytest.approx(best) and p.objective == pytest.approx(best)
    assert p.after.availability["expected_population"] == pytest.approx(best)
    assert p.availability["busy"] == q and "Counting busy engines" in p.summary()
    json.dumps(p.to_dict())


@pytest.mark.parametrize("seed", range(4))
def test_plan_without_budget_is_the_fewest_reliable_stations(seed):
    case = _case(20 + seed)
    p = plan(**case, availability=0.9, busy=0.4, area_limits=False, tradeoff=False)
    assert p.model == "reliable_cover" and p.optimal
    b = p.availability["required_engines"]
    assert b == 3  # 1 - 0.4^3 = 0.936 >= 0.9 > 1 - 0.4^2
    fixed = list(case["stations"].index)
    every = fixed + list(case["candidates"].index)
    reach_all = _engines_in_reach(case, every)
    coverable = reach_all >= 1
    need = np.where(coverable, np.minimum(b, reach_all), 0)

    def ok(new):
        return bool((_engines_in_reach(case, fixed + list(new)) >= need).all())

    assert ok(p.new_stations)
    fewest = next(k for k in range(len(case["candidates"]) + 1)
                  if any(ok(c) for c in itertools.combinations(case["candidates"].index, k)))
    assert p.n_new == fewest


def test_plan_busy_from_incidents_settles_on_its_own_engines():
    case = _case(5)
    p = plan(**case, availability=0.9, area_limits=False, tradeoff=False)
    eng = pd.concat([case["stations"]["engines"], case["candidates"]["engines"]])
    units = int(eng[list(case["stations"].index) + p.new_stations].sum())
    q = case["demand"]["incidents_per_year"].sum() * 45.0 / (525600.0 * units)
    assert p.availability["busy"] == pytest.approx(q) and p.availability["engines"] == units
    b = 1
    while 1 - q ** b < 0.9:
        b += 1
    assert p.availability["required_engines"] >= b


@pytest.mark.parametrize("kwargs, match", [
    ({"availability": 1.0}, "'availability' parameter of fire.plan must be a float in \\(0, 1\\)"),
    ({"availability": 0.9, "busy": 1.0}, "'busy' parameter"),
    ({"availability": 0.9, "service_minutes": 0}, "'service_minutes' parameter"),
    ({"availability": 0.9, "cost_budget": 5.0}, "cannot be combined"),
])
def test_plan_availability_bad_inputs(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        plan(**_case(0), **kwargs)


def test_assess_availability_bad_input_and_missing_rates():
    case = _case(0)
    st = list(case["stations"].index)
    with pytest.raises(ValidationError, match="'availability' parameter of fire.assess"):
        assess(stations=case["stations"], demand=case["demand"], times=case["times"][st], availability=0)
    a = assess(stations=case["stations"], demand=case["demand"].drop(columns="incidents_per_year"),
               times=case["times"][st])
    assert np.isnan(a.availability["expected_share"])
    with pytest.raises(ValidationError, match="needs the demand's 'incidents_per_year'"):
        plan(stations=case["stations"], demand=case["demand"].drop(columns="incidents_per_year"),
             candidates=case["candidates"], times=case["times"], availability=0.9, area_limits=False)


def test_availability_plan_does_not_claim_area_limits():
    """The availability model has no district-area rows: the plan must not say it has."""
    import yingji as yj

    county = yj.datasets.sample_county()
    pl = yj.fire.plan(county, availability=0.95, time_limit=60)
    assert pl.area_limits is False
    assert "district-area limits in the model" not in pl.summary()
    assert any("district-area limits" in n and "not part" in n for n in pl.notes)
