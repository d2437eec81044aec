"""The ABC distance: how far simulated pattern means lie outside their accepted ranges.

For target k with accepted range [lo_k, hi_k] and simulated mean m_k,

    d_k = distance_to_range(m_k, lo_k, hi_k) / scale_k        (0 inside the range)
    d   = sqrt(sum_k d_k^2)

``scale_k`` is the range's width, or for a half-open range the size of its finite bound (1 if
that bound is 0), unless the config gives one. An undefined mean (NaN: the measure had nothing
to measure, or the simulation failed) gives d = inf, so the particle is rejected (and recorded).

Why ranges and not pyabc's adaptive distance on pattern means: the evidence gives accepted
*ranges* (docs/validation.md), not points with a noise model; every value inside a range is as
consistent with the sources as any other. An adaptive p-norm on the means would pull the
posterior to an arbitrary point (the midpoint or a "target" the sources do not give) and weigh
patterns by their simulated spread instead of by the evidence. With the range distance,
epsilon = 0 means "every target pattern passes", exactly the verdict of ``clustersim validate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """A pattern (or any named statistic) and the range its simulated mean should lie in."""

    name: str
    low: float
    high: float
    scale: float | None = None
    origin: str = ""

    @property
    def width(self) -> float:
        """The scale dividing the distance outside the range."""
        if self.scale is not None:
            return float(self.scale)
        if math.isfinite(self.low) and math.isfinite(self.high):
            return float(self.high - self.low) or 1.0
        bound = self.low if math.isfinite(self.low) else self.high
        return abs(float(bound)) or 1.0

    def distance(self, value: float) -> float:
        """Scaled distance of ``value`` to the range (0 inside; NaN -> inf)."""
        if value is None or math.isnan(value):
            return math.inf
        return max(self.low - value, 0.0, value - self.high) / self.width

    def contains(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)

    def midpoint(self) -> float:
        """A representative value (pyabc stores one "observation" per statistic)."""
        if math.isfinite(self.low) and math.isfinite(self.high):
            return (self.low + self.high) / 2
        return self.low if math.isfinite(self.low) else self.high


def range_distance(targets: Sequence[Target], means: Mapping[str, Any]) -> float:
    """sqrt(sum of squared scaled distances); inf when a target's mean is missing or NaN."""
    total = 0.0
    for target in targets:
        d = target.distance(float(means.get(target.name, math.nan)))
        if math.isinf(d):
            return math.inf
        total += d * d
    return math.sqrt(total)
