"""ABC-SMC with pyabc, made reproducible for any number of workers and resumable.

pyabc does the inference (proposals from the previous generation's weighted particles, the
importance weights, epsilon schedule, the History database); this module plugs in three pieces:

- :class:`SimulatorModel`: any ``simulator(overrides, seed) -> {statistic: value}`` as a pyabc
  model. The clustersim simulator (:class:`~clustersim.calibration.simulator.PatternSimulator`)
  and the toy model of the tests go through the same code path. A simulation that raises, or
  whose target statistic is undefined (NaN), gets distance inf (rejected) and is *recorded*
  (``failures.jsonl``), never dropped silently.
- :class:`SeededBatchSampler`: a pyabc sampler whose result does not depend on the number of
  workers. Proposal ``i`` of generation ``t`` is drawn with numpy's global random state seeded
  from ``SeedSequence(seed, spawn_key=(0, t + 1, i))`` (pyabc draws proposals from numpy's
  global state; the simulation seed is drawn from it right after). Each proposal goes through
  three phases: *capture* (here: pyabc's ``simulate_one`` draws the parameters and stops at the
  model call), *simulate* (in any worker: only the simulator, its overrides and seed travel, so
  workers need clustersim but not pyabc), *replay* (here: ``simulate_one`` again with the same
  seed, the model returning the simulated statistics; pyabc computes distance, acceptance and
  weight). Proposals are simulated in fixed batches (default: the population size), results
  are read in proposal order, and the first ``n`` accepted proposals form the generation. A run
  with 1, 2 or 64 workers (loky processes, a Dask cluster) therefore evaluates exactly the same
  proposals with the same seeds and accepts the same particles.
- :class:`ResumableQuantileEpsilon`: pyabc's quantile epsilon, but after a restart it takes the
  threshold from the last stored generation (pyabc's own would restart at the initial epsilon).

Resume: the History database (``calibration.db``, SQLite) holds every finished generation. A
run that finds it continues after the last stored generation; a generation interrupted half way
is recomputed from its seeds, so the resumed result equals an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import Sampler

from clustersim.calibration.distance import Target, range_distance
from clustersim.calibration.priors import FreeParameter, pyabc_prior
from clustersim.calibration.simulator import Outcome, Simulator, simulate

DB_NAME = "calibration.db"
FAILURES_NAME = "failures.jsonl"
SAMPLER_LOG_NAME = "sampler_log.jsonl"
INITIAL_EPSILON = 1e300
"""Generation 0 accepts every proposal with a finite distance: it is a sample of the prior."""
ALL_FAILED_BATCHES = 2
"""A generation stops with :class:`AllProposalsFailed` once this many batches have run and
every proposal failed ..."""
ALL_FAILED_MIN = 20
"""... and at least this many proposals (so tiny batches do not stop a run early)."""
PROPOSAL_KEY = 0
"""First spawn-key element of the proposals' seeds (posterior predictive draws use 1)."""

logging.getLogger("ABC").setLevel(logging.WARNING)


# -- one proposal in three phases ---------------------------------------------------------------
class _Captured(Exception):
    """Raised by :class:`SimulatorModel` in the capture phase, carrying the simulation job."""

    def __init__(self, model: SimulatorModel, overrides: dict[str, Any], seed: int):
        super().__init__("captured")
        self.model, self.overrides, self.seed = model, overrides, seed


_PHASE: dict[str, Any] = {"mode": "direct", "outcome": None}
"""``capture``: the model raises :class:`_Captured`; ``replay``: it returns ``outcome``;
``direct``: it simulates (pyabc used without :class:`SeededBatchSampler`)."""


