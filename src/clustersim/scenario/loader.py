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

from pydantic import BaseModel, ValidationError

from clustersim.scenario.safe_yaml import YamlInputError, excerpt, read_yaml_file
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


def read_yaml_mapping(path: Path, error: type[InputFileError] = ScenarioError) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, safely (:mod:`clustersim.scenario.safe_yaml`:
    no Python tags, no duplicate keys, no alias bombs, UTF-8 only); raises ``error``."""
    try:
        data = read_yaml_file(path)
    except YamlInputError as exc:
        raise error(str(path), exc.problems) from None
    if data is None:
        raise error(str(path), ["the file is empty; a mapping of fields is expected"])
    if not isinstance(data, dict):
        raise error(str(path), [f"top level must be a mapping of fields, got "
                                f"{type(data).__name__}: {excerpt(data)}"])
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


def _shipped_hint(parent: str) -> str:
    """A hint for a copy of a shipped scenario moved away from its relative parents (e.g.
    ``parameters/calibrated.yaml``, the shipped calibration)."""
    from clustersim.shipped import shipped_dir

    shipped = shipped_dir("scenarios") / parent
    if not shipped.is_file():
        return ""
    return (f" (a copy of a shipped scenario? the shipped one is {shipped}: extend "
            "the shipped scenario by its path instead of copying it, or copy that file too)")


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
        raise ScenarioError(str(path), [
            f"extends = {excerpt(parent)}: must be a relative file path"])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(str(path), [
            f"extends = {excerpt(parent)}: no such file {parent_path}"
            + _shipped_hint(parent)])
    try:
        parent_data = resolve_extends(parent_path, (*_chain, path))
    except ScenarioError as exc:  # name the file the user gave, and the parent at fault
        raise ScenarioError(str(path), [f"extends {exc.source}: {p}" for p in exc.problems]
                            ) from None
    return deep_merge(parent_data, data)


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
        path = _short(".".join(str(p) for p in loc) or "(top level)", 120)
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
                problems.append(f"{path}: {_short(message)}")
            else:
                problems.append(f"{path} = {_shown(value)}: {_short(message)}")
        else:
            shown = _shown(value) if not isinstance(value, dict) else "{...}"
            problems.append(f"{path} = {shown}: {err['msg']} ({_allowed_text(err)})")
    return problems


def _shown(value: Any) -> str:
    """A value as JSON, cut to a short excerpt (an error never echoes a big value whole)."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:80] + f"... ({len(text)} characters)"


def _short(message: str, limit: int = 400) -> str:
    return message if len(message) <= limit else message[:limit] + "..."


