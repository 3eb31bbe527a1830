"""Build a small county from DataFrames, save it as a folder, load it back.

Run: ``python examples/build_county.py``. Shows the county data model (docs/data-formats.md) and
its validation: every problem in the input is reported at once, naming table, row and column.
"""

import tempfile

import pandas as pd

import yingji as yj

# a 5 x 5 street grid, 200 m blocks, 0.5 min per block (24 km/h)
rows = []
for i in range(5):
    for j in range(5):
        k = 5 * i + j
        if i < 4:
            rows.append((k, k + 5, 0.5, 200.0))
        if j < 4:
            rows.append((k, k + 1, 0.5, 200.0))
roads = pd.DataFrame(rows, columns=["u", "v", "minutes", "metres"])
nodes = pd.DataFrame({"x": [200.0 * (k // 5) for k in range(25)],
                      "y": [200.0 * (k % 5) for k in range(25)]})
net = yj.Network.from_edges(roads, nodes=nodes, source="u", target="v", weight="minutes",
                            directed=False, length="metres")

demand = pd.DataFrame({"id": ["a", "b", "c"], "x": [10.0, 420.0, 790.0], "y": [20.0, 390.0, 800.0],
                       "population": [1200.0, 800.0, 500.0], "area_m2": [40000.0] * 3})
stations = pd.DataFrame({"id": ["S1"], "x": [400.0], "y": [400.0], "station_class": ["class2"],
                         "engines": [2], "ladders": [0], "staff": [15]})
units = pd.DataFrame({"id": ["S1-E1", "S1-E2"], "station": ["S1", "S1"], "type": ["engine"] * 2})
county = yj.County(net, demand=demand, stations=stations, units=units,
                   meta={"name": "示例县", "crs": "EPSG:4547", "area_km2": 0.64})
print(county.summary())
print(county.demand[["x", "y", "node", "population"]])

with tempfile.TemporaryDirectory() as folder:
    county.save(folder)
    back = yj.County.load(folder)
    assert back.to_json() == county.to_json()
    print("folder round trip: identical")

# bad input: all problems at once
bad_units = pd.DataFrame({"id": ["U1", "U1"], "station": ["S1", "S9"], "type": ["engine"] * 2})
try:
    yj.County(net, demand=demand.assign(population=[1.0, -2.0, "many"]), stations=stations,
              units=bad_units)
except yj.ValidationError as exc:
    print(exc)
