"""Posterior predictive check: run every pattern of the suite on posterior draws.

``draws`` parameter sets are drawn from the weighted posterior (numpy Generator seeded by
``SeedSequence(seed, spawn_key=(1,))``); draw k runs the whole suite with ``replications``
replications seeded by ``SeedSequence(seed, spawn_key=(1, k + 1))``. Targets and patterns that
were not targets are checked alike: the table says, per pattern, where the draws' means fall
against the accepted range. A draw that fails is recorded, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from clustersim.calibration.distance import Target
from clustersim.calibration.priors import FreeParameter
from clustersim.calibration.simulator import spawned_seed
from clustersim.calibration.summary import weighted_quantile

PREDICTIVE_KEY = 1
"""First spawn-key element of the predictive draws' seeds (ABC proposals use 0)."""


def draw_seed(seed: int, k: int) -> int:
    return spawned_seed(seed, (PREDICTIVE_KEY, k + 1))


def run_draw(patterns: Sequence[Any], scenarios: Sequence[Any] | None, replications: int,
             overrides: Mapping[str, Any], seed: int,
             batch_size: int | str = 1) -> dict[str, Any]:
    """Every pattern's mean for one draw (NaN where undefined), or ``{"error": ...}``."""
    from clustersim.validation import run_validation

    try:
        result = run_validation(list(patterns), None if scenarios is None else list(scenarios),
                                replications=replications, workers=1,
                                overrides=dict(overrides), seed=seed, batch_size=batch_size)
    except Exception as exc:  # recorded in the table, never dropped
        return {"error": f"{type(exc).__name__}: {exc}"[:1000]}
    return {"means": result.means(),
            "errors": {r.name: r.error for r in result.results if r.error}}


def posterior_predictive(posterior: pd.DataFrame, parameters: Sequence[FreeParameter],
                         patterns: Sequence[Any], ranges: Mapping[str, tuple[float, float]],
                         targets: Sequence[str], *, draws: int, replications: int, seed: int,
                         fixed: Mapping[str, Any] | None = None,
                         scenarios: Sequence[Any] | None = None,
                         executor: Executor | None = None,
                         report: Callable[[str], None] | None = None,
                         batch_size: int | str = 1
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-draw long table, per-pattern summary). ``ranges`` gives each pattern's accepted
    range (targets: the range calibrated against)."""
    from clustersim.experiments.executors import SerialExecutor

    executor = executor or SerialExecutor()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_KEY,)))
    weights = posterior["weight"].to_numpy(float)
    rows_idx = rng.choice(len(posterior), size=draws, p=weights / weights.sum())
    sets = []
    for k, i in enumerate(rows_idx):
        theta = {p.path: p.value(posterior[p.path].iloc[int(i)]) for p in parameters}
        sets.append((k, int(i), theta))
    futures = [executor.submit(run_draw, patterns, scenarios, replications,
                               {**(fixed or {}), **theta}, draw_seed(seed, k), batch_size)
               for k, _, theta in sets]
    long_rows = []
    for (k, i, theta), future in zip(sets, futures, strict=True):
        outcome = future.result()
        for p in patterns:
            if "error" in outcome:
                value, error = math.nan, outcome["error"]
            else:
                value = float(outcome["means"].get(p.name, math.nan))
                error = outcome["errors"].get(p.name)
            long_rows.append({"draw": k, "particle": i, "pattern": p.name, "value": value,
                              "error": error or "", **{f"param:{n}": v for n, v in theta.items()}})
        if report is not None:
            report(f"posterior predictive draw {k + 1}/{draws} done")
    table = pd.DataFrame(long_rows)
    summary = []
    for p in patterns:
        values = table.loc[table.pattern == p.name, "value"].to_numpy(float)
        defined = values[np.isfinite(values)]
        low, high = ranges[p.name]
        if defined.size:
            q025, q50, q975 = weighted_quantile(defined, np.ones(defined.size),
                                                [0.025, 0.5, 0.975])
            inside = float(np.mean((defined >= low) & (defined <= high)))
        else:
            q025 = q50 = q975 = inside = math.nan
        summary.append({
            "pattern": p.name, "target": p.name in targets, "accepted_low": low,
            "accepted_high": high, "draws": int(values.size), "defined": int(defined.size),
            "median": float(q50), "q025": float(q025), "q975": float(q975),
            "share_inside": inside,
            "median_inside": bool(defined.size and low <= q50 <= high),
            "interval_overlaps_range": bool(defined.size and q975 >= low and q025 <= high),
            "spread_over_range": float((q975 - q025) / Target(p.name, low, high).width),
        })
    return table, pd.DataFrame(summary)
