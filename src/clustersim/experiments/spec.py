"""Experiment files: the schema, safe loading and readable errors.

An experiment file (YAML, under ``experiments/``) says which base scenario to start from, which
scenario fields to vary (by dotted path, e.g. ``policy.funding.annual_budget``), the design that
picks the points, how many replications to run per point and what to keep. It is validated like a
scenario file: unknown keys are errors, and every error names the file and the field.

This module only checks the file on its own. Checks that need the base scenario (does the dotted
path exist, are the bounds inside the field's allowed range, are the KPI names known) happen in
:mod:`clustersim.experiments.plan`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from clustersim.scenario.loader import InputFileError, describe_validation_error
from clustersim.scenario.safe_yaml import YamlInputError, excerpt, parse_yaml, read_text_file
from clustersim.scenario.schema import refuse_bool_for_number

DESIGN_TYPES = ("grid", "lhs", "sobol", "morris", "explicit")
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")
SEED_SCHEMES = ("run", "replication")

Scalar = float | int | str | bool | None  # None: a field's "not set" (e.g. no region limit)


class ExperimentError(InputFileError):
    """An invalid experiment file or experiment setup; the message is meant for the user."""

    what = "experiment"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_bool_for_number(cls, value, info.field_name)


class ParameterSpec(_Strict):
    """One varied scenario field.

    ``values`` lists the levels of a grid (or the choices of a categorical parameter in a sampled
    design); ``bounds`` is the ``[low, high]`` range sampled by ``lhs``, ``sobol`` and ``morris``
    (or, with ``levels``, spaced evenly for a grid). ``integer: true`` makes sampled values whole
    numbers, uniform over ``low..high`` inclusive.
    """

    values: Annotated[list[Scalar], Field(min_length=1)] | None = None
    bounds: tuple[float, float] | None = None
    levels: Annotated[int, Field(ge=2, le=10_000)] | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _one_of_values_or_bounds(self) -> ParameterSpec:
        if (self.values is None) == (self.bounds is None):
            raise ValueError("give exactly one of 'values' (a list) or 'bounds' ([low, high])")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds {list(self.bounds)}: low must be below high")
        if self.levels is not None and self.bounds is None:
            raise ValueError("'levels' needs 'bounds' (it spaces grid levels evenly over them)")
        if self.integer and self.bounds is not None:
            low, high = self.bounds
            if low != int(low) or high != int(high):
                raise ValueError(f"integer parameter: bounds {list(self.bounds)} must be whole")
        return self


class DesignSpec(_Strict):
    """How design points are chosen.

    - ``grid``: every combination of the parameters' ``values`` (or ``bounds`` + ``levels``).
    - ``lhs``: ``samples`` points from a Latin hypercube over the ``bounds``.
    - ``sobol``: Saltelli/Sobol' sampling with base size ``samples`` (a power of 2); gives
      ``samples * (D + 2)`` points, or ``samples * (2D + 2)`` with ``second_order: true``.
    - ``morris``: ``trajectories`` one-at-a-time trajectories on a ``levels``-level grid; gives
      ``trajectories * (D + 1)`` points.
    - ``explicit``: the listed ``points``, each a mapping of dotted path to value.
    """

    type: Literal["grid", "lhs", "sobol", "morris", "explicit"]
    samples: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    second_order: bool = False
    trajectories: Annotated[int, Field(ge=2, le=1_000_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=1000)] = 4
    points: Annotated[list[dict[str, Scalar]], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _fields_for_type(self) -> DesignSpec:
        needs = {"lhs": "samples", "sobol": "samples", "morris": "trajectories",
                 "explicit": "points"}
        required = needs.get(self.type)
        if required and getattr(self, required) is None:
            raise ValueError(f"design type '{self.type}' needs '{required}'")
        allowed = {"grid": set(), "lhs": {"samples"}, "sobol": {"samples", "second_order"},
                   "morris": {"trajectories"}, "explicit": {"points"}}[self.type]
        given = {name for name in ("samples", "trajectories", "points")
                 if getattr(self, name) is not None}
        if self.second_order:
            given.add("second_order")
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(
                f"design type '{self.type}' does not use {', '.join(repr(e) for e in extra)}"
            )
        if self.type == "sobol" and self.samples is not None and (
            self.samples & (self.samples - 1)
        ):
            raise ValueError(f"sobol design: samples = {self.samples} must be a power of 2")
        return self


class OutputSpec(_Strict):
    """What each run keeps: which KPIs, and the final state only or a per-step table.

    ``record``: ``final`` (one row per run), ``all`` (also a per-step table with every step), or
    an integer k (per-step table with every k-th step, plus the last one).
    """

    kpis: list[str] | Literal["all"] = "all"
    record: Literal["final", "all"] | Annotated[int, Field(ge=1, le=100_000)] = "final"

    @field_validator("kpis")
    @classmethod
    def _unique(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list):
            if not value:
                raise ValueError("kpis must list at least one KPI (or be 'all')")
            if len(set(value)) != len(value):
                raise ValueError("kpis must not repeat")
        return value


class SensitivitySpec(_Strict):
    """Options of ``clustersim sensitivity`` (SALib analysis of a sobol or morris design)."""

    kpis: list[str] | None = None
    """KPIs to analyse; default: all kept KPIs."""
    conf_level: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.95
    num_resamples: Annotated[int, Field(ge=10, le=100_000)] = 1000


class Experiment(_Strict):
    """A complete experiment file."""

    name: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    scenario: str | None = None
    """Base scenario file, relative to the experiment file (or the working directory)."""
    overrides: dict[str, Scalar | list[Any] | dict[str, Any]] = Field(default_factory=dict)
    """Dotted-path changes to the base scenario applied to every run (e.g. smaller models)."""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    seed_scheme: Literal["run", "replication"] = "run"
    """``run``: every run gets its own stream; ``replication``: all design points of a replication
    share one stream (common random numbers, sharper comparisons between points)."""
    replications: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    batch_size: Literal["auto"] | Annotated[int, Field(ge=1, le=64)] = "auto"
    """Replications of a design point simulated together as one vectorised model
    (:func:`clustersim.simulation.simulate_batch`): ``auto`` batches small models (the least-cost
    size up to 32 replications and 2,000 firms, :func:`clustersim.batching.auto_batch_size`);
    1 runs them one by one. Batched results are reproducible and distributed as single runs,
    not equal to them (docs/experiments.md, "Batched runs")."""
    steps: Annotated[int, Field(ge=1, le=1200)] | None = None
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    design: DesignSpec = Field(default_factory=lambda: DesignSpec(type="grid"))
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)

    @field_validator("parameters", mode="before")
    @classmethod
    def _list_shorthand(cls, value: Any) -> Any:
        """``path: [a, b, c]`` is short for ``path: {values: [a, b, c]}``."""
        if isinstance(value, dict):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        design = self.design
        if design.type != "explicit" and not self.parameters:
            raise ValueError(f"design type '{design.type}' needs at least one entry in parameters")
        for path, param in self.parameters.items():
            if not path or any(not part for part in path.split(".")):
                raise ValueError(f"parameters: '{path}' is not a dotted field path")
            if design.type == "grid" and param.bounds is not None and param.levels is None:
                raise ValueError(
                    f"parameters.{path}: a grid needs 'values' or 'bounds' with 'levels'"
                )
            if design.type in SAMPLED_DESIGNS and param.levels is not None:
                raise ValueError(
                    f"parameters.{path}: 'levels' is for grid designs; "
                    f"a {design.type} design samples the bounds"
                )
        if design.type == "explicit":
            assert design.points is not None
            keys = list(design.points[0])
            for i, point in enumerate(design.points):
                if set(point) != set(keys):
                    missing = sorted(set(keys) - set(point))
                    extra = sorted(set(point) - set(keys))
                    raise ValueError(
                        f"design.points[{i}]: every point must set the same fields as the first; "
                        f"missing {missing}, extra {extra}"
                    )
            if self.parameters and set(self.parameters) != set(keys):
                raise ValueError(
                    "explicit design: the points' fields "
                    f"{sorted(keys)} differ from parameters {sorted(self.parameters)}"
                )
        return self

    def parameter_names(self) -> list[str]:
        if self.design.type == "explicit" and self.design.points:
            return list(self.design.points[0])
        return list(self.parameters)


def validate_experiment(data: dict[str, Any], source: str = "<experiment>") -> Experiment:
    """Validate a raw mapping into an :class:`Experiment`, raising :class:`ExperimentError`."""
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(source, describe_validation_error(exc, Experiment)) from None


def read_experiment_data(path: str | Path) -> tuple[dict[str, Any], bytes]:
    """The raw mapping of an experiment file, read safely (no Python tags, duplicate keys, alias
    bombs or non-UTF-8 text); raises :class:`ExperimentError`. Returns the data and the bytes."""
    path = Path(path)
    try:
        text = read_text_file(path)
        data = parse_yaml(text)
    except YamlInputError as exc:
        raise ExperimentError(str(path), exc.problems) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"{type(data).__name__}: {excerpt(data)}"
        raise ExperimentError(str(path), [f"top level must be a mapping, got {got}"])
    if "variants" in data and "target_public_spend" in data:
        raise ExperimentError(str(path), ["this is a comparison file (variants at equal public "
                                          "spend), not an experiment file: run it with "
                                          "'clustersim compare'"])
    return data, text.encode("utf-8")


def read_experiment_file(path: str | Path) -> tuple[Experiment, bytes]:
    """Read and validate an experiment file safely; returns the spec and its bytes."""
    data, raw = read_experiment_data(path)
    return validate_experiment(data, source=str(path)), raw


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def sha256_text(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()
