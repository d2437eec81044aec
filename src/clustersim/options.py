"""Command-line option names and types shared by the ``clustersim`` commands.

Kept free of heavy imports (no pydantic, numpy, pandas or Mesa): ``clustersim --help`` loads this
module, and the schema only when an option is parsed or its help is shown.
"""

from __future__ import annotations

from typing import Any

import click

ALLOW_FLAG = "--allow-large"
"""The flag that lets a command go beyond the size limits of :mod:`clustersim.limits`."""


def field_range(model: Any, name: str) -> tuple[int | None, int | None]:
    """(min, max) of an integer schema field, so command-line options share the schema's
    limits (``run --steps``, ``--seed``, ``sweep --steps``)."""
    low = high = None
    for meta in model.model_fields[name].metadata:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high


class ScenarioFieldRange(click.IntRange):
    """An integer option whose bounds are those of a :class:`~clustersim.scenario.Scenario`
    field (``run --steps``, ``--seed``), read from the schema on first use, not at start-up."""

    def __init__(self, field: str):  # no super().__init__: min and max are lazy properties
        self.field = field
        self.min_open = self.max_open = self.clamp = False
        self._bounds: tuple[int | None, int | None] | None = None

    def _resolve(self) -> tuple[int | None, int | None]:
        if self._bounds is None:
            from clustersim.scenario.schema import Scenario

            self._bounds = field_range(Scenario, self.field)
        return self._bounds

    @property
    def min(self) -> int | None:  # type: ignore[override]
        return self._resolve()[0]

    @property
    def max(self) -> int | None:  # type: ignore[override]
        return self._resolve()[1]
