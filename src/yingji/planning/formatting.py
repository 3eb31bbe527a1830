"""How a county plan writes numbers, money, shares and tables (text, Markdown, HTML, PNG curves)."""

from __future__ import annotations

import base64
import html as _html
import io

import numpy as np
import pandas as pd


def _f(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _money(v) -> str:
    v = _f(v)
    return "-" if not np.isfinite(v) else f"{v:,.0f}"


def _pct(v) -> str:
    v = _f(v)
    return "-" if not np.isfinite(v) else f"{100 * v:.2f} %"


def _num(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if v is None:
        return "-"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "-" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


def _md(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(_md("" if v is None else v) for v in r) + " |")
    return "\n".join(out)


def _html_table(header, rows) -> str:
    h = _html.escape
    out = ["<table><thead><tr>" + "".join(f"<th>{h(str(c))}</th>" for c in header)
           + "</tr></thead><tbody>"]
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, tuple):  # (text, css class)
                cells.append(f"<td class='{h(v[1])}'>{h(str(v[0]))}</td>")
            else:
                cells.append(f"<td>{h('' if v is None else str(v))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _indent(text: str) -> str:
    return "\n".join("  " + ln for ln in str(text).splitlines())


#: Trade-off curves drawn in the HTML plan: part -> (x column, y column, x label, y label,
#: alt text, caption); y columns that are shares are drawn in %.
_TRADEOFF_AXES = {
    "fire": ("new_stations", "covered_share", "new fire stations", "urban population reached (%)",
             "fire station trade-off", "Population share reached against new stations"),
    "shelters": ("cost", "sheltered_share", "cost of new shelters", "people sheltered within walking "
                 "distance (%)", "shelter trade-off", "Share of residents sheltered within walking "
                 "distance against the cost of new shelters"),
}


def _tradeoff_png(result, part: str = "fire") -> str | None:
    tr = getattr(result, "tradeoff", None)
    xcol, ycol, xlabel, ylabel = _TRADEOFF_AXES[part][:4]
    if not isinstance(tr, pd.DataFrame) or len(tr) < 2 or not {xcol, ycol} <= set(tr.columns):
        return None
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.2))
    try:
        ax.plot(tr[xcol].to_numpy(float), 100 * tr[ycol].to_numpy(float), marker="o")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=90)
        return base64.b64encode(buf.getvalue()).decode("ascii")
    finally:
        plt.close(fig)
