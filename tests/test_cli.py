"""The ``clustersim`` command through its real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

import clustersim
from clustersim.cli import main, run_command, validate_command
from clustersim.scenario import load_scenario, scenario_hash

EXE = shutil.which("clustersim")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    assert EXE, "the clustersim entry point is not installed"
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=180, cwd=cwd)


def options_of(command) -> list[str]:
    return [opt for p in command.params for opt in (*p.opts, *p.secondary_opts)
            if opt.startswith("-")]


def test_help_lists_every_command_and_option():
    result = cli("--help")
    assert result.returncode == 0, result.stderr
    for name in ("run", "validate-scenario"):
        assert name in result.stdout
    for opt in options_of(main):
        assert opt in result.stdout
    assert "--version" in result.stdout


def test_run_help_lists_every_option():
    result = cli("run", "--help")
    assert result.returncode == 0, result.stderr
    options = options_of(run_command)
    assert {"--out", "--format", "--seed", "--steps", "--set", "--no-progress"} <= set(options)
    for opt in options:
        assert opt in result.stdout, f"{opt} missing from run --help"
    assert "SCENARIO_FILE" in result.stdout


def test_validate_help():
    result = cli("validate-scenario", "--help")
    assert result.returncode == 0
    for opt in options_of(validate_command):
        assert opt in result.stdout


def test_version():
    result = cli("--version")
    assert result.returncode == 0
    assert clustersim.__version__ in result.stdout


@pytest.fixture(scope="module")
def baseline_out(tmp_path_factory, scenarios_dir):
    out = tmp_path_factory.mktemp("cli") / "run"
    result = cli("run", str(scenarios_dir / "baseline.yaml"), "--out", str(out), "--steps",
                 "12", "--no-progress")
    return result, out


def test_run_writes_outputs(baseline_out, baseline):
    result, out = baseline_out
    assert result.returncode == 0, result.stderr
    assert "final KPIs" in result.stdout
    assert "export_share" in result.stdout and "export_ties" in result.stdout
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert kpis["step"].tolist() == list(range(13))
    network = pd.read_parquet(out / "network.parquet")
    assert {"firm", "partner", "tie", "market"} <= set(network.columns)
    assert network["tie"].sum() == kpis["export_ties"].iloc[-1]
    assert (out / "kpis.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(out.glob("*.csv"))


def test_run_manifest(baseline_out, baseline):
    _, out = baseline_out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["clustersim_version"] == clustersim.__version__
    assert manifest["scenario_sha256"] == scenario_hash(baseline)
    assert manifest["seed"] == baseline.seed
    assert manifest["steps"] == 12
    assert isinstance(manifest["wall_time_s"], int | float) and manifest["wall_time_s"] > 0
    assert manifest["parameters"] == baseline.model_dump(mode="json")
    for name in manifest["files"].values():
        assert (out / name).is_file()


def test_run_csv_seed_and_set(tmp_path, scenarios_dir, baseline):
    out = tmp_path / "csv"
    result = cli("run", str(scenarios_dir / "baseline.yaml"), "--out", str(out), "--steps", "3",
                 "--format", "csv", "--seed", "77", "--no-chart", "--no-progress",
                 "--set", "policy.funding.annual_budget=0")
    assert result.returncode == 0, result.stderr
    kpis = pd.read_csv(out / "kpis.csv")
    assert len(kpis) == 4
    assert (out / "network.csv").is_file()
    assert not list(out.glob("*.parquet")) and not (out / "kpis.png").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 77
    assert manifest["parameters"]["policy"]["funding"]["annual_budget"] == 0
    assert manifest["scenario_sha256"] != scenario_hash(baseline)
    assert kpis["income_public"].iloc[-1] == 0


def write_bad(tmp_path: Path, scenarios_dir: Path, change: dict) -> Path:
    data = yaml.safe_load((scenarios_dir / "baseline.yaml").read_text())
    if "extends" in data:  # relative to the shipped file, which the copy does not sit beside
        data["extends"] = str((scenarios_dir / data["extends"]).resolve())
    for dotted, value in change.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
    path = tmp_path / "bad scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(("change", "expected"), [
    ({"policy.transaltion_support": 0.5},
     ["policy.transaltion_support", "did you mean 'translation_support'"]),
    ({"clusters.0.n_firms": 1}, ["clusters.0.n_firms = 1", ">= 2"]),
    ({"markets.uk.language_barrier": 7}, ["markets.uk.language_barrier = 7", "<= 1"]),
])
def test_bad_scenario_fails_cleanly(tmp_path, scenarios_dir, change, expected):
    path = write_bad(tmp_path, scenarios_dir, change)
    out = tmp_path / "never"
    result = cli("run", str(path), "--out", str(out), "--no-progress")
    assert result.returncode == 2
    assert str(path) in result.stderr
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not (tmp_path / "results").exists()


def test_bad_set_value_fails_cleanly(tmp_path, scenarios_dir):
    out = tmp_path / "never"
    result = cli("run", str(scenarios_dir / "baseline.yaml"), "--out", str(out),
                 "--set", "policy.coordination_cost=-1", "--no-progress")
    assert result.returncode == 2
    assert "policy.coordination_cost = -1" in result.stderr and ">= 0" in result.stderr
    assert not out.exists()


def test_missing_scenario_file(tmp_path):
    result = cli("run", str(tmp_path / "absent.yaml"), "--out", str(tmp_path / "o"))
    assert result.returncode != 0
    assert "absent.yaml" in result.stderr
    assert not (tmp_path / "o").exists()


def test_validate_scenario_good_files(scenarios_dir):
    files = sorted(str(p) for p in scenarios_dir.glob("*.yaml"))
    result = cli("validate-scenario", *files)
    assert result.returncode == 0, result.stderr
    for path in files:
        assert f"ok: {path}" in result.stdout
        scenario = load_scenario(path)
        assert f"{scenario.n_firms} firms" in result.stdout


def test_validate_scenario_bad_file(tmp_path, scenarios_dir):
    bad = write_bad(tmp_path, scenarios_dir, {"clusters.0.stage": "mature"})
    good = scenarios_dir / "baseline.yaml"
    result = cli("validate-scenario", str(good), str(bad))
    assert result.returncode == 2
    assert f"ok: {good}" in result.stdout
    assert str(bad) in result.stderr
    assert "age_months" in result.stderr and "stage" in result.stderr
