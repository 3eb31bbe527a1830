"""Compliance: the county plan's targets and the national indicators, checked.

Modules: ``rules`` (the rules tables), ``metrics`` (the metric registry and the county-wide
built-ins), ``domain_metrics`` (the metrics computed with the domain models, listed here),
``engine`` (:func:`check`), ``result`` (:class:`ComplianceReport`), ``report`` (text,
Markdown, HTML, plots).

Rules are data (:mod:`yingji.compliance.rules`, shipped CSVs with provenance on every row),
computed metrics come through one registry (:mod:`yingji.compliance.metrics`), and
:func:`check` puts them together into a :class:`ComplianceReport`::

    import yingji as yj
    rep = yj.compliance.check(county, rules="county-plan-2020", as_of="2020-12-31")
    rep.to_frame()          # rule_id, metric, value, operator, threshold, status, source, ...
    rep.summary(); rep.to_markdown(); rep.to_html(); rep.to_dict()

See ``docs/compliance.md``.
"""

from __future__ import annotations

from yingji.compliance.engine import (
    REPORT_COLUMNS,
    SCHEMA_VERSION,
    STATUSES,
    ComplianceReport,
    ComplianceWarning,
    check,
    evaluate,
    report_schema,
)
from yingji.compliance.metrics import (
    MetricUnavailable,
    get_metric,
    register_metric,
    registered_metrics,
    unregister_metric,
)
from yingji.compliance.rules import (
    CONFIDENCES,
    METRIC_ALIASES,
    OPERATORS,
    RULE_SETS,
    TASK_AREAS,
    available_rule_sets,
    load_rules,
    merge_rules,
    validate_rules,
)

__all__ = [
    "check",
    "ComplianceReport",
    "ComplianceWarning",
    "evaluate",
    "report_schema",
    "REPORT_COLUMNS",
    "SCHEMA_VERSION",
    "STATUSES",
    "register_metric",
    "unregister_metric",
    "get_metric",
    "registered_metrics",
    "MetricUnavailable",
    "load_rules",
    "validate_rules",
    "merge_rules",
    "available_rule_sets",
    "RULE_SETS",
    "OPERATORS",
    "CONFIDENCES",
    "TASK_AREAS",
    "METRIC_ALIASES",
]
