"""``clustersim calibrate`` on the real model in a tiny configuration: end to end, killed and
resumed, and the same posterior with one worker (in this process) and two (loky processes).

Tiny: two free parameters, population 8, 2 generations, 1 replication, two
baseline patterns as targets, 2 posterior predictive draws; 36 months, so that persistence has
a year pair after its 1-year burn-in (with 24 months every proposal would be undefined).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from clustersim.calibration import AbcBudget, calibrate, load_config, run_abc
from clustersim.calibration.simulator import PatternSimulator
from clustersim.cli import main
from clustersim.experiments.executors import ExecutorOptions, open_backend
from clustersim.validation import load_patterns

TINY = {
    "name": "tiny",
    "seed": 11,
    "free_parameters": {
        "parameters.export.tie_hazard_new": {"prior": "uniform", "low": 0.02, "high": 0.2},
        "parameters.export.own_search_prob": {"prior": "loguniform", "low": 0.03,
                                              "high": 0.3},
    },
    "targets": ["persistence_overall",
                {"pattern": "one_market_share", "observed": 0.697, "tolerance": 0.1}],
    "fixed": {"steps": 36},  # 3 years: a year pair after the 1-year burn-in of persistence
    "replications": 1,
    "budget": {"population_size": 8, "max_generations": 2},
    "posterior_predictive": {"draws": 2},
}
FILES = {"posterior.parquet", "posterior_summary.csv", "generations.csv", "failures.csv",
         "marginals.png", "pairwise.png", "predictive.csv", "predictive_draws.parquet",
         "predictive.png", "calibrated.yaml", "config.yaml", "manifest.json"}


def cli_args(config: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "clustersim.cli", "calibrate", str(config), "--out",
            str(out), "--workers", str(workers)]


def stored_generations(db: Path) -> list[int]:
    """Generations pyabc has stored; none while it is still creating the database's tables."""
    try:
        with sqlite3.connect(db) as con:
            return [row[0] for row in con.execute("SELECT t FROM populations WHERE t >= 0 "
                                                  "ORDER BY t")]
    except sqlite3.OperationalError:  # the file exists, its schema not yet
        return []


