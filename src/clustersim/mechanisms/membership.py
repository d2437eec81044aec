"""Member satisfaction, commitment and membership: fees are paid only while members are served.

Grounding: quick visible results keep members engaged, without them members lose interest (seed
004, "low-hanging fruit"); ESCA counts committed participants and satisfaction (seed 003); firms
open up only after a long, trustworthy relationship, usually after they have received help from
the cluster (seed 002). The exponential-memory satisfaction and the thresholds are assumptions
(``membership.*``).
"""

from __future__ import annotations

import numpy as np


def update_satisfaction(satisfaction: np.ndarray, benefit: np.ndarray, fee_burden: np.ndarray,
                        neutral: float, memory: float) -> np.ndarray:
    """Satisfaction moves toward this month's perceived value: neutral + benefit - fee burden."""
    perceived = np.clip(neutral + benefit - fee_burden, 0.0, 1.0)
    return memory * satisfaction + (1.0 - memory) * perceived


def fee_burden(monthly_fee: np.ndarray, resources: np.ndarray, sensitivity: float) -> np.ndarray:
    """How much the membership fee weighs: more for firms with few resources (micro, start-ups)."""
    return sensitivity * (monthly_fee / 100.0) * (1.0 - resources)


def leaving(member: np.ndarray, satisfaction: np.ndarray, exit_threshold: float, exit_prob: float,
            rng: np.random.Generator) -> np.ndarray:
    """Dissatisfied members leave with ``exit_prob`` a month."""
    return member & (satisfaction < exit_threshold) & (rng.random(member.shape[0]) < exit_prob)


def joining(member: np.ndarray, cluster_reputation: np.ndarray, join_threshold: float,
            join_prob: float, rng: np.random.Generator) -> np.ndarray:
    """Non-members join when members of their cluster are satisfied (word of mouth)."""
    attractive = cluster_reputation >= join_threshold
    return ~member & attractive & (rng.random(member.shape[0]) < join_prob)


def committed(member: np.ndarray, satisfaction: np.ndarray, months_since_participation: np.ndarray,
              threshold: float) -> np.ndarray:
    """Committed members: satisfied enough and taking part in activities within a year."""
    return member & (satisfaction >= threshold) & (months_since_participation < 12)
