"""The pattern suite as data: schema, loading and checking of ``patterns.yaml``.

A pattern is an empirical regularity the model should reproduce (docs/validation.md): a one-line
statement, the source and its figure, the accepted range of the simulated mean and why, the
measurement function (:mod:`clustersim.validation.measures`), the shipped scenario it is
measured on and named variants of that scenario (dotted-path overrides, run with the same seeds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clustersim.scenario.loader import InputFileError, describe_validation_error
from clustersim.validation.measures import BASE, MEASURES

PATTERNS_FILE = "patterns.yaml"


class PatternFileError(InputFileError):
    """An invalid pattern file: names the file, the pattern and the field."""

    what = "pattern file"


class Pattern(BaseModel):
    """One validation pattern (see the module docstring and docs/validation.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
    statement: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    """Citation and the figure it gives; ``recalled`` where MODEL_GUIDE.md §6 says so."""
    target: Annotated[str, Field(min_length=1)]
    """The published figure, as text."""
    accepted: tuple[float | None, float | None]
    """[lo, hi] for the simulated mean; ``null`` or ``.inf`` / ``-.inf`` = unbounded."""
    why: Annotated[str, Field(min_length=1)]
    measure: str
    scenario: Annotated[str, Field(min_length=1)]
    """A shipped scenario (scenarios/<name>.yaml) or the ``name`` of a scenario file given on
    the command line."""
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Variant name -> dotted-path overrides of the scenario; ``*`` in a path matches every key
    of a mapping (e.g. ``parameters.facilitation.services.*.in_person``)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Keyword parameters of the measure (e.g. ``years``, ``window``)."""

    @field_validator("target", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            else value

    @field_validator("accepted", mode="before")
    @classmethod
    def _unbounded(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return tuple(None if v is None or (isinstance(v, float) and math.isinf(v)) else v
                         for v in value)
        return value

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str) -> str:
        if value not in MEASURES:
            raise ValueError(f"unknown measure {value!r}; known: {', '.join(sorted(MEASURES))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Pattern:
        lo, hi = self.accepted
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"accepted = [{lo}, {hi}]: lo must be <= hi")
        measure = MEASURES[self.measure]
        missing = [v for v in measure.variants if v not in self.variants]
        if missing:
            raise ValueError(f"measure '{self.measure}' needs the variants {missing}; "
                             f"given: {sorted(self.variants)}")
        unused = [v for v in self.variants if v not in measure.variants]
        if unused:
            raise ValueError(f"variants {unused} are not read by measure '{self.measure}' "
                             f"(it reads {list(measure.variants) or 'none'})")
        if BASE in self.variants:
            raise ValueError(f"'{BASE}' is reserved for the scenario as is")
        unknown = set(self.params) - measure.parameters()
        if unknown:
            raise ValueError(f"params {sorted(unknown)} unknown to measure '{self.measure}' "
                             f"(allowed: {sorted(measure.parameters()) or 'none'})")
        return self

    @property
    def low(self) -> float:
        return -math.inf if self.accepted[0] is None else float(self.accepted[0])

    @property
    def high(self) -> float:
        return math.inf if self.accepted[1] is None else float(self.accepted[1])

    def accepts(self, value: float) -> bool:
        """True when ``value`` lies inside the accepted range (bounds included); NaN fails."""
        return bool(self.low <= value <= self.high)

    def range_text(self) -> str:
        def show(x: float) -> str:
            return "inf" if x == math.inf else "-inf" if x == -math.inf else f"{x:g}"

        return f"[{show(self.low)}, {show(self.high)}]"

    def runs_needed(self) -> dict[str, dict[str, Any]]:
        """Variant name -> overrides for every run set the measure reads."""
        sets = {BASE: {}} if MEASURES[self.measure].uses_base else {}
        return {**sets, **{name: dict(self.variants[name])
                           for name in MEASURES[self.measure].variants}}


def default_patterns_path() -> Path:
    """The suite shipped with the package (``clustersim/validation/patterns.yaml``)."""
    return Path(str(resources.files("clustersim.validation") / PATTERNS_FILE))


def load_patterns(path: str | Path | None = None) -> list[Pattern]:
    """Read and check a pattern file (default: the shipped suite), ``yaml.safe_load`` only.

    The file holds ``patterns:``, a list of mappings; names must be unique.
    """
    path = default_patterns_path() if path is None else Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PatternFileError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise PatternFileError(str(path), [f"not valid YAML: {exc}"]) from exc
    return patterns_from_mapping(data, source=str(path))


def patterns_from_mapping(data: Any, source: str = "<patterns>") -> list[Pattern]:
    """Validate ``{"patterns": [...]}`` into patterns, naming each bad pattern and field."""
    if not isinstance(data, Mapping) or not isinstance(data.get("patterns"), list):
        raise PatternFileError(source, ["top level must be a mapping with a list 'patterns'"])
    patterns, problems = [], []
    for i, raw in enumerate(data["patterns"]):
        label = raw.get("name", f"#{i}") if isinstance(raw, Mapping) else f"#{i}"
        try:
            patterns.append(Pattern.model_validate(raw))
        except ValidationError as exc:
            problems += [f"pattern '{label}': {p}"
                         for p in describe_validation_error(exc, root=Pattern)]
    names = [p.name for p in patterns]
    problems += [f"pattern '{n}': name used more than once" for n in sorted(set(names))
                 if names.count(n) > 1]
    if problems:
        raise PatternFileError(source, problems)
    return patterns
