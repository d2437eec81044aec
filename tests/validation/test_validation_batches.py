"""Batched replications in the validation suite (and so in calibration): each replication is
recorded as a single run would be, results do not depend on workers or on how many
replications were asked for, and sequential replications extend batches exactly."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.scenario import load_scenario
from clustersim.scenario.loader import scenario_with_overrides
from clustersim.validation import load_patterns, run_validation
from clustersim.validation.observe import observe, observe_batch
from clustersim.validation.suite import batch_sizes, plan_runs, select

SHORT = {"steps": 36}


def test_observe_batch_records_each_replication_like_a_single_run():
    scenario = scenario_with_overrides(load_scenario("scenarios/clusme_metacluster.yaml"),
                                       {"steps": 6})
    batch = observe_batch(scenario, [1, 2, 3])
    single = observe(scenario, 1)
    assert len(batch) == 3
    for obs in batch:
        assert obs.months == 6 and obs.n_firms == single.n_firms
        assert set(obs.kpis) == set(single.kpis) and set(obs.firms) == set(single.firms)
        assert obs.kpis["export_share"].shape == (7,)
        # clusters numbered within the replication; kinds and members its own firms'
        np.testing.assert_array_equal(np.unique(obs.firms["cluster"]),
                                      np.unique(single.firms["cluster"]))
        assert obs.meta == single.meta
    assert not np.array_equal(batch[0].firms["kind"], batch[1].firms["kind"])
    again = observe_batch(scenario, [1, 2, 3])
    for a, b in zip(batch, again, strict=True):
        np.testing.assert_array_equal(a.firms["ties"], b.firms["ties"])
    (one,) = observe_batch(scenario, [1])  # a batch of one is the single run
    np.testing.assert_array_equal(one.firms["ties"], single.firms["ties"])


def test_auto_batch_sizes_follow_each_run_sets_model():
    chosen, scenarios = select(load_patterns(), ["baseline"])
    run_sets, _, _ = plan_runs(chosen, scenarios, None)
    assert set(batch_sizes(run_sets, 20, "auto").values()) == {20}  # 45 firms, 20 replications
    assert set(batch_sizes(run_sets, 40, "auto").values()) == {20}
    assert set(batch_sizes(run_sets, 20, 1).values()) == {1}
    with pytest.raises(ValueError, match="batch_size"):
        batch_sizes(run_sets, 20, 0)


def test_batched_validation_is_the_same_for_any_workers_and_extends_exactly():
    churn = next(p for p in load_patterns() if p.name == "entry_churn")
    m = run_validation([churn], replications=8, overrides=SHORT, batch_size=4)[churn.name]
    near = churn.model_copy(update={"name": "near", "accepted": (m.mean, m.mean + 1.0)})
    sequential = run_validation([near], replications=4, overrides=SHORT, batch_size=4,
                                max_replications=8, workers=1)
    assert sequential.batch_size == 4 and sequential.to_dict()["batch_size"] == 4
    assert set(sequential.to_dict()["batch_sizes"].values()) == {4}
    auto = run_validation([churn], replications=4, overrides=SHORT, batch_size="auto")
    assert auto.to_dict()["batch_size"] == "auto"
    assert set(auto.batch_sizes.values()) == {4}
    extended = sequential["near"]
    assert extended.replications == 8  # the mean sits on the bound: doubled to the maximum
    assert extended.values == pytest.approx(m.values, nan_ok=True)
    parallel = run_validation([near], replications=4, overrides=SHORT, batch_size=4,
                              max_replications=8, workers=2)
    assert parallel["near"].values == pytest.approx(extended.values, nan_ok=True)
    # 3 replications in batches of 4 are the first 3 of the batch
    three = run_validation([churn], replications=3, overrides=SHORT, batch_size=4)
    assert three[churn.name].values == pytest.approx(m.values[:3], nan_ok=True)
    unbatched = run_validation([churn], replications=8, overrides=SHORT)[churn.name]
    assert unbatched.values != pytest.approx(m.values, nan_ok=True)


def test_validation_refuses_a_batch_beyond_the_size_limit():
    churn = next(p for p in load_patterns() if p.name == "entry_churn")
    with pytest.raises(ValueError, match=r"--batch-size 64: .* 320,000 firms"):
        run_validation([churn], replications=2, batch_size=64,
                       overrides={"clusters.0.n_firms": 5000})


def test_batches_ignore_a_scenarios_agent_table_setting():
    scenario = scenario_with_overrides(load_scenario("scenarios/baseline.yaml"),
                                       {"steps": 3, "output.agent_tables": True})
    assert len(observe_batch(scenario, [1, 2])) == 2
    assert observe(scenario, 1).months == 3
