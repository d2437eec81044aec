"""Two writers, one folder; and crashes in the middle of compaction.

- A second sweep started on a folder in use is refused with a message naming the first (pid,
  host), and the first completes with every row, once.
- The lock is released when its owner dies (kill -9), so a crashed sweep never blocks the next.
- A sweep killed between writing a Parquet part and deleting its journal (or before renaming the
  part into place) resumes without losing or doubling any row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clustersim.experiments import OutputFolderError, load_runs, sweep
from clustersim.outputs.folders import LOCK, FolderLock

HERE = Path(__file__).resolve().parent
HELPERS = HERE.parent / "experiments"
sys.path.insert(0, str(HELPERS))

from sweep_helpers import grid_spec, noisy, slow_noisy  # noqa: E402

SCRIPT = textwrap.dedent(
    """
    import sys
    from clustersim.experiments import sweep
    from sweep_helpers import grid_spec, slow_noisy
    sweep(grid_spec(replications=int(sys.argv[2])), sys.argv[1], workers=0, run_fn=slow_noisy,
          progress=False, chunk_runs=5)
    print("first sweep done")
    """
)


def start_sweep(out: Path, replications: int) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HELPERS), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(out), str(replications)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_for_lock(out: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not (out / "runs").is_dir() or not (out / LOCK).exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first sweep did not start"
        time.sleep(0.05)


def test_second_sweep_on_a_folder_in_use_is_refused_and_the_first_keeps_every_row(tmp_path):
    out = tmp_path / "out"
    first = start_sweep(out, replications=5)  # 30 runs of ~40 ms
    try:
        wait_for_lock(out, first)
        with pytest.raises(OutputFolderError, match=rf"in use by clustersim sweep \(pid "
                                                   rf"{first.pid} on"):
            sweep(grid_spec(replications=5), out, workers=0, run_fn=slow_noisy, progress=False)
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 0, stderr
    runs = load_runs(out)
    assert list(runs["run_index"]) == list(range(30)) and (runs["status"] == "ok").all()
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 30  # no row written twice, none lost
    assert not (out / LOCK).exists()  # released on exit


def test_a_killed_owner_leaves_no_lock_behind(tmp_path):
    out = tmp_path / "out"
    first = start_sweep(out, replications=5)
    wait_for_lock(out, first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert (out / LOCK).exists()  # the record is there, but the kernel released the lock
    summary = sweep(grid_spec(replications=5), out, workers=0, run_fn=slow_noisy,
                    progress=False)
    assert summary.failed == 0
    assert len(load_runs(out)) == 30 == len(pd.read_parquet(out / "runs"))


def test_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    with FolderLock(tmp_path / LOCK, "sweep"), pytest.raises(OutputFolderError,
                                                              match=f"pid {os.getpid()}"):
        FolderLock(tmp_path / LOCK, "compare").acquire()
    with FolderLock(tmp_path / LOCK, "compare") as again:  # released: can be taken again
        assert again.fd is not None


def _journal_from(part: Path) -> Path:
    """Recreate the journal a part was compacted from (the state after a crash between writing
    the part and deleting the journal)."""
    table = pq.read_table(part)
    journal = part.with_name(part.name.replace("part-", "_journal-", 1)
                             .removesuffix(".parquet") + ".arrows")
    with pa.OSFile(str(journal), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return journal


@pytest.mark.parametrize("crash", ["after-part-before-unlink", "before-part-rename",
                                   "journal-only"])
def test_kill_during_compaction_loses_nothing(tmp_path, crash):
    out = tmp_path / "out"
    spec = grid_spec(replications=4)  # 24 runs, parts of 5
    sweep(spec, out, workers=0, run_fn=noisy, progress=False, chunk_runs=5)
    expected = load_runs(out)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    journal = _journal_from(part)
    if crash == "before-part-rename":
        (out / "runs" / f".tmp-deadbeef-{part.name}").write_bytes(part.read_bytes()[:50])
        part.unlink()
    elif crash == "journal-only":
        part.unlink()
    summary = sweep(spec, out, workers=0, run_fn=noisy, progress=False, chunk_runs=5)
    assert summary.ran == 0 and summary.already_done == 24
    assert not journal.exists() and not list((out / "runs").glob(".tmp-*"))
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 24 and not raw["run_index"].duplicated().any()
    pd.testing.assert_frame_equal(load_runs(out), expected)
