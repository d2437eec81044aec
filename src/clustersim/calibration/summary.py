"""Weighted posterior summaries: quantiles, medians, identifiability, ``calibrated.yaml``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import yaml

from clustersim.calibration.priors import FreeParameter

IDENTIFIED_SD_RATIO = 0.8
"""A posterior whose sd is above 80% of the prior's has barely learnt from the targets: the
parameter is reported as not identified (the posterior is close to the prior)."""


def weighted_quantile(values: Sequence[float], weights: Sequence[float],
                      q: float | Sequence[float]) -> np.ndarray:
    """Quantile(s) ``q`` of ``values`` under normalised ``weights`` (inverse of the weighted
    empirical CDF with midpoint interpolation, so equal weights give numpy's 'hazen')."""
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights.sum()
    cdf = np.cumsum(w) - w / 2
    return np.interp(np.atleast_1d(q), cdf, v)


def weighted_sd(values: Sequence[float], weights: Sequence[float]) -> float:
    values = np.asarray(values, float)
    w = np.asarray(weights, float) / np.sum(weights)
    mean = float(np.sum(w * values))
    return math.sqrt(float(np.sum(w * (values - mean) ** 2)))


def posterior_summary(posterior: pd.DataFrame, parameters: Sequence[FreeParameter]
                      ) -> pd.DataFrame:
    """One row per parameter: prior, weighted median and 95% credible interval, sd ratio
    (posterior / prior) and whether the targets identify it (:data:`IDENTIFIED_SD_RATIO`)."""
    rows = []
    w = posterior["weight"].to_numpy(float)
    for p in parameters:
        x = posterior[p.path].to_numpy(float)
        q025, q50, q975 = weighted_quantile(x, w, [0.025, 0.5, 0.975])
        prior_sd = float(p.prior.scipy().std())
        ratio = weighted_sd(x, w) / prior_sd if prior_sd > 0 else math.nan
        rows.append({"parameter": p.path, "prior": p.prior.describe(),
                     "prior_low": p.prior.low, "prior_high": p.prior.high,
                     "median": float(q50), "q025": float(q025), "q975": float(q975),
                     "calibrated_value": p.value(q50), "sd_ratio": ratio,
                     "identified": bool(ratio < IDENTIFIED_SD_RATIO)})
    return pd.DataFrame(rows)


def calibrated_yaml(summary: pd.DataFrame, parameters: Sequence[FreeParameter],
                    header: Sequence[str]) -> str:
    """A YAML fragment with the posterior medians, nested by dotted path, that a scenario can
    ``extends:`` (its own fields still win). Paths through lists (``clusters.0.x``) cannot be
    merged by ``extends:`` and are listed as comments instead."""
    tree: dict[str, Any] = {}
    skipped = []
    values = dict(zip(summary["parameter"], summary["calibrated_value"], strict=True))
    for p in parameters:
        parts = p.path.split(".")
        if any(part.isdigit() for part in parts):
            skipped.append(f"# not mergeable by extends: (a list index): {p.path} = "
                           f"{values[p.path]}")
            continue
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        value = values[p.path]
        node[parts[-1]] = int(value) if p.integer else float(f"{float(value):.6g}")
    body = yaml.safe_dump(tree, sort_keys=False, default_flow_style=False)
    lines = [f"# {line}" if line else "#" for line in header]
    return "\n".join([*lines, *skipped, body])
