"""An end-to-end comparison on the tiny file: equal spend, every report section, CLI, resume."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from clustersim.analysis.comparison import load_comparison, run_comparison
from clustersim.analysis.report import SECTION_IDS, write_report
from clustersim.scenario.loader import InputFileError

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "experiments" / "funding_schemes_tiny.yaml"
TARGET = 80_000.0
TOLERANCE = 0.05  # the tiny file's spend_tolerance (3 replications)


def tiny_comparison(tmp_path: Path, **changes) -> Path:
    spec = yaml.safe_load(TINY.read_text())
    spec["scenario"] = str(ROOT / "scenarios" / "baseline.yaml")
    spec.update(changes)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    result = run_comparison(TINY, tmp_path_factory.mktemp("compare") / "out", progress=False,
                            workers=0)
    return result, write_report(result)


def test_funded_variants_spend_equal_public_money(comparison):
    result, _ = comparison
    spend = result.runs.groupby("variant")["public_spent"].mean()
    assert spend["none"] == 0
    calibration = result.calibration.set_index("variant")
    for name in ("lump_sum", "matched", "vouchers", "project", "performance"):
        assert calibration.loc[name, "reached"], name
        assert spend[name] == pytest.approx(TARGET, rel=TOLERANCE), name
        # calibration used the main runs' seeds: what it measured is what the runs spent
        assert calibration.loc[name, "main_run_spend"] == pytest.approx(spend[name])
    # schemes that pay their whole allocation spend the target exactly, run by run
    for name in ("lump_sum", "vouchers", "project"):
        runs = result.runs.loc[result.runs["variant"] == name, "public_spent"]
        assert runs.to_numpy() == pytest.approx(TARGET, rel=1e-9)
    assert calibration.loc["project", "annual_budget"] == pytest.approx(TARGET)  # 12 of 24 months
    assert calibration.loc["lump_sum", "annual_budget"] == pytest.approx(TARGET / 2)
    # public money counted as spent is public income of the facilitator (or vouchers issued)
    funded = result.runs[result.runs["variant"].isin(["lump_sum", "project", "performance"])]
    assert funded["income_public"].to_numpy() == pytest.approx(funded["public_spent"].to_numpy())


def test_an_ineligible_cluster_is_flagged_and_equals_no_funding(comparison):
    result, report = comparison
    row = result.calibration.set_index("variant").loc["regional"]
    assert not row["reached"] and row["achieved_spend"] == 0
    assert "not eligible" in row["reason"] and "spans 3" in row["reason"]
    runs = result.runs.set_index(["variant", "replication"])
    pd.testing.assert_series_equal(runs.loc["regional", "export_ties"],
                                   runs.loc["none", "export_ties"])
    page = report.read_text()
    assert ("<b>Regional programme (one region only)</b> could not spend the target public "
            "budget") in page
    assert "Its results are the same as <b>No public funding</b>" in page


def test_report_has_every_section_and_no_external_resources(comparison):
    result, report = comparison
    page = report.read_text()
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in page
    # time series, budget, cost, kinds, robustness (share and ties)
    assert page.count("data:image/png;base64,") == 6
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "leads on the share of firms exporting" in page
    for table in ("kpi_table.csv", "cost_effectiveness.csv", "benefits_by_kind.csv",
                  "calibration.csv", "calibration_history.csv", "runs.csv", "robustness.csv",
                  "robustness_cells.csv"):
        assert (result.out / table).is_file(), table
    costs = pd.read_csv(result.out / "cost_effectiveness.csv").set_index("variant")
    assert costs.loc["none", "additional_ties"] == 0


def test_kpi_table_csv_matches_a_direct_computation(comparison):
    result, _ = comparison
    table = pd.read_csv(result.out / "kpi_table.csv")
    row = table[(table["variant"] == "project") & (table["kpi"] == "export_ties")].iloc[0]
    values = result.runs.loc[result.runs["variant"] == "project", "export_ties"]
    assert values.std() > 0
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                 scale=stats.sem(values))
    assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((values.mean(), low,
                                                                          high))


def test_time_series_are_recorded_every_k_months(comparison):
    result, _ = comparison
    assert sorted(result.steps["step"].unique()) == [0, 6, 12, 18, 24]
    assert set(result.steps["variant"]) == set(result.variants)


def test_robustness_covers_every_cell_and_variant(comparison):
    result, _ = comparison
    cells = result.robustness.groupby(["variant", "language_barrier", "coordination_cost"])
    assert cells.ngroups == len(result.variants) * 2
    assert (cells.size() == 2).all()


def test_more_replications_resume_without_recalibrating(tmp_path):
    path = tiny_comparison(tmp_path, robustness=None, replications=2,
                           variants=[{"name": "none", "overrides": {"policy.funding.scheme":
                                                                    "none"}, "calibrate": False},
                                     {"name": "perf", "overrides": {"policy.funding.scheme":
                                                                    "performance"}}])
    out = tmp_path / "out"
    first = run_comparison(path, out, progress=False, workers=0)
    second = run_comparison(path, out, replications=4, progress=False, workers=0)
    assert len(list((out / "calibration").iterdir())) == 1  # same search, reused
    pd.testing.assert_frame_equal(first.calibration.drop(columns=["main_run_spend",
                                                                  "main_run_deviation"]),
                                  second.calibration.drop(columns=["main_run_spend",
                                                                   "main_run_deviation"]))
    assert len(second.runs) == 8
    kept = second.runs[second.runs["replication"] < 2].set_index(["variant", "replication"])
    before = first.runs.set_index(["variant", "replication"])
    pd.testing.assert_series_equal(kept["export_ties"], before["export_ties"])


def test_bad_comparison_file_names_the_field(tmp_path):
    path = tiny_comparison(tmp_path, replications=1, colour="red")
    with pytest.raises(InputFileError) as err:
        load_comparison(path)
    text = str(err.value)
    assert "tiny.yaml" in text and "replications" in text and "colour" in text


def test_a_variant_that_is_not_a_valid_scenario_is_refused_before_running(tmp_path):
    path = tiny_comparison(tmp_path, variants=[
        {"name": "none", "overrides": {"policy.funding.scheme": "none"}},
        {"name": "bad", "overrides": {"policy.funding.annual_budget": -5}}])
    with pytest.raises(InputFileError, match="annual_budget"):
        load_comparison(path)


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
    pd.testing.assert_frame_equal(runs_before, runs_after)


def test_compare_cli_refuses_bad_input_with_exit_code_2(tmp_path):
    path = tiny_comparison(tmp_path, target_public_spend=-1)
    proc = subprocess.run(["clustersim", "compare", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "target_public_spend" in proc.stderr and "greater than 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(["clustersim", "compare", str(TINY), "--out", str(tmp_path / "o"),
                           "--replications", "1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "at least 2" in proc.stderr


def test_report_reads_for_a_minister(comparison):
    """Caveats first, a human title and scheme labels, the headline's three questions answered
    (cost, when the money is spent, members lost), ranks on the path as well as the final
    month, Holm correction, thin-space thousands."""
    result, report = comparison
    page = report.read_text()
    caveats = page.index('id="caveats"')
    assert caveats < page.index('id="summary"')
    assert "a model, not a forecast" in page[caveats:caveats + 400]
    assert "not calibrated" in page[caveats:caveats + 600]
    assert "<h1>Funding schemes compared (tiny test run)</h1>" in page
    assert "Fixed-term project (12 months)" in page and "Lump-sum grant" in page
    headline = page[page.index('id="summary"'):page.index('id="kpi-table"')]
    # a 24-month run recorded every 6 months: windows shrink to a fifth of the horizon, early
    # spending is counted up to the next recorded month
    assert "in the first 6 months" in headline and "paying members" in headline
    assert "rank (last 4 months)" in headline and "Holm" in headline
    assert "600,000" not in page and "80\u202f000" in page
    table = pd.read_csv(result.out / "headline.csv")
    assert set(table["variant"]) == set(result.variants)  # identifiers stay in the CSVs
    spent = table.set_index("variant")["spent_first_months_share"]
    # a 12-month project spends faster than a lump sum paid over 24 months
    assert spent["project"] > spent["lump_sum"] > 0


def test_leader_uses_holm_corrected_p_values():
    from clustersim.analysis.headline import leader

    rng = np.random.default_rng(1)
    base = rng.normal(size=12)
    runs = pd.DataFrame({
        "variant": ["a"] * 12 + ["b"] * 12 + ["c"] * 12,
        "replication": list(range(12)) * 3,
        "y": np.concatenate([base + 1.0, base + 0.9 + rng.normal(0, 0.3, 12),
                             base + rng.normal(0, 0.3, 12)])})
    lead = leader(runs, ["a", "b", "c"], "y")
    assert lead.leader == "a"
    assert lead.tied == ["b"]  # c is clearly behind, b within noise


def test_no_scheme_is_drawn_in_a_pale_colour():
    from matplotlib.colors import to_rgb

    from clustersim.analysis.figures import OKABE_ITO

    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in map(to_rgb, OKABE_ITO)]
    assert max(luminance) < 0.7
