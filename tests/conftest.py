"""Shared fixtures for the core test suite: scenario paths, the baseline and tiny scenarios."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clustersim.scenario import (
    Scenario,
    load_scenario,
    scenario_with_overrides,
    validate_scenario,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = ROOT / "scenarios"

TINY_BASE: dict[str, Any] = {
    "name": "tiny",
    "seed": 7,
    "steps": 6,
    "partners_per_firm": 2.0,
    "clusters": [{"name": "alpha", "n_firms": 12, "initial_exporter_share": 0.3}],
    "markets": {
        "near": {"language_barrier": 0.3, "psychic_distance": 0.2, "size": 2.0,
                 "partner_cluster": "near cluster"},
        "far": {"language_barrier": 0.7, "psychic_distance": 0.6, "size": 1.0},
    },
}


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS_DIR


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS_DIR / "baseline.yaml")


@pytest.fixture(scope="session")
def tiny_scenario() -> Callable[..., Scenario]:
    """Factory: a small valid scenario (one cluster of 12 firms, two markets).

    ``tiny_scenario(steps=3)`` replaces top-level fields; ``tiny_scenario({"a.b": 1})`` applies
    dotted overrides (``clusters.0.n_firms``, ``markets.near.language_barrier``, ...).
    """

    def make(overrides: dict[str, Any] | None = None, **fields: Any) -> Scenario:
        data = copy.deepcopy(TINY_BASE)
        data.update(fields)
        scenario = validate_scenario(data, source="tiny_scenario")
        if overrides:
            scenario = scenario_with_overrides(scenario, overrides, source="tiny_scenario")
        return scenario

    return make


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line at the end of the run when the dashboard's browser test was skipped here (no
    Chromium or playwright on this machine), so nobody takes a green run for a tested
    dashboard. In CI the browser test fails instead of skipping."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "test_viz_browser" in getattr(r, "nodeid", "")]
    if skipped:
        terminalreporter.write_line(
            "WARNING: the dashboard was NOT tested in a browser (tests/viz/test_viz_browser.py "
            "skipped: no Chromium/playwright here; apt-get install chromium)", yellow=True,
            bold=True)
