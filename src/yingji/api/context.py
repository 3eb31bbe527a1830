"""What one request's action may use: :class:`_Context` and the county it names.

The county comes from ``{"sample": true}``, ``{"path": ...}`` (through
:func:`yingji.datasets.read_county`), an inline :meth:`County.to_json` document or
``{"id": ...}`` (a county stored by whoever calls :func:`~yingji.api.handle`: the caller passes
``county_resolver=``, a function from the id to a :class:`~yingji.County`; the HTTP service,
:mod:`yingji.service`, passes one that reads its uploaded counties), with the tables of
``"replace"`` swapped in (what-if runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from yingji.api.decoding import _records_frame
from yingji.api.errors import BadRequest


#: Share of a request's time limit its action is given (counted from the request's arrival).
API_RESERVE = 0.9


@dataclass
class _Context:
    """What one request's action may use."""

    county_spec: Any
    allow_paths: bool
    time_limit_default: float
    max_time_limit: float
    notes: list
    county_resolver: Callable[[str], Any] | None = None
    _county: Any = None
    #: ``time.perf_counter()`` when the request arrived: the time limit counts from there, so
    #: reading and checking the county (and the request) come out of it, not on top of it.
    started: float | None = None

    def county(self, required: bool = True):
        if self._county is None and self.county_spec is not None:
            self._county = _load_county(self.county_spec, self.allow_paths, self.county_resolver)
        if self._county is None and required:
            raise BadRequest("This action needs a county: give \"county\": {\"sample\": true}, "
                             "{\"path\": ...} or an inline county document.")
        return self._county

    def time_limit(self, params: dict, key: str = "time_limit") -> float:
        tl = params.get(key)
        if tl is None:
            tl = self.time_limit_default
        tl = float(tl)
        if tl > self.max_time_limit:
            self.notes.append(f"params.{key} {tl:g} s capped at {self.max_time_limit:g} s "
                              "(the service's max_time_limit)")
            tl = self.max_time_limit
        if self.started is not None:
            # what is left of the request's time, less a reserve of 10 %: the steps an action
            # cannot stop midway (a shortest-path run, building a model, writing the answer)
            # run past its deadline, and the answer must come within the request's time limit
            import time

            from yingji._deadline import MIN_PHASE_S

            tl = max(API_RESERVE * tl - (time.perf_counter() - self.started), MIN_PHASE_S)
        return tl


def _load_county(spec, allow_paths: bool, resolver: Callable[[str], Any] | None = None):
    from yingji.county import County
    from yingji.datasets import read_county

    if not isinstance(spec, Mapping):
        raise BadRequest("\"county\" must be an object: {\"sample\": true}, {\"path\": ...} or a "
                         "county document.")
    replace = spec.get("replace")
    if spec.get("sample") is True:
        from yingji.datasets import sample_county

        county = sample_county(copy=True)
    elif "path" in spec:
        if not allow_paths:
            raise BadRequest("This service does not read counties from paths "
                             "(handle(..., allow_paths=False)); send the county document inline.")
        p = Path(str(spec["path"])).expanduser()
        if not p.exists():
            raise BadRequest(f"No county at path {str(p)!r}.")
        county = read_county(p, func="the JSON API", param="county.path")
    elif "id" in spec:
        if resolver is None:
            raise BadRequest("\"county\": {\"id\": ...} names a county stored by a service "
                             "(yingji serve, POST /v1/counties); this caller has no county store "
                             "(handle(..., county_resolver=None)).")
        county = resolver(str(spec["id"]))
    elif spec.get("format") == "yingji.county":
        county = County.from_json({k: v for k, v in spec.items() if k != "replace"})
    else:
        raise BadRequest("\"county\" must be {\"sample\": true}, {\"path\": ...}, {\"id\": ...} or a "
                         "county document (County.to_json(), \"format\": \"yingji.county\").")
    if replace:
        # an empty list empties the table (None: the county's empty table with its columns)
        changes = {name: (_fill_nodes(_records_frame(recs, f"county.replace.{name}"), county)
                          if len(recs) else None)
                   for name, recs in replace.items()}
        county = county.replace(**changes)
    return county


def _fill_nodes(df: pd.DataFrame, county) -> pd.DataFrame:
    """Rows of a replaced table without a ``node`` (new rows) are snapped from ``x``, ``y``."""
    if "node" not in df.columns or not df["node"].isna().any() or county.network is None \
            or not {"x", "y"} <= set(df.columns):
        return df
    miss = df["node"].isna().to_numpy()
    xy = df.loc[miss, ["x", "y"]].apply(pd.to_numeric, errors="coerce")
    if xy.isna().any().any():
        return df  # County reports the bad coordinates
    snapped = np.asarray(county.network.snap(xy["x"].to_numpy(float), xy["y"].to_numpy(float)))
    nodes = df["node"].astype(object).to_numpy(copy=True)
    nodes[miss] = snapped
    kinds = {type(v) for v in nodes if v is not None}
    df = df.copy()
    df["node"] = pd.array(nodes.tolist(), dtype="int64") if kinds <= {int, float, np.int64} \
        and all(float(v).is_integer() for v in nodes) else nodes.astype(str)
    return df
