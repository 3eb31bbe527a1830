"""A short tour of yingji on the sample county (the README's tour, runnable).

Run: ``python examples/tour.py`` (about 15 s on 2 cores).
"""

import tempfile

import yingji as yj

county = yj.datasets.sample_county()          # or yj.County.load("my_county/")
print(county.summary())
net, demand, stations = county.network, county.demand, county.stations

# station -> demand driving minutes (rows: demand points, columns: stations)
T = net.travel_times(stations["node"], demand["node"]).T
reached = T.min(axis=1) <= 4.0                # 4 min of driving after a 1 min turnout
print(f"reached within 4 min: {demand.loc[reached, 'population'].sum() / demand['population'].sum():.1%}")

# fire stations: assessment against GB 51080 and the plan that closes the gap
a = yj.fire.assess(county, standard="GB51080")
pl = yj.fire.plan(county, standard="GB51080", target=1.0)
print(a.summary())
print(pl.summary())

# the siting models on any cost matrix (demand x sites, minutes)
cost = net.travel_times(county.candidates["node"], demand["node"]).T
r = yj.mclp(cost, radius=4.0, p=5, weights=demand["population"].to_numpy(), time_limit=60)
print("MCLP p=5:", r.sites, r.objective, r.gap, r.status)

# the county plan's targets, from reported figures and from the models
rep = yj.compliance.check(county, rules="county-plan-2020")
print(rep.to_frame().query("status == 'fail'")[["rule_id", "metric", "value", "threshold"]])

# your own county: a folder of CSV files (see docs/data-formats.md)
with tempfile.TemporaryDirectory() as folder:
    county.save(folder)
    same = yj.County.load(folder)
    doc = county.to_json()                     # one JSON document, lossless
    print(f"saved and loaded {same!r}; JSON document {len(doc) / 1e6:.1f} MB")
