"""The calibration config: free parameters with priors, target patterns, scenarios and budget.

A config is a YAML file (read with the project's safe loader,
:mod:`clustersim.scenario.safe_yaml`), validated in two steps:

1. its shape, by the pydantic models below (types, ranges, unknown fields);
2. its meaning, by :func:`resolve_config`: every free parameter is a numeric field of every
   scenario a target is measured on, and both ends of its prior are values the scenario schema
   accepts; every target names a pattern of the suite; every target's scenario is available.

Every problem is reported in one :class:`CalibrationConfigError` naming the file and the field,
so the command exits with status 2 and a message instead of a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clustersim.batching import batch_size_problems
from clustersim.calibration.distance import Target
from clustersim.calibration.posterior import value_at as _value_at
from clustersim.calibration.priors import FreeParameter, Prior
from clustersim.scenario import Scenario
from clustersim.scenario.loader import (
    InputFileError,
    content_hash,
    describe_validation_error,
    read_yaml_mapping,
)


class CalibrationConfigError(InputFileError):
    """An invalid calibration config: names the file and lists each problem."""

    what = "calibration config"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetSpec(Strict):
    """One target: a pattern of the validation suite, optionally with its own accepted range.

    By default the pattern's accepted range ``[lo, hi]`` of ``patterns.yaml`` is the target.
    ``range: [lo, hi]`` replaces it; ``observed`` with ``tolerance`` gives
    ``[observed - tolerance, observed + tolerance]``. ``scale`` divides the distance outside the
    range (default: the range's width; for a half-open range the size of its finite bound).
    """

    pattern: Annotated[str, Field(min_length=1, max_length=80)]
    range: tuple[float | None, float | None] | None = None
    observed: float | None = None
    tolerance: Annotated[float, Field(gt=0.0)] | None = None
    scale: Annotated[float, Field(gt=0.0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_only(cls, value: Any) -> Any:
        return {"pattern": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> TargetSpec:
        if self.range is not None and self.observed is not None:
            raise ValueError("give either range or observed with tolerance, not both")
        if (self.observed is None) != (self.tolerance is None):
            raise ValueError("observed and tolerance go together")
        if self.range is not None:
            lo, hi = self.range
            if lo is not None and hi is not None and not lo < hi:
                what = "empty" if lo == hi else "inverted"
                raise ValueError(f"range [{lo}, {hi}] is {what}: low must be < high")
            if lo is None and hi is None:
                raise ValueError("range [null, null] accepts everything; give a bound")
        return self


STOPPING_RULES = ("max_generations", "min_epsilon", "max_total_simulations")
"""Budget fields that only decide when a calibration stops, not what its generations are."""


class Budget(Strict):
    """How much ABC-SMC may spend, and when it stops (whichever comes first)."""

    population_size: Annotated[int, Field(ge=2, le=100_000)]
    """Accepted particles per generation."""
    max_generations: Annotated[int, Field(ge=1, le=1000)]
    min_epsilon: Annotated[float, Field(ge=0.0)] = 0.0
    """Stop once a generation's epsilon is at most this (0: every target inside its range)."""
    max_total_simulations: Annotated[int, Field(ge=1)] | None = None
    """Stop after the generation in which the total number of evaluations reaches this."""
    epsilon_quantile: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5
    """Next epsilon = this weighted quantile of the current generation's distances."""
    batch_size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    """Proposals evaluated per batch (default: the population size). Part of the result's
    identity: the same batches are run for any number of workers."""


class PredictiveSpec(Strict):
    """Posterior predictive check: ``draws`` posterior parameter sets, each run on every pattern
    of the suite with ``replications`` replications."""

    draws: Annotated[int, Field(ge=1, le=10_000)] = 20
    replications: Annotated[int, Field(ge=1, le=1000)] | None = None
    """Default: the calibration's replications."""


class PointEstimateSpec(Strict):
    """Which single parameter set ``calibrated.yaml`` holds (:mod:`clustersim.calibration.point`):
    the weighted posterior medians, or the distinct particle of the final generation whose worst
    pattern lies deepest inside its range when every particle is re-simulated with
    ``replications`` replications on common seeds. ``patterns`` says which patterns judge the
    particles: the targets, or the whole suite (the targets with their calibrated ranges, every
    other pattern with its accepted range: the posterior filtered by the patterns that were not
    fitted, as pattern-oriented modelling does)."""

    method: Literal["median", "best_particle"] = "median"
    patterns: Literal["targets", "suite"] = "targets"
    replications: Annotated[int, Field(ge=1, le=1000)] | None = None
    """best_particle: replications per particle (default: 3 x the calibration's for the
    targets; the calibration's for the suite, whose replication costs a run of every scenario
    and variant of the suite)."""

    def replications_for(self, calibration_replications: int) -> int | None:
        """Replications per particle of ``best_particle`` (None for the medians)."""
        if self.method == "median":
            return None
        if self.replications is not None:
            return self.replications
        return calibration_replications * (3 if self.patterns == "targets" else 1)


class CalibrationConfig(Strict):
    """The file format of ``clustersim calibrate CONFIG.yaml`` (see docs/calibration.md)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")]
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 2024
    free_parameters: Annotated[dict[str, Prior], Field(min_length=1, max_length=50)]
    """Dotted scenario path (as in ``--set``) -> prior."""
    targets: Annotated[list[TargetSpec], Field(min_length=1)]
    scenarios: list[str] | None = None
    """Scenario files (relative to this file) or shipped scenario names that replace the
    shipped scenario of the same ``name:``; default: the shipped scenarios."""
    fixed: dict[str, Any] = Field(default_factory=dict)
    """Dotted overrides applied to every scenario and variant (e.g. ``steps: 60``)."""
    replications: Annotated[int, Field(ge=1, le=1000)] = 1
    """Replications per simulated parameter set (common random numbers across variants)."""
    replication_batch: Literal["auto"] | Annotated[int, Field(ge=1, le=64)] = "auto"
    """Replications of a scenario simulated together as one vectorised model
    (:mod:`clustersim.batching`): ``auto`` batches small models, 1 runs them one by one. Part
    of the result's identity: batched and single runs are distributed alike but not equal."""
    budget: Budget
    posterior_predictive: PredictiveSpec = Field(default_factory=PredictiveSpec)
    point_estimate: PointEstimateSpec = Field(default_factory=PointEstimateSpec)
    patterns: str | None = None
    """A pattern file instead of the shipped suite (relative to this file)."""

    @field_validator("free_parameters")
    @classmethod
    def _paths(cls, value: dict[str, Prior]) -> dict[str, Prior]:
        for path in value:
            if not path or any(not part for part in path.split(".")) or "*" in path:
                raise ValueError(f"'{path}': a free parameter is a dotted field path such as "
                                 "parameters.export.tie_hazard_new (no '*')")
        return value


@dataclass
class ResolvedConfig:
    """A checked config with everything a run needs: priors, targets, scenarios, patterns."""

    config: CalibrationConfig
    source: str
    parameters: list[FreeParameter]
    targets: list[Target]
    target_patterns: list[Any]
    """The :class:`~clustersim.validation.Pattern` of each target, in target order."""
    all_patterns: list[Any]
    """Every pattern of the suite (posterior predictive checks)."""
    scenarios: list[Scenario] | None
    """Scenarios replacing shipped ones (None: the shipped scenarios)."""
    measured: list[Scenario] = field(default_factory=list)
    """The scenarios the targets are measured on (loaded once; before ``fixed``)."""
    scenario_hashes: dict[str, str] = field(default_factory=dict)
    """Name -> hash of every scenario the targets are measured on (fixed overrides applied;
    the free parameters, which every proposal replaces, blanked out: not the scenario hash
    ``validate`` reports)."""

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def seed(self) -> int:
        return self.config.seed

    def identity(self) -> str:
        """SHA-256 of what decides the result: the config and the scenarios as measured (so a
        changed model default or scenario is not resumed into an old calibration).

        The stopping rules (:data:`STOPPING_RULES`) are left out: a run stopped after k
        generations is the first k generations of a run with a larger budget, so raising the
        budget and running into the same folder extends it (a budget below the generations
        already stored is refused by :func:`~clustersim.calibration.smc.run_abc`). So is the
        point estimate: it is chosen from the stored posterior on every call, so a finished
        folder can be given another one. The order of the free parameters is part of it
        (the JSON below sorts keys): pyabc's proposals follow that order, so the same
        parameters listed in another order give another posterior."""
        config = self.config.model_dump(mode="json")
        for rule in STOPPING_RULES:
            config["budget"].pop(rule, None)
        config.pop("point_estimate", None)
        if config.get("replication_batch") == 1:  # as before batching: earlier runs resume
            config.pop("replication_batch")
        payload = {"config": config, "parameter_order": [p.path for p in self.parameters],
                   "scenarios": self.scenario_hashes,
                   "patterns": [p.model_dump(mode="json") for p in self.target_patterns]}
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def load_config(path: str | Path) -> ResolvedConfig:
    """Read, validate and resolve a calibration config file; raises
    :class:`CalibrationConfigError` naming the file, the field and the allowed values."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationConfigError(str(path), ["no such file" if not path.is_dir()
                                                 else "is a folder, not a config file"])
    data = read_yaml_mapping(path, error=CalibrationConfigError)
    try:
        config = CalibrationConfig.model_validate(data)
    except ValidationError as exc:
        raise CalibrationConfigError(
            str(path), describe_validation_error(exc, root=CalibrationConfig)) from None
    return resolve_config(config, source=str(path), base_dir=path.parent)


def resolve_config(config: CalibrationConfig, source: str = "<config>",
                   base_dir: str | Path = ".") -> ResolvedConfig:
    """Check a config against the pattern suite and the scenario schema (see module docs)."""
    from clustersim.validation import PatternFileError, load_patterns
    from clustersim.validation.suite import as_scenario, shipped_scenario, with_overrides

    base_dir = Path(base_dir)
    problems: list[str] = []
    try:
        patterns = load_patterns(None if config.patterns is None
                                 else _relative(config.patterns, base_dir))
    except PatternFileError as exc:
        raise CalibrationConfigError(source, [f"patterns: {p}" for p in exc.problems]) from None
    by_name = {p.name: p for p in patterns}

    # targets: known patterns, each once
    target_patterns, targets = [], []
    seen: set[str] = set()
    for i, spec in enumerate(config.targets):
        pattern = by_name.get(spec.pattern)
        if pattern is None:
            hint = difflib.get_close_matches(spec.pattern, list(by_name), n=1)
            problems.append(f"targets.{i}.pattern: unknown pattern '{spec.pattern}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else "")
                            + f" (patterns: {', '.join(by_name)})")
            continue
        if spec.pattern in seen:
            problems.append(f"targets.{i}.pattern: '{spec.pattern}' is a target twice")
            continue
        seen.add(spec.pattern)
        target_patterns.append(pattern)
        targets.append(_target(spec, pattern))

    # scenarios: given ones replace shipped ones of the same name
    given: dict[str, Scenario] = {}
    for i, item in enumerate(config.scenarios or []):
        try:
            scenario = as_scenario(_relative(item, base_dir) if item.endswith((".yaml", ".yml"))
                                   else item)
        except InputFileError as exc:
            problems += [f"scenarios.{i}: {exc.source}: {p}" for p in exc.problems]
            continue
        given[scenario.name] = scenario
    measured: dict[str, Scenario] = {}
    for pattern in target_patterns:
        if pattern.scenario in measured:
            continue
        if config.scenarios is not None:
            if pattern.scenario not in given:
                problems.append(f"targets: pattern '{pattern.name}' is measured on scenario "
                                f"'{pattern.scenario}', which scenarios does not list "
                                f"(listed: {', '.join(given) or 'none'})")
                continue
            measured[pattern.scenario] = given[pattern.scenario]
        else:
            try:
                measured[pattern.scenario] = shipped_scenario(pattern.scenario)
            except InputFileError as exc:
                problems += exc.problems

    # fixed overrides apply to every scenario
    bases: dict[str, Scenario] = {}
    for name, scenario in measured.items():
        try:
            bases[name] = with_overrides(scenario, config.fixed, f"fixed (scenario '{name}')")
        except InputFileError as exc:
            problems += [f"fixed: {p}" for p in exc.problems]

    # a fixed batch size must fit the model size limits on every measured scenario
    if config.replication_batch != "auto":
        for scenario in bases.values():
            problems += batch_size_problems(scenario, int(config.replication_batch),
                                            "replication_batch")

    # free parameters: numeric fields of every measured scenario, both prior ends allowed
    parameters = []
    for path, prior in config.free_parameters.items():
        label = f"free_parameters.{path}"
        integer = False
        ok = True
        for name, scenario in bases.items():
            found, value = _value_at(scenario.model_dump(mode="json"), path)
            if not found:
                problems.append(f"{label}: no such field in scenario '{name}' ({value})")
                ok = False
                break
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{label}: the scenario field is {type(value).__name__} "
                                f"{_show(value)}, not a number; only numeric fields can be "
                                "calibrated")
                ok = False
                break
            integer = integer or isinstance(value, int)
            for end, bound in (("low", prior.low), ("high", prior.high)):
                shown = round(bound) if integer else bound
                try:
                    with_overrides(scenario, {path: shown}, f"{label}.{end}")
                except InputFileError as exc:
                    problems.append(f"{label}: prior {end} = {bound:g} is outside what scenario "
                                    f"'{name}' allows: "
                                    + "; ".join(p.split(": ", 1)[-1] for p in exc.problems))
                    ok = False
            if not ok:
                break
        if ok:
            parameters.append(FreeParameter(path, prior, integer=integer))

    if problems:
        raise CalibrationConfigError(source, problems)
    hashes = {name: _hash_without(s, [p.path for p in parameters])
              for name, s in bases.items()}
    return ResolvedConfig(config=config, source=source, parameters=parameters, targets=targets,
                          target_patterns=target_patterns, all_patterns=patterns,
                          scenarios=list(given.values()) if config.scenarios is not None
                          else None, measured=list(measured.values()),
                          scenario_hashes=hashes)


FREE = "<free parameter>"
"""What a free parameter's value is replaced by in the scenario hashes of the identity."""


def _hash_without(scenario: Scenario, paths: Sequence[str]) -> str:
    """SHA-256 of the scenario's content with the free parameters' values blanked out: every
    proposal replaces them, so they do not decide the result, and a scenario that extends
    calibrated.yaml (or sets them otherwise) keeps the calibration's identity. Blanked in the
    dump, not re-validated: no combination of values is checked that the user never set."""
    data = scenario.model_dump(mode="json")
    for path in paths:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = FREE
    return content_hash(data)


def _target(spec: TargetSpec, pattern: Any) -> Target:
    if spec.range is not None:
        low = -math.inf if spec.range[0] is None else float(spec.range[0])
        high = math.inf if spec.range[1] is None else float(spec.range[1])
        origin = "config range"
    elif spec.observed is not None:
        low, high = spec.observed - spec.tolerance, spec.observed + spec.tolerance
        origin = f"observed {spec.observed:g} +- {spec.tolerance:g}"
    else:
        low, high = pattern.low, pattern.high
        origin = "pattern's accepted range"
    return Target(spec.pattern, low, high, scale=spec.scale, origin=origin)


def _relative(item: str, base_dir: Path) -> Path:
    path = Path(item)
    return path if path.is_absolute() else base_dir / path


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "..."

