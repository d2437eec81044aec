"""``clustersim compare --posterior FILE --draws K``: schemes over posterior draws x
replications, probability best and ranking stability in the report, identical results for 1 and
2 workers, bad posterior files refused with exit 2, and nothing new without --posterior."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from clustersim.analysis.comparison import run_comparison
from clustersim.analysis.report import write_report
from clustersim.cli import main

ROOT = Path(__file__).resolve().parents[2]
HAZARD = "parameters.export.tie_hazard_new"
ESTABLISHED = "parameters.export.tie_hazard_established"
SPEC = {
    "name": "tiny_posterior", "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
    "overrides": {"clusters.0.n_firms": 12}, "seed": 5, "replications": 2, "steps": 6,
    "target_public_spend": 20000, "calibration_replications": 2, "spend_tolerance": 0.1,
    "record_every": 3, "robustness": None,
    "variants": [
        {"name": "none", "overrides": {"policy.funding.scheme": "none"}, "calibrate": False},
        {"name": "lump_sum", "overrides": {"policy.funding.scheme": "lump_sum"}},
        {"name": "vouchers", "overrides": {"policy.funding.scheme": "vouchers"}},
    ],
}


def write_posterior(path: Path, columns: dict, weights: list[float]) -> Path:
    pd.DataFrame({"generation": 2, **columns, "weight": weights, "distance": 0.0}).to_parquet(
        path, index=False)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posterior")
    comparison = folder / "tiny.yaml"
    comparison.write_text(yaml.safe_dump(SPEC))
    posterior = write_posterior(folder / "posterior.parquet",
                                {HAZARD: [0.01, 0.1, 0.3], ESTABLISHED: [0.0, 0.02, 0.2]},
                                [0.3, 0.3, 0.4])
    return folder, comparison, posterior


@pytest.fixture(scope="module")
def compared(files):
    """The same comparison with 1 worker (API) and 2 workers (command line)."""
    folder, comparison, posterior = files
    result = run_comparison(comparison, folder / "one", progress=False, workers=1,
                            posterior=posterior, draws=2)
    write_report(result)
    cli = CliRunner().invoke(main, ["compare", str(comparison), "--out", str(folder / "two"),
                                    "--posterior", str(posterior), "--draws", "2",
                                    "--workers", "2", "--no-progress"])
    assert cli.exit_code == 0, cli.output
    return result, folder / "two"


def test_runs_cover_draws_x_replications_with_crn_within_a_draw(compared):
    result, _ = compared
    runs = result.runs
    assert len(runs) == 3 * 2 * 2
    assert set(runs["draw"]) == {0, 1} and set(runs["replication_in_draw"]) == {0, 1}
    assert sorted(runs["replication"].unique()) == [0, 1, 2, 3]  # the pair key
    assert (runs.groupby(["draw", "replication_in_draw"])["seed"].nunique() == 1).all()
    assert runs.groupby("draw")["seed"].apply(frozenset).nunique() == 2
    for d, values in enumerate(result.posterior.sets):
        rows = runs[runs["draw"] == d]
        assert (rows[HAZARD] == values[HAZARD]).all()
        assert (rows[ESTABLISHED] == values[ESTABLISHED]).all()
    saved = pd.read_csv(result.out / "runs.csv")
    assert {"draw", "replication_in_draw", HAZARD, ESTABLISHED} <= set(saved.columns)


def test_one_and_two_workers_give_the_same_results(compared):
    result, two = compared
    a = pd.read_csv(result.out / "runs.csv").sort_values("run_index").reset_index(drop=True)
    b = pd.read_csv(two / "runs.csv").sort_values("run_index").reset_index(drop=True)
    keep = [c for c in a.columns if c not in ("wall_time_s", "worker", "finished_at")]
    pd.testing.assert_frame_equal(a[keep], b[keep])
    for table in ("probability_best.csv", "ranking_stability.csv", "kpi_table.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(result.out / table), pd.read_csv(two / table))


def test_report_has_probability_best_summing_to_one_and_stability(compared):
    result, two = compared
    p = pd.read_csv(two / "probability_best.csv")
    assert set(p["kpi"]) >= {"export_share", "export_ties", "trust_cross_border"}
    assert "public_spent" not in set(p["kpi"])
    defined = p.dropna(subset=["p_best"])
    sums = defined.groupby("kpi")["p_best"].sum()
    assert len(sums) >= 8 and sums.to_numpy() == pytest.approx(1.0)
    # cost per outcome: lower is better, funded schemes only
    cost = p[p["kpi"] == "public_cost_per_new_tie"]
    assert set(cost["variant"]) == {"lump_sum", "vouchers"} and not cost["higher_is_better"].any()
    # p_best is the share of draws whose replication mean is best, computed directly
    runs = result.runs
    means = runs.groupby(["draw", "variant"])["export_ties"].mean().unstack()
    best = means.eq(means.max(axis=1), axis=0)
    direct = (best.div(best.sum(axis=1), axis=0)).mean()
    got = p[p["kpi"] == "export_ties"].set_index("variant")["p_best"]
    assert got.to_dict() == pytest.approx(direct.to_dict())
    stability = pd.read_csv(two / "ranking_stability.csv").set_index("kpi")
    assert (stability["draws"] <= 2).all() and stability.loc["export_ties", "draws"] == 2
    assert 0.5 <= stability.loc["export_ties", "modal_share"] <= 1
    page = (two / "report.html").read_text()
    assert '<section id="uncertainty">' in page
    assert "probability that the scheme is best" in page
    assert "2 posterior draws &times; 2 replications" in page
    assert "posterior_draws.csv" in page and (two / "posterior_draws.csv").is_file()


def test_without_posterior_nothing_is_added(files):
    folder, comparison, _ = files
    result = run_comparison(comparison, folder / "plain", progress=False, workers=0)
    write_report(result)
    assert result.posterior is None and "draw" not in result.runs.columns
    assert not (folder / "plain" / "probability_best.csv").exists()
    page = (folder / "plain" / "report.html").read_text()
    assert 'id="uncertainty"' not in page and "posterior" not in page


@pytest.mark.parametrize(("columns", "weights", "message"), [
    (None, None, "no such posterior file"),
    ({"parameters.export.no_such_rate": [0.1]}, [1.0],
     "column 'parameters.export.no_such_rate': not a scenario field"),
    ({HAZARD: [0.1, 0.2]}, [0.5, -1.0], "column 'weight': weights must be finite and >= 0"),
    ({"policy.funding.annual_budget": [1000.0]}, [1.0],
     "set by the comparison itself"),
    ({HAZARD: [1.5]}, [1.0], "drawn parameter values"),
])
def test_bad_posterior_exits_2_with_a_clear_message(files, tmp_path, columns, weights, message):
    _, comparison, _ = files
    path = tmp_path / "posterior.parquet"
    if columns is not None:
        write_posterior(path, columns, weights)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", str(comparison), "--out", str(out),
                                       "--posterior", str(path), "--draws", "2",
                                       "--workers", "0", "--no-progress"])
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # refused before any run


def test_draws_without_posterior_exits_2(files, tmp_path):
    _, comparison, _ = files
    result = CliRunner().invoke(main, ["compare", str(comparison), "--out", str(tmp_path / "o"),
                                       "--draws", "2", "--workers", "0"])
    assert result.exit_code == 2 and "--draws needs --posterior" in result.output
