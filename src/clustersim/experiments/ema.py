"""The model as an EMA Workbench model, for users who drive it from their own EMA workflow.

:func:`ema_model` turns a base scenario plus named ranges into an ``ema_workbench.Model`` whose
uncertainties and levers are scenario fields (dotted paths, e.g. ``policy.funding.annual_budget``)
and whose outcomes are final-state KPIs. Designs, evaluators (sequential, multiprocessing, MPI),
robustness analysis and scenario discovery (PRIM) are then EMA's own::

    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    model = ema_model("scenarios/baseline.yaml",
                      uncertainties={"markets.germany.language_barrier": (0.2, 0.9)},
                      levers={"policy.funding.annual_budget": (0, 200_000)},
                      outcomes=["export_share", "public_cost_per_new_tie"])
    with MultiprocessingEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, 100, 10, evaluator=evaluator)

Each experiment runs the same code as a sweep run (:class:`~clustersim.experiments.worker.
ScenarioRun`). EMA does not hand a run index to the model, so seeds are per replication:
with ``replications=R`` the model is a ``ReplicatorModel`` whose replication ``r`` uses
``run_seed(seed, r)`` in every experiment (common random numbers), and outcomes are the mean over
replications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clustersim.experiments.plan import run_seed
from clustersim.experiments.worker import ScenarioRun

Range = tuple[float, float] | tuple[int, int] | list[Any]


class EMAFunction:
    """The callable EMA invokes with keyword arguments (picklable for EMA's parallel evaluators)."""

    def __init__(self, base: Mapping[str, Any], kpis: Sequence[str]):
        self.run = ScenarioRun(base, tuple(kpis), "final")

    def __call__(self, seed: int, **params: Any) -> dict[str, float]:
        final, _ = self.run(params, int(seed))
        return final


def _parameter(name: str, spec: Range):
    """(low, high) of ints -> IntegerParameter; of floats -> RealParameter; list -> categorical."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if isinstance(spec, list):
        return CategoricalParameter(name, spec)
    low, high = spec
    if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
        return IntegerParameter(name, low, high)
    return RealParameter(name, float(low), float(high))


def ema_model(
    scenario: Any,
    *,
    uncertainties: Mapping[str, Range],
    levers: Mapping[str, Range] | None = None,
    outcomes: Sequence[str] | None = None,
    replications: int = 1,
    seed: int = 0,
    steps: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    name: str = "clustersim",
):
    """An ``ema_workbench`` model of ``scenario`` (a path or a validated Scenario).

    ``uncertainties`` and ``levers`` map dotted scenario paths to ``(low, high)`` or a list of
    choices; ``outcomes`` are KPI names (default: all). ``overrides`` and ``steps`` change the
    base scenario for every experiment. ``name`` is reduced to letters and digits, the only
    characters EMA accepts (see :func:`ema_name`).
    """
    from ema_workbench import Constant, Model, ReplicatorModel, ScalarOutcome

    from clustersim.outputs.kpis import KPI_NAMES
    from clustersim.scenario.loader import load_scenario, scenario_with_overrides

    changes = dict(overrides or {})
    if steps is not None:
        changes["steps"] = steps
    if isinstance(scenario, str | Path):
        base = load_scenario(scenario, overrides=changes)
    else:
        base = scenario_with_overrides(scenario, changes) if changes else scenario
    kpis = list(outcomes or KPI_NAMES)
    unknown = [k for k in kpis if k not in KPI_NAMES]
    if unknown:
        raise ValueError(f"unknown KPI outcomes {unknown}; known: {', '.join(KPI_NAMES)}")
    levers = dict(levers or {})
    for path, spec in {**uncertainties, **levers}.items():  # fail early on bad paths or ranges
        values = spec if isinstance(spec, list) else list(spec)
        for value in values:
            scenario_with_overrides(base, {path: value})

    function = EMAFunction(base.model_dump(mode="json"), kpis)
    name = ema_name(name)
    if replications <= 1:
        model = Model(name, function=function)
        model.constants = [Constant("seed", run_seed(seed, 0))]
        model.outcomes = [ScalarOutcome(k) for k in kpis]
    else:
        model = ReplicatorModel(name, function=function)
        model.replications = [{"seed": run_seed(seed, r)} for r in range(replications)]
        model.outcomes = [ScalarOutcome(k, function=np.mean) for k in kpis]
    model.uncertainties = [_parameter(p, s) for p, s in uncertainties.items()]
    model.levers = [_parameter(p, s) for p, s in levers.items()]
    return model


def ema_name(text: str) -> str:
    """A model name EMA accepts (letters and digits only): ``funding_vs_language`` becomes
    ``FundingVsLanguage``."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name or "clustersim"


def ema_model_from_experiment(path: str | Path, **kwargs: Any):
    """An EMA model whose uncertainties are an experiment file's parameters (bounds or values).

    ``path`` is a file or a shipped experiment's name (``"quick"``)."""
    from clustersim.experiments.plan import prepare_plan
    from clustersim.shipped import EXPERIMENTS, resolve

    plan = prepare_plan(resolve(path, EXPERIMENTS))
    spec = plan.spec
    ranges: dict[str, Range] = {}
    for name, param in spec.parameters.items():
        if param.values is not None:
            ranges[name] = list(param.values)
        else:
            assert param.bounds is not None
            low, high = param.bounds
            ranges[name] = (int(low), int(high)) if param.integer else (low, high)
    kwargs.setdefault("outcomes", list(plan.kpis))
    kwargs.setdefault("seed", spec.seed)
    kwargs.setdefault("replications", spec.replications)
    kwargs.setdefault("name", spec.name)
    assert plan.scenario_path is not None
    overrides = dict(spec.overrides)
    if spec.steps is not None:
        kwargs.setdefault("steps", spec.steps)
    return ema_model(plan.scenario_path, uncertainties=ranges, overrides=overrides, **kwargs)
