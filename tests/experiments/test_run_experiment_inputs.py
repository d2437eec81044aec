"""``run_experiment`` takes a path, a shipped name, a plain dict or an ``Experiment``."""

from __future__ import annotations

import pytest
from sweep_helpers import noisy

from clustersim.experiments import Experiment, load_runs, run_experiment
from clustersim.experiments.api import as_experiment
from clustersim.shipped import EXPERIMENTS, shipped_dir

SPEC = {"name": "dict-spec", "replications": 2, "seed": 3,
        "parameters": {"a": [1, 2], "b": [0.5]}, "design": {"type": "grid"},
        "outputs": {"kpis": ["y"], "record": "final"}}


def test_a_plain_dict_runs_like_the_same_experiment(tmp_path):
    from_dict = load_runs(run_experiment(SPEC, tmp_path / "d", run_fn=noisy, workers=0,
                                         progress=False))
    from_spec = load_runs(run_experiment(Experiment.model_validate(SPEC), tmp_path / "e",
                                         run_fn=noisy, workers=0, progress=False))
    assert len(from_dict) == 4
    assert from_dict["y"].tolist() == from_spec["y"].tolist()


def test_names_and_bad_types():
    assert as_experiment("quick") == shipped_dir(EXPERIMENTS) / "quick.yaml"
    with pytest.raises(TypeError, match="dict or an Experiment"):
        as_experiment(42)  # type: ignore[arg-type]


def test_a_dict_naming_a_shipped_scenario(tmp_path):
    from clustersim.experiments.plan import prepare_plan

    plan = prepare_plan(as_experiment({**SPEC, "scenario": "baseline",
                                       "parameters": {"policy.coordination_cost": [0.5, 1.0]},
                                       "outputs": {"kpis": ["export_share"]}}))
    assert plan.scenario_path == str((shipped_dir("scenarios") / "baseline.yaml").resolve())
