"""The service's endpoints over real HTTP: health, OpenAPI, requests, jobs, counties, auth,
limits and errors (one server with a token; ``conftest.Server``)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from importlib import resources
from pathlib import Path

import httpx
import pytest
from serve_harness import TOKEN, long_request, mclp_request, wait_dead, worker_of

import yingji as yj

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _problem(r, status, etype=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] == body["error"]["type"]
    assert set(body["error"]) >= {"type", "message", "problems"}
    assert "Traceback" not in r.text
    if etype:
        assert body["error"]["type"] == etype
    return body


def test_health_is_open_and_names_the_version(server):
    r = httpx.get(server.url + "/health")  # no token needed
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["version"] == yj.__version__
    assert len(body["workers"]) == 2


def test_openapi_is_valid_openapi_31_from_the_api_schemas(server):
    doc = httpx.get(server.url + "/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    # one source of truth: the request body is the JSON API's request schema
    req = yj.api.schema("request")
    assert doc["components"]["schemas"]["Request"]["properties"]["action"] == \
        req["properties"]["action"]
    assert set(doc["components"]["schemas"]) >= {f"Request_{k}" for k in req["$defs"]}
    assert "$defs" not in json.dumps(doc)
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)
    assert httpx.get(server.url + "/docs").status_code == 200


def test_auth_is_needed_on_v1(server):
    req = mclp_request(1)
    r = httpx.post(server.url + "/v1/requests", json=req)
    body = _problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization" in body["error"]["message"]
    r = httpx.post(server.url + "/v1/requests", json=req,
                   headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    _problem(r, 401)
    r = httpx.get(server.url + "/v1/jobs", headers={"Authorization": TOKEN})  # no scheme
    _problem(r, 401)
    assert server.post("/v1/requests", req).status_code == 200


def test_request_gives_the_json_api_response(server):
    req = mclp_request(2)
    r = server.post("/v1/requests", req)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    got = r.json()
    want = yj.api.handle(req)
    assert got["ok"] and got["id"] == "mclp-2"
    assert got["result"]["sites"] == want["result"]["sites"]
    assert got["result"]["objective"] == pytest.approx(want["result"]["objective"])
    assert yj.api.validate_response(got) == []


def test_bad_requests_are_problems(server):
    r = server.post("/v1/requests", content=b'{"action": "siting.mclp"',
                    headers={"Content-Type": "application/json"})
    _problem(r, 400, "BadRequest")
    body = _problem(server.post("/v1/requests", {"action": "siting.mclp",
                                                 "params": {"radius": -1}}), 422, "BadRequest")
    assert body["response"]["ok"] is False and body["response"]["action"] == "siting.mclp"
    assert yj.api.validate_response(body["response"]) == []
    _problem(server.post("/v1/requests", {"action": "nope"}), 422, "BadRequest")
    # infeasible / model errors keep their JSON API type
    body = _problem(server.post("/v1/requests", {"action": "siting.lscp", "params": {
        "cost": [[1, 9], [9, 9]], "radius": 2}}), 422)
    assert body["error"]["type"] in ("InfeasibleError", "ValidationError")
    _problem(server.get("/v1/nowhere"), 404)


def test_problem_documents_carry_chinese_as_utf8(server):
    """An error naming a Chinese value is sent as UTF-8 text, not as \\u escapes (like the
    success bodies)."""
    r = server.post("/v1/requests", {"action": "siting.mclp", "params": {
        "cost": [[1, 2], [2, 1]], "radius": "约300人", "p": 1}})
    assert r.status_code in (400, 422)
    assert "约300人" in r.content.decode("utf-8") and "\\u7ea6" not in r.text


def test_server_paths_are_refused(server, tmp_path):
    for route in ("/v1/requests", "/v1/jobs"):
        body = _problem(server.post(route, {"action": "fire.assess",
                                            "county": {"path": str(tmp_path)}}), 403)
        assert "path" in body["error"]["message"]
    # params naming files are refused by the JSON API itself (allow_paths=False)
    r = server.post("/v1/requests", {"action": "fire.assess", "county": {"sample": True},
                                     "params": {"standard": "/etc/passwd"}})
    assert r.status_code in (403, 422), r.text


def test_oversize_body_gets_413(server):
    big = b'{"action": "schema", "pad": "' + b"x" * (5 * 2**20) + b'"}'
    r = server.post("/v1/requests", content=big, headers={"Content-Type": "application/json"})
    _problem(r, 413)

    def chunks():  # no Content-Length: counted while read
        for _ in range(6):
            yield b"x" * 2**20

    r = server.post("/v1/requests", content=chunks(),
                    headers={"Content-Type": "application/json"})
    _problem(r, 413)


def test_job_lifecycle(server):
    req = mclp_request(3)
    r = server.post("/v1/jobs", req)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    jid = r.json()["id"]
    assert r.headers["location"] == f"/v1/jobs/{jid}"
    job = server.wait_job(jid)
    assert job["status"] == "done", job
    assert job["progress"] == {"phase": "done", "fraction": 1.0}
    assert job["created"] <= job["started"] <= job["finished"]
    want = yj.api.handle(req)["result"]
    assert job["result"]["sites"] == want["sites"]
    listed = server.get("/v1/jobs", params={"status": "done", "limit": 100}).json()
    assert jid in [j["id"] for j in listed["jobs"]] and listed["total"] >= 1
    assert "result" not in listed["jobs"][0]
    _problem(server.get("/v1/jobs", params={"status": "bogus"}), 422)
    _problem(server.get("/v1/jobs", params={"limit": "many"}), 422)
    _problem(server.delete(f"/v1/jobs/{jid}"), 409)  # already done


def test_unknown_job_is_404(server):
    _problem(server.get("/v1/jobs/0123456789abcdef"), 404)
    _problem(server.delete("/v1/jobs/0123456789abcdef"), 404)
    _problem(server.post("/v1/jobs/0123456789abcdef/resubmit"), 404)


def test_invalid_job_is_refused_before_queueing(server):
    before = server.get("/v1/jobs").json()["total"]
    _problem(server.post("/v1/jobs", {"action": "siting.mclp", "params": {"p": "two"}}), 422,
             "BadRequest")
    _problem(server.post("/v1/jobs", {"action": "fire.assess", "county": {"id": "ab" * 16}}),
             422, "BadRequest")
    assert server.get("/v1/jobs").json()["total"] == before


def test_cancel_stops_the_solver_process(server):
    jid = server.post("/v1/jobs", long_request(60, seed=1)).json()["id"]
    pid = worker_of(server, jid)
    t0 = time.monotonic()
    r = server.delete(f"/v1/jobs/{jid}")
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["status"] == "cancelled" and job["error"]["status"] == "cancelled"
    assert wait_dead(pid, 10), "the cancelled job's process still runs"
    assert time.monotonic() - t0 < 15
    # a queued job cancels too, and the server goes on serving
    ok = server.post("/v1/jobs", mclp_request(4)).json()["id"]
    assert server.wait_job(ok)["status"] == "done"
    resub = server.post(f"/v1/jobs/{jid}/resubmit")
    assert resub.status_code == 202 and resub.json()["id"] == jid
    worker_of(server, jid)
    _problem(server.post(f"/v1/jobs/{jid}/resubmit"), 409)  # running: not resubmittable
    assert server.delete(f"/v1/jobs/{jid}").json()["status"] == "cancelled"
    assert server.get(f"/v1/jobs/{jid}").json()["attempts"] == 2


def test_a_killed_worker_fails_only_its_job(server):
    import os
    import signal

    long_id = server.post("/v1/jobs", long_request(60, seed=2)).json()["id"]
    pid = worker_of(server, long_id)
    quick = server.post("/v1/jobs", mclp_request(5)).json()["id"]
    os.kill(pid, signal.SIGKILL)
    job = server.wait_job(long_id, timeout=20)
    assert job["status"] == "failed"
    assert job["error"]["status"] == "worker_died" and "SIGKILL" in job["error"]["message"]
    assert server.wait_job(quick)["status"] == "done"
    assert server.post("/v1/requests", mclp_request(6)).status_code == 200
    assert len(server.health()["workers"]) == 2   # replaced


def test_a_killed_request_worker_fails_only_its_request(server):
    import os
    import signal
    import threading

    got = {}
    t = threading.Thread(target=lambda: got.setdefault(
        "r", server.post("/v1/requests", long_request(15, seed=3))))
    t.start()
    t0 = time.monotonic()
    busy = []
    while not busy and time.monotonic() - t0 < 30:
        busy = [w["pid"] for w in server.health()["request_workers"] if w["busy"]]
        time.sleep(0.05)
    assert busy, server.health()
    os.kill(busy[0], signal.SIGKILL)
    t.join(30)
    body = _problem(got["r"], 500, "InternalError")
    assert "killed by signal SIGKILL" in body["error"]["message"], body
    assert server.post("/v1/requests", mclp_request(7)).status_code == 200
    pids = [w["pid"] for w in server.health()["request_workers"]]
    assert len(pids) == 2 and busy[0] not in pids   # replaced


def _sample_zip(gb18030: tuple = ()) -> bytes:
    """The sample county's folder, zipped inside a top-level folder (the CSVs named in
    ``gb18030`` re-encoded from UTF-8 to GB18030, as a county saved by Excel on a Chinese
    Windows would be)."""
    folder = Path(str(resources.files("yingji") / "datasets" / "data"))
    toml = next(folder.rglob("county.toml")).parent
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(toml.iterdir()):
            if f.is_file():
                data = f.read_bytes()
                if f.name in gb18030:
                    data = data.decode("utf-8").encode("gb18030")
                zf.writestr(f"sample/{f.name}", data)
    assert len(zf.namelist()) > 5
    return buf.getvalue()


def test_county_upload_and_use_by_id(server):
    tiny = yj.datasets.sample_county()
    doc = tiny.to_json()
    r = server.post("/v1/counties", content=doc.encode(),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    again = server.post("/v1/counties", content=doc.encode(),
                        headers={"Content-Type": "application/json"}).json()["id"]
    assert again == cid   # a content hash
    rz = server.post("/v1/counties", content=_sample_zip(),
                     headers={"Content-Type": "application/zip"})
    assert rz.status_code == 201, rz.text
    assert len(rz.json()["id"]) == 32
    req = {"action": "fire.assess", "county": {"id": cid}}
    job = server.wait_job(server.post("/v1/jobs", req).json()["id"])
    want = yj.api.handle({"action": "fire.assess", "county": {"sample": True}})
    assert job["status"] == "done", job
    assert json.dumps(job["result"], sort_keys=True) == json.dumps(want["result"],
                                                                   sort_keys=True)
    # not a county: the loader's message comes back
    bad = _problem(server.post("/v1/counties", {"format": "nope"}), 422)
    assert "county" in bad["error"]["message"]
    _problem(server.post("/v1/counties", content=b"PK\x03\x04garbage",
                         headers={"Content-Type": "application/zip"}), 422)
    _problem(server.post("/v1/requests", {"action": "fire.assess", "county": {"id": "f" * 32}}),
             422, "BadRequest")


def test_upload_encoding_warning_goes_to_the_caller(server, tmp_path):
    from yingji.client import Client
    from yingji.exceptions import YingjiWarning

    r = server.post("/v1/counties", content=_sample_zip(gb18030=("stations.csv",)),
                    headers={"Content-Type": "application/zip"})
    assert r.status_code == 201, r.text
    got = r.json()["warnings"]
    assert len(got) == 1 and got[0].startswith("YingjiWarning: stations.csv is not UTF-8: "
                                               "read as GB18030"), got
    # read right: the same county as the UTF-8 upload
    assert r.json()["id"] == server.post("/v1/counties", content=_sample_zip(), headers={
        "Content-Type": "application/zip"}).json()["id"]
    assert server.post("/v1/counties", content=_sample_zip(),
                       headers={"Content-Type": "application/zip"}).json()["warnings"] == []
    assert "not UTF-8" not in server.log_text()          # the caller's news, not the log's
    with Client(server.url, token=TOKEN) as c, pytest.warns(YingjiWarning,
                                                            match="server: YingjiWarning: "
                                                            "stations.csv is not UTF-8"):
        z = tmp_path / "gbk.zip"
        z.write_bytes(_sample_zip(gb18030=("stations.csv",)))
        c.upload_county(z)


def test_client_round_trip(server):
    from yingji.client import Client, ServiceError

    with Client(server.url, token=TOKEN) as c:
        assert c.health()["status"] == "ok"
        resp = c.request(mclp_request(7))
        assert resp["ok"]
        bad = c.request({"action": "siting.mclp", "params": {"radius": -1}})
        assert bad["ok"] is False and bad["error"]["type"] == "BadRequest"
        jid = c.submit(mclp_request(8))
        job = c.wait(jid, timeout=60, poll=0.1, progress=True)
        assert job["status"] == "done"
        assert job["result"]["objective"] == yj.api.handle(mclp_request(8))["result"]["objective"]
        assert any(j["id"] == jid for j in c.jobs(limit=200)["jobs"])
        cid = c.upload_county(yj.datasets.sample_county())
        assert len(cid) == 32
        long_id = c.submit(long_request(60, seed=3))
        with pytest.raises(TimeoutError):
            c.wait(long_id, timeout=0.3, poll=0.1)
        assert c.cancel(long_id)["status"] == "cancelled"
        with pytest.raises(ServiceError, match="HTTP 404") as ei:
            c.job("nope")
        assert ei.value.status == 404 and ei.value.error["type"] == "BadRequest"
    with Client(server.url) as anon, pytest.raises(ServiceError, match="HTTP 401"):
        anon.jobs()
