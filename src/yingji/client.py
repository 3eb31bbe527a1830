"""A Python client of ``yingji serve``: :class:`Client` (faces layer; needs ``httpx``).

::

    from yingji.client import Client

    c = Client("http://127.0.0.1:8000", token=None)
    c.request({"action": "siting.mclp", "params": {...}})       # the JSON API response
    cid = c.upload_county("my_county/")                           # folder, .json, County or dict
    jid = c.submit({"action": "fire.plan", "county": {"id": cid}})
    job = c.wait(jid, progress=True)                              # polls; tqdm bar
    job["status"], job["result"]

See ``docs/service.md`` for the HTTP contract the client speaks.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from yingji.exceptions import YingjiError

__all__ = ["Client", "ServiceError"]

_FINAL = ("done", "failed", "cancelled", "interrupted")


class ServiceError(YingjiError):
    """An HTTP error of the service (401, 404, 409, 413, 422, 5xx, ...).

    Attributes
    ----------
    status : int
        The HTTP status.
    problem : dict
        The RFC 9457 problem document; ``problem["error"]`` is the JSON API error object.
    """

    def __init__(self, status: int, problem: dict):
        self.status, self.problem = int(status), problem
        err = problem.get("error") if isinstance(problem, dict) else None
        msg = (err or {}).get("message") or problem.get("detail") or str(problem)
        super().__init__(f"HTTP {status}: {msg}")

    @property
    def error(self) -> dict | None:
        """The JSON API error object carried by the problem document."""
        return self.problem.get("error")


class Client:
    """Talk to a ``yingji serve`` server.

    Parameters
    ----------
    url : str
        Base URL, e.g. ``"http://127.0.0.1:8000"``.
    token : str, optional
        Bearer token (the server's ``--token-file``).
    timeout : float
        Seconds per HTTP call (connect and read); a quick request may take up to the server's
        request time limit, so keep this above it.
    """

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, ok=(200,), **kw) -> dict:
        r = self._http.request(method, path, **kw)
        if r.status_code in ok:
            return r.json()
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text[:500]}
        raise ServiceError(r.status_code, problem)

    # -- the API -------------------------------------------------------------------------
    def health(self) -> dict:
        """``GET /health``."""
        return self._call("GET", "/health")

    def request(self, request: dict) -> dict:
        """Answer one JSON API request now (``POST /v1/requests``).

        Returns
        -------
        dict
            The JSON API response, ``ok`` true or false, as :func:`yingji.api.handle` gives
            it (an action's failure is a response with ``"error"``, not an exception).

        Raises
        ------
        ServiceError
            Failures of the HTTP layer (auth, body size, a server path, malformed JSON).
        """
        r = self._http.post("/v1/requests", content=json.dumps(request, allow_nan=False),
                            headers={"Content-Type": "application/json"})
        if r.status_code == 200:
            return r.json()
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text[:500]}
        if isinstance(problem, dict) and isinstance(problem.get("response"), dict):
            return problem["response"]
        raise ServiceError(r.status_code, problem)

    def submit(self, request: dict) -> str:
        """Queue a request as a job (``POST /v1/jobs``); returns the job id."""
        return self._call("POST", "/v1/jobs", ok=(202,),
                          content=json.dumps(request, allow_nan=False),
                          headers={"Content-Type": "application/json"})["id"]

    def job(self, job_id: str) -> dict:
        """``GET /v1/jobs/{id}``: status, progress and, once ended, result or error."""
        return self._call("GET", f"/v1/jobs/{job_id}")

    def jobs(self, *, status: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        """``GET /v1/jobs``: ``{"jobs": [...], "total", "limit", "offset"}`` (newest first)."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        return self._call("GET", "/v1/jobs", params=params)

    def cancel(self, job_id: str) -> dict:
        """``DELETE /v1/jobs/{id}``: the job, now ``cancelled`` (409 if it had ended)."""
        return self._call("DELETE", f"/v1/jobs/{job_id}")

    def resubmit(self, job_id: str) -> str:
        """``POST /v1/jobs/{id}/resubmit``: queue an ended job again (same id)."""
        return self._call("POST", f"/v1/jobs/{job_id}/resubmit", ok=(202,))["id"]

    def wait(self, job_id: str, *, timeout: float | None = None, poll: float = 0.5,
             progress: bool = False) -> dict:
        """Poll a job until it ends; returns the job (``status`` done, failed, cancelled or
        interrupted).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most (None: no limit).
        poll : float
            Seconds between polls.
        progress : bool
            Show a tqdm bar with the job's phase and fraction.

        Raises
        ------
        TimeoutError
            The job had not ended after ``timeout`` seconds (it goes on; cancel it if need be).
        """
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=1.0, desc=f"job {job_id[:8]}", unit="", bar_format=(
                "{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}]"))
        try:
            while True:
                job = self.job(job_id)
                if bar is not None:
                    frac = float(job["progress"]["fraction"])
                    bar.n = frac if job["status"] != "done" else 1.0
                    bar.set_postfix_str(f"{job['status']}: {job['progress']['phase']}")
                    bar.refresh()
                if job["status"] in _FINAL:
                    return job
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} is still {job['status']} after "
                                       f"{timeout} s")
                time.sleep(poll)
        finally:
            if bar is not None:
                bar.close()

    def upload_county(self, county) -> str:
        """Store a county on the server (``POST /v1/counties``); returns its id.

        What the server warned about while reading it (the response's ``"warnings"``, e.g. a
        CSV that was not UTF-8) is raised here as :class:`yingji.YingjiWarning`.

        Parameters
        ----------
        county : County, dict, str or Path
            A :class:`yingji.County`, a county JSON document, a ``.json`` file, a county folder
            (sent zipped) or a ``.zip`` of one.
        """
        import warnings

        from yingji.exceptions import YingjiWarning

        body, ctype = _county_body(county)
        info = self._call("POST", "/v1/counties", ok=(201,), content=body,
                          headers={"Content-Type": ctype})
        for text in info.get("warnings") or []:
            warnings.warn(f"server: {text}", YingjiWarning, stacklevel=2)
        return info["id"]


def _county_body(county) -> tuple[bytes, str]:
    if hasattr(county, "to_json") and not isinstance(county, (str, Path, dict)):
        return county.to_json().encode("utf-8"), "application/json"
    if isinstance(county, dict):
        return json.dumps(county, allow_nan=False).encode("utf-8"), "application/json"
    p = Path(county).expanduser()
    if p.is_dir():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(p.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(p).as_posix())
        return buf.getvalue(), "application/zip"
    if p.is_file():
        data = p.read_bytes()
        return data, ("application/zip" if data[:4] == b"PK\x03\x04" else "application/json")
    raise YingjiError(f"The 'county' parameter of Client.upload_county must be a County, a county "
                      f"document, a .json/.zip file or a county folder. Got {str(county)!r}: "
                      "nothing at that path.")
