"""Pattern-oriented validation: does the model reproduce what the evidence shows?

``clustersim validate`` runs the pattern suite (``patterns.yaml``, kept as data) on the shipped
scenarios with common random numbers, and writes ``validation.json`` and ``validation.html``.
From Python::

    from clustersim.validation import run_validation, pattern_means
    result = run_validation(quick=True)          # ValidationResult
    result.passed, result.means()
    pattern_means({"parameters.export.tie_hazard_new": 0.08}, replications=5)
"""

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
