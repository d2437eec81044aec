"""``clustersim validate --posterior FILE --draws K``: the suite runs under posterior draws, the
values pool draws x replications, and the report says the intervals include parameter
uncertainty; a bad posterior is refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml
from click.testing import CliRunner

from clustersim.cli import main
from clustersim.validation.patterns import default_patterns_path

FAST = ["--replications", "2", "--workers", "1", "--set", "steps=24", "--no-progress"]
HAZARD = "parameters.export.tie_hazard_established"


def pattern_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(default_patterns_path().read_text(encoding="utf-8"))
    pattern = next(p for p in data["patterns"] if p["name"] == "personal_vs_remote")
    pattern["accepted"] = [0, None]
    path = tmp_path / "patterns.yaml"
    path.write_text(yaml.safe_dump({"patterns": [pattern]}))
    return path


def posterior(path: Path, values: list[float], weights: list[float]) -> Path:
    pd.DataFrame({HAZARD: values, "weight": weights}).to_parquet(path, index=False)
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_validate_under_posterior_draws(tmp_path: Path):
    patterns = str(pattern_file(tmp_path))
    post = posterior(tmp_path / "p.parquet", [0.0, 0.5], [0.5, 0.5])
    out = tmp_path / "val"
    result = invoke("--out", str(out), "--patterns", patterns, "--posterior", str(post),
                    "--draws", "2", *FAST)
    assert result.exit_code == 0, result.output
    assert "2 posterior draws x 2 replications" in result.output
    # draws x replications values per pattern are not sequential replications
    assert "near a bound" not in result.output
    data = json.loads((out / "validation.json").read_text())
    assert data["posterior"]["draws"] == 2 and data["posterior"]["file"] == str(post.resolve())
    assert [s[HAZARD] for s in data["posterior"]["sets"]] == [
        [0.0, 0.5][s["row"]] for s in data["posterior"]["sets"]]
    assert len(data["patterns"][0]["values"]) == 4  # draws x replications
    assert "parameter uncertainty" in data["interval"]
    html = (out / "validation.html").read_text()
    assert "Parameter uncertainty is included" in html and "2 draws" in html
    # the draws matter: a posterior concentrated elsewhere gives other values
    other = posterior(tmp_path / "q.parquet", [0.9, 0.95], [0.5, 0.5])
    again = invoke("--out", str(tmp_path / "val2"), "--patterns", patterns, "--posterior",
                   str(other), "--draws", "2", *FAST)
    assert again.exit_code == 0, again.output
    values = json.loads((tmp_path / "val2" / "validation.json").read_text())["patterns"][0]
    assert values["values"] != data["patterns"][0]["values"]


def test_validate_refuses_a_bad_posterior_with_exit_2(tmp_path: Path):
    patterns = str(pattern_file(tmp_path))
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"parameters.export.nope": [0.1], "weight": [1.0]}).to_parquet(bad)
    result = invoke("--out", str(tmp_path / "v"), "--patterns", patterns, "--posterior",
                    str(bad), *FAST)
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output and "column 'parameters.export.nope'" in result.output
    assert "Traceback" not in result.output
    missing = invoke("--out", str(tmp_path / "w"), "--patterns", patterns, "--posterior",
                     str(tmp_path / "none.parquet"), *FAST)
    assert missing.exit_code == 2 and "no such posterior file" in missing.output
    no_file = invoke("--out", str(tmp_path / "x"), "--patterns", patterns, "--draws", "2", *FAST)
    assert no_file.exit_code == 2 and "--draws needs --posterior" in no_file.output
