"""End to end with the real model, through the ``clustersim`` entry point and click."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner
from sweep_helpers import ROOT, comparable, tiny_model_experiment

from clustersim.experiments import load_results, load_runs, read_manifest
from clustersim.experiments.cli import sensitivity_command, sweep_command

CLUSTERSIM = shutil.which("clustersim")


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``clustersim`` command (falls back to ``python -m clustersim.cli``)."""
    command = [CLUSTERSIM] if CLUSTERSIM else [sys.executable, "-m", "clustersim.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_quick_experiment_runs_in_under_a_minute_through_the_entry_point(tmp_path):
    out = tmp_path / "quick"
    start = time.perf_counter()
    done = cli("sweep", "experiments/quick.yaml", "--out", str(out), "--workers", "2")
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert elapsed < 60
    assert "18 runs done, 0 failed" in done.stdout
    assert "quick: 100%" in done.stderr and "failed=0" in done.stderr  # the progress bar
    results = load_results(out)
    assert len(results.runs) == 18 and (results.runs["status"] == "ok").all()
    assert results.steps is not None and set(results.steps["step"]) == {0, 12, 24, 36, 48, 60}
    manifest = read_manifest(out)
    assert manifest["experiment"]["name"] == "quick" and manifest["n_runs"] == 18
    # the same command again resumes: nothing left to run
    again = cli("sweep", "experiments/quick.yaml", "--out", str(out))
    assert again.returncode == 0 and "0 runs done" in again.stdout
    assert "18 were already done" in again.stdout


def test_real_model_rows_identical_in_process_and_with_two_processes(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml")
    runner = CliRunner()
    tables = []
    for workers in ("0", "2"):
        out = tmp_path / f"w{workers}"
        result = runner.invoke(sweep_command, [str(path), "--out", str(out), "--workers",
                                               workers, "--no-progress"])
        assert result.exit_code == 0, result.output
        tables.append(comparable(load_runs(out)))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    runs = tables[0]
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    # replications of a point differ (no fixed-seed clones), and levers matter
    first = runs[runs["point_id"] == 0]
    assert first["seed"].nunique() == 2


def test_steps_and_replications_override_the_file(tmp_path):
    path = tiny_model_experiment(tmp_path / "tiny.yaml", outputs={"kpis": ["members"],
                                                                 "record": "all"})
    out = tmp_path / "out"
    done = cli("sweep", str(path), "--out", str(out), "--replications", "1", "--steps", "5",
               "--workers", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    results = load_results(out)
    assert len(results.runs) == 4
    assert results.steps["step"].max() == 5


def test_invalid_file_gives_a_clear_message_and_exit_code_2(tmp_path):
    path = tiny_model_experiment(tmp_path / "bad.yaml", replicatons=3)
    done = cli("sweep", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert "replicatons: unknown field; did you mean 'replications'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_sensitivity_command_on_the_real_model(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "morris.yaml",
        replications=1,
        parameters={"policy.funding.annual_budget": {"bounds": [0, 200000]},
                    "policy.translation_support": {"bounds": [0, 1]}},
        design={"type": "morris", "trajectories": 4},
        outputs={"kpis": ["export_ties", "public_spent"]},
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(sensitivity_command, [str(path), "--out", str(out),
                                                      "--workers", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert len(table) == 4 and {"mu_star", "sigma", "mu_star_conf"} <= set(table.columns)
    spent = table[(table["kpi"] == "public_spent")].set_index("parameter")["mu_star"]
    # public money spent depends on the budget, not on translation support
    assert spent["policy.funding.annual_budget"] > 0
    assert spent["policy.translation_support"] == pytest.approx(0.0, abs=1e-9)
    assert (out / "sensitivity" / "indices.png").stat().st_size > 1000
    again = cli("sensitivity", str(path), "--out", str(out), "--analyze-only",
                "--kpi", "export_ties")
    assert again.returncode == 0, again.stderr
    assert "export_ties" in again.stdout and "public_spent" not in again.stdout


def test_final_values_do_not_depend_on_what_is_recorded(tmp_path):
    """record: final lets the model compute indicators only at the end; same final values."""
    tables = []
    for record in ("final", "all", 5):
        path = tiny_model_experiment(tmp_path / f"r{record}.yaml",
                                     outputs={"kpis": "all", "record": record})
        out = tmp_path / f"out{record}"
        result = CliRunner().invoke(sweep_command, [str(path), "--out", str(out), "--workers",
                                                    "0", "--no-progress"])
        assert result.exit_code == 0, result.output
        tables.append(comparable(load_runs(out)))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])
