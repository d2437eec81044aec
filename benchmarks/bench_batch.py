"""Batched runs: CPU time per replication against the batch size, for models of several sizes.

Runs ``simulate_batch`` with B = 1, 2, 4, ... replications of a scenario (120 months, final KPIs
only) and prints the CPU seconds per replication, the speed-up over single runs (B = 1) and a
fit of the cost model ``cost(B) = c x (FIXED_FIRMS + B x firms)`` that
``clustersim.batching.auto_batch_size`` uses (the fixed part in firms' worth of work).

    python benchmarks/bench_batch.py                       # baseline (45 firms) and gold_label
    python benchmarks/bench_batch.py --scenario scenarios/national_programme.yaml --sizes 1 2 4
    python benchmarks/bench_batch.py --equivalence 512 --entropy 5 6   # batched vs single runs

``--equivalence N`` instead runs N replications of each scenario in batches of 16 and N single
runs with independent seeds (``SeedSequence(entropy)``) and prints, for every final KPI, both
means and the p value of a two-sample Kolmogorov-Smirnov test.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from clustersim.batching import FIXED_FIRMS, auto_batch_size, firms_of
from clustersim.scenario import load_scenario
from clustersim.simulation import simulate_batch


def cpu_per_replication(scenario, size: int, repeats: int) -> float:
    """Least CPU seconds per replication over ``repeats`` batches (distinct seeds)."""
    best = float("inf")
    for k in range(repeats):
        seeds = [1000 * k + i for i in range(size)]
        started = time.process_time()
        simulate_batch(scenario, seeds, collect_every=scenario.steps)
        best = min(best, (time.process_time() - started) / size)
    return best


def equivalence(scenario, n: int, entropy: tuple[int, int]) -> None:
    """Final KPIs of ``n`` batched and ``n`` single runs, compared KPI by KPI."""
    import pandas as pd
    from scipy import stats

    from clustersim.simulation import simulate

    seeds_b, seeds_s = ([int(x) for x in np.random.SeedSequence(e).generate_state(n)]
                        for e in entropy)
    started = time.perf_counter()
    batched = []
    for i in range(0, n, 16):
        batched += simulate_batch(scenario, seeds_b[i:i + 16], collect_every=scenario.steps)
    t_batch = time.perf_counter() - started
    started = time.perf_counter()
    single = [simulate(scenario, seed=s, collect_every=scenario.steps) for s in seeds_s]
    t_single = time.perf_counter() - started
    print(f"\n## {scenario.name}: {n} batched (batches of 16) vs {n} single runs; "
          f"{t_batch:.1f} s vs {t_single:.1f} s\n")
    print("| KPI | mean, batched | mean, single | KS p |")
    print("|---|---:|---:|---:|")
    b = pd.DataFrame([r.final for r in batched])
    s_ = pd.DataFrame([r.final for r in single])
    p_values = []
    for kpi in b.columns:
        x, y = b[kpi].dropna(), s_[kpi].dropna()
        p = 1.0 if x.std() == 0 and y.std() == 0 else float(stats.ks_2samp(x, y).pvalue)
        p_values.append(p)
        print(f"| {kpi} | {x.mean():.4g} | {y.mean():.4g} | {p:.3f} |")
    print(f"\nsmallest p {min(p_values):.3f}; {sum(p < 0.05 for p in p_values)} of "
          f"{len(p_values)} below 0.05")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", default=None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--equivalence", type=int, default=None, metavar="N")
    parser.add_argument("--entropy", type=int, nargs=2, default=[1, 2])
    args = parser.parse_args()
    names = args.scenario or ["scenarios/baseline.yaml", "scenarios/gold_label.yaml"]
    if args.equivalence:
        for name in args.scenario or ["scenarios/baseline.yaml"]:
            equivalence(load_scenario(name), args.equivalence, tuple(args.entropy))
        return
    print(f"# batched runs -- {platform.machine()}, Python {platform.python_version()}; "
          f"120 months, final KPIs; best of {args.repeats}")
    for name in names:
        scenario = load_scenario(name)
        firms = firms_of(scenario)
        print(f"\n## {scenario.name}: {firms} firms (auto batch size at 10 / 20 replications: "
              f"{auto_batch_size(firms, 10)} / {auto_batch_size(firms, 20)})\n")
        print("| batch size | firms in the batch | CPU per replication | speed-up over single "
              "runs | cost model's speed-up |")
        print("|---:|---:|---:|---:|---:|")
        costs = {}
        for size in args.sizes:
            costs[size] = cpu_per_replication(scenario, size, args.repeats)
            print(f"| {size} | {size * firms:,} | {1000 * costs[size]:.0f} ms | "
                  f"{costs[1] / costs[size]:.2f}x | "
                  f"{(FIXED_FIRMS + firms) * size / (FIXED_FIRMS + size * firms):.2f}x |",
                  flush=True)
        sizes = np.array(sorted(costs), float)
        totals = np.array([costs[int(b)] * b for b in sizes])
        slope, intercept = np.polyfit(sizes, totals, 1)
        print(f"\nbatch cost = {intercept:.3f} s + {slope:.3f} s x B: fixed part "
              f"{intercept / slope:.1f} replications' = {firms * intercept / slope:.0f} firms' "
              f"worth (clustersim.batching.FIXED_FIRMS = {FIXED_FIRMS:.0f})")


if __name__ == "__main__":
    main()
