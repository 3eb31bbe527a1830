"""Headless Chromium for the report tests: load a page, run a checking script, read the DOM.

The check runs inside the page (after load): it records every image and inline SVG that is
missing or blank (no size, or an SVG without drawn shapes), every element whose text overflows
its box (``scrollWidth > clientWidth`` on a visible element that does not scroll), and writes the
findings as JSON into ``<pre id="yingji-check">``, which ``--dump-dom`` prints. Console errors
are caught in the page (a first script wraps ``console.error`` and listens for uncaught errors,
failed resource loads included) and in Chromium's log (``--enable-logging=stderr --v=0``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]

#: Put first in the page: records console errors and uncaught exceptions for the check.
CATCH_JS = r"""<script>
window.__yingjiErrors = [];
(function () {
  var orig = console.error;
  console.error = function () {
    window.__yingjiErrors.push(Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
  window.addEventListener('error', function (e) {
    window.__yingjiErrors.push('uncaught: ' + (e.message || (e.target && e.target.tagName)));
  }, true);
})();
</script>"""

CHECK_JS = r"""
<script>
window.addEventListener('load', function () {
  var out = {images: 0, svgs: 0, blank: [], overflow: [], errors: []};
  document.querySelectorAll('img').forEach(function (im, i) {
    out.images++;
    if (!im.complete || im.naturalWidth < 10 || im.naturalHeight < 10) out.blank.push('img#' + i);
  });
  document.querySelectorAll('figure > svg, div > svg').forEach(function (s, i) {
    out.svgs++;
    var r = s.getBoundingClientRect();
    var drawn = s.querySelectorAll('path, image, use, rect, line, polyline, polygon, circle').length;
    if (r.width < 50 || r.height < 50 || drawn < 5) out.blank.push('svg#' + i);
  });
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('svg') || el.tagName === 'SCRIPT' || el.tagName === 'STYLE' || el.id === 'yingji-check') return;
    var cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'inline' || /(auto|scroll)/.test(cs.overflowX)) return;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      out.overflow.push(el.tagName + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
  });
  var bw = document.documentElement.scrollWidth, vw = window.innerWidth;
  if (bw > vw + 1) out.overflow.push('page wider than the window: ' + bw + ' > ' + vw);
  out.errors = window.__yingjiErrors || [];
  var pre = document.createElement('pre');
  pre.id = 'yingji-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def chromium() -> str | None:
    """Path of the Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def check_page(html: str, tmp: Path, *, width: int = 1000, screenshot: Path | None = None) -> dict:
    """Load ``html`` in headless Chromium; the check's findings plus ``console_errors``."""
    exe = chromium()
    page = tmp / "page.html"
    html = re.sub(r"(<html[^>]*>)", lambda m: m.group(1) + CATCH_JS, html, count=1)
    page.write_text(html.replace("</body>", CHECK_JS + "</body>", 1), encoding="utf-8")
    with tempfile.TemporaryDirectory() as prof:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={prof}", "--enable-logging=stderr", "--v=0",
               f"--window-size={width},1400", "--virtual-time-budget=5000", "--dump-dom",
               page.as_uri()]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if screenshot is not None:
            with tempfile.TemporaryDirectory() as prof2:
                subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={prof2}",
                                f"--window-size={width},1400", f"--screenshot={screenshot}",
                                page.as_uri()], capture_output=True, timeout=120)
    m = re.search(r'<pre id="yingji-check">(.*?)</pre>', run.stdout, re.S)
    if m is None:
        raise AssertionError(f"the check script did not run (rc {run.returncode}): "
                             f"{run.stderr[-2000:]}")
    found = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")
                       .replace("&lt;", "<").replace("&gt;", ">"))
    found["console_errors"] = found.pop("errors") + [
        ln for ln in run.stderr.splitlines()
        if ("CONSOLE" in ln and ("ERROR" in ln or "Uncaught" in ln)) or "Uncaught" in ln]
    return found
