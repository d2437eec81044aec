"""The EMA Workbench adapter, driven by EMA's own SequentialEvaluator on a tiny design."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sweep_helpers import BASELINE, TINY, tiny_model_experiment

from clustersim.experiments.ema import ema_model, ema_model_from_experiment
from clustersim.experiments.plan import run_seed
from clustersim.experiments.worker import ScenarioRun
from clustersim.scenario import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # ema_workbench warns about optional extras at import
    from ema_workbench import SequentialEvaluator, perform_experiments

OUTCOMES = ["export_share", "export_ties", "public_spent"]


def test_ema_runs_the_model_with_its_own_evaluator():
    model = ema_model(
        BASELINE,
        uncertainties={"markets.germany.language_barrier": (0.2, 0.8)},
        levers={"policy.funding.annual_budget": (0, 200_000),
                "policy.funding.scheme": ["lump_sum", "vouchers"]},
        outcomes=OUTCOMES,
        overrides=TINY,
        seed=9,
    )
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, 3, 2, evaluator=evaluator)
    assert len(experiments) == 6
    assert set(OUTCOMES) <= set(outcomes)
    assert all(outcomes[k].shape == (6,) for k in OUTCOMES)
    # each experiment equals a direct run of the same point with the adapter's seed
    base = load_scenario(BASELINE, overrides=TINY).model_dump(mode="json")
    run = ScenarioRun(base, tuple(OUTCOMES), "final")
    for i in (0, 5):
        row = experiments.iloc[i]
        params = {
            "markets.germany.language_barrier": float(row["markets.germany.language_barrier"]),
            "policy.funding.annual_budget": float(row["policy.funding.annual_budget"]),
            "policy.funding.scheme": str(row["policy.funding.scheme"]),
        }
        final, _ = run(params, run_seed(9, 0))
        for k in OUTCOMES:
            assert outcomes[k][i] == pytest.approx(final[k])
    assert np.ptp(outcomes["public_spent"]) > 0  # levers reach the model


def test_ema_model_from_an_experiment_file_with_replications(tmp_path):
    path = tiny_model_experiment(
        tmp_path / "e.yaml",
        parameters={"policy.funding.annual_budget": {"bounds": [0, 100000]},
                    "parameters.network.peers_per_firm": {"bounds": [2, 8], "integer": True}},
        design={"type": "lhs", "samples": 4},
    )
    model = ema_model_from_experiment(path)
    assert [u.name for u in model.uncertainties] == [
        "policy.funding.annual_budget", "parameters.network.peers_per_firm"]
    assert type(model.uncertainties[1]).__name__ == "IntegerParameter"
    with SequentialEvaluator(model) as evaluator:
        _, outcomes = perform_experiments(model, 2, evaluator=evaluator)
    assert outcomes["export_share"].shape == (2,)
    assert ((outcomes["export_share"] >= 0) & (outcomes["export_share"] <= 1)).all()


def test_bad_ranges_fail_before_any_run():
    with pytest.raises(ValueError, match="language_barrier"):
        ema_model(BASELINE, uncertainties={"markets.germany.language_barrier": (0.2, 3.0)},
                  overrides=TINY)
    with pytest.raises(ValueError, match="unknown KPI"):
        ema_model(BASELINE, uncertainties={"policy.translation_support": (0.0, 1.0)},
                  outcomes=["exports"], overrides=TINY)


def shipped_experiment_files() -> list[str]:
    from clustersim.shipped import EXPERIMENTS, shipped_dir, shipped_names

    return [n for n in shipped_names(EXPERIMENTS)
            if "target_public_spend" not in (shipped_dir(EXPERIMENTS) / f"{n}.yaml").read_text()]


@pytest.mark.parametrize("name", shipped_experiment_files())
def test_every_shipped_experiment_file_becomes_an_ema_model(name):
    model = ema_model_from_experiment(name)  # a shipped name; EMA takes letters and digits only
    assert model.name.isalnum()
    assert len(model.uncertainties) >= 1 and len(model.outcomes) >= 1


def test_comparison_files_are_refused_with_a_pointer_to_compare():
    from clustersim.experiments.spec import ExperimentError

    with pytest.raises(ExperimentError, match="clustersim compare"):
        ema_model_from_experiment("funding_schemes_tiny")
