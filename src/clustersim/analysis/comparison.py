"""Compare funding schemes (or any policy variants) at equal public spend.

A comparison file names a base scenario, the variants (each a name and dotted overrides), a target
public spend over the horizon and the replications. For every funded variant the annual budget is
first calibrated so that the mean public money actually spent equals the target (schemes spend
differently for the same nominal budget: matched and performance grants may under-spend, project
money stops early). The main runs then go through the sweep runner (resumable, any executor) with
common random numbers across variants, plus a robustness sweep over language barrier and
coordination cost levels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clustersim.experiments import load_results, sweep
from clustersim.experiments.spec import DesignSpec, Experiment, OutputSpec
from clustersim.scenario import load_scenario, scenario_with_overrides
from clustersim.scenario.loader import InputFileError, describe_validation_error
from clustersim.simulation import simulate

REPORT_KPIS: tuple[str, ...] = (
    "export_share", "export_ties", "new_ties_total", "new_exporters", "markets_per_exporter",
    "trust_cross_border", "members", "satisfaction", "esca_private_budget_share",
    "public_spent", "public_cost_per_new_tie", "public_cost_per_new_exporter",
    "budget_balance", "income_public", "income_fees", "income_services", "income_eu",
    "export_share_micro", "export_share_sme", "export_share_large", "export_share_startup",
)
SPEND_TOLERANCE = 0.02  # calibration stops within 2% of the target


class ComparisonError(InputFileError):
    """An invalid comparison file."""

    what = "comparison"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]
    overrides: dict[str, Any] = Field(default_factory=dict)
    calibrate: bool = True
    """Calibrate the annual budget to the target spend (off for the no-funding counterfactual)."""


class Robustness(_Strict):
    replications: Annotated[int, Field(ge=1, le=10_000)] = 5
    language_barrier: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.3, 0.7])
    """Levels applied to every market's language barrier."""
    coordination_cost: list[Annotated[float, Field(ge=0, le=10)]] = Field(
        default_factory=lambda: [0.5, 2.0])


class ComparisonSpec(_Strict):
    """A comparison file (see ``experiments/funding_schemes.yaml``)."""

    name: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    replications: Annotated[int, Field(ge=2, le=100_000)] = 20
    steps: Annotated[int, Field(ge=1, le=1200)] | None = None
    target_public_spend: Annotated[float, Field(gt=0)]
    """EUR of public money each funded variant spends over the whole horizon."""
    calibration_replications: Annotated[int, Field(ge=1, le=1000)] = 4
    record_every: Annotated[int, Field(ge=1, le=120)] = 3
    variants: Annotated[list[Variant], Field(min_length=2)]
    robustness: Robustness | None = Field(default_factory=Robustness)

    @model_validator(mode="after")
    def _unique_names(self) -> ComparisonSpec:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique, got {names}")
        return self

    def scenario_path(self, base_dir: Path) -> Path:
        path = Path(self.scenario)
        return path if path.is_absolute() else (base_dir / path).resolve()


