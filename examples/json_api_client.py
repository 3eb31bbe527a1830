"""Call yingji's JSON API the way another system's service would.

Run: ``python examples/json_api_client.py`` (about 10 s on 2 cores). Every request and every
response is plain JSON (``json.dumps`` works on both); see ``docs/api-json.md``. The same
requests can be piped through ``python -m yingji.api < request.json``.
"""

import json
import subprocess
import sys

import yingji as yj


def call(request: dict) -> dict:
    """Send one request through JSON text, as a web service would, and check the answer."""
    response = yj.api.handle(json.loads(json.dumps(request)))
    json.dumps(response, allow_nan=False)          # always valid JSON, no NaN / Infinity
    assert yj.api.validate_response(response) == [], "the response follows the schema"
    return response


# 1. what the service can do
r = call({"version": 1, "action": "schema", "params": {"kind": "all"}})
print("actions:", ", ".join(a["action"] for a in r["result"]["actions"]))

# 2. a siting model on a cost matrix sent in the request (minutes, demand x sites)
r = call({"version": 1, "id": "mclp-1", "action": "siting.mclp",
          "params": {"cost": {"data": [[2, 9, 6], [8, 3, "inf"], [4, 4, 9], [9, 7, 2]],
                              "rows": ["村A", "村B", "村C", "村D"],
                              "columns": ["site1", "site2", "site3"]},
                     "radius": 4, "p": 2, "weights": [120, 300, 80, 200], "time_limit": 10}})
res = r["result"]
print(f"MCLP: open {res['site_ids']}, covered weight {res['objective']:g} "
      f"({res['status']}, gap {res['gap']:.1e}), {r['seconds']:.2f} s")

# 3. the sample county: fire stations against GB 51080
county = {"sample": True}
r = call({"version": 1, "action": "fire.assess", "county": county})
fa = r["result"]
print(f"fire: {fa['coverage_share']:.1%} of the urban population reached in "
      f"{fa['travel_budget']:g} min; {len(fa['uncovered'])} points not reached")

# 4. a what-if: one more station (the county's tables replaced for this request only)
sample = yj.datasets.sample_county()
stations = sample.stations.reset_index().to_dict(orient="records")
cand = sample.candidates.loc["C25"]
stations.append({"id": "NEW1", "x": float(cand["x"]), "y": float(cand["y"]),
                 "station_class": "class1", "engines": 2, "ladders": 1, "staff": 30})
r = call({"version": 1, "action": "fire.assess",
          "county": {"sample": True, "replace": {"stations": stations}}})
print(f"fire with a station at C25: {r['result']['coverage_share']:.1%} reached")

# 5. travel times from the stations to two points (snapped to the road network)
r = call({"version": 1, "action": "network.travel_times", "county": county,
          "params": {"origins": {"table": "stations"},
                     "destinations": {"x": [499000, 503000], "y": [3395000, 3399000]}}})
tt = r["result"]
for o, row in zip(tt["origins"], tt["values"]):
    print(f"  {o}: " + ", ".join(f"{v:.1f} {tt['unit']}" for v in row))

# 6. the compliance report (the county plan's 177 targets)
r = call({"version": 1, "action": "check", "county": county,
          "params": {"rules": "county-plan-2020", "as_of": "2025-12-31", "time_limit": 60}})
rep = r["result"]
print(f"compliance: {rep['counts']['pass']} pass, {rep['counts']['fail']} fail, "
      f"{rep['counts']['missing']} missing; fix first: {rep['fix_first'][:5]}")

# 7. errors come back as objects, never as tracebacks
for bad in ({"version": 1, "action": "fire.teleport", "county": county},
            {"version": 1, "action": "siting.lscp", "params": {"cost": [[1, -2]], "radius": 1}},
            {"version": 1, "action": "siting.lscp", "params": {"cost": [[1, 9], [9, 9]],
                                                               "radius": 2}}):
    r = call(bad)
    print(f"error {r['error']['type']}: {r['error']['message'][:100]}")

# 8. the same through the command line: python -m yingji.api < request.json
proc = subprocess.run([sys.executable, "-m", "yingji.api"], capture_output=True, text=True,
                      input=json.dumps({"action": "siting.lscp",
                                        "params": {"cost": [[1, 5], [5, 1]], "radius": 2}}),
                      timeout=120)
print("python -m yingji.api:", json.loads(proc.stdout)["result"]["sites"],
      "exit", proc.returncode)
