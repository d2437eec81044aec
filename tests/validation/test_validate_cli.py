"""``clustersim validate``: exit codes, bad-input messages, and the files it writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clustersim.cli import main
from clustersim.validation.patterns import default_patterns_path

FAST = ["--replications", "2", "--workers", "1", "--set", "steps=24", "--no-progress"]


def pattern_file(tmp_path: Path, accepted: list) -> Path:
    """The shipped personal_vs_remote pattern alone, with the given accepted range."""
    data = yaml.safe_load(default_patterns_path().read_text(encoding="utf-8"))
    pattern = next(p for p in data["patterns"] if p["name"] == "personal_vs_remote")
    pattern["accepted"] = accepted
    path = tmp_path / f"patterns_{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump({"patterns": [pattern]}))
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_all_pass_exit_0_and_files_written(tmp_path: Path):
    out = tmp_path / "val"
    result = invoke("--out", str(out), "--patterns", str(pattern_file(tmp_path, [0, None])),
                    *FAST)
    assert result.exit_code == 0, result.output
    assert "personal_vs_remote" in result.output and "1 of 1 patterns pass" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["validation.html", "validation.json"]
    data = json.loads((out / "validation.json").read_text())
    assert data["passed"] is True and data["replications"] == 2 and data["seed"] == 2024
    assert data["overrides"] == {"steps": 24}
    assert set(data["scenario_hashes"]) == {"baseline"}
    row = data["patterns"][0]
    assert row["name"] == "personal_vs_remote" and row["accepted"] == [0, "inf"]
    # sequential replications: 2, doubled while the interval contains the bound 0, up to 4 x 2
    assert data["max_replications"] == 8 and row["replications"] in (2, 4, 8)
    assert len(row["values"]) == row["replications"]
    assert row["replications"] == 8 or not row["undecided"]  # stopped early: decided
    assert row["ci95"][0] <= row["mean"] <= row["ci95"][1]
    html = (out / "validation.html").read_text()
    assert "personal_vs_remote" in html and "Bembenek" not in html  # only the chosen pattern
    assert "1 of 1 patterns pass" in html and "Of course clusters should be international" in html
    # self-contained: no external scripts, styles or images
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_some_fail_exit_1_unless_no_fail(tmp_path: Path):
    patterns = str(pattern_file(tmp_path, [100, None]))
    failed = invoke("--out", str(tmp_path / "a"), "--patterns", patterns, *FAST)
    assert failed.exit_code == 1 and "FAIL" in failed.output
    reported = invoke("--out", str(tmp_path / "b"), "--patterns", patterns, "--no-fail", *FAST)
    assert reported.exit_code == 0
    assert json.loads((tmp_path / "b" / "validation.json").read_text())["passed"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere"], "no shipped scenario 'nowhere'"),
    (["embryonic"], "not measured by any pattern"),
    (["--set", "policy.coordination_cost=-1"], "policy.coordination_cost"),
    (["--set", "nonsense"], "must look like field.path=value"),
    (["--patterns", "missing.yaml"], "cannot read file"),
])
def test_bad_input_exit_2_with_message(tmp_path: Path, args, message):
    result = invoke("--out", str(tmp_path / "out"), *args, "--replications", "2",
                    "--workers", "1", "--no-progress")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_refuses_a_folder_with_other_files_unless_overwrite(tmp_path: Path):
    out = tmp_path / "used"
    out.mkdir()
    (out / "results.csv").write_text("precious")
    patterns = str(pattern_file(tmp_path, [0, None]))
    refused = invoke("--out", str(out), "--patterns", patterns, *FAST)
    assert refused.exit_code == 2 and "already holds files (results.csv)" in refused.output
    assert sorted(p.name for p in out.iterdir()) == ["results.csv"]
    allowed = invoke("--out", str(out), "--patterns", patterns, "--overwrite", *FAST)
    assert allowed.exit_code == 0, allowed.output
    assert (out / "results.csv").read_text() == "precious"
    assert (out / "validation.json").is_file()


def test_replications_below_two_is_a_usage_error(tmp_path: Path):
    result = invoke("--out", str(tmp_path / "o"), "--replications", "1")
    assert result.exit_code == 2 and "--replications" in result.output


def test_listed_in_help():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "validate " in result.output
