"""The calibrated point: which single parameter set ``calibrated.yaml`` holds.

``median`` (the default) takes each parameter's weighted posterior median. That vector need not
be a particle: with correlated parameters or a posterior resting on a few particles, it mixes
them and can miss patterns that every particle meets. ``best_particle`` re-simulates every
distinct particle of the final generation with ``replications`` replications, all on the same
seeds (common random numbers, so particles are compared on the same draws of chance), and takes
the particle whose worst target lies deepest inside its accepted range:

    margin_k = min(mean_k - low_k, high_k - mean_k) / scale_k   (inside; infinite bounds ignored)
    margin_k = -distance_k                                       (outside)
    score    = min_k margin_k,  ties -> the larger posterior weight

``patterns: targets`` (the default) judges particles on the targets they were calibrated
against; ``patterns: suite`` on every pattern of the validation suite, the targets with their
calibrated ranges and the others with their accepted ranges. The second is the filtering step
of pattern-oriented modelling (Grimm et al. 2005, Science 310: 987-991; Railsback & Grimm
2019, ch. 18): of the parameter sets the fitted patterns accept, keep the one the patterns not
fitted accept best, so that the shipped point does not trade an unfitted pattern for a fitted
one.

Seeds: ``SeedSequence(seed, spawn_key=(POINT_KEY,))`` (ABC proposals use 0, the predictive
check 1), so the selection runs on draws that neither the ABC nor ``clustersim validate``
(its own seed) used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import pandas as pd

from clustersim.calibration.distance import Target
from clustersim.calibration.priors import FreeParameter
from clustersim.calibration.simulator import PatternSimulator, Simulator, simulate, spawned_seed

if TYPE_CHECKING:
    from clustersim.calibration.config import ResolvedConfig
    from clustersim.scenario import Scenario

POINT_KEY = 2
"""First spawn-key element of the point selection's seed (ABC 0, predictive check 1)."""


def point_seed(seed: int) -> int:
    return spawned_seed(seed, (POINT_KEY,))


def margin(target: Target, value: float) -> float:
    """How deep ``value`` lies inside the target's range, in units of its scale (negative:
    the scaled distance outside; -inf when undefined)."""
    if value is None or math.isnan(value):
        return -math.inf
    if not target.contains(value):
        return -target.distance(value)
    room = [value - target.low, target.high - value]
    finite = [r for r in room if math.isfinite(r)]
    return min(finite) / target.width if finite else math.inf


def select_particle(posterior: pd.DataFrame, parameters: Sequence[FreeParameter],
                    targets: Sequence[Target], simulator: Simulator, *, seed: int,
                    executor: Executor | None = None,
                    report: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per distinct particle of ``posterior``: its parameters, weight, every target's
    simulated mean and margin, ``score`` (the smallest margin), ``worst`` (that target) and
    ``chosen`` (True for exactly one row). ``simulator`` sets the replications."""
    from clustersim.experiments.executors import SerialExecutor

    executor = executor or SerialExecutor()
    paths = [p.path for p in parameters]
    distinct = (posterior.groupby(paths, sort=False, as_index=False)["weight"].sum()
                .reset_index(drop=True))
    names = [t.name for t in targets]
    run_seed = point_seed(seed)
    futures = [executor.submit(simulate, simulator, names,
                               {p.path: p.value(row[p.path]) for p in parameters}, run_seed)
               for _, row in distinct.iterrows()]
    rows = []
    for i, future in enumerate(futures):
        outcome = future.result()
        row: dict[str, Any] = {**{p: distinct.at[i, p] for p in paths},
                               "weight": float(distinct.at[i, "weight"])}
        margins = {t.name: margin(t, outcome.stats.get(t.name, math.nan)) for t in targets}
        for t in targets:
            row[f"mean:{t.name}"] = outcome.stats.get(t.name, math.nan)
            row[f"margin:{t.name}"] = margins[t.name]
        worst = min(margins, key=margins.__getitem__)
        row.update(score=margins[worst], worst=worst,
                   failure=(outcome.failure or {}).get("reason", ""))
        rows.append(row)
        if report is not None:
            report(f"point estimate: particle {i + 1}/{len(futures)} re-simulated")
    table = pd.DataFrame(rows)
    order = table.sort_values(["score", "weight"], ascending=False, kind="stable").index
    table["chosen"] = False
    table.loc[order[0], "chosen"] = True
    return table


def particle_judges(resolved: ResolvedConfig, replications: int,
                    suite_scenarios: Sequence[Scenario | str]
                    ) -> tuple[list[Target], PatternSimulator]:
    """The patterns that judge the particles of ``best_particle`` and their simulator: the
    targets (their calibrated ranges) on the scenarios they are measured on, or with
    ``patterns: suite`` every pattern of the suite (targets keep their calibrated ranges)."""
    cfg = resolved.config
    if cfg.point_estimate.patterns == "targets":
        return resolved.targets, PatternSimulator(resolved.target_patterns, replications,
                                                  resolved.measured, cfg.fixed,
                                                  cfg.replication_batch)
    fitted = {t.name: t for t in resolved.targets}
    judged = [fitted.get(p.name, Target(p.name, p.low, p.high, origin="accepted"))
              for p in resolved.all_patterns]
    return judged, PatternSimulator(resolved.all_patterns, replications, suite_scenarios,
                                    cfg.fixed, cfg.replication_batch)


def chosen_values(table: pd.DataFrame, parameters: Sequence[FreeParameter]
                  ) -> Mapping[str, float | int]:
    """The chosen particle's parameter values (dotted path -> value)."""
    row = table.loc[table["chosen"]].iloc[0]
    return {p.path: p.value(row[p.path]) for p in parameters}
