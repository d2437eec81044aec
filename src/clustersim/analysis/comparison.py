"""Compare funding schemes (or any policy variants) at equal public spend.

A comparison file names a base scenario, the variants (each a name and dotted overrides), a target
public spend over the horizon and the replications. For every funded variant the annual budget is
first calibrated so that the mean public money actually spent equals the target (schemes spend
differently for the same nominal budget: matched and performance grants may under-spend, project
money stops early; see :mod:`clustersim.analysis.calibration`). The main runs then go through the
sweep runner (resumable, any executor) with common random numbers across variants, plus a
robustness sweep over language barrier and coordination cost levels. Output folder layout::

    OUT/calibration/<key>/round-<n>/   one sweep per calibration round (+ calibration.json)
    OUT/main/                          the main runs (a sweep folder)
    OUT/robustness/                    the robustness sweep
    OUT/*.csv, OUT/report.html         tables and the report (written by the report module)

Under parameter uncertainty (``posterior`` and ``draws``), the main runs cross every variant with
K parameter sets drawn from a calibration's posterior (:func:`clustersim.experiments.plan.
with_posterior`): the variants of draw d and replication r share one seed (common random
numbers within a draw). The budgets are calibrated, and the robustness sweep run, at the
scenario's own parameters. In the loaded tables ``draw`` is the draw, ``replication_in_draw`` the
replication within it and ``replication`` the pair key ``draw * replications + replication``
(runs with the same key share a seed), so paired comparisons work as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from clustersim.analysis import calibration as calibration_store
from clustersim.analysis.calibration import (
    SPEND_TOLERANCE,
    Calibration,
    calibrate_variants,
    calibration_key,
    calibration_table,
    history_table,
)
from clustersim.calibration.posterior import PosteriorDraws, PosteriorError, read_posterior_draws
from clustersim.experiments import load_results, sweep
from clustersim.experiments.spec import DesignSpec, Experiment, OutputSpec
from clustersim.limits import check_model_size
from clustersim.scenario import load_scenario, scenario_with_overrides
from clustersim.scenario.loader import (
    InputFileError,
    ScenarioError,
    describe_validation_error,
    read_yaml_mapping,
)
from clustersim.scenario.schema import Scenario, refuse_bool_for_number

REPORT_KPIS: tuple[str, ...] = (
    "export_share", "export_ties", "new_ties_total", "new_exporters", "markets_per_exporter",
    "trust_cross_border", "members", "satisfaction", "esca_private_budget_share",
    "public_spent", "public_cost_per_new_tie", "public_cost_per_new_exporter",
    "budget_balance", "income_public", "income_fees", "income_services", "income_eu",
    "export_share_micro", "export_share_sme", "export_share_large", "export_share_startup",
)


class ComparisonError(InputFileError):
    """An invalid comparison file."""

    what = "comparison"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_bool_for_number(cls, value, info.field_name)


class Variant(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]
    label: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    """The scheme's name for readers ("Fixed-term project (24 months)"); the report derives one
    from the scheme when it is missing. ``name`` stays the identifier in the CSV tables."""
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
    title: Annotated[str, Field(min_length=1, max_length=160)] | None = None
    """The report's heading for readers; ``name`` is the identifier."""
    description: str = ""
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    replications: Annotated[int, Field(ge=2, le=100_000)] = 20
    steps: Annotated[int, Field(ge=1, le=1200)] | None = None
    target_public_spend: Annotated[float, Field(gt=0)]
    """EUR of public money each funded variant spends over the whole horizon."""
    calibration_replications: Annotated[int, Field(ge=1, le=1000)] = 10
    """Replications per budget tried while calibrating; they use the seeds of the main runs'
    first replications, so set it to ``replications`` for spends that match exactly."""
    spend_tolerance: Annotated[float, Field(gt=0, lt=1)] = SPEND_TOLERANCE
    """Relative distance from the target at which a calibrated spend counts as equal."""
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


