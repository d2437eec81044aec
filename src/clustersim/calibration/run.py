"""``calibrate``: config -> ABC-SMC -> posterior predictive check -> the output folder.

The folder is claimed first (:func:`clustersim.outputs.folders.claim_folder`, kind
``calibrate``): a folder holding another command's output, or a calibration of another config
(config, scenarios or model defaults differ), is refused unless ``overwrite``. The same config
and folder resume: finished generations are read from ``calibration.db``.

Files written (docs/calibration.md): ``posterior.parquet``, ``posterior_summary.csv``,
``generations.csv``, ``failures.csv``, ``marginals.png``, ``pairwise.png`` (two or more
parameters), ``predictive.csv``, ``predictive_draws.parquet``, ``predictive.png``,
``calibrated.yaml``, ``point_estimate.csv`` (method best_particle), ``config.yaml``,
``manifest.json``; plus the working files
``calibration.db``, ``failures.jsonl`` and ``sampler_log.jsonl``.
"""

from __future__ import annotations

import json
import os
import platform
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from clustersim.batching import auto_batch_size, firms_of
from clustersim.calibration.config import ResolvedConfig, load_config
from clustersim.calibration.plots import plot_marginals, plot_pairwise, plot_predictive
from clustersim.calibration.point import chosen_values, particle_judges, select_particle
from clustersim.calibration.predictive import posterior_predictive
from clustersim.calibration.simulator import PatternSimulator, scenarios_for_suite
from clustersim.calibration.smc import AbcBudget, AbcResult, run_abc
from clustersim.calibration.summary import calibrated_yaml, posterior_summary
from clustersim.experiments.executors import ExecutorOptions, check_backend, open_backend

FORMAT = "clustersim-calibration/1"
DETERMINISM = (
    "Proposal i of generation t is evaluated with numpy's global state seeded from "
    "SeedSequence(seed, spawn_key=(0, t + 1, i)) in fixed batches and read in proposal order, "
    "so the posterior (parameters, weights, distances), generations.csv and failures are "
    "bitwise identical for any number of workers and any backend (serial, loky processes, "
    "Dask) on the same platform and library versions, and a resumed run equals an "
    "uninterrupted one. Not identical: the 'seconds' columns and timings; across platforms or "
    "numpy/scipy versions, floating-point results may differ in the last bits.")


@dataclass
class CalibrationResult:
    """What :func:`calibrate` wrote and the main numbers."""

    out: Path
    abc: AbcResult
    summary: pd.DataFrame
    predictive: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def posterior(self) -> pd.DataFrame:
        return self.abc.posterior


