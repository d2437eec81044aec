"""The sweep runner: identical rows whatever the executor, failures recorded, resume, retries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import (
    comparable,
    fails_while_flag_exists,
    grid_spec,
    kills_worker_at_a_2,
    noisy,
    noisy_with_steps,
    raises_at_a_3,
)

from clustersim.experiments import (
    OutputFolderError,
    load_results,
    load_runs,
    read_manifest,
    run_seed,
    sweep,
)
from clustersim.experiments.executors import ExecutorOptions


def test_rows_are_identical_with_1_process_2_processes_in_process_and_local_dask(tmp_path):
    spec = grid_spec(replications=4)
    tables = {}
    for label, options in {
        "1 process": ExecutorOptions("process", workers=1),
        "2 processes": ExecutorOptions("process", workers=2),
        "in process": ExecutorOptions("serial"),
        "local dask": ExecutorOptions("dask", workers=2),
    }.items():
        out = tmp_path / label.replace(" ", "_")
        summary = sweep(spec, out, executor=options, run_fn=noisy, progress=False,
                        chunk_runs=5)
        assert summary.ok == 24 and summary.failed == 0
        tables[label] = comparable(load_runs(out))
    reference = tables.pop("1 process")
    assert list(reference["run_index"]) == list(range(24))
    for label, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, obj=label)
    # the values are the run function's at the documented seeds
    row = reference.iloc[13]
    expected = noisy({"a": row["a"], "b": row["b"]}, run_seed(11, 13))
    assert row["y"] == expected["y"] and row["seed"] == run_seed(11, 13)


def test_a_raising_run_is_recorded_and_the_rest_complete(out):
    summary = sweep(grid_spec(), out, workers=2, run_fn=raises_at_a_3, progress=False)
    assert (summary.ok, summary.failed) == (12, 6)
    runs = load_runs(out)
    failed = runs[runs["status"] == "failed"]
    assert set(failed["a"]) == {3} and len(failed) == 6
    assert failed["error"].str.contains("ValueError: model blew up at a=3").all()
    assert failed["traceback"].str.contains("raises_at_a_3").all()
    assert failed["y"].isna().all()
    ok = runs[runs["status"] == "ok"]
    assert ok["y"].notna().all() and ok["error"].isna().all()


def test_retry_failed_reruns_only_the_failed_runs(tmp_path):
    flag = tmp_path / "broken"
    flag.write_text("x")
    spec = grid_spec(
        parameters={},
        design={"type": "explicit",
                "points": [{"flag": str(flag)}, {"flag": ""}, {"flag": ""}]},
        outputs={"kpis": ["y"]},
        replications=2,
    )
    out = tmp_path / "out"
    first = sweep(spec, out, workers=2, run_fn=fails_while_flag_exists, progress=False)
    assert (first.ok, first.failed) == (4, 2)
    flag.unlink()  # "fix the model"
    again = sweep(spec, out, workers=2, run_fn=fails_while_flag_exists, progress=False)
    assert again.ran == 0  # failed runs are not retried without --retry-failed
    retry = sweep(spec, out, workers=2, run_fn=fails_while_flag_exists, progress=False,
                  retry_failed=True)
    assert (retry.ran, retry.ok) == (2, 2)
    runs = load_runs(out)
    assert list(runs["run_index"]) == list(range(6)) and (runs["status"] == "ok").all()
    assert list(runs["attempt"]) == [2, 1, 1, 2, 1, 1]
    raw = pd.read_parquet(out / "runs")  # the dataset itself holds one row per run
    assert sorted(raw["run_index"]) == list(range(6))


def test_a_worker_process_that_dies_fails_only_its_own_runs(out):
    summary = sweep(grid_spec(replications=2), out, workers=2, run_fn=kills_worker_at_a_2,
                    progress=False)
    runs = load_runs(out)
    assert len(runs) == 12 and summary.ran == 12
    failed = runs[runs["status"] == "failed"]
    assert set(failed["a"]) == {2} and len(failed) == 4
    assert failed["error"].str.contains("worker process died").all()
    assert (runs.loc[runs["a"] != 2, "status"] == "ok").all()


def test_many_crashing_runs_are_each_pinned_without_stopping_the_sweep(out):
    """Six runs kill their worker: each is re-run alone and recorded as failed. A crash pinned
    on its run is progress, so the sweep does not stop as if the executor kept breaking."""
    spec = grid_spec(replications=2, parameters={"a": [1, 2, 3], "b": [0.0, 0.25, 0.5]})
    summary = sweep(spec, out, workers=2, run_fn=kills_worker_at_a_2, progress=False)
    runs = load_runs(out)
    assert summary.ran == 18 and (summary.ok, summary.failed) == (12, 6)
    assert set(runs.loc[runs["status"] == "failed", "a"]) == {2}


def test_more_replications_later_add_runs_and_keep_the_old_ones(out):
    sweep(grid_spec(replications=2), out, workers=2, run_fn=noisy, progress=False)
    before = comparable(load_runs(out))
    more = sweep(grid_spec(replications=2), out, replications=5, workers=2, run_fn=noisy,
                 progress=False)
    assert (more.already_done, more.ran) == (12, 18)
    after = comparable(load_runs(out))
    assert list(after["run_index"]) == list(range(30))
    pd.testing.assert_frame_equal(after.iloc[:12], before)
    assert read_manifest(out)["replications"] == 5


def test_a_different_experiment_is_refused_in_the_same_folder(out):
    sweep(grid_spec(), out, workers=0, run_fn=noisy, progress=False)
    with pytest.raises(OutputFolderError, match="different experiment"):
        sweep(grid_spec(seed=12), out, workers=0, run_fn=noisy, progress=False)


def test_a_non_empty_folder_without_manifest_is_refused(out):
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(OutputFolderError, match="did not write"):
        sweep(grid_spec(), out, workers=0, run_fn=noisy, progress=False)
    with pytest.raises(OutputFolderError, match="did not write"):  # not even with --overwrite
        sweep(grid_spec(), out, workers=0, run_fn=noisy, progress=False, overwrite=True)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]
    assert (out / "thesis.tex").read_text() == "precious"


def test_per_step_table_every_k_steps(out):
    spec = grid_spec(outputs={"kpis": ["y", "u"], "record": 10}, replications=2)
    sweep(spec, out, workers=2, run_fn=noisy_with_steps, progress=False, chunk_runs=4)
    results = load_results(out)
    steps = results.steps
    assert steps is not None
    assert sorted(steps["step"].unique()) == [0, 10, 20, 24]  # every 10th and the last
    assert len(steps) == 12 * 4
    assert not steps.duplicated(["run_index", "step"]).any()
    last = steps[steps["step"] == 24].set_index("run_index")["y"]
    runs = results.runs.set_index("run_index")["y"]
    np.testing.assert_array_equal(last.sort_index().to_numpy(), runs.sort_index().to_numpy())
    # written in chunks, no journal left behind
    assert len(list((out / "runs").glob("part-*.parquet"))) >= 3
    assert not list(out.rglob("_journal-*"))


def test_manifest_records_file_hash_versions_and_seed_scheme(tmp_path):
    from sweep_helpers import write_yaml

    path = write_yaml(tmp_path / "toy.yaml", grid_spec().model_dump(mode="json"))
    out = tmp_path / "out"
    sweep(path, out, workers=0, run_fn=noisy, progress=False)
    manifest = read_manifest(out)
    import hashlib

    assert manifest["experiment"]["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["experiment"]["source"] == str(path.resolve())
    assert "SeedSequence(experiment_seed, spawn_key=(run_index,))" in \
        manifest["seed"]["description"]
    assert manifest["seed"]["experiment_seed"] == 11
    assert {"clustersim", "numpy", "SALib"} <= set(manifest["versions"])
    assert manifest["sessions"][-1]["status"] == "completed"
    assert (out / "experiment.yaml").read_bytes() == path.read_bytes()


def test_run_functions_from_notebooks_and_closures_work_in_worker_processes(tmp_path):
    offset = 100.0

    def closure(params, seed):  # not importable by name: sent by value
        return {"y": params["a"] + offset, "u": 0.0}

    out = tmp_path / "closure"
    summary = sweep(grid_spec(replications=1), out, workers=2, run_fn=closure, progress=False)
    assert summary.ok == 6
    assert sorted(load_runs(out)["y"]) == [101.0, 101.0, 102.0, 102.0, 103.0, 103.0]

    # a function defined in a script's __main__, without an `if __name__ == "__main__"` guard
    script = (
        "from clustersim.experiments import Experiment, sweep, load_runs\n"
        "def f(params, seed):\n"
        "    return {'y': params['a'] * 2.0}\n"
        "spec = Experiment.model_validate({'name': 'nb', 'parameters': {'a': [1, 2, 3]},\n"
        "                                  'outputs': {'kpis': ['y']}})\n"
        f"s = sweep(spec, {str(tmp_path / 'nb')!r}, workers=2, run_fn=f, progress=False)\n"
        "print(s.ok, s.failed, sorted(load_runs(s.out)['y']))\n"
    )
    import shutil
    import subprocess
    import sys

    path = tmp_path / "unguarded_script.py"
    path.write_text(script)
    for command in ([sys.executable, str(path)], [sys.executable, "-c", script]):
        shutil.rmtree(tmp_path / "nb", ignore_errors=True)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "3 0 [2.0, 4.0, 6.0]"  # printed once: no re-import


def test_backend_problems_fail_before_anything_is_written(out, monkeypatch):
    from clustersim.experiments import executor_options, executors

    monkeypatch.setitem(executors.REQUIRES, "mpi", ("no_such_module_for_mpi", "mpi4py"))
    with pytest.raises(RuntimeError, match=r"needs mpi4py \(pip install mpi4py\)"):
        sweep(grid_spec(), out, mpi=True, run_fn=noisy, progress=False)
    with pytest.raises(ValueError, match="unknown executor backend 'carrier-pigeon'"):
        sweep(grid_spec(), out, executor=ExecutorOptions("carrier-pigeon"), run_fn=noisy,
              progress=False)
    assert not out.exists()
    with pytest.raises(ValueError, match="choose one of --scheduler, --dask-local"):
        executor_options(scheduler="tcp://x:1", dask_local=2)
    assert executor_options(workers=0).backend == "serial"
    assert executor_options().backend == "process"
