"""How many replications to simulate together, and which: the batch rules shared by sweeps,
validation and calibration (no model imports, so command-line parsing stays fast).

A batch (:func:`clustersim.simulation.simulate_batch`) runs replications of one scenario as one
vectorised model with one random stream. Its members are fixed by the replication numbers
alone: batch k of size B always simulates replications kB ... kB + B - 1, so a replication's
result depends on its batch, never on how many replications were asked for, which of them are
already done, or how many workers run them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clustersim.scenario.schema import Scenario

BATCH_FIRMS = 2000
"""Automatic batches hold at most this many firms: beyond about 3,000 a batch is no faster per
replication (benchmarks/README.md, "Batched runs"), and it keeps a batch's memory small."""
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


def batch_size_problem(firms: int | None, size: int) -> str | None:
    """Why a batch of ``size`` replications of a ``firms``-firm model is too large to build
    (the model size limit, :data:`clustersim.limits.MAX_FIRMS`, applies to the whole batch),
    or None."""
    from clustersim.limits import ALLOW_FLAG, MAX_FIRMS

    if firms is None or size <= 1 or firms * size <= MAX_FIRMS:
        return None
    return (f"batch_size {size}: a batch of {size} x {firms:,} firms exceeds the limit of "
            f"{MAX_FIRMS:,} firms; use a batch size of at most {max(1, MAX_FIRMS // firms)} "
            f"(or 1), or pass {ALLOW_FLAG} if this machine has the memory")