def load_comparison(path: str | Path, allow_large: bool = False) -> tuple[ComparisonSpec, Path]:
    """Read and validate a comparison file; returns the spec and the base scenario's path.

    Every problem is reported at once: the file's own fields, the base scenario, and each
    variant's overrides (named by variant)."""
    path = Path(path)
    data = read_yaml_mapping(path, ComparisonError)
    try:
        spec = ComparisonSpec.model_validate(data)
    except ValidationError as exc:
        raise ComparisonError(str(path), describe_validation_error(exc, ComparisonSpec)) from None
    scenario_file = spec.scenario_path(path.parent)
    try:
        base = load_scenario(scenario_file, overrides=spec.overrides or None)
    except ScenarioError as exc:
        raise ComparisonError(str(path), [f"scenario {exc.source}: {p}"
                                          for p in exc.problems]) from None
    problems = []
    for variant in spec.variants:  # every variant must be a valid scenario before anything runs
        try:
            scenario = scenario_with_overrides(base, variant.overrides)
            check_model_size(scenario, allow_large)
        except ScenarioError as exc:
            problems += [f"variants.{variant.name}: {p}" for p in exc.problems]
    if problems:
        raise ComparisonError(str(path), problems)
    return spec, scenario_file


@dataclass
class ComparisonResult:
    spec: ComparisonSpec
    out: Path
    variants: list[str]
    calibration: pd.DataFrame
    runs: pd.DataFrame  # one row per run: variant, replication, final KPIs
    steps: pd.DataFrame  # per recorded month: variant, replication, step, KPIs
    robustness: pd.DataFrame | None  # variant, language_barrier, coordination_cost, KPIs
    failed: int = 0  # main runs that failed (left out of the tables)
    scenario_file: Path | None = None  # the base scenario (its calibration status is reported)
    posterior: PosteriorDraws | None = None  # parameter sets of the main runs, if any


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


def comparison_posterior(spec: ComparisonSpec, scenario_file: Path, posterior: str | Path,
                         draws: int | None) -> PosteriorDraws:
    """The posterior draws a comparison will run under, checked before any run: the file's
    columns must be numeric fields of the base scenario that no variant overrides, and every
    variant under every draw must be a valid scenario. Raises :class:`PosteriorError`."""
    from clustersim.experiments.plan import DEFAULT_DRAWS

    base = load_scenario(scenario_file, overrides=spec.overrides or None)
    drawn = read_posterior_draws(posterior, DEFAULT_DRAWS if draws is None else draws,
                                 spec.seed, [base.model_dump(mode="json")])
    clash = sorted(({k for v in spec.variants for k in v.overrides}
                    | {"policy.funding.annual_budget"}) & set(drawn.parameters))
    if clash:
        raise PosteriorError(f"{posterior}: columns {clash} are set by the comparison itself "
                             "(a variant's overrides or the calibrated annual budget); drop them "
                             "from the posterior")
    problems: list[str] = []
    sets = [dict(values) for values in dict.fromkeys(tuple(sorted(s.items()))
                                                     for s in drawn.sets)]
    for values in sets:
        try:
            scenario_with_overrides(base, values)
        except ScenarioError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise PosteriorError(f"{posterior}: drawn parameter values are invalid for the "
                             f"scenario: {'; '.join(problems)}")
    for variant in spec.variants:
        for values in sets:
            try:
                scenario_with_overrides(base, {**variant.overrides, **values})
            except ScenarioError as exc:
                problems += [f"variant '{variant.name}' under a draw: {p}" for p in exc.problems]
                break
    if problems:
        raise PosteriorError(f"{posterior}: " + "; ".join(problems))
    return drawn


