"""Mesa's core classes (``Model``, ``Agent``, ``DataCollector``) without the rest of Mesa.

Why: Mesa 3.3's package ``__init__`` imports all of Mesa: ``discrete_space``, ``experimental``
(scipy.spatial), ``space`` (networkx), ``batchrunner`` (multiprocessing, tqdm) and
``datacollection`` (pandas): about half of a ``clustersim run`` of the baseline, most of it for
modules the model never uses (benchmarks/README.md). Python runs a package's ``__init__``
before any of its submodules, so ``import mesa.model`` alone does not avoid it.

What: if Mesa has not been imported yet, :data:`mesa` is the ``mesa`` package registered without
running its ``__init__``, with the three core modules imported and their classes set on it
(``mesa.Model``, ``mesa.Agent``, ``mesa.DataCollector``, the names the model uses). The first
time anything else is asked of the package (``mesa.batch_run``, ``mesa.space``,
``mesa.__version__``, ``from mesa import ...``), its ``__init__`` runs in the same module object,
so code importing Mesa later sees the whole, ordinary package with the same classes
(``mesa.Model is mesa.model.Model``). If Mesa is already imported, that package is used as is.
Written for Mesa 3.3 (pinned in pyproject.toml); if the core modules fail to import this way,
the ordinary ``import mesa`` is used.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

CORE_MODULES = ("mesa.agent", "mesa.model", "mesa.datacollection")
"""The Mesa modules the model needs; everything else of Mesa loads on first use."""

_COMPLETE_LOCK = threading.RLock()


def _full_import() -> ModuleType:
    import mesa  # the ordinary import: runs mesa/__init__.py

    return mesa


def _forget_mesa() -> None:
    for name in [n for n in sys.modules if n == "mesa" or n.startswith("mesa.")]:
        del sys.modules[name]


def _complete(package: ModuleType) -> None:
    """Run Mesa's ``__init__`` in ``package`` (once): it becomes the ordinary ``mesa`` package."""
    with _COMPLETE_LOCK:
        if "__getattr__" not in vars(package):
            return
        del package.__getattr__, package.__dir__
        package.__spec__.loader.exec_module(package)  # type: ignore[union-attr]


def _load_core() -> ModuleType:
    if "mesa" in sys.modules:
        return sys.modules["mesa"]
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return _full_import()  # not installed, or not a package: the ordinary error or module
    package = importlib.util.module_from_spec(spec)
    sys.modules["mesa"] = package
    try:
        for name in CORE_MODULES:
            importlib.import_module(name)
    except Exception:  # an unexpected Mesa layout: start again the ordinary way
        _forget_mesa()
        return _full_import()
    package.Agent = sys.modules["mesa.agent"].Agent  # type: ignore[attr-defined]
    package.Model = sys.modules["mesa.model"].Model  # type: ignore[attr-defined]
    package.DataCollector = sys.modules["mesa.datacollection"].DataCollector  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:
        _complete(package)
        try:
            return vars(package)[name]
        except KeyError:
            raise AttributeError(f"module 'mesa' has no attribute {name!r}") from None

    def __dir__() -> list[str]:
        _complete(package)
        return sorted(vars(package))

    package.__getattr__ = __getattr__  # type: ignore[attr-defined]
    package.__dir__ = __dir__  # type: ignore[attr-defined]
    return package


def is_complete() -> bool:
    """Whether Mesa's package ``__init__`` has run (the whole of Mesa is loaded)."""
    package = sys.modules.get("mesa")
    return package is not None and "__getattr__" not in vars(package)


def mesa_version() -> str:
    """Mesa's version without loading the rest of Mesa (for manifests)."""
    package = sys.modules.get("mesa")
    if package is not None and "__version__" in vars(package):
        return str(package.__version__)
    return importlib.metadata.version("mesa")


mesa = _load_core()
"""The ``mesa`` package; ``mesa.Model``, ``mesa.Agent`` and ``mesa.DataCollector`` are loaded."""
