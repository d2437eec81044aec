"""Sweep runner against ``mesa.batch_run``: throughput, parallel efficiency and peak memory.

Both runners run the same model (``ClusterModel`` on ``scenarios/baseline.yaml``) over the same
sweep. For ``batch_run`` the model is wrapped in a class whose keyword arguments are the swept
fields, as ``batch_run`` requires, and run for the same number of months.

    python benchmarks/bench_sweep.py            # throughput (640 runs) and memory (100 vs 1,000)
    python benchmarks/bench_sweep.py --quick    # smaller, for a quick look

Throughput: 3 parameters x 4 values (64 points) x 10 replications = 640 runs of 120 months,
final-state KPIs, at 1 and 2 workers. Memory: 100 and 1,000 runs of 24 months, final state only
and with every step kept. Each case runs in a fresh subprocess; its peak memory is the largest
sum of proportional set size (PSS: shared pages split between the processes sharing them) over
the process and all its children (workers, resource tracker), sampled every 250 ms with psutil, and
separately the peak resident memory of the main process (where results collect).

Targets (issue 3): at 2 workers at least 1.5x the throughput of ``batch_run``; parallel efficiency
of at least 80% on 2 cores; peak memory that does not grow with the number of runs. Issue 12: at
least 2x ``batch_run``'s throughput at 1 and 2 workers (with batched runs). Our runner is measured
with its default batching and with ``--no-batch``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from clustersim.model import ClusterModel
from clustersim.scenario import scenario_with_overrides

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
GRID = {
    "policy.funding.annual_budget": [0.0, 50_000.0, 100_000.0, 200_000.0],
    "markets.germany.language_barrier": [0.2, 0.4, 0.6, 0.8],
    "policy.translation_support": [0.0, 0.33, 0.67, 1.0],
}
MEMORY_GRID = {"policy.funding.annual_budget": [float(10_000 * i) for i in range(10)]}
KPIS = ["export_share", "export_ties", "trust_cross_border", "members", "public_spent"]
KWARG = {path: path.replace(".", "_") for path in [*GRID, *MEMORY_GRID]}

RUNNERS = ("ours", "ours-unbatched", "batch_run")
"""``ours``: ``clustersim sweep`` with its default batching (``batch_size: auto``: the 10
replications of a point as one batch); ``ours-unbatched``: the same with ``--no-batch``."""

# -- the model as batch_run needs it: keyword arguments in, a `datacollector` attribute ----------
_BASE = None


def _base():
    global _BASE
    if _BASE is None:
        from clustersim.scenario import load_scenario

        _BASE = load_scenario(BASELINE)
    return _BASE


class BatchClusterModel(ClusterModel):
    """ClusterModel with the swept fields as keyword arguments (what batch_run passes)."""

    def __init__(self, steps: int = 120, seed: int | None = None, **fields):
        overrides = {path: fields[name] for path, name in KWARG.items() if name in fields}
        overrides["steps"] = steps
        super().__init__(scenario_with_overrides(_base(), overrides), seed=seed)


def run_ours(grid: dict, replications: int, steps: int, workers: int, record: str,
             batch_size: int | str = "auto") -> dict:
    from clustersim.experiments import Experiment, load_runs, sweep

    spec = Experiment.model_validate({
        "name": "bench",
        "scenario": str(BASELINE),
        "overrides": {"steps": steps},
        "seed": 1,
        "replications": replications,
        "parameters": grid,
        "design": {"type": "grid"},
        "outputs": {"kpis": KPIS if record == "final" else "all", "record": record},
    })
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = sweep(spec, Path(tmp) / "out", workers=workers, progress=False,
                        batch_size=batch_size)
        wall = time.perf_counter() - start
        runs = load_runs(Path(tmp) / "out", ["point_id", "export_ties", "trust_cross_border"])
    distinct = runs.groupby("point_id")[["export_ties", "trust_cross_border"]].apply(
        lambda g: len(g.drop_duplicates())).mean()
    return {"wall_s": wall, "runs": summary.ok, "failed": summary.failed,
            "distinct_replications": float(distinct)}


def run_batch(grid: dict, replications: int, steps: int, workers: int, record: str) -> dict:
    import pandas as pd
    from mesa.batchrunner import batch_run

    parameters = {KWARG[path]: values for path, values in grid.items()}
    parameters["steps"] = steps
    start = time.perf_counter()
    results = batch_run(
        BatchClusterModel,
        parameters=parameters,
        number_processes=workers,
        iterations=replications,
        data_collection_period=1 if record == "all" else -1,
        max_steps=steps - 1,  # batch_run steps while model.steps <= max_steps: one extra
        display_progress=False,
    )
    wall = time.perf_counter() - start
    frame = pd.DataFrame(results)
    final = frame.sort_values("Step").groupby("RunId").tail(1)
    keys = list(parameters)
    distinct = final.groupby(keys)[["export_ties", "trust_cross_border"]].apply(
        lambda g: len(g.drop_duplicates())).mean()
    return {"wall_s": wall, "runs": int(final["RunId"].nunique()), "failed": 0,
            "distinct_replications": float(distinct), "rows_in_memory": len(results)}


def child(args: argparse.Namespace) -> None:
    grid = GRID if args.grid == "main" else MEMORY_GRID
    if args.runner == "batch_run":
        out = run_batch(grid, args.replications, args.steps, args.workers, args.record)
    else:
        out = run_ours(grid, args.replications, args.steps, args.workers, args.record,
                       batch_size=1 if args.runner == "ours-unbatched" else "auto")
    print("RESULT " + json.dumps(out), flush=True)


def measure(runner: str, grid: str, replications: int, steps: int, workers: int,
            record: str) -> dict:
    """Run one case in a fresh subprocess; sample the memory of its whole process tree."""
    import psutil

    cmd = [sys.executable, __file__, "--child", "--runner", runner, "--grid", grid,
           "--replications", str(replications), "--steps", str(steps),
           "--workers", str(workers), "--record", record]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"tree": 0, "main": 0}
    stop = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                main = root.memory_info().rss
                total = root.memory_full_info().pss
                for c in root.children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        total += c.memory_full_info().pss
            except psutil.NoSuchProcess:
                break
            peaks["tree"] = max(peaks["tree"], total)
            peaks["main"] = max(peaks["main"], main)
            time.sleep(0.25)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = proc.communicate()
    stop.set()
    thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{runner} failed:\n{stderr[-3000:]}")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result.update(peak_tree_mib=peaks["tree"] / 2**20, peak_main_mib=peaks["main"] / 2**20,
                  runs_per_s=result["runs"] / result["wall_s"],
                  cpu_ms_per_run=1000 * cpu / max(1, result["runs"]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["all", "throughput", "memory"], default="all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runner", choices=RUNNERS)
    parser.add_argument("--grid", choices=["main", "memory"], default="main")
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--record", choices=["final", "all"], default="final")
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    reps = 2 if args.quick else 10
    print(f"# sweep runner vs mesa.batch_run -- {platform.machine()}, Python "
          f"{platform.python_version()}, {psutil_cpus()} cores")
    if args.part in ("all", "throughput"):
        throughput(reps)
    if args.part in ("all", "memory"):
        memory(args.quick)


def throughput(reps: int) -> None:
    print(f"\n## Throughput: 64 points x {reps} replications = {64 * reps} runs of 120 months, "
          "final-state KPIs\n")
    print("| runner | workers | wall time | runs/s | parallel eff. | CPU per run "
          "| peak memory (all procs) | distinct replications per point |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rates: dict[tuple[str, int], float] = {}
    for runner in RUNNERS:
        for workers in (1, 2):
            r = measure(runner, "main", reps, 120, workers, "final")
            rates[runner, workers] = r["runs_per_s"]
            eff = "" if workers == 1 else f"{r['runs_per_s'] / (2 * rates[runner, 1]):.0%}"
            print(f"| {runner} | {workers} | {r['wall_s']:.1f} s | {r['runs_per_s']:.2f} | "
                  f"{eff} | {r['cpu_ms_per_run']:.0f} ms | {r['peak_tree_mib']:.0f} MiB | "
                  f"{r['distinct_replications']:.1f} of {reps} |", flush=True)
    for ours in ("ours", "ours-unbatched"):
        print(f"\nthroughput ratio {ours} / batch_run: 1 worker "
              f"{rates[ours, 1] / rates['batch_run', 1]:.2f}x, 2 workers "
              f"{rates[ours, 2] / rates['batch_run', 2]:.2f}x")



def memory(quick: bool) -> None:
    sizes = (10, 100) if not quick else (10, 30)
    steps = 24
    print(f"\n## Memory: 10 points x R replications, {steps} months, 2 workers\n")
    print("| runner | kept | runs | wall time | peak memory, main process | "
          "peak memory, all processes |")
    print("|---|---|---:|---:|---:|---:|")
    for record in ("final", "all"):
        for runner in ("ours", "batch_run"):
            for r_count in sizes:
                r = measure(runner, "memory", r_count, steps, 2, record)
                kept = "final state" if record == "final" else "every step"
                print(f"| {runner} | {kept} | {r['runs']:,} | {r['wall_s']:.1f} s | "
                      f"{r['peak_main_mib']:.0f} MiB | {r['peak_tree_mib']:.0f} MiB |",
                      flush=True)


def psutil_cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()
