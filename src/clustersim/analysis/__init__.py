"""Analysis: comparing funding schemes at equal public spend, statistics, figures and reports."""

from clustersim.analysis.comparison import ComparisonSpec, load_comparison, run_comparison
from clustersim.analysis.stats import mean_ci, paired_difference

__all__ = ["ComparisonSpec", "load_comparison", "mean_ci", "paired_difference", "run_comparison"]
