"""Simulators that calibration can fit: the clustersim pattern suite, and a toy model.

Both follow :class:`clustersim.calibration.smc.Simulator`: ``simulator(overrides, seed)``
returns ``{statistic: value}`` for one parameter set (dotted overrides) and one seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clustersim.scenario import Scenario


@dataclass
class PatternSimulator:
    """The model measured on validation patterns: the mean of each pattern over
    ``replications`` replications, with common random numbers across the pattern's variants
    (:func:`clustersim.validation.run_validation`), seeded by ``seed``.

    ``fixed`` overrides (e.g. ``steps``) apply to every scenario before the free parameters;
    ``scenarios`` replace the shipped scenarios of the same name (None: shipped).
    """

    patterns: Sequence[Any]
    replications: int = 1
    scenarios: Sequence[Scenario] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, overrides: Mapping[str, float | int], seed: int) -> dict[str, float]:
        from clustersim.validation import run_validation

        result = run_validation(list(self.patterns),
                                None if self.scenarios is None else list(self.scenarios),
                                replications=self.replications, workers=1,
                                overrides={**self.fixed, **overrides}, seed=int(seed))
        errors = [f"{r.name}: {r.error}" for r in result.results
                  if r.error and "undefined in every replication" not in r.error]
        if errors:  # a measure that raised is a failure, not an undefined value
            raise RuntimeError("; ".join(errors))
        return result.means()


def scenarios_for_suite(patterns: Sequence[Any], given: Sequence[Scenario] | None
                        ) -> list[Scenario | str]:
    """Every scenario the patterns are measured on: a given one where its name matches, the
    shipped one otherwise (the posterior predictive check runs the whole suite)."""
    by_name = {s.name: s for s in given or []}
    names = list(dict.fromkeys(p.scenario for p in patterns))
    return [by_name.get(name, name) for name in names]


def toy_simulator(overrides: Mapping[str, float], seed: int, *, replications: int = 5,
                  noise: float = 0.2) -> dict[str, float]:
    """A toy model with a known answer, for tests and docs: ``y`` is the mean of
    ``replications`` draws of Normal(theta, noise) and ``z`` the mean of Normal(2 theta, noise),
    where theta is the override ``theta``. Pure Python and fast."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    theta = float(overrides["theta"])
    return {"y": float(rng.normal(theta, noise, replications).mean()),
            "z": float(rng.normal(2 * theta, noise, replications).mean())}