def run_comparison(path: str | Path, out: str | Path, *, replications: int | None = None,
                   steps: int | None = None, progress: bool = True,
                   posterior: str | Path | None = None, draws: int | None = None,
                   **executor: Any) -> ComparisonResult:
    """Calibrate, run (or resume) and load a comparison.

    ``executor`` takes the sweep runner's options (``workers``, ``scheduler``, ``dask_local``,
    ``mpi``, ``retry_failed``); calibration rounds, main runs and the robustness sweep all go
    through :func:`clustersim.experiments.sweep` with them, each into its own resumable folder
    under ``out``. With ``posterior`` (a ``posterior.parquet``) and ``draws`` K, the main runs
    go over K posterior draws x replications (see the module docstring).
    """
    spec, scenario_file = load_comparison(path, allow_large=executor.get("allow_large", False))
    drawn = (comparison_posterior(spec, scenario_file, posterior, draws)
             if posterior is not None else None)
    if replications is not None or steps is not None:
        spec = spec.model_copy(update={k: v for k, v in (("replications", replications),
                                                         ("steps", steps)) if v is not None})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = load_scenario(scenario_file, overrides=spec.overrides or None)
    horizon = spec.steps or base.steps
    names = [v.name for v in spec.variants]

    calibrations = _calibrate(spec, scenario_file, base, horizon, out, progress, executor)
    budgets = {c.variant: c.annual_budget for c in calibrations}
    points = _complete_points(base, [{**v.overrides,
                                      "policy.funding.annual_budget": budgets[v.name]}
                                     for v in spec.variants])
    main = _experiment(spec, scenario_file, f"{spec.name}-main", points, spec.replications,
                       spec.record_every)
    sweep(main, out / "main", progress=progress, posterior=posterior,
          draws=drawn.n if drawn is not None else None, **executor)
    results = load_results(out / "main")
    failed = int((results.runs["status"] != "ok").sum())
    runs = _label(results.runs, names, spec.replications, drawn is not None)
    steps_table = (_label(results.steps, names, spec.replications, drawn is not None)
                   if results.steps is not None else pd.DataFrame())

    robustness = None
    if spec.robustness is not None:
        robustness = _run_robustness(spec, scenario_file, base, points, names, out, progress,
                                     executor)
    calibration = calibration_table(calibrations, runs)
    _write_csv(calibration, out / "calibration.csv")
    _write_csv(history_table(calibrations), out / "calibration_history.csv")
    _write_csv(runs, out / "runs.csv")
    if robustness is not None:
        _write_csv(robustness, out / "robustness.csv")
    return ComparisonResult(spec, out, names, calibration, runs, steps_table, robustness, failed,
                            scenario_file, drawn)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV through a temporary file and a rename: never half a table on disk."""
    import os
    import uuid

    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)


def comparison_identity(spec: ComparisonSpec, scenario_file: Path,
                        posterior: PosteriorDraws | None = None,
                        batch_size: int | str | None = None) -> dict[str, str]:
    """What a comparison folder's results depend on (all but the replication count; the
    posterior file and draws, if any; an explicit batch size): a folder holding a comparison
    with another identity is refused before any run."""
    from clustersim.experiments.spec import canonical_json, sha256_text
    from clustersim.scenario.loader import scenario_hash

    content = spec.model_dump(mode="json", exclude={"replications", "description"})
    content["scenario"] = scenario_hash(load_scenario(scenario_file))
    if posterior is not None:  # absent otherwise: earlier folders keep their identity
        content["posterior"] = posterior.identity()
    if batch_size not in (None, "auto"):  # likewise
        content["batch_size"] = batch_size
    return {"spec_sha256": sha256_text(canonical_json(content))}


def _calibrate(spec: ComparisonSpec, scenario_file: Path, base: Scenario, horizon: int,
               out: Path, progress: bool, executor: dict[str, Any]) -> list[Calibration]:
    """Calibrated budgets; every round is a sweep in ``calibration/<key>/round-<n>``, and the
    outcome is cached in ``calibration/<key>/calibration.json`` (the key hashes everything the
    search depends on, so ``--replications`` does not trigger a new search)."""
    key = calibration_key({
        "scenario": base.model_dump(mode="json"), "horizon": horizon, "seed": spec.seed,
        "target": spec.target_public_spend, "replications": spec.calibration_replications,
        "tolerance": spec.spend_tolerance,
        "variants": [v.model_dump(mode="json") for v in spec.variants],
        # an explicit batch size gives other runs (``auto`` keeps earlier folders' keys)
        **({"batch_size": executor["batch_size"]}
           if executor.get("batch_size") not in (None, "auto") else {})})
    folder = out / "calibration" / key
    cached = calibration_store.load(folder / "calibration.json")
    if cached is not None:
        return cached
    to_search = {v.name: dict(v.overrides) for v in spec.variants if _is_funded(v)}

    def run_round(round_no: int, variants: dict[str, dict[str, Any]]) -> dict[str, float]:
        names = list(variants)
        experiment = _experiment(spec, scenario_file, f"{spec.name}-calibration-{round_no}",
                                 _complete_points(base, list(variants.values())),
                                 spec.calibration_replications, "final")
        experiment = experiment.model_copy(update={
            "steps": horizon, "outputs": OutputSpec(kpis=["public_spent"], record="final")})
        sweep(experiment, folder / f"round-{round_no}", progress=progress, **executor)
        runs = _label(load_results(folder / f"round-{round_no}").runs, names,
                      spec.calibration_replications)
        spend = runs.groupby("variant")["public_spent"].mean()
        return {name: float(spend.get(name, np.nan)) for name in names}

    searched = {c.variant: c for c in
                calibrate_variants(to_search, spec.target_public_spend, horizon, run_round,
                                   spec.spend_tolerance)}
    for variant in spec.variants:
        found = searched.get(variant.name)
        if found is not None and found.achieved_spend <= 0:
            found.reason = _ineligibility(base, variant) or found.reason
    calibrations = [searched.get(v.name) or Calibration(
        v.name, float(v.overrides.get("policy.funding.annual_budget", 0.0)), 0.0, 0.0, True, 0,
        "counterfactual: not calibrated") for v in spec.variants]
    folder.mkdir(parents=True, exist_ok=True)
    calibration_store.save(folder / "calibration.json", calibrations)
    return calibrations


def _ineligibility(base: Scenario, variant: Variant) -> str | None:
    """Why no cluster may receive this variant's money, if an eligibility rule excludes all."""
    scenario = scenario_with_overrides(base, variant.overrides)
    limit = scenario.policy.funding.max_regions
    regions = [c.regions for c in scenario.clusters]
    if limit is None or min(regions) <= limit:
        return None
    spans = ", ".join(f"{c.name} spans {c.regions}" for c in scenario.clusters)
    return (f"not eligible: the programme funds clusters in at most {limit} region(s) "
            f"(policy.funding.max_regions), and {spans}; no public money is paid")


