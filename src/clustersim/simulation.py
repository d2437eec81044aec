"""Run one scenario to the end and hand back tidy tables: the public entry point for scripts,
notebooks, the CLI and the experiment runner."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clustersim.mesa_core import mesa
from clustersim.model import ClusterModel
from clustersim.outputs.network import relations_frame
from clustersim.processes.observation import CLUSTER_KPI_NAMES, KPI_NAMES
from clustersim.scenario.schema import Scenario

ALWAYS_DEFINED_KPIS: tuple[str, ...] = (
    "export_share", "export_ties", "new_ties", "new_ties_total", "new_exporters",
    "export_revenue", "members", "budget_balance", "income_public", "income_fees",
    "income_services", "income_eu", "public_spent", "vouchers_unredeemed", "open_opportunities",
    "relations",
)
"""KPIs that are counts or sums of money: a number at every month. The others are ratios that
are undefined (NaN, shown as n/a) when their denominator is zero, e.g. cost per new tie before
the first tie."""


class NonFiniteKPIError(ArithmeticError):
    """A KPI came out infinite (or NaN where a number is expected): the model's arithmetic
    overflowed, so the run's results are meaningless and must not be written as numbers."""


def check_finite_kpis(kpis: pd.DataFrame, scenario_name: str) -> None:
    """Fail loudly when any KPI is +-inf, or an always-defined KPI is NaN."""
    numeric = kpis.select_dtypes("number")
    bad = [c for c in numeric.columns if np.isinf(numeric[c].to_numpy(dtype=float)).any()]
    bad += [c for c in ALWAYS_DEFINED_KPIS
            if c in numeric.columns and numeric[c].isna().any() and c not in bad]
    if bad:
        first = kpis.loc[~np.isfinite(numeric[bad[0]].to_numpy(dtype=float)), "step"]
        month = int(first.iloc[0]) if "step" in kpis and len(first) else "?"
        raise NonFiniteKPIError(
            f"scenario '{scenario_name}': KPI {', '.join(bad[:5])} is not a finite number "
            f"(first at month {month}); some inputs are too large for the model's arithmetic. "
            "Nothing was written; use smaller amounts (see the bounds in docs/ODD.md)")


@dataclass
class SimulationResult:
    """Outputs of one run. ``kpis`` has one row per step (step 0 is the initial state)."""

    scenario: Scenario
    seed: int | None
    kpis: pd.DataFrame
    cluster_kpis: pd.DataFrame
    network: pd.DataFrame
    wall_time_s: float
    agent_table: pd.DataFrame | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def final(self) -> dict[str, float]:
        """The KPIs of the last step."""
        row = self.kpis.iloc[-1]
        return {k: float(v) for k, v in row.items() if k != "step"}


def simulate(scenario: Scenario, *, seed: int | np.random.SeedSequence | None = None,
             steps: int | None = None, progress: bool = False,
             collect_agent_tables: bool | None = None,
             collect_every: int = 1) -> SimulationResult:
    """Build a :class:`ClusterModel` from ``scenario`` and run it for ``steps`` months.

    Args:
        scenario: a validated scenario (see :func:`clustersim.scenario.load_scenario`).
        seed: overrides ``scenario.seed``; the same scenario and seed give identical tables.
        steps: overrides ``scenario.steps``.
        progress: show a progress bar on the terminal.
        collect_agent_tables: record a per-step firm table (slower).
        collect_every: record indicators every k-th month and the last month only; the ``kpis``
            table then has those rows (its ``step`` column says which months).
    """
    started = time.perf_counter()
    model = ClusterModel(scenario, seed=seed, collect_agent_tables=collect_agent_tables,
                         collect_every=collect_every)
    n_steps = scenario.steps if steps is None else int(steps)
    bar = None
    if progress:  # tqdm (with its asyncio and notebook variants) loads only when shown
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=scenario.name, unit="month", leave=False)
    for _ in range(n_steps):
        model.step()
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    model.collect()  # the last month is always recorded
    result = result_from_model(model, wall_time_s=time.perf_counter() - started)
    release_model(model)
    check_finite_kpis(result.kpis, scenario.name)
    return result


def batch_seed(seeds: list[int | np.random.SeedSequence]) -> np.random.SeedSequence:
    """The random stream of a batch: one ``SeedSequence`` from its members' seeds, in order, so
    the same members give the same batch whichever process or machine runs it."""
    if not seeds:
        raise ValueError("a batch needs at least one seed")
    entropy: list[int] = []
    for seed in seeds:
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        entropy.extend(int(x) for x in seq.generate_state(4))
    return np.random.SeedSequence(entropy)


