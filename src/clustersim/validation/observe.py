"""Run one scenario replication and keep what the validation measures need.

Everything the patterns measure is read through two seams of the model, so a change of model
internals touches this module only: the month's KPI row (``ClusterModel.current_kpis``) and
``ClusterModel.firm_observation()`` (per firm: ties, markets, revenue, kind, cluster, member).
Both are recorded for every month 0..T and stacked into arrays of shape (T + 1,) and
(T + 1, n_firms); firms are never added or removed, so columns keep their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clustersim.scenario.schema import FIRM_KINDS, Scenario

FIRM_FIELDS: tuple[str, ...] = ("ties", "markets", "revenue", "kind", "cluster", "member")
"""The ``firm_observation()`` fields an :class:`Observation` keeps."""

SMALL_FIRM_KINDS: tuple[str, ...] = ("micro", "sme", "startup")
"""Kinds counted as small and medium-sized firms (SME participation patterns, EIM 2010)."""


@dataclass
class Observation:
    """One replication of one scenario (or variant), month by month.

    ``kpis[name]`` has shape (T + 1,), index = month (0 = initial state); ``firms[field]`` has
    shape (T + 1, n_firms). ``meta`` holds the few scenario settings that measures need (funding
    budget, start and duration) so that measures stay pure functions of observations.
    """

    kpis: dict[str, np.ndarray]
    firms: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def months(self) -> int:
        """T, the number of simulated months (arrays have T + 1 rows)."""
        return int(self.firms["ties"].shape[0] - 1)

    @property
    def n_firms(self) -> int:
        return int(self.firms["ties"].shape[1])

    @property
    def n_years(self) -> int:
        """Complete simulated years (months 12(y-1)+1..12y for y = 1..n_years)."""
        return self.months // 12

    def yearly(self, name: str, how: str = "any") -> np.ndarray:
        """A firm field aggregated per complete year: shape (n_years, n_firms).

        ``how``: ``any`` (> 0 in some month), ``sum`` or ``max`` over the year's 12 months.
        """
        values = self.firms[name][1: 12 * self.n_years + 1]
        blocks = values.reshape(self.n_years, 12, self.n_firms)
        if how == "any":
            return (blocks > 0).any(axis=1)
        if how == "sum":
            return blocks.sum(axis=1)
        if how == "max":
            return blocks.max(axis=1)
        raise ValueError(f"how = {how!r}: allowed any, sum, max")

    def exported(self) -> np.ndarray:
        """(n_years, n_firms) bool: the firm held at least one export tie in some month of the
        year."""
        return self.yearly("ties", "any")

    def small_firms(self) -> np.ndarray:
        """(n_firms,) bool: micro firms, SMEs and start-ups (kinds at month 0)."""
        codes = [FIRM_KINDS.index(k) for k in SMALL_FIRM_KINDS]
        return np.isin(self.firms["kind"][0], codes)

    def kpi(self, name: str) -> np.ndarray:
        try:
            return self.kpis[name]
        except KeyError:
            raise KeyError(f"KPI '{name}' is not recorded; KPIs: {sorted(self.kpis)}") from None


def scenario_meta(scenario: Scenario) -> dict[str, Any]:
    """Scenario settings measures may need, copied into each observation."""
    funding = scenario.policy.funding
    return {
        "scenario": scenario.name,
        "annual_budget": float(funding.annual_budget),
        "funding_scheme": str(funding.scheme),
        "funding_start_month": int(funding.start_month),
        "funding_duration_months": int(funding.duration_months),
        "coordination_cost": float(scenario.policy.coordination_cost),
        "steps": int(scenario.steps),
    }


def observe(scenario: Scenario, seed: int | np.random.SeedSequence) -> Observation:
    """Run ``scenario`` once with ``seed`` and record KPIs and firm fields for months 0..T.

    A module-level function of picklable arguments, so executors can run it in other processes.
    """
    from clustersim.model import ClusterModel
    from clustersim.simulation import release_model

    model = ClusterModel(scenario, seed=seed, collect_agent_tables=False)
    kpi_rows = [dict(model.current_kpis)]
    firm_rows = [model.firm_observation()]
    for _ in range(scenario.steps):
        model.step()
        model.collect()  # no-op when the step already collected this month
        kpi_rows.append(dict(model.current_kpis))
        firm_rows.append(model.firm_observation())
    release_model(model)
    kpis = {name: np.array([row[name] for row in kpi_rows], float) for name in kpi_rows[0]}
    firms = {name: np.stack([row[name] for row in firm_rows]) for name in FIRM_FIELDS}
    return Observation(kpis=kpis, firms=firms, meta=scenario_meta(scenario))


def observe_batch(scenario: Scenario,
                  seeds: list[int | np.random.SeedSequence]) -> list[Observation]:
    """Run ``scenario`` once per seed as one batch (:func:`clustersim.simulation.simulate_batch`)
    and record each replication as :func:`observe` does; a batch of one seed is
    :func:`observe`'s run. Firm arrays are the replication's own firms, clusters numbered
    within it."""
    if len(seeds) == 1:
        return [observe(scenario, seeds[0])]
    from clustersim.model import ClusterModel
    from clustersim.simulation import batch_seed, release_model

    model = ClusterModel(scenario, seed=batch_seed(list(seeds)), replicas=len(seeds),
                         collect_agent_tables=False)
    firm_rows = [model.firm_observation()]
    for _ in range(scenario.steps):
        model.step()
        model.collect()  # no-op when the step already collected this month
        firm_rows.append(model.firm_observation())
    release_model(model)
    stacked = {name: np.stack([row[name] for row in firm_rows]) for name in FIRM_FIELDS}
    observations = []
    for rows, (mine, clusters, _) in zip(model.replica_kpi_rows, model.replica_blocks(),
                                         strict=True):
        firms = {name: values[:, mine].copy() for name, values in stacked.items()}
        firms["cluster"] -= clusters.start
        kpis = {name: np.array([row[name] for row in rows], float)
                for name in rows[0] if name != "step"}
        observations.append(Observation(kpis=kpis, firms=firms, meta=scenario_meta(scenario)))
    return observations
