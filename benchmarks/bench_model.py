"""Model speed and memory: baseline, national programme and a scaling series.

Prints, for each case: build time, run time, steps per second, agent-steps per second (firms plus
partners plus facilitators, times steps) and peak resident memory of a fresh process. Each case runs
in its own subprocess so peak memory is that case's alone.

    python benchmarks/bench_model.py            # all cases
    python benchmarks/bench_model.py --quick    # baseline and national programme only

Targets (issue 2): national programme (64 clusters, ~3,000 firms, ~6,000 partners, 120 steps)
under 15 s on 2 cores; doubling agents costs at most 2.3x the time; 12,000 firms under 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALING_FIRMS = (1500, 3000, 6000, 12000)
NATIONAL_CLUSTERS = 64


def run_case(scenario_file: str, overrides: dict, steps: int) -> dict:
    """Build and run one model in this process; returns timings and peak RSS."""
    import resource

    from clustersim.model import ClusterModel
    from clustersim.scenario import load_scenario

    scenario = load_scenario(ROOT / scenario_file, overrides=overrides or None)
    start = time.perf_counter()
    model = ClusterModel(scenario)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    done = time.perf_counter()
    agents = model.firms.n + model.partners.n + model.facilitators.n
    run_s = done - built
    return {
        "firms": model.firms.n,
        "partners": model.partners.n,
        "clusters": model.facilitators.n,
        "relations_end": model.relations.n,
        "build_s": built - start,
        "run_s": run_s,
        "steps_per_s": steps / run_s,
        "agent_steps_per_s": agents * steps / run_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_subprocess(scenario_file: str, overrides: dict, steps: int) -> dict:
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); from bench_model import run_case; "
        f"print(json.dumps(run_case({scenario_file!r}, {overrides!r}, {steps:d})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def scaling_overrides(n_firms: int) -> dict:
    """The national programme scaled to ``n_firms``: 64 clusters, growth group resized."""
    embryonic, mature = 5 * 30, 140
    growth_each = max(2, round((n_firms - embryonic - mature) / 58))
    return {"clusters.1.n_firms": growth_each}


def report(label: str, r: dict) -> None:
    print(f"{label:<34} firms {r['firms']:>6}  partners {r['partners']:>6}  "
          f"build {r['build_s']:6.2f} s  run {r['run_s']:6.2f} s  "
          f"{r['steps_per_s']:7.1f} steps/s  {r['agent_steps_per_s'] / 1e6:6.2f} M agent-steps/s  "
          f"peak {r['peak_rss_mib']:7.0f} MiB  relations {r['relations_end']:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the scaling series")
    parser.add_argument("--steps", type=int, default=120)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu n/a'}, "
          f"python {platform.python_version()}, cores {__import__('os').cpu_count()}")
    report("baseline (45 firms)", in_subprocess("scenarios/baseline.yaml", {}, args.steps))
    national = in_subprocess("scenarios/national_programme.yaml", {}, args.steps)
    report("national programme (64 clusters)", national)
    total = national["run_s"] + national["build_s"]
    print(f"  national programme target < 15 s: {'PASS' if total < 15 else 'FAIL'}")
    if args.quick:
        return
    previous = None
    for n in SCALING_FIRMS:
        r = in_subprocess("scenarios/national_programme.yaml", scaling_overrides(n), args.steps)
        report(f"scaling ~{n} firms", r)
        if previous is not None:
            ratio = r["run_s"] / previous["run_s"]
            agents_ratio = r["firms"] / previous["firms"]
            print(f"  time ratio {ratio:.2f}x for {agents_ratio:.2f}x agents "
                  f"(target <= 2.3x): {'PASS' if ratio <= 2.3 else 'FAIL'}")
        previous = r
    print(f"  12,000-firm peak memory {previous['peak_rss_mib']:.0f} MiB (target < 2048 MiB): "
          f"{'PASS' if previous['peak_rss_mib'] < 2048 else 'FAIL'}")


if __name__ == "__main__":
    main()