class SimulatorModel(pyabc.Model):
    """A :class:`Simulator` as a pyabc model: parameters by dotted path -> target statistics."""

    def __init__(self, simulator: Simulator, parameters: Sequence[FreeParameter],
                 names: Sequence[str]):
        super().__init__(name="clustersim")
        self.simulator = simulator
        self.parameters = list(parameters)
        self.names = list(names)

    def sample(self, pars: Mapping[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        overrides = {p.path: p.value(pars[p.path]) for p in self.parameters}
        if _PHASE["mode"] == "capture":
            raise _Captured(self, overrides, seed)
        if _PHASE["mode"] == "replay":
            outcome: Outcome = _PHASE["outcome"]
            if outcome.failure is not None and (outcome.failure["parameters"] != overrides
                                                or outcome.failure["seed"] != seed):
                raise AssertionError("replayed proposal differs from the captured one")
            return outcome.stats
        return simulate(self.simulator, self.names, overrides, seed).stats


def attempt_seed(seed: int, t: int, attempt: int) -> np.random.SeedSequence:
    """The seed of proposal ``attempt`` of generation ``t`` (t >= -1)."""
    return np.random.SeedSequence(seed, spawn_key=(PROPOSAL_KEY, t + 1, attempt))


def _seeded_call(simulate_one: Callable[[], Any], seed: int, t: int, attempt: int,
                 mode: str, outcome: Outcome | None = None) -> Any:
    """Call pyabc's ``simulate_one`` with numpy's global state seeded for this proposal (pyabc
    draws proposals from it; the simulation seed is drawn right after), in ``mode``; the
    caller's global random state is restored."""
    saved = np.random.get_state()
    np.random.seed(attempt_seed(seed, t, attempt).generate_state(8))
    _PHASE.update(mode=mode, outcome=outcome)
    try:
        return simulate_one()
    finally:
        _PHASE.update(mode="direct", outcome=None)
        np.random.set_state(saved)


def capture(simulate_one: Callable[[], Any], seed: int, t: int, attempt: int) -> _Captured:
    """Phase 1 (here): draw proposal ``attempt`` and return its simulation job."""
    try:
        _seeded_call(simulate_one, seed, t, attempt, "capture")
    except _Captured as job:
        return job
    raise RuntimeError("pyabc's simulate_one did not call the model")


def replay(simulate_one: Callable[[], Any], seed: int, t: int, attempt: int,
           outcome: Outcome) -> Any:
    """Phase 3 (here): the same proposal again, with the simulated outcome -> pyabc particle
    (distance, acceptance, importance weight)."""
    return _seeded_call(simulate_one, seed, t, attempt, "replay", outcome)


@dataclass
class GenerationLog:
    """What the sampler did for one generation (``sampler_log.jsonl``)."""

    t: int
    simulations: int
    """Proposals simulated, including those of the last batch after the n-th acceptance."""
    evaluations: int
    """Proposals up to the n-th accepted one (pyabc's ``samples``; acceptance rate = n / this)."""
    accepted: int
    failed: int
    seconds: float


def _result_or_cancel_rest(future: Future, rest: Sequence[Future]) -> Any:
    """The future's result; on Ctrl-C (or any error) the batch's queued simulations are
    cancelled first, so an interrupted calibration stops after the running ones, not after
    the whole batch."""
    try:
        return future.result()
    except BaseException:
        for pending in rest:
            pending.cancel()
        raise


class BudgetBelowStored(ValueError):
    """The folder holds more generations than the config's ``max_generations``: running would
    relabel a longer calibration as a shorter one."""


class AllProposalsFailed(RuntimeError):
    """Every proposal of a generation failed: the calibration cannot go on (without this
    check it would propose forever when, say, a target is undefined for every parameter set)."""


class SeededBatchSampler(Sampler):
    """Deterministic, worker-count independent pyabc sampler (see the module docstring)."""

    def __init__(self, seed: int, executor: Executor, batch_size: int | None = None,
                 out: Path | None = None, report: Callable[[str], None] | None = None):
        super().__init__()
        self.seed = int(seed)
        self.executor = executor
        self.batch_size = batch_size
        self.out = out
        self.report = report
        self.logs: list[GenerationLog] = []
        self.failures: list[dict[str, Any]] = []

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        started = time.perf_counter()
        sample = self._create_empty_sample()
        batch = self.batch_size or n
        accepted = used = attempt = failed = 0
        while accepted < n and attempt < max_eval:
            size = int(min(batch, max_eval - attempt))
            jobs = [capture(simulate_one, self.seed, t, attempt + j) for j in range(size)]
            futures = [self.executor.submit(simulate, job.model.simulator, job.model.names,
                                            job.overrides, job.seed) for job in jobs]
            for j, future in enumerate(futures):
                outcome = _result_or_cancel_rest(future, futures[j + 1:])
                if outcome.failure is not None:
                    self._record_failure({"generation": t, "proposal": attempt + j,
                                          **outcome.failure})
                    failed += 1
                if accepted < n:
                    particle = replay(simulate_one, self.seed, t, attempt + j, outcome)
                    sample.append(particle)
                    used = attempt + j + 1
                    accepted += bool(particle.accepted)
            attempt += size
            # (a failed proposal has an infinite distance, so none of them was accepted)
            if failed == attempt >= max(ALL_FAILED_BATCHES * batch, ALL_FAILED_MIN):
                self._stop_all_failed(t, attempt)
        if accepted < n:
            sample.ok = False
        self.nr_evaluations_ = used
        log = GenerationLog(t=t, simulations=attempt, evaluations=used, accepted=accepted,
                            failed=failed, seconds=time.perf_counter() - started)
        self.logs.append(log)
        if self.out is not None:
            with open(self.out / SAMPLER_LOG_NAME, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(log.__dict__) + "\n")
        if self.report is not None:
            self.report(f"generation {t}: {accepted} accepted of {used} proposals "
                        f"({attempt} simulated, {failed} failed) in {log.seconds:.1f} s")
        return sample

    def _stop_all_failed(self, t: int, attempt: int) -> None:
        reasons = sorted({f["reason"] for f in self.failures if f["generation"] == t})
        where = f" (every one is in {self.out / FAILURES_NAME})" if self.out is not None else ""
        raise AllProposalsFailed(
            f"generation {t}: all {attempt} proposals so far failed{where}; "
            f"{len(reasons)} distinct reason(s), e.g. {reasons[0]!r}. Check the targets "
            "(measurable within the scenarios' steps?) and the priors' ranges.")

    def _record_failure(self, record: dict[str, Any]) -> None:
        self.failures.append(record)
        if self.out is not None:
            with open(self.out / FAILURES_NAME, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, default=str) + "\n")


class RangeDistance(pyabc.Distance):
    """pyabc distance: Euclidean norm of the scaled distances of each target's mean to its
    range (:func:`clustersim.calibration.distance.range_distance`)."""

    def __init__(self, targets: Sequence[Target]):
        super().__init__()
        self.targets = list(targets)

    def __call__(self, x: Mapping[str, Any], x_0: Mapping[str, Any] | None = None,
                 t: int | None = None, par: Mapping[str, Any] | None = None) -> float:
        return range_distance(self.targets, x)

    def get_config(self) -> dict:
        return {"name": "RangeDistance",
                "targets": [[t.name, t.low, t.high, t.width] for t in self.targets]}


class ResumableQuantileEpsilon(pyabc.QuantileEpsilon):
    """Quantile epsilon that, when a run resumes at t > 0, starts from the quantile of the last
    stored generation's distances (as an uninterrupted run would), not from the initial value."""

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations,
                   acceptor_config):
        if t > 0:
            self._update(t, get_weighted_distances())


