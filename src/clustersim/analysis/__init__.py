"""Analysis: comparing funding schemes at equal public spend, statistics, figures and reports.

``comparison`` reads a comparison file and runs it on the sweep runner; ``calibration`` finds the
equal-spend budgets; ``stats``, ``tables`` and ``summary`` turn runs into intervals, tables and
plain-language sentences; ``figures`` and ``report`` write the self-contained HTML page;
``quicklook`` backs ``clustersim plot``.
"""

from typing import TYPE_CHECKING

from clustersim.lazy import lazy_dir, lazy_exports

if TYPE_CHECKING:
    from clustersim.analysis.comparison import ComparisonSpec, load_comparison, run_comparison
    from clustersim.analysis.stats import mean_ci, paired_difference

# the names load on first use: ``clustersim compare --help`` imports this package without
# pandas, scipy and the model
_MODULES = {
    "clustersim.analysis.comparison": ("ComparisonSpec", "load_comparison", "run_comparison"),
    "clustersim.analysis.stats": ("mean_ci", "paired_difference"),
}
__getattr__ = lazy_exports(__name__, _MODULES)
__dir__ = lazy_dir(__name__, _MODULES)

__all__ = ["ComparisonSpec", "load_comparison", "mean_ci", "paired_difference", "run_comparison"]
