"""Run the pattern suite: every pattern's scenario and variants, replication by replication,
with common random numbers, through the project's executors; then measure and summarise.

Common random numbers: replication r of every scenario and variant is seeded with
``numpy.random.SeedSequence(seed, spawn_key=(r,))``, so differences between variants (funded vs
unfunded, in person vs remote) are paired replication by replication. Identical scenario
settings (same scenario hash) are run once and shared between patterns. Results are ordered by
task, never by completion, so they do not depend on the number of workers.

The mean of each pattern comes with a two-sided 95% Student-t interval over replications
(``clustersim.analysis.stats.mean_ci``); replications where a measure is undefined (NaN) are
left out and counted. Measures registered with ``ratio_of_means`` (a ratio whose denominator
can be near zero in one replication) report mean(numerator) / mean(denominator) with a 95%
percentile bootstrap interval over replications instead.

Sequential replications (``max_replications``, the CLI's default 4 x the replications): a
pattern whose 95% interval contains a bound of its accepted range is undecided, since sampling
error alone could put its mean on either side; it is re-run with twice the replications (the
same seeds for the first ones, so this equals a run with more replications) until its interval
clears the bounds or it reaches the maximum. The verdict is still "the mean lies in the accepted
range"; only its precision grows where chance would otherwise decide it. A pattern whose final
interval still contains a bound is flagged ``undecided``. The intervals of extended patterns come
from a sequential rule (stop once the interval clears the bound), so they are not exact 95%
intervals: for a mean exactly on a bound, looks at 20, 40 and 80 replications stop with an
interval excluding it in about 12% of runs, not 5%.

Under parameter uncertainty (``posterior`` and ``draws`` K), the suite runs once per parameter
set drawn from a calibration's posterior (overrides on top of ``overrides``), replication r of
draw d seeded by ``SeedSequence(seed, spawn_key=(DRAW_RUN_KEY, d, r))`` for every scenario and
variant; each pattern's values are then the K x replications values, so its mean and interval
include the parameter uncertainty.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import clustersim
from clustersim.analysis.stats import MeanCI, mean_ci
from clustersim.batching import auto_batch_size, batch_size_problems, batch_starts, firms_of
from clustersim.calibration.posterior import DRAW_RUN_KEY, read_posterior_draws
from clustersim.experiments.executors import ExecutorOptions, open_backend
from clustersim.scenario import Scenario, load_scenario, scenario_hash, validate_scenario
from clustersim.scenario.loader import InputFileError, apply_overrides
from clustersim.validation.defaults import (  # noqa: F401  (part of the suite's interface)
    DEFAULT_SEED,
    FULL_REPLICATIONS,
    QUICK_REPLICATIONS,
    SEQUENTIAL_FACTOR,
)
from clustersim.validation.measures import MEASURES
from clustersim.validation.observe import Observation, observe_batch
from clustersim.validation.patterns import Pattern, load_patterns


class ValidationInputError(InputFileError):
    """Bad input to the suite: unknown scenario, scenario no pattern uses, bad override."""

    what = "validation input"


@dataclass
class PatternResult:
    """One pattern's outcome: per-replication values, their mean and 95% t interval, pass."""

    pattern: Pattern
    values: list[float]
    mean: float
    ci_low: float
    ci_high: float
    n: int
    """Replications with a defined value (the others are NaN)."""
    passed: bool
    runs: dict[str, str]
    """Variant name (``base`` = scenario as is) -> scenario hash of the runs measured."""
    error: str | None = None
    detail: dict[str, Any] | None = None
    interval: str = "t"
    """``t``: mean of the replications' values, Student-t interval; ``bootstrap``: ratio of
    means, percentile bootstrap interval (``values`` are then the per-replication ratios)."""

    @property
    def name(self) -> str:
        return self.pattern.name

    @property
    def n_undefined(self) -> int:
        return len(self.values) - self.n

    @property
    def replications(self) -> int:
        """Values measured: replications (more than the suite's when sequential replications
        added some), or posterior draws x replications under ``posterior``."""
        return len(self.values)

    @property
    def undecided(self) -> bool:
        """The final 95% interval still contains a bound of the accepted range: the verdict
        rests on the side of the bound the mean happened to fall."""
        return undecided(self)

    def to_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {
            "name": p.name, "statement": p.statement, "source": p.source, "target": p.target,
            "accepted": [p.low, p.high], "why": p.why, "measure": p.measure,
            "scenario": p.scenario, "variants": p.variants, "params": p.params,
            "mean": self.mean, "ci95": [self.ci_low, self.ci_high], "n": self.n,
            "replications": self.replications, "undecided": self.undecided,
            "n_undefined": self.n_undefined, "interval": self.interval, "passed": self.passed,
            "error": self.error,
            "values": self.values, "runs": self.runs, "detail": self.detail,
        }


