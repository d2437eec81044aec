"""``clustersim calibrate CONFIG.yaml --out DIR``: ABC-SMC of free parameters against patterns.

Exit status: 0 when the calibration finished (whatever its epsilon), 2 for bad input (invalid
config, unknown parameter or pattern, empty or inverted prior, output folder holding something
else), 130 when interrupted (run the same command again to resume).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

EXIT_INVALID_INPUT = 2


WIDE_SPREAD = 3.0
"""Warn about targets whose 95% predictive interval is wider than this many accepted ranges."""
LOW_ESS_SHARE = 0.25
"""Warn when the last generation's effective sample size is below this share of the
population (weights concentrated on a few particles)."""


@click.command("calibrate")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (new or empty; the same folder resumes this calibration).")
@click.option("--workers", "-w", type=click.IntRange(min=0), default=None,
              help="Local worker processes (default: all cores; 0 or 1 = in this process). "
                   "The result does not depend on it.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run the simulations on an existing dask.distributed cluster.")
@click.option("--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
              help="Start a local Dask cluster with N worker processes.")
@click.option("--force-workers", is_flag=True, default=False,
              help="Allow more --workers / --dask-local processes than CPU cores.")
@click.option("--overwrite", is_flag=True, default=False,
              help="Replace an --out folder that holds another clustersim output (never a "
                   "folder clustersim did not write).")
@click.option("--no-batch", is_flag=True, default=False,
              help="Simulate every replication on its own: the same as replication_batch: 1 in "
                   "CONFIG (part of the result's identity; config.yaml in --out records it).")
@click.option("--no-progress", is_flag=True, default=False, help="No progress lines.")
def calibrate_command(config: Path, out_dir: Path, workers: int | None, scheduler: str | None,
                      dask_local: int | None, force_workers: bool, overwrite: bool,
                      no_batch: bool, no_progress: bool) -> None:
    """Calibrate free model parameters against validation patterns with ABC-SMC (pyabc).

    CONFIG names the free parameters (dotted scenario paths with priors), the target patterns,
    the scenarios, replications and the budget (docs/calibration.md). Writes
    posterior.parquet, generations.csv, marginal and pairwise plots, a posterior predictive
    check of every pattern, calibrated.yaml and manifest.json to --out.
    """
    from clustersim.calibration.config import CalibrationConfigError, load_config
    from clustersim.calibration.run import calibrate
    from clustersim.calibration.smc import AllProposalsFailed, BudgetBelowStored
    from clustersim.experiments.api import executor_options
    from clustersim.experiments.cli import terminate_like_ctrl_c
    from clustersim.outputs.folders import OutputFolderError

    def bad_input(message: str) -> None:
        click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_INVALID_INPUT)

    try:
        resolved = load_config(config)
        if no_batch:
            resolved.config = resolved.config.model_copy(update={"replication_batch": 1})
        if workers in (0, 1) and not (scheduler or dask_local):
            workers = 0  # one worker: in this process, no pool to start
        options = executor_options(workers, scheduler, dask_local, False, force_workers)
    except (CalibrationConfigError, ValueError) as exc:
        bad_input(str(exc))
    report = None if no_progress else (lambda line: click.echo(line, err=True))
    previous = signal.signal(signal.SIGTERM, terminate_like_ctrl_c)
    try:
        result = calibrate(resolved, out_dir, executor=options, overwrite=overwrite,
                           report=report)
    except (OutputFolderError, BudgetBelowStored, AllProposalsFailed) as exc:
        bad_input(str(exc))  # (every proposal failed: the config asks what cannot be measured)
    except RuntimeError as exc:  # executor trouble: scheduler unreachable, missing package
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted. Finished generations are saved in {out_dir}; run the same "
                   "command again to resume.", err=True)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    m = result.manifest
    click.echo(f"{resolved.name}: {m['generations']} generations, final epsilon "
               f"{m['final_epsilon']:.4g} ({m['stop_reason']}); {m['simulations']['abc_total']} "
               f"simulations, {m['failures']['count']} failed")
    for row in result.summary.itertuples():
        click.echo(f"  {row.parameter}: median {row.median:.4g} [95% CrI {row.q025:.4g}, "
                   f"{row.q975:.4g}]" + ("" if row.identified else "  (not identified: "
                                              "posterior ~ prior)"))
    population = resolved.config.budget.population_size
    if m["final_ess"] < LOW_ESS_SHARE * population:
        click.echo(f"warning: effective sample size {m['final_ess']:.1f} of {population}: the "
                   "posterior rests on a few particles, so its medians, intervals and "
                   "'identified' flags are unreliable; raise population_size or "
                   "max_generations and run again into the same folder to extend it",
                   err=True)
    spread = result.predictive.get("spread_over_range")
    if spread is not None:
        wide = result.predictive[result.predictive["target"] & (spread > WIDE_SPREAD)]
        if len(wide):
            listed = ", ".join(f"{r.pattern} ({r.spread_over_range:.0f}x)"
                               for r in wide.itertuples())
            click.echo(f"warning: the posterior predictive interval of {len(wide)} target(s) is "
                       f"more than {WIDE_SPREAD:g} times as wide as the accepted range: "
                       f"{listed}. Replication noise or unidentified parameters dominate "
                       "these targets; give them a 'scale' or more replications "
                       "(docs/calibration.md)", err=True)
    n_in = int(result.predictive["median_inside"].sum())
    click.echo(f"posterior predictive: median inside the range for {n_in} of "
               f"{len(result.predictive)} patterns; wrote {out_dir}/ in "
               f"{m['timing_s']['total']:.1f} s")
