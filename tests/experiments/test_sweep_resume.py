"""Resume after a real interruption: kill the sweep process (and its workers) mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
from sweep_helpers import comparable, grid_spec, noisy, slow_noisy

from clustersim.experiments import OutputFolderError, load_runs, read_manifest, run_seed, sweep

HERE = Path(__file__).resolve().parent

SCRIPT = textwrap.dedent(
    """
    import sys
    from clustersim.experiments import sweep
    from sweep_helpers import grid_spec, slow_noisy
    sweep(grid_spec(replications=20), sys.argv[1], workers=2, run_fn=slow_noisy,
          progress=False, chunk_runs=25)
    """
)


def _committed(out: Path) -> int:
    try:
        return len(load_runs(out, ["run_index"]))
    except (FileNotFoundError, KeyError, OSError, ValueError, OutputFolderError):
        return 0


def test_killed_sweep_resumes_without_duplicates_or_losses(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out)], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _committed(out) < 40:  # past the first Parquet chunk, with a journal open
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "sweep made no progress"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its fork server and its workers
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    partial = load_runs(out)
    n_partial = len(partial)
    assert 40 <= n_partial < 120
    assert not partial["run_index"].duplicated().any()
    assert list((out / "runs").glob("_journal-*.arrows"))  # the crash left a journal behind
    # interleaved dispatch: every design point already has runs
    assert set(partial["point_id"]) == set(range(6))

    summary = sweep(grid_spec(replications=20), out, workers=2, run_fn=slow_noisy,
                    progress=False)
    assert summary.already_done == n_partial
    assert summary.ran == 120 - n_partial and summary.failed == 0

    runs = load_runs(out)
    assert list(runs["run_index"]) == list(range(120))  # no duplicates, no losses
    assert (runs["status"] == "ok").all()
    pd.testing.assert_frame_equal(  # kept rows are unchanged
        comparable(runs).iloc[partial["run_index"]].reset_index(drop=True),
        comparable(partial),
    )
    for row in runs.sample(10, random_state=0).itertuples():
        assert row.y == noisy({"a": row.a, "b": row.b}, run_seed(11, row.run_index))["y"]
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 120 and not list((out / "runs").glob("_journal-*"))
    sessions = read_manifest(out)["sessions"]
    assert [s["status"] for s in sessions] == ["completed"]  # the killed one never finished