def _versions() -> dict[str, str]:
    out = {}
    for name in ("clustersim", "pyabc", "numpy", "scipy", "pandas"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[name] = "unknown"
    return out


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def calibrate(config: str | Path | ResolvedConfig, out: str | Path, *,
              executor: ExecutorOptions | None = None, overwrite: bool = False,
              report: Callable[[str], None] | None = None) -> CalibrationResult:
    """Run (or resume) the calibration described by ``config`` into ``out``.

    Args:
        config: a config file or a :class:`ResolvedConfig` (:func:`load_config`).
        out: output folder (new, empty, or this config's earlier calibration to resume).
        executor: where simulations run (default: in this process); the result does not
            depend on it.
        overwrite: replace an ``out`` that holds another clustersim output.
        report: called with one line per generation and predictive draw (progress).
    """
    from clustersim.outputs.folders import claim_folder

    started = time.perf_counter()
    resolved = config if isinstance(config, ResolvedConfig) else load_config(config)
    cfg = resolved.config
    options = executor or ExecutorOptions("serial", workers=1)
    check_backend(options)
    out = Path(out)
    identity = {"config_sha256": resolved.identity()}
    with claim_folder(out, "calibrate", resolved.name, identity, overwrite=overwrite,
                      command="calibrate"):
        _write_text(out / "config.yaml",
                    yaml.safe_dump(cfg.model_dump(mode="json", exclude_none=True),
                                   sort_keys=False))
        simulator = PatternSimulator(resolved.target_patterns, cfg.replications,
                                     resolved.measured, cfg.fixed, cfg.replication_batch)
        budget = AbcBudget(**cfg.budget.model_dump())
        with open_backend(options) as handle:
            abc = run_abc(resolved.parameters, resolved.targets, simulator, budget, cfg.seed,
                          out, executor=handle.executor, report=report)
            predictive_started = time.perf_counter()
            ranges = {p.name: (p.low, p.high) for p in resolved.all_patterns}
            ranges.update({t.name: (t.low, t.high) for t in resolved.targets})
            spec = cfg.posterior_predictive
            suite_scenarios = scenarios_for_suite(
                resolved.all_patterns, [*resolved.measured, *(resolved.scenarios or [])])
            draws, predictive = posterior_predictive(
                abc.posterior, resolved.parameters, resolved.all_patterns, ranges,
                [t.name for t in resolved.targets], draws=spec.draws,
                replications=spec.replications or cfg.replications, seed=cfg.seed,
                fixed=cfg.fixed, scenarios=suite_scenarios, executor=handle.executor,
                report=report, batch_size=cfg.replication_batch)
            predictive_s = time.perf_counter() - predictive_started
            point = None
            point_started = time.perf_counter()
            reps = cfg.point_estimate.replications_for(cfg.replications)
            if reps is not None:
                judged, judge = particle_judges(resolved, reps, suite_scenarios)
                point = select_particle(abc.posterior, resolved.parameters, judged, judge,
                                        seed=cfg.seed, executor=handle.executor,
                                        report=report)
            point_s = time.perf_counter() - point_started
        summary = posterior_summary(abc.posterior, resolved.parameters)
        if point is not None:
            chosen = chosen_values(point, resolved.parameters)
            summary["calibrated_value"] = summary["parameter"].map(chosen)
        manifest = write_outputs(out, resolved, abc, summary, draws, predictive, options,
                                 point=point, predictive_s=predictive_s, point_s=point_s,
                                 total_s=time.perf_counter() - started)
    return CalibrationResult(out=out, abc=abc, summary=summary, predictive=predictive,
                             manifest=manifest)


def _batch_sizes(resolved: ResolvedConfig) -> dict[str, int]:
    """Replications simulated together per target scenario (with the fixed overrides), as the
    proposals ran them (1: one by one)."""
    from clustersim.scenario.loader import scenario_with_overrides

    cfg = resolved.config
    sizes = {}
    for scenario in resolved.measured:
        if cfg.replication_batch == "auto":
            firms = firms_of(scenario_with_overrides(scenario, dict(cfg.fixed)))
            sizes[scenario.name] = auto_batch_size(firms, cfg.replications)
        else:
            sizes[scenario.name] = int(cfg.replication_batch)
    return sizes


def write_outputs(out: Path, resolved: ResolvedConfig, abc: AbcResult, summary: pd.DataFrame,
                  draws: pd.DataFrame, predictive: pd.DataFrame, options: ExecutorOptions, *,
                  predictive_s: float, total_s: float, point: pd.DataFrame | None = None,
                  point_s: float = 0.0) -> dict[str, Any]:
    """Write every result file of a calibration into ``out`` and return the manifest."""
    cfg = resolved.config
    files = []

    def keep(path: Path | None) -> None:
        if path is not None:
            files.append(path.name)

    abc.posterior.to_parquet(out / "posterior.parquet", index=False)
    keep(out / "posterior.parquet")
    summary.to_csv(out / "posterior_summary.csv", index=False)
    keep(out / "posterior_summary.csv")
    abc.generations.to_csv(out / "generations.csv", index=False)
    keep(out / "generations.csv")
    failures = pd.DataFrame(abc.failures, columns=["generation", "proposal", "kind", "reason",
                                                   "parameters", "seed"])
    failures["parameters"] = failures["parameters"].map(lambda v: json.dumps(v, default=str))
    failures.to_csv(out / "failures.csv", index=False)
    keep(out / "failures.csv")
    keep(plot_marginals(abc.posterior, resolved.parameters, out / "marginals.png"))
    keep(plot_pairwise(abc.posterior, resolved.parameters, out / "pairwise.png"))
    predictive.to_csv(out / "predictive.csv", index=False)
    keep(out / "predictive.csv")
    draws.to_parquet(out / "predictive_draws.parquet", index=False)
    keep(out / "predictive_draws.parquet")
    keep(plot_predictive(draws, predictive, out / "predictive.png"))
    (out / "point_estimate.csv").unlink(missing_ok=True)
    if point is None:
        what = "posterior medians"
    else:
        point.to_csv(out / "point_estimate.csv", index=False)
        keep(out / "point_estimate.csv")
        best = point.loc[point["chosen"]].iloc[0]
        judged = "target" if cfg.point_estimate.patterns == "targets" else "pattern of the suite"
        what = (f"the posterior particle whose worst {judged} ({best['worst']}) lies deepest "
                f"inside its range (margin {best['score']:.3f}; point_estimate.csv)")
    header = [
        f"Calibrated parameters of clustersim calibrate '{cfg.name}': {what}",
        f"(config {resolved.source}, seed {cfg.seed}, {abc.n_generations} generations, "
        f"{abc.total_simulations} simulations, {datetime.now(UTC).date().isoformat()}).",
        "Use it from a scenario file with  extends: <relative path to this file>",
        "(fields the scenario sets itself win). Posterior and intervals: posterior.parquet,",
        "posterior_summary.csv.",
    ]
    _write_text(out / "calibrated.yaml", calibrated_yaml(summary, resolved.parameters, header))
    keep(out / "calibrated.yaml")
    keep(out / "config.yaml")

    logs = abc.sampler_logs
    run_sims = sum(g.simulations for g in logs)
    run_secs = sum(g.seconds for g in logs)
    # every stored generation, also those of earlier invocations (a resumed or re-finished run)
    all_sims = int(abc.generations["simulations"].sum())
    all_secs = float(abc.generations["seconds"].sum())
    kinds = Counter(f["kind"] for f in abc.failures)
    reasons = Counter(f["reason"] for f in abc.failures)
    manifest = {
        "format": FORMAT,
        "name": cfg.name,
        "config_file": resolved.source,
        "config_sha256": resolved.identity(),
        "seed": cfg.seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "python": platform.python_version(),
        "executor": options.describe(),
        "scenario_hashes": resolved.scenario_hashes,
        "parameters": [{"path": p.path, "prior": p.prior.model_dump(exclude_none=True),
                        "integer": p.integer} for p in resolved.parameters],
        "targets": [{"pattern": t.name, "low": t.low, "high": t.high, "scale": t.width,
                     "origin": t.origin} for t in resolved.targets],
        "point_estimate": {"method": cfg.point_estimate.method,
                           "patterns": cfg.point_estimate.patterns,
                           "replications": cfg.point_estimate.replications_for(
                               cfg.replications)},
        "distance": "sqrt(sum_k (distance of mean_k to [low_k, high_k] / scale_k)^2); "
                    "0 when every target is inside its range",
        "generations": abc.n_generations,
        "final_epsilon": float(abc.generations["epsilon"].iloc[-1]),
        "final_ess": float(abc.generations["ess"].iloc[-1]),
        "stop_reason": abc.stop_reason,
        "resumed_from_generation": abc.resumed_from,
        "simulations": {
            "abc_total": abc.total_simulations,
            "abc_evaluations": int(abc.generations["evaluations"].sum()),
            "abc_this_invocation": run_sims,
            "predictive": len(draws.draw.unique()) if len(draws) else 0,
            "replications_per_simulation": cfg.replications,
            "replication_batch": cfg.replication_batch,
            "batch_size_by_scenario": _batch_sizes(resolved),
        },
        "failures": {"count": len(abc.failures), "by_kind": dict(kinds),
                     "reasons": dict(reasons.most_common(20))},
        "timing_s": {"abc_this_invocation": round(abc.seconds, 3),
                     "abc_sampling": round(run_secs, 3),
                     "abc_all_generations": round(all_secs, 3),
                     "predictive": round(predictive_s, 3),
                     "point_estimate": round(point_s, 3), "total": round(total_s, 3)},
        "throughput_simulations_per_s": round(run_sims / run_secs, 4) if run_secs else None,
        "throughput_all_generations_simulations_per_s": (
            round(all_sims / all_secs, 4) if all_secs else None),
        "determinism": DETERMINISM,
        "files": sorted(files),
    }
    _write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest
