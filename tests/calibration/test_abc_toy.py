"""The ABC core on a toy model with a known answer: recovery, determinism, resume, failures.

The toy (:func:`clustersim.calibration.simulator.toy_simulator`) goes through the same
:func:`run_abc` as the real model: y ~ mean of Normal(theta, 0.2), z ~ mean of Normal(2 theta,
0.2). Targets around theta = 0.7 must give a posterior whose 95% credible interval holds 0.7.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from clustersim.calibration import AbcBudget, FreeParameter, Prior, Target, run_abc
from clustersim.calibration.simulator import toy_simulator
from clustersim.calibration.smc import AllProposalsFailed, BudgetBelowStored
from clustersim.calibration.summary import posterior_summary, weighted_quantile

TRUE_THETA = 0.7
PARAMS = [FreeParameter("theta", Prior(prior="uniform", low=0.0, high=2.0))]
TARGETS = [Target("y", TRUE_THETA - 0.05, TRUE_THETA + 0.05),
           Target("z", 2 * TRUE_THETA - 0.1, 2 * TRUE_THETA + 0.1)]


def test_toy_parameter_recovered_within_its_credible_interval(tmp_path):
    result = run_abc(PARAMS, TARGETS, toy_simulator,
                     AbcBudget(population_size=40, max_generations=5), seed=3, out=tmp_path)
    theta = result.posterior["theta"].to_numpy()
    w = result.posterior["weight"].to_numpy()
    low, high = weighted_quantile(theta, w, [0.025, 0.975])
    assert low <= TRUE_THETA <= high
    assert high - low < 0.4, "the posterior must be much narrower than the prior [0, 2]"
    summary = posterior_summary(result.posterior, PARAMS)
    assert bool(summary.loc[0, "identified"])
    # epsilon shrinks generation by generation; acceptance rates are proportions
    eps = result.generations["epsilon"].to_numpy()
    assert np.all(np.diff(eps) < 0)
    assert result.generations["acceptance_rate"].between(0, 1).all()
    assert (result.generations["accepted"] == 40).all()
    assert result.generations["ess"].between(1, 40).all()
    assert result.generations["ess"].iloc[0] == pytest.approx(40)  # gen 0: equal weights
    assert math.isclose(result.posterior["weight"].sum(), 1.0)


def test_other_seed_other_posterior(tmp_path):
    budget = AbcBudget(population_size=12, max_generations=2)
    one = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=5, out=tmp_path / "one")
    same = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=5, out=tmp_path / "same")
    other = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=6, out=tmp_path / "other")
    pd.testing.assert_frame_equal(one.posterior, same.posterior)
    assert not np.array_equal(other.posterior["theta"], one.posterior["theta"])


CALLS = {"n": 0}


def interrupted_toy(overrides, seed):
    """The toy, interrupted (like Ctrl-C) at its 40th call in this process (each proposal
    gets a fresh copy of the simulator, so the count lives in the module)."""
    CALLS["n"] += 1
    if CALLS["n"] == 40:
        raise KeyboardInterrupt
    return toy_simulator(overrides, seed)


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    budget = AbcBudget(population_size=12, max_generations=4)
    full = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=9, out=tmp_path / "full")
    with pytest.raises(KeyboardInterrupt):  # stops in generation 2 (after 12 + >= 12 calls)
        CALLS["n"] = 0
        run_abc(PARAMS, TARGETS, interrupted_toy, budget, seed=9, out=tmp_path / "cut")
    resumed = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=9, out=tmp_path / "cut")
    assert resumed.resumed_from >= 1
    assert list(resumed.generations["generation"]) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(full.posterior, resumed.posterior)
    pd.testing.assert_frame_equal(full.generations[["epsilon", "evaluations"]],
                                  resumed.generations[["epsilon", "evaluations"]])
    # a finished run is not extended by running it again with the same budget
    again = run_abc(PARAMS, TARGETS, toy_simulator, budget, seed=9, out=tmp_path / "cut")
    assert len(again.generations) == 4
    assert not again.sampler_logs


def failing_toy(overrides, seed):
    """Raises for theta > 1.5 and is undefined for theta < 0.1."""
    if overrides["theta"] > 1.5:
        raise RuntimeError("toy model diverged")
    if overrides["theta"] < 0.1:
        return {"y": math.nan, "z": math.nan}
    return toy_simulator(overrides, seed)


def test_failed_simulations_are_recorded_not_dropped(tmp_path):
    result = run_abc(PARAMS, TARGETS, failing_toy,
                     AbcBudget(population_size=20, max_generations=2), seed=1, out=tmp_path)
    kinds = {f["kind"] for f in result.failures}
    assert kinds == {"error", "undefined"}
    errors = [f for f in result.failures if f["kind"] == "error"]
    assert all("toy model diverged" in f["reason"] for f in errors)
    assert all(f["parameters"]["theta"] > 1.5 for f in errors)
    # none of them is in the posterior, every one is counted per generation
    assert result.posterior["theta"].between(0.1, 1.5).all()
    assert result.generations["failed"].sum() == len(result.failures)
    # generation 0 samples the prior: ~25% of proposals fail, so more than 20 were simulated
    gen0 = result.generations.iloc[0]
    assert gen0["evaluations"] > 20 and gen0["accepted"] == 20
    lines = (tmp_path / "failures.jsonl").read_text().splitlines()
    assert len(lines) == len(result.failures)
    assert json.loads(lines[0])["generation"] == 0


def test_a_larger_budget_extends_a_finished_run_to_the_longer_run(tmp_path):
    full = run_abc(PARAMS, TARGETS, toy_simulator, AbcBudget(population_size=12,
                                                             max_generations=4),
                   seed=9, out=tmp_path / "full")
    short = run_abc(PARAMS, TARGETS, toy_simulator, AbcBudget(population_size=12,
                                                              max_generations=2),
                    seed=9, out=tmp_path / "grown")
    assert len(short.generations) == 2
    grown = run_abc(PARAMS, TARGETS, toy_simulator, AbcBudget(population_size=12,
                                                              max_generations=4),
                    seed=9, out=tmp_path / "grown")
    assert grown.resumed_from == 2
    assert [log.t for log in grown.sampler_logs] == [2, 3]
    pd.testing.assert_frame_equal(full.posterior, grown.posterior)
    pd.testing.assert_frame_equal(full.generations[["epsilon", "evaluations"]],
                                  grown.generations[["epsilon", "evaluations"]])
    # a smaller budget than the folder holds is refused, not relabelled
    with pytest.raises(BudgetBelowStored, match="holds 4 generations of this calibration, "
                                                "more than max_generations 3"):
        run_abc(PARAMS, TARGETS, toy_simulator, AbcBudget(population_size=12, max_generations=3),
                seed=9, out=tmp_path / "grown")


def undefined_toy(overrides, seed):
    """A target nobody can measure: every proposal is undefined."""
    return {"y": math.nan, "z": math.nan}


def test_a_calibration_where_every_proposal_fails_stops_with_a_clear_message(tmp_path):
    # before: no max_total_simulations and every distance infinite = proposals forever
    with pytest.raises(AllProposalsFailed, match=r"generation 0: all 20 proposals so far "
                                                  r"failed.*undefined \(NaN\): y, z"):
        run_abc(PARAMS, TARGETS, undefined_toy,
                AbcBudget(population_size=10, max_generations=3), seed=1, out=tmp_path)
    lines = (tmp_path / "failures.jsonl").read_text().splitlines()
    assert len(lines) == 20
    # one success among 20 proposals (the 18th) keeps the generation going: 19 failures of
    # 20 do not stop it
    calls = iter(range(10**6))

    def mostly_undefined(overrides, seed):
        call = next(calls)
        return toy_simulator(overrides, seed) if call == 17 or call >= 25 else undefined_toy(
            overrides, seed)

    result = run_abc(PARAMS, TARGETS, mostly_undefined,
                     AbcBudget(population_size=5, max_generations=1), seed=1,
                     out=tmp_path / "some")
    assert result.generations.iloc[0]["accepted"] == 5
    assert result.generations.iloc[0]["failed"] == 24


def test_an_interrupt_cancels_the_queued_simulations_of_the_batch():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from clustersim.calibration.smc import _result_or_cancel_rest

    def interrupted():
        raise KeyboardInterrupt

    gate = Event()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(interrupted)
        rest = [pool.submit(gate.wait) for _ in range(4)]
        try:
            with pytest.raises(KeyboardInterrupt):
                _result_or_cancel_rest(first, rest)
            # one may already run on the single worker; the ones queued behind it never start
            assert sum(f.cancelled() for f in rest) >= 3
        finally:
            gate.set()
