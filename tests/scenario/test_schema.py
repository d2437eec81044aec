"""Scenario validation: ranges, unknown keys with hints, cross-field rules, readable errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from clustersim.scenario import ScenarioError, load_scenario, validate_scenario
from clustersim.scenario.schema import FundingConfig, Scenario

BASE: dict[str, Any] = {
    "name": "schema-test",
    "clusters": [{"name": "alpha", "n_firms": 10}],
    "markets": {"germany": {"partner_cluster": "Brandenburg"}, "uk": {}},
}


def with_changes(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node: Any = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value
    return data


def load_bad(tmp_path: Path, changes: dict[str, Any]) -> tuple[Path, str]:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(with_changes(changes)), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert message.startswith(str(path))
    # the file is named; take it out so that words in the temporary path cannot match below
    return path, message.replace(str(path), "FILE")


def test_base_is_valid():
    scenario = validate_scenario(BASE)
    assert isinstance(scenario, Scenario)
    assert scenario.n_firms == 10 and scenario.n_clusters == 1


# (dotted field, bad value, text naming what is allowed)
RANGE_CASES = [
    ("clusters.0.n_firms", 1, ">= 2"),
    ("clusters.0.n_firms", 60000, "<= 50000"),
    ("policy.translation_support", 1.5, "<= 1"),
    ("policy.coordination_cost", -0.5, ">= 0"),
    ("policy.funding.annual_budget", -1, ">= 0"),
    ("markets.uk.language_barrier", 1.2, "<= 1"),
    ("markets.uk.size", 0, "> 0"),
    ("parameters.coordination.exponent", 0.5, ">= 1"),
    ("steps", 0, ">= 1"),
    ("clusters.0.facilitator.staff", 0, "> 0"),
]


@pytest.mark.parametrize(("field", "value", "allowed"), RANGE_CASES)
def test_range_error_names_file_field_value_and_allowed(tmp_path, field, value, allowed):
    _, message = load_bad(tmp_path, {field: value})
    assert message.startswith("FILE")
    assert f"{field} = {value}" in message
    assert allowed in message


def test_wrong_type_names_value(tmp_path):
    _, message = load_bad(tmp_path, {"steps": "many"})
    assert message.startswith("FILE")
    assert 'steps = "many"' in message
    assert "integer" in message


def test_enum_error_lists_allowed_choices(tmp_path):
    _, message = load_bad(tmp_path, {"policy.funding.scheme": "lumpsum"})
    assert 'policy.funding.scheme = "lumpsum"' in message
    for scheme in ("none", "lump_sum", "matched", "vouchers", "project", "performance"):
        assert f"'{scheme}'" in message


@pytest.mark.parametrize(("field", "typo", "expected"), [
    ("", "polcy", "policy"),
    ("clusters.0", "n_frims", "n_firms"),
    ("clusters.0.facilitator", "staf", "staff"),
    ("markets.uk", "languge_barrier", "language_barrier"),
    ("policy.funding", "schme", "scheme"),
    ("parameters.trust", "gain_rat", "gain_rate"),
])
def test_unknown_key_did_you_mean(tmp_path, field, typo, expected):
    dotted = f"{field}.{typo}" if field else typo
    _, message = load_bad(tmp_path, {dotted: 1})
    assert message.startswith("FILE")
    assert dotted in message
    assert "unknown field" in message
    assert f"did you mean '{expected}'" in message


def test_unknown_key_without_close_match_lists_allowed(tmp_path):
    _, message = load_bad(tmp_path, {"policy.zzzzzz": 1})
    assert "policy.zzzzzz" in message
    assert "did you mean" not in message
    assert "translation_support" in message  # the allowed keys are listed


def test_missing_required_field(tmp_path):
    data = copy.deepcopy(BASE)
    del data["markets"]
    with pytest.raises(ScenarioError, match="markets: required field is missing"):
        validate_scenario(data, source="x.yaml")


def test_all_problems_reported_at_once(tmp_path):
    _, message = load_bad(tmp_path, {"steps": 0, "policy.translation_support": 3,
                                     "clusters.0.n_firms": 1})
    assert "steps" in message and "policy.translation_support" in message
    assert "clusters.0.n_firms" in message


# -- cross-field rules -------------------------------------------------------------------------
def test_firm_mix_must_sum_to_one(tmp_path):
    mix = {"micro": 0.5, "sme": 0.5, "large": 0.2, "startup": 0.0}
    _, message = load_bad(tmp_path, {"clusters.0.firm_mix": mix})
    assert message.startswith("FILE")
    assert "clusters.0.firm_mix" in message
    assert "sum to 1" in message
    assert "1.2" in message  # the offending total


def test_firm_mix_summing_to_one_is_accepted():
    data = with_changes({"clusters.0.firm_mix": {"micro": 0.1, "sme": 0.2, "large": 0.3,
                                                 "startup": 0.4}})
    assert validate_scenario(data).clusters[0].firm_mix.startup == 0.4


def test_agreement_with_unknown_market(tmp_path):
    _, message = load_bad(tmp_path, {"clusters.0.agreements": ["mars"]})
    assert message.startswith("FILE")
    assert "alpha" in message and "agreement" in message
    assert "'mars'" in message
    assert "germany" in message and "uk" in message  # what is allowed


def test_agreement_needs_partner_cluster(tmp_path):
    _, message = load_bad(tmp_path, {"clusters.0.agreements": ["uk"]})
    assert "partner_cluster" in message and "'uk'" in message
    ok = with_changes({"clusters.0.agreements": ["germany"]})
    assert validate_scenario(ok).clusters[0].agreements == ["germany"]


@pytest.mark.parametrize(("stage", "age"), [("mature", 10), ("embryonic", 30), ("growth", 100)])
def test_stage_and_age_mismatch(tmp_path, stage, age):
    _, message = load_bad(tmp_path, {"clusters.0.stage": stage, "clusters.0.age_months": age})
    assert message.startswith("FILE")
    assert f"age_months = {age}" in message
    assert f"stage is '{stage}'" in message


@pytest.mark.parametrize(("stage", "age"), [("embryonic", 0), ("growth", 24), ("mature", 48)])
def test_stage_and_age_consistent(stage, age):
    data = with_changes({"clusters.0.stage": stage, "clusters.0.age_months": age})
    assert validate_scenario(data).clusters[0].stage == stage


def test_duplicate_cluster_names(tmp_path):
    _, message = load_bad(tmp_path, {"clusters": [{"name": "a"}, {"name": "a"}]})
    assert "unique" in message


def test_networked_with_unknown_cluster(tmp_path):
    _, message = load_bad(tmp_path, {"clusters.0.networked_with": ["omega"]})
    assert "'omega'" in message and "networked_with" in message


def test_lifecycle_thresholds_ordered(tmp_path):
    _, message = load_bad(tmp_path, {"parameters.lifecycle": {"months_to_growth": 50,
                                                              "months_to_mature": 40}})
    assert "parameters.lifecycle" in message and "months_to_mature" in message


def test_repeated_services_rejected(tmp_path):
    _, message = load_bad(tmp_path, {"clusters.0.facilitator.services": ["training",
                                                                         "training"]})
    assert "clusters.0.facilitator.services" in message and "repeat" in message


def test_empty_clusters_and_markets_rejected():
    for field in ("clusters", "markets"):
        data = copy.deepcopy(BASE)
        data[field] = [] if field == "clusters" else {}
        with pytest.raises(ScenarioError, match=field):
            validate_scenario(data)


def test_assignment_is_validated():
    config = FundingConfig()
    with pytest.raises(ValueError):
        config.annual_budget = -5


def test_partial_kind_profiles_and_services_are_completed():
    data = with_changes({
        "parameters.firm_kinds": {"sme": {"capability": 0.9, "language_skill": 0.1,
                                          "resources": 0.5, "export_motivation": 0.5,
                                          "competition_fear": 0.5}},
        "parameters.facilitation.services": {"training": {"cost": 1, "staff_days": 1,
                                                          "firms": 2, "contacts_per_firm": 0,
                                                          "in_person": True}},
    })
    params = validate_scenario(data).parameters
    assert set(params.firm_kinds) == {"micro", "sme", "large", "startup"}
    assert params.firm_kinds["sme"].capability == 0.9
    assert len(params.facilitation.services) == 10
    assert params.facilitation.services["training"].cost == 1
