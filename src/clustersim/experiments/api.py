"""The Python API of the experiments layer; the CLI is a thin wrapper around it.

>>> from clustersim.experiments import run_experiment, load_runs
>>> out = run_experiment("experiments/quick.yaml", "results/quick")  # doctest: +SKIP
>>> runs = load_runs(out)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clustersim.experiments.executors import ExecutorOptions
from clustersim.experiments.plan import prepare_plan
from clustersim.experiments.runner import SweepSummary, run_plan
from clustersim.experiments.spec import Experiment, validate_experiment
from clustersim.experiments.storage import load_runs, load_steps, require_manifest
from clustersim.limits import check_workers
from clustersim.shipped import EXPERIMENTS, resolve


def executor_options(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    mpi: bool = False,
    force_workers: bool = False,
) -> ExecutorOptions:
    """Pick the backend from the user-facing switches (at most one of them). Local worker
    counts above the number of cores are refused unless ``force_workers``."""
    chosen = [name for name, on in (("--scheduler", scheduler), ("--dask-local", dask_local),
                                     ("--mpi", mpi)) if on]
    if len(chosen) > 1:
        raise ValueError(f"choose one of {', '.join(chosen)}")
    if workers is not None and workers < 0:
        raise ValueError(f"workers = {workers}: must be >= 0 (0 = run in this process)")
    if not scheduler and not mpi:
        check_workers(workers, "--workers", force_workers)
        check_workers(dask_local, "--dask-local", force_workers)
    if scheduler:
        return ExecutorOptions("dask", scheduler=scheduler)
    if dask_local:
        return ExecutorOptions("dask", workers=dask_local)
    if mpi:
        return ExecutorOptions("mpi", workers=workers or None)
    if workers == 0:
        return ExecutorOptions("serial", workers=1)
    return ExecutorOptions("process", workers=workers)


ExperimentLike = str | Path | Experiment | Mapping[str, Any]


def as_experiment(experiment: ExperimentLike) -> str | Path | Experiment:
    """An experiment file's path (a shipped name such as ``"quick"`` resolves to the shipped
    file), an :class:`Experiment`, or a plain mapping validated into one (scenario paths in it
    are relative to the working directory, or a shipped scenario's name)."""
    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, Mapping):
        return validate_experiment(dict(experiment), source="experiment (dict)")
    if isinstance(experiment, str | Path):
        return resolve(experiment, EXPERIMENTS)
    raise TypeError("experiment must be a file path, a shipped experiment's name, a dict or an "
                    f"Experiment, not {type(experiment).__name__}")


def default_out(experiment: ExperimentLike) -> Path:
    experiment = as_experiment(experiment)
    if isinstance(experiment, Experiment):
        return Path("results") / experiment.name
    return Path("results") / Path(experiment).stem


def sweep(
    experiment: ExperimentLike,
    out: str | Path | None = None,
    *,
    replications: int | None = None,
    steps: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    mpi: bool = False,
    executor: ExecutorOptions | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    run_fn: Callable[..., Any] | None = None,
    chunk_runs: int = 500,
    allow_large: bool = False,
    force_workers: bool = False,
    overwrite: bool = False,
    posterior: str | Path | None = None,
    draws: int | None = None,
    batch_size: int | str | None = None,
) -> SweepSummary:
    """Run or resume an experiment; like :func:`run_experiment` but returns the counts.

    Everything is checked before the first run: the experiment, its size
    (:mod:`clustersim.limits`; ``allow_large`` lifts the limits), the executor options and the
    output folder (:mod:`clustersim.outputs.folders`; ``overwrite`` replaces another clustersim
    output).

    ``posterior`` (a ``posterior.parquet`` of ``clustersim calibrate``) and ``draws`` K run
    every design point under K parameter sets drawn from it by weight (seeded by the experiment
    seed); the runs table gets a ``draw`` column and the drawn values
    (:func:`clustersim.experiments.plan.with_posterior`).

    ``batch_size`` (an int or ``"auto"``) overrides the experiment's: replications of a design
    point simulated together as one vectorised model (1 = one by one)."""
    experiment = as_experiment(experiment)
    options = executor or executor_options(workers, scheduler, dask_local, mpi, force_workers)
    plan = prepare_plan(experiment, replications=replications, steps=steps, run_fn=run_fn,
                        allow_large=allow_large, posterior=posterior, draws=draws,
                        batch_size=batch_size)
    raw = None
    if not isinstance(experiment, Experiment):
        raw = Path(experiment).read_bytes()
    return run_plan(
        plan,
        Path(out) if out is not None else default_out(experiment),
        executor=options,
        retry_failed=retry_failed,
        progress=progress,
        chunk_runs=chunk_runs,
        experiment_bytes=raw,
        overwrite=overwrite,
    )


def run_experiment(
    experiment: ExperimentLike,
    out: str | Path | None = None,
    **options: Any,
) -> Path:
    """Run (or resume) an experiment into ``out``; returns the output folder.

    ``experiment`` is a file path, a shipped experiment's name (``"quick"``), a dict with the
    file's fields, or an :class:`Experiment`.

    Keyword options as on the command line: ``replications``, ``steps``, ``workers`` (default all
    cores, 0 = this process), ``scheduler`` (Dask address), ``dask_local`` (N local Dask workers),
    ``mpi``, ``retry_failed``, ``progress``, ``posterior`` and ``draws`` (parameter sets drawn
    from a calibration's posterior); and ``run_fn(params, seed) -> {kpi: value}`` to sweep
    a function of your own instead of the model. ``out`` defaults to ``results/<file stem>``.
    """
    return sweep(experiment, out, **options).out


@dataclass(frozen=True)
class Results:
    """A sweep's output folder, loaded: runs table, per-step table (or None), manifest."""

    runs: pd.DataFrame
    steps: pd.DataFrame | None
    manifest: dict[str, Any]


def load_results(out: str | Path) -> Results:
    """Load a sweep's output folder into pandas DataFrames."""
    manifest = require_manifest(out)
    steps = load_steps(out) if manifest["tables"].get("steps") else None
    return Results(load_runs(out), steps, manifest)
