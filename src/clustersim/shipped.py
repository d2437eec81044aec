"""Scenarios and experiment files shipped inside the package, found by name from any directory.

The YAML files live in ``scenarios/`` and ``experiments/`` at the top of a checkout;
``src/clustersim/data/{scenarios,experiments}`` point at them, and pyproject's package data puts
them into every wheel and editable install, so :mod:`importlib.resources` finds them wherever the
package is installed. Commands accept either a path or a shipped name::

    clustersim run baseline                  # the shipped scenarios/baseline.yaml
    clustersim run scenarios/baseline.yaml   # a path: used as it is when it exists, else by name
    clustersim run my_own.yaml               # any other file

A path that exists always wins, so a user's own ``baseline.yaml`` is never replaced by ours.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

SCENARIOS = "scenarios"
EXPERIMENTS = "experiments"
KINDS = (SCENARIOS, EXPERIMENTS)


def shipped_dir(kind: str) -> Path:
    """The folder holding the shipped files of ``kind`` (``scenarios`` or ``experiments``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    # installed as plain files (wheels are unpacked; editable installs point at the checkout)
    return Path(str(resources.files("clustersim") / "data" / kind))


def shipped_names(kind: str = SCENARIOS) -> list[str]:
    """Names (file stems) of the shipped files of ``kind``, sorted."""
    folder = shipped_dir(kind)
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def shipped_file(name: str, kind: str = SCENARIOS) -> Path | None:
    """The shipped file called ``name`` (with or without ``.yaml``), or None."""
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    path = shipped_dir(kind) / f"{stem}.yaml"
    return path if path.is_file() else None


def resolve(text: str | Path, kind: str = SCENARIOS) -> Path:
    """A path given on the command line, or the shipped file it names.

    An existing path is returned unchanged. Otherwise a bare name (``baseline``,
    ``baseline.yaml``) or a checkout-relative path (``scenarios/baseline.yaml`` typed outside the
    checkout) resolves to the shipped file. Anything else comes back unchanged, so the loader
    reports the missing file under the name the user typed.
    """
    path = Path(text)
    if path.exists():
        return path
    parts = path.parts
    bare = len(parts) == 1
    in_kind_folder = len(parts) == 2 and parts[0] == kind
    if bare or in_kind_folder:
        found = shipped_file(path.name, kind)
        if found is not None:
            return found
    return path


def summary_line(path: Path) -> str:
    """One line about a shipped file: its ``description`` field, else its first comment line."""
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        data = {}
    description = data.get("description") if isinstance(data, dict) else None
    if description:
        return " ".join(str(description).split())
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def listing(kind: str = SCENARIOS) -> list[tuple[str, str]]:
    """(name, one-line summary) for every shipped file of ``kind``."""
    return [(name, summary_line(shipped_dir(kind) / f"{name}.yaml"))
            for name in shipped_names(kind)]