def test_tiny_real_calibration_resumes_after_kill_and_matches_two_workers(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY, sort_keys=False), encoding="utf-8")
    out = tmp_path / "one_worker"

    # 1. the command, one worker: SIGKILL its process group once generation 0 is stored
    proc = subprocess.Popen(cli_args(config, out, 1), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if (out / "calibration.db").is_file() and stored_generations(
                    out / "calibration.db") == [0]:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.1)
        else:
            raise AssertionError("generation 0 was never stored")
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "manifest.json").exists()

    # 2. the same calibration into the same folder resumes: completes, generation 0 is not
    # run again, no generation is stored twice
    lines: list[str] = []
    resumed = calibrate(config, out, report=lines.append)
    assert not any(line.startswith("generation 0:") for line in lines)
    assert any(line.startswith("generation 1:") for line in lines)
    assert {p.name for p in out.iterdir()} >= FILES
    assert stored_generations(out / "calibration.db") == [0, 1]
    generations = pd.read_csv(out / "generations.csv")
    assert list(generations["generation"]) == [0, 1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed_from_generation"] == 1
    # one replication per proposal: nothing to batch
    assert manifest["simulations"]["replication_batch"] == "auto"
    assert manifest["simulations"]["batch_size_by_scenario"] == {"baseline": 1}
    # the timings of every stored generation, also those of the killed invocation
    assert manifest["timing_s"]["abc_all_generations"] == pytest.approx(
        generations["seconds"].sum(), abs=1e-3)
    assert manifest["timing_s"]["abc_all_generations"] > manifest["timing_s"]["abc_sampling"]
    assert manifest["final_ess"] == pytest.approx(
        pd.read_csv(out / "generations.csv")["ess"].iloc[-1])
    assert manifest["failures"]["count"] == len(pd.read_csv(out / "failures.csv"))
    posterior = pd.read_parquet(out / "posterior.parquet")
    pd.testing.assert_frame_equal(posterior, resumed.posterior)
    assert len(posterior) == 8 and abs(posterior["weight"].sum() - 1) < 1e-12
    predictive = pd.read_csv(out / "predictive.csv")
    assert len(predictive) == len(load_patterns())  # every pattern, targets and the others
    assert set(predictive.loc[predictive.target, "pattern"]) == {"persistence_overall",
                                                                 "one_market_share"}
    # the spread is in units of the accepted range ([0.6, 0.78] for overall persistence)
    row = predictive.set_index("pattern").loc["persistence_overall"]
    assert row["spread_over_range"] == pytest.approx((row["q975"] - row["q025"]) / 0.18)
    calibrated = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert set(calibrated["parameters"]["export"]) == {"tie_hazard_new", "own_search_prob"}
    assert not (out / "point_estimate.csv").exists()

    # 2b. the finished folder given another point estimate (not part of its identity): the
    # posterior is read back, calibrated.yaml becomes the chosen particle
    best = tmp_path / "best.yaml"
    best.write_text(yaml.safe_dump({**TINY, "point_estimate": {"method": "best_particle",
                                                               "replications": 1}},
                                   sort_keys=False))
    calibrate(best, out)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"), posterior)
    point = pd.read_csv(out / "point_estimate.csv")
    assert point["chosen"].sum() == 1 and len(point) <= len(posterior)
    chosen = point.loc[point["chosen"]].iloc[0]
    assert chosen["score"] == point["score"].max()
    export = yaml.safe_load((out / "calibrated.yaml").read_text())["parameters"]["export"]
    assert export["tie_hazard_new"] == pytest.approx(
        chosen["parameters.export.tie_hazard_new"], rel=1e-5)
    assert "deepest inside its range" in (out / "calibrated.yaml").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["point_estimate"] == {
        "method": "best_particle", "patterns": "targets", "replications": 1}
    assert manifest["timing_s"]["point_estimate"] > 0
    calibrate(config, out)  # back to the medians: the selection's table goes with it
    assert not (out / "point_estimate.csv").exists()
    assert yaml.safe_load((out / "calibrated.yaml").read_text()) == calibrated

    # 3. two worker processes, uninterrupted, through the same ABC code (without the
    # predictive check, to keep the test short): the same posterior and generations
    resolved = load_config(config)
    cfg = resolved.config
    simulator = PatternSimulator(resolved.target_patterns, cfg.replications, resolved.measured,
                                 cfg.fixed)
    with open_backend(ExecutorOptions("process", workers=2)) as handle:
        two = run_abc(resolved.parameters, resolved.targets, simulator,
                      AbcBudget(**cfg.budget.model_dump()), cfg.seed, tmp_path / "two",
                      executor=handle.executor)
    pd.testing.assert_frame_equal(two.posterior, posterior)
    pd.testing.assert_frame_equal(
        two.generations[["epsilon", "evaluations", "simulations"]],
        generations[["epsilon", "evaluations", "simulations"]])


def test_output_folder_of_another_command_is_refused(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY, sort_keys=False), encoding="utf-8")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["calibrate", str(config), "--out", str(foreign)])
    assert result.exit_code == 2
    assert "clustersim never deletes folders it did not write" in result.output
    assert (foreign / "notes.txt").read_text() == "mine"


def test_batched_replications_give_the_same_posterior_with_one_and_two_workers(tmp_path):
    """Replications batched two at a time (``replication_batch: 2``): the batch is formed inside
    each simulation, so the posterior is the same in this process and on two worker
    processes, and it differs from one-by-one replications (the batch really ran)."""
    batched = {**TINY, "replications": 2, "replication_batch": 2,
               "budget": {"population_size": 6, "max_generations": 2}}
    config = tmp_path / "batched.yaml"
    config.write_text(yaml.safe_dump(batched, sort_keys=False), encoding="utf-8")
    resolved = load_config(config)
    cfg = resolved.config

    def posterior(batch_size: int, workers: int, folder: str) -> pd.DataFrame:
        simulator = PatternSimulator(resolved.target_patterns, cfg.replications,
                                     resolved.measured, cfg.fixed, batch_size=batch_size)
        budget = AbcBudget(**cfg.budget.model_dump())
        if workers == 1:
            return run_abc(resolved.parameters, resolved.targets, simulator, budget, cfg.seed,
                           tmp_path / folder).posterior
        with open_backend(ExecutorOptions("process", workers=workers)) as handle:
            return run_abc(resolved.parameters, resolved.targets, simulator, budget, cfg.seed,
                           tmp_path / folder, executor=handle.executor).posterior

    one = posterior(2, 1, "one")
    pd.testing.assert_frame_equal(posterior(2, 2, "two"), one)
    unbatched = posterior(1, 1, "unbatched")
    assert not unbatched.equals(one)