@dataclass
class ValidationResult:
    """Every pattern's result and how the suite was run (seeds, replications, hashes)."""

    results: list[PatternResult]
    seed: int
    replications: int
    quick: bool
    workers: int
    overrides: dict[str, Any]
    scenario_hashes: dict[str, str]
    """Scenario name -> hash of the scenario as measured (global overrides applied)."""
    run_time_s: float
    max_replications: int = 0
    """Sequential replications: the most any pattern could get (:func:`run_validation` sets it;
    equal to ``replications`` when none were added)."""
    package_version: str = field(default_factory=lambda: _version())
    interval: str = ("95% Student-t interval over replications (patterns whose measure is a "
                     "ratio of means: 95% percentile bootstrap interval)")
    posterior: dict[str, Any] | None = None
    """The posterior draws the suite ran under (file, hash, seed, the drawn sets), if any."""
    batch_size: int | str = 1
    """Replications simulated together (:mod:`clustersim.batching`; 1 = one by one)."""
    batch_sizes: dict[str, int] = field(default_factory=dict)
    """The batch size each scenario setting got (label of its first use -> size), when
    ``batch_size`` is not 1."""

    @property
    def passed(self) -> bool:
        """True when every pattern passes."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if not r.passed]

    def means(self) -> dict[str, float]:
        """Pattern name -> simulated mean."""
        return {r.name: r.mean for r in self.results}

    def __getitem__(self, name: str) -> PatternResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "package_version": self.package_version, "seed": self.seed,
            "replications": self.replications, "max_replications": self.max_replications,
            "sequential_replications": (
                "a pattern whose 95% interval contains a bound of its accepted range is re-run "
                "with twice its replications (replication seeds unchanged) until the interval "
                "clears the bound or it has max_replications; each pattern's 'replications' "
                "says how many it got, 'undecided' whether its final interval still contains "
                "a bound; intervals of extended patterns come from a sequential rule and are "
                "not exact 95% intervals"
                if self.max_replications > self.replications and self.posterior is None
                else None),
            "quick": self.quick, "workers": self.workers,
            "overrides": self.overrides, "scenario_hashes": self.scenario_hashes,
            "run_time_s": self.run_time_s, "interval": self.interval,
            "common_random_numbers": (
                "replication r of every scenario and variant uses "
                "numpy.random.SeedSequence(seed, spawn_key=(r,))" if self.posterior is None
                else "replication r of posterior draw d, for every scenario and variant, uses "
                f"numpy.random.SeedSequence(seed, spawn_key=({DRAW_RUN_KEY}, d, r))"),
            "posterior": self.posterior,
            "batch_size": self.batch_size, "batch_sizes": self.batch_sizes or None,
            "batches": (None if self.batch_size == 1 else
                        "replications kB ... kB + B - 1 of a scenario are simulated as one "
                        "model with the stream clustersim.simulation.batch_seed(their seeds)"),
            "passed": self.passed, "n_patterns": len(self.results),
            "n_passed": sum(r.passed for r in self.results),
            "patterns": [r.to_dict() for r in self.results],
        }


def _version() -> str:
    try:
        return metadata.version("clustersim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


# -- scenarios -----------------------------------------------------------------------------------
def shipped_scenarios_dir() -> Path:
    """``scenarios/`` of the source checkout the package runs from."""
    return Path(clustersim.__file__).resolve().parents[2] / "scenarios"


def shipped_scenario(name: str) -> Scenario:
    """Load the shipped scenario ``scenarios/<name>.yaml``."""
    folder = shipped_scenarios_dir()
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        raise ValidationInputError(name, [f"no shipped scenario '{name}' in {folder}; known: "
                                          f"{', '.join(known) or 'none'}"])
    return load_scenario(path)


def as_scenario(item: str | Path | Scenario) -> Scenario:
    """A scenario from a Scenario, a file path, or the name of a shipped scenario."""
    if isinstance(item, Scenario):
        return item
    path = Path(item)
    if path.suffix in {".yaml", ".yml"} or path.is_file():
        return load_scenario(path)
    return shipped_scenario(str(item))


def select(patterns: Sequence[Pattern], scenarios: Sequence[str | Path | Scenario] | None
           ) -> tuple[list[Pattern], dict[str, Scenario]]:
    """The patterns to run and their scenarios by name.

    Without ``scenarios`` every pattern runs on its shipped scenario. With ``scenarios`` only the
    patterns measured on them run, and each given scenario (matched by its ``name`` field)
    replaces the shipped one, so a modified file can be validated.
    """
    if scenarios is None:
        chosen = list(patterns)
        by_name = {name: shipped_scenario(name) for name in dict.fromkeys(p.scenario
                                                                           for p in chosen)}
        return chosen, by_name
    by_name = {}
    used = sorted({p.scenario for p in patterns})
    for item in scenarios:
        scenario = as_scenario(item)
        if scenario.name not in used:
            raise ValidationInputError(str(item), [
                f"scenario '{scenario.name}' is not measured by any pattern; patterns use the "
                f"scenarios {', '.join(used)}"])
        by_name[scenario.name] = scenario
    return [p for p in patterns if p.scenario in by_name], by_name


def expand_wildcards(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Expand ``*`` path parts against ``data``: ``a.*.b`` -> ``a.k.b`` for every key k of
    ``a`` (mappings) or index (lists)."""
    expanded: dict[str, Any] = {}
    for dotted, value in overrides.items():
        paths = [[]]
        node_sets: list[Any] = [data]
        for part in dotted.split("."):
            new_paths, new_nodes = [], []
            for path, node in zip(paths, node_sets, strict=True):
                if part == "*":
                    keys = (list(node) if isinstance(node, Mapping)
                            else list(map(str, range(len(node)))) if isinstance(node, list)
                            else [])
                    if not keys:
                        raise ValidationInputError("<overrides>", [
                            f"{dotted}: '*' after '{'.'.join(path)}' matches nothing"])
                else:
                    keys = [part]
                for key in keys:
                    child = (node.get(key) if isinstance(node, Mapping)
                             else node[int(key)] if isinstance(node, list) and key.isdigit()
                             and int(key) < len(node) else None)
                    new_paths.append([*path, key])
                    new_nodes.append(child)
            paths, node_sets = new_paths, new_nodes
        for path in paths:
            expanded[".".join(path)] = value
    return expanded


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], label: str) -> Scenario:
    """``scenario`` with dotted overrides (``*`` allowed), validated; errors name ``label``."""
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="json")
    data = apply_overrides(data, expand_wildcards(data, overrides), source=label)
    return validate_scenario(data, source=label)


