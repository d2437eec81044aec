"""Loading scenarios: safe YAML, ``extends:`` inheritance, dotted overrides, readable errors.

Every error raised here is a :class:`ScenarioError` whose message names the file, the field path,
the offending value and what is allowed, so a user can fix the file without reading code.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from clustersim.scenario.schema import Scenario

MAX_EXTENDS_DEPTH = 10


class InputFileError(ValueError):
    """An invalid input file: the message names the file and lists each problem for the user."""

    what = "input"

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid {self.what}\n{lines}")


class ScenarioError(InputFileError):
    """An invalid scenario file or scenario setting."""

    what = "scenario"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, with ``yaml.safe_load`` only."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), [f"not valid YAML: {exc}"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(str(path), [f"top level must be a mapping, got {type(data).__name__}"])
    return data


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base``: mappings merge key by key, anything else is replaced."""
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_extends(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Return the raw mapping of ``path`` with its ``extends:`` chain merged underneath."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, path))
        raise ScenarioError(str(path), [f"extends: cycle {cycle}"])
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(str(path), [f"extends: deeper than {MAX_EXTENDS_DEPTH} files"])
    data = read_yaml_mapping(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(str(path), [f"extends = {parent!r}: must be a relative file path"])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(str(path), [f"extends = {parent!r}: no such file {parent_path}"])
    return deep_merge(resolve_extends(parent_path, (*_chain, path)), data)


def _schema_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Follow a pydantic error location through the schema to the model class that owns it."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return current if part == loc[-1] else None
        current = _innermost_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _innermost_model(annotation: Any) -> Any:
    """The BaseModel inside ``list[X]``, ``dict[str, X]``, ``X | None`` and similar, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _innermost_model(arg)
        if found is not None:
            return found
    metadata_origin = getattr(annotation, "__origin__", None)
    if metadata_origin is not None:
        return _innermost_model(metadata_origin)
    return None


def _allowed_text(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    parts = []
    for key, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            parts.append(f"{word} {ctx[key]}")
    if parts:
        return "allowed: " + " and ".join(parts)
    if "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    return err["msg"]


def describe_validation_error(
    exc: ValidationError, root: type[BaseModel] = Scenario
) -> list[str]:
    """Turn a pydantic error into one readable line per problem, with 'did you mean' hints."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc) or "(top level)"
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            owner = _schema_at(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
            problems.append(
                f"{path}: unknown field{did_you_mean} (allowed here: {', '.join(allowed)})"
            )
        elif err["type"] == "missing":
            problems.append(f"{path}: required field is missing")
        elif err["type"] == "value_error":
            message = err["msg"].removeprefix("Value error, ")
            if isinstance(value, dict | list) or not loc:
                problems.append(f"{path}: {message}")
            else:
                problems.append(f"{path} = {json.dumps(value, default=str)}: {message}")
        else:
            shown = json.dumps(value, default=str) if not isinstance(value, dict) else "{...}"
            problems.append(f"{path} = {shown}: {err['msg']} ({_allowed_text(err)})")
    return problems


def validate_scenario(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, raising :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(source, describe_validation_error(exc)) from None


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge ``extends:`` parents, apply dotted ``overrides`` and validate a scenario file.

    ``path`` may also name a shipped scenario (``"baseline"``, or ``"scenarios/baseline.yaml"``
    outside a checkout); see :mod:`clustersim.shipped`."""
    path = Path(path)
    if not path.is_file():
        from clustersim.shipped import resolve  # a shipped scenario's name: "baseline"

        path = resolve(path)
    if not path.is_file():
        raise ScenarioError(str(path), ["no such file"])
    data = resolve_extends(path)
    if overrides:
        data = apply_overrides(data, overrides, source=str(path))
    return validate_scenario(data, source=str(path))


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any], source: str = "<overrides>"
) -> dict[str, Any]:
    """Set values by dotted path, e.g. ``{"policy.funding.annual_budget": 1e5}``.

    A path may index lists (``clusters.0.n_firms``) and address markets by name
    (``markets.germany.language_barrier``). Unknown intermediate keys are created so the schema,
    not this function, decides whether they are allowed.
    """
    result = json.loads(json.dumps(dict(data), default=str))
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = result
        for i, part in enumerate(parts[:-1]):
            node = _step_into(node, part, dotted, source, create=True)
            if node is None:
                raise ScenarioError(source, [f"{dotted}: cannot descend into '{parts[i]}'"])
        last = parts[-1]
        if isinstance(node, list):
            index = _list_index(node, last, dotted, source)
            node[index] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError(source, [f"{dotted}: '{parts[-2]}' is not a mapping or list"])
    return result


def scenario_with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A new validated scenario equal to ``scenario`` with dotted ``overrides`` applied."""
    data = apply_overrides(scenario.model_dump(mode="json"), overrides)
    return validate_scenario(data, source=f"scenario '{scenario.name}' with overrides")


def _list_index(node: list[Any], part: str, dotted: str, source: str) -> int:
    try:
        index = int(part)
    except ValueError:
        raise ScenarioError(source, [f"{dotted}: '{part}' must be a list index"]) from None
    if not -len(node) <= index < len(node):
        raise ScenarioError(source, [f"{dotted}: index {index} out of range 0..{len(node) - 1}"])
    return index


def _step_into(node: Any, part: str, dotted: str, source: str, create: bool) -> Any:
    if isinstance(node, list):
        return node[_list_index(node, part, dotted, source)]
    if isinstance(node, dict):
        if part not in node and create:
            node[part] = {}
        return node[part]
    return None


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario content (defaults included), stable across key order."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
