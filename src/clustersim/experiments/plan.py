"""From an experiment file to a run plan: base scenario, design, seeds and the order of runs.

Run ``i`` of a sweep is replication ``i // n_points`` of design point ``i % n_points``: runs are
numbered replication-major, so dispatching them in index order covers every point once before
any point gets its second replication (a sweep stopped half-way is balanced). A run's seed comes
from ``numpy.random.SeedSequence(experiment_seed, spawn_key=(i,))``: it depends on nothing but the
experiment seed and the run index, so results are identical whichever executor, worker count or
completion order, and adding replications later leaves earlier runs' seeds unchanged.

Under parameter uncertainty (``--posterior FILE --draws K``, :func:`with_posterior`) every
design point runs once per posterior draw: point ``p`` of the crossed design is draw
``p // n_design_points`` at design point ``p % n_design_points``, and the draw's parameter values
are applied as overrides on top of the scenario and the design point. With the ``replication``
seed scheme, the runs of draw d and replication r share the seed
``SeedSequence(experiment_seed, spawn_key=(DRAW_RUN_KEY, d, r))`` (common random numbers within a
draw, an independent stream per draw); with ``run`` every run keeps its own stream.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from clustersim.batching import auto_batch_size, batch_size_problems, firms_of
from clustersim.calibration.posterior import (
    DRAW_RUN_KEY,
    PosteriorDraws,
    PosteriorError,
    draw_run_seed,
    read_posterior_draws,
)
from clustersim.experiments.designs import Design, build_design
from clustersim.experiments.spec import (
    Experiment,
    ExperimentError,
    canonical_json,
    read_experiment_data,
    sha256_text,
    validate_experiment,
)
from clustersim.experiments.worker import FunctionRun, RunBatch, RunTask, ScenarioRun
from clustersim.limits import ALLOW_FLAG, SizeLimitError, check_design_size, check_model_size

SEED_SCHEME_TEXT = {
    "run": (
        "seed = SeedSequence(experiment_seed, spawn_key=(run_index,)).generate_state(1, uint64)[0]"
        " >> 1; run_index = replication * n_points + point_id"
    ),
    "replication": (
        "seed = SeedSequence(experiment_seed, spawn_key=(replication,)).generate_state(1, uint64)"
        "[0] >> 1 (common random numbers across design points); "
        "run_index = replication * n_points + point_id"
    ),
}

RESERVED_COLUMNS = (
    "run_index", "point_id", "replication", "seed", "status", "attempt", "wall_time_s",
    "error", "traceback", "worker", "finished_at", "step", "draw",
)


def run_seed(experiment_seed: int, key: int) -> int:
    """A 63-bit run seed derived from the experiment seed and ``key`` (run index or replication)."""
    state = np.random.SeedSequence(experiment_seed, spawn_key=(key,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass
class Plan:
    """Everything needed to run (or resume) an experiment, and to describe it in the manifest."""

    spec: Experiment
    source: str
    design: Design
    kpis: tuple[str, ...]
    run: Callable[..., Any]
    file_sha256: str | None = None
    scenario_path: str | None = None
    scenario_sha256: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    posterior: PosteriorDraws | None = None
    """Posterior draws crossed with the design (``design`` is then the crossed design)."""
    design_points: int | None = None
    """Design points per draw (the experiment's own design) when ``posterior`` is set."""
    batch_size: int = 1
    """Replications of a design point simulated together (:func:`batches`); 1 = one by one."""
    batch_auto: bool = False
    """``batch_size`` was chosen by :func:`auto_batch_size` (a folder being resumed keeps its
    own, see :func:`clustersim.experiments.runner.run_plan`)."""
    largest: Any = None
    """The largest model the design builds (a Scenario; None for a custom run function)."""

    @property
    def largest_firms(self) -> int | None:
        return None if self.largest is None else firms_of(self.largest)

    @property
    def n_points(self) -> int:
        return self.design.n_points

    @property
    def replications(self) -> int:
        return self.spec.replications

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    @property
    def record(self) -> str | int:
        return self.spec.outputs.record

    def task(self, run_index: int) -> RunTask:
        replication, point_id = divmod(run_index, self.n_points)
        if self.posterior is None:
            key = run_index if self.spec.seed_scheme == "run" else replication
            seed, draw = run_seed(self.spec.seed, key), None
        else:
            draw = point_id // (self.design_points or 1)
            seed = (run_seed(self.spec.seed, run_index) if self.spec.seed_scheme == "run"
                    else draw_run_seed(self.spec.seed, draw, replication))
        return RunTask(
            run_index=run_index,
            point_id=point_id,
            replication=replication,
            seed=seed,
            params=self.design.point(point_id),
            draw=draw,
        )

    def tasks(self, skip: Callable[[int], bool] = lambda i: False) -> Iterator[RunTask]:
        """Tasks in dispatch order (replication-major), lazily, leaving out ``skip``-ped ones."""
        for i in range(self.n_runs):
            if not skip(i):
                yield self.task(i)

    def batches(self, skip: Callable[[int], bool] = lambda i: False) -> Iterator[RunBatch]:
        """The runs to do, in batches of ``batch_size`` replications of one design point, in
        dispatch order (batch k of every point before batch k + 1). Batch k always simulates the
        replications k x batch_size ... (k + 1) x batch_size - 1, also those beyond the plan's
        replications or already done: a run's result depends on its batch only, so adding
        replications later or resuming leaves results unchanged."""
        size = self.batch_size
        for first in range(0, self.replications, size):
            for point_id in range(self.n_points):
                members = [self.task(r * self.n_points + point_id)
                           for r in range(first, first + size)]
                todo = tuple(t for t in members
                             if t.replication < self.replications and not skip(t.run_index))
                if todo:
                    yield RunBatch(point_id, first, todo[0].params,
                                   tuple(t.seed for t in members), todo)

    def plan_hash(self) -> str:
        """Hash of everything that determines the runs' results (not the replication count)."""
        content = self.spec.model_dump(
            mode="json",
            exclude={"name", "description", "replications", "sensitivity", "batch_size"},
        )
        content["scenario"] = self.scenario_sha256
        content["run_function"] = describe_run(self.run)
        if self.posterior is not None:  # absent otherwise: earlier folders keep their hash
            content["posterior"] = self.posterior.identity()
        if self.batch_size > 1:  # likewise
            content["batch_size"] = self.batch_size
        return sha256_text(canonical_json(content))

    def seed_scheme_text(self) -> str:
        if self.posterior is not None:
            if self.spec.seed_scheme == "run":
                return (SEED_SCHEME_TEXT["run"]
                        + "; point_id = draw * n_design_points + design point")
            return ("seed = SeedSequence(experiment_seed, spawn_key=("
                    f"{DRAW_RUN_KEY}, draw, replication)).generate_state(1, uint64)[0] >> 1 "
                    "(common random numbers across design points within a posterior draw); "
                    "run_index = replication * n_points + point_id; "
                    "point_id = draw * n_design_points + design point")
        return SEED_SCHEME_TEXT[self.spec.seed_scheme]

    def with_batch_size(self, size: int, auto: bool | None = None) -> Plan:
        """The plan with replications simulated in batches of ``size``."""
        if size < 1:
            raise ValueError(f"batch size {size}: must be >= 1")
        if size > 1 and not hasattr(self.run, "run_batch"):
            raise ExperimentError(self.source, [
                f"batch_size {size}: the run function {describe_run(self.run)} runs one "
                "replication at a time; use batch_size 1"])
        return replace(self, batch_size=int(size),
                       batch_auto=self.batch_auto if auto is None else auto)

    def batch_text(self) -> str:
        if self.batch_size == 1:
            return "one run at a time"
        return (f"batches of {self.batch_size} replications of a design point "
                "(replications k x size ... (k + 1) x size - 1), simulated as one vectorised "
                "model with one random stream, clustersim.simulation.batch_seed(member seeds)")


def describe_run(run: Any) -> str:
    describe = getattr(run, "describe", None)
    return describe() if callable(describe) else repr(run)


def with_cli_overrides(
    spec: Experiment, replications: int | None = None, steps: int | None = None
) -> Experiment:
    """The spec with ``--replications`` / ``--steps`` applied (re-validated)."""
    update: dict[str, Any] = {}
    if replications is not None:
        update["replications"] = replications
    if steps is not None:
        update["steps"] = steps
    if not update:
        return spec
    data = spec.model_dump(mode="json", exclude_unset=False)
    data.update(update)
    from clustersim.experiments.spec import validate_experiment

    return validate_experiment(data, source="command-line options")


def prepare_plan(
    experiment: str | Path | Experiment,
    *,
    replications: int | None = None,
    steps: int | None = None,
    run_fn: Callable[..., Any] | None = None,
    base_dir: str | Path | None = None,
    allow_large: bool = False,
    posterior: str | Path | None = None,
    draws: int | None = None,
    batch_size: int | str | None = None,
) -> Plan:
    """Load and check an experiment (file or spec) into a :class:`Plan`.

    With ``posterior`` (a ``posterior.parquet`` of ``clustersim calibrate``) and ``draws`` K,
    every design point runs under K parameter sets drawn from it (:func:`with_posterior`).

    ``run_fn(params, seed) -> {kpi: value}`` replaces the model (tests, custom studies); then the
    parameters are passed as given and no scenario is needed. Designs and models beyond
    :mod:`clustersim.limits` are refused before anything is built, unless ``allow_large``.
    """
    file_sha = None
    if isinstance(experiment, Experiment):
        spec, source = experiment, f"experiment '{experiment.name}'"
        base = Path(base_dir) if base_dir else Path.cwd()
    else:
        path = Path(experiment)
        data, raw = read_experiment_data(path)
        source, file_sha = str(path), sha256_text(raw)
        base = Path(base_dir) if base_dir else path.parent
        try:
            spec = validate_experiment(data, source=source)
        except ExperimentError as exc:  # report the path and KPI problems in the same pass
            extra = [] if run_fn is not None else _raw_problems(data, base)
            raise ExperimentError(source, [*exc.problems, *extra]) from None
    try:
        spec = with_cli_overrides(spec, replications, steps)
    except ExperimentError as exc:
        raise ExperimentError(source, exc.problems) from None
    _check_columns(spec, source)
    check_design_size(spec, source, allow_large)
    design = build_design(spec)
    if run_fn is not None:
        if spec.outputs.kpis == "all":
            raise ExperimentError(
                source, ["outputs.kpis: list the KPIs when sweeping a custom run function"]
            )
        kpis = tuple(spec.outputs.kpis)
        plan = Plan(spec, source, design, kpis, FunctionRun(run_fn, kpis, spec.outputs.record),
                    file_sha256=file_sha)
    else:
        plan = _scenario_plan(spec, source, design, base, file_sha, allow_large)
    if posterior is None:
        if draws is not None:
            raise ExperimentError(source, ["--draws needs --posterior (the file to draw from)"])
        return _batched(plan, batch_size, allow_large)
    plan = _batched(with_posterior(plan, posterior, draws), batch_size, allow_large)
    from clustersim.limits import ALLOW_FLAG, MAX_RUNS

    if plan.n_runs > MAX_RUNS and not allow_large:
        raise ExperimentError(source, [
            f"--draws: {plan.design_points:,} points x {plan.posterior.n:,} draws x "
            f"{plan.replications:,} replications = {plan.n_runs:,} runs, more than the limit of "
            f"{MAX_RUNS:,}; use fewer draws, or pass {ALLOW_FLAG} if you mean it"])
    return plan


def _batched(plan: Plan, batch_size: int | str | None, allow_large: bool) -> Plan:
    """``plan`` with its batch size: ``batch_size`` (the command line) over the spec's; a batch
    beyond the model size limit is refused before anything is built."""
    chosen = plan.spec.batch_size if batch_size is None else batch_size
    if chosen == "auto":
        return plan.with_batch_size(auto_batch_size(plan.largest_firms, plan.replications),
                                    auto=True)
    field = "batch_size" if batch_size is None else "--batch-size"
    problems = ([] if plan.largest is None
                else batch_size_problems(plan.largest, int(chosen), field))
    if problems and not allow_large:
        raise ExperimentError(plan.source, [
            *problems, f"or pass {ALLOW_FLAG} if this machine has the memory"])
    batched = plan.with_batch_size(int(chosen), auto=False)
    if int(chosen) > plan.replications:
        import warnings

        warnings.warn(f"{plan.source}: {field} {chosen} with {plan.replications} replications "
                      f"simulates {chosen} replications per design point and records "
                      f"{plan.replications}", stacklevel=3)
    return batched


DEFAULT_DRAWS = 20
"""Posterior draws when ``--posterior`` is given without ``--draws``."""


def with_posterior(plan: Plan, posterior: str | Path, draws: int | None) -> Plan:
    """``plan`` with every design point crossed with ``draws`` parameter sets drawn from the
    posterior file (seeded by the experiment seed; see the module docstring).

    The posterior's columns must be numeric fields of the base scenario (not checked for a
    custom run function) and must not be varied by the design as well; every drawn set must give
    a valid scenario. Errors raise :class:`PosteriorError` naming the file."""
    from clustersim.scenario.loader import (
        ScenarioError,
        scenario_with_overrides,
        validate_scenario,
    )

    draws = DEFAULT_DRAWS if draws is None else draws
    base = getattr(plan.run, "base", None)
    drawn = read_posterior_draws(posterior, draws, plan.spec.seed,
                                 [base] if base is not None else [])
    clash = sorted(set(drawn.parameters) & set(plan.design.names))
    if clash:
        raise PosteriorError(f"{posterior}: columns {clash} are also varied by the experiment's "
                             "design; drop them from the design or from the posterior")
    clash = sorted(set(drawn.parameters) & (set(RESERVED_COLUMNS) | set(plan.kpis)))
    if clash:
        raise PosteriorError(f"{posterior}: columns {clash} clash with result columns")
    if base is not None:
        scenario = validate_scenario(base, source=plan.scenario_path or plan.source)
        problems = []
        for values in dict.fromkeys(tuple(sorted(s.items())) for s in drawn.sets):
            try:
                scenario_with_overrides(scenario, dict(values))
            except ScenarioError as exc:
                problems += exc.problems
        if problems:
            raise PosteriorError(f"{posterior}: drawn parameter values are invalid for the "
                                 f"scenario: {'; '.join(dict.fromkeys(problems))}")
    design = cross_design(plan.design, drawn)
    return replace(plan, design=design, posterior=drawn, design_points=plan.design.n_points)


def cross_design(design: Design, drawn: PosteriorDraws) -> Design:
    """Design points x draws, draw-major: point ``d * n + i`` is design point i under draw d;
    the posterior's parameters become columns after the design's own."""
    n = design.n_points
    columns = {name: list(values) * drawn.n for name, values in design.columns.items()}
    for name in drawn.parameters:
        columns[name] = [drawn.sets[d][name] for d in range(drawn.n) for _ in range(n)]
    return Design(kind=design.kind, names=(*design.names, *drawn.parameters), columns=columns)


def _check_columns(spec: Experiment, source: str) -> None:
    clash = sorted(set(spec.parameter_names()) & set(RESERVED_COLUMNS))
    kpis = spec.outputs.kpis if isinstance(spec.outputs.kpis, list) else []
    clash += sorted(set(spec.parameter_names()) & set(kpis))
    if clash:
        raise ExperimentError(
            source, [f"parameters: names {clash} clash with result columns; rename them"]
        )


def _resolve_scenario(spec: Experiment, source: str, base: Path) -> Path:
    if spec.scenario is None:
        raise ExperimentError(source, ["scenario: required field is missing (base scenario file)"])
    candidates = [base / spec.scenario, Path.cwd() / spec.scenario]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    named = Path(spec.scenario)
    if named.parent.name in ("", "scenarios"):  # "baseline", "../scenarios/baseline.yaml"
        from clustersim.shipped import shipped_file

        found = shipped_file(named.name)
        if found is not None:
            return found.resolve()
    raise ExperimentError(
        source,
        [f"scenario = {spec.scenario!r}: no such file (looked in {base} and {Path.cwd()})"],
    )


def _scenario_plan(
    spec: Experiment, source: str, design: Design, base_dir: Path, file_sha: str | None,
    allow_large: bool = False,
) -> Plan:
    from clustersim.outputs.kpis import KPI_NAMES
    from clustersim.scenario.loader import ScenarioError, load_scenario, scenario_with_overrides

    scenario_path = _resolve_scenario(spec, source, base_dir)
    overrides = dict(spec.overrides)
    if spec.steps is not None:
        overrides["steps"] = spec.steps
    try:
        scenario = load_scenario(scenario_path, overrides=overrides)
        check_model_size(scenario, allow_large)
    except ScenarioError as exc:
        raise ExperimentError(
            source, [f"scenario {scenario_path} with overrides: {p}" for p in exc.problems]
        ) from None

    problems: list[str] = []
    for name in design.names:
        checked: set[str] = set()
        for value in _values_to_check(spec, design, name):
            key = repr(value)
            if key in checked:
                continue
            checked.add(key)
            try:
                check_model_size(scenario_with_overrides(scenario, {name: value}), allow_large)
            except ScenarioError as exc:
                where = "parameters" if name in spec.parameters else "design.points"
                problems.extend(
                    f"{where}.{p}" if p.startswith(f"{name}") else f"{where}.{name}: {p}"
                    for p in exc.problems
                )
                break
    if not problems:
        problems += _combined_size_problems(spec, design, scenario, allow_large)
    if spec.outputs.kpis == "all":
        kpis = tuple(KPI_NAMES)
    else:
        kpis = tuple(spec.outputs.kpis)
        for kpi in kpis:
            if kpi not in KPI_NAMES:
                hint = difflib.get_close_matches(kpi, KPI_NAMES, n=1)
                problems.append(
                    f"outputs.kpis: unknown KPI '{kpi}'"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")
                    + f" (known: {', '.join(KPI_NAMES)})"
                )
    for kpi in spec.sensitivity.kpis or ():
        if kpi not in kpis:
            problems.append(f"sensitivity.kpis: '{kpi}' is not among outputs.kpis {list(kpis)}")
    if problems:
        raise ExperimentError(source, problems)

    from clustersim.scenario.loader import scenario_hash

    base_data = scenario.model_dump(mode="json")
    run = ScenarioRun(base_data, kpis, spec.outputs.record)
    largest = scenario_with_overrides(scenario, _largest_sizes(spec, design))
    return Plan(
        spec,
        source,
        design,
        kpis,
        run,
        file_sha256=file_sha,
        scenario_path=str(scenario_path),
        scenario_sha256=scenario_hash(scenario),
        largest=largest,
    )


SIZE_FIELDS = ("count", "n_firms", "partners_per_firm", "peers_per_firm")


def _largest_sizes(spec: Experiment, design: Design) -> dict[str, Any]:
    """Every size field the design varies, at its largest value."""
    largest: dict[str, Any] = {}
    for name in design.names:
        if name.rsplit(".", 1)[-1] in SIZE_FIELDS:
            values = [v for v in _values_to_check(spec, design, name)
                      if isinstance(v, int | float) and not isinstance(v, bool)]
            if values:
                largest[name] = max(values)
    return largest


def _combined_size_problems(spec: Experiment, design: Design, scenario: Any,
                            allow_large: bool) -> list[str]:
    """The largest model the design can build: every size field at its largest value at once
    (``count`` 1000 and ``n_firms`` 50000 may each be fine alone but not together)."""
    from clustersim.scenario.loader import ScenarioError, scenario_with_overrides

    largest = _largest_sizes(spec, design)
    if len(largest) < 2:
        return []
    try:
        check_model_size(scenario_with_overrides(scenario, largest), allow_large)
    except SizeLimitError as exc:
        return [f"parameters: at {', '.join(f'{k}={v}' for k, v in largest.items())} "
                f"together: {p}" for p in exc.problems]
    except ScenarioError:
        return []
    return []


def _raw_problems(data: dict[str, Any], base: Path) -> list[str]:
    """Checks that need the base scenario, run on an experiment file that failed validation so
    all its problems are reported together (best effort: anything unreadable is skipped, the
    schema errors already say what is wrong with it)."""
    from clustersim.outputs.kpis import KPI_NAMES
    from clustersim.scenario.loader import ScenarioError, apply_overrides, load_scenario

    problems: list[str] = []
    scenario_name = data.get("scenario")
    params = data.get("parameters")
    if isinstance(scenario_name, str) and isinstance(params, dict):
        path = next((p for p in (base / scenario_name, Path.cwd() / scenario_name)
                     if p.is_file()), None)
        try:
            dump = load_scenario(path).model_dump(mode="json") if path else None
        except ScenarioError:
            dump = None
        for name in params if dump is not None else ():
            try:
                apply_overrides(dump, {str(name): None})
            except ScenarioError as exc:
                problems += [f"parameters.{p}" for p in exc.problems]
    outputs = data.get("outputs")
    kpis = outputs.get("kpis") if isinstance(outputs, dict) else None
    for kpi in kpis if isinstance(kpis, list) else ():
        if isinstance(kpi, str) and kpi not in KPI_NAMES:
            hint = difflib.get_close_matches(kpi, KPI_NAMES, n=1)
            problems.append(f"outputs.kpis: unknown KPI '{kpi}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else ""))
    return problems


def _values_to_check(spec: Experiment, design: Design, name: str) -> list[Any]:
    """Values worth validating against the scenario schema: levels, choices or bound ends."""
    param = spec.parameters.get(name)
    if param is None or spec.design.type in ("grid", "explicit"):
        return list(dict.fromkeys(design.columns[name]))  # distinct, in order
    if param.values is not None:
        return list(param.values)
    assert param.bounds is not None
    low, high = param.bounds
    return [int(low), int(high)] if param.integer else [float(low), float(high)]
