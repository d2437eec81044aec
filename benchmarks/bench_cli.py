"""Start-up time of the command line: ``clustersim --help`` and ``clustersim run`` on the baseline.

Runs each command ``--repeat`` times in fresh processes and prints the median and minimum wall
time, and the median CPU time (user + system) of the process, which other load on a shared
machine inflates less than the wall time. One untimed run per command and tree comes first (it
warms the file cache). With ``--before SRC`` the same commands run with another source tree too
(e.g. a ``git archive`` of the commit before a change), interleaved run by run, so before and
after see the same machine load:

    python benchmarks/bench_cli.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_once(cmd: list[str], src: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process running ``cmd`` with ``src`` on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=str(src))
    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{out}", str(Path(tmp) / "out")) for a in cmd]
        cpu = children_cpu()
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="source tree to compare with")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "clustersim.cli"]
    baseline = str(ROOT / "scenarios/baseline.yaml")
    cases = {
        "clustersim --help": [*cli, "--help"],
        "clustersim run baseline --no-chart": [*cli, "run", baseline, "--no-chart",
                                               "--no-progress", "--out", "{out}"],
        "clustersim run baseline (chart)": [*cli, "run", baseline, "--no-progress",
                                            "--out", "{out}"],
    }
    trees = ([("before", args.before)] if args.before else []) + [("after", ROOT / "src")]
    print(f"python {sys.version.split()[0]}, cores {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.2f}, {args.repeat} runs each")
    for label, cmd in cases.items():
        for _, src in trees:
            timed_once(cmd, src)  # warm-up, not counted
        times: dict[str, list[tuple[float, float]]] = {tree: [] for tree, _ in trees}
        for _ in range(args.repeat):
            for tree, src in trees:  # interleaved: before and after see the same machine load
                times[tree].append(timed_once(cmd, src))
        for tree, runs in times.items():
            wall = [w for w, _ in runs]
            cpu = [c for _, c in runs]
            print(f"{label:<36} {tree:<6} wall median {statistics.median(wall):5.2f} s  "
                  f"min {min(wall):5.2f} s   CPU median {statistics.median(cpu):5.2f} s  "
                  f"min {min(cpu):5.2f} s")
    print(f"load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