@dataclass
class RunSet:
    """One distinct scenario setting to run ``replications`` times."""

    scenario: Scenario
    hash: str
    labels: list[str] = field(default_factory=list)


def plan_runs(patterns: Sequence[Pattern], scenarios: Mapping[str, Scenario],
              overrides: Mapping[str, Any] | None
              ) -> tuple[dict[str, RunSet], dict[str, dict[str, str]], dict[str, str]]:
    """Distinct run sets by scenario hash, each pattern's variant -> hash, and the hash of each
    base scenario. Global ``overrides`` apply first; a variant's overrides apply on top."""
    overrides = dict(overrides or {})
    bases = {name: with_overrides(s, overrides, f"scenario '{name}' with --set overrides")
             for name, s in scenarios.items()}
    run_sets: dict[str, RunSet] = {}
    pattern_runs: dict[str, dict[str, str]] = {}
    for p in patterns:
        pattern_runs[p.name] = {}
        for variant, changes in p.runs_needed().items():
            label = f"pattern '{p.name}', variant '{variant}' of scenario '{p.scenario}'"
            scenario = with_overrides(bases[p.scenario], changes, label)
            key = scenario_hash(scenario)
            run_sets.setdefault(key, RunSet(scenario, key)).labels.append(f"{p.name}:{variant}")
            pattern_runs[p.name][variant] = key
    return run_sets, pattern_runs, {name: scenario_hash(s) for name, s in bases.items()}


