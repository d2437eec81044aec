"""``clustersim compare`` and ``clustersim plot``: thin wrappers over the analysis package.

``compare`` takes exactly the sweep runner's executor options (``--workers``, ``--scheduler``,
``--dask-local``, ``--mpi``, ``--replications``, ``--steps``, ``--retry-failed``,
``--no-progress``) by reusing the decorator of ``clustersim sweep``, so the two cannot drift.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from clustersim.experiments.cli import (
    InvalidInput,
    executor_flags,
    posterior_flags,
    resolve_batch_flags,
    terminate_like_ctrl_c,
)
from clustersim.outputs.folders import OutputFolderError
from clustersim.shipped import EXPERIMENTS, resolve


@click.command("compare")
@click.argument("comparison_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Output folder (default: reports/<file stem>). Re-use it to "
              "resume.")
@executor_flags
@posterior_flags
def compare_command(comparison_file: Path, out_dir: Path | None, **options: Any) -> None:
    """Compare funding schemes at equal public spend and write report.html plus CSV tables.

    Each funded variant's annual budget is first calibrated to the file's target public spend;
    calibration, main and robustness runs all go through the sweep runner with the options
    below (the same as 'clustersim sweep'), so re-running the command resumes.

    With --posterior FILE --draws K the main runs go over K parameter sets drawn from a
    calibration's posterior x replications (common random numbers within a draw), and the
    report adds, per indicator, the probability that each scheme is best and how stable the
    ranking is across draws.
    """
    from clustersim.analysis.comparison import (
        comparison_identity,
        comparison_posterior,
        load_comparison,
        run_comparison,
    )
    from clustersim.analysis.report import write_report
    from clustersim.experiments.api import executor_options
    from clustersim.outputs.folders import claim_folder, publish_files
    from clustersim.scenario.loader import InputFileError

    comparison_file = resolve(comparison_file, EXPERIMENTS)
    if options["replications"] is not None and options["replications"] < 2:
        raise InvalidInput("--replications must be at least 2 (confidence intervals)")
    out = out_dir or Path("reports") / comparison_file.stem
    progress = not options.pop("no_progress")
    overwrite = options.pop("overwrite")
    resolve_batch_flags(options)
    previous = signal.signal(signal.SIGTERM, terminate_like_ctrl_c)
    try:  # everything is checked before the first run: file, sizes, workers, output folder
        spec, scenario_file = load_comparison(comparison_file, options["allow_large"])
        if options["draws"] is not None and options["posterior"] is None:
            raise InvalidInput("--draws needs --posterior (the posterior.parquet to draw from)")
        drawn = (comparison_posterior(spec, scenario_file, options["posterior"],
                                      options["draws"])
                 if options["posterior"] is not None else None)
        executor_options(options["workers"], options["scheduler"], options["dask_local"],
                         options["mpi"], options["force_workers"])
        with claim_folder(out, "compare", spec.name,
                          comparison_identity(spec, scenario_file, drawn,
                                              options.get("batch_size")),
                          overwrite=overwrite, command="compare"):
            result = run_comparison(comparison_file, out, progress=progress, **options)
            stage = out / f".report-{os.getpid()}"
            stage.mkdir(exist_ok=True)
            write_report(dataclasses.replace(result, out=stage))  # then renamed into place
            publish_files(stage, out)
            report = out / "report.html"
    except (InputFileError, OutputFolderError, ValueError) as exc:
        raise InvalidInput(str(exc)) from None
    except RuntimeError as exc:  # executor trouble: scheduler unreachable, pool keeps breaking
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted. Finished runs are saved in {out}; run the same command "
                   "again to resume.", err=True)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(f"wrote {report} and CSV tables to {out}/")
    if result.failed:
        click.echo(f"{result.failed} runs failed and are left out of the report; see the "
                   "'error' column of the sweep folders and re-run with --retry-failed.", err=True)


@click.command("plot")
@click.argument("results_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--kpi", required=True, help="KPI to plot, e.g. export_share.")
@click.option("--by", "by", default=None, metavar="FIELD",
              help="Colour the lines by a design field (colour bar if numeric, legend if not).")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
              help="Keep only design points with this value (repeatable; the same field twice "
              "keeps either value).")
@click.option("--facet", "facet", default=None, metavar="FIELD",
              help="One panel per value of a design field.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="PNG file [default: RESULTS/<kpi>.png].")
def plot_command(results_dir: Path, kpi: str, by: str | None, where: tuple[str, ...],
                 facet: str | None, out_file: Path | None) -> None:
    """Quick look at one KPI of a sweep: mean over replications with a 95% band per design
    point (per-month table), or means with 95% intervals of the final value.

    With more than 10 design points and no --by, the mean over the points is drawn with a band
    (the title says so); --by, --where and --facet take a design field's full dotted name or
    its last part (e.g. annual_budget).
    """
    from clustersim.analysis.quicklook import PlotRequestError, plot_sweep_kpi

    try:
        path = plot_sweep_kpi(results_dir, kpi, out_file, by=by, where=where, facet=facet)
    except (PlotRequestError, KeyError, FileNotFoundError, OutputFolderError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}")
