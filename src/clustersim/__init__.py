"""clustersim: an agent-based model of how industrial clusters internationalise.

Firms, cluster facilitators and foreign partners evolve trust, cooperation and export ties under
public funding schemes and other policy levers. Start with :func:`load_scenario` and
:func:`simulate`, or the ``clustersim`` command.

The names below load on first use (PEP 562), so ``import clustersim`` and the command line's
``--help`` do not pay for Mesa, pandas and the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clustersim.lazy import lazy_exports

if TYPE_CHECKING:
    from clustersim.model import ClusterModel
    from clustersim.scenario import Scenario, ScenarioError, load_scenario
    from clustersim.simulation import SimulationResult, simulate

_LAZY: dict[str, tuple[str, ...]] = {
    "clustersim.model": ("ClusterModel",),
    "clustersim.scenario": ("Scenario", "ScenarioError", "load_scenario"),
    "clustersim.simulation": ("SimulationResult", "simulate"),
}

__all__ = [
    "ClusterModel",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "simulate",
]


def _version() -> str:
    """The installed distribution's version (read on first use: importlib.metadata scans the
    installed packages, which ``--help`` need not pay for)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clustersim")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


_lazy_getattr = lazy_exports(__name__, _LAZY)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    return _lazy_getattr(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
