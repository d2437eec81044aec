"""Calibration configs: valid ones resolve; each kind of mistake gets one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clustersim.calibration import CalibrationConfigError, load_config
from clustersim.calibration.distance import Target
from clustersim.cli import main

VALID = {
    "name": "cfg",
    "seed": 3,
    "free_parameters": {
        "parameters.export.tie_hazard_new": {"prior": "uniform", "low": 0.02, "high": 0.2},
        "parameters.export.own_search_prob": {"prior": "loguniform", "low": 0.03, "high": 0.3},
        "parameters.opportunities.window_months": {"prior": "normal", "mean": 4, "sd": 1,
                                                   "low": 1, "high": 8},
    },
    "targets": ["persistence_overall",
                {"pattern": "one_market_share", "observed": 0.697, "tolerance": 0.1},
                {"pattern": "funding_diminishing_returns", "range": [1.0, None]}],
    "fixed": {"steps": 36},
    "budget": {"population_size": 8, "max_generations": 2},
}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def with_changes(**changes) -> dict:
    data = yaml.safe_load(yaml.safe_dump(VALID, sort_keys=False))
    data.update(changes)
    return data


def problems(tmp_path: Path, data: dict) -> str:
    with pytest.raises(CalibrationConfigError) as info:
        load_config(write(tmp_path, data))
    return str(info.value)


def fake_result(ess: float = 8.0, predictive=None):
    """What ``calibration.run.calibrate`` returns, for CLI tests that replace the run."""
    import types

    import pandas as pd

    manifest = {"generations": 2, "final_epsilon": 0.5, "final_ess": ess,
                "stop_reason": "max_generations 2 reached",
                "simulations": {"abc_total": 20}, "failures": {"count": 0},
                "timing_s": {"total": 1.0}}
    return types.SimpleNamespace(manifest=manifest, summary=pd.DataFrame(
        columns=["parameter", "median", "q025", "q975", "identified"]),
        predictive=pd.DataFrame({"median_inside": [True]}) if predictive is None
        else predictive)


def test_valid_config_resolves(tmp_path):
    resolved = load_config(write(tmp_path, VALID))
    assert [p.path for p in resolved.parameters] == list(VALID["free_parameters"])
    assert [p.integer for p in resolved.parameters] == [False, False, True]
    assert resolved.parameters[2].value(4.6) == 5
    by_name = {t.name: t for t in resolved.targets}
    assert by_name["persistence_overall"].low == 0.6  # the pattern's own accepted range
    assert by_name["one_market_share"].low == pytest.approx(0.597)
    assert by_name["funding_diminishing_returns"].high == float("inf")
    assert set(resolved.scenario_hashes) == {"baseline"}
    assert len(resolved.all_patterns) >= len(resolved.targets)
    # the identity changes with what decides the result
    other = load_config(write(tmp_path, with_changes(seed=4)))
    assert other.identity() != resolved.identity()
    bigger = {**VALID["budget"], "population_size": VALID["budget"]["population_size"] + 1}
    other = load_config(write(tmp_path, with_changes(budget=bigger)))
    assert other.identity() != resolved.identity()


def test_raising_the_budget_keeps_the_identity_so_a_calibration_can_be_extended(tmp_path):
    resolved = load_config(write(tmp_path, VALID))
    more = {**VALID["budget"], "max_generations": 9, "min_epsilon": 0.01,
            "max_total_simulations": 10_000}
    extended = load_config(write(tmp_path, with_changes(budget=more)))
    assert extended.identity() == resolved.identity()
    # the predictive check's settings decide files of the folder: a change is another output
    other_check = load_config(write(tmp_path, with_changes(
        posterior_predictive={"draws": 3, "replications": 1})))
    assert other_check.identity() != resolved.identity()
    # the point estimate is chosen from the stored posterior on every call: not the identity
    best = load_config(write(tmp_path, with_changes(
        point_estimate={"method": "best_particle", "replications": 2})))
    assert best.identity() == resolved.identity()


def test_a_scenario_differing_only_in_free_parameters_keeps_the_identity(tmp_path):
    """Every proposal replaces the free parameters, so their values in the scenario (e.g. a
    baseline that extends calibrated.yaml) do not decide the result; any other field does."""
    baseline = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"

    def identity(overrides: dict) -> str:
        scenario = tmp_path / "scenario.yaml"  # one path: the config names it
        scenario.write_text(yaml.safe_dump({"extends": str(baseline), **overrides}),
                            encoding="utf-8")
        return load_config(write(tmp_path, with_changes(scenarios=[str(scenario)]))).identity()

    shipped = identity({})
    assert identity({"parameters": {"export": {"tie_hazard_new": 0.11,
                                                       "own_search_prob": 0.2}}}) == shipped
    assert identity({"parameters": {"export": {"firm_exit_hazard_new": 0.11}}}) != shipped


def test_the_identity_does_not_validate_values_the_user_never_set(tmp_path):
    """Each prior end is checked on its own; the identity must not check a combination (all low
    ends at once), which could break a cross-field rule the user never touched."""
    # need_level_max >= need_level_min: each prior end passes alone (the other field at its
    # default), both low ends together (0.5 > 0.2) do not
    free = {"parameters.traits.need_level_min": {"prior": "uniform", "low": 0.5, "high": 0.8},
            "parameters.traits.need_level_max": {"prior": "uniform", "low": 0.2, "high": 0.9},
            "parameters.opportunities.window_months": {"prior": "uniform", "low": 1, "high": 8}}
    resolved = load_config(write(tmp_path, with_changes(free_parameters=free)))
    assert [p.integer for p in resolved.parameters] == [False, False, True]
    assert len(resolved.identity()) == 64


def test_the_order_of_the_free_parameters_is_part_of_the_identity(tmp_path):
    # pyabc proposes in the listed order: the same priors in another order give another
    # posterior for the same seed, so such a config must not resume the folder
    resolved = load_config(write(tmp_path, VALID))
    reordered = dict(reversed(list(VALID["free_parameters"].items())))
    other = load_config(write(tmp_path, with_changes(free_parameters=reordered)))
    assert [p.path for p in other.parameters] == list(reordered)
    assert other.identity() != resolved.identity()


def test_cli_stops_a_calibration_whose_targets_no_proposal_can_measure(tmp_path):
    # 12 months leave no year pair after persistence's 1-year burn-in: undefined for everyone
    path = write(tmp_path, with_changes(targets=["persistence_overall"], fixed={"steps": 12},
                                        budget={"population_size": 5, "max_generations": 2}))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(out),
                                       "--workers", "1", "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "generation 0: all 20 proposals so far failed" in result.output
    assert "undefined (NaN): persistence_overall" in result.output
    assert "Traceback" not in result.output
    assert len((out / "failures.jsonl").read_text().splitlines()) == 20


@pytest.mark.parametrize(("change", "expected"), [
    ({"free_parameters": {"parameters.export.tie_hazrd_new": {"low": 0.0, "high": 0.1}}},
     "'tie_hazrd_new' does not exist in parameters.export; did you mean 'tie_hazard_new'?"),
    ({"free_parameters": {"parameters.export.tie_hazard_new": {"low": 0.1, "high": 0.1}}},
     "prior range [0.1, 0.1] is empty"),
    ({"free_parameters": {"parameters.export.tie_hazard_new": {"low": 0.2, "high": 0.1}}},
     "prior range [0.2, 0.1] is inverted"),
    ({"free_parameters": {"parameters.export.tie_hazard_new": {"low": 0.5, "high": 1.5}}},
     "prior high = 1.5 is outside what scenario 'baseline' allows"),
    ({"free_parameters": {"parameters.export.tie_hazard_new": {"prior": "loguniform",
                                                               "low": 0, "high": 0.1}}},
     "loguniform needs low > 0"),
    ({"free_parameters": {"parameters.export.tie_hazard_new": {"prior": "normal", "low": 0,
                                                               "high": 0.1}}},
     "a normal prior needs mean and sd"),
    ({"free_parameters": {"policy.funding.scheme": {"low": 0, "high": 1}}},
     "not a number"),
    ({"targets": ["persistence_overal"]},
     "targets.0.pattern: unknown pattern 'persistence_overal'; did you mean "
     "'persistence_overall'?"),
    ({"targets": [{"pattern": "entry_churn", "range": [0.5, 0.2]}]},
     "range [0.5, 0.2] is inverted"),
    ({"targets": ["entry_churn", "entry_churn"]}, "'entry_churn' is a target twice"),
    ({"scenarios": ["gold_label"]},
     "measured on scenario 'baseline', which scenarios does not list"),
    ({"budget": {"population_size": 1, "max_generations": 2}},
     "budget.population_size"),
    ({"fixed": {"stepz": 36}}, "'stepz' does not exist"),
])
def test_each_mistake_has_a_clear_message(tmp_path, change, expected):
    message = problems(tmp_path, with_changes(**change))
    assert str(tmp_path / "cal.yaml") in message
    assert expected in message


def test_cli_refuses_bad_config_with_exit_2_and_no_traceback(tmp_path):
    path = write(tmp_path, with_changes(targets=["no_such_pattern"]))
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "unknown pattern 'no_such_pattern'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("ess", "warned"), [(1.5, True), (1.99, True), (2.0, False), (7.9, False)])
def test_cli_warns_when_the_posterior_rests_on_a_few_particles(tmp_path, monkeypatch, ess,
                                                                 warned):
    import clustersim.calibration.run as run_module

    def fake_calibrate(resolved, out, **kwargs):  # population 8 in VALID: warn below 2
        return fake_result(ess=ess)

    monkeypatch.setattr(run_module, "calibrate", fake_calibrate)
    path = write(tmp_path, VALID)
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("warning: effective sample size" in result.output) is warned
    if warned:
        assert f"{ess:.1f} of 8" in result.output


def test_cli_names_the_targets_whose_predictive_spread_dwarfs_their_range(tmp_path,
                                                                          monkeypatch):
    import pandas as pd

    import clustersim.calibration.run as run_module

    predictive = pd.DataFrame({
        "pattern": ["noisy_target", "fine_target", "noisy_non_target"],
        "target": [True, True, False], "spread_over_range": [12.4, 2.9, 50.0],
        "median_inside": [True, True, True]})

    def fake_calibrate(resolved, out, **kwargs):
        return fake_result(predictive=predictive)

    monkeypatch.setattr(run_module, "calibrate", fake_calibrate)
    result = CliRunner().invoke(main, ["calibrate", str(write(tmp_path, VALID)), "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "interval of 1 target(s) is more than 3 times as wide" in result.output
    assert "noisy_target (12x)" in result.output
    assert "fine_target" not in result.output and "noisy_non_target" not in result.output


def test_target_distance_is_zero_inside_and_scaled_outside():
    t = Target("x", 0.2, 0.4)
    assert t.distance(0.3) == 0 and t.distance(0.2) == 0
    assert t.distance(0.5) == pytest.approx(0.5)  # 0.1 outside / width 0.2
    assert t.distance(float("nan")) == float("inf")
    half = Target("r", 1.1, float("inf"))
    assert half.distance(0.55) == pytest.approx(0.5)  # 0.55 below / |1.1|


def test_replication_batch_is_part_of_the_identity_except_one_by_one(tmp_path):
    auto = load_config(write(tmp_path, VALID))
    assert auto.config.replication_batch == "auto"
    one = load_config(write(tmp_path, with_changes(replication_batch=1)))
    four = load_config(write(tmp_path, with_changes(replication_batch=4)))
    assert len({auto.identity(), one.identity(), four.identity()}) == 3
    # 1 is how every calibration ran before batching, so it keeps their identity: the shipped
    # run's manifest (identity from before batching) still matches calibration/default.yaml,
    # which pins 1 (tests/calibration/test_shipped_configs.py)


def test_a_replication_batch_beyond_the_model_limits_is_refused_when_the_config_loads(tmp_path):
    text = problems(tmp_path, with_changes(replication_batch=64,
                                           fixed={"steps": 36, "clusters.0.n_firms": 5000}))
    assert "replication_batch 64" in text and "use replication_batch 20 or less" in text
    assert "cal.yaml" in text


@pytest.mark.parametrize(("flags", "expected"), [([], "auto"), (["--no-batch"], 1)])
def test_cli_no_batch_runs_replications_one_by_one(tmp_path, monkeypatch, flags, expected):
    import clustersim.calibration.run as run_module

    seen = {}

    def fake_calibrate(resolved, out, **kwargs):
        seen["batch"], seen["identity"] = resolved.config.replication_batch, resolved.identity()
        return fake_result()

    monkeypatch.setattr(run_module, "calibrate", fake_calibrate)
    path = write(tmp_path, VALID)
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "out"),
                                       *flags])
    assert result.exit_code == 0, result.output
    assert seen["batch"] == expected
    pinned = load_config(write(tmp_path, with_changes(replication_batch=expected)))
    assert seen["identity"] == pinned.identity()


def test_the_manifest_names_the_batch_size_each_target_scenario_ran_with(tmp_path):
    from clustersim.calibration.run import _batch_sizes

    ten = load_config(write(tmp_path, with_changes(replications=10)))
    assert _batch_sizes(ten) == {"baseline": 10}  # 45 firms: one batch of 10
    pinned = load_config(write(tmp_path, with_changes(replications=10, replication_batch=1)))
    assert _batch_sizes(pinned) == {"baseline": 1}
    small = load_config(write(tmp_path, with_changes(
        replications=10, fixed={"steps": 36, "clusters.0.n_firms": 500})))
    assert _batch_sizes(small) == {"baseline": 2}  # at most 2,000 firms, least cost
