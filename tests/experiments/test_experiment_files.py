"""Experiment files: the shipped ones are valid; invalid ones fail naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import BASELINE, ROOT, tiny_model_experiment, write_yaml

from clustersim.experiments import ExperimentError, prepare_plan


@pytest.mark.parametrize("name", ["quick", "funding_vs_language", "sobol_core"])
def test_shipped_experiments_are_valid(name):
    plan = prepare_plan(ROOT / "experiments" / f"{name}.yaml")
    assert plan.n_runs > 0
    assert plan.scenario_sha256


def test_shipped_sizes():
    quick = prepare_plan(ROOT / "experiments" / "quick.yaml")
    assert quick.n_runs <= 40
    sobol = prepare_plan(ROOT / "experiments" / "sobol_core.yaml")
    assert sobol.design.kind == "sobol" and sobol.n_points == 256 * (8 + 2)


def problems_of(path: Path) -> str:
    with pytest.raises(ExperimentError) as info:
        prepare_plan(path)
    message = str(info.value)
    assert str(path) in message  # the message names the file
    return message


def test_unknown_top_level_field_suggests_the_right_name(tmp_path):
    path = tiny_model_experiment(tmp_path / "e.yaml", replicatons=3)
    message = problems_of(path)
    assert "replicatons: unknown field; did you mean 'replications'?" in message


def test_unknown_scenario_path_is_reported_with_a_hint(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "e.yaml", parameters={"policy.funding.anual_budget": [0, 1000]}
    )
    message = problems_of(path)
    assert "parameters.policy.funding.anual_budget" in message
    assert "did you mean 'annual_budget'" in message


def test_bounds_outside_the_field_range_name_the_allowed_range(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "e.yaml",
        parameters={"markets.germany.language_barrier": {"bounds": [0.1, 1.5]}},
        design={"type": "lhs", "samples": 8},
    )
    message = problems_of(path)
    assert "parameters.markets.germany.language_barrier" in message
    assert "1.5" in message and "<= 1" in message


def test_grid_value_of_wrong_type(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "e.yaml", parameters={"policy.funding.scheme": ["lump_sum", "bribes"]}
    )
    message = problems_of(path)
    assert "parameters.policy.funding.scheme" in message and "bribes" in message


def test_unknown_kpi(tmp_path):
    path = tiny_model_experiment(tmp_path / "e.yaml", outputs={"kpis": ["export_shares"]})
    assert "did you mean 'export_share'" in problems_of(path)


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ({"type": "lhs"}, "design type 'lhs' needs 'samples'"),
        ({"type": "sobol", "samples": 10}, "must be a power of 2"),
        ({"type": "grid", "samples": 10}, "does not use 'samples'"),
        ({"type": "latin"}, "design.type"),
        ({"type": "morris", "trajectories": 1}, "design.trajectories"),
    ],
)
def test_bad_designs(tmp_path, design, expected):
    path = tiny_model_experiment(tmp_path / "e.yaml", design=design)
    assert expected in problems_of(path)


def test_missing_scenario_file_and_missing_field(tmp_path):
    path = tiny_model_experiment(tmp_path / "e.yaml", scenario="nowhere.yaml")
    assert "scenario = 'nowhere.yaml': no such file" in problems_of(path)
    data_without = tmp_path / "f.yaml"
    write_yaml(data_without, {"name": "x", "parameters": {"a": [1]}})
    assert "scenario: required field is missing" in problems_of(data_without)


def test_override_errors_point_at_the_scenario(tmp_path):
    path = tiny_model_experiment(tmp_path / "e.yaml", overrides={"steps": 0})
    message = problems_of(path)
    assert str(BASELINE) in message and "steps" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "top level must be a mapping"),
        ("", "top level must be a mapping, got an empty file"),
        ("name: [unclosed\n", "not valid YAML"),
        ("name: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    ],
)
def test_not_an_experiment_at_all(tmp_path, text, expected):
    path = tmp_path / "e.yaml"
    path.write_text(text)
    assert expected in problems_of(path)


def test_parameter_needs_values_or_bounds(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "e.yaml", parameters={"policy.translation_support": {"integer": True}}
    )
    message = problems_of(path)
    assert "parameters.policy.translation_support" in message
    assert "exactly one of 'values'" in message
