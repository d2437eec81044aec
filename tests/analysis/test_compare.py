"""An end-to-end comparison on a tiny setup: equal spend, every report section, CLI, resume."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from clustersim.analysis.comparison import load_comparison, run_comparison
from clustersim.analysis.report import SECTIONS, write_report
from clustersim.scenario.loader import InputFileError

ROOT = Path(__file__).resolve().parents[2]
TARGET = 80_000.0


def tiny_comparison(tmp_path: Path, **changes) -> Path:
    spec = {
        "name": "tiny",
        "description": "tiny comparison for tests",
        "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
        "overrides": {"clusters.0.n_firms": 20},
        "seed": 11,
        "replications": 3,
        "steps": 24,
        "target_public_spend": TARGET,
        "calibration_replications": 2,
        "record_every": 6,
        "variants": [
            {"name": "none", "overrides": {"policy.funding.scheme": "none"}, "calibrate": False},
            {"name": "lump_sum", "overrides": {"policy.funding.scheme": "lump_sum"}},
            {"name": "vouchers", "overrides": {"policy.funding.scheme": "vouchers"}},
            {"name": "project", "overrides": {"policy.funding.scheme": "project",
                                              "policy.funding.duration_months": 12}},
            {"name": "matched", "overrides": {"policy.funding.scheme": "matched",
                                              "policy.funding.match_ratio": 3.0}},
            {"name": "regional", "overrides": {"policy.funding.scheme": "lump_sum",
                                               "policy.funding.max_regions": 1}},
        ],
        "robustness": {"replications": 2, "language_barrier": [0.7],
                       "coordination_cost": [0.5, 2.0]},
    }
    spec.update(changes)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    result = run_comparison(tiny_comparison(tmp), tmp / "out", progress=False, workers=0)
    return result, write_report(result)


def test_funded_variants_spend_equal_public_money(comparison):
    result, _ = comparison
    spend = result.runs.groupby("variant")["public_spent"].mean()
    # budget-proportional schemes spend the target exactly; matched funding depends on private
    # income, so its spend on new seeds may differ from the calibration runs by a few percent
    for name in ("lump_sum", "vouchers", "project"):
        assert spend[name] == pytest.approx(TARGET, rel=1e-9)
    assert spend["matched"] == pytest.approx(TARGET, rel=0.10)
    assert spend["none"] == 0
    calibration = result.calibration.set_index("variant")
    assert calibration.loc["project", "annual_budget"] == pytest.approx(TARGET)  # 12 of 24 months
    assert calibration.loc["lump_sum", "annual_budget"] == pytest.approx(TARGET / 2)


def test_an_ineligible_cluster_is_flagged_not_hidden(comparison):
    result, report = comparison
    row = result.calibration.set_index("variant").loc["regional"]
    assert not row["reached"] and row["achieved_spend"] == 0
    assert "could not spend the target" in report.read_text()


def test_report_has_every_section_and_no_external_resources(comparison):
    result, report = comparison
    page = report.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert page.count("data:image/png;base64,") == 4  # time series, budget, kinds, robustness
    assert not re.search(r'(src|href)="https?://', page)
    for table in ("kpi_table.csv", "cost_effectiveness.csv", "benefits_by_kind.csv",
                  "calibration.csv", "runs.csv", "robustness.csv"):
        assert (result.out / table).is_file()
    costs = pd.read_csv(result.out / "cost_effectiveness.csv").set_index("variant")
    assert costs.loc["none", "additional_ties"] == 0


def test_robustness_covers_every_cell_and_variant(comparison):
    result, _ = comparison
    cells = result.robustness.groupby(["variant", "language_barrier", "coordination_cost"])
    assert cells.ngroups == len(result.variants) * 2
    assert (cells.size() == 2).all()


def test_bad_comparison_file_names_the_field(tmp_path):
    path = tiny_comparison(tmp_path, replications=1, colour="red")
    with pytest.raises(InputFileError) as err:
        load_comparison(path)
    text = str(err.value)
    assert "tiny.yaml" in text and "replications" in text and "colour" in text


def test_compare_cli_writes_report_and_resumes(tmp_path):
    path = tiny_comparison(tmp_path, replications=2, robustness=None,
                           variants=[{"name": "none", "overrides": {"policy.funding.scheme":
                                                                    "none"}},
                                     {"name": "lump_sum", "overrides": {}}])
    out = tmp_path / "report"
    cmd = ["clustersim", "compare", str(path), "--out", str(out), "--workers", "0",
           "--no-progress"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert (out / "report.html").is_file()
    runs_before = pd.read_csv(out / "runs.csv")
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    runs_after = pd.read_csv(out / "runs.csv")
    assert len(runs_after) == len(runs_before) == 4  # resumed: nothing ran twice
    pd.testing.assert_frame_equal(runs_before.drop(columns=["finished_at", "wall_time_s",
                                                            "worker"]),
                                  runs_after.drop(columns=["finished_at", "wall_time_s",
                                                           "worker"]))


def test_compare_cli_refuses_a_bad_file(tmp_path):
    path = tiny_comparison(tmp_path, target_public_spend=-1)
    proc = subprocess.run(["clustersim", "compare", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "target_public_spend" in proc.stderr and "greater than 0" in proc.stderr