def _is_funded(variant: Variant) -> bool:
    return variant.calibrate and variant.overrides.get("policy.funding.scheme") != "none"


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


def _label(frame: pd.DataFrame, names: list[str], replications: int,
           draws: bool = False) -> pd.DataFrame:
    """Finished runs of the current plan (a folder resumed with fewer replications may hold
    more), labelled with their variant's name; under posterior draws also with ``draw``,
    ``replication_in_draw`` and the pair key ``replication`` (see the module docstring)."""
    frame = frame[frame["replication"] < replications].copy()
    if "status" in frame:
        frame = frame[frame["status"] == "ok"]
    n = len(names)
    frame.insert(0, "variant", [names[int(i) % n] for i in frame["point_id"]])
    if draws:
        draw = frame["point_id"].to_numpy(int) // n
        if "draw" in frame:
            frame = frame.drop(columns="draw")
        frame.insert(1, "draw", draw)
        frame.insert(2, "replication_in_draw", frame["replication"].to_numpy(int))
        frame["replication"] = draw * replications + frame["replication_in_draw"]
    return frame


def _run_robustness(spec: ComparisonSpec, scenario_file: Path, base: Scenario, points: list[dict],
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
    runs = runs[(runs["status"] == "ok") & (runs["replication"] < rob.replications)].copy()
    runs.insert(0, "variant", [labels[int(i)][0] for i in runs["point_id"]])
    runs.insert(1, "language_barrier", [labels[int(i)][1] for i in runs["point_id"]])
    runs.insert(2, "coordination_cost", [labels[int(i)][2] for i in runs["point_id"]])
    return runs
