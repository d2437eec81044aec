"""Start-up time of the command line: ``clustersim --help`` and ``clustersim run`` on the baseline.

Runs each command ``--repeat`` times in fresh processes and prints the median and minimum wall
time. With ``--before SRC`` the same commands run with another source tree first (e.g. a
``git archive`` of the commit before a change), so before and after come from one run:

    python benchmarks/bench_cli.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], src: Path, repeat: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(src))
    times = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            args = [a.replace("{out}", str(Path(tmp) / f"out{i}")) for a in cmd]
            start = time.perf_counter()
            subprocess.run(args, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="source tree to compare with")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "clustersim.cli"]
    cases = {
        "clustersim --help": [*cli, "--help"],
        "clustersim run baseline --no-chart": [*cli, "run", str(ROOT / "scenarios/baseline.yaml"),
                                               "--no-chart", "--no-progress", "--out", "{out}"],
        "clustersim run baseline (chart)": [*cli, "run", str(ROOT / "scenarios/baseline.yaml"),
                                            "--no-progress", "--out", "{out}"],
    }
    trees = ([("before", args.before)] if args.before else []) + [("after", ROOT / "src")]
    print(f"python {sys.version.split()[0]}, cores {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.2f}, {args.repeat} runs each")
    for label, cmd in cases.items():
        for tree, src in trees:  # interleaved: before and after see the same machine load
            t = timed(cmd, src, args.repeat)
            print(f"{label:<38} {tree:<6} median {statistics.median(t):5.2f} s  "
                  f"min {min(t):5.2f} s")


if __name__ == "__main__":
    main()
