"""The sweep loop: dispatch runs in order to an executor, stream results to disk, resume.

At most a few runs per worker are in flight at any time (the rest of the plan is a lazy
generator), so memory does not grow with the number of runs, a stopped sweep has balanced
coverage, and an interruption loses at most the runs in flight. A run that raises is recorded as
``failed`` with its traceback; a worker process that dies takes only its runs with it (they are
recorded as failed and the pool is restarted).
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from clustersim.experiments.executors import ExecutorOptions, check_backend, open_backend
from clustersim.experiments.plan import Plan, describe_run
from clustersim.experiments.storage import (
    OutputFolderError,
    ResultStore,
    param_type,
    read_manifest,
    runs_schema,
    schema_from_manifest,
    schema_to_hex,
    steps_schema,
    write_manifest,
)
from clustersim.experiments.worker import RunBatch, RunResult, RunTask, execute_batch
from clustersim.outputs.folders import claim_folder

IN_FLIGHT_PER_WORKER = 2
MAX_POOL_RESTARTS = 3


@dataclass(frozen=True)
class SweepSummary:
    """What one call of :func:`run_plan` did."""

    out: Path
    n_runs: int
    already_done: int
    ran: int
    ok: int
    failed: int
    elapsed_s: float


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("clustersim", "numpy", "pandas", "pyarrow", "SALib", "mesa", "dask"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _new_manifest(plan: Plan, runs: Any, steps: Any) -> dict[str, Any]:
    manifest = _base_manifest(plan, runs, steps)
    if plan.posterior is not None:
        manifest["posterior"] = {**plan.posterior.describe(),
                                 "design_points_per_draw": plan.design_points,
                                 "point_id": "draw * design_points_per_draw + design point"}
    return manifest


def _base_manifest(plan: Plan, runs: Any, steps: Any) -> dict[str, Any]:
    return {
        "format": "clustersim-sweep/1",
        "experiment": {
            "name": plan.spec.name,
            "source": str(Path(plan.source).resolve()) if plan.file_sha256 else plan.source,
            "file_sha256": plan.file_sha256,
            "plan_hash": plan.plan_hash(),
            "spec": plan.spec.model_dump(mode="json"),
        },
        "scenario": {"file": plan.scenario_path, "sha256": plan.scenario_sha256},
        "run_function": describe_run(plan.run),
        "design": {
            "type": plan.design.kind,
            "n_points": plan.n_points,
            "parameters": list(plan.design.names),
        },
        "replications": plan.replications,
        "n_runs": plan.n_runs,
        "seed": {
            "experiment_seed": plan.spec.seed,
            "scheme": plan.spec.seed_scheme,
            "description": plan.seed_scheme_text(),
        },
        "batch_size": plan.batch_size,
        "batching": plan.batch_text(),
        "kpis": list(plan.kpis),
        "record": plan.record,
        "versions": _versions(),
        "tables": {"runs": "runs/", "steps": "steps/" if steps is not None else None},
        "schemas": {
            "runs": schema_to_hex(runs),
            "steps": schema_to_hex(steps) if steps is not None else None,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sessions": [],
    }


def _prepare_folder(plan: Plan, out: Path, experiment_bytes: bytes | None) -> dict[str, Any]:
    """Create the manifest, or check that the folder holds the same experiment (resume)."""
    params = {name: param_type(plan.design.columns[name]) for name in plan.design.names}
    runs = runs_schema(params, plan.kpis, draw=plan.posterior is not None)
    steps = steps_schema(plan.kpis) if plan.record != "final" else None
    manifest = read_manifest(out)
    if manifest is None:  # the folder guard has checked that the folder is new (or ours)
        out.mkdir(parents=True, exist_ok=True)
        manifest = _new_manifest(plan, runs, steps)
        if experiment_bytes is not None:
            (out / "experiment.yaml").write_bytes(experiment_bytes)
        if plan.posterior is not None:
            plan.posterior.table().to_csv(out / "posterior_draws.csv", index=False)
    elif manifest["experiment"]["plan_hash"] != plan.plan_hash():
        raise OutputFolderError(
            f"{out} holds results of a different experiment setup "
            f"('{manifest['experiment']['name']}', plan hash "
            f"{manifest['experiment']['plan_hash'][:12]}, this one {plan.plan_hash()[:12]}): "
            "design, parameters, seed, steps, outputs or base scenario differ. "
            "Use another --out folder (only --replications may change when resuming; "
            f"the folder's batch size is {manifest.get('batch_size', 1)}, this run's "
            f"{plan.batch_size})."
        )
    recorded = manifest.get("versions", {}).get("clustersim")
    current = _versions()["clustersim"]
    if recorded and recorded != current:
        warnings.warn(
            f"{out} was started with clustersim {recorded}, this is {current}: resumed runs may "
            "differ from the earlier ones (the sessions in manifest.json record the versions)",
            stacklevel=3,
        )
    manifest["replications"] = plan.replications
    manifest["n_runs"] = plan.n_runs
    manifest["experiment"]["spec"] = plan.spec.model_dump(mode="json")
    write_manifest(out, manifest)
    return manifest


def run_plan(
    plan: Plan,
    out: str | Path,
    *,
    executor: ExecutorOptions | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    chunk_runs: int = 500,
    experiment_bytes: bytes | None = None,
    overwrite: bool = False,
) -> SweepSummary:
    """Run (or resume) ``plan`` into ``out``; returns counts. Re-raises ``KeyboardInterrupt``
    after saving everything that finished.

    The folder is claimed first (:func:`clustersim.outputs.folders.claim_folder`): it must be
    new, empty or a sweep of the same plan (``overwrite`` replaces another clustersim output),
    and it is locked for the whole sweep, so a second writer is refused."""
    out = Path(out)
    options = executor or ExecutorOptions()
    check_backend(options)
    plan = _resumed_batch_size(plan, out, overwrite)
    with claim_folder(out, "sweep", plan.spec.name, {"plan_hash": plan.plan_hash()},
                      overwrite=overwrite, command="sweep"):
        return _run_locked(plan, out, options, retry_failed, progress, chunk_runs,
                           experiment_bytes)


def _resumed_batch_size(plan: Plan, out: Path, overwrite: bool) -> Plan:
    """A folder holding this experiment keeps the batch size it was started with (1 for
    folders from before batching): with ``auto`` the size depends on the replications, which
    may grow when a sweep is extended. An explicit other size is refused, unless ``overwrite``
    replaces the folder. Folders of another experiment are left to the folder guard."""
    manifest = read_manifest(out) if out.is_dir() else None
    if not manifest or "experiment" not in manifest:
        return plan
    kept = int(manifest.get("batch_size", 1))
    if kept > 1 and not hasattr(plan.run, "run_batch"):
        return plan  # a custom run function cannot be this folder's experiment
    if manifest["experiment"].get("plan_hash") != plan.with_batch_size(kept).plan_hash():
        return plan  # another experiment: refused, or replaced with --overwrite
    if plan.batch_auto:
        return plan.with_batch_size(kept)
    if kept != plan.batch_size and not overwrite:
        raise OutputFolderError(
            f"{out} holds runs simulated in batches of {kept} (1 = one by one), this sweep asks "
            f"for {plan.batch_size}: the same runs would give other results. Resume with "
            f"--batch-size {kept} (or without --batch-size), use another --out folder, or "
            "pass --overwrite to replace the folder")
    return plan


def _run_locked(plan: Plan, out: Path, options: ExecutorOptions, retry_failed: bool,
                progress: bool, chunk_runs: int, experiment_bytes: bytes | None) -> SweepSummary:
    manifest = _prepare_folder(plan, out, experiment_bytes)
    store = ResultStore(
        out,
        schema_from_manifest(manifest, "runs"),
        schema_from_manifest(manifest, "steps"),
        chunk_runs=chunk_runs,
    )
    store.open()
    state = store.scan(plan.n_runs)
    already = state.n_ok

    def skip(i: int) -> bool:
        return bool(state.ok[i]) or (i in state.failed and not retry_failed)

    n_todo = int((~state.ok).sum()) - (0 if retry_failed else len(state.failed))
    session = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "executor": options.describe(),
        "host": platform.node(),
        "retry_failed": retry_failed,
        "to_run": n_todo,
        "clustersim": _versions()["clustersim"],
    }
    counts = {"ok": 0, "failed": 0}
    bar = tqdm(
        total=plan.n_runs,
        initial=plan.n_runs - n_todo,
        unit="run",
        desc=plan.spec.name,
        dynamic_ncols=True,
        disable=not progress,
        file=sys.stderr,
        smoothing=0.05,
    )
    bar.set_postfix(failed=len(state.failed))
    start = time.perf_counter()
    status = "completed"
    try:
        if n_todo:
            _dispatch(plan, plan.batches(skip), options, store, state, counts, bar)
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException as exc:
        status = f"stopped by {type(exc).__name__}: {exc}"
        raise
    finally:
        bar.close()
        store.close()
        elapsed = time.perf_counter() - start
        session.update(
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            status=status,
            ok=counts["ok"],
            failed=counts["failed"],
            elapsed_s=round(elapsed, 3),
        )
        manifest = read_manifest(out) or manifest
        manifest.setdefault("sessions", []).append(session)
        write_manifest(out, manifest)
    return SweepSummary(out, plan.n_runs, already, counts["ok"] + counts["failed"], counts["ok"],
                        counts["failed"], elapsed)


def _dispatch(plan, batches, options, store, state, counts, bar) -> None:
    """Keep ``capacity x IN_FLIGHT_PER_WORKER`` batches in flight until the plan is exhausted
    (a batch is one run unless the plan batches replications).

    When a worker process dies, the pool breaks and every batch in flight fails with it. Those are
    re-run on a fresh pool one at a time, alone: the one that breaks the pool again is recorded
    as failed ("worker process died"), the others complete, and the sweep goes on.
    """
    pending = iter(batches)
    carry: list[RunBatch] = []
    suspects: set[tuple[int, int]] = set()
    restarts = 0
    while True:
        broken = False
        diagnosed = False  # the pool broke under a batch re-run alone: its runs are recorded
        with open_backend(options) as handle:
            in_flight: dict[Future, RunBatch] = {}
            last_capacity_check = float("-inf")
            limit = 1
            exhausted = False
            while True:
                now = time.monotonic()
                if now - last_capacity_check > 2.0:
                    limit = max(1, handle.capacity()) * IN_FLIGHT_PER_WORKER
                    last_capacity_check = now
                while not broken and len(in_flight) < limit:
                    # batches in flight when a worker died run one at a time, alone: nothing
                    # else is submitted while one of them runs (the last one included)
                    rerun = any(b.key in suspects for b in in_flight.values())
                    if (carry or rerun) and in_flight:
                        break
                    if carry:
                        batch = carry.pop(0)
                    elif exhausted:
                        break
                    else:
                        batch = next(pending, None)
                        if batch is None:
                            exhausted = True
                            break
                    try:
                        in_flight[handle.executor.submit(execute_batch, plan.run, batch)] = batch
                    except BrokenExecutor:
                        carry.insert(0, batch)
                        broken = True
                if not in_flight:
                    break
                done, _ = wait(list(in_flight), timeout=2.0, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = in_flight.pop(future)
                    try:
                        results = future.result()
                    except BrokenExecutor as exc:
                        broken = True
                        if batch.key not in suspects and handle.restartable:
                            suspects.add(batch.key)
                            carry.append(batch)
                            continue
                        diagnosed = True
                        results = [_lost(task, "worker process died "
                                               f"({type(exc).__name__}: {exc})")
                                   for task in batch.tasks]
                    except Exception as exc:  # e.g. a Dask KilledWorker or unpicklable result
                        results = [_lost(task, f"{type(exc).__name__}: {exc}", exc)
                                   for task in batch.tasks]
                    for result in results:
                        _record(result, store, state, counts, bar)
                        if result.status == "ok":
                            restarts = 0
        if not broken:
            return
        if not diagnosed:  # a crash pinned on its batch is progress, not a failing executor
            restarts += 1
        if restarts > MAX_POOL_RESTARTS or not handle.restartable:
            raise RuntimeError(
                f"the executor broke {restarts} times without a successful run in between; "
                "results so far are saved, re-run the same command to resume"
            )
        carry.sort(key=lambda b: b.tasks[0].run_index)


def _lost(task: RunTask, message: str, exc: BaseException | None = None) -> RunResult:
    import traceback

    tb = "".join(traceback.format_exception(exc)) if exc is not None else message
    return RunResult(task, "failed", {}, None, message, tb, float("nan"), "")


def _record(result: RunResult, store: ResultStore, state, counts, bar) -> None:
    i = result.task.run_index
    attempt = state.failed.get(i, 0) + 1
    store.append(result, attempt)
    counts[result.status] += 1
    if result.status == "failed":
        state.failed[i] = attempt
    elif state.failed.pop(i, None) is None:
        bar.update(1)
        return
    bar.set_postfix(failed=len(state.failed), refresh=False)
    bar.update(1)
