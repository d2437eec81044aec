"""Scenario files: the schema every field is checked against, and loading with clear errors."""

from clustersim.scenario.loader import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    scenario_hash,
    scenario_with_overrides,
    validate_scenario,
)
from clustersim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "scenario_hash",
    "scenario_with_overrides",
    "validate_scenario",
]
