"""The package has no import cycles: dependencies flow one way, scenario -> state -> processes ->
model -> outputs -> experiments / analysis / viz.

The graph is read from the source with :mod:`ast` and counts *every* import of a clustersim
module: at module level, inside functions and under ``TYPE_CHECKING`` (a type-only import is
still a dependency a reader has to follow, and the cycles this guards against were of that
kind). An import of ``pkg.sub`` is an edge to ``pkg.sub`` only, not to the package ``pkg``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "clustersim"


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(src: Path = SRC) -> nx.DiGraph:
    """Directed graph: an edge a -> b when module a imports module b (both in the package)."""
    files = {module_name(p, src): p for p in (src / PACKAGE).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative import
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in files
                           else module for alias in node.names]
            for target in targets:
                while target and target not in files:  # `import a.b.c` of a non-module name
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert graph.number_of_nodes() > 50
    assert graph.has_edge("clustersim.simulation", "clustersim.model")


def test_a_cycle_would_be_found(tmp_path):
    """The check can fail: a tiny package with a type-only back edge has a cycle."""
    pkg = tmp_path / PACKAGE
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from clustersim.b import B\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from clustersim.a import A\nB = 1\n")
    assert list(nx.simple_cycles(import_graph(tmp_path)))


def test_no_import_cycles():
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles[:20])
