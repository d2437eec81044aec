"""Calibration throughput: simulations per second at 1 and 2 workers on a calibration config.

Draws ``--proposals`` parameter sets from the config's priors (seeded) and simulates each
exactly as ``clustersim calibrate`` does (the config's target patterns, replications and
scenarios, through the project's executors), first in this process (1 worker), then on a
process pool of 2 workers. Prints proposals per second and suite replications ("simulations":
one replication of every scenario setting the targets need) per second, and the parallel
efficiency. Every proposal gives the same statistics on both (checked), as the calibration's
result does not depend on the number of workers.

    python benchmarks/bench_calibrate.py                          # calibration/default.yaml
    python benchmarks/bench_calibrate.py --config calibration/quick.yaml --proposals 20

Each is measured with replications one by one (``replication_batch: 1``) and batched
(``auto``), whatever the config says, so the two can be compared on the same proposals.

Use the figures to size a budget: a calibration of E evaluations takes about
E / (proposals per second) plus the batch overshoot of each generation (docs/calibration.md).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

from clustersim.calibration.config import load_config
from clustersim.calibration.simulator import PatternSimulator, simulate
from clustersim.experiments.executors import ExecutorOptions, open_backend

ROOT = Path(__file__).resolve().parent.parent


def proposals(resolved, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn from the priors, as generation 0 of a calibration does."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    draws = []
    for _ in range(n):
        draws.append({p.path: p.value(float(p.prior.scipy().rvs(random_state=rng)))
                      for p in resolved.parameters})
    return draws


def run(simulator, names, jobs, options: ExecutorOptions) -> tuple[float, list]:
    """Wall seconds to simulate ``jobs`` on ``options``, and the outcomes in job order."""
    with open_backend(options) as handle:
        started = time.perf_counter()
        futures = [handle.executor.submit(simulate, simulator, names, overrides, seed)
                   for seed, overrides in jobs]
        outcomes = [f.result() for f in futures]
        return time.perf_counter() - started, outcomes


def same(a, b) -> bool:
    return all(x.stats.keys() == y.stats.keys() and all(
        (math.isnan(x.stats[k]) and math.isnan(y.stats[k])) or x.stats[k] == y.stats[k]
        for k in x.stats) for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "calibration" / "default.yaml"))
    parser.add_argument("--proposals", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    resolved = load_config(args.config)
    cfg = resolved.config
    names = [t.name for t in resolved.targets]
    jobs = [(args.seed * 1000 + i, overrides)
            for i, overrides in enumerate(proposals(resolved, args.proposals, args.seed))]
    print(f"config {args.config}: {len(resolved.parameters)} free parameters, "
          f"{len(names)} targets, {cfg.replications} replications per proposal; "
          f"{len(jobs)} proposals; {platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    seconds_of = {}
    for batch in (1, "auto"):
        simulator = PatternSimulator(resolved.target_patterns, cfg.replications,
                                     resolved.measured, cfg.fixed, batch_size=batch)
        results = {}
        for label, options in [("1 worker", ExecutorOptions("serial", workers=1)),
                               ("2 workers", ExecutorOptions("process", workers=2))]:
            seconds, outcomes = run(simulator, names, jobs, options)
            results[label] = (seconds, outcomes)
            seconds_of[batch, label] = seconds
            per_s = len(jobs) / seconds
            print(f"batch {batch!s:>4}, {label:>9}: {seconds:7.1f} s  {per_s:.3f} proposals/s  "
                  f"{per_s * cfg.replications:.3f} simulations/s  "
                  f"({seconds / len(jobs):.2f} s per proposal)", flush=True)
        one, two = results["1 worker"], results["2 workers"]
        print(f"batch {batch}: parallel efficiency at 2 workers {one[0] / two[0] / 2:.0%}; "
              f"identical statistics at 1 and 2 workers: {same(one[1], two[1])}")
    for label in ("1 worker", "2 workers"):
        print(f"batched (auto) / one by one, {label}: "
              f"{seconds_of[1, label] / seconds_of['auto', label]:.2f}x the throughput")


if __name__ == "__main__":
    main()
