"""Coordination costs: more international relationships cost more than proportionally.

Grounding: "Building too many international relationships ... is limited by coordination costs and
the risk of relationship management ... it is harder to respond quickly to partners' signals"
(seed 000). The power law (exponent > 1) and the hyperbolic fall of responsiveness are assumptions
(parameters ``coordination.exponent``, ``coordination.responsiveness_halving``), scaled by the
policy lever ``policy.coordination_cost``.
"""

from __future__ import annotations

import numpy as np


def coordination_load(n_relations: np.ndarray, cost_level: float, cost_per_relation: float,
                      exponent: float) -> np.ndarray:
    """Capacity used to maintain ``n`` relationships: ``level * cost * n ** exponent``."""
    return cost_level * cost_per_relation * np.power(np.asarray(n_relations, float), exponent)


def marginal_coordination_load(n_relations: np.ndarray, cost_level: float,
                               cost_per_relation: float, exponent: float) -> np.ndarray:
    """Extra load of one more relationship; grows with ``n`` when the exponent exceeds 1."""
    n = np.asarray(n_relations, float)
    return (coordination_load(n + 1, cost_level, cost_per_relation, exponent)
            - coordination_load(n, cost_level, cost_per_relation, exponent))


def responsiveness(n_relations: np.ndarray, cost_level: float, halving: float) -> np.ndarray:
    """How fast a firm answers partners' signals (1 = at once); halves at ``halving`` ties."""
    return 1.0 / (1.0 + cost_level * np.asarray(n_relations, float) / halving)
