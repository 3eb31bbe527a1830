"""fire.plan / fire.assess over the JSON API take availability=, busy=, service_minutes= and hour=
(issue 22's features reachable from other systems), with the same answer as in process."""

import yingji as yj
from yingji.api import handle, validate_response


def test_fire_plan_availability_over_the_api_equals_in_process():
    county = yj.datasets.sample_county()
    r = handle({"action": "fire.plan", "county": {"sample": True},
                "params": {"availability": 0.95, "time_limit": 60}})
    assert r["ok"], r
    assert validate_response(r) == []
    direct = yj.fire.plan(county, availability=0.95, time_limit=60)
    assert r["result"]["new_stations"] == direct.new_stations
    assert r["result"]["model"] == direct.model == "reliable_cover"


def test_fire_assess_at_an_hour_over_the_api():
    county = yj.datasets.sample_county()
    r = handle({"action": "fire.assess", "county": {"sample": True}, "params": {"hour": 18, "busy": 0.2}})
    assert r["ok"], r
    direct = yj.fire.assess(county, hour=18, busy=0.2)
    assert r["result"]["coverage_share"] == direct.coverage_share
    assert direct.coverage_share < yj.fire.assess(county).coverage_share  # rush hour reaches fewer


def test_bad_availability_is_a_bad_request():
    r = handle({"action": "fire.plan", "county": {"sample": True}, "params": {"availability": 1.5}})
    assert not r["ok"] and r["error"]["type"] == "BadRequest" and "availability" in r["error"]["message"]