# -- running -------------------------------------------------------------------------------------
def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` for every scenario and variant (CRN)."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def draw_replication_seed(seed: int, draw: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` of posterior draw ``draw`` (CRN within a draw)."""
    return np.random.SeedSequence(seed, spawn_key=(DRAW_RUN_KEY, draw, replication))


def batch_sizes(run_sets: Mapping[str, RunSet], replications: int,
                batch_size: int | str) -> dict[str, int]:
    """Replications simulated together per run set: ``batch_size`` for all, or with ``auto``
    the size :func:`clustersim.batching.auto_batch_size` picks for each run set's model and
    ``replications`` (fixed for the whole validation, so sequential replications extend
    batches exactly)."""
    if batch_size == "auto":
        return {key: auto_batch_size(firms_of(rs.scenario), replications)
                for key, rs in run_sets.items()}
    if int(batch_size) < 1:
        raise ValueError(f"batch_size = {batch_size}: must be >= 1 or 'auto'")
    problems = [p for rs in run_sets.values()
                for p in batch_size_problems(rs.scenario, int(batch_size), "--batch-size")]
    if problems:
        raise ValueError("; ".join(dict.fromkeys(problems)))
    return dict.fromkeys(run_sets, int(batch_size))


def run_observations(run_sets: Mapping[str, RunSet], replications: int, seed: int,
                     workers: int = 1, progress: bool = False,
                     draw_of: Mapping[str, int] | None = None,
                     batch_of: Mapping[str, int] | None = None
                     ) -> dict[str, list[Observation]]:
    """Observe every run set ``replications`` times; serial for ``workers`` <= 1, else a loky
    process pool (``clustersim.experiments.executors``). Ordered by replication. ``draw_of``
    (run set -> posterior draw) seeds the run sets with :func:`draw_replication_seed`;
    ``batch_of`` (run set -> batch size, default 1) runs replications in batches."""
    done = observe_replications(run_sets, {key: range(replications) for key in run_sets}, seed,
                                workers, progress, draw_of, batch_of)
    return {key: [done[(key, r)] for r in range(replications)] for key in run_sets}


def observe_replications(run_sets: Mapping[str, RunSet], wanted: Mapping[str, range],
                         seed: int, workers: int = 1, progress: bool = False,
                         draw_of: Mapping[str, int] | None = None,
                         batch_of: Mapping[str, int] | None = None
                         ) -> dict[tuple[str, int], Observation]:
    """Observe replications ``wanted[key]`` of each run set: (key, r) -> observation. The seed
    of replication r does not depend on how many are run, so replications added later extend
    a run exactly as a larger ``replications`` would have. With a batch size B
    (``batch_of[key]``) the batches holding the wanted replications are run whole
    (:mod:`clustersim.batching`): replication r's result depends only on B, not on which
    replications were wanted."""
    def seed_of(key: str, r: int) -> np.random.SeedSequence:
        return (replication_seed(seed, r) if draw_of is None
                else draw_replication_seed(seed, draw_of[key], r))

    tasks = []  # (key, first replication, batch size)
    for key, reps in wanted.items():
        size = (batch_of or {}).get(key, 1)
        tasks += [(key, first, size) for first in batch_starts(reps, size)]
    options = (ExecutorOptions(backend="serial") if workers <= 1
               else ExecutorOptions(backend="process", workers=workers))
    results: dict[tuple[str, int], Observation] = {}
    total = sum(len(reps) for reps in wanted.values())
    bar = tqdm(total=total, desc="validate", unit="run", disable=not progress, leave=False)
    with open_backend(options) as handle:
        futures = {handle.executor.submit(observe_batch, run_sets[key].scenario,
                                          [seed_of(key, first + i) for i in range(size)]
                                          ): (key, first)
                   for key, first, size in tasks}
        for future, (key, first) in futures.items():
            for i, observation in enumerate(future.result()):
                if first + i in wanted[key]:
                    results[(key, first + i)] = observation
                    bar.update(1)
    bar.close()
    return results


def undecided(result: PatternResult) -> bool:
    """True when the pattern's 95% interval contains a finite bound of its accepted range (or
    a single defined replication gives no interval): at these replications, sampling error
    alone can put the mean on either side."""
    if result.error is not None or not math.isfinite(result.mean):
        return False
    if result.n < 2:
        return True
    if not (math.isfinite(result.ci_low) and math.isfinite(result.ci_high)):
        return False
    return any(math.isfinite(bound) and result.ci_low < bound < result.ci_high
               for bound in (result.pattern.low, result.pattern.high))


def settle_undecided(patterns: Sequence[Pattern], results: list[PatternResult],
                     observations: dict[str, list[Observation]],
                     pattern_runs: Mapping[str, Mapping[str, str]],
                     run_sets: Mapping[str, RunSet], max_replications: int, seed: int,
                     workers: int = 1, progress: bool = False,
                     batch_of: Mapping[str, int] | None = None) -> list[PatternResult]:
    """Sequential replications: every pattern whose 95% interval contains a bound of its
    accepted range gets twice its replications (up to ``max_replications``), on all its
    variants alike (common random numbers), until its interval clears the bounds or it reaches
    the maximum. The verdict stays "the mean lies in the accepted range"; only its precision
    grows where sampling error would decide it. ``observations`` is extended in place."""
    results = list(results)
    while True:
        todo = [i for i, r in enumerate(results)
                if undecided(r) and len(r.values) < max_replications]
        if not todo:
            return results
        target = {i: min(2 * len(results[i].values), max_replications) for i in todo}
        need: dict[str, int] = {}
        for i in todo:
            for key in pattern_runs[patterns[i].name].values():
                need[key] = max(need.get(key, 0), target[i])
        wanted = {key: range(len(observations[key]), n) for key, n in need.items()
                  if n > len(observations[key])}
        done = observe_replications(run_sets, wanted, seed, workers, progress,
                                    batch_of=batch_of)
        for key, reps in wanted.items():
            observations[key].extend(done[(key, r)] for r in reps)
        for i in todo:
            p = patterns[i]
            runs = {variant: observations[key][:target[i]]
                    for variant, key in pattern_runs[p.name].items()}
            results[i] = measure_pattern(p, runs, dict(pattern_runs[p.name]))


def measure_pattern(pattern: Pattern, runs: Mapping[str, Sequence[Observation]],
                    hashes: dict[str, str]) -> PatternResult:
    """Apply the pattern's measure to its runs and summarise (mean, 95% t interval, pass)."""
    measure = MEASURES[pattern.measure]
    n_reps = len(next(iter(runs.values())))
    try:
        values = measure(runs, **pattern.params)
        detail = measure.detail(runs, **pattern.params) if measure.detail else None
        error = None
    except (ValueError, KeyError) as exc:
        values, detail, error = np.full(n_reps, np.nan), None, str(exc).strip("'\"")
    if measure.ratio_of_means and error is None:
        ci, values = ratio_of_means_ci(values)
    else:
        ci = mean_ci(values)
    if error is None and ci.n == 0:
        error = "undefined in every replication (see the measure's definition)"
    passed = error is None and pattern.accepts(ci.mean)
    return PatternResult(pattern=pattern, values=[float(v) for v in values], mean=ci.mean,
                         ci_low=ci.low, ci_high=ci.high, n=ci.n, passed=passed, runs=hashes,
                         error=error, detail=detail,
                         interval="bootstrap" if measure.ratio_of_means else "t")