def simulate_batch(scenario: Scenario, seeds: list[int | np.random.SeedSequence], *,
                   steps: int | None = None, collect_every: int = 1,
                   check_finite: bool = True) -> list[SimulationResult]:
    """Run ``len(seeds)`` replications of ``scenario`` as one batch: copies of the world side by
    side in one set of arrays, one random stream for all (:func:`batch_seed`). For small
    scenarios this is several times faster per replication than :func:`simulate`, whose cost
    per month is mostly fixed overhead.

    The replicas share nothing but the stream: each has its own firms, facilitators, partners,
    markets and funding pool, and its own indicators. A replica's rows therefore follow the
    model's rules exactly as a single run's do, but they are not the rows :func:`simulate` gives
    for the same seed (the draws are interleaved); they are reproducible for the same seeds *in
    the same batch*, and distributed as single runs are (tests/test_batch.py tests both).
    Agent tables are not recorded. Returns one result per seed, in order; ``extra["batch"]``
    holds the batch size and the member's position (a batch of one seed is :func:`simulate`'s
    run for that seed). With ``check_finite`` off, the caller checks
    each result (:func:`check_finite_kpis`), so an overflow fails only its replication.
    """
    if len(seeds) == 1:  # a batch of one is a single run, with the single run's stream
        result = simulate(scenario, seed=seeds[0], steps=steps, collect_agent_tables=False,
                          collect_every=collect_every)
        result.extra["batch"] = {"size": 1, "member": 0}
        return [result]
    started = time.perf_counter()
    model = ClusterModel(scenario, seed=batch_seed(list(seeds)), collect_agent_tables=False,
                         collect_every=collect_every, replicas=len(seeds))
    n_steps = scenario.steps if steps is None else int(steps)
    for _ in range(n_steps):
        model.step()
    model.collect()
    wall = (time.perf_counter() - started) / len(seeds)
    networks = replica_networks(model)
    results = []
    for r, seed in enumerate(seeds):
        kpis = pd.DataFrame(model.replica_kpi_rows[r], columns=["step", *KPI_NAMES])
        cluster_kpis = pd.DataFrame(model.replica_cluster_rows[r],
                                    columns=["step", "cluster", *CLUSTER_KPI_NAMES])
        result = SimulationResult(
            scenario=scenario, seed=seed if isinstance(seed, int) else None, kpis=kpis,
            cluster_kpis=cluster_kpis, network=networks[r], wall_time_s=wall,
            extra={"batch": {"size": len(seeds), "member": r}})
        if check_finite:
            check_finite_kpis(result.kpis, scenario.name)
        results.append(result)
    release_model(model)
    return results


def replica_networks(model: ClusterModel) -> list[pd.DataFrame]:
    """Each replica's relation table, with firm and partner numbers counted within the replica
    (as in a single run)."""
    frame = relations_frame(model)
    firm = frame["firm"].to_numpy()
    out = []
    for firms, _, partners in model.replica_blocks():
        part = frame[(firm >= firms.start) & (firm < firms.stop)].reset_index(drop=True)
        part["firm"] -= firms.start
        part["partner"] -= partners.start
        out.append(part)
    return out


def release_model(model: ClusterModel) -> None:
    """Let a finished model be garbage-collected.

    Mesa 3.3 keeps an id counter per model in the class attribute ``Agent._ids``, a strong
    reference to every model built in the process; a process running thousands of simulations
    would keep them all. ``simulate`` has copied the tables out, so the entry can go.
    """
    registry = getattr(mesa.Agent, "_ids", None)
    if isinstance(registry, dict):
        registry.pop(model, None)


def firm_table(model: ClusterModel) -> pd.DataFrame | None:
    """The per-firm table (one row per firm and collected month), or None if not recorded."""
    parts = model.firm_table_parts
    if parts is None:
        return None
    columns = parts[0].keys() if parts else ()
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in columns})


def result_from_model(model: ClusterModel, wall_time_s: float = float("nan")) -> SimulationResult:
    """Tables of a model that has been stepped (also used by the dashboard and notebooks)."""
    dc = model.datacollector
    kpis = dc.get_model_vars_dataframe().reset_index(drop=True)
    cluster_kpis = dc.get_table_dataframe("cluster_kpis")
    agent_table = firm_table(model)
    seed = model.seed_used if isinstance(model.seed_used, int) else None
    return SimulationResult(
        scenario=model.scenario,
        seed=seed,
        kpis=kpis,
        cluster_kpis=cluster_kpis,
        network=relations_frame(model),
        wall_time_s=wall_time_s,
        agent_table=agent_table,
    )
