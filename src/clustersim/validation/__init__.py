"""Pattern-oriented validation: does the model reproduce what the evidence shows?

``clustersim validate`` runs the pattern suite (``patterns.yaml``, kept as data) on the shipped
scenarios with common random numbers, and writes ``validation.json`` and ``validation.html``.
From Python::

    from clustersim.validation import run_validation, pattern_means
    result = run_validation(quick=True)          # ValidationResult
    result.passed, result.means()
    pattern_means({"parameters.export.tie_hazard_new": 0.08}, replications=5)
"""

from typing import TYPE_CHECKING

from clustersim.lazy import lazy_dir, lazy_exports

if TYPE_CHECKING:
    from clustersim.validation.patterns import Pattern, PatternFileError, load_patterns
    from clustersim.validation.suite import (
        DEFAULT_SEED,
        FULL_REPLICATIONS,
        QUICK_REPLICATIONS,
        PatternResult,
        ValidationInputError,
        ValidationResult,
        distance_to_range,
        pattern_means,
        run_validation,
    )

# the names load on first use: ``clustersim validate --help`` imports this package without
# numpy, scipy and the model
_MODULES = {
    "clustersim.validation.patterns": ("Pattern", "PatternFileError", "load_patterns"),
    "clustersim.validation.suite": ("DEFAULT_SEED", "FULL_REPLICATIONS", "QUICK_REPLICATIONS",
                                    "PatternResult", "ValidationInputError",
                                    "ValidationResult", "distance_to_range", "pattern_means",
                                    "run_validation"),
}
__getattr__ = lazy_exports(__name__, _MODULES)
__dir__ = lazy_dir(__name__, _MODULES)

__all__ = [
    "DEFAULT_SEED",
    "FULL_REPLICATIONS",
    "QUICK_REPLICATIONS",
    "Pattern",
    "PatternFileError",
    "PatternResult",
    "ValidationInputError",
    "ValidationResult",
    "distance_to_range",
    "load_patterns",
    "pattern_means",
    "run_validation",
]
