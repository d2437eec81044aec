"""Levers -> scenarios: every lever reaches its scenario field, refused values say why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clustersim.scenario import ScenarioError
from clustersim.viz.levers import (
    COMPARISONS,
    build_scenario,
    comparison_setting,
    describe_difference,
    lever_overrides,
    lever_ranges,
    mean_language_barrier,
    on_grid,
    parse_assignments,
    parse_seed,
    settings_of,
)


def test_unchanged_levers_give_back_the_scenario(baseline):
    assert lever_overrides(baseline, settings_of(baseline)) == {}
    assert build_scenario(baseline, settings_of(baseline)) is baseline


def test_each_lever_sets_its_field(baseline):
    start = settings_of(baseline)
    changed = replace(start, funding_scheme="vouchers", annual_budget=90_000.0,
                      coordination_cost=2.5, translation_support=1.0,
                      facilitator_role="project", n_firms=60)
    scenario = build_scenario(baseline, changed)
    assert scenario.policy.funding.scheme == "vouchers"
    assert scenario.policy.funding.annual_budget == 90_000.0
    assert scenario.policy.coordination_cost == 2.5
    assert scenario.policy.translation_support == 1.0
    assert all(c.facilitator.role.value == "project" for c in scenario.clusters)
    assert scenario.n_firms == 60
    assert settings_of(scenario) == changed


def test_language_barrier_shifts_all_markets_and_keeps_their_order(baseline):
    start = settings_of(baseline)
    scenario = build_scenario(baseline, replace(start, language_barrier=0.3))
    before = {k: m.language_barrier for k, m in baseline.markets.items()}
    after = {k: m.language_barrier for k, m in scenario.markets.items()}
    assert mean_language_barrier(scenario) == pytest.approx(0.3, abs=1e-3)
    assert sorted(before, key=before.get) == sorted(after, key=after.get)
    assert {round(after[k] - before[k], 4) for k in before} == {
        round(0.3 - mean_language_barrier(baseline), 4)}


def test_firm_count_scales_every_cluster_of_a_multi_cluster_scenario(repo_root):
    from clustersim import load_scenario

    national = load_scenario(repo_root / "scenarios" / "national_programme.yaml")
    half = build_scenario(national, replace(settings_of(national),
                                            n_firms=national.n_firms // 2))
    assert [c.n_firms for c in half.clusters] == [15, 24, 70]


def test_free_settings_are_applied_after_the_levers(baseline):
    scenario = build_scenario(baseline, settings_of(baseline),
                              "policy.funding.duration_months=24; clusters.0.facilitator.staff=3")
    assert scenario.policy.funding.duration_months == 24
    assert scenario.clusters[0].facilitator.staff == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("policy.funding.annual_budget=-5", "annual_budget"),
    ("clusters.0.n_firm=3", "did you mean 'n_firms'"),
    ("just words", "field.path=value"),
    ("=3", "field name is missing"),
    ("markets.germany.language_barrier=1.5", "less than or equal to 1"),
])
def test_refused_settings_raise_a_readable_message(baseline, text, expected):
    with pytest.raises(ScenarioError) as info:
        build_scenario(baseline, settings_of(baseline), text)
    assert expected in str(info.value)


def test_unknown_scheme_is_refused(baseline):
    with pytest.raises(ScenarioError, match="choose one of"):
        build_scenario(baseline, replace(settings_of(baseline), funding_scheme="gift"))


def test_parse_assignments_reads_yaml_values():
    assert parse_assignments("a.b=3; c=[x, y]\nd = true") == {"a.b": 3, "c": ["x", "y"],
                                                               "d": True}
    assert parse_assignments("  ;  ") == {}


@pytest.mark.parametrize(("text", "seed"), [("", 7), ("  ", 7), (None, 7), ("12", 12), (3, 3)])
def test_parse_seed(text, seed):
    assert parse_seed(text, default=7) == seed


@pytest.mark.parametrize("text", ["abc", "-1", "1.5"])
def test_parse_seed_refuses_non_seeds(text):
    with pytest.raises(ScenarioError, match="seed"):
        parse_seed(text, default=7)


def test_every_comparison_changes_exactly_what_it_says(baseline):
    start = settings_of(baseline)
    for name in COMPARISONS:
        b_levers, b_extra = comparison_setting(name, start, "", "policy.coordination_cost=3")
        scenario_b = build_scenario(baseline, b_levers, b_extra)
        changed = describe_difference(start, b_levers, b_extra)
        if name == "off":
            assert scenario_b is baseline
        else:
            assert scenario_b != baseline, name
            assert not changed.startswith("nothing"), name
    b_levers, b_extra = comparison_setting("project stops after 2 years", start, "", "")
    scenario_b = build_scenario(baseline, b_levers, b_extra)
    assert scenario_b.policy.funding.scheme == "project"
    assert scenario_b.policy.funding.duration_months == 24


def test_unknown_comparison_is_refused(baseline):
    with pytest.raises(ScenarioError, match="compare"):
        comparison_setting("bogus", settings_of(baseline), "", "")


def test_slider_grids_hold_the_start_values(baseline):
    start = settings_of(baseline)
    for name, (low, high, step) in lever_ranges(start).items():
        value = getattr(start, name)
        assert low <= value <= high, name
        assert abs(value / step - round(value / step)) < 1e-6, name
    assert on_grid(0.47, 0.05) == pytest.approx(0.01)
    assert on_grid(60_000, 5_000) == 5_000
