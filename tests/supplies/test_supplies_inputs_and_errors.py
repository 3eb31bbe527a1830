"""Per-household norms, sites off the network, sample scenarios and every validation error of
yingji.supplies."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.supplies import prepositioning, stochastic
from yingji.exceptions import SolverError, ValidationError
from yingji.supplies import (DEFAULT_HOUSEHOLD_SIZE, Scenarios, assess, preposition, requirements,
                             sample_scenarios, transfer)


from cases_supplies import township_times, toy_county  # noqa: E402  (shared instance)


def scen():
    d = [{"scenario": s, "township": t, "item": "water", "quantity": n * 45 * m}
         for s, m in (("s1", 1.0), ("s2", 3.0)) for t, n in (("A", 300), ("B", 200), ("C", 100))]
    return Scenarios(pd.Series({"s1": 0.6, "s2": 0.4}), pd.DataFrame(d))


# ----------------------------------------------------------------------------- norms per household
def test_per_household_norms():
    c = toy_county()
    norms = pd.DataFrame({"per_person_per_day": [15.0, np.nan, 0.5], "per_household_per_day": [np.nan, 1.0, 2.0],
                          "days": [3, 1, 2], "source": ["Sphere", "ASSUMPTION: one per household", "mixed"]},
                         index=["water", "tent", "mixed"])
    r = requirements(norms=norms, demand=c.demand).set_index(["township", "item"])
    people_a = 1000 * 0.2 + 500 * 0.05
    assert r.loc[("A", "water"), "quantity"] == pytest.approx(people_a * 15 * 3)
    assert r.loc[("A", "tent"), "quantity"] == pytest.approx(people_a / DEFAULT_HOUSEHOLD_SIZE)
    assert r.loc[("A", "mixed"), "quantity"] == pytest.approx(people_a * (0.5 + 2.0 / DEFAULT_HOUSEHOLD_SIZE) * 2)
    r4 = requirements(norms=norms, demand=c.demand, household_size=4).set_index(["township", "item"])
    assert r4.loc[("A", "tent"), "quantity"] == pytest.approx(people_a / 4)
    # assess counts the household norm once (not again when it calls requirements)
    st = pd.DataFrame({"depot": ["DA"], "item": ["tent"], "quantity": [10.0], "expires": [None]})
    a = assess(c, norms=norms, stock=st, times=township_times().loc[["DA", "DC"]], household_size=4)
    it = a.items.set_index(["depot", "item"])
    assert it.loc[("DA", "tent"), "required"] == pytest.approx(people_a / 4)


def test_per_household_norm_errors():
    c = toy_county()
    norms = pd.DataFrame({"per_person_per_day": [np.nan], "per_household_per_day": [np.nan], "days": [1]}, index=["x"])
    with pytest.raises(ValidationError, match=r"needs 'per_person_per_day' or 'per_household_per_day' for items \['x'\]"):
        requirements(norms=norms, demand=c.demand)
    norms = pd.DataFrame({"per_household_per_day": [-1.0], "days": [1]}, index=["x"])
    with pytest.raises(ValidationError, match=r"negative or infinite 'per_household_per_day' for items \['x'\]"):
        requirements(norms=norms, demand=c.demand)
    norms = pd.DataFrame({"per_household_per_day": [1.0], "days": [1]}, index=["x"])
    with pytest.raises(ValidationError, match="'household_size' parameter of requirements"):
        requirements(norms=norms, demand=c.demand, household_size=0)


# ----------------------------------------------------------------------------- validation errors
def test_requirements_errors():
    c = toy_county()
    with pytest.raises(ValidationError, match="'norms' parameter of requirements"):
        requirements(demand=c.demand)
    with pytest.raises(ValidationError, match="'demand' parameter of requirements"):
        requirements(norms=c.items, demand=c.demand.drop(columns="population"))
    dup = pd.concat([c.items, c.items.iloc[[0]]])
    with pytest.raises(ValidationError, match=r"duplicate items \['water'\]"):
        requirements(norms=dup, demand=c.demand)
    bad = c.items.assign(days=[3, -1])
    with pytest.raises(ValidationError, match=r"negative or missing 'days' for items \['kit'\] \(values \[-1\]\)"):
        requirements(norms=bad, demand=c.demand)
    with pytest.raises(ValidationError, match="'at_risk' parameter of requirements must be indexed by demand ids or township names. Got unknown labels"):
        requirements(c, at_risk=pd.Series({"nowhere": 5.0}))
    with pytest.raises(ValidationError, match="'at_risk' parameter of requirements must be non-negative. Got -"):
        requirements(c, at_risk=pd.Series({"A": -5.0}))
    with pytest.raises(ValidationError, match=r"no share for risk levels \['high'\]"):
        requirements(c, evacuation_share={"normal": 0.1})
    # at_risk per township is spread by population
    r = requirements(c, at_risk=pd.Series({"A": 150.0})).set_index(["township", "item"])
    assert r.loc[("A", "water"), "people_at_risk"] == pytest.approx(150.0)


def test_assess_errors():
    c = toy_county()
    tt = township_times().loc[["DA", "DC"]]
    with pytest.raises(ValidationError, match="'depots' parameter of assess"):
        assess(c, depots=c.depots.iloc[:0], times=tt)
    c2 = toy_county()
    c2.stock = None
    with pytest.raises(ValidationError, match="'stock' parameter of assess"):
        assess(c2, times=tt)
    with pytest.raises(ValidationError, match=r"'stock' table is missing column\(s\) \['quantity'\]"):
        assess(c, stock=c.stock.drop(columns="quantity"), times=tt)
    with pytest.raises(ValidationError, match=r"unknown depots \['DZ'\]"):
        assess(c, stock=c.stock.assign(depot=["DA", "DA", "DZ", "DA"]), times=tt)
    with pytest.raises(ValidationError, match="'times' parameter of assess"):
        assess(c)  # no times and no network
    with pytest.raises(ValidationError, match="must be labelled origins × destinations"):
        assess(c, times=tt.drop(columns="C"))
    with pytest.raises(ValidationError, match=r"must be an array of shape \(n_depots, n_seats\) = \(2, 3\)"):
        assess(c, times=np.zeros((3, 3)))


def small_network():
    edges = pd.DataFrame({"u": [1, 2, 3], "v": [2, 3, 4], "minutes": [30.0, 30.0, 30.0]})
    nodes = pd.DataFrame({"x": [0.0, 1.0, 5.0, 9.0], "y": [0.0] * 4}, index=[1, 2, 3, 4])
    return yj.Network.from_edges(edges, nodes=nodes)


def test_network_routing_and_sites_off_the_network():
    c = toy_county()
    c.network = small_network()
    a = assess(c, as_of="2026-12-01")
    tw = a.townships.set_index("township")
    assert tw.loc["A", "depot"] == "DA" and tw.loc["A", "minutes"] == 0.0
    assert tw.loc["B", "minutes"] == 30.0  # seat d3 (node 3) is 30 min from DC (node 4)
    bad = c.depots.assign(node=[1, 99])
    with pytest.raises(ValidationError, match=r"Sites off the network in assess: depots with ids 'DC' have nodes 99"):
        assess(c, depots=bad)
    dm = c.demand.assign(node=pd.array([1, 2, None, 4], dtype=object))
    with pytest.raises(ValidationError, match=r"township seats with ids 'B' have nodes None"):
        assess(c, demand=dm)
    demands = pd.DataFrame({"destination": ["d3"], "item": ["water"], "quantity": [10.0]})
    with pytest.raises(ValidationError, match=r"Sites off the network in transfer: depots with ids 'DC'"):
        transfer(c, demands, depots=bad)


def test_scenarios_errors():
    d = pd.DataFrame({"scenario": ["a"], "township": ["A"], "item": ["water"], "quantity": [1.0]})
    with pytest.raises(ValidationError, match="'probabilities' parameter of Scenarios must be a non-empty"):
        Scenarios(pd.Series(dtype=float), d)
    with pytest.raises(ValidationError, match="'probabilities' parameter of Scenarios must be non-negative"):
        Scenarios(pd.Series({"a": 1.5, "b": -0.5}), d)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['quantity'\]"):
        Scenarios(pd.Series({"a": 1.0}), d.drop(columns="quantity"))
    with pytest.raises(ValidationError, match=r"scenarios without a probability: \['b'\]"):
        Scenarios(pd.Series({"a": 1.0}), d.assign(scenario="b"))


def test_preposition_errors(monkeypatch):
    c = toy_county()
    tt = township_times()
    with pytest.raises(ValidationError, match="'scenarios' parameter of preposition must be a Scenarios"):
        preposition(c, {"s1": 1.0}, times=tt)
    with pytest.raises(ValidationError, match="'budget' parameter of preposition"):
        preposition(c, scen(), times=tt, budget=-1.0)
    with pytest.raises(ValidationError, match="'max_unmet_probability' parameter of preposition"):
        preposition(c, scen(), times=tt, max_unmet_probability=1.5)
    with pytest.raises(ValidationError, match="'ship_cost' parameter of preposition"):
        preposition(c, scen(), times=tt, ship_cost=-1.0)
    sc = Scenarios(pd.Series({"s": 1.0}), pd.DataFrame({"scenario": ["s"], "township": ["Z"], "item": ["water"],
                                                        "quantity": [1.0]}), closed_depots={"s": ["DQ"]})
    with pytest.raises(ValidationError) as ei:
        preposition(c, sc, times=tt)
    assert "unknown townships ['Z']" in str(ei.value) and "close unknown depots ['DQ']" in str(ei.value)
    with pytest.raises(ValidationError, match=r"The 'capacity' of the depots \(and 'candidate_capacity'\) of preposition must be a non-negative number of m³. Got -1 for \['DA'\] instead"):
        preposition(c, scen(), times=tt, depots=c.depots.assign(capacity=[-1.0, 50.0]))
    with pytest.raises(ValidationError, match="'depots' parameter of preposition"):
        preposition(SimpleNamespace(**{**vars(c), "depots": None}), scen(), times=tt)
    monkeypatch.setattr(prepositioning, "_extensive", lambda *a, **k: (None, None, None))
    with pytest.raises(SolverError, match="no first-stage decision within the time limit") as ei:
        preposition(c, scen(), times=tt, method="extensive", vss=False)
    assert ei.value.status == "time_limit"


def test_transfer_errors():
    c = toy_county()
    times = pd.DataFrame([[60, 200], [50, 5]], index=["DA", "DC"], columns=["d3", "d4"])
    demands = pd.DataFrame({"destination": ["d3"], "item": ["water"], "quantity": [10.0]})
    with pytest.raises(ValidationError, match="'objective' parameter of transfer"):
        transfer(c, demands, times=times, objective="fast")
    with pytest.raises(ValidationError, match=r"'demands' table of transfer is missing column\(s\) \['quantity'\]"):
        transfer(c, demands.drop(columns="quantity"), times=times)
    with pytest.raises(ValidationError, match="'demands' table of transfer has negative or missing quantities"):
        transfer(c, demands.assign(quantity=-1.0), times=times)
    with pytest.raises(ValidationError, match=r"'demands' table of transfer names unknown items \['gold'\]"):
        transfer(c, demands.assign(item="gold"), times=times)
    with pytest.raises(ValidationError, match=r"unknown destinations \['d9'\]"):
        transfer(c, demands.assign(destination="d9"), times=times)
    with pytest.raises(ValidationError, match="transfer needs depots and stock"):
        transfer(SimpleNamespace(**{**vars(c), "stock": None}), demands, times=times)


def test_transfer_priorities_decide_who_waits():
    c = toy_county()
    times = pd.DataFrame([[60, 200], [50, 5]], index=["DA", "DC"], columns=["d3", "d4"])
    # 100 usable kits at DA; d3 (priority 1) and d4 (priority 5) want 80 each
    demands = pd.DataFrame({"destination": ["d3", "d4"], "item": ["kit", "kit"], "quantity": [80.0, 80.0],
                            "priority": [1, 5]})
    tp = transfer(c, demands, times=times, as_of="2026-12-01")
    got = tp.shipments.groupby("destination")["quantity"].sum()
    assert got["d4"] == pytest.approx(80.0) and got["d3"] == pytest.approx(20.0)
    assert tp.shipments["quantity"].sum() <= 100 + 1e-9
    assert tp.unmet.set_index("destination").loc["d3", "quantity"] == pytest.approx(60.0)
    assert "Transfer" in tp.summary() and tp.to_dict()["optimal"]


# ----------------------------------------------------------------------------- sample scenarios
def test_sample_scenarios_errors_and_determinism():
    county = yj.datasets.sample_county()
    with pytest.raises(ValidationError, match="'n' parameter of sample_scenarios"):
        sample_scenarios(county, 0, seed=1)
    with pytest.raises(ValidationError, match="'kinds' parameter of sample_scenarios"):
        sample_scenarios(county, 3, seed=1, kinds=("tsunami",))
    a = sample_scenarios(county, 6, seed=7)
    b = sample_scenarios(county, 6, seed=7)
    pd.testing.assert_frame_equal(a.demand, b.demand)
    assert a.closed_depots == b.closed_depots and a.closed_edges == b.closed_edges
    assert a.probabilities.sum() == pytest.approx(1.0) and len(a) == 6
    assert set(a.demand["township"]) <= set(county.demand["township"].astype(str))
    assert set(a.demand["item"]) <= set(county.items["item"] if "item" in county.items.columns else county.items.index)
    c = sample_scenarios(county, 6, seed=8)
    assert not a.demand["quantity"].equals(c.demand["quantity"])


@pytest.mark.slow
def test_benders_equals_extensive_on_the_sample_county():
    """Decomposition equals the deterministic equivalent on a moderate size (10 scenarios)."""
    county = yj.datasets.sample_county()
    sc = sample_scenarios(county, 10, seed=3)
    ext = preposition(county, sc, method="extensive", vss=False, time_limit=300)
    ben = preposition(county, sc, method="benders", vss=False, time_limit=300, max_iter=500)
    assert ext.optimal and ben.optimal
    assert ben.expected_cost == pytest.approx(ext.expected_cost, rel=1e-5)


def test_scenario_lp_tolerates_tiny_negative_stock_from_the_master():
    """Regression: the L-shaped master returned buy = -2.4e-7 (within HiGHS's tolerance) on the
    sample county with 10 scenarios, and the scenario LP with that negative stock bound was
    infeasible."""
    ship = np.array([[1.0]])
    demand = np.array([[5.0]])
    cost, grad, unmet = stochastic._solve_subproblem(
        (ship, demand, np.array([1.0]), np.array([10.0]), np.array([-2.4e-7]), 10.0))
    assert cost == pytest.approx(50.0) and unmet[0] == pytest.approx(5.0)


def test_shelf_life_gives_the_expiry_where_none_is_given():
    c = toy_county()
    norms = c.items.assign(shelf_life_days=[365.0, 180.0])
    st = pd.DataFrame({"depot": ["DA", "DA", "DA", "DC"], "item": ["kit", "kit", "kit", "water"],
                       "quantity": [10.0, 20.0, 40.0, 100.0],
                       "acquired": ["2026-01-01", "2026-11-01", "2020-01-01", None],
                       "expires": [None, None, "2030-01-01", None]})
    a = assess(c, norms=norms, stock=st, as_of="2026-12-01", horizon_days=200,
               times=township_times().loc[["DA", "DC"]])
    it = a.items.set_index(["depot", "item"])
    # kit bought 2026-01-01 + 180 d expired in June; 2026-11-01 + 180 d is usable and expiring;
    # an explicit 'expires' wins over acquired + shelf life
    assert it.loc[("DA", "kit"), "expired"] == 10.0
    assert it.loc[("DA", "kit"), "stock"] == 60.0 and it.loc[("DA", "kit"), "expiring"] == 20.0
    assert it.loc[("DC", "water"), "stock"] == 100.0  # no dates at all: never expires
    # transfer uses the same rule
    demands = pd.DataFrame({"destination": ["d1"], "item": ["kit"], "quantity": [1000.0]})
    tp = transfer(c, demands, stock=st, items=norms, times=pd.DataFrame([[1.0], [2.0]], index=["DA", "DC"],
                                                                        columns=["d1"]), as_of="2026-12-01")
    assert tp.shipments["quantity"].sum() == pytest.approx(60.0)
