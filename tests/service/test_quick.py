"""The request pool on its own (no HTTP): answers, the hard limit, a worker's death."""

from __future__ import annotations

import asyncio
import json

from serve_harness import long_request

import yingji as yj
from yingji.service.quick import RequestPool


def test_request_pool_answers_stops_overruns_and_replaces(tmp_path):
    async def main():
        pool = RequestPool(tmp_path, n=1, max_time_limit=30, hard_limit=1.5)
        pool.start()
        try:
            req = {"action": "schema", "params": {"kind": "request"}}
            status, body, failed = await pool.answer(json.dumps(req).encode())
            assert status == 200 and failed is None
            assert json.loads(body)["result"] == yj.api.handle(req)["result"]
            first = pool.describe()[0]["pid"]
            # a solve past the hard limit: its process is killed, the request gets 503
            status, body, failed = await pool.answer(json.dumps(long_request(20)).encode())
            assert status == 503 and body is None
            assert failed["error"]["status"] == "time_limit" and "1.5 s" in \
                failed["error"]["message"]
            assert pool.describe()[0]["pid"] != first            # replaced
            status, _, failed = await pool.answer(b'{"action": ')
            assert status == 400 and "not valid JSON" in failed["error"]["message"]
            status, _, failed = await pool.answer(b'{"action": "fire.assess", '
                                                  b'"county": {"path": "/etc"}}')
            assert status == 403
            bad = {"action": "siting.mclp", "params": {"cost": [[1]], "radius": -1, "p": 1}}
            status, _, failed = await pool.answer(json.dumps(bad).encode())
            assert status == 422 and failed["error"] == yj.api.handle(bad)["error"]
        finally:
            pool.stop()

    asyncio.run(main())
