"""Figures for the reports: matplotlib → inline SVG, with a CJK font when one is installed.

Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot state), written as SVG
with the text turned into paths, so the HTML needs no font and no network access. Chinese labels
use the first CJK font matplotlib finds (Noto Sans CJK SC, Source Han Sans, WenQuanYi, SimHei,
Microsoft YaHei, PingFang, …). When none is installed the figures fall back to English labels,
:func:`figure_lang` warns once (:class:`yingji.exceptions.YingjiWarning`) and the HTML report
says so in a note.
"""

from __future__ import annotations

import io
import re
import warnings

from yingji.exceptions import YingjiWarning

__all__ = ["have_matplotlib", "cjk_font_name", "figure_lang", "new_figure", "to_svg",
           "bar_chart", "line_chart"]

#: Font family names with CJK glyphs, preferred first (sans before serif).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Source Han Sans",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
             "PingFang SC", "Heiti SC", "Noto Serif CJK SC", "Source Han Serif", "AR PL UMing",
             "Droid Sans Fallback")

_FONT = ["unset"]
_WARNED = [False]


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def cjk_font_name() -> str | None:
    """Name of an installed font with CJK glyphs (cached), or None (also without matplotlib)."""
    if _FONT[0] == "unset":
        name = None
        if have_matplotlib():
            from matplotlib import font_manager

            name = _find_cjk(font_manager)
            if name is None:  # installed after matplotlib cached its font list: add the files
                for path in font_manager.findSystemFonts():
                    low = path.lower()
                    if any(k in low for k in ("cjk", "wqy", "wenquanyi", "simhei", "msyh",
                                              "sourcehan", "droidsansfallback", "uming")):
                        try:
                            font_manager.fontManager.addfont(path)
                        except (OSError, RuntimeError, ValueError):  # pragma: no cover
                            continue
                name = _find_cjk(font_manager)
        _FONT[0] = name
    return _FONT[0]


def _find_cjk(font_manager) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    for want in CJK_FONTS:
        hit = sorted(n for n in names if n.startswith(want))
        if hit:
            return hit[0]
    return None


def figure_lang(lang: str) -> str:
    """The language figures can be labelled in: ``lang``, or ``"en"`` when no CJK font is
    installed (with a warning, once per process)."""
    if lang != "zh":
        return lang
    if cjk_font_name() is not None:
        return "zh"
    if not _WARNED[0]:

        warnings.warn("no CJK font is installed (e.g. apt-get install fonts-noto-cjk): the "
                      "figures of the Chinese report are labelled in English",
                      YingjiWarning, stacklevel=3)
        _WARNED[0] = True
    return "en"


def new_figure(w: float, h: float, lang: str = "en"):
    """A matplotlib Figure (no pyplot) whose text uses the CJK font when ``lang == "zh"``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained")
    if lang == "zh" and cjk_font_name():
        fig._yingji_font = cjk_font_name()
    return fig


def font_kw(fig) -> dict:
    """``fontfamily`` keyword for text on ``fig`` (the CJK font when it has one)."""
    f = getattr(fig, "_yingji_font", None)
    return {"fontfamily": f} if f else {}


def apply_font(fig) -> None:
    """Put the figure's CJK font on every text it holds (ticks, labels, legends, titles)."""
    f = getattr(fig, "_yingji_font", None)
    from matplotlib.text import Text

    if not f:  # an English figure may still hold a Chinese name (a county, a township)
        texts = [x for x in fig.findobj(Text) if not x.get_text().isascii()]
        f = cjk_font_name() if texts else None
        if not f:
            return
    else:
        texts = fig.findobj(Text)
    for txt in texts:
        txt.set_fontfamily([f, "DejaVu Sans"])


_SVG_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_META = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def to_svg(fig, dpi: int = 150) -> str:
    """The figure as inline SVG markup (text as paths; no XML prolog)."""
    import matplotlib

    apply_font(fig)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "yingji"}):
        fig.savefig(buf, format="svg", dpi=dpi)
    svg = _SVG_HEAD.sub("", buf.getvalue(), count=1)
    svg = _SVG_META.sub("", svg, count=1)  # RDF metadata: namespace URLs, no content
    svg = _SVG_PNG.sub(_palette_png, svg)
    return svg.replace("<svg ", '<svg role="img" ', 1)


_SVG_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")


def _palette_png(m) -> str:
    """An embedded PNG (a rasterized map layer) as a 256-colour palette PNG when that is
    smaller: map layers hold a few flat colours, so the page shrinks about threefold with no
    visible change (the report's HTML size; Pillow comes with matplotlib)."""
    import base64

    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib depends on Pillow
        return m.group(0)
    raw = base64.b64decode(m.group(1))
    im = Image.open(io.BytesIO(raw))
    q = im.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    q.save(buf, format="PNG", optimize=True)
    out = buf.getvalue()
    if len(out) >= len(raw):
        return m.group(0)
    return "data:image/png;base64," + base64.b64encode(out).decode("ascii")


def _thousands(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    from yingji._render.fmt import number

    fmt = FuncFormatter(lambda v, _pos: number(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def line_chart(x, y, *, xlabel: str, ylabel: str, lang: str = "en", w: float = 6.4,
               h: float = 3.2):
    """A line chart with markers, plain numbers on both axes."""
    fig = new_figure(w, h, lang)
    ax = fig.subplots()
    ax.plot(x, y, marker="o", color="#9b1c1c")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _thousands(ax, "x")
    _thousands(ax, "y")
    return fig


def bar_chart(labels, series: dict, *, colors: dict, xlabel: str, lang: str = "en",
              w: float = 6.8, h: float | None = None, legend: bool = True):
    """Horizontal stacked bars: one bar per label, ``series`` name → values."""
    import numpy as np

    h = h or max(1.8, 0.32 * len(labels) + 1.0)
    fig = new_figure(w, h, lang)
    ax = fig.subplots()
    left = np.zeros(len(labels))
    for name, vals in series.items():
        vals = np.asarray(vals, dtype=float)
        ax.barh(list(labels), vals, left=left, color=colors.get(name, "#999"), label=name)
        left += vals
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    _thousands(ax, "x")
    if legend:
        ax.legend(loc="lower right", fontsize="small")
    return fig
