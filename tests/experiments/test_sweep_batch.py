"""The sweep runner's batched runs: batch size choice, reproducibility whatever the workers,
resume and extension, manifest, and the options that turn batching off."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from sweep_helpers import comparable, grid_spec, noisy, tiny_model_experiment

from clustersim.batching import BATCH_FIRMS, MAX_BATCH, auto_batch_size, batch_starts
from clustersim.experiments import load_runs, read_manifest
from clustersim.experiments.api import sweep
from clustersim.experiments.cli import sweep_command
from clustersim.experiments.plan import prepare_plan
from clustersim.experiments.spec import ExperimentError
from clustersim.experiments.storage import OutputFolderError


def test_auto_batch_size_fills_a_batch_up_to_the_firm_budget_at_least_cost():
    assert auto_batch_size(45, 10) == 10
    assert auto_batch_size(45, 20) == 20
    assert auto_batch_size(45, 40) == 20  # two full batches rather than 32 + 8 of 32
    assert auto_batch_size(45, 64) == MAX_BATCH
    assert auto_batch_size(180, 20) == 10  # at most BATCH_FIRMS firms in a batch
    assert auto_batch_size(45, 3) == 3  # never more than the replications asked for
    assert auto_batch_size(BATCH_FIRMS // 2, 10) == 2
    assert auto_batch_size(BATCH_FIRMS + 1, 10) == 1  # large models run one by one
    assert auto_batch_size(None, 10) == 1  # a custom run function
    assert auto_batch_size(45, 1) == 1


def test_batch_starts_are_aligned_to_the_batch_size():
    assert batch_starts([0, 1, 5, 9, 10], 4) == [0, 4, 8]
    assert batch_starts(range(20, 40), 10) == [20, 30]
    assert batch_starts([], 3) == []


def test_plan_batches_cover_every_run_once_and_always_simulate_whole_batches(tmp_path):
    plan = prepare_plan(tiny_model_experiment(tmp_path / "t.yaml", replications=5),
                        batch_size=2)
    batches = list(plan.batches())
    recorded = sorted(t.run_index for b in batches for t in b.tasks)
    assert recorded == list(range(plan.n_runs))
    assert all(len(b.seeds) == 2 for b in batches)  # the last batch is simulated whole
    last = [b for b in batches if b.first_replication == 4]
    assert all(len(b.tasks) == 1 and b.tasks[0].replication == 4 for b in last)
    for b in batches:  # a member's seed is its run's seed
        for t in b.tasks:
            assert b.seeds[t.replication - b.first_replication] == t.seed
    assert plan.plan_hash() != plan.with_batch_size(1).plan_hash()


def test_auto_plan_on_the_real_model_batches_and_a_custom_function_does_not(tmp_path):
    plan = prepare_plan(tiny_model_experiment(tmp_path / "t.yaml", replications=8))
    assert plan.batch_auto and plan.largest_firms == 10
    assert plan.batch_size == 8
    custom = prepare_plan(grid_spec(), run_fn=noisy)
    assert custom.batch_size == 1
    with pytest.raises(ExperimentError, match="one replication at a time"):
        prepare_plan(grid_spec(), run_fn=noisy, batch_size=4)


def test_batched_sweep_is_identical_in_process_and_with_two_workers(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml", replications=4)
    tables = []
    for workers in (0, 2):
        out = tmp_path / f"w{workers}"
        sweep(path, out, workers=workers, progress=False, batch_size=2)
        tables.append(comparable(load_runs(out)))
        assert read_manifest(out)["batch_size"] == 2
    pd.testing.assert_frame_equal(tables[0], tables[1])
    runs = tables[0]
    assert len(runs) == 16 and (runs["status"] == "ok").all()
    assert runs.groupby("point_id")["export_ties"].nunique().min() > 1  # distinct replications


def test_extending_a_batched_sweep_leaves_earlier_runs_unchanged(tmp_path):
    """3 replications in batches of 2 simulate replication 3 too; extending to 4 records it with
    the values it had then, and the earlier rows do not move."""
    path = tiny_model_experiment(tmp_path / "tiny.yaml", replications=3)
    out = tmp_path / "ext"
    sweep(path, out, workers=0, progress=False, batch_size=2)
    before = comparable(load_runs(out)).sort_values("run_index").reset_index(drop=True)
    sweep(path, out, workers=0, progress=False, batch_size=2, replications=4)
    after = comparable(load_runs(out)).sort_values("run_index").reset_index(drop=True)
    pd.testing.assert_frame_equal(after.iloc[:len(before)], before)
    whole = tmp_path / "whole"
    sweep(path, whole, workers=0, progress=False, batch_size=2, replications=4)
    pd.testing.assert_frame_equal(
        comparable(load_runs(whole)).sort_values("run_index").reset_index(drop=True), after)


def test_an_auto_folder_keeps_its_batch_size_when_replications_grow(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml", replications=2)
    out = tmp_path / "auto"
    sweep(path, out, workers=0, progress=False)
    assert read_manifest(out)["batch_size"] == 2
    first = comparable(load_runs(out)).sort_values("run_index").reset_index(drop=True)
    sweep(path, out, workers=0, progress=False, replications=6)  # auto would now pick 6
    manifest = read_manifest(out)
    assert manifest["batch_size"] == 2 and manifest["n_runs"] == 24
    after = comparable(load_runs(out)).sort_values("run_index").reset_index(drop=True)
    pd.testing.assert_frame_equal(after.iloc[:len(first)], first)


def test_a_folder_from_before_batching_resumes_one_by_one(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml", replications=2)
    out = tmp_path / "old"
    sweep(path, out, workers=0, progress=False, batch_size=1)
    manifest = read_manifest(out)
    manifest.pop("batch_size")  # as written before batching existed
    (out / "manifest.json").write_text(__import__("json").dumps(manifest), encoding="utf-8")
    summary = sweep(path, out, workers=0, progress=False, replications=3)
    assert summary.ok == 4 and summary.already_done == 8


def test_explicit_batch_size_conflicting_with_the_folder_is_refused(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml", replications=2)
    out = tmp_path / "f"
    sweep(path, out, workers=0, progress=False, batch_size=2)
    with pytest.raises(OutputFolderError, match=r"batches of 2 .* asks for 1"):
        sweep(path, out, workers=0, progress=False, batch_size=1)


def test_no_batch_flag_runs_one_by_one_like_batch_size_1(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml")
    runner = CliRunner()
    out = tmp_path / "nb"
    done = runner.invoke(sweep_command, [str(path), "--out", str(out), "--workers", "0",
                                         "--no-progress", "--no-batch"])
    assert done.exit_code == 0, done.output
    assert read_manifest(out)["batch_size"] == 1
    bad = runner.invoke(sweep_command, [str(path), "--out", str(tmp_path / "x"), "--no-batch",
                                        "--batch-size", "4", "--no-progress"])
    assert bad.exit_code == 2 and "contradict" in bad.output
    bad = runner.invoke(sweep_command, [str(path), "--out", str(tmp_path / "y"),
                                        "--batch-size", "0", "--no-progress"])
    assert bad.exit_code == 2 and "from 1 to 64" in bad.output


def test_a_batch_beyond_the_model_size_limit_is_refused_before_anything_runs(tmp_path):
    path = tiny_model_experiment(tmp_path / "big.yaml",
                                 overrides={"clusters.0.n_firms": 5000, "steps": 12})
    with pytest.raises(ExperimentError, match=r"--batch-size 64: .* 320,000 firms .* use "
                                              r"--batch-size 20 or less"):
        prepare_plan(path, batch_size=64)
    with pytest.warns(UserWarning, match="simulates 64 replications per design point and "
                                          "records 2"):
        assert prepare_plan(path, batch_size=64, allow_large=True).batch_size == 64
    assert prepare_plan(path).batch_size == 1  # auto: too large to batch


def test_a_batch_beyond_the_cluster_limit_is_refused_too(tmp_path):
    """national_programme has 64 clusters: 32 of them in one batch exceed the 2,000 clusters."""
    from sweep_helpers import write_yaml

    path = write_yaml(tmp_path / "nat.yaml", {
        "name": "nat", "scenario": "national_programme", "replications": 2,
        "overrides": {"steps": 12},
        "parameters": {"policy.funding.annual_budget": [0, 1000]},
        "outputs": {"kpis": ["export_share"]}})
    with pytest.raises(ExperimentError, match=r"--batch-size 32: .* 2,048 clusters.*use "
                                              r"--batch-size 31 or less"):
        prepare_plan(path, batch_size=32)


def test_another_experiments_folder_is_left_to_the_folder_guard(tmp_path):
    """A folder of another experiment is refused for what it is, not for its batch size, and
    --overwrite replaces it with the new plan's own batch size."""
    first = tiny_model_experiment(tmp_path / "a.yaml", replications=2)
    other = tiny_model_experiment(tmp_path / "b.yaml", replications=3, seed=99)
    out = tmp_path / "f"
    sweep(first, out, workers=0, progress=False)
    with pytest.raises(OutputFolderError, match="different experiment setup"):
        sweep(other, out, workers=0, progress=False, batch_size=1)
    sweep(other, out, workers=0, progress=False, overwrite=True)
    assert read_manifest(out)["batch_size"] == 3  # auto for 3 replications, not the old 2
    sweep(other, out, workers=0, progress=False, batch_size=1, overwrite=True)
    assert read_manifest(out)["batch_size"] == 1
