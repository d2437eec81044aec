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


# The layers, lowest first: a module may import its own layer and the layers below it, never a
# later one. Every module of the package must be placed (a new module fails the test until it
# is), so the rule cannot be skipped by accident.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("clustersim.mechanisms", "clustersim.mesa_core", "clustersim.shipped",
                     "clustersim.lazy")),
    ("scenario", ("clustersim.scenario", "clustersim.options", "clustersim.policy")),
    ("state", ("clustersim.state", "clustersim.contacts", "clustersim.world")),
    ("processes", ("clustersim.processes", "clustersim.agents")),
    ("model", ("clustersim.model",)),
    # the results of a run; the package's own namespace re-exports model and simulation
    ("outputs", ("clustersim.outputs", "clustersim.simulation", "clustersim")),
    ("experiments, analysis, viz", (
        "clustersim.experiments", "clustersim.analysis", "clustersim.viz",
        "clustersim.validation", "clustersim.calibration", "clustersim.limits",
        "clustersim.batching", "clustersim.cli", "clustersim.__main__")),
)


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` of the most specific prefix that names ``module`` (a package
    prefix names its submodules, except the package itself, which names only its
    ``__init__``), or None if no layer names it."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            names = module == prefix or (prefix != PACKAGE and module.startswith(prefix + "."))
            if names and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def upward_imports(graph: nx.DiGraph) -> list[str]:
    """Imports that go against the layers (a module importing a later layer); modules with no
    layer are left to :func:`test_every_module_has_a_layer`."""
    placed = [(a, b) for a, b in graph.edges
              if layer_of(a) is not None and layer_of(b) is not None]
    return sorted(f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
                  for a, b in placed if layer_of(b) > layer_of(a))


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in import_graph() if layer_of(m) is None)
    assert unplaced == [], f"place these modules in LAYERS: {unplaced}"


def test_an_upward_import_would_be_found():
    """The check can fail: a process that imports the model is reported."""
    graph = nx.DiGraph([("clustersim.processes.ties", "clustersim.model"),
                        ("clustersim.model", "clustersim.processes.ties")])
    assert upward_imports(graph) == [
        "clustersim.processes.ties (processes) imports clustersim.model (model)"]


def test_dependencies_flow_one_way():
    """scenario -> state -> processes -> model -> outputs -> experiments / analysis / viz."""
    wrong = upward_imports(import_graph())
    assert wrong == [], "imports against the layers:\n" + "\n".join(wrong)


def _type_checking_imports(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every ``from module import name`` under ``if TYPE_CHECKING:``."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    found |= {(inner.module, alias.name) for alias in inner.names}
    return found


def test_lazy_exports_are_seen_by_the_graph():
    """A lazily exported name is imported by its module's name in a string, which the graph
    cannot see; each package lists the same imports under ``TYPE_CHECKING``, which it does."""
    import importlib

    packages = [p for p in (SRC / PACKAGE).rglob("__init__.py")
                if "lazy_exports(" in p.read_text(encoding="utf-8")]
    assert len(packages) >= 4
    for path in packages:
        package = importlib.import_module(module_name(path))
        getter = getattr(package, "_lazy_getattr", package.__getattr__)
        exported = {(module, name) for module, names in getter.exports.items()
                    for name in names}
        assert exported == _type_checking_imports(path), path
