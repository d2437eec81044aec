"""Sequential replications: a pattern whose 95% interval contains a bound of its accepted range
gets more replications (doubling, up to the maximum) on all its variants; one whose interval
clears its bounds keeps the suite's. Replication seeds do not depend on how many are run, so an
extended pattern equals the same pattern run with that many replications from the start."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from clustersim.cli import main
from clustersim.validation import load_patterns, run_validation
from clustersim.validation.suite import undecided

SHORT = {"steps": 36}  # 3 years: a year pair after the 1-year burn-in (quick runs)


def _patterns() -> tuple:
    by_name = {p.name: p for p in load_patterns()}
    return by_name["entry_churn"], by_name["persistence_overall"]


def test_an_undecided_pattern_is_extended_and_equals_a_longer_run():
    churn, persistence = _patterns()
    first = run_validation([churn, persistence], replications=4, overrides=SHORT, workers=1)
    m = first["entry_churn"]
    # a range whose low bound sits at the mean: undecided at any replications
    near = churn.model_copy(update={"name": "churn_near_bound",
                                    "accepted": (m.mean, m.mean + 1.0)})
    # persistence with a range far around its interval: decided at 4 replications
    wide = persistence.model_copy(update={"accepted": (-10.0, 10.0)})
    result = run_validation([near, wide], replications=4, overrides=SHORT, workers=1,
                            max_replications=16)
    assert undecided(run_validation([near], replications=4, overrides=SHORT)["churn_near_bound"])
    assert result["churn_near_bound"].replications == 16  # 4 -> 8 -> 16 (still undecided)
    assert result["persistence_overall"].replications == 4
    assert result.replications == 4 and result.max_replications == 16
    longer = run_validation([near], replications=16, overrides=SHORT, workers=1)
    assert result["churn_near_bound"].values == pytest.approx(
        longer["churn_near_bound"].values, nan_ok=True)
    assert result["churn_near_bound"].mean == pytest.approx(longer["churn_near_bound"].mean)
    assert result["churn_near_bound"].passed == longer["churn_near_bound"].passed
    # the first replications are those of the 4-replication run
    assert result["churn_near_bound"].values[:4] == pytest.approx(m.values, nan_ok=True)
    # no maximum (the library's default): nothing is added
    plain = run_validation([near], replications=4, overrides=SHORT)
    assert plain["churn_near_bound"].replications == 4 and plain.max_replications == 4


def test_the_cli_extends_by_default_and_reports_it(tmp_path):
    churn, _ = _patterns()
    mean = run_validation([churn], replications=2, overrides=SHORT)["entry_churn"].mean
    near = churn.model_dump(mode="json") | {"accepted": [mean, mean + 1.0]}
    patterns = tmp_path / "patterns.yaml"
    patterns.write_text(yaml.safe_dump({"patterns": [near]}), encoding="utf-8")
    out = tmp_path / "val"
    args = ["validate", "--out", str(out), "--patterns", str(patterns), "-r", "2", "--workers",
            "1", "--no-progress", "--no-fail", "--set", "steps=36"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "validation.json").read_text())
    assert saved["max_replications"] == 8  # 4 x the replications
    assert saved["patterns"][0]["replications"] == 8
    assert "near a bound" in result.output
    off = CliRunner().invoke(main, [*args[:2], str(tmp_path / "off"), *args[3:],
                                    "--max-replications", "2"])
    assert off.exit_code == 0, off.output
    assert json.loads((tmp_path / "off" / "validation.json").read_text())[
        "patterns"][0]["replications"] == 2
    bad = CliRunner().invoke(main, [*args[:2], str(tmp_path / "bad"), *args[3:],
                                    "--max-replications", "1"])
    assert bad.exit_code == 2