@dataclass
class AbcBudget:
    """Stopping rules of :func:`run_abc` (mirrors the config's ``budget``)."""

    population_size: int
    max_generations: int
    min_epsilon: float = 0.0
    max_total_simulations: int | None = None
    epsilon_quantile: float = 0.5
    batch_size: int | None = None


@dataclass
class AbcResult:
    """A finished (or stopped) ABC-SMC run, read back from the History database."""

    posterior: pd.DataFrame
    """One row per particle of the last generation: parameter columns (dotted paths),
    ``weight`` (sums to 1) and ``distance``."""
    generations: pd.DataFrame
    failures: list[dict[str, Any]]
    stop_reason: str
    db_path: Path
    resumed_from: int
    """Generations found in the database at start (0 for a fresh run)."""
    seconds: float
    sampler_logs: list[GenerationLog] = field(default_factory=list)

    @property
    def n_generations(self) -> int:
        return len(self.generations)

    @property
    def total_simulations(self) -> int:
        return int(self.generations["simulations"].sum())


def db_url(path: Path) -> str:
    return "sqlite:///" + str(Path(path).absolute())


def stored_generations(db: Path) -> int | None:
    """Generations stored in ``db`` (None when there is no usable run in it)."""
    if not db.is_file():
        return None
    try:
        history = pyabc.History(db_url(db), _id=1)
        history.observed_sum_stat()
        return int(history.max_t) + 1
    except Exception:  # a database killed before its run was created: start afresh
        return None


def stop_reason(history: pyabc.History, budget: AbcBudget) -> str | None:
    """Why a run in ``history`` is finished, or None when it should continue."""
    done = int(history.max_t) + 1
    if done <= 0:
        return None
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0]
    last_eps = float(populations.epsilon.iloc[-1])
    if last_eps <= budget.min_epsilon:
        return f"epsilon {last_eps:g} <= min_epsilon {budget.min_epsilon:g}"
    if (budget.max_total_simulations is not None
            and history.total_nr_simulations >= budget.max_total_simulations):
        return (f"{history.total_nr_simulations} evaluations >= max_total_simulations "
                f"{budget.max_total_simulations}")
    if done >= budget.max_generations:
        return f"max_generations {budget.max_generations} reached"
    return None


