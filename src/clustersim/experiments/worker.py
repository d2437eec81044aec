"""What runs inside a worker process: one simulation run, turned into a result record.

Everything here is picklable and imported by module path, so the same objects travel to a local
process pool, a Dask worker or an MPI rank. :func:`execute` never raises for an error in the
model: it returns a ``failed`` result with the error and traceback so the sweep goes on.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

Record = str | int  # "final", "all" or k (every k-th step)


@dataclass(frozen=True)
class RunTask:
    """One run of the sweep: a design point, a replication and its seed (and posterior draw)."""

    run_index: int
    point_id: int
    replication: int
    seed: int
    params: dict[str, Any]
    draw: int | None = None
    """Posterior draw behind ``params`` (runs under parameter uncertainty), else None."""


@dataclass(frozen=True)
class RunBatch:
    """Runs of one design point simulated together (:func:`clustersim.simulation.simulate_batch`):
    the replications ``first_replication ... first_replication + len(seeds) - 1``, always all of
    them (so a run's result does not depend on which of them are still to do), of which ``tasks``
    are recorded. A batch of one seed is an ordinary single run."""

    point_id: int
    first_replication: int
    params: dict[str, Any]
    seeds: tuple[int, ...]
    tasks: tuple[RunTask, ...]

    @property
    def key(self) -> tuple[int, int]:
        return self.point_id, self.first_replication


@dataclass
class RunResult:
    """What comes back from a worker; ``final`` is empty and ``error`` set when the run failed."""

    task: RunTask
    status: str
    final: dict[str, float]
    steps: pd.DataFrame | None
    error: str | None
    traceback: str | None
    wall_time_s: float
    worker: str


def select_steps(table: pd.DataFrame, record: Record, kpis: tuple[str, ...]) -> pd.DataFrame | None:
    """Keep the per-step rows asked for: none (``final``), all, or every k-th step plus the last."""
    if record == "final":
        return None
    missing = [k for k in kpis if k not in table.columns]
    if missing:
        raise KeyError(f"per-step table lacks KPI columns {missing}")
    table = table[["step", *kpis]]
    if record == "all":
        return table.reset_index(drop=True)
    steps = table["step"].to_numpy()
    keep = (steps % int(record) == 0) | (steps == steps.max())
    return table[keep].reset_index(drop=True)


class ScenarioRun:
    """Run the clustersim model: base scenario + the point's dotted overrides, seeded per run."""

    def __init__(self, base: Mapping[str, Any], kpis: tuple[str, ...], record: Record):
        self.base = dict(base)
        self.kpis = kpis
        self.record = record

    def __call__(self, params: Mapping[str, Any], seed: int):
        from clustersim.scenario.loader import apply_overrides, validate_scenario
        from clustersim.simulation import simulate

        data = apply_overrides(self.base, params, source="design point")
        scenario = validate_scenario(data, source=f"design point {dict(params)}")
        result = simulate(scenario, seed=seed, collect_every=self.collect_every(scenario.steps))
        final = {k: float(result.final[k]) for k in self.kpis}
        return final, select_steps(result.kpis, self.record, self.kpis)

    def run_batch(self, params: Mapping[str, Any],
                  seeds: tuple[int, ...]) -> list[tuple[dict[str, float], pd.DataFrame | None]
                                                  | Exception]:
        """All ``seeds`` as one batch: per seed its (final KPIs, kept steps), or the error that
        made only that replication fail (KPIs that are not finite numbers)."""
        from clustersim.scenario.loader import apply_overrides, validate_scenario
        from clustersim.simulation import check_finite_kpis, simulate_batch

        data = apply_overrides(self.base, params, source="design point")
        scenario = validate_scenario(data, source=f"design point {dict(params)}")
        results = simulate_batch(scenario, list(seeds),
                                 collect_every=self.collect_every(scenario.steps),
                                 check_finite=False)
        out: list[tuple[dict[str, float], pd.DataFrame | None] | Exception] = []
        for result in results:
            try:
                check_finite_kpis(result.kpis, scenario.name)
            except ArithmeticError as exc:
                out.append(exc)
                continue
            out.append(({k: float(result.final[k]) for k in self.kpis},
                        select_steps(result.kpis, self.record, self.kpis)))
        return out

    def collect_every(self, steps: int) -> int:
        """Let the model compute its indicators only in the months that are kept."""
        if self.record == "final":
            return max(1, steps)
        return 1 if self.record == "all" else int(self.record)

    def describe(self) -> str:
        return "clustersim.simulation.simulate"


class FunctionRun:
    """Wrap a plain function ``fn(params, seed) -> {kpi: value}`` (or ``(dict, per-step table)``).

    Used by tests and by users who sweep their own function with the same runner. ``fn`` may be
    defined anywhere (a module, a notebook cell, a lambda); it is pickled with cloudpickle.
    """

    def __init__(self, fn: Callable[..., Any], kpis: tuple[str, ...], record: Record):
        self.fn = fn
        self.kpis = kpis
        self.record = record

    def __getstate__(self) -> dict[str, Any]:
        # cloudpickle sends functions from a notebook or script (__main__), lambdas and closures
        # by value, so they run in worker processes too; module functions still go by reference.
        import cloudpickle

        return {**self.__dict__, "fn": cloudpickle.dumps(self.fn)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        import pickle

        self.__dict__.update(state, fn=pickle.loads(state["fn"]))

    def __call__(self, params: Mapping[str, Any], seed: int):
        out = self.fn(dict(params), seed)
        table = None
        if isinstance(out, tuple):
            out, table = out
        final = {k: float(out[k]) for k in self.kpis}
        steps = None
        if self.record != "final":
            if table is None:
                raise ValueError("the run function returned no per-step table but one was asked")
            steps = select_steps(table, self.record, self.kpis)
        return final, steps

    def describe(self) -> str:
        return f"{self.fn.__module__}.{getattr(self.fn, '__qualname__', repr(self.fn))}"


def execute(run: Callable[..., Any], task: RunTask) -> RunResult:
    """Run one task; errors become a ``failed`` result with the traceback, never an exception."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        final, steps = run(task.params, task.seed)
    except Exception as exc:
        return RunResult(
            task,
            "failed",
            {},
            None,
            f"{type(exc).__name__}: {exc}",
            traceback.format_exc(),
            time.perf_counter() - start,
            worker,
        )
    return RunResult(task, "ok", final, steps, None, None, time.perf_counter() - start, worker)


def execute_batch(run: Callable[..., Any], batch: RunBatch) -> list[RunResult]:
    """Run a batch; one result per task to record. Like :func:`execute` it never raises: an
    error of the whole batch fails each of its tasks, an error of one replication only that one.
    Each run's wall time is the batch's divided by its size."""
    if len(batch.seeds) == 1:
        return [execute(run, task) for task in batch.tasks]
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        outputs = run.run_batch(batch.params, batch.seeds)
    except Exception as exc:
        wall = (time.perf_counter() - start) / len(batch.seeds)
        message, tb = f"{type(exc).__name__}: {exc}", traceback.format_exc()
        return [RunResult(task, "failed", {}, None, message, tb, wall, worker)
                for task in batch.tasks]
    wall = (time.perf_counter() - start) / len(batch.seeds)
    results = []
    for task in batch.tasks:
        out = outputs[task.replication - batch.first_replication]
        if isinstance(out, Exception):
            tb = "".join(traceback.format_exception(out))
            results.append(RunResult(task, "failed", {}, None, f"{type(out).__name__}: {out}",
                                     tb, wall, worker))
        else:
            results.append(RunResult(task, "ok", out[0], out[1], None, None, wall, worker))
    return results
