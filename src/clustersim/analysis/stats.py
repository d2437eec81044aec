"""Means with t-based confidence intervals, and paired comparisons across replications.

Comparisons run every variant with the same replication seeds (common random numbers), so two
variants are compared replication by replication: a paired t-test on the differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class MeanCI:
    """A sample mean with its confidence interval bounds and the number of values used."""

    mean: float
    low: float
    high: float
    n: int


def mean_ci(values: np.ndarray | pd.Series, level: float = 0.95) -> MeanCI:
    """Sample mean and its two-sided ``level`` confidence interval (Student t, n - 1 d.f.)."""
    x = np.asarray(values, float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return MeanCI(float("nan"), float("nan"), float("nan"), 0)
    mean = float(x.mean())
    if n == 1:
        return MeanCI(mean, float("nan"), float("nan"), 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return MeanCI(mean, mean - half, mean + half, n)


def summarise(frame: pd.DataFrame, by: str | list[str], columns: list[str],
              level: float = 0.95) -> pd.DataFrame:
    """Tidy table: one row per group and column, with mean, CI bounds and n."""
    rows = []
    for key, group in frame.groupby(by, sort=False):
        for column in columns:
            ci = mean_ci(group[column], level)
            rows.append({**({by: key} if isinstance(by, str) else dict(zip(by, key, strict=True))),
                         "kpi": column, "mean": ci.mean, "ci_low": ci.low, "ci_high": ci.high,
                         "n": ci.n})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PairedDifference:
    """Mean of a - b over matched replications, its 95% t interval and the paired t-test."""

    mean_difference: float
    p_value: float
    n: int
    low: float = float("nan")
    high: float = float("nan")

    @property
    def distinguishable(self) -> bool:
        """Different at the 5% level (two-sided)."""
        return bool(self.p_value < 0.05)


def paired_difference(a: pd.Series, b: pd.Series, level: float = 0.95) -> PairedDifference:
    """a - b matched by index (replication), with a two-sided paired t-test and a ``level``
    confidence interval of the mean difference."""
    joined = pd.concat({"a": a, "b": b}, axis=1).dropna()
    diff = (joined["a"] - joined["b"]).to_numpy(float)
    if diff.size < 2:
        return PairedDifference(float(diff.mean()) if diff.size else float("nan"), float("nan"),
                                int(diff.size))
    ci = mean_ci(diff, level)
    if np.allclose(diff, diff[0]):  # no spread: the t statistic is undefined
        p = 0.0 if diff[0] != 0 else 1.0
        return PairedDifference(float(diff[0]), p, int(diff.size), float(diff[0]),
                                float(diff[0]))
    p = float(stats.ttest_1samp(diff, 0.0).pvalue)
    return PairedDifference(ci.mean, p, int(diff.size), ci.low, ci.high)
