"""The job store, the county store and the JSON API's county-id hook, in process (no server)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

import yingji as yj
from yingji.exceptions import ValidationError


def test_job_store_states(tmp_path):
    from yingji.service.store import JobStore

    st = JobStore(tmp_path / "j.sqlite3")
    a = st.add({"action": "schema"})
    b = st.add({"action": "siting.mclp"})
    assert st.status(a) == "queued" and st.counts()["queued"] == 2
    jid, req = st.claim_next()
    assert (jid, req) == (a, {"action": "schema"})   # oldest first
    assert st.get(a)["started"] is not None and st.get(a)["attempts"] == 1
    st.progress(a, "solving", 0.4)
    assert st.get(a)["progress"] == {"phase": "solving", "fraction": 0.4}
    assert st.cancel_queued(b) and st.status(b) == "cancelled"
    assert not st.cancel_queued(a)                   # running: the runner's to stop
    # a new store on the same file (a restart): running -> interrupted
    st2 = JobStore(tmp_path / "j.sqlite3")
    assert st2.recover() == 1
    job = st2.get(a)
    assert job["status"] == "interrupted" and job["error"]["status"] == "interrupted"
    assert yj.api.validate_response({"version": 1, "ok": False, "action": "schema",
                                     "error": job["error"], "seconds": 0.0,
                                     "warnings": []}) == []
    assert not st2.finish(a, {"ok": True, "result": 1})  # not running: unchanged
    assert st2.requeue(a) and st2.status(a) == "queued"
    jid, _ = st2.claim_next()
    assert st2.finish(jid, {"version": 1, "ok": True, "action": "schema", "result": {"x": 1},
                            "seconds": 0.1, "warnings": []})
    done = st2.get(a)
    assert done["status"] == "done" and done["result"] == {"x": 1} and done["attempts"] == 2
    page = st2.list(limit=1)
    assert page["total"] == 2 and len(page["jobs"]) == 1 and page["jobs"][0]["id"] == b
    st.close()
    st2.close()


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_county_store_refuses_bad_uploads(tmp_path):
    from yingji.service.counties import CountyStore

    cs = CountyStore(tmp_path, max_unzipped=10_000)
    with pytest.raises(ValidationError, match="outside its folder"):
        cs.add(_zip({"../evil.csv": "x"}), "application/zip")
    with pytest.raises(ValidationError, match="unpacks to"):
        cs.add(_zip({"a.csv": "x" * 20_000}), "application/zip")
    with pytest.raises(ValidationError, match="not a valid zip"):
        cs.add(b"PK\x03\x04nope", "application/zip")
    with pytest.raises(ValidationError, match="neither a zip file nor JSON"):
        cs.add(b"\xff\xfe", "application/octet-stream")
    with pytest.raises(ValidationError, match="not a county document"):
        cs.add(json.dumps({"format": "x"}).encode())
    with pytest.raises(yj.api.BadRequest, match="No uploaded county"):
        cs.resolve("ab" * 16)
    with pytest.raises(yj.api.BadRequest, match="No uploaded county"):
        cs.resolve("../../etc/passwd")
    assert not list(tmp_path.parent.glob("evil.csv"))


def test_api_county_id_hook():
    req = {"action": "fire.assess", "county": {"id": "abc"}}
    r = yj.api.handle(req)
    assert not r["ok"] and r["error"]["type"] == "BadRequest"
    assert "county_resolver" in r["error"]["message"]
    seen = []

    def resolver(cid):
        seen.append(cid)
        return yj.datasets.sample_county()

    r = yj.api.handle(req, county_resolver=resolver)
    assert r["ok"] and seen == ["abc"]
    want = yj.api.handle({"action": "fire.assess", "county": {"sample": True}})
    assert json.dumps(r["result"], sort_keys=True) == json.dumps(want["result"], sort_keys=True)
    with pytest.raises(yj.api.BadRequest, match="county"):
        yj.api.check_request({"action": "fire.assess", "county": {"id": ""}})
