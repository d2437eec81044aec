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


def _fixed(pattern, replications: int):
    return run_validation([pattern], replications=replications, overrides=SHORT)[pattern.name]


def test_an_undecided_pattern_is_doubled_until_decided_and_equals_a_longer_run():
    churn, persistence = _patterns()
    # the low bound at the 16-replication mean: the 16-replication interval contains it
    m16 = _fixed(churn, 16).mean
    near = churn.model_copy(update={"name": "churn_near_bound", "accepted": (m16, m16 + 1.0)})
    # persistence with a range far around its interval: decided at 4 replications
    wide = persistence.model_copy(update={"accepted": (-10.0, 10.0)})
    result = run_validation([near, wide], replications=4, overrides=SHORT, workers=1,
                            max_replications=16)
    extended = result["churn_near_bound"]
    assert result["persistence_overall"].replications == 4
    assert result.replications == 4 and result.max_replications == 16
    # the doubling rule: every count before the final one was undecided; the final one is
    # decided unless it is the maximum
    final = extended.replications
    assert final in (4, 8, 16)
    for count in (4, 8, 16):
        if count < final:
            assert undecided(_fixed(near, count)), count
    longer = _fixed(near, final)
    assert extended.values == pytest.approx(longer.values, nan_ok=True)
    assert extended.mean == pytest.approx(longer.mean)
    assert extended.passed == longer.passed
    assert extended.undecided == undecided(longer)
    assert final == 16 or not extended.undecided
    # the same with two worker processes
    parallel = run_validation([near, wide], replications=4, overrides=SHORT, workers=2,
                              max_replications=16)
    assert parallel["churn_near_bound"].values == pytest.approx(extended.values, nan_ok=True)
    # no maximum (the library's default): nothing is added; a maximum below is refused
    plain = run_validation([near], replications=4, overrides=SHORT)
    assert plain["churn_near_bound"].replications == 4 and plain.max_replications == 4
    with pytest.raises(ValueError, match="max_replications = 2"):
        run_validation([near], replications=4, overrides=SHORT, max_replications=2)


def test_the_cli_extends_by_default_and_reports_it(tmp_path):
    churn, _ = _patterns()
    mean = _fixed(churn, 8).mean  # a bound the 8-replication interval contains: undecided
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
    row = saved["patterns"][0]
    assert row["replications"] == 8 and row["undecided"] is True
    assert "near a bound" in result.output and "1 undecided" in result.output
    assert "undecided: the interval contains a bound" in (out / "validation.html").read_text()
    off = CliRunner().invoke(main, [*args[:2], str(tmp_path / "off"), *args[3:],
                                    "--max-replications", "2"])
    assert off.exit_code == 0, off.output
    saved = json.loads((tmp_path / "off" / "validation.json").read_text())
    assert saved["patterns"][0]["replications"] == 2 and saved["sequential_replications"] is None
    bad = CliRunner().invoke(main, [*args[:2], str(tmp_path / "bad"), *args[3:],
                                    "--max-replications", "1"])
    assert bad.exit_code == 2
