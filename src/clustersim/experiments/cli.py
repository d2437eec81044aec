"""``clustersim sweep`` and ``clustersim sensitivity``: thin click wrappers around the API.

The main ``clustersim`` group registers these two commands; ``python -m clustersim.experiments``
offers them on their own.
"""

from __future__ import annotations

import signal
from pathlib import Path

import click

from clustersim.options import ALLOW_FLAG, ScenarioFieldRange
from clustersim.shipped import EXPERIMENTS, resolve

# Only click and light modules at the top: ``clustersim sweep --help`` and option parsing load
# no numpy, pandas or model code; each command imports what it runs.


class InvalidInput(click.ClickException):
    """Bad experiment file or options: exit code 2, like ``clustersim validate-scenario``."""

    exit_code = 2


def executor_flags(fn):
    """Options shared by both commands: where the runs execute."""
    options = [
        click.option("--workers", "-w", type=click.IntRange(min=0), default=None,
                     help="Local worker processes (default: all cores; 0 = in this process)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
                     help="Run on an existing dask.distributed cluster."),
        click.option("--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Start a local Dask cluster with N worker processes."),
        click.option("--mpi", is_flag=True, default=False,
                     help="Run on mpi4py.futures.MPIPoolExecutor (launch under mpiexec)."),
        click.option("--replications", "-r", type=click.IntRange(min=1), default=None,
                     help="Override the experiment's replications."),
        click.option("--steps", type=ScenarioFieldRange("steps"),
                     default=None, help="Override the number of simulated months."),
        click.option("--retry-failed", is_flag=True, default=False,
                     help="Re-run the runs recorded as failed."),
        click.option("--no-progress", is_flag=True, default=False,
                     help="No progress bar."),
        click.option("--overwrite", is_flag=True, default=False,
                     help="Replace an --out folder that holds another clustersim output "
                          "(never a folder clustersim did not write)."),
        click.option(ALLOW_FLAG, "allow_large", is_flag=True, default=False,
                     help="Allow designs and models beyond the limits of clustersim.limits."),
        click.option("--force-workers", is_flag=True, default=False,
                     help="Allow more --workers / --dask-local processes than CPU cores."),
        click.option("--batch-size", type=BATCH_SIZE, default=None, metavar="N|auto",
                     help="Replications of a design point simulated together as one "
                          "vectorised model (default: the experiment's batch_size, 'auto')."),
        click.option("--no-batch", is_flag=True, default=False,
                     help="Simulate every run on its own (the same as --batch-size 1)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


class _BatchSize(click.ParamType):
    name = "batch size"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value == "auto":
            return value
        try:
            size = int(value)
        except ValueError:
            size = 0
        if not 1 <= size <= 64:
            self.fail(f"{value!r}: give a whole number from 1 to 64, or 'auto'", param, ctx)
        return size


BATCH_SIZE = _BatchSize()


def resolve_batch_flags(options: dict) -> None:
    """Fold ``--no-batch`` into ``batch_size`` (in place), refusing a contradiction."""
    if options.pop("no_batch", False):
        if options.get("batch_size") not in (None, 1):
            raise InvalidInput("--no-batch and --batch-size contradict each other; give one")
        options["batch_size"] = 1


def posterior_flags(fn):
    """``--posterior FILE --draws K``: run under parameter uncertainty (sweep, compare)."""
    options = [
        click.option("--posterior", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, metavar="FILE",
                     help="posterior.parquet of 'clustersim calibrate': run every point under "
                          "--draws parameter sets drawn from it by weight (seeded by the "
                          "experiment seed)."),
        click.option("--draws", type=click.IntRange(min=1, max=100_000), default=None,
                     metavar="K", help="Posterior draws (default 20; needs --posterior)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(experiment: Path, out: Path | None, **kwargs):
    from clustersim.experiments.api import sweep
    from clustersim.experiments.spec import ExperimentError
    from clustersim.outputs.folders import OutputFolderError
    from clustersim.scenario.loader import ScenarioError

    progress = not kwargs.pop("no_progress")
    resolve_batch_flags(kwargs)
    previous = signal.signal(signal.SIGTERM, terminate_like_ctrl_c)
    try:
        return sweep(experiment, out, progress=progress, **kwargs)
    except (ExperimentError, ScenarioError, OutputFolderError, ValueError) as exc:
        raise InvalidInput(str(exc)) from None
    except RuntimeError as exc:  # executor trouble: scheduler unreachable, pool keeps breaking
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        target = out or "the output folder"
        click.echo(
            f"\nInterrupted. Finished runs are saved in {target}; run the same command again "
            "to resume.",
            err=True,
        )
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def terminate_like_ctrl_c(signum, frame) -> None:
    """SIGTERM (a batch system's time limit, ``kill``) stops the sweep as Ctrl-C does: finished
    runs are saved and the workers stopped."""
    raise KeyboardInterrupt


def _report(summary) -> None:
    click.echo(
        f"{summary.out}: {summary.ok} runs done, {summary.failed} failed in "
        f"{summary.elapsed_s:.1f} s ({summary.already_done} were already done; "
        f"{summary.n_runs} runs in the plan)"
    )
    if summary.failed:
        click.echo(
            f"{summary.failed} runs failed; see the 'error' and 'traceback' columns "
            "(clustersim.experiments.load_runs) and re-run with --retry-failed.",
            err=True,
        )


@click.command("sweep")
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/<experiment file stem>). Re-use it to resume.")
@executor_flags
@posterior_flags
def sweep_command(experiment: Path, out: Path | None, **kwargs) -> None:
    """Run the parameter sweep described in EXPERIMENT (a YAML file) into a Parquet dataset.

    Re-running into the same --out folder skips finished runs. With --posterior FILE --draws K
    every design point runs K x replications times, under parameter sets drawn from a
    calibration's posterior (columns 'draw' and the drawn values in the runs table).
    """
    from clustersim.experiments.api import default_out

    experiment = resolve(experiment, EXPERIMENTS)
    out = out or default_out(experiment)
    summary = _run(experiment, out, **kwargs)
    _report(summary)


@click.command("sensitivity")
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sweep output folder (default: results/<experiment file stem>).")
@click.option("--kpi", "kpis", multiple=True, help="KPI to analyse (repeatable; default: all).")
@click.option("--analyze-only", is_flag=True, default=False,
              help="Do not run missing runs; analyse what the folder holds.")
@executor_flags
def sensitivity_command(
    experiment: Path, out: Path | None, kpis: tuple[str, ...], analyze_only: bool, **kwargs
) -> None:
    """Sobol' or Morris sensitivity indices (SALib) of the KPIs for a sobol/morris EXPERIMENT.

    Runs (or resumes) the sweep into --out first, then writes sensitivity/indices.csv and
    sensitivity/indices.png there.
    """
    from clustersim.experiments.api import default_out
    from clustersim.experiments.sensitivity import SensitivityError, analyze_folder, check_request
    from clustersim.experiments.spec import ExperimentError
    from clustersim.outputs.folders import OutputFolderError, folder_lock

    experiment = resolve(experiment, EXPERIMENTS)
    out = out or default_out(experiment)
    try:
        check_request(experiment, list(kpis) or None)  # before any run
    except (SensitivityError, ExperimentError) as exc:
        raise InvalidInput(str(exc)) from None
    if not analyze_only:
        _report(_run(experiment, out, **kwargs))
    try:
        if not (out / "manifest.json").is_file():
            raise SensitivityError(f"{out}: no sweep manifest.json; run the sweep first")
        with folder_lock(out, "sensitivity"):
            result = analyze_folder(out, kpis=list(kpis) or None)
    except (SensitivityError, FileNotFoundError, OutputFolderError) as exc:
        raise InvalidInput(str(exc)) from None
    shown = result.table.drop(columns="note", errors="ignore")
    click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    click.echo(f"table: {result.table_path}\nplot:  {result.plot_path}")
    for warning in result.warnings:
        click.echo(warning, err=True)


@click.group()
def experiments_cli() -> None:
    """Experiment commands of clustersim (also available as ``clustersim sweep`` etc.)."""


experiments_cli.add_command(sweep_command)
experiments_cli.add_command(sensitivity_command)
