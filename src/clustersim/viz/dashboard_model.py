"""The model SolaraViz drives: one run, or two runs side by side with the same seed.

Mesa's SolaraViz rebuilds the model on *Reset* by calling its class with the widget values as
keyword arguments. :class:`DashboardModel` is that class: it turns the values into one or two
validated scenarios (setting A and, in side-by-side mode, setting B that changes one lever),
builds a :class:`~clustersim.model.ClusterModel` for each with the same seed, and steps them
together. Values the scenario schema refuses never raise: the model falls back to the last
acceptable layer (A without its free settings, then the scenario file itself) and keeps the
user-facing message in :attr:`DashboardModel.messages` for the dashboard to show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa

from clustersim.model import ClusterModel
from clustersim.scenario import Scenario, ScenarioError, load_scenario
from clustersim.shipped import SCENARIOS, resolve
from clustersim.viz.levers import (
    COMPARISONS,
    LeverSettings,
    build_scenario,
    comparison_setting,
    describe_difference,
    parse_seed,
    settings_of,
)

SCENARIO_ENV = "CLUSTERSIM_SCENARIO"
DEFAULT_SCENARIO = Path("baseline")  # the shipped baseline, found from any directory


def scenario_path_from_env() -> Path:
    """The scenario file the dashboard starts from: ``$CLUSTERSIM_SCENARIO`` (a path or a shipped
    scenario's name) or the shipped baseline."""
    return resolve(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO, SCENARIOS)


def load_start_scenario() -> Scenario:
    """Load the start scenario (raises :class:`ScenarioError` with a readable message)."""
    return load_scenario(scenario_path_from_env())


def problems_of(exc: ScenarioError) -> str:
    return "; ".join(exc.problems)


@dataclass
class Arm:
    """One simulated setting: its label, what it changes, its scenario and its running model."""

    label: str
    description: str
    scenario: Scenario
    model: ClusterModel
    cache: dict[str, Any] = field(default_factory=dict)
    """Per-run drawing state (the network layout is computed once per run and kept here)."""


class DashboardModel(mesa.Model):
    """One or two :class:`ClusterModel` runs stepped together, built from the widget values.

    Args:
        scenario: the scenario the dashboard started from (default: ``$CLUSTERSIM_SCENARIO``).
        funding_scheme, annual_budget, language_barrier, coordination_cost, translation_support,
            facilitator_role, n_firms: the levers (``None`` keeps the scenario's value); see
            :class:`~clustersim.viz.levers.LeverSettings`.
        seed: the random seed both runs share, as typed (empty: the scenario's seed).
        extra_settings: free ``field.path=value`` settings for A (and B), ``;``-separated.
        compare: a key of :data:`~clustersim.viz.levers.COMPARISONS`; ``"off"`` runs A only.
        b_settings: free settings of B when ``compare == "custom"``.
    """

    def __init__(self, scenario: Scenario | None = None, *, funding_scheme: str | None = None,
                 annual_budget: float | None = None, language_barrier: float | None = None,
                 coordination_cost: float | None = None,
                 translation_support: float | None = None, facilitator_role: str | None = None,
                 n_firms: int | None = None, seed: str | int | None = "",
                 extra_settings: str = "", compare: str = "off", b_settings: str = ""):
        base = scenario if scenario is not None else load_start_scenario()
        self.base_scenario = base
        self.messages: list[str] = []
        start = settings_of(base)
        given = {"funding_scheme": funding_scheme, "annual_budget": annual_budget,
                 "language_barrier": language_barrier, "coordination_cost": coordination_cost,
                 "translation_support": translation_support,
                 "facilitator_role": facilitator_role, "n_firms": n_firms}
        values = {k: (v if v is not None else getattr(start, k)) for k, v in given.items()}
        settings = LeverSettings(**values)

        try:
            self.seed_value = parse_seed(seed, base.seed)
        except ScenarioError as exc:
            self.messages.append(f"Refused: {problems_of(exc)}. Using the scenario's seed "
                                 f"{base.seed}.")
            self.seed_value = base.seed
        super().__init__(seed=self.seed_value)

        scenario_a, settings, extra_settings = self._setting_a(base, settings, extra_settings)
        self.settings = settings
        self.arms = [Arm("A", self._describe_a(start, settings, extra_settings), scenario_a,
                         ClusterModel(scenario_a, seed=self.seed_value))]
        if compare != "off":
            self._add_setting_b(base, settings, extra_settings, compare, b_settings)
        self.horizon = scenario_a.steps
        self.running = True

    # -- building the settings ------------------------------------------------------------------
    def _setting_a(self, base: Scenario, settings: LeverSettings,
                   extra: str) -> tuple[Scenario, LeverSettings, str]:
        """Scenario A, falling back to fewer changes when the schema refuses a value."""
        try:
            return build_scenario(base, settings, extra), settings, extra
        except ScenarioError as exc:
            self.messages.append(f"Refused: {problems_of(exc)}.")
        if extra.strip():
            try:
                scenario = build_scenario(base, settings)
                self.messages.append("Running without the extra settings.")
                return scenario, settings, ""
            except ScenarioError as exc:
                self.messages.append(f"Refused: {problems_of(exc)}.")
        self.messages.append("Running the scenario file's own settings.")
        return base, settings_of(base), ""

    def _add_setting_b(self, base: Scenario, settings: LeverSettings, extra: str, compare: str,
                       b_extra_text: str) -> None:
        try:
            b_levers, b_extra = comparison_setting(compare, settings, extra, b_extra_text)
            scenario_b = build_scenario(base, b_levers, b_extra)
            description = describe_difference(settings, b_levers, b_extra, extra)
        except ScenarioError as exc:
            self.messages.append(f"Setting B refused: {problems_of(exc)}. Showing A only.")
            return
        label = COMPARISONS[compare].label.removeprefix("B: ")
        self.arms.append(Arm("B", f"{label} ({description})", scenario_b,
                             ClusterModel(scenario_b, seed=self.seed_value)))

    @staticmethod
    def _describe_a(start: LeverSettings, settings: LeverSettings, extra: str) -> str:
        changed = describe_difference(start, settings, extra)
        return "scenario file" if changed.startswith("nothing") else f"scenario file with {changed}"

    # -- running --------------------------------------------------------------------------------
    @property
    def month(self) -> int:
        return self.arms[0].model.month

    @property
    def comparing(self) -> bool:
        return len(self.arms) > 1

    def step(self) -> None:
        """Advance every run by one month; stop at the scenario's horizon."""
        if self.month >= self.horizon:
            self.running = False
            return
        for arm in self.arms:
            arm.model.step()
        self.running = self.month < self.horizon

    def history(self, arm: Arm, kpi: str) -> list[float]:
        """The KPI's values so far (one per month, month 0 first) as collected by the run."""
        return list(arm.model.datacollector.model_vars[kpi])