def load_comparison(path: str | Path) -> tuple[ComparisonSpec, Path]:
    """Read and validate a comparison file; returns the spec and the base scenario's path."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ComparisonError(str(path), [f"cannot read: {exc}"]) from exc
    try:
        spec = ComparisonSpec.model_validate(data or {})
    except ValidationError as exc:
        raise ComparisonError(str(path), describe_validation_error(exc, ComparisonSpec)) from None
    scenario_file = spec.scenario_path(path.parent)
    base = load_scenario(scenario_file, overrides=spec.overrides or None)
    for variant in spec.variants:  # every variant must be a valid scenario before anything runs
        scenario_with_overrides(base, variant.overrides)
    return spec, scenario_file


@dataclass
class Calibration:
    variant: str
    annual_budget: float
    achieved_spend: float
    target_spend: float
    reached: bool
    iterations: int


def calibrate_budget(base, variant: Variant, target: float, steps: int, replications: int,
                     seed: int) -> Calibration:
    """Find the annual budget at which ``variant`` spends ``target`` EUR on average.

    Spend grows monotonically with the budget; a few multiplicative fixed-point steps
    (budget *= target / spend) converge for proportional schemes in one step and for
    outcome-dependent ones (matched, performance) in a few. A variant that spends nothing (e.g.
    not eligible) or cannot reach the target is reported, not hidden.
    """
    years = steps / 12.0
    budget = target / years
    spend = 0.0
    for iteration in range(1, 7):
        scenario = scenario_with_overrides(
            base, {**variant.overrides, "policy.funding.annual_budget": budget})
        spends = [simulate(scenario, seed=np.random.SeedSequence(seed, spawn_key=(9_999, r)),
                           steps=steps, collect_every=steps).final["public_spent"]
                  for r in range(replications)]
        spend = float(np.mean(spends))
        if spend <= 0:
            return Calibration(variant.name, budget, 0.0, target, False, iteration)
        if abs(spend / target - 1.0) <= SPEND_TOLERANCE:
            return Calibration(variant.name, budget, spend, target, True, iteration)
        new_budget = budget * target / spend
        if new_budget > 50 * target / years:  # the scheme cannot absorb the money
            return Calibration(variant.name, budget, spend, target, False, iteration)
        budget = new_budget
    return Calibration(variant.name, budget, spend, target,
                       abs(spend / target - 1.0) <= 5 * SPEND_TOLERANCE, iteration)


@dataclass
class ComparisonResult:
    spec: ComparisonSpec
    out: Path
    variants: list[str]
    calibration: pd.DataFrame
    runs: pd.DataFrame  # one row per run: variant, replication, final KPIs
    steps: pd.DataFrame  # per recorded month: variant, replication, step, KPIs
    robustness: pd.DataFrame | None  # variant, language_barrier, coordination_cost, KPIs


def _experiment(spec: ComparisonSpec, scenario_file: Path, name: str, points: list[dict],
                replications: int, record: int | str) -> Experiment:
    return Experiment(
        name=name,
        scenario=str(scenario_file),
        overrides=dict(spec.overrides),
        seed=spec.seed,
        seed_scheme="replication",  # common random numbers: variants share replication seeds
        replications=replications,
        steps=spec.steps,
        design=DesignSpec(type="explicit", points=points),
        outputs=OutputSpec(kpis=list(REPORT_KPIS), record=record),
    )


def run_comparison(path: str | Path, out: str | Path, *, replications: int | None = None,
                   steps: int | None = None, progress: bool = True,
                   **executor: Any) -> ComparisonResult:
    """Calibrate, run (or resume) and load a comparison; ``executor`` takes the sweep options
    ``workers``, ``scheduler``, ``dask_local``."""
    spec, scenario_file = load_comparison(path)
    if replications is not None or steps is not None:
        spec = spec.model_copy(update={k: v for k, v in (("replications", replications),
                                                         ("steps", steps)) if v is not None})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = load_scenario(scenario_file, overrides=spec.overrides or None)
    horizon = spec.steps or base.steps

    calibration = _calibrations(spec, base, horizon, out)
    budgets = {c["variant"]: c["annual_budget"] for c in calibration.to_dict("records")}
    points = _complete_points(base, [{**v.overrides,
                                      "policy.funding.annual_budget": budgets[v.name]}
                                     for v in spec.variants])
    main = _experiment(spec, scenario_file, f"{spec.name}-main", points, spec.replications,
                       spec.record_every)
    sweep(main, out / "main", progress=progress, **executor)
    results = load_results(out / "main")
    names = [v.name for v in spec.variants]
    runs = _label(results.runs, names)
    steps_table = _label(results.steps, names) if results.steps is not None else pd.DataFrame()

    robustness = None
    if spec.robustness is not None:
        robustness = _run_robustness(spec, scenario_file, base, points, names, out, progress,
                                     executor)
    for frame, file in ((calibration, "calibration.csv"), (runs, "runs.csv")):
        frame.to_csv(out / file, index=False)
    if robustness is not None:
        robustness.to_csv(out / "robustness.csv", index=False)
    return ComparisonResult(spec, out, names, calibration, runs, steps_table, robustness)


def _calibrations(spec: ComparisonSpec, base, horizon: int, out: Path) -> pd.DataFrame:
    """Calibrated budgets, cached in ``calibration.json`` so a resumed comparison reuses them."""
    cache = out / "calibration.json"
    key = json.dumps({"spec": spec.model_dump(mode="json"), "horizon": horizon}, sort_keys=True)
    if cache.is_file():
        stored = json.loads(cache.read_text())
        if stored.get("key") == key:
            return pd.DataFrame(stored["rows"])
    rows = []
    for variant in spec.variants:
        if variant.calibrate and variant.overrides.get("policy.funding.scheme") != "none":
            c = calibrate_budget(base, variant, spec.target_public_spend, horizon,
                                 spec.calibration_replications, spec.seed)
        else:
            c = Calibration(variant.name, float(variant.overrides.get(
                "policy.funding.annual_budget", 0.0)), 0.0, 0.0, True, 0)
        rows.append(c.__dict__)
    cache.write_text(json.dumps({"key": key, "rows": rows}, indent=1))
    return pd.DataFrame(rows)


def _complete_points(base, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every point the same fields (a sweep needs that): missing ones take the base
    scenario's value."""
    dump = base.model_dump(mode="json")
    fields = list(dict.fromkeys(k for point in points for k in point))
    return [{f: point[f] if f in point else _value_at(dump, f) for f in fields}
            for point in points]


def _value_at(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _label(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    if "status" in frame:
        frame = frame[frame["status"] == "ok"]
    frame.insert(0, "variant", [names[int(i)] for i in frame["point_id"]])
    return frame


def _run_robustness(spec: ComparisonSpec, scenario_file: Path, base, points: list[dict],
                    names: list[str], out: Path, progress: bool,
                    executor: dict[str, Any]) -> pd.DataFrame:
    rob = spec.robustness
    assert rob is not None
    cells = [(b, c) for b in rob.language_barrier for c in rob.coordination_cost]
    grid_points, labels = [], []
    for barrier, cost in cells:
        for name, point in zip(names, points, strict=True):
            grid_points.append({**point, "policy.coordination_cost": cost,
                                **{f"markets.{m}.language_barrier": barrier
                                   for m in base.markets}})
            labels.append((name, barrier, cost))
    experiment = _experiment(spec, scenario_file, f"{spec.name}-robustness", grid_points,
                             rob.replications, "final")
    sweep(experiment, out / "robustness", progress=progress, **executor)
    runs = load_results(out / "robustness").runs
    runs = runs[runs["status"] == "ok"].copy()
    runs.insert(0, "variant", [labels[int(i)][0] for i in runs["point_id"]])
    runs.insert(1, "language_barrier", [labels[int(i)][1] for i in runs["point_id"]])
    runs.insert(2, "coordination_cost", [labels[int(i)][2] for i in runs["point_id"]])
    return runs
