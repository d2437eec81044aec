"""How a national pool is split across clusters, and who is eligible at all.

Grounding: support goes mainly to Key National Clusters; regional programmes exclude clusters that
span several regions (seed 000). ``competitive`` allocation by recent performance is the logic of
performance-based programmes discussed in seed 003 (ESCA labels); its exact form is an assumption.
"""

from __future__ import annotations

import numpy as np


def eligible_clusters(regions: np.ndarray, max_regions: int | None) -> np.ndarray:
    """Clusters a programme may fund: all, or those spanning at most ``max_regions`` regions."""
    if max_regions is None:
        return np.ones(regions.shape, bool)
    return regions <= max_regions


def allocate_pool(monthly_pool: float, eligible: np.ndarray, rule: str, size: np.ndarray,
                  stage: np.ndarray, performance: np.ndarray, key_clusters: int) -> np.ndarray:
    """Split one month of the public pool (EUR) across clusters.

    - ``even``: equal shares among eligible clusters;
    - ``concentrated``: equal shares among the ``key_clusters`` most developed eligible clusters
      (life-cycle stage, then size);
    - ``competitive``: shares proportional to recent performance (new ties per firm over the last
      12 months), equal while nobody has a record yet.
    """
    n = eligible.shape[0]
    weights = eligible.astype(float)
    if rule == "concentrated":
        rank_key = np.where(eligible, stage * 1e9 + size, -np.inf)
        order = np.argsort(-rank_key, kind="stable")
        chosen = order[: min(key_clusters, int(eligible.sum()))]
        weights = np.zeros(n)
        weights[chosen] = 1.0
    elif rule == "competitive":
        score = np.where(eligible, performance, 0.0)
        if score.sum() > 0:
            weights = score
    elif rule != "even":
        raise ValueError(f"unknown allocation rule {rule!r}")
    total = weights.sum()
    if total <= 0:
        return np.zeros(n)
    return monthly_pool * weights / total
