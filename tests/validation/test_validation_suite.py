"""The suite runner: common random numbers, worker-count invariance, overrides, scenario
selection, and the whole suite in its reduced configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from clustersim.scenario import load_scenario
from clustersim.validation import ValidationInputError, load_patterns, run_validation
from clustersim.validation.observe import observe
from clustersim.validation.suite import (
    distance_to_range,
    expand_wildcards,
    plan_runs,
    replication_seed,
    select,
    shipped_scenario,
    shipped_scenarios_dir,
)

SHORT = {"steps": 36}  # three simulated years: a year pair after the 1-year burn-in, fast


def patterns(*names: str):
    chosen = [p for p in load_patterns() if p.name in names]
    assert len(chosen) == len(names)
    return chosen


def test_results_do_not_depend_on_the_number_of_workers():
    chosen = patterns("personal_vs_remote")
    one = run_validation(chosen, replications=3, workers=1, overrides=SHORT)
    two = run_validation(chosen, replications=3, workers=2, overrides=SHORT)
    np.testing.assert_array_equal(one.results[0].values, two.results[0].values)
    # and the seed matters: another base seed gives other numbers
    other = run_validation(chosen, replications=3, workers=1, overrides=SHORT, seed=99)
    assert other.results[0].values != one.results[0].values


def test_replication_seeds_are_common_to_all_scenarios():
    scenario = shipped_scenario("baseline").model_copy(update={"steps": 12})
    a = observe(scenario, replication_seed(5, 0))
    b = observe(scenario, replication_seed(5, 0))
    c = observe(scenario, replication_seed(5, 1))
    np.testing.assert_array_equal(a.firms["ties"], b.firms["ties"])
    assert a.firms["ties"].shape == (13, scenario.n_firms)
    assert not np.array_equal(a.kpis["export_ties"], c.kpis["export_ties"])


def test_identical_settings_are_run_once():
    """The funding patterns use budgets 0, 60k, 120k and 240k: four run sets, shared."""
    chosen = patterns("sme_participation_unsupported", "funding_participation_effect",
                      "funding_value_elasticity", "funding_diminishing_returns")
    chosen_, scenarios = select(chosen, None)
    run_sets, pattern_runs, _ = plan_runs(chosen_, scenarios, None)
    assert len(run_sets) == 4
    assert (pattern_runs["sme_participation_unsupported"]["unfunded"]
            == pattern_runs["funding_diminishing_returns"]["low_from"])


def test_wildcard_overrides_reach_every_service():
    data = shipped_scenario("baseline").model_dump(mode="json")
    expanded = expand_wildcards(data, {"parameters.facilitation.services.*.in_person": False})
    assert len(expanded) == len(data["parameters"]["facilitation"]["services"]) == 10
    with pytest.raises(ValidationInputError, match="matches nothing"):
        expand_wildcards(data, {"policy.translation_support.*.x": 1})


def test_global_overrides_reach_every_variant_and_can_break_a_pattern():
    """Remote contact as strong as a personal meeting: personal_vs_remote must fail (issue 8,
    item 4: each check is shown to be able to fail)."""
    chosen = patterns("personal_vs_remote")
    intact = run_validation(chosen, replications=6)
    broken = run_validation(chosen, replications=6,
                            overrides={"parameters.trust.remote_strength": 1.0})
    assert intact.results[0].mean > broken.results[0].mean
    assert not broken.results[0].passed
    assert broken.overrides == {"parameters.trust.remote_strength": 1.0}
    assert broken.scenario_hashes["baseline"] != intact.scenario_hashes["baseline"]


def test_scenarios_restrict_and_replace(tmp_path: Path):
    chosen, by_name = select(load_patterns(), ["project_ends"])
    assert [p.name for p in chosen] == ["funding_cliff_counterfactual", "funding_cliff_activity"]
    assert list(by_name) == ["project_ends"]
    # a file with the name of a shipped scenario replaces it
    data = yaml.safe_load((shipped_scenarios_dir() / "project_ends.yaml").read_text())
    data["extends"] = str(shipped_scenarios_dir() / "baseline.yaml")
    data["policy"]["funding"]["duration_months"] = 36
    mine = tmp_path / "longer_project.yaml"
    mine.write_text(yaml.safe_dump(data))
    _, by_name = select(load_patterns(), [mine])
    assert by_name["project_ends"].policy.funding.duration_months == 36
    with pytest.raises(ValidationInputError, match="no shipped scenario 'nowhere'"):
        select(load_patterns(), ["nowhere"])
    with pytest.raises(ValidationInputError, match="not measured by any pattern"):
        select(load_patterns(), ["embryonic"])


def test_bad_override_names_the_field():
    with pytest.raises(ValueError, match=r"policy\.coordination_cost"):
        run_validation(patterns("coordination_caps"), replications=1,
                       overrides={"policy.coordination_cost": -3})


def test_result_summary_fields():
    result = run_validation(patterns("persistence_overall"), replications=2, overrides=SHORT)
    r = result["persistence_overall"]
    assert len(r.values) == 2 and r.n == 2
    assert r.ci_low <= r.mean <= r.ci_high
    assert r.mean == pytest.approx(np.mean(r.values))
    assert r.passed == (0.60 <= r.mean <= 0.78)  # the accepted range in patterns.yaml
    assert result.means() == {"persistence_overall": r.mean}
    assert load_scenario(shipped_scenarios_dir() / "baseline.yaml").name in result.scenario_hashes


# Patterns whose margin in the full run is too small for 4 replications, even with sequential
# replications up to 16: their full-run means lie within about one or two standard errors (at 20
# replications) of a bound (docs/validation.md, "Last full run", seeds 2024 and 7), so their
# 4-replication means can land on the wrong side with an interval that excludes the bound. The
# test fails when any other pattern fails, so a regression in a reproduced pattern is caught.
# esca_committed_gold joined when the shipped scenarios adopted the calibrated parameters
# (0.823 -> 0.814 against >= 0.8 at seed 2024, 20 replications).
KNOWN_GAPS = frozenset({
    "one_market_share", "metalika_reach", "funding_value_elasticity",
    "funding_cliff_counterfactual", "funding_diminishing_returns", "personal_vs_remote",
    "esca_committed_gold",
})


def test_suite_reduced_config():
    """The whole suite in its reduced configuration (4 replications, sequential replications up
    to 16 as the CLI would give): every pattern outside the documented gaps passes."""
    result = run_validation(replications=4, workers=2, max_replications=16)
    assert len(result.results) == len(load_patterns())
    assert {p.name for p in load_patterns()} >= KNOWN_GAPS
    assert any(r.replications > 4 for r in result.results)  # sequential replications ran
    unexpected = sorted(set(result.failed) - KNOWN_GAPS)
    assert not unexpected, f"patterns that should pass fail: {unexpected}"
    # a known gap may miss its range by sampling error, not by more: the distance of its mean
    # to the range is at most 1.5 times its interval's width (on 2026-12-02 at most 0.94:
    # esca_committed_gold 0.788 against >= 0.8, interval [0.782, 0.795])
    for r in result.results:
        if r.name in KNOWN_GAPS:
            assert r.error is None, (r.name, r.error)
            gap = distance_to_range(r.mean, r.pattern.low, r.pattern.high)
            assert gap <= 1.5 * (r.ci_high - r.ci_low), (r.name, r.mean, r.ci_low, r.ci_high)
