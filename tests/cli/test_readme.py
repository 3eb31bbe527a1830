"""README: the two set-up commands, in sync with the CI script; doc links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _readme() -> str:
    if not README.exists():
        pytest.skip("README.md not in this checkout")
    return README.read_text(encoding="utf-8")


def test_two_setup_commands():
    text = _readme()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    setup = [b.strip() for b in blocks[:2]]
    assert setup == ["pip install -e '.[test]' && yingji demo",
                     "pip install -e '.[test]' && python -m pytest"]


def test_ci_runs_the_readme_test_command():
    ci = ROOT / ".ci" / "run"
    if not ci.exists():
        pytest.skip(".ci/run not in this checkout")
    lines = [ln.strip() for ln in ci.read_text().splitlines() if not ln.strip().startswith("#")]
    assert "python -m pytest" in lines
    assert "python -m pip install -q -e '.[test]'" in lines


@pytest.mark.parametrize("doc", ["README.md", "docs/getting-started.md", "docs/concepts.md",
                                 "docs/data-formats.md", "docs/api.md", "docs/sample_county.md"])
def test_relative_links_resolve(doc):
    path = ROOT / doc
    if not path.exists():
        pytest.skip(f"{doc} not in this checkout")
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{doc}: broken link {target}"
