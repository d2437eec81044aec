"""Reading YAML that a user (or anyone) wrote: safe, bounded, and with one-paragraph errors.

Every YAML input of clustersim (scenario files and their ``extends:`` targets, experiment files,
comparison files, ``--set`` values, the dashboard's free-text settings) goes through
:func:`parse_yaml` or :func:`read_yaml_file`, which add to ``yaml.SafeLoader`` (no Python tags,
no code) what it lacks:

- **duplicate keys** in a mapping are refused, naming the key and both lines (PyYAML silently
  keeps the last one);
- **alias bombs** ("billion laughs": ``&a [*b, *b, ...]`` nested a few levels deep) are refused
  before anything is built: the composed node graph is walked once and its *expanded* size is
  counted, so a 1 KB file that would expand into a billion nodes costs microseconds, not
  gigabytes; recursive aliases are refused too;
- files larger than :data:`MAX_FILE_BYTES` and files that are not UTF-8 text are refused with a
  message saying so (instead of a ``UnicodeDecodeError`` traceback).

Errors are :class:`YamlInputError` with a short list of problems; callers re-raise them as their
own :class:`~clustersim.scenario.loader.InputFileError` subclass (scenario, experiment, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 1_000_000
"""Largest YAML input accepted (1 MB). The biggest shipped file is a few KB; a scenario or
experiment file has no business being larger, and a bound keeps a mistaken path (a data file,
a binary) from being read into memory."""

MAX_EXPANDED_NODES = 100_000
"""Largest number of YAML nodes a document may expand to once aliases are resolved. Normal
aliases (a shared block reused a few times) stay far below; an alias bomb exceeds it after a few
levels."""

EXCERPT_CHARS = 80
"""Longest excerpt of a bad value quoted in an error message."""


class YamlInputError(ValueError):
    """A YAML input that cannot be read safely; ``problems`` are one-line user messages."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short printable rendering of ``value`` for error messages (never the whole of a big
    value: a message must stay one paragraph)."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    if isinstance(value, str):
        text = repr(text) if len(text) <= limit else repr(text[:limit]) + "..."
        return text
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class SafeCheckedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys and over-expanding aliases."""

    def construct_document(self, node: Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                merge = key_node.tag == "tag:yaml.org,2002:merge"
                if not isinstance(key_node, ScalarNode) or merge:
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base class reports it
                    continue
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"duplicate key {excerpt(key)} (line {first} and line {line}); "
                        "a key may appear only once in a mapping",
                        key_node.start_mark,
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _check_expansion(root: Node) -> None:
    """Count the nodes the document expands to (aliases followed), refusing bombs and cycles."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise yaml.constructor.ConstructorError(
                None, None, "recursive alias (a value that contains itself) is not allowed",
                node.start_mark)
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
                _bound(total, node)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                _bound(total, node)
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def _bound(total: int, node: Node) -> None:
    if total > MAX_EXPANDED_NODES:
        raise yaml.constructor.ConstructorError(
            None, None,
            f"the document expands to more than {MAX_EXPANDED_NODES:,} values once its aliases "
            "(*name) are resolved; aliases this deep or this often are refused (alias bomb)",
            node.start_mark,
        )


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: what and where, without PyYAML's multi-line layout."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    text = f"{context}; {problem}" if context and "duplicate" not in problem else problem
    if "could not determine a constructor" in text:
        tag = text.split("tag '")[-1].split("'")[0] if "tag '" in text else ""
        text = (f"the tag {tag!r} is not allowed (only plain YAML values: numbers, text, "
                "true/false, lists and mappings)")
    text = " ".join(text.split())
    if len(text) > 300:
        text = text[:300] + "..."
    return f"not valid YAML: {where}{text}"


def parse_yaml(text: str) -> Any:
    """Parse one YAML document safely (see the module docstring); raises YamlInputError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise YamlInputError([f"input is larger than {MAX_FILE_BYTES:,} bytes; not a "
                              "clustersim YAML file"])
    if "\x00" in text:
        raise YamlInputError(["contains NUL bytes: a binary file, not YAML text"])
    try:
        return yaml.load(text, Loader=SafeCheckedLoader)
    except yaml.YAMLError as exc:
        raise YamlInputError([_yaml_problem(exc)]) from None
    except RecursionError:
        raise YamlInputError(["not valid YAML: nested too deeply"]) from None


def read_text_file(path: Path) -> str:
    """The text of ``path``, refusing missing, oversized, binary and non-UTF-8 files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlInputError(["no such file"]) from None
    except OSError as exc:
        raise YamlInputError([f"cannot read file: {exc.strerror or exc}"]) from None
    if path.is_dir():
        raise YamlInputError(["is a folder, not a file"])
    if size > MAX_FILE_BYTES:
        raise YamlInputError([f"file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} "
                              "allowed for a YAML input; is this the right file?"])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlInputError([f"cannot read file: {exc.strerror or exc}"]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlInputError([
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file "
            "as UTF-8 (a binary file or another encoding such as Latin-1 or UTF-16)"]) from None


def read_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML file safely; raises YamlInputError (without the file name)."""
    return parse_yaml(read_text_file(Path(path)))
