"""Package attributes that load on first use (PEP 562), so that importing a package -- and the
command line's ``--help`` -- does not pay for the heavy modules behind its public names."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, modules: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name listed under a module in ``modules``
    is imported from that module when first asked for, and kept in the package for later
    lookups."""
    exports = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    __getattr__.exports = modules  # type: ignore[attr-defined]  (read by the import-graph test)
    return __getattr__


def lazy_dir(package: str, modules: dict[str, tuple[str, ...]]) -> Callable[[], list[str]]:
    """A module ``__dir__`` for ``package`` that lists the lazy names before they are loaded
    (tab completion in notebooks and IPython uses ``dir``)."""
    names = {name for group in modules.values() for name in group}

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __dir__
