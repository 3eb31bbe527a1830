"""Reports for people (faces layer): the compliance report as text, Markdown, HTML and plots.

The renderers live beside the engine that fills them, in :mod:`yingji.compliance.report`
(``ComplianceReport.to_html()`` and friends call them); this module is their public name.
"""

from __future__ import annotations

from yingji.compliance.report import (
    LABELS,
    format_value,
    plot_county_map,
    plot_report,
    summary_text,
    to_html,
    to_markdown,
)

__all__ = ["LABELS", "summary_text", "to_markdown", "to_html", "plot_report", "plot_county_map", "format_value"]
