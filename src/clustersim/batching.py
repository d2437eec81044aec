"""How many replications to simulate together, and which: the batch rules shared by sweeps,
validation and calibration (no model imports, so command-line parsing stays fast).

A batch (:func:`clustersim.simulation.simulate_batch`) runs replications of one scenario as one
vectorised model with one random stream. Its members are fixed by the replication numbers and
the batch size B: batch k always simulates replications kB ... kB + B - 1, so a replication's
result depends on B and its seed only, never on which replications are already done or how many
workers run them. ``auto`` chooses B from the model's size and the replications asked for when
a sweep folder (or a validation) starts; a folder keeps its B when replications are added, but
two folders started with different replications may get different B, so pin ``batch_size``
when rows of separate runs must be comparable one to one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clustersim.scenario.schema import Scenario

BATCH_FIRMS = 2000
"""Automatic batches hold at most this many firms: beyond it the gain per replication is small
(gold_label: 3.5x at 2,880 firms, 3.8x at 5,760; benchmarks/README.md, "Batched runs"), and it
keeps a batch's memory small."""
MAX_BATCH = 32
"""Automatic batches hold at most this many replications."""
FIXED_FIRMS = 450.0
"""A month of the model costs about as much as ``FIXED_FIRMS + firms`` firms' worth of work:
a fixed part (a few hundred numpy calls, whatever the size) and a part proportional to the
firms in the batch. Fitted on the baseline (45 firms: fixed part 10 replications' worth) and
gold_label (180 firms: 2.3), benchmarks/bench_batch.py."""


def firms_of(scenario: Scenario) -> int:
    """Firms of one replication of ``scenario`` (every cluster, copies included)."""
    return sum(c.n_firms * c.count for c in scenario.clusters)


def auto_batch_size(firms: int | None, replications: int) -> int:
    """The batch size ``auto`` picks for a model of ``firms`` firms run ``replications`` times:
    the size, up to ``MAX_BATCH`` replications and ``BATCH_FIRMS`` firms, that simulates them
    at the least cost (:data:`FIXED_FIRMS`), counting the replications a last, partly used
    batch simulates for nothing; 1 for an unknown or large model."""
    if firms is None or firms <= 0 or replications <= 1:
        return 1
    cap = max(1, min(MAX_BATCH, replications, BATCH_FIRMS // firms))

    def cost(size: int) -> float:
        return -(-replications // size) * (FIXED_FIRMS + size * firms)

    return min(range(1, cap + 1), key=lambda size: (cost(size), -size))


def batch_starts(replications: Iterable[int], size: int) -> list[int]:
    """First replication of every batch of ``size`` that holds one of ``replications``."""
    return sorted({r - r % size for r in replications})


def batch_size_problems(scenario: Scenario, size: int, field: str = "batch_size") -> list[str]:
    """Why a batch of ``size`` replications of ``scenario`` is too large to build: the model
    size limits (:mod:`clustersim.limits`: clusters, firms, partners, peer links) apply to the
    whole batch. Empty if it fits; each problem names ``field`` and the largest size that fits."""
    from clustersim.limits import ModelSize, model_size

    if size <= 1:
        return []
    one = model_size(scenario)
    batch = ModelSize(one.clusters * size, one.firms * size, one.partners * size,
                      one.peer_links * size)
    problems = batch.problems()
    if not problems:
        return []
    fits = max(1, size - 1)
    while fits > 1 and ModelSize(one.clusters * fits, one.firms * fits, one.partners * fits,
                                 one.peer_links * fits).problems():
        fits -= 1
    return [f"{field} {size}: a batch of {size} replications of scenario '{scenario.name}': "
            f"{problem}; use {field} {fits} or less (1 runs replications one by one)"
            for problem in problems]
