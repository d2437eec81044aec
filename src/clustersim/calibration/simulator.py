"""Simulators that calibration can fit: the clustersim pattern suite, and a toy model.

Both follow :class:`Simulator`: ``simulator(overrides, seed)`` returns ``{statistic: value}``
for one parameter set (dotted overrides) and one seed. :func:`simulate` runs one in a worker
process; this module does not import pyabc, so workers (loky processes, Dask workers) need
clustersim only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from clustersim.scenario import Scenario


class Simulator(Protocol):
    """What calibration needs from a model: statistics of one parameter set and seed."""

    def __call__(self, overrides: Mapping[str, float | int], seed: int
                 ) -> Mapping[str, float]: ...


@dataclass
class Outcome:
    """The simulation of one proposal: its statistics, or why it failed."""

    stats: dict[str, float]
    failure: dict[str, Any] | None = None


def spawned_seed(seed: int, spawn_key: tuple[int, ...]) -> int:
    """A 128-bit integer run seed from ``SeedSequence(seed, spawn_key=spawn_key)``: the
    predictive check and the point estimate give each of their simulations its own stream."""
    state = np.random.SeedSequence(seed, spawn_key=spawn_key).generate_state(2, np.uint64)
    return int(state[0]) << 64 | int(state[1])


def simulate(simulator: Simulator, names: Sequence[str], overrides: Mapping[str, Any],
             seed: int) -> Outcome:
    """Run one simulation (in a worker): statistics, NaN for all when it raises; the failure
    (an exception, or a statistic undefined) is returned for the record."""
    try:
        stats = dict(simulator(overrides, seed))
    except Exception as exc:  # recorded and rejected; KeyboardInterrupt still stops
        return Outcome({name: math.nan for name in names},
                       {"kind": "error", "reason": f"{type(exc).__name__}: {exc}"[:1000],
                        "parameters": dict(overrides), "seed": seed})
    values = {name: float(stats.get(name, math.nan)) for name in names}
    undefined = [name for name, v in values.items() if math.isnan(v)]
    failure = None
    if undefined:
        failure = {"kind": "undefined", "reason": f"undefined (NaN): {', '.join(undefined)}",
                   "parameters": dict(overrides), "seed": seed}
    return Outcome(values, failure)


@dataclass
class PatternSimulator:
    """The model measured on validation patterns: the mean of each pattern over
    ``replications`` replications, with common random numbers across the pattern's variants
    (:func:`clustersim.validation.run_validation`), seeded by ``seed``.

    ``fixed`` overrides (e.g. ``steps``) apply to every scenario before the free parameters;
    ``scenarios`` replace the shipped scenarios of the same name (shipped names allowed; None:
    shipped); ``batch_size`` runs the replications in batches (:mod:`clustersim.batching`).
    """

    patterns: Sequence[Any]
    replications: int = 1
    scenarios: Sequence[Scenario | str] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | str = 1

    def __call__(self, overrides: Mapping[str, float | int], seed: int) -> dict[str, float]:
        from clustersim.validation import run_validation

        result = run_validation(list(self.patterns),
                                None if self.scenarios is None else list(self.scenarios),
                                replications=self.replications, workers=1,
                                overrides={**self.fixed, **overrides}, seed=int(seed),
                                batch_size=self.batch_size)
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
