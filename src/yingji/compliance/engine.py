"""The compliance engine: rules × the county's reported figures × computed metrics.

:func:`check` evaluates every row of the selected rule sets against a county and returns a
frozen :class:`ComplianceReport`. For each rule it looks up

* the **reported** value: the county's ``indicators`` table (columns ``metric, value`` and
  optionally ``unit``; values in the rule's unit, e.g. 85 for 85 %), under the rule's metric
  name or any alias of it;
* the **computed** value: the function registered for the metric
  (:mod:`yingji.compliance.metrics`), converted into the rule's unit, or a value the caller
  passes in ``computed_values``.

Where both exist the computed value decides and a reported value that differs (beyond
``disagree_rtol``) is flagged (``discrepancy``). Then:

``not_due``  the rule has a deadline (``by`` a date, or ``from`` a date) after ``as_of``;
``missing``  no value (or the source gives no numeric threshold: ``unspecified``);
``pass`` / ``fail``  the comparison below.

Comparisons use a relative tolerance ``tol = 1e-9 · max(1, |threshold|)`` so that a value equal
to the threshold up to rounding is *at* the threshold: ``>=`` passes when
``value >= threshold - tol``, ``>`` when ``value > threshold + tol``, ``==`` when
``|value - threshold| <= tol``, ``<=`` and ``<`` likewise, ``exists`` when the value is true.

``margin`` is the signed distance to the threshold in the rule's unit, positive on the passing
side (``value - threshold`` for ``>=``/``>``, ``threshold - value`` for ``<=``/``<``,
``-|value - threshold|`` for ``==``). ``shortfall`` is ``max(0, -margin)`` for failing rows and
``relative_shortfall`` that divided by ``|threshold|`` (1 when the threshold is 0 — a zero
target missed is missed entirely — and for a failed ``exists``). What to fix first: failing vetoes (``yes``, then ``unknown``), then the
largest relative shortfall.
"""

from __future__ import annotations

import datetime as _dt
import time
import types
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from yingji._validation import TIME_LIMIT, Interval, Problems, check_param, parse_yes_no
from yingji.compliance import metrics as _metrics
from yingji.compliance._units import UnitError, convert, normalise_unit
from yingji.compliance.result import (  # noqa: F401  (public here too)
    REPORT_COLUMNS,
    SCHEMA_VERSION,
    STATUSES,
    ComplianceReport,
)
from yingji.compliance.rules import evaluate  # noqa: F401  (public here too)
from yingji.compliance.rules import (
    TASK_AREAS,
    canonical_metric,
    load_rules,
    metric_aliases,
)
from yingji.config import COVER_TOL
from yingji.exceptions import ValidationError, YingjiWarning
from yingji.results import to_jsonable

__all__ = [
    "check",
    "ComplianceReport",
    "ComplianceWarning",
    "STATUSES",
    "REPORT_COLUMNS",
    "SCHEMA_VERSION",
    "report_schema",
    "evaluate",
]


#: Words of reported evidence read as yes / no beside the shared vocabulary (``parse_yes_no``).
_EVIDENCE_TRUE = frozenset({"pass", "done"})
_EVIDENCE_FALSE = frozenset({"fail", "none"})


class ComplianceWarning(YingjiWarning):
    """A computed metric failed or a value could not be converted; the report says which."""


# ----------------------------------------------------------------------------- evaluation


def _parse_bool(v):
    """A reported yes/no value; evidence words pass/done and fail/none as well."""
    return parse_yes_no(v, extra_true=_EVIDENCE_TRUE, extra_false=_EVIDENCE_FALSE)


def _parse_number(v):
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"a yes/no value where a number is needed: {v!r}")
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return None if np.isnan(f) else f
    s = str(v).strip().replace(",", "")
    if s.endswith("%"):
        s = s[:-1].strip()
    f = float(s)  # ValueError propagates
    if np.isnan(f):
        return None
    return f


