"""clustersim: an agent-based model of how industrial clusters internationalise.

Firms, cluster facilitators and foreign partners evolve trust, cooperation and export ties under
public funding schemes and other policy levers. Start with :func:`load_scenario` and
:func:`simulate`, or the ``clustersim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from clustersim.model import ClusterModel
from clustersim.scenario import Scenario, ScenarioError, load_scenario
from clustersim.simulation import SimulationResult, simulate

__all__ = [
    "ClusterModel",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "simulate",
]
