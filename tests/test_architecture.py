"""The layers point one way (docs/architecture.md, DESIGN.md "Layers").

Every ``import`` of a yingji module in ``src/yingji`` — at module level or inside a function — is
read from the source (ast). A module may import its own layer or a layer below; an import of a
layer above fails the test and is named with its file and line. Imports between modules must
not form a circle. ``import yingji`` must load no face.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Layers, bottom up: module-name prefixes (a dotted prefix matches the module and its submodules).
LAYERS = [
    ("base", ("yingji._version", "yingji.exceptions", "yingji._validation", "yingji.results",
              "yingji.config", "yingji._deadline", "yingji._fork", "yingji._executor", "yingji.profiles",
              "yingji._render", "yingji._optional")),
    ("solvers · kernels", ("yingji.solvers", "yingji._kernels")),
    ("network · county", ("yingji.network", "yingji.osm", "yingji._crs", "yingji.county",
                          "yingji._odtimes", "yingji.datasets", "yingji.geo")),
    ("siting", ("yingji.siting",)),
    ("domain", ("yingji.fire", "yingji.teams", "yingji.supplies", "yingji.dispatch",
                "yingji.simulation", "yingji.shelters", "yingji.scenarios")),
    ("planning · compliance", ("yingji.planning", "yingji.compliance")),
    ("faces", ("yingji.cli", "yingji.api", "yingji.report", "yingji.service", "yingji.client")),
]

#: Imports inside one package that go from a type to the function that uses it, allowed as the
#: only exceptions to "no circle" (each is a method forwarding to a sibling; the target imports
#: the type at module level, so the cycle never runs at import time).
ALLOWED_CYCLE_EDGES = {
    ("yingji.solvers.model", "yingji.solvers.core"): "SparseModel.solve() forwards to solvers.solve",
    ("yingji.solvers.model", "yingji.solvers.pulp_bridge"): "SparseModel.to_pulp() forwards to the bridge",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    mods = {}
    for p in (SRC / "yingji").rglob("*.py"):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        mods[".".join(parts)] = (p, is_pkg)
    return mods


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rsplit(".", 1)[0] if "." in name else ""
    return name or None


def _imports() -> list[tuple[str, str, int]]:
    """(importing module, imported module, line) for every yingji import in src."""
    out = []
    for mod, (path, is_pkg) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        pkg = mod if is_pkg else mod.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "yingji" or a.name.startswith("yingji."):
                        out.append((mod, _resolve(a.name), node.lineno))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    full = ".".join(base + ([node.module] if node.module else []))
                else:
                    full = node.module or ""
                if not (full == "yingji" or full.startswith("yingji.")):
                    continue
                for a in node.names:
                    sub = f"{full}.{a.name}"
                    out.append((mod, sub if sub in MODULES else _resolve(full), node.lineno))
    return [e for e in out if e[1] is not None and e[0] != e[1]]


def layer_of(mod: str) -> int | None:
    for k, (_, prefixes) in enumerate(LAYERS):
        if any(mod == p or mod.startswith(p + ".") for p in prefixes):
            return k
    return None


EDGES = _imports()


def test_every_module_has_a_layer():
    loose = sorted(m for m in MODULES if m != "yingji" and layer_of(m) is None)
    assert not loose, f"modules in no layer (add them to LAYERS and docs/architecture.md): {loose}"


def test_no_import_points_up():
    up = []
    for src, dst, line in EDGES:
        if src == "yingji":
            # the package itself imports only the base layer eagerly (the rest lazily, by name)
            if layer_of(dst) != 0:
                up.append(f"src/yingji/__init__.py:{line} imports {dst} (only the base layer)")
            continue
        if dst == "yingji":
            up.append(f"{MODULES[src][0].relative_to(SRC.parent)}:{line}: {src} imports the top package yingji")
            continue
        ls, ld = layer_of(src), layer_of(dst)
        if ls is not None and ld is not None and ld > ls:
            up.append(f"{MODULES[src][0].relative_to(SRC.parent)}:{line}: {src} ({LAYERS[ls][0]}) imports "
                      f"{dst} ({LAYERS[ld][0]})")
    assert not up, "imports that point up a layer:\n  " + "\n  ".join(sorted(set(up)))


def test_no_import_circles():
    g = nx.DiGraph()
    g.add_edges_from((s, d) for s, d, _ in EDGES if (s, d) not in ALLOWED_CYCLE_EDGES)
    circles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    detail = []
    for c in circles:
        lines = [f"{s} -> {d} (line {ln})" for s, d, ln in EDGES if s in c and d in c]
        detail.append(", ".join(c) + ":\n      " + "\n      ".join(sorted(set(lines))))
    assert not circles, "import circles:\n  " + "\n  ".join(detail)


def test_allowed_cycle_edges_still_exist():
    """The exceptions above are real (delete an entry once its import is gone)."""
    have = {(s, d) for s, d, _ in EDGES}
    assert set(ALLOWED_CYCLE_EDGES) <= have


def test_import_yingji_loads_no_face_and_no_domain():
    code = ("import sys, yingji; print(','.join(sorted(m for m in sys.modules if m.startswith('yingji'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = r.stdout.strip().split(",")
    heavy = [m for m in loaded if m != "yingji" and (layer_of(m) or 0) >= 3]
    assert not heavy, f"import yingji loaded {heavy}"


def test_public_names_resolve():
    import yingji as yj

    for name in yj.__all__:
        assert getattr(yj, name) is not None, name
    assert callable(yj.fire.plan) and callable(yj.mclp) and yj.County.__name__ == "County"


@pytest.mark.parametrize("face", ["yingji.cli", "yingji.api", "yingji.report", "yingji.service",
                                  "yingji.client"])
def test_no_lower_layer_imports_a_face(face):
    users = sorted({s for s, d, _ in EDGES if (d == face or d.startswith(face + "."))
                    and layer_of(s) is not None and layer_of(s) < len(LAYERS) - 1})
    assert not users, f"{face} imported by {users}"


#: The longest a source file may be (lines; the layers issue: "no source file over ~800 lines").
MAX_FILE_LINES = 850
#: The most lines of code (docstring excluded) a function may have without a reason in its
#: docstring (a sentence containing "stays long").
MAX_FUNCTION_CODE_LINES = 150


def test_no_source_file_is_too_long():
    long_files = sorted((len(p.read_text(encoding="utf-8").splitlines()), str(p.relative_to(SRC.parent)))
                        for p, _ in MODULES.values()
                        if len(p.read_text(encoding="utf-8").splitlines()) > MAX_FILE_LINES)
    assert not long_files, f"files over {MAX_FILE_LINES} lines (split them): {long_files}"


def test_no_function_is_too_long_without_a_reason():
    long_funcs = []
    for mod, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            doc = ast.get_docstring(node) or ""
            doc_lines = (node.body[0].end_lineno - node.body[0].lineno + 1) if doc else 0
            code = node.end_lineno - node.lineno + 1 - doc_lines
            if code > MAX_FUNCTION_CODE_LINES and "stays long" not in doc:
                long_funcs.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {node.name} ({code} lines of code)")
    assert not long_funcs, "functions over the limit without a reason in their docstring:\n  " + "\n  ".join(long_funcs)
