"""Posterior draws: loading and checking a posterior file, deterministic draws, and sweeps that
run every design point under the draws (draw column, drawn values, CRN within a draw, the same
results for 1 and 2 workers, and a posterior that changes the results)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from clustersim.calibration.posterior import (
    PosteriorError,
    read_posterior_draws,
)
from clustersim.cli import main
from clustersim.experiments import load_results, sweep
from clustersim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
HAZARD = "parameters.export.tie_hazard_new"
ESTABLISHED = "parameters.export.tie_hazard_established"
MONTHS = "parameters.export.young_tie_months"  # an integer field


def posterior_file(path: Path, columns: dict, weights: list[float]) -> Path:
    frame = pd.DataFrame({"generation": 3, **columns, "weight": weights, "distance": 0.0})
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture
def posterior(tmp_path) -> Path:
    return posterior_file(tmp_path / "posterior.parquet",
                          {HAZARD: [0.02, 0.05, 0.1, 0.2], MONTHS: [3.4, 6.0, 8.7, 12.2]},
                          [0.1, 0.4, 0.0, 0.5])


def baseline_dump():
    return [load_scenario(BASELINE).model_dump(mode="json")]


def test_draws_are_deterministic_follow_the_weights_and_do_not_depend_on_k(posterior):
    a = read_posterior_draws(posterior, 40, seed=7, scenarios=baseline_dump())
    b = read_posterior_draws(posterior, 40, seed=7, scenarios=baseline_dump())
    assert a.sets == b.sets and a.rows == b.rows
    assert read_posterior_draws(posterior, 5, seed=7).rows == a.rows[:5]  # draw d: seed, d only
    assert read_posterior_draws(posterior, 40, seed=8).rows != a.rows
    assert 2 not in a.rows  # weight 0 is never drawn
    assert set(a.rows) == {0, 1, 3}
    # the integer field is rounded, the other kept as is
    assert {s[MONTHS] for s in a.sets} <= {3, 6, 12}
    assert all(isinstance(s[MONTHS], int) for s in a.sets)
    assert {s[HAZARD] for s in a.sets} <= {0.02, 0.05, 0.2}
    assert len(a.sha256) == 64 and a.describe()["sets"][0]["draw"] == 0


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.parquet", "no such posterior file"),
    (lambda d: posterior_file(d / "p.parquet", {"parameters.export.tie_hazard_nwe": [0.1]}, [1]),
     "column 'parameters.export.tie_hazard_nwe': not a scenario field ('tie_hazard_nwe' does "
     "not exist in parameters.export; did you mean 'tie_hazard_new'?)"),
    (lambda d: posterior_file(d / "p.parquet", {HAZARD: [0.1, 0.2]}, [1.0, -0.5]),
     "column 'weight': weights must be finite and >= 0 with a sum > 0 (1 of 2 rows"),
    (lambda d: posterior_file(d / "p.parquet", {HAZARD: [0.1, 0.2]}, [0.0, 0.0]),
     "sum = 0"),
    (lambda d: posterior_file(d / "p.parquet", {"policy.funding.scheme": [0.1]}, [1]),
     "column 'policy.funding.scheme': the scenario field is str, not a number"),
    (lambda d: (d / "p.parquet").write_text("not parquet") and d / "p.parquet",
     "cannot read a posterior"),
])
def test_bad_posterior_files_are_refused_naming_file_and_problem(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(PosteriorError) as info:
        read_posterior_draws(path, 2, seed=1, scenarios=baseline_dump())
    assert str(path) in str(info.value) and message in str(info.value)


def experiment(**changes) -> dict:
    spec = {"name": "post", "scenario": str(BASELINE), "seed": 3, "seed_scheme": "replication",
            "overrides": {"clusters.0.n_firms": 10, "steps": 12}, "replications": 2,
            "parameters": {"policy.funding.annual_budget": [0, 60000]},
            "design": {"type": "grid"},
            "outputs": {"kpis": ["export_ties", "export_share", "trust_cross_border"],
                        "record": "final"}}
    spec.update(changes)
    return spec


def test_sweep_with_posterior_records_draws_and_is_the_same_for_1_and_2_workers(tmp_path,
                                                                                 posterior):
    one = sweep(experiment(), tmp_path / "one", posterior=posterior, draws=2, workers=1,
                progress=False).out
    two = sweep(experiment(), tmp_path / "two", posterior=posterior, draws=2, workers=2,
                progress=False).out
    a, b = load_results(one), load_results(two)
    assert len(a.runs) == 2 * 2 * 2 and (a.runs["status"] == "ok").all()
    columns = ["run_index", "point_id", "replication", "seed", "draw",
               "policy.funding.annual_budget", HAZARD, MONTHS, "export_ties", "export_share",
               "trust_cross_border"]
    pd.testing.assert_frame_equal(a.runs[columns], b.runs[columns])
    runs = a.runs
    drawn = read_posterior_draws(posterior, 2, seed=3)
    for _, row in runs.iterrows():  # the draw's values are the run's parameters
        assert row[HAZARD] == drawn.sets[row["draw"]][HAZARD]
        assert row["draw"] == row["point_id"] // 2
    # common random numbers within a draw and replication; other draws, other seeds
    seeds = runs.groupby(["draw", "replication"])["seed"].nunique()
    assert (seeds == 1).all()
    assert runs.groupby("draw")["seed"].apply(frozenset).nunique() == 2
    assert a.manifest["posterior"]["draws"] == 2
    assert a.manifest["posterior"]["sets"][1][HAZARD] == drawn.sets[1][HAZARD]
    table = pd.read_csv(one / "posterior_draws.csv")
    assert list(table["draw"]) == [0, 1] and list(table[HAZARD]) == [s[HAZARD]
                                                                     for s in drawn.sets]


def test_a_posterior_that_moves_a_parameter_moves_the_results(tmp_path):
    spec = experiment(parameters={"policy.funding.annual_budget": [60000]})
    means = {}
    for hazard in (0.0, 1.0):  # ties never break / every tie breaks within a month
        path = posterior_file(tmp_path / f"p{hazard}.parquet",
                              {HAZARD: [hazard], ESTABLISHED: [hazard]}, [1.0])
        out = sweep(spec, tmp_path / f"out{hazard}", posterior=path, draws=2, workers=0,
                    progress=False).out
        runs = load_results(out).runs
        assert (runs[HAZARD] == hazard).all() and (runs[ESTABLISHED] == hazard).all()
        means[hazard] = runs["export_ties"].mean()
    plain = load_results(sweep(spec, tmp_path / "plain", workers=0, progress=False).out).runs
    assert "draw" not in plain.columns and HAZARD not in plain.columns  # nothing changes
    assert means[0.0] > means[1.0] + 2
    assert plain["export_ties"].mean() > means[1.0]


def test_sweep_cli_refuses_a_bad_posterior_with_exit_2(tmp_path):
    bad = posterior_file(tmp_path / "bad.parquet", {"parameters.nope": [0.1]}, [1.0])
    path = tmp_path / "exp.yaml"
    import yaml

    path.write_text(yaml.safe_dump(experiment()))
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "o"),
                                       "--posterior", str(bad), "--draws", "2", "--workers", "0",
                                       "--no-progress"])
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output and "column 'parameters.nope'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()  # refused before anything is written
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "o"),
                                       "--draws", "2", "--workers", "0", "--no-progress"])
    assert result.exit_code == 2 and "--draws needs --posterior" in result.output
