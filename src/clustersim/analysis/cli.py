"""``clustersim compare`` and ``clustersim plot``: thin wrappers over the analysis package."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clustersim.scenario.loader import InputFileError


@click.command("compare")
@click.argument("comparison_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Output folder [default: reports/<file stem>].")
@click.option("--replications", type=click.IntRange(min=2), default=None,
              help="Override the file's replications per variant.")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Override the horizon in months.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Local worker processes [default: all cores; 0 = this process].")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run on an existing dask.distributed cluster.")
@click.option("--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
              help="Start a local Dask cluster with N workers.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def compare_command(comparison_file: Path, out_dir: Path | None, replications: int | None,
                    steps: int | None, workers: int | None, scheduler: str | None,
                    dask_local: int | None, progress: bool) -> None:
    """Compare funding schemes at equal public spend and write report.html plus CSV tables.

    Each funded variant's annual budget is first calibrated to the file's target public spend;
    the runs go through the sweep runner, so re-running the command resumes.
    """
    from clustersim.analysis.comparison import run_comparison
    from clustersim.analysis.report import write_report

    out = out_dir or Path("reports") / comparison_file.stem
    try:
        result = run_comparison(comparison_file, out, replications=replications, steps=steps,
                                progress=progress, workers=workers, scheduler=scheduler,
                                dask_local=dask_local)
    except InputFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    report = write_report(result)
    click.echo(f"wrote {report} and CSV tables to {out}/")


@click.command("plot")
@click.argument("results_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--kpi", required=True, help="KPI to plot, e.g. export_share.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="PNG file [default: RESULTS/<kpi>.png].")
def plot_command(results_dir: Path, kpi: str, out_file: Path | None) -> None:
    """Quick look at one KPI of a sweep: mean over replications with a 95% band per design
    point (per-month table), or means with 95% intervals of the final value."""
    from clustersim.analysis.quicklook import plot_sweep_kpi

    try:
        path = plot_sweep_kpi(results_dir, kpi, out_file)
    except (KeyError, FileNotFoundError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}")
