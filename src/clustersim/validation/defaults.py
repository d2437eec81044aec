"""The validation suite's default sizes and seed, kept apart from the suite so that the command
line's options and ``--help`` can show them without loading numpy, scipy and the model."""

DEFAULT_SEED = 2024
"""Base seed of the replication seeds when none is given."""
FULL_REPLICATIONS = 20
"""Replications per scenario and variant in the full configuration."""
QUICK_REPLICATIONS = 5
"""Replications with ``quick=True`` (``--quick``): intervals about twice as wide."""

SEQUENTIAL_FACTOR = 4
"""``clustersim validate``'s default ``max_replications``: this many times the replications."""