def _short(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    return f"{float(v):.6g}"


def _is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    try:
        if pd.isna(v) is True:
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(v, str) and v.strip() == ""


# ----------------------------------------------------------------------------- the report


# ----------------------------------------------------------------------------- inputs


def _as_date(v, probs: Problems):
    if v is None:
        return _dt.date.today()
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            pass
    probs.param("as_of", "a date, datetime or 'YYYY-MM-DD' string", v)
    return _dt.date.today()


def _as_county(county):
    if isinstance(county, pd.DataFrame):
        return types.SimpleNamespace(indicators=county, name="")
    if isinstance(county, Mapping):
        ns = types.SimpleNamespace(**{str(k): v for k, v in county.items()})
        if not hasattr(ns, "name"):
            ns.name = ""
        return ns
    if isinstance(county, (str, Path)):
        from yingji.datasets import read_county

        return read_county(county, func="check", param="county")
    return county


def _county_name(county) -> str:
    for attr in ("name",):
        v = getattr(county, attr, None)
        if isinstance(v, str) and v:
            return v
    meta = getattr(county, "meta", None) or getattr(county, "config", None)
    if isinstance(meta, Mapping) and meta.get("name"):
        return str(meta["name"])
    return ""


def _indicator_table(county, probs: Problems) -> pd.DataFrame:
    ind = getattr(county, "indicators", None)
    if ind is None:
        return pd.DataFrame({"metric": [], "value": []})
    if not isinstance(ind, pd.DataFrame):
        probs.param("county.indicators", "a DataFrame with columns 'metric' and 'value'",
                    type(ind).__name__)
        return pd.DataFrame({"metric": [], "value": []})
    df = ind
    if "metric" not in df.columns and df.index.name == "metric":
        df = df.reset_index()
    missing = [c for c in ("metric", "value") if c not in df.columns]
    if missing:
        probs.add(f"The 'county.indicators' table of check must have columns 'metric' and "
                  f"'value'. Got columns {list(df.columns)!r} instead.")
        return pd.DataFrame({"metric": [], "value": []})
    return df


def _reported_lookup(ind: pd.DataFrame, probs: Problems, as_of_year: int) -> dict:
    """metric -> (raw value, unit, row label).

    With a ``year`` column, a metric reported for several years takes the latest year not after
    ``as_of`` (the closest later year when every year is later). Two different values for one metric
    (and year) are a problem.
    """
    out: dict[str, tuple] = {}
    best_year: dict[str, float] = {}
    units = ind["unit"] if "unit" in ind.columns else None
    years = pd.to_numeric(ind["year"], errors="coerce") if "year" in ind.columns else None

    def rank(y):  # higher is better: years up to as_of first, latest first
        if y is None or y != y:
            return (0, 0.0)
        return (2, y) if y <= as_of_year else (1, -y)

    for k in range(len(ind)):
        m = ind["metric"].iloc[k]
        if _is_blank(m):
            continue
        m = str(m).strip()
        v = ind["value"].iloc[k]
        if _is_blank(v):
            continue
        u = normalise_unit(units.iloc[k]) if units is not None and not _is_blank(
            units.iloc[k]) else ""
        label = ind.index[k]
        y = float(years.iloc[k]) if years is not None and not pd.isna(years.iloc[k]) else None
        if m in out:
            r_old, r_new = rank(best_year.get(m)), rank(y)
            if r_new > r_old:
                out[m], best_year[m] = (v, u, label), y
            elif r_new == r_old and str(out[m][0]) != str(v):
                probs.add(f"The 'county.indicators' table of check reports metric {m!r} twice "
                          f"with different values{f' for {y:g}' if y is not None else ''}: "
                          f"{out[m][0]!r} (row {out[m][2]!r}) and {v!r} (row {label!r}).")
            continue
        out[m], best_year[m] = (v, u, label), y
    return out


# ----------------------------------------------------------------------------- check


def check(county, rules="county-plan-2020", *, as_of=None, computed: bool = True,
          computed_values: Mapping[str, Any] | None = None, metric_kw: Mapping | None = None,
          time_limit: float = 300.0, seed: int | None = 0, merge: bool = True,
          disagree_rtol: float = 0.01, errors: str = "report",
          exclude=None) -> ComplianceReport:
    """Check a county against rule sets.

    Parameters
    ----------
    county : County, mapping of DataFrames, DataFrame or path
        A :class:`yingji.County` (or anything with the same DataFrame attributes; only
        ``indicators`` is needed for reported figures), a dict of tables, an ``indicators``
        DataFrame alone, or a path loaded with ``yingji.County.load``.
    rules : str, path, DataFrame or list, default "county-plan-2020"
        Rule sets (:func:`yingji.compliance.load_rules`): ``"county-plan-2020"``,
        ``"national-2019"``, ``"GB51080"``, ``"NFPA1710"``, ``"shelters"``, ``"supplies"``,
        ``"all"``, comma-joined names, a user's CSV/TOML file, or a list of these.
    as_of : date or str, optional
        Date deadlines are judged against (default: today).
    computed : bool, default True
        Compute registered metrics (:mod:`yingji.compliance.metrics`). False: reported
        figures (and ``computed_values``) only.
    computed_values : mapping, optional
        ``metric -> value`` (in the rule's unit) from a model run the caller did already;
        counted as computed and taking precedence over the registry.
    metric_kw : mapping, optional
        Extra keyword arguments passed to every metric function (e.g. ``times=`` a matrix).
    time_limit : float, default 300
        Seconds for all computed metrics together; each function gets the time left as its
        ``time_limit=``; metrics not started in time are reported with that reason.
    seed : int or None, default 0
        Passed to metric functions (simulations).
    merge : bool, default True
        Merge rows that state the same target (:func:`yingji.compliance.merge_rules`).
    disagree_rtol : float, default 0.01
        Relative difference above which a reported value is flagged as disagreeing with the
        computed one.
    errors : {"report", "raise"}, default "report"
        What to do when a metric function raises an unexpected exception: record it in the
        row's ``reason`` (and warn with :class:`ComplianceWarning`) or re-raise it.
    exclude : iterable of str, optional
        Rule ids that do not apply to this county (e.g. ``"S3-006"``, special stations only for
        prefecture cities or developed counties; ``"S4-037"``, town-level shelters). They are
        left out of the report and listed in :attr:`ComplianceReport.excluded`.

    Returns
    -------
    ComplianceReport

    Raises
    ------
    ValidationError
        Bad parameters, a bad rules file, an ``indicators`` table without ``metric``/``value``,
        a metric reported twice with different values, or a reported value that is not a number
        (or yes/no for ``exists`` rules). All problems are reported together.

    Examples
    --------
    >>> import pandas as pd
    >>> ind = pd.DataFrame({"metric": ["shelter_area_per_capita"], "value": [1.8]})
    >>> rep = check(ind, rules="county-plan-2020", as_of="2021-01-01", computed=False)
    >>> rep.to_frame().set_index("rule_id").at["S1-145", "status"]
    'pass'

    References
    ----------
    .. [1] 国家安全发展示范城市评价细则 (安委办〔2019〕16号).
    .. [2] XX县推进创建国家安全发展示范城市工作实施方案 (2020).
    """
    t0 = time.perf_counter()
    probs = Problems("check")
    as_of_d, tl, rt, computed_values = _check_args(probs, as_of, errors, time_limit, disagree_rtol,
                                                  computed_values)
    table, excluded = _select_rules(load_rules(rules, merge=merge), exclude, probs)
    county = _as_county(county)
    name = _county_name(county)
    ind = _indicator_table(county, probs)
    reported = _reported_lookup(ind, probs, as_of_d.year)
    if computed:
        _metrics.load_metric_plugins()
    warns: list[str] = []
    values = _MetricValues(county, computed=computed, given=computed_values, deadline=t0 + tl, time_limit=tl,
                           seed=seed, metric_kw=metric_kw, errors=errors, warns=warns)
    out_rows = [_rule_row(rec, reported, values, probs, warns, computed=computed, rtol=rt, as_of=as_of_d)
                for rec in table.to_dict(orient="records")]
    probs.raise_if_any()
    set_names = tuple(str(s) if not isinstance(s, pd.DataFrame) else "<DataFrame>"
                      for s in (rules if isinstance(rules, (list, tuple)) else [rules]))
    return ComplianceReport(
        rows=_report_frame(out_rows), county=name, as_of=as_of_d, rule_sets=set_names, computed=bool(computed),
        excluded=excluded,
        seconds=time.perf_counter() - t0,
        generated_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        warnings=tuple(warns))


def _check_args(probs, as_of, errors, time_limit, disagree_rtol, computed_values):
    """The scalar arguments of :func:`check`, checked (raises once, naming every bad one)."""
    as_of_d = _as_date(as_of, probs)
    if errors not in ("report", "raise"):
        probs.param("errors", "one of 'report', 'raise'", errors)
    tl = check_param(probs, "time_limit", time_limit, TIME_LIMIT, default=0.0)
    rt = check_param(probs, "disagree_rtol", disagree_rtol, Interval(float, 0, None), default=0.01)
    if computed_values is not None and not isinstance(computed_values, Mapping):
        probs.param("computed_values", "a mapping metric -> value", type(computed_values).__name__)
        computed_values = None
    probs.raise_if_any()
    given = {canonical_metric(str(k)): v for k, v in (computed_values or {}).items()}
    return as_of_d, tl, rt, given


def _select_rules(table: pd.DataFrame, exclude, probs) -> tuple[pd.DataFrame, tuple]:
    """The rules table without the rules ``exclude`` names (an unknown id is an error)."""
    if exclude is None:
        return table, ()
    ex = [exclude] if isinstance(exclude, str) else [str(e) for e in exclude]
    ids = table["merged_ids"].str.split(";")
    known = {i for group in ids for i in group}
    unknown = [e for e in ex if e not in known]
    if unknown:
        probs.param("exclude", "rule ids of the selected rule sets", unknown)
        probs.raise_if_any()
    drop = ids.map(lambda g: any(i in ex for i in g))
    return table[~drop].reset_index(drop=True), tuple(ex)


class _MetricValues:
    """Computed metric values for one check, each computed once: ``values(metric)`` gives
    ``(value or None, unit, reason)``. The registered function is tried first, then the
    county-wide fallback it replaced; each gets the time left of the check's limit."""

    def __init__(self, county, *, computed, given, deadline, time_limit, seed, metric_kw, errors, warns):
        self.county, self.computed, self.given = county, computed, given
        self.deadline, self.time_limit, self.seed = deadline, time_limit, seed
        self.kw = dict(metric_kw or {})
        self.errors, self.warns = errors, warns
        self.cache: dict[str, tuple] = {}

    def __call__(self, metric: str):
        if metric not in self.cache:
            self.cache[metric] = self._compute(metric)
        return self.cache[metric]

    def _compute(self, metric: str):
        if metric in self.given:
            return (self.given[metric], "", "value supplied by the caller")
        if not self.computed:
            return (None, "", "computed metrics not requested")
        res = (None, "", "not computed: no metric function registered")
        failed: list[str] = []
        for k, spec in enumerate(_metrics.metric_chain(metric)):
            left = self.deadline - time.perf_counter()
            if left <= 0:
                return (None, spec.unit, f"not computed: the check's time_limit of {self.time_limit:g} s "
                                         f"was used up")
            try:
                v = spec.func(self.county, time_limit=left, seed=self.seed, **self.kw)
            except (_metrics.MetricUnavailable, ValidationError) as exc:
                # ValidationError: the county lacks what the model needs (no network...)
                failed.append(" ".join(str(exc).split()))
                res = (None, spec.unit, "not computed: " + "; ".join(dict.fromkeys(failed)))
                continue
            except Exception as exc:
                if self.errors == "raise":
                    raise
                msg = (f"metric {metric!r} ({spec.module}) raised "
                       f"{type(exc).__name__}: {exc}")
                self.warns.append(msg)
                warnings.warn(msg, ComplianceWarning, stacklevel=5)
                failed.append(f"{type(exc).__name__}: {exc}")
                res = (None, spec.unit, "not computed: " + "; ".join(dict.fromkeys(failed)))
                continue
            if v is None:
                failed.append("the metric function returned no value")
                res = (None, spec.unit, "not computed: " + "; ".join(dict.fromkeys(failed)))
                continue
            how = spec.description or f"computed by {spec.module}"
            if k > 0:
                how = f"fallback: {how} (the primary function: {'; '.join(failed)})"
            return (v, spec.unit, how)
        return res


def _reported_value(rec: dict, reported: dict, probs):
    """The county's reported figure for the rule's metric (or an alias), in the rule's unit."""
    is_bool = rec["operator"] == "exists"
    for alias in metric_aliases(rec["metric"]):
        if alias not in reported:
            continue
        raw, runit, label = reported[alias]
        try:
            rep_v = _parse_bool(raw) if is_bool else _parse_number(raw)
            if rep_v is not None and not is_bool and runit:
                rep_v = convert(rep_v, runit, rec["unit"])
            return rep_v
        except ValueError as exc:
            if isinstance(exc, UnitError):
                probs.add(f"The 'county.indicators' table of check gives metric "
                          f"{alias!r} (row {label!r}) in unit {runit!r}, which cannot be "
                          f"converted to the unit {rec['unit']!r} of rule {rec['id']!r}.")
            else:
                probs.add(f"The 'county.indicators' table of check must give "
                          f"{'yes/no' if is_bool else 'a number'} for metric {alias!r} "
                          f"(rule {rec['id']!r}, row {label!r}). Got {raw!r} instead.")
            return None
    return None


def _computed_for_rule(rec: dict, values: _MetricValues, warns: list):
    """The computed figure for the rule, in the rule's unit, and the reason text."""
    cv_raw, cunit, creason = values(rec["metric"])
    if cv_raw is None:
        return None, creason
    try:
        if rec["operator"] == "exists":
            return _parse_bool(cv_raw), creason
        comp_v = _parse_number(cv_raw)
        if comp_v is not None and cunit and cunit != "bool":
            comp_v = convert(comp_v, cunit, rec["unit"])
        return comp_v, creason
    except (ValueError, TypeError) as exc:
        msg = f"computed value {cv_raw!r} of metric {rec['metric']!r} unusable for rule " \
              f"{rec['id']!r} (unit {rec['unit']!r}): {exc}"
        warns.append(msg)
        warnings.warn(msg, ComplianceWarning, stacklevel=4)
        return None, f"not computed: {exc}"


def _disagree(comp_v, rep_v, is_bool: bool, rtol: float) -> bool:
    """Whether a computed and a reported figure disagree (relative tolerance ``rtol``)."""
    if is_bool:
        return bool(comp_v) != bool(rep_v)
    if not (np.isfinite(comp_v) and np.isfinite(rep_v)):
        return comp_v != rep_v
    scale = max(abs(comp_v), abs(rep_v), 1e-12)
    return abs(comp_v - rep_v) > rtol * scale


def _rule_row(rec: dict, reported: dict, values: _MetricValues, probs, warns: list, *, computed: bool,
              rtol: float, as_of) -> dict:
    """One row of the report: the figure that decides (computed first, else reported), the
    threshold, the status and why."""
    op, unit = rec["operator"], rec["unit"]
    is_bool = op == "exists"
    reasons: list[str] = []
    rep_v = _reported_value(rec, reported, probs)
    comp_v, creason = _computed_for_rule(rec, values, warns)
    if comp_v is not None:
        value, basis = comp_v, "computed"
        reasons.append(creason)
    elif rep_v is not None:
        value, basis = rep_v, "reported"
        if computed and _metrics.metric_chain(rec["metric"]):
            reasons.append(creason)  # a function exists but gave nothing: say why
    else:
        value, basis = None, None
        reasons.append("no reported value" + (f"; {creason}" if creason and computed else ""))
    discrepancy = False
    if comp_v is not None and rep_v is not None:
        discrepancy = _disagree(comp_v, rep_v, is_bool, rtol)
        if discrepancy:
            reasons.append(f"reported value {_short(rep_v)} differs from the computed "
                           f"{_short(comp_v)}")
    thr_text = rec["threshold_text"]
    if is_bool:
        threshold = thr_text != "false"
    elif thr_text == "unspecified":
        threshold = None
    else:
        threshold = float(rec["threshold"])
    met, margin = None, np.nan
    if value is not None and threshold is not None:
        met, mg = evaluate(value, op, threshold)
        margin = np.nan if mg is None else float(mg)
    due = rec["due"]
    if bool(due) and as_of < _dt.date.fromisoformat(due):
        status = "not_due"
        reasons.insert(0, f"due {'from' if rec['deadline_kind'] == 'from' else 'by'} {due}")
    elif value is None:
        status = "missing"
    elif threshold is None:
        status = "missing"
        reasons.append("the source gives no numeric threshold (unspecified)")
    else:
        status = "pass" if met else "fail"
    shortfall, rel = np.nan, np.nan
    if status == "fail":
        if is_bool:
            shortfall, rel = np.nan, 1.0
        else:
            shortfall = max(0.0, -margin)
            # a zero target (no accidents, no open issues) missed is missed entirely
            rel = shortfall / abs(threshold) if threshold != 0 else 1.0
    return {
        "rule_id": rec["id"], "metric": rec["metric"],
        "value": value, "operator": op, "threshold": threshold, "status": status,
        "source": rec["citation"], "confidence": rec["confidence"], "basis": basis, "unit": unit,
        "margin": margin, "shortfall": shortfall, "relative_shortfall": rel, "met": met,
        "veto": rec["veto"], "name_zh": rec["name_zh"], "name_en": rec["name_en"],
        "standard": rec["standard"], "clause": rec["clause"], "rule_set": rec["rule_set"],
        "task_area": rec["task_area"], "task_area_en": TASK_AREAS.get(rec["task_area"], ""),
        "deadline": rec["deadline"], "due": due, "deadline_kind": rec["deadline_kind"],
        "reported_value": rep_v, "computed_value": comp_v, "discrepancy": discrepancy,
        "reason": "; ".join(r for r in reasons if r), "merged_ids": rec["merged_ids"],
        "source_metric": rec["source_metric"], "notes": rec["notes"],
        "origin": rec["origin"],
    }


def _report_frame(out_rows: list) -> pd.DataFrame:
    """The report rows as a frame with the documented columns and dtypes."""
    rows = pd.DataFrame.from_records(out_rows, columns=list(REPORT_COLUMNS))
    for c in ("value", "threshold", "reported_value", "computed_value", "met", "basis"):
        rows[c] = rows[c].astype(object)
    for c in ("margin", "shortfall", "relative_shortfall"):
        rows[c] = rows[c].astype(float)
    rows["discrepancy"] = rows["discrepancy"].astype(bool)
    return rows


# ----------------------------------------------------------------------------- JSON schema


def report_schema() -> dict:
    """JSON Schema (draft 2020-12) of :meth:`ComplianceReport.to_dict` documents."""
    inf = {"enum": ["inf", "-inf"]}  # JSON has no infinity; yingji writes it as a string
    num_or_null = {"anyOf": [{"type": ["number", "null"]}, inf]}
    value = {"anyOf": [{"type": ["number", "boolean", "null"]}, inf]}
    rule = {
        "type": "object",
        "required": list(REPORT_COLUMNS),
        "properties": {
            "rule_id": {"type": "string"},
            "metric": {"type": "string"},
            "value": value,
            "operator": {"enum": [">=", ">", "==", "<=", "<", "exists"]},
            "threshold": value,
            "status": {"enum": list(STATUSES)},
            "source": {"type": "string"},
            "confidence": {"enum": ["CONFIRMED", "SEED", "SECONDARY", "DRAFT", "UNCONFIRMED"]},
            "basis": {"enum": ["reported", "computed", None]},
            "unit": {"type": "string"},
            "margin": num_or_null,
            "shortfall": num_or_null,
            "relative_shortfall": num_or_null,
            "met": {"type": ["boolean", "null"]},
            "veto": {"enum": ["yes", "no", "unknown"]},
            "due": {"type": "string"},
            "deadline_kind": {"enum": ["none", "by", "from"]},
            "reported_value": value,
            "computed_value": value,
            "discrepancy": {"type": "boolean"},
            "reason": {"type": "string"},
        },
    }
    counts = {"type": "object",
              "required": list(STATUSES) + ["total", "veto_fail"],
              "additionalProperties": {"type": "integer", "minimum": 0}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://yingji.example/schemas/compliance-report-1.json",
        "title": "yingji compliance report",
        "type": "object",
        "required": ["schema", "version", "county", "as_of", "rule_sets", "computed", "ok",
                     "counts", "by_area", "fix_first", "rules", "warnings"],
        "properties": {
            "schema": {"const": "yingji.compliance.report"},
            "version": {"type": "string", "pattern": r"^1\.\d+$"},
            "yingji_version": {"type": "string"},
            "county": {"type": "string"},
            "as_of": {"type": "string", "format": "date"},
            "rule_sets": {"type": "array", "items": {"type": "string"}},
            "computed": {"type": "boolean"},
            "generated_at": {"type": "string"},
            "seconds": {"type": "number", "minimum": 0},
            "ok": {"type": "boolean"},
            "counts": counts,
            "by_area": {"type": "array", "items": {"type": "object", "required": [
                "task_area", "task_area_en", "total", "pass", "fail", "missing", "not_due",
                "veto_fail", "pass_rate"]}},
            "fix_first": {"type": "array", "items": {"type": "string"}},
            "rules": {"type": "array", "items": rule},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "excluded": {"type": "array", "items": {"type": "string"}},
        },
    }
