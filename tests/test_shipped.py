"""Shipped scenarios and experiment files: found by name from any directory, listed one per line,
and carried into wheels and editable installs as package data."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from clustersim.shipped import (
    EXPERIMENTS,
    SCENARIOS,
    listing,
    resolve,
    shipped_dir,
    shipped_names,
)

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from clustersim.cli import run; run()", *args],
                          cwd=cwd, capture_output=True, text=True, env=os.environ.copy(),
                          timeout=120)


@pytest.mark.parametrize("kind", [SCENARIOS, EXPERIMENTS])
def test_every_file_of_the_checkout_is_shipped(kind):
    assert shipped_names(kind) == sorted(p.stem for p in (ROOT / kind).glob("*.yaml"))
    assert shipped_dir(kind).resolve() == (ROOT / kind).resolve()


def test_package_data_globs_cover_the_shipped_folders():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["clustersim"]
    assert "data/scenarios/*.yaml" in globs and "data/experiments/*.yaml" in globs
    # the shipped calibration the scenarios extend (checked by hand on 2026-12-02: a wheel built
    # with `pip wheel .` carries it as a real file, clustersim/data/scenarios/parameters/)
    assert "data/scenarios/parameters/*.yaml" in globs
    assert (ROOT / SCENARIOS / "parameters" / "calibrated.yaml").resolve().is_file()
    # the package folders are links to the checkout's folders (one copy of every file)
    for kind in (SCENARIOS, EXPERIMENTS):
        link = ROOT / "src" / "clustersim" / "data" / kind
        assert link.is_symlink() and link.resolve() == (ROOT / kind).resolve()


def test_resolve_names_paths_and_missing_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve("baseline") == shipped_dir(SCENARIOS) / "baseline.yaml"
    assert resolve("gold_label.yaml") == shipped_dir(SCENARIOS) / "gold_label.yaml"
    assert resolve("scenarios/baseline.yaml") == shipped_dir(SCENARIOS) / "baseline.yaml"
    assert resolve("quick", EXPERIMENTS) == shipped_dir(EXPERIMENTS) / "quick.yaml"
    assert resolve("no_such_thing") == Path("no_such_thing")
    assert resolve("elsewhere/baseline.yaml") == Path("elsewhere/baseline.yaml")
    own = tmp_path / "baseline.yaml"  # a user's own file of the same name wins
    own.write_text("name: mine\n")
    assert resolve("baseline.yaml") == Path("baseline.yaml")


def test_listing_has_one_line_per_scenario():
    rows = dict(listing(SCENARIOS))
    assert set(rows) == set(shipped_names(SCENARIOS))
    assert all(line and "\n" not in line for line in rows.values())


def test_commands_take_shipped_names_from_any_directory(tmp_path):
    listed = cli("scenarios", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == shipped_names(SCENARIOS)
    ran = cli("run", "baseline", "--steps", "2", "--no-chart", "--no-progress", "--out", "out",
              cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()
    checked = cli("validate-scenario", "gold_label", "scenarios/project_ends.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    missing = cli("run", "no_such_scenario", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