BOOTSTRAP_RESAMPLES = 2000


def ratio_of_means_ci(components: np.ndarray, level: float = 0.95) -> tuple[MeanCI, np.ndarray]:
    """mean(numerator) / mean(denominator) over replications with a percentile bootstrap
    interval (replications resampled, fixed seed), and the per-replication ratios."""
    components = np.asarray(components, float).reshape(-1, 2)
    finite = components[np.isfinite(components).all(axis=1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = components[:, 0] / components[:, 1]
    n = finite.shape[0]
    if n == 0 or finite[:, 1].mean() == 0:
        return MeanCI(float("nan"), float("nan"), float("nan"), 0), ratios
    value = float(finite[:, 0].mean() / finite[:, 1].mean())
    if n < 2:
        return MeanCI(value, float("nan"), float("nan"), n), ratios
    rows = np.random.default_rng(0).integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
    sums = finite[rows].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = sums[:, 0] / sums[:, 1]
    low, high = np.nanquantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return MeanCI(value, float(low), float(high), n), ratios


def run_validation(patterns: Sequence[Pattern] | None = None,
                   scenarios: Sequence[str | Path | Scenario] | None = None,
                   replications: int | None = None, quick: bool = False, workers: int = 1,
                   overrides: Mapping[str, Any] | None = None, seed: int = DEFAULT_SEED,
                   progress: bool = False, posterior: str | Path | None = None,
                   draws: int | None = None, max_replications: int | None = None,
                   batch_size: int | str = 1) -> ValidationResult:
    """Run the pattern suite and return every pattern's mean, 95% interval and pass/fail.

    Args:
        patterns: the patterns (default: the shipped suite, :func:`load_patterns`).
        scenarios: restrict to patterns measured on these scenarios (shipped names, files, or
            Scenario objects; a given scenario replaces the shipped one of the same name).
        replications: per scenario and variant (default 20, or 5 with ``quick``).
        quick: the reduced configuration (fewer replications).
        workers: processes; results are the same for any number.
        overrides: dotted path -> value applied to every scenario before the variants, e.g.
            ``{"parameters.trust.remote_strength": 1.0}`` for a deliberately broken model.
        seed: base seed of the common random numbers.
        progress: show a progress bar.
        posterior: a ``posterior.parquet`` of ``clustersim calibrate``: run the suite under
            ``draws`` parameter sets drawn from it (seeded by ``seed``; default 20 draws), so
            the means and intervals include parameter uncertainty (module docstring).
        max_replications: sequential replications (:func:`settle_undecided`): a pattern whose
            95% interval contains a bound of its accepted range is re-run with twice the
            replications, up to this many (default: none added). Not with ``posterior``.
        batch_size: replications of a scenario simulated together as one vectorised model
            (:mod:`clustersim.batching`): 1 (default) one by one, an int, or ``auto``. Batched
            results are reproducible and distributed as single runs, but not equal to them.
    """
    started = time.perf_counter()
    patterns = load_patterns() if patterns is None else list(patterns)
    if replications is None:
        replications = QUICK_REPLICATIONS if quick else FULL_REPLICATIONS
    if replications < 1:
        raise ValueError(f"replications = {replications}: must be >= 1")
    if max_replications is not None and max_replications < replications:
        raise ValueError(f"max_replications = {max_replications}: must be >= replications "
                         f"({replications})")
    if max_replications is not None and max_replications > replications and posterior:
        raise ValueError("--max-replications (sequential replications) does not apply with "
                         "--posterior; give --replications instead")
    chosen, scenario_by_name = select(patterns, scenarios)
    run_sets, pattern_runs, base_hashes = plan_runs(chosen, scenario_by_name, overrides)
    drawn, resolved_sizes = None, {}
    if posterior is None:
        if draws is not None:
            raise ValueError("--draws needs --posterior (the posterior.parquet to draw from)")
        batch_of = batch_sizes(run_sets, replications, batch_size)
        resolved_sizes = ({} if batch_size == 1 else
                          {run_sets[key].labels[0]: size for key, size in batch_of.items()})
        observations = run_observations(run_sets, replications, seed, workers, progress,
                                        batch_of=batch_of)
        runs_of = {p.name: {variant: observations[key]
                            for variant, key in pattern_runs[p.name].items()} for p in chosen}
    else:
        drawn, runs_of = _posterior_runs(chosen, scenario_by_name, overrides, posterior, draws,
                                         replications, seed, workers, progress, batch_size)
    results = [measure_pattern(p, runs_of[p.name], pattern_runs[p.name]) for p in chosen]
    if posterior is None and max_replications is not None and max_replications > replications:
        results = settle_undecided(chosen, results, observations, pattern_runs, run_sets,
                                   max_replications, seed, workers, progress, batch_of)
    return ValidationResult(results=results, seed=seed, replications=replications, quick=quick,
                            max_replications=max(replications, max_replications or 0),
                            workers=workers, overrides=copy.deepcopy(dict(overrides or {})),
                            scenario_hashes=base_hashes, batch_size=batch_size,
                            batch_sizes=resolved_sizes,
                            run_time_s=time.perf_counter() - started,
                            posterior=None if drawn is None else {
                                **drawn.describe(), "run_seeds": f"SeedSequence({seed}, "
                                f"spawn_key=({DRAW_RUN_KEY}, d, r))"},
                            **({} if drawn is None else {"interval": (
                                f"95% interval over {drawn.n} posterior draws x {replications} "
                                "replications, so it includes parameter uncertainty (Student t; "
                                "ratio-of-means patterns: percentile bootstrap)")}))


def _posterior_runs(chosen: Sequence[Pattern], scenario_by_name: Mapping[str, Scenario],
                    overrides: Mapping[str, Any] | None, posterior: str | Path,
                    draws: int | None, replications: int, seed: int, workers: int,
                    progress: bool, batch_size: int | str = 1
                    ) -> tuple[Any, dict[str, dict[str, list[Observation]]]]:
    """Run the suite under each posterior draw; each pattern's variant gets its observations
    draw-major (draw 0's replications first), paired across variants by position."""
    from clustersim.experiments.plan import DEFAULT_DRAWS

    bases = [with_overrides(s, dict(overrides or {}), f"scenario '{name}' with --set overrides")
             .model_dump(mode="json") for name, s in scenario_by_name.items()]
    drawn = read_posterior_draws(posterior, DEFAULT_DRAWS if draws is None else draws, seed,
                                 bases)
    run_sets: dict[str, RunSet] = {}
    draw_of: dict[str, int] = {}
    per_draw = []
    for d, values in enumerate(drawn.sets):
        sets, pattern_runs, _ = plan_runs(chosen, scenario_by_name,
                                          {**dict(overrides or {}), **values})
        for key, run_set in sets.items():
            run_sets[f"{d}:{key}"] = run_set
            draw_of[f"{d}:{key}"] = d
        per_draw.append(pattern_runs)
    observations = run_observations(run_sets, replications, seed, workers, progress, draw_of,
                                    batch_sizes(run_sets, replications, batch_size))
    runs_of = {p.name: {variant: [obs for d in range(drawn.n)
                                  for obs in observations[f"{d}:{per_draw[d][p.name][variant]}"]]
                        for variant in per_draw[0][p.name]} for p in chosen}
    return drawn, runs_of


def pattern_means(overrides: Mapping[str, Any] | None = None, *,
                  patterns: Sequence[Pattern] | None = None,
                  scenarios: Sequence[str | Path | Scenario] | None = None,
                  replications: int | None = None, quick: bool = False, workers: int = 1,
                  seed: int = DEFAULT_SEED, batch_size: int | str = 1) -> dict[str, float]:
    """Pattern name -> simulated mean for a parameter set given as dotted ``overrides``
    (for calibration: the same seeds every call, so objective differences are not noise)."""
    result = run_validation(patterns, scenarios, replications, quick, workers, overrides, seed,
                            batch_size=batch_size)
    return result.means()


def distance_to_range(value: float, low: float, high: float) -> float:
    """0 inside [low, high], else the distance to the nearer bound (NaN -> inf); a building
    block for calibration objectives."""
    if math.isnan(value):
        return math.inf
    return max(low - value, 0.0, value - high)