def validate_scenario(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, raising :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        # the schema's cross-reference checks run only on valid fields: run them here too, so
        # every problem of the file is reported at once
        problems += [p for p in _cross_reference_problems(data) if p not in problems]
        raise ScenarioError(source, problems) from None


def _cross_reference_problems(data: Mapping[str, Any]) -> list[str]:
    """Names that refer to nothing (markets in ``agreements``, clusters in ``networked_with``),
    checked on raw data that may be invalid elsewhere (best effort, never raises)."""
    clusters = data.get("clusters")
    markets = data.get("markets")
    if not isinstance(clusters, list) or not isinstance(markets, dict):
        return []
    names = [c.get("name") for c in clusters if isinstance(c, dict)]
    problems = []
    for i, cluster in enumerate(clusters):
        if not isinstance(cluster, dict):
            continue
        agreements = cluster.get("agreements")
        for market in agreements if isinstance(agreements, list) else ():
            if isinstance(market, str) and market not in markets:
                problems.append(f"clusters.{i}.agreements: unknown market {excerpt(market)}; "
                                f"markets are {_short(', '.join(map(str, markets)), 200)}")
        others = cluster.get("networked_with")
        for other in others if isinstance(others, list) else ():
            if isinstance(other, str) and (other not in names or other == cluster.get("name")):
                problems.append(f"clusters.{i}.networked_with: {excerpt(other)} is not another "
                                "cluster")
    return problems


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge ``extends:`` parents, validate a scenario file, then apply dotted
    ``overrides`` (which may only address fields the validated scenario has, see
    :func:`apply_overrides`) and validate again.

    ``path`` may also name a shipped scenario (``"baseline"``, or ``"scenarios/baseline.yaml"``
    outside a checkout); see :mod:`clustersim.shipped`."""
    path = Path(path)
    if not path.is_file() and not path.is_dir():
        from clustersim.shipped import resolve  # a shipped scenario's name: "baseline"

        path = resolve(path)
    if not path.is_file():
        raise ScenarioError(str(path), ["no such file" if not path.is_dir()
                                        else "is a folder, not a scenario file"])
    scenario = validate_scenario(resolve_extends(path), source=str(path))
    if not overrides:
        return scenario
    return scenario_with_overrides(scenario, overrides, source=f"{path} with overrides")


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any], source: str = "<overrides>"
) -> dict[str, Any]:
    """Set values by dotted path, e.g. ``{"policy.funding.annual_budget": 1e5}``.

    A path may index lists (``clusters.0.n_firms``) and address markets by name
    (``markets.germany.language_barrier``). Every part of a path must exist: a typo such as
    ``markets.germny.language_barrier`` is an error with a "did you mean" hint, never a new
    (phantom) entry. The one way to add an entry is on purpose, with its full definition as a
    mapping: ``markets.poland = {language_barrier: 0.2, psychic_distance: 0.1, size: 1}`` (the
    schema then checks it). All problems of all overrides are reported together.
    """
    result = json.loads(json.dumps(dict(data), default=str))
    problems: list[str] = []
    for dotted, value in overrides.items():
        try:
            _set_path(result, str(dotted), value)
        except _PathProblem as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioError(source, problems)
    return result


class _PathProblem(Exception):
    pass


def _set_path(root: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    if not dotted or any(not part for part in parts):
        raise _PathProblem(f"{_short(dotted, 120) or repr(dotted)}: not a dotted field path")
    node: Any = root
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "(top level)"
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part, dotted)
            if last:
                node[index] = value
                return
            node = node[index]
        elif isinstance(node, dict):
            if part not in node:
                if last and isinstance(value, Mapping):
                    node[part] = value  # a new entry with its definition; the schema checks it
                    return
                hint = difflib.get_close_matches(part, [str(k) for k in node], n=1)
                did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
                known = ", ".join(sorted(str(k) for k in node))
                add = (" (to add an entry, set the whole entry: "
                       f"{'.'.join(parts[:depth + 1])}={{field: value, ...}})"
                       if not last else "")
                raise _PathProblem(
                    f"{_short(dotted, 120)}: '{_short(part, 60)}' does not exist in {here}"
                    f"{did_you_mean} (existing: {_short(known, 300)}){add}")
            if last:
                node[part] = value
                return
            node = node[part]
        else:
            raise _PathProblem(f"{_short(dotted, 120)}: '{parts[depth - 1]}' is a value, not a "
                               "mapping or list")


def scenario_with_overrides(scenario: Scenario, overrides: Mapping[str, Any],
                            source: str | None = None) -> Scenario:
    """A new validated scenario equal to ``scenario`` with dotted ``overrides`` applied."""
    source = source or f"scenario '{scenario.name}' with overrides"
    data = apply_overrides(scenario.model_dump(mode="json"), overrides, source=source)
    return validate_scenario(data, source=source)


def _list_index(node: list[Any], part: str, dotted: str) -> int:
    try:
        index = int(part)
    except ValueError:
        raise _PathProblem(f"{_short(dotted, 120)}: '{_short(part, 60)}' must be a list "
                           "index") from None
    if not 0 <= index < len(node):
        raise _PathProblem(f"{_short(dotted, 120)}: index {index} out of range "
                           f"0..{len(node) - 1}")
    return index


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario content (defaults included), stable across key order."""
    return content_hash(scenario.model_dump(mode="json"))


def content_hash(data: Any) -> str:
    """SHA-256 of JSON-able content (a scenario dump), stable across key order."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