def run_abc(parameters: Sequence[FreeParameter], targets: Sequence[Target],
            simulator: Simulator, budget: AbcBudget, seed: int, out: str | Path,
            executor: Executor | None = None,
            report: Callable[[str], None] | None = None) -> AbcResult:
    """Run (or resume) ABC-SMC of ``parameters`` against ``targets`` into ``out``.

    ``out`` receives ``calibration.db`` (pyabc History), ``failures.jsonl`` and
    ``sampler_log.jsonl``; nothing else. ``executor`` runs the simulations (any
    ``concurrent.futures.Executor``; default: in this process). The result depends on ``seed``
    and the config only, not on the executor or the number of workers.
    """
    from clustersim.experiments.executors import SerialExecutor

    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / DB_NAME
    executor = executor or SerialExecutor()
    sampler = SeededBatchSampler(seed, executor, budget.batch_size, out=out, report=report)
    names = [t.name for t in targets]
    abc = pyabc.ABCSMC(
        models=SimulatorModel(simulator, parameters, names),
        parameter_priors=pyabc_prior(list(parameters)),
        distance_function=RangeDistance(targets),
        population_size=budget.population_size,
        sampler=sampler,
        eps=ResumableQuantileEpsilon(initial_epsilon=INITIAL_EPSILON,
                                     alpha=budget.epsilon_quantile),
    )
    found = stored_generations(db)
    if found is not None and found > budget.max_generations:
        raise BudgetBelowStored(
            f"{out} holds {found} generations of this calibration, more than max_generations "
            f"{budget.max_generations}: raise max_generations to at least {found} to finish or "
            "extend it, or use another --out")
    if found is None:
        if db.exists():
            db.unlink()
        history = abc.new(db_url(db), {t.name: t.midpoint() for t in targets})
        found = 0
    else:
        history = abc.load(db_url(db), 1)
    reason = stop_reason(history, budget)
    if reason is None:
        abc.run(minimum_epsilon=budget.min_epsilon,
                max_nr_populations=budget.max_generations - max(found, 0),
                max_total_nr_simulations=(np.inf if budget.max_total_simulations is None
                                          else budget.max_total_simulations))
        history = pyabc.History(db_url(db), _id=1)
        reason = stop_reason(history, budget) or "stopped by pyabc (see the log)"
    result = read_result(db, parameters)
    result.stop_reason = reason
    result.resumed_from = found
    result.seconds = time.perf_counter() - started
    result.sampler_logs = sampler.logs
    return result


def read_result(db: Path, parameters: Sequence[FreeParameter]) -> AbcResult:
    """The posterior (last generation), per-generation table and failures of ``out``."""
    history = pyabc.History(db_url(db), _id=1)
    t = int(history.max_t)
    particles = history.get_population(t=t).particles
    posterior = pd.DataFrame([{**{p.path: float(q.parameter[p.path]) for p in parameters},
                               "weight": float(q.weight), "distance": float(q.distance)}
                              for q in particles])
    posterior["weight"] /= posterior["weight"].sum()
    posterior.insert(0, "generation", t)
    out = db.parent
    generations = generation_table(history, out)
    failures = read_failures(out)
    return AbcResult(posterior=posterior, generations=generations, failures=failures,
                     stop_reason="", db_path=db, resumed_from=0, seconds=0.0)


def generation_table(history: pyabc.History, out: Path) -> pd.DataFrame:
    """generation, epsilon, accepted, evaluations, acceptance rate, effective sample size of
    the weights (ESS = (sum w)^2 / sum w^2), simulations, failed, time."""
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0].reset_index(drop=True)
    logs = {}
    path = out / SAMPLER_LOG_NAME
    if path.is_file():  # the last record of a generation wins (a resumed one was recomputed)
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                logs[record["t"]] = record
    rows = []
    for row in pops.itertuples():
        log = logs.get(int(row.t), {})
        weights = np.asarray(history.get_distribution(m=0, t=int(row.t))[1], float)
        rows.append({
            "generation": int(row.t),
            "epsilon": float(row.epsilon),
            "accepted": int(row.particles),
            "evaluations": int(row.samples),
            "acceptance_rate": float(row.particles) / float(row.samples),
            "ess": float(weights.sum() ** 2 / (weights ** 2).sum()),
            "simulations": int(log.get("simulations", row.samples)),
            "failed": int(log.get("failed", 0)),
            "seconds": float(log.get("seconds", math.nan)),
        })
    return pd.DataFrame(rows)


def read_failures(out: Path) -> list[dict[str, Any]]:
    """Recorded failures, one per (generation, proposal): a recomputed generation after a
    resume records the same failures again, which are counted once."""
    path = Path(out) / FAILURES_NAME
    if not path.is_file():
        return []
    unique: dict[tuple[int, int, str], dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            unique[(record["generation"], record["proposal"], record["kind"])] = record
    return list(unique.values())
