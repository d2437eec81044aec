"""Shared helpers of the hostile-input suite: run a command in-process and check the refusal.

Every case asserts what a user must see on bad input: exit status 2, one short paragraph that
names the file and the field, no traceback, and any existing output folder left byte for byte as
it was. Commands run in-process through click's test runner (a subprocess per case would cost a
second of imports each); a few end-to-end cases in test_memory.py run real subprocesses.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clustersim.cli import main

ROOT = Path(__file__).resolve().parents[2]
MAX_MESSAGE_CHARS = 2500
"""A refusal is a paragraph, not a dump: longest message accepted."""

TINY_SCENARIO = {
    "name": "tiny",
    "seed": 3,
    "steps": 3,
    "clusters": [{"name": "alpha", "n_firms": 8}],
    "markets": {"germany": {"language_barrier": 0.3, "partner_cluster": "brandenburg"},
                "uk": {"language_barrier": 0.1}},
}


@dataclass
class Outcome:
    code: int
    output: str
    exception: BaseException | None


def invoke(*args: str) -> Outcome:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    exc = result.exception
    if isinstance(exc, SystemExit):
        exc = None
    return Outcome(result.exit_code, result.output, exc)


def assert_refused(outcome: Outcome, *must_mention: str, code: int = 2) -> None:
    """Exit ``code``, no traceback or stray exception, a bounded message naming each
    ``must_mention`` (file, field)."""
    assert outcome.exception is None, f"raised {outcome.exception!r}\n{outcome.output}"
    assert outcome.code == code, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    assert len(outcome.output) <= MAX_MESSAGE_CHARS, outcome.output[:500]
    for text in must_mention:
        assert text in outcome.output, f"{text!r} not in:\n{outcome.output}"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny_file(tmp_path) -> Path:
    return write_yaml(tmp_path / "tiny.yaml", TINY_SCENARIO)


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A real ``clustersim run`` output folder (tiny model), made once."""
    base = tmp_path_factory.mktemp("run")
    scenario = write_yaml(base / "tiny.yaml", TINY_SCENARIO)
    out = base / "out"
    outcome = invoke("run", scenario, "--out", out, "--no-progress", "--no-chart")
    assert outcome.code == 0, outcome.output
    return out


@pytest.fixture(scope="session")
def sweep_folder(tmp_path_factory) -> Path:
    """A real ``clustersim sweep`` output folder: 2 points x 2 replications of the tiny model,
    with a per-step table, made once."""
    base = tmp_path_factory.mktemp("sweep")
    write_yaml(base / "tiny.yaml", TINY_SCENARIO)
    experiment = write_yaml(base / "exp.yaml", {
        "name": "hostile", "scenario": "tiny.yaml", "seed": 1, "replications": 2,
        "parameters": {"policy.translation_support": [0.0, 1.0]},
        "outputs": {"kpis": ["export_share", "members"], "record": "all"}})
    out = base / "out"
    outcome = invoke("sweep", experiment, "--out", out, "--workers", "0", "--no-progress")
    assert outcome.code == 0, outcome.output
    return out


@pytest.fixture
def copy_of(tmp_path):
    """Copy a session folder into this test's tmp_path (tests may damage their copy)."""

    def copy(folder: Path) -> Path:
        target = tmp_path / f"copy-{folder.parent.name}"
        shutil.copytree(folder, target)
        return target

    return copy
